/* summary: counted byte slices over untrusted input; no NUL terminator, no strlen.
 *
 * Every parser in stirprobe walks packet bytes through these helpers so that a
 * read past the end is impossible by construction: a slice never grows, it only
 * shrinks from either side after a length check. */
#ifndef STIRPROBE_SLICE_H
#define STIRPROBE_SLICE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct slice {
    const uint8_t *p;
    size_t n;
};

#define SLICE_NULL ((struct slice){ NULL, 0 })

static inline struct slice slice_make(const void *p, size_t n)
{
    return (struct slice){ (const uint8_t *)p, n };
}

static inline struct slice slice_cstr(const char *s)
{
    return slice_make(s, strlen(s));
}

static inline uint8_t ascii_lower(uint8_t c)
{
    return (c >= 'A' && c <= 'Z') ? (uint8_t)(c + 32) : c;
}

static inline bool is_sp(uint8_t c) { return c == ' ' || c == '\t'; }
static inline bool is_lws(uint8_t c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }
static inline bool is_digit(uint8_t c) { return c >= '0' && c <= '9'; }

/* Value of a hex digit, or -1. */
static inline int hex_digit(uint8_t c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Case-insensitive equality with a C string literal (ASCII only, as SIP names are). */
static inline bool slice_eq_ci(struct slice s, const char *lit)
{
    size_t n = strlen(lit);
    if (s.n != n)
        return false;
    for (size_t i = 0; i < n; i++)
        if (ascii_lower(s.p[i]) != ascii_lower((uint8_t)lit[i]))
            return false;
    return true;
}

static inline bool slice_eq(struct slice s, const char *lit)
{
    size_t n = strlen(lit);
    return s.n == n && (n == 0 || memcmp(s.p, lit, n) == 0);
}

static inline bool slice_starts_ci(struct slice s, const char *lit)
{
    size_t n = strlen(lit);
    return s.n >= n && slice_eq_ci(slice_make(s.p, n), lit);
}

/* Index of the first c in s, or s.n when absent. */
static inline size_t slice_find(struct slice s, uint8_t c)
{
    const uint8_t *hit = s.n ? memchr(s.p, c, s.n) : NULL;
    return hit ? (size_t)(hit - s.p) : s.n;
}

static inline struct slice slice_sub(struct slice s, size_t off, size_t n)
{
    if (off > s.n)
        off = s.n;
    if (n > s.n - off)
        n = s.n - off;
    return slice_make(s.p + off, n);
}

static inline struct slice slice_from(struct slice s, size_t off)
{
    return off >= s.n ? slice_make(s.p + s.n, 0) : slice_make(s.p + off, s.n - off);
}

/* Strip linear white space (SP, HT, CR, LF) from both ends; SIP folding leaves CRLF+SP inside values. */
static inline struct slice slice_trim(struct slice s)
{
    while (s.n && is_lws(s.p[0])) {
        s.p++;
        s.n--;
    }
    while (s.n && is_lws(s.p[s.n - 1]))
        s.n--;
    return s;
}

/* Parse an unsigned decimal that fills the whole slice; false on empty, non-digit or > max. */
static inline bool slice_to_u64(struct slice s, uint64_t max, uint64_t *out)
{
    uint64_t v = 0;
    if (s.n == 0)
        return false;
    for (size_t i = 0; i < s.n; i++) {
        if (!is_digit(s.p[i]))
            return false;
        uint64_t d = (uint64_t)(s.p[i] - '0');
        if (v > (max - d) / 10)
            return false;
        v = v * 10 + d;
    }
    *out = v;
    return true;
}

/* Copy into a NUL-terminated buffer; returns false (and copies nothing) when it does not fit. */
static inline bool slice_copy(struct slice s, char *dst, size_t cap)
{
    if (cap == 0 || s.n >= cap)
        return false;
    if (s.n)
        memcpy(dst, s.p, s.n);
    dst[s.n] = '\0';
    return true;
}

#endif
