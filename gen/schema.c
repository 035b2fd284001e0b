/*
 * schema.c - loading a schema file: reading it, the top level (`schema`,
 * `version`, `entities`, `events`), the checks across entities, and freeing.
 *
 * Entities are loaded by schema_entity.c, their fields by schema_field.c,
 * `events` by schema_events.c; schema_value.h describes how the pieces
 * share their work.
 */
#include "schema.h"
#include "names.h"
#include "schema_entity.h"
#include "schema_events.h"
#include "schema_value.h"
#include "trail/error.h"
#include "core/buf.h"

#include <errno.h>
#include <stdio.h>
#include <ctype.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* A schema is a few kilobytes; this only keeps a wrong file (a disk image) from being read whole.
 */
#define FILE_MAX (16u << 20)

/* The names are the runtime's (trail_type_name()), which stores them in trail_meta too. */
const char *gen_type_name(trail_type t)
{
    const char *name = trail_type_name(t);
    return name ? name : "?";
}

bool gen_type_from_name(trail_type *out, const char *name)
{
    return trail_type_from_name(out, name);
}

static void free_field(gen_field *f)
{
    free(f->name);
    free(f->def_s);
    for (size_t i = 0; i < f->n_values; i++)
        free(f->values[i]);
    free(f->values);
    free(f->ref_name);
}

void gen_schema_free(gen_schema *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->n_entities; i++) {
        gen_entity *e = &s->entities[i];
        for (size_t j = 0; j < e->n_fields; j++)
            free_field(&e->fields[j]);
        for (size_t j = 0; j < e->n_indexes; j++)
            free(e->indexes[j].fields);
        free(e->fields);
        free(e->indexes);
        free(e->name);
        free(e->table);
    }
    free(s->entities);
    for (size_t i = 0; i < s->n_event_indexes; i++)
        free(s->event_indexes[i].columns);
    free(s->event_indexes);
    free(s->name);
    free(s->path);
    free(s);
}

static int cmp_slot(const void *a, const void *b)
{
    return strcmp(((const gen_entity_slot *)a)->name, ((const gen_entity_slot *)b)->name);
}

/* The entity names of @entities (a mapping), for gen_sload_entity_index() and hints. */
static bool index_names(gen_sload *ld, const gen_yaml_node *entities)
{
    size_t n = entities->n_pairs;
    ld->by_name = malloc(n * sizeof *ld->by_name);
    ld->names = malloc(n * sizeof *ld->names);
    if (!ld->by_name || !ld->names)
        return gen_sload_nomem(ld);
    for (size_t i = 0; i < n; i++) {
        ld->names[i] = entities->pairs[i].key->text;
        ld->by_name[i] = (gen_entity_slot){ ld->names[i], i };
    }
    /* The tree already refused duplicate keys, so names are unique. */
    qsort(ld->by_name, n, sizeof *ld->by_name, cmp_slot);
    ld->n_names = n;
    return true;
}

/* Two entities on one table: reported at the later one's `table:` (or its name). */
static void check_tables(gen_sload *ld, const gen_yaml_node *entities)
{
    gen_schema *s = ld->s;
    const char **tables = malloc(s->n_entities * sizeof *tables);
    size_t *first = malloc(s->n_entities * sizeof *first);
    if (!tables || !first) {
        gen_sload_nomem(ld);
        goto done;
    }
    for (size_t i = 0; i < s->n_entities; i++)
        tables[i] = s->entities[i].table ? s->entities[i].table : "";
    if (!gen_names_first(first, tables, s->n_entities)) {
        gen_sload_nomem(ld);
        goto done;
    }
    for (size_t i = 0; i < s->n_entities; i++) {
        if (first[i] == i || !*tables[i])
            continue;
        const gen_entity *orig = &s->entities[first[i]];
        const gen_yaml_node *at = gen_yaml_get(entities->pairs[i].value, "table");
        gen_sload_error(ld, at ? at : entities->pairs[i].key,
                        "table '%s' is already used by entity '%s' (line %d)", tables[i],
                        orig->name, orig->pos.line);
    }

done:
    free(tables);
    free(first);
}

/*
 * A replicated record that refers to a record of an entity that does not
 * replicate would point, on every other node, at a row that node does not
 * have (or at another row under the same key): refused at the ref's `to:`.
 * Run once every entity is loaded, since a ref may name one further down.
 */
