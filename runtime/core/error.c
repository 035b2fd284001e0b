/*
 * error.c - return code names and texts, and the fixed-buffer message of a
 * connection.
 */
#include "core/err.h"
#include "core/utf8.h"
#include "trail/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

struct code_info {
    int code;
    const char *name;
    const char *text;
};

static const struct code_info codes[] = {
    { TRAIL_OK, "TRAIL_OK", "success" },
    { TRAIL_ENOTFOUND, "TRAIL_ENOTFOUND", "record not found" },
    { TRAIL_ECONFLICT, "TRAIL_ECONFLICT",
      "the record changed since it was read (version conflict)" },
    { TRAIL_EUNIQUE, "TRAIL_EUNIQUE", "a unique field already holds that value" },
    { TRAIL_EINVALID, "TRAIL_EINVALID", "a value does not satisfy the schema" },
    { TRAIL_EREF, "TRAIL_EREF",
      "a reference points to no record, or a record is still referenced" },
    { TRAIL_EBUSY, "TRAIL_EBUSY",
      "the database stayed busy (lock timeout, deadlock or serialization failure)" },
    { TRAIL_ECLOCK, "TRAIL_ECLOCK", "a remote clock is too far ahead of local time" },
    { TRAIL_EDB, "TRAIL_EDB", "database error" },
    { TRAIL_ENOMEM, "TRAIL_ENOMEM", "out of memory" },
    { TRAIL_EARG, "TRAIL_EARG", "invalid argument" },
    { TRAIL_EOVERFLOW, "TRAIL_EOVERFLOW", "no more ids in this millisecond" },
    { TRAIL_ESYS, "TRAIL_ESYS", "a system call failed" },
    { TRAIL_ETWIN, "TRAIL_ETWIN", "this node's id is used by another database: a copy" },
};

static const struct code_info *code_find(int code)
{
    for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++) {
        if (codes[i].code == code)
            return &codes[i];
    }
    return NULL;
}

const char *trail_strerror(int code)
{
    const struct code_info *info = code_find(code);
    return info ? info->text : "unknown error code";
}

const char *trail_code_name(int code)
{
    const struct code_info *info = code_find(code);
    return info ? info->name : "TRAIL_E?";
}

int trail__err_set(trail_err *err, int code, const char *fmt, ...)
{
    static const char ellipsis[] = "...";

    if (!err)
        return code;
    err->code = code;
    err->msg[0] = '\0';
    if (!fmt)
        return code;

    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
    if (n < 0) {
        err->msg[0] = '\0';
    } else if ((size_t)n >= sizeof err->msg) {
        size_t keep = trail__utf8_cut(err->msg, sizeof err->msg - sizeof ellipsis);
        memcpy(err->msg + keep, ellipsis, sizeof ellipsis);
    }
    return code;
}

void trail__err_clear(trail_err *err)
{
    if (!err)
        return;
    err->code = TRAIL_OK;
    err->msg[0] = '\0';
}

const char *trail__err_message(const trail_err *err)
{
    if (!err || err->code == TRAIL_OK)
        return "no error";
    return err->msg[0] ? err->msg : trail_strerror(err->code);
}
