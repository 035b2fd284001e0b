/*
 * raw.c - plain SQL on the test database, and what the tests know of each
 * engine (see raw.h). Each engine is a row of engines[] at the end: its
 * facts, and functions taking SQL already formatted; the public functions
 * format it and pick the row by the driver trail picks for the URL. Every
 * call opens a connection of its own and closes it (a lock's lives as long
 * as the lock), so nothing of raw's stays open while a test resets, reopens
 * or locks the database.
 */
#define _POSIX_C_SOURCE 200809L
#include "raw.h"

#include "driver/driver.h"
#include "driver/mysql/mysql_url.h"

#include <errno.h>
#include <libpq-fe.h>
#include <mysql.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* How long a kill may take to end its session. */
#define RAW_KILL_WAIT_MS  10000
#define RAW_KILL_AGAIN_MS 250 /* then KILL again: a Galera node may have put the first off */

typedef struct engine {
    raw_engine info;
    int (*exec)(const char *url, const char *sql);
    int64_t (*count)(const char *url, const char *sql);
    int (*reset)(const char *url);
    void *(*lock_row)(const char *url, const char *table, const char *id); /* its connection */
    void (*unlock)(void *conn);
    /* Sessions named by info.session_key (raw.h); NULL without a server. */
    int64_t (*sessions)(const char *url, const char *name);
    int64_t (*sessions_waiting)(const char *url, const char *name);
    int64_t (*kill_session)(const char *url, const char *name);
    int64_t (*in_transaction)(const char *url, const char *name); /* raw_in_transaction() */
} engine;

struct raw_lock {
    const engine *engine;
    void *conn;
};

static void sleep_ms(int ms)
{
    nanosleep(&(struct timespec){ .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L }, NULL);
}

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* printf into memory the caller frees; NULL (with a message) when it cannot. */
static char *vformat_sql(const char *fmt, va_list ap)
{
    va_list again;
    va_copy(again, ap);
    int n = vsnprintf(NULL, 0, fmt, ap);
    char *s = n < 0 ? NULL : malloc((size_t)n + 1);
    if (s)
        vsnprintf(s, (size_t)n + 1, fmt, again);
    else
        fprintf(stderr, "raw: cannot format the SQL of \"%s\"\n", fmt);
    va_end(again);
    return s;
}

static char *format_sql(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *format_sql(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = vformat_sql(fmt, ap);
    va_end(ap);
    return s;
}

/* @count of the SQL of @fmt with @name (a session's name: ASCII, no quotes) in its %s. */
static int64_t count_named(int64_t (*count)(const char *, const char *), const char *url,
                           const char *fmt, const char *name)
{
    char *sql = format_sql(fmt, name);
    int64_t n = sql ? count(url, sql) : -1;
    free(sql);
    return n;
}

/* ---- SQLite: sqlite: URLs, through sqlite3 -------------------------------- */

/* Long enough for a test's concurrent writers to finish a transaction. */
#define RAW_BUSY_TIMEOUT_MS 10000

static sqlite3 *sqlite_open(const char *url, bool create)
{
    const char *path = url + strlen("sqlite:");
    if (strcmp(path, ":memory:") == 0) {
        fprintf(stderr, "raw: an in-memory database cannot be reached from a second connection\n");
        return NULL;
    }
    sqlite3 *db = NULL;
    int flags = SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0);
    if (sqlite3_open_v2(path, &db, flags, NULL) != SQLITE_OK) {
        fprintf(stderr, "raw: cannot open %s: %s\n", path,
                db ? sqlite3_errmsg(db) : "out of memory");
        sqlite3_close(db);
        return NULL;
    }
    sqlite3_busy_timeout(db, RAW_BUSY_TIMEOUT_MS);
    return db;
}

static int sqlite_run(sqlite3 *db, const char *sql)
{
    char *msg = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &msg) == SQLITE_OK)
        return 0;
    fprintf(stderr, "raw: %s\n  in: %s\n", msg ? msg : sqlite3_errmsg(db), sql);
    sqlite3_free(msg);
    return -1;
}

static int sqlite_exec(const char *url, const char *sql)
{
    sqlite3 *db = sqlite_open(url, false);
    int rc = db ? sqlite_run(db, sql) : -1;
    sqlite3_close(db);
    return rc;
}

