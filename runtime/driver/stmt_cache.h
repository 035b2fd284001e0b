/*
 * stmt_cache.h - a driver's prepared statements, found by the address of
 * their text: internal to libtrail.
 *
 * Every statement trail runs is a static string (generated descriptors, the
 * runtime's own, or update_sql.c's per-connection texts), so the pointer is
 * a complete key and no text is ever hashed or compared.
 */
#ifndef TRAIL_STMT_CACHE_H
#define TRAIL_STMT_CACHE_H

#include <stddef.h>

typedef struct trail_stmt_slot {
    const char *sql; /* the key; NULL in a free slot */
    void *stmt;      /* the driver's prepared form; NULL until prepared */
} trail_stmt_slot;

typedef struct trail_stmt_cache {
    trail_stmt_slot *slots; /* open addressing; cap a power of two */
    size_t cap, used;
} trail_stmt_cache;

/*
 * trail__stmt_cache_slot - the slot of @sql, added (with a NULL stmt) when it
 * is new. The pointer is valid until the next call. NULL when out of memory.
 */
trail_stmt_slot *trail__stmt_cache_slot(trail_stmt_cache *c, const char *sql);

/* trail__stmt_cache_free - call @done on every prepared stmt, then free the table. */
void trail__stmt_cache_free(trail_stmt_cache *c, void (*done)(void *stmt, void *ud), void *ud);

#endif /* TRAIL_STMT_CACHE_H */
