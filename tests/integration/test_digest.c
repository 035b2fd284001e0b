/*
 * test_digest.c - digests (SPEC §4, trail/digest.h): trail_digest() after
 * writes on three connections names each lane's last seq and hash (a lane
 * without events with seq 0 and its row's hash), in lane_id order, under a
 * root hash recomputed here with jansson; verify with it is clean, and
 * stays clean after later writes and new lanes. Then what only a digest
 * shows: the newest event of a lane removed (the record's row put back, so
 * that verify without the digest is clean), and a lane's events rewritten
 * with every later hash recomputed by trail's own hashing (likewise clean
 * without it); each makes verify with the digest name the lane and seq. A
 * digest that is not one (edited, not JSON, another format or version,
 * lanes out of order) is TRAIL_EINVALID with nothing checked; a digest
 * forged with a correct root, naming a lane or events the database never
 * had, is a problem.
 */
#define _POSIX_C_SOURCE 200809L
#include "it_common.h"

#include "audit/event.h"
#include "audit/event_columns.h"
#include "core/sha256.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- three lanes ---------------------------------------------------------------- */

/* What the writes left: a lane per connection, and the records to tamper with. */
typedef struct three_lanes {
    trail_conn *b, *c;                /* the second and third connection */
    char a[TRAIL_ULID_LEN + 1];       /* t->db's lane: 3 events */
    char b_lane[TRAIL_ULID_LEN + 1];  /* b's lane: 2 events */
    char a2[TRAIL_ULID_LEN + 1];      /* a's customer whose update is a's newest event */
    char yannick[TRAIL_ULID_LEN + 1]; /* b's customer, both of b's events */
    char *text;                       /* trail_digest() right after the writes */
    json_t *doc;                      /* the same, parsed */
} three_lanes;

static void lane_of(trail_conn *db, const char *table, const char *id, char *lane)
{
    it_events evs;
    it_history(db, table, id, &evs);
    assert_true(evs.n > 0);
    snprintf(lane, TRAIL_ULID_LEN + 1, "%s", evs.ev[evs.n - 1].lane_id);
    it_events_free(&evs);
}

/*
 * t->db writes a1, a2 and a2's update (lane a, seq 1-3); b writes Yannick
 * and his update (lane b, seq 1-2); c registers a lane, and its one write
 * fails (a1's email again), so its lane has no events.
 */
static void write_three_lanes(it_db *t, three_lanes *l)
{
    shop_customer c1 = { 0 }, c2 = { 0 }, y = { 0 };
    it_customer(t->db, "a1@x.org", &c1);
    it_customer(t->db, "a2@x.org", &c2);
    shop_customer_update_params u = {
        .id = c2.id, .version = 1, .set = SHOP_CUSTOMER_CREDIT, .credit = 10
    };
    IT_OK(t->db, shop_customer_update(t->db, NULL, &u, &c2));
    snprintf(l->a2, sizeof l->a2, "%s", c2.id);

    l->b = it_open(t, NULL);
    shop_customer_create_params p = SHOP_CUSTOMER_CREATE_INIT;
    p.email = "y@x.org";
    p.name = "Yannick";
    p.secret = "s";
    IT_OK(l->b, shop_customer_create(l->b, NULL, &p, &y));
    u = (shop_customer_update_params){
        .id = y.id, .version = 1, .set = SHOP_CUSTOMER_CREDIT, .credit = 5
    };
    IT_OK(l->b, shop_customer_update(l->b, NULL, &u, &y));
    snprintf(l->yannick, sizeof l->yannick, "%s", y.id);

    l->c = it_open(t, NULL);
    shop_customer dup = { 0 };
    p.email = "a1@x.org";
    IT_EXPECT(l->c, TRAIL_EUNIQUE, shop_customer_create(l->c, NULL, &p, &dup));

    lane_of(t->db, "customers", c2.id, l->a);
    lane_of(t->db, "customers", y.id, l->b_lane);
    assert_string_not_equal(l->a, l->b_lane);
    assert_int_equal(it_rows(t, "trail_lanes"), 3);
    shop_customer_clear(&c1);
    shop_customer_clear(&c2);
    shop_customer_clear(&y);
}

/* ---- digests ---------------------------------------------------------------------- */

