/*
 * test_utf8.c - strict UTF-8: known sequences and their code points, the
 * refusals RFC 3629 demands (overlong forms, surrogates, beyond U+10FFFF,
 * truncation, stray continuation bytes), an exhaustive comparison with the
 * RFC's grammar, counting, and cutting on character boundaries.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "core/utf8.h"

#define BAD ((size_t)-1)

/* Decodes exactly the bytes of @s (a string literal may hold NULs, hence @len). */
static size_t decode(const char *s, size_t len, uint32_t *cp)
{
    return trail__utf8_decode((const unsigned char *)s, len, cp);
}

static void assert_decodes(const char *s, size_t len, uint32_t expect)
{
    uint32_t cp = 0xDEADBEEF;
    assert_int_equal(decode(s, len, &cp), len);
    assert_int_equal(cp, expect);
    assert_true(trail__utf8_valid(s, len));
    assert_int_equal(trail__utf8_count(s, len), 1);
}

static void assert_refused(const char *s, size_t len)
{
    uint32_t cp = 0;
    if (decode(s, len, &cp) != 0)
        fail_msg("decoded a sequence of %zu bytes starting 0x%02X", len, (unsigned char)s[0]);
    assert_false(trail__utf8_valid(s, len));
    assert_int_equal(trail__utf8_count(s, len), BAD);
}

/*
 * The length of the sequence at @s per the grammar of RFC 3629 §4, and its
 * code point; 0 when the grammar does not match.
 */
static size_t reference_decode(const unsigned char *s, size_t len, uint32_t *cp)
{
#define IN(b, lo, hi) ((b) >= (lo) && (b) <= (hi))
#define TAIL(b)       IN(b, 0x80, 0xBF)
    if (len >= 1 && IN(s[0], 0x00, 0x7F)) {
        *cp = s[0];
        return 1;
    }
    if (len >= 2 && IN(s[0], 0xC2, 0xDF) && TAIL(s[1])) {
        *cp = (uint32_t)(s[0] - 0xC0) * 64 + (s[1] - 0x80);
        return 2;
    }
    if (len >= 3 &&
        ((s[0] == 0xE0 && IN(s[1], 0xA0, 0xBF)) || (IN(s[0], 0xE1, 0xEC) && TAIL(s[1])) ||
         (s[0] == 0xED && IN(s[1], 0x80, 0x9F)) || (IN(s[0], 0xEE, 0xEF) && TAIL(s[1]))) &&
        TAIL(s[2])) {
        *cp = ((uint32_t)(s[0] - 0xE0) * 64 + (s[1] - 0x80)) * 64 + (s[2] - 0x80);
        return 3;
    }
    if (len >= 4 &&
        ((s[0] == 0xF0 && IN(s[1], 0x90, 0xBF)) || (IN(s[0], 0xF1, 0xF3) && TAIL(s[1])) ||
         (s[0] == 0xF4 && IN(s[1], 0x80, 0x8F))) &&
        TAIL(s[2]) && TAIL(s[3])) {
        *cp = (((uint32_t)(s[0] - 0xF0) * 64 + (s[1] - 0x80)) * 64 + (s[2] - 0x80)) * 64 +
              (s[3] - 0x80);
        return 4;
    }
    return 0;
#undef TAIL
#undef IN
}

static void assert_like_reference(const unsigned char *s, size_t len)
{
    uint32_t cp = 0, ref_cp = 0;
    size_t n = trail__utf8_decode(s, len, &cp);
    size_t ref = reference_decode(s, len, &ref_cp);
    if (n != ref || (ref != 0 && cp != ref_cp))
        fail_msg("%zu bytes %02X %02X %02X %02X: decoded %zu (U+%04X), RFC 3629 says %zu (U+%04X)",
                 len, s[0], len > 1 ? s[1] : 0, len > 2 ? s[2] : 0, len > 3 ? s[3] : 0, n,
                 (unsigned)cp, ref, (unsigned)ref_cp);
}

