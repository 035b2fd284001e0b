/*
 * sync/diff.c - trail_diff(): the records on which two nodes differ, by
 * hashes of key ranges (trail/diff.h, docs/replication.md "Diff").
 *
 * Both connections are in this process, but every step is one the two
 * sides could take over a wire, and stats counts what would cross it: the
 * counts of a table (not hashes), then per range that differs either the
 * parts it is cut into (the cutting side's keys and both sides' part
 * hashes) or, at a leaf, both sides' records' hashes. A range is descended
 * into depth first, so the records that differ come out in key order.
 */
#define _POSIX_C_SOURCE 200809L /* clock_gettime, strdup */
#include "trail/diff.h"
#include "audit/event_columns.h"
#include "audit/json_form.h"
#include "core/json.h"
#include "driver/driver.h"
#include "driver/sql.h"
#include "sync/range_hash.h"
#include "sync/schemas.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum { SIDE_A, SIDE_B };

typedef struct differ {
    trail_conn *db[2];
    const trail_diff_opts *o;
    trail_diff_stats *st;
    int fan_out, leaf_size;
    int64_t start_ms;
    const trail_entity *e;
    trail__range_reader r[2];
    int stopped; /* what a callback stopped with */
} differ;

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* @side's failure, as @a's error: B's message is named as B's. */
static int failed(differ *d, int side, int rc)
{
    if (side == SIDE_B)
        return trail__err_set(&d->db[SIDE_A]->err, rc, "B: %s", trail_errmsg(d->db[SIDE_B]));
    return rc;
}

static int progress(differ *d)
{
    d->st->elapsed_ms = mono_ms() - d->start_ms;
    if (d->o->progress && (d->stopped = d->o->progress(d->o->userdata, d->st)) != 0)
        return d->stopped;
    return TRAIL_OK;
}

/* ---- a range cut into parts ------------------------------------------------ */

typedef struct cutting {
    int64_t count, seen;
    int parts;
    char **bounds;          /* bounds[i]: the first key of part i + 1 */
    trail__range_sum *sums; /* per part */
    trail_conn *db;
} cutting;

/* The cutting side: rows in key order, part i from row count * i / parts on. */
static int cut_row(void *userdata, const trail__range_row *row)
{
    cutting *c = userdata;
    int part = (int)(c->seen * c->parts / c->count);
    if (part >= c->parts)
        part = c->parts - 1; /* more rows than counted: the snapshot forbids it, but stay inside */
    if (part > 0 && !c->bounds[part - 1] && !(c->bounds[part - 1] = strdup(row->key)))
        return trail__err_set(&c->db->err, TRAIL_ENOMEM, "out of memory");
    trail__range_sum_add(&c->sums[part], row->digest);
    c->seen++;
    return 0;
}

/* The other side: each row into the part its key falls in. */
static int sort_row(void *userdata, const trail__range_row *row)
{
    cutting *c = userdata;
    int lo = 0, hi = c->parts - 1; /* the last part whose first key is at most row->key */
    while (lo < hi) {
        int mid = (lo + hi + 1) / 2;
        if (strcmp(c->bounds[mid - 1], row->key) <= 0)
            lo = mid;
        else
            hi = mid - 1;
    }
    trail__range_sum_add(&c->sums[lo], row->digest);
    return 0;
}

static int step(differ *d, const char *lo, const char *hi, int64_t count_a, int64_t count_b);

/*
 * The range [@lo, @hi) cut into parts at the keys of the side with more
 * rows there, both sides' part hashes exchanged, and each part whose
 * hashes differ looked into.
 */
