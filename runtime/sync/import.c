/*
 * sync/import.c - trail_import(): an export file applied as a sync applies
 * a source (trail/sync.h, docs/replication.md "Files").
 *
 * Lines are read with sync/file.c into batches, each applied with
 * sync/apply.c in one transaction. The reading side (the importer below:
 * lines, batches, seals, event hashes) touches no database, so that a
 * regular file is read on a thread of its own, one batch ahead of the
 * apply (sync/ahead.h).
 *
 * A batch never ends inside a transaction: once it holds batch_size
 * events, a line only joins it when it continues the transaction its
 * lane's last event belongs to; any other
 * event waits for the next batch (and so does the rest of its lane), and
 * reading stops when no lane of the batch may still continue. A lane may
 * continue until its next event is read or its range in the header ends.
 * That is the sync's rule (sync/read.c), with the file read ahead instead
 * of the source queried. Should the events waiting grow past READ_AHEAD
 * batches, the transactions still open leave the batch for the next one
 * instead (unless nothing else is in it).
 *
 * A lane row carrying a seal applies its seal once the lane's head reaches
 * it, which may be a later batch than the row's: such rows go with every
 * batch until the end (apply skips a lane it holds, then looks at the seal).
 */
#define _POSIX_C_SOURCE 200809L /* strdup */
#include "sync/ahead.h"
#include "sync/apply.h"
#include "sync/check.h"
#include "sync/file.h"
#include "trail/sync.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

/* How far a batch reads ahead for a transaction's end, in batches. */
#define READ_AHEAD 4

/*
 * Events per batch when the options say 0. More than a sync's 1000: a
 * file is read ahead anyway, and on SQLite each commit writes every page
 * the batch touched to the WAL (the history index's pages again and again
 * at small batches) and checkpoints more often; 200,000 events imported in
 * batches of 10,000 took 9.5 s of CPU where batches of 1000 took 14 s, and
 * 5000 or 20,000 about the same as 10,000 (bench_sync). The batch is held
 * in memory (about 10 MiB of it at this size), whatever the file's size.
 */
#define IMPORT_BATCH 10000

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A lane within the batch being read, by its place in the header. */
typedef struct lane_state {
    const char *tx; /* of its last event in the batch (borrowed); NULL: none in it */
    bool open;      /* that transaction may go on in lines not read yet */
    bool deferred;  /* an event of it waits for the next batch: so does the rest */
} lane_state;

/* The reading side of an import: the producer of its batches (sync/ahead.h). */
typedef struct importer {
    FILE *in;
    size_t size; /* events a batch is to hold */
    trail__file_reader r;
    lane_state *lanes;
    size_t *touched, ntouched;
    size_t open; /* lanes of the batch whose transaction may go on */
    trail__wire_lane *seals;
    size_t nseals, seals_cap;
    trail__wire_batch carry; /* events read for the next batch */
    bool end;                /* the file is read to its end */
    int64_t total, read;     /* events the header announces, and read so far */
} importer;

static int push_event(trail__wire_batch *b, trail__wire_event *e)
{
    int rc = trail__wire_grow((void **)&b->events, &b->events_cap, b->nevents, sizeof *e);
    if (rc == TRAIL_OK)
        b->events[b->nevents++] = *e;
    return rc;
}

static int push_lane(trail__wire_batch *b, trail__wire_lane *l)
{
    int rc = trail__wire_grow((void **)&b->lanes, &b->lanes_cap, b->nlanes, sizeof *l);
    if (rc == TRAIL_OK)
        b->lanes[b->nlanes++] = *l;
    return rc;
}

static int lane_dup(const trail__wire_lane *l, trail__wire_lane *out)
{
    *out = (trail__wire_lane){ .node_seq = l->node_seq };
    for (size_t i = 0; i < TRAIL_LANE_COLUMNS; i++)
        if (l->col[i] && !(out->col[i] = strdup(l->col[i]))) {
            for (size_t k = 0; k < i; k++)
                free(out->col[k]);
            return TRAIL_ENOMEM;
        }
    return TRAIL_OK;
}

