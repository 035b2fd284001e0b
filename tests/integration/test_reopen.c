/*
 * test_reopen.c - node identity and the clock across connections (SPEC §5):
 * reopening keeps the node id, the first HLC after reopening is above every
 * HLC stored (even one from a clock that ran ahead), trail_open_opts.node_id
 * names the node of a new database and only of a new one.
 */
#define _POSIX_C_SOURCE 200809L
#include "it_common.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* What trail_nodes() says, the local node first. */
typedef struct nodes {
    size_t n;
    char id[4][65];
    char host[4][256];
    bool is_local[4];
    int64_t first_seen[4], last_seen[4], events[4], last_hlc[4];
} nodes;

static int take_node(void *userdata, const trail_node_info *node)
{
    nodes *ns = userdata;
    assert_true(ns->n < 4);
    size_t i = ns->n++;
    snprintf(ns->id[i], sizeof ns->id[i], "%s", node->node_id);
    snprintf(ns->host[i], sizeof ns->host[i], "%s", node->hostname);
    ns->is_local[i] = node->is_local;
    ns->first_seen[i] = node->first_seen;
    ns->last_seen[i] = node->last_seen;
    ns->events[i] = node->events;
    ns->last_hlc[i] = node->last_hlc;
    return 0;
}

static nodes read_nodes(trail_conn *db)
{
    nodes ns = { 0 };
    IT_OK(db, trail_nodes(db, take_node, &ns));
    return ns;
}

/* The HLC of the latest event. */
static int64_t last_hlc(trail_conn *db)
{
    it_events evs;
    it_history(db, NULL, NULL, &evs);
    assert_true(evs.n > 0);
    int64_t hlc = evs.ev[evs.n - 1].hlc;
    it_events_free(&evs);
    return hlc;
}

static void test_reopen_keeps_node(void **state)
{
    it_db *t = *state;
    int64_t opened = it_now_ms();
    shop_customer c = { 0 };
    it_customer(t->db, "n@x.org", &c);
    nodes first = read_nodes(t->db);
    assert_int_equal(first.n, 1);
    assert_true(first.is_local[0]);
    assert_true(trail_ulid_valid(first.id[0])); /* made by trail, not given */
    char host[256] = "";
    assert_int_equal(gethostname(host, sizeof host - 1), 0);
    assert_string_equal(first.host[0], host);
    assert_int_equal(first.events[0], 1);
    assert_int_equal(first.last_hlc[0], last_hlc(t->db));
    assert_true(first.first_seen[0] <= first.last_seen[0]);
    trail_close(t->db);
    t->db = NULL;

    for (int round = 0; round < 3; round++) {
        nanosleep(&(struct timespec){ .tv_nsec = 2000000 }, NULL); /* so that last_seen can move */
        trail_conn *db = it_open(t, NULL);
        nodes again = read_nodes(db);
        assert_int_equal(again.n, 1);
        assert_string_equal(again.id[0], first.id[0]);
        assert_int_equal(again.first_seen[0], first.first_seen[0]);
        assert_true(again.last_seen[0] > first.last_seen[0]);
        assert_true(again.first_seen[0] >= opened - 1000);
        /* Events written after reopening carry the same node. */
        shop_customer_update_params u = {
            .id = c.id, .version = c.version, .set = SHOP_CUSTOMER_CREDIT, .credit = round + 1
        };
        IT_OK(db, shop_customer_update(db, NULL, &u, &c));
        it_events evs;
        it_history(db, "customers", c.id, &evs);
        assert_int_equal(evs.n, (size_t)round + 2);
        assert_string_equal(evs.ev[evs.n - 1].node_id, first.id[0]);
        it_events_free(&evs);
        first = again;
        trail_close(db);
    }
    assert_int_equal(it_rows(t, "trail_nodes"), 1);
    shop_customer_clear(&c);
}

/* A stored HLC ahead of the wall clock (a clock that ran fast, then was set back). */
static void test_reopen_never_reuses_hlc(void **state)
{
    it_db *t = *state;
    shop_customer c = { 0 };
    it_customer(t->db, "h@x.org", &c);
    trail_close(t->db);
    t->db = NULL;
    int64_t ahead = TRAIL_HLC_MAKE(it_now_ms() + 3600 * 1000, 17);
    it_tamper(t, "UPDATE \"trail_change_events\" SET \"hlc\" = %lld", (long long)ahead);

    int64_t prev = ahead;
    for (int round = 0; round < 3; round++) {
        trail_conn *db = it_open(t, NULL);
        shop_customer_update_params u = {
            .id = c.id, .version = c.version, .set = SHOP_CUSTOMER_CREDIT, .credit = round + 1
        };
        IT_OK(db, shop_customer_update(db, NULL, &u, &c));
        it_events evs;
        it_history(db, "customers", c.id, &evs);
        int64_t hlc = evs.ev[evs.n - 1].hlc;
        assert_true(hlc > prev);
        /* Still about an hour ahead: the clock kept to the stored floor, not the wall. */
        assert_true(TRAIL_HLC_MS(hlc) >= TRAIL_HLC_MS(ahead));
        assert_true(TRAIL_HLC_MS(hlc) < TRAIL_HLC_MS(ahead) + 60 * 1000);
        trail_ulid id;
        assert_int_equal(trail_ulid_parse(&id, evs.ev[evs.n - 1].event_id), TRAIL_OK);
        assert_int_equal(trail_ulid_time(&id), TRAIL_HLC_MS(hlc));
        prev = hlc;
        it_events_free(&evs);
        trail_close(db);
    }
    shop_customer_clear(&c);
}