/* trail_digest() of @db, parsed; its text to *@text (the caller frees both). */
static json_t *take_digest(trail_conn *db, char **text)
{
    IT_OK(db, trail_digest(db, text));
    assert_non_null(*text);
    json_error_t err;
    json_t *doc = json_loads(*text, JSON_REJECT_DUPLICATES, &err);
    if (!doc)
        fail_msg("the digest is not JSON (%s):\n%s", err.text, *text);
    return doc;
}

/*
 * The root hash of @lanes (the digest's array), made here as docs/events.md
 * defines it: SHA-256 of the compact JSON array of [lane_id, node_id, seq,
 * hash], written by jansson.
 */
static void root_of(const json_t *lanes, char out[TRAIL_SHA256_HEX_LEN + 1])
{
    json_t *arr = json_array();
    size_t i;
    json_t *l;
    json_array_foreach(lanes, i, l)
    {
        json_array_append_new(arr,
                              json_pack("[O, O, O, O]", json_object_get(l, "lane_id"),
                                        json_object_get(l, "node_id"), json_object_get(l, "seq"),
                                        json_object_get(l, "hash")));
    }
    char *text = json_dumps(arr, JSON_COMPACT);
    assert_non_null(text);
    assert_int_equal(trail__sha256_hex(out, text, strlen(text)), TRAIL_OK);
    free(text);
    json_decref(arr);
}

/* @doc as text, with its root made anew over its lanes: a digest forged by someone who knows how.
 */
static char *forge(json_t *doc)
{
    char root[TRAIL_SHA256_HEX_LEN + 1];
    root_of(json_object_get(doc, "lanes"), root);
    json_object_set_new(doc, "root", json_string(root));
    char *text = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    assert_non_null(text);
    return text;
}

/* trail_verify_with() and a forgery of @doc (forge(); its reference taken); the report. */
static trail_verify_report verify_with(trail_conn *db, const char *digest);
static trail_verify_report verify_forged(trail_conn *db, json_t *doc)
{
    char *forged = forge(doc);
    trail_verify_report r = verify_with(db, forged);
    free(forged);
    json_decref(doc);
    return r;
}

/* The digest's entry for @lane; fails when it has none. */
static json_t *entry(json_t *doc, const char *lane)
{
    size_t i;
    json_t *l;
    json_array_foreach(json_object_get(doc, "lanes"), i, l)
    {
        if (strcmp(json_string_value(json_object_get(l, "lane_id")), lane) == 0)
            return l;
    }
    fail_msg("the digest has no lane %s", lane);
    return NULL;
}

/* write_three_lanes(), then a digest of them. */
static void start(it_db *t, three_lanes *l)
{
    write_three_lanes(t, l);
    l->doc = take_digest(t->db, &l->text);
}

/* Closes the connections start() opened, and frees the digest. */
static void finish(three_lanes *l)
{
    trail_close(l->b);
    trail_close(l->c);
    free(l->text);
    json_decref(l->doc);
}

/* trail_verify_with() and @digest; the report, which the caller frees. */
static trail_verify_report verify_with(trail_conn *db, const char *digest)
{
    trail_verify_opts opts = { .digest_json = digest };
    trail_verify_report r = { 0 };
    IT_OK(db, trail_verify_with(db, &opts, &r));
    return r;
}

static void expect_clean(trail_verify_report *r)
{
    if (r->n_problems)
        it_print_report(r);
    assert_int_equal(r->n_problems, 0);
    trail_verify_report_free(r);
}

/*
 * Fails unless @r holds exactly one problem, naming @lane, "seq @seq" and
 * @words, about @event_id (NULL: none); frees @r.
 */
static void expect_lane_problem(trail_verify_report *r, const char *lane, int64_t seq,
                                const char *words, const char *event_id)
{
    char at[32];
    snprintf(at, sizeof at, "seq %" PRId64, seq);
    const trail_verify_problem *p = r->n_problems == 1 ? &r->problems[0] : NULL;
    if (!p || !strstr(p->what, lane) || !strstr(p->what, at) || !strstr(p->what, words) ||
        (event_id ? !p->event_id || strcmp(p->event_id, event_id) != 0 : p->event_id != NULL)) {
        print_error("expected one problem naming lane %s, %s and '%s'; found %zu\n", lane, at,
                    words, r->n_problems);
        it_print_report(r);
        trail_verify_report_free(r);
        fail();
    }
    trail_verify_report_free(r);
}

/* ---- tests ----------------------------------------------------------------------------- */

/*
 * The digest names every lane with its last event's seq and hash as
 * trail_history() gives them (c's, with none: seq 0 and its row's hash), in
 * lane_id order, with this node, a time of now, and the root recomputed
 * here; verify with it is clean, with a "digest" step.
 */
