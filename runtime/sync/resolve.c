/*
 * sync/resolve.c - conflicts listed and decided (trail/conflict.h), and a
 * resolve event's effect on the conflict it names where it is applied
 * (resolve.h).
 *
 * Resolving needs no generated code, as applying does not: the entity is
 * rebuilt from the schema descriptions in trail_meta (sync/schemas.h), its
 * row read and written with statements built from it and kept by the
 * connection (sync/texts.h), and the event stamped and hashed here in the
 * connection's lane (audit/event.h, audit/lane.h) on every engine, as the
 * SQLite driver writes its events: a resolve is rare, and one more round
 * trip than a generated write does not matter.
 *
 * The row is written with the version check of an update (WHERE version =
 * the version read), so a write that came between the read and the write
 * makes the resolve fail with TRAIL_ECONFLICT instead of deciding on a row
 * that moved.
 */
#define _POSIX_C_SOURCE 200809L /* strndup */
#include "sync/resolve.h"
#include "sync/own.h"
#include "audit/event.h"
#include "audit/event_columns.h"
#include "audit/call.h"
#include "audit/json_form.h"
#include "audit/lane.h"
#include "audit/values.h"
#include "core/context.h"
#include "core/json.h"
#include "core/json_exact.h"
#include "core/utf8.h"
#include "driver/sql.h"
#include "sync/row_values.h"
#include "sync/schemas.h"
#include "sync/texts.h"
#include "trail/conflict.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- a conflict's row --------------------------------------------------- */

enum {
    C_ID,
    C_TABLE,
    C_RECORD,
    C_EVENT,
    C_OTHER_EVENT,
    C_FIELDS,
    C_EVENT_VALUES,
    C_OTHER_VALUES,
    C_DETECTED,
    C_RESOLVED,
    C_RESOLUTION,
    C_COLUMNS
};

/* A row of trail_conflicts, copied: its strings are its own (NULL for SQL NULL). */
typedef struct conflict_row {
    char *text[C_COLUMNS]; /* the columns read as text; C_DETECTED and C_RESOLVED unused */
    int64_t detected_at, resolved_at;
    bool resolved;
} conflict_row;

static void conflict_row_free(conflict_row *c)
{
    for (size_t i = 0; i < C_COLUMNS; i++)
        free(c->text[i]);
    memset(c, 0, sizeof *c);
}

/* The conflict row @row into the zeroed @c. TRAIL_OK, or TRAIL_ENOMEM / the driver's failure. */
static int conflict_read(trail_conn *db, void *row, conflict_row *c)
{
    for (size_t i = 0; i < C_COLUMNS; i++) {
        bool number = i == C_DETECTED || i == C_RESOLVED;
        bool json = i == C_FIELDS || i == C_EVENT_VALUES || i == C_OTHER_VALUES;
        trail_value v;
        int rc = db->drv->column(db, row, i,
                                 number ? TRAIL_V_INT
                                 : json ? TRAIL_V_JSON
                                        : TRAIL_V_TEXT,
                                 &v);
        if (rc < 0)
            return rc;
        if (number && i == C_DETECTED)
            c->detected_at = v.type == TRAIL_V_NULL ? 0 : v.i;
        else if (number) {
            c->resolved = v.type != TRAIL_V_NULL;
            c->resolved_at = c->resolved ? v.i : 0;
        } else if (v.type != TRAIL_V_NULL && !(c->text[i] = strndup(v.s ? v.s : "", v.n)))
            return trail__err_set(&db->err, TRAIL_ENOMEM, "out of memory");
    }
    return TRAIL_OK;
}

/* ---- listing -------------------------------------------------------------- */

struct list_walk {
    trail_conflict_fn fn;
    void *userdata;
};

static int list_row(trail_conn *db, void *row, void *userdata)
{
    struct list_walk *w = userdata;
    conflict_row c = { .detected_at = 0 };
    int rc = conflict_read(db, row, &c);
    if (rc == TRAIL_OK) {
        trail_conflict out = {
            .conflict_id = c.text[C_ID],
            .table_name = c.text[C_TABLE],
            .record_id = c.text[C_RECORD],
            .event_id = c.text[C_EVENT],
            .other_event_id = c.text[C_OTHER_EVENT],
            .fields = c.text[C_FIELDS],
            .event_values = c.text[C_EVENT_VALUES],
            .other_values = c.text[C_OTHER_VALUES],
            .detected_at = c.detected_at,
            .resolved_at = c.resolved_at,
            .resolution = c.text[C_RESOLUTION],
        };
        rc = w->fn(w->userdata, &out);
    }
    conflict_row_free(&c);
    return rc;
}

