/*
 * yaml_tree.c - libyaml events into a tree of positioned nodes.
 *
 * The tree grows as events arrive: a node is attached to its parent the
 * moment it starts, and the collections still open sit on a fixed stack of
 * GEN_YAML_MAX_DEPTH entries. A collection that would go deeper is reported,
 * left in the tree as GEN_YAML_INVALID, and its events are counted off until
 * it closes, so depth costs neither stack nor memory.
 */
#include "yaml_tree.h"
#include "names.h"
#include "trail/error.h"
#include "core/utf8.h"

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#define TAG_STR "tag:yaml.org,2002:str"
#define TAG_SEQ "tag:yaml.org,2002:seq"
#define TAG_MAP "tag:yaml.org,2002:map"

typedef struct loader {
    gen_yaml_report report;
    void *ctx;
    const char *text; /* the input, to place reader errors */
    size_t len;
    gen_yaml_node *root; /* the first document's root */
    gen_yaml_node *open[GEN_YAML_MAX_DEPTH];
    int depth;      /* collections open, all in open[] */
    long skip;      /* > 0: inside a refused collection, this many levels deep */
    int documents;  /* seen so far */
    bool extra_doc; /* inside a second (refused) document */
    bool nomem;     /* memory ran out: stop */
    bool stop;      /* the report callback said stop */
} loader;

static gen_pos mark_pos(yaml_mark_t m)
{
    /* Past INT_MAX lines the position sticks there; such a file is refused anyway. */
    gen_pos p = { m.line >= INT_MAX ? INT_MAX : (int)m.line + 1,
                  m.column >= INT_MAX ? INT_MAX : (int)m.column + 1 };
    return p;
}

#if defined(__GNUC__)
#define PRINTF_LIKE(fmt, args) __attribute__((format(printf, fmt, args)))
#else
#define PRINTF_LIKE(fmt, args)
#endif

static void problem(loader *ld, const gen_yaml_node *at, gen_pos pos, const char *fmt, ...)
    PRINTF_LIKE(4, 5);

