/*
 * stmt_cache.h - a driver's prepared statements, found by the address of
 * their text: internal to libtrail.
 *
 * Every statement trail runs is a static string (generated descriptors, the
 * runtime's own, or update_sql.c's per-connection texts), so the pointer is
 * a complete key and no text is ever hashed or compared. The cache is the
 * same for every driver; what a prepared statement is, and how it is made
 * and ended, is the driver's: the two callbacks it gives
 * trail__stmt_cache_init().
 */
#ifndef TRAIL_STMT_CACHE_H
#define TRAIL_STMT_CACHE_H

#include "trail/conn.h"

#include <stddef.h>

/*
 * Prepares @sql on @db, for the life of the connection, into *@out (which
 * may be NULL for a text that holds no statement). On failure returns a
 * negative code with db's error set. It must not use the cache itself.
 */
typedef int (*trail_stmt_prepare_fn)(trail_conn *db, const char *sql, void **out);

/* Ends a statement that the prepare callback made (never called with NULL). */
typedef void (*trail_stmt_finalize_fn)(void *stmt);

typedef struct trail_stmt_slot {
    const char *sql; /* the key; NULL in a free slot */
    void *stmt;      /* the driver's prepared form */
} trail_stmt_slot;

typedef struct trail_stmt_cache {
    trail_stmt_prepare_fn prepare;
    trail_stmt_finalize_fn finalize;
    trail_stmt_slot *slots; /* open addressing; cap a power of two */
    size_t cap, used;
} trail_stmt_cache;

/* trail__stmt_cache_init - an empty cache that makes and ends statements with @prepare, @finalize.
 */
void trail__stmt_cache_init(trail_stmt_cache *c, trail_stmt_prepare_fn prepare,
                            trail_stmt_finalize_fn finalize);

/*
 * trail__stmt_cache_get - the prepared statement of @sql on @db, prepared
 * with c->prepare the first time @sql is asked for. *@out is the cache's
 * until trail__stmt_cache_free(). Returns TRAIL_OK; TRAIL_ENOMEM, or the
 * prepare callback's failure, with db's error set. A statement whose
 * prepare failed is not kept: it is prepared again when next asked for.
 */
int trail__stmt_cache_get(trail_conn *db, trail_stmt_cache *c, const char *sql, void **out);

/* trail__stmt_cache_free - end every statement with c->finalize, then free the table. */
void trail__stmt_cache_free(trail_stmt_cache *c);

#endif /* TRAIL_STMT_CACHE_H */
