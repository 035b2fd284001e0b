/*
 * migrate.c - creating a schema's tables and recording its version.
 *
 * Every statement of the schema's DDL is idempotent (IF NOT EXISTS), so
 * migrating runs them all, inside one transaction where the engine allows
 * DDL in one. Columns of existing tables are not altered. The schema's
 * description goes into trail_meta beside its version (model.h), for the
 * readers that have no generated code.
 */
#include "db.h"
#include "model.h"
#include "sql.h"
#include "update_sql.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* What the driver's one-statement writes of @e need in the database (db.h: write_setup_sql). */
static int write_setup(trail_conn *db, const trail_entity *e)
{
    if (!db->drv->write_setup_sql)
        return TRAIL_OK;
    int rc = TRAIL_OK;
    for (int kind = TRAIL_WRITE_CREATE; rc == TRAIL_OK && kind <= TRAIL_WRITE_DELETE; kind++) {
        char *text = db->drv->write_setup_sql(e, kind);
        rc =
            text ? db->drv->exec(db, text) : trail_err_set(&db->err, TRAIL_ENOMEM, "out of memory");
        free(text);
    }
    return rc;
}

int trail_schema_migrate(trail_conn *db, const trail_schema *schema)
{
    if (!db || !db->drv)
        return TRAIL_EARG;
    if (!schema)
        return trail_err_set(&db->err, TRAIL_EARG, "no schema given");
    if (db->in_tx)
        return trail_err_set(&db->err, TRAIL_EARG, "migrate outside of trail_begin()");
    const trail_schema_ddl *ddl = schema->ddl[db->drv->id];
    if (!ddl)
        return trail_err_set(&db->err, TRAIL_EARG, "schema %s was generated without the %s driver",
                             schema->name, db->drv->name);

    const trail_runtime_sql *sql = db->drv->sql;
    char key[96], stored[32];
    snprintf(key, sizeof key, "schema.%s.version", schema->name);
    int rc = db->drv->begin(db);
    for (size_t i = 0; rc == TRAIL_OK && i < ddl->n_statements; i++)
        rc = db->drv->exec(db, ddl->statements[i]);
    for (size_t i = 0; rc == TRAIL_OK && i < schema->n_entities; i++)
        rc = write_setup(db, schema->entities[i]);

    bool found = false;
    trail_value k = trail_v_text(key);
    if (rc == TRAIL_OK)
        rc = trail_conn_query_text(db, sql->meta_get, &k, 1, stored, sizeof stored, &found);
    if (rc == TRAIL_OK && found && strtoll(stored, NULL, 10) > schema->version)
        rc = trail_err_set(
            &db->err, TRAIL_EDB,
            "the database holds schema %s at version %s, newer than this program's version %" PRId64
            "; use a newer build of the program",
            schema->name, stored, schema->version);
    if (rc == TRAIL_OK) {
        char version[24];
        snprintf(version, sizeof version, "%" PRId64, schema->version);
        trail_value p[2] = { k, trail_v_text(version) };
        rc = db->drv->query(db, sql->meta_set, p, 2, NULL, NULL, NULL);
    }
    trail_buf model = TRAIL_BUF_INIT;
    if (rc == TRAIL_OK && (rc = trail_model_json(&model, schema)) < 0)
        rc = trail_err_set(&db->err, rc, "out of memory");
    if (rc == TRAIL_OK) {
        snprintf(key, sizeof key, "schema.%s.model", schema->name);
        trail_value p[2] = { trail_v_text(key), trail_v_text(model.data) };
        rc = db->drv->query(db, sql->meta_set, p, 2, NULL, NULL, NULL);
    }
    trail_buf_free(&model);
    if (rc == TRAIL_OK && db->node_id[0] == '\0')
        rc = trail_conn_init_node(db);
    if (rc == TRAIL_OK)
        rc = db->drv->commit(db);
    if (rc < 0) {
        trail_err saved = db->err;
        db->drv->rollback(db);
        db->err = saved;
        db->node_id[0] = '\0';
        return rc;
    }
    db->schema_version = schema->version;
    return TRAIL_OK;
}
