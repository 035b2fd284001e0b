/*
 * sync/heads.c - a node's heads, read in one query (heads.h).
 */
#include "sync/heads.h"
#include "driver/sql.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int by_lane(const void *a, const void *b)
{
    return strcmp(((const trail__head *)a)->lane_id, ((const trail__head *)b)->lane_id);
}

/* @v's text into @buf of @size bytes; false when it is NULL or too long. */
static bool copy_text(char *buf, size_t size, const trail_value *v)
{
    if (v->type == TRAIL_V_NULL || v->n >= size)
        return false;
    memcpy(buf, v->s, v->n);
    buf[v->n] = '\0';
    return true;
}

static int head_row(trail_conn *db, void *row, void *userdata)
{
    static const trail_vtype types[7] = { TRAIL_V_TEXT, TRAIL_V_TEXT, TRAIL_V_INT, TRAIL_V_TEXT,
                                          TRAIL_V_INT,  TRAIL_V_INT,  TRAIL_V_TEXT };
    trail__heads *h = userdata;
    trail_value c[7];
    int rc = trail__row_read(db, row, types, c, 7);
    if (rc < 0)
        return rc;
    trail__head head = { .node_seq = c[2].i,
                         .sealed_seq = c[4].type == TRAIL_V_NULL ? -1 : c[4].i,
                         .seq = c[5].type == TRAIL_V_NULL ? 0 : c[5].i };
    if (!copy_text(head.lane_id, sizeof head.lane_id, &c[0]) ||
        !copy_text(head.node_id, sizeof head.node_id, &c[1]) ||
        !copy_text(head.lane_hash, sizeof head.lane_hash, &c[3]) ||
        !copy_text(head.hash, sizeof head.hash, head.seq ? &c[6] : &c[3]))
        return trail__err_set(&db->err, TRAIL_EDB,
                              "trail_lanes: a lane with a malformed id, node or hash");
    if (h->n == h->cap) {
        size_t cap = h->cap ? 2 * h->cap : 16;
        trail__head *more = realloc(h->v, cap * sizeof *more);
        if (!more)
            return trail__err_set(&db->err, TRAIL_ENOMEM, "out of memory");
        h->v = more;
        h->cap = cap;
    }
    h->v[h->n++] = head;
    return 0;
}

int trail__heads_read(trail_conn *db, trail__heads *out)
{
    *out = (trail__heads){ 0 };
    int rc = db->drv->query(db, db->drv->sql->sync_heads, NULL, 0, head_row, out, NULL);
    if (rc < 0)
        return rc;
    if (out->n)
        qsort(out->v, out->n, sizeof *out->v, by_lane);
    return TRAIL_OK;
}

trail__head *trail__heads_find(const trail__heads *h, const char *lane_id)
{
    trail__head key;
    snprintf(key.lane_id, sizeof key.lane_id, "%s", lane_id);
    return h->n ? bsearch(&key, h->v, h->n, sizeof *h->v, by_lane) : NULL;
}

void trail__heads_remove(trail__heads *h, const char *lane_id)
{
    trail__head *x = trail__heads_find(h, lane_id);
    if (!x)
        return;
    size_t i = (size_t)(x - h->v);
    memmove(x, x + 1, (h->n - i - 1) * sizeof *x);
    h->n--;
    h->by_node_stale = true;
}

int trail__heads_add(trail__heads *h, const trail__head *head)
{
    if (h->n == h->cap) {
        size_t cap = h->cap ? 2 * h->cap : 16;
        trail__head *more = realloc(h->v, cap * sizeof *more);
        if (!more)
            return TRAIL_ENOMEM;
        h->v = more;
        h->cap = cap;
    }
    size_t i = h->n;
    while (i > 0 && strcmp(h->v[i - 1].lane_id, head->lane_id) > 0)
        i--;
    memmove(&h->v[i + 1], &h->v[i], (h->n - i) * sizeof *h->v);
    h->v[i] = *head;
    h->n++;
    h->by_node_stale = true;
    return TRAIL_OK;
}

