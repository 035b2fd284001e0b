/*
 * test_cli_engines.c - the `trail` tool on every engine: the database the
 * integration tests use (it_common.h: an SQLite file, or the throwaway
 * PostgreSQL or MariaDB server ctest started), named by its URL, by libpq's
 * key=value form, and with a wrong password or an unreachable port. No
 * output, message or trail_errmsg() may hold a password; a deleted schema
 * description, and a deleted lane row, are findings on every engine, and
 * so is the newest event of a lane removed, given a digest taken before.
 */
#define _GNU_SOURCE
#include "cli_run.h"
#include "driver/driver.h" /* the connection's driver: its name and dialect */
#include "it_common.h"
#include "trail/conflict.h"
#include "trail/sync.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Fails when @text holds @secret (and @secret is one). */
static void expect_not_in(const char *text, const char *secret)
{
    if (secret && *secret && strstr(text, secret))
        fail_msg("the output holds the password '%s':\n%s", secret, text);
}

/* A run's output holds no form of @url's password. */
static void expect_no_secret(const run *r, const char *url)
{
    it_expect_no_password(r->out, url);
    it_expect_no_password(r->err, url);
}

static void test_log_and_verify(void **state)
{
    it_db *t = *state;
    shop_customer c = { 0 };
    it_customer(t->db, "ann@example.com", &c);

    run r = trail("log", t->url, NULL);
    assert_int_equal(r.status, 0);
    expect_in(r.out, c.id);
    expect_in(r.out, "insert  customers");
    expect_no_secret(&r, t->url);
    run_free(&r);
    r = trail("verify", t->url, NULL);
    assert_int_equal(r.status, 0);
    expect_in(r.out, "intact");
    expect_no_secret(&r, t->url);
    run_free(&r);
    shop_customer_clear(&c);
}

/*
 * libpq's key=value form reaches the driver that takes it (its dialect's
 * url_keywords: PostgreSQL's), and the database behind it.
 */
static void test_keyword_form(void **state)
{
    it_db *t = *state;
    const trail_driver *drv = t->db->drv;
    if (!drv->dialect->url_keywords)
        skip();
    /* The fixture's URL is scheme://USER@HOST:PORT/NAME (pg.sh's: no password). */
    char user[64], host[64], name[64];
    unsigned port;
    assert_int_equal(
        sscanf(strstr(t->url, "://") + 3, "%63[^@]@%63[^:]:%u/%63s", user, host, &port, name), 4);
    char kv[400];
    snprintf(kv, sizeof kv, "host=%s port=%u user=%s dbname=%s", host, port, user, name);
    shop_customer c = { 0 };
    it_customer(t->db, "kv@example.com", &c);

    run r = trail("log", kv, NULL);
    assert_int_equal(r.status, 0);
    expect_in(r.out, c.id);
    run_free(&r);
    r = trail("verify", kv, NULL);
    assert_int_equal(r.status, 0);
    expect_in(r.out, "intact");
    run_free(&r);
    r = trail("nodes", kv, NULL);
    assert_int_equal(r.status, 0);
    run_free(&r);

    /* The same form with a password, to a port where nothing listens. */
    snprintf(kv, sizeof kv, "host=%s port=1 user=%s password=wr0ngPa55 dbname=%s", host, user,
             name);
    r = trail("log", kv, NULL);
    assert_int_equal(r.status, 2);
    char says[64];
    snprintf(says, sizeof says, "%s: cannot connect", drv->name);
    expect_in(r.err, says);
    expect_not_in(r.err, "wr0ngPa55");
    run_free(&r);
    shop_customer_clear(&c);
}

/*
 * An unreachable server, and a wrong password where the fixture's server
 * asks for one (the engine's wrong_password in raw.c: MariaDB's).
 */
