/*
 * write_one.c - audited writes as one statement, the client's side: binding
 * the event's values and the hashed message's pieces, and reading back what
 * the statement did (write_sql.h). The statements come from the driver
 * (trail_driver.write_sql), whose trail_driver.write comes here.
 */
#include "audit/write_one.h"
#include "audit/call.h"
#include "audit/event.h"
#include "audit/event_columns.h"
#include "audit/update_sql.h"
#include "audit/write_sql.h"
#include "core/context.h"
#include "driver/sql.h"

#include <inttypes.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/*
 * In the hashed message, what only the server knows: trail__event_message()
 * splices it in raw, and the message is cut there into the pieces the
 * statement takes (write_sql.h).
 */
#define SERVER_PART "\x01"

/* Whether the server fills each column of the event row (event_columns.h). */
#define SERVER(n, name, value, kind, null, fill, hash) TRAIL_EVENT_##fill,
static const bool server_fills[TRAIL_EVENT_COLUMNS] = { TRAIL_EVENT_COLUMN_TABLE(SERVER, ) };
#undef SERVER

/*
 * The event's parameters into @p[0 .. TRAIL_WP_ROW), the hashed message's
 * pieces written into @msg. @p borrows from the arguments (@msg and
 * @event_id among them) and from @db, until the statement ran; the caller
 * frees @msg, also on failure.
 */
static int bind_event(trail_conn *db, const trail_ctx *ctx, const trail_entity *e, const char *op,
                      trail_value *p, trail_buf *msg, char event_id[TRAIL_ULID_LEN + 1])
{
    int rc;
    if (!db->in_tx && (rc = trail__conn_new_tx(db)) < 0)
        return rc;
    trail_event ev = {
        .table = e->table, .op = op, .schema_version = e->schema_version, .ctx = ctx
    };
    trail_value cols[TRAIL_EVENT_COLUMNS];
    if ((rc = trail__event_stamp(db, &ev, event_id, cols)) < 0)
        return rc;
    p[TRAIL_WP_EVENT_ID] = cols[TRAIL_EV_event_id];
    p[TRAIL_WP_HLC] = cols[TRAIL_EV_hlc];
    p[TRAIL_WP_NODE] = cols[TRAIL_EV_node_id];
    p[TRAIL_WP_LANE] = cols[TRAIL_EV_lane_id];
    p[TRAIL_WP_SEQ] = cols[TRAIL_EV_seq];
    p[TRAIL_WP_TX] = cols[TRAIL_EV_tx_id];
    p[TRAIL_WP_SCHEMA_VERSION] = cols[TRAIL_EV_schema_version];
    for (int i = 0; i < TRAIL_CTX_COLUMNS; i++)
        p[TRAIL_WP_USER + i] = cols[TRAIL_EV_user_id + i];
    p[TRAIL_WP_CREATED_AT] = cols[TRAIL_EV_created_at];
    p[TRAIL_WP_PREV] = cols[TRAIL_EV_prev_hash];

    const trail_value server = { .type = TRAIL_V_JSON, .s = SERVER_PART, .n = 1 };
    for (size_t i = 0; i < TRAIL_EVENT_COLUMNS; i++)
        if (server_fills[i])
            cols[i] = server;
    if ((rc = trail__event_message(msg, cols)) < 0)
        return trail__err_set(&db->err, rc, "cannot write the event's hashed message");
    /* HEAD hlc MID record_id OP version , old , new , changed TAIL */
    char *piece[7];
    size_t k = 0;
    piece[k++] = msg->data;
    for (char *at = msg->data; (at = strchr(at, SERVER_PART[0])); *at++ = '\0')
        if (k < 7)
            piece[k++] = at + 1;
        else
            k++;
    if (k != 7)
        return trail__err_set(&db->err, TRAIL_EDB, "the event's hashed message has %zu parts", k);
    p[TRAIL_WP_HEAD] = trail_v_text(piece[0]);
    p[TRAIL_WP_MID] = trail_v_text(piece[1]);
    p[TRAIL_WP_OP] = trail_v_text(piece[2]);
    p[TRAIL_WP_TAIL] = trail_v_text(piece[6]);
    return TRAIL_OK;
}

/* What a one-statement write reports (write_sql.h). */
struct one_result {
    const trail_entity *e;
    void *rec; /* receives the record's columns, when not NULL */
    bool found, evented;
    trail_value version; /* the version found; TRAIL_V_NULL on create */
    int64_t hlc;
    char *hash; /* the event's, when one was written: the write's w->hash */
};

