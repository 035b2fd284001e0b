/*
 * json.c - streaming JSON writer with a sticky error.
 */
#define _POSIX_C_SOURCE 200809L /* uselocale, newlocale */
#include "core/json.h"
#include "core/base64.h"
#include "core/isotime.h"
#include "core/utf8.h"
#include "trail/error.h"

#include <float.h>
#include <inttypes.h>
#include <locale.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void trail__json_init(trail_json *w, trail_buf *out)
{
    memset(w, 0, sizeof *w);
    w->out = out;
    w->start = out->len;
}

static void fail(trail_json *w, int code)
{
    if (w->err == TRAIL_OK)
        w->err = code;
}

static void put(trail_json *w, const void *p, size_t n)
{
    if (w->err == TRAIL_OK && trail__buf_append(w->out, p, n) < 0)
        fail(w, TRAIL_ENOMEM);
}

static void putc1(trail_json *w, char c)
{
    put(w, &c, 1);
}

static uint64_t top_bit(const trail_json *w)
{
    return UINT64_C(1) << (w->depth - 1);
}

/* Checks that a value may stand here and writes the separator before it. */
static bool value_begin(trail_json *w)
{
    if (w->err)
        return false;
    if (w->depth == 0) {
        if (w->done)
            fail(w, TRAIL_EARG);
        return w->err == TRAIL_OK;
    }
    if (w->in_object & top_bit(w)) {
        if (!w->want_value)
            fail(w, TRAIL_EARG);
        w->want_value = false;
        return w->err == TRAIL_OK;
    }
    if (w->has_member & top_bit(w))
        putc1(w, ',');
    w->has_member |= top_bit(w);
    return w->err == TRAIL_OK;
}

static void value_end(trail_json *w)
{
    if (w->depth == 0)
        w->done = true;
}

static void begin_container(trail_json *w, bool object)
{
    if (!value_begin(w))
        return;
    if (w->depth == TRAIL_JSON_MAX_DEPTH) {
        fail(w, TRAIL_EARG);
        return;
    }
    w->depth++;
    if (object)
        w->in_object |= top_bit(w);
    else
        w->in_object &= ~top_bit(w);
    w->has_member &= ~top_bit(w);
    putc1(w, object ? '{' : '[');
}

static void end_container(trail_json *w, bool object)
{
    if (w->err)
        return;
    if (w->depth == 0 || !(w->in_object & top_bit(w)) != !object || w->want_value) {
        fail(w, TRAIL_EARG);
        return;
    }
    putc1(w, object ? '}' : ']');
    w->depth--;
    value_end(w);
}

void trail__json_begin_object(trail_json *w)
{
    begin_container(w, true);
}

void trail__json_end_object(trail_json *w)
{
    end_container(w, true);
}

void trail__json_begin_array(trail_json *w)
{
    begin_container(w, false);
}

void trail__json_end_array(trail_json *w)
{
    end_container(w, false);
}

/* Writes "..." with RFC 8259 escaping; refuses invalid UTF-8. */
static void put_quoted(trail_json *w, const char *s, size_t len)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0, run = 0;

    putc1(w, '"');
    while (i < len && w->err == TRAIL_OK) {
        unsigned char c = p[i];
        if (c >= 0x20 && c != '"' && c != '\\' && c < 0x80) {
            i++;
            continue;
        }
        if (c >= 0x80) {
            uint32_t cp;
            size_t n = trail__utf8_decode(p + i, len - i, &cp);
            if (n == 0) {
                fail(w, TRAIL_EINVALID);
                return;
            }
            i += n;
            continue;
        }
        put(w, p + run, i - run);
        char esc[6] = { '\\', 0 };
        size_t esc_len = 2;
        switch (c) {
        case '"':
            esc[1] = '"';
            break;
        case '\\':
            esc[1] = '\\';
            break;
        case '\b':
            esc[1] = 'b';
            break;
        case '\f':
            esc[1] = 'f';
            break;
        case '\n':
            esc[1] = 'n';
            break;
        case '\r':
            esc[1] = 'r';
            break;
        case '\t':
            esc[1] = 't';
            break;
        default:
            memcpy(esc + 1, "u00", 3);
            esc[4] = hex[c >> 4];
            esc[5] = hex[c & 15];
            esc_len = 6;
        }
        put(w, esc, esc_len);
        run = ++i;
    }
    put(w, p + run, i - run);
    putc1(w, '"');
}

