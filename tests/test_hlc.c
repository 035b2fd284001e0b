/*
 * test_hlc.c - the hybrid logical clock: uniqueness across threads, counter
 * overflow, remote merges and the drift bound, wall clock stepping back,
 * the floor, and the text form.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "trail/trail.h"

/* A wall clock the test controls; counts how often the clock reads it. */
struct fake_wall {
    _Atomic int64_t ms;
    _Atomic long reads;
};

static int64_t fake_wall_read(void *userdata)
{
    struct fake_wall *w = userdata;
    atomic_fetch_add(&w->reads, 1);
    return atomic_load(&w->ms);
}

static trail_hlc *fake_clock(struct fake_wall *w, int64_t ms, int64_t max_drift_ms)
{
    atomic_init(&w->ms, ms);
    atomic_init(&w->reads, 0);
    trail_hlc_opts opts = { .max_drift_ms = max_drift_ms,
                            .wall = fake_wall_read,
                            .wall_userdata = w };
    trail_hlc *clock = NULL;
    assert_int_equal(trail_hlc_new(&clock, &opts), TRAIL_OK);
    assert_non_null(clock);
    return clock;
}

#define THREADS          4
#define CALLS_PER_THREAD 1000000

struct worker {
    trail_hlc *clock;
    pthread_barrier_t *start;
    int64_t *values;
};

static void *worker_run(void *arg)
{
    struct worker *w = arg;
    pthread_barrier_wait(w->start);
    for (size_t i = 0; i < CALLS_PER_THREAD; i++)
        w->values[i] = trail_hlc_now(w->clock);
    return NULL;
}

static int cmp_int64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* 4 threads x 1,000,000 calls on one real-time clock: all unique, each thread increasing. */
static void test_threads_unique_and_increasing(void **state)
{
    (void)state;
    trail_hlc *clock = NULL;
    assert_int_equal(trail_hlc_new(&clock, NULL), TRAIL_OK);

    int64_t *all = malloc(sizeof(int64_t) * THREADS * CALLS_PER_THREAD);
    assert_non_null(all);
    pthread_barrier_t start;
    pthread_barrier_init(&start, NULL, THREADS);
    pthread_t tid[THREADS];
    struct worker workers[THREADS];
    for (int t = 0; t < THREADS; t++) {
        workers[t] = (struct worker){ clock, &start, all + (size_t)t * CALLS_PER_THREAD };
        assert_int_equal(pthread_create(&tid[t], NULL, worker_run, &workers[t]), 0);
    }
    for (int t = 0; t < THREADS; t++)
        pthread_join(tid[t], NULL);
    pthread_barrier_destroy(&start);

    for (int t = 0; t < THREADS; t++) {
        const int64_t *v = workers[t].values;
        for (size_t i = 1; i < CALLS_PER_THREAD; i++) {
            if (v[i] <= v[i - 1])
                fail_msg("thread %d: value %zu (%lld) not above value %zu (%lld)", t, i,
                         (long long)v[i], i - 1, (long long)v[i - 1]);
        }
    }
    qsort(all, (size_t)THREADS * CALLS_PER_THREAD, sizeof(int64_t), cmp_int64);
    size_t dups = 0;
    for (size_t i = 1; i < (size_t)THREADS * CALLS_PER_THREAD; i++)
        dups += all[i] == all[i - 1];
    assert_int_equal(dups, 0);
    /* Every value issued is at or below what the clock reports as its last. */
    assert_true(all[(size_t)THREADS * CALLS_PER_THREAD - 1] == trail_hlc_last(clock));
    free(all);
    trail_hlc_free(clock);
}

