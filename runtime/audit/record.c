/*
 * record.c - the audited operations behind every generated function.
 *
 * A write runs in its own transaction, or inside the caller's trail_begin()
 * under a savepoint, so that a failed call leaves nothing of itself behind
 * either way: (1) the row is read and locked, (2) written with its version
 * checked, (3) its change event is recorded, then the transaction commits.
 *
 * Where the driver can build the event on the server (trail_driver.write:
 * PostgreSQL, MariaDB), the three steps are one statement and the call one
 * round trip: write_one.c.
 */
#define _POSIX_C_SOURCE 200809L /* nanosleep */
#include "core/context.h"
#include "audit/event.h"
#include "audit/schema_check.h"
#include "driver/sql.h"
#include "audit/update_sql.h"
#include "audit/values.h"
#include "audit/refusal.h"
#include "audit/write_one.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- transactions ------------------------------------------------------ */

/* Savepoint statements go through the statement cache like any other. */
static int run_tx_statement(trail_conn *db, const char *sql)
{
    return db->drv->query(db, sql, NULL, 0, NULL, NULL, NULL);
}

static int call_begin(trail_conn *db)
{
    db->retryable = false;
    if (db->in_tx)
        return run_tx_statement(db, db->drv->sql->savepoint);
    int rc = trail__conn_new_tx(db);
    return rc < 0 ? rc : db->drv->begin(db);
}

/* Ends a call: commits (or releases) on success, undoes it on failure keeping its message. */
static int call_end(trail_conn *db, int rc)
{
    if (rc >= 0) {
        rc = db->in_tx ? run_tx_statement(db, db->drv->sql->release) : db->drv->commit(db);
        if (rc >= 0)
            return rc;
    }
    trail_err saved = db->err;
    if (db->in_tx) {
        run_tx_statement(db, db->drv->sql->rollback_to);
        run_tx_statement(db, db->drv->sql->release);
    } else {
        db->drv->rollback(db);
    }
    db->err = saved;
    return rc;
}

static int check_args(trail_conn *db, const trail_entity *e, const void *p)
{
    if (!db || !db->drv)
        return TRAIL_EARG;
    if (!e || !p)
        return trail__err_set(&db->err, TRAIL_EARG, "a required argument is NULL");
    if (!e->sql[db->drv->id])
        return trail__err_set(&db->err, TRAIL_EARG, "%s was generated without the %s driver",
                              e->name, db->drv->name);
    if (db->node_id[0] == '\0')
        return trail__err_set(&db->err, TRAIL_EARG,
                              "the database is not migrated: call the schema's _migrate first");
    int rc = e->schema ? trail__schema_check(db, e->schema) : TRAIL_OK;
    if (rc < 0)
        return rc;
    trail__err_clear(&db->err);
    return TRAIL_OK;
}

/* check_args() for a write: the context too, before anything is sent. */
static int check_write(trail_conn *db, const trail_ctx *ctx, const trail_entity *e, const void *p)
{
    int rc = check_args(db, e, p);
    return rc < 0 ? rc : trail__ctx_check(&db->err, ctx);
}

/* The key as a bound value and as text for messages and events. */
static trail_value key_bind(const trail_entity *e, trail_key key, char text[24])
{
    if (e->key == TRAIL_KEY_INT64) {
        snprintf(text, 24, "%" PRId64, key.num);
        return trail_v_int(key.num);
    }
    return trail_v_text(key.text);
}

/*
 * A caller's key: bound in *@k, as text in *@id (pointing into @text or the
 * key). TRAIL_EARG for a ULID key that is NULL; TRAIL_ENOTFOUND, without
 * asking the database, for one that is no ULID (lower case, a space, not
 * ASCII), which no record has: MariaDB's ASCII key columns would pad a
 * trailing space away, and refuse a character outside ASCII with an error.
 */
