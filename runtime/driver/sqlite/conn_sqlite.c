/*
 * conn_sqlite.c - the SQLite driver.
 *
 * WAL mode with synchronous=NORMAL (FULL on request), foreign keys on, a
 * busy timeout. A write transaction is BEGIN IMMEDIATE: it takes the
 * database's write lock up front, which is SQLite's row lock for the
 * before-read, and no later statement of the transaction can fail for want
 * of it. Statements are prepared once per connection with
 * SQLITE_PREPARE_PERSISTENT and found again by the address of their text.
 * Audited writes are built from C: write_sqlite.c.
 */
#include "driver/driver.h"
#include "driver/sqlite/write_sqlite.h"
#include "driver/stmt_cache.h"

#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct sqlite_state {
    sqlite3 *db;
    trail_stmt_cache stmts;
    int cache_before; /* PRAGMA cache_size while bulk is on (sqlite_bulk) */
} sqlite_state;

static sqlite_state *state(trail_conn *db)
{
    return db->drv_state;
}

/* Maps SQLite's result to a trail code and message. */
static int fail(trail_conn *db, int src, const char *what)
{
    sqlite3 *h = state(db) ? state(db)->db : NULL;
    int ext = h ? sqlite3_extended_errcode(h) : src;
    const char *msg = h ? sqlite3_errmsg(h) : sqlite3_errstr(src);
    int code;
    switch (ext) {
    case SQLITE_CONSTRAINT_UNIQUE:
    case SQLITE_CONSTRAINT_PRIMARYKEY:
        code = TRAIL_EUNIQUE;
        break;
    case SQLITE_CONSTRAINT_FOREIGNKEY:
        code = TRAIL_EREF;
        break;
    case SQLITE_CONSTRAINT_TRIGGER: /* what ON DELETE RESTRICT raises */
        code = strstr(msg, "FOREIGN KEY") ? TRAIL_EREF : TRAIL_EDB;
        break;
    case SQLITE_CONSTRAINT_CHECK:
    case SQLITE_CONSTRAINT_NOTNULL:
    case SQLITE_CONSTRAINT_DATATYPE:
        code = TRAIL_EINVALID;
        break;
    case SQLITE_NOMEM:
        code = TRAIL_ENOMEM;
        break;
    default:
        code =
            (ext & 0xff) == SQLITE_BUSY || (ext & 0xff) == SQLITE_LOCKED ? TRAIL_EBUSY : TRAIL_EDB;
        break;
    }
    return trail__err_set(&db->err, code, "sqlite: %s: %s", what, msg);
}

/*
 * The statement cache's prepare: kept for the life of the connection;
 * *@out receives a statement the cache ends with finalize().
 */
static int prepare(trail_conn *db, const char *sql, void **out)
{
    sqlite3_stmt *stmt;
    int rc = sqlite3_prepare_v3(state(db)->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, NULL);
    if (rc != SQLITE_OK)
        return fail(db, rc, "prepare");
    *out = stmt;
    return TRAIL_OK;
}

static void finalize(void *stmt)
{
    sqlite3_finalize(stmt);
}

/* Binds @v, whose bytes @stmt borrows (SQLITE_STATIC) until its bindings are cleared. */
static int bind(trail_conn *db, sqlite3_stmt *stmt, int i, const trail_value *v)
{
    int rc;
    switch (v->type) {
    case TRAIL_V_NULL:
        rc = sqlite3_bind_null(stmt, i);
        break;
    case TRAIL_V_DOUBLE:
        rc = sqlite3_bind_double(stmt, i, v->d);
        break;
    case TRAIL_V_TEXT:
    case TRAIL_V_JSON:
        rc = sqlite3_bind_text64(stmt, i, v->s, v->n, SQLITE_STATIC, SQLITE_UTF8);
        break;
    case TRAIL_V_BLOB:
        /* A zero-length blob needs a non-NULL pointer, or SQLite stores NULL. */
        rc = sqlite3_bind_blob64(stmt, i, v->s ? v->s : "", v->n, SQLITE_STATIC);
        break;
    default: /* bool, int, date, timestamp: integers here */
        rc = sqlite3_bind_int64(stmt, i, v->i);
        break;
    }
    return rc == SQLITE_OK ? TRAIL_OK : fail(db, rc, "bind");
}

/*
 * Binds @params (borrowed: SQLITE_STATIC, until the reset), steps through
 * every row, @cb seeing each (the row is @stmt, until it returns), then
 * resets @stmt for its next use, whatever happened.
 */
