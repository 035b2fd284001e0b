/*
 * test_schema.c - the schema loader of trailgen (SPEC §2): a schema using
 * every type and option loads into the right model; each rule, broken on
 * purpose, is reported at the exact line and column, naming the key path
 * (every key the loader reads, and the bad files of the fuzz corpus), with
 * the right words;
 * several problems in one file are all reported, in file order; and inputs
 * meant to crash or exhaust the loader (no document, deep nesting, invalid
 * UTF-8, NUL bytes, numbers beyond int64, megabytes of junk) are refused
 * with a message. Also the pieces: the YAML tree's positions, the name
 * rules and word lists, and the "did you mean" helper.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "audit/event_columns.h"
#include "names.h"
#include "schema.h"
#include "trail/error.h"
#include "core/utf8.h"
#include "yaml_tree.h"

/* Messages of the last load() (the teardown frees them). */
static gen_diag diag;

static gen_schema *load_n(const char *yaml, size_t len)
{
    gen_diag_free(&diag);
    gen_diag_init(&diag, NULL);
    return gen_schema_load_mem("t.yaml", yaml, len, &diag);
}

static gen_schema *load(const char *yaml)
{
    return load_n(yaml, strlen(yaml));
}

static int teardown(void **state)
{
    (void)state;
    gen_diag_free(&diag);
    gen_diag_init(&diag, NULL);
    return 0;
}

/*
 * The key path every message about a node of the schema starts with: keys
 * joined by '.', a place in a list as [i] counted from 0, as in
 * "entities.e.indexes[0][1]". The top level and the YAML's own syntax have none.
 */
static void prefix_of(char *buf, size_t size, const char *file, const char *at, const char *path)
{
    snprintf(buf, size, "%s:%s: error: %s%s", file, at, path, *path ? ": " : "");
}

/* Whether @s starts with a key path and ": " (a path holds no space). */
static bool starts_with_path(const char *s)
{
    size_t n = strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.[]'");
    return n > 0 && s[n] == ':' && s[n + 1] == ' ';
}

/*
 * Fails unless a message starts "t.yaml:<at>: error: <path>: " (and no path
 * at all when @path is "") and has @words after that prefix.
 */
static void assert_error(const char *at, const char *path, const char *words)
{
    char prefix[512];
    prefix_of(prefix, sizeof prefix, "t.yaml", at, path);
    const char *p = diag.text.data ? diag.text.data : "";
    while (*p) {
        const char *end = strchr(p, '\n');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        char line[2048];
        snprintf(line, sizeof line, "%.*s", (int)n, p);
        const char *rest = line + strlen(prefix);
        if (strncmp(line, prefix, strlen(prefix)) == 0 && strstr(rest, words) &&
            (*path || !starts_with_path(rest)))
            return;
        p += n + (end != NULL);
    }
    fail_msg("no \"%s...%s\" among:\n%s", prefix, words, diag.text.data ? diag.text.data : "");
}

/* @yaml must fail with exactly one problem: @words at @at, about the key at @path. */
static void expect_one(const char *yaml, const char *at, const char *path, const char *words)
{
    gen_schema *s = load(yaml);
    if (s) {
        gen_schema_free(s);
        fail_msg("loaded, expected \"%s: %s: %s\"", at, path, words);
    }
    assert_error(at, path, words);
    if (diag.errors != 1)
        fail_msg("%d errors, expected only \"%s: %s: %s\":\n%s", diag.errors, at, path, words,
                 diag.text.data);
}

/* @head then @times times @unit, in @buf (room for 256 bytes). */
static const char *repeat(char *buf, const char *head, const char *unit, int times)
{
    size_t n = (size_t)snprintf(buf, 256, "%s", head);
    for (int i = 0; i < times && n + strlen(unit) < 256; i++)
        n += (size_t)snprintf(buf + n, 256 - n, "%s", unit);
    return buf;
}

#define HEAD   "schema: shop\nversion: 1\nentities:\n"
/* HEAD, then an entity `e` (line 4) whose fields start on line 6. */
#define ENTITY HEAD "  e:\n    fields:\n"

/* ---------------------------------------------------------------- the model */

static const char valid[] =
    "schema: shop\n"
    "version: 3\n"
    "entities:\n"
    "  customer:\n"
    "    table: customers\n"
    "    key: ulid\n"
    "    conflict: manual\n"
    "    fields:\n"
    "      email: { type: text, max: 254, unique: true }\n"                       /* 0 */
    "      name: text\n"                                                          /* 1 */
    "      tier: { type: enum, values: [free, pro, enterprise], default: pro }\n" /* 2 */
    "      credit: { type: int64, default: -5, min: -10, max: 1000 }\n"           /* 3 */
    "      small: { type: int32, min: -2147483648, max: 2147483647, default: 7, unique: true }\n"
    "      rating: { type: double, null: true, min: 0, max: 5.5, default: 2.5e0 }\n"  /* 5 */
    "      active: { type: bool, default: False }\n"                                  /* 6 */
    "      born: { type: date, null: true, default: '2000-02-29' }\n"                 /* 7 */
    "      seen_at: { type: timestamp, default: 2024-01-01T00:00:01.500Z }\n"         /* 8 */
    "      avatar: { type: blob, null: true, max: 1024 }\n"                           /* 9 */
    "      prefs: { type: json, default: '{\"a\": [1, 2]}' }\n"                       /* 10 */
    "      secret: { type: text, audit: redact, max: 5, default: \"h\\u00e9llo\" }\n" /* 11 */
    "      note: { type: text, null: true, default: null, audit: omit }\n"            /* 12 */
    "      count: { type: int64, default: 0x1F }\n"                                   /* 13 */
    "    indexes:\n"
    "      - [tier, credit]\n"
    "      - { fields: [small, born], unique: true }\n"
    "      - { fields: [email] }\n"
    "  order:\n"
    "    table: orders\n"
    "    key: int64\n"
    "    replicate: false\n"
    "    fields:\n"
    "      customer: { type: ref, to: customer, null: true, unique: true }\n"
    "      total: int64\n"
    "      parent: { type: ref, to: order }\n"
    "  item:\n"
    "    fields:\n"
    "      label: { type: text, max: 80 }\n";

static void test_valid_schema(void **state)
{
    (void)state;
    gen_schema *s = load(valid);
    if (!s)
        fail_msg("did not load:\n%s", diag.text.data);
    assert_int_equal(diag.errors, 0);
    assert_string_equal(s->path, "t.yaml");
    assert_string_equal(s->name, "shop");
    assert_int_equal(s->version, 3);
    assert_int_equal(s->n_entities, 3);

    const gen_entity *c = &s->entities[0], *o = &s->entities[1], *it = &s->entities[2];
    assert_string_equal(c->name, "customer");
    assert_string_equal(c->table, "customers");
    assert_int_equal(c->key, TRAIL_KEY_ULID);
    assert_int_equal(c->conflict, TRAIL_CONFLICT_MANUAL);
    assert_true(c->replicate);
    assert_int_equal(c->pos.line, 4);
    assert_int_equal(c->pos.col, 3);
    assert_int_equal(c->n_fields, 14);

    const gen_field *f = c->fields;
    assert_string_equal(f[0].name, "email");
    assert_int_equal(f[0].pos.line, 9);
    assert_int_equal(f[0].pos.col, 7);
    assert_int_equal(f[0].type, TRAIL_TYPE_TEXT);
    assert_true(f[0].unique);
    assert_false(f[0].nullable);
    assert_true(f[0].has_max);
    assert_false(f[0].has_min);
    assert_int_equal(f[0].max, 254);
    assert_false(f[0].has_default);
    assert_int_equal(f[0].audit, GEN_AUDIT_FULL);

    assert_string_equal(f[1].name, "name"); /* the shorthand */
    assert_int_equal(f[1].type, TRAIL_TYPE_TEXT);
    assert_false(f[1].unique || f[1].nullable || f[1].has_max || f[1].has_default);

    assert_int_equal(f[2].type, TRAIL_TYPE_ENUM);
    assert_int_equal(f[2].n_values, 3);
    assert_string_equal(f[2].values[0], "free");
    assert_string_equal(f[2].values[1], "pro");
    assert_string_equal(f[2].values[2], "enterprise");
    assert_true(f[2].has_default);
    assert_int_equal(f[2].def_i, 1);

    assert_int_equal(f[3].type, TRAIL_TYPE_INT64);
    assert_true(f[3].has_min && f[3].has_max && f[3].has_default);
    assert_int_equal(f[3].min, -10);
    assert_int_equal(f[3].max, 1000);
    assert_int_equal(f[3].def_i, -5);

    assert_int_equal(f[4].type, TRAIL_TYPE_INT32);
    assert_int_equal(f[4].min, INT32_MIN);
    assert_int_equal(f[4].max, INT32_MAX);
    assert_int_equal(f[4].def_i, 7);
    assert_true(f[4].unique);

    assert_int_equal(f[5].type, TRAIL_TYPE_DOUBLE);
    assert_true(f[5].nullable && f[5].has_min && f[5].has_max && f[5].has_default);
    assert_true(f[5].min_d == 0.0);
    assert_true(f[5].max_d == 5.5);
    assert_true(f[5].def_d == 2.5);

    assert_int_equal(f[6].type, TRAIL_TYPE_BOOL);
    assert_true(f[6].has_default);
    assert_int_equal(f[6].def_i, 0);

    /* 2000-01-01 is day 10957; January has 31 days, so Feb 29 is 10957 + 59. */
    assert_int_equal(f[7].type, TRAIL_TYPE_DATE);
    assert_true(f[7].nullable && f[7].has_default);
    assert_int_equal(f[7].def_i, 11016);

    /* 2024-01-01T00:00:00Z is 1704067200 seconds after the epoch. */
    assert_int_equal(f[8].type, TRAIL_TYPE_TIMESTAMP);
    assert_int_equal(f[8].def_i, INT64_C(1704067201500));

    assert_int_equal(f[9].type, TRAIL_TYPE_BLOB);
    assert_true(f[9].nullable && f[9].has_max);
    assert_int_equal(f[9].max, 1024);

    assert_int_equal(f[10].type, TRAIL_TYPE_JSON);
    assert_string_equal(f[10].def_s, "{\"a\": [1, 2]}");

    /* Five characters in six bytes: max counts characters. */
    assert_int_equal(f[11].audit, GEN_AUDIT_REDACT);
    assert_string_equal(f[11].def_s, "h\xc3\xa9llo");

    /* `default: null` on a nullable field is no default at all. */
    assert_int_equal(f[12].audit, GEN_AUDIT_OMIT);
    assert_true(f[12].nullable);
    assert_false(f[12].has_default);
    assert_null(f[12].def_s);

    assert_int_equal(f[13].def_i, 31);

    assert_int_equal(c->n_indexes, 3);
    assert_int_equal(c->indexes[0].n_fields, 2);
    assert_int_equal(c->indexes[0].fields[0], 2);
    assert_int_equal(c->indexes[0].fields[1], 3);
    assert_false(c->indexes[0].unique);
    assert_int_equal(c->indexes[0].pos.line, 24);
    assert_int_equal(c->indexes[0].pos.col, 9);
    assert_int_equal(c->indexes[1].n_fields, 2);
    assert_int_equal(c->indexes[1].fields[0], 4);
    assert_int_equal(c->indexes[1].fields[1], 7);
    assert_true(c->indexes[1].unique);
    assert_int_equal(c->indexes[2].n_fields, 1);
    assert_int_equal(c->indexes[2].fields[0], 0);
    assert_false(c->indexes[2].unique);

    assert_string_equal(o->table, "orders");
    assert_int_equal(o->key, TRAIL_KEY_INT64);
    assert_int_equal(o->conflict, TRAIL_CONFLICT_LWW);
    assert_false(o->replicate);
    assert_int_equal(o->n_fields, 3);
    assert_int_equal(o->fields[0].type, TRAIL_TYPE_REF);
    assert_string_equal(o->fields[0].ref_name, "customer");
    assert_ptr_equal(o->fields[0].ref, c);
    assert_true(o->fields[0].nullable && o->fields[0].unique);
    assert_ptr_equal(o->fields[2].ref, o);
    assert_int_equal(o->n_indexes, 0);

    /* Everything left out takes its default. */
    assert_string_equal(it->table, "item");
    assert_int_equal(it->key, TRAIL_KEY_ULID);
    assert_int_equal(it->conflict, TRAIL_CONFLICT_LWW);
    assert_true(it->replicate);
    gen_schema_free(s);
}