static int64_t sqlite_count(const char *url, const char *sql)
{
    sqlite3 *db = sqlite_open(url, false);
    if (!db)
        return -1;
    sqlite3_stmt *stmt = NULL;
    int64_t n = -1;
    if (sqlite3_prepare_v2(db, sql, -1, &stmt, NULL) != SQLITE_OK)
        fprintf(stderr, "raw: %s\n  in: %s\n", sqlite3_errmsg(db), sql);
    else if (sqlite3_step(stmt) == SQLITE_ROW && sqlite3_column_type(stmt, 0) == SQLITE_INTEGER)
        n = sqlite3_column_int64(stmt, 0);
    else
        fprintf(stderr, "raw: no integer from: %s (%s)\n", sql, sqlite3_errmsg(db));
    sqlite3_finalize(stmt);
    sqlite3_close(db);
    return n;
}

static int sqlite_reset(const char *url)
{
    sqlite3 *db = sqlite_open(url, true);
    if (!db)
        return -1;
    /* Tables reference each other: without the check they drop in any order. */
    int rc = sqlite_run(db, "PRAGMA foreign_keys=OFF");
    while (rc == 0) {
        sqlite3_stmt *stmt = NULL;
        if (sqlite3_prepare_v2(db,
                               "SELECT name FROM sqlite_schema"
                               " WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
                               -1, &stmt, NULL) != SQLITE_OK) {
            fprintf(stderr, "raw: cannot list the tables: %s\n", sqlite3_errmsg(db));
            rc = -1;
            break;
        }
        char *drop = NULL;
        if (sqlite3_step(stmt) == SQLITE_ROW)
            drop = sqlite3_mprintf("DROP TABLE \"%w\"", sqlite3_column_text(stmt, 0));
        sqlite3_finalize(stmt);
        if (!drop)
            break;
        rc = sqlite_run(db, drop);
        sqlite3_free(drop);
    }
    sqlite3_close(db);
    return rc;
}

static void *sqlite_lock_row(const char *url, const char *table, const char *id)
{
    /* SQLite has one write lock for the whole file: BEGIN IMMEDIATE takes it. */
    (void)table;
    (void)id;
    sqlite3 *db = sqlite_open(url, false);
    if (db && sqlite_run(db, "BEGIN IMMEDIATE") < 0) {
        sqlite3_close(db);
        return NULL;
    }
    return db;
}

static void sqlite_unlock(void *conn)
{
    sqlite_run(conn, "ROLLBACK");
    sqlite3_close(conn);
}

/* No sessions: whether some connection holds the file's one write lock, asked without waiting. */
static int64_t sqlite_in_transaction(const char *url, const char *name)
{
    (void)name;
    sqlite3 *db = sqlite_open(url, false);
    if (!db)
        return -1;
    sqlite3_busy_timeout(db, 0);
    int rc = sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
    int64_t held = rc == SQLITE_BUSY ? 1 : rc == SQLITE_OK ? 0 : -1;
    if (held < 0)
        fprintf(stderr, "raw: BEGIN IMMEDIATE: %s\n", sqlite3_errmsg(db));
    if (rc == SQLITE_OK)
        sqlite_run(db, "ROLLBACK");
    sqlite3_close(db);
    return held;
}

/* ---- PostgreSQL: postgresql:// and postgres:// URLs, through libpq -------- */

/* Parses the whole of @text as an integer: a count must not half-parse. */
static int64_t parse_count(const char *text, const char *sql)
{
    char *end;
    errno = 0;
    long long n = strtoll(text, &end, 10);
    if (errno || end == text || *end) {
        fprintf(stderr, "raw: no integer from: %s (got \"%s\")\n", sql, text);
        return -1;
    }
    return n;
}

static PGconn *pg_open(const char *url)
{
    /*
     * NOTICEs (DROP SCHEMA ... CASCADE names everything it drops) would bury
     * a failing test's own output. The URL comes last, so that its own
     * options, if any, win.
     */
    const char *const keys[] = { "options", "dbname", NULL };
    const char *const values[] = { "-c client_min_messages=warning", url, NULL };
    PGconn *pg = PQconnectdbParams(keys, values, 1);
    if (PQstatus(pg) == CONNECTION_OK)
        return pg;
    fprintf(stderr, "raw: cannot connect to %s: %s", url,
            pg ? PQerrorMessage(pg) : "out of memory\n");
    PQfinish(pg);
    return NULL;
}

