/*
 * buf.c - growable byte buffer with a sticky error.
 */
#include "core/buf.h"
#include "trail/error.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Records @code as the buffer's error unless one is there already; returns the error. */
static int fail(trail_buf *b, int code)
{
    if (b->err == TRAIL_OK)
        b->err = code;
    return b->err;
}

int trail__buf_reserve(trail_buf *b, size_t extra)
{
    if (b->err)
        return b->err;
    if (extra > SIZE_MAX - b->len - 1)
        return fail(b, TRAIL_ENOMEM);
    size_t need = b->len + extra + 1;
    if (need <= b->cap)
        return TRAIL_OK;

    size_t cap = b->cap ? b->cap : 64;
    while (cap < need)
        cap = cap > SIZE_MAX / 2 ? need : cap * 2;
    char *data = realloc(b->data, cap);
    if (!data)
        return fail(b, TRAIL_ENOMEM);
    b->data = data;
    b->cap = cap;
    return TRAIL_OK;
}

int trail__buf_append(trail_buf *b, const void *p, size_t n)
{
    int rc = trail__buf_reserve(b, n);
    if (rc < 0)
        return rc;
    if (n > 0)
        memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
    return TRAIL_OK;
}

int trail__buf_append_str(trail_buf *b, const char *s)
{
    return trail__buf_append(b, s, strlen(s));
}

int trail__buf_vappendf(trail_buf *b, const char *fmt, va_list ap)
{
    if (b->err)
        return b->err;
    va_list again;
    va_copy(again, ap);
    int n = vsnprintf(NULL, 0, fmt, ap);
    int rc = n < 0 ? fail(b, TRAIL_EINVALID) : trail__buf_reserve(b, (size_t)n);
    if (rc == TRAIL_OK) {
        vsnprintf(b->data + b->len, (size_t)n + 1, fmt, again);
        b->len += (size_t)n;
    }
    va_end(again);
    return rc;
}

int trail__buf_appendf(trail_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = trail__buf_vappendf(b, fmt, ap);
    va_end(ap);
    return rc;
}

char *trail__buf_finish(trail_buf *b)
{
    if (trail__buf_reserve(b, 0) < 0) { /* a buffer never appended to gets its "" */
        trail__buf_free(b);
        return NULL;
    }
    char *text = b->data;
    text[b->len] = '\0';
    *b = (trail_buf)TRAIL_BUF_INIT;
    return text;
}

void trail__buf_reset(trail_buf *b)
{
    b->len = 0;
    b->err = TRAIL_OK;
    if (b->data)
        b->data[0] = '\0';
}

void trail__buf_free(trail_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    b->err = TRAIL_OK;
}
