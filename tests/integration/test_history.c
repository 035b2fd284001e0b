/*
 * test_history.c - reading history back and checking it: trail_verify()
 * clean after a mixed workload, its progress step by step, then broken,
 * naming the record, after an event's new_values is edited, an event is
 * deleted, or a live row is changed, deleted or inserted behind trail's
 * back; trail_as_of() before, during and after a record's life;
 * trail_events_since() paging through every event with a cursor.
 */
#define _POSIX_C_SOURCE 200809L
#include "it_common.h"

#include <stdlib.h>
#include <string.h>

/* ---- a workload over both schemas ----------------------------------------- */

/* What the workload leaves to tamper with. */
typedef struct workload {
    char customer[TRAIL_ULID_LEN + 1]; /* 3 events: insert, update, update */
    char other[TRAIL_ULID_LEN + 1];    /* another customer, 1 event */
    char sample[TRAIL_ULID_LEN + 1];
    int64_t account;
} workload;

static void run_workload(trail_conn *db, workload *w)
{
    shop_customer c = { 0 }, d = { 0 };
    it_customer(db, "w1@x.org", &c);
    it_customer(db, "w2@x.org", &d);
    for (int i = 0; i < 2; i++) {
        shop_customer_update_params u = {
            .id = c.id, .version = c.version, .set = SHOP_CUSTOMER_CREDIT, .credit = 10 * (i + 1)
        };
        IT_OK(db, shop_customer_update(db, &it_full_ctx, &u, &c));
    }
    snprintf(w->customer, sizeof w->customer, "%s", c.id);
    snprintf(w->other, sizeof w->other, "%s", d.id);

    /* A group, a deleted record, an int64 key, the other schema. */
    IT_OK(db, trail_begin(db));
    shop_order_create_params op = SHOP_ORDER_CREATE_INIT;
    op.customer = c.id;
    op.total = 99;
    op.note = "n";
    shop_order o = { 0 };
    IT_OK(db, shop_order_create(db, NULL, &op, &o));
    shop_product_create_params pp = SHOP_PRODUCT_CREATE_INIT;
    pp.sku = "W";
    pp.title = "t";
    pp.price = 1;
    shop_product p = { 0 };
    IT_OK(db, shop_product_create(db, NULL, &pp, &p));
    IT_OK(db, trail_commit(db));
    IT_OK(db, shop_order_delete(db, NULL, o.id, 1));
    w->account = it_account(db, "w");
    everything_sample_create_params sp = EVERYTHING_SAMPLE_CREATE_INIT;
    sp.payload = (trail_blob){ "\0", 1 };
    sp.owner = w->account;
    sp.code = 5;
    sp.token = "t";
    sp.scratch = "[]";
    everything_sample s = { 0 };
    IT_OK(db, everything_sample_create(db, NULL, &sp, &s));
    snprintf(w->sample, sizeof w->sample, "%s", s.id);
    everything_sample_clear(&s);
    shop_product_clear(&p);
    shop_order_clear(&o);
    shop_customer_clear(&c);
    shop_customer_clear(&d);
}

/* ---- verify -------------------------------------------------------------------- */

/*
 * Runs trail_verify() and fails unless it found problems, at least one of
 * them naming @table's record @id; with @only, every problem about a record
 * must be about that one.
 */
static void expect_broken(trail_conn *db, const char *table, const char *id, bool only)
{
    trail_verify_report r = { 0 };
    IT_OK(db, trail_verify(db, &r));
    bool named = false, others = false;
    for (size_t i = 0; i < r.n_problems; i++) {
        const trail_verify_problem *p = &r.problems[i];
        assert_non_null(p->what);
        assert_true(strlen(p->what) > 0);
        bool this_one = p->table_name && p->record_id && strcmp(p->table_name, table) == 0 &&
                        strcmp(p->record_id, id) == 0;
        named |= this_one;
        others |= p->record_id && !this_one;
    }
    if (!named || (only && others)) {
        print_error("trail_verify found %zu problem(s); expected %s %s %s\n", r.n_problems,
                    only ? "only" : "one naming", table, id);
        it_print_report(&r);
        trail_verify_report_free(&r);
        fail();
    }
    trail_verify_report_free(&r);
    trail_verify_report_free(NULL);
}

/* Every call of trail_verify_with()'s progress callback, as it was made. */
typedef struct progress_log {
    trail_verify_progress calls[64];
    size_t n;
} progress_log;

static void log_progress(void *userdata, const trail_verify_progress *p)
{
    progress_log *log = userdata;
    assert_true(log->n < sizeof log->calls / sizeof log->calls[0]);
    log->calls[log->n++] = *p;
}

