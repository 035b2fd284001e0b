/*
 * sha256.c - SHA-256 via libcrypto's EVP interface (the low-level SHA256_*
 * calls are deprecated in OpenSSL 3).
 */
#include "core/sha256.h"
#include "trail/error.h"

#include <openssl/evp.h>

int trail__sha256_hex(char out[TRAIL_SHA256_HEX_LEN + 1], const void *data, size_t len)
{
    static const char hex[] = "0123456789abcdef";
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int md_len = 0;

    if (EVP_Digest(data, len, md, &md_len, EVP_sha256(), NULL) != 1 || md_len != 32) {
        out[0] = '\0';
        return TRAIL_ENOMEM;
    }
    for (unsigned int i = 0; i < md_len; i++) {
        out[2 * i] = hex[md[i] >> 4];
        out[2 * i + 1] = hex[md[i] & 15];
    }
    out[TRAIL_SHA256_HEX_LEN] = '\0';
    return TRAIL_OK;
}