static void test_wrong_password(void **state)
{
    it_db *t = *state;
    const raw_engine *e = it_engine(t);
    if (!e->server)
        skip();
    char url[PATH_MAX + 64];
    /* Nothing listens on port 1: libpq and Connector/C say so, and quote their input. */
    it_url_password(t->url, "wr0ngPa55", 1, url, sizeof url);
    run r = trail("log", url, NULL);
    assert_int_equal(r.status, 2);
    expect_in(r.err, "cannot connect");
    expect_not_in(r.err, "wr0ngPa55");
    run_free(&r);
    trail_conn *db = NULL;
    assert_int_equal(trail_open(&db, url, NULL), TRAIL_EDB);
    expect_not_in(trail_errmsg(db), "wr0ngPa55");
    trail_close(db);

    if (!e->wrong_password) {
        /* The PostgreSQL fixture trusts every local connection: no password to get wrong. */
        char raw[IT_SECRET_MAX], plain[IT_SECRET_MAX];
        it_url_secret(t->url, raw, plain);
        if (raw[0])
            fail_msg("%s: the fixture's URL has a password: give the %s engine in "
                     "tests/integration/raw.c what its server answers a wrong one "
                     "(wrong_password)",
                     t->url, e->driver);
        return;
    }
    it_url_password(t->url, "wr0ngPa55", 0, url, sizeof url);
    r = trail("verify", url, NULL);
    assert_int_equal(r.status, 2);
    expect_in(r.err, e->wrong_password);
    expect_not_in(r.err, "wr0ngPa55");
    run_free(&r);
    assert_int_equal(trail_open(&db, url, NULL), TRAIL_EDB);
    expect_in(trail_errmsg(db), e->wrong_password);
    expect_not_in(trail_errmsg(db), "wr0ngPa55");
    trail_close(db);
}

/* Deleting the schema description does not switch the live-row check off, anywhere. */
static void test_model_deleted(void **state)
{
    it_db *t = *state;
    shop_customer c = { 0 };
    it_customer(t->db, "ann@example.com", &c);
    it_tamper(t, "DELETE FROM \"trail_meta\" WHERE \"key\" = 'schema.shop.model'");
    it_tamper(t, "UPDATE \"customers\" SET \"name\" = 'Mallory' WHERE \"id\" = '%s'", c.id);

    run r = trail("verify", t->url, NULL);
    assert_int_equal(r.status, 1);
    expect_in(r.out, "trail_meta has schema.shop.version but no schema.shop.model");
    expect_in(r.out, "customers  -       -      no schema description in trail_meta names this "
                     "table");
    expect_in(r.out, "BROKEN");
    expect_no_secret(&r, t->url);
    char raw[IT_SECRET_MAX], plain[IT_SECRET_MAX];
    it_url_secret(t->url, raw, plain);
    if (raw[0])
        expect_in(r.out, ":***@"); /* the URL, as the BROKEN line names it */
    run_free(&r);

    trail_verify_report rep = { 0 };
    IT_OK(t->db, trail_verify(t->db, &rep));
    assert_true(rep.n_problems >= 2);
    trail_verify_report_free(&rep);
    shop_customer_clear(&c);
}

/*
 * A writer's lane row deleted: verify exits 1 naming the lane twice, as the
 * gap it leaves in the node's lanes and as the lane its events name.
 */
static void test_lane_deleted(void **state)
{
    it_db *t = *state;
    trail_conn *first = it_open(t, NULL);
    shop_customer c = { 0 };
    it_customer(first, "ann@example.com", &c);
    trail_close(first);
    it_events evs;
    it_history(t->db, "customers", c.id, &evs);
    assert_int_equal(evs.n, 1);
    char lane[TRAIL_ULID_LEN + 1];
    snprintf(lane, sizeof lane, "%s", evs.ev[0].lane_id);
    it_events_free(&evs);
    shop_customer_clear(&c);
    it_customer(t->db, "bob@example.com", &c); /* the node's second lane */
    it_tamper(t, "DELETE FROM \"trail_lanes\" WHERE \"lane_id\" = '%s'", lane);

    run r = trail("verify", t->url, NULL);
    assert_int_equal(r.status, 1);
    char says[128];
    snprintf(says, sizeof says, "its lane %s is not in trail_lanes", lane);
    expect_in(r.out, says);
    expect_in(r.out,
              "'s first lane but has node_seq 2: the node's lane rows before it were removed");
    expect_in(r.out, "BROKEN");
    run_free(&r);
    shop_customer_clear(&c);
}