/* Pass a problem about @at (NULL: no node) to the report callback, until it says stop. */
static void problem(loader *ld, const gen_yaml_node *at, gen_pos pos, const char *fmt, ...)
{
    if (ld->stop)
        return;
    char msg[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    ld->stop = !ld->report(ld->ctx, at, pos, msg);
}

void gen_yaml_free(gen_yaml_node *node)
{
    if (!node)
        return;
    /* Recursion is bounded: no tree is deeper than GEN_YAML_MAX_DEPTH. */
    for (size_t i = 0; i < node->n_items; i++)
        gen_yaml_free(node->items[i]);
    for (size_t i = 0; i < node->n_pairs; i++) {
        gen_yaml_free(node->pairs[i].key);
        gen_yaml_free(node->pairs[i].value);
    }
    free(node->items);
    free(node->pairs);
    free(node->text);
    free(node);
}

/*
 * @arr (@n elements used of *@cap, @size bytes each) with room for one more:
 * the same or a moved array, or NULL when memory ran out (@arr is then intact).
 */
static void *grow(void *arr, size_t *cap, size_t n, size_t size)
{
    if (n < *cap)
        return arr;
    size_t want = *cap ? *cap * 2 : 4;
    if (want > SIZE_MAX / size)
        return NULL;
    void *p = realloc(arr, want * size);
    if (p)
        *cap = want;
    return p;
}

/*
 * Attach @n (owned; on failure it is freed and nomem set) to the collection
 * open at the top of the stack, or make it the root.
 */
static void attach(loader *ld, gen_yaml_node *n)
{
    if (ld->depth == 0) {
        ld->root = n;
        return;
    }
    gen_yaml_node *parent = ld->open[ld->depth - 1];
    n->parent = parent;
    if (parent->kind == GEN_YAML_SEQUENCE) {
        gen_yaml_node **items =
            grow(parent->items, &parent->cap, parent->n_items, sizeof *parent->items);
        if (!items)
            goto nomem;
        parent->items = items;
        n->index = parent->n_items;
        parent->items[parent->n_items++] = n;
        return;
    }
    /* A mapping alternates keys and values; a pair without a value waits for this node. */
    if (parent->n_pairs > 0 && !parent->pairs[parent->n_pairs - 1].value) {
        n->key = parent->pairs[parent->n_pairs - 1].key;
        parent->pairs[parent->n_pairs - 1].value = n;
        return;
    }
    gen_yaml_pair *pairs = grow(parent->pairs, &parent->cap, parent->n_pairs, sizeof *pairs);
    if (!pairs)
        goto nomem;
    parent->pairs = pairs;
    n->key = n;
    parent->pairs[parent->n_pairs++] = (gen_yaml_pair){ n, NULL };
    return;

nomem:
    gen_yaml_free(n);
    ld->nomem = true;
}

/* A new node of @kind at @mark, attached; NULL when memory ran out. */
static gen_yaml_node *add_node(loader *ld, gen_yaml_kind kind, yaml_mark_t mark)
{
    gen_yaml_node *n = calloc(1, sizeof *n);
    if (!n) {
        ld->nomem = true;
        return NULL;
    }
    n->kind = kind;
    n->pos = mark_pos(mark);
    attach(ld, n);
    return ld->nomem ? NULL : n;
}

static void on_scalar(loader *ld, const yaml_event_t *ev)
{
    const char *tag = (const char *)ev->data.scalar.tag;
    const char *value = (const char *)ev->data.scalar.value;
    size_t len = ev->data.scalar.length;
    gen_pos pos = mark_pos(ev->start_mark);

    /* A refused scalar is kept as a placeholder first, so that its problem has a path. */
    if (tag && strcmp(tag, TAG_STR) != 0) {
        char ex[GEN_YAML_EXCERPT];
        problem(ld, add_node(ld, GEN_YAML_INVALID, ev->start_mark), pos,
                "tag '%s' is not supported (only !!str)", gen_yaml_excerpt(ex, tag, strlen(tag)));
        return;
    }
    /* A "\0" escape would cut every C string made from this scalar short. */
    if (memchr(value, '\0', len)) {
        problem(ld, add_node(ld, GEN_YAML_INVALID, ev->start_mark), pos,
                "NUL characters are not supported");
        return;
    }
    char *text = malloc(len + 1);
    if (!text) {
        ld->nomem = true;
        return;
    }
    memcpy(text, value, len);
    text[len] = '\0';
    gen_yaml_node *n = add_node(ld, GEN_YAML_SCALAR, ev->start_mark);
    if (!n) {
        free(text);
        return;
    }
    n->text = text;
    n->len = len;
    n->quoted = ev->data.scalar.style != YAML_PLAIN_SCALAR_STYLE || tag;
}

static void on_start(loader *ld, const yaml_event_t *ev, gen_yaml_kind kind)
{
    const char *tag = (const char *)(kind == GEN_YAML_SEQUENCE ? ev->data.sequence_start.tag
                                                               : ev->data.mapping_start.tag);
    const char *own = kind == GEN_YAML_SEQUENCE ? TAG_SEQ : TAG_MAP;
    gen_pos pos = mark_pos(ev->start_mark);

    if (ld->depth < GEN_YAML_MAX_DEPTH && (!tag || strcmp(tag, own) == 0)) {
        gen_yaml_node *n = add_node(ld, kind, ev->start_mark);
        if (n)
            ld->open[ld->depth++] = n;
        return;
    }
    /* Refused: keep a placeholder, and count the collection's events off until it ends. */
    const gen_yaml_node *at = add_node(ld, GEN_YAML_INVALID, ev->start_mark);
    ld->skip = 1;
    if (ld->depth == GEN_YAML_MAX_DEPTH) {
        problem(ld, at, pos, "nesting deeper than %d levels", GEN_YAML_MAX_DEPTH);
    } else {
        char ex[GEN_YAML_EXCERPT];
        problem(ld, at, pos, "tag '%s' is not supported", gen_yaml_excerpt(ex, tag, strlen(tag)));
    }
}

/* Drop the pairs of @map whose keys are not scalars or repeat an earlier key. */
static void check_keys(loader *ld, gen_yaml_node *map)
{
    size_t n = map->n_pairs, m = 0;
    if (n == 0)
        return;
    const char **keys = malloc(n * sizeof *keys); /* the scalar keys... */
    size_t *at = malloc(n * sizeof *at);          /* ...the pair each belongs to... */
    size_t *first = malloc(n * sizeof *first);    /* ...and the first key equal to each */
    if (!keys || !at || !first) {
        ld->nomem = true;
        goto done;
    }
    for (size_t i = 0; i < n; i++) {
        if (map->pairs[i].key->kind == GEN_YAML_SCALAR) {
            keys[m] = map->pairs[i].key->text;
            at[m++] = i;
        }
    }
    if (!gen_names_first(first, keys, m)) {
        ld->nomem = true;
        goto done;
    }

    size_t kept = 0;
    for (size_t i = 0, j = 0; i < n; i++) {
        gen_yaml_pair *p = &map->pairs[i];
        bool drop = true;
        if (p->key->kind == GEN_YAML_SEQUENCE || p->key->kind == GEN_YAML_MAPPING) {
            problem(ld, p->key, p->key->pos, "a key must be a scalar, found %s",
                    gen_yaml_describe(p->key));
        } else if (p->key->kind == GEN_YAML_INVALID) {
            /* already reported */
        } else if (first[j] != j) {
            char ex[GEN_YAML_EXCERPT];
            const gen_yaml_node *orig = map->pairs[at[first[j]]].key;
            problem(ld, p->key, p->key->pos, "duplicate key '%s' (first at line %d)",
                    gen_yaml_excerpt(ex, p->key->text, p->key->len), orig->pos.line);
        } else {
            drop = false;
        }
        j += p->key->kind == GEN_YAML_SCALAR;
        if (drop) {
            gen_yaml_free(p->key);
            gen_yaml_free(p->value);
        } else {
            map->pairs[kept++] = *p;
        }
    }
    map->n_pairs = kept;

done:
    free(keys);
    free(at);
    free(first);
}

/* Handle one event. */
static void on_event(loader *ld, const yaml_event_t *ev)
{
    if (ev->type == YAML_DOCUMENT_START_EVENT) {
        if (++ld->documents > 1) {
            problem(ld, NULL, mark_pos(ev->start_mark), "only one YAML document is allowed");
            ld->extra_doc = true;
        }
        return;
    }
    if (ld->extra_doc)
        return;
    if (ld->skip > 0) {
        if (ev->type == YAML_SEQUENCE_START_EVENT || ev->type == YAML_MAPPING_START_EVENT)
            ld->skip++;
        else if (ev->type == YAML_SEQUENCE_END_EVENT || ev->type == YAML_MAPPING_END_EVENT)
            ld->skip--;
        return;
    }

    switch (ev->type) {
    case YAML_SCALAR_EVENT:
        on_scalar(ld, ev);
        break;
    case YAML_ALIAS_EVENT:
        problem(ld, add_node(ld, GEN_YAML_INVALID, ev->start_mark), mark_pos(ev->start_mark),
                "aliases are not supported; write the value out");
        break;
    case YAML_SEQUENCE_START_EVENT:
        on_start(ld, ev, GEN_YAML_SEQUENCE);
        break;
    case YAML_MAPPING_START_EVENT:
        on_start(ld, ev, GEN_YAML_MAPPING);
        break;
    case YAML_MAPPING_END_EVENT:
        check_keys(ld, ld->open[ld->depth - 1]);
        ld->depth--;
        break;
    case YAML_SEQUENCE_END_EVENT:
        ld->depth--;
        break;
    default: /* stream start and end, document end, nothing */
        break;
    }
}

/* Line and column (in characters) of byte @offset of the input. */
static gen_pos offset_pos(const loader *ld, size_t offset)
{
    gen_pos p = { 1, 1 };
    if (offset > ld->len)
        offset = ld->len;
    for (size_t i = 0; i < offset; i++) {
        unsigned char c = (unsigned char)ld->text[i];
        if (c == '\n') {
            p.line++;
            p.col = 1;
        } else if ((c & 0xC0) != 0x80) {
            p.col++;
        }
    }
    return p;
}

/*
 * The start of the character that byte @offset belongs to: libyaml puts a bad
 * trailing byte of a UTF-8 sequence at that byte, but the person reading the
 * message wants the character it breaks.
 */
static size_t char_start(const loader *ld, size_t offset)
{
    const unsigned char *t = (const unsigned char *)ld->text;
    size_t at = offset < ld->len ? offset : ld->len, lead = at;
    while (lead > 0 && at - lead < 3 && (t[lead - 1] & 0xC0) == 0x80)
        lead--;
    if (lead > 0 && t[lead - 1] >= 0xC2) {
        size_t need = t[lead - 1] >= 0xF0 ? 4 : t[lead - 1] >= 0xE0 ? 3 : 2;
        if (at - (lead - 1) < need)
            return lead - 1;
    }
    return at;
}

static void report_parse_error(loader *ld, const yaml_parser_t *parser)
{
    const char *what = parser->problem ? parser->problem : "cannot parse";
    if (parser->error == YAML_MEMORY_ERROR) {
        ld->nomem = true;
    } else if (parser->error == YAML_READER_ERROR) {
        /* libyaml places reader errors by byte offset only. */
        gen_pos pos = offset_pos(ld, char_start(ld, parser->problem_offset));
        if (parser->problem_value >= 0)
            problem(ld, NULL, pos, "%s (0x%02X)", what, (unsigned)parser->problem_value);
        else
            problem(ld, NULL, pos, "%s", what);
    } else if (parser->context) {
        gen_pos ctx = mark_pos(parser->context_mark);
        problem(ld, NULL, mark_pos(parser->problem_mark), "%s (%s at line %d, column %d)", what,
                parser->context, ctx.line, ctx.col);
    } else {
        problem(ld, NULL, mark_pos(parser->problem_mark), "%s", what);
    }
}

int gen_yaml_load(gen_yaml_node **out, const char *text, size_t len, gen_yaml_report report,
                  void *ctx)
{
    loader ld = { .report = report, .ctx = ctx, .text = text, .len = len };
    yaml_parser_t parser;
    int rc = TRAIL_ENOMEM;
    if (!yaml_parser_initialize(&parser))
        goto fail;
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);

    bool parsed = false;
    while (!ld.nomem && !ld.stop) {
        yaml_event_t ev;
        if (!yaml_parser_parse(&parser, &ev)) {
            report_parse_error(&ld, &parser);
            break;
        }
        on_event(&ld, &ev);
        parsed = ev.type == YAML_STREAM_END_EVENT;
        yaml_event_delete(&ev);
        if (parsed)
            break;
    }
    yaml_parser_delete(&parser);
    if (ld.nomem)
        goto fail;
    if (!parsed || ld.stop) {
        rc = TRAIL_EINVALID;
        goto fail;
    }
    *out = ld.root;
    return TRAIL_OK;

fail:
    gen_yaml_free(ld.root);
    *out = NULL;
    return rc;
}

