/*
 * test_galera_writers.c - writers on every node of the Galera cluster of the
 * fixture galera_cluster_start lose no update (issue 19, item 2).
 *
 * On Galera, SELECT … FOR UPDATE locks the row only on the node it runs on:
 * two writers on two nodes both pass the before-read and the
 * version-checked UPDATE, and the loser fails at COMMIT with 1213 (its write
 * set fails certification, or the applier of the winner's aborts it). trail
 * runs such a write again, whole, before-read included (record.c's retry()),
 * where it then meets the winner's version: TRAIL_ECONFLICT, or TRAIL_EBUSY
 * once the retries are spent.
 *
 * Eight threads, each with a connection to node (i % 3) + 1, add 1 to the
 * credit of one hot customer and three cold ones by read-modify-write,
 * reading again after TRAIL_ECONFLICT, and after TRAIL_EBUSY, which counts
 * as an attempt that failed, never as a write. Then, on every node: each
 * record's credit is the writes its threads were told succeeded, its
 * version one more, and its events are an insert and one update per write,
 * each adding 1 to the credit before it, the last one the row; verify is
 * clean.
 *
 * Inside trail_begin() nothing is run again: a transaction on node 1 whose
 * record another node changed and committed first fails (TRAIL_EBUSY or
 * TRAIL_ECONFLICT), at its next write or at trail_commit() (each is
 * tried), and neither its changes nor their events are on any node
 * afterwards; done again by the caller, whole, it commits both.
 *
 * Many connections opened on every node, each writing once, register as
 * many lanes of the one node that the cluster's members share (SPEC §4):
 * a registration that loses the race is TRAIL_EBUSY, run again, and the
 * lanes stay one chain on every node.
 *
 * The connections are opened and closed by the main thread; a writer only
 * uses its own, and reports through its struct (cmocka's checks belong to
 * the main thread). Reads on a node other than the writer's wait until it
 * has applied what the cluster acknowledged (it_galera_caught_up()).
 */
#define _POSIX_C_SOURCE 200809L
#include "it_common.h"

#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CLUSTER "TRAIL_TEST_CLUSTER_DIR"

enum {
    NODES = 3,
    WRITERS = 8,
    HOT = 0,     /* records[HOT] is written by half of all writes */
    RECORDS = 4, /* the hot one and three cold ones */
    PER_WRITER = 60,
    /* Failed attempts in a row at one write before a writer calls it livelock. */
    MAX_ATTEMPTS = 1000,
};

/* Node @n (1…NODES) of the cluster: its URL into m->url, and a connection to it unless @url_only.
 */
static void node_open(it_db *m, int n, bool url_only)
{
    char file[16];
    snprintf(file, sizeof file, "url%d", n);
    *m = (it_db){ 0 };
    if (url_only)
        it_member_url(m, CLUSTER, file);
    else
        it_member_open(m, CLUSTER, file);
}

/* ---- the writers ------------------------------------------------------------- */

typedef struct writer {
    pthread_barrier_t *go; /* the writers start together */
    char (*ids)[TRAIL_ULID_LEN + 1];
    it_db node; /* its connection, to node (index % NODES) + 1 */
    int index;
    unsigned seed;
    int64_t written[RECORDS]; /* successful writes per record */
    int64_t conflicts;        /* TRAIL_ECONFLICT: read again */
    int64_t busy;             /* TRAIL_EBUSY after trail's own retries: an attempt that failed */
    uint64_t retries;         /* trail_retries() at the end */
    int rc;                   /* TRAIL_OK, or what stopped the writer */
    char failure[512];        /* what it was doing, and trail_errmsg() */
} writer;

/* One read-modify-write of record @r: its credit raised by 1, its name the writer's. */
static int increment(writer *w, int r)
{
    trail_conn *db = w->node.db;
    const char *id = w->ids[r];
    char name[32];
    snprintf(name, sizeof name, "writer %d", w->index);
    for (int tries = 0; tries < MAX_ATTEMPTS; tries++) {
        shop_customer c = { 0 };
        int rc = shop_customer_get(db, id, &c);
        const char *what = "shop_customer_get";
        if (rc == TRAIL_OK) {
            shop_customer_update_params u = { .id = id,
                                              .version = c.version,
                                              .set = SHOP_CUSTOMER_CREDIT | SHOP_CUSTOMER_NAME,
                                              .credit = c.credit + 1,
                                              .name = name };
            rc = shop_customer_update(db, NULL, &u, NULL);
            what = "shop_customer_update";
        }
        shop_customer_clear(&c);
        if (rc == TRAIL_OK)
            return rc;
        if (rc == TRAIL_ECONFLICT) {
            w->conflicts++;
        } else if (rc == TRAIL_EBUSY) {
            w->busy++;
        } else {
            snprintf(w->failure, sizeof w->failure, "%s(%s): %s: %s", what, id, trail_code_name(rc),
                     trail_errmsg(db));
            return rc;
        }
    }
    snprintf(w->failure, sizeof w->failure, "%s: %d failed attempts in a row", id, MAX_ATTEMPTS);
    return TRAIL_EBUSY;
}