static int split(differ *d, const char *lo, const char *hi, int64_t count_a, int64_t count_b)
{
    int cutter = count_a >= count_b ? SIDE_A : SIDE_B, other = 1 - cutter;
    int64_t count = cutter == SIDE_A ? count_a : count_b;
    int parts = count < d->fan_out ? (int)count : d->fan_out;
    int rc = TRAIL_ENOMEM;
    cutting c[2] = { { .count = count, .parts = parts, .db = d->db[cutter] },
                     { .parts = parts, .db = d->db[other] } };
    char **bounds = calloc((size_t)parts, sizeof *bounds);
    trail__range_sum *sums = calloc(2 * (size_t)parts, sizeof *sums);
    if (!bounds || !sums) {
        rc = trail__err_set(&d->db[SIDE_A]->err, TRAIL_ENOMEM, "out of memory");
        goto done;
    }
    c[0].bounds = c[1].bounds = bounds;
    c[0].sums = sums;
    c[1].sums = sums + parts;
    if ((rc = trail__range_rows(&d->r[cutter], lo, hi, false, cut_row, &c[0])) < 0) {
        rc = failed(d, cutter, rc);
        goto done;
    }
    for (int i = 0; i < parts - 1; i++)
        if (!bounds[i]) { /* fewer rows than counted */
            rc = trail__err_set(&d->db[SIDE_A]->err, TRAIL_EDB,
                                "%s: the rows changed while they were read", d->e->table);
            goto done;
        }
    if ((rc = trail__range_rows(&d->r[other], lo, hi, false, sort_row, &c[1])) < 0) {
        rc = failed(d, other, rc);
        goto done;
    }
    d->st->keys += parts - 1;
    d->st->hashes += 2 * (int64_t)parts;
    d->st->ranges += parts;
    if ((rc = progress(d)) != TRAIL_OK)
        goto done;
    const trail__range_sum *at_a = cutter == SIDE_A ? c[0].sums : c[1].sums;
    const trail__range_sum *at_b = cutter == SIDE_A ? c[1].sums : c[0].sums;
    for (int i = 0; i < parts && rc == TRAIL_OK; i++)
        if (!trail__range_sum_equal(&at_a[i], &at_b[i]))
            rc = step(d, i ? bounds[i - 1] : lo, i < parts - 1 ? bounds[i] : hi, at_a[i].count,
                      at_b[i].count);
done:
    for (int i = 0; bounds && i < parts; i++)
        free(bounds[i]);
    free(bounds);
    free(sums);
    return rc;
}

/* ---- a leaf: record by record ---------------------------------------------- */

typedef struct leaf_row {
    char *key;
    int64_t version;
    unsigned char digest[32];
    char *canonical, *values;
} leaf_row;

typedef struct leaf {
    leaf_row *rows;
    size_t n, cap;
    trail_conn *db;
} leaf;

static int leaf_add(void *userdata, const trail__range_row *row)
{
    leaf *l = userdata;
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 16;
        leaf_row *more = realloc(l->rows, cap * sizeof *more);
        if (!more)
            return trail__err_set(&l->db->err, TRAIL_ENOMEM, "out of memory");
        l->rows = more;
        l->cap = cap;
    }
    leaf_row *r = &l->rows[l->n];
    *r = (leaf_row){ .key = strdup(row->key),
                     .version = row->version,
                     .canonical = strdup(row->canonical),
                     .values = strdup(row->values) };
    memcpy(r->digest, row->digest, sizeof r->digest);
    l->n++;
    if (!r->key || !r->canonical || !r->values)
        return trail__err_set(&l->db->err, TRAIL_ENOMEM, "out of memory");
    return 0;
}

static void leaf_free(leaf *l)
{
    for (size_t i = 0; i < l->n; i++) {
        free(l->rows[i].key);
        free(l->rows[i].canonical);
        free(l->rows[i].values);
    }
    free(l->rows);
}

static int by_key(const void *x, const void *y)
{
    return strcmp(((const leaf_row *)x)->key, ((const leaf_row *)y)->key);
}

static int delete_op(trail_conn *db, void *row, void *userdata)
{
    trail_value v;
    int rc = db->drv->column(db, row, TRAIL_EV_op, TRAIL_V_TEXT, &v);
    if (rc < 0)
        return rc;
    if (v.n == 6 && memcmp(v.s, "delete", 6) == 0)
        *(bool *)userdata = true;
    return 0;
}

