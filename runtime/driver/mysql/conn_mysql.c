/*
 * conn_mysql.c - the MySQL/MariaDB driver (MariaDB Connector/C, mysql.h).
 *
 * Every statement is a server-side prepared statement (mysql_stmt_*),
 * prepared once per connection, and runs in the binary protocol: integers,
 * doubles, dates and timestamps cross the wire exactly, each value bound as
 * the MYSQL_TYPE of its trail_vtype. Rows are fetched unbuffered, one at a
 * time, so that reading a long history takes the memory of one row.
 *
 * A write transaction is START TRANSACTION (READ COMMITTED, as on
 * PostgreSQL) followed by a lock on this node's row of trail_nodes: the
 * writers of one node take turns, because each event chains to the node's
 * previous one. READ COMMITTED because each statement then reads what was
 * committed before it (the node's latest event, written by the previous
 * holder of the lock), and because InnoDB takes no gap locks under it, so
 * writers of different rows do not deadlock on the gaps between them.
 *
 * The session is set up so that the generated DDL and statements mean the
 * same everywhere: utf8mb4, UTC (DATETIME values are UTC), strict sql_mode
 * (a value that does not fit is an error, not a warning), affected rows
 * counted as matched rows (CLIENT_FOUND_ROWS, as PostgreSQL counts them).
 *
 * Connector/C bounds each wait for the socket by the connect timeout while
 * connecting, then by the read or write timeout (MYSQL_OPT_*_TIMEOUT, whole
 * seconds): one poll() per wait, no retries, so a server that stops
 * answering fails the call after that long with errno ETIMEDOUT, which
 * tells such a failure from other lost connections.
 *
 * A lost connection (or one given up after a timeout) fails the call that
 * found it; the next call outside a transaction connects again, walking the
 * URL's hosts from the first, as trail_open() did (SPEC §3). Inside one it
 * fails until trail_rollback(): connecting again there would run the rest
 * of the transaction's statements outside it. Connector/C's own reconnect
 * stays off for the same reason.
 */
#include "driver/driver.h"
#include "core/isotime.h"
#include "driver/mysql/mysql_url.h"
#include "driver/sql.h"
#include "driver/stmt_cache.h"
#include "audit/write_one.h"
#include "audit/write_sql.h"
#include "driver/mysql/weigh_mysql.h"

#include <errmsg.h>
#include <errno.h>
#include <mysql.h>
#include <mysqld_error.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MS_PER_DAY INT64_C(86400000)

/* MySQL 8's code for a failed CHECK constraint (MariaDB's is ER_CONSTRAINT_FAILED). */
#define MYSQL_ER_CHECK_CONSTRAINT_VIOLATED 3819

/* How a result column is held: fixed-size kinds are fetched into the column, bytes on demand. */
typedef enum col_kind { COL_INT, COL_DOUBLE, COL_DATE, COL_DATETIME, COL_BYTES } col_kind;

typedef struct my_col {
    col_kind kind;
    int64_t i;
    double d;
    MYSQL_TIME t;
    char *bytes; /* COL_BYTES: the value of the current row, once column() asked for it */
    unsigned long cap;
    my_bool is_null, error;
} my_col;

typedef struct my_stmt {
    MYSQL_STMT *stmt;
    unsigned n_params, n_fields;
    MYSQL_BIND *params;     /* n_params, filled per execution */
    MYSQL_TIME *times;      /* n_params: the dates and timestamps being sent */
    unsigned long *lengths; /* n_params */
    MYSQL_BIND *results;    /* n_fields */
    my_col *cols;           /* n_fields */
} my_stmt;

typedef struct my_state {
    MYSQL *conn;
    trail_stmt_cache stmts;
    bool in_tx;   /* between begin and commit or rollback */
    bool aborted; /* the server rolled that transaction back (a deadlock) */
    bool lost;    /* the connection is gone: the next call outside a transaction connects again */
    bool galera;  /* the server is a node of a Galera cluster */
    trail_mysql_url url; /* what trail_open() was given, to connect again */
    /* The timeouts in effect, in whole seconds (0: none): for messages. */
    unsigned connect_s, read_s, write_s;
} my_state;

static my_state *state(trail_conn *db)
{
    return db->drv_state;
}

/* ---- errors ---------------------------------------------------------------- */

/* Errors after which the session is gone: the server closed it, or the network did. */
static bool is_lost(unsigned code)
{
    return code == CR_SERVER_GONE_ERROR || code == CR_SERVER_LOST ||
           code == CR_SERVER_LOST_EXTENDED || code == ER_CONNECTION_KILLED ||
           code == ER_SERVER_SHUTDOWN;
}

/*
 * The trail code of MySQL error @code; *@retry says whether the failure (a
 * deadlock) undid the transaction and may pass when run again.
 *
 * A lock wait timeout is TRAIL_EBUSY without a retry, as SQLite's busy
 * timeout and PostgreSQL's lock_timeout: it already waited as long as the
 * caller allowed, and InnoDB undoes only the statement that waited.
 */
