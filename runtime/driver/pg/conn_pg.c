/*
 * conn_pg.c - the PostgreSQL driver (libpq).
 *
 * Every statement but exec's (DDL, session settings, transaction control)
 * is prepared once per connection, or one made at run time (query_once)
 * for its one run: PQprepare, then PQdescribePrepared for the parameter
 * types the server inferred. It runs with parameters and results in binary: integers, doubles,
 * dates and timestamps cross the wire exactly, with no text to format or parse. A parameter is
 * encoded for the type the server expects, whatever trail_value type it came as (an int64 bound
 * where a boolean is wanted, say).
 *
 * Rows stream in single-row mode, so that reading a long history takes the
 * memory of one row, not of the whole result.
 *
 * A write transaction is BEGIN (READ COMMITTED); no lock is taken but the
 * records' own, since each connection chains its events in a lane of its
 * own (audit/lane.h).
 *
 * An audited write outside trail_begin() is one pipeline, so one round
 * trip: the write's single statement, a call of a function that migrate
 * made (write_pg.c), then a Sync, which
 * commits it, or rolls it back when it failed.
 *
 * The connection is nonblocking once open, and every wait for the server is
 * await()'s poll(), bounded by the read/write timeout: libpq's own waits
 * (PQexec, PQgetResult on a busy connection) have no limit, and TCP keeps
 * a connection to a server that stopped answering but whose kernel still
 * acknowledges (a paused or overloaded process) for as long as it likes.
 *
 * A lost connection (or one given up after a timeout) fails the call that
 * found it; the next call outside a transaction connects again with what
 * trail_open() was given, so libpq walks a multi-host URL from its first
 * host (SPEC §3). Inside a transaction it fails until trail_rollback():
 * connecting again there would run the rest of the transaction's
 * statements outside it.
 */
#define _POSIX_C_SOURCE 200809L /* clock_gettime, poll */
#include "core/buf.h"
#include "driver/driver.h"
#include "driver/sql.h"
#include "driver/stmt_cache.h"
#include "audit/write_one.h"
#include "audit/write_sql.h"
#include "trail/redact.h"

#include <errno.h>
#include <libpq-fe.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Type OIDs (pg_type.h is a server header). */
enum {
    OID_BOOL = 16,
    OID_BYTEA = 17,
    OID_INT8 = 20,
    OID_INT2 = 21,
    OID_INT4 = 23,
    OID_TEXT = 25,
    OID_JSON = 114,
    OID_FLOAT4 = 700,
    OID_FLOAT8 = 701,
    OID_BPCHAR = 1042,
    OID_VARCHAR = 1043,
    OID_DATE = 1082,
    OID_TIMESTAMP = 1114,
    OID_TIMESTAMPTZ = 1184,
    OID_JSONB = 3802
};

/* PostgreSQL counts dates and timestamps from 2000-01-01; trail from 1970-01-01. */
#define PG_EPOCH_DAYS 10957
#define PG_EPOCH_MS   INT64_C(946684800000)

#define JSONB_VERSION 1 /* the first byte of jsonb's binary form */

typedef struct pg_stmt {
    char name[24];
    int n_params;
    Oid types[]; /* n_params, as the server inferred them */
} pg_stmt;

typedef struct pg_state {
    PGconn *conn;
    trail_stmt_cache stmts;
    unsigned next_name;
    trail_buf scratch; /* the encoded parameters of the statement being sent */
    size_t cap;        /* of the arrays below */
    const char **values;
    int *lengths, *formats;
    size_t *offsets;   /* into scratch, or SIZE_MAX when values[i] is the caller's memory */
    int io_timeout_ms; /* -1: none */
    bool lost;         /* the connection is gone, or given up after a timeout */
    bool in_tx;        /* between begin and commit or rollback */
    /* What trail_open() was given, to connect again (start_session()). */
    char *target;
    char url[200];      /* the same as messages name it: its password hidden */
    char connect_s[16]; /* the connect_timeout passed to libpq, "" for its own */
    int ours_s, connect_ms;
} pg_state;

typedef struct pg_row {
    PGresult *res;
    int i; /* 0 in single-row mode */
} pg_row;

static pg_state *state(trail_conn *db)
{
    return db->drv_state;
}

/* ---- errors ---------------------------------------------------------------- */

/*
 * The trail code of @sqlstate; *@retry says whether the failure (a deadlock,
 * a serialization failure) undid the transaction and may pass when run again.
 */
static int code_of(const char *sqlstate, bool *retry)
{
    *retry = false;
    if (!sqlstate)
        return TRAIL_EDB;
    if (strcmp(sqlstate, "23505") == 0)
        return TRAIL_EUNIQUE;
    if (strcmp(sqlstate, "23503") == 0)
        return TRAIL_EREF;
    if (strcmp(sqlstate, "23514") == 0 || strcmp(sqlstate, "23502") == 0 ||
        strncmp(sqlstate, "22", 2) == 0) /* check, not null, data exceptions */
        return TRAIL_EINVALID;
    if (strcmp(sqlstate, "40001") == 0 || strcmp(sqlstate, "40P01") == 0) {
        *retry = true;
        return TRAIL_EBUSY;
    }
    if (strcmp(sqlstate, "55P03") == 0) /* lock timeout */
        return TRAIL_EBUSY;
    if (strcmp(sqlstate, "53200") == 0) /* out of memory */
        return TRAIL_ENOMEM;
    return TRAIL_EDB;
}

/* Whether the server reported @name (a parameter it reports, PostgreSQL 14 on) as "on". */
static bool reported_on(PGconn *c, const char *name)
{
    const char *v = PQparameterStatus(c, name);
    return v && strcmp(v, "on") == 0;
}

/*
 * Sets db's error for a statement the server refused as a write in a
 * read-only transaction (SQLSTATE 25006, its message @msg): why this
 * connection cannot write, naming the URL and the server it reached.
 */
