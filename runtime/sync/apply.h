/*
 * sync/apply.h - checking and applying a batch on a destination
 * (docs/replication.md, "A sync, step by step", 5): internal to libtrail,
 * shared by trail_sync() and a file's import.
 */
#ifndef TRAIL_SYNC_APPLY_H
#define TRAIL_SYNC_APPLY_H

#include "driver/driver.h"
#include "sync/heads.h"
#include "sync/wire.h"
#include "trail/sync.h"

#include <stdbool.h>

typedef struct trail__apply_opts {
    /* The batch's events came from trail_quarantine: each leaves it once applied or skipped. */
    bool retry;
    /* The peer the batch came from, for its row of trail_cursors; NULL: none (a file). */
    const char *peer;
    const trail__heads *peer_heads; /* its heads as read for this batch (may be NULL) */
    /*
     * Out: lanes in which an event was held or refused (seq INT64_MAX): the
     * reader leaves them alone for the rest of the sync. May be NULL.
     */
    trail__heads *stopped;
} trail__apply_opts;

/*
 * trail__sync_apply - check and apply @b on @dst in one transaction: its
 * lane rows (hash, place in their node's chain), then its events in order
 * (seq after the head of their lane, prev_hash the head's hash, hash of
 * their columns); each event that passes is applied (row effect, event row
 * verbatim, @dst's clock moved past its HLC) or held (quarantine) when it
 * cannot be yet, each that fails is refused and kept as such; after a held
 * or refused event, its lane's later events are held behind it. Then the
 * seals that the lanes' heads reach, the peer's row of trail_cursors, and
 * commit. @st is added to (seen, applied, skipped, held, refused,
 * last_refused). TRAIL_OK; otherwise a failure with dst's error set, and
 * nothing of the batch stays.
 */
int trail__sync_apply(trail_conn *dst, const trail__wire_batch *b, const trail__apply_opts *opts,
                      trail_sync_stats *st);

/*
 * trail__sync_retry_held - the events @dst holds in quarantine, tried again
 * before anything new (step 3 of a sync, and of an import). TRAIL_OK or a
 * failure, dst's error set.
 */
int trail__sync_retry_held(trail_conn *dst, trail_sync_stats *st);

/*
 * trail__sync_bulk_on - tell @dst's driver that batches are about to be
 * applied (driver.h: bulk). TRAIL_OK, or a failure with dst's error set.
 */
int trail__sync_bulk_on(trail_conn *dst);

/*
 * trail__sync_bulk_off - after trail__sync_bulk_on(), whose work ended
 * with @rc: puts @dst's settings back. Returns @rc when it is a failure
 * (dst's error still its own), else how putting back went.
 */
int trail__sync_bulk_off(trail_conn *dst, int rc);

#endif
