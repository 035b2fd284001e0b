/*
 * json_exact.c - JSON read for its numbers' exact values (json_exact.h): one
 * pass that follows the text's structure, reads each number whole, and
 * rewrites the text for jansson.
 */
#include "core/json_exact.h"
#include "trail/error.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* jansson's JSON_PARSER_MAX_DEPTH: it reads what this writes, and refuses deeper text. */
#define MAX_DEPTH 2048

/* What PostgreSQL's numeric takes (numeric.c, set_var_from_str() and make_result()). */
#define PG_EXPONENT_LIMIT 1073741823 /* INT_MAX / 2: an exponent this big in size is refused */
#define PG_DIGITS_BEFORE  131072     /* NUMERIC_WEIGHT_MAX + 1 groups of 4 digits */
#define PG_DIGITS_AFTER   16383      /* NUMERIC_DSCALE_MAX */

/* A number as written: -?int(.frac)?([eE][+-]?exp)? */
typedef struct number {
    const char *text; /* all of it, len bytes */
    size_t len;
    bool neg;
    const char *digits; /* n_int integer digits, then '.' and n_frac more */
    size_t n_int, n_frac;
    bool exp_neg;
    const char *exp; /* the exponent's digits, its leading zeros left out: n_exp of them */
    size_t n_exp;
} number;

typedef struct reader {
    const char *s, *at, *end;
    trail_buf *out;
    trail_json_member_fn *exact_member; /* NULL: every value is read exactly */
    void *userdata;
    bool tag_strings;            /* string values read exactly take "s:" */
    bool check_numbers;          /* a number beyond PostgreSQL's numeric is a fault */
    trail_json_verdict *verdict; /* where the first fault is told, or NULL */
    bool exact;                  /* the value being read is read exactly */
    unsigned depth;
    unsigned char in_object[MAX_DEPTH / 8]; /* bit d: the container at depth d + 1 is an object */
} reader;

#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static int
fail(reader *r, trail_json_fault fault, const char *fmt, ...)
{
    if (r->verdict && r->verdict->fault == TRAIL_JSON_FINE) {
        r->verdict->fault = fault;
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(r->verdict->why, sizeof r->verdict->why, fmt, ap);
        va_end(ap);
    }
    return TRAIL_EINVALID;
}

static size_t offset(const reader *r)
{
    return (size_t)(r->at - r->s);
}