static int code_of(unsigned code, bool *retry)
{
    *retry = false;
    switch (code) {
    case ER_DUP_ENTRY:
    case ER_DUP_ENTRY_WITH_KEY_NAME:
        return TRAIL_EUNIQUE;
    case ER_NO_REFERENCED_ROW:
    case ER_ROW_IS_REFERENCED:
    case ER_ROW_IS_REFERENCED_2:
    case ER_NO_REFERENCED_ROW_2:
        return TRAIL_EREF;
    case ER_CONSTRAINT_FAILED:
    case MYSQL_ER_CHECK_CONSTRAINT_VIOLATED:
    case ER_BAD_NULL_ERROR:
    case ER_WARN_NULL_TO_NOTNULL:
    case ER_NO_DEFAULT_FOR_FIELD:
    case ER_DATA_TOO_LONG:
    case ER_WARN_DATA_OUT_OF_RANGE:
    case ER_TRUNCATED_WRONG_VALUE:
    case ER_TRUNCATED_WRONG_VALUE_FOR_FIELD:
    case ER_INVALID_CHARACTER_STRING:
    case ER_DIVISION_BY_ZERO:
        return TRAIL_EINVALID;
    case ER_LOCK_DEADLOCK:
        *retry = true;
        return TRAIL_EBUSY;
    case ER_LOCK_WAIT_TIMEOUT:
        return TRAIL_EBUSY;
    case ER_OUTOFMEMORY:
    case ER_OUT_OF_RESOURCES:
    case CR_OUT_OF_MEMORY:
        return TRAIL_ENOMEM;
    default:
        return TRAIL_EDB;
    }
}

/*
 * Sets db's error from MySQL error @code and its message @msg, after @what
 * failed with errno @sys.
 */
static int fail_with(trail_conn *db, unsigned code, const char *msg, const char *what, int sys)
{
    my_state *st = state(db);
    if (code == ER_UNKNOWN_COM_ERROR && st->galera) {
        /* The node left the primary component: another host of the URL may be in it. */
        st->lost = true;
        return trail__err_set(&db->err, TRAIL_EDB,
                              "mysql: %s: this Galera node is not ready (%s), so the connection "
                              "was given up; %s",
                              what, msg, trail__conn_lost_advice(st->in_tx));
    }
    if (is_lost(code)) {
        st->lost = true;
        /* Which of the two waits ran out is not told: a write waits only for a full buffer. */
        unsigned s = code == CR_SERVER_GONE_ERROR && st->write_s ? st->write_s : st->read_s;
        if (sys == ETIMEDOUT && s)
            return trail__conn_timed_out(db, "mysql", what, (int)(s * 1000), st->in_tx);
        return trail__err_set(&db->err, TRAIL_EDB,
                              "mysql: %s: the connection to the server was lost (%s); %s", what,
                              msg, trail__conn_lost_advice(st->in_tx));
    }
    if (code == ER_SP_DOES_NOT_EXIST && strncmp(msg, "PROCEDURE", 9) == 0)
        return trail__err_set(&db->err, TRAIL_EDB,
                              "mysql: %s: %s; the schema's migrate makes the procedures that this "
                              "build of trail calls: run it",
                              what, msg);
    int rc = code_of(code, &db->retryable);
    if (code == ER_LOCK_DEADLOCK && st->in_tx)
        st->aborted = true; /* InnoDB rolled the whole transaction back */
    return trail__err_set(&db->err, rc, "mysql: %s: %s", what, msg);
}

/*
 * Before a call that waits for the server: counts it, and clears errno,
 * which Connector/C sets only when a system call fails, so that fail() reads
 * this call's errno and not one an earlier failure of the thread left.
 */
static void round_trip(trail_conn *db)
{
    db->round_trips++;
    errno = 0;
}

/* Called at once after the failed call, so that errno is still the failure's. */
static int fail(trail_conn *db, const char *what)
{
    int sys = errno;
    MYSQL *c = state(db)->conn;
    return fail_with(db, mysql_errno(c), mysql_error(c), what, sys);
}

static int fail_stmt(trail_conn *db, MYSQL_STMT *stmt, const char *what)
{
    int sys = errno;
    return fail_with(db, mysql_stmt_errno(stmt), mysql_stmt_error(stmt), what, sys);
}

static int reconnect(trail_conn *db);

/*
 * TRAIL_OK when statements may be sent, after connecting again when the
 * connection was lost outside a transaction. Not inside a transaction that
 * lost its connection or that the server rolled back: its later statements
 * would otherwise run outside any transaction, each committed on its own.
 */
static int usable(trail_conn *db)
{
    my_state *st = state(db);
    if (st->lost && !st->in_tx && !db->closing)
        return reconnect(db);
    if (st->lost)
        return trail__err_set(&db->err, TRAIL_EDB,
                              "mysql: the connection to the server was lost earlier; %s",
                              trail__conn_lost_advice(true));
    if (st->aborted)
        return trail__err_set(&db->err, TRAIL_EDB,
                              "mysql: the server rolled this transaction back after a deadlock; "
                              "roll it back with trail_rollback() and run it again");
    return TRAIL_OK;
}

/* ---- preparing --------------------------------------------------------------- */

/* Ends a statement of prepare() (NULL is allowed): the statement cache's finalize. */
static void stmt_free(void *stmt)
{
    my_stmt *p = stmt;
    if (!p)
        return;
    if (p->stmt)
        mysql_stmt_close(p->stmt);
    for (unsigned i = 0; p->cols && i < p->n_fields; i++)
        free(p->cols[i].bytes);
    free(p->params);
    free(p->times);
    free(p->lengths);
    free(p->results);
    free(p->cols);
    free(p);
}

/*
 * Binds result column @i of field type @type. Fixed-size values are
 * fetched with the row. Text and blobs are bound as MADB_BIND_DUMMY: the
 * fetch only notes where each value is, and column() copies it out with
 * mysql_stmt_fetch_column() into a buffer as large as it needs. (A bound
 * buffer too small for the first row could not be fetched again:
 * Connector/C refuses mysql_stmt_fetch_column() after a truncated first
 * fetch.)
 */
