/*
 * gen_ddl_apply.c - runs the SQLite DDL that a generated NAME_sqlite.c holds
 * as C strings (the trail_schema_ddl named by -DDDL_SYMBOL=NAME_ddl_sqlite)
 * on the database file argv[1], and prints how many statements it ran.
 *
 * test_gen compiles this with a freshly generated NAME_sqlite.c (which
 * refers to the runtime through types only, so it links on its own) and
 * compares the database it makes with one made from NAME_sqlite.sql: the C
 * strings and the script must be the same SQL. Each string must be exactly
 * one statement, as trail/record.h promises. Exit status 0, or 1 with the
 * failing statement on stderr.
 */
#include "trail/record.h"

#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

extern const trail_schema_ddl DDL_SYMBOL;

/* Runs the one statement @sql; 0 or -1 (reported). */
static int run_one(sqlite3 *db, size_t i, const char *sql)
{
    sqlite3_stmt *stmt = NULL;
    const char *tail = NULL;
    if (sqlite3_prepare_v2(db, sql, -1, &stmt, &tail) != SQLITE_OK || !stmt) {
        fprintf(stderr, "statement %zu: %s\n%s\n", i, sqlite3_errmsg(db), sql);
        sqlite3_finalize(stmt);
        return -1;
    }
    int rc = sqlite3_step(stmt);
    sqlite3_finalize(stmt);
    if (rc != SQLITE_DONE) {
        fprintf(stderr, "statement %zu: %s\n%s\n", i, sqlite3_errmsg(db), sql);
        return -1;
    }
    if (tail[strspn(tail, " \t\n")] != '\0') {
        fprintf(stderr, "statement %zu holds more than one statement:\n%s\n", i, sql);
        return -1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s DATABASE\n", argv[0]);
        return 2;
    }
    sqlite3 *db = NULL;
    if (sqlite3_open(argv[1], &db) != SQLITE_OK) {
        fprintf(stderr, "%s: %s\n", argv[1], sqlite3_errmsg(db));
        sqlite3_close(db);
        return 1;
    }
    int status = 0;
    for (size_t i = 0; status == 0 && i < DDL_SYMBOL.n_statements; i++)
        if (run_one(db, i, DDL_SYMBOL.statements[i]) < 0)
            status = 1;
    sqlite3_close(db);
    if (status == 0)
        printf("%zu\n", DDL_SYMBOL.n_statements);
    return status;
}
