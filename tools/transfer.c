/*
 * transfer.c - `trail export`, `trail import` and `trail sync`: events
 * carried between databases (trail/sync.h, docs/replication.md).
 */
#define _POSIX_C_SOURCE 200809L
#include "cli.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

/* ---- progress on a terminal, and the summary -------------------------------- */

typedef struct progress {
    const char *verb; /* "sync", "import", "export" */
    double last_draw;
    bool drawn;
} progress;

static double rate_of(const trail_sync_stats *st)
{
    return st->elapsed_ms > 0 ? (double)st->seen * 1000.0 / (double)st->elapsed_ms : 0;
}

/*
 * One line on stderr, redrawn in place:
 *   sync: 412000 events, 205000 events/s, 588000 left (about 3 s)
 */
static int draw(void *userdata, const trail_sync_stats *st)
{
    progress *pr = userdata;
    double now = cli_now_s();
    if (pr->drawn && now - pr->last_draw < CLI_REDRAW_MS / 1000.0)
        return 0;
    pr->last_draw = now;
    pr->drawn = true;
    double rate = rate_of(st);
    fprintf(stderr, "\r\033[K%s: %" PRId64 " events, %.0f events/s, %" PRId64 " left", pr->verb,
            st->seen, rate, st->left);
    if (rate > 0 && st->left > 0)
        fprintf(stderr, " (about %.0f s)", (double)st->left / rate);
    fflush(stderr);
    return 0;
}

/*
 * The one-line summary on stdout; the last refusal on stderr. Returns the
 * exit status: CLI_FAIL when anything was refused.
 */
static int summary(const char *verb, const trail_sync_stats *st)
{
    printf("%s: %" PRId64 " applied, %" PRId64 " skipped (already here), %" PRId64 " held, %" PRId64
           " refused, of %" PRId64 " events seen in %.1f s (%.0f events/s)\n",
           verb, st->applied, st->skipped, st->held, st->refused, st->seen,
           (double)st->elapsed_ms / 1000.0, rate_of(st));
    if (st->refused == 0)
        return CLI_OK;
    fflush(stdout);
    cli_error("refused: %s", st->last_refused);
    cli_error("%" PRId64 " refused: nothing after them in their lanes was applied; `trail nodes` "
              "lists them, `trail verify` on the source tells what is wrong there",
              st->refused);
    return CLI_FAIL;
}

/* A count option's value: a whole number from 1 to INT_MAX. */
static bool count_arg(const char *text, int *out)
{
    char *end;
    errno = 0;
    long v = strtol(text, &end, 10);
    if (errno || end == text || *end || v < 1 || v > INT_MAX)
        return false;
    *out = (int)v;
    return true;
}

/* ---- trail export ------------------------------------------------------------ */

static const char export_help[] =
    "usage: trail export DB [--since FILE | --peer NODE] [-o FILE]\n"
    "\n"
    "Writes the events of DB that a peer lacks as an export file: a header line\n"
    "(the format, this node, the lanes and seqs inside), then one JSON object a\n"
    "line, each lane row and event exactly as stored, in the order a sync\n"
    "applies them. `trail import PEER FILE` applies it; docs/replication.md\n"
    "defines the format, for programs that write or read it.\n"
    "\n"
    "options:\n"
    "  --since FILE  what the peer holds, as `trail digest PEER` printed it:\n"
    "                only what comes after it is written\n"
    "  --peer NODE   what DB last learned the peer NODE holds, when it synced\n"
    "                from it (`trail nodes DB` lists the peers)\n"
    "  -o FILE       write to FILE (replaced) instead of stdout\n"
    "  -h, --help    show this help\n"
    "Neither --since nor --peer: every event of DB.\n"
    "\n"
    "Exit status: 0 success, 1 the database could not be read to the end (FILE\n"
    "is removed), 2 a usage error, the database or a FILE could not be opened,\n"
    "or --since's FILE is not a valid digest.\n";

