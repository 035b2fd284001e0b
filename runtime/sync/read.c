/*
 * sync/read.c - reading a batch from a source database (read.h).
 *
 * Each lane the destination lacks events of is read in seq order, a chunk
 * at a time, and the lanes are merged by HLC. Within a lane the HLC grows
 * with seq (a lane is one connection, stamped by its node's clock), so the
 * merge is the apply order of docs/replication.md. Memory is a chunk per
 * lane behind, not the events behind.
 */
#define _POSIX_C_SOURCE 200809L /* strndup */
#include "sync/read.h"
#include "driver/sql.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EV_TYPE(n, name, value, ...) TRAIL_V_##value,
static const trail_vtype event_types[] = { TRAIL_EVENT_COLUMN_TABLE(EV_TYPE, ) };
static const trail_vtype lane_types[] = { TRAIL_LANE_COLUMN_TABLE(EV_TYPE, ) };
#undef EV_TYPE

int trail__sync_column_text(trail_conn *db, void *row, size_t i, trail_vtype type, char **out,
                            int64_t *as_int)
{
    trail_value v;
    int rc = db->drv->column(db, row, i, type == TRAIL_V_INT ? TRAIL_V_INT : TRAIL_V_TEXT, &v);
    *out = NULL;
    if (rc < 0)
        return rc;
    if (v.type == TRAIL_V_NULL)
        return TRAIL_OK;
    if (type == TRAIL_V_INT) {
        char num[24];
        snprintf(num, sizeof num, "%" PRId64, v.i);
        *out = strdup(num);
        if (as_int)
            *as_int = v.i;
    } else {
        *out = strndup(v.s ? v.s : "", v.n);
    }
    return *out ? TRAIL_OK : trail__err_set(&db->err, TRAIL_ENOMEM, "out of memory");
}

/* Events of one lane read ahead, and where the merge is in them. */
typedef struct lane_cursor {
    char lane_id[TRAIL_ULID_LEN + 1];
    int64_t after; /* the seq of the last event read */
    trail__wire_event *ev;
    size_t n, pos, cap;
    bool done;           /* the lane has no more after @after */
    const char *last_tx; /* the tx of the last event taken (in the batch), NULL before one */
} lane_cursor;

int trail__sync_event_of_row(trail_conn *db, void *row, trail__wire_event *e)
{
    for (size_t i = 0; i < TRAIL_EVENT_COLUMNS; i++) {
        int64_t *num = i == TRAIL_EV_hlc ? &e->hlc : i == TRAIL_EV_seq ? &e->seq : NULL;
        int rc = trail__sync_column_text(db, row, i, event_types[i], &e->col[i], num);
        if (rc < 0)
            return rc;
    }
    return TRAIL_OK;
}

static int event_row(trail_conn *db, void *row, void *userdata)
{
    lane_cursor *c = userdata;
    if (c->n == c->cap) {
        size_t cap = c->cap ? 2 * c->cap : 64;
        trail__wire_event *more = realloc(c->ev, cap * sizeof *more);
        if (!more)
            return trail__err_set(&db->err, TRAIL_ENOMEM, "out of memory");
        c->ev = more;
        c->cap = cap;
    }
    trail__wire_event *e = &c->ev[c->n];
    *e = (trail__wire_event){ .line = 0 };
    c->n++; /* counted now, so that a failure below frees what was read */
    int rc = trail__sync_event_of_row(db, row, e);
    c->after = e->seq;
    return rc;
}

static void cursor_free_rest(lane_cursor *c)
{
    for (size_t i = c->pos; i < c->n; i++)
        for (size_t k = 0; k < TRAIL_EVENT_COLUMNS; k++)
            free(c->ev[i].col[k]);
    free(c->ev);
    c->ev = NULL;
    c->n = c->pos = c->cap = 0;
}

/* The cursor's next event, reading another chunk when it ran out; NULL at the lane's end. */
static int cursor_peek(trail_conn *src, lane_cursor *c, size_t chunk, trail__wire_event **out)
{
    *out = NULL;
    if (c->pos == c->n && !c->done) {
        cursor_free_rest(c);
        trail_value p[3] = { trail_v_text(c->lane_id), trail_v_int(c->after),
                             trail_v_int((int64_t)chunk) };
        int rc = src->drv->query(src, src->drv->sql->sync_lane_events, p, 3, event_row, c, NULL);
        if (rc < 0)
            return rc;
        c->done = c->n < chunk;
    }
    if (c->pos < c->n)
        *out = &c->ev[c->pos];
    return TRAIL_OK;
}

/* Whether @a goes before @b: (hlc, node_id, lane_id, seq). */
static bool before(const trail__wire_event *a, const trail__wire_event *b)
{
    if (a->hlc != b->hlc)
        return a->hlc < b->hlc;
    int c = strcmp(a->col[TRAIL_EV_node_id], b->col[TRAIL_EV_node_id]);
    if (c)
        return c < 0;
    c = strcmp(a->col[TRAIL_EV_lane_id], b->col[TRAIL_EV_lane_id]);
    if (c)
        return c < 0;
    return a->seq < b->seq;
}

