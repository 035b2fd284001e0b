/*
 * diff.c - `trail diff A B`: the records on which two nodes differ
 * (trail/diff.h, docs/replication.md "Diff").
 */
#define _POSIX_C_SOURCE 200809L
#include "cli.h"

#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

static const char diff_help[] =
    "usage: trail diff A B [--fan-out N] [--leaf N]\n"
    "\n"
    "Finds the records on which two nodes differ, of any two engines\n"
    "(docs/replication.md, \"Diff\"): for each replicated table, hashes of key\n"
    "ranges are compared and only the ranges that differ are cut smaller, so\n"
    "what the two sides would exchange grows with the differences times\n"
    "log(rows), not with the rows. A record differs when it has a row on one\n"
    "side only, or another version or other values (as its change events spell\n"
    "them: a field kept out of events is not compared). Both are only read,\n"
    "each in one snapshot.\n"
    "\n"
    "Prints each record that differs, in key order per table:\n"
    "  customers 01J…: only on A (version 2); B deleted it\n"
    "  customers 01J…: version 3 on A, 4 on B; name, email differ\n"
    "    A: {\"id\":\"01J…\",\"version\":3,…}\n"
    "    B: {\"id\":\"01J…\",\"version\":4,…}\n"
    "then a one-line summary (the hashes exchanged, the rows read). On a\n"
    "terminal, a progress line on stderr.\n"
    "\n"
    "options:\n"
    "  --fan-out N  parts a range that differs is cut into, 2 to 64 (4)\n"
    "  --leaf N     ranges of at most N rows a side are compared record by\n"
    "               record, 1 to 1024 (8)\n"
    "  -h, --help   show this help\n"
    "\n"
    "Exit status: 0 the nodes hold the same rows, 1 some records differ, 2 a\n"
    "usage error, a database could not be opened or read, or the two describe\n"
    "different schemas (or versions of one).\n";

typedef struct shown {
    double last_draw;
    bool drawn, terminal;
} shown;

/* "diff: 412000 rows read, 3 differ, 2.1 s", redrawn in place on stderr. */
static int draw(void *userdata, const trail_diff_stats *st)
{
    shown *s = userdata;
    double now = cli_now_s();
    if (!s->terminal || (s->drawn && now - s->last_draw < CLI_REDRAW_MS / 1000.0))
        return 0;
    s->last_draw = now;
    s->drawn = true;
    fprintf(stderr, "\r\033[Kdiff: %" PRId64 " rows read, %" PRId64 " differ, %.1f s",
            st->rows_a + st->rows_b, st->only_a + st->only_b + st->changed,
            (double)st->elapsed_ms / 1000.0);
    fflush(stderr);
    return 0;
}

static void print_values(const char *side, const char *values)
{
    char *safe = cli_escape(values);
    printf("    %s: %s\n", side, safe ? safe : "(out of memory)");
    free(safe);
}

/* The names of @json, a JSON array of field names, joined by ", " into @out. */
static void field_list(const char *json, char *out, size_t size)
{
    json_t *names = json_loads(json ? json : "[]", 0, NULL);
    size_t i, n = 0;
    json_t *name;
    out[0] = '\0';
    json_array_foreach(names, i, name)
    {
        int k = snprintf(out + n, size - n, "%s%s", i ? ", " : "", json_string_value(name));
        if (k < 0 || (size_t)k >= size - n)
            break;
        n += (size_t)k;
    }
    json_decref(names);
}