int trail_conflicts_list(trail_conn *db, const trail_conflicts_opts *opts, trail_conflict_fn fn,
                         void *userdata)
{
    static const trail_conflicts_opts none = TRAIL_CONFLICTS_OPTS_INIT;
    if (!db)
        return TRAIL_EARG;
    if (!fn)
        return trail__err_set(&db->err, TRAIL_EARG, "trail_conflicts_list: no callback");
    if (trail__conn_need_tables(db) < 0)
        return TRAIL_EDB;
    if (!opts)
        opts = &none;
    const char *table = opts->table ? opts->table : "";
    const char *record = opts->record_id ? opts->record_id : "";
    trail_value p[5] = { trail_v_int(opts->all ? 1 : 0), trail_v_text(table), trail_v_text(table),
                         trail_v_text(record), trail_v_text(record) };
    struct list_walk w = { fn, userdata };
    return db->drv->query(db, db->drv->sql->conflicts_list, p, 5, list_row, &w, NULL);
}

/* ---- the resolve events of a conflict ----------------------------------- */

static const char *const choice_names[] = { [TRAIL_RESOLVE_KEEP] = "keep",
                                            [TRAIL_RESOLVE_OTHER] = "other",
                                            [TRAIL_RESOLVE_VALUES] = "values" };

/* The choice a resolve's @old_values (@n bytes) give for conflict @id, or NULL if not it. */
static const char *names_conflict(const char *old_values, size_t n, const char *id)
{
    json_t *j = old_values ? json_loadb(old_values, n, 0, NULL) : NULL;
    const char *cid = json_string_value(json_object_get(j, "conflict_id"));
    const char *choice = json_string_value(json_object_get(j, "choice"));
    const char *out = NULL;
    for (size_t k = TRAIL_RESOLVE_KEEP; cid && choice && id && !out && k <= TRAIL_RESOLVE_VALUES;
         k++)
        if (strcmp(cid, id) == 0 && strcmp(choice, choice_names[k]) == 0)
            out = choice_names[k];
    json_decref(j);
    return out;
}

/* The last resolve of one conflict in record order, as far as it was looked for. */
typedef struct resolve_pick {
    const char *conflict_id;
    bool found;
    int64_t hlc;
    char node_id[TRAIL_NODE_ID_MAX + 1];
    char event_id[TRAIL_ULID_LEN + 1];
    const char *choice; /* static */
    int64_t created_at;
} resolve_pick;

/* The resolve at (@hlc, @node, @event) is @p's if it comes later in record order. */
static void pick(resolve_pick *p, int64_t hlc, const char *node, size_t node_n, const char *event,
                 size_t event_n, const char *choice, int64_t created_at)
{
    char node_id[sizeof p->node_id], event_id[sizeof p->event_id];
    snprintf(node_id, sizeof node_id, "%.*s", (int)node_n, node);
    snprintf(event_id, sizeof event_id, "%.*s", (int)event_n, event);
    if (p->found &&
        trail__record_order(hlc, node_id, event_id, p->hlc, p->node_id, p->event_id) <= 0)
        return;
    p->found = true;
    p->hlc = hlc;
    memcpy(p->node_id, node_id, sizeof node_id);
    memcpy(p->event_id, event_id, sizeof event_id);
    p->choice = choice;
    p->created_at = created_at;
}

static int resolve_row(trail_conn *db, void *row, void *userdata)
{
    static const trail_vtype types[5] = { TRAIL_V_TEXT, TRAIL_V_INT, TRAIL_V_TEXT, TRAIL_V_JSON,
                                          TRAIL_V_INT };
    resolve_pick *p = userdata;
    trail_value c[5];
    int rc = trail__row_read(db, row, types, c, 5);
    if (rc < 0)
        return rc;
    const char *choice =
        c[3].type == TRAIL_V_NULL ? NULL : names_conflict(c[3].s, c[3].n, p->conflict_id);
    if (choice && c[0].type == TRAIL_V_TEXT && c[2].type == TRAIL_V_TEXT)
        pick(p, c[1].i, c[2].s, c[2].n, c[0].s, c[0].n, choice, c[4].i);
    return 0;
}

