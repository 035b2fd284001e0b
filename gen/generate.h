/*
 * generate.h - one trailgen run: load, validate, render, write.
 */
#ifndef TRAILGEN_GENERATE_H
#define TRAILGEN_GENERATE_H

#include "diag.h"

#include <stdbool.h>

/* Exit statuses of trailgen. */
enum {
    GEN_EXIT_OK = 0,     /* written (or, with check_only, valid) */
    GEN_EXIT_SCHEMA = 1, /* the schema is wrong, or the output could not be written */
    GEN_EXIT_USAGE = 2   /* a bad command line */
};

typedef struct gen_options {
    const char *schema_path;   /* the schema file */
    const char *out_dir;       /* where the files go; "" or NULL: the current directory */
    unsigned drivers;          /* GEN_DRIVER_BIT set; 0 means all */
    const char *templates_dir; /* templates that override the built-in ones, or NULL */
    bool check_only;           /* validate, write nothing */
} gen_options;

/*
 * gen_run - generate the files of @o->schema_path. Every problem goes to
 * @diag. Returns GEN_EXIT_OK or GEN_EXIT_SCHEMA; on failure nothing has
 * been written.
 */
int gen_run(const gen_options *o, gen_diag *diag);

#endif /* TRAILGEN_GENERATE_H */