void trail__json_key(trail_json *w, const char *key)
{
    if (w->err)
        return;
    if (w->depth == 0 || !(w->in_object & top_bit(w)) || w->want_value || !key) {
        fail(w, TRAIL_EARG);
        return;
    }
    if (w->has_member & top_bit(w))
        putc1(w, ',');
    w->has_member |= top_bit(w);
    put_quoted(w, key, strlen(key));
    putc1(w, ':');
    w->want_value = true;
}

size_t trail__json_string_len(const char *s, size_t len)
{
    size_t out = len + 2;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\' || c == '\b' || c == '\f' || c == '\n' || c == '\r' || c == '\t')
            out += 1; /* as put_quoted() writes them */
        else if (c < 0x20)
            out += 5;
    }
    return out;
}

void trail__json_string(trail_json *w, const char *s, size_t len)
{
    if (!value_begin(w))
        return;
    put_quoted(w, s, len);
    value_end(w);
}

void trail__json_text(trail_json *w, const char *s)
{
    if (s)
        trail__json_string(w, s, strlen(s));
    else
        trail__json_null(w);
}

/* Writes a value that needs neither escaping nor quotes. */
static void put_bare(trail_json *w, const char *s, size_t len)
{
    if (!value_begin(w))
        return;
    put(w, s, len);
    value_end(w);
}

void trail__json_raw(trail_json *w, const char *json, size_t len)
{
    put_bare(w, json, len);
}

void trail__json_int64(trail_json *w, int64_t v)
{
    char buf[24];
    int n = snprintf(buf, sizeof buf, "%" PRId64, v);
    put_bare(w, buf, (size_t)n);
}

static locale_t c_locale;
static pthread_once_t c_locale_once = PTHREAD_ONCE_INIT;

static void c_locale_init(void)
{
    c_locale = newlocale(LC_ALL_MASK, "C", (locale_t)0);
}

/*
 * Whether @digits × 10^@exp10 (@digits > 0) reads back as @v (> 0). strtod
 * rounds to the nearest double, a tie to the even one.
 */
static bool reads_back(uint64_t digits, int exp10, double v)
{
    char text[40];
    snprintf(text, sizeof text, "%" PRIu64 "e%d", digits, exp10);
    return strtod(text, NULL) == v;
}

/*
 * The shortest decimal that reads back as @v (finite, > 0), and of those
 * the nearest to @v: *@digits (no trailing zeros) × 10^*@exp10. This is
 * the form PostgreSQL's float8 text and MariaDB's dtoa give too, so that
 * their SQL can spell a double as this does (write_pg.c, write_mysql.c).
 */
static void shortest(double v, uint64_t *digits, int *exp10)
{
    int bin;
    /* Below a power of two the doubles lie twice as close as above it. */
    bool power_of_two = frexp(v, &bin) == 0.5;
    /*
     * A normal double's shortest form has at most 15 digits when one that
     * short reads back (DBL_DIG): rounded to 15, it is that form with
     * zeros after it. A subnormal has fewer bits, so fewer digits may do.
     */
    int p = v < DBL_MIN ? 1 : DBL_DIG;
    for (;; p++) {
        char text[40];
        snprintf(text, sizeof text, "%.*e", p - 1, v);
        char *e = strchr(text, 'e');
        uint64_t d = 0;
        for (const char *c = text; c < e; c++)
            if (*c != '.')
                d = d * 10 + (uint64_t)(*c - '0');
        int x = atoi(e + 1) - (p - 1); /* the exponent of the last digit */
        if (p == 17 || strtod(text, NULL) == v) {
            *digits = d;
            *exp10 = x;
            break;
        }
        /* Rounded down out of the narrow side, the next one up may be in the wide one. */
        if (power_of_two && strtod(text, NULL) < v && reads_back(d + 1, x, v)) {
            *digits = d + 1;
            *exp10 = x;
            break;
        }
    }
    while (*digits % 10 == 0) {
        *digits /= 10;
        ++*exp10;
    }
}

