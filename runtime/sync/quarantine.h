/*
 * sync/quarantine.h - trail_quarantine: what a destination keeps and does
 * not apply (docs/replication.md, "Quarantine" and "Refused"): internal to
 * libtrail.
 *
 * A held event is sound but cannot be applied yet, and is tried again at
 * the start of every sync; a refused event or lane row failed a check and
 * stops its lane until an operator looks. Each is kept whole, as the
 * object of its columns (the keys of TRAIL_EVENT_COLUMN_TABLE or
 * TRAIL_LANE_COLUMN_TABLE, integers as numbers, the rest as the strings
 * stored), with why, when it was first seen and how often tried.
 */
#ifndef TRAIL_SYNC_QUARANTINE_H
#define TRAIL_SYNC_QUARANTINE_H

#include "driver/driver.h"
#include "sync/wire.h"

#include <stdbool.h>

/*
 * trail__quarantine_event - keep @ev as held (or @refused) for @reason,
 * replacing what was kept of it before (its first sighting and tries
 * carried on). TRAIL_OK or a failure with db's error set.
 */
int trail__quarantine_event(trail_conn *db, const trail__wire_event *ev, bool refused,
                            const char *reason);

/* trail__quarantine_lane - keep the lane row @l as refused for @reason. */
int trail__quarantine_lane(trail_conn *db, const trail__wire_lane *l, const char *reason);

/* trail__quarantine_drop - forget what is kept of @item_id (an event applied after all). */
int trail__quarantine_drop(trail_conn *db, const char *item_id);

/*
 * trail__quarantine_held - append every held event to @b's events, in HLC
 * order. TRAIL_OK, or a failure with db's error set (TRAIL_EDB for a body
 * that is not one this code wrote).
 */
int trail__quarantine_held(trail_conn *db, trail__wire_batch *b);

/*
 * trail__quarantine_stopped - the lanes stopped by a refused row, as
 * @cb(@userdata, lane_id, item_id) for each; @cb returns 0 or a failure.
 */
int trail__quarantine_stopped(trail_conn *db, int (*cb)(void *, const char *, const char *),
                              void *userdata);

/*
 * trail__quarantine_lanes_held - the lanes with an event held, as
 * @cb(@userdata, lane_id, item_id) for one held event of each at least.
 */
int trail__quarantine_lanes_held(trail_conn *db, int (*cb)(void *, const char *, const char *),
                                 void *userdata);

#endif