static int read_only(trail_conn *db, const char *what, const char *msg)
{
    PGconn *c = state(db)->conn;
    const char *url = state(db)->url, *host = PQhost(c), *port = PQport(c);
    /* The live state: a standby promoted since the connect reports in_hot_standby off. */
    bool standby = reported_on(c, "in_hot_standby");
    if (db->opts.read_only)
        return trail__err_set(&db->err, TRAIL_EDB,
                              "postgresql: %s: this connection to %s was opened read-only "
                              "(trail_open_opts.read_only)%s, so it takes no writes (SQLSTATE "
                              "25006: %.120s)",
                              what, url, standby ? " to a hot standby" : "", msg);
    return trail__err_set(
        &db->err, TRAIL_EDB,
        "postgresql: %s: %s (server %.100s%s%.16s) is read-only%s, so it takes "
        "no writes (SQLSTATE 25006: %.120s); write through the primary",
        what, url, host ? host : "", port && *port ? ":" : "", port ? port : "",
        standby ? ": a hot standby" : " (its default_transaction_read_only is on)", msg);
}

/* Sets db's error from @res (may be NULL: then from the connection). */
static int fail(trail_conn *db, const PGresult *res, const char *what)
{
    pg_state *st = state(db);
    PGconn *c = st->conn;
    const char *msg = res ? PQresultErrorMessage(res) : "";
    if (!*msg)
        msg = PQerrorMessage(c);
    int len = (int)strcspn(msg, "\n");
    /* A killed session's FATAL arrives while libpq still calls the connection good. */
    const char *severity = res ? PQresultErrorField(res, PG_DIAG_SEVERITY_NONLOCALIZED) : NULL;
    bool fatal = severity && (strcmp(severity, "FATAL") == 0 || strcmp(severity, "PANIC") == 0);
    if (fatal || PQstatus(c) == CONNECTION_BAD) {
        st->lost = true;
        return trail__err_set(&db->err, TRAIL_EDB,
                              "postgresql: %s: the connection to the server was lost (%.*s); %s",
                              what, len, msg, trail__conn_lost_advice(st->in_tx));
    }
    const char *sqlstate = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    int code = code_of(sqlstate, &db->retryable);
    const char *primary = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
    if (sqlstate && strcmp(sqlstate, "25006") == 0) /* read_only_sql_transaction */
        return read_only(db, what, primary ? primary : msg);
    /* undefined_function: a write's function (write_pg.c) that migrate has not made. */
    if (sqlstate && strcmp(sqlstate, "42883") == 0 && strstr(msg, "function trail_"))
        return trail__err_set(&db->err, TRAIL_EDB,
                              "postgresql: %s: %.*s; the schema's migrate makes the functions "
                              "that this build of trail calls: run it",
                              what, len, msg);
    return trail__err_set(&db->err, code, "postgresql: %s: %.*s", what, len, msg);
}

static int reconnect(trail_conn *db);

/*
 * TRAIL_OK when statements may be sent, after connecting again when the
 * connection was lost (or given up after a timeout, when the server may
 * still be reading or answering what was sent before) outside a
 * transaction.
 */
static int usable(trail_conn *db)
{
    pg_state *st = state(db);
    if (!st->lost)
        return TRAIL_OK;
    if (!st->in_tx && !db->closing)
        return reconnect(db);
    return trail__err_set(&db->err, TRAIL_EDB,
                          "postgresql: the connection to the server was lost earlier; %s",
                          trail__conn_lost_advice(true));
}

/* ---- waiting ----------------------------------------------------------------- */

static int64_t monotonic_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* poll() on @p for at most @ms milliseconds (-1: no limit), resumed after a signal. */
static int poll_for(struct pollfd *p, int ms)
{
    int64_t deadline = monotonic_ms() + (ms < 0 ? 0 : ms);
    for (;;) {
        int64_t left = deadline - monotonic_ms();
        int n = poll(p, 1, ms < 0 ? -1 : left > 0 ? (int)left : 0);
        if (n >= 0 || errno != EINTR)
            return n;
    }
}

/*
 * Waits until PQgetResult() would not block: all that was sent is flushed
 * and the next result is in (or the connection broke, which PQgetResult()
 * then reports). Each poll lasts at most the read/write timeout, and starts
 * again when the socket is ready, so only a server that neither sends nor
 * takes anything for that long times out: the call fails with @what, the
 * connection is given up. Once given up, returns TRAIL_EDB at once without
 * a new message, so that the timeout's message stays.
 */
static int await(trail_conn *db, const char *what)
{
    pg_state *st = state(db);
    PGconn *c = st->conn;
    while (!st->lost) {
        int pending = PQflush(c);
        if (pending < 0)
            return fail(db, NULL, what);
        if (!PQconsumeInput(c) && PQisBusy(c))
            return fail(db, NULL, what);
        if (pending == 0 && !PQisBusy(c))
            return TRAIL_OK;
        struct pollfd p = { .fd = PQsocket(c), .events = POLLIN | (pending ? POLLOUT : 0) };
        if (p.fd < 0)
            return fail(db, NULL, what);
        int n = poll_for(&p, st->io_timeout_ms);
        if (n < 0)
            return trail__err_set(&db->err, TRAIL_EDB, "postgresql: %s: poll: %s", what,
                                  strerror(errno));
        if (n == 0) {
            st->lost = true;
            return trail__conn_timed_out(db, "postgresql", what, st->io_timeout_ms, st->in_tx);
        }
    }
    return TRAIL_EDB;
}

/*
 * The next result of what was sent into *@out, NULL after the last; the
 * caller owns it and clears it with PQclear(). On failure *@out is NULL.
 */
