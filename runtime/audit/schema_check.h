/*
 * schema_check.h - whether a database holds the schema a program was
 * generated for: internal to libtrail.
 *
 * A generated program and its database can drift apart: an older build run
 * against a migrated database, a column dropped by hand, a schema changed
 * without migrating. Each would make trail read or write the wrong thing
 * without an error, so every connection checks a schema once, at its first
 * use (record.c), and migrate checks what it leaves behind (migrate.c).
 */
#ifndef TRAIL_SCHEMA_CHECK_H
#define TRAIL_SCHEMA_CHECK_H

#include "core/buf.h"
#include "driver/driver.h"

#include <stdbool.h>

/* The tables and columns of a database, as its catalog lists them. */
typedef struct trail_columns {
    trail_buf list; /* "\x1etable\x1fcolumn" per column, and a final "\x1e" */
} trail_columns;

/*
 * trail__columns_load - read every table's columns into @out (freed with
 * trail__columns_free(), also on failure). Returns TRAIL_OK or the query's code.
 */
int trail__columns_load(trail_conn *db, trail_columns *out);

/* trail__columns_has_table - whether the database has table @table. */
bool trail__columns_has_table(const trail_columns *c, const char *table);

/* trail__columns_has - whether table @table has column @column. */
bool trail__columns_has(const trail_columns *c, const char *table, const char *column);

void trail__columns_free(trail_columns *c);

/*
 * trail__events_layout_check - TRAIL_OK unless the database has a change
 * event table of an older layout (a column of event_columns.h's tables
 * missing: the event store before lanes); then TRAIL_EDB saying so and what
 * to do (trail__conn_old_layout()), before anything is changed.
 */
int trail__events_layout_check(trail_conn *db, const trail_columns *cols);

/*
 * trail__schema_columns_match - TRAIL_OK when every table of @schema has every
 * column the program reads and writes (id, version, each field); else
 * TRAIL_EDB with a message listing what is missing.
 */
int trail__schema_columns_match(trail_conn *db, const trail_schema *schema,
                                const trail_columns *cols);

/*
 * trail__schema_check - at the first use of @schema on @db (later calls
 * return at once): TRAIL_OK when the database is stamped with @schema's
 * version and its tables have @schema's columns; else TRAIL_EDB with a
 * message giving both versions or the missing columns, and what to do.
 */
int trail__schema_check(trail_conn *db, const trail_schema *schema);

/* trail__schema_checked - remember that @schema matches @db (after migrating it). */
int trail__schema_checked(trail_conn *db, const trail_schema *schema);

/*
 * trail__schema_stored_version - the version of schema @name stamped in
 * trail_meta into *@version (0 when none). Returns TRAIL_OK or a failure code.
 */
int trail__schema_stored_version(trail_conn *db, const char *name, int64_t *version);

/*
 * trail__schema_too_old - TRAIL_EDB, saying that the database holds @schema at
 * version @stored, newer than the program's: for the first use and migrate.
 */
int trail__schema_too_old(trail_conn *db, const trail_schema *schema, int64_t stored);

#endif /* TRAIL_SCHEMA_CHECK_H */
