/*
 * sql_sqlite.c - the runtime's own statements in SQLite's dialect.
 */
#include "sql.h"

#define P(n)    "?"
#define Q(name) "\"" #name "\""
#define UPSERT_META                                                                                \
    "INSERT INTO \"trail_meta\" (\"key\", \"value\") VALUES (?, ?)"                                \
    " ON CONFLICT (\"key\") DO UPDATE SET \"value\" = excluded.\"value\""

const struct trail_runtime_sql trail_runtime_sql_sqlite = {
#include "sql_texts.h"
    .columns = "SELECT m.\"name\", p.\"name\" FROM \"sqlite_schema\" AS m,"
               " pragma_table_info(m.\"name\") AS p WHERE m.\"type\" = 'table'",
    .quote = '"',
};
