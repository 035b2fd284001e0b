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
#include "driver/driver.h"
#include "driver/sql.h"
#include "trail/error.h"

#define NAME(n, name, ...) #name,
static const char *const names[] = { TRAIL_EVENT_COLUMN_TABLE(NAME, ) };
#undef NAME

#define KIND(n, name, value, kind, ...) TRAIL_EVENT_KIND_##kind,
static const trail_event_kind kinds[] = { TRAIL_EVENT_COLUMN_TABLE(KIND, ) };
#undef KIND

/*
 * Every driver of driver/drivers.h, with the statements it runs: a driver
 * added is checked too. Its quote and placeholders are its dialect's, which
 * test_dialect pins per driver.
 */
static const trail_driver *const drivers[] = {
#define ITEM(name) &trail__driver_##name,
    TRAIL_DRIVERS(ITEM)
#undef ITEM
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
    for (size_t d = 0; d < sizeof drivers / sizeof *drivers; d++) {
        const trail_runtime_sql *sql = drivers[d]->sql;
        const char *name = drivers[d]->dialect->name;
        char q = drivers[d]->dialect->quote;
        const char *at = sql->event_insert;
        char head[80];
        snprintf(head, sizeof head, "INSERT INTO %ctrail_change_events%c (", q, q);
        expect(&at, head, name);
        expect_columns(&at, q, ") VALUES (", name);
        for (size_t i = 0; i < TRAIL_EVENT_COLUMNS; i++) {
            char p[16];
            if (drivers[d]->dialect->numbered_params)
                snprintf(p, sizeof p, "%s$%zu", i ? ", " : "", i + 1);
            else
                snprintf(p, sizeof p, "%s?", i ? ", " : "");
            expect(&at, p, name);
        }
        expect(&at, ")", name);
        assert_string_equal(at, "");
    }
}

/* Every statement that reads whole events reads the table's columns in its order. */
static void test_selects(void **state)
{
    (void)state;
    for (size_t d = 0; d < sizeof drivers / sizeof *drivers; d++) {
        const trail_runtime_sql *sql = drivers[d]->sql;
        const char *name = drivers[d]->dialect->name;
        char q = drivers[d]->dialect->quote;
        const char *const reads[] = { sql->events_all,       sql->events_of_table,
                                      sql->events_of_record, sql->events_of_id,
                                      sql->events_since,     sql->events_by_lane };
        char from[80];
        snprintf(from, sizeof from, " FROM %ctrail_change_events%c", q, q);
        for (size_t i = 0; i < sizeof reads / sizeof *reads; i++) {
            const char *at = reads[i];
            expect(&at, "SELECT ", name);
            expect_columns(&at, q, from, name);
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
        [TRAIL_EV_lane_id] = trail_v_text("01ARZ3NDEKTSV4RRFFQ69G5FAX"),
        [TRAIL_EV_seq] = trail_v_int(7),
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
    assert_string_equal(
        msg.data, "[\"01ARZ3NDEKTSV4RRFFQ69G5FAV\",1000,\"n1\",\"01ARZ3NDEKTSV4RRFFQ69G5FAX\",7,"
                  "\"01ARZ3NDEKTSV4RRFFQ69G5FAW\",\"customers\",\"42\",\"update\",2,"
                  "{\"credit\":0},{\"id\":\"42\",\"version\":2,\"credit\":5},"
                  "[\"credit\"],1,\"u\\\"1\",null,null,null,null,null,\"::1\","
                  "1700000000000,"
                  "\"abababababababababababababababababababababababababababababababab\"]");
    trail__buf_free(&msg);
    char hash[TRAIL_SHA256_HEX_LEN + 1];
    assert_int_equal(trail__event_hash(hash, cols), TRAIL_OK);
    assert_string_equal(hash, "dee64ef913b01fc47e94d0259960e2ae0087af502e3fa73bf3283082e729b148");
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