/* The result of @sql, or NULL (with libpq's message) when it failed. */
static PGresult *pg_run(PGconn *pg, const char *sql)
{
    PGresult *res = PQexec(pg, sql);
    ExecStatusType st = PQresultStatus(res);
    if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK)
        return res;
    fprintf(stderr, "raw: %s  in: %s\n", PQerrorMessage(pg), sql);
    PQclear(res);
    return NULL;
}

static int pg_exec(const char *url, const char *sql)
{
    PGconn *pg = pg_open(url);
    PGresult *res = pg ? pg_run(pg, sql) : NULL;
    PQclear(res);
    PQfinish(pg);
    return res ? 0 : -1;
}

static int64_t pg_count(const char *url, const char *sql)
{
    PGconn *pg = pg_open(url);
    PGresult *res = pg ? pg_run(pg, sql) : NULL;
    int64_t n = -1;
    if (res && PQntuples(res) > 0 && PQnfields(res) > 0 && !PQgetisnull(res, 0, 0))
        n = parse_count(PQgetvalue(res, 0, 0), sql);
    else if (res)
        fprintf(stderr, "raw: no integer from: %s (no row, or NULL)\n", sql);
    PQclear(res);
    PQfinish(pg);
    return n;
}

static int pg_reset(const char *url)
{
    /* Everything trail makes lives in schema public: tables, sequences, types. */
    return pg_exec(url, "DROP SCHEMA public CASCADE; CREATE SCHEMA public");
}

static void *pg_lock_row(const char *url, const char *table, const char *id)
{
    PGconn *pg = pg_open(url);
    if (!pg)
        return NULL;
    char *name = PQescapeIdentifier(pg, table, strlen(table));
    char *value = PQescapeLiteral(pg, id, strlen(id));
    char *sql = NULL;
    if (name && value)
        sql = format_sql("SELECT 1 FROM %s WHERE \"id\" = %s FOR UPDATE", name, value);
    else
        fprintf(stderr, "raw: %s", PQerrorMessage(pg));
    PGresult *begun = pg_run(pg, "BEGIN");
    PGresult *res = begun && sql ? pg_run(pg, sql) : NULL;
    /* No row would mean no lock, and a test waiting for nothing. */
    bool locked = res && PQntuples(res) == 1;
    if (res && !locked)
        fprintf(stderr, "raw: no row to lock: %s\n", sql);
    PQclear(res);
    PQclear(begun);
    free(sql);
    PQfreemem(value);
    PQfreemem(name);
    if (locked)
        return pg;
    PQfinish(pg);
    return NULL;
}

static void pg_unlock(void *conn)
{
    PQclear(pg_run(conn, "ROLLBACK"));
    PQfinish(conn);
}

/* A session is named by its application_name, which a URL sets and pg_stat_activity shows. */
#define PG_SESSIONS "SELECT count(*) FROM pg_stat_activity WHERE application_name = '%s'"

static int64_t pg_sessions(const char *url, const char *name)
{
    return count_named(pg_count, url, PG_SESSIONS, name);
}

static int64_t pg_sessions_waiting(const char *url, const char *name)
{
    return count_named(pg_count, url, PG_SESSIONS " AND wait_event_type = 'Lock'", name);
}

static int64_t pg_kill_session(const char *url, const char *name)
{
    /*
     * Materialized first: in one WHERE, PostgreSQL may call the function
     * before it filters, on every session. With a timeout,
     * pg_terminate_backend() returns once the backend has exited.
     */
    char *sql = format_sql("WITH victim AS MATERIALIZED (SELECT pid FROM pg_stat_activity"
                           " WHERE application_name = '%s')"
                           " SELECT count(*) FROM victim WHERE pg_terminate_backend(pid, %d)",
                           name, RAW_KILL_WAIT_MS);
    int64_t n = sql ? pg_count(url, sql) : -1;
    free(sql);
    return n;
}

/*
 * A statement already sent runs on after its client stopped: wait until it
 * is done, then the session waits for its client, in a transaction or not.
 */
static int64_t pg_in_transaction(const char *url, const char *name)
{
    int64_t deadline = mono_ms() + RAW_KILL_WAIT_MS, active;
    while ((active = count_named(pg_count, url, PG_SESSIONS " AND state = 'active'", name)) > 0 &&
           mono_ms() < deadline)
        sleep_ms(1);
    if (active != 0)
        return -1;
    return count_named(pg_count, url, PG_SESSIONS " AND state = 'idle in transaction'", name);
}

