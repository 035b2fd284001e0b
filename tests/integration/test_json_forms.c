/*
 * test_json_forms.c - each type's JSON form is one: the event JSON that an
 * engine stores (old_values, new_values, changed, read back as text) is,
 * byte for byte, what trail's C writer (trail__values_json(),
 * trail__values_changed_json()) makes of the same records, for every type
 * and its edge values, NULLs, redacted and omitted fields, on create, update
 * and delete. SQLite's events are the C writer's own; PostgreSQL and MariaDB
 * build theirs in SQL (write_pg.c, write_mysql.c), which is what this tests.
 *
 * The C writer's spelling itself is tested against known text in
 * tests/test_json.c.
 */
#define _POSIX_C_SOURCE 200809L
#include "it_common.h"
#include "audit/values.h" /* the C writer */

#include <float.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the C writer's JSON of a record, and the stored event --------------- */

/* The C writer's event JSON of record @rec of @e (NULL for none); the caller frees it. */
static char *c_values(const trail_entity *e, const void *rec)
{
    if (!rec)
        return NULL;
    trail_row row;
    trail__values_of_record(&row, e, rec);
    trail_buf b = TRAIL_BUF_INIT;
    assert_int_equal(trail__values_json(&b, e, &row), TRAIL_OK);
    return b.data;
}

/*
 * The C writer's old_values of records @old and @new (an update's changed
 * fields; a delete's row when @new_rec is NULL; NULL without @old).
 */
static char *c_old_values(const trail_entity *e, const void *old, const void *new_rec)
{
    if (!old)
        return NULL;
    trail_row o, n;
    trail__values_of_record(&o, e, old);
    if (new_rec)
        trail__values_of_record(&n, e, new_rec);
    trail_buf b = TRAIL_BUF_INIT;
    assert_int_equal(trail__values_old_json(&b, e, &o, new_rec ? &n : NULL), TRAIL_OK);
    return b.data;
}

/* The C writer's changed array between records @old and @new (either may be NULL). */
static char *c_changed(const trail_entity *e, const void *old, const void *new_rec)
{
    trail_row o, n;
    if (old)
        trail__values_of_record(&o, e, old);
    if (new_rec)
        trail__values_of_record(&n, e, new_rec);
    trail_buf b = TRAIL_BUF_INIT;
    size_t count;
    assert_int_equal(
        trail__values_changed_json(&b, e, old ? &o : NULL, new_rec ? &n : NULL, &count), TRAIL_OK);
    return b.data;
}

static void expect_same(const char *what, const char *stored, const char *c)
{
    if (!stored && !c)
        return;
    if (!stored || !c || strcmp(stored, c) != 0)
        fail_msg("%s differ:\n  stored:   %s\n  C writer: %s", what, stored ? stored : "(NULL)",
                 c ? c : "(NULL)");
}

/*
 * The latest event of @record_id in @e's table is an @op whose old_values,
 * new_values and changed are byte for byte the C writer's of @old and @new
 * (records of @e as stored, NULL for none).
 */
static void expect_event(trail_conn *db, const trail_entity *e, const char *record_id,
                         const char *op, const void *old, const void *new_rec)
{
    it_events evs;
    it_history(db, e->table, record_id, &evs);
    assert_true(evs.n > 0);
    const trail_change_event *ev = &evs.ev[evs.n - 1];
    assert_string_equal(ev->op, op);
    char *o = c_old_values(e, old, new_rec), *n = c_values(e, new_rec),
         *c = c_changed(e, old, new_rec);
    expect_same("old_values", ev->old_values, o);
    expect_same("new_values", ev->new_values, n);
    expect_same("changed", ev->changed, c);
    free(o);
    free(n);
    free(c);
    it_events_free(&evs);
}

/* How many events @record_id of @table has. */
static size_t event_count(trail_conn *db, const char *table, const char *record_id)
{
    it_events evs;
    it_history(db, table, record_id, &evs);
    size_t n = evs.n;
    it_events_free(&evs);
    return n;
}

/* ---- every type at its edges, through create, update and delete ---------- */