/*
 * The progress callback sees every step that n_steps counts, and only
 * those: on each engine, steps 1 to n_steps in order, each started (done 0)
 * and finished, named as trail/verify.h says, with the engine's integrity
 * check first on the engines that have one (raw.c's integrity_check:
 * SQLite's).
 */
static void test_verify_progress(void **state)
{
    it_db *t = *state;
    workload w;
    run_workload(t->db, &w);
    progress_log log = { .n = 0 };
    trail_verify_opts opts = { .progress = log_progress, .userdata = &log };
    trail_verify_report r = { 0 };
    IT_OK(t->db, trail_verify_with(t->db, &opts, &r));
    assert_int_equal(r.n_problems, 0);

    bool integrity = it_engine(t)->integrity_check;
    static const char *const names[] = { "integrity check", "hash chains", "records and rows" };
    const char *const *want = integrity ? names : names + 1;
    int n_steps = integrity ? 3 : 2;
    assert_true(log.n >= 2 * (size_t)n_steps);
    int step = 0;
    for (size_t i = 0; i < log.n; i++) {
        const trail_verify_progress *p = &log.calls[i];
        assert_int_equal(p->n_steps, n_steps);
        if (p->step != step) { /* a step starts */
            assert_int_equal(p->step, step + 1);
            assert_true(i == 0 || log.calls[i - 1].finished);
            assert_false(p->finished);
            assert_int_equal(p->done, 0);
            step = p->step;
        }
        assert_string_equal(p->what, want[step - 1]);
        assert_int_equal(p->total, strcmp(p->what, "integrity check") == 0 ? -1 : r.events);
    }
    assert_int_equal(step, n_steps);
    assert_true(log.calls[log.n - 1].finished);
    assert_int_equal(log.calls[log.n - 1].done, r.events);
    trail_verify_report_free(&r);
}

static void test_verify_clean(void **state)
{
    it_db *t = *state;
    workload w;
    run_workload(t->db, &w);
    trail_verify_report r = { 0 };
    IT_OK(t->db, trail_verify(t->db, &r));
    if (r.n_problems) {
        it_print_report(&r);
        trail_verify_report_free(&r);
        fail();
    }
    assert_false(r.truncated);
    assert_int_equal(r.events, it_rows(t, "trail_change_events"));
    assert_int_equal(r.records, raw_count(t->url, "SELECT count(*) FROM (SELECT DISTINCT"
                                                  " \"table_name\", \"record_id\" FROM"
                                                  " \"trail_change_events\") AS r"));
    static const char *const tables[] = { "customers", "orders",  "products",  "order_line",
                                          "accounts",  "samples", "sample_tag" };
    int64_t live = 0;
    for (size_t i = 0; i < sizeof tables / sizeof tables[0]; i++)
        live += it_rows(t, tables[i]);
    assert_int_equal(r.rows, live);
    trail_verify_report_free(&r);
    assert_int_equal(r.n_problems, 0);
    assert_null(r.problems);
}

/* The event_id of the @n-th (from 0) event of a record. */
static char *event_of(trail_conn *db, const char *table, const char *id, size_t n)
{
    it_events evs;
    it_history(db, table, id, &evs);
    assert_true(evs.n > n);
    char *event_id = strdup(evs.ev[n].event_id);
    it_events_free(&evs);
    return event_id;
}

static void test_verify_edited_new_values(void **state)
{
    it_db *t = *state;
    workload w;
    run_workload(t->db, &w);
    /* The customer's middle event now says credit 11 instead of 10. */
    it_events evs;
    it_history(t->db, "customers", w.customer, &evs);
    assert_int_equal(evs.n, 3);
    json_t *v = json_loads(evs.ev[1].new_values, 0, NULL);
    assert_non_null(v);
    assert_int_equal(json_integer_value(json_object_get(v, "credit")), 10);
    json_object_set_new(v, "credit", json_integer(11));
    char *edited = json_dumps(v, JSON_COMPACT);
    assert_null(strchr(edited, '\''));
    it_tamper(t,
              "UPDATE \"trail_change_events\" SET \"new_values\" = '%s'"
              " WHERE \"event_id\" = '%s'",
              edited, evs.ev[1].event_id);
    free(edited);
    json_decref(v);
    it_events_free(&evs);
    expect_broken(t->db, "customers", w.customer, true);
}

