/*
 * test_cli_engines.c - the `trail` tool on every engine: the database the
 * integration tests use (it_common.h: an SQLite file, or the throwaway
 * PostgreSQL or MariaDB server ctest started), named by its URL, by libpq's
 * key=value form, and with a wrong password or an unreachable port. No
 * output, message or trail_errmsg() may hold a password; a deleted schema
 * description, and a deleted lane row, are findings on every engine, and
 * so is the newest event of a lane removed, given a digest taken before.
 */
#define _GNU_SOURCE
#include "cli_run.h"
#include "driver/driver.h" /* the connection's driver: its name and dialect */
#include "it_common.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Fails when @text holds @secret (and @secret is one). */
static void expect_not_in(const char *text, const char *secret)
{
    if (secret && *secret && strstr(text, secret))
        fail_msg("the output holds the password '%s':\n%s", secret, text);
}

/* The password of @url as written in it and decoded, "" when it has none. */
typedef struct secret {
    char raw[256], plain[256];
} secret;

static secret secret_of(const char *url)
{
    secret s = { "", "" };
    const char *auth = strstr(url, "://");
    const char *at = auth ? strrchr(auth, '@') : NULL;
    const char *colon = at ? memchr(auth + 3, ':', (size_t)(at - auth - 3)) : NULL;
    if (!colon)
        return s;
    size_t n = (size_t)(at - colon - 1);
    assert_true(n < sizeof s.raw);
    memcpy(s.raw, colon + 1, n);
    s.raw[n] = '\0';
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned v;
        if (s.raw[i] == '%' && i + 2 < n && sscanf(s.raw + i + 1, "%2x", &v) == 1) {
            s.plain[o++] = (char)v;
            i += 2;
        } else {
            s.plain[o++] = s.raw[i];
        }
    }
    s.plain[o] = '\0';
    return s;
}

/* A run's output holds neither form of @s's password. */
static void expect_no_secret(const run *r, const secret *s)
{
    expect_not_in(r->out, s->raw);
    expect_not_in(r->out, s->plain);
    expect_not_in(r->err, s->raw);
    expect_not_in(r->err, s->plain);
}

static void test_log_and_verify(void **state)
{
    it_db *t = *state;
    shop_customer c = { 0 };
    it_customer(t->db, "ann@example.com", &c);
    secret s = secret_of(t->url);

    run r = trail("log", t->url, NULL);
    assert_int_equal(r.status, 0);
    expect_in(r.out, c.id);
    expect_in(r.out, "insert  customers");
    expect_no_secret(&r, &s);
    run_free(&r);
    r = trail("verify", t->url, NULL);
    assert_int_equal(r.status, 0);
    expect_in(r.out, "intact");
    expect_no_secret(&r, &s);
    run_free(&r);
    shop_customer_clear(&c);
}

/*
 * libpq's key=value form reaches the driver that takes it (its dialect's
 * url_keywords: PostgreSQL's), and the database behind it.
 */
static void test_keyword_form(void **state)
{
    it_db *t = *state;
    const trail_driver *drv = t->db->drv;
    if (!drv->dialect->url_keywords)
        skip();
    /* The fixture's URL is scheme://USER@HOST:PORT/NAME (pg.sh's: no password). */
    char user[64], host[64], name[64];
    unsigned port;
    assert_int_equal(
        sscanf(strstr(t->url, "://") + 3, "%63[^@]@%63[^:]:%u/%63s", user, host, &port, name), 4);
    char kv[400];
    snprintf(kv, sizeof kv, "host=%s port=%u user=%s dbname=%s", host, port, user, name);
    shop_customer c = { 0 };
    it_customer(t->db, "kv@example.com", &c);

    run r = trail("log", kv, NULL);
    assert_int_equal(r.status, 0);
    expect_in(r.out, c.id);
    run_free(&r);
    r = trail("verify", kv, NULL);
    assert_int_equal(r.status, 0);
    expect_in(r.out, "intact");
    run_free(&r);
    r = trail("nodes", kv, NULL);
    assert_int_equal(r.status, 0);
    run_free(&r);

    /* The same form with a password, to a port where nothing listens. */
    snprintf(kv, sizeof kv, "host=%s port=1 user=%s password=wr0ngPa55 dbname=%s", host, user,
             name);
    r = trail("log", kv, NULL);
    assert_int_equal(r.status, 2);
    char says[64];
    snprintf(says, sizeof says, "%s: cannot connect", drv->name);
    expect_in(r.err, says);
    expect_not_in(r.err, "wr0ngPa55");
    run_free(&r);
    shop_customer_clear(&c);
}

