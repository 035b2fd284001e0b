/*
 * write_mysql.c - MariaDB's audited writes, one CALL each.
 *
 * MariaDB has no data-modifying CTE, and a prepared statement is sent and
 * answered on its own, so the fewest round trips with bound values is a
 * stored procedure: one per entity and operation, which locks the record,
 * checks the version, writes the row, builds old_values, new_values and
 * changed from the rows themselves, reads the record's newest hlc, inserts
 * the event after the head of the connection's lane (audit/lane.h) with its
 * hash, then answers with one row (write_sql.h) and commits. The client binds exactly what it
 * binds for PostgreSQL's statement (write_pg.c); a CALL of an update passes
 * NULL for the fields it does not set and its set of fields as a literal, so
 * one procedure serves every set of fields.
 *
 * Outside trail_begin() the procedure makes its own transaction, rolled
 * back by its handler on any error, so a write is one round trip whatever
 * happens. Inside, it runs under a savepoint that the driver rolls back to
 * when the call failed (conn_mysql.c).
 *
 * The procedures are made by the schema's migrate (trail_schema_migrate()).
 * Each one's name ends in a digest of its text, so a program whose schema
 * or runtime changed the procedure finds it missing until migrate makes it,
 * rather than calling an old one.
 *
 * old_values, new_values and changed are made by event_sql.c from the
 * entity's fields and this file's spelling of each JSON form (my_json), byte
 * for byte as trail's C writer (values.c) makes them.
 */
#include "audit/event_columns.h"
#include "audit/event_sql.h"
#include "audit/update_sql.h"
#include "audit/values.h"
#include "audit/write_sql.h"
#include "core/buf.h"
#include "core/sha256.h"
#include "driver/dialect.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The event's parameters, in write_sql.h's order. */
static const char *const event_params[TRAIL_WP_ROW] = {
    "p_event_id", "p_hlc",     "p_node",    "p_lane",   "p_seq",   "p_tx",   "p_schema_version",
    "p_user_id",  "p_request", "p_session", "p_tenant", "p_trace", "p_span", "p_ip",
    "p_created",  "p_prev",    "p_head",    "p_mid",    "p_op",    "p_tail",
};

/*
 * Text parameters and variables: JSON pieces, which meet the JSON functions'
 * utf8mb4_bin results in CONCAT (two collations there are an error).
 */
#define TEXT_TYPE "LONGTEXT CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"

/*
 * Where a text field's parameter meets its column (is it changed? which
 * value?), it takes the collation that does not pad, explicitly, so that
 * 'a' and 'a ' differ, and so that it meets the column's collation without
 * an error whatever that is: utf8mb4_nopad_bin in tables made since, the
 * padding utf8mb4_bin before, always utf8mb4_bin for JSON.
 */
#define EXACT " COLLATE utf8mb4_nopad_bin"

/* The procedure parameter types of @e's key and of field @f: the dialect's (dialect_mysql.c). */
static const char *key_type(const trail_entity *e)
{
    return trail__dialect_param_type(&trail__dialect_mysql, TRAIL_TYPE_REF, e->key);
}

static const char *param_type(const trail_field *f)
{
    return trail__dialect_param_type(&trail__dialect_mysql, f->type,
                                     f->type == TRAIL_TYPE_REF ? f->ref->key : TRAIL_KEY_ULID);
}

/* Field @f's parameter where it meets its column: EXACT for text. */
static const char *exact(const trail_field *f)
{
    return f->type == TRAIL_TYPE_TEXT || f->type == TRAIL_TYPE_ENUM || f->type == TRAIL_TYPE_JSON
               ? EXACT
               : "";
}

/*
 * A double's text in MariaDB (CONCAT()) is the shortest decimal that reads
 * back the same, as trail__json_double()'s, but laid out otherwise:
 * "1e15", "1e-16" (exponents without '+' or a leading 0), "0.00001" and
 * "1234567890123456.8" (positional down to 1e-15 and up to 17 digits), "3".
 * MY_SCI(d, x) writes the digits d (no zeros around them) with the leading
 * digit's exponent x as trail__json_double() writes it in exponent form.
 */
