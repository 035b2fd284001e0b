/*
 * bench_gen.c - what one trailgen run costs on a large schema.
 *
 * Writes a schema of 500 entities of 20 fields each (every type, with and
 * without null, bounds, defaults, uniqueness and audit options; refs to
 * earlier entities, enums, indexes of both forms) into a temporary
 * directory, then times:
 *
 *   - gen_run into a new, empty output directory: the whole generation
 *     (load, validate, build the models, render every template, write every
 *     file), what a first build pays;
 *   - gen_run into a directory already holding that output: the same work,
 *     but every file is found unchanged and left alone, what a rebuild pays;
 *   - gen_schema_load alone (read, parse, validate), for reference.
 *
 * Each case runs several times, in turns within each repetition, timed with
 * CLOCK_MONOTONIC; the minimum and the median are printed. The whole
 * generation is judged against the target of 0.5 s (its median).
 * --quick (what ctest runs) uses a tiny schema only to prove the program
 * works: its figures mean nothing and no figure is ever asserted.
 */
#define _XOPEN_SOURCE 700 /* nftw, mkdtemp */
#include "bench_files.h"
#include "bench_util.h"
#include "diag.h"
#include "generate.h"
#include "schema.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define DEFAULT_ENTITIES 500
#define DEFAULT_FIELDS   20
#define DEFAULT_REPS     5
#define QUICK_ENTITIES   3
#define QUICK_FIELDS     20
#define QUICK_REPS       2
#define MAX_ENTITIES     100000
#define MAX_FIELDS       63 /* GEN_FIELDS_MAX */
#define MAX_REPS         BENCH_MAX_REPS

/* The target this benchmark judges against: one whole generation, median. */
#define TARGET_GEN_S 0.5

/* ---- The schema. ---- */

/*
 * Field slot @j of entity @i, as one line of YAML. Slots cycle through 20
 * kinds; options vary with the entity so that no two entities are alike.
 * Slot names carry their slot number beyond the first 20, so any count up
 * to 63 gives distinct names.
 */
static void write_field(FILE *f, int i, int j)
{
    char name[32];
    static const char *const base[20] = {
        "code",  "title",  "body", "label",  "amount", "total",   "balance",
        "ratio", "score",  "flag", "ready",  "born",   "seen_at", "meta",
        "photo", "status", "tier", "secret", "parent", "owner",
    };
    if (j < 20)
        snprintf(name, sizeof name, "%s", base[j]);
    else
        snprintf(name, sizeof name, "%s_%d", base[j % 20], j);
    bool null = (i + j) % 3 == 0;
    const char *audit = (i + j) % 11 == 0 ? ", audit: omit" : "";
    const char *nul = null ? ", null: true" : "";

    fprintf(f, "      %s: ", name);
    switch (j % 20) {
    case 0: /* unique text: needs max <= 768 */
        fprintf(f, "{ type: text, max: %d, unique: true }\n", 32 + i % 64);
        break;
    case 1:
        fprintf(f, "{ type: text, max: 200%s%s }\n", nul, audit);
        break;
    case 2:
        fprintf(f, "{ type: text%s }\n", nul);
        break;
    case 3:
        fprintf(f, "{ type: text, max: 40, default: \"item %d\"%s }\n", i, audit);
        break;
    case 4:
        fprintf(f, "{ type: int32, min: 0, max: %d, default: %d%s }\n", 1000 + i, i % 100, nul);
        break;
    case 5:
        fprintf(f, "{ type: int64, min: %d, default: 0%s }\n", -i * 1000, audit);
        break;
    case 6:
        fprintf(f, "{ type: int64%s }\n", nul);
        break;
    case 7:
        fprintf(f, "{ type: double, min: 0, max: 1, default: 0.25%s }\n", nul);
        break;
    case 8:
        fprintf(f, "{ type: double%s%s }\n", nul, audit);
        break;
    case 9:
        fprintf(f, "{ type: bool, default: %s }\n", i % 2 ? "true" : "false");
        break;
    case 10:
        fprintf(f, "bool\n");
        break;
    case 11:
        fprintf(f, "{ type: date, null: true, default: '2024-%02d-01' }\n", 1 + i % 12);
        break;
    case 12:
        fprintf(f, "{ type: timestamp, default: '2024-01-01T00:00:%02d.%03dZ'%s }\n", i % 60,
                i % 1000, nul);
        break;
    case 13:
        fprintf(f, "{ type: json, default: '{\"v\": %d, \"tags\": []}'%s }\n", i, nul);
        break;
    case 14:
        fprintf(f, "{ type: blob, null: true, max: %d%s }\n", 1 << (10 + i % 10), audit);
        break;
    case 15:
        fprintf(f, "{ type: enum, values: [draft, active, archived], default: active }\n");
        break;
    case 16:
        fprintf(f, "{ type: enum, values: [free, pro, team, enterprise, custom_%d]%s }\n", i, nul);
        break;
    case 17:
        fprintf(f, "{ type: text, max: 100, audit: redact }\n");
        break;
    case 18: /* the entity before: a chain through the whole schema */
        if (i > 0)
            fprintf(f, "{ type: ref, to: ent_%04d }\n", i - 1);
        else
            fprintf(f, "int64\n");
        break;
    default: /* an entity halfway back; nullable, as a ref that may not be known yet would be */
        if (i > 0)
            fprintf(f, "{ type: ref, to: ent_%04d, null: true }\n", i / 2);
        else
            fprintf(f, "{ type: int64, null: true }\n");
        break;
    }
}

