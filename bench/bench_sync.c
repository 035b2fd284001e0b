/*
 * bench_sync.c - how fast replication applies events (issue 17, item 9).
 *
 * A source SQLite database is written through the generated shop API by
 * four connections (four lanes) taking turns, in three kinds of request:
 * a transaction creating a customer, two orders of it and updating its
 * credit; a transaction updating an order's total, another customer's name
 * and credit, and deleting an order; and a single credit update in a
 * transaction of its own. So every eighth event or so is a delete, and
 * most events belong to a transaction of several. At each size measured
 * (the smallest event count that ends a transaction at or past it) the
 * source is exported with trail_export() to a file (timed on its own).
 *
 * Timed, each in a child process of its own (this program run again), so
 * that its peak resident set (ru_maxrss, from wait4()) is its own:
 *
 *   - trail_import() of the file of --events events into a fresh SQLite
 *     file, into a PostgreSQL database and into a MariaDB database (each a
 *     throwaway server this program starts with tests/servers/, as
 *     bench_write_pg and bench_write_mysql do);
 *   - trail_sync() from a copy of the source at that size (VACUUM INTO)
 *     into a fresh SQLite file, with no file in between;
 *   - the floor: the same event rows read from that copy and inserted into
 *     a fresh SQLite file of trail's tables by one prepared INSERT, as many
 *     per transaction as the import's batch (the lane rows inserted first,
 *     untimed). This is what storing the events costs without checking
 *     them or applying their row effects;
 *   - trail_import() of the files of --small and --large events into fresh
 *     SQLite files, for their peak resident sets.
 *
 * Each figure is events applied over the time the call took (the child
 * times trail_import() or trail_sync() alone, not opening or migrating).
 * Every destination is migrated with shop_migrate() first, as a node is.
 * Each run is checked: every event of the file applied, none held or
 * refused.
 *
 * Targets (issue 17): at least 50,000 events/s into SQLite at 200,000
 * events; memory flat from 100,000 to 1,000,000 events, which here means
 * the large import's peak resident set at most FLAT_RATIO times the small
 * one's (a reader that kept the file, or the batches, would grow ten times).
 *
 * Conflicts (issue 18, item 8): the same apply when a tenth of the file's
 * events race edits the destination made while apart. A second source
 * makes the records to race (the base: customers, and orders of theirs);
 * a destination receives them (trail_import()) and edits each once, at
 * the version both hold: the credit of 40% of them, the name of another
 * 40%, and deletes a tenth (orders). Then the source writes --events
 * events: the workload above, on records of its own, and among every ten
 * events one edit of a raced record, each once: the credit (so the same
 * field as here for the first 40%, another for the second), an update of
 * an order deleted here, a delete of an order updated here. The events
 * after the base go to a file, and the timed case is its import into the
 * destination; the no-conflict case imports it into a copy of the
 * destination taken before its edits. On PostgreSQL and MariaDB the
 * destination is a server that imported (untimed) the SQLite
 * destination's events: the same events, so the same pairs. The
 * destination's edits come first in record order (they were written
 * first), so by docs/replication.md ("Merging concurrent edits") the
 * apply must record one conflict (lww) per same-field record, one merge
 * event and no conflict per other-fields record (the row holds the name
 * from here and the credit from there, which is no event's new_values),
 * and one conflict (delete-wins) per delete race, the order ending
 * deleted. After each timed import (untimed) the child counts
 * trail_conflicts by resolution, the merge events, and rows: every
 * customer with the source's credit, the names from here, the source's
 * orders but those deleted here. A count other than what the races make
 * is printed as a MISMATCH and the program exits with 1. The floor there
 * is the plain INSERT of the same events, the base inserted first. These
 * cases print the CPU time of the timed call too (the child's own: all of
 * the work on SQLite, the client's on a server), which other programs'
 * load changes less than the wall time.
 *
 * Writes bench_sync.dat (--data PATH) for bench/plot_sync.gnuplot and
 * bench_sync_conflicts.dat (--conflicts-data) for
 * bench/plot_sync_conflicts.gnuplot. --conflicts-only runs only the
 * conflicts' cases. --quick (what ctest runs) uses tiny sizes and SQLite
 * only, to prove the program works; its figures mean nothing and no figure
 * is asserted, but the conflicts' counts are.
 */
#define _DEFAULT_SOURCE     /* wait4 */
#define _XOPEN_SOURCE   700 /* nftw, mkdtemp, sigaction */
#include "bench_files.h"
#include "bench_server.h"
#include "bench_util.h"
#include "shop.h"
#include "trail/sync.h"

#include "driver/driver.h"

#include <errno.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#define DEFAULT_EVENTS 200000L
#define DEFAULT_SMALL  100000L
#define DEFAULT_LARGE  1000000L
#define QUICK_EVENTS   3000L
#define QUICK_SMALL    1000L
#define QUICK_LARGE    6000L
#define MAX_EVENTS     100000000L
#define DEFAULT_BATCH  0L     /* trail's default (trail_sync_opts) */
#define IMPORT_BATCH   10000L /* what 0 means to trail_import() (trail/sync.h) */
#define MAX_BATCH      1000000L
#define WRITERS        4      /* connections, so lanes, writing the source */
#define TARGET_RATE    50000. /* events/s into SQLite at DEFAULT_EVENTS */
#define FLAT_RATIO     1.25   /* large import's peak / small import's, at most */
#define DIR_MAX        512    /* leaves room for bench_server.h's paths under it */
#define PATH_LEN       (DIR_MAX + 64)

static void usage(FILE *out)
{
    fputs("usage: bench_sync [--quick] [--events N] [--small N] [--large N] [--batch N]\n"
          "                  [--sqlite-only] [--conflicts-only] [--data PATH]\n"
          "                  [--conflicts-data PATH] [--keep]\n"
          "\n"
          "Events applied per second by trail_import() of an export file of N events\n"
          "(--events, default 200000) into SQLite, PostgreSQL and MariaDB, by\n"
          "trail_sync() SQLite to SQLite, and by a plain prepared INSERT of the same\n"
          "event rows into SQLite (the floor); the peak resident set of the import of\n"
          "--small (100000) and --large (1000000) events into SQLite. --batch: events\n"
          "per batch (default: trail's). --sqlite-only: no servers. --data: where the\n"
          "figures go (default bench_sync.dat). --keep: leave the temporary files.\n"
          "--quick: tiny sizes, SQLite only, only to prove the program works.\n"
          "Conflicts: the same import of N events into a destination that edited\n"
          "apart the records a tenth of them edit, against one that did not; the\n"
          "conflicts and merge events recorded are checked (exit 1 on a mismatch).\n"
          "--conflicts-only: only those cases. --conflicts-data: their figures\n"
          "(default bench_sync_conflicts.dat).\n"
          "Targets: >= 50000 events/s into SQLite at 200000 events, with and without\n"
          "conflicts; the large peak at most 1.25x the small one.\n",
          out);
}

/* ---- Children: this program run again with --child. ---- */

/* Dies with @db's message unless @rc is a success. */
static void check(trail_conn *db, int rc, const char *what)
{
    if (rc < 0)
        bench_die("%s: %s: %s", what, trail_code_name(rc), db ? trail_errmsg(db) : "");
}

static void sqlite_check(sqlite3 *db, int rc, const char *what)
{
    if (rc != SQLITE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW)
        bench_die("%s: %s", what, sqlite3_errmsg(db));
}

static uint64_t rng_state = 0x9E3779B97F4A7C15u;

