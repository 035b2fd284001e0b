/*
 * bench_clock.c - what a timestamp and an id cost.
 *
 * trail_hlc_now is measured against one clock_gettime(CLOCK_REALTIME), the
 * floor any wall-clock HLC pays, and against a mutex-guarded HLC written
 * here, the obvious alternative to a lock-free one; on one thread and on two
 * threads sharing one clock. trail_ulid_next is measured alone and with its
 * text form.
 *
 * Every figure is the median of several repetitions taken in this run, timed
 * with CLOCK_MONOTONIC; the cases take turns within each repetition so that
 * a slow moment of the machine does not fall on one case only. Nothing is
 * pinned. --quick (what ctest runs) uses tiny counts only to prove the
 * program works: its figures mean nothing and no figure is ever asserted.
 */
#define _POSIX_C_SOURCE 200809L
#include "bench_util.h"
#include "trail/error.h"
#include "trail/hlc.h"
#include "trail/ulid.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define DEFAULT_CLOCK_CALLS 10000000L
#define DEFAULT_ULID_CALLS  10000000L
#define DEFAULT_REPS        5
#define QUICK_CALLS         20000L
#define QUICK_REPS          3
#define MAX_REPS            BENCH_MAX_REPS
#define MAX_THREADS         2

/* The targets this benchmark judges against. */
#define TARGET_HLC_VS_GETTIME 1.3  /* trail_hlc_now, 1 thread, / clock_gettime */
#define TARGET_HLC_VS_MUTEX   1.0  /* trail_hlc_now, 2 threads, / mutex HLC, 2 threads */
#define TARGET_ULID_NS        60.0 /* one trail_ulid_next */

/* Results end up here, so that no call can be optimised away. */
static volatile uint64_t sink;

/* ---- The reference: a plain HLC behind a mutex, same layout and rules. ---- */

#define REF_MAX_MS ((INT64_C(1) << 47) - 1)

struct ref_hlc {
    pthread_mutex_t lock;
    uint64_t last;
};

static int64_t ref_hlc_now(struct ref_hlc *clock)
{
    /* Wall time is read outside the lock: the shortest critical section, the
     * strongest baseline. Any reading is a valid lower bound. */
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    int64_t ms = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
    ms = ms < 0 ? 0 : ms > REF_MAX_MS ? REF_MAX_MS : ms;
    uint64_t wall = (uint64_t)ms << TRAIL_HLC_LOGICAL_BITS;

    pthread_mutex_lock(&clock->lock);
    /* A counter overflow carries into the milliseconds, as in trail_hlc_now. */
    uint64_t next = wall > clock->last ? wall : clock->last + 1;
    clock->last = next;
    pthread_mutex_unlock(&clock->lock);
    return (int64_t)next;
}

/* ---- Loop bodies: each runs @n calls and returns what it accumulated. ---- */

typedef uint64_t (*body_fn)(void *arg, long n);

static uint64_t body_gettime(void *arg, long n)
{
    (void)arg;
    uint64_t acc = 0;
    for (long i = 0; i < n; i++) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        acc += (uint64_t)ts.tv_sec ^ (uint64_t)ts.tv_nsec;
    }
    return acc;
}

static uint64_t body_hlc(void *arg, long n)
{
    trail_hlc *clock = arg;
    uint64_t acc = 0;
    for (long i = 0; i < n; i++)
        acc += (uint64_t)trail_hlc_now(clock);
    return acc;
}

static uint64_t body_ref(void *arg, long n)
{
    struct ref_hlc *clock = arg;
    uint64_t acc = 0;
    for (long i = 0; i < n; i++)
        acc += (uint64_t)ref_hlc_now(clock);
    return acc;
}

/* One generator per case; next_ms runs on across repetitions. */
struct ulid_case {
    trail_ulid_gen *gen;
    int64_t next_ms;
    long failures;
};

