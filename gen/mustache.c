/*
 * mustache.c - a Mustache renderer: each template is parsed once into a flat
 * token list, then rendered against a stack of jansson values.
 *
 * Standalone lines are settled by the parser, so the renderer never looks
 * at whitespace. The spec indents a standalone partial by prefixing every
 * line of its text; instead the parser marks where each kept line begins
 * (T_INDENT) and the renderer writes the current indentation there, which
 * lets one parse of a partial serve every indentation it is used with.
 */
#include "mustache.h"

#include "core/json.h"
#include "trail/error.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum tok_kind {
    T_TEXT,     /* literal text, at most one line */
    T_INDENT,   /* a line of the template begins here */
    T_VAR,      /* {{x}} */
    T_RAW,      /* {{{x}}} or {{&x}} */
    T_SECTION,  /* {{#x}}: the body is the tokens up to .end */
    T_INVERTED, /* {{^x}} */
    T_PARTIAL,  /* {{>x}} */
};

typedef struct tok {
    enum tok_kind kind;
    const char *s;      /* the text, or the tag's name, trimmed; points into the template */
    size_t n;           /* its length */
    const char *indent; /* T_PARTIAL standing alone: the whitespace before it; else NULL */
    size_t indent_len;
    size_t pos; /* offset of the tag in the template, for messages */
    size_t end; /* T_SECTION, T_INVERTED: index of the first token after the body */
} tok;

/* A parsed template: the top one or a partial (kept for the rest of the render). */
typedef struct tmpl {
    const char *name; /* for messages */
    const char *text; /* borrowed; NULL for a partial that does not exist */
    size_t len;
    tok *toks;
    size_t ntoks, cap;
    char *owned_name; /* partials: the name, NUL-terminated */
    struct tmpl *next;
} tmpl;

/* The context stack lives on the C stack: one frame per section being rendered. */
typedef struct frame {
    const json_t *v;
    const struct frame *up;
} frame;

/* The indentation of nested standalone partials, outermost written first. */
typedef struct indent {
    const char *s;
    size_t n;
    const struct indent *outer;
} indent;

typedef struct render {
    trail_buf *out;
    bool escape_html;
    const gen_mustache_opts *opts;
    tmpl *partials; /* every partial asked for so far */
    int partial_depth, section_depth;
    char *err;
    size_t errlen;
} render;

#define NO_SECTION SIZE_MAX

/* The 1-based line and column (in characters) of the offset @pos in @t. */
static void where(const tmpl *t, size_t pos, int *line, int *col)
{
    *line = 1;
    *col = 1;
    for (size_t i = 0; i < pos && i < t->len; i++) {
        if (t->text[i] == '\n') {
            ++*line;
            *col = 1;
        } else if (((unsigned char)t->text[i] & 0xC0) != 0x80) {
            ++*col;
        }
    }
}

/* Writes "name:line:col: message" (the place of @pos in @t) as the error; TRAIL_EINVALID. */
#if defined(__GNUC__)
__attribute__((format(printf, 4, 5)))
#endif
static int
fail_at(render *r, const tmpl *t, size_t pos, const char *fmt, ...)
{
    int line, col;
    where(t, pos, &line, &col);
    int n = r->errlen ? snprintf(r->err, r->errlen, "%s:%d:%d: ", t->name, line, col) : -1;
    if (n >= 0 && (size_t)n < r->errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(r->err + n, r->errlen - (size_t)n, fmt, ap);
        va_end(ap);
    }
    return TRAIL_EINVALID;
}

static int fail_nomem(render *r, const tmpl *t)
{
    if (r->errlen)
        snprintf(r->err, r->errlen, "%s: out of memory", t->name);
    return TRAIL_ENOMEM;
}

/* ---- parsing ---------------------------------------------------------- */

static bool is_blank(char c)
{
    return c == ' ' || c == '\t';
}

static bool is_space(char c)
{
    return is_blank(c) || c == '\n' || c == '\r';
}

/* Trims whitespace off both ends of the span *@s, *@n. */
static void trim(const char **s, size_t *n)
{
    while (*n && is_space(**s)) {
        (*s)++;
        (*n)--;
    }
    while (*n && is_space((*s)[*n - 1]))
        (*n)--;
}

/*
 * The index of the next @d (@dn bytes) at or after @from, preceded by the
 * byte @pre unless that is 0 (the index is then @pre's); @n when there is none.
 */
