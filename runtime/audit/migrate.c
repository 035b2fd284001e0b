/*
 * migrate.c - bringing a database to a schema's version.
 *
 * Migrate compares what the database holds (its tables' columns, and the
 * description of the schema stored at the last migrate, model.h) with the
 * schema, and makes only the changes that keep every stored row and event
 * meaning what it meant: new entities (new tables), new fields that existing
 * rows can do without (nullable or with a default, not unique), new indexes.
 * Anything else (an entity or field dropped, a field retyped, a new required
 * field without a default, a rule the tables enforce changed, a table that
 * another schema claims) is refused with every difference listed, before
 * anything is changed. The version is stamped last, in the same transaction
 * where the engine has transactional DDL (SQLite, PostgreSQL; MySQL commits
 * each DDL statement, so a failure there may leave an added column behind,
 * but never a version stamped that was not reached). An existing event
 * table's op CHECK is brought to the ops of this release (op_check.h).
 */
#include "driver/driver.h"
#include "audit/model.h"
#include "audit/op_check.h"
#include "audit/schema_check.h"
#include "driver/sql.h"
#include "audit/update_sql.h"
#include "trail/migrate.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* What the driver's one-statement writes of @e need in the database (driver.h: write_setup_sql). */
static int write_setup(trail_conn *db, const trail_entity *e)
{
    if (!db->drv->write_setup_sql)
        return TRAIL_OK;
    for (int kind = TRAIL_WRITE_CREATE; kind <= TRAIL_WRITE_DELETE; kind++) {
        char *text = db->drv->write_setup_sql(e, kind);
        if (!text)
            return trail__err_set(&db->err, TRAIL_ENOMEM, "out of memory");
        int rc = db->drv->exec(db, text);
        free(text);
        if (rc < 0)
            return rc;
    }
    return TRAIL_OK;
}

/* ---- the plan: what differs, and what migrate will do about it ------------ */

/* Each list's failure to append sticks in it (b->err), to be asked once the plan is made. */
typedef struct plan {
    trail_buf refused; /* differences migrate will not make, "; "-separated */
    trail_buf changes; /* differences it makes, "; "-separated */
    const char **add;  /* the ADD COLUMN statements to run */
    size_t n_add;
} plan;

/* Appends a difference to @list ("; "-separated); a failure to append sticks in @list. */
#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
static void
note(trail_buf *list, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (list->len)
        trail__buf_append_str(list, "; ");
    trail__buf_vappendf(list, fmt, ap);
    va_end(ap);
}

static const char *str(json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : "";
}

static const char *key_name(trail_key_kind k)
{
    return k == TRAIL_KEY_INT64 ? "int64" : "ulid";
}

/* Whether the stored bound @old (absent or a number) is the field's bound now. */
static bool same_bound(json_t *old, const trail_field *f, unsigned flag, int64_t i, double d)
{
    if (!(f->flags & flag))
        return old == NULL;
    if (!old)
        return false;
    return f->type == TRAIL_TYPE_DOUBLE ? json_number_value(old) == d
                                        : json_is_integer(old) && json_integer_value(old) == i;
}

/* Field @f of @e against its stored description @old. */
static void diff_field(plan *p, const trail_entity *e, const trail_field *f, json_t *old)
{
    const char *was = str(old, "type"), *is = trail_type_name(f->type);
    if (strcmp(was, is) != 0) {
        note(&p->refused, "%s.%s changed type from %s to %s", e->name, f->name, was, is);
        return;
    }
    if (f->type == TRAIL_TYPE_REF && strcmp(str(old, "key"), key_name(f->ref->key)) != 0)
        note(&p->refused, "%s.%s refers to a key of another kind", e->name, f->name);
    bool nullable = (f->flags & TRAIL_FIELD_NULLABLE) != 0;
    if (json_is_true(json_object_get(old, "null")) != nullable)
        note(&p->refused, "%s.%s became %s", e->name, f->name, nullable ? "nullable" : "required");
    const char *audit = f->flags & TRAIL_FIELD_OMIT     ? "omit"
                        : f->flags & TRAIL_FIELD_REDACT ? "redact"
                                                        : "full";
    if (strcmp(str(old, "audit"), audit) != 0)
        note(&p->changes, "%s.%s audit: %s", e->name, f->name, audit);
    /* Descriptions stored before the rules were recorded say nothing of them. */
    json_t *unique = json_object_get(old, "unique");
    if (!unique)
        return;
    if (json_is_true(unique) != ((f->flags & TRAIL_FIELD_UNIQUE) != 0))
        note(&p->refused, "%s.%s %s unique", e->name, f->name,
             f->flags & TRAIL_FIELD_UNIQUE ? "became" : "is no longer");
    if (!same_bound(json_object_get(old, "min"), f, TRAIL_FIELD_MIN, f->min, f->min_d) ||
        !same_bound(json_object_get(old, "max"), f, TRAIL_FIELD_MAX, f->max, f->max_d))
        note(&p->refused, "%s.%s changed its min or max, which the table checks", e->name, f->name);
    if (f->type == TRAIL_TYPE_ENUM) {
        json_t *values = json_object_get(old, "values");
        bool same = json_array_size(values) == f->n_values;
        for (size_t k = 0; same && k < f->n_values; k++) {
            const char *v = json_string_value(json_array_get(values, k));
            same = v && strcmp(v, f->values[k]) == 0;
        }
        if (!same)
            note(&p->refused, "%s.%s changed its values, which the table checks", e->name, f->name);
    }
}

