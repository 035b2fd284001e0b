/*
 * test_replay.c - history/replay.c, the replay verify holds a replicated
 * record's row to (docs/replication.md, "Merging concurrent edits"), on
 * events written by hand: what no database here can hold yet (resolve and
 * merge events, cascade deletes without old_values) and the orders two
 * nodes' edits can take. Each expected row and problem is worked out from
 * the rules in the comments, not from the code's output.
 */
#define _POSIX_C_SOURCE 200809L
#include "history/replay.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

/* ---- events and problems ----------------------------------------------------- */

typedef struct said {
    char event[32];
    char what[512];
} said;

typedef struct problems {
    said items[16];
    size_t n;
} problems;

static int collect(void *userdata, const char *event_id, const char *what)
{
    problems *p = userdata;
    assert_true(p->n < sizeof p->items / sizeof p->items[0]);
    snprintf(p->items[p->n].event, sizeof p->items[p->n].event, "%s", event_id ? event_id : "");
    snprintf(p->items[p->n].what, sizeof p->items[p->n].what, "%s", what);
    p->n++;
    return 0;
}

static json_t *json_or_null(const char *text)
{
    if (!text)
        return NULL;
    json_t *j = json_loads(text, JSON_DECODE_ANY, NULL);
    assert_non_null(j);
    return j;
}

/* One event: id, node, hlc, op, version, then old_values, new_values, changed as JSON (NULL: SQL
 * NULL). */
static trail__replay_event ev(const char *id, const char *node, int64_t hlc, const char *op,
                              int64_t version, const char *old_values, const char *new_values,
                              const char *changed)
{
    trail__replay_event e = { strdup(id),
                              strdup(node),
                              strdup(op),
                              hlc,
                              version,
                              json_or_null(old_values),
                              json_or_null(new_values),
                              json_or_null(changed) };
    assert_true(e.event_id && e.node_id && e.op);
    return e;
}

/* Replays @n events (any order), collecting problems; frees the events. */
static trail__replay_result replay(trail__replay_event *evs, size_t n, problems *p)
{
    trail_err err = { 0 };
    trail__checks c = { &err, collect, p };
    trail__replay_result r;
    memset(p, 0, sizeof *p);
    assert_int_equal(trail__replay(&c, evs, n, &r), 0);
    for (size_t i = 0; i < n; i++)
        trail__replay_event_clear(&evs[i]);
    return r;
}

static void print_problems(const problems *p)
{
    for (size_t i = 0; i < p->n; i++)
        print_error("  %s: %s\n", p->items[i].event, p->items[i].what);
}

static void expect_no_problem(const problems *p)
{
    if (p->n)
        print_problems(p);
    assert_int_equal(p->n, 0);
}

/* One of @p's problems is about @event and holds @words. */
static void expect_problem(const problems *p, const char *event, const char *words)
{
    for (size_t i = 0; i < p->n; i++)
        if (strcmp(p->items[i].event, event) == 0 && strstr(p->items[i].what, words))
            return;
    print_error("no problem of %s saying \"%s\"; there are:\n", event, words);
    print_problems(p);
    fail();
}

static void expect_row(trail__replay_result *r, const char *want)
{
    json_t *w = json_or_null(want);
    if (!json_equal(r->row, w)) {
        char *got = r->row ? json_dumps(r->row, JSON_SORT_KEYS) : NULL;
        print_error("row %s, not %s\n", got ? got : "(none)", want);
        free(got);
        fail();
    }
    json_decref(w);
    json_decref(r->row);
    r->row = NULL;
}

#define INSERT_ANN "{\"id\":\"r\",\"version\":1,\"name\":\"Ann\",\"credit\":0}"

/* ---- tests ------------------------------------------------------------------------ */

/*
 * A renames and B credits, both from version 1, given in the wrong order:
 * record order puts them by hlc; both fields survive, the version is 3.
 */