static size_t find(const char *s, size_t from, size_t n, char pre, const char *d, size_t dn)
{
    size_t k = pre ? 1 : 0;
    for (size_t i = from; i + k + dn <= n; i++)
        if ((!pre || s[i] == pre) && memcmp(s + i + k, d, dn) == 0)
            return i;
    return n;
}

/* Appends a token; on success *@out points at it (valid until the next push). */
static int push(tmpl *t, enum tok_kind kind, const char *s, size_t n, size_t pos, tok **out)
{
    if (t->ntoks == t->cap) {
        size_t cap = t->cap ? 2 * t->cap : 32;
        tok *toks = realloc(t->toks, cap * sizeof *toks);
        if (!toks)
            return TRAIL_ENOMEM;
        t->toks = toks;
        t->cap = cap;
    }
    tok *k = &t->toks[t->ntoks++];
    *k = (tok){ .kind = kind, .s = s, .n = n, .pos = pos };
    if (out)
        *out = k;
    return TRAIL_OK;
}

/*
 * Where the line ends after a tag that ends at @q: the index past its
 * newline (or @n at the end of the text) when only blanks follow the tag,
 * else 0 (a tag never ends at 0).
 */
static size_t rest_of_line_blank(const char *s, size_t q, size_t n)
{
    while (q < n && is_blank(s[q]))
        q++;
    if (q == n)
        return n;
    if (s[q] == '\n')
        return q + 1;
    if (s[q] == '\r' && q + 1 < n && s[q + 1] == '\n')
        return q + 2;
    return 0;
}

/* Reads the tag of a set-delimiter tag ("open close"); false when it is not two words. */
static bool parse_delims(const char *s, size_t n, const char **od, size_t *odn, const char **cd,
                         size_t *cdn)
{
    trim(&s, &n);
    size_t w = 0;
    while (w < n && !is_space(s[w]))
        w++;
    const char *c = s + w;
    size_t cn = n - w;
    trim(&c, &cn);
    if (!w || !cn || memchr(s, '=', w) || memchr(c, '=', cn))
        return false;
    for (size_t i = 0; i < cn; i++)
        if (is_space(c[i]))
            return false;
    *od = s;
    *odn = w;
    *cd = c;
    *cdn = cn;
    return true;
}

/* The line of the template being parsed. */
typedef struct src_line {
    size_t start; /* where it begins */
    size_t tok;   /* the token list's length then */
    bool tag;     /* whether a tag was seen on it */
} src_line;

/* Starts the line at @pos: marked with a T_INDENT unless the text ends there. */
static int begin_line(tmpl *t, src_line *l, size_t pos)
{
    *l = (src_line){ .start = pos, .tok = t->ntoks };
    return pos < t->len ? push(t, T_INDENT, NULL, 0, pos, NULL) : TRAIL_OK;
}

