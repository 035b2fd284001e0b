/*
 * dialect.h - what one driver's SQL looks like, as data: internal to
 * libtrail and trailgen.
 *
 * Every decision that differs between engines in the SQL trail writes or
 * runs is a member here: trailgen renders the generated statements and
 * tables from it (gen/dialect.c, gen/model.c), and the runtime builds its
 * statements of the moment (audit/update_sql.c) and finds its drivers by
 * URL (driver/conn.c) with it. A dialect holds no code that reaches a
 * database, so it is part of trailgen's base library as well as of
 * libtrail. Each driver's is in its folder (driver/<name>/dialect_<name>.c);
 * driver/drivers.h lists them.
 */
#ifndef TRAIL_DIALECT_H
#define TRAIL_DIALECT_H

#include "audit/event_columns.h"
#include "core/buf.h"
#include "driver/drivers.h"
#include "trail/types.h"

#include <stdbool.h>
#include <stddef.h>

/*
 * How the DDL declares an event column of one kind (audit/event_columns.h).
 * In a type or a check, '@' stands for the quoted column and '#' for its
 * most characters: a context column's limit, the longest op.
 */
typedef struct trail_event_type {
    const char *type;
    const char *not_null;       /* what declares it NOT NULL; NULL: " NOT NULL" */
    const char *check;          /* NULL: none */
    const char *check_nullable; /* when it may be NULL; NULL: check */
} trail_event_type;

/*
 * How migrate changes the CHECK of an existing event table's op column
 * (audit/op_check.c), as the engine allows.
 */
typedef enum trail_check_change {
    /* No ALTER for it: the table's text in sqlite_schema is edited (SQLite). */
    TRAIL_CHECK_SCHEMA_TEXT,
    /* A named constraint of the table, dropped and added again (PostgreSQL). */
    TRAIL_CHECK_CONSTRAINT,
    /* Part of the column's definition, which MODIFY replaces whole, width too (MariaDB). */
    TRAIL_CHECK_MODIFY,
} trail_check_change;

typedef struct trail_dialect {
    /* The driver's name: its folder, its generated files' suffix (shop_pg.c), --drivers. */
    const char *name;
    /* The engine as people call it, for banners: "PostgreSQL". */
    const char *title;

    /* ---- URLs (trail_open) ---- */
    const char *const *url_prefixes; /* NULL-terminated: "postgresql://", "postgres://" */
    bool url_whole;        /* the driver is handed the URL with its prefix (else what follows it) */
    bool url_keywords;     /* it also takes key=value words without "://" (libpq's form) */
    const char *url_forms; /* its URLs in the message on an unknown one: "mysql://…" */

    /* ---- statements ---- */
    char quote;              /* around identifiers: '"' or '`' */
    bool numbered_params;    /* placeholders $1, $2… rather than ? */
    const char *lock_suffix; /* ends a SELECT that locks the rows it reads: " FOR UPDATE" or "" */
    bool returning;          /* INSERT … RETURNING hands back an int64 key */
    /*
     * A failed statement aborts the whole transaction (PostgreSQL), rather
     * than only itself: a statement that may fail without failing the
     * transaction must then run under a savepoint (sync/rows.c).
     */
    bool failure_aborts_tx;
    /*
     * Whether the client writes a record and its change event itself, running
     * the descriptor's insert and remove statements (SQLite). Otherwise the
     * driver writes both in one statement of its own (trail_driver.write_sql),
     * and no insert or remove is generated for it.
     */
    bool client_events;
    size_t identifier_max; /* longest table, column or index name, in bytes */

    /* ---- column types (DDL) ---- */
    /* Per schema type (not ref: see key_*_type); NULL where a format below decides. */
    const char *column_types[TRAIL_TYPE_REF + 1];
    const char *key_ulid_type;  /* a ULID key or a reference to one */
    const char *key_int64_type; /* an int64 key or a reference to one */
    /* The id column after its name, CHECK aside: the primary key, made by the database for int64.
     */
    const char *id_ulid_column;
    const char *id_int64_column;
    /* Text with `max`: a printf format taking it (int64_t), or NULL: the plain type and a CHECK. */
    const char *text_max_type;
    /* Enums: a printf format taking the longest value's length (size_t), or NULL: the plain type.
     */
    const char *enum_type;
    const char *table_options; /* after a CREATE TABLE's closing parenthesis: " STRICT" */
    bool indexes_inline;       /* indexes go inside CREATE TABLE (no CREATE INDEX IF NOT EXISTS) */
    /* ADD COLUMN of a ref adds its foreign key as a clause of its own (MySQL ignores one on the
     * column). */
    bool foreign_key_apart;

    /* The event table's columns, by kind. */
    trail_event_type event_types[TRAIL_EVENT_KINDS];
    trail_check_change op_check_change;

    /* ---- literals and checks (DDL) ---- */
    const char *bool_literals[2]; /* false, true */
    bool literal_backslash;       /* a backslash in a text literal is an escape, and is doubled */
    bool time_as_numbers;         /* dates are day numbers, timestamps milliseconds (SQLite) */
    bool datetime_literals;       /* timestamps read 'YYYY-MM-DD HH:MM:SS.mmm' (no T, no zone) */
    bool long_text_default_expr;  /* JSON and unbounded text defaults must be expressions: ('x') */
    /* CHECKs for values the column types hold more widely than C does: bool, int32, date. */
    bool check_narrow;
    const char *check_text_max; /* format (column, int64_t max), or NULL when the type holds it */
    const char *check_blob_max; /* format (column, int64_t max) */
    const char *check_json;     /* format (column, column), or NULL when the type checks JSON */

    /* ---- stored procedure parameters (where the driver writes through procedures) ---- */
    const char *param_types[TRAIL_TYPE_REF + 1]; /* per schema type; NULL: no procedures */
    const char *param_key_ulid_type;             /* a ULID key or reference */
    const char *param_key_int64_type;
} trail_dialect;

