/*
 * model.c - a schema's description in trail_meta, written at migrate and
 * read back by the generic readers (verify, the `trail` tool).
 */
#include "audit/model.h"
#include "core/err.h"
#include "core/json.h"
#include "audit/values.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

/* What a rebuilt ref points at: only the key kind of its target matters to the readers. */
static const trail_entity ulid_target = { .key = TRAIL_KEY_ULID };
static const trail_entity int64_target = { .key = TRAIL_KEY_INT64 };

static const char *key_name(trail_key_kind k)
{
    return k == TRAIL_KEY_INT64 ? "int64" : "ulid";
}

/* A field's bound as member @key: a double for a double field, an integer otherwise. */
static void bound_json(trail_json *w, const char *key, const trail_field *f, int64_t i, double d)
{
    trail__json_key(w, key);
    if (f->type == TRAIL_TYPE_DOUBLE)
        trail__json_double(w, d);
    else
        trail__json_int64(w, i);
}

int trail__model_json(trail_buf *out, const trail_schema *schema)
{
    trail_json w;
    trail__json_init(&w, out);
    trail__json_begin_object(&w);
    trail__json_key(&w, "schema");
    trail__json_text(&w, schema->name);
    trail__json_key(&w, "version");
    trail__json_int64(&w, schema->version);
    trail__json_key(&w, "entities");
    trail__json_begin_array(&w);
    for (size_t i = 0; i < schema->n_entities; i++) {
        const trail_entity *e = schema->entities[i];
        trail__json_begin_object(&w);
        trail__json_key(&w, "name");
        trail__json_text(&w, e->name);
        trail__json_key(&w, "table");
        trail__json_text(&w, e->table);
        trail__json_key(&w, "key");
        trail__json_text(&w, key_name(e->key));
        /* What sync reads to know whether an event changes this node's rows. */
        trail__json_key(&w, "replicate");
        trail__json_bool(&w, e->replicate);
        /* How sync records a conflict of its records: closed at once (lww) or open (manual). */
        trail__json_key(&w, "conflict");
        trail__json_text(&w, e->conflict == TRAIL_CONFLICT_MANUAL ? "manual" : "lww");
        trail__json_key(&w, "fields");
        trail__json_begin_array(&w);
        for (size_t j = 0; j < e->n_fields; j++) {
            const trail_field *f = &e->fields[j];
            trail__json_begin_object(&w);
            trail__json_key(&w, "name");
            trail__json_text(&w, f->name);
            trail__json_key(&w, "type");
            trail__json_text(&w, trail_type_name(f->type));
            if (f->type == TRAIL_TYPE_REF) {
                trail__json_key(&w, "key");
                trail__json_text(&w, key_name(f->ref->key));
            }
            trail__json_key(&w, "null");
            trail__json_bool(&w, (f->flags & TRAIL_FIELD_NULLABLE) != 0);
            trail__json_key(&w, "audit");
            trail__json_text(&w, f->flags & TRAIL_FIELD_OMIT     ? "omit"
                                 : f->flags & TRAIL_FIELD_REDACT ? "redact"
                                                                 : "full");
            /* What migrate gives the rows of a table it adds the field to (verify reads it). */
            trail__json_key(&w, "default");
            trail__values_default_json(&w, f);
            /* What the tables enforce too, so that migrate can tell a change it cannot make. */
            trail__json_key(&w, "unique");
            trail__json_bool(&w, (f->flags & TRAIL_FIELD_UNIQUE) != 0);
            if (f->flags & TRAIL_FIELD_MIN)
                bound_json(&w, "min", f, f->min, f->min_d);
            if (f->flags & TRAIL_FIELD_MAX)
                bound_json(&w, "max", f, f->max, f->max_d);
            if (f->type == TRAIL_TYPE_ENUM) {
                trail__json_key(&w, "values");
                trail__json_begin_array(&w);
                for (size_t k = 0; k < f->n_values; k++)
                    trail__json_text(&w, f->values[k]);
                trail__json_end_array(&w);
            }
            trail__json_end_object(&w);
        }
        trail__json_end_array(&w);
        trail__json_end_object(&w);
    }
    trail__json_end_array(&w);
    trail__json_end_object(&w);
    return trail__json_finish(&w);
}

