/*
 * sync/rows.c - row effects of applied events (rows.h).
 *
 * Statements are made per event from the entity rebuilt from trail_meta
 * (sync/schemas.h), and kept by the connection (sync/texts.h), so that
 * each is prepared once. The engine's refusal of a reference to
 * a row that is not here (TRAIL_EREF) or of a unique value another row
 * holds (TRAIL_EUNIQUE) must leave the batch's transaction usable: where a
 * failed statement aborts the transaction (PostgreSQL), the statement runs
 * under a savepoint (guarded()).
 */
#include "sync/rows.h"
#include "audit/values.h"
#include "driver/sql.h"
#include "sync/conflicts.h"
#include "sync/own.h"
#include "sync/resolve.h"
#include "sync/row_values.h"
#include "sync/texts.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int first_int(trail_conn *db, void *row, void *userdata)
{
    trail_value v;
    int rc = db->drv->column(db, row, 0, TRAIL_V_INT, &v);
    if (rc < 0)
        return rc;
    *(int64_t *)userdata = v.i;
    return 1;
}

/* The record's key as its column holds it. */
static trail_value key_of(const trail_entity *e, const char *record_id)
{
    return e->key == TRAIL_KEY_INT64 ? trail_v_int(strtoll(record_id, NULL, 10))
                                     : trail_v_text(record_id);
}

/*
 * The kinds of statement of a table's memo (schemas.h). An update or delete
 * comes in two forms: NEWEST, the usual case of docs/replication.md
 * ("Applying does this incrementally"), whose condition the engine checks;
 * and AT, for a row at a version read first.
 */
enum {
    STMT_VERSION,
    STMT_INSERT,
    STMT_UPDATE_NEWEST,
    STMT_UPDATE_AT,
    STMT_DELETE_NEWEST,
    STMT_DELETE_AT,
    STMT_ROW,
    STMT_REFERS
};

/* The text @t's memo holds for @kind and @mask, with its parameters' count; NULL: none yet. */
static const char *memo_find(const trail__sync_table *t, int kind, uint64_t mask, size_t *n)
{
    const trail__sync_memo *m = t->memo;
    for (size_t i = 0; i < m->n; i++)
        if (m->item[i].kind == kind && m->item[i].mask == mask) {
            *n = m->item[i].n;
            return m->item[i].text;
        }
    return NULL;
}

/* @text (the connection's) is @t's for @kind and @mask from now on; a full memo keeps none. */
static void memo_keep(const trail__sync_table *t, int kind, uint64_t mask, const char *text,
                      size_t n)
{
    trail__sync_memo *m = t->memo;
    if (m->n < TRAIL__SYNC_MEMO_MAX)
        m->item[m->n++] =
            (trail__sync_memo_item){ .kind = kind, .mask = mask, .text = text, .n = n };
}

/* What applying one event needs as it goes. */
typedef struct effect {
    trail_conn *db;
    const trail__sync_table *t;
    const trail__wire_event *ev;
    const char *record_id;
    trail_value key;
    trail__edit edit; /* the event as an edit */
    int64_t seen;     /* the edits its node held */
    trail__effect *out;
    const char **why;
} effect;

/* ---- statements ---------------------------------------------------------- */

/* Only when no edit of the record held here is at or after the event, or above what it saw. */
static void newest_only(trail_buf *q, const trail_dialect *d, int *k)
{
    char c = d->quote;
    trail__buf_appendf(
        &q[0], " AND NOT EXISTS (SELECT 1 FROM %ctrail_change_events%c WHERE %ctable_name%c = ", c,
        c, c, c);
    trail__dialect_param(q, d, (*k)++);
    trail__buf_appendf(q, " AND %crecord_id%c = ", c, c);
    trail__dialect_param(q, d, (*k)++);
    trail__buf_appendf(q, " AND %cop%c <> 'merge' AND (%chlc%c >= ", c, c, c, c);
    trail__dialect_param(q, d, (*k)++);
    trail__buf_appendf(q, " OR %cversion%c > ", c, c);
    trail__dialect_param(q, d, (*k)++);
    trail__buf_appendf(q, "))");
}

/* " WHERE id = ? AND version = ?" */
static void at_version(trail_buf *q, const trail_dialect *d, int *k)
{
    char c = d->quote;
    trail__buf_appendf(q, " WHERE %cid%c = ", c, c);
    trail__dialect_param(q, d, (*k)++);
    trail__buf_appendf(q, " AND %cversion%c = ", c, c);
    trail__dialect_param(q, d, (*k)++);
}