/* One sequence of each length, at the edges of each length's range. */
static void test_decode_known(void **state)
{
    (void)state;
    assert_decodes("A", 1, 0x41);
    assert_decodes("\0", 1, 0x00);
    assert_decodes("\x7F", 1, 0x7F);
    assert_decodes("\xC2\x80", 2, 0x80);
    assert_decodes("\xC3\xA9", 2, 0xE9); /* é */
    assert_decodes("\xDF\xBF", 2, 0x7FF);
    assert_decodes("\xE0\xA0\x80", 3, 0x800);
    assert_decodes("\xE6\x9D\xB1", 3, 0x6771); /* 東 */
    assert_decodes("\xE4\xBA\xAC", 3, 0x4EAC); /* 京 */
    assert_decodes("\xE2\x82\xAC", 3, 0x20AC); /* € */
    assert_decodes("\xED\x9F\xBF", 3, 0xD7FF); /* just below the surrogates */
    assert_decodes("\xEE\x80\x80", 3, 0xE000); /* just above them */
    assert_decodes("\xEF\xBB\xBF", 3, 0xFEFF);
    assert_decodes("\xEF\xBF\xBF", 3, 0xFFFF);
    assert_decodes("\xF0\x90\x80\x80", 4, 0x10000);
    assert_decodes("\xF0\x9F\x98\x80", 4, 0x1F600); /* 😀 */
    assert_decodes("\xF3\xBF\xBF\xBF", 4, 0xFFFFF);
    assert_decodes("\xF4\x8F\xBF\xBF", 4, 0x10FFFF);

    /* Only the first sequence is taken when more follow. */
    uint32_t cp = 0;
    assert_int_equal(decode("\xC3\xA9xyz", 5, &cp), 2);
    assert_int_equal(cp, 0xE9);
    assert_int_equal(decode("ab", 2, &cp), 1);
    assert_int_equal(cp, 'a');
    assert_int_equal(decode("\xF0\x9F\x98\x80\xF0\x9F\x98\x80", 8, &cp), 4);
    assert_int_equal(cp, 0x1F600);
    /* Nothing to decode. */
    assert_int_equal(decode("a", 0, &cp), 0);
}

static void test_decode_refusals(void **state)
{
    (void)state;
    /* overlong forms */
    assert_refused("\xC0\x80", 2);
    assert_refused("\xC0\xAF", 2);
    assert_refused("\xC1\xBF", 2);
    assert_refused("\xE0\x80\x80", 3);
    assert_refused("\xE0\x80\xAF", 3);
    assert_refused("\xE0\x9F\xBF", 3);
    assert_refused("\xF0\x80\x80\x80", 4);
    assert_refused("\xF0\x80\x80\xAF", 4);
    assert_refused("\xF0\x8F\xBF\xBF", 4);
    /* surrogates, alone and as a CESU-8 pair */
    assert_refused("\xED\xA0\x80", 3);
    assert_refused("\xED\xAD\xBF", 3);
    assert_refused("\xED\xB0\x80", 3);
    assert_refused("\xED\xBF\xBF", 3);
    assert_refused("\xED\xA0\xBD\xED\xB8\x80", 6);
    /* beyond U+10FFFF, and the old 5- and 6-byte forms */
    assert_refused("\xF4\x90\x80\x80", 4);
    assert_refused("\xF4\xBF\xBF\xBF", 4);
    assert_refused("\xF5\x80\x80\x80", 4);
    assert_refused("\xF7\xBF\xBF\xBF", 4);
    assert_refused("\xF8\x88\x80\x80\x80", 5);
    assert_refused("\xFC\x84\x80\x80\x80\x80", 6);
    /* bytes that never appear */
    assert_refused("\xFF", 1);
    assert_refused("\xFE", 1);
    assert_refused("\xFE\xFF", 2);
    assert_refused("\xFF\xFE", 2);
    /* stray continuation bytes */
    assert_refused("\x80", 1);
    assert_refused("\xBF", 1);
    assert_refused("\x80\x80", 2);
    assert_refused("\xA9", 1);
    /* truncated sequences: at the end of the input, or followed by a non-continuation */
    assert_refused("\xC3", 1);
    assert_refused("\xE6\x9D", 2);
    assert_refused("\xE6", 1);
    assert_refused("\xF0\x9F\x98", 3);
    assert_refused("\xF0\x9F", 2);
    assert_refused("\xF0", 1);
    assert_refused("\xC3"
                   "A",
                   2);
    assert_refused("\xE6\x9D"
                   "A",
                   3);
    assert_refused("\xE6"
                   "A\xB1",
                   3);
    assert_refused("\xF0\x9F\x98"
                   "A",
                   4);
    assert_refused("\xF0\x9F"
                   "AA",
                   4);
    assert_refused("\xC3\xC3\xA9", 3);

    /* A valid sequence cut short by @len, though the bytes are there. */
    uint32_t cp = 0;
    assert_int_equal(decode("\xC3\xA9", 1, &cp), 0);
    assert_int_equal(decode("\xE6\x9D\xB1", 2, &cp), 0);
    assert_int_equal(decode("\xF0\x9F\x98\x80", 3, &cp), 0);
}

