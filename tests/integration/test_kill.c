/*
 * test_kill.c - a connection whose server session is killed in the middle of
 * an audited write.
 *
 * The write must leave nothing of itself behind: the call returns TRAIL_EDB
 * saying the connection was lost, and on a new connection the row, its
 * version and its events are as before, verify is clean, and writes work
 * again. Killed at a random moment of a stream of updates, every version a
 * row reached has exactly one event: whether the write in flight committed
 * or not, it did both or neither.
 *
 * A connection whose session was killed between calls connects again at
 * its next call outside a transaction (SPEC §3); its lane, whose head is
 * known, is sealed and a new one begins. Inside a transaction every call
 * fails until trail_rollback(), and nothing of the transaction remains.
 *
 * Naming, finding and killing the victim's session is the engine's part
 * (raw.h: its session_key, raw_sessions_waiting(), raw_kill_session()); the
 * tests are written once. An engine without a server (SQLite) has no
 * session to kill: there the program says so and exits with 77 (it is
 * registered for server engines only).
 */
#define _POSIX_C_SOURCE 200809L
#include "it_common.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* How long to wait for a condition before failing the test with what was awaited. */
#define WAIT_MS 10000

/* What the lost connection's message says, whichever the engine. */
#define LOST "the connection to the server was lost"

static const raw_engine *engine; /* the URL's, set by main() */

/* ---- the victim ------------------------------------------------------------- */

typedef struct victim {
    const char *url; /* the test's database, for the engine's own connections */
    it_db where;     /* the same, reached through the victim's URL */
    char name[64];   /* what the engine knows its session by */
    trail_conn *db;  /* opened and closed by the main thread */
    char ids[4][TRAIL_ULID_LEN + 1];
    int n_ids;
    int64_t version[4];  /* of ids[i]: the last version an update reported committed */
    int64_t committed;   /* updates reported committed */
    atomic_int progress; /* committed, for the main thread to poll */
    atomic_bool done;    /* the thread stopped */
    atomic_bool stop;    /* the main thread's request to stop */
    int rc;              /* of the call that stopped the victim */
    char msg[512];
} victim;

/* A victim of @t's database, to update @ids; its connection one the engine can find and kill. */
static void victim_open(victim *v, it_db *t, const shop_customer *recs, int n)
{
    memset(v, 0, sizeof *v);
    atomic_init(&v->progress, 0);
    atomic_init(&v->done, false);
    atomic_init(&v->stop, false);
    assert_true(n <= (int)(sizeof v->ids / sizeof v->ids[0]));
    for (v->n_ids = 0; v->n_ids < n; v->n_ids++) {
        memcpy(v->ids[v->n_ids], recs[v->n_ids].id, sizeof v->ids[0]);
        v->version[v->n_ids] = recs[v->n_ids].version;
    }
    v->url = t->url;
    v->where = *t;
    v->where.db = NULL;
    snprintf(v->name, sizeof v->name, "trail_victim_%d", (int)getpid());
    it_url_with(t->url, engine->session_key, v->name, v->where.url, sizeof v->where.url);
    /* A lock timeout must not end the wait before the kill does. */
    v->db = it_open(&v->where, &(trail_open_opts){ .busy_timeout_ms = 6 * WAIT_MS });
}

/*
 * Updates the credit of its records in turn, each to the version it makes,
 * until a call fails (or, never killed, a bound): the victim's thread.
 */
static void *stream_updates(void *arg)
{
    victim *v = arg;
    enum { MAX_UPDATES = 1000000 };
    int rc = TRAIL_OK;
    for (int i = 0; rc == TRAIL_OK && i < MAX_UPDATES && !atomic_load(&v->stop); i++) {
        int r = i % v->n_ids;
        shop_customer_update_params u = { .id = v->ids[r],
                                          .version = v->version[r],
                                          .set = SHOP_CUSTOMER_CREDIT,
                                          .credit = v->version[r] + 1 };
        if ((rc = shop_customer_update(v->db, NULL, &u, NULL)) == TRAIL_OK) {
            v->version[r]++;
            v->committed++;
            atomic_store(&v->progress, (int)v->committed);
        }
    }
    v->rc = rc;
    snprintf(v->msg, sizeof v->msg, "%s",
             rc == TRAIL_OK ? "it was not killed" : trail_errmsg(v->db));
    atomic_store(&v->done, true);
    return NULL;
}

