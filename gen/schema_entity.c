/*
 * schema_entity.c - one entity: its name and table, key and conflict modes,
 * whether it replicates, its fields (schema_field.c loads each) and its
 * indexes.
 */
#include "schema_entity.h"
#include "names.h"
#include "schema_field.h"
#include "schema_value.h"
#include "trail/types.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const entity_keys[] = { "table",     "key",    "conflict",
                                           "replicate", "fields", "indexes" };

/*
 * A table name (valid as a name, the text of @at) must not be a word SQL
 * reserves nor look like one of the runtime's tables. @given: whether it came
 * from `table:` (else it is the entity's name, and the fix is to add `table:`).
 */
static void check_table(gen_sload *ld, const char *table, const gen_yaml_node *at, bool given)
{
    const char *fix = given ? "choose another name" : "add `table:` with another name";
    if (gen_name_trail(table)) {
        gen_sload_error(ld, at, "table name '%s' is taken: trail_ tables belong to the runtime; %s",
                        table, fix);
    } else if (gen_name_sql_reserved(table)) {
        /* "orders" for "order"; a word that is plural already ("keys"), or whose
         * plural is reserved too, gets another form. */
        char alt[GEN_NAME_MAX + 8];
        size_t len = strlen(table);
        snprintf(alt, sizeof alt, "%ss", table);
        if (len + 1 > GEN_NAME_MAX || table[len - 1] == 's' || gen_name_sql_reserved(alt))
            snprintf(alt, sizeof alt, "%s_rows", table);
        gen_sload_error(ld, at, "table name '%s' is a reserved word in SQL; %s (e.g. '%s')", table,
                        fix, alt);
    }
}

/* The table of @e, whose name and options are the key and value of @pair. */
static void load_table(gen_sload *ld, gen_entity *e, const gen_yaml_pair *pair, bool name_ok)
{
    const gen_yaml_node *n = gen_yaml_get(pair->value, "table");
    if (n) {
        const char *table = gen_sload_name(ld, n, "table name");
        if (table) {
            check_table(ld, table, n, true);
            e->table = gen_sload_strdup(ld, table);
        }
    } else if (name_ok) {
        check_table(ld, e->name, pair->key, false);
        e->table = gen_sload_strdup(ld, e->name);
    }
}

static void load_modes(gen_sload *ld, gen_entity *e, const gen_yaml_node *map)
{
    static const char *const keys[] = { "ulid", "int64" };
    static const char *const conflicts[] = { "lww", "manual" };
    const gen_yaml_node *n;
    int i;

    e->key = TRAIL_KEY_ULID;
    if ((n = gen_yaml_get(map, "key")) && (i = gen_sload_choice(ld, n, "key kind", keys, 2)) >= 0)
        e->key = i == 0 ? TRAIL_KEY_ULID : TRAIL_KEY_INT64;
    e->conflict = TRAIL_CONFLICT_LWW;
    if ((n = gen_yaml_get(map, "conflict")) &&
        (i = gen_sload_choice(ld, n, "conflict mode", conflicts, 2)) >= 0)
        e->conflict = i == 0 ? TRAIL_CONFLICT_LWW : TRAIL_CONFLICT_MANUAL;
    e->replicate = true;
    if ((n = gen_yaml_get(map, "replicate")) && !gen_sload_bool(ld, n, &e->replicate))
        e->replicate = false; /* reported; not taken for true, which would add problems */
    /* docs/replication.md, "Keys": each node's counter would hand out the same int64 keys. */
    if (e->key == TRAIL_KEY_INT64 && e->replicate)
        gen_sload_error(ld, gen_yaml_get(map, "key"),
                        "int64 keys are handed out by each database's own counter, so two nodes "
                        "would hand out the same keys; use `key: ulid`, or `replicate: false` to "
                        "keep its rows on this node");
}

static void load_fields(gen_sload *ld, gen_entity *e, const gen_yaml_pair *pair)
{
    const gen_yaml_node *fields = gen_yaml_get(pair->value, "fields");
    if (!fields) {
        gen_sload_error(ld, pair->key, "missing key 'fields' of entity '%s'", e->name);
        return;
    }
    if (!gen_sload_expect(ld, fields, GEN_YAML_MAPPING))
        return;
    size_t n = fields->n_pairs;
    if (n == 0) {
        gen_sload_error(ld, fields, "fields is empty: an entity needs at least one field");
        return;
    }
    if (n > GEN_FIELDS_MAX) {
        gen_sload_error(ld, fields->pairs[GEN_FIELDS_MAX].key,
                        "too many fields: an entity has at most %d (the update mask is a "
                        "uint64_t, one bit per field)",
                        GEN_FIELDS_MAX);
        n = GEN_FIELDS_MAX;
    }
    if (!(e->fields = calloc(n, sizeof *e->fields))) {
        gen_sload_nomem(ld);
        return;
    }
    e->n_fields = n;
    for (size_t i = 0; i < n && !ld->nomem; i++)
        gen_sload_field(ld, &e->fields[i], &fields->pairs[i], e);
}

/* The index of the field named @name in @e, or -1 (reported, with a hint). */
static long find_field(gen_sload *ld, const gen_entity *e, const gen_yaml_node *n)
{
    const char *names[GEN_FIELDS_MAX];
    size_t count = 0;
    for (size_t i = 0; i < e->n_fields; i++) {
        if (!e->fields[i].name)
            continue;
        if (strcmp(e->fields[i].name, n->text) == 0)
            return (long)i;
        names[count++] = e->fields[i].name;
    }
    char ex[GEN_YAML_EXCERPT];
    gen_yaml_excerpt(ex, n->text, n->len);
    const char *hint = gen_suggest(n->text, names, count);
    if (hint)
        gen_sload_error(ld, n, "unknown field '%s'; did you mean '%s'?", ex, hint);
    else
        gen_sload_error(ld, n, "unknown field '%s' in entity '%s'", ex, e->name);
    return -1;
}