/* The resolve events of @conflict_id among those of record @record_id of @table, into @p. */
static int last_resolve(trail_conn *db, const char *table, const char *record_id, resolve_pick *p)
{
    trail_value k[2] = { trail_v_text(table), trail_v_text(record_id) };
    return db->drv->query(db, db->drv->sql->record_resolves, k, 2, resolve_row, p, NULL);
}

int trail__conflict_resolution(trail_conn *db, const char *conflict_id, const char *table,
                               const char *record_id, char resolution[TRAIL__RESOLUTION_MAX],
                               int64_t *resolved_at, bool *found)
{
    resolve_pick p = { .conflict_id = conflict_id };
    int rc = last_resolve(db, table, record_id, &p);
    *found = rc == TRAIL_OK && p.found;
    resolution[0] = '\0';
    *resolved_at = 0;
    if (*found) {
        snprintf(resolution, TRAIL__RESOLUTION_MAX, "%s", p.choice);
        *resolved_at = p.created_at;
    }
    return rc < 0 ? rc : TRAIL_OK;
}

int trail__conflict_resolved_by(trail_conn *db, const trail__wire_event *ev)
{
    const char *ov = ev->col[TRAIL_EV_old_values];
    json_t *j = ov ? json_loads(ov, 0, NULL) : NULL;
    const char *id = json_string_value(json_object_get(j, "conflict_id"));
    char conflict_id[64];
    snprintf(conflict_id, sizeof conflict_id, "%s", id ? id : "");
    json_decref(j);
    const char *choice = ov ? names_conflict(ov, strlen(ov), conflict_id) : NULL;
    if (!choice)
        return TRAIL_OK; /* it names no conflict: none to close */
    resolve_pick p = { .conflict_id = conflict_id };
    const char *node = ev->col[TRAIL_EV_node_id], *event = ev->col[TRAIL_EV_event_id];
    const char *created = ev->col[TRAIL_EV_created_at];
    if (!node || !event)
        return TRAIL_OK;
    pick(&p, ev->hlc, node, strlen(node), event, strlen(event), choice,
         created ? strtoll(created, NULL, 10) : 0);
    int rc = last_resolve(db, ev->col[TRAIL_EV_table_name], ev->col[TRAIL_EV_record_id], &p);
    if (rc < 0)
        return rc;
    trail_value c[3] = { trail_v_int(p.created_at), trail_v_text(p.choice),
                         trail_v_text(conflict_id) };
    return db->drv->query(db, db->drv->sql->conflict_reclose, c, 3, NULL, NULL, NULL);
}

/* ---- resolving ------------------------------------------------------------ */

/* What one resolve works with. */
typedef struct resolver {
    trail_conn *db;
    trail__sync_schemas schemas;
    const trail__sync_table *t;
    conflict_row c;
    uint64_t mask;                     /* the conflict's fields */
    trail_row row;                     /* the record as read, then as it is to be */
    char *owned[TRAIL_MAX_FIELDS + 2]; /* the row's text and bytes, copied */
    bool found;
    trail__row_values given; /* the other side's values, or the caller's */
} resolver;

static void resolver_free(resolver *r)
{
    trail__sync_schemas_free(&r->schemas);
    conflict_row_free(&r->c);
    for (size_t i = 0; i < TRAIL_MAX_FIELDS + 2; i++)
        free(r->owned[i]);
    trail__row_values_free(&r->given);
}

static int conflict_found(trail_conn *db, void *row, void *userdata)
{
    resolver *r = userdata;
    int rc = conflict_read(db, row, &r->c);
    if (rc < 0)
        return rc;
    r->found = true;
    return 1;
}

/* The record's row, copied into r->row; r->found says whether there is one. */
static int row_found(trail_conn *db, void *row, void *userdata)
{
    resolver *r = userdata;
    const trail_entity *e = r->t->e;
    trail_row values;
    int rc = trail__values_read(db, e, row, &values);
    if (rc < 0)
        return rc;
    r->row = values;
    for (size_t i = 0; i < e->n_fields + 2; i++) {
        trail_value *v = &r->row.v[i];
        if (v->type != TRAIL_V_TEXT && v->type != TRAIL_V_BLOB && v->type != TRAIL_V_JSON)
            continue;
        if (!(r->owned[i] = malloc(v->n + 1)))
            return trail__err_set(&db->err, TRAIL_ENOMEM, "out of memory");
        if (v->n)
            memcpy(r->owned[i], v->s, v->n);
        r->owned[i][v->n] = '\0';
        v->s = r->owned[i];
    }
    r->found = true;
    return 1;
}

