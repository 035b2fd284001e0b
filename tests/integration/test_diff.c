/*
 * test_diff.c - trail_diff() between two engines (issue 18, item 6;
 * docs/replication.md "Diff").
 *
 * The pair comes from TRAIL_SYNC_PAIR as in test_sync.c ("sqlite:sqlite",
 * the default; "sqlite:pg", "pg:mysql", "mysql:sqlite"): the first engine is
 * node A, the second node B. With TRAIL_DIFF_SCALE_ROWS set, only the scale
 * test runs: that many rows on two SQLite files, 10 of them made to differ.
 */
#define _POSIX_C_SOURCE 200809L /* clock_gettime */
#include "it_common.h"
#include "trail/diff.h"
#include "trail/sync.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum { A, B, NODES };

typedef struct diff_test {
    it_db node[NODES];
} diff_test;

static int teardown(void **state)
{
    diff_test *s = *state;
    if (s)
        it_nodes_close(s->node, NODES);
    free(s);
    return 0;
}

static int setup_engines(void **state, const char *a, const char *b)
{
    diff_test *s = calloc(1, sizeof *s);
    if (!(*state = s))
        return -1;
    const char *engines[NODES] = { a, b };
    if (it_nodes_open(s->node, NODES, engines) < 0)
        return teardown(state), -1;
    return 0;
}

static int setup(void **state)
{
    char a[16], b[16];
    if (it_sync_pair(a, b) < 0)
        return -1;
    return setup_engines(state, a, b);
}

static int setup_sqlite(void **state)
{
    return setup_engines(state, "sqlite", "sqlite");
}

/* ---- what trail_diff() reported ------------------------------------------ */

typedef struct found {
    char table[32], id[64], fields[256];
    trail_diff_kind kind;
    int64_t version_a, version_b;
    bool deleted_a, deleted_b, values_a, values_b;
} found;

typedef struct findings {
    found f[64];
    size_t n;
} findings;

static int collect(void *userdata, const trail_diff_record *r)
{
    findings *fs = userdata;
    if (fs->n == sizeof fs->f / sizeof fs->f[0])
        return 1;
    found *f = &fs->f[fs->n++];
    snprintf(f->table, sizeof f->table, "%s", r->table);
    snprintf(f->id, sizeof f->id, "%s", r->record_id);
    snprintf(f->fields, sizeof f->fields, "%s", r->fields ? r->fields : "");
    f->kind = r->kind;
    f->version_a = r->version_a;
    f->version_b = r->version_b;
    f->deleted_a = r->deleted_a;
    f->deleted_b = r->deleted_b;
    f->values_a = r->values_a != NULL;
    f->values_b = r->values_b != NULL;
    return 0;
}

static const found *find(const findings *fs, const char *id)
{
    for (size_t i = 0; i < fs->n; i++)
        if (strcmp(fs->f[i].id, id) == 0)
            return &fs->f[i];
    print_error("record %s was not reported\n", id);
    fail();
    return NULL;
}

static void diff_ok(trail_conn *a, trail_conn *b, int fan_out, int leaf, findings *fs,
                    trail_diff_stats *st)
{
    trail_diff_opts o = TRAIL_DIFF_OPTS_INIT;
    o.fan_out = fan_out;
    o.leaf_size = leaf;
    o.record = collect;
    o.userdata = fs;
    memset(fs, 0, sizeof *fs);
    IT_OK(a, trail_diff(a, b, &o, st));
    assert_int_equal(st->only_a + st->only_b + st->changed, (int64_t)fs->n);
}

static void sync_ok(trail_conn *src, trail_conn *dst)
{
    trail_sync_stats st;
    IT_OK(dst, trail_sync(src, dst, NULL, &st));
    assert_int_equal(st.refused, 0);
    assert_int_equal(st.held, 0);
}

/* ---- the records ------------------------------------------------------------ */

enum { N_CUSTOMERS = 40 };

typedef struct records {
    shop_customer c[N_CUSTOMERS];
    char order_id[TRAIL_ULID_LEN + 1];
} records;

