/*
 * trail.c - the `trail` command line tool: reads and checks the history that
 * libtrail keeps in a database (SPEC §7). This file holds the dispatch and
 * what the commands share; each command is in a file of its own.
 */
#define _POSIX_C_SOURCE 200809L /* stat, clock_gettime, isatty */
#include "cli.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static const cli_command *const commands[] = { &cli_log,       &cli_verify,  &cli_digest,
                                               &cli_nodes,     &cli_export,  &cli_import,
                                               &cli_sync,      &cli_node,    &cli_diff,
                                               &cli_conflicts, &cli_conflict };
#define N_COMMANDS (sizeof commands / sizeof commands[0])

static void usage(FILE *out)
{
    fputs("usage: trail COMMAND [options] DB\n"
          "\n"
          "Reads and checks the audit trail that libtrail keeps in a database: every\n"
          "change event, who made it, and whether the history still holds together;\n"
          "and carries events between databases (export, import, sync).\n"
          "\n"
          "commands:\n",
          out);
    for (size_t i = 0; i < N_COMMANDS; i++)
        fprintf(out, "  %-9s %s\n", commands[i]->name, commands[i]->summary);
    fputs("  help      show this help, or a command's (trail help log)\n"
          "\n"
          "DB is one of:\n"
          "  shop.db, sqlite:shop.db                 an SQLite file\n"
          "  postgresql://USER@HOST:PORT/NAME        PostgreSQL\n"
          "  \"host=/run/postgresql dbname=NAME\"      PostgreSQL, libpq's key=value form\n"
          "  mysql://USER:***@HOST:PORT/NAME         MySQL or MariaDB\n"
          "  mysql://USER:***@localhost/NAME?socket=/run/mysqld/mysqld.sock\n"
          "trail never creates a database: DB must be one that a trail program\n"
          "migrated. trail never shows a password: it prints DB with *** in its\n"
          "place. A password on the command line is visible to other users of\n"
          "the machine (ps); PostgreSQL's ~/.pgpass or PGPASSWORD keep it off.\n"
          "\n"
          "options:\n"
          "  -h, --help     show this help; after a command, that command's help\n"
          "      --version  show the version\n"
          "\n"
          "Exit status: 0 success; 1 verify found problems, import or sync refused\n"
          "something, or the database could not be read; 2 a usage error, or the\n"
          "database (or a file named) could not be opened or read. diff: 0 the same\n"
          "rows, 1 some records differ, 2 an error.\n",
          out);
}

static const cli_command *find_command(const char *name)
{
    for (size_t i = 0; i < N_COMMANDS; i++)
        if (strcmp(commands[i]->name, name) == 0)
            return commands[i];
    return NULL;
}

/*
 * "trail: MESSAGE" on stderr, escaped: a message can quote the database
 * (a table name, a value, a driver's text).
 */
static void report(const char *fmt, va_list ap)
{
    char msg[2048];
    vsnprintf(msg, sizeof msg, fmt, ap);
    char *safe = cli_escape(msg);
    fprintf(stderr, "trail: %s\n", safe ? safe : "(out of memory)");
    free(safe);
}

int cli_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    report(fmt, ap);
    va_end(ap);
    return CLI_FAIL;
}

/* A usage error: what was wrong, then where to read more. Returns CLI_USAGE. */
#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
static int
usage_error(const cli_command *cmd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    report(fmt, ap);
    va_end(ap);
    if (cmd)
        fprintf(stderr, "Try 'trail %s --help'.\n", cmd->name);
    else
        fputs("Try 'trail --help'.\n", stderr);
    return CLI_USAGE;
}

/* @arg with its passwords as ***, for a message (which cli_error() escapes). Returns @buf. */
static char *shown(char *buf, size_t size, const char *arg)
{
    return trail_url_redact(buf, size, arg);
}

/*
 * Parses @argv (argv[0] the command's name) into @opts and the one DB
 * argument *@db. "--name VALUE" and "--name=VALUE" both work. Returns CLI_OK
 * to go on; -1 when -h/--help printed the command's help; CLI_USAGE after
 * saying on stderr what was wrong.
 */
