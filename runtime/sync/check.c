/*
 * sync/check.c - checking arriving lane rows and events (check.h).
 */
#include "sync/check.h"
#include "audit/event.h"
#include "audit/lane.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define COL_TYPE(n, name, value, ...) TRAIL_V_##value,
static const trail_vtype event_types[] = { TRAIL_EVENT_COLUMN_TABLE(COL_TYPE, ) };
static const trail_vtype lane_types[] = { TRAIL_LANE_COLUMN_TABLE(COL_TYPE, ) };
#undef COL_TYPE

static void values_of(char *const *col, const trail_vtype *types, size_t n, trail_value *out)
{
    for (size_t i = 0; i < n; i++) {
        if (!col[i])
            out[i] = (trail_value){ .type = TRAIL_V_NULL };
        else if (types[i] == TRAIL_V_INT)
            out[i] = trail_v_int(strtoll(col[i], NULL, 10));
        else
            out[i] = (trail_value){ .type = types[i], .s = col[i], .n = strlen(col[i]) };
    }
}

void trail__wire_event_values(const trail__wire_event *ev, trail_value cols[TRAIL_EVENT_COLUMNS])
{
    values_of(ev->col, event_types, TRAIL_EVENT_COLUMNS, cols);
}

void trail__wire_lane_values(const trail__wire_lane *l, trail_value cols[TRAIL_LANE_COLUMNS])
{
    values_of(l->col, lane_types, TRAIL_LANE_COLUMNS, cols);
}

static bool same(const char *a, const char *b)
{
    return a && b ? strcmp(a, b) == 0 : a == b;
}

/* @why says that node @node's chain forks at @k between the lane @held here and @arriving. */
static const char *fork(char *why, size_t size, const char *node, int64_t k, const char *held,
                        const char *arriving, bool *twin)
{
    *twin = true;
    snprintf(why, size,
             "node %s's chain of lanes forks at node_seq %" PRId64 ": lane %s is held here and "
             "lane %s arrives, so two databases write as node %s (a copied database, or a backup "
             "restored). The one that wrote lane %s must take a node id of its own: run `trail "
             "node reset DB --from %" PRId64 "` on it. Until then its lanes are refused",
             node, k, held, arriving, node, arriving, k);
    return why;
}

const char *trail__check_lane(const trail__wire_lane *l, const trail__heads *have, const char *self,
                              char *why, size_t size, int *rc, bool *twin)
{
    trail_value cols[TRAIL_LANE_COLUMNS];
    char hash[TRAIL_SHA256_HEX_LEN + 1];
    trail__wire_lane_values(l, cols);
    *rc = TRAIL_OK;
    *twin = false;
    const char *id = l->col[TRAIL_LANE_lane_id], *node = l->col[TRAIL_LANE_node_id];
    if (!id || !node || strlen(id) != TRAIL_ULID_LEN || strlen(node) > TRAIL_NODE_ID_MAX) {
        snprintf(why, size, "its id or node is malformed");
        return why;
    }
    if ((*rc = trail__lane_hash(hash, cols)) < 0)
        return NULL;
    if (!same(hash, l->col[TRAIL_LANE_hash])) {
        snprintf(why, size, "its hash is not that of its columns: the lane row was edited");
        return why;
    }
    const trail__head *last = trail__heads_node_last(have, node);
    int64_t k = l->node_seq;
    const trail__head *at = trail__heads_node_at(have, node, k);
    if (at)
        return fork(why, size, node, k, at->lane_id, id, twin);
    /* A node is never sent its own lanes (no echo): one that arrives was written by another. */
    if (self && strcmp(node, self) == 0)
        return fork(why, size, node, k, last ? last->lane_id : "(none)", id, twin);
    /*
     * A lane whose predecessor is not here yet fills a gap: a file or a
     * peer carried the node's later lanes first. Its link is checked when
     * the predecessor comes, and the successor's link to it by the caller
     * (apply.c); until then verify reports the gap.
     */
    const trail__head *before = k > 1 ? trail__heads_node_at(have, node, k - 1) : NULL;
    if (k > 1 && !before)
        return NULL;
    last = before;
    /* The first lane of a node made by `trail node reset` names the lane it fences (node.c). */
    bool fence = k == 1 && l->col[TRAIL_LANE_prev_lane] && l->col[TRAIL_LANE_prev_hash];
    bool first = k == 1;
    if (first ? !fence && (l->col[TRAIL_LANE_prev_lane] || l->col[TRAIL_LANE_prev_hash])
              : !last || last->node_seq != k - 1 ||
                    !same(last->lane_id, l->col[TRAIL_LANE_prev_lane]) ||
                    !same(last->lane_hash, l->col[TRAIL_LANE_prev_hash])) {
        if (last && last->node_seq == k - 1 && !same(last->lane_id, l->col[TRAIL_LANE_prev_lane]))
            return fork(why, size, node, k - 1, last->lane_id,
                        l->col[TRAIL_LANE_prev_lane] ? l->col[TRAIL_LANE_prev_lane] : "(none)",
                        twin);
        snprintf(why, size,
                 "its place in node %s's chain of lanes (node_seq %" PRId64
                 ") does not follow the lane held before it",
                 node, k);
        return why;
    }
    return NULL;
}

const char *trail__check_event(const trail__wire_event *ev, const trail__head *head, char *why,
                               size_t size, int *rc)
{
    trail_value cols[TRAIL_EVENT_COLUMNS];
    char hash[TRAIL_SHA256_HEX_LEN + 1];
    *rc = TRAIL_OK;
    if (!same(ev->col[TRAIL_EV_node_id], head->node_id)) {
        snprintf(why, size, "its node is not its lane's (%s)", head->node_id);
        return why;
    }
    if (!same(ev->col[TRAIL_EV_prev_hash], head->hash)) {
        snprintf(why, size, "its prev_hash is not the hash of seq %" PRId64 " of its lane",
                 head->seq);
        return why;
    }
    int ok = ev->hash_ok;
    if (!ok) {
        trail__wire_event_values(ev, cols);
        if ((*rc = trail__event_hash(hash, cols)) < 0)
            return NULL;
        ok = same(hash, ev->col[TRAIL_EV_hash]) ? 1 : -1;
    }
    if (ok < 0) {
        snprintf(why, size, "its hash is not that of its columns: the event was edited");
        return why;
    }
    return NULL;
}

int trail__check_hashes(trail__wire_batch *b)
{
    trail_value cols[TRAIL_EVENT_COLUMNS];
    char hash[TRAIL_SHA256_HEX_LEN + 1];
    for (size_t i = 0; i < b->nevents; i++) {
        trail__wire_event *ev = &b->events[i];
        trail__wire_event_values(ev, cols);
        int rc = trail__event_hash(hash, cols);
        if (rc < 0)
            return rc;
        ev->hash_ok = same(hash, ev->col[TRAIL_EV_hash]) ? 1 : -1;
    }
    return TRAIL_OK;
}
