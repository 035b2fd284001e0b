/*
 * templates.h - the templates trailgen renders.
 *
 * They are compiled into the binary from templates/ and from each driver's
 * folder, runtime/driver/<name>/<name>.sql.mustache (gen/embed.cmake); a
 * directory given with --templates overrides them file by file, for work on
 * the templates themselves.
 */
#ifndef TRAILGEN_TEMPLATES_H
#define TRAILGEN_TEMPLATES_H

#include <stddef.h>

typedef struct gen_template {
    const char *name; /* its file name, e.g. "header.h.mustache" */
    const char *text; /* NUL-terminated */
    size_t len;
} gen_template;

/* gen_template_embedded - the built-in template @name, or NULL. */
const gen_template *gen_template_embedded(const char *name);

#endif /* TRAILGEN_TEMPLATES_H */