/* The text of statement @kind of @e for the fields of @mask, and its parameters' count. */
static char *build_sql(const trail_dialect *d, const trail_entity *e, int kind, uint64_t mask,
                       size_t *n)
{
    trail_buf q = TRAIL_BUF_INIT;
    char c = d->quote;
    int k = 1;
    switch (kind) {
    case STMT_VERSION:
    case STMT_ROW:
        trail__buf_appendf(&q, "SELECT %cid%c, %cversion%c", c, c, c, c);
        for (size_t i = 0; kind == STMT_ROW && i < e->n_fields; i++)
            trail__buf_appendf(&q, ", %c%s%c", c, e->fields[i].name, c);
        trail__buf_appendf(&q, " FROM %c%s%c WHERE %cid%c = ", c, e->table, c, c, c);
        trail__dialect_param(&q, d, k++);
        break;
    case STMT_REFERS:
        for (size_t i = 0; i < e->n_fields; i++)
            if (mask >> i & 1)
                trail__buf_appendf(&q, "SELECT %cid%c FROM %c%s%c WHERE %c%s%c = ", c, c, c,
                                   e->table, c, c, e->fields[i].name, c);
        trail__dialect_param(&q, d, k++);
        break;
    case STMT_INSERT:
        trail__buf_appendf(&q, "INSERT INTO %c%s%c (%cid%c, %cversion%c", c, e->table, c, c, c, c,
                           c);
        for (size_t i = 0; i < e->n_fields; i++)
            if (mask >> i & 1)
                trail__buf_appendf(&q, ", %c%s%c", c, e->fields[i].name, c);
        trail__buf_appendf(&q, ") VALUES (");
        for (size_t i = 0; i < e->n_fields + 2; i++)
            if (i < 2 || mask >> (i - 2) & 1) {
                trail__buf_appendf(&q, k > 1 ? ", " : "");
                trail__dialect_param(&q, d, k++);
            }
        trail__buf_appendf(&q, ")");
        break;
    case STMT_UPDATE_NEWEST:
    case STMT_UPDATE_AT:
        trail__buf_appendf(&q, "UPDATE %c%s%c SET ", c, e->table, c);
        for (size_t i = 0; i < e->n_fields; i++)
            if (mask >> i & 1) {
                trail__buf_appendf(&q, "%c%s%c = ", c, e->fields[i].name, c);
                trail__dialect_param(&q, d, k++);
                trail__buf_appendf(&q, ", ");
            }
        trail__buf_appendf(&q, "%cversion%c = ", c, c);
        trail__dialect_param(&q, d, k++);
        at_version(&q, d, &k);
        if (kind == STMT_UPDATE_NEWEST)
            newest_only(&q, d, &k);
        break;
    default: /* STMT_DELETE_NEWEST, STMT_DELETE_AT */
        trail__buf_appendf(&q, "DELETE FROM %c%s%c", c, e->table, c);
        at_version(&q, d, &k);
        if (kind == STMT_DELETE_NEWEST)
            newest_only(&q, d, &k);
    }
    *n = (size_t)k - 1;
    return trail__buf_finish(&q);
}

/* The kept text of statement @kind of @t for @mask, made the first time; *@n its parameters. */
static int statement(trail_conn *db, const trail__sync_table *t, int kind, uint64_t mask,
                     const char **text, size_t *n)
{
    if ((*text = memo_find(t, kind, mask, n)))
        return TRAIL_OK;
    int rc = trail__sync_text(db, build_sql(db->drv->dialect, t->e, kind, mask, n), text);
    if (rc == TRAIL_OK)
        memo_keep(t, kind, mask, *text, *n);
    return rc;
}

/*
 * Runs @text with @p, TRAIL_EREF and TRAIL_EUNIQUE undone and returned: on
 * an engine where a failure aborts the transaction, under a savepoint;
 * elsewhere the failed statement undoes itself (a savepoint per event
 * would cost SQLite a statement journal each).
 */
static int guarded(trail_conn *db, const char *text, const trail_value *p, size_t n,
                   int64_t *changes)
{
    const trail_runtime_sql *sql = db->drv->sql;
    if (!db->drv->dialect->failure_aborts_tx)
        return db->drv->query(db, text, p, n, NULL, NULL, changes);
    int rc = db->drv->query(db, sql->savepoint, NULL, 0, NULL, NULL, NULL);
    if (rc < 0)
        return rc;
    rc = db->drv->query(db, text, p, n, NULL, NULL, changes);
    if (rc == TRAIL_EREF || rc == TRAIL_EUNIQUE) {
        trail_err saved = db->err;
        int undo = db->drv->query(db, sql->rollback_to, NULL, 0, NULL, NULL, NULL);
        db->err = saved;
        if (undo < 0)
            return undo;
    }
    int done = db->drv->query(db, sql->release, NULL, 0, NULL, NULL, NULL);
    return rc < 0 ? rc : done;
}

