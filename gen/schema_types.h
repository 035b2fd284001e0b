/*
 * schema_types.h - a schema as loaded (SPEC §2): its entities, fields and
 * indexes. Types only, so that what reads a schema (the model, the dialects,
 * the name rules) does not depend on the loader that fills one.
 */
#ifndef TRAILGEN_SCHEMA_TYPES_H
#define TRAILGEN_SCHEMA_TYPES_H

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
    bool replicate; /* `replicate:` (default true): its rows change on other nodes too */
    gen_field *fields;
    size_t n_fields;
    gen_index *indexes;
    size_t n_indexes;
};

/** An index the schema adds to the event table (`events: { indexes: [...] }`). */
typedef struct gen_event_index {
    size_t *columns; /* places in the event row: TRAIL_EV_<name> (audit/event_columns.h) */
    size_t n_columns;
    gen_pos pos;
} gen_event_index;

typedef struct gen_schema {
    char *path;           /* as given to the loader, for messages */
    char *name;           /* `schema:` */
    int64_t version;      /* `version:` */
    gen_entity *entities; /* in file order */
    size_t n_entities;
    gen_event_index *event_indexes; /* `events: { indexes: }`, in file order */
    size_t n_event_indexes;
} gen_schema;

#endif /* TRAILGEN_SCHEMA_TYPES_H */