/* clang-format off */
#define MY_SCI(d, x)                                                                               \
    "CONCAT(IF({v} < 0, '-', ''), LEFT(" d ", 1),"                                                 \
    " IF(LENGTH(" d ") > 1, CONCAT('.', SUBSTRING(" d ", 2)), ''),"                                \
    " 'e', IF(" x " < 0, '-', '+'), LPAD(ABS(" x "), 2, '0'))"
#define MY_BIG_DIGITS   "TRIM(TRAILING '0' FROM REPLACE(CONCAT(ABS({v})), '.', ''))"
#define MY_BIG_EXP      "(LOCATE('.', CONCAT(ABS({v}), '.')) - 2)"
#define MY_SMALL_FRAC   "SUBSTRING(CONCAT(ABS({v})), 3)" /* what follows "0." */
#define MY_SMALL_DIGITS "TRIM(LEADING '0' FROM " MY_SMALL_FRAC ")"
#define MY_SMALL_EXP    "(LENGTH(" MY_SMALL_DIGITS ") - LENGTH(" MY_SMALL_FRAC ") - 1)"
#define MY_DOUBLE                                                                                  \
    "CASE WHEN LOCATE('e', CONCAT({v}))"                                                           \
    " THEN IF(LOCATE('e-', CONCAT({v})), CONCAT({v}), REPLACE(CONCAT({v}), 'e', 'e+'))"            \
    " WHEN ABS({v}) >= 1e15 THEN " MY_SCI(MY_BIG_DIGITS, MY_BIG_EXP)                               \
    " WHEN {v} <> 0 AND ABS({v}) < 1e-4 THEN " MY_SCI(MY_SMALL_DIGITS, MY_SMALL_EXP)               \
    " WHEN LOCATE('.', CONCAT({v})) THEN CONCAT({v})"                                              \
    " ELSE CONCAT({v}, '.0') END"
/* clang-format on */

/*
 * JSON_QUOTE() writes the \u00XX of a control character with capital hex
 * digits, trail's writer (and PostgreSQL) with small ones. Where there is
 * one, the nine that have a letter are made small, every escaped backslash
 * hidden meanwhile, so that a text holding \u000B itself stays as it is.
 * Every REPLACE() keeps the length: one that does not moves the rest of the
 * string at each match, which takes time that grows with the square of the
 * length.
 */
/* clang-format off */
#define MY_NUL2 "CHAR(0, 0 USING utf8mb4)"
#define MY_STRING                                                                                  \
    "IF(LOCATE('\\\\u00', JSON_QUOTE({v})) = 0, JSON_QUOTE({v}),"                                  \
    " REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE("    \
    "JSON_QUOTE({v}), '\\\\\\\\', " MY_NUL2 ")"                                                    \
    ", '\\\\u000B', '\\\\u000b'), '\\\\u000E', '\\\\u000e'), '\\\\u000F', '\\\\u000f')"            \
    ", '\\\\u001A', '\\\\u001a'), '\\\\u001B', '\\\\u001b'), '\\\\u001C', '\\\\u001c')"            \
    ", '\\\\u001D', '\\\\u001d'), '\\\\u001E', '\\\\u001e'), '\\\\u001F', '\\\\u001f')"            \
    ", " MY_NUL2 ", '\\\\\\\\'))"
/* clang-format on */

/*
 * The last 57-byte piece a blob of 1 GiB may have, the largest
 * max_allowed_packet: MY_BASE64 numbers them from 0.
 */
#define BLOB_PIECES_MAX "18837575"

/*
 * TO_BASE64() breaks its lines every 76 characters, and REPLACE() of every
 * break takes time that grows with the square of the length (12 MB: 20 s).
 * So the value goes in 57-byte pieces, one line each, joined by
 * GROUP_CONCAT() over the sequence engine's numbers, which the row being a
 * constant of the statement makes a range: linear (12 MB: 0.3 s).
 */
