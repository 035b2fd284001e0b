/*
 * converge.h - what test_converge.c (the draws and the travel) and
 * converge_checks.c (what must hold once the nodes are quiet) share: the
 * three nodes, and what the test knows of each record it made.
 */
#ifndef IT_CONVERGE_H
#define IT_CONVERGE_H

#include "it_common.h"

enum { NODES = 3, MAX_FILES = 64 };

/*
 * A record as the test's writes left it. Another node's write, merged, makes
 * what a node holds of a record something only the merge rules know: such
 * a record is "raced", and only the checks that hold whatever the merge
 * (the same row everywhere, no deleted record alive) look at it.
 */
typedef struct rec {
    char id[TRAIL_ULID_LEN + 1];
    bool order;      /* an order; else a customer */
    int owner;       /* the node that created it */
    int64_t version; /* as its owner last wrote it (of a record no other node wrote) */
    bool gone;       /* a write deleted it, or its create was rolled back */
    bool raced; /* a node other than its owner wrote it, or (an order) it moved to another customer
                 */
    int customer; /* of an order: the index of the customer it was created for */
} rec;

typedef struct world {
    it_db node[NODES];
    trail_conn *other[NODES]; /* a second connection of each node: a second clock, a second lane */
    trail_conn *use[NODES];   /* the one this step writes through */
    char files_dir[PATH_MAX];
    char files[MAX_FILES][PATH_MAX + 32];
    int nfiles;
    rec *recs;
    size_t nrecs, cap;
    bool race; /* nodes write records other nodes made (else each only its own) */
    int cut;   /* the node a partition cuts off, -1 when none */
    uint64_t rng, seed;
    int64_t emails; /* unique values handed out, so that no two records ever hold one */
    int64_t syncs, imports, applied;
    int64_t writes, raced_writes, stale, kept, rolled_back; /* what the draws did */
    int64_t conflicts, merges;                              /* what the checks found */
} world;

/** converge_fail - fail the test with the message made from @fmt, and the seed that replays it. */
void converge_fail(const world *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)))
__attribute__((noreturn));

/**
 * converge_quarantined - the rows of @db's trail_quarantine, counted on
 * @db by plain SQL (it_rows() would open a connection per count, which on
 * a server costs more than the sync it precedes).
 */
int64_t converge_quarantined(trail_conn *db);

/**
 * converge_check - once the nodes are quiet: every node holds the same
 * events, the same rows (a digest per table, every column), the same
 * trail_conflicts (every column but detected_at); each row at the count of
 * its record's edits held; no record with a delete event has a row
 * anywhere; each record no other node wrote is as its owner last wrote it
 * (or gone); nothing is held or refused, and verify is clean on every
 * node. Fills w->conflicts and w->merges.
 */
void converge_check(world *w);

#endif /* IT_CONVERGE_H */