const gen_yaml_node *gen_yaml_get(const gen_yaml_node *map, const char *key)
{
    if (!map || map->kind != GEN_YAML_MAPPING)
        return NULL;
    for (size_t i = 0; i < map->n_pairs; i++)
        if (strcmp(map->pairs[i].key->text, key) == 0)
            return map->pairs[i].value;
    return NULL;
}

bool gen_yaml_is_null(const gen_yaml_node *n)
{
    if (!n || n->kind != GEN_YAML_SCALAR || n->quoted)
        return false;
    const char *t = n->text;
    return !*t || !strcmp(t, "~") || !strcmp(t, "null") || !strcmp(t, "Null") || !strcmp(t, "NULL");
}

const char *gen_yaml_describe(const gen_yaml_node *n)
{
    switch (n->kind) {
    case GEN_YAML_MAPPING:
        return "a mapping";
    case GEN_YAML_SEQUENCE:
        return "a sequence";
    case GEN_YAML_SCALAR:
        if (gen_yaml_is_null(n))
            return n->len == 0 ? "nothing" : "null";
        return "a scalar";
    default:
        return "an invalid value";
    }
}

const char *gen_yaml_excerpt(char buf[GEN_YAML_EXCERPT], const char *s, size_t len)
{
    size_t room = GEN_YAML_EXCERPT - 1;
    size_t n = len;
    if (n > room)
        n = trail__utf8_cut(s, room - 3);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        buf[i] = c < 0x20 || c == 0x7F ? '?' : (char)c;
    }
    if (n < len) {
        memcpy(buf + n, "...", 3);
        n += 3;
    }
    buf[n] = '\0';
    return buf;
}

