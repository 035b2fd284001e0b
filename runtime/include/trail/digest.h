/*
 * trail/digest.h - a digest of the history: every lane's last event (SPEC §4).
 *
 * A hash chain shows an event edited, removed or slipped in between others,
 * but not events cut off the end of a lane, nor a lane whose every event was
 * rewritten with its hashes recomputed. A digest answers both: taken now and
 * kept where the database's writers cannot change it (another system, a log,
 * paper), it lets trail_verify_with() (trail_verify_opts.digest_json) prove
 * later that everything it covers is still there, unchanged. Its form and
 * root hash are defined in docs/events.md ("Digests").
 */
#ifndef TRAIL_DIGEST_H
#define TRAIL_DIGEST_H

#include "trail/api.h"

#include "trail/conn.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * trail_digest - a digest of @db's history: one JSON document naming every
 * lane of trail_lanes (its lane_id, node_id, and the seq and hash of its
 * last event: seq 0 and the lane row's hash for a lane without events) in
 * lane_id order, with the format and its version, this database's node, the
 * time it was taken (created_at) and a root hash over the lanes.
 *
 * It reads one snapshot of the database (a read-only transaction), so the
 * lanes and their heads agree, and it covers committed events only; it
 * takes no lock that a writer waits for, and reads each lane's last event
 * through the (lane_id, seq) index, not every event.
 *
 * @out receives the document (no trailing newline), which the caller owns
 * and frees with free(); NULL on failure. Returns TRAIL_OK, TRAIL_EARG
 * (@out NULL, or called inside trail_begin(): a digest covers committed
 * events only), TRAIL_EDB (the database could not be read, or is not a
 * trail database), TRAIL_EINVALID (a lane's node id is not UTF-8) or
 * TRAIL_ENOMEM; trail_errmsg(db) says why.
 */
TRAIL_API int trail_digest(trail_conn *db, char **out);

#ifdef __cplusplus
}
#endif

#endif /* TRAIL_DIGEST_H */