static const unsigned char nuls[] = { 0x00, 0x00, 0xff, 0x00 };
static const unsigned char sixteen[16] = { 0x00, 0xfb, 0xff, 0xbf, 0x3e, 0x3f, 0, 1, 2, 3 };

/*
 * Text with every character JSON escapes (the control characters, '"' and
 * '\'), DEL, what looks like an escape but is text, U+2028, astral-plane
 * characters and a combining mark.
 */
static char every_escape[128];

static void make_every_escape(void)
{
    char *p = every_escape;
    for (int c = 1; c < 0x20; c++)
        *p++ = (char)c;
    strcpy(p,
           "\"\\\x7f \\u000B \\\\u001F / \xe2\x80\xa8 \xf0\x9f\x98\x80\xf0\x9d\x84\x9e e\xcc\x81");
}

static void test_every_type_at_its_edges(void **state)
{
    trail_conn *db = ((it_db *)*state)->db;
    const trail_entity *e = &everything_sample_entity;
    make_every_escape();
    int64_t owner = it_account(db, "owner"), other = it_account(db, "other");

    everything_sample_create_params p = EVERYTHING_SAMPLE_CREATE_INIT;
    p.flag = true;
    p.flag_n = false;
    p.flag_n_null = false;
    p.small = -10;
    p.small_n = INT32_MIN;
    p.small_n_null = false;
    p.big = INT64_MAX;
    p.big_n = INT64_MIN;
    p.big_n_null = false;
    p.ratio = -0.0; /* stored as 0.0 (docs/values.md) */
    p.ratio_n = 1e300;
    p.ratio_n_null = false;
    p.words = every_escape;
    p.words_n = "\xf0\x9f\x98\x80\xf0\x9d\x84\x9e"; /* two astral-plane characters */
    p.payload = (trail_blob){ nuls, sizeof nuls };
    p.payload_n = (trail_blob){ "", 0 };
    p.day = TRAIL_DATE_MIN;
    p.day_n = TRAIL_DATE_MAX;
    p.day_n_null = false;
    p.moment = TRAIL_TIMESTAMP_MIN;
    p.moment_n = TRAIL_TIMESTAMP_MAX;
    p.moment_n_null = false;
    p.doc = "{\"b\": [1, 2.5, -0, 1e-3, \"\\u00e9\\ud83d\\ude00\"], \"a\": {\"\": null}}";
    p.doc_n = "\"\\u001f \\\" \\\\\"";
    p.color = EVERYTHING_SAMPLE_COLOR_RED;
    p.color_n = EVERYTHING_SAMPLE_COLOR_N_DOWN;
    p.color_n_null = false;
    p.owner = owner;
    p.owner_n = other;
    p.owner_n_null = false;
    p.code = INT64_MIN;
    p.serial = INT32_MAX;
    p.serial_null = false;
    p.opened_on = TRAIL_DATE_MAX;
    p.opened_on_null = false;
    p.token = "secret";
    p.scratch = "{\"left\": \"out\"}";

    everything_sample made = { 0 }, s[6] = { { 0 } };
    IT_OK(db, everything_sample_create(db, NULL, &p, &made));
    IT_OK(db, everything_sample_get(db, made.id, &s[0]));
    expect_event(db, e, made.id, "insert", NULL, &s[0]);

    /* Every field to its other edge. */
    everything_sample_update_params u = {
        .id = made.id,
        .version = s[0].version,
        .set = ~UINT64_C(0) >> (64 - 27),
        .flag = false,
        .flag_n = true,
        .small = 10,
        .small_n = INT32_MAX,
        .big = 1,
        .big_n = -1,
        .ratio = 1000000.25,
        .ratio_n = 4.9406564584124654e-324, /* the smallest double */
        .words = "",
        .words_n = "",
        .payload = { "", 0 },
        .payload_n = { sixteen, sizeof sixteen },
        .day = TRAIL_DATE_MAX,
        .day_n = TRAIL_DATE_MIN,
        .moment = TRAIL_TIMESTAMP_MAX,
        .moment_n = TRAIL_TIMESTAMP_MIN,
        .doc = "[]",
        .doc_n = "-1e-300",
        .color = EVERYTHING_SAMPLE_COLOR_BLUE,
        .color_n = EVERYTHING_SAMPLE_COLOR_N_UP,
        .owner = other,
        .owner_n_null = true,
        .code = INT64_MAX,
        .serial = INT32_MIN,
        .opened_on = TRAIL_DATE_MIN,
        .token = "another",
        .scratch = NULL,
    };
    IT_OK(db, everything_sample_update(db, NULL, &u, NULL));
    IT_OK(db, everything_sample_get(db, made.id, &s[1]));
    expect_event(db, e, made.id, "update", &s[0], &s[1]);

    /* Only the omitted field: an event that names no field. */
    u = (everything_sample_update_params){
        .id = made.id, .version = s[1].version, .set = EVERYTHING_SAMPLE_SCRATCH, .scratch = "[1]"
    };
    IT_OK(db, everything_sample_update(db, NULL, &u, NULL));
    IT_OK(db, everything_sample_get(db, made.id, &s[2]));
    assert_int_equal(s[2].version, s[1].version + 1);
    expect_event(db, e, made.id, "update", &s[1], &s[2]);

    /* Only the redacted field: named, its values "[redacted]". */
    u = (everything_sample_update_params){
        .id = made.id, .version = s[2].version, .set = EVERYTHING_SAMPLE_TOKEN, .token = "third"
    };
    IT_OK(db, everything_sample_update(db, NULL, &u, NULL));
    IT_OK(db, everything_sample_get(db, made.id, &s[3]));
    expect_event(db, e, made.id, "update", &s[2], &s[3]);

    /* Some fields, and every nullable one to NULL. */
    u = (everything_sample_update_params){
        .id = made.id,
        .version = s[3].version,
        .set = EVERYTHING_SAMPLE_FLAG_N | EVERYTHING_SAMPLE_SMALL_N | EVERYTHING_SAMPLE_BIG_N |
               EVERYTHING_SAMPLE_RATIO_N | EVERYTHING_SAMPLE_WORDS_N | EVERYTHING_SAMPLE_PAYLOAD_N |
               EVERYTHING_SAMPLE_DAY_N | EVERYTHING_SAMPLE_MOMENT_N | EVERYTHING_SAMPLE_DOC_N |
               EVERYTHING_SAMPLE_COLOR_N | EVERYTHING_SAMPLE_SERIAL | EVERYTHING_SAMPLE_OPENED_ON |
               EVERYTHING_SAMPLE_WORDS,
        .flag_n_null = true,
        .small_n_null = true,
        .big_n_null = true,
        .ratio_n_null = true,
        .day_n_null = true,
        .moment_n_null = true,
        .color_n_null = true,
        .serial_null = true,
        .opened_on_null = true,
        .words = every_escape,
    };
    IT_OK(db, everything_sample_update(db, NULL, &u, NULL));
    IT_OK(db, everything_sample_get(db, made.id, &s[4]));
    expect_event(db, e, made.id, "update", &s[3], &s[4]);

    IT_OK(db, everything_sample_delete(db, NULL, made.id, s[4].version));
    expect_event(db, e, made.id, "delete", &s[4], NULL);

    everything_sample_clear(&made);
    for (size_t i = 0; i < 6; i++)
        everything_sample_clear(&s[i]);
}

