/*
 * sync/file.c - the export file's lines, written and read (file.h).
 *
 * The reader is a small JSON parser of its own. jansson holds a number as
 * an int64 or a double, not as its text (it refuses an integer past int64,
 * and reads 1.0 and 1e3 as doubles), where a column's text must come back
 * exactly as it went; and it would build a tree per line where a row's
 * strings are all we keep. (core/json_exact.c reads json fields' values,
 * whose numbers may be of any size: not what an int64 column holds.)
 */
#define _POSIX_C_SOURCE 200809L /* getline, strndup */
#include "sync/file.h"

#include "core/json.h"
#include "core/utf8.h"
#include "trail/error.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* How a column's value travels: as a number, or as a string (TEXT and JSON alike). */
enum { COL_TEXT, COL_INT, COL_JSON };

typedef struct column {
    const char *name;
    int value;
    bool nullable;
} column;

#define COLUMN(n, name, value, kind, null, fill, hash) { #name, COL_##value, TRAIL_EVENT_##null },
static const column event_columns[TRAIL_EVENT_COLUMNS] = { TRAIL_EVENT_COLUMN_TABLE(COLUMN, ) };
static const column lane_columns[TRAIL_LANE_COLUMNS] = { TRAIL_LANE_COLUMN_TABLE(COLUMN, ) };
#undef COLUMN

/* Room for the columns of either row. */
#define MAX_COLUMNS                                                                                \
    ((int)TRAIL_EVENT_COLUMNS > (int)TRAIL_LANE_COLUMNS ? (int)TRAIL_EVENT_COLUMNS                 \
                                                        : (int)TRAIL_LANE_COLUMNS)

/* Room for a text of the file shown in a message (shown()). */
#define SHOWN 64

/*
 * The @n bytes at @s as a message shows them, in @out (SHOWN bytes): at most 48 of them,
 * cut between characters and then "...", with '?' for control characters
 * and bytes that are not UTF-8, so that a message stays one line of text.
 */
static const char *shown(char *out, const char *s, size_t n)
{
    size_t i = 0, o = 0;
    while (i < n) {
        uint32_t cp;
        size_t k = trail__utf8_decode((const unsigned char *)s + i, n - i, &cp);
        bool plain = k > 0 && cp >= 0x20 && cp != 0x7f;
        size_t w = plain ? k : 1;
        if (o + w > 48)
            break;
        if (plain)
            memcpy(out + o, s + i, k);
        else
            out[o] = '?';
        o += w;
        i += k ? k : 1;
    }
    memcpy(out + o, i < n ? "..." : "", i < n ? 4 : 1);
    return out;
}

/* shown() in a buffer of its own, for one message: a C string, or the @n bytes at @s. */
#define SHOW(s)      shown((char[SHOWN]){ 0 }, (s), strlen(s))
#define SHOW_N(s, n) shown((char[SHOWN]){ 0 }, (s), (n))

void trail__file_header_clear(trail__file_header *h)
{
    free(h->node);
    free(h->schema);
    for (size_t i = 0; i < h->nlanes; i++)
        free(h->lanes[i].lane_id);
    free(h->lanes);
    *h = (trail__file_header){ 0 };
}

/*
 * Whether the @n bytes at @s are an int64 in its one decimal spelling
 * (-?(0|[1-9][0-9]*), no -0, within range); its value in *@v when so.
 */
static bool exact_int64(const char *s, size_t n, int64_t *v)
{
    bool neg = n > 0 && s[0] == '-';
    const char *d = s + neg;
    size_t nd = n - neg;
    if (nd == 0 || nd > 19 || (d[0] == '0' && (nd > 1 || neg)))
        return false;
    uint64_t u = 0;
    for (size_t i = 0; i < nd; i++) {
        if (d[i] < '0' || d[i] > '9')
            return false;
        u = u * 10 + (uint64_t)(d[i] - '0'); /* 19 digits stay below 2^64 */
    }
    if (u > (uint64_t)INT64_MAX + neg)
        return false;
    *v = neg ? (int64_t)(0 - u) : (int64_t)u;
    return true;
}

/* ---- writing ---------------------------------------------------------- */

void trail__file_writer_to_file(trail__file_writer *w, FILE *f)
{
    *w = (trail__file_writer){ .f = f };
}

void trail__file_writer_to_buf(trail__file_writer *w, trail_buf *out)
{
    *w = (trail__file_writer){ .out = out };
}

void trail__file_writer_free(trail__file_writer *w)
{
    trail__buf_free(&w->line);
}

static trail_buf *line_buf(trail__file_writer *w)
{
    if (w->f) {
        trail__buf_reset(&w->line);
        return &w->line;
    }
    return w->out;
}

/* The line that @j wrote at the end of @b (from @start), with its '\n', to where it goes. */
static int line_done(trail__file_writer *w, trail_buf *b, size_t start, trail_json *j,
                     trail_err *err)
{
    int rc = trail__json_finish(j);
    if (rc == TRAIL_OK)
        rc = trail__buf_append(b, "\n", 1);
    if (rc < 0) {
        if (b->data && b->len > start) {
            b->len = start;
            b->data[start] = '\0';
        }
        return trail__err_set(err, rc, "export file: %s", trail_strerror(rc));
    }
    if (w->f && fwrite(b->data + start, 1, b->len - start, w->f) != b->len - start)
        return trail__err_set(err, TRAIL_ESYS, "export file: writing: %s", strerror(errno));
    return TRAIL_OK;
}

