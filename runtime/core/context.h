/*
 * context.h - the request context's columns of trail_change_events:
 * internal to libtrail.
 *
 * The one table of what a trail_ctx carries into an event: each member's
 * column, in the event row's order, and the most characters it takes. The
 * DDL of every engine declares these limits (trailgen renders the event
 * table from this table), and trail__ctx_check() enforces them before a
 * write sends anything, so that a value too long is refused alike
 * everywhere rather than cut, stored or refused as each engine would.
 */
#ifndef TRAIL_CONTEXT_H
#define TRAIL_CONTEXT_H

#include "core/err.h"
#include "trail/ctx.h"

#include <stddef.h>

/* Members of trail_ctx, and context columns of an event. */
#define TRAIL_CTX_COLUMNS 7

typedef struct trail_ctx_column {
    const char *name; /* of the trail_ctx member and of the event column */
    size_t offset;    /* of the member in trail_ctx */
    int max;          /* characters (code points), as VARCHAR counts them */
} trail_ctx_column;

extern const trail_ctx_column trail__ctx_columns[TRAIL_CTX_COLUMNS];

/* trail__ctx_value - the member of column @i in @ctx (NULL when @ctx is). */
const char *trail__ctx_value(const trail_ctx *ctx, size_t i);

/*
 * trail__ctx_check - TRAIL_OK when every member of @ctx (which may be NULL)
 * is NULL or valid UTF-8 of at most its column's characters; otherwise
 * TRAIL_EINVALID, with a message in @err naming the member and its limit.
 */
int trail__ctx_check(trail_err *err, const trail_ctx *ctx);

#endif /* TRAIL_CONTEXT_H */
