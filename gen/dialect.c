/*
 * dialect.c - per-dialect SQL pieces.
 *
 * SQLite tables are STRICT, so the column types below are the five it
 * knows; dates are stored as day numbers and timestamps as milliseconds
 * there (the C values, exactly), and as native DATE / timestamp types on the
 * servers. Text compares byte-wise everywhere: ULID columns use the "C"
 * collation on PostgreSQL and ascii_bin on MySQL, other text the table
 * default, utf8mb4_nopad_bin, so that key order and uniqueness agree across
 * engines. (MariaDB's utf8mb4_bin pads: 'a' = 'a '. ascii_bin pads too, but
 * a ULID never ends in a space, and the runtime sends no id that is not one.)
 */
#include "dialect.h"
#include "core/isotime.h"
#include "trail/error.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

const char *gen_dialect_name(trail_driver_id d)
{
    static const char *const names[TRAIL_DRIVER_COUNT] = { "sqlite", "pg", "mysql" };
    return (unsigned)d < TRAIL_DRIVER_COUNT ? names[d] : "?";
}

int gen_dialect_quote(trail_buf *out, trail_driver_id d, const char *name)
{
    const char *q = d == TRAIL_DRIVER_MYSQL ? "`" : "\"";
    int rc = trail__buf_append_str(out, q);
    if (rc == TRAIL_OK)
        rc = trail__buf_append_str(out, name);
    if (rc == TRAIL_OK)
        rc = trail__buf_append_str(out, q);
    return rc;
}

const char *gen_dialect_key_type(trail_driver_id d, trail_key_kind key)
{
    static const char *const ulid[TRAIL_DRIVER_COUNT] = {
        "TEXT", "text COLLATE \"C\"", "CHAR(26) CHARACTER SET ascii COLLATE ascii_bin"
    };
    static const char *const int64[TRAIL_DRIVER_COUNT] = { "INTEGER", "bigint", "BIGINT" };
    return key == TRAIL_KEY_INT64 ? int64[d] : ulid[d];
}

int gen_dialect_type(trail_buf *out, trail_driver_id d, const gen_field *f)
{
    static const char *const plain[][TRAIL_DRIVER_COUNT] = {
        [TRAIL_TYPE_BOOL] = { "INTEGER", "boolean", "BOOLEAN" },
        [TRAIL_TYPE_INT32] = { "INTEGER", "integer", "INT" },
        [TRAIL_TYPE_INT64] = { "INTEGER", "bigint", "BIGINT" },
        [TRAIL_TYPE_DOUBLE] = { "REAL", "double precision", "DOUBLE" },
        [TRAIL_TYPE_TEXT] = { "TEXT", "text", "LONGTEXT" },
        [TRAIL_TYPE_BLOB] = { "BLOB", "bytea", "LONGBLOB" },
        [TRAIL_TYPE_DATE] = { "INTEGER", "date", "DATE" },
        [TRAIL_TYPE_TIMESTAMP] = { "INTEGER", "timestamptz(3)", "DATETIME(3)" },
        [TRAIL_TYPE_JSON] = { "TEXT", "jsonb", "JSON" },
        [TRAIL_TYPE_ENUM] = { "TEXT", "text", NULL },
    };
    switch (f->type) {
    case TRAIL_TYPE_REF:
        return trail__buf_append_str(out, gen_dialect_key_type(d, f->ref->key));
    case TRAIL_TYPE_TEXT:
        if (f->has_max && d != TRAIL_DRIVER_SQLITE)
            return trail__buf_appendf(
                out, d == TRAIL_DRIVER_PG ? "varchar(%" PRId64 ")" : "VARCHAR(%" PRId64 ")",
                f->max);
        break;
    case TRAIL_TYPE_ENUM:
        if (d == TRAIL_DRIVER_MYSQL) {
            size_t longest = 0;
            for (size_t i = 0; i < f->n_values; i++)
                if (strlen(f->values[i]) > longest)
                    longest = strlen(f->values[i]);
            return trail__buf_appendf(out, "VARCHAR(%zu)", longest);
        }
        break;
    default:
        break;
    }
    return trail__buf_append_str(out, plain[f->type][d]);
}