static int write_row(trail__file_writer *w, const char *what, const column *cols, size_t ncols,
                     char *const *text, trail_err *err)
{
    for (size_t c = 0; c < ncols; c++) {
        int64_t v;
        if (!text[c]) {
            if (!cols[c].nullable)
                return trail__err_set(err, TRAIL_EINVALID, "%s.%s: NULL in a NOT NULL column", what,
                                      cols[c].name);
        } else if (cols[c].value == COL_INT) {
            if (!exact_int64(text[c], strlen(text[c]), &v))
                return trail__err_set(err, TRAIL_EINVALID, "%s.%s: \"%s\" is not an integer", what,
                                      cols[c].name, SHOW(text[c]));
        } else if (!trail__utf8_valid(text[c], strlen(text[c]))) {
            return trail__err_set(err, TRAIL_EINVALID, "%s.%s: not valid UTF-8", what,
                                  cols[c].name);
        }
    }
    trail_buf *b = line_buf(w);
    size_t start = b->len;
    trail_json j;
    trail__json_init(&j, b);
    trail__json_begin_object(&j);
    trail__json_key(&j, what);
    trail__json_begin_object(&j);
    for (size_t c = 0; c < ncols; c++) {
        trail__json_key(&j, cols[c].name);
        if (text[c] && cols[c].value == COL_INT)
            trail__json_raw(&j, text[c], strlen(text[c]));
        else
            trail__json_text(&j, text[c]);
    }
    trail__json_end_object(&j);
    trail__json_end_object(&j);
    return line_done(w, b, start, &j, err);
}

int trail__file_write_lane(trail__file_writer *w, const trail__wire_lane *l, trail_err *err)
{
    return write_row(w, "lane", lane_columns, TRAIL_LANE_COLUMNS, l->col, err);
}

int trail__file_write_event(trail__file_writer *w, const trail__wire_event *e, trail_err *err)
{
    return write_row(w, "event", event_columns, TRAIL_EVENT_COLUMNS, e->col, err);
}

static bool header_text_ok(const char *s)
{
    return s && trail__utf8_valid(s, strlen(s));
}

int trail__file_write_header(trail__file_writer *w, const trail__file_header *h, trail_err *err)
{
    if (!header_text_ok(h->node) || !header_text_ok(h->schema))
        return trail__err_set(err, TRAIL_EINVALID,
                              "export file: header: node and schema must be UTF-8 text");
    for (size_t i = 0; i < h->nlanes; i++)
        if (!header_text_ok(h->lanes[i].lane_id))
            return trail__err_set(err, TRAIL_EINVALID,
                                  "export file: header: lane %zu: lane_id must be UTF-8 text", i);
    trail_buf *b = line_buf(w);
    size_t start = b->len;
    trail_json j;
    trail__json_init(&j, b);
    trail__json_begin_object(&j);
    trail__json_key(&j, "format");
    trail__json_text(&j, TRAIL_FILE_FORMAT);
    trail__json_key(&j, "version");
    trail__json_int64(&j, TRAIL_FILE_VERSION);
    trail__json_key(&j, "node");
    trail__json_text(&j, h->node);
    trail__json_key(&j, "schema");
    trail__json_text(&j, h->schema);
    trail__json_key(&j, "schema_version");
    trail__json_int64(&j, h->schema_version);
    trail__json_key(&j, "lanes");
    trail__json_begin_array(&j);
    for (size_t i = 0; i < h->nlanes; i++) {
        trail__json_begin_object(&j);
        trail__json_key(&j, "lane");
        trail__json_text(&j, h->lanes[i].lane_id);
        trail__json_key(&j, "from");
        trail__json_int64(&j, h->lanes[i].from);
        trail__json_key(&j, "to");
        trail__json_int64(&j, h->lanes[i].to);
        trail__json_end_object(&j);
    }
    trail__json_end_array(&j);
    trail__json_key(&j, "created_at");
    trail__json_int64(&j, h->created_at);
    trail__json_end_object(&j);
    return line_done(w, b, start, &j, err);
}

/* ---- reading ---------------------------------------------------------- */

/* A line being read. */
typedef struct cursor {
    const char *begin, *p, *end;
    long line;
    trail_err *err;
    const char *what; /* "header", "lane" or "event", for messages */
    const char *s;    /* the last string read, unescaped: in the line, or in @str */
    size_t n;         /* its length */
    trail_buf str;    /* a string that held escapes, unescaped */
} cursor;

/* Whether the last string read is @word. */
static bool is(const cursor *c, const char *word)
{
    return strlen(word) == c->n && memcmp(c->s, word, c->n) == 0;
}

/* What kind of value comes next. */
typedef enum token { T_NULL, T_NUMBER, T_STRING, T_OTHER } token;

