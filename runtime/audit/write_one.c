/*
 * write_one.c - audited writes as one statement, the client's side: binding
 * the event's values and the hashed message's pieces, and reading back what
 * the statement did (write_sql.h). The statements come from the driver
 * (write_pg.c, write_mysql.c); record.c comes here when the driver has them.
 */
#include "audit/write_one.h"
#include "core/base64.h"
#include "core/context.h"
#include "core/json.h"
#include "audit/event.h"
#include "audit/event_columns.h"
#include "audit/refusal.h"
#include "driver/sql.h"
#include "audit/update_sql.h"
#include "audit/write_sql.h"

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

/* The event's parameters: @p[0 .. TRAIL_WP_ROW), the message's pieces written into @msg. */
static int bind_event(trail_conn *db, const trail_ctx *ctx, const trail_entity *e, const char *op,
                      trail_value *p, trail_buf *msg, char event_id[TRAIL_ULID_LEN + 1])
{
    int rc = db->in_tx ? TRAIL_OK : trail__conn_new_tx(db);
    trail_event ev = {
        .table = e->table, .op = op, .schema_version = e->schema_version, .ctx = ctx
    };
    trail_value cols[TRAIL_EVENT_COLUMNS];
    if (rc < 0 || (rc = trail__event_stamp(db, &ev, NULL, event_id, cols)) < 0)
        return rc;
    p[TRAIL_WP_EVENT_ID] = cols[TRAIL_EV_event_id];
    p[TRAIL_WP_HLC] = cols[TRAIL_EV_hlc];
    p[TRAIL_WP_NODE] = cols[TRAIL_EV_node_id];
    p[TRAIL_WP_TX] = cols[TRAIL_EV_tx_id];
    p[TRAIL_WP_SCHEMA_VERSION] = cols[TRAIL_EV_schema_version];
    for (int i = 0; i < TRAIL_CTX_COLUMNS; i++)
        p[TRAIL_WP_USER + i] = cols[TRAIL_EV_user_id + i];
    p[TRAIL_WP_CREATED_AT] = cols[TRAIL_EV_created_at];

    const trail_value server = { .type = TRAIL_V_JSON, .s = SERVER_PART, .n = 1 };
    for (size_t i = 0; i < TRAIL_EVENT_COLUMNS; i++)
        if (server_fills[i])
            cols[i] = server;
    if ((rc = trail__event_message(msg, cols)) < 0)
        return trail__err_set(&db->err, rc, "cannot write the event's hashed message");
    /* HEAD hlc MID record_id OP version , old , new , changed TAIL prev ] */
    char *piece[8];
    size_t k = 0;
    piece[k++] = msg->data;
    for (char *at = msg->data; (at = strchr(at, SERVER_PART[0])); *at++ = '\0')
        if (k < 8)
            piece[k++] = at + 1;
        else
            k++;
    if (k != 8)
        return trail__err_set(&db->err, TRAIL_EDB, "the event's hashed message has %zu parts", k);
    p[TRAIL_WP_HEAD] = trail_v_text(piece[0]);
    p[TRAIL_WP_MID] = trail_v_text(piece[1]);
    p[TRAIL_WP_OP] = trail_v_text(piece[2]);
    p[TRAIL_WP_TAIL] = trail_v_text(piece[6]);
    return TRAIL_OK;
}

/*
 * What a write's own values weigh where the server takes at most
 * db->max_packet bytes (MariaDB's max_allowed_packet) in a statement, in a
 * string it builds and in a row it sends: in the statement, and in the
 * event's hashed message that the server builds, which holds the row's
 * JSON, an update's twice (before and after). The client knows all of a
 * create's values, an update's new ones, none of a delete's; what only the
 * server knows, the server checks (write_mysql.c), after the client
 * refused, before sending, what it can already tell will not fit.
 */
typedef struct weight {
    uint64_t sent, event; /* bytes */
    size_t heaviest;      /* the field that weighs most; SIZE_MAX for none */
    uint64_t heaviest_bytes;
} weight;

/* What the event's hashed message holds besides the parameters and the fields weighed. */
#define EVENT_FIXED 512

/* Field @f's member of the event JSON with value @v, a comma and its name in `changed` with it. */
static uint64_t member_bytes(const trail_field *f, const trail_value *v)
{
    uint64_t name = strlen(f->name) + 3, member = name + 1;
    if (f->flags & TRAIL_FIELD_OMIT)
        return 0;
    if (f->flags & TRAIL_FIELD_REDACT)
        return name + member + 12;
    switch (v->type) {
    case TRAIL_V_NULL:
        return name + member + 4;
    case TRAIL_V_TEXT:
        return name + member + trail__json_string_len(v->s, v->n);
    case TRAIL_V_JSON:
        return name + member + v->n;
    case TRAIL_V_BLOB:
        return name + member + 2 + trail__base64_encoded_len(v->n);
    default: /* a number, a date or a timestamp */
        return name + member + 32;
    }
}

