/*
 * test_tamper.c - history tampered with behind trail's back, on every
 * engine: trail_verify() must find each change and say what is wrong, in
 * words the tests check. Events edited (with their hashes left, or
 * recomputed through the rest of their lane), deleted, reordered and
 * forged; lane rows deleted and edited; live rows and their versions
 * changed; a sealed lane's tail removed. What only a digest shows (an
 * unsealed lane's tail, or a lane rewritten with every hash recomputed)
 * is the digest's tests'.
 *
 * Each test starts from the same history in three lanes of the node, in
 * the order they were registered:
 *   open    t->db's, left open: customer C (insert, credit 10, credit 20),
 *           then customer D;
 *   sealed  a connection's that was closed, so sealed at seq 3: customer S
 *           (insert, name, credit);
 *   short   another closed one, sealed at seq 1: customer U.
 */
#define _POSIX_C_SOURCE 200809L
#include "audit/event.h"
#include "audit/event_columns.h"
#include "audit/lane.h"
#include "it_common.h"

#include <stdlib.h>
#include <string.h>

/* ---- the history to tamper with ------------------------------------------------ */

typedef struct history {
    char node[TRAIL_NODE_ID_MAX + 1];
    char c[TRAIL_ULID_LEN + 1], d[TRAIL_ULID_LEN + 1], s[TRAIL_ULID_LEN + 1], u[TRAIL_ULID_LEN + 1];
    char open[TRAIL_ULID_LEN + 1], sealed[TRAIL_ULID_LEN + 1], shortl[TRAIL_ULID_LEN + 1];
} history;

/* The lane of the first event of @table's record @id, into @lane. */
static void lane_of(trail_conn *db, const char *table, const char *id, char *lane)
{
    it_events evs;
    it_history(db, table, id, &evs);
    assert_true(evs.n > 0);
    snprintf(lane, TRAIL_ULID_LEN + 1, "%s", evs.ev[0].lane_id);
    it_events_free(&evs);
}

/* Updates customer @id (at version @version) through @db: credit, or name when @name. */
static void update_customer(trail_conn *db, const char *id, int64_t version, int64_t credit,
                            const char *name)
{
    shop_customer_update_params u = { .id = id, .version = version };
    if (name) {
        u.set = SHOP_CUSTOMER_NAME;
        u.name = name;
    } else {
        u.set = SHOP_CUSTOMER_CREDIT;
        u.credit = credit;
    }
    shop_customer c = { 0 };
    IT_OK(db, shop_customer_update(db, &it_full_ctx, &u, &c));
    shop_customer_clear(&c);
}

static void make_history(it_db *t, history *h)
{
    shop_customer c = { 0 };
    it_customer(t->db, "c@x.org", &c);
    snprintf(h->c, sizeof h->c, "%s", c.id);
    update_customer(t->db, h->c, 1, 10, NULL);
    update_customer(t->db, h->c, 2, 20, NULL);
    shop_customer_clear(&c);
    it_customer(t->db, "d@x.org", &c);
    snprintf(h->d, sizeof h->d, "%s", c.id);
    shop_customer_clear(&c);

    trail_conn *s = it_open(t, NULL);
    it_customer(s, "s@x.org", &c);
    snprintf(h->s, sizeof h->s, "%s", c.id);
    update_customer(s, h->s, 1, 0, "Sam");
    update_customer(s, h->s, 2, 30, NULL);
    shop_customer_clear(&c);
    trail_close(s);

    trail_conn *u = it_open(t, NULL);
    it_customer(u, "u@x.org", &c);
    snprintf(h->u, sizeof h->u, "%s", c.id);
    shop_customer_clear(&c);
    trail_close(u);

    char *node = it_local_node(t->db);
    snprintf(h->node, sizeof h->node, "%s", node);
    free(node);
    lane_of(t->db, "customers", h->c, h->open);
    lane_of(t->db, "customers", h->s, h->sealed);
    lane_of(t->db, "customers", h->u, h->shortl);

    /* What the tests take for granted: these lanes, in this order, sealed so, and no other. */
    assert_int_equal(
        raw_count(t->url,
                  "SELECT sum(CASE WHEN"
                  " (\"lane_id\" = '%s' AND \"node_seq\" = 1 AND \"sealed_seq\" IS NULL)"
                  " OR (\"lane_id\" = '%s' AND \"node_seq\" = 2 AND \"sealed_seq\" = 3)"
                  " OR (\"lane_id\" = '%s' AND \"node_seq\" = 3 AND \"sealed_seq\" = 1)"
                  " THEN 1 ELSE 100 END) FROM \"trail_lanes\"",
                  h->open, h->sealed, h->shortl),
        3);
    it_verify_clean(t);
}

