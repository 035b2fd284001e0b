/*
 * trail/sync.h - replication between two databases (SPEC §6,
 * docs/replication.md): pull what one node lacks from another, of any
 * engines, in batches each applied in one transaction.
 */
#ifndef TRAIL_SYNC_H
#define TRAIL_SYNC_H

#include "trail/api.h"
#include "trail/conn.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

/** What a sync did, so far or in all. */
typedef struct trail_sync_stats {
    int64_t seen;    /**< events read from the source (and retried from quarantine) */
    int64_t applied; /**< events applied to the destination */
    int64_t skipped; /**< events the destination held already */
    int64_t held;    /**< events put (or kept) in quarantine: sound, but not applicable yet */
    int64_t refused; /**< events and lane rows that failed a check: never applied */
    int64_t left;    /**< events the source holds beyond the destination's heads, as last read */
    int64_t elapsed_ms;
    /** The last refusal, for messages: "lane L seq S event E: which check" ("" when none). */
    char last_refused[256];
} trail_sync_stats;

/** Called after each batch with the totals so far; returns 0 to go on, anything else to stop. */
typedef int (*trail_sync_progress)(void *userdata, const trail_sync_stats *stats);

/** Options of trail_sync(); zero (or NULL options) means the defaults. */
typedef struct trail_sync_opts {
    /**
     * Events per batch (a transaction is never cut, so a batch may hold
     * more); 0: 1000 for trail_sync(), 10000 for trail_import().
     */
    int batch_size;
    trail_sync_progress progress; /**< NULL: none */
    void *userdata;               /**< handed to progress */
} trail_sync_opts;

/** Default options: `trail_sync_opts o = TRAIL_SYNC_OPTS_INIT;`. */
#define TRAIL_SYNC_OPTS_INIT                                                                       \
    {                                                                                              \
        0, NULL, NULL                                                                              \
    }

/**
 * trail_sync - pull into @dst every lane row and event of @src that @dst
 * does not hold, checked (hashes, chains) and applied with their row
 * effects, batch by batch, each batch in one @dst transaction; first the
 * events @dst holds in quarantine are tried again.
 *
 * @src:   the source, only read.
 * @dst:   the destination; its errors carry the message (trail_errmsg(dst)),
 *         those of reading @src too.
 * @opts:  options, or NULL.
 * @stats: filled with what was done (may be NULL).
 *
 * Returns TRAIL_OK (refused and held events are no failure: @stats counts
 * them); TRAIL_ETWIN when two databases write as one node: @src and @dst
 * are of one node id (nothing is read), or a batch met a fork of a node's
 * chain of lanes (the batch is applied without the second lane, which is
 * refused, and the sync stops; the message names the node, the node_seq
 * and both lanes, and says to run trail_node_reset() on the database that
 * wrote the refused one), as long as one is offered; TRAIL_EARG for NULL
 * arguments; TRAIL_EDB and the others as the databases fail, when the
 * batch under way is rolled back and earlier ones stay. Stopped by the
 * progress callback: TRAIL_OK, with what was applied until then.
 */
TRAIL_API int trail_sync(trail_conn *src, trail_conn *dst, const trail_sync_opts *opts,
                         trail_sync_stats *stats);

/** Options of trail_export(); zero (or NULL options) means everything, no progress. */
typedef struct trail_export_opts {
    /**
     * What the peer holds, as `trail digest PEER_DB` prints it (the JSON
     * text): only what comes after each lane's seq is written. NULL: see peer_node.
     */
    const char *since_digest;
    /**
     * Or the node whose heads this database last read when it pulled from
     * it (trail_cursors): what it learned of that peer. NULL with
     * since_digest NULL: everything.
     */
    const char *peer_node;
    /** Events read per batch (a transaction is never cut); 0: 1000. */
    int batch_size;
    trail_sync_progress progress; /**< after each batch: seen = events written so far */
    void *userdata;
} trail_export_opts;

/** Default options: `trail_export_opts o = TRAIL_EXPORT_OPTS_INIT;`. */
#define TRAIL_EXPORT_OPTS_INIT                                                                     \
    {                                                                                              \
        NULL, NULL, 0, NULL, NULL                                                                  \
    }

/**
 * trail_export - write to @out the lane rows and events a peer lacks, in
 * the file format of docs/replication.md ("Files"): a header line naming
 * this node and the lane ranges inside, then one JSON object a line, in
 * the order a sync applies them (HLC order across lanes; a transaction's
 * events together). Only @db is read; what its writers add meanwhile is
 * left for a later export.
 *
 * Returns TRAIL_OK (@stats->seen: the events written); TRAIL_EARG (NULL
 * arguments, both since_digest and peer_node, a peer this node never
 * pulled from); TRAIL_EINVALID (since_digest not a valid digest);
 * TRAIL_ESYS (@out refused a line); TRAIL_EDB and the others as @db
 * fails. trail_errmsg(db) says why.
 */
