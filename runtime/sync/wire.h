/*
 * sync/wire.h - a lane row or an event as it travels between nodes
 * (docs/replication.md, "What travels").
 *
 * Every column is carried as the text the source stored, verbatim, by its
 * position in TRAIL_LANE_COLUMN_TABLE or TRAIL_EVENT_COLUMN_TABLE
 * (audit/event_columns.h): NULL for SQL NULL, integers in decimal. The hash
 * covers exactly these texts, so nothing is re-spelled on the way. The
 * integers the sync orders by are parsed once beside them.
 *
 * The read side (a source database, or an export file) fills a batch; the
 * apply side (sync/apply.c) checks and applies it on the destination in
 * one transaction. Neither side knows where the other's rows come from.
 */
#ifndef TRAIL_SYNC_WIRE_H
#define TRAIL_SYNC_WIRE_H

#include "audit/event_columns.h"
#include <stddef.h>
#include <stdint.h>

/* A row of trail_lanes. The batch owns every string. */
typedef struct trail__wire_lane {
    char *col[TRAIL_LANE_COLUMNS];
    int64_t node_seq;
} trail__wire_lane;

/* A row of trail_change_events. The batch owns every string. */
typedef struct trail__wire_event {
    char *col[TRAIL_EVENT_COLUMNS];
    int64_t hlc;
    int64_t seq;
    /* Where it came from, for messages: the file's line, or 0 from a database. */
    long line;
    /*
     * Whether its hash is that of its columns, when already found
     * (trail__check_hashes(), maybe on a reader's thread): 1 yes, -1 no,
     * 0 not looked at yet.
     */
    signed char hash_ok;
} trail__wire_event;

/*
 * What one step of a sync or an import carries: lane rows the destination
 * may not hold yet (in node_seq order per node), then events in apply
 * order (HLC order across lanes, seq order within one; a transaction's
 * events never split between two batches).
 */
typedef struct trail__wire_batch {
    trail__wire_lane *lanes;
    size_t nlanes, lanes_cap;
    trail__wire_event *events;
    size_t nevents, events_cap;
} trail__wire_batch;

/*
 * trail__wire_grow - make room for item @n of the array *@p of *@cap items
 * of @size bytes (a batch's lanes or events, or any array beside them),
 * doubling it. Returns TRAIL_OK, or TRAIL_ENOMEM with the array unchanged.
 */
int trail__wire_grow(void **p, size_t *cap, size_t n, size_t size);

/* trail__wire_batch_clear - free every string and row of @b and empty it; @b stays usable. */
void trail__wire_batch_clear(trail__wire_batch *b);

/*
 * trail__record_order - <0, 0, >0 as the event (@hlc_a, @node_a, @event_a)
 * comes before, is, or comes after (@hlc_b, @node_b, @event_b) in a
 * record's order (docs/replication.md, "Merging concurrent edits").
 */
int trail__record_order(int64_t hlc_a, const char *node_a, const char *event_a, int64_t hlc_b,
                        const char *node_b, const char *event_b);

#endif
