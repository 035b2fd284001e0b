/*
 * stmt_cache.c - prepared statements by the address of their text.
 */
#include "driver/stmt_cache.h"
#include "driver/driver.h"

#include <stdint.h>
#include <stdlib.h>

static size_t slot_of(const char *sql, size_t cap)
{
    uintptr_t h = (uintptr_t)sql;
    h ^= h >> 17;
    h *= UINTMAX_C(0x9E3779B97F4A7C15) & UINTPTR_MAX;
    return (size_t)(h >> 7) & (cap - 1);
}

/* The slot holding @sql, or the free one where it would go. The table is never full. */
static trail_stmt_slot *find(const trail_stmt_cache *c, const char *sql)
{
    size_t i = slot_of(sql, c->cap);
    while (c->slots[i].sql && c->slots[i].sql != sql)
        i = (i + 1) & (c->cap - 1);
    return &c->slots[i];
}

static int grow(trail_stmt_cache *c)
{
    trail_stmt_cache bigger = *c;
    bigger.cap = c->cap ? c->cap * 2 : 64;
    if (!(bigger.slots = calloc(bigger.cap, sizeof *bigger.slots)))
        return -1;
    for (size_t i = 0; i < c->cap; i++)
        if (c->slots[i].sql)
            *find(&bigger, c->slots[i].sql) = c->slots[i];
    free(c->slots);
    *c = bigger;
    return 0;
}

void trail__stmt_cache_init(trail_stmt_cache *c, trail_stmt_prepare_fn prepare,
                            trail_stmt_finalize_fn finalize)
{
    *c = (trail_stmt_cache){ .prepare = prepare, .finalize = finalize };
}

/*
 * The miss: @sql prepared and added. Apart from the hit, which then needs
 * no stack frame: the hit is on every statement's path.
 */
#if defined(__GNUC__)
__attribute__((noinline))
#endif
static int
add(trail_conn *db, trail_stmt_cache *c, const char *sql, void **out)
{
    /* Room first, so that a statement once prepared always finds its slot. */
    if ((c->used + 1) * 2 > c->cap && grow(c) < 0)
        return trail__err_set(&db->err, TRAIL_ENOMEM, "out of memory");
    void *stmt = NULL;
    int rc = c->prepare(db, sql, &stmt);
    if (rc < 0)
        return rc;
    *find(c, sql) = (trail_stmt_slot){ sql, stmt };
    c->used++;
    *out = stmt;
    return TRAIL_OK;
}

int trail__stmt_cache_get(trail_conn *db, trail_stmt_cache *c, const char *sql, void **out)
{
    if (c->cap) {
        const trail_stmt_slot *slot = find(c, sql);
        if (slot->sql) {
            *out = slot->stmt;
            return TRAIL_OK;
        }
    }
    return add(db, c, sql, out);
}

void trail__stmt_cache_free(trail_stmt_cache *c)
{
    for (size_t i = 0; i < c->cap; i++)
        if (c->slots[i].stmt)
            c->finalize(c->slots[i].stmt);
    free(c->slots);
    *c = (trail_stmt_cache){ .prepare = c->prepare, .finalize = c->finalize };
}
