/*
 * sync/sync.c - trail_sync(): pull from one node into another, batch by
 * batch (trail/sync.h, docs/replication.md "A sync, step by step").
 */
#define _POSIX_C_SOURCE 200809L /* clock_gettime */
#include "trail/sync.h"
#include "driver/driver.h"
#include "sync/apply.h"
#include "sync/health.h"
#include "sync/quarantine.h"
#include "sync/read.h"

#include <inttypes.h>
#include <string.h>
#include <time.h>

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * The first node_seq at which @a's and @b's lanes of @node differ (one
 * lacks it, or they hold two lanes there), in *@k; 0 when neither has one
 * the other lacks.
 */
static int first_difference(trail_conn *a, trail_conn *b, const char *node, int64_t *k)
{
    trail__heads ha = { 0 }, hb = { 0 };
    int rc = trail__heads_read(a, &ha);
    if (rc < 0)
        rc = trail__err_set(&b->err, rc, "the source: %s", trail_errmsg(a));
    else
        rc = trail__heads_read(b, &hb);
    *k = 0;
    for (int64_t seq = 1; rc == TRAIL_OK && *k == 0; seq++) {
        const trail__head *x = trail__heads_node_at(&ha, node, seq);
        const trail__head *y = trail__heads_node_at(&hb, node, seq);
        if (!x && !y)
            break;
        if (!x || !y || strcmp(x->lane_id, y->lane_id) != 0)
            *k = seq;
    }
    trail__heads_free(&ha);
    trail__heads_free(&hb);
    return rc;
}

/* Both nodes known, and two of them: a copied database syncing with itself is refused. */
static int identities(trail_conn *src, trail_conn *dst)
{
    int rc = trail__conn_need_tables(src);
    if (rc < 0)
        return trail__err_set(&dst->err, rc, "the source: %s", trail_errmsg(src));
    if ((rc = trail__conn_need_tables(dst)) < 0)
        return rc;
    if (strcmp(src->node_id, dst->node_id) != 0)
        return TRAIL_OK;
    int64_t k;
    if ((rc = first_difference(src, dst, dst->node_id, &k)) < 0)
        return rc;
    if (k == 0)
        return trail__err_set(&dst->err, TRAIL_ETWIN,
                              "the source and the destination are one node (%s), with the same "
                              "lanes: one database twice, or a copy of it that keeps its node "
                              "id; nothing was read. Give a copy a node of its own with `trail "
                              "node reset DB` before it writes",
                              dst->node_id);
    return trail__err_set(&dst->err, TRAIL_ETWIN,
                          "the source and the destination are one node (%s), and their lanes "
                          "differ from node_seq %" PRId64 " on: one is a copy of the other, and "
                          "both wrote; nothing was read. Give the copy a node of its own with "
                          "`trail node reset DB --from %" PRId64 "`",
                          dst->node_id, k, k);
}

int trail__sync_retry_held(trail_conn *dst, trail_sync_stats *st)
{
    trail__wire_batch b = { 0 };
    int rc = trail__quarantine_held(dst, &b);
    if (rc == TRAIL_OK && b.nevents) {
        /*
         * What is held again stops no lane for the reader: an event that
         * waits for an earlier one of its lane waits for what this sync is
         * about to bring.
         */
        trail__apply_opts o = { .retry = true };
        rc = trail__sync_apply(dst, &b, &o, st);
    }
    trail__wire_batch_clear(&b);
    return rc;
}

/* One batch read from @src and applied to @dst; *@more says whether to go on. */
static int one_batch(trail_conn *src, trail_conn *dst, size_t size, trail__heads *stopped,
                     trail_sync_stats *st, bool *more)
{
    trail__heads dst_heads = { 0 }, src_heads = { 0 };
    trail__wire_batch b = { 0 };
    int64_t left = 0;
    *more = false;
    int rc = trail__heads_read(dst, &dst_heads);
    if (rc < 0)
        goto done;
    if ((rc = trail__sync_read(src, &dst_heads, stopped, size, &b, &left, &src_heads)) < 0) {
        rc = trail__err_set(&dst->err, rc, "reading the source: %s", trail_errmsg(src));
        goto done;
    }
    if (b.nevents == 0 && b.nlanes == 0)
        goto done;
    trail__apply_opts o = { .peer = src->node_id, .peer_heads = &src_heads, .stopped = stopped };
    if ((rc = trail__sync_apply(dst, &b, &o, st)) < 0)
        goto done;
    st->left = left - (int64_t)b.nevents;
    if (st->left < 0)
        st->left = 0;
    *more = b.nevents > 0;
done:
    trail__wire_batch_clear(&b);
    trail__heads_free(&dst_heads);
    trail__heads_free(&src_heads);
    return rc;
}

int trail_sync(trail_conn *src, trail_conn *dst, const trail_sync_opts *opts,
               trail_sync_stats *stats)
{
    trail_sync_stats local;
    trail_sync_stats *st = stats ? stats : &local;
    static const trail_sync_opts defaults = TRAIL_SYNC_OPTS_INIT;
    if (!opts)
        opts = &defaults;
    memset(st, 0, sizeof *st);
    if (!src || !dst)
        return dst ? trail__err_set(&dst->err, TRAIL_EARG, "trail_sync: no source") : TRAIL_EARG;
    if (dst->in_tx || src->in_tx)
        return trail__err_set(&dst->err, TRAIL_EARG,
                              "trail_sync: a connection is inside trail_begin(); a sync makes "
                              "transactions of its own");
    if (opts->batch_size < 0)
        return trail__err_set(&dst->err, TRAIL_EARG, "trail_sync: batch_size %d is negative",
                              opts->batch_size);
    size_t size = opts->batch_size ? (size_t)opts->batch_size : 1000;
    int64_t start = mono_ms(), began = trail__conn_wall_ms(dst);
    trail__heads stopped = { 0 };
    int rc = identities(src, dst);
    bool bulk = rc == TRAIL_OK && (rc = trail__sync_bulk_on(dst)) == TRAIL_OK;
    if (rc == TRAIL_OK)
        rc = trail__sync_retry_held(dst, st);
    for (bool more = rc == TRAIL_OK; more;) {
        if ((rc = one_batch(src, dst, size, &stopped, st, &more)) < 0)
            break;
        st->elapsed_ms = mono_ms() - start;
        if (more && opts->progress && opts->progress(opts->userdata, st) != 0)
            break;
    }
    if (bulk)
        rc = trail__sync_bulk_off(dst, rc);
    /* A sync that reached the peer is what its health is measured by (health.c). */
    if (rc == TRAIL_OK)
        rc = trail__sync_pulled(dst, src->node_id, began);
    st->elapsed_ms = mono_ms() - start;
    trail__heads_free(&stopped);
    return rc;
}