/* Parses @t->text into @t->toks. TRAIL_OK, TRAIL_ENOMEM or TRAIL_EINVALID (message set). */
static int parse(render *r, tmpl *t)
{
    const char *s = t->text;
    size_t n = t->len;
    const char *od = "{{", *cd = "}}";
    size_t odn = 2, cdn = 2;
    size_t pos = 0;
    size_t open = NO_SECTION; /* innermost open section; each one's .end links to the next */
    src_line ln;

    if (begin_line(t, &ln, 0) < 0)
        return fail_nomem(r, t);
    while (pos < n) {
        size_t p = find(s, pos, n, 0, od, odn);
        while (pos < p) { /* the text before the tag, one token per line */
            const char *nl = memchr(s + pos, '\n', p - pos);
            size_t end = nl ? (size_t)(nl - s) + 1 : p;
            if (push(t, T_TEXT, s + pos, end - pos, pos, NULL) < 0)
                return fail_nomem(r, t);
            pos = end;
            if (nl && begin_line(t, &ln, pos) < 0)
                return fail_nomem(r, t);
        }
        if (p == n)
            break;

        size_t body = p + odn;
        char sigil = body < n ? s[body] : '\0';
        if (sigil && strchr("#^/>!=&{", sigil))
            body++;
        /* {{{x}}} ends in "}" and a set-delimiter tag in "=", before the closing delimiter. */
        const char *pre = sigil == '{' ? "}" : sigil == '=' ? "=" : "";
        size_t close_at = find(s, body, n, pre[0], cd, cdn);
        if (close_at == n)
            return fail_at(r, t, p, "unclosed tag: no %s%.*s after it", pre, (int)cdn, cd);
        const char *name = s + body;
        size_t name_len = close_at - body, q = close_at + strlen(pre) + cdn;
        trim(&name, &name_len);
        if (!name_len && sigil != '!' && sigil != '=')
            return fail_at(r, t, p, "empty tag");

        /* A tag alone on its line (but for blanks) takes the whole line with it. */
        size_t eol = 0;
        bool standalone = sigil && strchr("#^/>!=", sigil) && !ln.tag;
        for (size_t i = ln.start; standalone && i < p; i++)
            standalone = is_blank(s[i]);
        if (standalone && (eol = rest_of_line_blank(s, q, n)) != 0)
            t->ntoks = ln.tok; /* drop the line's T_INDENT and blanks */
        else
            standalone = false;
        ln.tag = true;

        tok *tk;
        switch (sigil) {
        case '!':
            break;
        case '=':
            if (!parse_delims(s + body, close_at - body, &od, &odn, &cd, &cdn))
                return fail_at(r, t, p, "bad set-delimiter tag: want %.*s=open close=%.*s",
                               (int)odn, od, (int)cdn, cd);
            break;
        case '#':
        case '^':
            if (push(t, sigil == '#' ? T_SECTION : T_INVERTED, name, name_len, p, &tk) < 0)
                return fail_nomem(r, t);
            tk->end = open;
            open = t->ntoks - 1;
            break;
        case '/': {
            if (open == NO_SECTION)
                return fail_at(r, t, p, "%.*s/%.*s%.*s closes no section", (int)odn, od,
                               (int)name_len, name, (int)cdn, cd);
            tok *o = &t->toks[open];
            if (o->n != name_len || memcmp(o->s, name, name_len) != 0) {
                int line, col;
                where(t, o->pos, &line, &col);
                return fail_at(r, t, p, "%.*s/%.*s%.*s closes section '%.*s' opened at %d:%d",
                               (int)odn, od, (int)name_len, name, (int)cdn, cd, (int)o->n, o->s,
                               line, col);
            }
            size_t up = o->end;
            o->end = t->ntoks;
            open = up;
            break;
        }
        case '>':
            if (push(t, T_PARTIAL, name, name_len, p, &tk) < 0)
                return fail_nomem(r, t);
            if (standalone) {
                tk->indent = s + ln.start;
                tk->indent_len = p - ln.start;
            }
            break;
        default:
            if (push(t, sigil == '&' || sigil == '{' ? T_RAW : T_VAR, name, name_len, p, NULL) < 0)
                return fail_nomem(r, t);
        }

        pos = standalone ? eol : q;
        if (standalone && begin_line(t, &ln, eol) < 0) /* its newline is gone: a new line */
            return fail_nomem(r, t);
    }
    if (open != NO_SECTION)
        return fail_at(r, t, t->toks[open].pos, "section '%.*s' is never closed",
                       (int)t->toks[open].n, t->toks[open].s);
    return TRAIL_OK;
}

static void tmpl_free(tmpl *t)
{
    free(t->toks);
    free(t->owned_name);
    free(t);
}

/*
 * The parsed partial @name (@n bytes) from the render's cache, asking the
 * callback and parsing on first use. TRAIL_OK with *@out set (its text NULL
 * when there is no such partial), TRAIL_ENOMEM, or TRAIL_EINVALID.
 */
static int partial_get(render *r, const tmpl *from, const char *name, size_t n, tmpl **out)
{
    for (tmpl *p = r->partials; p; p = p->next) {
        if (strlen(p->owned_name) == n && memcmp(p->owned_name, name, n) == 0) {
            *out = p;
            return TRAIL_OK;
        }
    }
    int rc = TRAIL_ENOMEM;
    tmpl *p = calloc(1, sizeof *p);
    if (!p)
        goto fail;
    if (!(p->owned_name = malloc(n + 1)))
        goto fail_tmpl;
    memcpy(p->owned_name, name, n);
    p->owned_name[n] = '\0';
    p->name = p->owned_name;
    if (r->opts->partial)
        p->text = r->opts->partial(r->opts->partial_userdata, p->name, &p->len);
    if (p->text && (rc = parse(r, p)) < 0)
        goto fail_tmpl;
    p->next = r->partials; /* cached even when missing, so the callback is asked once */
    r->partials = p;
    *out = p;
    return TRAIL_OK;

fail_tmpl:
    tmpl_free(p);
fail:
    return rc == TRAIL_ENOMEM ? fail_nomem(r, from) : rc;
}