static void *work(void *arg)
{
    writer *w = arg;
    pthread_barrier_wait(w->go);
    for (int i = 0; i < PER_WRITER && w->rc == TRAIL_OK; i++) {
        int r = rand_r(&w->seed) % 2 ? HOT : 1 + (int)(rand_r(&w->seed) % (RECORDS - 1));
        if ((w->rc = increment(w, r)) == TRAIL_OK)
            w->written[r]++;
    }
    return NULL;
}

/* ---- what every node must hold ------------------------------------------------ */

static int64_t json_int(const char *text, const char *key)
{
    json_t *o = json_loads(text, 0, NULL);
    json_t *v = json_object_get(o, key);
    if (!json_is_integer(v))
        fail_msg("no integer %s in %s", key, text);
    int64_t i = json_integer_value(v);
    json_decref(o);
    return i;
}

/*
 * Fails unless record @id on @db is at credit @written and version
 * @written + 1, and its events make it: an insert at version 1, then
 * @written updates at versions 2, 3…, each raising the credit by 1 from the
 * one before it (its old_values), the last one's new_values the row.
 */
static void expect_increments(trail_conn *db, const char *id, int64_t written)
{
    shop_customer c = { 0 };
    IT_OK(db, shop_customer_get(db, id, &c));
    assert_int_equal(c.credit, written);
    assert_int_equal(c.version, written + 1);
    it_events evs;
    it_history(db, "customers", id, &evs);
    assert_int_equal(evs.n, written + 1);
    int64_t credit = 0;
    for (size_t k = 0; k < evs.n; k++) {
        const trail_change_event *ev = &evs.ev[k];
        assert_string_equal(ev->op, k ? "update" : "insert");
        assert_int_equal(ev->version, (int64_t)k + 1);
        int64_t now = json_int(ev->new_values, "credit");
        if (k) {
            assert_int_equal(json_int(ev->old_values, "credit"), credit);
            assert_int_equal(now, credit + 1);
        }
        credit = now;
    }
    const char *last = evs.ev[evs.n - 1].new_values;
    assert_int_equal(credit, c.credit);
    json_t *row = json_loads(last, 0, NULL);
    assert_string_equal(json_string_value(json_object_get(row, "name")), c.name);
    json_decref(row);
    it_events_free(&evs);
    shop_customer_clear(&c);
}