/* The demo's schema, read from the file (the path is relative to this source). */
static void test_shop_yaml(void **state)
{
    (void)state;
    char path[4096];
    const char *slash = strrchr(__FILE__, '/');
    snprintf(path, sizeof path, "%.*s/../schema/shop.yaml", slash ? (int)(slash - __FILE__) : 1,
             slash ? __FILE__ : ".");
    gen_diag_init(&diag, NULL);
    gen_schema *s = gen_schema_load(path, &diag);
    if (!s)
        fail_msg("%s did not load:\n%s", path, diag.text.data);
    assert_string_equal(s->name, "shop");
    assert_int_equal(s->n_entities, 4);

    /* Every type, both keys and conflict modes, both audit modes, both index forms. */
    unsigned types = 0, audits = 0;
    bool int64_key = false, manual = false, unique_index = false, local = false, replicated = false;
    for (size_t i = 0; i < s->n_entities; i++) {
        const gen_entity *e = &s->entities[i];
        int64_key |= e->key == TRAIL_KEY_INT64;
        local |= !e->replicate;
        replicated |= e->replicate;
        manual |= e->conflict == TRAIL_CONFLICT_MANUAL;
        for (size_t j = 0; j < e->n_fields; j++) {
            types |= 1u << e->fields[j].type;
            audits |= 1u << e->fields[j].audit;
            if (e->fields[j].type == TRAIL_TYPE_REF)
                assert_non_null(e->fields[j].ref);
        }
        for (size_t j = 0; j < e->n_indexes; j++)
            unique_index |= e->indexes[j].unique;
    }
    for (int t = TRAIL_TYPE_BOOL; t <= TRAIL_TYPE_REF; t++)
        if (!(types & (1u << t)))
            fail_msg("shop.yaml has no field of type %s", gen_type_name((trail_type)t));
    assert_int_equal(audits, 7);
    assert_true(int64_key && manual && unique_index && local && replicated);
    assert_string_equal(s->entities[1].table, "orders");
    gen_schema_free(s);
}

static void test_type_names(void **state)
{
    (void)state;
    static const char *const names[] = { "bool", "int32",     "int64", "double", "text", "blob",
                                         "date", "timestamp", "json",  "enum",   "ref" };
    for (int t = TRAIL_TYPE_BOOL; t <= TRAIL_TYPE_REF; t++) {
        trail_type back;
        assert_string_equal(gen_type_name((trail_type)t), names[t - 1]);
        assert_true(gen_type_from_name(&back, names[t - 1]));
        assert_int_equal(back, t);
    }
    trail_type unused;
    assert_false(gen_type_from_name(&unused, "integer"));
}

/* ------------------------------------------------------------ the top level */

static void test_empty_inputs(void **state)
{
    (void)state;
    expect_one("", "1:1", "", "the file is empty");
    expect_one("# only a comment\n\n", "1:1", "", "the file is empty");
    expect_one("hello\n", "1:1", "",
               "expected a mapping with keys schema, version and entities, found a scalar");
    expect_one("- a\n- b\n", "1:1", "", "found a sequence");
    expect_one("---\n", "2:1", "", "found nothing");
}

static void test_top_keys(void **state)
{
    (void)state;
    gen_schema *s = load("schema: shop\nversion: 1\nentites:\n  a: {fields: {x: text}}\n");
    assert_null(s);
    assert_error("3:1", "entites", "unknown key 'entites'; did you mean 'entities'?");
    assert_error("1:1", "", "missing key 'entities'");
    assert_int_equal(diag.errors, 2);

    expect_one("version: 1\nentities: {a: {fields: {x: text}}}\n", "1:1", "",
               "missing key 'schema'");
    expect_one("schema: shop\nentities: {a: {fields: {x: text}}}\n", "1:1", "",
               "missing key 'version'");
    expect_one(HEAD "  a: {fields: {x: text}}\nauthor: me\n", "5:1", "author",
               "unknown key 'author' (expected schema, version, entities or events)");
}

static void test_schema_name(void **state)
{
    (void)state;
    expect_one("schema: Shop\nversion: 1\nentities: {a: {fields: {x: text}}}\n", "1:9", "schema",
               "schema name 'Shop' is not valid: it must start with a lowercase letter");
    expect_one("schema: trail\nversion: 1\nentities: {a: {fields: {x: text}}}\n", "1:9", "schema",
               "schema name 'trail' is taken");
    expect_one("schema: [a]\nversion: 1\nentities: {a: {fields: {x: text}}}\n", "1:9", "schema",
               "expected a scalar, found a sequence");
}

static void test_version(void **state)
{
    (void)state;
    const char *tail = "entities: {a: {fields: {x: text}}}\n";
    char yaml[256];
    snprintf(yaml, sizeof yaml, "schema: s\nversion: 0\n%s", tail);
    expect_one(yaml, "2:10", "version", "version must be at least 1, found 0");
    snprintf(yaml, sizeof yaml, "schema: s\nversion: -9223372036854775808\n%s", tail);
    expect_one(yaml, "2:10", "version", "found -9223372036854775808");
    snprintf(yaml, sizeof yaml, "schema: s\nversion: 9223372036854775808\n%s", tail);
    expect_one(yaml, "2:10", "version", "integer out of range");
    snprintf(yaml, sizeof yaml, "schema: s\nversion: 123456789012345678901234567890\n%s", tail);
    expect_one(yaml, "2:10", "version", "integer out of range");
    snprintf(yaml, sizeof yaml, "schema: s\nversion: one\n%s", tail);
    expect_one(yaml, "2:10", "version", "expected an integer, found 'one'");
    snprintf(yaml, sizeof yaml, "schema: s\nversion: \"1\"\n%s", tail);
    expect_one(yaml, "2:10", "version", "expected an integer, found the string '1'");
    snprintf(yaml, sizeof yaml, "schema: s\nversion: 1.5\n%s", tail);
    expect_one(yaml, "2:10", "version", "expected an integer");

    gen_schema *s = load("schema: s\nversion: 9223372036854775807\n"
                         "entities: {a: {fields: {x: text}}}\n");
    assert_non_null(s);
    assert_int_equal(s->version, INT64_MAX);
    gen_schema_free(s);
}

static void test_entities_shape(void **state)
{
    (void)state;
    expect_one(HEAD "  - a\n", "4:3", "entities", "expected a mapping, found a sequence");
    expect_one("schema: s\nversion: 1\nentities: {}\n", "3:11", "entities",
               "entities is empty: a schema needs at least one entity");
    expect_one("schema: s\nversion: 1\nentities:\n", "3:10", "entities",
               "expected a mapping, found nothing");
}

/* ----------------------------------------------------------------- entities */

static void test_entity_shape(void **state)
{
    (void)state;
    expect_one(HEAD "  a: 5\n", "4:6", "entities.a", "expected a mapping, found a scalar");
    expect_one(HEAD "  a:\n    feilds: {x: text}\n    fields: {y: text}\n", "5:5",
               "entities.a.feilds", "unknown key 'feilds'; did you mean 'fields'?");
    expect_one(HEAD "  a:\n    table: things\n", "4:3", "entities.a",
               "missing key 'fields' of entity 'a'");
    expect_one(HEAD "  a:\n    fields: {}\n", "5:13", "entities.a.fields", "fields is empty");
    expect_one(HEAD "  a:\n    fields: [x]\n", "5:13", "entities.a.fields",
               "expected a mapping, found a sequence");
}

static void test_entity_names(void **state)
{
    (void)state;
    expect_one(HEAD "  Customer: {table: customers, fields: {x: text}}\n", "4:3",
               "entities.Customer",
               "entity name 'Customer' is not valid: it must start with a lowercase letter");
    expect_one(HEAD "  my-thing: {table: things, fields: {x: text}}\n", "4:3", "entities.my-thing",
               "may hold only lowercase letters a-z, digits 0-9 and _");
    expect_one(HEAD "  a__b: {fields: {x: text}}\n", "4:3", "entities.a__b",
               "two underscores in a row");
    expect_one(HEAD "  ab_: {fields: {x: text}}\n", "4:3", "entities.ab_", "must not end with _");
    expect_one(HEAD "  abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijkl: "
                    "{fields: {x: text}}\n",
               "4:3", "entities.abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijkl",
               "longer than 63 characters");
    expect_one(HEAD "  auto: {table: autos, fields: {x: text}}\n", "4:3", "entities.auto",
               "entity name 'auto' is a C keyword");

    /* 63 characters is fine. */
    gen_schema *s = load(HEAD "  abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijk: "
                              "{fields: {x: text}}\n");
    assert_non_null(s);
    gen_schema_free(s);
}

/* Generated C names must not clash, between entities nor within one. */
static void test_c_name_clashes(void **state)
{
    (void)state;
    expect_one(
        HEAD "  customer: {fields: {x: text}}\n"
             "  customer_create: {fields: {y: text}}\n",
        "5:3", "entities.customer_create",
        "entity 'customer_create' makes the C name shop_customer_create, which entity 'customer'");
    expect_one(HEAD "  thing:\n"
                    "    fields:\n"
                    "      tag: {type: enum, values: [red, blue]}\n"
                    "      tag_red: bool\n",
               "7:7", "entities.thing.fields.tag_red",
               "field 'thing.tag_red' makes the C name SHOP_THING_TAG_RED, which value 'red'");
    expect_one(HEAD "  thing: {fields: {tag: {type: enum, values: [red]}}}\n"
                    "  thing_tag: {fields: {x: text}}\n",
               "5:3", "entities.thing_tag",
               "entity 'thing_tag' makes the C name shop_thing_tag, which field 'thing.tag'");
    expect_one(HEAD "  migrate: {table: migrations, fields: {x: text}}\n", "4:3",
               "entities.migrate",
               "entity 'migrate' makes the C name shop_migrate, which the schema");
}

static void test_table_names(void **state)
{
    (void)state;
    expect_one(HEAD "  order:\n    fields: {x: text}\n", "4:3", "entities.order",
               "table name 'order' is a reserved word in SQL; add `table:` with another name "
               "(e.g. 'orders')");
    expect_one(HEAD "  a:\n    table: select\n    fields: {x: text}\n", "5:12", "entities.a.table",
               "table name 'select' is a reserved word in SQL; choose another name (e.g. "
               "'selects')");
    /* `keys` is reserved too (MySQL), so the example is another form. */
    expect_one(HEAD "  key:\n    fields: {x: text}\n", "4:3", "entities.key", "(e.g. 'key_rows')");
    expect_one(HEAD "  keys:\n    fields: {x: text}\n", "4:3", "entities.keys",
               "(e.g. 'keys_rows')");
    expect_one(HEAD "  trail_events:\n    fields: {x: text}\n", "4:3", "entities.trail_events",
               "table name 'trail_events' is taken: trail_ tables belong to the runtime");
    expect_one(HEAD "  a:\n    table: Orders\n    fields: {x: text}\n", "5:12", "entities.a.table",
               "table name 'Orders' is not valid");
    expect_one(HEAD "  a:\n    table: things\n    fields: {x: text}\n"
                    "  b:\n    table: things\n    fields: {x: text}\n",
               "8:12", "entities.b.table", "table 'things' is already used by entity 'a' (line 4)");
    /* A table named like another entity clashes with that entity's default table. */
    expect_one(HEAD "  things:\n    fields: {x: text}\n"
                    "  b:\n    table: things\n    fields: {x: text}\n",
               "7:12", "entities.b.table",
               "table 'things' is already used by entity 'things' (line 4)");
}

