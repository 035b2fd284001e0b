/*
 * test_events.c - the change event of every write, column by column (SPEC
 * §4), read back with trail_history(): ids and clocks, node, transaction,
 * what changed and how (old/new values as exact JSON, the changed fields),
 * schema version, the request context, created_at, the hash chain,
 * redacted and omitted fields, and the wall clock of the open options.
 */
#define _POSIX_C_SOURCE 200809L
#include "it_common.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

/* Fails unless @ev's id is a ULID whose time is the ms part of its HLC. */
static void expect_event_id(const trail_change_event *ev)
{
    assert_int_equal(strlen(ev->event_id), TRAIL_ULID_LEN);
    trail_ulid id;
    assert_int_equal(trail_ulid_parse(&id, ev->event_id), TRAIL_OK);
    assert_int_equal(trail_ulid_time(&id), TRAIL_HLC_MS(ev->hlc));
}

static void expect_hash(const char *hash)
{
    assert_non_null(hash);
    assert_int_equal(strlen(hash), 64);
    for (const char *p = hash; *p; p++)
        assert_true(isxdigit((unsigned char)*p) && !isupper((unsigned char)*p));
}

/* Fails unless the JSON array @changed holds exactly the names given (in any order). */
static void expect_changed_at(const char *file, int line, const char *changed, ...)
{
    json_t *want = json_array();
    va_list ap;
    va_start(ap, changed);
    for (const char *name; (name = va_arg(ap, const char *));)
        json_array_append_new(want, json_string(name));
    va_end(ap);
    /* Compared as sets: sort both by putting the names in an object. */
    json_t *got = changed ? json_loads(changed, 0, NULL) : NULL;
    bool same = json_is_array(got) && json_array_size(got) == json_array_size(want);
    for (size_t i = 0; same && i < json_array_size(want); i++) {
        bool found = false;
        for (size_t k = 0; !found && k < json_array_size(got); k++)
            found = json_equal(json_array_get(want, i), json_array_get(got, k));
        same = found;
    }
    if (!same) {
        char *w = json_dumps(want, 0);
        print_error("changed: %s\n  expected the names %s\n", changed ? changed : "(NULL)", w);
        free(w);
    }
    json_decref(got);
    json_decref(want);
    if (!same)
        _fail(file, line);
}

#define EXPECT_CHANGED(changed, ...)                                                               \
    expect_changed_at(__FILE__, __LINE__, (changed), __VA_ARGS__, (const char *)NULL)
#define CUSTOMER_FIELDS                                                                            \
    "email", "name", "tier", "credit", "rating", "active", "born", "seen_at", "avatar", "prefs",   \
        "secret"

static void expect_ctx(const trail_change_event *ev, const trail_ctx *ctx)
{
    const char *got[] = { ev->user_id,  ev->request_id, ev->session_id, ev->tenant_id,
                          ev->trace_id, ev->span_id,    ev->ip };
    const char *want[] = { ctx->user_id,  ctx->request_id, ctx->session_id, ctx->tenant_id,
                           ctx->trace_id, ctx->span_id,    ctx->ip };
    for (size_t i = 0; i < sizeof got / sizeof got[0]; i++) {
        if (want[i])
            assert_string_equal(got[i], want[i]);
        else
            assert_null(got[i]);
    }
}

#define CUSTOMER_JSON                                                                              \
    "{\"id\": \"%s\", \"version\": %d, \"email\": \"ev@x.org\", \"name\": \"%s\","                 \
    " \"tier\": \"free\", \"credit\": %d, \"rating\": null, \"active\": true, \"born\": null,"     \
    " \"seen_at\": null, \"avatar\": null, \"prefs\": null, \"secret\": \"[redacted]\"}"

