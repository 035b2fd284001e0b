/*
 * bench_galera.c - bench_write_mysql --galera: what an audited write costs
 * on a 3-node MariaDB Galera cluster, and how often writers on different
 * nodes of it collide on the same records.
 *
 * The cluster is a throwaway one that tests/servers/galera.sh starts in a
 * temporary directory (3 nodes on 127.0.0.1) and stops at the end, on
 * failure and on SIGINT or SIGTERM too, as bench_write_mysql's single
 * server (bench_server.h); or, with --galera-dir DIR, the running cluster
 * of `galera.sh start DIR` (its DIR/url1..url3), which is left running as
 * it was (the settings changed while the program runs are set back: see
 * cluster_open() and settle()). Every node keeps MariaDB's defaults, innodb_flush_log_at_trx_commit
 * 1 included: on a cluster a commit is durable once the other nodes have it, which is why
 * deployments often relax the setting, but only the default is measured
 * here, to keep the run short. The database is made and reset through
 * node 1, as bench_write_mysql makes it on its server; the cluster
 * replicates it (TRUNCATE and CREATE TRIGGER in total order).
 *
 * Throughput: bench_write_mysql's three cases (plain, trigger audit, trail)
 * with GALERA_CLIENTS clients, each on its own third of the customers, so
 * that they never conflict:
 *   - on 1 node: all three on node 1, the other nodes applying its writes;
 *   - over 3 nodes: client k on node k, every node certifying and applying
 *     the others' writes besides its own.
 * The same number of clients in both, so that the two compare: what
 * spreading the writers over the nodes costs or gains. Even on rows of
 * their own, a node may undo a client's write whose locks (the event
 * table's index locks) an applier of another node's writes needs: plain
 * and trigger audit clients get error 1213 then, and run the write again
 * (bench_write_mysql.c's update_one()), trail runs it again itself; both
 * are counted and printed. Ratios, the target
 * (trail >= 1.0x the trigger audit, in both) and the checks afterwards as
 * bench_write_mysql's, the checks on every node, each read waiting until
 * its node has applied every write the cluster committed before it
 * (wsrep_sync_wait).
 *
 * Contention: GALERA_CLIENTS clients, one per node, each write on one of
 * the HOT_ROWS first customers chosen at random, read-modify-write (read
 * the customer, write its credit + 1 at the version read):
 *   - trail: shop_customer_get(), shop_customer_update() at its version.
 *     A write that lost certification to another node's is run again by
 *     trail (trail_retries() counts those runs), and ends with TRAIL_OK,
 *     TRAIL_ECONFLICT (the version moved: read again) or, after max_retries,
 *     TRAIL_EBUSY; both are counted, and the client goes on.
 *   - trigger audit: SELECT credit and version; the context; the
 *     version-checked UPDATE, autocommit. No row changed is the version
 *     having moved (trail's TRAIL_ECONFLICT); error 1213 is counted.
 *   - plain: SELECT credit; UPDATE SET credit = ?, autocommit; 1213
 *     counted. Without a version, a write that read a credit another node
 *     has changed since overwrites that change: lost updates, counted from
 *     the credits.
 * MariaDB runs an autocommit statement that lost certification once more
 * itself (wsrep_retry_autocommit, default 1), so the 1213s plain and
 * trigger audit see are statements that lost twice. What the nodes undid,
 * whoever ran it again, is their wsrep_local_cert_failures and
 * wsrep_local_bf_aborts, summed over the nodes: printed per successful
 * write for every case. Checked on every node afterwards: trail and
 * trigger audit have as many version increments and update events as
 * successful writes, and as much credit gained; every node has the same.
 *
 * No figure is asserted; --quick only proves that it runs.
 */
#define _XOPEN_SOURCE 700 /* mkdtemp, sigaction, pthread_barrier */
#include "bench_write_mysql.h"
#include "bench_server.h"

#include <mysql.h>
#include <mysqld_error.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef TRAIL_GALERA_SH
#define TRAIL_GALERA_SH "tests/servers/galera.sh"
#endif

#define GALERA_CLIENTS 3 /* one per node when spread */
#define HOT_ROWS       3 /* the customers the contention's writes go to */

