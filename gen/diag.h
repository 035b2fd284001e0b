/*
 * diag.h - the problems trailgen reports, as "path:line:col: error: message".
 *
 * Every message is kept (tests read them back) and, when `echo` is set,
 * written there as it is reported, so a user sees each problem of a file in
 * one run.
 */
#ifndef TRAILGEN_DIAG_H
#define TRAILGEN_DIAG_H

#include "core/buf.h"

#include <stdio.h>

/** A place in a file; both 1-based. 0 for "the file as a whole". */
typedef struct gen_pos {
    int line;
    int col;
} gen_pos;

typedef struct gen_diag {
    FILE *echo;     /* where to write each message as well, or NULL */
    trail_buf text; /* every message so far, one per line */
    int errors;     /* how many */
} gen_diag;

/* gen_diag_init - an empty diag that also writes to @echo (may be NULL). */
void gen_diag_init(gen_diag *d, FILE *echo);

/* gen_diag_free - release the kept messages. */
void gen_diag_free(gen_diag *d);

/*
 * gen_diag_error - report a problem at @pos of @path. A @pos of line 0 prints
 * "path: error: message". Never fails: when memory runs out the message is
 * still echoed and counted.
 */
#if defined(__GNUC__)
__attribute__((format(printf, 4, 5)))
#endif
void gen_diag_error(gen_diag *d, const char *path, gen_pos pos, const char *fmt, ...);

#endif /* TRAILGEN_DIAG_H */
