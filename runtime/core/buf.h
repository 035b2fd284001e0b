/*
 * buf.h - a growable byte buffer with a sticky error: internal to libtrail.
 *
 * The data stays NUL-terminated once anything was appended, so a buffer of
 * text can be handed to C string functions directly. The buffer owns its
 * memory; trail__buf_free() releases it.
 *
 * The first failure sticks, as trail_json's does: every append after it
 * does nothing and returns it again, so code that builds a text appends
 * without checking and asks once at the end (trail__buf_finish(), or
 * b->err). trail__buf_reset() and trail__buf_free() clear it.
 */
#ifndef TRAIL_BUF_H
#define TRAIL_BUF_H

#include <stdarg.h>
#include <stddef.h>

typedef struct trail_buf {
    char *data; /* NULL until the first append */
    size_t len; /* bytes used, NUL not counted */
    size_t cap; /* bytes allocated */
    int err;    /* the first failure (TRAIL_ENOMEM, TRAIL_EINVALID); TRAIL_OK while none */
} trail_buf;

#define TRAIL_BUF_INIT                                                                             \
    {                                                                                              \
        NULL, 0, 0, 0                                                                              \
    }

/*
 * trail__buf_reserve - room for @extra more bytes plus the NUL. TRAIL_OK, or
 * the buffer's error (TRAIL_ENOMEM when this call fails).
 */
int trail__buf_reserve(trail_buf *b, size_t extra);

/* trail__buf_append - append @n bytes. TRAIL_OK or the buffer's error (then nothing is appended).
 */
int trail__buf_append(trail_buf *b, const void *p, size_t n);

/* trail__buf_append_str - append a NUL-terminated string. */
int trail__buf_append_str(trail_buf *b, const char *s);

/*
 * trail__buf_appendf - append printf-style formatted text. TRAIL_OK or the
 * buffer's error (TRAIL_ENOMEM; TRAIL_EINVALID for what printf cannot format).
 */
#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
int trail__buf_appendf(trail_buf *b, const char *fmt, ...);

/* trail__buf_vappendf - trail__buf_appendf() with a va_list. */
int trail__buf_vappendf(trail_buf *b, const char *fmt, va_list ap);

/*
 * trail__buf_finish - the text built, which the caller then owns and frees
 * with free() ("" when nothing was appended); NULL after a failure, the
 * memory then freed. Either way @b is empty and reusable after.
 */
char *trail__buf_finish(trail_buf *b);

/* trail__buf_reset - empty the buffer and clear its error, keeping its memory for reuse. */
void trail__buf_reset(trail_buf *b);

/* trail__buf_free - release the memory and clear the error; the buffer is empty and reusable after.
 */
void trail__buf_free(trail_buf *b);

#endif /* TRAIL_BUF_H */