static int parse(const cli_command *cmd, int argc, char **argv, const cli_option *opts,
                 size_t n_opts, const char **args, size_t n_args, const char *what)
{
    size_t got = 0;
    for (size_t k = 0; k < n_args; k++)
        args[k] = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            fputs(cmd->help, stdout);
            return -1;
        }
        if (a[0] != '-' || a[1] == '\0') {
            char first[1024], second[1024];
            if (got == n_args && n_args == 1)
                return usage_error(cmd, "%s takes one database (%s and %s)", cmd->name,
                                   shown(first, sizeof first, args[0]),
                                   shown(second, sizeof second, a));
            if (got == n_args)
                return usage_error(cmd, "%s takes %s, and no more (%s)", cmd->name, what,
                                   shown(second, sizeof second, a));
            args[got++] = a;
            continue;
        }
        const char *eq = strchr(a, '=');
        size_t len = eq ? (size_t)(eq - a) : strlen(a);
        const cli_option *o = NULL;
        for (size_t k = 0; k < n_opts && !o; k++)
            if (strlen(opts[k].name) == len && strncmp(opts[k].name, a, len) == 0)
                o = &opts[k];
        char name[1024];
        if (!o)
            return usage_error(cmd, "unknown option %s", shown(name, sizeof name, a));
        if (!o->value) {
            if (eq)
                return usage_error(cmd, "option %.*s takes no value", (int)len, a);
            *o->flag = true;
        } else if (eq) {
            *o->value = eq + 1;
        } else if (i + 1 < argc) {
            *o->value = argv[++i];
        } else {
            return usage_error(cmd, "option %s needs a value", a);
        }
    }
    if (got == 0 && n_args == 1)
        return usage_error(cmd, "no database given");
    if (got < n_args)
        return usage_error(cmd, "%s takes %s", cmd->name, what);
    return CLI_OK;
}

/*
 * Whether @arg is a connection string rather than a file's path: a URL, or
 * libpq's key=value form ("host=/run/postgresql dbname=shop": a keyword, then
 * '='). A file that exists under such a name is still that file.
 */
static bool is_conninfo(const char *arg)
{
    if (strncmp(arg, "sqlite:", 7) == 0 || strstr(arg, "://"))
        return true;
    size_t k = strspn(arg, "abcdefghijklmnopqrstuvwxyz_");
    const char *p = arg + k;
    while (*p == ' ' || *p == '\t')
        p++;
    struct stat st;
    return k > 0 && *p == '=' && stat(arg, &st) != 0;
}

/*
 * Connects to @arg, a connection string or the path of an SQLite file, and
 * makes sure it is a trail database: reading history never creates one, and
 * "no events" must not stand for "not a database at all". Returns CLI_OK,
 * or CLI_USAGE after saying why on stderr; @name is @arg as shown.
 */
static int open_db(trail_conn **db, const char *arg, const char *name, bool write)
{
    *db = NULL;
    char url[4200];
    const char *path = NULL, *open_url = arg;
    if (!is_conninfo(arg)) {
        path = arg;
        open_url = url;
        if ((size_t)snprintf(url, sizeof url, "sqlite:%s", arg) >= sizeof url) {
            cli_error("path too long: %.64s...", name);
            return CLI_USAGE;
        }
    } else if (strncmp(arg, "sqlite:", 7) == 0 && strcmp(arg + 7, ":memory:") != 0) {
        path = arg + 7;
    }
    /* SQLite would create a missing file, and takes an empty one for an empty database. */
    struct stat st;
    if (path && stat(path, &st) != 0) {
        if (errno == ENOENT)
            cli_error("%s: no such database", name);
        else
            cli_error("%s: %s", name, strerror(errno));
        return CLI_USAGE;
    }
    if (path && S_ISDIR(st.st_mode)) {
        cli_error("%s: is a directory, not a database", name);
        return CLI_USAGE;
    }
    if (path && S_ISREG(st.st_mode) && st.st_size == 0) {
        cli_error("%s: an empty file, not a trail database", name);
        return CLI_USAGE;
    }

    /* An inspection writes nothing, and works on a database the user may only read. */
    trail_conn *c = NULL;
    trail_open_opts opts = { .read_only = !write };
    if (trail_open(&c, open_url, &opts) < 0) {
        cli_error("%s", trail_errmsg(c)); /* which names the database, and never its password */
        trail_close(c);
        return CLI_USAGE;
    }
    if (trail_migrated(c) < 0) {
        cli_error("%s: %s", name, trail_errmsg(c));
        trail_close(c);
        return CLI_USAGE;
    }
    *db = c;
    return CLI_OK;
}

