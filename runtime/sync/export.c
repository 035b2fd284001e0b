/*
 * sync/export.c - trail_export(): what a peer lacks, as an export file
 * (trail/sync.h, docs/replication.md "Files").
 *
 * The batches are the sync's (sync/read.c: the same merge order, a
 * transaction never cut), read against the peer's heads as this function
 * moves them, and written line by line with sync/file.c. The header names
 * each lane's range before a line of it is written, so the ranges are
 * fixed by the heads read first: what @db's writers add meanwhile (events
 * past a range, lanes opened since) is read by a batch and left out of
 * the file, and its lane left alone after that.
 */
#define _POSIX_C_SOURCE 200809L /* strdup */
#include "core/json.h"
#include "driver/sql.h"
#include "history/digest.h"
#include "sync/file.h"
#include "sync/read.h"
#include "sync/schemas.h"
#include "trail/sync.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Lane @lane_id at @seq in @h (added when missing; moved when there). */
static int head_set(trail__heads *h, const char *lane_id, int64_t seq, int64_t sealed_seq)
{
    trail__head *have = trail__heads_find(h, lane_id);
    if (have) {
        have->seq = seq;
        have->sealed_seq = sealed_seq;
        return TRAIL_OK;
    }
    trail__head add = { .seq = seq, .sealed_seq = sealed_seq };
    snprintf(add.lane_id, sizeof add.lane_id, "%s", lane_id);
    return trail__heads_add(h, &add);
}

/* The peer's heads from a digest's text. */
static int since_digest(trail_conn *db, const char *json, trail__heads *out)
{
    trail_digest_doc *doc;
    int rc = trail__digest_parse(db, json, &doc);
    if (rc < 0)
        return rc;
    for (size_t i = 0; rc == TRAIL_OK && i < trail__digest_lanes(doc); i++) {
        const char *lane;
        int64_t seq;
        trail__digest_lane(doc, i, &lane, &seq);
        if (strlen(lane) == TRAIL_ULID_LEN && (rc = head_set(out, lane, seq, -1)) < 0)
            rc = trail__err_set(&db->err, rc, "out of memory");
    }
    trail__digest_free(doc);
    return rc;
}

/* The heads @peer had when this node last pulled from it (trail_cursors). */
typedef struct peer_lookup {
    const char *peer;
    trail__heads *out;
    bool found;
} peer_lookup;

static int cursor_row(trail_conn *db, void *row, void *userdata)
{
    peer_lookup *p = userdata;
    trail_value node, heads;
    int rc = db->drv->column(db, row, 0, TRAIL_V_TEXT, &node);
    if (rc < 0 || (rc = db->drv->column(db, row, 2, TRAIL_V_TEXT, &heads)) < 0)
        return rc;
    if (node.n != strlen(p->peer) || memcmp(node.s, p->peer, node.n) != 0)
        return 0;
    p->found = true;
    json_t *j = json_loadb(heads.s ? heads.s : "", heads.n, 0, NULL);
    if (!json_is_object(j)) {
        json_decref(j);
        return trail__err_set(&db->err, TRAIL_EDB,
                              "trail_cursors: peer %s's peer_heads is not a JSON object", p->peer);
    }
    const char *lane;
    json_t *seq;
    json_object_foreach(j, lane, seq)
    {
        if (strlen(lane) == TRAIL_ULID_LEN && json_is_integer(seq) &&
            (rc = head_set(p->out, lane, json_integer_value(seq), -1)) < 0)
            break;
    }
    json_decref(j);
    return rc < 0 ? trail__err_set(&db->err, rc, "out of memory") : 0;
}

static int since_peer(trail_conn *db, const char *peer, trail__heads *out)
{
    peer_lookup p = { peer, out, false };
    int rc = db->drv->query(db, db->drv->sql->cursors, NULL, 0, cursor_row, &p, NULL);
    if (rc == TRAIL_OK && !p.found)
        rc = trail__err_set(&db->err, TRAIL_EARG,
                            "trail_export: this node never pulled from %s (trail_cursors has no "
                            "row of it): give the peer's digest instead",
                            peer);
    return rc;
}

