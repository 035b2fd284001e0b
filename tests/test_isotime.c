/*
 * test_isotime.c - ISO 8601 dates and millisecond timestamps: known values
 * (leap days, the epoch's neighbours, years 0000 and 9999), the expanded
 * years beyond them with the extremes of int32 days and int64 milliseconds,
 * a cross-check with libc's gmtime_r and timegm, and the parser's refusals.
 */
#define _DEFAULT_SOURCE /* timegm */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/isotime.h"
#include "trail/error.h"

#define MS_PER_DAY INT64_C(86400000)

/* 0000-01-01T00:00:00.000Z and 9999-12-31T23:59:59.999Z. */
#define MS_YEAR_0    INT64_C(-62167219200000)
#define MS_YEAR_9999 INT64_C(253402300799999)

static void assert_date(int32_t days, const char *text)
{
    char buf[TRAIL_ISOTIME_DATE_MAX];
    memset(buf, '#', sizeof buf);
    assert_int_equal(trail__isotime_format_date(buf, days), strlen(text));
    assert_string_equal(buf, text);

    int32_t back = 0;
    assert_int_equal(trail__isotime_parse_date(&back, text, strlen(text)), TRAIL_OK);
    assert_int_equal(back, days);
}

static void assert_ms(int64_t ms, const char *text)
{
    char buf[TRAIL_ISOTIME_MS_MAX];
    memset(buf, '#', sizeof buf);
    assert_int_equal(trail__isotime_format_ms(buf, ms), strlen(text));
    assert_string_equal(buf, text);

    int64_t back = 0;
    assert_int_equal(trail__isotime_parse_ms(&back, text, strlen(text)), TRAIL_OK);
    assert_int_equal(back, ms);
}

static void assert_date_refused(const char *text, size_t len)
{
    int32_t out = 12345;
    if (trail__isotime_parse_date(&out, text, len) != TRAIL_EINVALID)
        fail_msg("parsed date \"%.*s\"", (int)len, text);
    assert_int_equal(out, 12345); /* untouched */
}

static void assert_ms_refused(const char *text, size_t len)
{
    int64_t out = 12345;
    if (trail__isotime_parse_ms(&out, text, len) != TRAIL_EINVALID)
        fail_msg("parsed timestamp \"%.*s\"", (int)len, text);
    assert_int_equal(out, 12345);
}

/* A small fixed-seed generator (xorshift64), so that a failure repeats. */
static uint64_t next_random(uint64_t *state)
{
    uint64_t x = *state;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return *state = x;
}

/* Day counts worked out by hand from the Gregorian calendar's rules. */
static void test_known_dates(void **state)
{
    (void)state;
    assert_date(0, "1970-01-01");
    assert_date(1, "1970-01-02");
    assert_date(-1, "1969-12-31");
    assert_date(365, "1971-01-01");
    assert_date(10957, "2000-01-01");
    assert_date(11016, "2000-02-29"); /* divisible by 400: leap */
    assert_date(11017, "2000-03-01");
    assert_date(-25509, "1900-02-28"); /* divisible by 100 only: not leap */
    assert_date(-25508, "1900-03-01");
    assert_date(47540, "2100-02-28");
    assert_date(47541, "2100-03-01");
    assert_date(-135081, "1600-02-29");
    assert_date(19416, "2023-02-28");
    assert_date(19417, "2023-03-01");
    assert_date(-719162, "0001-01-01");
    assert_date(-719528, "0000-01-01"); /* year 0 is a leap year (1 BC) */
    assert_date(-719528 + 59, "0000-02-29");
    assert_date(2932896, "9999-12-31");
}

/* Outside 0000-9999: a sign and at least six digits. */
static void test_expanded_dates(void **state)
{
    (void)state;
    assert_date(-719529, "-000001-12-31");
    assert_date(-719529 - 364, "-000001-01-01");
    assert_date(-719529 - 365, "-000002-12-31");
    assert_date(2932897, "+010000-01-01");
    assert_date(100000000, "+275760-09-13");  /* ECMAScript's last Date */
    assert_date(-100000000, "-271821-04-20"); /* and its first */
    /* The int32 extremes (java.time.LocalDate.ofEpochDay agrees). */
    assert_date(INT32_MAX, "+5881580-07-11");
    assert_date(INT32_MIN, "-5877641-06-23");

    /* One day beyond them has no int32 day count. */
    assert_date_refused("+5881580-07-12", 14);
    assert_date_refused("-5877641-06-22", 14);
    assert_date_refused("+999999999999-01-01", 19);
}

