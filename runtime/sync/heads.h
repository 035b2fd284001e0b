/*
 * sync/heads.h - what a node holds of each lane: internal to libtrail
 * (docs/replication.md, "The cursor is the event table").
 *
 * A node holds a lane up to its head, the highest seq of the lane in its
 * event table (0 for a lane with no events), read through the unique
 * (lane_id, seq) index. The heads are the cursor of every sync: what the
 * destination holds is what it need not be sent.
 */
#ifndef TRAIL_SYNC_HEADS_H
#define TRAIL_SYNC_HEADS_H

#include "core/sha256.h"
#include "driver/driver.h"

#include <stddef.h>
#include <stdint.h>

typedef struct trail__head {
    char lane_id[TRAIL_ULID_LEN + 1];
    char node_id[TRAIL_NODE_ID_MAX + 1];
    int64_t node_seq;
    char lane_hash[TRAIL_SHA256_HEX_LEN + 1];
    int64_t sealed_seq;                  /* -1: not sealed */
    int64_t seq;                         /* of the lane's last event held; 0: none */
    char hash[TRAIL_SHA256_HEX_LEN + 1]; /* of that event, or the lane row's for seq 0 */
} trail__head;

/*
 * Every lane a node holds, sorted by lane_id; and, made when first asked
 * for after a change, their places in v sorted by node and node_seq, so
 * that walking a node's chain of lanes costs a binary search per step and
 * not a scan of every lane.
 */
typedef struct trail__heads {
    trail__head *v;
    size_t n, cap;
    size_t *by_node; /* n places in v, when by_node_n == n; NULL or stale otherwise */
    size_t by_node_n;
    bool by_node_stale;
} trail__heads;

/*
 * trail__heads_read - @db's heads into the empty @out (freed with
 * trail__heads_free() whatever the outcome). TRAIL_OK, or a failure with
 * db's error set.
 */
int trail__heads_read(trail_conn *db, trail__heads *out);

/* trail__heads_find - the head of @lane_id, or NULL when @h holds no such lane. */
trail__head *trail__heads_find(const trail__heads *h, const char *lane_id);

/* trail__heads_add - add @head (a lane @h does not hold) in its place. TRAIL_OK or TRAIL_ENOMEM. */
int trail__heads_add(trail__heads *h, const trail__head *head);

/* trail__heads_remove - forget @lane_id's head, if @h holds one. */
void trail__heads_remove(trail__heads *h, const char *lane_id);

/* trail__heads_node_last - the lane of @node_id with the highest node_seq, or NULL. */
const trail__head *trail__heads_node_last(const trail__heads *h, const char *node_id);

/*
 * trail__heads_node_at - the lane of @node_id at @node_seq, or NULL (-1:
 * the last, as above). Of two lanes at one node_seq (a fork), the one with
 * the greater lane_id; of two last ones, the smaller.
 */
const trail__head *trail__heads_node_at(const trail__heads *h, const char *node_id,
                                        int64_t node_seq);

/* trail__heads_events - the events @h holds in all: the sum of its heads. */
int64_t trail__heads_events(const trail__heads *h);

void trail__heads_free(trail__heads *h);

#endif
