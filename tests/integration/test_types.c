/*
 * test_types.c - every type of the schema language round-trips exactly,
 * through create (or update) and get, and through the event's JSON (SPEC
 * §4: text as strings, blobs base64, dates and timestamps ISO 8601, bools
 * true/false): NULL of each nullable type, unicode and maximum-length text
 * (max counts characters), the extremes of int32 and int64, empty blobs and
 * blobs holding NUL bytes, JSON, dates and timestamps before 1970, doubles.
 *
 * Expected values are written out here (base64 and ISO text computed by
 * hand) and compared with jansson, never with trail's own output.
 */
#define _POSIX_C_SOURCE 200809L
#include "it_common.h"
#include "driver/driver.h" /* the drivers themselves, for their conversions */

#include <math.h>
#include <stdlib.h>
#include <string.h>

static void expect_blob(trail_blob got, const void *want, size_t len)
{
    assert_non_null(got.data); /* also when empty: empty is not NULL */
    assert_int_equal(got.len, len);
    assert_memory_equal(got.data, want, len ? len : 1);
}

static void expect_double(double got, double want)
{
    /* Bit for bit: 0.1 read back as 0.10000000000000002 is a different value. */
    assert_memory_equal(&got, &want, sizeof got);
}

/* ---- everything.sample with a value in every field ------------------------ */

#define WORDS   "Grüße, 世界 🌍 \"q\" \\ tab\there\nline"
#define WORDS_N "ä€𝄞漢字ñöü✓é" /* 10 characters, 26 bytes: the most words_n takes */
#define DOC     "{\"nested\": {\"list\": [1, -2.5, \"ü\", null, true]}, \"empty\": {}}"
static const unsigned char payload[] = { 0x00, 0x01, 0xff, 0x00, 'a' }; /* "AAH/AGE=" */

/*
 * Designated initializers for both the create and the update params. They
 * give every member a value and leave every _null flag false, so a create
 * params struct made of them alone (beside its mark, CREATE_FULL) holds what
 * its _CREATE_INIT would have held after assigning each of them.
 */
#define FULL_VALUES(owner_, owner_n_)                                                              \
    .flag = true, .flag_n = false, .small = 10, .small_n = INT32_MIN, .big = INT64_MAX,            \
    .big_n = INT64_MIN, .ratio = -1.5, .ratio_n = 0.1, .words = WORDS, .words_n = WORDS_N,         \
    .payload = { payload, sizeof payload }, .payload_n = { "", 0 },                                \
    .day = -25508,                           /* 1900-03-01 */                                      \
        .day_n = -1,                         /* 1969-12-31 */                                      \
        .moment = -1,                        /* 1969-12-31T23:59:59.999Z */                        \
        .moment_n = INT64_C(-2208988800000), /* 1900-01-01T00:00:00.000Z */                        \
        .doc = DOC, .doc_n = "[]", .color = EVERYTHING_SAMPLE_COLOR_BLUE,                          \
    .color_n = EVERYTHING_SAMPLE_COLOR_N_UP, .owner = (owner_), .owner_n = (owner_n_),             \
    .code = INT64_MIN, .serial = INT32_MAX, .opened_on = 0, .token = "tök€n",                      \
    .scratch = "{\"s\": 1}"

#define CREATE_FULL(owner_, owner_n_)                                                              \
    {                                                                                              \
        .trail_init = TRAIL_CREATE_INIT_MARK, FULL_VALUES(owner_, owner_n_)                        \
    }

/* Every field's bit. */
#define ALL_FIELDS (~UINT64_C(0) >> (64 - 27))

static void expect_full(const everything_sample *s, int64_t owner, int64_t owner_n)
{
    assert_true(s->flag);
    assert_false(s->flag_n_null);
    assert_false(s->flag_n);
    assert_int_equal(s->small, 10);
    assert_false(s->small_n_null);
    assert_int_equal(s->small_n, INT32_MIN);
    assert_int_equal(s->big, INT64_MAX);
    assert_false(s->big_n_null);
    assert_int_equal(s->big_n, INT64_MIN);
    expect_double(s->ratio, -1.5);
    assert_false(s->ratio_n_null);
    expect_double(s->ratio_n, 0.1);
    assert_string_equal(s->words, WORDS);
    assert_string_equal(s->words_n, WORDS_N);
    expect_blob(s->payload, payload, sizeof payload);
    expect_blob(s->payload_n, "", 0);
    assert_int_equal(s->day, -25508);
    assert_false(s->day_n_null);
    assert_int_equal(s->day_n, -1);
    assert_int_equal(s->moment, -1);
    assert_false(s->moment_n_null);
    assert_int_equal(s->moment_n, INT64_C(-2208988800000));
    IT_JSON_EQ(s->doc, DOC);
    IT_JSON_EQ(s->doc_n, "[]");
    assert_int_equal(s->color, EVERYTHING_SAMPLE_COLOR_BLUE);
    assert_false(s->color_n_null);
    assert_int_equal(s->color_n, EVERYTHING_SAMPLE_COLOR_N_UP);
    assert_int_equal(s->owner, owner);
    assert_false(s->owner_n_null);
    assert_int_equal(s->owner_n, owner_n);
    assert_int_equal(s->code, INT64_MIN);
    assert_false(s->serial_null);
    assert_int_equal(s->serial, INT32_MAX);
    assert_false(s->opened_on_null);
    assert_int_equal(s->opened_on, 0);
    assert_string_equal(s->token, "tök€n");
    IT_JSON_EQ(s->scratch, "{\"s\": 1}");
}

/* The event JSON of expect_full()'s values: token redacted, scratch left out. */
static json_t *full_json(const char *id, int64_t version, int64_t owner, int64_t owner_n)
{
    json_t *j = json_pack(
        "{s:s, s:I, s:b, s:b, s:i, s:i, s:I, s:I, s:f, s:f, s:s, s:s, s:s, s:s,"
        " s:s, s:s, s:s, s:s, s:o, s:o, s:s, s:s, s:I, s:I, s:I, s:i, s:s, s:s}",
        "id", id, "version", (json_int_t)version, "flag", 1, "flag_n", 0, "small", 10, "small_n",
        INT32_MIN, "big", (json_int_t)INT64_MAX, "big_n", (json_int_t)INT64_MIN, "ratio", -1.5,
        "ratio_n", 0.1, "words", WORDS, "words_n", WORDS_N, "payload", "AAH/AGE=", "payload_n", "",
        "day", "1900-03-01", "day_n", "1969-12-31", "moment", "1969-12-31T23:59:59.999Z",
        "moment_n", "1900-01-01T00:00:00.000Z", "doc", json_loads(DOC, 0, NULL), "doc_n",
        json_array(), "color", "blue", "color_n", "up", "owner", (json_int_t)owner, "owner_n",
        (json_int_t)owner_n, "code", (json_int_t)INT64_MIN, "serial", INT32_MAX, "opened_on",
        "1970-01-01", "token", "[redacted]");
    assert_non_null(j);
    return j;
}

static void test_every_type_with_a_value(void **state)
{
    trail_conn *db = ((it_db *)*state)->db;
    int64_t owner = it_account(db, "owner"), owner_n = it_account(db, "other");
    everything_sample_create_params p = CREATE_FULL(owner, owner_n);
    everything_sample made = { 0 }, got = { 0 };
    IT_OK(db, everything_sample_create(db, NULL, &p, &made));
    expect_full(&made, owner, owner_n);
    IT_OK(db, everything_sample_get(db, made.id, &got));
    expect_full(&got, owner, owner_n);

    char *values = it_latest_values(db, "samples", made.id);
    IT_JSON_IS(values, full_json(made.id, 1, owner, owner_n));
    free(values);
    everything_sample_clear(&made);
    everything_sample_clear(&got);
}

/* ---- NULL in every nullable field ----------------------------------------- */

