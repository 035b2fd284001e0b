/*
 * converge_checks.c - what must hold once test_converge.c's nodes are
 * quiet (converge.h). Rows and conflicts are compared as sorted lines of
 * every column, and a table's lines as one SHA-256, so that a failure
 * names the first line that differs and a success costs one comparison.
 */
#define _POSIX_C_SOURCE 200809L
#include "converge.h"

#include "core/sha256.h"
#include "driver/driver.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void converge_fail(const world *w, const char *fmt, ...)
{
    char msg[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    print_error("%s\nconverge: seed %" PRIu64 " (TRAIL_CONVERGE_SEED=%" PRIu64 " replays it)\n",
                msg, w->seed, w->seed);
    fail();
    abort(); /* fail() does not return; cmocka does not say so */
}

static int first_int(trail_conn *db, void *row, void *userdata)
{
    trail_value v;
    int rc = db->drv->column(db, row, 0, TRAIL_V_INT, &v);
    if (rc < 0)
        return rc;
    *(int64_t *)userdata = v.i;
    return 0;
}

int64_t converge_quarantined(trail_conn *db)
{
    int64_t n = -1;
    IT_OK(db, db->drv->query_once(db, "SELECT count(*) FROM trail_quarantine", NULL, 0, first_int,
                                  &n, NULL));
    return n;
}

/* ---- lines ---------------------------------------------------------------------- */

static void lines_digest(const it_lines *l, char out[TRAIL_SHA256_HEX_LEN + 1])
{
    size_t len = 0;
    for (size_t i = 0; i < l->n; i++)
        len += strlen(l->line[i]) + 1;
    char *all = malloc(len + 1), *at = all;
    assert_non_null(all);
    for (size_t i = 0; i < l->n; i++) {
        size_t k = strlen(l->line[i]);
        memcpy(at, l->line[i], k);
        at[k] = '\n';
        at += k + 1;
    }
    assert_int_equal(trail__sha256_hex(out, all, len), TRAIL_OK);
    free(all);
}

/* Compares the lines' keys: each line's first word (a record's or a conflict's id). */
static int key_cmp(const char *a, const char *b)
{
    size_t ka = strcspn(a, " "), kb = strcspn(b, " ");
    int c = strncmp(a, b, ka < kb ? ka : kb);
    return c ? c : (ka > kb) - (ka < kb);
}

/* Fails, naming the first line that differs, unless node @i's @what are node 0's. */
static void same_lines(const world *w, const char *what, int i, const it_lines *mine,
                       const it_lines *first)
{
    char a[TRAIL_SHA256_HEX_LEN + 1], b[TRAIL_SHA256_HEX_LEN + 1];
    lines_digest(mine, a);
    lines_digest(first, b);
    if (strcmp(a, b) == 0)
        return;
    size_t k = 0;
    while (k < mine->n && k < first->n && strcmp(mine->line[k], first->line[k]) == 0)
        k++;
    const char *m = k < mine->n ? mine->line[k] : NULL, *f = k < first->n ? first->line[k] : NULL;
    int c = !m ? 1 : !f ? -1 : key_cmp(m, f);
    char diff[3072];
    if (c == 0)
        snprintf(diff, sizeof diff, "first difference:\n  node %d: %s\n  node 0: %s", i, m, f);
    else
        snprintf(diff, sizeof diff, "first difference: only on node %d: %s", c < 0 ? i : 0,
                 c < 0 ? m : f);
    converge_fail(w, "%s differ: node %d holds %zu (digest %.16s), node 0 %zu (digest %.16s); %s",
                  what, i, mine->n, a, first->n, b, diff);
}

/* ---- events --------------------------------------------------------------------- */

static int by_event_id(const void *a, const void *b)
{
    return strcmp(((const trail_change_event *)a)->event_id,
                  ((const trail_change_event *)b)->event_id);
}

/*
 * Every node holds node 0's events (ids and hashes). @deleted gets the
 * records (id and table) that a delete event ended, and @edits each
 * record's id and count of edits (its insert, update and resolve events:
 * what its version must be), both sorted.
 */
static void same_events(world *w, it_lines *deleted, it_lines *edits)
{
    it_events first = { 0 };
    it_lines each = { 0 };
    it_history(w->node[0].db, NULL, NULL, &first);
    qsort(first.ev, first.n, sizeof *first.ev, by_event_id);
    for (size_t k = 0; k < first.n; k++) {
        const char *op = first.ev[k].op;
        if (strcmp(op, "delete") == 0)
            it_add_line(deleted, "%s %s", first.ev[k].record_id, first.ev[k].table_name);
        else if (strcmp(op, "insert") == 0 || strcmp(op, "update") == 0 ||
                 strcmp(op, "resolve") == 0)
            it_add_line(&each, "%s", first.ev[k].record_id);
        w->merges += strcmp(op, "merge") == 0;
    }
    it_lines_sort(deleted);
    it_lines_sort(&each);
    for (size_t k = 0, count = 1; k < each.n; k++, count++)
        if (k + 1 == each.n || strcmp(each.line[k], each.line[k + 1]) != 0) {
            it_add_line(edits, "%s %zu", each.line[k], count);
            count = 0;
        }
    it_lines_free(&each);
    for (int i = 1; i < NODES; i++) {
        it_events e = { 0 };
        it_history(w->node[i].db, NULL, NULL, &e);
        qsort(e.ev, e.n, sizeof *e.ev, by_event_id);
        for (size_t k = 0; k < e.n && k < first.n; k++)
            if (strcmp(e.ev[k].event_id, first.ev[k].event_id) != 0 ||
                strcmp(e.ev[k].hash, first.ev[k].hash) != 0)
                converge_fail(w, "node %d: event %s (%s %s %s) where node 0 holds %s (%s %s %s)", i,
                              e.ev[k].event_id, e.ev[k].op, e.ev[k].table_name, e.ev[k].record_id,
                              first.ev[k].event_id, first.ev[k].op, first.ev[k].table_name,
                              first.ev[k].record_id);
        if (e.n != first.n)
            converge_fail(w, "node %d holds %zu events, node 0 %zu", i, e.n, first.n);
        it_events_free(&e);
    }
    it_events_free(&first);
}

/* ---- rows ------------------------------------------------------------------------- */

#define OR_NULL(x) ((x) ? (x) : "NULL")

/* A JSON value in one spelling: PostgreSQL's jsonb respells what it stores. */
static char *json_canonical(const char *text)
{
    if (!text)
        return strdup("NULL");
    json_error_t err;
    json_t *v = json_loads(text, JSON_DECODE_ANY, &err);
    char *out = v ? json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    json_decref(v);
    return out ? out : strdup(text);
}

/* A customer, every column: those kept out of events too (the test never writes them). */
static int customer_line(void *userdata, const shop_customer *c)
{
    char avatar[2 * 64 + 1] = "NULL";
    if (c->avatar.data) {
        avatar[0] = '\0';
        for (size_t i = 0; i < c->avatar.len && i < 64; i++)
            snprintf(avatar + 2 * i, 3, "%02x", ((const unsigned char *)c->avatar.data)[i]);
    }
    char *prefs = json_canonical(c->prefs);
    assert_non_null(prefs);
    char rating[32] = "NULL", born[16] = "NULL", seen[24] = "NULL";
    if (!c->rating_null)
        snprintf(rating, sizeof rating, "%.17g", c->rating);
    if (!c->born_null)
        snprintf(born, sizeof born, "%" PRId32, c->born);
    if (!c->seen_at_null)
        snprintf(seen, sizeof seen, "%" PRId64, c->seen_at);
    it_add_line(userdata,
                "%s customer v%" PRId64 " email=%s name=%s tier=%d credit=%" PRId64
                " rating=%s active=%d born=%s seen_at=%s avatar=%s prefs=%s secret=%s",
                c->id, c->version, c->email, c->name, (int)c->tier, c->credit, rating,
                (int)c->active, born, seen, avatar, prefs, c->secret);
    free(prefs);
    return 0;
}

static int order_line(void *userdata, const shop_order *o)
{
    it_add_line(userdata, "%s order v%" PRId64 " customer=%s total=%" PRId64 " note=%s", o->id,
                o->version, o->customer, o->total, OR_NULL(o->note));
    return 0;
}

/* A row's line begins with its record's id. */
static int by_id_prefix(const void *key, const void *line)
{
    return strncmp(key, *(char *const *)line, TRAIL_ULID_LEN);
}

static const char *row_of(const it_lines *l, const char *id)
{
    char *const *found = bsearch(id, l->line, l->n, sizeof *l->line, by_id_prefix);
    return found ? *found : NULL;
}

/* ---- conflicts -------------------------------------------------------------------- */

/* Every column but detected_at, the one that is each node's own (docs/replication.md). */
static const char conflict_sql[] =
    "SELECT conflict_id, table_name, record_id, event_id, other_event_id, fields, event_values, "
    "other_values, resolved_at, resolution FROM trail_conflicts ORDER BY conflict_id";
static const char *const conflict_names[] = { "",       "table",     "record", "event",
                                              "other",  "fields",    "values", "other_values",
                                              "closed", "resolution" };
static const trail_vtype conflict_types[] = { TRAIL_V_TEXT, TRAIL_V_TEXT, TRAIL_V_TEXT,
                                              TRAIL_V_TEXT, TRAIL_V_TEXT, TRAIL_V_TEXT,
                                              TRAIL_V_TEXT, TRAIL_V_TEXT, TRAIL_V_INT,
                                              TRAIL_V_TEXT };
enum { CONFLICT_COLUMNS = sizeof conflict_types / sizeof *conflict_types };

static int conflict_line(trail_conn *db, void *row, void *userdata)
{
    trail_value v[CONFLICT_COLUMNS];
    int rc = trail__row_read(db, row, conflict_types, v, CONFLICT_COLUMNS);
    if (rc < 0)
        return rc;
    char text[8192];
    size_t at = 0;
    for (size_t i = 0; i < CONFLICT_COLUMNS && at < sizeof text; i++) {
        const char *sep = i ? " " : "", *name = conflict_names[i], *eq = i ? "=" : "";
        at += (size_t)(v[i].type == TRAIL_V_NULL
                           ? snprintf(text + at, sizeof text - at, "%s%s%sNULL", sep, name, eq)
                       : conflict_types[i] == TRAIL_V_INT
                           ? snprintf(text + at, sizeof text - at, "%s%s%s%" PRId64, sep, name, eq,
                                      v[i].i)
                           : snprintf(text + at, sizeof text - at, "%s%s%s%.*s", sep, name, eq,
                                      (int)v[i].n, v[i].s));
    }
    assert_true(at < sizeof text);
    it_add_line(userdata, "%s", text);
    return 0;
}

static void conflicts_of(trail_conn *db, it_lines *out)
{
    IT_OK(db, db->drv->query_once(db, conflict_sql, NULL, 0, conflict_line, out, NULL));
    it_lines_sort(out);
}

/* ---- what each record must be ----------------------------------------------------- */

/* What the test's own writes decide of a record no other node wrote, on every node. */
static void as_owner_wrote(const world *w, int node, const it_lines *customers,
                           const it_lines *orders)
{
    for (size_t i = 0; i < w->nrecs; i++) {
        const rec *x = &w->recs[i];
        if (x->raced)
            continue;
        const char *row = row_of(x->order ? orders : customers, x->id);
        /* Delete wins through a reference too: an order whose customer was deleted is gone. */
        bool gone = x->gone || (x->order && w->recs[x->customer].gone);
        if (gone && row)
            converge_fail(w, "node %d: %s %s was deleted%s, and is there: %s", node,
                          x->order ? "order" : "customer", x->id,
                          x->gone ? "" : " with its customer", row);
        if (gone)
            continue;
        char want[64];
        snprintf(want, sizeof want, "%s %s v%" PRId64 " ", x->id, x->order ? "order" : "customer",
                 x->version);
        if (!row || strncmp(row, want, strlen(want)) != 0)
            converge_fail(
                w, "node %d: %s %s, written by node %d only, should be at version %" PRId64 ": %s",
                node, x->order ? "order" : "customer", x->id, x->owner, x->version,
                row ? row : "no row");
    }
}

/* Each row at the version its record's edits held make it (docs/replication.md, "Version"). */
static void versions_counted(const world *w, int node, const it_lines *rows, const it_lines *edits)
{
    for (size_t k = 0; k < rows->n; k++) {
        char *const *found =
            bsearch(rows->line[k], edits->line, edits->n, sizeof *edits->line, by_id_prefix);
        int64_t version = -1, count = -1;
        sscanf(rows->line[k], "%*s %*s v%" SCNd64, &version);
        if (found)
            sscanf(*found, "%*s %" SCNd64, &count);
        if (version != count)
            converge_fail(w,
                          "node %d: a row at version %" PRId64 " where %" PRId64
                          " insert, update and resolve events of its record are held: %s",
                          node, version, count < 0 ? 0 : count, rows->line[k]);
    }
}

/* No row of a record that a delete event ended. */
static void none_deleted(const world *w, int node, const it_lines *rows, const it_lines *deleted)
{
    for (size_t k = 0; k < rows->n; k++) {
        char *const *found =
            bsearch(rows->line[k], deleted->line, deleted->n, sizeof *deleted->line, by_id_prefix);
        if (found)
            converge_fail(w, "node %d: a delete event ended %s, and its row is there: %s", node,
                          *found, rows->line[k]);
    }
}

void converge_check(world *w)
{
    it_lines deleted = { 0 }, edits = { 0 }, customers0 = { 0 }, orders0 = { 0 },
             conflicts0 = { 0 };
    same_events(w, &deleted, &edits);
    for (int i = 0; i < NODES; i++) {
        trail_conn *db = w->node[i].db;
        it_lines customers = { 0 }, orders = { 0 }, conflicts = { 0 };
        IT_OK(db, shop_customer_list(db, NULL, 1 << 30, customer_line, &customers));
        IT_OK(db, shop_order_list(db, NULL, 1 << 30, order_line, &orders));
        it_lines_sort(&customers);
        it_lines_sort(&orders);
        conflicts_of(db, &conflicts);
        if (i == 0) {
            customers0 = customers;
            orders0 = orders;
            conflicts0 = conflicts;
            w->conflicts = (int64_t)conflicts.n;
        } else {
            same_lines(w, "customers", i, &customers, &customers0);
            same_lines(w, "orders", i, &orders, &orders0);
            same_lines(w, "trail_conflicts", i, &conflicts, &conflicts0);
        }
        none_deleted(w, i, &customers, &deleted);
        none_deleted(w, i, &orders, &deleted);
        versions_counted(w, i, &customers, &edits);
        versions_counted(w, i, &orders, &edits);
        as_owner_wrote(w, i, &customers, &orders);
        int64_t held = converge_quarantined(db);
        if (held != 0)
            converge_fail(w, "node %d holds %" PRId64 " events in quarantine", i, held);
        if (!w->race && conflicts.n)
            converge_fail(w, "node %d: %zu conflicts, where no record had two writers: %s", i,
                          conflicts.n, conflicts.line[0]);
        if (i) {
            it_lines_free(&customers);
            it_lines_free(&orders);
            it_lines_free(&conflicts);
        }
    }
    /* Last: verify explains a difference less directly than the lines above. */
    for (int i = 0; i < NODES; i++)
        it_verify_clean(&w->node[i]);
    it_lines_free(&customers0);
    it_lines_free(&orders0);
    it_lines_free(&conflicts0);
    it_lines_free(&deleted);
    it_lines_free(&edits);
}