#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static int
bad(cursor *c, const char *key, const char *fmt, ...)
{
    char why[TRAIL_ERRMSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof why, fmt, ap);
    va_end(ap);
    if (key)
        return trail__err_set(c->err, TRAIL_EINVALID, "line %ld: %s.%s: %s", c->line, c->what, key,
                              why);
    return trail__err_set(c->err, TRAIL_EINVALID, "line %ld: %s", c->line, why);
}

/* Insignificant whitespace (RFC 8259), which takes in the CR of a CRLF line end. */
static void space(cursor *c)
{
    while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' || *c->p == '\r' || *c->p == '\n'))
        c->p++;
}

/* Whether the next character, after whitespace, is @ch; taken when it is. */
static bool take(cursor *c, char ch)
{
    space(c);
    if (c->p < c->end && *c->p == ch) {
        c->p++;
        return true;
    }
    return false;
}

static int expect(cursor *c, const char *key, char ch)
{
    if (take(c, ch))
        return TRAIL_OK;
    if (c->p == c->end)
        return bad(c, key, "the line ends where '%c' should follow (cut short?)", ch);
    return bad(c, key, "'%c' expected at column %td", ch, c->p - c->begin + 1);
}

static int hex4(const char *p, uint32_t *u)
{
    *u = 0;
    for (int i = 0; i < 4; i++) {
        char h = p[i];
        int d = h >= '0' && h <= '9'   ? h - '0'
                : h >= 'a' && h <= 'f' ? h - 'a' + 10
                : h >= 'A' && h <= 'F' ? h - 'A' + 10
                                       : -1;
        if (d < 0)
            return -1;
        *u = *u << 4 | (uint32_t)d;
    }
    return 0;
}

/* @cp (not a surrogate, at most U+10FFFF) in UTF-8 at @o; how many bytes. */
static size_t put_utf8(char *o, uint32_t cp)
{
    unsigned char *s = (unsigned char *)o;
    if (cp < 0x80) {
        s[0] = (unsigned char)cp;
        return 1;
    }
    if (cp < 0x800) {
        s[0] = (unsigned char)(0xC0 | cp >> 6);
        s[1] = (unsigned char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        s[0] = (unsigned char)(0xE0 | cp >> 12);
        s[1] = (unsigned char)(0x80 | (cp >> 6 & 0x3F));
        s[2] = (unsigned char)(0x80 | (cp & 0x3F));
        return 3;
    }
    s[0] = (unsigned char)(0xF0 | cp >> 18);
    s[1] = (unsigned char)(0x80 | (cp >> 12 & 0x3F));
    s[2] = (unsigned char)(0x80 | (cp >> 6 & 0x3F));
    s[3] = (unsigned char)(0x80 | (cp & 0x3F));
    return 4;
}

/* The bytes a string holds as they are: ASCII but control characters, '"' and '\\'. */
static const bool plain[256] = {
#define P(b)  [b] = (b) >= 0x20 && (b) < 0x80 && (b) != '"' && (b) != '\\'
#define P8(b) P(b), P(b + 1), P(b + 2), P(b + 3), P(b + 4), P(b + 5), P(b + 6), P(b + 7)
    P8(0x00), P8(0x08), P8(0x10), P8(0x18), P8(0x20), P8(0x28), P8(0x30), P8(0x38),
    P8(0x40), P8(0x48), P8(0x50), P8(0x58), P8(0x60), P8(0x68), P8(0x70), P8(0x78),
#undef P8
#undef P
};

/* The string at the cursor (its '"' next), unescaped into c->s, c->n: valid UTF-8, no NUL. */
static int read_string(cursor *c, const char *key)
{
    const char *start = ++c->p;
    /* Most strings hold no escape: they are the bytes between their quotes, as they are. */
    const char *p = start, *end = c->end;
    for (;;) {
        while (p < end && plain[(unsigned char)*p])
            p++;
        uint32_t cp;
        size_t n = p < end && (unsigned char)*p >= 0x80
                       ? trail__utf8_decode((const unsigned char *)p, (size_t)(end - p), &cp)
                       : 0;
        if (n == 0)
            break;
        p += n;
    }
    if (p < end && *p == '"') {
        c->s = start;
        c->n = (size_t)(p - start);
        c->p = p + 1;
        return TRAIL_OK;
    }
    /*
     * An escape, or what to refuse: read it again into c->str, written in
     * place. Unescaped, a string is never longer than the rest of its line
     * (an escape of 2, 6 or 12 bytes stands for 1 to 4).
     */
    c->p = start;
    trail__buf_reset(&c->str);
    if (trail__buf_reserve(&c->str, (size_t)(c->end - start)) < 0)
        return trail__err_set(c->err, TRAIL_ENOMEM, "line %ld: out of memory", c->line);
    char *o = c->str.data;
    for (;;) {
        const char *run = c->p;
        while (c->p < c->end && plain[(unsigned char)*c->p])
            c->p++;
        memcpy(o, run, (size_t)(c->p - run));
        o += c->p - run;
        if (c->p == c->end)
            return bad(c, key, "the line ends inside a string (cut short?)");
        unsigned char ch = (unsigned char)*c->p;
        if (ch == '"') {
            c->p++;
            break;
        }
        if (ch >= 0x80) {
            uint32_t cp;
            size_t n =
                trail__utf8_decode((const unsigned char *)c->p, (size_t)(c->end - c->p), &cp);
            if (n == 0)
                return bad(c, key, "not valid UTF-8");
            memcpy(o, c->p, n);
            o += n;
            c->p += n;
            continue;
        }
        if (ch < 0x20)
            return bad(c, key,
                       ch ? "a control character (0x%02x) not escaped in a string"
                          : "NUL in a string (0x%02x)",
                       ch);
        /* a backslash */
        if (c->end - c->p < 2)
            return bad(c, key, "the line ends inside a string (cut short?)");
        char e = c->p[1];
        static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
        const char *k = e ? strchr(from, e) : NULL;
        if (k) {
            *o++ = to[k - from];
            c->p += 2;
            continue;
        }
        uint32_t u, lo;
        if (e != 'u' || c->end - c->p < 6 || hex4(c->p + 2, &u) < 0)
            return bad(c, key, "a bad escape in a string");
        c->p += 6;
        if (u >= 0xDC00 && u <= 0xDFFF)
            return bad(c, key, "\\u%04x: a low surrogate without its high one", (unsigned)u);
        if (u >= 0xD800 && u <= 0xDBFF) {
            if (c->end - c->p < 6 || c->p[0] != '\\' || c->p[1] != 'u' || hex4(c->p + 2, &lo) < 0 ||
                lo < 0xDC00 || lo > 0xDFFF)
                return bad(c, key, "\\u%04x: a high surrogate without its low one", (unsigned)u);
            c->p += 6;
            u = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00);
        }
        if (u == 0)
            return bad(c, key, "NUL (\\u0000) in a string: no column holds it");
        o += put_utf8(o, u);
    }
    c->str.len = (size_t)(o - c->str.data);
    c->str.data[c->str.len] = '\0';
    c->s = c->str.data;
    c->n = c->str.len;
    return TRAIL_OK;
}