/* Runs statement @kind of @t for @mask with @p (@n of them, as many as it takes). */
static int run(trail_conn *db, const trail__sync_table *t, int kind, uint64_t mask,
               const trail_value *p, size_t n, int64_t *changes)
{
    const char *text;
    size_t want;
    int rc = statement(db, t, kind, mask, &text, &want);
    if (rc < 0)
        return rc;
    if (want != n)
        return trail__err_set(&db->err, TRAIL_EDB, "%s: a statement of %zu values for %zu",
                              t->e->name, want, n);
    return guarded(db, text, p, n, changes);
}

/* ---- what is here -------------------------------------------------------- */

/*
 * Whether the record @record_id of @table was deleted here: a tombstone,
 * or (deleted by a write of this node, which leaves none) a delete among
 * its events, asked for as one row of the history index, not read whole.
 */
static int deleted(trail_conn *db, const char *table, const char *record_id, bool *out)
{
    const trail_runtime_sql *sql = db->drv->sql;
    trail_value p[2] = { trail_v_text(table), trail_v_text(record_id) };
    int64_t version = -1, one = 0;
    int rc = db->drv->query(db, sql->tombstone_get, p, 2, first_int, &version, NULL);
    if (rc == TRAIL_OK && version < 0)
        rc = db->drv->query(db, sql->record_deleted, p, 2, first_int, &one, NULL);
    *out = version >= 0 || one == 1;
    return rc < 0 ? rc : TRAIL_OK;
}

static int tombstone(trail_conn *db, const char *table, const char *record_id, int64_t version,
                     int64_t hlc, const char *event_id)
{
    trail_value tomb[5] = { trail_v_text(table), trail_v_text(record_id), trail_v_int(version),
                            trail_v_int(hlc), trail_v_text(event_id) };
    return db->drv->query(db, db->drv->sql->tombstone_insert, tomb, 5, NULL, NULL, NULL);
}

static int second_int(trail_conn *db, void *row, void *userdata)
{
    trail_value v;
    int rc = db->drv->column(db, row, 1, TRAIL_V_INT, &v);
    if (rc < 0)
        return rc;
    *(int64_t *)userdata = v.i;
    return 1;
}

/* The version of the record's row here, -1 when there is none. */
static int row_version(trail_conn *db, const trail__sync_table *t, const trail_value *key,
                       int64_t *out)
{
    const char *text;
    size_t n;
    int rc = statement(db, t, STMT_VERSION, 0, &text, &n);
    *out = -1;
    if (rc == TRAIL_OK)
        rc = db->drv->query(db, text, key, 1, second_int, out, NULL);
    return rc < 0 ? rc : TRAIL_OK;
}

typedef struct row_json {
    const trail_entity *e;
    trail_buf *out;
    int64_t version;
    bool found;
} row_json;

static int row_json_row(trail_conn *db, void *row, void *userdata)
{
    row_json *r = userdata;
    trail_row values;
    int rc = trail__values_read(db, r->e, row, &values);
    if (rc == TRAIL_OK && (rc = trail__values_json(r->out, r->e, &values)) < 0)
        rc = trail__err_set(&db->err, rc, "out of memory");
    r->found = rc == TRAIL_OK;
    r->version = values.v[1].i;
    return rc < 0 ? rc : 1;
}

/* The record's row here as event JSON into @out (empty when there is none), and its version. */
static int read_row(trail_conn *db, const trail__sync_table *t, const trail_value *key,
                    trail_buf *out, int64_t *version)
{
    const char *text;
    size_t n;
    row_json r = { .e = t->e, .out = out, .version = -1 };
    int rc = statement(db, t, STMT_ROW, 0, &text, &n);
    if (rc == TRAIL_OK)
        rc = db->drv->query(db, text, key, 1, row_json_row, &r, NULL);
    *version = r.found ? r.version : -1;
    return rc < 0 ? rc : TRAIL_OK;
}

/* ---- delete wins over references ----------------------------------------- */

#define CASCADE_DEPTH 16

static int cascade(trail_conn *db, const trail__sync_table *t, const char *id, const char *via,
                   const trail__edit *extra, int depth);

typedef struct ids {
    char (*id)[TRAIL_ULID_LEN + 1];
    size_t n, cap;
} ids;

