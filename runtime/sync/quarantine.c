/*
 * sync/quarantine.c - keeping events and lane rows in trail_quarantine
 * (quarantine.h).
 */
#define _POSIX_C_SOURCE 200809L /* strdup */
#include "sync/quarantine.h"
#include "driver/sql.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define COL_NAME(n, name, ...) #name,
static const char *const event_names[] = { TRAIL_EVENT_COLUMN_TABLE(COL_NAME, ) };
static const char *const lane_names[] = { TRAIL_LANE_COLUMN_TABLE(COL_NAME, ) };
#undef COL_NAME
#define COL_INT(n, name, value, ...) TRAIL_V_##value == TRAIL_V_INT,
static const bool event_ints[] = { TRAIL_EVENT_COLUMN_TABLE(COL_INT, ) };
static const bool lane_ints[] = { TRAIL_LANE_COLUMN_TABLE(COL_INT, ) };
#undef COL_INT

/* The columns @col as one JSON object's text (caller frees), or NULL when out of memory. */
static char *body_of(char *const *col, size_t n, const char *const *names, const bool *ints)
{
    json_t *o = json_object();
    for (size_t i = 0; o && i < n; i++) {
        json_t *v = !col[i]   ? json_null()
                    : ints[i] ? json_integer(strtoll(col[i], NULL, 10))
                              : json_stringn(col[i], strlen(col[i]));
        if (!v || json_object_set_new(o, names[i], v) < 0) {
            json_decref(o);
            return NULL;
        }
    }
    char *text = o ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    json_decref(o);
    return text;
}

typedef struct kept {
    bool found;
    int64_t first_seen, tries;
} kept;

static int kept_row(trail_conn *db, void *row, void *userdata)
{
    static const trail_vtype types[2] = { TRAIL_V_INT, TRAIL_V_INT };
    kept *k = userdata;
    trail_value v[2];
    int rc = trail__row_read(db, row, types, v, 2);
    if (rc < 0)
        return rc;
    *k = (kept){ true, v[0].i, v[1].i };
    return 1;
}

static int put(trail_conn *db, const char *kind, const char *id, const char *lane, int64_t seq,
               int64_t hlc, const char *node, bool refused, const char *reason, const char *body)
{
    const trail_runtime_sql *sql = db->drv->sql;
    int64_t now = trail__conn_wall_ms(db);
    kept k = { false, now, 0 };
    trail_value key = trail_v_text(id);
    int rc = db->drv->query(db, sql->quarantine_get, &key, 1, kept_row, &k, NULL);
    if (rc < 0 && rc != 1)
        return rc;
    if (k.found && (rc = db->drv->query(db, sql->quarantine_delete, &key, 1, NULL, NULL, NULL)) < 0)
        return rc;
    trail_value p[12] = { key,
                          trail_v_text(kind),
                          trail_v_text(lane),
                          trail_v_int(seq),
                          trail_v_int(hlc),
                          trail_v_text(node),
                          trail_v_text(refused ? "refused" : "held"),
                          trail_v_text(reason),
                          trail_v_text(body),
                          trail_v_int(k.first_seen),
                          trail_v_int(now),
                          trail_v_int(k.tries + 1) };
    return db->drv->query(db, sql->quarantine_insert, p, 12, NULL, NULL, NULL);
}

int trail__quarantine_event(trail_conn *db, const trail__wire_event *ev, bool refused,
                            const char *reason)
{
    char *body = body_of(ev->col, TRAIL_EVENT_COLUMNS, event_names, event_ints);
    if (!body)
        return trail__err_set(&db->err, TRAIL_ENOMEM, "out of memory");
    int rc = put(db, "event", ev->col[TRAIL_EV_event_id], ev->col[TRAIL_EV_lane_id], ev->seq,
                 ev->hlc, ev->col[TRAIL_EV_node_id], refused, reason, body);
    free(body);
    return rc;
}

int trail__quarantine_lane(trail_conn *db, const trail__wire_lane *l, const char *reason)
{
    char *body = body_of(l->col, TRAIL_LANE_COLUMNS, lane_names, lane_ints);
    if (!body)
        return trail__err_set(&db->err, TRAIL_ENOMEM, "out of memory");
    const char *opened = l->col[TRAIL_LANE_opened_hlc];
    int rc =
        put(db, "lane", l->col[TRAIL_LANE_lane_id], l->col[TRAIL_LANE_lane_id], 0,
            opened ? strtoll(opened, NULL, 10) : 0, l->col[TRAIL_LANE_node_id], true, reason, body);
    free(body);
    return rc;
}