static json_t *named(json_t *array, const char *name)
{
    size_t i;
    json_t *item;
    json_array_foreach(array, i, item) if (strcmp(str(item, "name"), name) == 0) return item;
    return NULL;
}

static bool has_field(const trail_entity *e, const char *name)
{
    for (size_t i = 0; i < e->n_fields; i++)
        if (strcmp(e->fields[i].name, name) == 0)
            return true;
    return false;
}

/* @schema against its own stored description @own (entities, fields, rules). */
static void diff_model(plan *p, const trail_schema *schema, json_t *own)
{
    json_t *entities = json_object_get(own, "entities");
    size_t i;
    json_t *old;
    json_array_foreach(entities, i, old)
    {
        bool kept = false;
        for (size_t k = 0; k < schema->n_entities; k++)
            kept = kept || strcmp(schema->entities[k]->name, str(old, "name")) == 0;
        if (!kept)
            note(&p->refused, "entity %s (table %s) was dropped", str(old, "name"),
                 str(old, "table"));
    }
    for (size_t k = 0; k < schema->n_entities; k++) {
        const trail_entity *e = schema->entities[k];
        json_t *was = named(entities, e->name);
        if (!was) {
            note(&p->changes, "new entity %s", e->name);
            continue;
        }
        if (strcmp(str(was, "table"), e->table) != 0)
            note(&p->refused, "%s moved from table %s to %s", e->name, str(was, "table"), e->table);
        if (strcmp(str(was, "key"), key_name(e->key)) != 0)
            note(&p->refused, "%s changed its key from %s to %s", e->name, str(was, "key"),
                 key_name(e->key));
        /* Absent in descriptions stored before `replicate:`: every entity replicated. */
        json_t *replicated = json_object_get(was, "replicate");
        if ((replicated == NULL || json_is_true(replicated)) != e->replicate)
            note(&p->changes, "%s replicate: %s", e->name, e->replicate ? "true" : "false");
        json_t *fields = json_object_get(was, "fields");
        size_t j;
        json_t *f;
        json_array_foreach(fields, j, f) if (!has_field(e, str(f, "name")))
            note(&p->refused, "%s.%s was dropped", e->name, str(f, "name"));
        for (j = 0; j < e->n_fields; j++) {
            json_t *old_field = named(fields, e->fields[j].name);
            if (old_field)
                diff_field(p, e, &e->fields[j], old_field);
        }
    }
}

/* The fields whose columns an existing table lacks: added if they can be, refused if not. */
static void plan_columns(plan *p, trail_conn *db, const trail_schema *schema,
                         const trail_columns *cols)
{
    for (size_t k = 0; k < schema->n_entities; k++) {
        const trail_entity *e = schema->entities[k];
        if (!trail__columns_has_table(cols, e->table))
            continue; /* a new table: the DDL makes it whole */
        for (size_t j = 0; j < e->n_fields; j++) {
            const trail_field *f = &e->fields[j];
            if (trail__columns_has(cols, e->table, f->name))
                continue;
            const char *add = trail__entity_sql(db, e)->add_column[j];
            if (!add) {
                note(&p->refused, "%s.%s is new and %s, so the rows %s holds have no value for it",
                     e->name, f->name,
                     f->flags & TRAIL_FIELD_UNIQUE ? "unique" : "required without a default",
                     e->table);
                continue;
            }
            p->add[p->n_add++] = add;
            note(&p->changes, "new field %s.%s", e->name, f->name);
        }
    }
}

