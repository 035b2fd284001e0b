/*
 * verify.c - `trail verify DB [--digest FILE]`: does the history still hold
 * together, and hold everything a digest covers?
 */
#define _POSIX_C_SOURCE 200809L
#include "cli.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

static const char help[] =
    "usage: trail verify [--digest FILE] DB\n"
    "\n"
    "Checks that DB is whole and that its history matches its rows:\n"
    "  - the database engine's own integrity check, where it has a cheap one\n"
    "    (SQLite: every page and index of the file); damage is a problem;\n"
    "  - each writer's lane of events, and each node's chain of lanes: no event\n"
    "    or lane was edited, removed or slipped in (but for the end of a lane\n"
    "    that was not sealed), and a sealed lane ends where its seal says;\n"
    "  - each record's events: versions run 1, 2, 3... from its insert, nothing\n"
    "    follows a delete, and each update changes exactly the fields it names,\n"
    "    from the new values of the event before;\n"
    "  - each live row equals the new values of its last event, and no row\n"
    "    exists without events or after its delete. The rows are read with\n"
    "    the schema descriptions that migrate keeps in trail_meta: a missing\n"
    "    or edited description, or a table with events that none describes,\n"
    "    is a problem too;\n"
    "  - with --digest FILE, a digest that `trail digest` took earlier: every\n"
    "    lane it names is still there, with its event at the digest's seq and\n"
    "    that event's hash. So events removed from the end of a lane, or a lane\n"
    "    rewritten with its hashes recomputed, show too. Lanes and events added\n"
    "    after the digest are fine. A FILE that is not a digest, or whose root\n"
    "    hash does not match its lanes (edited, damaged), is an error (exit 2).\n"
    "Every problem is listed with its table, record and event.\n"
    "\n"
    "On a terminal, verify shows its progress on stderr (events checked, their\n"
    "rate, and about how long is left); when stdout or stderr is not a\n"
    "terminal (a script, a pipe, a file) it prints only the result.\n"
    "\n"
    "options:\n"
    "  --digest FILE  also check against the digest in FILE\n"
    "  -h, --help     show this help\n"
    "\n"
    "Exit status: 0 intact, 1 problems found (or the check could not run to its\n"
    "end), 2 a usage error, the database could not be opened, or FILE could\n"
    "not be read or is not a valid digest.\n";

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

/* ---- progress on a terminal ------------------------------------------------ */

typedef struct progress {
    double step_start, last_draw; /* seconds, monotonic */
    int step;
    bool drawn; /* a line is on the screen */
} progress;

/*
 * One line on stderr, redrawn in place ("\r" and erase to its end):
 *   verify 2/3: hash chains: 412000 of 1000000 events (41%), 205000 events/s, about 3 s left
 */
static void draw(void *userdata, const trail_verify_progress *p)
{
    progress *pr = userdata;
    double now = cli_now_s();
    if (p->step != pr->step) {
        pr->step = p->step;
        pr->step_start = now;
    } else if (!p->finished && now - pr->last_draw < CLI_REDRAW_MS / 1000.0) {
        return;
    }
    pr->last_draw = now;
    pr->drawn = true;
    double elapsed = now - pr->step_start;
    fprintf(stderr, "\r\033[Kverify %d/%d: %s", p->step, p->n_steps, p->what);
    if (p->total < 0) {
        fprintf(stderr, p->finished ? ": done in %.1f s" : ": %.0f s...", elapsed);
    } else {
        fprintf(stderr, ": %" PRId64 " of %" PRId64 " events", p->done, p->total);
        if (p->total > 0)
            fprintf(stderr, " (%d%%)", (int)(100.0 * (double)p->done / (double)p->total));
        if (p->done > 0 && elapsed > 0) {
            double rate = (double)p->done / elapsed;
            double left = p->done < p->total ? (double)(p->total - p->done) / rate : 0;
            fprintf(stderr, ", %.0f events/s, about %.0f s left", rate, left);
        }
    }
    fflush(stderr);
}

/* ---- the command ------------------------------------------------------------- */

static int run(const cli_command *cmd, int argc, char **argv)
{
    const char *name, *digest_file = NULL;
    trail_conn *db;
    const cli_option options[] = { { "--digest", &digest_file, NULL } };
    int status = cli_start(cmd, argc, argv, options, 1, &db, &name);
    if (status != CLI_OK)
        return status < 0 ? CLI_OK : status;
    char *digest = digest_file ? cli_read_digest(digest_file) : NULL;
    if (digest_file && !digest) {
        trail_close(db);
        return CLI_USAGE;
    }

    /* Progress is for a person watching; a script gets the result alone. */
    progress pr = { 0 };
    trail_verify_opts opts = { .digest_json = digest };
    if (cli_on_terminal()) {
        opts.progress = draw;
        opts.userdata = &pr;
    }
    trail_verify_report r = { 0 };
    int rc = trail_verify_with(db, &opts, &r);
    cli_progress_clear(pr.drawn);
    if (rc == TRAIL_EINVALID) { /* the digest: checked before anything else, so nothing was */
        status = cli_error("%s: %s", digest_file, trail_errmsg(db));
        free(digest);
        trail_verify_report_free(&r);
        trail_close(db);
        return CLI_USAGE;
    }
    char *safe_name = cli_escape(name);
    if (rc == TRAIL_OK)
        printf("checked %" PRId64 " event%s of %" PRId64 " record%s, and %" PRId64 " live row%s\n",
               r.events, r.events == 1 ? "" : "s", r.records, r.records == 1 ? "" : "s", r.rows,
               r.rows == 1 ? "" : "s");
    if (r.n_problems > 0) {
        printf("%s", rc == TRAIL_OK ? "\n" : "");
        if (print_problems(&r) < 0)
            cli_error("out of memory listing the problems");
        printf("\nBROKEN: %zu%s problem%s in the history of %s\n", r.n_problems,
               r.truncated ? " (and more not listed)" : "", r.n_problems == 1 ? "" : "s",
               safe_name ? safe_name : "the database");
        status = CLI_FAIL;
    } else if (rc == TRAIL_OK) {
        printf("intact: the hash chain is whole, %severy record's history and row agree\n",
               digest ? "everything the digest covers is there, unchanged, and " : "and ");
    }
    if (rc < 0) {
        /* Whatever was found before, the check did not end: never "intact". */
        fflush(stdout);
        status = cli_error("%s", trail_errmsg(db));
        cli_error("%s: could not be checked to the end", name);
    }
    free(safe_name);
    free(digest);
    trail_verify_report_free(&r);
    trail_close(db);
    return status;
}

const cli_command cli_verify = {
    .name = "verify",
    .summary = "check the file, that no event was edited or removed, and that rows match history",
    .help = help,
    .run = run,
};
