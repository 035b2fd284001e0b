/*
 * test_params.c - what a caller writes into params is stored or refused,
 * never dropped (SPEC §3, create params). A create stores exactly what its
 * struct holds, starting from the schema's defaults (_CREATE_INIT); a struct
 * that did not start from them, a _null flag set beside a value, a blob with
 * a length but no data, and `set` bits that name no field are refused with
 * TRAIL_EARG, writing nothing.
 */
#define _POSIX_C_SOURCE 200809L
#include "it_common.h"

#include <string.h>

/* The bug this replaces: optional fields filled in without their `set` bit were dropped. */
static void test_create_keeps_every_value(void **state)
{
    trail_conn *db = ((it_db *)*state)->db;
    shop_customer_create_params p = SHOP_CUSTOMER_CREATE_INIT;
    p.email = "keep@x.org";
    p.name = "Keep";
    p.secret = "s";
    p.tier = SHOP_CUSTOMER_TIER_PRO;
    p.credit = 5;
    p.rating = 4.5;
    p.rating_null = false;
    p.active = false;
    p.born = -1;
    p.born_null = false;
    p.seen_at = 1000;
    p.seen_at_null = false;
    p.avatar = (trail_blob){ "\x01", 1 };
    p.prefs = "[1]";
    shop_customer c = { 0 }, got = { 0 };
    IT_OK(db, shop_customer_create(db, NULL, &p, &c));
    IT_OK(db, shop_customer_get(db, c.id, &got));
    assert_int_equal(got.tier, SHOP_CUSTOMER_TIER_PRO);
    assert_int_equal(got.credit, 5);
    assert_false(got.rating_null);
    assert_true(got.rating == 4.5);
    assert_false(got.active);
    assert_false(got.born_null);
    assert_int_equal(got.born, -1);
    assert_false(got.seen_at_null);
    assert_int_equal(got.seen_at, 1000);
    assert_int_equal(got.avatar.len, 1);
    IT_JSON_EQ(got.prefs, "[1]");

    char *values = it_latest_values(db, "customers", c.id);
    IT_JSON_EQ(values,
               "{\"id\": \"%s\", \"version\": 1, \"email\": \"keep@x.org\", \"name\": \"Keep\","
               " \"tier\": \"pro\", \"credit\": 5, \"rating\": 4.5, \"active\": false,"
               " \"born\": \"1969-12-31\", \"seen_at\": \"1970-01-01T00:00:01.000Z\","
               " \"avatar\": \"AQ==\", \"prefs\": [1], \"secret\": \"[redacted]\"}",
               c.id);
    free(values);
    shop_customer_clear(&c);
    shop_customer_clear(&got);
}

/* The INIT holds the schema's defaults, and NULL where a field is nullable without one. */
static void test_init_is_the_schema_defaults(void **state)
{
    trail_conn *db = ((it_db *)*state)->db;
    shop_product_create_params p;
    memset(&p, 0xa5, sizeof p); /* _init() must set every member the macro sets */
    shop_product_create_params_init(&p);
    shop_product_create_params m = SHOP_PRODUCT_CREATE_INIT;
    assert_int_equal(p.trail_init, TRAIL_CREATE_INIT_MARK);
    assert_string_equal(p.currency, "EUR");
    assert_true(p.cost_null && p.weight_null);
    assert_false(p.released_on_null);
    assert_int_equal(p.released_on, 19723); /* 2024-01-01 */
    assert_int_equal(p.listed_at, INT64_C(1704067200000));
    assert_string_equal(p.attributes, m.attributes);
    assert_int_equal(p.stock, 0);
    p.sku = "D-1";
    p.title = "Defaults";
    p.price = 3;
    p.discontinued = false;
    shop_product got = { 0 };
    IT_OK(db, shop_product_create(db, NULL, &p, &got));
    assert_string_equal(got.currency, "EUR");
    assert_true(got.cost_null && got.weight_null);
    assert_int_equal(got.released_on, 19723);
    assert_int_equal(got.listed_at, INT64_C(1704067200000));
    IT_JSON_EQ(got.attributes, "{}");
    assert_null(got.photo.data);
    shop_product_clear(&got);
}

/* A struct that did not start from the INIT is refused, naming the macro, and writes nothing. */
static void test_create_without_init_is_refused(void **state)
{
    it_db *t = *state;
    trail_conn *db = t->db;
    shop_customer_create_params zero = { 0 };
    IT_EXPECT(db, TRAIL_EARG, shop_customer_create(db, NULL, &zero, NULL));
    IT_MSG(db, "customer", "SHOP_CUSTOMER_CREATE_INIT");
    shop_customer_create_params bare = { .email = "bare@x.org", .name = "Bare", .secret = "s" };
    IT_EXPECT(db, TRAIL_EARG, shop_customer_create(db, NULL, &bare, NULL));
    IT_MSG(db, "SHOP_CUSTOMER_CREATE_INIT");
    everything_sample_create_params s = { .code = 1 };
    IT_EXPECT(db, TRAIL_EARG, everything_sample_create(db, NULL, &s, NULL));
    IT_MSG(db, "EVERYTHING_SAMPLE_CREATE_INIT");
    /* Inside a group the refusal leaves the group usable. */
    IT_OK(db, trail_begin(db));
    IT_EXPECT(db, TRAIL_EARG, shop_customer_create(db, NULL, &bare, NULL));
    shop_customer c = { 0 };
    it_customer(db, "in-group@x.org", &c);
    IT_OK(db, trail_commit(db));
    assert_int_equal(it_rows(t, "customers"), 1);
    assert_int_equal(it_rows(t, "trail_change_events"), 1);
    shop_customer_clear(&c);
}

