/*
 * sync/node.c - trail_node_reset() (trail/sync.h) and the lineage it
 * leaves (node.h); docs/replication.md, "Node identity".
 *
 * A copy of a database writes as the node it was copied from. Once the
 * copies' lanes fork (two lanes of one node at one node_seq), a sync that
 * sees both refuses the second (TRAIL_ETWIN). A reset ends that on the
 * copy: it takes a new node id, and moves the lanes it wrote under the old
 * one from the fork on to the new id, rehashed, in one transaction. The
 * events keep their ids, times, writers and effects; only their node,
 * lane and chain hashes change, so that they are what they always were:
 * the writes of another node. The first moved lane names the old lane it
 * replaces (prev_lane, prev_hash of a node's first lane, otherwise NULL):
 * that row is the fence, it travels with the new node's lanes, and every
 * node holding it refuses the old lane (sync/apply.c) and so everything
 * chained after it.
 */
#define _POSIX_C_SOURCE 200809L /* strdup */
#include "sync/node.h"
#include "audit/event.h"
#include "audit/lane.h"
#include "driver/sql.h"
#include "sync/check.h"
#include "sync/read.h"
#include "sync/wire.h"
#include "trail/sync.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- lineage ------------------------------------------------------------------------------ */

static int reset_row(trail_conn *db, void *row, void *userdata)
{
    trail__lineage *l = userdata;
    trail_value v;
    int rc = db->drv->column(db, row, 0, TRAIL_V_TEXT, &v);
    if (rc < 0 || v.type == TRAIL_V_NULL)
        return rc;
    json_t *o = json_loadb(v.s, v.n, 0, NULL);
    const char *node = json_string_value(json_object_get(o, "node"));
    json_t *from = json_object_get(o, "from_seq");
    trail__node_reset *more =
        node && json_is_integer(from) ? realloc(l->v, (l->n + 1) * sizeof *l->v) : NULL;
    if (more) {
        l->v = more;
        snprintf(l->v[l->n].old_node, sizeof l->v[l->n].old_node, "%s", node);
        l->v[l->n++].from_seq = json_integer_value(from);
    }
    bool ok = more || !node || !json_is_integer(from);
    json_decref(o);
    if (!ok)
        return trail__err_set(&db->err, TRAIL_ENOMEM, "out of memory");
    return 0; /* a value that is not a reset's is not one: verify says so where it matters */
}

int trail__lineage_read(trail_conn *db, trail__lineage *out)
{
    return db->drv->query(db, db->drv->sql->node_resets, NULL, 0, reset_row, out, NULL);
}

bool trail__lineage_own(const trail__lineage *l, const char *node, int64_t node_seq)
{
    for (size_t i = 0; i < l->n; i++)
        if (strcmp(l->v[i].old_node, node) == 0 && node_seq < l->v[i].from_seq)
            return true;
    return false;
}

void trail__lineage_free(trail__lineage *l)
{
    free(l->v);
    *l = (trail__lineage){ 0 };
}

int trail__node_seen(trail_conn *db, const char *node_id, int64_t first_seen)
{
    const trail_runtime_sql *sql = db->drv->sql;
    trail_value id = trail_v_text(node_id);
    char known[TRAIL_NODE_ID_MAX + 1];
    bool found;
    int rc = trail__conn_query_text(db, sql->node_get, &id, 1, known, sizeof known, &found);
    int64_t now = trail__conn_wall_ms(db);
    if (rc < 0)
        return rc;
    if (found) {
        trail_value p[2] = { trail_v_int(now), id };
        return db->drv->query(db, sql->lane_turn_any, p, 2, NULL, NULL, NULL);
    }
    /* Its host is its own business: lanes do not carry it. */
    trail_value p[5] = { id,
                         trail_v_text(""),
                         { .type = TRAIL_V_BOOL, .i = 0 },
                         trail_v_int(first_seen),
                         trail_v_int(now) };
    return db->drv->query(db, sql->node_insert, p, 5, NULL, NULL, NULL);
}

/* ---- reading what moves ------------------------------------------------------------------- */

#define COL_TYPE(n, name, value, ...) TRAIL_V_##value,
static const trail_vtype lane_types[] = { TRAIL_LANE_COLUMN_TABLE(COL_TYPE, ) };
#undef COL_TYPE

