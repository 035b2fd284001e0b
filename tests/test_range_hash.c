/*
 * test_range_hash.c - the sum of record hashes that a range's hash is
 * (sync/range_hash.h): 256-bit addition modulo 2^256, against sums worked
 * out by hand.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <string.h>

#include "sync/range_hash.h"

static void digest_of(unsigned char d[32], uint64_t h0, uint64_t h1, uint64_t h2, uint64_t h3)
{
    uint64_t limbs[4] = { h0, h1, h2, h3 };
    for (int l = 0; l < 4; l++)
        for (int i = 0; i < 8; i++)
            d[l * 8 + i] = (unsigned char)(limbs[l] >> (56 - 8 * i));
}

/* Big-endian bytes: the first byte is the most significant. */
static void test_bytes_are_big_endian(void **state)
{
    (void)state;
    trail__range_sum s = { 0 };
    unsigned char d[32] = { 0 };
    d[0] = 0x12;
    d[31] = 0x34;
    trail__range_sum_add(&s, d);
    assert_int_equal(s.count, 1);
    assert_true(s.h[0] == UINT64_C(0x1200000000000000));
    assert_true(s.h[3] == UINT64_C(0x34));
}

/* A carry runs across every limb, and out of the top one (modulo 2^256). */
static void test_carries(void **state)
{
    (void)state;
    trail__range_sum s = { 0 };
    unsigned char d[32];
    digest_of(d, 0, 0, 0, UINT64_MAX);
    trail__range_sum_add(&s, d);
    digest_of(d, 0, 0, 0, 1);
    trail__range_sum_add(&s, d);
    assert_true(s.h[0] == 0 && s.h[1] == 0 && s.h[2] == 1 && s.h[3] == 0);

    trail__range_sum t = { 0 };
    digest_of(d, UINT64_MAX, UINT64_MAX, UINT64_MAX, UINT64_MAX); /* 2^256 - 1 */
    trail__range_sum_add(&t, d);
    digest_of(d, 0, 0, 0, 2);
    trail__range_sum_add(&t, d);
    assert_true(t.h[0] == 0 && t.h[1] == 0 && t.h[2] == 0 && t.h[3] == 1);
    assert_int_equal(t.count, 2);

    /* a carry into a limb that is all ones already, from the addition of the carry alone */
    trail__range_sum u = { 0 };
    digest_of(d, 0, UINT64_MAX, UINT64_MAX, UINT64_MAX);
    trail__range_sum_add(&u, d);
    digest_of(d, 0, 0, 0, 1);
    trail__range_sum_add(&u, d);
    assert_true(u.h[0] == 1 && u.h[1] == 0 && u.h[2] == 0 && u.h[3] == 0);
}

/* The order records come in does not matter; the count does. */
static void test_order_and_count(void **state)
{
    (void)state;
    unsigned char x[32], y[32], z[32];
    for (int i = 0; i < 32; i++) {
        x[i] = (unsigned char)(i * 37 + 200);
        y[i] = (unsigned char)(255 - i * 7);
        z[i] = (unsigned char)(i * i + 250);
    }
    trail__range_sum a = { 0 }, b = { 0 };
    trail__range_sum_add(&a, x);
    trail__range_sum_add(&a, y);
    trail__range_sum_add(&a, z);
    trail__range_sum_add(&b, z);
    trail__range_sum_add(&b, x);
    trail__range_sum_add(&b, y);
    assert_true(trail__range_sum_equal(&a, &b));
    b.count++;
    assert_false(trail__range_sum_equal(&a, &b));
    b.count--;
    b.h[2] ^= 1;
    assert_false(trail__range_sum_equal(&a, &b));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bytes_are_big_endian),
        cmocka_unit_test(test_carries),
        cmocka_unit_test(test_order_and_count),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
