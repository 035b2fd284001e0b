/*
 * test_ulid.c - ULIDs: text form, parsing and its refusals, monotonic
 * generation, exhaustion of a millisecond, and fork safety.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "trail/trail.h"
#include "core/ulid_gen.h"

static trail_ulid_gen *new_gen(void)
{
    trail_ulid_gen *gen = NULL;
    assert_int_equal(trail_ulid_gen_new(&gen), TRAIL_OK);
    assert_non_null(gen);
    return gen;
}

/* The example of the ULID specification, and the extremes. */
static void test_known_values(void **state)
{
    (void)state;
    trail_ulid id, back;
    char text[TRAIL_ULID_LEN + 1];

    /* The ULID specification's example for time 1469918176385. */
    assert_int_equal(trail_ulid_parse(&id, "01ARYZ6S41TSV4RRFFQ69G5FAV"), TRAIL_OK);
    assert_int_equal(trail_ulid_time(&id), INT64_C(1469918176385));
    assert_string_equal(trail_ulid_format(text, &id), "01ARYZ6S41TSV4RRFFQ69G5FAV");

    assert_int_equal(trail_ulid_parse(&id, "7ZZZZZZZZZZZZZZZZZZZZZZZZZ"), TRAIL_OK);
    for (int i = 0; i < 16; i++)
        assert_int_equal(id.bytes[i], 0xFF);
    assert_int_equal(trail_ulid_time(&id), TRAIL_ULID_MAX_MS);

    assert_int_equal(trail_ulid_parse(&id, "00000000000000000000000000"), TRAIL_OK);
    for (int i = 0; i < 16; i++)
        assert_int_equal(id.bytes[i], 0);

    /* One bit at a time lands on the right character. */
    memset(&id, 0, sizeof id);
    id.bytes[15] = 1;
    assert_string_equal(trail_ulid_format(text, &id), "00000000000000000000000001");
    memset(&id, 0, sizeof id);
    id.bytes[0] = 0x80;
    assert_string_equal(trail_ulid_format(text, &id), "40000000000000000000000000");
    memset(&id, 0, sizeof id);
    /* Character 13 holds bits 60-64, straddling the two 64-bit halves. */
    id.bytes[7] = 0x01; /* bit 64 */
    assert_string_equal(trail_ulid_format(text, &id), "0000000000000G000000000000");
    id.bytes[8] = 0x10; /* bit 60 */
    assert_string_equal(trail_ulid_format(text, &id), "0000000000000H000000000000");
    assert_int_equal(trail_ulid_parse(&back, text), TRAIL_OK);
    assert_memory_equal(back.bytes, id.bytes, 16);
}

static void test_parse_refusals(void **state)
{
    (void)state;
    const char *bad[] = {
        "",                            /* empty */
        "01ARZ3NDEKTSV4RRFFQ69G5FA",   /* 25 characters */
        "01ARZ3NDEKTSV4RRFFQ69G5FAVX", /* 27 characters */
        "80000000000000000000000000",  /* above 7ZZZ…: more than 128 bits */
        "ZZZZZZZZZZZZZZZZZZZZZZZZZZ",
        "01ARZ3NDEKTSV4RRFFQ69G5FAI", /* I, L, O, U are not Crockford digits */
        "01ARZ3NDEKTSV4RRFFQ69G5FAL",
        "01ARZ3NDEKTSV4RRFFQ69G5FAO",
        "01ARZ3NDEKTSV4RRFFQ69G5FAU",
        "01arz3ndektsv4rrffq69g5fav", /* lower case: another text key */
        "01ARZ3NDEKTSV4RRFFQ69G5FA-",
        "01ARZ3NDEKTSV4RRFFQ69G5FA ",
        "01ARZ3NDEKTSV4RRFFQ69G5F\xc3\xa9",
    };
    trail_ulid id;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (trail_ulid_parse(&id, bad[i]) != TRAIL_EINVALID)
            fail_msg("parsed \"%s\"", bad[i]);
        if (trail_ulid_valid(bad[i]))
            fail_msg("\"%s\" called valid", bad[i]);
    }
    assert_int_equal(trail_ulid_parse(&id, NULL), TRAIL_EINVALID);
    char embedded_nul[] = "01ARZ3NDEKTSV\0RRFFQ69G5FAV";
    assert_false(trail_ulid_valid(embedded_nul));
    assert_true(trail_ulid_valid("01ARZ3NDEKTSV4RRFFQ69G5FAV"));
}

/* Within one millisecond each id is the previous plus one; text order follows. */
static void test_monotonic_within_ms(void **state)
{
    (void)state;
    trail_ulid_gen *gen = new_gen();
    const int64_t ms = INT64_C(1795386910123);
    trail_ulid prev, id;
    char prev_text[TRAIL_ULID_LEN + 1], text[TRAIL_ULID_LEN + 1];

    assert_int_equal(trail_ulid_next(gen, ms, &prev), TRAIL_OK);
    assert_int_equal(trail_ulid_time(&prev), ms);
    trail_ulid_format(prev_text, &prev);
    for (int i = 0; i < 100000; i++) {
        assert_int_equal(trail_ulid_next(gen, ms, &id), TRAIL_OK);
        assert_int_equal(trail_ulid_time(&id), ms);
        trail_ulid_format(text, &id);
        if (strcmp(text, prev_text) <= 0)
            fail_msg("%s after %s", text, prev_text);
        /* Round trip through text. */
        trail_ulid back;
        assert_int_equal(trail_ulid_parse(&back, text), TRAIL_OK);
        assert_memory_equal(back.bytes, id.bytes, 16);
        memcpy(prev_text, text, sizeof text);
        prev = id;
    }

    /* A new millisecond sorts after all of them. */
    assert_int_equal(trail_ulid_next(gen, ms + 1, &id), TRAIL_OK);
    assert_int_equal(trail_ulid_time(&id), ms + 1);
    assert_true(strcmp(trail_ulid_format(text, &id), prev_text) > 0);

    /* A caller's clock that went back still gets increasing ids, with the last time part. */
    assert_int_equal(trail_ulid_next(gen, ms - 5000, &prev), TRAIL_OK);
    assert_int_equal(trail_ulid_time(&prev), ms + 1);
    assert_true(strcmp(trail_ulid_format(prev_text, &prev), text) > 0);
    trail_ulid_gen_free(gen);
}

