/*
 * sync/apply.c - applying a batch on a destination (apply.h).
 *
 * The destination's heads are read in the batch's transaction and moved
 * as it goes, so that each event is checked against the lane as this
 * batch leaves it. A lane stops at its first held or refused event: what
 * follows is held behind it, since a lane is applied in order or not at
 * all.
 */
#include "sync/apply.h"
#include "driver/sql.h"
#include "sync/check.h"
#include "sync/node.h"
#include "sync/cursor.h"
#include "sync/quarantine.h"
#include "sync/rows.h"
#include "sync/schemas.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct applier {
    trail_conn *db;
    const trail__apply_opts *opts;
    trail_sync_stats *st;
    trail__heads heads;
    trail__sync_schemas schemas;
    trail__heads stopped; /* lane -> in hash: the item it waits behind */
    trail__heads queued;  /* lanes with events held in quarantine (not a retry's batch) */
    char twin[600];       /* a fork of a node's chain seen in this batch: TRAIL_ETWIN's message */
} applier;

/* Lane @lane waits behind @item from now on. */
static int stop_lane(applier *a, const char *lane, const char *item)
{
    if (trail__heads_find(&a->stopped, lane))
        return TRAIL_OK;
    trail__head h = { .seq = INT64_MAX };
    snprintf(h.lane_id, sizeof h.lane_id, "%s", lane);
    snprintf(h.hash, sizeof h.hash, "%s", item);
    int rc = trail__heads_add(&a->stopped, &h);
    if (rc == TRAIL_OK && a->opts->stopped && !trail__heads_find(a->opts->stopped, lane))
        rc = trail__heads_add(a->opts->stopped, &h);
    return rc < 0 ? trail__err_set(&a->db->err, rc, "out of memory") : TRAIL_OK;
}

static int stopped_row(void *userdata, const char *lane, const char *item)
{
    return stop_lane(userdata, lane, item);
}

static int hold(applier *a, const trail__wire_event *ev, const char *reason)
{
    int rc = trail__quarantine_event(a->db, ev, false, reason);
    if (rc == TRAIL_OK)
        rc = stop_lane(a, ev->col[TRAIL_EV_lane_id], ev->col[TRAIL_EV_event_id]);
    a->st->held++;
    return rc;
}

static int refuse(applier *a, const trail__wire_event *ev, const char *reason)
{
    char line[32] = "";
    if (ev->line) /* from a file */
        snprintf(line, sizeof line, " (line %ld)", ev->line);
    snprintf(a->st->last_refused, sizeof a->st->last_refused,
             "lane %s seq %" PRId64 " event %s%s: %s", ev->col[TRAIL_EV_lane_id], ev->seq,
             ev->col[TRAIL_EV_event_id], line, reason);
    int rc = trail__quarantine_event(a->db, ev, true, reason);
    if (rc == TRAIL_OK)
        rc = stop_lane(a, ev->col[TRAIL_EV_lane_id], ev->col[TRAIL_EV_event_id]);
    a->st->refused++;
    return rc;
}

/* Whether @id is a lane a node's reset fenced off (node.c): a fence held here names it. */
static int fenced(applier *a, const char *id, bool *yes)
{
    trail_value p = trail_v_text(id);
    char fence[TRAIL_ULID_LEN + 1];
    return trail__conn_query_text(a->db, a->db->drv->sql->lane_fence_of, &p, 1, fence, sizeof fence,
                                  yes);
}

/*
 * A lane that fills a gap of its node's chain: the lane held after it must
 * name it as the one before, or the two are of two databases (a twin).
 */
