/*
 * write_pg.c - PostgreSQL's audited writes, one function call each.
 *
 * A create, update or delete is one call of a plpgsql function made by the
 * schema's migrate (trail_schema_migrate()), one per entity and kind, as
 * MariaDB's procedures are (write_mysql.c). The client binds what write_sql.h
 * says, the same parameters as MariaDB's CALL; an update passes its set of
 * fields as a literal mask and NULL for the fields it does not set, so one
 * function serves every set of fields, with one cached plan per step. The
 * function locks and reads the row (SELECT ... FOR UPDATE INTO), checks the
 * version, writes the row (... RETURNING INTO), reads the record's newest
 * hlc (through the index on table_name, record_id, hlc), makes old_values,
 * new_values, changed and the hash as plpgsql expressions, and inserts the
 * event after the head of the connection's lane (audit/lane.h) with one
 * INSERT ... VALUES. It runs in the caller's transaction: a write is one
 * round trip, and takes no lock but its record's.
 *
 * Separate steps, each a small plan that plpgsql prepares once per session,
 * cost the backend less than one data-modifying statement of CTEs, whose
 * executor set-up each run paid (docs/benchmarks.md, "PostgreSQL: one
 * statement or a server-side function").
 *
 * Each function's name ends in a digest of its text, so a program whose
 * schema or runtime changed the function finds it missing until migrate
 * makes it, rather than calling an old one. new_values is row_to_json() of
 * a composite type per entity (its members' names and types), which
 * migrate makes with the functions, under a name that ends in a digest of
 * its definition.
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
#include "core/sha256.h"
#include "driver/driver.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define P(i) ((i) + 1) /* the placeholder number of a trail_write_param */

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
 * row_to_json() of a row of the entity's composite type (json_type()),
 * whose member names are the keys: one call, where concatenating the
 * object would take several per member. NULL stays NULL, which
 * row_to_json() writes as null. The object's end names the type: object().
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
    .object_begin = "row_to_json(ROW(",
    .member = "{j}",
    .member_sep = ", ",
    .object_end = NULL,
    .member_text = "'\"{k}\":' || coalesce(to_json({j})::text, 'null')",
};
_Static_assert(sizeof pg_json.form / sizeof pg_json.form[0] == TRAIL_JSON_FORM_COUNT,
               "PostgreSQL spells every JSON form");

/* Identifiers are 63 bytes at most (NAMEDATALEN - 1): the table's part of a name is cut to fit. */
#define NAME_MAX_LEN 63

/* The parameter types of a function, per schema type: the column types without their limits. */
static const char *const param_types[TRAIL_TYPE_REF] = {
    [TRAIL_TYPE_BOOL] = "boolean", [TRAIL_TYPE_INT32] = "integer",
    [TRAIL_TYPE_INT64] = "bigint", [TRAIL_TYPE_DOUBLE] = "double precision",
    [TRAIL_TYPE_TEXT] = "text",    [TRAIL_TYPE_BLOB] = "bytea",
    [TRAIL_TYPE_DATE] = "date",    [TRAIL_TYPE_TIMESTAMP] = "timestamptz",
    [TRAIL_TYPE_JSON] = "jsonb",   [TRAIL_TYPE_ENUM] = "text",
};

/* The type of a key of kind @key, and of references to it. */
static const char *key_type(trail_key_kind key)
{
    return key == TRAIL_KEY_INT64 ? "bigint" : "text";
}

static const char *param_type(const trail_field *f)
{
    return f->type == TRAIL_TYPE_REF ? key_type(f->ref->key) : param_types[f->type];
}

/* The event's parameters, in write_sql.h's order: which are numbers. */
static bool event_param_number(int i)
{
    return i == TRAIL_WP_HLC || i == TRAIL_WP_SEQ || i == TRAIL_WP_SCHEMA_VERSION ||
           i == TRAIL_WP_CREATED_AT;
}