int cli_start(const cli_command *cmd, int argc, char **argv, const cli_option *opts, size_t n_opts,
              trail_conn **db, const char **name)
{
    static char buf[1024];
    *db = NULL;
    *name = "";
    const char *arg;
    int status = parse(cmd, argc, argv, opts, n_opts, &arg, 1, "one database");
    if (status != CLI_OK)
        return status;
    *name = shown(buf, sizeof buf, arg);
    return open_db(db, arg, *name, false);
}

int cli_args(const cli_command *cmd, int argc, char **argv, const cli_option *opts, size_t n_opts,
             const char **args, size_t n_args, const char *what)
{
    return parse(cmd, argc, argv, opts, n_opts, args, n_args, what);
}

int cli_open(const char *arg, bool write, trail_conn **db, char *name, size_t size)
{
    shown(name, size, arg);
    return open_db(db, arg, name, write);
}

char *cli_time(char buf[TRAIL_HLC_TEXT_MAX], int64_t ms)
{
    /* An HLC with counter 0 is just the time; its text then ends in "#00000". */
    trail_hlc_format(buf, TRAIL_HLC_MAKE(ms, 0));
    char *hash = strchr(buf, '#');
    if (hash)
        *hash = '\0';
    return buf;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return CLI_USAGE;
    }
    const char *a = argv[1];
    if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
        usage(stdout);
        return CLI_OK;
    }
    if (strcmp(a, "--version") == 0) {
        printf("trail %s (libtrail %s)\n", TRAIL_VERSION, trail_version());
        return CLI_OK;
    }
    if (strcmp(a, "help") == 0) {
        if (argc == 2) {
            usage(stdout);
            return CLI_OK;
        }
        const cli_command *cmd = find_command(argv[2]);
        char name[1024];
        if (!cmd)
            return usage_error(NULL, "no such command: %s", shown(name, sizeof name, argv[2]));
        if (argc > 3)
            return usage_error(NULL, "help takes one command (%s and %s)", argv[2],
                               shown(name, sizeof name, argv[3]));
        fputs(cmd->help, stdout);
        return CLI_OK;
    }
    char name[1024];
    if (a[0] == '-')
        return usage_error(NULL, "unknown option %s", shown(name, sizeof name, a));
    const cli_command *cmd = find_command(a);
    if (!cmd)
        return usage_error(NULL, "no such command: %s", shown(name, sizeof name, a));

    int status = cmd->run(cmd, argc - 1, argv + 1);
    /* A full disk or a closed pipe would otherwise pass for success. */
    if (fflush(stdout) != 0 || ferror(stdout)) {
        cli_error("cannot write the output: %s", strerror(errno));
        return status == CLI_OK ? CLI_FAIL : status;
    }
    return status;
}

char *cli_read_digest(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        cli_error("%s: %s", path, strerror(errno));
        return NULL;
    }
    size_t len = 0, cap = 4096;
    char *text = malloc(cap);
    for (size_t got = 1; text && got > 0;) {
        if (cap - len < 2) {
            char *more = realloc(text, cap *= 2);
            if (!more)
                free(text);
            text = more;
            if (!text)
                break;
        }
        got = fread(text + len, 1, cap - len - 1, f);
        len += got;
    }
    bool failed = !text || ferror(f);
    int err = errno;
    fclose(f);
    if (failed) {
        cli_error("%s: %s", path, text ? strerror(err) : "out of memory");
        free(text);
        return NULL;
    }
    text[len] = '\0';
    if (strlen(text) != len) {
        cli_error("%s: not a valid digest: it holds a NUL byte", path);
        free(text);
        return NULL;
    }
    return text;
}

bool cli_on_terminal(void)
{
    return isatty(STDOUT_FILENO) && isatty(STDERR_FILENO);
}

double cli_now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void cli_progress_clear(bool drawn)
{
    if (drawn) {
        fputs("\r\033[K", stderr);
        fflush(stderr);
    }
}
