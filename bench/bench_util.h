/*
 * bench_util.h - what every benchmark under bench/ needs: statistics over
 * repetitions and command-line counts. Header-only, static: each benchmark
 * is one program.
 */
#ifndef TRAIL_BENCH_UTIL_H
#define TRAIL_BENCH_UTIL_H

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Most repetitions a benchmark may be asked for. */
#define BENCH_MAX_REPS 101

static int bench_cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The median of @n (1..BENCH_MAX_REPS) values; @v is left as it was. */
static double bench_median(const double *v, int n)
{
    double s[BENCH_MAX_REPS];
    memcpy(s, v, sizeof *v * (size_t)n);
    qsort(s, (size_t)n, sizeof *s, bench_cmp_double);
    return n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

/* A count from the command line, 1..@max; -1 when @text is missing or not one. */
static int bench_parse_count(long *out, const char *text, long max)
{
    char *end;
    errno = 0;
    long v = text ? strtol(text, &end, 10) : 0;
    if (!text || errno || *end || end == text || v < 1 || v > max)
        return -1;
    *out = v;
    return 0;
}

#endif /* TRAIL_BENCH_UTIL_H */