/* Same millisecond every call: the id is the previous one plus one. */
static uint64_t body_ulid_same_ms(void *arg, long n)
{
    struct ulid_case *c = arg;
    uint64_t acc = 0;
    trail_ulid id = { { 0 } };
    for (long i = 0; i < n; i++) {
        if (trail_ulid_next(c->gen, c->next_ms, &id) < 0)
            c->failures++;
        acc += id.bytes[15];
    }
    return acc;
}

/* A new millisecond every call: every id draws a fresh random part. */
static uint64_t body_ulid_new_ms(void *arg, long n)
{
    struct ulid_case *c = arg;
    uint64_t acc = 0;
    trail_ulid id = { { 0 } };
    for (long i = 0; i < n; i++) {
        if (trail_ulid_next(c->gen, c->next_ms++, &id) < 0)
            c->failures++;
        acc += id.bytes[15];
    }
    return acc;
}

static uint64_t body_ulid_text(void *arg, long n)
{
    struct ulid_case *c = arg;
    uint64_t acc = 0;
    trail_ulid id = { { 0 } };
    char text[TRAIL_ULID_LEN + 1];
    for (long i = 0; i < n; i++) {
        if (trail_ulid_next(c->gen, c->next_ms++, &id) < 0)
            c->failures++;
        acc += (uint8_t)trail_ulid_format(text, &id)[TRAIL_ULID_LEN - 1];
    }
    return acc;
}

/* ---- Running a case on 1 or 2 threads. ---- */

static int64_t mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

struct worker {
    body_fn body;
    void *arg;
    long n;
    pthread_barrier_t *start;
    int64_t t0, t1;
    uint64_t acc;
};

static void *worker_run(void *p)
{
    struct worker *w = p;
    pthread_barrier_wait(w->start);
    w->t0 = mono_ns();
    w->acc = w->body(w->arg, w->n);
    w->t1 = mono_ns();
    return NULL;
}

struct bench_case {
    const char *name;
    int threads;
    body_fn body;
    void *arg;
    long n; /* calls per thread */
    /* Per repetition: ns per call over all threads (elapsed / all calls), and
     * ns per call as one thread sees it (its own elapsed / its calls, averaged). */
    double total_ns[MAX_REPS], thread_ns[MAX_REPS];
    double total_med, thread_med; /* medians */
};

static struct bench_case case_of(const char *name, int threads, body_fn body, void *arg, long n)
{
    struct bench_case c = { .name = name, .threads = threads, .body = body, .arg = arg, .n = n };
    return c;
}

/* Runs @c once with @n calls per thread; with @rep >= 0, records the figures. */
static void run_once(struct bench_case *c, long n, int rep)
{
    pthread_barrier_t start;
    pthread_t tid[MAX_THREADS];
    struct worker w[MAX_THREADS];
    int rc = pthread_barrier_init(&start, NULL, (unsigned)c->threads);
    for (int t = 0; rc == 0 && t < c->threads; t++) {
        w[t] = (struct worker){ .body = c->body, .arg = c->arg, .n = n, .start = &start };
        rc = pthread_create(&tid[t], NULL, worker_run, &w[t]);
    }
    /* Threads already started would wait at the barrier forever: give up at once. */
    if (rc != 0) {
        fprintf(stderr, "bench_clock: cannot start threads: %s\n", strerror(rc));
        exit(1);
    }
    int64_t first = INT64_MAX, last = INT64_MIN;
    double per_thread = 0;
    for (int t = 0; t < c->threads; t++) {
        pthread_join(tid[t], NULL);
        first = w[t].t0 < first ? w[t].t0 : first;
        last = w[t].t1 > last ? w[t].t1 : last;
        per_thread += (double)(w[t].t1 - w[t].t0) / (double)n;
        sink ^= w[t].acc;
    }
    pthread_barrier_destroy(&start);
    if (rep >= 0) {
        c->total_ns[rep] = (double)(last - first) / ((double)n * c->threads);
        c->thread_ns[rep] = per_thread / c->threads;
    }
}

/* ---- Command line and report. ---- */