static void test_key_and_conflict(void **state)
{
    (void)state;
    expect_one(HEAD "  a:\n    key: ulld\n    fields: {x: text}\n", "5:10", "entities.a.key",
               "unknown key kind 'ulld'; did you mean 'ulid'?");
    expect_one(HEAD "  a:\n    key: serial\n    fields: {x: text}\n", "5:10", "entities.a.key",
               "unknown key kind 'serial' (expected ulid or int64)");
    expect_one(HEAD "  a:\n    conflict: mnual\n    fields: {x: text}\n", "5:15",
               "entities.a.conflict", "unknown conflict mode 'mnual'; did you mean 'manual'?");
    expect_one(HEAD "  a:\n    conflict: [lww]\n    fields: {x: text}\n", "5:15",
               "entities.a.conflict", "expected a scalar, found a sequence");
}

/* docs/replication.md, "Row effects": what a replicated entity cannot be. */
static void test_replicate(void **state)
{
    (void)state;
    static const char int64_words[] =
        "int64 keys are handed out by each database's own counter, so two nodes would hand out "
        "the same keys; use `key: ulid`, or `replicate: false` to keep its rows on this node";
    expect_one(HEAD "  a:\n    key: int64\n    fields: {x: text}\n", "5:10", "entities.a.key",
               int64_words);
    expect_one(HEAD "  a:\n    replicate: true\n    key: int64\n    fields: {x: text}\n", "6:10",
               "entities.a.key", int64_words);
    expect_one(HEAD "  a:\n    replicate: yes\n    fields: {x: text}\n", "5:16",
               "entities.a.replicate", "expected true or false, found 'yes'");
    expect_one(HEAD "  a:\n    replicat: false\n    fields: {x: text}\n", "5:5",
               "entities.a.replicat", "unknown key 'replicat'; did you mean 'replicate'?");

    /* A field kept out of events needs a value another node can fill in. */
    expect_one(ENTITY "      s: {type: text, audit: redact}\n", "6:30", "entities.e.fields.s.audit",
               "a field of a replicated entity kept out of change events (audit: redact) needs "
               "`default` or `null: true`: its value never leaves this node, so another node must "
               "be able to fill it; or set `replicate: false` on entity 'e'");
    expect_one(ENTITY "      n: {type: int64, audit: omit, null: false}\n", "6:31",
               "entities.e.fields.n.audit",
               "kept out of change events (audit: omit) needs `default` or `null: true`");
    /* Neither blob nor ref takes a default: NULL is their only way. */
    expect_one(ENTITY "      b: {type: blob, audit: omit}\n", "6:30", "entities.e.fields.b.audit",
               "(audit: omit) needs `null: true`: its value never leaves this node");
    /* A `default` or `null` given but wrong is reported for itself, not again here. */
    expect_one(ENTITY "      s: {type: text, audit: redact, null: maybe}\n", "6:44",
               "entities.e.fields.s.null", "expected true or false, found 'maybe'");
    expect_one(ENTITY "      s: {type: int32, audit: redact, default: x}\n", "6:48",
               "entities.e.fields.s.default", "expected an integer, found 'x'");
    expect_one(ENTITY "      b: {type: blob, audit: redact, default: x}\n", "6:38",
               "entities.e.fields.b.default", "option 'default' does not apply to type 'blob'");

    /* A replicated record may not point at a record that stays on its node. */
    expect_one(HEAD "  a:\n    key: int64\n    replicate: false\n    fields: {x: text}\n"
                    "  b:\n    fields:\n      r: {type: ref, to: a}\n",
               "10:26", "entities.b.fields.r.to",
               "entity 'b' replicates but 'a' does not (`replicate: false`), so on other nodes "
               "this ref would name a row they do not have; set `replicate: false` on 'b' too");
    /* The ref may come first, and the entity it names be a ULID one that could replicate. */
    expect_one(HEAD "  b:\n    fields:\n      r: {type: ref, to: a, null: true}\n"
                    "  a:\n    replicate: false\n    fields: {x: text}\n",
               "6:26", "entities.b.fields.r.to",
               "set `replicate: false` on 'b' too, or let the entity it names replicate");

    /* What stays on its node may do all of that; a local record may point at a replicated one. */
    gen_schema *s = load(HEAD "  a:\n    key: int64\n    replicate: false\n    fields:\n"
                              "      s: {type: text, audit: redact}\n"
                              "      b: {type: blob, audit: omit}\n"
                              "      c: {type: ref, to: c}\n"
                              "      me: {type: ref, to: a, null: true}\n"
                              "  c:\n    fields:\n"
                              "      s: {type: text, audit: redact, default: ''}\n"
                              "      t: {type: timestamp, audit: omit, null: true}\n"
                              "      b: {type: blob, audit: redact, null: true}\n"
                              "      me: {type: ref, to: c, null: true, audit: omit}\n");
    if (!s)
        fail_msg("did not load:\n%s", diag.text.data);
    assert_false(s->entities[0].replicate);
    assert_true(s->entities[1].replicate);
    gen_schema_free(s);
}

static void test_too_many_fields(void **state)
{
    (void)state;
    char yaml[4096];
    int n = snprintf(yaml, sizeof yaml, ENTITY);
    for (int i = 1; i <= 64; i++)
        n += snprintf(yaml + n, sizeof yaml - (size_t)n, "      f%d: int32\n", i);
    /* f64 is on line 6 + 63. */
    expect_one(yaml, "69:7", "entities.e.fields.f64",
               "too many fields: an entity has at most 63 (the update mask is a "
               "uint64_t");

    n = snprintf(yaml, sizeof yaml, ENTITY);
    for (int i = 1; i <= 63; i++)
        n += snprintf(yaml + n, sizeof yaml - (size_t)n, "      f%d: int32\n", i);
    gen_schema *s = load(yaml);
    assert_non_null(s);
    assert_int_equal(s->entities[0].n_fields, 63);
    gen_schema_free(s);
}

static void test_indexes(void **state)
{
    (void)state;
#define FIELDS ENTITY "      tier: int32\n      code: {type: text, max: 20}\n"
    /* line 6: tier, line 7: code, line 8: indexes */
    expect_one(FIELDS "    indexes: {a: b}\n", "8:14", "entities.e.indexes",
               "expected a sequence, found a mapping");
    expect_one(FIELDS "    indexes:\n      - tier\n", "9:9", "entities.e.indexes[0]",
               "expected a list of field names or a mapping with `fields` and `unique`, found a "
               "scalar");
    expect_one(FIELDS "    indexes:\n      - [tire]\n", "9:10", "entities.e.indexes[0][0]",
               "unknown field 'tire'; did you mean 'tier'?");
    expect_one(FIELDS "    indexes:\n      - [id]\n", "9:10", "entities.e.indexes[0][0]",
               "unknown field 'id' in entity 'e'");
    expect_one(FIELDS "    indexes:\n      - [tier, code, tier]\n", "9:22",
               "entities.e.indexes[0][2]", "field 'tier' appears twice in this index");
    expect_one(FIELDS "    indexes:\n      - []\n", "9:9", "entities.e.indexes[0]",
               "an index needs at least one field");
    expect_one(FIELDS "    indexes:\n      - {fields: [tier], uniq: true}\n", "9:26",
               "entities.e.indexes[0].uniq", "unknown key 'uniq'; did you mean 'unique'?");
    expect_one(FIELDS "    indexes:\n      - {unique: true}\n", "9:9", "entities.e.indexes[0]",
               "missing key 'fields' of the index");
    expect_one(FIELDS "    indexes:\n      - {fields: [tier], unique: yes}\n", "9:34",
               "entities.e.indexes[0].unique", "expected true or false, found 'yes'");
    expect_one(FIELDS "    indexes:\n      - {fields: tier}\n", "9:18",
               "entities.e.indexes[0].fields", "expected a sequence, found a scalar");
    expect_one(ENTITY "      pic: blob\n    indexes:\n      - [pic]\n", "8:10",
               "entities.e.indexes[0][0]", "field 'pic' cannot be in an index: it is blob");
    expect_one(ENTITY "      bio: text\n    indexes:\n      - [bio]\n", "8:10",
               "entities.e.indexes[0][0]",
               "field 'bio' cannot be in an index without `max` of at most 768 characters "
               "(MySQL");
#undef FIELDS

    char yaml[4096];
    int n = snprintf(yaml, sizeof yaml, ENTITY);
    for (int i = 1; i <= 17; i++)
        n += snprintf(yaml + n, sizeof yaml - (size_t)n, "      f%d: int32\n", i);
    n += snprintf(yaml + n, sizeof yaml - (size_t)n, "    indexes:\n      - [f1");
    for (int i = 2; i <= 17; i++)
        n += snprintf(yaml + n, sizeof yaml - (size_t)n, ", f%d", i);
    snprintf(yaml + n, sizeof yaml - (size_t)n, "]\n");
    /* "      - [f1, f2, ..., f9, f10, ...": f17 starts at 10 + 9 * 4 + 7 * 5 = 81. */
    expect_one(yaml, "24:81", "entities.e.indexes[0][16]",
               "too many fields: an index has at most 16 (MySQL's limit)");
}

/* ------------------------------------------------------------------- events */

/* HEAD, an entity on line 4, `events:` on line 5. */
#define EVENTS HEAD "  a: {fields: {x: text}}\nevents:\n"

static void test_events(void **state)
{
    (void)state;
    gen_schema *s = load(EVENTS "  indexes:\n    - [user_id]\n    - [tenant_id, hlc]\n");
    assert_non_null(s);
    assert_int_equal(s->n_event_indexes, 2);
    assert_int_equal(s->event_indexes[0].n_columns, 1);
    assert_int_equal(s->event_indexes[0].columns[0], TRAIL_EV_user_id);
    assert_int_equal(s->event_indexes[0].pos.line, 7);
    assert_int_equal(s->event_indexes[0].pos.col, 7);
    assert_int_equal(s->event_indexes[1].n_columns, 2);
    assert_int_equal(s->event_indexes[1].columns[0], TRAIL_EV_tenant_id);
    assert_int_equal(s->event_indexes[1].columns[1], TRAIL_EV_hlc);
    gen_schema_free(s);

    /* No `events`, or none in it: the event table's own indexes only. */
    s = load(HEAD "  a: {fields: {x: text}}\n");
    assert_non_null(s);
    assert_int_equal(s->n_event_indexes, 0);
    gen_schema_free(s);
    s = load(EVENTS "  indexes: []\n");
    assert_non_null(s);
    assert_int_equal(s->n_event_indexes, 0);
    gen_schema_free(s);
}