/* Each driver's dialect: trail__dialect_<name>, in driver/<name>/dialect_<name>.c. */
#define TRAIL_DIALECT_DECLARE(name) extern const trail_dialect trail__dialect_##name;
TRAIL_DRIVERS(TRAIL_DIALECT_DECLARE)
#undef TRAIL_DIALECT_DECLARE

/* Every driver's dialect in driver/drivers.h's order, NULL-terminated. */
extern const trail_dialect *const trail__dialects[];

/* trail__dialect_key_type - the column type of a key of kind @key, and of references to it. */
const char *trail__dialect_key_type(const trail_dialect *d, trail_key_kind key);

/*
 * trail__dialect_param_type - the stored procedure parameter type of a value
 * of type @t (for a ref, of key kind @ref_key); NULL where @d has none.
 */
const char *trail__dialect_param_type(const trail_dialect *d, trail_type t, trail_key_kind ref_key);

/*
 * trail__dialect_event_column - append what follows the name of the event
 * table's column @name (audit/event_columns.h) of @kind in @d's DDL: its
 * type, NOT NULL unless @nullable, and its CHECK; @max is the most
 * characters of a TRAIL_EVENT_KIND_CONTEXT column. What trailgen's DDL
 * declares, and what migrate compares an existing table with. Returns
 * TRAIL_OK, TRAIL_ENOMEM, or TRAIL_EARG for a kind @d has no type for.
 */
int trail__dialect_event_column(trail_buf *out, const trail_dialect *d, trail_event_kind kind,
                                const char *name, bool nullable, int max);

/*
 * trail__dialect_event_check - append the condition of that column's CHECK
 * alone (nothing when it has none), as trail__dialect_event_column() puts
 * it in parentheses. Returns TRAIL_OK, TRAIL_ENOMEM or TRAIL_EARG.
 */
int trail__dialect_event_check(trail_buf *out, const trail_dialect *d, trail_event_kind kind,
                               const char *name, bool nullable, int max);

/* trail__dialect_quote - append @name quoted for @d. Returns TRAIL_OK or TRAIL_ENOMEM. */
int trail__dialect_quote(trail_buf *out, const trail_dialect *d, const char *name);

/* trail__dialect_param - append placeholder number @n (from 1) for @d: "?" or "$n". */
int trail__dialect_param(trail_buf *out, const trail_dialect *d, int n);

#endif /* TRAIL_DIALECT_H */
