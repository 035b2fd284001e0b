/*
 * base64.h - RFC 4648 base64 (standard alphabet, with padding): internal to
 * libtrail. Blob values travel in change events in this form.
 */
#ifndef TRAIL_BASE64_H
#define TRAIL_BASE64_H

#include <stddef.h>

/* trail__base64_encoded_len - characters that encoding @n bytes produces (NUL not counted). */
size_t trail__base64_encoded_len(size_t n);

/*
 * trail__base64_encode - encode @n bytes of @in into @out, which must hold
 * trail__base64_encoded_len(@n) + 1 bytes; @out is NUL-terminated.
 */
void trail__base64_encode(char *out, const void *in, size_t n);

/* trail__base64_decoded_max - an upper bound on the bytes that decoding @n characters yields. */
size_t trail__base64_decoded_max(size_t n);

/*
 * trail__base64_decode - decode @n characters of @in into @out (at least
 * trail__base64_decoded_max(@n) bytes) and store the byte count in *@out_len.
 *
 * Strict: the length must be a multiple of 4, padding only at the end, no
 * white space, and the unused bits of the last character must be zero, so
 * that each byte string has exactly one encoding. Returns TRAIL_OK or
 * TRAIL_EINVALID.
 */
int trail__base64_decode(void *out, size_t *out_len, const char *in, size_t n);

#endif /* TRAIL_BASE64_H */