/*
 * The composite type of @e's event JSON: each member's name, and the type
 * of its spelling (pg_json), the column's when that is the value itself.
 * Its definition into @b; its name, trail_<table>_json_<digest of the
 * definition>, into @name.
 */
static void json_type(trail_buf *b, const trail_entity *e, char name[NAME_MAX_LEN + 1])
{
    size_t start = b->len;
    const char *sep = "(";
    for (size_t k = 0; k < e->n_fields + 2; k++) {
        const char *key;
        trail_json_form form;
        if (!trail__json_form_member(e, k, &key, &form))
            continue;
        const char *type = k == 0   ? key_type(e->key)
                           : k == 1 ? "bigint"
                                    : param_type(&e->fields[k - 2]);
        if (strcmp(pg_json.form[form], "{v}") != 0)
            type = "json";
        trail__buf_appendf(b, "%s\"%s\" %s", sep, key, type);
        sep = ", ";
    }
    trail__buf_append_str(b, ")");
    char digest[TRAIL_SHA256_HEX_LEN + 1] = "";
    if (b->data && trail__sha256_hex(digest, b->data + start, b->len - start) < 0)
        digest[0] = '\0';
    snprintf(name, NAME_MAX_LEN + 1, "trail_%.38s_json_%.12s", e->table, digest);
}

/* The event JSON text of @e's row in record variable @row: a row of its composite type. */
static void object(trail_buf *b, const trail_entity *e, const char *row)
{
    char name[NAME_MAX_LEN + 1], end[NAME_MAX_LEN + 16];
    trail_buf def = TRAIL_BUF_INIT;
    json_type(&def, e, name);
    if (def.err && !b->err)
        b->err = def.err; /* the name is no good: the text must not be used */
    trail__buf_free(&def);
    snprintf(end, sizeof end, ")::\"%s\")::text", name);
    trail_event_sql d = pg_json;
    d.object_end = end;
    trail__event_sql_object(b, &d, e, row);
}

/* An update's field @i moved: its old (o) and new (n) values differ. */
static void moved(trail_buf *b, const trail_entity *e, size_t i)
{
    trail__buf_appendf(b, "o.\"%s\" IS DISTINCT FROM n.\"%s\"", e->fields[i].name,
                       e->fields[i].name);
}

/* The function's parameters: the event's, then the row's for @kind (write_sql.h). */
static void params(trail_buf *b, const trail_entity *e, int kind)
{
    trail__buf_append_str(b, "(");
    for (int i = 0; i < TRAIL_WP_ROW; i++)
        trail__buf_appendf(b, "%s%s", i ? ", " : "", event_param_number(i) ? "bigint" : "text");
    if (kind != TRAIL_WRITE_CREATE || e->key != TRAIL_KEY_INT64)
        trail__buf_appendf(b, ", %s", key_type(e->key));
    trail__buf_append_str(b, ", bigint"); /* the version */
    if (kind == TRAIL_WRITE_UPDATE)
        trail__buf_append_str(b, ", bigint"); /* the mask */
    if (kind != TRAIL_WRITE_DELETE)
        for (size_t i = 0; i < e->n_fields; i++)
            trail__buf_appendf(b, ", %s", param_type(&e->fields[i]));
    /* The result (write_sql.h): positional names, which no column of a step can shadow. */
    trail__buf_appendf(b, ") RETURNS TABLE (r_id %s, r_version bigint", key_type(e->key));
    for (size_t i = 0; i < e->n_fields; i++)
        trail__buf_appendf(b, ", r_%zu %s", i, param_type(&e->fields[i]));
    trail__buf_append_str(b, ", r_found bigint, r_hlc bigint, r_hash text)"
                             " LANGUAGE plpgsql AS $trail$");
}