/* ---- MariaDB / MySQL: mysql:// and mariadb:// URLs, through libmariadb ---- */

static MYSQL *my_open(const char *url)
{
    trail_err err = { 0 };
    trail_mysql_url u;
    if (trail__mysql_url_parse(&u, url, &err) < 0) {
        fprintf(stderr, "raw: %s: %s\n", url, trail__err_message(&err));
        return NULL;
    }
    MYSQL *my = mysql_init(NULL);
    bool ok = my && mysql_options(my, MYSQL_SET_CHARSET_NAME, "utf8mb4") == 0 &&
              mysql_real_connect(my, u.host, u.user, u.password, u.database, u.port, u.socket, 0);
    trail__mysql_url_free(&u);
    /*
     * ANSI_QUOTES: the tests' SQL quotes identifiers with double quotes. UTC,
     * as trail's own sessions, for any DATETIME a test writes.
     */
    if (ok && mysql_query(my, "SET SESSION sql_mode = CONCAT(@@sql_mode, ',ANSI_QUOTES'),"
                              " time_zone = '+00:00'") != 0)
        ok = false;
    if (ok)
        return my;
    fprintf(stderr, "raw: cannot connect to %s: %s\n", url, my ? mysql_error(my) : "out of memory");
    mysql_close(my);
    return NULL;
}

/* Runs @sql; its rows, if any, in *@res (NULL: dropped). 0, or -1 with the server's message. */
static int my_run(MYSQL *my, const char *sql, MYSQL_RES **res)
{
    if (res)
        *res = NULL;
    if (mysql_query(my, sql) != 0) {
        fprintf(stderr, "raw: %s\n  in: %s\n", mysql_error(my), sql);
        return -1;
    }
    MYSQL_RES *rows = mysql_store_result(my);
    if (!rows && mysql_field_count(my) > 0) {
        fprintf(stderr, "raw: %s\n  in: %s\n", mysql_error(my), sql);
        return -1;
    }
    if (res)
        *res = rows;
    else
        mysql_free_result(rows);
    return 0;
}

static int my_exec(const char *url, const char *sql)
{
    MYSQL *my = my_open(url);
    int rc = my ? my_run(my, sql, NULL) : -1;
    mysql_close(my);
    return rc;
}

static int64_t my_count(const char *url, const char *sql)
{
    MYSQL *my = my_open(url);
    MYSQL_RES *res = NULL;
    int64_t n = -1;
    if (my && my_run(my, sql, &res) == 0) {
        MYSQL_ROW row = res ? mysql_fetch_row(res) : NULL;
        if (row && row[0])
            n = parse_count(row[0], sql);
        else
            fprintf(stderr, "raw: no integer from: %s (no row, or NULL)\n", sql);
    }
    mysql_free_result(res);
    mysql_close(my);
    return n;
}

static int my_reset(const char *url)
{
    /* Every table of the URL's database, dropped in one statement: references aside. */
    MYSQL *my = my_open(url);
    MYSQL_RES *res = NULL;
    int rc = my ? my_run(my,
                         "SELECT group_concat(concat('`', replace(table_name, '`', '``'), '`'))"
                         " FROM information_schema.tables WHERE table_schema = DATABASE()",
                         &res)
                : -1;
    MYSQL_ROW row = rc == 0 && res ? mysql_fetch_row(res) : NULL;
    char *drop = row && row[0] ? format_sql("DROP TABLE %s", row[0]) : NULL;
    if (rc == 0 && drop)
        rc = my_run(my, "SET SESSION foreign_key_checks = 0", NULL);
    if (rc == 0 && drop)
        rc = my_run(my, drop, NULL);
    free(drop);
    mysql_free_result(res);
    mysql_close(my);
    return rc;
}

static void *my_lock_row(const char *url, const char *table, const char *id)
{
    MYSQL *my = my_open(url);
    if (!my)
        return NULL;
    /* Identifiers and the id come from the tests themselves: ASCII, no quotes. */
    char *sql = format_sql("SELECT 1 FROM `%s` WHERE `id` = '%s' FOR UPDATE", table, id);
    MYSQL_RES *res = NULL;
    bool locked = sql && my_run(my, "START TRANSACTION", NULL) == 0 && my_run(my, sql, &res) == 0;
    /* No row would mean no lock, and a test waiting for nothing. */
    if (locked && (!res || mysql_num_rows(res) != 1)) {
        fprintf(stderr, "raw: no row to lock: %s\n", sql);
        locked = false;
    }
    mysql_free_result(res);
    free(sql);
    if (locked)
        return my;
    mysql_close(my);
    return NULL;
}