#define MY_BASE64                                                                                  \
    "IF({v} IS NULL, NULL, CONCAT('\"', COALESCE((SELECT"                                          \
    " GROUP_CONCAT(TO_BASE64(SUBSTRING({v}, `seq` * 57 + 1, 57)) ORDER BY `seq` SEPARATOR '')"     \
    " FROM `seq_0_to_" BLOB_PIECES_MAX "` WHERE `seq` < CEIL(LENGTH({v}) / 57)), ''), '\"'))"

/*
 * The exact spellings are large, and MariaDB prepares every expression of
 * a statement again each time it runs one, the branches it will not take
 * included: MY_DOUBLE and MY_STRING cost an update more than all the rest
 * of its event. For most values one CONCAT() or JSON_QUOTE() is exact, so
 * the procedures spell a row fast first, and spell it again exactly
 * (fix_json()) only when the text holds MY_MARK, which each fast spelling
 * that is not exact holds: a \u00 escape. Text or JSON holding one that is
 * right asks for the second spelling as well, needlessly but harmlessly.
 */
#define MY_MARK "'\\\\u00'"

/*
 * MariaDB's text of a double is trail__json_double()'s, but for the ".0"
 * of a whole number, from 1e-4 up to 1e15 (exclusive), and for 0: tested
 * on every layout's edges and 200,000 doubles of every magnitude and
 * length. Outside, MY_MARK.
 */
#define MY_DOUBLE_FAST                                                                             \
    "IF(ABS({v}) >= 1e15 OR ABS({v}) < 1e-4 AND {v} <> 0, " MY_MARK ","                            \
    " IF(LOCATE('.', CONCAT({v})), CONCAT({v}), CONCAT({v}, '.0')))"

/*
 * JSON_QUOTE() differs from trail__json_string() in the capital hex digits
 * of the nine control characters that MY_STRING makes small (tested on
 * every code point), and those are written \u00XX: MY_MARK.
 */
#define MY_STRING_FAST "JSON_QUOTE({v})"

/* The session's time zone is UTC (conn_mysql.c). */
#define MY_TIMESTAMP "CONCAT('\"', LEFT(DATE_FORMAT({v}, '%Y-%m-%dT%H:%i:%s.%f'), 23), 'Z\"')"

/*
 * MariaDB's spelling of each JSON form (json_form.h), NULL for a NULL
 * value: exact, and fast where that differs, which is the exact one's or
 * holds MY_MARK.
 */
static const struct {
    const char *exact, *fast;
} my_json[] = {
    [TRAIL_JSON_FORM_BOOL] = { "CASE WHEN {v} THEN 'true' WHEN NOT {v} THEN 'false' END", NULL },
    [TRAIL_JSON_FORM_INT] = { "{v}", NULL },
    [TRAIL_JSON_FORM_DOUBLE] = { MY_DOUBLE, MY_DOUBLE_FAST },
    [TRAIL_JSON_FORM_STRING] = { MY_STRING, MY_STRING_FAST },
    [TRAIL_JSON_FORM_BASE64] = { MY_BASE64, NULL },
    [TRAIL_JSON_FORM_DATE] = { "CONCAT('\"', DATE_FORMAT({v}, '%Y-%m-%d'), '\"')", NULL },
    [TRAIL_JSON_FORM_TIMESTAMP] = { MY_TIMESTAMP, NULL },
    [TRAIL_JSON_FORM_JSON] = { "{v}", NULL }, /* as stored */
    [TRAIL_JSON_FORM_REDACTED] = { "'\"[redacted]\"'", NULL },
};
_Static_assert(sizeof my_json / sizeof my_json[0] == TRAIL_JSON_FORM_COUNT,
               "MariaDB spells every JSON form");