/* The events of @table's record @id, in order (it_history()). */
static it_events events_of(it_db *t, const char *table, const char *id)
{
    it_events evs;
    it_history(t->db, table, id, &evs);
    return evs;
}

/* ---- hashes, as trail makes them ---------------------------------------------- */

/*
 * Recomputes prev_hash and hash of @lane's events from seq @from (at least
 * 2) on, as trail would have written them: what an attacker does who edited
 * an event and wants its lane's chain to hold again.
 */
static void rehash_lane(it_db *t, const char *lane, int64_t from)
{
    assert_true(from >= 2);
    it_events all;
    it_history(t->db, NULL, NULL, &all);
    char prev[TRAIL_SHA256_HEX_LEN + 1] = "";
    for (int64_t seq = from - 1;; seq++) {
        trail_change_event *ev = NULL;
        for (size_t i = 0; i < all.n && !ev; i++)
            if (strcmp(all.ev[i].lane_id, lane) == 0 && all.ev[i].seq == seq)
                ev = &all.ev[i];
        if (!ev)
            break;
        if (seq == from - 1) {
            snprintf(prev, sizeof prev, "%s", ev->hash);
            continue;
        }
        char hash[TRAIL_SHA256_HEX_LEN + 1];
        trail_change_event rewritten = *ev;
        rewritten.prev_hash = prev;
        it_event_hash(&rewritten, hash);
        it_tamper(t,
                  "UPDATE \"trail_change_events\" SET \"prev_hash\" = '%s', \"hash\" = '%s'"
                  " WHERE \"event_id\" = '%s'",
                  prev, hash, ev->event_id);
        snprintf(prev, sizeof prev, "%s", hash);
    }
    assert_true(prev[0]);
    it_events_free(&all);
}

/*
 * Inserts a copy of event @from with these columns in place of its own: a
 * forged event. @node NULL keeps @from's node; @hash NULL is the hash that
 * trail would have given the copy.
 */
static void forge(it_db *t, const trail_change_event *from, const char *event_id, const char *node,
                  const char *lane, int64_t seq, const char *prev_hash, const char *hash)
{
    trail_change_event f = *from;
    f.event_id = event_id;
    f.node_id = node ? node : from->node_id;
    f.lane_id = lane;
    f.seq = seq;
    f.prev_hash = prev_hash;
    char computed[TRAIL_SHA256_HEX_LEN + 1];
    it_event_hash(&f, computed);
    f.hash = hash ? hash : computed;

    char seq_text[24];
    snprintf(seq_text, sizeof seq_text, "%lld", (long long)seq);
    const it_column_literal forged[] = {
        { "event_id", f.event_id, true },   { "node_id", f.node_id, true },
        { "lane_id", f.lane_id, true },     { "seq", seq_text, false },
        { "prev_hash", f.prev_hash, true }, { "hash", f.hash, true },
    };
    char cols[1024], values[1024];
    it_event_copy_lists(forged, sizeof forged / sizeof forged[0], cols, sizeof cols, values,
                        sizeof values);
    it_tamper(t,
              "INSERT INTO \"trail_change_events\" (%s) SELECT %s FROM \"trail_change_events\""
              " WHERE \"event_id\" = '%s'",
              cols, values, from->event_id);
}

