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

/* ---- the cases ------------------------------------------------------------------- */

/* One event: id, node, hlc, op, version, then old_values, new_values, changed as JSON (NULL: SQL
 * NULL). */
typedef struct event_spec {
    const char *id, *node;
    int64_t hlc;
    const char *op;
    int64_t version;
    const char *old_values, *new_values, *changed;
} event_spec;

enum { MAX_EVENTS = 5, MAX_PROBLEMS = 4 };

/* A replay's row that must not be there, as replay_case.row. */
#define NO_ROW "(none)"

/*
 * One replay and what it must give. Its problems are always checked: those
 * listed are said, and no other unless more_problems. Its row, state and
 * edits only when the case sets them: some replays are there for their
 * problems alone, and what they leave is no rule's.
 */
typedef struct replay_case {
    const char *name;
    event_spec
        events[MAX_EVENTS]; /* in the order replay() is given them; up to the first NULL id */
    struct {
        const char *event, *words;
    } problems[MAX_PROBLEMS]; /* each said, of that event; up to the first NULL event */
    bool more_problems;       /* others may be said too; else these are all */
    const char *row;          /* the row it makes, as JSON, or NO_ROW */
    enum { ANY, LIVE, DELETED } state;
    bool counted; /* edits is checked */
    size_t edits;
} replay_case;

/* Record r's row: @v and @credit numbers, @name a string literal. */
#define ROW(v, name, credit)                                                                       \
    "{\"id\":\"r\",\"version\":" #v ",\"name\":\"" name "\",\"credit\":" #credit "}"
#define INSERT_ANN ROW(1, "Ann", 0)
#define INSERT(id, node, hlc)                                                                      \
    {                                                                                              \
        id, node, hlc, "insert", 1, NULL, INSERT_ANN, "[\"name\",\"credit\"]"                      \
    }