/* Refuses tables of @schema that another schema's stored description claims. */
static void plan_tables(plan *p, const trail_schema *schema, json_t *others)
{
    size_t i;
    json_t *model;
    json_array_foreach(others, i, model)
    {
        size_t j;
        json_t *e;
        json_array_foreach(json_object_get(model, "entities"), j, e)
        {
            for (size_t k = 0; k < schema->n_entities; k++)
                if (strcmp(schema->entities[k]->table, str(e, "table")) == 0)
                    note(&p->refused, "table %s belongs to schema %s (entity %s)", str(e, "table"),
                         str(model, "schema"), str(e, "name"));
        }
    }
}

/* ---- reading what the database holds ------------------------------------ */

struct stored {
    const char *name; /* the schema being migrated */
    json_t *own;      /* its description at its last migrate, or NULL */
    json_t *others;   /* the descriptions of every other schema */
};

static int read_model(trail_conn *db, void *row, void *userdata)
{
    struct stored *st = userdata;
    trail_value v;
    int rc = db->drv->column(db, row, 1, TRAIL_V_TEXT, &v);
    if (rc < 0 || v.type == TRAIL_V_NULL)
        return rc < 0 ? rc : 0;
    /* An unreadable description is verify's to report; this migrate writes a fresh one. */
    json_t *model = json_loadb(v.s, v.n, 0, NULL);
    if (!model)
        return 0;
    if (strcmp(str(model, "schema"), st->name) == 0) {
        json_decref(st->own);
        st->own = model;
    } else if (json_array_append_new(st->others, model) < 0) {
        return trail__err_set(&db->err, TRAIL_ENOMEM, "out of memory");
    }
    return 0;
}

/*
 * Works out @p for @schema on @db, whose catalog is @cols: TRAIL_OK with the
 * additions in @p; TRAIL_EDB with every difference migrate refuses, or when
 * the database holds a newer version, or the schema changed but not its
 * version; TRAIL_ENOMEM or a query's code. @p's lists hold the differences
 * either way; the caller frees them.
 */
static int make_plan(plan *p, trail_conn *db, const trail_schema *schema, const trail_columns *cols)
{
    struct stored st = { schema->name, NULL, json_array() };
    int64_t stored = 0;
    int rc = TRAIL_OK;
    if (!st.others) {
        rc = trail__err_set(&db->err, TRAIL_ENOMEM, "out of memory");
        goto done;
    }
    if (trail__columns_has_table(cols, "trail_meta")) {
        if ((rc = trail__schema_stored_version(db, schema->name, &stored)) < 0)
            goto done;
        rc = db->drv->query(db, db->drv->sql->meta_models, NULL, 0, read_model, &st, NULL);
        if (rc < 0)
            goto done;
    }
    if (stored > schema->version) {
        rc = trail__schema_too_old(db, schema, stored);
        goto done;
    }
    plan_tables(p, schema, st.others);
    if (st.own)
        diff_model(p, schema, st.own);
    plan_columns(p, db, schema, cols);
    /* The lists built, their sticky errors are asked once. */
    rc = p->refused.err < 0 ? p->refused.err : p->changes.err;
    if (rc < 0) {
        rc = trail__err_set(&db->err, rc, "out of memory");
        goto done;
    }
    if (p->refused.len)
        rc = trail__err_set(&db->err, TRAIL_EDB,
                            "cannot migrate schema %s from version %" PRId64 " to %" PRId64
                            ", nothing was changed: %s",
                            schema->name, stored, schema->version, p->refused.data);
    else if (st.own && stored == schema->version && p->changes.len)
        rc = trail__err_set(&db->err, TRAIL_EDB,
                            "schema %s differs from the version %" PRId64
                            " the database holds, but its version is the same; raise `version:` "
                            "in the schema: %s",
                            schema->name, stored, p->changes.data);
done:
    json_decref(st.own);
    json_decref(st.others);
    return rc;
}

/* ---- migrate ------------------------------------------------------------- */