static void test_digest_lanes(void **state)
{
    it_db *t = *state;
    three_lanes l;
    int64_t before = it_now_ms();
    start(t, &l);
    const char *text = l.text;
    json_t *doc = l.doc;
    assert_int_equal(text[strlen(text) - 1], '}');

    assert_string_equal(json_string_value(json_object_get(doc, "format")), "trail-digest");
    assert_int_equal(json_integer_value(json_object_get(doc, "version")), 1);
    char *node = it_local_node(t->db);
    assert_string_equal(json_string_value(json_object_get(doc, "node")), node);
    const char *created = json_string_value(json_object_get(doc, "created_at"));
    assert_non_null(created);
    char today[11];
    time_t secs = (time_t)(before / 1000);
    struct tm tm;
    strftime(today, sizeof today, "%Y-%m-%d", gmtime_r(&secs, &tm));
    assert_memory_equal(created, today, 10);
    assert_int_equal(strlen(created), strlen("2026-01-01T00:00:00.000Z"));

    json_t *arr = json_object_get(doc, "lanes");
    assert_int_equal(json_array_size(arr), 3);
    for (size_t i = 1; i < 3; i++)
        assert_true(
            strcmp(json_string_value(json_object_get(json_array_get(arr, i - 1), "lane_id")),
                   json_string_value(json_object_get(json_array_get(arr, i), "lane_id"))) < 0);

    /* Each lane's last event, read back through the history. */
    it_events all;
    it_history(t->db, NULL, NULL, &all);
    assert_int_equal(all.n, 5);
    size_t i;
    json_t *e;
    json_array_foreach(arr, i, e)
    {
        const char *lane = json_string_value(json_object_get(e, "lane_id"));
        int64_t seq = json_integer_value(json_object_get(e, "seq"));
        const char *hash = json_string_value(json_object_get(e, "hash"));
        assert_string_equal(json_string_value(json_object_get(e, "node_id")), node);
        const trail_change_event *last = NULL;
        for (size_t k = 0; k < all.n; k++)
            if (strcmp(all.ev[k].lane_id, lane) == 0 && (!last || all.ev[k].seq > last->seq))
                last = &all.ev[k];
        if (strcmp(lane, l.a) == 0 || strcmp(lane, l.b_lane) == 0) {
            assert_non_null(last);
            assert_int_equal(seq, strcmp(lane, l.a) == 0 ? 3 : 2);
            assert_int_equal(seq, last->seq);
            assert_string_equal(hash, last->hash);
        } else { /* c's lane */
            assert_null(last);
            assert_int_equal(seq, 0);
            assert_int_equal(raw_count(t->url,
                                       "SELECT count(*) FROM \"trail_lanes\" WHERE \"lane_id\" = "
                                       "'%s' AND \"hash\" = '%s'",
                                       lane, hash),
                             1);
        }
    }
    char root[TRAIL_SHA256_HEX_LEN + 1];
    root_of(arr, root);
    assert_string_equal(json_string_value(json_object_get(doc, "root")), root);

    trail_verify_report r = verify_with(t->db, text);
    assert_int_equal(r.events, 5);
    expect_clean(&r);

    /* Closing seals the lanes; the digest still holds. */
    trail_close(l.b);
    trail_close(l.c);
    l.b = l.c = NULL;
    r = verify_with(t->db, text);
    expect_clean(&r);
    it_events_free(&all);
    free(node);
    finish(&l);
}

/* Writes after the digest, in its lanes and in new ones, are not its concern. */
static void test_digest_later_writes(void **state)
{
    it_db *t = *state;
    three_lanes l;
    start(t, &l);
    const char *text = l.text;
    shop_customer c = { 0 };
    it_customer(t->db, "later@x.org", &c);
    shop_customer_clear(&c);
    it_customer(l.c, "c-later@x.org", &c); /* c's lane, at seq 0 in the digest, now has one */
    shop_customer_clear(&c);
    trail_conn *d = it_open(t, NULL);
    it_customer(d, "d@x.org", &c);
    shop_customer_clear(&c);
    trail_close(d);
    trail_verify_report r = verify_with(t->db, text);
    expect_clean(&r);

    /* A digest taken now names the fourth lane too, and c's at seq 1. */
    char *now;
    json_t *doc2 = take_digest(t->db, &now);
    assert_int_equal(json_array_size(json_object_get(doc2, "lanes")), 4);
    json_t *lane_c = NULL;
    size_t i;
    json_t *e;
    json_array_foreach(json_object_get(l.doc, "lanes"), i, e)
    {
        if (json_integer_value(json_object_get(e, "seq")) == 0)
            lane_c = e;
    }
    assert_non_null(lane_c);
    const char *c_id = json_string_value(json_object_get(lane_c, "lane_id"));
    assert_int_equal(json_integer_value(json_object_get(entry(doc2, c_id), "seq")), 1);
    json_decref(doc2);
    free(now);
    finish(&l);
}