/*
 * `trail digest` and `trail verify --digest` on every engine: a customer's
 * insert, the newest event of the connection's open lane, is removed with
 * the customer's row, so that the chains and the records hold together and
 * verify alone says intact; with the digest kept before, it names the lane
 * and seq 1.
 */
static void test_digest(void **state)
{
    it_db *t = *state;
    shop_customer c = { 0 };
    it_customer(t->db, "ann@example.com", &c);
    it_events evs;
    it_history(t->db, "customers", c.id, &evs);
    assert_int_equal(evs.n, 1);
    assert_int_equal(evs.ev[0].seq, 1);

    run r = trail("digest", t->url, NULL);
    assert_int_equal(r.status, 0);
    expect_in(r.out, evs.ev[0].hash);
    expect_no_secret(&r, t->url);
    char path[] = "/tmp/trail-digest.XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    assert_non_null(f);
    fputs(r.out, f);
    fclose(f);
    run_free(&r);
    r = trail("verify", t->url, "--digest", path, NULL);
    assert_int_equal(r.status, 0);
    expect_in(r.out, "everything the digest covers is there");
    run_free(&r);

    it_tamper(t, "DELETE FROM \"trail_change_events\" WHERE \"event_id\" = '%s'",
              evs.ev[0].event_id);
    it_tamper(t, "DELETE FROM \"customers\" WHERE \"id\" = '%s'", c.id);
    r = trail("verify", t->url, NULL);
    assert_int_equal(r.status, 0);
    expect_in(r.out, "intact");
    run_free(&r);
    r = trail("verify", t->url, "--digest", path, NULL);
    assert_int_equal(r.status, 1);
    char want[200];
    snprintf(want, sizeof want,
             "lane %s: the digest covers it up to seq 1, but it has no events: they were removed",
             evs.ev[0].lane_id);
    expect_in(r.out, want);
    expect_no_secret(&r, t->url);
    run_free(&r);
    remove(path);
    it_events_free(&evs);
    shop_customer_clear(&c);
}

/* ---- export, import, sync (issue 17) ------------------------------------------ */

/*
 * A second node beside the fixture's database, migrated: a new SQLite
 * file, or the database of the server TRAIL_CLI_PEER names ("pg",
 * "mysql": it_node_db(), its URL from TRAIL_SYNC_PG_URL_FILE or
 * TRAIL_SYNC_MYSQL_URL_FILE), so that the tool works between two servers
 * too; and a directory of its own for the files the tests write.
 */
typedef struct node_a {
    it_db t;
    char dir[PATH_MAX];
    char file[PATH_MAX + 32]; /* an export file */
} node_a;

static void node_a_open(node_a *a)
{
    memset(a, 0, sizeof *a);
    const char *peer = getenv("TRAIL_CLI_PEER");
    assert_int_equal(it_node_db(&a->t, peer && *peer ? peer : "sqlite"), 0);
    snprintf(a->dir, sizeof a->dir, "/tmp/trail-cli-a.XXXXXX");
    assert_non_null(mkdtemp(a->dir));
    snprintf(a->file, sizeof a->file, "%s/a.jsonl", a->dir);
    a->t.db = it_open(&a->t, NULL);
    it_migrate(a->t.db);
}

static void node_a_close(node_a *a)
{
    it_node_close(&a->t);
    if (!a->dir[0]) /* a node made by hand: its files are in its own directory */
        return;
    char cmd[PATH_MAX + 16];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", a->dir);
    assert_int_equal(system(cmd), 0);
}

/* Every event of @x is on @y with the same hash, and @y has no other. */
static void same_events(trail_conn *x, trail_conn *y)
{
    it_events ex, ey;
    it_history(x, NULL, NULL, &ex);
    it_history(y, NULL, NULL, &ey);
    assert_int_equal(ex.n, ey.n);
    for (size_t i = 0; i < ex.n; i++) {
        size_t j = 0;
        while (j < ey.n && strcmp(ey.ev[j].event_id, ex.ev[i].event_id) != 0)
            j++;
        if (j == ey.n)
            fail_msg("event %s is not on the other node", ex.ev[i].event_id);
        assert_string_equal(ex.ev[i].hash, ey.ev[j].hash);
        assert_int_equal(ex.ev[i].hlc, ey.ev[j].hlc);
    }
    it_events_free(&ex);
    it_events_free(&ey);
}

