/*
 * cli_run.h - running the `trail` binary (TRAIL_EXE) as a user runs it, for
 * the CLI tests: with its output captured to files (as a script sees it), or
 * on a pseudo-terminal (as a person does).
 */
#ifndef CLI_RUN_H
#define CLI_RUN_H

#include <stddef.h>

/* What a run of trail left. */
typedef struct run {
    int status;      /* exit status; -1 when it did not exit normally */
    char *out, *err; /* everything written to stdout and stderr; on a terminal both are in out */
    size_t out_len;  /* bytes in out (which may hold a NUL) */
} run;

/* trail - run `trail ARGS...` (NULL-terminated), stdout and stderr to files. */
run trail(const char *arg, ...);

/* trail_tty - the same, with stdout and stderr on one pseudo-terminal. */
run trail_tty(const char *arg, ...);

/* run_free - free what a run holds. */
void run_free(run *r);

/* expect_in - fail the test, showing @text, unless @text holds @want. */
void expect_in(const char *text, const char *want);

#endif /* CLI_RUN_H */