static int next_result(trail_conn *db, const char *what, PGresult **out)
{
    *out = NULL;
    int rc = await(db, what);
    if (rc < 0)
        return rc;
    *out = PQgetResult(state(db)->conn);
    return TRAIL_OK;
}

static bool succeeded(const PGresult *res)
{
    ExecStatusType s = PQresultStatus(res);
    return s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK || s == PGRES_SINGLE_TUPLE;
}

/*
 * Reads every result of the command PQsend*() just sent, as PQexec() does
 * but within the timeouts (@sent: what PQsend*() returned). *@out receives
 * the first failed result, else the last, which the caller owns and clears
 * with PQclear() (it may be NULL, which PQresultStatus() calls a failure).
 * On failure *@out is NULL.
 */
static int finish(trail_conn *db, int sent, const char *what, PGresult **out)
{
    *out = NULL;
    if (!sent)
        return fail(db, NULL, what);
    PGresult *keep = NULL;
    for (;;) {
        PGresult *res;
        int rc = next_result(db, what, &res);
        if (rc < 0) {
            PQclear(keep);
            return rc;
        }
        if (!res)
            break;
        if (!keep || succeeded(keep)) {
            PQclear(keep);
            keep = res;
        } else {
            PQclear(res);
        }
    }
    *out = keep;
    return TRAIL_OK;
}

/*
 * After @cb stopped or @rc failed: reads and drops the rest of the results
 * being read (in a pipeline, those of one statement; else all of what was
 * sent), so that the connection is ready for what comes next. Returns @rc,
 * or when @rc is no failure, the first failure among the rest; a connection
 * given up comes before either. A statement that a pipeline skipped
 * (PGRES_PIPELINE_ABORTED) failed only because an earlier one did.
 */
static int drain(trail_conn *db, const char *what, int rc)
{
    for (;;) {
        PGresult *res;
        int got = next_result(db, what, &res);
        if (got < 0)
            return got;
        if (!res)
            return rc;
        if (rc >= 0 && !succeeded(res) && PQresultStatus(res) != PGRES_PIPELINE_ABORTED)
            rc = fail(db, res, what);
        PQclear(res);
    }
}

/* Each row of @res to @cb (NULL: none wanted) until it stops: TRAIL_OK, or what stopped it. */
static int each_row(trail_conn *db, PGresult *res, trail_row_cb cb, void *userdata)
{
    for (int i = 0; cb && i < PQntuples(res); i++) {
        pg_row row = { res, i };
        int rc = cb(db, &row, userdata);
        if (rc != TRAIL_OK)
            return rc;
    }
    return TRAIL_OK;
}

/* ---- preparing --------------------------------------------------------------- */

/*
 * Prepares @sql as the statement @name ("": the unnamed one) and learns its
 * parameter types: two round trips. *@out receives a new pg_stmt, which
 * the caller frees with free(); it is left alone on failure.
 */
static int prepare(trail_conn *db, const char *sql, const char *name, pg_stmt **out)
{
    PGconn *c = state(db)->conn;
    db->round_trips += 2;
    PGresult *res;
    int rc = finish(db, PQsendPrepare(c, name, sql, 0, NULL), "prepare", &res);
    if (rc < 0)
        return rc;
    if (PQresultStatus(res) != PGRES_COMMAND_OK) {
        rc = fail(db, res, "prepare");
        goto clear;
    }
    PQclear(res);
    if ((rc = finish(db, PQsendDescribePrepared(c, name), "describe", &res)) < 0)
        return rc;
    if (PQresultStatus(res) != PGRES_COMMAND_OK) {
        rc = fail(db, res, "describe");
        goto clear;
    }
    int n = PQnparams(res);
    pg_stmt *st = malloc(sizeof *st + (size_t)n * sizeof(Oid));
    if (!st) {
        rc = trail__err_set(&db->err, TRAIL_ENOMEM, "out of memory");
        goto clear;
    }
    snprintf(st->name, sizeof st->name, "%s", name);
    st->n_params = n;
    for (int i = 0; i < n; i++)
        st->types[i] = PQparamtype(res, i);
    *out = st;
clear:
    PQclear(res);
    return rc;
}

/*
 * The statement cache's prepare: under a name of its own, for the life of
 * the connection. *@out receives a pg_stmt that the cache frees with free().
 */
static int prepare_named(trail_conn *db, const char *sql, void **out)
{
    char name[24];
    snprintf(name, sizeof name, "trail_%u", state(db)->next_name++);
    pg_stmt *p;
    int rc = prepare(db, sql, name, &p);
    if (rc < 0)
        return rc;
    *out = p;
    return TRAIL_OK;
}

/* ---- parameters ----------------------------------------------------------- */

static int reserve_params(trail_conn *db, size_t n)
{
    pg_state *st = state(db);
    if (n <= st->cap)
        return TRAIL_OK;
    size_t cap = n < 32 ? 32 : n;
    const char **values = realloc(st->values, cap * sizeof *values);
    if (values)
        st->values = values;
    int *lengths = realloc(st->lengths, cap * sizeof *lengths);
    if (lengths)
        st->lengths = lengths;
    int *formats = realloc(st->formats, cap * sizeof *formats);
    if (formats)
        st->formats = formats;
    size_t *offsets = realloc(st->offsets, cap * sizeof *offsets);
    if (offsets)
        st->offsets = offsets;
    if (!values || !lengths || !formats || !offsets)
        return trail__err_set(&db->err, TRAIL_ENOMEM, "out of memory");
    st->cap = cap;
    return TRAIL_OK;
}

static void put_be(unsigned char *p, uint64_t v, int bytes)
{
    for (int i = bytes - 1; i >= 0; i--, v >>= 8)
        p[i] = (unsigned char)(v & 0xff);
}