static void verify_intact(const char *url)
{
    run r = trail("verify", url, NULL);
    if (r.status != 0)
        fail_msg("trail verify %s: %s%s", url, r.out, r.err);
    expect_in(r.out, "intact");
    run_free(&r);
}

/* Inserts, an update and a delete, of two entities, on @db. */
static void some_changes(trail_conn *db, const char *prefix, shop_customer *ann)
{
    char email[64];
    snprintf(email, sizeof email, "%s-ann@example.com", prefix);
    it_customer(db, email, ann);
    shop_customer bob = { 0 };
    snprintf(email, sizeof email, "%s-bob@example.com", prefix);
    it_customer(db, email, &bob);
    shop_order_create_params o = SHOP_ORDER_CREATE_INIT;
    o.customer = ann->id;
    o.total = 100;
    shop_order order = { 0 };
    IT_OK(db, shop_order_create(db, NULL, &o, &order));
    shop_customer_update_params u = {
        .id = ann->id, .version = 1, .set = SHOP_CUSTOMER_CREDIT, .credit = 500
    };
    IT_OK(db, shop_customer_update(db, NULL, &u, ann));
    IT_OK(db, shop_order_delete(db, NULL, order.id, 1));
    shop_order_clear(&order);
    shop_customer_clear(&bob);
}

static size_t lines_with(const char *path, const char *what)
{
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    char *line = NULL;
    size_t cap = 0, n = 0;
    while (getline(&line, &cap, f) > 0)
        n += strstr(line, what) != NULL;
    free(line);
    fclose(f);
    return n;
}

/*
 * Export from a SQLite file, import into the fixture's database: the rows
 * and events are the same on both, and a second import of the file
 * changes nothing.
 */
static void test_export_import(void **state)
{
    it_db *t = *state;
    node_a a;
    node_a_open(&a);
    shop_customer ann = { 0 };
    some_changes(a.t.db, "a", &ann);

    run r = trail("export", a.t.url, "-o", a.file, NULL);
    assert_int_equal(r.status, 0);
    expect_in(r.out, "export: 5 events written");
    run_free(&r);
    assert_int_equal(lines_with(a.file, "{\"event\":"), 5);
    r = trail("import", t->url, a.file, NULL);
    if (r.status != 0)
        fail_msg("%s%s", r.out, r.err);
    expect_in(r.out, "import: 5 applied, 0 skipped (already here), 0 held, 0 refused, of 5 events");
    assert_string_equal(r.err, "");
    run_free(&r);
    same_events(a.t.db, t->db);
    assert_int_equal(it_rows(t, "customers"), 2);
    assert_int_equal(it_rows(t, "orders"), 0);
    char *va = it_latest_values(a.t.db, "customers", ann.id);
    char *vb = it_latest_values(t->db, "customers", ann.id);
    assert_string_equal(va, vb);
    free(va);
    free(vb);

    r = trail("import", t->url, a.file, NULL);
    assert_int_equal(r.status, 0);
    expect_in(r.out, "import: 0 applied, 5 skipped (already here), 0 held, 0 refused");
    run_free(&r);
    same_events(a.t.db, t->db);
    verify_intact(t->url);
    verify_intact(a.t.url);
    shop_customer_clear(&ann);
    node_a_close(&a);
}

/*
 * One value edited inside an event's new_values in the file: that event is
 * refused and named with its line, exit 1, and nothing of its lane after
 * it is applied.
 */