/* ---- NULL in every nullable field, on create ----------------------------- */

static void test_nulls(void **state)
{
    trail_conn *db = ((it_db *)*state)->db;
    const trail_entity *e = &everything_sample_entity;
    everything_sample_create_params p = EVERYTHING_SAMPLE_CREATE_INIT;
    p.day_n_null = true; /* it has a default */
    p.payload = (trail_blob){ "", 0 };
    p.owner = it_account(db, "owner");
    p.code = 0;
    p.token = "";
    everything_sample made = { 0 }, got = { 0 };
    IT_OK(db, everything_sample_create(db, NULL, &p, &made));
    IT_OK(db, everything_sample_get(db, made.id, &got));
    assert_true(got.flag_n_null && got.small_n_null && got.ratio_n_null && got.day_n_null);
    assert_null(got.words_n);
    assert_null(got.payload_n.data);
    expect_event(db, e, made.id, "insert", NULL, &got);
    IT_OK(db, everything_sample_delete(db, NULL, made.id, got.version));
    expect_event(db, e, made.id, "delete", &got, NULL);
    everything_sample_clear(&made);
    everything_sample_clear(&got);
}

/* ---- values one after the other in one field ------------------------------ */

/* The sample that field-by-field tests change. */
static void new_sample(trail_conn *db, everything_sample *out)
{
    everything_sample_create_params p = EVERYTHING_SAMPLE_CREATE_INIT;
    p.payload = (trail_blob){ "", 0 };
    p.owner = it_account(db, "owner");
    p.code = 7;
    p.token = "t";
    everything_sample made = { 0 };
    IT_OK(db, everything_sample_create(db, NULL, &p, &made));
    IT_OK(db, everything_sample_get(db, made.id, out));
    everything_sample_clear(&made);
}

