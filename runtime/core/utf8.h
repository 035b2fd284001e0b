/*
 * utf8.h - strict UTF-8 (RFC 3629): internal to libtrail.
 *
 * Text fields, JSON output and error messages all pass through here, so
 * that one definition of "valid" holds everywhere: no overlong forms, no
 * surrogates (U+D800-U+DFFF), nothing above U+10FFFF, no truncated sequence.
 */
#ifndef TRAIL_UTF8_H
#define TRAIL_UTF8_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * trail__utf8_decode - the length (1-4) of the valid sequence at the start of
 * @s (@len bytes available) and its code point in *@cp; 0 when the bytes
 * there are not valid UTF-8 or @len is 0.
 */
size_t trail__utf8_decode(const unsigned char *s, size_t len, uint32_t *cp);

/*
 * trail__utf8_count - the number of characters (code points) in @s, or
 * (size_t)-1 when @s is not valid UTF-8. Schema `max` counts these.
 */
size_t trail__utf8_count(const char *s, size_t len);

/* trail__utf8_valid - whether @s (@len bytes) is valid UTF-8. */
bool trail__utf8_valid(const char *s, size_t len);

/*
 * trail__utf8_cut - the largest length <= @len at which @s can be cut without
 * splitting a multi-byte sequence.
 */
size_t trail__utf8_cut(const char *s, size_t len);

#endif /* TRAIL_UTF8_H */