/* Appends @bytes bytes of @v, big-endian, to the scratch buffer. */
static int append_be(pg_state *st, uint64_t v, int bytes)
{
    unsigned char b[8];
    put_be(b, v, bytes);
    return trail__buf_append(&st->scratch, (const char *)b, (size_t)bytes);
}

static bool is_integer(trail_vtype t)
{
    return t == TRAIL_V_INT || t == TRAIL_V_BOOL || t == TRAIL_V_DATE || t == TRAIL_V_TIMESTAMP;
}

/*
 * Encodes parameter @i (@v, for a parameter of type @oid) in binary: into
 * the scratch buffer, or pointing at the caller's bytes when they are
 * already the binary form (text, bytea), which @v lends until the statement
 * was sent.
 */
static int encode(trail_conn *db, size_t i, Oid oid, const trail_value *v)
{
    pg_state *st = state(db);
    st->formats[i] = 1;
    st->offsets[i] = SIZE_MAX;
    if (v->type == TRAIL_V_NULL) {
        st->values[i] = NULL;
        st->lengths[i] = 0;
        return TRAIL_OK;
    }
    size_t at = st->scratch.len;
    bool ints = is_integer(v->type), fits = ints;
    switch (oid) {
    case OID_BOOL:
        if (fits)
            trail__buf_append(&st->scratch, v->i ? "\1" : "\0", 1);
        break;
    case OID_INT2:
        if ((fits = ints && v->i >= INT16_MIN && v->i <= INT16_MAX))
            append_be(st, (uint64_t)v->i, 2);
        break;
    case OID_INT4:
        if ((fits = ints && v->i >= INT32_MIN && v->i <= INT32_MAX))
            append_be(st, (uint64_t)v->i, 4);
        break;
    case OID_INT8:
        if (fits)
            append_be(st, (uint64_t)v->i, 8);
        break;
    case OID_FLOAT8: {
        double d = v->type == TRAIL_V_DOUBLE ? v->d : (double)v->i;
        uint64_t bits;
        memcpy(&bits, &d, sizeof bits);
        if ((fits = v->type == TRAIL_V_DOUBLE || ints))
            append_be(st, bits, 8);
        break;
    }
    case OID_DATE: {
        /* Checked arithmetic: any int64 may come here, and INT64_MIN - the epoch overflows. */
        int64_t days;
        if ((fits = ints && !__builtin_sub_overflow(v->i, PG_EPOCH_DAYS, &days) &&
                    days >= INT32_MIN && days <= INT32_MAX))
            append_be(st, (uint64_t)days, 4);
        break;
    }
    case OID_TIMESTAMP:
    case OID_TIMESTAMPTZ: {
        int64_t ms, us;
        if ((fits = ints && !__builtin_sub_overflow(v->i, PG_EPOCH_MS, &ms) &&
                    !__builtin_mul_overflow(ms, 1000, &us)))
            append_be(st, (uint64_t)us, 8);
        break;
    }
    case OID_JSONB:
        if ((fits = v->type == TRAIL_V_TEXT || v->type == TRAIL_V_JSON)) {
            trail__buf_append(&st->scratch, "\1", 1);
            trail__buf_append(&st->scratch, v->s, v->n);
        }
        break;
    default: /* text, varchar, json, bytea: the bytes are the binary form */
        if (v->type != TRAIL_V_TEXT && v->type != TRAIL_V_JSON && v->type != TRAIL_V_BLOB)
            return trail__err_set(&db->err, TRAIL_EINVALID,
                                  "postgresql: parameter $%zu: cannot send a value of kind %d "
                                  "as type %u",
                                  i + 1, (int)v->type, (unsigned)oid);
        if (v->n > INT32_MAX)
            return trail__err_set(&db->err, TRAIL_EINVALID,
                                  "postgresql: parameter $%zu: %zu bytes is too long", i + 1, v->n);
        st->values[i] = v->s ? v->s : "";
        st->lengths[i] = (int)v->n;
        return TRAIL_OK;
    }
    if (!fits)
        return trail__err_set(&db->err, TRAIL_EINVALID,
                              "postgresql: parameter $%zu: a value of kind %d does not fit type %u",
                              i + 1, (int)v->type, (unsigned)oid);
    if (st->scratch.err)
        return trail__err_set(&db->err, TRAIL_ENOMEM, "out of memory");
    st->offsets[i] = at;
    st->lengths[i] = (int)(st->scratch.len - at);
    return TRAIL_OK;
}

/*
 * Encodes every parameter into the connection's arrays, which borrow
 * @params' bytes until the statement was sent; pointers into scratch are
 * fixed once it stops moving. The scratch buffer starts empty and its
 * sticky error cleared, so that an earlier statement's failure stays there.
 */
static int encode_all(trail_conn *db, const pg_stmt *p, const trail_value *params, size_t n)
{
    pg_state *st = state(db);
    if ((size_t)p->n_params != n)
        return trail__err_set(&db->err, TRAIL_EARG,
                              "postgresql: statement %s takes %d parameters, %zu given", p->name,
                              p->n_params, n);
    int rc = reserve_params(db, n);
    if (rc < 0)
        return rc;
    trail__buf_reset(&st->scratch);
    for (size_t i = 0; i < n; i++)
        if ((rc = encode(db, i, p->types[i], &params[i])) < 0)
            return rc;
    for (size_t i = 0; i < n; i++)
        if (st->offsets[i] != SIZE_MAX)
            st->values[i] = st->scratch.data + st->offsets[i];
    return TRAIL_OK;
}

/* ---- running -------------------------------------------------------------- */

/*
 * Reads the results of the statement just sent, one row at a time: @cb per
 * row (the row lent to it until it returns), *@changes from the command tag.
 * Always reads to the end, so that the connection is ready for the next
 * statement even when @cb stops early.
 */