/* Sets @column of event @event_id to the JSON @value (whose reference this takes). */
static void set_json(it_db *t, const char *event_id, const char *column, json_t *value)
{
    char *text = json_dumps(value, JSON_COMPACT | JSON_ENCODE_ANY);
    assert_non_null(text);
    assert_null(strpbrk(text, "'\\")); /* a plain SQL string literal on every engine */
    it_tamper(t, "UPDATE \"trail_change_events\" SET \"%s\" = '%s' WHERE \"event_id\" = '%s'",
              column, text, event_id);
    free(text);
    json_decref(value);
}

/* The JSON @text with member @key set to @value (whose reference this takes). */
static json_t *with_member(const char *text, const char *key, json_t *value)
{
    json_t *o = json_loads(text, 0, NULL);
    assert_non_null(o);
    assert_int_equal(json_object_set_new(o, key, value), 0);
    return o;
}

/* ---- what verify says -------------------------------------------------------- */

static trail_verify_report verify(it_db *t)
{
    trail_verify_report r = { 0 };
    IT_OK(t->db, trail_verify(t->db, &r));
    return r;
}

/*
 * Fails unless (@want) or when (!@want) one of @r's problems is about
 * @record and @event (NULL: any, or none) and holds every one of the words
 * that follow, up to a NULL.
 */
static void expect_problem_at(const char *file, int line, const trail_verify_report *r, bool want,
                              const char *record, const char *event, ...)
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
    bool found = false;
    for (size_t i = 0; i < r->n_problems && !found; i++) {
        const trail_verify_problem *p = &r->problems[i];
        if ((record && (!p->record_id || strcmp(p->record_id, record) != 0)) ||
            (event && (!p->event_id || strcmp(p->event_id, event) != 0)))
            continue;
        found = true;
        for (size_t k = 0; k < n; k++)
            found = found && strstr(p->what, words[k]);
    }
    if (found == want)
        return;
    print_error("%s:%d: trail_verify reported %s problem about record %s, event %s, saying:\n",
                file, line, want ? "no" : "a", record ? record : "(any)", event ? event : "(any)");
    for (size_t k = 0; k < n; k++)
        print_error("  \"%s\"\n", words[k]);
    print_error("its %zu problem(s):\n", r->n_problems);
    it_print_report(r);
    fail();
}

#define EXPECT_PROBLEM(r, record, event, ...)                                                      \
    expect_problem_at(__FILE__, __LINE__, (r), true, (record), (event), __VA_ARGS__,               \
                      (const char *)NULL)
#define EXPECT_NO_PROBLEM(r, record, event, ...)                                                   \
    expect_problem_at(__FILE__, __LINE__, (r), false, (record), (event), __VA_ARGS__,              \
                      (const char *)NULL)

/* Event ids that trail never made, for forged events. */
#define FORGED_ID  "01ARZ3NDEKTSV4RRFFQ69G5FAV"
#define FORGED_ID2 "01ARZ3NDEKTSV4RRFFQ69G5FAW"

/* ---- events edited --------------------------------------------------------- */

/* C's middle event says credit 11 where it set 10: its hash, and the next event, show it. */
static void test_event_values_edited(void **state)
{
    it_db *t = *state;
    history h;
    make_history(t, &h);
    it_events c = events_of(t, "customers", h.c);
    set_json(t, c.ev[1].event_id, "new_values",
             with_member(c.ev[1].new_values, "credit", json_integer(11)));
    trail_verify_report r = verify(t);
    EXPECT_PROBLEM(&r, h.c, c.ev[1].event_id, "its content does not match its hash",
                   "the event was edited");
    EXPECT_PROBLEM(&r, h.c, c.ev[2].event_id,
                   "its old_values differ from the previous event's new_values in: credit");
    trail_verify_report_free(&r);
    it_events_free(&c);
}