static void usage(FILE *f)
{
    fprintf(f,
            "usage: bench_clock [--quick] [--calls N] [--ulid-calls N] [--reps R]\n"
            "\n"
            "Measures, in one run, ns per call of:\n"
            "  clock_gettime(CLOCK_REALTIME)       1 thread (the floor of any wall-clock HLC)\n"
            "  trail_hlc_now                       1 and 2 threads sharing one clock\n"
            "  a mutex-guarded HLC (reference)     1 and 2 threads sharing one clock\n"
            "  trail_ulid_next                     same ms every call, and a new ms every call\n"
            "  trail_ulid_next + trail_ulid_format a new ms every call\n"
            "and prints the ratios and whether the targets are met:\n"
            "  trail_hlc_now (1 thread)  <= %.1fx clock_gettime\n"
            "  trail_hlc_now (2 threads) <= %.1fx the mutex HLC (2 threads)\n"
            "  trail_ulid_next           <= %.0f ns\n"
            "\n"
            "Each figure is the median of R repetitions. For 2 threads, 'ns/call' is\n"
            "elapsed time over all calls of both threads (throughput), 'per thread'\n"
            "each thread's own elapsed time over its calls (latency).\n"
            "\n"
            "  --quick         tiny counts, to check that it runs (ctest); figures mean nothing\n"
            "  --calls N       clock calls per thread and repetition (default %ld)\n"
            "  --ulid-calls N  ULIDs per repetition (default %ld)\n"
            "  --reps R        repetitions, 1-%d (default %d)\n"
            "  --help          this text\n",
            TARGET_HLC_VS_GETTIME, TARGET_HLC_VS_MUTEX, TARGET_ULID_NS, DEFAULT_CLOCK_CALLS,
            DEFAULT_ULID_CALLS, MAX_REPS, DEFAULT_REPS);
}

static void verdict(const char *what, double value, double bound, const char *unit)
{
    char target[96];
    snprintf(target, sizeof target, "%s <= %.*f%s:", what, unit[0] == 'x' ? 1 : 0, bound, unit);
    printf("  %-54s %-6s (%.2f%s)\n", target, value <= bound ? "met" : "missed", value, unit);
}

