/*
 * base64.c - RFC 4648 base64, standard alphabet, padded.
 */
#include "core/base64.h"
#include "trail/error.h"

#include <stdint.h>

static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

size_t trail__base64_encoded_len(size_t n)
{
    return (n + 2) / 3 * 4;
}

void trail__base64_encode(char *out, const void *in, size_t n)
{
    const unsigned char *p = in;
    size_t i = 0;
    for (; i + 3 <= n; i += 3) {
        uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];
        *out++ = alphabet[v >> 18];
        *out++ = alphabet[(v >> 12) & 63];
        *out++ = alphabet[(v >> 6) & 63];
        *out++ = alphabet[v & 63];
    }
    if (n - i == 1) {
        uint32_t v = (uint32_t)p[i] << 16;
        *out++ = alphabet[v >> 18];
        *out++ = alphabet[(v >> 12) & 63];
        *out++ = '=';
        *out++ = '=';
    } else if (n - i == 2) {
        uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8;
        *out++ = alphabet[v >> 18];
        *out++ = alphabet[(v >> 12) & 63];
        *out++ = alphabet[(v >> 6) & 63];
        *out++ = '=';
    }
    *out = '\0';
}

size_t trail__base64_decoded_max(size_t n)
{
    return n / 4 * 3;
}

/* The 6-bit value of a base64 character, or -1. */
static int sextet(char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+')
        return 62;
    if (c == '/')
        return 63;
    return -1;
}

int trail__base64_decode(void *out, size_t *out_len, const char *in, size_t n)
{
    unsigned char *o = out;
    if (n % 4 != 0)
        return TRAIL_EINVALID;

    size_t written = 0;
    for (size_t i = 0; i < n; i += 4) {
        int last = i + 4 == n;
        int pad = 0;
        if (last && in[i + 3] == '=')
            pad = in[i + 2] == '=' ? 2 : 1;

        int v[4];
        for (int k = 0; k < 4 - pad; k++) {
            v[k] = sextet(in[i + k]);
            if (v[k] < 0)
                return TRAIL_EINVALID;
        }
        uint32_t bits = (uint32_t)v[0] << 18 | (uint32_t)v[1] << 12;
        if (pad < 2)
            bits |= (uint32_t)v[2] << 6;
        if (pad < 1)
            bits |= (uint32_t)v[3];
        /* Unused low bits must be zero: one encoding per byte string. */
        if ((pad == 1 && (bits & 0xFF)) || (pad == 2 && (bits & 0xFFFF)))
            return TRAIL_EINVALID;

        o[written++] = (unsigned char)(bits >> 16);
        if (pad < 2)
            o[written++] = (unsigned char)(bits >> 8);
        if (pad < 1)
            o[written++] = (unsigned char)bits;
    }
    *out_len = written;
    return TRAIL_OK;
}