/*
 * A described field. Its default, when there is one, is kept as the text of
 * its event JSON in def.s whatever the type: the readers compare it with rows.
 */
static int parse_field(trail_field *f, json_t *jf, char **default_text)
{
    const char *name = NULL, *type = NULL, *key = NULL, *audit = NULL;
    int nullable = 0;
    if (json_unpack(jf, "{s:s, s:s, s?s, s?b, s?s}", "name", &name, "type", &type, "key", &key,
                    "null", &nullable, "audit", &audit) < 0 ||
        !trail_type_from_name(&f->type, type))
        return TRAIL_EINVALID;
    f->name = name;
    f->flags = nullable ? TRAIL_FIELD_NULLABLE : 0;
    if (audit && strcmp(audit, "omit") == 0)
        f->flags |= TRAIL_FIELD_OMIT;
    else if (audit && strcmp(audit, "redact") == 0)
        f->flags |= TRAIL_FIELD_REDACT;
    if (f->type == TRAIL_TYPE_REF)
        f->ref = key && strcmp(key, "int64") == 0 ? &int64_target : &ulid_target;
    json_t *def = json_object_get(jf, "default");
    if (def) {
        if (!(*default_text = json_dumps(def, JSON_ENCODE_ANY | JSON_COMPACT)))
            return TRAIL_ENOMEM;
        f->flags |= TRAIL_FIELD_DEFAULT;
        f->def.s = *default_text;
    }
    return TRAIL_OK;
}

int trail__model_parse(trail_model *model, const char *json, size_t len)
{
    memset(model, 0, sizeof *model);
    json_t *root = json_loadb(json, len, 0, NULL);
    json_t *entities = json_object_get(root, "entities");
    if (!json_is_array(entities)) {
        json_decref(root);
        return TRAIL_EINVALID;
    }
    model->json = root;

    size_t n_fields = 0, i;
    json_t *je;
    json_array_foreach(entities, i, je) n_fields += json_array_size(json_object_get(je, "fields"));
    model->n_entities = json_array_size(entities);
    model->n_fields = n_fields;
    model->entities = calloc(model->n_entities ? model->n_entities : 1, sizeof *model->entities);
    model->fields = calloc(n_fields ? n_fields : 1, sizeof *model->fields);
    model->defaults = calloc(n_fields ? n_fields : 1, sizeof *model->defaults);
    if (!model->entities || !model->fields || !model->defaults) {
        trail__model_free(model);
        return TRAIL_ENOMEM;
    }

    trail_field *next = model->fields;
    json_array_foreach(entities, i, je)
    {
        trail_entity *e = &model->entities[i];
        const char *name = NULL, *table = NULL, *key = NULL, *conflict = NULL;
        json_t *fields = NULL;
        /* Descriptions stored before `replicate:` existed said nothing: every entity replicated. */
        int replicate = 1;
        /* Nor did they say `conflict:`, whose default is lww. */
        if (json_unpack(je, "{s:s, s:s, s:s, s?b, s?s, s:o}", "name", &name, "table", &table, "key",
                        &key, "replicate", &replicate, "conflict", &conflict, "fields",
                        &fields) < 0 ||
            !json_is_array(fields) || json_array_size(fields) > 64) {
            trail__model_free(model);
            return TRAIL_EINVALID;
        }
        e->name = name;
        e->table = table;
        e->key = strcmp(key, "int64") == 0 ? TRAIL_KEY_INT64 : TRAIL_KEY_ULID;
        e->replicate = replicate != 0;
        e->conflict = conflict && strcmp(conflict, "manual") == 0 ? TRAIL_CONFLICT_MANUAL
                                                                  : TRAIL_CONFLICT_LWW;
        e->fields = next;
        e->n_fields = json_array_size(fields);
        size_t j;
        json_t *jf;
        json_array_foreach(fields, j, jf)
        {
            if (parse_field(next, jf, &model->defaults[next - model->fields]) < 0) {
                trail__model_free(model);
                return TRAIL_EINVALID;
            }
            next++;
        }
    }
    return TRAIL_OK;
}

void trail__model_free(trail_model *model)
{
    free(model->entities);
    for (size_t i = 0; model->defaults && model->fields && i < model->n_fields; i++)
        free(model->defaults[i]);
    free(model->defaults);
    free(model->fields);
    json_decref(model->json);
    memset(model, 0, sizeof *model);
}
