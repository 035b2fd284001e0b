/*
 * test_sync.c - trail_sync() between two engines (issue 17, items 1, 3, 4
 * and 5; docs/replication.md).
 *
 * The pair comes from TRAIL_SYNC_PAIR ("sqlite:sqlite", the default;
 * "sqlite:pg", "pg:mysql", "mysql:sqlite"): the first engine is node A, the
 * second node B, and node C, the third of a relay, is always a SQLite
 * file. A server's URL is read from the file TRAIL_SYNC_PG_URL_FILE or
 * TRAIL_SYNC_MYSQL_URL_FILE names (where ctest's fixtures write them), and
 * its database is emptied before each test.
 */
#define _POSIX_C_SOURCE 200809L
#include "it_common.h"
#include "driver/driver.h" /* to read a SQLite connection's own settings */
#include "trail/digest.h"
#include "trail/sync.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { A, B, C, NODES };

typedef struct sync_test {
    it_db node[NODES];
} sync_test;

static int teardown(void **state)
{
    sync_test *s = *state;
    if (s)
        it_nodes_close(s->node, NODES);
    free(s);
    return 0;
}

static int setup(void **state)
{
    sync_test *s = calloc(1, sizeof *s);
    if (!(*state = s))
        return -1;
    char a[16], b[16];
    const char *engines[NODES] = { a, b, "sqlite" };
    if (it_sync_pair(a, b) < 0 || it_nodes_open(s->node, NODES, engines) < 0)
        return teardown(state), -1;
    return 0;
}

/* ---- what the nodes hold ------------------------------------------------- */

static int count_event(void *userdata, const trail_change_event *ev)
{
    (void)ev;
    ++*(int64_t *)userdata;
    return 0;
}

static int64_t events_of(trail_conn *db)
{
    int64_t n = 0;
    IT_OK(db, trail_history(db, NULL, NULL, count_event, &n));
    return n;
}

static void same_text(const char *what, const char *id, const char *a, const char *b)
{
    if (a && b ? strcmp(a, b) == 0 : a == b)
        return;
    print_error("event %s: %s differs: '%s' and '%s'\n", id, what, a ? a : "NULL", b ? b : "NULL");
    fail();
}

/* Every event of @a is in @b with every column the same, and @b has no other. */
static void same_events(trail_conn *a, trail_conn *b)
{
    it_events ea = { 0 }, eb = { 0 };
    it_history(a, NULL, NULL, &ea);
    it_history(b, NULL, NULL, &eb);
    assert_int_equal(ea.n, eb.n);
    for (size_t i = 0; i < ea.n; i++) {
        const trail_change_event *x = &ea.ev[i], *y = NULL;
        for (size_t j = 0; j < eb.n && !y; j++)
            if (strcmp(eb.ev[j].event_id, x->event_id) == 0)
                y = &eb.ev[j];
        if (!y) {
            print_error("event %s is not on the other node\n", x->event_id);
            fail();
        }
        assert_int_equal(x->hlc, y->hlc);
        assert_int_equal(x->seq, y->seq);
        assert_int_equal(x->version, y->version);
        assert_int_equal(x->schema_version, y->schema_version);
        assert_int_equal(x->created_at, y->created_at);
        same_text("node_id", x->event_id, x->node_id, y->node_id);
        same_text("lane_id", x->event_id, x->lane_id, y->lane_id);
        same_text("tx_id", x->event_id, x->tx_id, y->tx_id);
        same_text("table_name", x->event_id, x->table_name, y->table_name);
        same_text("record_id", x->event_id, x->record_id, y->record_id);
        same_text("op", x->event_id, x->op, y->op);
        same_text("old_values", x->event_id, x->old_values, y->old_values);
        same_text("new_values", x->event_id, x->new_values, y->new_values);
        same_text("changed", x->event_id, x->changed, y->changed);
        same_text("user_id", x->event_id, x->user_id, y->user_id);
        same_text("request_id", x->event_id, x->request_id, y->request_id);
        same_text("ip", x->event_id, x->ip, y->ip);
        same_text("prev_hash", x->event_id, x->prev_hash, y->prev_hash);
        same_text("hash", x->event_id, x->hash, y->hash);
    }
    it_events_free(&ea);
    it_events_free(&eb);
}

static void verify_clean(it_db *t)
{
    t->verify = true;
    it_verify_clean(t);
}

static void sync_ok(trail_conn *src, trail_conn *dst, trail_sync_stats *st)
{
    trail_sync_opts o = TRAIL_SYNC_OPTS_INIT;
    o.batch_size = 4; /* several batches from a few events */
    IT_OK(dst, trail_sync(src, dst, &o, st));
}

/* ---- the writes ------------------------------------------------------------ */

static void make_customer(trail_conn *db, const char *email, shop_customer *out)
{
    static const unsigned char bytes[] = { 0, 1, 2, 0xfe, 0xff };
    shop_customer_create_params p = SHOP_CUSTOMER_CREATE_INIT;
    p.email = email;
    p.name = "Zoë \"Q\" \\ Tab\t";
    p.tier = SHOP_CUSTOMER_TIER_PRO;
    p.credit = INT64_MAX;
    p.rating = 0.1;
    p.rating_null = false;
    p.born = -719162;
    p.born_null = false;
    p.seen_at = 253402300799999;
    p.seen_at_null = false;
    p.avatar = (trail_blob){ bytes, sizeof bytes };
    p.prefs = "{\"a\": [1, 2.5, \"x\"], \"b\": null}";
    p.secret = "hunter2";
    IT_OK(db, shop_customer_create(db, &it_full_ctx, &p, out));
}

