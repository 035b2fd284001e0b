/*
 * test_json.c - the event JSON writer: every output is parsed back with
 * jansson and compared with what went in.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <float.h>
#include <jansson.h>
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/json.h"
#include "trail/error.h"

/* Writes @len bytes of @s as one JSON string value; returns the writer's result. */
static int write_string(trail_buf *out, const char *s, size_t len)
{
    trail_json w;
    trail__json_init(&w, out);
    trail__json_string(&w, s, len);
    return trail__json_finish(&w);
}

/* Parses @text as one JSON value (NUL bytes in strings allowed); fails the test if it is not. */
static json_t *parse(const char *text)
{
    json_error_t error;
    json_t *v = json_loads(text, JSON_DECODE_ANY | JSON_ALLOW_NUL, &error);
    if (!v)
        fail_msg("jansson refused %s: %s", text, error.text);
    return v;
}

/* @s written as a JSON string parses back to exactly @s. */
static void assert_string_round_trip(const char *s, size_t len)
{
    trail_buf out = TRAIL_BUF_INIT;
    assert_int_equal(write_string(&out, s, len), TRAIL_OK);
    json_t *v = parse(out.data);
    assert_true(json_is_string(v));
    assert_int_equal(json_string_length(v), len);
    assert_memory_equal(json_string_value(v), s, len);
    json_decref(v);
    trail__buf_free(&out);
}

static void test_control_characters(void **state)
{
    (void)state;
    trail_buf out = TRAIL_BUF_INIT;
    for (int c = 0; c < 0x20; c++) {
        char s[3] = { 'a', (char)c, 'b' };
        trail__buf_reset(&out);
        assert_int_equal(write_string(&out, s, 3), TRAIL_OK);
        /* No raw control character may appear in the output. */
        for (size_t i = 0; i < out.len; i++) {
            if ((unsigned char)out.data[i] < 0x20)
                fail_msg("raw 0x%02x in output for 0x%02x", out.data[i], c);
        }
        assert_string_round_trip(s, 3);
    }
    /* The short escapes where RFC 8259 has them, \u00XX otherwise. */
    assert_int_equal(write_string(&out, "\n", 1), TRAIL_OK);
    trail__buf_reset(&out);
    assert_int_equal(write_string(&out, "\b\f\n\r\t\x01\x1f", 7), TRAIL_OK);
    assert_string_equal(out.data, "\"\\b\\f\\n\\r\\t\\u0001\\u001f\"");
    trail__buf_free(&out);
}

static void test_quotes_backslash_unicode(void **state)
{
    (void)state;
    trail_buf out = TRAIL_BUF_INIT;
    assert_int_equal(write_string(&out, "say \"hi\" \\o/", 12), TRAIL_OK);
    assert_string_equal(out.data, "\"say \\\"hi\\\" \\\\o/\"");
    trail__buf_free(&out);

    const char *samples[] = {
        "caf\xc3\xa9",                  /* café */
        "\xe6\x9d\xb1\xe4\xba\xac",     /* 東京 */
        "\xf0\x9f\x98\x80",             /* 😀 */
        "\xef\xbf\xbf\xf4\x8f\xbf\xbf", /* U+FFFF, U+10FFFF */
        "\xe2\x80\xa8\xe2\x80\xa9",     /* U+2028, U+2029 */
        "",
    };
    for (size_t i = 0; i < sizeof samples / sizeof samples[0]; i++)
        assert_string_round_trip(samples[i], strlen(samples[i]));
    assert_string_round_trip("nul\0inside", 10);
}

static void test_invalid_utf8_refused(void **state)
{
    (void)state;
    const char *bad[] = {
        "\x80",             /* lone continuation */
        "\xc0\x80",         /* overlong NUL */
        "\xc1\xbf",         /* overlong */
        "\xe0\x80\x80",     /* overlong */
        "\xed\xa0\x80",     /* surrogate U+D800 */
        "\xf4\x90\x80\x80", /* above U+10FFFF */
        "\xf5\x80\x80\x80", /* no such lead byte */
        "\xe6\x9d",         /* truncated */
        "ok\xff",
    };
    trail_buf out = TRAIL_BUF_INIT;
    assert_int_equal(trail__buf_append_str(&out, "prefix"), TRAIL_OK);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        trail_json w;
        trail__json_init(&w, &out);
        trail__json_begin_object(&w);
        trail__json_key(&w, "k");
        trail__json_string(&w, bad[i], strlen(bad[i]));
        trail__json_end_object(&w);
        if (trail__json_finish(&w) != TRAIL_EINVALID)
            fail_msg("bad UTF-8 #%zu accepted", i);
        /* Nothing of the refused document is left behind. */
        assert_int_equal(out.len, 6);
        assert_string_equal(out.data, "prefix");
    }
    /* Keys are checked too. */
    trail_json w;
    trail__json_init(&w, &out);
    trail__json_begin_object(&w);
    trail__json_key(&w, "\xed\xa0\x80");
    trail__json_null(&w);
    trail__json_end_object(&w);
    assert_int_equal(trail__json_finish(&w), TRAIL_EINVALID);
    trail__buf_free(&out);
}

