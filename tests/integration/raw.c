/*
 * raw.c - plain SQL on the test database (see raw.h). SQLite today; a URL of
 * another scheme fails with a message saying where its support goes.
 */
#define _POSIX_C_SOURCE 200809L
#include "raw.h"

#include <sqlite3.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Long enough for a test's concurrent writers to finish a transaction. */
#define RAW_BUSY_TIMEOUT_MS 10000

struct raw_lock {
    sqlite3 *db;
};

/* The file of a sqlite: URL, or NULL (with a message) for anything else. */
static const char *sqlite_path(const char *url)
{
    if (strncmp(url, "sqlite:", 7) != 0) {
        fprintf(stderr,
                "raw: '%s': raw SQL is implemented for sqlite: URLs only; the driver issue of "
                "this scheme adds it to tests/integration/raw.c\n",
                url);
        return NULL;
    }
    if (strcmp(url + 7, ":memory:") == 0) {
        fprintf(stderr, "raw: an in-memory database cannot be reached from a second connection\n");
        return NULL;
    }
    return url + 7;
}

static sqlite3 *raw_open(const char *url, bool create)
{
    const char *path = sqlite_path(url);
    if (!path)
        return NULL;
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

static int exec(sqlite3 *db, const char *sql)
{
    char *msg = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &msg) == SQLITE_OK)
        return 0;
    fprintf(stderr, "raw: %s\n  in: %s\n", msg ? msg : sqlite3_errmsg(db), sql);
    sqlite3_free(msg);
    return -1;
}

/*
 * The SQL of a printf format in *@sql, and a connection to run it on; both
 * NULL on failure. The caller frees both.
 */
static sqlite3 *open_for(const char *url, char **sql, const char *fmt, va_list ap)
{
    va_list again;
    va_copy(again, ap);
    int n = vsnprintf(NULL, 0, fmt, ap);
    if (n < 0 || !(*sql = malloc((size_t)n + 1))) {
        va_end(again);
        *sql = NULL;
        return NULL;
    }
    vsnprintf(*sql, (size_t)n + 1, fmt, again);
    va_end(again);
    return raw_open(url, false);
}

int raw_exec(const char *url, const char *fmt, ...)
{
    char *sql;
    va_list ap;
    va_start(ap, fmt);
    sqlite3 *db = open_for(url, &sql, fmt, ap);
    va_end(ap);
    int rc = db ? exec(db, sql) : -1;
    sqlite3_close(db);
    free(sql);
    return rc;
}

int64_t raw_count(const char *url, const char *fmt, ...)
{
    char *sql;
    va_list ap;
    va_start(ap, fmt);
    sqlite3 *db = open_for(url, &sql, fmt, ap);
    va_end(ap);
    sqlite3_stmt *stmt = NULL;
    int64_t n = -1;
    if (db && sqlite3_prepare_v2(db, sql, -1, &stmt, NULL) != SQLITE_OK)
        fprintf(stderr, "raw: %s\n  in: %s\n", sqlite3_errmsg(db), sql);
    else if (stmt && sqlite3_step(stmt) == SQLITE_ROW &&
             sqlite3_column_type(stmt, 0) == SQLITE_INTEGER)
        n = sqlite3_column_int64(stmt, 0);
    else if (stmt)
        fprintf(stderr, "raw: no integer from: %s (%s)\n", sql, sqlite3_errmsg(db));
    sqlite3_finalize(stmt);
    sqlite3_close(db);
    free(sql);
    return n;
}

int raw_reset(const char *url)
{
    sqlite3 *db = raw_open(url, true);
    if (!db)
        return -1;
    /* Tables reference each other: without the check they drop in any order. */
    int rc = exec(db, "PRAGMA foreign_keys=OFF");
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
        rc = exec(db, drop);
        sqlite3_free(drop);
    }
    sqlite3_close(db);
    return rc;
}

raw_lock *raw_lock_row(const char *url, const char *table, const char *id)
{
    /* SQLite has one write lock for the whole file: BEGIN IMMEDIATE takes it. */
    (void)table;
    (void)id;
    raw_lock *lock = calloc(1, sizeof *lock);
    if (!lock)
        return NULL;
    if (!(lock->db = raw_open(url, false)) || exec(lock->db, "BEGIN IMMEDIATE") < 0) {
        sqlite3_close(lock->db);
        free(lock);
        return NULL;
    }
    return lock;
}

void raw_unlock(raw_lock *lock)
{
    if (!lock)
        return;
    exec(lock->db, "ROLLBACK");
    sqlite3_close(lock->db);
    free(lock);
}