/* On @db: customers made, updated, deleted, one in a transaction with an order. */
static void every_kind_of_change(trail_conn *db)
{
    shop_customer kept = { 0 }, gone = { 0 };
    make_customer(db, "kept@x.org", &kept);
    make_customer(db, "gone@x.org", &gone);
    shop_customer_update_params u = { .id = kept.id, .version = kept.version };
    u.set = SHOP_CUSTOMER_NAME | SHOP_CUSTOMER_RATING | SHOP_CUSTOMER_AVATAR | SHOP_CUSTOMER_PREFS |
            SHOP_CUSTOMER_BORN | SHOP_CUSTOMER_SECRET;
    u.name = "Kept";
    u.rating_null = true;
    u.avatar = (trail_blob){ "", 0 };
    u.prefs = "[1e300, 0.10000000000000001, -0]"; /* kept exactly: verify says so */
    u.born = 19000;
    u.secret = "other";
    IT_OK(db, shop_customer_update(db, NULL, &u, NULL));
    IT_OK(db, shop_customer_delete(db, NULL, gone.id, gone.version));

    IT_OK(db, trail_begin(db));
    shop_customer third = { 0 };
    make_customer(db, "third@x.org", &third);
    shop_order_create_params o = SHOP_ORDER_CREATE_INIT;
    o.customer = third.id;
    o.total = 4200;
    o.note = "left out of events";
    IT_OK(db, shop_order_create(db, NULL, &o, NULL));
    IT_OK(db, trail_commit(db));
    shop_customer_clear(&kept);
    shop_customer_clear(&gone);
    shop_customer_clear(&third);
}

/* ---- tests ----------------------------------------------------------------- */

/* Every kind of change arrives: the events verbatim, the rows as their events say. */
static void test_every_change_arrives(void **state)
{
    sync_test *s = *state;
    trail_conn *a = s->node[A].db, *b = s->node[B].db;
    every_kind_of_change(a);
    int64_t n = events_of(a);
    assert_int_equal(n, 6);

    trail_sync_stats st;
    sync_ok(a, b, &st);
    assert_int_equal(st.applied, n);
    assert_int_equal(st.seen, n);
    assert_int_equal(st.held, 0);
    assert_int_equal(st.refused, 0);
    same_events(a, b);
    assert_int_equal(it_rows(&s->node[B], "customers"), 2);
    assert_int_equal(it_rows(&s->node[B], "orders"), 1);

    shop_customer x = { 0 }, y = { 0 };
    IT_OK(a, shop_customer_find_by_email(a, "kept@x.org", &x));
    IT_OK(b, shop_customer_find_by_email(b, "kept@x.org", &y));
    assert_string_equal(x.id, y.id);
    assert_int_equal(y.version, 2);
    assert_string_equal(y.name, "Kept");
    assert_true(y.rating_null);
    assert_int_equal(y.born, 19000);
    assert_int_equal(y.credit, INT64_MAX);
    assert_int_equal(y.seen_at, 253402300799999);
    assert_int_equal(y.tier, SHOP_CUSTOMER_TIER_PRO);
    assert_non_null(y.avatar.data);
    assert_int_equal(y.avatar.len, 0);
    shop_customer_clear(&x);
    shop_customer_clear(&y);
    IT_OK(b, shop_customer_find_by_email(b, "third@x.org", &y));
    assert_true(y.rating == 0.1);
    assert_int_equal(y.born, -719162);
    assert_memory_equal(y.avatar.data, "\0\1\2\xfe\xff", 5);
    IT_JSON_EQ(y.prefs, "{\"a\": [1, 2.5, \"x\"], \"b\": null}");
    shop_customer_clear(&y);
    assert_int_equal(raw_count(s->node[B].url, "SELECT count(*) FROM trail_tombstones"), 1);
    verify_clean(&s->node[A]);
    verify_clean(&s->node[B]);

    /* And B's writes go back to A, A's own not with them. */
    make_customer(b, "from-b@x.org", NULL);
    sync_ok(b, a, &st);
    assert_int_equal(st.applied, 1);
    assert_int_equal(st.seen, 1);
    same_events(a, b);
    verify_clean(&s->node[A]);
    verify_clean(&s->node[B]);
}

/* A second sync finds nothing to do and changes nothing. */
static void test_sync_twice_changes_nothing(void **state)
{
    sync_test *s = *state;
    trail_conn *a = s->node[A].db, *b = s->node[B].db;
    every_kind_of_change(a);
    trail_sync_stats st;
    sync_ok(a, b, &st);
    int64_t events = events_of(b), conflicts = it_rows(&s->node[B], "trail_conflicts");
    sync_ok(a, b, &st);
    assert_int_equal(st.seen, 0);
    assert_int_equal(st.applied, 0);
    assert_int_equal(events_of(b), events);
    assert_int_equal(it_rows(&s->node[B], "trail_conflicts"), conflicts);
    assert_int_equal(it_rows(&s->node[B], "trail_quarantine"), 0);
    assert_int_equal(it_rows(&s->node[B], "trail_cursors"), 1);
    same_events(a, b);
    verify_clean(&s->node[B]);
}

/* A to B to C: each event arrives once; a later pull from A finds it there. */
static void test_relay_delivers_once(void **state)
{
    sync_test *s = *state;
    trail_conn *a = s->node[A].db, *b = s->node[B].db, *c = s->node[C].db;
    every_kind_of_change(a);
    make_customer(b, "b@x.org", NULL);
    trail_sync_stats st;
    sync_ok(a, b, &st);
    assert_int_equal(st.applied, 6);
    sync_ok(b, c, &st);
    assert_int_equal(st.applied, 7);
    sync_ok(a, c, &st);
    assert_int_equal(st.seen, 0);
    assert_int_equal(st.applied, 0);
    sync_ok(c, a, &st); /* only B's event is new to A */
    assert_int_equal(st.applied, 1);
    sync_ok(c, b, &st);
    assert_int_equal(st.applied, 0);
    same_events(a, c);
    same_events(b, c);
    for (int i = 0; i < NODES; i++)
        verify_clean(&s->node[i]);
    /* C knows the nodes whose lanes it holds, A's through B (trail nodes lists them). */
    assert_int_equal(raw_count(s->node[C].url, "SELECT count(*) FROM trail_nodes"), 3);
    char *node_a = it_local_node(a);
    assert_int_equal(raw_count(s->node[C].url,
                               "SELECT count(*) FROM trail_nodes WHERE node_id = '%s' AND "
                               "is_local = 0 AND hostname = ''",
                               node_a),
                     1);
    free(node_a);
}

