/*
 * test_errors.c - every return code of the generated API, with what
 * trail_errmsg() says: TRAIL_ENOTFOUND, TRAIL_ECONFLICT, TRAIL_EUNIQUE,
 * TRAIL_EINVALID, TRAIL_EREF, TRAIL_EARG, TRAIL_EBUSY (TRAIL_EDB is
 * test_records' refused migration). A call that fails leaves no row and no
 * event behind, so every test also counts both behind trail's back.
 */
#define _POSIX_C_SOURCE 200809L
#include "it_common.h"

#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

/* A ULID no record has. */
#define NO_SUCH_ID "01ARZ3NDEKTSV4RRFFQ69G5FAV"

static void test_enotfound(void **state)
{
    it_db *t = *state;
    trail_conn *db = t->db;
    shop_customer c = { 0 };
    it_customer(db, "here@x.org", &c);
    int64_t before = it_rows(t, "trail_change_events");

    IT_EXPECT(db, TRAIL_ENOTFOUND, shop_customer_get(db, NO_SUCH_ID, &c));
    IT_MSG(db, "customer", NO_SUCH_ID);
    IT_EXPECT(db, TRAIL_ENOTFOUND, shop_customer_find_by_email(db, "gone@x.org", &c));
    IT_MSG(db, "customer", "email");
    shop_customer_update_params u = {
        .id = NO_SUCH_ID, .version = 1, .set = SHOP_CUSTOMER_NAME, .name = "x"
    };
    IT_EXPECT(db, TRAIL_ENOTFOUND, shop_customer_update(db, NULL, &u, NULL));
    IT_MSG(db, "customer", NO_SUCH_ID);
    IT_EXPECT(db, TRAIL_ENOTFOUND, shop_customer_delete(db, NULL, NO_SUCH_ID, 1));
    IT_MSG(db, "customer", NO_SUCH_ID);

    /* An int64 key, named in the message as its number. */
    shop_product p = { 0 };
    IT_EXPECT(db, TRAIL_ENOTFOUND, shop_product_get(db, 424242, &p));
    IT_MSG(db, "product", "424242");
    IT_EXPECT(db, TRAIL_ENOTFOUND, shop_product_delete(db, NULL, 424242, 1));
    IT_MSG(db, "product", "424242");

    assert_int_equal(it_rows(t, "trail_change_events"), before);
    assert_string_equal(c.email, "here@x.org"); /* a failed get leaves @out alone */
    shop_customer_clear(&c);
}

/* Two handles on one record: the second writes on a version that has moved on. */
static void test_econflict(void **state)
{
    it_db *t = *state;
    trail_conn *db = t->db;
    shop_customer made = { 0 }, a = { 0 }, b = { 0 };
    it_customer(db, "two@x.org", &made);
    IT_OK(db, shop_customer_get(db, made.id, &a));
    IT_OK(db, shop_customer_get(db, made.id, &b));

    shop_customer_update_params ua = {
        .id = a.id, .version = a.version, .set = SHOP_CUSTOMER_NAME, .name = "by a"
    };
    IT_OK(db, shop_customer_update(db, NULL, &ua, &a));
    assert_int_equal(a.version, 2);
    int64_t before = it_rows(t, "trail_change_events");

    shop_customer_update_params ub = {
        .id = made.id, .version = b.version, .set = SHOP_CUSTOMER_NAME, .name = "by b"
    };
    IT_EXPECT(db, TRAIL_ECONFLICT, shop_customer_update(db, NULL, &ub, &b));
    IT_MSG(db, "customer", b.id, "version 1", "version 2");
    IT_EXPECT(db, TRAIL_ECONFLICT, shop_customer_delete(db, NULL, b.id, b.version));
    IT_MSG(db, "customer", b.id, "version 1", "version 2");
    /* A version from the future is no better. */
    IT_EXPECT(db, TRAIL_ECONFLICT, shop_customer_delete(db, NULL, b.id, 3));

    shop_customer now = { 0 };
    IT_OK(db, shop_customer_get(db, made.id, &now));
    assert_int_equal(now.version, 2);
    assert_string_equal(now.name, "by a");
    assert_int_equal(b.version, 1); /* the failed update left @out alone */
    assert_int_equal(it_rows(t, "trail_change_events"), before);

    /* Re-read, then the same change goes through. */
    IT_OK(db, shop_customer_get(db, made.id, &b));
    ub.version = b.version;
    IT_OK(db, shop_customer_update(db, NULL, &ub, &b));
    assert_int_equal(b.version, 3);
    shop_customer_clear(&now);
    shop_customer_clear(&made);
    shop_customer_clear(&a);
    shop_customer_clear(&b);
}

