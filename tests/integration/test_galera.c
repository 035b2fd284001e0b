/*
 * test_galera.c - the Galera cluster of the fixture galera_cluster_start
 * (tests/servers/galera.sh) is a real one, seen through trail: a customer
 * created on node 1 is read on nodes 2 and 3, and trail_verify() is clean
 * on all three. Its database is node 1's (TRAIL_TEST_URL_FILE), the others
 * come from the fixture's directory (TRAIL_TEST_CLUSTER_DIR).
 */
#define _POSIX_C_SOURCE 200809L
#include "it_common.h"

static void test_galera_replicates(void **state)
{
    it_db *t = *state; /* node 1, emptied and migrated; its teardown verifies it */
    shop_customer c = { 0 };
    it_customer(t->db, "galera@x.org", &c);
    it_member_has("url2", &c, true);
    it_member_has("url3", &c, true);
    shop_customer_clear(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_galera_replicates, it_setup, it_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