static void test_numbers(void **state)
{
    (void)state;
    const int64_t ints[] = { 0, 1, -1, INT64_MAX, INT64_MIN, 1000000007 };
    trail_buf out = TRAIL_BUF_INIT;
    for (size_t i = 0; i < sizeof ints / sizeof ints[0]; i++) {
        trail_json w;
        trail__buf_reset(&out);
        trail__json_init(&w, &out);
        trail__json_int64(&w, ints[i]);
        assert_int_equal(trail__json_finish(&w), TRAIL_OK);
        json_t *v = parse(out.data);
        assert_true(json_is_integer(v));
        assert_true(json_integer_value(v) == ints[i]);
        json_decref(v);
    }

    const double doubles[] = { 0.0,
                               -0.0,
                               1.0,
                               -2.5,
                               0.1,
                               1.0 / 3.0,
                               1e300,
                               -1e-300,
                               5e-324,
                               1.7976931348623157e308,
                               123456789012345680.0,
                               1e21 };
    for (size_t i = 0; i < sizeof doubles / sizeof doubles[0]; i++) {
        trail_json w;
        trail__buf_reset(&out);
        trail__json_init(&w, &out);
        trail__json_double(&w, doubles[i]);
        assert_int_equal(trail__json_finish(&w), TRAIL_OK);
        json_t *v = parse(out.data);
        if (!json_is_real(v)) /* 1.0 must not come back as the integer 1 */
            fail_msg("%s is not read back as a real", out.data);
        assert_true(json_real_value(v) == doubles[i]);
        assert_true(signbit(json_real_value(v)) == signbit(doubles[i]));
        json_decref(v);
    }
    trail__buf_reset(&out);

    const double bad[] = { NAN, INFINITY, -INFINITY };
    for (size_t i = 0; i < 3; i++) {
        trail_json w;
        trail__json_init(&w, &out);
        trail__json_double(&w, bad[i]);
        assert_int_equal(trail__json_finish(&w), TRAIL_EINVALID);
        assert_int_equal(out.len, 0);
    }
    trail__buf_free(&out);
}

/*
 * Doubles are spelled one way (json.h), the way PostgreSQL's and MariaDB's
 * SQL is made to spell them too (write_pg.c, write_mysql.c): the shortest
 * decimal that reads back the same, the nearest of those; positional when the
 * leading digit's exponent is -4 to 14, else d.ddde±XX. The digits here are
 * Python's repr() of the same doubles (David Gay's dtoa, not trail's code).
 */
static void test_double_spelling(void **state)
{
    (void)state;
    static const struct {
        double v;
        const char *json;
    } cases[] = {
        { 0.0, "0.0" },
        { -0.0, "-0.0" },
        { 1.0, "1.0" },
        { 100.0, "100.0" },
        { -2.5, "-2.5" },
        { 0.1, "0.1" },
        { 1.0 / 3.0, "0.3333333333333333" },
        { 0.30000000000000004, "0.30000000000000004" },
        { 1e-4, "0.0001" },
        { 1e-5, "1e-05" },
        { 123456789012345.6, "123456789012345.6" },
        { 1e15, "1e+15" },
        { 1234567890123456.8, "1.2345678901234568e+15" },
        { 9007199254740993.0, "9.007199254740992e+15" }, /* 2^53 + 1 is 2^53 as a double */
        { 123456789012345680.0, "1.2345678901234568e+17" },
        { 0x1p60, "1.152921504606847e+18" },
        { 1e23, "1e+23" }, /* halfway between two doubles: read as the even one, this */
        { 30892612233637952.0, "3.089261223363795e+16" }, /* also halfway */
        { 1e300, "1e+300" },
        { -1e-300, "-1e-300" },
        { DBL_MAX, "1.7976931348623157e+308" },
        { DBL_MIN, "2.2250738585072014e-308" },
        { 0x1p-1017,
          "7.120236347223045e-307" }, /* the shortest lies above, where the gap is wider */
        { 5e-324, "5e-324" },         /* was 4.94065645841247e-324 */
    };
    trail_buf out = TRAIL_BUF_INIT;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        trail_json w;
        trail__buf_reset(&out);
        trail__json_init(&w, &out);
        trail__json_double(&w, cases[i].v);
        assert_int_equal(trail__json_finish(&w), TRAIL_OK);
        assert_string_equal(out.data, cases[i].json);
    }
    trail__buf_free(&out);
}