static void bind_result(my_stmt *p, unsigned i, enum enum_field_types type)
{
    my_col *c = &p->cols[i];
    MYSQL_BIND *b = &p->results[i];
    b->is_null = &c->is_null;
    b->error = &c->error;
    switch (type) {
    case MYSQL_TYPE_TINY:
    case MYSQL_TYPE_SHORT:
    case MYSQL_TYPE_INT24:
    case MYSQL_TYPE_LONG:
    case MYSQL_TYPE_LONGLONG:
    case MYSQL_TYPE_YEAR:
        c->kind = COL_INT;
        b->buffer_type = MYSQL_TYPE_LONGLONG;
        b->buffer = &c->i;
        break;
    case MYSQL_TYPE_FLOAT:
    case MYSQL_TYPE_DOUBLE:
        c->kind = COL_DOUBLE;
        b->buffer_type = MYSQL_TYPE_DOUBLE;
        b->buffer = &c->d;
        break;
    case MYSQL_TYPE_DATE:
    case MYSQL_TYPE_NEWDATE:
        c->kind = COL_DATE;
        b->buffer_type = MYSQL_TYPE_DATE;
        b->buffer = &c->t;
        break;
    case MYSQL_TYPE_DATETIME:
    case MYSQL_TYPE_TIMESTAMP:
        c->kind = COL_DATETIME;
        b->buffer_type = MYSQL_TYPE_DATETIME;
        b->buffer = &c->t;
        break;
    default:
        c->kind = COL_BYTES;
        b->buffer_type = MYSQL_TYPE_STRING;
        b->flags = MADB_BIND_DUMMY;
        break;
    }
}

/*
 * The result binding of @p, from the metadata of its result set: at prepare,
 * or for a CALL, whose result sets are known only once it ran, after each
 * execution (the same shape every time, bound the first).
 */
static int describe_results(trail_conn *db, my_stmt *p)
{
    unsigned n = mysql_stmt_field_count(p->stmt);
    if (p->results) {
        if (n != p->n_fields)
            return trail__err_set(&db->err, TRAIL_EDB, "mysql: a result of %u columns, %u expected",
                                  n, p->n_fields);
        /* Connector/C drops the binding with each new result set's metadata. */
        return mysql_stmt_bind_result(p->stmt, p->results) ? fail_stmt(db, p->stmt, "bind result")
                                                           : TRAIL_OK;
    }
    p->n_fields = n;
    if (!n)
        return TRAIL_OK;
    if (!(p->results = calloc(n, sizeof *p->results)) || !(p->cols = calloc(n, sizeof *p->cols)))
        return trail__err_set(&db->err, TRAIL_ENOMEM, "out of memory");
    MYSQL_RES *meta = mysql_stmt_result_metadata(p->stmt);
    if (!meta)
        return fail_stmt(db, p->stmt, "result metadata");
    MYSQL_FIELD *fields = mysql_fetch_fields(meta);
    for (unsigned i = 0; i < n; i++)
        bind_result(p, i, fields[i].type);
    mysql_free_result(meta);
    if (mysql_stmt_bind_result(p->stmt, p->results))
        return fail_stmt(db, p->stmt, "bind result");
    return TRAIL_OK;
}

/* The arrays of @p's parameters and result columns, and the result binding. */
static int describe(trail_conn *db, my_stmt *p)
{
    p->n_params = (unsigned)mysql_stmt_param_count(p->stmt);
    if (p->n_params && (!(p->params = calloc(p->n_params, sizeof *p->params)) ||
                        !(p->times = calloc(p->n_params, sizeof *p->times)) ||
                        !(p->lengths = calloc(p->n_params, sizeof *p->lengths))))
        return trail__err_set(&db->err, TRAIL_ENOMEM, "out of memory");
    return describe_results(db, p);
}

/*
 * Prepares @sql into a new my_stmt *@out, which the caller frees with
 * stmt_free(): the statement cache's prepare, and query_once's.
 */
static int prepare(trail_conn *db, const char *sql, void **out)
{
    *out = NULL;
    my_stmt *p = calloc(1, sizeof *p);
    if (!p)
        return trail__err_set(&db->err, TRAIL_ENOMEM, "out of memory");
    int rc;
    if (!(p->stmt = mysql_stmt_init(state(db)->conn))) {
        rc = trail__err_set(&db->err, TRAIL_ENOMEM, "out of memory");
        goto cleanup;
    }
    round_trip(db);
    if (mysql_stmt_prepare(p->stmt, sql, (unsigned long)strlen(sql))) {
        rc = fail_stmt(db, p->stmt, "prepare");
        goto cleanup;
    }
    if ((rc = describe(db, p)) < 0)
        goto cleanup;
    *out = p;
    return TRAIL_OK;
cleanup:
    stmt_free(p);
    return rc;
}

/* ---- parameters ----------------------------------------------------------- */

/* *@t for @days since 1970-01-01; false when the year is outside MySQL's 0-9999. */
static bool time_of_days(MYSQL_TIME *t, int64_t days)
{
    int64_t y;
    int m, d;
    /* Before the conversion, whose arithmetic would overflow near the ends of int64. */
    if (days < TRAIL_DATE_MIN || days > TRAIL_DATE_MAX)
        return false;
    trail__isotime_civil_from_days(days, &y, &m, &d);
    t->year = (unsigned)y;
    t->month = (unsigned)m;
    t->day = (unsigned)d;
    return true;
}