static int run(trail_conn *db, sqlite3_stmt *stmt, const trail_value *params, size_t n,
               trail_row_cb cb, void *userdata, int64_t *changes)
{
    int rc = TRAIL_OK;
    db->statements++;
    for (size_t i = 0; i < n; i++)
        if ((rc = bind(db, stmt, (int)i + 1, &params[i])) < 0)
            goto reset;
    for (;;) {
        int s = sqlite3_step(stmt);
        if (s == SQLITE_DONE)
            break;
        if (s != SQLITE_ROW) {
            rc = fail(db, s, "step");
            goto reset;
        }
        if (cb && (rc = cb(db, stmt, userdata)) != 0)
            goto reset;
    }
    if (changes)
        *changes = sqlite3_changes64(state(db)->db);
reset:
    sqlite3_reset(stmt);
    sqlite3_clear_bindings(stmt);
    return rc;
}

/* trail_driver.query (driver.h). */
static int sqlite_query(trail_conn *db, const char *sql, const trail_value *params, size_t n,
                        trail_row_cb cb, void *userdata, int64_t *changes)
{
    void *stmt;
    int rc = trail__stmt_cache_get(db, &state(db)->stmts, sql, &stmt);
    if (rc < 0)
        return rc;
    return run(db, stmt, params, n, cb, userdata, changes);
}

/* trail_driver.query_once: a statement made at run time, prepared for this call, finalized after.
 */
static int sqlite_query_once(trail_conn *db, const char *sql, const trail_value *params, size_t n,
                             trail_row_cb cb, void *userdata, int64_t *changes)
{
    sqlite3_stmt *stmt = NULL;
    int rc = sqlite3_prepare_v2(state(db)->db, sql, -1, &stmt, NULL);
    if (rc != SQLITE_OK)
        return fail(db, rc, "prepare");
    rc = run(db, stmt, params, n, cb, userdata, changes);
    sqlite3_finalize(stmt);
    return rc;
}

/*
 * trail_driver.column: @row is the statement positioned on it; text and
 * blobs are lent by SQLite until the next step.
 */
static int sqlite_column(trail_conn *db, void *row, size_t i, trail_vtype want, trail_value *out)
{
    sqlite3_stmt *stmt = row;
    int col = (int)i;
    int type = sqlite3_column_type(stmt, col);
    memset(out, 0, sizeof *out);
    if (type == SQLITE_NULL)
        return TRAIL_OK;
    out->type = want;
    switch (want) {
    case TRAIL_V_DOUBLE:
        out->d = sqlite3_column_double(stmt, col);
        break;
    case TRAIL_V_TEXT:
    case TRAIL_V_JSON:
    case TRAIL_V_BLOB:
        /* Ask for the bytes first: the length is of the form they came in. */
        out->s = want == TRAIL_V_BLOB ? sqlite3_column_blob(stmt, col)
                                      : (const char *)sqlite3_column_text(stmt, col);
        out->n = (size_t)sqlite3_column_bytes(stmt, col);
        if (!out->s && out->n > 0)
            return trail__err_set(&db->err, TRAIL_ENOMEM, "out of memory");
        break;
    default:
        if (type != SQLITE_INTEGER)
            return trail__err_set(&db->err, TRAIL_EDB, "sqlite: column %s is not an integer",
                                  sqlite3_column_name(stmt, col));
        out->i = sqlite3_column_int64(stmt, col);
        break;
    }
    return TRAIL_OK;
}

static int sqlite_exec(trail_conn *db, const char *sql)
{
    char *msg = NULL;
    db->statements++;
    int rc = sqlite3_exec(state(db)->db, sql, NULL, NULL, &msg);
    sqlite3_free(msg);
    return rc == SQLITE_OK ? TRAIL_OK : fail(db, rc, "exec");
}

/* Transaction control goes through the statement cache too: compiling
 * BEGIN and COMMIT on every write cost as much as the before-read. */
static int sqlite_begin(trail_conn *db)
{
    static const char sql[] = "BEGIN IMMEDIATE";
    return sqlite_query(db, sql, NULL, 0, NULL, NULL, NULL);
}

static int sqlite_commit(trail_conn *db)
{
    static const char sql[] = "COMMIT";
    return sqlite_query(db, sql, NULL, 0, NULL, NULL, NULL);
}

static int sqlite_rollback(trail_conn *db)
{
    /* Nothing to undo when SQLite already rolled back on its own (a full disk, say). */
    static const char sql[] = "ROLLBACK";
    if (sqlite3_get_autocommit(state(db)->db))
        return TRAIL_OK;
    return sqlite_query(db, sql, NULL, 0, NULL, NULL, NULL);
}

/*
 * An import's batch of 10,000 events touches more pages of the history
 * index than SQLite's default 2 MiB cache holds: each is read back through
 * the OS and spilled to the WAL before the commit (a third of the import's
 * time at 200,000 events, bench_sync). 64 MiB holds a batch's pages; the
 * cache grows only as pages are read, so a small database costs no more.
 */
