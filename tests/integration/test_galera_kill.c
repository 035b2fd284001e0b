/*
 * test_galera_kill.c - a node of the Galera cluster SIGKILLed under load
 * (issue 19, item 2), or cut off from the others; and the lanes of the
 * connections that move (item 5).
 *
 * Writers, each with a connection of its own through a URL that lists the
 * three nodes starting with a different one, update records of their own
 * (no conflicts: what is tested is the failover, not certification). Once
 * each has written a while, node KILLED is SIGKILLed, as a crash would end
 * it. Its writers' calls fail with TRAIL_EDB within the read/write timeout;
 * each then reads its record (the next call connects again, to the next node
 * of its URL) to learn whether the write in flight committed, and goes on.
 * Afterwards, on both survivors (read with a causality wait): every record
 * is at the version its writer last saw, with its credit, and has exactly
 * one event per version, so every acknowledged write is there and nothing
 * is there without its event. Then the node rejoins; the same holds on it,
 * and trail_verify() is clean on all three.
 *
 * A connection opened after the kill, with the killed node first in its
 * URL, opens on the next node. One more connection to the killed node
 * stays idle through the kill: its
 * next read finds the connection lost, the one after connects to a
 * survivor, and its next write seals its first lane at the head it knew and
 * begins another.
 *
 * The cluster is the fixture galera_cluster_start's (TRAIL_TEST_CLUSTER_DIR),
 * killed and started again with tests/servers/galera.sh (IT_GALERA_SH).
 */
#define _POSIX_C_SOURCE 200809L
#include "it_common.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define NODES       3
#define KILLED      2  /* the node SIGKILLed */
#define WRITERS     6  /* writers i start on node i % NODES + 1 */
#define WRITES      25 /* by each writer before the kill, and again after it */
/*
 * Longer than Galera's evs.suspect_timeout (5 s): until the cluster has
 * declared the killed node gone, commits on the survivors wait.
 */
#define IO_MS       15000
#define MARGIN_MS   3000  /* a loaded machine's scheduling */
#define DEADLINE_MS 90000 /* for the writers after the kill */

static atomic_llong killed_at; /* it_mono_ms() of the kill; 0 before */
static atomic_bool stop;

typedef struct writer {
    int index;
    char url[1024]; /* the three nodes, this writer's first */
    char id[TRAIL_ULID_LEN + 1];
    trail_conn *db;
    int64_t version;    /* the record's version as this writer last learned it */
    int before, after;  /* writes acknowledged before and after the kill */
    int lost;           /* calls that failed with TRAIL_EDB */
    int unknown_landed; /* writes that failed with TRAIL_EDB but had committed */
    int64_t lost_after; /* ms from the kill to the first TRAIL_EDB; -1: none */
    int busy;           /* TRAIL_EBUSY, retried */
    int rc;             /* what stopped the writer, TRAIL_OK when asked to */
    char msg[512];
    atomic_int progress;       /* before, for the main thread */
    atomic_int progress_after; /* after */
} writer;

/* The file @name of the cluster's directory, its first line into @out. */
static void cluster_file(const char *name, char *out, size_t size)
{
    const char *dir = getenv("TRAIL_TEST_CLUSTER_DIR");
    assert_non_null(dir);
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "r");
    if (!f)
        fail_msg("cannot read %s", path);
    assert_non_null(fgets(out, (int)size, f));
    fclose(f);
    out[strcspn(out, "\n")] = '\0';
}

/* The cluster's URL with its hosts rotated so that node @first (1-based) comes first. */
static void url_from_node(int first, char *out, size_t size)
{
    char url[1024], hosts[NODES][64];
    cluster_file("url", url, sizeof url);
    char *at = strrchr(url, '@'), *slash = at ? strchr(at, '/') : NULL;
    assert_non_null(slash);
    int n = 0;
    for (char *h = at + 1; h < slash && n < NODES; n++) {
        size_t len = strcspn(h, ",/");
        snprintf(hosts[n], sizeof hosts[n], "%.*s", (int)len, h);
        h += len + 1;
    }
    assert_int_equal(n, NODES);
    int len = snprintf(out, size, "%.*s", (int)(at + 1 - url), url);
    for (int i = 0; i < NODES; i++)
        len += snprintf(out + len, size - (size_t)len, "%s%s", i ? "," : "",
                        hosts[(first - 1 + i) % NODES]);
    snprintf(out + len, size - (size_t)len, "%s", slash);
}