static void test_writers_on_every_node(void **state)
{
    it_db *t = *state; /* node 1, emptied and migrated */
    char ids[RECORDS][TRAIL_ULID_LEN + 1];
    it_customer_ids(t->db, RECORDS, ids);
    it_galera_caught_up(NODES); /* the records are on every node before anyone reads them */

    pthread_barrier_t go;
    assert_int_equal(pthread_barrier_init(&go, NULL, WRITERS + 1), 0);
    writer w[WRITERS];
    pthread_t tid[WRITERS];
    for (int i = 0; i < WRITERS; i++) {
        w[i] = (writer){ .go = &go, .ids = ids, .index = i, .seed = 7919u * (unsigned)(i + 1) };
        node_open(&w[i].node, i % NODES + 1, false);
        assert_int_equal(pthread_create(&tid[i], NULL, work, &w[i]), 0);
    }
    int64_t start = it_now_ms();
    pthread_barrier_wait(&go);
    for (int i = 0; i < WRITERS; i++)
        assert_int_equal(pthread_join(tid[i], NULL), 0);
    int64_t elapsed = it_now_ms() - start;
    pthread_barrier_destroy(&go);

    int64_t written[RECORDS] = { 0 }, total = 0, conflicts = 0, busy = 0;
    uint64_t retries = 0;
    int failed = 0;
    for (int i = 0; i < WRITERS; i++) {
        w[i].retries = trail_retries(w[i].node.db);
        it_node_close(&w[i].node); /* which seals its lane: a write too */
        conflicts += w[i].conflicts;
        busy += w[i].busy;
        retries += w[i].retries;
        if (w[i].rc != TRAIL_OK && failed++ == 0)
            print_error("writer %d (node %d): %s\n", i, i % NODES + 1, w[i].failure);
        for (int r = 0; r < RECORDS; r++) {
            written[r] += w[i].written[r];
            total += w[i].written[r];
        }
        print_message("  writer %d (node %d): %lld hot writes, %lld conflicts, %lld busy, "
                      "%llu retries by trail\n",
                      i, i % NODES + 1, (long long)w[i].written[HOT], (long long)w[i].conflicts,
                      (long long)w[i].busy, (unsigned long long)w[i].retries);
    }
    print_message("  %d writers on %d nodes: %lld writes (%lld to the hot record), "
                  "%lld conflicts, %lld busy after retries, %llu retries by trail, in %lld ms\n",
                  WRITERS, NODES, (long long)total, (long long)written[HOT], (long long)conflicts,
                  (long long)busy, (unsigned long long)retries, (long long)elapsed);
    assert_int_equal(failed, 0);
    assert_int_equal(total, WRITERS * PER_WRITER);

    it_galera_caught_up(NODES);
    for (int n = 1; n <= NODES; n++) {
        it_db m;
        node_open(&m, n, false);
        for (int r = 0; r < RECORDS; r++)
            expect_increments(m.db, ids[r], written[r]);
        assert_int_equal(it_rows(&m, "trail_change_events"), RECORDS + total);
        it_verify_clean(&m);
        it_node_close(&m);
    }
    /* Without writers meeting on the hot record across nodes this would test little. */
    assert_true(conflicts + (int64_t)retries > 0);
}

/* ---- lanes registered on every node ------------------------------------------- */

enum {
    OPENERS = 9,     /* three per node */
    CONNECTIONS = 30 /* each opener's, one after the other, each with one write */
};

typedef struct opener {
    char url[PATH_MAX + 16]; /* node (index % NODES) + 1 */
    int index;
    int64_t created, busy; /* creates that succeeded; that ended in TRAIL_EBUSY */
    int rc;                /* TRAIL_OK, or what stopped the opener */
    char failure[512];
} opener;

/*
 * Each connection's first write registers its lane (SPEC §4), after the
 * node's newest, on the node's row of trail_nodes: the one row of every
 * member of the cluster, which each locks only on its own.
 */
static void *open_and_write(void *arg)
{
    opener *o = arg;
    for (int k = 0; k < CONNECTIONS && o->rc == TRAIL_OK; k++) {
        trail_conn *db = NULL;
        int rc = trail_open(&db, o->url, NULL);
        if (rc != TRAIL_OK) {
            snprintf(o->failure, sizeof o->failure, "trail_open: %s: %s", trail_code_name(rc),
                     trail_errmsg(db));
            o->rc = rc;
        } else {
            shop_customer_create_params p = SHOP_CUSTOMER_CREATE_INIT;
            char email[64];
            snprintf(email, sizeof email, "opener%d.%d@x.org", o->index, k);
            p.email = email;
            p.name = "Ann";
            rc = shop_customer_create(db, NULL, &p, NULL);
            o->created += rc == TRAIL_OK;
            o->busy += rc == TRAIL_EBUSY;
            if (rc != TRAIL_OK && rc != TRAIL_EBUSY) {
                snprintf(o->failure, sizeof o->failure, "shop_customer_create: %s: %s",
                         trail_code_name(rc), trail_errmsg(db));
                o->rc = rc;
            }
        }
        trail_close(db);
    }
    return NULL;
}