/*
 * Past the characters a number may hold; *@start and *@len its token.
 * Whether it is a number (and an integer) is the caller's question.
 */
static void scan_number(cursor *c, const char **start, size_t *len)
{
    *start = c->p;
    while (c->p < c->end && ((*c->p >= '0' && *c->p <= '9') || *c->p == '.' || *c->p == 'e' ||
                             *c->p == 'E' || *c->p == '+' || *c->p == '-'))
        c->p++;
    *len = (size_t)(c->p - *start);
}

static size_t digits(const char *s, size_t i, size_t n)
{
    size_t j = i;
    while (j < n && s[j] >= '0' && s[j] <= '9')
        j++;
    return j - i;
}

/* Whether the @n bytes at @s are one JSON number (RFC 8259). */
static bool json_number(const char *s, size_t n)
{
    size_t i = n > 0 && s[0] == '-', d = digits(s, i, n);
    if (d == 0 || (d > 1 && s[i] == '0'))
        return false;
    i += d;
    if (i < n && s[i] == '.') {
        if ((d = digits(s, ++i, n)) == 0)
            return false;
        i += d;
    }
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        if (i < n && (s[i] == '+' || s[i] == '-'))
            i++;
        if ((d = digits(s, i, n)) == 0)
            return false;
        i += d;
    }
    return i == n;
}

/* What the value at the cursor is (after whitespace), without moving past it. */
static token peek(cursor *c)
{
    space(c);
    if (c->p == c->end)
        return T_OTHER;
    char ch = *c->p;
    if (ch == '"')
        return T_STRING;
    if (ch == '-' || (ch >= '0' && ch <= '9'))
        return T_NUMBER;
    if (c->end - c->p >= 4 && memcmp(c->p, "null", 4) == 0)
        return T_NULL;
    return T_OTHER;
}

/* An int64 at the cursor (@key for messages): its token's text in *@s, *@n, and value in *@v. */
static int read_int(cursor *c, const char *key, const char **s, size_t *n, int64_t *v)
{
    if (peek(c) != T_NUMBER)
        return bad(c, key, "expected an integer");
    scan_number(c, s, n);
    if (exact_int64(*s, *n, v))
        return TRAIL_OK;
    /* say why, when it is an integer in form */
    size_t sign = (*s)[0] == '-';
    if (*n > sign && digits(*s, sign, *n) == *n - sign && (*s)[sign] != '0')
        return bad(c, key, "%s is out of the int64 range", SHOW_N(*s, *n));
    return bad(c, key, "expected an integer");
}

/* A string at the cursor into c->s, c->n. */
static int read_text(cursor *c, const char *key)
{
    if (peek(c) != T_STRING)
        return bad(c, key, "expected a string");
    return read_string(c, key);
}