static void test_edited_line_refused(void **state)
{
    it_db *t = *state;
    node_a a;
    node_a_open(&a);
    shop_customer c = { 0 };
    it_customer(a.t.db, "one@example.com", &c);
    shop_customer_clear(&c);
    it_customer(a.t.db, "two@example.com", &c);
    shop_customer_clear(&c);
    it_customer(a.t.db, "three@example.com", &c);
    shop_customer_clear(&c);
    run r = trail("export", a.t.url, "-o", a.file, NULL);
    assert_int_equal(r.status, 0);
    run_free(&r);

    /* Line 1 the header, 2 the lane row, 3 to 5 the events: two@ is on line 4. */
    char cmd[2 * PATH_MAX];
    snprintf(cmd, sizeof cmd, "sed -i '4s/two@example.com/t0w@example.com/' '%s'", a.file);
    assert_int_equal(system(cmd), 0);
    assert_int_equal(lines_with(a.file, "t0w@example.com"), 1);
    r = trail("import", t->url, a.file, NULL);
    assert_int_equal(r.status, 1);
    expect_in(r.out, "1 applied");
    expect_in(r.out, "1 refused");
    expect_in(r.err, "seq 2");
    expect_in(r.err, "(line 4)");
    expect_in(r.err, "hash");
    run_free(&r);
    it_events evs;
    it_history(t->db, "customers", NULL, &evs);
    assert_int_equal(evs.n, 1); /* one@ only: three@ waits behind the refused one */
    it_events_free(&evs);
    assert_int_equal(it_rows(t, "customers"), 1);
    verify_intact(t->url);
    node_a_close(&a);
}

/* --since with the peer's digest: the file holds only what the peer lacks. */
static void test_export_since_digest(void **state)
{
    it_db *t = *state;
    node_a a;
    node_a_open(&a);
    shop_customer c = { 0 };
    it_customer(a.t.db, "first@example.com", &c);
    shop_customer_clear(&c);
    run r = trail("export", a.t.url, "-o", a.file, NULL);
    assert_int_equal(r.status, 0);
    run_free(&r);
    r = trail("import", t->url, a.file, NULL);
    assert_int_equal(r.status, 0);
    run_free(&r);
    it_customer(a.t.db, "second@example.com", &c);

    r = trail("digest", t->url, NULL);
    assert_int_equal(r.status, 0);
    char digest[PATH_MAX + 32];
    snprintf(digest, sizeof digest, "%s/peer.digest", a.dir);
    FILE *f = fopen(digest, "w");
    assert_non_null(f);
    fputs(r.out, f);
    fclose(f);
    run_free(&r);
    r = trail("export", a.t.url, "--since", digest, "-o", a.file, NULL);
    assert_int_equal(r.status, 0);
    expect_in(r.out, "export: 1 events written");
    run_free(&r);
    assert_int_equal(lines_with(a.file, "{\"event\":"), 1);
    assert_int_equal(lines_with(a.file, "second@example.com"), 1);
    assert_int_equal(lines_with(a.file, "first@example.com"), 0);
    r = trail("import", t->url, a.file, NULL);
    assert_int_equal(r.status, 0);
    expect_in(r.out, "import: 1 applied, 0 skipped");
    run_free(&r);
    same_events(a.t.db, t->db);
    verify_intact(t->url);
    shop_customer_clear(&c);
    node_a_close(&a);
}

/*
 * trail sync both ways between a SQLite file and the fixture's database:
 * the same events and rows on both, verify intact on both, a second sync
 * applies nothing, and trail nodes lists the peer with no lag.
 */
