/*
 * sync/wire.c - the batch a sync or an import carries (wire.h).
 */
#include "sync/wire.h"

#include <stdlib.h>

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
