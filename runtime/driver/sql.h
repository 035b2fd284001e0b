/*
 * sql.h - the statements the runtime runs on its own tables, per dialect:
 * internal to libtrail. The tables themselves are created by the schema's
 * DDL (trailgen's templates), so that one text defines them. What statements
 * built at run time need of the dialect (quote, placeholders) is in the
 * driver's trail_dialect (driver/dialect.h).
 */
#ifndef TRAIL_SQL_H
#define TRAIL_SQL_H

#include "audit/event_columns.h"

typedef struct trail_runtime_sql {
    const char *meta_get;    /* key -> value */
    const char *meta_set;    /* key, value: insert or replace */
    const char *node_local;  /* -> node_id of this database */
    const char *node_insert; /* node_id, hostname, is_local, first_seen, last_seen */
    const char *node_touch;  /* hostname, last_seen, node_id */
    /*
     * The clock's floor at open (conn.c): the highest event id, then the
     * highest hlc among the events whose ids are at least a given one (an
     * event's id takes its time from its hlc: SPEC §5), and the highest hlc
     * a lane was opened at. Each an index range, not a scan of every event.
     */
    const char *max_event_id;  /* -> the highest event_id */
    const char *max_hlc_since; /* event_id -> the highest hlc of events from it on */
    const char *max_lane_hlc;  /* -> the highest opened_hlc of trail_lanes */

    /* Every column of the event table and of trail_lanes, no row: fails on an older layout. */
    const char *events_layout;
    const char *lanes_layout;

    /* Lanes (audit/lane.c). */
    const char *node_get;      /* node_id -> node_id, no row when unknown */
    const char *lane_turn_any; /* last_seen, node_id: a node's row, local or not */
    const char *lane_turn;     /* last_seen, node_id: the node's row, locked until commit; no
                                  row changed when the node is not the database's own */
    const char *lane_last;     /* node_id -> lane_id, node_seq, hash of the node's newest lane */
    const char *lane_insert;   /* the TRAIL_LANE_COLUMNS columns, in their order */
    const char *lane_seal;     /* sealed_seq, sealed_hash, sealed_at, lane_id */
    const char *event_insert;  /* the TRAIL_EVENT_COLUMNS columns, in their order */
    const char *savepoint;     /* a call's own undo point inside trail_begin() */
    const char *release;
    const char *rollback_to;

    /* Reading history (history.c); each selects the TRAIL_EVENT_COLUMNS in their order. */
    const char *events_all;       /* every event, in (hlc, event_id) order */
    const char *events_of_table;  /* table_name */
    const char *events_of_record; /* table_name, record_id */
    const char *events_of_id;     /* record_id, in any table */
    const char *events_since;     /* hlc, hlc, event_id, limit: the next events after a cursor */
    const char *events_by_lane;   /* every event, in (lane_id, seq) order */
    const char *as_of;            /* table_name, record_id, hlc -> op, new_values of the last */
    const char *nodes;            /* node_id, hostname, is_local, first_seen, last_seen,
                                     events, last hlc */

    /* Checking it (verify.c). */
    const char *lanes;           /* -> every trail_lanes row, its TRAIL_LANE_COLUMNS in order,
                                    by (node_id, node_seq) */
    const char *meta_models;     /* -> key, value of every schema.NAME.model */
    const char *meta_versions;   /* -> key of every schema.NAME.version */
    const char *count_events;    /* -> how many events there are, for progress */
    const char *integrity_check; /* -> rows of text, "ok" alone when intact; NULL: none */
    const char *event_tables;    /* -> every table_name with events */
    const char *record_events;   /* table_name -> record_id, op, version, old_values, new_values,
                                    event_id, changed, hlc, node_id, in (record_id, hlc,
                                    event_id) order */
    /*
     * Digests (history/digest.c). snapshot_begin opens a read-only
     * transaction on one snapshot of the whole database, its statements run
     * in order (the second NULL when one does); COMMIT ends it.
     */
    const char *snapshot_begin[2];
    const char *digest_lanes; /* -> lane_id, node_id, hash of every lane, and seq, hash of its
                                 last event (NULL, NULL when it has none), in no order */
    const char *digest_lane;  /* seq, lane_id -> node_id, hash of the lane, event_id and hash of
                                 its event at seq (NULL: none), its last seq (NULL: no events);
                                 no row when there is no such lane */
    /*
     * Replication (sync/). sync_heads reads each lane's head through the
     * unique (lane_id, seq) index, as digest_lanes does.
     */
    const char *sync_heads;        /* -> lane_id, node_id, node_seq, hash, sealed_seq of every lane,
                                      and seq, hash of its last event (NULL, NULL: none) */
    const char *sync_lane_events;  /* lane_id, seq, limit -> the TRAIL_EVENT_COLUMNS of the lane's
                                      events after seq, in seq order */
    const char *quarantine_insert; /* the columns of trail_quarantine, in the DDL's order */
    const char *quarantine_delete; /* item_id */
    const char *quarantine_get;    /* item_id -> first_seen, tries */
    const char *quarantine_held;   /* -> body of every held event, in (hlc, item_id) order */
    const char *quarantine_stopped;    /* -> lane_id, item_id of every refused row */
    const char *quarantine_held_lanes; /* -> lane_id, min(item_id) of every lane with held events */
    const char *quarantine_refused_lanes; /* -> body of every refused lane row */
    const char *quarantine_delete_lane;   /* lane_id: every row of the lane, its own row too */
    const char *quarantine_delete_node;   /* node_id: every row of the node's lanes and events */
    const char *lane_fence_of;    /* lane_id -> the lane that fences it off (node_seq 1 naming
                                     it as prev_lane: sync/node.c), no row when none */
    const char *lane_delete;      /* lane_id */
    const char *lane_next_link;   /* node_id, node_seq -> prev_lane of the node's lane there */
    const char *event_rehome;     /* node_id, lane_id, prev_hash, hash, event_id: an event
                                     moved to its database's new node (sync/node.c) */
    const char *node_set_local;   /* is_local (bool), node_id */
    const char *tombstone_get;    /* table_name, record_id -> version */
    const char *record_deleted;   /* table_name, record_id -> 1 when a delete of it is held */
    const char *tombstone_insert; /* table_name, record_id, version, hlc, event_id */
    const char *record_edits;     /* table_name, record_id -> event_id, node_id, op, hlc, version,
                                     changed, new_values of its events but merges (unordered) */
    const char *conflict_insert;  /* conflict_id, table_name, record_id, event_id,
                                     other_event_id, fields, event_values, other_values,
                                     detected_at, resolved_at, resolution (sync/conflicts.h) */
    const char *foreign_events;   /* table_name, node_id -> event_id, node_id, node_seq (of its
                                     lane) of the table's events of other nodes (verify.c, for an
                                     entity that does not replicate) */
    const char *node_resets;      /* -> value of every trail_meta "node.<id>.reset" (node.c) */
    const char *cursor_delete;    /* peer_node */
    const char *cursors;          /* -> peer_node, pulled_at, peer_heads, peer_events, applied,
                                     skipped, held, refused of every peer */
    const char *cursor_insert;    /* peer_node, pulled_at, peer_heads, peer_events, applied,
                                     skipped, held, refused, updated_at */
    const char *pull_insert;      /* peer_node, pulled_at: a sync from the peer (cursor.c) */
    const char *pulls;            /* -> peer_node, pulled_at of every sync, by peer, in time */
    const char *pulls_trim;       /* peer_node, pulled_at: those of the peer before it go */
    /* Conflicts listed and resolved (sync/resolve.c). */
    const char *conflict_get;     /* conflict_id -> conflict_id, table_name, record_id,
                                     event_id, other_event_id, fields, event_values,
                                     other_values, detected_at, resolved_at, resolution */
    const char *conflicts_list;   /* all (1: closed ones too), table_name or '', the same,
                                     record_id or '', the same -> conflict_get's columns, in
                                     (detected_at, conflict_id) order */
    const char *conflict_close;   /* resolved_at, resolution, conflict_id: an open one only */
    const char *conflict_reclose; /* resolved_at, resolution, conflict_id: one open or closed
                                     by a resolve, not lww or delete-wins ones */
    const char *record_resolves;  /* table_name, record_id -> event_id, hlc, node_id, old_values,
                                     created_at of the record's resolve events */
    const char *record_last_hlc;  /* table_name, record_id -> the hlc of its newest event */
    /* Checking a schema against the tables (schema_check.c). */
    const char *columns; /* -> table, column of every table of the database */
    /*
     * The event table's op column as the catalog holds it (audit/op_check.c):
     * -> a CHECK's name, quoted for DDL, and its text, and the column's type,
     * a row per CHECK on the column alone (one, the first two NULL, when it
     * has none). SQLite, which names no CHECK: one row, the table's CREATE
     * TABLE text second.
     */
    const char *op_checks;
} trail_runtime_sql;

#endif /* TRAIL_SQL_H */
