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

#include <stdlib.h>
#include <string.h>

/* The new_values of the latest event of @table's record @id; the caller frees it. */
static char *latest_values(trail_conn *db, const char *table, const char *id)
{
    it_events evs;
    it_history(db, table, id, &evs);
    assert_true(evs.n > 0);
    char *v = evs.ev[evs.n - 1].new_values ? strdup(evs.ev[evs.n - 1].new_values) : NULL;
    it_events_free(&evs);
    return v;
}

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

    char *values = latest_values(db, "samples", made.id);
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

    char *values = latest_values(db, "samples", made.id);
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
    char *values = latest_values(db, "samples", s.id);
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
    values = latest_values(db, "samples", s.id);
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
    char *values = latest_values(db, "customers", c.id);
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
    values = latest_values(db, "sample_tag", g.id);
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
        char *json = latest_values(db, "accounts", id);
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
        char *json = latest_values(db, "customers", c.id);
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
        char *json = latest_values(db, "customers", c.id);
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
        char *json = latest_values(db, "customers", c.id);
        json_t *v = json_loads(json, 0, NULL);
        assert_string_equal(json_string_value(json_object_get(v, "born")), cases[i].date);
        assert_string_equal(json_string_value(json_object_get(v, "seen_at")), cases[i].timestamp);
        json_decref(v);
        free(json);
    }
    shop_customer_clear(&c);
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
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
