/*
 * schema.h - a schema file, loaded and validated (SPEC §2), into the types
 * of schema_types.h.
 *
 * The loader reads YAML with libyaml, keeps the line and column of every
 * node, and reports every problem it finds through a gen_diag. A schema that
 * comes back from gen_schema_load() with no error reported is valid: every
 * rule of SPEC §2 holds and every ref is resolved.
 */
#ifndef TRAILGEN_SCHEMA_H
#define TRAILGEN_SCHEMA_H

#include "diag.h"
#include "schema_types.h"
#include "trail/types.h"

#include <stdbool.h>
#include <stddef.h>

/*
 * gen_schema_load - read and validate the schema in @path.
 *
 * Every problem goes to @diag as "path:line:col: error: message", a message
 * about a key or its value starting with the key's path (gen_yaml_path()):
 * "entities.customer.fields.credit.max: expected an integer, found 'many'".
 * Returns the schema (the caller frees it with gen_schema_free()) when none
 * was found, NULL otherwise, also when the file cannot be read or memory runs
 * out (both reported to @diag).
 */
gen_schema *gen_schema_load(const char *path, gen_diag *diag);

/* gen_schema_load_mem - the same for @len bytes of YAML at @text; @path names it in messages. */
gen_schema *gen_schema_load_mem(const char *path, const char *text, size_t len, gen_diag *diag);

/* gen_schema_free - free a schema. NULL is allowed. */
void gen_schema_free(gen_schema *s);

/* gen_type_name - the schema-language name of a type ("int64"). */
const char *gen_type_name(trail_type t);

/* gen_type_from_name - the type named @name ("int64") into *@out; false for no type. */
bool gen_type_from_name(trail_type *out, const char *name);

#endif /* TRAILGEN_SCHEMA_H */