/* Whether field @f may be in an index; reported at @n when not. */
static bool indexable(gen_sload *ld, const gen_field *f, const gen_yaml_node *n)
{
    if (f->type == TRAIL_TYPE_BLOB || f->type == TRAIL_TYPE_JSON) {
        gen_sload_error(ld, n, "field '%s' cannot be in an index: it is %s", f->name,
                        trail_type_name(f->type));
        return false;
    }
    if (f->type == TRAIL_TYPE_TEXT && (!f->has_max || f->max > GEN_INDEX_TEXT_MAX)) {
        gen_sload_error(ld, n,
                        "field '%s' cannot be in an index without `max` of at most %d "
                        "characters (MySQL indexes at most 3072 bytes, 4 per character)",
                        f->name, GEN_INDEX_TEXT_MAX);
        return false;
    }
    return true;
}

/* The field names of one index, from the sequence @list, into @ix. */
static bool load_index_fields(gen_sload *ld, const gen_entity *e, const gen_yaml_node *list,
                              gen_index *ix)
{
    if (!gen_sload_expect(ld, list, GEN_YAML_SEQUENCE))
        return false;
    size_t n = list->n_items;
    if (n == 0) {
        gen_sload_error(ld, list, "an index needs at least one field");
        return false;
    }
    if (n > GEN_INDEX_FIELDS_MAX) {
        gen_sload_error(ld, list->items[GEN_INDEX_FIELDS_MAX],
                        "too many fields: an index has at most %d (MySQL's limit)",
                        GEN_INDEX_FIELDS_MAX);
        return false;
    }
    if (!(ix->fields = malloc(n * sizeof *ix->fields)))
        return gen_sload_nomem(ld);

    bool ok = true;
    for (size_t i = 0; i < n; i++) {
        const gen_yaml_node *item = list->items[i];
        long at;
        if (!gen_sload_expect(ld, item, GEN_YAML_SCALAR) || (at = find_field(ld, e, item)) < 0) {
            ok = false;
            continue;
        }
        bool twice = false;
        for (size_t j = 0; j < ix->n_fields; j++)
            twice |= ix->fields[j] == (size_t)at;
        if (twice) {
            gen_sload_error(ld, item, "field '%s' appears twice in this index", item->text);
            ok = false;
        } else if (!indexable(ld, &e->fields[at], item)) {
            ok = false;
        } else {
            ix->fields[ix->n_fields++] = (size_t)at;
        }
    }
    return ok;
}

/* One item of `indexes`: a list of field names, or { fields: [...], unique: bool }. */
static bool load_index(gen_sload *ld, const gen_entity *e, const gen_yaml_node *item, gen_index *ix)
{
    static const char *const keys[] = { "fields", "unique" };
    ix->pos = item->pos;
    if (item->kind == GEN_YAML_SEQUENCE)
        return load_index_fields(ld, e, item, ix);
    if (item->kind != GEN_YAML_MAPPING) {
        if (item->kind != GEN_YAML_INVALID)
            gen_sload_error(ld, item,
                            "expected a list of field names or a mapping with `fields` and "
                            "`unique`, found %s",
                            gen_yaml_describe(item));
        return false;
    }
    gen_sload_keys(ld, item, "key", keys, 2);
    const gen_yaml_node *unique = gen_yaml_get(item, "unique");
    bool ok = !unique || gen_sload_bool(ld, unique, &ix->unique);
    const gen_yaml_node *list = gen_yaml_get(item, "fields");
    if (!list) {
        gen_sload_error(ld, item, "missing key 'fields' of the index");
        return false;
    }
    return load_index_fields(ld, e, list, ix) && ok;
}

static void load_indexes(gen_sload *ld, gen_entity *e, const gen_yaml_node *map)
{
    const gen_yaml_node *list = gen_yaml_get(map, "indexes");
    if (!list || !gen_sload_expect(ld, list, GEN_YAML_SEQUENCE) || list->n_items == 0)
        return;
    if (!(e->indexes = calloc(list->n_items, sizeof *e->indexes))) {
        gen_sload_nomem(ld);
        return;
    }
    for (size_t i = 0; i < list->n_items && !ld->nomem; i++) {
        gen_index *ix = &e->indexes[e->n_indexes];
        if (load_index(ld, e, list->items[i], ix)) {
            e->n_indexes++;
        } else {
            free(ix->fields);
            memset(ix, 0, sizeof *ix);
        }
    }
}

void gen_sload_entity(gen_sload *ld, gen_entity *e, const gen_yaml_pair *pair)
{
    const gen_yaml_node *key = pair->key, *map = pair->value;
    e->pos = key->pos;
    e->key = TRAIL_KEY_ULID;
    e->conflict = TRAIL_CONFLICT_LWW;
    e->replicate = true;
    if (!(e->name = gen_sload_strdup(ld, key->text)))
        return;
    const char *name = gen_sload_name(ld, key, "entity name");
    if (name && gen_name_c_keyword(name)) {
        gen_sload_error(ld, key, "entity name '%s' is a C keyword", name);
        name = NULL;
    }
    if (!gen_sload_expect(ld, map, GEN_YAML_MAPPING))
        return;
    gen_sload_keys(ld, map, "key", entity_keys, sizeof entity_keys / sizeof entity_keys[0]);
    load_table(ld, e, pair, name != NULL);
    load_modes(ld, e, map);
    load_fields(ld, e, pair);
    load_indexes(ld, e, map);
}