/*
 * A program running in a locale with a decimal comma still gets JSON numbers.
 * ctest builds de_DE.UTF-8 with localedef and points LOCPATH at it.
 */
static void test_double_ignores_locale(void **state)
{
    (void)state;
    if (!setlocale(LC_NUMERIC, "de_DE.UTF-8"))
        fail_msg("no de_DE.UTF-8 locale (LOCPATH=%s)", getenv("LOCPATH"));
    char check[16];
    snprintf(check, sizeof check, "%.1f", 2.5);
    assert_string_equal(check, "2,5"); /* the locale is really in effect */

    trail_buf out = TRAIL_BUF_INIT;
    trail_json w;
    trail__json_init(&w, &out);
    trail__json_double(&w, 2.5);
    assert_int_equal(trail__json_finish(&w), TRAIL_OK);
    setlocale(LC_NUMERIC, "C");
    assert_string_equal(out.data, "2.5");
    trail__buf_free(&out);
}

static void test_blob_date_timestamp(void **state)
{
    (void)state;
    trail_buf out = TRAIL_BUF_INIT;
    trail_json w;
    trail__json_init(&w, &out);
    trail__json_begin_array(&w);
    trail__json_blob(&w, "foobar", 6);
    trail__json_blob(&w, "", 0);
    trail__json_blob(&w, "\0\xff\0", 3);
    trail__json_date(&w, 0);
    trail__json_date(&w, -1);
    trail__json_date(&w, 20415); /* 2025-11-23 */
    trail__json_timestamp(&w, 0);
    trail__json_timestamp(&w, -1);
    trail__json_timestamp(&w, INT64_C(1795386910123));
    trail__json_bool(&w, true);
    trail__json_bool(&w, false);
    trail__json_null(&w);
    trail__json_text(&w, NULL);
    trail__json_text(&w, "t");
    trail__json_end_array(&w);
    assert_int_equal(trail__json_finish(&w), TRAIL_OK);
    assert_string_equal(out.data, "[\"Zm9vYmFy\",\"\",\"AP8A\",\"1970-01-01\",\"1969-12-31\","
                                  "\"2025-11-23\",\"1970-01-01T00:00:00.000Z\","
                                  "\"1969-12-31T23:59:59.999Z\",\"2026-11-22T22:35:10.123Z\","
                                  "true,false,null,null,\"t\"]");
    json_decref(parse(out.data));
    trail__buf_free(&out);
}

/* An object as the event writer will build it, read back member by member. */
static void test_nested_document(void **state)
{
    (void)state;
    trail_buf out = TRAIL_BUF_INIT;
    trail_json w;
    trail__json_init(&w, &out);
    trail__json_begin_object(&w);
    trail__json_key(&w, "id");
    trail__json_text(&w, "01ARYZ6S41TSV4RRFFQ69G5FAV");
    trail__json_key(&w, "credit");
    trail__json_int64(&w, 50);
    trail__json_key(&w, "tags");
    trail__json_begin_array(&w);
    trail__json_begin_object(&w);
    trail__json_end_object(&w);
    trail__json_begin_array(&w);
    trail__json_end_array(&w);
    trail__json_int64(&w, 3);
    trail__json_end_array(&w);
    trail__json_key(&w, "na\"me");
    trail__json_text(&w, "Ann");
    trail__json_end_object(&w);
    assert_int_equal(trail__json_finish(&w), TRAIL_OK);
    assert_string_equal(out.data, "{\"id\":\"01ARYZ6S41TSV4RRFFQ69G5FAV\",\"credit\":50,"
                                  "\"tags\":[{},[],3],\"na\\\"me\":\"Ann\"}");
    json_t *v = parse(out.data);
    assert_int_equal(json_integer_value(json_object_get(v, "credit")), 50);
    assert_string_equal(json_string_value(json_object_get(v, "na\"me")), "Ann");
    assert_int_equal(json_array_size(json_object_get(v, "tags")), 3);
    json_decref(v);
    trail__buf_free(&out);
}

