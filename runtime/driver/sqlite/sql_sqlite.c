/*
 * sql_sqlite.c - the runtime's own statements in SQLite's dialect.
 *
 * Quoted and with placeholders as its dialect says (dialect_sqlite.c).
 */
#include "driver/sql.h"

#define P(n)    "?"
#define Q(name) "\"" #name "\""
#define UPSERT_META                                                                                \
    "INSERT INTO \"trail_meta\" (\"key\", \"value\") VALUES (?, ?)"                                \
    " ON CONFLICT (\"key\") DO UPDATE SET \"value\" = excluded.\"value\""

const struct trail_runtime_sql trail__runtime_sql_sqlite = {
#include "driver/sql_texts.h"
    .columns = "SELECT m.\"name\", p.\"name\" FROM \"sqlite_schema\" AS m,"
               " pragma_table_info(m.\"name\") AS p WHERE m.\"type\" = 'table'",
    .op_checks = "SELECT NULL, \"sql\", NULL FROM \"sqlite_schema\""
                 " WHERE \"type\" = 'table' AND \"name\" = 'trail_change_events'",
    /* Every page, b-tree and index of the file: what a damaged file shows first. */
    .integrity_check = "PRAGMA integrity_check",
    /* Deferred: the snapshot is taken at the first read, and no writer waits for it (WAL). */
    .snapshot_begin = { "BEGIN" },
};
