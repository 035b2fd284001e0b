/*
 * redact.h - keeping passwords out of messages: internal to libtrail.
 *
 * trail_url_redact() (trail/redact.h) shows a connection string with its
 * password replaced by "***". The drivers' own libraries may quote the
 * string they were given in their messages (libpq does, for a malformed
 * URI), so trail_open() also scrubs every form of the password, as written
 * and decoded, out of a message it keeps.
 */
#ifndef TRAIL_CORE_REDACT_H
#define TRAIL_CORE_REDACT_H

#include "core/err.h"

/*
 * trail__err_scrub - replace in @err's message every occurrence of the
 * password of @url (as written in @url and as the driver decodes it) with
 * "***"; a message cut short ("...") loses the start of a password at its
 * end too. Nothing happens when @url has no password.
 */
void trail__err_scrub(trail_err *err, const char *url);

#endif /* TRAIL_CORE_REDACT_H */
