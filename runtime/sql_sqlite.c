/*
 * sql_sqlite.c - the runtime's own statements in SQLite's dialect.
 */
#include "sql.h"

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
    .last_hash = "SELECT \"hash\" FROM \"trail_change_events\" WHERE \"node_id\" = ?"
                 " ORDER BY \"hlc\" DESC LIMIT 1",
    .event_insert =
        "INSERT INTO \"trail_change_events\" (\"event_id\", \"hlc\", \"node_id\","
        " \"origin_node\", \"tx_id\", \"table_name\", \"record_id\", \"op\", \"version\","
        " \"old_values\", \"new_values\", \"changed\", \"schema_version\", \"user_id\","
        " \"request_id\", \"session_id\", \"tenant_id\", \"trace_id\", \"span_id\", \"ip\","
        " \"created_at\", \"prev_hash\", \"hash\")"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    .savepoint = "SAVEPOINT trail_call",
    .release = "RELEASE trail_call",
    .rollback_to = "ROLLBACK TO trail_call",
};
