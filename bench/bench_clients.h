/*
 * bench_clients.h - the cases of the benchmarks of audited writes against a
 * server (bench_write_pg, bench_write_mysql) and the clients that run them:
 * three kinds of write (plain, trigger audit, trail), each with 1 or 2
 * clients (threads, each with its own connection and its own customers),
 * at the server's default durability and at a less durable setting; the
 * timed loop, the check of the counts afterwards, and the report.
 * Header-only, static, like bench_util.h; the program links the generated
 * shop API, trail_internal and Threads::Threads, and defines _XOPEN_SOURCE
 * 700 (pthread_barrier) before its first include.
 */
#ifndef TRAIL_BENCH_CLIENTS_H
#define TRAIL_BENCH_CLIENTS_H

#include "bench_server.h"
#include "bench_shop.h"
#include "bench_util.h"

#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BENCH_MAX_CLIENTS 2
/* Threads a run may have: bench_write_mysql --galera runs 3 clients, one per node. */
#define BENCH_MAX_THREADS 3

/* The same defaults for every server, so that their figures compare. */
#define BENCH_DEFAULT_ROWS   1000
#define BENCH_DEFAULT_REPS   5
#define BENCH_DEFAULT_MS     2000
#define BENCH_DEFAULT_WARMUP 300 /* writes per client */
#define BENCH_QUICK_ROWS     20
#define BENCH_QUICK_REPS     1
#define BENCH_QUICK_MS       20
#define BENCH_QUICK_WARMUP   10
#define BENCH_MAX_ROWS       1000000L

enum bench_kind { BENCH_PLAIN, BENCH_TRIGGER, BENCH_TRAIL, BENCH_NKINDS };
static const char *const bench_kind_names[BENCH_NKINDS] = { "plain", "trigger audit", "trail" };

/* The command line of a benchmark against a server. */
typedef struct bench_args {
    bool quick;
    bool keep;       /* --keep: leave what the cases made on the --url server */
    const char *url; /* --url: the server to use instead of starting one */
    long rows, ms, reps, warmup;
    const char *data;       /* --data: where the figures for gnuplot go */
    const char *parent;     /* --dir: where the server's temporary directory goes */
    const char *script;     /* the server script */
    bool galera;            /* --galera: on a Galera cluster of galera.sh's */
    const char *galera_dir; /* --galera-dir: on the running cluster of this galera.sh DIR */
} bench_args;

/*
 * Reads @argv into @a: --quick, --url, --rows, --ms, --reps, --data, --dir,
 * @script_option (the server script, default @script), --keep when
 * @keep_option, --galera and --galera-dir when @galera_options. Returns as
 * bench_parse_args() does (@usage for --help); dies on values that do not
 * go together.
 */
static inline int bench_args_parse(bench_args *a, int argc, char **argv, const char *script_option,
                                   const char *script, bool keep_option, bool galera_options,
                                   void (*usage)(FILE *))
{
    *a = (bench_args){ .rows = BENCH_DEFAULT_ROWS,
                       .ms = BENCH_DEFAULT_MS,
                       .reps = BENCH_DEFAULT_REPS,
                       .warmup = BENCH_DEFAULT_WARMUP,
                       .parent = getenv("TMPDIR"),
                       .script = script };
    const bench_option opts[] = {
        { "--quick", .flag = &a->quick },
        { "--url", .text = &a->url },
        { "--rows", .count = &a->rows, .max = BENCH_MAX_ROWS },
        { "--ms", .count = &a->ms, .max = 600000L },
        { "--reps", .count = &a->reps, .max = BENCH_MAX_REPS },
        { "--data", .text = &a->data },
        { "--dir", .text = &a->parent },
        { script_option, .text = &a->script },
        /* Last: left out without their @..._option. */
        { "--keep", .flag = &a->keep },
        { "--galera", .flag = &a->galera },
        { "--galera-dir", .text = &a->galera_dir },
    };
    bench_option chosen[sizeof opts / sizeof opts[0]];
    size_t n = 0;
    for (size_t i = 0; i < sizeof opts / sizeof opts[0]; i++)
        if ((keep_option || opts[i].flag != &a->keep) &&
            (galera_options || (opts[i].flag != &a->galera && opts[i].text != &a->galera_dir)))
            chosen[n++] = opts[i];
    int parsed = bench_parse_args(argc, argv, chosen, n, usage, bench_program);
    if (parsed)
        return parsed;
    if (a->quick) {
        a->rows = BENCH_QUICK_ROWS;
        a->ms = BENCH_QUICK_MS;
        a->reps = BENCH_QUICK_REPS;
        a->warmup = BENCH_QUICK_WARMUP;
    }
    if (a->keep && !a->url)
        bench_die("--keep needs --url: the server this program starts is always stopped");
    if (a->galera_dir)
        a->galera = true;
    if (a->galera && a->url)
        bench_die("--galera and --url: one or the other (--galera-dir for a running cluster)");
    if (a->rows < BENCH_MAX_CLIENTS)
        bench_die("--rows: at least %d, one customer per client", BENCH_MAX_CLIENTS);
    if (!a->parent || !*a->parent)
        a->parent = "/tmp";
    if (strlen(a->parent) > BENCH_DIR_MAX - 32)
        bench_die("--dir or TMPDIR: a path of at most %d characters, please", BENCH_DIR_MAX - 32);
    return 0;
}