static void test_events_errors(void **state)
{
    (void)state;
    expect_one(EVENTS "  - indexes\n", "6:3", "events", "expected a mapping, found a sequence");
    expect_one(EVENTS "  indexs: [[user_id]]\n", "6:3", "events.indexs",
               "unknown key 'indexs'; did you mean 'indexes'?");
    expect_one(EVENTS "  indexes: {user_id: 1}\n", "6:12", "events.indexes",
               "expected a sequence, found a mapping");
    expect_one(EVENTS "  indexes:\n    - user_id\n", "7:7", "events.indexes[0]",
               "expected a list of event column names, found a scalar");
    expect_one(EVENTS "  indexes:\n    - []\n", "7:7", "events.indexes[0]",
               "an index needs at least one column");
    /* The columns an index may hold are listed; the JSON ones are not among them. */
    expect_one(EVENTS "  indexes:\n    - [user_id, foo]\n", "7:17", "events.indexes[0][1]",
               "unknown event column 'foo' (expected one of event_id, hlc, node_id, ");
    assert_null(strstr(diag.text.data, "new_values"));
    expect_one(EVENTS "  indexes:\n    - [usr_id]\n", "7:8", "events.indexes[0][0]",
               "did you mean 'user_id'?");
    expect_one(EVENTS "  indexes:\n    - [hlc, hlc]\n", "7:13", "events.indexes[0][1]",
               "event column 'hlc' appears twice in this index");
    expect_one(EVENTS "  indexes:\n    - [tenant_id, new_values]\n", "7:19", "events.indexes[0][1]",
               "event column 'new_values' cannot be in an index: it is JSON of any length");
    expect_one(EVENTS "  indexes:\n    - [hlc, [user_id]]\n", "7:13", "events.indexes[0][1]",
               "expected a scalar, found a sequence");
    /* 4 x 255 characters of utf8mb4 each: more than InnoDB's 3072 bytes. */
    expect_one(EVENTS "  indexes:\n    - [user_id, request_id, session_id, tenant_id]\n", "7:7",
               "events.indexes[0]",
               "the index's key is up to 4080 bytes, and MySQL indexes at most 3072");

    /* 17 columns, one more than MySQL takes: reported at the 17th. */
    static const char *const names[] = {
        "event_id",  "hlc",      "node_id",        "tx_id",   "table_name", "record_id",
        "op",        "version",  "schema_version", "user_id", "request_id", "session_id",
        "tenant_id", "trace_id", "span_id",        "ip",      "created_at",
    };
    char yaml[1024], at[16];
    int n = snprintf(yaml, sizeof yaml, EVENTS "  indexes:\n    - [");
    int col = 7;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (i == 16)
            snprintf(at, sizeof at, "7:%d", col + 1);
        n += snprintf(yaml + n, sizeof yaml - (size_t)n, "%s%s", i ? ", " : "", names[i]);
        col += (int)strlen(names[i]) + 2;
    }
    snprintf(yaml + n, sizeof yaml - (size_t)n, "]\n");
    expect_one(yaml, at, "events.indexes[0][16]",
               "too many columns: an index has at most 16 (MySQL's limit)");
}

/* An index another serves, the event table's own or the schema's, is refused: each costs writes. */
static void test_events_served(void **state)
{
    (void)state;
    expect_one(EVENTS "  indexes:\n    - [table_name, record_id]\n", "7:7", "events.indexes[0]",
               "(table_name, record_id) is served already by the event table's "
               "trail_change_events_history_idx (table_name, record_id, hlc)");
    expect_one(EVENTS "  indexes:\n    - [table_name, record_id, hlc]\n", "7:7",
               "events.indexes[0]", "trail_change_events_history_idx");
    expect_one(EVENTS "  indexes:\n    - [event_id]\n", "7:7", "events.indexes[0]",
               "(event_id) is served already by the event table's primary key (event_id)");
    expect_one(EVENTS "  indexes:\n    - [lane_id]\n", "7:7", "events.indexes[0]",
               "(lane_id) is served already by the event table's trail_change_events_lane_idx "
               "(lane_id, seq)");
    expect_one(EVENTS "  indexes:\n    - [tenant_id]\n    - [tenant_id, hlc]\n", "7:7",
               "events.indexes[0]",
               "(tenant_id) is served already by the index (tenant_id, hlc) "
               "at line 8");
    expect_one(EVENTS "  indexes:\n    - [user_id]\n    - [ user_id ]\n", "8:7",
               "events.indexes[1]", "(user_id) is the same index as the one at line 7");
    /* The same columns in another order are another index. */
    gen_schema *s = load(EVENTS "  indexes:\n    - [record_id, table_name]\n"
                                "    - [hlc, user_id]\n    - [user_id, hlc]\n");
    assert_non_null(s);
    assert_int_equal(s->n_event_indexes, 3);
    gen_schema_free(s);
}

/* ------------------------------------------------------------------- fields */

static void test_field_names(void **state)
{
    (void)state;
    expect_one(ENTITY "      Email: text\n", "6:7", "entities.e.fields.Email",
               "field name 'Email' is not valid: it must start with a lowercase letter");
    expect_one(ENTITY "      id: text\n", "6:7", "entities.e.fields.id",
               "field name 'id' is taken");
    expect_one(ENTITY "      version: int64\n", "6:7", "entities.e.fields.version",
               "field name 'version' is taken");
    expect_one(ENTITY "      born_null: bool\n", "6:7", "entities.e.fields.born_null",
               "field name 'born_null' ends in _null, which would clash");
    expect_one(ENTITY "      static: bool\n", "6:7", "entities.e.fields.static",
               "field name 'static' is a C keyword");
    expect_one(ENTITY "      bool: bool\n", "6:7", "entities.e.fields.bool",
               "field name 'bool' is a C keyword");
    expect_one(ENTITY "      order: int32\n", "6:7", "entities.e.fields.order",
               "field name 'order' is a reserved word in SQL");
    expect_one(ENTITY "      user: text\n", "6:7", "entities.e.fields.user",
               "field name 'user' is a reserved word in SQL");
    expect_one(ENTITY "      x: text\n      x: int32\n", "7:7", "entities.e.fields.x",
               "duplicate key 'x' (first at line 6)");
}

static void test_field_shape(void **state)
{
    (void)state;
    expect_one(ENTITY "      x: [text]\n", "6:10", "entities.e.fields.x",
               "expected a type or a mapping of options, found a sequence");
    expect_one(ENTITY "      x:\n      y: text\n", "6:7", "entities.e.fields.x",
               "expected a type or a mapping of options, found nothing");
    expect_one(ENTITY "      x: {null: true}\n", "6:7", "entities.e.fields.x",
               "missing option 'type' of field 'x'");
    expect_one(ENTITY "      x: {type: integr}\n", "6:17", "entities.e.fields.x.type",
               "unknown type 'integr'; did you mean 'int32'?");
    expect_one(ENTITY "      x: strng\n", "6:10", "entities.e.fields.x",
               "unknown type 'strng'; did you mean 'text'?");
    expect_one(ENTITY "      x: {type: bigint}\n", "6:17", "entities.e.fields.x.type",
               "unknown type 'bigint'; did you mean 'int64'?");
    expect_one(ENTITY "      x: {type: qqq}\n", "6:17", "entities.e.fields.x.type",
               "unknown type 'qqq' (expected bool, int32, int64, double, text, blob, date, "
               "timestamp, json, enum or ref)");
    expect_one(ENTITY "      x: {type: text, nul: true}\n", "6:23", "entities.e.fields.x.nul",
               "unknown option 'nul'; did you mean 'null'?");
    expect_one(ENTITY "      x: {type: text, null: yes}\n", "6:29", "entities.e.fields.x.null",
               "expected true or false, found 'yes' (YAML 1.2 booleans are only true and false)");
    expect_one(ENTITY "      x: {type: text, null: \"true\"}\n", "6:29", "entities.e.fields.x.null",
               "expected true or false, found the string 'true'");
    expect_one(ENTITY "      x: {type: text, audit: hide}\n", "6:30", "entities.e.fields.x.audit",
               "unknown audit mode 'hide' (expected redact or omit)");
    expect_one(ENTITY "      x: {type: text, type: int32}\n", "6:23", "entities.e.fields.x.type",
               "duplicate key 'type' (first at line 6)");
}

static void test_option_applies(void **state)
{
    (void)state;
    static const struct {
        const char *type, *option;
    } bad[] = {
        { "bool", "max: 3" },       { "date", "max: 3" },         { "text", "min: 1" },
        { "blob", "min: 1" },       { "int32", "values: [a]" },   { "text", "to: e" },
        { "bool", "unique: true" }, { "double", "unique: true" }, { "blob", "unique: true" },
        { "json", "unique: true" }, { "blob", "default: x" },     { "enum", "to: e" },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char yaml[256], words[128];
        const char *extra = strcmp(bad[i].type, "enum") == 0 ? ", values: [a]" : "";
        snprintf(yaml, sizeof yaml, ENTITY "      x: {type: %s%s, %s}\n", bad[i].type, extra,
                 bad[i].option);
        char option[16], path[64];
        snprintf(option, sizeof option, "%.*s", (int)strcspn(bad[i].option, ":"), bad[i].option);
        snprintf(words, sizeof words, "option '%s' does not apply to type '%s'", option,
                 bad[i].type);
        snprintf(path, sizeof path, "entities.e.fields.x.%s", option);
        /* "      x: {type: T" + extra + ", " then the option */
        char at[32];
        snprintf(at, sizeof at, "6:%zu", 17 + strlen(bad[i].type) + strlen(extra) + 2);
        expect_one(yaml, at, path, words);
    }
    expect_one(HEAD "  a:\n    fields:\n      r: {type: ref, to: a, default: x}\n", "6:29",
               "entities.a.fields.r.default", "option 'default' does not apply to type 'ref'");
}

static void test_bounds(void **state)
{
    (void)state;
    expect_one(ENTITY "      x: {type: text, max: 0}\n", "6:28", "entities.e.fields.x.max",
               "max must be at least 1, found 0");
    expect_one(ENTITY "      x: {type: blob, max: -1}\n", "6:28", "entities.e.fields.x.max",
               "max must be at least 1");
    expect_one(ENTITY "      x: {type: text, max: \"5\"}\n", "6:28", "entities.e.fields.x.max",
               "expected an integer, found the string '5'");
    expect_one(ENTITY "      x: {type: int32, max: 3000000000}\n", "6:29",
               "entities.e.fields.x.max",
               "max 3000000000 does not fit in int32 (-2147483648 to 2147483647)");
    expect_one(ENTITY "      x: {type: int32, min: -2147483649}\n", "6:29",
               "entities.e.fields.x.min", "min -2147483649 does not fit in int32");
    expect_one(ENTITY "      x: {type: int64, min: 10, max: 5}\n", "6:29",
               "entities.e.fields.x.min", "min 10 is greater than max 5");
    expect_one(ENTITY "      x: {type: double, min: 1.5, max: 0.5}\n", "6:30",
               "entities.e.fields.x.min", "min 1.5 is greater than max 0.5");
    expect_one(ENTITY "      x: {type: double, max: .inf}\n", "6:30", "entities.e.fields.x.max",
               "expected a number, found '.inf' (it must be finite)");
    expect_one(ENTITY "      x: {type: double, max: 1e999}\n", "6:30", "entities.e.fields.x.max",
               "number out of range: 1e999");
    expect_one(ENTITY "      x: {type: double, max: ten}\n", "6:30", "entities.e.fields.x.max",
               "expected a number, found 'ten'");
}

static void test_unique_text(void **state)
{
    (void)state;
    expect_one(ENTITY "      x: {type: text, unique: true}\n", "6:23", "entities.e.fields.x.unique",
               "a unique text field needs `max` of at most 768 characters (MySQL indexes at "
               "most 3072 bytes, 4 per character)");
    expect_one(ENTITY "      x: {type: text, unique: true, max: 769}\n", "6:42",
               "entities.e.fields.x.max",
               "max 769 is too long for a unique text field: at most 768 characters (MySQL");
    gen_schema *s = load(ENTITY "      x: {type: text, unique: true, max: 768}\n");
    assert_non_null(s);
    gen_schema_free(s);
}

