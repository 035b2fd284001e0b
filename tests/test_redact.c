/*
 * test_redact.c - connection strings without their passwords:
 * trail_url_redact() on every form trail_open() takes, and trail__err_scrub()
 * on messages as libpq writes them (its text for a malformed URI quotes the
 * URI whole), and through trail_open() itself.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "core/redact.h"
#include "trail/trail.h"

static void expect_redacted(const char *url, const char *want)
{
    char buf[512];
    assert_ptr_equal(trail_url_redact(buf, sizeof buf, url), buf);
    if (strcmp(buf, want) != 0)
        fail_msg("%s\n  gave %s\n  want %s", url, buf, want);
}

static void test_redact_forms(void **state)
{
    (void)state;
    /* Nothing to hide. */
    expect_redacted("sqlite:/tmp/a:b@c.db", "sqlite:/tmp/a:b@c.db");
    expect_redacted("/tmp/shop.db", "/tmp/shop.db");
    expect_redacted("postgresql://trail@127.0.0.1:5432/trail",
                    "postgresql://trail@127.0.0.1:5432/trail");
    expect_redacted("mysql://localhost/db", "mysql://localhost/db");
    expect_redacted("host=/tmp dbname=trail user=trail", "host=/tmp dbname=trail user=trail");

    /* The user info of a URL. */
    expect_redacted("postgresql://ann:s3cr3t@db.example:5432/shop",
                    "postgresql://ann:***@db.example:5432/shop");
    expect_redacted("postgres://ann:s3cr3t@db/shop", "postgres://ann:***@db/shop");
    expect_redacted("mysql://trail:trail%3Ap%40ss%2Fw%25rd@127.0.0.1:3306/trail",
                    "mysql://trail:***@127.0.0.1:3306/trail");
    expect_redacted("mariadb://u:pw@localhost/db?socket=/run/mysqld/mysqld.sock",
                    "mariadb://u:***@localhost/db?socket=/run/mysqld/mysqld.sock");
    expect_redacted("mysql://u:@h/db", "mysql://u:@h/db"); /* an empty password: nothing shown */
    /* Unencoded reserved characters: the user info runs to the last '@'. */
    expect_redacted("mysql://u:p@ss/w?rd@h/db", "mysql://u:***@h/db");
    /* libpq's password query parameter. */
    expect_redacted("postgresql://ann@db/shop?sslmode=require&password=s3cr3t",
                    "postgresql://ann@db/shop?sslmode=require&password=***");
    expect_redacted("postgresql:///shop?password=s3cr3t&host=/tmp",
                    "postgresql:///shop?password=***&host=/tmp");

    /* libpq's key=value form, quoted and escaped values included. */
    expect_redacted("host=/tmp password=s3cr3t dbname=trail",
                    "host=/tmp password=*** dbname=trail");
    expect_redacted("password = s3cr3t", "password = ***");
    expect_redacted("host=h password='s3 cr\\'3t' user=u", "host=h password='***' user=u");
    expect_redacted("dbname=postgresql://u:s3cr3t@h/db", "dbname=postgresql://u:***@h/db");

    /* Cut to the buffer, never in the middle of a password. */
    char small[20];
    trail_url_redact(small, sizeof small, "postgresql://ann:s3cr3t@db/shop");
    assert_string_equal(small, "postgresql://ann:**");
    trail_url_redact(small, sizeof small, NULL);
    assert_string_equal(small, "");
}

static void expect_scrubbed(const char *url, const char *msg, const char *want)
{
    trail_err err = { 0 };
    trail__err_set(&err, TRAIL_EDB, "%s", msg);
    trail__err_scrub(&err, url);
    if (strcmp(err.msg, want) != 0)
        fail_msg("%s\n  gave %s\n  want %s", msg, err.msg, want);
}

static void test_scrub(void **state)
{
    (void)state;
    /* libpq's own messages for these strings (PQconnectdb, libpq 15). */
    expect_scrubbed("postgresql://u:s3cr3t@[::1/db",
                    "postgresql: cannot connect: end of string reached when looking for matching "
                    "\"]\" in IPv6 host address in URI: \"postgresql://u:s3cr3t@[::1/db\"",
                    "postgresql: cannot connect: end of string reached when looking for matching "
                    "\"]\" in IPv6 host address in URI: \"postgresql://u:***@[::1/db\"");
    expect_scrubbed("postgresql://u:s3%zzcr3t@h/db",
                    "postgresql: cannot connect: invalid percent-encoded token: \"s3%zzcr3t\"",
                    "postgresql: cannot connect: invalid percent-encoded token: \"***\"");
    /* The decoded form too, and the key=value form. */
    expect_scrubbed("mysql://u:p%40ss@h/db", "it said p@ss and p%40ss", "it said *** and ***");
    expect_scrubbed("host=x password='a b\\'c'", "it said a b'c and a b\\'c",
                    "it said *** and ***");
    /* Nothing to hide, nothing changed. */
    expect_scrubbed("postgresql://u@h/db", "could not connect to u@h", "could not connect to u@h");

    /* A message cut short ("...") at a password hides the part of it that is there. */
    static const char url[] = "postgresql://u:TopSecretPassword@[::1/db";
    char msg[TRAIL_ERRMSG_MAX + 64];
    /* 499 x, then the password from its URL: its first 9 characters fit before the cut. */
    memset(msg, 'x', sizeof msg);
    memcpy(msg + TRAIL_ERRMSG_MAX - 4 - 9, url + 15, sizeof url - 15);
    trail_err err = { 0 };
    trail__err_set(&err, TRAIL_EDB, "%s", msg);
    assert_string_equal(err.msg + strlen(err.msg) - 3, "...");
    assert_non_null(strstr(err.msg, "TopSecr"));
    trail__err_scrub(&err, url);
    assert_null(strstr(err.msg, "TopSecr"));
    assert_null(strstr(err.msg, "Top"));
    assert_string_equal(err.msg + strlen(err.msg) - 6, "***...");
    assert_true(strlen(err.msg) < TRAIL_ERRMSG_MAX);
}

/* trail_open() as a program calls it: its message never holds the password. */
static void test_open_messages(void **state)
{
    (void)state;
    static const char *const urls[] = {
        "postgresql://u:s3cr3t@[::1/db",
        "postgresql://u:s3%zzcr3t@h/db",
        "postgresql://u:s3cr3t@host.invalid/db",
        "host=/nonexistent/dir password=s3cr3t dbname=x connect_timeout=2",
        "host=/nonexistent/dir password='s3cr3t' bogus",
        "mysql://u:s3cr3t@[::1/db",
        "mysql://u:s3cr3t@127.0.0.1:1/db",
        "postgress://u:s3cr3t@h/db", /* an unknown scheme: its message quotes the URL */
    };
    for (size_t i = 0; i < sizeof urls / sizeof urls[0]; i++) {
        trail_conn *db = NULL;
        int rc = trail_open(&db, urls[i], NULL);
        const char *msg = trail_errmsg(db);
        if (rc == TRAIL_OK || strstr(msg, "s3cr3t") || strstr(msg, "s3%zzcr3t"))
            fail_msg("%s: %s: %s", urls[i], trail_code_name(rc), msg);
        trail_close(db);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_redact_forms),
        cmocka_unit_test(test_scrub),
        cmocka_unit_test(test_open_messages),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