/* Misuse is TRAIL_EARG, and the buffer is cut back to where the writer began. */
static void test_misuse(void **state)
{
    (void)state;
    trail_buf out = TRAIL_BUF_INIT;
    trail_json w;

    trail__json_init(&w, &out); /* value without a key */
    trail__json_begin_object(&w);
    trail__json_int64(&w, 1);
    assert_int_equal(trail__json_finish(&w), TRAIL_EARG);

    trail__json_init(&w, &out); /* key in an array */
    trail__json_begin_array(&w);
    trail__json_key(&w, "k");
    assert_int_equal(trail__json_finish(&w), TRAIL_EARG);

    trail__json_init(&w, &out); /* mismatched end */
    trail__json_begin_array(&w);
    trail__json_end_object(&w);
    assert_int_equal(trail__json_finish(&w), TRAIL_EARG);

    trail__json_init(&w, &out); /* key without value */
    trail__json_begin_object(&w);
    trail__json_key(&w, "k");
    trail__json_end_object(&w);
    assert_int_equal(trail__json_finish(&w), TRAIL_EARG);

    trail__json_init(&w, &out); /* unclosed */
    trail__json_begin_object(&w);
    assert_int_equal(trail__json_finish(&w), TRAIL_EARG);

    trail__json_init(&w, &out); /* two top-level values */
    trail__json_int64(&w, 1);
    trail__json_int64(&w, 2);
    assert_int_equal(trail__json_finish(&w), TRAIL_EARG);

    trail__json_init(&w, &out); /* nothing written */
    assert_int_equal(trail__json_finish(&w), TRAIL_EARG);

    trail__json_init(&w, &out); /* too deep */
    for (int i = 0; i <= TRAIL_JSON_MAX_DEPTH; i++)
        trail__json_begin_array(&w);
    assert_int_equal(trail__json_finish(&w), TRAIL_EARG);
    assert_int_equal(out.len, 0);

    /* Exactly the maximum depth is fine. */
    trail__json_init(&w, &out);
    for (int i = 0; i < TRAIL_JSON_MAX_DEPTH; i++)
        trail__json_begin_array(&w);
    for (int i = 0; i < TRAIL_JSON_MAX_DEPTH; i++)
        trail__json_end_array(&w);
    assert_int_equal(trail__json_finish(&w), TRAIL_OK);
    assert_int_equal(out.len, 2 * TRAIL_JSON_MAX_DEPTH);
    json_decref(parse(out.data));
    trail__buf_free(&out);
}

/* A large string crosses many buffer growths intact. */
static void test_long_string(void **state)
{
    (void)state;
    enum { N = 1 << 20 };
    char *s = malloc(N);
    assert_non_null(s);
    for (size_t i = 0; i < N; i++)
        s[i] = (char)(i % 3 == 0 ? '"' : 'a' + i % 26);
    assert_string_round_trip(s, N);
    free(s);
}

/* trail__json_string_len: the quoted length, counted by hand. */
static void test_string_len(void **state)
{
    (void)state;
    static const struct {
        const char *s;
        size_t len, quoted;
    } cases[] = {
        { "", 0, 2 },
        { "abc", 3, 5 },
        { "say \"hi\" \\o/", 12, 17 },              /* "say \"hi\" \\o/" */
        { "\b\f\n\r\t\x01\x1f", 7, 24 },            /* "\b\f\n\r\t\u0001\u001f" */
        { "nul\0in", 6, 13 },                       /* "nul\u0000in" */
        { "caf\xc3\xa9 \xf0\x9f\x98\x80", 10, 12 }, /* café 😀, unescaped */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        assert_int_equal(trail__json_string_len(cases[i].s, cases[i].len), cases[i].quoted);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_control_characters),
        cmocka_unit_test(test_quotes_backslash_unicode),
        cmocka_unit_test(test_invalid_utf8_refused),
        cmocka_unit_test(test_numbers),
        cmocka_unit_test(test_double_spelling),
        cmocka_unit_test(test_double_ignores_locale),
        cmocka_unit_test(test_blob_date_timestamp),
        cmocka_unit_test(test_nested_document),
        cmocka_unit_test(test_misuse),
        cmocka_unit_test(test_long_string),
        cmocka_unit_test(test_string_len),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
