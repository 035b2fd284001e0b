/*
 * history_row.h - reading one stored change event: internal to libtrail,
 * shared by history.c and verify.c.
 */
#ifndef TRAIL_HISTORY_ROW_H
#define TRAIL_HISTORY_ROW_H

#include "core/buf.h"
#include "driver/driver.h"
#include "driver/sql.h"
#include "trail/history.h"

/* How each column of an event row is read: TRAIL_V_TEXT, TRAIL_V_INT or TRAIL_V_JSON. */
extern const trail_vtype trail__event_types[TRAIL_EVENT_COLUMNS];

/*
 * trail__event_row_read - the columns of an event row (all of them, in
 * their order: event_columns.h) as @cols (JSON columns typed TRAIL_V_JSON, ready for
 * trail__event_hash()) and as @ev, whose strings live in @scratch until the
 * next call. Returns TRAIL_OK, TRAIL_EDB or TRAIL_ENOMEM.
 */
int trail__event_row_read(trail_conn *db, void *row, trail_value cols[TRAIL_EVENT_COLUMNS],
                          trail_change_event *ev, trail_buf *scratch);

#endif /* TRAIL_HISTORY_ROW_H */