static void test_sync_both_ways(void **state)
{
    it_db *t = *state;
    node_a a;
    node_a_open(&a);
    shop_customer ann = { 0 }, carl = { 0 };
    some_changes(a.t.db, "a", &ann);
    it_customer(t->db, "b-carl@example.com", &carl);

    run r = trail("sync", a.t.url, t->url, "--batch", "2", NULL);
    if (r.status != 0)
        fail_msg("%s%s", r.out, r.err);
    expect_in(r.out, "sync: 5 applied, 0 skipped (already here), 0 held, 0 refused");
    assert_null(strstr(r.out, "\033[K")); /* no progress line when not on a terminal */
    run_free(&r);
    r = trail_tty("sync", t->url, a.t.url, "--batch", "1", NULL);
    assert_int_equal(r.status, 0);
    expect_in(r.out, "sync: 1 applied, 0 skipped");
    run_free(&r);
    same_events(a.t.db, t->db);
    assert_int_equal(it_rows(t, "customers"), 3);
    assert_int_equal(it_rows(&a.t, "customers"), 3);
    assert_int_equal(it_rows(&a.t, "orders"), 0);
    verify_intact(t->url);
    verify_intact(a.t.url);

    r = trail("sync", a.t.url, t->url, NULL);
    assert_int_equal(r.status, 0);
    expect_in(r.out, "sync: 0 applied");
    run_free(&r);
    char *a_node = it_local_node(a.t.db);
    r = trail("nodes", t->url, NULL);
    assert_int_equal(r.status, 0);
    expect_in(r.out, "peer ");
    char *row = strstr(r.out, "\npeer ");
    assert_non_null(row);
    expect_in(row, a_node);
    run_free(&r);
    free(a_node);

    /* A progress line on a terminal: events, events/s and what is left, redrawn in place. */
    for (int i = 0; i < 3; i++)
        it_customer(a.t.db, i == 0 ? "p0@x.org" : i == 1 ? "p1@x.org" : "p2@x.org", &carl);
    r = trail_tty("sync", a.t.url, t->url, "--batch", "1", NULL);
    assert_int_equal(r.status, 0);
    expect_in(r.out, "\r\033[Ksync: 1 events, ");
    expect_in(r.out, " left");
    expect_in(r.out, "sync: 3 applied");
    run_free(&r);
    shop_customer_clear(&ann);
    shop_customer_clear(&carl);
    node_a_close(&a);
}

/*
 * trail sync between the fixture's database and a SQLite file that writes
 * as its node (a copy) fails, saying so; trail node reset on the copy ends
 * it: both ways sync, both verify intact.
 */
static void test_node_reset(void **state)
{
    it_db *t = *state;
    node_a d;
    memset(&d, 0, sizeof d);
    snprintf(d.t.dir, sizeof d.t.dir, "/tmp/trail-cli-a.XXXXXX");
    assert_non_null(mkdtemp(d.t.dir));
    snprintf(d.t.url, sizeof d.t.url, "sqlite:%s/a.db", d.t.dir);
    char *node = it_local_node(t->db);
    trail_open_opts same = TRAIL_OPEN_OPTS_INIT;
    same.node_id = node;
    d.t.db = it_open(&d.t, &same);
    it_migrate(d.t.db);
    shop_customer x = { 0 };
    it_customer(t->db, "here@example.com", &x);
    it_customer(d.t.db, "copy@example.com", &x);

    run r = trail("sync", d.t.url, t->url, NULL);
    assert_int_equal(r.status, 1);
    expect_in(r.err, "are one node");
    expect_in(r.err, "trail node reset DB --from 1");
    run_free(&r);
    r = trail("node", d.t.url, NULL);
    assert_int_equal(r.status, 2);
    run_free(&r);
    r = trail("node", "reset", d.t.url, "--from", "0", NULL);
    assert_int_equal(r.status, 2);
    run_free(&r);
    r = trail("node", "reset", d.t.url, "--from", "1", NULL);
    if (r.status != 0)
        fail_msg("%s%s", r.out, r.err);
    expect_in(r.out, "node reset: ");
    expect_in(r.out, "1 lanes (1 events) from node_seq 1 moved");
    run_free(&r);
    trail_close(d.t.db);
    d.t.db = it_open(&d.t, NULL);
    r = trail("sync", d.t.url, t->url, NULL);
    if (r.status != 0)
        fail_msg("%s%s", r.out, r.err);
    run_free(&r);
    r = trail("sync", t->url, d.t.url, NULL);
    assert_int_equal(r.status, 0);
    run_free(&r);
    same_events(d.t.db, t->db);
    verify_intact(t->url);
    verify_intact(d.t.url);
    shop_customer_clear(&x);
    free(node);
    node_a_close(&d);
}

/* The conflicts listed: how many, and the last one's id. */
typedef struct listed {
    int n;
    char id[64];
} listed;

static int keep_conflict_id(void *userdata, const trail_conflict *c)
{
    listed *l = userdata;
    l->n++;
    snprintf(l->id, sizeof l->id, "%s", c->conflict_id);
    return 0;
}

