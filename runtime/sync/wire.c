/*
 * sync/wire.c - the batch a sync or an import carries (wire.h).
 */
#include "sync/wire.h"

#include "trail/error.h"

#include <stdlib.h>
#include <string.h>

void trail__wire_batch_clear(trail__wire_batch *b)
{
    for (size_t i = 0; i < b->nlanes; i++)
        for (size_t c = 0; c < TRAIL_LANE_COLUMNS; c++)
            free(b->lanes[i].col[c]);
    for (size_t i = 0; i < b->nevents; i++)
        for (size_t c = 0; c < TRAIL_EVENT_COLUMNS; c++)
            free(b->events[i].col[c]);
    free(b->lanes);
    free(b->events);
    *b = (trail__wire_batch){ 0 };
}

int trail__wire_grow(void **p, size_t *cap, size_t n, size_t size)
{
    if (n < *cap)
        return TRAIL_OK;
    size_t ncap = *cap ? 2 * *cap : 64;
    void *q = realloc(*p, ncap * size);
    if (!q)
        return TRAIL_ENOMEM;
    *p = q;
    *cap = ncap;
    return TRAIL_OK;
}

int trail__record_order(int64_t hlc_a, const char *node_a, const char *event_a, int64_t hlc_b,
                        const char *node_b, const char *event_b)
{
    if (hlc_a != hlc_b)
        return hlc_a < hlc_b ? -1 : 1;
    int c = strcmp(node_a, node_b);
    return c ? c : strcmp(event_a, event_b);
}
