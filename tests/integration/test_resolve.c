/*
 * test_resolve.c - manual conflicts decided (issue 18, item 3;
 * docs/replication.md "Resolving"): trail_conflicts_list() and
 * trail_conflict_resolve() on two nodes of the engines of TRAIL_SYNC_PAIR
 * (as test_sync.c), with everything.yaml's memo, a replicated entity with
 * `conflict: manual`. Its title is edited on both nodes apart; after a
 * sync both hold one open conflict; one node decides it (keep, other,
 * values); after a sync it is closed on both with the same resolution and
 * time, the rows agree, and both verify clean. What is refused (an unknown
 * id, a closed conflict, a deleted record's, values of the wrong type or
 * of other fields) is refused with a message naming it, and changes
 * nothing.
 */
#define _POSIX_C_SOURCE 200809L
#include "it_common.h"
#include "sync/resolve.h"
#include "trail/conflict.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { A, B };

/* Several batches from a test's few events. */
#define BATCH 3

static void verify_both(it_pair *t)
{
    for (int i = 0; i < IT_PAIR_NODES; i++) {
        t->node[i].verify = true;
        it_verify_clean(&t->node[i]);
    }
}

/* ---- conflicts as listed ----------------------------------------------- */

#define MAX_SEEN 8

typedef struct seen_conflict {
    char id[64], table[64], record[64], fields[256], event_values[512], other_values[512];
    char resolution[16];
    bool other_values_null;
    int64_t resolved_at;
} seen_conflict;

typedef struct seen {
    size_t n;
    seen_conflict c[MAX_SEEN];
} seen;

static int keep_conflict(void *userdata, const trail_conflict *c)
{
    seen *s = userdata;
    if (s->n == MAX_SEEN)
        return 1;
    seen_conflict *x = &s->c[s->n++];
    snprintf(x->id, sizeof x->id, "%s", c->conflict_id);
    snprintf(x->table, sizeof x->table, "%s", c->table_name);
    snprintf(x->record, sizeof x->record, "%s", c->record_id);
    snprintf(x->fields, sizeof x->fields, "%s", c->fields ? c->fields : "");
    snprintf(x->event_values, sizeof x->event_values, "%s",
             c->event_values ? c->event_values : "null");
    snprintf(x->other_values, sizeof x->other_values, "%s",
             c->other_values ? c->other_values : "null");
    x->other_values_null = !c->other_values;
    snprintf(x->resolution, sizeof x->resolution, "%s", c->resolution ? c->resolution : "");
    x->resolved_at = c->resolved_at;
    return 0;
}

/* The conflicts of @record on @db: open ones, or all. */
static seen conflicts_of(trail_conn *db, const char *record, bool all)
{
    seen s = { 0 };
    trail_conflicts_opts o = TRAIL_CONFLICTS_OPTS_INIT;
    o.all = all;
    o.table = "memos";
    o.record_id = record;
    IT_OK(db, trail_conflicts_list(db, &o, keep_conflict, &s));
    assert_true(s.n < MAX_SEEN);
    return s;
}

/* Member @key of the JSON object @json as a string, into @out. */
static void json_member(const char *json, const char *key, char *out, size_t size)
{
    json_t *j = json_loads(json, 0, NULL);
    const char *s = json_string_value(json_object_get(j, key));
    if (!s) {
        print_error("%s: no string member %s\n", json, key);
        json_decref(j);
        fail();
    }
    snprintf(out, size, "%s", s);
    json_decref(j);
}

/* ---- the records --------------------------------------------------------- */

static void make_memo(trail_conn *db, const char *title, everything_memo *out)
{
    everything_memo_create_params p = EVERYTHING_MEMO_CREATE_INIT;
    p.title = title;
    p.body = "the body";
    p.score = 5;
    IT_OK(db, everything_memo_create(db, NULL, &p, out));
}

