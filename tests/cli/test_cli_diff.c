/*
 * test_cli_diff.c - `trail diff A B` (issue 18, item 6), run as a user runs
 * it: A a new SQLite file, B the database of the integration tests
 * (TRAIL_TEST_URL_FILE's server, or another SQLite file). What it prints is
 * checked against what the test wrote; its exit status is 0 for the same
 * rows, 1 for records that differ, 2 for an error.
 */
#define _GNU_SOURCE /* mkdtemp */
#include "cli_run.h"
#include "it_common.h"
#include "trail/sync.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct node_a {
    it_db t;
} node_a;

static void node_a_open(node_a *a)
{
    memset(a, 0, sizeof *a);
    snprintf(a->t.dir, sizeof a->t.dir, "/tmp/trail-cli-diff.XXXXXX");
    assert_non_null(mkdtemp(a->t.dir));
    snprintf(a->t.url, sizeof a->t.url, "sqlite:%s/a.db", a->t.dir);
    a->t.db = it_open(&a->t, NULL);
    it_migrate(a->t.db);
}

static void node_a_close(node_a *a)
{
    trail_close(a->t.db);
    char cmd[PATH_MAX + 16];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", a->t.dir);
    assert_int_equal(system(cmd), 0);
}

static run diff_run(int want, const char *a, const char *b)
{
    run r = trail("diff", a, b, NULL);
    if (r.status != want)
        fail_msg("trail diff: status %d, expected %d: %s%s", r.status, want, r.out, r.err);
    return r;
}

/* Equal, then two records apart (one behind trail's back), then equal again after syncs. */
static void test_diff_statuses(void **state)
{
    it_db *t = *state;
    node_a a;
    node_a_open(&a);
    run r = diff_run(0, a.t.url, t->url);
    expect_in(r.out, "diff: 0 records differ (0 only on A, 0 only on B, 0 changed)");
    run_free(&r);

    shop_customer ann = { 0 }, bob = { 0 };
    it_customer(a.t.db, "ann@x.org", &ann);
    trail_sync_stats st;
    IT_OK(t->db, trail_sync(a.t.db, t->db, NULL, &st));
    r = diff_run(0, a.t.url, t->url);
    expect_in(r.out, "diff: 0 records differ");
    expect_in(r.out, " 1 rows on A and 1 on B");
    run_free(&r);

    it_tamper(t, "UPDATE \"customers\" SET \"name\" = 'raw' WHERE \"id\" = '%s'", ann.id);
    it_customer(a.t.db, "bob@x.org", &bob);
    r = diff_run(1, a.t.url, t->url);
    char line[256];
    snprintf(line, sizeof line, "customers %s: version 1 on A, 1 on B; name\n    A: {\"id\":\"%s\"",
             ann.id, ann.id);
    expect_in(r.out, line);
    snprintf(line, sizeof line, "customers %s: only on A (version 1)\n    A: {\"id\":\"%s\"",
             bob.id, bob.id);
    expect_in(r.out, line);
    expect_in(r.out, "diff: 2 records differ (1 only on A, 0 only on B, 1 changed)");
    assert_null(strstr(r.out, "\033[K")); /* no progress line when not on a terminal */
    run_free(&r);

    /* B's side, and who deleted what: deleted through trail on A, still on B. */
    IT_OK(t->db, trail_sync(a.t.db, t->db, NULL, &st));
    IT_OK(a.t.db, shop_customer_delete(a.t.db, NULL, bob.id, 1));
    r = diff_run(1, t->url, a.t.url);
    snprintf(line, sizeof line, "customers %s: only on A (version 1); B deleted it", bob.id);
    expect_in(r.out, line);
    run_free(&r);

    /* On a terminal: a progress line, redrawn in place, and the same result. */
    r = trail_tty("diff", a.t.url, t->url, "--fan-out", "2", "--leaf", "1", NULL);
    assert_int_equal(r.status, 1);
    expect_in(r.out, "\r\033[Kdiff: ");
    expect_in(r.out, "diff: 2 records differ (0 only on A, 1 only on B, 1 changed)");
    run_free(&r);

    shop_customer_clear(&ann);
    shop_customer_clear(&bob);
    node_a_close(&a);
}

/* Status 2: usage errors, a database that is not there, schemas that differ. */
static void test_diff_errors(void **state)
{
    it_db *t = *state;
    node_a a;
    node_a_open(&a);
    run r = diff_run(2, a.t.url, NULL);
    expect_in(r.err, "diff takes two databases");
    run_free(&r);
    r = trail("diff", a.t.url, t->url, "--fan-out", "1", NULL);
    assert_int_equal(r.status, 2);
    expect_in(r.err, "--fan-out 1: not a number from 2 to 64");
    run_free(&r);
    r = trail("diff", a.t.url, "/nonexistent/x.db", NULL);
    assert_int_equal(r.status, 2);
    expect_in(r.err, "no such database");
    run_free(&r);
    it_tamper(&a.t, "UPDATE \"trail_meta\" SET \"value\" = REPLACE(\"value\", '\"version\":1', "
                    "'\"version\":2') WHERE \"key\" = 'schema.shop.model'");
    r = diff_run(2, a.t.url, t->url);
    expect_in(r.err, "version 2 on A and 1 on B");
    run_free(&r);
    r = trail("help", "diff", NULL);
    assert_int_equal(r.status, 0);
    expect_in(r.out, "usage: trail diff A B");
    run_free(&r);
    node_a_close(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_diff_statuses, it_setup, it_teardown),
        cmocka_unit_test_setup_teardown(test_diff_errors, it_setup, it_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
