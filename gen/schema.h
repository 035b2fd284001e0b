/*
 * schema.h - a schema file, loaded and validated (SPEC §2).
 *
 * The loader reads YAML with libyaml, keeps the line and column of every
 * node, and reports every problem it finds through a gen_diag. A schema that
 * comes back from gen_schema_load() with no error reported is valid: every
 * rule of SPEC §2 holds and every ref is resolved.
 */
#ifndef TRAILGEN_SCHEMA_H
#define TRAILGEN_SCHEMA_H

#include "diag.h"
#include "trail/types.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/** Longest name (entity, table, field, enum value, schema). */
#define GEN_NAME_MAX 63

typedef struct gen_entity gen_entity;

/** What change events carry of a field (`audit:`). */
typedef enum gen_audit {
    GEN_AUDIT_FULL = 0, /* the value */
    GEN_AUDIT_REDACT,   /* "[redacted]" */
    GEN_AUDIT_OMIT      /* nothing: the field is left out */
} gen_audit;

typedef struct gen_field {
    char *name;
    gen_pos pos; /* of the field's key */
    trail_type type;
    bool nullable;
    bool unique;
    gen_audit audit; /* GEN_AUDIT_FULL unless `audit:` says otherwise */

    bool has_min, has_max;
    int64_t min, max;    /* int32/int64 bounds; text: characters; blob: bytes */
    double min_d, max_d; /* double bounds */

    bool has_default;
    int64_t def_i; /* bool (0/1), int32, int64, date (days), timestamp (ms), enum (index) */
    double def_d;  /* double */
    char *def_s;   /* text, json: the value as written */

    char **values; /* enum: the value names, in order */
    size_t n_values;

    char *ref_name;  /* ref: the entity named by `to:` */
    gen_entity *ref; /* ref: resolved */
} gen_field;

typedef struct gen_index {
    size_t *fields; /* indexes into the entity's fields */
    size_t n_fields;
    bool unique;
    gen_pos pos;
} gen_index;

struct gen_entity {
    char *name;
    char *table; /* the entity's name unless `table:` says otherwise */
    gen_pos pos;
    trail_key_kind key;
    trail_conflict_mode conflict;
    gen_field *fields;
    size_t n_fields;
    gen_index *indexes;
    size_t n_indexes;
};

typedef struct gen_schema {
    char *path;           /* as given to the loader, for messages */
    char *name;           /* `schema:` */
    int64_t version;      /* `version:` */
    gen_entity *entities; /* in file order */
    size_t n_entities;
} gen_schema;

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