void galera_usage(FILE *f)
{
    fprintf(f,
            "  --galera     on a 3-node Galera cluster that galera.sh (%s)\n"
            "               starts and stops: %d clients on 1 node and over the 3, ratios\n"
            "               and target as above; then %d clients, one per node, on %d hot\n"
            "               customers: writes/s, trail's retries, TRAIL_ECONFLICT,\n"
            "               TRAIL_EBUSY, 1213s and lost updates\n"
            "  --galera-dir DIR  the same on the running cluster of `galera.sh start DIR`\n"
            "               (left running, as it was)\n",
            TRAIL_GALERA_SH, GALERA_CLIENTS, GALERA_CLIENTS, HOT_ROWS);
}

/* The first line of @dir/@name into @out. */
static void read_line(const char *dir, const char *name, char *out, size_t size)
{
    char path[BENCH_DIR_MAX + 64];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "r");
    if (!f || !fgets(out, (int)size, f))
        bench_die("cannot read %s: is a cluster of galera.sh running there?", path);
    fclose(f);
    out[strcspn(out, "\r\n")] = '\0';
}

/*
 * The cluster: galera.sh's, started here, or --galera-dir's; each node's
 * URL and administrator (galera.sh's nodes are mariadb.sh's servers, whose
 * sockets let the OS user in). The nodes log binary row events, so
 * creating the trigger takes SUPER or log_bin_trust_function_creators,
 * which the administrator sets on every node, and sets back at the end on
 * --galera-dir's cluster (@trust receives the value found).
 */
static void cluster_open(const bench_args *a, struct fixture *fx, long *trust)
{
    const char *dir = a->galera_dir;
    if (!dir) {
        char url[BENCH_URL_LEN];
        bench_server_start(TRAIL_GALERA_SH, a->parent, bench_program, "galera", url, sizeof url);
        dir = bench_server.data;
    }
    fx->nodes = BENCH_NODES;
    for (int n = 0; n < BENCH_NODES; n++) {
        char name[16], node_dir[BENCH_DIR_MAX + 32];
        snprintf(name, sizeof name, "url%d", n + 1);
        read_line(dir, name, fx->node[n].url, sizeof fx->node[n].url);
        snprintf(node_dir, sizeof node_dir, "%s/node%d", dir, n + 1);
        fx->node[n].admin = admin_connect(node_dir);
        *trust =
            (long)my_value(fx->node[n].admin, "SELECT @@GLOBAL.log_bin_trust_function_creators");
        my_exec(fx->node[n].admin, "SET GLOBAL log_bin_trust_function_creators = 1");
    }
    fx->dirty_pct = my_value(fx->node[0].admin, "SELECT @@GLOBAL.innodb_max_dirty_pages_pct");
    make_template(fx);
    fx->groups.settings = 1;
    fx->flush[0] = (long)my_value(fx->node[0].conn, FLUSH_SQL);
}

/* ---- Contention. ---- */

/* What a client of the contention counted. */
struct hot_counts {
    long writes;    /* successful */
    long conflicts; /* TRAIL_ECONFLICT, or the trigger audit's UPDATE changing no row */
    long busy;      /* TRAIL_EBUSY */
    long deadlocks; /* error 1213, which plain and trigger audit see */
    long retries;   /* trail_retries() */
    long lost;      /* plain: writes whose credit another write overwrote */
    double aborts;  /* certification failures and brute-force aborts of the nodes */
};

struct hot_run {
    struct run r; /* its clients, opened by client_open() */
    struct hot_counts n[GALERA_CLIENTS];
    uint64_t seed[GALERA_CLIENTS];
    int64_t t0[GALERA_CLIENTS], t1[GALERA_CLIENTS];
};

/* Customer @id's credit and version, as client @cl's node has them. */
static void read_customer(struct client *cl, const char *id, int64_t *credit, int64_t *version)
{
    char sql[128];
    snprintf(sql, sizeof sql, "SELECT `credit`, `version` FROM `customers` WHERE `id` = '%s'", id);
    if (mysql_query(cl->my, sql) != 0)
        bench_die("%s: %s", sql, mysql_error(cl->my));
    MYSQL_RES *res = mysql_store_result(cl->my);
    MYSQL_ROW row = res ? mysql_fetch_row(res) : NULL;
    if (!row)
        bench_die("%s: no row (%s)", sql, mysql_error(cl->my));
    *credit = strtoll(row[0], NULL, 10);
    *version = strtoll(row[1], NULL, 10);
    mysql_free_result(res);
}

