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
#include "driver/sql.h"
#include "sync/row_values.h"
#include "sync/texts.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static trail_value json_or_null(const char *s)
{
    trail_value v = trail_v_text(s);
    if (s)
        v.type = TRAIL_V_JSON;
    return v;
}

/* Records in trail_conflicts that @ev was kept without changing the row, and why. */
static int conflict(trail_conn *db, const trail__wire_event *ev, const char *resolution)
{
    char id[TRAIL_ULID_LEN + 1];
    trail_ulid u;
    int64_t now = trail__conn_wall_ms(db);
    int rc = trail_ulid_next(db->ids, now, &u);
    if (rc < 0)
        return trail__err_set(&db->err, rc, "cannot make a conflict id");
    trail_ulid_format(id, &u);
    trail_value resolved = resolution ? trail_v_int(now) : (trail_value){ .type = TRAIL_V_NULL };
    trail_value p[11] = { trail_v_text(id),
                          trail_v_text(ev->col[TRAIL_EV_table_name]),
                          trail_v_text(ev->col[TRAIL_EV_record_id]),
                          trail_v_text(ev->col[TRAIL_EV_event_id]),
                          { .type = TRAIL_V_NULL },
                          json_or_null("[]"),
                          json_or_null(ev->col[TRAIL_EV_new_values]),
                          { .type = TRAIL_V_NULL },
                          trail_v_int(now),
                          resolved,
                          trail_v_text(resolution) };
    return db->drv->query(db, db->drv->sql->conflict_insert, p, 11, NULL, NULL, NULL);
}

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

/* The kinds of statement of a table's memo (schemas.h). */
enum { STMT_VERSION, STMT_INSERT, STMT_UPDATE, STMT_DELETE };

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

/*
 * Whether the record @record_id of @table was deleted here: a tombstone,
 * or (deleted by a write of this node, which leaves none) a delete among
 * its events, asked for as one row of the history index, not read whole:
 * the events of a record in their order cost SQLite a sort per insert.
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

static int tombstone(trail_conn *db, const trail__wire_event *ev, int64_t version)
{
    trail_value tomb[5] = { trail_v_text(ev->col[TRAIL_EV_table_name]),
                            trail_v_text(ev->col[TRAIL_EV_record_id]), trail_v_int(version),
                            trail_v_int(ev->hlc), trail_v_text(ev->col[TRAIL_EV_event_id]) };
    return db->drv->query(db, db->drv->sql->tombstone_insert, tomb, 5, NULL, NULL, NULL);
}

/*
 * A reference the engine refused: to a record not here yet (the event
 * waits for it), or to one deleted here. Deleted wins over the reference
 * (SPEC §6): the event is kept without its row, as a conflict, and a
 * record it would have made stays absent for good (a tombstone), so that
 * its later events find it deleted instead of waiting for it. Two
 * connections of one node can stamp a delete before the writes whose
 * removal let it happen (their clocks meet only through the rows), so a
 * node that applies in HLC order sees this without any concurrency.
 */
static int refused_reference(trail_conn *db, const trail__sync_table *t,
                             const trail__row_values *rv, const trail__wire_event *ev,
                             int64_t version, bool insert, trail__effect *out, const char **why)
{
    const trail_entity *e = t->e;
    const trail__sync_schemas *all = t->all;
    bool gone = false;
    /*
     * The descriptions in trail_meta name a reference's key type, not its
     * table: the record is looked for in every table of ULID keys that
     * replicates (ULIDs are unique across tables; an int64 key never
     * replicates).
     */
    for (size_t i = 0; i < e->n_fields && !gone; i++) {
        const trail_value *v = &rv->row.v[i + 2];
        if (e->fields[i].type != TRAIL_TYPE_REF || !rv->set[i] || v->type != TRAIL_V_TEXT)
            continue;
        char id[TRAIL_ULID_LEN + 1];
        snprintf(id, sizeof id, "%.*s", (int)v->n, v->s);
        for (size_t k = 0; all && k < all->n_tables && !gone; k++) {
            const trail__sync_table *x = &all->tables[k];
            if (!x->replicate || x->e->key != TRAIL_KEY_ULID)
                continue;
            int rc = deleted(db, x->e->table, id, &gone);
            if (rc < 0)
                return rc;
        }
    }
    if (!gone) {
        *out = TRAIL__EFFECT_MISSING;
        *why = "missing reference";
        return TRAIL_OK;
    }
    *out = TRAIL__EFFECT_CONFLICT;
    *why = "refers to a record deleted here: delete wins";
    int rc = conflict(db, ev, "delete-wins");
    return rc == TRAIL_OK && insert ? tombstone(db, ev, version) : rc;
}

