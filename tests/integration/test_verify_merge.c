/*
 * test_verify_merge.c - trail_verify() on records that two nodes edited
 * while apart (issue 18; docs/replication.md, "Merging concurrent edits";
 * docs/events.md, "Replicated records"): the live row must be the replay
 * of the record's events in record order (fields by last writer, the
 * version their count, deleted when a delete is among them), and a row
 * that is not, or events that contradict each other, are reported.
 *
 * The rows are made what the merge rules say by SQL behind trail's back,
 * so that these tests check verify alone, whatever the sync applies: once
 * the sync merges, that SQL changes nothing. Node A is the pair's first
 * engine, node B its second (TRAIL_SYNC_PAIR, as test_sync.c).
 */
#define _POSIX_C_SOURCE 200809L
#include "audit/event.h"
#include "audit/event_columns.h"
#include "it_common.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { A, B };

/* ---- writing, syncing ------------------------------------------------------- */

/* Customer "c@x.org" (name Ann, credit 0) made on A and synced to B; its id in @id. */
static void shared_customer(it_pair *s, char id[TRAIL_ULID_LEN + 1])
{
    shop_customer c = { 0 };
    it_customer(s->node[A].db, "c@x.org", &c);
    snprintf(id, TRAIL_ULID_LEN + 1, "%s", c.id);
    shop_customer_clear(&c);
    it_sync_ok(s->node[A].db, s->node[B].db, 0);
}

/* The row of customer @id set behind trail's back, as the merge rules would have it. */
static void set_row(it_db *t, const char *id, const char *name, int64_t credit, int64_t version)
{
    it_tamper(t,
              "UPDATE \"customers\" SET \"name\" = '%s', \"credit\" = %" PRId64
              ", \"version\" = %" PRId64 " WHERE \"id\" = '%s'",
              name, credit, version, id);
}

/* The event @event_id among @evs; fails the test when it is not there. */
static trail_change_event *event_of(const it_events *evs, const char *event_id)
{
    for (size_t i = 0; i < evs->n; i++)
        if (strcmp(evs->ev[i].event_id, event_id) == 0)
            return &evs->ev[i];
    fail_msg("event %s is not there", event_id);
    return NULL;
}

/* The id of @db's newest event of customer @id, into @out. */
static void newest_event(trail_conn *db, const char *id, char out[TRAIL_ULID_LEN + 1])
{
    it_events evs;
    it_history(db, "customers", id, &evs);
    assert_true(evs.n > 0);
    snprintf(out, TRAIL_ULID_LEN + 1, "%s", evs.ev[evs.n - 1].event_id);
    it_events_free(&evs);
}

/* Whether event @x comes before event @y in record order (hlc, node_id, event_id). */
static bool before(const trail_change_event *x, const trail_change_event *y)
{
    if (x->hlc != y->hlc)
        return x->hlc < y->hlc;
    int d = strcmp(x->node_id, y->node_id);
    return d ? d < 0 : strcmp(x->event_id, y->event_id) < 0;
}

/* ---- forging, as trail would hash and chain ----------------------------------- */

/*
 * A copy of event @from appended to its lane on @t, hashed and chained as
 * trail would (so that only the record's checks can tell): id @event_id,
 * op @op, @hlc, and @new_values (NULL: @from's). Returns whether the
 * event table took it; fails the test when @must.
 */
