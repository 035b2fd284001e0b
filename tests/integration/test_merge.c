/*
 * test_merge.c - concurrent edits of one record on two nodes converge
 * (docs/replication.md, "Merging concurrent edits"): per-field last writer
 * wins, the version counts the edits, conflicts are the same rows on both
 * nodes, deletes win, over references too. Run on each pair of engines
 * (TRAIL_SYNC_PAIR), like test_sync.c.
 */
#define _POSIX_C_SOURCE 200809L
#include "it_common.h"
#include "raw.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { A, B };

/* Several batches from a test's few events. */
#define BATCH 3

/* Both ways, and back again: each node then holds every event, the merges' included. */
static void sync_both(it_pair *s)
{
    it_pair_sync(s, BATCH);
    it_sync_ok(s->node[A].db, s->node[B].db, BATCH);
}

static void new_customer(trail_conn *db, const char *email, shop_customer *out)
{
    shop_customer_create_params p = SHOP_CUSTOMER_CREATE_INIT;
    p.email = email;
    p.name = "First";
    IT_OK(db, shop_customer_create(db, NULL, &p, out));
}

static void set_name(trail_conn *db, const char *id, int64_t version, const char *name)
{
    shop_customer_update_params u = { .id = id, .version = version, .set = SHOP_CUSTOMER_NAME };
    u.name = name;
    IT_OK(db, shop_customer_update(db, NULL, &u, NULL));
}

static void set_credit(trail_conn *db, const char *id, int64_t version, int64_t credit)
{
    shop_customer_update_params u = { .id = id, .version = version, .set = SHOP_CUSTOMER_CREDIT };
    u.credit = credit;
    IT_OK(db, shop_customer_update(db, NULL, &u, NULL));
}

/* The update of @id written by the node of @db (its only one), copied into @out. */
static void own_update(trail_conn *db, const char *id, trail_change_event *out, it_events *keep)
{
    char *node = it_local_node(db);
    it_history(db, "customers", id, keep);
    size_t found = 0;
    for (size_t i = 0; i < keep->n; i++)
        if (strcmp(keep->ev[i].op, "update") == 0 && strcmp(keep->ev[i].node_id, node) == 0) {
            *out = keep->ev[i];
            found++;
        }
    free(node);
    assert_int_equal(found, 1);
}

/* Whether @x comes after @y in record order (hlc, node, event id). */
static bool later(const trail_change_event *x, const trail_change_event *y)
{
    if (x->hlc != y->hlc)
        return x->hlc > y->hlc;
    int c = strcmp(x->node_id, y->node_id);
    return c ? c > 0 : strcmp(x->event_id, y->event_id) > 0;
}

/* The same customer row on both nodes; returned from A. */
static void same_row(it_pair *s, const char *id, shop_customer *out)
{
    shop_customer b = { 0 };
    IT_OK(s->node[A].db, shop_customer_get(s->node[A].db, id, out));
    IT_OK(s->node[B].db, shop_customer_get(s->node[B].db, id, &b));
    assert_string_equal(out->name, b.name);
    assert_int_equal(out->credit, b.credit);
    assert_int_equal(out->version, b.version);
    shop_customer_clear(&b);
}

static int64_t on_both(it_pair *s, const char *sql)
{
    int64_t a = raw_count(s->node[A].url, "%s", sql), b = raw_count(s->node[B].url, "%s", sql);
    assert_int_equal(a, b);
    return a;
}