/*
 * An event's JSON is a CONCAT() of the current row's columns, the text
 * between two values one literal: each argument costs at each run.
 */
static const trail_event_sql my_object = {
    .column = "`{c}`",
    .object_begin = "CONCAT('{",
    .member = "\"{k}\":', COALESCE({j}, 'null'), '",
    .member_sep = ",",
    .object_end = "}')",
    .member_text = "CONCAT('\"{k}\":', COALESCE({j}, 'null'))",
};

/* An update's field @i moved: it is set, and its parameter differs from its column. */
static void moved(trail_buf *b, const trail_entity *e, size_t i)
{
    const trail_field *f = &e->fields[i];
    trail__buf_appendf(b, "p_mask & %llu AND NOT (`%s` <=> `p_%s`%s)", (unsigned long long)1 << i,
                       f->name, f->name, exact(f));
}

/* The parameter list: the event's, then the row's for @kind. */
static void params(trail_buf *b, const trail_entity *e, int kind)
{
    trail__buf_append_str(b, "(");
    for (int i = 0; i < TRAIL_WP_ROW; i++) {
        bool number = i == TRAIL_WP_HLC || i == TRAIL_WP_SEQ || i == TRAIL_WP_SCHEMA_VERSION ||
                      i == TRAIL_WP_CREATED_AT;
        trail__buf_appendf(b, "%sIN %s %s", i ? ", " : "", event_params[i],
                           number ? "BIGINT" : TEXT_TYPE);
    }
    if (kind != TRAIL_WRITE_CREATE || e->key != TRAIL_KEY_INT64)
        trail__buf_appendf(b, ", IN p_id %s", key_type(e));
    trail__buf_append_str(b, ", IN p_version BIGINT");
    if (kind == TRAIL_WRITE_UPDATE)
        trail__buf_append_str(b, ", IN p_mask BIGINT");
    if (kind != TRAIL_WRITE_DELETE)
        for (size_t i = 0; i < e->n_fields; i++)
            trail__buf_appendf(b, ", IN `p_%s` %s", e->fields[i].name, param_type(&e->fields[i]));
    trail__buf_append_str(b, ")");
}

/* MariaDB's ER_WARN_ALLOWED_PACKET_OVERFLOWED: a string longer than max_allowed_packet. */
#define ER_OVERFLOWED 1301

/* Whether field @f's values weigh in events: text, JSON or blobs, audited and not redacted. */
static bool heavy(const trail_field *f)
{
    return (f->type == TRAIL_TYPE_TEXT || f->type == TRAIL_TYPE_JSON ||
            f->type == TRAIL_TYPE_BLOB) &&
           trail__json_form_audited(f) && trail__json_form_of_field(f) != TRAIL_JSON_FORM_REDACTED;
}

/*
 * v_msg: what is too large in record v_id (still in its table), for
 * TRAIL_EINVALID: the audited text, JSON or blob field whose value weighs
 * most in the event (a blob as base64), or the entity when it has none,
 * and the limit. weigh_mysql.c says the same when the client sees it first.
 */
static void too_large(trail_buf *b, const trail_entity *e)
{
    size_t weigh[TRAIL_MAX_FIELDS], n = 0;
    for (size_t i = 0; i < e->n_fields; i++)
        if (heavy(&e->fields[i]))
            weigh[n++] = i;
    trail__buf_appendf(b,
                       " SET v_msg = CONCAT('%s: too large for MariaDB: its change event"
                       " would not fit the max_allowed_packet of ', @@max_allowed_packet,"
                       " ' bytes');",
                       e->name);
    if (n == 0)
        return;
    trail__buf_appendf(b, " SELECT CONCAT('%s.', ", e->name);
    if (n == 1) {
        trail__buf_appendf(b, "'%s'", e->fields[weigh[0]].name);
    } else {
        /* The name of the field whose weight is the greatest of them all. */
        for (int pass = 0; pass < 3; pass++) {
            trail__buf_append_str(b, pass == 0 ? "ELT(FIELD(GREATEST(" : "), ");
            for (size_t k = 0; k < n; k++) {
                const trail_field *f = &e->fields[weigh[k]];
                const char *sep = k ? ", " : "";
                if (pass == 2)
                    trail__buf_appendf(b, "%s'%s'", sep, f->name);
                else
                    trail__buf_appendf(b, "%sCOALESCE(LENGTH(`%s`), 0)%s", sep, f->name,
                                       f->type == TRAIL_TYPE_BLOB ? " * 4 DIV 3" : "");
            }
        }
        trail__buf_append_str(b, ")");
    }
    trail__buf_appendf(b, ", SUBSTRING(v_msg, %zu)) INTO v_msg FROM `%s` WHERE `id` = v_id;",
                       strlen(e->name) + 1, e->table);
}

