/*
 * bench_write_mysql.h - what bench_write_mysql.c shares with bench_galera.c,
 * its part on a Galera cluster (--galera): the fixture (the database every
 * case starts from, on one server or on the nodes of a cluster), the
 * clients of a case and running one, and the checks of the database
 * afterwards. The program defines _XOPEN_SOURCE 700 before its first
 * include, as bench_clients.h asks.
 */
#ifndef TRAIL_BENCH_WRITE_MYSQL_H
#define TRAIL_BENCH_WRITE_MYSQL_H

#include "bench_clients.h"
#include "driver/mysql/mysql_url.h"

#include <mysql.h>
#include <stdbool.h>
#include <stdint.h>

#define BENCH_URL_LEN 2048
/* Servers the clients may spread over: one, or the nodes of galera.sh's cluster. */
#define BENCH_NODES   3

/* The target this benchmark judges against, in every group of cases (on a cluster too). */
#define TARGET_TRAIL_VS_TRIGGER 1.0

/* As text: trail reads an integer column only as a number. */
#define FLUSH_SQL "SELECT CAST(@@GLOBAL.innodb_flush_log_at_trx_commit AS CHAR)"

/* A customer's id and its index in creation order, for finding rows read back. */
struct id_index {
    const char *id;
    long i;
};

/* A server the clients write to: the one server, or a node of the cluster. */
struct bench_node {
    char url[BENCH_URL_LEN]; /* the database there */
    trail_mysql_url u;       /* its parts */
    MYSQL *conn;             /* its user's: resets, the trigger, checks */
    MYSQL *admin;            /* the server's administrator, for SET GLOBAL; NULL with --url */
};

struct fixture {
    int nodes;                           /* 1, or the cluster's BENCH_NODES */
    struct bench_node node[BENCH_NODES]; /* node[0]: where the database is made and reset */
    long rows;
    char (*ids)[TRAIL_ULID_LEN + 1]; /* of the customers, in creation order */
    struct id_index *sorted;         /* the same, by id */
    char node_id[TRAIL_NODE_ID_MAX + 1];
    long flush[2];       /* innodb_flush_log_at_trx_commit at each setting */
    double dirty_pct;    /* innodb_max_dirty_pages_pct as found, restored after each checkpoint */
    char version[64];    /* the server's */
    bench_groups groups; /* 2 settings (1 and 2), or the server's as it is (--url, --galera) */
    char group_text[2][2][64]; /* the groups' names, which groups points to */
};

/*
 * One client of a run: bench_client, and for plain and trigger audit its
 * connection, statements and the values they are bound to.
 */
struct client {
    bench_client b;
    MYSQL *my;
    MYSQL_STMT *ctx, *update;
    MYSQL_BIND ctx_bind[BENCH_N_CTX], update_bind[3];
    int64_t credit, version;
    char id[TRAIL_ULID_LEN + 1];
    long retries; /* plain and trigger audit: writes run again after error 1213 */
};

/* A run of a case: bench_run, and the fixture. */
struct run {
    bench_run b;
    const struct fixture *fx;
    bool spread; /* client k on node k % nodes; else all on node[0] */
    struct client cl[BENCH_MAX_THREADS];
};

/* What check_audit() counts in a database after a case. */
struct audit_counts {
    long events;    /* update events */
    long unmatched; /* customers whose update events do not match their version and credit */
    long no_ctx;    /* update events without the request context */
    long twins;     /* (lane_id, seq) pairs more than one event has */
    double bytes;   /* mean size of the update events' text and JSON columns */
};

MYSQL *my_connect_url(const trail_mysql_url *u);
void my_exec(MYSQL *c, const char *sql);
double my_value(MYSQL *c, const char *sql);
MYSQL *admin_connect(const char *dir);
void make_template(struct fixture *fx);
/* The database as the template has it, with the trigger in case @c's kind is trigger audit. */
void start_case(struct fixture *fx, const bench_case *c);
void client_open(bench_client *b);
void client_close(bench_client *b);
void check_audit(MYSQL *c, struct audit_counts *n);
/* Runs case @c once, its clients on node[0] or @spread over the nodes. */
void run_case(bench_case *c, struct fixture *fx, int64_t budget_ns, long warmup, int rep,
              bool spread);

/* bench_galera.c: the run on a Galera cluster, bench_write_mysql --galera. */
void galera_main(const bench_args *a, struct fixture *fx);
void galera_usage(FILE *f);

#endif /* TRAIL_BENCH_WRITE_MYSQL_H */