/*
 * Binds parameter @i to @v, whose bytes and numbers are the caller's (so
 * they are borrowed until the statement ran); dates and timestamps are
 * converted into p->times[i].
 */
static int bind_param(trail_conn *db, my_stmt *p, unsigned i, const trail_value *v)
{
    MYSQL_BIND *b = &p->params[i];
    MYSQL_TIME *t = &p->times[i];
    memset(b, 0, sizeof *b);
    switch (v->type) {
    case TRAIL_V_NULL:
        b->buffer_type = MYSQL_TYPE_NULL;
        return TRAIL_OK;
    case TRAIL_V_DOUBLE:
        b->buffer_type = MYSQL_TYPE_DOUBLE;
        b->buffer = (void *)&v->d;
        return TRAIL_OK;
    case TRAIL_V_TEXT:
    case TRAIL_V_JSON:
    case TRAIL_V_BLOB:
        b->buffer_type = v->type == TRAIL_V_BLOB ? MYSQL_TYPE_BLOB : MYSQL_TYPE_STRING;
        b->buffer = (void *)(v->s ? v->s : "");
        b->buffer_length = p->lengths[i] = (unsigned long)v->n;
        b->length = &p->lengths[i];
        return TRAIL_OK;
    case TRAIL_V_DATE:
    case TRAIL_V_TIMESTAMP: {
        bool date = v->type == TRAIL_V_DATE;
        /* Floor division without days * MS_PER_DAY, which overflows near INT64_MIN. */
        int64_t days = date ? v->i : v->i / MS_PER_DAY;
        int64_t ms = date ? 0 : v->i % MS_PER_DAY;
        if (ms < 0) {
            ms += MS_PER_DAY;
            days--;
        }
        memset(t, 0, sizeof *t);
        if (!time_of_days(t, days))
            return trail__err_set(&db->err, TRAIL_EINVALID,
                                  "mysql: parameter %u: a %s outside 0001-01-01 to 9999-12-31",
                                  i + 1, date ? "date" : "timestamp");
        t->hour = (unsigned)(ms / 3600000);
        t->minute = (unsigned)(ms / 60000 % 60);
        t->second = (unsigned)(ms / 1000 % 60);
        t->second_part = (unsigned long)(ms % 1000) * 1000;
        t->time_type = date ? MYSQL_TIMESTAMP_DATE : MYSQL_TIMESTAMP_DATETIME;
        b->buffer_type = date ? MYSQL_TYPE_DATE : MYSQL_TYPE_DATETIME;
        b->buffer = t;
        return TRAIL_OK;
    }
    default: /* bool, int */
        b->buffer_type = MYSQL_TYPE_LONGLONG;
        b->buffer = (void *)&v->i;
        return TRAIL_OK;
    }
}

/* Binds @params to @p, which borrows them until it ran (bind_param()). */
static int bind_params(trail_conn *db, my_stmt *p, const trail_value *params, size_t n)
{
    if (n != p->n_params)
        return trail__err_set(&db->err, TRAIL_EARG,
                              "mysql: the statement takes %u parameters, %zu given", p->n_params,
                              n);
    for (unsigned i = 0; i < n; i++) {
        int rc = bind_param(db, p, i, &params[i]);
        if (rc < 0)
            return rc;
    }
    if (n && mysql_stmt_bind_param(p->stmt, p->params))
        return fail_stmt(db, p->stmt, "bind");
    return TRAIL_OK;
}

/* ---- running -------------------------------------------------------------- */

/*
 * Reads the rows of @p's current result set: @cb per row (the row is @p,
 * positioned on it) until it stops, the rest read and dropped so that the
 * connection is ready for the next statement, and an error that arrives in
 * mid-stream (a lock wait on a later row) is still seen. Frees the result.
 */
static int fetch_rows(trail_conn *db, my_stmt *p, trail_row_cb cb, void *userdata)
{
    int rc = TRAIL_OK;
    for (;;) {
        errno = 0; /* as round_trip(): a fetch may wait for the server, uncounted */
        int f = mysql_stmt_fetch(p->stmt);
        if (f == MYSQL_NO_DATA)
            break;
        if (f == 1) {
            /*
             * An error that arrives among the rows (a Galera node's applier
             * aborting the statement: 1213) is left by Connector/C on the
             * connection, not on the statement.
             */
            rc = mysql_stmt_errno(p->stmt) ? fail_stmt(db, p->stmt, "fetch") : fail(db, "fetch");
            break;
        }
        if (f == MYSQL_DATA_TRUNCATED) { /* only a fixed-size value can be: a BIGINT UNSIGNED */
            rc = trail__err_set(&db->err, TRAIL_EDB,
                                "mysql: a value of the result does not fit a 64-bit integer");
            break;
        }
        if (cb && (rc = cb(db, p, userdata)) != 0)
            break;
    }
    /* Reads and drops what a stop left unread. */
    mysql_stmt_free_result(p->stmt);
    return rc;
}

/*
 * Binds @params to @p and executes it: one round trip, its rows following
 * unasked (no cursor). A statement larger than max_allowed_packet is not
 * sent: the server would drop the connection.
 */
static int execute(trail_conn *db, my_stmt *p, const trail_value *params, size_t n)
{
    int rc = bind_params(db, p, params, n);
    if (rc < 0)
        return rc;
    uint64_t bytes = trail__mysql_statement_bytes(params, n);
    if (db->max_packet && bytes > db->max_packet)
        return trail__err_set(&db->err, TRAIL_EINVALID,
                              "mysql: the statement's values take %llu bytes, more than the "
                              "server's max_allowed_packet of %llu bytes",
                              (unsigned long long)bytes, (unsigned long long)db->max_packet);
    round_trip(db);
    db->statements++;
    return mysql_stmt_execute(p->stmt) ? fail_stmt(db, p->stmt, "execute") : TRAIL_OK;
}