static void set_title(trail_conn *db, const char *id, const char *title)
{
    everything_memo m = { 0 };
    IT_OK(db, everything_memo_get(db, id, &m));
    everything_memo_update_params u = { .id = id, .version = m.version };
    u.set = EVERYTHING_MEMO_TITLE;
    u.title = title;
    IT_OK(db, everything_memo_update(db, NULL, &u, NULL));
    everything_memo_clear(&m);
}

static int64_t events_of(trail_conn *db)
{
    it_events e = { 0 };
    it_history(db, NULL, NULL, &e);
    int64_t n = (int64_t)e.n;
    it_events_free(&e);
    return n;
}

/* A conflict id no sync made: a row put in by hand. */
#define MADE_UP_ID "0123456789ABCDEFGHJKMNPQRS"

/*
 * A memo made on A and synced, its title then edited on both nodes apart,
 * and synced both ways: both nodes hold the same open conflict of it,
 * whose id goes to @conflict_id.
 */
static void make_conflict(it_pair *t, char memo[TRAIL_ULID_LEN + 1], char conflict_id[64])
{
    trail_conn *a = t->node[A].db, *b = t->node[B].db;
    everything_memo m = { 0 };
    make_memo(a, "first", &m);
    snprintf(memo, TRAIL_ULID_LEN + 1, "%s", m.id);
    everything_memo_clear(&m);
    it_sync_ok(a, b, BATCH);
    set_title(a, memo, "from A");
    set_title(b, memo, "from B");
    it_pair_sync(t, BATCH);

    seen sa = conflicts_of(a, memo, false), sb = conflicts_of(b, memo, false);
    assert_int_equal(sa.n, 1);
    assert_int_equal(sb.n, 1);
    assert_string_equal(sa.c[0].id, sb.c[0].id);
    assert_string_equal(sa.c[0].table, "memos");
    assert_string_equal(sa.c[0].record, memo);
    IT_JSON_EQ(sa.c[0].fields, "[\"title\"]");
    IT_JSON_EQ(sb.c[0].fields, "[\"title\"]");
    assert_string_equal(sa.c[0].resolution, "");
    assert_int_equal(sa.c[0].resolved_at, 0);
    /* The same conflict, both sides and all. */
    IT_JSON_IS(sa.c[0].event_values, json_loads(sb.c[0].event_values, 0, NULL));
    IT_JSON_IS(sa.c[0].other_values, json_loads(sb.c[0].other_values, 0, NULL));
    snprintf(conflict_id, 64, "%s", sa.c[0].id);
}

/* ---- deciding -------------------------------------------------------------- */

static const char *const choice_names[] = { NULL, "keep", "other", "values" };

/*
 * One decision on node @by: the row, its event, the conflict closed there
 * and, after a sync, on the other node, with the rows agreeing.
 */