static void expect_all_null(const everything_sample *s)
{
    assert_true(s->flag_n_null && s->small_n_null && s->big_n_null && s->ratio_n_null &&
                s->day_n_null && s->moment_n_null && s->color_n_null && s->owner_n_null &&
                s->serial_null && s->opened_on_null);
    assert_null(s->words_n);
    assert_null(s->payload_n.data);
    assert_null(s->doc_n);
    assert_null(s->scratch);
}

static void test_every_type_null(void **state)
{
    trail_conn *db = ((it_db *)*state)->db;
    int64_t owner = it_account(db, "owner");
    /* day_n has a default: only its bit with _null makes it NULL. */
    everything_sample_create_params p = EVERYTHING_SAMPLE_CREATE_INIT;
    p.day_n_null = true;
    p.flag_n_null = true;
    p.small_n_null = true;
    p.big_n_null = true;
    p.ratio_n_null = true;
    p.moment_n_null = true;
    p.color_n_null = true;
    p.owner_n_null = true;
    p.serial_null = true;
    p.opened_on_null = true;
    p.payload = (trail_blob){ "", 0 };
    p.owner = owner;
    p.code = 1;
    p.token = "t";
    everything_sample made = { 0 }, got = { 0 };
    IT_OK(db, everything_sample_create(db, NULL, &p, &made));
    expect_all_null(&made);
    IT_OK(db, everything_sample_get(db, made.id, &got));
    expect_all_null(&got);

    char *values = it_latest_values(db, "samples", made.id);
    IT_JSON_EQ(
        values,
        "{\"id\": \"%s\", \"version\": 1, \"flag\": false, \"flag_n\": null, \"small\": -5,"
        " \"small_n\": null, \"big\": 42, \"big_n\": null, \"ratio\": 2.5,"
        " \"ratio_n\": null, \"words\": \"He said \\\"hi\\\", it's a back\\\\slash: \\\\\\\\"
        " naïve café ✓ ?\?!\", \"words_n\": null, \"payload\": \"\", \"payload_n\": null,"
        " \"day\": \"1969-12-31\", \"day_n\": null, \"moment\": \"2000-02-29T12:34:56.789Z\","
        " \"moment_n\": null, \"doc\": {\"k\": [1, \"two\", null], \"q\": \"a\\\"b\\\\c\","
        " \"ü\": true}, \"doc_n\": null, \"color\": \"green\", \"color_n\": null,"
        " \"owner\": %lld, \"owner_n\": null, \"code\": 1, \"serial\": null,"
        " \"opened_on\": null, \"token\": \"[redacted]\"}",
        made.id, (long long)owner);
    free(values);
    everything_sample_clear(&made);
    everything_sample_clear(&got);
}

/* From all NULL to a value in every field and back, through update: its own code path. */
static void test_every_type_through_update(void **state)
{
    trail_conn *db = ((it_db *)*state)->db;
    int64_t owner = it_account(db, "owner"), owner_n = it_account(db, "other");
    everything_sample_create_params c = CREATE_FULL(owner, owner_n);
    everything_sample s = { 0 };
    IT_OK(db, everything_sample_create(db, NULL, &c, &s));

    /* Everything to NULL (and the non-nullable fields to something else)... */
    everything_sample_update_params u = {
        .id = s.id,
        .version = 1,
        .set = ALL_FIELDS,
        .flag_n_null = true,
        .small_n_null = true,
        .big_n_null = true,
        .ratio_n_null = true,
        .day_n_null = true,
        .moment_n_null = true,
        .color_n_null = true,
        .owner_n_null = true,
        .serial_null = true,
        .opened_on_null = true,
        .small = -10,
        .big = 1,
        .ratio = 1000000.25,
        .words = "",
        .payload = { "\0", 1 },
        .day = 47846, /* 2100-12-31 */
        .moment = INT64_C(-1234567890123),
        .doc = "\"just a string\"",
        .color = EVERYTHING_SAMPLE_COLOR_RED,
        .owner = owner_n,
        .code = INT64_MAX,
        .token = "",
    };
    IT_OK(db, everything_sample_update(db, NULL, &u, &s));
    assert_int_equal(s.version, 2);
    IT_OK(db, everything_sample_get(db, s.id, &s));
    expect_all_null(&s);
    assert_false(s.flag);
    assert_int_equal(s.small, -10);
    assert_int_equal(s.big, 1);
    expect_double(s.ratio, 1000000.25);
    assert_string_equal(s.words, "");
    expect_blob(s.payload, "\0", 1);
    assert_int_equal(s.day, 47846);
    assert_int_equal(s.moment, INT64_C(-1234567890123));
    IT_JSON_EQ(s.doc, "\"just a string\"");
    assert_int_equal(s.color, EVERYTHING_SAMPLE_COLOR_RED);
    assert_int_equal(s.owner, owner_n);
    assert_int_equal(s.code, INT64_MAX);
    assert_string_equal(s.token, "");
    char *values = it_latest_values(db, "samples", s.id);
    IT_JSON_EQ(values,
               "{\"id\": \"%s\", \"version\": 2, \"flag\": false, \"flag_n\": null, \"small\": -10,"
               " \"small_n\": null, \"big\": 1, \"big_n\": null, \"ratio\": 1000000.25,"
               " \"ratio_n\": null, \"words\": \"\", \"words_n\": null, \"payload\": \"AA==\","
               " \"payload_n\": null, \"day\": \"2100-12-31\", \"day_n\": null,"
               " \"moment\": \"1930-11-18T00:28:29.877Z\", \"moment_n\": null,"
               " \"doc\": \"just a string\", \"doc_n\": null, \"color\": \"red\","
               " \"color_n\": null, \"owner\": %lld, \"owner_n\": null,"
               " \"code\": 9223372036854775807, \"serial\": null, \"opened_on\": null,"
               " \"token\": \"[redacted]\"}",
               s.id, (long long)owner_n);
    free(values);

    /* ... and back to the values of the create. */
    everything_sample_update_params back = {
        .id = s.id, .version = 2, .set = ALL_FIELDS, FULL_VALUES(owner, owner_n)
    };
    IT_OK(db, everything_sample_update(db, NULL, &back, &s));
    assert_int_equal(s.version, 3);
    IT_OK(db, everything_sample_get(db, s.id, &s));
    expect_full(&s, owner, owner_n);
    values = it_latest_values(db, "samples", s.id);
    IT_JSON_IS(values, full_json(s.id, 3, owner, owner_n));
    free(values);
    everything_sample_clear(&s);
}

/* ---- text: unicode, and max counting characters, not bytes ---------------- */

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

static void test_text_at_max_length(void **state)
{
    trail_conn *db = ((it_db *)*state)->db;
    /* customer.email: max 254, in 2-byte characters (508 bytes). */
    char *at_max = repeat("é", 254), *over = repeat("é", 255);
    shop_customer_create_params cp = SHOP_CUSTOMER_CREATE_INIT;
    cp.email = at_max;
    cp.name = "ñame 名前";
    cp.secret = "s";
    shop_customer c = { 0 };
    IT_OK(db, shop_customer_create(db, NULL, &cp, &c));
    IT_OK(db, shop_customer_get(db, c.id, &c));
    assert_string_equal(c.email, at_max);
    assert_string_equal(c.name, "ñame 名前");
    char *values = it_latest_values(db, "customers", c.id);
    json_t *v = json_loads(values, 0, NULL);
    assert_non_null(v);
    assert_string_equal(json_string_value(json_object_get(v, "email")), at_max);
    assert_string_equal(json_string_value(json_object_get(v, "name")), "ñame 名前");
    json_decref(v);
    free(values);
    cp.email = over;
    IT_EXPECT(db, TRAIL_EINVALID, shop_customer_create(db, NULL, &cp, NULL));
    IT_MSG(db, "customer.email", "255", "254");

    /* sample_tag.note: max 255, in 4-byte characters (1020 bytes). */
    free(at_max);
    free(over);
    at_max = repeat("😀", 255);
    over = repeat("😀", 256);
    everything_sample_create_params sp = EVERYTHING_SAMPLE_CREATE_INIT;
    sp.payload = (trail_blob){ "", 0 };
    sp.owner = it_account(db, "o");
    sp.code = 1;
    sp.token = "t";
    everything_sample s = { 0 };
    IT_OK(db, everything_sample_create(db, NULL, &sp, &s));
    everything_sample_tag_create_params tp = EVERYTHING_SAMPLE_TAG_CREATE_INIT;
    tp.sample = s.id;
    tp.note = at_max;
    everything_sample_tag g = { 0 };
    IT_OK(db, everything_sample_tag_create(db, NULL, &tp, &g));
    IT_OK(db, everything_sample_tag_get(db, g.id, &g));
    assert_string_equal(g.note, at_max);
    values = it_latest_values(db, "sample_tag", g.id);
    IT_JSON_IS(values, json_pack("{s:s, s:i, s:s, s:n, s:s}", "id", g.id, "version", 1, "sample",
                                 s.id, "tag", "note", at_max));
    free(values);
    tp.note = over;
    IT_EXPECT(db, TRAIL_EINVALID, everything_sample_tag_create(db, NULL, &tp, NULL));
    IT_MSG(db, "sample_tag.note", "256", "255");
    free(at_max);
    free(over);
    everything_sample_tag_clear(&g);
    everything_sample_clear(&s);
    shop_customer_clear(&c);
}

