/*
 * bench_log_memory.c - does `trail log` stream? Its peak memory on a history
 * of 10,000 events and on one of 1,000,000.
 *
 * One SQLite file is filled through the generated shop API (customer
 * creates, BATCH to a transaction: each a real audited write with its
 * hashed event), first to the small
 * size, where `trail log` runs, then on to the large one, where it runs
 * again. Each run is a child process with its output to /dev/null; its peak
 * resident set is the ru_maxrss that wait4() reports for it. The filling
 * happens in a child process of its own, so that the parent, whose memory a
 * spawned child's figure starts from, stays small.
 *
 * Writing events directly, without the API, would need the runtime's
 * hashing and its JSON of each row, that is, the API's work again; a larger
 * SQLite cache for the fill made no difference (most of its time is the
 * writing itself: about 1 KiB per event, with its indexes).
 *
 * The target: flat memory, the large run's peak at most FLAT_RATIO times
 * the small one's. Both table mode (the target) and --json are measured.
 *
 * --quick (what ctest runs) uses small sizes only to prove the program
 * works, and checks that every event was printed; no figure is asserted.
 */
#define _DEFAULT_SOURCE     /* wait4 */
#define _XOPEN_SOURCE   700 /* nftw, mkdtemp */
#include "bench_files.h"
#include "bench_util.h"
#include "shop.h"

#include <fcntl.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#define DEFAULT_SMALL 10000L
#define DEFAULT_LARGE 1000000L
#define QUICK_SMALL   1000L
#define QUICK_LARGE   20000L
#define MAX_EVENTS    100000000L
#define BATCH         10000 /* creates per transaction */
#define FLAT_RATIO    1.5   /* the large run's peak / the small run's, at most */
#define DIR_MAX       1024

extern char **environ;

static void usage(FILE *out)
{
    fputs("usage: bench_log_memory [--quick] [--small N] [--large N] [--trail PATH]\n"
          "\n"
          "Peak memory (ru_maxrss) of `trail log DB > /dev/null`, table and --json, on\n"
          "a history of N events through the generated shop API: --small (default\n"
          "10000) and --large (default 1000000). Target: the large peak at most 1.5x\n"
          "the small one. --trail measures another build of the tool. --quick: tiny\n"
          "sizes, only to prove the program works.\n",
          out);
}

/* Adds customers @from to @to - 1 to @path, an event each; in a child process. */
static void fill(const char *path, long from, long to)
{
    char url[DIR_MAX + 32];
    snprintf(url, sizeof url, "sqlite:%s", path);
    pid_t pid = fork();
    if (pid < 0)
        bench_die("fork: %s", strerror(errno));
    if (pid > 0) {
        int ws;
        if (waitpid(pid, &ws, 0) != pid || !WIFEXITED(ws) || WEXITSTATUS(ws) != 0)
            bench_die("filling %s failed", path);
        return;
    }
    trail_conn *db;
    const trail_ctx ctx = { .user_id = "bench-user", .request_id = "req-1" };
    int rc = trail_open(&db, url, NULL);
    if (rc == TRAIL_OK)
        rc = shop_migrate(db);
    for (long i = from; rc == TRAIL_OK && i < to;) {
        rc = trail_begin(db);
        for (long end = i + BATCH < to ? i + BATCH : to; rc == TRAIL_OK && i < end; i++) {
            char email[48], name[48];
            snprintf(email, sizeof email, "c%ld@example.com", i);
            snprintf(name, sizeof name, "Customer %ld", i);
            shop_customer_create_params p = SHOP_CUSTOMER_CREATE_INIT;
            p.email = email;
            p.name = name;
            p.secret = "s";
            shop_customer c = { 0 };
            rc = shop_customer_create(db, &ctx, &p, &c);
            shop_customer_clear(&c);
        }
        rc = rc == TRAIL_OK ? trail_commit(db) : rc;
    }
    if (rc != TRAIL_OK)
        fprintf(stderr, "bench_log_memory: %s\n", trail_errmsg(db));
    trail_close(db);
    _exit(rc == TRAIL_OK ? 0 : 1);
}

/* One run of the tool: its peak resident set and its time. */
typedef struct measure {
    long peak_kib;
    double seconds;
    long lines; /* of its output, when counted */
} measure;

/*
 * `TRAIL log [--json] PATH`, output to @out_path (/dev/null, or a file to
 * count the lines of). Dies unless it exits 0.
 */
