/*
 * schema_field.c - one field: its name, its type and the options that go
 * with the type, and its default checked against all of them.
 *
 * A field is a mapping of options (`email: { type: text, max: 254 }`) or,
 * when it needs none, just its type (`name: text`).
 */
#include "schema_field.h"
#include "names.h"
#include "schema_value.h"
#include "core/isotime.h"
#include "core/json_exact.h"
#include "core/utf8.h"
#include "trail/error.h"
#include "trail/types.h"

#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
    OPT_TYPE,
    OPT_NULL,
    OPT_DEFAULT,
    OPT_UNIQUE,
    OPT_MAX,
    OPT_MIN,
    OPT_AUDIT,
    OPT_VALUES,
    OPT_TO,
    OPT_COUNT
};

static const char *const opt_names[OPT_COUNT] = {
    "type", "null", "default", "unique", "max", "min", "audit", "values", "to",
};

#define T(x) (1u << TRAIL_TYPE_##x)
#define ALL_TYPES                                                                                  \
    (T(BOOL) | T(INT32) | T(INT64) | T(DOUBLE) | T(TEXT) | T(BLOB) | T(DATE) | T(TIMESTAMP) |      \
     T(JSON) | T(ENUM) | T(REF))

/*
 * The types each option applies to. No default for blob (no sensible literal)
 * or ref (an id is data, not schema); nothing unique that cannot be compared
 * exactly (double) or indexed portably (blob, json), nor bool (at most two rows).
 */
static const unsigned opt_types[OPT_COUNT] = {
    [OPT_TYPE] = ALL_TYPES,
    [OPT_NULL] = ALL_TYPES,
    [OPT_DEFAULT] = ALL_TYPES & ~(T(BLOB) | T(REF)),
    [OPT_UNIQUE] = ALL_TYPES & ~(T(BOOL) | T(DOUBLE) | T(BLOB) | T(JSON)),
    [OPT_MAX] = T(TEXT) | T(BLOB) | T(INT32) | T(INT64) | T(DOUBLE),
    [OPT_MIN] = T(INT32) | T(INT64) | T(DOUBLE),
    [OPT_AUDIT] = ALL_TYPES,
    [OPT_VALUES] = T(ENUM),
    [OPT_TO] = T(REF),
};

/*
 * Type names for "did you mean": ours, then what other languages call them,
 * so that `integer` (or the misspelt `integr`) leads to int32.
 */
static const char *const type_words[] = {
    "bool",  "int32",  "int64", "double",   "text",    "blob",    "date",      "timestamp",
    "json",  "enum",   "ref",   "boolean",  "int",     "integer", "smallint",  "bigint",
    "long",  "float",  "real",  "number",   "decimal", "string",  "varchar",   "char",
    "bytes", "binary", "bytea", "datetime", "time",    "jsonb",   "reference", "foreign",
};
static const trail_type type_word_types[] = {
    TRAIL_TYPE_BOOL,      TRAIL_TYPE_INT32,  TRAIL_TYPE_INT64,  TRAIL_TYPE_DOUBLE,
    TRAIL_TYPE_TEXT,      TRAIL_TYPE_BLOB,   TRAIL_TYPE_DATE,   TRAIL_TYPE_TIMESTAMP,
    TRAIL_TYPE_JSON,      TRAIL_TYPE_ENUM,   TRAIL_TYPE_REF,    TRAIL_TYPE_BOOL,
    TRAIL_TYPE_INT32,     TRAIL_TYPE_INT32,  TRAIL_TYPE_INT32,  TRAIL_TYPE_INT64,
    TRAIL_TYPE_INT64,     TRAIL_TYPE_DOUBLE, TRAIL_TYPE_DOUBLE, TRAIL_TYPE_DOUBLE,
    TRAIL_TYPE_DOUBLE,    TRAIL_TYPE_TEXT,   TRAIL_TYPE_TEXT,   TRAIL_TYPE_TEXT,
    TRAIL_TYPE_BLOB,      TRAIL_TYPE_BLOB,   TRAIL_TYPE_BLOB,   TRAIL_TYPE_TIMESTAMP,
    TRAIL_TYPE_TIMESTAMP, TRAIL_TYPE_JSON,   TRAIL_TYPE_REF,    TRAIL_TYPE_REF,
};
_Static_assert(sizeof type_words / sizeof type_words[0] ==
                   sizeof type_word_types / sizeof type_word_types[0],
               "every type word maps to a type");

