/*
 * isotime.c - ISO 8601 dates and timestamps, proleptic Gregorian, UTC.
 *
 * The day/civil conversions are Howard Hinnant's branch-light algorithms
 * ("chrono-Compatible Low-Level Date Algorithms"), exact over the whole
 * int64 range used here.
 */
#include "core/isotime.h"
#include "trail/error.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>

#define MS_PER_DAY INT64_C(86400000)

int64_t trail__isotime_days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

void trail__isotime_civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

static int days_in_month(int64_t y, int m)
{
    static const int days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 && leap ? 29 : days[m - 1];
}

static size_t format_civil(char *buf, size_t size, int64_t days)
{
    int64_t y;
    int m, d;
    trail__isotime_civil_from_days(days, &y, &m, &d);
    int n;
    if (y >= 0 && y <= 9999)
        n = snprintf(buf, size, "%04" PRId64 "-%02d-%02d", y, m, d);
    else
        n = snprintf(buf, size, "%c%06" PRIu64 "-%02d-%02d", y < 0 ? '-' : '+',
                     y < 0 ? (uint64_t)0 - (uint64_t)y : (uint64_t)y, m, d);
    return (size_t)n;
}

size_t trail__isotime_format_date(char buf[TRAIL_ISOTIME_DATE_MAX], int32_t days)
{
    return format_civil(buf, TRAIL_ISOTIME_DATE_MAX, days);
}

size_t trail__isotime_format_ms(char buf[TRAIL_ISOTIME_MS_MAX], int64_t ms)
{
    /* Floor division, so that instants before 1970 fall on the right day. */
    int64_t days = ms / MS_PER_DAY;
    int64_t rem = ms % MS_PER_DAY;
    if (rem < 0) {
        rem += MS_PER_DAY;
        days--;
    }
    size_t n = format_civil(buf, TRAIL_ISOTIME_MS_MAX, days);
    int sec = (int)(rem / 1000);
    n += (size_t)snprintf(buf + n, TRAIL_ISOTIME_MS_MAX - n, "T%02d:%02d:%02d.%03dZ", sec / 3600,
                          sec / 60 % 60, sec % 60, (int)(rem % 1000));
    return n;
}

/* A cursor over the text being parsed. */
struct scan {
    const char *s;
    size_t len, pos;
};

/* Exactly @n digits into *@out. */
static bool scan_digits(struct scan *sc, int n, int64_t *out)
{
    int64_t v = 0;
    for (int i = 0; i < n; i++) {
        if (sc->pos >= sc->len || sc->s[sc->pos] < '0' || sc->s[sc->pos] > '9')
            return false;
        v = v * 10 + (sc->s[sc->pos++] - '0');
    }
    *out = v;
    return true;
}

static bool scan_char(struct scan *sc, char c)
{
    if (sc->pos >= sc->len || sc->s[sc->pos] != c)
        return false;
    sc->pos++;
    return true;
}

/* "YYYY-MM-DD" or "+YYYYYY…-MM-DD" / "-YYYYYY…-MM-DD" into a day count. */
static bool scan_date(struct scan *sc, int64_t *days)
{
    int64_t y, m, d;
    if (sc->pos < sc->len && (sc->s[sc->pos] == '+' || sc->s[sc->pos] == '-')) {
        bool neg = sc->s[sc->pos++] == '-';
        size_t start = sc->pos;
        y = 0;
        while (sc->pos < sc->len && sc->s[sc->pos] >= '0' && sc->s[sc->pos] <= '9') {
            if (sc->pos - start >= 12)
                return false; /* far beyond any int64 of milliseconds */
            y = y * 10 + (sc->s[sc->pos++] - '0');
        }
        if (sc->pos - start < 6)
            return false;
        /* Only the form the formatter writes: signed years lie outside 0000-9999,
         * and there is no "-000000", so each value has one text. */
        if ((y >= 0 && y <= 9999 && !(neg && y > 0)) ||
            (sc->pos - start > 6 && sc->s[start] == '0'))
            return false;
        y = neg ? -y : y;
    } else if (!scan_digits(sc, 4, &y)) {
        return false;
    }
    if (!scan_char(sc, '-') || !scan_digits(sc, 2, &m) || !scan_char(sc, '-') ||
        !scan_digits(sc, 2, &d))
        return false;
    if (m < 1 || m > 12 || d < 1 || d > days_in_month(y, (int)m))
        return false;
    *days = trail__isotime_days_from_civil(y, (int)m, (int)d);
    return true;
}

int trail__isotime_parse_date(int32_t *out, const char *s, size_t len)
{
    struct scan sc = { s, len, 0 };
    int64_t days;
    if (!scan_date(&sc, &days) || sc.pos != len || days < INT32_MIN || days > INT32_MAX)
        return TRAIL_EINVALID;
    *out = (int32_t)days;
    return TRAIL_OK;
}

int trail__isotime_parse_ms(int64_t *out, const char *s, size_t len)
{
    struct scan sc = { s, len, 0 };
    int64_t days, h, mi, sec, frac = 0;
    if (!scan_date(&sc, &days) || !scan_char(&sc, 'T') || !scan_digits(&sc, 2, &h) ||
        !scan_char(&sc, ':') || !scan_digits(&sc, 2, &mi) || !scan_char(&sc, ':') ||
        !scan_digits(&sc, 2, &sec))
        return TRAIL_EINVALID;
    if (scan_char(&sc, '.') && !scan_digits(&sc, 3, &frac))
        return TRAIL_EINVALID;
    if (!scan_char(&sc, 'Z') || sc.pos != len || h > 23 || mi > 59 || sec > 59)
        return TRAIL_EINVALID;

    int64_t ms;
    int64_t in_day = ((h * 60 + mi) * 60 + sec) * 1000 + frac;
    /* Before 1970, add the (negative) rest of the day to the following midnight,
     * so that the instants just above INT64_MIN do not overflow on the way. */
    if (days < 0) {
        days++;
        in_day -= MS_PER_DAY;
    }
    if (__builtin_mul_overflow(days, MS_PER_DAY, &ms) || __builtin_add_overflow(ms, in_day, &ms))
        return TRAIL_EINVALID;
    *out = ms;
    return TRAIL_OK;
}
