/*
 * test_standby.c - a PostgreSQL hot standby seen through trail (issue 19,
 * item 4), on the fixture pg_standby_start (tests/servers/pg_standby.sh):
 * the test's database is the primary's (TRAIL_TEST_URL_FILE), the standby's
 * URL is in the fixture's directory (TRAIL_TEST_CLUSTER_DIR).
 *
 * On the standby every read works, and trail does not even try to write:
 * the standby's log shows no statement refused for being read-only after
 * a reader opened it and read. An audited write there fails with
 * TRAIL_EDB and a message that says the server is read-only and names the
 * URL, never its password; the connection reads on afterwards. Verify on
 * the standby, once it caught up, reports what verify on the primary does,
 * a clean database and a tampered one alike.
 *
 * The standby is opened by a URL with a password (the fixture's servers
 * trust 127.0.0.1, so any password passes): whatever trail says must not
 * show it. Besides: a URL listing the standby first, with
 * target_session_attrs=read-write, writes on the primary; and a connection
 * opened read-only says that it is, when a write is refused.
 */
#define _POSIX_C_SOURCE 200809L
#include "it_common.h"
#include "trail/digest.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PASSWORD "Stb%2Fy-s3cret"

/* The standby's URL, with PASSWORD in it, in @url; in @plain->url without. */
static void standby_url(char *url, size_t size, it_db *plain)
{
    it_member_url(plain, "TRAIL_TEST_CLUSTER_DIR", "url-standby");
    it_url_password(plain->url, PASSWORD, 0, url, size);
}

/* A connection to the standby at @url, opened as a program opens its database (no options). */
static trail_conn *open_standby(const char *url)
{
    trail_conn *db = NULL;
    int rc = trail_open(&db, url, NULL);
    if (rc != TRAIL_OK)
        fail_msg("trail_open(standby): %s: %s", trail_code_name(rc), trail_errmsg(db));
    return db;
}

static void test_standby_replicates(void **state)
{
    it_db *t = *state; /* the primary, emptied and migrated; its teardown verifies it */
    shop_customer c = { 0 };
    it_customer(t->db, "standby@x.org", &c);
    it_member_has("url-standby", &c, true);
    shop_customer_clear(&c);
}

/* ---- what each side reads, to compare --------------------------------------- */

/* Lines of text, one per event, record or node, as a side read them. */
static int add_event(void *userdata, const trail_change_event *ev)
{
    it_add_line(userdata, "%s %s %s %s %" PRId64 " %s %s", ev->event_id, ev->lane_id,
                ev->table_name, ev->record_id, ev->seq, ev->op, ev->hash);
    return 0;
}

static int add_customer(void *userdata, const shop_customer *c)
{
    it_add_line(userdata, "%s %s %s %" PRId64 " %" PRId64, c->id, c->email, c->name, c->version,
                c->credit);
    return 0;
}

static int add_node(void *userdata, const trail_node_info *n)
{
    it_add_line(userdata, "%s %s %d %" PRId64 " %" PRId64 " %" PRId64, n->node_id, n->hostname,
                n->is_local, n->first_seen, n->events, n->last_hlc);
    return 0;
}

/* Everything a reader reads of @db, as lines; the customer @id's too, and its state at @hlc. */
static void read_all(trail_conn *db, const char *id, const char *email, int64_t hlc, it_lines *l)
{
    shop_customer c = { 0 };
    IT_OK(db, shop_customer_get(db, id, &c));
    add_customer(l, &c);
    IT_OK(db, shop_customer_find_by_email(db, email, &c));
    add_customer(l, &c);
    shop_customer_clear(&c);
    IT_OK(db, shop_customer_list(db, NULL, 100, add_customer, l));

    IT_OK(db, trail_history(db, "customers", id, add_event, l));
    IT_OK(db, trail_history(db, NULL, NULL, add_event, l));
    trail_cursor cur = { 0 };
    int got;
    while ((got = trail_events_since(db, &cur, 3, add_event, l)) > 0)
        ;
    IT_OK(db, got);
    char *json = NULL;
    IT_OK(db, trail_as_of(db, "customers", id, hlc, &json));
    it_add_line(l, "as of: %s", json);
    free(json);
    IT_OK(db, trail_nodes(db, add_node, l));
    char *digest = NULL;
    IT_OK(db, trail_digest(db, &digest));
    /* A digest says when it was taken: only its lanes and root are compared. */
    const char *lanes = strstr(digest, "\"lanes\"");
    it_add_line(l, "digest: %s", lanes ? lanes : digest);
    free(digest);
}