/* The options of one field: each value and its key, NULL when absent. */
typedef struct opts {
    const gen_yaml_node *val[OPT_COUNT];
    const gen_yaml_node *key[OPT_COUNT];
} opts;

static bool has_type(const gen_field *f, unsigned types)
{
    return (types & (1u << f->type)) != 0;
}

static void check_name(gen_sload *ld, const gen_yaml_node *key)
{
    const char *name = gen_sload_name(ld, key, "field name");
    size_t len = name ? strlen(name) : 0;
    if (!name)
        return;
    if (strcmp(name, "id") == 0)
        gen_sload_error(ld, key, "field name 'id' is taken: every entity has `id`, its key");
    else if (strcmp(name, "version") == 0)
        gen_sload_error(ld, key,
                        "field name 'version' is taken: every entity has `version`, its count of "
                        "changes");
    else if (strncmp(name, "trail_", 6) == 0)
        gen_sload_error(ld, key,
                        "field name '%s' starts with trail_, which is kept for the members "
                        "trail adds to the generated structs",
                        name);
    else if (len >= 5 && strcmp(name + len - 5, "_null") == 0)
        gen_sload_error(ld, key,
                        "field name '%s' ends in _null, which would clash with the `<field>_null` "
                        "member generated for nullable fields",
                        name);
    else if (gen_name_c_keyword(name))
        gen_sload_error(ld, key, "field name '%s' is a C keyword", name);
    else if (gen_name_sql_reserved(name))
        gen_sload_error(ld, key, "field name '%s' is a reserved word in SQL", name);
}

static bool load_type(gen_sload *ld, gen_field *f, const gen_yaml_node *n)
{
    if (!gen_sload_expect(ld, n, GEN_YAML_SCALAR))
        return false;
    if (trail_type_from_name(&f->type, n->text))
        return true;
    char ex[GEN_YAML_EXCERPT];
    gen_yaml_excerpt(ex, n->text, n->len);
    const size_t count = sizeof type_words / sizeof type_words[0];
    const char *hint = gen_suggest(n->text, type_words, count);
    if (hint) {
        size_t i = 0;
        while (type_words[i] != hint)
            i++;
        gen_sload_error(ld, n, "unknown type '%s'; did you mean '%s'?", ex,
                        trail_type_name(type_word_types[i]));
    } else {
        gen_sload_error(ld, n,
                        "unknown type '%s' (expected bool, int32, int64, double, text, blob, "
                        "date, timestamp, json, enum or ref)",
                        ex);
    }
    return false;
}

/* An integer bound or default of @f: it must fit the field's C type. */
static bool load_int(gen_sload *ld, const gen_field *f, const gen_yaml_node *n, const char *what,
                     int64_t *out)
{
    if (!gen_sload_int(ld, n, out))
        return false;
    if (f->type == TRAIL_TYPE_INT32 && (*out < INT32_MIN || *out > INT32_MAX)) {
        gen_sload_error(ld, n, "%s %lld does not fit in int32 (%d to %d)", what, (long long)*out,
                        INT32_MIN, INT32_MAX);
        return false;
    }
    return true;
}