/* trail's read-modify-write of customer @id. */
static void hot_trail(struct client *cl, const char *id, struct hot_counts *n)
{
    trail_conn *db = cl->b.db;
    shop_customer cur = { 0 };
    bench_trail_check(db, shop_customer_get(db, id, &cur), "shop_customer_get");
    shop_customer_update_params u = {
        .id = id, .version = cur.version, .set = SHOP_CUSTOMER_CREDIT, .credit = cur.credit + 1
    };
    shop_customer_clear(&cur);
    int rc = shop_customer_update(db, &bench_ctx, &u, NULL);
    if (rc == TRAIL_ECONFLICT)
        n->conflicts++;
    else if (rc == TRAIL_EBUSY)
        n->busy++;
    else {
        bench_trail_check(db, rc, "shop_customer_update");
        n->writes++;
    }
}

/* The trigger audit's or plain's read-modify-write of customer @id. */
static void hot_sql(struct client *cl, const char *id, struct hot_counts *n)
{
    bool audited = cl->b.run->c->kind == BENCH_TRIGGER;
    int64_t credit;
    read_customer(cl, id, &credit, &cl->version);
    cl->credit = credit + 1;
    memcpy(cl->id, id, sizeof cl->id);
    if (audited && mysql_stmt_execute(cl->ctx) != 0)
        bench_die("SET @trail_...: %s", mysql_stmt_error(cl->ctx));
    if (mysql_stmt_execute(cl->update) != 0) {
        if (mysql_stmt_errno(cl->update) != ER_LOCK_DEADLOCK)
            bench_die("UPDATE: %s", mysql_stmt_error(cl->update));
        n->deadlocks++;
    } else if (audited && mysql_stmt_affected_rows(cl->update) == 0)
        n->conflicts++;
    else
        n->writes++;
}

struct hot_arg {
    struct hot_run *h;
    int k;
};

static void *hot_main(void *arg)
{
    struct hot_run *h = ((struct hot_arg *)arg)->h;
    int k = ((struct hot_arg *)arg)->k;
    struct client *cl = &h->r.cl[k];
    bench_run *b = &h->r.b;
    uint64_t *seed = &h->seed[k];
    pthread_barrier_wait(&b->start);
    h->t0[k] = bench_mono_ns();
    do {
        *seed ^= *seed << 13, *seed ^= *seed >> 7, *seed ^= *seed << 17; /* xorshift64 */
        const char *id = b->ids[*seed % HOT_ROWS];
        if (b->c->kind == BENCH_TRAIL)
            hot_trail(cl, id, &h->n[k]);
        else
            hot_sql(cl, id, &h->n[k]);
        h->t1[k] = bench_mono_ns();
    } while (h->t1[k] - h->t0[k] < b->budget_ns);
    if (cl->b.db)
        h->n[k].retries = (long)trail_retries(cl->b.db);
    return NULL;
}

/* The certification failures and brute-force aborts of every node so far. */
static double cluster_aborts(const struct fixture *fx)
{
    double sum = 0;
    for (int n = 0; n < fx->nodes; n++)
        sum += my_value(fx->node[n].conn,
                        "SELECT SUM(VARIABLE_VALUE) FROM information_schema.GLOBAL_STATUS"
                        " WHERE VARIABLE_NAME IN ('WSREP_LOCAL_CERT_FAILURES',"
                        " 'WSREP_LOCAL_BF_ABORTS')");
    return sum;
}

/* The sum of the customers' version - 1 and of their credit, on @c. */
static void customer_sums(MYSQL *c, long *versions, long *credit)
{
    *versions = (long)my_value(c, "SELECT SUM(`version` - 1) FROM `customers`");
    *credit = (long)my_value(c, "SELECT SUM(`credit`) FROM `customers`");
}

/*
 * Checks every node after a contention run of case @c whose clients
 * counted @n, the credits having summed to @credit0 before: as the
 * header says. Fills n->lost.
 */
