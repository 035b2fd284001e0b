/*
 * templates.h - the templates trailgen renders.
 *
 * They are compiled into the binary from templates/ (gen/embed.cmake); a
 * directory given with --templates overrides them file by file, for work on
 * the templates themselves.
 */
#ifndef TRAILGEN_TEMPLATES_H
#define TRAILGEN_TEMPLATES_H

#include <stddef.h>

typedef struct gen_template {
    const char *name; /* file name in templates/, e.g. "header.h.mustache" */
    const char *text; /* NUL-terminated */
    size_t len;
} gen_template;

/* gen_template_embedded - the built-in template @name, or NULL. */
const gen_template *gen_template_embedded(const char *name);

#endif /* TRAILGEN_TEMPLATES_H */