/* Timestamps worked out by hand, including negative milliseconds. */
static void test_known_ms(void **state)
{
    (void)state;
    assert_ms(0, "1970-01-01T00:00:00.000Z");
    assert_ms(1, "1970-01-01T00:00:00.001Z");
    assert_ms(-1, "1969-12-31T23:59:59.999Z");
    assert_ms(-999, "1969-12-31T23:59:59.001Z");
    assert_ms(-1000, "1969-12-31T23:59:59.000Z");
    assert_ms(-1001, "1969-12-31T23:59:58.999Z");
    assert_ms(-MS_PER_DAY, "1969-12-31T00:00:00.000Z");
    assert_ms(-MS_PER_DAY - 1, "1969-12-30T23:59:59.999Z");
    assert_ms(MS_PER_DAY - 1, "1970-01-01T23:59:59.999Z");
    assert_ms(INT64_C(951782400000), "2000-02-29T00:00:00.000Z");
    assert_ms(INT64_C(951868799999), "2000-02-29T23:59:59.999Z");
    assert_ms(INT64_C(1469918176385), "2016-07-30T22:36:16.385Z"); /* the ULID spec's example */
    assert_ms(INT64_C(-14182940000), "1969-07-20T20:17:40.000Z");  /* Apollo 11 landing */
    assert_ms(MS_YEAR_0, "0000-01-01T00:00:00.000Z");
    assert_ms(MS_YEAR_9999, "9999-12-31T23:59:59.999Z");

    /* The ".mmm" part may be left out. */
    int64_t ms = 99;
    assert_int_equal(trail__isotime_parse_ms(&ms, "1970-01-01T00:00:00Z", 20), TRAIL_OK);
    assert_int_equal(ms, 0);
    assert_int_equal(trail__isotime_parse_ms(&ms, "1969-12-31T23:59:59Z", 20), TRAIL_OK);
    assert_int_equal(ms, -1000);
    assert_int_equal(trail__isotime_parse_ms(&ms, "2000-02-29T12:34:56Z", 20), TRAIL_OK);
    assert_int_equal(ms, INT64_C(951782400000) + ((12 * 60 + 34) * 60 + 56) * 1000);
    assert_int_equal(trail__isotime_parse_ms(&ms, "+275760-09-13T00:00:00Z", 23), TRAIL_OK);
    assert_int_equal(ms, INT64_C(8640000000000000));
}

/* Beyond 0000-9999, and the int64 extremes: every value has a text that parses back. */
static void test_expanded_ms(void **state)
{
    (void)state;
    assert_ms(MS_YEAR_9999 + 1, "+010000-01-01T00:00:00.000Z");
    assert_ms(MS_YEAR_0 - 1, "-000001-12-31T23:59:59.999Z");
    /* ECMAScript's Date range; new Date(±8.64e15).toISOString(). */
    assert_ms(INT64_C(8640000000000000), "+275760-09-13T00:00:00.000Z");
    assert_ms(INT64_C(-8640000000000000), "-271821-04-20T00:00:00.000Z");
    /* java.time.Instant.ofEpochMilli(Long.MAX_VALUE / Long.MIN_VALUE). */
    assert_ms(INT64_MAX, "+292278994-08-17T07:12:55.807Z");
    assert_ms(INT64_MIN, "-292275055-05-16T16:47:04.192Z");
    assert_ms(INT64_MAX - 1, "+292278994-08-17T07:12:55.806Z");
    assert_ms(INT64_MIN + 1, "-292275055-05-16T16:47:04.193Z");
    assert_true(strlen("-292275055-05-16T16:47:04.192Z") < TRAIL_ISOTIME_MS_MAX);

    /* One millisecond beyond int64 either way has no value. */
    assert_ms_refused("+292278994-08-17T07:12:55.808Z", 30);
    assert_ms_refused("-292275055-05-16T16:47:04.191Z", 30);
    assert_ms_refused("+292278994-08-18T00:00:00Z", 26);
    assert_ms_refused("-292275055-05-15T00:00:00Z", 26);
    assert_ms_refused("+999999999999-12-31T23:59:59.999Z", 33);
    assert_ms_refused("-999999999999-01-01T00:00:00.000Z", 33);
}