static trail_conn *open_url(const char *url)
{
    trail_open_opts o = TRAIL_OPEN_OPTS_INIT;
    o.io_timeout_ms = IO_MS;
    o.connect_timeout_ms = 2000;
    trail_conn *db = NULL;
    int rc = trail_open(&db, url, &o);
    if (rc < 0)
        fail_msg("trail_open: %s", trail_errmsg(db));
    return db;
}

/* After a TRAIL_EDB: the record's version, read through the next call, which connects again. */
static int relearn(writer *w)
{
    shop_customer got = { 0 };
    int64_t deadline = it_mono_ms() + DEADLINE_MS;
    int rc;
    while ((rc = shop_customer_get(w->db, w->id, &got)) == TRAIL_EDB && it_mono_ms() < deadline)
        it_sleep_ms(100); /* no node answered yet: the cluster is changing */
    if (rc == TRAIL_OK) {
        if (got.version == w->version + 1)
            w->unknown_landed++;
        else if (got.version != w->version)
            rc = TRAIL_EDB; /* someone else wrote it: the test is wrong */
        w->version = got.version;
    }
    shop_customer_clear(&got);
    return rc;
}

/* A writer's thread: updates its record, each write based on the version it knows, until stopped.
 */
static void *write_on(void *arg)
{
    writer *w = arg;
    w->lost_after = -1;
    int rc = TRAIL_OK;
    while (!atomic_load(&stop)) {
        shop_customer_update_params u = { .id = w->id,
                                          .version = w->version,
                                          .set = SHOP_CUSTOMER_CREDIT,
                                          .credit = w->version + 1 };
        rc = shop_customer_update(w->db, NULL, &u, NULL);
        int64_t kill = atomic_load(&killed_at);
        if (rc == TRAIL_OK) {
            w->version++;
            *(kill ? &w->after : &w->before) += 1;
            atomic_store(kill ? &w->progress_after : &w->progress, kill ? w->after : w->before);
        } else if (rc == TRAIL_EBUSY) {
            w->busy++; /* the cluster was changing: a write that lost, run again */
        } else if (rc == TRAIL_EDB) {
            if (!w->lost++ && kill)
                w->lost_after = it_mono_ms() - kill;
            snprintf(w->msg, sizeof w->msg, "%s", trail_errmsg(w->db));
            if ((rc = relearn(w)) != TRAIL_OK)
                break;
        } else {
            break;
        }
    }
    w->rc = rc;
    if (rc != TRAIL_OK)
        snprintf(w->msg, sizeof w->msg, "%s", trail_errmsg(w->db));
    return NULL;
}

/* Runs galera.sh @command on the cluster's node @node. */
static int galera_run(const char *command, int node)
{
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "bash '%s' %s '%s' %d >&2", IT_GALERA_SH, command,
             getenv("TRAIL_TEST_CLUSTER_DIR"), node);
    int64_t t0 = it_mono_ms();
    int rc = system(cmd);
    print_message("  galera.sh %s %d: %lld ms\n", command, node, (long long)(it_mono_ms() - t0));
    return rc;
}

static void galera(const char *command, int node)
{
    assert_int_equal(galera_run(command, node), 0);
}

/*
 * A count on node @node, read after a causality wait: the node has applied
 * everything the cluster committed before the read.
 */
static int64_t count_on(int node, const char *fmt, const char *id)
{
    char file[8], url[1024], sql[512];
    snprintf(file, sizeof file, "url%d", node);
    cluster_file(file, url, sizeof url);
    snprintf(sql, sizeof sql, fmt, id);
    return raw_count(url, "SET STATEMENT wsrep_sync_wait = 1 FOR %s", sql);
}

/* Every writer's record on @node: its writer's version and credit, one event per version. */
static void expect_records_on(int node, const writer *ws)
{
    for (int i = 0; i < WRITERS; i++) {
        const writer *w = &ws[i];
        int64_t version = count_on(node, "SELECT version FROM customers WHERE id = '%s'", w->id);
        int64_t credit = count_on(node, "SELECT credit FROM customers WHERE id = '%s'", w->id);
        int64_t events = count_on(
            node, "SELECT COUNT(*) FROM trail_change_events WHERE record_id = '%s'", w->id);
        int64_t versions = count_on(
            node, "SELECT COUNT(DISTINCT version) FROM trail_change_events WHERE record_id = '%s'",
            w->id);
        if (version != w->version || credit != w->version || events != w->version ||
            versions != w->version)
            fail_msg("node %d, writer %d's record %s: version %lld, credit %lld, %lld events of "
                     "%lld versions; the writer last saw version %lld",
                     node, i, w->id, (long long)version, (long long)credit, (long long)events,
                     (long long)versions, (long long)w->version);
    }
}

