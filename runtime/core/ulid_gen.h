/*
 * ulid_gen.h - the state of a ULID generator: internal to libtrail, shared
 * with the tests so that they can put a generator at the end of its range.
 */
#ifndef TRAIL_ULID_GEN_H
#define TRAIL_ULID_GEN_H

#include "trail/ulid.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* The state fills one page, so that MADV_WIPEONFORK covers it and nothing else. */
#define ULID_GEN_STATE_SIZE 4096
/* Bytes of the random part. */
#define ULID_RANDOM_LEN     10

struct trail_ulid_gen {
    bool seeded; /* false in a fresh page, and in a child after fork() */
    bool wipe_on_fork;
    pid_t pid;                     /* checked only when wipe_on_fork is false */
    int64_t last_ms;               /* time part of the last id, -1 before the first */
    uint8_t last[ULID_RANDOM_LEN]; /* random part of the last id */
    size_t pool_used;              /* bytes of pool already handed out */
    uint8_t pool[ULID_GEN_STATE_SIZE - 64];
};

_Static_assert(sizeof(struct trail_ulid_gen) <= ULID_GEN_STATE_SIZE,
               "generator state fits its page");

#endif /* TRAIL_ULID_GEN_H */
