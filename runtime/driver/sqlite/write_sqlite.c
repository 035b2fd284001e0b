/*
 * write_sqlite.c - SQLite's audited writes (trail_driver.write), from C.
 *
 * SQLite cannot build the change event itself, so a write is the steps of
 * call.h run one statement after another inside the call's transaction,
 * whose BEGIN IMMEDIATE holds the database's write lock throughout: (1) the
 * record read and locked at its version (with its newest event's hlc), (2)
 * written, its version checked again, (3) its event built here (values.c's
 * JSON, event.c's stamp and hash) and inserted after the head of the
 * connection's lane (audit/lane.h), which is kept in memory: no statement
 * reads an event back.
 *
 * Every statement goes through db->drv, not this driver's functions, so that
 * a copy of the driver that counts them (bench_write) sees them all.
 */
#include "driver/sqlite/write_sqlite.h"
#include "audit/call.h"
#include "audit/event.h"
#include "audit/event_columns.h"
#include "audit/update_sql.h"
#include "audit/values.h"
#include "driver/sql.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the event ---------------------------------------------------------- */

/*
 * Stamps and inserts @ev (borrowed) inside the open transaction of @db,
 * after the head of the connection's lane, later than @record_hlc (the
 * record's newest event's, 0 for none); its hash goes to @hash.
 */
static int insert_event(trail_conn *db, const trail_event *ev, int64_t record_hlc,
                        char hash[TRAIL_SHA256_HEX_LEN + 1])
{
    int rc;
    if (record_hlc >= trail_hlc_last(db->clock) &&
        (rc = trail_hlc_set_floor(db->clock, record_hlc)) < 0)
        return trail__err_set(&db->err, rc, "the record's newest event has a negative hlc");
    char event_id[TRAIL_ULID_LEN + 1];
    trail_value cols[TRAIL_EVENT_COLUMNS];
    if ((rc = trail__event_stamp(db, ev, event_id, cols)) < 0)
        return rc;
    if ((rc = trail__event_seal(cols, hash)) < 0)
        return trail__err_set(&db->err, rc, "cannot hash the change event");
    return db->drv->query(db, db->drv->sql->event_insert, cols, TRAIL_EVENT_COLUMNS, NULL, NULL,
                          NULL);
}

/*
 * The event JSON of @e's rows @old and @new_row (either may be NULL: then
 * its JSON is not made) into @o (an update's changed fields, a delete's
 * row) and @n, and the changed fields into @c.
 * The caller frees the three buffers, also on failure.
 */
static int event_json(trail_buf *o, trail_buf *n, trail_buf *c, const trail_entity *e,
                      const trail_row *old, const trail_row *new_row)
{
    size_t count;
    int rc;
    if (old && (rc = trail__values_old_json(o, e, old, new_row)) < 0)
        return rc;
    if (new_row && (rc = trail__values_json(n, e, new_row)) < 0)
        return rc;
    return trail__values_changed_json(c, e, old, new_row, &count);
}

/*
 * Builds the event of the write @w (@op) of record @record_id, now at
 * @version, from the rows @old and @new_row (borrowed; either may be NULL),
 * the record's newest event so far having @record_hlc, and records it; its
 * hash goes to w->hash.
 */
static int record_event(trail_conn *db, trail_write_op *w, const char *op, const trail_row *old,
                        const trail_row *new_row, const char *record_id, int64_t version,
                        int64_t record_hlc)
{
    const trail_entity *e = w->e;
    trail_buf o = TRAIL_BUF_INIT, n = TRAIL_BUF_INIT, c = TRAIL_BUF_INIT;
    int rc = event_json(&o, &n, &c, e, old, new_row);
    if (rc < 0) {
        rc = trail__err_set(&db->err, rc, "%s %s: cannot write the event's JSON", e->name,
                            record_id);
        goto done;
    }
    trail_event ev = { .table = e->table,
                       .record_id = record_id,
                       .op = op,
                       .version = version,
                       .old_values = old ? o.data : NULL,
                       .new_values = new_row ? n.data : NULL,
                       .changed = c.data,
                       .schema_version = e->schema_version,
                       .ctx = w->ctx };
    rc = insert_event(db, &ev, record_hlc, w->hash);
done:
    trail__buf_free(&o);
    trail__buf_free(&n);
    trail__buf_free(&c);
    return rc;
}

/* ---- the row ------------------------------------------------------------ */

/*
 * A new record holding copies of @row, for the caller's w->rec, which then
 * owns it (trail__values_free_record()); *@rec is NULL on failure.
 */
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

/*
 * The create @w: the row inserted, an int64 key written into w->row as the
 * database assigned it, and its event. w->rec, when made, is the caller's.
 */