/* An event edited on its way is refused and named; what follows it waits. */
static void test_tampered_event_refused(void **state)
{
    sync_test *s = *state;
    trail_conn *a = s->node[A].db, *b = s->node[B].db;
    shop_customer c1 = { 0 }, c2 = { 0 };
    make_customer(a, "one@x.org", &c1);
    make_customer(a, "two@x.org", &c2);
    make_customer(a, "three@x.org", NULL);
    it_tamper(&s->node[A],
              "UPDATE trail_change_events SET user_id = 'mallory' WHERE record_id = '%s'", c2.id);
    trail_sync_stats st;
    sync_ok(a, b, &st);
    assert_int_equal(st.applied, 1);
    assert_int_equal(st.refused, 1);
    assert_int_equal(st.held, 1);
    assert_non_null(strstr(st.last_refused, "seq 2"));
    assert_non_null(strstr(st.last_refused, "hash"));
    assert_int_equal(events_of(b), 1);
    assert_int_equal(
        raw_count(s->node[B].url, "SELECT count(*) FROM trail_quarantine WHERE state = 'refused'"),
        1);
    assert_int_equal(it_rows(&s->node[B], "customers"), 1);
    /* Again: still refused, nothing applied, nothing twice in quarantine. */
    sync_ok(a, b, &st);
    assert_int_equal(st.applied, 0);
    assert_int_equal(events_of(b), 1);
    assert_int_equal(it_rows(&s->node[B], "trail_quarantine"), 2);
    shop_customer_clear(&c1);
    shop_customer_clear(&c2);
    verify_clean(&s->node[B]);
}

/* A database synced with itself (or its copy) is refused before anything is read. */
static void test_same_node_refused(void **state)
{
    sync_test *s = *state;
    trail_conn *a = s->node[A].db;
    make_customer(a, "one@x.org", NULL);
    trail_conn *again = it_open(&s->node[A], NULL);
    trail_sync_stats st;
    IT_EXPECT(again, TRAIL_ETWIN, trail_sync(a, again, NULL, &st));
    IT_MSG(again, "one node", "same lanes", "trail node reset DB");
    assert_int_equal(st.seen, 0);
    trail_close(again);
}

/*
 * A deleted record never comes back (SPEC §6): an edit of it that arrives
 * later is kept as an event, changes nothing, and is recorded as a
 * conflict; a delete that arrives after a local edit is a concurrent edit,
 * recorded too (issue 18 merges it). Every node verifies clean.
 */
static void test_deleted_record_stays_deleted(void **state)
{
    sync_test *s = *state;
    trail_conn *a = s->node[A].db, *b = s->node[B].db, *c = s->node[C].db;
    shop_customer x = { 0 }, y = { 0 };
    make_customer(a, "x@x.org", &x);
    make_customer(a, "y@x.org", &y);
    trail_sync_stats st;
    sync_ok(a, b, &st);
    sync_ok(a, c, &st);

    /* x: deleted on B, edited on A. */
    IT_OK(b, shop_customer_delete(b, NULL, x.id, 1));
    shop_customer_update_params u = { .id = x.id, .version = 1, .set = SHOP_CUSTOMER_NAME };
    u.name = "Edited";
    IT_OK(a, shop_customer_update(a, NULL, &u, NULL));
    sync_ok(a, b, &st);
    assert_int_equal(st.applied, 1); /* the event is kept */
    assert_int_equal(st.held, 0);
    assert_int_equal(shop_customer_get(b, x.id, &x), TRAIL_ENOTFOUND);
    assert_int_equal(raw_count(s->node[B].url, "SELECT count(*) FROM trail_conflicts WHERE "
                                               "resolution = 'delete-wins'"),
                     1);
    sync_ok(b, a, &st); /* B's delete meets A's edit: kept, recorded */
    assert_int_equal(st.applied, 1);
    assert_int_equal(it_rows(&s->node[A], "trail_conflicts"), 1);

    /* y: edited on C, deleted on A; B learns the delete first, then the edit. */
    u = (shop_customer_update_params){ .id = y.id, .version = 1, .set = SHOP_CUSTOMER_NAME };
    u.name = "Late";
    IT_OK(c, shop_customer_update(c, NULL, &u, NULL));
    IT_OK(a, shop_customer_delete(a, NULL, y.id, 1));
    sync_ok(a, b, &st);
    assert_int_equal(raw_count(s->node[B].url, "SELECT count(*) FROM trail_tombstones"), 1);
    sync_ok(c, b, &st);
    assert_int_equal(st.applied, 1);
    assert_int_equal(shop_customer_get(b, y.id, &y), TRAIL_ENOTFOUND);
    assert_int_equal(raw_count(s->node[B].url, "SELECT count(*) FROM trail_conflicts WHERE "
                                               "resolution = 'delete-wins'"),
                     2);
    shop_customer_clear(&x);
    shop_customer_clear(&y);
    for (int i = 0; i < NODES; i++)
        verify_clean(&s->node[i]);
}

/*
 * An event of a schema version the destination does not know is held in
 * quarantine, with what follows in its lane, and applied by the first sync
 * after the destination learned it.
 */
static void test_unknown_schema_version_held(void **state)
{
    sync_test *s = *state;
    trail_conn *a = s->node[A].db, *b = s->node[B].db;
    make_customer(a, "one@x.org", NULL);
    make_customer(a, "two@x.org", NULL);
    it_tamper(&s->node[B],
              "UPDATE trail_meta SET value = REPLACE(value, '\"version\":1,', '\"version\":0,')");
    trail_sync_stats st;
    sync_ok(a, b, &st);
    assert_int_equal(st.applied, 0);
    assert_int_equal(st.held, 2);
    assert_int_equal(events_of(b), 0);
    assert_int_equal(raw_count(s->node[B].url,
                               "SELECT count(*) FROM trail_quarantine WHERE state = 'held' AND "
                               "reason = 'unknown schema version'"),
                     1);
    assert_int_equal(it_rows(&s->node[B], "trail_quarantine"), 2);
    it_tamper(&s->node[B],
              "UPDATE trail_meta SET value = REPLACE(value, '\"version\":0,', '\"version\":1,')");
    sync_ok(a, b, &st);
    assert_int_equal(st.applied, 2);
    assert_int_equal(st.held, 0);
    assert_int_equal(it_rows(&s->node[B], "trail_quarantine"), 0);
    same_events(a, b);
    verify_clean(&s->node[B]);
}

/* What the progress callback saw of the batches; it stops the sync after @stop_after. */
typedef struct progress_seen {
    trail_conn *dst;
    int calls, stop_after;
    int64_t applied[16], events[16];
} progress_seen;

