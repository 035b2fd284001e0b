/*
 * sql_pg.c - the runtime's own statements in PostgreSQL's dialect.
 *
 * Quoted and with placeholders as its dialect says (dialect_pg.c).
 */
#include "driver/sql.h"

#define P(n)    "$" #n
#define Q(name) "\"" #name "\""
#define UPSERT_META                                                                                \
    "INSERT INTO \"trail_meta\" (\"key\", \"value\") VALUES ($1, $2)"                              \
    " ON CONFLICT (\"key\") DO UPDATE SET \"value\" = excluded.\"value\""

const struct trail_runtime_sql trail__runtime_sql_pg = {
#include "driver/sql_texts.h"
    .columns = "SELECT \"table_name\"::text, \"column_name\"::text"
               " FROM \"information_schema\".\"columns\""
               " WHERE \"table_schema\" = current_schema()",
    /* A column's CHECK has its column alone in conkey. */
    .op_checks = "SELECT quote_ident(c.\"conname\"), pg_get_constraintdef(c.\"oid\"),"
                 " format_type(a.\"atttypid\", a.\"atttypmod\")"
                 " FROM \"pg_attribute\" AS a"
                 " JOIN \"pg_class\" AS r ON r.\"oid\" = a.\"attrelid\""
                 " JOIN \"pg_namespace\" AS n ON n.\"oid\" = r.\"relnamespace\""
                 " LEFT JOIN \"pg_constraint\" AS c ON c.\"conrelid\" = a.\"attrelid\""
                 " AND c.\"contype\" = 'c' AND c.\"conkey\" = ARRAY[a.\"attnum\"]"
                 " WHERE n.\"nspname\" = current_schema() AND r.\"relname\" = 'trail_change_events'"
                 " AND a.\"attname\" = 'op' ORDER BY c.\"conname\"",
    /* One snapshot for the whole transaction; a hot standby takes it too. */
    .snapshot_begin = { "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY" },
    /*
     * No integrity_check: PostgreSQL has no cheap one built in (amcheck is an
     * extension a superuser must install). With data checksums on, every page
     * verify's full reads touch is checked by the server, and a damaged one
     * fails the read, which verify reports.
     */
};