/* Edits of two fields on two nodes apart both survive, with one merge event on each node. */
static void test_different_fields_both_survive(void **state)
{
    it_pair *s = *state;
    trail_conn *a = s->node[A].db, *b = s->node[B].db;
    shop_customer c = { 0 };
    new_customer(a, "c@x.org", &c);
    it_sync_ok(a, b, BATCH);
    set_name(a, c.id, 1, "Named on A");
    set_credit(b, c.id, 1, 77);
    sync_both(s);
    shop_customer got = { 0 };
    same_row(s, c.id, &got);
    assert_string_equal(got.name, "Named on A");
    assert_int_equal(got.credit, 77);
    assert_int_equal(got.version, 3); /* the insert and two updates */
    assert_int_equal(on_both(s, "SELECT count(*) FROM trail_conflicts"), 0);
    /* Each node merged the other's edit into a row neither edit holds. */
    assert_int_equal(on_both(s, "SELECT count(*) FROM trail_change_events WHERE op = 'merge'"), 2);
    /* The version counts edits: a write based on it goes through, and travels the usual way. */
    set_name(b, c.id, 3, "Later on B");
    sync_both(s);
    shop_customer_clear(&got);
    same_row(s, c.id, &got);
    assert_string_equal(got.name, "Later on B");
    assert_int_equal(got.version, 4);
    assert_int_equal(on_both(s, "SELECT count(*) FROM trail_change_events WHERE op = 'merge'"), 2);
    shop_customer_clear(&got);
    shop_customer_clear(&c);
    it_verify_clean(&s->node[A]);
    it_verify_clean(&s->node[B]);
}

/* One field edited on both nodes: the later edit by (hlc, node) wins on both; one conflict. */
static void test_same_field_last_writer_wins(void **state)
{
    it_pair *s = *state;
    trail_conn *a = s->node[A].db, *b = s->node[B].db;
    shop_customer c = { 0 };
    new_customer(a, "c@x.org", &c);
    it_sync_ok(a, b, BATCH);
    set_name(a, c.id, 1, "Name of A");
    set_name(b, c.id, 1, "Name of B");
    sync_both(s);
    it_events ea = { 0 }, eb = { 0 };
    trail_change_event from_a, from_b;
    own_update(a, c.id, &from_a, &ea);
    own_update(b, c.id, &from_b, &eb);
    bool a_wins = later(&from_a, &from_b);
    const trail_change_event *winner = a_wins ? &from_a : &from_b;
    const trail_change_event *loser = a_wins ? &from_b : &from_a;
    shop_customer got = { 0 };
    same_row(s, c.id, &got);
    assert_string_equal(got.name, a_wins ? "Name of A" : "Name of B");
    assert_int_equal(got.version, 3);
    assert_int_equal(on_both(s, "SELECT count(*) FROM trail_conflicts"), 1);
    char sql[512];
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM trail_conflicts WHERE event_id = '%s' AND other_event_id = "
             "'%s' AND record_id = '%s' AND resolution = 'lww' AND resolved_at IS NOT NULL",
             winner->event_id, loser->event_id, c.id);
    assert_int_equal(on_both(s, sql), 1);
    /* The winner's row is its own new_values, but for the version: one node merged, or none. */
    assert_true(on_both(s, "SELECT count(*) FROM trail_change_events WHERE op = 'merge'") <= 1);
    it_events_free(&ea);
    it_events_free(&eb);
    shop_customer_clear(&got);
    shop_customer_clear(&c);
    it_verify_clean(&s->node[A]);
    it_verify_clean(&s->node[B]);
}

/* A delete on A against an update on B: deleted on both, the conflict recorded alike. */
static void test_delete_wins_over_update(void **state)
{
    it_pair *s = *state;
    trail_conn *a = s->node[A].db, *b = s->node[B].db;
    shop_customer c = { 0 }, got = { 0 };
    new_customer(a, "c@x.org", &c);
    it_sync_ok(a, b, BATCH);
    IT_OK(a, shop_customer_delete(a, NULL, c.id, 1));
    set_credit(b, c.id, 1, 5);
    set_name(b, c.id, 2, "Still here?");
    sync_both(s);
    assert_int_equal(shop_customer_get(a, c.id, &got), TRAIL_ENOTFOUND);
    assert_int_equal(shop_customer_get(b, c.id, &got), TRAIL_ENOTFOUND);
    /* Both updates are concurrent with the delete, which saw neither. */
    assert_int_equal(on_both(s, "SELECT count(*) FROM trail_conflicts WHERE resolution = "
                                "'delete-wins'"),
                     2);
    assert_int_equal(on_both(s, "SELECT count(*) FROM trail_conflicts"), 2);
    shop_customer_clear(&c);
    it_verify_clean(&s->node[A]);
    it_verify_clean(&s->node[B]);
}