static void load_bounds(gen_sload *ld, gen_field *f, const opts *o)
{
    const gen_yaml_node *min = o->val[OPT_MIN], *max = o->val[OPT_MAX];
    if (f->type == TRAIL_TYPE_DOUBLE) {
        f->has_min = min && gen_sload_double(ld, min, &f->min_d);
        f->has_max = max && gen_sload_double(ld, max, &f->max_d);
        if (f->has_min && f->has_max && f->min_d > f->max_d)
            gen_sload_error(ld, min, "min %g is greater than max %g", f->min_d, f->max_d);
        return;
    }
    f->has_min = min && load_int(ld, f, min, "min", &f->min);
    f->has_max = max && load_int(ld, f, max, "max", &f->max);
    if (f->has_max && f->max < 1 && (f->type == TRAIL_TYPE_TEXT || f->type == TRAIL_TYPE_BLOB)) {
        gen_sload_error(ld, max, "max must be at least 1, found %lld", (long long)f->max);
        f->has_max = false;
    }
    if (f->has_min && f->has_max && f->min > f->max)
        gen_sload_error(ld, min, "min %lld is greater than max %lld", (long long)f->min,
                        (long long)f->max);
}

/* A unique text is indexed, so it must fit in MySQL's index (GEN_INDEX_TEXT_MAX). */
static void check_unique_text(gen_sload *ld, const gen_field *f, const opts *o)
{
    if (!f->unique || f->type != TRAIL_TYPE_TEXT)
        return;
    if (!o->val[OPT_MAX])
        gen_sload_error(ld, o->key[OPT_UNIQUE],
                        "a unique text field needs `max` of at most %d characters (MySQL "
                        "indexes at most 3072 bytes, 4 per character)",
                        GEN_INDEX_TEXT_MAX);
    else if (f->has_max && f->max > GEN_INDEX_TEXT_MAX)
        gen_sload_error(ld, o->val[OPT_MAX],
                        "max %lld is too long for a unique text field: at most %d characters "
                        "(MySQL indexes at most 3072 bytes, 4 per character)",
                        (long long)f->max, GEN_INDEX_TEXT_MAX);
}

static void load_values(gen_sload *ld, gen_field *f, const gen_yaml_node *n)
{
    if (!gen_sload_expect(ld, n, GEN_YAML_SEQUENCE))
        return;
    size_t count = n->n_items;
    if (count == 0) {
        gen_sload_error(ld, n, "values is empty: an enum needs at least one value");
        return;
    }
    const char **texts = malloc(count * sizeof *texts);
    size_t *first = malloc(count * sizeof *first);
    f->values = calloc(count, sizeof *f->values);
    if (!texts || !first || !f->values) {
        gen_sload_nomem(ld);
        goto done;
    }
    for (size_t i = 0; i < count; i++)
        texts[i] = n->items[i]->kind == GEN_YAML_SCALAR ? n->items[i]->text : "";
    if (!gen_names_first(first, texts, count)) {
        gen_sload_nomem(ld);
        goto done;
    }
    for (size_t i = 0; i < count; i++) {
        const gen_yaml_node *item = n->items[i];
        const char *name = gen_sload_name(ld, item, "enum value");
        if (!name)
            continue;
        if (first[i] != i) {
            gen_sload_error(ld, item, "duplicate enum value '%s' (first at line %d)", name,
                            n->items[first[i]]->pos.line);
            continue;
        }
        if (!(f->values[f->n_values] = gen_sload_strdup(ld, name)))
            goto done;
        f->n_values++;
    }

done:
    free(texts);
    free(first);
}

static void load_ref(gen_sload *ld, gen_field *f, const gen_yaml_node *n)
{
    if (!gen_sload_expect(ld, n, GEN_YAML_SCALAR))
        return;
    if (!(f->ref_name = gen_sload_strdup(ld, n->text)))
        return;
    long i = gen_sload_entity_index(ld, n->text);
    if (i >= 0) {
        f->ref = &ld->s->entities[i];
        return;
    }
    char ex[GEN_YAML_EXCERPT];
    gen_yaml_excerpt(ex, n->text, n->len);
    const char *hint = gen_suggest(n->text, ld->names, ld->n_names);
    if (hint)
        gen_sload_error(ld, n, "unknown entity '%s'; did you mean '%s'?", ex, hint);
    else
        gen_sload_error(ld, n, "unknown entity '%s'", ex);
}

