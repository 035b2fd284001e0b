/*
 * trail/ctx.h - who asked for a change, and on behalf of what request.
 */
#ifndef TRAIL_CTX_H
#define TRAIL_CTX_H

#ifdef __cplusplus
extern "C" {
#endif

/**
 * trail_ctx - request context stamped on every change event.
 *
 * Every field is optional (NULL is stored as SQL NULL) and borrowed: the
 * strings must stay valid for the duration of the call they are passed to.
 * The fields map one to one onto the columns of trail_change_events.
 *
 * Each is UTF-8 of at most 255 characters (code points, not bytes); ip of at
 * most 64. A write given a longer one, or one that is not UTF-8, is refused
 * with TRAIL_EINVALID naming the field and its limit, and writes nothing,
 * on every engine.
 */
typedef struct trail_ctx {
    const char *user_id;    /**< the person or service behind the change */
    const char *request_id; /**< the request that caused it */
    const char *session_id; /**< the user's session */
    const char *tenant_id;  /**< the tenant, in a multi-tenant system */
    const char *trace_id;   /**< distributed tracing: trace */
    const char *span_id;    /**< distributed tracing: span */
    const char *ip;         /**< the client's address, as text */
} trail_ctx;

#ifdef __cplusplus
}
#endif

#endif /* TRAIL_CTX_H */