#define SQLITE_BULK_CACHE "PRAGMA cache_size=-65536"

static int first_int_cb(void *out, int n, char **values, char **names)
{
    (void)names;
    if (n > 0 && values[0])
        *(int *)out = atoi(values[0]);
    return 0;
}

static int sqlite_bulk(trail_conn *db, bool on)
{
    sqlite_state *st = state(db);
    char sql[64];
    if (on) {
        int rc = sqlite3_exec(st->db, "PRAGMA cache_size", first_int_cb, &st->cache_before, NULL);
        if (rc != SQLITE_OK)
            return fail(db, rc, "cache_size");
        return sqlite_exec(db, SQLITE_BULK_CACHE);
    }
    snprintf(sql, sizeof sql, "PRAGMA cache_size=%d", st->cache_before);
    return sqlite_exec(db, sql);
}

static void sqlite_close(trail_conn *db)
{
    sqlite_state *st = state(db);
    if (!st)
        return;
    trail__stmt_cache_free(&st->stmts);
    sqlite3_close_v2(st->db);
    free(st);
    db->drv_state = NULL;
}

/*
 * trail_driver.open: opens the file @target (or ":memory:") and sets the
 * connection up. What it made stays in db->drv_state also on failure, for
 * sqlite_close(), which trail_open() then calls.
 */
static int sqlite_open(trail_conn *db, const char *target, const trail_open_opts *opts)
{
    sqlite_state *st = calloc(1, sizeof *st);
    if (!st)
        return trail__err_set(&db->err, TRAIL_ENOMEM, "out of memory");
    db->drv_state = st;
    trail__stmt_cache_init(&st->stmts, prepare, finalize);
    bool memory = strcmp(target, ":memory:") == 0;
    int mode = opts->read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
    int rc =
        sqlite3_open_v2(target, &st->db, mode | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE, NULL);
    if (rc != SQLITE_OK)
        return trail__err_set(&db->err, rc == SQLITE_NOMEM ? TRAIL_ENOMEM : TRAIL_EDB,
                              "sqlite: cannot open %s: %s", target,
                              st->db ? sqlite3_errmsg(st->db) : sqlite3_errstr(rc));
    sqlite3_extended_result_codes(st->db, 1);
    /*
     * Double quotes name identifiers only: with SQLite's legacy fallback a
     * quoted column that is missing reads as a string of its own name, which
     * would be stored and audited as the field's value.
     */
    sqlite3_db_config(st->db, SQLITE_DBCONFIG_DQS_DML, 0, (int *)NULL);
    sqlite3_db_config(st->db, SQLITE_DBCONFIG_DQS_DDL, 0, (int *)NULL);
    /*
     * SQLite reads the file only when first asked to, and a read-only open
     * asks nothing: ask now, so that a file that is not a database is refused
     * here, by its name, rather than read as one by a later query. (An
     * empty file is an empty database to SQLite, and to trail_open().)
     */
    if (!memory) {
        rc = sqlite3_exec(st->db, "SELECT 1 FROM sqlite_master LIMIT 1", NULL, NULL, NULL);
        if ((rc & 0xff) == SQLITE_NOTADB)
            return trail__err_set(&db->err, TRAIL_EDB,
                                  "sqlite: %s is not an SQLite database, so not a trail database "
                                  "(%s)",
                                  target, sqlite3_errstr(rc));
    }
    int timeout = trail__conn_lock_timeout_ms(opts);
    sqlite3_busy_timeout(st->db, timeout);
    /* The journal mode is kept in the file: a reader leaves it to the writers. */
    if (!memory && !opts->read_only && (rc = sqlite_exec(db, "PRAGMA journal_mode=WAL")) < 0)
        return rc;
    if ((rc = sqlite_exec(db, opts->sync_full ? "PRAGMA synchronous=FULL"
                                              : "PRAGMA synchronous=NORMAL")) < 0)
        return rc;
    return sqlite_exec(db, "PRAGMA foreign_keys=ON");
}

extern const struct trail_runtime_sql trail__runtime_sql_sqlite;

const trail_driver trail__driver_sqlite = {
    .version = TRAIL_DRIVER_VERSION,
    .dialect = &trail__dialect_sqlite,
    .name = "sqlite",
    .open = sqlite_open,
    .close = sqlite_close,
    .exec = sqlite_exec,
    .query = sqlite_query,
    .query_once = sqlite_query_once,
    .column = sqlite_column,
    .begin = sqlite_begin,
    .commit = sqlite_commit,
    .rollback = sqlite_rollback,
    .write = trail__sqlite_write,
    .bulk = sqlite_bulk,
    .sql = &trail__runtime_sql_sqlite,
};