static int id_row(trail_conn *db, void *row, void *userdata)
{
    ids *l = userdata;
    trail_value v;
    int rc = db->drv->column(db, row, 0, TRAIL_V_TEXT, &v);
    if (rc < 0)
        return rc;
    if (l->n == l->cap && trail__wire_grow((void **)&l->id, &l->cap, l->n, sizeof *l->id) < 0)
        return trail__err_set(&db->err, TRAIL_ENOMEM, "out of memory");
    snprintf(l->id[l->n++], sizeof *l->id, "%.*s", (int)v.n, v.s ? v.s : "");
    return 0;
}

/*
 * Deletes, as cascades, the records of replicated tables whose ref fields
 * name @id: the rows that keep the engine from deleting it. (The
 * descriptions name a reference's key type, not its table; ULIDs are
 * unique across tables, and an int64 key never replicates.)
 */
static int cascade_referrers(trail_conn *db, const trail__sync_table *t, const char *id, int depth)
{
    const trail__sync_schemas *all = t->all;
    trail_value key = trail_v_text(id);
    int rc = TRAIL_OK;
    for (size_t k = 0; all && k < all->n_tables && rc == TRAIL_OK; k++) {
        const trail__sync_table *x = &all->tables[k];
        if (!x->replicate || x->e->key != TRAIL_KEY_ULID)
            continue;
        for (size_t i = 0; i < x->e->n_fields && rc == TRAIL_OK; i++) {
            if (x->e->fields[i].type != TRAIL_TYPE_REF)
                continue;
            const char *text;
            size_t n;
            ids found = { 0 };
            char via[128];
            snprintf(via, sizeof via, "[\"%s\"]", x->e->fields[i].name);
            if ((rc = statement(db, x, STMT_REFERS, UINT64_C(1) << i, &text, &n)) == TRAIL_OK)
                rc = db->drv->query(db, text, &key, 1, id_row, &found, NULL);
            for (size_t j = 0; rc == TRAIL_OK && j < found.n; j++)
                rc = cascade(db, x, found.id[j], via, NULL, depth + 1);
            free(found.id);
        }
    }
    return rc;
}

/*
 * The row JSON @row (replaced) as the record's edits leave it with @extra,
 * an update the engine refused, counted in: at @version, with @extra's
 * fields that no edit after it in @held set. A delete's old_values are the
 * record as its node held it (docs/events.md), and that node holds @extra.
 */
static int with_edit(trail_conn *db, const trail__sync_table *t, trail_buf *row, int64_t version,
                     const trail__edit *extra, const trail__edits *held)
{
    json_t *o = json_loadb(row->data ? row->data : "", row->len, 0, NULL);
    char *text = NULL;
    int rc = TRAIL_OK;
    if (!o || json_object_set_new(o, "version", json_integer(version)) < 0)
        goto fail;
    for (size_t i = 0; i < t->e->n_fields; i++) {
        const char *name = t->e->fields[i].name;
        json_t *v = extra->new_values ? json_object_get(extra->new_values, name) : NULL;
        bool overridden = false;
        for (size_t j = 0; j < held->n && !overridden; j++)
            overridden = trail__edit_cmp(&held->item[j], extra) > 0 &&
                         trail__edit_sets(&held->item[j], name);
        if (v && !overridden && trail__edit_sets(extra, name) && json_object_set(o, name, v) < 0)
            goto fail;
    }
    if (!(text = json_dumps(o, JSON_COMPACT | JSON_REAL_PRECISION(17))))
        goto fail;
    trail__buf_reset(row);
    if (trail__buf_append_str(row, text) < 0)
        goto fail;
    goto done;
fail:
    rc = trail__err_set(&db->err, TRAIL_ENOMEM, "out of memory");
done:
    free(text);
    json_decref(o);
    return rc;
}

/*
 * Record @id of @t goes, as delete wins over a reference (through the ref
 * fields of the JSON array @via): its row (if any) after the rows that
 * refer to it, then a cascade delete event of this node, a tombstone, and
 * the conflicts of that delete. @extra: an edit of the record being
 * applied and not stored yet, which counts as held; may be NULL.
 */