/* Stamps @schema's version and description in trail_meta. */
static int stamp(trail_conn *db, const trail_schema *schema)
{
    const trail_runtime_sql *sql = db->drv->sql;
    char key[96], version[24];
    snprintf(key, sizeof key, "schema.%s.version", schema->name);
    snprintf(version, sizeof version, "%" PRId64, schema->version);
    trail_value p[2] = { trail_v_text(key), trail_v_text(version) };
    int rc = db->drv->query(db, sql->meta_set, p, 2, NULL, NULL, NULL);
    if (rc < 0)
        return rc;
    trail_buf model = TRAIL_BUF_INIT;
    if ((rc = trail__model_json(&model, schema)) < 0) {
        rc = trail__err_set(&db->err, rc, "out of memory");
        goto done;
    }
    snprintf(key, sizeof key, "schema.%s.model", schema->name);
    p[0] = trail_v_text(key);
    p[1] = trail_v_text(model.data);
    rc = db->drv->query(db, sql->meta_set, p, 2, NULL, NULL, NULL);
done:
    trail__buf_free(&model);
    return rc;
}

int trail_schema_migrate(trail_conn *db, const trail_schema *schema)
{
    if (!db || !db->drv)
        return TRAIL_EARG;
    if (!schema)
        return trail__err_set(&db->err, TRAIL_EARG, "no schema given");
    if (db->in_tx)
        return trail__err_set(&db->err, TRAIL_EARG, "migrate outside of trail_begin()");
    const trail_schema_ddl *ddl = trail__schema_ddl(db, schema);
    if (!ddl)
        return trail__err_set(&db->err, TRAIL_EARG, "schema %s was generated without the %s driver",
                              schema->name, db->drv->name);

    bool had_node = db->node_id[0] != '\0';
    size_t n_fields = 0;
    for (size_t i = 0; i < schema->n_entities; i++)
        n_fields += schema->entities[i]->n_fields;
    plan p = { TRAIL_BUF_INIT, TRAIL_BUF_INIT, calloc(n_fields + 1, sizeof *p.add), 0 };
    trail_columns cols = { TRAIL_BUF_INIT }, after = { TRAIL_BUF_INIT };
    int rc;
    if (!p.add) {
        rc = trail__err_set(&db->err, TRAIL_ENOMEM, "out of memory");
        goto done;
    }
    if ((rc = db->drv->begin(db)) < 0)
        goto done;
    if ((rc = trail__columns_load(db, &cols)) < 0)
        goto done;
    /* Before any DDL: MariaDB commits each statement of it, whatever comes after. */
    if ((rc = trail__events_layout_check(db, &cols)) < 0)
        goto done;
    /*
     * trail_cursors before issue 17 had (source_node, dest_node, hlc, ...),
     * which no trail ever wrote: it is made again in its new layout.
     */
    if (trail__columns_has(&cols, "trail_cursors", "source_node")) {
        char drop[64];
        snprintf(drop, sizeof drop, "DROP TABLE %ctrail_cursors%c", db->drv->dialect->quote,
                 db->drv->dialect->quote);
        if ((rc = db->drv->exec(db, drop)) < 0)
            goto done;
    }
    if ((rc = make_plan(&p, db, schema, &cols)) < 0)
        goto done;
    /* An event table of an older release: its op CHECK may not admit every op written now. */
    if (trail__columns_has_table(&cols, "trail_change_events") &&
        (rc = trail__events_op_check(db)) < 0)
        goto done;
    /* Columns first: the schema's new indexes may name them. */
    for (size_t i = 0; i < p.n_add; i++)
        if ((rc = db->drv->exec(db, p.add[i])) < 0)
            goto done;
    for (size_t i = 0; i < ddl->n_statements; i++)
        if ((rc = db->drv->exec(db, ddl->statements[i])) < 0)
            goto done;
    for (size_t i = 0; i < schema->n_entities; i++)
        if ((rc = write_setup(db, schema->entities[i])) < 0)
            goto done;
    /* What CREATE TABLE IF NOT EXISTS left alone must have the columns too. */
    if ((rc = trail__columns_load(db, &after)) < 0)
        goto done;
    if ((rc = trail__schema_columns_match(db, schema, &after)) < 0)
        goto done;
    if ((rc = stamp(db, schema)) < 0)
        goto done;
    if (db->node_id[0] == '\0' && (rc = trail__conn_init_node(db)) < 0)
        goto done;
    rc = db->drv->commit(db);
done:
    trail__columns_free(&cols);
    trail__columns_free(&after);
    trail__buf_free(&p.refused);
    trail__buf_free(&p.changes);
    free(p.add);
    if (rc < 0) {
        trail_err saved = db->err;
        db->drv->rollback(db);
        db->err = saved;
        if (!had_node)
            db->node_id[0] = '\0';
        return rc;
    }
    return trail__schema_checked(db, schema);
}