static void decide(it_pair *t, int by, trail_resolve_choice choice, const char *values,
                   const char *want_title)
{
    trail_conn *db = t->node[by].db, *other = t->node[1 - by].db;
    char memo[TRAIL_ULID_LEN + 1], id[64], want[128];
    make_conflict(t, memo, id);
    everything_memo before = { 0 }, after = { 0 };
    IT_OK(db, everything_memo_get(db, memo, &before));
    seen s = conflicts_of(db, memo, false);
    if (choice == TRAIL_RESOLVE_KEEP)
        snprintf(want, sizeof want, "%s", before.title);
    else if (choice == TRAIL_RESOLVE_OTHER)
        json_member(s.c[0].other_values, "title", want, sizeof want);
    else
        snprintf(want, sizeof want, "%s", want_title);

    trail_resolve r = TRAIL_RESOLVE_INIT;
    r.choice = choice;
    r.values = values;
    trail_ctx ctx = { .user_id = "carol", .request_id = "decide-1" };
    IT_OK(db, trail_conflict_resolve(db, &ctx, id, &r));

    /* The row, and the one event that says why. */
    IT_OK(db, everything_memo_get(db, memo, &after));
    assert_string_equal(after.title, want);
    assert_int_equal(after.version, before.version + 1);
    assert_string_equal(after.body, before.body);
    assert_int_equal(after.score, before.score);
    it_events h = { 0 };
    it_history(db, "memos", memo, &h);
    const trail_change_event *ev = &h.ev[h.n - 1];
    assert_string_equal(ev->op, "resolve");
    assert_int_equal(ev->version, after.version);
    assert_string_equal(ev->user_id, "carol");
    assert_string_equal(ev->request_id, "decide-1");
    IT_JSON_EQ(ev->changed, "[\"title\"]");
    IT_JSON_EQ(ev->old_values, "{\"conflict_id\": \"%s\", \"choice\": \"%s\"}", id,
               choice_names[choice]);
    IT_JSON_IS(ev->new_values, json_pack("{s:s, s:I, s:s, s:s, s:i, s:s}", "id", memo, "version",
                                         (json_int_t)after.version, "title", want, "body",
                                         "the body", "score", 5, "state", "draft"));
    int64_t created_at = ev->created_at;
    char *node = it_local_node(db);
    assert_string_equal(ev->node_id, node);
    free(node);
    it_events_free(&h);

    /* Closed here at once, with the event's time. */
    assert_int_equal(conflicts_of(db, memo, false).n, 0);
    s = conflicts_of(db, memo, true);
    assert_int_equal(s.n, 1);
    assert_string_equal(s.c[0].resolution, choice_names[choice]);
    assert_int_equal(s.c[0].resolved_at, created_at);

    /* And on the other node once the event reaches it. */
    everything_memo_clear(&before);
    everything_memo_clear(&after);
    it_pair_sync(t, BATCH);
    s = conflicts_of(other, memo, true);
    assert_int_equal(s.n, 1);
    assert_string_equal(s.c[0].id, id);
    assert_string_equal(s.c[0].resolution, choice_names[choice]);
    assert_int_equal(s.c[0].resolved_at, created_at);
    assert_int_equal(conflicts_of(other, memo, false).n, 0);
    everything_memo there = { 0 };
    IT_OK(other, everything_memo_get(other, memo, &there));
    IT_OK(db, everything_memo_get(db, memo, &after));
    assert_string_equal(there.title, want);
    assert_string_equal(there.title, after.title);
    assert_int_equal(there.version, after.version);
    assert_string_equal(there.body, after.body);

    /* A resolve held here answers the conflict recorder (resolve.h). */
    char resolution[TRAIL__RESOLUTION_MAX];
    int64_t at = 0;
    bool found = false;
    IT_OK(other, trail__conflict_resolution(other, id, "memos", memo, resolution, &at, &found));
    assert_true(found);
    assert_string_equal(resolution, choice_names[choice]);
    assert_int_equal(at, created_at);
    IT_OK(other, trail__conflict_resolution(other, "0000000000000000000000000Z", "memos", memo,
                                            resolution, &at, &found));
    assert_false(found);

    verify_both(t);
    everything_memo_clear(&after);
    everything_memo_clear(&there);
}

static void test_keep(void **state)
{
    decide(*state, A, TRAIL_RESOLVE_KEEP, NULL, NULL);
}

static void test_other(void **state)
{
    decide(*state, A, TRAIL_RESOLVE_OTHER, NULL, NULL);
}

static void test_values(void **state)
{
    decide(*state, B, TRAIL_RESOLVE_VALUES, "{\"title\": \"decided: \\\"both\\\" ✓\"}",
           "decided: \"both\" ✓");
}

/* ---- refused ----------------------------------------------------------------- */