/*
 * @url with its password replaced by @password and, when @port is not 0,
 * its port by @port (which the URL must have).
 */
static void with_password(char *out, size_t size, const char *url, const char *password,
                          unsigned port)
{
    const char *scheme_end = strstr(url, "://") + 3;
    const char *at = strrchr(scheme_end, '@');
    assert_non_null(at);
    const char *colon = memchr(scheme_end, ':', (size_t)(at - scheme_end));
    const char *user_end = colon ? colon : at;
    const char *host = at + 1, *rest = host + strcspn(host, ":/");
    int host_len = (int)(rest - host);
    char port_text[16] = "";
    if (port) {
        assert_int_equal(*rest, ':');
        snprintf(port_text, sizeof port_text, ":%u", port);
        rest += strcspn(rest, "/");
    }
    snprintf(out, size, "%.*s:%s@%.*s%s%s", (int)(user_end - url), url, password, host_len, host,
             port_text, rest);
}

/*
 * An unreachable server, and a wrong password where the fixture's server
 * asks for one (the engine's wrong_password in raw.c: MariaDB's).
 */
static void test_wrong_password(void **state)
{
    it_db *t = *state;
    const raw_engine *e = it_engine(t);
    if (!e->server)
        skip();
    char url[PATH_MAX + 64];
    /* Nothing listens on port 1: libpq and Connector/C say so, and quote their input. */
    with_password(url, sizeof url, t->url, "wr0ngPa55", 1);
    run r = trail("log", url, NULL);
    assert_int_equal(r.status, 2);
    expect_in(r.err, "cannot connect");
    expect_not_in(r.err, "wr0ngPa55");
    run_free(&r);
    trail_conn *db = NULL;
    assert_int_equal(trail_open(&db, url, NULL), TRAIL_EDB);
    expect_not_in(trail_errmsg(db), "wr0ngPa55");
    trail_close(db);

    if (!e->wrong_password) {
        /* The PostgreSQL fixture trusts every local connection: no password to get wrong. */
        if (secret_of(t->url).raw[0])
            fail_msg("%s: the fixture's URL has a password: give the %s engine in "
                     "tests/integration/raw.c what its server answers a wrong one "
                     "(wrong_password)",
                     t->url, e->driver);
        return;
    }
    with_password(url, sizeof url, t->url, "wr0ngPa55", 0);
    r = trail("verify", url, NULL);
    assert_int_equal(r.status, 2);
    expect_in(r.err, e->wrong_password);
    expect_not_in(r.err, "wr0ngPa55");
    run_free(&r);
    assert_int_equal(trail_open(&db, url, NULL), TRAIL_EDB);
    expect_in(trail_errmsg(db), e->wrong_password);
    expect_not_in(trail_errmsg(db), "wr0ngPa55");
    trail_close(db);
}

/* Deleting the schema description does not switch the live-row check off, anywhere. */
static void test_model_deleted(void **state)
{
    it_db *t = *state;
    shop_customer c = { 0 };
    it_customer(t->db, "ann@example.com", &c);
    it_tamper(t, "DELETE FROM \"trail_meta\" WHERE \"key\" = 'schema.shop.model'");
    it_tamper(t, "UPDATE \"customers\" SET \"name\" = 'Mallory' WHERE \"id\" = '%s'", c.id);
    secret s = secret_of(t->url);

    run r = trail("verify", t->url, NULL);
    assert_int_equal(r.status, 1);
    expect_in(r.out, "trail_meta has schema.shop.version but no schema.shop.model");
    expect_in(r.out, "customers  -       -      no schema description in trail_meta names this "
                     "table");
    expect_in(r.out, "BROKEN");
    expect_no_secret(&r, &s);
    if (s.raw[0])
        expect_in(r.out, ":***@"); /* the URL, as the BROKEN line names it */
    run_free(&r);

    trail_verify_report rep = { 0 };
    IT_OK(t->db, trail_verify(t->db, &rep));
    assert_true(rep.n_problems >= 2);
    trail_verify_report_free(&rep);
    shop_customer_clear(&c);
}

