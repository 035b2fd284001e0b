/*
 * digest.c - trail_digest(): every lane's last seq and hash, with a root
 * hash over them (trail/digest.h); and checking a database against a
 * digest, verify's digest step (history/digest.h). The document's form and
 * the root hash are defined in docs/events.md ("Digests"); both sides make
 * the root with the one function below.
 */
#define _POSIX_C_SOURCE 200809L /* strndup */
#include "history/digest.h"
#include "core/isotime.h"
#include "core/json.h"
#include "core/sha256.h"
#include "core/utf8.h"
#include "driver/driver.h"
#include "driver/sql.h"
#include "trail/digest.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DIGEST_FORMAT  "trail-digest"
#define DIGEST_VERSION 1

/* One lane as a digest names it; the strings are borrowed from where it was read. */
typedef struct lane_head {
    const char *lane_id, *node_id, *hash;
    int64_t seq;
} lane_head;

struct trail_digest_doc {
    json_t *json; /* the document read, which @lanes borrow from */
    lane_head *lanes;
    size_t n;
};

/*
 * The root hash over @lanes, in their order (lane_id order): the SHA-256, in
 * lowercase hex, of one compact JSON array holding a [lane_id, node_id,
 * seq, hash] array per lane, written by trail's JSON writer as an event's
 * hashed message is. TRAIL_OK, TRAIL_EINVALID (a text that is not UTF-8)
 * or TRAIL_ENOMEM.
 */
static int root_hash(char out[TRAIL_SHA256_HEX_LEN + 1], const lane_head *lanes, size_t n)
{
    trail_buf text = TRAIL_BUF_INIT;
    trail_json w;
    trail__json_init(&w, &text);
    trail__json_begin_array(&w);
    for (size_t i = 0; i < n; i++) {
        trail__json_begin_array(&w);
        trail__json_text(&w, lanes[i].lane_id);
        trail__json_text(&w, lanes[i].node_id);
        trail__json_int64(&w, lanes[i].seq);
        trail__json_text(&w, lanes[i].hash);
        trail__json_end_array(&w);
    }
    trail__json_end_array(&w);
    int rc = trail__json_finish(&w);
    if (rc == TRAIL_OK)
        rc = trail__sha256_hex(out, text.data, text.len);
    trail__buf_free(&text);
    return rc;
}

static int by_lane_id(const void *a, const void *b)
{
    return strcmp(((const lane_head *)a)->lane_id, ((const lane_head *)b)->lane_id);
}

/* ---- taking a digest ------------------------------------------------------- */

static const char *text_of(const trail_value *v)
{
    return v->type == TRAIL_V_NULL || !v->s ? "" : v->s;
}

/* One row of digest_lanes, as [lane_id, node_id, seq, hash] appended to the array @userdata. */
static int lane_row(trail_conn *db, void *row, void *userdata)
{
    static const trail_vtype types[5] = { TRAIL_V_TEXT, TRAIL_V_TEXT, TRAIL_V_TEXT, TRAIL_V_INT,
                                          TRAIL_V_TEXT };
    trail_value c[5];
    int rc = trail__row_read(db, row, types, c, 5);
    if (rc < 0)
        return rc;
    /* A lane without events: seq 0, and the hash its first event will chain to, its row's. */
    bool events = c[3].type != TRAIL_V_NULL;
    const trail_value *hash = events ? &c[4] : &c[2];
    static const char *const names[3] = { "lane id", "node id", "hash" };
    for (size_t i = 0; i < 3; i++)
        if (!trail__utf8_valid(text_of(&c[i]), c[i].n))
            return trail__err_set(&db->err, TRAIL_EINVALID,
                                  "trail_digest: a lane in trail_lanes (%.26s) has a %s that is "
                                  "not UTF-8, which a digest cannot hold",
                                  i ? text_of(&c[0]) : "its id", names[i]);
    json_t *lane = json_pack("[s%, s%, I, s%]", text_of(&c[0]), c[0].n, text_of(&c[1]), c[1].n,
                             (json_int_t)(events ? c[3].i : 0), text_of(hash), hash->n);
    if (!lane || json_array_append_new(userdata, lane) < 0)
        return trail__err_set(&db->err, TRAIL_ENOMEM, "out of memory");
    return 0;
}