typedef struct resetter {
    trail_conn *db;
    const char *old_node;
    int64_t from_seq;        /* lanes of old_node at this node_seq or after move */
    int64_t last_seq;        /* the highest node_seq of old_node held */
    trail__wire_batch lanes; /* those that move, in node_seq order */
    trail__wire_batch page;  /* a page of one lane's events */
} resetter;

/* trail_lanes rows come by node, then node_seq. */
static int lane_row(trail_conn *db, void *row, void *userdata)
{
    resetter *r = userdata;
    trail_value node, seq;
    int rc = db->drv->column(db, row, TRAIL_LANE_node_id, TRAIL_V_TEXT, &node);
    if (rc < 0 || (rc = db->drv->column(db, row, TRAIL_LANE_node_seq, TRAIL_V_INT, &seq)) < 0)
        return rc;
    if (node.type == TRAIL_V_NULL || node.n != strlen(r->old_node) ||
        memcmp(node.s, r->old_node, node.n) != 0)
        return 0;
    if (seq.i > r->last_seq)
        r->last_seq = seq.i;
    if (seq.i < r->from_seq)
        return 0;
    trail__wire_batch *b = &r->lanes;
    if (trail__wire_grow((void **)&b->lanes, &b->lanes_cap, b->nlanes, sizeof *b->lanes) < 0)
        return trail__err_set(&db->err, TRAIL_ENOMEM, "out of memory");
    trail__wire_lane *l = &b->lanes[b->nlanes++];
    *l = (trail__wire_lane){ .node_seq = seq.i };
    for (size_t i = 0; i < TRAIL_LANE_COLUMNS; i++)
        if ((rc = trail__sync_column_text(db, row, i, lane_types[i], &l->col[i], NULL)) < 0)
            return rc;
    return 0;
}

static int event_row(trail_conn *db, void *row, void *userdata)
{
    trail__wire_batch *b = userdata;
    if (trail__wire_grow((void **)&b->events, &b->events_cap, b->nevents, sizeof *b->events) < 0)
        return trail__err_set(&db->err, TRAIL_ENOMEM, "out of memory");
    trail__wire_event *e = &b->events[b->nevents++];
    *e = (trail__wire_event){ .line = 0 };
    return trail__sync_event_of_row(db, row, e);
}

/* ---- where the fork is -------------------------------------------------------------------- */

typedef struct fork_finder {
    const trail__heads *have;
    const char *node;
    int64_t at; /* the lowest node_seq a refused lane row of the node forks at; 0: none */
} fork_finder;

/*
 * A lane row of this node refused here (a twin's, sync/check.c) forks the
 * chain where this database holds another lane at its node_seq, or where
 * it names another lane before it than the one held.
 */
static int refused_lane_row(trail_conn *db, void *row, void *userdata)
{
    fork_finder *f = userdata;
    trail_value v;
    int rc = db->drv->column(db, row, 0, TRAIL_V_TEXT, &v);
    if (rc < 0 || v.type == TRAIL_V_NULL)
        return rc;
    json_t *o = json_loadb(v.s, v.n, 0, NULL);
    json_t *seq = json_object_get(o, "node_seq");
    const char *node = json_string_value(json_object_get(o, "node_id"));
    const char *prev = json_string_value(json_object_get(o, "prev_lane"));
    if (json_is_integer(seq) && node && strcmp(node, f->node) == 0) {
        int64_t k = json_integer_value(seq);
        const trail__head *before = trail__heads_node_at(f->have, node, k - 1);
        if (!trail__heads_node_at(f->have, node, k) && before && prev &&
            strcmp(before->lane_id, prev) != 0)
            k--;
        if (k >= 1 && (f->at == 0 || k < f->at))
            f->at = k;
    }
    json_decref(o);
    return 0;
}

static int fork_seen(trail_conn *db, int64_t *at)
{
    trail__heads have = { 0 };
    fork_finder f = { &have, db->node_id, 0 };
    int rc = trail__heads_read(db, &have);
    if (rc == TRAIL_OK)
        rc = db->drv->query(db, db->drv->sql->quarantine_refused_lanes, NULL, 0, refused_lane_row,
                            &f, NULL);
    trail__heads_free(&have);
    *at = f.at;
    return rc;
}

