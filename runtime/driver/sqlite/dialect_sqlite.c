/*
 * dialect_sqlite.c - SQLite's SQL (driver/dialect.h).
 *
 * Tables are STRICT, so the column types are the five SQLite knows, and
 * CHECKs narrow them to what the C types hold; dates are stored as day
 * numbers and timestamps as milliseconds (the C values, exactly). Text
 * compares byte-wise, as on the other engines.
 */
#include "driver/dialect.h"

#include <inttypes.h>
#include <stdint.h>

static const char *const url_prefixes[] = { "sqlite:", NULL };

const trail_dialect trail__dialect_sqlite = {
    .name = "sqlite",
    .title = "SQLite",
    .url_prefixes = url_prefixes,
    .url_forms = "sqlite:PATH, sqlite::memory:",

    .quote = '"',
    .lock_suffix = "", /* BEGIN IMMEDIATE holds the database's one write lock */
    .returning = true,
    .failure_aborts_tx = false,
    .client_events = true,
    .identifier_max = SIZE_MAX,

    .column_types = {
        [TRAIL_TYPE_BOOL] = "INTEGER",
        [TRAIL_TYPE_INT32] = "INTEGER",
        [TRAIL_TYPE_INT64] = "INTEGER",
        [TRAIL_TYPE_DOUBLE] = "REAL",
        [TRAIL_TYPE_TEXT] = "TEXT",
        [TRAIL_TYPE_BLOB] = "BLOB",
        [TRAIL_TYPE_DATE] = "INTEGER",
        [TRAIL_TYPE_TIMESTAMP] = "INTEGER",
        [TRAIL_TYPE_JSON] = "TEXT",
        [TRAIL_TYPE_ENUM] = "TEXT",
    },
    .key_ulid_type = "TEXT",
    .key_int64_type = "INTEGER",
    .id_ulid_column = "TEXT PRIMARY KEY NOT NULL",
    /* AUTOINCREMENT: an id is never handed out again, even after its row is deleted. */
    .id_int64_column = "INTEGER PRIMARY KEY AUTOINCREMENT",
    .table_options = " STRICT",

    .event_types = {
        [TRAIL_EVENT_KIND_ULID_KEY] = { "TEXT", " PRIMARY KEY NOT NULL", "length(@) = 26", NULL },
        [TRAIL_EVENT_KIND_ULID] = { "TEXT", NULL, NULL, NULL },
        [TRAIL_EVENT_KIND_INT64] = { "INTEGER", NULL, NULL, NULL },
        [TRAIL_EVENT_KIND_NODE] = { "TEXT", NULL, NULL, NULL },
        [TRAIL_EVENT_KIND_RECORD] = { "TEXT", NULL, NULL, NULL },
        [TRAIL_EVENT_KIND_NAME] = { "TEXT", NULL, NULL, NULL },
        [TRAIL_EVENT_KIND_OP] = { "TEXT", NULL, TRAIL_EVENT_OPS_CHECK, NULL },
        /* json_valid(NULL) is 0 before SQLite 3.45, not NULL. */
        [TRAIL_EVENT_KIND_JSON] = { "TEXT", NULL, "json_valid(@)", "@ IS NULL OR json_valid(@)" },
        [TRAIL_EVENT_KIND_CONTEXT] = { "TEXT", NULL, "length(@) <= #", NULL },
        [TRAIL_EVENT_KIND_HASH] = { "TEXT", NULL, NULL, NULL },
    },
    .op_check_change = TRAIL_CHECK_SCHEMA_TEXT,

    .bool_literals = { "0", "1" },
    .time_as_numbers = true,
    .check_narrow = true,
    .check_text_max = "length(%s) <= %" PRId64,
    .check_blob_max = "length(%s) <= %" PRId64,
    /* json_valid(NULL) is 0 before SQLite 3.45, not NULL. */
    .check_json = "%s IS NULL OR json_valid(%s)",
};
