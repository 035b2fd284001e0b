/*
 * write_pg.c - PostgreSQL's audited writes, one statement each.
 *
 * A create, update or delete is one data-modifying statement (write_sql.h
 * gives its parameters): the row is locked and read ("old"), written
 * ("new"), the node's latest event read ("last"), and the event inserted
 * ("ins") with old_values, new_values and changed built on the server from
 * the rows themselves and the hash taken with sha256(). With the node lock
 * before it in the same pipeline (conn_pg.c), a write is one round trip.
 *
 * The JSON is written the way trail's C writer (values.c) writes it: keys in
 * schema order, redacted and omitted fields applied, dates as YYYY-MM-DD,
 * timestamps as YYYY-MM-DDTHH:MM:SS.mmmZ in UTC, blobs as unbroken base64,
 * doubles always with a '.' or an exponent (float8 text is the shortest that
 * reads back the same, with extra_float_digits above 0, as conn_pg.c sets).
 * Only string escapes may differ, where JSON does not care.
 *
 * All the statements of the other steps see the same snapshot, so the
 * latest event is read after the node lock, which an earlier statement took:
 * under READ COMMITTED each statement starts from what was committed before
 * it.
 */
#include "core/buf.h"
#include "driver/driver.h"
#include "audit/event_columns.h"
#include "audit/write_sql.h"
#include "audit/update_sql.h"

#include <stdlib.h>

#define P(i) ((i) + 1) /* the placeholder number of a trail_write_param */

/* "id", "version", then every field's column, each after @alias and a dot when given. */
static int columns(trail_buf *b, const trail_entity *e, const char *alias)
{
    const char *dot = alias ? "." : "";
    alias = alias ? alias : "";
    int rc = trail__buf_appendf(b, "%s%s\"id\", %s%s\"version\"", alias, dot, alias, dot);
    for (size_t i = 0; i < e->n_fields; i++)
        rc |= trail__buf_appendf(b, ", %s%s\"%s\"", alias, dot, e->fields[i].name);
    return rc;
}

/*
 * Column @col of @alias as row_to_json() should write it: most types as they
 * are (to_json() already writes them as values.c does), the others as json
 * text of their own. NULL stays NULL, which row_to_json() writes as null.
 */
static int json_column(trail_buf *b, const char *alias, const trail_field *f)
{
    const char *col = f->name;
    if (f->flags & TRAIL_FIELD_REDACT)
        return trail__buf_appendf(b, "'\"[redacted]\"'::json AS \"%s\"", col);
    switch (f->type) {
    case TRAIL_TYPE_DOUBLE: /* float8 text may lack a '.', which would read back as an integer */
        return trail__buf_appendf(b,
                                  "(CASE WHEN %s.\"%s\"::text ~ '[.eEnN]' THEN %s.\"%s\"::text"
                                  " ELSE %s.\"%s\"::text || '.0' END)::json AS \"%s\"",
                                  alias, col, alias, col, alias, col, col);
    case TRAIL_TYPE_BLOB: /* to_json() would write bytea's hex form */
        return trail__buf_appendf(
            b,
            "('\"' || translate(encode(%s.\"%s\", 'base64'), E'\\n', '') || '\"')::json AS \"%s\"",
            alias, col, col);
    case TRAIL_TYPE_TIMESTAMP: /* to_json() would write microseconds and the session's offset */
        return trail__buf_appendf(b,
                                  "('\"' || to_char(%s.\"%s\" AT TIME ZONE 'UTC',"
                                  " 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"') || '\"')::json AS \"%s\"",
                                  alias, col, col);
    default: /* bool, integers, text, enums, references, dates (YYYY-MM-DD), jsonb */
        return trail__buf_appendf(b, "%s.\"%s\"", alias, col);
    }
}

/*
 * The event JSON object of the row @alias: values.c's trail__values_json() in
 * SQL. row_to_json() of a subquery's row, whose column names are the keys,
 * costs the executor far fewer expressions than concatenating the object.
 */
static int row_json(trail_buf *b, const trail_entity *e, const char *alias)
{
    int rc = trail__buf_appendf(
        b, "(SELECT row_to_json(j)::text FROM (SELECT %s.\"id\", %s.\"version\"", alias, alias);
    for (size_t i = 0; i < e->n_fields; i++) {
        if (e->fields[i].flags & TRAIL_FIELD_OMIT)
            continue;
        rc |= trail__buf_appendf(b, ", ");
        rc |= json_column(b, alias, &e->fields[i]);
    }
    return rc | trail__buf_appendf(b, ") j)");
}