/*
 * Whether @side deleted the record @key of the table: a tombstone (a
 * delete applied from another node), or a delete among its events (one
 * of its own writes, which leaves none), as sync/rows.c tells.
 */
static int deleted(differ *d, int side, const char *key, bool *out)
{
    trail_conn *db = d->db[side];
    int64_t version = -1;
    trail_value p[2] = { trail_v_text(d->e->table), trail_v_text(key) };
    int rc = trail__conn_query_int(db, db->drv->sql->tombstone_get, p, 2, &version);
    *out = version >= 0;
    if (rc == TRAIL_OK && !*out)
        rc = db->drv->query(db, db->drv->sql->events_of_record, p, 2, delete_op, out, NULL);
    return rc < 0 ? failed(d, side, rc) : TRAIL_OK;
}

/* The JSON array of the fields whose canonical values differ between @x and @y, into @out. */
static int fields_of(differ *d, const leaf_row *x, const leaf_row *y, trail_buf *out)
{
    json_t *jx = json_loads(x->canonical, 0, NULL), *jy = json_loads(y->canonical, 0, NULL);
    trail_json w;
    trail__json_init(&w, out);
    trail__json_begin_array(&w);
    for (size_t k = 2; k < d->e->n_fields + 2; k++) {
        const char *key;
        trail_json_form form;
        if (!trail__json_form_member(d->e, k, &key, &form))
            continue;
        json_t *vx = jx ? json_object_get(jx, key) : NULL,
               *vy = jy ? json_object_get(jy, key) : NULL;
        if (!vx || !vy || !json_equal(vx, vy))
            trail__json_text(&w, key);
    }
    trail__json_end_array(&w);
    json_decref(jx);
    json_decref(jy);
    int rc = trail__json_finish(&w);
    return rc < 0 ? trail__err_set(&d->db[SIDE_A]->err, rc, "out of memory") : TRAIL_OK;
}

/* One record that differs: @x its row on A, @y on B (either NULL). */
static int report(differ *d, const leaf_row *x, const leaf_row *y)
{
    trail_diff_record rec = {
        .table = d->e->table,
        .record_id = x ? x->key : y->key,
        .kind = !y   ? TRAIL_DIFF_ONLY_A
                : !x ? TRAIL_DIFF_ONLY_B
                     : TRAIL_DIFF_CHANGED,
        .version_a = x ? x->version : 0,
        .version_b = y ? y->version : 0,
        .values_a = x ? x->values : NULL,
        .values_b = y ? y->values : NULL,
    };
    trail_buf fields = TRAIL_BUF_INIT;
    int rc = TRAIL_OK;
    if (!x)
        rc = deleted(d, SIDE_A, rec.record_id, &rec.deleted_a);
    else if (!y)
        rc = deleted(d, SIDE_B, rec.record_id, &rec.deleted_b);
    else if ((rc = fields_of(d, x, y, &fields)) == TRAIL_OK)
        rec.fields = fields.data;
    if (rc == TRAIL_OK) {
        if (rec.kind == TRAIL_DIFF_ONLY_A)
            d->st->only_a++;
        else if (rec.kind == TRAIL_DIFF_ONLY_B)
            d->st->only_b++;
        else
            d->st->changed++;
        if (d->o->record && (d->stopped = d->o->record(d->o->userdata, &rec)) != 0)
            rc = d->stopped;
    }
    trail__buf_free(&fields);
    return rc;
}

