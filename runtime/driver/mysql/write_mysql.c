/*
 * write_mysql.c - MariaDB's audited writes, one CALL each.
 *
 * MariaDB has no data-modifying CTE, and a prepared statement is sent and
 * answered on its own, so the fewest round trips with bound values is a
 * stored procedure: one per entity and operation, which locks this node's
 * row and the record, checks the version, writes the row, builds
 * old_values, new_values and changed from the rows themselves, reads the
 * node's latest event and inserts the new one with its hash, then answers
 * with one row (write_sql.h) and commits. The client binds exactly what it
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
 * The JSON is written the way trail's C writer (values.c) writes it: keys in
 * schema order, redacted and omitted fields applied, dates as YYYY-MM-DD,
 * timestamps as YYYY-MM-DDTHH:MM:SS.mmmZ in UTC (the session's zone), blobs
 * as unbroken base64, doubles always with a '.' or an exponent. Numbers and
 * string escapes may be spelled differently, where JSON does not care.
 */
#include "core/buf.h"
#include "core/sha256.h"
#include "audit/event_columns.h"
#include "audit/update_sql.h"
#include "audit/values.h"
#include "audit/write_sql.h"
#include "driver/dialect.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The event's parameters, in write_sql.h's order. */
static const char *const event_params[TRAIL_WP_ROW] = {
    "p_event_id", "p_hlc",     "p_node",   "p_tx",    "p_schema_version", "p_user_id",
    "p_request",  "p_session", "p_tenant", "p_trace", "p_span",           "p_ip",
    "p_created",  "p_head",    "p_mid",    "p_op",    "p_tail",
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

/*
 * The last 57-byte piece a blob of 1 GiB may have, the largest
 * max_allowed_packet: value_json() numbers them from 0.
 */
#define BLOB_PIECES_MAX "18837575"

/* Field @f's parameter where it meets its column: EXACT for text. */
static const char *exact(const trail_field *f)
{
    return f->type == TRAIL_TYPE_TEXT || f->type == TRAIL_TYPE_ENUM || f->type == TRAIL_TYPE_JSON
               ? EXACT
               : "";
}

/* The JSON text of @expr, a key of entity @keyed (or a reference to one). */
static int key_json(trail_buf *b, const char *expr, const trail_entity *keyed)
{
    return keyed->key == TRAIL_KEY_INT64
               ? trail__buf_appendf(b, "COALESCE(%s, 'null')", expr)
               : trail__buf_appendf(b, "COALESCE(JSON_QUOTE(%s), 'null')", expr);
}

/* The JSON text of @expr, the column of field @f, never NULL. */
static int value_json(trail_buf *b, const char *expr, const trail_field *f)
{
    switch (f->type) {
    case TRAIL_TYPE_REF:
        return key_json(b, expr, f->ref);
    case TRAIL_TYPE_BOOL:
        return trail__buf_appendf(
            b, "CASE WHEN %s THEN 'true' WHEN NOT %s THEN 'false' ELSE 'null' END", expr, expr);
    case TRAIL_TYPE_INT32:
    case TRAIL_TYPE_INT64:
    case TRAIL_TYPE_JSON: /* as stored */
        return trail__buf_appendf(b, "COALESCE(%s, 'null')", expr);
    case TRAIL_TYPE_DOUBLE: /* MariaDB writes 3.0 as "3", which would read back as an integer */
        return trail__buf_appendf(b,
                                  "COALESCE(IF(LOCATE('.', %s) OR LOCATE('e', %s), CONCAT(%s),"
                                  " CONCAT(%s, '.0')), 'null')",
                                  expr, expr, expr, expr);
    case TRAIL_TYPE_BLOB:
        /*
         * TO_BASE64() breaks its lines every 76 characters, and REPLACE()
         * of every break takes time that grows with the square of the
         * length (12 MB: 20 s). So the value goes in 57-byte pieces, one
         * line each, joined by GROUP_CONCAT() over the sequence engine's
         * numbers, which the row being a constant of the statement makes a
         * range: linear (12 MB: 0.3 s).
         */
        return trail__buf_appendf(b,
                                  "IF(%s IS NULL, 'null', CONCAT('\"', COALESCE((SELECT"
                                  " GROUP_CONCAT(TO_BASE64(SUBSTRING(%s, `seq` * 57 + 1, 57))"
                                  " ORDER BY `seq` SEPARATOR '') FROM `seq_0_to_%s` WHERE `seq` <"
                                  " CEIL(LENGTH(%s) / 57)), ''), '\"'))",
                                  expr, expr, BLOB_PIECES_MAX, expr);
    case TRAIL_TYPE_DATE:
        return trail__buf_appendf(
            b, "COALESCE(CONCAT('\"', DATE_FORMAT(%s, '%%Y-%%m-%%d'), '\"'), 'null')", expr);
    case TRAIL_TYPE_TIMESTAMP:
        return trail__buf_appendf(b,
                                  "COALESCE(CONCAT('\"', LEFT(DATE_FORMAT(%s, "
                                  "'%%Y-%%m-%%dT%%H:%%i:%%s.%%f'), 23), 'Z\"'),"
                                  " 'null')",
                                  expr);
    default: /* text, enums */
        return trail__buf_appendf(b, "COALESCE(JSON_QUOTE(%s), 'null')", expr);
    }
}

/* The event JSON object of the current row's columns: values.c's trail__values_json() in SQL. */
static int row_json(trail_buf *b, const trail_entity *e)
{
    int rc = trail__buf_appendf(b, "CONCAT('{\"id\":', ");
    rc |= key_json(b, "`id`", e);
    rc |= trail__buf_appendf(b, ", ',\"version\":', `version`");
    for (size_t i = 0; i < e->n_fields; i++) {
        const trail_field *f = &e->fields[i];
        if (f->flags & TRAIL_FIELD_OMIT)
            continue;
        rc |= trail__buf_appendf(b, ", ',\"%s\":', ", f->name);
        if (f->flags & TRAIL_FIELD_REDACT) {
            rc |= trail__buf_appendf(b, "'\"[redacted]\"'");
        } else {
            char col[80];
            snprintf(col, sizeof col, "`%s`", f->name);
            rc |= value_json(b, col, f);
        }
    }
    return rc | trail__buf_appendf(b, ", '}')");
}

/* All audited fields as the changed array of a create or delete. */
static int all_changed(trail_buf *b, const trail_entity *e)
{
    int rc = trail__buf_appendf(b, "'[");
    const char *sep = "";
    for (size_t i = 0; i < e->n_fields; i++)
        if (!(e->fields[i].flags & TRAIL_FIELD_OMIT)) {
            rc |= trail__buf_appendf(b, "%s\"%s\"", sep, e->fields[i].name);
            sep = ",";
        }
    return rc | trail__buf_appendf(b, "]'");
}

/* The parameter list: the event's, then the row's for @kind. */
static int params(trail_buf *b, const trail_entity *e, int kind)
{
    int rc = trail__buf_appendf(b, "(");
    for (int i = 0; i < TRAIL_WP_ROW; i++) {
        bool number = i == TRAIL_WP_HLC || i == TRAIL_WP_SCHEMA_VERSION || i == TRAIL_WP_CREATED_AT;
        rc |= trail__buf_appendf(b, "%sIN %s %s", i ? ", " : "", event_params[i],
                                 number ? "BIGINT" : TEXT_TYPE);
    }
    if (kind != TRAIL_WRITE_CREATE || e->key != TRAIL_KEY_INT64)
        rc |= trail__buf_appendf(b, ", IN p_id %s", key_type(e));
    rc |= trail__buf_appendf(b, ", IN p_version BIGINT");
    if (kind == TRAIL_WRITE_UPDATE)
        rc |= trail__buf_appendf(b, ", IN p_mask BIGINT");
    if (kind != TRAIL_WRITE_DELETE)
        for (size_t i = 0; i < e->n_fields; i++)
            rc |= trail__buf_appendf(b, ", IN `p_%s` %s", e->fields[i].name,
                                     param_type(&e->fields[i]));
    return rc | trail__buf_appendf(b, ")");
}

/* MariaDB's ER_WARN_ALLOWED_PACKET_OVERFLOWED: a string longer than max_allowed_packet. */
#define ER_OVERFLOWED 1301

/*
 * v_msg: what is too large in record v_id (still in its table), for
 * TRAIL_EINVALID: the audited text, JSON or blob field whose value weighs
 * most in the event (a blob as base64), or the entity when it has none,
 * and the limit. weigh_mysql.c says the same when the client sees it first.
 */
static int too_large(trail_buf *b, const trail_entity *e)
{
    size_t heavy[TRAIL_MAX_FIELDS], n = 0;
    for (size_t i = 0; i < e->n_fields; i++) {
        const trail_field *f = &e->fields[i];
        if (!(f->flags & (TRAIL_FIELD_OMIT | TRAIL_FIELD_REDACT)) &&
            (f->type == TRAIL_TYPE_TEXT || f->type == TRAIL_TYPE_JSON ||
             f->type == TRAIL_TYPE_BLOB))
            heavy[n++] = i;
    }
    int rc = trail__buf_appendf(b,
                                " SET v_msg = CONCAT('%s: too large for MariaDB: its change event"
                                " would not fit the max_allowed_packet of ', @@max_allowed_packet,"
                                " ' bytes');",
                                e->name);
    if (n == 0)
        return rc;
    rc |= trail__buf_appendf(b, " SELECT CONCAT('%s.', ", e->name);
    if (n == 1) {
        rc |= trail__buf_appendf(b, "'%s'", e->fields[heavy[0]].name);
    } else {
        /* The name of the field whose weight is the greatest of them all. */
        for (int pass = 0; pass < 3; pass++) {
            rc |= trail__buf_appendf(b, pass == 0   ? "ELT(FIELD(GREATEST("
                                        : pass == 1 ? "), "
                                                    : "), ");
            for (size_t k = 0; k < n; k++) {
                const trail_field *f = &e->fields[heavy[k]];
                const char *sep = k ? ", " : "";
                if (pass == 2)
                    rc |= trail__buf_appendf(b, "%s'%s'", sep, f->name);
                else
                    rc |= trail__buf_appendf(b, "%sCOALESCE(LENGTH(`%s`), 0)%s", sep, f->name,
                                             f->type == TRAIL_TYPE_BLOB ? " * 4 DIV 3" : "");
            }
        }
        rc |= trail__buf_appendf(b, ")");
    }
    return rc |
           trail__buf_appendf(b, ", SUBSTRING(v_msg, %zu)) INTO v_msg FROM `%s` WHERE `id` = v_id;",
                              strlen(e->name) + 1, e->table);
}

/*
 * The start: variables, the handlers, then this node's lock in a
 * transaction of the procedure's own, or a savepoint inside the caller's.
 * A string that outgrows max_allowed_packet (an event's JSON, its hashed
 * message) is refused as ER_DATA_TOO_LONG naming the field: TRAIL_EINVALID.
 */
static int begin(trail_buf *b, const trail_entity *e)
{
    int rc = trail__buf_appendf(
        b,
        " MODIFIES SQL DATA BEGIN"
        " DECLARE v_own BOOLEAN DEFAULT @@in_transaction = 0;"
        " DECLARE v_id %s; DECLARE v_found, v_last, v_hlc BIGINT;"
        " DECLARE v_old, v_new, v_changed, v_hash_of LONGTEXT CHARACTER SET utf8mb4 COLLATE "
        "utf8mb4_bin;"
        " DECLARE v_prev CHAR(64) CHARACTER SET ascii; DECLARE v_moved BOOLEAN;"
        " DECLARE v_msg VARCHAR(512) CHARACTER SET utf8mb4;"
        " DECLARE CONTINUE HANDLER FOR NOT FOUND BEGIN END;" /* no row leaves the variables NULL */
        " DECLARE EXIT HANDLER FOR SQLEXCEPTION BEGIN IF v_own THEN ROLLBACK; END IF; RESIGNAL; "
        "END;"
        " DECLARE EXIT HANDLER FOR %d BEGIN",
        key_type(e), ER_OVERFLOWED);
    rc |= too_large(b, e);
    rc |= trail__buf_appendf(b, " IF v_own THEN ROLLBACK; END IF;"
                                " SIGNAL SQLSTATE '22001' SET MYSQL_ERRNO = 1406,"
                                " MESSAGE_TEXT = v_msg; END;");
    /* value_json()'s blobs: GROUP_CONCAT() would cut its result at 1 MB by default. */
    for (size_t i = 0; i < e->n_fields; i++)
        if (e->fields[i].type == TRAIL_TYPE_BLOB) {
            rc |=
                trail__buf_appendf(b, " SET SESSION group_concat_max_len = @@max_allowed_packet;");
            break;
        }
    return rc |
           trail__buf_appendf(b, " IF v_own THEN START TRANSACTION;"
                                 " SELECT 1 INTO v_last FROM `trail_nodes` WHERE `node_id` = p_node"
                                 " FOR UPDATE;"
                                 " ELSE SAVEPOINT trail_call; END IF;");
}

/*
 * The event's hash, once v_id, v_found (the version the event records),
 * v_old, v_new and v_changed are set, and while record v_id is still in
 * its table: after the node's latest event, over the message the client
 * sent in pieces. The message holds nearly all of the event row, which a
 * reader gets as one packet: with TRAIL_EVENT_ROOM for the rest, it must
 * fit max_allowed_packet too.
 */
static int event_hash(trail_buf *b)
{
    return trail__buf_appendf(
        b,
        " SET v_last = NULL, v_prev = NULL;"
        " SELECT `hlc`, `hash` INTO v_last, v_prev FROM `trail_change_events`"
        " WHERE `node_id` = p_node ORDER BY `hlc` DESC LIMIT 1;"
        " SET v_hlc = GREATEST(p_hlc, COALESCE(v_last + 1, p_hlc));"
        " SET v_hash_of = CONCAT(p_head, v_hlc, p_mid, JSON_QUOTE(CONCAT(v_id)), p_op, v_found,"
        " ',', COALESCE(v_old, 'null'), ',', COALESCE(v_new, 'null'), ',', v_changed, p_tail,"
        " COALESCE(CONCAT('\"', v_prev, '\"'), 'null'), ']');"
        " IF LENGTH(v_hash_of) > @@max_allowed_packet - %d THEN"
        " SIGNAL SQLSTATE 'HY000' SET MYSQL_ERRNO = %d; END IF;",
        TRAIL_EVENT_ROOM, ER_OVERFLOWED);
}

/* The event row, after event_hash(). */
static int event_insert(trail_buf *b, const trail_entity *e, const char *op)
{
    return trail__buf_appendf(
        b,
        " INSERT INTO `trail_change_events` (" TRAIL_EVENT_COLUMN_LIST_BQ ")"
        " VALUES (p_event_id, v_hlc, p_node,"
        " p_node, p_tx, '%s', v_id, '%s', v_found, v_old, v_new, v_changed, p_schema_version,"
        " p_user_id, p_request, p_session, p_tenant, p_trace, p_span, p_ip, p_created, v_prev,"
        " SHA2(v_hash_of, 256));",
        e->table, op);
}

/* The answer (write_sql.h): the record as it stands, the version found, the event's hlc. */
static int answer(trail_buf *b, const trail_entity *e)
{
    int rc = trail__buf_appendf(b, " SELECT `id`, `version`");
    for (size_t i = 0; i < e->n_fields; i++)
        rc |= trail__buf_appendf(b, ", `%s`", e->fields[i].name);
    return rc | trail__buf_appendf(b, ", v_found, v_hlc FROM `%s` WHERE `id` = v_id;", e->table);
}

static int end(trail_buf *b)
{
    return trail__buf_appendf(b, " IF v_own THEN COMMIT; ELSE RELEASE SAVEPOINT trail_call; END IF;"
                                 " END");
}

static int body_create(trail_buf *b, const trail_entity *e)
{
    bool own_id = e->key != TRAIL_KEY_INT64;
    int rc = begin(b, e);
    rc |= trail__buf_appendf(b, " INSERT INTO `%s` (%s`version`", e->table, own_id ? "`id`, " : "");
    for (size_t i = 0; i < e->n_fields; i++)
        rc |= trail__buf_appendf(b, ", `%s`", e->fields[i].name);
    rc |= trail__buf_appendf(b, ") VALUES (%sp_version", own_id ? "p_id, " : "");
    for (size_t i = 0; i < e->n_fields; i++)
        rc |= trail__buf_appendf(b, ", `p_%s`", e->fields[i].name);
    rc |= trail__buf_appendf(b, "); SET v_id = %s, v_found = p_version, v_changed = ",
                             own_id ? "p_id" : "LAST_INSERT_ID()");
    rc |= all_changed(b, e);
    rc |= trail__buf_appendf(b, "; SELECT ");
    rc |= row_json(b, e);
    rc |= trail__buf_appendf(b, " INTO v_new FROM `%s` WHERE `id` = v_id;", e->table);
    rc |= event_hash(b);
    rc |= event_insert(b, e, "insert");
    rc |= answer(b, e);
    return rc | end(b);
}

/* Whether an omitted field is set and differs from the locked row's. */
static int omitted_moved(trail_buf *b, const trail_entity *e)
{
    int rc = trail__buf_appendf(b, "FALSE");
    for (size_t i = 0; i < e->n_fields; i++) {
        const trail_field *f = &e->fields[i];
        if (f->flags & TRAIL_FIELD_OMIT)
            rc |= trail__buf_appendf(b, " OR (p_mask & %llu AND NOT (`%s` <=> `p_%s`%s))",
                                     (unsigned long long)1 << i, f->name, f->name, exact(f));
    }
    return rc;
}

static int body_update(trail_buf *b, const trail_entity *e)
{
    int rc = begin(b, e);
    /* Changed: the audited fields set whose value differs, byte for byte. */
    rc |= trail__buf_appendf(b, " SET v_id = p_id; SELECT `version`, ");
    rc |= row_json(b, e);
    rc |= trail__buf_appendf(b, ", CONCAT_WS(','");
    for (size_t i = 0; i < e->n_fields; i++) {
        const trail_field *f = &e->fields[i];
        if (!(f->flags & TRAIL_FIELD_OMIT))
            rc |= trail__buf_appendf(
                b, ", IF(p_mask & %llu AND NOT (`%s` <=> `p_%s`%s), '\"%s\"', NULL)",
                (unsigned long long)1 << i, f->name, f->name, exact(f), f->name);
    }
    /* An omitted field that moved is written too, with an event that names no field. */
    rc |= trail__buf_appendf(b, "), ");
    rc |= omitted_moved(b, e);
    rc |= trail__buf_appendf(b,
                             " INTO v_found, v_old, v_changed, v_moved FROM `%s` WHERE `id` = p_id"
                             " FOR UPDATE;"
                             " IF v_found = p_version AND (v_changed <> '' OR v_moved) THEN"
                             " UPDATE `%s` SET ",
                             e->table, e->table);
    for (size_t i = 0; i < e->n_fields; i++)
        rc |= trail__buf_appendf(b, "`%s` = IF(p_mask & %llu, `p_%s`%s, `%s`), ", e->fields[i].name,
                                 (unsigned long long)1 << i, e->fields[i].name,
                                 exact(&e->fields[i]), e->fields[i].name);
    rc |=
        trail__buf_appendf(b, "`version` = `version` + 1 WHERE `id` = p_id;"
                              " SET v_found = v_found + 1, v_changed = CONCAT('[', v_changed, ']');"
                              " SELECT ");
    rc |= row_json(b, e);
    rc |= trail__buf_appendf(b, " INTO v_new FROM `%s` WHERE `id` = p_id;", e->table);
    rc |= event_hash(b);
    rc |= event_insert(b, e, "update");
    /* The answer's version found is the one before the write. */
    rc |= trail__buf_appendf(b, " SET v_found = v_found - 1; ELSE SET v_hlc = NULL; END IF;");
    rc |= answer(b, e);
    return rc | end(b);
}

static int body_delete(trail_buf *b, const trail_entity *e)
{
    int rc = begin(b, e);
    rc |= trail__buf_appendf(b, " SET v_id = p_id; SELECT `version`, ");
    rc |= row_json(b, e);
    rc |= trail__buf_appendf(b,
                             " INTO v_found, v_old FROM `%s` WHERE `id` = p_id FOR UPDATE;"
                             " IF v_found = p_version THEN SET v_changed = ",
                             e->table);
    rc |= all_changed(b, e);
    rc |= trail__buf_appendf(b, ";");
    rc |= event_hash(b); /* while the row is there to say what is too large */
    rc |= trail__buf_appendf(b, " DELETE FROM `%s` WHERE `id` = p_id;", e->table);
    rc |= event_insert(b, e, "delete");
    rc |= trail__buf_appendf(b, " END IF;");
    /* The row is gone: the answer is the version found, when there was a row. */
    rc |= trail__buf_appendf(b, " SELECT v_id, v_found");
    for (size_t i = 0; i < e->n_fields; i++)
        rc |= trail__buf_appendf(b, ", NULL");
    rc |= trail__buf_appendf(b, ", v_found, v_hlc FROM DUAL WHERE v_found IS NOT NULL;");
    return rc | end(b);
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
    int rc = params(&b, e, kind);
    rc |= kind == TRAIL_WRITE_CREATE   ? body_create(&b, e)
          : kind == TRAIL_WRITE_UPDATE ? body_update(&b, e)
                                       : body_delete(&b, e);
    if (rc) {
        trail__buf_free(&b);
        return NULL;
    }
    char digest[TRAIL_SHA256_HEX_LEN + 1];
    if (trail__sha256_hex(digest, b.data, b.len) < 0) {
        trail__buf_free(&b);
        return NULL;
    }
    /* Identifiers are 64 characters at most: the table's part is cut to fit. */
    snprintf(name, 65, "trail_%.40s_%s_%.12s", e->table, kind_names[kind], digest);
    return b.data;
}

char *trail__mysql_write_sql(const trail_entity *e, int kind, uint64_t mask)
{
    char name[65];
    char *text = procedure(e, kind, name);
    if (!text)
        return NULL;
    free(text);
    trail_buf b = TRAIL_BUF_INIT;
    int rc = trail__buf_appendf(&b, "CALL `%s`(", name);
    for (int i = 0; i < TRAIL_WP_ROW; i++)
        rc |= trail__buf_appendf(&b, "%s?", i ? ", " : "");
    if (kind == TRAIL_WRITE_CREATE) {
        size_t n = e->n_fields + 1 + (e->key != TRAIL_KEY_INT64);
        for (size_t i = 0; i < n; i++)
            rc |= trail__buf_appendf(&b, ", ?");
    } else {
        rc |= trail__buf_appendf(&b, ", ?, ?");
    }
    if (kind == TRAIL_WRITE_UPDATE) {
        rc |= trail__buf_appendf(&b, ", %llu", (unsigned long long)mask);
        for (size_t i = 0; i < e->n_fields; i++)
            rc |= trail__buf_appendf(&b, mask >> i & 1 ? ", ?" : ", NULL");
    }
    rc |= trail__buf_appendf(&b, ")");
    if (rc) {
        trail__buf_free(&b);
        return NULL;
    }
    return b.data;
}

char *trail__mysql_write_setup_sql(const trail_entity *e, int kind)
{
    char name[65];
    char *text = procedure(e, kind, name);
    if (!text)
        return NULL;
    trail_buf b = TRAIL_BUF_INIT;
    int rc = trail__buf_appendf(&b, "CREATE OR REPLACE PROCEDURE `%s`%s", name, text);
    free(text);
    if (rc) {
        trail__buf_free(&b);
        return NULL;
    }
    return b.data;
}