static int run_export(const cli_command *cmd, int argc, char **argv)
{
    const char *since = NULL, *peer = NULL, *out_path = NULL, *arg;
    const cli_option options[] = { { "--since", &since, NULL },
                                   { "--peer", &peer, NULL },
                                   { "-o", &out_path, NULL } };
    int status = cli_args(cmd, argc, argv, options, 3, &arg, 1, "one database");
    if (status != CLI_OK)
        return status < 0 ? CLI_OK : status;
    if (since && peer) {
        cli_error("--since and --peer: give one of them");
        return CLI_USAGE;
    }
    char name[1024];
    trail_conn *db;
    if ((status = cli_open(arg, false, &db, name, sizeof name)) != CLI_OK)
        return status;
    char *digest = since ? cli_read_digest(since) : NULL;
    FILE *out = stdout;
    if (since && !digest) {
        trail_close(db);
        return CLI_USAGE;
    }
    if (out_path && !(out = fopen(out_path, "w"))) {
        cli_error("%s: %s", out_path, strerror(errno));
        free(digest);
        trail_close(db);
        return CLI_USAGE;
    }
    progress pr = { .verb = "export" };
    trail_export_opts opts = TRAIL_EXPORT_OPTS_INIT;
    opts.since_digest = digest;
    opts.peer_node = peer;
    if (out_path && cli_on_terminal()) {
        opts.progress = draw;
        opts.userdata = &pr;
    }
    trail_sync_stats st;
    int rc = trail_export(db, out, &opts, &st);
    cli_progress_clear(pr.drawn);
    if (out_path && fclose(out) != 0 && rc == TRAIL_OK) {
        cli_error("%s: %s", out_path, strerror(errno));
        rc = TRAIL_ESYS;
        status = CLI_USAGE;
    }
    if (rc == TRAIL_EINVALID || rc == TRAIL_EARG) {
        status = cli_error("%s%s%s", since ? since : "", since ? ": " : "", trail_errmsg(db));
        status = CLI_USAGE;
    } else if (rc < 0 && status == CLI_OK) {
        status = cli_error("%s: %s", name, trail_errmsg(db));
    }
    if (rc < 0 && out_path)
        remove(out_path);
    else if (out_path)
        printf("export: %" PRId64 " events written to %s in %.1f s\n", st.seen, out_path,
               (double)st.elapsed_ms / 1000.0);
    free(digest);
    trail_close(db);
    return status;
}

const cli_command cli_export = {
    .name = "export",
    .summary = "write the events a peer lacks to a file (JSON lines)",
    .help = export_help,
    .run = run_export,
};

/* ---- trail import ------------------------------------------------------------ */

static const char import_help[] =
    "usage: trail import DB FILE [--batch N]\n"
    "\n"
    "Applies an export file (`trail export`; - reads stdin) to DB with the checks\n"
    "and rules of a sync: every event's hash and place in its lane is checked,\n"
    "an event DB holds already is skipped, one that cannot apply yet (its lane's\n"
    "earlier events missing, a record it refers to not here, a clock ahead) is\n"
    "held in quarantine and tried again later, and one that fails a check is\n"
    "refused and named with its line of FILE; the rest of its lane waits behind\n"
    "it. N events (10000) apply in one transaction, with no transaction of the\n"
    "source cut. Importing a file twice changes nothing the second time.\n"
    "\n"
    "On a terminal, a progress line on stderr; always a one-line summary.\n"
    "\n"
    "options:\n"
    "  --batch N   events per transaction (10000)\n"
    "  -h, --help  show this help\n"
    "\n"
    "Exit status: 0 success, 1 an event or lane was refused, or the database\n"
    "failed (its batch rolled back, earlier batches stay), 2 a usage error, the\n"
    "database or FILE could not be opened, or a line of FILE is not of the\n"
    "format (the batches before it stay applied).\n";

