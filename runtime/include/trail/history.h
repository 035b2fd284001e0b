/*
 * trail/history.h - reading change events back, and checking them (SPEC §4).
 *
 * Every audited write leaves one row in trail_change_events. These calls
 * read them: one record's history, every event after a cursor (what a sync
 * or an export follows), a record as it stood at an HLC, and this database's
 * nodes. trail_verify() (trail/verify.h) checks them.
 *
 * None of them needs the generated code: they read trail's own tables. So
 * the `trail` command line tool works on any database.
 */
#ifndef TRAIL_HISTORY_H
#define TRAIL_HISTORY_H

#include "trail/api.h"

#include "trail/conn.h"

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * One change event as stored (SPEC §4). Every pointer is borrowed from the
 * runtime and valid during the callback only; text columns that are SQL NULL
 * are NULL.
 */
typedef struct trail_change_event {
    const char *event_id; /**< ULID */
    int64_t hlc;          /**< 48 bits of ms, 16 of counter */
    const char *node_id;  /**< the node where the change was first made */
    const char *lane_id;  /**< the writer's lane (ULID), in which the events chain */
    int64_t seq;          /**< the event's place in its lane: 1, 2, 3, ... */
    const char *tx_id;
    const char *table_name;
    const char *record_id;
    const char *op; /**< "insert", "update", "delete", "merge" or "resolve" */
    int64_t version;
    const char *old_values; /**< JSON object: an update's changed fields, a delete's row; NULL for
                               an insert */
    const char *new_values; /**< JSON object; NULL for a delete */
    const char *changed;    /**< JSON array of field names */
    int64_t schema_version;
    const char *user_id;
    const char *request_id;
    const char *session_id;
    const char *tenant_id;
    const char *trace_id;
    const char *span_id;
    const char *ip;
    int64_t created_at;    /**< wall-clock ms */
    const char *prev_hash; /**< of the lane's previous event; for seq 1, of the lane's row */
    const char *hash;
} trail_change_event;

/**
 * Called once per event. Return 0 to go on, anything else to stop: the
 * calling function then returns that value (trail_events_since() says how it
 * differs).
 */
typedef int (*trail_event_fn)(void *userdata, const trail_change_event *ev);

/**
 * trail_history - call @fn for each event of @table's record @record_id, in
 * the order they happened (HLC order). @record_id NULL: every record of
 * @table; @table NULL too: every event. (@table NULL with a @record_id: that
 * record id in any table.)
 *
 * Returns TRAIL_OK, the callback's non-zero value, TRAIL_EDB or TRAIL_ENOMEM.
 */
TRAIL_API int trail_history(trail_conn *db, const char *table, const char *record_id,
                            trail_event_fn fn, void *userdata);

/** A position in the event stream, ordered by (hlc, event_id). Zeroed: the start. */
typedef struct trail_cursor {
    int64_t hlc;
    char event_id[27]; /**< "" at the start */
} trail_cursor;

/**
 * trail_events_since - call @fn for up to @limit events after *@cursor in
 * (hlc, event_id) order, moving *@cursor past each event whose callback
 * returned 0. A non-zero callback value stops the walk and leaves that event
 * to be read again next time.
 *
 * Returns the number of events consumed (0 when there are no more), or a
 * negative code: TRAIL_EARG (@limit < 1), TRAIL_EDB, TRAIL_ENOMEM.
 */
TRAIL_API int trail_events_since(trail_conn *db, trail_cursor *cursor, int limit, trail_event_fn fn,
                                 void *userdata);

/**
 * trail_as_of - the record @record_id of @table as it stood at @hlc: the
 * `new_values` of its last event at or before @hlc, as a JSON object in a
 * string the caller frees with free(). Redacted fields read "[redacted]" and
 * omitted fields are absent, as in the events.
 *
 * Returns TRAIL_OK, TRAIL_ENOTFOUND (the record did not exist at @hlc: not
 * yet created, or deleted by then), TRAIL_EDB or TRAIL_ENOMEM.
 */
TRAIL_API int trail_as_of(trail_conn *db, const char *table, const char *record_id, int64_t hlc,
                          char **json);

/** One node this database knows of (trail_nodes), with what it recorded here. */
typedef struct trail_node_info {
    const char *node_id;
    const char *hostname;
    bool is_local;                 /**< this database's own node */
    int64_t first_seen, last_seen; /**< wall-clock ms */
    int64_t events;                /**< events in trail_change_events recorded by this node */
    int64_t last_hlc;              /**< the highest of them; 0 when none */
} trail_node_info;

/** Called once per node; same stopping rule as trail_event_fn. */
typedef int (*trail_node_fn)(void *userdata, const trail_node_info *node);

/**
 * trail_nodes - call @fn for every node, the local one first, then by id.
 * Returns TRAIL_OK, the callback's non-zero value, TRAIL_EDB or TRAIL_ENOMEM.
 */
TRAIL_API int trail_nodes(trail_conn *db, trail_node_fn fn, void *userdata);

#ifdef __cplusplus
}
#endif

#endif /* TRAIL_HISTORY_H */
