/*
 * err.h - the message behind trail_errmsg(): internal to libtrail.
 *
 * A connection embeds one trail_err. Setting it formats into a fixed buffer
 * inside the struct, so reporting a failure never allocates and works the
 * same when memory has run out.
 */
#ifndef TRAIL_ERR_H
#define TRAIL_ERR_H

#include "trail/error.h"

/** Room for one message, terminating NUL included. */
#define TRAIL_ERRMSG_MAX 512

typedef struct trail_err {
    int code;                   /* last failure, TRAIL_OK when cleared */
    char msg[TRAIL_ERRMSG_MAX]; /* "" when no message was given */
} trail_err;

/*
 * trail__err_set - record a failure and its message; returns @code so that a
 * failure path reads `return trail__err_set(err, TRAIL_EINVALID, ...)`.
 *
 * The message is formatted into err->msg without allocating. One that does
 * not fit is cut at a UTF-8 character boundary and ends in "...". A NULL
 * @fmt leaves the message empty; trail__err_message() then gives the code's
 * trail_strerror() text.
 */
#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
int trail__err_set(trail_err *err, int code, const char *fmt, ...);

/* trail__err_clear - forget the last failure. */
void trail__err_clear(trail_err *err);

/*
 * trail__err_message - what happened, for a person: the recorded message, or
 * the code's trail_strerror() text when none was given; "no error" after a
 * clear. The string lives as long as @err and is replaced by the next set.
 */
const char *trail__err_message(const trail_err *err);

#endif /* TRAIL_ERR_H */
