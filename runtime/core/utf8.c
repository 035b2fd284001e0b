/*
 * utf8.c - strict UTF-8 decoding, counting and cutting.
 */
#include "core/utf8.h"

size_t trail__utf8_decode(const unsigned char *s, size_t len, uint32_t *cp)
{
    if (len == 0)
        return 0;
    unsigned char b0 = s[0];
    if (b0 < 0x80) {
        *cp = b0;
        return 1;
    }

    size_t need;
    uint32_t min, c;
    if (b0 >= 0xC2 && b0 <= 0xDF) {
        need = 2, min = 0x80, c = b0 & 0x1F;
    } else if (b0 >= 0xE0 && b0 <= 0xEF) {
        need = 3, min = 0x800, c = b0 & 0x0F;
    } else if (b0 >= 0xF0 && b0 <= 0xF4) {
        need = 4, min = 0x10000, c = b0 & 0x07;
    } else {
        return 0; /* continuation byte, C0/C1 overlong lead, or F5-FF */
    }
    if (len < need)
        return 0;
    for (size_t i = 1; i < need; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        c = (c << 6) | (s[i] & 0x3F);
    }
    if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
        return 0;
    *cp = c;
    return need;
}

size_t trail__utf8_count(const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t count = 0;
    while (len > 0) {
        uint32_t cp;
        size_t n = *p < 0x80 ? 1 : trail__utf8_decode(p, len, &cp);
        if (n == 0)
            return (size_t)-1;
        p += n;
        len -= n;
        count++;
    }
    return count;
}

bool trail__utf8_valid(const char *s, size_t len)
{
    return trail__utf8_count(s, len) != (size_t)-1;
}

size_t trail__utf8_cut(const char *s, size_t len)
{
    size_t lead = len;
    /* At most three continuation bytes can belong to the last character. */
    while (lead > 0 && len - lead < 4 && ((unsigned char)s[lead - 1] & 0xC0) == 0x80)
        lead--;
    if (lead == 0 || len - lead >= 4)
        return len; /* not UTF-8 at all here; nothing sensible to protect */
    unsigned char b = (unsigned char)s[lead - 1];
    size_t need = b < 0x80 ? 1 : b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : 2;
    return len - (lead - 1) >= need ? len : lead - 1;
}