/* The record's key as its column holds it. */
static trail_value key_of(const trail_entity *e, const char *record_id)
{
    return e->key == TRAIL_KEY_INT64 ? trail_v_int(strtoll(record_id, NULL, 10))
                                     : trail_v_text(record_id);
}

static int read_row(resolver *r)
{
    trail_conn *db = r->db;
    const trail_entity *e = r->t->e;
    char q = db->drv->dialect->quote;
    trail_buf sql = TRAIL_BUF_INIT;
    trail__buf_appendf(&sql, "SELECT %cid%c, %cversion%c", q, q, q, q);
    for (size_t i = 0; i < e->n_fields; i++)
        trail__buf_appendf(&sql, ", %c%s%c", q, e->fields[i].name, q);
    trail__buf_appendf(&sql, " FROM %c%s%c WHERE %cid%c = ", q, e->table, q, q, q);
    trail__dialect_param(&sql, db->drv->dialect, 1);
    const char *text;
    int rc = trail__sync_text(db, trail__buf_finish(&sql), &text);
    if (rc < 0)
        return rc;
    trail_value key = key_of(e, r->c.text[C_RECORD]);
    r->found = false;
    return db->drv->query(db, text, &key, 1, row_found, r, NULL);
}

/* The conflict's fields (a JSON array of names) as a mask of the entity's fields. */
static int conflict_fields(resolver *r)
{
    trail_conn *db = r->db;
    const trail_entity *e = r->t->e;
    json_t *names = r->c.text[C_FIELDS] ? json_loads(r->c.text[C_FIELDS], 0, NULL) : NULL;
    size_t k;
    json_t *name;
    int rc = TRAIL_OK;
    r->mask = 0;
    if (!json_is_array(names) || json_array_size(names) == 0)
        rc = trail__err_set(&db->err, TRAIL_EINVALID,
                            "conflict %s: it names no fields (%.60s): there is nothing to decide",
                            r->c.text[C_ID], r->c.text[C_FIELDS] ? r->c.text[C_FIELDS] : "NULL");
    json_array_foreach(names, k, name)
    {
        const char *s = json_string_value(name);
        size_t i = 0;
        while (s && i < e->n_fields && strcmp(e->fields[i].name, s) != 0)
            i++;
        if (rc == TRAIL_OK && (!s || i == e->n_fields))
            rc = trail__err_set(&db->err, TRAIL_EINVALID,
                                "%s.%s: a field of conflict %s that the schema no longer has",
                                e->name, s ? s : "?", r->c.text[C_ID]);
        else if (s && i < e->n_fields)
            r->mask |= UINT64_C(1) << i;
    }
    json_decref(names);
    return rc;
}

/* The description of field @i of r->t's entity in trail_meta, or NULL. */
static json_t *described_field(const resolver *r, size_t i)
{
    const trail__sync_schemas *s = &r->schemas;
    for (size_t m = 0; m < s->n_models; m++) {
        const trail_model *model = &s->models[m];
        if (r->t->e < model->entities || r->t->e >= model->entities + model->n_entities)
            continue;
        json_t *entity = json_array_get(json_object_get(model->json, "entities"),
                                        (size_t)(r->t->e - model->entities));
        return json_array_get(json_object_get(entity, "fields"), i);
    }
    return NULL;
}

/*
 * The rules the description keeps and the rebuilt entity does not carry
 * (audit/model.c): an enum's values, a text's or blob's max, a number's
 * min and max, for the value @v of field @i.
 */