static void test_lanes_registered_on_every_node(void **state)
{
    (void)state; /* node 1, emptied and migrated: the node's row is there */
    it_galera_caught_up(NODES);
    opener o[OPENERS];
    pthread_t tid[OPENERS];
    for (int i = 0; i < OPENERS; i++) {
        o[i] = (opener){ .index = i };
        it_db m;
        node_open(&m, i % NODES + 1, true);
        memcpy(o[i].url, m.url, sizeof o[i].url);
    }
    int64_t start = it_now_ms();
    for (int i = 0; i < OPENERS; i++)
        assert_int_equal(pthread_create(&tid[i], NULL, open_and_write, &o[i]), 0);
    int64_t created = 0, busy = 0;
    int failed = 0;
    for (int i = 0; i < OPENERS; i++) {
        assert_int_equal(pthread_join(tid[i], NULL), 0);
        created += o[i].created;
        busy += o[i].busy;
        if (o[i].rc != TRAIL_OK && failed++ == 0)
            print_error("opener %d (node %d): %s\n", i, i % NODES + 1, o[i].failure);
    }
    print_message("  %d connections on %d nodes, a write each: %lld created, %lld busy after "
                  "retries, in %lld ms\n",
                  OPENERS * CONNECTIONS, NODES, (long long)created, (long long)busy,
                  (long long)(it_now_ms() - start));
    assert_int_equal(failed, 0);
    assert_int_equal(created + busy, OPENERS * CONNECTIONS);
    assert_true(created > 0);

    /* On every node: each write that succeeded, with its event; the lanes one chain, whole. */
    it_galera_caught_up(NODES);
    for (int n = 1; n <= NODES; n++) {
        it_db m;
        node_open(&m, n, false);
        assert_int_equal(it_rows(&m, "customers"), created);
        assert_int_equal(it_rows(&m, "trail_change_events"), created);
        int64_t lanes = it_rows(&m, "trail_lanes");
        assert_true(lanes >= created);
        assert_int_equal(raw_count(m.url, "SELECT max(\"node_seq\") FROM \"trail_lanes\""), lanes);
        it_verify_clean(&m);
        it_node_close(&m);
    }
}

/* ---- a transaction that loses ------------------------------------------------- */

/* Sets the name of customer @id at @version to @name on @db; returns what the update did. */
static int rename_customer(trail_conn *db, const char *id, int64_t version, const char *name)
{
    shop_customer_update_params u = {
        .id = id, .version = version, .set = SHOP_CUSTOMER_NAME, .name = name
    };
    return shop_customer_update(db, NULL, &u, NULL);
}

/*
 * Fails unless, on every node, customer @id is at @version with @name, its
 * events are its versions (an insert and version - 1 updates: no event
 * without its change, no change without its event), @tx_events of them
 * name it @tx_name, and verify is clean.
 */
static void expect_everywhere(const char *id, int64_t version, const char *name,
                              const char *tx_name, size_t tx_events)
{
    for (int n = 1; n <= NODES; n++) {
        it_db m;
        node_open(&m, n, false);
        shop_customer c = { 0 };
        IT_OK(m.db, shop_customer_get(m.db, id, &c));
        assert_int_equal(c.version, version);
        assert_string_equal(c.name, name);
        shop_customer_clear(&c);
        it_events evs;
        it_history(m.db, "customers", id, &evs);
        assert_int_equal(evs.n, version);
        size_t named = 0;
        for (size_t k = 0; k < evs.n; k++) {
            assert_int_equal(evs.ev[k].version, (int64_t)k + 1);
            named += evs.ev[k].new_values && strstr(evs.ev[k].new_values, tx_name);
        }
        assert_int_equal(named, tx_events);
        it_events_free(&evs);
        it_verify_clean(&m);
        it_node_close(&m);
    }
}

/*
 * Node 1's group: the hot and the cold customer renamed @name, each from
 * the version read in the transaction. Returns TRAIL_OK when it committed;
 * else the failure, the transaction rolled back (by trail_commit() itself
 * when it failed there), and in @where at which step.
 */
static int rename_both(trail_conn *db, const char *hot, const char *cold, const char *name,
                       const char **where)
{
    int rc = trail_begin(db);
    *where = "trail_begin";
    for (int i = 0; i < 2 && rc == TRAIL_OK; i++) {
        shop_customer c = { 0 };
        *where = i ? "the read of the cold record" : "the read of the hot record";
        if ((rc = shop_customer_get(db, i ? cold : hot, &c)) == TRAIL_OK) {
            *where = i ? "the write of the cold record" : "the write of the hot record";
            rc = rename_customer(db, c.id, c.version, name);
        }
        shop_customer_clear(&c);
    }
    if (rc == TRAIL_OK) {
        *where = "trail_commit";
        return trail_commit(db);
    }
    trail_rollback(db);
    return rc;
}