/* Where @e's lane is in the header (the reader checked that it is there). */
static size_t lane_index(importer *im, const trail__wire_event *e)
{
    return (size_t)(trail__file_reader_range(&im->r, e->col[TRAIL_EV_lane_id]) -
                    im->r.header.lanes);
}

/* @e joins the batch: its lane's transaction is @e's, open unless its range ends here. */
static void joined(importer *im, const trail__wire_event *e)
{
    size_t k = lane_index(im, e);
    lane_state *s = &im->lanes[k];
    if (!s->tx && !s->deferred)
        im->touched[im->ntouched++] = k;
    bool open = e->seq < im->r.header.lanes[k].to;
    im->open += (size_t)open - (size_t)s->open;
    s->tx = e->col[TRAIL_EV_tx_id];
    s->open = open;
}

/* @e waits for the next batch, and its lane with it. */
static void deferred(importer *im, const trail__wire_event *e)
{
    size_t k = lane_index(im, e);
    lane_state *s = &im->lanes[k];
    if (!s->tx && !s->deferred)
        im->touched[im->ntouched++] = k;
    im->open -= s->open;
    s->open = false;
    s->deferred = true;
}

static void states_reset(importer *im)
{
    for (size_t i = 0; i < im->ntouched; i++)
        im->lanes[im->touched[i]] = (lane_state){ 0 };
    im->ntouched = 0;
    im->open = 0;
}

/*
 * The lookahead ran too far: the events of the transactions still open
 * leave @b for the front of @carry, unless nothing would be left.
 */
static int give_back_open(importer *im, trail__wire_batch *b, trail__wire_batch *carry, bool *gave)
{
    size_t kept = 0;
    *gave = false;
    for (size_t i = 0; i < b->nevents; i++) {
        const lane_state *s = &im->lanes[lane_index(im, &b->events[i])];
        kept += !(s->open && strcmp(s->tx, b->events[i].col[TRAIL_EV_tx_id]) == 0);
    }
    if (kept == 0)
        return TRAIL_OK;
    trail__wire_batch moved = { 0 };
    size_t n = 0;
    int rc = TRAIL_OK;
    for (size_t i = 0; i < b->nevents; i++) {
        const lane_state *s = &im->lanes[lane_index(im, &b->events[i])];
        if (s->open && strcmp(s->tx, b->events[i].col[TRAIL_EV_tx_id]) == 0) {
            if (rc == TRAIL_OK)
                rc = push_event(&moved, &b->events[i]);
            if (rc < 0) /* not moved: freed, so the import fails whole */
                for (size_t k = 0; k < TRAIL_EVENT_COLUMNS; k++)
                    free(b->events[i].col[k]);
        } else {
            b->events[n++] = b->events[i];
        }
    }
    b->nevents = n;
    for (size_t i = 0; rc == TRAIL_OK && i < carry->nevents; i++)
        rc = push_event(&moved, &carry->events[i]);
    if (rc < 0) {
        trail__wire_batch_clear(&moved);
        return rc;
    }
    free(carry->events);
    carry->events = moved.events;
    carry->nevents = moved.nevents;
    carry->events_cap = moved.events_cap;
    *gave = true;
    return TRAIL_OK;
}

/*
 * The next batch into @b: what @carry held, then lines until it is full and
 * no transaction of it may go on. *@end: the file is read to its end.
 */