/* Fresh milliseconds draw fresh random parts. */
static void test_random_part_varies(void **state)
{
    (void)state;
    trail_ulid_gen *gen = new_gen();
    trail_ulid a, b;
    int same = 0;
    for (int64_t ms = 1000; ms < 1200; ms += 2) {
        assert_int_equal(trail_ulid_next(gen, ms, &a), TRAIL_OK);
        assert_int_equal(trail_ulid_next(gen, ms + 1, &b), TRAIL_OK);
        same += memcmp(a.bytes + 6, b.bytes + 6, 10) == 0;
    }
    assert_int_equal(same, 0);
    trail_ulid_gen_free(gen);
}

static void test_arguments(void **state)
{
    (void)state;
    trail_ulid_gen *gen = new_gen();
    trail_ulid id;
    assert_int_equal(trail_ulid_next(gen, -1, &id), TRAIL_EARG);
    assert_int_equal(trail_ulid_next(gen, TRAIL_ULID_MAX_MS + 1, &id), TRAIL_EARG);
    assert_int_equal(trail_ulid_next(gen, TRAIL_ULID_MAX_MS, &id), TRAIL_OK);
    assert_int_equal(trail_ulid_time(&id), TRAIL_ULID_MAX_MS);
    assert_int_equal(trail_ulid_next(NULL, 0, &id), TRAIL_EARG);
    assert_int_equal(trail_ulid_next(gen, 0, NULL), TRAIL_EARG);
    assert_int_equal(trail_ulid_gen_new(NULL), TRAIL_EARG);
    trail_ulid_gen_free(gen);
    trail_ulid_gen_free(NULL);
}

/* The last id of a millisecond, then an error, never a duplicate; the next millisecond works. */
static void test_exhaustion(void **state)
{
    (void)state;
    trail_ulid_gen *gen = new_gen();
    const int64_t ms = 424242;
    trail_ulid id;
    assert_int_equal(trail_ulid_next(gen, ms, &id), TRAIL_OK);
    memset(gen->last, 0xFF, sizeof gen->last);
    gen->last[ULID_RANDOM_LEN - 1] = 0xFE;

    char text[TRAIL_ULID_LEN + 1];
    assert_int_equal(trail_ulid_next(gen, ms, &id), TRAIL_OK);
    trail_ulid_format(text, &id);
    assert_string_equal(text + 10, "ZZZZZZZZZZZZZZZZ");
    assert_int_equal(trail_ulid_next(gen, ms, &id), TRAIL_EOVERFLOW);
    assert_int_equal(trail_ulid_next(gen, ms, &id), TRAIL_EOVERFLOW);
    assert_int_equal(trail_ulid_next(gen, ms - 1, &id), TRAIL_EOVERFLOW);
    assert_int_equal(trail_ulid_next(gen, ms + 1, &id), TRAIL_OK);
    assert_int_equal(trail_ulid_time(&id), ms + 1);
    trail_ulid_gen_free(gen);
}

/* A child forked from a used generator never repeats the parent's ids. */
static void test_fork_does_not_repeat(void **state)
{
    (void)state;
    enum { N = 1000 };
    trail_ulid_gen *gen = new_gen();
    const int64_t ms = 777777;
    trail_ulid id;
    assert_int_equal(trail_ulid_next(gen, ms, &id), TRAIL_OK);

    int fds[2];
    assert_int_equal(pipe(fds), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(fds[0]);
        for (int i = 0; i < N; i++) {
            trail_ulid c;
            if (trail_ulid_next(gen, ms, &c) != TRAIL_OK || write(fds[1], c.bytes, 16) != 16)
                _exit(1);
        }
        _exit(0);
    }
    close(fds[1]);
    static trail_ulid parent[N], child[N];
    for (int i = 0; i < N; i++)
        assert_int_equal(trail_ulid_next(gen, ms, &parent[i]), TRAIL_OK);
    size_t got = 0;
    while (got < sizeof child) {
        ssize_t n = read(fds[0], (char *)child + got, sizeof child - got);
        assert_true(n > 0);
        got += (size_t)n;
    }
    close(fds[0]);
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);

    for (int i = 0; i < N; i++) {
        for (int j = 0; j < N; j++) {
            if (memcmp(child[i].bytes, parent[j].bytes, 16) == 0)
                fail_msg("child id %d equals parent id %d", i, j);
        }
    }
    trail_ulid_gen_free(gen);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_known_values),
        cmocka_unit_test(test_parse_refusals),
        cmocka_unit_test(test_monotonic_within_ms),
        cmocka_unit_test(test_random_part_varies),
        cmocka_unit_test(test_arguments),
        cmocka_unit_test(test_exhaustion),
        cmocka_unit_test(test_fork_does_not_repeat),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
