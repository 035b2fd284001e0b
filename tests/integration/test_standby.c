/*
 * test_standby.c - the PostgreSQL standby of the fixture pg_standby_start
 * (tests/servers/pg_standby.sh) is a real one, seen through trail: a
 * customer created on the primary is read on the hot standby once it has
 * streamed there. Its database is the primary's (TRAIL_TEST_URL_FILE), the
 * standby comes from the fixture's directory (TRAIL_TEST_CLUSTER_DIR).
 */
#define _POSIX_C_SOURCE 200809L
#include "it_common.h"

static void test_standby_replicates(void **state)
{
    it_db *t = *state; /* the primary, emptied and migrated; its teardown verifies it */
    shop_customer c = { 0 };
    it_customer(t->db, "standby@x.org", &c);
    /* Verify on a standby is item 4 of issue 19, not this smoke test's. */
    it_member_has("url-standby", &c, false);
    shop_customer_clear(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_standby_replicates, it_setup, it_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