static void check_replicated_refs(gen_sload *ld, const gen_yaml_node *entities)
{
    const gen_schema *s = ld->s;
    for (size_t i = 0; i < s->n_entities; i++) {
        const gen_entity *e = &s->entities[i];
        if (!e->replicate)
            continue;
        const gen_yaml_node *fields = gen_yaml_get(entities->pairs[i].value, "fields");
        for (size_t j = 0; j < e->n_fields; j++) {
            const gen_field *f = &e->fields[j];
            if (f->type != TRAIL_TYPE_REF || !f->ref || f->ref->replicate)
                continue;
            /* Loaded from a mapping of options (`to:` is one), so the nodes are there. */
            const gen_yaml_node *to = gen_yaml_get(fields->pairs[j].value, "to");
            gen_sload_error(ld, to,
                            "entity '%s' replicates but '%s' does not (`replicate: false`), so "
                            "on other nodes this ref would name a row they do not have; set "
                            "`replicate: false` on '%s' too%s",
                            e->name, f->ref->name, e->name,
                            f->ref->key == TRAIL_KEY_ULID ? ", or let the entity it names replicate"
                                                          : "");
        }
    }
}

/* One C identifier trailgen will emit, after the schema's prefix, and what makes it. */
typedef struct c_name {
    char *text;
    char *by;                /* "entity 'customer'", "field 'customer.tier'", ... */
    const gen_yaml_node *at; /* what makes it: the key of the entity or field, `schema:` */
} c_name;

/* Adds "@a_@b" (@a alone when @b is NULL), made by @by_fmt; false when memory ran out. */
#if defined(__GNUC__)
__attribute__((format(printf, 6, 7)))
#endif
static bool
add_c_name(c_name *names, size_t *n, const char *a, const char *b, const gen_yaml_node *at,
           const char *by_fmt, ...)
{
    trail_buf t = TRAIL_BUF_INIT, by = TRAIL_BUF_INIT;
    va_list ap;
    va_start(ap, by_fmt);
    int rc = trail__buf_vappendf(&by, by_fmt, ap);
    va_end(ap);
    if (rc == TRAIL_OK)
        rc = b ? trail__buf_appendf(&t, "%s_%s", a, b) : trail__buf_append_str(&t, a);
    if (rc < 0) {
        trail__buf_free(&t);
        trail__buf_free(&by);
        return false;
    }
    names[(*n)++] = (c_name){ t.data, by.data, at };
    return true;
}

/*
 * Names that would clash in the generated C: an entity `customer_create`
 * beside the function of entity `customer`, a field `tier_free` beside the
 * enum constant of `tier: free`. Lower-case names (types, functions) and
 * upper-case ones (macros, constants) are checked apart. Runs only on a
 * schema loaded without a problem, so @entities (the mapping the entities
 * came from) holds each entity and field at its index.
 */