static void test_different_fields(void **state)
{
    (void)state;
    problems p;
    trail__replay_event e[] = {
        ev("e3", "B", 30, "update", 2, "{\"credit\":0}",
           "{\"id\":\"r\",\"version\":2,\"name\":\"Ann\",\"credit\":7}", "[\"credit\"]"),
        ev("e1", "A", 10, "insert", 1, NULL, INSERT_ANN, "[\"name\",\"credit\"]"),
        ev("e2", "A", 20, "update", 2, "{\"name\":\"Ann\"}",
           "{\"id\":\"r\",\"version\":2,\"name\":\"Anna\",\"credit\":0}", "[\"name\"]"),
    };
    trail__replay_result r = replay(e, 3, &p);
    expect_no_problem(&p);
    assert_false(r.deleted);
    assert_int_equal(r.edits, 3);
    expect_row(&r, "{\"id\":\"r\",\"version\":3,\"name\":\"Anna\",\"credit\":7}");
}

/* Same hlc on two nodes: node id decides, so B's name is the later. */
static void test_same_field_tie_by_node(void **state)
{
    (void)state;
    problems p;
    trail__replay_event e[] = {
        ev("e1", "A", 10, "insert", 1, NULL, INSERT_ANN, "[\"name\",\"credit\"]"),
        ev("zz", "B", 20, "update", 2, "{\"name\":\"Ann\"}",
           "{\"id\":\"r\",\"version\":2,\"name\":\"From B\",\"credit\":0}", "[\"name\"]"),
        ev("aa", "A", 20, "update", 2, "{\"name\":\"Ann\"}",
           "{\"id\":\"r\",\"version\":2,\"name\":\"From A\",\"credit\":0}", "[\"name\"]"),
    };
    trail__replay_result r = replay(e, 3, &p);
    expect_no_problem(&p);
    expect_row(&r, "{\"id\":\"r\",\"version\":3,\"name\":\"From B\",\"credit\":0}");
}

/*
 * Deletes win, before or after: A's delete, then B's concurrent update
 * (seen 1 of 2 before it), then C's cascade delete of a record it never
 * had a row of (old_values NULL). No problem, no row.
 */
static void test_deletes_win(void **state)
{
    (void)state;
    problems p;
    trail__replay_event e[] = {
        ev("e1", "A", 10, "insert", 1, NULL, INSERT_ANN, "[\"name\",\"credit\"]"),
        ev("e2", "A", 20, "delete", 1, INSERT_ANN, NULL, "[\"name\",\"credit\"]"),
        ev("e3", "B", 30, "update", 2, "{\"credit\":0}",
           "{\"id\":\"r\",\"version\":2,\"name\":\"Ann\",\"credit\":7}", "[\"credit\"]"),
        ev("e4", "C", 40, "delete", 1, NULL, NULL, "[\"customer\"]"),
    };
    trail__replay_result r = replay(e, 4, &p);
    expect_no_problem(&p);
    assert_true(r.deleted);
    assert_int_equal(r.edits, 4);
    assert_null(r.row);
}

/* A node writes nothing after its own delete, and never repeats a version. */
static void test_own_node_order(void **state)
{
    (void)state;
    problems p;
    trail__replay_event e[] = {
        ev("e1", "A", 10, "insert", 1, NULL, INSERT_ANN, "[\"name\",\"credit\"]"),
        ev("e2", "B", 20, "update", 2, "{\"credit\":0}",
           "{\"id\":\"r\",\"version\":2,\"name\":\"Ann\",\"credit\":7}", "[\"credit\"]"),
        ev("e3", "B", 30, "update", 2, "{\"credit\":0}",
           "{\"id\":\"r\",\"version\":2,\"name\":\"Ann\",\"credit\":8}", "[\"credit\"]"),
        ev("e4", "A", 40, "delete", 1, INSERT_ANN, NULL, "[\"name\",\"credit\"]"),
        ev("e5", "A", 50, "update", 2, "{\"name\":\"Ann\"}",
           "{\"id\":\"r\",\"version\":2,\"name\":\"Late\",\"credit\":0}", "[\"name\"]"),
    };
    trail__replay_result r = replay(e, 5, &p);
    expect_problem(&p, "e3", "after its own node's update at version 2: a version repeats");
    expect_problem(&p, "e5", "after its own node's delete of the record");
    assert_int_equal(p.n, 2);
    assert_null(r.row);
}

/*
 * Where an edit saw every edit before it (seen = i), the old chain's
 * checks hold against the replay: an old value that is not the replay's,
 * a field moved that changed does not name, a delete it saw.
 */