/* Ms counts near the int64 ends and around midnights round-trip, one by one. */
static void test_edges_round_trip(void **state)
{
    (void)state;
    char buf[TRAIL_ISOTIME_MS_MAX];
    for (int64_t i = 0; i < 2000; i++) {
        const int64_t values[] = { INT64_MIN + i,        INT64_MAX - i,          -i, i,
                                   MS_YEAR_0 - 1000 + i, MS_YEAR_9999 - 1000 + i };
        for (size_t k = 0; k < sizeof values / sizeof values[0]; k++) {
            size_t n = trail__isotime_format_ms(buf, values[k]);
            assert_int_equal(n, strlen(buf));
            int64_t back = 0;
            assert_int_equal(trail__isotime_parse_ms(&back, buf, n), TRAIL_OK);
            assert_int_equal(back, values[k]);
        }
    }
    char date[TRAIL_ISOTIME_DATE_MAX];
    for (int32_t i = 0; i < 2000; i++) {
        const int32_t values[] = { INT32_MIN + i, INT32_MAX - i, -i, i };
        for (size_t k = 0; k < sizeof values / sizeof values[0]; k++) {
            size_t n = trail__isotime_format_date(date, values[k]);
            assert_int_equal(n, strlen(date));
            int32_t back = 0;
            assert_int_equal(trail__isotime_parse_date(&back, date, n), TRAIL_OK);
            assert_int_equal(back, values[k]);
        }
    }
}

/* Random instants in years 0000-9999, against glibc's gmtime_r and timegm. */
static void test_against_libc(void **state)
{
    (void)state;
    uint64_t seed = UINT64_C(0x2545F4914F6CDD1D);
    const uint64_t span = (uint64_t)(MS_YEAR_9999 - MS_YEAR_0) + 1;
    for (int i = 0; i < 200000; i++) {
        int64_t ms = MS_YEAR_0 + (int64_t)(next_random(&seed) % span);
        int64_t msec = ms % 1000 < 0 ? ms % 1000 + 1000 : ms % 1000;
        time_t secs = (time_t)((ms - msec) / 1000);
        struct tm tm;
        assert_non_null(gmtime_r(&secs, &tm));

        char expect[64], buf[TRAIL_ISOTIME_MS_MAX];
        snprintf(expect, sizeof expect, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)msec);
        assert_int_equal(trail__isotime_format_ms(buf, ms), strlen(expect));
        assert_string_equal(buf, expect);

        /* Parse the text libc wrote; timegm says what it should give. */
        struct tm back_tm = { 0 };
        back_tm.tm_year = tm.tm_year;
        back_tm.tm_mon = tm.tm_mon;
        back_tm.tm_mday = tm.tm_mday;
        back_tm.tm_hour = tm.tm_hour;
        back_tm.tm_min = tm.tm_min;
        back_tm.tm_sec = tm.tm_sec;
        int64_t want = (int64_t)timegm(&back_tm) * 1000 + msec;
        int64_t got = 0;
        assert_int_equal(trail__isotime_parse_ms(&got, expect, strlen(expect)), TRAIL_OK);
        assert_int_equal(got, want);
        /* Without milliseconds, the whole second. */
        int64_t whole = 0;
        memmove(expect + 19, "Z", 2);
        assert_int_equal(trail__isotime_parse_ms(&whole, expect, 20), TRAIL_OK);
        assert_int_equal(whole, want - msec);

        /* The date alone; timegm of its midnight gives the day count. */
        struct tm midnight = { 0 };
        midnight.tm_year = tm.tm_year;
        midnight.tm_mon = tm.tm_mon;
        midnight.tm_mday = tm.tm_mday;
        int32_t days = (int32_t)(timegm(&midnight) / 86400);
        char date[TRAIL_ISOTIME_DATE_MAX];
        assert_int_equal(trail__isotime_format_date(date, days), 10);
        assert_memory_equal(date, expect, 10);
        int32_t back_days = 0;
        assert_int_equal(trail__isotime_parse_date(&back_days, expect, 10), TRAIL_OK);
        assert_int_equal(back_days, days);
    }
}

