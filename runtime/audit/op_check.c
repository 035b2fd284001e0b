/*
 * op_check.c - the CHECK of an existing event table's op column brought to
 * the ops of this release (op_check.h).
 */
#include "audit/op_check.h"
#include "audit/event_columns.h"
#include "core/buf.h"
#include "driver/sql.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#define EVENTS "trail_change_events"
#define OP     "op"

/* The column checked is the event table's op: a compile error here if it were renamed. */
_Static_assert(TRAIL_EV_op >= 0, "the event table has an op column");

#define OP_NAME(op) #op,
static const char *const ops[] = { TRAIL_EVENT_OP_TABLE(OP_NAME, ) };
#undef OP_NAME
enum { N_OPS = sizeof ops / sizeof *ops };
#define EVERY_OP ((1u << N_OPS) - 1)

/*
 * The ops that the SQL text @text names as string literals, one bit each
 * in the list's order; -1 when it names any other literal, so that the
 * CHECK may admit something the list does not.
 */
static long ops_named(const char *text, size_t len)
{
    unsigned long named = 0;
    const char *end = text + len;
    for (const char *p = text; p < end; p++) {
        if (*p != '\'')
            continue;
        const char *start = ++p;
        /* A quote doubled inside a literal makes it no op, which is all that is asked. */
        while (p < end && *p != '\'')
            p++;
        size_t n = (size_t)(p - start);
        int found = -1;
        for (int i = 0; i < N_OPS && found < 0; i++)
            if (strlen(ops[i]) == n && memcmp(ops[i], start, n) == 0)
                found = i;
        if (found < 0)
            return -1;
        named |= 1ul << found;
    }
    return (long)named;
}

/* What the catalog said of the column (trail_runtime_sql.op_checks). */
typedef struct found {
    int checks;      /* CHECKs on the column */
    bool current;    /* each of them names every op and no other */
    trail_buf text;  /* the first CHECK's text; SQLite: the table's CREATE TABLE */
    trail_buf type;  /* the column's type, where the catalog gives it */
    trail_buf drops; /* "DROP CONSTRAINT name, " for each CHECK */
    trail_buf name;  /* the first CHECK's name, quoted */
} found;

static int read_check(trail_conn *db, void *row, void *userdata)
{
    found *f = userdata;
    static const trail_vtype types[3] = { TRAIL_V_TEXT, TRAIL_V_TEXT, TRAIL_V_TEXT };
    trail_value v[3];
    int rc = trail__row_read(db, row, types, v, 3);
    if (rc < 0)
        return rc;
    if (v[2].type != TRAIL_V_NULL && !f->type.len)
        trail__buf_append(&f->type, v[2].s, v[2].n);
    if (v[1].type == TRAIL_V_NULL)
        return 0;
    if (f->checks++ == 0) {
        f->current = true;
        trail__buf_append(&f->text, v[1].s, v[1].n);
        if (v[0].type != TRAIL_V_NULL)
            trail__buf_append(&f->name, v[0].s, v[0].n);
    }
    f->current = f->current && ops_named(v[1].s, v[1].n) == EVERY_OP;
    if (v[0].type != TRAIL_V_NULL)
        trail__buf_appendf(&f->drops, "DROP CONSTRAINT %.*s, ", (int)v[0].n, v[0].s);
    rc = f->text.err   ? f->text.err
         : f->type.err ? f->type.err
         : f->name.err ? f->name.err
                       : f->drops.err;
    return rc < 0 ? trail__err_set(&db->err, rc, "out of memory") : 0;
}

/* Sets db's error to say that changing the op CHECK failed at @step, with what the engine said. */
static int failed(trail_conn *db, int rc, const char *step)
{
    char said[512];
    snprintf(said, sizeof said, "%s", trail__err_message(&db->err));
    return trail__err_set(&db->err, rc,
                          "migrate: cannot change the op CHECK of " EVENTS " (%s): %s", step, said);
}

/*
 * Where the definition of the column @col (quoted) starts and ends in the
 * CREATE TABLE text @sql: from its name to the comma or parenthesis that
 * ends it, parentheses and quoted text inside skipped. False when absent.
 */