/* A value beside its set _null flag would be dropped: refused instead, on create and update. */
static void test_null_flag_beside_a_value(void **state)
{
    it_db *t = *state;
    trail_conn *db = t->db;
    shop_customer_create_params p = SHOP_CUSTOMER_CREATE_INIT;
    p.email = "nf@x.org";
    p.name = "N";
    p.secret = "s";
    p.rating = 2.5; /* rating_null is still true */
    IT_EXPECT(db, TRAIL_EARG, shop_customer_create(db, NULL, &p, NULL));
    IT_MSG(db, "customer.rating", "rating_null");
    p.rating = -0.0; /* not the 0 the INIT left: a value too */
    IT_EXPECT(db, TRAIL_EARG, shop_customer_create(db, NULL, &p, NULL));
    p.rating = 0;
    /* A nullable field with a default may be NULLed with its default still in place. */
    shop_product_create_params pp = SHOP_PRODUCT_CREATE_INIT;
    pp.sku = "N-1";
    pp.title = "t";
    pp.price = 1;
    pp.released_on_null = true;
    shop_product pr = { 0 };
    IT_OK(db, shop_product_create(db, NULL, &pp, &pr));
    assert_true(pr.released_on_null);
    pp.sku = "N-2";
    pp.released_on = 5;
    IT_EXPECT(db, TRAIL_EARG, shop_product_create(db, NULL, &pp, NULL));
    IT_MSG(db, "product.released_on");
    assert_int_equal(it_rows(t, "customers"), 0);
    assert_int_equal(it_rows(t, "products"), 1);

    shop_customer c = { 0 };
    IT_OK(db, shop_customer_create(db, NULL, &p, &c));
    shop_customer_update_params u = {
        .id = c.id, .version = 1, .set = SHOP_CUSTOMER_RATING, .rating = 3, .rating_null = true
    };
    IT_EXPECT(db, TRAIL_EARG, shop_customer_update(db, NULL, &u, NULL));
    IT_MSG(db, "customer.rating");
    assert_int_equal(it_rows(t, "trail_change_events"), 2);
    shop_customer_clear(&c);
    shop_product_clear(&pr);
}

/* A blob with a length but no data is a caller's mistake, not an empty or NULL blob. */
static void test_blob_without_data(void **state)
{
    it_db *t = *state;
    trail_conn *db = t->db;
    shop_customer_create_params p = SHOP_CUSTOMER_CREATE_INIT;
    p.email = "blob@x.org";
    p.name = "B";
    p.secret = "s";
    p.avatar = (trail_blob){ NULL, 3 };
    IT_EXPECT(db, TRAIL_EARG, shop_customer_create(db, NULL, &p, NULL));
    IT_MSG(db, "customer.avatar", "3");
    p.avatar = (trail_blob){ NULL, 0 }; /* NULL */
    shop_customer c = { 0 };
    IT_OK(db, shop_customer_create(db, NULL, &p, &c));
    assert_null(c.avatar.data);
    shop_customer_update_params u = {
        .id = c.id, .version = 1, .set = SHOP_CUSTOMER_AVATAR, .avatar = { NULL, 7 }
    };
    IT_EXPECT(db, TRAIL_EARG, shop_customer_update(db, NULL, &u, NULL));
    IT_MSG(db, "customer.avatar", "7");
    /* Outside `set` the member is not read, so it cannot be refused. */
    u.set = SHOP_CUSTOMER_NAME;
    u.name = "B2";
    IT_OK(db, shop_customer_update(db, NULL, &u, &c));
    assert_int_equal(c.version, 2);
    assert_int_equal(it_rows(t, "trail_change_events"), 2);
    shop_customer_clear(&c);
}

/* A `set` bit that names no field is a caller's mistake, not a field to skip. */
static void test_unknown_set_bits(void **state)
{
    it_db *t = *state;
    trail_conn *db = t->db;
    shop_customer c = { 0 };
    it_customer(db, "bits@x.org", &c);
    shop_customer_update_params u = {
        .id = c.id, .version = 1, .set = SHOP_CUSTOMER_NAME | (UINT64_C(1) << 11), .name = "x"
    };
    IT_EXPECT(db, TRAIL_EARG, shop_customer_update(db, NULL, &u, NULL));
    IT_MSG(db, "customer", "set", "0x800");
    u.set = UINT64_C(1) << 63;
    IT_EXPECT(db, TRAIL_EARG, shop_customer_update(db, NULL, &u, NULL));
    shop_customer got = { 0 };
    IT_OK(db, shop_customer_get(db, c.id, &got));
    assert_int_equal(got.version, 1);
    assert_string_equal(got.name, "Ann");
    assert_int_equal(it_rows(t, "trail_change_events"), 1);
    shop_customer_clear(&c);
    shop_customer_clear(&got);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_create_keeps_every_value, it_setup, it_teardown),
        cmocka_unit_test_setup_teardown(test_init_is_the_schema_defaults, it_setup, it_teardown),
        cmocka_unit_test_setup_teardown(test_create_without_init_is_refused, it_setup, it_teardown),
        cmocka_unit_test_setup_teardown(test_null_flag_beside_a_value, it_setup, it_teardown),
        cmocka_unit_test_setup_teardown(test_blob_without_data, it_setup, it_teardown),
        cmocka_unit_test_setup_teardown(test_unknown_set_bits, it_setup, it_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