/* ---- integers at the ends of their range ----------------------------------- */

static void test_int64_extremes(void **state)
{
    trail_conn *db = ((it_db *)*state)->db;
    static const int64_t values[] = { INT64_MIN, INT64_MAX, 0, -1, INT64_MIN + 1 };
    everything_account_create_params p = EVERYTHING_ACCOUNT_CREATE_INIT;
    p.handle = "rich";
    p.balance = INT64_MIN;
    p.label = "l";
    everything_account a = { 0 };
    IT_OK(db, everything_account_create(db, NULL, &p, &a));
    for (size_t i = 0; i < sizeof values / sizeof values[0]; i++) {
        if (i > 0) {
            everything_account_update_params u = { .id = a.id,
                                                   .version = a.version,
                                                   .set = EVERYTHING_ACCOUNT_BALANCE,
                                                   .balance = values[i] };
            IT_OK(db, everything_account_update(db, NULL, &u, &a));
        }
        IT_OK(db, everything_account_get(db, a.id, &a));
        assert_int_equal(a.balance, values[i]);
        char id[24];
        snprintf(id, sizeof id, "%lld", (long long)a.id);
        char *json = it_latest_values(db, "accounts", id);
        IT_JSON_EQ(json,
                   "{\"id\": %s, \"version\": %zu, \"handle\": \"rich\", \"parent\": null,"
                   " \"level\": 1, \"balance\": %lld, \"status\": \"active\", \"label\": \"l\"}",
                   id, i + 1, (long long)values[i]);
        free(json);
    }
    everything_account_clear(&a);
}

/* ---- doubles ------------------------------------------------------------------ */

static void test_doubles(void **state)
{
    trail_conn *db = ((it_db *)*state)->db;
    static const double values[] = {
        0.1,
        -0.001,
        -1234.5678,
        3.0,
        1e300,
        -1e-300,
        5e-324,
        1.7976931348623157e308,
        0.30000000000000004,
        2.0 / 3.0,
    };
    shop_customer c = { 0 };
    it_customer(db, "float@x.org", &c);
    for (size_t i = 0; i < sizeof values / sizeof values[0]; i++) {
        shop_customer_update_params u = {
            .id = c.id, .version = c.version, .set = SHOP_CUSTOMER_RATING, .rating = values[i]
        };
        IT_OK(db, shop_customer_update(db, NULL, &u, &c));
        IT_OK(db, shop_customer_get(db, c.id, &c));
        assert_false(c.rating_null);
        expect_double(c.rating, values[i]);
        char *json = it_latest_values(db, "customers", c.id);
        json_t *v = json_loads(json, 0, NULL);
        assert_non_null(v);
        json_t *r = json_object_get(v, "rating");
        assert_true(json_is_real(r));
        expect_double(json_real_value(r), values[i]);
        json_decref(v);
        free(json);
    }
    shop_customer_clear(&c);
}

/* ---- blobs -------------------------------------------------------------------- */

static void test_blobs(void **state)
{
    trail_conn *db = ((it_db *)*state)->db;
    static const struct {
        const void *data;
        size_t len;
        const char *base64; /* NULL: SQL NULL */
    } cases[] = {
        { "", 0, "" },     { "\0\0\0", 3, "AAAA" },   { payload, sizeof payload, "AAH/AGE=" },
        { NULL, 0, NULL }, { "\xfb\xff", 2, "+/8=" },
    };
    shop_customer c = { 0 };
    it_customer(db, "blob@x.org", &c);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        shop_customer_update_params u = { .id = c.id,
                                          .version = c.version,
                                          .set = SHOP_CUSTOMER_AVATAR,
                                          .avatar = { cases[i].data, cases[i].len } };
        IT_OK(db, shop_customer_update(db, NULL, &u, &c));
        IT_OK(db, shop_customer_get(db, c.id, &c));
        if (cases[i].data)
            expect_blob(c.avatar, cases[i].data, cases[i].len);
        else
            assert_null(c.avatar.data);
        char *json = it_latest_values(db, "customers", c.id);
        json_t *v = json_loads(json, 0, NULL);
        json_t *a = json_object_get(v, "avatar");
        if (cases[i].base64)
            assert_string_equal(json_string_value(a), cases[i].base64);
        else
            assert_true(json_is_null(a));
        json_decref(v);
        free(json);
    }

    /* product.photo: at most 1 MiB. */
    size_t max = 1048576;
    unsigned char *big = malloc(max + 1);
    assert_non_null(big);
    for (size_t i = 0; i <= max; i++)
        big[i] = (unsigned char)(i * 7 + i / 256);
    shop_product_create_params pp = SHOP_PRODUCT_CREATE_INIT;
    pp.sku = "BIG";
    pp.title = "t";
    pp.price = 1;
    pp.photo = (trail_blob){ big, max };
    shop_product p = { 0 };
    IT_OK(db, shop_product_create(db, NULL, &pp, &p));
    IT_OK(db, shop_product_get(db, p.id, &p));
    expect_blob(p.photo, big, max);
    pp.photo.len = max + 1;
    pp.sku = "BIGGER";
    IT_EXPECT(db, TRAIL_EINVALID, shop_product_create(db, NULL, &pp, NULL));
    IT_MSG(db, "product.photo", "1048577", "1048576");
    free(big);
    shop_product_clear(&p);
    shop_customer_clear(&c);
}

/* ---- dates and timestamps ----------------------------------------------------- */

static void test_dates_and_timestamps(void **state)
{
    trail_conn *db = ((it_db *)*state)->db;
    static const struct {
        int32_t days;
        const char *date;
        int64_t ms;
        const char *timestamp;
    } cases[] = {
        { -25508, "1900-03-01", INT64_C(-2208988800000), "1900-01-01T00:00:00.000Z" },
        { -1, "1969-12-31", -1, "1969-12-31T23:59:59.999Z" },
        { -24048, "1904-02-29", -86400001, "1969-12-30T23:59:59.999Z" },
        { 0, "1970-01-01", 0, "1970-01-01T00:00:00.000Z" },
        { 11016, "2000-02-29", INT64_C(951827696789), "2000-02-29T12:34:56.789Z" },
        { 47846, "2100-12-31", INT64_C(-1234567890123), "1930-11-18T00:28:29.877Z" },
    };
    shop_customer c = { 0 };
    it_customer(db, "time@x.org", &c);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        shop_customer_update_params u = { .id = c.id,
                                          .version = c.version,
                                          .set = SHOP_CUSTOMER_BORN | SHOP_CUSTOMER_SEEN_AT,
                                          .born = cases[i].days,
                                          .seen_at = cases[i].ms };
        IT_OK(db, shop_customer_update(db, NULL, &u, &c));
        IT_OK(db, shop_customer_get(db, c.id, &c));
        assert_false(c.born_null || c.seen_at_null);
        assert_int_equal(c.born, cases[i].days);
        assert_int_equal(c.seen_at, cases[i].ms);
        char *json = it_latest_values(db, "customers", c.id);
        json_t *v = json_loads(json, 0, NULL);
        assert_string_equal(json_string_value(json_object_get(v, "born")), cases[i].date);
        assert_string_equal(json_string_value(json_object_get(v, "seen_at")), cases[i].timestamp);
        json_decref(v);
        free(json);
    }
    shop_customer_clear(&c);
}

