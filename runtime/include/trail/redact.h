/*
 * trail/redact.h - connection URLs as they may be shown to a person.
 */
#ifndef TRAIL_REDACT_H
#define TRAIL_REDACT_H

#include "trail/api.h"

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * trail_url_redact - @url as it may be shown to a person: every password in
 * it replaced by "***" (postgresql://user:***@host/db, mysql://user:***@host,
 * a `password=***` query parameter, libpq's `password=***`). For logging the
 * URL a program connects to; trail's own messages never hold a password.
 *
 * @buf:  receives the text, cut on a UTF-8 boundary to fit @size bytes
 *        (NUL included); an empty string for a NULL @url.
 *
 * Returns @buf.
 */
TRAIL_API char *trail_url_redact(char *buf, size_t size, const char *url);

#ifdef __cplusplus
}
#endif

#endif /* TRAIL_REDACT_H */