/*
 * The start: variables, the handlers, then a transaction of the
 * procedure's own, or a savepoint inside the caller's. No lock is taken
 * but the record's: each connection chains its events in a lane of its own
 * (audit/lane.h).
 * A string that outgrows max_allowed_packet (an event's JSON, its hashed
 * message) is refused as ER_DATA_TOO_LONG naming the field: TRAIL_EINVALID.
 */
static void begin(trail_buf *b, const trail_entity *e)
{
    trail__buf_appendf(
        b,
        " MODIFIES SQL DATA BEGIN"
        " DECLARE v_own BOOLEAN DEFAULT @@in_transaction = 0;"
        " DECLARE v_id %s; DECLARE v_found, v_last, v_hlc BIGINT;"
        " DECLARE v_old, v_new, v_changed, v_hash_of LONGTEXT CHARACTER SET utf8mb4 COLLATE "
        "utf8mb4_bin;"
        " DECLARE v_hash CHAR(64) CHARACTER SET ascii; DECLARE v_moved BOOLEAN;"
        " DECLARE v_msg VARCHAR(512) CHARACTER SET utf8mb4;"
        " DECLARE CONTINUE HANDLER FOR NOT FOUND BEGIN END;" /* no row leaves the variables NULL */
        " DECLARE EXIT HANDLER FOR SQLEXCEPTION BEGIN IF v_own THEN ROLLBACK; END IF; RESIGNAL; "
        "END;"
        " DECLARE EXIT HANDLER FOR %d BEGIN",
        key_type(e), ER_OVERFLOWED);
    too_large(b, e);
    trail__buf_append_str(b, " IF v_own THEN ROLLBACK; END IF;"
                             " SIGNAL SQLSTATE '22001' SET MYSQL_ERRNO = 1406,"
                             " MESSAGE_TEXT = v_msg; END;");
    /* MY_BASE64's GROUP_CONCAT() would cut its result at 1 MB by default. */
    for (size_t i = 0; i < e->n_fields; i++)
        if (trail__json_form_audited(&e->fields[i]) &&
            trail__json_form_of_field(&e->fields[i]) == TRAIL_JSON_FORM_BASE64) {
            trail__buf_append_str(b, " SET SESSION group_concat_max_len = @@max_allowed_packet;");
            break;
        }
    trail__buf_append_str(b,
                          " IF v_own THEN START TRANSACTION; ELSE SAVEPOINT trail_call; END IF;");
}

/*
 * The event's hlc and hash, once v_id, v_found (the version the event
 * records), v_old, v_new and v_changed are set, and while record v_id is
 * still in its table: the hlc raised above the record's newest event's
 * when it may have events (@has_events), the hash over the message the
 * client sent in pieces. The message holds nearly all of the event row,
 * which a reader gets as one packet: with TRAIL_EVENT_ROOM for the rest, it
 * must fit max_allowed_packet too.
 */
