/*
 * trail/migrate.h - bringing a database to a schema's version.
 *
 * A generated <schema>_migrate() calls trail_schema_migrate() with the
 * schema's descriptor (trail/record.h); docs/guarantees.md says which
 * changes between versions it makes and which it refuses.
 */
#ifndef TRAIL_MIGRATE_H
#define TRAIL_MIGRATE_H

#include "trail/api.h"

#include "trail/conn.h"
#include "trail/record.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * trail_schema_migrate - create whatever runtime and entity tables are
 * missing and record the schema's version. Idempotent. Refuses (TRAIL_EDB
 * with a message) a database whose recorded version is newer than @schema's.
 */
TRAIL_API int trail_schema_migrate(trail_conn *db, const trail_schema *schema);

#ifdef __cplusplus
}
#endif

#endif /* TRAIL_MIGRATE_H */