static void my_unlock(void *conn)
{
    my_run(conn, "ROLLBACK", NULL);
    mysql_close(conn);
}

/*
 * A session is named by its program_name: trail's driver sends a URL's
 * program_name as a connection attribute, which
 * performance_schema.session_connect_attrs lists beside the session's id
 * (performance_schema is on in tests/servers/mariadb.sh's server).
 */
#define MY_SESSION_IDS                                                                             \
    "SELECT PROCESSLIST_ID FROM performance_schema.session_connect_attrs"                          \
    " WHERE ATTR_NAME = 'program_name' AND ATTR_VALUE = '%s'"

static int64_t my_sessions(const char *url, const char *name)
{
    return count_named(my_count, url, "SELECT count(*) FROM (" MY_SESSION_IDS ") AS s", name);
}

/*
 * InnoDB refreshes what INNODB_TRX shows only when nobody read it for 0.1 s
 * (CACHE_MIN_IDLE_TIME_US, so that joined I_S tables agree): polled faster,
 * it would show the transaction as it was at the first poll, forever.
 */
#define INNODB_TRX_IDLE_MS 150

/* A session waits for a row lock when InnoDB says its transaction does. */
static int64_t my_sessions_waiting(const char *url, const char *name)
{
    sleep_ms(INNODB_TRX_IDLE_MS);
    return count_named(my_count, url,
                       "SELECT count(*) FROM information_schema.INNODB_TRX"
                       " WHERE trx_state = 'LOCK WAIT' AND trx_mysql_thread_id IN (" MY_SESSION_IDS
                       ")",
                       name);
}

static int64_t my_kill_session(const char *url, const char *name)
{
    int64_t sessions = my_sessions(url, name);
    if (sessions != 1)
        return sessions;
    int64_t id = count_named(my_count, url, MY_SESSION_IDS, name);
    char sql[128];
    snprintf(sql, sizeof sql, "KILL %lld", (long long)id);
    if (id < 0 || my_exec(url, sql) < 0)
        return -1;
    /*
     * KILL returns at once; the session ends when its thread sees the flag.
     * A Galera node puts off a KILL that arrives while its victim commits
     * until the statement is done (MDEV-29293), and one put off so was seen
     * lost under a victim that commits call after call (it_kill_galera, in
     * the sanitizer build): the KILL is sent again while the session stays.
     */
    char gone[128];
    snprintf(gone, sizeof gone,
             "SELECT count(*) FROM information_schema.PROCESSLIST WHERE ID = %lld", (long long)id);
    int64_t deadline = mono_ms() + RAW_KILL_WAIT_MS, again = mono_ms() + RAW_KILL_AGAIN_MS, left;
    while ((left = my_count(url, gone)) > 0 && mono_ms() < deadline) {
        if (mono_ms() >= again) {
            my_exec(url, sql); /* "Unknown thread id" once it is gone: nothing to do */
            again = mono_ms() + RAW_KILL_AGAIN_MS;
        }
        sleep_ms(1);
    }
    if (left != 0)
        fprintf(stderr, "raw: session %lld (%s) still there %d ms after KILL\n", (long long)id,
                name, RAW_KILL_WAIT_MS);
    return left == 0 ? 1 : -1;
}

/*
 * As pg_in_transaction(): once the session's statement is done (its
 * command Sleep), whether InnoDB holds a transaction of it.
 */
static int64_t my_in_transaction(const char *url, const char *name)
{
    int64_t deadline = mono_ms() + RAW_KILL_WAIT_MS, busy;
    while ((busy = count_named(my_count, url,
                               "SELECT count(*) FROM information_schema.PROCESSLIST"
                               " WHERE COMMAND <> 'Sleep' AND ID IN (" MY_SESSION_IDS ")",
                               name)) > 0 &&
           mono_ms() < deadline)
        sleep_ms(1);
    if (busy != 0)
        return -1;
    sleep_ms(INNODB_TRX_IDLE_MS);
    return count_named(my_count, url,
                       "SELECT count(*) FROM information_schema.INNODB_TRX"
                       " WHERE trx_mysql_thread_id IN (" MY_SESSION_IDS ")",
                       name);
}

