/*
 * diag.c - error reports of trailgen.
 */
#include "diag.h"

#include <stdarg.h>
#include <string.h>

void gen_diag_init(gen_diag *d, FILE *echo)
{
    memset(d, 0, sizeof *d);
    d->echo = echo;
}

void gen_diag_free(gen_diag *d)
{
    trail__buf_free(&d->text);
}

void gen_diag_error(gen_diag *d, const char *path, gen_pos pos, const char *fmt, ...)
{
    char msg[2048];
    int n;
    if (pos.line > 0)
        n = snprintf(msg, sizeof msg, "%s:%d:%d: error: ", path, pos.line, pos.col);
    else
        n = snprintf(msg, sizeof msg, "%s: error: ", path);
    if (n < 0 || (size_t)n >= sizeof msg)
        n = 0;

    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg + n, sizeof msg - (size_t)n, fmt, ap);
    va_end(ap);

    d->errors++;
    if (d->echo)
        fprintf(d->echo, "%s\n", msg);
    /* Out of memory only loses the copy kept for tests; the count and echo stand. */
    if (trail__buf_append_str(&d->text, msg) == 0)
        trail__buf_append(&d->text, "\n", 1);
}