static void test_verify_deleted_event(void **state)
{
    it_db *t = *state;
    workload w;
    run_workload(t->db, &w);
    char *middle = event_of(t->db, "customers", w.customer, 1);
    it_tamper(t, "DELETE FROM \"trail_change_events\" WHERE \"event_id\" = '%s'", middle);
    free(middle);
    /* The node's chain breaks at the next event, which may be another record's. */
    expect_broken(t->db, "customers", w.customer, false);

    /* The last event of a record goes: the live row has no event to match. */
    char *last = event_of(t->db, "samples", w.sample, 0);
    it_tamper(t, "DELETE FROM \"trail_change_events\" WHERE \"event_id\" = '%s'", last);
    free(last);
    expect_broken(t->db, "samples", w.sample, false);
}

static void test_verify_live_row_changed(void **state)
{
    it_db *t = *state;
    workload w;
    run_workload(t->db, &w);
    it_tamper(t, "UPDATE \"customers\" SET \"name\" = 'Mallory' WHERE \"id\" = '%s'", w.customer);
    expect_broken(t->db, "customers", w.customer, true);
}

static void test_verify_int64_row_changed(void **state)
{
    it_db *t = *state;
    workload w;
    run_workload(t->db, &w);
    it_tamper(t, "UPDATE \"accounts\" SET \"level\" = 7 WHERE \"id\" = %lld", (long long)w.account);
    char id[24];
    snprintf(id, sizeof id, "%lld", (long long)w.account);
    expect_broken(t->db, "accounts", id, true);
}

static void test_verify_row_deleted_behind_back(void **state)
{
    it_db *t = *state;
    workload w;
    run_workload(t->db, &w);
    it_tamper(t, "DELETE FROM \"samples\" WHERE \"id\" = '%s'", w.sample);
    expect_broken(t->db, "samples", w.sample, true);
}

static void test_verify_row_inserted_behind_back(void **state)
{
    it_db *t = *state;
    workload w;
    run_workload(t->db, &w);
    static const char ghost[] = "01ARZ3NDEKTSV4RRFFQ69G5FAV";
    it_tamper(t,
              "INSERT INTO \"customers\" (\"id\", \"version\", \"email\", \"name\","
              " \"tier\", \"credit\", \"active\", \"secret\")"
              " VALUES ('%s', 1, 'ghost@x.org', 'Ghost', 'free', 0, TRUE, 's')",
              ghost);
    expect_broken(t->db, "customers", ghost, true);
}

/* ---- as of -------------------------------------------------------------------- */

#define AS_OF_JSON                                                                                 \
    "{\"id\": \"%s\", \"version\": %d, \"email\": \"asof@x.org\", \"name\": \"Ann\","              \
    " \"tier\": \"free\", \"credit\": %d, \"rating\": null, \"active\": true, \"born\": null,"     \
    " \"seen_at\": null, \"avatar\": null, \"prefs\": null, \"secret\": \"[redacted]\"}"

static void test_as_of(void **state)
{
    trail_conn *db = ((it_db *)*state)->db;
    shop_customer c = { 0 }, stays = { 0 };
    it_customer(db, "asof@x.org", &c);
    char *id = strdup(c.id);
    shop_customer_update_params u = {
        .id = id, .version = 1, .set = SHOP_CUSTOMER_CREDIT, .credit = 8
    };
    IT_OK(db, shop_customer_update(db, NULL, &u, &c));
    it_customer(db, "stays@x.org", &stays);
    IT_OK(db, shop_customer_delete(db, NULL, id, 2));
    it_events evs;
    it_history(db, "customers", id, &evs);
    assert_int_equal(evs.n, 3);
    int64_t h1 = evs.ev[0].hlc, h2 = evs.ev[1].hlc, h3 = evs.ev[2].hlc;
    it_events_free(&evs);

    char *json = NULL;
    IT_EXPECT(db, TRAIL_ENOTFOUND, trail_as_of(db, "customers", id, h1 - 1, &json));
    assert_null(json);
    /* At each event and just before the next: (hlc, version, credit). */
    const int64_t at[][3] = { { h1, 1, 0 }, { h2 - 1, 1, 0 }, { h2, 2, 8 }, { h3 - 1, 2, 8 } };
    for (size_t i = 0; i < sizeof at / sizeof at[0]; i++) {
        IT_OK(db, trail_as_of(db, "customers", id, at[i][0], &json));
        IT_JSON_EQ(json, AS_OF_JSON, id, (int)at[i][1], (int)at[i][2]);
        free(json);
    }
    json = NULL;
    IT_EXPECT(db, TRAIL_ENOTFOUND, trail_as_of(db, "customers", id, h3, &json));
    IT_EXPECT(db, TRAIL_ENOTFOUND, trail_as_of(db, "customers", id, INT64_MAX, &json));
    /* Another table, a record never made. */
    IT_EXPECT(db, TRAIL_ENOTFOUND, trail_as_of(db, "orders", id, h2, &json));
    IT_EXPECT(db, TRAIL_ENOTFOUND, trail_as_of(db, "customers", "nobody", h2, &json));
    assert_null(json);
    /* A record still there, read at a time after its last event. */
    IT_OK(db, trail_as_of(db, "customers", stays.id, INT64_MAX, &json));
    IT_JSON_EQ(json,
               "{\"id\": \"%s\", \"version\": 1, \"email\": \"stays@x.org\", \"name\": \"Ann\","
               " \"tier\": \"free\", \"credit\": 0, \"rating\": null, \"active\": true,"
               " \"born\": null, \"seen_at\": null, \"avatar\": null, \"prefs\": null,"
               " \"secret\": \"[redacted]\"}",
               stays.id);
    free(json);
    free(id);
    shop_customer_clear(&c);
    shop_customer_clear(&stays);
}