/*
 * Executes @p with @params (borrowed) and reads every row (fetch_rows()).
 * *@changes: the rows a statement without a result changed; 0 for one with.
 */
static int run(trail_conn *db, my_stmt *p, const trail_value *params, size_t n, trail_row_cb cb,
               void *userdata, int64_t *changes)
{
    int rc = execute(db, p, params, n);
    if (rc < 0)
        return rc;
    if (!p->n_fields) {
        if (changes)
            *changes = (int64_t)mysql_stmt_affected_rows(p->stmt);
        return TRAIL_OK;
    }
    if ((rc = fetch_rows(db, p, cb, userdata)) != TRAIL_OK)
        return rc;
    if (changes)
        *changes = 0;
    return TRAIL_OK;
}

/* trail_driver.query (driver.h). */
static int my_query(trail_conn *db, const char *sql, const trail_value *params, size_t n,
                    trail_row_cb cb, void *userdata, int64_t *changes)
{
    void *p;
    int rc = usable(db);
    if (rc < 0)
        return rc;
    if ((rc = trail__stmt_cache_get(db, &state(db)->stmts, sql, &p)) < 0)
        return rc;
    return run(db, p, params, n, cb, userdata, changes);
}

/* trail_driver.query_once: a statement made at run time, prepared for this call, closed after. */
static int my_query_once(trail_conn *db, const char *sql, const trail_value *params, size_t n,
                         trail_row_cb cb, void *userdata, int64_t *changes)
{
    void *p;
    int rc = usable(db);
    if (rc < 0)
        return rc;
    if ((rc = prepare(db, sql, &p)) < 0)
        return rc;
    rc = run(db, p, params, n, cb, userdata, changes);
    stmt_free(p);
    return rc;
}

/*
 * trail_driver.exec: @sql as text, any rows dropped (DDL, session settings,
 * transaction control).
 */
static int my_exec(trail_conn *db, const char *sql)
{
    int rc = usable(db);
    if (rc < 0)
        return rc;
    MYSQL *c = state(db)->conn;
    round_trip(db);
    db->statements++;
    if (mysql_real_query(c, sql, (unsigned long)strlen(sql)))
        return fail(db, "exec");
    if (mysql_field_count(c) > 0) {
        MYSQL_RES *res = mysql_store_result(c);
        if (!res)
            return fail(db, "exec");
        mysql_free_result(res);
    }
    return TRAIL_OK;
}

/* ---- columns -------------------------------------------------------------- */

/* @t as days since 1970-01-01; false for a zero or impossible date. */
static bool days_of_time(const MYSQL_TIME *t, int64_t *days)
{
    if (t->month < 1 || t->month > 12 || t->day < 1 || t->day > 31)
        return false;
    *days = trail__isotime_days_from_civil(t->year, (int)t->month, (int)t->day);
    return true;
}

/* An integer, date or timestamp column, in trail's units. */
static bool integer_of(const my_col *c, int64_t *out)
{
    int64_t days;
    switch (c->kind) {
    case COL_INT:
        *out = c->i;
        return true;
    case COL_DATE:
        return days_of_time(&c->t, out);
    case COL_DATETIME:
        if (!days_of_time(&c->t, &days))
            return false;
        *out = days * MS_PER_DAY +
               ((int64_t)c->t.hour * 3600 + c->t.minute * 60 + c->t.second) * 1000 +
               (int64_t)(c->t.second_part / 1000);
        return true;
    default:
        return false;
    }
}

/*
 * Copies text or blob column @i of the current row into the column's
 * buffer, grown to fit; @out borrows that buffer until the next row.
 */
static int fetch_bytes(trail_conn *db, my_stmt *p, unsigned i, trail_value *out)
{
    my_col *c = &p->cols[i];
    unsigned long length = 0;
    for (;;) {
        MYSQL_BIND b = { 0 };
        b.buffer_type = MYSQL_TYPE_STRING;
        b.buffer = c->bytes;
        b.buffer_length = c->cap;
        b.length = &length;
        b.is_null = &c->is_null;
        b.error = &c->error;
        if (mysql_stmt_fetch_column(p->stmt, &b, i, 0))
            return fail_stmt(db, p->stmt, "fetch column");
        if (c->is_null || length <= c->cap)
            break;
        unsigned long cap = c->cap * 2 > length ? c->cap * 2 : length;
        char *bytes = realloc(c->bytes, cap);
        if (!bytes)
            return trail__err_set(&db->err, TRAIL_ENOMEM, "out of memory");
        c->bytes = bytes;
        c->cap = cap;
    }
    if (c->is_null)
        return TRAIL_OK;
    out->s = c->bytes ? c->bytes : ""; /* an empty value is not NULL */
    out->n = length;
    return TRAIL_OK;
}

/*
 * trail_driver.column: @row is the statement positioned on it (fetch_rows());
 * text and blobs are lent from its column buffers until the next row.
 */
