/*
 * event.h - writing change events: internal to libtrail.
 *
 * An event is stamped here with its HLC, ids, node and hash, and inserted in
 * the caller's transaction. Its hash covers every other column, in a
 * canonical JSON form that any engine's stored copy gives back (JSON columns
 * are parsed and re-serialized with sorted keys), and the hash of the node's
 * previous event, so that editing or removing history breaks the chain.
 */
#ifndef TRAIL_EVENT_H
#define TRAIL_EVENT_H

#include "db.h"
#include "sha256.h"
#include "trail/ctx.h"

#include <stdbool.h>
#include <stdint.h>

/* What a record operation tells the event writer. */
typedef struct trail_event {
    const char *table;     /* table_name */
    const char *record_id; /* as text */
    const char *op;        /* "insert", "update", "delete" */
    int64_t version;
    const char *old_values; /* JSON object, NULL on insert */
    const char *new_values; /* JSON object, NULL on delete */
    const char *old_canon;  /* old_values in canonical form (canon.h), for the hash */
    const char *new_canon;  /* new_values likewise */
    const char *changed;    /* JSON array of field names */
    int64_t schema_version;
    const trail_ctx *ctx; /* may be NULL */
} trail_event;

/*
 * trail_event_record - stamp and insert @ev inside the open transaction of @db.
 * Returns TRAIL_OK or a failure code with db->err set.
 */
int trail_event_record(trail_conn *db, const trail_event *ev);

/*
 * trail_event_hash - the hash of an event row given as its columns in
 * event_insert order (all but the last, `hash`), each a trail_value: the
 * SHA-256 of the columns as one canonical JSON array (canon.h). @canonical
 * says the JSON columns are in canonical form already (on write); otherwise
 * (on verify) they are parsed and rewritten. Returns TRAIL_OK,
 * TRAIL_EINVALID (a JSON column that does not parse) or TRAIL_ENOMEM.
 */
int trail_event_hash(char out[TRAIL_SHA256_HEX_LEN + 1], const trail_value *cols, bool canonical);

#endif /* TRAIL_EVENT_H */