/* On @db: customers with every type set (prefs in a spelling jsonb changes), and one order. */
static void make_records(trail_conn *db, records *r)
{
    static const unsigned char bytes[] = { 0, 1, 2, 0xfe, 0xff };
    for (int i = 0; i < N_CUSTOMERS; i++) {
        char email[64];
        snprintf(email, sizeof email, "c%d@x.org", i);
        shop_customer_create_params p = SHOP_CUSTOMER_CREATE_INIT;
        p.email = email;
        p.name = "Zoë \"Q\" \\ Tab\t";
        p.tier = SHOP_CUSTOMER_TIER_PRO;
        p.credit = INT64_MAX - i;
        p.rating = 0.1;
        p.rating_null = false;
        p.born = -719162;
        p.born_null = false;
        p.seen_at = 253402300799999;
        p.seen_at_null = false;
        p.avatar = (trail_blob){ bytes, sizeof bytes };
        p.prefs = "{\"b\": [1e3, 2.50, \"x\"],  \"a\": -0, \"long key\": {\"z\": 1, \"y\": null}}";
        p.secret = "hunter2";
        IT_OK(db, shop_customer_create(db, &it_full_ctx, &p, &r->c[i]));
    }
    shop_order_create_params o = SHOP_ORDER_CREATE_INIT;
    o.customer = r->c[0].id;
    o.total = 4200;
    o.note = "left out of events";
    shop_order order = { 0 };
    IT_OK(db, shop_order_create(db, NULL, &o, &order));
    snprintf(r->order_id, sizeof r->order_id, "%s", order.id);
    shop_order_clear(&order);
}

static void records_clear(records *r)
{
    for (int i = 0; i < N_CUSTOMERS; i++)
        shop_customer_clear(&r->c[i]);
}

/* ---- tests ------------------------------------------------------------------- */

/* Two nodes synced hold the same rows, whatever the engines respell; each with itself too. */
static void test_equal_after_sync(void **state)
{
    diff_test *s = *state;
    trail_conn *a = s->node[A].db, *b = s->node[B].db;
    findings fs;
    trail_diff_stats st;
    diff_ok(a, b, 0, 0, &fs, &st);
    assert_int_equal(fs.n, 0);
    assert_int_equal(st.hashes, 0); /* empty: the counts say it */

    records r;
    make_records(a, &r);
    sync_ok(a, b);
    diff_ok(a, b, 0, 0, &fs, &st);
    assert_int_equal(fs.n, 0);
    assert_int_equal(st.count_a, N_CUSTOMERS + 1);
    assert_int_equal(st.count_b, N_CUSTOMERS + 1);
    /* customers: one cut into 4 parts, both sides' hashes; orders: one leaf of 1 a side */
    assert_int_equal(st.hashes, 2 * 4 + 2);
    assert_int_equal(st.rows_a, N_CUSTOMERS + 1);
    diff_ok(b, a, 2, 1, &fs, &st);
    assert_int_equal(fs.n, 0);
    diff_ok(a, a, 0, 0, &fs, &st);
    assert_int_equal(fs.n, 0);
    records_clear(&r);
}

/*
 * Records changed behind trail's back and through the API, on both sides,
 * are reported, each once, as what they are; fields kept out of events are
 * not compared.
 */