/* Past a value of any kind, nested at most TRAIL_JSON_MAX_DEPTH deep (a header's unknown keys). */
static int skip_value(cursor *c, const char *key, int depth)
{
    if (depth > TRAIL_JSON_MAX_DEPTH)
        return bad(c, key, "nested too deeply");
    token t = peek(c);
    const char *s;
    size_t n;
    if (t == T_STRING)
        return read_string(c, key);
    if (t == T_NUMBER) {
        scan_number(c, &s, &n);
        return json_number(s, n) ? TRAIL_OK : bad(c, key, "expected a JSON value");
    }
    if (t == T_NULL) {
        c->p += 4;
        return TRAIL_OK;
    }
    if (c->end - c->p >= 4 && memcmp(c->p, "true", 4) == 0) {
        c->p += 4;
        return TRAIL_OK;
    }
    if (c->end - c->p >= 5 && memcmp(c->p, "false", 5) == 0) {
        c->p += 5;
        return TRAIL_OK;
    }
    int rc;
    if (take(c, '[')) {
        if (take(c, ']'))
            return TRAIL_OK;
        do {
            if ((rc = skip_value(c, key, depth + 1)) < 0)
                return rc;
        } while (take(c, ','));
        return expect(c, key, ']');
    }
    if (take(c, '{')) {
        if (take(c, '}'))
            return TRAIL_OK;
        do {
            if ((rc = read_text(c, key)) < 0 || (rc = expect(c, key, ':')) < 0 ||
                (rc = skip_value(c, key, depth + 1)) < 0)
                return rc;
        } while (take(c, ','));
        return expect(c, key, '}');
    }
    return bad(c, key, "expected a JSON value");
}

/* The end of the line: whitespace only. */
static int line_end(cursor *c)
{
    space(c);
    if (c->p != c->end)
        return bad(c, NULL, "more after the object's end");
    return TRAIL_OK;
}

/* ---- the header ---- */

/* The header's keys, in the order written. */
enum { H_FORMAT, H_VERSION, H_NODE, H_SCHEMA, H_SCHEMA_VERSION, H_LANES, H_CREATED_AT, H_KEYS };
static const char *const header_keys[H_KEYS] = {
    "format", "version", "node", "schema", "schema_version", "lanes", "created_at",
};

/* The header key the last string read is, or -1. */
static int header_key(const cursor *c)
{
    for (int i = 0; i < H_KEYS; i++)
        if (is(c, header_keys[i]))
            return i;
    return -1;
}

/*
 * The header's "format" and "version", before anything else is read as
 * version 1 spells it: a later version may change the other keys.
 */
static int read_format(cursor *c)
{
    int rc;
    bool format = false, version = false;
    if ((rc = expect(c, NULL, '{')) < 0)
        return rc;
    if (!take(c, '}')) {
        do {
            if ((rc = read_text(c, NULL)) < 0)
                return rc;
            int k = header_key(c);
            char name[SHOWN];
            shown(name, c->s, c->n);
            if ((rc = expect(c, name, ':')) < 0)
                return rc;
            if (k == H_FORMAT) {
                if ((rc = read_text(c, "format")) < 0)
                    return rc;
                if (!is(c, TRAIL_FILE_FORMAT))
                    return bad(c, "format", "\"%s\": not a trail events file (\"%s\")",
                               SHOW_N(c->s, c->n), TRAIL_FILE_FORMAT);
                format = true;
            } else if (k == H_VERSION) {
                const char *s;
                size_t n;
                int64_t v;
                if ((rc = read_int(c, "version", &s, &n, &v)) < 0)
                    return rc;
                if (v != TRAIL_FILE_VERSION)
                    return bad(c, "version", "%" PRId64 ": this trail reads version %d only", v,
                               TRAIL_FILE_VERSION);
                version = true;
            } else if ((rc = skip_value(c, name, 1)) < 0) {
                return rc;
            }
        } while (take(c, ','));
        if ((rc = expect(c, NULL, '}')) < 0)
            return rc;
    }
    if ((rc = line_end(c)) < 0)
        return rc;
    if (!format)
        return bad(c, "format", "missing: not a trail events file");
    if (!version)
        return bad(c, "version", "missing");
    return TRAIL_OK;
}

static int dup_str(cursor *c, char **out)
{
    if (!(*out = malloc(c->n + 1)))
        return trail__err_set(c->err, TRAIL_ENOMEM, "line %ld: out of memory", c->line);
    memcpy(*out, c->s, c->n);
    (*out)[c->n] = '\0';
    return TRAIL_OK;
}

static int read_lane_range(cursor *c, trail__file_range *r)
{
    int rc;
    bool seen[3] = { false, false, false };
    static const char *const keys[3] = { "lanes.lane", "lanes.from", "lanes.to" };
    if ((rc = expect(c, "lanes", '{')) < 0)
        return rc;
    if (!take(c, '}')) {
        do {
            if ((rc = read_text(c, "lanes")) < 0)
                return rc;
            int k = is(c, "lane") ? 0 : is(c, "from") ? 1 : is(c, "to") ? 2 : -1;
            if (k < 0)
                return bad(c, "lanes", "\"%s\": no such key (lane, from, to)", SHOW_N(c->s, c->n));
            if (seen[k])
                return bad(c, keys[k], "given twice");
            seen[k] = true;
            if ((rc = expect(c, keys[k], ':')) < 0)
                return rc;
            const char *s;
            size_t n;
            if (k == 0 && ((rc = read_text(c, keys[k])) < 0 || (rc = dup_str(c, &r->lane_id)) < 0))
                return rc;
            if (k > 0 && (rc = read_int(c, keys[k], &s, &n, k == 1 ? &r->from : &r->to)) < 0)
                return rc;
        } while (take(c, ','));
        if ((rc = expect(c, "lanes", '}')) < 0)
            return rc;
    }
    for (int k = 0; k < 3; k++)
        if (!seen[k])
            return bad(c, keys[k], "missing");
    if (r->from < 1 || r->to < r->from - 1 || r->to == INT64_MAX)
        return bad(c, "lanes", "lane %s: from %" PRId64 " to %" PRId64 " is not a range of seqs",
                   SHOW(r->lane_id), r->from, r->to);
    r->next = r->from;
    return TRAIL_OK;
}

