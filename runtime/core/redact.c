/*
 * redact.c - connection strings without their passwords.
 *
 * A password sits in one of three places: the user info of a URL
 * (postgresql://user:PASSWORD@host, mysql://user:PASSWORD@host), a
 * `password=` parameter of a URL's query (libpq takes one), or libpq's
 * key=value form (password=PASSWORD, password='PASS WORD'). Where a string
 * is malformed the search errs towards hiding too much: the user info runs
 * to the last '@' of the string, so a password holding an unencoded '@',
 * '/' or '?' is still covered.
 */
#include "core/redact.h"
#include "core/hex.h"
#include "core/utf8.h"
#include "trail/redact.h"

#include <stdbool.h>
#include <string.h>

#define MAX_SPANS 8

/* A password in the connection string: where, and how it is encoded there. */
typedef struct span {
    size_t at, len;
    bool libpq; /* key=value: backslash escapes; else percent-encoded */
} span;

static size_t add_span(span *spans, size_t n, size_t at, size_t len, bool libpq)
{
    if (n < MAX_SPANS && len > 0)
        spans[n++] = (span){ at, len, libpq };
    return n;
}

/* The passwords of the URL in @url whose scheme ends in the "://" at @sep. */
static size_t url_spans(const char *url, const char *sep, span *spans, size_t n)
{
    const char *auth = sep + 3;
    const char *at = strrchr(auth, '@');
    if (at) {
        const char *colon = memchr(auth, ':', (size_t)(at - auth));
        if (colon)
            n = add_span(spans, n, (size_t)(colon + 1 - url), (size_t)(at - colon - 1), false);
    }
    const char *query = strchr(at ? at : auth, '?');
    for (const char *p = query; p && *p; p = strchr(p + 1, '&')) {
        if (strncmp(p + 1, "password=", 9) == 0) {
            const char *v = p + 10;
            n = add_span(spans, n, (size_t)(v - url), strcspn(v, "&#"), false);
        }
    }
    return n;
}

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/* The password of libpq's key=value form, parsed as libpq parses it. */
static size_t keyword_spans(const char *s, span *spans, size_t n)
{
    const char *p = s;
    while (*p) {
        while (is_space(*p))
            p++;
        if (!*p)
            break;
        const char *key = p;
        while (*p && *p != '=' && !is_space(*p))
            p++;
        size_t key_len = (size_t)(p - key);
        while (is_space(*p))
            p++;
        if (*p != '=')
            break; /* malformed: libpq refuses it, and says only which keyword */
        p++;
        while (is_space(*p))
            p++;
        bool quoted = *p == '\'';
        if (quoted)
            p++;
        const char *value = p;
        while (*p && (quoted ? *p != '\'' : !is_space(*p))) {
            if (*p == '\\' && p[1])
                p++;
            p++;
        }
        if (key_len == 8 && strncmp(key, "password", 8) == 0)
            n = add_span(spans, n, (size_t)(value - s), (size_t)(p - value), true);
        if (quoted && *p)
            p++;
    }
    return n;
}

/* Every password in @url, in order and not overlapping. */
static size_t find_spans(const char *url, span *spans)
{
    size_t n = 0;
    if (strncmp(url, "sqlite:", 7) == 0)
        return 0;
    const char *sep = strstr(url, "://");
    /* libpq's form, unless it is a URL; a URL may also sit inside it (dbname=postgresql://…). */
    if (!sep || strcspn(url, ":/?@= \t") < (size_t)(sep - url))
        n = keyword_spans(url, spans, n);
    for (; sep; sep = strstr(sep + 3, "://"))
        n = url_spans(url, sep, spans, n);
    /* Sorted by start, merged where they overlap. */
    for (size_t i = 1; i < n; i++)
        for (size_t j = i; j > 0 && spans[j].at < spans[j - 1].at; j--) {
            span t = spans[j];
            spans[j] = spans[j - 1];
            spans[j - 1] = t;
        }
    size_t out = 0;
    for (size_t i = 0; i < n; i++) {
        if (out && spans[i].at <= spans[out - 1].at + spans[out - 1].len) {
            size_t end = spans[i].at + spans[i].len;
            if (end > spans[out - 1].at + spans[out - 1].len)
                spans[out - 1].len = end - spans[out - 1].at;
        } else {
            spans[out++] = spans[i];
        }
    }
    return out;
}

