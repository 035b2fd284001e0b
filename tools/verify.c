/*
 * verify.c - `trail verify DB`: does the history still hold together?
 */
#include "cli.h"

#include <inttypes.h>

static const char help[] =
    "usage: trail verify DB\n"
    "\n"
    "Checks that the history of DB is whole and matches its rows:\n"
    "  - each node's hash chain: no event was edited, removed or slipped in;\n"
    "  - each record's events: versions run 1, 2, 3... from its insert, nothing\n"
    "    follows a delete, and each event's old values are the new values of\n"
    "    the event before;\n"
    "  - each live row equals the new values of its last event, and no row\n"
    "    exists without events or after its delete.\n"
    "Every problem is listed with its table, record and event.\n"
    "\n"
    "options:\n"
    "  -h, --help  show this help\n"
    "\n"
    "Exit status: 0 intact, 1 problems found (or the check could not run to its\n"
    "end), 2 a usage error or the database could not be opened.\n";

static const char *or_dash(const char *s)
{
    return s ? s : "-";
}

/* The problems as a table: table, record, event, what is wrong. */
static int print_problems(const trail_verify_report *r)
{
    static const cli_column cols[] = {
        { "table", false }, { "record", false }, { "event", false }, { "problem", false }
    };
    cli_table t = { .cols = cols, .n_cols = sizeof cols / sizeof cols[0] };
    int rc = TRAIL_OK;
    for (size_t i = 0; i < r->n_problems && rc == TRAIL_OK; i++) {
        const trail_verify_problem *p = &r->problems[i];
        const char *cells[] = { or_dash(p->table_name), or_dash(p->record_id), or_dash(p->event_id),
                                or_dash(p->what) };
        for (size_t c = 0; c < 4 && rc == TRAIL_OK; c++)
            rc = cli_table_add(&t, cells[c]);
    }
    if (rc == TRAIL_OK)
        cli_table_print(&t, stdout);
    cli_table_free(&t);
    return rc;
}

static int run(const cli_command *cmd, int argc, char **argv)
{
    const char *dbarg;
    trail_conn *db;
    int status = cli_start(cmd, argc, argv, NULL, 0, &db, &dbarg);
    if (status != CLI_OK)
        return status < 0 ? CLI_OK : status;

    trail_verify_report r = { 0 };
    int rc = trail_verify(db, &r);
    if (rc < 0) {
        status = cli_error("%s", trail_errmsg(db));
        cli_error("%s: could not be checked to the end", dbarg);
    } else {
        printf("checked %" PRId64 " event%s of %" PRId64 " record%s, and %" PRId64 " live row%s\n",
               r.events, r.events == 1 ? "" : "s", r.records, r.records == 1 ? "" : "s", r.rows,
               r.rows == 1 ? "" : "s");
        if (r.n_problems == 0) {
            printf("intact: the hash chain is whole, and every record's history and row agree\n");
        } else {
            printf("\n");
            if (print_problems(&r) < 0)
                cli_error("out of memory listing the problems");
            printf("\nBROKEN: %zu%s problem%s in the history of %s\n", r.n_problems,
                   r.truncated ? " (and more not listed)" : "", r.n_problems == 1 ? "" : "s",
                   dbarg);
            status = CLI_FAIL;
        }
    }
    trail_verify_report_free(&r);
    trail_close(db);
    return status;
}

const cli_command cli_verify = {
    .name = "verify",
    .summary = "check that no event was edited or removed, and that rows match history",
    .help = help,
    .run = run,
};