static int next_links(applier *a, const trail__wire_lane *l, char *why, size_t size, bool *twin)
{
    const char *node = l->col[TRAIL_LANE_node_id], *id = l->col[TRAIL_LANE_lane_id];
    const trail__head *next = trail__heads_node_at(&a->heads, node, l->node_seq + 1);
    *twin = false;
    if (!next)
        return TRAIL_OK;
    trail_value p[2] = { trail_v_text(node), trail_v_int(l->node_seq + 1) };
    char prev[TRAIL_ULID_LEN + 1] = "";
    bool found;
    int rc = trail__conn_query_text(a->db, a->db->drv->sql->lane_next_link, p, 2, prev, sizeof prev,
                                    &found);
    if (rc == TRAIL_OK && strcmp(prev, id) != 0) {
        *twin = true;
        snprintf(why, size,
                 "node %s's chain of lanes forks at node_seq %" PRId64 ": lane %s is held here "
                 "after another lane (%s) than the arriving %s, so two databases write as node "
                 "%s (a copied database, or a backup restored). The one that wrote lane %s must "
                 "take a node id of its own: run `trail node reset DB --from %" PRId64
                 "` on it. Until then its lanes are refused",
                 node, l->node_seq, next->lane_id, prev[0] ? prev : "none", id, node, id,
                 l->node_seq);
    }
    return rc;
}

static int add_lane(applier *a, const trail__wire_lane *l)
{
    trail_conn *db = a->db;
    const char *id = l->col[TRAIL_LANE_lane_id];
    const trail__head *stopped = id ? trail__heads_find(&a->stopped, id) : NULL;
    if (id && trail__heads_find(&a->heads, id))
        return TRAIL_OK; /* held already (a seal is looked at after the events) */
    if (stopped && strcmp(stopped->hash, id) != 0)
        return TRAIL_OK; /* its events wait behind one of them */
    char why[600];
    int rc;
    bool twin, fence = false;
    if (id && (rc = fenced(a, id, &fence)) < 0)
        return rc;
    const char *wrong = "a reset of its node fenced it off (`trail node reset`): its database "
                        "took a node id of its own, and this lane, written under the old one, "
                        "is no longer the node's";
    twin = false;
    if (!fence &&
        (wrong = trail__check_lane(l, &a->heads, db->node_id, why, sizeof why, &rc, &twin), rc < 0))
        return trail__err_set(&db->err, rc, "out of memory");
    if (!wrong && id && (rc = next_links(a, l, why, sizeof why, &twin)) < 0)
        return rc;
    if (!wrong && twin)
        wrong = why;
    if (twin && !a->twin[0]) /* the sync ends with TRAIL_ETWIN once this batch is in */
        snprintf(a->twin, sizeof a->twin, "%s", why);
    if (stopped) /* refused before, and kept so: not tried again */
        return TRAIL_OK;
    if (wrong) {
        snprintf(a->st->last_refused, sizeof a->st->last_refused, "lane row %s: %.200s",
                 id ? id : "(no id)", wrong);
        a->st->refused++;
        if (!id)
            return TRAIL_OK;
        if ((rc = trail__quarantine_lane(db, l, wrong)) < 0)
            return rc;
        return stop_lane(a, id, id);
    }
    /* A fence's lane is out of the way now: what was kept of it goes. */
    trail_value gone = trail_v_text(l->col[TRAIL_LANE_prev_lane]);
    if (l->node_seq == 1 && l->col[TRAIL_LANE_prev_lane] &&
        (rc = db->drv->query(db, db->drv->sql->quarantine_delete_lane, &gone, 1, NULL, NULL,
                             NULL)) < 0)
        return rc;
    trail_value cols[TRAIL_LANE_COLUMNS];
    trail__wire_lane_values(l, cols);
    /* The seal comes once the lane's events reach it (seal_lanes()). */
    cols[TRAIL_LANE_sealed_seq] = cols[TRAIL_LANE_sealed_hash] = cols[TRAIL_LANE_sealed_at] =
        (trail_value){ .type = TRAIL_V_NULL };
    if ((rc = db->drv->query(db, db->drv->sql->lane_insert, cols, TRAIL_LANE_COLUMNS, NULL, NULL,
                             NULL)) < 0 ||
        (rc = trail__node_seen(db, l->col[TRAIL_LANE_node_id], cols[TRAIL_LANE_opened_at].i)) < 0)
        return rc;
    trail__head h = { .node_seq = l->node_seq, .sealed_seq = -1, .seq = 0 };
    snprintf(h.lane_id, sizeof h.lane_id, "%s", id);
    snprintf(h.node_id, sizeof h.node_id, "%s", l->col[TRAIL_LANE_node_id]);
    snprintf(h.lane_hash, sizeof h.lane_hash, "%s", l->col[TRAIL_LANE_hash]);
    snprintf(h.hash, sizeof h.hash, "%s", l->col[TRAIL_LANE_hash]);
    return trail__heads_add(&a->heads, &h) < 0
               ? trail__err_set(&db->err, TRAIL_ENOMEM, "out of memory")
               : TRAIL_OK;
}