static int cascade(trail_conn *db, const trail__sync_table *t, const char *id, const char *via,
                   const trail__edit *extra, int depth)
{
    trail_value key = trail_v_text(id);
    trail_buf old = TRAIL_BUF_INIT;
    trail__edits held = { 0 };
    trail__edit own = { .changed = NULL };
    int64_t have = -1, changes = 0, hlc = 0;
    int rc;
    if (depth > CASCADE_DEPTH) {
        rc = trail__err_set(&db->err, TRAIL_EDB,
                            "%s %s: references nest deeper than %d records while a delete wins "
                            "over them",
                            t->e->name, id, CASCADE_DEPTH);
        goto done;
    }
    if ((rc = read_row(db, t, &key, &old, &have)) < 0)
        goto done;
    if (have >= 0) {
        trail_value p[2] = { key, trail_v_int(have) };
        rc = run(db, t, STMT_DELETE_AT, 0, p, 2, &changes);
        if (rc == TRAIL_EREF && (rc = cascade_referrers(db, t, id, depth)) == TRAIL_OK)
            rc = run(db, t, STMT_DELETE_AT, 0, p, 2, &changes);
        if (rc < 0)
            goto done;
    }
    if ((rc = trail__edits_read(db, t->e->table, id, &held)) < 0)
        goto done;
    int64_t count = extra ? 1 : 0;
    for (size_t i = 0; i < held.n; i++)
        count += !trail__edit_is(&held.item[i], "delete");
    if (have >= 0 && extra && (rc = with_edit(db, t, &old, have + 1, extra, &held)) < 0)
        goto done;
    trail_event ev = { .table = t->e->table,
                       .record_id = id,
                       .op = "delete",
                       .version = have >= 0 ? have + (extra ? 1 : 0) : count,
                       .old_values = have >= 0 ? old.data : NULL,
                       .changed = via,
                       .schema_version = t->schema_version };
    if ((rc = trail__sync_own_event(db, &ev, own.event_id, &hlc)) < 0 ||
        (rc = tombstone(db, t->e->table, id, ev.version, hlc, own.event_id)) < 0)
        goto done;
    snprintf(own.node_id, sizeof own.node_id, "%s", db->node_id);
    snprintf(own.op, sizeof own.op, "delete");
    own.hlc = hlc;
    own.version = ev.version;
    if (!(own.changed = json_loads(via, 0, NULL))) {
        rc = trail__err_set(&db->err, TRAIL_ENOMEM, "out of memory");
        goto done;
    }
    rc = trail__conflicts_record(db, t, id, &own, &held);
    if (rc == TRAIL_OK && extra) {
        trail__edits one = { .item = (trail__edit *)extra, .n = 1 };
        rc = trail__conflicts_record(db, t, id, &own, &one);
    }
done:
    trail__edit_free(&own);
    trail__edits_free(&held);
    trail__buf_free(&old);
    return rc;
}

/*
 * A reference the engine refused, of the edit being applied: to a record
 * not here yet (the event waits for it), or to one deleted here, over
 * which the delete wins: the record of the edit goes (a cascade), whether
 * it had a row here (an update) or was to have one (an insert).
 */
static int refused_reference(effect *x, const trail__row_values *rv)
{
    trail_conn *db = x->db;
    const trail_entity *e = x->t->e;
    const trail__sync_schemas *all = x->t->all;
    trail_buf via = TRAIL_BUF_INIT;
    bool any = false;
    int rc = TRAIL_OK;
    trail__buf_appendf(&via, "[");
    for (size_t i = 0; i < e->n_fields && rc == TRAIL_OK; i++) {
        const trail_value *v = &rv->row.v[i + 2];
        bool gone = false;
        if (e->fields[i].type != TRAIL_TYPE_REF || !rv->set[i] || v->type != TRAIL_V_TEXT)
            continue;
        char id[TRAIL_ULID_LEN + 1];
        snprintf(id, sizeof id, "%.*s", (int)v->n, v->s);
        for (size_t k = 0; all && k < all->n_tables && !gone && rc == TRAIL_OK; k++) {
            const trail__sync_table *y = &all->tables[k];
            if (y->replicate && y->e->key == TRAIL_KEY_ULID)
                rc = deleted(db, y->e->table, id, &gone);
        }
        if (gone) {
            trail__buf_appendf(&via, "%s\"%s\"", any ? "," : "", e->fields[i].name);
            any = true;
        }
    }
    trail__buf_appendf(&via, "]");
    if (rc == TRAIL_OK && !any) {
        *x->out = TRAIL__EFFECT_MISSING;
        *x->why = "missing reference";
    } else if (rc == TRAIL_OK) {
        *x->out = TRAIL__EFFECT_CONFLICT;
        *x->why = "refers to a record deleted here: delete wins";
        rc = via.data ? cascade(db, x->t, x->record_id, via.data, &x->edit, 0)
                      : trail__err_set(&db->err, TRAIL_ENOMEM, "out of memory");
    }
    trail__buf_free(&via);
    return rc;
}