/* Polls until the victim waits for a row lock; false, saying so, if it has not within WAIT_MS. */
static bool await_victim_waiting(victim *v)
{
    int64_t deadline = it_now_ms() + WAIT_MS;
    int64_t waiting = 0;
    while (!atomic_load(&v->done) && (waiting = raw_sessions_waiting(v->url, v->name)) == 0 &&
           it_now_ms() < deadline)
        it_sleep_ms(1);
    if (waiting == 1)
        return true;
    print_error("the victim's update did not come to wait for the row lock within %d ms "
                "(%s; waiting sessions: %lld): %s\n",
                WAIT_MS, atomic_load(&v->done) ? "it returned" : "still running",
                (long long)waiting, atomic_load(&v->done) ? v->msg : "");
    return false;
}

/* Polls until the victim has committed @n updates; false, saying so, if not within WAIT_MS. */
static bool await_progress(victim *v, int n)
{
    int64_t deadline = it_now_ms() + WAIT_MS;
    while (!atomic_load(&v->done) && atomic_load(&v->progress) < n && it_now_ms() < deadline)
        it_sleep_ms(1);
    if (atomic_load(&v->progress) >= n)
        return true;
    print_error("the victim committed %d of %d updates within %d ms: %s\n",
                atomic_load(&v->progress), n, WAIT_MS,
                atomic_load(&v->done) ? v->msg : "still running");
    return false;
}

/*
 * Ends the victim's thread: asks it to stop when @ask (a killed victim stops
 * by itself, on the call that failed), releases @lock (NULL if none) so that
 * a call waiting for it goes on, joins the thread and closes its connection.
 * A failing test does so before it fails, so that nothing of the victim's
 * outlives the test.
 */
static void victim_end(victim *v, pthread_t thread, raw_lock *lock, bool ask)
{
    if (ask)
        atomic_store(&v->stop, true);
    raw_unlock(lock);
    assert_int_equal(pthread_join(thread, NULL), 0);
    trail_close(v->db);
    v->db = NULL;
}

/*
 * Kills the victim's session, ends its thread, and fails unless its last
 * call returned TRAIL_EDB. Returns whether that call's message said the
 * connection was lost: the test checks it last, so that a wrong message
 * does not hide what the kill did to the database.
 */
static bool kill_victim(victim *v, pthread_t thread, raw_lock *lock)
{
    int64_t killed = raw_kill_session(v->url, v->name);
    victim_end(v, thread, lock, killed != 1);
    print_message("  the victim's last call: %s: %s\n", trail_code_name(v->rc), v->msg);
    if (killed != 1)
        print_error("killing the victim's session: %lld sessions killed\n", (long long)killed);
    assert_int_equal(killed, 1);
    assert_int_equal(v->rc, TRAIL_EDB);
    bool lost = strstr(v->msg, LOST) != NULL;
    if (!lost)
        print_error("the victim's last call did not say \"" LOST "\"\n");
    return lost;
}

/* The events of record @id in the history table, counted behind trail's back. */
static int64_t events_of(const it_db *t, const char *id)
{
    return raw_count(t->url,
                     "SELECT count(*) FROM \"trail_change_events\" WHERE \"record_id\" = '%s'", id);
}

/* ---- the tests ---------------------------------------------------------------- */

/*
 * Killed while its update waits for the row lock, inside its transaction:
 * after it began, before anything of the update is written.
 */
