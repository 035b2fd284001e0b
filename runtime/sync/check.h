/*
 * sync/check.h - the checks an arriving lane row or event passes before it
 * is applied (docs/replication.md, "A sync, step by step", 5, Check):
 * internal to libtrail. The hashes are recomputed by the code that makes
 * them (audit/lane.c, audit/event.c).
 */
#ifndef TRAIL_SYNC_CHECK_H
#define TRAIL_SYNC_CHECK_H

#include "driver/driver.h"
#include "sync/heads.h"
#include "sync/wire.h"

#include <stdbool.h>

/* trail__wire_event_values - @ev's columns as bound and hashed (borrowing @ev's texts). */
void trail__wire_event_values(const trail__wire_event *ev, trail_value cols[TRAIL_EVENT_COLUMNS]);

/* trail__wire_lane_values - @l's columns so. */
void trail__wire_lane_values(const trail__wire_lane *l, trail_value cols[TRAIL_LANE_COLUMNS]);

/*
 * trail__check_lane - whether the lane row @l, which @have does not hold
 * yet, may join it: its hash that of its columns, and its place in its
 * node's chain (node_seq one past the node's last lane held, prev_lane
 * that lane, prev_hash its hash; a node's first lane names none, unless it
 * is a fence: node.c). Returns NULL when it may, else what is wrong,
 * written into @why (@size bytes). *@twin tells whether what is wrong is a
 * fork of the node's chain, or a lane of @self (the destination's own
 * node, which never comes back to it): two databases writing as one node
 * (TRAIL_ETWIN). TRAIL_ENOMEM goes to *@rc.
 */
const char *trail__check_lane(const trail__wire_lane *l, const trail__heads *have, const char *self,
                              char *why, size_t size, int *rc, bool *twin);

/*
 * trail__check_event - whether @ev, the next event of the lane @head, is
 * what its lane says: its node the lane's, prev_hash the head's hash, hash
 * that of its columns (as trail__check_hashes() found it, if it looked).
 * NULL, or what is wrong in @why; TRAIL_ENOMEM in *@rc.
 */
const char *trail__check_event(const trail__wire_event *ev, const trail__head *head, char *why,
                               size_t size, int *rc);

/*
 * trail__check_hashes - for each event of @b, whether its hash is that of
 * its columns, kept in the event (hash_ok) for trail__check_event(): the
 * one check that needs no database, made where the batch is read (on a
 * reader's thread for an import, sync/ahead.h). TRAIL_OK or TRAIL_ENOMEM.
 */
int trail__check_hashes(trail__wire_batch *b);

#endif
