/* summary: TNAuthList (RFC 8226 §9, OID 1.3.6.1.5.5.7.1.26) — the DER value of the
 * extension that says which numbers a STIR certificate may sign for.
 *
 * Decoded by hand with strict bounds: the module uses EXPLICIT tags, so an SPC is
 * [0] { IA5String }, a range [1] { SEQUENCE { IA5String start, INTEGER count } } and
 * a single number [2] { IA5String }. SHAKEN certificates carry an SPC; delegate
 * certificates (RFC 9060) carry numbers. */
#ifndef STIRPROBE_TNAUTH_H
#define STIRPROBE_TNAUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TNAUTH_MAX_ENTRIES 16
#define TNAUTH_STR 33 /* SPCs are short codes; TNs are at most 15 digits */

struct tnauth_range {
    char start[TNAUTH_STR];
    uint64_t count;
};

struct tnauth {
    char spc[TNAUTH_MAX_ENTRIES][TNAUTH_STR];
    size_t n_spc;
    struct tnauth_range range[TNAUTH_MAX_ENTRIES];
    size_t n_range;
    char tn[TNAUTH_MAX_ENTRIES][TNAUTH_STR];
    size_t n_tn;
};

/* Parses the extension's value (the content of its OCTET STRING). NULL on success,
 * else a short stable reason ("not-a-sequence", "bad-length", "bad-tn", ...). */
const char *tnauth_parse(const uint8_t *p, size_t len, struct tnauth *out);

/* True when the list names numbers (ranges or TNs) and tn (canonical digits) is one of
 * them. A list with only SPCs covers no number by itself. */
bool tnauth_covers(const struct tnauth *t, const char *tn);

/* Readable one-line form, e.g. "spc:1001" or "range:12025550100+100;tn:12025550999". */
void tnauth_str(const struct tnauth *t, char *buf, size_t cap);

#endif
