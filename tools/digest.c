/*
 * digest.c - `trail digest DB`: a digest of DB's history (trail/digest.h),
 * to keep and check later with `trail verify DB --digest FILE`.
 */
#include "cli.h"

#include <stdlib.h>

static const char help[] =
    "usage: trail digest DB\n"
    "\n"
    "Prints a digest of DB's history on stdout: one small JSON document naming\n"
    "every lane (each connection that wrote has one) with the seq and hash of\n"
    "its last event, and a root hash over them all. Keep it where the\n"
    "database's writers cannot change it (another system, a write-once log,\n"
    "paper). Later, `trail verify DB --digest FILE` proves that nothing it\n"
    "covers was removed or rewritten, the newest events of every lane\n"
    "included, which the hash chains alone cannot show.\n"
    "\n"
    "The digest is read from one snapshot of DB, without stopping its writers;\n"
    "it covers the events committed when it was taken. Its form and root hash\n"
    "are defined in docs/events.md, so that any program can check one.\n"
    "\n"
    "options:\n"
    "  -h, --help  show this help\n"
    "\n"
    "Exit status: 0 success, 1 the database could not be read, 2 a usage error or\n"
    "the database could not be opened.\n";

static int run(const cli_command *cmd, int argc, char **argv)
{
    const char *name;
    trail_conn *db;
    int status = cli_start(cmd, argc, argv, NULL, 0, &db, &name);
    if (status != CLI_OK)
        return status < 0 ? CLI_OK : status;
    char *digest = NULL;
    if (trail_digest(db, &digest) < 0) {
        status = cli_error("%s", trail_errmsg(db));
    } else {
        /* Node ids are the database's text: what a terminal acts on is escaped, same JSON. */
        char *safe = cli_json_line(digest);
        if (safe)
            printf("%s\n", safe);
        else
            status = cli_error("out of memory");
        free(safe);
    }
    free(digest);
    trail_close(db);
    return status;
}

const cli_command cli_digest = {
    .name = "digest",
    .summary = "a digest of every lane's last event, to keep and verify against later",
    .help = help,
    .run = run,
};
