/*
 * schema_check.c - whether a database holds the schema a program was
 * generated for (schema_check.h).
 */
#include "audit/schema_check.h"
#include "audit/event_columns.h"
#include "driver/sql.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Separators no identifier from a validated schema contains. */
#define ROW_SEP "\x1e"
#define COL_SEP "\x1f"

static int add_column(trail_conn *db, void *row, void *userdata)
{
    trail_buf *list = userdata;
    static const trail_vtype types[2] = { TRAIL_V_TEXT, TRAIL_V_TEXT }; /* table, column */
    trail_value v[2];
    int rc = trail__row_read(db, row, types, v, 2);
    if (rc < 0 || v[0].type == TRAIL_V_NULL || v[1].type == TRAIL_V_NULL)
        return rc < 0 ? rc : 0;
    trail__buf_append(list, v[0].s, v[0].n);
    trail__buf_append_str(list, COL_SEP);
    trail__buf_append(list, v[1].s, v[1].n);
    trail__buf_append_str(list, ROW_SEP);
    return list->err < 0 ? trail__err_set(&db->err, list->err, "out of memory") : 0;
}

int trail__columns_load(trail_conn *db, trail_columns *out)
{
    out->list = (trail_buf)TRAIL_BUF_INIT;
    int rc = trail__buf_append_str(&out->list, ROW_SEP);
    if (rc < 0)
        return trail__err_set(&db->err, rc, "out of memory");
    rc = db->drv->query(db, db->drv->sql->columns, NULL, 0, add_column, &out->list, NULL);
    return rc < 0 ? rc : TRAIL_OK;
}

/* Whether the list holds ROW_SEP @table COL_SEP [@column ROW_SEP]. */
static bool find(const trail_columns *c, const char *table, const char *column)
{
    char key[2 * 64 + 8];
    int n = snprintf(key, sizeof key, ROW_SEP "%s" COL_SEP "%s%s", table, column ? column : "",
                     column ? ROW_SEP : "");
    return n > 0 && (size_t)n < sizeof key && c->list.data && strstr(c->list.data, key) != NULL;
}

bool trail__columns_has_table(const trail_columns *c, const char *table)
{
    return find(c, table, NULL);
}

bool trail__columns_has(const trail_columns *c, const char *table, const char *column)
{
    return find(c, table, column);
}

void trail__columns_free(trail_columns *c)
{
    trail__buf_free(&c->list);
}

/*
 * Appends "table.column" to @missing, comma-separated, when the table lacks
 * it; a failure to append sticks in @missing.
 */
static void need(trail_buf *missing, const trail_columns *cols, const char *table,
                 const char *column)
{
    if (!trail__columns_has(cols, table, column))
        trail__buf_appendf(missing, "%s%s.%s", missing->len ? ", " : "", table, column);
}

int trail__events_layout_check(trail_conn *db, const trail_columns *cols)
{
    if (!trail__columns_has_table(cols, "trail_change_events"))
        return TRAIL_OK; /* a new database: migrate makes the tables */
    trail_buf missing = TRAIL_BUF_INIT;
#define NEED_EVENT(n, name, ...) need(&missing, cols, "trail_change_events", #name);
#define NEED_LANE(n, name, ...)  need(&missing, cols, "trail_lanes", #name);
    TRAIL_EVENT_COLUMN_TABLE(NEED_EVENT, )
    TRAIL_LANE_COLUMN_TABLE(NEED_LANE, )
#undef NEED_EVENT
#undef NEED_LANE
    int rc = TRAIL_OK;
    if (missing.err < 0)
        rc = trail__err_set(&db->err, missing.err, "out of memory");
    else if (missing.len)
        rc = trail__conn_old_layout(db, missing.data);
    trail__buf_free(&missing);
    return rc;
}

int trail__schema_columns_match(trail_conn *db, const trail_schema *schema,
                                const trail_columns *cols)
{
    trail_buf missing = TRAIL_BUF_INIT;
    for (size_t i = 0; i < schema->n_entities; i++) {
        const trail_entity *e = schema->entities[i];
        if (!trail__columns_has_table(cols, e->table)) {
            trail__buf_appendf(&missing, "%stable %s", missing.len ? ", " : "", e->table);
            continue;
        }
        need(&missing, cols, e->table, "id");
        need(&missing, cols, e->table, "version");
        for (size_t j = 0; j < e->n_fields; j++)
            need(&missing, cols, e->table, e->fields[j].name);
    }
    int rc = TRAIL_OK;
    if (missing.err < 0)
        rc = trail__err_set(&db->err, missing.err, "out of memory");
    else if (missing.len)
        rc = trail__err_set(&db->err, TRAIL_EDB,
                            "the database does not hold schema %s version %" PRId64
                            " as this program was generated for it: missing %s",
                            schema->name, schema->version, missing.data);
    trail__buf_free(&missing);
    return rc;
}

int trail__schema_stored_version(trail_conn *db, const char *name, int64_t *version)
{
    char key[96], stored[32];
    snprintf(key, sizeof key, "schema.%s.version", name);
    trail_value k = trail_v_text(key);
    bool found = false;
    *version = 0;
    int rc =
        trail__conn_query_text(db, db->drv->sql->meta_get, &k, 1, stored, sizeof stored, &found);
    if (rc < 0)
        return rc;
    if (found)
        *version = strtoll(stored, NULL, 10);
    return TRAIL_OK;
}

int trail__schema_too_old(trail_conn *db, const trail_schema *schema, int64_t stored)
{
    return trail__err_set(&db->err, TRAIL_EDB,
                          "the database holds schema %s at version %" PRId64
                          ", newer than version %" PRId64
                          " this program was generated for; use a build of the program generated "
                          "from the newer schema",
                          schema->name, stored, schema->version);
}

static bool is_checked(const trail_conn *db, const trail_schema *schema)
{
    for (size_t i = 0; i < db->n_checked; i++)
        if (db->checked[i] == schema)
            return true;
    return false;
}

int trail__schema_checked(trail_conn *db, const trail_schema *schema)
{
    if (is_checked(db, schema))
        return TRAIL_OK;
    const trail_schema **grown = realloc(db->checked, (db->n_checked + 1) * sizeof *grown);
    if (!grown)
        return trail__err_set(&db->err, TRAIL_ENOMEM, "out of memory");
    grown[db->n_checked++] = schema;
    db->checked = grown;
    return TRAIL_OK;
}

int trail__schema_check(trail_conn *db, const trail_schema *schema)
{
    if (is_checked(db, schema))
        return TRAIL_OK;
    int64_t stored;
    int rc = trail__schema_stored_version(db, schema->name, &stored);
    if (rc < 0)
        return rc;
    if (stored == 0)
        return trail__err_set(&db->err, TRAIL_EDB,
                              "the database has no schema %s: call %s_migrate() first",
                              schema->name, schema->name);
    if (stored > schema->version)
        return trail__schema_too_old(db, schema, stored);
    if (stored < schema->version)
        return trail__err_set(&db->err, TRAIL_EDB,
                              "the database holds schema %s at version %" PRId64
                              ", older than version %" PRId64
                              " this program was generated for; call %s_migrate() to bring it up",
                              schema->name, stored, schema->version, schema->name);
    trail_columns cols; /* set by trail__columns_load(), also when it fails */
    if ((rc = trail__columns_load(db, &cols)) < 0)
        goto done;
    if ((rc = trail__schema_columns_match(db, schema, &cols)) < 0)
        goto done;
    rc = trail__schema_checked(db, schema);
done:
    trail__columns_free(&cols);
    return rc;
}