static void test_eunique(void **state)
{
    it_db *t = *state;
    trail_conn *db = t->db;
    shop_customer c1 = { 0 }, c2 = { 0 };
    it_customer(db, "one@x.org", &c1);
    it_customer(db, "two@x.org", &c2);
    int64_t before = it_rows(t, "trail_change_events");

    shop_customer_create_params dup = SHOP_CUSTOMER_CREATE_INIT;
    dup.email = "one@x.org";
    dup.name = "n";
    dup.secret = "s";
    IT_EXPECT(db, TRAIL_EUNIQUE, shop_customer_create(db, NULL, &dup, NULL));
    IT_MSG(db, "customer.email: another customer already has one@x.org");
    shop_customer_update_params u = {
        .id = c2.id, .version = 1, .set = SHOP_CUSTOMER_EMAIL, .email = "one@x.org"
    };
    IT_EXPECT(db, TRAIL_EUNIQUE, shop_customer_update(db, NULL, &u, NULL));
    IT_MSG(db, "customer.email: another customer already has one@x.org");
    assert_int_equal(it_rows(t, "trail_change_events"), before);

    shop_product_create_params pp = SHOP_PRODUCT_CREATE_INIT;
    pp.sku = "S1";
    pp.title = "t";
    pp.price = 1;
    shop_product p = { 0 };
    IT_OK(db, shop_product_create(db, NULL, &pp, &p));
    before = it_rows(t, "trail_change_events");
    IT_EXPECT(db, TRAIL_EUNIQUE, shop_product_create(db, NULL, &pp, NULL));
    IT_MSG(db, "sku");
    assert_int_equal(it_rows(t, "trail_change_events"), before);

    /* A unique index over two columns: one order line per (order, product). */
    shop_order_create_params op = SHOP_ORDER_CREATE_INIT;
    op.customer = c1.id;
    op.total = 1;
    shop_order o = { 0 };
    IT_OK(db, shop_order_create(db, NULL, &op, &o));
    shop_order_line_create_params lp = SHOP_ORDER_LINE_CREATE_INIT;
    lp.purchase = o.id;
    lp.product = p.id;
    lp.unit_price = 1;
    IT_OK(db, shop_order_line_create(db, NULL, &lp, NULL));
    before = it_rows(t, "trail_change_events");
    IT_EXPECT(db, TRAIL_EUNIQUE, shop_order_line_create(db, NULL, &lp, NULL));
    assert_int_equal(it_rows(t, "trail_change_events"), before);

    /* Unique int64, int32 and date fields of everything.sample. */
    everything_sample_create_params sp = EVERYTHING_SAMPLE_CREATE_INIT;
    sp.serial = 5;
    sp.serial_null = false;
    sp.opened_on = -25508;
    sp.opened_on_null = false;
    sp.day = 1;
    sp.payload = (trail_blob){ "", 0 };
    sp.owner = it_account(db, "acct");
    sp.code = 77;
    sp.token = "t";
    IT_OK(db, everything_sample_create(db, NULL, &sp, NULL));
    before = it_rows(t, "trail_change_events");
    sp.day = 2;
    sp.serial = 6;
    sp.opened_on = 0;
    IT_EXPECT(db, TRAIL_EUNIQUE, everything_sample_create(db, NULL, &sp, NULL));
    IT_MSG(db, "code");
    sp.code = 78;
    sp.serial = 5;
    IT_EXPECT(db, TRAIL_EUNIQUE, everything_sample_create(db, NULL, &sp, NULL));
    IT_MSG(db, "serial");
    sp.serial = 6;
    sp.opened_on = -25508;
    IT_EXPECT(db, TRAIL_EUNIQUE, everything_sample_create(db, NULL, &sp, NULL));
    IT_MSG(db, "opened_on");
    sp.opened_on = 0;
    sp.day = 1; /* (owner, day) */
    IT_EXPECT(db, TRAIL_EUNIQUE, everything_sample_create(db, NULL, &sp, NULL));

    assert_int_equal(it_rows(t, "trail_change_events"), before);
    assert_int_equal(it_rows(t, "customers"), 2);
    assert_int_equal(it_rows(t, "samples"), 1);
    shop_customer now = { 0 };
    IT_OK(db, shop_customer_get(db, c2.id, &now));
    assert_string_equal(now.email, "two@x.org");
    assert_int_equal(now.version, 1);
    shop_customer_clear(&now);
    shop_order_clear(&o);
    shop_product_clear(&p);
    shop_customer_clear(&c1);
    shop_customer_clear(&c2);
}

/* A create that must fail with TRAIL_EINVALID and a message naming what is wrong. */
#define CREATE_INVALID(db, fn, params, ...)                                                        \
    do {                                                                                           \
        IT_EXPECT(db, TRAIL_EINVALID, fn(db, NULL, params, NULL));                                 \
        IT_MSG(db, __VA_ARGS__);                                                                   \
    } while (0)

