/*
 * sync/read.h - the next batch a source database has for a destination:
 * internal to libtrail (docs/replication.md, "A sync, step by step", 4).
 */
#ifndef TRAIL_SYNC_READ_H
#define TRAIL_SYNC_READ_H

#include "driver/driver.h"
#include "sync/heads.h"
#include "sync/wire.h"

/*
 * trail__sync_read - fill the empty batch @b from @src with what a
 * destination holding @dst lacks: the lane rows it does not hold (and those
 * @src sealed that it holds unsealed), by node and node_seq; then the events
 * after its heads, merged by (hlc, node_id, lane_id, seq), at least
 * @batch_size of them when there are so many, and more only to finish the
 * transaction the last of a lane belongs to. Lanes in @skip (may be NULL)
 * are left out. *@left receives how many events @src holds beyond @dst's
 * heads (this batch's included), *@have @src's heads (the caller frees
 * them with trail__heads_free(), whatever the outcome). TRAIL_OK, or a
 * failure with src's error set; @b is the caller's to clear.
 */
int trail__sync_read(trail_conn *src, const trail__heads *dst, const trail__heads *skip,
                     size_t batch_size, trail__wire_batch *b, int64_t *left, trail__heads *have);

/*
 * trail__sync_column_text - column @i of @row, of @type, into *@out as the
 * text stored (integers in decimal, also into *@as_int unless NULL), or
 * NULL for SQL NULL; the caller frees it. TRAIL_OK, or a failure with
 * db's error set.
 */
int trail__sync_column_text(trail_conn *db, void *row, size_t i, trail_vtype type, char **out,
                            int64_t *as_int);

/*
 * trail__sync_event_of_row - @row, of TRAIL_EVENT_COLUMNS, into the zeroed
 * @e as the texts stored (trail__sync_column_text()); what was read stays
 * in @e for the caller to free, whatever the outcome. TRAIL_OK or a
 * failure with db's error set.
 */
int trail__sync_event_of_row(trail_conn *db, void *row, trail__wire_event *e);

#endif