/* "default 'gold' is not one of free, pro, enterprise" */
static void report_not_a_value(gen_sload *ld, const gen_field *f, const gen_yaml_node *n)
{
    char list[384], ex[GEN_YAML_EXCERPT];
    size_t used = 0;
    list[0] = '\0';
    for (size_t i = 0; i < f->n_values && used < sizeof list; i++) {
        int w = snprintf(list + used, sizeof list - used, "%s%s", i ? ", " : "", f->values[i]);
        if (w < 0 || (size_t)w >= sizeof list - used) {
            memcpy(list + sizeof list - 4, "...", 4);
            break;
        }
        used += (size_t)w;
    }
    gen_sload_error(ld, n, "default '%s' is not one of %s", gen_yaml_excerpt(ex, n->text, n->len),
                    list);
}

static bool default_in_bounds(gen_sload *ld, const gen_field *f, const gen_yaml_node *n, int64_t v)
{
    if (f->has_min && v < f->min)
        gen_sload_error(ld, n, "default %lld is less than min %lld", (long long)v,
                        (long long)f->min);
    else if (f->has_max && v > f->max)
        gen_sload_error(ld, n, "default %lld is greater than max %lld", (long long)v,
                        (long long)f->max);
    else
        return true;
    return false;
}

/* The default of a field whose type, bounds and values are known; sets has_default when valid. */
static void load_default(gen_sload *ld, gen_field *f, const gen_yaml_node *n)
{
    char ex[GEN_YAML_EXCERPT];
    bool b = false;
    int32_t days = 0;

    /* `default: null` says what a nullable field does anyway; elsewhere it is a mistake. */
    if (gen_yaml_is_null(n)) {
        if (!f->nullable)
            gen_sload_error(ld, n, "default null needs `null: true`");
        return;
    }
    if (f->type == TRAIL_TYPE_JSON && n->kind != GEN_YAML_SCALAR && n->kind != GEN_YAML_INVALID) {
        gen_sload_error(ld, n,
                        "a json default is a string holding the JSON: quote it, e.g. "
                        "default: '{\"a\": 1}'");
        return;
    }
    switch (f->type) {
    case TRAIL_TYPE_BOOL:
        f->has_default = gen_sload_bool(ld, n, &b);
        f->def_i = b;
        return;
    case TRAIL_TYPE_INT32:
    case TRAIL_TYPE_INT64:
        f->has_default =
            load_int(ld, f, n, "default", &f->def_i) && default_in_bounds(ld, f, n, f->def_i);
        return;
    case TRAIL_TYPE_DOUBLE:
        if (!gen_sload_double(ld, n, &f->def_d))
            return;
        if (f->def_d == 0.0)
            f->def_d = 0.0; /* -0.0 too: trail stores the one zero (docs/values.md) */
        if (f->has_min && f->def_d < f->min_d)
            gen_sload_error(ld, n, "default %g is less than min %g", f->def_d, f->min_d);
        else if (f->has_max && f->def_d > f->max_d)
            gen_sload_error(ld, n, "default %g is greater than max %g", f->def_d, f->max_d);
        else
            f->has_default = true;
        return;
    default:
        break;
    }

    /* The remaining types take their default as text. */
    if (!gen_sload_expect(ld, n, GEN_YAML_SCALAR))
        return;
    gen_yaml_excerpt(ex, n->text, n->len);
    if (f->type == TRAIL_TYPE_TEXT) {
        size_t chars = trail__utf8_count(n->text, n->len);
        if (f->has_max && chars > (uint64_t)f->max) {
            gen_sload_error(ld, n, "default has %zu characters, more than max %lld", chars,
                            (long long)f->max);
            return;
        }
    } else if (f->type == TRAIL_TYPE_ENUM) {
        size_t i = 0;
        while (i < f->n_values && strcmp(f->values[i], n->text) != 0)
            i++;
        if (i == f->n_values) {
            if (f->n_values > 0) /* else `values` was wrong, and said so */
                report_not_a_value(ld, f, n);
            return;
        }
        f->def_i = (int64_t)i;
    } else if (f->type == TRAIL_TYPE_DATE) {
        if (trail__isotime_parse_date(&days, n->text, n->len) != TRAIL_OK) {
            gen_sload_error(ld, n, "default '%s' is not a date: write it as YYYY-MM-DD", ex);
            return;
        }
        if (days < TRAIL_DATE_MIN || days > TRAIL_DATE_MAX) {
            gen_sload_error(ld, n,
                            "default '%s' is outside the dates trail stores, 0001-01-01 to "
                            "9999-12-31",
                            ex);
            return;
        }
        f->def_i = days;
    } else if (f->type == TRAIL_TYPE_TIMESTAMP) {
        if (trail__isotime_parse_ms(&f->def_i, n->text, n->len) != TRAIL_OK) {
            gen_sload_error(ld, n,
                            "default '%s' is not a timestamp: write it in UTC as "
                            "2024-01-01T00:00:00Z or 2024-01-01T00:00:00.000Z",
                            ex);
            return;
        }
        if (f->def_i < TRAIL_TIMESTAMP_MIN || f->def_i > TRAIL_TIMESTAMP_MAX) {
            gen_sload_error(ld, n,
                            "default '%s' is outside the timestamps trail stores, "
                            "0001-01-01T00:00:00.000Z to 9999-12-31T23:59:59.999Z",
                            ex);
            return;
        }
    } else if (f->type == TRAIL_TYPE_JSON) {
        /* What a json field takes from a caller (core/json_exact.h), ... */
        trail_json_verdict verdict;
        if (trail__json_check(n->text, strlen(n->text), &verdict) < 0) {
            if (verdict.fault == TRAIL_JSON_NUL)
                gen_sload_error(ld, n,
                                "default holds \\u0000 (a NUL character), which trail does not "
                                "accept in JSON: PostgreSQL cannot store it");
            else if (verdict.fault == TRAIL_JSON_NUMBER)
                gen_sload_error(ld, n, "default: %s", verdict.why);
            else
                gen_sload_error(ld, n, "default is not valid JSON: %s",
                                verdict.fault ? verdict.why : "out of memory");
            return;
        }
        /* ... and what the schema's description, which jansson reads, holds: int64s and doubles. */
        json_error_t err;
        json_t *j = json_loads(n->text, JSON_DECODE_ANY, &err);
        if (!j) {
            gen_sload_error(ld, n,
                            "default holds a number beyond the 64-bit integers and doubles that "
                            "trail keeps a default in (%s)",
                            err.text);
            return;
        }
        json_decref(j);
    }
    if (f->type == TRAIL_TYPE_TEXT || f->type == TRAIL_TYPE_JSON) {
        if (!(f->def_s = gen_sload_strdup(ld, n->text)))
            return;
    }
    f->has_default = true;
}

