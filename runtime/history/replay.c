/*
 * replay.c - the events of one replicated record checked against each
 * other, and the row they make, by the rules of docs/replication.md,
 * "Merging concurrent edits".
 *
 * The row. The events are sorted into record order (hlc, node_id,
 * event_id, bytewise); merge events are history, not edits, and are
 * skipped (only their new_values are checked to be an object). An insert
 * sets every member it carries, an update or resolve the members its
 * changed names, to their values in its new_values; a delete anywhere
 * ends the record (deletes win, before or after, concurrent or not). The
 * row's version is the number of edits: what every node's row holds once
 * it holds these events.
 *
 * What still holds under concurrency. Write i for the number of edits
 * before edit e in record order here, and seen(e) for what e's version
 * says its node held of the record when it wrote e (version - 1 for an
 * insert, update or resolve, version for a delete). Every edit e's node
 * held comes before e in record order (its clock moved past what it
 * applied, and a write is stamped above its record's newest event), so:
 *  - the first edit is an insert at version 1 (an edit's node held the
 *    insert, which comes first), and no other edit is an insert;
 *  - seen(e) <= i, when this node holds what e's node held: otherwise
 *    events e saw are missing here. This is what catches an edit removed
 *    from the tail of a lane that is not sealed, when a later edit of
 *    another node saw it;
 *  - a node's edits of one record follow each other: its later edit y
 *    saw its earlier one x, so seen(y) >= seen(x) + 1, and none follows
 *    its own delete (nothing is written after a delete on the node that
 *    holds it). A forged copy of an edit fails this, however concurrent
 *    the record;
 *  - the form of each event: an update's changed names exactly the
 *    members of its old_values, and only members of its new_values; a
 *    resolve's changed too, and its old_values name the conflict; every
 *    edit but a delete carries new_values, whose version is its own.
 *
 * What holds only when e saw every edit before it. The old single-node
 * chain held e's old_values to the previous event's new_values, and its
 * new_values to them with its changed fields set. Between nodes that
 * holds only for an edit that was not concurrent. When seen(e) == i it
 * was not: e's node held seen(e) edits, all before e in record order, and
 * if this node holds them all (as above), they are among the i edits
 * before e here; equal in number, they are the same edits. So e's node's
 * row was the replay of exactly the edits before e here (every node's row
 * is the replay of what it holds), and e's old_values and new_values are
 * held to that replay (not to the previous event's new_values, which the
 * previous edit may have written on another row, concurrent with a third:
 * the replay is what e's node had). A delete among those edits then
 * means e's node wrote after a delete it held, which it does not. When
 * seen(e) < i, e is concurrent with some edit before it, and which one
 * the counts cannot tell: its values are not compared.
 *
 * Both "holds" above presume that a node holds what each of its edits saw.
 * A sync keeps that (it applies in HLC order, causes first), and so does
 * importing the files a node exported for a peer, into that peer. A file
 * imported elsewhere, or an edit held in quarantine while a later edit
 * that saw it applied, can leave a node without an edit another one saw,
 * until it arrives; verify then reports the events it saw as missing,
 * which on this node they are.
 */
#define _POSIX_C_SOURCE 200809L /* strdup */
#include "history/replay.h"

#include "core/buf.h"

#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

void trail__replay_event_clear(trail__replay_event *e)
{
    free(e->event_id);
    free(e->node_id);
    free(e->op);
    json_decref(e->old_values);
    json_decref(e->new_values);
    json_decref(e->changed);
    memset(e, 0, sizeof *e);
}

static int nomem(const trail__checks *c)
{
    return trail__err_set(c->err, TRAIL_ENOMEM, "out of memory");
}

/* Reports a problem of @event_id through @c, when it checks. */
#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static int
say(const trail__checks *c, const char *event_id, const char *fmt, ...)
{
    if (!c->problem)
        return TRAIL_OK;
    trail_buf what = TRAIL_BUF_INIT;
    va_list ap;
    va_start(ap, fmt);
    int rc = trail__buf_vappendf(&what, fmt, ap);
    va_end(ap);
    rc = rc < 0 ? nomem(c) : c->problem(c->userdata, event_id, what.data);
    trail__buf_free(&what);
    return rc;
}