/* The bytes of parameter @v in the statement: a length of up to 9 bytes before text and blobs. */
static uint64_t sent_bytes(const trail_value *v)
{
    return v->type == TRAIL_V_TEXT || v->type == TRAIL_V_JSON || v->type == TRAIL_V_BLOB
               ? 9 + (uint64_t)v->n
               : 12;
}

/*
 * The weight of the fields of @mask, whose values are @row's; nothing where
 * db has no limit (PostgreSQL), which check_weight() then does not look at.
 */
static void weigh(const trail_conn *db, const trail_entity *e, const trail_row *row, uint64_t mask,
                  weight *w)
{
    *w = (weight){ .heaviest = SIZE_MAX };
    for (size_t i = 0; db->max_packet && i < e->n_fields; i++) {
        if (!(mask >> i & 1))
            continue;
        const trail_value *v = &row->v[i + 2];
        uint64_t event = member_bytes(&e->fields[i], v), sent = sent_bytes(v);
        w->event += event;
        w->sent += sent;
        if (event > w->heaviest_bytes || sent > w->heaviest_bytes) {
            w->heaviest = i;
            w->heaviest_bytes = event > sent ? event : sent;
        }
    }
}

/*
 * TRAIL_OK when the write of @e with the event parameters @p and its own
 * values' weight @w fits db->max_packet; else TRAIL_EINVALID naming the
 * field that weighs most and the limit.
 */
static int check_weight(trail_conn *db, const trail_entity *e, const trail_value *p,
                        const weight *w)
{
    if (!db->max_packet)
        return TRAIL_OK;
    uint64_t params = 0;
    for (int i = 0; i < TRAIL_WP_ROW; i++)
        params += sent_bytes(&p[i]);
    uint64_t event = params + w->event + EVENT_FIXED + TRAIL_EVENT_ROOM;
    uint64_t sent = params + w->sent + EVENT_FIXED;
    if (event <= db->max_packet && sent <= db->max_packet)
        return TRAIL_OK;
    bool named = w->heaviest != SIZE_MAX;
    return trail__err_set(
        &db->err, TRAIL_EINVALID,
        "%s%s%s: too large for MariaDB: its %s would take %llu bytes, more than the "
        "max_allowed_packet of %llu bytes",
        e->name, named ? "." : "", named ? e->fields[w->heaviest].name : "",
        event > sent ? "change event" : "statement",
        (unsigned long long)(event > sent ? event : sent), (unsigned long long)db->max_packet);
}

/* What a one-statement write reports (write_sql.h). */
struct one_result {
    const trail_entity *e;
    void *rec; /* receives the record's columns, when not NULL */
    bool found, evented;
    trail_value version; /* the version found; TRAIL_V_NULL on create */
    int64_t hlc;
};

static int read_one_result(trail_conn *db, void *row, void *userdata)
{
    struct one_result *r = userdata;
    size_t at = r->e->n_fields + 2;
    trail_value hlc;
    int rc = db->drv->column(db, row, at + TRAIL_WR_VERSION_FOUND, TRAIL_V_INT, &r->version);
    if (rc == TRAIL_OK)
        rc = db->drv->column(db, row, at + TRAIL_WR_HLC, TRAIL_V_INT, &hlc);
    if (rc == TRAIL_OK && r->rec)
        rc = trail__values_load(db, r->e, row, r->rec);
    if (rc < 0)
        return rc;
    r->found = true;
    r->evented = hlc.type != TRAIL_V_NULL;
    r->hlc = hlc.i;
    return 0;
}

/*
 * Runs the one-statement write @kind of @e, setting @mask on update, with the
 * row's parameters @row (@n of them) after the event's. Fills @r; on
 * success raises the clock above the event's hlc, which the server may have
 * raised above the node's latest event.
 */
static int run_one(trail_conn *db, const trail_ctx *ctx, const trail_entity *e,
                   trail_write_kind kind, uint64_t mask, const trail_value *row, size_t n,
                   const weight *w, struct one_result *r)
{
    static const char *const ops[] = { NULL, "insert", "update", "delete" };
    trail_value p[TRAIL_WP_ROW + TRAIL_MAX_FIELDS + 2];
    trail_buf msg = TRAIL_BUF_INIT;
    char event_id[TRAIL_ULID_LEN + 1];
    const char *sql;
    db->retryable = false;
    int rc = trail__write_sql_get(db, e, kind, mask, &sql);
    if (rc == TRAIL_OK)
        rc = bind_event(db, ctx, e, ops[kind], p, &msg, event_id);
    if (rc == TRAIL_OK)
        rc = check_weight(db, e, p, w);
    if (rc == TRAIL_OK) {
        memcpy(p + TRAIL_WP_ROW, row, n * sizeof *row);
        rc = db->drv->write(db, sql, p, TRAIL_WP_ROW + n, read_one_result, r);
    }
    if (rc >= 0 && r->evented && r->hlc >= trail_hlc_last(db->clock) &&
        trail_hlc_set_floor(db->clock, r->hlc) < 0)
        rc = trail__err_set(&db->err, TRAIL_EDB, "the event's hlc %" PRId64 " is out of range",
                            r->hlc);
    trail__buf_free(&msg);
    return rc < 0 ? rc : TRAIL_OK;
}

