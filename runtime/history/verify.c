/*
 * verify.c - trail_verify(): does the history still hold together?
 *
 * First the engine's own integrity check where there is a cheap one
 * (sql->integrity_check), then three passes, each one streaming query:
 *  1. every lane (audit/lane.h), by node and node_seq: its row's hash, its
 *     place in its node's chain of lanes; then every event in (lane, seq)
 *     order: its hash against its columns, its lane's row and node, its seq
 *     following the one before it (from 1), its prev_hash against the
 *     lane's event before it (for seq 1, the lane's row), and a sealed
 *     lane's last seq and hash; then, given a digest (read before anything
 *     else: history/digest.h), every lane it names looked up, its event at
 *     the digest's seq with the digest's hash;
 *  2. per table, every event in (record, hlc) order: the version and
 *     before/after chain of each record (an update's changed, old_values
 *     and new_values agreeing with each other and with the record's
 *     previous new_values), remembering where each record ended (a digest
 *     of its last new_values, or deleted); an event of another node that
 *     sync kept in trail_conflicts without moving the row is left out
 *     (docs/events.md, "Replicated records"), and so is another node's
 *     event of an entity that does not replicate (`replicate: false`);
 *  3. per table of a migrated entity, every live row, turned into event JSON
 *     by the same code that writes events, against that digest.
 * Memory grows with the lanes (pass 1's entries) and the records of one
 * table (pass 2's digests), not with the events. Values are compared as
 * jansson reads them, except the numbers of json fields, which are compared
 * by their exact decimal values (load_values()). The entities of pass 3 come
 * from the schema descriptions in trail_meta; since anyone who can edit a row
 * can edit those too, a missing or unreadable description, or a table with
 * events that none describes, is itself a problem rather than a reason to
 * skip the table.
 */
#define _POSIX_C_SOURCE 200809L /* strdup, strndup */
#include "driver/driver.h"
#include "audit/event.h"
#include "audit/event_columns.h"
#include "audit/lane.h"
#include "history/digest.h"
#include "history/history_row.h"
#include "sync/node.h"
#include "audit/model.h"
#include "core/json_exact.h"
#include "core/sha256.h"
#include "audit/values.h"
#include "trail/verify.h"

#include <inttypes.h>
#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_PROBLEMS 1000

typedef struct verifier {
    trail_conn *db;
    trail_verify_report *report;
    trail_buf scratch;
    /* pass 1: the lanes (lane id -> lane_entry()'s array), the node's lane before, the current lane
     */
    json_t *lanes;
    char node[TRAIL_NODE_ID_MAX + 1];
    char node_lane[TRAIL_ULID_LEN + 1];
    char node_lane_hash[TRAIL_SHA256_HEX_LEN + 1];
    int64_t node_seq;
    bool in_node;
    char lane[TRAIL_ULID_LEN + 1];
    int64_t seq;
    char prev_hash[TRAIL_SHA256_HEX_LEN + 1];
    bool in_lane, past_seal;
    /* pass 2: the record being followed */
    const char *table;
    char *record;
    int64_t version;
    char op[8];
    json_t *last_new;       /* its latest new_values, NULL after a delete */
    json_t *ends;           /* record id -> digest of its last new_values, or false when deleted */
    json_t *kept_apart;     /* event id -> true: another node's, kept as a conflict, no row moved */
    trail__lineage lineage; /* the node ids this database wrote under before a reset */
    /* pass 3 */
    const trail_entity *entity;
    json_t *differing; /* [record id, live row] pairs to explain after the scan */
    /* progress */
    const trail_verify_opts *opts;
    trail_verify_progress progress;
    const char *step_what;    /* the step under way, named by steps[] */
    int64_t n_events;         /* counted first when there is a progress callback */
    trail_digest_doc *digest; /* opts->digest_json, read before the first step */
} verifier;

/* Tells the caller's progress callback, if any; @finished ends the step. */
static void report_progress(verifier *v, bool finished)
{
    if (!v->opts || !v->opts->progress)
        return;
    v->progress.finished = finished;
    v->opts->progress(v->opts->userdata, &v->progress);
}

/* The step under way starts, reading @total events (-1: not counted). */
static void start_step(verifier *v, int64_t total)
{
    v->progress.step++;
    v->progress.what = v->step_what;
    v->progress.done = 0;
    v->progress.total = total;
    report_progress(v, false);
}

/* One more event or row checked in the current step. */
static void step_done_one(verifier *v)
{
    if (++v->progress.done % 1000 == 0)
        report_progress(v, false);
}

static char *dup_or_null(const char *s)
{
    return s ? strdup(s) : NULL;
}

/* Adds a problem to the report; only running out of memory fails. */
#if defined(__GNUC__)
__attribute__((format(printf, 5, 6)))
#endif
static int
problem(verifier *v, const char *table, const char *record, const char *event, const char *fmt, ...)
{
    trail_verify_report *r = v->report;
    if (r->n_problems == MAX_PROBLEMS) {
        r->truncated = true;
        return TRAIL_OK;
    }
    if (r->n_problems % 64 == 0) {
        trail_verify_problem *more =
            realloc(r->problems, (r->n_problems + 64) * sizeof *r->problems);
        if (!more)
            return trail__err_set(&v->db->err, TRAIL_ENOMEM, "out of memory");
        r->problems = more;
    }
    trail_buf what = TRAIL_BUF_INIT;
    va_list ap;
    va_start(ap, fmt);
    int rc = trail__buf_vappendf(&what, fmt, ap);
    va_end(ap);
    trail_verify_problem p = { dup_or_null(table), dup_or_null(record), dup_or_null(event),
                               what.data };
    if (rc < 0 || (table && !p.table_name) || (record && !p.record_id) || (event && !p.event_id)) {
        free(p.table_name);
        free(p.record_id);
        free(p.event_id);
        free(p.what);
        return trail__err_set(&v->db->err, TRAIL_ENOMEM, "out of memory");
    }
    r->problems[r->n_problems++] = p;
    return TRAIL_OK;
}

/* ---- pass 1: hash chains ---------------------------------------------- */

/*
 * What pass 1 keeps of a lane's row, as a JSON array: its hash, its seal
 * (seq -1 and hash "" when it is not sealed), its node, and whether an
 * event of the lane was read.
 */
enum { LANE_HASH, LANE_SEALED_SEQ, LANE_SEALED_HASH, LANE_NODE, LANE_SEEN };

static int lane_entry(verifier *v, const char *id, const char *hash, int64_t sealed_seq,
                      const char *sealed_hash, const char *node)
{
    json_t *entry =
        json_pack("[s, I, s, s, b]", hash, (json_int_t)sealed_seq, sealed_hash, node, false);
    if (!entry || json_object_set_new(v->lanes, id, entry) < 0)
        return trail__err_set(&v->db->err, TRAIL_ENOMEM, "out of memory");
    return TRAIL_OK;
}

static const char *lane_text(const json_t *entry, size_t i)
{
    const char *s = json_string_value(json_array_get(entry, i));
    return s ? s : "";
}

static int64_t lane_sealed_seq(const json_t *entry)
{
    return entry ? (int64_t)json_integer_value(json_array_get(entry, LANE_SEALED_SEQ)) : -1;
}

