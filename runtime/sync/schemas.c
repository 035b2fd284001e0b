/*
 * sync/schemas.c - the destination's entities (schemas.h).
 */
#include "sync/schemas.h"
#include "driver/sql.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

static int model_row(trail_conn *db, void *row, void *userdata)
{
    static const trail_vtype types[2] = { TRAIL_V_TEXT, TRAIL_V_TEXT };
    trail__sync_schemas *s = userdata;
    trail_value c[2];
    int rc = trail__row_read(db, row, types, c, 2);
    if (rc < 0)
        return rc;
    trail_model *more = realloc(s->models, (s->n_models + 1) * sizeof *more);
    if (!more)
        return trail__err_set(&db->err, TRAIL_ENOMEM, "out of memory");
    s->models = more;
    trail_model *m = &s->models[s->n_models];
    rc = c[1].type == TRAIL_V_NULL ? TRAIL_EINVALID : trail__model_parse(m, c[1].s, c[1].n);
    if (rc == TRAIL_EINVALID)
        return trail__err_set(&db->err, TRAIL_EDB,
                              "trail_meta's %.*s is not a schema description: it was edited",
                              (int)c[0].n, c[0].s);
    if (rc < 0)
        return trail__err_set(&db->err, rc, "out of memory");
    s->n_models++;
    trail__sync_table *tables =
        realloc(s->tables, (s->n_tables + m->n_entities + 1) * sizeof *tables);
    if (!tables)
        return trail__err_set(&db->err, TRAIL_ENOMEM, "out of memory");
    s->tables = tables;
    int64_t version = json_integer_value(json_object_get(m->json, "version"));
    for (size_t i = 0; i < m->n_entities; i++) {
        trail__sync_memo *memo = calloc(1, sizeof *memo);
        if (!memo)
            return trail__err_set(&db->err, TRAIL_ENOMEM, "out of memory");
        s->tables[s->n_tables++] = (trail__sync_table){
            .e = &m->entities[i],
            .schema_version = version,
            .replicate = m->entities[i].replicate,
            .memo = memo,
        };
    }
    return 0;
}

int trail__sync_schemas_load(trail_conn *db, trail__sync_schemas *out)
{
    *out = (trail__sync_schemas){ 0 };
    int rc = db->drv->query(db, db->drv->sql->meta_models, NULL, 0, model_row, out, NULL);
    for (size_t i = 0; i < out->n_tables; i++)
        out->tables[i].all = out;
    return rc;
}

const trail__sync_table *trail__sync_schemas_table(const trail__sync_schemas *s, const char *table)
{
    for (size_t i = 0; i < s->n_tables; i++)
        if (strcmp(s->tables[i].e->table, table) == 0)
            return &s->tables[i];
    return NULL;
}

void trail__sync_schemas_free(trail__sync_schemas *s)
{
    for (size_t i = 0; i < s->n_models; i++)
        trail__model_free(&s->models[i]);
    free(s->models);
    for (size_t i = 0; i < s->n_tables; i++)
        free(s->tables[i].memo);
    free(s->tables);
    *s = (trail__sync_schemas){ 0 };
}