/* @call fails with @want and a message holding @words, and nothing of the nodes changed. */
#define REFUSED(t, db, memo, want, call, ...)                                                      \
    do {                                                                                           \
        int64_t events_ = events_of(db);                                                           \
        everything_memo m0_ = { 0 }, m1_ = { 0 };                                                  \
        IT_OK(db, everything_memo_get(db, memo, &m0_));                                            \
        size_t open_ = conflicts_of(db, memo, false).n;                                            \
        IT_EXPECT(db, want, call);                                                                 \
        IT_MSG(db, __VA_ARGS__);                                                                   \
        assert_int_equal(events_of(db), events_);                                                  \
        IT_OK(db, everything_memo_get(db, memo, &m1_));                                            \
        assert_int_equal(m1_.version, m0_.version);                                                \
        assert_string_equal(m1_.title, m0_.title);                                                 \
        assert_int_equal(conflicts_of(db, memo, false).n, open_);                                  \
        everything_memo_clear(&m0_);                                                               \
        everything_memo_clear(&m1_);                                                               \
    } while (0)

static trail_resolve values_of(const char *json)
{
    trail_resolve r = TRAIL_RESOLVE_INIT;
    r.choice = TRAIL_RESOLVE_VALUES;
    r.values = json;
    return r;
}

