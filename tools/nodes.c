/*
 * nodes.c - `trail nodes DB`: the nodes that recorded events in DB.
 */
#define _POSIX_C_SOURCE 200809L /* clock_gettime */
#include "cli.h"

#include <inttypes.h>
#include <time.h>

static const char help[] =
    "usage: trail nodes DB\n"
    "\n"
    "Lists the nodes DB knows of, its own first (marked * in the local column),\n"
    "then those whose lanes it received: node id, hostname (- for a node known\n"
    "only by its lanes), when it was first seen (its first lane's opening, for\n"
    "another node) and last seen (UTC), how many events it recorded here, and\n"
    "the HLC of the last of them.\n"
    "\n"
    "Then the peers DB pulled from (`trail sync`), one a line: when it last\n"
    "pulled (UTC), the events the peer held then and how many of them DB lacks\n"
    "now (lag, in events, and the time since that pull), how often DB pulls\n"
    "from it (every: the mean interval of its last 100 syncs), how overdue\n"
    "the next sync is (phi: -log10 of the chance that it is only late, with\n"
    "intervals like the past ones; 1 is a 10% chance, 3 a 0.1% chance, - with\n"
    "fewer than 3 syncs), and what the last sync from it applied, skipped,\n"
    "held in quarantine and refused. Nothing is printed of peers when DB never\n"
    "pulled from one.\n"
    "\n"
    "options:\n"
    "  -h, --help  show this help\n"
    "\n"
    "Exit status: 0 success, 1 the nodes could not be read, 2 a usage error or\n"
    "the database could not be opened.\n";

static int add_node(void *userdata, const trail_node_info *n)
{
    cli_table *t = userdata;
    char first[TRAIL_HLC_TEXT_MAX], last[TRAIL_HLC_TEXT_MAX], hlc[TRAIL_HLC_TEXT_MAX], events[24];
    snprintf(events, sizeof events, "%" PRId64, n->events);
    const char *cells[] = { n->node_id,
                            n->is_local ? "*" : "",
                            n->hostname && *n->hostname ? n->hostname : "-",
                            cli_time(first, n->first_seen),
                            cli_time(last, n->last_seen),
                            events,
                            n->last_hlc ? trail_hlc_format(hlc, n->last_hlc) : "-" };
    int rc = TRAIL_OK;
    for (size_t i = 0; i < sizeof cells / sizeof cells[0] && rc == TRAIL_OK; i++)
        rc = cli_table_add(t, cells[i]);
    return rc < 0; /* 1 stops the walk: out of memory */
}

/* A duration in whole units: "45 s", "12 min", "3 h", "2 d". */
static void duration(char *buf, size_t size, int64_t ms)
{
    int64_t s = ms < 0 ? 0 : ms / 1000;
    if (s < 120)
        snprintf(buf, size, "%" PRId64 " s", s);
    else if (s < 7200)
        snprintf(buf, size, "%" PRId64 " min", s / 60);
    else if (s < 172800)
        snprintf(buf, size, "%" PRId64 " h", s / 3600);
    else
        snprintf(buf, size, "%" PRId64 " d", s / 86400);
}

static int add_peer(void *userdata, const trail_peer_info *p)
{
    cli_table *t = userdata;
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    int64_t now_ms = (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000;
    char pulled[TRAIL_HLC_TEXT_MAX], n[6][24], ago[32], every[32] = "-", phi[16] = "-";
    snprintf(n[0], sizeof n[0], "%" PRId64, p->peer_events);
    snprintf(n[1], sizeof n[1], "%" PRId64, p->lag_events);
    duration(ago, sizeof ago, now_ms - p->pulled_at);
    snprintf(n[2], sizeof n[2], "%" PRId64, p->applied);
    snprintf(n[3], sizeof n[3], "%" PRId64, p->skipped);
    snprintf(n[4], sizeof n[4], "%" PRId64, p->held);
    snprintf(n[5], sizeof n[5], "%" PRId64, p->refused);
    if (p->interval_ms > 0)
        duration(every, sizeof every, p->interval_ms);
    if (p->phi >= 0)
        snprintf(phi, sizeof phi, "%.1f", p->phi);
    const char *cells[] = {
        p->peer_node, cli_time(pulled, p->pulled_at), n[0], n[1], ago, every, phi, n[2], n[3], n[4],
        n[5]
    };
    int rc = TRAIL_OK;
    for (size_t i = 0; i < sizeof cells / sizeof cells[0] && rc == TRAIL_OK; i++)
        rc = cli_table_add(t, cells[i]);
    return rc < 0;
}

static int print_peers(trail_conn *db)
{
    static const cli_column cols[] = { { "peer", false }, { "pulled", false }, { "events", true },
                                       { "lag", true },   { "since", true },   { "every", true },
                                       { "phi", true },   { "applied", true }, { "skipped", true },
                                       { "held", true },  { "refused", true } };
    _Static_assert(sizeof cols / sizeof cols[0] <= CLI_TABLE_MAX_COLS, "widen CLI_TABLE_MAX_COLS");
    cli_table t = { .cols = cols, .n_cols = sizeof cols / sizeof cols[0] };
    int status = CLI_OK;
    int rc = trail_peers(db, add_peer, &t);
    if (rc > 0)
        status = cli_error("out of memory");
    else if (rc < 0)
        status = cli_error("%s", trail_errmsg(db));
    else if (t.n_cells > 0) {
        putchar('\n');
        cli_table_print(&t, stdout);
    }
    cli_table_free(&t);
    return status;
}

static int run(const cli_command *cmd, int argc, char **argv)
{
    const char *name;
    trail_conn *db;
    int status = cli_start(cmd, argc, argv, NULL, 0, &db, &name);
    if (status != CLI_OK)
        return status < 0 ? CLI_OK : status;

    static const cli_column cols[] = { { "node", false },      { "local", false },
                                       { "hostname", false },  { "first seen", false },
                                       { "last seen", false }, { "events", true },
                                       { "last hlc", false } };
    cli_table t = { .cols = cols, .n_cols = sizeof cols / sizeof cols[0] };
    int rc = trail_nodes(db, add_node, &t);
    if (rc > 0)
        status = cli_error("out of memory");
    else if (rc < 0)
        status = cli_error("%s", trail_errmsg(db));
    else if (t.n_cells == 0)
        puts("no nodes: the database was never migrated by a trail program");
    else
        cli_table_print(&t, stdout);
    cli_table_free(&t);
    if (status == CLI_OK)
        status = print_peers(db);
    trail_close(db);
    return status;
}

const cli_command cli_nodes = {
    .name = "nodes",
    .summary = "the nodes that recorded events here, with their counts and last HLC",
    .help = help,
    .run = run,
};
