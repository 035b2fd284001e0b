/*
 * sync/conflicts.h - a record's edits in record order, which of them are
 * concurrent, and the conflicts recorded of them (docs/replication.md,
 * "Merging concurrent edits"): internal to libtrail.
 */
#ifndef TRAIL_SYNC_CONFLICTS_H
#define TRAIL_SYNC_CONFLICTS_H

#include "driver/driver.h"
#include "sync/schemas.h"
#include "sync/wire.h"

#include <jansson.h>
#include <stdbool.h>

/* One edit (insert, update, resolve, delete) of a record; merge events are none. */
typedef struct trail__edit {
    char event_id[TRAIL_ULID_LEN + 1];
    char node_id[TRAIL_NODE_ID_MAX + 1];
    char op[8];
    int64_t hlc;
    int64_t version;
    json_t *changed;    /* array of field names (owned; an empty array when absent) */
    json_t *new_values; /* object, or NULL (a delete) (owned) */
} trail__edit;

/* A record's edits held here, in record order. */
typedef struct trail__edits {
    trail__edit *item;
    size_t n, cap;
} trail__edits;

/*
 * trail__edits_read - the edits of record @record_id of @table that @db
 * holds, into the zeroed @out, sorted in record order. TRAIL_OK or a
 * failure with db's error set; @out is freed with trail__edits_free() in
 * every case.
 */
int trail__edits_read(trail_conn *db, const char *table, const char *record_id, trail__edits *out);

void trail__edits_free(trail__edits *edits);

/*
 * trail__edit_of_event - @ev as an edit, into @out (freed with
 * trail__edit_free()), without its new_values, which the usual apply does
 * not need (trail__edit_values() adds them). TRAIL_OK, or TRAIL_ENOMEM
 * with db's error set.
 */
int trail__edit_of_event(trail_conn *db, const trail__wire_event *ev, trail__edit *out);

/*
 * trail__edit_values - @ev's new_values into @edit, made of @ev by
 * trail__edit_of_event(), unless they are there already. TRAIL_OK, or
 * TRAIL_ENOMEM with db's error set.
 */
int trail__edit_values(trail_conn *db, const trail__wire_event *ev, trail__edit *edit);

void trail__edit_free(trail__edit *edit);

/* trail__edit_cmp - <0, 0, >0 as @a comes before, is, or comes after @b in record order. */
int trail__edit_cmp(const trail__edit *a, const trail__edit *b);

/* trail__edit_is - whether @edit's op is @op. */
bool trail__edit_is(const trail__edit *edit, const char *op);

/* trail__edit_sets - whether @edit sets field @name (an insert sets every field). */
bool trail__edit_sets(const trail__edit *edit, const char *name);

/*
 * trail__conflicts_record - record every conflict between @e and the edits
 * in @held (which may hold @e itself: it is skipped) of record @record_id
 * of @t's entity, that this node does not hold yet. TRAIL_OK or a failure with db's error
 * set.
 */
int trail__conflicts_record(trail_conn *db, const trail__sync_table *t, const char *record_id,
                            const trail__edit *e, const trail__edits *held);

/*
 * trail__conflict_alone - record that @e, of record @record_id of @t's
 * entity, was kept without its row effect for a reason of its own (a unique
 * value taken here, a row with its id here): open, for a person; its id
 * made from @e's. TRAIL_OK or a failure with db's error set.
 */
int trail__conflict_alone(trail_conn *db, const trail__sync_table *t, const char *record_id,
                          const trail__edit *e);

#endif