/*
 * A writer's lane row deleted: verify exits 1 naming the lane twice, as the
 * gap it leaves in the node's lanes and as the lane its events name.
 */
static void test_lane_deleted(void **state)
{
    it_db *t = *state;
    trail_conn *first = it_open(t, NULL);
    shop_customer c = { 0 };
    it_customer(first, "ann@example.com", &c);
    trail_close(first);
    it_events evs;
    it_history(t->db, "customers", c.id, &evs);
    assert_int_equal(evs.n, 1);
    char lane[TRAIL_ULID_LEN + 1];
    snprintf(lane, sizeof lane, "%s", evs.ev[0].lane_id);
    it_events_free(&evs);
    shop_customer_clear(&c);
    it_customer(t->db, "bob@example.com", &c); /* the node's second lane */
    it_tamper(t, "DELETE FROM \"trail_lanes\" WHERE \"lane_id\" = '%s'", lane);

    run r = trail("verify", t->url, NULL);
    assert_int_equal(r.status, 1);
    char says[128];
    snprintf(says, sizeof says, "its lane %s is not in trail_lanes", lane);
    expect_in(r.out, says);
    expect_in(r.out,
              "'s first lane but has node_seq 2: the node's lane rows before it were removed");
    expect_in(r.out, "BROKEN");
    run_free(&r);
    shop_customer_clear(&c);
}

/*
 * `trail digest` and `trail verify --digest` on every engine: a customer's
 * insert, the newest event of the connection's open lane, is removed with
 * the customer's row, so that the chains and the records hold together and
 * verify alone says intact; with the digest kept before, it names the lane
 * and seq 1.
 */
static void test_digest(void **state)
{
    it_db *t = *state;
    shop_customer c = { 0 };
    it_customer(t->db, "ann@example.com", &c);
    it_events evs;
    it_history(t->db, "customers", c.id, &evs);
    assert_int_equal(evs.n, 1);
    assert_int_equal(evs.ev[0].seq, 1);
    secret s = secret_of(t->url);

    run r = trail("digest", t->url, NULL);
    assert_int_equal(r.status, 0);
    expect_in(r.out, evs.ev[0].hash);
    expect_no_secret(&r, &s);
    char path[] = "/tmp/trail-digest.XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    assert_non_null(f);
    fputs(r.out, f);
    fclose(f);
    run_free(&r);
    r = trail("verify", t->url, "--digest", path, NULL);
    assert_int_equal(r.status, 0);
    expect_in(r.out, "everything the digest covers is there");
    run_free(&r);

    it_tamper(t, "DELETE FROM \"trail_change_events\" WHERE \"event_id\" = '%s'",
              evs.ev[0].event_id);
    it_tamper(t, "DELETE FROM \"customers\" WHERE \"id\" = '%s'", c.id);
    r = trail("verify", t->url, NULL);
    assert_int_equal(r.status, 0);
    expect_in(r.out, "intact");
    run_free(&r);
    r = trail("verify", t->url, "--digest", path, NULL);
    assert_int_equal(r.status, 1);
    char want[200];
    snprintf(want, sizeof want,
             "lane %s: the digest covers it up to seq 1, but it has no events: they were removed",
             evs.ev[0].lane_id);
    expect_in(r.out, want);
    expect_no_secret(&r, &s);
    run_free(&r);
    remove(path);
    it_events_free(&evs);
    shop_customer_clear(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_log_and_verify, it_setup, it_teardown),
        cmocka_unit_test_setup_teardown(test_keyword_form, it_setup, it_teardown),
        cmocka_unit_test_setup_teardown(test_wrong_password, it_setup, it_teardown),
        cmocka_unit_test_setup_teardown(test_model_deleted, it_setup, it_teardown),
        cmocka_unit_test_setup_teardown(test_lane_deleted, it_setup, it_teardown),
        cmocka_unit_test_setup_teardown(test_digest, it_setup, it_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