static int read_lanes(cursor *c, trail__file_header *h)
{
    int rc;
    size_t cap = 0;
    if (peek(c) != T_OTHER || !take(c, '['))
        return bad(c, "lanes", "expected an array");
    if (take(c, ']'))
        return TRAIL_OK;
    do {
        if (h->nlanes == cap) {
            size_t ncap = cap ? 2 * cap : 16;
            trail__file_range *l = realloc(h->lanes, ncap * sizeof *l);
            if (!l)
                return trail__err_set(c->err, TRAIL_ENOMEM, "line %ld: out of memory", c->line);
            h->lanes = l;
            cap = ncap;
        }
        h->lanes[h->nlanes] = (trail__file_range){ 0 };
        rc = read_lane_range(c, &h->lanes[h->nlanes]);
        h->nlanes++; /* its lane_id is freed with the header, on failure too */
        if (rc < 0)
            return rc;
    } while (take(c, ','));
    return expect(c, "lanes", ']');
}

static int read_header(cursor *c, trail__file_header *h)
{
    int rc;
    bool seen[H_KEYS] = { false };
    const char *s;
    size_t n;
    if ((rc = expect(c, NULL, '{')) < 0)
        return rc;
    if (!take(c, '}')) {
        do {
            if ((rc = read_text(c, NULL)) < 0)
                return rc;
            int k = header_key(c);
            if (k < 0)
                return bad(c, NULL, "header.%s: no such key", SHOW_N(c->s, c->n));
            if (seen[k])
                return bad(c, header_keys[k], "given twice");
            seen[k] = true;
            if ((rc = expect(c, header_keys[k], ':')) < 0)
                return rc;
            switch (k) {
            case H_FORMAT:
            case H_VERSION: /* read_format() checked them */
                rc = skip_value(c, header_keys[k], 1);
                break;
            case H_NODE:
            case H_SCHEMA:
                if ((rc = read_text(c, header_keys[k])) == TRAIL_OK)
                    rc = dup_str(c, k == H_NODE ? &h->node : &h->schema);
                break;
            case H_SCHEMA_VERSION:
                rc = read_int(c, header_keys[k], &s, &n, &h->schema_version);
                break;
            case H_CREATED_AT:
                rc = read_int(c, header_keys[k], &s, &n, &h->created_at);
                break;
            default:
                rc = read_lanes(c, h);
            }
            if (rc < 0)
                return rc;
        } while (take(c, ','));
        if ((rc = expect(c, NULL, '}')) < 0)
            return rc;
    }
    if ((rc = line_end(c)) < 0)
        return rc;
    for (int k = 0; k < H_KEYS; k++)
        if (!seen[k])
            return bad(c, header_keys[k], "missing");
    return TRAIL_OK;
}

/* ---- rows ---- */

/* The column of @cols the last string read names, trying @hint (the one after the last) first. */
static int column_of(const column *cols, size_t ncols, const cursor *c, size_t hint)
{
    if (hint < ncols && is(c, cols[hint].name))
        return (int)hint;
    for (size_t i = 0; i < ncols; i++)
        if (is(c, cols[i].name))
            return (int)i;
    return -1;
}

/* The object of a lane row or event into @text (its strings owned by the caller, on failure too).
 */
static int read_columns(cursor *c, const column *cols, size_t ncols, char **text, int64_t *ints)
{
    int rc;
    bool seen[MAX_COLUMNS] = { false };
    size_t hint = 0;
    if ((rc = expect(c, NULL, '{')) < 0)
        return rc;
    if (!take(c, '}')) {
        do {
            if ((rc = read_text(c, NULL)) < 0)
                return rc;
            int k = column_of(cols, ncols, c, hint);
            if (k < 0)
                return bad(c, NULL, "%s.%s: no such column", c->what, SHOW_N(c->s, c->n));
            const char *key = cols[k].name;
            if (seen[k])
                return bad(c, key, "given twice");
            seen[k] = true;
            hint = (size_t)k + 1;
            if ((rc = expect(c, key, ':')) < 0)
                return rc;
            token t = peek(c);
            if (t == T_NULL) {
                if (!cols[k].nullable)
                    return bad(c, key, "null, but the column is NOT NULL");
                c->p += 4;
                continue;
            }
            if (cols[k].value == COL_INT) {
                const char *s;
                size_t n;
                if ((rc = read_int(c, key, &s, &n, &ints[k])) < 0)
                    return rc;
                if (!(text[k] = strndup(s, n)))
                    return trail__err_set(c->err, TRAIL_ENOMEM, "line %ld: out of memory", c->line);
            } else if ((rc = read_text(c, key)) < 0 || (rc = dup_str(c, &text[k])) < 0) {
                return rc;
            }
        } while (take(c, ','));
        if ((rc = expect(c, NULL, '}')) < 0)
            return rc;
    }
    for (size_t k = 0; k < ncols; k++)
        if (!seen[k])
            return bad(c, cols[k].name, "missing");
    return TRAIL_OK;
}