/* The schemas of @db for the header: their names joined by ',', the highest version. */
static int header_schema(trail_conn *db, trail__file_header *h)
{
    trail__sync_schemas s;
    trail_buf names = TRAIL_BUF_INIT;
    int rc = trail__sync_schemas_load(db, &s);
    for (size_t i = 0; rc == TRAIL_OK && i < s.n_models; i++) {
        json_t *root = s.models[i].json;
        const char *name = json_string_value(json_object_get(root, "schema"));
        int64_t version = json_integer_value(json_object_get(root, "version"));
        if (version > h->schema_version)
            h->schema_version = version;
        if ((i && trail__buf_append_str(&names, ",") < 0) ||
            trail__buf_append_str(&names, name ? name : "") < 0)
            rc = trail__err_set(&db->err, TRAIL_ENOMEM, "out of memory");
    }
    trail__sync_schemas_free(&s);
    if (rc == TRAIL_OK && !(h->schema = strdup(names.data ? names.data : "")))
        rc = trail__err_set(&db->err, TRAIL_ENOMEM, "out of memory");
    trail__buf_free(&names);
    return rc;
}

/* The header: every lane with something the peer lacks, its range from its head here. */
static int make_header(trail_conn *db, const trail__heads *have, const trail__heads *peer,
                       trail__file_header *h)
{
    if (!(h->node = strdup(db->node_id)))
        return trail__err_set(&db->err, TRAIL_ENOMEM, "out of memory");
    h->created_at = trail__conn_wall_ms(db);
    int rc = header_schema(db, h);
    if (rc < 0)
        return rc;
    if (have->n && !(h->lanes = calloc(have->n, sizeof *h->lanes)))
        return trail__err_set(&db->err, TRAIL_ENOMEM, "out of memory");
    for (size_t i = 0; i < have->n; i++) {
        const trail__head *p = trail__heads_find(peer, have->v[i].lane_id);
        int64_t from = p ? p->seq + 1 : 1;
        /* A lane the peer lacks goes with its row even without events; one it holds, with events.
         */
        if (p && from > have->v[i].seq)
            continue;
        trail__file_range *r = &h->lanes[h->nlanes];
        if (!(r->lane_id = strdup(have->v[i].lane_id)))
            return trail__err_set(&db->err, TRAIL_ENOMEM, "out of memory");
        r->from = from;
        r->to = have->v[i].seq;
        h->nlanes++;
    }
    return TRAIL_OK;
}

typedef struct exporter {
    trail_conn *db;
    trail__file_writer w;
    trail__file_header h;
    trail__heads peer; /* the peer's heads, moved as lines are written */
    trail__heads skip; /* lanes the file is done with, or never had */
    trail_sync_stats *st;
} exporter;

static trail__file_range *range_of(exporter *x, const char *lane_id)
{
    for (size_t i = 0; i < x->h.nlanes; i++)
        if (strcmp(x->h.lanes[i].lane_id, lane_id) == 0)
            return &x->h.lanes[i];
    return NULL;
}

static int leave(exporter *x, const char *lane_id)
{
    if (trail__heads_find(&x->skip, lane_id))
        return TRAIL_OK;
    trail__head h = { .seq = INT64_MAX };
    snprintf(h.lane_id, sizeof h.lane_id, "%s", lane_id);
    return trail__heads_add(&x->skip, &h);
}

/* One batch's lines: its lane rows of the header's lanes (once each), then its events in range. */
static int write_batch(exporter *x, const trail__wire_batch *b, bool *wrote)
{
    int rc = TRAIL_OK;
    *wrote = false;
    for (size_t i = 0; rc == TRAIL_OK && i < b->nlanes; i++) {
        const char *id = b->lanes[i].col[TRAIL_LANE_lane_id];
        trail__file_range *r = id ? range_of(x, id) : NULL;
        if (r && !r->row_seen) {
            r->row_seen = true;
            rc = trail__file_write_lane(&x->w, &b->lanes[i], &x->db->err);
            *wrote = true;
        }
        /* Held by the peer from now on, with its seal: not sent again. */
        trail__head *p = id ? trail__heads_find(&x->peer, id) : NULL;
        if (p)
            p->sealed_seq = 0;
        else if (rc == TRAIL_OK && id)
            rc = head_set(&x->peer, id, r ? r->from - 1 : 0, 0);
        if (rc == TRAIL_OK && id && !r)
            rc = leave(x, id);
    }
    for (size_t i = 0; rc == TRAIL_OK && i < b->nevents; i++) {
        const trail__wire_event *e = &b->events[i];
        const char *id = e->col[TRAIL_EV_lane_id];
        trail__file_range *r = range_of(x, id);
        if (!r || e->seq > r->to) {
            rc = leave(x, id);
            continue;
        }
        if ((rc = trail__file_write_event(&x->w, e, &x->db->err)) < 0)
            break;
        *wrote = true;
        x->st->seen++;
        x->st->left--;
        trail__head *p = trail__heads_find(&x->peer, id);
        if (p)
            p->seq = e->seq;
        else
            rc = head_set(&x->peer, id, e->seq, 0);
        if (rc == TRAIL_OK && e->seq == r->to)
            rc = leave(x, id);
    }
    return rc == TRAIL_ENOMEM ? trail__err_set(&x->db->err, rc, "out of memory") : rc;
}