/* ---- rendering -------------------------------------------------------- */

/* The value @name (@n bytes; "." or dotted) resolves to in the context @f, or NULL. */
static const json_t *lookup(const frame *f, const char *name, size_t n)
{
    if (n == 1 && name[0] == '.')
        return f->v;
    const char *dot = memchr(name, '.', n);
    size_t seg = dot ? (size_t)(dot - name) : n;
    const json_t *v = NULL;
    /* The first part is looked up through the stack, the rest only inside what it found. */
    for (; f && !v; f = f->up)
        if (json_is_object(f->v))
            v = json_object_getn(f->v, name, seg);
    while (v && seg < n) {
        name += seg + 1;
        n -= seg + 1;
        dot = memchr(name, '.', n);
        seg = dot ? (size_t)(dot - name) : n;
        v = json_is_object(v) ? json_object_getn(v, name, seg) : NULL;
    }
    return v;
}

static bool falsy(const json_t *v)
{
    return !v || json_is_null(v) || json_is_false(v) ||
           (json_is_array(v) && json_array_size(v) == 0);
}

static int append_escaped(trail_buf *out, const char *s, size_t n)
{
    size_t from = 0;
    for (size_t i = 0; i < n; i++) {
        const char *e = s[i] == '&'   ? "&amp;"
                        : s[i] == '<' ? "&lt;"
                        : s[i] == '>' ? "&gt;"
                        : s[i] == '"' ? "&quot;"
                                      : NULL;
        if (!e)
            continue;
        if (trail__buf_append(out, s + from, i - from) < 0 || trail__buf_append_str(out, e) < 0)
            return TRAIL_ENOMEM;
        from = i + 1;
    }
    return trail__buf_append(out, s + from, n - from);
}