/* The range [@lo, @hi), small on both sides: both sides' records' hashes exchanged. */
static int compare_leaf(differ *d, const char *lo, const char *hi)
{
    leaf l[2] = { { .db = d->db[SIDE_A] }, { .db = d->db[SIDE_B] } };
    int rc = TRAIL_OK;
    for (int side = 0; side < 2 && rc == TRAIL_OK; side++)
        if ((rc = trail__range_rows(&d->r[side], lo, hi, true, leaf_add, &l[side])) < 0)
            rc = failed(d, side, rc);
    if (rc < 0)
        goto done;
    d->st->hashes += (int64_t)(l[0].n + l[1].n);
    for (int side = 0; side < 2; side++)
        if (l[side].n > 1) /* no rows: no array at all */
            qsort(l[side].rows, l[side].n, sizeof *l[side].rows, by_key);
    for (size_t i = 0, j = 0; rc == TRAIL_OK && (i < l[0].n || j < l[1].n);) {
        const leaf_row *x = i < l[0].n ? &l[0].rows[i] : NULL;
        const leaf_row *y = j < l[1].n ? &l[1].rows[j] : NULL;
        int order = !x ? 1 : !y ? -1 : strcmp(x->key, y->key);
        if (order < 0) {
            rc = report(d, x, NULL);
            i++;
        } else if (order > 0) {
            rc = report(d, NULL, y);
            j++;
        } else {
            if (memcmp(x->digest, y->digest, sizeof x->digest) != 0)
                rc = report(d, x, y);
            i++;
            j++;
        }
    }
    if (rc == TRAIL_OK)
        rc = progress(d);
done:
    leaf_free(&l[0]);
    leaf_free(&l[1]);
    return rc;
}

static int step(differ *d, const char *lo, const char *hi, int64_t count_a, int64_t count_b)
{
    if (count_a == 0 && count_b == 0)
        return TRAIL_OK;
    if (count_a <= d->leaf_size && count_b <= d->leaf_size)
        return compare_leaf(d, lo, hi);
    return split(d, lo, hi, count_a, count_b);
}

/* ---- the tables ------------------------------------------------------------ */

static int compare_table(differ *d, const trail_entity *ea, const trail_entity *eb)
{
    int64_t count[2] = { 0, 0 };
    d->e = ea;
    int rc = trail__range_reader_init(&d->r[SIDE_A], d->db[SIDE_A], ea, &d->st->rows_a);
    if (rc == TRAIL_OK &&
        (rc = trail__range_reader_init(&d->r[SIDE_B], d->db[SIDE_B], eb, &d->st->rows_b)) < 0)
        rc = failed(d, SIDE_B, rc);
    for (int side = 0; side < 2 && rc == TRAIL_OK; side++)
        if ((rc = trail__range_count(&d->r[side], "", NULL, &count[side])) < 0)
            rc = failed(d, side, rc);
    if (rc == TRAIL_OK) {
        d->st->tables++;
        d->st->count_a += count[SIDE_A];
        d->st->count_b += count[SIDE_B];
        d->st->ranges++;
        rc = step(d, "", NULL, count[SIDE_A], count[SIDE_B]);
    }
    trail__range_reader_free(&d->r[SIDE_A]);
    trail__range_reader_free(&d->r[SIDE_B]);
    return rc;
}

/* The replicated entities of @s, each found in @t at the same version; else EINVALID. */
static int match(differ *d, const trail__sync_schemas *s, const trail__sync_schemas *t,
                 const char *here, const char *there)
{
    for (size_t i = 0; i < s->n_tables; i++) {
        const trail__sync_table *x = &s->tables[i];
        if (!x->replicate || x->e->key != TRAIL_KEY_ULID)
            continue;
        const trail__sync_table *y = trail__sync_schemas_table(t, x->e->table);
        if (!y || !y->replicate)
            return trail__err_set(&d->db[SIDE_A]->err, TRAIL_EINVALID,
                                  "table %s: %s replicates it, %s %s; migrate both to one "
                                  "version of the schema first (nothing was compared)",
                                  x->e->table, here, there,
                                  y ? "keeps its rows to itself" : "does not describe it");
        if (x->schema_version != y->schema_version)
            return trail__err_set(&d->db[SIDE_A]->err, TRAIL_EINVALID,
                                  "table %s: its schema is at version %lld on %s and %lld on %s; "
                                  "migrate both to one version first (nothing was compared)",
                                  x->e->table, (long long)x->schema_version, here,
                                  (long long)y->schema_version, there);
    }
    return TRAIL_OK;
}