/* A text literal: quotes doubled; MySQL also reads backslashes as escapes. */
static int append_literal(trail_buf *out, trail_driver_id d, const char *s)
{
    int rc = trail__buf_append(out, "'", 1);
    for (; rc == TRAIL_OK && *s; s++) {
        if (*s == '\'')
            rc = trail__buf_append(out, "''", 2);
        else if (*s == '\\' && d == TRAIL_DRIVER_MYSQL)
            rc = trail__buf_append(out, "\\\\", 2);
        else
            rc = trail__buf_append(out, s, 1);
    }
    return rc == TRAIL_OK ? trail__buf_append(out, "'", 1) : rc;
}

int gen_dialect_default(trail_buf *out, trail_driver_id d, const gen_field *f)
{
    char text[TRAIL_ISOTIME_MS_MAX];
    switch (f->type) {
    case TRAIL_TYPE_BOOL:
        if (d == TRAIL_DRIVER_SQLITE)
            return trail__buf_appendf(out, "%d", f->def_i ? 1 : 0);
        return trail__buf_append_str(out, f->def_i ? "TRUE" : "FALSE");
    case TRAIL_TYPE_INT32:
    case TRAIL_TYPE_INT64:
        return trail__buf_appendf(out, "%" PRId64, f->def_i);
    case TRAIL_TYPE_DOUBLE:
        return trail__buf_appendf(out, "%.17g", f->def_d);
    case TRAIL_TYPE_DATE:
        if (d == TRAIL_DRIVER_SQLITE)
            return trail__buf_appendf(out, "%" PRId64, f->def_i);
        trail__isotime_format_date(text, (int32_t)f->def_i);
        return append_literal(out, d, text);
    case TRAIL_TYPE_TIMESTAMP:
        if (d == TRAIL_DRIVER_SQLITE)
            return trail__buf_appendf(out, "%" PRId64, f->def_i);
        trail__isotime_format_ms(text, f->def_i);
        if (d == TRAIL_DRIVER_MYSQL) {
            /* DATETIME literals take neither the T nor the zone. */
            text[10] = ' ';
            text[strlen(text) - 1] = '\0';
        }
        return append_literal(out, d, text);
    case TRAIL_TYPE_ENUM:
        return append_literal(out, d, f->values[f->def_i]);
    case TRAIL_TYPE_JSON:
    case TRAIL_TYPE_TEXT:
        if (d == TRAIL_DRIVER_MYSQL && (f->type == TRAIL_TYPE_JSON || !f->has_max)) {
            /* MySQL 8 takes only an expression as the default of JSON and TEXT columns. */
            int rc = trail__buf_append(out, "(", 1);
            if (rc == TRAIL_OK)
                rc = append_literal(out, d, f->def_s);
            return rc == TRAIL_OK ? trail__buf_append(out, ")", 1) : rc;
        }
        return append_literal(out, d, f->def_s);
    default:
        return TRAIL_EARG;
    }
}

#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
static int
checkf(json_t *checks, const char *fmt, ...)
{
    trail_buf expr = TRAIL_BUF_INIT;
    va_list ap;
    va_start(ap, fmt);
    int rc = trail__buf_vappendf(&expr, fmt, ap);
    va_end(ap);
    if (rc == TRAIL_OK) {
        json_t *item = json_pack("{s:s}", "check", expr.data);
        if (!item || json_array_append_new(checks, item) < 0)
            rc = TRAIL_ENOMEM;
    }
    trail__buf_free(&expr);
    return rc;
}

/* The bounds of an int32/int64/double field as one expression. */
static int check_range(json_t *checks, const gen_field *f, const char *col)
{
    if (f->type == TRAIL_TYPE_DOUBLE) {
        if (f->has_min && f->has_max)
            return checkf(checks, "%s BETWEEN %.17g AND %.17g", col, f->min_d, f->max_d);
        if (f->has_min)
            return checkf(checks, "%s >= %.17g", col, f->min_d);
        return f->has_max ? checkf(checks, "%s <= %.17g", col, f->max_d) : TRAIL_OK;
    }
    if (f->has_min && f->has_max)
        return checkf(checks, "%s BETWEEN %" PRId64 " AND %" PRId64, col, f->min, f->max);
    if (f->has_min)
        return checkf(checks, "%s >= %" PRId64, col, f->min);
    return f->has_max ? checkf(checks, "%s <= %" PRId64, col, f->max) : TRAIL_OK;
}

