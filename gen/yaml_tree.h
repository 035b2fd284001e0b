/*
 * yaml_tree.h - a YAML document as a small tree of positioned nodes.
 *
 * libyaml's event API feeds a tree of scalars, sequences and mappings, each
 * with the 1-based line and column where it starts, so that every later
 * complaint about the schema can point at the exact spot. The tree is built
 * without recursion and refuses to nest deeper than GEN_YAML_MAX_DEPTH, so no
 * input can exhaust the stack, here or in the code that walks the tree.
 *
 * What the tree does not carry, it reports as it loads (through a callback):
 * libyaml's parse errors, aliases, tags other than !!str / !!seq / !!map, NUL
 * characters in scalars, more than one document, mapping keys that are not
 * scalars, and duplicate keys in any mapping. A node it could not keep is
 * left in the tree as GEN_YAML_INVALID, so that the walker can skip it
 * without a second complaint about the same spot.
 */
#ifndef TRAILGEN_YAML_TREE_H
#define TRAILGEN_YAML_TREE_H

#include "diag.h"

#include <stdbool.h>
#include <stddef.h>

/** How deeply collections may nest; the document's root is at depth 1. */
#define GEN_YAML_MAX_DEPTH 64

typedef enum gen_yaml_kind {
    GEN_YAML_SCALAR = 1,
    GEN_YAML_SEQUENCE,
    GEN_YAML_MAPPING,
    GEN_YAML_INVALID /* already reported; skip it silently */
} gen_yaml_kind;

typedef struct gen_yaml_node gen_yaml_node;

typedef struct gen_yaml_pair {
    gen_yaml_node *key; /* a scalar */
    gen_yaml_node *value;
} gen_yaml_pair;

struct gen_yaml_node {
    gen_yaml_kind kind;
    gen_pos pos;

    /* Where the node sits, for gen_yaml_path(): NULL parent for the root. */
    const gen_yaml_node *parent; /* the mapping or sequence holding it */
    const gen_yaml_node *key;    /* in a mapping: the key of its pair (a key: itself) */
    size_t index;                /* in a sequence: its place, from 0 */

    /* GEN_YAML_SCALAR */
    char *text;  /* NUL-terminated, holds no other NUL */
    size_t len;  /* bytes */
    bool quoted; /* written quoted, as a block scalar or tagged !!str: a string, never null */

    /* GEN_YAML_SEQUENCE */
    gen_yaml_node **items;
    size_t n_items;

    /* GEN_YAML_MAPPING: in file order, duplicates and non-scalar keys left out */
    gen_yaml_pair *pairs;
    size_t n_pairs;

    size_t cap; /* room in items or pairs */
};

/*
 * gen_yaml_report - receives each problem found while loading, at @pos, in
 * words a person can act on (@msg is only valid during the call). @at is the
 * node the problem is about, already in the tree (for its gen_yaml_path()),
 * or NULL when there is none: the YAML could not be parsed there, or the
 * problem is the document itself. Returns false to stop loading there.
 */
typedef bool (*gen_yaml_report)(void *ctx, const gen_yaml_node *at, gen_pos pos, const char *msg);

/*
 * gen_yaml_load - parse the @len bytes of YAML at @text, passing each problem
 * to @report with @ctx.
 *
 * Returns TRAIL_OK with the document's root in *@out (NULL for a stream with
 * no document: an empty file, only comments), also when problems were
 * reported: the tree then holds what could be kept. Returns TRAIL_EINVALID
 * when the YAML could not be parsed to its end or @report said stop (*@out is
 * then NULL), TRAIL_ENOMEM when memory ran out (not reported). The caller
 * owns the tree and frees it with gen_yaml_free().
 */
int gen_yaml_load(gen_yaml_node **out, const char *text, size_t len, gen_yaml_report report,
                  void *ctx);

/* gen_yaml_free - free a node and everything below it. NULL is allowed. */
void gen_yaml_free(gen_yaml_node *node);

/* gen_yaml_get - the value of key @key in the mapping @map (borrowed), or NULL. */
const gen_yaml_node *gen_yaml_get(const gen_yaml_node *map, const char *key);

/*
 * gen_yaml_is_null - whether @n is YAML 1.2's null: a plain scalar that is
 * empty, `~`, `null`, `Null` or `NULL`.
 */
bool gen_yaml_is_null(const gen_yaml_node *n);

/*
 * gen_yaml_describe - what @n is, to follow "found": "a mapping", "a
 * sequence", "a scalar", "nothing" (an empty value) or "null". Static.
 */
const char *gen_yaml_describe(const gen_yaml_node *n);

/** Room for gen_yaml_excerpt(), NUL included. */
#define GEN_YAML_EXCERPT 48

/*
 * gen_yaml_excerpt - @s (@len bytes) made fit to quote in a message: control
 * characters shown as '?', cut on a character boundary and ended with "..."
 * when longer than the buffer. Returns @buf.
 */
const char *gen_yaml_excerpt(char buf[GEN_YAML_EXCERPT], const char *s, size_t len);

/** Room for gen_yaml_path(), NUL included. */
#define GEN_YAML_PATH 256

/*
 * gen_yaml_path - the keys leading from the root to @n: "entities.customer.
 * fields.credit.max". A key and its value have the same path (the key's);
 * a place in a sequence is "[i]", counted from 0, with no dot before it
 * ("entities.customer.indexes[0][1]"). A key made of anything but letters,
 * digits, '_' and '-' is quoted as in gen_yaml_excerpt(): "fields.'a b'". A
 * key that is not a scalar adds nothing: the path is its mapping's. The root
 * has the empty path. A path longer than the buffer is cut after a whole
 * step and ends in "...". Returns @buf.
 */
const char *gen_yaml_path(char buf[GEN_YAML_PATH], const gen_yaml_node *n);

#endif /* TRAILGEN_YAML_TREE_H */
