/*
 * schema_value.c - reading typed values out of YAML nodes, with the message
 * for each way a value can be wrong.
 *
 * Scalars follow YAML 1.2's core schema, not 1.1's: `yes`, `no`, `on` and
 * `off` are not booleans, `0755` is decimal. A quoted scalar is always a
 * string, so `"5"` is not a number and `"true"` not a boolean.
 */
#define _POSIX_C_SOURCE 200809L /* newlocale, uselocale */
#include "schema_value.h"
#include "names.h"

#include <locale.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Keep the problem @msg at @pos about the node @at (NULL: none) for gen_sload_flush(). */
static void keep(gen_sload *ld, const gen_yaml_node *at, gen_pos pos, const char *fmt, va_list ap)
{
    if (ld->gave_up)
        return;
    char path[GEN_YAML_PATH], msg[768], full[GEN_YAML_PATH + 2 + sizeof msg];
    vsnprintf(msg, sizeof msg, fmt, ap);
    if (at && *gen_yaml_path(path, at))
        snprintf(full, sizeof full, "%s: %s", path, msg);
    else
        snprintf(full, sizeof full, "%s", msg);

    char *text = NULL;
    if (ld->n_msgs == ld->cap_msgs) {
        size_t cap = ld->cap_msgs ? ld->cap_msgs * 2 : 16;
        gen_sload_msg *m = realloc(ld->msgs, cap * sizeof *m);
        if (m) {
            ld->msgs = m;
            ld->cap_msgs = cap;
        }
    }
    if (ld->n_msgs < ld->cap_msgs && (text = malloc(strlen(full) + 1))) {
        ld->msgs[ld->n_msgs] = (gen_sload_msg){ pos, ld->n_msgs, strcpy(text, full) };
        ld->n_msgs++;
    } else {
        /* Out of memory: out of order is better than not at all. */
        gen_diag_error(ld->diag, ld->path, pos, "%s", full);
    }
    if (ld->diag->errors - ld->base + (long)ld->n_msgs >= GEN_SCHEMA_MAX_ERRORS)
        ld->gave_up = true;
}

void gen_sload_error(gen_sload *ld, const gen_yaml_node *at, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    keep(ld, at, at->pos, fmt, ap);
    va_end(ap);
}

void gen_sload_error_pos(gen_sload *ld, const gen_yaml_node *at, gen_pos pos, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    keep(ld, at, pos, fmt, ap);
    va_end(ap);
}

static int cmp_msg(const void *pa, const void *pb)
{
    const gen_sload_msg *a = pa, *b = pb;
    if (a->pos.line != b->pos.line)
        return a->pos.line < b->pos.line ? -1 : 1;
    if (a->pos.col != b->pos.col)
        return a->pos.col < b->pos.col ? -1 : 1;
    return (a->seq > b->seq) - (a->seq < b->seq);
}

void gen_sload_flush(gen_sload *ld)
{
    if (ld->n_msgs > 0)
        qsort(ld->msgs, ld->n_msgs, sizeof *ld->msgs, cmp_msg);
    for (size_t i = 0; i < ld->n_msgs; i++) {
        gen_diag_error(ld->diag, ld->path, ld->msgs[i].pos, "%s", ld->msgs[i].text);
        free(ld->msgs[i].text);
    }
    if (ld->gave_up)
        gen_diag_error(ld->diag, ld->path, (gen_pos){ 0, 0 }, "too many errors; stopping here");
    free(ld->msgs);
    ld->msgs = NULL;
    ld->n_msgs = ld->cap_msgs = 0;
}

bool gen_sload_nomem(gen_sload *ld)
{
    if (!ld->nomem)
        gen_diag_error(ld->diag, ld->path, (gen_pos){ 0, 0 }, "out of memory");
    ld->nomem = true;
    return false;
}

char *gen_sload_strdup(gen_sload *ld, const char *s)
{
    size_t n = strlen(s) + 1;
    char *p = malloc(n);
    if (!p) {
        gen_sload_nomem(ld);
        return NULL;
    }
    return memcpy(p, s, n);
}

static const char *kind_name(gen_yaml_kind kind)
{
    return kind == GEN_YAML_MAPPING    ? "a mapping"
           : kind == GEN_YAML_SEQUENCE ? "a sequence"
                                       : "a scalar";
}

bool gen_sload_expect(gen_sload *ld, const gen_yaml_node *n, gen_yaml_kind kind)
{
    if (n->kind == kind)
        return true;
    if (n->kind != GEN_YAML_INVALID)
        gen_sload_error(ld, n, "expected %s, found %s", kind_name(kind), gen_yaml_describe(n));
    return false;
}

