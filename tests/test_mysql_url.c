/*
 * test_mysql_url.c - splitting mysql:// URLs: every part, percent-decoding
 * (reserved characters in a password), IPv6 hosts, the socket form, the
 * timeouts, lists of hosts (failover), and the refusals, whose messages
 * name the URL with its password hidden.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "driver/mysql/mysql_url.h"
#include "trail/redact.h"

/* NULL-safe string comparison: a part the URL lacks is NULL. */
static void expect_part(const char *got, const char *want)
{
    if (!want)
        assert_null(got);
    else
        assert_string_equal(got ? got : "(null)", want);
}

static void expect_url(const char *url, const char *user, const char *password, const char *host,
                       unsigned port, const char *database, const char *socket,
                       const char *program_name)
{
    trail_err err = { 0 };
    trail_mysql_url u;
    int rc = trail__mysql_url_parse(&u, url, &err);
    if (rc != TRAIL_OK)
        fail_msg("%s: %s", url, trail__err_message(&err));
    expect_part(u.user, user);
    expect_part(u.password, password);
    expect_part(u.host, host);
    assert_int_equal(u.port, port);
    expect_part(u.database, database);
    expect_part(u.socket, socket);
    expect_part(u.program_name, program_name);
    /* One host: the list is that host alone. */
    assert_int_equal(u.n_hosts, 1);
    expect_part(u.hosts[0].host, host);
    assert_int_equal(u.hosts[0].port, port);
    trail__mysql_url_free(&u);
}

static void test_parts(void **state)
{
    (void)state;
    expect_url("mysql://ann:secret@db.example.org:3307/shop", "ann", "secret", "db.example.org",
               3307, "shop", NULL, NULL);
    expect_url("mariadb://ann@127.0.0.1/shop", "ann", NULL, "127.0.0.1", 0, "shop", NULL, NULL);
    expect_url("mysql://db.example.org", NULL, NULL, "db.example.org", 0, NULL, NULL, NULL);
    expect_url("mysql://ann:@h/d", "ann", "", "h", 0, "d", NULL, NULL); /* an empty password */
    expect_url("mysql://[::1]:3306/d", NULL, NULL, "::1", 3306, "d", NULL, NULL);
    expect_url("mysql://u@[fe80::1]/d", "u", NULL, "fe80::1", 0, "d", NULL, NULL);
    expect_url("mysql://u@localhost/d?socket=/run/mysqld/mysqld.sock", "u", NULL, "localhost", 0,
               "d", "/run/mysqld/mysqld.sock", NULL);
    expect_url("mysql:///d?socket=%2Ftmp%2Fs%20x.sock&program_name=trail_victim_1", NULL, NULL,
               NULL, 0, "d", "/tmp/s x.sock", "trail_victim_1");
}

static void test_percent_decoding(void **state)
{
    (void)state;
    /* What tests/servers/mariadb.sh's password looks like in its URL. */
    expect_url("mysql://trail:trail%3Ap%40ss%2Fw%25rd@127.0.0.1:5/trail", "trail",
               "trail:p@ss/w%rd", "127.0.0.1", 5, "trail", NULL, NULL);
    expect_url("mysql://J%C3%BCrgen:a%2fb@h/caf%C3%A9", "Jürgen", "a/b", "h", 0, "café", NULL,
               NULL);
    /* An unescaped '@' in the password: the last '@' ends the user part. */
    expect_url("mysql://u:p@ss@h/d", "u", "p@ss", "h", 0, "d", NULL, NULL);
}

/* The timeouts of @url: whole seconds, 0 for none, -1 when the URL has none. */
static void expect_timeouts(const char *url, int connect, int read, int write)
{
    trail_err err = { 0 };
    trail_mysql_url u;
    if (trail__mysql_url_parse(&u, url, &err) != TRAIL_OK)
        fail_msg("%s: %s", url, trail__err_message(&err));
    int got[] = { u.connect_timeout, u.read_timeout, u.write_timeout };
    trail__mysql_url_free(&u);
    assert_int_equal(got[0], connect);
    assert_int_equal(got[1], read);
    assert_int_equal(got[2], write);
}

