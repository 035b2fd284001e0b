/*
 * test_failover.c - several hosts in one URL (issue 19, item 3): trail_open()
 * tries them in order and keeps the first that answers.
 *
 * A dead host is a port on 127.0.0.1 that was bound, read and closed, so
 * that nothing listens there and a connect is refused at once; a silent one
 * listens and never answers, so a connect to it waits out the connect
 * timeout. On MariaDB (mysql://h1:p1,h2:p2/db, split by libtrail): a dead
 * or silent first host, then the test's server, opens, and a write and a
 * read work; dead hosts only fail with TRAIL_EDB within the connect timeout,
 * naming each host and no password. On PostgreSQL, where libpq reads the
 * URL: a dead first host and target_session_attrs=read-write open on the
 * server; dead hosts only fail saying why each failed, and no password.
 * SQLite has no host: the program says so and exits with 77.
 */
#define _POSIX_C_SOURCE 200809L
#include "it_common.h"

#include "driver/mysql/mysql_url.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define TIMEOUT_MS 2000
#define MARGIN_MS  1500 /* a loaded machine's scheduling; MariaDB counts whole seconds */

static const raw_engine *eng; /* the URL's, set by main() */

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A socket on 127.0.0.1 bound to a port of the kernel's choice, listening when @listening. */
static int local_socket(bool listening, int *port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t len = sizeof a;
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
    if (listening)
        assert_int_equal(listen(fd, 16), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
    *port = ntohs(a.sin_port);
    return fd;
}

/* A port where nothing listens: a connect to it is refused at once. */
static int dead_port(void)
{
    int port;
    close(local_socket(false, &port));
    return port;
}

/* Fails the test if @msg shows the password of the mysql:// URL @url (a well-formed one), decoded
 * or as written. */
static void expect_no_password(const char *msg, const char *url)
{
    trail_err err = { 0 };
    trail_mysql_url u;
    assert_int_equal(trail__mysql_url_parse(&u, url, &err), TRAIL_OK);
    bool shown = u.password && *u.password && strstr(msg, u.password);
    trail__mysql_url_free(&u);
    if (shown)
        fail_msg("the message shows the password: %s", msg);
    const char *at = strrchr(url, '@'), *colon = strchr(url + strlen("mysql://"), ':');
    if (at && colon && colon < at) {
        char written[256];
        snprintf(written, sizeof written, "%.*s", (int)(at - colon - 1), colon + 1);
        if (*written && strstr(msg, written))
            fail_msg("the message shows the password as written: %s", msg);
    }
}

/* Opens @url, writes a customer and reads it back: the connection works. */
static void expect_works(const char *url, const trail_open_opts *o)
{
    trail_conn *db = NULL;
    int rc = trail_open(&db, url, o);
    if (rc != TRAIL_OK)
        fail_msg("trail_open: %s: %s", trail_code_name(rc), trail_errmsg(db));
    shop_customer c = { 0 }, got = { 0 };
    it_customer(db, "failover@x.org", &c);
    IT_OK(db, shop_customer_get(db, c.id, &got));
    assert_string_equal(got.email, "failover@x.org");
    assert_int_equal(got.version, c.version);
    shop_customer_clear(&c);
    shop_customer_clear(&got);
    trail_close(db);
}

static void test_dead_first_host(void **state)
{
    it_db *t = *state;
    char url[sizeof t->url + 64];
    it_url_host_first(t->url, dead_port(), url, sizeof url);
    trail_open_opts o = TRAIL_OPEN_OPTS_INIT;
    o.connect_timeout_ms = TIMEOUT_MS;
    expect_works(url, &o);
}

/* A first host that takes the connection and never answers costs one connect timeout. */
static void test_silent_first_host(void **state)
{
    it_db *t = *state;
    int port, fd = local_socket(true, &port);
    char url[sizeof t->url + 64];
    it_url_host_first(t->url, port, url, sizeof url);
    trail_open_opts o = TRAIL_OPEN_OPTS_INIT;
    o.connect_timeout_ms = TIMEOUT_MS;
    int64_t started = mono_ms();
    expect_works(url, &o);
    int64_t took = mono_ms() - started;
    close(fd);
    if (took < TIMEOUT_MS - 50)
        fail_msg("opened after %lld ms: the silent host was not waited for", (long long)took);
}

static void test_dead_hosts_only(void **state)
{
    it_db *t = *state;
    int first = dead_port(), second = dead_port();
    char one[sizeof t->url + 16], url[sizeof one + 64];
    it_url_port(t->url, second, one, sizeof one);
    it_url_host_first(one, first, url, sizeof url);
    trail_open_opts o = TRAIL_OPEN_OPTS_INIT;
    o.connect_timeout_ms = TIMEOUT_MS;
    trail_conn *db = NULL;
    int64_t started = mono_ms();
    int rc = trail_open(&db, url, &o);
    int64_t took = mono_ms() - started;
    it_expect_rc(db, TRAIL_EDB, rc, "trail_open on dead hosts only", __FILE__, __LINE__);
    const char *msg = trail_errmsg(db);
    char h1[32], h2[32];
    snprintf(h1, sizeof h1, "127.0.0.1:%d: ", first);
    snprintf(h2, sizeof h2, "127.0.0.1:%d: ", second);
    if (!strstr(msg, "cannot connect to any of the 2 hosts") || !strstr(msg, h1) ||
        !strstr(msg, h2) || strstr(msg, h2) < strstr(msg, h1))
        fail_msg("the message does not name both hosts in order: %s", msg);
    expect_no_password(msg, t->url);
    printf("dead hosts only: %s\n", msg);
    if (took > TIMEOUT_MS + MARGIN_MS)
        fail_msg("failed after %lld ms, beyond the connect timeout of %d ms", (long long)took,
                 TIMEOUT_MS);
    trail_close(db);
}

/* A malformed list is refused before any connect, naming the URL without its password. */
static void test_malformed_list(void **state)
{
    it_db *t = *state;
    char url[sizeof t->url + 64];
    it_url_host_first(t->url, dead_port(), url, sizeof url);
    char *comma = strchr(url, ',');
    memmove(comma + 1, comma, strlen(comma) + 1); /* "h1,,h2": an empty host */
    trail_conn *db = NULL;
    int rc = trail_open(&db, url, NULL);
    it_expect_rc(db, TRAIL_EARG, rc, "trail_open on h1,,h2", __FILE__, __LINE__);
    IT_MSG(db, "mysql URL 'mysql://", "host 2 of 3 in the list is empty");
    expect_no_password(trail_errmsg(db), t->url);
    printf("malformed list: %s\n", trail_errmsg(db));
    trail_close(db);
}

/* libpq reads the list and the parameter itself: the URL passes through whole. */
static void test_pg_read_write_target(void **state)
{
    it_db *t = *state;
    char url[sizeof t->url + 64], rw[sizeof url + 64];
    it_url_host_first(t->url, dead_port(), url, sizeof url);
    it_url_with(url, "target_session_attrs", "read-write", rw, sizeof rw);
    trail_open_opts o = TRAIL_OPEN_OPTS_INIT;
    o.connect_timeout_ms = TIMEOUT_MS;
    expect_works(rw, &o);
}

/*
 * Dead hosts only, on PostgreSQL: libpq tries each in turn and says why
 * each failed, on a line of its own; the message keeps every one, in the
 * URL's order, and no password (the fixture's server asks for none, so the
 * URL is given one).
 */
static void test_pg_dead_hosts_only(void **state)
{
    it_db *t = *state;
    int first = dead_port(), second = dead_port();
    char one[sizeof t->url + 64], two[sizeof one + 64], url[sizeof two + 64];
    it_url_password(t->url, "Fo%40il-s3cret", 0, one, sizeof one);
    it_url_port(one, second, two, sizeof two);
    it_url_host_first(two, first, url, sizeof url);
    trail_open_opts o = TRAIL_OPEN_OPTS_INIT;
    o.connect_timeout_ms = TIMEOUT_MS;
    trail_conn *db = NULL;
    int rc = trail_open(&db, url, &o);
    it_expect_rc(db, TRAIL_EDB, rc, "trail_open on dead hosts only", __FILE__, __LINE__);
    const char *msg = trail_errmsg(db);
    char h1[48], h2[48];
    snprintf(h1, sizeof h1, "port %d failed: ", first);
    snprintf(h2, sizeof h2, "port %d failed: ", second);
    const char *at1 = strstr(msg, h1), *at2 = strstr(msg, h2);
    if (!strstr(msg, "cannot connect to any of the 2 hosts") || !at1 || !at2 || at2 < at1)
        fail_msg("the message does not say why each host failed, in order: %s", msg);
    it_expect_no_password(msg, url);
    printf("dead hosts only: %s\n", msg);
    trail_close(db);
}

int main(void)
{
    if (!(eng = it_test_engine()))
        return 1;
    if (!eng->server) {
        printf("test_failover applies to server engines: a %s database has no host\n", eng->driver);
        return 77;
    }
    if (strcmp(eng->driver, "pg") == 0) {
        const struct CMUnitTest tests[] = {
            cmocka_unit_test_setup_teardown(test_pg_read_write_target, it_setup, it_teardown),
            cmocka_unit_test_setup_teardown(test_dead_first_host, it_setup, it_teardown),
            cmocka_unit_test_setup_teardown(test_pg_dead_hosts_only, it_setup, it_teardown),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_dead_first_host, it_setup, it_teardown),
        cmocka_unit_test_setup_teardown(test_silent_first_host, it_setup, it_teardown),
        cmocka_unit_test_setup_teardown(test_dead_hosts_only, it_setup, it_teardown),
        cmocka_unit_test_setup_teardown(test_malformed_list, it_setup, it_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