static void test_reports_exactly_the_differences(void **state)
{
    diff_test *s = *state;
    trail_conn *a = s->node[A].db, *b = s->node[B].db;
    records r;
    make_records(a, &r);
    sync_ok(a, b);

    /* Behind trail's back. */
    it_tamper(&s->node[B], "UPDATE \"customers\" SET \"name\" = 'raw' WHERE \"id\" = '%s'",
              r.c[3].id);
    it_tamper(&s->node[A], "DELETE FROM \"customers\" WHERE \"id\" = '%s'", r.c[7].id);
    it_tamper(&s->node[B], "UPDATE \"customers\" SET \"version\" = 9 WHERE \"id\" = '%s'",
              r.c[11].id);
    it_tamper(&s->node[B], "UPDATE \"customers\" SET \"prefs\" = '{\"a\": 1}' WHERE \"id\" = '%s'",
              r.c[12].id);
    /* kept out of events (redact, omit): not compared */
    it_tamper(&s->node[B], "UPDATE \"customers\" SET \"secret\" = 'other' WHERE \"id\" = '%s'",
              r.c[13].id);
    it_tamper(&s->node[B], "UPDATE \"orders\" SET \"note\" = 'other' WHERE \"id\" = '%s'",
              r.order_id);

    /* Through the API. */
    shop_customer_update_params u = { .id = r.c[20].id, .version = r.c[20].version };
    u.set = SHOP_CUSTOMER_CREDIT | SHOP_CUSTOMER_ACTIVE;
    u.credit = 5;
    u.active = false;
    IT_OK(a, shop_customer_update(a, NULL, &u, NULL));
    IT_OK(b, shop_customer_delete(b, NULL, r.c[30].id, r.c[30].version));
    shop_customer fresh = { 0 };
    it_customer(b, "fresh@x.org", &fresh);

    findings fs;
    trail_diff_stats st;
    int shapes[][2] = { { 0, 0 }, { 2, 1 }, { 64, 1024 }, { 3, 2 } };
    for (size_t k = 0; k < sizeof shapes / sizeof shapes[0]; k++) {
        diff_ok(a, b, shapes[k][0], shapes[k][1], &fs, &st);
        assert_int_equal(fs.n, 7);
        assert_int_equal(st.only_a, 1);
        assert_int_equal(st.only_b, 2);
        assert_int_equal(st.changed, 4);
        const found *f = find(&fs, r.c[3].id);
        assert_int_equal(f->kind, TRAIL_DIFF_CHANGED);
        assert_int_equal(f->version_a, 1);
        assert_int_equal(f->version_b, 1);
        assert_string_equal(f->fields, "[\"name\"]");
        assert_true(f->values_a && f->values_b);
        f = find(&fs, r.c[7].id);
        assert_int_equal(f->kind, TRAIL_DIFF_ONLY_B);
        assert_false(f->deleted_a); /* gone behind trail's back: no tombstone */
        assert_false(f->values_a);
        assert_true(f->values_b);
        assert_string_equal(f->table, "customers");
        f = find(&fs, r.c[11].id);
        assert_int_equal(f->kind, TRAIL_DIFF_CHANGED);
        assert_int_equal(f->version_b, 9);
        assert_string_equal(f->fields, "[]");
        f = find(&fs, r.c[12].id);
        assert_string_equal(f->fields, "[\"prefs\"]");
        f = find(&fs, r.c[20].id);
        assert_int_equal(f->kind, TRAIL_DIFF_CHANGED);
        assert_int_equal(f->version_a, 2);
        assert_int_equal(f->version_b, 1);
        assert_string_equal(f->fields, "[\"credit\",\"active\"]");
        f = find(&fs, r.c[30].id);
        assert_int_equal(f->kind, TRAIL_DIFF_ONLY_A);
        assert_true(f->deleted_b);
        assert_int_equal(f->version_a, 1);
        assert_int_equal(f->version_b, 0);
        f = find(&fs, fresh.id);
        assert_int_equal(f->kind, TRAIL_DIFF_ONLY_B);
        assert_false(f->deleted_a);
        /* in key order */
        for (size_t i = 1; i < fs.n; i++)
            assert_true(strcmp(fs.f[i - 1].id, fs.f[i].id) < 0);
    }

    /* The other way round, the sides swap. */
    diff_ok(b, a, 0, 0, &fs, &st);
    assert_int_equal(st.only_a, 2);
    assert_int_equal(st.only_b, 1);
    assert_true(find(&fs, r.c[30].id)->deleted_a);

    /* Synced both ways, what trail did converges: only what went behind its back is left. */
    sync_ok(a, b);
    sync_ok(b, a);
    diff_ok(a, b, 0, 0, &fs, &st);
    assert_int_equal(fs.n, 4);
    assert_int_equal(find(&fs, r.c[3].id)->kind, TRAIL_DIFF_CHANGED);
    assert_int_equal(find(&fs, r.c[7].id)->kind, TRAIL_DIFF_ONLY_B);
    assert_int_equal(find(&fs, r.c[11].id)->kind, TRAIL_DIFF_CHANGED);
    assert_int_equal(find(&fs, r.c[12].id)->kind, TRAIL_DIFF_CHANGED);

    shop_customer_clear(&fresh);
    records_clear(&r);
}

static int stop_at_first(void *userdata, const trail_diff_record *r)
{
    (void)r;
    ++*(int *)userdata;
    return 1;
}

/* Stopped by its callback, refused for bad options and for different schema versions. */
static void test_stop_and_refusals(void **state)
{
    diff_test *s = *state;
    trail_conn *a = s->node[A].db, *b = s->node[B].db;
    shop_customer x = { 0 }, y = { 0 };
    it_customer(a, "x@x.org", &x);
    it_customer(b, "y@x.org", &y);
    int calls = 0;
    trail_diff_opts o = TRAIL_DIFF_OPTS_INIT;
    o.record = stop_at_first;
    o.userdata = &calls;
    trail_diff_stats st;
    IT_OK(a, trail_diff(a, b, &o, &st));
    assert_int_equal(calls, 1);

    o.fan_out = 1;
    IT_EXPECT(a, TRAIL_EARG, trail_diff(a, b, &o, &st));
    IT_MSG(a, "fan_out 1");
    o.fan_out = 0;
    o.leaf_size = 2000;
    IT_EXPECT(a, TRAIL_EARG, trail_diff(a, b, &o, &st));
    IT_EXPECT(a, TRAIL_EARG, trail_diff(a, NULL, NULL, &st));
    IT_OK(a, trail_begin(a));
    IT_EXPECT(a, TRAIL_EARG, trail_diff(a, b, NULL, &st));
    IT_OK(a, trail_rollback(a));

    /* B's description of shop at another version: nothing compared. */
    it_tamper(&s->node[B],
              "UPDATE \"trail_meta\" SET \"value\" = REPLACE(\"value\", '\"version\":1', "
              "'\"version\":2') WHERE \"key\" = 'schema.shop.model'");
    IT_EXPECT(a, TRAIL_EINVALID, trail_diff(a, b, NULL, &st));
    IT_MSG(a, "customers", "version 1 on A and 2 on B");
    assert_int_equal(st.tables, 0);
    shop_customer_clear(&x);
    shop_customer_clear(&y);
}