static void test_refused(void **state)
{
    it_pair *t = *state;
    trail_conn *a = t->node[A].db;
    char memo[TRAIL_ULID_LEN + 1], id[64];
    make_conflict(t, memo, id);
    trail_resolve keep = TRAIL_RESOLVE_INIT, other = { TRAIL_RESOLVE_OTHER, NULL }, r;

    REFUSED(t, a, memo, TRAIL_ENOTFOUND,
            trail_conflict_resolve(a, NULL, "0000000000000000000000000Z", &keep),
            "conflict 0000000000000000000000000Z: no such conflict");
    REFUSED(t, a, memo, TRAIL_EARG, trail_conflict_resolve(a, NULL, NULL, &keep),
            "the conflict id is NULL");
    REFUSED(t, a, memo, TRAIL_EARG, trail_conflict_resolve(a, NULL, id, NULL), "the choice");
    r = values_of(NULL);
    REFUSED(t, a, memo, TRAIL_EARG, trail_conflict_resolve(a, NULL, id, &r),
            "TRAIL_RESOLVE_VALUES without values");
    r.choice = (trail_resolve_choice)9;
    REFUSED(t, a, memo, TRAIL_EARG, trail_conflict_resolve(a, NULL, id, &r), "9 is no choice");

    r = values_of("{\"title\": 5}");
    REFUSED(t, a, memo, TRAIL_EINVALID, trail_conflict_resolve(a, NULL, id, &r),
            "memo.title: the value 5 is not of its type");
    r = values_of("{\"title\": null}");
    REFUSED(t, a, memo, TRAIL_EINVALID, trail_conflict_resolve(a, NULL, id, &r),
            "memo.title: may not be NULL");
    r = values_of("{\"title\": \"123456789012345678901234567890123456789012345678901234567890"
                  "123456789012345678901\"}");
    REFUSED(t, a, memo, TRAIL_EINVALID, trail_conflict_resolve(a, NULL, id, &r),
            "memo.title: 81 characters, at most 80");
    r = values_of("{\"score\": 7}");
    REFUSED(t, a, memo, TRAIL_EINVALID, trail_conflict_resolve(a, NULL, id, &r),
            "memo.score: not a field of conflict", id);
    r = values_of("{\"title\": \"fine\", \"nope\": 1}");
    REFUSED(t, a, memo, TRAIL_EINVALID, trail_conflict_resolve(a, NULL, id, &r),
            "memo.nope: no such field");
    r = values_of("[\"title\"]");
    REFUSED(t, a, memo, TRAIL_EINVALID, trail_conflict_resolve(a, NULL, id, &r),
            "the values given are not a JSON object");
    r = values_of("{\"title\": ");
    REFUSED(t, a, memo, TRAIL_EINVALID, trail_conflict_resolve(a, NULL, id, &r),
            "the values given are not a JSON object");

    /* A conflict of more fields (put in by hand, on a memo alike on both): the schema's rules. */
    everything_memo m2 = { 0 };
    make_memo(a, "second", &m2);
    it_sync_ok(a, t->node[B].db, BATCH);
    assert_int_equal(raw_exec(t->node[A].url,
                              "INSERT INTO trail_conflicts (conflict_id, table_name, record_id, "
                              "event_id, fields, detected_at) VALUES ('%s', 'memos', '%s', '%s', "
                              "'[\"score\", \"state\"]', 1)",
                              "0123456789ABCDEFGHJKMNPQRX", m2.id, m2.id),
                     0);
    const char *wide = "0123456789ABCDEFGHJKMNPQRX";
    r = values_of("{\"score\": 101}");
    REFUSED(t, a, m2.id, TRAIL_EINVALID, trail_conflict_resolve(a, NULL, wide, &r),
            "memo.score: 101 is above the maximum 100");
    r = values_of("{\"score\": -1}");
    REFUSED(t, a, m2.id, TRAIL_EINVALID, trail_conflict_resolve(a, NULL, wide, &r),
            "memo.score: -1 is below the minimum 0");
    r = values_of("{\"score\": 1.5}");
    REFUSED(t, a, m2.id, TRAIL_EINVALID, trail_conflict_resolve(a, NULL, wide, &r),
            "memo.score: the value 1.5 is not of its type");
    r = values_of("{\"state\": \"gone\"}");
    REFUSED(t, a, m2.id, TRAIL_EINVALID, trail_conflict_resolve(a, NULL, wide, &r),
            "memo.state: 'gone' is not one of its values");
    REFUSED(t, a, m2.id, TRAIL_EINVALID, trail_conflict_resolve(a, NULL, wide, &other),
            "the other side has no values");
    r = values_of("{\"score\": 100, \"state\": \"final\"}");
    IT_OK(a, trail_conflict_resolve(a, NULL, wide, &r));
    everything_memo got = { 0 };
    IT_OK(a, everything_memo_get(a, m2.id, &got));
    assert_int_equal(got.score, 100);
    assert_int_equal(got.state, EVERYTHING_MEMO_STATE_FINAL);
    everything_memo_clear(&got);
    everything_memo_clear(&m2);

    /* Decided once, then closed: a second decision is refused, here and on the other node. */
    IT_OK(a, trail_conflict_resolve(a, NULL, id, &keep));
    REFUSED(t, a, memo, TRAIL_EINVALID, trail_conflict_resolve(a, NULL, id, &keep), "conflict ", id,
            "closed already (keep)");
    it_pair_sync(t, BATCH);
    trail_conn *b = t->node[B].db;
    REFUSED(t, b, memo, TRAIL_EINVALID, trail_conflict_resolve(b, NULL, id, &keep),
            "closed already (keep)");
    verify_both(t);
}

/*
 * A conflict of a record deleted since: delete wins, so there is nothing
 * to decide. Delete-wins conflicts are recorded closed; one left open is
 * refused all the same, since its record is gone.
 */