/*
 * Every one-, two- and three-byte input, and four-byte inputs over every lead
 * and second byte, decode as RFC 3629's grammar says.
 */
static void test_decode_matches_rfc3629(void **state)
{
    (void)state;
    unsigned char s[4];
    for (unsigned a = 0; a < 256; a++) {
        s[0] = (unsigned char)a;
        assert_like_reference(s, 1);
        for (unsigned b = 0; b < 256; b++) {
            s[1] = (unsigned char)b;
            assert_like_reference(s, 2);
            for (unsigned c = 0; c < 256; c++) {
                s[2] = (unsigned char)c;
                assert_like_reference(s, 3);
            }
        }
    }
    static const unsigned char edges[] = { 0x00, 0x41, 0x7F, 0x80, 0x8F, 0x90,
                                           0x9F, 0xA0, 0xBF, 0xC0, 0xF4, 0xFF };
    for (unsigned a = 0xC0; a < 256; a++) {
        s[0] = (unsigned char)a;
        for (unsigned b = 0; b < 256; b++) {
            s[1] = (unsigned char)b;
            for (size_t c = 0; c < sizeof edges; c++) {
                s[2] = edges[c];
                for (size_t d = 0; d < sizeof edges; d++) {
                    s[3] = edges[d];
                    assert_like_reference(s, 4);
                }
            }
        }
    }
}

/* Every scalar value, encoded here by the textbook rule, decodes to itself. */
static void test_every_code_point(void **state)
{
    (void)state;
    for (uint32_t c = 0; c <= 0x10FFFF; c++) {
        if (c >= 0xD800 && c <= 0xDFFF)
            continue;
        unsigned char s[4];
        size_t n;
        if (c < 0x80) {
            s[0] = (unsigned char)c;
            n = 1;
        } else if (c < 0x800) {
            s[0] = (unsigned char)(0xC0 | c >> 6);
            s[1] = (unsigned char)(0x80 | (c & 0x3F));
            n = 2;
        } else if (c < 0x10000) {
            s[0] = (unsigned char)(0xE0 | c >> 12);
            s[1] = (unsigned char)(0x80 | (c >> 6 & 0x3F));
            s[2] = (unsigned char)(0x80 | (c & 0x3F));
            n = 3;
        } else {
            s[0] = (unsigned char)(0xF0 | c >> 18);
            s[1] = (unsigned char)(0x80 | (c >> 12 & 0x3F));
            s[2] = (unsigned char)(0x80 | (c >> 6 & 0x3F));
            s[3] = (unsigned char)(0x80 | (c & 0x3F));
            n = 4;
        }
        uint32_t cp = 0xFFFFFFFF;
        size_t got = trail__utf8_decode(s, n, &cp);
        if (got != n || cp != c)
            fail_msg("U+%04X: decoded %zu bytes as U+%04X", (unsigned)c, got, (unsigned)cp);
        /* Every shorter prefix is a truncated sequence. */
        for (size_t k = 1; k < n; k++)
            if (trail__utf8_decode(s, k, &cp) != 0)
                fail_msg("U+%04X: decoded its first %zu bytes", (unsigned)c, k);
    }
}

