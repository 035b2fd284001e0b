/*
 * sync/ahead.h - the next batch made on a second thread while the caller
 * applies the one before: internal to libtrail.
 *
 * An import spends a third of its time reading lines and hashing events,
 * work that needs no database; on a machine with a second core it is
 * done there, one batch ahead, and the apply waits only when the reading
 * is slower. A producer that reads a pipe or a terminal runs on the
 * caller's thread instead: a thread blocked in a read could not be
 * stopped when the apply fails.
 */
#ifndef TRAIL_SYNC_AHEAD_H
#define TRAIL_SYNC_AHEAD_H

#include "core/err.h"
#include "sync/wire.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

/*
 * Makes the next batch into the zeroed @out. *@last: no batch follows
 * (set on a failure too); *@left: events known to be left after it, for
 * progress. TRAIL_OK, or a failure with @err set; @out is the caller's in
 * every case.
 */
typedef int (*trail__ahead_fn)(void *state, trail__wire_batch *out, bool *last, int64_t *left,
                               trail_err *err);

/* One batch as made: what the producer returned with it. */
typedef struct trail__ahead_item {
    trail__wire_batch batch;
    int rc;
    trail_err err; /* when rc < 0 */
    bool last;
    int64_t left;
} trail__ahead_item;

typedef struct trail__ahead {
    trail__ahead_fn produce;
    void *state;
    bool threaded;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    trail__ahead_item next; /* made, not taken yet, while full */
    bool full, stop;
} trail__ahead;

/*
 * trail__ahead_start - begin making batches with @produce(@state): on a
 * thread of their own when @threaded (and a thread can be made), else on
 * each trail__ahead_next(). @state is the producer's alone until
 * trail__ahead_stop() returns.
 */
void trail__ahead_start(trail__ahead *a, trail__ahead_fn produce, void *state, bool threaded);

/*
 * trail__ahead_next - the next batch into @out (the caller's, cleared
 * with trail__wire_batch_clear()), waiting for it if it is being made.
 * Not called again once an item was last.
 */
void trail__ahead_next(trail__ahead *a, trail__ahead_item *out);

/* trail__ahead_stop - no more batches: waits for the thread, frees what it made and was not taken.
 */
void trail__ahead_stop(trail__ahead *a);

#endif