static void test_killed_waiting_for_the_row(void **state)
{
    it_db *t = *state;
    shop_customer rec = { 0 };
    it_customer(t->db, "held@x.org", &rec);
    victim v;
    victim_open(&v, t, &rec, 1);
    shop_customer_clear(&rec);
    const char *id = v.ids[0];
    /* The victim's connection writes (its statements are prepared), */
    shop_customer_update_params u = {
        .id = id, .version = v.version[0], .set = SHOP_CUSTOMER_CREDIT, .credit = 6
    };
    IT_OK(v.db, shop_customer_update(v.db, NULL, &u, NULL));
    int64_t version = ++v.version[0];
    int64_t events = events_of(t, id);
    assert_int_equal(events, 2);
    /* then waits for the row another connection holds, and is killed. */
    raw_lock *lock = raw_lock_row(t->url, "customers", id);
    assert_non_null(lock);
    pthread_t thread;
    assert_int_equal(pthread_create(&thread, NULL, stream_updates, &v), 0);
    if (!await_victim_waiting(&v)) {
        victim_end(&v, thread, lock, true);
        fail();
    }
    bool said_lost = kill_victim(&v, thread, lock);
    assert_int_equal(v.committed, 0);

    /* A new connection finds the row and its history as they were, */
    trail_close(t->db);
    trail_conn *db = t->db = it_open(t, NULL);
    IT_OK(db, shop_customer_get(db, id, &rec));
    int64_t now = rec.version, credit = rec.credit;
    shop_customer_clear(&rec);
    assert_int_equal(now, version);
    assert_int_equal(credit, 6);
    assert_int_equal(events_of(t, id), events);
    it_verify_clean(t);

    /* and writes again. */
    u = (shop_customer_update_params){
        .id = id, .version = version, .set = SHOP_CUSTOMER_CREDIT, .credit = 7
    };
    IT_OK(db, shop_customer_update(db, NULL, &u, NULL));
    IT_OK(db, shop_customer_get(db, id, &rec));
    now = rec.version;
    credit = rec.credit;
    shop_customer_clear(&rec);
    assert_int_equal(now, version + 1);
    assert_int_equal(credit, 7);
    assert_int_equal(events_of(t, id), events + 1);
    it_verify_clean(t);
    assert_true(said_lost);
}

/* Fails unless @id's events are its insert and then one update per version, up to @version. */
static void expect_one_event_per_version(trail_conn *db, const char *id, int64_t version)
{
    it_events evs;
    it_history(db, "customers", id, &evs);
    size_t bad = 0; /* the first event out of place, or evs.n */
    while (bad < evs.n && evs.ev[bad].version == (int64_t)bad + 1 &&
           strcmp(evs.ev[bad].op, bad == 0 ? "insert" : "update") == 0)
        bad++;
    bool ok = bad == evs.n && evs.n == (size_t)version;
    if (!ok)
        print_error("customer %s at version %lld has %zu events; event %zu: %s of version %lld\n",
                    id, (long long)version, evs.n, bad, bad < evs.n ? evs.ev[bad].op : "none",
                    bad < evs.n ? (long long)evs.ev[bad].version : -1LL);
    it_events_free(&evs);
    assert_true(ok);
}