/* The options of the mapping @map into @o, with every unknown one reported. */
static void collect(gen_sload *ld, const gen_yaml_node *map, opts *o)
{
    gen_sload_keys(ld, map, "option", opt_names, OPT_COUNT);
    for (size_t i = 0; i < map->n_pairs; i++) {
        for (size_t j = 0; j < OPT_COUNT; j++) {
            if (strcmp(map->pairs[i].key->text, opt_names[j]) == 0) {
                o->key[j] = map->pairs[i].key;
                o->val[j] = map->pairs[i].value;
            }
        }
    }
}

/*
 * A field kept out of events (docs/replication.md, "Row effects") never
 * leaves its node, so on every other node a replicated record must be able
 * to do without its value: the field needs a default or NULL. A field whose
 * `default` or `null` was given but is wrong was reported already.
 */
static void check_kept_here(gen_sload *ld, const gen_field *f, const opts *o, bool null_read,
                            const gen_entity *e)
{
    if (!e->replicate || f->audit == GEN_AUDIT_FULL || f->nullable || f->has_default ||
        o->key[OPT_DEFAULT] || !null_read)
        return;
    bool takes_default = has_type(f, opt_types[OPT_DEFAULT]);
    gen_sload_error(ld, o->val[OPT_AUDIT],
                    "a field of a replicated entity kept out of change events (audit: %s) needs "
                    "%s: its value never leaves this node, so another node must be able to fill "
                    "it; or set `replicate: false` on entity '%s' to keep its rows on this node",
                    f->audit == GEN_AUDIT_REDACT ? "redact" : "omit",
                    takes_default ? "`default` or `null: true`" : "`null: true`", e->name);
}

