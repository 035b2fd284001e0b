/*
 * digest.h - checking a database against a digest (trail/digest.h): internal
 * to libtrail, verify's digest step (verify.c).
 *
 * The digest is read and its root hash checked before verify starts, so
 * that a damaged or edited digest stops it before anything is read from the
 * database; its lanes are then looked up one by one in the database.
 */
#ifndef TRAIL_HISTORY_DIGEST_H
#define TRAIL_HISTORY_DIGEST_H

#include "trail/conn.h"

#include <stddef.h>
#include <stdint.h>

/* A digest read back: its lanes, in lane_id order. */
typedef struct trail_digest_doc trail_digest_doc;

/*
 * trail__digest_parse - read the digest @json (trail_digest()'s form, any
 * JSON spacing) into *@out, which the caller frees with
 * trail__digest_free(): TRAIL_OK; TRAIL_EINVALID with db->err saying why
 * when it is no digest of this form and version, or its root hash does not
 * match its lanes (the digest was edited or damaged); TRAIL_ENOMEM.
 */
int trail__digest_parse(trail_conn *db, const char *json, trail_digest_doc **out);

/*
 * trail__digest_lane - lane @i (below trail__digest_lanes()) of @doc: its
 * lane id and the seq of its last event, borrowed from @doc.
 */
size_t trail__digest_lanes(const trail_digest_doc *doc);
void trail__digest_lane(const trail_digest_doc *doc, size_t i, const char **lane_id, int64_t *seq);

/* trail__digest_free - free what trail__digest_parse() made; NULL is allowed. */
void trail__digest_free(trail_digest_doc *doc);

/*
 * Called with each difference between the database and the digest: the
 * event concerned (NULL when none) and a sentence naming the lane, the seq
 * and what is wrong, both borrowed. Returns TRAIL_OK, or a failure that
 * stops the check.
 */
typedef int (*trail__digest_problem_fn)(void *userdata, const char *event_id, const char *what);

/*
 * trail__digest_check - every lane of @doc must be in trail_lanes with the
 * digest's node, and its event at the digest's seq must be there with the
 * digest's hash (for seq 0, the lane row's hash must be); each lane that
 * differs goes to @problem. Events and lanes added after the digest are
 * not its concern. Returns TRAIL_OK when every lane was looked up, problems
 * or not; else TRAIL_EDB, TRAIL_ENOMEM or @problem's failure, db->err set.
 */
int trail__digest_check(trail_conn *db, const trail_digest_doc *doc,
                        trail__digest_problem_fn problem, void *userdata);

#endif /* TRAIL_HISTORY_DIGEST_H */