/*
 * An update's old_values edited, its hash and the rest of its (open) lane
 * recomputed: the chain holds, the record's events do not.
 */
static void test_old_values_edited_rehashed(void **state)
{
    it_db *t = *state;
    history h;
    make_history(t, &h);
    it_events c = events_of(t, "customers", h.c);
    set_json(t, c.ev[1].event_id, "old_values",
             with_member(c.ev[1].old_values, "credit", json_integer(5)));
    rehash_lane(t, h.open, c.ev[1].seq);
    trail_verify_report r = verify(t);
    EXPECT_NO_PROBLEM(&r, NULL, NULL, "hash");
    EXPECT_PROBLEM(&r, h.c, c.ev[1].event_id,
                   "its old_values differ from the previous event's new_values in: credit");
    trail_verify_report_free(&r);
    it_events_free(&c);
}

/*
 * changed edited, hashes recomputed: a field named that did not move (and
 * that old_values lacks), a field in old_values that changed does not name.
 */
static void test_changed_edited_rehashed(void **state)
{
    it_db *t = *state;
    history h;
    make_history(t, &h);
    it_events c = events_of(t, "customers", h.c);
    IT_JSON_EQ(c.ev[1].changed, "[\"credit\"]");
    set_json(t, c.ev[1].event_id, "changed", json_pack("[ss]", "credit", "name"));
    json_t *old = json_loads(c.ev[2].old_values, 0, NULL);
    json_t *before = json_loads(c.ev[1].new_values, 0, NULL);
    json_object_set(old, "name", json_object_get(before, "name"));
    json_decref(before);
    set_json(t, c.ev[2].event_id, "old_values", old);
    rehash_lane(t, h.open, c.ev[1].seq);
    trail_verify_report r = verify(t);
    EXPECT_NO_PROBLEM(&r, NULL, NULL, "hash");
    EXPECT_PROBLEM(&r, h.c, c.ev[1].event_id,
                   "its changed and its old_values do not name the same fields: name (only in "
                   "changed)");
    EXPECT_PROBLEM(&r, h.c, c.ev[1].event_id,
                   "its changed names name, but its new_values hold the previous event's value");
    EXPECT_PROBLEM(&r, h.c, c.ev[2].event_id,
                   "its changed and its old_values do not name the same fields: name (only in "
                   "old_values)");
    trail_verify_report_free(&r);
    it_events_free(&c);
}

/* An update made to say it changed nothing, hashes recomputed: its new_values still moved. */
static void test_change_hidden_rehashed(void **state)
{
    it_db *t = *state;
    history h;
    make_history(t, &h);
    it_events c = events_of(t, "customers", h.c);
    set_json(t, c.ev[2].event_id, "changed", json_array());
    set_json(t, c.ev[2].event_id, "old_values", json_object());
    rehash_lane(t, h.open, c.ev[2].seq);
    trail_verify_report r = verify(t);
    EXPECT_NO_PROBLEM(&r, NULL, NULL, "hash");
    EXPECT_PROBLEM(&r, h.c, c.ev[2].event_id,
                   "its new_values differ from the previous event's new_values in credit, which "
                   "its changed does not name");
    trail_verify_report_free(&r);
    it_events_free(&c);
}

/*
 * Who made S's middle change rewritten, and every later hash of its lane
 * recomputed: the lane was sealed when its connection closed, and the seal
 * names another hash. Nothing else shows it (the digest's tests cover an
 * open lane).
 */