/* Insert, update, delete of one customer: every column of their three events. */
static void test_event_columns(void **state)
{
    trail_conn *db = ((it_db *)*state)->db;
    static const trail_ctx only_user = { .user_id = "u-1" };
    int64_t t0 = it_now_ms();
    shop_customer_create_params cp = SHOP_CUSTOMER_CREATE_INIT;
    cp.email = "ev@x.org";
    cp.name = "Eve";
    cp.secret = "pw1";
    shop_customer c = { 0 };
    IT_OK(db, shop_customer_create(db, &it_full_ctx, &cp, &c));
    char *id = strdup(c.id);
    /* email is in set with the value it has: not a change. */
    shop_customer_update_params u = {
        .id = id,
        .version = 1,
        .set =
            SHOP_CUSTOMER_NAME | SHOP_CUSTOMER_CREDIT | SHOP_CUSTOMER_EMAIL | SHOP_CUSTOMER_SECRET,
        .email = "ev@x.org",
        .name = "Eve B.",
        .credit = 5,
        .secret = "pw2",
    };
    IT_OK(db, shop_customer_update(db, &only_user, &u, &c));
    IT_OK(db, shop_customer_delete(db, NULL, id, 2));
    int64_t t1 = it_now_ms();

    it_events evs;
    it_history(db, "customers", id, &evs);
    assert_int_equal(evs.n, 3);
    trail_change_event *ins = &evs.ev[0], *upd = &evs.ev[1], *del = &evs.ev[2];
    char *node = it_local_node(db);
    for (size_t i = 0; i < 3; i++) {
        trail_change_event *ev = &evs.ev[i];
        expect_event_id(ev);
        if (i > 0) {
            assert_true(ev->hlc > evs.ev[i - 1].hlc);
            assert_true(strcmp(ev->event_id, evs.ev[i - 1].event_id) > 0);
            /* Each call outside trail_begin() is its own transaction. */
            assert_string_not_equal(ev->tx_id, evs.ev[i - 1].tx_id);
            /* One connection: one lane, its events chained in order. */
            assert_string_equal(ev->prev_hash, evs.ev[i - 1].hash);
            assert_string_equal(ev->lane_id, evs.ev[i - 1].lane_id);
            assert_int_equal(ev->seq, evs.ev[i - 1].seq + 1);
        }
        assert_true(trail_ulid_valid(ev->tx_id));
        assert_string_equal(ev->node_id, node);
        assert_true(trail_ulid_valid(ev->lane_id));
        assert_string_equal(ev->table_name, "customers");
        assert_string_equal(ev->record_id, id);
        assert_int_equal(ev->schema_version, SHOP_SCHEMA_VERSION);
        assert_in_range(ev->created_at, t0, t1);
        expect_hash(ev->hash);
    }
    expect_hash(ins->prev_hash); /* the connection's first event: its lane's row's hash */
    assert_int_equal(ins->seq, 1);

    assert_string_equal(ins->op, "insert");
    assert_int_equal(ins->version, 1);
    assert_null(ins->old_values);
    IT_JSON_EQ(ins->new_values, CUSTOMER_JSON, id, 1, "Eve", 0);
    EXPECT_CHANGED(ins->changed, CUSTOMER_FIELDS);
    expect_ctx(ins, &it_full_ctx);

    assert_string_equal(upd->op, "update");
    assert_int_equal(upd->version, 2);
    /* An update's old_values: the old values of its changed fields only. */
    IT_JSON_EQ(upd->old_values, "{\"name\": \"Eve\", \"credit\": 0, \"secret\": \"[redacted]\"}");
    IT_JSON_EQ(upd->new_values, CUSTOMER_JSON, id, 2, "Eve B.", 5);
    /* A redacted field's change is recorded, its values are not. */
    EXPECT_CHANGED(upd->changed, "name", "credit", "secret");
    expect_ctx(upd, &only_user);

    assert_string_equal(del->op, "delete");
    assert_int_equal(del->version, 2); /* the version deleted */
    IT_JSON_EQ(del->old_values, CUSTOMER_JSON, id, 2, "Eve B.", 5);
    assert_null(del->new_values);
    EXPECT_CHANGED(del->changed, CUSTOMER_FIELDS);
    expect_ctx(del, &(trail_ctx){ 0 });

    it_events_free(&evs);
    free(node);
    free(id);
    shop_customer_clear(&c);
}

/* An int64 key as the record id, and another schema's table and version. */
static void test_event_int64_key(void **state)
{
    trail_conn *db = ((it_db *)*state)->db;
    int64_t acct = it_account(db, "evt");
    char id[24];
    snprintf(id, sizeof id, "%lld", (long long)acct);
    it_events evs;
    it_history(db, "accounts", id, &evs);
    assert_int_equal(evs.n, 1);
    assert_string_equal(evs.ev[0].table_name, "accounts");
    assert_string_equal(evs.ev[0].record_id, id);
    assert_int_equal(evs.ev[0].schema_version, EVERYTHING_SCHEMA_VERSION);
    IT_JSON_EQ(evs.ev[0].new_values,
               "{\"id\": %lld, \"version\": 1, \"handle\": \"evt\", \"parent\": null,"
               " \"level\": 1, \"balance\": -9007199254740993, \"status\": \"active\","
               " \"label\": \"acct\"}",
               (long long)acct);
    it_events_free(&evs);
}