/* ---- moving ------------------------------------------------------------------------------- */

/* A new ULID for a node or lane, timed now. */
static int new_id(trail_conn *db, char out[TRAIL_ULID_LEN + 1])
{
    trail_ulid id;
    int rc = trail_ulid_next(db->ids, trail__conn_wall_ms(db), &id);
    if (rc < 0)
        return trail__err_set(&db->err, rc, "cannot make an id");
    trail_ulid_format(out, &id);
    return TRAIL_OK;
}

static void set(char **col, const char *text)
{
    free(*col);
    *col = text ? strdup(text) : NULL;
}

/*
 * Moves the events of @old (whose new row @moved already holds its id,
 * node and hash) to it, rechaining them; *@last_hash receives the hash of
 * the last. The events are read a page at a time, each page's rows
 * rewritten before the next is read.
 */
static int move_events(resetter *r, const trail__wire_lane *old, trail__wire_lane *moved,
                       char last_hash[TRAIL_SHA256_HEX_LEN + 1], trail_node_reset_result *out)
{
    trail_conn *db = r->db;
    const char *new_node = moved->col[TRAIL_LANE_node_id],
               *new_lane = moved->col[TRAIL_LANE_lane_id];
    snprintf(last_hash, TRAIL_SHA256_HEX_LEN + 1, "%s", moved->col[TRAIL_LANE_hash]);
    enum { PAGE = 1000 };
    int64_t after = 0;
    int rc = TRAIL_OK;
    for (bool more = true; more && rc == TRAIL_OK;) {
        trail__wire_batch_clear(&r->page);
        trail_value p[3] = { trail_v_text(old->col[TRAIL_LANE_lane_id]), trail_v_int(after),
                             trail_v_int(PAGE) };
        if ((rc = db->drv->query(db, db->drv->sql->sync_lane_events, p, 3, event_row, &r->page,
                                 NULL)) < 0)
            break;
        more = r->page.nevents == PAGE;
        for (size_t i = 0; i < r->page.nevents && rc == TRAIL_OK; i++) {
            trail__wire_event *e = &r->page.events[i];
            trail_value cols[TRAIL_EVENT_COLUMNS];
            char hash[TRAIL_SHA256_HEX_LEN + 1];
            after = e->seq;
            set(&e->col[TRAIL_EV_node_id], new_node);
            set(&e->col[TRAIL_EV_lane_id], new_lane);
            set(&e->col[TRAIL_EV_prev_hash], last_hash);
            if (!e->col[TRAIL_EV_node_id] || !e->col[TRAIL_EV_lane_id] ||
                !e->col[TRAIL_EV_prev_hash]) {
                rc = trail__err_set(&db->err, TRAIL_ENOMEM, "out of memory");
                break;
            }
            trail__wire_event_values(e, cols);
            if ((rc = trail__event_hash(hash, cols)) < 0) {
                rc = trail__err_set(&db->err, rc, "out of memory");
                break;
            }
            trail_value u[5] = { trail_v_text(new_node), trail_v_text(new_lane),
                                 trail_v_text(last_hash), trail_v_text(hash),
                                 trail_v_text(e->col[TRAIL_EV_event_id]) };
            rc = db->drv->query(db, db->drv->sql->event_rehome, u, 5, NULL, NULL, NULL);
            snprintf(last_hash, TRAIL_SHA256_HEX_LEN + 1, "%s", hash);
            out->events_moved++;
        }
    }
    return rc;
}

/*
 * Moves the lane @old to node @new_node at @node_seq after @prev (NULL:
 * the first, which names @old as the lane it fences). The new row goes in
 * before the events move to it and the old one goes after, so that no
 * event is ever without its lane.
 */