/* Cases per durability setting: every kind with 1 and with 2 clients. */
#define BENCH_GROUP_CASES (BENCH_MAX_CLIENTS * BENCH_NKINDS)

typedef struct bench_case {
    enum bench_kind kind;
    int clients;
    bool relaxed;                 /* at the less durable setting */
    double ops[BENCH_MAX_REPS];   /* writes per second */
    double sends[BENCH_MAX_REPS]; /* client sends per write; -1 when not observed */
    double event_bytes;           /* mean size of the variable columns of an update event */
    long retries; /* writes run again after the engine undid them, over every repetition */
} bench_case;

/* The index of a case: the setting, then the clients, then the kind. */
static inline int bench_case_index(bool relaxed, int clients, enum bench_kind kind)
{
    return (relaxed ? BENCH_GROUP_CASES : 0) + (clients - 1) * BENCH_NKINDS + (int)kind;
}

/* The ratio of kind @a's writes per second to kind @b's, at one setting with @clients. */
static inline double bench_kind_ratio(const bench_case *cases, bool relaxed, int clients,
                                      enum bench_kind a, enum bench_kind b, int reps)
{
    return bench_ratio(cases[bench_case_index(relaxed, clients, a)].ops,
                       cases[bench_case_index(relaxed, clients, b)].ops, reps);
}

/* The ratio of kind @k's writes per second with 2 clients to its writes with 1, at one setting. */
static inline double bench_clients_ratio(const bench_case *cases, bool relaxed, enum bench_kind k,
                                         int reps)
{
    return bench_ratio(cases[bench_case_index(relaxed, BENCH_MAX_CLIENTS, k)].ops,
                       cases[bench_case_index(relaxed, 1, k)].ops, reps);
}

/* The groups of cases: one per setting and number of clients, the kinds side by side. */
typedef struct bench_groups {
    int settings;                           /* 2, or 1 when the relaxed one is not measured */
    const char *name[2][BENCH_MAX_CLIENTS]; /* by setting (relaxed) and clients - 1 */
} bench_groups;

/* Fills @cases: every kind, with 1 and 2 clients, at @g's settings. */
static inline void bench_cases_init(bench_case *cases, const bench_groups *g)
{
    for (int s = 0; s < g->settings; s++)
        for (int clients = 1; clients <= BENCH_MAX_CLIENTS; clients++)
            for (int k = 0; k < BENCH_NKINDS; k++)
                cases[bench_case_index(s, clients, k)] =
                    (bench_case){ .kind = k, .clients = clients, .relaxed = s };
}

typedef struct bench_client bench_client;

/* How a program's clients connect, write and disconnect; each is handed its bench_client. */
typedef struct bench_client_ops {
    void (*open)(bench_client *cl);
    void (*close)(bench_client *cl);
    /* By kind: changes customer @i's credit to @credit, at version[i]. */
    void (*write[BENCH_NKINDS])(bench_client *cl, long i, int64_t credit);
} bench_client_ops;