/* ---- the engines: one row each -------------------------------------------- */

/* The catalog rows of the indexes of a table (raw_engine: index_width, index_column_at). */
#define PG_INDEX                                                                                   \
    " FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid"                                     \
    " JOIN pg_class t ON t.oid = x.indrelid"
#define MY_INDEX " FROM information_schema.statistics WHERE table_schema = database()"

static const engine engines[] = {
    {
        /*
         * No server; its one write lock is the file's. No statement limit a
         * test reaches (a billion bytes), and dates and timestamps are
         * integers there: nothing converts. verify runs its PRAGMA
         * integrity_check first.
         */
        .info = { .driver = "sqlite",
                  .server = false,
                  .integrity_check = true,
                  /*
                   * BEGIN IMMEDIATE, (the record read and locked,) the row's
                   * write, the event's insert, COMMIT: no event read back.
                   */
                  .statements = { .create = 4, .update = 5, .remove = 5 },
                  .op_before_merges =
                      "\"op\" TEXT NOT NULL CHECK (\"op\" IN ('insert', 'update', 'delete'))",
                  .op_in_list = "\"op\" TEXT NOT NULL CHECK (\"op\" IN ('insert', 'update', "
                                "'delete', 'merge', 'resolve'))",
                  /* Raised by every change of the schema, an edit of its text included. */
                  .op_check_stamp = "PRAGMA schema_version",
                  .index_count = "SELECT count(*) FROM pragma_index_list('%s') WHERE origin <> 'pk'",
                  .index_width = "SELECT count(*) FROM pragma_index_list('%s') l, "
                                 "pragma_index_info(l.name) i WHERE l.name = '%s'",
                  .index_column_at = "SELECT i.seqno + 1 FROM pragma_index_list('%s') l, "
                                     "pragma_index_info(l.name) i WHERE l.name = '%s' AND i.name = '%s'" },
        .exec = sqlite_exec,
        .count = sqlite_count,
        .reset = sqlite_reset,
        .lock_row = sqlite_lock_row,
        .unlock = sqlite_unlock,
        .in_transaction = sqlite_in_transaction,
    },
    {
        .info = {
            .driver = "pg",
            .server = true,
            /*
             * One pipeline: the call of the write's function (write_pg.c),
             * committed by its Sync. trail_begin() is BEGIN (no node lock:
             * each connection writes in a lane of its own); a call inside
             * it is its savepoint, the function's call and the release, in
             * one pipeline.
             */
            .trips = { .create = 1, .update = 1, .remove = 1, .unchanged = 1,
                       .begin = 1, .in_group = 1, .commit = 1 },
            .statements = { .create = 1, .update = 1, .remove = 1 }, /* no node lock before it */
            .pid_file = "postmaster.pid", /* pg.sh's DIR is the data directory */
            .session_key = "application_name",
            /* libpq's own keys: it refuses others, so there is no read/write timeout. */
            .url_connect_timeout = "connect_timeout",
            .env_connect_timeout = "PGCONNECT_TIMEOUT",
            /* No statement limit a test reaches: 1 GB in a field. */
            .drop_write_routines =
                "DO $$ DECLARE f regprocedure; BEGIN FOR f IN SELECT p.oid FROM pg_proc p"
                " JOIN pg_namespace n ON n.oid = p.pronamespace"
                " WHERE n.nspname = current_schema() AND p.proname LIKE 'trail\\_%'"
                " LOOP EXECUTE 'DROP FUNCTION ' || f; END LOOP; END $$",
            .cast_timestamp = "SELECT $1::timestamptz",
            .cast_date = "SELECT $1::date",
            .timestamps_beyond = { "SELECT 'infinity'::timestamptz",
                                   "SELECT '-infinity'::timestamptz" },
            .dates_beyond = { "SELECT 'infinity'::date", "SELECT '-infinity'::date" },
            .cast_json = "SELECT $1::jsonb", /* jsonb's binary form is a version byte first */
            /* No wrong_password: pg.sh's server trusts every local connection. */
            .json_as_jsonb = true,
            .op_before_merges =
                "\"op\" text NOT NULL CHECK (\"op\" IN ('insert', 'update', 'delete'))",
            .op_in_list = "\"op\" text NOT NULL CHECK (\"op\" IN ('insert', 'update', 'delete', "
                          "'merge', 'resolve'))",
            /* A constraint added again is a row of its own. */
            .op_check_stamp = "SELECT coalesce(sum(oid::bigint), 0) FROM pg_constraint"
                              " WHERE conrelid = 'trail_change_events'::regclass AND contype = 'c'",
            .index_count = "SELECT count(*) FROM pg_index x JOIN pg_class t ON t.oid = x.indrelid"
                           " WHERE t.relname = '%s' AND NOT x.indisprimary",
            .index_width = "SELECT coalesce(max(x.indnkeyatts), 0)" PG_INDEX
                           " WHERE t.relname = '%s' AND i.relname = '%s'",
            /* The n-th key column's name, as pg_get_indexdef() gives it. */
            .index_column_at = "SELECT n" PG_INDEX ", generate_series(1, x.indnkeyatts) n"
                               " WHERE t.relname = '%s' AND i.relname = '%s'"
                               " AND pg_get_indexdef(i.oid, n, true) = '%s'",
        },
        .exec = pg_exec,
        .count = pg_count,
        .reset = pg_reset,
        .lock_row = pg_lock_row,
        .unlock = pg_unlock,
        .sessions = pg_sessions,
        .sessions_waiting = pg_sessions_waiting,
        .kill_session = pg_kill_session,
        .in_transaction = pg_in_transaction,
    },
    {
        .info = {
            .driver = "mysql",
            .server = true,
            /*
             * One CALL of the entity's stored procedure (write_mysql.c),
             * which commits (or, inside trail_begin(), releases its
             * savepoint) itself. trail_begin() is START TRANSACTION alone:
             * no node lock (each connection writes in a lane of its own).
             */
            .trips = { .create = 1, .update = 1, .remove = 1, .unchanged = 1,
                       .begin = 1, .in_group = 1, .commit = 1 },
            .statements = { .create = 1, .update = 1, .remove = 1 }, /* the CALL */
            .pid_file = "mariadbd.pid",
            .session_key = "program_name",
            .url_connect_timeout = "connect_timeout",
            .url_read_timeout = "read_timeout",
            .url_write_timeout = "write_timeout",
            .statement_limit = "max_allowed_packet",
            .statement_limit_sql = "SELECT @@max_allowed_packet",
            .cast_timestamp = "SELECT CAST(? AS DATETIME(3))",
            .cast_date = "SELECT CAST(? AS DATE)",
            /*
             * Tables made before trail used utf8mb4_nopad_bin keep their
             * padding utf8mb4_bin columns.
             */
            .older_columns = "ALTER TABLE \"products\" MODIFY \"sku\" VARCHAR(64) NOT NULL"
                             " COLLATE utf8mb4_bin, MODIFY \"title\" VARCHAR(200) NOT NULL"
                             " COLLATE utf8mb4_bin, MODIFY \"attributes\" JSON NOT NULL",
            .wrong_password = "Access denied",
            .op_before_merges =
                "`op` VARCHAR(6) NOT NULL CHECK (`op` IN ('insert', 'update', 'delete'))",
            .op_in_list = "`op` VARCHAR(7) NOT NULL CHECK (`op` IN ('insert', 'update', 'delete', "
                          "'merge', 'resolve'))",
            /* MODIFY of a column's CHECK copies the table. */
            .op_check_stamp = "SELECT unix_timestamp(create_time) FROM information_schema.tables"
                              " WHERE table_schema = DATABASE() AND table_name = 'trail_change_events'",
            .index_count = "SELECT count(DISTINCT index_name)" MY_INDEX
                           " AND table_name = '%s' AND index_name <> 'PRIMARY'",
            .index_width = "SELECT count(*)" MY_INDEX " AND table_name = '%s' AND index_name = '%s'",
            .index_column_at = "SELECT seq_in_index" MY_INDEX
                               " AND table_name = '%s' AND index_name = '%s' AND column_name = '%s'",
        },
        .exec = my_exec,
        .count = my_count,
        .reset = my_reset,
        .lock_row = my_lock_row,
        .unlock = my_unlock,
        .sessions = my_sessions,
        .sessions_waiting = my_sessions_waiting,
        .kill_session = my_kill_session,
        .in_transaction = my_in_transaction,
    },
};