static int check_described(resolver *r, size_t i, const trail_value *v)
{
    trail_conn *db = r->db;
    const trail_entity *e = r->t->e;
    const trail_field *f = &e->fields[i];
    json_t *d = described_field(r, i);
    json_t *min = json_object_get(d, "min"), *max = json_object_get(d, "max");
    if (v->type == TRAIL_V_NULL || !d)
        return TRAIL_OK;
    if (f->type == TRAIL_TYPE_ENUM) {
        json_t *values = json_object_get(d, "values"), *x;
        size_t k;
        json_array_foreach(values, k, x)
        {
            const char *s = json_string_value(x);
            if (s && strlen(s) == v->n && memcmp(s, v->s, v->n) == 0)
                return TRAIL_OK;
        }
        return trail__err_set(&db->err, TRAIL_EINVALID, "%s.%s: '%.*s' is not one of its values",
                              e->name, f->name, (int)(v->n > 60 ? 60 : v->n), v->s);
    }
    if (f->type == TRAIL_TYPE_TEXT && json_is_integer(max)) {
        size_t chars = trail__utf8_count(v->s, v->n);
        if (chars != (size_t)-1 && chars > (size_t)json_integer_value(max))
            return trail__err_set(&db->err, TRAIL_EINVALID, "%s.%s: %zu characters, at most %lld",
                                  e->name, f->name, chars, json_integer_value(max));
    }
    if (f->type == TRAIL_TYPE_BLOB && json_is_integer(max) &&
        v->n > (size_t)json_integer_value(max))
        return trail__err_set(&db->err, TRAIL_EINVALID, "%s.%s: %zu bytes, at most %lld", e->name,
                              f->name, v->n, json_integer_value(max));
    bool integer = f->type == TRAIL_TYPE_INT32 || f->type == TRAIL_TYPE_INT64;
    if (integer && json_is_integer(min) && v->i < json_integer_value(min))
        return trail__err_set(&db->err, TRAIL_EINVALID,
                              "%s.%s: %" PRId64 " is below the minimum %lld", e->name, f->name,
                              v->i, json_integer_value(min));
    if (integer && json_is_integer(max) && v->i > json_integer_value(max))
        return trail__err_set(&db->err, TRAIL_EINVALID,
                              "%s.%s: %" PRId64 " is above the maximum %lld", e->name, f->name,
                              v->i, json_integer_value(max));
    if (f->type == TRAIL_TYPE_INT32 && (v->i < INT32_MIN || v->i > INT32_MAX))
        return trail__err_set(&db->err, TRAIL_EINVALID,
                              "%s.%s: %" PRId64 " is out of the range of an int32", e->name,
                              f->name, v->i);
    if (f->type == TRAIL_TYPE_DOUBLE && json_is_number(min) && v->d < json_number_value(min))
        return trail__err_set(&db->err, TRAIL_EINVALID, "%s.%s: %.17g is below the minimum %.17g",
                              e->name, f->name, v->d, json_number_value(min));
    if (f->type == TRAIL_TYPE_DOUBLE && json_is_number(max) && v->d > json_number_value(max))
        return trail__err_set(&db->err, TRAIL_EINVALID, "%s.%s: %.17g is above the maximum %.17g",
                              e->name, f->name, v->d, json_number_value(max));
    if (f->type == TRAIL_TYPE_REF && f->ref->key == TRAIL_KEY_ULID &&
        !(v->n == TRAIL_ULID_LEN && trail_ulid_valid(v->s)))
        return trail__err_set(&db->err, TRAIL_EINVALID, "%s.%s: '%.*s' is not an id (a ULID)",
                              e->name, f->name, (int)(v->n > 40 ? 40 : v->n), v->s);
    return TRAIL_OK;
}

/*
 * The caller's values: a JSON object whose members are fields of the
 * conflict (the others are refused, naming them), each of its type's JSON
 * form and within the schema's rules.
 */
