/*
 * sync/own.c - events a destination writes of its own while applying
 * (own.h).
 *
 * They are stamped and hashed here, as SQLite's writes are, and inserted
 * with the statement that inserts applied events, so that every engine
 * writes them alike without the generated code.
 */
#include "sync/own.h"
#include "audit/lane.h"
#include "driver/sql.h"

int trail__sync_above_record(trail_conn *db, const char *table, const char *record_id)
{
    trail_value k[2] = { trail_v_text(table), trail_v_text(record_id) };
    int64_t newest = 0;
    int rc = trail__conn_query_int(db, db->drv->sql->record_last_hlc, k, 2, &newest);
    if (rc < 0)
        return rc;
    if (newest >= trail_hlc_last(db->clock) && (rc = trail_hlc_set_floor(db->clock, newest)) < 0)
        return trail__err_set(&db->err, rc, "the record's newest event has a negative hlc");
    return TRAIL_OK;
}

int trail__sync_own_event(trail_conn *db, const trail_event *ev, char event_id[TRAIL_ULID_LEN + 1],
                          int64_t *hlc)
{
    trail_value cols[TRAIL_EVENT_COLUMNS];
    char hash[TRAIL_SHA256_HEX_LEN + 1];
    int rc = trail__lane_ensure(db);
    if (rc < 0 || (rc = trail__sync_above_record(db, ev->table, ev->record_id)) < 0 ||
        (rc = trail__event_stamp(db, ev, event_id, cols)) < 0)
        return rc;
    if ((rc = trail__event_seal(cols, hash)) < 0)
        return trail__err_set(&db->err, rc, "out of memory");
    if ((rc = db->drv->query(db, db->drv->sql->event_insert, cols, TRAIL_EVENT_COLUMNS, NULL, NULL,
                             NULL)) < 0)
        return rc;
    trail__lane_advance(db, hash);
    if (hlc)
        *hlc = cols[TRAIL_EV_hlc].i;
    return TRAIL_OK;
}