static int snapshot(trail_conn *db)
{
    int rc = TRAIL_OK;
    const trail_runtime_sql *sql = db->drv->sql;
    for (size_t i = 0; rc == TRAIL_OK && i < 2 && sql->snapshot_begin[i]; i++)
        rc = db->drv->exec(db, sql->snapshot_begin[i]);
    return rc;
}

static void snapshot_end(trail_conn *db, bool *open)
{
    if (!*open)
        return;
    trail_err saved = db->err;
    db->drv->exec(db, "ROLLBACK"); /* only read: nothing to keep */
    db->err = saved;
    *open = false;
}

int trail_diff(trail_conn *a, trail_conn *b, const trail_diff_opts *opts, trail_diff_stats *stats)
{
    trail_diff_stats local;
    trail_diff_stats *st = stats ? stats : &local;
    static const trail_diff_opts defaults = TRAIL_DIFF_OPTS_INIT;
    memset(st, 0, sizeof *st);
    if (!opts)
        opts = &defaults;
    if (!a || !b)
        return a ? trail__err_set(&a->err, TRAIL_EARG, "trail_diff: no B") : TRAIL_EARG;
    if (a->in_tx || b->in_tx)
        return trail__err_set(&a->err, TRAIL_EARG,
                              "trail_diff: a connection is inside trail_begin(); a diff reads "
                              "in a transaction of its own");
    if (opts->fan_out && (opts->fan_out < 2 || opts->fan_out > 64))
        return trail__err_set(&a->err, TRAIL_EARG, "trail_diff: fan_out %d is not from 2 to 64",
                              opts->fan_out);
    if (opts->leaf_size && (opts->leaf_size < 1 || opts->leaf_size > 1024))
        return trail__err_set(&a->err, TRAIL_EARG, "trail_diff: leaf_size %d is not from 1 to 1024",
                              opts->leaf_size);
    differ d = { .db = { a, b },
                 .o = opts,
                 .st = st,
                 .fan_out = opts->fan_out ? opts->fan_out : 4,
                 .leaf_size = opts->leaf_size ? opts->leaf_size : 8,
                 .start_ms = mono_ms() };
    trail__sync_schemas s[2] = { { 0 }, { 0 } };
    bool open[2] = { false, false };
    int rc = trail__conn_need_tables(a);
    if (rc == TRAIL_OK && (rc = trail__conn_need_tables(b)) < 0)
        rc = failed(&d, SIDE_B, rc);
    for (int side = 0; side < 2 && rc == TRAIL_OK; side++) {
        /* One connection given twice reads both sides in its one snapshot. */
        if (side == SIDE_B && a == b)
            rc = trail__sync_schemas_load(b, &s[side]);
        else if ((rc = snapshot(d.db[side])) == TRAIL_OK) {
            open[side] = true;
            rc = trail__sync_schemas_load(d.db[side], &s[side]);
        }
        if (rc < 0)
            rc = failed(&d, side, rc);
    }
    if (rc == TRAIL_OK && (rc = match(&d, &s[SIDE_A], &s[SIDE_B], "A", "B")) == TRAIL_OK)
        rc = match(&d, &s[SIDE_B], &s[SIDE_A], "B", "A");
    for (size_t i = 0; rc == TRAIL_OK && i < s[SIDE_A].n_tables; i++) {
        const trail__sync_table *x = &s[SIDE_A].tables[i];
        if (x->replicate && x->e->key == TRAIL_KEY_ULID)
            rc = compare_table(&d, x->e, trail__sync_schemas_table(&s[SIDE_B], x->e->table)->e);
    }
    snapshot_end(a, &open[SIDE_A]);
    snapshot_end(b, &open[SIDE_B]);
    trail__sync_schemas_free(&s[SIDE_A]);
    trail__sync_schemas_free(&s[SIDE_B]);
    st->elapsed_ms = mono_ms() - d.start_ms;
    return d.stopped && rc == d.stopped ? TRAIL_OK : rc;
}
