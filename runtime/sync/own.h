/*
 * sync/own.h - the events a destination writes in its own lane while it
 * applies a batch: merges and cascade deletes (docs/replication.md,
 * "Merge events", "Deletes and references"). Internal to libtrail.
 */
#ifndef TRAIL_SYNC_OWN_H
#define TRAIL_SYNC_OWN_H

#include "audit/event.h"
#include "driver/driver.h"

/*
 * trail__sync_own_event - write @ev as an event of @db's own node, in its
 * lane (registered in the caller's transaction when it has none), stamped
 * now; its id into @event_id, its HLC into *@hlc (may be NULL). The
 * caller's transaction is the batch's: rolling it back puts the lane back
 * (trail__sync_apply()). TRAIL_OK or a failure with db's error set.
 */
int trail__sync_own_event(trail_conn *db, const trail_event *ev, char event_id[TRAIL_ULID_LEN + 1],
                          int64_t *hlc);

#endif