/* One run of a case: what its clients share; a program's run starts with one of these. */
typedef struct bench_run {
    bench_case *c;
    const bench_client_ops *ops;
    bench_client *cl[BENCH_MAX_THREADS]; /* the program's clients, which it sets */
    long rows;                           /* customers */
    char (*ids)[TRAIL_ULID_LEN + 1];     /* theirs, in creation order */
    int64_t *version;                    /* of each customer */
    int64_t *credit;                     /* last written to each */
    long warmup;                         /* writes per client before the timed part */
    int64_t budget_ns;                   /* of the timed part */
    pthread_barrier_t start;
} bench_run;

/* One client of a run; a program's client starts with one of these. */
struct bench_client {
    bench_run *run;
    int index;
    trail_conn *db; /* the trail case's */
    int fd;         /* its socket, for TCP_INFO; -1 when unknown */
    long next;      /* writes made, warm-up included */
    long timed;     /* writes in the timed part */
    long sends;     /* TCP data segments sent in the timed part; -1 when unknown */
    int64_t t0, t1;
};

/*
 * Run @r of case @c by @ops over the @rows customers @ids, each at version
 * 1; its clients (r->cl) are the program's to set.
 */
static inline void bench_run_init(bench_run *r, bench_case *c, const bench_client_ops *ops,
                                  long rows, char (*ids)[TRAIL_ULID_LEN + 1], long warmup,
                                  int64_t budget_ns)
{
    *r = (bench_run){
        .c = c, .ops = ops, .rows = rows, .ids = ids, .warmup = warmup, .budget_ns = budget_ns
    };
    r->version = malloc(sizeof *r->version * (size_t)rows);
    r->credit = calloc((size_t)rows, sizeof *r->credit);
    if (!r->version || !r->credit)
        bench_die("out of memory");
    for (long i = 0; i < rows; i++)
        r->version[i] = 1;
}

static inline void bench_run_free(bench_run *r)
{
    free(r->version);
    free(r->credit);
}

/* The trail case's write: shop_customer_update() with bench_ctx. */
static inline void bench_trail_write(bench_client *cl, long i, int64_t credit)
{
    shop_customer_update_params u = {
        .id = cl->run->ids[i],
        .version = cl->run->version[i],
        .set = SHOP_CUSTOMER_CREDIT,
        .credit = credit,
    };
    bench_trail_check(cl->db, shop_customer_update(cl->db, &bench_ctx, &u, NULL),
                      "shop_customer_update");
}

/*
 * Opens client @cl's trail connection to @url; @port_sql selects the
 * client's port as the server sees it, by which its socket is found.
 */
static inline void bench_trail_open(bench_client *cl, const char *url, const char *port_sql)
{
    char text[64];
    bool found;
    bench_trail_check(cl->db, trail_open(&cl->db, url, NULL), "trail_open");
    int rc = trail__conn_query_text(cl->db, port_sql, NULL, 0, text, sizeof text, &found);
    bench_trail_check(cl->db, rc, port_sql);
    cl->fd = found ? bench_socket_of_port(strtol(text, NULL, 10)) : -1;
}

/*
 * The client's next write. Client k of n writes the customers k, k + n,
 * k + 2n, ... in turn; the credit is new every time, and differs between
 * clients.
 */
static inline void bench_client_write(bench_client *cl)
{
    bench_run *r = cl->run;
    int n = r->c->clients;
    long share = (r->rows - cl->index + n - 1) / n, w = cl->next++;
    long i = cl->index + n * (w % share);
    int64_t credit = (int64_t)w * n + cl->index + 1;
    r->ops->write[r->c->kind](cl, i, credit);
    if (r->c->kind != BENCH_PLAIN)
        r->version[i]++;
    r->credit[i] = credit;
}