/* A text column as a C string in @buf (@size bytes), "" for NULL or too long. */
static const char *text_in(char *buf, size_t size, const trail_value *v)
{
    size_t n = v->type == TRAIL_V_NULL || v->n >= size ? 0 : v->n;
    memcpy(buf, v->s ? v->s : "", n);
    buf[n] = '\0';
    return buf;
}

#define LANE_TYPE(n, name, value, ...) TRAIL_V_##value,
static const trail_vtype lane_types[] = { TRAIL_LANE_COLUMN_TABLE(LANE_TYPE, ) };
#undef LANE_TYPE

/*
 * A lane's place in its node's chain of lanes (they come by node, then
 * node_seq): the node's first lane has node_seq 1 and names no lane before
 * it (or both the id and the hash of the lane it fences off, after a
 * `trail node reset`); every other one follows the lane before it by one, naming that lane's
 * id and row hash. A lane row removed shows as a gap, or as the next lane's
 * broken link.
 */
static int lane_link(verifier *v, const trail_value *cols, const char *id, const char *node,
                     const char *hash)
{
    char prev_lane[TRAIL_ULID_LEN + 1], prev_hash[TRAIL_SHA256_HEX_LEN + 1];
    bool names_prev = cols[TRAIL_LANE_prev_lane].type != TRAIL_V_NULL ||
                      cols[TRAIL_LANE_prev_hash].type != TRAIL_V_NULL;
    /* A node's first lane that names one of another node is a reset's fence (sync/node.c). */
    bool fence = cols[TRAIL_LANE_prev_lane].type != TRAIL_V_NULL &&
                 cols[TRAIL_LANE_prev_hash].type != TRAIL_V_NULL;
    text_in(prev_lane, sizeof prev_lane, &cols[TRAIL_LANE_prev_lane]);
    text_in(prev_hash, sizeof prev_hash, &cols[TRAIL_LANE_prev_hash]);
    int64_t node_seq = cols[TRAIL_LANE_node_seq].i;
    bool first = !v->in_node || strcmp(v->node, node) != 0;
    int rc = TRAIL_OK;
    if (first && node_seq != 1)
        rc = problem(v, NULL, NULL, NULL,
                     "lane %s: it is node %s's first lane but has node_seq %" PRId64
                     ": the node's lane rows before it were removed",
                     id, node, node_seq);
    else if (first && names_prev && !fence)
        rc = problem(v, NULL, NULL, NULL,
                     "lane %s: it is node %s's first lane (node_seq 1) but names a lane before "
                     "it (%s): its row was edited",
                     id, node, prev_lane[0] ? prev_lane : "a prev_hash alone");
    else if (!first && node_seq != v->node_seq + 1)
        rc = problem(v, NULL, NULL, NULL,
                     "lane %s: it has node_seq %" PRId64 " after node %s's lane %s at node_seq "
                     "%" PRId64 ": %s",
                     id, node_seq, node, v->node_lane, v->node_seq,
                     node_seq > v->node_seq + 1 ? "the lane rows in between were removed"
                                                : "a node_seq repeats");
    else if (!first && strcmp(prev_lane, v->node_lane) != 0)
        rc = problem(v, NULL, NULL, NULL,
                     "lane %s: it names %s%s as the lane before it, but node %s's lane at "
                     "node_seq %" PRId64 " is %s: a lane row was removed or replaced",
                     id, prev_lane[0] ? "lane " : "", prev_lane[0] ? prev_lane : "no lane", node,
                     v->node_seq, v->node_lane);
    else if (!first && strcmp(prev_hash, v->node_lane_hash) != 0)
        rc = problem(v, NULL, NULL, NULL,
                     "lane %s: its prev_hash is not the hash of node %s's lane before it, %s: "
                     "that lane's row was edited or replaced",
                     id, node, v->node_lane);
    snprintf(v->node, sizeof v->node, "%s", node);
    snprintf(v->node_lane, sizeof v->node_lane, "%s", id);
    snprintf(v->node_lane_hash, sizeof v->node_lane_hash, "%s", hash);
    v->node_seq = node_seq;
    v->in_node = true;
    return rc;
}

/* One row of trail_lanes: its hash against its columns, its link; kept for the events' pass. */
static int lane_row(trail_conn *db, void *row, void *userdata)
{
    verifier *v = userdata;
    trail_value cols[TRAIL_LANE_COLUMNS];
    int rc = trail__row_read(db, row, lane_types, cols, TRAIL_LANE_COLUMNS);
    if (rc < 0)
        return rc;
    char id[TRAIL_ULID_LEN + 1], node[TRAIL_NODE_ID_MAX + 1], hash[TRAIL_SHA256_HEX_LEN + 1],
        sealed[TRAIL_SHA256_HEX_LEN + 1], want[TRAIL_SHA256_HEX_LEN + 1];
    text_in(id, sizeof id, &cols[TRAIL_LANE_lane_id]);
    text_in(node, sizeof node, &cols[TRAIL_LANE_node_id]);
    text_in(hash, sizeof hash, &cols[TRAIL_LANE_hash]);
    text_in(sealed, sizeof sealed, &cols[TRAIL_LANE_sealed_hash]);
    if ((rc = trail__lane_hash(want, cols)) < 0)
        return trail__err_set(&db->err, rc, "out of memory");
    if (strcmp(want, hash) != 0 &&
        (rc = problem(v, NULL, NULL, NULL,
                      "lane %s: its row does not match its hash: the lane's row was edited", id)) <
            0)
        return rc;
    if ((rc = lane_link(v, cols, id, node, hash)) < 0)
        return rc;
    int64_t sealed_seq =
        cols[TRAIL_LANE_sealed_seq].type == TRAIL_V_NULL ? -1 : cols[TRAIL_LANE_sealed_seq].i;
    return lane_entry(v, id, hash, sealed_seq, sealed, node);
}

/* The lane followed so far ends: a sealed lane must not end before its seal. */
static int end_lane(verifier *v)
{
    if (!v->in_lane)
        return TRAIL_OK;
    v->in_lane = false;
    int64_t sealed_seq = lane_sealed_seq(json_object_get(v->lanes, v->lane));
    if (sealed_seq > v->seq)
        return problem(v, NULL, NULL, NULL,
                       "lane %s: it was sealed at seq %" PRId64
                       " but its events end at seq %" PRId64 ": the events after it were removed",
                       v->lane, sealed_seq, v->seq);
    return TRAIL_OK;
}

/* After the events: a lane sealed with events that has none lost them. */
static int lanes_without_events(verifier *v)
{
    const char *id;
    json_t *entry;
    int rc = TRAIL_OK;
    json_object_foreach(v->lanes, id, entry)
    {
        int64_t sealed_seq = lane_sealed_seq(entry);
        if (rc < 0 || json_is_true(json_array_get(entry, LANE_SEEN)))
            continue;
        if (sealed_seq > 0)
            rc = problem(v, NULL, NULL, NULL,
                         "lane %s: it was sealed at seq %" PRId64
                         " but has no events: they were removed",
                         id, sealed_seq);
        else if (sealed_seq == 0 &&
                 strcmp(lane_text(entry, LANE_SEALED_HASH), lane_text(entry, LANE_HASH)) != 0)
            rc = problem(v, NULL, NULL, NULL,
                         "lane %s: it was sealed before its first event, but with a hash other "
                         "than its row's: its seal was edited",
                         id);
    }
    return rc;
}