static bool column_span(const char *sql, const char *col, size_t *start, size_t *end)
{
    size_t n = strlen(col);
    for (const char *p = strstr(sql, col); p; p = strstr(p + 1, col)) {
        if (p == sql || !strchr(" \t\n(,", p[-1]) || p[n] != ' ')
            continue;
        int depth = 0;
        const char *q = p + n;
        for (; *q && !(depth == 0 && (*q == ',' || *q == ')')); q++) {
            if (*q == '\'' || *q == '"') {
                const char *close = strchr(q + 1, *q);
                if (!close)
                    return false;
                q = close;
            } else if (*q == '(') {
                depth++;
            } else if (*q == ')') {
                depth--;
            }
        }
        if (!*q)
            return false;
        while (q > p && strchr(" \t\n", q[-1]))
            q--;
        *start = (size_t)(p - sql);
        *end = (size_t)(q - sql);
        return true;
    }
    return false;
}

/*
 * SQLite: the op column's definition in the table's text @table replaced by
 * @def (its name and what follows), as SQLite's documentation of ALTER
 * TABLE allows for a CHECK that admits more than before: the text edited
 * in sqlite_schema, the schema version raised so that every connection
 * reads the table again, in the caller's transaction.
 */
static int edit_schema_text(trail_conn *db, const char *table, const char *def, const char *col,
                            const char *prefix)
{
    size_t start, end;
    trail_buf text = TRAIL_BUF_INIT;
    int64_t version = -1;
    bool writable = false;
    int rc;
    if (!column_span(table, col, &start, &end)) {
        rc = trail__err_set(&db->err, TRAIL_EDB,
                            "migrate: the CREATE TABLE of " EVENTS " has no column %s", col);
        goto out;
    }
    if (end - start == strlen(def) && memcmp(table + start, def, end - start) == 0) {
        rc = TRAIL_OK;
        goto out;
    }
    /*
     * Only what the DDL made, bar the ops its CHECK admits: the text may be
     * edited only when every stored event satisfies the new CHECK, which no
     * one checks again, and a type changed in the text alone would misread
     * the stored values.
     */
    size_t p = strlen(prefix);
    if (end - start < p || memcmp(table + start, prefix, p) != 0 ||
        strncmp(table + start + p, " CHECK (", 8) != 0 ||
        ops_named(table + start, end - start) < 0) {
        rc = trail__err_set(&db->err, TRAIL_EDB,
                            "migrate: the op column of " EVENTS " is not one an older trail made, "
                            "so its CHECK is left as it is: %.*s",
                            (int)(end - start), table + start);
        goto out;
    }
    trail__buf_append(&text, table, start);
    trail__buf_append_str(&text, def);
    trail__buf_append_str(&text, table + end);
    if (text.err < 0) {
        rc = trail__err_set(&db->err, text.err, "out of memory");
        goto out;
    }
    if ((rc = trail__conn_query_int(db, "PRAGMA schema_version", NULL, 0, &version)) < 0) {
        rc = failed(db, rc, "reading the schema version");
        goto out;
    }
    if ((rc = db->drv->exec(db, "PRAGMA writable_schema=ON")) < 0) {
        rc = failed(db, rc, "PRAGMA writable_schema");
        goto out;
    }
    writable = true;
    trail_value v = trail_v_text(text.data);
    if ((rc = db->drv->query_once(db,
                                  "UPDATE \"sqlite_schema\" SET \"sql\" = ?"
                                  " WHERE \"type\" = 'table' AND \"name\" = '" EVENTS "'",
                                  &v, 1, NULL, NULL, NULL)) < 0) {
        rc = failed(db, rc, "writing its text in sqlite_schema");
        goto out;
    }
    char bump[64];
    snprintf(bump, sizeof bump, "PRAGMA schema_version=%" PRId64, version + 1);
    if ((rc = db->drv->exec(db, bump)) < 0) {
        rc = failed(db, rc, "raising the schema version");
        goto out;
    }
    rc = TRAIL_OK;
out:
    if (writable) {
        int off = db->drv->exec(db, "PRAGMA writable_schema=OFF");
        if (rc == TRAIL_OK && off < 0)
            rc = failed(db, off, "PRAGMA writable_schema=OFF");
    }
    trail__buf_free(&text);
    return rc;
}