/*
 * An event applied or found here leaves quarantine if it waited there: a
 * retry's are all from it; a batch's may have come by another way (a file,
 * a peer) while a copy waited for what came before it.
 */
static int leaves_quarantine(applier *a, const trail__wire_event *ev)
{
    if (!a->opts->retry && !trail__heads_find(&a->queued, ev->col[TRAIL_EV_lane_id]))
        return TRAIL_OK;
    return trail__quarantine_drop(a->db, ev->col[TRAIL_EV_event_id]);
}

static int queued_row(void *userdata, const char *lane, const char *item)
{
    applier *a = userdata;
    (void)item;
    if (trail__heads_find(&a->queued, lane))
        return TRAIL_OK;
    trail__head h = { .seq = 0 };
    snprintf(h.lane_id, sizeof h.lane_id, "%s", lane);
    return trail__heads_add(&a->queued, &h) < 0
               ? trail__err_set(&a->db->err, TRAIL_ENOMEM, "out of memory")
               : TRAIL_OK;
}

/* The checks and effects of one event. */
static int apply_event(applier *a, const trail__wire_event *ev)
{
    trail_conn *db = a->db;
    const char *lane = ev->col[TRAIL_EV_lane_id];
    trail__head *head = trail__heads_find(&a->heads, lane);
    const trail__head *behind = trail__heads_find(&a->stopped, lane);
    char why[300];
    int rc;
    a->st->seen++;
    if (head && ev->seq <= head->seq) {
        a->st->skipped++;
        return leaves_quarantine(a, ev);
    }
    if (behind && strcmp(behind->hash, ev->col[TRAIL_EV_event_id]) == 0) {
        a->st->refused++; /* refused before, and kept so: not tried again */
        return TRAIL_OK;
    }
    if (behind) {
        snprintf(why, sizeof why, "waits behind %s", behind->hash);
        return hold(a, ev, why);
    }
    if (!head)
        return hold(a, ev, "waits for its lane row");
    if (ev->seq != head->seq + 1) {
        snprintf(why, sizeof why, "waits for seq %" PRId64 " of its lane", head->seq + 1);
        return hold(a, ev, why);
    }
    const char *wrong = trail__check_event(ev, head, why, sizeof why, &rc);
    if (rc < 0)
        return trail__err_set(&db->err, rc, "out of memory");
    if (wrong)
        return refuse(a, ev, wrong);
    const trail__sync_table *t =
        trail__sync_schemas_table(&a->schemas, ev->col[TRAIL_EV_table_name]);
    const char *sv = ev->col[TRAIL_EV_schema_version];
    if (!t || !sv || strtoll(sv, NULL, 10) > t->schema_version)
        return hold(a, ev, "unknown schema version");
    if (trail_hlc_update(db->clock, ev->hlc) == TRAIL_ECLOCK)
        return hold(a, ev, "clock ahead");
    if (t->replicate) {
        trail__effect effect;
        const char *reason;
        if ((rc = trail__sync_row_effect(db, t, ev, &effect, &reason)) < 0)
            return rc;
        if (effect == TRAIL__EFFECT_MISSING)
            return hold(a, ev, reason);
    }
    trail_value cols[TRAIL_EVENT_COLUMNS];
    trail__wire_event_values(ev, cols);
    if ((rc = db->drv->query(db, db->drv->sql->event_insert, cols, TRAIL_EVENT_COLUMNS, NULL, NULL,
                             NULL)) < 0)
        return rc;
    head->seq = ev->seq;
    snprintf(head->hash, sizeof head->hash, "%s", ev->col[TRAIL_EV_hash]);
    a->st->applied++;
    return leaves_quarantine(a, ev);
}

