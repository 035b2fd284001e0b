/*
 * test_cli.c - the `trail` command line tool, run as a user runs it.
 *
 * A fixture database gets six events through the generated shop API; each
 * test runs the trail binary (TRAIL_EXE) on it and checks the output against
 * what the test wrote and against the database read directly with SQLite,
 * never against the tool's own earlier output. Tampering tests edit copies.
 */
#define _GNU_SOURCE /* mkdtemp, posix_spawn, asprintf */
#include "cli_run.h"
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

static char dir[] = "/tmp/trail-cli.XXXXXX";
static char db_path[256];
static char ann_id[32], bob_id[32], order_id[32];

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
    "event_id",   "hlc",
    "node_id",    "lane_id",
    "seq",        "tx_id",
    "table_name", "record_id",
    "op",         "version",
    "old_values", "new_values",
    "changed",    "schema_version",
    "user_id",    "request_id",
    "session_id", "tenant_id",
    "trace_id",   "span_id",
    "ip",         "created_at",
    "prev_hash",  "hash",
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

/* ---- databases of the tests' own ------------------------------------------ */

/* @name in the test directory, into @path. */
static void in_dir(char *path, size_t size, const char *name)
{
    assert_true((size_t)snprintf(path, size, "%s/%s", dir, name) < size);
}

/* One customer through the generated API, by @ctx; its id to @id (27 bytes). */
static int add_customer(trail_conn *db, const trail_ctx *ctx, const char *email, const char *name,
                        char *id)
{
    shop_customer_create_params p = SHOP_CUSTOMER_CREATE_INIT;
    p.email = email;
    p.name = name;
    p.secret = "s";
    shop_customer c = { 0 };
    int rc = shop_customer_create(db, ctx, &p, &c);
    if (rc == TRAIL_OK && id)
        strcpy(id, c.id);
    shop_customer_clear(&c);
    return rc;
}

/*
 * A new database at @path with @n customers made through the generated API
 * in one transaction, each by @ctx, named @name (NULL: "Customer N"). The id
 * of the last one goes to @last_id when given.
 */
static void make_customers(const char *path, size_t n, const trail_ctx *ctx, const char *name,
                           char *last_id)
{
    char url[300];
    snprintf(url, sizeof url, "sqlite:%s", path);
    trail_conn *db;
    int rc = trail_open(&db, url, NULL);
    if (rc == TRAIL_OK)
        rc = shop_migrate(db);
    if (rc == TRAIL_OK)
        rc = trail_begin(db);
    for (size_t i = 0; rc == TRAIL_OK && i < n; i++) {
        char email[64], own[64];
        snprintf(email, sizeof email, "c%zu@example.com", i);
        snprintf(own, sizeof own, "Customer %zu", i);
        rc = add_customer(db, ctx, email, name ? name : own, last_id);
    }
    if (rc == TRAIL_OK)
        rc = trail_commit(db);
    if (rc != TRAIL_OK)
        fail_msg("make_customers: %s", trail_errmsg(db));
    trail_close(db);
}

/* The integer answer of @sql on @path, read directly. */
static long long raw_int(const char *path, const char *sql)
{
    sqlite3 *s = raw_open(path);
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s, sql, -1, &st, NULL) != SQLITE_OK)
        fail_msg("%s: %s", sql, sqlite3_errmsg(s));
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    long long n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(s);
    return n;
}

/* Fails when @text holds @unwanted. */
static void expect_not_in(const char *text, const char *unwanted)
{
    if (strstr(text, unwanted))
        fail_msg("the output holds '%s':\n%s", unwanted, text);
}

/* ---- verify: the file, trail_meta's model, progress ------------------------ */

/*
 * A page of an index overwritten on disk: verify's own reads never touch that
 * index, so only the engine's integrity check can see it, and must.
 */