static void test_kill_a_node(void **state)
{
    it_db *t = *state; /* node 1, emptied and migrated; its teardown verifies it */
    writer ws[WRITERS];
    pthread_t threads[WRITERS];
    memset(ws, 0, sizeof ws);
    atomic_store(&killed_at, 0);
    atomic_store(&stop, false);

    /* The idle connection, on the node to be killed, with a lane whose head it knows. */
    char idle_url[1024];
    url_from_node(KILLED, idle_url, sizeof idle_url);
    trail_conn *idle = open_url(idle_url);
    shop_customer idle_c = { 0 };
    it_customer(idle, "idle@x.org", &idle_c);

    for (int i = 0; i < WRITERS; i++) {
        writer *w = &ws[i];
        w->index = i;
        url_from_node(i % NODES + 1, w->url, sizeof w->url);
        w->db = open_url(w->url);
        char email[32];
        shop_customer c = { 0 };
        snprintf(email, sizeof email, "w%d@x.org", i);
        it_customer(w->db, email, &c);
        memcpy(w->id, c.id, sizeof w->id);
        w->version = c.version;
        shop_customer_clear(&c);
        atomic_init(&w->progress, 0);
        atomic_init(&w->progress_after, 0);
        assert_int_equal(pthread_create(&threads[i], NULL, write_on, w), 0);
    }
    int64_t deadline = it_mono_ms() + DEADLINE_MS;
    for (int i = 0; i < WRITERS; i++)
        while (atomic_load(&ws[i].progress) < WRITES && it_mono_ms() < deadline)
            it_sleep_ms(20);

    atomic_store(&killed_at, it_mono_ms());
    galera("kill", KILLED);
    deadline = it_mono_ms() + DEADLINE_MS;
    for (int i = 0; i < WRITERS; i++)
        while (atomic_load(&ws[i].progress_after) < WRITES && it_mono_ms() < deadline)
            it_sleep_ms(20);
    atomic_store(&stop, true);
    for (int i = 0; i < WRITERS; i++)
        assert_int_equal(pthread_join(threads[i], NULL), 0);

    bool ok = true;
    for (int i = 0; i < WRITERS; i++) {
        writer *w = &ws[i];
        print_message("  writer %d (node %d first): %d writes before the kill, %d after, %d lost "
                      "calls (the first %lld ms after the kill), %d unknown writes committed, "
                      "%d busy, %llu retries: %s\n",
                      i, i % NODES + 1, w->before, w->after, w->lost, (long long)w->lost_after,
                      w->unknown_landed, w->busy, (unsigned long long)trail_retries(w->db),
                      w->msg[0] ? w->msg : "-");
        ok = ok && w->rc == TRAIL_OK && w->after >= WRITES;
        /* Its connection died with the node: TRAIL_EDB, within the read/write timeout. */
        if (i % NODES + 1 == KILLED)
            ok = ok && w->lost > 0 && w->lost_after >= 0 && w->lost_after <= IO_MS + MARGIN_MS;
    }
    assert_true(ok);

    /* A connection opened now, the killed node first in its URL, opens on the next. */
    shop_customer got = { 0 };
    trail_conn *fresh = open_url(idle_url);
    IT_OK(fresh, shop_customer_get(fresh, idle_c.id, &got));
    trail_close(fresh);
    shop_customer_clear(&got);

    /* The idle connection: lost, then connected to a survivor; its lane sealed, a new one begun. */
    IT_EXPECT(idle, TRAIL_EDB, shop_customer_get(idle, idle_c.id, &got));
    IT_MSG(idle, "the connection to the server was lost", "the next call connects again");
    IT_OK(idle, shop_customer_get(idle, idle_c.id, &got));
    shop_customer_update_params u = {
        .id = idle_c.id, .version = 1, .set = SHOP_CUSTOMER_CREDIT, .credit = 1
    };
    IT_OK(idle, shop_customer_update(idle, NULL, &u, NULL));
    shop_customer_clear(&got);
    static const int survivors[] = { 1, 3 };
    for (size_t s = 0; s < sizeof survivors / sizeof *survivors; s++) {
        int node = survivors[s];
        expect_records_on(node, ws);
        assert_int_equal(count_on(node,
                                  "SELECT COUNT(*) FROM trail_lanes l JOIN trail_change_events e"
                                  " ON e.lane_id = l.lane_id AND e.seq = l.sealed_seq"
                                  " AND e.hash = l.sealed_hash"
                                  " WHERE e.record_id = '%s' AND e.version = 1",
                                  idle_c.id),
                         1);
        assert_int_equal(
            count_on(
                node,
                "SELECT COUNT(DISTINCT lane_id) FROM trail_change_events WHERE record_id = '%s'",
                idle_c.id),
            2);
    }
    trail_close(idle);
    for (int i = 0; i < WRITERS; i++)
        trail_close(ws[i].db);

    /* The node rejoins: it holds the same, and every node's history verifies. */
    galera("rejoin", KILLED);
    expect_records_on(KILLED, ws);
    for (int node = 1; node <= NODES; node++) {
        char file[8];
        it_db member = { 0 };
        snprintf(file, sizeof file, "url%d", node);
        it_member_open(&member, "TRAIL_TEST_CLUSTER_DIR", file);
        it_verify_clean(&member);
        it_node_close(&member);
    }
    shop_customer_clear(&idle_c);
    (void)t;
}