/* ---- writing the row ----------------------------------------------------- */

/*
 * The event's new_values as column values, of the fields it sets (an
 * update or resolve: those of its changed; an insert: every one, those it
 * lacks filled); *@mask says which. A value that does not read is a
 * failure, with db's error naming the field.
 */
static int event_values(effect *x, bool insert, trail__row_values *rv, uint64_t *mask)
{
    trail_conn *db = x->db;
    const trail_entity *e = x->t->e;
    const char *nv = x->ev->col[TRAIL_EV_new_values];
    int rc = nv ? trail__row_values_parse(db, e, nv, strlen(nv), rv)
                : trail__err_set(&db->err, TRAIL_EINVALID, "%s: an %s without new_values", e->name,
                                 x->ev->col[TRAIL_EV_op]);
    if (rc == TRAIL_OK && insert)
        rc = trail__row_values_fill(db, e, rv);
    *mask = 0;
    for (size_t i = 0; rc == TRAIL_OK && i < e->n_fields; i++) {
        if (!insert && !trail__edit_sets(&x->edit, e->fields[i].name))
            rv->set[i] = false;
        *mask |= (uint64_t)rv->set[i] << i;
    }
    return rc;
}

/* The engine's refusal of a reference or a unique value, turned into the event's effect. */
static int refused(effect *x, int rc, const trail__row_values *rv)
{
    int loaded = rc == TRAIL_EREF || rc == TRAIL_EUNIQUE
                     ? trail__edit_values(x->db, x->ev, &x->edit)
                     : TRAIL_OK;
    if (loaded < 0)
        return loaded;
    if (rc == TRAIL_EREF)
        return refused_reference(x, rv);
    if (rc != TRAIL_EUNIQUE)
        return rc;
    *x->out = TRAIL__EFFECT_CONFLICT;
    *x->why = "a unique value is taken here";
    return trail__conflict_alone(x->db, x->t, x->record_id, &x->edit);
}

/*
 * The usual case of an update or delete, tried before anything is read:
 * the row at what the event saw, no edit held at or after it. *@missed
 * when the engine found it otherwise (nothing changed then).
 */
static int newest(effect *x, bool del, bool *missed)
{
    trail_conn *db = x->db;
    const trail__wire_event *ev = x->ev;
    trail__row_values rv = { .set = { false } };
    trail_value p[TRAIL_MAX_FIELDS + 7];
    size_t n = 0;
    uint64_t mask = 0;
    int64_t changes = 0;
    int rc = TRAIL_OK;
    *missed = false;
    if (!del && (rc = event_values(x, false, &rv, &mask)) < 0) {
        /* The long way reads the row first: a record not here holds the event unread. */
        if (rc != TRAIL_ENOMEM)
            *missed = true, rc = TRAIL_OK;
        goto done;
    }
    for (size_t i = 0; i < x->t->e->n_fields; i++)
        if (mask >> i & 1)
            p[n++] = rv.row.v[i + 2];
    if (!del)
        p[n++] = trail_v_int(x->edit.version);
    p[n++] = x->key;
    p[n++] = trail_v_int(x->seen);
    p[n++] = trail_v_text(ev->col[TRAIL_EV_table_name]);
    p[n++] = trail_v_text(x->record_id);
    p[n++] = trail_v_int(ev->hlc);
    p[n++] = trail_v_int(x->seen);
    rc = run(db, x->t, del ? STMT_DELETE_NEWEST : STMT_UPDATE_NEWEST, mask, p, n, &changes);
    if (rc == TRAIL_OK && changes != 1)
        *missed = true;
    else if (rc == TRAIL_OK && del)
        rc = tombstone(db, ev->col[TRAIL_EV_table_name], x->record_id, x->seen, ev->hlc,
                       ev->col[TRAIL_EV_event_id]);
    else if (rc == TRAIL_EREF && del)
        *missed = true, rc = TRAIL_OK; /* rows refer to it: the long way deletes them first */
    else if (rc < 0)
        rc = refused(x, rc, &rv);
done:
    trail__row_values_free(&rv);
    return rc;
}

/*
 * Where the merged row differs from the event's own new_values, a merge
 * event of this node says so (docs/replication.md, "Merge events").
 */
