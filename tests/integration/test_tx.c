/*
 * test_tx.c - all or nothing: a rolled-back group leaves no row and no
 * event; a failing call inside a group undoes itself only, and the group
 * still commits; a failed single call leaves nothing; an update that
 * changes no value writes nothing. Rows and events are counted behind
 * trail's back (raw.h), and the hash chain must not remember what was undone.
 */
#define _POSIX_C_SOURCE 200809L
#include "it_common.h"

#include <string.h>

/*
 * Fails unless the events, all of one connection, chain one after the other
 * in one lane: a rollback put the lane's head back.
 */
static void expect_chain_intact(trail_conn *db)
{
    it_events evs;
    it_history(db, NULL, NULL, &evs);
    assert_true(evs.n > 0);
    assert_int_equal(evs.ev[0].seq, 1);
    for (size_t i = 1; i < evs.n; i++) {
        assert_string_equal(evs.ev[i].lane_id, evs.ev[0].lane_id);
        assert_int_equal(evs.ev[i].seq, evs.ev[i - 1].seq + 1);
        assert_string_equal(evs.ev[i].prev_hash, evs.ev[i - 1].hash);
    }
    it_events_free(&evs);
}

static void test_rollback_leaves_nothing(void **state)
{
    it_db *t = *state;
    trail_conn *db = t->db;
    shop_customer a = { 0 };
    IT_OK(db, trail_begin(db));
    it_customer(db, "a@x.org", &a);
    shop_order_create_params op = SHOP_ORDER_CREATE_INIT;
    op.customer = a.id;
    op.total = 5;
    shop_order o = { 0 };
    IT_OK(db, shop_order_create(db, NULL, &op, &o));
    IT_OK(db, trail_rollback(db));

    shop_customer got = { 0 };
    IT_EXPECT(db, TRAIL_ENOTFOUND, shop_customer_get(db, a.id, &got));
    IT_EXPECT(db, TRAIL_ENOTFOUND, shop_order_get(db, o.id, (shop_order[1]){ 0 }));
    assert_int_equal(it_rows(t, "customers"), 0);
    assert_int_equal(it_rows(t, "orders"), 0);
    assert_int_equal(it_rows(t, "trail_change_events"), 0);
    it_events evs;
    it_history(db, NULL, NULL, &evs);
    assert_int_equal(evs.n, 0);
    it_events_free(&evs);

    /* The same email is free again, and the chain starts afresh. */
    it_customer(db, "a@x.org", &got);
    assert_int_equal(it_rows(t, "trail_change_events"), 1);
    expect_chain_intact(db);
    shop_customer_clear(&got);
    shop_order_clear(&o);
    shop_customer_clear(&a);
}

static void test_failed_call_inside_group(void **state)
{
    it_db *t = *state;
    trail_conn *db = t->db;
    shop_customer a = { 0 }, c = { 0 };
    IT_OK(db, trail_begin(db));
    it_customer(db, "a@x.org", &a);
    shop_customer_create_params dup = SHOP_CUSTOMER_CREATE_INIT;
    dup.email = "a@x.org";
    dup.name = "n";
    dup.secret = "s";
    IT_EXPECT(db, TRAIL_EUNIQUE, shop_customer_create(db, NULL, &dup, NULL));
    /* A stale update fails too, after its row was read and locked. */
    shop_customer_update_params stale = {
        .id = a.id, .version = 7, .set = SHOP_CUSTOMER_NAME, .name = "stale"
    };
    IT_EXPECT(db, TRAIL_ECONFLICT, shop_customer_update(db, NULL, &stale, NULL));
    it_customer(db, "c@x.org", &c);
    shop_customer_update_params u = {
        .id = a.id, .version = 1, .set = SHOP_CUSTOMER_NAME, .name = "kept"
    };
    IT_OK(db, shop_customer_update(db, NULL, &u, NULL));
    IT_OK(db, trail_commit(db));

    assert_int_equal(it_rows(t, "customers"), 2);
    assert_int_equal(it_rows(t, "trail_change_events"), 3);
    shop_customer got = { 0 };
    IT_OK(db, shop_customer_get(db, a.id, &got));
    assert_string_equal(got.name, "kept");
    assert_int_equal(got.version, 2);
    IT_OK(db, shop_customer_get(db, c.id, &got));
    it_events evs;
    it_history(db, "customers", NULL, &evs);
    assert_int_equal(evs.n, 3);
    assert_string_equal(evs.ev[0].tx_id, evs.ev[1].tx_id);
    assert_string_equal(evs.ev[1].tx_id, evs.ev[2].tx_id);
    it_events_free(&evs);
    expect_chain_intact(db);
    shop_customer_clear(&got);
    shop_customer_clear(&a);
    shop_customer_clear(&c);
}

