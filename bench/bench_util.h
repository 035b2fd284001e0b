/*
 * bench_util.h - what every benchmark under bench/ needs: the clock,
 * statistics over repetitions, messages and the command line. Header-only,
 * static: each benchmark is one program, which defines _POSIX_C_SOURCE (or
 * _XOPEN_SOURCE) before its first include, for clock_gettime.
 */
#ifndef TRAIL_BENCH_UTIL_H
#define TRAIL_BENCH_UTIL_H

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

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

/* The median over @n repetitions of @a[r] / @b[r]: how benchmarks compare two cases. */
static inline double bench_ratio(const double *a, const double *b, int n)
{
    double v[BENCH_MAX_REPS];
    for (int r = 0; r < n; r++)
        v[r] = a[r] / b[r];
    return bench_median(v, n);
}

/* Prints a target's line: "what >= bound x:  met|missed  (value x)". */
static inline void bench_verdict(const char *what, double value, double bound)
{
    char target[192];
    snprintf(target, sizeof target, "%s >= %.2gx:", what, bound);
    printf("  %-62s %-6s (%.2fx)\n", target, value >= bound ? "met" : "missed", value);
}

/* CLOCK_MONOTONIC in nanoseconds. */
static inline int64_t bench_mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* The name bench_die() starts its messages with; main() sets it. */
static const char *bench_program = "bench";

/* Says what went wrong on stderr, after bench_program, and exits with 1 (atexit handlers run). */
_Noreturn static inline void bench_die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "%s: ", bench_program);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(1);
}

/* Appends printf(@fmt, ...) to the text in @buf (@size bytes); dies when it does not fit. */
static inline void bench_append(char *buf, size_t size, const char *fmt, ...)
{
    size_t len = strlen(buf);
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf + len, size - len, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= size - len)
        bench_die("text too long for its buffer (%zu bytes)", size);
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
