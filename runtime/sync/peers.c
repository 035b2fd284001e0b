/*
 * sync/peers.c - trail_peers(): the rows of trail_cursors, with the lag
 * against this node's heads now (trail/sync.h, docs/replication.md "The
 * cursor is the event table").
 */
#include "driver/sql.h"
#include "sync/health.h"
#include "sync/heads.h"
#include "trail/sync.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

typedef struct peer_walk {
    const trail__heads *mine;
    const trail__pulls *pulls;
    int64_t now;
    int (*cb)(void *, const trail_peer_info *);
    void *userdata;
    int stopped; /* what cb returned when it stopped the walk */
} peer_walk;

/* The events of @heads_json (lane id to seq) beyond @mine's heads. */
static int64_t lag_of(const trail__heads *mine, const char *heads_json, size_t n)
{
    json_t *j = json_loadb(heads_json ? heads_json : "", n, 0, NULL);
    const char *lane;
    json_t *seq;
    int64_t lag = 0;
    json_object_foreach(j, lane, seq)
    {
        const trail__head *h = trail__heads_find(mine, lane);
        int64_t s = json_integer_value(seq), have = h ? h->seq : 0;
        if (s > have)
            lag += s - have;
    }
    json_decref(j);
    return lag;
}

static int peer_row(trail_conn *db, void *row, void *userdata)
{
    static const trail_vtype types[8] = { TRAIL_V_TEXT, TRAIL_V_INT, TRAIL_V_TEXT, TRAIL_V_INT,
                                          TRAIL_V_INT,  TRAIL_V_INT, TRAIL_V_INT,  TRAIL_V_INT };
    peer_walk *w = userdata;
    trail_value c[8];
    int rc = trail__row_read(db, row, types, c, 8);
    if (rc < 0)
        return rc;
    char node[TRAIL_NODE_ID_MAX + 1];
    snprintf(node, sizeof node, "%.*s", (int)c[0].n, c[0].s ? c[0].s : "");
    trail_peer_info p = {
        .peer_node = node,
        .pulled_at = c[1].i,
        .peer_events = c[3].i,
        .lag_events = lag_of(w->mine, c[2].s, c[2].n),
        .applied = c[4].i,
        .skipped = c[5].i,
        .held = c[6].i,
        .refused = c[7].i,
    };
    trail__peer_health(w->pulls, node, w->now, &p.syncs, &p.interval_ms, &p.phi);
    if ((rc = w->cb(w->userdata, &p)) != 0) {
        w->stopped = rc;
        return 1;
    }
    return 0;
}

int trail_peers(trail_conn *db, int (*cb)(void *userdata, const trail_peer_info *peer),
                void *userdata)
{
    if (!db)
        return TRAIL_EARG;
    if (!cb)
        return trail__err_set(&db->err, TRAIL_EARG, "trail_peers: no callback");
    int rc = trail__conn_need_tables(db);
    trail__heads mine = { 0 };
    trail__pulls pulls = { 0 };
    if (rc == TRAIL_OK)
        rc = trail__heads_read(db, &mine);
    if (rc == TRAIL_OK)
        rc = trail__pulls_read(db, &pulls);
    peer_walk w = { &mine, &pulls, trail__conn_wall_ms(db), cb, userdata, 0 };
    if (rc == TRAIL_OK)
        rc = db->drv->query(db, db->drv->sql->cursors, NULL, 0, peer_row, &w, NULL);
    trail__heads_free(&mine);
    trail__pulls_free(&pulls);
    return w.stopped ? w.stopped : rc;
}