/* "a, b or c" into @buf; cut short with "..." when it does not fit. */
static const char *join_or(char *buf, size_t size, const char *const *words, size_t n)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < n && used < size; i++) {
        const char *sep = i == 0 ? "" : i + 1 == n ? " or " : ", ";
        int w = snprintf(buf + used, size - used, "%s%s", sep, words[i]);
        if (w < 0 || (size_t)w >= size - used) {
            snprintf(buf + (size > 4 ? size - 4 : 0), size > 4 ? 4 : size, "...");
            break;
        }
        used += (size_t)w;
    }
    return buf;
}

/* "unknown <what> 'x'; did you mean 'y'?" or "unknown <what> 'x' (expected a, b or c)". */
static void report_unknown(gen_sload *ld, const gen_yaml_node *n, const char *what,
                           const char *const *known, size_t count)
{
    char ex[GEN_YAML_EXCERPT];
    gen_yaml_excerpt(ex, n->text, n->len);
    const char *hint = gen_suggest(n->text, known, count);
    if (hint) {
        gen_sload_error(ld, n, "unknown %s '%s'; did you mean '%s'?", what, ex, hint);
    } else {
        char list[256];
        gen_sload_error(ld, n, "unknown %s '%s' (expected %s)", what, ex,
                        join_or(list, sizeof list, known, count));
    }
}

void gen_sload_keys(gen_sload *ld, const gen_yaml_node *map, const char *what,
                    const char *const *allowed, size_t n)
{
    for (size_t i = 0; i < map->n_pairs; i++) {
        const gen_yaml_node *key = map->pairs[i].key;
        size_t j = 0;
        while (j < n && strcmp(key->text, allowed[j]) != 0)
            j++;
        if (j == n)
            report_unknown(ld, key, what, allowed, n);
    }
}

int gen_sload_choice(gen_sload *ld, const gen_yaml_node *node, const char *what,
                     const char *const *choices, size_t n)
{
    if (!gen_sload_expect(ld, node, GEN_YAML_SCALAR))
        return -1;
    for (size_t i = 0; i < n; i++)
        if (strcmp(node->text, choices[i]) == 0)
            return (int)i;
    report_unknown(ld, node, what, choices, n);
    return -1;
}

/* "expected <what>, found ..." for a scalar of the wrong form. */
static void report_form(gen_sload *ld, const gen_yaml_node *n, const char *what, const char *note)
{
    char ex[GEN_YAML_EXCERPT];
    if (gen_yaml_is_null(n))
        gen_sload_error(ld, n, "expected %s, found %s", what, gen_yaml_describe(n));
    else
        gen_sload_error(ld, n, "expected %s, found %s'%s'%s", what, n->quoted ? "the string " : "",
                        gen_yaml_excerpt(ex, n->text, n->len), note);
}

bool gen_sload_bool(gen_sload *ld, const gen_yaml_node *n, bool *out)
{
    static const char *const yes[] = { "true", "True", "TRUE" };
    static const char *const no[] = { "false", "False", "FALSE" };
    static const char *const yaml11[] = { "yes", "Yes", "YES", "no",  "No",  "NO", "on",
                                          "On",  "ON",  "off", "Off", "OFF", "y",  "n" };
    if (!gen_sload_expect(ld, n, GEN_YAML_SCALAR))
        return false;
    for (size_t i = 0; !n->quoted && i < 3; i++) {
        if (strcmp(n->text, yes[i]) == 0 || strcmp(n->text, no[i]) == 0) {
            *out = strcmp(n->text, yes[i]) == 0;
            return true;
        }
    }
    const char *note = "";
    for (size_t i = 0; !n->quoted && i < sizeof yaml11 / sizeof yaml11[0]; i++)
        if (strcmp(n->text, yaml11[i]) == 0)
            note = " (YAML 1.2 booleans are only true and false)";
    report_form(ld, n, "true or false", note);
    return false;
}

/* @s as digits of @base (at least one) into *@mag; false when not, or above @max. */
static bool digits(const char *s, unsigned base, uint64_t max, uint64_t *mag, bool *range)
{
    uint64_t v = 0;
    if (!*s)
        return false;
    for (; *s; s++) {
        unsigned d;
        if (*s >= '0' && *s <= '9')
            d = (unsigned)(*s - '0');
        else if (*s >= 'a' && *s <= 'f')
            d = (unsigned)(*s - 'a' + 10);
        else if (*s >= 'A' && *s <= 'F')
            d = (unsigned)(*s - 'A' + 10);
        else
            return false;
        if (d >= base)
            return false;
        /* Keep scanning after an overflow: "12x" with 40 digits is still not a number. */
        if (v > (max - d) / base)
            *range = true;
        else
            v = v * base + d;
    }
    *mag = v;
    return true;
}