/* Applies @u (id and version filled in here) to *@s and checks its event; *@s is the row after. */
static void update_and_expect(trail_conn *db, everything_sample *s,
                              everything_sample_update_params u)
{
    u.id = s->id;
    u.version = s->version;
    everything_sample after = { 0 };
    IT_OK(db, everything_sample_update(db, NULL, &u, NULL));
    IT_OK(db, everything_sample_get(db, s->id, &after));
    assert_int_equal(after.version, s->version + 1);
    expect_event(db, &everything_sample_entity, s->id, "update", s, &after);
    everything_sample_clear(s);
    *s = after;
}

/*
 * Doubles in every layout: positional and exponent, at the edges between
 * them, subnormals, the largest, powers of two (whose shortest form may lie
 * on their wider side), and decimals exactly halfway between two doubles,
 * which strtod reads as the even one (1e23, 5e22 and 2^54 + 2^2 + 2^1...),
 * and either side of where MariaDB's own text of a double is the C writer's
 * (1e-4 up to 1e15, and 0: write_mysql.c's MY_DOUBLE_FAST).
 */
static const double doubles[] = {
    0.1,
    -2.5,
    3.0,
    100.0,
    0.30000000000000004,
    1.0 / 3.0,
    1e-4,
    -1e-4,
    1.0000000000000002e-4, /* the next double up */
    0.0001000001,
    1.2345678901234567e-4,
    1.5e-4,
    9.999999999999999e-5,
    -9.999999999999999e-5,
    1e-5,
    -1.2345678901234567e-7,
    1e-15,
    1.2345e-16,
    123456789012345.6,
    1e14,
    999999999999999.0,
    9.999999999999998e14,
    999999999999999.9, /* 999999999999999.875, the largest below 1e15 */
    -999999999999999.9,
    1e15,
    -1e15,
    1000000000000000.1, /* 1000000000000000.125, the next double up */
    1234567890123456.8,
    -1234567890123456.0,
    1e16,
    9007199254740993.0,
    1e21,
    1e22,
    1e23,
    5e22,
    7e22,
    30892612233637952.0,
    1.2145019161028419e17,
    -2.1406127740768002e19,
    1e40,
    9.999999999999999e39,
    1e300,
    -1e-300,
    DBL_MAX,
    DBL_MIN,
    2.2250738585072009e-308, /* the largest subnormal */
    4.9406564584124654e-324,
    9.8813129168249309e-324,
    1.2345678901234567e-310,
    0x1p-1017,
    0x1p60,
    0x1p100,
    0x1p-44,
    -0x1p1023,
    0.0,
    -0.0, /* stored as 0.0: no change, so after 1.0 below */
    1.0,
    -0.0,
};

static void test_doubles(void **state)
{
    trail_conn *db = ((it_db *)*state)->db;
    everything_sample s = { 0 };
    new_sample(db, &s);
    for (size_t i = 0; i < sizeof doubles / sizeof doubles[0]; i++) {
        if (s.ratio_n_null ? false : (s.ratio_n == doubles[i]))
            continue; /* the same value: no event */
        update_and_expect(db, &s,
                          (everything_sample_update_params){ .set = EVERYTHING_SAMPLE_RATIO_N |
                                                                    EVERYTHING_SAMPLE_RATIO,
                                                             .ratio_n = doubles[i],
                                                             .ratio = (double)i / 8 });
    }
    everything_sample_clear(&s);
}

