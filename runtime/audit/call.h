/*
 * call.h - the frame of an audited call, for the drivers that write from C
 * and for the record logic's reads: internal to libtrail.
 *
 * A write runs in its own transaction, or inside the caller's trail_begin()
 * under a savepoint, so that a failed call leaves nothing of itself behind
 * either way: the record is read and locked at its version, written, its
 * change event recorded, then the transaction commits (sqlite/write_sqlite.c;
 * the engines that do it in one statement, write_one.c, bracket it on the
 * server).
 */
#ifndef TRAIL_CALL_H
#define TRAIL_CALL_H

#include "audit/values.h"
#include "driver/driver.h"

/*
 * trail__call_begin - start a call: a transaction with a fresh db->tx_id,
 * or a savepoint inside trail_begin(). Returns TRAIL_OK or a failure with
 * db->err set.
 */
int trail__call_begin(trail_conn *db);

/*
 * trail__call_end - end the call begun with trail__call_begin(), whose
 * work returned @rc: commit (release) when @rc is not negative, else undo
 * it keeping db->err. Returns @rc, or the commit's failure.
 */
int trail__call_end(trail_conn *db, int rc);

/*
 * trail__call_read - run @sql with its @n @params and load its first row
 * into a new record in *@rec, which the caller frees with
 * trail__values_free_record() or hands on with trail__values_give_record().
 * TRAIL_ENOTFOUND (db->err not set) when there is no row.
 */
int trail__call_read(trail_conn *db, const trail_entity *e, const char *sql,
                     const trail_value *params, size_t n, void **rec);

/*
 * trail__call_lock - inside the call's transaction, read and lock the
 * record w->key into a new record *@before, its values (borrowing from it)
 * into @old, and check that it is at w->version. TRAIL_ENOTFOUND and
 * TRAIL_ECONFLICT (w->version_found set) as trail_driver.write() returns
 * them. On failure *@before holds the record read (to free with
 * trail__values_free_record()) or NULL. Where the client writes the events
 * (the dialect's client_events), the lock statement also reads the hlc of
 * the record's newest event (0 for none): into *@record_hlc when it is not
 * NULL.
 */
int trail__call_lock(trail_conn *db, trail_write_op *w, void **before, trail_row *old,
                     int64_t *record_hlc);

#endif /* TRAIL_CALL_H */