/* ---- text compared exactly: no padding, no folding of case or accents ------ */

/*
 * Unique text keys that differ from one another only by trailing or
 * leading spaces, case, accents (composed or combining), width or one
 * 4-byte character: every engine keeps them apart, finds each by its
 * exact value, and records each exactly.
 */
static const char *const distinct_keys[] = {
    "a",
    "a ",
    "a  ",
    " a",
    "A",
    "á",
    "a\t",
    "Zoë",
    "Zoe\xcc\x88" /* e + combining diaeresis */,
    "ZOË",
    "日本",
    "日本 ",
    "🌍",
    "🌍🌍",
    "ß",
    "ss",
    "ａ" /* fullwidth a */,
};
#define N_DISTINCT (sizeof distinct_keys / sizeof distinct_keys[0])

/* The string member @key of the JSON object @json; fails the test if there is none. */
static void expect_json_string(const char *json, const char *key, const char *want)
{
    json_t *v = json_loads(json, 0, NULL);
    assert_non_null(v);
    const char *got = json_string_value(json_object_get(v, key));
    assert_non_null(got);
    assert_string_equal(got, want);
    json_decref(v);
}

static void test_text_keys_compared_exactly(void **state)
{
    trail_conn *db = ((it_db *)*state)->db;
    int64_t ids[N_DISTINCT];
    for (size_t i = 0; i < N_DISTINCT; i++) {
        shop_product_create_params p = SHOP_PRODUCT_CREATE_INIT;
        p.sku = distinct_keys[i];
        p.title = "t";
        p.price = 1;
        shop_product made = { 0 };
        IT_OK(db, shop_product_create(db, NULL, &p, &made));
        ids[i] = made.id;
        shop_product_clear(&made);
    }
    for (size_t i = 0; i < N_DISTINCT; i++) {
        shop_product got = { 0 };
        IT_OK(db, shop_product_find_by_sku(db, distinct_keys[i], &got));
        assert_int_equal(got.id, ids[i]);
        assert_string_equal(got.sku, distinct_keys[i]);
        char id[24];
        snprintf(id, sizeof id, "%lld", (long long)ids[i]);
        char *values = it_latest_values(db, "products", id);
        expect_json_string(values, "sku", distinct_keys[i]);
        free(values);
        shop_product_clear(&got);
    }
    /* A value no record has, though it pads or folds to one that does. */
    shop_product none = { 0 };
    IT_EXPECT(db, TRAIL_ENOTFOUND, shop_product_find_by_sku(db, "a   ", &none));
    IT_EXPECT(db, TRAIL_ENOTFOUND, shop_product_find_by_sku(db, "日本  ", &none));
    IT_EXPECT(db, TRAIL_ENOTFOUND, shop_product_find_by_sku(db, "Ａ", &none));
    /* The same value again is a duplicate, named as such. */
    shop_product_create_params dup = SHOP_PRODUCT_CREATE_INIT;
    dup.sku = "日本 ";
    dup.title = "t";
    dup.price = 1;
    IT_EXPECT(db, TRAIL_EUNIQUE, shop_product_create(db, NULL, &dup, NULL));
    IT_MSG(db, "product.sku", "日本 ");
    /* A long one is cut in the message between characters: the message stays UTF-8. */
    char *long_key = repeat("日", 30);
    shop_customer c = { 0 };
    it_customer(db, long_key, &c);
    shop_customer_create_params again = SHOP_CUSTOMER_CREATE_INIT;
    again.email = long_key;
    again.name = "n";
    again.secret = "s";
    IT_EXPECT(db, TRAIL_EUNIQUE, shop_customer_create(db, NULL, &again, NULL));
    IT_MSG(db, "customer.email", "日日日");
    json_t *msg = json_string(trail_errmsg(db)); /* NULL for text that is not UTF-8 */
    assert_non_null(msg);
    json_decref(msg);
    shop_customer_clear(&c);
    free(long_key);

    /* An update that adds a trailing space changes the value: written and recorded. */
    shop_product p = { 0 };
    IT_OK(db, shop_product_get(db, ids[0], &p));
    shop_product_update_params u = {
        .id = p.id, .version = p.version, .set = SHOP_PRODUCT_SKU, .sku = "a   "
    };
    IT_OK(db, shop_product_update(db, NULL, &u, &p));
    assert_int_equal(p.version, 2);
    IT_OK(db, shop_product_find_by_sku(db, "a   ", &p));
    assert_int_equal(p.id, ids[0]);
    assert_string_equal(p.sku, "a   ");
    IT_EXPECT(db, TRAIL_ENOTFOUND, shop_product_find_by_sku(db, "a", &none));
    char id[24];
    snprintf(id, sizeof id, "%lld", (long long)p.id);
    it_events evs;
    it_history(db, "products", id, &evs);
    assert_int_equal(evs.n, 2);
    IT_JSON_EQ(evs.ev[1].changed, "[\"sku\"]");
    expect_json_string(evs.ev[1].new_values, "sku", "a   ");
    expect_json_string(evs.ev[1].old_values, "sku", "a");
    it_events_free(&evs);
    /* Text fields that are not keys too: a title gains a trailing space, then a tab. */
    static const char *const titles[] = { "t ", "t \t", "T \t" };
    for (size_t i = 0; i < sizeof titles / sizeof titles[0]; i++) {
        u = (shop_product_update_params){
            .id = p.id, .version = p.version, .set = SHOP_PRODUCT_TITLE, .title = titles[i]
        };
        IT_OK(db, shop_product_update(db, NULL, &u, &p));
        assert_int_equal(p.version, 3 + (int64_t)i);
        IT_OK(db, shop_product_get(db, p.id, &p));
        assert_string_equal(p.title, titles[i]);
        char *values = it_latest_values(db, "products", id);
        expect_json_string(values, "title", titles[i]);
        free(values);
    }
    shop_product_clear(&p);
}

/*
 * Ids that no record can have (not ASCII, a trailing space, lower case) are
 * simply not found on every engine, by every call that takes an id.
 */
static int count_events(void *userdata, const trail_change_event *ev)
{
    (void)ev;
    ++*(int *)userdata;
    return 0;
}

static int count_customers(void *userdata, const shop_customer *row)
{
    (void)row;
    ++*(int *)userdata;
    return 0;
}

