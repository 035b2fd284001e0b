/*
 * trail/sync.h - replication between two databases (SPEC §6,
 * docs/replication.md): pull what one node lacks from another, of any
 * engines, in batches each applied in one transaction.
 */
#ifndef TRAIL_SYNC_H
#define TRAIL_SYNC_H

#include "trail/api.h"
#include "trail/conn.h"

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** What a sync did, so far or in all. */
typedef struct trail_sync_stats {
    int64_t seen;    /**< events read from the source (and retried from quarantine) */
    int64_t applied; /**< events applied to the destination */
    int64_t skipped; /**< events the destination held already */
    int64_t held;    /**< events put (or kept) in quarantine: sound, but not applicable yet */
    int64_t refused; /**< events and lane rows that failed a check: never applied */
    int64_t left;    /**< events the source holds beyond the destination's heads, as last read */
    int64_t elapsed_ms;
    /** The last refusal, for messages: "lane L seq S event E: which check" ("" when none). */
    char last_refused[256];
} trail_sync_stats;

/** Called after each batch with the totals so far; returns 0 to go on, anything else to stop. */
typedef int (*trail_sync_progress)(void *userdata, const trail_sync_stats *stats);

/** Options of trail_sync(); zero (or NULL options) means the defaults. */
typedef struct trail_sync_opts {
    /** Events per batch (a transaction is never cut, so a batch may hold more); 0: 1000. */
    int batch_size;
    trail_sync_progress progress; /**< NULL: none */
    void *userdata;               /**< handed to progress */
} trail_sync_opts;

/** Default options: `trail_sync_opts o = TRAIL_SYNC_OPTS_INIT;`. */
#define TRAIL_SYNC_OPTS_INIT                                                                       \
    {                                                                                              \
        0, NULL, NULL                                                                              \
    }

/**
 * trail_sync - pull into @dst every lane row and event of @src that @dst
 * does not hold, checked (hashes, chains) and applied with their row
 * effects, batch by batch, each batch in one @dst transaction; first the
 * events @dst holds in quarantine are tried again.
 *
 * @src:   the source, only read.
 * @dst:   the destination; its errors carry the message (trail_errmsg(dst)),
 *         those of reading @src too.
 * @opts:  options, or NULL.
 * @stats: filled with what was done (may be NULL).
 *
 * Returns TRAIL_OK (refused and held events are no failure: @stats counts
 * them); TRAIL_EARG for two connections of one node (a copied database)
 * or NULL arguments; TRAIL_EDB and the others as the databases fail, when
 * the batch under way is rolled back and earlier ones stay. Stopped by the
 * progress callback: TRAIL_OK, with what was applied until then.
 */
TRAIL_API int trail_sync(trail_conn *src, trail_conn *dst, const trail_sync_opts *opts,
                         trail_sync_stats *stats);

#ifdef __cplusplus
}
#endif

#endif /* TRAIL_SYNC_H */
