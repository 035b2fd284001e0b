/*
 * trail/diff.h - the records on which two nodes differ (SPEC §6,
 * docs/replication.md "Diff"): hashes of key ranges compared, and only the
 * ranges that differ looked into, so that what the two sides exchange
 * grows with the differences times log(rows), not with the rows.
 */
#ifndef TRAIL_DIFF_H
#define TRAIL_DIFF_H

#include "trail/api.h"
#include "trail/conn.h"

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** How a record differs. */
typedef enum trail_diff_kind {
    TRAIL_DIFF_ONLY_A = 1, /**< a row on A, none on B */
    TRAIL_DIFF_ONLY_B,     /**< a row on B, none on A */
    TRAIL_DIFF_CHANGED     /**< a row on both, another version or other values */
} trail_diff_kind;

/** One record on which the nodes differ; every pointer is valid during the callback only. */
typedef struct trail_diff_record {
    const char *table;     /**< its entity's table */
    const char *record_id; /**< its key */
    trail_diff_kind kind;
    int64_t version_a, version_b; /**< the row's version on each side; 0 where there is no row */
    /** The side has no row and a tombstone of it: the record was deleted there. */
    bool deleted_a, deleted_b;
    /** The row as its event JSON spells it (new_values' form); NULL where there is no row. */
    const char *values_a, *values_b;
    /**
     * TRAIL_DIFF_CHANGED: a JSON array of the names of the fields whose
     * values differ, as an event's `changed` ("[]" when only the version
     * does); NULL otherwise.
     */
    const char *fields;
} trail_diff_record;

/** What a diff did, counted as if the two sides were on two machines. */
typedef struct trail_diff_stats {
    int64_t hashes; /**< hashes the sides sent each other: of ranges, and of records at leaves */
    int64_t keys;   /**< keys sent to cut a range into parts */
    int64_t ranges; /**< ranges whose hashes were compared (leaves included) */
    int64_t rows_a, rows_b;          /**< rows each side read and hashed to answer (local work) */
    int64_t count_a, count_b;        /**< rows of the compared tables on each side */
    int64_t tables;                  /**< tables compared */
    int64_t only_a, only_b, changed; /**< the differences, by kind */
    int64_t elapsed_ms;
} trail_diff_stats;

/** Called for each record that differs, in key order per table; 0 to go on, else to stop. */
typedef int (*trail_diff_cb)(void *userdata, const trail_diff_record *rec);

/** Called after each range with the totals so far; 0 to go on, else to stop. */
typedef int (*trail_diff_progress)(void *userdata, const trail_diff_stats *stats);

/** Options of trail_diff(); zero (or NULL options) means the defaults. */
typedef struct trail_diff_opts {
    /** Parts a range that differs is cut into, 2 to 64; 0: 4. */
    int fan_out;
    /**
     * A range that holds at most this many rows on both sides is compared
     * record by record (its records' hashes exchanged), 1 to 1024; 0: 8.
     */
    int leaf_size;
    trail_diff_cb record;         /**< NULL: only counted */
    trail_diff_progress progress; /**< NULL: none */
    void *userdata;               /**< handed to both */
} trail_diff_opts;

/** Default options: `trail_diff_opts o = TRAIL_DIFF_OPTS_INIT;`. */
#define TRAIL_DIFF_OPTS_INIT                                                                       \
    {                                                                                              \
        0, 0, NULL, NULL, NULL                                                                     \
    }

/**
 * trail_diff - find the records of replicated entities whose rows differ
 * between @a and @b (of any engines): a row on one side only, or another
 * version or other values (as their change events spell them: a field kept
 * out of events is not compared), and hand each to opts->record. Each side
 * is read in one read-only snapshot; neither is written.
 *
 * @a, @b:  the two nodes; both must describe the same schemas at the same
 *          versions (trail_meta). @a's error carries every message
 *          (trail_errmsg(a)), those of reading @b too.
 * @opts:   options, or NULL.
 * @stats:  filled with what was done (may be NULL).
 *
 * Returns TRAIL_OK when the diff ran to its end or a callback stopped it
 * (@stats then says how many records differ: none means the nodes hold the
 * same rows); TRAIL_EARG for NULL connections, a connection inside
 * trail_begin() or options out of range; TRAIL_EINVALID when the nodes
 * describe different schemas or versions of one (nothing is compared);
 * TRAIL_EDB and the others as a database fails.
 */
TRAIL_API int trail_diff(trail_conn *a, trail_conn *b, const trail_diff_opts *opts,
                         trail_diff_stats *stats);

#ifdef __cplusplus
}
#endif

#endif /* TRAIL_DIFF_H */
