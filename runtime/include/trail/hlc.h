/*
 * trail/hlc.h - hybrid logical clock.
 *
 * A timestamp is an int64: the upper 48 bits are milliseconds since the Unix
 * epoch (UTC), the lower 16 bits a logical counter. Timestamps from one clock
 * are strictly increasing across all threads, never go back when the wall
 * clock does, and order causally when clocks exchange timestamps with
 * trail_hlc_update().
 *
 * A clock is an object: each node (each open database) owns one. There is no
 * process-wide clock state.
 */
#ifndef TRAIL_HLC_H
#define TRAIL_HLC_H

#include "trail/api.h"

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Bits of the logical counter in a timestamp. */
#define TRAIL_HLC_LOGICAL_BITS         16
/** Largest value of the logical counter. */
#define TRAIL_HLC_LOGICAL_MAX          0xFFFF
/** Default bound on how far ahead of local wall time a remote clock may be. */
#define TRAIL_HLC_DEFAULT_MAX_DRIFT_MS 500
/** Buffer size for trail_hlc_format(), terminating NUL included. */
#define TRAIL_HLC_TEXT_MAX             40

/** The milliseconds part of a timestamp. */
#define TRAIL_HLC_MS(ts)      ((int64_t)((uint64_t)(ts) >> TRAIL_HLC_LOGICAL_BITS))
/** The logical counter of a timestamp. */
#define TRAIL_HLC_LOGICAL(ts) ((int64_t)((uint64_t)(ts)&TRAIL_HLC_LOGICAL_MAX))
/** A timestamp from milliseconds and a counter. */
#define TRAIL_HLC_MAKE(ms, logical)                                                                \
    ((int64_t)(((uint64_t)(ms) << TRAIL_HLC_LOGICAL_BITS) |                                        \
               ((uint64_t)(logical)&TRAIL_HLC_LOGICAL_MAX)))

/** A clock. Opaque; safe to share between threads. */
typedef struct trail_hlc trail_hlc;

/**
 * A source of wall time in milliseconds since the Unix epoch. Tests inject
 * one to freeze or step the clock; it must be safe to call from every thread
 * that uses the clock.
 */
typedef int64_t (*trail_hlc_wall_fn)(void *userdata);

/** Options for trail_hlc_new(). A zeroed struct (or NULL) means defaults. */
typedef struct trail_hlc_opts {
    /** Refuse remote timestamps more than this far ahead; 0 means the default (500). */
    int64_t max_drift_ms;
    /** Wall-time source; NULL means CLOCK_REALTIME. */
    trail_hlc_wall_fn wall;
    /** Passed to wall. */
    void *wall_userdata;
} trail_hlc_opts;

/**
 * trail_hlc_new - create a clock.
 *
 * @out:  receives the clock; the caller owns it and frees it with trail_hlc_free().
 * @opts: options, or NULL for defaults; copied, not kept.
 *
 * Returns TRAIL_OK, TRAIL_EARG (NULL out, negative max_drift_ms) or TRAIL_ENOMEM.
 */
TRAIL_API int trail_hlc_new(trail_hlc **out, const trail_hlc_opts *opts);

/** trail_hlc_free - free a clock. NULL is allowed. */
TRAIL_API void trail_hlc_free(trail_hlc *clock);

/**
 * trail_hlc_now - a new timestamp, greater than every one this clock issued or
 * merged before.
 *
 * Lock-free. When wall time has not moved on, the logical counter counts up;
 * when the counter would overflow, the physical part moves forward by 1 ms
 * instead of waiting for the wall clock.
 */
TRAIL_API int64_t trail_hlc_now(trail_hlc *clock);

/**
 * trail_hlc_update - merge a timestamp received from another node, so that
 * every later trail_hlc_now() is greater than it.
 *
 * Returns TRAIL_OK; TRAIL_ECLOCK when the remote's physical part is more than
 * max_drift_ms ahead of local wall time (the clock is then left as it was);
 * TRAIL_EARG for a negative timestamp.
 */
TRAIL_API int trail_hlc_update(trail_hlc *clock, int64_t remote);

/**
 * trail_hlc_set_floor - make every later timestamp greater than @floor,
 * without the drift check of trail_hlc_update().
 *
 * Used on open with the highest timestamp already stored, so that a restart
 * or a wall clock stepped back never issues an older or equal timestamp.
 * Returns TRAIL_OK, or TRAIL_EARG for a negative floor.
 */
TRAIL_API int trail_hlc_set_floor(trail_hlc *clock, int64_t floor);

/** trail_hlc_last - the greatest timestamp issued or merged so far (0 if none). */
TRAIL_API int64_t trail_hlc_last(const trail_hlc *clock);

/**
 * trail_hlc_format - a timestamp as text: ISO 8601 UTC with milliseconds,
 * then '#' and the five-digit logical counter, e.g.
 * "2026-11-22T22:35:10.123Z#00004". The text sorts as the timestamps do
 * (for years 0000-9999).
 *
 * @buf must hold TRAIL_HLC_TEXT_MAX bytes. Returns @buf.
 */
TRAIL_API char *trail_hlc_format(char buf[TRAIL_HLC_TEXT_MAX], int64_t ts);

/**
 * trail_hlc_parse - the inverse of trail_hlc_format(). The "#counter" suffix
 * may be left out (counter 0), so a plain ISO 8601 UTC time also parses.
 *
 * Returns TRAIL_OK or TRAIL_EINVALID.
 */
TRAIL_API int trail_hlc_parse(int64_t *out, const char *text);

#ifdef __cplusplus
}
#endif

#endif /* TRAIL_HLC_H */
