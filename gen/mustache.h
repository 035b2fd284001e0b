/*
 * mustache.h - the Mustache renderer trailgen's templates go through.
 *
 * It implements the spec modules comments, delimiters, interpolation,
 * inverted, partials and sections (no lambdas, dynamic names or
 * inheritance), and passes their official test data (tests/test_mustache.c).
 *
 * The context is a jansson value. Falsy, for sections and inverted sections:
 * false, null, an empty array and a name that resolves to nothing; every
 * other value (0, "", {} included) is truthy. Interpolation prints strings
 * as they are, integers exactly, reals in their shortest round-trip form
 * without trailing zeros ("1.21", "1" for 1.0; always with a '.', whatever
 * the locale), booleans as "true" / "false", null and misses as nothing; an
 * array or object is an error, since that is always a template bug here.
 */
#ifndef TRAILGEN_MUSTACHE_H
#define TRAILGEN_MUSTACHE_H

#include "core/buf.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

/* How deeply partials may include partials before rendering fails. */
#define GEN_MUSTACHE_MAX_PARTIAL_DEPTH 64
/* How deeply sections may nest, partials included, before rendering fails. */
#define GEN_MUSTACHE_MAX_SECTION_DEPTH 1024

/*
 * The text of the partial @name (NUL-terminated) and its length in *@len, or
 * NULL when there is no such partial (it then renders as nothing). The text
 * is borrowed: it must stay valid until gen_mustache_render() returns. Each
 * name is asked for at most once per render.
 */
typedef const char *(*gen_mustache_partial_fn)(void *userdata, const char *name, size_t *len);

typedef struct gen_mustache_opts {
    const char *name; /* template name for error messages; NULL: "template" */
    bool escape_html; /* {{x}} escapes & < > " when true; code templates pass false */
    gen_mustache_partial_fn partial; /* NULL: every partial renders as nothing */
    void *partial_userdata;          /* passed to @partial */
} gen_mustache_opts;

/*
 * gen_mustache_render - render the @len bytes of @tmpl against the context
 * @ctx (NULL acts as JSON null), appending to @out. Everything is borrowed;
 * @opts may be NULL for defaults (no escaping, no partials).
 *
 * Returns TRAIL_OK, TRAIL_ENOMEM, or TRAIL_EINVALID for a malformed template
 * or partial (unclosed section or tag, mismatched or stray close, empty tag,
 * bad set-delimiter tag), partials nested past
 * GEN_MUSTACHE_MAX_PARTIAL_DEPTH, sections past
 * GEN_MUSTACHE_MAX_SECTION_DEPTH, or an array or object interpolated. An
 * unknown partial is not an error. On failure "name:line:col: message" is
 * written to @err (@errlen bytes, always NUL-terminated when @errlen > 0;
 * the name is the partial's for a problem inside one) and @out is cut back
 * to its length on entry.
 */
int gen_mustache_render(trail_buf *out, const char *tmpl, size_t len, const json_t *ctx,
                        const gen_mustache_opts *opts, char *err, size_t errlen);

#endif /* TRAILGEN_MUSTACHE_H */