/* What trail_verify() reports on @db, as lines. */
static void verify_lines(trail_conn *db, it_lines *l)
{
    trail_verify_report r = { 0 };
    IT_OK(db, trail_verify(db, &r));
    it_add_line(l, "events %" PRId64 ", records %" PRId64 ", rows %" PRId64 ", problems %zu%s",
                r.events, r.records, r.rows, r.n_problems, r.truncated ? " and more" : "");
    for (size_t i = 0; i < r.n_problems; i++) {
        const trail_verify_problem *p = &r.problems[i];
        it_add_line(l, "%s %s %s: %s", p->table_name ? p->table_name : "-",
                    p->record_id ? p->record_id : "-", p->event_id ? p->event_id : "-", p->what);
    }
    trail_verify_report_free(&r);
}

/* Fails the test unless @a and @b hold the same lines, naming the first difference. */
static void expect_same(it_lines *a, it_lines *b, const char *what)
{
    for (size_t i = 0; i < a->n && i < b->n; i++)
        if (strcmp(a->line[i], b->line[i]) != 0)
            fail_msg("%s: line %zu differs:\n  primary: %s\n  standby: %s", what, i, a->line[i],
                     b->line[i]);
    if (a->n != b->n)
        fail_msg("%s: %zu lines on the primary, %zu on the standby", what, a->n, b->n);
}

/* Customers made, changed and deleted on the primary, some in one transaction. */
static void write_history(trail_conn *db, shop_customer *kept)
{
    shop_customer c = { 0 }, gone = { 0 };
    it_customer(db, "kept@x.org", &c);
    it_customer_edit(db, c.id, c.version, "Ann B.", 0);
    it_customer_edit(db, c.id, c.version + 1, NULL, 40);
    it_customer(db, "gone@x.org", &gone);
    IT_OK(db, shop_customer_delete(db, NULL, gone.id, gone.version));
    IT_OK(db, trail_begin(db));
    shop_customer x = { 0 };
    it_customer(db, "tx1@x.org", &x);
    it_customer(db, "tx2@x.org", &x);
    IT_OK(db, trail_commit(db));
    shop_customer_clear(&x);
    shop_customer_clear(&gone);
    IT_OK(db, shop_customer_get(db, c.id, kept));
    shop_customer_clear(&c);
}

/* ---- reads ----------------------------------------------------------------- */

/*
 * Every read on the standby answers what it answers on the primary, and
 * neither opening nor reading makes the standby refuse a write.
 */
static void test_standby_reads(void **state)
{
    it_db *t = *state;
    shop_customer c = { 0 };
    write_history(t->db, &c);
    it_events evs;
    it_history(t->db, "customers", c.id, &evs);
    int64_t first_hlc = evs.ev[0].hlc;
    it_events_free(&evs);

    char url[PATH_MAX + 64];
    it_db plain = { 0 };
    standby_url(url, sizeof url, &plain);
    it_standby_wait(t->url, plain.url);
    int64_t refused = it_standby_refusals();
    trail_conn *db = open_standby(url);

    it_lines want = { 0 }, got = { 0 };
    read_all(t->db, c.id, c.email, first_hlc, &want);
    read_all(db, c.id, c.email, first_hlc, &got);
    expect_same(&want, &got, "reads");
    it_lines_free(&want);
    it_lines_free(&got);
    verify_lines(t->db, &want);
    verify_lines(db, &got);
    expect_same(&want, &got, "verify");
    assert_string_equal(got.line[0], "events 7, records 4, rows 3, problems 0");
    it_lines_free(&want);
    it_lines_free(&got);

    trail_close(db);
    it_standby_refused_none(refused, "opening, reading and closing");
    shop_customer_clear(&c);
}

