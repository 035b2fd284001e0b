/*
 * write_pg.c - PostgreSQL's audited writes, one statement each.
 *
 * A create, update or delete is one data-modifying statement (write_sql.h
 * gives its parameters): the row is locked and read ("old"), written
 * ("new"), the record's newest hlc read ("last", through the index on
 * table_name, record_id, hlc), and the event inserted ("ins") after the head
 * of the connection's lane, with old_values, new_values and changed built
 * on the server from the rows themselves and the hash taken with sha256().
 * A write is one statement, one round trip, and takes no lock but its
 * record's.
 *
 * old_values, new_values and changed are made by event_sql.c from the
 * entity's fields and this file's spelling of each JSON form (pg_json), byte
 * for byte as trail's C writer (values.c) makes them: to_json() (through
 * row_to_json()) already writes booleans, integers, strings, dates and
 * jsonb so; doubles, blobs and timestamps take an expression of their own.
 */
#include "audit/event_columns.h"
#include "audit/event_sql.h"
#include "audit/update_sql.h"
#include "audit/write_sql.h"
#include "core/buf.h"
#include "driver/driver.h"

#include <stdlib.h>

#define P(i) ((i) + 1) /* the placeholder number of a trail_write_param */

/* "id", "version", then every field's column, each after @alias and a dot when given. */
static void columns(trail_buf *b, const trail_entity *e, const char *alias)
{
    const char *dot = alias ? "." : "";
    alias = alias ? alias : "";
    trail__buf_appendf(b, "%s%s\"id\", %s%s\"version\"", alias, dot, alias, dot);
    for (size_t i = 0; i < e->n_fields; i++)
        trail__buf_appendf(b, ", %s%s\"%s\"", alias, dot, e->fields[i].name);
}

/*
 * float8 text (extra_float_digits above 0, as conn_pg.c sets) is the
 * shortest decimal that reads back the same, laid out as trail__json_double()
 * lays it out, save two things: a whole number lacks its ".0", and a
 * decimal exactly halfway between two doubles is never taken, where strtod()
 * (and so trail__json_double()) reads it as the even one. Such a decimal can
 * be the shorter only for a double from 2^53 to 1e40 (1e+23, which float8
 * writes 9.999999999999999e+22). There, as trail__json_double() does, the
 * double rounded to 15 digits is taken if it reads back, else rounded to 16
 * (to_char() rounds as printf() does), else float8's 17 digits; zeros at
 * the end of the digits go. Expressions only: a subquery here would cost
 * every write its setup, though it never runs.
 */
#define PG_ROUNDED(digits) "to_char({v}, '9." digits "EEEE')"
#define PG_15              PG_ROUNDED("99999999999999")
#define PG_16              PG_ROUNDED("999999999999999")
#define PG_DOUBLE                                                                                  \
    "(CASE WHEN abs({v}) >= 9007199254740992 AND abs({v}) < 1e40 THEN CASE"                        \
    " WHEN " PG_15 "::float8 = {v} THEN regexp_replace(btrim(" PG_15 "), '\\.?0+e', 'e')"          \
    " WHEN " PG_16 "::float8 = {v} THEN regexp_replace(btrim(" PG_16 "), '\\.?0+e', 'e')"          \
    " ELSE {v}::text END"                                                                          \
    " WHEN {v}::text ~ '[.eEnN]' THEN {v}::text ELSE {v}::text || '.0' END)::json"

/*
 * PostgreSQL's spelling of each JSON form (json_form.h). An event's JSON is
 * row_to_json() of a subquery's row, whose column names are the keys: that
 * costs the executor far fewer expressions than concatenating the object.
 * NULL stays NULL, which row_to_json() writes as null.
 */
static const trail_event_sql pg_json = {
    .form = {
        [TRAIL_JSON_FORM_BOOL] = "{v}",
        [TRAIL_JSON_FORM_INT] = "{v}",
        [TRAIL_JSON_FORM_DOUBLE] = PG_DOUBLE,
        [TRAIL_JSON_FORM_STRING] = "{v}",
        /* to_json() would write bytea's hex form */
        [TRAIL_JSON_FORM_BASE64] =
            "('\"' || translate(encode({v}, 'base64'), E'\\n', '') || '\"')::json",
        [TRAIL_JSON_FORM_DATE] = "{v}",
        /* to_json() would write microseconds and the session's offset */
        [TRAIL_JSON_FORM_TIMESTAMP] = "('\"' || to_char({v} AT TIME ZONE 'UTC',"
                                      " 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"') || '\"')::json",
        [TRAIL_JSON_FORM_JSON] = "{v}", /* jsonb's text */
        [TRAIL_JSON_FORM_REDACTED] = "'\"[redacted]\"'::json",
    },
    .column = "{r}.\"{c}\"",
    .object_begin = "(SELECT row_to_json(j)::text FROM (SELECT ",
    .member = "{j} AS \"{k}\"",
    .member_sep = ", ",
    .object_end = ") j)",
    .member_text = "'\"{k}\":' || coalesce(to_json({j})::text, 'null')",
};
_Static_assert(sizeof pg_json.form / sizeof pg_json.form[0] == TRAIL_JSON_FORM_COUNT,
               "PostgreSQL spells every JSON form");

