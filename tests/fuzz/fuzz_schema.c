/*
 * fuzz_schema.c - libFuzzer target for the schema loader: YAML parsing,
 * the tree, and every validation rule (gen_schema_load_mem).
 *
 * Besides what the sanitizers catch (memory errors, leaks, undefined
 * behaviour), it checks the loader's contract: NULL comes back exactly when
 * a problem was reported, and a schema that comes back holds what the
 * renderer relies on without checking (names set, refs resolved, enum
 * defaults and index columns in range). A broken promise aborts, which
 * libFuzzer reports as a crash.
 *
 * Built with TRAIL_FUZZ=ON; run by scripts/fuzz.sh.
 */
#include "diag.h"
#include "names.h"
#include "schema.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Prints what broke and aborts: libFuzzer then saves the input as a crash. */
static void broken(const char *what, const char *name)
{
    fprintf(stderr, "fuzz_schema: broken promise: %s (%s)\n", what, name ? name : "?");
    abort();
}

static void check_name(const char *name, const char *what)
{
    if (!name || gen_name_problem(name, strlen(name)))
        broken(what, name);
}

static void check_field(const gen_schema *s, const gen_entity *e, const gen_field *f)
{
    check_name(f->name, "field without a valid name");
    if (f->type == TRAIL_TYPE_REF) {
        if (!f->ref || f->ref < s->entities || f->ref >= s->entities + s->n_entities)
            broken("ref not resolved to an entity of the schema", f->name);
        if (!f->ref_name || strcmp(f->ref_name, f->ref->name) != 0)
            broken("ref resolved to another entity than it names", f->name);
    }
    if (f->type == TRAIL_TYPE_ENUM) {
        if (f->n_values == 0 || !f->values)
            broken("enum without values", f->name);
        for (size_t i = 0; i < f->n_values; i++)
            check_name(f->values[i], "enum value without a valid name");
        if (f->has_default && (f->def_i < 0 || (size_t)f->def_i >= f->n_values))
            broken("enum default out of range", f->name);
    }
    if ((f->type == TRAIL_TYPE_TEXT || f->type == TRAIL_TYPE_JSON) && f->has_default && !f->def_s)
        broken("text default without its text", f->name);
    if (f->has_min && f->has_max &&
        (f->type == TRAIL_TYPE_DOUBLE ? f->min_d > f->max_d : f->min > f->max))
        broken("min above max", f->name);
    (void)e;
}

static void check_schema(const gen_schema *s)
{
    check_name(s->name, "schema without a valid name");
    if (s->version < 1)
        broken("version below 1", s->name);
    if (s->n_entities == 0 || !s->entities)
        broken("schema without entities", s->name);
    for (size_t i = 0; i < s->n_entities; i++) {
        const gen_entity *e = &s->entities[i];
        check_name(e->name, "entity without a valid name");
        check_name(e->table, "entity without a valid table");
        if (e->n_fields == 0 || !e->fields)
            broken("entity without fields", e->name);
        for (size_t j = 0; j < e->n_fields; j++)
            check_field(s, e, &e->fields[j]);
        for (size_t j = 0; j < e->n_indexes; j++) {
            const gen_index *ix = &e->indexes[j];
            if (ix->n_fields == 0)
                broken("empty index", e->name);
            for (size_t k = 0; k < ix->n_fields; k++)
                if (ix->fields[k] >= e->n_fields)
                    broken("index column out of range", e->name);
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    gen_diag diag;
    gen_diag_init(&diag, NULL);
    gen_schema *s = gen_schema_load_mem("fuzz.yaml", (const char *)data, size, &diag);
    if (s && diag.errors)
        broken("a schema came back although problems were reported", diag.text.data);
    if (!s && !diag.errors)
        broken("no schema came back and no problem was reported", NULL);
    if (s)
        check_schema(s);
    gen_schema_free(s);
    gen_diag_free(&diag);
    return 0;
}
