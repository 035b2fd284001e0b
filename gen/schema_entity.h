/*
 * schema_entity.h - loading one entity of a schema (schema_entity.c), a part
 * of the schema loader (schema_value.h). Not for use outside it.
 */
#ifndef TRAILGEN_SCHEMA_ENTITY_H
#define TRAILGEN_SCHEMA_ENTITY_H

#include "schema_types.h"
#include "schema_value.h"
#include "yaml_tree.h"

/* Fields per entity: the update mask (`set`) is a uint64_t, one bit per field. */
#define GEN_FIELDS_MAX 63

/* Fields per index: MySQL's limit (PostgreSQL allows 32, SQLite more). */
#define GEN_INDEX_FIELDS_MAX 16

/*
 * gen_sload_entity - load the entity of @pair (name: mapping) into @e, which
 * the caller zeroed. @e's contents belong to the schema.
 */
void gen_sload_entity(gen_sload *ld, gen_entity *e, const gen_yaml_pair *pair);

#endif /* TRAILGEN_SCHEMA_ENTITY_H */
