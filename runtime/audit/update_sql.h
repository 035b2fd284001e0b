/*
 * update_sql.h - write statements built at run time, per entity and set of
 * fields: internal to libtrail.
 *
 * Writing every column would make the engine rewrite every index over the
 * row and re-check every constraint, unique ones included, for fields that
 * did not move; on SQLite that is a WAL page or more per commit. So an
 * update runs a statement built for its set of changed fields, made on first
 * use and kept by the connection, whose statement cache then prepares it
 * once like any other (its text stays at one address until trail_close()).
 * The one-statement audited writes of engines that build events themselves
 * (write_sql.h) are made and kept the same way.
 */
#ifndef TRAIL_UPDATE_SQL_H
#define TRAIL_UPDATE_SQL_H

#include "driver/driver.h"

#include <stdint.h>

/* What a cached text does. */
typedef enum trail_write_kind {
    TRAIL_WRITE_SET = 0, /* the UPDATE below */
    TRAIL_WRITE_CREATE,  /* the engine's one-statement audited writes (write_sql.h) */
    TRAIL_WRITE_UPDATE,
    TRAIL_WRITE_DELETE
} trail_write_kind;

/*
 * trail__update_sql - the text of "UPDATE table SET <fields in @mask>,
 * version = version + 1 WHERE id = ? AND version = ?" for @e, in the
 * connection's dialect; owned by @db. Returns TRAIL_OK or TRAIL_ENOMEM.
 */
int trail__update_sql(trail_conn *db, const trail_entity *e, uint64_t mask, const char **sql);

/*
 * trail__write_sql_get - the text of the driver's one-statement audited
 * write @kind of @e (for an update, setting the fields of @mask), made by
 * its write_sql() on first use; owned by @db. Returns TRAIL_OK or
 * TRAIL_ENOMEM.
 */
int trail__write_sql_get(trail_conn *db, const trail_entity *e, trail_write_kind kind,
                         uint64_t mask, const char **sql);

/* trail__update_sql_free - the statements' texts of @db, at close. */
void trail__update_sql_free(trail_conn *db);

#endif /* TRAIL_UPDATE_SQL_H */
