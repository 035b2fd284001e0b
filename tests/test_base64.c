/*
 * test_base64.c - RFC 4648 base64: the RFC's test vectors both ways, the
 * length functions, the strict decoder's refusals, and round trips checked
 * against a bit-at-a-time reference encoder written here.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "core/base64.h"
#include "trail/error.h"

static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* Decodes the NUL-terminated @text; returns the decoder's result. */
static int decode(unsigned char *out, size_t *out_len, const char *text)
{
    return trail__base64_decode(out, out_len, text, strlen(text));
}

static void assert_refused(const char *text, size_t n)
{
    unsigned char out[64];
    size_t len = 0;
    assert_true(n <= 4 * sizeof out / 3);
    if (trail__base64_decode(out, &len, text, n) != TRAIL_EINVALID)
        fail_msg("decoded \"%.*s\" (%zu characters), expected TRAIL_EINVALID", (int)n, text, n);
}

/*
 * The encoding taken one bit at a time, most significant first: a different
 * route to the same text than the encoder's 24-bit groups.
 */
static void reference_encode(char *out, const unsigned char *in, size_t n)
{
    size_t bits = n * 8, o = 0;
    for (size_t b = 0; b < bits; b += 6) {
        unsigned v = 0;
        for (size_t k = b; k < b + 6; k++) {
            unsigned bit = k < bits ? (in[k / 8] >> (7 - k % 8)) & 1u : 0u;
            v = v << 1 | bit;
        }
        out[o++] = alphabet[v];
    }
    while (o % 4 != 0)
        out[o++] = '=';
    out[o] = '\0';
}

/* A small fixed-seed generator (xorshift64), so that a failure repeats. */
static uint64_t next_random(uint64_t *state)
{
    uint64_t x = *state;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return *state = x;
}

/* RFC 4648 §10, both directions. */
static void test_rfc4648_vectors(void **state)
{
    (void)state;
    static const struct {
        const char *plain, *encoded;
    } vectors[] = {
        { "", "" },
        { "f", "Zg==" },
        { "fo", "Zm8=" },
        { "foo", "Zm9v" },
        { "foob", "Zm9vYg==" },
        { "fooba", "Zm9vYmE=" },
        { "foobar", "Zm9vYmFy" },
    };
    for (size_t i = 0; i < sizeof vectors / sizeof vectors[0]; i++) {
        const char *plain = vectors[i].plain, *encoded = vectors[i].encoded;
        size_t plain_len = strlen(plain), enc_len = strlen(encoded);
        char text[16];
        memset(text, '#', sizeof text);

        assert_int_equal(trail__base64_encoded_len(plain_len), enc_len);
        trail__base64_encode(text, plain, plain_len);
        assert_string_equal(text, encoded);
        assert_int_equal(text[enc_len + 1], '#'); /* nothing written past the NUL */

        unsigned char out[16];
        size_t out_len = 99;
        assert_true(trail__base64_decoded_max(enc_len) >= plain_len);
        assert_int_equal(decode(out, &out_len, encoded), TRAIL_OK);
        assert_int_equal(out_len, plain_len);
        assert_memory_equal(out, plain, plain_len);
    }
}

/* Four characters for every started group of three bytes; three bytes per four characters. */
static void test_lengths(void **state)
{
    (void)state;
    static const size_t encoded[][2] = {
        { 0, 0 },     { 1, 4 },
        { 2, 4 },     { 3, 4 },
        { 4, 8 },     { 5, 8 },
        { 6, 8 },     { 7, 12 },
        { 8, 12 },    { 9, 12 },
        { 10, 16 },   { 255, 340 },
        { 256, 344 }, { 1000000, 1333336 },
    };
    for (size_t i = 0; i < sizeof encoded / sizeof encoded[0]; i++)
        assert_int_equal(trail__base64_encoded_len(encoded[i][0]), encoded[i][1]);

    static const size_t decoded[][2] = {
        { 0, 0 }, { 4, 3 }, { 8, 6 }, { 12, 9 }, { 344, 258 }, { 1333336, 1000002 },
    };
    for (size_t i = 0; i < sizeof decoded / sizeof decoded[0]; i++)
        assert_int_equal(trail__base64_decoded_max(decoded[i][0]), decoded[i][1]);
}