/* A frozen wall clock: past 65,536 calls the physical part moves on, without waiting. */
static void test_counter_overflow_advances_physical(void **state)
{
    (void)state;
    struct fake_wall wall;
    const int64_t t0 = 1700000000000;
    trail_hlc *clock = fake_clock(&wall, t0, 0);

    const long calls = 3 * 65536 + 17;
    int64_t prev = trail_hlc_now(clock);
    assert_int_equal(TRAIL_HLC_MS(prev), t0);
    assert_int_equal(TRAIL_HLC_LOGICAL(prev), 0);
    for (long i = 1; i < calls; i++) {
        int64_t ts = trail_hlc_now(clock);
        assert_true(ts == prev + 1); /* strictly increasing, nothing skipped, no duplicate */
        if (i == 65535) {
            assert_int_equal(TRAIL_HLC_MS(ts), t0);
            assert_int_equal(TRAIL_HLC_LOGICAL(ts), TRAIL_HLC_LOGICAL_MAX);
        }
        if (i == 65536) {
            assert_int_equal(TRAIL_HLC_MS(ts), t0 + 1);
            assert_int_equal(TRAIL_HLC_LOGICAL(ts), 0);
        }
        prev = ts;
    }
    assert_int_equal(TRAIL_HLC_MS(prev), t0 + 3);
    assert_int_equal(TRAIL_HLC_LOGICAL(prev), 16); /* call k (from 0) is t0 + k */
    /* No sleeping or polling: exactly one wall-clock read per call. */
    assert_int_equal(atomic_load(&wall.reads), calls);

    /* When the wall clock catches up, the clock follows it again with counter 0. */
    atomic_store(&wall.ms, t0 + 10);
    int64_t ts = trail_hlc_now(clock);
    assert_int_equal(TRAIL_HLC_MS(ts), t0 + 10);
    assert_int_equal(TRAIL_HLC_LOGICAL(ts), 0);
    trail_hlc_free(clock);
}

/* A wall clock stepped back never makes the clock go back. */
static void test_wall_steps_back(void **state)
{
    (void)state;
    struct fake_wall wall;
    trail_hlc *clock = fake_clock(&wall, 1000000, 0);
    int64_t a = trail_hlc_now(clock);
    atomic_store(&wall.ms, 900000); /* 100 s back */
    int64_t b = trail_hlc_now(clock);
    int64_t c = trail_hlc_now(clock);
    assert_true(b > a);
    assert_true(c > b);
    assert_int_equal(TRAIL_HLC_MS(c), 1000000);
    atomic_store(&wall.ms, 1000001);
    int64_t d = trail_hlc_now(clock);
    assert_int_equal(d, TRAIL_HLC_MAKE(1000001, 0));
    trail_hlc_free(clock);
}

/* Remote timestamps within the drift bound are merged; one millisecond beyond it is refused. */
static void test_update_drift_bound(void **state)
{
    (void)state;
    struct fake_wall wall;
    const int64_t w0 = 5000000;
    trail_hlc *clock = fake_clock(&wall, w0, 0); /* default bound: 500 ms */
    int64_t before = trail_hlc_now(clock);

    /* Exactly 500 ms ahead, with a counter: accepted, and later timestamps are above it. */
    int64_t remote = TRAIL_HLC_MAKE(w0 + 500, 42);
    assert_int_equal(trail_hlc_update(clock, remote), TRAIL_OK);
    assert_int_equal(trail_hlc_last(clock), remote);
    assert_int_equal(trail_hlc_now(clock), remote + 1);

    /* 501 ms ahead: refused, and the clock is exactly as it was. */
    int64_t last = trail_hlc_last(clock);
    assert_int_equal(trail_hlc_update(clock, TRAIL_HLC_MAKE(w0 + 501, 0)), TRAIL_ECLOCK);
    assert_int_equal(trail_hlc_last(clock), last);
    assert_int_equal(trail_hlc_now(clock), last + 1);

    /* A remote behind us changes nothing. */
    last = trail_hlc_last(clock);
    assert_int_equal(trail_hlc_update(clock, before), TRAIL_OK);
    assert_int_equal(trail_hlc_last(clock), last);

    assert_int_equal(trail_hlc_update(clock, -1), TRAIL_EARG);
    assert_int_equal(trail_hlc_update(NULL, 0), TRAIL_EARG);
    trail_hlc_free(clock);

    /* A configured bound replaces the default. */
    clock = fake_clock(&wall, w0, 20);
    assert_int_equal(trail_hlc_update(clock, TRAIL_HLC_MAKE(w0 + 20, 0)), TRAIL_OK);
    assert_int_equal(trail_hlc_update(clock, TRAIL_HLC_MAKE(w0 + 21, 0)), TRAIL_ECLOCK);
    trail_hlc_free(clock);
}

