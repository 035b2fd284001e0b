/*
 * stmt_cache.c - prepared statements by the address of their text.
 */
#include "driver/stmt_cache.h"

#include <stdint.h>
#include <stdlib.h>

static size_t slot_of(const char *sql, size_t cap)
{
    uintptr_t h = (uintptr_t)sql;
    h ^= h >> 17;
    h *= UINTMAX_C(0x9E3779B97F4A7C15) & UINTPTR_MAX;
    return (size_t)(h >> 7) & (cap - 1);
}

static int grow(trail_stmt_cache *c)
{
    size_t cap = c->cap ? c->cap * 2 : 64;
    trail_stmt_slot *slots = calloc(cap, sizeof *slots);
    if (!slots)
        return -1;
    for (size_t i = 0; i < c->cap; i++) {
        if (!c->slots[i].sql)
            continue;
        size_t j = slot_of(c->slots[i].sql, cap);
        while (slots[j].sql)
            j = (j + 1) & (cap - 1);
        slots[j] = c->slots[i];
    }
    free(c->slots);
    c->slots = slots;
    c->cap = cap;
    return 0;
}

trail_stmt_slot *trail__stmt_cache_slot(trail_stmt_cache *c, const char *sql)
{
    if ((c->used + 1) * 2 > c->cap && grow(c) < 0)
        return NULL;
    size_t i = slot_of(sql, c->cap);
    while (c->slots[i].sql && c->slots[i].sql != sql)
        i = (i + 1) & (c->cap - 1);
    if (!c->slots[i].sql) {
        c->slots[i].sql = sql;
        c->used++;
    }
    return &c->slots[i];
}

void trail__stmt_cache_free(trail_stmt_cache *c, void (*done)(void *stmt, void *ud), void *ud)
{
    for (size_t i = 0; i < c->cap; i++)
        if (c->slots[i].stmt)
            done(c->slots[i].stmt, ud);
    free(c->slots);
    *c = (trail_stmt_cache){ 0 };
}
