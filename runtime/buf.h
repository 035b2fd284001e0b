/*
 * buf.h - a growable byte buffer: internal to libtrail.
 *
 * The data stays NUL-terminated once anything was appended, so a buffer of
 * text can be handed to C string functions directly. The buffer owns its
 * memory; trail_buf_free() releases it.
 */
#ifndef TRAIL_BUF_H
#define TRAIL_BUF_H

#include <stdarg.h>
#include <stddef.h>

typedef struct trail_buf {
    char *data; /* NULL until the first append */
    size_t len; /* bytes used, NUL not counted */
    size_t cap; /* bytes allocated */
} trail_buf;

#define TRAIL_BUF_INIT                                                                             \
    {                                                                                              \
        NULL, 0, 0                                                                                 \
    }

/* trail_buf_reserve - room for @extra more bytes plus the NUL. TRAIL_OK or TRAIL_ENOMEM. */
int trail_buf_reserve(trail_buf *b, size_t extra);

/* trail_buf_append - append @n bytes. TRAIL_OK or TRAIL_ENOMEM (the buffer is unchanged). */
int trail_buf_append(trail_buf *b, const void *p, size_t n);

/* trail_buf_append_str - append a NUL-terminated string. */
int trail_buf_append_str(trail_buf *b, const char *s);

/* trail_buf_appendf - append printf-style formatted text. TRAIL_OK or TRAIL_ENOMEM. */
#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
int trail_buf_appendf(trail_buf *b, const char *fmt, ...);

/* trail_buf_vappendf - trail_buf_appendf() with a va_list. */
int trail_buf_vappendf(trail_buf *b, const char *fmt, va_list ap);

/* trail_buf_reset - empty the buffer, keeping its memory for reuse. */
void trail_buf_reset(trail_buf *b);

/* trail_buf_free - release the memory; the buffer is empty and reusable after. */
void trail_buf_free(trail_buf *b);

#endif /* TRAIL_BUF_H */
