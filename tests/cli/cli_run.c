/*
 * cli_run.c - running the `trail` binary for the CLI tests (cli_run.h).
 */
#define _GNU_SOURCE /* posix_spawn, openpty */
#include "cli_run.h"

#include <setjmp.h> /* cmocka needs these three first */
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>
#include <errno.h>
#include <pty.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

#define MAX_ARGS 16

/* Reads @fd to its end (or, on a terminal, to EIO once the other side is closed). */
static char *read_all(int fd, size_t *len)
{
    char *s = NULL;
    size_t n = 0, cap = 0;
    for (;;) {
        if (n + 4096 + 1 > cap)
            assert_non_null(s = realloc(s, cap = cap ? cap * 2 : 8192));
        ssize_t got = read(fd, s + n, cap - n - 1);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0)
            break;
        n += (size_t)got;
    }
    if (!s)
        assert_non_null(s = malloc(1));
    s[n] = '\0';
    *len = n;
    return s;
}

static size_t collect(const char **argv, const char *arg, va_list ap)
{
    size_t n = 0;
    argv[n++] = TRAIL_EXE;
    for (const char *a = arg; a; a = va_arg(ap, const char *)) {
        assert_true(n < MAX_ARGS - 1);
        argv[n++] = a;
    }
    argv[n] = NULL;
    return n;
}

static int wait_for(pid_t pid)
{
    int ws;
    assert_int_equal(waitpid(pid, &ws, 0), pid);
    return WIFEXITED(ws) ? WEXITSTATUS(ws) : -1;
}

run trail(const char *arg, ...)
{
    const char *argv[MAX_ARGS];
    va_list ap;
    va_start(ap, arg);
    collect(argv, arg, ap);
    va_end(ap);

    FILE *out = tmpfile(), *err = tmpfile();
    assert_non_null(out);
    assert_non_null(err);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, fileno(out), 1);
    posix_spawn_file_actions_adddup2(&fa, fileno(err), 2);
    pid_t pid;
    assert_int_equal(posix_spawn(&pid, TRAIL_EXE, &fa, NULL, (char **)argv, environ), 0);
    posix_spawn_file_actions_destroy(&fa);
    run r = { .status = wait_for(pid) };
    size_t err_len;
    lseek(fileno(out), 0, SEEK_SET);
    lseek(fileno(err), 0, SEEK_SET);
    r.out = read_all(fileno(out), &r.out_len);
    r.err = read_all(fileno(err), &err_len);
    fclose(out);
    fclose(err);
    return r;
}

run trail_tty(const char *arg, ...)
{
    const char *argv[MAX_ARGS];
    va_list ap;
    va_start(ap, arg);
    collect(argv, arg, ap);
    va_end(ap);

    int master, slave;
    assert_int_equal(openpty(&master, &slave, NULL, NULL, NULL), 0);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, slave, 1);
    posix_spawn_file_actions_adddup2(&fa, slave, 2);
    posix_spawn_file_actions_addclose(&fa, master);
    pid_t pid;
    assert_int_equal(posix_spawn(&pid, TRAIL_EXE, &fa, NULL, (char **)argv, environ), 0);
    posix_spawn_file_actions_destroy(&fa);
    close(slave);
    run r = { 0 };
    r.out = read_all(master, &r.out_len); /* until the child's end closes the terminal */
    close(master);
    r.status = wait_for(pid);
    assert_non_null(r.err = strdup(""));
    return r;
}

void run_free(run *r)
{
    free(r->out);
    free(r->err);
    r->out = r->err = NULL;
}

void expect_in(const char *text, const char *want)
{
    if (!strstr(text, want))
        fail_msg("the output lacks '%s':\n%s", want, text);
}