static void test_verify_damaged_file(void **state)
{
    (void)state;
    char path[300];
    in_dir(path, sizeof path, "damaged.db");
    make_customers(path, 500, NULL, NULL, NULL);
    run r = trail("verify", path, NULL);
    assert_int_equal(r.status, 0); /* intact before */
    run_free(&r);

    long long page_size = raw_int(path, "PRAGMA page_size");
    long long root = raw_int(path, "SELECT rootpage FROM sqlite_master WHERE type = 'index' AND "
                                   "tbl_name = 'customers' ORDER BY name LIMIT 1");
    assert_true(root > 1);
    FILE *f = fopen(path, "r+b");
    assert_non_null(f);
    char junk[64];
    memset(junk, 0x5A, sizeof junk);
    assert_int_equal(fseek(f, (long)((root - 1) * page_size), SEEK_SET), 0);
    assert_int_equal(fwrite(junk, 1, sizeof junk, f), sizeof junk);
    assert_int_equal(fclose(f), 0);

    r = trail("verify", path, NULL);
    assert_int_equal(r.status, 1);
    expect_in(r.out, "the database file is damaged: ");
    char page[64];
    snprintf(page, sizeof page, "Page %lld: ", root);
    expect_in(r.out, page); /* SQLite's words name the page */
    expect_in(r.out, "BROKEN");
    expect_not_in(r.out, "intact");
    run_free(&r);
}

/* A copy of the fixture with @sql run on it behind trail's back, and Bob's row edited. */
static void tampered_copy(char *path, size_t size, const char *name, const char *sql)
{
    in_dir(path, size, name);
    char cmd[700];
    snprintf(cmd, sizeof cmd, "cp '%s' '%s'", db_path, path);
    assert_int_equal(system(cmd), 0);
    raw_exec(path, sql);
    char edit[200];
    snprintf(edit, sizeof edit, "UPDATE customers SET name = 'Robert' WHERE id = '%s'", bob_id);
    raw_exec(path, edit);
}

static void test_verify_model_deleted(void **state)
{
    (void)state;
    char path[300];
    tampered_copy(path, sizeof path, "no-model.db",
                  "DELETE FROM trail_meta WHERE key = 'schema.shop.model'");
    run r = trail("verify", path, NULL);
    assert_int_equal(r.status, 1);
    expect_in(r.out, "no schema.shop.model");
    expect_in(r.out, "customers  -       -      no schema description in trail_meta names this "
                     "table, so its live rows cannot be checked");
    expect_in(r.out, "BROKEN");
    run_free(&r);
}

static void test_verify_model_edited(void **state)
{
    (void)state;
    /* The customer entity taken out of the description: its table is left undescribed. */
    char path[300];
    tampered_copy(path, sizeof path, "model-edited.db",
                  "UPDATE trail_meta SET value = json_remove(value, '$.entities[0]') "
                  "WHERE key = 'schema.shop.model' AND "
                  "json_extract(value, '$.entities[0].table') = 'customers'");
    run r = trail("verify", path, NULL);
    assert_int_equal(r.status, 1);
    expect_in(r.out, "customers  -       -      no schema description in trail_meta names this "
                     "table");
    run_free(&r);

    /* The table renamed in it: the table it names is not there, the real one undescribed. */
    tampered_copy(path, sizeof path, "model-renamed.db",
                  "UPDATE trail_meta SET value = replace(value, '\"customers\"', '\"clients\"') "
                  "WHERE key = 'schema.shop.model'");
    r = trail("verify", path, NULL);
    assert_int_equal(r.status, 1);
    expect_in(r.out, "customers  -       -      no schema description in trail_meta names this "
                     "table");
    expect_in(r.out, "clients    -       -      the live rows of entity customer could not be "
                     "read");
    run_free(&r);

    /* Not a description at all. */
    tampered_copy(path, sizeof path, "model-garbage.db",
                  "UPDATE trail_meta SET value = 'nothing to see' WHERE key = 'schema.shop.model'");
    r = trail("verify", path, NULL);
    assert_int_equal(r.status, 1);
    expect_in(r.out, "trail_meta's schema.shop.model, the description of schema shop that "
                     "migrate wrote, is not one any more: it was edited");
    expect_in(r.out, "customers  -       -      no schema description");
    expect_in(r.out, "BROKEN");
    run_free(&r);
}