static int by_lane_id(const void *a, const void *b)
{
    return strcmp((*(trail__file_range *const *)a)->lane_id,
                  (*(trail__file_range *const *)b)->lane_id);
}

static trail__file_range *range_of(trail__file_reader *r, const char *lane_id)
{
    trail__file_range key = { .lane_id = (char *)lane_id }, *k = &key;
    trail__file_range **hit =
        r->header.nlanes ? bsearch(&k, r->by_lane, r->header.nlanes, sizeof *r->by_lane, by_lane_id)
                         : NULL;
    return hit ? *hit : NULL;
}

/* The lanes of the header by lane_id, each once. */
static int index_lanes(trail__file_reader *r, cursor *c)
{
    size_t n = r->header.nlanes;
    if (n == 0)
        return TRAIL_OK;
    if (!(r->by_lane = malloc(n * sizeof *r->by_lane)))
        return trail__err_set(c->err, TRAIL_ENOMEM, "line %ld: out of memory", c->line);
    for (size_t i = 0; i < n; i++)
        r->by_lane[i] = &r->header.lanes[i];
    qsort(r->by_lane, n, sizeof *r->by_lane, by_lane_id);
    for (size_t i = 1; i < n; i++)
        if (strcmp(r->by_lane[i - 1]->lane_id, r->by_lane[i]->lane_id) == 0)
            return bad(c, "lanes", "lane %s is listed twice", SHOW(r->by_lane[i]->lane_id));
    return TRAIL_OK;
}

static int feed_header(trail__file_reader *r, cursor *c)
{
    int rc;
    const char *start = c->p;
    c->what = "header";
    if ((rc = read_format(c)) < 0)
        return rc;
    c->p = start;
    if ((rc = read_header(c, &r->header)) < 0 || (rc = index_lanes(r, c)) < 0)
        return rc;
    return TRAIL__FILE_HEADER;
}

/* Where the lane row @l goes in the file: a lane of the header, once. */
static int check_lane_row(trail__file_reader *r, cursor *c, const trail__wire_lane *l)
{
    trail__file_range *g = range_of(r, l->col[TRAIL_LANE_lane_id]);
    if (!g)
        return bad(c, "lane_id", "lane %s is not in the header", SHOW(l->col[TRAIL_LANE_lane_id]));
    if (g->row_seen)
        return bad(c, "lane_id", "lane %s: its row came before", SHOW(g->lane_id));
    g->row_seen = true;
    return TRAIL_OK;
}

/* Where the event @e goes in the file: its lane's next seq, within the header's range. */
static int check_event(trail__file_reader *r, cursor *c, const trail__wire_event *e)
{
    trail__file_range *g = range_of(r, e->col[TRAIL_EV_lane_id]);
    if (!g)
        return bad(c, "lane_id", "lane %s is not in the header", SHOW(e->col[TRAIL_EV_lane_id]));
    if (e->seq > g->to)
        return bad(c, "seq", "%" PRId64 " is past lane %s's last in the header, %" PRId64, e->seq,
                   SHOW(g->lane_id), g->to);
    if (e->seq != g->next)
        return bad(c, "seq", "%" PRId64 " where lane %s's next is %" PRId64, e->seq, g->lane_id,
                   g->next);
    if (g->from == 1 && !g->row_seen)
        return bad(c, "lane_id", "lane %s starts at seq 1 but its lane row did not come first",
                   SHOW(g->lane_id));
    g->next++;
    return TRAIL_OK;
}