static void put(reader *r, const char *p, size_t n)
{
    trail__buf_append(r->out, p, n); /* a failure sticks in the buffer, asked once at the end */
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* Whether @c may continue a number: what follows one must not ("01", "1.", "1e+"). */
static bool in_number(char c)
{
    return is_digit(c) || (c != '\0' && strchr(".eE+-", c));
}

static size_t digits_at(const char *p, const char *end)
{
    const char *q = p;
    while (q < end && is_digit(*q))
        q++;
    return (size_t)(q - p);
}

/* Digit @i of the number's integer and fraction digits taken as one run. */
static char digit(const number *x, size_t i)
{
    return x->digits[i < x->n_int ? i : i + 1];
}

/* Appends digits [@from, @to) of that run. */
static void put_digits(reader *r, const number *x, size_t from, size_t to)
{
    if (from < x->n_int) {
        size_t stop = to < x->n_int ? to : x->n_int;
        put(r, x->digits + from, stop - from);
        from = stop;
    }
    if (from < to)
        put(r, x->digits + from + 1, to - from);
}

static int read_number(reader *r, number *x)
{
    const char *p = r->at, *end = r->end;
    memset(x, 0, sizeof *x);
    x->text = p;
    if (p < end && *p == '-') {
        x->neg = true;
        p++;
    }
    x->digits = p;
    x->n_int = digits_at(p, end);
    bool ok = x->n_int > 0 && !(x->n_int > 1 && *p == '0');
    p += x->n_int;
    if (ok && p < end && *p == '.') {
        x->n_frac = digits_at(p + 1, end);
        ok = x->n_frac > 0;
        p += 1 + x->n_frac;
    }
    if (ok && p < end && (*p == 'e' || *p == 'E')) {
        p++;
        if (p < end && (*p == '+' || *p == '-'))
            x->exp_neg = *p++ == '-';
        size_t n = digits_at(p, end);
        ok = n > 0;
        x->exp = p;
        x->n_exp = n;
        while (x->n_exp > 0 && *x->exp == '0') {
            x->exp++;
            x->n_exp--;
        }
        p += n;
    }
    if (!ok || (p < end && in_number(*p))) {
        while (p < end && in_number(*p))
            p++;
        int shown = p - x->text > 40 ? 40 : (int)(p - x->text);
        return fail(r, TRAIL_JSON_NOT_JSON, "'%.*s%s' at byte %zu is not a JSON number", shown,
                    x->text, p - x->text > 40 ? "..." : "", offset(r));
    }
    x->len = (size_t)(p - x->text);
    r->at = p;
    return TRAIL_OK;
}

/* The exponent as written, when it is less than 10^18 in size; false when it is not. */
static bool small_exponent(const number *x, int64_t *e)
{
    if (x->n_exp > 18)
        return false;
    int64_t v = 0;
    for (size_t i = 0; i < x->n_exp; i++)
        v = v * 10 + (x->exp[i] - '0');
    *e = x->exp_neg ? -v : v;
    return true;
}

/* Refuses a number PostgreSQL's numeric does not take, so that no engine stores it. */
static int check_number(reader *r, const number *x)
{
    int shown = x->len > 40 ? 40 : (int)x->len;
    const char *more = x->len > 40 ? "..." : "";
    int64_t e;
    if (!small_exponent(x, &e) || e >= PG_EXPONENT_LIMIT || e <= -PG_EXPONENT_LIMIT)
        return fail(r, TRAIL_JSON_NUMBER,
                    "the number %.*s%s has an exponent of %d or more in size, which "
                    "PostgreSQL's numeric does not take, so not every engine can store it",
                    shown, x->text, more, PG_EXPONENT_LIMIT);
    int64_t after = (int64_t)x->n_frac - e; /* as written, trailing zeros included */
    if (after > PG_DIGITS_AFTER)
        return fail(r, TRAIL_JSON_NUMBER,
                    "the number %.*s%s has %" PRId64 " digits after the point (its exponent "
                    "applied), more than the %d of PostgreSQL's numeric, so not every engine "
                    "can store it",
                    shown, x->text, more, after, PG_DIGITS_AFTER);
    size_t n = x->n_int + x->n_frac, first = 0;
    while (first < n && digit(x, first) == '0')
        first++;
    int64_t before = e + (int64_t)x->n_int - (int64_t)first;
    if (first < n && before > PG_DIGITS_BEFORE)
        return fail(r, TRAIL_JSON_NUMBER,
                    "the number %.*s%s has %" PRId64 " digits before the point, more than the "
                    "%d of PostgreSQL's numeric, so not every engine can store it",
                    shown, x->text, more, before, PG_DIGITS_BEFORE);
    return TRAIL_OK;
}

/*
 * Appends the exponent as written plus @shift, for an exponent 10^18 or
 * more in size: @shift is less than the text's length, so far smaller, and
 * the sum keeps the exponent's sign.
 */
static void put_big_exponent(reader *r, const number *x, int64_t shift)
{
    size_t n = x->n_exp;
    if (trail__buf_reserve(r->out, n + 2) < 0) /* a sign, a carry, the digits */
        return;
    char *at = r->out->data + r->out->len, *sum = at + (x->exp_neg ? 1 : 0);
    if (x->exp_neg)
        at[0] = '-';
    int64_t carry = x->exp_neg ? -shift : shift; /* added to the exponent's size */
    for (size_t i = n; i-- > 0;) {
        int64_t t = (x->exp[i] - '0') + carry, d = t % 10;
        if (d < 0)
            d += 10;
        carry = (t - d) / 10;
        sum[i + 1] = (char)('0' + d);
    }
    sum[0] = (char)('0' + carry); /* 0 or 1 */
    size_t zeros = 0;             /* a carry not made, or digits a borrow took */
    while (zeros < n && sum[zeros] == '0')
        zeros++;
    memmove(sum, sum + zeros, n + 1 - zeros);
    r->out->len += (size_t)(sum - at) + n + 1 - zeros;
    r->out->data[r->out->len] = '\0';
}

/* The number's value in one spelling: "n:", its digits without zeros at either end, e, exponent. */
static void put_exact_number(reader *r, const number *x)
{
    size_t n = x->n_int + x->n_frac, first = 0, last = n;
    while (first < n && digit(x, first) == '0')
        first++;
    if (first == n) {
        put(r, "\"n:0\"", 5);
        return;
    }
    while (digit(x, last - 1) == '0')
        last--;
    put(r, x->neg ? "\"n:-" : "\"n:", x->neg ? 4 : 3);
    put_digits(r, x, first, last);
    put(r, "e", 1);
    /* The digit at index i stands for 10^(exponent + n_int - 1 - i). */
    int64_t shift = (int64_t)x->n_int - (int64_t)last, e;
    if (small_exponent(x, &e))
        trail__buf_appendf(r->out, "%" PRId64, e + shift);
    else
        put_big_exponent(r, x, shift);
    put(r, "\"", 1);
}

static int read_number_value(reader *r)
{
    number x;
    int rc = read_number(r, &x);
    if (rc == TRAIL_OK && r->check_numbers)
        rc = check_number(r, &x);
    if (rc < 0)
        return rc;
    if (r->exact)
        put_exact_number(r, &x);
    else
        put(r, x.text, x.len);
    return TRAIL_OK;
}

/*
 * A string from its opening quote, copied as written (jansson judges its
 * escapes and bytes), "s:" put before its text when @tag. Its text and
 * length, between the quotes, into *@text and *@len.
 */
static int read_string(reader *r, bool tag, const char **text, size_t *len)
{
    const char *p = r->at + 1;
    while (p < r->end && *p != '"')
        p += *p == '\\' && p + 1 < r->end ? 2 : 1;
    if (p >= r->end)
        return fail(r, TRAIL_JSON_NOT_JSON, "the string at byte %zu does not end", offset(r));
    *text = r->at + 1;
    *len = (size_t)(p - *text);
    put(r, "\"", 1);
    if (tag)
        put(r, "s:", 2);
    put(r, *text, *len);
    put(r, "\"", 1);
    r->at = p + 1;
    return TRAIL_OK;
}

static int read_literal(reader *r)
{
    static const char *const words[] = { "true", "false", "null" };
    for (size_t i = 0; i < 3; i++) {
        size_t n = strlen(words[i]);
        if ((size_t)(r->end - r->at) >= n && memcmp(r->at, words[i], n) == 0) {
            put(r, r->at, n);
            r->at += n;
            return TRAIL_OK;
        }
    }
    return fail(r, TRAIL_JSON_NOT_JSON, "a JSON value expected at byte %zu", offset(r));
}

static void skip_space(reader *r)
{
    while (r->at < r->end && (*r->at == ' ' || *r->at == '\t' || *r->at == '\n' || *r->at == '\r'))
        r->at++;
}

static bool in_object(const reader *r)
{
    unsigned d = r->depth - 1;
    return r->in_object[d / 8] >> d % 8 & 1;
}

/* Opens the object or array at r->at; true when it closes right away (then it is closed too). */
static int open_container(reader *r, bool *empty)
{
    if (r->depth == MAX_DEPTH)
        return fail(r, TRAIL_JSON_NOT_JSON, "nested more than %d deep at byte %zu", MAX_DEPTH,
                    offset(r));
    bool object = *r->at == '{';
    unsigned d = r->depth++;
    unsigned char bit = (unsigned char)(1u << d % 8);
    r->in_object[d / 8] =
        (unsigned char)(object ? r->in_object[d / 8] | bit : r->in_object[d / 8] & ~bit);
    put(r, r->at++, 1);
    skip_space(r);
    *empty = r->at < r->end && *r->at == (object ? '}' : ']');
    if (*empty) {
        put(r, r->at++, 1);
        r->depth--;
    }
    return TRAIL_OK;
}

/* The whole text: one value, and nothing after it but whitespace. */
static int read_text(reader *r)
{
    enum { VALUE, KEY, AFTER } want = VALUE;
    skip_space(r);
    r->exact = !r->exact_member || r->at == r->end || *r->at != '{';
    for (;;) {
        skip_space(r);
        int rc = TRAIL_OK;
        if (want == KEY) {
            const char *key;
            size_t len;
            if (r->at == r->end || *r->at != '"')
                return fail(r, TRAIL_JSON_NOT_JSON, "a member's name expected at byte %zu",
                            offset(r));
            if ((rc = read_string(r, false, &key, &len)) < 0)
                return rc;
            skip_space(r);
            if (r->at == r->end || *r->at != ':')
                return fail(r, TRAIL_JSON_NOT_JSON, "':' expected at byte %zu", offset(r));
            put(r, r->at++, 1);
            if (r->depth == 1 && r->exact_member)
                r->exact = r->exact_member(r->userdata, key, len);
            want = VALUE;
        } else if (want == VALUE) {
            char c = r->at < r->end ? *r->at : '\0';
            bool empty = false;
            const char *text;
            size_t len;
            if (c == '{' || c == '[')
                rc = open_container(r, &empty);
            else if (c == '"')
                rc = read_string(r, r->exact && r->tag_strings, &text, &len);
            else if (c == '-' || is_digit(c))
                rc = read_number_value(r);
            else
                rc = read_literal(r);
            if (rc < 0)
                return rc;
            if ((c == '{' || c == '[') && !empty)
                want = c == '{' ? KEY : VALUE;
            else
                want = AFTER;
        } else if (r->depth == 0) {
            if (r->at != r->end)
                return fail(r, TRAIL_JSON_NOT_JSON, "more after the JSON value, at byte %zu",
                            offset(r));
            return TRAIL_OK;
        } else {
            bool object = in_object(r);
            char c = r->at < r->end ? *r->at : '\0';
            if (c == ',') {
                put(r, r->at++, 1);
                want = object ? KEY : VALUE;
            } else if (c == (object ? '}' : ']')) {
                put(r, r->at++, 1);
                r->depth--;
            } else {
                return fail(r, TRAIL_JSON_NOT_JSON, "',' or '%c' expected at byte %zu",
                            object ? '}' : ']', offset(r));
            }
        }
    }
}

/* Reads @r's text into r->out; on failure takes back what it appended. */
static int run(reader *r)
{
    size_t start = r->out->len;
    int rc = read_text(r);
    if (rc == TRAIL_OK && r->out->err)
        rc = r->out->err;
    if (rc < 0 && r->out->data) {
        r->out->len = start;
        r->out->data[start] = '\0';
    }
    return rc;
}

int trail__json_exact(trail_buf *out, const char *s, size_t n, trail_json_member_fn *exact_member,
                      void *userdata)
{
    reader r = { .s = s,
                 .at = s,
                 .end = s + n,
                 .out = out,
                 .exact_member = exact_member,
                 .userdata = userdata,
                 .tag_strings = true };
    return run(&r);
}

int trail__json_check(const char *s, size_t n, trail_json_verdict *v)
{
    v->fault = TRAIL_JSON_FINE;
    v->why[0] = '\0';
    trail_buf text = TRAIL_BUF_INIT;
    reader r = { .s = s, .at = s, .end = s + n, .out = &text, .check_numbers = true, .verdict = v };
    int rc = run(&r);
    if (rc == TRAIL_OK) {
        /*
         * The strings are jansson's to judge (escapes, UTF-8), the numbers
         * being strings now: without JSON_ALLOW_NUL it refuses \u0000.
         */
        json_error_t err;
        json_t *j = json_loadb(text.data, text.len, JSON_DECODE_ANY, &err);
        if (!j) {
            enum json_error_code code = json_error_code(&err);
            rc = code == json_error_out_of_memory
                     ? TRAIL_ENOMEM
                     : fail(&r,
                            code == json_error_null_character || code == json_error_null_byte_in_key
                                ? TRAIL_JSON_NUL
                                : TRAIL_JSON_NOT_JSON,
                            "%s", err.text);
        }
        json_decref(j);
    }
    trail__buf_free(&text);
    return rc;
}