static void event_hash(trail_buf *b, const trail_entity *e, bool has_events)
{
    if (has_events)
        trail__buf_appendf(b,
                           " SET v_last = NULL;"
                           " SELECT max(`hlc`) INTO v_last FROM `trail_change_events`"
                           " WHERE `table_name` = '%s' AND `record_id` = CONCAT(v_id);"
                           " SET v_hlc = GREATEST(p_hlc, COALESCE(v_last + 1, p_hlc));",
                           e->table);
    else
        trail__buf_append_str(b, " SET v_hlc = p_hlc;");
    trail__buf_appendf(
        b,
        " SET v_hash_of = CONCAT(p_head, v_hlc, p_mid, JSON_QUOTE(CONCAT(v_id)), p_op, v_found,"
        " ',', COALESCE(v_old, 'null'), ',', COALESCE(v_new, 'null'), ',', v_changed, p_tail);"
        " IF LENGTH(v_hash_of) > @@max_allowed_packet - %d THEN"
        " SIGNAL SQLSTATE 'HY000' SET MYSQL_ERRNO = %d; END IF;"
        " SET v_hash = SHA2(v_hash_of, 256);",
        TRAIL_EVENT_ROOM, ER_OVERFLOWED);
}

/* The event row, after event_hash(). */
static void event_insert(trail_buf *b, const trail_entity *e, const char *op)
{
    trail__buf_appendf(
        b,
        " INSERT INTO `trail_change_events` (" TRAIL_EVENT_COLUMN_LIST_BQ ")"
        " VALUES (p_event_id, v_hlc, p_node, p_lane, p_seq, p_tx, '%s', v_id, '%s', v_found,"
        " v_old, v_new, v_changed, p_schema_version,"
        " p_user_id, p_request, p_session, p_tenant, p_trace, p_span, p_ip, p_created, p_prev,"
        " v_hash);",
        e->table, op);
}

/* The answer (write_sql.h): the record as it stands, the version found, the event's hlc and hash.
 */
static void answer(trail_buf *b, const trail_entity *e)
{
    trail__buf_append_str(b, " SELECT `id`, `version`");
    for (size_t i = 0; i < e->n_fields; i++)
        trail__buf_appendf(b, ", `%s`", e->fields[i].name);
    trail__buf_appendf(b, ", v_found, v_hlc, v_hash FROM `%s` WHERE `id` = v_id;", e->table);
}

static void end(trail_buf *b)
{
    trail__buf_append_str(b, " IF v_own THEN COMMIT; ELSE RELEASE SAVEPOINT trail_call; END IF;"
                             " END");
}

/* MariaDB's spelling of every JSON form, @fast or exact. */
static void spelling(trail_event_sql *d, bool fast)
{
    *d = my_object;
    for (int i = 0; i < TRAIL_JSON_FORM_COUNT; i++)
        d->form[i] = fast && my_json[i].fast ? my_json[i].fast : my_json[i].exact;
}

/* The event JSON of the row that the statement after it selects, @fast or exact. */
static void row_json(trail_buf *b, const trail_entity *e, bool fast)
{
    trail_event_sql d;
    spelling(&d, fast);
    trail__event_sql_object(b, &d, e, NULL);
}

/* An update's old_values: the fields of the row selected that moved, @fast or exact. */
static void old_json(trail_buf *b, const trail_entity *e, bool fast)
{
    trail_event_sql d;
    spelling(&d, fast);
    trail__event_sql_object_moved(b, &d, e, NULL, moved);
}

/*
 * After @var got @json's fast spelling of the row whose id is @id: the
 * exact one, if that is not it. The row is read again as it was read
 * first (@lock: " FOR UPDATE" or ""), so that both reads see the same
 * version of it whatever the session's isolation level.
 */
static void fix_json(trail_buf *b, const trail_entity *e,
                     void (*json)(trail_buf *b, const trail_entity *e, bool fast), const char *var,
                     const char *id, const char *lock)
{
    /* Byte by byte: LOCATE() by the characters of utf8mb4 costs five times as much. */
    trail__buf_appendf(b, " IF LOCATE(BINARY " MY_MARK ", %s) THEN SELECT ", var);
    json(b, e, false);
    trail__buf_appendf(b, " INTO %s FROM `%s` WHERE `id` = %s%s; END IF;", var, e->table, id, lock);
}

