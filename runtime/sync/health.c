/*
 * sync/health.c - the syncs of each peer and the suspicion that it fell
 * silent (health.h).
 *
 * The phi-accrual failure detector (Hayashibara et al., 2004) turns "how
 * late is the next sync" into a level that means the same whatever the
 * peer's rhythm: phi = -log10 P(an interval longer than the time since the
 * last sync), the intervals taken as normal with the mean and deviation of
 * the last ones. phi 1 is a 10% chance that all is well, phi 3 a 0.1%
 * chance. A peer synced by hand, irregularly, has a wide deviation and
 * rises slowly; one synced every minute by a timer rises fast once late.
 */
#include "sync/health.h"
#include "driver/sql.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int pull_row(trail_conn *db, void *row, void *userdata)
{
    static const trail_vtype types[2] = { TRAIL_V_TEXT, TRAIL_V_INT };
    trail__pulls *p = userdata;
    trail_value c[2];
    int rc = trail__row_read(db, row, types, c, 2);
    if (rc < 0 || c[0].type == TRAIL_V_NULL)
        return rc;
    if (p->n == p->cap) {
        size_t cap = p->cap ? 2 * p->cap : 64;
        struct trail__pull *more = realloc(p->v, cap * sizeof *more);
        if (!more)
            return trail__err_set(&db->err, TRAIL_ENOMEM, "out of memory");
        p->v = more;
        p->cap = cap;
    }
    struct trail__pull *x = &p->v[p->n++];
    snprintf(x->peer, sizeof x->peer, "%.*s", (int)c[0].n, c[0].s);
    x->at = c[1].i;
    return 0;
}

int trail__pulls_read(trail_conn *db, trail__pulls *out)
{
    return db->drv->query(db, db->drv->sql->pulls, NULL, 0, pull_row, out, NULL);
}

void trail__pulls_free(trail__pulls *p)
{
    free(p->v);
    *p = (trail__pulls){ 0 };
}

/* The syncs of @peer in @p: where they begin, how many. */
static size_t of_peer(const trail__pulls *p, const char *peer, size_t *first)
{
    size_t n = 0;
    *first = 0;
    for (size_t i = 0; i < p->n; i++)
        if (strcmp(p->v[i].peer, peer) == 0 && n++ == 0)
            *first = i;
    return n;
}

static int record(trail_conn *db, const char *peer, int64_t at)
{
    const trail_runtime_sql *sql = db->drv->sql;
    trail__pulls p = { 0 };
    int rc = trail__pulls_read(db, &p);
    size_t first, n = of_peer(&p, peer, &first);
    /* Two syncs within one millisecond are two: the key is (peer, time). */
    if (rc == TRAIL_OK && n && at <= p.v[first + n - 1].at)
        at = p.v[first + n - 1].at + 1;
    trail_value add[2] = { trail_v_text(peer), trail_v_int(at) };
    if (rc == TRAIL_OK)
        rc = db->drv->query(db, sql->pull_insert, add, 2, NULL, NULL, NULL);
    if (rc == TRAIL_OK && n + 1 > TRAIL_PULLS_KEPT) {
        trail_value keep[2] = { trail_v_text(peer),
                                trail_v_int(p.v[first + n + 1 - TRAIL_PULLS_KEPT].at) };
        rc = db->drv->query(db, sql->pulls_trim, keep, 2, NULL, NULL, NULL);
    }
    trail__pulls_free(&p);
    return rc;
}

int trail__sync_pulled(trail_conn *db, const char *peer, int64_t at)
{
    int rc = db->drv->begin(db);
    if (rc < 0)
        return rc;
    if ((rc = record(db, peer, at)) == TRAIL_OK)
        return db->drv->commit(db);
    char why[300];
    snprintf(why, sizeof why, "%s", trail__err_message(&db->err));
    db->drv->rollback(db);
    /* Everything pulled is applied by now; only the record of the sync is missing. */
    return trail__err_set(&db->err, rc,
                          "the events were applied, but the sync could not be recorded in "
                          "trail_pulls (%s); if that table is missing, a trail from before it "
                          "migrated the database: migrate it again with this version",
                          why);
}

void trail__peer_health(const trail__pulls *p, const char *peer, int64_t now, int64_t *syncs,
                        int64_t *interval_ms, double *phi)
{
    size_t first, n = of_peer(p, peer, &first);
    const struct trail__pull *v = p->v + first;
    *syncs = (int64_t)n;
    *interval_ms = n >= 2 ? (v[n - 1].at - v[0].at) / (int64_t)(n - 1) : 0;
    *phi = -1;
    if (n < 3)
        return;
    double mean = (double)(v[n - 1].at - v[0].at) / (double)(n - 1), var = 0;
    for (size_t i = 1; i < n; i++) {
        double d = (double)(v[i].at - v[i - 1].at) - mean;
        var += d * d;
    }
    /*
     * A timer's syncs are nearly equal apart: a deviation of a tenth of the
     * mean (and at least a second) keeps a few milliseconds of jitter from
     * reading as certain failure.
     */
    double sd = sqrt(var / (double)(n - 1));
    if (sd < mean / 10)
        sd = mean / 10;
    if (sd < 1000)
        sd = 1000;
    double later = 0.5 * erfc(((double)(now - v[n - 1].at) - mean) / (sd * sqrt(2.0)));
    /* Past what a double holds the peer is as silent as can be said: phi is capped there. */
    *phi = later > 0 ? -log10(later) : 300;
    if (*phi < 0)
        *phi = 0;
}