static void test_transaction_loses_to_another_node(void **state)
{
    it_db *t = *state; /* node 1 */
    shop_customer hot = { 0 }, cold = { 0 }, mine = { 0 };
    it_customer(t->db, "hot@x.org", &hot);
    it_customer(t->db, "cold@x.org", &cold);
    it_db other;
    node_open(&other, 2, false);
    /* Both connections' lanes registered beforehand: the race is the records' alone. */
    it_customer(other.db, "node2@x.org", &mine);
    it_galera_caught_up(NODES);

    /*
     * Node 1 changes the hot record inside a transaction, holding its row
     * lock on node 1 only; node 2 changes it too, from the same version,
     * and commits first. Node 1's transaction has lost: node 2's write set
     * aborts it when node 1 applies it, or certification refuses its
     * commit. In round 1 node 1 then writes the cold record, in round 2 it
     * wrote that before and now commits: whichever comes first, that step
     * or the commit fails, and none of the group stays.
     */
    const char *cold_name = cold.name;
    int64_t hot_at = 1, cold_at = 1;
    char tx_name[2][32], rival[32];
    for (int round = 1; round <= 2; round++) {
        const char *name = tx_name[round - 1];
        snprintf(tx_name[round - 1], sizeof tx_name[0], "node 1's transaction %d", round);
        snprintf(rival, sizeof rival, "node 2, round %d", round);
        uint64_t retries = trail_retries(t->db);
        IT_OK(t->db, trail_begin(t->db));
        IT_OK(t->db, rename_customer(t->db, hot.id, hot_at, name));
        if (round == 2)
            IT_OK(t->db, rename_customer(t->db, cold.id, cold_at, name));
        IT_OK(other.db, rename_customer(other.db, hot.id, hot_at, rival));
        const char *where = "the write of the cold record";
        int rc = round == 1 ? rename_customer(t->db, cold.id, cold_at, name) : TRAIL_OK;
        if (rc == TRAIL_OK) {
            where = "trail_commit";
            rc = trail_commit(t->db); /* which rolls back when it fails */
        } else {
            IT_OK(t->db, trail_rollback(t->db));
        }
        print_message("  round %d: node 1's transaction failed at %s: %s: %s\n", round, where,
                      trail_code_name(rc), trail_errmsg(t->db));
        assert_true(rc == TRAIL_EBUSY || rc == TRAIL_ECONFLICT);
        assert_int_equal(trail_retries(t->db), retries); /* only the caller can redo its group */

        it_galera_caught_up(NODES);
        expect_everywhere(hot.id, ++hot_at, rival, name, 0);
        expect_everywhere(cold.id, cold_at, cold_name, name, 0);

        /* The caller's retry: the whole group again, its reads included. */
        int attempts = 0;
        do {
            assert_true(++attempts <= 100);
            rc = rename_both(t->db, hot.id, cold.id, name, &where);
            if (rc != TRAIL_OK)
                print_message("  attempt %d failed at %s: %s: %s\n", attempts, where,
                              trail_code_name(rc), trail_errmsg(t->db));
            assert_true(rc == TRAIL_OK || rc == TRAIL_EBUSY || rc == TRAIL_ECONFLICT);
        } while (rc != TRAIL_OK);
        print_message("  round %d: redone by the caller, committed at attempt %d\n", round,
                      attempts);

        it_galera_caught_up(NODES);
        expect_everywhere(hot.id, ++hot_at, name, name, 1);
        expect_everywhere(cold.id, ++cold_at, name, name, 1);
        cold_name = name;
        /* The group's two events are one transaction, on every node. */
        for (int n = 1; n <= NODES; n++) {
            it_db m;
            node_open(&m, n, false);
            it_events h, c;
            it_history(m.db, "customers", hot.id, &h);
            it_history(m.db, "customers", cold.id, &c);
            assert_string_equal(h.ev[hot_at - 1].tx_id, c.ev[cold_at - 1].tx_id);
            it_events_free(&h);
            it_events_free(&c);
            it_node_close(&m);
        }
    }
    it_node_close(&other);
    shop_customer_clear(&hot);
    shop_customer_clear(&cold);
    shop_customer_clear(&mine);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_writers_on_every_node, it_setup, it_teardown),
        cmocka_unit_test_setup_teardown(test_lanes_registered_on_every_node, it_setup, it_teardown),
        cmocka_unit_test_setup_teardown(test_transaction_loses_to_another_node, it_setup,
                                        it_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