static void test_sealed_lane_rewritten(void **state)
{
    it_db *t = *state;
    history h;
    make_history(t, &h);
    it_events s = events_of(t, "customers", h.s);
    assert_int_equal(s.n, 3);
    it_tamper(
        t, "UPDATE \"trail_change_events\" SET \"user_id\" = 'mallory' WHERE \"event_id\" = '%s'",
        s.ev[1].event_id);
    rehash_lane(t, h.sealed, s.ev[1].seq);
    trail_verify_report r = verify(t);
    EXPECT_PROBLEM(&r, h.s, s.ev[2].event_id, "lane ", h.sealed,
                   " was sealed at seq 3 with another hash", "was rewritten");
    assert_int_equal(r.n_problems, 1);
    trail_verify_report_free(&r);
    it_events_free(&s);
}

/* ---- events deleted, reordered -------------------------------------------------- */

static void test_middle_event_deleted(void **state)
{
    it_db *t = *state;
    history h;
    make_history(t, &h);
    it_events c = events_of(t, "customers", h.c);
    it_tamper(t, "DELETE FROM \"trail_change_events\" WHERE \"event_id\" = '%s'", c.ev[1].event_id);
    trail_verify_report r = verify(t);
    EXPECT_PROBLEM(&r, h.c, c.ev[2].event_id, "it has seq 3 after seq 1 in lane ", h.open,
                   "events in between were removed");
    EXPECT_PROBLEM(&r, h.c, c.ev[2].event_id, "update at version 3 after version 1",
                   "events in between are missing");
    trail_verify_report_free(&r);
    it_events_free(&c);
}

/* The newest event of a sealed lane deleted: its seal says where it ended. */
static void test_sealed_lane_newest_deleted(void **state)
{
    it_db *t = *state;
    history h;
    make_history(t, &h);
    it_events s = events_of(t, "customers", h.s);
    it_tamper(t, "DELETE FROM \"trail_change_events\" WHERE \"event_id\" = '%s'", s.ev[2].event_id);
    trail_verify_report r = verify(t);
    EXPECT_PROBLEM(&r, NULL, NULL, "lane ", h.sealed,
                   ": it was sealed at seq 3 but its events end at seq 2: the events after it "
                   "were removed");
    trail_verify_report_free(&r);
    it_events_free(&s);
}

/* The only event of a sealed lane deleted. */
static void test_sealed_lane_emptied(void **state)
{
    it_db *t = *state;
    history h;
    make_history(t, &h);
    it_tamper(t, "DELETE FROM \"trail_change_events\" WHERE \"lane_id\" = '%s'", h.shortl);
    trail_verify_report r = verify(t);
    EXPECT_PROBLEM(&r, NULL, NULL, "lane ", h.shortl,
                   ": it was sealed at seq 1 but has no events: they were removed");
    trail_verify_report_free(&r);
}

/* C's second and third events swap places in the lane (their seq, through a free one). */
static void test_events_reordered_seq(void **state)
{
    it_db *t = *state;
    history h;
    make_history(t, &h);
    it_events c = events_of(t, "customers", h.c);
    const char *set = "UPDATE \"trail_change_events\" SET \"seq\" = %lld WHERE \"event_id\" = '%s'";
    it_tamper(t, set, -1LL, c.ev[1].event_id);
    it_tamper(t, set, (long long)c.ev[1].seq, c.ev[2].event_id);
    it_tamper(t, set, (long long)c.ev[2].seq, c.ev[1].event_id);
    trail_verify_report r = verify(t);
    EXPECT_PROBLEM(&r, h.c, c.ev[1].event_id, "its content does not match its hash");
    EXPECT_PROBLEM(&r, h.c, c.ev[2].event_id, "its content does not match its hash");
    EXPECT_PROBLEM(&r, h.c, c.ev[2].event_id, "its prev_hash is not the hash of lane ", h.open,
                   "'s event before it");
    trail_verify_report_free(&r);
    it_events_free(&c);
}