static int caller_values(resolver *r, const char *json)
{
    trail_conn *db = r->db;
    const trail_entity *e = r->t->e;
    /* The members' names only: json_exact keeps jansson from refusing a json field's numbers. */
    trail_buf exact = TRAIL_BUF_INIT;
    int rc = trail__json_exact(&exact, json, strlen(json), NULL, NULL);
    json_t *j = rc == TRAIL_OK ? json_loadb(exact.data, exact.len, 0, NULL) : NULL;
    trail__buf_free(&exact);
    if (rc == TRAIL_ENOMEM)
        return trail__err_set(&db->err, rc, "out of memory");
    if (!json_is_object(j)) {
        json_decref(j);
        return trail__err_set(&db->err, TRAIL_EINVALID,
                              "%s %s: the values given are not a JSON object: %.60s", e->name,
                              r->c.text[C_RECORD], json);
    }
    const char *key;
    json_t *value;
    rc = TRAIL_OK;
    json_object_foreach(j, key, value)
    {
        size_t i = 0;
        while (i < e->n_fields && strcmp(e->fields[i].name, key) != 0)
            i++;
        if (i == e->n_fields)
            rc = trail__err_set(&db->err, TRAIL_EINVALID, "%s.%.60s: no such field", e->name, key);
        else if (!(r->mask >> i & 1))
            rc = trail__err_set(&db->err, TRAIL_EINVALID,
                                "%s.%s: not a field of conflict %s (its fields: %s)", e->name, key,
                                r->c.text[C_ID], r->c.text[C_FIELDS]);
        if (rc < 0)
            break;
    }
    json_decref(j);
    if (rc < 0)
        return rc;
    if ((rc = trail__row_values_parse(db, e, json, strlen(json), &r->given)) == TRAIL_EINVALID) {
        /* Its words are for an event's values: these are the caller's. */
        char msg[512];
        snprintf(msg, sizeof msg, "%s", trail__err_message(&db->err));
        char *at = strstr(msg, "the event's value ");
        if (at)
            memmove(at + 4, at + 12, strlen(at + 12) + 1);
        return trail__err_set(&db->err, rc, "%s", msg);
    }
    if (rc < 0)
        return rc;
    uint64_t given = 0;
    for (size_t i = 0; i < e->n_fields; i++)
        if (r->given.set[i]) {
            given |= UINT64_C(1) << i;
            if ((rc = check_described(r, i, &r->given.row.v[i + 2])) < 0)
                return rc;
        }
    return trail__values_check_set(db, e, &r->given.row, given);
}

/* The row after the choice @choice (with @values for TRAIL_RESOLVE_VALUES), into r->row. */
static int choose(resolver *r, const trail_resolve *choice)
{
    trail_conn *db = r->db;
    const trail_entity *e = r->t->e;
    int rc = TRAIL_OK;
    if (choice->choice == TRAIL_RESOLVE_KEEP)
        return TRAIL_OK;
    if (choice->choice == TRAIL_RESOLVE_VALUES)
        rc = caller_values(r, choice->values);
    else if (!r->c.text[C_OTHER_VALUES])
        rc = trail__err_set(&db->err, TRAIL_EINVALID,
                            "conflict %s: the other side has no values (it is a delete)",
                            r->c.text[C_ID]);
    else
        rc = trail__row_values_parse(db, e, r->c.text[C_OTHER_VALUES],
                                     strlen(r->c.text[C_OTHER_VALUES]), &r->given);
    if (rc < 0)
        return rc;
    for (size_t i = 0; i < e->n_fields; i++)
        if ((r->mask >> i & 1) && r->given.set[i])
            r->row.v[i + 2] = r->given.row.v[i + 2];
    return TRAIL_OK;
}

/* UPDATE the conflict's fields and the version, at the version read. */
static int write_row(resolver *r, int64_t version)
{
    trail_conn *db = r->db;
    const trail_entity *e = r->t->e;
    const trail_dialect *d = db->drv->dialect;
    char q = d->quote;
    trail_buf sql = TRAIL_BUF_INIT;
    trail_value p[TRAIL_MAX_FIELDS + 3];
    size_t n = 0;
    trail__buf_appendf(&sql, "UPDATE %c%s%c SET ", q, e->table, q);
    for (size_t i = 0; i < e->n_fields; i++)
        if (r->mask >> i & 1) {
            trail__buf_appendf(&sql, "%c%s%c = ", q, e->fields[i].name, q);
            trail__dialect_param(&sql, d, (int)n + 1);
            trail__buf_appendf(&sql, ", ");
            p[n++] = r->row.v[i + 2];
        }
    trail__buf_appendf(&sql, "%cversion%c = ", q, q);
    trail__dialect_param(&sql, d, (int)n + 1);
    p[n++] = trail_v_int(version + 1);
    trail__buf_appendf(&sql, " WHERE %cid%c = ", q, q);
    trail__dialect_param(&sql, d, (int)n + 1);
    p[n++] = r->row.v[0];
    trail__buf_appendf(&sql, " AND %cversion%c = ", q, q);
    trail__dialect_param(&sql, d, (int)n + 1);
    p[n++] = trail_v_int(version);
    const char *text;
    int rc = trail__sync_text(db, trail__buf_finish(&sql), &text);
    if (rc < 0)
        return rc;
    int64_t changes = 0;
    rc = db->drv->query(db, text, p, n, NULL, NULL, &changes);
    if (rc == TRAIL_EUNIQUE || rc == TRAIL_EREF) {
        char why[300];
        snprintf(why, sizeof why, "%s", trail__err_message(&db->err));
        return trail__err_set(&db->err, rc, "%s %s: the values are refused: %s", e->name,
                              r->c.text[C_RECORD], why);
    }
    if (rc == TRAIL_OK && changes != 1)
        return trail__err_set(&db->err, TRAIL_ECONFLICT,
                              "%s %s: changed by someone else meanwhile: decide again", e->name,
                              r->c.text[C_RECORD]);
    return rc;
}