static bool append_copy(it_db *t, const trail_change_event *from, const char *event_id,
                        const char *op, int64_t hlc, const char *new_values, bool must)
{
    it_events all;
    it_history(t->db, NULL, NULL, &all);
    const trail_change_event *head = NULL;
    for (size_t i = 0; i < all.n; i++)
        if (strcmp(all.ev[i].lane_id, from->lane_id) == 0 && (!head || all.ev[i].seq > head->seq))
            head = &all.ev[i];
    assert_non_null(head);
    trail_change_event f = *from;
    f.event_id = event_id;
    f.op = op;
    f.hlc = hlc;
    f.seq = head->seq + 1;
    f.prev_hash = head->hash;
    if (new_values)
        f.new_values = new_values;
    char hash[TRAIL_SHA256_HEX_LEN + 1];
    it_event_hash(&f, hash);
    assert_null(strpbrk(f.new_values, "'\\"));
    char seq[24], hlc_text[24];
    snprintf(seq, sizeof seq, "%" PRId64, f.seq);
    snprintf(hlc_text, sizeof hlc_text, "%" PRId64, hlc);
    /* Every column as it was, but these: literals, quoted unless numbers. */
    const it_column_literal set[] = { { "event_id", event_id, true },
                                      { "hlc", hlc_text, false },
                                      { "seq", seq, false },
                                      { "op", op, true },
                                      { "new_values", f.new_values, true },
                                      { "prev_hash", f.prev_hash, true },
                                      { "hash", hash, true } };
    char cols[1024], values[2048];
    it_event_copy_lists(set, sizeof set / sizeof set[0], cols, sizeof cols, values, sizeof values);
    t->verify = false;
    bool took = raw_exec(t->url,
                         "INSERT INTO \"trail_change_events\" (%s) SELECT %s FROM "
                         "\"trail_change_events\" WHERE \"event_id\" = '%s'",
                         cols, values, from->event_id) == 0;
    assert_true(took || !must);
    it_events_free(&all);
    return took;
}

/* ---- what verify says --------------------------------------------------------- */

static void verify_clean(it_db *t)
{
    t->verify = true;
    it_verify_clean(t);
}

/*
 * Fails unless one of the problems verify finds on @t is about customer
 * @record (and event @event, unless NULL) and holds each of the words that
 * follow, up to a NULL.
 */
static void expect_problem_at(const char *file, int line, it_db *t, const char *record,
                              const char *event, ...)
{
    const char *words[8];
    size_t n = 0;
    va_list ap;
    va_start(ap, event);
    for (const char *w; (w = va_arg(ap, const char *));) {
        assert_true(n < sizeof words / sizeof words[0]);
        words[n++] = w;
    }
    va_end(ap);
    trail_verify_report r = { 0 };
    IT_OK(t->db, trail_verify(t->db, &r));
    bool found = false;
    for (size_t i = 0; i < r.n_problems && !found; i++) {
        const trail_verify_problem *p = &r.problems[i];
        if (!p->record_id || strcmp(p->record_id, record) != 0 ||
            (event && (!p->event_id || strcmp(p->event_id, event) != 0)))
            continue;
        found = true;
        for (size_t k = 0; k < n; k++)
            found = found && strstr(p->what, words[k]);
    }
    if (!found) {
        print_error("%s:%d: verify reported no problem of %s%s%s saying:\n", file, line, record,
                    event ? ", event " : "", event ? event : "");
        for (size_t k = 0; k < n; k++)
            print_error("  \"%s\"\n", words[k]);
        print_error("its %zu problem(s):\n", r.n_problems);
        it_print_report(&r);
    }
    trail_verify_report_free(&r);
    t->verify = false;
    assert_true(found);
}

#define EXPECT_PROBLEM(t, record, event, ...)                                                      \
    expect_problem_at(__FILE__, __LINE__, (t), (record), (event), __VA_ARGS__, (const char *)NULL)

/* ---- tests --------------------------------------------------------------------- */

/*
 * A's name and B's credit, set while apart, both survive: the row holds
 * both, at version 3 (three edits), on both nodes. A row that lost one of
 * them, or whose version is another, is not the replay.
 */
static void test_different_fields_both_survive(void **state)
{
    it_pair *s = *state;
    char c[TRAIL_ULID_LEN + 1];
    shared_customer(s, c);
    it_customer_edit(s->node[A].db, c, 1, "Anna", 0);
    it_customer_edit(s->node[B].db, c, 1, NULL, 7);
    it_pair_sync(s, 0);
    for (int i = 0; i < IT_PAIR_NODES; i++) {
        set_row(&s->node[i], c, "Anna", 7, 3);
        verify_clean(&s->node[i]);
    }

    set_row(&s->node[B], c, "Ann", 7, 3); /* A's edit lost */
    EXPECT_PROBLEM(&s->node[B], c, NULL, "the row differs from", "in: name",
                   "changed behind trail's back");
    set_row(&s->node[A], c, "Anna", 7, 2); /* the version of one writer's chain */
    EXPECT_PROBLEM(&s->node[A], c, NULL, "the row differs from", "in: version");
}

/*
 * Both nodes set the name: the later edit in record order wins on both,
 * and the earlier writer's value is not the replay.
 */