/* Writes the value of the tag @k (of @t) found in @ctx. */
static int interpolate(render *r, const tmpl *t, const tok *k, const frame *ctx)
{
    const json_t *v = lookup(ctx, k->s, k->n);
    if (!v)
        return TRAIL_OK; /* a miss prints nothing */
    int rc = TRAIL_OK;
    switch (json_typeof(v)) {
    case JSON_STRING:
        if (k->kind == T_VAR && r->escape_html)
            rc = append_escaped(r->out, json_string_value(v), json_string_length(v));
        else
            rc = trail__buf_append(r->out, json_string_value(v), json_string_length(v));
        break;
    case JSON_INTEGER: {
        char num[32];
        int len = snprintf(num, sizeof num, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        rc = trail__buf_append(r->out, num, (size_t)len);
        break;
    }
    case JSON_REAL: {
        /* trail__json_double gives the shortest round trip in the C locale, but keeps a ".0". */
        trail_json w;
        trail__json_init(&w, r->out);
        trail__json_double(&w, json_real_value(v));
        if ((rc = trail__json_finish(&w)) == TRAIL_OK && r->out->len >= 2 &&
            memcmp(r->out->data + r->out->len - 2, ".0", 2) == 0)
            r->out->data[r->out->len -= 2] = '\0';
        break;
    }
    case JSON_TRUE:
    case JSON_FALSE:
        rc = trail__buf_append_str(r->out, json_is_true(v) ? "true" : "false");
        break;
    case JSON_NULL:
        break;
    case JSON_OBJECT:
    case JSON_ARRAY:
        return fail_at(r, t, k->pos,
                       "'%.*s' is %s; only a string, number or boolean can be printed", (int)k->n,
                       k->s, json_is_object(v) ? "an object" : "an array");
    }
    return rc < 0 ? fail_nomem(r, t) : TRAIL_OK;
}

static int write_indent(trail_buf *out, const indent *in)
{
    if (!in)
        return TRAIL_OK;
    int rc = write_indent(out, in->outer);
    return rc < 0 ? rc : trail__buf_append(out, in->s, in->n);
}

static int render_range(render *r, const tmpl *t, size_t i, size_t end, const frame *ctx,
                        const indent *in);

/* Renders the section or inverted section at t->toks[i]. */
static int render_section(render *r, const tmpl *t, size_t i, const frame *ctx, const indent *in)
{
    const tok *k = &t->toks[i];
    const json_t *v = lookup(ctx, k->s, k->n);
    if (k->kind == T_INVERTED ? !falsy(v) : falsy(v))
        return TRAIL_OK;
    if (r->section_depth >= GEN_MUSTACHE_MAX_SECTION_DEPTH)
        return fail_at(r, t, k->pos, "sections nested more than %d deep",
                       GEN_MUSTACHE_MAX_SECTION_DEPTH);
    r->section_depth++;
    int rc = TRAIL_OK;
    if (k->kind == T_INVERTED) {
        rc = render_range(r, t, i + 1, k->end, ctx, in);
    } else if (json_is_array(v)) {
        for (size_t j = 0; j < json_array_size(v) && rc == TRAIL_OK; j++) {
            frame f = { json_array_get(v, j), ctx };
            rc = render_range(r, t, i + 1, k->end, &f, in);
        }
    } else {
        frame f = { v, ctx };
        rc = render_range(r, t, i + 1, k->end, &f, in);
    }
    r->section_depth--;
    return rc;
}

static int render_partial(render *r, const tmpl *t, const tok *k, const frame *ctx,
                          const indent *in)
{
    if (r->partial_depth >= GEN_MUSTACHE_MAX_PARTIAL_DEPTH)
        return fail_at(r, t, k->pos,
                       "partials nested more than %d deep (does '%.*s' include itself?)",
                       GEN_MUSTACHE_MAX_PARTIAL_DEPTH, (int)k->n, k->s);
    tmpl *p;
    int rc = partial_get(r, t, k->s, k->n, &p);
    if (rc < 0 || !p->text)
        return rc;
    /* A standalone partial is indented like its tag, within any indentation around it. */
    indent own = { k->indent, k->indent_len, in };
    r->partial_depth++;
    rc = render_range(r, p, 0, p->ntoks, ctx, k->indent ? &own : NULL);
    r->partial_depth--;
    return rc;
}

/* Renders the tokens [@i, @end) of @t in the context @ctx, lines indented by @in. */
static int render_range(render *r, const tmpl *t, size_t i, size_t end, const frame *ctx,
                        const indent *in)
{
    for (; i < end; i++) {
        const tok *k = &t->toks[i];
        int rc = TRAIL_OK;
        switch (k->kind) {
        case T_TEXT:
            if (trail__buf_append(r->out, k->s, k->n) < 0)
                rc = fail_nomem(r, t);
            break;
        case T_INDENT:
            if (write_indent(r->out, in) < 0)
                rc = fail_nomem(r, t);
            break;
        case T_VAR:
        case T_RAW:
            rc = interpolate(r, t, k, ctx);
            break;
        case T_SECTION:
        case T_INVERTED:
            rc = render_section(r, t, i, ctx, in);
            i = k->end - 1;
            break;
        case T_PARTIAL:
            rc = render_partial(r, t, k, ctx, in);
            break;
        }
        if (rc < 0)
            return rc;
    }
    return TRAIL_OK;
}

int gen_mustache_render(trail_buf *out, const char *tmpl_text, size_t len, const json_t *ctx,
                        const gen_mustache_opts *opts, char *err, size_t errlen)
{
    static const gen_mustache_opts defaults = { 0 };
    if (!opts)
        opts = &defaults;
    render r = {
        .out = out, .escape_html = opts->escape_html, .opts = opts, .err = err, .errlen = errlen
    };
    tmpl top = { .name = opts->name ? opts->name : "template", .text = tmpl_text, .len = len };
    size_t start = out->len;
    frame root = { ctx, NULL };
    if (errlen)
        err[0] = '\0';

    int rc = parse(&r, &top);
    if (rc == TRAIL_OK)
        rc = render_range(&r, &top, 0, top.ntoks, &root, NULL);
    if (rc < 0 && out->data) { /* a half-rendered text never escapes */
        out->len = start;
        out->data[start] = '\0';
    }
    free(top.toks);
    while (r.partials) {
        tmpl *next = r.partials->next;
        tmpl_free(r.partials);
        r.partials = next;
    }
    return rc;
}