/* Variables: the row before (o) and after (n), and the event's values. */
static void declare(trail_buf *b, const trail_entity *e)
{
    trail__buf_appendf(b,
                       " DECLARE o \"%s\"%%ROWTYPE; n \"%s\"%%ROWTYPE;"
                       " v_hlc bigint; v_old text; v_new text; v_changed text; v_hash text;"
                       " BEGIN",
                       e->table, e->table);
}

/* "Record @row by id ($ROW) locked into o, or no answer when there is none." */
static void lock_step(trail_buf *b, const trail_entity *e)
{
    trail__buf_appendf(b,
                       " SELECT * INTO o FROM \"%s\" WHERE \"id\" = $%d FOR UPDATE;"
                       " IF NOT FOUND THEN RETURN; END IF;",
                       e->table, P(TRAIL_WP_ROW));
}

/*
 * The event of record variable @row (whose id and version it records),
 * once v_old, v_new and v_changed are set: its hlc, raised above the
 * record's newest event's when it may have events (@has_events); its hash
 * over the message the client sent in pieces; the row.
 */
static void event(trail_buf *b, const trail_entity *e, const char *op, const char *row,
                  bool has_events)
{
    if (has_events)
        trail__buf_appendf(
            b,
            " SELECT greatest($%d, max(ev.\"hlc\") + 1) INTO v_hlc"
            " FROM \"trail_change_events\" ev"
            " WHERE ev.\"table_name\" = '%s' AND ev.\"record_id\" = %s.\"id\"::text;",
            P(TRAIL_WP_HLC), e->table, row);
    else
        trail__buf_appendf(b, " v_hlc := $%d;", P(TRAIL_WP_HLC));
    trail__buf_appendf(b,
                       " v_hash := encode(sha256(convert_to($%d || v_hlc || $%d"
                       " || to_json(%s.\"id\"::text)::text || $%d || %s.\"version\""
                       " || ',' || coalesce(v_old, 'null') || ',' || coalesce(v_new, 'null')"
                       " || ',' || v_changed || $%d, 'UTF8')), 'hex');",
                       P(TRAIL_WP_HEAD), P(TRAIL_WP_MID), row, P(TRAIL_WP_OP), row,
                       P(TRAIL_WP_TAIL));
    trail__buf_appendf(
        b,
        " INSERT INTO \"trail_change_events\" (" TRAIL_EVENT_COLUMN_LIST_DQ ")"
        " VALUES ($%d, v_hlc, $%d, $%d, $%d, $%d, '%s', %s.\"id\"::text, '%s', %s.\"version\","
        " v_old::json, v_new::json, v_changed::json, $%d",
        P(TRAIL_WP_EVENT_ID), P(TRAIL_WP_NODE), P(TRAIL_WP_LANE), P(TRAIL_WP_SEQ), P(TRAIL_WP_TX),
        e->table, row, op, row, P(TRAIL_WP_SCHEMA_VERSION));
    for (int i = 0; i < TRAIL_CTX_COLUMNS; i++)
        trail__buf_appendf(b, ", $%d", P(TRAIL_WP_USER + i));
    trail__buf_appendf(b, ", $%d, $%d, v_hash);", P(TRAIL_WP_CREATED_AT), P(TRAIL_WP_PREV));
}

/*
 * The answer (write_sql.h): record variable @row's columns, the version
 * found (@found), the event's hlc and hash when @evented, else NULL.
 */
static void answer(trail_buf *b, const trail_entity *e, const char *row, const char *found,
                   bool evented)
{
    trail__buf_appendf(b, " r_id := %s.\"id\"; r_version := %s.\"version\";", row, row);
    for (size_t i = 0; i < e->n_fields; i++)
        trail__buf_appendf(b, " r_%zu := %s.\"%s\";", i, row, e->fields[i].name);
    trail__buf_appendf(b, " r_found := %s;", found);
    if (evented)
        trail__buf_append_str(b, " r_hlc := v_hlc; r_hash := v_hash;");
    else
        trail__buf_append_str(b, " r_hlc := NULL; r_hash := NULL;");
    trail__buf_append_str(b, " RETURN NEXT;");
}