static int move_lane(resetter *r, const trail__wire_lane *old, const char *new_node,
                     int64_t node_seq, trail__wire_lane *prev, trail__wire_lane *moved,
                     trail_node_reset_result *out)
{
    trail_conn *db = r->db;
    char id[TRAIL_ULID_LEN + 1], seq[24], hash[TRAIL_SHA256_HEX_LEN + 1];
    int rc = new_id(db, id);
    if (rc < 0)
        return rc;
    snprintf(seq, sizeof seq, "%" PRId64, node_seq);
    for (size_t i = 0; i < TRAIL_LANE_COLUMNS; i++)
        moved->col[i] = old->col[i] ? strdup(old->col[i]) : NULL;
    moved->node_seq = node_seq;
    set(&moved->col[TRAIL_LANE_lane_id], id);
    set(&moved->col[TRAIL_LANE_node_id], new_node);
    set(&moved->col[TRAIL_LANE_node_seq], seq);
    set(&moved->col[TRAIL_LANE_prev_lane], (prev ? prev : old)->col[TRAIL_LANE_lane_id]);
    set(&moved->col[TRAIL_LANE_prev_hash], (prev ? prev : old)->col[TRAIL_LANE_hash]);
    for (size_t i = 0; i < TRAIL_LANE_COLUMNS; i++)
        if (old->col[i] && !moved->col[i])
            return trail__err_set(&db->err, TRAIL_ENOMEM, "out of memory");
    trail_value cols[TRAIL_LANE_COLUMNS];
    trail__wire_lane_values(moved, cols);
    if ((rc = trail__lane_hash(hash, cols)) < 0)
        return trail__err_set(&db->err, rc, "out of memory");
    set(&moved->col[TRAIL_LANE_hash], hash);
    if (!moved->col[TRAIL_LANE_hash])
        return trail__err_set(&db->err, TRAIL_ENOMEM, "out of memory");
    /* Sealed again below, at the new hash of the same last event. */
    trail__wire_lane_values(moved, cols);
    cols[TRAIL_LANE_sealed_seq] = cols[TRAIL_LANE_sealed_hash] = cols[TRAIL_LANE_sealed_at] =
        (trail_value){ .type = TRAIL_V_NULL };
    if ((rc = db->drv->query(db, db->drv->sql->lane_insert, cols, TRAIL_LANE_COLUMNS, NULL, NULL,
                             NULL)) < 0)
        return rc;
    char last[TRAIL_SHA256_HEX_LEN + 1];
    if ((rc = move_events(r, old, moved, last, out)) < 0)
        return rc;
    const char *sealed_seq = old->col[TRAIL_LANE_sealed_seq], *at = old->col[TRAIL_LANE_sealed_at];
    if (sealed_seq && at) {
        trail_value p[4] = { trail_v_int(strtoll(sealed_seq, NULL, 10)), trail_v_text(last),
                             trail_v_int(strtoll(at, NULL, 10)), trail_v_text(id) };
        if ((rc = db->drv->query(db, db->drv->sql->lane_seal, p, 4, NULL, NULL, NULL)) < 0)
            return rc;
    }
    trail_value gone = trail_v_text(old->col[TRAIL_LANE_lane_id]);
    if ((rc = db->drv->query(db, db->drv->sql->lane_delete, &gone, 1, NULL, NULL, NULL)) < 0)
        return rc;
    out->lanes_moved++;
    return TRAIL_OK;
}

static int record_reset(trail_conn *db, const char *old_node, const char *new_node, int64_t from)
{
    char key[TRAIL_NODE_ID_MAX + 32];
    snprintf(key, sizeof key, "node.%s.reset", old_node);
    json_t *o = json_pack("{s:s, s:s, s:I, s:I}", "node", old_node, "new", new_node, "from_seq",
                          (json_int_t)from, "at", (json_int_t)trail__conn_wall_ms(db));
    char *text = o ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    json_decref(o);
    if (!text)
        return trail__err_set(&db->err, TRAIL_ENOMEM, "out of memory");
    trail_value p[2] = { trail_v_text(key), trail_v_text(text) };
    int rc = db->drv->query(db, db->drv->sql->meta_set, p, 2, NULL, NULL, NULL);
    free(text);
    return rc;
}

