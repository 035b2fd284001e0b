/*
 * names.c - name rules, reserved words and "did you mean".
 */
#include "names.h"
#include "schema_types.h" /* GEN_NAME_MAX */

#include <stdlib.h>
#include <string.h>

/*
 * Reserved words of the three SQL dialects, lowercase, in strcmp order (a
 * test checks the order, bsearch relies on it). The union of:
 * - SQLite: every keyword of https://sqlite.org/lang_keywords.html (SQLite
 *   accepts many of them as names in some places, but which places changes
 *   from release to release, so all count);
 * - PostgreSQL: the "reserved" and "reserved (can be function or type)"
 *   words of Appendix C, "SQL Key Words" (up to 18);
 * - MySQL: the words marked (R) in "Keywords and Reserved Words" of 8.0 and
 *   8.4 (8.4 adds manual, parallel, qualify, tablesample).
 * Non-reserved keywords (PostgreSQL's `name`, MySQL's `status`) are fine as
 * names and are not listed.
 */
/* clang-format off */
static const char *const sql_words[] = {
    "abort", "accessible", "action", "add", "after", "all", "alter", "always", "analyse",
    "analyze", "and", "any", "array", "as", "asc", "asensitive", "asymmetric", "attach",
    "authorization", "autoincrement", "before", "begin", "between", "bigint", "binary", "blob",
    "both", "by", "call", "cascade", "case", "cast", "change", "char", "character", "check",
    "collate", "collation", "column", "commit", "concurrently", "condition", "conflict",
    "constraint", "continue", "convert", "create", "cross", "cube", "cume_dist", "current",
    "current_catalog", "current_date", "current_role", "current_schema", "current_time",
    "current_timestamp", "current_user", "cursor", "database", "databases", "day_hour",
    "day_microsecond", "day_minute", "day_second", "dec", "decimal", "declare", "default",
    "deferrable", "deferred", "delayed", "delete", "dense_rank", "desc", "describe", "detach",
    "deterministic", "distinct", "distinctrow", "div", "do", "double", "drop", "dual", "each",
    "else", "elseif", "empty", "enclosed", "end", "escape", "escaped", "except", "exclude",
    "exclusive", "exists", "exit", "explain", "fail", "false", "fetch", "filter", "first",
    "first_value", "float", "float4", "float8", "following", "for", "force", "foreign",
    "freeze", "from", "full", "fulltext", "function", "generated", "get", "glob", "grant",
    "group", "grouping", "groups", "having", "high_priority", "hour_microsecond", "hour_minute",
    "hour_second", "if", "ignore", "ilike", "immediate", "in", "index", "indexed", "infile",
    "initially", "inner", "inout", "insensitive", "insert", "instead", "int", "int1", "int2",
    "int3", "int4", "int8", "integer", "intersect", "interval", "into", "io_after_gtids",
    "io_before_gtids", "is", "isnull", "iterate", "join", "json_table", "key", "keys", "kill",
    "lag", "last", "last_value", "lateral", "lead", "leading", "leave", "left", "like", "limit",
    "linear", "lines", "load", "localtime", "localtimestamp", "lock", "long", "longblob",
    "longtext", "loop", "low_priority", "manual", "master_bind",
    "master_ssl_verify_server_cert", "match", "materialized", "maxvalue", "mediumblob",
    "mediumint", "mediumtext", "middleint", "minute_microsecond", "minute_second", "mod",
    "modifies", "natural", "no", "no_write_to_binlog", "not", "nothing", "notnull", "nth_value",
    "ntile", "null", "nulls", "numeric", "of", "offset", "on", "only", "optimize",
    "optimizer_costs", "option", "optionally", "or", "order", "others", "out", "outer",
    "outfile", "over", "overlaps", "parallel", "partition", "percent_rank", "placing", "plan",
    "pragma", "preceding", "precision", "primary", "procedure", "purge", "qualify", "query",
    "raise", "range", "rank", "read", "read_write", "reads", "real", "recursive", "references",
    "regexp", "reindex", "release", "rename", "repeat", "replace", "require", "resignal",
    "restrict", "return", "returning", "revoke", "right", "rlike", "rollback", "row",
    "row_number", "rows", "savepoint", "schema", "schemas", "second_microsecond", "select",
    "sensitive", "separator", "session_user", "set", "show", "signal", "similar", "smallint",
    "some", "spatial", "specific", "sql", "sql_big_result", "sql_calc_found_rows",
    "sql_small_result", "sqlexception", "sqlstate", "sqlwarning", "ssl", "starting", "stored",
    "straight_join", "symmetric", "system", "system_user", "table", "tablesample", "temp",
    "temporary", "terminated", "then", "ties", "tinyblob", "tinyint", "tinytext", "to",
    "trailing", "transaction", "trigger", "true", "unbounded", "undo", "union", "unique",
    "unlock", "unsigned", "update", "usage", "use", "user", "using", "utc_date", "utc_time",
    "utc_timestamp", "vacuum", "values", "varbinary", "varchar", "varcharacter", "variadic",
    "varying", "verbose", "view", "virtual", "when", "where", "while", "window", "with",
    "within", "without", "write", "xor", "year_month", "zerofill",
};
/* clang-format on */

/*
 * C keywords of C11 and C23, and macros that would break a struct member or
 * a function name of that spelling: <stdbool.h>, <stdalign.h>,
 * <stdnoreturn.h>, <complex.h>, <assert.h>, <errno.h>, and the `unix` and
 * `linux` that GCC predefines in its GNU modes. In strcmp order.
 */