static int on_progress(void *userdata, const trail_sync_stats *st)
{
    progress_seen *p = userdata;
    if (p->calls < 16) {
        p->applied[p->calls] = st->applied;
        p->events[p->calls] = events_of(p->dst);
    }
    return ++p->calls == p->stop_after;
}

/*
 * A batch never cuts a transaction: five events of one, with batches of
 * two, arrive in one batch; the progress callback sees each batch
 * committed, and stopping it leaves whole batches, the next sync the rest.
 */
static void test_batches_keep_transactions_whole(void **state)
{
    sync_test *s = *state;
    trail_conn *a = s->node[A].db, *b = s->node[B].db;
    IT_OK(a, trail_begin(a));
    for (int i = 0; i < 5; i++) {
        char email[32];
        snprintf(email, sizeof email, "tx%d@x.org", i);
        make_customer(a, email, NULL);
    }
    IT_OK(a, trail_commit(a));
    make_customer(a, "after1@x.org", NULL);
    make_customer(a, "after2@x.org", NULL);
    make_customer(a, "after3@x.org", NULL);

    progress_seen seen = { .dst = b, .stop_after = 1 };
    trail_sync_opts o = TRAIL_SYNC_OPTS_INIT;
    o.batch_size = 2;
    o.progress = on_progress;
    o.userdata = &seen;
    trail_sync_stats st;
    IT_OK(b, trail_sync(a, b, &o, &st));
    assert_int_equal(seen.calls, 1);
    assert_int_equal(seen.applied[0], 5);
    assert_int_equal(seen.events[0], 5);
    assert_int_equal(st.left, 3);
    assert_int_equal(events_of(b), 5);

    seen = (progress_seen){ .dst = b, .stop_after = 0 };
    IT_OK(b, trail_sync(a, b, &o, &st));
    assert_int_equal(seen.calls, 2); /* 2, then 1 */
    assert_int_equal(seen.applied[0], 2);
    assert_int_equal(seen.events[1], 8);
    assert_int_equal(st.left, 0);
    same_events(a, b);
    verify_clean(&s->node[B]);
}

/*
 * trail_cursors of the layout before issue 17 (never written by any trail)
 * is made again by migrate, and a sync then records its peer in it.
 */
static void test_old_cursors_table_replaced(void **state)
{
    sync_test *s = *state;
    trail_conn *a = s->node[A].db, *b = s->node[B].db;
    it_tamper(&s->node[B], "DROP TABLE trail_cursors");
    it_tamper(&s->node[B], "CREATE TABLE trail_cursors (source_node VARCHAR(64) NOT NULL, "
                           "dest_node VARCHAR(64) NOT NULL, hlc BIGINT NOT NULL, event_id "
                           "CHAR(26), updated_at BIGINT NOT NULL, PRIMARY KEY (source_node, "
                           "dest_node))");
    it_migrate(b);
    make_customer(a, "one@x.org", NULL);
    trail_sync_stats st;
    sync_ok(a, b, &st);
    assert_int_equal(st.applied, 1);
    char *peer = it_local_node(a);
    assert_int_equal(raw_count(s->node[B].url,
                               "SELECT count(*) FROM trail_cursors WHERE peer_node = '%s' AND "
                               "applied = 1 AND peer_events = 1",
                               peer),
                     1);
    free(peer);
    verify_clean(&s->node[B]);
}

/* What @src holds and @peer lacks, by @peer's digest, in a file read from its start. */
static FILE *export_since(trail_conn *src, trail_conn *peer)
{
    char *digest = NULL;
    IT_OK(peer, trail_digest(peer, &digest));
    FILE *f = tmpfile();
    assert_non_null(f);
    trail_export_opts x = TRAIL_EXPORT_OPTS_INIT;
    x.since_digest = digest;
    IT_OK(src, trail_export(src, f, &x, NULL));
    free(digest);
    rewind(f);
    return f;
}

/* @f imported into @dst, and closed. */
static void import_and_close(trail_conn *dst, FILE *f, trail_sync_stats *st)
{
    IT_OK(dst, trail_import(dst, f, NULL, st));
    fclose(f);
}

/*
 * An order whose customer is not here yet waits (held, "missing
 * reference"), and what follows it in its lane waits behind it; once the
 * customer arrives from its own node, the next sync applies them.
 */
static void test_missing_reference_held(void **state)
{
    sync_test *s = *state;
    trail_conn *a = s->node[A].db, *b = s->node[B].db, *c = s->node[C].db;
    shop_customer e = { 0 };
    make_customer(c, "e@x.org", &e);
    trail_sync_stats st;
    sync_ok(c, a, &st);
    shop_order_create_params o = SHOP_ORDER_CREATE_INIT;
    o.customer = e.id;
    o.total = 1;
    IT_OK(a, shop_order_create(a, NULL, &o, NULL));
    make_customer(a, "d@x.org", NULL);
    /* Only A's lane: C's is left out, as a file of A's own events would. */
    import_and_close(b, export_since(a, c), &st);
    assert_int_equal(st.applied, 0);
    assert_int_equal(st.held, 2);
    assert_int_equal(raw_count(s->node[B].url, "SELECT count(*) FROM trail_quarantine WHERE "
                                               "reason = 'missing reference'"),
                     1);
    assert_int_equal(it_rows(&s->node[B], "orders"), 0);
    sync_ok(c, b, &st); /* the customer, and the held events tried again after it */
    sync_ok(a, b, &st);
    assert_int_equal(it_rows(&s->node[B], "orders"), 1);
    assert_int_equal(it_rows(&s->node[B], "customers"), 2);
    assert_int_equal(it_rows(&s->node[B], "trail_quarantine"), 0);
    same_events(a, b);
    shop_customer_clear(&e);
    verify_clean(&s->node[B]);
}

/*
 * An order made and edited on A for a customer B deleted meanwhile: delete
 * wins (SPEC §6). B keeps the order's events without a row and deletes the
 * order in its own lane (a cascade delete); A's edit against that delete is
 * the one conflict. Back on A, B's delete of the customer finds the order
 * there and deletes it too. Both end alike, with the same conflict.
 */