static int my_column(trail_conn *db, void *row, size_t i, trail_vtype want, trail_value *out)
{
    my_stmt *p = row;
    memset(out, 0, sizeof *out);
    if (i >= p->n_fields)
        return trail__err_set(&db->err, TRAIL_EDB, "mysql: no column %zu in a row of %u", i + 1,
                              p->n_fields);
    my_col *c = &p->cols[i];
    if (c->kind == COL_BYTES) {
        if (want != TRAIL_V_TEXT && want != TRAIL_V_JSON && want != TRAIL_V_BLOB)
            return trail__err_set(&db->err, TRAIL_EDB,
                                  "mysql: column %zu holds text, not a value of kind %d", i + 1,
                                  (int)want);
        int rc = fetch_bytes(db, p, (unsigned)i, out);
        if (rc < 0)
            return rc;
        if (!c->is_null)
            out->type = want;
        return TRAIL_OK;
    }
    if (c->is_null)
        return TRAIL_OK;
    out->type = want;
    bool ok;
    if (want == TRAIL_V_DOUBLE) {
        if ((ok = c->kind == COL_DOUBLE))
            out->d = c->d;
        else if ((ok = integer_of(c, &out->i)))
            out->d = (double)out->i;
    } else {
        ok = want != TRAIL_V_TEXT && want != TRAIL_V_JSON && want != TRAIL_V_BLOB &&
             integer_of(c, &out->i);
    }
    if (!ok)
        return trail__err_set(&db->err, TRAIL_EDB,
                              "mysql: column %zu (of kind %d here) cannot be read as kind %d",
                              i + 1, (int)c->kind, (int)want);
    return TRAIL_OK;
}

/* ---- transactions --------------------------------------------------------- */

/* After a lost connection there is nothing to roll back: the server does it when a session ends. */
static int my_rollback(trail_conn *db)
{
    my_state *st = state(db);
    if (!st->in_tx)
        return TRAIL_OK;
    st->in_tx = false;
    st->aborted = false;
    if (st->lost)
        return TRAIL_OK;
    round_trip(db);
    db->statements++;
    return mysql_rollback(st->conn) ? fail(db, "rollback") : TRAIL_OK;
}

/* No lock but the records' own: each connection chains its events in a lane (audit/lane.h). */
static int my_begin(trail_conn *db)
{
    my_state *st = state(db);
    int rc = my_exec(db, "START TRANSACTION");
    if (rc < 0)
        return rc;
    st->in_tx = true;
    st->aborted = false;
    return TRAIL_OK;
}

static int my_commit(trail_conn *db)
{
    my_state *st = state(db);
    int rc = usable(db);
    if (rc < 0)
        return rc;
    round_trip(db);
    db->statements++;
    if (mysql_commit(st->conn))
        return fail(db, "commit");
    st->in_tx = false;
    return TRAIL_OK;
}

/* ---- one-statement writes ------------------------------------------------ */

/* Reads the current result set of the CALL @p, its rows to @cb, and frees it. */
static int call_result_set(trail_conn *db, my_stmt *p, trail_row_cb cb, void *userdata)
{
    int rc = describe_results(db, p);
    if (rc < 0) {
        mysql_stmt_free_result(p->stmt);
        return rc;
    }
    return fetch_rows(db, p, cb, userdata); /* which frees the result */
}

/*
 * Reads the results of the CALL @p just executed: the rows of its result
 * set go to @cb, then the call's own status, which says whether what the
 * procedure did after its SELECT (its COMMIT) went well. Everything is read
 * even after a failure, so that the connection is ready for the next
 * statement; the first failure is the one returned.
 */
static int call_results(trail_conn *db, my_stmt *p, trail_row_cb cb, void *userdata)
{
    int rc = TRAIL_OK;
    for (;;) {
        if (mysql_stmt_field_count(p->stmt) > 0) {
            int got = call_result_set(db, p, cb, userdata);
            if (got < 0 && rc >= 0)
                rc = got;
        }
        errno = 0; /* as round_trip() */
        int more = mysql_stmt_next_result(p->stmt);
        if (more > 0 && rc >= 0)
            rc = fail_stmt(db, p->stmt, "call");
        if (more != 0)
            return rc;
    }
}

/*
 * write_one.h's trail_write_run: a CALL of write_mysql.c's procedures, one
 * round trip, after refusing what cannot fit max_allowed_packet. Outside
 * trail_begin() the procedure commits or rolls back itself; inside, a
 * failed call is undone to the savepoint it set.
 */
static int my_run_write(trail_conn *db, const trail_write_op *w, const char *sql,
                        const trail_value *params, size_t n, trail_row_cb cb, void *userdata)
{
    my_state *st = state(db);
    void *p;
    int rc = trail__mysql_write_fits(db, w, params);
    if (rc < 0)
        return rc;
    if ((rc = usable(db)) < 0)
        return rc;
    if ((rc = trail__stmt_cache_get(db, &st->stmts, sql, &p)) < 0)
        return rc;
    if ((rc = execute(db, p, params, n)) < 0)
        goto undo;
    if ((rc = call_results(db, p, cb, userdata)) < 0)
        goto undo;
    return rc;

undo:
    if (db->in_tx && !st->aborted && !st->lost) {
        trail_err saved = db->err;
        my_exec(db, db->drv->sql->rollback_to); /* fails harmlessly when the call set none */
        db->err = saved;
    }
    return rc;
}

/* trail_driver.write: the stored procedures of write_mysql.c. */
static int my_write(trail_conn *db, trail_write_op *w)
{
    return trail__write_one(db, w, my_run_write);
}

/* ---- connecting ----------------------------------------------------------- */

static void my_close(trail_conn *db)
{
    my_state *st = state(db);
    if (!st)
        return;
    trail__stmt_cache_free(&st->stmts);
    if (st->conn)
        mysql_close(st->conn);
    trail__mysql_url_free(&st->url);
    free(st);
    db->drv_state = NULL;
}