static int receive(trail_conn *db, trail_row_cb cb, void *userdata, int64_t *changes)
{
    PGconn *c = state(db)->conn;
    db->round_trips++;
    db->statements++;
    for (;;) {
        PGresult *res;
        int rc = next_result(db, "query", &res);
        if (rc < 0) /* the connection is given up */
            return rc;
        if (!res)
            break;
        ExecStatusType s = PQresultStatus(res);
        if (s == PGRES_SINGLE_TUPLE) {
            rc = each_row(db, res, cb, userdata);
        } else if (s == PGRES_TUPLES_OK || s == PGRES_COMMAND_OK) {
            if (changes) {
                const char *n = PQcmdTuples(res);
                *changes = *n ? strtoll(n, NULL, 10) : 0;
            }
        } else {
            rc = fail(db, res, "query");
        }
        PQclear(res);
        if (rc != TRAIL_OK)
            return drain(db, "query", rc);
    }
    if (PQstatus(c) == CONNECTION_BAD)
        return fail(db, NULL, "query");
    return TRAIL_OK;
}

/* Sends the prepared @p with @params, which it borrows until sent, rows to come one at a time. */
static int send_prepared(trail_conn *db, const pg_stmt *p, const trail_value *params, size_t n)
{
    pg_state *st = state(db);
    int rc = encode_all(db, p, params, n);
    if (rc < 0)
        return rc;
    if (!PQsendQueryPrepared(st->conn, p->name, (int)n, st->values, st->lengths, st->formats, 1))
        return fail(db, NULL, "send");
    PQsetSingleRowMode(st->conn);
    return TRAIL_OK;
}

/* trail_driver.query (driver.h). */
static int pg_query(trail_conn *db, const char *sql, const trail_value *params, size_t n,
                    trail_row_cb cb, void *userdata, int64_t *changes)
{
    void *p;
    int rc = usable(db);
    if (rc < 0)
        return rc;
    if ((rc = trail__stmt_cache_get(db, &state(db)->stmts, sql, &p)) < 0)
        return rc;
    if ((rc = send_prepared(db, p, params, n)) < 0)
        return rc;
    return receive(db, cb, userdata, changes);
}

/* trail_driver.query_once: a statement made at run time, prepared unnamed, used once. */
static int pg_query_once(trail_conn *db, const char *sql, const trail_value *params, size_t n,
                         trail_row_cb cb, void *userdata, int64_t *changes)
{
    pg_stmt *p;
    int rc = usable(db);
    if (rc < 0)
        return rc;
    if ((rc = prepare(db, sql, "", &p)) < 0)
        return rc;
    rc = send_prepared(db, p, params, n);
    free(p);
    if (rc < 0)
        return rc;
    return receive(db, cb, userdata, changes);
}

/* trail_driver.exec: @sql as text, any rows dropped. */
static int pg_exec(trail_conn *db, const char *sql)
{
    int rc = usable(db);
    if (rc < 0)
        return rc;
    db->round_trips++;
    db->statements++;
    PGresult *res;
    if ((rc = finish(db, PQsendQuery(state(db)->conn, sql), "exec", &res)) < 0)
        return rc;
    if (!succeeded(res))
        rc = fail(db, res, "exec");
    PQclear(res);
    return rc;
}

/* ---- columns -------------------------------------------------------------- */

static uint64_t get_be(const char *p, int bytes)
{
    uint64_t v = 0;
    for (int i = 0; i < bytes; i++)
        v = v << 8 | (unsigned char)p[i];
    return v;
}

/* An integer column of any integer, boolean, date or timestamp type, in trail's units. */
static bool decode_integer(Oid oid, const char *s, int len, int64_t *out)
{
    switch (oid) {
    case OID_BOOL:
        *out = len == 1 && s[0] != 0;
        return len == 1;
    case OID_INT2:
        *out = (int16_t)get_be(s, 2);
        return len == 2;
    case OID_INT4:
        *out = (int32_t)get_be(s, 4);
        return len == 4;
    case OID_INT8:
        *out = (int64_t)get_be(s, 8);
        return len == 8;
    case OID_DATE: {
        /* -infinity and infinity (INT32_MIN, INT32_MAX) are no day. */
        int32_t days = (int32_t)get_be(s, 4);
        *out = (int64_t)days + PG_EPOCH_DAYS;
        return len == 4 && days != INT32_MIN && days != INT32_MAX;
    }
    case OID_TIMESTAMP:
    case OID_TIMESTAMPTZ: {
        /* -infinity and infinity (INT64_MIN, INT64_MAX) are no instant. Floor division,
         * before 2000 too; |us / 1000| is far from the ends of int64: the sum cannot overflow. */
        int64_t us = (int64_t)get_be(s, 8);
        *out = us / 1000 - (us % 1000 < 0) + PG_EPOCH_MS;
        return len == 8 && us != INT64_MIN && us != INT64_MAX;
    }
    default:
        return false;
    }
}

/*
 * trail_driver.column: @row is a pg_row; text, JSON and bytes are lent from
 * its result, which lives until the callback that got the row returns.
 */