static const replay_case cases[] = {
    /*
     * A renames and B credits, both from version 1, given in the wrong order:
     * record order puts them by hlc; both fields survive, the version is 3.
     */
    {
        .name = "different_fields",
        .events = {
            { "e3", "B", 30, "update", 2, "{\"credit\":0}", ROW(2, "Ann", 7), "[\"credit\"]" },
            INSERT("e1", "A", 10),
            { "e2", "A", 20, "update", 2, "{\"name\":\"Ann\"}", ROW(2, "Anna", 0), "[\"name\"]" },
        },
        .state = LIVE,
        .counted = true, .edits = 3,
        .row = ROW(3, "Anna", 7),
    },
    /* Same hlc on two nodes: node id decides, so B's name is the later. */
    {
        .name = "same_field_tie_by_node",
        .events = {
            INSERT("e1", "A", 10),
            { "zz", "B", 20, "update", 2, "{\"name\":\"Ann\"}", ROW(2, "From B", 0), "[\"name\"]" },
            { "aa", "A", 20, "update", 2, "{\"name\":\"Ann\"}", ROW(2, "From A", 0), "[\"name\"]" },
        },
        .row = ROW(3, "From B", 0),
    },
    /*
     * Deletes win, before or after: A's delete, then B's concurrent update
     * (seen 1 of 2 before it), then C's cascade delete of a record it never
     * had a row of (old_values NULL). No problem, no row.
     */
    {
        .name = "deletes_win",
        .events = {
            INSERT("e1", "A", 10),
            { "e2", "A", 20, "delete", 1, INSERT_ANN, NULL, "[\"name\",\"credit\"]" },
            { "e3", "B", 30, "update", 2, "{\"credit\":0}", ROW(2, "Ann", 7), "[\"credit\"]" },
            { "e4", "C", 40, "delete", 1, NULL, NULL, "[\"customer\"]" },
        },
        .state = DELETED,
        .counted = true, .edits = 4,
        .row = NO_ROW,
    },
    /* A node writes nothing after its own delete, and never repeats a version. */
    {
        .name = "own_node_order",
        .events = {
            INSERT("e1", "A", 10),
            { "e2", "B", 20, "update", 2, "{\"credit\":0}", ROW(2, "Ann", 7), "[\"credit\"]" },
            { "e3", "B", 30, "update", 2, "{\"credit\":0}", ROW(2, "Ann", 8), "[\"credit\"]" },
            { "e4", "A", 40, "delete", 1, INSERT_ANN, NULL, "[\"name\",\"credit\"]" },
            { "e5", "A", 50, "update", 2, "{\"name\":\"Ann\"}", ROW(2, "Late", 0), "[\"name\"]" },
        },
        .problems = {
            { "e3", "after its own node's update at version 2: a version repeats" },
            { "e5", "after its own node's delete of the record" },
        },
        .row = NO_ROW,
    },
    /*
     * Where an edit saw every edit before it (seen = i), the old chain's
     * checks hold against the replay: an old value that is not the replay's,
     * a field moved that changed does not name, a delete it saw. The replay
     * takes what changed names, and only that.
     */
    {
        .name = "saw_all_checks",
        .events = {
            INSERT("e1", "A", 10),
            { "e2", "A", 20, "update", 2, "{\"name\":\"Bob\"}", ROW(2, "Anna", 5), "[\"name\"]" },
        },
        .problems = {
            { "e2", "its old_values differ from the previous event's new_values in: name" },
            { "e2", "its new_values differ from the previous event's new_values in credit, which "
                    "its changed does not name" },
        },
        .row = ROW(2, "Anna", 0),
    },
    {
        .name = "saw_all_checks_deleted",
        .events = {
            INSERT("e1", "A", 10),
            { "e2", "B", 20, "delete", 1, INSERT_ANN, NULL, "[\"name\",\"credit\"]" },
            { "e3", "A", 30, "update", 3, "{\"name\":\"Ann\"}", ROW(3, "Anna", 0), "[\"name\"]" },
        },
        .problems = { { "e3", "update at version 3 after the record was deleted" } },
    },
    /*
     * A concurrent edit (seen < i) is not held to the replay: B's credit from
     * version 1, after A's rename, names old values that were B's.
     */
    {
        .name = "concurrent_not_compared",
        .events = {
            INSERT("e1", "A", 10),
            { "e2", "A", 20, "update", 2, "{\"credit\":0}", ROW(2, "Ann", 3), "[\"credit\"]" },
            { "e3", "B", 30, "update", 2, "{\"credit\":0}", ROW(2, "Ann", 7), "[\"credit\"]" },
        },
        .row = ROW(3, "Ann", 7),
    },
    /*
     * Merge events are history: skipped by the replay (not counted in the
     * version, their values not taken), their new_values an object. A record
     * with merge events only has lost its edits.
     */
    {
        .name = "merge_events_inert",
        .events = {
            INSERT("e1", "A", 10),
            { "m1", "B", 20, "merge", 5, INSERT_ANN, ROW(5, "Nobody", 1), "[\"name\"]" },
            { "m2", "B", 21, "merge", 5, NULL, "[1]", "[]" },
            { "e2", "A", 30, "update", 2, "{\"credit\":0}", ROW(2, "Ann", 3), "[\"credit\"]" },
        },
        .problems = { { "m2", "a merge event whose new_values are not a JSON object" } },
        .counted = true, .edits = 2,
        .row = ROW(2, "Ann", 3),
    },
    {
        .name = "merge_events_only",
        .events = {
            { "m1", "B", 20, "merge", 2, INSERT_ANN, INSERT_ANN, "[]" },
        },
        .counted = true, .edits = 0,
        .row = NO_ROW,
    },
    /*
     * A resolve is an edit like an update: it sets its changed fields, counts
     * in the version, may keep a value (choice keep), and names its conflict.
     */
    {
        .name = "resolve",
        .events = {
            INSERT("e1", "A", 10),
            { "e2", "A", 20, "update", 2, "{\"name\":\"Ann\"}", ROW(2, "From A", 0), "[\"name\"]" },
            { "e3", "B", 25, "update", 2, "{\"name\":\"Ann\"}", ROW(2, "From B", 0), "[\"name\"]" },
            { "e4", "A", 40, "resolve", 4, "{\"conflict_id\":\"C\",\"choice\":\"other\"}",
              ROW(4, "From A", 0), "[\"name\"]" },
        },
        .row = ROW(4, "From A", 0),
    },
    {
        .name = "resolve_unnamed_conflict",
        .events = {
            INSERT("e1", "A", 10),
            { "e2", "A", 20, "resolve", 2, "{\"choice\":\"keep\"}", INSERT_ANN, "[\"name\"]" },
        },
        .problems = {
            { "e2", "its old_values do not name the conflict it resolves" },
            { "e2", "its new_values hold another version than its own, 2" },
        },
    },
    /*
     * What removed or forged events leave: an edit that saw more than is here,
     * a history that starts without its insert, a second insert, an op no
     * event has, an update naming a field its new_values lack.
     */
    {
        .name = "missing_and_forged",
        .events = {
            INSERT("e1", "A", 10),
            { "e3", "B", 30, "update", 3, "{\"credit\":0}", ROW(3, "Anna", 7), "[\"credit\"]" },
            INSERT("e4", "B", 40),
            { "e5", "B", 50, "upsert", 5, NULL, INSERT_ANN, "[]" },
            { "e6", "C", 60, "update", 2, "{\"tier\":\"free\"}", ROW(2, "Ann", 0), "[\"tier\"]" },
        },
        .problems = {
            { "e3", "update at version 3 after version 1: events in between are missing (it saw 2 "
                    "edits of the record, of which this node holds 1 before it)" },
            { "e4", "a second insert" },
            { "e5", "its op is 'upsert'" },
            { "e6", "its changed names tier, which its new_values do not hold" },
        },
        .more_problems = true,
    },
    {
        .name = "missing_insert",
        .events = {
            { "e2", "A", 20, "update", 2, "{\"name\":\"Ann\"}", ROW(2, "Anna", 0), "[\"name\"]" },
        },
        .problems = { { "e2", "its history starts with update at version 2, not an insert" } },
        .more_problems = true,
    },
};

