/*
 * bench_util.h - what every benchmark under bench/ needs: statistics over
 * repetitions and the command line. Header-only, static: each benchmark is
 * one program.
 */
#ifndef TRAIL_BENCH_UTIL_H
#define TRAIL_BENCH_UTIL_H

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
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

/* One command-line option: a flag, a count (1..max), or a text; one of the three is set. */
typedef struct bench_option {
    const char *name; /* "--reps" */
    bool *flag;
    long *count;
    long max;
    const char **text;
} bench_option;

/*
 * Reads @argv against @opts (and --help/-h, which prints @usage). Returns 0
 * to go on, 1 when help was printed, 2 (after saying so on stderr, naming
 * @program) for an argument that is not one of @opts or lacks its value.
 */
static int bench_parse_args(int argc, char **argv, const bench_option *opts, size_t n,
                            void (*usage)(FILE *), const char *program)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *value = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            return 1;
        }
        const bench_option *o = opts;
        while (o < opts + n && strcmp(a, o->name) != 0)
            o++;
        bool ok = o < opts + n;
        if (ok && o->flag) {
            *o->flag = true;
            continue;
        }
        if (ok && o->count)
            ok = bench_parse_count(o->count, value, o->max) == 0;
        else if (ok && (ok = value != NULL))
            *o->text = value;
        if (!ok) {
            fprintf(stderr, "%s: bad arguments; see %s --help\n", program, program);
            return 2;
        }
        i++;
    }
    return 0;
}

#endif /* TRAIL_BENCH_UTIL_H */
