/*
 * test_json_exact.c - json fields' numbers read exactly (core/json_exact.h):
 * their one spelling, worked out by hand, and checked against libc's
 * strtod() where a double holds them; what is refused, with PostgreSQL's
 * numeric limits at their edges (the integration tests store the same
 * edges on a real server).
 */
#define _POSIX_C_SOURCE 200809L
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/json_exact.h"
#include "trail/error.h"

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

/* trail__json_exact() of @in, every member read exactly; fails the test unless it is @want. */
static void expect_exact(const char *in, const char *want)
{
    trail_buf b = TRAIL_BUF_INIT;
    int rc = trail__json_exact(&b, in, strlen(in), NULL, NULL);
    if (rc != TRAIL_OK || strcmp(b.data, want) != 0)
        fail_msg("%.60s read as %.80s (rc %d), not %.80s", in, b.data ? b.data : "(nothing)", rc,
                 want);
    trail__buf_free(&b);
}

static void test_one_spelling_per_number(void **state)
{
    (void)state;
    static const char *const cases[][2] = {
        { "0", "\"n:0\"" },
        { "-0", "\"n:0\"" },
        { "0.000", "\"n:0\"" },
        { "-0.0e-5", "\"n:0\"" },
        { "0e99999999999999999999", "\"n:0\"" },
        { "1", "\"n:1e0\"" },
        { "1.0", "\"n:1e0\"" },
        { "1000", "\"n:1e3\"" },
        { "1E3", "\"n:1e3\"" },
        { "1e+3", "\"n:1e3\"" },
        { "1.50e1", "\"n:15e0\"" },
        { "150e-1", "\"n:15e0\"" },
        { "15", "\"n:15e0\"" },
        { "0.001", "\"n:1e-3\"" },
        { "-12.34000", "\"n:-1234e-2\"" },
        { "1e300", "\"n:1e300\"" },
        { "1e-0300", "\"n:1e-300\"" },
        { "-9223372036854775809", "\"n:-9223372036854775809e0\"" },
        { "123456789012345678901234567890", "\"n:12345678901234567890123456789e1\"" },
        { "0.1000000000000000055511151231257827021181583404541015625",
          "\"n:1000000000000000055511151231257827021181583404541015625e-55\"" },
        /* exponents of 10^18 and more in size, summed in decimal */
        { "1e-99999999999999999999", "\"n:1e-99999999999999999999\"" },
        { "10e99999999999999999999", "\"n:1e100000000000000000000\"" },
        { "1.5e-99999999999999999999", "\"n:15e-100000000000000000000\"" },
        { "0.01e100000000000000000000", "\"n:1e99999999999999999998\"" },
        { "12e-100000000000000000000", "\"n:12e-100000000000000000000\"" },
        { "-120e+000999999999999999999", "\"n:-12e1000000000000000000\"" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        expect_exact(cases[i][0], cases[i][1]);

    /* jsonb's spelling of 1e300 and 1e-300, and the same with their zeros written. */
    char *big = spelled("1", 300, '0', ""), *small = spelled("0.", 299, '0', "1");
    char *big_frac = spelled("1", 300, '0', ".000"), *small_exp = spelled("0.", 299, '0', "10e1");
    expect_exact(big, "\"n:1e300\"");
    expect_exact(small, "\"n:1e-300\"");
    expect_exact(big_frac, "\"n:1e300\"");
    expect_exact(small_exp, "\"n:1e-299\"");
    free(big);
    free(small);
    free(big_frac);
    free(small_exp);
}

/* Wherever a double holds a number, libc's strtod() reads the one spelling as the number. */
static void test_spelling_reads_back(void **state)
{
    (void)state;
    static const char *const numbers[] = {
        "0.1",
        "-2.5e-3",
        "123.456",
        "5e-324",
        "1.7976931348623157e308",
        "4.94065645841247e-324",
        "1e23",
        "9007199254740993",
        "-0.000123e5",
        "42",
        "2.2250738585072014e-308",
    };
    for (size_t i = 0; i < sizeof numbers / sizeof numbers[0]; i++) {
        trail_buf b = TRAIL_BUF_INIT;
        assert_int_equal(trail__json_exact(&b, numbers[i], strlen(numbers[i]), NULL, NULL),
                         TRAIL_OK);
        assert_int_equal(strncmp(b.data, "\"n:", 3), 0);
        double want = strtod(numbers[i], NULL), got = strtod(b.data + 3, NULL);
        if (memcmp(&want, &got, sizeof want) != 0)
            fail_msg("%s read as %s: %.17g, not %.17g", numbers[i], b.data, got, want);
        trail__buf_free(&b);
    }
}

static void test_strings_and_structure(void **state)
{
    (void)state;
    expect_exact("[1, \"a\", {\"k\": 2.0, \"s\": \"x\"}, true, null, false]",
                 "[\"n:1e0\",\"s:a\",{\"k\":\"n:2e0\",\"s\":\"s:x\"},true,null,false]");
    expect_exact(" \t\r\n{ \"a\" : [ ] , \"b\" : { } } \n", "{\"a\":[],\"b\":{}}");
    /* A string is copied as written, escapes and all: jansson reads it after. */
    expect_exact("\"a\\\"b\\\\\"", "\"s:a\\\"b\\\\\"");
    expect_exact("{\"1\": \"1\"}", "{\"1\":\"s:1\"}");
    expect_exact("\"\"", "\"s:\"");
}

static bool only_j(void *userdata, const char *key, size_t len)
{
    (void)userdata;
    return len == 1 && key[0] == 'j';
}

/* With a member filter, the other members are as written, for jansson to read as it does. */
static void test_member_filter(void **state)
{
    (void)state;
    const char *in = "{\"j\": [1.0, \"x\"], \"d\": 1.0e1, \"s\": \"x\", \"o\": {\"j\": 2}}";
    trail_buf b = TRAIL_BUF_INIT;
    assert_int_equal(trail__json_exact(&b, in, strlen(in), only_j, NULL), TRAIL_OK);
    assert_string_equal(b.data,
                        "{\"j\":[\"n:1e0\",\"s:x\"],\"d\":1.0e1,\"s\":\"x\",\"o\":{\"j\":2}}");
    trail__buf_free(&b);
    /* A value that is no object is read exactly whole. */
    assert_int_equal(trail__json_exact(&b, "[2.0]", 5, only_j, NULL), TRAIL_OK);
    assert_string_equal(b.data, "[\"n:2e0\"]");
    trail__buf_free(&b);
}

static void test_not_json(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "",     " ",     "1.",   "01",       "-",     ".5",        "+1",         "1e",
        "1e+",  "0x1",   "1.e5", "[1,]",     "[1 2]", "{\"a\"}",   "{\"a\":1,}", "{1:2}",
        "\"ab", "\"a\\", "tru",  "nul",      "[",     "{",         "]",          "{\"a\":1}x",
        "1 2",  "[1.]",  "NaN",  "Infinity", "[-]",   "{\"a\" 1}", "[1}",        "{\"a\":1]",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        trail_buf b = TRAIL_BUF_INIT;
        trail__buf_append_str(&b, "before");
        int rc = trail__json_exact(&b, bad[i], strlen(bad[i]), NULL, NULL);
        if (rc != TRAIL_EINVALID)
            fail_msg("'%s' read as %s (rc %d)", bad[i], b.data, rc);
        assert_string_equal(b.data, "before"); /* nothing left behind */
        trail_json_verdict v;
        assert_int_equal(trail__json_check(bad[i], strlen(bad[i]), &v), TRAIL_EINVALID);
        assert_int_equal(v.fault, TRAIL_JSON_NOT_JSON);
        assert_true(v.why[0] != '\0');
        trail__buf_free(&b);
    }
}

static void test_depth(void **state)
{
    (void)state;
    char *deep = spelled("", 2048, '[', ""), *text = spelled(deep, 2048, ']', "");
    trail_buf b = TRAIL_BUF_INIT;
    assert_int_equal(trail__json_exact(&b, text, strlen(text), NULL, NULL), TRAIL_OK);
    assert_string_equal(b.data, text);
    trail__buf_free(&b);
    char *deeper = spelled("[", 2048, '[', ""), *more = spelled(deeper, 2049, ']', "");
    assert_int_equal(trail__json_exact(&b, more, strlen(more), NULL, NULL), TRAIL_EINVALID);
    trail__buf_free(&b);
    free(deep);
    free(text);
    free(deeper);
    free(more);
}

/* Fails unless trail__json_check() of @in finds @fault, its reason holding @why (NULL: any). */
static void expect_verdict(const char *in, trail_json_fault fault, const char *why)
{
    trail_json_verdict v;
    int rc = trail__json_check(in, strlen(in), &v);
    if (rc != (fault == TRAIL_JSON_FINE ? TRAIL_OK : TRAIL_EINVALID) || v.fault != fault ||
        (why && !strstr(v.why, why)))
        fail_msg("check of %.60s: rc %d, fault %d (%s), not fault %d (%s)", in, rc, (int)v.fault,
                 v.why, (int)fault, why ? why : "");
}

static void test_check(void **state)
{
    (void)state;
    expect_verdict("{\"a\": [1e400, 123456789012345678901234567890, 1e-400, -0]}", TRAIL_JSON_FINE,
                   NULL);
    /* PostgreSQL's numeric, at its edges */
    expect_verdict("1e131071", TRAIL_JSON_FINE, NULL);
    expect_verdict("-9.99e131071", TRAIL_JSON_FINE, NULL);
    expect_verdict("0.00001e131076", TRAIL_JSON_FINE, NULL);
    expect_verdict("1e-16383", TRAIL_JSON_FINE, NULL);
    expect_verdict("-0.0e-16382", TRAIL_JSON_FINE, NULL);
    expect_verdict("0e1073741822", TRAIL_JSON_FINE, NULL);
    expect_verdict("1e131072", TRAIL_JSON_NUMBER, "131073 digits before the point");
    expect_verdict("[0, {\"a\": -10e131071}]", TRAIL_JSON_NUMBER, "the number -10e131071 has");
    expect_verdict("0.00001e131077", TRAIL_JSON_NUMBER, "131073 digits before the point");
    expect_verdict("1e-16384", TRAIL_JSON_NUMBER, "16384 digits after the point");
    expect_verdict("1.0e-16383", TRAIL_JSON_NUMBER, "16384 digits after the point");
    expect_verdict("0e-16384", TRAIL_JSON_NUMBER, "16384 digits after the point");
    expect_verdict("0e1073741823", TRAIL_JSON_NUMBER, "exponent of 1073741823 or more");
    expect_verdict("1e-99999999999999999999", TRAIL_JSON_NUMBER, "exponent");
    expect_verdict("1e00000000000000000000000000001", TRAIL_JSON_FINE, NULL);
    /* the strings, which jansson judges */
    expect_verdict("\"\\u0000\"", TRAIL_JSON_NUL, NULL);
    expect_verdict("{\"a\\u0000\": 1}", TRAIL_JSON_NUL, NULL);
    expect_verdict("\"\\\\u0000\"", TRAIL_JSON_FINE, NULL);
    expect_verdict("\"\\q\"", TRAIL_JSON_NOT_JSON, NULL);
    expect_verdict("[\"\xff\"]", TRAIL_JSON_NOT_JSON, NULL);
    expect_verdict("\"\\ud800\"", TRAIL_JSON_NOT_JSON, NULL);
    expect_verdict("\"tab\there\"", TRAIL_JSON_NOT_JSON, NULL);
    expect_verdict("1.", TRAIL_JSON_NOT_JSON, "'1.' at byte 0 is not a JSON number");
    expect_verdict("[1, 01]", TRAIL_JSON_NOT_JSON, "'01' at byte 4 is not a JSON number");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_one_spelling_per_number),
        cmocka_unit_test(test_spelling_reads_back),
        cmocka_unit_test(test_strings_and_structure),
        cmocka_unit_test(test_member_filter),
        cmocka_unit_test(test_not_json),
        cmocka_unit_test(test_depth),
        cmocka_unit_test(test_check),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