static int write_create(trail_conn *db, trail_write_op *w)
{
    const trail_entity *e = w->e;
    trail_row *row = w->row;
    const char *insert = trail__entity_sql(db, e)->insert;
    int rc;
    if (e->key == TRAIL_KEY_ULID) {
        rc = db->drv->query(db, insert, row->v, e->n_fields + 2, NULL, NULL, NULL);
    } else { /* the database assigns the key, and the insert returns it */
        int64_t new_id = 0;
        rc = trail__conn_query_int(db, insert, row->v + 1, e->n_fields + 1, &new_id);
        row->v[0] = trail_v_int(new_id);
        snprintf(row->id_text, sizeof row->id_text, "%" PRId64, new_id);
    }
    if (rc < 0)
        return rc;
    const char *id = e->key == TRAIL_KEY_INT64 ? row->id_text : row->v[0].s;
    if ((rc = record_event(db, w, "insert", NULL, row, id, 1, 0)) < 0)
        return rc;
    /* The row as stored is the row as bound: the record is made from it, not read back. */
    if (w->want_record)
        return row_record(db, e, row, &w->rec);
    return rc;
}

/*
 * The update @w of the record it locks into *@before, which the caller
 * frees unless w->rec took it (an update that changes nothing); a w->rec
 * made otherwise is the caller's too.
 */
static int write_update(trail_conn *db, trail_write_op *w, void **before)
{
    const trail_entity *e = w->e;
    trail_row old, new_row;
    int64_t record_hlc = 0;
    int rc = trail__call_lock(db, w, before, &old, &record_hlc);
    if (rc < 0)
        return rc;
    new_row = old;
    for (size_t i = 0; i < e->n_fields; i++)
        if (w->mask >> i & 1)
            new_row.v[i + 2] = w->row->v[i + 2];
    /* The update binds the changed fields, then id and version. */
    trail_value bind[TRAIL_MAX_FIELDS + 2];
    uint64_t moved = 0;
    size_t n = 0;
    for (size_t i = 0; i < e->n_fields; i++)
        if (!trail__values_equal(&old.v[i + 2], &new_row.v[i + 2])) {
            moved |= UINT64_C(1) << i;
            bind[n++] = new_row.v[i + 2];
        }
    if (moved == 0) { /* nothing changes: no write, no event, same version */
        if (w->want_record) {
            w->rec = *before;
            *before = NULL;
        }
        return TRAIL_OK;
    }
    bind[n++] = old.v[0];
    bind[n++] = old.v[1];
    const char *sql;
    int64_t changes = 0;
    if ((rc = trail__update_sql(db, e, moved, &sql)) < 0)
        return rc;
    if ((rc = db->drv->query(db, sql, bind, n, NULL, NULL, &changes)) < 0)
        return rc;
    if (changes != 1) {
        w->version_found = w->version;
        return TRAIL_ECONFLICT;
    }
    new_row.v[1] = trail_v_int(w->version + 1);
    if ((rc = record_event(db, w, "update", &old, &new_row, w->id, w->version + 1, record_hlc)) < 0)
        return rc;
    /* The row as written is @new_row, which borrows from *@before: copied. */
    if (w->want_record)
        return row_record(db, e, &new_row, &w->rec);
    return rc;
}

/* The delete @w of the record it locks into *@before, which the caller frees. */
static int write_delete(trail_conn *db, trail_write_op *w, void **before)
{
    trail_row old;
    int64_t record_hlc = 0;
    int rc = trail__call_lock(db, w, before, &old, &record_hlc);
    if (rc < 0)
        return rc;
    trail_value bind[2] = { old.v[0], old.v[1] };
    int64_t changes = 0;
    rc = db->drv->query(db, trail__entity_sql(db, w->e)->remove, bind, 2, NULL, NULL, &changes);
    if (rc < 0)
        return rc;
    if (changes != 1) {
        w->version_found = w->version;
        return TRAIL_ECONFLICT;
    }
    return record_event(db, w, "delete", &old, NULL, w->id, w->version, record_hlc);
}

/*
 * trail_driver.write: @w run in the call's transaction (call.h), which ends
 * with it. On success w->rec, when asked for, is the caller's; on failure
 * it is NULL and nothing of the call is left.
 */
int trail__sqlite_write(trail_conn *db, trail_write_op *w)
{
    w->rec = NULL;
    int rc = trail__call_begin(db);
    if (rc < 0)
        return rc;
    void *before = NULL;
    switch (w->kind) {
    case TRAIL_WRITE_CREATE:
        rc = write_create(db, w);
        break;
    case TRAIL_WRITE_UPDATE:
        rc = write_update(db, w, &before);
        break;
    default:
        rc = write_delete(db, w, &before);
        break;
    }
    rc = trail__call_end(db, rc);
    if (before)
        trail__values_free_record(w->e, before);
    if (rc < 0 && w->rec) {
        trail__values_free_record(w->e, w->rec);
        w->rec = NULL;
    }
    return rc;
}