/* A script (output to files) gets the result alone: no progress, nothing on stderr. */
static void test_verify_quiet(void **state)
{
    (void)state;
    run r = trail("verify", db_path, NULL);
    assert_int_equal(r.status, 0);
    assert_string_equal(r.err, "");
    assert_string_equal(r.out, "checked 6 events of 3 records, and 2 live rows\n"
                               "intact: the hash chain is whole, and every record's history and "
                               "row agree\n");
    run_free(&r);
}

/* On a terminal: a progress line per step, redrawn in place, then cleared for the result. */
static void test_verify_progress(void **state)
{
    (void)state;
    run r = trail_tty("verify", db_path, NULL);
    assert_int_equal(r.status, 0);
    expect_in(r.out, "\r\033[Kverify 1/3: integrity check: done in ");
    expect_in(r.out, "\r\033[Kverify 2/3: hash chains: 0 of 6 events (0%)");
    expect_in(r.out, "\r\033[Kverify 2/3: hash chains: 6 of 6 events (100%), ");
    expect_in(r.out, " events/s, about 0 s left");
    expect_in(r.out, "\r\033[Kverify 3/3: records and rows: 6 of 6 events (100%), ");
    /* The line is cleared, and the result follows on a clean one (the terminal adds \r). */
    expect_in(r.out, "\r\033[Kchecked 6 events of 3 records, and 2 live rows\r\n");
    expect_in(r.out, "intact");
    run_free(&r);
}

/* ---- digest ------------------------------------------------------------------ */