static void test_saw_all_checks(void **state)
{
    (void)state;
    problems p;
    trail__replay_event e[] = {
        ev("e1", "A", 10, "insert", 1, NULL, INSERT_ANN, "[\"name\",\"credit\"]"),
        ev("e2", "A", 20, "update", 2, "{\"name\":\"Bob\"}",
           "{\"id\":\"r\",\"version\":2,\"name\":\"Anna\",\"credit\":5}", "[\"name\"]"),
    };
    trail__replay_result r = replay(e, 2, &p);
    expect_problem(&p, "e2", "its old_values differ from the previous event's new_values in: name");
    expect_problem(&p, "e2",
                   "its new_values differ from the previous event's new_values in credit, which "
                   "its changed does not name");
    assert_int_equal(p.n, 2);
    /* The replay takes what changed names, and only that. */
    expect_row(&r, "{\"id\":\"r\",\"version\":2,\"name\":\"Anna\",\"credit\":0}");

    trail__replay_event d[] = {
        ev("e1", "A", 10, "insert", 1, NULL, INSERT_ANN, "[\"name\",\"credit\"]"),
        ev("e2", "B", 20, "delete", 1, INSERT_ANN, NULL, "[\"name\",\"credit\"]"),
        ev("e3", "A", 30, "update", 3, "{\"name\":\"Ann\"}",
           "{\"id\":\"r\",\"version\":3,\"name\":\"Anna\",\"credit\":0}", "[\"name\"]"),
    };
    r = replay(d, 3, &p);
    expect_problem(&p, "e3", "update at version 3 after the record was deleted");
    assert_int_equal(p.n, 1);
}

/*
 * A concurrent edit (seen < i) is not held to the replay: B's credit from
 * version 1, after A's rename, names old values that were B's.
 */
static void test_concurrent_not_compared(void **state)
{
    (void)state;
    problems p;
    trail__replay_event e[] = {
        ev("e1", "A", 10, "insert", 1, NULL, INSERT_ANN, "[\"name\",\"credit\"]"),
        ev("e2", "A", 20, "update", 2, "{\"credit\":0}",
           "{\"id\":\"r\",\"version\":2,\"name\":\"Ann\",\"credit\":3}", "[\"credit\"]"),
        ev("e3", "B", 30, "update", 2, "{\"credit\":0}",
           "{\"id\":\"r\",\"version\":2,\"name\":\"Ann\",\"credit\":7}", "[\"credit\"]"),
    };
    trail__replay_result r = replay(e, 3, &p);
    expect_no_problem(&p);
    expect_row(&r, "{\"id\":\"r\",\"version\":3,\"name\":\"Ann\",\"credit\":7}");
}

/*
 * Merge events are history: skipped by the replay (not counted in the
 * version, their values not taken), their new_values an object. A record
 * with merge events only has lost its edits.
 */
static void test_merge_events_inert(void **state)
{
    (void)state;
    problems p;
    trail__replay_event e[] = {
        ev("e1", "A", 10, "insert", 1, NULL, INSERT_ANN, "[\"name\",\"credit\"]"),
        ev("m1", "B", 20, "merge", 5, INSERT_ANN,
           "{\"id\":\"r\",\"version\":5,\"name\":\"Nobody\",\"credit\":1}", "[\"name\"]"),
        ev("m2", "B", 21, "merge", 5, NULL, "[1]", "[]"),
        ev("e2", "A", 30, "update", 2, "{\"credit\":0}",
           "{\"id\":\"r\",\"version\":2,\"name\":\"Ann\",\"credit\":3}", "[\"credit\"]"),
    };
    trail__replay_result r = replay(e, 4, &p);
    expect_problem(&p, "m2", "a merge event whose new_values are not a JSON object");
    assert_int_equal(p.n, 1);
    assert_int_equal(r.edits, 2);
    expect_row(&r, "{\"id\":\"r\",\"version\":2,\"name\":\"Ann\",\"credit\":3}");

    trail__replay_event m[] = {
        ev("m1", "B", 20, "merge", 2, INSERT_ANN, INSERT_ANN, "[]"),
    };
    r = replay(m, 1, &p);
    expect_no_problem(&p);
    assert_int_equal(r.edits, 0);
    assert_null(r.row);
}