static void test_reference_to_record_deleted_here(void **state)
{
    sync_test *s = *state;
    trail_conn *a = s->node[A].db, *b = s->node[B].db;
    shop_customer c = { 0 };
    make_customer(a, "c@x.org", &c);
    trail_sync_stats st;
    sync_ok(a, b, &st);
    IT_OK(b, shop_customer_delete(b, NULL, c.id, 1));
    shop_order_create_params o = SHOP_ORDER_CREATE_INIT;
    o.customer = c.id;
    o.total = 1;
    shop_order ord = { 0 };
    IT_OK(a, shop_order_create(a, NULL, &o, &ord));
    make_customer(a, "d@x.org", NULL);
    shop_order_update_params u = { .id = ord.id, .version = 1, .set = SHOP_ORDER_TOTAL };
    u.total = 2;
    IT_OK(a, shop_order_update(a, NULL, &u, NULL));
    sync_ok(a, b, &st);
    assert_int_equal(st.applied, 3);
    assert_int_equal(st.held, 0);
    assert_int_equal(it_rows(&s->node[B], "orders"), 0);
    assert_int_equal(it_rows(&s->node[B], "customers"), 1);
    assert_int_equal(it_rows(&s->node[B], "trail_quarantine"), 0);
    static const char cascades[] = "SELECT count(*) FROM trail_change_events WHERE "
                                   "table_name = 'orders' AND op = 'delete'";
    assert_int_equal(raw_count(s->node[B].url, cascades), 1);
    static const char lost[] = "SELECT count(*) FROM trail_conflicts WHERE resolution = "
                               "'delete-wins' AND table_name = 'orders'";
    assert_int_equal(raw_count(s->node[B].url, lost), 1);
    sync_ok(b, a, &st);
    sync_ok(a, b, &st);
    for (int i = A; i <= B; i++) {
        assert_int_equal(it_rows(&s->node[i], "orders"), 0);
        assert_int_equal(it_rows(&s->node[i], "customers"), 1);
        assert_int_equal(raw_count(s->node[i].url, lost), 1);
        assert_int_equal(it_rows(&s->node[i], "trail_conflicts"), 1);
    }
    same_events(a, b);
    shop_customer_clear(&c);
    shop_order_clear(&ord);
    verify_clean(&s->node[A]);
    verify_clean(&s->node[B]);
}

/*
 * The events of an entity that does not replicate (`replicate: false`:
 * products, with their int64 keys) travel, and change no row elsewhere;
 * each node verifies its rows against its own events only.
 */
static void test_local_entity_stays_local(void **state)
{
    sync_test *s = *state;
    trail_conn *a = s->node[A].db, *b = s->node[B].db;
    shop_product_create_params p = SHOP_PRODUCT_CREATE_INIT;
    p.sku = "SKU-1";
    p.title = "Only on A";
    p.price = 100;
    IT_OK(a, shop_product_create(a, NULL, &p, NULL));
    p.sku = "SKU-2";
    p.title = "Only on B";
    IT_OK(b, shop_product_create(b, NULL, &p, NULL));
    trail_sync_stats st;
    sync_ok(a, b, &st);
    assert_int_equal(st.applied, 1);
    sync_ok(b, a, &st);
    assert_int_equal(st.applied, 1);
    assert_int_equal(it_rows(&s->node[A], "products"), 1);
    assert_int_equal(it_rows(&s->node[B], "products"), 1);
    same_events(a, b);
    verify_clean(&s->node[A]);
    verify_clean(&s->node[B]);
}

static int64_t hour_ahead(void *userdata)
{
    (void)userdata;
    return it_now_ms() + 3600 * 1000;
}

/*
 * An event stamped by a clock an hour ahead is held (clock ahead) by a
 * destination whose clock is not, and applied by the first sync after the
 * destination's clock caught up.
 */
static void test_clock_ahead_held(void **state)
{
    sync_test *s = *state;
    trail_open_opts ahead = TRAIL_OPEN_OPTS_INIT;
    ahead.wall = hour_ahead;
    trail_close(s->node[A].db);
    trail_conn *a = s->node[A].db = it_open(&s->node[A], &ahead);
    make_customer(a, "ahead@x.org", NULL);
    trail_sync_stats st;
    sync_ok(a, s->node[B].db, &st);
    assert_int_equal(st.applied, 0);
    assert_int_equal(st.held, 1);
    assert_int_equal(
        raw_count(s->node[B].url,
                  "SELECT count(*) FROM trail_quarantine WHERE reason = 'clock ahead'"),
        1);
    trail_close(s->node[B].db);
    trail_conn *b = s->node[B].db = it_open(&s->node[B], &ahead);
    sync_ok(a, b, &st);
    assert_int_equal(st.applied, 1);
    assert_int_equal(st.held, 0);
    assert_int_equal(it_rows(&s->node[B], "trail_quarantine"), 0);
    same_events(a, b);
    verify_clean(&s->node[A]);
    verify_clean(&s->node[B]);
}

/* ---- node identity ------------------------------------------------------------- */

static int twin_sync(trail_conn *src, trail_conn *dst, trail_sync_stats *st)
{
    trail_sync_opts o = TRAIL_SYNC_OPTS_INIT;
    o.batch_size = 4;
    return trail_sync(src, dst, &o, st);
}

/*
 * A database that writes as another's node (a copy: here a new SQLite file
 * opened with A's node id, so that the two forks meet at node_seq 1) is
 * detected by the first sync that sees both lanes, from either side, and
 * refused with TRAIL_ETWIN for as long as its lanes are offered; `trail
 * node reset` on the copy moves its lane to a new node, after which both
 * ways sync, every node verifies clean, and the copy's old lane is fenced
 * off wherever the new node's lanes went: what a stale export of it holds,
 * and a connection still writing as the old node, are refused.
 */