static int key_arg(trail_conn *db, const trail_entity *e, trail_key key, char text[24],
                   trail_value *k, const char **id)
{
    if (e->key == TRAIL_KEY_ULID && !key.text)
        return trail__err_set(&db->err, TRAIL_EARG, "%s: no id given", e->name);
    *k = key_bind(e, key, text);
    *id = e->key == TRAIL_KEY_INT64 ? text : key.text;
    if (e->key == TRAIL_KEY_ULID && !trail_ulid_valid(key.text))
        return trail__err_set(&db->err, TRAIL_ENOTFOUND, "%s %.40s: no such record", e->name,
                              key.text);
    return TRAIL_OK;
}

static const char *key_text(const trail_entity *e, const trail_row *row)
{
    return e->key == TRAIL_KEY_INT64 ? row->id_text : row->v[0].s;
}

/* ---- reading rows ------------------------------------------------------- */

/* Loads the first row of a query into a fresh record. */
struct load_one {
    const trail_entity *e;
    void *rec;
    bool found;
};

static int load_one_row(trail_conn *db, void *row, void *userdata)
{
    struct load_one *lo = userdata;
    int rc = trail__values_load(db, lo->e, row, lo->rec);
    if (rc < 0)
        return rc;
    lo->found = true;
    return 1;
}

/*
 * Runs @sql and loads its row into a new record in *@rec (the caller frees
 * it with trail__values_free_record()); TRAIL_ENOTFOUND when there is none.
 */
static int query_record(trail_conn *db, const trail_entity *e, const char *sql,
                        const trail_value *params, size_t n, void **rec)
{
    struct load_one lo = { e, calloc(1, e->record_size), false };
    if (!lo.rec)
        return trail__err_set(&db->err, TRAIL_ENOMEM, "out of memory");
    int rc = db->drv->query(db, sql, params, n, load_one_row, &lo, NULL);
    if (rc >= 0 && !lo.found)
        rc = TRAIL_ENOTFOUND;
    if (rc < 0) {
        free(lo.rec);
        return rc;
    }
    *rec = lo.rec;
    return TRAIL_OK;
}

/* A new record holding copies of @row, for a caller's @out. */
static int row_record(trail_conn *db, const trail_entity *e, const trail_row *row, void **rec)
{
    if (!(*rec = calloc(1, e->record_size)))
        return trail__err_set(&db->err, TRAIL_ENOMEM, "out of memory");
    int rc = trail__values_store(db, e, row, *rec);
    if (rc < 0) {
        free(*rec);
        *rec = NULL;
    }
    return rc;
}

/* ---- writes ------------------------------------------------------------- */

/* Builds the event of an operation and records it. */
static int record_event(trail_conn *db, const trail_ctx *ctx, const trail_entity *e, const char *op,
                        const trail_row *old, const trail_row *new_row, const char *record_id,
                        int64_t version)
{
    trail_buf o = TRAIL_BUF_INIT, n = TRAIL_BUF_INIT, c = TRAIL_BUF_INIT;
    size_t count;
    int rc = old ? trail__values_json(&o, e, old) : TRAIL_OK;
    if (rc == TRAIL_OK && new_row)
        rc = trail__values_json(&n, e, new_row);
    if (rc == TRAIL_OK)
        rc = trail__values_changed_json(&c, e, old, new_row, &count);
    if (rc < 0) {
        rc = trail__err_set(&db->err, rc, "%s %s: cannot write the event's JSON", e->name,
                            record_id);
    } else {
        trail_event ev = { .table = e->table,
                           .record_id = record_id,
                           .op = op,
                           .version = version,
                           .old_values = old ? o.data : NULL,
                           .new_values = new_row ? n.data : NULL,
                           .changed = c.data,
                           .schema_version = e->schema_version,
                           .ctx = ctx };
        rc = trail__event_record(db, &ev);
    }
    trail__buf_free(&o);
    trail__buf_free(&n);
    trail__buf_free(&c);
    return rc;
}