/* Verify on the standby finds what verify on the primary finds, and nothing else. */
static void test_standby_verify_tampered(void **state)
{
    it_db *t = *state;
    shop_customer c = { 0 };
    write_history(t->db, &c);
    it_tamper(t, "UPDATE customers SET credit = 41 WHERE id = '%s'", c.id);
    it_tamper(t, "DELETE FROM trail_change_events WHERE record_id = '%s' AND version = 2", c.id);

    char url[PATH_MAX + 64];
    it_db plain = { 0 };
    standby_url(url, sizeof url, &plain);
    it_standby_wait(t->url, plain.url);
    trail_conn *db = open_standby(url);
    it_lines want = { 0 }, got = { 0 };
    verify_lines(t->db, &want);
    verify_lines(db, &got);
    expect_same(&want, &got, "verify");
    if (strstr(want.line[0], "problems 0"))
        fail_msg("verify found nothing wrong in a tampered database: %s", want.line[0]);
    it_lines_free(&want);
    it_lines_free(&got);
    trail_close(db);
    shop_customer_clear(&c);
}

/* ---- writes ---------------------------------------------------------------- */

/* The refusal of a write on the standby at @url (its password in it): what it must say. */
static void expect_refused(trail_conn *db, int rc, const char *call, const char *url)
{
    it_expect_rc(db, TRAIL_EDB, rc, call, __FILE__, __LINE__);
    const char *msg = trail_errmsg(db);
    /* Named without its password: trail_url_redact()'s form of it. */
    char shown[PATH_MAX + 64];
    trail_url_redact(shown, sizeof shown, url);
    if (!strstr(msg, "read-only") || !strstr(msg, "25006") || !strstr(msg, shown))
        fail_msg("%s: the message does not say that %s is read-only (SQLSTATE 25006): %s", call,
                 shown, msg);
    it_expect_no_password(msg, url);
}

/*
 * Every kind of audited write is refused on the standby, alone or in
 * trail_begin(), and leaves the connection reading: no lane half
 * registered, no transaction left open.
 */
static void test_standby_writes_refused(void **state)
{
    it_db *t = *state;
    shop_customer c = { 0 };
    it_customer(t->db, "primary@x.org", &c);
    int64_t account = it_account(t->db, "primary");
    char url[PATH_MAX + 64];
    it_db plain = { 0 };
    standby_url(url, sizeof url, &plain);
    it_standby_wait(t->url, plain.url);
    trail_conn *db = open_standby(url);

    shop_customer_create_params n = SHOP_CUSTOMER_CREATE_INIT;
    n.email = "standby@x.org";
    n.name = "Sam";
    n.secret = "s";
    shop_customer got = { 0 };
    IT_EXPECT(db, TRAIL_EDB, shop_customer_create(db, NULL, &n, &got));
    printf("refused: %s\n", trail_errmsg(db));
    for (int round = 0; round < 2; round++) { /* the second finds no lane left behind */
        expect_refused(db, shop_customer_create(db, NULL, &n, &got), "create", url);
        shop_customer_update_params u = { .id = c.id, .version = c.version };
        u.set = SHOP_CUSTOMER_NAME;
        u.name = "Changed";
        expect_refused(db, shop_customer_update(db, NULL, &u, &got), "update", url);
        expect_refused(db, shop_customer_delete(db, NULL, c.id, c.version), "delete", url);
        everything_account_create_params a = EVERYTHING_ACCOUNT_CREATE_INIT;
        a.handle = "standby";
        a.label = "acct";
        expect_refused(db, everything_account_create(db, NULL, &a, NULL), "create (int64 key)",
                       url);
        IT_OK(db, shop_customer_get(db, c.id, &got));
        assert_string_equal(got.name, "Ann");
    }

    /* In a transaction: refused at the first write; the rollback ends it. */
    IT_OK(db, trail_begin(db));
    IT_OK(db, shop_customer_get(db, c.id, &got)); /* a read in it works */
    expect_refused(db, shop_customer_create(db, NULL, &n, &got), "create in trail_begin()", url);
    IT_OK(db, trail_rollback(db));
    IT_OK(db, trail_begin(db));
    shop_customer_update_params u = { .id = c.id, .version = c.version };
    u.set = SHOP_CUSTOMER_CREDIT;
    u.credit = 7;
    expect_refused(db, shop_customer_update(db, NULL, &u, NULL), "update in trail_begin()", url);
    /* A commit of the failed transaction commits nothing, and says so. */
    IT_EXPECT(db, TRAIL_EDB, trail_commit(db));

    /* Migrating is writing too. */
    expect_refused(db, shop_migrate(db), "migrate", url);

    /* Reading goes on, on the same connection. */
    IT_OK(db, shop_customer_get(db, c.id, &got));
    assert_int_equal(got.version, 1);
    everything_account acct = { 0 };
    IT_OK(db, everything_account_get(db, account, &acct));
    everything_account_clear(&acct);
    it_events evs;
    it_history(db, "customers", c.id, &evs);
    assert_int_equal(evs.n, 1);
    it_events_free(&evs);
    trail_verify_report r = { 0 };
    IT_OK(db, trail_verify(db, &r));
    assert_int_equal(r.n_problems, 0);
    trail_verify_report_free(&r);
    trail_close(db);
    shop_customer_clear(&got);
    shop_customer_clear(&c);
}

