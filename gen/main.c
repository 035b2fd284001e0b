/*
 * main.c - trailgen's command line. The work is in generate.c.
 */
#include "driver/dialect.h"
#include "generate.h"
#include "model.h"
#include "trail/version.h"

#include <stdio.h>
#include <string.h>

static const char usage_head[] =
    "usage: trailgen [options] SCHEMA.yaml\n"
    "\n"
    "Generates typed, audited C for the entities of SCHEMA.yaml: NAME.h, NAME.c,\n"
    "and per driver NAME_<driver>.c and NAME_<driver>.sql, where NAME is the\n"
    "schema's `schema:` key.\n"
    "\n"
    "options:\n"
    "  -o, --output DIR      write the files into DIR (default: the current directory)\n"
    "      --drivers LIST    generate for these drivers only: ";
static const char usage_tail[] =
    " (default: all)\n"
    "      --check           validate the schema, write nothing\n"
    "      --templates DIR   use the templates found in DIR instead of the built-in ones\n"
    "  -h, --help            show this help\n"
    "      --version         show the version\n"
    "\n"
    "Exit status: 0 success, 1 schema error (every problem is reported as\n"
    "FILE:LINE:COL: error: ...; nothing is written), 2 usage error.\n";

/* The usage text, with the drivers of runtime/driver/drivers.h: "sqlite,pg,mysql". */
static void print_usage(FILE *f)
{
    fputs(usage_head, f);
    for (size_t i = 0; trail__dialects[i]; i++)
        fprintf(f, "%s%s", i ? "," : "", trail__dialects[i]->name);
    fputs(usage_tail, f);
}

/* Prints the names of every driver, "sqlite, pg, mysql", to @f. */
static void print_drivers(FILE *f)
{
    for (size_t i = 0; trail__dialects[i]; i++)
        fprintf(f, "%s%s", i ? ", " : "", trail__dialects[i]->name);
}

/* Parses "sqlite,pg" into a driver set; 0 on an unknown name. */
static unsigned parse_drivers(const char *list)
{
    unsigned set = 0;
    const char *p = list;
    while (*p) {
        size_t n = strcspn(p, ",");
        bool known = false;
        for (size_t i = 0; trail__dialects[i]; i++) {
            const char *name = trail__dialects[i]->name;
            if (n == strlen(name) && strncmp(p, name, n) == 0) {
                set |= GEN_DRIVER_BIT(i);
                known = true;
            }
        }
        if (!known) {
            fprintf(stderr, "trailgen: unknown driver '%.*s' (known: ", (int)n, p);
            print_drivers(stderr);
            fputs(")\n", stderr);
            return 0;
        }
        p += n;
        if (*p == ',')
            p++;
    }
    if (!set) {
        fputs("trailgen: --drivers names no driver (known: ", stderr);
        print_drivers(stderr);
        fputs(")\n", stderr);
    }
    return set;
}

/* The value of option @argv[*i], moving past it; NULL (reported) when missing. */
static const char *option_value(int argc, char **argv, int *i)
{
    if (*i + 1 >= argc) {
        fprintf(stderr, "trailgen: option %s needs a value\n", argv[*i]);
        print_usage(stderr);
        return NULL;
    }
    return argv[++*i];
}

int main(int argc, char **argv)
{
    gen_options o = { 0 };
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            print_usage(stdout);
            return GEN_EXIT_OK;
        } else if (strcmp(a, "--version") == 0) {
            printf("trailgen %s\n", TRAIL_VERSION);
            return GEN_EXIT_OK;
        } else if (strcmp(a, "-o") == 0 || strcmp(a, "--output") == 0) {
            if (!(o.out_dir = option_value(argc, argv, &i)))
                return GEN_EXIT_USAGE;
        } else if (strcmp(a, "--drivers") == 0) {
            const char *list = option_value(argc, argv, &i);
            if (!list || !(o.drivers = parse_drivers(list)))
                return GEN_EXIT_USAGE;
        } else if (strcmp(a, "--templates") == 0) {
            if (!(o.templates_dir = option_value(argc, argv, &i)))
                return GEN_EXIT_USAGE;
        } else if (strcmp(a, "--check") == 0) {
            o.check_only = true;
        } else if (a[0] == '-' && a[1] != '\0') {
            fprintf(stderr, "trailgen: unknown option %s\n", a);
            print_usage(stderr);
            return GEN_EXIT_USAGE;
        } else if (o.schema_path) {
            fprintf(stderr, "trailgen: one schema at a time (%s and %s)\n", o.schema_path, a);
            return GEN_EXIT_USAGE;
        } else {
            o.schema_path = a;
        }
    }
    if (!o.schema_path) {
        fputs("trailgen: no schema given\n", stderr);
        print_usage(stderr);
        return GEN_EXIT_USAGE;
    }

    gen_diag diag;
    gen_diag_init(&diag, stderr);
    int status = gen_run(&o, &diag);
    gen_diag_free(&diag);
    return status;
}