const trail__head *trail__heads_node_last(const trail__heads *h, const char *node_id)
{
    return trail__heads_node_at(h, node_id, -1);
}

/* Orders places in one trail__heads by node_id, node_seq, lane_id: qsort has no user data. */
static _Thread_local const trail__head *sorting;

static int cmp_node(const trail__head *x, const char *node_id, int64_t node_seq)
{
    int c = strcmp(x->node_id, node_id);
    return c ? c : (x->node_seq > node_seq) - (x->node_seq < node_seq);
}

static int by_node(const void *a, const void *b)
{
    const trail__head *x = &sorting[*(const size_t *)a], *y = &sorting[*(const size_t *)b];
    int c = cmp_node(x, y->node_id, y->node_seq);
    return c ? c : strcmp(x->lane_id, y->lane_id);
}

/* The index of @h by node, made afresh after a change; false when out of memory. */
static bool index_by_node(trail__heads *h)
{
    if (!h->by_node_stale && h->by_node_n == h->n && (h->by_node || !h->n))
        return true;
    size_t *places = realloc(h->by_node, (h->n ? h->n : 1) * sizeof *places);
    if (!places)
        return false;
    h->by_node = places;
    for (size_t i = 0; i < h->n; i++)
        places[i] = i;
    sorting = h->v;
    qsort(places, h->n, sizeof *places, by_node);
    sorting = NULL;
    h->by_node_n = h->n;
    h->by_node_stale = false;
    return true;
}

/* The first place in h->by_node whose lane comes after (@node_id, @node_seq). */
static size_t upper_bound(const trail__heads *h, const char *node_id, int64_t node_seq)
{
    size_t lo = 0, hi = h->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (cmp_node(&h->v[h->by_node[mid]], node_id, node_seq) <= 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* The same answer by a scan of every lane: when the index cannot be made. */
static const trail__head *node_at_scan(const trail__heads *h, const char *node_id, int64_t node_seq)
{
    const trail__head *last = NULL;
    for (size_t i = 0; i < h->n; i++) {
        const trail__head *x = &h->v[i];
        if (strcmp(x->node_id, node_id) != 0)
            continue;
        if (node_seq >= 0 ? x->node_seq == node_seq : !last || x->node_seq > last->node_seq)
            last = x;
    }
    return last;
}

const trail__head *trail__heads_node_at(const trail__heads *h, const char *node_id,
                                        int64_t node_seq)
{
    /* The index is a cache: made on a const reader's first call, as a lazily sorted view. */
    if (!index_by_node((trail__heads *)h))
        return node_at_scan(h, node_id, node_seq);
    if (node_seq >= 0) {
        size_t end = upper_bound(h, node_id, node_seq);
        const trail__head *x = end ? &h->v[h->by_node[end - 1]] : NULL;
        return x && cmp_node(x, node_id, node_seq) == 0 ? x : NULL;
    }
    size_t end = upper_bound(h, node_id, INT64_MAX);
    if (!end || strcmp(h->v[h->by_node[end - 1]].node_id, node_id) != 0)
        return NULL;
    /* The first, in lane_id order, of the lanes at the node's highest node_seq. */
    int64_t top = h->v[h->by_node[end - 1]].node_seq;
    while (end > 1 && cmp_node(&h->v[h->by_node[end - 2]], node_id, top) == 0)
        end--;
    return &h->v[h->by_node[end - 1]];
}

int64_t trail__heads_events(const trail__heads *h)
{
    int64_t n = 0;
    for (size_t i = 0; i < h->n; i++)
        n += h->v[i].seq;
    return n;
}

void trail__heads_free(trail__heads *h)
{
    free(h->v);
    free(h->by_node);
    *h = (trail__heads){ 0 };
}