/* Writes the schema of @entities entities of @fields fields to @path; false on failure. */
static bool write_schema(const char *path, int entities, int fields)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return false;
    fprintf(f, "# bench_gen: %d entities of %d fields\nschema: bench\nversion: 7\nentities:\n",
            entities, fields);
    for (int i = 0; i < entities; i++) {
        fprintf(f, "  ent_%04d:\n", i);
        /* Local rows: int64 keys, refs along the chain to them, fields kept out of events. */
        fprintf(f, "    replicate: false\n");
        if (i % 3 == 1)
            fprintf(f, "    key: int64\n");
        if (i % 4 == 2)
            fprintf(f, "    conflict: manual\n");
        if (i % 5 == 0)
            fprintf(f, "    table: tbl_%04d\n", i);
        fprintf(f, "    fields:\n");
        for (int j = 0; j < fields; j++)
            write_field(f, i, j);
        /* The indexed fields (slots 1, 4, 5, 11 and 15) are there from 16 fields on. */
        if (fields >= 16) {
            fprintf(f, "    indexes:\n      - [status, amount]\n"
                       "      - { fields: [title, total], unique: true }\n      - [born]\n");
        }
    }
    bool ok = !ferror(f);
    return fclose(f) == 0 && ok;
}

/* ---- Timing. ---- */

static double mono_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double minimum(const double *v, int n)
{
    double m = v[0];
    for (int i = 1; i < n; i++)
        m = v[i] < m ? v[i] : m;
    return m;
}

/* One gen_run of @schema into @out; its duration in seconds, or -1 (reported) on failure. */
static double time_gen(const char *schema, const char *out)
{
    gen_diag diag;
    gen_diag_init(&diag, stderr);
    gen_options o = { .schema_path = schema, .out_dir = out };
    double t0 = mono_s();
    int status = gen_run(&o, &diag);
    double t = mono_s() - t0;
    gen_diag_free(&diag);
    return status == GEN_EXIT_OK ? t : -1;
}

/* One load + validate of @schema; its duration in seconds, or -1 (reported) on failure. */
static double time_load(const char *schema)
{
    gen_diag diag;
    gen_diag_init(&diag, stderr);
    double t0 = mono_s();
    gen_schema *s = gen_schema_load(schema, &diag);
    double t = mono_s() - t0;
    bool ok = s != NULL;
    gen_schema_free(s);
    gen_diag_free(&diag);
    return ok ? t : -1;
}

/* ---- Files. ---- */

/* The size of the files generated into @dir: their count into *@files, their bytes returned. */
static long long output_bytes(const char *dir, int *files)
{
    static const char *const suffixes[] = { ".h", "_sqlite.c",   "_pg.c",   "_mysql.c",
                                            ".c", "_sqlite.sql", "_pg.sql", "_mysql.sql" };
    long long total = 0;
    *files = 0;
    for (size_t i = 0; i < sizeof suffixes / sizeof suffixes[0]; i++) {
        char path[4200];
        struct stat st;
        int n = snprintf(path, sizeof path, "%s/bench%s", dir, suffixes[i]);
        if (n > 0 && (size_t)n < sizeof path && stat(path, &st) == 0) {
            total += (long long)st.st_size;
            ++*files;
        }
    }
    return total;
}

/* ---- Command line and report. ---- */

static void usage(FILE *f)
{
    fprintf(f,
            "usage: bench_gen [--quick] [--entities N] [--fields N] [--reps R] [--keep]\n"
            "\n"
            "Writes a schema of N entities of F fields (every type and option, refs to\n"
            "earlier entities, enums, indexes) into a temporary directory and times:\n"
            "  gen_run, new output dir     the whole generation: load, validate, render, write\n"
            "  gen_run, output up to date  the same; every file found unchanged, none written\n"
            "  gen_schema_load             read, parse and validate only (reference)\n"
            "and judges the whole generation (median) against the target of < %.1f s.\n"
            "\n"
            "  --quick         a tiny schema, to check that it runs (ctest); figures mean nothing\n"
            "  --entities N    entities in the schema (default %d)\n"
            "  --fields N      fields per entity, 1-%d (default %d)\n"
            "  --reps R        repetitions, 1-%d (default %d)\n"
            "  --keep          keep the temporary directory, and print where it is\n"
            "  --help          this text\n",
            TARGET_GEN_S, DEFAULT_ENTITIES, MAX_FIELDS, DEFAULT_FIELDS, MAX_REPS, DEFAULT_REPS);
}