/* Single calls failing at each step of their transaction: none leaves a trace. */
static void test_failed_single_call(void **state)
{
    it_db *t = *state;
    trail_conn *db = t->db;
    shop_customer a = { 0 };
    it_customer(db, "a@x.org", &a);
    shop_order_create_params op = SHOP_ORDER_CREATE_INIT;
    op.customer = a.id;
    op.total = 1;
    IT_OK(db, shop_order_create(db, NULL, &op, NULL));

    shop_customer_create_params dup = SHOP_CUSTOMER_CREATE_INIT;
    dup.email = "a@x.org";
    dup.name = "n";
    dup.secret = "s";
    IT_EXPECT(db, TRAIL_EUNIQUE, shop_customer_create(db, NULL, &dup, NULL)); /* at the insert */
    IT_EXPECT(db, TRAIL_EREF, shop_customer_delete(db, NULL, a.id, 1));       /* at the delete */
    shop_customer_update_params u = {
        .id = a.id, .version = 1, .set = SHOP_CUSTOMER_CREDIT, .credit = -1
    };
    IT_EXPECT(db, TRAIL_EINVALID, shop_customer_update(db, NULL, &u, NULL)); /* after the lock */
    assert_int_equal(it_rows(t, "customers"), 1);
    assert_int_equal(it_rows(t, "trail_change_events"), 2);

    /* The next write chains to the last committed event, not to anything undone. */
    u.credit = 3;
    IT_OK(db, shop_customer_update(db, NULL, &u, NULL));
    expect_chain_intact(db);
    shop_customer_clear(&a);
}

/* trail_close() with a group open rolls it back. */
static void test_close_rolls_back(void **state)
{
    it_db *t = *state;
    trail_conn *db = it_open(t, NULL);
    IT_OK(db, trail_begin(db));
    shop_customer a = { 0 };
    it_customer(db, "a@x.org", &a);
    trail_close(db);
    assert_int_equal(it_rows(t, "customers"), 0);
    assert_int_equal(it_rows(t, "trail_change_events"), 0);
    IT_EXPECT(t->db, TRAIL_ENOTFOUND, shop_customer_get(t->db, a.id, (shop_customer[1]){ 0 }));
    shop_customer_clear(&a);
}

/* Setting fields to the values they have: no write, no event, same version. */
static void test_noop_update(void **state)
{
    it_db *t = *state;
    trail_conn *db = t->db;
    shop_customer_create_params cp = SHOP_CUSTOMER_CREATE_INIT;
    cp.email = "same@x.org";
    cp.name = "Same";
    cp.rating = 0.1;
    cp.rating_null = false;
    cp.born = -1;
    cp.born_null = false;
    cp.seen_at_null = true;
    cp.avatar = (trail_blob){ "\0x", 2 };
    cp.prefs = "{\"a\": [1, 2]}";
    cp.secret = "s";
    shop_customer c = { 0 };
    IT_OK(db, shop_customer_create(db, NULL, &cp, &c));
    int64_t before = it_rows(t, "trail_change_events");

    shop_customer_update_params u = {
        .id = c.id,
        .version = 1,
        .set = ~UINT64_C(0) >> (64 - 11), /* every field, each to what it is */
        .email = "same@x.org",
        .name = "Same",
        .tier = SHOP_CUSTOMER_TIER_FREE,
        .credit = 0,
        .rating = 0.1,
        .active = true,
        .born = -1,
        .seen_at_null = true,
        .avatar = { "\0x", 2 },
        .prefs = "{\"a\": [1, 2]}",
        .secret = "s",
    };
    shop_customer out = { 0 };
    IT_OK(db, shop_customer_update(db, NULL, &u, &out));
    assert_int_equal(out.version, 1);
    assert_string_equal(out.name, "Same");
    u.set = 0;
    IT_OK(db, shop_customer_update(db, NULL, &u, &out));
    assert_int_equal(out.version, 1);
    IT_OK(db, trail_begin(db));
    u.set = SHOP_CUSTOMER_NAME | SHOP_CUSTOMER_AVATAR;
    IT_OK(db, shop_customer_update(db, NULL, &u, NULL));
    IT_OK(db, trail_commit(db));

    assert_int_equal(it_rows(t, "trail_change_events"), before);
    IT_OK(db, shop_customer_get(db, c.id, &out));
    assert_int_equal(out.version, 1);
    /* One changed value among the same ones is a write again. */
    u.set = ~UINT64_C(0) >> (64 - 11);
    u.credit = 1;
    IT_OK(db, shop_customer_update(db, NULL, &u, &out));
    assert_int_equal(out.version, 2);
    assert_int_equal(it_rows(t, "trail_change_events"), before + 1);
    shop_customer_clear(&out);
    shop_customer_clear(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_rollback_leaves_nothing, it_setup, it_teardown),
        cmocka_unit_test_setup_teardown(test_failed_call_inside_group, it_setup, it_teardown),
        cmocka_unit_test_setup_teardown(test_failed_single_call, it_setup, it_teardown),
        cmocka_unit_test_setup_teardown(test_close_rolls_back, it_setup, it_teardown),
        cmocka_unit_test_setup_teardown(test_noop_update, it_setup, it_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