/* Reads back the int64 key of a RETURNING insert. */
static int read_new_id(trail_conn *db, void *row, void *userdata)
{
    trail_value v;
    int rc = db->drv->column(db, row, 0, TRAIL_V_INT, &v);
    if (rc == TRAIL_OK)
        *(int64_t *)userdata = v.i;
    return rc;
}

static int create_once(trail_conn *db, const trail_ctx *ctx, const trail_entity *e,
                       const void *params, void *out)
{
    int rc = check_write(db, ctx, e, params);
    if (rc < 0)
        return rc;
    const trail_entity_sql *sql = e->sql[db->drv->id];
    trail_row row;
    char id[TRAIL_ULID_LEN + 1];
    row.v[1] = trail_v_int(1);
    if ((rc = trail__values_of_create(db, &row, e, params)) < 0 ||
        (rc = trail__values_check(db, e, &row)) < 0)
        return rc;
    if (e->key == TRAIL_KEY_ULID) {
        trail_ulid u;
        if ((rc = trail_ulid_next(db->ids, TRAIL_HLC_MS(trail_hlc_now(db->clock)), &u)) < 0)
            return trail__err_set(&db->err, rc, "cannot make an id");
        row.v[0] = trail_v_text(trail_ulid_format(id, &u));
    }
    if (db->drv->write)
        return trail__write_one_create(db, ctx, e, &row, out);

    if ((rc = call_begin(db)) < 0)
        return rc;
    if (e->key == TRAIL_KEY_ULID) {
        rc = db->drv->query(db, sql->insert, row.v, e->n_fields + 2, NULL, NULL, NULL);
    } else {
        int64_t new_id = 0;
        rc =
            db->drv->query(db, sql->insert, row.v + 1, e->n_fields + 1, read_new_id, &new_id, NULL);
        row.v[0] = trail_v_int(new_id);
        snprintf(row.id_text, sizeof row.id_text, "%" PRId64, new_id);
    }
    if (rc >= 0)
        rc = record_event(db, ctx, e, "insert", NULL, &row, key_text(e, &row), 1);
    /* The row as stored is the row as bound: @out is made from it, not read back. */
    void *rec = NULL;
    if (rc >= 0 && out)
        rc = row_record(db, e, &row, &rec);
    if ((rc = call_end(db, rc)) < 0) {
        if (rec)
            trail__values_free_record(e, rec);
        return rc == TRAIL_EREF || rc == TRAIL_EUNIQUE
                   ? trail__refusal_explain(db, e, &row, NULL, rc)
                   : rc;
    }
    if (rec)
        trail__values_give_record(e, rec, out);
    return TRAIL_OK;
}

/*
 * Step (1) of an update or delete, inside the call's transaction: reads and
 * locks the row @k into a new record *@before (and its values into @old),
 * and checks that it is still at @version. On failure *@before may hold the
 * row read (trail__values_free_record() it) or NULL.
 */
static int lock_at_version(trail_conn *db, const trail_entity *e, const trail_value *k,
                           const char *id, int64_t version, const char *what, void **before,
                           trail_row *old)
{
    *before = NULL;
    int rc = query_record(db, e, e->sql[db->drv->id]->lock, k, 1, before);
    if (rc == TRAIL_ENOTFOUND)
        return trail__err_set(&db->err, rc, "%s %s: no such record", e->name, id);
    if (rc < 0)
        return rc;
    trail__values_of_record(old, e, *before);
    if (old->v[1].i != version)
        return trail__err_set(&db->err, TRAIL_ECONFLICT,
                              "%s %s: the %s is based on version %" PRId64
                              ", but the record is at version %" PRId64,
                              e->name, id, what, version, old->v[1].i);
    return TRAIL_OK;
}

