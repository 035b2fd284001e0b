/*
 * canon.c - JSON in the canonical form of event hashes.
 */
#include "canon.h"
#include "err.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

static int by_key(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int write_value(trail_json *w, json_t *v);

static int write_object(trail_json *w, json_t *v)
{
    size_t n = json_object_size(v), i = 0;
    const char **keys = malloc((n ? n : 1) * sizeof *keys);
    if (!keys)
        return TRAIL_ENOMEM;
    const char *key;
    json_t *member;
    json_object_foreach(v, key, member) keys[i++] = key;
    qsort(keys, n, sizeof *keys, by_key);
    int rc = TRAIL_OK;
    trail_json_begin_object(w);
    for (i = 0; rc == TRAIL_OK && i < n; i++) {
        trail_json_key(w, keys[i]);
        rc = write_value(w, json_object_get(v, keys[i]));
    }
    trail_json_end_object(w);
    free(keys);
    return rc;
}

static int write_value(trail_json *w, json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT:
        return write_object(w, v);
    case JSON_ARRAY: {
        size_t i;
        json_t *item;
        int rc = TRAIL_OK;
        trail_json_begin_array(w);
        json_array_foreach(v, i, item) if (rc == TRAIL_OK) rc = write_value(w, item);
        trail_json_end_array(w);
        return rc;
    }
    case JSON_STRING:
        trail_json_string(w, json_string_value(v), json_string_length(v));
        return TRAIL_OK;
    case JSON_INTEGER:
        trail_json_int64(w, json_integer_value(v));
        return TRAIL_OK;
    case JSON_REAL:
        trail_json_double(w, json_real_value(v));
        return TRAIL_OK;
    case JSON_TRUE:
    case JSON_FALSE:
        trail_json_bool(w, json_is_true(v));
        return TRAIL_OK;
    default:
        trail_json_null(w);
        return TRAIL_OK;
    }
}

int trail_canon_json(trail_json *w, const char *json, size_t len)
{
    json_t *v = json_loadb(json, len, JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
    if (!v)
        return TRAIL_EINVALID;
    int rc = write_value(w, v);
    json_decref(v);
    return rc;
}