TRAIL_API int trail_export(trail_conn *db, FILE *out, const trail_export_opts *opts,
                           trail_sync_stats *stats);

/**
 * trail_import - apply to @db a file trail_export() wrote (or any program
 * writing its format), with the checks and rules of trail_sync(): read a
 * batch of lines (opts->batch_size events, more only to keep a
 * transaction whole), apply it in one transaction, repeat; first the
 * events @db holds in quarantine are tried again. A refused event is
 * named with its line of the file in @stats->last_refused.
 *
 * Returns TRAIL_OK (refused and held events are no failure: @stats
 * counts them); TRAIL_EINVALID (a line that is not of the format, named
 * with its number: the batches before it stay applied, none after);
 * TRAIL_ESYS (@in could not be read); TRAIL_ETWIN as trail_sync() (the
 * file's node is @db's, or a lane forks a node's chain); TRAIL_EDB and the
 * others as @db fails, when the batch under way is rolled back.
 */
TRAIL_API int trail_import(trail_conn *db, FILE *in, const trail_sync_opts *opts,
                           trail_sync_stats *stats);

/** A peer this node pulled from (trail_cursors), as trail_peers() reports it. */
typedef struct trail_peer_info {
    const char *peer_node;
    int64_t pulled_at;   /**< ms since the epoch: the last batch pulled from it */
    int64_t peer_events; /**< the events it held then, by its heads */
    int64_t lag_events;  /**< of those, how many this node does not hold (now) */
    int64_t applied, skipped, held, refused; /**< counts of the last sync from it */
    int64_t syncs;                           /**< syncs from it on record (its last 100) */
    int64_t interval_ms;                     /**< their mean interval; 0 with fewer than 2 */
    /**
     * How overdue its next sync is, as a phi-accrual suspicion level:
     * -log10 of the chance that, with intervals like the past ones, the
     * next sync comes even later than now (1: 10%, 3: 0.1%; at most 300).
     * -1 with fewer than 3 syncs on record.
     */
    double phi;
} trail_peer_info;

/**
 * trail_peers - call @cb for each peer of trail_cursors, by peer_node; @cb
 * returns 0 to go on, anything else to stop (returned as is). TRAIL_OK, or
 * a failure with trail_errmsg(db) saying why.
 */
TRAIL_API int trail_peers(trail_conn *db, int (*cb)(void *userdata, const trail_peer_info *peer),
                          void *userdata);

/** Options of trail_node_reset(). */
typedef struct trail_node_reset_opts {
    /**
     * The first node_seq of the old node's lanes that this database wrote
     * after it was copied (the fork, which the TRAIL_ETWIN message names):
     * its lanes from there on move to the new node. 0: where this database
     * saw the fork itself (a twin's lane it refused), else none move.
     */
    int64_t from_seq;
} trail_node_reset_opts;

/** Default options: `trail_node_reset_opts o = TRAIL_NODE_RESET_OPTS_INIT;`. */
#define TRAIL_NODE_RESET_OPTS_INIT                                                                 \
    {                                                                                              \
        0                                                                                          \
    }

/** What trail_node_reset() did. */
typedef struct trail_node_reset_result {
    char old_node[TRAIL_NODE_ID_MAX + 1];
    char new_node[TRAIL_NODE_ID_MAX + 1]; /**< "" when it failed */
    int64_t from_seq;                     /**< the old node's lanes from here on moved */
    int64_t lanes_moved, events_moved;
} trail_node_reset_result;

/**
 * trail_node_reset - give @db's database a node id of its own, when it is
 * a copy of another node's database (docs/replication.md, "Node
 * identity"): a new node id becomes the database's; the lanes it wrote
 * under the old id from opts->from_seq on move to the new id, their events
 * with them (same ids, times, writers and values; new node, lane and chain
 * hashes), the first naming the old lane it replaces, which fences that
 * lane off on every node that receives it. All in one transaction. Run it
 * with the database's other writers stopped: a connection opened before
 * still writes as the old node, and is refused its next lane.
 *
 * Returns TRAIL_OK (@result filled, may be NULL); TRAIL_EARG (inside
 * trail_begin(), from_seq negative); TRAIL_EDB and the others as @db fails,
 * when nothing changed. trail_errmsg(db) says why.
 */
TRAIL_API int trail_node_reset(trail_conn *db, const trail_node_reset_opts *opts,
                               trail_node_reset_result *result);

#ifdef __cplusplus
}
#endif

#endif /* TRAIL_SYNC_H */
