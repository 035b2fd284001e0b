/*
 * sync/cursor.h - a peer's row of trail_cursors: what is shown of it
 * (docs/replication.md, "The cursor is the event table"), never what a
 * sync relies on. Internal to libtrail.
 */
#ifndef TRAIL_SYNC_CURSOR_H
#define TRAIL_SYNC_CURSOR_H

#include "driver/driver.h"
#include "sync/heads.h"
#include "trail/sync.h"

/*
 * trail__sync_cursor - record in @db that it pulled from @peer now, the
 * peer's heads as last read (@peer_heads, may be NULL) and @st's counts;
 * inside the caller's transaction. TRAIL_OK or a failure with db's error set.
 */
int trail__sync_cursor(trail_conn *db, const char *peer, const trail__heads *peer_heads,
                       const trail_sync_stats *st);

#endif