/* audit: omit leaves a field out of values and changed; audit: redact shows "[redacted]". */
static void test_event_omitted_and_redacted(void **state)
{
    trail_conn *db = ((it_db *)*state)->db;
    shop_customer c = { 0 };
    it_customer(db, "omit@x.org", &c);
    shop_order_create_params op = SHOP_ORDER_CREATE_INIT;
    op.customer = c.id;
    op.total = 10;
    op.note = "private";
    shop_order o = { 0 };
    IT_OK(db, shop_order_create(db, NULL, &op, &o));
    /* A change of the omitted field alone is still a write, with nothing to show. */
    shop_order_update_params u = {
        .id = o.id, .version = 1, .set = SHOP_ORDER_NOTE, .note = "still private"
    };
    IT_OK(db, shop_order_update(db, NULL, &u, &o));
    assert_int_equal(o.version, 2);
    assert_string_equal(o.note, "still private");

    it_events evs;
    it_history(db, "orders", o.id, &evs);
    assert_int_equal(evs.n, 2);
    IT_JSON_EQ(evs.ev[0].new_values,
               "{\"id\": \"%s\", \"version\": 1, \"customer\": \"%s\", \"total\": 10}", o.id, c.id);
    EXPECT_CHANGED(evs.ev[0].changed, "customer", "total");
    IT_JSON_EQ(evs.ev[1].old_values, "{}"); /* an update's old_values: its changed fields */
    IT_JSON_EQ(evs.ev[1].new_values,
               "{\"id\": \"%s\", \"version\": 2, \"customer\": \"%s\", \"total\": 10}", o.id, c.id);
    EXPECT_CHANGED(evs.ev[1].changed, (const char *)NULL);
    it_events_free(&evs);

    everything_sample_create_params sp = EVERYTHING_SAMPLE_CREATE_INIT;
    sp.payload = (trail_blob){ "", 0 };
    sp.owner = it_account(db, "o");
    sp.code = 1;
    sp.token = "secret token";
    sp.scratch = "{\"tmp\": true}";
    everything_sample s = { 0 };
    IT_OK(db, everything_sample_create(db, NULL, &sp, &s));
    it_history(db, "samples", s.id, &evs);
    assert_int_equal(evs.n, 1);
    json_t *v = json_loads(evs.ev[0].new_values, 0, NULL);
    assert_non_null(v);
    assert_string_equal(json_string_value(json_object_get(v, "token")), "[redacted]");
    assert_null(json_object_get(v, "scratch"));
    assert_int_equal(json_object_size(v), 2 + 26); /* id, version, the fields but scratch */
    json_decref(v);
    assert_null(strstr(evs.ev[0].changed, "scratch"));
    assert_non_null(strstr(evs.ev[0].changed, "\"token\""));
    it_events_free(&evs);
    everything_sample_clear(&s);
    shop_order_clear(&o);
    shop_customer_clear(&c);
}

/* Calls inside trail_begin()/trail_commit() share one tx_id; calls outside get their own. */
static void test_event_tx_ids(void **state)
{
    trail_conn *db = ((it_db *)*state)->db;
    shop_customer a = { 0 }, b = { 0 }, x = { 0 }, y = { 0 };
    IT_OK(db, trail_begin(db));
    it_customer(db, "a@x.org", &a);
    it_customer(db, "b@x.org", &b);
    shop_customer_update_params u = {
        .id = a.id, .version = 1, .set = SHOP_CUSTOMER_NAME, .name = "A"
    };
    IT_OK(db, shop_customer_update(db, NULL, &u, &a));
    IT_OK(db, trail_commit(db));
    it_customer(db, "x@x.org", &x);
    it_customer(db, "y@x.org", &y);

    it_events evs;
    it_history(db, "customers", NULL, &evs);
    assert_int_equal(evs.n, 5);
    char group[TRAIL_ULID_LEN + 1];
    assert_true(trail_ulid_valid(evs.ev[0].tx_id));
    memcpy(group, evs.ev[0].tx_id, sizeof group);
    assert_string_equal(evs.ev[1].tx_id, group);
    assert_string_equal(evs.ev[2].tx_id, group);
    assert_string_equal(evs.ev[2].op, "update");
    assert_string_not_equal(evs.ev[3].tx_id, group);
    assert_string_not_equal(evs.ev[4].tx_id, group);
    assert_string_not_equal(evs.ev[3].tx_id, evs.ev[4].tx_id);
    for (size_t i = 1; i < evs.n; i++)
        assert_true(evs.ev[i].hlc > evs.ev[i - 1].hlc);
    it_events_free(&evs);

    /* A second group gets a tx_id of its own. */
    IT_OK(db, trail_begin(db));
    IT_OK(db, shop_customer_delete(db, NULL, x.id, 1));
    IT_OK(db, shop_customer_delete(db, NULL, y.id, 1));
    IT_OK(db, trail_commit(db));
    it_history(db, "customers", NULL, &evs);
    assert_int_equal(evs.n, 7);
    assert_string_equal(evs.ev[5].tx_id, evs.ev[6].tx_id);
    assert_string_not_equal(evs.ev[5].tx_id, group);
    assert_string_not_equal(evs.ev[5].tx_id, evs.ev[4].tx_id);
    it_events_free(&evs);
    shop_customer_clear(&a);
    shop_customer_clear(&b);
    shop_customer_clear(&x);
    shop_customer_clear(&y);
}

