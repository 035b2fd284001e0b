/*
 * conflicts.c - `trail conflicts DB`: the conflicts replication recorded
 * (trail_conflicts_list()), and `trail conflict resolve DB ID ...`: decide
 * an open one (trail_conflict_resolve(), docs/replication.md "Resolving").
 */
#include "cli.h"

#include <stdlib.h>
#include <string.h>

static const char conflicts_help[] =
    "usage: trail conflicts DB [--all] [--table T] [--record ID]\n"
    "\n"
    "Lists the open conflicts DB holds: edits of one record made on two nodes\n"
    "apart that set the same fields, of entities with `conflict: manual`. The\n"
    "row holds the later edit's values (as last-writer-wins would) until a\n"
    "person decides with `trail conflict resolve`. One line each, oldest\n"
    "first: the conflict id (the same on every node), the record's table and\n"
    "id, the fields both edits set, the values of the later edit (this) and of\n"
    "the earlier one (other), and when DB found it (UTC).\n"
    "\n"
    "options:\n"
    "  --all        closed conflicts too, with when and how they were closed\n"
    "               (lww, delete-wins: at once; keep, other, values: decided)\n"
    "  --table T    only the conflicts of table T\n"
    "  --record ID  only those of the record ID\n"
    "  -h, --help   show this help\n"
    "\n"
    "Exit status: 0 success, 1 the conflicts could not be read, 2 a usage\n"
    "error or the database could not be opened.\n";

static const char conflict_help[] =
    "usage: trail conflict resolve DB ID keep|other [--user U]\n"
    "       trail conflict resolve DB ID --values JSON [--user U]\n"
    "\n"
    "Decides the open conflict ID (`trail conflicts DB` lists them): keep the\n"
    "row as it is, take the other side's values of the conflict's fields, or\n"
    "set them to JSON, an object of some or all of those fields in their JSON\n"
    "form ('{\"title\": \"Final\"}'; a field left out keeps the row's value).\n"
    "DB writes the record and one change event of op resolve, which closes\n"
    "the conflict here now and on every other node its next sync reaches.\n"
    "\n"
    "options:\n"
    "  --values JSON  the values to set\n"
    "  --user U       who decides: the event's user_id\n"
    "  -h, --help     show this help\n"
    "\n"
    "Exit status: 0 decided, 1 refused (unknown or closed conflict, values\n"
    "not of the fields' types; nothing changed), 2 a usage error or the\n"
    "database could not be opened.\n";

static int add_conflict(void *userdata, const trail_conflict *c)
{
    void **walk = userdata;
    cli_table *t = walk[0];
    bool all = *(bool *)walk[1];
    char detected[TRAIL_HLC_TEXT_MAX], resolved[TRAIL_HLC_TEXT_MAX];
    const char *cells[] = { c->conflict_id,
                            c->table_name,
                            c->record_id,
                            c->fields ? c->fields : "-",
                            c->event_values ? c->event_values : "(deleted)",
                            c->other_values ? c->other_values : "(deleted)",
                            cli_time(detected, c->detected_at),
                            c->resolution ? cli_time(resolved, c->resolved_at) : "-",
                            c->resolution ? c->resolution : "open" };
    size_t n = all ? 9 : 7;
    int rc = TRAIL_OK;
    for (size_t i = 0; i < n && rc == TRAIL_OK; i++)
        rc = cli_table_add(t, cells[i]);
    return rc < 0; /* 1 stops the walk: out of memory */
}

static int run_conflicts(const cli_command *cmd, int argc, char **argv)
{
    const char *name;
    trail_conn *db;
    trail_conflicts_opts opts = TRAIL_CONFLICTS_OPTS_INIT;
    const cli_option options[] = { { "--all", NULL, &opts.all },
                                   { "--table", &opts.table, NULL },
                                   { "--record", &opts.record_id, NULL } };
    int status = cli_start(cmd, argc, argv, options, 3, &db, &name);
    if (status != CLI_OK)
        return status < 0 ? CLI_OK : status;
    static const cli_column cols[] = { { "conflict", false },  { "table", false },
                                       { "record", false },    { "fields", false },
                                       { "this", false },      { "other", false },
                                       { "detected", false },  { "resolved", false },
                                       { "resolution", false } };
    cli_table t = { .cols = cols, .n_cols = opts.all ? 9 : 7 };
    void *walk[2] = { &t, &opts.all };
    int rc = trail_conflicts_list(db, &opts, add_conflict, walk);
    if (rc > 0)
        status = cli_error("out of memory");
    else if (rc < 0)
        status = cli_error("%s: %s", name, trail_errmsg(db));
    else if (t.n_cells == 0)
        puts(opts.all ? "no conflicts" : "no open conflicts");
    else
        cli_table_print(&t, stdout);
    cli_table_free(&t);
    trail_close(db);
    return status;
}

const cli_command cli_conflicts = {
    .name = "conflicts",
    .summary = "the conflicts replication recorded, the open ones to decide",
    .help = conflicts_help,
    .run = run_conflicts,
};

static int run_conflict(const cli_command *cmd, int argc, char **argv)
{
    if (argc < 2 || (strcmp(argv[1], "resolve") != 0 && argv[1][0] != '-')) {
        cli_error("conflict: the only subcommand is resolve (trail conflict resolve DB ID keep)");
        return CLI_USAGE;
    }
    if (strcmp(argv[1], "resolve") == 0) {
        argc--;
        argv++;
    }
    /* keep and other come as a third argument, values as an option. */
    bool by_values = false;
    for (int i = 1; i < argc; i++)
        if (strncmp(argv[i], "--values", 8) == 0 && (argv[i][8] == '\0' || argv[i][8] == '='))
            by_values = true;
    const char *values = NULL, *user = NULL, *args[3];
    const cli_option options[] = { { "--values", &values, NULL }, { "--user", &user, NULL } };
    int status = cli_args(cmd, argc, argv, options, 2, args, by_values ? 2 : 3,
                          by_values ? "a database and a conflict id"
                                    : "a database, a conflict id and keep or other");
    if (status != CLI_OK)
        return status < 0 ? CLI_OK : status;
    trail_resolve choice = TRAIL_RESOLVE_INIT;
    if (by_values) {
        choice.choice = TRAIL_RESOLVE_VALUES;
        choice.values = values;
    } else if (strcmp(args[2], "other") == 0) {
        choice.choice = TRAIL_RESOLVE_OTHER;
    } else if (strcmp(args[2], "keep") != 0) {
        cli_error("conflict resolve: %s is no choice: keep, other or --values JSON", args[2]);
        fputs("Try 'trail conflict --help'.\n", stderr);
        return CLI_USAGE;
    }
    char name[1024];
    trail_conn *db;
    if ((status = cli_open(args[0], true, &db, name, sizeof name)) != CLI_OK)
        return status;
    trail_ctx ctx = { .user_id = user };
    if (trail_conflict_resolve(db, &ctx, args[1], &choice) < 0)
        status = cli_error("%s: %s", name, trail_errmsg(db));
    else
        printf("conflict %s: decided (%s); the change reaches other nodes with their next sync\n",
               args[1],
               by_values                              ? "values"
               : choice.choice == TRAIL_RESOLVE_OTHER ? "other"
                                                      : "keep");
    trail_close(db);
    return status;
}

const cli_command cli_conflict = {
    .name = "conflict",
    .summary = "conflict resolve: decide an open conflict (keep, other, values)",
    .help = conflict_help,
    .run = run_conflict,
};
