/*
 * lane.c - registering, heading and sealing a connection's lane (lane.h).
 */
#include "audit/lane.h"
#include "audit/event.h"
#include "audit/event_columns.h"
#include "driver/driver.h"
#include "driver/sql.h"

#include <stdio.h>
#include <string.h>

/* Whether the lane's hash covers each column (event_columns.h). */
#define HASHED(n, name, value, kind, null, fill, hash) TRAIL_EVENT_##hash,
static const bool lane_hashed[TRAIL_LANE_COLUMNS] = { TRAIL_LANE_COLUMN_TABLE(HASHED, ) };
#undef HASHED

int trail__lane_hash(char out[TRAIL_SHA256_HEX_LEN + 1], const trail_value *cols)
{
    trail_buf text = TRAIL_BUF_INIT;
    int rc = trail__row_message(&text, cols, lane_hashed, TRAIL_LANE_COLUMNS);
    if (rc == TRAIL_OK)
        rc = trail__sha256_hex(out, text.data, text.len);
    trail__buf_free(&text);
    return rc;
}

/* The node's newest lane: its id, place and hash. */
struct newest {
    bool found;
    char id[TRAIL_ULID_LEN + 1];
    int64_t node_seq;
    char hash[TRAIL_SHA256_HEX_LEN + 1];
};

static int read_newest(trail_conn *db, void *row, void *userdata)
{
    static const trail_vtype types[3] = { TRAIL_V_TEXT, TRAIL_V_INT, TRAIL_V_TEXT };
    struct newest *nw = userdata;
    trail_value v[3];
    int rc = trail__row_read(db, row, types, v, 3);
    if (rc < 0)
        return rc;
    if (v[0].n != TRAIL_ULID_LEN || v[2].n != TRAIL_SHA256_HEX_LEN)
        return trail__err_set(&db->err, TRAIL_EDB,
                              "trail_lanes: the node's newest lane has a malformed id or hash");
    memcpy(nw->id, v[0].s, v[0].n);
    nw->id[v[0].n] = '\0';
    memcpy(nw->hash, v[2].s, v[2].n);
    nw->hash[v[2].n] = '\0';
    nw->node_seq = v[1].i;
    nw->found = true;
    return 1;
}

static int register_lane(trail_conn *db, trail_lane *lane);

/*
 * register_lane(), whose loser of a race learns it as TRAIL_EBUSY, to be run
 * again: the node's next place in its chain of lanes was taken meanwhile.
 * On a single server the node's row, locked first, makes registrations
 * take turns; the members of a Galera cluster share that row but lock it
 * each on its own, so two may pick the same place, and the later may hear
 * of it from the unique index of (node_id, node_seq), a duplicate, rather
 * than as a certification failure (1213). Either way its registration is
 * undone, and passes when run again after the other's.
 */
static int register_lane_raced(trail_conn *db, trail_lane *lane)
{
    int rc = register_lane(db, lane);
    if (rc != TRAIL_EUNIQUE)
        return rc;
    char why[TRAIL_ERRMSG_MAX];
    snprintf(why, sizeof why, "%s", trail__err_message(&db->err));
    rc = trail__err_set(&db->err, TRAIL_EBUSY,
                        "another connection registered the next lane of node %s first: %s",
                        db->node_id, why);
    db->retryable = true;
    return rc;
}