static void test_defaults(void **state)
{
    (void)state;
    expect_one(ENTITY "      x: {type: bool, default: yes}\n", "6:32",
               "entities.e.fields.x.default",
               "expected true or false, found 'yes' (YAML 1.2 booleans are only true and false)");
    expect_one(ENTITY "      x: {type: bool, default: 1}\n", "6:32", "entities.e.fields.x.default",
               "expected true or false, found '1'");
    expect_one(ENTITY "      x: {type: int32, default: 2147483648}\n", "6:33",
               "entities.e.fields.x.default", "default 2147483648 does not fit in int32");
    expect_one(ENTITY "      x: {type: int64, default: 99999999999999999999}\n", "6:33",
               "entities.e.fields.x.default", "integer out of range");
    expect_one(ENTITY "      x: {type: int64, min: 0, default: -1}\n", "6:41",
               "entities.e.fields.x.default", "default -1 is less than min 0");
    expect_one(ENTITY "      x: {type: int64, max: 9, default: 10}\n", "6:41",
               "entities.e.fields.x.default", "default 10 is greater than max 9");
    expect_one(ENTITY "      x: {type: double, max: 1, default: 1.5}\n", "6:42",
               "entities.e.fields.x.default", "default 1.5 is greater than max 1");
    expect_one(ENTITY "      x: {type: double, default: abc}\n", "6:34",
               "entities.e.fields.x.default", "expected a number, found 'abc'");
    /* Five characters in six bytes: too many for max 4, fine for max 5 (test_valid_schema). */
    expect_one(ENTITY "      x: {type: text, max: 4, default: \"h\\u00e9llo\"}\n", "6:40",
               "entities.e.fields.x.default", "default has 5 characters, more than max 4");
    expect_one(ENTITY "      x: {type: enum, values: [free, pro, enterprise], default: gold}\n",
               "6:65", "entities.e.fields.x.default",
               "default 'gold' is not one of free, pro, enterprise");
    expect_one(ENTITY "      x: {type: date, default: 2024-02-30}\n", "6:32",
               "entities.e.fields.x.default",
               "default '2024-02-30' is not a date: write it as YYYY-MM-DD");
    expect_one(ENTITY "      x: {type: date, default: 1}\n", "6:32", "entities.e.fields.x.default",
               "is not a date");
    expect_one(ENTITY "      x: {type: timestamp, default: '2024-01-01 00:00:00'}\n", "6:37",
               "entities.e.fields.x.default",
               "default '2024-01-01 00:00:00' is not a timestamp: write it in UTC as "
               "2024-01-01T00:00:00Z or 2024-01-01T00:00:00.000Z");
    expect_one(ENTITY "      x: {type: timestamp, default: '2024-01-01T00:00:00+01:00'}\n", "6:37",
               "entities.e.fields.x.default", "is not a timestamp");
    /* One beyond the range of dates and timestamps that every engine stores alike. */
    expect_one(ENTITY "      x: {type: date, default: '0000-12-31'}\n", "6:32",
               "entities.e.fields.x.default",
               "default '0000-12-31' is outside the dates trail stores, 0001-01-01 to 9999-12-31");
    expect_one(ENTITY "      x: {type: date, default: '+010000-01-01'}\n", "6:32",
               "entities.e.fields.x.default", "is outside the dates trail stores");
    expect_one(ENTITY "      x: {type: timestamp, default: '0000-12-31T23:59:59.999Z'}\n", "6:37",
               "entities.e.fields.x.default",
               "default '0000-12-31T23:59:59.999Z' is outside the timestamps trail stores, "
               "0001-01-01T00:00:00.000Z to 9999-12-31T23:59:59.999Z");
    expect_one(ENTITY "      x: {type: timestamp, default: '+010000-01-01T00:00:00.000Z'}\n",
               "6:37", "entities.e.fields.x.default", "is outside the timestamps trail stores");
    expect_one(ENTITY "      x: {type: json, default: '{\"a\": \"\\u0000\"}'}\n", "6:32",
               "entities.e.fields.x.default", "default holds \\u0000 (a NUL character)");
    expect_one(ENTITY "      x: {type: json, default: '{a: 1}'}\n", "6:32",
               "entities.e.fields.x.default", "default is not valid JSON");
    /* Beyond PostgreSQL's numeric, as values are; beyond what the description holds. */
    expect_one(ENTITY "      x: {type: json, default: '[1e-16384]'}\n", "6:32",
               "entities.e.fields.x.default",
               "default: the number 1e-16384 has 16384 digits after the point");
    expect_one(ENTITY "      x: {type: json, default: '[1.]'}\n", "6:32",
               "entities.e.fields.x.default",
               "default is not valid JSON: '1.' at byte 1 is not a JSON number");
    expect_one(ENTITY "      x: {type: json, default: '1e400'}\n", "6:32",
               "entities.e.fields.x.default",
               "default holds a number beyond the 64-bit integers and doubles");
    expect_one(ENTITY "      x: {type: json, default: {a: 1}}\n", "6:32",
               "entities.e.fields.x.default",
               "a json default is a string holding the JSON: quote it");
    expect_one(ENTITY "      x: {type: text, default: null}\n", "6:32",
               "entities.e.fields.x.default", "default null needs `null: true`");
    expect_one(ENTITY "      x: {type: int32, default: ~}\n", "6:33", "entities.e.fields.x.default",
               "default null needs `null: true`");

    /* A quoted "null" is text, not null; a JSON literal null is a string holding it. */
    gen_schema *s = load(ENTITY "      x: {type: text, default: 'null'}\n"
                                "      y: {type: json, default: 'null'}\n"
                                "      z: {type: timestamp, default: '1969-12-31T23:59:59.999Z'}\n"
                                "      w: {type: double, default: -1}\n"
                                "      v: {type: date, default: '0001-01-01'}\n"
                                "      u: {type: timestamp, default: '9999-12-31T23:59:59.999Z'}\n"
                                "      t: {type: double, default: -0.0}\n");
    assert_non_null(s);
    assert_string_equal(s->entities[0].fields[0].def_s, "null");
    assert_string_equal(s->entities[0].fields[1].def_s, "null");
    assert_int_equal(s->entities[0].fields[2].def_i, -1);
    assert_true(s->entities[0].fields[3].def_d == -1.0);
    assert_int_equal(s->entities[0].fields[4].def_i, -719162);
    assert_int_equal(s->entities[0].fields[5].def_i, INT64_C(253402300799999));
    assert_true(s->entities[0].fields[6].def_d == 0.0 && !signbit(s->entities[0].fields[6].def_d));
    gen_schema_free(s);
}

static void test_enums(void **state)
{
    (void)state;
    expect_one(ENTITY "      x: enum\n", "6:7", "entities.e.fields.x",
               "an enum needs `values`, the list of its values");
    expect_one(ENTITY "      x: {type: enum, values: []}\n", "6:31", "entities.e.fields.x.values",
               "values is empty: an enum needs at least one value");
    expect_one(ENTITY "      x: {type: enum, values: free}\n", "6:31", "entities.e.fields.x.values",
               "expected a sequence, found a scalar");
    expect_one(ENTITY "      x: {type: enum, values: [a, b, a]}\n", "6:38",
               "entities.e.fields.x.values[2]", "duplicate enum value 'a' (first at line 6)");
    expect_one(ENTITY "      x: {type: enum, values: [Gold]}\n", "6:32",
               "entities.e.fields.x.values[0]",
               "enum value 'Gold' is not valid: it must start with a lowercase letter");
    expect_one(ENTITY "      x: {type: enum, values: [a, [b]]}\n", "6:35",
               "entities.e.fields.x.values[1]", "expected a scalar, found a sequence");
}

static void test_refs(void **state)
{
    (void)state;
    expect_one(HEAD "  customer:\n    fields: {x: text}\n  order_line:\n    fields:\n"
                    "      c: {type: ref, to: custmer}\n",
               "8:26", "entities.order_line.fields.c.to",
               "unknown entity 'custmer'; did you mean 'customer'?");
    expect_one(HEAD "  a:\n    fields:\n      c: {type: ref, to: zebra}\n", "6:26",
               "entities.a.fields.c.to", "unknown entity 'zebra'");
    expect_one(HEAD "  a:\n    fields:\n      c: ref\n", "6:7", "entities.a.fields.c",
               "a ref needs `to`, the entity it refers to");
    /* A ref may point at an entity further down the file. */
    gen_schema *s = load(HEAD "  a:\n    fields:\n      c: {type: ref, to: b}\n"
                              "  b:\n    fields: {x: text}\n");
    assert_non_null(s);
    assert_ptr_equal(s->entities[0].fields[0].ref, &s->entities[1]);
    gen_schema_free(s);
}

/* Every problem of a file is reported, in the order of the file. */
static void test_many_problems(void **state)
{
    (void)state;
    static const char yaml[] = "schema: Shop\n"                                  /* 1 */
                               "version: 0\n"                                    /* 2 */
                               "entities:\n"                                     /* 3 */
                               "  order:\n"                                      /* 4 */
                               "    fields:\n"                                   /* 5 */
                               "      amount: { type: integr, max: 3 }\n"        /* 6 */
                               "      flag: { type: bool, max: 3 }\n"            /* 7 */
                               "      cust: { type: ref, to: custmer }\n"        /* 8 */
                               "      tier: { type: enum, values: [a, b, a] }\n" /* 9 */
                               "  customer:\n"                                   /* 10 */
                               "    fields:\n"                                   /* 11 */
                               "      id: text\n"                                /* 12 */
                               "      id: int64\n";                              /* 13 */
    assert_null(load(yaml));
    static const char *const expect[] = {
        "t.yaml:1:9: error: schema: schema name 'Shop' is not valid",
        "t.yaml:2:10: error: version: version must be at least 1, found 0",
        "t.yaml:4:3: error: entities.order: table name 'order' is a reserved word in SQL",
        "t.yaml:6:23: error: entities.order.fields.amount.type: unknown type 'integr'; did you "
        "mean 'int32'?",
        "t.yaml:7:27: error: entities.order.fields.flag.max: option 'max' does not apply to "
        "type 'bool'",
        "t.yaml:8:30: error: entities.order.fields.cust.to: unknown entity 'custmer'; did you "
        "mean 'customer'?",
        "t.yaml:9:42: error: entities.order.fields.tier.values[2]: duplicate enum value 'a' "
        "(first at line 9)",
        "t.yaml:12:7: error: entities.customer.fields.id: field name 'id' is taken",
        "t.yaml:13:7: error: entities.customer.fields.id: duplicate key 'id' (first at line 12)",
    };
    const size_t n = sizeof expect / sizeof expect[0];
    assert_int_equal(diag.errors, n);
    const char *p = diag.text.data;
    for (size_t i = 0; i < n; i++) {
        if (strncmp(p, expect[i], strlen(expect[i])) != 0)
            fail_msg("message %zu: expected \"%s...\" in:\n%s", i, expect[i], diag.text.data);
        p = strchr(p, '\n') + 1;
    }
}

/* ---------------------------------------------------------------- key paths */

/*
 * Every message about a value names the key it belongs to and the path to it,
 * whichever key it is: each key the loader reads, both forms of index, and
 * problems of the YAML found at a key. Columns counted by hand.
 */
