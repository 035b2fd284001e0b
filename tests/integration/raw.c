/*
 * raw.c - plain SQL on the test database (see raw.h). Each engine is a row of
 * functions taking SQL already formatted; the public functions format it and
 * pick the row by the URL's scheme. Every call opens a connection of its own
 * and closes it (a lock's lives as long as the lock), so nothing of raw's
 * stays open while a test resets, reopens or locks the database.
 */
#define _POSIX_C_SOURCE 200809L
#include "raw.h"

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

typedef struct raw_engine {
    const char *scheme; /* how its URLs start */
    int (*exec)(const char *url, const char *sql);
    int64_t (*count)(const char *url, const char *sql);
    int (*reset)(const char *url);
    void *(*lock_row)(const char *url, const char *table, const char *id); /* its connection */
    void (*unlock)(void *conn);
} raw_engine;

struct raw_lock {
    const raw_engine *engine;
    void *conn;
};

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

/* ---- the engine of a URL ------------------------------------------------- */

static const raw_engine engines[] = {
    { "sqlite:", sqlite_exec, sqlite_count, sqlite_reset, sqlite_lock_row, sqlite_unlock },
    { "postgresql://", pg_exec, pg_count, pg_reset, pg_lock_row, pg_unlock },
    { "postgres://", pg_exec, pg_count, pg_reset, pg_lock_row, pg_unlock },
    { "mysql://", my_exec, my_count, my_reset, my_lock_row, my_unlock },
    { "mariadb://", my_exec, my_count, my_reset, my_lock_row, my_unlock },
};

static const raw_engine *engine_of(const char *url)
{
    for (size_t i = 0; i < sizeof engines / sizeof engines[0]; i++)
        if (strncmp(url, engines[i].scheme, strlen(engines[i].scheme)) == 0)
            return &engines[i];
    fprintf(stderr,
            "raw: '%s': raw SQL is implemented for sqlite:, postgresql://, postgres://, "
            "mysql:// and mariadb:// URLs; "
            "the driver issue of this scheme adds it to tests/integration/raw.c\n",
            url);
    return NULL;
}

/* raw_exec (0 or -1) and raw_count (the count or -1): the SQL of @fmt on @url's engine. */
static int64_t run(const char *url, bool count, const char *fmt, va_list ap)
{
    const raw_engine *e = engine_of(url);
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
    const raw_engine *e = engine_of(url);
    return e ? e->reset(url) : -1;
}

raw_lock *raw_lock_row(const char *url, const char *table, const char *id)
{
    const raw_engine *e = engine_of(url);
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
