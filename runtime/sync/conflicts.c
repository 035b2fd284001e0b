/*
 * sync/conflicts.c - a record's edits, their concurrency, and the conflicts
 * recorded of them (conflicts.h).
 *
 * Everything recorded here is a function of the two events of a pair (but
 * detected_at), so that every node holding both records the same row: the
 * id is made from their ids, the values are copied from their new_values
 * as jansson reads and writes them (the same text on every node, since
 * events travel verbatim).
 */
#include "sync/conflicts.h"
#include "core/sha256.h"
#include "driver/sql.h"
#include "sync/resolve.h"

#include <stdlib.h>
#include <string.h>

static json_t *load_or_null(const trail_value *v)
{
    return v->type == TRAIL_V_NULL ? NULL : json_loadb(v->s, v->n, JSON_DECODE_ANY, NULL);
}

static void copy_text(char *dst, size_t size, const trail_value *v)
{
    size_t n = v->type == TRAIL_V_NULL || !v->s ? 0 : v->n < size - 1 ? v->n : size - 1;
    if (n)
        memcpy(dst, v->s, n);
    dst[n] = '\0';
}

static int edit_row(trail_conn *db, void *row, void *userdata)
{
    static const trail_vtype types[7] = { TRAIL_V_TEXT, TRAIL_V_TEXT, TRAIL_V_TEXT, TRAIL_V_INT,
                                          TRAIL_V_INT,  TRAIL_V_JSON, TRAIL_V_JSON };
    trail__edits *out = userdata;
    trail_value c[7];
    int rc = trail__row_read(db, row, types, c, 7);
    if (rc < 0)
        return rc;
    if (out->n == out->cap &&
        trail__wire_grow((void **)&out->item, &out->cap, out->n, sizeof *out->item) < 0)
        return trail__err_set(&db->err, TRAIL_ENOMEM, "out of memory");
    trail__edit *e = &out->item[out->n];
    *e = (trail__edit){ .hlc = c[3].i, .version = c[4].i };
    copy_text(e->event_id, sizeof e->event_id, &c[0]);
    copy_text(e->node_id, sizeof e->node_id, &c[1]);
    copy_text(e->op, sizeof e->op, &c[2]);
    e->changed = load_or_null(&c[5]);
    e->new_values = load_or_null(&c[6]);
    if (!json_is_array(e->changed)) {
        json_decref(e->changed);
        e->changed = json_array();
    }
    out->n++;
    return e->changed ? 0 : trail__err_set(&db->err, TRAIL_ENOMEM, "out of memory");
}

static int by_record_order(const void *a, const void *b)
{
    return trail__edit_cmp(a, b);
}

int trail__edits_read(trail_conn *db, const char *table, const char *record_id, trail__edits *out)
{
    trail_value p[2] = { trail_v_text(table), trail_v_text(record_id) };
    int rc = db->drv->query(db, db->drv->sql->record_edits, p, 2, edit_row, out, NULL);
    if (rc == TRAIL_OK && out->n > 1)
        qsort(out->item, out->n, sizeof *out->item, by_record_order);
    return rc;
}

void trail__edit_free(trail__edit *edit)
{
    json_decref(edit->changed);
    json_decref(edit->new_values);
    edit->changed = edit->new_values = NULL;
}

void trail__edits_free(trail__edits *edits)
{
    for (size_t i = 0; i < edits->n; i++)
        trail__edit_free(&edits->item[i]);
    free(edits->item);
    *edits = (trail__edits){ 0 };
}

int trail__edit_of_event(trail_conn *db, const trail__wire_event *ev, trail__edit *out)
{
    const char *changed = ev->col[TRAIL_EV_changed];
    const char *version = ev->col[TRAIL_EV_version];
    *out = (trail__edit){ .hlc = ev->hlc, .version = version ? strtoll(version, NULL, 10) : 0 };
    snprintf(out->event_id, sizeof out->event_id, "%s", ev->col[TRAIL_EV_event_id]);
    snprintf(out->node_id, sizeof out->node_id, "%s", ev->col[TRAIL_EV_node_id]);
    snprintf(out->op, sizeof out->op, "%s", ev->col[TRAIL_EV_op]);
    out->changed = changed ? json_loads(changed, JSON_DECODE_ANY, NULL) : NULL;
    if (!json_is_array(out->changed)) {
        json_decref(out->changed);
        out->changed = json_array();
    }
    return out->changed ? TRAIL_OK : trail__err_set(&db->err, TRAIL_ENOMEM, "out of memory");
}