static void test_einvalid_create(void **state)
{
    it_db *t = *state;
    trail_conn *db = t->db;
    int64_t before = it_rows(t, "trail_change_events");
    char long_email[256];
    memset(long_email, 'a', 255);
    long_email[255] = '\0';

    shop_customer_create_params c = SHOP_CUSTOMER_CREATE_INIT;
    c.email = long_email;
    c.name = "n";
    c.secret = "s";
    CREATE_INVALID(db, shop_customer_create, &c, "customer.email", "255", "254");
    c.email = "ok@x.org";
    c.credit = -1;
    CREATE_INVALID(db, shop_customer_create, &c, "customer.credit", "-1");
    c.credit = 0;
    c.tier = (shop_customer_tier)3;
    CREATE_INVALID(db, shop_customer_create, &c, "customer.tier", "3");
    c.tier = (shop_customer_tier)-1;
    CREATE_INVALID(db, shop_customer_create, &c, "customer.tier", "-1");
    c.tier = SHOP_CUSTOMER_TIER_FREE;
    c.name = NULL;
    CREATE_INVALID(db, shop_customer_create, &c, "customer.name", "NULL");
    c.name = "n";
    static const char *const bad_json[] = { "{", "", "{\"a\": 1} x", "{'a': 1}", "nul" };
    for (size_t i = 0; i < sizeof bad_json / sizeof bad_json[0]; i++) {
        c.prefs = bad_json[i];
        CREATE_INVALID(db, shop_customer_create, &c, "customer.prefs", "JSON");
    }
    c.prefs = NULL;
    /* A stray byte, an overlong '/', a UTF-16 surrogate, a truncated sequence. */
    static const char *const bad_utf8[] = { "a\xff", "\xc0\xaf", "\xed\xa0\x80", "caf\xc3" };
    for (size_t i = 0; i < sizeof bad_utf8 / sizeof bad_utf8[0]; i++) {
        c.name = bad_utf8[i];
        CREATE_INVALID(db, shop_customer_create, &c, "customer.name", "UTF-8");
    }

    shop_product_create_params p = SHOP_PRODUCT_CREATE_INIT;
    p.sku = "S";
    p.title = "t";
    p.price = 1;
    p.stock = 1000001;
    CREATE_INVALID(db, shop_product_create, &p, "product.stock", "1000001", "1000000");
    p.stock = 0;
    p.weight = -0.5;
    p.weight_null = false;
    CREATE_INVALID(db, shop_product_create, &p, "product.weight", "-0.5");
    p.weight_null = true;
    p.weight = 0;
    p.currency = "EURO";
    CREATE_INVALID(db, shop_product_create, &p, "product.currency", "4", "3");
    p.currency = "EUR";
    p.price = -1;
    CREATE_INVALID(db, shop_product_create, &p, "product.price", "-1");

    shop_order_create_params o = SHOP_ORDER_CREATE_INIT;
    o.customer = "not-a-customer-id";
    o.total = 1;
    CREATE_INVALID(db, shop_order_create, &o, "order.customer");

    everything_sample_create_params s = EVERYTHING_SAMPLE_CREATE_INIT;
    s.payload = (trail_blob){ "", 0 };
    s.owner = 1;
    s.code = 1;
    s.token = "t";
    everything_sample_create_params fresh = EVERYTHING_SAMPLE_CREATE_INIT;
    s.small = -11;
    CREATE_INVALID(db, everything_sample_create, &s, "sample.small", "-11", "-10");
    s.small = fresh.small;
    s.ratio = 1000000.5;
    CREATE_INVALID(db, everything_sample_create, &s, "sample.ratio", "1000000.5");
    s.ratio = fresh.ratio;
    s.ratio_n = NAN;
    s.ratio_n_null = false;
    CREATE_INVALID(db, everything_sample_create, &s, "sample.ratio_n");
    s.ratio_n = INFINITY;
    CREATE_INVALID(db, everything_sample_create, &s, "sample.ratio_n");
    s.ratio_n = 0;
    s.ratio_n_null = true;
    s.big_n = 1001;
    s.big_n_null = false;
    CREATE_INVALID(db, everything_sample_create, &s, "sample.big_n", "1001", "1000");
    s.big_n = 0;
    s.big_n_null = true;
    s.payload_n = (trail_blob){ "0123456789abcdefg", 17 };
    CREATE_INVALID(db, everything_sample_create, &s, "sample.payload_n", "17", "16");
    s.payload_n = (trail_blob){ 0 };
    s.payload = (trail_blob){ NULL, 0 };
    CREATE_INVALID(db, everything_sample_create, &s, "sample.payload");
    s.payload = (trail_blob){ "", 0 };
    s.words_n = "ünïcödé tén"; /* 11 characters, in 16 bytes */
    CREATE_INVALID(db, everything_sample_create, &s, "sample.words_n", "11", "10");
    s.words_n = NULL;
    s.doc = "[1, 2";
    CREATE_INVALID(db, everything_sample_create, &s, "sample.doc", "JSON");
    s.doc = fresh.doc;
    s.color_n = (everything_sample_color_n)2;
    s.color_n_null = false;
    CREATE_INVALID(db, everything_sample_create, &s, "sample.color_n", "2");

    everything_account_create_params a = EVERYTHING_ACCOUNT_CREATE_INIT;
    a.handle = "h";
    a.label = "l";
    a.level = 100;
    CREATE_INVALID(db, everything_account_create, &a, "account.level", "100", "99");

    assert_int_equal(it_rows(t, "trail_change_events"), before);
    assert_int_equal(it_rows(t, "customers") + it_rows(t, "products") + it_rows(t, "samples") +
                         it_rows(t, "accounts"),
                     0);
}

