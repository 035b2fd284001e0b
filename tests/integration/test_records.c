/*
 * test_records.c - every generated function of schemas shop and everything
 * against the database: migrate (idempotent, and refusing a newer recorded
 * version), then per entity create (with its defaults), get, find_by each
 * unique field, list (key order, limit, after, stopping), update, delete
 * and clear.
 */
#define _POSIX_C_SOURCE 200809L
#include "it_common.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- listing, the same checks for every entity --------------------------- */

/* Keys a list callback saw, in the order it saw them. */
typedef struct keys_seen {
    size_t n;
    char text[64][TRAIL_ULID_LEN + 1]; /* ULID keys */
    int64_t num[64];                   /* int64 keys */
    size_t stop_after;                 /* non-zero: return 7 after this many */
} keys_seen;

static int key_added(keys_seen *k)
{
    k->n++;
    return k->stop_after && k->n == k->stop_after ? 7 : 0;
}

static int keys_add_text(keys_seen *k, const char *id)
{
    assert_true(k->n < sizeof k->num / sizeof k->num[0]);
    assert_int_equal(strlen(id), TRAIL_ULID_LEN);
    memcpy(k->text[k->n], id, TRAIL_ULID_LEN + 1);
    return key_added(k);
}

static int keys_add_num(keys_seen *k, int64_t id)
{
    assert_true(k->n < sizeof k->num / sizeof k->num[0]);
    k->num[k->n] = id;
    return key_added(k);
}

/* One entity's _list as a common shape: lists after one key or the other into @out. */
typedef int (*lister)(trail_conn *db, const char *after_text, int64_t after_num, int limit,
                      keys_seen *out);

#define TEXT_LISTER(prefix)                                                                        \
    static int keys_##prefix(void *userdata, const prefix *row)                                    \
    {                                                                                              \
        return keys_add_text(userdata, row->id);                                                   \
    }                                                                                              \
    static int list_##prefix(trail_conn *db, const char *after, int64_t unused, int limit,         \
                             keys_seen *out)                                                       \
    {                                                                                              \
        (void)unused;                                                                              \
        return prefix##_list(db, after, limit, keys_##prefix, out);                                \
    }
#define NUM_LISTER(prefix)                                                                         \
    static int keys_##prefix(void *userdata, const prefix *row)                                    \
    {                                                                                              \
        return keys_add_num(userdata, row->id);                                                    \
    }                                                                                              \
    static int list_##prefix(trail_conn *db, const char *unused, int64_t after, int limit,         \
                             keys_seen *out)                                                       \
    {                                                                                              \
        (void)unused;                                                                              \
        return prefix##_list(db, after, limit, keys_##prefix, out);                                \
    }

TEXT_LISTER(shop_customer)
TEXT_LISTER(shop_order)
NUM_LISTER(shop_product)
TEXT_LISTER(shop_order_line)
NUM_LISTER(everything_account)
TEXT_LISTER(everything_sample)
TEXT_LISTER(everything_sample_tag)

static int cmp_text(const void *a, const void *b)
{
    return strcmp(a, b);
}