static void check_c_names(gen_sload *ld, const gen_yaml_node *entities)
{
    static const char *const suffixes[] = { NULL,     "create",        "create_params",
                                            "update", "update_params", "get",
                                            "list",   "row_fn",        "delete",
                                            "clear",  "entity",        "create_params_init" };
    /* The entity's own macros beside the field bits SCHEMA_ENTITY_FIELD. */
    static const char *const upper_suffixes[] = { "create_init" };
    const gen_schema *s = ld->s;
    for (int upper = 0; upper < 2; upper++) {
        size_t cap = 2, n = 0;
        for (size_t i = 0; i < s->n_entities; i++) {
            cap += sizeof suffixes / sizeof suffixes[0] +
                   sizeof upper_suffixes / sizeof upper_suffixes[0];
            for (size_t j = 0; j < s->entities[i].n_fields; j++)
                cap += 2 + s->entities[i].fields[j].n_values;
        }
        c_name *names = calloc(cap, sizeof *names);
        const char **texts = calloc(cap, sizeof *texts);
        size_t *first = calloc(cap, sizeof *first);
        bool ok = names && texts && first;
        const gen_yaml_node *top = gen_yaml_get(entities->parent, "schema");
        if (ok)
            ok = upper ? add_c_name(names, &n, "schema_version", NULL, top, "the schema") &&
                             add_c_name(names, &n, "h", NULL, top, "the schema")
                       : add_c_name(names, &n, "migrate", NULL, top, "the schema") &&
                             add_c_name(names, &n, "schema", NULL, top, "the schema");
        for (size_t i = 0; ok && i < s->n_entities; i++) {
            const gen_entity *e = &s->entities[i];
            const gen_yaml_node *ekey = entities->pairs[i].key;
            const gen_yaml_node *fields = gen_yaml_get(entities->pairs[i].value, "fields");
            for (size_t k = 0; !upper && ok && k < sizeof suffixes / sizeof suffixes[0]; k++)
                ok = add_c_name(names, &n, e->name, suffixes[k], ekey, "entity '%s'", e->name);
            for (size_t k = 0; upper && ok && k < sizeof upper_suffixes / sizeof upper_suffixes[0];
                 k++)
                ok =
                    add_c_name(names, &n, e->name, upper_suffixes[k], ekey, "entity '%s'", e->name);
            for (size_t j = 0; ok && j < e->n_fields; j++) {
                const gen_field *f = &e->fields[j];
                const gen_yaml_node *fkey = fields->pairs[j].key;
                char ef[2 * GEN_NAME_MAX + 2], fb[GEN_NAME_MAX + 16];
                snprintf(ef, sizeof ef, "%s_%s", e->name, f->name);
                snprintf(fb, sizeof fb, "find_by_%s", f->name);
                if (!upper && f->unique)
                    ok =
                        add_c_name(names, &n, e->name, fb, fkey, "field '%s.%s'", e->name, f->name);
                if (ok && (upper || f->type == TRAIL_TYPE_ENUM))
                    ok = add_c_name(names, &n, ef, NULL, fkey, "field '%s.%s'", e->name, f->name);
                for (size_t v = 0; ok && upper && v < f->n_values; v++)
                    ok = add_c_name(names, &n, ef, f->values[v], fkey,
                                    "value '%s' of field '%s.%s'", f->values[v], e->name, f->name);
            }
        }
        for (size_t i = 0; ok && i < n; i++)
            texts[i] = names[i].text;
        if (ok && !gen_names_first(first, texts, n))
            ok = false;
        for (size_t i = 0; ok && i < n; i++) {
            if (first[i] == i)
                continue;
            const c_name *a = &names[first[i]], *b = &names[i];
            char shown[3 * GEN_NAME_MAX + 8];
            snprintf(shown, sizeof shown, "%s_%s", s->name, b->text);
            for (char *p = shown; upper && *p; p++)
                *p = (char)toupper((unsigned char)*p);
            gen_sload_error(ld, b->at,
                            "%s makes the C name %s, which %s (line %d) makes too; rename one",
                            b->by, shown, a->by, a->at->pos.line);
        }
        if (!ok)
            gen_sload_nomem(ld);
        for (size_t i = 0; names && i < n; i++) {
            free(names[i].text);
            free(names[i].by);
        }
        free(names);
        free(texts);
        free(first);
        if (!ok)
            return;
    }
}

static void load_entities(gen_sload *ld, const gen_yaml_node *entities)
{
    gen_schema *s = ld->s;
    if (!gen_sload_expect(ld, entities, GEN_YAML_MAPPING))
        return;
    if (entities->n_pairs == 0) {
        gen_sload_error(ld, entities, "entities is empty: a schema needs at least one entity");
        return;
    }
    if (!index_names(ld, entities))
        return;
    s->entities = calloc(entities->n_pairs, sizeof *s->entities);
    if (!s->entities) {
        gen_sload_nomem(ld);
        return;
    }
    /* Counted up front: refs point into this array while it is being filled. */
    s->n_entities = entities->n_pairs;
    for (size_t i = 0; i < s->n_entities && !ld->nomem; i++)
        gen_sload_entity(ld, &s->entities[i], &entities->pairs[i]);
    if (!ld->nomem)
        check_tables(ld, entities);
    if (!ld->nomem)
        check_replicated_refs(ld, entities);
    if (!ld->nomem && ld->diag->errors == ld->base && ld->n_msgs == 0)
        check_c_names(ld, entities);
}