static void test_key_paths(void **state)
{
    (void)state;
#define TWO ENTITY "      tier: int32\n      code: int32\n    indexes:\n"
    static const struct {
        const char *yaml, *at, *path, *words;
    } cases[] = {
        /* The example of issue 14: `many` is on line 12, column 22. */
        { HEAD "  customer:\n    fields:\n      a: text\n      b: text\n      c: text\n"
               "      d: text\n      e: text\n      f: text\n"
               "      credit: { max: many, type: int64 }\n",
          "12:22", "entities.customer.fields.credit.max", "expected an integer, found 'many'" },
        { "schema: 42\nversion: 1\nentities: {a: {fields: {x: text}}}\n", "1:9", "schema",
          "schema name '42' is not valid" },
        { "schema: s\nversion: many\nentities: {a: {fields: {x: text}}}\n", "2:10", "version",
          "expected an integer, found 'many'" },
        { "schema: s\nversion: 1\nentities: []\n", "3:11", "entities",
          "expected a mapping, found a sequence" },
        { "schema: s\nversion: 1\nentities: {a: {fields: {x: text}}}\nentites: {}\n", "4:1",
          "entites", "unknown key 'entites'; did you mean 'entities'?" },
        { HEAD "  Shop: {fields: {x: text}}\n", "4:3", "entities.Shop",
          "entity name 'Shop' is not valid" },
        { HEAD "  a:\n    tabel: as\n    fields: {x: text}\n", "5:5", "entities.a.tabel",
          "unknown key 'tabel'; did you mean 'table'?" },
        { HEAD "  a:\n    table: 5x\n    fields: {x: text}\n", "5:12", "entities.a.table",
          "table name '5x' is not valid" },
        { HEAD "  a:\n    key: uuid\n    fields: {x: text}\n", "5:10", "entities.a.key",
          "unknown key kind 'uuid'; did you mean 'ulid'?" },
        { HEAD "  a:\n    conflict: last\n    fields: {x: text}\n", "5:15", "entities.a.conflict",
          "unknown conflict mode 'last' (expected lww or manual)" },
        { HEAD "  a:\n    fields: text\n", "5:13", "entities.a.fields",
          "expected a mapping, found a scalar" },
        { HEAD "  a:\n    table: things\n", "4:3", "entities.a", "missing key 'fields'" },
        { ENTITY "      Total: int64\n", "6:7", "entities.e.fields.Total",
          "field name 'Total' is not valid" },
        { ENTITY "      n: {type: integer}\n", "6:17", "entities.e.fields.n.type",
          "unknown type 'integer'; did you mean 'int32'?" },
        /* The shorthand `n: type` has no key `type`: the value belongs to `n`. */
        { ENTITY "      n: integr\n", "6:10", "entities.e.fields.n",
          "unknown type 'integr'; did you mean 'int32'?" },
        { ENTITY "      n: {null: true}\n", "6:7", "entities.e.fields.n",
          "missing option 'type' of field 'n'" },
        { ENTITY "      n: {type: int64, defualt: 1}\n", "6:24", "entities.e.fields.n.defualt",
          "unknown option 'defualt'; did you mean 'default'?" },
        { ENTITY "      n: {type: int64, null: maybe}\n", "6:30", "entities.e.fields.n.null",
          "expected true or false, found 'maybe'" },
        { ENTITY "      n: {type: int64, unique: 1}\n", "6:32", "entities.e.fields.n.unique",
          "expected true or false, found '1'" },
        { ENTITY "      n: {type: text, audit: hidden}\n", "6:30", "entities.e.fields.n.audit",
          "unknown audit mode 'hidden' (expected redact or omit)" },
        { ENTITY "      n: {type: text, max: lots}\n", "6:28", "entities.e.fields.n.max",
          "expected an integer, found 'lots'" },
        { ENTITY "      n: {type: int32, min: -3000000000}\n", "6:29", "entities.e.fields.n.min",
          "min -3000000000 does not fit in int32" },
        { ENTITY "      n: {type: int64, default: ten}\n", "6:33", "entities.e.fields.n.default",
          "expected an integer, found 'ten'" },
        { ENTITY "      n: {type: enum, values: free}\n", "6:31", "entities.e.fields.n.values",
          "expected a sequence, found a scalar" },
        { ENTITY "      n: {type: enum, values: [free, Pro]}\n", "6:38",
          "entities.e.fields.n.values[1]", "enum value 'Pro' is not valid" },
        { HEAD "  person:\n    fields: {x: text}\n  a:\n    fields:\n"
               "      r: {type: ref, to: persn}\n",
          "8:26", "entities.a.fields.r.to", "unknown entity 'persn'; did you mean 'person'?" },
        { ENTITY "      n: {type: bool, to: e}\n", "6:23", "entities.e.fields.n.to",
          "option 'to' does not apply to type 'bool'" },
        { ENTITY "      tier: int32\n    indexes: tier\n", "7:14", "entities.e.indexes",
          "expected a sequence, found a scalar" },
        /* The list form: [i] of `indexes`, then [j] of the index. */
        { TWO "      - [tier, cod]\n", "9:16", "entities.e.indexes[0][1]",
          "unknown field 'cod'; did you mean 'code'?" },
        { TWO "      - [tier]\n      - [code, code]\n", "10:16", "entities.e.indexes[1][1]",
          "field 'code' appears twice in this index" },
        /* The mapping form: its `fields` and `unique`. */
        { TWO "      - { fields: [tier, cdoe], unique: true }\n", "9:26",
          "entities.e.indexes[0].fields[1]", "unknown field 'cdoe'; did you mean 'code'?" },
        { TWO "      - { fields: [tier], unique: sure }\n", "9:35", "entities.e.indexes[0].unique",
          "expected true or false, found 'sure'" },
        { TWO "      - { fields: tier }\n", "9:19", "entities.e.indexes[0].fields",
          "expected a sequence, found a scalar" },
        { TWO "      - { fields: [tier], uniqe: true }\n", "9:27", "entities.e.indexes[0].uniqe",
          "unknown key 'uniqe'; did you mean 'unique'?" },
        { ENTITY "      trail_n: text\n", "6:7", "entities.e.fields.trail_n",
          "field name 'trail_n' starts with trail_" },
        { ENTITY "      create_init: text\n", "6:7", "entities.e.fields.create_init",
          "field 'e.create_init' makes the C name SHOP_E_CREATE_INIT, which entity 'e' (line 4)" },
        /* Problems of the YAML at a key name it too. */
        { ENTITY "      n: {type: int64, max: !!int 5}\n", "6:29", "entities.e.fields.n.max",
          "tag 'tag:yaml.org,2002:int' is not supported" },
        { ENTITY "      n: {type: int64, type: text}\n", "6:24", "entities.e.fields.n.type",
          "duplicate key 'type' (first at line 6)" },
        /* The event table's indexes: [i] of `indexes`, then [j] of the index. */
        { EVENTS "  indexes: [[user_id], [tenant_id, hlcc]]\n", "6:36", "events.indexes[1][1]",
          "unknown event column 'hlcc'" },
        { EVENTS "  index: []\n", "6:3", "events.index",
          "unknown key 'index'; did you mean 'indexes'?" },
        /* A key that is not a plain name is quoted. */
        { ENTITY "      n: {type: int64, 'a b': 1}\n", "6:24", "entities.e.fields.n.'a b'",
          "unknown option 'a b'" },
    };
#undef TWO
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        expect_one(cases[i].yaml, cases[i].at, cases[i].path, cases[i].words);
}

/* One expected message of a corpus file: at, path, words. */
typedef struct corpus_msg {
    const char *at, *path, *words;
} corpus_msg;

/* The text of tests/fuzz/corpus/@name, loaded as @name: every message in order, and no more. */
static void expect_corpus(const char *name, const corpus_msg *msgs, size_t n)
{
    char path[4096];
    const char *slash = strrchr(__FILE__, '/');
    snprintf(path, sizeof path, "%.*s/fuzz/corpus/%s", slash ? (int)(slash - __FILE__) : 1,
             slash ? __FILE__ : ".", name);
    FILE *f = fopen(path, "rb");
    if (!f)
        fail_msg("cannot open %s", path);
    static char text[1 << 16];
    size_t len = fread(text, 1, sizeof text, f);
    fclose(f);
    assert_true(len < sizeof text);

    gen_diag_free(&diag);
    gen_diag_init(&diag, NULL);
    gen_schema *s = gen_schema_load_mem(name, text, len, &diag);
    if (s) {
        gen_schema_free(s);
        if (n > 0)
            fail_msg("%s loaded", name);
        return;
    }
    if (diag.errors != (int)n)
        fail_msg("%s: %d messages, expected %zu:\n%s", name, diag.errors, n, diag.text.data);
    const char *p = diag.text.data;
    for (size_t i = 0; i < n; i++) {
        char prefix[512];
        prefix_of(prefix, sizeof prefix, name, msgs[i].at, msgs[i].path);
        const char *end = strchr(p, '\n');
        const char *rest = p + strlen(prefix);
        bool found = false;
        if (strncmp(p, prefix, strlen(prefix)) == 0) {
            char line[2048];
            snprintf(line, sizeof line, "%.*s", (int)(end - rest), rest);
            found = strstr(line, msgs[i].words) && (*msgs[i].path || !starts_with_path(line));
        }
        if (!found)
            fail_msg("%s, message %zu: expected \"%s...%s\" in:\n%s", name, i, prefix,
                     msgs[i].words, diag.text.data);
        p = end + 1;
    }
}

#define CORPUS(name, ...)                                                                          \
    do {                                                                                           \
        static const corpus_msg m[] = { __VA_ARGS__ };                                             \
        expect_corpus(name, m, sizeof m / sizeof m[0]);                                            \
    } while (0)

/* The bad schema files of the fuzzer's corpus: each message names its key path. */
static void test_corpus_paths(void **state)
{
    (void)state;
    char deep_f[256], deep_h[256];
    CORPUS("bad_utf8.yaml", { "6:8", "", "invalid trailing UTF-8 octet (0x6D)" });

    /* f's list is level 5 and starts at column 10: the 61st '[' is level 65. h's mapping
     * too: the 61st "{a: " (column 10 + 4 * 60) is level 65. */
    repeat(deep_f, "entities.e.fields.f", "[0]", 60);
    repeat(deep_h, "entities.g.fields.h", ".a", 60);
    const corpus_msg deep[] = {
        { "6:10", "entities.e.fields.f", "expected a type or a mapping of options, found a seq" },
        { "6:70", deep_f, "nesting deeper than 64 levels" },
        { "9:7", "entities.g.fields.h", "missing option 'type' of field 'h'" },
        { "9:11", "entities.g.fields.h.a", "unknown option 'a' (expected type, null, default" },
        { "9:250", deep_h, "nesting deeper than 64 levels" },
    };
    expect_corpus("deep_nesting.yaml", deep, sizeof deep / sizeof deep[0]);

    CORPUS("duplicate_keys.yaml", { "3:1", "version", "duplicate key 'version' (first at line 2)" },
           { "8:7", "entities.a.fields.x", "duplicate key 'x' (first at line 7)" },
           { "9:39", "entities.a.fields.y.values[2]", "duplicate enum value 'p'" },
           { "9:55", "entities.a.fields.y.default", "duplicate key 'default'" },
           { "10:3", "entities.a", "duplicate key 'a' (first at line 5)" },
           { "14:12", "entities.b.table", "table 'a' is already used by entity 'a' (line 5)" },
           { "16:9", "entities.b.fields", "a key must be a scalar, found a sequence" },
           { "18:39", "entities.b.fields.w.unique", "duplicate key 'unique'" });

    CORPUS("huge_ints.yaml", { "2:10", "version", "integer out of range: 999999" },
           { "6:87", "entities.n.fields.a.default", "integer out of range: -9223372036854775809" },
           { "7:30", "entities.n.fields.b.min", "min -2147483649 does not fit in int32" },
           { "7:48", "entities.n.fields.b.max", "max 9223372036854775807 does not fit" },
           { "7:77", "entities.n.fields.b.default", "integer out of range: 0xfff" },
           { "8:30", "entities.n.fields.c.min", "integer out of range: 0o1777" },
           { "9:44", "entities.n.fields.d.max", "number out of range: 1e309" },
           { "11:29", "entities.n.fields.f.max", "max must be at least 1, found -1" },
           { "12:30", "entities.n.fields.g.min", "min 10 is greater than max 1" },
           { "12:51", "entities.n.fields.g.default", "default 5 is less than min 10" });

    CORPUS("names_reserved.yaml", { "1:9", "schema", "schema name 'trail_x' is taken" },
           { "4:3", "entities.order", "table name 'order' is a reserved word in SQL" },
           { "6:7", "entities.order.fields.id", "field name 'id' is taken" },
           { "7:7", "entities.order.fields.version", "field name 'version' is taken" },
           { "8:7", "entities.order.fields.select", "field name 'select' is a reserved word" },
           { "9:7", "entities.order.fields.int", "field name 'int' is a C keyword" },
           { "10:7", "entities.order.fields.name_null", "ends in _null" },
           { "11:7", "entities.order.fields.Bad_Name", "field name 'Bad_Name' is not valid" },
           { "12:7", "entities.order.fields.trailing_", "must not end with _" },
           { "13:7", "entities.order.fields.two__under", "two underscores in a row" },
           { "14:3", "entities.struct", "entity name 'struct' is a C keyword" },
           { "15:12", "entities.struct.table", "table name 'trail_events' is taken" },
           { "18:3", "entities.keys", "table name 'keys' is a reserved word in SQL" });

    CORPUS(
        "refs_indexes.yaml", { "5:10", "entities.parent.key", "int64 keys are handed out by each" },
        { "11:17", "entities.parent.indexes[0][1]", "field 'label' appears twice" },
        { "12:10", "entities.parent.indexes[1][0]", "field 'data' cannot be in an index" },
        { "13:20", "entities.parent.indexes[2].fields[0]", "unknown field 'nope' in entity" },
        { "13:35", "entities.parent.indexes[2].unique", "expected true or false, found 'maybe'" },
        { "14:9", "entities.parent.indexes[3]", "an index needs at least one field" },
        { "15:58", "entities.parent.indexes[4][16]", "too many fields: an index has at most" },
        { "18:32", "entities.child.fields.parent.to", "unknown entity 'parnet'; did you mean" },
        { "20:31", "entities.child.fields.ghost.to", "unknown entity 'nowhere'" },
        { "21:27", "entities.child.fields.body.unique", "a unique text field needs `max`" },
        { "23:18", "entities.child.indexes[0][1]", "field 'body' cannot be in an index" });

    CORPUS("wrong_types.yaml", { "1:9", "schema", "schema name '42' is not valid" },
           { "2:10", "version", "expected an integer, found the string '1'" },
           { "5:10", "entities.thing.key", "unknown key kind 'uuid'; did you mean 'ulid'?" },
           { "6:15", "entities.thing.conflict", "expected a scalar, found a sequence" },
           { "8:18", "entities.thing.fields.a.type", "unknown type 'integr'" },
           { "9:29", "entities.thing.fields.b.max", "expected an integer, found 'abc'" },
           { "9:34", "entities.thing.fields.b.min", "option 'min' does not apply to type 'text'" },
           { "10:33", "entities.thing.fields.c.default", "found the string 'true'" },
           { "11:35", "entities.thing.fields.d.default", "found '.inf' (it must be finite)" },
           { "11:46", "entities.thing.fields.d.max", "found '.nan' (it must be finite)" },
           { "12:32", "entities.thing.fields.e.values", "expected a sequence, found a mapping" },
           { "13:27", "entities.thing.fields.f.to", "expected a scalar, found a sequence" },
           { "14:33", "entities.thing.fields.g.default", "a json default is a string" },
           { "15:33", "entities.thing.fields.h.default", "default '2024-13-45' is not a date" },
           { "16:10", "entities.thing.fields.i", "expected a type or a mapping of options" },
           { "17:7", "entities.thing.fields.j", "found nothing" },
           { "18:14", "entities.thing.indexes", "expected a sequence, found a scalar" });

    CORPUS("yaml_features.yaml", { "4:10", "version", "tag 'tag:yaml.org,2002:int' is not" },
           { "8:10", "entities.base.fields.a", "aliases are not supported" },
           { "10:10", "entities.base.fields.c", "tag '!custom' is not supported" },
           { "11:10", "entities.base.fields.d", "unknown type 'text?'; did you mean 'text'?" },
           { "13:10", "entities.base.fields.e", "NUL characters are not supported" },
           { "14:9", "entities.copy", "aliases are not supported" },
           { "15:3", "entities.more", "missing key 'fields' of entity 'more'" },
           { "16:5", "entities.more.'<<'", "unknown key '<<' (expected table, key, conflict" },
           { "16:9", "entities.more.'<<'", "aliases are not supported" },
           { "17:1", "", "only one YAML document is allowed" });

    /* The valid ones stay valid. */
    expect_corpus("valid_flow.yaml", NULL, 0);
    expect_corpus("valid_minimal.yaml", NULL, 0);
    expect_corpus("valid_shop.yaml", NULL, 0);
}
#undef CORPUS