int trail__edit_values(trail_conn *db, const trail__wire_event *ev, trail__edit *edit)
{
    const char *nv = ev->col[TRAIL_EV_new_values];
    if (edit->new_values || !nv)
        return TRAIL_OK;
    /* Text that is no JSON stays NULL, as a delete's: the row's own parser names the fault. */
    json_error_t err;
    edit->new_values = json_loads(nv, JSON_DECODE_ANY, &err);
    if (!edit->new_values && json_error_code(&err) == json_error_out_of_memory)
        return trail__err_set(&db->err, TRAIL_ENOMEM, "out of memory");
    return TRAIL_OK;
}

int trail__edit_cmp(const trail__edit *a, const trail__edit *b)
{
    return trail__record_order(a->hlc, a->node_id, a->event_id, b->hlc, b->node_id, b->event_id);
}

bool trail__edit_is(const trail__edit *edit, const char *op)
{
    return strcmp(edit->op, op) == 0;
}

bool trail__edit_sets(const trail__edit *edit, const char *name)
{
    if (trail__edit_is(edit, "insert"))
        return true;
    if (trail__edit_is(edit, "delete"))
        return false;
    size_t i;
    json_t *v;
    json_array_foreach(edit->changed, i, v)
    {
        if (json_is_string(v) && strcmp(json_string_value(v), name) == 0)
            return true;
    }
    return false;
}

/* How many of the record's edits the node that wrote @e held then. */
static int64_t seen(const trail__edit *e)
{
    return trail__edit_is(e, "delete") ? e->version : e->version - 1;
}

/* Whether @x, before @y in record order, is one @y's node cannot have held. */
static bool concurrent(const trail__edit *x, const trail__edit *y)
{
    return trail__edit_is(x, "delete") || x->version > seen(y);
}

/* The conflict id of @x before @y: 26 characters of the ULID alphabet from SHA-256 of their ids. */
static int conflict_id(char out[TRAIL_ULID_LEN + 1], const trail__edit *x, const trail__edit *y)
{
    char both[2 * TRAIL_ULID_LEN + 1], hex[TRAIL_SHA256_HEX_LEN + 1];
    snprintf(both, sizeof both, "%s%s", x->event_id, y->event_id);
    int rc = trail__sha256_hex(hex, both, strlen(both));
    if (rc < 0)
        return rc;
    trail_ulid u;
    for (size_t i = 0; i < sizeof u.bytes; i++) {
        unsigned byte;
        sscanf(hex + 2 * i, "%2x", &byte);
        u.bytes[i] = (uint8_t)byte;
    }
    trail_ulid_format(out, &u);
    return TRAIL_OK;
}

/* The id of the conflict of @x before @y into @id, and whether it is recorded here (*@here). */
static int new_conflict(trail_conn *db, const trail__edit *x, const trail__edit *y,
                        char id[TRAIL_ULID_LEN + 1], bool *here)
{
    char found[TRAIL_ULID_LEN + 1];
    int rc = conflict_id(id, x, y);
    if (rc < 0)
        return trail__err_set(&db->err, rc, "cannot hash a conflict id");
    trail_value key = trail_v_text(id);
    return trail__conn_query_text(db, db->drv->sql->conflict_get, &key, 1, found, sizeof found,
                                  here);
}

/* @side's values of the fields in @fields, as a JSON text (caller frees); NULL for a delete. */
static char *values_of(const trail__edit *side, const json_t *fields)
{
    if (!side->new_values || trail__edit_is(side, "delete"))
        return NULL;
    json_t *o = json_object();
    size_t i;
    json_t *name;
    json_array_foreach(fields, i, name)
    {
        json_t *v = json_object_get(side->new_values, json_string_value(name));
        if (v)
            json_object_set(o, json_string_value(name), v);
    }
    char *text = json_dumps(o, JSON_COMPACT | JSON_REAL_PRECISION(17));
    json_decref(o);
    return text;
}

static trail_value json_param(const char *text)
{
    trail_value v = trail_v_text(text);
    if (text)
        v.type = TRAIL_V_JSON;
    return v;
}

/*
 * The fields a conflict of @x and @y is about, in the entity's order: those
 * both set, or for a delete the other edit's. An empty array: no conflict.
 */
static json_t *conflict_fields(const trail_entity *e, const trail__edit *x, const trail__edit *y)
{
    bool xd = trail__edit_is(x, "delete"), yd = trail__edit_is(y, "delete");
    json_t *fields = json_array();
    if (!fields || (xd && yd))
        return fields;
    for (size_t i = 0; i < e->n_fields; i++) {
        const char *name = e->fields[i].name;
        bool in = xd   ? trail__edit_sets(y, name)
                  : yd ? trail__edit_sets(x, name)
                       : trail__edit_sets(x, name) && trail__edit_sets(y, name);
        if (in && json_array_append_new(fields, json_string(name)) < 0) {
            json_decref(fields);
            return NULL;
        }
    }
    return fields;
}

