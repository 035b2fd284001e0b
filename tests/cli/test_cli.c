/*
 * test_cli.c - the `trail` command line tool, run as a user runs it.
 *
 * A fixture database gets six events through the generated shop API; each
 * test runs the trail binary (TRAIL_EXE) on it and checks the output against
 * what the test wrote and against the database read directly with SQLite,
 * never against the tool's own earlier output. Tampering tests edit copies.
 */
#define _GNU_SOURCE /* mkdtemp, posix_spawn, asprintf */
#include "shop.h"

#include <setjmp.h> /* cmocka needs these three first */
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>
#include <fcntl.h>
#include <jansson.h>
#include <spawn.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static char dir[] = "/tmp/trail-cli.XXXXXX";
static char db_path[256];
static char ann_id[32], bob_id[32], order_id[32];

/* ---- running trail ------------------------------------------------------ */

typedef struct run {
    int status; /* exit status; -1 when it did not exit normally */
    char *out, *err;
} run;

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    char *s = NULL;
    size_t n = 0, cap = 0;
    for (int c; (c = fgetc(f)) != EOF;) {
        if (n + 2 > cap)
            assert_non_null(s = realloc(s, cap = cap ? cap * 2 : 4096));
        s[n++] = (char)c;
    }
    fclose(f);
    if (!s)
        assert_non_null(s = malloc(1));
    s[n] = '\0';
    return s;
}