/* ----------------------------------------------------------------- the YAML */

static void test_yaml_problems(void **state)
{
    (void)state;
    expect_one("schema: shop\nversion: 1\nversion: 2\nentities: {a: {fields: {x: text}}}\n", "3:1",
               "version", "duplicate key 'version' (first at line 2)");
    /* A tab cannot indent: libyaml's own words, at its mark. */
    expect_one("schema: shop\nversion:\n\t1\n", "3:1", "",
               "found character that cannot start any token");
    expect_one("schema: shop\nversion: [1\n", "3:1", "", "did not find expected ',' or ']'");
    expect_one(HEAD "  a: &x {fields: {y: text}}\n  b: *x\n", "5:6", "entities.b",
               "aliases are not supported");
    expect_one("schema: shop\nversion: !!int 1\nentities: {a: {fields: {x: text}}}\n", "2:10",
               "version", "tag 'tag:yaml.org,2002:int' is not supported");
    expect_one("schema: !!str shop\nversion: 1\nentities: !foo {a: {fields: {x: text}}}\n", "3:11",
               "entities", "tag '!foo' is not supported");
    expect_one(HEAD "  a: {fields: {x: text}}\n---\nschema: other\n", "5:1", "",
               "only one YAML document is allowed");
    expect_one(HEAD "  a: {fields: {x: text}}\n? [k]\n: v\n", "5:3", "",
               "a key must be a scalar, found a sequence");
}

static void test_bad_bytes(void **state)
{
    (void)state;
    /* The 0xFF is the 11th byte of line 1. */
    expect_one("schema: sh\xff\nversion: 1\n", "1:11", "", "invalid leading UTF-8 octet (0xFF)");
    /* A lead byte without its trailing byte: placed at the lead byte. */
    expect_one("schema: shop\nversion: 1\nentities: \xc3\n", "3:11", "",
               "invalid trailing UTF-8 octet");
    expect_one("schema: shop\nversion: 1\nentities: ab\xe2\x82", "3:13", "",
               "incomplete UTF-8 octet sequence");
    static const char nul[] = "schema: shop\n\0version: 1\n";
    assert_null(load_n(nul, sizeof nul - 1));
    assert_error("2:1", "", "control characters are not allowed (0x00)");
    assert_int_equal(diag.errors, 1);
    /* A "\0" escape makes a NUL without a NUL byte in the file. */
    expect_one("schema: \"sh\\0op\"\nversion: 1\nentities: {a: {fields: {x: text}}}\n", "1:9",
               "schema", "NUL characters are not supported");
}

static void test_deep_nesting(void **state)
{
    (void)state;
    enum { LEVELS = 10000 };
    char path[256];
    char *yaml = malloc(5 * LEVELS + 64);
    assert_non_null(yaml);

    /* Flow: the 65th '[' is in column 65. */
    memset(yaml, '[', LEVELS);
    memset(yaml + LEVELS, ']', LEVELS);
    assert_null(load_n(yaml, 2 * LEVELS));
    /* The refused 65th list is item [0] of the 64th, which is item [0] of the 63rd, ... */
    assert_error("1:65", repeat(path, "", "[0]", 64), "nesting deeper than 64 levels");
    assert_error("1:1", "", "found a sequence");
    assert_int_equal(diag.errors, 2);

    /* Unclosed: the depth is reported, then libyaml's complaint at the end. */
    assert_null(load_n(yaml, LEVELS));
    assert_error("1:65", repeat(path, "", "[0]", 64), "nesting deeper than 64 levels");
    assert_int_equal(diag.errors, 2);

    /* Inside a schema: the root mapping is level 1 and `entities:` level 2, so
     * the k-th "{a: " (column 11 + 4(k - 1)) is level k + 1; k = 64 is too deep. */
    int n = snprintf(yaml, 64, "schema: s\nversion: 1\nentities: ");
    for (int i = 0; i < LEVELS; i++)
        memcpy(yaml + n + 4 * i, "{a: ", 4);
    n += 4 * LEVELS;
    memset(yaml + n, '}', LEVELS);
    assert_null(load_n(yaml, (size_t)n + LEVELS));
    assert_error("3:263", repeat(path, "entities", ".a", 63), "nesting deeper than 64 levels");

    /* Block: "- - - ... x", the k-th dash in column 2k - 1 at level k. */
    for (int i = 0; i < LEVELS; i++)
        memcpy(yaml + 2 * i, "- ", 2);
    yaml[2 * LEVELS] = 'x';
    assert_null(load_n(yaml, 2 * LEVELS + 1));
    assert_error("1:129", repeat(path, "", "[0]", 64), "nesting deeper than 64 levels");
    free(yaml);
}