static uint64_t rng(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

typedef struct record {
    char id[TRAIL_ULID_LEN + 1];
    int64_t version;
} record;

typedef struct source {
    trail_conn *db[WRITERS];
    record *customers, *orders; /* orders: the live ones */
    size_t ncustomers, norders, cap_c, cap_o;
    long events;
} source;

static record *push(record **a, size_t *n, size_t *cap, const char *id)
{
    if (*n == *cap) {
        *cap = *cap ? *cap * 2 : 1024;
        if (!(*a = realloc(*a, *cap * sizeof **a)))
            bench_die("out of memory");
    }
    record *r = &(*a)[(*n)++];
    snprintf(r->id, sizeof r->id, "%s", id);
    r->version = 1;
    return r;
}

static void create_customer(source *s, trail_conn *db, record **out)
{
    char email[48], name[48];
    long n = (long)s->ncustomers;
    snprintf(email, sizeof email, "c%ld@example.com", n);
    snprintf(name, sizeof name, "Customer %ld", n);
    shop_customer_create_params p = SHOP_CUSTOMER_CREATE_INIT;
    p.email = email;
    p.name = name;
    p.secret = "s";
    p.credit = (int64_t)(rng() % 10000);
    if (n % 3 == 0) {
        p.rating = (double)(rng() % 50) / 10;
        p.rating_null = false;
        p.prefs = "{\"lang\":\"en\",\"news\":true}";
    }
    shop_customer c = { 0 };
    check(db, shop_customer_create(db, NULL, &p, &c), "customer create");
    *out = push(&s->customers, &s->ncustomers, &s->cap_c, c.id);
    shop_customer_clear(&c);
    s->events++;
}

static void create_order(source *s, trail_conn *db, const record *customer)
{
    shop_order_create_params p = SHOP_ORDER_CREATE_INIT;
    p.customer = customer->id;
    p.total = (int64_t)(rng() % 100000);
    p.note = "leave at the door";
    shop_order o = { 0 };
    check(db, shop_order_create(db, NULL, &p, &o), "order create");
    push(&s->orders, &s->norders, &s->cap_o, o.id);
    shop_order_clear(&o);
    s->events++;
}

static void update_customer(source *s, trail_conn *db, record *c, bool rename)
{
    shop_customer_update_params p = { .id = c->id, .version = c->version };
    char name[48];
    p.set = SHOP_CUSTOMER_CREDIT;
    p.credit = (int64_t)(rng() % 10000);
    if (rename) {
        snprintf(name, sizeof name, "Customer %s v%lld", c->id + 20, (long long)c->version);
        p.name = name;
        p.set |= SHOP_CUSTOMER_NAME;
    }
    shop_customer out = { 0 };
    check(db, shop_customer_update(db, NULL, &p, &out), "customer update");
    /* A change of no value (the same credit drawn) writes no event and keeps the version. */
    s->events += out.version != c->version;
    c->version = out.version;
    shop_customer_clear(&out);
}

/* One request on @db: the three kinds take turns (see the top of the file). */
static void request(source *s, trail_conn *db, long round)
{
    record *c;
    switch (round % 3) {
    case 0:
        check(db, trail_begin(db), "begin");
        create_customer(s, db, &c);
        create_order(s, db, c);
        create_order(s, db, c);
        update_customer(s, db, c, false);
        check(db, trail_commit(db), "commit");
        break;
    case 1: {
        check(db, trail_begin(db), "begin");
        record *o = &s->orders[rng() % s->norders];
        shop_order_update_params p = { .id = o->id, .version = o->version };
        p.set = SHOP_ORDER_TOTAL;
        p.total = (int64_t)(rng() % 100000);
        shop_order out = { 0 };
        check(db, shop_order_update(db, NULL, &p, &out), "order update");
        s->events += out.version != o->version;
        o->version = out.version;
        shop_order_clear(&out);
        update_customer(s, db, &s->customers[rng() % s->ncustomers], true);
        size_t k = rng() % s->norders;
        check(db, shop_order_delete(db, NULL, s->orders[k].id, s->orders[k].version),
              "order delete");
        s->orders[k] = s->orders[--s->norders];
        s->events++;
        check(db, trail_commit(db), "commit");
        break;
    }
    default:
        update_customer(s, db, &s->customers[rng() % s->ncustomers], false);
        break;
    }
}

/*
 * --child fill DIR SNAP N1 N2 ...: writes DIR/source.db up to each N in
 * turn (ascending), exporting DIR/events_<N>.trail at each; at N = SNAP
 * also copies the source to DIR/source_<N>.db. Prints "N events export_s"
 * a line per size.
 */
static int child_fill(const char *dir, long snap, int n, char **sizes)
{
    char path[PATH_LEN], url[PATH_LEN + 8];
    snprintf(path, sizeof path, "%s/source.db", dir);
    snprintf(url, sizeof url, "sqlite:%s", path);
    source s = { 0 };
    for (int i = 0; i < WRITERS; i++) {
        check(s.db[i], trail_open(&s.db[i], url, NULL), "open the source");
        if (i == 0)
            check(s.db[0], shop_migrate(s.db[0]), "migrate the source");
    }
    long round = 0;
    for (int k = 0; k < n; k++) {
        long size = atol(sizes[k]);
        while (s.events < size) {
            request(&s, s.db[round % WRITERS], round);
            round++;
        }
        char file[PATH_LEN];
        snprintf(file, sizeof file, "%s/events_%ld.trail", dir, size);
        FILE *f = fopen(file, "w");
        if (!f)
            bench_die("%s: %s", file, strerror(errno));
        trail_sync_stats st;
        int64_t t0 = bench_mono_ns();
        check(s.db[0], trail_export(s.db[0], f, NULL, &st), "export");
        if (fclose(f) != 0)
            bench_die("%s: %s", file, strerror(errno));
        double secs = (double)(bench_mono_ns() - t0) / 1e9;
        if (st.seen != s.events)
            bench_die("exported %lld events of %ld", (long long)st.seen, s.events);
        if (size == snap) {
            char copy[PATH_LEN], sql[PATH_LEN + 32];
            snprintf(copy, sizeof copy, "%s/source_%ld.db", dir, size);
            snprintf(sql, sizeof sql, "VACUUM INTO '%s'", copy);
            sqlite3 *raw;
            sqlite_check(NULL, sqlite3_open(path, &raw) == SQLITE_OK ? SQLITE_OK : SQLITE_ERROR,
                         "open the source");
            sqlite_check(raw, sqlite3_exec(raw, sql, NULL, NULL, NULL), "VACUUM INTO");
            sqlite3_close(raw);
        }
        printf("%ld %ld %.3f\n", size, s.events, secs);
        fflush(stdout);
    }
    for (int i = 0; i < WRITERS; i++)
        trail_close(s.db[i]);
    free(s.customers);
    free(s.orders);
    return 0;
}

static const char *child_label = "";

/* The progress line on a terminal (stderr), after each batch. */
static int progress(void *userdata, const trail_sync_stats *st)
{
    (void)userdata;
    double secs = (double)st->elapsed_ms / 1000;
    fprintf(stderr, "\r    %s: %lld events, %.0f/s, %lld left   ", child_label,
            (long long)st->applied, secs > 0 ? (double)st->applied / secs : 0.,
            (long long)st->left);
    return 0;
}

static trail_conn *open_migrated(const char *url)
{
    trail_conn *db;
    check(db, trail_open(&db, url, NULL), url);
    check(db, shop_migrate(db), "migrate");
    return db;
}

static void print_stats(const trail_sync_stats *st, int64_t ns)
{
    if (isatty(STDERR_FILENO))
        fprintf(stderr, "\r%78s\r", "");
    printf("%lld %lld %lld %lld %lld %.6f\n", (long long)st->seen, (long long)st->applied,
           (long long)st->skipped, (long long)st->held, (long long)st->refused, (double)ns / 1e9);
}

/*
 * This process's CPU time (user and system), in seconds: on a machine that
 * others load, the figure that their load changes least.
 */
static double cpu_seconds(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
           (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

/* trail_import() of @file into @db, timed: its wall time in *@ns, its CPU seconds in *@cpu. */
static void timed_import(trail_conn *db, const char *file, int batch, trail_sync_stats *st,
                         int64_t *ns, double *cpu)
{
    FILE *in = fopen(file, "r");
    if (!in)
        bench_die("%s: %s", file, strerror(errno));
    trail_sync_opts o = TRAIL_SYNC_OPTS_INIT;
    o.batch_size = batch;
    o.progress = isatty(STDERR_FILENO) ? progress : NULL;
    double cpu0 = cpu_seconds();
    int64_t t0 = bench_mono_ns();
    check(db, trail_import(db, in, &o, st), "import");
    *ns = bench_mono_ns() - t0;
    *cpu = cpu_seconds() - cpu0;
    fclose(in);
}

/* --child import URL FILE BATCH LABEL */
static int child_import(const char *url, const char *file, int batch)
{
    trail_conn *db = open_migrated(url);
    trail_sync_stats st;
    int64_t ns;
    double cpu;
    timed_import(db, file, batch, &st, &ns, &cpu);
    trail_close(db);
    print_stats(&st, ns);
    return 0;
}

/* --child sync SRC_URL DST_URL BATCH LABEL */
static int child_sync(const char *src_url, const char *dst_url, int batch)
{
    trail_conn *src, *dst = open_migrated(dst_url);
    check(src, trail_open(&src, src_url, NULL), src_url);
    trail_sync_opts o = TRAIL_SYNC_OPTS_INIT;
    o.batch_size = batch;
    o.progress = isatty(STDERR_FILENO) ? progress : NULL;
    trail_sync_stats st;
    int64_t t0 = bench_mono_ns();
    check(dst, trail_sync(src, dst, &o, &st), "sync");
    int64_t ns = bench_mono_ns() - t0;
    trail_close(src);
    trail_close(dst);
    print_stats(&st, ns);
    return 0;
}

/*
 * Copies the rows of @table from @src into @dst with one prepared INSERT,
 * those @where (SQL after WHERE; "" for all); returns the rows.
 */
static long copy_rows(sqlite3 *src, sqlite3 *dst, const char *table, const char *where,
                      const char *order, int batch)
{
    char sql[512];
    snprintf(sql, sizeof sql, "SELECT * FROM %s%s%s ORDER BY %s", table, *where ? " WHERE " : "",
             where, order);
    sqlite3_stmt *sel, *ins;
    sqlite_check(src, sqlite3_prepare_v2(src, sql, -1, &sel, NULL), sql);
    int n = sqlite3_column_count(sel);
    char text[4096];
    snprintf(text, sizeof text, "INSERT INTO %s VALUES (", table);
    for (int i = 0; i < n; i++)
        bench_append(text, sizeof text, i ? ",?" : "?");
    bench_append(text, sizeof text, ")");
    sqlite_check(dst, sqlite3_prepare_v2(dst, text, -1, &ins, NULL), text);
    long rows = 0;
    sqlite_check(dst, sqlite3_exec(dst, "BEGIN", NULL, NULL, NULL), "BEGIN");
    int rc;
    while ((rc = sqlite3_step(sel)) == SQLITE_ROW) {
        for (int i = 0; i < n; i++)
            sqlite3_bind_value(ins, i + 1, sqlite3_column_value(sel, i));
        sqlite_check(dst, sqlite3_step(ins), "INSERT");
        sqlite3_reset(ins);
        if (++rows % batch == 0) {
            sqlite_check(dst, sqlite3_exec(dst, "COMMIT", NULL, NULL, NULL), "COMMIT");
            sqlite_check(dst, sqlite3_exec(dst, "BEGIN", NULL, NULL, NULL), "BEGIN");
        }
    }
    sqlite_check(src, rc, "SELECT");
    sqlite_check(dst, sqlite3_exec(dst, "COMMIT", NULL, NULL, NULL), "COMMIT");
    sqlite3_finalize(sel);
    sqlite3_finalize(ins);
    return rows;
}

/*
 * --child plain SRC_PATH DST_PATH BATCH [HLC]: the floor (see the top of
 * the file). With HLC, the events up to it are what the destination held
 * before (the conflicts' base): inserted first, untimed.
 */
static int child_plain(const char *src_path, const char *dst_path, int batch, const char *held)
{
    char url[PATH_LEN + 8];
    snprintf(url, sizeof url, "sqlite:%s", dst_path);
    trail_close(open_migrated(url)); /* trail's tables and indexes */
    sqlite3 *src, *dst;
    if (sqlite3_open_v2(src_path, &src, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK ||
        sqlite3_open(dst_path, &dst) != SQLITE_OK)
        bench_die("cannot open %s or %s", src_path, dst_path);
    /*
     * The settings of trail's SQLite connections while they apply batches
     * (driver/sqlite/conn_sqlite.c, SQLITE_BULK_CACHE among them).
     */
    sqlite_check(dst,
                 sqlite3_exec(dst,
                              "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
                              " PRAGMA foreign_keys=ON; PRAGMA busy_timeout=5000;"
                              " PRAGMA cache_size=-65536",
                              NULL, NULL, NULL),
                 "pragmas");
    copy_rows(src, dst, "trail_lanes", "", "rowid", 1 << 30);
    char before[64] = "", after[64] = "";
    if (held) {
        snprintf(before, sizeof before, "hlc <= %lld", atoll(held));
        snprintf(after, sizeof after, "hlc > %lld", atoll(held));
        copy_rows(src, dst, "trail_change_events", before, "hlc, lane_id, seq", 1 << 30);
    }
    double cpu0 = cpu_seconds();
    int64_t t0 = bench_mono_ns();
    long rows = copy_rows(src, dst, "trail_change_events", after, "hlc, lane_id, seq", batch);
    int64_t ns = bench_mono_ns() - t0;
    double cpu = cpu_seconds() - cpu0;
    sqlite3_close(src);
    sqlite3_close(dst);
    printf("%ld %ld 0 0 0 %.6f %.6f\n", rows, rows, (double)ns / 1e9, cpu);
    return 0;
}

/* ---- Conflicts (issue 18): the source and the destination edit apart. ---- */

/*
 * The records both sides edit while apart, by what each side does to them
 * (see the top of the file). The source makes each before they part; then
 * each side edits it once, and nothing else touches it, so that the
 * conflicts and merges the apply must record are known: one per record.
 */
enum { RACE_SAME, RACE_OTHER, RACE_DELETED_HERE, RACE_DELETED_THERE, RACES };

static const char *const race_what[RACES] = {
    "the same field (credit) on both sides",
    "other fields (the name here, the credit there)",
    "deleted here, updated there",
    "updated here, deleted there",
};

typedef struct race {
    char id[TRAIL_ULID_LEN + 1];
    int kind;
    int64_t value; /* the credit (a customer) or the total (an order) it was made with */
} race;

/* Of @k records raced, how many of each kind: 40%, 40%, 10%, 10%. */
static void race_split(long k, long n[RACES])
{
    n[RACE_SAME] = k * 4 / 10;
    n[RACE_OTHER] = k * 4 / 10;
    n[RACE_DELETED_HERE] = k / 10;
    n[RACE_DELETED_THERE] = k - n[RACE_SAME] - n[RACE_OTHER] - n[RACE_DELETED_HERE];
}

/* The share of the file's events that race the destination's: one in RACE_EVERY. */
#define RACE_EVERY 10
/* Writes in one transaction while making the base and the destination's edits. */
#define RACE_TX    100

/*
 * The records to race, made on the source through @db (its writers, a
 * transaction of RACE_TX at a time on each in turn): the customers first
 * (the same field, then other fields), then an order of one of them per
 * delete race. Returns the events written.
 */
static long race_base(trail_conn *const *db, race *r, const long n[RACES])
{
    long nc = n[RACE_SAME] + n[RACE_OTHER], no = n[RACE_DELETED_HERE] + n[RACE_DELETED_THERE];
    trail_conn *w = NULL;
    for (long i = 0; i < nc + no; i++) {
        if (i % RACE_TX == 0) {
            if (w)
                check(w, trail_commit(w), "commit");
            w = db[(i / RACE_TX) % WRITERS];
            check(w, trail_begin(w), "begin");
        }
        race *x = &r[i];
        if (i < nc) {
            char email[48], name[48];
            snprintf(email, sizeof email, "b%ld@example.com", i);
            snprintf(name, sizeof name, "Base customer %ld", i);
            shop_customer_create_params p = SHOP_CUSTOMER_CREATE_INIT;
            p.email = email;
            p.name = name;
            p.secret = "s";
            p.credit = (int64_t)(rng() % 10000);
            shop_customer c = { 0 };
            check(w, shop_customer_create(w, NULL, &p, &c), "customer create");
            snprintf(x->id, sizeof x->id, "%s", c.id);
            x->kind = i < n[RACE_SAME] ? RACE_SAME : RACE_OTHER;
            x->value = p.credit;
            shop_customer_clear(&c);
        } else {
            shop_order_create_params p = SHOP_ORDER_CREATE_INIT;
            p.customer = r[(i - nc) % nc].id;
            p.total = (int64_t)(rng() % 100000);
            p.note = "race";
            shop_order o = { 0 };
            check(w, shop_order_create(w, NULL, &p, &o), "order create");
            snprintf(x->id, sizeof x->id, "%s", o.id);
            x->kind = i - nc < n[RACE_DELETED_HERE] ? RACE_DELETED_HERE : RACE_DELETED_THERE;
            x->value = p.total;
            shop_order_clear(&o);
        }
    }
    if (w)
        check(w, trail_commit(w), "commit");
    return nc + no;
}

/*
 * One side's edit of @x, at the version both sides hold (1): @here, the
 * destination's; else the source's. Each writes one event.
 */
static void race_edit(trail_conn *db, const race *x, bool here)
{
    bool del = here ? x->kind == RACE_DELETED_HERE : x->kind == RACE_DELETED_THERE;
    int64_t version = 0;
    if (del) {
        check(db, shop_order_delete(db, NULL, x->id, 1), "order delete");
        return;
    }
    if (x->kind == RACE_SAME || x->kind == RACE_OTHER) {
        shop_customer_update_params p = { .id = x->id, .version = 1 };
        char name[64];
        if (here && x->kind == RACE_OTHER) {
            snprintf(name, sizeof name, "Base customer %s (here)", x->id);
            p.name = name;
            p.set = SHOP_CUSTOMER_NAME;
        } else {
            p.credit = x->value + (here ? 1 : 2);
            p.set = SHOP_CUSTOMER_CREDIT;
        }
        shop_customer out = { 0 };
        check(db, shop_customer_update(db, NULL, &p, &out), "customer update");
        version = out.version;
        shop_customer_clear(&out);
    } else {
        shop_order_update_params p = { .id = x->id, .version = 1, .set = SHOP_ORDER_TOTAL };
        p.total = x->value + (here ? 2 : 1);
        shop_order out = { 0 };
        check(db, shop_order_update(db, NULL, &p, &out), "order update");
        version = out.version;
        shop_order_clear(&out);
    }
    if (version != 2)
        bench_die("a race's edit left version %lld, not 2", (long long)version);
}

static void export_to(trail_conn *db, const char *path, const char *since, long expected)
{
    FILE *f = fopen(path, "w");
    if (!f)
        bench_die("%s: %s", path, strerror(errno));
    trail_export_opts o = TRAIL_EXPORT_OPTS_INIT;
    o.since_digest = since;
    trail_sync_stats st;
    check(db, trail_export(db, f, &o, &st), "export");
    if (fclose(f) != 0)
        bench_die("%s: %s", path, strerror(errno));
    if (expected >= 0 && st.seen != expected)
        bench_die("%s: exported %lld events of %ld", path, (long long)st.seen, expected);
}

static void import_from(trail_conn *db, const char *path, long expected)
{
    FILE *f = fopen(path, "r");
    if (!f)
        bench_die("%s: %s", path, strerror(errno));
    trail_sync_stats st;
    check(db, trail_import(db, f, NULL, &st), "import");
    fclose(f);
    if ((expected >= 0 && st.applied != expected) || st.held || st.refused)
        bench_die("%s: %lld events applied of %ld, %lld held, %lld refused", path,
                  (long long)st.applied, expected, (long long)st.held, (long long)st.refused);
}

static int64_t sqlite_int(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *st;
    sqlite_check(db, sqlite3_prepare_v2(db, sql, -1, &st, NULL), sql);
    sqlite_check(db, sqlite3_step(st), sql);
    int64_t v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

static void vacuum_into(const char *from, const char *to)
{
    sqlite3 *raw;
    char sql[PATH_LEN + 32];
    snprintf(sql, sizeof sql, "VACUUM INTO '%s'", to);
    if (sqlite3_open(from, &raw) != SQLITE_OK)
        bench_die("cannot open %s", from);
    sqlite_check(raw, sqlite3_exec(raw, sql, NULL, NULL, NULL), "VACUUM INTO");
    sqlite3_close(raw);
}

/*
 * --child race-fill DIR N: the files of the conflicts' cases, in DIR:
 *   race_source.db   the source: the raced records (the base), then its
 *                    workload of N events (as child_fill's, on records of
 *                    its own) with one edit of each raced record among
 *                    every RACE_EVERY events;
 *   race_base.trail  the base, as the destination received it;
 *   race_events.trail  the source's events after the base: what is timed;
 *   race_clean.db    the destination holding the base, no edits of its own;
 *   race_here.db     the destination after its own edits of the base
 *                    (race_here.trail: everything it holds, for a server
 *                    to receive instead).
 * The destination edits before the source's workload is written, so its
 * edits come first in record order (docs/replication.md). Prints the
 * counts the parent checks the apply against (see child_race_fill's end).
 */
static int child_race_fill(const char *dir, long events)
{
    char src[PATH_LEN], src_url[PATH_LEN + 8], here[PATH_LEN], here_url[PATH_LEN + 8];
    char clean[PATH_LEN], base_file[PATH_LEN], here_file[PATH_LEN], events_file[PATH_LEN];
    snprintf(src, sizeof src, "%s/race_source.db", dir);
    snprintf(src_url, sizeof src_url, "sqlite:%s", src);
    snprintf(here, sizeof here, "%s/race_here.db", dir);
    snprintf(here_url, sizeof here_url, "sqlite:%s", here);
    snprintf(clean, sizeof clean, "%s/race_clean.db", dir);
    snprintf(base_file, sizeof base_file, "%s/race_base.trail", dir);
    snprintf(here_file, sizeof here_file, "%s/race_here.trail", dir);
    snprintf(events_file, sizeof events_file, "%s/race_events.trail", dir);
    long k = events / RACE_EVERY, n[RACES];
    race_split(k, n);
    race *r = calloc((size_t)k, sizeof *r);
    size_t *order = malloc((size_t)k * sizeof *order);
    if (!r || !order)
        bench_die("out of memory");

    source s = { 0 };
    for (int i = 0; i < WRITERS; i++) {
        check(s.db[i], trail_open(&s.db[i], src_url, NULL), "open the source");
        if (i == 0)
            check(s.db[0], shop_migrate(s.db[0]), "migrate the source");
    }
    long base = race_base(s.db, r, n);
    export_to(s.db[0], base_file, NULL, base);
    char *digest;
    check(s.db[0], trail_digest(s.db[0], &digest), "digest");
    sqlite3 *raw;
    if (sqlite3_open(src, &raw) != SQLITE_OK)
        bench_die("cannot open %s", src);
    int64_t base_hlc = sqlite_int(raw, "SELECT max(hlc) FROM trail_change_events");

    /* The destination, apart: the base, then its own edits. */
    trail_conn *d = open_migrated(here_url);
    import_from(d, base_file, base);
    trail_close(d);
    vacuum_into(here, clean);
    check(d, trail_open(&d, here_url, NULL), "open the destination");
    for (long i = 0; i < k; i++) {
        if (i % RACE_TX == 0)
            check(d, trail_begin(d), "begin");
        race_edit(d, &r[i], true);
        if (i % RACE_TX == RACE_TX - 1 || i == k - 1)
            check(d, trail_commit(d), "commit");
    }
    export_to(d, here_file, NULL, base + k);
    trail_close(d);

    /* The source's workload, a raced record's edit among every RACE_EVERY events. */
    for (long i = 0; i < k; i++)
        order[i] = (size_t)i;
    for (long i = k - 1; i > 0; i--) {
        size_t j = (size_t)(rng() % (uint64_t)(i + 1)), t = order[i];
        order[i] = order[j];
        order[j] = t;
    }
    long done = 0, round = 0;
    while (s.events < events || done < k) {
        if (done < k && done * RACE_EVERY <= s.events) {
            race_edit(s.db[done % WRITERS], &r[order[done]], false);
            done++;
            s.events++;
        } else {
            request(&s, s.db[round % WRITERS], round);
            round++;
        }
    }
    int64_t t0 = bench_mono_ns();
    export_to(s.db[0], events_file, digest, s.events);
    double export_s = (double)(bench_mono_ns() - t0) / 1e9;
    free(digest);
    for (int i = 0; i < WRITERS; i++)
        trail_close(s.db[i]);

    /*
     * What the destination must hold after the apply, from the source's
     * rows: every customer, with the source's credit (it edited last, or
     * alone); the source's orders but those deleted here; the names of the
     * "other fields" race from here.
     */
    int64_t customers = sqlite_int(raw, "SELECT count(*) FROM customers");
    int64_t credit = sqlite_int(raw, "SELECT sum(credit) FROM customers");
    int64_t orders = sqlite_int(raw, "SELECT count(*) FROM orders");
    sqlite3_close(raw);
    printf("%ld %ld %ld %ld %ld %ld %ld %lld %lld %lld %lld %.3f\n", s.events, k, n[0], n[1], n[2],
           n[3], base, (long long)base_hlc, (long long)customers, (long long)orders,
           (long long)credit, export_s);
    free(r);
    free(order);
    free(s.customers);
    free(s.orders);
    return 0;
}

/* --child prepare URL FILE: migrates the database of URL and imports FILE, untimed. */
static int child_prepare(const char *url, const char *file)
{
    trail_conn *db = open_migrated(url);
    import_from(db, file, -1);
    trail_close(db);
    return 0;
}

typedef struct ints {
    int64_t v[8];
    size_t n;
} ints;

/* The first row's columns as integers. */
static int read_ints(trail_conn *db, void *row, void *userdata)
{
    ints *o = userdata;
    for (size_t i = 0; i < o->n; i++) {
        trail_value v;
        int rc = db->drv->column(db, row, i, TRAIL_V_INT, &v);
        if (rc < 0)
            return rc;
        o->v[i] = v.type == TRAIL_V_NULL ? 0 : v.i;
    }
    return 1;
}

/* Adds every row's first column (SUM() is a decimal on PostgreSQL and MariaDB). */
static int add_int(trail_conn *db, void *row, void *userdata)
{
    trail_value v;
    int rc = db->drv->column(db, row, 0, TRAIL_V_INT, &v);
    if (rc < 0)
        return rc;
    *(int64_t *)userdata += v.type == TRAIL_V_NULL ? 0 : v.i;
    return 0;
}

static void query_ints(trail_conn *db, const char *sql, size_t n, int64_t *out)
{
    ints o = { .n = n };
    int rc = db->drv->query_once(db, sql, NULL, 0, read_ints, &o, NULL);
    if (rc < 0 && rc != 1)
        check(db, rc, sql);
    memcpy(out, o.v, n * sizeof *out);
}

/*
 * What an apply left, read after it (untimed), in this order: conflicts
 * (all, resolved lww, delete-wins, open), merge events, customers (all,
 * named here), their credit's sum, orders.
 */
#define APPLY_COUNTS 9

/* --child apply URL FILE BATCH LABEL: the timed import of the conflicts' cases, then the counts. */
static int child_apply(const char *url, const char *file, int batch)
{
    trail_conn *db;
    check(db, trail_open(&db, url, NULL), url);
    trail_sync_stats st;
    int64_t ns;
    double cpu;
    timed_import(db, file, batch, &st, &ns, &cpu);
    int64_t c[APPLY_COUNTS];
    query_ints(db,
               "SELECT count(*), count(CASE WHEN resolution = 'lww' THEN 1 END),"
               " count(CASE WHEN resolution = 'delete-wins' THEN 1 END),"
               " count(CASE WHEN resolved_at IS NULL THEN 1 END) FROM trail_conflicts",
               4, c);
    query_ints(db, "SELECT count(*) FROM trail_change_events WHERE op = 'merge'", 1, c + 4);
    query_ints(db,
               "SELECT count(*), count(CASE WHEN name LIKE '% (here)' THEN 1 END) FROM customers",
               2, c + 5);
    c[7] = 0;
    check(db,
          db->drv->query_once(db, "SELECT credit FROM customers", NULL, 0, add_int, &c[7], NULL),
          "credit");
    query_ints(db, "SELECT count(*) FROM orders", 1, c + 8);
    trail_close(db);
    if (isatty(STDERR_FILENO))
        fprintf(stderr, "\r%78s\r", "");
    printf("%lld %lld %lld %lld %lld %.6f %.6f", (long long)st.seen, (long long)st.applied,
           (long long)st.skipped, (long long)st.held, (long long)st.refused, (double)ns / 1e9, cpu);
    for (int i = 0; i < APPLY_COUNTS; i++)
        printf(" %lld", (long long)c[i]);
    printf("\n");
    return 0;
}

static int child_main(int argc, char **argv)
{
    if (argc >= 5 && strcmp(argv[2], "fill") == 0)
        return child_fill(argv[3], atol(argv[4]), argc - 5, argv + 5);
    if (argc == 7 && strcmp(argv[2], "import") == 0)
        return child_label = argv[6], child_import(argv[3], argv[4], atoi(argv[5]));
    if (argc == 7 && strcmp(argv[2], "sync") == 0)
        return child_label = argv[6], child_sync(argv[3], argv[4], atoi(argv[5]));
    if ((argc == 6 || argc == 7) && strcmp(argv[2], "plain") == 0)
        return child_plain(argv[3], argv[4], atoi(argv[5]), argc == 7 ? argv[6] : NULL);
    if (argc == 5 && strcmp(argv[2], "race-fill") == 0)
        return child_race_fill(argv[3], atol(argv[4]));
    if (argc == 5 && strcmp(argv[2], "prepare") == 0)
        return child_prepare(argv[3], argv[4]);
    if (argc == 7 && strcmp(argv[2], "apply") == 0)
        return child_label = argv[6], child_apply(argv[3], argv[4], atoi(argv[5]));
    bench_die("bad --child arguments");
}

/* ---- The parent. ---- */

typedef struct run {
    long seen, applied, skipped, held, refused;
    double seconds; /* of the call itself */
    double cpu;     /* its CPU seconds, where the child says (the conflicts' cases) */
    long peak_kib;  /* the child's ru_maxrss */
    char out[4096]; /* its stdout */
} run;

/* Runs this program with @args (NULL-ended, after "--child"); dies unless it exits 0. */
static void spawn(const char *const *args, run *r)
{
    const char *argv[16] = { "/proc/self/exe", "--child" };
    int n = 2;
    for (; args[n - 2] && n < 15; n++)
        argv[n] = args[n - 2];
    argv[n] = NULL;
    int fd[2];
    if (pipe(fd) != 0)
        bench_die("pipe: %s", strerror(errno));
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0)
        bench_die("fork: %s", strerror(errno));
    if (pid == 0) {
        close(fd[0]);
        dup2(fd[1], STDOUT_FILENO);
        close(fd[1]);
        execv(argv[0], (char *const *)argv);
        _exit(127);
    }
    close(fd[1]);
    size_t len = 0;
    ssize_t got;
    while ((got = read(fd[0], r->out + len, sizeof r->out - 1 - len)) > 0)
        len += (size_t)got;
    r->out[len] = '\0';
    close(fd[0]);
    int ws;
    struct rusage ru;
    while (wait4(pid, &ws, 0, &ru) < 0)
        if (errno != EINTR)
            bench_die("wait4: %s", strerror(errno));
    if (!WIFEXITED(ws) || WEXITSTATUS(ws) != 0)
        bench_die("child %s failed", args[0]);
    r->peak_kib = ru.ru_maxrss;
}

/* An import or sync child, checked: everything applied, nothing held or refused. */
static run measure(const char *const *args, long expected)
{
    run r = { 0 };
    spawn(args, &r);
    if (sscanf(r.out, "%ld %ld %ld %ld %ld %lf", &r.seen, &r.applied, &r.skipped, &r.held,
               &r.refused, &r.seconds) != 6)
        bench_die("child %s printed no figures", args[0]);
    if (r.applied != expected || r.held || r.refused)
        bench_die("%s: %ld of %ld events applied, %ld held, %ld refused", args[0], r.applied,
                  expected, r.held, r.refused);
    return r;
}

static char dir[DIR_MAX];
static bool keep;

static void cleanup(void)
{
    if (!dir[0])
        return;
    if (keep)
        fprintf(stderr, "bench_sync: files left in %s\n", dir);
    else
        bench_remove_tree(bench_program, dir);
}

static double rate(const run *r)
{
    return (double)r->applied / r->seconds;
}

static void print_run(const char *what, const run *r)
{
    printf("  %-40s %9ld events %8.2f s %9.0f events/s  peak %6.1f MiB\n", what, r->applied,
           r->seconds, rate(r), (double)r->peak_kib / 1024);
}

/* Imports @file into a server started with @script, the figure into @r. */
static void server_import(const char *script, const char *name, const char *file, const char *batch,
                          long expected, run *r)
{
    char url[1024];
    printf("  (starting a throwaway %s server)\n", name);
    /* Beside our directory, not in it: the server runs as another user when we are root. */
    const char *tmp = getenv("TMPDIR");
    bench_server_start(script, tmp && *tmp ? tmp : "/tmp", "bench-sync-server", name, url,
                       sizeof url);
    const char *args[] = { "import", url, file, batch, name, NULL };
    *r = measure(args, expected);
    bench_server_stop();
}

/* ---- The conflicts' cases (issue 18). ---- */

typedef struct race_case {
    const char *what;
    run r;
    int64_t c[APPLY_COUNTS]; /* child_apply's counts */
    bool ok;                 /* the counts are what the races make */
} race_case;

/* The counts child_apply must read after each case (see child_race_fill). */
typedef struct race_plan {
    long events, k, n[RACES], base;
    long long base_hlc, customers, orders, credit;
    double export_s;
} race_plan;

static const char *const count_name[APPLY_COUNTS] = {
    "conflicts", "lww",        "delete-wins", "open",   "merge events",
    "customers", "named here", "credit",      "orders",
};

/* Runs child_apply with @args, and checks its counts against @plan, @raced or not. */
static void race_measure(const char *const *args, const race_plan *plan, bool raced, race_case *out)
{
    out->r = measure(args, plan->events);
    if (sscanf(out->r.out,
               "%*d %*d %*d %*d %*d %*f %lf %lld %lld %lld %lld %lld %lld %lld %lld %lld",
               &out->r.cpu, (long long *)&out->c[0], (long long *)&out->c[1],
               (long long *)&out->c[2], (long long *)&out->c[3], (long long *)&out->c[4],
               (long long *)&out->c[5], (long long *)&out->c[6], (long long *)&out->c[7],
               (long long *)&out->c[8]) != APPLY_COUNTS + 1)
        bench_die("child %s printed no counts", args[0]);
    const long *n = plan->n;
    /*
     * docs/replication.md, "Merging concurrent edits": a pair on one field
     * is a conflict resolved lww, and the later edit (the source's) sets
     * the row, its own new_values, so no merge; a pair on other fields is
     * no conflict, and the row (the name from here, the credit from there)
     * is no event's new_values: one merge event; a delete against an
     * update is a conflict resolved delete-wins, and the record ends
     * deleted.
     */
    int64_t want[APPLY_COUNTS] = {
        raced ? n[RACE_SAME] + n[RACE_DELETED_HERE] + n[RACE_DELETED_THERE] : 0,
        raced ? n[RACE_SAME] : 0,
        raced ? n[RACE_DELETED_HERE] + n[RACE_DELETED_THERE] : 0,
        0,
        raced ? n[RACE_OTHER] : 0,
        plan->customers,
        raced ? n[RACE_OTHER] : 0,
        plan->credit,
        plan->orders - (raced ? n[RACE_DELETED_HERE] : 0),
    };
    out->ok = true;
    for (int i = 0; i < APPLY_COUNTS; i++)
        if (out->c[i] != want[i]) {
            printf("  MISMATCH %s: %s %lld, the races make %lld\n", out->what, count_name[i],
                   (long long)out->c[i], (long long)want[i]);
            out->ok = false;
        }
}

/* A case on a throwaway server: started, the destination prepared from @prep, timed, stopped. */
static void race_server(const char *script, const char *name, const char *prep, const char *file,
                        const char *batch, const race_plan *plan, bool raced, race_case *out)
{
    char url[1024];
    printf("  (starting a throwaway %s server)\n", name);
    fflush(stdout);
    const char *tmp = getenv("TMPDIR");
    bench_server_start(script, tmp && *tmp ? tmp : "/tmp", "bench-sync-server", name, url,
                       sizeof url);
    const char *a_prep[] = { "prepare", url, prep, NULL };
    run r = { 0 };
    spawn(a_prep, &r);
    const char *args[] = { "apply", url, file, batch, name, NULL };
    race_measure(args, plan, raced, out);
    bench_server_stop();
}

/*
 * A case's line: wall time and rate; CPU time (this process's: on a server
 * the client's only) and events per CPU second; peak RSS; the rate against
 * @clean's (the same engine without conflicts) and @floor's; what it recorded.
 */
static void print_race(const race_case *c, const run *clean, const run *floor)
{
    char vs_clean[16] = "";
    if (clean)
        snprintf(vs_clean, sizeof vs_clean, "%.2fx", rate(&c->r) / rate(clean));
    printf("  %-26s %7.2f %8.0f %7.2f %8.0f %6.1f %7s %6.2fx %9lld %7lld\n", c->what, c->r.seconds,
           rate(&c->r), c->r.cpu, (double)c->r.applied / c->r.cpu, (double)c->r.peak_kib / 1024,
           vs_clean, rate(&c->r) / rate(floor), (long long)c->c[0], (long long)c->c[4]);
}

/*
 * The conflicts' cases at @events events (see the top of the file); their
 * figures into @dat. Returns whether every apply recorded what its races
 * make.
 */
static bool race_section(long events, long batch, bool sqlite_only, const char *dat)
{
    char n_text[24], batch_text[24];
    snprintf(n_text, sizeof n_text, "%ld", events);
    snprintf(batch_text, sizeof batch_text, "%ld", batch);
    printf("conflicts (issue 18): the source and the destination edit records apart\n");
    printf("  writing the base, the destination's edits and the source's workload...\n");
    const char *a_fill[] = { "race-fill", dir, n_text, NULL };
    run fill = { 0 };
    int64_t t0 = bench_mono_ns();
    spawn(a_fill, &fill);
    double fill_s = (double)(bench_mono_ns() - t0) / 1e9;
    race_plan p;
    if (sscanf(fill.out, "%ld %ld %ld %ld %ld %ld %ld %lld %lld %lld %lld %lf", &p.events, &p.k,
               &p.n[0], &p.n[1], &p.n[2], &p.n[3], &p.base, &p.base_hlc, &p.customers, &p.orders,
               &p.credit, &p.export_s) != 12)
        bench_die("the race fill printed no figures");
    printf("  (%.1f s) the destination holds the source's first %ld events (%ld records made),"
           " and edited each record apart;\n",
           fill_s, p.base, p.k);
    printf("  the source's %ld events after them (exported in %.2f s) edit each once more: %ld"
           " (%.1f%%) race the destination's:\n",
           p.events, p.export_s, p.k, 100. * (double)p.k / (double)p.events);
    for (int i = 0; i < RACES; i++)
        printf("    %6ld %s\n", p.n[i], race_what[i]);
    printf("  expected: %ld conflicts (%ld lww, %ld delete-wins), %ld merge events\n",
           p.n[RACE_SAME] + p.n[RACE_DELETED_HERE] + p.n[RACE_DELETED_THERE], p.n[RACE_SAME],
           p.n[RACE_DELETED_HERE] + p.n[RACE_DELETED_THERE], p.n[RACE_OTHER]);

    char file[PATH_LEN], src[PATH_LEN], base_file[PATH_LEN], here_file[PATH_LEN];
    char clean_url[PATH_LEN + 8], here_url[PATH_LEN + 8], plain_dst[PATH_LEN];
    char plain_batch[24], hlc_text[24];
    snprintf(file, sizeof file, "%s/race_events.trail", dir);
    snprintf(src, sizeof src, "%s/race_source.db", dir);
    snprintf(base_file, sizeof base_file, "%s/race_base.trail", dir);
    snprintf(here_file, sizeof here_file, "%s/race_here.trail", dir);
    snprintf(clean_url, sizeof clean_url, "sqlite:%s/race_clean.db", dir);
    snprintf(here_url, sizeof here_url, "sqlite:%s/race_here.db", dir);
    snprintf(plain_dst, sizeof plain_dst, "%s/race_plain.db", dir);
    snprintf(plain_batch, sizeof plain_batch, "%ld", batch ? batch : IMPORT_BATCH);
    snprintf(hlc_text, sizeof hlc_text, "%lld", p.base_hlc);

    printf("  %-26s %7s %8s %7s %8s %6s %7s %7s %9s %7s\n", "case", "wall s", "ev/s", "CPU s",
           "ev/CPU-s", "MiB", "x clean", "x floor", "conflicts", "merges");
    const char *a_plain[] = { "plain", src, plain_dst, plain_batch, hlc_text, NULL };
    run floor = measure(a_plain, p.events);
    if (sscanf(floor.out, "%*d %*d %*d %*d %*d %*f %lf", &floor.cpu) != 1)
        bench_die("the floor printed no CPU time");
    race_case fl = { .what = "plain INSERT (floor)", .r = floor, .ok = true };
    print_race(&fl, NULL, &floor);
    race_case cs[6] = {
        { .what = "SQLite, no conflicts" },     { .what = "SQLite, conflicts" },
        { .what = "PostgreSQL, no conflicts" }, { .what = "PostgreSQL, conflicts" },
        { .what = "MariaDB, no conflicts" },    { .what = "MariaDB, conflicts" },
    };
    const char *a_clean[] = { "apply", clean_url, file, batch_text, "sqlite, no conflicts", NULL };
    race_measure(a_clean, &p, false, &cs[0]);
    print_race(&cs[0], NULL, &floor);
    const char *a_here[] = { "apply", here_url, file, batch_text, "sqlite, conflicts", NULL };
    race_measure(a_here, &p, true, &cs[1]);
    print_race(&cs[1], &cs[0].r, &floor);
    int ncases = 2;
    if (!sqlite_only) {
        const char *script[2] = { TRAIL_PG_SH, TRAIL_MARIADB_SH };
        const char *name[2] = { "postgresql", "mariadb" };
        for (int e = 0; e < 2; e++) {
            race_server(script[e], name[e], base_file, file, batch_text, &p, false, &cs[2 + 2 * e]);
            print_race(&cs[2 + 2 * e], NULL, &floor);
            race_server(script[e], name[e], here_file, file, batch_text, &p, true, &cs[3 + 2 * e]);
            print_race(&cs[3 + 2 * e], &cs[2 + 2 * e].r, &floor);
        }
        ncases = 6;
    }
    bool ok = true;
    for (int i = 0; i < ncases; i++)
        ok = ok && cs[i].ok;
    printf("  every case recorded the conflicts and merges its races make, and left their rows: "
           "%s\n",
           ok ? "yes" : "NO (see MISMATCH above)");
    printf("targets (issue 18):\n");
    char what[128];
    snprintf(what, sizeof what,
             "SQLite import at %ld events, %.0f%% racing, >= %.0f events/s:", p.events,
             100. * (double)p.k / (double)p.events, TARGET_RATE);
    printf("  %-62s %-6s (%.0f events/s, %.2fx; %.0f per CPU second)\n", what,
           rate(&cs[1].r) >= TARGET_RATE ? "met" : "missed", rate(&cs[1].r),
           rate(&cs[1].r) / TARGET_RATE, (double)cs[1].r.applied / cs[1].r.cpu);

    FILE *f = fopen(dat, "w");
    if (!f)
        bench_die("%s: %s", dat, strerror(errno));
    fprintf(f,
            "# bench_sync conflicts: events/s applied at %ld events, %ld racing the "
            "destination's\n",
            p.events, p.k);
    fprintf(f, "# engine\tno_conflicts\tconflicts\tpeak_mib_conflicts\n");
    const char *engine[3] = { "SQLite", "PostgreSQL", "MariaDB" };
    for (int e = 0; e < ncases / 2; e++)
        fprintf(f, "\"%s\"\t%.0f\t%.0f\t%.1f\n", engine[e], rate(&cs[2 * e].r),
                rate(&cs[2 * e + 1].r), cs[2 * e + 1].r.peak_kib / 1024.);
    fprintf(f, "\n\n# floor: plain INSERT of the same rows into SQLite\n%.0f\n", rate(&floor));
    fprintf(f, "\n\n# target\n%.0f\n", TARGET_RATE);
    fclose(f);
    return ok;
}

/* The cases of issue 17 (see the top of the file); their figures into @dat. */
static void sync_section(long events, long small, long large, long batch, bool sqlite_only,
                         const char *dat)
{
    /* The sizes, ascending, each once. */
    long sizes[3] = { small, events, large }, tmpv;
    for (int i = 0; i < 3; i++)
        for (int j = i + 1; j < 3; j++)
            if (sizes[j] < sizes[i])
                tmpv = sizes[i], sizes[i] = sizes[j], sizes[j] = tmpv;
    int nsizes = 0;
    char size_text[3][24];
    for (int i = 0; i < 3; i++)
        if (i == 0 || sizes[i] != sizes[i - 1])
            snprintf(size_text[nsizes++], sizeof size_text[0], "%ld", sizes[i]);

    printf("bench_sync: applying replicated events (issue 17)\n");
    printf("  writing the source: %d lanes, creates, updates, deletes, 1 to 4 events a "
           "transaction...\n",
           WRITERS);
    char snap[24];
    snprintf(snap, sizeof snap, "%ld", events);
    const char *fill_args[] = { "fill",
                                dir,
                                snap,
                                size_text[0],
                                nsizes > 1 ? size_text[1] : NULL,
                                nsizes > 2 ? size_text[2] : NULL,
                                NULL };
    run fill = { 0 };
    int64_t t0 = bench_mono_ns();
    spawn(fill_args, &fill);
    double fill_s = (double)(bench_mono_ns() - t0) / 1e9;
    long actual[3] = { 0 };
    char *line = fill.out;
    for (int i = 0; i < nsizes; i++) {
        long size, n;
        double export_s;
        if (sscanf(line, "%ld %ld %lf", &size, &n, &export_s) != 3)
            bench_die("the fill printed no figures");
        for (int k = 0; k < 3; k++)
            if (sizes[k] == size)
                actual[k] = n;
        char path[PATH_LEN];
        snprintf(path, sizeof path, "%s/events_%ld.trail", dir, size);
        FILE *f = fopen(path, "r");
        long bytes = f && fseek(f, 0, SEEK_END) == 0 ? ftell(f) : -1;
        if (f)
            fclose(f);
        printf("  %9ld events: exported in %.2f s (%.0f events/s), %.1f MiB of file\n", n, export_s,
               (double)n / export_s, (double)bytes / (1 << 20));
        line = strchr(line, '\n') + 1;
    }
    printf("  (the source took %.1f s to write)\n", fill_s);
    long n_events = 0, n_small = 0, n_large = 0;
    for (int k = 0; k < 3; k++) {
        n_events = sizes[k] == events ? actual[k] : n_events;
        n_small = sizes[k] == small ? actual[k] : n_small;
        n_large = sizes[k] == large ? actual[k] : n_large;
    }

    char file[PATH_LEN], file_small[PATH_LEN], file_large[PATH_LEN], src[PATH_LEN];
    char dst[8][PATH_LEN + 8], batch_text[24];
    snprintf(file, sizeof file, "%s/events_%ld.trail", dir, events);
    snprintf(file_small, sizeof file_small, "%s/events_%ld.trail", dir, small);
    snprintf(file_large, sizeof file_large, "%s/events_%ld.trail", dir, large);
    snprintf(src, sizeof src, "%s/source_%ld.db", dir, events);
    const char *names[] = { "import", "sync", "plain", "small", "large", "source" };
    for (int i = 0; i < 6; i++)
        snprintf(dst[i], sizeof dst[i], "sqlite:%s/%s.db", dir, names[i]);
    snprintf(dst[5], sizeof dst[5], "sqlite:%s", src);
    snprintf(batch_text, sizeof batch_text, "%ld", batch);

    printf("at %ld events, batch %s:\n", n_events, batch ? batch_text : "default");
    const char *a_import[] = { "import", dst[0], file, batch_text, "import sqlite", NULL };
    run imp = measure(a_import, n_events);
    print_run("trail_import, file -> SQLite", &imp);
    const char *a_sync[] = { "sync", dst[5], dst[1], batch_text, "sync sqlite", NULL };
    run syn = measure(a_sync, n_events);
    print_run("trail_sync, SQLite -> SQLite", &syn);
    char plain_dst[PATH_LEN], plain_batch[24];
    snprintf(plain_dst, sizeof plain_dst, "%s/plain.db", dir);
    snprintf(plain_batch, sizeof plain_batch, "%ld", batch ? batch : IMPORT_BATCH);
    const char *a_plain[] = { "plain", src, plain_dst, plain_batch, NULL };
    run plain = measure(a_plain, n_events);
    print_run("plain INSERT of the same rows (floor)", &plain);
    run pg = { 0 }, my = { 0 };
    if (!sqlite_only) {
        server_import(TRAIL_PG_SH, "postgresql", file, batch_text, n_events, &pg);
        print_run("trail_import, file -> PostgreSQL", &pg);
        server_import(TRAIL_MARIADB_SH, "mariadb", file, batch_text, n_events, &my);
        print_run("trail_import, file -> MariaDB", &my);
    }

    printf("memory (trail_import into SQLite):\n");
    const char *a_small[] = { "import", dst[3], file_small, batch_text, "import small", NULL };
    run rs = measure(a_small, n_small);
    print_run("small", &rs);
    const char *a_large[] = { "import", dst[4], file_large, batch_text, "import large", NULL };
    run rl = measure(a_large, n_large);
    print_run("large", &rl);

    double flat = (double)rl.peak_kib / (double)rs.peak_kib;
    printf("targets (issue 17):\n");
    char what[128];
    snprintf(what, sizeof what, "SQLite import at %ld events >= %.0f events/s:", n_events,
             TARGET_RATE);
    printf("  %-62s %-6s (%.0f events/s, %.2fx)\n", what,
           rate(&imp) >= TARGET_RATE ? "met" : "missed", rate(&imp), rate(&imp) / TARGET_RATE);
    snprintf(what, sizeof what, "peak RSS at %ld / at %ld events <= %.2fx:", n_large, n_small,
             FLAT_RATIO);
    printf("  %-62s %-6s (%.2fx: %.1f / %.1f MiB)\n", what, flat <= FLAT_RATIO ? "met" : "missed",
           flat, (double)rl.peak_kib / 1024, (double)rs.peak_kib / 1024);
    printf("  %-62s %.2fx\n", "import / plain INSERT of the same rows:", rate(&imp) / rate(&plain));
    if (events != DEFAULT_EVENTS || small != DEFAULT_SMALL || large != DEFAULT_LARGE)
        printf("(sizes other than the issue's: the targets are judged at 200000, 100000 and "
               "1000000 events)\n");

    FILE *f = fopen(dat, "w");
    if (!f)
        bench_die("%s: %s", dat, strerror(errno));
    fprintf(f, "# bench_sync: events/s applied at %ld events, and peak RSS (MiB)\n", n_events);
    fprintf(f, "# case\tevents_per_s\tpeak_mib\n");
    fprintf(f, "\"plain INSERT (floor)\"\t%.0f\t%.1f\n", rate(&plain), plain.peak_kib / 1024.);
    fprintf(f, "\"import SQLite\"\t%.0f\t%.1f\n", rate(&imp), imp.peak_kib / 1024.);
    fprintf(f, "\"sync SQLite>SQLite\"\t%.0f\t%.1f\n", rate(&syn), syn.peak_kib / 1024.);
    if (!sqlite_only) {
        fprintf(f, "\"import PostgreSQL\"\t%.0f\t%.1f\n", rate(&pg), pg.peak_kib / 1024.);
        fprintf(f, "\"import MariaDB\"\t%.0f\t%.1f\n", rate(&my), my.peak_kib / 1024.);
    }
    fprintf(f, "\n\n# peak RSS of trail_import into SQLite by events\n# events\tpeak_mib\n");
    fprintf(f, "%ld\t%.1f\n%ld\t%.1f\n", n_small, rs.peak_kib / 1024., n_large,
            rl.peak_kib / 1024.);
    fprintf(f, "\n\n# target\n%.0f\n", TARGET_RATE);
    fclose(f);
}

int main(int argc, char **argv)
{
    bench_program = "bench_sync";
    (void)bench_tcp_sends; /* bench_server.h's, for the benchmarks that count round trips */
    (void)bench_socket_of_port;
    if (argc > 1 && strcmp(argv[1], "--child") == 0)
        return child_main(argc, argv);
    bool quick = false, sqlite_only = false, conflicts_only = false;
    long events = 0, small = 0, large = 0, batch = DEFAULT_BATCH;
    const char *dat = "bench_sync.dat", *conflicts_dat = "bench_sync_conflicts.dat";
    const bench_option opts[] = {
        { "--quick", &quick, NULL, 0, NULL },
        { "--sqlite-only", &sqlite_only, NULL, 0, NULL },
        { "--keep", &keep, NULL, 0, NULL },
        { "--conflicts-only", &conflicts_only, NULL, 0, NULL },
        { "--events", NULL, &events, MAX_EVENTS, NULL },
        { "--small", NULL, &small, MAX_EVENTS, NULL },
        { "--large", NULL, &large, MAX_EVENTS, NULL },
        { "--batch", NULL, &batch, MAX_BATCH, NULL },
        { "--data", NULL, NULL, 0, &dat },
        { "--conflicts-data", NULL, NULL, 0, &conflicts_dat },
    };
    int parsed =
        bench_parse_args(argc, argv, opts, sizeof opts / sizeof opts[0], usage, bench_program);
    if (parsed)
        return parsed == 1 ? 0 : 2;
    events = events ? events : quick ? QUICK_EVENTS : DEFAULT_EVENTS;
    small = small ? small : quick ? QUICK_SMALL : DEFAULT_SMALL;
    large = large ? large : quick ? QUICK_LARGE : DEFAULT_LARGE;
    if (large <= small)
        bench_die("--large must be more than --small");
    sqlite_only = sqlite_only || quick;
    if (events < 10 * RACE_EVERY)
        bench_die("--events must be at least %d (the races need %d)", 10 * RACE_EVERY, 10);

    const char *tmp = getenv("TMPDIR");
    snprintf(dir, sizeof dir, "%s/bench-sync.XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(dir))
        bench_die("mkdtemp: %s", strerror(errno));
    atexit(cleanup);

    if (!conflicts_only)
        sync_section(events, small, large, batch, sqlite_only, dat);
    bool ok = race_section(events, batch, sqlite_only, conflicts_dat);
    if (quick)
        printf("(--quick: sizes too small for the figures to mean anything)\n");
    return ok ? 0 : 1;
}