/*
 * The newest event of lane a removed, and its record's row put back as it
 * was before: the chains and the records hold together (a's lane is not
 * sealed, its connection is open), so verify alone is clean; with the
 * digest it names lane a and seq 3.
 */
static void test_digest_tail_cut(void **state)
{
    it_db *t = *state;
    three_lanes l;
    start(t, &l);
    const char *text = l.text;
    it_tamper(t, "DELETE FROM \"trail_change_events\" WHERE \"lane_id\" = '%s' AND \"seq\" = 3",
              l.a);
    it_tamper(t, "UPDATE \"customers\" SET \"credit\" = 0, \"version\" = 1 WHERE \"id\" = '%s'",
              l.a2);
    trail_verify_report r = { 0 };
    IT_OK(t->db, trail_verify(t->db, &r));
    expect_clean(&r);
    r = verify_with(t->db, text);
    expect_lane_problem(&r, l.a, 3, "its events end at seq 2", NULL);

    /* The whole lane gone: it has no events left. */
    it_tamper(t, "DELETE FROM \"trail_change_events\" WHERE \"lane_id\" = '%s'", l.a);
    r = verify_with(t->db, text);
    bool named = false;
    for (size_t i = 0; i < r.n_problems; i++)
        named |= strstr(r.problems[i].what, l.a) && strstr(r.problems[i].what, "seq 3") &&
                 strstr(r.problems[i].what, "it has no events");
    if (!named)
        it_print_report(&r);
    trail_verify_report_free(&r);
    assert_true(named);
    finish(&l);
}

/* @s with its one @from replaced by @to; the caller frees it. */
static char *replaced(const char *s, const char *from, const char *to)
{
    const char *at = strstr(s, from);
    if (!at)
        fail_msg("'%s' is not in %s", from, s);
    assert_null(strstr(at + 1, from));
    size_t n = strlen(s) - strlen(from) + strlen(to);
    char *out = malloc(n + 1);
    assert_non_null(out);
    snprintf(out, n + 1, "%.*s%s%s", (int)(at - s), s, to, at + strlen(from));
    return out;
}

#define EV_TEXT(s) trail_v_text(s)
#define EV_INT(i)  trail_v_int(i)
#define EV_JSON(text)                                                                              \
    ((text) ? (trail_value){ .type = TRAIL_V_JSON, .s = (text), .n = strlen(text) }                \
            : (trail_value){ .type = TRAIL_V_NULL })

/* The hash of @ev as trail computes it (audit/event.h), from its columns. */
static void hash_of(const trail_change_event *ev, char out[TRAIL_SHA256_HEX_LEN + 1])
{
    trail_value cols[TRAIL_EVENT_COLUMNS];
#define EV_COLUMN(n, name, value, ...) cols[TRAIL_EV_##name] = EV_##value(ev->name);
    TRAIL_EVENT_COLUMN_TABLE(EV_COLUMN, )
#undef EV_COLUMN
    assert_int_equal(trail__event_hash(out, cols), TRAIL_OK);
}

/*
 * Lane b's two events say Yannick was Mallory from the start: each one's
 * new_values edited, its hash and the next one's prev_hash recomputed with
 * trail's hashing, and the live row changed to match. Every chain and
 * record holds together, so verify alone is clean; with the digest it
 * names lane b, seq 2 and the event.
 */