static int feed_row(trail__file_reader *r, cursor *c, trail__wire_batch *b)
{
    int rc;
    if ((rc = expect(c, NULL, '{')) < 0)
        return rc;
    if ((rc = read_text(c, NULL)) < 0)
        return rc;
    bool lane = is(c, "lane");
    if (!lane && !is(c, "event"))
        return bad(c, NULL, "\"%s\": a line holds {\"lane\":{...}} or {\"event\":{...}}",
                   SHOW_N(c->s, c->n));
    c->what = lane ? "lane" : "event";
    if ((rc = expect(c, NULL, ':')) < 0)
        return rc;
    int64_t ints[MAX_COLUMNS] = { 0 };
    if (lane) {
        trail__wire_lane l = { 0 };
        if ((rc = read_columns(c, lane_columns, TRAIL_LANE_COLUMNS, l.col, ints)) < 0 ||
            (rc = expect(c, NULL, '}')) < 0 || (rc = line_end(c)) < 0 ||
            (rc = check_lane_row(r, c, &l)) < 0)
            goto fail_lane;
        l.node_seq = ints[TRAIL_LANE_node_seq];
        if ((rc = trail__wire_grow((void **)&b->lanes, &b->lanes_cap, b->nlanes, sizeof l)) < 0) {
            rc = trail__err_set(c->err, rc, "line %ld: out of memory", c->line);
            goto fail_lane;
        }
        b->lanes[b->nlanes++] = l;
        return TRAIL__FILE_LANE;
    fail_lane:
        for (size_t k = 0; k < TRAIL_LANE_COLUMNS; k++)
            free(l.col[k]);
        return rc;
    }
    trail__wire_event e = { .line = r->line };
    if ((rc = read_columns(c, event_columns, TRAIL_EVENT_COLUMNS, e.col, ints)) < 0 ||
        (rc = expect(c, NULL, '}')) < 0 || (rc = line_end(c)) < 0)
        goto fail_event;
    e.hlc = ints[TRAIL_EV_hlc];
    e.seq = ints[TRAIL_EV_seq];
    if ((rc = check_event(r, c, &e)) < 0)
        goto fail_event;
    if ((rc = trail__wire_grow((void **)&b->events, &b->events_cap, b->nevents, sizeof e)) < 0) {
        rc = trail__err_set(c->err, rc, "line %ld: out of memory", c->line);
        goto fail_event;
    }
    b->events[b->nevents++] = e;
    return TRAIL__FILE_EVENT;
fail_event:
    for (size_t k = 0; k < TRAIL_EVENT_COLUMNS; k++)
        free(e.col[k]);
    return rc;
}

trail__file_range *trail__file_reader_range(trail__file_reader *r, const char *lane_id)
{
    return range_of(r, lane_id);
}

void trail__file_reader_init(trail__file_reader *r)
{
    *r = (trail__file_reader){ 0 };
}

void trail__file_reader_free(trail__file_reader *r)
{
    trail__file_header_clear(&r->header);
    free(r->text);
    free(r->by_lane);
    *r = (trail__file_reader){ 0 };
}

static int refuse_after_failure(const trail__file_reader *r, trail_err *err)
{
    return trail__err_set(err, TRAIL_EARG, "export file: reading stopped at line %ld, which failed",
                          r->line);
}

int trail__file_reader_feed(trail__file_reader *r, const char *text, size_t len,
                            trail__wire_batch *b, trail_err *err)
{
    if (r->failed)
        return refuse_after_failure(r, err);
    r->line++;
    cursor c = {
        .begin = text, .p = text, .end = text + len, .line = r->line, .err = err, .what = "event"
    };
    space(&c);
    if (c.p == c.end) {
        r->failed = TRAIL_EINVALID;
        return bad(&c, NULL, "an empty line");
    }
    int rc = r->line == 1 ? feed_header(r, &c) : feed_row(r, &c, b);
    trail__buf_free(&c.str);
    if (rc < 0)
        r->failed = rc;
    return rc;
}

int trail__file_reader_end(trail__file_reader *r, trail_err *err)
{
    if (r->failed)
        return refuse_after_failure(r, err);
    int rc = TRAIL__FILE_END;
    if (r->line == 0)
        rc = trail__err_set(err, TRAIL_EINVALID, "line 1: the file is empty: no header");
    for (size_t i = 0; rc == TRAIL__FILE_END && i < r->header.nlanes; i++) {
        const trail__file_range *g = &r->header.lanes[i];
        if (g->next <= g->to)
            rc = trail__err_set(err, TRAIL_EINVALID,
                                "line %ld: the file ends before lane %s's seq %" PRId64
                                " (its header says to %" PRId64 "): cut short?",
                                r->line + 1, SHOW(g->lane_id), g->next, g->to);
        else if (g->from == 1 && !g->row_seen)
            rc = trail__err_set(err, TRAIL_EINVALID,
                                "line %ld: the file ends without lane %s's row, which the "
                                "header's from 1 promises",
                                r->line + 1, SHOW(g->lane_id));
    }
    if (rc < 0)
        r->failed = rc;
    return rc;
}

int trail__file_reader_next(trail__file_reader *r, FILE *f, trail__wire_batch *b, trail_err *err)
{
    if (r->failed)
        return refuse_after_failure(r, err);
    errno = 0;
    ssize_t n = getline(&r->text, &r->text_cap, f);
    if (n < 0) {
        if (ferror(f) || errno == ENOMEM) {
            int code = errno == ENOMEM ? TRAIL_ENOMEM : TRAIL_ESYS;
            r->failed = code;
            return trail__err_set(err, code, "line %ld: reading: %s", r->line + 1,
                                  strerror(errno ? errno : EIO));
        }
        return trail__file_reader_end(r, err);
    }
    if (r->text[n - 1] != '\n') {
        r->failed = TRAIL_EINVALID;
        return trail__err_set(err, TRAIL_EINVALID,
                              "line %ld: the file ends inside this line (no '\\n'): cut short?",
                              r->line + 1);
    }
    return trail__file_reader_feed(r, r->text, (size_t)n - 1, b, err);
}