/* Text with every escape alone and beside what looks like one. */
static void test_text(void **state)
{
    trail_conn *db = ((it_db *)*state)->db;
    make_every_escape();
    static const char *const texts[] = {
        "plain",
        "\x0b",
        "\x1f\x1a",
        "\\\x0b",
        "\\\\\x1b",
        "\\u000B",
        "\\\\u000E\x0e",
        "\"\\/\b\f\n\r\t",
        "\x7f",
        "\xe2\x80\xa8\xe2\x80\xa9",
        "\xf4\x8f\xbf\xbf",
        "\xf0\x9f\x98\x80\xf0\x9f\x91\x8d\xf0\x9f\x8f\xbd",
        "Gr\xc3\xbc\xc3\x9f"
        "e",
        "\t",
        "a\x7f\tb\xe2\x80\xa8",
        "\x1f\x7f",
        "\\u00",
        "",
    };
    everything_sample s = { 0 };
    new_sample(db, &s);
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++)
        update_and_expect(db, &s,
                          (everything_sample_update_params){ .set = EVERYTHING_SAMPLE_WORDS |
                                                                    EVERYTHING_SAMPLE_WORDS_N,
                                                             .words = texts[i],
                                                             .words_n = i % 2 ? texts[i] : NULL });
    char c[2] = { 0 };
    for (int ch = 1; ch < 0x20; ch++) {
        c[0] = (char)ch;
        update_and_expect(
            db, &s,
            (everything_sample_update_params){ .set = EVERYTHING_SAMPLE_WORDS, .words = c });
    }
    update_and_expect(
        db, &s,
        (everything_sample_update_params){ .set = EVERYTHING_SAMPLE_WORDS, .words = every_escape });
    everything_sample_clear(&s);
}

/* JSON as each engine stores it, and a NUL, which text cannot hold and JSON may not. */
static void test_json_and_nul(void **state)
{
    trail_conn *db = ((it_db *)*state)->db;
    static const char *const docs[] = {
        "{\"b\":1,\"a\":[1,2,{\"c\":null}]}",      "  [ 1 , 2.50 , 1E+2, -0.0 ]  ",
        "\"\\u00e9\\ud83d\\ude00\\u001F\\/\"",     "-12.50e-3",
        "{\"k\": \"\xf0\x9f\x98\x80\", \"k\": 2}", "true",
    };
    everything_sample s = { 0 };
    new_sample(db, &s);
    for (size_t i = 0; i < sizeof docs / sizeof docs[0]; i++)
        update_and_expect(db, &s,
                          (everything_sample_update_params){
                              .set = EVERYTHING_SAMPLE_DOC | EVERYTHING_SAMPLE_DOC_N,
                              .doc = docs[i],
                              .doc_n = docs[(i + 1) % (sizeof docs / sizeof docs[0])] });

    /* A NUL in text: a C string ends there; in JSON (\u0000) it is refused. */
    size_t before = event_count(db, "samples", s.id);
    everything_sample_update_params u = {
        .id = s.id, .version = s.version, .set = EVERYTHING_SAMPLE_DOC, .doc = "\"a\\u0000b\""
    };
    IT_EXPECT(db, TRAIL_EINVALID, everything_sample_update(db, NULL, &u, NULL));
    IT_MSG(db, "sample.doc", "\\u0000");
    assert_int_equal(event_count(db, "samples", s.id), before);

    /* A blob holds them. */
    update_and_expect(db, &s,
                      (everything_sample_update_params){ .set = EVERYTHING_SAMPLE_PAYLOAD,
                                                         .payload = { nuls, sizeof nuls } });
    everything_sample_clear(&s);
}

/* ---- int64 keys and references, enums; ULID references ------------------- */