/* An event against its lane's row: the lane's node, and where the lane was sealed. */
static int lane_event(verifier *v, const trail_change_event *ev, const json_t *entry)
{
    const char *node = lane_text(entry, LANE_NODE);
    int64_t sealed_seq = lane_sealed_seq(entry);
    if (!ev->node_id || strcmp(ev->node_id, node) != 0)
        return problem(v, ev->table_name, ev->record_id, ev->event_id,
                       "it names node %s, but its lane %s is node %s's: the event was forged",
                       ev->node_id ? ev->node_id : "(none)", ev->lane_id, node);
    if (sealed_seq < 0 || ev->seq < sealed_seq)
        return TRAIL_OK;
    if (ev->seq == sealed_seq &&
        (!ev->hash || strcmp(ev->hash, lane_text(entry, LANE_SEALED_HASH))))
        return problem(v, ev->table_name, ev->record_id, ev->event_id,
                       "lane %s was sealed at seq %" PRId64 " with another hash: this event, or "
                       "one before it in the lane, was rewritten (and the hashes after it "
                       "recomputed)",
                       ev->lane_id, sealed_seq);
    if (ev->seq > sealed_seq && !v->past_seal) {
        v->past_seal = true;
        return problem(v, ev->table_name, ev->record_id, ev->event_id,
                       "it has seq %" PRId64 " in lane %s, which was sealed at seq %" PRId64
                       ": it was added after the seal",
                       ev->seq, ev->lane_id, sealed_seq);
    }
    return TRAIL_OK;
}

static int chain_row(trail_conn *db, void *row, void *userdata)
{
    verifier *v = userdata;
    trail_value cols[TRAIL_EVENT_COLUMNS];
    trail_change_event ev;
    int rc = trail__event_row_read(db, row, cols, &ev, &v->scratch);
    if (rc < 0)
        return rc;
    v->report->events++;
    step_done_one(v);

    /* The JSON columns are hashed as the text stored, whatever a driver calls them. */
    for (size_t i = 0; i < TRAIL_EVENT_COLUMNS; i++)
        if (trail__event_types[i] == TRAIL_V_JSON && cols[i].type != TRAIL_V_NULL)
            cols[i].type = TRAIL_V_JSON;
    char hash[TRAIL_SHA256_HEX_LEN + 1];
    if ((rc = trail__event_hash(hash, cols)) < 0)
        return trail__err_set(&db->err, rc, "out of memory");
    if (!ev.hash || strcmp(hash, ev.hash) != 0)
        rc = problem(v, ev.table_name, ev.record_id, ev.event_id,
                     "its content does not match its hash: the event was edited");
    if (rc < 0)
        return rc;

    const char *lane_id = ev.lane_id ? ev.lane_id : "";
    json_t *entry = json_object_get(v->lanes, lane_id);
    bool same_lane = v->in_lane && strcmp(v->lane, lane_id) == 0;
    if (!same_lane) {
        if ((rc = end_lane(v)) < 0)
            return rc;
        v->past_seal = false;
        if (entry && json_array_set_new(entry, LANE_SEEN, json_true()) < 0)
            return trail__err_set(&db->err, TRAIL_ENOMEM, "out of memory");
        if (!entry)
            rc = problem(v, ev.table_name, ev.record_id, ev.event_id,
                         "its lane %s is not in trail_lanes: the lane's row was removed, or the "
                         "event forged",
                         lane_id);
        else if (ev.seq != 1)
            rc = problem(v, ev.table_name, ev.record_id, ev.event_id,
                         "it is the first event of lane %s but has seq %" PRId64
                         ": events before it were removed",
                         lane_id, ev.seq);
        else if (!ev.prev_hash || strcmp(ev.prev_hash, lane_text(entry, LANE_HASH)) != 0)
            rc = problem(v, ev.table_name, ev.record_id, ev.event_id,
                         "its prev_hash is not the hash of its lane %s's row", lane_id);
    } else if (ev.seq != v->seq + 1) {
        rc = problem(v, ev.table_name, ev.record_id, ev.event_id,
                     "it has seq %" PRId64 " after seq %" PRId64 " in lane %s: %s", ev.seq, v->seq,
                     lane_id,
                     ev.seq > v->seq + 1 ? "events in between were removed" : "a seq repeats");
    } else if (!ev.prev_hash || strcmp(ev.prev_hash, v->prev_hash) != 0) {
        rc = problem(v, ev.table_name, ev.record_id, ev.event_id,
                     "its prev_hash is not the hash of lane %s's event before it: an event "
                     "between them was removed or replaced",
                     lane_id);
    }
    if (rc < 0)
        return rc;
    /* A problem was recorded, or none: the lane's own checks follow. */
    if (entry && (rc = lane_event(v, &ev, entry)) < 0)
        return rc;
    snprintf(v->lane, sizeof v->lane, "%s", lane_id);
    snprintf(v->prev_hash, sizeof v->prev_hash, "%s", ev.hash ? ev.hash : "");
    v->seq = ev.seq;
    v->in_lane = true;
    return TRAIL_OK;
}

/* ---- pass 2: each record's events ------------------------------------- */

/* The digest of a row JSON as jansson writes it sorted: what the live row must also give. */
static int digest_of(const json_t *values, char out[TRAIL_SHA256_HEX_LEN + 1])
{
    char *text = json_dumps(values, JSON_COMPACT | JSON_SORT_KEYS);
    int rc = text ? trail__sha256_hex(out, text, strlen(text)) : TRAIL_ENOMEM;
    free(text);
    return rc;
}

/* Records where the record followed so far ended. */
static int end_record(verifier *v)
{
    if (!v->record)
        return TRAIL_OK;
    json_t *end = json_false();
    if (v->last_new) {
        char digest[TRAIL_SHA256_HEX_LEN + 1];
        if (digest_of(v->last_new, digest) < 0)
            return trail__err_set(&v->db->err, TRAIL_ENOMEM, "out of memory");
        end = json_string(digest);
    }
    int rc = json_object_set_new(v->ends, v->record, end) < 0
                 ? trail__err_set(&v->db->err, TRAIL_ENOMEM, "out of memory")
                 : TRAIL_OK;
    free(v->record);
    v->record = NULL;
    json_decref(v->last_new);
    v->last_new = NULL;
    return rc;
}

/*
 * The names of the members in which two JSON objects differ, comma
 * separated, appended to @out; TRAIL_OK or @out's error.
 */
static int differing_fields(trail_buf *out, const json_t *a, const json_t *b, bool only_b)
{
    const char *key;
    json_t *value;
    json_object_foreach((json_t *)a, key, value)
    {
        if ((!only_b || json_object_get(b, key)) && !json_equal(value, json_object_get(b, key)))
            trail__buf_appendf(out, "%s%s", out->len ? ", " : "", key);
    }
    json_object_foreach((json_t *)b, key, value)
    {
        if (!json_object_get(a, key))
            trail__buf_appendf(out, "%s%s", out->len ? ", " : "", key);
    }
    return out->err;
}

/*
 * Whether an event's @old_values agree with the record's @last new_values:
 * a delete's are the whole row; an update's, its changed fields only
 * (SPEC §4), each as the record last was.
 */