static void test_refusals(void **state)
{
    (void)state;
    static const char *const bad[] = {
        /* length not a multiple of 4 */
        "Z",
        "Zg",
        "Zg=",
        "Zm9vY",
        "Zm9vYg",
        "Zm9vYg=",
        "Zm9vYmFy=",
        /* padding anywhere but the end */
        "Zg==Zg==",
        "Zm8=Zm9v",
        "====",
        "=Zm9",
        "Z=g=",
        "Zm=v",
        "Z===",
        "Zm9v====",
        "Zm9v=Zm9",
        /* characters outside the standard alphabet (incl. the URL-safe ones) */
        "Zm9$",
        "Zm9-",
        "Zm9_",
        "Zm9.",
        "Zm9:",
        "Zm9@",
        "Zm9[",
        "Zm9`",
        "Zm9{",
        "Zm9\x7f",
        "Zm9\xc3",
        "Zm9\xff",
        /* white space, even where a line break would fall */
        " Zm9",
        "Zm9 ",
        "Zm\t9",
        "Zm9\n",
        "Zm9v\r\nZm",
        "Zm9v\nZm9",
        "Zm 9vYmE=",
        /* unused bits of the last character set */
        "Zh==",
        "Zm9=",
        "Zm9vYh==",
        "Zm9vYmF=",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_refused(bad[i], strlen(bad[i]));

    /* A NUL inside the counted characters is no base64 character either. */
    assert_refused("Zm\0v", 4);
    assert_refused("Zm9vYmFy\0\0\0\0", 12);
    /* The count, not a NUL, ends the input. */
    unsigned char out[8];
    size_t len = 0;
    assert_int_equal(trail__base64_decode(out, &len, "Zm9vYmFy", 4), TRAIL_OK);
    assert_int_equal(len, 3);
    assert_memory_equal(out, "foo", 3);
    /* Cut anywhere but on a group boundary, though valid characters follow. */
    for (size_t n = 1; n < 8; n++)
        if (n != 4)
            assert_refused("Zm9vYmFy", n);
}

/*
 * With padding, the last character carries 4 (one byte) or 2 (two bytes)
 * unused low bits; exactly the characters with those bits clear are
 * accepted, so each byte string has one encoding.
 */
static void test_unused_bits(void **state)
{
    (void)state;
    for (int v = 0; v < 64; v++) {
        char one[] = "Zx==", two[] = "Zmx=";
        one[1] = alphabet[v];
        two[2] = alphabet[v];
        unsigned char out[4];
        size_t len = 0;

        int rc = decode(out, &len, one);
        if (v & 15) {
            assert_int_equal(rc, TRAIL_EINVALID);
        } else {
            assert_int_equal(rc, TRAIL_OK);
            assert_int_equal(len, 1);
            assert_int_equal(out[0], (25 << 2) | (v >> 4)); /* 'Z' is 25 */
        }

        rc = decode(out, &len, two);
        if (v & 3) {
            assert_int_equal(rc, TRAIL_EINVALID);
        } else {
            assert_int_equal(rc, TRAIL_OK);
            assert_int_equal(len, 2);
            assert_int_equal(out[0], 'f');
            assert_int_equal(out[1], 0x60 | (v >> 2)); /* 'm' is 38, low bits 0110 */
        }
    }
    unsigned char out[4];
    size_t len = 0;
    assert_int_equal(decode(out, &len, "Zg=="), TRAIL_OK);
    assert_int_equal(len, 1);
    assert_int_equal(out[0], 'f');
    assert_int_equal(decode(out, &len, "Zh=="), TRAIL_EINVALID);
}

/* Every byte value, alone and all together, against Python's base64 module's output. */
static void test_all_bytes(void **state)
{
    (void)state;
    unsigned char bytes[256];
    for (int i = 0; i < 256; i++)
        bytes[i] = (unsigned char)i;

    static const char all[] =
        "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4vMDEyMzQ1Njc4OTo7PD0+"
        "P0BBQkNERUZHSElKS0xNTk9QUVJTVFVWV1hZWltcXV5fYGFiY2RlZmdoaWprbG1ub3BxcnN0dXZ3eHl6e3x9fn+"
        "AgYKDhIWGh4iJiouMjY6PkJGSk5SVlpeYmZqbnJ2en6ChoqOkpaanqKmqq6ytrq+wsbKztLW2t7i5uru8vb6/"
        "wMHCw8TFxsfIycrLzM3Oz9DR0tPU1dbX2Nna29zd3t/g4eLj5OXm5+jp6uvs7e7v8PHy8/T19vf4+fr7/P3+/"
        "w==";
    char text[345];
    trail__base64_encode(text, bytes, sizeof bytes);
    assert_string_equal(text, all);

    unsigned char back[258];
    size_t len = 0;
    assert_int_equal(decode(back, &len, all), TRAIL_OK);
    assert_int_equal(len, 256);
    assert_memory_equal(back, bytes, 256);

    for (int b = 0; b < 256; b++) {
        unsigned char in = (unsigned char)b;
        char one[5];
        const char expect[5] = { alphabet[b >> 2], alphabet[(b & 3) << 4], '=', '=', '\0' };
        trail__base64_encode(one, &in, 1);
        assert_string_equal(one, expect);
        assert_int_equal(decode(back, &len, one), TRAIL_OK);
        assert_int_equal(len, 1);
        assert_int_equal(back[0], b);
    }
}

/* Random contents of every length 0..300, against the reference encoder and back. */
static void test_random_round_trip(void **state)
{
    (void)state;
    enum { MAX = 300 };
    uint64_t seed = UINT64_C(0x9E3779B97F4A7C15);
    unsigned char in[MAX];
    char text[4 * MAX / 3 + 5], expect[4 * MAX / 3 + 5];

    for (int round = 0; round < 4; round++) {
        for (size_t n = 0; n <= MAX; n++) {
            for (size_t i = 0; i < n; i++)
                in[i] = (unsigned char)(next_random(&seed) >> 56);
            reference_encode(expect, in, n);
            trail__base64_encode(text, in, n);
            assert_string_equal(text, expect);
            assert_int_equal(strlen(text), trail__base64_encoded_len(n));

            /* Exactly decoded_max bytes, so that the sanitizer sees any overrun. */
            size_t chars = strlen(text), max = trail__base64_decoded_max(chars), len = 0;
            assert_true(max >= n && max <= n + 2);
            unsigned char *out = malloc(max ? max : 1);
            assert_non_null(out);
            assert_int_equal(trail__base64_decode(out, &len, text, chars), TRAIL_OK);
            assert_int_equal(len, n);
            assert_memory_equal(out, in, n);
            free(out);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rfc4648_vectors), cmocka_unit_test(test_lengths),
        cmocka_unit_test(test_refusals),        cmocka_unit_test(test_unused_bits),
        cmocka_unit_test(test_all_bytes),       cmocka_unit_test(test_random_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