/* 1 when @s is a YAML 1.2 integer (in *@out), 0 when not one, -1 when out of range. */
static int parse_int(const char *s, int64_t *out)
{
    uint64_t mag = 0;
    bool range = false;
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'o')) {
        if (!digits(s + 2, s[1] == 'x' ? 16 : 8, INT64_MAX, &mag, &range))
            return 0;
        if (range)
            return -1;
        *out = (int64_t)mag;
        return 1;
    }
    bool neg = s[0] == '-';
    if (s[0] == '-' || s[0] == '+')
        s++;
    /* The magnitude of INT64_MIN is one more than INT64_MAX. */
    if (!digits(s, 10, neg ? (uint64_t)INT64_MAX + 1 : INT64_MAX, &mag, &range))
        return 0;
    if (range)
        return -1;
    *out = neg ? (int64_t)(0 - mag) : (int64_t)mag;
    return 1;
}

bool gen_sload_int(gen_sload *ld, const gen_yaml_node *n, int64_t *out)
{
    if (!gen_sload_expect(ld, n, GEN_YAML_SCALAR))
        return false;
    int r = n->quoted ? 0 : parse_int(n->text, out);
    if (r < 0) {
        char ex[GEN_YAML_EXCERPT];
        gen_sload_error(ld, n, "integer out of range: %s (int64 holds -2^63 to 2^63-1)",
                        gen_yaml_excerpt(ex, n->text, n->len));
        return false;
    }
    if (r == 0)
        report_form(ld, n, "an integer", "");
    return r > 0;
}

/* Whether @s matches YAML 1.2's core float: [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)? */
static bool is_float(const char *s)
{
    size_t i = s[0] == '-' || s[0] == '+';
    size_t int_digits = 0, frac_digits = 0;
    while (s[i] >= '0' && s[i] <= '9')
        i++, int_digits++;
    if (s[i] == '.') {
        i++;
        while (s[i] >= '0' && s[i] <= '9')
            i++, frac_digits++;
    }
    if (int_digits == 0 && frac_digits == 0)
        return false;
    if (s[i] == 'e' || s[i] == 'E') {
        i++;
        if (s[i] == '-' || s[i] == '+')
            i++;
        if (s[i] < '0' || s[i] > '9')
            return false;
        while (s[i] >= '0' && s[i] <= '9')
            i++;
    }
    return s[i] == '\0';
}

bool gen_sload_double(gen_sload *ld, const gen_yaml_node *n, double *out)
{
    if (!gen_sload_expect(ld, n, GEN_YAML_SCALAR))
        return false;
    int64_t i;
    if (!n->quoted && (n->text[0] == '0' && (n->text[1] == 'x' || n->text[1] == 'o')) &&
        parse_int(n->text, &i) > 0) {
        *out = (double)i;
        return true;
    }
    if (n->quoted || !is_float(n->text)) {
        const char *t = n->text + (n->text[0] == '-' || n->text[0] == '+');
        bool special = !n->quoted && (strcmp(t, ".inf") == 0 || strcmp(t, ".Inf") == 0 ||
                                      strcmp(t, ".INF") == 0 || strcmp(t, ".nan") == 0 ||
                                      strcmp(t, ".NaN") == 0 || strcmp(t, ".NAN") == 0);
        report_form(ld, n, "a number", special ? " (it must be finite)" : "");
        return false;
    }

    /* strtod reads the decimal point of LC_NUMERIC; YAML's is always '.'. */
    locale_t c = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
    if (!c)
        return gen_sload_nomem(ld);
    locale_t old = uselocale(c);
    double v = strtod(n->text, NULL);
    uselocale(old);
    freelocale(c);
    if (!isfinite(v)) {
        char ex[GEN_YAML_EXCERPT];
        gen_sload_error(ld, n, "number out of range: %s", gen_yaml_excerpt(ex, n->text, n->len));
        return false;
    }
    *out = v;
    return true;
}

const char *gen_sload_name(gen_sload *ld, const gen_yaml_node *n, const char *what)
{
    if (!gen_sload_expect(ld, n, GEN_YAML_SCALAR))
        return NULL;
    const char *why = gen_name_problem(n->text, n->len);
    if (why) {
        char ex[GEN_YAML_EXCERPT];
        gen_sload_error(ld, n, "%s '%s' is not valid: it %s (names are lowercase snake_case)", what,
                        gen_yaml_excerpt(ex, n->text, n->len), why);
        return NULL;
    }
    return n->text;
}

static int cmp_slot(const void *key, const void *elem)
{
    return strcmp((const char *)key, ((const gen_entity_slot *)elem)->name);
}

long gen_sload_entity_index(const gen_sload *ld, const char *name)
{
    const gen_entity_slot *hit =
        bsearch(name, ld->by_name, ld->n_names, sizeof *ld->by_name, cmp_slot);
    return hit ? (long)hit->index : -1;
}
