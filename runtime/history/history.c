/*
 * history.c - reading change events back: one record's history, the stream
 * after a cursor, a record as of an HLC, and the nodes.
 */
#include "driver/driver.h"
#include "audit/event_columns.h"
#include "history/history_row.h"
#include "driver/sql.h"
#include "trail/history.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* How each column of an event row is read (event_columns.h). */
#define VALUE_TYPE(n, name, value, ...) TRAIL_V_##value,
const trail_vtype trail__event_types[] = { TRAIL_EVENT_COLUMN_TABLE(VALUE_TYPE, ) };
#undef VALUE_TYPE

/* Each column of an event row into its trail_change_event member of the same name. */
#define MEMBER_TEXT(name)           .name = t[TRAIL_EV_##name]
#define MEMBER_JSON(name)           .name = t[TRAIL_EV_##name]
#define MEMBER_INT(name)            .name = cols[TRAIL_EV_##name].i
#define MEMBER(n, name, value, ...) MEMBER_##value(name),

/*
 * Text columns as C strings. A driver's text may lack a terminating NUL
 * (it is counted), so each is copied into @scratch, reused from row to row.
 */
static const char *text_of(const trail_value *v, char **at)
{
    if (v->type == TRAIL_V_NULL)
        return NULL;
    char *s = *at;
    if (v->n)
        memcpy(s, v->s, v->n);
    s[v->n] = '\0';
    *at += v->n + 1;
    return s;
}

int trail__event_row_read(trail_conn *db, void *row, trail_value cols[TRAIL_EVENT_COLUMNS],
                          trail_change_event *ev, trail_buf *scratch)
{
    int rc = trail__row_read(db, row, trail__event_types, cols, TRAIL_EVENT_COLUMNS);
    if (rc < 0)
        return rc;
    size_t need = 0;
    for (size_t i = 0; i < TRAIL_EVENT_COLUMNS; i++)
        need += cols[i].n + 1;
    trail__buf_reset(scratch);
    if (trail__buf_reserve(scratch, need) < 0)
        return trail__err_set(&db->err, TRAIL_ENOMEM, "out of memory");
    char *at = scratch->data;
    const char *t[TRAIL_EVENT_COLUMNS];
    for (size_t i = 0; i < TRAIL_EVENT_COLUMNS; i++)
        t[i] = trail__event_types[i] == TRAIL_V_INT ? NULL : text_of(&cols[i], &at);
    *ev = (trail_change_event){ TRAIL_EVENT_COLUMN_TABLE(MEMBER, ) };
    return TRAIL_OK;
}

/* Hands each row to the caller's callback; keeps the position for trail_events_since(). */
struct walk {
    trail_event_fn fn;
    void *userdata;
    trail_buf scratch;
    trail_cursor *cursor; /* NULL unless following one */
    int consumed;
};

static int walk_row(trail_conn *db, void *row, void *userdata)
{
    struct walk *w = userdata;
    trail_value cols[TRAIL_EVENT_COLUMNS];
    trail_change_event ev;
    int rc = trail__event_row_read(db, row, cols, &ev, &w->scratch);
    if (rc < 0)
        return rc;
    if ((rc = w->fn(w->userdata, &ev)) != 0)
        return rc;
    if (w->cursor) {
        w->cursor->hlc = ev.hlc;
        snprintf(w->cursor->event_id, sizeof w->cursor->event_id, "%s", ev.event_id);
    }
    w->consumed++;
    return 0;
}

/*
 * Whether @s (NULL: any) can name a table or a record: table names are
 * identifiers, record ids ULIDs or integers, all printable ASCII without
 * spaces. Anything else names nothing, so it is not sent: MariaDB would
 * pad a trailing space away in an ASCII or older PAD SPACE column, and
 * compare a character outside ASCII with an ASCII one only with an error.
 */
static bool could_name(const char *s)
{
    if (!s)
        return true;
    for (const unsigned char *c = (const unsigned char *)s; *c; c++)
        if (*c <= ' ' || *c > '~')
            return false;
    return true;
}

int trail_history(trail_conn *db, const char *table, const char *record_id, trail_event_fn fn,
                  void *userdata)
{
    if (!db || !fn)
        return db ? trail__err_set(&db->err, TRAIL_EARG, "trail_history: no callback") : TRAIL_EARG;
    if (trail__conn_need_tables(db) < 0)
        return TRAIL_EDB;
    if (!could_name(table) || !could_name(record_id))
        return TRAIL_OK; /* no events */
    const trail_runtime_sql *sql = db->drv->sql;
    trail_value p[2];
    size_t n = 0;
    const char *text;
    if (table)
        p[n++] = trail_v_text(table);
    if (record_id)
        p[n++] = trail_v_text(record_id);
    if (table && record_id)
        text = sql->events_of_record;
    else if (table)
        text = sql->events_of_table;
    else if (record_id)
        text = sql->events_of_id;
    else
        text = sql->events_all;
    struct walk w = { fn, userdata, TRAIL_BUF_INIT, NULL, 0 };
    int rc = db->drv->query(db, text, p, n, walk_row, &w, NULL);
    trail__buf_free(&w.scratch);
    return rc;
}