static int update_once(trail_conn *db, const trail_ctx *ctx, const trail_entity *e,
                       const void *params, void *out)
{
    int rc = check_write(db, ctx, e, params);
    if (rc < 0)
        return rc;
    const char *base = params;
    trail_key key = { 0 };
    int64_t version;
    memcpy(&version, base + e->update_version_at, sizeof version);
    if (e->key == TRAIL_KEY_INT64)
        memcpy(&key.num, base + e->update_id_at, sizeof key.num);
    else
        memcpy(&key.text, base + e->update_id_at, sizeof key.text);
    char id_text[24];
    trail_value k;
    const char *id = NULL; /* set by key_arg(); said for -O3's flow analysis */
    if ((rc = key_arg(db, e, key, id_text, &k, &id)) < 0)
        return rc;
    if ((rc = trail__values_check_update(db, e, params)) < 0)
        return rc;
    uint64_t set;
    memcpy(&set, base + e->update_set_at, sizeof set);
    if (db->drv->write && set) /* with nothing set, it only reads: below */
        return trail__write_one_update(db, ctx, e, params, set, &k, id, version, out);

    if ((rc = call_begin(db)) < 0)
        return rc;
    void *before;
    trail_row old, new_row;
    if ((rc = lock_at_version(db, e, &k, id, version, "change", &before, &old)) < 0)
        goto done;
    new_row = old;
    trail__values_apply_update(&new_row, e, params);
    if ((rc = trail__values_check(db, e, &new_row)) < 0)
        goto done;
    /* The update binds the changed fields, then id and version. */
    trail_value bind[TRAIL_MAX_FIELDS + 2];
    uint64_t mask = 0;
    size_t n = 0;
    for (size_t i = 0; i < e->n_fields; i++)
        if (!trail__values_equal(&old.v[i + 2], &new_row.v[i + 2])) {
            mask |= UINT64_C(1) << i;
            bind[n++] = new_row.v[i + 2];
        }
    if (mask == 0)
        goto done; /* nothing changes: no write, no event, same version */
    bind[n++] = old.v[0];
    bind[n++] = old.v[1];
    const char *update;
    int64_t changed = 0;
    if ((rc = trail__update_sql(db, e, mask, &update)) >= 0)
        rc = db->drv->query(db, update, bind, n, NULL, NULL, &changed);
    if (rc >= 0 && changed != 1)
        rc = trail__err_set(&db->err, TRAIL_ECONFLICT, "%s %s: changed by someone else meanwhile",
                            e->name, id);
    if (rc >= 0) {
        new_row.v[1] = trail_v_int(version + 1);
        rc = record_event(db, ctx, e, "update", &old, &new_row, id, version + 1);
    }
    if (rc >= 0 && out) {
        /* The row as written is @new_row, which borrows from @before: copy it first. */
        void *after;
        if ((rc = row_record(db, e, &new_row, &after)) >= 0) {
            trail__values_free_record(e, before);
            before = after;
        }
    }
done:
    rc = call_end(db, rc);
    if (rc == TRAIL_EREF || rc == TRAIL_EUNIQUE) /* only the write raises them: new_row is set */
        rc = trail__refusal_explain(db, e, &new_row, &new_row.v[0], rc);
    if (rc >= 0)
        trail__values_give_record(e, before, out);
    else if (before)
        trail__values_free_record(e, before);
    return rc;
}