/* ---- replaying a case ---------------------------------------------------------------- */

static void print_problems(const problems *p)
{
    for (size_t i = 0; i < p->n; i++)
        print_error("  %s: %s\n", p->items[i].event, p->items[i].what);
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

/* The case in *@state: replayed, and held to every expectation it sets. */
static void test_case(void **state)
{
    const replay_case *c = *state;
    trail__replay_event e[MAX_EVENTS];
    size_t n = 0;
    for (; n < MAX_EVENTS && c->events[n].id; n++) {
        const event_spec *s = &c->events[n];
        e[n] = (trail__replay_event){ strdup(s->id),
                                      strdup(s->node),
                                      strdup(s->op),
                                      s->hlc,
                                      s->version,
                                      json_or_null(s->old_values),
                                      json_or_null(s->new_values),
                                      json_or_null(s->changed) };
        assert_true(e[n].event_id && e[n].node_id && e[n].op);
    }
    problems p = { 0 };
    trail_err err = { 0 };
    trail__checks checks = { &err, collect, &p };
    trail__replay_result r;
    assert_int_equal(trail__replay(&checks, e, n, &r), 0); /* in any order */
    for (size_t i = 0; i < n; i++)
        trail__replay_event_clear(&e[i]);
    size_t listed = 0;
    for (; listed < MAX_PROBLEMS && c->problems[listed].event; listed++)
        expect_problem(&p, c->problems[listed].event, c->problems[listed].words);
    if (!c->more_problems && p.n != listed) {
        print_problems(&p);
        assert_int_equal(p.n, listed);
    }
    if (c->state != ANY)
        assert_int_equal(r.deleted, c->state == DELETED);
    if (c->counted)
        assert_int_equal(r.edits, c->edits);
    if (c->row && strcmp(c->row, NO_ROW) == 0)
        assert_null(r.row);
    else if (c->row)
        expect_row(&r, c->row);
    json_decref(r.row);
}

int main(void)
{
    struct CMUnitTest tests[sizeof cases / sizeof cases[0]];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        tests[i] = (struct CMUnitTest){ cases[i].name, test_case, NULL, NULL, (void *)&cases[i] };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