int gen_dialect_checks(json_t *checks, trail_driver_id d, const gen_field *f)
{
    trail_buf col = TRAIL_BUF_INIT, values = TRAIL_BUF_INIT;
    int rc = gen_dialect_quote(&col, d, f->name);
    if (rc < 0)
        goto out;
    bool sqlite = d == TRAIL_DRIVER_SQLITE;

    switch (f->type) {
    case TRAIL_TYPE_BOOL: /* SQLite's STRICT types are wide; narrower C types are checked */
        rc = sqlite ? checkf(checks, "%s IN (0, 1)", col.data) : TRAIL_OK;
        break;
    case TRAIL_TYPE_DATE:
        rc = sqlite ? checkf(checks, "%s BETWEEN -2147483648 AND 2147483647", col.data) : TRAIL_OK;
        break;
    case TRAIL_TYPE_INT32:
        if (sqlite && !(f->has_min && f->has_max))
            rc = checkf(checks, "%s BETWEEN -2147483648 AND 2147483647", col.data);
        if (rc == TRAIL_OK)
            rc = check_range(checks, f, col.data);
        break;
    case TRAIL_TYPE_INT64:
    case TRAIL_TYPE_DOUBLE:
        rc = check_range(checks, f, col.data);
        break;
    case TRAIL_TYPE_JSON:
        /* json_valid(NULL) is 0 before SQLite 3.45, not NULL. */
        rc = sqlite ? checkf(checks, "%s IS NULL OR json_valid(%s)", col.data, col.data) : TRAIL_OK;
        break;
    case TRAIL_TYPE_TEXT:
        if (sqlite && f->has_max)
            rc = checkf(checks, "length(%s) <= %" PRId64, col.data, f->max);
        break;
    case TRAIL_TYPE_BLOB:
        if (f->has_max)
            rc = checkf(checks, "%s(%s) <= %" PRId64,
                        d == TRAIL_DRIVER_PG ? "octet_length" : "length", col.data, f->max);
        break;
    case TRAIL_TYPE_ENUM:
        for (size_t i = 0; rc == TRAIL_OK && i < f->n_values; i++) {
            if (i > 0)
                rc = trail__buf_append(&values, ", ", 2);
            if (rc == TRAIL_OK)
                rc = append_literal(&values, d, f->values[i]);
        }
        if (rc == TRAIL_OK)
            rc = checkf(checks, "%s IN (%s)", col.data, values.data);
        break;
    default:
        break;
    }
out:
    trail__buf_free(&col);
    trail__buf_free(&values);
    return rc;
}

/*
 * The event table's columns (audit/event_columns.h), one table per dialect
 * keyed by kind. In a type or a check '@' stands for the quoted column and
 * '#' for its most characters.
 */
typedef struct event_type {
    const char *type;
    const char *not_null;       /* what declares it NOT NULL; NULL: " NOT NULL" */
    const char *check;          /* NULL: none */
    const char *check_nullable; /* when it may be NULL; NULL: check */
} event_type;

#define ULID_KEY_CHECK "length(@) = 26"
#define OP_CHECK       "@ IN ('insert', 'update', 'delete')"

static const event_type sqlite_event_types[TRAIL_EVENT_KINDS] = {
    [TRAIL_EVENT_KIND_ULID_KEY] = { "TEXT", " PRIMARY KEY NOT NULL", ULID_KEY_CHECK, NULL },
    [TRAIL_EVENT_KIND_ULID] = { "TEXT", NULL, NULL, NULL },
    [TRAIL_EVENT_KIND_INT64] = { "INTEGER", NULL, NULL, NULL },
    [TRAIL_EVENT_KIND_NODE] = { "TEXT", NULL, NULL, NULL },
    [TRAIL_EVENT_KIND_RECORD] = { "TEXT", NULL, NULL, NULL },
    [TRAIL_EVENT_KIND_NAME] = { "TEXT", NULL, NULL, NULL },
    [TRAIL_EVENT_KIND_OP] = { "TEXT", NULL, OP_CHECK, NULL },
    /* json_valid(NULL) is 0 before SQLite 3.45, not NULL. */
    [TRAIL_EVENT_KIND_JSON] = { "TEXT", NULL, "json_valid(@)", "@ IS NULL OR json_valid(@)" },
    [TRAIL_EVENT_KIND_CONTEXT] = { "TEXT", NULL, "length(@) <= #", NULL },
    [TRAIL_EVENT_KIND_HASH] = { "TEXT", NULL, NULL, NULL },
};

