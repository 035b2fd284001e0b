/*
 * lane.h - a connection's writer lane: internal to libtrail.
 *
 * Every connection that writes gets a lane of its own, once, at its first
 * write (SPEC §4): a ULID registered in trail_lanes, whose row chains to the
 * node's previous lane. The connection chains its events in its lane: seq
 * counts up from 1, and prev_hash is the hash of the lane's previous event
 * (for seq 1, of the lane's row). The head (last seq and hash) is kept here,
 * in memory, so that a write never reads the latest event back and never
 * waits for another connection's commit; registering a lane is the only
 * moment a node's writers take turns (on the node's row in trail_nodes).
 *
 * The head moves only when a write committed (or, inside trail_begin(),
 * when its call succeeded); trail_begin() keeps a copy that a rollback puts
 * back. A write whose outcome is unknown (the engine's error, a connection
 * lost) ends the lane: the next write registers a new one, since this one's
 * head can no longer be trusted. The head is the connection's trail_lane
 * (driver.h). trail_close() seals the lane, recording its
 * last seq and hash in its row; so does the next write after the driver
 * connected again (trail_conn.session), since the new session may be with
 * another member of a cluster, and a new lane begins there.
 */
#ifndef TRAIL_LANE_H
#define TRAIL_LANE_H

#include "core/sha256.h"

struct trail_conn;
struct trail_value;

/*
 * trail__lane_ensure - register a lane for @db unless it has one open: in a
 * transaction of its own, or inside trail_begin()'s (then a rollback undoes
 * it, and puts back the state without a lane). Returns TRAIL_OK or a
 * failure with db->err set.
 */
int trail__lane_ensure(struct trail_conn *db);

/* trail__lane_advance - the write that made the event hashed @hash succeeded: it heads the lane. */
void trail__lane_advance(struct trail_conn *db, const char *hash);

/* trail__lane_end - forget the lane (its head is unknown): the next write registers another. */
void trail__lane_end(struct trail_conn *db);

/*
 * trail__lane_seal - record the open lane's head in its row, outside any
 * transaction; failures are ignored (the connection is closing, and an
 * unsealed lane is valid: only a digest proves its tail).
 */
void trail__lane_seal(struct trail_conn *db);

/*
 * trail__lane_hash - the hash of a trail_lanes row given as its columns
 * (TRAIL_LANE_*: event_columns.h): the SHA-256 of its HASHED columns as one
 * compact JSON array, in lowercase hex. Returns TRAIL_OK or TRAIL_ENOMEM.
 */
int trail__lane_hash(char out[TRAIL_SHA256_HEX_LEN + 1], const struct trail_value *cols);

#endif /* TRAIL_LANE_H */