static int pg_column(trail_conn *db, void *row, size_t i, trail_vtype want, trail_value *out)
{
    PGresult *res = ((pg_row *)row)->res;
    int r = ((pg_row *)row)->i, col = (int)i;
    memset(out, 0, sizeof *out);
    if (PQgetisnull(res, r, col))
        return TRAIL_OK;
    Oid oid = PQftype(res, col);
    const char *s = PQgetvalue(res, r, col);
    int len = PQgetlength(res, r, col);
    out->type = want;
    bool ok;
    switch (want) {
    case TRAIL_V_DOUBLE:
        if ((ok = oid == OID_FLOAT8 && len == 8)) {
            uint64_t bits = get_be(s, 8);
            memcpy(&out->d, &bits, sizeof out->d);
        } else if ((ok = oid == OID_FLOAT4 && len == 4)) {
            uint32_t bits = (uint32_t)get_be(s, 4);
            float f;
            memcpy(&f, &bits, sizeof f);
            out->d = f;
        } else if ((ok = decode_integer(oid, s, len, &out->i))) {
            out->d = (double)out->i;
        }
        break;
    case TRAIL_V_TEXT:
    case TRAIL_V_JSON:
    case TRAIL_V_BLOB:
        ok = oid != OID_JSONB || (len >= 1 && s[0] == JSONB_VERSION);
        if (oid == OID_JSONB) { /* libpq ends every value with a NUL, so this one too */
            s++;
            len--;
        }
        out->s = s;
        out->n = (size_t)len;
        break;
    default:
        ok = decode_integer(oid, s, len, &out->i);
        break;
    }
    if (!ok)
        return trail__err_set(&db->err, TRAIL_EDB,
                              "postgresql: column %s (type %u) cannot be read as kind %d",
                              PQfname(res, col), (unsigned)oid, (int)want);
    return TRAIL_OK;
}

/* ---- transactions --------------------------------------------------------- */

static int pipeline(trail_conn *db, size_t n, const char *const *sql,
                    const trail_value *const *params, const size_t *n_params, size_t rows_of,
                    trail_row_cb cb, void *userdata);

/* BEGIN, through the pipeline so that a lost connection is handled as in a write. */
static int pg_begin(trail_conn *db)
{
    static const char begin[] = "BEGIN";
    const char *texts[] = { begin };
    const trail_value *values[] = { NULL };
    size_t counts[] = { 0 };
    int rc = pipeline(db, 1, texts, values, counts, SIZE_MAX, NULL, NULL);
    if (rc < 0 && !state(db)->lost && PQtransactionStatus(state(db)->conn) != PQTRANS_IDLE) {
        trail_err saved = db->err;
        pg_exec(db, "ROLLBACK");
        db->err = saved;
    }
    state(db)->in_tx = rc == TRAIL_OK;
    return rc;
}

static int pg_commit(trail_conn *db)
{
    int rc = usable(db);
    if (rc < 0)
        return rc;
    db->round_trips++;
    db->statements++;
    PGresult *res;
    if ((rc = finish(db, PQsendQuery(state(db)->conn, "COMMIT"), "commit", &res)) < 0)
        return rc;
    state(db)->in_tx = false;
    if (PQresultStatus(res) != PGRES_COMMAND_OK)
        rc = fail(db, res, "commit");
    /* COMMIT of a failed transaction succeeds as a ROLLBACK: not a commit. */
    else if (strcmp(PQcmdStatus(res), "ROLLBACK") == 0)
        rc = trail__err_set(&db->err, TRAIL_EDB,
                            "postgresql: commit: the transaction had failed and was rolled back");
    PQclear(res);
    return rc;
}

/* After a lost connection there is nothing to roll back: the server does it when a session ends. */
static int pg_rollback(trail_conn *db)
{
    pg_state *st = state(db);
    st->in_tx = false;
    if (st->lost)
        return TRAIL_OK;
    if (PQtransactionStatus(st->conn) == PQTRANS_IDLE)
        return TRAIL_OK;
    return pg_exec(db, "ROLLBACK");
}

/* ---- one-statement audited writes ----------------------------------------- */

/*
 * Reads the results of one statement of a pipeline, each row to @cb (NULL:
 * none wanted); stops at its end. TRAIL_OK, or what stopped @cb, or the
 * first failure.
 */
static int pipeline_results(trail_conn *db, trail_row_cb cb, void *userdata)
{
    for (;;) {
        PGresult *res;
        int rc = next_result(db, "write", &res);
        if (rc < 0)
            return rc;
        if (!res)
            return TRAIL_OK;
        ExecStatusType s = PQresultStatus(res);
        if (s == PGRES_TUPLES_OK || s == PGRES_SINGLE_TUPLE) /* libpq keeps single-row mode */
            rc = each_row(db, res, cb, userdata);
        else if (s != PGRES_COMMAND_OK && s != PGRES_PIPELINE_ABORTED)
            rc = fail(db, res, "write");
        PQclear(res);
        if (rc != TRAIL_OK)
            return drain(db, "write", rc);
    }
}

/* Reads up to the Sync's result, after which the pipeline is empty. */
static int read_to_sync(trail_conn *db)
{
    for (;;) {
        PGresult *res;
        int rc = next_result(db, "write", &res);
        if (rc < 0)
            return rc;
        bool synced = !res || PQresultStatus(res) == PGRES_PIPELINE_SYNC;
        PQclear(res);
        if (synced)
            return TRAIL_OK;
    }
}

/*
 * Sends @n statements (@sql, their @params and @n_params, borrowed) as one
 * pipeline ending in a Sync, and reads every result, those of statement
 * @rows_of to @cb: one round trip. Returns the first failure; the results
 * after it are read all the same, so that the pipeline ends empty.
 */