/*
 * A customer deleted on A while B made an order for it: on B the delete
 * meets the order and deletes it first, on A the order meets the deleted
 * customer and goes; each in its own lane (cascade deletes). Both end with
 * neither record.
 */
static void test_delete_wins_over_reference(void **state)
{
    it_pair *s = *state;
    trail_conn *a = s->node[A].db, *b = s->node[B].db;
    shop_customer c = { 0 };
    new_customer(a, "c@x.org", &c);
    it_sync_ok(a, b, BATCH);
    IT_OK(a, shop_customer_delete(a, NULL, c.id, 1));
    shop_order_create_params o = SHOP_ORDER_CREATE_INIT;
    o.customer = c.id;
    o.total = 3;
    IT_OK(b, shop_order_create(b, NULL, &o, NULL));
    sync_both(s);
    assert_int_equal(on_both(s, "SELECT count(*) FROM orders"), 0);
    assert_int_equal(on_both(s, "SELECT count(*) FROM customers"), 0);
    assert_int_equal(on_both(s, "SELECT count(*) FROM trail_change_events WHERE table_name = "
                                "'orders' AND op = 'delete'"),
                     2);
    assert_int_equal(on_both(s, "SELECT count(*) FROM trail_conflicts"), 0);
    shop_customer_clear(&c);
    it_verify_clean(&s->node[A]);
    it_verify_clean(&s->node[B]);
}

/*
 * An order moved on B to a customer A deleted meanwhile: A deletes the
 * order as a cascade, counting the move it refused; both end without it.
 */
static void test_edit_to_deleted_reference(void **state)
{
    it_pair *s = *state;
    trail_conn *a = s->node[A].db, *b = s->node[B].db;
    shop_customer first = { 0 }, second = { 0 };
    new_customer(a, "first@x.org", &first);
    new_customer(a, "second@x.org", &second);
    shop_order_create_params o = SHOP_ORDER_CREATE_INIT;
    o.customer = first.id;
    o.total = 3;
    shop_order ord = { 0 };
    IT_OK(a, shop_order_create(a, NULL, &o, &ord));
    it_sync_ok(a, b, BATCH);
    IT_OK(a, shop_customer_delete(a, NULL, second.id, 1));
    shop_order_update_params u = { .id = ord.id, .version = 1, .set = SHOP_ORDER_CUSTOMER };
    u.customer = second.id;
    IT_OK(b, shop_order_update(b, NULL, &u, NULL));
    sync_both(s);
    assert_int_equal(on_both(s, "SELECT count(*) FROM orders"), 0);
    assert_int_equal(on_both(s, "SELECT count(*) FROM customers"), 1);
    shop_customer_clear(&first);
    shop_customer_clear(&second);
    shop_order_clear(&ord);
    it_verify_clean(&s->node[A]);
    it_verify_clean(&s->node[B]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_different_fields_both_survive, it_pair_setup,
                                        it_pair_teardown),
        cmocka_unit_test_setup_teardown(test_same_field_last_writer_wins, it_pair_setup,
                                        it_pair_teardown),
        cmocka_unit_test_setup_teardown(test_delete_wins_over_update, it_pair_setup,
                                        it_pair_teardown),
        cmocka_unit_test_setup_teardown(test_delete_wins_over_reference, it_pair_setup,
                                        it_pair_teardown),
        cmocka_unit_test_setup_teardown(test_edit_to_deleted_reference, it_pair_setup,
                                        it_pair_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
