/*
 * test_error.c - return code names and texts, and the fixed-buffer message
 * behind trail_errmsg().
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "core/err.h"
#include "core/utf8.h"
#include "trail/trail.h"

static const int all_codes[] = { TRAIL_OK,       TRAIL_ENOTFOUND, TRAIL_ECONFLICT, TRAIL_EUNIQUE,
                                 TRAIL_EINVALID, TRAIL_EREF,      TRAIL_EBUSY,     TRAIL_ECLOCK,
                                 TRAIL_EDB,      TRAIL_ENOMEM,    TRAIL_EARG,      TRAIL_EOVERFLOW,
                                 TRAIL_ESYS,     TRAIL_ETWIN };
#define NCODES (sizeof all_codes / sizeof all_codes[0])

/* Each code has its own name and text; failures are negative and distinct. */
static void test_codes(void **state)
{
    (void)state;
    assert_int_equal(TRAIL_OK, 0);
    for (size_t i = 0; i < NCODES; i++) {
        const char *name = trail_code_name(all_codes[i]);
        const char *text = trail_strerror(all_codes[i]);
        assert_true(strncmp(name, "TRAIL_", 6) == 0);
        assert_true(strlen(text) > 5);
        if (i > 0)
            assert_true(all_codes[i] < 0);
        for (size_t j = 0; j < i; j++) {
            assert_true(all_codes[i] != all_codes[j]);
            assert_string_not_equal(name, trail_code_name(all_codes[j]));
            assert_string_not_equal(text, trail_strerror(all_codes[j]));
        }
    }
    assert_string_equal(trail_code_name(TRAIL_ECONFLICT), "TRAIL_ECONFLICT");
    assert_string_equal(trail_code_name(TRAIL_EBUSY), "TRAIL_EBUSY");
    assert_int_equal(TRAIL_ETWIN, -13);
    assert_string_equal(trail_code_name(TRAIL_ETWIN), "TRAIL_ETWIN");
    assert_string_equal(trail_strerror(TRAIL_ETWIN),
                        "this node's id is used by another database: a copy");
    assert_string_equal(trail_strerror(-999), "unknown error code");
    assert_string_equal(trail_code_name(42), "TRAIL_E?");
}

static void test_version(void **state)
{
    (void)state;
    assert_string_equal(trail_version(), TRAIL_VERSION);
    char expect[32];
    snprintf(expect, sizeof expect, "%d.%d.%d", TRAIL_VERSION_MAJOR, TRAIL_VERSION_MINOR,
             TRAIL_VERSION_PATCH);
    assert_string_equal(trail_version(), expect);
}

static void test_message(void **state)
{
    (void)state;
    trail_err err;
    trail__err_clear(&err);
    assert_string_equal(trail__err_message(&err), "no error");

    assert_int_equal(
        trail__err_set(&err, TRAIL_EINVALID, "customer.email: %d characters, at most %d", 300, 254),
        TRAIL_EINVALID);
    assert_int_equal(err.code, TRAIL_EINVALID);
    assert_string_equal(trail__err_message(&err), "customer.email: 300 characters, at most 254");

    /* No message given: the code's own text. */
    assert_int_equal(trail__err_set(&err, TRAIL_ENOMEM, NULL), TRAIL_ENOMEM);
    assert_string_equal(trail__err_message(&err), trail_strerror(TRAIL_ENOMEM));

    trail__err_clear(&err);
    assert_int_equal(err.code, TRAIL_OK);
    assert_string_equal(trail__err_message(&err), "no error");
    assert_int_equal(trail__err_set(NULL, TRAIL_EDB, "ignored"), TRAIL_EDB);
}

/* A message too long for the buffer is cut on a character boundary and marked. */
static void test_message_truncation(void **state)
{
    (void)state;
    char longer[3 * TRAIL_ERRMSG_MAX];
    /* "東" is three bytes: no cut position lines up with it by chance alone. */
    for (int offset = 0; offset < 3; offset++) {
        size_t n = 0;
        for (int i = 0; i < offset; i++)
            longer[n++] = 'x';
        while (n + 3 < sizeof longer) {
            memcpy(longer + n, "\xe6\x9d\xb1", 3);
            n += 3;
        }
        longer[n] = '\0';

        trail_err err;
        trail__err_set(&err, TRAIL_EDB, "%s", longer);
        const char *msg = trail__err_message(&err);
        size_t len = strlen(msg);
        assert_true(len < TRAIL_ERRMSG_MAX);
        assert_true(len > TRAIL_ERRMSG_MAX - 8);
        assert_string_equal(msg + len - 3, "...");
        assert_true(trail__utf8_valid(msg, len));
        assert_memory_equal(msg, longer, len - 3);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_codes),
        cmocka_unit_test(test_version),
        cmocka_unit_test(test_message),
        cmocka_unit_test(test_message_truncation),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