/* changed: on update the audited fields whose value moved, else all of them. */
static int changed_json(trail_buf *b, const trail_entity *e, bool update)
{
    int rc = trail__buf_appendf(b, update ? "'[' || concat_ws(',', NULL" : "'[");
    const char *sep = "";
    for (size_t i = 0; i < e->n_fields; i++) {
        const trail_field *f = &e->fields[i];
        if (f->flags & TRAIL_FIELD_OMIT)
            continue;
        if (update)
            rc |= trail__buf_appendf(b,
                                     ", CASE WHEN \"old\".\"%s\" IS DISTINCT FROM \"new\".\"%s\""
                                     " THEN '\"%s\"' END",
                                     f->name, f->name, f->name);
        else
            rc |= trail__buf_appendf(b, "%s\"%s\"", sep, f->name);
        sep = ",";
    }
    return rc | trail__buf_appendf(b, update ? ") || ']'" : "]'");
}

/*
 * The event's steps, after the row's: "last", "ev" (its values, one row per
 * row written, from @from) and "ins". @old and @new name the row steps that
 * hold the old and new values, or are NULL for none.
 */
static int event_steps(trail_buf *b, const trail_entity *e, const char *op, const char *from,
                       const char *old, const char *new)
{
    const char *row = new ? new : old;
    int rc =
        trail__buf_appendf(b,
                           ", \"last\" AS (SELECT \"hlc\", \"hash\" FROM \"trail_change_events\""
                           " WHERE \"node_id\" = $%d ORDER BY \"hlc\" DESC LIMIT 1)",
                           P(TRAIL_WP_NODE));
    rc |= trail__buf_appendf(b,
                             ", \"ev\" AS (SELECT greatest($%d::bigint,"
                             " (SELECT \"hlc\" + 1 FROM \"last\")) AS \"hlc\","
                             " (SELECT \"hash\" FROM \"last\") AS \"prev\","
                             " %s.\"id\"::text AS \"rid\", %s.\"version\" AS \"version\", ",
                             P(TRAIL_WP_HLC), row, row);
    if (old)
        rc |= row_json(b, e, old);
    else
        rc |= trail__buf_appendf(b, "NULL::text");
    rc |= trail__buf_appendf(b, " AS \"o\", ");
    if (new)
        rc |= row_json(b, e, new);
    else
        rc |= trail__buf_appendf(b, "NULL::text");
    rc |= trail__buf_appendf(b, " AS \"n\", ");
    rc |= changed_json(b, e, old && new);
    rc |= trail__buf_appendf(b, " AS \"c\" FROM %s)", from);

    rc |= trail__buf_appendf(
        b,
        ", \"ins\" AS (INSERT INTO \"trail_change_events\" (" TRAIL_EVENT_COLUMN_LIST_DQ ")"
        " SELECT $%d, \"hlc\", $%d, $%d, $%d, '%s', \"rid\", '%s', \"version\","
        " \"o\"::json, \"n\"::json, \"c\"::json, $%d",
        P(TRAIL_WP_EVENT_ID), P(TRAIL_WP_NODE), P(TRAIL_WP_NODE), P(TRAIL_WP_TX), e->table, op,
        P(TRAIL_WP_SCHEMA_VERSION));
    for (int i = 0; i < 7; i++)
        rc |= trail__buf_appendf(b, ", $%d", P(TRAIL_WP_USER + i));
    rc |= trail__buf_appendf(
        b,
        ", $%d, \"prev\", encode(sha256(convert_to($%d::text || \"hlc\" || $%d::text"
        " || to_json(\"rid\")::text || $%d::text || \"version\" || ',' || coalesce(\"o\", 'null')"
        " || ',' || coalesce(\"n\", 'null') || ',' || \"c\" || $%d::text"
        " || coalesce('\"' || \"prev\" || '\"', 'null') || ']', 'UTF8')), 'hex')"
        " FROM \"ev\" RETURNING \"hlc\")",
        P(TRAIL_WP_CREATED_AT), P(TRAIL_WP_HEAD), P(TRAIL_WP_MID), P(TRAIL_WP_OP),
        P(TRAIL_WP_TAIL));
    return rc;
}

/* "old": the record locked, by id ($ROW). */
static int lock_step(trail_buf *b, const trail_entity *e)
{
    int rc = trail__buf_appendf(b, "WITH \"old\" AS (SELECT ");
    rc |= columns(b, e, NULL);
    return rc | trail__buf_appendf(b, " FROM \"%s\" WHERE \"id\" = $%d FOR UPDATE)", e->table,
                                   P(TRAIL_WP_ROW));
}