/* One hash chain per node over every table, in HLC order, and history's filters. */
static void test_event_chain_and_filters(void **state)
{
    trail_conn *db = ((it_db *)*state)->db;
    shop_customer c = { 0 };
    it_customer(db, "chain@x.org", &c);
    int64_t acct = it_account(db, "chain");
    shop_order_create_params op = SHOP_ORDER_CREATE_INIT;
    op.customer = c.id;
    op.total = 1;
    shop_order o = { 0 };
    IT_OK(db, shop_order_create(db, NULL, &op, &o));
    IT_OK(db, everything_account_delete(db, NULL, acct, 1));

    it_events all;
    it_history(db, NULL, NULL, &all);
    assert_int_equal(all.n, 4);
    static const char *const tables[] = { "customers", "accounts", "orders", "accounts" };
    expect_hash(all.ev[0].prev_hash);
    for (size_t i = 0; i < all.n; i++) {
        assert_string_equal(all.ev[i].table_name, tables[i]);
        if (i > 0) {
            assert_true(all.ev[i].hlc > all.ev[i - 1].hlc);
            assert_string_equal(all.ev[i].prev_hash, all.ev[i - 1].hash);
            assert_string_not_equal(all.ev[i].hash, all.ev[i - 1].hash);
        }
    }

    it_events some;
    it_history(db, "accounts", NULL, &some);
    assert_int_equal(some.n, 2);
    assert_string_equal(some.ev[0].event_id, all.ev[1].event_id);
    assert_string_equal(some.ev[1].event_id, all.ev[3].event_id);
    it_events_free(&some);
    /* A record id alone finds it in whatever table it is. */
    it_history(db, NULL, o.id, &some);
    assert_int_equal(some.n, 1);
    assert_string_equal(some.ev[0].event_id, all.ev[2].event_id);
    it_events_free(&some);
    it_history(db, "orders", c.id, &some);
    assert_int_equal(some.n, 0);
    it_events_free(&some);
    it_events_free(&all);
    shop_order_clear(&o);
    shop_customer_clear(&c);
}

/* A wall clock a test sets by hand. */
static int64_t fixed_wall(void *userdata)
{
    return *(const int64_t *)userdata;
}

/*
 * The open options' wall clock is the one the connection stamps with: an
 * event's hlc and created_at follow it, an hour ahead of real time; a clock
 * stepped back moves created_at back but not the hlc, which only counts up.
 */
static void test_event_wall_clock(void **state)
{
    it_db *t = *state;
    int64_t wall = it_now_ms() + 3600 * 1000;
    trail_open_opts o = TRAIL_OPEN_OPTS_INIT;
    o.wall = fixed_wall;
    o.wall_userdata = &wall;
    trail_conn *db = it_open(t, &o);

    shop_customer c = { 0 };
    it_customer(db, "wall@x.org", &c);
    wall += 5000;
    shop_customer_update_params u = {
        .id = c.id, .version = 1, .set = SHOP_CUSTOMER_CREDIT, .credit = 1
    };
    IT_OK(db, shop_customer_update(db, NULL, &u, &c));
    int64_t back = wall - 60 * 1000;
    wall = back;
    u.id = c.id; /* the update wrote a new c */
    u.version = 2;
    u.credit = 2;
    IT_OK(db, shop_customer_update(db, NULL, &u, &c));

    it_events evs;
    it_history(db, "customers", c.id, &evs);
    assert_int_equal(evs.n, 3);
    assert_int_equal(TRAIL_HLC_MS(evs.ev[0].hlc), back + 60 * 1000 - 5000);
    assert_int_equal(evs.ev[0].created_at, back + 60 * 1000 - 5000);
    assert_int_equal(TRAIL_HLC_MS(evs.ev[1].hlc), back + 60 * 1000);
    assert_int_equal(evs.ev[1].created_at, back + 60 * 1000);
    assert_int_equal(evs.ev[2].hlc, evs.ev[1].hlc + 1);
    assert_int_equal(evs.ev[2].created_at, back);
    for (size_t i = 0; i < evs.n; i++)
        expect_event_id(&evs.ev[i]);
    it_events_free(&evs);
    shop_customer_clear(&c);
    trail_close(db);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_event_columns, it_setup, it_teardown),
        cmocka_unit_test_setup_teardown(test_event_int64_key, it_setup, it_teardown),
        cmocka_unit_test_setup_teardown(test_event_omitted_and_redacted, it_setup, it_teardown),
        cmocka_unit_test_setup_teardown(test_event_tx_ids, it_setup, it_teardown),
        cmocka_unit_test_setup_teardown(test_event_chain_and_filters, it_setup, it_teardown),
        cmocka_unit_test_setup_teardown(test_event_wall_clock, it_setup, it_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