static void body_create(trail_buf *b, const trail_entity *e)
{
    bool own_id = e->key != TRAIL_KEY_INT64;
    begin(b, e);
    trail__buf_appendf(b, " INSERT INTO `%s` (%s`version`", e->table, own_id ? "`id`, " : "");
    for (size_t i = 0; i < e->n_fields; i++)
        trail__buf_appendf(b, ", `%s`", e->fields[i].name);
    trail__buf_appendf(b, ") VALUES (%sp_version", own_id ? "p_id, " : "");
    for (size_t i = 0; i < e->n_fields; i++)
        trail__buf_appendf(b, ", `p_%s`", e->fields[i].name);
    trail__buf_appendf(b, "); SET v_id = %s, v_found = p_version, v_changed = ",
                       own_id ? "p_id" : "LAST_INSERT_ID()");
    trail__event_sql_changed_all(b, e);
    trail__buf_append_str(b, "; SELECT ");
    row_json(b, e, true);
    trail__buf_appendf(b, " INTO v_new FROM `%s` WHERE `id` = v_id;", e->table);
    fix_json(b, e, row_json, "v_new", "v_id", "");
    event_hash(b, e, false);
    event_insert(b, e, "insert");
    answer(b, e);
    end(b);
}

/* Whether an omitted field is set and differs from the locked row's. */
static void omitted_moved(trail_buf *b, const trail_entity *e)
{
    trail__buf_append_str(b, "FALSE");
    for (size_t i = 0; i < e->n_fields; i++)
        if (!trail__json_form_audited(&e->fields[i])) {
            trail__buf_append_str(b, " OR (");
            moved(b, e, i);
            trail__buf_append_str(b, ")");
        }
}

static void body_update(trail_buf *b, const trail_entity *e)
{
    begin(b, e);
    /* Changed: the audited fields set whose value differs, byte for byte. */
    trail__buf_append_str(b, " SET v_id = p_id; SELECT `version`, ");
    old_json(b, e, true);
    trail__buf_append_str(b, ", ");
    trail__event_sql_changed(b, e, moved);
    /* An omitted field that moved is written too, with an event that names no field. */
    trail__buf_append_str(b, ", ");
    omitted_moved(b, e);
    trail__buf_appendf(b,
                       " INTO v_found, v_old, v_changed, v_moved FROM `%s` WHERE `id` = p_id"
                       " FOR UPDATE;"
                       " IF v_found = p_version AND (v_changed <> '[]' OR v_moved) THEN",
                       e->table);
    fix_json(b, e, old_json, "v_old", "p_id", " FOR UPDATE");
    trail__buf_appendf(b, " UPDATE `%s` SET ", e->table);
    for (size_t i = 0; i < e->n_fields; i++)
        trail__buf_appendf(b, "`%s` = IF(p_mask & %llu, `p_%s`%s, `%s`), ", e->fields[i].name,
                           (unsigned long long)1 << i, e->fields[i].name, exact(&e->fields[i]),
                           e->fields[i].name);
    trail__buf_append_str(b, "`version` = `version` + 1 WHERE `id` = p_id;"
                             " SET v_found = v_found + 1; SELECT ");
    row_json(b, e, true);
    trail__buf_appendf(b, " INTO v_new FROM `%s` WHERE `id` = p_id;", e->table);
    fix_json(b, e, row_json, "v_new", "p_id", "");
    event_hash(b, e, true);
    event_insert(b, e, "update");
    /* The answer's version found is the one before the write. */
    trail__buf_append_str(b, " SET v_found = v_found - 1; ELSE SET v_hlc = NULL; END IF;");
    answer(b, e);
    end(b);
}

