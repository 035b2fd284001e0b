/*
 * sync/health.h - how overdue a peer's next sync is (docs/replication.md,
 * "Peer health"): the times of the last syncs from each peer
 * (trail_pulls), and a phi-accrual suspicion level over their intervals.
 * Internal to libtrail.
 */
#ifndef TRAIL_SYNC_HEALTH_H
#define TRAIL_SYNC_HEALTH_H

#include "driver/driver.h"

#include <stddef.h>
#include <stdint.h>

/* How many syncs of a peer are kept: enough for a steady mean, few enough to follow a change. */
#define TRAIL_PULLS_KEPT 100

/*
 * trail__sync_pulled - record in @db, in a transaction of its own, that a
 * sync from @peer began at @at (wall ms), keeping its last
 * TRAIL_PULLS_KEPT. TRAIL_OK or a failure with db's error set.
 */
int trail__sync_pulled(trail_conn *db, const char *peer, int64_t at);

/* Every sync time of trail_pulls, by peer, then in time. */
typedef struct trail__pulls {
    struct trail__pull {
        char peer[TRAIL_NODE_ID_MAX + 1];
        int64_t at;
    } * v;
    size_t n, cap;
} trail__pulls;

/* trail__pulls_read - @db's trail_pulls into the empty @out. TRAIL_OK or a failure. */
int trail__pulls_read(trail_conn *db, trail__pulls *out);

void trail__pulls_free(trail__pulls *p);

/*
 * trail__peer_health - from @p's syncs of @peer: how many (*@syncs), the
 * mean interval between them (*@interval_ms, 0 with fewer than 2), and the
 * phi-accrual suspicion that the peer is silent at @now (*@phi: -log10 of
 * the probability that the next sync comes even later than now, with
 * intervals taken as normal; -1 with fewer than 3 syncs, too few to say).
 */
void trail__peer_health(const trail__pulls *p, const char *peer, int64_t now, int64_t *syncs,
                        int64_t *interval_ms, double *phi);

#endif