static bool old_values_hold(const json_t *old_values, const json_t *last, bool whole)
{
    if (whole)
        return json_equal(old_values, last);
    const char *key;
    json_t *value;
    json_object_foreach((json_t *)old_values, key, value)
    {
        if (!json_equal(value, json_object_get(last, key)))
            return false;
    }
    return json_is_object(old_values);
}

/*
 * Whether two values of a member are surely one value, or surely two,
 * where engines may judge "moved" otherwise than JSON does: numbers of
 * equal value (1 and 1.0, 0.0 and -0.0) may be one value to an engine and
 * two to another, and a json field's object or array may be respelled
 * (members reordered) by one engine and not by another; neither is taken
 * as proof either way.
 */
static bool loosely_equal(const json_t *a, const json_t *b)
{
    if (json_is_number(a) && json_is_number(b))
        return json_is_integer(a) && json_is_integer(b)
                   ? json_integer_value(a) == json_integer_value(b)
                   : json_number_value(a) == json_number_value(b);
    if (json_is_array(a) && json_is_array(b)) {
        if (json_array_size(a) != json_array_size(b))
            return false;
        for (size_t i = 0; i < json_array_size(a); i++)
            if (!loosely_equal(json_array_get(a, i), json_array_get(b, i)))
                return false;
        return true;
    }
    if (json_is_object(a) && json_is_object(b)) {
        const char *key;
        json_t *value;
        if (json_object_size(a) != json_object_size(b))
            return false;
        json_object_foreach((json_t *)a, key, value)
        {
            if (!loosely_equal(value, json_object_get(b, key)))
                return false;
        }
        return true;
    }
    return json_equal(a, b);
}

static bool surely_same(const json_t *a, const json_t *b)
{
    if (json_is_object(a) || json_is_array(a) || !json_equal(a, b))
        return false;
    return json_typeof(a) == json_typeof(b) &&
           !(json_is_real(a) && signbit(json_real_value(a)) != signbit(json_real_value(b)));
}

/* Appends @name, and @note when given, to the comma-separated list @out. */
static void list_name(trail_buf *out, const char *name, const char *note)
{
    trail__buf_appendf(out, "%s%s%s%s", out->len ? ", " : "", name, note ? " " : "",
                       note ? note : "");
}

/*
 * An update's changed, old_values and new_values against the record as it
 * last was (@last): changed names exactly the members of old_values (the
 * audited fields that moved: SPEC §4), and new_values differs from @last in
 * those fields and in no other ("version" aside, and members only one of
 * them holds: a field a later schema added or dropped). A redacted field
 * that moved is named while both its values read "[redacted]". With
 * @may_stay (a resolve, whose @old_values is NULL here), a field changed
 * names may hold its value.
 */
static int update_holds(verifier *v, const char *event_id, const json_t *changed,
                        const json_t *old_values, const json_t *new_values, bool may_stay)
{
    const char *t = v->table, *r = v->record, *key;
    size_t i;
    json_t *name, *value;
    json_array_foreach(changed, i, name)
    {
        if (!json_is_string(name))
            changed = NULL;
    }
    if (!json_is_array(changed))
        return problem(v, t, r, event_id,
                       "its changed is not an array of field names: the event was edited");
    trail_buf apart = TRAIL_BUF_INIT, unnamed = TRAIL_BUF_INIT, unmoved = TRAIL_BUF_INIT;
    json_t *named = json_object();
    json_array_foreach(changed, i, name)
    {
        if (named)
            json_object_set(named, json_string_value(name), json_true());
        if (json_is_object(old_values) && !json_object_get(old_values, json_string_value(name)))
            list_name(&apart, json_string_value(name), "(only in changed)");
        value = json_object_get(new_values, json_string_value(name));
        const json_t *before = json_object_get(v->last_new, json_string_value(name));
        if (!may_stay && value && before && surely_same(value, before) &&
            !(json_is_string(value) &&
              strcmp(json_string_value(value), "[redacted]") == 0 /* json_form.c */))
            list_name(&unmoved, json_string_value(name), NULL);
    }
    if (json_is_object(old_values) && named)
        json_object_foreach((json_t *)old_values, key, value)
        {
            if (!json_object_get(named, key))
                list_name(&apart, key, "(only in old_values)");
        }
    if (json_is_object(new_values) && named)
        json_object_foreach((json_t *)new_values, key, value)
        {
            const json_t *before = json_object_get(v->last_new, key);
            if (strcmp(key, "version") != 0 && before && !json_object_get(named, key) &&
                !loosely_equal(value, before))
                list_name(&unnamed, key, NULL);
        }
    int rc = !named || apart.err || unnamed.err || unmoved.err
                 ? trail__err_set(&v->db->err, TRAIL_ENOMEM, "out of memory")
                 : TRAIL_OK;
    if (rc < 0)
        goto done;
    if (apart.len &&
        (rc = problem(v, t, r, event_id,
                      "its changed and its old_values do not name the same fields: %s: the event "
                      "was edited",
                      apart.data)) < 0)
        goto done;
    if (unnamed.len &&
        (rc = problem(v, t, r, event_id,
                      "its new_values differ from the previous event's new_values in %s, which "
                      "its changed does not name: the event was edited",
                      unnamed.data)) < 0)
        goto done;
    if (unmoved.len)
        rc = problem(v, t, r, event_id,
                     "its changed names %s, but its new_values hold the previous event's value "
                     "there: the event was edited",
                     unmoved.data);
done:
    json_decref(named);
    trail__buf_free(&apart);
    trail__buf_free(&unnamed);
    trail__buf_free(&unmoved);
    return rc;
}

/*
 * Checks one event against the record's state so far, then makes it that
 * state: @new_values is kept (a reference taken), the rest is borrowed.
 */
static int follow(verifier *v, const char *event_id, const char *op, int64_t version,
                  json_t *old_values, json_t *new_values, json_t *changed)
{
    const char *t = v->table, *r = v->record;
    bool first = v->version == 0;
    bool insert = strcmp(op, "insert") == 0, del = strcmp(op, "delete") == 0;
    bool resolve = strcmp(op, "resolve") == 0;
    int64_t want = first ? 1 : del ? v->version : v->version + 1;
    /*
     * An update's or delete's old_values are the record's last new_values
     * (an update's, some); a resolve's name the conflict it decides
     * (docs/replication.md, "Resolving").
     */
    bool carries_last = !first && !insert && !resolve && v->last_new;
    trail_buf names = TRAIL_BUF_INIT;
    int rc = TRAIL_OK;
    if (first && !insert)
        rc = problem(v, t, r, event_id,
                     "its history starts with %s at version %" PRId64
                     ", not an insert at version 1: earlier events are missing",
                     op, version);
    else if (!first && strcmp(v->op, "delete") == 0)
        rc = problem(v, t, r, event_id, "%s at version %" PRId64 " after the record was deleted",
                     op, version);
    else if (!first && insert)
        rc = problem(v, t, r, event_id, "a second insert, at version %" PRId64, version);
    else if (version != want)
        rc = problem(v, t, r, event_id, "%s at version %" PRId64 " after version %" PRId64 ": %s",
                     op, version, v->version,
                     version > want ? "events in between are missing" : "a version repeats");
    if (rc < 0)
        goto done;
    if (carries_last && !old_values)
        rc = problem(v, t, r, event_id, "its old_values are missing");
    else if (carries_last && !old_values_hold(old_values, v->last_new, del)) {
        if ((rc = differing_fields(&names, v->last_new, old_values, !del)) < 0)
            goto done;
        rc = problem(v, t, r, event_id,
                     "its old_values differ from the previous event's new_values in: %s",
                     names.data ? names.data : "(their form)");
    }
    if (rc < 0)
        goto done;
    if (!del && !new_values && (rc = problem(v, t, r, event_id, "%s without new_values", op)) < 0)
        goto done;
    /* A resolve that keeps a side's values names fields that need not move. */
    if (!first && (resolve || strcmp(op, "update") == 0) && v->last_new)
        rc = update_holds(v, event_id, changed, resolve ? NULL : old_values, new_values, resolve);
done:
    trail__buf_free(&names);
    json_decref(v->last_new);
    v->last_new = del ? NULL : json_incref(new_values);
    v->version = version;
    snprintf(v->op, sizeof v->op, "%s", op);
    return rc;
}