static int read_batch(importer *im, FILE *in, size_t size, trail__wire_batch *b,
                      trail__wire_batch *carry, bool *end, trail_err *err)
{
    *b = *carry;
    *carry = (trail__wire_batch){ 0 };
    states_reset(im);
    for (size_t i = 0; i < b->nevents; i++)
        joined(im, &b->events[i]);
    bool limit = true;
    while (!*end) {
        bool full = b->nevents >= size;
        int rc;
        if (full && im->open == 0)
            break;
        /* When only open transactions would be left, reading on is the one way to end them. */
        if (full && limit && carry->nevents > READ_AHEAD * size) {
            bool gave;
            if ((rc = give_back_open(im, b, carry, &gave)) < 0)
                return trail__err_set(err, rc, "out of memory");
            if (gave)
                return TRAIL_OK;
            limit = false;
        }
        trail__wire_batch one = { 0 };
        rc = trail__file_reader_next(&im->r, in, &one, err);
        if (rc < 0)
            return rc;
        if (rc == TRAIL__FILE_END) {
            *end = true;
        } else if (rc == TRAIL__FILE_LANE) {
            trail__wire_lane *l = &one.lanes[0];
            rc = TRAIL_OK;
            if (l->col[TRAIL_LANE_sealed_seq]) {
                rc = trail__wire_grow((void **)&im->seals, &im->seals_cap, im->nseals, sizeof *l);
                if (rc == TRAIL_OK && (rc = lane_dup(l, &im->seals[im->nseals])) == TRAIL_OK)
                    im->nseals++;
            }
            if (rc == TRAIL_OK && (rc = push_lane(full ? carry : b, l)) == TRAIL_OK)
                one.nlanes = 0;
        } else if (rc == TRAIL__FILE_EVENT) {
            trail__wire_event *e = &one.events[0];
            const lane_state *s = &im->lanes[lane_index(im, e)];
            bool continues =
                s->open && !s->deferred && s->tx && strcmp(s->tx, e->col[TRAIL_EV_tx_id]) == 0;
            rc = TRAIL_OK;
            if (!full || continues) {
                if ((rc = push_event(b, e)) == TRAIL_OK)
                    joined(im, &b->events[b->nevents - 1]);
            } else if ((rc = push_event(carry, e)) == TRAIL_OK) {
                deferred(im, e);
            }
            if (rc == TRAIL_OK)
                one.nevents = 0;
        }
        trail__wire_batch_clear(&one);
        if (rc < 0)
            return trail__err_set(err, TRAIL_ENOMEM, "out of memory");
    }
    return TRAIL_OK;
}

/* The seal rows read so far go with @b (apply skips their lanes when held). */
static int with_seals(importer *im, trail__wire_batch *b)
{
    for (size_t i = 0; i < im->nseals; i++) {
        trail__wire_lane l;
        if (lane_dup(&im->seals[i], &l) < 0)
            return TRAIL_ENOMEM;
        if (push_lane(b, &l) < 0) {
            for (size_t k = 0; k < TRAIL_LANE_COLUMNS; k++)
                free(l.col[k]);
            return TRAIL_ENOMEM;
        }
    }
    return TRAIL_OK;
}

/* The producer of an import's batches (sync/ahead.h): lines read, seals added, hashes checked. */
static int next_batch(void *state, trail__wire_batch *b, bool *last, int64_t *left, trail_err *err)
{
    importer *im = state;
    int rc = read_batch(im, im->in, im->size, b, &im->carry, &im->end, err);
    if (rc == TRAIL_OK)
        im->read += (int64_t)b->nevents;
    if (rc == TRAIL_OK && (b->nevents || b->nlanes) &&
        ((rc = with_seals(im, b)) < 0 || (rc = trail__check_hashes(b)) < 0))
        rc = trail__err_set(err, rc, "out of memory");
    *left = im->total - im->read - (int64_t)im->carry.nevents;
    *last = rc < 0 || (im->end && !im->carry.nevents && !im->carry.nlanes);
    return rc;
}

/* Whether @in is a regular file: read on a thread of its own then (sync/ahead.h says why). */
static bool read_ahead(FILE *in)
{
    struct stat sb;
    int fd = fileno(in);
    return fd >= 0 && fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode);
}