static void test_ids_compared_exactly(void **state)
{
    it_db *t = *state;
    trail_conn *db = t->db;
    shop_customer c = { 0 };
    it_customer(db, "Zoë@例え.jp", &c);
    char padded[TRAIL_ULID_LEN + 2], lower[TRAIL_ULID_LEN + 1];
    snprintf(padded, sizeof padded, "%s ", c.id);
    for (size_t i = 0; i <= TRAIL_ULID_LEN; i++)
        lower[i] = (char)(c.id[i] >= 'A' && c.id[i] <= 'Z' ? c.id[i] - 'A' + 'a' : c.id[i]);
    const char *const bad[] = { "Zoë", "日本", "🌍", padded, lower, "" }; /* "" last */
    int64_t events = it_rows(t, "trail_change_events");
    int n = 0;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        shop_customer got = { 0 };
        IT_EXPECT(db, TRAIL_ENOTFOUND, shop_customer_get(db, bad[i], &got));
        shop_customer_update_params u = {
            .id = bad[i], .version = 1, .set = SHOP_CUSTOMER_NAME, .name = "x"
        };
        IT_EXPECT(db, TRAIL_ENOTFOUND, shop_customer_update(db, NULL, &u, NULL));
        IT_EXPECT(db, TRAIL_ENOTFOUND, shop_customer_delete(db, NULL, bad[i], 1));
        /* An order's reference to it is not a customer id either. */
        shop_order_create_params o = SHOP_ORDER_CREATE_INIT;
        o.customer = bad[i];
        o.total = 1;
        IT_EXPECT(db, TRAIL_EINVALID, shop_order_create(db, NULL, &o, NULL));
        IT_MSG(db, "order.customer");
        IT_OK(db, trail_history(db, "customers", bad[i], count_events, &n));
        IT_OK(db, trail_history(db, NULL, bad[i], count_events, &n));
        assert_int_equal(n, 0);
        char *json = NULL;
        IT_EXPECT(db, TRAIL_ENOTFOUND, trail_as_of(db, "customers", bad[i], INT64_MAX, &json));
        assert_null(json);
        /* A list starts after an id, or at the start. */
        IT_EXPECT(db, bad[i][0] ? TRAIL_EARG : TRAIL_OK,
                  shop_customer_list(db, bad[i], 10, count_customers, &n));
    }
    assert_int_equal(n, 1); /* the list from the start */
    /* Table names are compared exactly too. */
    n = 0;
    IT_OK(db, trail_history(db, "customers ", c.id, count_events, &n));
    IT_OK(db, trail_history(db, "Customers", c.id, count_events, &n));
    IT_OK(db, trail_history(db, "customers ", NULL, count_events, &n));
    assert_int_equal(n, 0);
    IT_OK(db, trail_history(db, "customers", c.id, count_events, &n));
    assert_int_equal(n, 1);
    assert_int_equal(it_rows(t, "trail_change_events"), events);
    shop_customer got = { 0 };
    IT_OK(db, shop_customer_get(db, c.id, &got));
    assert_int_equal(got.version, 1);
    assert_string_equal(got.email, "Zoë@例え.jp");
    shop_customer_clear(&got);
    shop_customer_clear(&c);
}

/*
 * Tables made by an older trail keep their columns (migrate alters no
 * column; the engine's older_columns in raw.c): MariaDB tables made before
 * trail used utf8mb4_nopad_bin keep their padding utf8mb4_bin columns.
 * Writes to them still work, and an update still tells 'a ' from 'a'.
 */
static void test_padding_columns_of_older_tables(void **state)
{
    it_db *t = *state;
    const raw_engine *e = it_engine(t);
    if (!e->older_columns)
        skip();
    trail_conn *db = t->db;
    assert_int_equal(raw_exec(t->url, "%s", e->older_columns), 0);
    shop_product_create_params c = SHOP_PRODUCT_CREATE_INIT;
    c.sku = "old";
    c.title = "t";
    c.price = 1;
    shop_product p = { 0 };
    IT_OK(db, shop_product_create(db, NULL, &c, &p));
    static const char *const titles[] = { "t ", "t", "T" };
    for (size_t i = 0; i < sizeof titles / sizeof titles[0]; i++) {
        shop_product_update_params u = {
            .id = p.id, .version = p.version, .set = SHOP_PRODUCT_TITLE, .title = titles[i]
        };
        IT_OK(db, shop_product_update(db, NULL, &u, &p));
        assert_int_equal(p.version, 2 + (int64_t)i);
        IT_OK(db, shop_product_get(db, p.id, &p));
        assert_string_equal(p.title, titles[i]);
    }
    shop_product_update_params u = {
        .id = p.id, .version = p.version, .set = SHOP_PRODUCT_SKU, .sku = "old "
    };
    IT_OK(db, shop_product_update(db, NULL, &u, &p));
    IT_OK(db, shop_product_find_by_sku(db, "old ", &p));
    assert_string_equal(p.sku, "old ");
    assert_int_equal(p.version, 5);
    shop_product_clear(&p);
}

/* ---- -0.0: the same value as 0.0, stored and written as 0.0 everywhere ------- */

/* The number of events of customer @id. */
static size_t event_count(trail_conn *db, const char *id)
{
    it_events evs;
    it_history(db, "customers", id, &evs);
    size_t n = evs.n;
    it_events_free(&evs);
    return n;
}

/* A rating read back or written into an event as 0.0, sign and all. */
static void expect_plus_zero(double got)
{
    assert_true(got == 0.0);
    assert_false(signbit(got));
}

/* The latest event of customer @id writes its rating as the text 0.0, not -0.0. */
static void expect_event_rating_zero(trail_conn *db, const char *id)
{
    char *json = it_latest_values(db, "customers", id);
    assert_non_null(strstr(json, "\"rating\":0.0"));
    assert_null(strstr(json, "-0"));
    json_t *v = json_loads(json, 0, NULL);
    assert_non_null(v);
    json_t *r = json_object_get(v, "rating");
    assert_true(json_is_real(r));
    expect_plus_zero(json_real_value(r));
    json_decref(v);
    free(json);
}

/*
 * SQLite's REAL columns cannot hold -0.0 (it comes back as 0.0), and every
 * engine's SQL finds -0.0 = 0.0, so trail stores and writes -0.0 as 0.0 on
 * every engine: an update from one to the other changes nothing.
 */
static void test_negative_zero(void **state)
{
    it_db *t = *state;
    trail_conn *db = t->db;
    shop_customer c = { 0 };
    it_customer(db, "zero@x.org", &c);
    double minus_zero = -0.0;

    shop_customer_update_params u = {
        .id = c.id, .version = 1, .set = SHOP_CUSTOMER_RATING, .rating = minus_zero
    };
    IT_OK(db, shop_customer_update(db, NULL, &u, &c));
    assert_int_equal(c.version, 2);
    expect_plus_zero(c.rating);
    IT_OK(db, shop_customer_get(db, c.id, &c));
    assert_false(c.rating_null);
    expect_plus_zero(c.rating);
    expect_event_rating_zero(db, c.id);

    /* -0.0 to 0.0 and back: no change, no event, the same version. */
    for (int i = 0; i < 4; i++) {
        u.id = c.id; /* the update gave c a new copy */
        u.version = c.version;
        u.rating = i % 2 ? minus_zero : 0.0;
        IT_OK(db, shop_customer_update(db, NULL, &u, &c));
        assert_int_equal(c.version, 2);
        expect_plus_zero(c.rating);
    }
    assert_int_equal(event_count(db, c.id), 2);

    /* From another value to -0.0: a change, recorded as 0.0. */
    u.id = c.id;
    u.rating = 1.5;
    IT_OK(db, shop_customer_update(db, NULL, &u, &c));
    u.id = c.id;
    u.version = c.version;
    u.rating = minus_zero;
    IT_OK(db, shop_customer_update(db, NULL, &u, &c));
    assert_int_equal(c.version, 4);
    expect_plus_zero(c.rating);
    expect_event_rating_zero(db, c.id);
    it_events evs;
    it_history(db, "customers", c.id, &evs);
    assert_int_equal(evs.n, 4);
    json_t *old = json_loads(evs.ev[3].old_values, 0, NULL);
    assert_non_null(old);
    assert_true(json_real_value(json_object_get(old, "rating")) == 1.5);
    json_decref(old);
    IT_JSON_EQ(evs.ev[3].changed, "[\"rating\"]");
    it_events_free(&evs);

    /* Through create, whose event the server writes on PostgreSQL and MariaDB. */
    shop_customer_create_params p = SHOP_CUSTOMER_CREATE_INIT;
    p.email = "zero2@x.org";
    p.name = "Zed";
    p.secret = "s";
    p.rating = minus_zero;
    p.rating_null = false;
    shop_customer z = { 0 };
    IT_OK(db, shop_customer_create(db, NULL, &p, &z));
    expect_plus_zero(z.rating);
    IT_OK(db, shop_customer_get(db, z.id, &z));
    expect_plus_zero(z.rating);
    expect_event_rating_zero(db, z.id);
    it_verify_clean(t);
    shop_customer_clear(&z);
    shop_customer_clear(&c);
}

/* ---- JSON holding \u0000: refused on every engine --------------------------- */