/* The text in the first column of the first row of @sql on @path, read directly; caller frees. */
static char *raw_text(const char *path, const char *sql)
{
    sqlite3 *s = raw_open(path);
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(s, sql, -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    char *text = strdup((const char *)sqlite3_column_text(st, 0));
    assert_non_null(text);
    sqlite3_finalize(st);
    sqlite3_close(s);
    return text;
}

/* `trail digest DB` into the file @path (in the test directory); its text too, caller frees. */
static char *digest_to(char *path, size_t size, const char *db, const char *name)
{
    run r = trail("digest", db, NULL);
    assert_int_equal(r.status, 0);
    assert_string_equal(r.err, "");
    in_dir(path, size, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(r.out, f);
    fclose(f);
    char *text = r.out;
    r.out = NULL;
    run_free(&r);
    return text;
}

/*
 * `trail digest`: one JSON document, newline-terminated, naming the
 * fixture's one lane (sealed when its connection closed) with its sixth
 * event's seq and hash as the file holds them, and a root hash recomputed
 * here with jansson as docs/events.md defines it.
 */
static void test_digest(void **state)
{
    (void)state;
    char path[300];
    char *text = digest_to(path, sizeof path, db_path, "fixture.digest");
    size_t len = strlen(text);
    assert_true(len > 2 && text[len - 1] == '\n' && text[len - 2] == '}');
    json_error_t err;
    json_t *doc = json_loads(text, JSON_REJECT_DUPLICATES, &err);
    if (!doc)
        fail_msg("not JSON (%s):\n%s", err.text, text);
    assert_string_equal(json_string_value(json_object_get(doc, "format")), "trail-digest");
    assert_int_equal(json_integer_value(json_object_get(doc, "version")), 1);
    char *node = raw_text(db_path, "SELECT node_id FROM trail_nodes WHERE is_local");
    assert_string_equal(json_string_value(json_object_get(doc, "node")), node);
    json_t *lanes = json_object_get(doc, "lanes");
    assert_int_equal(json_array_size(lanes), 1);
    assert_int_equal(raw_count("SELECT count(*) FROM trail_lanes"), 1);
    json_t *lane = json_array_get(lanes, 0);
    char *lane_id = raw_text(db_path, "SELECT lane_id FROM trail_lanes");
    char *hash = raw_text(db_path, "SELECT hash FROM trail_change_events WHERE seq = 6");
    assert_string_equal(json_string_value(json_object_get(lane, "lane_id")), lane_id);
    assert_string_equal(json_string_value(json_object_get(lane, "node_id")), node);
    assert_int_equal(json_integer_value(json_object_get(lane, "seq")), 6);
    assert_string_equal(json_string_value(json_object_get(lane, "hash")), hash);

    /* The root: SHA-256 (sha256sum here) of [[lane_id, node_id, seq, hash]] as compact JSON. */
    json_t *canon = json_pack("[[O, O, O, O]]", json_object_get(lane, "lane_id"),
                              json_object_get(lane, "node_id"), json_object_get(lane, "seq"),
                              json_object_get(lane, "hash"));
    char *canon_text = json_dumps(canon, JSON_COMPACT);
    char canon_path[300], cmd[700];
    in_dir(canon_path, sizeof canon_path, "canon.json");
    FILE *f = fopen(canon_path, "w");
    assert_non_null(f);
    fputs(canon_text, f);
    fclose(f);
    snprintf(cmd, sizeof cmd, "sha256sum '%s'", canon_path);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    char sum[65] = "";
    assert_int_equal(fscanf(p, "%64s", sum), 1);
    pclose(p);
    assert_string_equal(json_string_value(json_object_get(doc, "root")), sum);

    free(canon_text);
    json_decref(canon);
    free(hash);
    free(lane_id);
    free(node);
    json_decref(doc);
    free(text);
}

static void test_verify_digest(void **state)
{
    (void)state;
    char digest[300];
    free(digest_to(digest, sizeof digest, db_path, "verify.digest"));
    run r = trail("verify", db_path, "--digest", digest, NULL);
    assert_int_equal(r.status, 0);
    assert_string_equal(r.err, "");
    expect_in(r.out, "intact: the hash chain is whole, everything the digest covers is there, "
                     "unchanged, and every record's history and row agree\n");
    run_free(&r);
    /* On a terminal the digest is a step of its own, after the hash chains. */
    r = trail_tty("verify", db_path, "--digest", digest, NULL);
    assert_int_equal(r.status, 0);
    expect_in(r.out, "\r\033[Kverify 2/4: hash chains: 6 of 6 events (100%), ");
    expect_in(r.out, "\r\033[Kverify 3/4: digest: done in ");
    expect_in(r.out, "\r\033[Kverify 4/4: records and rows: 6 of 6 events (100%), ");
    run_free(&r);

    /* The newest event cut off a copy: named with its lane and seq. */
    char path[300];
    in_dir(path, sizeof path, "cut.db");
    copy_db(path);
    raw_exec(path, "DELETE FROM trail_change_events WHERE seq = 6");
    char *lane_id = raw_text(db_path, "SELECT lane_id FROM trail_lanes");
    char opt[320]; /* the other spelling */
    snprintf(opt, sizeof opt, "--digest=%s", digest);
    r = trail("verify", opt, path, NULL);
    assert_int_equal(r.status, 1);
    char want[200];
    snprintf(want, sizeof want,
             "lane %s: the digest covers it up to seq 6, but its events end at seq 5", lane_id);
    expect_in(r.out, want);
    expect_in(r.out, "BROKEN");
    run_free(&r);
    free(lane_id);
}

/* A digest file edited, damaged or missing is an error (2), not a verdict on the database. */
static void test_verify_bad_digest(void **state)
{
    (void)state;
    char good[300], bad[300];
    char *text = digest_to(good, sizeof good, db_path, "good.digest");
    char *seq = strstr(text, "\"seq\": 6");
    assert_non_null(seq);
    seq[strlen("\"seq\": ")] = '7'; /* to make a cut tail look intended */
    in_dir(bad, sizeof bad, "edited.digest");
    FILE *f = fopen(bad, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    run r = trail("verify", db_path, "--digest", bad, NULL);
    assert_int_equal(r.status, 2);
    assert_string_equal(r.out, "");
    char want[600];
    snprintf(want, sizeof want,
             "trail: %s: not a valid digest: its root hash does not match its lanes: the digest "
             "was edited or damaged",
             bad);
    expect_in(r.err, want);
    run_free(&r);

    f = fopen(bad, "w");
    assert_non_null(f);
    fputs("{\"format\": \"trail-digest\"", f);
    fclose(f);
    r = trail("verify", db_path, "--digest", bad, NULL);
    assert_int_equal(r.status, 2);
    expect_in(r.err, "not a valid digest: it is not JSON");
    run_free(&r);

    in_dir(bad, sizeof bad, "no-such.digest");
    r = trail("verify", db_path, "--digest", bad, NULL);
    assert_int_equal(r.status, 2);
    assert_string_equal(r.out, "");
    expect_in(r.err, "no-such.digest: No such file or directory");
    run_free(&r);
    free(text);
}

/* ---- log: what the database holds cannot reach the terminal raw ------------- */

/* Whether @s (@n bytes) holds a byte a terminal acts on, other than the ends of lines. */
static const char *raw_control(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    for (size_t i = 0; i < n; i++) {
        if ((p[i] < 0x20 && p[i] != '\n') || p[i] == 0x7F)
            return s + i;
        if (p[i] == 0xC2 && i + 1 < n && p[i + 1] >= 0x80 && p[i + 1] <= 0x9F)
            return s + i; /* C1 */
        if (p[i] == 0xE2 && i + 2 < n && p[i + 1] == 0x80 &&
            (p[i + 2] == 0xA8 || p[i + 2] == 0xA9 || (p[i + 2] >= 0xAA && p[i + 2] <= 0xAE)))
            return s + i; /* line separators, bidirectional controls */
    }
    return NULL;
}

/*
 * A node id that would act on a terminal (a bidirectional override, DEL, a
 * newline) reaches `trail digest`'s output as JSON escapes only, and the
 * digest, the same JSON values, still verifies.
 */
static void test_digest_escapes(void **state)
{
    (void)state;
    static const char node[] = "node\xe2\x80\xae\x7f\n1";
    char path[300], url[320];
    in_dir(path, sizeof path, "odd-node.db");
    snprintf(url, sizeof url, "sqlite:%s", path);
    trail_conn *db;
    trail_open_opts opts = TRAIL_OPEN_OPTS_INIT;
    opts.node_id = node;
    int rc = trail_open(&db, url, &opts);
    if (rc == TRAIL_OK)
        rc = shop_migrate(db);
    if (rc == TRAIL_OK)
        rc = add_customer(db, NULL, "odd@example.com", "Odd", NULL);
    if (rc != TRAIL_OK)
        fail_msg("%s", trail_errmsg(db));
    trail_close(db);

    char digest[300];
    char *text = digest_to(digest, sizeof digest, path, "odd-node.digest");
    const char *raw = raw_control(text, strlen(text));
    if (raw)
        fail_msg("raw control at byte %td of:\n%s", raw - text, text);
    expect_in(text, "\"node_id\": \"node\\u202e\\u007f\\n1\"");
    json_t *doc = json_loads(text, 0, NULL);
    assert_non_null(doc);
    assert_string_equal(json_string_value(json_object_get(doc, "node")), node);
    run r = trail("verify", path, "--digest", digest, NULL);
    assert_int_equal(r.status, 0);
    expect_in(r.out, "everything the digest covers is there");
    run_free(&r);
    json_decref(doc);
    free(text);
}

static void test_log_escapes(void **state)
{
    (void)state;
    char path[300], id_forge[32], id_ansi[32], id_bytes[32];
    in_dir(path, sizeof path, "escapes.db");
    /* A user id that would forge a log line, one that would clear the screen, names likewise. */
    const char *forge = "mallory\n2001-01-01T00:00:00.000Z  delete  customers";
    const char *ansi = "\033[2J\033[31mred\x7f";
    const char *name = "Eve\n\033[1A\xc2\x9b"
                       "2K\xe2\x80\xaeright-to-left\\";
    trail_ctx c1 = { .user_id = forge }, c2 = { .user_id = ansi };
    make_customers(path, 1, &c1, name, id_forge);
    char url[310];
    snprintf(url, sizeof url, "sqlite:%s", path);
    trail_conn *db;
    assert_int_equal(trail_open(&db, url, NULL), TRAIL_OK);
    assert_int_equal(add_customer(db, &c2, "ansi@example.com", "A", id_ansi), TRAIL_OK);
    assert_int_equal(add_customer(db, NULL, "bytes@example.com", "B", id_bytes), TRAIL_OK);
    trail_close(db);
    /* Bytes that are not UTF-8: no API writes them, a hand can. */
    char sql[300];
    snprintf(sql, sizeof sql,
             "UPDATE trail_change_events SET user_id = CAST(X'66FF6FC3' AS TEXT) "
             "WHERE record_id = '%s'",
             id_bytes);
    raw_exec(path, sql);

    /* The table: one line per event, every control escaped, the text still readable. */
    run r = trail("log", path, NULL);
    assert_int_equal(r.status, 0);
    const char *bad = raw_control(r.out, r.out_len);
    if (bad)
        fail_msg("a raw control byte 0x%02x at %zu:\n%s", (unsigned char)*bad,
                 (size_t)(bad - r.out), r.out);
    char *l[8];
    assert_int_equal(split_lines(r.out, l, 8), 4); /* the heading and three events */
    expect_in(l[1], "mallory\\n2001-01-01T00:00:00.000Z  delete  customers");
    expect_in(l[1], id_forge);
    expect_in(l[2], "\\x1b[2J\\x1b[31mred\\x7f");
    expect_in(l[3], "f\\xffo\\xc3");
    run_free(&r);

    /* JSON: valid on every line, the same values once decoded, nothing raw in the bytes. */
    r = trail("log", "--json", path, NULL);
    assert_int_equal(r.status, 0);
    assert_string_equal(r.err, "");
    bad = raw_control(r.out, r.out_len);
    if (bad)
        fail_msg("a raw control byte 0x%02x at %zu:\n%s", (unsigned char)*bad,
                 (size_t)(bad - r.out), r.out);
    expect_in(r.out, "\\u009b");
    expect_in(r.out, "\\u202e");
    expect_in(r.out, "\\u007f");
    assert_int_equal(split_lines(r.out, l, 8), 3);
    const char *want_user[3] = { forge, ansi, "f\xef\xbf\xbdo\xef\xbf\xbd" };
    for (size_t i = 0; i < 3; i++) {
        json_error_t err;
        json_t *o = json_loads(l[i], 0, &err);
        if (!o)
            fail_msg("line %zu is not JSON: %s\n%s", i + 1, err.text, l[i]);
        assert_string_equal(json_string_value(json_object_get(o, "user_id")), want_user[i]);
        if (i == 0)
            assert_string_equal(
                json_string_value(json_object_get(json_object_get(o, "new_values"), "name")), name);
        json_decref(o);
    }
    run_free(&r);
}

/* Past the rows that set the widths, the table goes on streaming, aligned to its heading. */
static void test_log_streams(void **state)
{
    (void)state;
    char path[300], last_id[32];
    in_dir(path, sizeof path, "long.db");
    make_customers(path, 1200, NULL, NULL, last_id);
    run r = trail("log", path, NULL);
    assert_int_equal(r.status, 0);
    char **l = malloc(1300 * sizeof *l);
    assert_non_null(l);
    assert_int_equal(split_lines(r.out, l, 1300), 1201);
    size_t at[3] = { col_of(l[0], strstr(l[0], "op")), col_of(l[0], strstr(l[0], "table")),
                     col_of(l[0], strstr(l[0], "record")) };
    for (size_t i = 1; i <= 1200; i += 1199) {
        char cell[64];
        cut(cell, sizeof cell, l[i], at[0], at[1]);
        assert_string_equal(cell, "insert");
        cut(cell, sizeof cell, l[i], at[1], at[2]);
        assert_string_equal(cell, "customers");
    }
    expect_in(l[1200], last_id);
    free(l);
    run_free(&r);
}

/* ---- what is not a trail database ------------------------------------------ */

static void test_not_a_database(void **state)
{
    (void)state;
    char path[300], url[310];
    struct stat st;

    /* A 0-byte file: SQLite would take it for an empty database; trail's tools refuse it. */
    in_dir(path, sizeof path, "empty.db");
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fclose(f);
    static const char *const cmds[] = { "log", "verify", "nodes", "conflicts" };
    for (size_t i = 0; i < 4; i++) {
        run r = trail(cmds[i], path, NULL);
        assert_int_equal(r.status, 2);
        expect_in(r.err, "empty.db: an empty file, not a trail database");
        run_free(&r);
    }
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_size, 0); /* and it is left as it was */

    /* A text file: refused at open, by the library too, naming the file. */
    in_dir(path, sizeof path, "notes.txt");
    f = fopen(path, "w");
    assert_non_null(f);
    fputs("not a database, but long enough for SQLite to read a header from it.....\n", f);
    fclose(f);
    char want[400];
    snprintf(want, sizeof want, "%s is not an SQLite database, so not a trail database", path);
    for (size_t i = 0; i < 3; i++) {
        run r = trail(cmds[i], path, NULL);
        assert_int_equal(r.status, 2);
        expect_in(r.err, want);
        run_free(&r);
    }
    snprintf(url, sizeof url, "sqlite:%s", path);
    trail_conn *db;
    assert_int_equal(trail_open(&db, url, NULL), TRAIL_EDB);
    expect_in(trail_errmsg(db), want);
    trail_close(db);

    /* An SQLite database without trail's tables. */
    in_dir(path, sizeof path, "other.db");
    sqlite3 *s;
    assert_int_equal(sqlite3_open(path, &s), SQLITE_OK);
    assert_int_equal(sqlite3_exec(s, "CREATE TABLE t (x)", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(s);
    for (size_t i = 0; i < 3; i++) {
        run r = trail(cmds[i], path, NULL);
        assert_int_equal(r.status, 2);
        expect_in(r.err, "other.db: cannot read trail's tables");
        expect_in(r.err, "is this a trail database?");
        run_free(&r);
    }

    /* A program's trail_open() still creates a new file, and takes an empty one as new. */
    in_dir(path, sizeof path, "new.db");
    snprintf(url, sizeof url, "sqlite:%s", path);
    assert_int_equal(trail_open(&db, url, NULL), TRAIL_OK);
    assert_int_equal(shop_migrate(db), TRAIL_OK);
    trail_close(db);
    assert_int_equal(stat(path, &st), 0);
    in_dir(path, sizeof path, "empty.db");
    snprintf(url, sizeof url, "sqlite:%s", path);
    assert_int_equal(trail_open(&db, url, NULL), TRAIL_OK);
    assert_int_equal(shop_migrate(db), TRAIL_OK);
    trail_close(db);
    run r = trail("log", path, NULL);
    assert_int_equal(r.status, 0);
    assert_string_equal(r.out, "no events\n");
    run_free(&r);
}

/* ---- passwords --------------------------------------------------------------- */

static void test_no_password_shown(void **state)
{
    (void)state;
    /* libpq quotes a malformed URI whole in its message. */
    run r = trail("log", "postgresql://ann:s3cr3t@[::1/db", NULL);
    assert_int_equal(r.status, 2);
    expect_in(r.err, "postgresql://ann:***@[::1/db");
    expect_not_in(r.err, "s3cr3t");
    run_free(&r);
    r = trail("log", "postgresql://ann:s3%zzcr3t@h/db", NULL);
    assert_int_equal(r.status, 2);
    expect_not_in(r.err, "s3%zzcr3t");
    run_free(&r);
    /* libpq's key=value form goes to PostgreSQL, and is not taken for a file's name. */
    r = trail("verify", "host=/nonexistent/dir password=s3cr3t dbname=x", NULL);
    assert_int_equal(r.status, 2);
    expect_in(r.err, "postgresql: cannot connect");
    expect_not_in(r.err, "s3cr3t");
    run_free(&r);
    r = trail("nodes", "mysql://ann:s3cr3t@127.0.0.1:1/db", NULL);
    assert_int_equal(r.status, 2);
    expect_in(r.err, "mysql: cannot connect");
    expect_not_in(r.err, "s3cr3t");
    run_free(&r);
    /* Usage errors that quote the arguments. */
    r = trail("verify", db_path, "mysql://ann:s3cr3t@localhost/db", NULL);
    assert_int_equal(r.status, 2);
    expect_in(r.err, "mysql://ann:***@localhost/db");
    expect_not_in(r.err, "s3cr3t");
    run_free(&r);
    r = trail("postgresql://ann:s3cr3t@h/db", NULL);
    assert_int_equal(r.status, 2);
    expect_in(r.err, "no such command: postgresql://ann:***@h/db");
    expect_not_in(r.err, "s3cr3t");
    run_free(&r);
    r = trail("help", "log", "postgresql://ann:s3cr3t@h/db", NULL);
    assert_int_equal(r.status, 2);
    expect_in(r.err, "help takes one command (log and postgresql://ann:***@h/db)");
    expect_not_in(r.err, "s3cr3t");
    run_free(&r);
    /* The help shows where a password goes, and that it is never shown. */
    r = trail("--help", NULL);
    expect_in(r.out, "mysql://USER:***@HOST:PORT/NAME");
    expect_in(r.out, "never shows a password");
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
    expect_usage_error(trail("verify", db_path, "--digest", NULL), "--digest needs a value");
    expect_usage_error(trail("digest", NULL), "trail: no database given");
    expect_usage_error(trail("digest", "--digest", "x", db_path, NULL), "unknown option --digest");
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
    static const char *const cmds[] = {
        "log", "verify", "digest", "nodes", "conflicts", "conflict"
    };
    run r = trail("--help", NULL);
    assert_int_equal(r.status, 0);
    for (size_t i = 0; i < 6; i++)
        assert_non_null(strstr(r.out, cmds[i]));
    run_free(&r);
    for (size_t i = 0; i < 6; i++) {
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
        cmocka_unit_test(test_log_table),
        cmocka_unit_test(test_log_json),
        cmocka_unit_test(test_log_one_record),
        cmocka_unit_test(test_nodes),
        cmocka_unit_test(test_verify_intact),
        cmocka_unit_test(test_verify_broken),
        cmocka_unit_test(test_verify_damaged_file),
        cmocka_unit_test(test_verify_model_deleted),
        cmocka_unit_test(test_verify_model_edited),
        cmocka_unit_test(test_verify_quiet),
        cmocka_unit_test(test_verify_progress),
        cmocka_unit_test(test_digest),
        cmocka_unit_test(test_verify_digest),
        cmocka_unit_test(test_verify_bad_digest),
        cmocka_unit_test(test_log_escapes),
        cmocka_unit_test(test_digest_escapes),
        cmocka_unit_test(test_log_streams),
        cmocka_unit_test(test_not_a_database),
        cmocka_unit_test(test_no_password_shown),
        cmocka_unit_test(test_usage),
        cmocka_unit_test(test_help),
    };
    return cmocka_run_group_tests(tests, make_fixture, remove_fixture);
}
