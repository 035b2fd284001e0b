/*
 * names.h - what a name in a schema may be, and "did you mean" hints.
 *
 * Schema, entity, table, field and enum value names become C identifiers
 * and SQL identifiers or text, so they keep to one safe shape: lowercase
 * snake_case, `[a-z][a-z0-9_]*`, no trailing underscore and no "__" (both
 * would make generated names such as SHOP_CUSTOMER__X ambiguous), at most
 * GEN_NAME_MAX characters. On top of that come word lists: the reserved
 * words of SQLite, PostgreSQL and MySQL, and the keywords (and a few
 * keyword-like macros) of C.
 *
 * Everything here is read-only and safe to call from any thread.
 */
#ifndef TRAILGEN_NAMES_H
#define TRAILGEN_NAMES_H

#include <stdbool.h>
#include <stddef.h>

/*
 * gen_name_problem - NULL when @name (@len bytes, may hold anything) has the
 * shape of a name; otherwise a static phrase saying what is wrong, written to
 * follow "it " ("must start with a lowercase letter").
 */
const char *gen_name_problem(const char *name, size_t len);

/* gen_name_sql_reserved - whether @name is a reserved word of SQLite, PostgreSQL or MySQL. */
bool gen_name_sql_reserved(const char *name);

/* gen_name_c_keyword - whether @name is a C keyword (C11 and C23) or a keyword-like macro. */
bool gen_name_c_keyword(const char *name);

/* gen_name_trail - whether @name is `trail` or starts with `trail_` (the runtime's own). */
bool gen_name_trail(const char *name);

/*
 * gen_name_sql_words / gen_name_c_words - the sorted word lists behind the
 * checks above (lowercase, strcmp order), for tests. Static; never NULL.
 */
const char *const *gen_name_sql_words(size_t *n);
const char *const *gen_name_c_words(size_t *n);

/*
 * gen_edit_distance - the optimal string alignment distance between @a and
 * @b (insertions, deletions, substitutions and swaps of neighbours each count
 * 1), or a number above @limit as soon as it is certain to exceed @limit.
 */
size_t gen_edit_distance(const char *a, const char *b, size_t limit);

/*
 * gen_suggest - the candidate closest to @word, when it is close enough to be
 * a likely misspelling: within distance 2, or len/3 for words longer than 6,
 * and less than @word's length (so that "x" is not "corrected" into "id").
 * Ties go to the earlier candidate. Returns one of @candidates (borrowed), or
 * NULL.
 */
const char *gen_suggest(const char *word, const char *const *candidates, size_t n);

/*
 * gen_names_first - find repeats among @n strings: sets first[i] to the index
 * of the first string equal to names[i] (i itself when there is none before).
 * O(n log n), so that a huge file cannot make it quadratic. Returns false
 * when memory runs out (@first is then untouched).
 */
bool gen_names_first(size_t *first, const char *const *names, size_t n);

#endif /* TRAILGEN_NAMES_H */