int trail__quarantine_drop(trail_conn *db, const char *item_id)
{
    trail_value key = trail_v_text(item_id);
    return db->drv->query(db, db->drv->sql->quarantine_delete, &key, 1, NULL, NULL, NULL);
}

/* A body back into the event @ev; false when it is not one body_of() wrote. */
static bool event_of(trail__wire_event *ev, const char *text, size_t n)
{
    json_t *o = json_loadb(text, n, 0, NULL);
    bool ok = json_is_object(o);
    for (size_t i = 0; ok && i < TRAIL_EVENT_COLUMNS; i++) {
        json_t *v = json_object_get(o, event_names[i]);
        char num[24];
        if (json_is_null(v))
            continue;
        if (event_ints[i] && json_is_integer(v)) {
            snprintf(num, sizeof num, "%" PRId64, (int64_t)json_integer_value(v));
            ev->col[i] = strdup(num);
        } else if (!event_ints[i] && json_is_string(v)) {
            ev->col[i] = strdup(json_string_value(v));
        } else {
            ok = false;
            break;
        }
        ok = ev->col[i] != NULL;
    }
    if (ok) {
        ev->hlc = ev->col[TRAIL_EV_hlc] ? strtoll(ev->col[TRAIL_EV_hlc], NULL, 10) : 0;
        ev->seq = ev->col[TRAIL_EV_seq] ? strtoll(ev->col[TRAIL_EV_seq], NULL, 10) : 0;
        ok = ev->col[TRAIL_EV_event_id] && ev->col[TRAIL_EV_lane_id] && ev->col[TRAIL_EV_node_id] &&
             ev->col[TRAIL_EV_tx_id];
    }
    json_decref(o);
    return ok;
}

static int held_row(trail_conn *db, void *row, void *userdata)
{
    trail__wire_batch *b = userdata;
    trail_value body;
    int rc = db->drv->column(db, row, 0, TRAIL_V_TEXT, &body);
    if (rc < 0)
        return rc;
    if (trail__wire_grow((void **)&b->events, &b->events_cap, b->nevents, sizeof *b->events) < 0)
        return trail__err_set(&db->err, TRAIL_ENOMEM, "out of memory");
    trail__wire_event *ev = &b->events[b->nevents++];
    *ev = (trail__wire_event){ .line = 0 };
    if (body.type == TRAIL_V_NULL || !event_of(ev, body.s, body.n))
        return trail__err_set(&db->err, TRAIL_EDB,
                              "trail_quarantine: a held event's body is not an event");
    return 0;
}

int trail__quarantine_held(trail_conn *db, trail__wire_batch *b)
{
    return db->drv->query(db, db->drv->sql->quarantine_held, NULL, 0, held_row, b, NULL);
}

typedef struct stopped {
    int (*cb)(void *, const char *, const char *);
    void *userdata;
} stopped;

static int stopped_row(trail_conn *db, void *row, void *userdata)
{
    static const trail_vtype types[2] = { TRAIL_V_TEXT, TRAIL_V_TEXT };
    stopped *s = userdata;
    trail_value v[2];
    int rc = trail__row_read(db, row, types, v, 2);
    if (rc < 0)
        return rc;
    char lane[TRAIL_ULID_LEN + 1], item[TRAIL_ULID_LEN + 1];
    snprintf(lane, sizeof lane, "%.*s", (int)v[0].n, v[0].s ? v[0].s : "");
    snprintf(item, sizeof item, "%.*s", (int)v[1].n, v[1].s ? v[1].s : "");
    return s->cb(s->userdata, lane, item);
}

int trail__quarantine_stopped(trail_conn *db, int (*cb)(void *, const char *, const char *),
                              void *userdata)
{
    stopped s = { cb, userdata };
    return db->drv->query(db, db->drv->sql->quarantine_stopped, NULL, 0, stopped_row, &s, NULL);
}

int trail__quarantine_lanes_held(trail_conn *db, int (*cb)(void *, const char *, const char *),
                                 void *userdata)
{
    stopped s = { cb, userdata };
    return db->drv->query(db, db->drv->sql->quarantine_held_lanes, NULL, 0, stopped_row, &s, NULL);
}
