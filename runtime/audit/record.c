/*
 * record.c - the audited operations behind every generated function.
 *
 * A write is checked here, its row's values made, then handed whole to the
 * driver (trail_driver.write, driver.h: trail_write_op), which writes the
 * row and its change event as one call, undone whole on failure, however
 * its engine does it. What came of it is worded here, once for every
 * driver (write_result()).
 */
#define _POSIX_C_SOURCE 200809L /* nanosleep */
#include "audit/call.h"
#include "audit/lane.h"
#include "audit/refusal.h"
#include "audit/schema_check.h"
#include "audit/update_sql.h"
#include "audit/values.h"
#include "core/context.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int check_args(trail_conn *db, const trail_entity *e, const void *p)
{
    if (!db || !db->drv)
        return TRAIL_EARG;
    if (!e || !p)
        return trail__err_set(&db->err, TRAIL_EARG, "a required argument is NULL");
    if (!trail__entity_sql(db, e))
        return trail__err_set(&db->err, TRAIL_EARG, "%s was generated without the %s driver",
                              e->name, db->drv->name);
    if (db->old_layout) /* trail_open() said so already */
        return trail__conn_old_layout(db, "the columns of lanes");
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

/* TRAIL_ENOTFOUND for record @id of @e, which a caller may have made up: cut. */
static int no_such_record(trail_conn *db, const trail_entity *e, const char *id)
{
    return trail__err_set(&db->err, TRAIL_ENOTFOUND, "%s %.40s: no such record", e->name, id);
}

/*
 * A caller's key: bound in *@k, as text in *@id (pointing into @text or the
 * key). TRAIL_EARG for a ULID key that is NULL; TRAIL_ENOTFOUND, without
 * asking the database, for one that is no ULID (lower case, a space, not
 * ASCII), which no record has: an engine's ASCII key columns may pad a
 * trailing space away, or refuse a character outside ASCII with an error.
 */
static int key_arg(trail_conn *db, const trail_entity *e, trail_key key, char text[24],
                   trail_value *k, const char **id)
{
    if (e->key == TRAIL_KEY_ULID && !key.text)
        return trail__err_set(&db->err, TRAIL_EARG, "%s: no id given", e->name);
    *k = key_bind(e, key, text);
    *id = e->key == TRAIL_KEY_INT64 ? text : key.text;
    if (e->key == TRAIL_KEY_ULID && !trail_ulid_valid(key.text))
        return no_such_record(db, e, key.text);
    return TRAIL_OK;
}

/* ---- writes ------------------------------------------------------------- */

/*
 * Hands @w to the driver, in the connection's lane: registered first when
 * it has none, moved on when the write made an event, ended when the
 * engine failed in a way that may leave the write's outcome unknown.
 */
static int run_write(trail_conn *db, trail_write_op *w)
{
    w->hash[0] = '\0';
    bool writes = w->kind != TRAIL_WRITE_UPDATE || w->mask != 0;
    int rc = writes ? trail__lane_ensure(db) : TRAIL_OK;
    if (rc < 0)
        return rc;
    rc = db->drv->write(db, w);
    if (rc == TRAIL_OK && w->hash[0])
        trail__lane_advance(db, w->hash);
    else if (rc == TRAIL_EDB)
        trail__lane_end(db);
    return rc;
}

/*
 * What came of the write @w, which returned @rc, in words (driver.h:
 * trail_write_op); on success its record goes to @out. Returns @rc, or
 * TRAIL_OK.
 */
static int write_result(trail_conn *db, trail_write_op *w, int rc, void *out)
{
    const trail_entity *e = w->e;
    const char *what = w->kind == TRAIL_WRITE_DELETE ? "delete" : "change";
    if (rc == TRAIL_ENOTFOUND)
        rc = no_such_record(db, e, w->id);
    else if (rc == TRAIL_ECONFLICT && w->version_found != w->version)
        rc = trail__err_set(&db->err, rc,
                            "%s %s: the %s is based on version %" PRId64
                            ", but the record is at version %" PRId64,
                            e->name, w->id, what, w->version, w->version_found);
    else if (rc == TRAIL_ECONFLICT)
        rc = trail__err_set(&db->err, rc, "%s %s: changed by someone else meanwhile", e->name,
                            w->id);
    else if (rc == TRAIL_EREF && w->kind == TRAIL_WRITE_DELETE)
        rc = trail__err_set(&db->err, rc, "%s %s: still referenced by another record", e->name,
                            w->id);
    else if (rc == TRAIL_EREF || rc == TRAIL_EUNIQUE)
        rc = w->kind == TRAIL_WRITE_CREATE
                 ? trail__refusal_explain(db, e, w->row, UINT64_MAX, NULL, rc)
                 : trail__refusal_explain(db, e, w->row, w->mask, &w->key, rc);
    if (rc < 0)
        return rc;
    if (w->rec)
        trail__values_give_record(e, w->rec, out);
    return TRAIL_OK;
}

static int create_once(trail_conn *db, const trail_ctx *ctx, const trail_entity *e,
                       const void *params, void *out)
{
    int rc = check_write(db, ctx, e, params);
    if (rc < 0)
        return rc;
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
    trail_write_op w = {
        .kind = TRAIL_WRITE_CREATE, .e = e, .ctx = ctx, .row = &row, .want_record = out != NULL
    };
    return write_result(db, &w, run_write(db, &w), out);
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
    trail_write_op w = { .kind = TRAIL_WRITE_UPDATE,
                         .e = e,
                         .ctx = ctx,
                         .version = version,
                         .want_record = out != NULL };
    if ((rc = key_arg(db, e, key, id_text, &w.key, &w.id)) < 0 ||
        (rc = trail__values_check_update(db, e, params)) < 0)
        return rc;
    memcpy(&w.mask, base + e->update_set_at, sizeof w.mask);
    trail_row set; /* only the fields of the mask: no one reads the others */
    trail__values_apply_update(&set, e, params);
    if ((rc = trail__values_check_set(db, e, &set, w.mask)) < 0)
        return rc;
    w.row = &set;
    return write_result(db, &w, run_write(db, &w), out);
}

static int delete_once(trail_conn *db, const trail_ctx *ctx, const trail_entity *e, trail_key key,
                       int64_t version)
{
    int rc = check_write(db, ctx, e, e);
    if (rc < 0)
        return rc;
    char id_text[24];
    trail_write_op w = { .kind = TRAIL_WRITE_DELETE, .e = e, .ctx = ctx, .version = version };
    if ((rc = key_arg(db, e, key, id_text, &w.key, &w.id)) < 0)
        return rc;
    return write_result(db, &w, run_write(db, &w), NULL);
}

/* ---- retries ------------------------------------------------------------ */

#define DEFAULT_MAX_RETRIES 5

/*
 * After a deadlock or serialization failure the engine has undone the whole
 * call, so it is run again, up to max_retries times
 * (trail__conn_run_again()); once they ran out, the message says how many
 * there were. Returns whether to run the call again.
 */
static bool retry(trail_conn *db, int rc, int *attempt)
{
    if (rc != TRAIL_EBUSY) /* before @db is read: it is NULL after a TRAIL_EARG for it */
        return false;
    int max = db->opts.max_retries > 0 ? db->opts.max_retries : DEFAULT_MAX_RETRIES;
    if (trail__conn_run_again(db, rc, attempt, max))
        return true;
    if (rc == TRAIL_EBUSY && db->retryable && !db->in_tx) { /* the retries ran out */
        char why[200];
        snprintf(why, sizeof why, "%s", trail__err_message(&db->err));
        trail__err_set(&db->err, TRAIL_EBUSY, "%s (after %d retries)", why, max);
    }
    return false;
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
    rc = trail__call_read(db, e, trail__entity_sql(db, e)->get, &k, 1, &rec);
    if (rc == TRAIL_ENOTFOUND)
        return no_such_record(db, e, id);
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
    const trail_entity_sql *sql = trail__entity_sql(db, e);
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
    rc = trail__call_read(db, e, sql->find_by[field], &v, 1, &rec);
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
    trail__values_clear(lc->e, lc->rec);
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
    /* An engine may compare a cursor outside ASCII with an ASCII key column only with an error. */
    if (e->key == TRAIL_KEY_ULID && after.text[0] && !trail_ulid_valid(after.text))
        return trail__err_set(&db->err, TRAIL_EARG, "%s: cannot list after '%.40s': not a %s id",
                              e->name, after.text, e->name);
    trail_value params[2] = { key_bind(e, after, id_text), trail_v_int(limit) };
    struct list_call lc = { e, calloc(1, e->record_size), fn, userdata };
    if (!lc.rec)
        return trail__err_set(&db->err, TRAIL_ENOMEM, "out of memory");
    rc = db->drv->query(db, trail__entity_sql(db, e)->list, params, 2, list_row, &lc, NULL);
    free(lc.rec);
    return rc;
}

void trail_record_clear(const trail_entity *e, void *rec)
{
    trail__values_clear(e, rec);
}