static void check_hot(const struct fixture *fx, const bench_case *c, struct hot_counts *n,
                      long credit0)
{
    bool audited = c->kind != BENCH_PLAIN;
    long versions0 = 0, credit_first = 0, events0 = 0;
    for (int k = 0; k < fx->nodes; k++) {
        struct audit_counts a = { 0 };
        long versions, credit;
        check_audit(fx->node[k].conn, &a);
        customer_sums(fx->node[k].conn, &versions, &credit);
        if (k == 0) {
            versions0 = versions, credit_first = credit, events0 = a.events;
            n->lost = n->writes - (credit - credit0);
        }
        if (a.events != (audited ? n->writes : 0) || versions != (audited ? n->writes : 0) ||
            a.unmatched || a.no_ctx || a.twins || (audited && n->lost != 0) ||
            versions != versions0 || credit != credit_first || a.events != events0)
            bench_die("contention, %s, node %d: %ld successful writes, %ld update events, %ld"
                      " version increments, credit +%ld (node 1: %ld, %ld, +%ld), %ld"
                      " customers whose events do not match, %ld events without the context,"
                      " %ld (lane_id, seq) taken twice",
                      bench_kind_names[c->kind], k + 1, n->writes, a.events, versions,
                      credit - credit0, events0, versions0, credit_first - credit0, a.unmatched,
                      a.no_ctx, a.twins);
    }
}

/* Runs contention case @c once: its writes per second into c->ops[@rep]; adds its counts to @sum.
 */
static void run_hot(bench_case *c, struct fixture *fx, int64_t budget_ns, int rep,
                    struct hot_counts *sum)
{
    static struct hot_run h;
    memset(&h, 0, sizeof h);
    bench_run_init(&h.r.b, c, NULL, fx->rows, fx->ids, 0, budget_ns);
    h.r.fx = fx;
    h.r.spread = true;
    start_case(fx, c);
    long versions, credit0;
    customer_sums(fx->node[0].conn, &versions, &credit0);
    double aborts0 = cluster_aborts(fx);

    struct hot_arg args[GALERA_CLIENTS];
    void *arg[GALERA_CLIENTS];
    for (int k = 0; k < GALERA_CLIENTS; k++) {
        h.r.cl[k].b = (bench_client){ .run = &h.r.b, .index = k, .fd = -1 };
        client_open(&h.r.cl[k].b);
        h.seed[k] = 0x9e3779b97f4a7c15ull * (uint64_t)(k + 1) + (uint64_t)rep;
        args[k] = (struct hot_arg){ &h, k };
        arg[k] = &args[k];
    }
    bench_threads(&h.r.b.start, GALERA_CLIENTS, hot_main, arg);
    struct hot_counts n = { 0 };
    int64_t t0 = 0, t1 = 0;
    for (int k = 0; k < GALERA_CLIENTS; k++) {
        client_close(&h.r.cl[k].b);
        t0 = k == 0 || h.t0[k] < t0 ? h.t0[k] : t0;
        t1 = h.t1[k] > t1 ? h.t1[k] : t1;
        n.writes += h.n[k].writes, n.conflicts += h.n[k].conflicts, n.busy += h.n[k].busy;
        n.deadlocks += h.n[k].deadlocks, n.retries += h.n[k].retries;
    }
    c->ops[rep] = (double)n.writes * 1e9 / (double)(t1 - t0);
    check_hot(fx, c, &n, credit0);
    n.aborts = cluster_aborts(fx) - aborts0;
    sum->writes += n.writes, sum->conflicts += n.conflicts, sum->busy += n.busy;
    sum->deadlocks += n.deadlocks, sum->retries += n.retries, sum->lost += n.lost;
    sum->aborts += n.aborts;
    bench_run_free(&h.r.b);
}

/* ---- The run and its report. ---- */