/* C's second and third events swap their clocks: the record's history runs backwards. */
static void test_events_reordered_hlc(void **state)
{
    it_db *t = *state;
    history h;
    make_history(t, &h);
    it_events c = events_of(t, "customers", h.c);
    const char *set = "UPDATE \"trail_change_events\" SET \"hlc\" = %lld WHERE \"event_id\" = '%s'";
    it_tamper(t, set, (long long)c.ev[2].hlc, c.ev[1].event_id);
    it_tamper(t, set, (long long)c.ev[1].hlc, c.ev[2].event_id);
    trail_verify_report r = verify(t);
    EXPECT_PROBLEM(&r, h.c, c.ev[1].event_id, "its content does not match its hash");
    EXPECT_PROBLEM(&r, h.c, c.ev[2].event_id, "its content does not match its hash");
    EXPECT_PROBLEM(&r, h.c, c.ev[2].event_id, "update at version 3 after version 1");
    trail_verify_report_free(&r);
    it_events_free(&c);
}

/* ---- events forged --------------------------------------------------------- */

/* A copy of D's insert at the end of the open lane, under a hash made up. */
static void test_forged_random_hash(void **state)
{
    it_db *t = *state;
    history h;
    make_history(t, &h);
    it_events d = events_of(t, "customers", h.d);
    char made_up[TRAIL_SHA256_HEX_LEN + 1];
    memset(made_up, 'a', TRAIL_SHA256_HEX_LEN);
    made_up[TRAIL_SHA256_HEX_LEN] = '\0';
    forge(t, &d.ev[0], FORGED_ID, NULL, h.open, d.ev[0].seq + 1, d.ev[0].hash, made_up);
    trail_verify_report r = verify(t);
    EXPECT_PROBLEM(&r, h.d, FORGED_ID, "its content does not match its hash");
    EXPECT_PROBLEM(&r, h.d, NULL, "a second insert");
    trail_verify_report_free(&r);
    it_events_free(&d);
}

/*
 * A copy of S's last update after it in S's lane, hashed and chained as
 * trail would: the lane was sealed at seq 3, and this is seq 4.
 */
static void test_forged_in_sealed_lane(void **state)
{
    it_db *t = *state;
    history h;
    make_history(t, &h);
    it_events s = events_of(t, "customers", h.s);
    forge(t, &s.ev[2], FORGED_ID, NULL, h.sealed, 4, s.ev[2].hash, NULL);
    trail_verify_report r = verify(t);
    EXPECT_NO_PROBLEM(&r, NULL, FORGED_ID, "hash");
    EXPECT_PROBLEM(&r, h.s, FORGED_ID, "it has seq 4 in lane ", h.sealed,
                   ", which was sealed at seq 3: it was added after the seal");
    trail_verify_report_free(&r);
    it_events_free(&s);
}

/* A correctly hashed event in a lane that trail_lanes does not hold. */
static void test_forged_in_unknown_lane(void **state)
{
    it_db *t = *state;
    history h;
    make_history(t, &h);
    it_events c = events_of(t, "customers", h.c);
    static const char lane[] = "01ARZ3NDEKTSV4RRFFQ69G5FAX";
    forge(t, &c.ev[0], FORGED_ID, NULL, lane, 1, c.ev[0].prev_hash, NULL);
    trail_verify_report r = verify(t);
    EXPECT_NO_PROBLEM(&r, NULL, FORGED_ID, "does not match its hash");
    EXPECT_PROBLEM(&r, h.c, FORGED_ID, "its lane ", lane,
                   " is not in trail_lanes: the lane's row was removed, or the event forged");
    trail_verify_report_free(&r);
    it_events_free(&c);
}

/* A correctly hashed and chained event in the open lane that names another node. */
static void test_forged_other_node(void **state)
{
    it_db *t = *state;
    history h;
    make_history(t, &h);
    it_events d = events_of(t, "customers", h.d);
    forge(t, &d.ev[0], FORGED_ID2, "mallory", h.open, d.ev[0].seq + 1, d.ev[0].hash, NULL);
    trail_verify_report r = verify(t);
    EXPECT_NO_PROBLEM(&r, NULL, FORGED_ID2, "hash");
    EXPECT_PROBLEM(&r, h.d, FORGED_ID2, "it names node mallory, but its lane ", h.open, " is node ",
                   h.node);
    trail_verify_report_free(&r);
    it_events_free(&d);
}

