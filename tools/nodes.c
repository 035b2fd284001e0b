/*
 * nodes.c - `trail nodes DB`: the nodes that recorded events in DB.
 */
#include "cli.h"

#include <inttypes.h>

static const char help[] =
    "usage: trail nodes DB\n"
    "\n"
    "Lists the nodes DB knows of, its own first (marked * in the local column):\n"
    "node id, hostname, when it was first and last seen (UTC), how many events\n"
    "it recorded here, and the HLC of the last of them.\n"
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
                            n->hostname ? n->hostname : "-",
                            cli_time(first, n->first_seen),
                            cli_time(last, n->last_seen),
                            events,
                            n->last_hlc ? trail_hlc_format(hlc, n->last_hlc) : "-" };
    int rc = TRAIL_OK;
    for (size_t i = 0; i < sizeof cells / sizeof cells[0] && rc == TRAIL_OK; i++)
        rc = cli_table_add(t, cells[i]);
    return rc < 0; /* 1 stops the walk: out of memory */
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
    trail_close(db);
    return status;
}

const cli_command cli_nodes = {
    .name = "nodes",
    .summary = "the nodes that recorded events here, with their counts and last HLC",
    .help = help,
    .run = run,
};