/* Whether member @key of @e's event values (e: the entity, NULL when unknown) is a json field. */
static bool json_field(void *e, const char *key, size_t len)
{
    const trail_entity *entity = e;
    for (size_t i = 0; entity && i < entity->n_fields; i++) {
        const trail_field *f = &entity->fields[i];
        if (f->type == TRAIL_TYPE_JSON && strlen(f->name) == len && memcmp(f->name, key, len) == 0)
            return true;
    }
    return !entity;
}

/*
 * The event values in the @n bytes at @s, as verify compares them: the
 * numbers of the entity's json fields read exactly (json_exact.h), where
 * jansson would refuse jsonb's 301 digits of 1e300 or make two numbers one
 * double; every other member as jansson reads it, so that a double field's
 * value is the double, however an older trail spelled it. Without an
 * entity, every member is read exactly. NULL when the text is no JSON
 * value, or out of memory.
 */
static json_t *load_values(const verifier *v, const char *s, size_t n)
{
    trail_buf text = TRAIL_BUF_INIT;
    json_t *j = NULL;
    if (trail__json_exact(&text, s, n, json_field, (void *)v->entity) == TRAIL_OK)
        j = json_loadb(text.data, text.len, JSON_DECODE_ANY, NULL);
    trail__buf_free(&text);
    return j;
}

static json_t *parse_json(const verifier *v, const trail_value *value)
{
    return value->type == TRAIL_V_NULL ? NULL : load_values(v, value->s, value->n);
}

static int record_row(trail_conn *db, void *row, void *userdata)
{
    verifier *v = userdata;
    static const trail_vtype types[7] = { TRAIL_V_TEXT, TRAIL_V_TEXT, TRAIL_V_INT, TRAIL_V_JSON,
                                          TRAIL_V_JSON, TRAIL_V_TEXT, TRAIL_V_JSON };
    trail_value c[7];
    int rc = trail__row_read(db, row, types, c, 7);
    if (rc < 0)
        return rc;
    step_done_one(v);
    if (c[5].type != TRAIL_V_NULL && c[5].n <= TRAIL_ULID_LEN) {
        char id[TRAIL_ULID_LEN + 1];
        memcpy(id, c[5].s, c[5].n);
        id[c[5].n] = '\0';
        if (json_object_get(v->kept_apart, id))
            return 0; /* it moved no row here: not in the record's chain */
    }
    char *record = strndup(c[0].s ? c[0].s : "", c[0].n);
    char *op = strndup(c[1].s ? c[1].s : "", c[1].n);
    char *event_id = strndup(c[5].s ? c[5].s : "", c[5].n);
    json_t *old_values = parse_json(v, &c[3]), *new_values = parse_json(v, &c[4]);
    /* An array of names: no numbers to read exactly. */
    json_t *changed =
        c[6].type == TRAIL_V_NULL ? NULL : json_loadb(c[6].s, c[6].n, JSON_DECODE_ANY, NULL);
    if (!record || !op || !event_id) {
        rc = trail__err_set(&db->err, TRAIL_ENOMEM, "out of memory");
        goto done;
    }
    if (!v->record || strcmp(v->record, record) != 0) {
        if ((rc = end_record(v)) < 0)
            goto done;
        v->record = record;
        record = NULL;
        v->version = 0;
        v->report->records++;
    }
    rc = follow(v, event_id, op, c[2].i, old_values, new_values, changed);
done:
    json_decref(old_values);
    json_decref(new_values);
    json_decref(changed);
    free(record);
    free(op);
    free(event_id);
    return rc;
}

/* ---- pass 3: live rows ------------------------------------------------ */

/*
 * SELECT id, version, fields FROM table, quoted with @q: a text the caller
 * frees with free(), or NULL when out of memory.
 */
static char *live_rows_sql(char q, const trail_entity *e)
{
    trail_buf out = TRAIL_BUF_INIT;
    trail__buf_appendf(&out, "SELECT %cid%c, %cversion%c", q, q, q, q);
    for (size_t i = 0; i < e->n_fields; i++)
        trail__buf_appendf(&out, ", %c%s%c", q, e->fields[i].name, q);
    trail__buf_appendf(&out, " FROM %c%s%c", q, e->table, q);
    return trail__buf_finish(&out);
}

static int live_row(trail_conn *db, void *row, void *userdata)
{
    verifier *v = userdata;
    trail_row values;
    int rc = trail__values_read(db, v->entity, row, &values);
    if (rc < 0)
        return rc;
    v->report->rows++;
    char id[32];
    const char *record = id;
    if (values.v[0].type == TRAIL_V_INT)
        snprintf(id, sizeof id, "%" PRId64, values.v[0].i);
    else {
        trail__buf_reset(&v->scratch);
        if (trail__buf_append(&v->scratch, values.v[0].s ? values.v[0].s : "", values.v[0].n) < 0)
            return trail__err_set(&db->err, TRAIL_ENOMEM, "out of memory");
        record = v->scratch.data;
    }

    json_t *end = json_object_get(v->ends, record);
    if (!end)
        return problem(v, v->table, record, NULL,
                       "the row has no change events: it was written behind trail's back");
    if (json_is_false(end))
        return problem(v, v->table, record, NULL,
                       "the row is present although its history ends in a delete");

    trail_buf text = TRAIL_BUF_INIT;
    json_t *live = NULL;
    char digest[TRAIL_SHA256_HEX_LEN + 1];
    if ((rc = trail__values_json(&text, v->entity, &values)) < 0)
        goto done;
    if (!(live = load_values(v, text.data, text.len))) {
        rc = problem(v, v->table, record, NULL, "the row's values do not make valid JSON");
        goto done;
    }
    if ((rc = digest_of(live, digest)) < 0)
        goto done;
    /* Explained after the scan, which must not be interleaved with another query. */
    if (strcmp(digest, json_string_value(end)) != 0 &&
        json_array_append_new(v->differing, json_pack("[sO]", record, live)) < 0) {
        rc = TRAIL_ENOMEM;
        goto done;
    }
    json_object_del(v->ends, record);
done:
    json_decref(live);
    trail__buf_free(&text);
    return rc == TRAIL_ENOMEM ? trail__err_set(&db->err, rc, "out of memory") : rc;
}