static void load_top(gen_sload *ld, const gen_yaml_node *root)
{
    static const char *const keys[] = { "schema", "version", "entities", "events" };
    gen_schema *s = ld->s;

    if (root->kind == GEN_YAML_INVALID)
        return;
    if (root->kind != GEN_YAML_MAPPING) {
        gen_sload_error(ld, root,
                        "expected a mapping with keys schema, version and entities, found %s",
                        gen_yaml_describe(root));
        return;
    }
    gen_sload_keys(ld, root, "key", keys, sizeof keys / sizeof keys[0]);

    const gen_yaml_node *name = gen_yaml_get(root, "schema");
    const char *text;
    if (!name) {
        gen_sload_error(ld, root, "missing key 'schema' (the prefix of generated names)");
    } else if ((text = gen_sload_name(ld, name, "schema name"))) {
        if (gen_name_trail(text))
            gen_sload_error(ld, name,
                            "schema name '%s' is taken: trail_ is the runtime's own prefix", text);
        else if (gen_name_c_keyword(text))
            gen_sload_error(ld, name, "schema name '%s' is a C keyword", text);
        else
            s->name = gen_sload_strdup(ld, text);
    }

    const gen_yaml_node *version = gen_yaml_get(root, "version");
    if (!version) {
        gen_sload_error(ld, root, "missing key 'version' (an integer, 1 or more)");
    } else if (gen_sload_int(ld, version, &s->version) && s->version < 1) {
        gen_sload_error(ld, version, "version must be at least 1, found %lld",
                        (long long)s->version);
    }

    const gen_yaml_node *entities = gen_yaml_get(root, "entities");
    if (!entities)
        gen_sload_error(ld, root, "missing key 'entities'");
    else
        load_entities(ld, entities);

    const gen_yaml_node *events = gen_yaml_get(root, "events");
    if (events)
        gen_sload_events(ld, events);
}

/* Problems of the YAML itself join the others, to be sorted with them. */
static bool tree_report(void *ctx, const gen_yaml_node *at, gen_pos pos, const char *msg)
{
    gen_sload *ld = ctx;
    gen_sload_error_pos(ld, at, pos, "%s", msg);
    return !ld->gave_up;
}

gen_schema *gen_schema_load_mem(const char *path, const char *text, size_t len, gen_diag *diag)
{
    gen_sload ld = { .path = path, .diag = diag, .base = diag->errors };
    gen_yaml_node *root = NULL;
    gen_schema *out = NULL;

    if (!(ld.s = calloc(1, sizeof *ld.s))) {
        gen_sload_nomem(&ld);
        goto done;
    }
    if (!(ld.s->path = gen_sload_strdup(&ld, path)))
        goto done;
    int rc = gen_yaml_load(&root, text, len, tree_report, &ld);
    if (rc == TRAIL_ENOMEM)
        gen_sload_nomem(&ld);
    if (rc != TRAIL_OK)
        goto flush;
    if (!root)
        gen_sload_error_pos(&ld, NULL, (gen_pos){ 1, 1 },
                            "the file is empty: expected a mapping with keys schema, version and "
                            "entities");
    else
        load_top(&ld, root);
flush:
    gen_sload_flush(&ld);
    /* Problems of the YAML count too: they may have dropped parts of the tree. */
    if (diag->errors == ld.base) {
        out = ld.s;
        ld.s = NULL;
    }

done:
    gen_yaml_free(root);
    free(ld.by_name);
    free(ld.names);
    gen_schema_free(ld.s);
    return out;
}

/*
 * Read all of @path into @out (which the caller frees with trail__buf_free()).
 * Reports and returns false on failure.
 */
static bool read_file(trail_buf *out, const char *path, gen_diag *diag)
{
    const gen_pos whole = { 0, 0 };
    FILE *f = fopen(path, "rb");
    if (!f) {
        gen_diag_error(diag, path, whole, "cannot open: %s", strerror(errno));
        goto fail;
    }
    for (;;) {
        char chunk[65536];
        size_t n = fread(chunk, 1, sizeof chunk, f);
        if (n > 0 && trail__buf_append(out, chunk, n) != TRAIL_OK) {
            gen_diag_error(diag, path, whole, "out of memory");
            goto fail_file;
        }
        if (out->len > FILE_MAX) {
            gen_diag_error(diag, path, whole, "larger than %u MB: not a schema", FILE_MAX >> 20);
            goto fail_file;
        }
        if (n < sizeof chunk)
            break;
    }
    if (ferror(f)) {
        gen_diag_error(diag, path, whole, "cannot read: %s", strerror(errno));
        goto fail_file;
    }
    fclose(f);
    return true;

fail_file:
    fclose(f);
    trail__buf_free(out);
fail:
    return false;
}

gen_schema *gen_schema_load(const char *path, gen_diag *diag)
{
    trail_buf text = TRAIL_BUF_INIT;
    if (!read_file(&text, path, diag))
        return NULL;
    gen_schema *s = gen_schema_load_mem(path, text.data ? text.data : "", text.len, diag);
    trail__buf_free(&text);
    return s;
}
