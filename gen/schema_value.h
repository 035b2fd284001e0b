/*
 * schema_value.h - the inside of the schema loader: the state its files
 * share, how they report problems, and reading typed values out of YAML
 * nodes (schema_value.c). Not for use outside the loader.
 *
 * The loader is in layers, each using only those below it:
 *   schema.c         the file, the top level, the checks across entities
 *   schema_entity.c  one entity and its indexes
 *   schema_field.c   one field
 *   schema_value.c   this header: problems and values
 *
 * Loading walks the YAML tree once, filling the gen_schema as it goes and
 * reporting every problem at the most precise node it has, by its line,
 * column and key path. A rule that fails leaves its part of the model at
 * its default and loading carries on, so that one run shows every problem.
 * Problems are held back and passed to the diag at the end sorted by
 * position, those of the YAML itself included, so that they read top to
 * bottom whatever order the checks ran in; then the schema is thrown away
 * if there were any.
 */
#ifndef TRAILGEN_SCHEMA_VALUE_H
#define TRAILGEN_SCHEMA_VALUE_H

#include "diag.h"
#include "schema_types.h"
#include "yaml_tree.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * After this many problems in one file the loader stops (with a last
 * message saying so): a megabyte of junk should not print a million lines.
 */
#define GEN_SCHEMA_MAX_ERRORS 200

/** An entity name and where its entity sits in gen_schema.entities. */
typedef struct gen_entity_slot {
    const char *name; /* borrowed from the tree */
    size_t index;
} gen_entity_slot;

/** A problem found, held back so that all come out in file order. */
typedef struct gen_sload_msg {
    gen_pos pos;
    size_t seq; /* order of finding, for problems at one spot */
    char *text;
} gen_sload_msg;

typedef struct gen_sload {
    const char *path;
    gen_diag *diag;
    int base;      /* diag->errors when loading began */
    bool gave_up;  /* GEN_SCHEMA_MAX_ERRORS reached: report nothing more */
    bool nomem;    /* memory ran out (reported once) */
    gen_schema *s; /* being filled */

    gen_sload_msg *msgs; /* problems not yet passed to diag */
    size_t n_msgs, cap_msgs;

    /* Every entity's name, for `to:`: sorted by name, and in file order for hints. */
    gen_entity_slot *by_name;
    const char **names;
    size_t n_names;
} gen_sload;

/*
 * gen_sload_error - report a problem about the node @at, at its position and
 * naming its key path (gen_yaml_path()): "entities.customer.fields.credit.max:
 * expected an integer, found 'many'". A message about the root has no path.
 * Kept until gen_sload_flush(). Does nothing once GEN_SCHEMA_MAX_ERRORS
 * problems were reported in this file.
 */
#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
void gen_sload_error(gen_sload *ld, const gen_yaml_node *at, const char *fmt, ...);

/*
 * gen_sload_error_pos - the same at @pos with the path of @at, or no path when
 * @at is NULL: for problems of the file that no node stands for (it is empty,
 * the YAML could not be parsed there).
 */
#if defined(__GNUC__)
__attribute__((format(printf, 4, 5)))
#endif
void gen_sload_error_pos(gen_sload *ld, const gen_yaml_node *at, gen_pos pos, const char *fmt,
                         ...);

/*
 * gen_sload_flush - pass the problems kept by gen_sload_error() to the diag,
 * sorted by position (the order of the file, not of the checks), and free them.
 */
void gen_sload_flush(gen_sload *ld);

/* gen_sload_nomem - note that memory ran out (reported once). Returns false, for `return`. */
bool gen_sload_nomem(gen_sload *ld);

/* gen_sload_strdup - a copy of @s, or NULL with gen_sload_nomem(). The caller owns it. */
char *gen_sload_strdup(gen_sload *ld, const char *s);

/*
 * gen_sload_expect - whether @n is of @kind; otherwise reports "expected a
 * mapping, found a sequence" (nothing for a GEN_YAML_INVALID node, which was
 * reported when the tree was built).
 */
bool gen_sload_expect(gen_sload *ld, const gen_yaml_node *n, gen_yaml_kind kind);

/*
 * gen_sload_keys - report every key of the mapping @map that is not one of
 * the @n @allowed, as "unknown <what> 'x'; did you mean 'y'?" (@what: "key",
 * "option").
 */
void gen_sload_keys(gen_sload *ld, const gen_yaml_node *map, const char *what,
                    const char *const *allowed, size_t n);

/*
 * gen_sload_choice - the index among the @n @choices of the scalar @n_node;
 * otherwise reports "unknown <what> 'x'; did you mean 'y'?" or "unknown
 * <what> 'x' (expected a, b or c)" and returns -1.
 */
int gen_sload_choice(gen_sload *ld, const gen_yaml_node *node, const char *what,
                     const char *const *choices, size_t n);

/* gen_sload_bool - a YAML 1.2 boolean (true/True/TRUE, false/False/FALSE). */
bool gen_sload_bool(gen_sload *ld, const gen_yaml_node *n, bool *out);

/*
 * gen_sload_int - a YAML 1.2 integer: decimal with an optional sign, 0x hex
 * or 0o octal. Too large for int64: "integer out of range".
 */
bool gen_sload_int(gen_sload *ld, const gen_yaml_node *n, int64_t *out);

/* gen_sload_double - a finite YAML 1.2 number (integers too), read whatever the locale. */
bool gen_sload_double(gen_sload *ld, const gen_yaml_node *n, double *out);

/*
 * gen_sload_name - check that the scalar @n is a valid name; @what says
 * which ("field name"). Returns its text (borrowed from the tree), or NULL
 * when it is not a scalar or not valid (reported).
 */
const char *gen_sload_name(gen_sload *ld, const gen_yaml_node *n, const char *what);

/* gen_sload_entity_index - the index of the entity named @name in the schema, or -1. */
long gen_sload_entity_index(const gen_sload *ld, const char *name);

#endif /* TRAILGEN_SCHEMA_VALUE_H */