/* Runs `trail ARGS...` (NULL-terminated) with stdout and stderr captured. */
static run trail(const char *arg, ...)
{
    const char *argv[16] = { TRAIL_EXE };
    int n = 1;
    va_list ap;
    va_start(ap, arg);
    for (const char *a = arg; a; a = va_arg(ap, const char *)) {
        assert_true(n < 15);
        argv[n++] = a;
    }
    va_end(ap);
    argv[n] = NULL;

    char out_path[300], err_path[300];
    snprintf(out_path, sizeof out_path, "%s/stdout", dir);
    snprintf(err_path, sizeof err_path, "%s/stderr", dir);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, out_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    posix_spawn_file_actions_addopen(&fa, 2, err_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    pid_t pid;
    assert_int_equal(posix_spawn(&pid, TRAIL_EXE, &fa, NULL, (char **)argv, environ), 0);
    posix_spawn_file_actions_destroy(&fa);
    int ws;
    assert_int_equal(waitpid(pid, &ws, 0), pid);
    run r = { WIFEXITED(ws) ? WEXITSTATUS(ws) : -1, slurp(out_path), slurp(err_path) };
    return r;
}

static void run_free(run *r)
{
    free(r->out);
    free(r->err);
}

/* ---- the fixture --------------------------------------------------------- */

static int make_fixture(void **state)
{
    (void)state;
    if (!mkdtemp(dir))
        return -1;
    snprintf(db_path, sizeof db_path, "%s/shop.db", dir);
    char url[300];
    snprintf(url, sizeof url, "sqlite:%s", db_path);

    trail_conn *db;
    shop_customer ann = { 0 }, bob = { 0 };
    shop_order order = { 0 };
    trail_ctx alice = { .user_id = "alice", .request_id = "r1" };
    trail_ctx zoe = { .user_id = "zo\xc3\xab" }; /* "zoë": two bytes, one character */
    shop_customer_create_params a = SHOP_CUSTOMER_CREATE_INIT;
    a.email = "ann@example.com";
    a.name = "Ann";
    a.secret = "x";
    shop_customer_create_params b = SHOP_CUSTOMER_CREATE_INIT;
    b.email = "bob@example.com";
    b.name = "Bob";
    b.secret = "y";
    int rc = trail_open(&db, url, NULL);
    if (rc == TRAIL_OK)
        rc = shop_migrate(db);
    if (rc == TRAIL_OK)
        rc = shop_customer_create(db, &alice, &a, &ann);
    if (rc == TRAIL_OK)
        rc = shop_customer_create(db, &zoe, &b, &bob);
    shop_order_create_params o = SHOP_ORDER_CREATE_INIT;
    o.customer = ann.id;
    o.total = 100;
    if (rc == TRAIL_OK)
        rc = shop_order_create(db, &alice, &o, &order);
    shop_customer_update_params u = { .id = ann.id,
                                      .version = 1,
                                      .set = SHOP_CUSTOMER_CREDIT | SHOP_CUSTOMER_TIER,
                                      .credit = 500,
                                      .tier = SHOP_CUSTOMER_TIER_PRO };
    if (rc == TRAIL_OK)
        rc = shop_customer_update(db, &zoe, &u, &ann);
    shop_order_update_params ou = {
        .id = order.id, .version = 1, .set = SHOP_ORDER_TOTAL, .total = 90
    };
    if (rc == TRAIL_OK)
        rc = shop_order_update(db, NULL, &ou, &order); /* no user: "-" in the log */
    if (rc == TRAIL_OK)
        rc = shop_order_delete(db, &alice, order.id, 2);
    if (rc != TRAIL_OK)
        fprintf(stderr, "fixture: %s\n", trail_errmsg(db));
    else {
        snprintf(ann_id, sizeof ann_id, "%s", ann.id);
        snprintf(bob_id, sizeof bob_id, "%s", bob.id);
        snprintf(order_id, sizeof order_id, "%s", order.id);
    }
    shop_customer_clear(&ann);
    shop_customer_clear(&bob);
    shop_order_clear(&order);
    trail_close(db);
    return rc == TRAIL_OK ? 0 : -1;
}

static int remove_fixture(void **state)
{
    (void)state;
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

/* ---- reading the database directly --------------------------------------- */

static sqlite3 *raw_open(const char *path)
{
    sqlite3 *s;
    assert_int_equal(sqlite3_open_v2(path, &s, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
    return s;
}

static void raw_exec(const char *path, const char *sql)
{
    sqlite3 *s = raw_open(path);
    char *err = NULL;
    if (sqlite3_exec(s, sql, NULL, NULL, &err) != SQLITE_OK)
        fail_msg("%s: %s", sql, err);
    assert_int_equal(sqlite3_changes(s), 1);
    sqlite3_close(s);
}

static long long raw_count(const char *sql)
{
    sqlite3 *s = raw_open(db_path);
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(s, sql, -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    long long n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(s);
    return n;
}

/* The lines of @text, NUL-terminated in place; returns how many. */
static size_t split_lines(char *text, char **lines, size_t max)
{
    size_t n = 0;
    for (char *save = NULL, *l = strtok_r(text, "\n", &save); l && n < max;
         l = strtok_r(NULL, "\n", &save))
        lines[n++] = l;
    return n;
}

/* Characters (not bytes) before @at in @line. */
static size_t col_of(const char *line, const char *at)
{
    assert_non_null(at);
    size_t n = 0;
    for (const char *p = line; p < at; p++)
        n += ((unsigned char)*p & 0xC0) != 0x80;
    return n;
}

/*
 * The characters @from to @to (exclusive) of @line into @cell, without the
 * spaces around them: one cell of an aligned table.
 */
static void cut(char *cell, size_t size, const char *line, size_t from, size_t to)
{
    const char *p = line, *start = NULL;
    size_t ch = 0;
    for (; *p && ch < to; p++) {
        if (ch == from && !start)
            start = p;
        if (((unsigned char)p[1] & 0xC0) != 0x80)
            ch++;
    }
    assert_non_null(start);
    while (*start == ' ')
        start++;
    size_t n = (size_t)(p - start);
    while (n && start[n - 1] == ' ')
        n--;
    assert_true(n < size);
    memcpy(cell, start, n);
    cell[n] = '\0';
}

/* ---- log ------------------------------------------------------------------ */

static void test_log_table(void **state)
{
    (void)state;
    run r = trail("log", db_path, NULL);
    assert_int_equal(r.status, 0);
    assert_string_equal(r.err, "");
    char *l[16];
    assert_int_equal(split_lines(r.out, l, 16), 7); /* heading + six events */

    static const char *const heads[] = { "time",    "op",  "table",  "record",
                                         "version", "who", "changed" };
    for (size_t i = 0; i < 7; i++)
        assert_non_null(strstr(l[0], heads[i]));
    /* Each row cut at the headings' positions, counted in characters. */
    const char *changed_all = "email, name, tier, credit, rating, active, born, seen_at, avatar, "
                              "prefs, secret";
    const char *const want[6][7] = {
        { NULL, "insert", "customers", ann_id, "1", "alice", changed_all },
        { NULL, "insert", "customers", bob_id, "1", "zo\xc3\xab", changed_all },
        { NULL, "insert", "orders", order_id, "1", "alice", "customer, total" },
        { NULL, "update", "customers", ann_id, "2", "zo\xc3\xab", "tier, credit" },
        { NULL, "update", "orders", order_id, "2", "-", "total" },
        { NULL, "delete", "orders", order_id, "2", "alice", "customer, total" },
    };
    size_t at[8];
    for (size_t c = 0; c < 7; c++)
        at[c] = col_of(l[0], strstr(l[0], heads[c]));
    at[7] = (size_t)-1;
    for (size_t i = 0; i < 6; i++)
        for (size_t c = 1; c < 7; c++) {
            char cell[200];
            cut(cell, sizeof cell, l[i + 1], at[c], at[c + 1]);
            assert_string_equal(cell, want[i][c]);
        }

    /* The time column is the HLC's wall time, formatted here with libc. */
    sqlite3 *s = raw_open(db_path);
    sqlite3_stmt *st;
    assert_int_equal(
        sqlite3_prepare_v2(s, "SELECT hlc FROM trail_change_events ORDER BY hlc", -1, &st, NULL),
        SQLITE_OK);
    for (size_t i = 0; i < 6; i++) {
        assert_int_equal(sqlite3_step(st), SQLITE_ROW);
        long long ms = (long long)((unsigned long long)sqlite3_column_int64(st, 0) >> 16);
        time_t secs = (time_t)(ms / 1000);
        struct tm tm;
        gmtime_r(&secs, &tm);
        char iso[40], date[24];
        strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%S", &tm);
        snprintf(iso, sizeof iso, "%s.%03lldZ  ", date, ms % 1000);
        assert_memory_equal(l[i + 1], iso, strlen(iso));
    }
    sqlite3_finalize(st);
    sqlite3_close(s);
    run_free(&r);
}

/* Every column of SPEC §4, in its order. */
static const char *const columns[] = {
    "event_id",       "hlc",     "node_id",    "origin_node", "tx_id",      "table_name",
    "record_id",      "op",      "version",    "old_values",  "new_values", "changed",
    "schema_version", "user_id", "request_id", "session_id",  "tenant_id",  "trace_id",
    "span_id",        "ip",      "created_at", "prev_hash",   "hash",
};

static void test_log_json(void **state)
{
    (void)state;
    run r = trail("log", "--json", db_path, NULL);
    assert_int_equal(r.status, 0);
    char *l[16];
    size_t n = split_lines(r.out, l, 16);
    assert_int_equal(n, raw_count("SELECT count(*) FROM trail_change_events"));

    sqlite3 *s = raw_open(db_path);
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(s, "SELECT * FROM trail_change_events WHERE event_id = ?",
                                        -1, &st, NULL),
                     SQLITE_OK);
    for (size_t i = 0; i < n; i++) {
        json_error_t err;
        json_t *o = json_loads(l[i], 0, &err);
        if (!o)
            fail_msg("line %zu is not JSON: %s\n%s", i + 1, err.text, l[i]);
        assert_true(json_is_object(o));
        assert_int_equal(json_object_size(o), sizeof columns / sizeof columns[0]);

        /* Each column equals the stored one; the JSON columns as JSON. */
        sqlite3_bind_text(st, 1, json_string_value(json_object_get(o, "event_id")), -1,
                          SQLITE_TRANSIENT);
        assert_int_equal(sqlite3_step(st), SQLITE_ROW);
        for (int c = 0; c < sqlite3_column_count(st); c++) {
            const char *name = sqlite3_column_name(st, c);
            json_t *v = json_object_get(o, name);
            if (!v)
                fail_msg("line %zu has no %s", i + 1, name);
            if (sqlite3_column_type(st, c) == SQLITE_NULL) {
                assert_true(json_is_null(v));
            } else if (sqlite3_column_type(st, c) == SQLITE_INTEGER) {
                assert_true(json_is_integer(v));
                assert_int_equal(json_integer_value(v), sqlite3_column_int64(st, c));
            } else if (!strcmp(name, "old_values") || !strcmp(name, "new_values") ||
                       !strcmp(name, "changed")) {
                json_t *stored = json_loads((const char *)sqlite3_column_text(st, c), 0, NULL);
                assert_non_null(stored);
                assert_true(json_is_object(v) || json_is_array(v));
                assert_true(json_equal(v, stored));
                json_decref(stored);
            } else {
                assert_true(json_is_string(v));
                assert_string_equal(json_string_value(v), sqlite3_column_text(st, c));
            }
        }
        sqlite3_reset(st);
        json_decref(o);
    }
    sqlite3_finalize(st);
    sqlite3_close(s);
    run_free(&r);
}

static void test_log_one_record(void **state)
{
    (void)state;
    run r = trail("log", "--table", "customers", "--record", ann_id, db_path, NULL);
    assert_int_equal(r.status, 0);
    char *l[8];
    assert_int_equal(split_lines(r.out, l, 8), 3);
    assert_non_null(strstr(l[1], "insert  customers  "));
    assert_non_null(strstr(l[2], "update  customers  "));
    assert_non_null(strstr(l[1], ann_id));
    assert_non_null(strstr(l[2], ann_id));
    run_free(&r);

    /* --name=value; a table alone; no match. */
    r = trail("log", "--table=orders", "--json", db_path, NULL);
    assert_int_equal(r.status, 0);
    assert_int_equal(split_lines(r.out, l, 8), 3);
    for (size_t i = 0; i < 3; i++)
        assert_non_null(strstr(l[i], "\"table_name\":\"orders\""));
    run_free(&r);
    r = trail("log", "--table", "customers", "--record", order_id, db_path, NULL);
    assert_int_equal(r.status, 0);
    assert_string_equal(r.out, "no events match\n");
    run_free(&r);
}

/* ---- nodes and verify ----------------------------------------------------- */

static void test_nodes(void **state)
{
    (void)state;
    sqlite3 *s = raw_open(db_path);
    sqlite3_stmt *st;
    assert_int_equal(
        sqlite3_prepare_v2(s, "SELECT node_id, hostname FROM trail_nodes", -1, &st, NULL),
        SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    char expect[200];
    snprintf(expect, sizeof expect, "%s  *      %s  ", sqlite3_column_text(st, 0),
             sqlite3_column_text(st, 1));
    sqlite3_finalize(st);
    sqlite3_close(s);

    run r = trail("nodes", db_path, NULL);
    assert_int_equal(r.status, 0);
    char *l[4];
    assert_int_equal(split_lines(r.out, l, 4), 2);
    assert_non_null(strstr(l[0], "node"));
    assert_non_null(strstr(l[0], "last hlc"));
    assert_memory_equal(l[1], expect, strlen(expect));
    assert_non_null(strstr(l[1], "       6  ")); /* six events, right-aligned under "events" */
    run_free(&r);
}

static void test_verify_intact(void **state)
{
    (void)state;
    run r = trail("verify", db_path, NULL);
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out, "checked 6 events of 3 records, and 2 live rows\n"));
    assert_non_null(strstr(r.out, "intact"));
    run_free(&r);

    /* The same database named by its URL. */
    char url[300];
    snprintf(url, sizeof url, "sqlite:%s", db_path);
    r = trail("verify", url, NULL);
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out, "checked 6 events of 3 records, and 2 live rows\n"));
    run_free(&r);
}

/* A copy of the fixture, closed and checkpointed, for a test to break. */
static void copy_db(const char *to)
{
    char cmd[700];
    snprintf(cmd, sizeof cmd, "cp '%s' '%s'", db_path, to);
    assert_int_equal(system(cmd), 0);
}

static void test_verify_broken(void **state)
{
    (void)state;
    /* An event's new_values edited: Ann's credit was 500, now it says 900. */
    char path[300], sql[400];
    snprintf(path, sizeof path, "%s/edited.db", dir);
    copy_db(path);
    snprintf(sql, sizeof sql,
             "UPDATE trail_change_events SET new_values = replace(new_values, '\"credit\":500', "
             "'\"credit\":900') WHERE record_id = '%s' AND version = 2",
             ann_id);
    raw_exec(path, sql);
    run r = trail("verify", path, NULL);
    assert_int_equal(r.status, 1);
    assert_non_null(strstr(r.out, "BROKEN"));
    assert_non_null(strstr(r.out, ann_id));
    assert_null(strstr(r.out, bob_id)); /* Bob's history is untouched */
    run_free(&r);

    /* A live row changed behind trail's back. */
    snprintf(path, sizeof path, "%s/row.db", dir);
    copy_db(path);
    snprintf(sql, sizeof sql, "UPDATE customers SET name = 'Robert' WHERE id = '%s'", bob_id);
    raw_exec(path, sql);
    r = trail("verify", path, NULL);
    assert_int_equal(r.status, 1);
    assert_non_null(strstr(r.out, bob_id));
    assert_null(strstr(r.out, ann_id));
    run_free(&r);
}

/* ---- usage ------------------------------------------------------------------ */

static void expect_usage_error(run r, const char *message)
{
    assert_int_equal(r.status, 2);
    assert_string_equal(r.out, "");
    if (!strstr(r.err, message))
        fail_msg("stderr lacks '%s':\n%s", message, r.err);
    run_free(&r);
}

static void test_usage(void **state)
{
    (void)state;
    expect_usage_error(trail(NULL), "usage: trail");
    expect_usage_error(trail("frobnicate", db_path, NULL), "trail: no such command: frobnicate");
    expect_usage_error(trail("--frob", NULL), "trail: unknown option --frob");
    expect_usage_error(trail("log", NULL), "trail: no database given");
    expect_usage_error(trail("log", "--bogus", db_path, NULL), "trail: unknown option --bogus");
    expect_usage_error(trail("log", db_path, "--table", NULL), "--table needs a value");
    expect_usage_error(trail("log", "--json=yes", db_path, NULL), "--json takes no value");
    expect_usage_error(trail("verify", db_path, db_path, NULL), "takes one database");
    expect_usage_error(trail("help", "frobnicate", NULL), "no such command: frobnicate");
    expect_usage_error(trail("help", "log", "nodes", NULL), "help takes one command");
    expect_usage_error(trail("log", "postgres-is-not-a-driver://x", NULL), "trail: ");

    /* A missing file is reported, not created. */
    char missing[300];
    snprintf(missing, sizeof missing, "%s/missing.db", dir);
    expect_usage_error(trail("log", missing, NULL), "no such database");
    char url[310];
    snprintf(url, sizeof url, "sqlite:%s", missing);
    expect_usage_error(trail("verify", url, NULL), "no such database");
    struct stat st;
    assert_int_equal(stat(missing, &st), -1);

    /* A file that is not a database: SQLite's message, through trail_errmsg(). */
    char text[300];
    snprintf(text, sizeof text, "%s/notes.txt", dir);
    FILE *f = fopen(text, "w");
    assert_non_null(f);
    fputs("not a database, but long enough for SQLite to read a header from it....\n", f);
    fclose(f);
    expect_usage_error(trail("nodes", text, NULL), "trail: ");
}

static void test_help(void **state)
{
    (void)state;
    static const char *const cmds[] = { "log", "verify", "nodes" };
    run r = trail("--help", NULL);
    assert_int_equal(r.status, 0);
    for (size_t i = 0; i < 3; i++)
        assert_non_null(strstr(r.out, cmds[i]));
    run_free(&r);
    for (size_t i = 0; i < 3; i++) {
        char usage[40];
        snprintf(usage, sizeof usage, "usage: trail %s", cmds[i]);
        r = trail(cmds[i], "--help", NULL);
        assert_int_equal(r.status, 0);
        assert_non_null(strstr(r.out, usage));
        assert_non_null(strstr(r.out, "Exit status"));
        run_free(&r);
        r = trail("help", cmds[i], NULL);
        assert_int_equal(r.status, 0);
        assert_non_null(strstr(r.out, usage));
        run_free(&r);
    }
    r = trail("--version", NULL);
    assert_int_equal(r.status, 0);
    assert_string_equal(r.out, "trail " TRAIL_VERSION " (libtrail " TRAIL_VERSION ")\n");
    run_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_log_table),      cmocka_unit_test(test_log_json),
        cmocka_unit_test(test_log_one_record), cmocka_unit_test(test_nodes),
        cmocka_unit_test(test_verify_intact),  cmocka_unit_test(test_verify_broken),
        cmocka_unit_test(test_usage),          cmocka_unit_test(test_help),
    };
    return cmocka_run_group_tests(tests, make_fixture, remove_fixture);
}