static int pipeline(trail_conn *db, size_t n, const char *const *sql,
                    const trail_value *const *params, const size_t *n_params, size_t rows_of,
                    trail_row_cb cb, void *userdata)
{
    pg_state *st = state(db);
    pg_stmt *p[4];
    int rc = usable(db);
    if (rc < 0)
        return rc;
    for (size_t i = 0; i < n; i++) { /* prepared once, before the pipeline */
        void *got;
        if ((rc = trail__stmt_cache_get(db, &st->stmts, sql[i], &got)) < 0)
            return rc;
        p[i] = got;
    }
    if (!PQenterPipelineMode(st->conn))
        return fail(db, NULL, "pipeline");
    size_t sent = 0;
    for (; sent < n; sent++) {
        if ((rc = encode_all(db, p[sent], params[sent], n_params[sent])) < 0)
            break;
        if (!PQsendQueryPrepared(st->conn, p[sent]->name, (int)n_params[sent], st->values,
                                 st->lengths, st->formats, 1)) {
            rc = fail(db, NULL, "send");
            break;
        }
    }
    /* What was sent is synced and read whatever failed: the first failure is the one told. */
    if (!PQpipelineSync(st->conn) && rc >= 0)
        rc = fail(db, NULL, "send");
    db->round_trips++;
    db->statements += sent;
    for (size_t i = 0; i < sent; i++)
        rc = rc == TRAIL_OK ? pipeline_results(db, i == rows_of ? cb : NULL, userdata)
                            : drain(db, "write", rc);
    int got = read_to_sync(db);
    if (got < 0)
        return got; /* given up, in pipeline mode: nothing more is sent on it */
    bool exited = PQexitPipelineMode(st->conn);
    if (rc != TRAIL_OK)
        return rc;
    if (!exited)
        return fail(db, NULL, "pipeline");
    if (PQstatus(st->conn) == CONNECTION_BAD)
        return fail(db, NULL, "write");
    return TRAIL_OK;
}

/*
 * write_one.h's trail_write_run: @sql alone, a transaction of its own; or,
 * inside trail_begin(), under the call's own savepoint, in one pipeline.
 */
static int pg_run_write(trail_conn *db, const trail_write_op *w, const char *sql,
                        const trail_value *params, size_t n, trail_row_cb cb, void *userdata)
{
    (void)w; /* nothing to refuse before sending: PostgreSQL takes a value of up to 1 GB */
    const trail_runtime_sql *rs = db->drv->sql;
    if (!db->in_tx) {
        const char *texts[] = { sql };
        const trail_value *values[] = { params };
        size_t counts[] = { n };
        return pipeline(db, 1, texts, values, counts, 0, cb, userdata);
    }
    const char *texts[] = { rs->savepoint, sql, rs->release };
    const trail_value *values[] = { NULL, params, NULL };
    size_t counts[] = { 0, n, 0 };
    int rc = pipeline(db, 3, texts, values, counts, 1, cb, userdata);
    if (rc < 0 && PQtransactionStatus(state(db)->conn) == PQTRANS_INERROR) {
        trail_err saved = db->err;
        pg_query(db, rs->rollback_to, NULL, 0, NULL, NULL, NULL);
        pg_query(db, rs->release, NULL, 0, NULL, NULL, NULL);
        db->err = saved;
    }
    return rc;
}

/* trail_driver.write: the one function call of write_pg.c. */
static int pg_write(trail_conn *db, trail_write_op *w)
{
    return trail__write_one(db, w, pg_run_write);
}

/* ---- connecting ----------------------------------------------------------- */

static void pg_close(trail_conn *db)
{
    pg_state *st = state(db);
    if (!st)
        return;
    trail__stmt_cache_free(&st->stmts);
    PQfinish(st->conn);
    free(st->target);
    trail__buf_free(&st->scratch);
    free(st->values);
    free(st->lengths);
    free(st->formats);
    free(st->offsets);
    free(st);
    db->drv_state = NULL;
}

/* CREATE TABLE IF NOT EXISTS and friends say NOTICE: not for the program's stderr. */
static void quiet(void *arg, const char *message)
{
    (void)arg;
    (void)message;
}

/*
 * The connect_timeout @c was made with, in seconds as libpq counts it (1 is
 * 2; 0, none, is -1): the URL's, or the one pg_open() passed.
 */
static int connect_timeout_s(PGconn *c)
{
    int s = -1;
    PQconninfoOption *opts = PQconninfo(c);
    for (PQconninfoOption *o = opts; o && o->keyword; o++)
        if (strcmp(o->keyword, "connect_timeout") == 0 && o->val)
            s = atoi(o->val);
    PQconninfoFree(opts);
    return s <= 0 ? -1 : s < 2 ? 2 : s;
}

/* How many hosts @c was to try: its host list's (or hostaddr list's) length; 1 when none. */
static int hosts_listed(PGconn *c)
{
    int n = 1;
    PQconninfoOption *opts = PQconninfo(c);
    for (PQconninfoOption *o = opts; o && o->keyword; o++)
        if ((strcmp(o->keyword, "host") == 0 || strcmp(o->keyword, "hostaddr") == 0) && o->val) {
            int here = 1;
            for (const char *p = o->val; (p = strchr(p, ',')); p++)
                here++;
            n = here > n ? here : n;
        }
    PQconninfoFree(opts);
    return n;
}

/*
 * libpq's message of a failed connect as one line, in @out: it has a line
 * for each address it tried, saying why that one failed, each followed by
 * a hint on lines of their own, indented; the attempts are joined by "; ",
 * the hints left out.
 */
static void attempts(const char *msg, char *out, size_t size)
{
    size_t len = 0;
    out[0] = '\0';
    for (const char *line = msg; *line;) {
        int n = (int)strcspn(line, "\n");
        if (n && line[0] != '\t' && line[0] != ' ') {
            int put = snprintf(out + len, size - len, "%s%.*s", len ? "; " : "", n, line);
            if (put < 0 || (size_t)put >= size - len)
                return; /* cut: snprintf() ended it */
            len += (size_t)put;
        }
        line += n + (line[n] == '\n');
    }
}

/*
 * Sets db's error for a failed connect, which took @waited_ms. @ours_s:
 * the connect_timeout pg_open() passed (0: none), and @ours_ms the timeout
 * it stands for; the URL's own, when it has one, is what libpq used. With
 * several hosts, it says why each failed, as libpq does.
 */
