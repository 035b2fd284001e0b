/*
 * sql_texts.h - the runtime's own statements, written once for every
 * dialect: included by sql_<driver>.c inside its trail_runtime_sql
 * initializer, after defining
 *
 *   P(n)         the n-th placeholder: "?" or "$n";
 *   Q(name)      an identifier quoted for the dialect;
 *   UPSERT_META  the dialect's insert-or-replace of trail_meta.
 *
 * The event table's columns come from its one table (audit/event_columns.h).
 *
 * Only what the dialects do differently is left to the including file.
 * (Laid out by hand: clang-format cannot indent an initializer fragment.)
 */
// clang-format off

/* The event's columns and event_insert's placeholders, from the one table of them. */
#define EVENT_COLUMN(n, name, ...)      Q(name)
#define EVENT_PLACEHOLDER(n, name, ...) P(n)
#define EVENT_COLUMNS                   TRAIL_EVENT_COLUMN_TABLE(EVENT_COLUMN, ", ")
#define LANE_COLUMNS                    TRAIL_LANE_COLUMN_TABLE(EVENT_COLUMN, ", ")
#define EVENTS        Q(trail_change_events)
#define SELECT_EVENTS "SELECT " EVENT_COLUMNS " FROM " EVENTS
#define IN_ORDER      " ORDER BY " Q(hlc) ", " Q(event_id)
/* The highest seq of lane l's events, NULL when it has none (for the digests). */
#define LAST_SEQ      "(SELECT m." Q(seq) " FROM " EVENTS " m WHERE m." Q(lane_id) " = l." Q(lane_id) \
                      " ORDER BY m." Q(seq) " DESC LIMIT 1)"

    .meta_get = "SELECT " Q(value) " FROM " Q(trail_meta) " WHERE " Q(key) " = " P(1),
    .meta_set = UPSERT_META,
    .node_local = "SELECT " Q(node_id) " FROM " Q(trail_nodes) " WHERE " Q(is_local),
    .node_insert = "INSERT INTO " Q(trail_nodes) " (" Q(node_id) ", " Q(hostname) ", "
                   Q(is_local) ", " Q(first_seen) ", " Q(last_seen) ")"
                   " VALUES (" P(1) ", " P(2) ", " P(3) ", " P(4) ", " P(5) ")",
    .node_get = "SELECT " Q(node_id) " FROM " Q(trail_nodes) " WHERE " Q(node_id) " = " P(1),
    .lane_turn_any = "UPDATE " Q(trail_nodes) " SET " Q(last_seen) " = " P(1)
                     " WHERE " Q(node_id) " = " P(2),
    .node_touch = "UPDATE " Q(trail_nodes) " SET " Q(hostname) " = " P(1) ", "
                  Q(last_seen) " = " P(2) " WHERE " Q(node_id) " = " P(3),
    .max_event_id = "SELECT max(" Q(event_id) ") FROM " EVENTS,
    .max_hlc_since = "SELECT max(" Q(hlc) ") FROM " EVENTS " WHERE " Q(event_id) " >= " P(1),
    .max_lane_hlc = "SELECT max(" Q(opened_hlc) ") FROM " Q(trail_lanes),
    .events_layout = SELECT_EVENTS " WHERE 1 = 0",
    .lanes_layout = "SELECT " LANE_COLUMNS " FROM " Q(trail_lanes) " WHERE 1 = 0",
    .lane_turn = "UPDATE " Q(trail_nodes) " SET " Q(last_seen) " = " P(1)
                 " WHERE " Q(node_id) " = " P(2) " AND " Q(is_local),
    .lane_last = "SELECT " Q(lane_id) ", " Q(node_seq) ", " Q(hash) " FROM " Q(trail_lanes)
                 " WHERE " Q(node_id) " = " P(1) " ORDER BY " Q(node_seq) " DESC LIMIT 1",
    .lane_insert = "INSERT INTO " Q(trail_lanes) " (" LANE_COLUMNS ") VALUES ("
                   TRAIL_LANE_COLUMN_TABLE(EVENT_PLACEHOLDER, ", ") ")",
    .lane_seal = "UPDATE " Q(trail_lanes) " SET " Q(sealed_seq) " = " P(1) ", "
                 Q(sealed_hash) " = " P(2) ", " Q(sealed_at) " = " P(3)
                 " WHERE " Q(lane_id) " = " P(4),
    .event_insert = "INSERT INTO " EVENTS " (" EVENT_COLUMNS ") VALUES ("
                    TRAIL_EVENT_COLUMN_TABLE(EVENT_PLACEHOLDER, ", ") ")",
    .savepoint = "SAVEPOINT trail_call",
    .release = "RELEASE SAVEPOINT trail_call",
    .rollback_to = "ROLLBACK TO SAVEPOINT trail_call",

    .events_all = SELECT_EVENTS IN_ORDER,
    .events_of_table = SELECT_EVENTS " WHERE " Q(table_name) " = " P(1) IN_ORDER,
    .events_of_record = SELECT_EVENTS " WHERE " Q(table_name) " = " P(1)
                        " AND " Q(record_id) " = " P(2) IN_ORDER,
    .events_of_id = SELECT_EVENTS " WHERE " Q(record_id) " = " P(1) IN_ORDER,
    .events_since = SELECT_EVENTS " WHERE " Q(hlc) " >= " P(1)
                    " AND (" Q(hlc) " > " P(2) " OR " Q(event_id) " > " P(3) ")"
                    IN_ORDER " LIMIT " P(4),
    .events_by_lane = SELECT_EVENTS " ORDER BY " Q(lane_id) ", " Q(seq),
    .as_of = "SELECT " Q(op) ", " Q(new_values) " FROM " EVENTS
             " WHERE " Q(table_name) " = " P(1) " AND " Q(record_id) " = " P(2)
             " AND " Q(hlc) " <= " P(3)
             " ORDER BY " Q(hlc) " DESC, " Q(event_id) " DESC LIMIT 1",
    .nodes = "SELECT n." Q(node_id) ", n." Q(hostname) ", n." Q(is_local) ", n." Q(first_seen)
             ", n." Q(last_seen) ", count(e." Q(event_id) "), coalesce(max(e." Q(hlc) "), 0)"
             " FROM " Q(trail_nodes) " n LEFT JOIN " EVENTS " e"
             " ON e." Q(node_id) " = n." Q(node_id)
             " GROUP BY n." Q(node_id) ", n." Q(hostname) ", n." Q(is_local)
             ", n." Q(first_seen) ", n." Q(last_seen)
             " ORDER BY n." Q(is_local) " DESC, n." Q(node_id),

    .lanes = "SELECT " LANE_COLUMNS " FROM " Q(trail_lanes)
             " ORDER BY " Q(node_id) ", " Q(node_seq),
    .meta_models = "SELECT " Q(key) ", " Q(value) " FROM " Q(trail_meta)
                   " WHERE " Q(key) " LIKE 'schema.%.model' ORDER BY " Q(key),
    .meta_versions = "SELECT " Q(key) " FROM " Q(trail_meta)
                     " WHERE " Q(key) " LIKE 'schema.%.version' ORDER BY " Q(key),
    .count_events = "SELECT count(*) FROM " EVENTS,
    .event_tables = "SELECT DISTINCT " Q(table_name) " FROM " EVENTS " ORDER BY " Q(table_name),
    .record_events = "SELECT " Q(record_id) ", " Q(op) ", " Q(version) ", " Q(old_values) ", "
                     Q(new_values) ", " Q(event_id) ", " Q(changed) " FROM " EVENTS
                     " WHERE " Q(table_name) " = " P(1)
                     " ORDER BY " Q(record_id) ", " Q(hlc) ", " Q(event_id),
    /*
     * Each lane's last event through the unique (lane_id, seq) index: the
     * lane's highest seq read as the index's last entry for the lane (not
     * max(), which MariaDB computes by reading every entry of the lane),
     * then that event.
     */
    .digest_lanes = "SELECT l." Q(lane_id) ", l." Q(node_id) ", l." Q(hash) ", e." Q(seq) ", e."
                    Q(hash) " FROM " Q(trail_lanes) " l LEFT JOIN " EVENTS " e"
                    " ON e." Q(lane_id) " = l." Q(lane_id) " AND e." Q(seq) " = " LAST_SEQ,
    .digest_lane = "SELECT l." Q(node_id) ", l." Q(hash) ", e." Q(event_id) ", e." Q(hash) ", "
                   LAST_SEQ " FROM " Q(trail_lanes) " l LEFT JOIN " EVENTS " e"
                   " ON e." Q(lane_id) " = l." Q(lane_id) " AND e." Q(seq) " = " P(1)
                   " WHERE l." Q(lane_id) " = " P(2),

    .sync_heads = "SELECT l." Q(lane_id) ", l." Q(node_id) ", l." Q(node_seq) ", l." Q(hash) ", l."
                  Q(sealed_seq) ", e." Q(seq) ", e." Q(hash) " FROM " Q(trail_lanes) " l"
                  " LEFT JOIN " EVENTS " e ON e." Q(lane_id) " = l." Q(lane_id)
                  " AND e." Q(seq) " = " LAST_SEQ,
    .sync_lane_events = SELECT_EVENTS " WHERE " Q(lane_id) " = " P(1) " AND " Q(seq) " > " P(2)
                        " ORDER BY " Q(seq) " LIMIT " P(3),
    .quarantine_insert = "INSERT INTO " Q(trail_quarantine) " (" Q(item_id) ", " Q(kind) ", "
                         Q(lane_id) ", " Q(seq) ", " Q(hlc) ", " Q(node_id) ", " Q(state) ", "
                         Q(reason) ", " Q(body) ", " Q(first_seen) ", " Q(last_tried) ", "
                         Q(tries) ") VALUES (" P(1) ", " P(2) ", " P(3) ", " P(4) ", " P(5) ", "
                         P(6) ", " P(7) ", " P(8) ", " P(9) ", " P(10) ", " P(11) ", " P(12) ")",
    .quarantine_delete = "DELETE FROM " Q(trail_quarantine) " WHERE " Q(item_id) " = " P(1),
    .quarantine_get = "SELECT " Q(first_seen) ", " Q(tries) " FROM " Q(trail_quarantine)
                      " WHERE " Q(item_id) " = " P(1),
    .quarantine_held = "SELECT " Q(body) " FROM "
                       Q(trail_quarantine) " WHERE " Q(state) " = 'held' AND " Q(kind)
                       " = 'event' ORDER BY " Q(hlc) ", " Q(item_id),
    .quarantine_stopped = "SELECT " Q(lane_id) ", " Q(item_id) " FROM " Q(trail_quarantine)
                          " WHERE " Q(state) " = 'refused'",
    .quarantine_held_lanes = "SELECT " Q(lane_id) ", min(" Q(item_id) ") FROM " Q(trail_quarantine)
                             " WHERE " Q(state) " = 'held' GROUP BY " Q(lane_id),
    .quarantine_refused_lanes = "SELECT " Q(body) " FROM " Q(trail_quarantine) " WHERE "
                                Q(kind) " = 'lane' AND " Q(state) " = 'refused'",
    .quarantine_delete_lane = "DELETE FROM " Q(trail_quarantine) " WHERE " Q(lane_id) " = " P(1),
    .quarantine_delete_node = "DELETE FROM " Q(trail_quarantine) " WHERE " Q(node_id) " = " P(1),
    .lane_fence_of = "SELECT " Q(lane_id) " FROM " Q(trail_lanes) " WHERE " Q(prev_lane) " = "
                     P(1) " AND " Q(node_seq) " = 1",
    .lane_next_link = "SELECT " Q(prev_lane) " FROM " Q(trail_lanes) " WHERE " Q(node_id)
                      " = " P(1) " AND " Q(node_seq) " = " P(2),
    .lane_delete = "DELETE FROM " Q(trail_lanes) " WHERE " Q(lane_id) " = " P(1),
    .event_rehome = "UPDATE " EVENTS " SET " Q(node_id) " = " P(1) ", " Q(lane_id) " = " P(2)
                    ", " Q(prev_hash) " = " P(3) ", " Q(hash) " = " P(4)
                    " WHERE " Q(event_id) " = " P(5),
    .node_set_local = "UPDATE " Q(trail_nodes) " SET " Q(is_local) " = " P(1)
                      " WHERE " Q(node_id) " = " P(2),
    .tombstone_get = "SELECT " Q(version) " FROM " Q(trail_tombstones) " WHERE " Q(table_name)
                     " = " P(1) " AND " Q(record_id) " = " P(2),
    .record_deleted = "SELECT 1 FROM " EVENTS " WHERE " Q(table_name) " = " P(1) " AND "
                      Q(record_id) " = " P(2) " AND " Q(op) " = 'delete' LIMIT 1",
    .tombstone_insert = "INSERT INTO " Q(trail_tombstones) " (" Q(table_name) ", " Q(record_id)
                        ", " Q(version) ", " Q(hlc) ", " Q(event_id) ") VALUES (" P(1) ", " P(2)
                        ", " P(3) ", " P(4) ", " P(5) ")",
    .record_edits = "SELECT " Q(event_id) ", " Q(node_id) ", " Q(op) ", " Q(hlc) ", " Q(version)
                    ", " Q(changed) ", " Q(new_values) " FROM " EVENTS " WHERE " Q(table_name)
                    " = " P(1) " AND " Q(record_id) " = " P(2) " AND " Q(op) " <> 'merge'",
    .conflict_insert = "INSERT INTO " Q(trail_conflicts) " (" Q(conflict_id) ", " Q(table_name)
                       ", " Q(record_id) ", " Q(event_id) ", " Q(other_event_id) ", " Q(fields)
                       ", " Q(event_values) ", " Q(other_values) ", " Q(detected_at) ", "
                       Q(resolved_at) ", " Q(resolution) ") VALUES (" P(1) ", " P(2) ", " P(3)
                       ", " P(4) ", " P(5) ", " P(6) ", " P(7) ", " P(8) ", " P(9) ", " P(10)
                       ", " P(11) ")",
    .conflict_events = "SELECT c." Q(event_id) " FROM " Q(trail_conflicts) " c JOIN " EVENTS
                       " e ON e." Q(event_id) " = c." Q(event_id) " WHERE e." Q(node_id)
                       " <> " P(1),
    .foreign_events = "SELECT e." Q(event_id) ", e." Q(node_id) ", l." Q(node_seq) " FROM " EVENTS
                      " e JOIN " Q(trail_lanes) " l ON l." Q(lane_id) " = e." Q(lane_id)
                      " WHERE e." Q(table_name) " = " P(1) " AND e." Q(node_id) " <> " P(2),
    .node_resets = "SELECT " Q(value) " FROM " Q(trail_meta) " WHERE " Q(key)
                   " LIKE 'node.%.reset'",
    .cursor_delete = "DELETE FROM " Q(trail_cursors) " WHERE " Q(peer_node) " = " P(1),
    .cursors = "SELECT " Q(peer_node) ", " Q(pulled_at) ", " Q(peer_heads) ", " Q(peer_events)
               ", " Q(applied) ", " Q(skipped) ", " Q(held) ", " Q(refused) " FROM "
               Q(trail_cursors) " ORDER BY " Q(peer_node),
    .cursor_insert = "INSERT INTO " Q(trail_cursors) " (" Q(peer_node) ", " Q(pulled_at) ", "
                     Q(peer_heads) ", " Q(peer_events) ", " Q(applied) ", " Q(skipped) ", "
                     Q(held) ", " Q(refused) ", " Q(updated_at) ") VALUES (" P(1) ", " P(2)
                     ", " P(3) ", " P(4) ", " P(5) ", " P(6) ", " P(7) ", " P(8) ", " P(9) ")",
    .pull_insert = "INSERT INTO " Q(trail_pulls) " (" Q(peer_node) ", " Q(pulled_at)
                   ") VALUES (" P(1) ", " P(2) ")",
    .pulls = "SELECT " Q(peer_node) ", " Q(pulled_at) " FROM " Q(trail_pulls)
             " ORDER BY " Q(peer_node) ", " Q(pulled_at),
    .pulls_trim = "DELETE FROM " Q(trail_pulls) " WHERE " Q(peer_node) " = " P(1)
                  " AND " Q(pulled_at) " < " P(2),