/* The trail_row_cb of a one-statement write: its result row into the one_result @userdata. */
static int read_one_result(trail_conn *db, void *row, void *userdata)
{
    struct one_result *r = userdata;
    size_t at = r->e->n_fields + 2;
    trail_value hlc, hash;
    int rc = db->drv->column(db, row, at + TRAIL_WR_VERSION_FOUND, TRAIL_V_INT, &r->version);
    if (rc < 0)
        return rc;
    if ((rc = db->drv->column(db, row, at + TRAIL_WR_HLC, TRAIL_V_INT, &hlc)) < 0)
        return rc;
    if ((rc = db->drv->column(db, row, at + TRAIL_WR_HASH, TRAIL_V_TEXT, &hash)) < 0)
        return rc;
    if (r->rec && (rc = trail__values_load(db, r->e, row, r->rec)) < 0)
        return rc;
    r->found = true;
    r->evented = hlc.type != TRAIL_V_NULL;
    r->hlc = hlc.i;
    if (r->evented && (hash.type == TRAIL_V_NULL || hash.n != TRAIL_SHA256_HEX_LEN))
        return trail__err_set(&db->err, TRAIL_EDB, "the write answered without its event's hash");
    if (r->evented) {
        memcpy(r->hash, hash.s, hash.n);
        r->hash[hash.n] = '\0';
    }
    return 0;
}

/*
 * Runs the one-statement write @w, with the row's parameters @row (@n of
 * them, borrowed) after the event's, through @run. Fills @r; on success
 * raises the clock above the event's hlc, which the server may have raised
 * above the node's latest event.
 */
static int run_one(trail_conn *db, const trail_write_op *w, const trail_value *row, size_t n,
                   trail_write_run run, struct one_result *r)
{
    static const char *const ops[] = { NULL, "insert", "update", "delete" };
    trail_value p[TRAIL_WP_ROW + TRAIL_MAX_FIELDS + 2];
    trail_buf msg = TRAIL_BUF_INIT;
    char event_id[TRAIL_ULID_LEN + 1];
    const char *sql;
    db->retryable = false;
    int rc = trail__write_sql_get(db, w->e, (trail_write_kind)w->kind, w->mask, &sql);
    if (rc < 0)
        return rc;
    if ((rc = bind_event(db, w->ctx, w->e, ops[w->kind], p, &msg, event_id)) < 0)
        goto done;
    memcpy(p + TRAIL_WP_ROW, row, n * sizeof *row);
    if ((rc = run(db, w, sql, p, TRAIL_WP_ROW + n, read_one_result, r)) < 0)
        goto done;
    if (r->evented && r->hlc >= trail_hlc_last(db->clock) &&
        trail_hlc_set_floor(db->clock, r->hlc) < 0)
        rc = trail__err_set(&db->err, TRAIL_EDB, "the event's hlc %" PRId64 " is out of range",
                            r->hlc);
done:
    trail__buf_free(&msg);
    return rc < 0 ? rc : TRAIL_OK;
}

/*
 * An update that sets nothing writes nothing, and has no statement of its
 * own: the record is read under lock, at its version, as a write would.
 * The record read becomes w->rec, the caller's, when asked for.
 */
static int read_locked(trail_conn *db, trail_write_op *w)
{
    int rc = trail__call_begin(db);
    if (rc < 0)
        return rc;
    void *before;
    trail_row old;
    rc = trail__call_end(db, trail__call_lock(db, w, &before, &old, NULL));
    if (rc >= 0 && w->want_record)
        w->rec = before;
    else if (before)
        trail__values_free_record(w->e, before);
    return rc;
}

int trail__write_one(trail_conn *db, trail_write_op *w, trail_write_run run)
{
    const trail_entity *e = w->e;
    w->rec = NULL;
    if (w->kind == TRAIL_WRITE_UPDATE && !w->mask)
        return read_locked(db, w);
    struct one_result r = { .e = e, .hash = w->hash };
    if (w->want_record && !(r.rec = calloc(1, e->record_size)))
        return trail__err_set(&db->err, TRAIL_ENOMEM, "out of memory");
    /* The row's parameters (write_sql.h): a create's as its insert takes them, else id, version. */
    trail_value keyed[TRAIL_MAX_FIELDS + 2];
    const trail_value *row = keyed;
    size_t n = 0;
    if (w->kind == TRAIL_WRITE_CREATE) {
        bool own_id = e->key == TRAIL_KEY_ULID; /* an int64 key is the database's to assign */
        row = w->row->v + !own_id;
        n = e->n_fields + 1 + own_id;
    } else {
        keyed[n++] = w->key;
        keyed[n++] = trail_v_int(w->version);
    }
    for (size_t i = 0; w->kind == TRAIL_WRITE_UPDATE && i < e->n_fields; i++)
        if (w->mask >> i & 1)
            keyed[n++] = w->row->v[i + 2];
    int rc = run_one(db, w, row, n, run, &r);
    if (rc < 0)
        goto fail;
    if (w->kind == TRAIL_WRITE_CREATE && !r.evented) {
        rc = trail__err_set(&db->err, TRAIL_EDB, "%s: the row was written without its event",
                            e->name);
        goto fail;
    }
    if (w->kind != TRAIL_WRITE_CREATE && !r.found) {
        rc = TRAIL_ENOTFOUND;
        goto fail;
    }
    if (w->kind != TRAIL_WRITE_CREATE && r.version.i != w->version) {
        w->version_found = r.version.i;
        rc = TRAIL_ECONFLICT;
        goto fail;
    }
    w->rec = r.rec;
    return TRAIL_OK;

fail:
    if (r.rec)
        trail__values_free_record(e, r.rec);
    return rc;
}