static void test_einvalid_update(void **state)
{
    it_db *t = *state;
    trail_conn *db = t->db;
    shop_customer c = { 0 };
    it_customer(db, "upd@x.org", &c);
    int64_t before = it_rows(t, "trail_change_events");

    shop_customer_update_params u = { .id = c.id, .version = 1, .set = SHOP_CUSTOMER_NAME };
    IT_EXPECT(db, TRAIL_EINVALID, shop_customer_update(db, NULL, &u, NULL));
    IT_MSG(db, "customer.name", "NULL");
    u.set = SHOP_CUSTOMER_RATING;
    u.rating = NAN;
    IT_EXPECT(db, TRAIL_EINVALID, shop_customer_update(db, NULL, &u, NULL));
    IT_MSG(db, "customer.rating");
    u.set = SHOP_CUSTOMER_CREDIT | SHOP_CUSTOMER_NAME; /* one good field does not save a bad one */
    u.name = "fine";
    u.credit = INT64_MIN;
    IT_EXPECT(db, TRAIL_EINVALID, shop_customer_update(db, NULL, &u, NULL));
    IT_MSG(db, "customer.credit", "-9223372036854775808");
    u.set = SHOP_CUSTOMER_PREFS;
    u.prefs = "{\"open\": ";
    IT_EXPECT(db, TRAIL_EINVALID, shop_customer_update(db, NULL, &u, NULL));
    IT_MSG(db, "customer.prefs", "JSON");
    u.set = SHOP_CUSTOMER_SECRET;
    u.secret = "\x80";
    IT_EXPECT(db, TRAIL_EINVALID, shop_customer_update(db, NULL, &u, NULL));
    IT_MSG(db, "customer.secret", "UTF-8");
    /* The values are checked before the record is looked for, on every engine alike. */
    u.id = NO_SUCH_ID;
    IT_EXPECT(db, TRAIL_EINVALID, shop_customer_update(db, NULL, &u, NULL));
    IT_MSG(db, "customer.secret", "UTF-8");
    u.id = c.id;
    u.version = 2;
    IT_EXPECT(db, TRAIL_EINVALID, shop_customer_update(db, NULL, &u, NULL));
    IT_MSG(db, "customer.secret", "UTF-8");

    assert_int_equal(it_rows(t, "trail_change_events"), before);
    shop_customer now = { 0 };
    IT_OK(db, shop_customer_get(db, c.id, &now));
    assert_int_equal(now.version, 1);
    assert_string_equal(now.name, "Ann");
    shop_customer_clear(&now);
    shop_customer_clear(&c);
}

/* @n copies of the UTF-8 character @ch; the caller frees it. */
static char *repeat(const char *ch, size_t n)
{
    size_t len = strlen(ch);
    char *s = malloc(len * n + 1);
    assert_non_null(s);
    for (size_t i = 0; i < n; i++)
        memcpy(s + i * len, ch, len);
    s[len * n] = '\0';
    return s;
}

/* Sets the trail_ctx member at @offset to @value. */
static void set_member(trail_ctx *ctx, size_t offset, const char *value)
{
    memcpy((char *)ctx + offset, &value, sizeof value);
}

/*
 * Context strings: at most 255 characters (ip: 64), counted as characters,
 * and UTF-8; one longer or not UTF-8 is refused by every write on every
 * engine, naming the member and its limit, and nothing is written.
 */
static void test_einvalid_context(void **state)
{
    it_db *t = *state;
    trail_conn *db = t->db;
    static const struct {
        const char *name;
        size_t offset, event_offset, max;
    } members[] = {
        { "user_id", offsetof(trail_ctx, user_id), offsetof(trail_change_event, user_id), 255 },
        { "request_id", offsetof(trail_ctx, request_id), offsetof(trail_change_event, request_id),
          255 },
        { "session_id", offsetof(trail_ctx, session_id), offsetof(trail_change_event, session_id),
          255 },
        { "tenant_id", offsetof(trail_ctx, tenant_id), offsetof(trail_change_event, tenant_id),
          255 },
        { "trace_id", offsetof(trail_ctx, trace_id), offsetof(trail_change_event, trace_id), 255 },
        { "span_id", offsetof(trail_ctx, span_id), offsetof(trail_change_event, span_id), 255 },
        { "ip", offsetof(trail_ctx, ip), offsetof(trail_change_event, ip), 64 },
    };
    shop_customer c = { 0 };
    it_customer(db, "ctx@x.org", &c);
    int64_t events = it_rows(t, "trail_change_events");
    shop_customer_create_params cp = SHOP_CUSTOMER_CREATE_INIT;
    cp.email = "new@x.org";
    cp.name = "n";
    cp.secret = "s";
    for (size_t i = 0; i < sizeof members / sizeof members[0]; i++) {
        /* 2-byte characters: a limit in bytes would refuse at_max too. */
        char *at_max = repeat("é", members[i].max), *over = repeat("é", members[i].max + 1);
        char chars[24], limit[24];
        snprintf(chars, sizeof chars, "%zu characters", members[i].max + 1);
        snprintf(limit, sizeof limit, "at most %zu", members[i].max);
        trail_ctx ctx = it_full_ctx;
        shop_customer_update_params u = {
            .id = c.id, .version = c.version, .set = SHOP_CUSTOMER_NAME, .name = members[i].name
        };
        static const char *const not_utf8[] = { "a\xff", "caf\xc3" };
        for (int bad = 0; bad < 3; bad++) {
            set_member(&ctx, members[i].offset, bad < 2 ? not_utf8[bad] : over);
            IT_EXPECT(db, TRAIL_EINVALID, shop_customer_create(db, &ctx, &cp, NULL));
            IT_MSG(db, "trail_ctx.", members[i].name, bad < 2 ? "UTF-8" : chars,
                   bad < 2 ? "UTF-8" : limit);
            IT_EXPECT(db, TRAIL_EINVALID, shop_customer_update(db, &ctx, &u, NULL));
            IT_MSG(db, "trail_ctx.", members[i].name);
            IT_EXPECT(db, TRAIL_EINVALID, shop_customer_delete(db, &ctx, c.id, c.version));
            IT_MSG(db, "trail_ctx.", members[i].name);
        }
        assert_int_equal(it_rows(t, "trail_change_events"), events);
        /* At the limit it is stored exactly. */
        set_member(&ctx, members[i].offset, at_max);
        IT_OK(db, shop_customer_update(db, &ctx, &u, &c));
        events++;
        it_events evs;
        it_history(db, "customers", c.id, &evs);
        assert_int_equal(evs.n, c.version);
        const char *stored;
        memcpy(&stored, (const char *)&evs.ev[evs.n - 1] + members[i].event_offset, sizeof stored);
        assert_non_null(stored);
        assert_string_equal(stored, at_max);
        it_events_free(&evs);
        free(at_max);
        free(over);
    }
    assert_int_equal(it_rows(t, "trail_change_events"), events);
    assert_int_equal(it_rows(t, "customers"), 1);
    shop_customer_clear(&c);
}