#define CONFLICT_COLUMNS Q(conflict_id) ", " Q(table_name) ", " Q(record_id) ", " Q(event_id) \
    ", " Q(other_event_id) ", " Q(fields) ", " Q(event_values) ", " Q(other_values) ", " \
    Q(detected_at) ", " Q(resolved_at) ", " Q(resolution)
    .conflict_get = "SELECT " CONFLICT_COLUMNS " FROM " Q(trail_conflicts) " WHERE "
                    Q(conflict_id) " = " P(1),
    .conflicts_list = "SELECT " CONFLICT_COLUMNS " FROM " Q(trail_conflicts) " WHERE (" P(1)
                      " = 1 OR " Q(resolved_at) " IS NULL) AND (" P(2) " = '' OR " Q(table_name)
                      " = " P(3) ") AND (" P(4) " = '' OR " Q(record_id) " = " P(5) ")"
                      " ORDER BY " Q(detected_at) ", " Q(conflict_id),
    .conflict_close = "UPDATE " Q(trail_conflicts) " SET " Q(resolved_at) " = " P(1) ", "
                      Q(resolution) " = " P(2) " WHERE " Q(conflict_id) " = " P(3) " AND "
                      Q(resolved_at) " IS NULL",
    .conflict_reclose = "UPDATE " Q(trail_conflicts) " SET " Q(resolved_at) " = " P(1) ", "
                        Q(resolution) " = " P(2) " WHERE " Q(conflict_id) " = " P(3) " AND ("
                        Q(resolution) " IS NULL OR " Q(resolution)
                        " IN ('keep', 'other', 'values'))",
    .record_resolves = "SELECT " Q(event_id) ", " Q(hlc) ", " Q(node_id) ", " Q(old_values) ", "
                       Q(created_at) " FROM " EVENTS " WHERE " Q(table_name) " = " P(1) " AND "
                       Q(record_id) " = " P(2) " AND " Q(op) " = 'resolve'",
    .record_last_hlc = "SELECT max(" Q(hlc) ") FROM " EVENTS " WHERE " Q(table_name) " = " P(1)
                       " AND " Q(record_id) " = " P(2),
#undef CONFLICT_COLUMNS

#undef EVENT_COLUMN
#undef EVENT_PLACEHOLDER
#undef EVENT_COLUMNS
#undef LANE_COLUMNS
#undef EVENTS
#undef SELECT_EVENTS
#undef IN_ORDER
#undef LAST_SEQ

    // clang-format on
