/*
 * event.h - writing change events: internal to libtrail.
 *
 * An event is stamped here with its HLC, ids, node, lane and hash; the
 * driver inserts it in the call's transaction (sqlite/write_sqlite.c), or
 * has the engine build it (write_one.c). Its hash covers every other column,
 * the JSON ones as the text stored (every engine keeps it as written: json,
 * not jsonb, on PostgreSQL), including the hash of the lane's previous event
 * (lane.h), so that editing or removing history breaks the chain. Where the engine builds
 * the event itself (write_pg.c, write_mysql.c), it hashes the same message
 * (sha256() on PostgreSQL, SHA2() on MariaDB).
 */
#ifndef TRAIL_EVENT_H
#define TRAIL_EVENT_H

#include "core/buf.h"
#include "driver/driver.h"
#include "core/sha256.h"
#include "driver/sql.h"
#include "trail/ctx.h"

#include <stdbool.h>
#include <stdint.h>

/* What a record operation tells the event writer. */
typedef struct trail_event {
    const char *table;     /* table_name */
    const char *record_id; /* as text */
    const char *op;        /* one of TRAIL_EVENT_OP_TABLE (event_columns.h) */
    int64_t version;
    const char *old_values; /* JSON object, NULL on insert */
    const char *new_values; /* JSON object, NULL on delete */
    const char *changed;    /* JSON array of field names */
    int64_t schema_version;
    const trail_ctx *ctx; /* may be NULL */
} trail_event;

/*
 * trail__event_stamp - stamp @ev with a new HLC from the connection's clock
 * and an event id made from it (written into @event_id), place it after the
 * head of the connection's open lane (lane.h), and lay it out as the event
 * row's columns (TRAIL_EV_*: event_columns.h), all but `hash`: @cols borrows
 * from @ev, @db and @event_id; created_at is the wall clock now. Returns
 * TRAIL_OK or a failure code with db->err set.
 */
int trail__event_stamp(trail_conn *db, const trail_event *ev, char event_id[TRAIL_ULID_LEN + 1],
                       trail_value cols[TRAIL_EVENT_COLUMNS]);

/*
 * trail__event_seal - hash the event row @cols (trail__event_stamp()'s) into
 * @hash and set its `hash` column to it, borrowing @hash. Returns TRAIL_OK
 * or TRAIL_ENOMEM.
 */
int trail__event_seal(trail_value cols[TRAIL_EVENT_COLUMNS], char hash[TRAIL_SHA256_HEX_LEN + 1]);

/*
 * trail__event_message - append to @out the message an event's hash is taken
 * over: its HASHED columns (event_columns.h: all but `hash`) in their order,
 * as one compact JSON array; a TRAIL_V_JSON column is spliced in as its text, NULL
 * is null, text a string, anything else an integer. Returns TRAIL_OK or
 * TRAIL_ENOMEM.
 */
int trail__event_message(trail_buf *out, const trail_value *cols);

/*
 * trail__row_message - append to @out the columns @cols (@n of them) for
 * which @hashed[i] is true, in order, as one compact JSON array: a
 * TRAIL_V_JSON column spliced in as its text, NULL as null, text a string,
 * anything else an integer. What an event's and a lane's hash is taken over.
 * Returns TRAIL_OK or TRAIL_ENOMEM.
 */
int trail__row_message(trail_buf *out, const trail_value *cols, const bool *hashed, size_t n);

/*
 * trail__event_hash - the hash of an event row given as its columns
 * (TRAIL_EV_*: event_columns.h; old_values, new_values and changed as TRAIL_V_JSON
 * when not NULL): the SHA-256 of trail__event_message(), in lowercase hex.
 * Returns TRAIL_OK or TRAIL_ENOMEM.
 */
int trail__event_hash(char out[TRAIL_SHA256_HEX_LEN + 1], const trail_value *cols);

#endif /* TRAIL_EVENT_H */