static void test_keys_and_references(void **state)
{
    trail_conn *db = ((it_db *)*state)->db;
    const trail_entity *ea = &everything_account_entity, *et = &everything_sample_tag_entity;

    everything_account_create_params ap = EVERYTHING_ACCOUNT_CREATE_INIT;
    ap.handle = "root \xf0\x9f\x8c\xb3";
    ap.balance = INT64_MIN;
    ap.level = 0;
    ap.status = EVERYTHING_ACCOUNT_STATUS_CLOSED;
    ap.label = "\x01";
    everything_account root = { 0 }, a[3] = { { 0 } };
    IT_OK(db, everything_account_create(db, NULL, &ap, &root));
    char root_id[24];
    snprintf(root_id, sizeof root_id, "%" PRId64, root.id);
    IT_OK(db, everything_account_get(db, root.id, &a[0]));
    expect_event(db, ea, root_id, "insert", NULL, &a[0]);

    everything_account_update_params au = {
        .id = root.id,
        .version = a[0].version,
        .set = EVERYTHING_ACCOUNT_PARENT | EVERYTHING_ACCOUNT_BALANCE | EVERYTHING_ACCOUNT_LEVEL |
               EVERYTHING_ACCOUNT_STATUS | EVERYTHING_ACCOUNT_LABEL,
        .parent = root.id, /* itself */
        .balance = INT64_MAX,
        .level = 99,
        .status = EVERYTHING_ACCOUNT_STATUS_FROZEN,
        .label = "",
    };
    IT_OK(db, everything_account_update(db, NULL, &au, NULL));
    IT_OK(db, everything_account_get(db, root.id, &a[1]));
    expect_event(db, ea, root_id, "update", &a[0], &a[1]);

    /* A tag: a reference to a ULID key, an enum that is NULL, then set. */
    everything_sample s = { 0 };
    new_sample(db, &s);
    everything_sample_tag_create_params tp = EVERYTHING_SAMPLE_TAG_CREATE_INIT;
    tp.sample = s.id;
    everything_sample_tag tag = { 0 }, t[2] = { { 0 } };
    IT_OK(db, everything_sample_tag_create(db, NULL, &tp, &tag));
    IT_OK(db, everything_sample_tag_get(db, tag.id, &t[0]));
    expect_event(db, et, tag.id, "insert", NULL, &t[0]);
    everything_sample_tag_update_params tu = {
        .id = tag.id,
        .version = t[0].version,
        .set = EVERYTHING_SAMPLE_TAG_TAG | EVERYTHING_SAMPLE_TAG_NOTE,
        .tag = EVERYTHING_SAMPLE_TAG_TAG_OLD,
        .note = "\\u0041",
    };
    IT_OK(db, everything_sample_tag_update(db, NULL, &tu, NULL));
    IT_OK(db, everything_sample_tag_get(db, tag.id, &t[1]));
    expect_event(db, et, tag.id, "update", &t[0], &t[1]);
    IT_OK(db, everything_sample_tag_delete(db, NULL, tag.id, t[1].version));
    expect_event(db, et, tag.id, "delete", &t[1], NULL);

    /* The account's reference to itself goes first: a delete may not leave it dangling. */
    au = (everything_account_update_params){ .id = root.id,
                                             .version = a[1].version,
                                             .set = EVERYTHING_ACCOUNT_PARENT,
                                             .parent_null = true };
    IT_OK(db, everything_account_update(db, NULL, &au, NULL));
    IT_OK(db, everything_account_get(db, root.id, &a[2]));
    expect_event(db, ea, root_id, "update", &a[1], &a[2]);
    IT_OK(db, everything_account_delete(db, NULL, root.id, a[2].version));
    expect_event(db, ea, root_id, "delete", &a[2], NULL);

    everything_sample_clear(&s);
    everything_sample_tag_clear(&tag);
    for (size_t i = 0; i < 2; i++)
        everything_sample_tag_clear(&t[i]);
    everything_account_clear(&root);
    for (size_t i = 0; i < 3; i++)
        everything_account_clear(&a[i]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_every_type_at_its_edges, it_setup, it_teardown),
        cmocka_unit_test_setup_teardown(test_nulls, it_setup, it_teardown),
        cmocka_unit_test_setup_teardown(test_doubles, it_setup, it_teardown),
        cmocka_unit_test_setup_teardown(test_text, it_setup, it_teardown),
        cmocka_unit_test_setup_teardown(test_json_and_nul, it_setup, it_teardown),
        cmocka_unit_test_setup_teardown(test_keys_and_references, it_setup, it_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