static void test_twin_detected_and_reset(void **state)
{
    sync_test *s = *state;
    trail_conn *a = s->node[A].db, *b = s->node[B].db;
    it_db copy = { 0 };
    snprintf(copy.url, sizeof copy.url, "sqlite:%s/copy.db", s->node[C].dir);
    char *node = it_local_node(a), old_lane[TRAIL_ULID_LEN + 1];
    trail_open_opts same = TRAIL_OPEN_OPTS_INIT;
    same.node_id = node;
    trail_conn *d = it_open(&copy, &same);
    it_migrate(d);
    make_customer(a, "a@x.org", NULL);
    make_customer(d, "d@x.org", NULL);
    make_customer(d, "d2@x.org", NULL);
    it_events ev = { 0 };
    it_history(d, NULL, NULL, &ev);
    snprintf(old_lane, sizeof old_lane, "%s", ev.ev[0].lane_id);
    it_events_free(&ev);
    FILE *stale = tmpfile();
    assert_non_null(stale);
    IT_OK(d, trail_export(d, stale, NULL, NULL));

    trail_sync_stats st;
    sync_ok(a, b, &st);
    IT_EXPECT(b, TRAIL_ETWIN, twin_sync(d, b, &st));
    IT_MSG(b, node, "forks at node_seq 1", old_lane, "trail node reset DB --from 1");
    assert_int_equal(st.refused, 1);
    assert_int_equal(st.applied, 0);
    IT_EXPECT(b, TRAIL_ETWIN, twin_sync(d, b, &st)); /* as long as it is offered */
    assert_int_equal(it_rows(&s->node[B], "customers"), 1);
    /* The copy pulling from B sees A's lane as a twin of its own. */
    IT_EXPECT(d, TRAIL_ETWIN, twin_sync(b, d, &st));
    IT_MSG(d, "forks at node_seq 1");
    trail_conn *writer = it_open(&copy, NULL); /* opened before the reset, not written yet */

    trail_node_reset_result r;
    IT_OK(d, trail_node_reset(d, NULL, &r));
    assert_string_equal(r.old_node, node);
    assert_string_not_equal(r.new_node, node);
    assert_int_equal(r.from_seq, 1);
    assert_int_equal(r.lanes_moved, 1);
    assert_int_equal(r.events_moved, 2);
    char *now = it_local_node(d);
    assert_string_equal(now, r.new_node);
    free(now);
    verify_clean(&(it_db){ .db = d });

    sync_ok(d, b, &st);
    assert_int_equal(st.applied, 2);
    assert_int_equal(st.refused, 0);
    assert_int_equal(it_rows(&s->node[B], "customers"), 3);
    assert_int_equal(it_rows(&s->node[B], "trail_quarantine"), 0);
    sync_ok(b, d, &st);
    assert_int_equal(st.applied, 1);
    same_events(b, d);
    verify_clean(&s->node[B]);
    verify_clean(&(it_db){ .db = d });

    /* The old lane is fenced off where the new node's lanes went. */
    rewind(stale);
    IT_OK(b, trail_import(b, stale, NULL, &st));
    assert_int_equal(st.applied, 0);
    assert_true(st.refused >= 1);
    assert_non_null(strstr(st.last_refused, "fenced"));
    assert_int_equal(it_rows(&s->node[B], "customers"), 3);
    fclose(stale);
    /* A connection that still writes as the old node is refused its lane. */
    shop_customer_create_params p = SHOP_CUSTOMER_CREATE_INIT;
    p.email = "stale@x.org";
    p.name = "Stale";
    p.secret = "";
    IT_EXPECT(writer, TRAIL_EDB, shop_customer_create(writer, NULL, &p, NULL));
    IT_MSG(writer, node, "trail node reset");
    trail_close(writer);
    trail_close(d);
    free(node);
}

static void make_product(trail_conn *db, const char *sku)
{
    shop_product_create_params p = SHOP_PRODUCT_CREATE_INIT;
    p.sku = sku;
    p.title = sku;
    p.price = 100;
    IT_OK(db, shop_product_create(db, NULL, &p, NULL));
}

/* @from's file copied to @to, byte for byte (both closed). */
static void copy_file(const char *from, const char *to)
{
    FILE *in = fopen(from, "rb"), *out = fopen(to, "wb");
    assert_non_null(in);
    assert_non_null(out);
    char buf[65536];
    for (size_t n; (n = fread(buf, 1, sizeof buf, in)) > 0;)
        assert_int_equal(fwrite(buf, 1, n, out), n);
    fclose(in);
    assert_int_equal(fclose(out), 0);
}

/*
 * A SQLite file really copied, after both writers shared a history: the
 * copy keeps the lanes before the fork as its own (a local entity's rows
 * included: verify still counts their events as this database's), and
 * moves only what it wrote after; --from names the fork as the refusal did.
 */
static void test_copied_file_reset(void **state)
{
    sync_test *s = *state;
    if (!s->node[A].dir[0]) {
        print_message("node A is not a SQLite file: nothing to copy\n");
        return;
    }
    make_customer(s->node[A].db, "before@x.org", NULL);
    make_product(s->node[A].db, "SKU-before");
    trail_close(s->node[A].db);
    it_db copy = { 0 };
    char from[PATH_MAX + 16];
    snprintf(from, sizeof from, "%s/x.db", s->node[A].dir);
    snprintf(copy.url, sizeof copy.url, "sqlite:%s/copy.db", s->node[C].dir);
    copy_file(from, copy.url + strlen("sqlite:"));
    trail_conn *a = s->node[A].db = it_open(&s->node[A], NULL), *b = s->node[B].db;
    trail_conn *d = it_open(&copy, NULL);
    make_customer(a, "a@x.org", NULL);
    make_customer(d, "d@x.org", NULL);
    make_product(d, "SKU-copy");

    trail_sync_stats st;
    sync_ok(a, b, &st);
    assert_int_equal(st.applied, 3);
    IT_EXPECT(b, TRAIL_ETWIN, twin_sync(d, b, &st));
    IT_MSG(b, "forks at node_seq 2", "--from 2");
    trail_node_reset_opts o = TRAIL_NODE_RESET_OPTS_INIT;
    o.from_seq = 2;
    trail_node_reset_result r;
    IT_OK(d, trail_node_reset(d, &o, &r));
    assert_int_equal(r.lanes_moved, 1);
    assert_int_equal(r.events_moved, 2);
    verify_clean(&(it_db){ .db = d });
    sync_ok(d, b, &st);
    assert_int_equal(st.applied, 2);
    sync_ok(b, d, &st);
    assert_int_equal(st.applied, 1);
    sync_ok(b, a, &st);
    assert_int_equal(st.applied, 2);
    same_events(a, d);
    same_events(b, d);
    assert_int_equal(it_rows(&s->node[B], "customers"), 3);
    assert_int_equal(it_rows(&copy, "customers"), 3);
    assert_int_equal(it_rows(&copy, "products"), 2);
    verify_clean(&s->node[A]);
    verify_clean(&s->node[B]);
    verify_clean(&(it_db){ .db = d });
    trail_close(d);
}

