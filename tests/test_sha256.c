/*
 * test_sha256.c - SHA-256 as hex: the FIPS 180 / NIST example vectors, the
 * message lengths around the padding boundaries, binary input, and the
 * shape of the output (64 lower-case hex digits, then a NUL, nothing more).
 */
#define _POSIX_C_SOURCE 200809L
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "core/sha256.h"
#include "trail/error.h"

/* Hashes @len bytes of @data and checks the result against @expect, and its shape. */
static void assert_digest(const void *data, size_t len, const char *expect)
{
    char out[TRAIL_SHA256_HEX_LEN + 8];
    memset(out, '#', sizeof out);
    assert_int_equal(trail__sha256_hex(out, data, len), TRAIL_OK);
    assert_int_equal(out[TRAIL_SHA256_HEX_LEN], '\0');
    for (size_t i = TRAIL_SHA256_HEX_LEN + 1; i < sizeof out; i++)
        assert_int_equal(out[i], '#'); /* nothing written past the NUL */
    for (size_t i = 0; i < TRAIL_SHA256_HEX_LEN; i++)
        if (!((out[i] >= '0' && out[i] <= '9') || (out[i] >= 'a' && out[i] <= 'f')))
            fail_msg("character %zu of \"%s\" is not a lower-case hex digit", i, out);
    assert_string_equal(out, expect);
}

static void assert_text_digest(const char *text, const char *expect)
{
    assert_digest(text, strlen(text), expect);
}

/* The examples of FIPS 180-2 appendix B and NIST's "SHA256.pdf". */
static void test_nist_vectors(void **state)
{
    (void)state;
    assert_int_equal(TRAIL_SHA256_HEX_LEN, 64);
    assert_text_digest("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    assert_text_digest("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    assert_text_digest("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
                       "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    assert_text_digest(
        "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnop"
        "qklmnopqrlmnopqrsmnopqrstnopqrstu",
        "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");
}

/* One million 'a' (FIPS 180-2 B.3): many blocks through one call. */
static void test_million_a(void **state)
{
    (void)state;
    enum { N = 1000000 };
    char *a = malloc(N);
    assert_non_null(a);
    memset(a, 'a', N);
    assert_digest(a, N, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
    free(a);
}

/*
 * 55, 56 and 64 bytes: the longest message whose length fits in the last
 * block, the first that needs another, and exactly one block (values from
 * Python's hashlib).
 */
static void test_padding_boundaries(void **state)
{
    (void)state;
    char a[64];
    memset(a, 'a', sizeof a);
    assert_digest(a, 55, "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318");
    assert_digest(a, 56, "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a");
    assert_digest(a, 64, "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb");
}

/* Binary input: the length, not a NUL, ends it (values from Python's hashlib). */
static void test_binary(void **state)
{
    (void)state;
    static const unsigned char zero = 0;
    assert_digest(&zero, 1, "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d");

    unsigned char bytes[256];
    for (int i = 0; i < 256; i++)
        bytes[i] = (unsigned char)i;
    assert_digest(bytes, sizeof bytes,
                  "40aff2e9d2d8922e47afd4648e6967497158785fbd1da870e7110266bf944880");

    /* Only the first @len bytes count: "abc" inside a longer buffer. */
    assert_digest("abcdef", 3, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_nist_vectors),
        cmocka_unit_test(test_million_a),
        cmocka_unit_test(test_padding_boundaries),
        cmocka_unit_test(test_binary),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