/* Appends @len bytes of @s to @buf (@size bytes) at *@at, as far as they fit. */
static void put(char *buf, size_t size, size_t *at, const char *s, size_t len)
{
    if (*at + 1 >= size)
        return;
    size_t room = size - 1 - *at;
    if (len > room)
        len = trail__utf8_cut(s, room);
    memcpy(buf + *at, s, len);
    *at += len;
    buf[*at] = '\0';
}

char *trail_url_redact(char *buf, size_t size, const char *url)
{
    if (!buf || size == 0)
        return buf;
    buf[0] = '\0';
    if (!url)
        return buf;
    span spans[MAX_SPANS];
    size_t n = find_spans(url, spans), at = 0, from = 0;
    for (size_t i = 0; i < n; i++) {
        put(buf, size, &at, url + from, spans[i].at - from);
        put(buf, size, &at, "***", 3);
        from = spans[i].at + spans[i].len;
    }
    put(buf, size, &at, url + from, strlen(url + from));
    return buf;
}

/* ---- scrubbing a message ---------------------------------------------------- */

/* @s decoded as the driver reads it, into @out (at most @size - 1 bytes). */
static void decode(char *out, size_t size, const char *s, size_t len, bool libpq)
{
    size_t o = 0;
    for (size_t i = 0; i < len && o + 1 < size; i++) {
        if (libpq && s[i] == '\\' && i + 1 < len) {
            out[o++] = s[++i];
        } else if (!libpq && s[i] == '%' && i + 2 < len && trail_hex_digit(s[i + 1]) >= 0 &&
                   trail_hex_digit(s[i + 2]) >= 0) {
            out[o++] = (char)(trail_hex_digit(s[i + 1]) * 16 + trail_hex_digit(s[i + 2]));
            i += 2;
        } else {
            out[o++] = s[i];
        }
    }
    out[o] = '\0';
}

/* Replaces every @secret in @msg (a TRAIL_ERRMSG_MAX buffer) with "***". */
static void replace_all(char *msg, const char *secret, size_t len)
{
    if (len == 0 || !strstr(msg, secret))
        return;
    char out[TRAIL_ERRMSG_MAX];
    size_t at = 0;
    out[0] = '\0';
    const char *p = msg;
    for (const char *hit; (hit = strstr(p, secret));) {
        put(out, sizeof out, &at, p, (size_t)(hit - p));
        put(out, sizeof out, &at, "***", 3);
        p = hit + len;
    }
    put(out, sizeof out, &at, p, strlen(p));
    memcpy(msg, out, at + 1);
}

/*
 * A message cut short ends in "...": what precedes it may be the start of
 * @secret, which replace_all() cannot recognize. Hides the longest such start.
 */
static void replace_cut_start(char *msg, const char *secret, size_t len)
{
    size_t n = strlen(msg);
    if (n < 3 || strcmp(msg + n - 3, "...") != 0)
        return;
    n -= 3;
    for (size_t k = len - 1; k > 0; k--)
        if (k <= n && memcmp(msg + n - k, secret, k) == 0) {
            /* "***..." may be longer than what it hides: then it hides a little more. */
            size_t at = n - k;
            if (at > TRAIL_ERRMSG_MAX - 7)
                at = trail__utf8_cut(msg, TRAIL_ERRMSG_MAX - 7);
            memcpy(msg + at, "***...", 7);
            return;
        }
}

void trail__err_scrub(trail_err *err, const char *url)
{
    if (!err || !url)
        return;
    span spans[MAX_SPANS];
    size_t n = find_spans(url, spans);
    for (size_t i = 0; i < n; i++) {
        char raw[TRAIL_ERRMSG_MAX], plain[TRAIL_ERRMSG_MAX];
        size_t len = spans[i].len < sizeof raw ? spans[i].len : sizeof raw - 1;
        memcpy(raw, url + spans[i].at, len);
        raw[len] = '\0';
        decode(plain, sizeof plain, url + spans[i].at, spans[i].len, spans[i].libpq);
        replace_all(err->msg, raw, strlen(raw));
        replace_all(err->msg, plain, strlen(plain));
        replace_cut_start(err->msg, raw, strlen(raw));
        replace_cut_start(err->msg, plain, strlen(plain));
    }
}
