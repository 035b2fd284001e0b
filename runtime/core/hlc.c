/*
 * hlc.c - hybrid logical clock packed into one 64-bit word.
 *
 * With the counter in the low 16 bits, the HLC rule "take wall time if it is
 * ahead, else count up" becomes max(wall << 16, last + 1) on a single word,
 * and a counter overflow carries into the milliseconds by itself: the clock
 * moves 1 ms ahead of wall time instead of waiting for it. One compare-and-
 * swap makes that lock-free; a failed swap retries with the same wall
 * reading, which is still a valid lower bound.
 *
 * Relaxed ordering suffices: all updates are read-modify-writes of one
 * atomic, whose modification order is total, so values are unique and a call
 * that happens after another returns a greater value.
 */
#define _POSIX_C_SOURCE 200809L /* clock_gettime */
#include "trail/hlc.h"
#include "trail/error.h"
#include "core/isotime.h"

#include <inttypes.h>
#include <stdalign.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* The largest millisecond value whose timestamps stay positive int64s (year 6429). */
#define HLC_MAX_MS ((INT64_C(1) << 47) - 1)

struct trail_hlc {
    int64_t max_drift_ms;
    trail_hlc_wall_fn wall;
    void *wall_userdata;
    /* On its own cache line, away from the read-only fields above. */
    alignas(64) _Atomic uint64_t last;
};

static int64_t wall_ms(const trail_hlc *clock)
{
    int64_t ms;
    if (clock->wall) {
        ms = clock->wall(clock->wall_userdata);
    } else {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ms = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
    }
    return ms < 0 ? 0 : ms > HLC_MAX_MS ? HLC_MAX_MS : ms;
}

int trail_hlc_new(trail_hlc **out, const trail_hlc_opts *opts)
{
    if (!out)
        return TRAIL_EARG;
    *out = NULL;
    if (opts && opts->max_drift_ms < 0)
        return TRAIL_EARG;

    trail_hlc *clock = aligned_alloc(alignof(trail_hlc), sizeof *clock);
    if (!clock)
        return TRAIL_ENOMEM;
    memset(clock, 0, sizeof *clock);
    clock->max_drift_ms = TRAIL_HLC_DEFAULT_MAX_DRIFT_MS;
    if (opts) {
        if (opts->max_drift_ms > 0)
            clock->max_drift_ms = opts->max_drift_ms;
        clock->wall = opts->wall;
        clock->wall_userdata = opts->wall_userdata;
    }
    atomic_init(&clock->last, 0);
    *out = clock;
    return TRAIL_OK;
}

void trail_hlc_free(trail_hlc *clock)
{
    free(clock);
}

int64_t trail_hlc_now(trail_hlc *clock)
{
    uint64_t wall = (uint64_t)wall_ms(clock) << TRAIL_HLC_LOGICAL_BITS;
    uint64_t old = atomic_load_explicit(&clock->last, memory_order_relaxed);
    uint64_t next;
    do {
        next = wall > old ? wall : old + 1;
    } while (!atomic_compare_exchange_weak_explicit(&clock->last, &old, next, memory_order_relaxed,
                                                    memory_order_relaxed));
    return (int64_t)next;
}

/* Raises the clock to @ts unless it is already there. */
static void raise_to(trail_hlc *clock, int64_t ts)
{
    uint64_t old = atomic_load_explicit(&clock->last, memory_order_relaxed);
    while (old < (uint64_t)ts &&
           !atomic_compare_exchange_weak_explicit(&clock->last, &old, (uint64_t)ts,
                                                  memory_order_relaxed, memory_order_relaxed))
        ;
}

int trail_hlc_update(trail_hlc *clock, int64_t remote)
{
    if (!clock || remote < 0)
        return TRAIL_EARG;
    if (TRAIL_HLC_MS(remote) - wall_ms(clock) > clock->max_drift_ms)
        return TRAIL_ECLOCK;
    raise_to(clock, remote);
    return TRAIL_OK;
}

int trail_hlc_set_floor(trail_hlc *clock, int64_t floor)
{
    if (!clock || floor < 0 || TRAIL_HLC_MS(floor) >= HLC_MAX_MS)
        return TRAIL_EARG;
    raise_to(clock, floor);
    return TRAIL_OK;
}

int64_t trail_hlc_last(const trail_hlc *clock)
{
    return (int64_t)atomic_load_explicit((_Atomic uint64_t *)&clock->last, memory_order_relaxed);
}

char *trail_hlc_format(char buf[TRAIL_HLC_TEXT_MAX], int64_t ts)
{
    size_t n = trail__isotime_format_ms(buf, TRAIL_HLC_MS(ts));
    snprintf(buf + n, TRAIL_HLC_TEXT_MAX - n, "#%05" PRId64, TRAIL_HLC_LOGICAL(ts));
    return buf;
}

int trail_hlc_parse(int64_t *out, const char *text)
{
    if (!out || !text)
        return TRAIL_EARG;
    const char *hash = strchr(text, '#');
    size_t len = hash ? (size_t)(hash - text) : strlen(text);
    int64_t ms, logical = 0;
    if (trail__isotime_parse_ms(&ms, text, len) < 0 || ms < 0 || ms > HLC_MAX_MS)
        return TRAIL_EINVALID;
    if (hash) {
        const char *p = hash + 1;
        if (*p == '\0')
            return TRAIL_EINVALID;
        for (; *p; p++) {
            if (*p < '0' || *p > '9' || logical > TRAIL_HLC_LOGICAL_MAX)
                return TRAIL_EINVALID;
            logical = logical * 10 + (*p - '0');
        }
        if (logical > TRAIL_HLC_LOGICAL_MAX)
            return TRAIL_EINVALID;
    }
    *out = TRAIL_HLC_MAKE(ms, logical);
    return TRAIL_OK;
}
