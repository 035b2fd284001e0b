/*
 * buf.c - growable byte buffer.
 */
#include "buf.h"
#include "trail/error.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int trail_buf_reserve(trail_buf *b, size_t extra)
{
    if (extra > SIZE_MAX - b->len - 1)
        return TRAIL_ENOMEM;
    size_t need = b->len + extra + 1;
    if (need <= b->cap)
        return TRAIL_OK;

    size_t cap = b->cap ? b->cap : 64;
    while (cap < need)
        cap = cap > SIZE_MAX / 2 ? need : cap * 2;
    char *data = realloc(b->data, cap);
    if (!data)
        return TRAIL_ENOMEM;
    b->data = data;
    b->cap = cap;
    return TRAIL_OK;
}

int trail_buf_append(trail_buf *b, const void *p, size_t n)
{
    int rc = trail_buf_reserve(b, n);
    if (rc < 0)
        return rc;
    if (n > 0)
        memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
    return TRAIL_OK;
}

int trail_buf_append_str(trail_buf *b, const char *s)
{
    return trail_buf_append(b, s, strlen(s));
}

void trail_buf_reset(trail_buf *b)
{
    b->len = 0;
    if (b->data)
        b->data[0] = '\0';
}

void trail_buf_free(trail_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
}