/* ---- values larger than MariaDB takes ------------------------------------- */

/* The most bytes whose base64 takes at most @bytes. */
static size_t blob_within(size_t bytes)
{
    return bytes / 4 * 3;
}

/* A customer whose avatar is the first @n bytes of @bytes, into @out. */
static int create_with_avatar(trail_conn *db, const char *email, const unsigned char *bytes,
                              size_t n, shop_customer *out)
{
    shop_customer_create_params p = SHOP_CUSTOMER_CREATE_INIT;
    p.email = email;
    p.name = "n";
    p.secret = "s";
    p.avatar = (trail_blob){ bytes, n };
    return shop_customer_create(db, NULL, &p, out);
}

static int set_avatar(trail_conn *db, shop_customer *c, const unsigned char *bytes, size_t n)
{
    shop_customer_update_params u = {
        .id = c->id, .version = c->version, .set = SHOP_CUSTOMER_AVATAR, .avatar = { bytes, n }
    };
    return shop_customer_update(db, NULL, &u, c);
}

static int set_name(trail_conn *db, shop_customer *c, const char *name)
{
    shop_customer_update_params u = {
        .id = c->id, .version = c->version, .set = SHOP_CUSTOMER_NAME, .name = name
    };
    return shop_customer_update(db, NULL, &u, c);
}

/*
 * An engine that limits the size of one statement (the engine's
 * statement_limit in raw.c): MariaDB takes at most max_allowed_packet bytes
 * in a statement, in a string it builds and in a row it sends, and a change
 * event holds the row as JSON (a blob in base64), an update's the row
 * after and the changed fields before. A write either succeeds whole, row and event, or is
 * refused with TRAIL_EINVALID naming the field and the limit, writing
 * nothing; the connection goes on working. (The test server has MariaDB's
 * default, 16M; MARIADB_MAX_ALLOWED_PACKET=4M for tests/servers/mariadb.sh
 * makes this quicker.) PostgreSQL takes 1 GB in a field, SQLite 1e9 bytes:
 * not tested.
 */