/*
 * trail conflicts and trail conflict resolve on the fixture's database: a
 * memo (conflict: manual) edited there and on node A apart, then synced
 * from A: the open conflict listed (by table too), a wrong choice and
 * wrong values refused, changing nothing, a decision taken, the conflict
 * closed (listed with --all), a second decision refused, verify intact.
 */
static void test_conflicts(void **state)
{
    it_db *t = *state;
    node_a a;
    node_a_open(&a);
    everything_memo_create_params p = EVERYTHING_MEMO_CREATE_INIT;
    p.title = "first";
    everything_memo m = { 0 };
    IT_OK(a.t.db, everything_memo_create(a.t.db, NULL, &p, &m));
    run r = trail("sync", a.t.url, t->url, NULL);
    assert_int_equal(r.status, 0);
    run_free(&r);
    everything_memo_update_params u = { .id = m.id, .version = 1, .set = EVERYTHING_MEMO_TITLE };
    u.title = "from A";
    IT_OK(a.t.db, everything_memo_update(a.t.db, NULL, &u, NULL));
    u.title = "from B";
    IT_OK(t->db, everything_memo_update(t->db, NULL, &u, NULL));
    r = trail("sync", a.t.url, t->url, NULL);
    assert_int_equal(r.status, 0);
    run_free(&r);
    listed l = { 0 };
    IT_OK(t->db, trail_conflicts_list(t->db, NULL, keep_conflict_id, &l));
    assert_int_equal(l.n, 1);
    const char *id = l.id;

    r = trail("conflicts", t->url, NULL);
    if (r.status != 0)
        fail_msg("%s%s", r.out, r.err);
    expect_in(r.out, "conflict ");
    expect_in(r.out, id);
    expect_in(r.out, "memos");
    expect_in(r.out, m.id);
    expect_in(r.out, "[\"title\"]");
    expect_in(r.out, "from A");
    assert_null(strstr(r.out, "resolution"));
    run_free(&r);
    r = trail("conflicts", t->url, "--table", "customers", NULL);
    assert_int_equal(r.status, 0);
    expect_in(r.out, "no open conflicts");
    run_free(&r);

    r = trail("conflict", "resolve", t->url, id, "maybe", NULL);
    assert_int_equal(r.status, 2);
    expect_in(r.err, "maybe is no choice");
    run_free(&r);
    r = trail("conflict", "resolve", t->url, id, NULL);
    assert_int_equal(r.status, 2);
    run_free(&r);
    r = trail("conflict", "resolve", t->url, id, "--values", "{\"title\": 5}", NULL);
    assert_int_equal(r.status, 1);
    expect_in(r.err, "memo.title");
    run_free(&r);
    r = trail("conflict", "resolve", t->url, "0000000000000000000000000Z", "keep", NULL);
    assert_int_equal(r.status, 1);
    expect_in(r.err, "no such conflict");
    run_free(&r);
    r = trail("conflicts", t->url, NULL);
    expect_in(r.out, id); /* still open */
    run_free(&r);

    r = trail("conflict", "resolve", t->url, id, "other", "--user", "carol", NULL);
    if (r.status != 0)
        fail_msg("%s%s", r.out, r.err);
    expect_in(r.out, "decided (other)");
    run_free(&r);
    everything_memo got = { 0 };
    IT_OK(t->db, everything_memo_get(t->db, m.id, &got));
    assert_string_equal(got.title, "from A");
    r = trail("conflicts", t->url, NULL);
    assert_int_equal(r.status, 0);
    expect_in(r.out, "no open conflicts");
    run_free(&r);
    r = trail("conflicts", t->url, "--all", "--record", m.id, NULL);
    assert_int_equal(r.status, 0);
    expect_in(r.out, "resolution");
    expect_in(r.out, id);
    expect_in(r.out, "other");
    run_free(&r);
    r = trail("conflict", "resolve", t->url, id, "keep", NULL);
    assert_int_equal(r.status, 1);
    expect_in(r.err, "closed already (other)");
    run_free(&r);
    r = trail("log", t->url, "--table", "memos", NULL);
    expect_in(r.out, "resolve");
    expect_in(r.out, "carol");
    run_free(&r);
    verify_intact(t->url);
    everything_memo_clear(&m);
    everything_memo_clear(&got);
    node_a_close(&a);
}

