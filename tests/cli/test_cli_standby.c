/*
 * test_cli_standby.c - the `trail` tool on a PostgreSQL hot standby (issue
 * 19, item 4), the fixture pg_standby_start's (tests/servers/pg_standby.sh):
 * its database is the primary's (TRAIL_TEST_URL_FILE), the standby's URL is
 * in the fixture's directory (TRAIL_TEST_CLUSTER_DIR).
 *
 * Once the standby caught up, `trail log` (as a table and as JSON), `trail
 * verify` and `trail nodes` print on the standby what they print on the
 * primary, succeed, and never show the password of the URL (the fixture's
 * servers trust 127.0.0.1, so any password passes); and the standby's log
 * shows no statement it refused for being read-only.
 */
#define _POSIX_C_SOURCE 200809L
#include "cli_run.h"
#include "it_common.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * `trail ARGS…` with the database URL @primary, then with @standby in its
 * place: both succeed and print the same, which holds @want.
 */
static void same_on_both(const char *primary, const char *standby, const char *want,
                         const char *cmd, const char *opt, const char *value)
{
    run a = trail(cmd, primary, opt, value, NULL);
    run b = trail(cmd, standby, opt, value, NULL);
    if (a.status != 0 || b.status != 0)
        fail_msg("trail %s: exit %d on the primary, %d on the standby:\n%s\n%s", cmd, a.status,
                 b.status, a.err, b.err);
    it_expect_no_password(b.out, standby);
    it_expect_no_password(b.err, standby);
    if (strcmp(a.out, b.out) != 0)
        fail_msg("trail %s prints on the standby:\n%s\nbut on the primary:\n%s", cmd, b.out, a.out);
    expect_in(b.out, want);
    run_free(&a);
    run_free(&b);
}

static void test_reads(void **state)
{
    it_db *t = *state; /* the primary, emptied and migrated; its teardown verifies it */
    shop_customer c = { 0 };
    it_customer(t->db, "cli@x.org", &c);
    it_customer_edit(t->db, c.id, c.version, "Ann B.", 0);

    it_db plain = { 0 };
    char standby[PATH_MAX + 64];
    it_member_url(&plain, "TRAIL_TEST_CLUSTER_DIR", "url-standby");
    it_url_password(plain.url, "Cli-s3cret", 0, standby, sizeof standby);
    it_standby_wait(t->url, plain.url);
    int64_t refused = it_standby_refusals();

    same_on_both(t->url, standby, c.id, "log", NULL, NULL);
    same_on_both(t->url, standby, "Ann B.", "log", "--json", NULL);
    same_on_both(t->url, standby, "update  customers", "log", "--record", c.id);
    same_on_both(t->url, standby, "intact", "verify", NULL, NULL);
    char *node = it_local_node(t->db);
    same_on_both(t->url, standby, node, "nodes", NULL, NULL);
    free(node);

    it_standby_refused_none(refused, "trail log, verify and nodes");
    shop_customer_clear(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_reads, it_setup, it_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