/*
 * A node cut off from the others (gmcast.isolate) keeps running outside
 * the primary component and answers 1047 to every use of a table. A
 * connection on it fails its next call saying the node is not ready, and
 * the call after connects to another host of its URL; a connection opened
 * then skips it; a URL of that node alone fails to open, saying why. Once
 * the node is let back in, it holds what the others wrote meanwhile.
 */
static void test_cut_off_node(void **state)
{
    (void)state; /* node 1, emptied and migrated; its teardown verifies it */
    enum { CUT = 3 };
    char url[1024], alone[1024];
    url_from_node(CUT, url, sizeof url);
    cluster_file("url3", alone, sizeof alone);
    trail_conn *on_it = open_url(url);
    shop_customer c = { 0 }, got = { 0 };
    it_customer(on_it, "cut@x.org", &c);

    galera("isolate", CUT);
    trail_conn *db = NULL;
    IT_EXPECT(db, TRAIL_EDB, trail_open(&db, alone, NULL));
    IT_MSG(db, "not ready");
    trail_close(db);
    db = open_url(url); /* on the next host */
    shop_customer_update_params u = {
        .id = c.id, .version = 1, .set = SHOP_CUSTOMER_CREDIT, .credit = 1
    };
    IT_OK(db, shop_customer_update(db, NULL, &u, NULL));
    trail_close(db);
    IT_EXPECT(on_it, TRAIL_EDB, shop_customer_get(on_it, c.id, &got));
    IT_MSG(on_it, "not ready", "the next call connects again");
    IT_OK(on_it, shop_customer_get(on_it, c.id, &got));
    assert_int_equal(got.version, 2);
    u = (shop_customer_update_params){
        .id = c.id, .version = 2, .set = SHOP_CUSTOMER_CREDIT, .credit = 2
    };
    IT_OK(on_it, shop_customer_update(on_it, NULL, &u, NULL));
    trail_close(on_it);

    galera("heal", CUT);
    assert_int_equal(count_on(CUT, "SELECT version FROM customers WHERE id = '%s'", c.id), 3);
    it_db member = { 0 };
    it_member_open(&member, "TRAIL_TEST_CLUSTER_DIR", "url3");
    it_verify_clean(&member);
    it_node_close(&member);
    shop_customer_clear(&got);
    shop_customer_clear(&c);
}

/* The cluster whole again, even after a failed test, for the tests after it; then it_teardown(). */
static int teardown(void **state)
{
    int healed = galera_run("heal", 3), rejoined = galera_run("rejoin", KILLED);
    int rc = it_teardown(state);
    return healed || rejoined ? -1 : rc;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_kill_a_node, it_setup, teardown),
        cmocka_unit_test_setup_teardown(test_cut_off_node, it_setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