/* A deterministic stream of pseudo-random bytes (xorshift64). */
static uint64_t next_random(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

static void test_junk(void **state)
{
    (void)state;
    enum { SIZE = 5 << 20 };
    char *junk = malloc(SIZE);
    assert_non_null(junk);
    uint64_t seed = 0x9E3779B97F4A7C15u;

    /* Any bytes at all. */
    for (size_t i = 0; i < SIZE; i++)
        junk[i] = (char)next_random(&seed);
    assert_null(load_n(junk, SIZE));
    assert_true(diag.errors >= 1);

    /* YAML's own punctuation, spaces and newlines: the parser gives up somewhere. */
    static const char alphabet[] = "ab: -[]{},#&*!|>'\"%@`\n  \t?~0";
    for (size_t i = 0; i < SIZE; i++)
        junk[i] = alphabet[next_random(&seed) % (sizeof alphabet - 1)];
    assert_null(load_n(junk, SIZE));
    assert_true(diag.errors >= 1);

    /* Well-formed YAML, wrong as a schema, all the way through: the messages stop at 200. */
    size_t n = 0;
    for (unsigned i = 0; n + 64 < SIZE; i++)
        n += (size_t)snprintf(junk + n, SIZE - n, "k%u: [%u, {b: c}, \"%u\"]\n", i, i, i);
    assert_null(load_n(junk, n));
    assert_int_equal(diag.errors, 201);
    assert_error("1:1", "k0", "unknown key 'k0'");
    assert_non_null(strstr(diag.text.data, "t.yaml: error: too many errors; stopping here\n"));
    free(junk);
}

static void test_error_cap(void **state)
{
    (void)state;
    /* 1000 repeats of one key: 200 reported, then one line saying it stopped. */
    char *yaml = malloc(5 * 1000 + 1);
    assert_non_null(yaml);
    for (int i = 0; i < 1000; i++)
        memcpy(yaml + 5 * i, "a: 1\n", 5);
    assert_null(load_n(yaml, 5 * 1000));
    assert_int_equal(diag.errors, 201);
    assert_error("2:1", "a", "duplicate key 'a' (first at line 1)");
    assert_error("201:1", "a", "duplicate key 'a'");
    free(yaml);
}

static void test_missing_file(void **state)
{
    (void)state;
    gen_diag_init(&diag, NULL);
    assert_null(gen_schema_load("/nonexistent/trail/schema.yaml", &diag));
    assert_int_equal(diag.errors, 1);
    assert_non_null(
        strstr(diag.text.data, "/nonexistent/trail/schema.yaml: error: cannot open: No such file"));
}

/* ---------------------------------------------------------------- the tree */

static bool collect(void *ctx, const gen_yaml_node *at, gen_pos pos, const char *msg)
{
    (void)at;
    (void)pos;
    (void)msg;
    (*(int *)ctx)++;
    return true;
}

/* The path of the node each problem is about, the last one kept. */
static char last_path[GEN_YAML_PATH];

static bool collect_path(void *ctx, const gen_yaml_node *at, gen_pos pos, const char *msg)
{
    (void)pos;
    (void)msg;
    (*(int *)ctx)++;
    if (at)
        gen_yaml_path(last_path, at);
    else
        snprintf(last_path, sizeof last_path, "(none)");
    return true;
}

static void test_yaml_tree(void **state)
{
    (void)state;
    static const char yaml[] = "a:\n  - x\n  - {b: 'c', d: }\n";
    gen_yaml_node *root;
    int problems = 0;
    assert_int_equal(gen_yaml_load(&root, yaml, sizeof yaml - 1, collect, &problems), TRAIL_OK);
    assert_int_equal(problems, 0);
    assert_int_equal(root->kind, GEN_YAML_MAPPING);
    assert_int_equal(root->pos.line, 1);
    assert_int_equal(root->pos.col, 1);
    assert_int_equal(root->n_pairs, 1);
    const gen_yaml_node *seq = gen_yaml_get(root, "a");
    assert_ptr_equal(seq, root->pairs[0].value);
    assert_int_equal(seq->kind, GEN_YAML_SEQUENCE);
    assert_int_equal(seq->pos.line, 2);
    assert_int_equal(seq->pos.col, 3);
    assert_int_equal(seq->n_items, 2);
    assert_string_equal(seq->items[0]->text, "x");
    assert_false(seq->items[0]->quoted);
    assert_int_equal(seq->items[0]->pos.col, 5);
    const gen_yaml_node *map = seq->items[1];
    assert_int_equal(map->kind, GEN_YAML_MAPPING);
    assert_int_equal(map->pos.line, 3);
    assert_int_equal(map->pos.col, 5);
    assert_string_equal(map->pairs[0].key->text, "b");
    assert_int_equal(map->pairs[0].key->pos.col, 6);
    assert_string_equal(map->pairs[0].value->text, "c");
    assert_true(map->pairs[0].value->quoted);
    assert_int_equal(map->pairs[0].value->pos.col, 9);
    assert_string_equal(map->pairs[1].key->text, "d");
    assert_true(gen_yaml_is_null(map->pairs[1].value));
    assert_string_equal(gen_yaml_describe(map->pairs[1].value), "nothing");
    assert_null(gen_yaml_get(map, "e"));

    /* Where each node sits: a key and its value share a path. */
    char path[GEN_YAML_PATH];
    assert_null(root->parent);
    assert_string_equal(gen_yaml_path(path, root), "");
    assert_ptr_equal(seq->parent, root);
    assert_ptr_equal(seq->key, root->pairs[0].key);
    assert_ptr_equal(root->pairs[0].key->key, root->pairs[0].key);
    assert_string_equal(gen_yaml_path(path, seq), "a");
    assert_string_equal(gen_yaml_path(path, root->pairs[0].key), "a");
    assert_int_equal(map->index, 1);
    assert_string_equal(gen_yaml_path(path, seq->items[0]), "a[0]");
    assert_string_equal(gen_yaml_path(path, map), "a[1]");
    assert_string_equal(gen_yaml_path(path, map->pairs[0].value), "a[1].b");
    assert_string_equal(gen_yaml_path(path, map->pairs[1].key), "a[1].d");
    gen_yaml_free(root);

    /* Keys that are not plain names are quoted; a sequence at the top starts with [i]. */
    static const char odd[] = "- {'a b': {'': {x.y: {\"q\\tz\": 1}}}}\n";
    assert_int_equal(gen_yaml_load(&root, odd, sizeof odd - 1, collect, &problems), TRAIL_OK);
    const gen_yaml_node *n = root->items[0];
    n = n->pairs[0].value;
    assert_string_equal(gen_yaml_path(path, n), "[0].'a b'");
    n = n->pairs[0].value;
    assert_string_equal(gen_yaml_path(path, n), "[0].'a b'.''");
    n = n->pairs[0].value->pairs[0].value;
    assert_string_equal(gen_yaml_path(path, n), "[0].'a b'.''.'x.y'.'q?z'");
    gen_yaml_free(root);

    /* Too long for the buffer: cut after a whole step. 30 keys of 13 characters, each
     * step 14 with its dot: 13 + 17 * 14 = 251 bytes fit, with "..." and the NUL 255. */
    char deep[30 * 16 + 40], want[GEN_YAML_PATH];
    size_t len = 0, wlen = 0;
    for (int i = 0; i < 30; i++)
        len += (size_t)snprintf(deep + len, sizeof deep - len, "{abcdefghijk%02d: ", i);
    len += (size_t)snprintf(deep + len, sizeof deep - len, "x");
    for (int i = 0; i < 30; i++)
        deep[len++] = '}';
    for (int i = 0; i < 18; i++)
        wlen +=
            (size_t)snprintf(want + wlen, sizeof want - wlen, "%sabcdefghijk%02d", i ? "." : "", i);
    snprintf(want + wlen, sizeof want - wlen, "...");
    assert_int_equal(gen_yaml_load(&root, deep, len, collect, &problems), TRAIL_OK);
    n = root;
    for (int i = 0; i < 30; i++)
        n = n->pairs[0].value;
    assert_string_equal(n->text, "x");
    assert_string_equal(gen_yaml_path(path, n), want);
    assert_int_equal(strlen(want), 254);
    gen_yaml_free(root);

    /* The report names the node a problem is about, or none. */
    problems = 0;
    assert_int_equal(gen_yaml_load(&root, "a: {b: [1, !!int 2]}\n", 21, collect_path, &problems),
                     TRAIL_OK);
    assert_int_equal(problems, 1);
    assert_string_equal(last_path, "a.b[1]");
    gen_yaml_free(root);
    problems = 0;
    assert_int_equal(gen_yaml_load(&root, "a: b\nc: d\na: e\n", 15, collect_path, &problems),
                     TRAIL_OK);
    assert_int_equal(problems, 1);
    assert_string_equal(last_path, "a");
    gen_yaml_free(root);
    problems = 0;
    assert_int_equal(gen_yaml_load(&root, "a: [1\n", 6, collect_path, &problems), TRAIL_EINVALID);
    assert_string_equal(last_path, "(none)");

    /* No document at all is not an error of the tree. */
    problems = 0;
    assert_int_equal(gen_yaml_load(&root, "", 0, collect, &problems), TRAIL_OK);
    assert_null(root);
    assert_int_equal(problems, 0);
}

static void test_excerpt(void **state)
{
    (void)state;
    char buf[GEN_YAML_EXCERPT];
    assert_string_equal(gen_yaml_excerpt(buf, "a\nb", 3), "a?b");
    char longer[100];
    memset(longer, 'x', sizeof longer);
    const char *e = gen_yaml_excerpt(buf, longer, sizeof longer);
    assert_int_equal(strlen(e), GEN_YAML_EXCERPT - 1);
    assert_string_equal(e + strlen(e) - 3, "...");
    /* Never cut inside a character: after one ASCII byte, the 44th byte ends no character. */
    char accents[61] = "a";
    for (int i = 0; i < 30; i++)
        memcpy(accents + 1 + 2 * i, "\xc3\xa9", 2);
    e = gen_yaml_excerpt(buf, accents, sizeof accents);
    assert_int_equal(strlen(e), 43 + 3);
    assert_true(trail__utf8_valid(e, strlen(e)));
}

/* --------------------------------------------------------------- the names */

static void test_word_lists(void **state)
{
    (void)state;
    size_t n;
    const char *const *w = gen_name_sql_words(&n);
    assert_true(n > 300);
    for (size_t i = 0; i < n; i++) {
        assert_null(gen_name_problem(w[i], strlen(w[i])));
        if (i > 0 && strcmp(w[i - 1], w[i]) >= 0)
            fail_msg("SQL words out of order: '%s' before '%s'", w[i - 1], w[i]);
    }
    /* One of each list, and words no list holds. */
    static const char *const reserved[] = { "order",    "select", "user",   "key",
                                            "glob",     "pragma", "ilike",  "variadic",
                                            "zerofill", "rlike",  "qualify" };
    for (size_t i = 0; i < sizeof reserved / sizeof reserved[0]; i++)
        assert_true(gen_name_sql_reserved(reserved[i]));
    static const char *const fine[] = { "name", "email", "customer", "status", "orders", "text" };
    for (size_t i = 0; i < sizeof fine / sizeof fine[0]; i++)
        assert_false(gen_name_sql_reserved(fine[i]));

    w = gen_name_c_words(&n);
    for (size_t i = 1; i < n; i++)
        if (strcmp(w[i - 1], w[i]) >= 0)
            fail_msg("C words out of order: '%s' before '%s'", w[i - 1], w[i]);
    assert_true(gen_name_c_keyword("_Bool"));
    assert_true(gen_name_c_keyword("bool"));
    assert_true(gen_name_c_keyword("NULL"));
    assert_true(gen_name_c_keyword("while"));
    assert_true(gen_name_c_keyword("_Static_assert"));
    assert_false(gen_name_c_keyword("name"));

    assert_true(gen_name_trail("trail"));
    assert_true(gen_name_trail("trail_events"));
    assert_false(gen_name_trail("trails"));
}

static void test_name_rules(void **state)
{
    (void)state;
    assert_null(gen_name_problem("a", 1));
    assert_null(gen_name_problem("seen_at2", 8));
    assert_non_null(gen_name_problem("", 0));
    assert_non_null(gen_name_problem("2a", 2));
    assert_non_null(gen_name_problem("_a", 2));
    assert_non_null(gen_name_problem("aB", 2));
    assert_non_null(gen_name_problem("a-b", 3));
    assert_non_null(gen_name_problem("a__b", 4));
    assert_non_null(gen_name_problem("a_", 2));
    assert_non_null(gen_name_problem("a\0b", 3));
    char name[65];
    memset(name, 'a', sizeof name);
    assert_null(gen_name_problem(name, 63));
    assert_non_null(gen_name_problem(name, 64));
}

static void test_suggest(void **state)
{
    (void)state;
    /* Known distances: kitten/sitting 3, a swap of neighbours 1. */
    assert_int_equal(gen_edit_distance("kitten", "sitting", 10), 3);
    assert_int_equal(gen_edit_distance("ab", "ba", 10), 1);
    assert_int_equal(gen_edit_distance("", "abc", 10), 3);
    assert_int_equal(gen_edit_distance("same", "same", 0), 0);
    assert_true(gen_edit_distance("kitten", "sitting", 2) > 2);

    static const char *const keys[] = { "schema", "version", "entities" };
    assert_string_equal(gen_suggest("entites", keys, 3), "entities");
    assert_string_equal(gen_suggest("shcema", keys, 3), "schema");
    assert_string_equal(gen_suggest("verison", keys, 3), "version");
    assert_null(gen_suggest("author", keys, 3));
    assert_null(gen_suggest("", keys, 3));

    /* Short words: within 2, but never all of the word. */
    static const char *const kinds[] = { "ulid", "int64", "id" };
    assert_string_equal(gen_suggest("uid", kinds, 3), "ulid");
    assert_null(gen_suggest("x", kinds, 3));
    /* Longer words: within a third of their length. */
    static const char *const longer[] = { "customer_address" };
    assert_string_equal(gen_suggest("custmer_adress", longer, 1), "customer_address");
    assert_null(gen_suggest("cstmr_adrs", longer, 1));
    /* Ties go to the earlier candidate. */
    static const char *const ties[] = { "int32", "int64" };
    assert_string_equal(gen_suggest("int", ties, 2), "int32");

    size_t first[5];
    static const char *const names[] = { "b", "a", "b", "c", "a" };
    assert_true(gen_names_first(first, names, 5));
    assert_int_equal(first[0], 0);
    assert_int_equal(first[1], 1);
    assert_int_equal(first[2], 0);
    assert_int_equal(first[3], 3);
    assert_int_equal(first[4], 1);
}

int main(void)
{
#define T(f) cmocka_unit_test_teardown(f, teardown)
    const struct CMUnitTest tests[] = {
        T(test_valid_schema),
        T(test_shop_yaml),
        T(test_type_names),
        T(test_empty_inputs),
        T(test_top_keys),
        T(test_schema_name),
        T(test_version),
        T(test_entities_shape),
        T(test_entity_shape),
        T(test_entity_names),
        T(test_table_names),
        T(test_c_name_clashes),
        T(test_key_and_conflict),
        T(test_replicate),
        T(test_too_many_fields),
        T(test_indexes),
        T(test_events),
        T(test_events_errors),
        T(test_events_served),
        T(test_field_names),
        T(test_field_shape),
        T(test_option_applies),
        T(test_bounds),
        T(test_unique_text),
        T(test_defaults),
        T(test_enums),
        T(test_refs),
        T(test_many_problems),
        T(test_key_paths),
        T(test_corpus_paths),
        T(test_yaml_problems),
        T(test_bad_bytes),
        T(test_deep_nesting),
        T(test_junk),
        T(test_error_cap),
        T(test_missing_file),
        T(test_yaml_tree),
        T(test_excerpt),
        T(test_word_lists),
        T(test_name_rules),
        T(test_suggest),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}