/*
 * Whether @exact, a json field's value as load_values() reads it (numbers
 * "n:…", strings "s:…"), is @plain as jansson reads it, numbers compared as
 * doubles: the defaults of the schema's description are so read
 * (trail__model_parse()), 0.1 as 0.10000000000000001.
 */
static bool same_as_read(const json_t *plain, const json_t *exact)
{
    if (!plain || !exact)
        return false;
    size_t i;
    const char *key;
    json_t *value;
    switch (json_typeof(plain)) {
    case JSON_OBJECT:
        if (!json_is_object(exact) || json_object_size(exact) != json_object_size(plain))
            return false;
        json_object_foreach((json_t *)plain, key, value)
        {
            if (!same_as_read(value, json_object_get(exact, key)))
                return false;
        }
        return true;
    case JSON_ARRAY:
        if (!json_is_array(exact) || json_array_size(exact) != json_array_size(plain))
            return false;
        json_array_foreach(plain, i, value)
        {
            if (!same_as_read(value, json_array_get(exact, i)))
                return false;
        }
        return true;
    case JSON_STRING:
        return json_is_string(exact) && strncmp(json_string_value(exact), "s:", 2) == 0 &&
               json_string_length(exact) == json_string_length(plain) + 2 &&
               memcmp(json_string_value(exact) + 2, json_string_value(plain),
                      json_string_length(plain)) == 0;
    case JSON_INTEGER:
    case JSON_REAL:
        /* "n:" and digits, e and an exponent: no decimal point for the locale to differ on */
        return json_is_string(exact) && strncmp(json_string_value(exact), "n:", 2) == 0 &&
               strtod(json_string_value(exact) + 2, NULL) == json_number_value(plain);
    default:
        return json_equal(plain, exact);
    }
}

/*
 * Drops from @live the fields its record's last event @last does not hold and
 * the row holds as migrate gave them (the default, or null): fields a later
 * version of the schema added, which no event of the record has set yet.
 * Returns whether it dropped any.
 */
static bool drop_added_fields(const trail_entity *e, const json_t *last, json_t *live)
{
    bool dropped = false;
    for (size_t i = 0; e && i < e->n_fields; i++) {
        const trail_field *f = &e->fields[i];
        if (json_object_get(last, f->name) || (f->flags & TRAIL_FIELD_OMIT))
            continue;
        json_t *given = f->flags & TRAIL_FIELD_DEFAULT ? json_loads(f->def.s, JSON_DECODE_ANY, NULL)
                                                       : json_null();
        json_t *held = json_object_get(live, f->name);
        if (f->type == TRAIL_TYPE_JSON ? same_as_read(given, held) : json_equal(given, held))
            dropped = json_object_del(live, f->name) == 0 || dropped;
        json_decref(given);
    }
    return dropped;
}

/*
 * Reports how the live row of @pair ([record id, live row], from live_row())
 * differs from its record's last event; drops from the row the fields that
 * drop_added_fields() explains.
 */
static int explain_one(verifier *v, json_t *pair)
{
    const char *record = json_string_value(json_array_get(pair, 0));
    json_t *live = json_array_get(pair, 1);
    char *last_text = NULL;
    json_t *last = NULL;
    trail_buf names = TRAIL_BUF_INIT;
    bool added;
    int rc = trail_as_of(v->db, v->table, record, INT64_MAX, &last_text);
    if (rc < 0)
        goto done;
    if (!(last = load_values(v, last_text, strlen(last_text)))) {
        rc = trail__err_set(&v->db->err, TRAIL_ENOMEM, "out of memory");
        goto done;
    }
    added = drop_added_fields(v->entity, last, live);
    if ((rc = differing_fields(&names, last, live, false)) < 0)
        goto done;
    if (names.len || !added)
        rc = problem(v, v->table, record, NULL,
                     "the row differs from its last event's new_values in: %s: it was "
                     "changed behind trail's back",
                     names.data ? names.data : "(their form)");
done:
    trail__buf_free(&names);
    json_decref(last);
    free(last_text);
    return rc;
}

static int explain_differing(verifier *v)
{
    size_t i;
    json_t *pair;
    int rc = TRAIL_OK;
    json_array_foreach(v->differing, i, pair)
    {
        if ((rc = explain_one(v, pair)) < 0)
            break;
    }
    json_array_clear(v->differing);
    return rc;
}

static int check_live_rows(verifier *v)
{
    char *sql = live_rows_sql(v->db->drv->dialect->quote, v->entity);
    if (!sql)
        return trail__err_set(&v->db->err, TRAIL_ENOMEM, "out of memory");
    int rc = v->db->drv->query_once(v->db, sql, NULL, 0, live_row, v, NULL);
    free(sql);
    if (rc == TRAIL_EDB) {
        /*
         * A table the description names that is not there (the description
         * was edited), a column it lacks, a damaged page: each is a finding
         * about this table, and the other tables are still worth checking.
         */
        char why[TRAIL_ERRMSG_MAX];
        snprintf(why, sizeof why, "%s", trail__err_message(&v->db->err));
        trail__err_clear(&v->db->err);
        json_array_clear(v->differing);
        json_object_clear(v->ends);
        return problem(v, v->table, NULL, NULL,
                       "the live rows of entity %s could not be read (%s): the table differs "
                       "from the description in trail_meta, or is damaged",
                       v->entity->name, why);
    }
    if (rc < 0)
        return rc;
    if ((rc = explain_differing(v)) < 0)
        return rc;
    const char *record;
    json_t *end;
    json_object_foreach(v->ends, record, end)
    {
        if (json_is_string(end) &&
            (rc = problem(v, v->table, record, NULL,
                          "the row is missing although its history does not end in a delete")) < 0)
            return rc;
    }
    return TRAIL_OK;
}

/* ---- the tables to check ---------------------------------------------- */

/* One table: its name and, when a migrated schema describes it, its entity. */
typedef struct table_entry {
    char *name;
    const trail_entity *entity;
} table_entry;

typedef struct table_list {
    table_entry *items;
    size_t n, cap;
    trail_model *models;
    size_t n_models;
    verifier *v;
    json_t *schemas; /* schema name -> true when its description was found */
} table_list;

static int add_table(table_list *l, const char *name, size_t len, const trail_entity *e)
{
    for (size_t i = 0; i < l->n; i++)
        if (strlen(l->items[i].name) == len && memcmp(l->items[i].name, name, len) == 0) {
            if (e)
                l->items[i].entity = e;
            return TRAIL_OK;
        }
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 16;
        table_entry *more = realloc(l->items, cap * sizeof *more);
        if (!more)
            return TRAIL_ENOMEM;
        l->items = more;
        l->cap = cap;
    }
    char *copy = strndup(name, len);
    if (!copy)
        return TRAIL_ENOMEM;
    l->items[l->n++] = (table_entry){ copy, e };
    return TRAIL_OK;
}

/* @key's schema name when it is "schema.NAME.@suffix", else NULL; the caller frees it. */
static char *schema_of(const trail_value *key, const char *suffix)
{
    size_t n = strlen(suffix);
    if (key->type == TRAIL_V_NULL || key->n < 7 + 1 + n || memcmp(key->s, "schema.", 7) != 0 ||
        memcmp(key->s + key->n - n, suffix, n) != 0 || key->s[key->n - n - 1] != '.')
        return NULL;
    return strndup(key->s + 7, key->n - 7 - n - 1);
}