/*
 * Every lane into @rows, read in one read-only transaction on one snapshot,
 * which no writer waits for; *@taken_at: the wall clock as it began.
 */
static int read_lanes(trail_conn *db, json_t *rows, int64_t *taken_at)
{
    const trail_runtime_sql *sql = db->drv->sql;
    *taken_at = trail__wall_ms();
    int rc = TRAIL_OK;
    for (size_t i = 0; rc == TRAIL_OK && i < 2 && sql->snapshot_begin[i]; i++)
        rc = db->drv->exec(db, sql->snapshot_begin[i]);
    if (rc == TRAIL_OK)
        rc = db->drv->query(db, sql->digest_lanes, NULL, 0, lane_row, rows, NULL);
    if (rc == TRAIL_OK)
        return db->drv->exec(db, "COMMIT");
    trail_err saved = db->err;
    db->drv->exec(db, "ROLLBACK"); /* fails harmlessly when no transaction was opened */
    db->err = saved;
    return rc;
}

/* A JSON string of @s at the end of @out, as trail's JSON writer spells it. */
static void json_string_to(trail_buf *out, const char *s)
{
    trail_json w;
    trail__json_init(&w, out);
    trail__json_text(&w, s);
    if (trail__json_finish(&w) < 0 && out->err == TRAIL_OK)
        out->err = w.err;
}

/* The document: one lane a line, so that two digests compare line by line. */
static int write_doc(trail_buf *out, const char *node, int64_t taken_at, const lane_head *lanes,
                     size_t n, const char *root)
{
    char at[TRAIL_ISOTIME_MS_MAX];
    trail__isotime_format_ms(at, taken_at);
    trail__buf_appendf(out,
                       "{\n  \"format\": \"%s\",\n  \"version\": %d,\n  \"node\": ", DIGEST_FORMAT,
                       DIGEST_VERSION);
    json_string_to(out, node);
    trail__buf_appendf(out, ",\n  \"created_at\": \"%s\",\n  \"lanes\": [", at);
    for (size_t i = 0; i < n; i++) {
        trail__buf_append_str(out, i ? ",\n    {\"lane_id\": " : "\n    {\"lane_id\": ");
        json_string_to(out, lanes[i].lane_id);
        trail__buf_append_str(out, ", \"node_id\": ");
        json_string_to(out, lanes[i].node_id);
        trail__buf_appendf(out, ", \"seq\": %" PRId64 ", \"hash\": ", lanes[i].seq);
        json_string_to(out, lanes[i].hash);
        trail__buf_append_str(out, "}");
    }
    trail__buf_appendf(out, "%s\"root\": \"%s\"\n}", n ? "\n  ],\n  " : "],\n  ", root);
    return out->err;
}