int trail_events_since(trail_conn *db, trail_cursor *cursor, int limit, trail_event_fn fn,
                       void *userdata)
{
    if (!db)
        return TRAIL_EARG;
    if (!cursor || !fn || limit < 1)
        return trail__err_set(&db->err, TRAIL_EARG,
                              "trail_events_since: needs a cursor, a callback and a limit >= 1");
    if (trail__conn_need_tables(db) < 0)
        return TRAIL_EDB;
    trail_cursor from = *cursor; /* the cursor moves while the rows come */
    from.event_id[sizeof from.event_id - 1] = '\0';
    trail_value p[4] = { trail_v_int(from.hlc), trail_v_int(from.hlc), trail_v_text(from.event_id),
                         trail_v_int(limit) };
    struct walk w = { fn, userdata, TRAIL_BUF_INIT, cursor, 0 };
    int rc = db->drv->query(db, db->drv->sql->events_since, p, 4, walk_row, &w, NULL);
    trail__buf_free(&w.scratch);
    return rc < 0 ? rc : w.consumed;
}

/* The op and new_values of the last event at or before an HLC. */
struct as_of {
    bool found, deleted;
    char *json;
};

static int as_of_row(trail_conn *db, void *row, void *userdata)
{
    struct as_of *a = userdata;
    static const trail_vtype types[2] = { TRAIL_V_TEXT, TRAIL_V_JSON }; /* op, new_values */
    trail_value c[2];
    int rc = trail__row_read(db, row, types, c, 2);
    if (rc < 0)
        return rc;
    const trail_value *values = &c[1];
    a->found = true;
    if (values->type == TRAIL_V_NULL) {
        a->deleted = true;
        return 1;
    }
    if (!(a->json = malloc(values->n + 1)))
        return trail__err_set(&db->err, TRAIL_ENOMEM, "out of memory");
    memcpy(a->json, values->s, values->n);
    a->json[values->n] = '\0';
    return 1;
}

int trail_as_of(trail_conn *db, const char *table, const char *record_id, int64_t hlc, char **json)
{
    if (!db)
        return TRAIL_EARG;
    if (!table || !record_id || !json)
        return trail__err_set(&db->err, TRAIL_EARG,
                              "trail_as_of: needs a table, a record id and "
                              "somewhere to put the row");
    *json = NULL;
    if (trail__conn_need_tables(db) < 0)
        return TRAIL_EDB;
    trail_value p[3] = { trail_v_text(table), trail_v_text(record_id), trail_v_int(hlc) };
    struct as_of a = { false, false, NULL };
    int rc = could_name(table) && could_name(record_id)
                 ? db->drv->query(db, db->drv->sql->as_of, p, 3, as_of_row, &a, NULL)
                 : TRAIL_OK;
    if (rc < 0) {
        free(a.json);
        return rc;
    }
    if (!a.found || a.deleted)
        return trail__err_set(&db->err, TRAIL_ENOTFOUND, "%s %s %s at that time", table, record_id,
                              a.found ? "was deleted" : "did not exist");
    *json = a.json;
    return TRAIL_OK;
}

struct node_walk {
    trail_node_fn fn;
    void *userdata;
    trail_buf scratch;
};

static int node_row(trail_conn *db, void *row, void *userdata)
{
    struct node_walk *w = userdata;
    static const trail_vtype types[7] = { TRAIL_V_TEXT, TRAIL_V_TEXT, TRAIL_V_INT, TRAIL_V_INT,
                                          TRAIL_V_INT,  TRAIL_V_INT,  TRAIL_V_INT };
    trail_value v[7];
    int rc = trail__row_read(db, row, types, v, 7);
    if (rc < 0)
        return rc;
    trail__buf_reset(&w->scratch);
    if (trail__buf_reserve(&w->scratch, v[0].n + v[1].n + 2) < 0)
        return trail__err_set(&db->err, TRAIL_ENOMEM, "out of memory");
    char *at = w->scratch.data;
    trail_node_info node = {
        .node_id = text_of(&v[0], &at),
        .hostname = text_of(&v[1], &at),
        .is_local = v[2].i != 0,
        .first_seen = v[3].i,
        .last_seen = v[4].i,
        .events = v[5].i,
        .last_hlc = v[6].i,
    };
    return w->fn(w->userdata, &node);
}

int trail_nodes(trail_conn *db, trail_node_fn fn, void *userdata)
{
    if (!db)
        return TRAIL_EARG;
    if (!fn)
        return trail__err_set(&db->err, TRAIL_EARG, "trail_nodes: no callback");
    if (trail__conn_need_tables(db) < 0)
        return TRAIL_EDB;
    struct node_walk w = { fn, userdata, TRAIL_BUF_INIT };
    int rc = db->drv->query(db, db->drv->sql->nodes, NULL, 0, node_row, &w, NULL);
    trail__buf_free(&w.scratch);
    return rc;
}
