/*
 * schema_field.h - loading one field of an entity (schema_field.c), a part
 * of the schema loader (schema_value.h). Not for use outside it.
 */
#ifndef TRAILGEN_SCHEMA_FIELD_H
#define TRAILGEN_SCHEMA_FIELD_H

#include "schema_types.h"
#include "schema_value.h"
#include "yaml_tree.h"

/*
 * The longest text (in characters) that may be unique or indexed: MySQL's
 * InnoDB indexes at most 3072 bytes of a key, and utf8mb4 takes up to 4 bytes
 * per character.
 */
#define GEN_INDEX_TEXT_MAX 768

/*
 * gen_sload_field - load the field of @pair (name: type or options) into the
 * zeroed @f, a field of @e (whose name and modes are loaded: the rules of a
 * replicated entity's fields depend on them).
 */
void gen_sload_field(gen_sload *ld, gen_field *f, const gen_yaml_pair *pair, const gen_entity *e);

#endif /* TRAILGEN_SCHEMA_FIELD_H */