/*
 * A URL naming the standby first and the primary after it, with
 * target_session_attrs=read-write, reaches the primary: libpq skips the
 * standby, and the write is made.
 */
static void test_read_write_target(void **state)
{
    it_db *t = *state;
    it_db standby = { 0 };
    char first[PATH_MAX + 64], url[PATH_MAX + 128];
    it_member_url(&standby, "TRAIL_TEST_CLUSTER_DIR", "url-standby");
    char *port = strrchr(standby.url, ':');
    assert_non_null(port);
    it_url_host_first(t->url, atoi(port + 1), first, sizeof first);
    it_url_with(first, "target_session_attrs", "read-write", url, sizeof url);
    trail_conn *db = NULL;
    int rc = trail_open(&db, url, NULL);
    if (rc != TRAIL_OK)
        fail_msg("trail_open(%s): %s: %s", url, trail_code_name(rc), trail_errmsg(db));
    shop_customer c = { 0 };
    it_customer(db, "read-write@x.org", &c);
    trail_close(db);
    assert_int_equal(it_rows(t, "customers"), 1);
    shop_customer_clear(&c);
}

/*
 * A connection opened read-only (trail_open_opts.read_only) refuses writes
 * on a primary too, and says that it is the connection, not the server.
 */
static void test_read_only_connection(void **state)
{
    it_db *t = *state;
    char url[PATH_MAX + 64];
    it_url_password(t->url, PASSWORD, 0, url, sizeof url);
    trail_open_opts o = TRAIL_OPEN_OPTS_INIT;
    o.read_only = true;
    trail_conn *db = NULL;
    int rc = trail_open(&db, url, &o);
    if (rc != TRAIL_OK)
        fail_msg("trail_open(read-only): %s: %s", trail_code_name(rc), trail_errmsg(db));
    shop_customer c = { 0 };
    shop_customer_create_params n = SHOP_CUSTOMER_CREATE_INIT;
    n.email = "ro@x.org";
    n.name = "Ro";
    n.secret = "s";
    IT_EXPECT(db, TRAIL_EDB, shop_customer_create(db, NULL, &n, &c));
    char shown[PATH_MAX + 64];
    IT_MSG(db, "opened read-only", "trail_open_opts.read_only", "25006",
           trail_url_redact(shown, sizeof shown, url));
    it_expect_no_password(trail_errmsg(db), url);
    assert_int_equal(it_rows(t, "customers"), 0);
    trail_close(db);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_standby_replicates, it_setup, it_teardown),
        cmocka_unit_test_setup_teardown(test_standby_reads, it_setup, it_teardown),
        cmocka_unit_test_setup_teardown(test_standby_verify_tampered, it_setup, it_teardown),
        cmocka_unit_test_setup_teardown(test_standby_writes_refused, it_setup, it_teardown),
        cmocka_unit_test_setup_teardown(test_read_write_target, it_setup, it_teardown),
        cmocka_unit_test_setup_teardown(test_read_only_connection, it_setup, it_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