/* The registration's statements, inside the transaction: the lane made goes to @lane. */
static int register_lane(trail_conn *db, trail_lane *lane)
{
    const trail_runtime_sql *sql = db->drv->sql;
    int64_t now = trail__conn_wall_ms(db);
    trail_value turn[2] = { trail_v_int(now), trail_v_text(db->node_id) };
    trail_value node = trail_v_text(db->node_id);
    struct newest nw = { .found = false };
    int64_t changed = 0;
    int rc = db->drv->query(db, sql->lane_turn, turn, 2, NULL, NULL, &changed);
    if (rc < 0)
        return rc;
    if (changed != 1)
        return trail__err_set(&db->err, TRAIL_EDB,
                              "this connection writes as node %s, which is not this database's "
                              "node (any more: `trail node reset` gave it another, or its row "
                              "in trail_nodes is gone); open the database again",
                              db->node_id);
    if ((rc = db->drv->query(db, sql->lane_last, &node, 1, read_newest, &nw, NULL)) < 0)
        return rc;

    int64_t hlc = trail_hlc_now(db->clock);
    trail_ulid id;
    if ((rc = trail_ulid_next(db->ids, TRAIL_HLC_MS(hlc), &id)) < 0)
        return trail__err_set(&db->err, rc, "cannot make a lane id");
    trail_ulid_format(lane->id, &id);
    trail_value cols[TRAIL_LANE_COLUMNS] = {
        [TRAIL_LANE_lane_id] = trail_v_text(lane->id),
        [TRAIL_LANE_node_id] = trail_v_text(db->node_id),
        [TRAIL_LANE_node_seq] = trail_v_int(nw.found ? nw.node_seq + 1 : 1),
        [TRAIL_LANE_opened_hlc] = trail_v_int(hlc),
        [TRAIL_LANE_opened_at] = trail_v_int(now),
        [TRAIL_LANE_prev_lane] = trail_v_text(nw.found ? nw.id : NULL),
        [TRAIL_LANE_prev_hash] = trail_v_text(nw.found ? nw.hash : NULL),
    };
    if ((rc = trail__lane_hash(lane->hash, cols)) < 0)
        return trail__err_set(&db->err, rc, "cannot hash the lane's row");
    cols[TRAIL_LANE_hash] = trail_v_text(lane->hash);
    if ((rc = db->drv->query(db, sql->lane_insert, cols, TRAIL_LANE_COLUMNS, NULL, NULL, NULL)) < 0)
        return rc;
    lane->seq = 0;
    lane->session = db->session;
    lane->open = true;
    return TRAIL_OK;
}

/* Records the open lane's head in its row; failures are ignored (trail__lane_seal()). */
static void seal(trail_conn *db)
{
    trail_value p[4] = { trail_v_int(db->lane.seq), trail_v_text(db->lane.hash),
                         trail_v_int(trail__conn_wall_ms(db)), trail_v_text(db->lane.id) };
    trail_err saved = db->err;
    db->drv->query(db, db->drv->sql->lane_seal, p, 4, NULL, NULL, NULL);
    db->err = saved;
    db->lane.open = false;
}

/* How many times a registration outside trail_begin() is run again before the write gives up. */
#define LANE_RETRIES 15

/* register_lane_raced() in a transaction of its own. */
static int register_alone(trail_conn *db, trail_lane *lane)
{
    int rc = db->drv->begin(db);
    if (rc < 0)
        return rc;
    if ((rc = register_lane_raced(db, lane)) < 0)
        goto fail;
    if ((rc = db->drv->commit(db)) < 0)
        goto fail;
    return TRAIL_OK;
fail:;
    trail_err saved = db->err;
    bool retryable = db->retryable;
    db->drv->rollback(db);
    db->err = saved;
    db->retryable = retryable;
    return rc;
}

int trail__lane_ensure(trail_conn *db)
{
    /*
     * The connection was lost and connected again, maybe to another member
     * of a cluster: its lane, whose head is still known (no write's outcome
     * was lost with it, else the lane had ended), is sealed there, and a new
     * one begins in the new session. Inside trail_begin() it only ends:
     * a failed seal there would fail the caller's transaction on
     * PostgreSQL (an unsealed lane is valid; only a digest proves its tail).
     */
    if (db->lane.open && db->lane.session != db->session) {
        if (db->in_tx)
            db->lane.open = false;
        else
            seal(db);
    }
    if (db->lane.open)
        return TRAIL_OK;
    trail_lane lane = { .open = false };
    if (db->in_tx) { /* trail_rollback() puts back the copy taken at trail_begin(): no lane */
        int rc = register_lane_raced(db, &lane);
        if (rc == TRAIL_OK)
            db->lane = lane;
        return rc;
    }
    /*
     * Registrations take turns on the node's row, which on a Galera cluster
     * every member shares: a burst of new connections over the members
     * collides often (issue 19 measured 4 to 21 % of first writes still
     * refused after the write's own 5 retries). A registration is a short
     * transaction of its own here, so it alone is run again, more often.
     */
    int rc, attempt = 0;
    while (trail__conn_run_again(db, rc = register_alone(db, &lane), &attempt, LANE_RETRIES)) {
    }
    if (rc == TRAIL_OK)
        db->lane = lane;
    return rc;
}

void trail__lane_advance(trail_conn *db, const char *hash)
{
    db->lane.seq++;
    memcpy(db->lane.hash, hash, TRAIL_SHA256_HEX_LEN);
    db->lane.hash[TRAIL_SHA256_HEX_LEN] = '\0';
}

void trail__lane_end(trail_conn *db)
{
    db->lane.open = false;
}

void trail__lane_seal(trail_conn *db)
{
    if (db->lane.open && !db->in_tx)
        seal(db);
}
