/*
 * sync/file.h - the export file: a trail__wire_batch as JSON lines
 * (docs/replication.md, "Files"). Internal to libtrail.
 *
 * One JSON object per line, '\n' at its end: a header line, then
 * {"lane":{...}} and {"event":{...}} lines whose keys are the columns of
 * TRAIL_LANE_COLUMN_TABLE and TRAIL_EVENT_COLUMN_TABLE. Every column
 * travels as the text its node stored (wire.h): an INT column as a JSON
 * number spelled with exactly that text, a TEXT or JSON column as a JSON
 * string holding exactly that text (a JSON column is not embedded as an
 * object: the hash covers its text), SQL NULL as null. So a row read back
 * is byte for byte the row written, and its hash still holds.
 *
 * The writer writes keys in table order and no whitespace. The reader
 * takes any JSON a program in another language may write (members in any
 * order, whitespace between tokens, a CR before the '\n') but nothing
 * that would change a column's text: an integer is exactly an int64 in
 * decimal (no fraction, exponent, -0 or leading zero), a string is valid
 * UTF-8 without NUL, every column given once and no other key. It also
 * holds the file to its header: rows of the header's lanes only, each
 * lane's events in seq order from its `from` to its `to`, its lane row
 * (once at most) before its first event when `from` is 1; at the end,
 * every lane complete, so that a file cut at a line's end is refused too.
 *
 * What the rows mean (hashes, chains, heads) is the apply side's
 * (sync/apply.c): the reader only says whether a line is well formed.
 */
#ifndef TRAIL_SYNC_FILE_H
#define TRAIL_SYNC_FILE_H

#include "core/buf.h"
#include "core/err.h"
#include "sync/wire.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* The header's "format" and "version": the only ones the reader takes. */
#define TRAIL_FILE_FORMAT  "trail-events"
#define TRAIL_FILE_VERSION 1

/* One lane of the header: the file holds its events from @from to @to (none when @to < @from). */
typedef struct trail__file_range {
    char *lane_id;
    int64_t from, to;
    /* the reader's: the seq of the next event due, and whether the lane row came */
    int64_t next;
    bool row_seen;
} trail__file_range;

/* The header line. Whoever fills it owns its strings (trail__file_header_clear frees them). */
typedef struct trail__file_header {
    char *node;   /* the node that wrote the file */
    char *schema; /* its schema's name, and version */
    int64_t schema_version;
    trail__file_range *lanes;
    size_t nlanes;
    int64_t created_at; /* milliseconds since the epoch */
} trail__file_header;

/* trail__file_header_clear - free @h's strings and lanes; @h is empty after. */
void trail__file_header_clear(trail__file_header *h);

/*
 * Writing: to a FILE (each line built in the writer's own buffer, then
 * written whole) or at the end of a trail_buf.
 */
typedef struct trail__file_writer {
    FILE *f;        /* borrowed; NULL when the lines go to @out */
    trail_buf *out; /* borrowed */
    trail_buf line; /* owned: the line being built for @f */
} trail__file_writer;

/* trail__file_writer_to_file, _to_buf - a writer of lines to @f or at the end of @out (borrowed).
 */
void trail__file_writer_to_file(trail__file_writer *w, FILE *f);
void trail__file_writer_to_buf(trail__file_writer *w, trail_buf *out);

/* trail__file_writer_free - free the writer's buffer; @f or @out stays the caller's. */
void trail__file_writer_free(trail__file_writer *w);

/*
 * trail__file_write_header, _lane, _event - one line. TRAIL_OK;
 * TRAIL_EINVALID (message in @err) for a row the format cannot carry as
 * it is: an INT column's text not an int64 in decimal, a text not valid
 * UTF-8, NULL in a NOT NULL column; TRAIL_ENOMEM; TRAIL_ESYS when the
 * FILE refuses the line. On failure nothing of the line is written to a
 * trail_buf (a FILE may hold part of it).
 */
int trail__file_write_header(trail__file_writer *w, const trail__file_header *h, trail_err *err);
int trail__file_write_lane(trail__file_writer *w, const trail__wire_lane *l, trail_err *err);
int trail__file_write_event(trail__file_writer *w, const trail__wire_event *e, trail_err *err);

/* What a line held (trail__file_reader_feed, _next). */
enum {
    TRAIL__FILE_END = 0,    /* no more lines: the file is whole */
    TRAIL__FILE_HEADER = 1, /* the header, now in the reader's header */
    TRAIL__FILE_LANE = 2,   /* a lane row, added at the end of the batch's lanes */
    TRAIL__FILE_EVENT = 3,  /* an event, added at the end of the batch's events */
};

/*
 * Reading. Failures name the line and the key: "line 17: event.seq:
 * expected an integer". After a failure the reader only refuses
 * (TRAIL_EARG); free it.
 */
typedef struct trail__file_reader {
    trail__file_header header; /* once the first line is read; the reader owns it */
    long line;                 /* lines read so far */
    int failed;                /* the first failure, TRAIL_OK while none */
    char *text;                /* owned: the last line read from a FILE */
    size_t text_cap;
    trail__file_range **by_lane; /* owned: the header's lanes by lane_id, for lookups */
} trail__file_reader;

/* trail__file_reader_init - an empty reader, before the header. */
void trail__file_reader_init(trail__file_reader *r);

/* trail__file_reader_free - free what @r holds (its header too); @r is empty after. */
void trail__file_reader_free(trail__file_reader *r);

/*
 * trail__file_reader_feed - the next line: the @len bytes at @text
 * (borrowed), without its '\n'. The first line must be the header;
 * every other one a lane row or an event, added at the end of @b with
 * its strings (@b owns them after; nothing is added on failure).
 * TRAIL__FILE_HEADER, _LANE or _EVENT; TRAIL_EINVALID with the line and
 * key in @err; TRAIL_ENOMEM.
 */
int trail__file_reader_feed(trail__file_reader *r, const char *text, size_t len,
                            trail__wire_batch *b, trail_err *err);

/*
 * trail__file_reader_end - there are no more lines: TRAIL__FILE_END when
 * the file held a header and every lane of it whole; else TRAIL_EINVALID
 * naming the first lane cut short.
 */
int trail__file_reader_end(trail__file_reader *r, trail_err *err);

/*
 * trail__file_reader_next - read the next line of @f (borrowed; lines of
 * any length) and feed it; at the end of @f, trail__file_reader_end().
 * A last line without its '\n' is refused (the file was cut). Returns as
 * those do, or TRAIL_ESYS when @f fails.
 */
int trail__file_reader_next(trail__file_reader *r, FILE *f, trail__wire_batch *b, trail_err *err);

#endif /* TRAIL_SYNC_FILE_H */