static void test_timeouts(void **state)
{
    (void)state;
    expect_timeouts("mysql://u@h/d", -1, -1, -1);
    expect_timeouts("mysql://u@h/d?connect_timeout=5&read_timeout=0&write_timeout=30", 5, 0, 30);
    expect_timeouts("mysql://u@h/d?read_timeout=2147483&socket=%2Fs", -1, 2147483, -1);
    expect_timeouts("mysql://u@h/d?write_timeout=007", -1, -1, 7);
}

/* The hosts of @url, "host:port" each ("-" for no host), against @want's @n. */
static void expect_hosts(const char *url, size_t n, const char *const *want)
{
    trail_err err = { 0 };
    trail_mysql_url u;
    if (trail__mysql_url_parse(&u, url, &err) != TRAIL_OK)
        fail_msg("%s: %s", url, trail__err_message(&err));
    char got[16][80];
    size_t n_got = u.n_hosts < 16 ? u.n_hosts : 16;
    for (size_t i = 0; i < n_got; i++)
        snprintf(got[i], sizeof got[i], "%s:%u", u.hosts[i].host ? u.hosts[i].host : "-",
                 u.hosts[i].port);
    /* The first host is also the URL's host, for callers that reach one server. */
    bool first_is_host = u.host == u.hosts[0].host && u.port == u.hosts[0].port;
    trail__mysql_url_free(&u);
    assert_true(first_is_host);
    if (n_got != n)
        fail_msg("%s: %zu hosts, expected %zu", url, n_got, n);
    for (size_t i = 0; i < n; i++)
        if (strcmp(got[i], want[i]) != 0)
            fail_msg("%s: host %zu is %s, expected %s", url, i + 1, got[i], want[i]);
}

static void test_host_lists(void **state)
{
    (void)state;
    expect_hosts("mysql://u:pw@h1:3307,h2,[::1]:3309/d", 3,
                 (const char *const[]){ "h1:3307", "h2:0", "::1:3309" });
    expect_hosts("mariadb://10.0.0.1:3306,10.0.0.2:3306", 2,
                 (const char *const[]){ "10.0.0.1:3306", "10.0.0.2:3306" });
    /* A comma in the password or the query is no separator of hosts. */
    expect_hosts("mysql://u:a,b@h1,h2/d?program_name=a,b", 2,
                 (const char *const[]){ "h1:0", "h2:0" });
    expect_hosts("mysql://u:a%2Cb@%5Bh%5D:1,[fe80::2]/d", 2,
                 (const char *const[]){ "[h]:1", "fe80::2:0" });
    /* The local socket first, then a server over TCP: Connector/C uses the socket for localhost. */
    expect_hosts("mysql://u@localhost,db2:3306/d?socket=/run/mysqld/mysqld.sock", 2,
                 (const char *const[]){ "localhost:0", "db2:3306" });
    /* No host at all is still one: the default. */
    expect_hosts("mysql:///d?socket=/s", 1, (const char *const[]){ "-:0" });
    expect_hosts("mysql://u@:3307/d", 1, (const char *const[]){ "-:3307" });
    expect_hosts("mysql://u@:3307,h/d", 2, (const char *const[]){ "-:3307", "h:0" });

    trail_err err = { 0 };
    trail_mysql_url u;
    assert_int_equal(trail__mysql_url_parse(&u, "mysql://u:a,b@h1,h2/d", &err), TRAIL_OK);
    expect_part(u.password, "a,b");
    expect_part(u.database, "d");
    trail__mysql_url_free(&u);
}