static void test_digest_lane_rewritten(void **state)
{
    it_db *t = *state;
    three_lanes l;
    start(t, &l);
    const char *text = l.text;

    it_events evs;
    it_history(t->db, "customers", l.yannick, &evs);
    assert_int_equal(evs.n, 2);
    char prev[TRAIL_SHA256_HEX_LEN + 1], hash[TRAIL_SHA256_HEX_LEN + 1];
    hash_of(&evs.ev[0], hash);
    assert_string_equal(hash, evs.ev[0].hash); /* the hashing is trail's */
    for (size_t i = 0; i < evs.n; i++) {
        trail_change_event *e = &evs.ev[i];
        assert_string_equal(e->lane_id, l.b_lane);
        assert_int_equal(e->seq, (int64_t)i + 1);
        char *edited = replaced(e->new_values, "\"name\":\"Yannick\"", "\"name\":\"Mallory\"");
        free((char *)e->new_values);
        e->new_values = edited;
        if (i > 0) {
            free((char *)e->prev_hash);
            e->prev_hash = strdup(prev);
        }
        hash_of(e, hash);
        it_tamper(t,
                  "UPDATE \"trail_change_events\" SET \"new_values\" = '%s', \"prev_hash\" = '%s',"
                  " \"hash\" = '%s' WHERE \"event_id\" = '%s'",
                  e->new_values, e->prev_hash, hash, e->event_id);
        memcpy(prev, hash, sizeof prev);
    }
    it_tamper(t, "UPDATE \"customers\" SET \"name\" = 'Mallory' WHERE \"id\" = '%s'", l.yannick);

    trail_verify_report r = { 0 };
    IT_OK(t->db, trail_verify(t->db, &r));
    expect_clean(&r);
    r = verify_with(t->db, text);
    expect_lane_problem(&r, l.b_lane, 2, "another hash than the digest's", evs.ev[1].event_id);
    it_events_free(&evs);
    finish(&l);
}

/* Fails unless verify with @digest is TRAIL_EINVALID saying @words, having checked nothing. */
static void expect_not_a_digest(trail_conn *db, const char *digest, const char *words)
{
    trail_verify_opts opts = { .digest_json = digest };
    trail_verify_report r = { 0 };
    IT_EXPECT(db, TRAIL_EINVALID, trail_verify_with(db, &opts, &r));
    IT_MSG(db, "not a valid digest", words);
    assert_int_equal(r.events, 0);
    assert_int_equal(r.n_problems, 0);
    trail_verify_report_free(&r);
}

/* A digest edited, damaged, or of another kind is refused before anything is checked. */
static void test_digest_not_a_digest(void **state)
{
    it_db *t = *state;
    three_lanes l;
    start(t, &l);

    /* One lane's seq edited (to hide a cut tail): the root no longer matches. */
    json_t *copy = json_deep_copy(l.doc);
    json_object_set_new(entry(copy, l.a), "seq", json_integer(2));
    char *edited = json_dumps(copy, 0);
    expect_not_a_digest(t->db, edited, "root hash does not match its lanes");
    free(edited);
    json_decref(copy);
    /* Its root edited. */
    char *root = replaced(l.text, json_string_value(json_object_get(l.doc, "root")),
                          "0000000000000000000000000000000000000000000000000000000000000000");
    expect_not_a_digest(t->db, root, "root hash does not match its lanes");
    /* Cut short, not JSON. */
    root[strlen(root) / 2] = '\0';
    expect_not_a_digest(t->db, root, "not JSON");
    free(root);
    expect_not_a_digest(t->db, "", "not JSON");

    /* Another format or version, lanes out of order or repeated, a seq not a number. */
    expect_not_a_digest(t->db, "[1, 2]", "format");
    copy = json_deep_copy(l.doc);
    json_object_set_new(copy, "format", json_string("trail-export"));
    char *other = forge(copy);
    expect_not_a_digest(t->db, other, "\"format\": \"trail-digest\"");
    free(other);
    json_object_set_new(copy, "format", json_string("trail-digest"));
    json_object_set_new(copy, "version", json_integer(2));
    other = forge(copy);
    expect_not_a_digest(t->db, other, "version 1");
    free(other);
    json_object_set_new(copy, "version", json_integer(1));
    json_t *lanes_arr = json_object_get(copy, "lanes");
    json_array_append(lanes_arr, json_array_get(lanes_arr, 0));
    other = forge(copy);
    expect_not_a_digest(t->db, other, "not in lane_id order");
    free(other);
    json_array_remove(lanes_arr, 3);
    json_object_set_new(json_array_get(lanes_arr, 1), "seq", json_string("2"));
    other = forge(copy);
    expect_not_a_digest(t->db, other, "no seq");
    free(other);
    json_decref(copy);

    /* The original still holds. */
    trail_verify_report r = verify_with(t->db, l.text);
    expect_clean(&r);
    finish(&l);
}

/*
 * A digest forged with a correct root is still checked against the
 * database: a lane it never had, a seq past a lane's end, another hash,
 * another node, a seq-0 lane's hash.
 */