/* The event's changed: the conflict's fields, in the entity's order. */
static int changed_json(trail_buf *out, const trail_entity *e, uint64_t mask)
{
    trail_json w;
    trail__json_init(&w, out);
    trail__json_begin_array(&w);
    for (size_t i = 0; i < e->n_fields; i++)
        if (mask >> i & 1)
            trail__json_text(&w, e->fields[i].name);
    trail__json_end_array(&w);
    return trail__json_finish(&w);
}

static int old_json(trail_buf *out, const char *conflict_id, const char *choice)
{
    trail_json w;
    trail__json_init(&w, out);
    trail__json_begin_object(&w);
    trail__json_key(&w, "conflict_id");
    trail__json_text(&w, conflict_id);
    trail__json_key(&w, "choice");
    trail__json_text(&w, choice);
    trail__json_end_object(&w);
    return trail__json_finish(&w);
}

/*
 * The event of op `resolve`, after the head of the connection's lane and
 * after the record's newest event (a record's events are in hlc order,
 * whichever connection stamped them); its hash into @hash.
 */
static int write_event(resolver *r, const trail_ctx *ctx, const char *choice, int64_t version,
                       char hash[TRAIL_SHA256_HEX_LEN + 1], int64_t *created_at)
{
    trail_conn *db = r->db;
    const trail_entity *e = r->t->e;
    int rc = trail__sync_above_record(db, e->table, r->c.text[C_RECORD]);
    if (rc < 0)
        return rc;
    trail_buf o = TRAIL_BUF_INIT, n = TRAIL_BUF_INIT, c = TRAIL_BUF_INIT;
    r->row.v[1] = trail_v_int(version + 1);
    if ((rc = old_json(&o, r->c.text[C_ID], choice)) < 0 ||
        (rc = trail__values_json(&n, e, &r->row)) < 0 || (rc = changed_json(&c, e, r->mask)) < 0) {
        rc = trail__err_set(&db->err, rc, "%s %s: cannot write the event's JSON", e->name,
                            r->c.text[C_RECORD]);
        goto done;
    }
    trail_event ev = { .table = e->table,
                       .record_id = r->c.text[C_RECORD],
                       .op = "resolve",
                       .version = version + 1,
                       .old_values = o.data,
                       .new_values = n.data,
                       .changed = c.data,
                       .schema_version = r->t->schema_version,
                       .ctx = ctx };
    char event_id[TRAIL_ULID_LEN + 1];
    trail_value cols[TRAIL_EVENT_COLUMNS];
    if ((rc = trail__event_stamp(db, &ev, event_id, cols)) < 0)
        goto done;
    if ((rc = trail__event_seal(cols, hash)) < 0) {
        rc = trail__err_set(&db->err, rc, "cannot hash the change event");
        goto done;
    }
    *created_at = cols[TRAIL_EV_created_at].i;
    rc =
        db->drv->query(db, db->drv->sql->event_insert, cols, TRAIL_EVENT_COLUMNS, NULL, NULL, NULL);
done:
    trail__buf_free(&o);
    trail__buf_free(&n);
    trail__buf_free(&c);
    return rc;
}