/* ---- the scale test ------------------------------------------------------------ */

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/*
 * @rows orders on two SQLite nodes (inserted behind trail's back, in one
 * transaction: diff reads rows, not events), 10 made to differ: the hashes
 * exchanged stay within a few times 10 × log2(rows), far below the rows.
 */
static void test_scale(void **state)
{
    diff_test *s = *state;
    int64_t rows = strtoll(getenv("TRAIL_DIFF_SCALE_ROWS"), NULL, 10);
    trail_conn *a = s->node[A].db, *b = s->node[B].db;
    shop_customer c = { 0 };
    it_customer(a, "scale@x.org", &c);
    sync_ok(a, b);
    double t0 = now_s();
    assert_int_equal(raw_exec(s->node[A].url,
                              "BEGIN; WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 "
                              "FROM n WHERE i < %" PRId64 " - 1) "
                              "INSERT INTO \"orders\" (\"id\", \"version\", \"customer\", "
                              "\"total\", \"note\") SELECT printf('01JD%%022d', i * 7919), 1, "
                              "'%s', i, NULL FROM n; COMMIT",
                              rows, c.id),
                     0);
    assert_int_equal(raw_exec(s->node[B].url,
                              "ATTACH '%s/x.db' AS a; BEGIN; INSERT INTO \"orders\" SELECT * "
                              "FROM a.\"orders\"; COMMIT; DETACH a",
                              s->node[A].dir),
                     0);
    double t1 = now_s();
    /* 10 differences, spread over the keys: 4 changed, 3 gone from B, 3 only on B */
    for (int k = 0; k < 4; k++)
        it_tamper(
            &s->node[B],
            "UPDATE \"orders\" SET \"total\" = -1 WHERE \"id\" = printf('01JD%%022d', %" PRId64
            " * 7919)",
            rows / 10 * k + 17);
    for (int k = 4; k < 7; k++)
        it_tamper(&s->node[B],
                  "DELETE FROM \"orders\" WHERE \"id\" = printf('01JD%%022d', %" PRId64 " * 7919)",
                  rows / 10 * k + 17);
    for (int k = 7; k < 10; k++)
        it_tamper(&s->node[B],
                  "INSERT INTO \"orders\" VALUES (printf('01JD%%022d', %" PRId64
                  " * 7919 + 1), 1, '%s', 5, NULL)",
                  rows / 10 * k + 17, c.id);
    findings fs;
    trail_diff_stats st;
    double t2 = now_s();
    diff_ok(a, b, 0, 0, &fs, &st);
    double t3 = now_s();
    double bound = 6.0 * 10 * log2((double)rows);
    print_message("diff of %" PRId64 " rows, 10 differences: %" PRId64
                  " hashes (bound %.0f), %" PRId64 " keys, %" PRId64 " ranges, %" PRId64
                  " + %" PRId64 " rows read; %.1f s to insert, %.1f s to diff\n",
                  rows, st.hashes, bound, st.keys, st.ranges, st.rows_a, st.rows_b, t1 - t0,
                  t3 - t2);
    assert_int_equal(fs.n, 10);
    assert_int_equal(st.changed, 4);
    assert_int_equal(st.only_a, 3);
    assert_int_equal(st.only_b, 3);
    assert_int_equal(st.count_a, rows + 1);
    assert_true((double)st.hashes <= bound);
    assert_true(st.hashes * 100 < rows);
    shop_customer_clear(&c);
}

int main(void)
{
    const char *scale = getenv("TRAIL_DIFF_SCALE_ROWS");
    if (scale && *scale) {
        const struct CMUnitTest tests[] = {
            cmocka_unit_test_setup_teardown(test_scale, setup_sqlite, teardown),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_equal_after_sync, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reports_exactly_the_differences, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stop_and_refusals, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
