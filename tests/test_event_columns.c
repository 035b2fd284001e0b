/*
 * test_event_columns.c - the event row's one table (audit/event_columns.h)
 * against what is made from it: every dialect's event_insert names the
 * table's columns in its order with one placeholder each ($1…$n on
 * PostgreSQL), every SELECT of whole events reads the same list, the
 * context columns are core/context.h's, and the hashed message of a known
 * event is the known text and hash (a hashed column added or moved changes
 * every event's message, which this test is there to notice).
 */
#define _POSIX_C_SOURCE 200809L
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/event.h"
#include "audit/event_columns.h"
#include "core/context.h"
#include "driver/sql.h"
#include "trail/error.h"

extern const struct trail_runtime_sql trail__runtime_sql_sqlite, trail__runtime_sql_pg,
    trail__runtime_sql_mysql;

#define NAME(n, name, ...) #name,
static const char *const names[] = { TRAIL_EVENT_COLUMN_TABLE(NAME, ) };
#undef NAME

#define KIND(n, name, value, kind, ...) TRAIL_EVENT_KIND_##kind,
static const trail_event_kind kinds[] = { TRAIL_EVENT_COLUMN_TABLE(KIND, ) };
#undef KIND

static const struct dialect {
    const char *name;
    const trail_runtime_sql *sql;
    char quote;
    bool numbered; /* $1, $2…; else ? */
} dialects[] = {
    { "sqlite", &trail__runtime_sql_sqlite, '"', false },
    { "pg", &trail__runtime_sql_pg, '"', true },
    { "mysql", &trail__runtime_sql_mysql, '`', false },
};

/* Skips @prefix at *@at, failing with @what when it is not there. */
static void expect(const char **at, const char *prefix, const char *what)
{
    size_t n = strlen(prefix);
    if (strncmp(*at, prefix, n) != 0)
        fail_msg("%s: expected \"%s\" at \"%.40s\"", what, prefix, *at);
    *at += n;
}

/* Reads the quoted column list at *@at, "a", "b", … up to @end, and checks it is the table's. */
static void expect_columns(const char **at, char q, const char *end, const char *what)
{
    for (size_t i = 0; i < TRAIL_EVENT_COLUMNS; i++) {
        char col[80];
        snprintf(col, sizeof col, "%s%c%s%c", i ? ", " : "", q, names[i], q);
        expect(at, col, what);
    }
    expect(at, end, what);
}

/* The enum, the count and the table agree: one name per place, each once. */
static void test_table(void **state)
{
    (void)state;
    assert_int_equal(sizeof names / sizeof *names, TRAIL_EVENT_COLUMNS);
    assert_int_equal(TRAIL_EV_event_id, 0);
    assert_int_equal(TRAIL_EV_hash, TRAIL_EVENT_COLUMNS - 1);
    assert_string_equal(names[TRAIL_EV_record_id], "record_id");
    for (size_t i = 0; i < TRAIL_EVENT_COLUMNS; i++)
        for (size_t j = 0; j < i; j++)
            if (strcmp(names[i], names[j]) == 0)
                fail_msg("event column %s twice", names[i]);
}

/* event_insert of every dialect: the table's columns, then as many placeholders. */
static void test_insert(void **state)
{
    (void)state;
    for (size_t d = 0; d < sizeof dialects / sizeof *dialects; d++) {
        const struct dialect *D = &dialects[d];
        const char *at = D->sql->event_insert;
        char head[80];
        snprintf(head, sizeof head, "INSERT INTO %ctrail_change_events%c (", D->quote, D->quote);
        expect(&at, head, D->name);
        expect_columns(&at, D->quote, ") VALUES (", D->name);
        for (size_t i = 0; i < TRAIL_EVENT_COLUMNS; i++) {
            char p[16];
            if (D->numbered)
                snprintf(p, sizeof p, "%s$%zu", i ? ", " : "", i + 1);
            else
                snprintf(p, sizeof p, "%s?", i ? ", " : "");
            expect(&at, p, D->name);
        }
        expect(&at, ")", D->name);
        assert_string_equal(at, "");
    }
}