/* Sets the timeouts in effect from those of @u, else @opts. */
static void set_timeouts(my_state *st, const trail_mysql_url *u, const trail_open_opts *opts)
{
    unsigned io_s = trail__conn_seconds(trail__conn_io_timeout_ms(opts));
    st->connect_s = u->connect_timeout >= 0
                        ? (unsigned)u->connect_timeout
                        : trail__conn_seconds(trail__conn_connect_timeout_ms(opts));
    st->read_s = u->read_timeout >= 0 ? (unsigned)u->read_timeout : io_s;
    st->write_s = u->write_timeout >= 0 ? (unsigned)u->write_timeout : io_s;
}

/* A new handle in st->conn, set up as @u says; mysql_real_connect() is next. */
static int new_handle(trail_conn *db, const trail_mysql_url *u)
{
    my_state *st = state(db);
    MYSQL *c = st->conn = mysql_init(NULL);
    if (!c)
        return trail__err_set(&db->err, TRAIL_ENOMEM, "out of memory");
    my_bool off = 0, on = 1;
    /* A reconnect would silently drop the transaction and the prepared statements. */
    if (mysql_options(c, MYSQL_OPT_RECONNECT, &off) ||
        mysql_options(c, MYSQL_SET_CHARSET_NAME, "utf8mb4") ||
        mysql_options(c, MYSQL_REPORT_DATA_TRUNCATION, &on) ||
        mysql_options(c, MYSQL_OPT_CONNECT_TIMEOUT, &st->connect_s) ||
        mysql_options(c, MYSQL_OPT_READ_TIMEOUT, &st->read_s) ||
        mysql_options(c, MYSQL_OPT_WRITE_TIMEOUT, &st->write_s) ||
        (u->program_name &&
         mysql_options4(c, MYSQL_OPT_CONNECT_ATTR_ADD, "program_name", u->program_name)))
        return fail(db, "options");
    return TRAIL_OK;
}

/*
 * Connects st->conn to host @h of @u: true when it did, else false with why
 * in @why (@size bytes).
 */
static bool connect_host(my_state *st, const trail_mysql_url *u, const trail_mysql_host *h,
                         char *why, size_t size)
{
    MYSQL *c = st->conn;
    errno = 0; /* as round_trip(): its errno tells a timeout */
    if (mysql_real_connect(c, h->host, u->user, u->password, u->database, h->port, u->socket,
                           CLIENT_FOUND_ROWS | CLIENT_MULTI_RESULTS))
        return true;
    if (errno == ETIMEDOUT && st->connect_s)
        snprintf(why, size, "the server did not answer within %u s (%s)", st->connect_s,
                 mysql_error(c));
    else
        snprintf(why, size, "%s", mysql_error(c));
    return false;
}

/*
 * Reads the server's max_allowed_packet into db->max_packet, which the
 * session's copy of cannot change, and whether it is a Galera node
 * (wsrep_on, which MySQL does not have): one round trip.
 */
static int read_server(trail_conn *db)
{
    my_state *st = state(db);
    static const char sql[] =
        "SHOW VARIABLES WHERE Variable_name IN ('max_allowed_packet', 'wsrep_on')";
    round_trip(db);
    if (mysql_real_query(st->conn, sql, sizeof sql - 1))
        return fail(db, "server variables");
    MYSQL_RES *res = mysql_store_result(st->conn);
    if (!res)
        return fail(db, "server variables");
    db->max_packet = 0;
    st->galera = false;
    for (MYSQL_ROW row; (row = mysql_fetch_row(res));) {
        if (!row[0] || !row[1])
            continue;
        if (strcmp(row[0], "max_allowed_packet") == 0)
            db->max_packet = strtoull(row[1], NULL, 10);
        else if (strcmp(row[0], "wsrep_on") == 0)
            st->galera = strcmp(row[1], "ON") == 0;
    }
    mysql_free_result(res);
    return db->max_packet ? TRAIL_OK
                          : trail__err_set(&db->err, TRAIL_EDB,
                                           "mysql: the server did not say its max_allowed_packet");
}

/*
 * Whether the Galera node just connected to takes work: 1, or 0 with why
 * in @why (@size bytes), or a failure. A node cut off from the cluster's
 * primary component (or still joining) accepts connections and SET, but
 * answers 1047 to every use of a table: another host of the URL is better.
 */
static int node_ready(trail_conn *db, char *why, size_t size)
{
    static const char sql[] = "SHOW STATUS LIKE 'wsrep_ready'";
    MYSQL *c = state(db)->conn;
    round_trip(db);
    if (mysql_real_query(c, sql, sizeof sql - 1))
        return fail(db, "wsrep_ready");
    MYSQL_RES *res = mysql_store_result(c);
    if (!res)
        return fail(db, "wsrep_ready");
    MYSQL_ROW row = mysql_fetch_row(res);
    bool ready = row && row[1] && strcmp(row[1], "ON") == 0;
    mysql_free_result(res);
    if (!ready)
        snprintf(why, size,
                 "a Galera node that is not ready (wsrep_ready OFF): outside the "
                 "cluster's primary component, or still joining it");
    return ready;
}

/*
 * Connects st->conn to the first host of @u that answers, in the URL's
 * order, each within the connect timeout (per host, as libpq counts its
 * own), and reads what trail needs of its server (read_server()); a Galera
 * node that is not ready counts as a host that did not answer. When none
 * does, the message says why each failed. A handle that failed is closed
 * at once: only the one that answered stays in st->conn.
 */