static int delete_once(trail_conn *db, const trail_ctx *ctx, const trail_entity *e, trail_key key,
                       int64_t version)
{
    int rc = check_write(db, ctx, e, e);
    if (rc < 0)
        return rc;
    const trail_entity_sql *sql = e->sql[db->drv->id];
    char id_text[24];
    trail_value k;
    const char *id = NULL; /* set by key_arg(); said for -O3's flow analysis */
    if ((rc = key_arg(db, e, key, id_text, &k, &id)) < 0)
        return rc;
    if (db->drv->write)
        return trail__write_one_delete(db, ctx, e, &k, id, version);

    if ((rc = call_begin(db)) < 0)
        return rc;
    void *before;
    trail_row old;
    rc = lock_at_version(db, e, &k, id, version, "delete", &before, &old);
    if (rc == TRAIL_OK) {
        trail_value bind[2] = { old.v[0], old.v[1] };
        int64_t changed = 0;
        rc = db->drv->query(db, sql->remove, bind, 2, NULL, NULL, &changed);
        if (rc == TRAIL_EREF)
            rc = trail__err_set(&db->err, rc, "%s %s: still referenced by another record", e->name,
                                id);
        else if (rc >= 0 && changed != 1)
            rc = trail__err_set(&db->err, TRAIL_ECONFLICT,
                                "%s %s: changed by someone else meanwhile", e->name, id);
        if (rc >= 0)
            rc = record_event(db, ctx, e, "delete", &old, NULL, id, version);
    }
    rc = call_end(db, rc);
    if (before)
        trail__values_free_record(e, before);
    return rc;
}

/* ---- retries ------------------------------------------------------------ */

#define DEFAULT_MAX_RETRIES 5
#define MAX_PAUSE_MS        64

/*
 * After a deadlock or serialization failure the engine has undone the whole
 * call, so it is run again: up to max_retries times, each after a random
 * pause whose ceiling doubles, so that the writers who collided do not
 * collide again. Not inside trail_begin(): only the caller can redo its
 * group. Returns whether to run the call again.
 */
static bool retry(trail_conn *db, int rc, int *attempt)
{
    if (rc != TRAIL_EBUSY || !db->retryable || db->in_tx)
        return false;
    int max = db->opts.max_retries > 0 ? db->opts.max_retries : DEFAULT_MAX_RETRIES;
    if (*attempt >= max) {
        char why[200];
        snprintf(why, sizeof why, "%s", trail__err_message(&db->err));
        trail__err_set(&db->err, TRAIL_EBUSY, "%s (after %d retries)", why, max);
        return false;
    }
    static _Thread_local uint64_t seed;
    if (!seed)
        seed = (uint64_t)trail__wall_ms() ^ (uint64_t)(uintptr_t)&seed;
    seed ^= seed << 13, seed ^= seed >> 7, seed ^= seed << 17; /* xorshift64 */
    int ceiling = 1 << (*attempt < 6 ? *attempt : 6);
    long pause_us = (long)(seed % (uint64_t)(ceiling * 1000)) + 500;
    if (pause_us > MAX_PAUSE_MS * 1000L)
        pause_us = MAX_PAUSE_MS * 1000L;
    struct timespec ts = { 0, pause_us * 1000 };
    nanosleep(&ts, NULL);
    (*attempt)++;
    db->retryable = false;
    return true;
}

int trail_record_create(trail_conn *db, const trail_ctx *ctx, const trail_entity *e,
                        const void *params, void *out)
{
    int rc, attempt = 0;
    while (retry(db, rc = create_once(db, ctx, e, params, out), &attempt)) {
    }
    return rc;
}

int trail_record_update(trail_conn *db, const trail_ctx *ctx, const trail_entity *e,
                        const void *params, void *out)
{
    int rc, attempt = 0;
    while (retry(db, rc = update_once(db, ctx, e, params, out), &attempt)) {
    }
    return rc;
}

int trail_record_delete(trail_conn *db, const trail_ctx *ctx, const trail_entity *e, trail_key key,
                        int64_t version)
{
    int rc, attempt = 0;
    while (retry(db, rc = delete_once(db, ctx, e, key, version), &attempt)) {
    }
    return rc;
}

/* ---- reads -------------------------------------------------------------- */