static void test_deleted(void **state)
{
    it_pair *t = *state;
    trail_conn *a = t->node[A].db, *b = t->node[B].db;
    everything_memo m = { 0 };
    make_memo(a, "doomed", &m);
    it_sync_ok(a, b, BATCH);
    IT_OK(a, everything_memo_delete(a, NULL, m.id, m.version));
    set_title(b, m.id, "edited meanwhile");
    it_sync_ok(b, a, BATCH);
    seen s = conflicts_of(a, m.id, true);
    assert_true(s.n >= 1);
    trail_resolve keep = TRAIL_RESOLVE_INIT;
    for (size_t i = 0; i < s.n; i++) {
        assert_string_equal(s.c[i].resolution, "delete-wins");
        int64_t events = events_of(a);
        IT_EXPECT(a, TRAIL_EINVALID, trail_conflict_resolve(a, NULL, s.c[i].id, &keep));
        IT_MSG(a, "closed already (delete-wins)");
        assert_int_equal(events_of(a), events);
    }
    assert_int_equal(raw_exec(t->node[A].url,
                              "INSERT INTO trail_conflicts (conflict_id, table_name, record_id, "
                              "event_id, fields, detected_at) VALUES ('%s', 'memos', '%s', '%s', "
                              "'[\"title\"]', 1)",
                              MADE_UP_ID, m.id, m.id),
                     0);
    int64_t events = events_of(a);
    IT_EXPECT(a, TRAIL_EINVALID, trail_conflict_resolve(a, NULL, MADE_UP_ID, &keep));
    IT_MSG(a, "memo ", m.id, " has no row here (deleted");
    assert_int_equal(events_of(a), events);
    everything_memo_clear(&m);
}

/*
 * Listing: open ones by default, closed ones with all, by table and by
 * record; a callback's non-zero value stops the walk and is returned.
 */
static int stop_at_first(void *userdata, const trail_conflict *c)
{
    (void)c;
    ++*(int *)userdata;
    return 7;
}

static void test_list(void **state)
{
    it_pair *t = *state;
    trail_conn *a = t->node[A].db;
    char memo[TRAIL_ULID_LEN + 1], id[64];
    make_conflict(t, memo, id);
    seen s = { 0 };
    IT_OK(a, trail_conflicts_list(a, NULL, keep_conflict, &s));
    assert_int_equal(s.n, 1);
    assert_string_equal(s.c[0].id, id);
    trail_conflicts_opts o = TRAIL_CONFLICTS_OPTS_INIT;
    o.table = "customers";
    s.n = 0;
    IT_OK(a, trail_conflicts_list(a, &o, keep_conflict, &s));
    assert_int_equal(s.n, 0);
    o.table = NULL;
    o.record_id = "0000000000000000000000000Z";
    IT_OK(a, trail_conflicts_list(a, &o, keep_conflict, &s));
    assert_int_equal(s.n, 0);
    int calls = 0;
    assert_int_equal(trail_conflicts_list(a, NULL, stop_at_first, &calls), 7);
    assert_int_equal(calls, 1);
    IT_EXPECT(a, TRAIL_EARG, trail_conflicts_list(a, NULL, NULL, NULL));
    assert_int_equal(trail_conflicts_list(NULL, NULL, keep_conflict, &s), TRAIL_EARG);

    trail_resolve other = { TRAIL_RESOLVE_OTHER, NULL };
    IT_OK(a, trail_conflict_resolve(a, NULL, id, &other));
    s.n = 0;
    IT_OK(a, trail_conflicts_list(a, NULL, keep_conflict, &s));
    assert_int_equal(s.n, 0);
    o = (trail_conflicts_opts){ .all = true, .table = "memos" };
    IT_OK(a, trail_conflicts_list(a, &o, keep_conflict, &s));
    assert_int_equal(s.n, 1);
    assert_string_equal(s.c[0].resolution, "other");
    it_pair_sync(t, BATCH);
    verify_both(t);
}

/*
 * Both nodes decide one conflict before they meet: once synced, the later
 * resolve in record order decides it on both, and the rows agree.
 */
