/* summary: writing JSON strings from bytes that came off the wire.
 *
 * Captured text is not promised to be UTF-8 or free of control characters: valid
 * UTF-8 passes through, control characters and stray bytes are escaped, so the
 * output is always valid JSON. */
#ifndef STIRPROBE_JSONW_H
#define STIRPROBE_JSONW_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Length of the valid UTF-8 sequence at s (2..4), or 0. */
static inline size_t utf8_seq(const unsigned char *s, size_t n)
{
    size_t len;
    uint32_t cp;
    if (s[0] >= 0xc2 && s[0] <= 0xdf) {
        len = 2;
        cp = s[0] & 0x1f;
    } else if (s[0] >= 0xe0 && s[0] <= 0xef) {
        len = 3;
        cp = s[0] & 0x0f;
    } else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
        len = 4;
        cp = s[0] & 0x07;
    } else {
        return 0;
    }
    if (n < len)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        cp = cp << 6 | (s[i] & 0x3f);
    }
    /* Overlong forms, surrogates and values past U+10FFFF are not UTF-8. */
    if ((len == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)))
        return 0;
    return len;
}

static inline void json_write_str(FILE *out, const char *str, size_t n)
{
    const unsigned char *s = (const unsigned char *)str;
    fputc('"', out);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = s[i];
        size_t u;
        if (c == '"' || c == '\\') {
            fprintf(out, "\\%c", c);
        } else if (c >= 0x20 && c < 0x7f) {
            fputc(c, out);
        } else if (c >= 0x80 && (u = utf8_seq(s + i, n - i)) != 0) {
            fwrite(s + i, 1, u, out);
            i += u - 1;
        } else {
            fprintf(out, "\\u%04x", c); /* control character, DEL or a stray byte */
        }
    }
    fputc('"', out);
}

#endif