static void test_einvalid_too_large(void **state)
{
    it_db *t = *state;
    const raw_engine *e = it_engine(t);
    if (!e->statement_limit)
        skip();
    trail_conn *db = t->db;
    int64_t max = raw_count(t->url, "%s", e->statement_limit_sql);
    assert_true(max >= 1024 * 1024);
    char limit[96];
    snprintf(limit, sizeof limit, "%s of %lld", e->statement_limit, (long long)max);
    /* The rest of a customer's event takes about 2 kB. */
    size_t under = blob_within((size_t)max - 8192), over = blob_within((size_t)max + 1024);
    size_t half = blob_within((size_t)max / 2 - 8192), huge = (size_t)max / 2 * 3;
    unsigned char *bytes = malloc(huge);
    assert_non_null(bytes);
    for (size_t i = 0; i < huge; i++)
        bytes[i] = (unsigned char)(i * 7 + i / 251);

    shop_customer small = { 0 };
    it_customer(db, "small@x.org", &small);
    int64_t events = it_rows(t, "trail_change_events");

    /* Over: refused before anything is sent (no round trip), by create and by update. */
    shop_customer c = { 0 };
    const size_t refused[] = { over, huge };
    for (size_t i = 0; i < 2; i++) {
        uint64_t trips = trail_round_trips(db);
        IT_EXPECT(db, TRAIL_EINVALID, create_with_avatar(db, "over@x.org", bytes, refused[i], &c));
        IT_MSG(db, "customer.avatar", limit);
        IT_EXPECT(db, TRAIL_EINVALID, set_avatar(db, &small, bytes, refused[i]));
        IT_MSG(db, "customer.avatar", limit);
        assert_int_equal(trail_round_trips(db), trips);
        IT_OK(db, shop_customer_get(db, small.id, &small));
    }
    assert_int_equal(small.version, 1);
    assert_int_equal(it_rows(t, "trail_change_events"), events);
    assert_int_equal(it_rows(t, "customers"), 1);

    /* Under: the row and its event, whole. */
    shop_customer u = { 0 };
    IT_OK(db, create_with_avatar(db, "under@x.org", bytes, under, &u));
    IT_OK(db, shop_customer_get(db, u.id, &u));
    assert_int_equal(u.avatar.len, under);
    assert_memory_equal(u.avatar.data, bytes, under);
    it_events evs;
    it_history(db, "customers", u.id, &evs);
    assert_int_equal(evs.n, 1);
    json_t *v = json_loads(evs.ev[0].new_values, 0, NULL);
    assert_non_null(v);
    assert_int_equal(strlen(json_string_value(json_object_get(v, "avatar"))), (under + 2) / 3 * 4);
    json_decref(v);
    it_events_free(&evs);
    events++;

    /*
     * An update of it to another as large would hold both, before and
     * after: refused, naming the blob; also inside a transaction, which
     * goes on.
     */
    IT_EXPECT(db, TRAIL_EINVALID, set_avatar(db, &u, bytes + 1, under));
    IT_MSG(db, "customer.avatar", limit);
    IT_OK(db, trail_begin(db));
    IT_EXPECT(db, TRAIL_EINVALID, set_avatar(db, &u, bytes + 1, under));
    IT_MSG(db, "customer.avatar", limit);
    IT_OK(db, set_name(db, &small, "in the transaction"));
    IT_OK(db, trail_commit(db));
    events++;
    IT_OK(db, shop_customer_get(db, u.id, &u));
    assert_int_equal(u.version, 1);
    assert_string_equal(u.name, "n");
    assert_int_equal(it_rows(t, "trail_change_events"), events);
    /* A change of another field holds it once (old_values hold the changed fields only). */
    IT_OK(db, set_name(db, &u, "renamed"));
    assert_int_equal(u.version, 2);
    events++;
    /* Its delete holds it once: deleted, with its event. */
    IT_OK(db, shop_customer_delete(db, NULL, u.id, u.version));
    events++;

    /* Another shrinks: the old value and the small new one fit. */
    IT_OK(db, create_with_avatar(db, "shrinks@x.org", bytes, under, &c));
    IT_OK(db, set_avatar(db, &c, bytes + 1, 1000));
    IT_OK(db, shop_customer_get(db, c.id, &c));
    assert_int_equal(c.version, 2);
    assert_memory_equal(c.avatar.data, bytes + 1, 1000);
    events += 2;

    /* Half the limit: twice that fits one update's event. */
    shop_customer h = { 0 };
    IT_OK(db, create_with_avatar(db, "half@x.org", bytes, half, &h));
    IT_OK(db, set_avatar(db, &h, bytes + 3, half));
    IT_OK(db, set_name(db, &h, "renamed"));
    IT_OK(db, shop_customer_get(db, h.id, &h));
    assert_int_equal(h.version, 3);
    assert_memory_equal(h.avatar.data, bytes + 3, half);
    events += 3;

    assert_int_equal(it_rows(t, "trail_change_events"), events);
    assert_int_equal(it_rows(t, "customers"), 3);
    free(bytes);
    shop_customer_clear(&h);
    shop_customer_clear(&c);
    shop_customer_clear(&u);
    shop_customer_clear(&small);
}

/* What the reference tests work on: a customer and its order. */
typedef struct ordered {
    shop_customer c;
    shop_order o;
} ordered;

static void ordered_make(trail_conn *db, ordered *x)
{
    *x = (ordered){ 0 };
    it_customer(db, "ref@x.org", &x->c);
    shop_order_create_params op = SHOP_ORDER_CREATE_INIT;
    op.customer = x->c.id;
    op.total = 1;
    IT_OK(db, shop_order_create(db, NULL, &op, &x->o));
}

static void ordered_clear(ordered *x)
{
    shop_order_clear(&x->o);
    shop_customer_clear(&x->c);
}

/* Dangling on create: a ULID ref, an int64 ref, a nullable self-reference. */
static void test_eref_create(void **state)
{
    it_db *t = *state;
    trail_conn *db = t->db;
    ordered x;
    ordered_make(db, &x);
    int64_t before = it_rows(t, "trail_change_events");

    shop_order_create_params op = SHOP_ORDER_CREATE_INIT;
    op.customer = NO_SUCH_ID;
    op.total = 1;
    IT_EXPECT(db, TRAIL_EREF, shop_order_create(db, NULL, &op, NULL));
    assert_int_equal(it_rows(t, "trail_change_events"), before);
    shop_order_line_create_params lp = SHOP_ORDER_LINE_CREATE_INIT;
    lp.purchase = x.o.id;
    lp.product = 999999;
    lp.unit_price = 1;
    IT_EXPECT(db, TRAIL_EREF, shop_order_line_create(db, NULL, &lp, NULL));
    IT_MSG(db, "order_line.product: there is no product 999999");
    everything_account_create_params ap = EVERYTHING_ACCOUNT_CREATE_INIT;
    ap.handle = "h";
    ap.parent = 999999;
    ap.parent_null = false;
    ap.label = "l";
    IT_EXPECT(db, TRAIL_EREF, everything_account_create(db, NULL, &ap, NULL));
    assert_int_equal(it_rows(t, "trail_change_events"), before);
    assert_int_equal(it_rows(t, "orders") + it_rows(t, "order_line") + it_rows(t, "accounts"), 1);

    /* Which record could not be written: the message names the field and the missing record. */
    IT_EXPECT(db, TRAIL_EREF, shop_order_create(db, NULL, &op, NULL));
    IT_MSG(db, "order.customer: there is no customer");
    ordered_clear(&x);
}

