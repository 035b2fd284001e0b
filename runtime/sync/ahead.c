/*
 * sync/ahead.c - the next batch made on a second thread (ahead.h).
 *
 * One slot between the two threads: the producer makes batch k + 1 while
 * the caller applies batch k, and waits while the slot is full, so that
 * at most three batches are in memory (applied, waiting, being made).
 */
#include "sync/ahead.h"

#include <string.h>

static void make(trail__ahead *a, trail__ahead_item *it)
{
    *it = (trail__ahead_item){ .rc = TRAIL_OK };
    it->rc = a->produce(a->state, &it->batch, &it->last, &it->left, &it->err);
    if (it->rc < 0)
        it->last = true;
}

static void *run(void *arg)
{
    trail__ahead *a = arg;
    for (bool last = false; !last;) {
        trail__ahead_item it;
        make(a, &it);
        last = it.last;
        pthread_mutex_lock(&a->mu);
        while (a->full && !a->stop)
            pthread_cond_wait(&a->cv, &a->mu);
        bool stop = a->stop;
        if (!stop) {
            a->next = it;
            a->full = true;
            pthread_cond_broadcast(&a->cv);
        }
        pthread_mutex_unlock(&a->mu);
        if (stop) {
            trail__wire_batch_clear(&it.batch);
            break;
        }
    }
    return NULL;
}

void trail__ahead_start(trail__ahead *a, trail__ahead_fn produce, void *state, bool threaded)
{
    *a = (trail__ahead){ .produce = produce, .state = state };
    if (!threaded)
        return;
    if (pthread_mutex_init(&a->mu, NULL) != 0)
        return;
    if (pthread_cond_init(&a->cv, NULL) != 0) {
        pthread_mutex_destroy(&a->mu);
        return;
    }
    /* No thread to be had: the batches are made on the caller's thread, as for a pipe. */
    if (pthread_create(&a->thread, NULL, run, a) != 0) {
        pthread_cond_destroy(&a->cv);
        pthread_mutex_destroy(&a->mu);
        return;
    }
    a->threaded = true;
}

void trail__ahead_next(trail__ahead *a, trail__ahead_item *out)
{
    if (!a->threaded) {
        make(a, out);
        return;
    }
    pthread_mutex_lock(&a->mu);
    while (!a->full)
        pthread_cond_wait(&a->cv, &a->mu);
    *out = a->next;
    a->next = (trail__ahead_item){ .rc = TRAIL_OK };
    a->full = false;
    pthread_cond_broadcast(&a->cv);
    pthread_mutex_unlock(&a->mu);
}

void trail__ahead_stop(trail__ahead *a)
{
    if (!a->threaded)
        return;
    pthread_mutex_lock(&a->mu);
    a->stop = true;
    pthread_cond_broadcast(&a->cv);
    pthread_mutex_unlock(&a->mu);
    pthread_join(a->thread, NULL);
    if (a->full)
        trail__wire_batch_clear(&a->next.batch);
    a->full = false;
    a->threaded = false;
    pthread_cond_destroy(&a->cv);
    pthread_mutex_destroy(&a->mu);
}
