/*
 * sql_sqlite.c - the runtime's own statements in SQLite's dialect.
 */
#include "sql.h"

/* The event columns, in event_insert order. */
#define EVENT_COLUMNS                                                                              \
    "\"event_id\", \"hlc\", \"node_id\", \"origin_node\", \"tx_id\", \"table_name\","              \
    " \"record_id\", \"op\", \"version\", \"old_values\", \"new_values\", \"changed\","            \
    " \"schema_version\", \"user_id\", \"request_id\", \"session_id\", \"tenant_id\","             \
    " \"trace_id\", \"span_id\", \"ip\", \"created_at\", \"prev_hash\", \"hash\""
#define SELECT_EVENTS "SELECT " EVENT_COLUMNS " FROM \"trail_change_events\""
#define IN_ORDER      " ORDER BY \"hlc\", \"event_id\""

const struct trail_runtime_sql trail_runtime_sql_sqlite = {
    .meta_get = "SELECT \"value\" FROM \"trail_meta\" WHERE \"key\" = ?",
    .meta_set = "INSERT INTO \"trail_meta\" (\"key\", \"value\") VALUES (?, ?)"
                " ON CONFLICT (\"key\") DO UPDATE SET \"value\" = excluded.\"value\"",
    .node_local = "SELECT \"node_id\" FROM \"trail_nodes\" WHERE \"is_local\" = 1",
    .node_insert = "INSERT INTO \"trail_nodes\""
                   " (\"node_id\", \"hostname\", \"is_local\", \"first_seen\", \"last_seen\")"
                   " VALUES (?, ?, ?, ?, ?)",
    .node_touch =
        "UPDATE \"trail_nodes\" SET \"hostname\" = ?, \"last_seen\" = ? WHERE \"node_id\" = ?",
    .max_hlc = "SELECT max(\"hlc\") FROM \"trail_change_events\"",
    .last_event = "SELECT \"hlc\", \"hash\" FROM \"trail_change_events\" WHERE \"node_id\" = ?"
                  " ORDER BY \"hlc\" DESC LIMIT 1",
    .event_insert = "INSERT INTO \"trail_change_events\" (" EVENT_COLUMNS ")"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    .savepoint = "SAVEPOINT trail_call",
    .release = "RELEASE trail_call",
    .rollback_to = "ROLLBACK TO trail_call",

    .events_all = SELECT_EVENTS IN_ORDER,
    .events_of_table = SELECT_EVENTS " WHERE \"table_name\" = ?" IN_ORDER,
    .events_of_record = SELECT_EVENTS " WHERE \"table_name\" = ? AND \"record_id\" = ?" IN_ORDER,
    .events_of_id = SELECT_EVENTS " WHERE \"record_id\" = ?" IN_ORDER,
    .events_since = SELECT_EVENTS
    " WHERE \"hlc\" >= ? AND (\"hlc\" > ? OR \"event_id\" > ?)" IN_ORDER " LIMIT ?",
    .events_by_node = SELECT_EVENTS " ORDER BY \"node_id\", \"hlc\", \"event_id\"",
    .as_of = "SELECT \"op\", \"new_values\" FROM \"trail_change_events\""
             " WHERE \"table_name\" = ? AND \"record_id\" = ? AND \"hlc\" <= ?"
             " ORDER BY \"hlc\" DESC, \"event_id\" DESC LIMIT 1",
    .nodes = "SELECT n.\"node_id\", n.\"hostname\", n.\"is_local\", n.\"first_seen\","
             " n.\"last_seen\", count(e.\"event_id\"), coalesce(max(e.\"hlc\"), 0)"
             " FROM \"trail_nodes\" n LEFT JOIN \"trail_change_events\" e"
             " ON e.\"node_id\" = n.\"node_id\""
             " GROUP BY n.\"node_id\", n.\"hostname\", n.\"is_local\", n.\"first_seen\","
             " n.\"last_seen\" ORDER BY n.\"is_local\" DESC, n.\"node_id\"",

    .meta_models = "SELECT \"key\", \"value\" FROM \"trail_meta\""
                   " WHERE \"key\" LIKE 'schema.%.model' ORDER BY \"key\"",
    .event_tables = "SELECT DISTINCT \"table_name\" FROM \"trail_change_events\""
                    " ORDER BY \"table_name\"",
    .record_events = "SELECT \"record_id\", \"op\", \"version\", \"old_values\","
                     " \"new_values\", \"event_id\" FROM \"trail_change_events\""
                     " WHERE \"table_name\" = ?"
                     " ORDER BY \"record_id\", \"hlc\", \"event_id\"",
    .quote = '"',
};
