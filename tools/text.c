/*
 * text.c - what the `trail` tool prints of the database's text, made safe
 * for a terminal and for a program reading the output.
 *
 * Any text in a database can be written by whoever writes to it: a user id
 * holding "\n" would forge a log line, one holding "\033[2J" would clear the
 * screen. So every value is shown escaped: C0 and C1 control characters,
 * DEL, Unicode's line and paragraph separators and its bidirectional
 * controls (which reorder what follows them on the line), and every byte
 * that is not part of valid UTF-8.
 */
#define _POSIX_C_SOURCE 200809L
#include "cli.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * The length (1-4) of the valid UTF-8 sequence at @s and its code point in
 * *@cp; 0 when the bytes there are not valid UTF-8 (RFC 3629: no overlong
 * form, no surrogate, nothing above U+10FFFF, no cut sequence).
 */
static size_t decode(const unsigned char *s, uint32_t *cp)
{
    unsigned char c = s[0];
    size_t n;
    uint32_t v, min;
    if (c < 0x80) {
        *cp = c;
        return 1;
    } else if ((c & 0xE0) == 0xC0) {
        n = 2, v = c & 0x1F, min = 0x80;
    } else if ((c & 0xF0) == 0xE0) {
        n = 3, v = c & 0x0F, min = 0x800;
    } else if ((c & 0xF8) == 0xF0) {
        n = 4, v = c & 0x07, min = 0x10000;
    } else {
        return 0;
    }
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80) /* also stops at the NUL */
            return 0;
        v = (v << 6) | (s[i] & 0x3F);
    }
    if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
        return 0;
    *cp = v;
    return n;
}

/* Whether code point @cp can change what a terminal shows beyond itself. */
static bool is_control(uint32_t cp)
{
    return cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp <= 0x9F) || cp == 0x061C || cp == 0x200E ||
           cp == 0x200F || cp == 0x2028 || cp == 0x2029 || (cp >= 0x202A && cp <= 0x202E) ||
           (cp >= 0x2066 && cp <= 0x2069);
}

/* How many bytes at @p are printable ASCII other than the backslash: copied as they are. */
static size_t plain_run(const unsigned char *p)
{
    size_t n = 0;
    while (p[n] >= 0x20 && p[n] < 0x7F && p[n] != '\\')
        n++;
    return n;
}

/* A growing string; on failure (out of memory) data is freed and NULL. */
typedef struct out {
    char *data;
    size_t len, cap;
} out;

static void append(out *o, const char *s, size_t n)
{
    if (!o->data)
        return;
    if (o->len + n + 1 > o->cap) {
        size_t cap = (o->len + n + 1) * 2;
        char *more = realloc(o->data, cap);
        if (!more) {
            free(o->data);
            o->data = NULL;
            return;
        }
        o->data = more;
        o->cap = cap;
    }
    memcpy(o->data + o->len, s, n);
    o->len += n;
    o->data[o->len] = '\0';
}

static bool start(out *o, size_t hint)
{
    o->len = 0;
    o->cap = hint + 16;
    o->data = malloc(o->cap);
    if (o->data)
        o->data[0] = '\0';
    return o->data != NULL;
}

/* Room for what stands for one code point or byte in place of itself. */
#define ESC_MAX 16

/*
 * Writes to @esc what stands for the code point @cp, whose @n bytes of UTF-8
 * are at @p, or, with @n 0, for the byte *@p that is not valid UTF-8.
 * Returns its length; 0 to copy the bytes as they are.
 */
typedef size_t (*escape_fn)(char esc[ESC_MAX], const unsigned char *p, size_t n, uint32_t cp);

/*
 * @s with each character that is not printable ASCII (and each backslash)
 * passed through @escape. The caller frees it; NULL when out of memory.
 */
static char *rewrite(const char *s, escape_fn escape)
{
    out o;
    if (!start(&o, strlen(s)))
        return NULL;
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        size_t plain = plain_run(p);
        if (plain) {
            append(&o, (const char *)p, plain);
            p += plain;
            continue;
        }
        uint32_t cp = 0;
        size_t n = decode(p, &cp);
        char esc[ESC_MAX];
        size_t len = escape(esc, p, n, cp);
        if (len)
            append(&o, esc, len);
        else
            append(&o, (const char *)p, n);
        p += n ? n : 1;
    }
    return o.data;
}

/* @s, shorter than ESC_MAX, into @esc; its length. */
static size_t lit(char esc[ESC_MAX], const char *s)
{
    size_t n = strlen(s);
    memcpy(esc, s, n);
    return n;
}

static size_t terminal_escape(char esc[ESC_MAX], const unsigned char *p, size_t n, uint32_t cp)
{
    if (n == 0)
        return (size_t)snprintf(esc, ESC_MAX, "\\x%02x", *p);
    switch (cp) {
    case '\\':
        return lit(esc, "\\\\");
    case '\n':
        return lit(esc, "\\n");
    case '\r':
        return lit(esc, "\\r");
    case '\t':
        return lit(esc, "\\t");
    }
    if (is_control(cp))
        return (size_t)snprintf(esc, ESC_MAX, cp < 0x80 ? "\\x%02x" : "\\u%04x", (unsigned)cp);
    return 0;
}

char *cli_escape(const char *s)
{
    return rewrite(s ? s : "", terminal_escape);
}

static size_t replace_invalid(char esc[ESC_MAX], const unsigned char *p, size_t n, uint32_t cp)
{
    (void)p, (void)cp;
    if (n == 0)
        return lit(esc, "\xEF\xBF\xBD"); /* U+FFFD REPLACEMENT CHARACTER */
    return 0;
}

char *cli_utf8_fix(const char *s)
{
    return rewrite(s, replace_invalid);
}

bool cli_utf8_valid(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        uint32_t cp;
        size_t n = decode(p, &cp);
        if (n == 0)
            return false;
        p += n;
    }
    return true;
}

static size_t json_escape(char esc[ESC_MAX], const unsigned char *p, size_t n, uint32_t cp)
{
    (void)p;
    if (n == 0) /* not from jansson, which writes only UTF-8; hidden all the same */
        return lit(esc, "\\ufffd");
    /* Outside its strings JSON is plain ASCII: what is left to escape is inside one. */
    if (is_control(cp) && cp >= 0x20)
        return (size_t)snprintf(esc, ESC_MAX, "\\u%04x", (unsigned)cp);
    return 0;
}

char *cli_json_line(const char *json)
{
    return rewrite(json, json_escape);
}