static void test_digest_forged(void **state)
{
    it_db *t = *state;
    three_lanes l;
    start(t, &l);
    static const char ghost[] = "01ARZ3NDEKTSV4RRFFQ69G5FAV"; /* sorts before today's lanes */
    static const char zeros[] = "0000000000000000000000000000000000000000000000000000000000000000";

    json_t *copy = json_deep_copy(l.doc);
    json_array_insert_new(json_object_get(copy, "lanes"), 0,
                          json_pack("{s:s, s:s, s:i, s:s}", "lane_id", ghost, "node_id", "n", "seq",
                                    1, "hash", zeros));
    trail_verify_report r = verify_forged(t->db, copy);
    expect_lane_problem(&r, ghost, 1, "is not in trail_lanes", NULL);

    copy = json_deep_copy(l.doc);
    json_object_set_new(entry(copy, l.b_lane), "seq", json_integer(7));
    r = verify_forged(t->db, copy);
    expect_lane_problem(&r, l.b_lane, 7, "its events end at seq 2", NULL);

    copy = json_deep_copy(l.doc);
    json_object_set_new(entry(copy, l.b_lane), "seq", json_integer(1));
    r = verify_forged(t->db, copy);
    it_events evs;
    it_history(t->db, "customers", l.yannick, &evs);
    expect_lane_problem(&r, l.b_lane, 1, "another hash", evs.ev[0].event_id);
    it_events_free(&evs);

    copy = json_deep_copy(l.doc);
    json_object_set_new(entry(copy, l.a), "node_id", json_string("elsewhere"));
    r = verify_forged(t->db, copy);
    expect_lane_problem(&r, l.a, 3, "on node elsewhere", NULL);

    copy = json_deep_copy(l.doc);
    size_t i;
    json_t *e;
    json_array_foreach(json_object_get(copy, "lanes"), i, e)
    {
        if (json_integer_value(json_object_get(e, "seq")) == 0)
            json_object_set_new(e, "hash", json_string(zeros));
    }
    r = verify_forged(t->db, copy);
    expect_lane_problem(&r, "", 0, "its row's hash is not the one in the digest", NULL);
    finish(&l);
}

/*
 * A database whose connections never wrote has a digest without lanes,
 * which verify takes. A digest covers committed events only: inside
 * trail_begin() it is refused.
 */
static void test_digest_no_lanes_and_in_transaction(void **state)
{
    it_db *t = *state;
    char *text = NULL;
    IT_OK(t->db, trail_digest(t->db, &text));
    json_t *doc = json_loads(text, 0, NULL);
    assert_non_null(doc);
    assert_true(json_is_array(json_object_get(doc, "lanes")));
    assert_int_equal(json_array_size(json_object_get(doc, "lanes")), 0);
    char root[TRAIL_SHA256_HEX_LEN + 1];
    root_of(json_object_get(doc, "lanes"), root);
    assert_string_equal(json_string_value(json_object_get(doc, "root")), root);
    json_decref(doc);
    shop_customer c = { 0 };
    it_customer(t->db, "tx@x.org", &c);
    shop_customer_clear(&c);
    trail_verify_report r = verify_with(t->db, text);
    expect_clean(&r);
    free(text);

    IT_OK(t->db, trail_begin(t->db));
    text = (char *)"untouched";
    IT_EXPECT(t->db, TRAIL_EARG, trail_digest(t->db, &text));
    assert_null(text);
    IT_MSG(t->db, "trail_begin()");
    IT_OK(t->db, trail_rollback(t->db));
    IT_EXPECT(t->db, TRAIL_EARG, trail_digest(t->db, NULL));
    assert_int_equal(trail_digest(NULL, &text), TRAIL_EARG);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_digest_lanes, it_setup, it_teardown),
        cmocka_unit_test_setup_teardown(test_digest_later_writes, it_setup, it_teardown),
        cmocka_unit_test_setup_teardown(test_digest_tail_cut, it_setup, it_teardown),
        cmocka_unit_test_setup_teardown(test_digest_lane_rewritten, it_setup, it_teardown),
        cmocka_unit_test_setup_teardown(test_digest_not_a_digest, it_setup, it_teardown),
        cmocka_unit_test_setup_teardown(test_digest_forged, it_setup, it_teardown),
        cmocka_unit_test_setup_teardown(test_digest_no_lanes_and_in_transaction, it_setup,
                                        it_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