/* The floor: a reopened database never issues a timestamp at or below one it stored. */
static void test_floor(void **state)
{
    (void)state;
    struct fake_wall wall;
    trail_hlc *clock = fake_clock(&wall, 1000, 0);
    int64_t stored = TRAIL_HLC_MAKE(86400000, 7); /* far ahead of the wall: no drift check */
    assert_int_equal(trail_hlc_set_floor(clock, stored), TRAIL_OK);
    assert_int_equal(trail_hlc_now(clock), stored + 1);
    /* A lower floor does not move the clock back. */
    assert_int_equal(trail_hlc_set_floor(clock, 5), TRAIL_OK);
    assert_int_equal(trail_hlc_now(clock), stored + 2);
    assert_int_equal(trail_hlc_set_floor(clock, -1), TRAIL_EARG);
    assert_int_equal(trail_hlc_set_floor(clock, INT64_MAX), TRAIL_EARG);
    trail_hlc_free(clock);
}

static void test_new_arguments(void **state)
{
    (void)state;
    trail_hlc *clock = (trail_hlc *)&clock;
    trail_hlc_opts bad = { .max_drift_ms = -1 };
    assert_int_equal(trail_hlc_new(&clock, &bad), TRAIL_EARG);
    assert_null(clock);
    assert_int_equal(trail_hlc_new(NULL, NULL), TRAIL_EARG);
    trail_hlc_free(NULL);

    /* The real clock starts near wall time. */
    assert_int_equal(trail_hlc_new(&clock, NULL), TRAIL_OK);
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    int64_t now_ms = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
    int64_t hlc_ms = TRAIL_HLC_MS(trail_hlc_now(clock));
    assert_true(hlc_ms >= now_ms - 1000 && hlc_ms <= now_ms + 1000);
    trail_hlc_free(clock);
}

static void test_text_form(void **state)
{
    (void)state;
    char buf[TRAIL_HLC_TEXT_MAX];
    /* 2026-11-22T22:35:10.123Z = 1795386910123 ms */
    int64_t ts = TRAIL_HLC_MAKE(INT64_C(1795386910123), 4);
    assert_string_equal(trail_hlc_format(buf, ts), "2026-11-22T22:35:10.123Z#00004");
    assert_string_equal(trail_hlc_format(buf, 0), "1970-01-01T00:00:00.000Z#00000");
    assert_string_equal(trail_hlc_format(buf, TRAIL_HLC_MAKE(1, 65535)),
                        "1970-01-01T00:00:00.001Z#65535");

    int64_t back = 0;
    assert_int_equal(trail_hlc_parse(&back, "2026-11-22T22:35:10.123Z#00004"), TRAIL_OK);
    assert_int_equal(back, ts);
    assert_int_equal(trail_hlc_parse(&back, "2026-11-22T22:35:10.123Z"), TRAIL_OK);
    assert_int_equal(back, TRAIL_HLC_MAKE(INT64_C(1795386910123), 0));
    assert_int_equal(trail_hlc_parse(&back, "2026-11-22T22:35:10Z#1"), TRAIL_OK);
    assert_int_equal(back, TRAIL_HLC_MAKE(INT64_C(1795386910000), 1));

    const char *bad[] = { "",
                          "#1",
                          "2026-11-22T22:35:10.123Z#",
                          "2026-11-22T22:35:10.123Z#65536",
                          "2026-11-22T22:35:10.123Z#-1",
                          "2026-11-22T22:35:10.123Z#1x",
                          "1969-12-31T23:59:59.999Z",
                          "2026-11-22 22:35:10.123Z" };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (trail_hlc_parse(&back, bad[i]) != TRAIL_EINVALID)
            fail_msg("parsed \"%s\"", bad[i]);
    }

    /* Text sorts as timestamps do. */
    char a[TRAIL_HLC_TEXT_MAX], b[TRAIL_HLC_TEXT_MAX];
    int64_t x = TRAIL_HLC_MAKE(INT64_C(1795386910123), 9);
    int64_t y = TRAIL_HLC_MAKE(INT64_C(1795386910123), 10);
    int64_t z = TRAIL_HLC_MAKE(INT64_C(1795386910124), 0);
    assert_true(strcmp(trail_hlc_format(a, x), trail_hlc_format(b, y)) < 0);
    assert_true(strcmp(trail_hlc_format(a, y), trail_hlc_format(b, z)) < 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_threads_unique_and_increasing),
        cmocka_unit_test(test_counter_overflow_advances_physical),
        cmocka_unit_test(test_wall_steps_back),
        cmocka_unit_test(test_update_drift_bound),
        cmocka_unit_test(test_floor),
        cmocka_unit_test(test_new_arguments),
        cmocka_unit_test(test_text_form),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