/* Every statement that reads whole events reads the table's columns in its order. */
static void test_selects(void **state)
{
    (void)state;
    for (size_t d = 0; d < sizeof dialects / sizeof *dialects; d++) {
        const struct dialect *D = &dialects[d];
        const char *const reads[] = { D->sql->events_all,       D->sql->events_of_table,
                                      D->sql->events_of_record, D->sql->events_of_id,
                                      D->sql->events_since,     D->sql->events_by_node };
        char from[80];
        snprintf(from, sizeof from, " FROM %ctrail_change_events%c", D->quote, D->quote);
        for (size_t i = 0; i < sizeof reads / sizeof *reads; i++) {
            const char *at = reads[i];
            expect(&at, "SELECT ", D->name);
            expect_columns(&at, D->quote, from, D->name);
        }
    }
}

/* The context columns are core/context.h's, in its order, and only they are of that kind. */
static void test_context(void **state)
{
    (void)state;
    for (size_t i = 0; i < TRAIL_EVENT_COLUMNS; i++) {
        bool ctx = i >= TRAIL_EV_user_id && i < TRAIL_EV_user_id + TRAIL_CTX_COLUMNS;
        assert_int_equal(kinds[i] == TRAIL_EVENT_KIND_CONTEXT, ctx);
        if (ctx)
            assert_string_equal(names[i], trail__ctx_columns[i - TRAIL_EV_user_id].name);
    }
}

/*
 * The message of a known event: every column but the hash, in order, the
 * JSON ones spliced in; its SHA-256 computed apart (Python's hashlib).
 */
static void test_message(void **state)
{
    (void)state;
    static const char *json_old = "{\"credit\":0}",
                      *json_new = "{\"id\":\"42\",\"version\":2,"
                                  "\"credit\":5}",
                      *json_changed = "[\"credit\"]";
    static const char prev[] = "abababababababababababababababababababababababababababababababab";
    trail_value cols[TRAIL_EVENT_COLUMNS] = {
        [TRAIL_EV_event_id] = trail_v_text("01ARZ3NDEKTSV4RRFFQ69G5FAV"),
        [TRAIL_EV_hlc] = trail_v_int(1000),
        [TRAIL_EV_node_id] = trail_v_text("n1"),
        [TRAIL_EV_origin_node] = trail_v_text("n1"),
        [TRAIL_EV_tx_id] = trail_v_text("01ARZ3NDEKTSV4RRFFQ69G5FAW"),
        [TRAIL_EV_table_name] = trail_v_text("customers"),
        [TRAIL_EV_record_id] = trail_v_text("42"),
        [TRAIL_EV_op] = trail_v_text("update"),
        [TRAIL_EV_version] = trail_v_int(2),
        [TRAIL_EV_old_values] = { .type = TRAIL_V_JSON, .s = json_old, .n = strlen(json_old) },
        [TRAIL_EV_new_values] = { .type = TRAIL_V_JSON, .s = json_new, .n = strlen(json_new) },
        [TRAIL_EV_changed] = { .type = TRAIL_V_JSON, .s = json_changed, .n = strlen(json_changed) },
        [TRAIL_EV_schema_version] = trail_v_int(1),
        [TRAIL_EV_user_id] = trail_v_text("u\"1"),
        [TRAIL_EV_ip] = trail_v_text("::1"),
        [TRAIL_EV_created_at] = trail_v_int(1700000000000),
        [TRAIL_EV_prev_hash] = trail_v_text(prev),
        [TRAIL_EV_hash] = trail_v_text("not part of the message"),
    };
    trail_buf msg = TRAIL_BUF_INIT;
    assert_int_equal(trail__event_message(&msg, cols), TRAIL_OK);
    assert_string_equal(msg.data,
                        "[\"01ARZ3NDEKTSV4RRFFQ69G5FAV\",1000,\"n1\",\"n1\","
                        "\"01ARZ3NDEKTSV4RRFFQ69G5FAW\",\"customers\",\"42\",\"update\",2,"
                        "{\"credit\":0},{\"id\":\"42\",\"version\":2,\"credit\":5},"
                        "[\"credit\"],1,\"u\\\"1\",null,null,null,null,null,\"::1\","
                        "1700000000000,"
                        "\"abababababababababababababababababababababababababababababababab\"]");
    trail__buf_free(&msg);
    char hash[TRAIL_SHA256_HEX_LEN + 1];
    assert_int_equal(trail__event_hash(hash, cols), TRAIL_OK);
    assert_string_equal(hash, "ecaa9784f1cd9458444e9cdc66081bd6b0fe9ac7769c1ed30a1528c3069bf5ba");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table),   cmocka_unit_test(test_insert),
        cmocka_unit_test(test_selects), cmocka_unit_test(test_context),
        cmocka_unit_test(test_message),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
