/*
 * test_buf.c - the growable buffer: what it appends, and its sticky error.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "trail/error.h"

static void test_appends(void **state)
{
    (void)state;
    trail_buf b = TRAIL_BUF_INIT;
    assert_int_equal(trail__buf_append(&b, "ab", 2), TRAIL_OK);
    assert_int_equal(trail__buf_append_str(&b, "cd"), TRAIL_OK);
    assert_int_equal(trail__buf_appendf(&b, "%d-%s", 42, "x"), TRAIL_OK);
    assert_int_equal(trail__buf_append(&b, "", 0), TRAIL_OK);
    assert_string_equal(b.data, "abcd42-x");
    assert_int_equal(b.len, 8);
    char big[1000];
    memset(big, 'z', sizeof big);
    assert_int_equal(trail__buf_append(&b, big, sizeof big), TRAIL_OK); /* grows */
    assert_int_equal(b.len, 1008);
    assert_int_equal(b.data[1008], '\0');
    char *text = trail__buf_finish(&b);
    assert_non_null(text);
    assert_int_equal(strlen(text), 1008);
    assert_null(b.data); /* handed over: the buffer is empty again */
    assert_int_equal(b.len, 0);
    free(text);
}

static void test_finish_of_nothing(void **state)
{
    (void)state;
    trail_buf b = TRAIL_BUF_INIT;
    char *text = trail__buf_finish(&b);
    assert_non_null(text); /* "", not NULL, which means failure */
    assert_string_equal(text, "");
    free(text);
}

/* The first failure sticks: later appends do nothing and say so; finish gives NULL. */
static void test_sticky_error(void **state)
{
    (void)state;
    trail_buf b = TRAIL_BUF_INIT;
    assert_int_equal(trail__buf_append_str(&b, "kept"), TRAIL_OK);
    assert_int_equal(trail__buf_reserve(&b, SIZE_MAX), TRAIL_ENOMEM);
    assert_int_equal(b.err, TRAIL_ENOMEM);
    assert_int_equal(trail__buf_append_str(&b, "more"), TRAIL_ENOMEM);
    assert_int_equal(trail__buf_appendf(&b, "%d", 1), TRAIL_ENOMEM);
    assert_int_equal(trail__buf_reserve(&b, 1), TRAIL_ENOMEM);
    assert_string_equal(b.data, "kept"); /* nothing after the failure */
    assert_null(trail__buf_finish(&b));
    assert_null(b.data);
    assert_int_equal(b.err, TRAIL_OK); /* finished: empty and reusable */
    assert_int_equal(trail__buf_append_str(&b, "again"), TRAIL_OK);
    trail__buf_free(&b);
}

static void test_reset_clears_the_error(void **state)
{
    (void)state;
    trail_buf b = TRAIL_BUF_INIT;
    assert_int_equal(trail__buf_append_str(&b, "x"), TRAIL_OK);
    assert_int_equal(trail__buf_append(&b, "y", SIZE_MAX), TRAIL_ENOMEM);
    trail__buf_reset(&b);
    assert_int_equal(b.err, TRAIL_OK);
    assert_int_equal(trail__buf_append_str(&b, "z"), TRAIL_OK);
    assert_string_equal(b.data, "z");
    assert_int_equal(trail__buf_reserve(&b, SIZE_MAX), TRAIL_ENOMEM);
    trail__buf_free(&b);
    assert_int_equal(b.err, TRAIL_OK);
    assert_null(b.data);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_appends),
        cmocka_unit_test(test_finish_of_nothing),
        cmocka_unit_test(test_sticky_error),
        cmocka_unit_test(test_reset_clears_the_error),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