/* json, not jsonb: the hash covers the text as written, which jsonb would rewrite. */
static const event_type pg_event_types[TRAIL_EVENT_KINDS] = {
    [TRAIL_EVENT_KIND_ULID_KEY] = { "text COLLATE \"C\"", " PRIMARY KEY", ULID_KEY_CHECK, NULL },
    [TRAIL_EVENT_KIND_ULID] = { "text COLLATE \"C\"", NULL, NULL, NULL },
    [TRAIL_EVENT_KIND_INT64] = { "bigint", NULL, NULL, NULL },
    [TRAIL_EVENT_KIND_NODE] = { "text COLLATE \"C\"", NULL, NULL, NULL },
    [TRAIL_EVENT_KIND_RECORD] = { "text COLLATE \"C\"", NULL, NULL, NULL },
    [TRAIL_EVENT_KIND_NAME] = { "text", NULL, NULL, NULL },
    [TRAIL_EVENT_KIND_OP] = { "text", NULL, OP_CHECK, NULL },
    [TRAIL_EVENT_KIND_JSON] = { "json", NULL, NULL, NULL },
    [TRAIL_EVENT_KIND_CONTEXT] = { "varchar(#)", NULL, NULL, NULL },
    [TRAIL_EVENT_KIND_HASH] = { "text", NULL, NULL, NULL },
};

#define MYSQL_ASCII_ID " CHARACTER SET ascii COLLATE ascii_bin"

static const event_type mysql_event_types[TRAIL_EVENT_KINDS] = {
    [TRAIL_EVENT_KIND_ULID_KEY] = { "CHAR(26)" MYSQL_ASCII_ID, " NOT NULL PRIMARY KEY", NULL,
                                    NULL },
    [TRAIL_EVENT_KIND_ULID] = { "CHAR(26)" MYSQL_ASCII_ID, NULL, NULL, NULL },
    [TRAIL_EVENT_KIND_INT64] = { "BIGINT", NULL, NULL, NULL },
    [TRAIL_EVENT_KIND_NODE] = { "VARCHAR(64)" MYSQL_ASCII_ID, NULL, NULL, NULL },
    [TRAIL_EVENT_KIND_RECORD] = { "VARCHAR(64)" MYSQL_ASCII_ID, NULL, NULL, NULL },
    [TRAIL_EVENT_KIND_NAME] = { "VARCHAR(64)", NULL, NULL, NULL },
    [TRAIL_EVENT_KIND_OP] = { "VARCHAR(6)", NULL, OP_CHECK, NULL },
    [TRAIL_EVENT_KIND_JSON] = { "JSON", NULL, NULL, NULL },
    [TRAIL_EVENT_KIND_CONTEXT] = { "VARCHAR(#)", NULL, NULL, NULL },
    [TRAIL_EVENT_KIND_HASH] = { "CHAR(64) CHARACTER SET ascii", NULL, NULL, NULL },
};

/* Appends @text with '@' as @col and '#' as @max. */
static int event_text(trail_buf *out, const char *text, const char *col, int max)
{
    int rc = TRAIL_OK;
    for (const char *p = text; rc == TRAIL_OK && *p; p++) {
        if (*p == '@')
            rc = trail__buf_append_str(out, col);
        else if (*p == '#')
            rc = trail__buf_appendf(out, "%d", max);
        else
            rc = trail__buf_append(out, p, 1);
    }
    return rc;
}

int gen_dialect_event_type(trail_buf *out, trail_driver_id d, trail_event_kind kind,
                           const char *name, bool nullable, int max)
{
    static const event_type *const types[TRAIL_DRIVER_COUNT] = { sqlite_event_types, pg_event_types,
                                                                 mysql_event_types };
    if ((unsigned)d >= TRAIL_DRIVER_COUNT || (unsigned)kind >= TRAIL_EVENT_KINDS ||
        !types[d][kind].type)
        return TRAIL_EARG;
    const event_type *t = &types[d][kind];
    const char *check = nullable && t->check_nullable ? t->check_nullable : t->check;
    trail_buf col = TRAIL_BUF_INIT;
    int rc = gen_dialect_quote(&col, d, name);
    if (rc == TRAIL_OK)
        rc = event_text(out, t->type, col.data, max);
    if (rc == TRAIL_OK && !nullable)
        rc = trail__buf_append_str(out, t->not_null ? t->not_null : " NOT NULL");
    if (rc == TRAIL_OK && check) {
        rc = trail__buf_append_str(out, " CHECK (");
        if (rc == TRAIL_OK)
            rc = event_text(out, check, col.data, max);
        if (rc == TRAIL_OK)
            rc = trail__buf_append_str(out, ")");
    }
    trail__buf_free(&col);
    return rc;
}