int main(int argc, char **argv)
{
    long entities = DEFAULT_ENTITIES, fields = DEFAULT_FIELDS, reps = DEFAULT_REPS;
    bool quick = false, keep = false;
    const bench_option opts[] = {
        { "--quick", .flag = &quick },
        { "--keep", .flag = &keep },
        { "--entities", .count = &entities, .max = MAX_ENTITIES },
        { "--fields", .count = &fields, .max = MAX_FIELDS },
        { "--reps", .count = &reps, .max = MAX_REPS },
    };
    int parsed =
        bench_parse_args(argc, argv, opts, sizeof opts / sizeof opts[0], usage, "bench_gen");
    if (parsed)
        return parsed == 1 ? 0 : parsed;
    if (quick) {
        entities = QUICK_ENTITIES;
        fields = QUICK_FIELDS;
        reps = QUICK_REPS;
    }

    const char *tmp = getenv("TMPDIR");
    char dir[4096], schema[4200], fresh[4200], current[4200];
    snprintf(dir, sizeof dir, "%s/bench_gen.XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(dir)) {
        fprintf(stderr, "bench_gen: cannot create a temporary directory: %s\n", strerror(errno));
        return 1;
    }
    snprintf(schema, sizeof schema, "%s/bench.yaml", dir);
    snprintf(current, sizeof current, "%s/current", dir);
    int rc = 1;
    if (!write_schema(schema, (int)entities, (int)fields)) {
        fprintf(stderr, "bench_gen: cannot write %s\n", schema);
        goto done;
    }
    struct stat st;
    long long schema_bytes = stat(schema, &st) == 0 ? (long long)st.st_size : 0;

    /* Warm-up, and the output the up-to-date case finds in place. */
    if (time_gen(schema, current) < 0 || time_load(schema) < 0) {
        fprintf(stderr, "bench_gen: generation failed\n");
        goto done;
    }
    int files = 0;
    long long out_bytes = output_bytes(current, &files);

    enum { GEN_FRESH, GEN_CURRENT, LOAD, NCASES };
    static const char *const names[NCASES] = { "gen_run, new output dir",
                                               "gen_run, output up to date",
                                               "gen_schema_load (reference)" };
    double t[NCASES][MAX_REPS];
    for (long r = 0; r < reps; r++) {
        snprintf(fresh, sizeof fresh, "%s/fresh_%ld", dir, r);
        t[GEN_FRESH][r] = time_gen(schema, fresh);
        t[GEN_CURRENT][r] = time_gen(schema, current);
        t[LOAD][r] = time_load(schema);
        for (int c = 0; c < NCASES; c++) {
            if (t[c][r] < 0) {
                fprintf(stderr, "bench_gen: %s failed\n", names[c]);
                goto done;
            }
        }
        /* One fresh output at a time: the disk holds no more than two copies. */
        bench_remove_tree("bench_gen", fresh);
    }

    printf("bench_gen: %ld entities x %ld fields; schema %lld bytes; output %d files, %lld bytes;"
           " %ld repetitions%s\n\n",
           entities, fields, schema_bytes, files, out_bytes, reps,
           quick ? "\n(--quick: a tiny schema, figures mean nothing)" : "");
    printf("%-30s %10s %10s\n", "case", "min ms", "median ms");
    for (int c = 0; c < NCASES; c++)
        printf("%-30s %10.1f %10.1f\n", names[c], minimum(t[c], (int)reps) * 1e3,
               bench_median(t[c], (int)reps) * 1e3);
    double gen = bench_median(t[GEN_FRESH], (int)reps);
    double load = bench_median(t[LOAD], (int)reps);
    printf("\nload + validate: %.0f%% of the whole generation; render + write: %.1f ms\n",
           gen > 0 ? 100 * load / gen : 0, (gen - load) * 1e3);
    printf("target < %.1f s (gen_run, new output dir, median): %s (%.3f s)\n", TARGET_GEN_S,
           gen < TARGET_GEN_S ? "met" : "missed", gen);
    rc = 0;

done:
    if (keep)
        printf("kept: %s\n", dir);
    else
        bench_remove_tree("bench_gen", dir);
    return rc;
}
