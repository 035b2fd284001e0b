/*
 * sync/cursor.c - the row of trail_cursors a sync leaves (cursor.h).
 */
#include "sync/cursor.h"
#include "core/json.h"
#include "driver/sql.h"

int trail__sync_cursor(trail_conn *db, const char *peer, const trail__heads *peer_heads,
                       const trail_sync_stats *st)
{
    const trail_runtime_sql *sql = db->drv->sql;
    trail_buf heads = TRAIL_BUF_INIT;
    trail_json w;
    trail__json_init(&w, &heads);
    trail__json_begin_object(&w);
    for (size_t i = 0; peer_heads && i < peer_heads->n; i++) {
        trail__json_key(&w, peer_heads->v[i].lane_id);
        trail__json_int64(&w, peer_heads->v[i].seq);
    }
    trail__json_end_object(&w);
    int rc = trail__json_finish(&w);
    if (rc < 0) {
        trail__buf_free(&heads);
        return trail__err_set(&db->err, rc, "out of memory");
    }
    int64_t now = trail__conn_wall_ms(db);
    trail_value key = trail_v_text(peer);
    trail_value p[9] = { key,
                         trail_v_int(now),
                         trail_v_text(heads.data),
                         trail_v_int(peer_heads ? trail__heads_events(peer_heads) : 0),
                         trail_v_int(st->applied),
                         trail_v_int(st->skipped),
                         trail_v_int(st->held),
                         trail_v_int(st->refused),
                         trail_v_int(now) };
    if ((rc = db->drv->query(db, sql->cursor_delete, &key, 1, NULL, NULL, NULL)) == TRAIL_OK)
        rc = db->drv->query(db, sql->cursor_insert, p, 9, NULL, NULL, NULL);
    trail__buf_free(&heads);
    return rc;
}