void gen_sload_field(gen_sload *ld, gen_field *f, const gen_yaml_pair *pair, const gen_entity *e)
{
    const gen_yaml_node *key = pair->key, *val = pair->value;
    opts o = { 0 };
    f->pos = key->pos;
    if (!(f->name = gen_sload_strdup(ld, key->text)))
        return;
    check_name(ld, key);

    if (val->kind == GEN_YAML_MAPPING) {
        collect(ld, val, &o);
        if (!o.val[OPT_TYPE]) {
            gen_sload_error(ld, key, "missing option 'type' of field '%s'", f->name);
            return;
        }
    } else if (val->kind == GEN_YAML_SCALAR && !gen_yaml_is_null(val)) {
        o.val[OPT_TYPE] = val; /* the shorthand `name: text` */
    } else {
        if (val->kind != GEN_YAML_INVALID)
            gen_sload_error(ld, val->len == 0 && val->kind == GEN_YAML_SCALAR ? key : val,
                            "expected a type or a mapping of options, found %s",
                            gen_yaml_describe(val));
        return;
    }
    if (!load_type(ld, f, o.val[OPT_TYPE]))
        return;

    for (size_t i = 0; i < OPT_COUNT; i++) {
        if (o.val[i] && !has_type(f, opt_types[i])) {
            gen_sload_error(ld, o.key[i], "option '%s' does not apply to type '%s'", opt_names[i],
                            trail_type_name(f->type));
            o.val[i] = NULL;
        }
    }

    bool null_read = !o.val[OPT_NULL] || gen_sload_bool(ld, o.val[OPT_NULL], &f->nullable);
    if (o.val[OPT_UNIQUE])
        gen_sload_bool(ld, o.val[OPT_UNIQUE], &f->unique);
    if (o.val[OPT_AUDIT]) {
        static const char *const modes[] = { "redact", "omit" };
        int m = gen_sload_choice(ld, o.val[OPT_AUDIT], "audit mode", modes, 2);
        f->audit = m == 0 ? GEN_AUDIT_REDACT : m == 1 ? GEN_AUDIT_OMIT : GEN_AUDIT_FULL;
    }
    load_bounds(ld, f, &o);
    check_unique_text(ld, f, &o);

    if (f->type == TRAIL_TYPE_ENUM) {
        if (o.val[OPT_VALUES])
            load_values(ld, f, o.val[OPT_VALUES]);
        else
            gen_sload_error(ld, key, "an enum needs `values`, the list of its values");
    }
    if (f->type == TRAIL_TYPE_REF) {
        if (o.val[OPT_TO])
            load_ref(ld, f, o.val[OPT_TO]);
        else
            gen_sload_error(ld, key, "a ref needs `to`, the entity it refers to");
    }
    if (o.val[OPT_DEFAULT] && !ld->nomem)
        load_default(ld, f, o.val[OPT_DEFAULT]);
    check_kept_here(ld, f, &o, null_read, e);
}