/* A seal the batch carries, taken when the lane's head here is the sealed one. */
static int seal_lane(applier *a, const trail__wire_lane *l)
{
    const char *seq = l->col[TRAIL_LANE_sealed_seq], *hash = l->col[TRAIL_LANE_sealed_hash];
    const char *at = l->col[TRAIL_LANE_sealed_at];
    trail__head *head = l->col[TRAIL_LANE_lane_id]
                            ? trail__heads_find(&a->heads, l->col[TRAIL_LANE_lane_id])
                            : NULL;
    if (!seq || !hash || !at || !head || head->sealed_seq >= 0 ||
        head->seq != strtoll(seq, NULL, 10) || strcmp(head->hash, hash) != 0)
        return TRAIL_OK;
    trail_value p[4] = { trail_v_int(head->seq), trail_v_text(hash),
                         trail_v_int(strtoll(at, NULL, 10)), trail_v_text(head->lane_id) };
    head->sealed_seq = head->seq;
    return a->db->drv->query(a->db, a->db->drv->sql->lane_seal, p, 4, NULL, NULL, NULL);
}

static int apply_all(applier *a, const trail__wire_batch *b)
{
    trail_conn *db = a->db;
    int rc;
    if ((rc = trail__heads_read(db, &a->heads)) < 0 ||
        (rc = trail__sync_schemas_load(db, &a->schemas)) < 0 ||
        (rc = trail__quarantine_stopped(db, stopped_row, a)) < 0 ||
        (!a->opts->retry && (rc = trail__quarantine_lanes_held(db, queued_row, a)) < 0))
        return rc;
    for (size_t i = 0; i < b->nlanes; i++)
        if ((rc = add_lane(a, &b->lanes[i])) < 0)
            return rc;
    for (size_t i = 0; i < b->nevents; i++)
        if ((rc = apply_event(a, &b->events[i])) < 0)
            return rc;
    for (size_t i = 0; i < b->nlanes; i++)
        if ((rc = seal_lane(a, &b->lanes[i])) < 0)
            return rc;
    if (a->opts->peer)
        rc = trail__sync_cursor(db, a->opts->peer, a->opts->peer_heads, a->st);
    return rc;
}

int trail__sync_apply(trail_conn *dst, const trail__wire_batch *b, const trail__apply_opts *opts,
                      trail_sync_stats *st)
{
    static const trail__apply_opts none = { .retry = false };
    applier a = { .db = dst, .opts = opts ? opts : &none, .st = st };
    trail_sync_stats before = *st;
    /*
     * The batch is a transaction of dst's own as well: the merge and
     * cascade events it writes (sync/own.h) go in dst's lane under one
     * tx_id, and a rollback puts the lane back as trail_rollback() does.
     */
    int rc = trail__conn_new_tx(dst);
    if (rc < 0 || (rc = dst->drv->begin(dst)) < 0)
        return rc;
    dst->in_tx = true;
    dst->lane_at_begin = dst->lane;
    if ((rc = apply_all(&a, b)) == TRAIL_OK)
        rc = dst->drv->commit(dst);
    dst->in_tx = false;
    if (rc == TRAIL_OK && a.twin[0])
        rc = trail__err_set(&dst->err, TRAIL_ETWIN, "%s", a.twin);
    else if (rc < 0) {
        trail_err saved = dst->err;
        dst->drv->rollback(dst);
        dst->err = saved;
        dst->lane = dst->lane_at_begin;
        *st = before; /* nothing of the batch stays */
    }
    trail__heads_free(&a.heads);
    trail__heads_free(&a.stopped);
    trail__heads_free(&a.queued);
    trail__sync_schemas_free(&a.schemas);
    return rc;
}

int trail__sync_bulk_on(trail_conn *dst)
{
    return dst->drv->bulk ? dst->drv->bulk(dst, true) : TRAIL_OK;
}

int trail__sync_bulk_off(trail_conn *dst, int rc)
{
    if (!dst->drv->bulk)
        return rc;
    trail_err saved = dst->err;
    int off = dst->drv->bulk(dst, false);
    if (rc < 0)
        dst->err = saved;
    return rc < 0 ? rc : off;
}
