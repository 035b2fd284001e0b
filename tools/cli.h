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

extern const cli_command cli_log, cli_verify, cli_digest, cli_nodes, cli_export, cli_import,
    cli_sync, cli_node, cli_diff, cli_conflicts, cli_conflict;

/* An option of a command: a flag (value NULL) or one that takes a value. */
typedef struct cli_option {
    const char *name;   /* "--table" */
    const char **value; /* receives the value; NULL for a flag */
    bool *flag;         /* set when a flag is given */
} cli_option;

/*
 * cli_start - what every command does first: parse @argv (argv[0] the
 * command's name) into @opts and the DB argument ("--name VALUE" and
 * "--name=VALUE" both work), then connect to it. DB is a URL, libpq's
 * key=value form, or the path of an SQLite file, which must exist, hold
 * something and be a trail database: reading history never creates one.
 *
 * Returns CLI_OK with *@db open, which the caller closes with trail_close(),
 * and *@shown the DB argument with its password as *** (static storage; to
 * be printed escaped, as cli_error() does); -1 when -h/--help printed the
 * command's help (exit 0); CLI_USAGE after saying on stderr what was wrong.
 * *@db is NULL unless CLI_OK.
 */
int cli_start(const cli_command *cmd, int argc, char **argv, const cli_option *opts, size_t n_opts,
              trail_conn **db, const char **shown);

/*
 * cli_args - parse @argv as cli_start() does, into @opts and exactly
 * @n_args arguments (@what names them for a usage error: "a source and a
 * destination"). Returns as cli_start() does, nothing opened.
 */
int cli_args(const cli_command *cmd, int argc, char **argv, const cli_option *opts, size_t n_opts,
             const char **args, size_t n_args, const char *what);

/*
 * cli_open - connect to @arg as cli_start() does, for writing when @write
 * (a database to import into: still one a trail program migrated). @name
 * receives @arg as shown. CLI_OK, or CLI_USAGE after saying why on stderr.
 */
int cli_open(const char *arg, bool write, trail_conn **db, char *name, size_t size);

/* cli_error - print "trail: MESSAGE" on stderr, escaped (cli_escape()), and return CLI_FAIL. */
#if defined(__GNUC__)
__attribute__((format(printf, 1, 2)))
#endif
int cli_error(const char *fmt, ...);

/*
 * cli_read_digest - the whole of the digest file @path (`trail digest`) as
 * a string, for trail_verify's and trail_export's digest options. The
 * caller frees it; NULL after saying why on stderr (it cannot be read, or
 * holds a NUL byte).
 */
char *cli_read_digest(const char *path);

/* ---- progress lines on a terminal (verify, export, import, sync) ---------- */

/* How often a progress line is redrawn at most. */
#define CLI_REDRAW_MS 200

/* cli_on_terminal - whether a person watches: stdout and stderr both on a terminal. */
bool cli_on_terminal(void);

/* cli_now_s - monotonic seconds, for rates and redraw intervals. */
double cli_now_s(void);

/* cli_progress_clear - erase the progress line when one was @drawn, so that the result starts
 * clean. */
void cli_progress_clear(bool drawn);

/* cli_time - milliseconds since the epoch as ISO 8601 UTC with ms; returns @buf. */
char *cli_time(char buf[TRAIL_HLC_TEXT_MAX], int64_t ms);

/* ---- text from the database ---------------------------------------------- */

/*
 * cli_escape - @s as it may be printed on a terminal (text.c): control
 * characters as \n, \r, \t, \xNN (C0, DEL) or \uNNNN (C1, line and
 * paragraph separators, bidirectional controls), every byte that is not
 * valid UTF-8 as \xNN, and a backslash doubled, so that what is shown says
 * exactly what is stored. NULL is shown as "". The caller frees the result;
 * NULL when out of memory.
 */
char *cli_escape(const char *s);

/* cli_utf8_valid - whether @s is valid UTF-8. */
bool cli_utf8_valid(const char *s);

/*
 * cli_utf8_fix - @s with every byte that is not valid UTF-8 replaced by
 * U+FFFD, for JSON, which cannot hold such bytes. The caller frees it; NULL
 * when out of memory.
 */
char *cli_utf8_fix(const char *s);

/*
 * cli_json_line - a line of JSON as jansson wrote it, with what jansson
 * leaves raw but a terminal acts on (DEL, C1 controls, line separators,
 * bidirectional controls) escaped as \uNNNN: the same JSON value. The
 * caller frees it; NULL when out of memory.
 */
char *cli_json_line(const char *json);

/* ---- aligned tables ------------------------------------------------------ */

/* A column: its heading, and whether it is right-aligned (numbers). */
typedef struct cli_column {
    const char *head;
    bool right;
} cli_column;

/* The most columns a table has. */
#define CLI_TABLE_MAX_COLS 16

/*
 * Rows of text cells. The rows held at the first cli_table_print() set the
 * column widths, and the heading is printed with them; rows printed later
 * keep those widths, so that a long table streams in bounded memory.
 */
typedef struct cli_table {
    const cli_column *cols;
    size_t n_cols; /* at most CLI_TABLE_MAX_COLS */
    char **cells;  /* row-major, owned: the rows not printed yet */
    size_t n_cells, cap;
    size_t width[CLI_TABLE_MAX_COLS]; /* in characters, once started */
    bool started;                     /* the heading is out */
} cli_table;

/*
 * cli_table_add - append @text, escaped (cli_escape()), as the next cell.
 * TRAIL_OK or TRAIL_ENOMEM.
 */
int cli_table_add(cli_table *t, const char *text);

/* cli_table_rows - how many rows are held, not printed yet. */
size_t cli_table_rows(const cli_table *t);

/*
 * cli_table_print - the rows held to @out, columns separated by two spaces,
 * and forget them; the first call prints the heading line first. Nothing is
 * cut: a value wider than its column (or a narrow terminal) pushes the rest
 * of its line to the right rather than hides anything.
 */
void cli_table_print(cli_table *t, FILE *out);

/* cli_table_free - free the cells. */
void cli_table_free(cli_table *t);

#endif /* TRAIL_CLI_H */