int trail_record_get(trail_conn *db, const trail_entity *e, trail_key key, void *out)
{
    int rc = check_args(db, e, out);
    if (rc < 0)
        return rc;
    char id_text[24];
    trail_value k;
    const char *id = NULL; /* set by key_arg(); said for -O3's flow analysis */
    if ((rc = key_arg(db, e, key, id_text, &k, &id)) < 0)
        return rc;
    void *rec = NULL;
    rc = query_record(db, e, e->sql[db->drv->id]->get, &k, 1, &rec);
    if (rc == TRAIL_ENOTFOUND)
        return trail__err_set(&db->err, rc, "%s %s: no such record", e->name, id);
    if (rc < 0)
        return rc;
    trail__values_give_record(e, rec, out);
    return TRAIL_OK;
}

int trail_record_find(trail_conn *db, const trail_entity *e, size_t field, const void *value,
                      void *out)
{
    int rc = check_args(db, e, out);
    if (rc < 0)
        return rc;
    const trail_entity_sql *sql = e->sql[db->drv->id];
    if (field >= e->n_fields || !sql->find_by[field] || !value)
        return trail__err_set(&db->err, TRAIL_EARG, "%s: no lookup by field %zu", e->name, field);
    const trail_field *f = &e->fields[field];
    trail_value v = trail__values_of_member(f, value);
    if (v.type == TRAIL_V_NULL)
        return trail__err_set(&db->err, TRAIL_EARG, "%s: cannot look up a NULL %s", e->name,
                              f->name);
    /* As key_arg(): a reference that is no ULID refers to no record. */
    if (f->type == TRAIL_TYPE_REF && f->ref->key == TRAIL_KEY_ULID && !trail_ulid_valid(v.s))
        return trail__err_set(&db->err, TRAIL_ENOTFOUND, "%s: no record with that %s", e->name,
                              f->name);
    /* As a write would be: the drivers cannot all send a date no row may hold. */
    if ((rc = trail__values_check_range(db, e, f, &v)) < 0)
        return rc;
    void *rec = NULL;
    rc = query_record(db, e, sql->find_by[field], &v, 1, &rec);
    if (rc == TRAIL_ENOTFOUND)
        return trail__err_set(&db->err, rc, "%s: no record with that %s", e->name, f->name);
    if (rc < 0)
        return rc;
    trail__values_give_record(e, rec, out);
    return TRAIL_OK;
}

struct list_call {
    const trail_entity *e;
    void *rec;
    trail_row_fn fn;
    void *userdata;
};

static int list_row(trail_conn *db, void *row, void *userdata)
{
    struct list_call *lc = userdata;
    int rc = trail__values_load(db, lc->e, row, lc->rec);
    if (rc < 0)
        return rc;
    rc = lc->fn(lc->userdata, lc->rec);
    trail_record_clear(lc->e, lc->rec);
    return rc;
}

int trail_record_list(trail_conn *db, const trail_entity *e, trail_key after, int limit,
                      trail_row_fn fn, void *userdata)
{
    int rc = check_args(db, e, e);
    if (rc < 0)
        return rc;
    if (!fn)
        return trail__err_set(&db->err, TRAIL_EARG, "%s: no row callback given", e->name);
    if (limit <= 0)
        return trail__err_set(&db->err, TRAIL_EARG, "%s: limit must be positive, not %d", e->name,
                              limit);
    char id_text[24];
    if (e->key == TRAIL_KEY_ULID && !after.text)
        after.text = ""; /* sorts before every id */
    /* MariaDB would compare a cursor outside ASCII with the key column only with an error. */
    if (e->key == TRAIL_KEY_ULID && after.text[0] && !trail_ulid_valid(after.text))
        return trail__err_set(&db->err, TRAIL_EARG, "%s: cannot list after '%.40s': not a %s id",
                              e->name, after.text, e->name);
    trail_value params[2] = { key_bind(e, after, id_text), trail_v_int(limit) };
    struct list_call lc = { e, calloc(1, e->record_size), fn, userdata };
    if (!lc.rec)
        return trail__err_set(&db->err, TRAIL_ENOMEM, "out of memory");
    rc = db->drv->query(db, e->sql[db->drv->id]->list, params, 2, list_row, &lc, NULL);
    free(lc.rec);
    return rc;
}
