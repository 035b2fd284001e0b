/*
 * sync/resolve.h - conflicts decided by a resolve event (docs/replication.md,
 * "Resolving"), on the node that applies one: internal to libtrail. The
 * public side, listing and resolving, is trail/conflict.h.
 *
 * A resolve event's old_values name the conflict it decides:
 * {"conflict_id": ..., "choice": "keep"|"other"|"values"}. Two nodes may
 * each decide one conflict before they meet; then the last of their resolve
 * events in record order, (hlc, node_id, event_id), decides it everywhere,
 * as it is the one whose values the row keeps.
 */
#ifndef TRAIL_SYNC_RESOLVE_H
#define TRAIL_SYNC_RESOLVE_H

#include "driver/driver.h"
#include "sync/wire.h"

#include <stdbool.h>
#include <stdint.h>

/* Room for a resolution: "keep", "other", "values", and a NUL. */
#define TRAIL__RESOLUTION_MAX 8

/*
 * trail__conflict_resolved_by - @ev, an event of op `resolve` being applied
 * on @db (inside the batch's transaction, its row effect done; its event
 * row inserted or not yet), closes the conflict its old_values name:
 * resolution its choice, resolved_at its created_at. When @db holds
 * another resolve of that conflict later in record order, that one's
 * choice and time stay. A conflict not recorded here yet is left to
 * trail__conflict_resolution() when it is; one closed as lww or
 * delete-wins stays so; old_values that name no conflict close none.
 * TRAIL_OK, or a failure with db's error set.
 */
int trail__conflict_resolved_by(trail_conn *db, const trail__wire_event *ev);

/*
 * trail__conflict_resolution - whether @db holds a resolve event of the
 * conflict @conflict_id of record @record_id of @table (*@found), and if so
 * the resolution and time to record it with: the choice (into @resolution)
 * and created_at (into *@resolved_at) of the last such event in record
 * order. For the conflict recorder, so that a conflict found after its
 * resolve arrived is recorded closed. TRAIL_OK, or a failure with db's
 * error set.
 */
int trail__conflict_resolution(trail_conn *db, const char *conflict_id, const char *table,
                               const char *record_id, char resolution[TRAIL__RESOLUTION_MAX],
                               int64_t *resolved_at, bool *found);

#endif