/*
 * Writes @v (finite) as the JSON number of the DOUBLE form (json_form.h):
 * the shortest decimal that reads back as @v, the nearest of those; in
 * positional notation with at least one digit after the '.' when its
 * leading digit's exponent X is -4 to 14 (0.0001, 2.5, 3.0,
 * 123456789012345.6), else as d.ddde±XX with at least two exponent digits
 * (1e-05, 1.2345e+15, 5e-324).
 */
static size_t format_double(char *out, double v)
{
    char *o = out;
    if (signbit(v))
        *o++ = '-';
    v = fabs(v);
    if (v == 0.0) {
        memcpy(o, "0.0", 4);
        return (size_t)(o - out) + 3;
    }
    uint64_t digits;
    int exp10;
    shortest(v, &digits, &exp10);
    char d[24];
    int n = snprintf(d, sizeof d, "%" PRIu64, digits);
    int x = exp10 + n - 1; /* the leading digit's exponent */
    if (x >= -4 && x < 15) {
        if (x < 0) {
            o += sprintf(o, "0.%.*s%s", -x - 1, "0000", d);
        } else if (n > x + 1) {
            o += sprintf(o, "%.*s.%s", x + 1, d, d + x + 1);
        } else {
            o += sprintf(o, "%s%.*s.0", d, x + 1 - n, "00000000000000");
        }
    } else {
        o += sprintf(o, "%c%s%s", d[0], n > 1 ? "." : "", d + 1);
        o += sprintf(o, "e%c%02d", x < 0 ? '-' : '+', x < 0 ? -x : x);
    }
    return (size_t)(o - out);
}

void trail__json_double(trail_json *w, double v)
{
    if (w->err)
        return;
    if (!isfinite(v)) {
        fail(w, TRAIL_EINVALID);
        return;
    }
    /* printf and strtod follow LC_NUMERIC; JSON wants '.' whatever the program's locale. */
    pthread_once(&c_locale_once, c_locale_init);
    if (!c_locale) {
        fail(w, TRAIL_ENOMEM);
        return;
    }
    locale_t old = uselocale(c_locale);
    char buf[40];
    size_t n = format_double(buf, v);
    uselocale(old);
    put_bare(w, buf, n);
}

void trail__json_bool(trail_json *w, bool v)
{
    put_bare(w, v ? "true" : "false", v ? 4 : 5);
}

void trail__json_null(trail_json *w)
{
    put_bare(w, "null", 4);
}

void trail__json_blob(trail_json *w, const void *p, size_t n)
{
    if (!value_begin(w))
        return;
    size_t enc = trail__base64_encoded_len(n);
    if (enc < n || trail__buf_reserve(w->out, enc + 2) < 0) {
        fail(w, TRAIL_ENOMEM);
        return;
    }
    trail_buf *b = w->out;
    b->data[b->len++] = '"';
    trail__base64_encode(b->data + b->len, p, n);
    b->len += enc;
    b->data[b->len++] = '"';
    b->data[b->len] = '\0';
    value_end(w);
}

void trail__json_date(trail_json *w, int32_t days)
{
    char buf[TRAIL_ISOTIME_DATE_MAX + 2];
    size_t n = trail__isotime_format_date(buf + 1, days);
    buf[0] = buf[n + 1] = '"';
    put_bare(w, buf, n + 2);
}

void trail__json_timestamp(trail_json *w, int64_t ms)
{
    char buf[TRAIL_ISOTIME_MS_MAX + 2];
    size_t n = trail__isotime_format_ms(buf + 1, ms);
    buf[0] = buf[n + 1] = '"';
    put_bare(w, buf, n + 2);
}

int trail__json_finish(trail_json *w)
{
    if (w->err == TRAIL_OK && (w->depth != 0 || !w->done))
        w->err = TRAIL_EARG;
    if (w->err != TRAIL_OK) {
        w->out->len = w->start;
        if (w->out->data)
            w->out->data[w->start] = '\0';
    }
    return w->err;
}
