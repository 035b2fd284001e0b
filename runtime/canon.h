/*
 * canon.h - the canonical form of JSON that event hashes cover: internal to
 * libtrail.
 *
 * Engines hand JSON back in their own shape (PostgreSQL's jsonb and MySQL's
 * JSON reorder keys and respace), so an event's hash is taken over a form
 * any stored copy leads back to: compact, object keys sorted bytewise,
 * strings and numbers as trail's JSON writer (json.h) puts them. On write
 * the runtime produces that form directly from a row (values.h); on verify
 * it parses the stored text and writes it again here.
 */
#ifndef TRAIL_CANON_H
#define TRAIL_CANON_H

#include "json.h"

#include <stddef.h>

/*
 * trail_canon_json - write the JSON text @json (@len bytes) to @w in
 * canonical form. Returns TRAIL_OK, TRAIL_EINVALID (not JSON, or a number
 * beyond int64 and double) or TRAIL_ENOMEM; the writer's own errors are
 * reported by trail_json_finish().
 */
int trail_canon_json(trail_json *w, const char *json, size_t len);

#endif /* TRAIL_CANON_H */