/* Appends @name, and @note when given, to the comma-separated list @out. */
static void list_name(trail_buf *out, const char *name, const char *note)
{
    trail__buf_appendf(out, "%s%s%s%s", out->len ? ", " : "", name, note ? " " : "",
                       note ? note : "");
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

int trail__update_holds(const trail__checks *c, const char *event_id, const json_t *changed,
                        const json_t *old_values, const json_t *new_values, const json_t *last,
                        unsigned what)
{
    const char *key;
    size_t i;
    json_t *name, *value;
    json_array_foreach(changed, i, name)
    {
        if (!json_is_string(name))
            changed = NULL;
    }
    if (!json_is_array(changed))
        return say(c, event_id, "its changed is not an array of field names: the event was edited");
    bool names = what & TRAIL__HOLD_NAMES, unmoved_too = what & TRAIL__HOLD_UNMOVED;
    trail_buf apart = TRAIL_BUF_INIT, unnamed = TRAIL_BUF_INIT, unmoved = TRAIL_BUF_INIT,
              absent = TRAIL_BUF_INIT;
    json_t *named = json_object();
    json_array_foreach(changed, i, name)
    {
        const char *field = json_string_value(name);
        if (named)
            json_object_set(named, field, json_true());
        if (names && json_is_object(old_values) && !json_object_get(old_values, field))
            list_name(&apart, field, "(only in changed)");
        value = json_object_get(new_values, field);
        if ((what & TRAIL__HOLD_IN_NEW) && json_is_object(new_values) && !value)
            list_name(&absent, field, NULL);
        const json_t *before = json_object_get(last, field);
        if (unmoved_too && value && before && surely_same(value, before) &&
            !(json_is_string(value) &&
              strcmp(json_string_value(value), "[redacted]") == 0 /* json_form.c */))
            list_name(&unmoved, field, NULL);
    }
    if (names && json_is_object(old_values) && named)
        json_object_foreach((json_t *)old_values, key, value)
        {
            if (!json_object_get(named, key))
                list_name(&apart, key, "(only in old_values)");
        }
    if ((what & TRAIL__HOLD_UNNAMED) && json_is_object(new_values) && named)
        json_object_foreach((json_t *)new_values, key, value)
        {
            const json_t *before = json_object_get(last, key);
            if (strcmp(key, "version") != 0 && before && !json_object_get(named, key) &&
                !loosely_equal(value, before))
                list_name(&unnamed, key, NULL);
        }
    int rc = !named || apart.err || unnamed.err || unmoved.err || absent.err ? nomem(c) : TRAIL_OK;
    if (rc < 0)
        goto done;
    if (apart.len &&
        (rc = say(c, event_id,
                  "its changed and its old_values do not name the same fields: %s: the event "
                  "was edited",
                  apart.data)) < 0)
        goto done;
    if (absent.len &&
        (rc = say(c, event_id,
                  "its changed names %s, which its new_values do not hold: the event was edited",
                  absent.data)) < 0)
        goto done;
    if (unnamed.len &&
        (rc = say(c, event_id,
                  "its new_values differ from the previous event's new_values in %s, which "
                  "its changed does not name: the event was edited",
                  unnamed.data)) < 0)
        goto done;
    if (unmoved.len)
        rc = say(c, event_id,
                 "its changed names %s, but its new_values hold the previous event's value "
                 "there: the event was edited",
                 unmoved.data);
done:
    json_decref(named);
    trail__buf_free(&apart);
    trail__buf_free(&unnamed);
    trail__buf_free(&unmoved);
    trail__buf_free(&absent);
    return rc;
}

/* ---- the replay --------------------------------------------------------- */

static int cmp_text(const char *a, const char *b)
{
    return strcmp(a ? a : "", b ? b : "");
}

/* Record order: (hlc, node_id, event_id), the texts bytewise. */
static int record_order(const void *pa, const void *pb)
{
    const trail__replay_event *a = pa, *b = pb;
    if (a->hlc != b->hlc)
        return a->hlc < b->hlc ? -1 : 1;
    int d = cmp_text(a->node_id, b->node_id);
    return d ? d : cmp_text(a->event_id, b->event_id);
}

/* What a node's last edit of the record so far was: its later edits must follow it. */
typedef struct node_last {
    const char *node, *op;
    int64_t seen, version;
    bool del;
} node_last;

/*
 * Whether @value may be the version @want: the integer as jansson reads
 * it; a number read exactly ("n:…", json_exact.h: verify reads every
 * member so when the entity is not described) is taken as it comes.
 */
static bool version_is(const json_t *value, int64_t want)
{
    if (json_is_integer(value))
        return json_integer_value(value) == (json_int_t)want;
    return json_is_string(value) && strncmp(json_string_value(value), "n:", 2) == 0;
}

/*
 * Whether @old's members agree with @row's, as @row's edits left them: those
 * only one holds aside (a field a later schema version added or dropped);
 * the names that differ listed in @names.
 */
static int old_values_differ(trail_buf *names, const json_t *old, const json_t *row,
                             int64_t version)
{
    const char *key;
    json_t *value;
    json_object_foreach((json_t *)old, key, value)
    {
        const json_t *held = json_object_get(row, key);
        bool same = strcmp(key, "version") == 0 ? version_is(value, version)
                                                : !held || json_equal(value, held);
        if (!same)
            list_name(names, key, NULL);
    }
    return names->err;
}

/*
 * The checks of one edit @e, the @i-th in record order, against the
 * record as the edits before it left it (@row, NULL when none set it;
 * @deleted when a delete is among them) and its node's edit before it
 * (@mine, NULL when none).
 */
static int check_edit(const trail__checks *c, const trail__replay_event *e, size_t i,
                      const json_t *row, bool deleted, const node_last *mine)
{
    const char *op = e->op, *id = e->event_id;
    bool insert = strcmp(op, "insert") == 0, del = strcmp(op, "delete") == 0;
    bool resolve = strcmp(op, "resolve") == 0;
    int64_t v = e->version, seen = del ? v : v - 1;
    int rc = TRAIL_OK;
    if (i == 0 && (!insert || v != 1))
        rc = say(c, id,
                 "its history starts with %s at version %" PRId64
                 ", not an insert at version 1: earlier events are missing",
                 op, v);
    else if (i > 0 && insert)
        rc = say(c, id, "a second insert, at version %" PRId64, v);
    else if (!insert && seen < (del ? 0 : 1))
        rc = say(c, id,
                 "%s at version %" PRId64 ", which no edit after an insert has: the event "
                 "was edited",
                 op, v);
    else if (seen > (int64_t)i)
        rc = say(c, id,
                 "%s at version %" PRId64 " after version %zu: events in between are missing (it "
                 "saw %" PRId64 " edits of the record, of which this node holds %zu before it)",
                 op, v, i, seen, i);
    else if (mine && mine->del)
        rc = say(c, id,
                 "%s at version %" PRId64 " after its own node's delete of the record: nothing is "
                 "written after a delete",
                 op, v);
    else if (mine && seen <= mine->seen)
        rc = say(c, id,
                 "%s at version %" PRId64 " after its own node's %s at version %" PRId64
                 ": a version repeats",
                 op, v, mine->op, mine->version);
    if (rc < 0)
        return rc;

    if (!del && !json_is_object(e->new_values))
        return say(c, id, "%s without new_values", op);
    const json_t *nv_version = json_object_get(e->new_values, "version");
    if (!del && nv_version && !version_is(nv_version, v) &&
        (rc = say(c, id,
                  "its new_values hold another version than its own, %" PRId64
                  ": the event was edited",
                  v)) < 0)
        return rc;
    if (resolve && !json_is_string(json_object_get(e->old_values, "conflict_id")) &&
        (rc = say(c, id,
                  "its old_values do not name the conflict it resolves: the event was "
                  "edited")) < 0)
        return rc;

    /* It saw every edit before it here (replay.c's header): the old chain's checks hold. */
    bool saw_all = i > 0 && !insert && seen == (int64_t)i;
    if (saw_all && deleted)
        return say(c, id, "%s at version %" PRId64 " after the record was deleted", op, v);
    const json_t *last = saw_all ? row : NULL;
    trail_buf names = TRAIL_BUF_INIT;
    if (last && !del && !resolve && !json_is_object(e->old_values))
        rc = say(c, id, "its old_values are missing");
    else if (last && !resolve && json_is_object(e->old_values)) {
        if ((rc = old_values_differ(&names, e->old_values, last, (int64_t)i)) < 0)
            rc = nomem(c);
        else if (names.len)
            rc = say(c, id,
                     "its old_values differ from the previous event's new_values in: %s (the "
                     "record as the %zu edits before it, all of which it saw, left it)",
                     names.data, i);
    }
    trail__buf_free(&names);
    if (rc < 0 || del)
        return rc;
    if (insert)
        return TRAIL_OK;
    unsigned what = TRAIL__HOLD_IN_NEW | (resolve ? 0 : TRAIL__HOLD_NAMES) |
                    (last ? TRAIL__HOLD_UNNAMED : 0) | (last && !resolve ? TRAIL__HOLD_UNMOVED : 0);
    return trail__update_holds(c, id, e->changed, e->old_values, e->new_values, last, what);
}

/* The edit @e made to @row (created on the first edit that carries values). */
static int apply(const trail__checks *c, const trail__replay_event *e, json_t **row)
{
    if (!json_is_object(e->new_values) || strcmp(e->op, "delete") == 0)
        return TRAIL_OK;
    /* The first edit here that carries values, whatever it is, lays the row out. */
    if (!*row || strcmp(e->op, "insert") == 0) {
        json_t *copy = json_deep_copy(e->new_values);
        if (!copy)
            return nomem(c);
        json_decref(*row);
        *row = copy;
        return TRAIL_OK;
    }
    size_t i;
    json_t *name;
    json_array_foreach(e->changed, i, name)
    {
        const char *field = json_string_value(name);
        json_t *value = field ? json_object_get(e->new_values, field) : NULL;
        if (value && json_object_set(*row, field, value) < 0)
            return nomem(c);
    }
    return TRAIL_OK;
}

static bool is_edit_op(const char *op)
{
    return strcmp(op, "insert") == 0 || strcmp(op, "update") == 0 || strcmp(op, "delete") == 0 ||
           strcmp(op, "resolve") == 0;
}

int trail__replay(const trail__checks *c, trail__replay_event *ev, size_t n,
                  trail__replay_result *out)
{
    memset(out, 0, sizeof *out);
    if (n)
        qsort(ev, n, sizeof *ev, record_order);
    node_last *nodes = n ? calloc(n, sizeof *nodes) : NULL;
    if (n && !nodes)
        return nomem(c);
    size_t n_nodes = 0;
    json_t *row = NULL;
    int rc = TRAIL_OK;
    for (size_t k = 0; k < n && rc == TRAIL_OK; k++) {
        const trail__replay_event *e = &ev[k];
        const char *op = e->op ? e->op : "";
        if (strcmp(op, "merge") == 0) {
            /* History, not an edit: it moved no row anywhere. */
            if (!json_is_object(e->new_values))
                rc = say(c, e->event_id,
                         "a merge event whose new_values are not a JSON object: "
                         "the event was edited");
            continue;
        }
        if (!is_edit_op(op)) {
            rc =
                say(c, e->event_id, "its op is '%s', which no event has: the event was edited", op);
            continue;
        }
        node_last *mine = NULL;
        for (size_t j = 0; j < n_nodes && !mine; j++)
            if (cmp_text(nodes[j].node, e->node_id) == 0)
                mine = &nodes[j];
        if ((rc = check_edit(c, e, out->edits, row, out->deleted, mine)) < 0)
            break;
        if ((rc = apply(c, e, &row)) < 0)
            break;
        out->deleted = out->deleted || strcmp(op, "delete") == 0;
        out->last = k;
        out->edits++;
        if (row && json_object_set_new(row, "version", json_integer((json_int_t)out->edits)) < 0) {
            rc = nomem(c);
            break;
        }
        if (!mine)
            mine = &nodes[n_nodes++];
        bool del = strcmp(op, "delete") == 0;
        *mine = (node_last){ e->node_id, op, del ? e->version : e->version - 1, e->version, del };
    }
    free(nodes);
    if (rc < 0 || out->deleted) {
        json_decref(row);
        row = NULL;
    }
    out->row = row;
    return rc;
}
