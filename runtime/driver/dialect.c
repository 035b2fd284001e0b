/*
 * dialect.c - the list of dialects, and what every user of one reads alike.
 */
#include "driver/dialect.h"
#include "trail/error.h"

const trail_dialect *const trail__dialects[] = {
#define ITEM(name) &trail__dialect_##name,
    TRAIL_DRIVERS(ITEM)
#undef ITEM
        NULL,
};

const char *trail__dialect_key_type(const trail_dialect *d, trail_key_kind key)
{
    return key == TRAIL_KEY_INT64 ? d->key_int64_type : d->key_ulid_type;
}

const char *trail__dialect_param_type(const trail_dialect *d, trail_type t, trail_key_kind ref_key)
{
    if (t == TRAIL_TYPE_REF)
        return ref_key == TRAIL_KEY_INT64 ? d->param_key_int64_type : d->param_key_ulid_type;
    return (unsigned)t <= TRAIL_TYPE_REF ? d->param_types[t] : NULL;
}

int trail__dialect_quote(trail_buf *out, const trail_dialect *d, const char *name)
{
    return trail__buf_appendf(out, "%c%s%c", d->quote, name, d->quote);
}

int trail__dialect_param(trail_buf *out, const trail_dialect *d, int n)
{
    return d->numbered_params ? trail__buf_appendf(out, "$%d", n) : trail__buf_append(out, "?", 1);
}

/* Appends @text with '@' as @col and '#' as @max. */
static int event_text(trail_buf *out, const char *text, const char *col, int max)
{
    int rc;
    for (const char *p = text; *p; p++) {
        if (*p == '@')
            rc = trail__buf_append_str(out, col);
        else if (*p == '#')
            rc = trail__buf_appendf(out, "%d", max);
        else
            rc = trail__buf_append(out, p, 1);
        if (rc < 0)
            return rc;
    }
    return TRAIL_OK;
}

/* @kind's type in @d, NULL when it has none; the check @nullable takes into *@check. */
static const trail_event_type *event_type(const trail_dialect *d, trail_event_kind kind,
                                          bool nullable, const char **check, int *max)
{
    if ((unsigned)kind >= TRAIL_EVENT_KINDS || !d->event_types[kind].type)
        return NULL;
    const trail_event_type *t = &d->event_types[kind];
    *check = nullable && t->check_nullable ? t->check_nullable : t->check;
    if (kind == TRAIL_EVENT_KIND_OP)
        *max = TRAIL_EVENT_OP_MAX;
    return t;
}

int trail__dialect_event_check(trail_buf *out, const trail_dialect *d, trail_event_kind kind,
                               const char *name, bool nullable, int max)
{
    const char *check;
    if (!event_type(d, kind, nullable, &check, &max))
        return TRAIL_EARG;
    if (!check)
        return TRAIL_OK;
    trail_buf col = TRAIL_BUF_INIT;
    int rc;
    if ((rc = trail__dialect_quote(&col, d, name)) == TRAIL_OK)
        rc = event_text(out, check, col.data, max);
    trail__buf_free(&col);
    return rc;
}

int trail__dialect_event_column(trail_buf *out, const trail_dialect *d, trail_event_kind kind,
                                const char *name, bool nullable, int max)
{
    const char *check;
    const trail_event_type *t = event_type(d, kind, nullable, &check, &max);
    if (!t)
        return TRAIL_EARG;
    trail_buf col = TRAIL_BUF_INIT;
    int rc;
    if ((rc = trail__dialect_quote(&col, d, name)) < 0 ||
        (rc = event_text(out, t->type, col.data, max)) < 0 ||
        (!nullable &&
         (rc = trail__buf_append_str(out, t->not_null ? t->not_null : " NOT NULL")) < 0))
        goto out;
    if (check && ((rc = trail__buf_append_str(out, " CHECK (")) < 0 ||
                  (rc = trail__dialect_event_check(out, d, kind, name, nullable, max)) < 0 ||
                  (rc = trail__buf_append_str(out, ")")) < 0))
        goto out;
    rc = TRAIL_OK;
out:
    trail__buf_free(&col);
    return rc;
}