static int seen_at_progress(void *userdata, const trail_sync_stats *st)
{
    int64_t *seen = userdata;
    for (size_t i = 0; i < 8; i++)
        if (seen[i] == 0) {
            seen[i] = st->seen;
            break;
        }
    return 0;
}

/*
 * trail_import with batches of one event: a transaction of three events
 * applies in one batch, never cut (the progress callback sees 3, then 4).
 * Fails when the reader ends a batch at batch_size regardless.
 */
static void test_import_keeps_transactions_whole(void **state)
{
    it_db *t = *state;
    node_a a;
    node_a_open(&a);
    shop_customer c = { 0 };
    IT_OK(a.t.db, trail_begin(a.t.db));
    it_customer(a.t.db, "tx1@example.com", &c);
    shop_customer_clear(&c);
    it_customer(a.t.db, "tx2@example.com", &c);
    shop_customer_clear(&c);
    it_customer(a.t.db, "tx3@example.com", &c);
    shop_customer_clear(&c);
    IT_OK(a.t.db, trail_commit(a.t.db));
    it_customer(a.t.db, "alone1@example.com", &c);
    shop_customer_clear(&c);
    it_customer(a.t.db, "alone2@example.com", &c);
    shop_customer_clear(&c);

    FILE *f = fopen(a.file, "w+");
    assert_non_null(f);
    trail_sync_stats st;
    IT_OK(a.t.db, trail_export(a.t.db, f, NULL, &st));
    assert_int_equal(st.seen, 5);
    rewind(f);
    int64_t seen[8] = { 0 };
    trail_sync_opts o = TRAIL_SYNC_OPTS_INIT;
    o.batch_size = 1;
    o.progress = seen_at_progress;
    o.userdata = seen;
    IT_OK(t->db, trail_import(t->db, f, &o, &st));
    fclose(f);
    assert_int_equal(st.applied, 5);
    assert_int_equal(seen[0], 3);
    assert_int_equal(seen[1], 4);
    same_events(a.t.db, t->db);
    node_a_close(&a);
}

int main(void)
{
    const struct CMUnitTest one_node[] = {
        cmocka_unit_test_setup_teardown(test_log_and_verify, it_setup, it_teardown),
        cmocka_unit_test_setup_teardown(test_keyword_form, it_setup, it_teardown),
        cmocka_unit_test_setup_teardown(test_wrong_password, it_setup, it_teardown),
        cmocka_unit_test_setup_teardown(test_model_deleted, it_setup, it_teardown),
        cmocka_unit_test_setup_teardown(test_lane_deleted, it_setup, it_teardown),
        cmocka_unit_test_setup_teardown(test_digest, it_setup, it_teardown),
        /* A copy of the fixture's node, as a SQLite file: no node A. */
        cmocka_unit_test_setup_teardown(test_node_reset, it_setup, it_teardown),
    };
    const struct CMUnitTest two_nodes[] = {
        cmocka_unit_test_setup_teardown(test_export_import, it_setup, it_teardown),
        cmocka_unit_test_setup_teardown(test_edited_line_refused, it_setup, it_teardown),
        cmocka_unit_test_setup_teardown(test_export_since_digest, it_setup, it_teardown),
        cmocka_unit_test_setup_teardown(test_sync_both_ways, it_setup, it_teardown),
        cmocka_unit_test_setup_teardown(test_import_keeps_transactions_whole, it_setup,
                                        it_teardown),
        cmocka_unit_test_setup_teardown(test_conflicts, it_setup, it_teardown),
    };
    /* With a server for node A, only what takes two nodes: the rest ran on the fixture's alone. */
    const char *peer = getenv("TRAIL_CLI_PEER");
    int failed = peer && *peer ? 0 : cmocka_run_group_tests(one_node, NULL, NULL);
    return failed + cmocka_run_group_tests(two_nodes, NULL, NULL);
}
