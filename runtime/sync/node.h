/*
 * sync/node.h - a database's node identity across `trail node reset`
 * (docs/replication.md, "Node identity"): internal to libtrail.
 *
 * A reset moves the lanes a database wrote under its old node id, from the
 * fork on, to a new id; the lanes before the fork stay the old node's,
 * and are still this database's own history. The reset is recorded in
 * trail_meta as "node.<old id>.reset" = {"node":old,"new":new,"from_seq":K,"at":ms}, so
 * that verify can tell this database's own lanes from those another
 * database wrote under the old id later.
 */
#ifndef TRAIL_SYNC_NODE_H
#define TRAIL_SYNC_NODE_H

#include "driver/driver.h"

#include <stdbool.h>

/* One reset this database went through. */
typedef struct trail__node_reset {
    char old_node[TRAIL_NODE_ID_MAX + 1];
    int64_t from_seq; /* the old node's lanes from here on were moved away */
} trail__node_reset;

/* The resets of a database: the old ids its own history was written under. */
typedef struct trail__lineage {
    trail__node_reset *v;
    size_t n;
} trail__lineage;

/* trail__lineage_read - @db's resets into the empty @out. TRAIL_OK or a failure, db's error set. */
int trail__lineage_read(trail_conn *db, trail__lineage *out);

/* trail__lineage_own - whether node @node's lane at @node_seq is of this database's own history. */
bool trail__lineage_own(const trail__lineage *l, const char *node, int64_t node_seq);

void trail__lineage_free(trail__lineage *l);

/*
 * trail__node_seen - a lane of node @node_id arrived: its row of
 * trail_nodes is made (not local, no hostname, first seen @first_seen: the
 * lane's opening) or its last_seen moved to now. TRAIL_OK or a failure,
 * db's error set.
 */
int trail__node_seen(trail_conn *db, const char *node_id, int64_t first_seen);

#endif