static void test_count_and_valid(void **state)
{
    (void)state;
    static const char mixed[] = "\xC3\xA9\xE6\x9D\xB1\xE4\xBA\xAC\xF0\x9F\x98\x80"; /* é東京😀 */
    assert_int_equal(sizeof mixed - 1, 12);
    assert_int_equal(trail__utf8_count(mixed, 12), 4);
    assert_true(trail__utf8_valid(mixed, 12));

    assert_int_equal(trail__utf8_count("", 0), 0);
    assert_true(trail__utf8_valid("", 0));
    assert_int_equal(trail__utf8_count("abc", 3), 3);
    assert_int_equal(trail__utf8_count("a\0b", 3), 3); /* NUL is a character */
    assert_int_equal(trail__utf8_count("h\xC3\xA9llo w\xC3\xB6rld", 13), 11);

    /* The count is over @len bytes only. */
    assert_int_equal(trail__utf8_count(mixed, 2), 1);
    assert_int_equal(trail__utf8_count(mixed, 5), 2);
    assert_int_equal(trail__utf8_count(mixed, 8), 3);

    /* One bad sequence anywhere spoils the whole. */
    for (size_t len = 1; len < 12; len++) {
        size_t expect = len == 2 ? 1 : len == 5 ? 2 : len == 8 ? 3 : BAD;
        assert_int_equal(trail__utf8_count(mixed, len), expect);
        assert_int_equal(trail__utf8_valid(mixed, len), expect != BAD);
    }
    assert_int_equal(trail__utf8_count("abc\xFF", 4), BAD);
    assert_int_equal(trail__utf8_count("\xFF"
                                       "abc",
                                       4),
                     BAD);
    assert_int_equal(trail__utf8_count("ab\x80"
                                       "cd",
                                       5),
                     BAD);
    assert_int_equal(trail__utf8_count("ab\xC0\x80"
                                       "cd",
                                       6),
                     BAD);
    assert_int_equal(trail__utf8_count("ab\xED\xA0\x80"
                                       "cd",
                                       7),
                     BAD);
    assert_int_equal(trail__utf8_count("ab\xF4\x90\x80\x80"
                                       "cd",
                                       8),
                     BAD);
    assert_false(trail__utf8_valid("\xE6\x9D\xB1\xE6\x9D", 5));
    assert_false(trail__utf8_valid("\xF0\x9F\x98\x80\x80", 5));
}

/*
 * For every prefix length of @s, cut returns the last character boundary at
 * or below it; @bounds lists all boundaries of @s (0 and its length included).
 */
static void assert_cuts(const char *s, size_t len, const size_t *bounds, size_t nbounds)
{
    assert_int_equal(bounds[0], 0);
    assert_int_equal(bounds[nbounds - 1], len);
    for (size_t k = 0; k <= len; k++) {
        size_t expect = 0;
        for (size_t i = 0; i < nbounds; i++)
            if (bounds[i] <= k)
                expect = bounds[i];
        size_t got = trail__utf8_cut(s, k);
        if (got != expect)
            fail_msg("cut at %zu of a %zu-byte string gave %zu, expected %zu", k, len, got, expect);
        assert_true(trail__utf8_valid(s, got));
    }
}

static void test_cut(void **state)
{
    (void)state;
    /* a é 東 😀 b */
    static const char mixed[] = "a\xC3\xA9\xE6\x9D\xB1\xF0\x9F\x98\x80"
                                "b";
    static const size_t mixed_bounds[] = { 0, 1, 3, 6, 10, 11 };
    assert_cuts(mixed, sizeof mixed - 1, mixed_bounds, 6);

    /* é東京😀 */
    static const char four[] = "\xC3\xA9\xE6\x9D\xB1\xE4\xBA\xAC\xF0\x9F\x98\x80";
    static const size_t four_bounds[] = { 0, 2, 5, 8, 12 };
    assert_cuts(four, sizeof four - 1, four_bounds, 5);

    /* Only four-byte characters, then only two-byte ones. */
    static const char emoji[] = "\xF0\x9F\x98\x80\xF0\x9F\x98\x81\xF4\x8F\xBF\xBF";
    static const size_t emoji_bounds[] = { 0, 4, 8, 12 };
    assert_cuts(emoji, sizeof emoji - 1, emoji_bounds, 4);
    static const char accents[] = "\xC3\xA9\xC3\xA8\xDF\xBF";
    static const size_t accent_bounds[] = { 0, 2, 4, 6 };
    assert_cuts(accents, sizeof accents - 1, accent_bounds, 4);

    /* ASCII cuts anywhere. */
    static const char ascii[] = "hello";
    static const size_t ascii_bounds[] = { 0, 1, 2, 3, 4, 5 };
    assert_cuts(ascii, 5, ascii_bounds, 6);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_decode_known),           cmocka_unit_test(test_decode_refusals),
        cmocka_unit_test(test_decode_matches_rfc3629), cmocka_unit_test(test_every_code_point),
        cmocka_unit_test(test_count_and_valid),        cmocka_unit_test(test_cut),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