/* The result: the record's columns from @rows, the version found, the event's hlc. */
static int result(trail_buf *b, const trail_entity *e, const char *rows, const char *found)
{
    int rc = trail__buf_appendf(b, " SELECT ");
    rc |= columns(b, e, "r");
    return rc | trail__buf_appendf(b, ", %s, (SELECT \"hlc\" FROM \"ins\") FROM %s", found, rows);
}

static int build_create(trail_buf *b, const trail_entity *e)
{
    bool own_id = e->key == TRAIL_KEY_ULID; /* int64 keys are the database's to assign */
    int rc = trail__buf_appendf(b, "WITH \"new\" AS (INSERT INTO \"%s\" (%s\"version\"", e->table,
                                own_id ? "\"id\", " : "");
    for (size_t i = 0; i < e->n_fields; i++)
        rc |= trail__buf_appendf(b, ", \"%s\"", e->fields[i].name);
    rc |= trail__buf_appendf(b, ") VALUES (");
    size_t n = e->n_fields + 1 + own_id;
    for (size_t i = 0; i < n; i++)
        rc |= trail__buf_appendf(b, "%s$%zu", i ? ", " : "", P(TRAIL_WP_ROW) + i);
    rc |= trail__buf_appendf(b, ") RETURNING ");
    rc |= columns(b, e, NULL);
    rc |= trail__buf_appendf(b, ")");
    rc |= event_steps(b, e, "insert", "\"new\"", NULL, "\"new\"");
    return rc | result(b, e, "\"new\" r", "NULL::bigint");
}

static int build_update(trail_buf *b, const trail_entity *e, uint64_t mask)
{
    int rc = lock_step(b, e);
    rc |= trail__buf_appendf(b, ", \"new\" AS (UPDATE \"%s\" t SET ", e->table);
    int at = P(TRAIL_WP_ROW) + 2;
    for (size_t i = 0; i < e->n_fields; i++)
        if (mask >> i & 1)
            rc |= trail__buf_appendf(b, "\"%s\" = $%d, ", e->fields[i].name, at++);
    rc |= trail__buf_appendf(b,
                             "\"version\" = t.\"version\" + 1 FROM \"old\""
                             " WHERE t.\"id\" = \"old\".\"id\" AND \"old\".\"version\" = $%d AND (",
                             P(TRAIL_WP_ROW) + 1);
    /* Nothing that would change: no write, no event. */
    at = P(TRAIL_WP_ROW) + 2;
    const char * or = "";
    for (size_t i = 0; i < e->n_fields; i++)
        if (mask >> i & 1) {
            rc |= trail__buf_appendf(b, "%st.\"%s\" IS DISTINCT FROM $%d", or, e->fields[i].name,
                                     at++);
            or = " OR ";
        }
    rc |= trail__buf_appendf(b, ") RETURNING ");
    rc |= columns(b, e, "t");
    rc |= trail__buf_appendf(b, ")");
    rc |= event_steps(b, e, "update", "\"old\", \"new\"", "\"old\"", "\"new\"");
    return rc | result(b, e,
                       "(SELECT * FROM \"new\" UNION ALL"
                       " SELECT * FROM \"old\" WHERE NOT EXISTS (SELECT FROM \"new\")) r",
                       "(SELECT \"version\" FROM \"old\")");
}

static int build_delete(trail_buf *b, const trail_entity *e)
{
    int rc = lock_step(b, e);
    rc |= trail__buf_appendf(b,
                             ", \"gone\" AS (DELETE FROM \"%s\" t USING \"old\""
                             " WHERE t.\"id\" = \"old\".\"id\" AND \"old\".\"version\" = $%d"
                             " RETURNING t.\"id\")",
                             e->table, P(TRAIL_WP_ROW) + 1);
    rc |= event_steps(b, e, "delete", "\"old\" JOIN \"gone\" USING (\"id\")", "\"old\"", NULL);
    return rc | result(b, e, "\"old\" r", "r.\"version\"");
}

char *trail__pg_write_sql(const trail_entity *e, int kind, uint64_t mask)
{
    trail_buf b = TRAIL_BUF_INIT;
    int rc = kind == TRAIL_WRITE_CREATE   ? build_create(&b, e)
             : kind == TRAIL_WRITE_UPDATE ? build_update(&b, e, mask)
                                          : build_delete(&b, e);
    if (rc) {
        trail__buf_free(&b);
        return NULL;
    }
    return b.data;
}