static int cmp_num(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* Fails unless @got holds keys @from..@from+@count-1 of @want, in that order. */
static void expect_keys(const keys_seen *got, const keys_seen *want, size_t from, size_t count,
                        bool text)
{
    assert_int_equal(got->n, count);
    for (size_t i = 0; i < count; i++) {
        if (text)
            assert_string_equal(got->text[i], want->text[from + i]);
        else
            assert_int_equal(got->num[i], want->num[from + i]);
    }
}

/*
 * Lists through @list and compares with @made, the keys created (at least
 * 4, in creation order): everything in key order, a first page, the page
 * after a key, nothing after the last key, a callback that stops early.
 */
static void check_list(trail_conn *db, lister list, const keys_seen *made, bool text)
{
    keys_seen sorted = *made;
    if (text)
        qsort(sorted.text, sorted.n, sizeof sorted.text[0], cmp_text);
    else
        qsort(sorted.num, sorted.n, sizeof sorted.num[0], cmp_num);
    size_t n = sorted.n;
    assert_true(n >= 4);
#define AFTER(i) text ? sorted.text[i] : NULL, text ? 0 : sorted.num[i]

    keys_seen got = { 0 };
    IT_OK(db, list(db, NULL, 0, 100, &got));
    expect_keys(&got, &sorted, 0, n, text);

    got = (keys_seen){ 0 };
    IT_OK(db, list(db, NULL, 0, 2, &got));
    expect_keys(&got, &sorted, 0, 2, text);

    got = (keys_seen){ 0 };
    IT_OK(db, list(db, AFTER(1), 2, &got));
    expect_keys(&got, &sorted, 2, 2, text);

    got = (keys_seen){ 0 };
    IT_OK(db, list(db, AFTER(n - 1), 10, &got));
    assert_int_equal(got.n, 0);

    got = (keys_seen){ .stop_after = 2 };
    IT_EXPECT(db, 7, list(db, NULL, 0, 100, &got));
    expect_keys(&got, &sorted, 0, 2, text);
#undef AFTER
}

/* Fails unless @rec (of @size bytes) is all zero: what _clear leaves. */
static void expect_zeroed(const void *rec, size_t size)
{
    const unsigned char *p = rec;
    for (size_t i = 0; i < size; i++)
        assert_int_equal(p[i], 0);
}

/* ---- migrate --------------------------------------------------------------- */

/* Whether trail_meta records @version for schema @name. */
static bool recorded_version_is(const it_db *t, const char *name, const char *version)
{
    return raw_count(t->url,
                     "SELECT count(*) FROM \"trail_meta\" WHERE \"key\" = 'schema.%s.version'"
                     " AND \"value\" = '%s'",
                     name, version) == 1;
}

/* Records @version for schema @name behind trail's back. */
static void record_version(it_db *t, const char *name, const char *version)
{
    it_tamper(t,
              "UPDATE \"trail_meta\" SET \"value\" = '%s'"
              " WHERE \"key\" = 'schema.%s.version'",
              version, name);
    assert_true(recorded_version_is(t, name, version));
}

static void test_migrate_idempotent(void **state)
{
    it_db *t = *state;
    shop_customer c = { 0 };
    it_customer(t->db, "keep@example.com", &c);
    char *node = it_local_node(t->db);

    /* Again on the same connection, and from a new one. */
    it_migrate(t->db);
    trail_conn *db2 = it_open(t, NULL);
    it_migrate(db2);

    shop_customer again = { 0 };
    IT_OK(db2, shop_customer_get(db2, c.id, &again));
    assert_string_equal(again.email, "keep@example.com");
    char *node2 = it_local_node(db2);
    assert_string_equal(node2, node);
    assert_int_equal(it_rows(t, "trail_nodes"), 1);
    assert_int_equal(it_rows(t, "trail_change_events"), 1);
    assert_true(recorded_version_is(t, "shop", "1"));
    assert_true(recorded_version_is(t, "everything", "3"));
    free(node);
    free(node2);
    shop_customer_clear(&again);
    shop_customer_clear(&c);
    trail_close(db2);
}

static void test_migrate_refuses_newer(void **state)
{
    it_db *t = *state;
    trail_close(t->db);
    t->db = NULL;
    record_version(t, "shop", "2");
    trail_conn *db = it_open(t, NULL);
    IT_EXPECT(db, TRAIL_EDB, shop_migrate(db));
    IT_MSG(db, "shop", "version", "2", "1");
    /* Refused means untouched: the recorded version stays where it was. */
    assert_true(recorded_version_is(t, "shop", "2"));
    /* Another schema of the same database is not concerned. */
    IT_OK(db, everything_migrate(db));

    /* An older recorded version is brought up to the code's. */
    record_version(t, "shop", "0");
    IT_OK(db, shop_migrate(db));
    assert_true(recorded_version_is(t, "shop", "1"));

    record_version(t, "everything", "4");
    IT_EXPECT(db, TRAIL_EDB, everything_migrate(db));
    IT_MSG(db, "everything", "version", "4", "3");
    assert_true(recorded_version_is(t, "everything", "4"));
    trail_close(db);
}

/* ---- shop ------------------------------------------------------------------ */

static void test_shop_customer(void **state)
{
    trail_conn *db = ((it_db *)*state)->db;
    static const char *const emails[] = { "d@x.org", "b@x.org", "e@x.org", "a@x.org", "c@x.org" };
    keys_seen made = { 0 };
    for (size_t i = 0; i < 5; i++) {
        shop_customer_create_params p = SHOP_CUSTOMER_CREATE_INIT;
        p.email = emails[i];
        p.name = "Ann";
        p.secret = "s";
        if (i == 1) {
            p.credit = 70;
            p.tier = SHOP_CUSTOMER_TIER_ENTERPRISE;
            p.active = false;
        }
        shop_customer c = { 0 };
        IT_OK(db, shop_customer_create(db, NULL, &p, &c));
        assert_true(trail_ulid_valid(c.id));
        assert_int_equal(c.version, 1);
        assert_string_equal(c.email, emails[i]);
        assert_int_equal(c.tier, i == 1 ? SHOP_CUSTOMER_TIER_ENTERPRISE : SHOP_CUSTOMER_TIER_FREE);
        assert_int_equal(c.credit, i == 1 ? 70 : 0);
        assert_int_equal(c.active, i != 1);
        assert_true(c.rating_null && c.born_null && c.seen_at_null);
        assert_null(c.avatar.data);
        assert_null(c.prefs);
        keys_add_text(&made, c.id);
        shop_customer_clear(&c);
    }

    shop_customer c = { 0 };
    IT_OK(db, shop_customer_get(db, made.text[1], &c));
    assert_string_equal(c.id, made.text[1]);
    assert_string_equal(c.email, "b@x.org");
    assert_string_equal(c.name, "Ann");
    assert_string_equal(c.secret, "s");
    assert_int_equal(c.credit, 70);
    assert_int_equal(c.tier, SHOP_CUSTOMER_TIER_ENTERPRISE);
    assert_false(c.active);

    /* The out struct is replaced, what it held freed (LeakSanitizer watches). */
    IT_OK(db, shop_customer_find_by_email(db, "e@x.org", &c));
    assert_string_equal(c.id, made.text[2]);
    IT_EXPECT(db, TRAIL_ENOTFOUND, shop_customer_find_by_email(db, "nobody@x.org", &c));
    assert_string_equal(c.id, made.text[2]); /* a failed read leaves @out alone */

    check_list(db, list_shop_customer, &made, true);

    shop_customer_update_params u = {
        .id = c.id,
        .version = 1,
        .set = SHOP_CUSTOMER_NAME | SHOP_CUSTOMER_TIER | SHOP_CUSTOMER_CREDIT,
        .name = "Ann B.",
        .tier = SHOP_CUSTOMER_TIER_PRO,
        .credit = 50,
    };
    shop_customer after = { 0 };
    IT_OK(db, shop_customer_update(db, NULL, &u, &after));
    assert_int_equal(after.version, 2);
    assert_string_equal(after.name, "Ann B.");
    assert_int_equal(after.tier, SHOP_CUSTOMER_TIER_PRO);
    assert_int_equal(after.credit, 50);
    assert_string_equal(after.email, "e@x.org"); /* not in set: unchanged */
    IT_OK(db, shop_customer_get(db, c.id, &c));
    assert_int_equal(c.version, 2);
    assert_string_equal(c.name, "Ann B.");
    assert_int_equal(c.credit, 50);

    IT_OK(db, shop_customer_delete(db, NULL, c.id, 2));
    IT_EXPECT(db, TRAIL_ENOTFOUND, shop_customer_get(db, made.text[2], &after));
    IT_EXPECT(db, TRAIL_ENOTFOUND, shop_customer_find_by_email(db, "e@x.org", &after));
    keys_seen rest = { 0 };
    IT_OK(db, list_shop_customer(db, NULL, 0, 100, &rest));
    assert_int_equal(rest.n, 4);

    shop_customer_clear(&c);
    expect_zeroed(&c, sizeof c);
    shop_customer_clear(&after);
    shop_customer_clear(NULL);
}

static void test_shop_order(void **state)
{
    trail_conn *db = ((it_db *)*state)->db;
    shop_customer c = { 0 };
    it_customer(db, "buyer@x.org", &c);
    keys_seen made = { 0 };
    for (int i = 0; i < 4; i++) {
        shop_order_create_params p = SHOP_ORDER_CREATE_INIT;
        p.customer = c.id;
        p.total = 100 * i;
        p.note = "n";
        shop_order o = { 0 };
        IT_OK(db, shop_order_create(db, NULL, &p, &o));
        assert_int_equal(o.version, 1);
        assert_string_equal(o.customer, c.id);
        assert_int_equal(o.total, 100 * i);
        assert_string_equal(o.note, "n");
        keys_add_text(&made, o.id);
        shop_order_clear(&o);
    }
    shop_order o = { 0 };
    IT_OK(db, shop_order_get(db, made.text[3], &o));
    assert_int_equal(o.total, 300);
    check_list(db, list_shop_order, &made, true);

    shop_order_update_params u = {
        .id = o.id, .version = 1, .set = SHOP_ORDER_TOTAL | SHOP_ORDER_NOTE, .total = -5
    };
    IT_OK(db, shop_order_update(db, NULL, &u, &o));
    assert_int_equal(o.version, 2);
    assert_int_equal(o.total, -5);
    assert_null(o.note); /* in set and NULL: set to NULL */
    IT_OK(db, shop_order_delete(db, NULL, o.id, 2));
    IT_EXPECT(db, TRAIL_ENOTFOUND, shop_order_get(db, made.text[3], &o));
    shop_order_clear(&o);
    expect_zeroed(&o, sizeof o);
    shop_customer_clear(&c);
}

static void test_shop_product(void **state)
{
    trail_conn *db = ((it_db *)*state)->db;
    static const char *const skus[] = { "SKU-3", "SKU-1", "SKU-4", "SKU-2" };
    keys_seen made = { 0 };
    for (size_t i = 0; i < 4; i++) {
        shop_product_create_params p = SHOP_PRODUCT_CREATE_INIT;
        p.sku = skus[i];
        p.title = "Mug";
        p.price = 999;
        shop_product pr = { 0 };
        IT_OK(db, shop_product_create(db, NULL, &p, &pr));
        assert_true(pr.id > 0);
        assert_int_equal(pr.version, 1);
        /* The schema's defaults, as written in shop.yaml. */
        assert_string_equal(pr.currency, "EUR");
        assert_int_equal(pr.stock, 0);
        assert_false(pr.released_on_null);
        assert_int_equal(pr.released_on, 19723); /* 2024-01-01 */
        assert_int_equal(pr.listed_at, INT64_C(1704067200000));
        IT_JSON_EQ(pr.attributes, "{}");
        assert_true(pr.cost_null && pr.weight_null);
        assert_null(pr.photo.data);
        assert_false(pr.discontinued);
        if (i > 0)
            assert_true(pr.id > made.num[i - 1]); /* assigned in increasing order */
        keys_add_num(&made, pr.id);
        shop_product_clear(&pr);
    }
    shop_product pr = { 0 };
    IT_OK(db, shop_product_get(db, made.num[2], &pr));
    assert_string_equal(pr.sku, "SKU-4");
    IT_OK(db, shop_product_find_by_sku(db, "SKU-1", &pr));
    assert_int_equal(pr.id, made.num[1]);
    IT_EXPECT(db, TRAIL_ENOTFOUND, shop_product_find_by_sku(db, "SKU-9", &pr));
    IT_EXPECT(db, TRAIL_ENOTFOUND, shop_product_get(db, made.num[3] + 1000, &pr));
    check_list(db, list_shop_product, &made, false);

    shop_product_update_params u = {
        .id = pr.id,
        .version = 1,
        .set = SHOP_PRODUCT_STOCK | SHOP_PRODUCT_RELEASED_ON | SHOP_PRODUCT_DISCONTINUED,
        .stock = 1000000,
        .released_on_null = true,
        .discontinued = true,
    };
    IT_OK(db, shop_product_update(db, NULL, &u, &pr));
    assert_int_equal(pr.version, 2);
    assert_int_equal(pr.stock, 1000000);
    assert_true(pr.released_on_null);
    assert_true(pr.discontinued);
    IT_OK(db, shop_product_delete(db, NULL, pr.id, 2));
    IT_EXPECT(db, TRAIL_ENOTFOUND, shop_product_get(db, made.num[1], &pr));

    /* An int64 key is never handed out again (SPEC §2). */
    shop_product_create_params p = SHOP_PRODUCT_CREATE_INIT;
    p.sku = "SKU-5";
    p.title = "Cup";
    p.price = 1;
    IT_OK(db, shop_product_create(db, NULL, &p, &pr));
    assert_true(pr.id > made.num[3]);
    shop_product_clear(&pr);
    expect_zeroed(&pr, sizeof pr);
}

static void test_shop_order_line(void **state)
{
    trail_conn *db = ((it_db *)*state)->db;
    shop_customer c = { 0 };
    it_customer(db, "lines@x.org", &c);
    shop_order o = { 0 };
    shop_order_create_params op = SHOP_ORDER_CREATE_INIT;
    op.customer = c.id;
    op.total = 1;
    IT_OK(db, shop_order_create(db, NULL, &op, &o));
    keys_seen made = { 0 };
    for (int i = 0; i < 4; i++) {
        shop_product pr = { 0 };
        char sku[16];
        snprintf(sku, sizeof sku, "P%d", i);
        shop_product_create_params pp = SHOP_PRODUCT_CREATE_INIT;
        pp.sku = sku;
        pp.title = "t";
        pp.price = 5;
        IT_OK(db, shop_product_create(db, NULL, &pp, &pr));
        shop_order_line_create_params p = SHOP_ORDER_LINE_CREATE_INIT;
        p.purchase = o.id;
        p.product = pr.id;
        p.unit_price = 5;
        shop_order_line l = { 0 };
        IT_OK(db, shop_order_line_create(db, NULL, &p, &l));
        assert_string_equal(l.purchase, o.id);
        assert_int_equal(l.product, pr.id);
        assert_int_equal(l.quantity, 1);
        assert_true(l.discount == 0.0);
        assert_false(l.gift);
        assert_true(l.ships_on_null);
        assert_null(l.gift_note);
        keys_add_text(&made, l.id);
        shop_order_line_clear(&l);
        shop_product_clear(&pr);
    }
    shop_order_line l = { 0 };
    IT_OK(db, shop_order_line_get(db, made.text[0], &l));
    assert_int_equal(l.unit_price, 5);
    check_list(db, list_shop_order_line, &made, true);

    shop_order_line_update_params u = {
        .id = l.id,
        .version = 1,
        .set = SHOP_ORDER_LINE_QUANTITY | SHOP_ORDER_LINE_DISCOUNT | SHOP_ORDER_LINE_GIFT_NOTE,
        .quantity = 10000,
        .discount = 0.25,
        .gift_note = "for you",
    };
    IT_OK(db, shop_order_line_update(db, NULL, &u, &l));
    assert_int_equal(l.version, 2);
    assert_int_equal(l.quantity, 10000);
    assert_true(l.discount == 0.25);
    assert_string_equal(l.gift_note, "for you");
    IT_OK(db, shop_order_line_delete(db, NULL, l.id, 2));
    IT_EXPECT(db, TRAIL_ENOTFOUND, shop_order_line_get(db, made.text[0], &l));
    shop_order_line_clear(&l);
    expect_zeroed(&l, sizeof l);
    shop_order_clear(&o);
    shop_customer_clear(&c);
}

/* ---- everything -------------------------------------------------------------- */

static void test_everything_account(void **state)
{
    trail_conn *db = ((it_db *)*state)->db;
    static const char *const handles[] = { "dora", "bob", "carl", "ann" };
    keys_seen made = { 0 };
    for (size_t i = 0; i < 4; i++) {
        everything_account_create_params p = EVERYTHING_ACCOUNT_CREATE_INIT;
        p.handle = handles[i];
        p.label = "L";
        if (i > 0) {
            p.parent = made.num[0];
            p.parent_null = false;
        }
        everything_account a = { 0 };
        IT_OK(db, everything_account_create(db, NULL, &p, &a));
        assert_int_equal(a.level, 1);
        assert_int_equal(a.balance, INT64_C(-9007199254740993));
        assert_int_equal(a.status, EVERYTHING_ACCOUNT_STATUS_ACTIVE);
        assert_int_equal(a.parent_null, i == 0);
        if (i > 0)
            assert_int_equal(a.parent, made.num[0]);
        keys_add_num(&made, a.id);
        everything_account_clear(&a);
    }
    everything_account a = { 0 };
    IT_OK(db, everything_account_get(db, made.num[3], &a));
    assert_string_equal(a.handle, "ann");
    IT_OK(db, everything_account_find_by_handle(db, "carl", &a));
    assert_int_equal(a.id, made.num[2]);
    IT_EXPECT(db, TRAIL_ENOTFOUND, everything_account_find_by_handle(db, "zed", &a));
    check_list(db, list_everything_account, &made, false);

    everything_account_update_params u = {
        .id = a.id,
        .version = 1,
        .set = EVERYTHING_ACCOUNT_STATUS | EVERYTHING_ACCOUNT_LEVEL | EVERYTHING_ACCOUNT_PARENT,
        .status = EVERYTHING_ACCOUNT_STATUS_CLOSED,
        .level = 99,
        .parent_null = true,
    };
    IT_OK(db, everything_account_update(db, NULL, &u, &a));
    assert_int_equal(a.version, 2);
    assert_int_equal(a.status, EVERYTHING_ACCOUNT_STATUS_CLOSED);
    assert_int_equal(a.level, 99);
    assert_true(a.parent_null);
    IT_OK(db, everything_account_delete(db, NULL, a.id, 2));
    IT_EXPECT(db, TRAIL_ENOTFOUND, everything_account_get(db, made.num[2], &a));
    everything_account_clear(&a);
    expect_zeroed(&a, sizeof a);
}

static void test_everything_sample(void **state)
{
    trail_conn *db = ((it_db *)*state)->db;
    int64_t owner = it_account(db, "owner");
    keys_seen made = { 0 };
    for (int i = 0; i < 4; i++) {
        everything_sample_create_params p = EVERYTHING_SAMPLE_CREATE_INIT;
        p.day = i; /* (owner, day) is unique */
        p.serial = 10 + i;
        p.serial_null = false;
        p.opened_on = -100 - i;
        p.opened_on_null = false;
        p.payload = (trail_blob){ "", 0 };
        p.owner = owner;
        p.code = 1000 + i;
        p.token = "tok";
        everything_sample s = { 0 };
        IT_OK(db, everything_sample_create(db, NULL, &p, &s));
        /* The defaults of everything.yaml. */
        assert_false(s.flag);
        assert_int_equal(s.small, -5);
        assert_int_equal(s.big, 42);
        assert_true(s.ratio == 2.5);
        assert_string_equal(s.words, "He said \"hi\", it's a back\\slash: \\\\ naïve café ✓ ?\?!");
        assert_int_equal(s.day_n, 19782); /* 2024-02-29 */
        assert_int_equal(s.moment, INT64_C(951827696789));
        IT_JSON_EQ(s.doc, "{\"k\": [1, \"two\", null], \"q\": \"a\\\"b\\\\c\", \"ü\": true}");
        assert_int_equal(s.color, EVERYTHING_SAMPLE_COLOR_GREEN);
        assert_true(s.flag_n_null && s.small_n_null && s.big_n_null && s.ratio_n_null &&
                    s.moment_n_null && s.color_n_null && s.owner_n_null);
        assert_null(s.words_n);
        assert_null(s.payload_n.data);
        assert_null(s.doc_n);
        assert_null(s.scratch);
        keys_add_text(&made, s.id);
        everything_sample_clear(&s);
    }
    everything_sample s = { 0 };
    IT_OK(db, everything_sample_get(db, made.text[1], &s));
    assert_int_equal(s.code, 1001);
    IT_OK(db, everything_sample_find_by_code(db, 1002, &s));
    assert_string_equal(s.id, made.text[2]);
    IT_OK(db, everything_sample_find_by_serial(db, 13, &s));
    assert_string_equal(s.id, made.text[3]);
    IT_OK(db, everything_sample_find_by_opened_on(db, -100, &s));
    assert_string_equal(s.id, made.text[0]);
    IT_EXPECT(db, TRAIL_ENOTFOUND, everything_sample_find_by_code(db, 7, &s));
    IT_EXPECT(db, TRAIL_ENOTFOUND, everything_sample_find_by_serial(db, 7, &s));
    IT_EXPECT(db, TRAIL_ENOTFOUND, everything_sample_find_by_opened_on(db, 7, &s));
    check_list(db, list_everything_sample, &made, true);

    everything_sample_update_params u = {
        .id = s.id,
        .version = 1,
        .set = EVERYTHING_SAMPLE_COLOR_N | EVERYTHING_SAMPLE_SERIAL | EVERYTHING_SAMPLE_WORDS_N,
        .color_n = EVERYTHING_SAMPLE_COLOR_N_DOWN,
        .serial_null = true,
        .words_n = "ten chars!",
    };
    IT_OK(db, everything_sample_update(db, NULL, &u, &s));
    assert_int_equal(s.version, 2);
    assert_false(s.color_n_null);
    assert_int_equal(s.color_n, EVERYTHING_SAMPLE_COLOR_N_DOWN);
    assert_true(s.serial_null);
    assert_string_equal(s.words_n, "ten chars!");
    IT_EXPECT(db, TRAIL_ENOTFOUND, everything_sample_find_by_serial(db, 10, &s));
    IT_OK(db, everything_sample_get(db, made.text[0], &s));
    IT_OK(db, everything_sample_delete(db, NULL, s.id, 2));
    IT_EXPECT(db, TRAIL_ENOTFOUND, everything_sample_get(db, made.text[0], &s));
    everything_sample_clear(&s);
    expect_zeroed(&s, sizeof s);
}

static void test_everything_sample_tag(void **state)
{
    trail_conn *db = ((it_db *)*state)->db;
    everything_sample_create_params sp = EVERYTHING_SAMPLE_CREATE_INIT;
    sp.payload = (trail_blob){ "x", 1 };
    sp.owner = it_account(db, "o");
    sp.code = 1;
    sp.token = "t";
    everything_sample s = { 0 };
    IT_OK(db, everything_sample_create(db, NULL, &sp, &s));
    keys_seen made = { 0 };
    for (int i = 0; i < 4; i++) {
        /* (sample, tag) is unique, but NULL tags do not collide. */
        everything_sample_tag_create_params p = EVERYTHING_SAMPLE_TAG_CREATE_INIT;
        p.sample = s.id;
        p.note = i ? NULL : "first";
        if (i == 3) {
            p.tag = EVERYTHING_SAMPLE_TAG_TAG_OLD;
            p.tag_null = false;
        }
        everything_sample_tag g = { 0 };
        IT_OK(db, everything_sample_tag_create(db, NULL, &p, &g));
        assert_string_equal(g.sample, s.id);
        assert_int_equal(g.tag_null, i != 3);
        keys_add_text(&made, g.id);
        everything_sample_tag_clear(&g);
    }
    everything_sample_tag g = { 0 };
    IT_OK(db, everything_sample_tag_get(db, made.text[0], &g));
    assert_string_equal(g.note, "first");
    assert_true(g.tag_null);
    check_list(db, list_everything_sample_tag, &made, true);

    everything_sample_tag_update_params u = { .id = g.id,
                                              .version = 1,
                                              .set = EVERYTHING_SAMPLE_TAG_TAG |
                                                     EVERYTHING_SAMPLE_TAG_NOTE,
                                              .tag = EVERYTHING_SAMPLE_TAG_TAG_NEW,
                                              .note = NULL };
    IT_OK(db, everything_sample_tag_update(db, NULL, &u, &g));
    assert_int_equal(g.version, 2);
    assert_false(g.tag_null);
    assert_int_equal(g.tag, EVERYTHING_SAMPLE_TAG_TAG_NEW);
    assert_null(g.note);
    IT_OK(db, everything_sample_tag_delete(db, NULL, g.id, 2));
    IT_EXPECT(db, TRAIL_ENOTFOUND, everything_sample_tag_get(db, made.text[0], &g));
    everything_sample_tag_clear(&g);
    expect_zeroed(&g, sizeof g);
    everything_sample_clear(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_migrate_idempotent, it_setup, it_teardown),
        cmocka_unit_test_setup_teardown(test_migrate_refuses_newer, it_setup, it_teardown),
        cmocka_unit_test_setup_teardown(test_shop_customer, it_setup, it_teardown),
        cmocka_unit_test_setup_teardown(test_shop_order, it_setup, it_teardown),
        cmocka_unit_test_setup_teardown(test_shop_product, it_setup, it_teardown),
        cmocka_unit_test_setup_teardown(test_shop_order_line, it_setup, it_teardown),
        cmocka_unit_test_setup_teardown(test_everything_account, it_setup, it_teardown),
        cmocka_unit_test_setup_teardown(test_everything_sample, it_setup, it_teardown),
        cmocka_unit_test_setup_teardown(test_everything_sample_tag, it_setup, it_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