static void expect_refused(const char *url, const char *why)
{
    trail_err err = { 0 };
    trail_mysql_url u;
    if (trail__mysql_url_parse(&u, url, &err) != TRAIL_EARG)
        fail_msg("parsed \"%s\"", url);
    const char *msg = trail__err_message(&err);
    if (!strstr(msg, why))
        fail_msg("\"%s\": message \"%s\" does not say \"%s\"", url, msg, why);
    assert_null(strstr(msg, "s3cret"));
    assert_null(u.block);
    /* The URL is named, its password hidden: a URL may come from a configuration far away. */
    char shown[256], named[300];
    snprintf(named, sizeof named, "mysql URL '%s': ", trail_url_redact(shown, sizeof shown, url));
    if (strncmp(msg, named, strlen(named)) != 0)
        fail_msg("\"%s\": message \"%s\" does not begin with \"%s\"", url, msg, named);
}

static void test_refusals(void **state)
{
    (void)state;
    expect_refused("postgresql://u@h/d", "mysql://");
    expect_refused("mysql://u:s3cret@h:0/d", "port");
    expect_refused("mysql://u:s3cret@h:65536/d", "port");
    expect_refused("mysql://u:s3cret@h:33a/d", "port");
    expect_refused("mysql://u:s3cret@h:/d", "port");
    expect_refused("mysql://u:s3cret@[::1/d", "IPv6");
    expect_refused("mysql://u:s3cret@[::1]x/d", "IPv6");
    expect_refused("mysql://u:s3cret%zz@h/d", "password");
    expect_refused("mysql://u:s3cret%00@h/d", "password");
    expect_refused("mysql://u%4@h/d", "user");
    expect_refused("mysql://u:s3cret@h/d?sslmode=on", "sslmode");
    expect_refused("mysql://u:s3cret@h/d?socket=", "socket");
    expect_refused("mysql://u:s3cret@h/d?socket", "socket");
    expect_refused("mysql://u:s3cret@h/d%", "database");
    expect_refused("mysql://u:s3cret@h/d?read_timeout=soon", "read_timeout 'soon'");
    expect_refused("mysql://u:s3cret@h/d?read_timeout=-1", "seconds");
    expect_refused("mysql://u:s3cret@h/d?write_timeout=1.5", "write_timeout");
    expect_refused("mysql://u:s3cret@h/d?connect_timeout=2147484", "0-2147483");
    expect_refused("mysql://u:s3cret@h/d?connect_timeout=", "connect_timeout has no value");
    expect_refused("mysql://u:s3cret@h/d?timeout=5",
                   "read_timeout"); /* in the list of known keys */
}

static void test_host_list_refusals(void **state)
{
    (void)state;
    expect_refused("mysql://u:s3cret@h1,,h2/d", "host 2 of 3 in the list is empty");
    expect_refused("mysql://u:s3cret@h1,/d", "host 2 of 2 in the list is empty");
    expect_refused("mysql://u:s3cret@,h1/d?socket=/s", "host 1 of 2 in the list is empty");
    expect_refused("mysql://u:s3cret@h1:3306,h2:0/d", "host 2 of 2 in the list: port '0'");
    expect_refused("mysql://u:s3cret@h1,h2:,h3/d", "host 2 of 3 in the list: port ''");
    expect_refused("mysql://u:s3cret@h1:33x,h2/d", "host 1 of 2 in the list: port '33x'");
    expect_refused("mysql://u:s3cret@h1,[::1/d", "host 2 of 2 in the list: an IPv6 host");
    expect_refused("mysql://u:s3cret@h1,[::1]3306/d", "host 2 of 2 in the list: an IPv6 host");
    expect_refused("mysql://u:s3cret@h1,h%zz/d", "host 2 of 2 in the list: the host has a "
                                                 "malformed %-escape");
    /* The password is hidden whatever its own commas and '@'. */
    expect_refused("mysql://u:s3cret,x@y@h1,,h2/d", "host 2 of 3 in the list is empty");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parts),      cmocka_unit_test(test_percent_decoding),
        cmocka_unit_test(test_timeouts),   cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_host_lists), cmocka_unit_test(test_host_list_refusals),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
