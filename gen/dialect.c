/*
 * dialect.c - a field's SQL pieces, from its driver's dialect.
 *
 * Every engine difference is a member of trail_dialect; what is left here
 * is what a field needs whatever the engine: its bounds as CHECKs, its
 * default as a literal, its enum values as a list.
 */
#include "dialect.h"
#include "core/isotime.h"
#include "trail/error.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

int gen_dialect_type(trail_buf *out, const trail_dialect *d, const gen_field *f)
{
    switch (f->type) {
    case TRAIL_TYPE_REF:
        return trail__buf_append_str(out, trail__dialect_key_type(d, f->ref->key));
    case TRAIL_TYPE_TEXT:
        if (f->has_max && d->text_max_type)
            return trail__buf_appendf(out, d->text_max_type, f->max);
        break;
    case TRAIL_TYPE_ENUM:
        if (d->enum_type) {
            size_t longest = 0;
            for (size_t i = 0; i < f->n_values; i++)
                if (strlen(f->values[i]) > longest)
                    longest = strlen(f->values[i]);
            return trail__buf_appendf(out, d->enum_type, longest);
        }
        break;
    default:
        break;
    }
    return trail__buf_append_str(out, d->column_types[f->type]);
}

/* A text literal: quotes doubled, and backslashes where the dialect reads them as escapes. */
static int append_literal(trail_buf *out, const trail_dialect *d, const char *s)
{
    int rc;
    if ((rc = trail__buf_append(out, "'", 1)) < 0)
        return rc;
    for (; *s; s++) {
        if (*s == '\'')
            rc = trail__buf_append(out, "''", 2);
        else if (*s == '\\' && d->literal_backslash)
            rc = trail__buf_append(out, "\\\\", 2);
        else
            rc = trail__buf_append(out, s, 1);
        if (rc < 0)
            return rc;
    }
    return trail__buf_append(out, "'", 1);
}

int gen_dialect_default(trail_buf *out, const trail_dialect *d, const gen_field *f)
{
    char text[TRAIL_ISOTIME_MS_MAX];
    int rc;
    switch (f->type) {
    case TRAIL_TYPE_BOOL:
        return trail__buf_append_str(out, d->bool_literals[f->def_i ? 1 : 0]);
    case TRAIL_TYPE_INT32:
    case TRAIL_TYPE_INT64:
        return trail__buf_appendf(out, "%" PRId64, f->def_i);
    case TRAIL_TYPE_DOUBLE:
        return trail__buf_appendf(out, "%.17g", f->def_d);
    case TRAIL_TYPE_DATE:
        if (d->time_as_numbers)
            return trail__buf_appendf(out, "%" PRId64, f->def_i);
        trail__isotime_format_date(text, (int32_t)f->def_i);
        return append_literal(out, d, text);
    case TRAIL_TYPE_TIMESTAMP:
        if (d->time_as_numbers)
            return trail__buf_appendf(out, "%" PRId64, f->def_i);
        trail__isotime_format_ms(text, f->def_i);
        if (d->datetime_literals) { /* neither the T nor the zone */
            text[10] = ' ';
            text[strlen(text) - 1] = '\0';
        }
        return append_literal(out, d, text);
    case TRAIL_TYPE_ENUM:
        return append_literal(out, d, f->values[f->def_i]);
    case TRAIL_TYPE_JSON:
    case TRAIL_TYPE_TEXT:
        if (d->long_text_default_expr && (f->type == TRAIL_TYPE_JSON || !f->has_max)) {
            if ((rc = trail__buf_append(out, "(", 1)) < 0 ||
                (rc = append_literal(out, d, f->def_s)) < 0)
                return rc;
            return trail__buf_append(out, ")", 1);
        }
        return append_literal(out, d, f->def_s);
    default:
        return TRAIL_EARG;
    }
}

