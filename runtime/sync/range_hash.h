/*
 * sync/range_hash.h - the rows of a key range of one table, each hashed in
 * its canonical form, for trail_diff() (docs/replication.md, "Diff"):
 * internal to libtrail.
 *
 * A record's canonical form is its event JSON (audit/values.h: id,
 * version, then the audited fields as their JSON forms spell them), with
 * every json field's value respelled as one text per value (its numbers by
 * their exact decimal values, its keys sorted, no whitespace), since
 * PostgreSQL's jsonb gives back another spelling of what SQLite keeps as
 * written. Its hash is the SHA-256 of that text; a range's hash is the sum
 * of its records' hashes modulo 2^256, which no engine's row order enters.
 */
#ifndef TRAIL_SYNC_RANGE_HASH_H
#define TRAIL_SYNC_RANGE_HASH_H

#include "core/buf.h"
#include "driver/driver.h"

#include <stdbool.h>
#include <stdint.h>

/* A range's hash: how many rows, and the sum of their SHA-256s as 256-bit numbers. */
typedef struct trail__range_sum {
    int64_t count;
    uint64_t h[4]; /* h[0] the most significant */
} trail__range_sum;

/* trail__range_sum_add - add a record's 32-byte SHA-256 @digest to @s. */
void trail__range_sum_add(trail__range_sum *s, const unsigned char digest[32]);

/* trail__range_sum_equal - whether two sums are the same. */
bool trail__range_sum_equal(const trail__range_sum *a, const trail__range_sum *b);

/* One row of a range as trail__range_rows() hands it over: valid during the call only. */
typedef struct trail__range_row {
    const char *key;
    int64_t version;
    unsigned char digest[32];
    const char *canonical; /* the canonical form that was hashed */
    const char *values;    /* the event JSON, json fields as stored; NULL unless asked for */
} trail__range_row;

/* Returns 0 to go on, anything else to stop (trail__range_rows() returns it). */
typedef int (*trail__range_row_cb)(void *userdata, const trail__range_row *row);

/* The reader of one entity's table on one connection. */
typedef struct trail__range_reader {
    trail_conn *db;
    const trail_entity *e;
    bool has_json;                  /* an audited json field: respelled before hashing */
    const char *rows[2], *count[2]; /* [0] from a key on, [1] from a key up to another */
    trail_buf canon, values, scratch, key;
    void *md_ctx;       /* EVP_MD_CTX */
    void *md;           /* EVP_MD */
    int64_t *rows_read; /* counted here; borrowed */
    /* during trail__range_rows() */
    trail__range_row_cb cb;
    void *userdata;
    bool want_values;
} trail__range_reader;

/*
 * trail__range_reader_init - a reader of @e's table on @db, counting the
 * rows it reads in *@rows_read. TRAIL_OK, or TRAIL_ENOMEM with db's error
 * set; @r is freed with trail__range_reader_free() in every case.
 */
int trail__range_reader_init(trail__range_reader *r, trail_conn *db, const trail_entity *e,
                             int64_t *rows_read);

void trail__range_reader_free(trail__range_reader *r);

/*
 * trail__range_count - how many rows have keys from @lo on (@lo "": all)
 * and below @hi (NULL: no bound), in *@out. TRAIL_OK or db's failure.
 */
int trail__range_count(trail__range_reader *r, const char *lo, const char *hi, int64_t *out);

/*
 * trail__range_rows - @cb for every row of the range (as for
 * trail__range_count()) in key order (bytewise: every engine's id column
 * compares so), with row->values made when @want_values. TRAIL_OK, what
 * @cb stopped with, or db's failure.
 */
int trail__range_rows(trail__range_reader *r, const char *lo, const char *hi, bool want_values,
                      trail__range_row_cb cb, void *userdata);

#endif