static int take(trail__wire_batch *b, lane_cursor *c)
{
    int rc = trail__wire_grow((void **)&b->events, &b->events_cap, b->nevents, sizeof *b->events);
    if (rc < 0)
        return rc;
    b->events[b->nevents] = c->ev[c->pos++];
    c->last_tx = b->events[b->nevents].col[TRAIL_EV_tx_id];
    b->nevents++;
    return TRAIL_OK;
}

/* Whether @next continues the transaction the cursor's last taken event belongs to. */
static bool same_tx(const lane_cursor *c, const trail__wire_event *next)
{
    return c->last_tx && next && strcmp(c->last_tx, next->col[TRAIL_EV_tx_id]) == 0;
}

/* Merges the cursors into @b: @want events, then the rest of any transaction left open. */
static int merge(trail_conn *src, lane_cursor *cur, size_t n, size_t want, trail__wire_batch *b)
{
    size_t chunk = want < 16 ? 16 : want;
    for (;;) {
        lane_cursor *best = NULL;
        trail__wire_event *best_ev = NULL;
        bool full = b->nevents >= want;
        for (size_t i = 0; i < n; i++) {
            trail__wire_event *ev;
            int rc = cursor_peek(src, &cur[i], chunk, &ev);
            if (rc < 0)
                return rc;
            if (!ev || (full && !same_tx(&cur[i], ev)))
                continue;
            if (!best_ev || before(ev, best_ev)) {
                best = &cur[i];
                best_ev = ev;
            }
        }
        if (!best)
            return TRAIL_OK;
        if (take(b, best) < 0)
            return trail__err_set(&src->err, TRAIL_ENOMEM, "out of memory");
    }
}

/* The lane rows of @src that @dst lacks, or holds unsealed where @src sealed them. */
typedef struct lane_reader {
    const trail__heads *dst;
    trail__wire_batch *b;
} lane_reader;

static int lane_row(trail_conn *db, void *row, void *userdata)
{
    lane_reader *r = userdata;
    trail_value id, sealed;
    int rc = db->drv->column(db, row, TRAIL_LANE_lane_id, TRAIL_V_TEXT, &id);
    if (rc < 0 || (rc = db->drv->column(db, row, TRAIL_LANE_sealed_seq, TRAIL_V_INT, &sealed)) < 0)
        return rc;
    char lane_id[TRAIL_ULID_LEN + 1];
    snprintf(lane_id, sizeof lane_id, "%.*s", (int)id.n, id.s ? id.s : "");
    const trail__head *have = trail__heads_find(r->dst, lane_id);
    if (have && (have->sealed_seq >= 0 || sealed.type == TRAIL_V_NULL))
        return 0;
    trail__wire_batch *b = r->b;
    if (trail__wire_grow((void **)&b->lanes, &b->lanes_cap, b->nlanes, sizeof *b->lanes) < 0)
        return trail__err_set(&db->err, TRAIL_ENOMEM, "out of memory");
    trail__wire_lane *l = &b->lanes[b->nlanes++];
    *l = (trail__wire_lane){ .node_seq = 0 };
    for (size_t i = 0; i < TRAIL_LANE_COLUMNS; i++) {
        int64_t *num = i == TRAIL_LANE_node_seq ? &l->node_seq : NULL;
        if ((rc = trail__sync_column_text(db, row, i, lane_types[i], &l->col[i], num)) < 0)
            return rc;
    }
    return 0;
}

int trail__sync_read(trail_conn *src, const trail__heads *dst, const trail__heads *skip,
                     size_t batch_size, trail__wire_batch *b, int64_t *left, trail__heads *have_out)
{
    trail__heads have = { 0 };
    lane_cursor *cur = NULL;
    size_t n = 0;
    *left = 0;
    int rc = trail__heads_read(src, &have);
    if (rc < 0)
        goto done;
    lane_reader lr = { dst, b };
    if ((rc = src->drv->query(src, src->drv->sql->lanes, NULL, 0, lane_row, &lr, NULL)) < 0)
        goto done;
    if (have.n && !(cur = calloc(have.n, sizeof *cur))) {
        rc = trail__err_set(&src->err, TRAIL_ENOMEM, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < have.n; i++) {
        const trail__head *d = trail__heads_find(dst, have.v[i].lane_id);
        int64_t from = d ? d->seq : 0;
        if (have.v[i].seq <= from || (skip && trail__heads_find(skip, have.v[i].lane_id)))
            continue;
        *left += have.v[i].seq - from;
        memcpy(cur[n].lane_id, have.v[i].lane_id, sizeof cur[n].lane_id);
        cur[n].after = from;
        n++;
    }
    rc = merge(src, cur, n, batch_size ? batch_size : 1, b);
done:
    for (size_t i = 0; i < n; i++)
        cursor_free_rest(&cur[i]);
    free(cur);
    *have_out = have;
    return rc;
}
