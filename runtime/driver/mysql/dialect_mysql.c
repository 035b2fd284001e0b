/*
 * dialect_mysql.c - MariaDB's (and MySQL's) SQL (driver/dialect.h).
 *
 * Tables default to utf8mb4_nopad_bin, so that text compares byte for byte,
 * trailing spaces included, as on the other engines (MariaDB's utf8mb4_bin
 * pads: 'a' = 'a '). ULID columns are ascii_bin, a quarter of the index:
 * it pads too, but a ULID never ends in a space, and the runtime sends no id
 * that is not one. Identifiers are backquoted, so no sql_mode (ANSI_QUOTES)
 * is needed.
 */
#include "driver/dialect.h"

#include <inttypes.h>

static const char *const url_prefixes[] = { "mysql://", "mariadb://", NULL };

/*
 * Text parameters of the procedures: JSON pieces, which meet the JSON
 * functions' utf8mb4_bin results in CONCAT (two collations there are an
 * error).
 */
#define TEXT_PARAM "LONGTEXT CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"

/* Ids (ULIDs, nodes, records): ASCII, a quarter of utf8mb4's index. */
#define ASCII_ID " CHARACTER SET ascii COLLATE ascii_bin"

const trail_dialect trail__dialect_mysql = {
    .name = "mysql",
    .title = "MySQL/MariaDB",
    .url_prefixes = url_prefixes,
    .url_whole = true, /* mysql_url.c splits it */
    .url_forms = "mysql://…",

    .quote = '`',
    .lock_suffix = " FOR UPDATE",
    .returning = false, /* no RETURNING: an int64 key comes back from write_mysql.c's procedures */
    .failure_aborts_tx = false,
    .identifier_max = 64,

    .column_types = {
        [TRAIL_TYPE_BOOL] = "BOOLEAN",
        [TRAIL_TYPE_INT32] = "INT",
        [TRAIL_TYPE_INT64] = "BIGINT",
        [TRAIL_TYPE_DOUBLE] = "DOUBLE",
        [TRAIL_TYPE_TEXT] = "LONGTEXT",
        [TRAIL_TYPE_BLOB] = "LONGBLOB",
        [TRAIL_TYPE_DATE] = "DATE",
        [TRAIL_TYPE_TIMESTAMP] = "DATETIME(3)",
        [TRAIL_TYPE_JSON] = "JSON",
    },
    .key_ulid_type = "CHAR(26)" ASCII_ID,
    .key_int64_type = "BIGINT",
    .id_ulid_column = "CHAR(26)" ASCII_ID " NOT NULL PRIMARY KEY",
    /* InnoDB keeps the counter across restarts (MariaDB 10.2.4 on): no id is handed out twice. */
    .id_int64_column = "BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY",
    .text_max_type = "VARCHAR(%" PRId64 ")",
    .enum_type = "VARCHAR(%zu)",
    .table_options = " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_nopad_bin",
    .indexes_inline = true, /* MySQL has no CREATE INDEX IF NOT EXISTS */
    .foreign_key_apart = true,

    .event_types = {
        [TRAIL_EVENT_KIND_ULID_KEY] = { "CHAR(26)" ASCII_ID, " NOT NULL PRIMARY KEY", NULL, NULL },
        [TRAIL_EVENT_KIND_ULID] = { "CHAR(26)" ASCII_ID, NULL, NULL, NULL },
        [TRAIL_EVENT_KIND_INT64] = { "BIGINT", NULL, NULL, NULL },
        [TRAIL_EVENT_KIND_NODE] = { "VARCHAR(64)" ASCII_ID, NULL, NULL, NULL },
        [TRAIL_EVENT_KIND_RECORD] = { "VARCHAR(64)" ASCII_ID, NULL, NULL, NULL },
        [TRAIL_EVENT_KIND_NAME] = { "VARCHAR(64)", NULL, NULL, NULL },
        [TRAIL_EVENT_KIND_OP] = { "VARCHAR(#)", NULL, TRAIL_EVENT_OPS_CHECK, NULL },
        [TRAIL_EVENT_KIND_JSON] = { "JSON", NULL, NULL, NULL },
        [TRAIL_EVENT_KIND_CONTEXT] = { "VARCHAR(#)", NULL, NULL, NULL },
        [TRAIL_EVENT_KIND_HASH] = { "CHAR(64) CHARACTER SET ascii", NULL, NULL, NULL },
    },
    .op_check_change = TRAIL_CHECK_MODIFY,

    .bool_literals = { "FALSE", "TRUE" },
    .literal_backslash = true,
    .datetime_literals = true,
    .long_text_default_expr = true, /* MySQL 8 */
    .check_blob_max = "length(%s) <= %" PRId64,

    .param_types = {
        [TRAIL_TYPE_BOOL] = "BOOLEAN",
        [TRAIL_TYPE_INT32] = "BIGINT",
        [TRAIL_TYPE_INT64] = "BIGINT",
        [TRAIL_TYPE_DOUBLE] = "DOUBLE",
        [TRAIL_TYPE_TEXT] = TEXT_PARAM,
        [TRAIL_TYPE_BLOB] = "LONGBLOB",
        [TRAIL_TYPE_DATE] = "DATE",
        [TRAIL_TYPE_TIMESTAMP] = "DATETIME(3)",
        [TRAIL_TYPE_JSON] = TEXT_PARAM,
        [TRAIL_TYPE_ENUM] = TEXT_PARAM,
    },
    .param_key_ulid_type = "VARCHAR(64)" ASCII_ID,
    .param_key_int64_type = "BIGINT",
};
