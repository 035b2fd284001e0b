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