/*
 * PostgreSQL's jsonb cannot hold a NUL character (nor can its text), so
 * a JSON value with \u0000 in a string or a key is refused everywhere,
 * naming the field, and nothing is written.
 */
static void test_json_with_nul(void **state)
{
    it_db *t = *state;
    trail_conn *db = t->db;
    shop_customer c = { 0 };
    it_customer(db, "nul@x.org", &c);
    static const char *const refused[] = {
        "{\"a\":\"x\\u0000y\"}",
        "{\"a\\u0000\":1}",
        "\"\\u0000\"",
        "[1, {\"deep\": [\"\\u0000\"]}]",
    };
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        shop_customer_update_params u = {
            .id = c.id, .version = 1, .set = SHOP_CUSTOMER_PREFS, .prefs = refused[i]
        };
        IT_EXPECT(db, TRAIL_EINVALID, shop_customer_update(db, NULL, &u, NULL));
        IT_MSG(db, "customer.prefs", "\\u0000");
        shop_customer_create_params p = SHOP_CUSTOMER_CREATE_INIT;
        p.email = "nul2@x.org";
        p.name = "N";
        p.secret = "s";
        p.prefs = refused[i];
        IT_EXPECT(db, TRAIL_EINVALID, shop_customer_create(db, NULL, &p, NULL));
        IT_MSG(db, "customer.prefs", "\\u0000");
    }
    IT_OK(db, shop_customer_get(db, c.id, &c));
    assert_int_equal(c.version, 1);
    assert_null(c.prefs);
    assert_int_equal(event_count(db, c.id), 1);
    assert_int_equal(it_rows(t, "customers"), 1);

    /* The six characters \u0000 in a string, its backslash escaped, are no NUL. */
    const char *literal = "{\"a\":\"x\\\\u0000y\"}";
    shop_customer_update_params u = {
        .id = c.id, .version = 1, .set = SHOP_CUSTOMER_PREFS, .prefs = literal
    };
    IT_OK(db, shop_customer_update(db, NULL, &u, &c));
    IT_OK(db, shop_customer_get(db, c.id, &c));
    IT_JSON_IS(c.prefs, json_pack("{s:s}", "a", "x\\u0000y"));
    char *json = it_latest_values(db, "customers", c.id);
    json_t *v = json_loads(json, 0, NULL);
    assert_non_null(v);
    char *prefs = json_dumps(json_object_get(v, "prefs"), JSON_COMPACT);
    IT_JSON_IS(prefs, json_pack("{s:s}", "a", "x\\u0000y"));
    free(prefs);
    json_decref(v);
    free(json);
    it_verify_clean(t);
    shop_customer_clear(&c);
}

/* ---- JSON numbers: kept exactly, or refused on every engine ----------------- */

/* @head, @n copies of @c, then @tail, in a string the caller frees. */
static char *spelled(const char *head, size_t n, char c, const char *tail)
{
    size_t h = strlen(head), t = strlen(tail);
    char *s = malloc(h + n + t + 1);
    assert_non_null(s);
    memcpy(s, head, h);
    memset(s + h, c, n);
    memcpy(s + h + n, tail, t + 1);
    return s;
}

/* Fails unless @got is @want, showing the start of both (they can be long). */
static void expect_json_text(const char *written, const char *got, const char *want)
{
    if (!got || strcmp(got, want) != 0)
        fail_msg("JSON %.40s came back as %.80s (%zu bytes), not %.80s (%zu bytes)", written,
                 got ? got : "(NULL)", got ? strlen(got) : 0, want, strlen(want));
}

/*
 * A json field holds any JSON number, past int64 and double both, and gives
 * it back with its value unchanged: as written, or (json_as_jsonb) as
 * PostgreSQL's numeric writes it, worked out here by hand. Its event holds
 * the same, what get() gave back is taken back as no change, and verify
 * finds nothing wrong: it read these numbers through double, or not at all
 * (jsonb's 301 digits of 1e300), and raised false alarms. A number beyond
 * what PostgreSQL's numeric holds is refused on every engine, as is text
 * that is no JSON number, which MariaDB's JSON_VALID() takes ("1.").
 */
static void test_json_numbers(void **state)
{
    it_db *t = *state;
    trail_conn *db = t->db;
    bool jsonb = it_engine(t)->json_as_jsonb;
    struct {
        const char *written;
        char *jsonb; /* NULL: as written */
    } cases[] = {
        { "1e300", spelled("1", 300, '0', "") },
        { "-1E+300", spelled("-1", 300, '0', "") },
        { "1e-300", spelled("0.", 299, '0', "1") },
        { "1e400", spelled("1", 400, '0', "") }, /* beyond double */
        { "5e-324", spelled("0.", 323, '0', "5") },
        { "1e-400", spelled("0.", 399, '0', "1") }, /* below double's least */
        { "-0", spelled("0", 0, ' ', "") },
        { "-0.0", spelled("0.0", 0, ' ', "") },
        { "1.0", NULL },
        { "1E5", spelled("100000", 0, ' ', "") },
        { "1.50E+1", spelled("15.0", 0, ' ', "") },
        { "123456789012345678901234567890", NULL },
        { "-9223372036854775809", NULL },
        { "0.1000000000000000055511151231257827021181583404541015625", NULL },
        { "[1E2, {\"b\": -0, \"a\": 1.50}]",
          spelled("[100, {\"a\": 1.50, \"b\": 0}]", 0, ' ', "") },
        /* PostgreSQL's numeric: 131072 digits before the point, 16383 after */
        { "1e131071", spelled("1", 131071, '0', "") },
        { "-1e-16383", spelled("-0.", 16382, '0', "1") },
        { "-0.0e-16382", spelled("0.", 16383, '0', "") },
        { "0e1073741822", spelled("0", 0, ' ', "") },
    };
    size_t n = sizeof cases / sizeof cases[0];
    for (size_t i = 0; i < n; i++) {
        const char *want = jsonb && cases[i].jsonb ? cases[i].jsonb : cases[i].written;
        shop_customer_create_params p = SHOP_CUSTOMER_CREATE_INIT;
        char email[32];
        snprintf(email, sizeof email, "n%zu@x.org", i);
        p.email = email;
        p.name = "N";
        p.secret = "s";
        p.prefs = cases[i].written;
        shop_customer c = { 0 };
        IT_OK(db, shop_customer_create(db, NULL, &p, &c));
        IT_OK(db, shop_customer_get(db, c.id, &c));
        expect_json_text(cases[i].written, c.prefs, want);

        char *values = it_latest_values(db, "customers", c.id);
        char *member = spelled("\"prefs\":", 0, ' ', want);
        if (!strstr(values, member))
            fail_msg("the event of JSON %.40s does not hold %.80s: %.200s", cases[i].written,
                     member, values);
        free(member);
        free(values);

        shop_customer_update_params u = {
            .id = c.id, .version = 1, .set = SHOP_CUSTOMER_PREFS, .prefs = c.prefs
        };
        IT_OK(db, shop_customer_update(db, NULL, &u, NULL));
        assert_int_equal(event_count(db, c.id), 1);
        shop_customer_clear(&c);
    }

    static const char *const beyond[] = {
        "1e131072", "-1e131072",    "[0, {\"a\": 1e131072}]", "1e-16384",      "1.0e-16383",
        "0e-16384", "0e1073741823", "1e99999999999999999999", "1e-1073741822",
    };
    static const char *const not_numbers[] = { "1.", "[1.]", "01", ".5", "+1", "1e", "-", "1e+" };
    shop_customer c = { 0 };
    it_customer(db, "refused@x.org", &c);
    for (size_t i = 0;
         i < sizeof beyond / sizeof beyond[0] + sizeof not_numbers / sizeof *not_numbers; i++) {
        bool big = i < sizeof beyond / sizeof beyond[0];
        const char *json = big ? beyond[i] : not_numbers[i - sizeof beyond / sizeof beyond[0]];
        shop_customer_create_params p = SHOP_CUSTOMER_CREATE_INIT;
        p.email = "refused2@x.org";
        p.name = "N";
        p.secret = "s";
        p.prefs = json;
        IT_EXPECT(db, TRAIL_EINVALID, shop_customer_create(db, NULL, &p, NULL));
        IT_MSG(db, "customer.prefs", big ? "numeric" : "JSON");
        shop_customer_update_params u = {
            .id = c.id, .version = 1, .set = SHOP_CUSTOMER_PREFS, .prefs = json
        };
        IT_EXPECT(db, TRAIL_EINVALID, shop_customer_update(db, NULL, &u, NULL));
        IT_MSG(db, "customer.prefs", big ? "numeric" : "JSON");
    }
    assert_int_equal(it_rows(t, "customers"), (int64_t)n + 1);
    assert_int_equal(event_count(db, c.id), 1);
    shop_customer_clear(&c);
    it_verify_clean(t);
    for (size_t i = 0; i < n; i++)
        free(cases[i].jsonb);
}