/* The resolve, inside the call's transaction. */
static int resolve_in_tx(resolver *r, const trail_ctx *ctx, const char *conflict_id,
                         const trail_resolve *choice, char hash[TRAIL_SHA256_HEX_LEN + 1])
{
    trail_conn *db = r->db;
    trail_value id = trail_v_text(conflict_id);
    int rc = db->drv->query(db, db->drv->sql->conflict_get, &id, 1, conflict_found, r, NULL);
    if (rc < 0)
        return rc;
    if (!r->found)
        return trail__err_set(&db->err, TRAIL_ENOTFOUND, "conflict %.40s: no such conflict",
                              conflict_id);
    if (r->c.resolved)
        return trail__err_set(&db->err, TRAIL_EINVALID,
                              "conflict %s: closed already (%s): there is nothing to decide",
                              conflict_id,
                              r->c.text[C_RESOLUTION] ? r->c.text[C_RESOLUTION] : "no resolution");
    if ((rc = trail__sync_schemas_load(db, &r->schemas)) < 0)
        return rc;
    if (!(r->t = trail__sync_schemas_table(&r->schemas, r->c.text[C_TABLE])))
        return trail__err_set(&db->err, TRAIL_EINVALID,
                              "conflict %s: no schema here describes its table %s", conflict_id,
                              r->c.text[C_TABLE]);
    const trail_entity *e = r->t->e;
    if ((rc = conflict_fields(r)) < 0 || (rc = read_row(r)) < 0)
        return rc;
    if (!r->found)
        return trail__err_set(&db->err, TRAIL_EINVALID,
                              "conflict %s: %s %s has no row here (deleted: delete wins; or "
                              "never applied here), so there is nothing to decide",
                              conflict_id, e->name, r->c.text[C_RECORD]);
    int64_t version = r->row.v[1].i, created_at = 0;
    if ((rc = choose(r, choice)) < 0 || (rc = write_row(r, version)) < 0 ||
        (rc = write_event(r, ctx, choice_names[choice->choice], version, hash, &created_at)) < 0)
        return rc;
    trail_value close[3] = { trail_v_int(created_at), trail_v_text(choice_names[choice->choice]),
                             trail_v_text(conflict_id) };
    int64_t changes = 0;
    rc = db->drv->query(db, db->drv->sql->conflict_close, close, 3, NULL, NULL, &changes);
    if (rc == TRAIL_OK && changes != 1)
        rc = trail__err_set(&db->err, TRAIL_EINVALID,
                            "conflict %s: closed meanwhile by another connection", conflict_id);
    return rc;
}

int trail_conflict_resolve(trail_conn *db, const trail_ctx *ctx, const char *conflict_id,
                           const trail_resolve *choice)
{
    if (!db || !db->drv)
        return TRAIL_EARG;
    if (!conflict_id || !choice)
        return trail__err_set(&db->err, TRAIL_EARG, "trail_conflict_resolve: %s is NULL",
                              conflict_id ? "the choice" : "the conflict id");
    if ((int)choice->choice < TRAIL_RESOLVE_KEEP || (int)choice->choice > TRAIL_RESOLVE_VALUES)
        return trail__err_set(&db->err, TRAIL_EARG,
                              "trail_conflict_resolve: %d is no choice (TRAIL_RESOLVE_KEEP, "
                              "_OTHER or _VALUES)",
                              (int)choice->choice);
    if (choice->choice == TRAIL_RESOLVE_VALUES && !choice->values)
        return trail__err_set(&db->err, TRAIL_EARG,
                              "trail_conflict_resolve: TRAIL_RESOLVE_VALUES without values");
    if (db->old_layout)
        return trail__conn_old_layout(db, "the columns of lanes");
    if (db->node_id[0] == '\0')
        return trail__err_set(&db->err, TRAIL_EARG,
                              "the database is not migrated: call the schema's _migrate first");
    int rc = trail__ctx_check(&db->err, ctx);
    if (rc < 0)
        return rc;
    trail__err_clear(&db->err);
    if ((rc = trail__lane_ensure(db)) < 0 || (rc = trail__call_begin(db)) < 0)
        return rc;
    resolver r = { .db = db };
    char hash[TRAIL_SHA256_HEX_LEN + 1] = "";
    rc = trail__call_end(db, resolve_in_tx(&r, ctx, conflict_id, choice, hash));
    resolver_free(&r);
    if (rc == TRAIL_OK)
        trail__lane_advance(db, hash);
    else if (rc == TRAIL_EDB)
        trail__lane_end(db);
    return rc;
}
