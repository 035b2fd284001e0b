/*
 * context.c - the request context's columns and their limits.
 */
#include "core/context.h"
#include "core/utf8.h"

#include <string.h>

/* 255: an id of any common kind with room to spare; 64: an IPv6 address with a zone. */
const trail_ctx_column trail__ctx_columns[TRAIL_CTX_COLUMNS] = {
    { "user_id", offsetof(trail_ctx, user_id), 255 },
    { "request_id", offsetof(trail_ctx, request_id), 255 },
    { "session_id", offsetof(trail_ctx, session_id), 255 },
    { "tenant_id", offsetof(trail_ctx, tenant_id), 255 },
    { "trace_id", offsetof(trail_ctx, trace_id), 255 },
    { "span_id", offsetof(trail_ctx, span_id), 255 },
    { "ip", offsetof(trail_ctx, ip), 64 },
};

const char *trail__ctx_value(const trail_ctx *ctx, size_t i)
{
    const char *value = NULL;
    if (ctx)
        memcpy(&value, (const char *)ctx + trail__ctx_columns[i].offset, sizeof value);
    return value;
}

int trail__ctx_check(trail_err *err, const trail_ctx *ctx)
{
    for (size_t i = 0; ctx && i < TRAIL_CTX_COLUMNS; i++) {
        const trail_ctx_column *c = &trail__ctx_columns[i];
        const char *value = trail__ctx_value(ctx, i);
        if (!value)
            continue;
        size_t chars = trail__utf8_count(value, strlen(value));
        if (chars == (size_t)-1)
            return trail__err_set(err, TRAIL_EINVALID, "trail_ctx.%s: not valid UTF-8", c->name);
        if (chars > (size_t)c->max)
            return trail__err_set(err, TRAIL_EINVALID, "trail_ctx.%s: %zu characters, at most %d",
                                  c->name, chars, c->max);
    }
    return TRAIL_OK;
}
