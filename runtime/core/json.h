/*
 * json.h - a small streaming JSON writer for change-event values: internal
 * to libtrail. (Reading is jansson's job, and json_exact.h's for the numbers
 * of json fields.)
 *
 * Calls append to a trail_buf as they go. The first failure sticks: later
 * calls do nothing, and trail__json_finish() reports it and takes back all
 * that this writer appended, so a half-written document never escapes.
 *
 * Value forms (SPEC §4): text as JSON strings (RFC 8259 escaping, the
 * short escapes for \b \f \n \r \t \" \\, \u00xx with lowercase hex for the
 * other control characters, nothing else escaped; invalid UTF-8 is refused
 * with TRAIL_EINVALID, never emitted), blobs as base64 strings, dates and
 * timestamps as ISO 8601 UTC strings, doubles in their shortest round-trip
 * form (always with a '.' or an exponent, so readers keep them apart from
 * integers; NaN and infinities are TRAIL_EINVALID). Which form a value of
 * each type takes in an event is audit/json_form.h's.
 */
#ifndef TRAIL_JSON_H
#define TRAIL_JSON_H

#include "core/buf.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* How deeply containers may nest. */
#define TRAIL_JSON_MAX_DEPTH 64

typedef struct trail_json {
    trail_buf *out;      /* borrowed */
    size_t start;        /* out->len when the writer began */
    int err;             /* first failure, TRAIL_OK while none */
    unsigned depth;      /* containers open */
    uint64_t in_object;  /* bit d: the container at depth d + 1 is an object */
    uint64_t has_member; /* bit d: it already holds a member */
    bool want_value;     /* a key was written; its value comes next */
    bool done;           /* a whole top-level value was written */
} trail_json;

/* trail__json_init - start writing one JSON value at the end of @out (borrowed). */
void trail__json_init(trail_json *w, trail_buf *out);

void trail__json_begin_object(trail_json *w);
void trail__json_end_object(trail_json *w);
void trail__json_begin_array(trail_json *w);
void trail__json_end_array(trail_json *w);

/* trail__json_key - the key of the next object member; NUL-terminated UTF-8. */
void trail__json_key(trail_json *w, const char *key);

/* trail__json_string - a string of @len bytes of UTF-8 (NUL bytes are escaped). */
void trail__json_string(trail_json *w, const char *s, size_t len);

/*
 * trail__json_string_len - the bytes trail__json_string() writes for @s
 * (@len bytes of valid UTF-8), quotes and escapes included.
 */
size_t trail__json_string_len(const char *s, size_t len);
/* trail__json_text - a NUL-terminated string, or null when @s is NULL. */
void trail__json_text(trail_json *w, const char *s);
/* trail__json_raw - @len bytes that the caller has checked to be one JSON value, as they are. */
void trail__json_raw(trail_json *w, const char *json, size_t len);
void trail__json_int64(trail_json *w, int64_t v);
/*
 * trail__json_double - @v as the shortest decimal that reads back as @v
 * (the nearest of those), positional when its leading digit's exponent is
 * -4 to 14 ("0.0001", "3.0"), else "d.ddde±XX" ("1e+300", "5e-324"), as
 * PostgreSQL's float8 text lays it out; -0.0 is "-0.0".
 */
void trail__json_double(trail_json *w, double v);
void trail__json_bool(trail_json *w, bool v);
void trail__json_null(trail_json *w);
/* trail__json_blob - @n bytes as a base64 string. */
void trail__json_blob(trail_json *w, const void *p, size_t n);
/* trail__json_date - days since 1970-01-01 as "YYYY-MM-DD". */
void trail__json_date(trail_json *w, int32_t days);
/* trail__json_timestamp - milliseconds since the epoch as "YYYY-MM-DDTHH:MM:SS.mmmZ". */
void trail__json_timestamp(trail_json *w, int64_t ms);

/*
 * trail__json_finish - TRAIL_OK when one complete value was written;
 * otherwise the first failure (TRAIL_EINVALID for a value JSON cannot hold,
 * TRAIL_ENOMEM, TRAIL_EARG for misuse: a value without a key, unbalanced
 * containers, nesting past TRAIL_JSON_MAX_DEPTH, two top-level values), and
 * the buffer is cut back to where this writer started.
 */
int trail__json_finish(trail_json *w);

#endif /* TRAIL_JSON_H */