/* Records the conflict of @x before @y, of record @record_id, unless it is here already. */
static int record_pair(trail_conn *db, const trail__sync_table *t, const char *record_id,
                       const trail__edit *x, const trail__edit *y)
{
    const trail_entity *e = t->e;
    bool deletes = trail__edit_is(x, "delete") || trail__edit_is(y, "delete");
    json_t *fields = conflict_fields(e, x, y);
    char *fields_text = NULL, *y_values = NULL, *x_values = NULL;
    char id[TRAIL_ULID_LEN + 1];
    bool here = false;
    int rc = TRAIL_OK;
    if (!fields) {
        rc = trail__err_set(&db->err, TRAIL_ENOMEM, "out of memory");
        goto done;
    }
    if (json_array_size(fields) == 0) /* no field both set; or two deletes, which agree */
        goto done;
    if ((rc = new_conflict(db, x, y, id, &here)) < 0 || here)
        goto done;
    trail_value key = trail_v_text(id);
    fields_text = json_dumps(fields, JSON_COMPACT);
    y_values = values_of(y, fields);
    x_values = values_of(x, fields);
    if (!fields_text) {
        rc = trail__err_set(&db->err, TRAIL_ENOMEM, "out of memory");
        goto done;
    }
    /* Closed by the rule as soon as both edits were written: the same time on every node. */
    int64_t now = trail__conn_wall_ms(db),
            resolved_at = TRAIL_HLC_MS(x->hlc > y->hlc ? x->hlc : y->hlc);
    bool open = !deletes && e->conflict == TRAIL_CONFLICT_MANUAL, decided = false;
    char resolution[TRAIL__RESOLUTION_MAX] = "";
    /* A decision that came before the conflict was found here closes it at once. */
    if (open && (rc = trail__conflict_resolution(db, id, e->table, record_id, resolution,
                                                 &resolved_at, &decided)) < 0)
        goto done;
    trail_value none = { .type = TRAIL_V_NULL };
    trail_value p[11] = { key,
                          trail_v_text(e->table),
                          trail_v_text(record_id),
                          trail_v_text(y->event_id),
                          trail_v_text(x->event_id),
                          json_param(fields_text),
                          json_param(y_values),
                          json_param(x_values),
                          trail_v_int(now),
                          open && !decided ? none : trail_v_int(resolved_at),
                          open && !decided ? none
                          : decided        ? trail_v_text(resolution)
                                           : trail_v_text(deletes ? "delete-wins" : "lww") };
    rc = db->drv->query(db, db->drv->sql->conflict_insert, p, 11, NULL, NULL, NULL);
done:
    json_decref(fields);
    free(fields_text);
    free(y_values);
    free(x_values);
    return rc;
}

int trail__conflict_alone(trail_conn *db, const trail__sync_table *t, const char *record_id,
                          const trail__edit *e)
{
    const trail_entity *ent = t->e;
    json_t *fields = json_array();
    char *fields_text = NULL, *values = NULL;
    char id[TRAIL_ULID_LEN + 1];
    bool here = false;
    int rc = TRAIL_OK;
    for (size_t i = 0; fields && i < ent->n_fields; i++)
        if (trail__edit_sets(e, ent->fields[i].name) &&
            json_array_append_new(fields, json_string(ent->fields[i].name)) < 0) {
            json_decref(fields);
            fields = NULL;
        }
    if (!fields || !(fields_text = json_dumps(fields, JSON_COMPACT))) {
        rc = trail__err_set(&db->err, TRAIL_ENOMEM, "out of memory");
        goto done;
    }
    if ((rc = new_conflict(db, e, e, id, &here)) < 0 || here)
        goto done;
    trail_value key = trail_v_text(id);
    values = values_of(e, fields);
    trail_value none = { .type = TRAIL_V_NULL };
    trail_value p[11] = { key,
                          trail_v_text(ent->table),
                          trail_v_text(record_id),
                          trail_v_text(e->event_id),
                          none,
                          json_param(fields_text),
                          json_param(values),
                          none,
                          trail_v_int(trail__conn_wall_ms(db)),
                          none,
                          none };
    rc = db->drv->query(db, db->drv->sql->conflict_insert, p, 11, NULL, NULL, NULL);
done:
    json_decref(fields);
    free(fields_text);
    free(values);
    return rc;
}

int trail__conflicts_record(trail_conn *db, const trail__sync_table *t, const char *record_id,
                            const trail__edit *e, const trail__edits *held)
{
    for (size_t i = 0; i < held->n; i++) {
        const trail__edit *x = &held->item[i];
        int order = trail__edit_cmp(x, e);
        int rc = TRAIL_OK;
        if (order < 0 && concurrent(x, e))
            rc = record_pair(db, t, record_id, x, e);
        else if (order > 0 && concurrent(e, x))
            rc = record_pair(db, t, record_id, e, x);
        if (rc < 0)
            return rc;
    }
    return TRAIL_OK;
}