static int64_t fake_wall_ms;

static int64_t fake_wall(void *userdata)
{
    (void)userdata;
    return fake_wall_ms;
}

static int take_peer(void *userdata, const trail_peer_info *p)
{
    *(trail_peer_info *)userdata = *p;
    return 0;
}

/*
 * A peer synced every minute: trail_peers() says so, and its phi-accrual
 * suspicion is low a minute after the last sync and high ten minutes after
 * (SPEC §6, issue 18 item 7). B's wall clock is the test's.
 */
static void test_peer_health(void **state)
{
    sync_test *s = *state;
    trail_conn *a = s->node[A].db;
    fake_wall_ms = it_now_ms();
    trail_open_opts o = TRAIL_OPEN_OPTS_INIT;
    o.wall = fake_wall;
    trail_close(s->node[B].db);
    trail_conn *b = s->node[B].db = it_open(&s->node[B], &o);
    int64_t t0 = fake_wall_ms;
    trail_sync_stats st;
    trail_peer_info p = { 0 };
    for (int i = 0; i < 3; i++) {
        fake_wall_ms = t0 + i * 60000;
        make_customer(a, i == 0 ? "h0@x.org" : i == 1 ? "h1@x.org" : "h2@x.org", NULL);
        sync_ok(a, b, &st);
        assert_int_equal(st.applied, 1);
        IT_OK(b, trail_peers(b, take_peer, &p));
        assert_int_equal(p.syncs, i + 1);
        if (i < 2)
            assert_true(p.phi == -1); /* too few to say */
    }
    assert_int_equal(p.interval_ms, 60000);
    fake_wall_ms = t0 + 180000; /* a minute after the last: on time */
    IT_OK(b, trail_peers(b, take_peer, &p));
    assert_true(p.phi >= 0 && p.phi < 1);
    fake_wall_ms = t0 + 600000; /* eight minutes late */
    IT_OK(b, trail_peers(b, take_peer, &p));
    assert_true(p.phi > 8);
    assert_int_equal(raw_count(s->node[B].url, "SELECT count(*) FROM trail_pulls"), 3);
    /* The last 100 are kept, the oldest going first. */
    for (int i = 0; i < 100; i++) {
        fake_wall_ms += 1000;
        sync_ok(a, b, &st);
    }
    assert_int_equal(raw_count(s->node[B].url, "SELECT count(*) FROM trail_pulls"), 100);
    assert_int_equal(raw_count(s->node[B].url, "SELECT min(pulled_at) FROM trail_pulls"),
                     t0 + 601000);
}

static int64_t frozen_wall(void *userdata)
{
    return *(const int64_t *)userdata;
}

/*
 * Two connections of one node stamp from two clocks, and within one
 * millisecond the second one's delete of a customer can be stamped before
 * the first one's create and delete of the order that referred to it,
 * which the database made come first. A destination that applies them in
 * HLC order then sees an order made for a customer deleted already: the
 * order's create is kept without a row and the order deleted by the
 * destination in its own lane (delete wins: a cascade delete), its later
 * events find it deleted, and nothing waits for ever behind it.
 */
static void test_reference_to_deleted_record(void **state)
{
    sync_test *s = *state;
    static int64_t now;
    now = it_now_ms();
    trail_open_opts o = TRAIL_OPEN_OPTS_INIT;
    o.wall = frozen_wall;
    o.wall_userdata = &now;
    trail_conn *one = it_open(&s->node[A], &o), *two = it_open(&s->node[A], &o);
    shop_customer c = { 0 };
    make_customer(one, "c@x.org", &c);
    shop_order_create_params p = SHOP_ORDER_CREATE_INIT;
    p.customer = c.id;
    p.total = 1;
    shop_order ord = { 0 };
    IT_OK(one, shop_order_create(one, NULL, &p, &ord));
    for (int i = 0; i < 5; i++) {
        char email[32];
        snprintf(email, sizeof email, "x%d@x.org", i);
        make_customer(one, email, NULL);
    }
    IT_OK(one, shop_order_delete(one, NULL, ord.id, 1));
    IT_OK(two, shop_customer_delete(two, NULL, c.id, 1));
    trail_close(one);
    trail_close(two);
    trail_sync_stats st;
    sync_ok(s->node[A].db, s->node[B].db, &st);
    assert_int_equal(st.held, 0);
    assert_int_equal(st.refused, 0);
    assert_int_equal(it_rows(&s->node[B], "customers"), 5);
    assert_int_equal(it_rows(&s->node[B], "orders"), 0);
    assert_int_equal(it_rows(&s->node[B], "trail_quarantine"), 0);
    /* B met the customer's delete first, and deleted the order as a cascade of its own. */
    sync_ok(s->node[B].db, s->node[A].db, &st);
    assert_int_equal(st.applied, 1);
    same_events(s->node[A].db, s->node[B].db);
    verify_clean(&s->node[A]);
    verify_clean(&s->node[B]);
    shop_customer_clear(&c);
    shop_order_clear(&ord);
}

/* A destination migrated before trail_pulls existed: applied, and told to migrate. */
static void test_pulls_table_missing(void **state)
{
    sync_test *s = *state;
    trail_conn *a = s->node[A].db, *b = s->node[B].db;
    make_customer(a, "p@x.org", NULL);
    it_tamper(&s->node[B], "DROP TABLE trail_pulls");
    trail_sync_stats st;
    IT_EXPECT(b, TRAIL_EDB, trail_sync(a, b, NULL, &st));
    IT_MSG(b, "the events were applied", "trail_pulls", "migrate it again");
    assert_int_equal(st.applied, 1);
    assert_int_equal(it_rows(&s->node[B], "customers"), 1);
    it_migrate(b);
    IT_OK(b, trail_sync(a, b, NULL, &st));
    assert_int_equal(st.applied, 0);
}

static int stop_after_one(void *userdata, const trail_sync_stats *st)
{
    (void)userdata;
    (void)st;
    return 1;
}

/*
 * Events held for a gap in their lane (a file carried seq 2 and 3, not 1)
 * are applied by the next sync, which brings seq 1: trying them again first
 * must not make the sync leave their lane alone, and the copies that
 * waited leave quarantine once their events are in.
 */