/*
 * verify compares JSON numbers by their exact decimal value: another
 * spelling of the same number is no change (jsonb respells them anyway),
 * while a change too small for a double to show is one.
 */
static void test_json_numbers_verified_exactly(void **state)
{
    it_db *t = *state;
    trail_conn *db = t->db;
    shop_customer c = { 0 };
    it_customer(db, "exact@x.org", &c);
    shop_customer_update_params u = { .id = c.id,
                                      .version = 1,
                                      .set = SHOP_CUSTOMER_PREFS,
                                      .prefs = "[0.1, 1e300, 12345678901234567890123]" };
    IT_OK(db, shop_customer_update(db, NULL, &u, NULL));
    it_verify_clean(t);

    it_tamper(t,
              "UPDATE \"customers\" SET \"prefs\" = '[0.10, 1000e297, 12345678901234567890123.0]'"
              " WHERE \"id\" = '%s'",
              c.id);
    trail_verify_report r = { 0 };
    IT_OK(db, trail_verify(db, &r));
    if (r.n_problems)
        it_print_report(&r);
    assert_int_equal(r.n_problems, 0);
    trail_verify_report_free(&r);

    it_tamper(t,
              "UPDATE \"customers\" SET \"prefs\" = '[0.10000000000000001, 1e300, "
              "12345678901234567890123]' WHERE \"id\" = '%s'",
              c.id);
    IT_OK(db, trail_verify(db, &r));
    if (r.n_problems != 1)
        it_print_report(&r);
    assert_int_equal(r.n_problems, 1);
    assert_string_equal(r.problems[0].record_id, c.id);
    assert_non_null(strstr(r.problems[0].what, "in: prefs:"));
    trail_verify_report_free(&r);
    shop_customer_clear(&c);
}

/* ---- dates and timestamps: 0001-01-01 to 9999-12-31 on every engine --------- */

#define FIRST_DAY INT32_C(-719162)         /* 0001-01-01 */
#define LAST_DAY  INT32_C(2932896)         /* 9999-12-31 */
#define FIRST_MS  INT64_C(-62135596800000) /* 0001-01-01T00:00:00.000Z */
#define LAST_MS   INT64_C(253402300799999) /* 9999-12-31T23:59:59.999Z */

static const int32_t bad_days[] = { FIRST_DAY - 1, LAST_DAY + 1, INT32_MIN, INT32_MAX };
static const int64_t bad_ms[] = { FIRST_MS - 1, LAST_MS + 1, INT64_MIN, INT64_MAX };

/*
 * INT64_MIN and INT64_MAX milliseconds: refused before any conversion (the
 * drivers' arithmetic overflowed on them, which the UBSan build reports).
 */
static void test_timestamp_extremes(void **state)
{
    it_db *t = *state;
    trail_conn *db = t->db;
    shop_customer c = { 0 };
    it_customer(db, "extreme@x.org", &c);
    for (size_t i = 2; i < 4; i++) {
        shop_customer_update_params u = {
            .id = c.id, .version = 1, .set = SHOP_CUSTOMER_SEEN_AT, .seen_at = bad_ms[i]
        };
        IT_EXPECT(db, TRAIL_EINVALID, shop_customer_update(db, NULL, &u, NULL));
        IT_MSG(db, "customer.seen_at", "0001-01-01T00:00:00.000Z", "9999-12-31T23:59:59.999Z");
    }
    shop_customer_create_params p = SHOP_CUSTOMER_CREATE_INIT;
    p.email = "extreme2@x.org";
    p.name = "R";
    p.secret = "s";
    p.seen_at = INT64_MIN;
    p.seen_at_null = false;
    IT_EXPECT(db, TRAIL_EINVALID, shop_customer_create(db, NULL, &p, NULL));
    IT_MSG(db, "customer.seen_at");
    IT_OK(db, shop_customer_get(db, c.id, &c));
    assert_int_equal(c.version, 1);
    assert_true(c.seen_at_null);
    assert_int_equal(it_rows(t, "customers"), 1);
    it_verify_clean(t);
    shop_customer_clear(&c);
}

static void test_date_and_timestamp_range(void **state)
{
    it_db *t = *state;
    trail_conn *db = t->db;
    shop_customer c = { 0 };
    it_customer(db, "range@x.org", &c);

    /* The first and last day and millisecond allowed round-trip exactly. */
    static const struct {
        int32_t days;
        const char *date;
        int64_t ms;
        const char *timestamp;
    } ends[] = {
        { FIRST_DAY, "0001-01-01", FIRST_MS, "0001-01-01T00:00:00.000Z" },
        { LAST_DAY, "9999-12-31", LAST_MS, "9999-12-31T23:59:59.999Z" },
        { FIRST_DAY + 1, "0001-01-02", FIRST_MS + 1, "0001-01-01T00:00:00.001Z" },
        { LAST_DAY - 1, "9999-12-30", LAST_MS - 1, "9999-12-31T23:59:59.998Z" },
    };
    for (size_t i = 0; i < sizeof ends / sizeof ends[0]; i++) {
        shop_customer_update_params u = { .id = c.id,
                                          .version = c.version,
                                          .set = SHOP_CUSTOMER_BORN | SHOP_CUSTOMER_SEEN_AT,
                                          .born = ends[i].days,
                                          .seen_at = ends[i].ms };
        IT_OK(db, shop_customer_update(db, NULL, &u, &c));
        assert_int_equal(c.version, i + 2);
        IT_OK(db, shop_customer_get(db, c.id, &c));
        assert_int_equal(c.born, ends[i].days);
        assert_int_equal(c.seen_at, ends[i].ms);
        char *json = it_latest_values(db, "customers", c.id);
        json_t *v = json_loads(json, 0, NULL);
        assert_string_equal(json_string_value(json_object_get(v, "born")), ends[i].date);
        assert_string_equal(json_string_value(json_object_get(v, "seen_at")), ends[i].timestamp);
        json_decref(v);
        free(json);
    }

    /* One beyond, and the extremes of the C types: refused, naming the field and the range. */
    int64_t version = c.version;
    for (size_t i = 0; i < 4; i++) {
        shop_customer_update_params u = {
            .id = c.id, .version = version, .set = SHOP_CUSTOMER_BORN, .born = bad_days[i]
        };
        IT_EXPECT(db, TRAIL_EINVALID, shop_customer_update(db, NULL, &u, NULL));
        IT_MSG(db, "customer.born", "0001-01-01", "9999-12-31");
        u.set = SHOP_CUSTOMER_SEEN_AT;
        u.seen_at = bad_ms[i];
        IT_EXPECT(db, TRAIL_EINVALID, shop_customer_update(db, NULL, &u, NULL));
        IT_MSG(db, "customer.seen_at", "0001-01-01T00:00:00.000Z", "9999-12-31T23:59:59.999Z");
    }
    shop_customer_create_params p = SHOP_CUSTOMER_CREATE_INIT;
    p.email = "range2@x.org";
    p.name = "R";
    p.secret = "s";
    p.born = FIRST_DAY - 1;
    p.born_null = false;
    IT_EXPECT(db, TRAIL_EINVALID, shop_customer_create(db, NULL, &p, NULL));
    IT_MSG(db, "customer.born", "0000-12-31");
    IT_OK(db, shop_customer_get(db, c.id, &c));
    assert_int_equal(c.version, version);
    assert_int_equal(c.born, LAST_DAY - 1);
    assert_int_equal(c.seen_at, LAST_MS - 1);
    assert_int_equal(it_rows(t, "customers"), 1);

    /* A lookup by a date no row can hold is refused the same way. */
    everything_sample s = { 0 };
    IT_EXPECT(db, TRAIL_EINVALID, everything_sample_find_by_opened_on(db, FIRST_DAY - 1, &s));
    IT_MSG(db, "sample.opened_on", "0001-01-01", "9999-12-31");
    IT_EXPECT(db, TRAIL_ENOTFOUND, everything_sample_find_by_opened_on(db, FIRST_DAY, &s));
    it_verify_clean(t);
    shop_customer_clear(&c);
}

