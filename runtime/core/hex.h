/*
 * hex.h - the value of a hexadecimal digit, for the URL decoders
 * (mysql_url.c, redact.c): internal to libtrail.
 */
#ifndef TRAIL_HEX_H
#define TRAIL_HEX_H

/* trail_hex_digit - 0..15 for [0-9a-fA-F], -1 for anything else. */
static inline int trail_hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

#endif /* TRAIL_HEX_H */