static void test_eref_update(void **state)
{
    it_db *t = *state;
    trail_conn *db = t->db;
    ordered x;
    ordered_make(db, &x);
    int64_t before = it_rows(t, "trail_change_events");

    shop_order_update_params ou = {
        .id = x.o.id, .version = 1, .set = SHOP_ORDER_CUSTOMER, .customer = NO_SUCH_ID
    };
    IT_EXPECT(db, TRAIL_EREF, shop_order_update(db, NULL, &ou, NULL));
    assert_int_equal(it_rows(t, "trail_change_events"), before);
    shop_order now = { 0 };
    IT_OK(db, shop_order_get(db, x.o.id, &now));
    assert_int_equal(now.version, 1);
    assert_string_equal(now.customer, x.c.id);
    shop_order_clear(&now);

    IT_EXPECT(db, TRAIL_EREF, shop_order_update(db, NULL, &ou, NULL));
    IT_MSG(db, "order");
    ordered_clear(&x);
}

/* Delete of a row still referenced, by a ULID ref and by an int64 ref. */
static void test_eref_delete(void **state)
{
    it_db *t = *state;
    trail_conn *db = t->db;
    ordered x;
    ordered_make(db, &x);
    shop_product_create_params pp = SHOP_PRODUCT_CREATE_INIT;
    pp.sku = "S";
    pp.title = "t";
    pp.price = 1;
    shop_product p = { 0 };
    IT_OK(db, shop_product_create(db, NULL, &pp, &p));
    shop_order_line_create_params lp = SHOP_ORDER_LINE_CREATE_INIT;
    lp.purchase = x.o.id;
    lp.product = p.id;
    lp.unit_price = 1;
    IT_OK(db, shop_order_line_create(db, NULL, &lp, NULL));
    int64_t before = it_rows(t, "trail_change_events");

    IT_EXPECT(db, TRAIL_EREF, shop_customer_delete(db, NULL, x.c.id, 1));
    IT_MSG(db, "customer", x.c.id, "referenced");
    IT_EXPECT(db, TRAIL_EREF, shop_product_delete(db, NULL, p.id, 1));
    IT_MSG(db, "product", "referenced");
    IT_EXPECT(db, TRAIL_EREF, shop_order_delete(db, NULL, x.o.id, 1));
    IT_MSG(db, "order", x.o.id, "referenced");
    assert_int_equal(it_rows(t, "trail_change_events"), before);
    assert_int_equal(it_rows(t, "customers"), 1);
    assert_int_equal(it_rows(t, "products"), 1);
    assert_int_equal(it_rows(t, "orders"), 1);
    shop_product_clear(&p);
    ordered_clear(&x);
}

static int count_row(void *userdata, const shop_customer *row)
{
    (void)row;
    ++*(int *)userdata;
    return 0;
}