static inline void *bench_client_main(void *arg)
{
    bench_client *cl = arg;
    bench_run *r = cl->run;
    while (cl->next < r->warmup)
        bench_client_write(cl);
    pthread_barrier_wait(&r->start);
    long start = cl->next, s0 = bench_tcp_sends(cl->fd);
    cl->t0 = bench_mono_ns();
    do {
        bench_client_write(cl);
        cl->t1 = bench_mono_ns();
    } while (cl->t1 - cl->t0 < r->budget_ns);
    long s1 = bench_tcp_sends(cl->fd);
    cl->timed = cl->next - start;
    cl->sends = s0 >= 0 && s1 >= 0 ? s1 - s0 : -1;
    return NULL;
}

/*
 * Runs @fn(@args[k]) on @n threads (at most BENCH_MAX_THREADS) and waits
 * for them; @start is a barrier for the @n of them meanwhile. The signals
 * stay with this thread, whose handler stops the server.
 */
static inline void bench_threads(pthread_barrier_t *start, int n, void *(*fn)(void *),
                                 void *const args[])
{
    pthread_t threads[BENCH_MAX_THREADS];
    sigset_t block, old;
    sigemptyset(&block);
    sigaddset(&block, SIGINT);
    sigaddset(&block, SIGTERM);
    sigaddset(&block, SIGHUP);
    if (pthread_barrier_init(start, NULL, (unsigned)n) != 0)
        bench_die("pthread_barrier_init failed");
    pthread_sigmask(SIG_BLOCK, &block, &old);
    for (int k = 0; k < n; k++)
        if (pthread_create(&threads[k], NULL, fn, args[k]) != 0)
            bench_die("pthread_create failed");
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    for (int k = 0; k < n; k++)
        pthread_join(threads[k], NULL);
    pthread_barrier_destroy(start);
}

/*
 * Opens the run's clients, runs each on a thread of its own, closes them,
 * and fills the case's figures of repetition @rep: the writes of all
 * clients in the timed part over the time from the first one's start to
 * the last one's end, and their sends per write. Returns the writes made,
 * warm-up included.
 */
static inline long bench_run_clients(bench_run *r, int rep)
{
    int n = r->c->clients;
    bench_client *const *cl = r->cl;
    for (int k = 0; k < n; k++) {
        *cl[k] = (bench_client){ .run = r, .index = k, .fd = -1 };
        r->ops->open(cl[k]);
    }
    void *args[BENCH_MAX_THREADS] = { NULL };
    for (int k = 0; k < n; k++)
        args[k] = cl[k];
    bench_threads(&r->start, n, bench_client_main, args);

    int64_t t0 = cl[0]->t0, t1 = cl[0]->t1;
    long writes = 0, timed = 0, sends = 0;
    for (int k = 0; k < n; k++) {
        t0 = cl[k]->t0 < t0 ? cl[k]->t0 : t0;
        t1 = cl[k]->t1 > t1 ? cl[k]->t1 : t1;
        writes += cl[k]->next;
        timed += cl[k]->timed;
        sends = sends >= 0 && cl[k]->sends >= 0 ? sends + cl[k]->sends : -1;
        r->ops->close(cl[k]);
    }
    r->c->ops[rep] = (double)timed * 1e9 / (double)(t1 - t0);
    r->c->sends[rep] = sends >= 0 ? (double)sends / (double)timed : -1;
    return writes;
}

/*
 * Dies unless the database of run @r after @writes writes is as they left
 * it: @right customers of the run's hold their last credit and version,
 * @events update events (one per write when audited, else none),
 * @unmatched customers whose events do not match their version and
 * credit, @no_ctx events without the request context, @twins (lane_id,
 * seq) pairs that more than one event has.
 */
static inline void bench_check_counts(const bench_run *r, long writes, long right, long events,
                                      long unmatched, long no_ctx, long twins)
{
    const bench_case *c = r->c;
    bool audited = c->kind != BENCH_PLAIN;
    if (right != r->rows || events != (audited ? writes : 0) || unmatched != 0 || no_ctx != 0 ||
        twins != 0)
        bench_die("%s, %d client%s: after %ld writes, %ld of %ld customers as written, %ld update"
                  " events, %ld customers whose events do not match, %ld events without the"
                  " context, %ld (lane_id, seq) taken twice",
                  bench_kind_names[c->kind], c->clients, c->clients == 1 ? "" : "s", writes, right,
                  r->rows, events, unmatched, no_ctx, twins);
}

