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
 * trail__sync_above_record - move @db's clock past the newest event of
 * record @record_id of @table, as a generated write's before-read does:
 * another connection of this node, with a clock of its own, may have
 * written it last, and an event of the record must come after it in
 * record order. TRAIL_OK or a failure with db's error set.
 */
int trail__sync_above_record(trail_conn *db, const char *table, const char *record_id);

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