static void test_same_field_last_writer_wins(void **state)
{
    it_pair *s = *state;
    char c[TRAIL_ULID_LEN + 1], ea[TRAIL_ULID_LEN + 1], eb[TRAIL_ULID_LEN + 1];
    shared_customer(s, c);
    it_customer_edit(s->node[A].db, c, 1, "From A", 0);
    newest_event(s->node[A].db, c, ea);
    it_customer_edit(s->node[B].db, c, 1, "From B", 0);
    newest_event(s->node[B].db, c, eb);
    it_pair_sync(s, 0);

    it_events evs;
    it_history(s->node[A].db, "customers", c, &evs);
    bool a_wins = before(event_of(&evs, eb), event_of(&evs, ea));
    it_events_free(&evs);
    const char *winner = a_wins ? "From A" : "From B", *loser = a_wins ? "From B" : "From A";
    for (int i = 0; i < IT_PAIR_NODES; i++) {
        set_row(&s->node[i], c, winner, 0, 3);
        verify_clean(&s->node[i]);
    }
    set_row(&s->node[A], c, loser, 0, 3);
    EXPECT_PROBLEM(&s->node[A], c, NULL, "the row differs from",
                   "replayed in record order (its concurrent edits merged) in: name");
}

/*
 * A deletes, B updates while apart: deletes win, whatever the order, so
 * neither node may hold the row (B's own update notwithstanding).
 */
static void test_delete_wins(void **state)
{
    it_pair *s = *state;
    char c[TRAIL_ULID_LEN + 1];
    shared_customer(s, c);
    IT_OK(s->node[A].db, shop_customer_delete(s->node[A].db, NULL, c, 1));
    it_customer_edit(s->node[B].db, c, 1, NULL, 7);
    it_pair_sync(s, 0);
    it_tamper(&s->node[B], "DELETE FROM \"customers\" WHERE \"id\" = '%s'", c);
    for (int i = 0; i < IT_PAIR_NODES; i++)
        verify_clean(&s->node[i]);

    it_tamper(&s->node[A],
              "INSERT INTO \"customers\" (\"id\", \"version\", \"email\", \"name\", \"credit\")"
              " VALUES ('%s', 2, 'c@x.org', 'Ann', 7)",
              c);
    EXPECT_PROBLEM(&s->node[A], c, NULL,
                   "the row is present although a delete is among its events (deletes win)");
}

/*
 * B's edit saw A's rename (version 3: two edits held), and both nodes
 * went on apart. With A's rename removed from B (it was the only event of
 * a lane still open, so its chain shows nothing), B's edit and A's later
 * one name more edits than B holds before them.
 */
static void test_edit_it_saw_removed(void **state)
{
    it_pair *s = *state;
    char c[TRAIL_ULID_LEN + 1], renamed[TRAIL_ULID_LEN + 1], eb[TRAIL_ULID_LEN + 1];
    shared_customer(s, c);
    trail_conn *a2 = it_open(&s->node[A], NULL); /* a lane of its own, left open */
    it_customer_edit(a2, c, 1, "Anna", 0);
    newest_event(a2, c, renamed);
    it_sync_ok(s->node[A].db, s->node[B].db, 0);
    it_customer_edit(s->node[B].db, c, 2, NULL, 7);
    newest_event(s->node[B].db, c, eb);
    it_customer_edit(s->node[A].db, c, 2, NULL, 9);
    it_pair_sync(s, 0);

    /* B's credit (7) and A's (9): the later one in record order wins. */
    it_events evs;
    it_history(s->node[B].db, "customers", c, &evs);
    const trail_change_event *b_edit = event_of(&evs, eb), *a_edit = NULL;
    for (size_t i = 0; i < evs.n; i++)
        if (strcmp(evs.ev[i].op, "update") == 0 && evs.ev[i].version == 3 &&
            strcmp(evs.ev[i].event_id, eb) != 0)
            a_edit = &evs.ev[i];
    assert_non_null(a_edit);
    bool b_first = before(b_edit, a_edit);
    char first[TRAIL_ULID_LEN + 1], second[TRAIL_ULID_LEN + 1];
    snprintf(first, sizeof first, "%s", b_first ? eb : a_edit->event_id);
    snprintf(second, sizeof second, "%s", b_first ? a_edit->event_id : eb);
    it_events_free(&evs);
    for (int i = 0; i < IT_PAIR_NODES; i++) {
        set_row(&s->node[i], c, "Anna", b_first ? 9 : 7, 4);
        verify_clean(&s->node[i]);
    }

    it_tamper(&s->node[B], "DELETE FROM \"trail_change_events\" WHERE \"event_id\" = '%s'",
              renamed);
    EXPECT_PROBLEM(&s->node[B], c, first, "update at version 3 after version 1",
                   "events in between are missing",
                   "it saw 2 edits of the record, of which this node holds 1 before it");
    /* The second counts two edits before it, but not the two it saw: its values tell. */
    EXPECT_PROBLEM(&s->node[B], c, second,
                   "its old_values differ from the previous event's new_values in: credit");
    trail_close(a2);
}