static int import_all(trail_conn *db, importer *im, const trail_sync_opts *opts,
                      trail_sync_stats *st, int64_t start)
{
    trail__heads stopped = { 0 };
    trail__wire_batch header = { 0 };
    int rc = trail__sync_retry_held(db, st);
    if (rc == TRAIL_OK) {
        rc = trail__file_reader_next(&im->r, im->in, &header, &db->err);
        if (rc == TRAIL__FILE_HEADER)
            rc = TRAIL_OK;
        else if (rc >= 0) /* cannot be: the reader takes only a header first */
            rc = trail__err_set(&db->err, TRAIL_EINVALID, "line 1: not a header");
    }
    trail__wire_batch_clear(&header);
    size_t nlanes = im->r.header.nlanes;
    if (rc == TRAIL_OK && nlanes &&
        (!(im->lanes = calloc(nlanes, sizeof *im->lanes)) ||
         !(im->touched = calloc(nlanes, sizeof *im->touched))))
        rc = trail__err_set(&db->err, TRAIL_ENOMEM, "out of memory");
    for (size_t i = 0; i < nlanes; i++)
        im->total += im->r.header.lanes[i].to - im->r.header.lanes[i].from + 1;
    if (rc < 0)
        return rc;
    trail__ahead ahead;
    trail__ahead_start(&ahead, next_batch, im, read_ahead(im->in));
    for (bool last = false; rc == TRAIL_OK && !last;) {
        trail__ahead_item it;
        trail__ahead_next(&ahead, &it);
        last = it.last;
        if (it.rc < 0) {
            db->err = it.err;
            rc = it.rc;
        } else if (it.batch.nevents || it.batch.nlanes) {
            trail__apply_opts o = { .stopped = &stopped };
            rc = trail__sync_apply(db, &it.batch, &o, st);
            st->left = it.left;
            st->elapsed_ms = mono_ms() - start;
            if (rc == TRAIL_OK && !last && opts->progress &&
                opts->progress(opts->userdata, st) != 0)
                last = true;
        }
        trail__wire_batch_clear(&it.batch);
    }
    trail__ahead_stop(&ahead);
    trail__heads_free(&stopped);
    return rc;
}

int trail_import(trail_conn *db, FILE *in, const trail_sync_opts *opts, trail_sync_stats *stats)
{
    trail_sync_stats local;
    trail_sync_stats *st = stats ? stats : &local;
    static const trail_sync_opts defaults = TRAIL_SYNC_OPTS_INIT;
    if (!opts)
        opts = &defaults;
    memset(st, 0, sizeof *st);
    if (!db)
        return TRAIL_EARG;
    if (!in)
        return trail__err_set(&db->err, TRAIL_EARG, "trail_import: no file");
    if (db->in_tx)
        return trail__err_set(&db->err, TRAIL_EARG,
                              "trail_import: inside trail_begin(); an import makes transactions "
                              "of its own");
    if (opts->batch_size < 0)
        return trail__err_set(&db->err, TRAIL_EARG, "trail_import: batch_size %d is negative",
                              opts->batch_size);
    int64_t start = mono_ms();
    importer im = { .in = in, .size = opts->batch_size ? (size_t)opts->batch_size : IMPORT_BATCH };
    trail__file_reader_init(&im.r);
    int rc = trail__conn_need_tables(db);
    if (rc == TRAIL_OK && (rc = trail__sync_bulk_on(db)) == TRAIL_OK)
        rc = trail__sync_bulk_off(db, import_all(db, &im, opts, st, start));
    st->elapsed_ms = mono_ms() - start;
    for (size_t i = 0; i < im.nseals; i++)
        for (size_t k = 0; k < TRAIL_LANE_COLUMNS; k++)
            free(im.seals[i].col[k]);
    free(im.seals);
    trail__wire_batch_clear(&im.carry);
    free(im.lanes);
    free(im.touched);
    trail__file_reader_free(&im.r);
    return rc;
}