#undef PG_INDEX
#undef MY_INDEX

/* Which of the facts a server engine must have its row lacks, or NULL when none. */
static const char *server_lacks(const engine *e)
{
    const raw_trips *t = &e->info.trips;
    if (t->create < 1 || t->update < 1 || t->remove < 1 || t->unchanged < 1 || t->begin < 1 ||
        t->in_group < 1 || t->commit < 1)
        return "trips (round trips per call, each at least 1)";
    if (!e->info.pid_file)
        return "pid_file";
    if (!e->info.session_key)
        return "session_key";
    if (!e->sessions || !e->sessions_waiting || !e->kill_session || !e->in_transaction)
        return "sessions, sessions_waiting, kill_session or in_transaction";
    return NULL;
}

static const engine *engine_of(const char *url)
{
    const char *target;
    const trail_driver *drv = trail__driver_for(url, &target);
    if (!drv) {
        fprintf(stderr, "raw: '%s': no driver of trail's takes this URL\n", url);
        return NULL;
    }
    const char *name = drv->dialect->name;
    for (size_t i = 0; i < sizeof engines / sizeof engines[0]; i++) {
        const engine *e = &engines[i];
        if (strcmp(e->info.driver, name) != 0)
            continue;
        const char *lacks = !e->info.index_count || !e->info.index_width || !e->info.index_column_at
                                ? "index_count, index_width or index_column_at"
                            : e->info.server ? server_lacks(e)
                                             : NULL;
        if (!lacks)
            return e;
        fprintf(stderr,
                "raw: the engine of driver '%s' in engines[] of tests/integration/raw.c has "
                "no %s: add it there (see raw.h)\n",
                name, lacks);
        return NULL;
    }
    fprintf(stderr,
            "raw: '%s': the tests know nothing of trail's driver '%s': add its engine to "
            "engines[] in tests/integration/raw.c (see raw.h), the one place in tests/ that "
            "knows each engine\n",
            url, name);
    return NULL;
}

