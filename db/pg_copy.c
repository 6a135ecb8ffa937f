/* summary: PostgreSQL COPY text format: field escaping and row parsing (no libpq). */
#include "db/pg_copy.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/jsonw.h"
#include "common/slice.h"

void sbuf_put(struct sbuf *b, const void *p, size_t n)
{
    if (b->failed || n == 0)
        return;
    if (b->n + n > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->n + n)
            cap *= 2;
        char *np = realloc(b->p, cap);
        if (!np) {
            b->failed = true;
            return;
        }
        b->p = np;
        b->cap = cap;
    }
    memcpy(b->p + b->n, p, n);
    b->n += n;
}

void sbuf_free(struct sbuf *b)
{
    free(b->p);
    *b = (struct sbuf){ 0 };
}

void copy_sep(struct sbuf *b)
{
    sbuf_put(b, "\t", 1);
}

void copy_eol(struct sbuf *b)
{
    sbuf_put(b, "\n", 1);
}

void copy_null(struct sbuf *b)
{
    sbuf_put(b, "\\N", 2);
}

void copy_text(struct sbuf *b, const char *s, size_t n, bool utf8)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t run = 0; /* bytes since the last escape, written in one go */
    for (size_t i = 0; i < n;) {
        const char *esc = NULL;
        size_t step = 1;
        switch (u[i]) {
        case '\\': esc = "\\\\"; break;
        case '\t': esc = "\\t"; break;
        case '\n': esc = "\\n"; break;
        case '\r': esc = "\\r"; break;
        case 0: esc = "?"; break;
        default:
            if (utf8 && u[i] >= 0x80) {
                step = utf8_seq(u + i, n - i);
                if (step == 0) {
                    esc = "\xef\xbf\xbd";
                    step = 1;
                }
            }
        }
        if (esc) {
            sbuf_put(b, s + i - run, run);
            sbuf_put(b, esc, strlen(esc));
            run = 0;
        } else {
            run += step;
        }
        i += step;
    }
    sbuf_put(b, s + n - run, run);
}

void copy_str(struct sbuf *b, const char *s, bool utf8)
{
    if (s && *s)
        copy_text(b, s, strlen(s), utf8);
    else
        copy_null(b);
}

void copy_int(struct sbuf *b, int64_t v)
{
    char d[24];
    int w = snprintf(d, sizeof d, "%" PRId64, v);
    sbuf_put(b, d, (size_t)w);
}

void copy_bytea(struct sbuf *b, const uint8_t *p, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    sbuf_put(b, "\\\\x", 3); /* the bytea text "\x..." with its backslash escaped for COPY */
    char pair[2];
    for (size_t i = 0; i < n; i++) {
        pair[0] = hex[p[i] >> 4];
        pair[1] = hex[p[i] & 15];
        sbuf_put(b, pair, 2);
    }
}


int copy_parse_row(char *line, size_t len, char **fields, size_t *lens, int max)
{
    int nf = 0;
    size_t i = 0;
    for (;;) {
        if (nf == max)
            return -1;
        char *start = line + i, *w = start;
        bool null = false;
        if (i + 2 <= len && line[i] == '\\' && line[i + 1] == 'N' && (i + 2 == len || line[i + 2] == '\t')) {
            null = true;
            i += 2;
        }
        while (!null && i < len && line[i] != '\t') {
            char c = line[i++];
            if (c != '\\' || i == len) {
                *w++ = c;
                continue;
            }
            char e = line[i++];
            switch (e) {
            case 'b': *w++ = '\b'; break;
            case 'f': *w++ = '\f'; break;
            case 'n': *w++ = '\n'; break;
            case 'r': *w++ = '\r'; break;
            case 't': *w++ = '\t'; break;
            case 'v': *w++ = '\v'; break;
            case 'x': { /* \xH or \xHH */
                int v = 0, k = 0;
                while (k < 2 && i < len && hex_digit((uint8_t)line[i]) >= 0)
                    v = v * 16 + hex_digit((uint8_t)line[i++]), k++;
                *w++ = k ? (char)v : 'x';
                break;
            }
            default:
                if (e >= '0' && e <= '7') { /* \O, \OO or \OOO */
                    int v = e - '0', k = 1;
                    while (k < 3 && i < len && line[i] >= '0' && line[i] <= '7')
                        v = v * 8 + (line[i++] - '0'), k++;
                    *w++ = (char)v;
                } else {
                    *w++ = e; /* \\ and any other escaped character stand for themselves */
                }
            }
        }
        fields[nf] = null ? NULL : start;
        lens[nf] = null ? 0 : (size_t)(w - start);
        nf++;
        if (i >= len)
            return nf;
        i++; /* the tab */
    }
}

long copy_unhex(char *s, size_t n)
{
    if (n < 2 || s[0] != '\\' || s[1] != 'x' || n % 2)
        return -1;
    size_t o = 0;
    for (size_t i = 2; i < n; i += 2) {
        int h = hex_digit((uint8_t)s[i]), l = hex_digit((uint8_t)s[i + 1]);
        if (h < 0 || l < 0)
            return -1;
        s[o++] = (char)(h * 16 + l);
    }
    return (long)o;
}
