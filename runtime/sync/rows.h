/*
 * sync/rows.h - what an applied event does to the destination's rows
 * (docs/replication.md, "Row effects"): internal to libtrail.
 */
#ifndef TRAIL_SYNC_ROWS_H
#define TRAIL_SYNC_ROWS_H

#include "driver/driver.h"
#include "sync/schemas.h"
#include "sync/wire.h"

typedef enum trail__effect {
    TRAIL__EFFECT_APPLIED,  /* the row moved as the event says */
    TRAIL__EFFECT_CONFLICT, /* the row stays; a conflict is recorded (the event is kept) */
    TRAIL__EFFECT_MISSING   /* the record or a record it refers to is not here: hold it */
} trail__effect;

/*
 * trail__sync_row_effect - apply @ev's change to the row of its record in
 * @t's table, inside the caller's transaction: an insert inserts the row of
 * new_values, an update sets new_values' fields on the row at version - 1,
 * a delete removes the row at version and leaves a tombstone. On a
 * tombstoned record, or a row at another version, or a unique value taken
 * here, nothing changes and trail_conflicts records why. *@out says which
 * happened, *@why (static text) why for a conflict or a hold. TRAIL_OK, or
 * a failure with db's error set (then the caller rolls the batch back).
 */
int trail__sync_row_effect(trail_conn *db, const trail__sync_table *t, const trail__wire_event *ev,
                           trail__effect *out, const char **why);

#endif
