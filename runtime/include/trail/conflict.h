/*
 * trail/conflict.h - the conflicts replication recorded (trail_conflicts,
 * SPEC §6, docs/replication.md "Conflicts"), listed, and the open ones of
 * `conflict: manual` entities decided by a person as an audited change
 * that replicates and closes the conflict on every node ("Resolving").
 */
#ifndef TRAIL_CONFLICT_H
#define TRAIL_CONFLICT_H

#include "trail/api.h"
#include "trail/conn.h"
#include "trail/ctx.h"

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** One row of trail_conflicts; every pointer is valid during the callback only. */
typedef struct trail_conflict {
    const char *conflict_id;    /**< 26 characters, the same on every node */
    const char *table_name;     /**< the record's entity's table */
    const char *record_id;      /**< its key */
    const char *event_id;       /**< the later of the two edits in record order */
    const char *other_event_id; /**< the earlier one; NULL for a conflict of one event */
    const char *fields;         /**< JSON array of the field names both set */
    const char *event_values;   /**< JSON object: event_id's values of those fields, or NULL */
    const char *other_values;   /**< JSON object: other_event_id's, or NULL (a delete) */
    int64_t detected_at;        /**< wall-clock ms when this node found it */
    int64_t resolved_at;        /**< wall-clock ms; 0 while open */
    /**
     * NULL while open; "lww" or "delete-wins" when closed at once; "keep",
     * "other" or "values" when trail_conflict_resolve() closed it.
     */
    const char *resolution;
} trail_conflict;

/** Called once per conflict; 0 to go on, anything else to stop (and is returned). */
typedef int (*trail_conflict_fn)(void *userdata, const trail_conflict *c);

/** Options of trail_conflicts_list(); zero (or NULL options) lists the open ones of every table. */
typedef struct trail_conflicts_opts {
    bool all;              /**< closed ones too */
    const char *table;     /**< only this table's; NULL: every table */
    const char *record_id; /**< only this record's; NULL: every record */
} trail_conflicts_opts;

/** Default options: `trail_conflicts_opts o = TRAIL_CONFLICTS_OPTS_INIT;`. */
#define TRAIL_CONFLICTS_OPTS_INIT                                                                  \
    {                                                                                              \
        false, NULL, NULL                                                                          \
    }

/**
 * trail_conflicts_list - call @fn for each conflict @db holds that @opts
 * selects, in the order they were detected (then by id).
 *
 * @opts:     options, or NULL; borrowed.
 * @userdata: handed to @fn.
 *
 * Returns TRAIL_OK, @fn's non-zero value, TRAIL_EARG for a NULL @db or
 * @fn, TRAIL_EDB (the database was never migrated, or fails) or
 * TRAIL_ENOMEM.
 */
TRAIL_API int trail_conflicts_list(trail_conn *db, const trail_conflicts_opts *opts,
                                   trail_conflict_fn fn, void *userdata);

/** What trail_conflict_resolve() makes of the conflict's fields. */
typedef enum trail_resolve_choice {
    TRAIL_RESOLVE_KEEP = 1, /**< the row as it is (the provisional winner) */
    TRAIL_RESOLVE_OTHER,    /**< the other side's values (the conflict's other_values) */
    TRAIL_RESOLVE_VALUES    /**< the values given in trail_resolve.values */
} trail_resolve_choice;

/** A decision: `trail_resolve r = TRAIL_RESOLVE_INIT; r.choice = TRAIL_RESOLVE_OTHER;`. */
typedef struct trail_resolve {
    trail_resolve_choice choice;
    /**
     * TRAIL_RESOLVE_VALUES: a JSON object of some or all of the conflict's
     * fields and their values, each in its type's JSON form
     * (docs/values.md); a field left out keeps the row's value. Borrowed.
     * Ignored for the other choices.
     */
    const char *values;
} trail_resolve;

/** The default decision (keep). */
#define TRAIL_RESOLVE_INIT                                                                         \
    {                                                                                              \
        TRAIL_RESOLVE_KEEP, NULL                                                                   \
    }

/**
 * trail_conflict_resolve - decide the open conflict @conflict_id: in one
 * transaction, write the record's row with the conflict's fields as
 * @choice says (version one more, checked against the row's), one change
 * event of op `resolve` in @db's lane (changed: the conflict's fields;
 * new_values: the row after; old_values: {"conflict_id", "choice"}), and
 * close the conflict (resolved_at now, resolution "keep", "other" or
 * "values"). Other nodes close it when the event reaches them. Needs no
 * generated code: the entity comes from the schema descriptions migrate
 * keeps in the database. Inside trail_begin() it is part of the caller's
 * transaction.
 *
 * @ctx:         who decides, stamped on the event; may be NULL.
 * @conflict_id: borrowed.
 * @choice:      borrowed.
 *
 * Returns TRAIL_OK; TRAIL_ENOTFOUND for an unknown conflict id;
 * TRAIL_EINVALID for a conflict closed already (delete-wins and lww ones
 * are closed when recorded), a record without a row here, or values
 * that are not the conflict's fields or not of their types (the message
 * names entity.field); TRAIL_EARG for NULL arguments or an unknown choice;
 * TRAIL_ECONFLICT when the row moved meanwhile (decide again);
 * TRAIL_EUNIQUE, TRAIL_EREF as the engine refuses the values; TRAIL_EDB.
 * On failure nothing changed.
 */
TRAIL_API int trail_conflict_resolve(trail_conn *db, const trail_ctx *ctx, const char *conflict_id,
                                     const trail_resolve *choice);

#ifdef __cplusplus
}
#endif

#endif /* TRAIL_CONFLICT_H */