static void test_earg(void **state)
{
    it_db *t = *state;
    trail_conn *db = t->db;
    shop_customer c = { 0 };
    it_customer(db, "arg@x.org", &c);
    int64_t before = it_rows(t, "trail_change_events");

    trail_conn *other = NULL;
    IT_EXPECT(other, TRAIL_EARG, trail_open(&other, "nosuch://db", NULL));
    IT_MSG(other, "nosuch://db");
    trail_close(other);
    IT_EXPECT(NULL, TRAIL_EARG, trail_open(&other, NULL, NULL));
    trail_close(other);
    IT_EXPECT(NULL, TRAIL_EARG, trail_open(NULL, t->url, NULL));

    shop_customer_create_params cp = SHOP_CUSTOMER_CREATE_INIT;
    cp.email = "x@x.org";
    cp.name = "n";
    cp.secret = "s";
    IT_EXPECT(db, TRAIL_EARG, shop_customer_create(db, NULL, NULL, NULL));
    IT_EXPECT(NULL, TRAIL_EARG, shop_customer_create(NULL, NULL, &cp, NULL));
    IT_EXPECT(db, TRAIL_EARG, shop_customer_get(db, NULL, &c));
    IT_EXPECT(db, TRAIL_EARG, shop_customer_get(db, c.id, NULL));
    IT_EXPECT(NULL, TRAIL_EARG, shop_customer_get(NULL, c.id, &c));
    IT_EXPECT(db, TRAIL_EARG, shop_customer_find_by_email(db, NULL, &c));
    IT_EXPECT(db, TRAIL_EARG, shop_customer_update(db, NULL, NULL, NULL));
    shop_customer_update_params u = { .id = NULL, .version = 1, .set = SHOP_CUSTOMER_NAME };
    u.name = "n";
    IT_EXPECT(db, TRAIL_EARG, shop_customer_update(db, NULL, &u, NULL));
    IT_EXPECT(db, TRAIL_EARG, shop_customer_delete(db, NULL, NULL, 1));
    int n = 0;
    IT_EXPECT(db, TRAIL_EARG, shop_customer_list(db, NULL, 10, NULL, NULL));
    IT_EXPECT(db, TRAIL_EARG, shop_customer_list(db, NULL, 0, count_row, &n));
    IT_MSG(db, "limit");
    IT_EXPECT(db, TRAIL_EARG, shop_customer_list(db, NULL, -1, count_row, &n));
    assert_int_equal(n, 0);

    /* Transactions: one at a time, and only an open one ends. */
    IT_EXPECT(db, TRAIL_EARG, trail_commit(db));
    IT_EXPECT(db, TRAIL_EARG, trail_rollback(db));
    IT_OK(db, trail_begin(db));
    IT_EXPECT(db, TRAIL_EARG, trail_begin(db));
    IT_MSG(db, "already");
    IT_EXPECT(db, TRAIL_EARG, shop_migrate(db));
    IT_OK(db, trail_rollback(db));
    IT_EXPECT(NULL, TRAIL_EARG, trail_begin(NULL));

    trail_cursor cur = { 0 };
    IT_EXPECT(db, TRAIL_EARG, trail_events_since(db, &cur, 0, NULL, NULL));

    /* The connection is still good after all that. */
    IT_OK(db, shop_customer_get(db, c.id, &c));
    assert_int_equal(it_rows(t, "trail_change_events"), before);
    assert_int_equal(it_rows(t, "customers"), 1);
    shop_customer_clear(&c);
}

/* Before any migrate, the generated API says what to do instead of failing in SQL. */
static void test_earg_not_migrated(void **state)
{
    it_db *t = *state;
    t->db = it_open(t, NULL);
    shop_customer_create_params cp = SHOP_CUSTOMER_CREATE_INIT;
    cp.email = "x@x.org";
    cp.name = "n";
    cp.secret = "s";
    IT_EXPECT(t->db, TRAIL_EARG, shop_customer_create(t->db, NULL, &cp, NULL));
    IT_MSG(t->db, "migrate");
}

/* Another connection holds the write lock; this one gives up after its busy timeout. */
static void test_ebusy(void **state)
{
    it_db *t = *state;
    shop_customer c = { 0 };
    it_customer(t->db, "busy@x.org", &c);
    int64_t before = it_rows(t, "trail_change_events");

    trail_open_opts opts = { .busy_timeout_ms = 200 };
    trail_conn *db = it_open(t, &opts);
    raw_lock *lock = raw_lock_row(t->url, "customers", c.id);
    assert_non_null(lock);

    shop_customer_update_params u = {
        .id = c.id, .version = 1, .set = SHOP_CUSTOMER_NAME, .name = "later"
    };
    int64_t start = it_now_ms();
    IT_EXPECT(db, TRAIL_EBUSY, shop_customer_update(db, NULL, &u, NULL));
    int64_t waited = it_now_ms() - start;
    assert_true(strlen(trail_errmsg(db)) > 0);
    /* It waited for the lock, but by its own timeout, not the default 5 s. */
    assert_in_range(waited, 150, 4000);
    IT_EXPECT(db, TRAIL_EBUSY, shop_customer_delete(db, NULL, c.id, 1));

    raw_unlock(lock);
    assert_int_equal(it_rows(t, "trail_change_events"), before);
    IT_OK(db, shop_customer_update(db, NULL, &u, &c));
    assert_int_equal(c.version, 2);
    assert_int_equal(it_rows(t, "trail_change_events"), before + 1);
    shop_customer_clear(&c);
    trail_close(db);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_enotfound, it_setup, it_teardown),
        cmocka_unit_test_setup_teardown(test_econflict, it_setup, it_teardown),
        cmocka_unit_test_setup_teardown(test_eunique, it_setup, it_teardown),
        cmocka_unit_test_setup_teardown(test_einvalid_create, it_setup, it_teardown),
        cmocka_unit_test_setup_teardown(test_einvalid_update, it_setup, it_teardown),
        cmocka_unit_test_setup_teardown(test_einvalid_context, it_setup, it_teardown),
        cmocka_unit_test_setup_teardown(test_einvalid_too_large, it_setup, it_teardown),
        cmocka_unit_test_setup_teardown(test_eref_create, it_setup, it_teardown),
        cmocka_unit_test_setup_teardown(test_eref_update, it_setup, it_teardown),
        cmocka_unit_test_setup_teardown(test_eref_delete, it_setup, it_teardown),
        cmocka_unit_test_setup_teardown(test_earg, it_setup, it_teardown),
        cmocka_unit_test_setup_teardown(test_earg_not_migrated, it_setup_empty, it_teardown),
        cmocka_unit_test_setup_teardown(test_ebusy, it_setup, it_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