static void test_date_refusals(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "2023-02-29", /* not a leap year */
        "1900-02-29", /* nor is 1900 */
        "2023-13-01",
        "2023-00-10",
        "2023-01-00",
        "2023-01-32",
        "2023-04-31",
        "2023-06-31",
        "2023-1-01",
        "2023-01-1",
        "23-01-01",
        "02023-01-01",
        "2023/01/01",
        "2023-01-01 ",
        " 2023-01-01",
        "2023-01-01x",
        "2023-01-01T00:00:00Z",
        "",
        "2023",
        "2023-01",
        "+1970-01-01",  /* expanded years have at least six digits */
        "+02023-01-01", /* five is not enough either */
        "-0001-01-01",
        "+-00001-01-01",
        "+ 10000-01-01",
        "+010000-1-01",
        "+001970-01-01",  /* one text per value: 1970 is written "1970" */
        "-000000-01-01",  /* year 0 has no sign */
        "+0010000-01-01", /* no leading zero beyond six digits */
        "2O23-01-01",
        "2023-0a-01",
        "\xEF\xBC\x92\xEF\xBC\x90\xEF\xBC\x92\xEF\xBC\x93-01-01", /* full-width */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_date_refused(bad[i], strlen(bad[i]));

    /* The length given, not a NUL, ends the text. */
    assert_date_refused("2023-01-01", 9);
    assert_date_refused("2023-01-01\0", 11);
    int32_t days = 0;
    assert_int_equal(trail__isotime_parse_date(&days, "1970-01-02junk", 10), TRAIL_OK);
    assert_int_equal(days, 1);
}

static void test_ms_refusals(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "2023-02-29T00:00:00.000Z",
        "2023-13-01T00:00:00.000Z",
        "2023-01-32T00:00:00.000Z",
        "2023-01-01T24:00:00.000Z", /* no end-of-day 24:00 */
        "2023-01-01T23:60:00.000Z",
        "2023-01-01T23:59:60.000Z", /* no leap seconds */
        "2023-01-01T99:00:00.000Z",
        "2023-01-01T00:00:00.000", /* missing Z */
        "2023-01-01T00:00:00",
        "2023-01-01T00:00:00.000z",
        "2023-01-01T00:00:00.000Zjunk",
        "2023-01-01T00:00:00.000ZZ",
        "2023-01-01T00:00:00.000+00:00",
        "2023-01-01T00:00:00+00:00",
        "2023-01-01 00:00:00.000Z",
        "2023-01-01t00:00:00.000Z",
        "2023-01-01T00:00:00.00Z",
        "2023-01-01T00:00:00.0000Z",
        "2023-01-01T00:00:00.Z",
        "2023-01-01T00:00:00,000Z",
        "2023-01-01T0:00:00.000Z",
        "2023-01-01T00:0:00.000Z",
        "2023-01-01T00:00:0.000Z",
        "2023-01-01T00:00Z",
        "2023-01-01T0000:00Z",
        "2023-01-01T000000Z",
        "20230101T000000Z",
        "2023-01-01",
        "2023-01-01T",
        "",
        "T00:00:00Z",
        " 2023-01-01T00:00:00Z",
        "2023-01-01T00:00:00Z ",
        "+1970-01-01T00:00:00Z",
        "2023-01-01T-1:00:00Z",
        "2023-01-01T00:00:00.-01Z",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_ms_refused(bad[i], strlen(bad[i]));

    /* Wrong lengths for good text. */
    static const char good[] = "2023-01-01T00:00:00.000Z";
    for (size_t len = 0; len < sizeof good - 1; len++)
        assert_ms_refused(good, len);
    assert_ms_refused("2023-01-01T00:00:00.000Z\0", 25);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_known_dates),      cmocka_unit_test(test_expanded_dates),
        cmocka_unit_test(test_known_ms),         cmocka_unit_test(test_expanded_ms),
        cmocka_unit_test(test_edges_round_trip), cmocka_unit_test(test_against_libc),
        cmocka_unit_test(test_date_refusals),    cmocka_unit_test(test_ms_refusals),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