/* ---- lane rows ------------------------------------------------------------- */

/* The sealed lane's row deleted: a gap in the node's lanes, and events without a lane. */
static void test_lane_row_deleted(void **state)
{
    it_db *t = *state;
    history h;
    make_history(t, &h);
    it_events s = events_of(t, "customers", h.s);
    it_tamper(t, "DELETE FROM \"trail_lanes\" WHERE \"lane_id\" = '%s'", h.sealed);
    trail_verify_report r = verify(t);
    EXPECT_PROBLEM(&r, NULL, NULL, "lane ", h.shortl, ": it has node_seq 3 after node ", h.node,
                   "'s lane ", h.open, " at node_seq 1: the lane rows in between were removed");
    EXPECT_PROBLEM(&r, h.s, s.ev[0].event_id, "its lane ", h.sealed, " is not in trail_lanes");
    trail_verify_report_free(&r);
    it_events_free(&s);
}

/* The node's first lane row deleted: the next one is the first now, at node_seq 2. */
static void test_first_lane_row_deleted(void **state)
{
    it_db *t = *state;
    history h;
    make_history(t, &h);
    it_tamper(t, "DELETE FROM \"trail_lanes\" WHERE \"lane_id\" = '%s'", h.open);
    trail_verify_report r = verify(t);
    EXPECT_PROBLEM(&r, NULL, NULL, "lane ", h.sealed, ": it is node ", h.node,
                   "'s first lane but has node_seq 2: the node's lane rows before it were removed");
    trail_verify_report_free(&r);
}

static void test_lane_row_edited(void **state)
{
    it_db *t = *state;
    history h;
    make_history(t, &h);
    it_tamper(t,
              "UPDATE \"trail_lanes\" SET \"opened_at\" = \"opened_at\" + 1 WHERE \"lane_id\" = "
              "'%s'",
              h.sealed);
    trail_verify_report r = verify(t);
    EXPECT_PROBLEM(&r, NULL, NULL, "lane ", h.sealed,
                   ": its row does not match its hash: the lane's row was edited");
    trail_verify_report_free(&r);
}

/*
 * The first lane's row edited and its hash recomputed: the next lane's
 * link, and the lane's first event, still name the hash it had.
 */
static void test_lane_row_edited_rehashed(void **state)
{
    it_db *t = *state;
    history h;
    make_history(t, &h);
    it_events c = events_of(t, "customers", h.c);
    int64_t opened_hlc = raw_count(
        t->url, "SELECT \"opened_hlc\" FROM \"trail_lanes\" WHERE \"lane_id\" = '%s'", h.open);
    int64_t opened_at = raw_count(
        t->url, "SELECT \"opened_at\" FROM \"trail_lanes\" WHERE \"lane_id\" = '%s'", h.open);
    assert_true(opened_hlc > 0 && opened_at > 0);
    opened_at++;
    assert_int_equal(raw_count(t->url,
                               "SELECT count(*) FROM \"trail_lanes\" WHERE \"lane_id\" = '%s'"
                               " AND \"prev_lane\" IS NULL AND \"prev_hash\" IS NULL",
                               h.open),
                     1);
    trail_value cols[TRAIL_LANE_COLUMNS] = {
        [TRAIL_LANE_lane_id] = trail_v_text(h.open),
        [TRAIL_LANE_node_id] = trail_v_text(h.node),
        [TRAIL_LANE_node_seq] = trail_v_int(1),
        [TRAIL_LANE_opened_hlc] = trail_v_int(opened_hlc),
        [TRAIL_LANE_opened_at] = trail_v_int(opened_at),
    };
    char hash[TRAIL_SHA256_HEX_LEN + 1];
    assert_int_equal(trail__lane_hash(hash, cols), TRAIL_OK);
    it_tamper(t,
              "UPDATE \"trail_lanes\" SET \"opened_at\" = %lld, \"hash\" = '%s' WHERE \"lane_id\" "
              "= '%s'",
              (long long)opened_at, hash, h.open);
    trail_verify_report r = verify(t);
    EXPECT_NO_PROBLEM(&r, NULL, NULL, "does not match its hash");
    EXPECT_PROBLEM(&r, NULL, NULL, "lane ", h.sealed, ": its prev_hash is not the hash of node ",
                   h.node, "'s lane before it, ", h.open);
    EXPECT_PROBLEM(&r, h.c, c.ev[0].event_id, "its prev_hash is not the hash of its lane ", h.open,
                   "'s row");
    trail_verify_report_free(&r);
    it_events_free(&c);
}

