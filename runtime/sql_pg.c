/*
 * sql_pg.c - the runtime's own statements in PostgreSQL's dialect.
 */
#include "sql.h"

#define P(n)    "$" #n
#define Q(name) "\"" #name "\""
#define UPSERT_META                                                                                \
    "INSERT INTO \"trail_meta\" (\"key\", \"value\") VALUES ($1, $2)"                              \
    " ON CONFLICT (\"key\") DO UPDATE SET \"value\" = excluded.\"value\""

const struct trail_runtime_sql trail_runtime_sql_pg = {
#include "sql_texts.h"
    .columns = "SELECT \"table_name\"::text, \"column_name\"::text"
               " FROM \"information_schema\".\"columns\""
               " WHERE \"table_schema\" = current_schema()",
    .quote = '"',
    .numbered_params = true,
};