static int merge_event(effect *x)
{
    trail_conn *db = x->db;
    trail_buf row = TRAIL_BUF_INIT, changed = TRAIL_BUF_INIT;
    int64_t version = -1;
    json_t *now = NULL, *theirs = x->edit.new_values;
    int rc = read_row(db, x->t, &x->key, &row, &version);
    if (rc < 0 || version < 0 || !json_is_object(theirs))
        goto done;
    if (!(now = json_loadb(row.data, row.len, 0, NULL))) {
        rc = trail__err_set(&db->err, TRAIL_EDB, "%s %s: the merged row is no JSON", x->t->e->name,
                            x->record_id);
        goto done;
    }
    bool any = false;
    const char *name;
    json_t *v;
    trail__buf_appendf(&changed, "[");
    json_object_foreach(now, name, v)
    {
        if (strcmp(name, "id") == 0 || strcmp(name, "version") == 0 ||
            json_equal(v, json_object_get(theirs, name)))
            continue;
        trail__buf_appendf(&changed, "%s\"%s\"", any ? "," : "", name);
        any = true;
    }
    trail__buf_appendf(&changed, "]");
    if (!any)
        goto done;
    if (!changed.data) {
        rc = trail__err_set(&db->err, TRAIL_ENOMEM, "out of memory");
        goto done;
    }
    char id[TRAIL_ULID_LEN + 1];
    trail_event ev = { .table = x->t->e->table,
                       .record_id = x->record_id,
                       .op = "merge",
                       .version = version,
                       .old_values = x->ev->col[TRAIL_EV_new_values],
                       .new_values = row.data,
                       .changed = changed.data,
                       .schema_version = x->t->schema_version };
    rc = trail__sync_own_event(db, &ev, id, NULL);
done:
    json_decref(now);
    trail__buf_free(&row);
    trail__buf_free(&changed);
    return rc;
}

/* An update or resolve of the row at @have, merged with the edits held after it. */
static int merge_update(effect *x, int64_t have, const trail__edits *held)
{
    trail_conn *db = x->db;
    const trail_entity *e = x->t->e;
    trail__row_values rv = { .set = { false } };
    trail_value p[TRAIL_MAX_FIELDS + 3];
    size_t n = 0;
    uint64_t mask = 0;
    int64_t changes = 0;
    bool later = false;
    int rc = event_values(x, false, &rv, &mask);
    for (size_t j = 0; rc == TRAIL_OK && j < held->n; j++) {
        const trail__edit *y = &held->item[j];
        if (trail__edit_cmp(y, &x->edit) <= 0)
            continue;
        later = true;
        for (size_t i = 0; i < e->n_fields; i++)
            if (trail__edit_sets(y, e->fields[i].name))
                mask &= ~(UINT64_C(1) << i);
    }
    if (rc < 0)
        goto done;
    for (size_t i = 0; i < e->n_fields; i++)
        if (mask >> i & 1)
            p[n++] = rv.row.v[i + 2];
    p[n++] = trail_v_int(have + 1);
    p[n++] = x->key;
    p[n++] = trail_v_int(have);
    rc = run(db, x->t, STMT_UPDATE_AT, mask, p, n, &changes);
    if (rc == TRAIL_OK && changes != 1)
        rc = trail__err_set(&db->err, TRAIL_EDB, "%s %s: the row moved while it was merged",
                            e->name, x->record_id);
    else if (rc == TRAIL_OK && (later || have != x->seen))
        rc = merge_event(x);
    else if (rc < 0)
        rc = refused(x, rc, &rv);
done:
    trail__row_values_free(&rv);
    return rc;
}

/*
 * An insert: kept without its row effect where the record was deleted
 * here (delete wins) or its id is taken (only a forged id does it); the
 * engine's refusal tells the latter, so that the usual insert reads nothing.
 */
static int insert_row(effect *x)
{
    trail_conn *db = x->db;
    trail__row_values rv = { .set = { false } };
    trail_value p[TRAIL_MAX_FIELDS + 2];
    size_t n = 0;
    uint64_t mask = 0;
    int64_t changes = 0, have = -1;
    bool gone = false;
    int rc = deleted(db, x->t->e->table, x->record_id, &gone);
    if (rc == TRAIL_OK && gone) {
        *x->out = TRAIL__EFFECT_CONFLICT;
        *x->why = "deleted here: delete wins";
        goto done;
    }
    if (rc < 0 || (rc = event_values(x, true, &rv, &mask)) < 0)
        goto done;
    p[n++] = x->key;
    p[n++] = trail_v_int(x->edit.version);
    for (size_t i = 0; i < x->t->e->n_fields; i++)
        if (mask >> i & 1)
            p[n++] = rv.row.v[i + 2];
    rc = run(db, x->t, STMT_INSERT, mask, p, n, &changes);
    if (rc == TRAIL_EUNIQUE) {
        int found = row_version(db, x->t, &x->key, &have);
        if (found < 0) {
            rc = found;
            goto done;
        }
    }
    if (rc == TRAIL_EUNIQUE && have >= 0) {
        *x->out = TRAIL__EFFECT_CONFLICT;
        *x->why = "a row with its id is here";
        if ((rc = trail__edit_values(db, x->ev, &x->edit)) == TRAIL_OK)
            rc = trail__conflict_alone(db, x->t, x->record_id, &x->edit);
    } else if (rc < 0) {
        rc = refused(x, rc, &rv);
    }
done:
    trail__row_values_free(&rv);
    return rc;
}