static int print_record(void *userdata, const trail_diff_record *r)
{
    shown *s = userdata;
    cli_progress_clear(s->drawn);
    s->drawn = false;
    char *table = cli_escape(r->table), *id = cli_escape(r->record_id);
    if (!table || !id) {
        free(table);
        free(id);
        return TRAIL_ENOMEM;
    }
    if (r->kind == TRAIL_DIFF_ONLY_A || r->kind == TRAIL_DIFF_ONLY_B) {
        bool on_a = r->kind == TRAIL_DIFF_ONLY_A;
        printf("%s %s: only on %s (version %" PRId64 ")%s\n", table, id, on_a ? "A" : "B",
               on_a ? r->version_a : r->version_b,
               (on_a ? r->deleted_b : r->deleted_a) ? (on_a ? "; B deleted it" : "; A deleted it")
                                                    : "");
        print_values(on_a ? "A" : "B", on_a ? r->values_a : r->values_b);
    } else {
        char fields[1024];
        field_list(r->fields, fields, sizeof fields);
        printf("%s %s: version %" PRId64 " on A, %" PRId64 " on B; %s\n", table, id, r->version_a,
               r->version_b, fields[0] ? fields : "the same values");
        print_values("A", r->values_a);
        print_values("B", r->values_b);
    }
    free(table);
    free(id);
    return 0;
}

/* A count option's value from @lo to @hi. */
static bool count_arg(const char *text, int lo, int hi, int *out)
{
    char *end;
    errno = 0;
    long v = strtol(text, &end, 10);
    if (errno || end == text || *end || v < lo || v > hi)
        return false;
    *out = (int)v;
    return true;
}

static int run_diff(const cli_command *cmd, int argc, char **argv)
{
    const char *fan_out = NULL, *leaf = NULL, *args[2];
    const cli_option options[] = { { "--fan-out", &fan_out, NULL }, { "--leaf", &leaf, NULL } };
    int status = cli_args(cmd, argc, argv, options, 2, args, 2, "two databases");
    if (status != CLI_OK)
        return status < 0 ? CLI_OK : status;
    trail_diff_opts opts = TRAIL_DIFF_OPTS_INIT;
    if (fan_out && !count_arg(fan_out, 2, 64, &opts.fan_out)) {
        cli_error("--fan-out %s: not a number from 2 to 64", fan_out);
        return CLI_USAGE;
    }
    if (leaf && !count_arg(leaf, 1, 1024, &opts.leaf_size)) {
        cli_error("--leaf %s: not a number from 1 to 1024", leaf);
        return CLI_USAGE;
    }
    char a_name[1024], b_name[1024];
    trail_conn *a, *b;
    if ((status = cli_open(args[0], false, &a, a_name, sizeof a_name)) != CLI_OK)
        return status;
    if ((status = cli_open(args[1], false, &b, b_name, sizeof b_name)) != CLI_OK) {
        trail_close(a);
        return status;
    }
    shown s = { .terminal = cli_on_terminal() };
    opts.record = print_record;
    opts.progress = draw;
    opts.userdata = &s;
    trail_diff_stats st;
    int rc = trail_diff(a, b, &opts, &st);
    cli_progress_clear(s.drawn);
    if (rc < 0) {
        cli_error("%s and %s: %s", a_name, b_name, trail_errmsg(a));
        status = CLI_USAGE;
    } else {
        int64_t differ = st.only_a + st.only_b + st.changed;
        printf("diff: %" PRId64 " %s (%" PRId64 " only on A, %" PRId64 " only on B, %" PRId64
               " changed) in %" PRId64 " tables of %" PRId64 " rows on A and %" PRId64
               " on B; %" PRId64 " hashes exchanged, %" PRId64 " rows read, %.1f s\n",
               differ, differ == 1 ? "record differs" : "records differ", st.only_a, st.only_b,
               st.changed, st.tables, st.count_a, st.count_b, st.hashes, st.rows_a + st.rows_b,
               (double)st.elapsed_ms / 1000.0);
        status = differ ? CLI_FAIL : CLI_OK;
    }
    trail_close(a);
    trail_close(b);
    return status;
}

const cli_command cli_diff = {
    .name = "diff",
    .summary = "the records on which two nodes differ, by hashes of key ranges",
    .help = diff_help,
    .run = run_diff,
};