static void test_gap_filled_by_next_sync(void **state)
{
    sync_test *s = *state;
    trail_conn *a = s->node[A].db, *b = s->node[B].db, *c = s->node[C].db;
    make_customer(a, "g1@x.org", NULL);
    make_customer(a, "g2@x.org", NULL);
    make_customer(a, "g3@x.org", NULL);
    trail_sync_opts one = TRAIL_SYNC_OPTS_INIT;
    one.batch_size = 1;
    one.progress = stop_after_one;
    trail_sync_stats st;
    IT_OK(c, trail_sync(a, c, &one, &st)); /* C holds seq 1 only */
    assert_int_equal(st.applied, 1);
    import_and_close(b, export_since(a, c), &st); /* seq 2 and 3 without their lane: held */
    assert_int_equal(st.held, 2);
    sync_ok(a, b, &st);
    assert_int_equal(it_rows(&s->node[B], "customers"), 3);
    assert_int_equal(it_rows(&s->node[B], "trail_quarantine"), 0);
    same_events(a, b);
    verify_clean(&s->node[B]);
}

/*
 * A peer that holds a lane's row and none of its events (they wait in its
 * quarantine: A's clock is an hour ahead) gets an export of the lane from
 * seq 1, which the format says carries the lane row: a node that never saw
 * the lane imports the file.
 */
static void test_export_for_peer_without_events(void **state)
{
    sync_test *s = *state;
    trail_open_opts ahead = TRAIL_OPEN_OPTS_INIT;
    ahead.wall = hour_ahead;
    trail_close(s->node[A].db);
    trail_conn *a = s->node[A].db = it_open(&s->node[A], &ahead);
    trail_conn *b = s->node[B].db, *c = s->node[C].db;
    make_customer(a, "e1@x.org", NULL);
    trail_sync_stats st;
    sync_ok(a, b, &st);
    assert_int_equal(st.held, 1); /* B holds the lane row, its event waits */
    FILE *f = export_since(a, b);
    trail_close(s->node[C].db);
    c = s->node[C].db = it_open(&s->node[C], &ahead);
    import_and_close(c, f, &st);
    assert_int_equal(st.applied, 1);
    assert_int_equal(it_rows(&s->node[C], "customers"), 1);
}

/*
 * A node's second lane, carried by a file to a node that lacks its first,
 * fills a gap in that node's chain: accepted and applied (its link is
 * checked when the first comes), not refused for ever.
 */
static void test_later_lane_first(void **state)
{
    sync_test *s = *state;
    trail_conn *a = s->node[A].db, *b = s->node[B].db, *c = s->node[C].db;
    make_customer(a, "l1@x.org", NULL); /* A's first lane */
    trail_sync_stats st;
    sync_ok(a, c, &st);
    trail_conn *second = it_open(&s->node[A], NULL);
    make_customer(second, "l2@x.org", NULL); /* A's second lane */
    trail_close(second);
    import_and_close(b, export_since(a, c), &st);
    assert_int_equal(st.refused, 0);
    assert_int_equal(st.applied, 1);
    sync_ok(a, b, &st);
    assert_int_equal(st.applied, 1);
    assert_int_equal(it_rows(&s->node[B], "customers"), 2);
    same_events(a, b);
    verify_clean(&s->node[B]);
}

static int first_int_col(trail_conn *db, void *row, void *userdata)
{
    trail_value v;
    int rc = db->drv->column(db, row, 0, TRAIL_V_INT, &v);
    if (rc == TRAIL_OK)
        *(int64_t *)userdata = v.i;
    return rc < 0 ? rc : 1;
}

static int64_t cache_size(trail_conn *db)
{
    int64_t kib = 0;
    /* The row callback's 1 stops the query after its row, which query_once() returns. */
    assert_true(db->drv->query_once(db, "PRAGMA cache_size", NULL, 0, first_int_col, &kib, NULL) >=
                0);
    return kib;
}

/*
 * An import or sync into SQLite takes a larger page cache while it applies
 * (driver.h: bulk) and gives it back, whether it ended well or not: a
 * connection the application keeps open must not stay at the import's size.
 */
static void test_bulk_settings_put_back(void **state)
{
    sync_test *s = *state;
    trail_conn *a = s->node[A].db, *c = s->node[C].db;
    int64_t before = cache_size(c);
    every_kind_of_change(a);
    trail_sync_stats st;
    sync_ok(a, c, &st);
    assert_true(st.applied > 0);
    assert_int_equal(cache_size(c), before);
    shop_customer later = { 0 };
    make_customer(a, "later@x.org", &later);
    shop_customer_clear(&later);
    import_and_close(c, export_since(a, c), &st);
    assert_true(st.applied > 0);
    assert_int_equal(cache_size(c), before);
    FILE *bad = tmpfile();
    assert_non_null(bad);
    fputs("{\"format\":\"trail-events\",\"version\":1,\"node\":\n", bad);
    rewind(bad);
    assert_true(trail_import(c, bad, NULL, &st) < 0);
    fclose(bad);
    assert_int_equal(cache_size(c), before);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_every_change_arrives, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sync_twice_changes_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_relay_delivers_once, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tampered_event_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_same_node_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_deleted_record_stays_deleted, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unknown_schema_version_held, setup, teardown),
        cmocka_unit_test_setup_teardown(test_batches_keep_transactions_whole, setup, teardown),
        cmocka_unit_test_setup_teardown(test_old_cursors_table_replaced, setup, teardown),
        cmocka_unit_test_setup_teardown(test_missing_reference_held, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reference_to_record_deleted_here, setup, teardown),
        cmocka_unit_test_setup_teardown(test_local_entity_stays_local, setup, teardown),
        cmocka_unit_test_setup_teardown(test_clock_ahead_held, setup, teardown),
        cmocka_unit_test_setup_teardown(test_twin_detected_and_reset, setup, teardown),
        cmocka_unit_test_setup_teardown(test_copied_file_reset, setup, teardown),
        cmocka_unit_test_setup_teardown(test_peer_health, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reference_to_deleted_record, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pulls_table_missing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_gap_filled_by_next_sync, setup, teardown),
        cmocka_unit_test_setup_teardown(test_export_for_peer_without_events, setup, teardown),
        cmocka_unit_test_setup_teardown(test_later_lane_first, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bulk_settings_put_back, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