static void body_delete(trail_buf *b, const trail_entity *e)
{
    begin(b, e);
    trail__buf_append_str(b, " SET v_id = p_id; SELECT `version`, ");
    row_json(b, e, true);
    trail__buf_appendf(b,
                       " INTO v_found, v_old FROM `%s` WHERE `id` = p_id FOR UPDATE;"
                       " IF v_found = p_version THEN",
                       e->table);
    fix_json(b, e, row_json, "v_old", "p_id", " FOR UPDATE");
    trail__buf_append_str(b, " SET v_changed = ");
    trail__event_sql_changed_all(b, e);
    trail__buf_append_str(b, ";");
    event_hash(b, e, true); /* while the row is there to say what is too large */
    trail__buf_appendf(b, " DELETE FROM `%s` WHERE `id` = p_id;", e->table);
    event_insert(b, e, "delete");
    trail__buf_append_str(b, " END IF;");
    /* The row is gone: the answer is the version found, when there was a row. */
    trail__buf_append_str(b, " SELECT v_id, v_found");
    for (size_t i = 0; i < e->n_fields; i++)
        trail__buf_append_str(b, ", NULL");
    trail__buf_append_str(b, ", v_found, v_hlc, v_hash FROM DUAL WHERE v_found IS NOT NULL;");
    end(b);
}

static const char *const kind_names[] = { NULL, "create", "update", "delete" };

/*
 * The procedure's name and text for @kind of @e: *@name (64 bytes at
 * least) gets trail_<table>_<kind>_<digest>; returns the text after the
 * name (parameters and body), which the caller frees, or NULL.
 */
static char *procedure(const trail_entity *e, int kind, char name[65])
{
    trail_buf b = TRAIL_BUF_INIT;
    params(&b, e, kind);
    if (kind == TRAIL_WRITE_CREATE)
        body_create(&b, e);
    else if (kind == TRAIL_WRITE_UPDATE)
        body_update(&b, e);
    else
        body_delete(&b, e);
    char *text = trail__buf_finish(&b);
    char digest[TRAIL_SHA256_HEX_LEN + 1];
    if (!text || trail__sha256_hex(digest, text, strlen(text)) < 0) {
        free(text);
        return NULL;
    }
    /* Identifiers are 64 characters at most: the table's part is cut to fit. */
    snprintf(name, 65, "trail_%.40s_%s_%.12s", e->table, kind_names[kind], digest);
    return text;
}

char *trail__mysql_write_sql(const trail_entity *e, int kind, uint64_t mask)
{
    char name[65];
    char *text = procedure(e, kind, name);
    if (!text)
        return NULL;
    free(text);
    trail_buf b = TRAIL_BUF_INIT;
    trail__buf_appendf(&b, "CALL `%s`(", name);
    for (int i = 0; i < TRAIL_WP_ROW; i++)
        trail__buf_append_str(&b, i ? ", ?" : "?");
    if (kind == TRAIL_WRITE_CREATE) {
        size_t n = e->n_fields + 1 + (e->key != TRAIL_KEY_INT64);
        for (size_t i = 0; i < n; i++)
            trail__buf_append_str(&b, ", ?");
    } else {
        trail__buf_append_str(&b, ", ?, ?");
    }
    if (kind == TRAIL_WRITE_UPDATE) {
        trail__buf_appendf(&b, ", %llu", (unsigned long long)mask);
        for (size_t i = 0; i < e->n_fields; i++)
            trail__buf_append_str(&b, mask >> i & 1 ? ", ?" : ", NULL");
    }
    trail__buf_append_str(&b, ")");
    return trail__buf_finish(&b);
}

char *trail__mysql_write_setup_sql(const trail_entity *e, int kind)
{
    char name[65];
    char *text = procedure(e, kind, name);
    if (!text)
        return NULL;
    trail_buf b = TRAIL_BUF_INIT;
    trail__buf_appendf(&b, "CREATE OR REPLACE PROCEDURE `%s`%s", name, text);
    free(text);
    return trail__buf_finish(&b);
}