static int version_row(trail_conn *db, void *row, void *userdata)
{
    table_list *l = userdata;
    trail_value key;
    int rc = db->drv->column(db, row, 0, TRAIL_V_TEXT, &key);
    if (rc < 0)
        return rc;
    char *name = schema_of(&key, "version");
    if (name && !json_object_get(l->schemas, name) &&
        json_object_set_new(l->schemas, name, json_false()) < 0)
        rc = trail__err_set(&db->err, TRAIL_ENOMEM, "out of memory");
    free(name);
    return rc;
}

static int model_row(trail_conn *db, void *row, void *userdata)
{
    table_list *l = userdata;
    static const trail_vtype types[2] = { TRAIL_V_TEXT, TRAIL_V_TEXT };
    trail_value c[2];
    int rc = trail__row_read(db, row, types, c, 2);
    if (rc < 0)
        return rc;
    const trail_value *key = &c[0], *value = &c[1];
    char *described = schema_of(key, "model");
    if (!described)
        return 0;
    trail_model *more = NULL, *m;
    if (json_object_set_new(l->schemas, described, json_true()) < 0 ||
        !(more = realloc(l->models, (l->n_models + 1) * sizeof *more)))
        goto nomem;
    l->models = more;
    m = &l->models[l->n_models];
    rc = value->type == TRAIL_V_NULL ? TRAIL_EINVALID : trail__model_parse(m, value->s, value->n);
    if (rc == TRAIL_EINVALID) {
        rc = problem(l->v, NULL, NULL, NULL,
                     "trail_meta's schema.%s.model, the description of schema %s that migrate "
                     "wrote, is not one any more: it was edited, and the live rows of its tables "
                     "cannot be checked against their events",
                     described, described);
        goto done;
    }
    if (rc == TRAIL_ENOMEM)
        goto nomem;
    l->n_models++;
    for (size_t i = 0; i < m->n_entities; i++)
        if (add_table(l, m->entities[i].table, strlen(m->entities[i].table), &m->entities[i]) < 0)
            goto nomem;
    goto done;

nomem:
    rc = trail__err_set(&db->err, TRAIL_ENOMEM, "out of memory");
done:
    free(described);
    return rc;
}

/* A schema with a version in trail_meta but no description: the description was deleted. */
static int missing_models(table_list *l)
{
    const char *name;
    json_t *found;
    json_object_foreach(l->schemas, name, found)
    {
        if (!json_is_false(found))
            continue;
        int rc = problem(l->v, NULL, NULL, NULL,
                         "trail_meta has schema.%s.version but no schema.%s.model, the description "
                         "of schema %s that migrate wrote: it was deleted, and the live rows of "
                         "its tables cannot be checked against their events",
                         name, name, name);
        if (rc < 0)
            return rc;
    }
    return TRAIL_OK;
}

static int event_table_row(trail_conn *db, void *row, void *userdata)
{
    trail_value name;
    int rc = db->drv->column(db, row, 0, TRAIL_V_TEXT, &name);
    if (rc < 0)
        return rc;
    if (add_table(userdata, name.s ? name.s : "", name.n, NULL) < 0)
        return trail__err_set(&db->err, TRAIL_ENOMEM, "out of memory");
    return TRAIL_OK;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(((const table_entry *)a)->name, ((const table_entry *)b)->name);
}

static void free_tables(table_list *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->items[i].name);
    free(l->items);
    for (size_t i = 0; i < l->n_models; i++)
        trail__model_free(&l->models[i]);
    free(l->models);
    json_decref(l->schemas);
}

/* ---- the whole check -------------------------------------------------- */

static int kept_apart_row(trail_conn *db, void *row, void *userdata)
{
    verifier *v = userdata;
    trail_value id;
    int rc = db->drv->column(db, row, 0, TRAIL_V_TEXT, &id);
    if (rc < 0 || id.type == TRAIL_V_NULL)
        return rc;
    char key[TRAIL_ULID_LEN + 1];
    snprintf(key, sizeof key, "%.*s", (int)id.n, id.s);
    return json_object_set_new(v->kept_apart, key, json_true()) < 0
               ? trail__err_set(&db->err, TRAIL_ENOMEM, "out of memory")
               : 0;
}

/* An event of another node id, kept apart unless this database wrote it before a reset. */
static int foreign_row(trail_conn *db, void *row, void *userdata)
{
    verifier *v = userdata;
    static const trail_vtype types[3] = { TRAIL_V_TEXT, TRAIL_V_TEXT, TRAIL_V_INT };
    trail_value c[3];
    int rc = trail__row_read(db, row, types, c, 3);
    if (rc < 0 || c[0].type == TRAIL_V_NULL || c[1].type == TRAIL_V_NULL)
        return rc;
    char key[TRAIL_ULID_LEN + 1], node[TRAIL_NODE_ID_MAX + 1];
    snprintf(key, sizeof key, "%.*s", (int)c[0].n, c[0].s);
    snprintf(node, sizeof node, "%.*s", (int)c[1].n, c[1].s);
    if (trail__lineage_own(&v->lineage, node, c[2].i))
        return 0;
    return json_object_set_new(v->kept_apart, key, json_true()) < 0
               ? trail__err_set(&db->err, TRAIL_ENOMEM, "out of memory")
               : 0;
}

static int check_table(verifier *v, const table_entry *t)
{
    const trail_runtime_sql *sql = v->db->drv->sql;
    v->table = t->name;
    v->entity = t->entity;
    trail_value name = trail_v_text(t->name);
    int rc = TRAIL_OK;
    /* The rows of an entity that does not replicate hold this node's events only. */
    trail_value p[2] = { name, trail_v_text(v->db->node_id) };
    if (t->entity && !t->entity->replicate &&
        (rc = v->db->drv->query(v->db, sql->foreign_events, p, 2, foreign_row, v, NULL)) < 0)
        goto done;
    rc = v->db->drv->query(v->db, sql->record_events, &name, 1, record_row, v, NULL);
    if (rc < 0)
        goto done;
    if ((rc = end_record(v)) < 0)
        goto done;
    if (v->entity)
        rc = check_live_rows(v);
    else
        rc = problem(v, t->name, NULL, NULL,
                     "no schema description in trail_meta names this table, so its live rows "
                     "cannot be checked against its events: a description was deleted or edited");
done:
    json_object_clear(v->ends);
    free(v->record);
    v->record = NULL;
    json_decref(v->last_new);
    v->last_new = NULL;
    return rc;
}

/* One row of the engine's integrity check: "ok", or damage, a line each. */
static int integrity_row(trail_conn *db, void *row, void *userdata)
{
    verifier *v = userdata;
    trail_value line;
    int rc = db->drv->column(db, row, 0, TRAIL_V_TEXT, &line);
    if (rc < 0 || line.type == TRAIL_V_NULL)
        return rc;
    if (line.n == 2 && memcmp(line.s, "ok", 2) == 0)
        return 0;
    for (size_t at = 0; at < line.n;) {
        const char *nl = memchr(line.s + at, '\n', line.n - at);
        size_t len = nl ? (size_t)(nl - line.s) - at : line.n - at;
        /* "*** in database main ***" heads what follows; the lines say what is wrong. */
        bool heading = len > 3 && memcmp(line.s + at, "***", 3) == 0;
        if (len > 0 && !heading &&
            (rc = problem(v, NULL, NULL, NULL, "the database file is damaged: %.*s", (int)len,
                          line.s + at)) < 0)
            return rc;
        at += len + 1;
    }
    return TRAIL_OK;
}