/* Longest key shown as it is in a path: a valid name (63 characters) and then some. */
#define PLAIN_MAX 80

/* The step of a path that leads from @n's parent to @n, into @buf ("" for none). */
static void path_step(char *buf, size_t size, const gen_yaml_node *n, bool first)
{
    buf[0] = '\0';
    if (n->parent->kind == GEN_YAML_SEQUENCE) {
        snprintf(buf, size, "[%zu]", n->index);
        return;
    }
    const gen_yaml_node *key = n->key;
    if (!key || key->kind != GEN_YAML_SCALAR)
        return;
    const char *sep = first ? "" : ".";
    size_t plain = strspn(key->text, "abcdefghijklmnopqrstuvwxyz"
                                     "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-");
    if (key->len > 0 && plain == key->len && key->len <= PLAIN_MAX) {
        snprintf(buf, size, "%s%s", sep, key->text);
    } else {
        char ex[GEN_YAML_EXCERPT];
        snprintf(buf, size, "%s'%s'", sep, gen_yaml_excerpt(ex, key->text, key->len));
    }
}

const char *gen_yaml_path(char buf[GEN_YAML_PATH], const gen_yaml_node *n)
{
    /* A node is at most GEN_YAML_MAX_DEPTH steps below the root: a collection one deeper
     * is a placeholder, and nothing is kept below that. */
    const gen_yaml_node *chain[GEN_YAML_MAX_DEPTH + 1];
    size_t depth = 0, used = 0;
    for (; n && n->parent && depth < sizeof chain / sizeof chain[0]; n = n->parent)
        chain[depth++] = n;
    buf[0] = '\0';
    while (depth > 0) {
        char step[PLAIN_MAX + 8];
        path_step(step, sizeof step, chain[--depth], used == 0);
        size_t len = strlen(step);
        if (used + len + sizeof "..." > GEN_YAML_PATH) {
            memcpy(buf + used, "...", sizeof "...");
            break;
        }
        memcpy(buf + used, step, len + 1);
        used += len;
    }
    return buf;
}