/* Killed at a random moment of a stream of updates: whatever was in flight. */
static void test_killed_mid_stream(void **state)
{
    it_db *t = *state;
    enum { RECS = 4, BEFORE = 10 /* commits before the random wait */ };
    shop_customer recs[RECS] = { 0 };
    for (int r = 0; r < RECS; r++) {
        char email[32];
        snprintf(email, sizeof email, "stream%d@x.org", r);
        it_customer(t->db, email, &recs[r]);
    }
    victim v;
    victim_open(&v, t, recs, RECS);
    for (int r = 0; r < RECS; r++)
        shop_customer_clear(&recs[r]);
    unsigned seed = (unsigned)it_now_ms() ^ (unsigned)getpid();
    int delay_ms = 100 + (int)(rand_r(&seed) % 400);
    pthread_t thread;
    assert_int_equal(pthread_create(&thread, NULL, stream_updates, &v), 0);
    if (!await_progress(&v, BEFORE)) {
        victim_end(&v, thread, NULL, true);
        fail();
    }
    it_sleep_ms(delay_ms); /* not a synchronization: the random moment of the kill */
    bool said_lost = kill_victim(&v, thread, NULL);

    trail_close(t->db);
    trail_conn *db = t->db = it_open(t, NULL);
    int64_t versions = 0, unreported = 0;
    for (int r = 0; r < RECS; r++) {
        shop_customer c = { 0 };
        IT_OK(db, shop_customer_get(db, v.ids[r], &c));
        int64_t version = c.version, credit = c.credit;
        shop_customer_clear(&c);
        /* The update in flight may have committed with its answer lost: one row, one version. */
        int64_t more = version - v.version[r];
        if (more != 0)
            print_message("  customer %d: reported at version %lld, found at %lld\n", r,
                          (long long)v.version[r], (long long)version);
        assert_true(more == 0 || more == 1);
        unreported += more;
        assert_int_equal(credit, version == 1 ? 0 : version);
        expect_one_event_per_version(db, v.ids[r], version);
        versions += version;
    }
    print_message("  killed %d ms after commit %d: %lld updates reported committed, "
                  "%lld more committed unreported\n",
                  delay_ms, BEFORE, (long long)v.committed, (long long)unreported);
    assert_true(unreported <= 1);
    assert_int_equal(it_rows(t, "trail_change_events"), versions);
    it_verify_clean(t);

    shop_customer c = { 0 };
    it_customer(db, "after@x.org", &c);
    shop_customer_clear(&c);
    assert_true(said_lost);
}

/* Kills the victim's session and waits until the server no longer has it. */
static void kill_between_calls(victim *v)
{
    assert_int_equal(raw_kill_session(v->url, v->name), 1);
    int64_t deadline = it_now_ms() + WAIT_MS;
    while (raw_sessions(v->url, v->name) != 0 && it_now_ms() < deadline)
        it_sleep_ms(10);
    assert_int_equal(raw_sessions(v->url, v->name), 0);
}

/*
 * Killed between two calls: the next call fails saying the connection was
 * lost and that the next one connects again; that one does. The lane of
 * the first session is sealed at its head, and the next write begins
 * another: the record's two events are in two lanes, both whole (the
 * teardown verifies).
 */
static void test_next_call_connects_again(void **state)
{
    it_db *t = *state;
    victim v;
    shop_customer c = { 0 }, got = { 0 };
    victim_open(&v, t, NULL, 0);
    it_customer(v.db, "again@x.org", &c);
    int64_t lanes = raw_count(t->url, "SELECT COUNT(*) FROM trail_lanes");

    kill_between_calls(&v);
    IT_EXPECT(v.db, TRAIL_EDB, shop_customer_get(v.db, c.id, &got));
    IT_MSG(v.db, LOST);
    IT_MSG(v.db, "the next call connects again");
    IT_OK(v.db, shop_customer_get(v.db, c.id, &got));
    assert_int_equal(got.version, c.version);
    assert_int_equal(raw_sessions(v.url, v.name), 1);
    shop_customer_update_params u = {
        .id = c.id, .version = c.version, .set = SHOP_CUSTOMER_CREDIT, .credit = 9
    };
    IT_OK(v.db, shop_customer_update(v.db, NULL, &u, &c));
    trail_close(v.db);

    assert_int_equal(raw_count(t->url, "SELECT COUNT(*) FROM trail_lanes"), lanes + 1);
    assert_int_equal(raw_count(t->url,
                               "SELECT COUNT(DISTINCT lane_id) FROM trail_change_events"
                               " WHERE record_id = '%s'",
                               c.id),
                     2);
    /* The first lane, sealed on the new session at its one event. */
    assert_int_equal(raw_count(t->url,
                               "SELECT COUNT(*) FROM trail_lanes l JOIN trail_change_events e"
                               " ON e.lane_id = l.lane_id AND e.seq = l.sealed_seq"
                               " AND e.hash = l.sealed_hash"
                               " WHERE e.record_id = '%s' AND e.version = 1",
                               c.id),
                     1);
    shop_customer_clear(&got);
    shop_customer_clear(&c);
}