static void test_both_decide(void **state)
{
    it_pair *t = *state;
    trail_conn *a = t->node[A].db, *b = t->node[B].db;
    char memo[TRAIL_ULID_LEN + 1], id[64];
    make_conflict(t, memo, id);
    trail_resolve ra = values_of("{\"title\": \"A decided\"}");
    trail_resolve rb = values_of("{\"title\": \"B decided\"}");
    IT_OK(a, trail_conflict_resolve(a, NULL, id, &ra));
    IT_OK(b, trail_conflict_resolve(b, NULL, id, &rb)); /* B's is the later */
    it_pair_sync(t, BATCH);
    everything_memo ma = { 0 }, mb = { 0 };
    IT_OK(a, everything_memo_get(a, memo, &ma));
    IT_OK(b, everything_memo_get(b, memo, &mb));
    assert_string_equal(ma.title, mb.title);
    assert_int_equal(ma.version, mb.version);
    seen sa = conflicts_of(a, memo, true), sb = conflicts_of(b, memo, true);
    for (size_t i = 0; i < sa.n; i++)
        if (strcmp(sa.c[i].id, id) == 0)
            for (size_t k = 0; k < sb.n; k++)
                if (strcmp(sb.c[k].id, id) == 0) {
                    assert_string_equal(sa.c[i].resolution, sb.c[k].resolution);
                    assert_int_equal(sa.c[i].resolved_at, sb.c[k].resolved_at);
                }
    everything_memo_clear(&ma);
    everything_memo_clear(&mb);
    verify_both(t);
}

/*
 * Inside trail_begin(), a resolve is part of the caller's transaction: a
 * rollback leaves the conflict open, the row and the events as they were,
 * and the connection's lane usable (a decision after it verifies clean).
 */
static void test_in_transaction(void **state)
{
    it_pair *t = *state;
    trail_conn *a = t->node[A].db;
    char memo[TRAIL_ULID_LEN + 1], id[64];
    make_conflict(t, memo, id);
    int64_t events = events_of(a);
    everything_memo before = { 0 }, after = { 0 };
    IT_OK(a, everything_memo_get(a, memo, &before));
    trail_resolve keep = TRAIL_RESOLVE_INIT;
    IT_OK(a, trail_begin(a));
    IT_OK(a, trail_conflict_resolve(a, NULL, id, &keep));
    IT_OK(a, trail_rollback(a));
    assert_int_equal(events_of(a), events);
    assert_int_equal(conflicts_of(a, memo, false).n, 1);
    IT_OK(a, everything_memo_get(a, memo, &after));
    assert_int_equal(after.version, before.version);
    everything_memo_clear(&after);

    IT_OK(a, trail_begin(a));
    IT_OK(a, trail_conflict_resolve(a, NULL, id, &keep));
    set_title(a, memo, "after the decision");
    IT_OK(a, trail_commit(a));
    assert_int_equal(events_of(a), events + 2);
    assert_int_equal(conflicts_of(a, memo, false).n, 0);
    IT_OK(a, everything_memo_get(a, memo, &after));
    assert_int_equal(after.version, before.version + 2);
    everything_memo_clear(&before);
    everything_memo_clear(&after);
    it_pair_sync(t, BATCH);
    assert_int_equal(conflicts_of(t->node[B].db, memo, false).n, 0);
    verify_both(t);
}

/* A resolve event as it travels, for trail__conflict_resolved_by() (only what it reads). */
static trail__wire_event fake_resolve(const char *memo, const char *id, const char *choice,
                                      int64_t hlc, char texts[4][128])
{
    trail__wire_event ev = { .hlc = hlc };
    snprintf(texts[0], 128, "{\"conflict_id\": \"%s\", \"choice\": \"%s\"}", id, choice);
    snprintf(texts[1], 128, "%s", memo);
    snprintf(texts[2], 128, "%lld", (long long)hlc);
    snprintf(texts[3], 128, "%s", "memos");
    ev.col[TRAIL_EV_old_values] = texts[0];
    ev.col[TRAIL_EV_record_id] = texts[1];
    ev.col[TRAIL_EV_created_at] = texts[2];
    ev.col[TRAIL_EV_table_name] = texts[3];
    ev.col[TRAIL_EV_node_id] = "zz-node";
    ev.col[TRAIL_EV_event_id] = "7ZZZZZZZZZZZZZZZZZZZZZZZZZ";
    ev.col[TRAIL_EV_op] = "resolve";
    return ev;
}