/*
 * A resolve is an edit like an update: it sets its changed fields, counts
 * in the version, may keep a value (choice keep), and names its conflict.
 */
static void test_resolve(void **state)
{
    (void)state;
    problems p;
    trail__replay_event e[] = {
        ev("e1", "A", 10, "insert", 1, NULL, INSERT_ANN, "[\"name\",\"credit\"]"),
        ev("e2", "A", 20, "update", 2, "{\"name\":\"Ann\"}",
           "{\"id\":\"r\",\"version\":2,\"name\":\"From A\",\"credit\":0}", "[\"name\"]"),
        ev("e3", "B", 25, "update", 2, "{\"name\":\"Ann\"}",
           "{\"id\":\"r\",\"version\":2,\"name\":\"From B\",\"credit\":0}", "[\"name\"]"),
        ev("e4", "A", 40, "resolve", 4, "{\"conflict_id\":\"C\",\"choice\":\"other\"}",
           "{\"id\":\"r\",\"version\":4,\"name\":\"From A\",\"credit\":0}", "[\"name\"]"),
    };
    trail__replay_result r = replay(e, 4, &p);
    expect_no_problem(&p);
    expect_row(&r, "{\"id\":\"r\",\"version\":4,\"name\":\"From A\",\"credit\":0}");

    trail__replay_event k[] = {
        ev("e1", "A", 10, "insert", 1, NULL, INSERT_ANN, "[\"name\",\"credit\"]"),
        ev("e2", "A", 20, "resolve", 2, "{\"choice\":\"keep\"}", INSERT_ANN, "[\"name\"]"),
    };
    r = replay(k, 2, &p);
    expect_problem(&p, "e2", "its old_values do not name the conflict it resolves");
    expect_problem(&p, "e2", "its new_values hold another version than its own, 2");
    assert_int_equal(p.n, 2);
    json_decref(r.row);
}

/*
 * What removed or forged events leave: an edit that saw more than is here,
 * a history that starts without its insert, a second insert, an op no
 * event has, an update naming a field its new_values lack.
 */
static void test_missing_and_forged(void **state)
{
    (void)state;
    problems p;
    trail__replay_event e[] = {
        ev("e1", "A", 10, "insert", 1, NULL, INSERT_ANN, "[\"name\",\"credit\"]"),
        ev("e3", "B", 30, "update", 3, "{\"credit\":0}",
           "{\"id\":\"r\",\"version\":3,\"name\":\"Anna\",\"credit\":7}", "[\"credit\"]"),
        ev("e4", "B", 40, "insert", 1, NULL, INSERT_ANN, "[\"name\",\"credit\"]"),
        ev("e5", "B", 50, "upsert", 5, NULL, INSERT_ANN, "[]"),
        ev("e6", "C", 60, "update", 2, "{\"tier\":\"free\"}",
           "{\"id\":\"r\",\"version\":2,\"name\":\"Ann\",\"credit\":0}", "[\"tier\"]"),
    };
    trail__replay_result r = replay(e, 5, &p);
    expect_problem(&p, "e3",
                   "update at version 3 after version 1: events in between are missing (it saw 2 "
                   "edits of the record, of which this node holds 1 before it)");
    expect_problem(&p, "e4", "a second insert");
    expect_problem(&p, "e5", "its op is 'upsert'");
    expect_problem(&p, "e6", "its changed names tier, which its new_values do not hold");
    json_decref(r.row);

    trail__replay_event f[] = {
        ev("e2", "A", 20, "update", 2, "{\"name\":\"Ann\"}",
           "{\"id\":\"r\",\"version\":2,\"name\":\"Anna\",\"credit\":0}", "[\"name\"]"),
    };
    r = replay(f, 1, &p);
    expect_problem(&p, "e2", "its history starts with update at version 2, not an insert");
    json_decref(r.row);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_different_fields),   cmocka_unit_test(test_same_field_tie_by_node),
        cmocka_unit_test(test_deletes_win),        cmocka_unit_test(test_own_node_order),
        cmocka_unit_test(test_saw_all_checks),     cmocka_unit_test(test_concurrent_not_compared),
        cmocka_unit_test(test_merge_events_inert), cmocka_unit_test(test_resolve),
        cmocka_unit_test(test_missing_and_forged),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