static int reset(resetter *r, const trail_node_reset_opts *opts, trail_node_reset_result *out)
{
    trail_conn *db = r->db;
    const trail_runtime_sql *sql = db->drv->sql;
    int64_t now = trail__conn_wall_ms(db);
    /* The node's writers take turns on its row: none registers a lane meanwhile. */
    trail_value turn[2] = { trail_v_int(now), trail_v_text(r->old_node) };
    int rc = db->drv->query(db, sql->lane_turn, turn, 2, NULL, NULL, NULL);
    if (rc < 0)
        return rc;
    if (opts->from_seq > 0) {
        r->from_seq = opts->from_seq;
    } else if ((rc = fork_seen(db, &r->from_seq)) < 0) {
        return rc;
    }
    if ((rc = db->drv->query(db, sql->lanes, NULL, 0, lane_row, r, NULL)) < 0)
        return rc;
    if (r->from_seq == 0) /* no fork seen: only what is written from now on is the new node's */
        r->from_seq = r->last_seq + 1;
    out->from_seq = r->from_seq;

    char new_node[TRAIL_ULID_LEN + 1], host[256] = "";
    if ((rc = new_id(db, new_node)) < 0)
        return rc;
    snprintf(out->new_node, sizeof out->new_node, "%s", new_node);
    if (gethostname(host, sizeof host - 1) < 0)
        strcpy(host, "unknown");
    trail_value node[5] = { trail_v_text(new_node),
                            trail_v_text(host),
                            { .type = TRAIL_V_BOOL, .i = 1 },
                            trail_v_int(now),
                            trail_v_int(now) };
    trail_value old[2] = { { .type = TRAIL_V_BOOL, .i = 0 }, trail_v_text(r->old_node) };
    if ((rc = db->drv->query(db, sql->node_insert, node, 5, NULL, NULL, NULL)) < 0 ||
        (rc = db->drv->query(db, sql->node_set_local, old, 2, NULL, NULL, NULL)) < 0)
        return rc;

    trail__wire_batch moved = { 0 };
    rc = trail__wire_grow((void **)&moved.lanes, &moved.lanes_cap, r->lanes.nlanes,
                          sizeof *moved.lanes);
    for (size_t i = 0; i < r->lanes.nlanes && rc == TRAIL_OK; i++) {
        trail__wire_lane *m = &moved.lanes[moved.nlanes++];
        *m = (trail__wire_lane){ .node_seq = 0 };
        rc = move_lane(r, &r->lanes.lanes[i], new_node, (int64_t)i + 1,
                       i ? &moved.lanes[i - 1] : NULL, m, out);
    }
    trail__wire_batch_clear(&moved);
    if (rc < 0)
        return rc;
    /* What was held of the old node's twin is nobody's to hold now: a sync brings it again. */
    trail_value gone = trail_v_text(r->old_node);
    if ((rc = db->drv->query(db, sql->quarantine_delete_node, &gone, 1, NULL, NULL, NULL)) < 0)
        return rc;
    return record_reset(db, r->old_node, new_node, r->from_seq);
}

int trail_node_reset(trail_conn *db, const trail_node_reset_opts *opts,
                     trail_node_reset_result *result)
{
    static const trail_node_reset_opts defaults = TRAIL_NODE_RESET_OPTS_INIT;
    trail_node_reset_result local;
    trail_node_reset_result *out = result ? result : &local;
    memset(out, 0, sizeof *out);
    if (!db)
        return TRAIL_EARG;
    if (!opts)
        opts = &defaults;
    if (db->in_tx)
        return trail__err_set(&db->err, TRAIL_EARG,
                              "trail_node_reset: the connection is inside trail_begin()");
    if (opts->from_seq < 0)
        return trail__err_set(&db->err, TRAIL_EARG,
                              "trail_node_reset: from_seq %" PRId64 " is negative", opts->from_seq);
    int rc = trail__conn_need_tables(db);
    if (rc < 0)
        return rc;
    char old_node[TRAIL_NODE_ID_MAX + 1];
    snprintf(old_node, sizeof old_node, "%s", db->node_id);
    snprintf(out->old_node, sizeof out->old_node, "%s", old_node);
    resetter r = { .db = db, .old_node = old_node };
    /* This connection's own lane, if it wrote, moves too: it writes in a new one afterwards. */
    trail__lane_seal(db);
    trail__lane_end(db);
    if ((rc = db->drv->begin(db)) < 0)
        return rc;
    if ((rc = reset(&r, opts, out)) == TRAIL_OK)
        rc = db->drv->commit(db);
    if (rc < 0) {
        trail_err saved = db->err;
        db->drv->rollback(db);
        db->err = saved;
        out->new_node[0] = '\0';
    } else {
        snprintf(db->node_id, sizeof db->node_id, "%s", out->new_node);
    }
    trail__wire_batch_clear(&r.lanes);
    trail__wire_batch_clear(&r.page);
    return rc;
}