static void body_create(trail_buf *b, const trail_entity *e)
{
    bool own_id = e->key == TRAIL_KEY_ULID; /* int64 keys are the database's to assign */
    trail__buf_appendf(b, " INSERT INTO \"%s\" (%s\"version\"", e->table, own_id ? "\"id\", " : "");
    for (size_t i = 0; i < e->n_fields; i++)
        trail__buf_appendf(b, ", \"%s\"", e->fields[i].name);
    trail__buf_append_str(b, ") VALUES (");
    size_t n = e->n_fields + 1 + own_id;
    for (size_t i = 0; i < n; i++)
        trail__buf_appendf(b, "%s$%zu", i ? ", " : "", P(TRAIL_WP_ROW) + i);
    trail__buf_append_str(b, ") RETURNING * INTO n; v_old := NULL; v_new := ");
    object(b, e, "n");
    trail__buf_append_str(b, "; v_changed := ");
    trail__event_sql_changed_all(b, e);
    trail__buf_append_str(b, ";");
    event(b, e, "insert", "n", false);
    answer(b, e, "n", "NULL", true);
}

/* Update field @i is set: bit @i of the mask parameter. */
static void is_set(trail_buf *b, size_t i)
{
    trail__buf_appendf(b, "($%d >> %zu & 1) = 1", P(TRAIL_WP_ROW) + 2, i);
}

static void body_update(trail_buf *b, const trail_entity *e)
{
    int field0 = P(TRAIL_WP_ROW) + 3; /* the parameter of field 0 */
    lock_step(b, e);
    /* Nothing that would change: no write, no event. */
    trail__buf_appendf(b, " IF o.\"version\" <> $%d OR NOT (FALSE", P(TRAIL_WP_ROW) + 1);
    for (size_t i = 0; i < e->n_fields; i++) {
        trail__buf_append_str(b, " OR ");
        is_set(b, i);
        trail__buf_appendf(b, " AND o.\"%s\" IS DISTINCT FROM $%zu", e->fields[i].name, field0 + i);
    }
    trail__buf_append_str(b, ") THEN");
    answer(b, e, "o", "o.\"version\"", false);
    trail__buf_appendf(b, " RETURN; END IF; UPDATE \"%s\" t SET ", e->table);
    for (size_t i = 0; i < e->n_fields; i++) {
        trail__buf_appendf(b, "\"%s\" = CASE WHEN ", e->fields[i].name);
        is_set(b, i);
        trail__buf_appendf(b, " THEN $%zu ELSE t.\"%s\" END, ", field0 + i, e->fields[i].name);
    }
    trail__buf_appendf(b,
                       "\"version\" = t.\"version\" + 1 WHERE t.\"id\" = $%d"
                       " RETURNING t.* INTO n; v_old := ",
                       P(TRAIL_WP_ROW));
    trail__event_sql_object_moved(b, &pg_json, e, "o", moved);
    trail__buf_append_str(b, "; v_new := ");
    object(b, e, "n");
    trail__buf_append_str(b, "; v_changed := ");
    trail__event_sql_changed(b, e, moved);
    trail__buf_append_str(b, ";");
    event(b, e, "update", "n", true);
    answer(b, e, "n", "o.\"version\"", true);
}

static void body_delete(trail_buf *b, const trail_entity *e)
{
    lock_step(b, e);
    trail__buf_appendf(b, " IF o.\"version\" <> $%d THEN", P(TRAIL_WP_ROW) + 1);
    answer(b, e, "o", "o.\"version\"", false);
    trail__buf_appendf(b, " RETURN; END IF; DELETE FROM \"%s\" WHERE \"id\" = $%d;", e->table,
                       P(TRAIL_WP_ROW));
    trail__buf_append_str(b, " v_old := ");
    object(b, e, "o");
    trail__buf_append_str(b, "; v_new := NULL; v_changed := ");
    trail__event_sql_changed_all(b, e);
    trail__buf_append_str(b, ";");
    event(b, e, "delete", "o", true);
    answer(b, e, "o", "o.\"version\"", true);
}