static int run_import(const cli_command *cmd, int argc, char **argv)
{
    const char *batch = NULL, *args[2];
    const cli_option options[] = { { "--batch", &batch, NULL } };
    int status = cli_args(cmd, argc, argv, options, 1, args, 2, "a database and a file");
    if (status != CLI_OK)
        return status < 0 ? CLI_OK : status;
    trail_sync_opts opts = TRAIL_SYNC_OPTS_INIT;
    if (batch && !count_arg(batch, &opts.batch_size)) {
        cli_error("--batch %s: not a number of events from 1", batch);
        return CLI_USAGE;
    }
    bool from_stdin = strcmp(args[1], "-") == 0;
    FILE *in = from_stdin ? stdin : fopen(args[1], "rb");
    if (!in) {
        cli_error("%s: %s", args[1], strerror(errno));
        return CLI_USAGE;
    }
    char name[1024];
    trail_conn *db;
    if ((status = cli_open(args[0], true, &db, name, sizeof name)) != CLI_OK) {
        if (!from_stdin)
            fclose(in);
        return status;
    }
    progress pr = { .verb = "import" };
    if (cli_on_terminal()) {
        opts.progress = draw;
        opts.userdata = &pr;
    }
    trail_sync_stats st;
    int rc = trail_import(db, in, &opts, &st);
    cli_progress_clear(pr.drawn);
    if (!from_stdin)
        fclose(in);
    status = summary("import", &st);
    if (rc == TRAIL_EINVALID || rc == TRAIL_ESYS) {
        cli_error("%s: %s", from_stdin ? "stdin" : args[1], trail_errmsg(db));
        status = CLI_USAGE;
    } else if (rc < 0) {
        status = cli_error("%s: %s", name, trail_errmsg(db));
    }
    trail_close(db);
    return status;
}

const cli_command cli_import = {
    .name = "import",
    .summary = "apply an export file, checked, each event once",
    .help = import_help,
    .run = run_import,
};

/* ---- trail sync ----------------------------------------------------------------- */

static const char sync_help[] =
    "usage: trail sync SRC DST [--batch N]\n"
    "\n"
    "Pulls into DST every lane and event of SRC that DST does not hold, of any\n"
    "two engines (docs/replication.md): checked (hashes, chains), applied with\n"
    "their rows, N events (1000) per DST transaction and no transaction of SRC\n"
    "cut. SRC is only read. Stopped at any moment, the next sync resumes where\n"
    "it stopped: nothing applies twice. Events DST held back earlier are tried\n"
    "again first. To sync both ways, run it twice: trail sync A B; trail sync B A.\n"
    "\n"
    "On a terminal, a progress line on stderr (events, events/s, what is\n"
    "left); always a one-line summary.\n"
    "\n"
    "options:\n"
    "  --batch N   events per transaction (1000)\n"
    "  -h, --help  show this help\n"
    "\n"
    "Two databases that write as one node (a copy; SRC and DST, or two lanes\n"
    "of one node at one place in its chain) stop the sync with a message\n"
    "saying which: `trail node reset` gives the copy a node of its own.\n"
    "\n"
    "Exit status: 0 success, 1 an event or lane was refused, a database failed\n"
    "(the batch under way rolled back, earlier ones stay) or two databases\n"
    "write as one node, 2 a usage error or a database could not be opened.\n";

static int run_sync(const cli_command *cmd, int argc, char **argv)
{
    const char *batch = NULL, *args[2];
    const cli_option options[] = { { "--batch", &batch, NULL } };
    int status = cli_args(cmd, argc, argv, options, 1, args, 2, "a source and a destination");
    if (status != CLI_OK)
        return status < 0 ? CLI_OK : status;
    trail_sync_opts opts = TRAIL_SYNC_OPTS_INIT;
    if (batch && !count_arg(batch, &opts.batch_size)) {
        cli_error("--batch %s: not a number of events from 1", batch);
        return CLI_USAGE;
    }
    char src_name[1024], dst_name[1024];
    trail_conn *src, *dst;
    if ((status = cli_open(args[0], false, &src, src_name, sizeof src_name)) != CLI_OK)
        return status;
    if ((status = cli_open(args[1], true, &dst, dst_name, sizeof dst_name)) != CLI_OK) {
        trail_close(src);
        return status;
    }
    progress pr = { .verb = "sync" };
    if (cli_on_terminal()) {
        opts.progress = draw;
        opts.userdata = &pr;
    }
    trail_sync_stats st;
    int rc = trail_sync(src, dst, &opts, &st);
    cli_progress_clear(pr.drawn);
    status = summary("sync", &st);
    if (rc < 0)
        status = cli_error("%s to %s: %s", src_name, dst_name, trail_errmsg(dst));
    trail_close(src);
    trail_close(dst);
    return status;
}

const cli_command cli_sync = {
    .name = "sync",
    .summary = "pull into DST what it lacks of SRC, checked, each event once",
    .help = sync_help,
    .run = run_sync,
};