/* A delete of the row at @have, whatever the version the event deleted: delete wins. */
static int delete_row(effect *x, int64_t have)
{
    trail_value p[2] = { x->key, trail_v_int(have) };
    int64_t changes = 0;
    int rc = run(x->db, x->t, STMT_DELETE_AT, 0, p, 2, &changes);
    if (rc == TRAIL_EREF && (rc = cascade_referrers(x->db, x->t, x->record_id, 0)) == TRAIL_OK)
        rc = run(x->db, x->t, STMT_DELETE_AT, 0, p, 2, &changes);
    if (rc == TRAIL_OK && changes != 1)
        rc = trail__err_set(&x->db->err, TRAIL_EDB, "%s %s: the row moved while it was deleted",
                            x->t->e->name, x->record_id);
    if (rc < 0)
        return rc;
    return tombstone(x->db, x->t->e->table, x->record_id, have, x->ev->hlc,
                     x->ev->col[TRAIL_EV_event_id]);
}

/* The long way: the row and the record's edits read first. */
static int apply_read(effect *x, bool del)
{
    trail_conn *db = x->db;
    const char *table = x->ev->col[TRAIL_EV_table_name];
    trail__edits held = { 0 };
    int64_t have = -1;
    bool gone = false;
    int rc = trail__edit_values(db, x->ev, &x->edit);
    if (rc == TRAIL_OK)
        rc = row_version(db, x->t, &x->key, &have);
    if (rc == TRAIL_OK && have < 0)
        rc = deleted(db, table, x->record_id, &gone);
    if (rc < 0)
        return rc;
    if (have < 0 && !gone) {
        *x->out = TRAIL__EFFECT_MISSING;
        *x->why = "missing record";
        return TRAIL_OK;
    }
    if ((rc = trail__edits_read(db, table, x->record_id, &held)) < 0 ||
        (rc = trail__conflicts_record(db, x->t, x->record_id, &x->edit, &held)) < 0)
        goto done;
    if (gone) {
        *x->out = TRAIL__EFFECT_CONFLICT;
        *x->why = "deleted here: delete wins";
    } else if (del) {
        rc = delete_row(x, have);
    } else {
        rc = merge_update(x, have, &held);
    }
done:
    trail__edits_free(&held);
    return rc;
}

int trail__sync_row_effect(trail_conn *db, const trail__sync_table *t, const trail__wire_event *ev,
                           trail__effect *out, const char **why)
{
    const trail_entity *e = t->e;
    const char *op = ev->col[TRAIL_EV_op];
    bool insert = strcmp(op, "insert") == 0, del = strcmp(op, "delete") == 0;
    *out = TRAIL__EFFECT_APPLIED;
    *why = NULL;
    if (strcmp(op, "merge") == 0)
        return TRAIL_OK; /* inert everywhere (docs/replication.md, "Merge events") */
    if (!insert && !del && strcmp(op, "update") != 0 && strcmp(op, "resolve") != 0)
        return trail__err_set(&db->err, TRAIL_EINVALID,
                              "%s: an event of op '%s', which this trail does not apply", e->name,
                              op);
    effect x = { .db = db,
                 .t = t,
                 .ev = ev,
                 .record_id = ev->col[TRAIL_EV_record_id],
                 .key = key_of(e, ev->col[TRAIL_EV_record_id]),
                 .out = out,
                 .why = why };
    int rc = trail__edit_of_event(db, ev, &x.edit);
    if (rc < 0)
        return rc;
    x.seen = del ? x.edit.version : x.edit.version - 1;
    bool missed = false;
    if (insert)
        rc = insert_row(&x);
    else if ((rc = newest(&x, del, &missed)) == TRAIL_OK && missed)
        rc = apply_read(&x, del);
    /* A decision closes its conflict whatever became of the row (a delete may have won). */
    if (rc == TRAIL_OK && *out != TRAIL__EFFECT_MISSING && strcmp(op, "resolve") == 0)
        rc = trail__conflict_resolved_by(db, ev);
    trail__edit_free(&x.edit);
    return rc;
}
