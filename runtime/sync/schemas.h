/*
 * sync/schemas.h - the entities a destination knows, from the schema
 * descriptions migrate keeps in trail_meta (audit/model.h): what applying
 * an event needs without the generated code. Internal to libtrail.
 */
#ifndef TRAIL_SYNC_SCHEMAS_H
#define TRAIL_SYNC_SCHEMAS_H

#include "audit/model.h"
#include "driver/driver.h"

#include <stdbool.h>

/*
 * The row statements of a table (sync/rows.c) found again without building
 * their text: by kind and the fields they set. Each text is the one the
 * connection keeps (sync/texts.h); a memo lives as long as the schemas it
 * was made from, so a schema changed meanwhile never meets an old text.
 */
#define TRAIL__SYNC_MEMO_MAX 32
typedef struct trail__sync_memo_item {
    int kind;      /* rows.c's: select the version, insert, update, delete */
    uint64_t mask; /* bit i: field i set (insert, update) */
    const char *text;
    size_t n; /* its parameters */
} trail__sync_memo_item;

typedef struct trail__sync_memo {
    trail__sync_memo_item item[TRAIL__SYNC_MEMO_MAX];
    size_t n;
} trail__sync_memo;

typedef struct trail__sync_table {
    const trail_entity *e;
    const struct trail__sync_schemas *all; /* the schemas it is one of */
    int64_t schema_version; /* of its schema on this node: an event's may not be above it */
    bool replicate;         /* false: its events travel but change no rows here */
    trail__sync_memo *memo; /* owned; rows.c fills it */
} trail__sync_table;

typedef struct trail__sync_schemas {
    trail_model *models;
    size_t n_models;
    trail__sync_table *tables;
    size_t n_tables;
} trail__sync_schemas;

/*
 * trail__sync_schemas_load - every schema described in @db's trail_meta
 * into the zeroed @out (freed with trail__sync_schemas_free() in every
 * case). TRAIL_OK, or a failure with db's error set (TRAIL_EDB naming a
 * description that does not read).
 */
int trail__sync_schemas_load(trail_conn *db, trail__sync_schemas *out);

/* trail__sync_schemas_table - the entity whose table is @table, or NULL. */
const trail__sync_table *trail__sync_schemas_table(const trail__sync_schemas *s, const char *table);

void trail__sync_schemas_free(trail__sync_schemas *s);

#endif
