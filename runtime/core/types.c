/*
 * types.c - the names of the value types, which are the schema language's
 * words and what trail_meta's model stores.
 */
#include "trail/types.h"

#include <stddef.h>
#include <string.h>

/* Names of trail_type, indexed by its value: the schema language's words too. */
static const char *const type_names[] = {
    [TRAIL_TYPE_BOOL] = "bool",   [TRAIL_TYPE_INT32] = "int32",
    [TRAIL_TYPE_INT64] = "int64", [TRAIL_TYPE_DOUBLE] = "double",
    [TRAIL_TYPE_TEXT] = "text",   [TRAIL_TYPE_BLOB] = "blob",
    [TRAIL_TYPE_DATE] = "date",   [TRAIL_TYPE_TIMESTAMP] = "timestamp",
    [TRAIL_TYPE_JSON] = "json",   [TRAIL_TYPE_ENUM] = "enum",
    [TRAIL_TYPE_REF] = "ref",
};
#define N_TYPES (sizeof type_names / sizeof type_names[0])

const char *trail_type_name(trail_type t)
{
    return (size_t)t < N_TYPES ? type_names[t] : NULL;
}

bool trail_type_from_name(trail_type *out, const char *name)
{
    for (size_t t = 1; name && t < N_TYPES; t++)
        if (type_names[t] && strcmp(type_names[t], name) == 0) {
            *out = (trail_type)t;
            return true;
        }
    return false;
}