/* The engine's own check, where it has a cheap one; what it finds is a problem. */
static bool has_integrity_check(const verifier *v)
{
    return v->db->drv->sql->integrity_check != NULL;
}

static int check_integrity(verifier *v, table_list *tables)
{
    (void)tables;
    start_step(v, -1);
    int rc = v->db->drv->query_once(v->db, v->db->drv->sql->integrity_check, NULL, 0, integrity_row,
                                    v, NULL);
    if (rc == TRAIL_EDB) {
        /* A file too damaged to check says so by failing the check. */
        rc = problem(v, NULL, NULL, NULL, "the database file is damaged: %s",
                     trail__err_message(&v->db->err));
        trail__err_clear(&v->db->err);
    }
    report_progress(v, true);
    return rc;
}

/*
 * Pass 1, every node's hash chain; first what every later pass needs: the
 * runtime's tables, the verifier's memory, and (for the progress callback)
 * the number of events, the total of this step and of the next.
 */
static int check_chains(verifier *v, table_list *tables)
{
    trail_conn *db = v->db;
    const trail_runtime_sql *sql = db->drv->sql;
    if (trail__conn_need_tables(db) < 0)
        return TRAIL_EDB;
    if (!(v->ends && v->differing && v->kept_apart && tables->schemas))
        return trail__err_set(&db->err, TRAIL_ENOMEM, "out of memory");
    int rc = TRAIL_OK;
    if (v->opts && v->opts->progress)
        rc = trail__conn_query_int(db, sql->count_events, NULL, 0, &v->n_events);
    if (rc < 0)
        return rc;
    if (!(v->lanes = json_object()))
        return trail__err_set(&db->err, TRAIL_ENOMEM, "out of memory");
    if ((rc = db->drv->query(db, sql->lanes, NULL, 0, lane_row, v, NULL)) < 0)
        return rc;
    start_step(v, v->n_events);
    if ((rc = db->drv->query(db, sql->events_by_lane, NULL, 0, chain_row, v, NULL)) < 0)
        goto done;
    if ((rc = end_lane(v)) < 0)
        goto done;
    rc = lanes_without_events(v);
done:
    report_progress(v, true);
    return rc;
}

/* A difference from the digest (history/digest.h) is a problem like any other. */
static int digest_problem(void *userdata, const char *event_id, const char *what)
{
    return problem(userdata, NULL, NULL, event_id, "%s", what);
}

static bool has_digest(const verifier *v)
{
    return v->opts && v->opts->digest_json;
}

/* Everything the digest covers is still there, unchanged: the lanes' tails included. */
static int check_digest(verifier *v, table_list *tables)
{
    (void)tables;
    start_step(v, -1);
    int rc = trail__digest_check(v->db, v->digest, digest_problem, v);
    report_progress(v, true);
    return rc;
}

/*
 * Passes 2 and 3, table by table, once the tables are known: one step,
 * counted in events (rows are not counted first).
 */
static int check_records(verifier *v, table_list *tables)
{
    trail_conn *db = v->db;
    const trail_runtime_sql *sql = db->drv->sql;
    trail_value node = trail_v_text(db->node_id);
    int rc = db->drv->query(db, sql->meta_models, NULL, 0, model_row, tables, NULL);
    if (rc < 0)
        return rc;
    if ((rc = trail__lineage_read(db, &v->lineage)) < 0)
        return rc;
    /* Events another node made that sync kept without moving a row (sync/rows.c). */
    if ((rc = db->drv->query(db, sql->conflict_events, &node, 1, kept_apart_row, v, NULL)) < 0)
        return rc;
    if ((rc = db->drv->query(db, sql->meta_versions, NULL, 0, version_row, tables, NULL)) < 0)
        return rc;
    if ((rc = missing_models(tables)) < 0)
        return rc;
    if ((rc = db->drv->query(db, sql->event_tables, NULL, 0, event_table_row, tables, NULL)) < 0)
        return rc;
    if (tables->n)
        qsort(tables->items, tables->n, sizeof *tables->items, by_name);
    start_step(v, v->n_events);
    for (size_t i = 0; i < tables->n; i++)
        if ((rc = check_table(v, &tables->items[i])) < 0)
            return rc;
    report_progress(v, true);
    return TRAIL_OK;
}

/*
 * The check's steps in order, as the progress callback counts and names
 * them: each that applies to the database (@applies NULL: every one) runs,
 * calling start_step() once it knows its count.
 */
static const struct verify_step {
    const char *what;
    bool (*applies)(const verifier *v);
    int (*run)(verifier *v, table_list *tables);
} steps[] = {
    { "integrity check", has_integrity_check, check_integrity },
    { "hash chains", NULL, check_chains },
    { "digest", has_digest, check_digest },
    { "records and rows", NULL, check_records },
};

#define N_STEPS (sizeof steps / sizeof steps[0])

static bool step_applies(const verifier *v, size_t i)
{
    return !steps[i].applies || steps[i].applies(v);
}

int trail_verify_with(trail_conn *db, const trail_verify_opts *opts, trail_verify_report *report)
{
    if (!db)
        return TRAIL_EARG;
    if (!report)
        return trail__err_set(&db->err, TRAIL_EARG, "trail_verify: no report given");
    memset(report, 0, sizeof *report);
    verifier v = { .db = db, .report = report, .scratch = TRAIL_BUF_INIT, .opts = opts };
    for (size_t i = 0; i < N_STEPS; i++)
        v.progress.n_steps += step_applies(&v, i);
    table_list tables = { .v = &v };
    v.ends = json_object();
    v.kept_apart = json_object();
    v.differing = json_array();
    tables.schemas = json_object();

    int rc = TRAIL_OK;
    if (has_digest(&v) && (rc = trail__digest_parse(db, opts->digest_json, &v.digest)) < 0)
        goto done;
    for (size_t i = 0; i < N_STEPS; i++) {
        if (!step_applies(&v, i))
            continue;
        v.step_what = steps[i].what;
        if ((rc = steps[i].run(&v, &tables)) < 0)
            goto done;
    }

done:
    free_tables(&tables);
    trail__digest_free(v.digest);
    json_decref(v.lanes);
    json_decref(v.ends);
    json_decref(v.kept_apart);
    trail__lineage_free(&v.lineage);
    json_decref(v.differing);
    trail__buf_free(&v.scratch);
    return rc;
}

int trail_verify(trail_conn *db, trail_verify_report *report)
{
    return trail_verify_with(db, NULL, report);
}

void trail_verify_report_free(trail_verify_report *report)
{
    if (!report)
        return;
    for (size_t i = 0; i < report->n_problems; i++) {
        free(report->problems[i].table_name);
        free(report->problems[i].record_id);
        free(report->problems[i].event_id);
        free(report->problems[i].what);
    }
    free(report->problems);
    memset(report, 0, sizeof *report);
}
