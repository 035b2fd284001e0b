/*
 * test_threads.c - many threads of one process, a connection each, on the
 * same rows.
 *
 * Eight threads increment the credit of the same 10 customers by
 * read-modify-write (get, then update from the version read), re-reading and
 * retrying on TRAIL_ECONFLICT. Afterwards every row's credit is the number
 * of increments its threads were told succeeded (no lost update) and its
 * version one more, every successful write has exactly one update event, and
 * verify (which checks that each record's events are its versions 1, 2, …
 * up to the row's) is clean. Any return code other than TRAIL_OK and
 * TRAIL_ECONFLICT fails the test.
 *
 * The connections are opened and closed by the main thread; a worker only
 * uses its own, and reports through its struct (cmocka's checks belong to
 * the main thread).
 */
#define _POSIX_C_SOURCE 200809L
#include "it_common.h"

#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
    ROWS = 10,
    THREADS = 8,
    PER_THREAD = 200, /* increments each thread makes */
    /* Conflicts in a row for one increment before a worker calls it livelock. */
    MAX_RETRIES = 10000,
};

typedef struct shared {
    char ids[ROWS][TRAIL_ULID_LEN + 1];
    pthread_barrier_t go; /* the workers start together */
} shared;

typedef struct worker {
    shared *sh;
    trail_conn *db;
    unsigned seed;
    int64_t increments[ROWS]; /* successful writes per row */
    int64_t conflicts;        /* retried */
    int rc;                   /* TRAIL_OK, or what stopped the worker */
    char failure[512];        /* what it was doing, and trail_errmsg() */
} worker;

/* One read-modify-write increment of @id, retried on conflict until it lands. */
static int increment(worker *w, const char *id)
{
    for (int tries = 0; tries < MAX_RETRIES; tries++) {
        shop_customer c = { 0 };
        int rc = shop_customer_get(w->db, id, &c);
        if (rc != TRAIL_OK) {
            snprintf(w->failure, sizeof w->failure, "shop_customer_get(%s): %s: %s", id,
                     trail_code_name(rc), trail_errmsg(w->db));
            return rc;
        }
        /* The "modify": a chance for another thread to write in between. */
        sched_yield();
        shop_customer_update_params u = {
            .id = id, .version = c.version, .set = SHOP_CUSTOMER_CREDIT, .credit = c.credit + 1
        };
        shop_customer_clear(&c);
        rc = shop_customer_update(w->db, NULL, &u, NULL);
        if (rc == TRAIL_OK)
            return rc;
        if (rc != TRAIL_ECONFLICT) {
            snprintf(w->failure, sizeof w->failure,
                     "shop_customer_update(%s, version %lld): %s: %s", id, (long long)u.version,
                     trail_code_name(rc), trail_errmsg(w->db));
            return rc;
        }
        w->conflicts++;
    }
    snprintf(w->failure, sizeof w->failure, "%s: %d conflicts in a row", id, MAX_RETRIES);
    return TRAIL_ECONFLICT;
}

static void *work(void *arg)
{
    worker *w = arg;
    pthread_barrier_wait(&w->sh->go);
    for (int i = 0; i < PER_THREAD && w->rc == TRAIL_OK; i++) {
        int r = (int)(rand_r(&w->seed) % ROWS);
        if ((w->rc = increment(w, w->sh->ids[r])) == TRAIL_OK)
            w->increments[r]++;
    }
    return NULL;
}

static void test_threads_increment(void **state)
{
    it_db *t = *state;
    shared sh;
    it_customer_ids(t->db, ROWS, sh.ids);
    assert_int_equal(pthread_barrier_init(&sh.go, NULL, THREADS + 1), 0);
    worker w[THREADS];
    pthread_t tid[THREADS];
    for (int i = 0; i < THREADS; i++) {
        w[i] = (worker){ .sh = &sh, .db = it_open(t, NULL), .seed = 7919u * (unsigned)(i + 1) };
        assert_int_equal(pthread_create(&tid[i], NULL, work, &w[i]), 0);
    }
    int64_t start = it_now_ms();
    pthread_barrier_wait(&sh.go);
    for (int i = 0; i < THREADS; i++)
        assert_int_equal(pthread_join(tid[i], NULL), 0);
    int64_t elapsed = it_now_ms() - start;
    pthread_barrier_destroy(&sh.go);

    int64_t total = 0, conflicts = 0;
    int failed = 0;
    for (int i = 0; i < THREADS; i++) {
        trail_close(w[i].db);
        conflicts += w[i].conflicts;
        if (w[i].rc != TRAIL_OK && failed++ == 0)
            print_error("thread %d: %s\n", i, w[i].failure);
        for (int r = 0; r < ROWS; r++)
            total += w[i].increments[r];
    }
    print_message("  %d threads: %lld increments, %lld conflicts retried, in %lld ms\n", THREADS,
                  (long long)total, (long long)conflicts, (long long)elapsed);
    assert_int_equal(failed, 0);
    assert_int_equal(total, THREADS * PER_THREAD);

    int64_t lost = 0, wrong_rows = 0, wrong_events = 0;
    for (int r = 0; r < ROWS; r++) {
        int64_t want = 0;
        for (int i = 0; i < THREADS; i++)
            want += w[i].increments[r];
        shop_customer c = { 0 };
        IT_OK(t->db, shop_customer_get(t->db, sh.ids[r], &c));
        int64_t updates = raw_count(t->url,
                                    "SELECT count(*) FROM \"trail_change_events\""
                                    " WHERE \"record_id\" = '%s' AND \"op\" = 'update'",
                                    sh.ids[r]);
        if (c.credit != want || c.version != want + 1 || updates != want)
            print_error("customer %d: %lld successful increments, but credit %lld, version %lld, "
                        "%lld update events\n",
                        r, (long long)want, (long long)c.credit, (long long)c.version,
                        (long long)updates);
        lost += want > c.credit ? want - c.credit : 0;
        wrong_rows += c.credit != want || c.version != want + 1;
        wrong_events += updates != want;
        shop_customer_clear(&c);
    }
    print_message("  lost updates: %lld; rows whose update events differ from their writes: %lld\n",
                  (long long)lost, (long long)wrong_events);
    assert_int_equal(lost, 0);
    assert_int_equal(wrong_rows, 0);
    assert_int_equal(wrong_events, 0);
    assert_int_equal(it_rows(t, "trail_change_events"), ROWS + total);
    /* Without contention this would test nothing that a single thread does not. */
    assert_true(conflicts > 0);
    it_verify_clean(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_threads_increment, it_setup, it_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
