/*
 * cli.h - what the commands of the `trail` tool share: the command table,
 * argument parsing, opening a database, and aligned tables.
 */
#ifndef TRAIL_CLI_H
#define TRAIL_CLI_H

#include "trail/trail.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* Exit statuses, as every command's --help states them. */
enum {
    CLI_OK = 0,   /* done; verify: intact */
    CLI_FAIL = 1, /* verify: problems found; any command: the database could not be read */
    CLI_USAGE = 2 /* a usage error, or the database could not be opened */
};

/* One command: `trail NAME ...`. */
typedef struct cli_command {
    const char *name;
    const char *summary; /* one line, for `trail --help` */
    const char *help;    /* the whole of `trail NAME --help` */
    int (*run)(const struct cli_command *cmd, int argc, char **argv); /* argv[0] is NAME */
} cli_command;

extern const cli_command cli_log, cli_verify, cli_nodes;

/* An option of a command: a flag (value NULL) or one that takes a value. */
typedef struct cli_option {
    const char *name;   /* "--table" */
    const char **value; /* receives the value; NULL for a flag */
    bool *flag;         /* set when a flag is given */
} cli_option;

/*
 * cli_start - what every command does first: parse @argv (argv[0] the
 * command's name) into @opts and the DB argument *@dbarg ("--name VALUE" and
 * "--name=VALUE" both work), then connect to it. DB is a URL or the path of
 * an SQLite file, which must exist: reading history never creates a database.
 *
 * Returns CLI_OK with *@db open, which the caller closes with trail_close();
 * -1 when -h/--help printed the command's help (exit 0); CLI_USAGE after
 * saying on stderr what was wrong. *@db is NULL unless CLI_OK.
 */
int cli_start(const cli_command *cmd, int argc, char **argv, const cli_option *opts, size_t n_opts,
              trail_conn **db, const char **dbarg);

/* cli_error - print "trail: MESSAGE" on stderr and return CLI_FAIL. */
#if defined(__GNUC__)
__attribute__((format(printf, 1, 2)))
#endif
int cli_error(const char *fmt, ...);

/* cli_time - milliseconds since the epoch as ISO 8601 UTC with ms; returns @buf. */
char *cli_time(char buf[TRAIL_HLC_TEXT_MAX], int64_t ms);

/* ---- aligned tables ------------------------------------------------------ */

/* A column: its heading, and whether it is right-aligned (numbers). */
typedef struct cli_column {
    const char *head;
    bool right;
} cli_column;

/* The most columns a table has. */
#define CLI_TABLE_MAX_COLS 8

/* Rows of text cells, printed once every width is known. */
typedef struct cli_table {
    const cli_column *cols;
    size_t n_cols; /* at most CLI_TABLE_MAX_COLS */
    char **cells;  /* row-major, owned */
    size_t n_cells, cap;
} cli_table;

/* cli_table_add - append a copy of @text as the next cell. TRAIL_OK or TRAIL_ENOMEM. */
int cli_table_add(cli_table *t, const char *text);

/*
 * cli_table_print - the table to @out under a heading line, columns
 * separated by two spaces. Nothing is cut: on a narrow terminal a long line
 * wraps rather than hides a value.
 */
void cli_table_print(const cli_table *t, FILE *out);

/* cli_table_free - free the cells. */
void cli_table_free(cli_table *t);

#endif /* TRAIL_CLI_H */