/* The version of the record's row here, -1 when there is none. */
static int row_version(trail_conn *db, const trail__sync_table *t, const trail_value *key,
                       int64_t *out)
{
    const trail_entity *e = t->e;
    const trail_dialect *d = db->drv->dialect;
    size_t n;
    const char *text = memo_find(t, STMT_VERSION, 0, &n);
    int rc;
    if (!text) {
        trail_buf q = TRAIL_BUF_INIT;
        trail__buf_appendf(&q, "SELECT %cversion%c FROM %c%s%c WHERE %cid%c = ", d->quote, d->quote,
                           d->quote, e->table, d->quote, d->quote, d->quote);
        trail__dialect_param(&q, d, 1);
        if ((rc = trail__sync_text(db, trail__buf_finish(&q), &text)) < 0)
            return rc;
        memo_keep(t, STMT_VERSION, 0, text, 1);
    }
    *out = -1;
    rc = db->drv->query(db, text, key, 1, first_int, out, NULL);
    return rc < 0 ? rc : TRAIL_OK;
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

/* INSERT (id, version, the fields given) or UPDATE SET fields, version WHERE id, version. */
static char *write_sql(const trail_dialect *d, const trail_entity *e, const trail__row_values *rv,
                       bool insert, size_t *n)
{
    trail_buf q = TRAIL_BUF_INIT;
    char c = d->quote;
    int k = 1;
    if (insert) {
        trail__buf_appendf(&q, "INSERT INTO %c%s%c (%cid%c, %cversion%c", c, e->table, c, c, c, c,
                           c);
        for (size_t i = 0; i < e->n_fields; i++)
            if (rv->set[i])
                trail__buf_appendf(&q, ", %c%s%c", c, e->fields[i].name, c);
        trail__buf_appendf(&q, ") VALUES (");
        for (size_t i = 0; i < e->n_fields + 2; i++)
            if (i < 2 || rv->set[i - 2]) {
                trail__buf_appendf(&q, k > 1 ? ", " : "");
                trail__dialect_param(&q, d, k++);
            }
        trail__buf_appendf(&q, ")");
    } else {
        trail__buf_appendf(&q, "UPDATE %c%s%c SET ", c, e->table, c);
        for (size_t i = 0; i < e->n_fields; i++)
            if (rv->set[i]) {
                trail__buf_appendf(&q, "%c%s%c = ", c, e->fields[i].name, c);
                trail__dialect_param(&q, d, k++);
                trail__buf_appendf(&q, ", ");
            }
        trail__buf_appendf(&q, "%cversion%c = ", c, c);
        trail__dialect_param(&q, d, k++);
        trail__buf_appendf(&q, " WHERE %cid%c = ", c, c);
        trail__dialect_param(&q, d, k++);
        trail__buf_appendf(&q, " AND %cversion%c = ", c, c);
        trail__dialect_param(&q, d, k++);
    }
    *n = (size_t)k - 1;
    return trail__buf_finish(&q);
}

/*
 * With @probe_missed (an update tried before the row was read): a row not
 * at version - 1, or not here, or new_values that do not read, change
 * nothing and set *@probe_missed, and the caller goes the long way round.
 */
static int upsert_row(trail_conn *db, const trail__sync_table *t, const trail__wire_event *ev,
                      const trail_value *key, int64_t version, bool insert, trail__effect *out,
                      const char **why, bool *probe_missed)
{
    const trail_entity *e = t->e;
    trail__row_values rv = { .set = { false } };
    const char *nv = ev->col[TRAIL_EV_new_values];
    int rc = nv ? trail__row_values_parse(db, e, nv, strlen(nv), &rv)
                : trail__err_set(&db->err, TRAIL_EINVALID, "%s: an %s without new_values", e->name,
                                 ev->col[TRAIL_EV_op]);
    if (rc < 0 || (insert && (rc = trail__row_values_fill(db, e, &rv)) < 0)) {
        /* The long way looks at the row first: a record not here holds the event unread. */
        if (probe_missed && rc != TRAIL_ENOMEM) {
            *probe_missed = true;
            rc = TRAIL_OK;
        }
        goto done;
    }
    trail_value p[TRAIL_MAX_FIELDS + 4];
    size_t n = 0;
    if (insert) {
        p[n++] = *key;
        p[n++] = trail_v_int(version);
    }
    for (size_t i = 0; i < e->n_fields; i++)
        if (rv.set[i])
            p[n++] = rv.row.v[i + 2];
    if (!insert) {
        p[n++] = trail_v_int(version);
        p[n++] = *key;
        p[n++] = trail_v_int(version - 1);
    }
    uint64_t mask = 0;
    for (size_t i = 0; i < e->n_fields; i++)
        mask |= (uint64_t)rv.set[i] << i;
    int kind = insert ? STMT_INSERT : STMT_UPDATE;
    size_t want = 0;
    const char *text = memo_find(t, kind, mask, &want);
    if (!text) {
        if ((rc = trail__sync_text(db, write_sql(db->drv->dialect, e, &rv, insert, &want), &text)) <
            0)
            goto done;
        memo_keep(t, kind, mask, text, want);
    }
    if (want != n) {
        rc = trail__err_set(&db->err, TRAIL_EDB, "%s: a statement of %zu values for %zu", e->name,
                            want, n);
        goto done;
    }
    int64_t changes = 0;
    rc = guarded(db, text, p, n, &changes);
    if (rc == TRAIL_EREF) {
        rc = refused_reference(db, t, &rv, ev, version, insert, out, why);
    } else if (rc == TRAIL_EUNIQUE) {
        *out = TRAIL__EFFECT_CONFLICT;
        *why = "a unique value is taken here";
        rc = conflict(db, ev, NULL);
    } else if (rc == TRAIL_OK && changes != 1 && probe_missed) {
        *probe_missed = true;
    } else if (rc == TRAIL_OK && changes != 1) { /* the row moved since it was read */
        *out = TRAIL__EFFECT_CONFLICT;
        *why = "concurrent edit";
        rc = conflict(db, ev, NULL);
    }
done:
    trail__row_values_free(&rv);
    return rc;
}

/* @probe_missed: as upsert_row()'s, for the row at version. */
static int delete_row(trail_conn *db, const trail__sync_table *t, const trail__wire_event *ev,
                      const trail_value *key, int64_t version, trail__effect *out, const char **why,
                      bool *probe_missed)
{
    const trail_dialect *d = db->drv->dialect;
    char c = d->quote;
    size_t n;
    const char *text = memo_find(t, STMT_DELETE, 0, &n);
    int rc;
    if (!text) {
        trail_buf q = TRAIL_BUF_INIT;
        trail__buf_appendf(&q, "DELETE FROM %c%s%c WHERE %cid%c = ", c, t->e->table, c, c, c);
        trail__dialect_param(&q, d, 1);
        trail__buf_appendf(&q, " AND %cversion%c = ", c, c);
        trail__dialect_param(&q, d, 2);
        if ((rc = trail__sync_text(db, trail__buf_finish(&q), &text)) < 0)
            return rc;
        memo_keep(t, STMT_DELETE, 0, text, 2);
    }
    trail_value p[2] = { *key, trail_v_int(version) };
    int64_t changes = 0;
    rc = guarded(db, text, p, 2, &changes);
    if (rc == TRAIL_OK && changes != 1 && probe_missed) {
        *probe_missed = true;
        return TRAIL_OK;
    }
    if (rc == TRAIL_EREF || rc == TRAIL_EUNIQUE || (rc == TRAIL_OK && changes != 1)) {
        *out = TRAIL__EFFECT_CONFLICT;
        *why = rc == TRAIL_EREF ? "rows here still refer to it" : "concurrent edit";
        return conflict(db, ev, NULL);
    }
    if (rc < 0)
        return rc;
    return tombstone(db, ev, version);
}

int trail__sync_row_effect(trail_conn *db, const trail__sync_table *t, const trail__wire_event *ev,
                           trail__effect *out, const char **why)
{
    const trail_entity *e = t->e;
    const char *op = ev->col[TRAIL_EV_op];
    int64_t version = ev->col[TRAIL_EV_version] ? strtoll(ev->col[TRAIL_EV_version], NULL, 10) : 0;
    trail_value key = key_of(e, ev->col[TRAIL_EV_record_id]);
    bool insert = strcmp(op, "insert") == 0, del = strcmp(op, "delete") == 0;
    *out = TRAIL__EFFECT_APPLIED;
    *why = NULL;
    if (!insert && !del && strcmp(op, "update") != 0)
        return trail__err_set(&db->err, TRAIL_EINVALID,
                              "%s: an event of op '%s', which this trail does not apply", e->name,
                              op);
    /*
     * An update or delete is first tried on the row at the version it
     * follows: when it is there, the checks below would find it so (and
     * look no further: a tombstone is only looked for when there is no
     * row), so the statement's row count answers them without reading the
     * row first. A unique value or a reference refused comes only from a
     * row the statement changed, so it means the same either way.
     */
    int rc;
    if (!insert) {
        bool missed = false;
        rc = del ? delete_row(db, t, ev, &key, version, out, why, &missed)
                 : upsert_row(db, t, ev, &key, version, false, out, why, &missed);
        if (rc < 0 || !missed)
            return rc;
    }
    int64_t have = -1;
    bool gone = false;
    rc = row_version(db, t, &key, &have);
    if (rc == TRAIL_OK && have < 0)
        rc = deleted(db, ev->col[TRAIL_EV_table_name], ev->col[TRAIL_EV_record_id], &gone);
    if (rc < 0)
        return rc;
    if (gone) { /* a deleted record never comes back (SPEC §6) */
        *out = TRAIL__EFFECT_CONFLICT;
        *why = "deleted here: delete wins";
        return conflict(db, ev, "delete-wins");
    }
    if (insert && have >= 0) {
        *out = TRAIL__EFFECT_CONFLICT;
        *why = "a row with its id is here";
        return conflict(db, ev, NULL);
    }
    if (!insert && have < 0) {
        *out = TRAIL__EFFECT_MISSING;
        *why = "missing record";
        return TRAIL_OK;
    }
    /* issue 18 merges concurrent edits; until then the row stays as it is */
    if (!insert && have != (del ? version : version - 1)) {
        *out = TRAIL__EFFECT_CONFLICT;
        *why = "concurrent edit";
        return conflict(db, ev, NULL);
    }
    if (del)
        return delete_row(db, t, ev, &key, version, out, why, NULL);
    return upsert_row(db, t, ev, &key, version, insert, out, why, NULL);
}
