/*
 * sha256.c - SHA-256 via libcrypto's EVP interface (the low-level SHA256_*
 * calls are deprecated in OpenSSL 3).
 *
 * The digest is fetched once for the process: EVP_sha256() makes
 * EVP_Digest() look the implementation up on every call, which cost half
 * as much again as hashing an event (bench_sync's import hashes each
 * event it applies). The fetched digest is kept until the process ends.
 */
#include "core/sha256.h"
#include "trail/error.h"

#include <openssl/evp.h>
#include <pthread.h>

static pthread_once_t fetch_once = PTHREAD_ONCE_INIT;
static const EVP_MD *sha256_md;

static void fetch(void)
{
    EVP_MD *md = EVP_MD_fetch(NULL, "SHA256", NULL);
    sha256_md = md ? md : EVP_sha256();
}

int trail__sha256_hex(char out[TRAIL_SHA256_HEX_LEN + 1], const void *data, size_t len)
{
    static const char hex[] = "0123456789abcdef";
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int md_len = 0;

    pthread_once(&fetch_once, fetch);
    if (EVP_Digest(data, len, md, &md_len, sha256_md, NULL) != 1 || md_len != 32) {
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