const raw_engine *raw_engine_of(const char *url)
{
    const engine *e = engine_of(url);
    return e ? &e->info : NULL;
}

/* The server engine of @url, or NULL, saying so when it has none. */
static const engine *server_of(const char *url)
{
    const engine *e = engine_of(url);
    if (e && !e->info.server) {
        fprintf(stderr, "raw: '%s': the %s engine has no server, so no sessions\n", url,
                e->info.driver);
        return NULL;
    }
    return e;
}

int64_t raw_sessions(const char *url, const char *name)
{
    const engine *e = server_of(url);
    return e ? e->sessions(url, name) : -1;
}

int64_t raw_sessions_waiting(const char *url, const char *name)
{
    const engine *e = server_of(url);
    return e ? e->sessions_waiting(url, name) : -1;
}

int64_t raw_kill_session(const char *url, const char *name)
{
    const engine *e = server_of(url);
    return e ? e->kill_session(url, name) : -1;
}

int64_t raw_in_transaction(const char *url, const char *name)
{
    const engine *e = engine_of(url);
    if (e && !e->in_transaction)
        fprintf(stderr, "raw: '%s': the %s engine's row has no in_transaction\n", url,
                e->info.driver);
    return e && e->in_transaction ? e->in_transaction(url, name) : -1;
}

/* raw_exec (0 or -1) and raw_count (the count or -1): the SQL of @fmt on @url's engine. */
static int64_t run(const char *url, bool count, const char *fmt, va_list ap)
{
    const engine *e = engine_of(url);
    char *sql = e ? vformat_sql(fmt, ap) : NULL;
    int64_t result = !sql ? -1 : count ? e->count(url, sql) : e->exec(url, sql);
    free(sql);
    return result;
}

int raw_exec(const char *url, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = (int)run(url, false, fmt, ap);
    va_end(ap);
    return rc;
}

int64_t raw_count(const char *url, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int64_t n = run(url, true, fmt, ap);
    va_end(ap);
    return n;
}

int raw_reset(const char *url)
{
    const engine *e = engine_of(url);
    return e ? e->reset(url) : -1;
}

raw_lock *raw_lock_row(const char *url, const char *table, const char *id)
{
    const engine *e = engine_of(url);
    raw_lock *lock = e ? calloc(1, sizeof *lock) : NULL;
    if (!lock)
        return NULL;
    lock->engine = e;
    if (!(lock->conn = e->lock_row(url, table, id))) {
        free(lock);
        return NULL;
    }
    return lock;
}

void raw_unlock(raw_lock *lock)
{
    if (!lock)
        return;
    lock->engine->unlock(lock->conn);
    free(lock);
}