/* ---- events since ------------------------------------------------------------- */

/* Collects event ids; stops (returning 1) at the event numbered stop_at, once. */
typedef struct seen {
    size_t n;
    char id[64][TRAIL_ULID_LEN + 1];
    int64_t hlc[64];
    size_t calls, stop_at; /* stop_at 0: never */
} seen;

static int see(void *userdata, const trail_change_event *ev)
{
    seen *s = userdata;
    if (++s->calls == s->stop_at)
        return 1;
    assert_true(s->n < 64);
    snprintf(s->id[s->n], sizeof s->id[s->n], "%s", ev->event_id);
    s->hlc[s->n++] = ev->hlc;
    return 0;
}

static void test_events_since(void **state)
{
    it_db *t = *state;
    trail_conn *db = t->db;
    workload w;
    run_workload(db, &w);
    it_events all;
    it_history(db, NULL, NULL, &all);
    assert_int_equal(all.n, it_rows(t, "trail_change_events"));
    assert_true(all.n > 7);

    /* Pages of 3; the callback refuses the 5th event once, which is then read again. */
    trail_cursor cur = { 0 };
    seen s = { .stop_at = 5 };
    int pages = 0, rc;
    while ((rc = trail_events_since(db, &cur, 3, see, &s)) > 0) {
        assert_true(rc <= 3);
        pages++;
        assert_true(pages < 20);
    }
    IT_EXPECT(db, 0, rc);
    assert_int_equal(s.n, all.n);
    for (size_t i = 0; i < all.n; i++) {
        assert_string_equal(s.id[i], all.ev[i].event_id);
        if (i > 0)
            assert_true(s.hlc[i] > s.hlc[i - 1]);
    }
    assert_int_equal(cur.hlc, all.ev[all.n - 1].hlc);
    assert_string_equal(cur.event_id, all.ev[all.n - 1].event_id);

    /* The cursor at the end: nothing, until something new happens. */
    IT_EXPECT(db, 0, trail_events_since(db, &cur, 10, see, &s));
    shop_customer c = { 0 };
    it_customer(db, "late@x.org", &c);
    s = (seen){ 0 };
    IT_EXPECT(db, 1, trail_events_since(db, &cur, 10, see, &s));
    assert_int_equal(s.n, 1);
    it_events late;
    it_history(db, "customers", c.id, &late);
    assert_string_equal(s.id[0], late.ev[0].event_id);
    it_events_free(&late);

    /* A callback stopping at the first event consumes nothing. */
    trail_cursor start = { 0 };
    s = (seen){ .stop_at = 1 };
    IT_EXPECT(db, 0, trail_events_since(db, &start, 10, see, &s));
    assert_int_equal(start.hlc, 0);
    assert_string_equal(start.event_id, "");
    it_events_free(&all);
    shop_customer_clear(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_verify_clean, it_setup, it_teardown),
        cmocka_unit_test_setup_teardown(test_verify_progress, it_setup, it_teardown),
        cmocka_unit_test_setup_teardown(test_verify_edited_new_values, it_setup, it_teardown),
        cmocka_unit_test_setup_teardown(test_verify_deleted_event, it_setup, it_teardown),
        cmocka_unit_test_setup_teardown(test_verify_live_row_changed, it_setup, it_teardown),
        cmocka_unit_test_setup_teardown(test_verify_int64_row_changed, it_setup, it_teardown),
        cmocka_unit_test_setup_teardown(test_verify_row_deleted_behind_back, it_setup, it_teardown),
        cmocka_unit_test_setup_teardown(test_verify_row_inserted_behind_back, it_setup,
                                        it_teardown),
        cmocka_unit_test_setup_teardown(test_as_of, it_setup, it_teardown),
        cmocka_unit_test_setup_teardown(test_events_since, it_setup, it_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
