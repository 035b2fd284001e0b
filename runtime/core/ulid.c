/*
 * ulid.c - ULID generation, text form and parsing.
 *
 * Random bits come from getrandom() in blocks of a few kilobytes, so an id
 * costs a copy, not a system call. The generator's state lives on its own
 * page marked MADV_WIPEONFORK: a forked child finds it zeroed, starts afresh
 * with new random bits, and so never repeats its parent's ids. Where the
 * kernel lacks that flag, the generator compares getpid() instead.
 */
#define _GNU_SOURCE /* MADV_WIPEONFORK */
#include "trail/ulid.h"
#include "trail/error.h"
#include "core/ulid_gen.h"

#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <unistd.h>

static const char crockford[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

int trail_ulid_gen_new(trail_ulid_gen **out)
{
    if (!out)
        return TRAIL_EARG;
    void *page =
        mmap(NULL, ULID_GEN_STATE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (page == MAP_FAILED) {
        *out = NULL;
        return TRAIL_ENOMEM;
    }
    *out = page; /* zero-filled: not seeded, so the first id sets it up */
    return TRAIL_OK;
}

void trail_ulid_gen_free(trail_ulid_gen *gen)
{
    if (gen)
        munmap(gen, ULID_GEN_STATE_SIZE);
}

/* Sets up a fresh state: in a new generator, or in a forked child. */
static void gen_reset(trail_ulid_gen *gen)
{
    memset(gen, 0, sizeof *gen);
#ifdef MADV_WIPEONFORK
    /* Idempotent (a child keeps its parent's flag); asking again tells whether the kernel has it.
     */
    gen->wipe_on_fork = madvise(gen, ULID_GEN_STATE_SIZE, MADV_WIPEONFORK) == 0;
#endif
    gen->pid = getpid();
    gen->last_ms = -1;
    gen->pool_used = sizeof gen->pool;
    gen->seeded = true;
}

static int take_random(trail_ulid_gen *gen, uint8_t out[ULID_RANDOM_LEN])
{
    if (sizeof gen->pool - gen->pool_used < ULID_RANDOM_LEN) {
        size_t got = 0;
        while (got < sizeof gen->pool) {
            ssize_t n = getrandom(gen->pool + got, sizeof gen->pool - got, 0);
            if (n < 0 && errno == EINTR)
                continue;
            if (n < 0)
                return TRAIL_ESYS;
            got += (size_t)n;
        }
        gen->pool_used = 0;
    }
    memcpy(out, gen->pool + gen->pool_used, ULID_RANDOM_LEN);
    /* Handed-out bits are not kept around in memory. */
    memset(gen->pool + gen->pool_used, 0, ULID_RANDOM_LEN);
    gen->pool_used += ULID_RANDOM_LEN;
    return TRAIL_OK;
}

int trail_ulid_next(trail_ulid_gen *gen, int64_t ms, trail_ulid *out)
{
    if (!gen || !out || ms < 0 || ms > TRAIL_ULID_MAX_MS)
        return TRAIL_EARG;
    if (!gen->seeded || (!gen->wipe_on_fork && gen->pid != getpid()))
        gen_reset(gen);

    uint8_t random[ULID_RANDOM_LEN];
    if (ms <= gen->last_ms) {
        /* Same millisecond, or the caller's clock went back: count up from the last id. */
        memcpy(random, gen->last, ULID_RANDOM_LEN);
        int i = ULID_RANDOM_LEN - 1;
        while (i >= 0 && ++random[i] == 0)
            i--;
        if (i < 0)
            return TRAIL_EOVERFLOW;
        ms = gen->last_ms;
    } else {
        int rc = take_random(gen, random);
        if (rc < 0)
            return rc;
    }

    gen->last_ms = ms;
    memcpy(gen->last, random, ULID_RANDOM_LEN);
    for (int i = 5; i >= 0; i--, ms >>= 8)
        out->bytes[i] = (uint8_t)ms;
    memcpy(out->bytes + 6, random, ULID_RANDOM_LEN);
    return TRAIL_OK;
}

/* Bits [shift, shift + 5) of the 128-bit value hi:lo. */
static unsigned bits5(uint64_t hi, uint64_t lo, int shift)
{
    if (shift >= 64)
        return (unsigned)(hi >> (shift - 64)) & 31;
    if (shift > 59)
        return (unsigned)((hi << (64 - shift)) | (lo >> shift)) & 31;
    return (unsigned)(lo >> shift) & 31;
}

static uint64_t load_be64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = v << 8 | p[i];
    return v;
}

char *trail_ulid_format(char buf[TRAIL_ULID_LEN + 1], const trail_ulid *id)
{
    uint64_t hi = load_be64(id->bytes), lo = load_be64(id->bytes + 8);
    for (int i = 0; i < TRAIL_ULID_LEN; i++)
        buf[i] = crockford[bits5(hi, lo, 125 - 5 * i)];
    buf[TRAIL_ULID_LEN] = '\0';
    return buf;
}

/* The value of a canonical (upper-case) Crockford character, or -1. */
static int crockford_value(char c)
{
    const char *p = c ? strchr(crockford, c) : NULL;
    return p ? (int)(p - crockford) : -1;
}

int trail_ulid_parse(trail_ulid *out, const char *text)
{
    if (!text || strnlen(text, TRAIL_ULID_LEN + 1) != TRAIL_ULID_LEN || text[0] > '7')
        return TRAIL_EINVALID;
    uint64_t hi = 0, lo = 0;
    for (int i = 0; i < TRAIL_ULID_LEN; i++) {
        int v = crockford_value(text[i]);
        if (v < 0)
            return TRAIL_EINVALID;
        hi = hi << 5 | lo >> 59;
        lo = lo << 5 | (uint64_t)v;
    }
    if (out) {
        for (int i = 7; i >= 0; i--, hi >>= 8, lo >>= 8) {
            out->bytes[i] = (uint8_t)hi;
            out->bytes[i + 8] = (uint8_t)lo;
        }
    }
    return TRAIL_OK;
}

bool trail_ulid_valid(const char *text)
{
    return trail_ulid_parse(NULL, text) == TRAIL_OK;
}

int64_t trail_ulid_time(const trail_ulid *id)
{
    int64_t ms = 0;
    for (int i = 0; i < 6; i++)
        ms = ms << 8 | id->bytes[i];
    return ms;
}