static measure run_log(const char *trail, const char *path, bool json, const char *out_path)
{
    const char *argv[] = { trail, "log", json ? "--json" : path, json ? path : NULL, NULL };
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, out_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    int64_t t0 = bench_mono_ns();
    pid_t pid;
    int err = posix_spawn(&pid, trail, &fa, NULL, (char **)argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    if (err)
        bench_die("cannot run %s: %s", trail, strerror(err));
    int ws;
    struct rusage ru;
    if (wait4(pid, &ws, 0, &ru) != pid)
        bench_die("wait4: %s", strerror(errno));
    measure m = { .peak_kib = ru.ru_maxrss, .seconds = (double)(bench_mono_ns() - t0) / 1e9 };
    if (!WIFEXITED(ws) || WEXITSTATUS(ws) != 0)
        bench_die("%s log %s failed", trail, path);
    return m;
}

static long count_lines(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        bench_die("%s: %s", path, strerror(errno));
    long n = 0;
    for (int c; (c = fgetc(f)) != EOF;)
        n += c == '\n';
    fclose(f);
    return n;
}

static char dir[DIR_MAX];

static void cleanup(void)
{
    if (dir[0])
        bench_remove_tree(bench_program, dir);
}

int main(int argc, char **argv)
{
    bench_program = "bench_log_memory";
    bool quick = false;
    long small = 0, large = 0;
    const char *trail = TRAIL_EXE;
    const bench_option opts[] = {
        { "--quick", &quick, NULL, 0, NULL },
        { "--small", NULL, &small, MAX_EVENTS, NULL },
        { "--large", NULL, &large, MAX_EVENTS, NULL },
        { "--trail", NULL, NULL, 0, &trail },
    };
    int parsed =
        bench_parse_args(argc, argv, opts, sizeof opts / sizeof opts[0], usage, bench_program);
    if (parsed)
        return parsed == 1 ? 0 : 2;
    if (!small)
        small = quick ? QUICK_SMALL : DEFAULT_SMALL;
    if (!large)
        large = quick ? QUICK_LARGE : DEFAULT_LARGE;
    if (large <= small)
        bench_die("--large must be more than --small");

    const char *tmp = getenv("TMPDIR");
    snprintf(dir, sizeof dir, "%s/bench-log-memory.XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(dir))
        bench_die("mkdtemp: %s", strerror(errno));
    atexit(cleanup);
    char path[DIR_MAX + 16], out[DIR_MAX + 16];
    snprintf(path, sizeof path, "%s/log.db", dir);
    snprintf(out, sizeof out, "%s/out", dir);
    const char *sink = quick ? out : "/dev/null";

    printf("bench_log_memory: peak resident memory of `trail log DB > /dev/null`\n");
    const long sizes[2] = { small, large };
    measure table[2], json[2];
    for (int s = 0; s < 2; s++) {
        int64_t t0 = bench_mono_ns();
        fill(path, s ? small : 0, sizes[s]);
        double fill_s = (double)(bench_mono_ns() - t0) / 1e9;
        table[s] = run_log(trail, path, false, sink);
        if (quick && count_lines(out) != sizes[s] + 1)
            bench_die("trail log printed %ld lines for %ld events", count_lines(out), sizes[s]);
        json[s] = run_log(trail, path, true, sink);
        if (quick && count_lines(out) != sizes[s])
            bench_die("trail log --json printed %ld lines for %ld events", count_lines(out),
                      sizes[s]);
        printf("  %8ld events (made in %.1f s, %.0f creates/s):\n", sizes[s], fill_s,
               (double)(sizes[s] - (s ? small : 0)) / fill_s);
        printf("    table:  peak %7.1f MiB  %6.2f s\n", (double)table[s].peak_kib / 1024,
               table[s].seconds);
        printf("    --json: peak %7.1f MiB  %6.2f s\n", (double)json[s].peak_kib / 1024,
               json[s].seconds);
    }
    double ratio = (double)table[1].peak_kib / (double)table[0].peak_kib;
    double ratio_json = (double)json[1].peak_kib / (double)json[0].peak_kib;
    char target[128];
    snprintf(target, sizeof target, "table peak at %ld / at %ld events <= %.1fx:", large, small,
             FLAT_RATIO);
    printf("target (flat memory):\n  %-52s %-6s (%.2fx)\n", target,
           ratio <= FLAT_RATIO ? "met" : "missed", ratio);
    printf("  %-52s %.2fx\n", "--json, the same ratio:", ratio_json);
    if (quick)
        printf("(--quick: sizes too small for the figures to mean anything)\n");
    return 0;
}