/* Writes the figures for bench/plot_write_galera.gnuplot. */
static void write_data(const char *path, const struct fixture *fx, const bench_case *cases,
                       const struct hot_counts *hot, const bench_args *a)
{
    static const char *const groups[3] = { "1 node", "3 nodes", "contention" };
    int reps = (int)a->reps;
    FILE *f = fopen(path, "w");
    if (!f)
        bench_die("cannot write %s: %s", path, strerror(errno));
    fprintf(f,
            "# bench_write_mysql --galera: MariaDB %s, 3 nodes, %ld customers; median of %ld"
            " repetitions of %ld ms\n"
            "# group, case, writes/s, ratio to plain (same group), kind (0 plain, 1 trigger"
            " audit, 2 trail),\n"
            "# node aborts per successful write (contention only, else 0). Blocks, for gnuplot's"
            " index:\n"
            "# %d clients on node 1, %d clients one per node, contention on %d customers.\n",
            fx->version, fx->rows, a->reps, a->ms, GALERA_CLIENTS, GALERA_CLIENTS, HOT_ROWS);
    for (int g = 0; g < 3; g++) {
        const bench_case *c = &cases[g * BENCH_NKINDS];
        if (g)
            fprintf(f, "\n\n");
        for (int k = 0; k < BENCH_NKINDS; k++)
            fprintf(f, "\"%s\" \"%s\" %.0f %.6f %d %.6f\n", groups[g], bench_kind_names[k],
                    bench_median(c[k].ops, reps), bench_ratio(c[k].ops, c[BENCH_PLAIN].ops, reps),
                    k, g == 2 && hot[k].writes ? hot[k].aborts / (double)hot[k].writes : 0.0);
    }
    if (fclose(f) != 0)
        bench_die("cannot write %s: %s", path, strerror(errno));
}

/* A count per successful write, or "n/a" when the case cannot have it. */
static void print_rate(double count, long writes, bool has)
{
    if (has && writes > 0)
        printf(" %9.3f", count / (double)writes);
    else
        printf(" %9s", "n/a");
}

static void print_hot(const bench_case *cases, const struct hot_counts *hot, int reps)
{
    printf("\ncontention: %d clients, one per node, each write on one of %d customers at random"
           "\n(read it, write credit + 1 at the version read); counts summed over the"
           " repetitions\n",
           GALERA_CLIENTS, HOT_ROWS);
    printf("  %-14s %9s %8s %8s %9s %9s %9s %7s %7s %7s\n", "case", "writes/s", "x plain", "writes",
           "aborts/w", "retries/w", "confl/w", "EBUSY", "1213", "lost");
    for (int k = 0; k < BENCH_NKINDS; k++) {
        const struct hot_counts *n = &hot[k];
        printf("  %-14s %9.0f %8.2f %8ld", bench_kind_names[k], bench_median(cases[k].ops, reps),
               bench_ratio(cases[k].ops, cases[BENCH_PLAIN].ops, reps), n->writes);
        print_rate(n->aborts, n->writes, true);
        print_rate((double)n->retries, n->writes, k == BENCH_TRAIL);
        print_rate((double)n->conflicts, n->writes, k != BENCH_PLAIN);
        printf(" %7ld %7ld %7ld\n", n->busy, n->deadlocks, n->lost);
    }
    printf("writes: successful ones. aborts/w: certification failures and brute-force aborts\n"
           "of the 3 nodes (wsrep_local_cert_failures + wsrep_local_bf_aborts) per write,\n"
           "whoever ran the transaction again. retries/w: trail_retries() per write, the calls\n"
           "trail ran again after losing certification. confl/w: TRAIL_ECONFLICT per write\n"
           "(trigger audit: its UPDATE found the version moved). EBUSY: TRAIL_EBUSY (lost\n"
           "more than max_retries times). 1213: errors the client saw, after the server's own\n"
           "retry of an autocommit statement (wsrep_retry_autocommit). lost: plain writes\n"
           "another one overwrote (credit gained < writes); none with a version.\n");
}