/* trail_open_opts.node_id names a new database's node; an existing node keeps its id. */
static void test_node_id_option(void **state)
{
    it_db *t = *state;
    char too_long[66];
    memset(too_long, 'n', 65);
    too_long[65] = '\0';
    trail_conn *db = it_open(t, &(trail_open_opts){ .node_id = too_long });
    IT_EXPECT(db, TRAIL_EARG, shop_migrate(db));
    IT_MSG(db, "node id");
    trail_close(db);

    db = it_open(t, &(trail_open_opts){ .node_id = "node-a" });
    it_migrate(db);
    shop_customer c = { 0 };
    it_customer(db, "a@x.org", &c);
    nodes ns = read_nodes(db);
    assert_int_equal(ns.n, 1);
    assert_string_equal(ns.id[0], "node-a");
    it_events evs;
    it_history(db, NULL, NULL, &evs);
    assert_int_equal(evs.n, 1);
    assert_string_equal(evs.ev[0].node_id, "node-a");
    assert_true(trail_ulid_valid(evs.ev[0].lane_id));
    assert_int_equal(evs.ev[0].seq, 1);
    it_events_free(&evs);
    trail_close(db);

    db = it_open(t, &(trail_open_opts){ .node_id = "node-b" });
    ns = read_nodes(db);
    assert_int_equal(ns.n, 1);
    assert_string_equal(ns.id[0], "node-a");
    shop_customer_update_params u = {
        .id = c.id, .version = 1, .set = SHOP_CUSTOMER_NAME, .name = "B"
    };
    IT_OK(db, shop_customer_update(db, NULL, &u, NULL));
    it_history(db, NULL, NULL, &evs);
    assert_int_equal(evs.n, 2);
    assert_string_equal(evs.ev[1].node_id, "node-a");
    it_events_free(&evs);
    trail_close(db);
    shop_customer_clear(&c);
}

/*
 * The options are "copied, not kept" (conn.h), so the node id too: the
 * buffer it came in may change between trail_open() and the first migrate.
 */
static void test_node_id_option_not_kept(void **state)
{
    it_db *t = *state;
    char name[16] = "node-c";
    trail_conn *db = it_open(t, &(trail_open_opts){ .node_id = name });
    strcpy(name, "changed");
    it_migrate(db);
    nodes ns = read_nodes(db);
    assert_int_equal(ns.n, 1);
    assert_string_equal(ns.id[0], "node-c");
    trail_close(db);
}

static int count_event(void *userdata, const trail_change_event *ev)
{
    (void)ev;
    ++*(int64_t *)userdata;
    return 0;
}

/*
 * A database of the event store before lanes (its event table with
 * origin_node, no lane_id; no trail_lanes) is refused by trail_open() with
 * a message that says what it is and what to do, and neither opening nor
 * migrating it changes it (SPEC §4; issue 16 item 5).
 */
static void test_old_layout_refused(void **state)
{
    it_db *t = *state;
    t->verify = false; /* the database is not one this trail reads */
    it_customer(t->db, "old@x.org", NULL);
    trail_close(t->db);
    t->db = NULL;
    assert_int_equal(raw_exec(t->url, "DROP TABLE trail_lanes"), 0);
    assert_int_equal(
        raw_exec(t->url, "ALTER TABLE trail_change_events RENAME COLUMN lane_id TO origin_node"),
        0);
    const char *seen = "SELECT last_seen FROM trail_nodes";
    int64_t last_seen = raw_count(t->url, "%s", seen), events = it_rows(t, "trail_change_events");

    trail_conn *db = NULL;
    int rc = trail_open(&db, t->url, NULL);
    assert_int_equal(rc, TRAIL_EDB);
    IT_MSG(db, "older layout", "lane_id");
    IT_MSG(db, "left unchanged", "create a new database");
    /* Nothing it is asked to do changes it: migrate, a write, a read. */
    IT_EXPECT(db, TRAIL_EDB, shop_migrate(db));
    IT_MSG(db, "older layout", "left unchanged");
    shop_customer_create_params p = SHOP_CUSTOMER_CREATE_INIT;
    p.email = "new@x.org";
    p.name = "New";
    IT_EXPECT(db, TRAIL_EDB, shop_customer_create(db, NULL, &p, NULL));
    IT_MSG(db, "older layout", "left unchanged");
    int64_t seen_events = 0;
    IT_EXPECT(db, TRAIL_EDB, trail_history(db, NULL, NULL, count_event, &seen_events));
    assert_int_equal(seen_events, 0);
    trail_close(db);
    assert_int_equal(raw_count(t->url, "%s", seen), last_seen);
    assert_int_equal(it_rows(t, "trail_change_events"), events);
    assert_int_equal(it_rows(t, "customers"), 1);
    assert_int_equal(raw_count(t->url, "SELECT count(*) FROM trail_nodes"), 1);
    assert_true(it_rows(t, "trail_lanes") < 0); /* migrate did not make it */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_reopen_keeps_node, it_setup, it_teardown),
        cmocka_unit_test_setup_teardown(test_reopen_never_reuses_hlc, it_setup, it_teardown),
        cmocka_unit_test_setup_teardown(test_node_id_option, it_setup_empty, it_teardown),
        cmocka_unit_test_setup_teardown(test_node_id_option_not_kept, it_setup_empty, it_teardown),
        cmocka_unit_test_setup_teardown(test_old_layout_refused, it_setup, it_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