/* clang-format off */
static const char *const c_words[] = {
    "NULL", "_Alignas", "_Alignof", "_Atomic", "_BitInt", "_Bool", "_Complex", "_Decimal128",
    "_Decimal32", "_Decimal64", "_Generic", "_Imaginary", "_Noreturn", "_Static_assert",
    "_Thread_local", "alignas", "alignof", "asm", "assert", "auto", "bool", "break", "case", "char",
    "complex", "const", "constexpr", "continue", "default", "do", "double", "else", "enum", "errno",
    "extern", "false", "float", "for", "goto", "if", "imaginary", "inline", "int", "linux", "long",
    "noreturn", "nullptr", "register", "restrict", "return", "short", "signed", "sizeof", "static",
    "static_assert", "struct", "switch", "thread_local", "true", "typedef", "typeof",
    "typeof_unqual", "union", "unix", "unsigned", "void", "volatile", "while",
};
/* clang-format on */

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

const char *gen_name_problem(const char *name, size_t len)
{
    if (len == 0)
        return "is empty";
    if (len > GEN_NAME_MAX)
        return "is longer than 63 characters";
    if (name[0] < 'a' || name[0] > 'z')
        return "must start with a lowercase letter a-z";
    for (size_t i = 1; i < len; i++) {
        char c = name[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'))
            return "may hold only lowercase letters a-z, digits 0-9 and _";
        if (c == '_' && name[i - 1] == '_')
            return "must not hold two underscores in a row";
    }
    if (name[len - 1] == '_')
        return "must not end with _";
    return NULL;
}

static int cmp_word(const void *key, const void *elem)
{
    return strcmp((const char *)key, *(const char *const *)elem);
}

bool gen_name_sql_reserved(const char *name)
{
    return bsearch(name, sql_words, COUNT(sql_words), sizeof sql_words[0], cmp_word) != NULL;
}

bool gen_name_c_keyword(const char *name)
{
    return bsearch(name, c_words, COUNT(c_words), sizeof c_words[0], cmp_word) != NULL;
}

bool gen_name_trail(const char *name)
{
    return strncmp(name, "trail", 5) == 0 && (name[5] == '\0' || name[5] == '_');
}

const char *const *gen_name_sql_words(size_t *n)
{
    *n = COUNT(sql_words);
    return sql_words;
}

const char *const *gen_name_c_words(size_t *n)
{
    *n = COUNT(c_words);
    return c_words;
}

/* Longer words are not names anyone misspelt; the cap keeps the rows on the stack. */
#define DIST_MAX_LEN 128

size_t gen_edit_distance(const char *a, const char *b, size_t limit)
{
    size_t la = strlen(a), lb = strlen(b);
    size_t gap = la > lb ? la - lb : lb - la;
    if (gap > limit || la > DIST_MAX_LEN || lb > DIST_MAX_LEN)
        return limit + 1;

    /* Three rows of the optimal string alignment table: i - 2, i - 1 and i. */
    size_t rows[3][DIST_MAX_LEN + 1];
    size_t *two = rows[0], *prev = rows[1], *cur = rows[2];
    for (size_t j = 0; j <= lb; j++)
        prev[j] = j;
    for (size_t i = 1; i <= la; i++) {
        cur[0] = i;
        size_t row_min = cur[0];
        for (size_t j = 1; j <= lb; j++) {
            size_t cost = a[i - 1] != b[j - 1];
            size_t d = prev[j - 1] + cost;
            if (prev[j] + 1 < d)
                d = prev[j] + 1;
            if (cur[j - 1] + 1 < d)
                d = cur[j - 1] + 1;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
                two[j - 2] + 1 < d)
                d = two[j - 2] + 1;
            cur[j] = d;
            if (d < row_min)
                row_min = d;
        }
        if (row_min > limit)
            return limit + 1; /* every path through this row already costs too much */
        size_t *t = two;
        two = prev;
        prev = cur;
        cur = t;
    }
    return prev[lb];
}

const char *gen_suggest(const char *word, const char *const *candidates, size_t n)
{
    size_t len = strlen(word);
    size_t limit = len > 6 ? len / 3 : 2;
    if (limit >= len)
        limit = len > 0 ? len - 1 : 0;
    if (limit == 0)
        return NULL;

    const char *best = NULL;
    size_t best_d = limit + 1;
    for (size_t i = 0; i < n && best_d > 0; i++) {
        size_t d = gen_edit_distance(word, candidates[i], best_d - 1);
        if (d < best_d) {
            best = candidates[i];
            best_d = d;
        }
    }
    return best;
}

/* A string and where it stood, sorted by the string and then by position. */
typedef struct ranked {
    const char *s;
    size_t at;
} ranked;

static int cmp_ranked(const void *pa, const void *pb)
{
    const ranked *a = pa, *b = pb;
    int c = strcmp(a->s, b->s);
    if (c != 0)
        return c;
    return (a->at > b->at) - (a->at < b->at);
}

bool gen_names_first(size_t *first, const char *const *names, size_t n)
{
    if (n == 0)
        return true;
    ranked *r = malloc(n * sizeof *r);
    if (!r)
        return false;
    for (size_t i = 0; i < n; i++)
        r[i] = (ranked){ names[i], i };
    qsort(r, n, sizeof *r, cmp_ranked);
    /* In each run of equal strings the first in the file sorts first. */
    for (size_t i = 0; i < n; i++)
        first[r[i].at] = i > 0 && strcmp(r[i].s, r[i - 1].s) == 0 ? first[r[i - 1].at] : r[i].at;
    free(r);
    return true;
}