/* An update's field @i moved: its old and new values differ. */
static void moved(trail_buf *b, const trail_entity *e, size_t i)
{
    trail__buf_appendf(b, "\"old\".\"%s\" IS DISTINCT FROM \"new\".\"%s\"", e->fields[i].name,
                       e->fields[i].name);
}

/*
 * The event's steps, after the row's: "last" (the record's newest event's
 * hlc, when it may have events: @old given), "ev" (its values, one row per
 * row written, from @from) and "ins". @old and @new name the row steps that
 * hold the old and new values, or are NULL for none.
 */
static void event_steps(trail_buf *b, const trail_entity *e, const char *op, const char *from,
                        const char *old, const char *new)
{
    const char *row = new ? new : old;
    if (old)
        trail__buf_appendf(
            b,
            ", \"last\" AS (SELECT max(\"hlc\") AS \"hlc\" FROM \"trail_change_events\""
            " WHERE \"table_name\" = '%s' AND \"record_id\" = (SELECT \"id\"::text"
            " FROM %s))",
            e->table, old);
    trail__buf_appendf(b, ", \"ev\" AS (SELECT ");
    if (old)
        trail__buf_appendf(b, "greatest($%d::bigint, (SELECT \"hlc\" + 1 FROM \"last\"))",
                           P(TRAIL_WP_HLC));
    else
        trail__buf_appendf(b, "$%d::bigint", P(TRAIL_WP_HLC));
    trail__buf_appendf(
        b, " AS \"hlc\", %s.\"id\"::text AS \"rid\", %s.\"version\" AS \"version\", ", row, row);
    if (old && new)
        trail__event_sql_object_moved(b, &pg_json, e, old, moved);
    else if (old)
        trail__event_sql_object(b, &pg_json, e, old);
    else
        trail__buf_append_str(b, "NULL::text");
    trail__buf_append_str(b, " AS \"o\", ");
    if (new)
        trail__event_sql_object(b, &pg_json, e, new);
    else
        trail__buf_append_str(b, "NULL::text");
    trail__buf_append_str(b, " AS \"n\", ");
    if (old && new)
        trail__event_sql_changed(b, e, moved);
    else
        trail__event_sql_changed_all(b, e);
    trail__buf_appendf(b, " AS \"c\" FROM %s)", from);

    trail__buf_appendf(
        b,
        ", \"ins\" AS (INSERT INTO \"trail_change_events\" (" TRAIL_EVENT_COLUMN_LIST_DQ ")"
        " SELECT $%d, \"hlc\", $%d, $%d, $%d, $%d, '%s', \"rid\", '%s', \"version\","
        " \"o\"::json, \"n\"::json, \"c\"::json, $%d",
        P(TRAIL_WP_EVENT_ID), P(TRAIL_WP_NODE), P(TRAIL_WP_LANE), P(TRAIL_WP_SEQ), P(TRAIL_WP_TX),
        e->table, op, P(TRAIL_WP_SCHEMA_VERSION));
    for (int i = 0; i < TRAIL_CTX_COLUMNS; i++)
        trail__buf_appendf(b, ", $%d", P(TRAIL_WP_USER + i));
    trail__buf_appendf(
        b,
        ", $%d, $%d, encode(sha256(convert_to($%d::text || \"hlc\" || $%d::text"
        " || to_json(\"rid\")::text || $%d::text || \"version\" || ',' || coalesce(\"o\", 'null')"
        " || ',' || coalesce(\"n\", 'null') || ',' || \"c\" || $%d::text, 'UTF8')), 'hex')"
        " FROM \"ev\" RETURNING \"hlc\", \"hash\")",
        P(TRAIL_WP_CREATED_AT), P(TRAIL_WP_PREV), P(TRAIL_WP_HEAD), P(TRAIL_WP_MID), P(TRAIL_WP_OP),
        P(TRAIL_WP_TAIL));
}