int main(int argc, char **argv)
{
    long clock_calls = DEFAULT_CLOCK_CALLS, ulid_calls = DEFAULT_ULID_CALLS, reps = DEFAULT_REPS;
    bool quick = false;
    const bench_option opts[] = {
        { "--quick", .flag = &quick },
        { "--calls", .count = &clock_calls, .max = 1000000000L },
        { "--ulid-calls", .count = &ulid_calls, .max = 1000000000L },
        { "--reps", .count = &reps, .max = MAX_REPS },
    };
    int parsed =
        bench_parse_args(argc, argv, opts, sizeof opts / sizeof opts[0], usage, "bench_clock");
    if (parsed)
        return parsed == 1 ? 0 : parsed;
    if (quick) {
        clock_calls = ulid_calls = QUICK_CALLS;
        reps = QUICK_REPS;
    }

    trail_hlc *hlc = NULL;
    int rc = trail_hlc_new(&hlc, NULL);
    if (rc < 0) {
        fprintf(stderr, "bench_clock: trail_hlc_new: %s\n", trail_strerror(rc));
        return 1;
    }
    struct ref_hlc ref = { .last = 0 };
    pthread_mutex_init(&ref.lock, NULL);

    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    const int64_t now_ms = (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000;
    struct ulid_case ulid[3] = { { .next_ms = now_ms },
                                 { .next_ms = now_ms },
                                 { .next_ms = now_ms } };
    for (int i = 0; i < 3; i++) {
        if ((rc = trail_ulid_gen_new(&ulid[i].gen)) < 0) {
            fprintf(stderr, "bench_clock: trail_ulid_gen_new: %s\n", trail_strerror(rc));
            return 1;
        }
    }

    enum { GETTIME, HLC1, HLC2, REF1, REF2, ULID_SAME, ULID_NEW, ULID_TEXT, NCASES };
    static struct bench_case cases[NCASES];
    cases[GETTIME] = case_of("clock_gettime(CLOCK_REALTIME)", 1, body_gettime, NULL, clock_calls);
    cases[HLC1] = case_of("trail_hlc_now", 1, body_hlc, hlc, clock_calls);
    cases[HLC2] = case_of("trail_hlc_now", 2, body_hlc, hlc, clock_calls);
    cases[REF1] = case_of("mutex HLC (reference)", 1, body_ref, &ref, clock_calls);
    cases[REF2] = case_of("mutex HLC (reference)", 2, body_ref, &ref, clock_calls);
    cases[ULID_SAME] =
        case_of("trail_ulid_next, same ms", 1, body_ulid_same_ms, &ulid[0], ulid_calls);
    cases[ULID_NEW] =
        case_of("trail_ulid_next, new ms each", 1, body_ulid_new_ms, &ulid[1], ulid_calls);
    cases[ULID_TEXT] =
        case_of("trail_ulid_next + _format, new ms", 1, body_ulid_text, &ulid[2], ulid_calls);

    /* Warm-up: faults in pages, fills the ULID pools, wakes the CPUs up. */
    for (int c = 0; c < NCASES; c++)
        run_once(&cases[c], cases[c].n / 10 + 1, -1);
    for (long r = 0; r < reps; r++) {
        for (int c = 0; c < NCASES; c++)
            run_once(&cases[c], cases[c].n, (int)r);
    }
    for (int i = 0; i < 3; i++) {
        if (ulid[i].failures) {
            fprintf(stderr, "bench_clock: %ld trail_ulid_next calls failed\n", ulid[i].failures);
            return 1;
        }
    }
    for (int c = 0; c < NCASES; c++) {
        cases[c].total_med = bench_median(cases[c].total_ns, (int)reps);
        cases[c].thread_med = bench_median(cases[c].thread_ns, (int)reps);
    }

    printf("bench_clock: median of %ld repetitions; %ld clock calls per thread, %ld ULIDs; "
           "%ld CPUs online%s\n\n",
           reps, clock_calls, ulid_calls, sysconf(_SC_NPROCESSORS_ONLN),
           quick ? "\n(--quick: counts too small, figures mean nothing)" : "");
    printf("%-36s %7s %9s %11s %9s\n", "case", "threads", "ns/call", "per thread", "Mcalls/s");
    for (int c = 0; c < NCASES; c++) {
        const struct bench_case *b = &cases[c];
        printf("%-36s %7d %9.2f %11.2f %9.1f\n", b->name, b->threads, b->total_med, b->thread_med,
               1000.0 / b->total_med);
    }

    double hlc_vs_gettime = cases[HLC1].total_med / cases[GETTIME].total_med;
    double hlc_vs_mutex = cases[HLC2].total_med / cases[REF2].total_med;
    double ulid_ns = cases[ULID_SAME].total_med > cases[ULID_NEW].total_med
                         ? cases[ULID_SAME].total_med
                         : cases[ULID_NEW].total_med;
    printf("\nns/call: elapsed time over the calls of all threads (throughput);\n"
           "per thread: each thread's own elapsed time over its calls (latency).\n");
    printf("\nratios of ns/call\n");
    printf("  %-54s %.2f\n", "trail_hlc_now (1 thread) / clock_gettime", hlc_vs_gettime);
    printf("  %-54s %.2f\n", "trail_hlc_now (2 threads) / mutex HLC (2 threads)", hlc_vs_mutex);
    printf("  %-54s %.2f\n", "mutex HLC (1 thread) / clock_gettime",
           cases[REF1].total_med / cases[GETTIME].total_med);
    printf("\ntargets\n");
    verdict("trail_hlc_now over clock_gettime, 1 thread", hlc_vs_gettime, TARGET_HLC_VS_GETTIME,
            "x");
    verdict("trail_hlc_now over mutex HLC, 2 threads each", hlc_vs_mutex, TARGET_HLC_VS_MUTEX, "x");
    verdict("trail_ulid_next, slower of its two paths", ulid_ns, TARGET_ULID_NS, " ns");

    for (int i = 0; i < 3; i++)
        trail_ulid_gen_free(ulid[i].gen);
    pthread_mutex_destroy(&ref.lock);
    trail_hlc_free(hlc);
    return 0;
}