/*
 * Killed inside trail_begin(): every call fails until trail_rollback(),
 * without connecting again (the rest of the transaction would run outside
 * it); after the rollback the next call connects again, and nothing of the
 * transaction remains.
 */
static void test_lost_inside_a_transaction(void **state)
{
    it_db *t = *state;
    victim v;
    shop_customer c = { 0 }, got = { 0 };
    victim_open(&v, t, NULL, 0);
    it_customer(v.db, "tx@x.org", &c);
    IT_OK(v.db, trail_begin(v.db));
    shop_customer_update_params u = {
        .id = c.id, .version = c.version, .set = SHOP_CUSTOMER_CREDIT, .credit = 1
    };
    IT_OK(v.db, shop_customer_update(v.db, NULL, &u, NULL));

    kill_between_calls(&v);
    u = (shop_customer_update_params){
        .id = c.id, .version = c.version + 1, .set = SHOP_CUSTOMER_CREDIT, .credit = 2
    };
    IT_EXPECT(v.db, TRAIL_EDB, shop_customer_update(v.db, NULL, &u, NULL));
    IT_MSG(v.db, LOST);
    IT_MSG(v.db, "trail_rollback()");
    IT_EXPECT(v.db, TRAIL_EDB, shop_customer_get(v.db, c.id, &got));
    IT_MSG(v.db, "lost earlier");
    assert_int_equal(raw_sessions(v.url, v.name), 0); /* not connected again */
    IT_OK(v.db, trail_rollback(v.db));

    IT_OK(v.db, shop_customer_get(v.db, c.id, &got));
    assert_int_equal(got.version, c.version);
    assert_int_equal(got.credit, c.credit);
    u = (shop_customer_update_params){
        .id = c.id, .version = c.version, .set = SHOP_CUSTOMER_CREDIT, .credit = 3
    };
    IT_OK(v.db, shop_customer_update(v.db, NULL, &u, NULL));
    trail_close(v.db);
    assert_int_equal(
        raw_count(t->url, "SELECT COUNT(*) FROM trail_change_events WHERE record_id = '%s'", c.id),
        2);
    shop_customer_clear(&got);
    shop_customer_clear(&c);
}

/*
 * trail_close() of a connection lost between calls does not connect again
 * (to a server that may be down, for as long as the connect timeout) just to
 * seal its lane: the lane stays unsealed, which is valid.
 */
static void test_close_does_not_connect_again(void **state)
{
    it_db *t = *state;
    victim v;
    shop_customer c = { 0 };
    victim_open(&v, t, NULL, 0);
    it_customer(v.db, "close@x.org", &c);
    kill_between_calls(&v);
    shop_customer got = { 0 }; /* the connection known lost, as the next call would connect */
    IT_EXPECT(v.db, TRAIL_EDB, shop_customer_get(v.db, c.id, &got));
    trail_close(v.db);
    assert_int_equal(raw_sessions(v.url, v.name), 0);
    assert_int_equal(raw_count(t->url,
                               "SELECT COUNT(*) FROM trail_lanes l JOIN trail_change_events e"
                               " ON e.lane_id = l.lane_id WHERE e.record_id = '%s'"
                               " AND l.sealed_seq IS NULL",
                               c.id),
                     1);
    shop_customer_clear(&c);
}

int main(void)
{
    if (!(engine = it_test_engine()))
        return 1;
    if (!engine->server) {
        printf("test_kill applies to server engines: %s has no server session to kill (a "
               "process killed mid-write is test_concurrency's test_sigkill_mid_stream)\n",
               engine->driver);
        return 77;
    }

    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_killed_waiting_for_the_row, it_setup, it_teardown),
        cmocka_unit_test_setup_teardown(test_killed_mid_stream, it_setup, it_teardown),
        cmocka_unit_test_setup_teardown(test_next_call_connects_again, it_setup, it_teardown),
        cmocka_unit_test_setup_teardown(test_lost_inside_a_transaction, it_setup, it_teardown),
        cmocka_unit_test_setup_teardown(test_close_does_not_connect_again, it_setup, it_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