int trail_export(trail_conn *db, FILE *out, const trail_export_opts *opts, trail_sync_stats *stats)
{
    trail_sync_stats local;
    trail_sync_stats *st = stats ? stats : &local;
    static const trail_export_opts defaults = TRAIL_EXPORT_OPTS_INIT;
    if (!opts)
        opts = &defaults;
    memset(st, 0, sizeof *st);
    if (!db)
        return TRAIL_EARG;
    if (!out)
        return trail__err_set(&db->err, TRAIL_EARG, "trail_export: no file");
    if (opts->since_digest && opts->peer_node)
        return trail__err_set(&db->err, TRAIL_EARG,
                              "trail_export: since_digest or peer_node, not both");
    if (opts->batch_size < 0)
        return trail__err_set(&db->err, TRAIL_EARG, "trail_export: batch_size %d is negative",
                              opts->batch_size);
    if (db->in_tx)
        return trail__err_set(&db->err, TRAIL_EARG,
                              "trail_export: inside trail_begin(); an export reads what is "
                              "committed");
    size_t size = opts->batch_size ? (size_t)opts->batch_size : 1000;
    int64_t start = mono_ms();
    exporter x = { .db = db, .st = st };
    trail__heads have = { 0 };
    trail__file_writer_to_file(&x.w, out);
    int rc = trail__conn_need_tables(db);
    if (rc == TRAIL_OK && opts->since_digest)
        rc = since_digest(db, opts->since_digest, &x.peer);
    else if (rc == TRAIL_OK && opts->peer_node)
        rc = since_peer(db, opts->peer_node, &x.peer);
    if (rc == TRAIL_OK)
        rc = trail__heads_read(db, &have);
    if (rc == TRAIL_OK)
        rc = make_header(db, &have, &x.peer, &x.h);
    for (size_t i = 0; rc == TRAIL_OK && i < x.h.nlanes; i++) {
        st->left += x.h.lanes[i].to - x.h.lanes[i].from + 1;
        /* A lane the peer holds unsealed or sealed: its row goes when sealed here, for the seal. */
        trail__head *p = trail__heads_find(&x.peer, x.h.lanes[i].lane_id);
        if (p)
            p->sealed_seq = -1;
        /*
         * A lane from its first event goes with its row (the format says
         * so: the file may be imported where the lane is unknown), also
         * when the peer holds the row without events (they wait in its
         * quarantine, or the lane never had any): read as a lane it lacks.
         */
        if (p && x.h.lanes[i].from == 1)
            trail__heads_remove(&x.peer, x.h.lanes[i].lane_id);
    }
    if (rc == TRAIL_OK)
        rc = trail__file_write_header(&x.w, &x.h, &db->err);
    for (bool more = rc == TRAIL_OK; more && rc == TRAIL_OK;) {
        trail__wire_batch b = { 0 };
        trail__heads src = { 0 };
        int64_t left;
        rc = trail__sync_read(db, &x.peer, &x.skip, size, &b, &left, &src);
        more = false;
        if (rc == TRAIL_OK)
            rc = write_batch(&x, &b, &more);
        /* A batch of what the file leaves out only: read again without those lanes. */
        more = rc == TRAIL_OK && (more || b.nevents > 0 || b.nlanes > 0);
        trail__wire_batch_clear(&b);
        trail__heads_free(&src);
        st->elapsed_ms = mono_ms() - start;
        if (more && opts->progress && opts->progress(opts->userdata, st) != 0)
            break;
    }
    if (rc == TRAIL_OK && fflush(out) != 0)
        rc = trail__err_set(&db->err, TRAIL_ESYS, "trail_export: writing the file failed");
    st->elapsed_ms = mono_ms() - start;
    trail__file_writer_free(&x.w);
    trail__file_header_clear(&x.h);
    trail__heads_free(&x.peer);
    trail__heads_free(&x.skip);
    trail__heads_free(&have);
    return rc;
}