/*
 * One conflict decided twice (as two nodes may before they meet): the
 * last resolve in record order decides it, on the node that holds both
 * and on the one they reach, whatever order they are seen in.
 */
static void test_last_resolve_decides(void **state)
{
    it_pair *t = *state;
    trail_conn *a = t->node[A].db, *b = t->node[B].db;
    char memo[TRAIL_ULID_LEN + 1], id[64];
    make_conflict(t, memo, id);
    trail_resolve keep = TRAIL_RESOLVE_INIT, other = { TRAIL_RESOLVE_OTHER, NULL };
    IT_OK(a, trail_conflict_resolve(a, NULL, id, &keep));
    /* Open again behind trail's back, as it still is on a node the first decision has not reached.
     */
    assert_int_equal(raw_exec(t->node[A].url,
                              "UPDATE trail_conflicts SET resolved_at = NULL, resolution = NULL "
                              "WHERE conflict_id = '%s'",
                              id),
                     0);
    IT_OK(a, trail_conflict_resolve(a, NULL, id, &other));
    it_events h = { 0 };
    it_history(a, "memos", memo, &h);
    int64_t second_at = h.ev[h.n - 1].created_at;
    it_events_free(&h);
    char resolution[TRAIL__RESOLUTION_MAX];
    int64_t at = 0;
    bool found = false;
    IT_OK(a, trail__conflict_resolution(a, id, "memos", memo, resolution, &at, &found));
    assert_true(found);
    assert_string_equal(resolution, "other");
    assert_int_equal(at, second_at);

    it_pair_sync(t, BATCH);
    seen s = conflicts_of(b, memo, true);
    assert_int_equal(s.n, 1);
    assert_string_equal(s.c[0].resolution, "other");
    assert_int_equal(s.c[0].resolved_at, second_at);
    verify_both(t);

    /* An earlier resolve arriving late changes nothing; a later one decides. */
    char texts[4][128];
    trail__wire_event early = fake_resolve(memo, id, "values", 1, texts);
    IT_OK(b, trail__conflict_resolved_by(b, &early));
    s = conflicts_of(b, memo, true);
    assert_string_equal(s.c[0].resolution, "other");
    assert_int_equal(s.c[0].resolved_at, second_at);
    trail__wire_event late = fake_resolve(memo, id, "values", INT64_MAX, texts);
    IT_OK(b, trail__conflict_resolved_by(b, &late));
    s = conflicts_of(b, memo, true);
    assert_string_equal(s.c[0].resolution, "values");
    assert_int_equal(s.c[0].resolved_at, INT64_MAX);
    /* One that names no conflict, or another, closes nothing. */
    trail__wire_event none =
        fake_resolve(memo, "0000000000000000000000000Z", "keep", INT64_MAX, texts);
    IT_OK(b, trail__conflict_resolved_by(b, &none));
    none.col[TRAIL_EV_old_values] = "{}";
    IT_OK(b, trail__conflict_resolved_by(b, &none));
    s = conflicts_of(b, memo, true);
    assert_string_equal(s.c[0].resolution, "values");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_keep, it_pair_setup, it_pair_teardown),
        cmocka_unit_test_setup_teardown(test_other, it_pair_setup, it_pair_teardown),
        cmocka_unit_test_setup_teardown(test_values, it_pair_setup, it_pair_teardown),
        cmocka_unit_test_setup_teardown(test_refused, it_pair_setup, it_pair_teardown),
        cmocka_unit_test_setup_teardown(test_deleted, it_pair_setup, it_pair_teardown),
        cmocka_unit_test_setup_teardown(test_list, it_pair_setup, it_pair_teardown),
        cmocka_unit_test_setup_teardown(test_in_transaction, it_pair_setup, it_pair_teardown),
        cmocka_unit_test_setup_teardown(test_last_resolve_decides, it_pair_setup, it_pair_teardown),
        cmocka_unit_test_setup_teardown(test_both_decide, it_pair_setup, it_pair_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