/* Whether the catalog's type @type is the type @def (the DDL's, NOT NULL and CHECK after it) starts
 * with. */
static bool same_type(const char *type, const char *def)
{
    size_t n = strlen(type);
    return strncasecmp(type, def, n) == 0 && def[n] == ' ';
}

int trail__events_op_check(trail_conn *db)
{
    const trail_dialect *d = db->drv->dialect;
    found f = { 0, false, TRAIL_BUF_INIT, TRAIL_BUF_INIT, TRAIL_BUF_INIT, TRAIL_BUF_INIT };
    trail_buf col = TRAIL_BUF_INIT, def = TRAIL_BUF_INIT, prefix = TRAIL_BUF_INIT;
    trail_buf check = TRAIL_BUF_INIT, alter = TRAIL_BUF_INIT, whole = TRAIL_BUF_INIT;
    int rc;
    /* What the DDL makes now: the column's type after its name, and its CHECK. */
    if ((rc = trail__dialect_quote(&col, d, OP)) < 0 ||
        (rc = trail__dialect_event_column(&def, d, TRAIL_EVENT_KIND_OP, OP, false, 0)) < 0 ||
        (rc = trail__dialect_event_check(&check, d, TRAIL_EVENT_KIND_OP, OP, false, 0)) < 0) {
        rc = trail__err_set(&db->err, rc, "out of memory");
        goto out;
    }
    if ((rc = db->drv->query(db, db->drv->sql->op_checks, NULL, 0, read_check, &f, NULL)) < 0) {
        rc = failed(db, rc, "reading it from the catalog");
        goto out;
    }
    switch (d->op_check_change) {
    case TRAIL_CHECK_SCHEMA_TEXT: {
        const char *cut = strstr(def.data, " CHECK (");
        int keep = (int)(cut ? (size_t)(cut - def.data) : def.len);
        trail__buf_appendf(&prefix, "%s %.*s", col.data, keep, def.data);
        trail__buf_appendf(&whole, "%s %s", col.data, def.data);
        if (prefix.err < 0 || whole.err < 0)
            rc = trail__err_set(&db->err, TRAIL_ENOMEM, "out of memory");
        else if (!f.text.len)
            rc = trail__err_set(&db->err, TRAIL_EDB, "migrate: the database has no table " EVENTS);
        else
            rc = edit_schema_text(db, f.text.data, whole.data, col.data, prefix.data);
        goto out;
    }
    case TRAIL_CHECK_CONSTRAINT:
        if (f.checks == 1 && f.current) {
            rc = TRAIL_OK;
            goto out;
        }
        /* CREATE TABLE names a column's CHECK <table>_<column>_check: so does migrate. */
        trail__buf_appendf(&alter, "ALTER TABLE %c" EVENTS "%c %sADD CONSTRAINT ", d->quote,
                           d->quote, f.drops.len ? f.drops.data : "");
        if (f.name.len)
            trail__buf_append_str(&alter, f.name.data);
        else
            trail__buf_appendf(&alter, "%c" EVENTS "_" OP "_check%c", d->quote, d->quote);
        trail__buf_appendf(&alter, " CHECK (%s)", check.data);
        break;
    case TRAIL_CHECK_MODIFY:
        if (f.checks == 1 && f.current && same_type(f.type.data ? f.type.data : "", def.data)) {
            rc = TRAIL_OK;
            goto out;
        }
        trail__buf_appendf(&alter, "ALTER TABLE %c" EVENTS "%c MODIFY %s %s", d->quote, d->quote,
                           col.data, def.data);
        break;
    }
    if (alter.err < 0) {
        rc = trail__err_set(&db->err, alter.err, "out of memory");
        goto out;
    }
    if ((rc = db->drv->exec(db, alter.data)) < 0)
        rc = failed(db, rc, alter.data);
out:
    trail__buf_free(&f.text);
    trail__buf_free(&f.type);
    trail__buf_free(&f.drops);
    trail__buf_free(&f.name);
    trail__buf_free(&col);
    trail__buf_free(&def);
    trail__buf_free(&prefix);
    trail__buf_free(&check);
    trail__buf_free(&alter);
    trail__buf_free(&whole);
    return rc;
}