static void test_merge_event_is_inert(void **state)
{
    it_pair *s = *state;
    char c[TRAIL_ULID_LEN + 1], eb[TRAIL_ULID_LEN + 1];
    shared_customer(s, c);
    it_customer_edit(s->node[A].db, c, 1, "Anna", 0);
    it_customer_edit(s->node[B].db, c, 1, NULL, 7);
    newest_event(s->node[B].db, c, eb);
    it_pair_sync(s, 0);
    set_row(&s->node[B], c, "Anna", 7, 3);

    it_events evs;
    it_history(s->node[B].db, "customers", c, &evs);
    const trail_change_event *from = event_of(&evs, eb);
    static const char merge_id[] = "01ARZ3NDEKTSV4RRFFQ69G5FAV",
                      bad_id[] = "01ARZ3NDEKTSV4RRFFQ69G5FAW";
    assert_true(append_copy(&s->node[B], from, merge_id, "merge", evs.ev[evs.n - 1].hlc + 1,
                            "{\"name\":\"Nobody\",\"credit\":1,\"version\":9}", false));
    it_events_free(&evs);
    verify_clean(&s->node[B]);

    it_history(s->node[B].db, "customers", c, &evs);
    append_copy(&s->node[B], event_of(&evs, eb), bad_id, "merge", evs.ev[evs.n - 1].hlc + 1, "[]",
                true);
    it_events_free(&evs);
    EXPECT_PROBLEM(&s->node[B], c, bad_id, "a merge event whose new_values are not a JSON object");
}

/*
 * A node's edits of a record follow each other, however concurrent the
 * record: a copy of B's edit after it, hashed and chained, repeats its
 * version.
 */
static void test_forged_copy_repeats_version(void **state)
{
    it_pair *s = *state;
    char c[TRAIL_ULID_LEN + 1], eb[TRAIL_ULID_LEN + 1];
    shared_customer(s, c);
    it_customer_edit(s->node[A].db, c, 1, "Anna", 0);
    it_customer_edit(s->node[B].db, c, 1, NULL, 7);
    newest_event(s->node[B].db, c, eb);
    it_pair_sync(s, 0);
    set_row(&s->node[B], c, "Anna", 7, 3);
    verify_clean(&s->node[B]);

    it_events evs;
    it_history(s->node[B].db, "customers", c, &evs);
    static const char copy_id[] = "01ARZ3NDEKTSV4RRFFQ69G5FAX";
    append_copy(&s->node[B], event_of(&evs, eb), copy_id, "update", evs.ev[evs.n - 1].hlc + 1, NULL,
                true);
    it_events_free(&evs);
    EXPECT_PROBLEM(&s->node[B], c, copy_id,
                   "update at version 2 after its own node's update at "
                   "version 2: a version repeats");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_different_fields_both_survive, it_pair_setup,
                                        it_pair_teardown),
        cmocka_unit_test_setup_teardown(test_same_field_last_writer_wins, it_pair_setup,
                                        it_pair_teardown),
        cmocka_unit_test_setup_teardown(test_delete_wins, it_pair_setup, it_pair_teardown),
        cmocka_unit_test_setup_teardown(test_edit_it_saw_removed, it_pair_setup, it_pair_teardown),
        cmocka_unit_test_setup_teardown(test_merge_event_is_inert, it_pair_setup, it_pair_teardown),
        cmocka_unit_test_setup_teardown(test_forged_copy_repeats_version, it_pair_setup,
                                        it_pair_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