static void print_report(const bench_args *a, const struct fixture *fx, const bench_case *cases,
                         const struct hot_counts *hot, double elapsed)
{
    int reps = (int)a->reps;
    printf("bench_write_mysql --galera: MariaDB %s (Connector/C %s), 3 nodes on 127.0.0.1%s;"
           " %ld customers, %d clients each on its own third; median of %d repetitions of %ld"
           " ms per case after %ld writes per client (%.1f s); innodb_flush_log_at_trx_commit"
           " %ld; %ld CPUs online, shared by the nodes and the clients%s\n",
           fx->version, mysql_get_client_info(), a->galera_dir ? " (--galera-dir)" : "", a->rows,
           GALERA_CLIENTS, reps, a->ms, a->warmup, elapsed, fx->flush[0],
           sysconf(_SC_NPROCESSORS_ONLN),
           a->quick ? "\n(--quick: counts too small, figures mean nothing)" : "");
    char title[2][64];
    snprintf(title[0], sizeof title[0], "%d clients on node 1", GALERA_CLIENTS);
    snprintf(title[1], sizeof title[1], "%d clients, one per node", GALERA_CLIENTS);
    for (int g = 0; g < 2; g++)
        bench_print_group(title[g], &cases[g * BENCH_NKINDS], reps);
    printf("\nx plain: over plain UPDATEs, same clients and nodes. Ratios are medians of\n"
           "per-repetition ratios. sends/write: TCP data segments the clients sent per write.\n");
    printf("\nwrites run again after the node undid them (all repetitions and warm-ups):\n"
           "plain and trigger audit by the client after error 1213, trail by itself\n"
           "(trail_retries())\n");
    for (int g = 0; g < 2; g++) {
        const bench_case *c = &cases[g * BENCH_NKINDS];
        printf("  %-28s plain %ld, trigger audit %ld, trail %ld\n", title[g],
               c[BENCH_PLAIN].retries, c[BENCH_TRIGGER].retries, c[BENCH_TRAIL].retries);
    }
    printf("\nover 3 nodes / on 1 node (plain, trigger audit, trail): ");
    for (int k = 0; k < BENCH_NKINDS; k++)
        printf(" %.2fx", bench_ratio(cases[BENCH_NKINDS + k].ops, cases[k].ops, reps));
    printf("\n\ntarget: trail / trigger audit on Galera\n");
    for (int g = 0; g < 2; g++)
        bench_verdict(title[g],
                      bench_ratio(cases[g * BENCH_NKINDS + BENCH_TRAIL].ops,
                                  cases[g * BENCH_NKINDS + BENCH_TRIGGER].ops, reps),
                      TARGET_TRAIL_VS_TRIGGER);
    print_hot(&cases[2 * BENCH_NKINDS], hot, reps);
}

void galera_main(const bench_args *a, struct fixture *fx)
{
    /* This file's copy of bench_util.h's name: its messages and the cluster's directory. */
    bench_program = "bench_write_mysql";
    if (a->rows < GALERA_CLIENTS || a->rows < HOT_ROWS)
        bench_die("--rows: at least %d with --galera",
                  GALERA_CLIENTS > HOT_ROWS ? GALERA_CLIENTS : HOT_ROWS);
    long trust;
    cluster_open(a, fx, &trust);
    int64_t t_start = bench_mono_ns();
    /* 1 node, 3 nodes, contention; each the three kinds. */
    static bench_case cases[3 * BENCH_NKINDS];
    for (int i = 0; i < 3 * BENCH_NKINDS; i++)
        cases[i] = (bench_case){ .kind = i % BENCH_NKINDS, .clients = GALERA_CLIENTS };
    struct hot_counts hot[BENCH_NKINDS] = { { 0 } };
    for (long r = 0; r < a->reps; r++) {
        /* Each repetition starts one case later, so no case always follows the same one. */
        for (int k = 0; k < 2 * BENCH_NKINDS; k++) {
            int i = (int)((k + r) % (2 * BENCH_NKINDS));
            run_case(&cases[i], fx, a->ms * 1000000, a->warmup, (int)r, i >= BENCH_NKINDS);
        }
        for (int k = 0; k < BENCH_NKINDS; k++) {
            int i = (int)((k + r) % BENCH_NKINDS);
            run_hot(&cases[2 * BENCH_NKINDS + i], fx, a->ms * 1000000, (int)r, &hot[i]);
        }
    }
    print_report(a, fx, cases, hot, (double)(bench_mono_ns() - t_start) / 1e9);
    if (a->data)
        write_data(a->data, fx, cases, hot, a);
    if (a->galera_dir)
        for (int n = 0; n < fx->nodes; n++) {
            char sql[80];
            snprintf(sql, sizeof sql, "SET GLOBAL log_bin_trust_function_creators = %ld", trust);
            my_exec(fx->node[n].admin, sql);
        }
}