static int connect_to(trail_conn *db, const trail_mysql_url *u, const trail_open_opts *opts)
{
    my_state *st = state(db);
    set_timeouts(st, u, opts);
    char why[TRAIL_ERRMSG_MAX], all[TRAIL_ERRMSG_MAX] = "";
    size_t len = 0;
    for (size_t i = 0; i < u->n_hosts; i++) {
        const trail_mysql_host *h = &u->hosts[i];
        int rc = new_handle(db, u);
        if (rc < 0)
            return rc;
        if (connect_host(st, u, h, why, sizeof why)) {
            if ((rc = read_server(db)) < 0)
                return rc;
            if (!st->galera || (rc = node_ready(db, why, sizeof why)) > 0)
                return TRAIL_OK;
            if (rc < 0)
                return rc;
        }
        mysql_close(st->conn);
        st->conn = NULL;
        if (u->n_hosts == 1)
            return trail__err_set(&db->err, TRAIL_EDB, "mysql: cannot connect: %s", why);
        const char *name = h->host ? h->host : "localhost";
        bool v6 = strchr(name, ':') != NULL;
        int n = snprintf(all + len, sizeof all - len, "%s%s%s%s:%u: %s", i ? "; " : "",
                         v6 ? "[" : "", name, v6 ? "]" : "", h->port ? h->port : MYSQL_PORT, why);
        if (n > 0)
            len = len + (size_t)n < sizeof all ? len + (size_t)n : sizeof all - 1;
    }
    return trail__err_set(&db->err, TRAIL_EDB, "mysql: cannot connect to any of the %zu hosts: %s",
                          u->n_hosts, all);
}

/*
 * Connects to the first host of st->url that answers and sets the session
 * up, as @opts say: at open, and again after a lost connection.
 */
static int start_session(trail_conn *db, const trail_open_opts *opts)
{
    my_state *st = state(db);
    int rc = connect_to(db, &st->url, opts);
    if (rc < 0)
        return rc;
    /*
     * A lock wait longer than busy_timeout_ms is TRAIL_EBUSY, as SQLite's
     * busy timeout; InnoDB counts whole seconds, so it is rounded up. The
     * metadata lock of DDL waits as long. Durability
     * (innodb_flush_log_at_trx_commit) is the server's.
     */
    unsigned timeout_s = trail__conn_seconds(trail__conn_lock_timeout_ms(opts));
    char set[320];
    snprintf(set, sizeof set,
             "SET SESSION sql_mode = 'STRICT_ALL_TABLES,NO_ZERO_IN_DATE,NO_ZERO_DATE,"
             "ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION',"
             " time_zone = '+00:00', innodb_lock_wait_timeout = %u, lock_wait_timeout = %u",
             timeout_s, timeout_s);
    if ((rc = my_exec(db, set)) < 0)
        return rc;
    return my_exec(db, opts->read_only
                           ? "SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED, READ ONLY"
                           : "SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED");
}

/*
 * Connects again after the connection was lost (usable()), with fresh
 * statements: the old ones belonged to the session that ended. On success
 * db->session counts one more, which moves the connection's lane on
 * (audit/lane.h).
 *
 * The node reached may be another member of a Galera cluster, which
 * applies what the others committed a moment later. One read with a
 * causality wait (wsrep_sync_wait) makes the session see every write
 * acknowledged before it, this connection's own among them, before it
 * reads or seals anything.
 */
static int reconnect(trail_conn *db)
{
    my_state *st = state(db);
    trail__stmt_cache_free(&st->stmts); /* empty, and ready for the new session's */
    if (st->conn)
        mysql_close(st->conn);
    st->conn = NULL;
    st->aborted = false;
    st->lost = false; /* for start_session()'s statements */
    int rc = start_session(db, &db->opts);
    if (rc < 0) {
        st->lost = true;
        return trail__conn_reconnect_failed(db, rc);
    }
    db->session++;
    if (st->galera && ((rc = my_exec(db, "SET SESSION wsrep_sync_wait = 1")) < 0 ||
                       (rc = my_exec(db, "SELECT 1")) < 0 ||
                       (rc = my_exec(db, "SET SESSION wsrep_sync_wait = DEFAULT")) < 0))
        return rc;
    return TRAIL_OK;
}

/*
 * trail_driver.open: connects to the mysql:// URL @target and sets the
 * session up. What it made stays in db->drv_state also on failure, for
 * my_close(), which trail_open() then calls.
 */
static int my_open(trail_conn *db, const char *target, const trail_open_opts *opts)
{
    my_state *st = calloc(1, sizeof *st);
    if (!st)
        return trail__err_set(&db->err, TRAIL_ENOMEM, "out of memory");
    db->drv_state = st;
    trail__stmt_cache_init(&st->stmts, prepare, stmt_free);
    int rc = trail__mysql_url_parse(&st->url, target, &db->err);
    if (rc < 0)
        return rc;
    return start_session(db, opts);
}

extern const struct trail_runtime_sql trail__runtime_sql_mysql;

const trail_driver trail__driver_mysql = {
    .version = TRAIL_DRIVER_VERSION,
    .dialect = &trail__dialect_mysql,
    .name = "mysql",
    .open = my_open,
    .close = my_close,
    .exec = my_exec,
    .query = my_query,
    .query_once = my_query_once,
    .column = my_column,
    .begin = my_begin,
    .commit = my_commit,
    .rollback = my_rollback,
    .write_sql = trail__mysql_write_sql,
    .write_setup_sql = trail__mysql_write_setup_sql,
    .write = my_write,
    .sql = &trail__runtime_sql_mysql,
};