int trail_digest(trail_conn *db, char **out)
{
    if (!db)
        return TRAIL_EARG;
    if (!out)
        return trail__err_set(&db->err, TRAIL_EARG, "trail_digest: nowhere to put the digest");
    *out = NULL;
    if (db->in_tx)
        return trail__err_set(
            &db->err, TRAIL_EARG,
            "trail_digest: called inside trail_begin(); a digest covers committed "
            "events only, so take it outside a transaction");
    if (trail__conn_need_tables(db) < 0)
        return TRAIL_EDB;

    int rc;
    int64_t taken_at;
    lane_head *lanes = NULL;
    trail_buf doc = TRAIL_BUF_INIT;
    char root[TRAIL_SHA256_HEX_LEN + 1];
    json_t *rows = json_array();
    if (!rows)
        return trail__err_set(&db->err, TRAIL_ENOMEM, "out of memory");
    if ((rc = read_lanes(db, rows, &taken_at)) < 0)
        goto done;
    size_t n = json_array_size(rows);
    if (!(lanes = calloc(n ? n : 1, sizeof *lanes))) {
        rc = trail__err_set(&db->err, TRAIL_ENOMEM, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < n; i++) {
        json_t *r = json_array_get(rows, i);
        lanes[i] = (lane_head){ json_string_value(json_array_get(r, 0)),
                                json_string_value(json_array_get(r, 1)),
                                json_string_value(json_array_get(r, 3)),
                                json_integer_value(json_array_get(r, 2)) };
    }
    /* Byte order, whatever the engine's collation, so that the root is the same everywhere. */
    qsort(lanes, n, sizeof *lanes, by_lane_id);
    if ((rc = root_hash(root, lanes, n)) == TRAIL_OK)
        rc = write_doc(&doc, db->node_id, taken_at, lanes, n, root);
    if (rc < 0)
        rc = trail__err_set(&db->err, rc,
                            rc == TRAIL_EINVALID ? "trail_digest: this database's node id is not "
                                                   "UTF-8, which a digest cannot hold"
                                                 : "out of memory");
    else if (!(*out = trail__buf_finish(&doc)))
        rc = trail__err_set(&db->err, TRAIL_ENOMEM, "out of memory");
done:
    trail__buf_free(&doc);
    free(lanes);
    json_decref(rows);
    return rc;
}

/* ---- reading one back -------------------------------------------------------- */

#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
static int
not_a_digest(trail_conn *db, const char *fmt, ...)
{
    char why[TRAIL_ERRMSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof why, fmt, ap);
    va_end(ap);
    return trail__err_set(&db->err, TRAIL_EINVALID, "not a valid digest: %s", why);
}

/* Whether @s is a lane id: printable ASCII without spaces, as the lane tables hold (a ULID). */
static bool lane_id_form(const char *s)
{
    if (!s || !*s)
        return false;
    for (; *s; s++)
        if (*s <= ' ' || *s > '~')
            return false;
    return true;
}

/* Lane @i of the digest's array into @out, borrowing its strings; TRAIL_EINVALID if malformed. */
static int read_lane(trail_conn *db, json_t *lane, size_t i, lane_head *out)
{
    json_t *seq = json_object_get(lane, "seq");
    *out = (lane_head){ json_string_value(json_object_get(lane, "lane_id")),
                        json_string_value(json_object_get(lane, "node_id")),
                        json_string_value(json_object_get(lane, "hash")), json_integer_value(seq) };
    if (!json_is_object(lane))
        return not_a_digest(db, "lane %zu of its lanes is not an object", i + 1);
    if (!lane_id_form(out->lane_id))
        return not_a_digest(db, "lane %zu has no lane_id, or not a lane id", i + 1);
    if (!out->node_id || !out->hash)
        return not_a_digest(db, "lane %s has no node_id or no hash", out->lane_id);
    if (!json_is_integer(seq) || out->seq < 0)
        return not_a_digest(db, "lane %s has no seq of 0 or more", out->lane_id);
    return TRAIL_OK;
}

int trail__digest_parse(trail_conn *db, const char *json, trail_digest_doc **out)
{
    *out = NULL;
    trail_digest_doc *doc = calloc(1, sizeof *doc);
    if (!doc)
        return trail__err_set(&db->err, TRAIL_ENOMEM, "out of memory");
    int rc;
    json_error_t jerr;
    json_t *j = doc->json = json_loads(json, JSON_REJECT_DUPLICATES, &jerr);
    const char *format = json_string_value(json_object_get(j, "format"));
    json_t *version = json_object_get(j, "version"), *lanes = json_object_get(j, "lanes");
    const char *root = json_string_value(json_object_get(j, "root"));
    if (!j) {
        rc = not_a_digest(db, "it is not JSON (line %d, column %d: %s)", jerr.line, jerr.column,
                          jerr.text);
        goto fail;
    }
    if (!format || strcmp(format, DIGEST_FORMAT) != 0) {
        rc = not_a_digest(db, "it has no \"format\": \"" DIGEST_FORMAT "\"");
        goto fail;
    }
    if (!json_is_integer(version) || json_integer_value(version) != DIGEST_VERSION) {
        rc = not_a_digest(db, "it is not of version %d, the one this trail reads", DIGEST_VERSION);
        goto fail;
    }
    if (!json_is_array(lanes) || !root || !json_is_string(json_object_get(j, "node")) ||
        !json_is_string(json_object_get(j, "created_at"))) {
        rc = not_a_digest(db, "it lacks its node, created_at, lanes or root");
        goto fail;
    }
    doc->n = json_array_size(lanes);
    if (!(doc->lanes = calloc(doc->n ? doc->n : 1, sizeof *doc->lanes))) {
        rc = trail__err_set(&db->err, TRAIL_ENOMEM, "out of memory");
        goto fail;
    }
    for (size_t i = 0; i < doc->n; i++) {
        if ((rc = read_lane(db, json_array_get(lanes, i), i, &doc->lanes[i])) < 0)
            goto fail;
        if (i > 0 && strcmp(doc->lanes[i - 1].lane_id, doc->lanes[i].lane_id) >= 0) {
            rc = not_a_digest(db, "its lanes are not in lane_id order, or lane %s repeats",
                              doc->lanes[i].lane_id);
            goto fail;
        }
    }
    char want[TRAIL_SHA256_HEX_LEN + 1];
    if ((rc = root_hash(want, doc->lanes, doc->n)) == TRAIL_ENOMEM) {
        rc = trail__err_set(&db->err, rc, "out of memory");
        goto fail;
    }
    if (rc < 0 || strcmp(want, root) != 0) {
        rc = not_a_digest(db, "its root hash does not match its lanes: the digest was edited or "
                              "damaged, and proves nothing");
        goto fail;
    }
    *out = doc;
    return TRAIL_OK;

fail:
    trail__digest_free(doc);
    return rc;
}

size_t trail__digest_lanes(const trail_digest_doc *doc)
{
    return doc->n;
}

void trail__digest_lane(const trail_digest_doc *doc, size_t i, const char **lane_id, int64_t *seq)
{
    *lane_id = doc->lanes[i].lane_id;
    *seq = doc->lanes[i].seq;
}

void trail__digest_free(trail_digest_doc *doc)
{
    if (!doc)
        return;
    json_decref(doc->json);
    free(doc->lanes);
    free(doc);
}

/* ---- checking a database against it -------------------------------------------- */

/* What the database holds of one lane of the digest (digest_lane). */
typedef struct lane_found {
    const lane_head *want;
    bool lane;         /* the lane's row is there */
    bool node_differs; /* its node is not the digest's */
    bool hash_differs; /* seq 0: its row's hash; else its event's at seq */
    bool event;        /* its event at seq is there (seq > 0) */
    bool events;       /* it has any events */
    int64_t last_seq;  /* of its last event, when it has events */
    char *event_id;    /* the event at seq, when there */
    char *node_id;     /* its node, when it differs */
} lane_found;

static bool same(const trail_value *v, const char *s)
{
    return v->type != TRAIL_V_NULL && v->n == strlen(s) && memcmp(v->s, s, v->n) == 0;
}

static int lane_found_row(trail_conn *db, void *row, void *userdata)
{
    static const trail_vtype types[5] = { TRAIL_V_TEXT, TRAIL_V_TEXT, TRAIL_V_TEXT, TRAIL_V_TEXT,
                                          TRAIL_V_INT };
    lane_found *f = userdata;
    trail_value c[5]; /* node_id, lane hash, event_id, event hash, last seq */
    int rc = trail__row_read(db, row, types, c, 5);
    if (rc < 0)
        return rc;
    f->lane = true;
    f->node_differs = !same(&c[0], f->want->node_id);
    f->event = c[2].type != TRAIL_V_NULL;
    f->events = c[4].type != TRAIL_V_NULL;
    f->last_seq = c[4].i;
    f->hash_differs = !same(f->want->seq == 0 ? &c[1] : &c[3], f->want->hash);
    if ((f->node_differs && !(f->node_id = strndup(text_of(&c[0]), c[0].n))) ||
        (f->event && !(f->event_id = strndup(text_of(&c[2]), c[2].n))))
        return trail__err_set(&db->err, TRAIL_ENOMEM, "out of memory");
    return 1;
}

/* The difference of one lane, as a sentence in @what; false when there is none. */
static bool lane_verdict(trail_buf *what, const lane_found *f)
{
    const lane_head *w = f->want;
    if (!f->lane)
        trail__buf_appendf(what,
                           "lane %s, which the digest covers up to seq %" PRId64
                           ", is not in trail_lanes: the lane's row was removed",
                           w->lane_id, w->seq);
    else if (f->node_differs)
        trail__buf_appendf(what,
                           "lane %s: the digest has it up to seq %" PRId64
                           " on node %s, trail_lanes on node %s: the lane's row was rewritten",
                           w->lane_id, w->seq, w->node_id, f->node_id);
    else if (w->seq == 0 && f->hash_differs)
        trail__buf_appendf(what,
                           "lane %s: its row's hash is not the one in the digest (seq 0, no "
                           "events then): the lane's row was rewritten",
                           w->lane_id);
    else if (w->seq > 0 && !f->events)
        trail__buf_appendf(what,
                           "lane %s: the digest covers it up to seq %" PRId64
                           ", but it has no events: they were removed",
                           w->lane_id, w->seq);
    else if (w->seq > 0 && f->last_seq < w->seq)
        trail__buf_appendf(what,
                           "lane %s: the digest covers it up to seq %" PRId64
                           ", but its events end at seq %" PRId64
                           ": the events after were removed (its tail was cut off)",
                           w->lane_id, w->seq, f->last_seq);
    else if (w->seq > 0 && !f->event)
        trail__buf_appendf(what,
                           "lane %s: its event at seq %" PRId64
                           ", which the digest covers, is missing: it was removed",
                           w->lane_id, w->seq);
    else if (w->seq > 0 && f->hash_differs)
        trail__buf_appendf(what,
                           "lane %s: its event at seq %" PRId64
                           " has another hash than the digest's: that event, or one before it "
                           "in the lane, was rewritten",
                           w->lane_id, w->seq);
    else
        return false;
    return true;
}

int trail__digest_check(trail_conn *db, const trail_digest_doc *doc,
                        trail__digest_problem_fn problem, void *userdata)
{
    if (trail__conn_need_tables(db) < 0)
        return TRAIL_EDB;
    int rc = TRAIL_OK;
    trail_buf what = TRAIL_BUF_INIT;
    for (size_t i = 0; rc == TRAIL_OK && i < doc->n; i++) {
        lane_found f = { .want = &doc->lanes[i] };
        trail_value p[2] = { trail_v_int(f.want->seq), trail_v_text(f.want->lane_id) };
        rc = db->drv->query(db, db->drv->sql->digest_lane, p, 2, lane_found_row, &f, NULL);
        if (rc == 1)
            rc = TRAIL_OK;
        trail__buf_reset(&what);
        if (rc == TRAIL_OK && lane_verdict(&what, &f))
            rc = what.err ? trail__err_set(&db->err, TRAIL_ENOMEM, "out of memory")
                          : problem(userdata, f.hash_differs ? f.event_id : NULL, what.data);
        free(f.event_id);
        free(f.node_id);
    }
    trail__buf_free(&what);
    return rc;
}
