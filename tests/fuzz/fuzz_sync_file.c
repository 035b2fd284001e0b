/*
 * fuzz_sync_file.c - libFuzzer target for the export file's reader
 * (sync/file.h): the input is a file, fed line by line.
 *
 * Besides what the sanitizers catch, it checks the reader's contract: a
 * failure is TRAIL_EINVALID or TRAIL_ENOMEM with a message naming its line,
 * and leaves only whole rows in the batch; and what it accepts the writer
 * writes, and a second reader reads that back to the same columns, header
 * and verdict at the end (the format carries every row it takes, byte for
 * byte). A broken promise aborts, which libFuzzer reports as a crash.
 *
 * Built with TRAIL_FUZZ=ON; run by scripts/fuzz.sh.
 */
#include "sync/file.h"
#include "trail/error.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void broken(const char *what, const char *detail)
{
    fprintf(stderr, "fuzz_sync_file: broken promise: %s (%s)\n", what, detail ? detail : "");
    abort();
}

static bool same(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static void same_cols(char *const *a, char *const *b, size_t n, const char *what)
{
    for (size_t c = 0; c < n; c++)
        if (!same(a[c], b[c]))
            broken(what, a[c] ? a[c] : "(null)");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    trail__file_reader r, again;
    trail__file_reader_init(&r);
    trail__file_reader_init(&again);
    trail__wire_batch b = { 0 }, b2 = { 0 };
    trail_buf out = TRAIL_BUF_INIT;
    trail__file_writer w;
    trail__file_writer_to_buf(&w, &out);
    trail_err err = { 0 }, err2 = { 0 };
    const char *p = (const char *)data, *end = p + size;
    int rc = TRAIL_OK;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
        size_t lanes = b.nlanes, events = b.nevents;
        rc = trail__file_reader_feed(&r, p, n, &b, &err);
        p += n + (nl != NULL);
        if (rc < 0) {
            if (rc != TRAIL_EINVALID && rc != TRAIL_ENOMEM)
                broken("a failure other than EINVALID or ENOMEM", err.msg);
            if (strncmp(err.msg, "line ", 5) != 0)
                broken("a failure that names no line", err.msg);
            if (b.nlanes != lanes || b.nevents != events)
                broken("a row added by a line that failed", err.msg);
            break;
        }
        /* written again and read by a second reader: the same */
        trail__buf_reset(&out);
        int wrc = rc == TRAIL__FILE_HEADER ? trail__file_write_header(&w, &r.header, &err2)
                  : rc == TRAIL__FILE_LANE ? trail__file_write_lane(&w, &b.lanes[lanes], &err2)
                                           : trail__file_write_event(&w, &b.events[events], &err2);
        if (wrc < 0)
            broken("the writer refuses what the reader took", err2.msg);
        if (out.len == 0 || out.data[out.len - 1] != '\n' || memchr(out.data, '\n', out.len - 1))
            broken("the writer wrote other than one line", out.data);
        int rc2 = trail__file_reader_feed(&again, out.data, out.len - 1, &b2, &err2);
        if (rc2 != rc)
            broken("the line written again reads otherwise", err2.msg);
        if (rc == TRAIL__FILE_LANE)
            same_cols(b.lanes[lanes].col, b2.lanes[b2.nlanes - 1].col, TRAIL_LANE_COLUMNS, "lane");
        if (rc == TRAIL__FILE_EVENT)
            same_cols(b.events[events].col, b2.events[b2.nevents - 1].col, TRAIL_EVENT_COLUMNS,
                      "event");
        if (rc == TRAIL__FILE_HEADER) {
            const trail__file_header *h = &r.header, *h2 = &again.header;
            if (!same(h->node, h2->node) || !same(h->schema, h2->schema) ||
                h->schema_version != h2->schema_version || h->created_at != h2->created_at ||
                h->nlanes != h2->nlanes)
                broken("the header written again reads otherwise", out.data);
            for (size_t i = 0; i < h->nlanes; i++)
                if (!same(h->lanes[i].lane_id, h2->lanes[i].lane_id) ||
                    h->lanes[i].from != h2->lanes[i].from || h->lanes[i].to != h2->lanes[i].to)
                    broken("a lane of the header written again reads otherwise", out.data);
        }
    }
    if (rc >= 0) {
        rc = trail__file_reader_end(&r, &err);
        if (rc < 0 && strncmp(err.msg, "line ", 5) != 0)
            broken("a failure that names no line", err.msg);
        if (trail__file_reader_end(&again, &err2) != rc)
            broken("the file written again ends otherwise", err2.msg);
    }
    trail__file_writer_free(&w);
    trail__buf_free(&out);
    trail__wire_batch_clear(&b);
    trail__wire_batch_clear(&b2);
    trail__file_reader_free(&r);
    trail__file_reader_free(&again);
    return 0;
}