/* ---- live rows --------------------------------------------------------------- */

static void test_live_row_changed(void **state)
{
    it_db *t = *state;
    history h;
    make_history(t, &h);
    it_tamper(t, "UPDATE \"customers\" SET \"name\" = 'Mallory' WHERE \"id\" = '%s'", h.d);
    trail_verify_report r = verify(t);
    EXPECT_PROBLEM(&r, h.d, NULL, "the row differs from its last event's new_values in: name",
                   "changed behind trail's back");
    trail_verify_report_free(&r);
}

static void test_row_version_changed(void **state)
{
    it_db *t = *state;
    history h;
    make_history(t, &h);
    it_tamper(t, "UPDATE \"customers\" SET \"version\" = \"version\" + 1 WHERE \"id\" = '%s'", h.c);
    trail_verify_report r = verify(t);
    EXPECT_PROBLEM(&r, h.c, NULL, "the row differs from its last event's new_values in: version");
    trail_verify_report_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_event_values_edited, it_setup, it_teardown),
        cmocka_unit_test_setup_teardown(test_old_values_edited_rehashed, it_setup, it_teardown),
        cmocka_unit_test_setup_teardown(test_changed_edited_rehashed, it_setup, it_teardown),
        cmocka_unit_test_setup_teardown(test_change_hidden_rehashed, it_setup, it_teardown),
        cmocka_unit_test_setup_teardown(test_sealed_lane_rewritten, it_setup, it_teardown),
        cmocka_unit_test_setup_teardown(test_middle_event_deleted, it_setup, it_teardown),
        cmocka_unit_test_setup_teardown(test_sealed_lane_newest_deleted, it_setup, it_teardown),
        cmocka_unit_test_setup_teardown(test_sealed_lane_emptied, it_setup, it_teardown),
        cmocka_unit_test_setup_teardown(test_events_reordered_seq, it_setup, it_teardown),
        cmocka_unit_test_setup_teardown(test_events_reordered_hlc, it_setup, it_teardown),
        cmocka_unit_test_setup_teardown(test_forged_random_hash, it_setup, it_teardown),
        cmocka_unit_test_setup_teardown(test_forged_in_sealed_lane, it_setup, it_teardown),
        cmocka_unit_test_setup_teardown(test_forged_in_unknown_lane, it_setup, it_teardown),
        cmocka_unit_test_setup_teardown(test_forged_other_node, it_setup, it_teardown),
        cmocka_unit_test_setup_teardown(test_lane_row_deleted, it_setup, it_teardown),
        cmocka_unit_test_setup_teardown(test_first_lane_row_deleted, it_setup, it_teardown),
        cmocka_unit_test_setup_teardown(test_lane_row_edited, it_setup, it_teardown),
        cmocka_unit_test_setup_teardown(test_lane_row_edited_rehashed, it_setup, it_teardown),
        cmocka_unit_test_setup_teardown(test_live_row_changed, it_setup, it_teardown),
        cmocka_unit_test_setup_teardown(test_row_version_changed, it_setup, it_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