#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
static int
checkf(json_t *checks, const char *fmt, ...)
{
    trail_buf expr = TRAIL_BUF_INIT;
    va_list ap;
    va_start(ap, fmt);
    int rc = trail__buf_vappendf(&expr, fmt, ap);
    va_end(ap);
    if (rc < 0)
        goto out;
    json_t *item = json_pack("{s:s}", "check", expr.data);
    if (!item || json_array_append_new(checks, item) < 0)
        rc = TRAIL_ENOMEM;
out:
    trail__buf_free(&expr);
    return rc;
}

/* The bounds of an int32/int64/double field as one expression. */
static int check_range(json_t *checks, const gen_field *f, const char *col)
{
    if (f->type == TRAIL_TYPE_DOUBLE) {
        if (f->has_min && f->has_max)
            return checkf(checks, "%s BETWEEN %.17g AND %.17g", col, f->min_d, f->max_d);
        if (f->has_min)
            return checkf(checks, "%s >= %.17g", col, f->min_d);
        return f->has_max ? checkf(checks, "%s <= %.17g", col, f->max_d) : TRAIL_OK;
    }
    if (f->has_min && f->has_max)
        return checkf(checks, "%s BETWEEN %" PRId64 " AND %" PRId64, col, f->min, f->max);
    if (f->has_min)
        return checkf(checks, "%s >= %" PRId64, col, f->min);
    return f->has_max ? checkf(checks, "%s <= %" PRId64, col, f->max) : TRAIL_OK;
}

/*
 * The CHECK that the column @col holds one of the enum's values, as
 * comparisons joined by OR: SQLite runs an IN list by building a
 * temporary B-tree of it for every row it checks, which made up a sixth
 * of an import's instructions (docs/benchmarks.md).
 */
static int check_enum(json_t *checks, const trail_dialect *d, const gen_field *f, const char *col)
{
    trail_buf values = TRAIL_BUF_INIT;
    int rc = TRAIL_OK;
    for (size_t i = 0; i < f->n_values; i++)
        if ((i > 0 && (rc = trail__buf_append(&values, " OR ", 4)) < 0) ||
            (rc = trail__buf_appendf(&values, "%s = ", col)) < 0 ||
            (rc = append_literal(&values, d, f->values[i])) < 0)
            goto out;
    rc = checkf(checks, "%s", values.data);
out:
    trail__buf_free(&values);
    return rc;
}

int gen_dialect_checks(json_t *checks, const trail_dialect *d, const gen_field *f)
{
    trail_buf col = TRAIL_BUF_INIT;
    int rc = trail__dialect_quote(&col, d, f->name);
    if (rc < 0)
        goto out;

    switch (f->type) {
    case TRAIL_TYPE_BOOL: /* the column type may be wider than C's: narrowed here */
        if (d->check_narrow)
            rc = checkf(checks, "%s BETWEEN 0 AND 1", col.data); /* not IN: see check_enum() */
        break;
    case TRAIL_TYPE_DATE:
        if (d->check_narrow)
            rc = checkf(checks, "%s BETWEEN -2147483648 AND 2147483647", col.data);
        break;
    case TRAIL_TYPE_INT32:
        if (d->check_narrow && !(f->has_min && f->has_max) &&
            (rc = checkf(checks, "%s BETWEEN -2147483648 AND 2147483647", col.data)) < 0)
            break;
        rc = check_range(checks, f, col.data);
        break;
    case TRAIL_TYPE_INT64:
    case TRAIL_TYPE_DOUBLE:
        rc = check_range(checks, f, col.data);
        break;
    case TRAIL_TYPE_JSON:
        if (d->check_json)
            rc = checkf(checks, d->check_json, col.data, col.data);
        break;
    case TRAIL_TYPE_TEXT:
        if (f->has_max && d->check_text_max)
            rc = checkf(checks, d->check_text_max, col.data, f->max);
        break;
    case TRAIL_TYPE_BLOB:
        if (f->has_max)
            rc = checkf(checks, d->check_blob_max, col.data, f->max);
        break;
    case TRAIL_TYPE_ENUM:
        rc = check_enum(checks, d, f, col.data);
        break;
    default:
        break;
    }
out:
    trail__buf_free(&col);
    return rc;
}
