/*
 * sha256.h - SHA-256 through libcrypto, as lower-case hex: internal to
 * libtrail. It chains each node's change events (prev_hash, hash).
 */
#ifndef TRAIL_SHA256_H
#define TRAIL_SHA256_H

#include <stddef.h>

/* Hex digits in a digest. */
#define TRAIL_SHA256_HEX_LEN 64

/*
 * trail__sha256_hex - the SHA-256 of @len bytes at @data, as 64 lower-case hex
 * digits and a NUL in @out. Returns TRAIL_OK, or TRAIL_ENOMEM when libcrypto
 * cannot set up the digest.
 */
int trail__sha256_hex(char out[TRAIL_SHA256_HEX_LEN + 1], const void *data, size_t len);

#endif /* TRAIL_SHA256_H */