/* ---- the drivers' own conversions, beneath trail's range check --------------- */

struct one_value {
    trail_vtype want;
    trail_value v;
};

static int read_first(trail_conn *db, void *row, void *userdata)
{
    struct one_value *o = userdata;
    return db->drv->column(db, row, 0, o->want, &o->v);
}

/*
 * Sends @v through the driver's conversion and reads it back: either the
 * same value or a clean refusal, never an overflow (which the UBSan build
 * would report). @must_pass: a value trail stores, which must round-trip.
 */
static void round_trip(trail_conn *db, const char *sql, trail_value v, bool must_pass)
{
    struct one_value o = { .want = v.type };
    int rc = db->drv->query_once(db, sql, &v, 1, read_first, &o, NULL);
    if (must_pass)
        IT_OK(db, rc);
    if (rc == TRAIL_OK) {
        assert_int_equal(o.v.type, v.type);
        assert_int_equal(o.v.i, v.i);
    } else {
        assert_true(rc == TRAIL_EINVALID || rc == TRAIL_EDB);
    }
}

/*
 * The engine's casts and its values beyond trail's (its cast_timestamp,
 * cast_date, timestamps_beyond and dates_beyond in raw.c).
 */
static void test_driver_time_conversions(void **state)
{
    it_db *t = *state;
    trail_conn *db = t->db;
    const raw_engine *e = it_engine(t);
    const char *ts = e->cast_timestamp, *date = e->cast_date;
    if (!ts || !date) {
        if (!db->drv->dialect->time_as_numbers)
            fail_msg("driver %s has types of its own for dates and timestamps: give its engine "
                     "in tests/integration/raw.c a cast_timestamp and a cast_date",
                     e->driver);
        return; /* dates and timestamps are numbers there: nothing converts */
    }
    static const int64_t ms[] = {
        INT64_MIN,     INT64_MIN + 1,    INT64_MIN / 1000, INT64_MAX,
        INT64_MAX - 1, INT64_MAX / 1000, FIRST_MS - 1,     LAST_MS + 1,
    };
    for (size_t i = 0; i < sizeof ms / sizeof ms[0]; i++)
        round_trip(db, ts, (trail_value){ .type = TRAIL_V_TIMESTAMP, .i = ms[i] }, false);
    round_trip(db, ts, (trail_value){ .type = TRAIL_V_TIMESTAMP, .i = FIRST_MS }, true);
    round_trip(db, ts, (trail_value){ .type = TRAIL_V_TIMESTAMP, .i = LAST_MS }, true);
    static const int64_t days[] = { INT32_MIN, INT32_MAX, INT64_MIN, INT64_MAX };
    for (size_t i = 0; i < sizeof days / sizeof days[0]; i++)
        round_trip(db, date, (trail_value){ .type = TRAIL_V_DATE, .i = days[i] }, false);
    round_trip(db, date, (trail_value){ .type = TRAIL_V_DATE, .i = FIRST_DAY }, true);
    round_trip(db, date, (trail_value){ .type = TRAIL_V_DATE, .i = LAST_DAY }, true);

    /* Values of the engine's that are none of trail's (PostgreSQL's infinities): no conversion. */
    for (size_t i = 0; e->timestamps_beyond[i]; i++) {
        struct one_value o = { .want = TRAIL_V_TIMESTAMP };
        IT_EXPECT(db, TRAIL_EDB,
                  db->drv->query_once(db, e->timestamps_beyond[i], NULL, 0, read_first, &o, NULL));
    }
    for (size_t i = 0; e->dates_beyond[i]; i++) {
        struct one_value o = { .want = TRAIL_V_DATE };
        IT_EXPECT(db, TRAIL_EDB,
                  db->drv->query_once(db, e->dates_beyond[i], NULL, 0, read_first, &o, NULL));
    }
}

/*
 * A parameter the driver cannot encode (a length no memory holds; its bytes
 * are never read) is refused, and the connection goes on: PostgreSQL's
 * driver kept the failure in its parameter buffer, and refused every later
 * statement as out of memory.
 */
static void test_driver_goes_on_after_a_refused_parameter(void **state)
{
    it_db *t = *state;
    trail_conn *db = t->db;
    const char *sql = it_engine(t)->cast_json;
    if (!sql)
        return; /* the caller's bytes are sent as they are: no buffer of the driver's */
    trail_value huge = { .type = TRAIL_V_JSON, .s = "{}", .n = SIZE_MAX - 1 };
    struct one_value o = { .want = TRAIL_V_JSON };
    IT_EXPECT(db, TRAIL_ENOMEM, db->drv->query_once(db, sql, &huge, 1, read_first, &o, NULL));
    trail_value doc = { .type = TRAIL_V_JSON, .s = "[1]", .n = 3 };
    IT_OK(db, db->drv->query_once(db, sql, &doc, 1, read_first, &o, NULL));
    assert_int_equal(o.v.type, TRAIL_V_JSON);
    shop_customer_create_params p = SHOP_CUSTOMER_CREATE_INIT;
    p.email = "after@x.org";
    p.name = "After";
    p.secret = "s";
    IT_OK(db, shop_customer_create(db, NULL, &p, NULL));
    assert_int_equal(it_rows(t, "customers"), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_every_type_with_a_value, it_setup, it_teardown),
        cmocka_unit_test_setup_teardown(test_every_type_null, it_setup, it_teardown),
        cmocka_unit_test_setup_teardown(test_every_type_through_update, it_setup, it_teardown),
        cmocka_unit_test_setup_teardown(test_text_at_max_length, it_setup, it_teardown),
        cmocka_unit_test_setup_teardown(test_int64_extremes, it_setup, it_teardown),
        cmocka_unit_test_setup_teardown(test_doubles, it_setup, it_teardown),
        cmocka_unit_test_setup_teardown(test_blobs, it_setup, it_teardown),
        cmocka_unit_test_setup_teardown(test_dates_and_timestamps, it_setup, it_teardown),
        cmocka_unit_test_setup_teardown(test_text_keys_compared_exactly, it_setup, it_teardown),
        cmocka_unit_test_setup_teardown(test_ids_compared_exactly, it_setup, it_teardown),
        cmocka_unit_test_setup_teardown(test_padding_columns_of_older_tables, it_setup,
                                        it_teardown),
        cmocka_unit_test_setup_teardown(test_negative_zero, it_setup, it_teardown),
        cmocka_unit_test_setup_teardown(test_json_with_nul, it_setup, it_teardown),
        cmocka_unit_test_setup_teardown(test_json_numbers, it_setup, it_teardown),
        cmocka_unit_test_setup_teardown(test_json_numbers_verified_exactly, it_setup, it_teardown),
        cmocka_unit_test_setup_teardown(test_timestamp_extremes, it_setup, it_teardown),
        cmocka_unit_test_setup_teardown(test_date_and_timestamp_range, it_setup, it_teardown),
        cmocka_unit_test_setup_teardown(test_driver_time_conversions, it_setup, it_teardown),
        cmocka_unit_test_setup_teardown(test_driver_goes_on_after_a_refused_parameter, it_setup,
                                        it_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