/* Prints the group @title: its cases @group (plain, trigger audit, trail) over @reps. */
static inline void bench_print_group(const char *title, const bench_case *group, int reps)
{
    printf("\n%s\n", title);
    printf("  %-16s %11s %9s %12s\n", "case", "writes/s", "x plain", "sends/write");
    for (int k = 0; k < BENCH_NKINDS; k++) {
        double sends = bench_median(group[k].sends, reps);
        printf("  %-16s %11.0f %9.2f ", bench_kind_names[k], bench_median(group[k].ops, reps),
               bench_ratio(group[k].ops, group[BENCH_PLAIN].ops, reps));
        if (sends >= 0)
            printf("%12.2f\n", sends);
        else
            printf("%12s\n", "n/a");
    }
}

/*
 * Prints every group's figures, what the columns mean (@setting names
 * what the groups vary), the size of the events, and trail over the
 * trigger audit in every group.
 */
static inline void bench_print_groups(const bench_case *cases, const bench_groups *g, int reps,
                                      const char *setting)
{
    for (int s = 0; s < g->settings; s++)
        for (int clients = 1; clients <= BENCH_MAX_CLIENTS; clients++)
            bench_print_group(g->name[s][clients - 1],
                              &cases[bench_case_index(s, clients, BENCH_PLAIN)], reps);
    printf("\nx plain: over plain UPDATEs, same clients and %s. Ratios are medians\n"
           "of per-repetition ratios. sends/write: TCP data segments the clients sent per write\n"
           "(each answered before the next: round trips).\n",
           setting);
    printf("Update event, text and JSON columns: %.0f bytes (trigger), %.0f bytes (trail)\n",
           cases[bench_case_index(false, 1, BENCH_TRIGGER)].event_bytes,
           cases[bench_case_index(false, 1, BENCH_TRAIL)].event_bytes);
    printf("\ntrail / trigger audit\n");
    for (int s = 0; s < g->settings; s++)
        for (int clients = 1; clients <= BENCH_MAX_CLIENTS; clients++)
            printf("  %-62s %.2fx\n", g->name[s][clients - 1],
                   bench_kind_ratio(cases, s, clients, BENCH_TRAIL, BENCH_TRIGGER, reps));
    printf("\n%d clients / 1 client (plain, trigger audit, trail)\n", BENCH_MAX_CLIENTS);
    for (int s = 0; s < g->settings; s++) {
        char what[128];
        snprintf(what, sizeof what, "%s", g->name[s][0]);
        what[strcspn(what, ",")] = '\0'; /* the setting, without the clients */
        printf("  %-44s %5.2fx %5.2fx %5.2fx\n", what,
               bench_clients_ratio(cases, s, BENCH_PLAIN, reps),
               bench_clients_ratio(cases, s, BENCH_TRIGGER, reps),
               bench_clients_ratio(cases, s, BENCH_TRAIL, reps));
    }
}

/*
 * Writes the figures for gnuplot, after the header the program wrote: a
 * block per group, lines "group" "case" writes/s ratio-to-plain kind; the
 * ratio with six decimals, so that the chart's labels round as the printed
 * ratios do.
 */
static inline void bench_write_groups(FILE *f, const bench_case *cases, const bench_groups *g,
                                      int reps)
{
    for (int s = 0; s < g->settings; s++)
        for (int clients = 1; clients <= BENCH_MAX_CLIENTS; clients++) {
            int plain = bench_case_index(s, clients, BENCH_PLAIN);
            if (plain > 0)
                fprintf(f, "\n\n");
            for (int k = 0; k < BENCH_NKINDS; k++)
                fprintf(f, "\"%s\" \"%s\" %.0f %.6f %d\n", g->name[s][clients - 1],
                        bench_kind_names[k], bench_median(cases[plain + k].ops, reps),
                        bench_kind_ratio(cases, s, clients, k, BENCH_PLAIN, reps), k);
        }
}

#endif /* TRAIL_BENCH_CLIENTS_H */
