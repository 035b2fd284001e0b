/*
 * test_model.c - the schema's description that migrate stores in trail_meta
 * (audit/model.h), read back: each entity's `replicate`, true when a
 * description stored before the key existed says nothing.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "audit/model.h"
#include "trail/error.h"

static void test_replicate(void **state)
{
    (void)state;
    static const char json[] =
        "{\"schema\":\"s\",\"version\":1,\"entities\":["
        "{\"name\":\"old\",\"table\":\"old\",\"key\":\"ulid\",\"fields\":[]},"
        "{\"name\":\"on\",\"table\":\"on\",\"key\":\"ulid\",\"replicate\":true,\"fields\":[]},"
        "{\"name\":\"off\",\"table\":\"off\",\"key\":\"int64\",\"replicate\":false,"
        "\"fields\":[{\"name\":\"x\",\"type\":\"text\",\"null\":false,\"audit\":\"full\"}]}]}";
    trail_model m;
    assert_int_equal(trail__model_parse(&m, json, strlen(json)), TRAIL_OK);
    assert_int_equal(m.n_entities, 3);
    assert_true(m.entities[0].replicate);
    assert_true(m.entities[1].replicate);
    assert_false(m.entities[2].replicate);
    assert_int_equal(m.entities[2].key, TRAIL_KEY_INT64);
    assert_int_equal(m.entities[2].n_fields, 1);
    trail__model_free(&m);

    /* Not a boolean: not such a description. */
    static const char bad[] = "{\"schema\":\"s\",\"version\":1,\"entities\":[{\"name\":\"a\","
                              "\"table\":\"a\",\"key\":\"ulid\",\"replicate\":\"no\","
                              "\"fields\":[]}]}";
    assert_int_equal(trail__model_parse(&m, bad, strlen(bad)), TRAIL_EINVALID);
}

/* What trail__model_json() writes of an entity, read back the same. */
static void test_round_trip(void **state)
{
    (void)state;
    static const trail_field fields[] = { { .name = "x", .type = TRAIL_TYPE_INT32 } };
    static const trail_entity local = {
        .name = "a", .table = "a", .key = TRAIL_KEY_INT64, .fields = fields, .n_fields = 1
    };
    static const trail_entity shared = { .name = "b",
                                         .table = "bs",
                                         .key = TRAIL_KEY_ULID,
                                         .replicate = true,
                                         .fields = fields,
                                         .n_fields = 1 };
    static const trail_entity *const entities[] = { &local, &shared };
    static const trail_schema schema = {
        .name = "s", .version = 2, .entities = entities, .n_entities = 2
    };
    trail_buf out = TRAIL_BUF_INIT;
    assert_int_equal(trail__model_json(&out, &schema), TRAIL_OK);
    assert_non_null(strstr(out.data, "\"key\":\"int64\",\"replicate\":false,"));
    assert_non_null(strstr(out.data, "\"key\":\"ulid\",\"replicate\":true,"));
    trail_model m;
    assert_int_equal(trail__model_parse(&m, out.data, out.len), TRAIL_OK);
    assert_false(m.entities[0].replicate);
    assert_true(m.entities[1].replicate);
    assert_string_equal(m.entities[1].table, "bs");
    trail__model_free(&m);
    trail__buf_free(&out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_replicate),
        cmocka_unit_test(test_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
