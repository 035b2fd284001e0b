/*
 * model.h - a schema's description as stored in trail_meta: internal to
 * libtrail.
 *
 * trail_schema_migrate() keeps, under `schema.NAME.model`, what the generic
 * readers need to make sense of an entity table without the generated code:
 * each entity's table, key kind, whether it replicates (`replicate`, true
 * when absent) and fields (name, type, nullability, audit).
 * trail_verify() and the `trail` tool rebuild trail_entity descriptors from
 * it, with which the same code that writes events turns a live row into the
 * JSON its last event must hold.
 */
#ifndef TRAIL_MODEL_H
#define TRAIL_MODEL_H

#include "core/buf.h"
#include "trail/record.h"

#include <stddef.h>

/* Entities rebuilt from a stored description. */
typedef struct trail_model {
    trail_entity *entities;
    size_t n_entities;
    trail_field *fields; /* every entity's, one after another */
    size_t n_fields;
    char **defaults; /* per field: the text its def.s points at, or NULL */
    void *json;      /* the parsed description: owns the names */
} trail_model;

/* trail__model_json - the description of @schema, appended to @out. TRAIL_OK or TRAIL_ENOMEM. */
int trail__model_json(trail_buf *out, const trail_schema *schema);

/*
 * trail__model_parse - rebuild @model from a description made by
 * trail__model_json(). The caller frees it with trail__model_free().
 * Returns TRAIL_OK, TRAIL_EINVALID (not such a description) or TRAIL_ENOMEM.
 */
int trail__model_parse(trail_model *model, const char *json, size_t len);

/* trail__model_free - free what @model holds and zero it. */
void trail__model_free(trail_model *model);

#endif /* TRAIL_MODEL_H */