/* "old": the record locked, by id ($ROW). */
static void lock_step(trail_buf *b, const trail_entity *e)
{
    trail__buf_append_str(b, "WITH \"old\" AS (SELECT ");
    columns(b, e, NULL);
    trail__buf_appendf(b, " FROM \"%s\" WHERE \"id\" = $%d FOR UPDATE)", e->table, P(TRAIL_WP_ROW));
}

/* The result: the record's columns from @rows, the version found, the event's hlc. */
static void result(trail_buf *b, const trail_entity *e, const char *rows, const char *found)
{
    trail__buf_append_str(b, " SELECT ");
    columns(b, e, "r");
    trail__buf_appendf(
        b, ", %s, (SELECT \"hlc\" FROM \"ins\"), (SELECT \"hash\" FROM \"ins\") FROM %s", found,
        rows);
}

static void build_create(trail_buf *b, const trail_entity *e)
{
    bool own_id = e->key == TRAIL_KEY_ULID; /* int64 keys are the database's to assign */
    trail__buf_appendf(b, "WITH \"new\" AS (INSERT INTO \"%s\" (%s\"version\"", e->table,
                       own_id ? "\"id\", " : "");
    for (size_t i = 0; i < e->n_fields; i++)
        trail__buf_appendf(b, ", \"%s\"", e->fields[i].name);
    trail__buf_append_str(b, ") VALUES (");
    size_t n = e->n_fields + 1 + own_id;
    for (size_t i = 0; i < n; i++)
        trail__buf_appendf(b, "%s$%zu", i ? ", " : "", P(TRAIL_WP_ROW) + i);
    trail__buf_append_str(b, ") RETURNING ");
    columns(b, e, NULL);
    trail__buf_append_str(b, ")");
    event_steps(b, e, "insert", "\"new\"", NULL, "\"new\"");
    result(b, e, "\"new\" r", "NULL::bigint");
}

static void build_update(trail_buf *b, const trail_entity *e, uint64_t mask)
{
    lock_step(b, e);
    trail__buf_appendf(b, ", \"new\" AS (UPDATE \"%s\" t SET ", e->table);
    int at = P(TRAIL_WP_ROW) + 2;
    for (size_t i = 0; i < e->n_fields; i++)
        if (mask >> i & 1)
            trail__buf_appendf(b, "\"%s\" = $%d, ", e->fields[i].name, at++);
    trail__buf_appendf(b,
                       "\"version\" = t.\"version\" + 1 FROM \"old\""
                       " WHERE t.\"id\" = \"old\".\"id\" AND \"old\".\"version\" = $%d AND (",
                       P(TRAIL_WP_ROW) + 1);
    /* Nothing that would change: no write, no event. */
    at = P(TRAIL_WP_ROW) + 2;
    const char * or = "";
    for (size_t i = 0; i < e->n_fields; i++)
        if (mask >> i & 1) {
            trail__buf_appendf(b, "%st.\"%s\" IS DISTINCT FROM $%d", or, e->fields[i].name, at++);
            or = " OR ";
        }
    trail__buf_append_str(b, ") RETURNING ");
    columns(b, e, "t");
    trail__buf_append_str(b, ")");
    event_steps(b, e, "update", "\"old\", \"new\"", "\"old\"", "\"new\"");
    result(b, e,
           "(SELECT * FROM \"new\" UNION ALL"
           " SELECT * FROM \"old\" WHERE NOT EXISTS (SELECT FROM \"new\")) r",
           "(SELECT \"version\" FROM \"old\")");
}

static void build_delete(trail_buf *b, const trail_entity *e)
{
    lock_step(b, e);
    trail__buf_appendf(b,
                       ", \"gone\" AS (DELETE FROM \"%s\" t USING \"old\""
                       " WHERE t.\"id\" = \"old\".\"id\" AND \"old\".\"version\" = $%d"
                       " RETURNING t.\"id\")",
                       e->table, P(TRAIL_WP_ROW) + 1);
    event_steps(b, e, "delete", "\"old\" JOIN \"gone\" USING (\"id\")", "\"old\"", NULL);
    result(b, e, "\"old\" r", "r.\"version\"");
}

char *trail__pg_write_sql(const trail_entity *e, int kind, uint64_t mask)
{
    trail_buf b = TRAIL_BUF_INIT;
    if (kind == TRAIL_WRITE_CREATE)
        build_create(&b, e);
    else if (kind == TRAIL_WRITE_UPDATE)
        build_update(&b, e, mask);
    else
        build_delete(&b, e);
    return trail__buf_finish(&b);
}