/* A new zeroed record for @r to load into when the caller wants one; NULL otherwise. */
static int one_record(trail_conn *db, const trail_entity *e, void *out, struct one_result *r)
{
    *r = (struct one_result){ .e = e };
    if (out && !(r->rec = calloc(1, e->record_size)))
        return trail__err_set(&db->err, TRAIL_ENOMEM, "out of memory");
    return TRAIL_OK;
}

int trail__write_one_create(trail_conn *db, const trail_ctx *ctx, const trail_entity *e,
                            trail_row *row, void *out)
{
    struct one_result r;
    int rc = one_record(db, e, out, &r);
    if (rc < 0)
        return rc;
    const trail_value *values = e->key == TRAIL_KEY_ULID ? row->v : row->v + 1;
    weight w;
    weigh(db, e, row, UINT64_MAX, &w);
    rc = run_one(db, ctx, e, TRAIL_WRITE_CREATE, 0, values, e->n_fields + 1 + (values == row->v),
                 &w, &r);
    if (rc == TRAIL_OK && !r.evented)
        rc = trail__err_set(&db->err, TRAIL_EDB, "%s: the row was written without its event",
                            e->name);
    if (rc < 0) {
        if (r.rec)
            trail__values_free_record(e, r.rec);
        return rc == TRAIL_EREF || rc == TRAIL_EUNIQUE
                   ? trail__refusal_explain(db, e, row, NULL, rc)
                   : rc;
    }
    if (r.rec)
        trail__values_give_record(e, r.rec, out);
    return TRAIL_OK;
}

/* The update @params (setting @mask) of record @k (@id) at @version, as one statement. */
int trail__write_one_update(trail_conn *db, const trail_ctx *ctx, const trail_entity *e,
                            const void *params, uint64_t mask, const trail_value *k, const char *id,
                            int64_t version, void *out)
{
    trail_row set = { 0 };
    trail__values_apply_update(&set, e, params);
    int rc = trail__values_check_set(db, e, &set, mask);
    if (rc < 0)
        return rc;
    trail_value row[TRAIL_MAX_FIELDS + 2];
    size_t n = 0;
    row[n++] = *k;
    row[n++] = trail_v_int(version);
    for (size_t i = 0; i < e->n_fields; i++)
        if (mask >> i & 1)
            row[n++] = set.v[i + 2];
    struct one_result r;
    if ((rc = one_record(db, e, out, &r)) < 0)
        return rc;
    weight w;
    weigh(db, e, &set, mask, &w);
    rc = run_one(db, ctx, e, TRAIL_WRITE_UPDATE, mask, row, n, &w, &r);
    if (rc == TRAIL_EREF || rc == TRAIL_EUNIQUE)
        rc = trail__refusal_explain(db, e, &set, k, rc);
    else if (rc == TRAIL_OK && !r.found)
        rc = trail__err_set(&db->err, TRAIL_ENOTFOUND, "%s %s: no such record", e->name, id);
    else if (rc == TRAIL_OK && r.version.i != version)
        rc = trail__err_set(&db->err, TRAIL_ECONFLICT,
                            "%s %s: the change is based on version %" PRId64
                            ", but the record is at version %" PRId64,
                            e->name, id, version, r.version.i);
    if (rc < 0) {
        if (r.rec)
            trail__values_free_record(e, r.rec);
        return rc;
    }
    if (r.rec)
        trail__values_give_record(e, r.rec, out);
    return TRAIL_OK;
}

int trail__write_one_delete(trail_conn *db, const trail_ctx *ctx, const trail_entity *e,
                            const trail_value *k, const char *id, int64_t version)
{
    trail_value row[2] = { *k, trail_v_int(version) };
    struct one_result r;
    int rc = one_record(db, e, NULL, &r);
    const weight nothing = { .heaviest = SIZE_MAX };
    if (rc == TRAIL_OK)
        rc = run_one(db, ctx, e, TRAIL_WRITE_DELETE, 0, row, 2, &nothing, &r);
    if (rc == TRAIL_EREF)
        return trail__err_set(&db->err, rc, "%s %s: still referenced by another record", e->name,
                              id);
    if (rc == TRAIL_OK && !r.found)
        return trail__err_set(&db->err, TRAIL_ENOTFOUND, "%s %s: no such record", e->name, id);
    if (rc == TRAIL_OK && r.version.i != version)
        return trail__err_set(&db->err, TRAIL_ECONFLICT,
                              "%s %s: the delete is based on version %" PRId64
                              ", but the record is at version %" PRId64,
                              e->name, id, version, r.version.i);
    return rc;
}
