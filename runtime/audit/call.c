/*
 * call.c - the frame of an audited call: its transaction, its before-read.
 */
#include "audit/call.h"
#include "driver/sql.h"

#include <stdlib.h>

/* Savepoint statements go through the statement cache like any other. */
static int run_tx_statement(trail_conn *db, const char *sql)
{
    return db->drv->query(db, sql, NULL, 0, NULL, NULL, NULL);
}

int trail__call_begin(trail_conn *db)
{
    db->retryable = false;
    if (db->in_tx)
        return run_tx_statement(db, db->drv->sql->savepoint);
    int rc = trail__conn_new_tx(db);
    return rc < 0 ? rc : db->drv->begin(db);
}

int trail__call_end(trail_conn *db, int rc)
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

/* Loads the first row of a query into a fresh record, and the hlc after its columns if asked. */
struct load_one {
    const trail_entity *e;
    void *rec;
    bool found;
    int64_t *hlc;
};

static int load_one_row(trail_conn *db, void *row, void *userdata)
{
    struct load_one *lo = userdata;
    int rc = trail__values_load(db, lo->e, row, lo->rec);
    trail_value hlc;
    if (rc == TRAIL_OK && lo->hlc &&
        (rc = db->drv->column(db, row, lo->e->n_fields + 2, TRAIL_V_INT, &hlc)) == TRAIL_OK)
        *lo->hlc = hlc.type == TRAIL_V_NULL ? 0 : hlc.i;
    if (rc < 0)
        return rc;
    lo->found = true;
    return 1;
}

/* trail__call_read(), and the hlc after the record's columns into *@hlc when not NULL. */
static int read_record(trail_conn *db, const trail_entity *e, const char *sql,
                       const trail_value *params, size_t n, void **rec, int64_t *hlc)
{
    struct load_one lo = { e, calloc(1, e->record_size), false, hlc };
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

int trail__call_read(trail_conn *db, const trail_entity *e, const char *sql,
                     const trail_value *params, size_t n, void **rec)
{
    return read_record(db, e, sql, params, n, rec, NULL);
}

int trail__call_lock(trail_conn *db, trail_write_op *w, void **before, trail_row *old,
                     int64_t *record_hlc)
{
    *before = NULL;
    int rc =
        read_record(db, w->e, trail__entity_sql(db, w->e)->lock, &w->key, 1, before, record_hlc);
    if (rc < 0)
        return rc;
    trail__values_of_record(old, w->e, *before);
    if (old->v[1].i != w->version) {
        w->version_found = old->v[1].i;
        return TRAIL_ECONFLICT;
    }
    return TRAIL_OK;
}
