/*
 * trail/ulid.h - ULIDs: 128-bit ids that sort by time, as 26 characters of
 * Crockford base32 (48 bits of milliseconds, 80 random bits).
 *
 * trail uses them for record keys (`key: ulid`), event ids and transaction
 * ids. Event ids take their time part from the event's HLC timestamp, so they
 * sort in HLC order even when the wall clock steps back.
 */
#ifndef TRAIL_ULID_H
#define TRAIL_ULID_H

#include "trail/api.h"

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Characters in the text form. */
#define TRAIL_ULID_LEN    26
/** Largest time part: 48 bits of milliseconds. */
#define TRAIL_ULID_MAX_MS ((INT64_C(1) << 48) - 1)

/** A ULID, big-endian: bytes 0-5 the time, 6-15 the random part. */
typedef struct trail_ulid {
    uint8_t bytes[16];
} trail_ulid;

/**
 * A ULID generator: monotonic within a millisecond, random bits from the
 * kernel's getrandom(), buffered so that ids cost no system call each.
 *
 * Not thread-safe: give each thread (each connection) its own. Safe across
 * fork(): a child never repeats its parent's ids.
 */
typedef struct trail_ulid_gen trail_ulid_gen;

/**
 * trail_ulid_gen_new - create a generator.
 *
 * @out: receives it; the caller owns it and frees it with trail_ulid_gen_free().
 * Returns TRAIL_OK, TRAIL_EARG or TRAIL_ENOMEM.
 */
TRAIL_API int trail_ulid_gen_new(trail_ulid_gen **out);

/** trail_ulid_gen_free - free a generator. NULL is allowed. */
TRAIL_API void trail_ulid_gen_free(trail_ulid_gen *gen);

/**
 * trail_ulid_next - a new ULID with time part @ms.
 *
 * Within one millisecond (or when @ms is below the last one used, so that ids
 * never go backwards) the id is the previous one plus one, keeping the time
 * part of the previous id; a new millisecond draws a fresh random part.
 *
 * Returns TRAIL_OK; TRAIL_EARG when @ms is negative or above TRAIL_ULID_MAX_MS;
 * TRAIL_EOVERFLOW when the random part of this millisecond is used up (never
 * a duplicate; the next millisecond works again).
 */
TRAIL_API int trail_ulid_next(trail_ulid_gen *gen, int64_t ms, trail_ulid *out);

/**
 * trail_ulid_format - the 26-character text form, NUL-terminated.
 *
 * @buf must hold TRAIL_ULID_LEN + 1 bytes. Returns @buf.
 */
TRAIL_API char *trail_ulid_format(char buf[TRAIL_ULID_LEN + 1], const trail_ulid *id);

/**
 * trail_ulid_parse - read the text form.
 *
 * Only the canonical form is accepted: exactly 26 characters of upper-case
 * Crockford base32 (0-9, A-Z without I, L, O, U), at most
 * "7ZZZZZZZZZZZZZZZZZZZZZZZZZ". Keys are compared as text in SQL, so a
 * lower-case spelling of an id would name a different row; it is refused.
 *
 * Returns TRAIL_OK or TRAIL_EINVALID.
 */
TRAIL_API int trail_ulid_parse(trail_ulid *out, const char *text);

/** trail_ulid_valid - whether @text is a canonical ULID (see trail_ulid_parse). */
TRAIL_API bool trail_ulid_valid(const char *text);

/** trail_ulid_time - the time part of a ULID, in milliseconds. */
TRAIL_API int64_t trail_ulid_time(const trail_ulid *id);

#ifdef __cplusplus
}
#endif

#endif /* TRAIL_ULID_H */