static int connect_failed(trail_conn *db, int64_t waited_ms, int ours_s, int ours_ms)
{
    PGconn *c = state(db)->conn;
    char why[TRAIL_ERRMSG_MAX];
    attempts(PQerrorMessage(c), why, sizeof why);
    int hosts = hosts_listed(c), used_s = connect_timeout_s(c);
    if (hosts > 1)
        return trail__err_set(&db->err, TRAIL_EDB,
                              "postgresql: cannot connect to any of the %d hosts: %s", hosts, why);
    int limit_ms = used_s > 0 && used_s == ours_s ? ours_ms : used_s * 1000;
    /* Waited to the end: whichever words libpq's language has for it, a timeout. */
    if (used_s > 0 && waited_ms >= limit_ms)
        return trail__err_set(&db->err, TRAIL_EDB,
                              "postgresql: cannot connect: the server did not answer within %g s "
                              "(%s)",
                              limit_ms / 1000.0, why);
    return trail__err_set(&db->err, TRAIL_EDB, "postgresql: cannot connect: %s", why);
}

/*
 * Connects with what pg_open() kept in @st and sets the session up, as
 * @opts say: at open, and again after a lost connection.
 */
static int start_session(trail_conn *db, const trail_open_opts *opts)
{
    pg_state *st = state(db);
    const char *const keys[] = { "connect_timeout", "dbname", "client_encoding", NULL };
    const char *const values[] = { st->connect_s, st->target, "UTF8", NULL };
    int64_t started = monotonic_ms();
    st->conn = PQconnectdbParams(keys, values, 1);
    if (!st->conn)
        return trail__err_set(&db->err, TRAIL_ENOMEM, "out of memory");
    if (PQstatus(st->conn) != CONNECTION_OK)
        return connect_failed(db, monotonic_ms() - started, st->ours_s, st->connect_ms);
    PQsetNoticeProcessor(st->conn, quiet, NULL);
    /* A hot standby, or a server whose transactions are read-only unless told otherwise. */
    db->server_read_only = reported_on(st->conn, "in_hot_standby") ||
                           reported_on(st->conn, "default_transaction_read_only");
    if (PQsetnonblocking(st->conn, 1) != 0)
        return fail(db, NULL, "nonblocking");
    /*
     * A lock wait longer than this is TRAIL_EBUSY (SQLSTATE 55P03), as
     * SQLite's busy timeout. Durability (synchronous_commit) is the server's.
     */
    char set[128];
    int timeout = trail__conn_lock_timeout_ms(opts);
    /* extra_float_digits above 0: float8 as text is the shortest that reads back (write_pg.c). */
    snprintf(set, sizeof set, "SET lock_timeout = %d; SET extra_float_digits = 1%s", timeout,
             opts->read_only ? "; SET default_transaction_read_only = on" : "");
    return pg_exec(db, set);
}

/*
 * Connects again after the connection was lost (usable()), with fresh
 * statements: the old ones were the ended session's. On success
 * db->session counts one more, which moves the connection's lane on
 * (audit/lane.h).
 */
static int reconnect(trail_conn *db)
{
    pg_state *st = state(db);
    trail__stmt_cache_free(&st->stmts); /* empty, and ready for the new session's */
    PQfinish(st->conn);
    st->conn = NULL;
    st->lost = false; /* for start_session()'s statements */
    int rc = start_session(db, &db->opts);
    if (rc < 0) {
        st->lost = true;
        return trail__conn_reconnect_failed(db, rc);
    }
    db->session++;
    return TRAIL_OK;
}

/*
 * trail_driver.open: connects to @target (a URL or libpq's key=value form)
 * and sets the session up. What it made stays in db->drv_state also on
 * failure, for pg_close(), which trail_open() then calls.
 */
static int pg_open(trail_conn *db, const char *target, const trail_open_opts *opts)
{
    pg_state *st = calloc(1, sizeof *st);
    if (!st)
        return trail__err_set(&db->err, TRAIL_ENOMEM, "out of memory");
    db->drv_state = st;
    trail__stmt_cache_init(&st->stmts, prepare_named, free);
    st->io_timeout_ms = trail__conn_io_timeout_ms(opts);
    if (!(st->target = strdup(target)))
        return trail__err_set(&db->err, TRAIL_ENOMEM, "out of memory");
    trail_url_redact(st->url, sizeof st->url, target);
    /*
     * libpq bounds its connect by connect_timeout, per address, in whole
     * seconds; the URL's own comes after ours and wins (expand_dbname).
     * Without an option, libpq's PGCONNECT_TIMEOUT stands in for trail's
     * default: an empty value makes libpq read it. client_encoding comes
     * last: trail speaks UTF-8 whatever the URL says.
     *
     * libpq (before 17) ends its wait at the start of the second of the
     * call plus connect_timeout, read from time(): N seconds end between
     * N - 1 and N after the call (test_timeouts saw 2 end after 1.02 s on
     * a loaded machine). One second more makes them end between N and
     * N + 1: never before the timeout asked for.
     */
    st->connect_ms = trail__conn_connect_timeout_ms(opts);
    const char *env = getenv("PGCONNECT_TIMEOUT");
    if (opts->connect_timeout_ms != 0 || !env || !*env) {
        unsigned whole = trail__conn_seconds(st->connect_ms);
        st->ours_s = whole ? (int)whole + 1 : 0;
        snprintf(st->connect_s, sizeof st->connect_s, "%d", st->ours_s);
    }
    return start_session(db, opts);
}

extern const struct trail_runtime_sql trail__runtime_sql_pg;

const trail_driver trail__driver_pg = {
    .version = TRAIL_DRIVER_VERSION,
    .dialect = &trail__dialect_pg,
    .name = "postgresql",
    .open = pg_open,
    .close = pg_close,
    .exec = pg_exec,
    .query = pg_query,
    .query_once = pg_query_once,
    .column = pg_column,
    .begin = pg_begin,
    .commit = pg_commit,
    .rollback = pg_rollback,
    .write_sql = trail__pg_write_sql,
    .write_setup_sql = trail__pg_write_setup_sql,
    .write = pg_write,
    .sql = &trail__runtime_sql_pg,
};
