/*
 * node.c - `trail node reset DB`: give a copied database a node of its own
 * (trail_node_reset(), docs/replication.md "Node identity").
 */
#include "cli.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

static const char help[] =
    "usage: trail node reset DB [--from K]\n"
    "\n"
    "Gives DB a node id of its own, when DB is a copy of another node's\n"
    "database that both wrote to: a sync that sees the two refuses the copy's\n"
    "lanes and names the node_seq where they fork (TRAIL_ETWIN). The lanes DB\n"
    "wrote under the old id from node_seq K on move to the new id, with their\n"
    "events (same ids, times, writers and values; new node and chain hashes),\n"
    "and the first of them fences the old lane off on every node it reaches.\n"
    "Without --from, K is where DB saw the fork itself (a lane of its own node\n"
    "it refused in a sync); when it saw none, no lane moves and only what DB\n"
    "writes from now on is the new node's.\n"
    "\n"
    "Stop DB's other writers first: a connection opened before the reset still\n"
    "writes as the old node, and is refused its next lane.\n"
    "\n"
    "options:\n"
    "  --from K    the first node_seq the copy wrote (the message of the sync\n"
    "              that refused it names it)\n"
    "  -h, --help  show this help\n"
    "\n"
    "Exit status: 0 success, 1 the reset failed (nothing changed), 2 a usage\n"
    "error or the database could not be opened.\n";

static int run(const cli_command *cmd, int argc, char **argv)
{
    if (argc < 2 || (strcmp(argv[1], "reset") != 0 && argv[1][0] != '-')) {
        cli_error("node: the only subcommand is reset (trail node reset DB)");
        return CLI_USAGE;
    }
    if (strcmp(argv[1], "reset") == 0) {
        argc--;
        argv++;
    }
    const char *from = NULL, *arg;
    const cli_option options[] = { { "--from", &from, NULL } };
    int status = cli_args(cmd, argc, argv, options, 1, &arg, 1, "one database");
    if (status != CLI_OK)
        return status < 0 ? CLI_OK : status;
    trail_node_reset_opts opts = TRAIL_NODE_RESET_OPTS_INIT;
    if (from) {
        char *end;
        errno = 0;
        long long k = strtoll(from, &end, 10);
        if (errno || end == from || *end || k < 1) {
            cli_error("--from %s: not a node_seq from 1", from);
            return CLI_USAGE;
        }
        opts.from_seq = k;
    }
    char name[1024];
    trail_conn *db;
    if ((status = cli_open(arg, true, &db, name, sizeof name)) != CLI_OK)
        return status;
    trail_node_reset_result r;
    if (trail_node_reset(db, &opts, &r) < 0) {
        status = cli_error("%s: %s", name, trail_errmsg(db));
    } else {
        printf("node reset: %s was node %s and is now node %s; %" PRId64 " lanes (%" PRId64
               " events) from node_seq %" PRId64 " moved to it\n",
               name, r.old_node, r.new_node, r.lanes_moved, r.events_moved, r.from_seq);
    }
    trail_close(db);
    return status;
}

const cli_command cli_node = {
    .name = "node",
    .summary = "node reset: give a copied database a node of its own",
    .help = help,
    .run = run,
};