static const char *const kind_names[] = { NULL, "create", "update", "delete" };

/*
 * The function's name and text for @kind of @e: *@name gets
 * trail_<table>_<kind>_<digest>; returns the text after the name
 * (parameters, result and body), which the caller frees, or NULL.
 */
static char *function(const trail_entity *e, int kind, char name[NAME_MAX_LEN + 1])
{
    trail_buf b = TRAIL_BUF_INIT;
    params(&b, e, kind);
    declare(&b, e);
    if (kind == TRAIL_WRITE_CREATE)
        body_create(&b, e);
    else if (kind == TRAIL_WRITE_UPDATE)
        body_update(&b, e);
    else
        body_delete(&b, e);
    trail__buf_append_str(&b, " END $trail$");
    char *text = trail__buf_finish(&b);
    char digest[TRAIL_SHA256_HEX_LEN + 1];
    if (!text || trail__sha256_hex(digest, text, strlen(text)) < 0) {
        free(text);
        return NULL;
    }
    snprintf(name, NAME_MAX_LEN + 1, "trail_%.38s_%s_%.12s", e->table, kind_names[kind], digest);
    return text;
}

char *trail__pg_write_sql(const trail_entity *e, int kind, uint64_t mask)
{
    char name[NAME_MAX_LEN + 1];
    char *text = function(e, kind, name);
    if (!text)
        return NULL;
    free(text);
    trail_buf b = TRAIL_BUF_INIT;
    trail__buf_appendf(&b, "SELECT * FROM \"%s\"(", name);
    int at = 1;
    for (; at <= TRAIL_WP_ROW; at++)
        trail__buf_appendf(&b, "%s$%d", at > 1 ? ", " : "", at);
    if (kind == TRAIL_WRITE_CREATE) {
        size_t n = e->n_fields + 1 + (e->key != TRAIL_KEY_INT64);
        for (size_t i = 0; i < n; i++)
            trail__buf_appendf(&b, ", $%d", at++);
    } else {
        trail__buf_appendf(&b, ", $%d, $%d", at, at + 1);
        at += 2;
    }
    if (kind == TRAIL_WRITE_UPDATE) {
        /* A string: bit 63 set is no bigint literal. */
        trail__buf_appendf(&b, ", '%lld'::bigint", (long long)(int64_t)mask);
        for (size_t i = 0; i < e->n_fields; i++)
            if (mask >> i & 1)
                trail__buf_appendf(&b, ", $%d", at++);
            else
                trail__buf_append_str(&b, ", NULL");
    }
    trail__buf_append_str(&b, ")");
    return trail__buf_finish(&b);
}

char *trail__pg_write_setup_sql(const trail_entity *e, int kind)
{
    char name[NAME_MAX_LEN + 1], type[NAME_MAX_LEN + 1];
    char *text = function(e, kind, name);
    if (!text)
        return NULL;
    trail_buf def = TRAIL_BUF_INIT;
    json_type(&def, e, type);
    if (def.err) {
        trail__buf_free(&def);
        free(text);
        return NULL;
    }
    trail_buf b = TRAIL_BUF_INIT;
    /* The type's name says its definition: one of that name is this one, made before. */
    trail__buf_appendf(&b,
                       "DO $trail$ BEGIN CREATE TYPE \"%s\" AS %s;"
                       " EXCEPTION WHEN duplicate_object THEN NULL; END $trail$;"
                       " CREATE OR REPLACE FUNCTION \"%s\"%s",
                       type, def.data, name, text);
    trail__buf_free(&def);
    free(text);
    return trail__buf_finish(&b);
}
