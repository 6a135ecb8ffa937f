/* summary: strict DER decoding of TNAuthList (RFC 8226 §9) and the number check. */
#include "decoders/tnauth.h"

#include <stdio.h>
#include <string.h>

/* One DER TLV. Only low tag numbers exist in this module, and DER forbids the
 * indefinite form and non-minimal lengths, so anything else is an error. */
struct tlv {
    uint8_t tag;
    const uint8_t *v;
    size_t len;
};

static const char *tlv_next(const uint8_t **p, const uint8_t *end, struct tlv *t)
{
    const uint8_t *q = *p;
    if (end - q < 2)
        return "truncated";
    t->tag = *q++;
    if ((t->tag & 0x1f) == 0x1f)
        return "high-tag";
    size_t len = *q++;
    if (len & 0x80) {
        size_t n = len & 0x7f;
        if (n == 0 || n > 3)
            return "bad-length";
        if ((size_t)(end - q) < n || q[0] == 0)
            return "bad-length";
        len = 0;
        for (size_t i = 0; i < n; i++)
            len = len << 8 | *q++;
        if (len < 0x80)
            return "bad-length";
    }
    if ((size_t)(end - q) < len)
        return "bad-length";
    t->v = q;
    t->len = len;
    *p = q + len;
    return NULL;
}

/* The whole of [p, end) must be exactly one TLV with this tag. */
static const char *tlv_only(const uint8_t *p, const uint8_t *end, uint8_t tag, struct tlv *t)
{
    const char *why = tlv_next(&p, end, t);
    if (why)
        return why;
    if (t->tag != tag)
        return "unexpected-tag";
    return p == end ? NULL : "trailing-bytes";
}

#define TAG_INTEGER 0x02
#define TAG_IA5STRING 0x16
#define TAG_SEQUENCE 0x30
#define TAG_SPC 0xa0   /* [0] EXPLICIT, constructed */
#define TAG_RANGE 0xa1 /* [1] EXPLICIT */
#define TAG_ONE 0xa2   /* [2] EXPLICIT */

static const char *ia5(const struct tlv *t, bool tn, char out[TNAUTH_STR])
{
    if (t->len == 0 || t->len >= TNAUTH_STR)
        return tn ? "bad-tn" : "bad-spc";
    if (tn && t->len > 15)
        return "bad-tn";
    for (size_t i = 0; i < t->len; i++) {
        uint8_t c = t->v[i];
        /* RFC 8226: TelephoneNumber is FROM ("0123456789#*"); an SPC is printable. */
        bool ok = tn ? ((c >= '0' && c <= '9') || c == '#' || c == '*') : (c > 0x20 && c < 0x7f);
        if (!ok)
            return tn ? "bad-tn" : "bad-spc";
    }
    memcpy(out, t->v, t->len);
    out[t->len] = '\0';
    return NULL;
}

static const char *range(const struct tlv *inner, struct tnauth_range *r)
{
    const uint8_t *p = inner->v, *end = inner->v + inner->len;
    struct tlv start, count;
    const char *why = tlv_next(&p, end, &start);
    if (why)
        return why;
    if (start.tag != TAG_IA5STRING)
        return "unexpected-tag";
    if ((why = ia5(&start, true, r->start)))
        return why;
    if ((why = tlv_only(p, end, TAG_INTEGER, &count)))
        return why;
    /* count is INTEGER (2..MAX): positive, minimal, and it must fit what we compare. */
    if (count.len == 0 || count.len > 8 || (count.v[0] & 0x80) ||
        (count.len > 1 && count.v[0] == 0 && !(count.v[1] & 0x80)))
        return "bad-count";
    uint64_t n = 0;
    for (size_t i = 0; i < count.len; i++)
        n = n << 8 | count.v[i];
    if (n < 2)
        return "bad-count";
    r->count = n;
    return NULL;
}

const char *tnauth_parse(const uint8_t *p, size_t len, struct tnauth *out)
{
    memset(out, 0, sizeof *out);
    struct tlv seq;
    const char *why = tlv_only(p, p + len, TAG_SEQUENCE, &seq);
    if (why)
        return strcmp(why, "unexpected-tag") == 0 ? "not-a-sequence" : why;
    const uint8_t *q = seq.v, *end = seq.v + seq.len;
    size_t entries = 0;
    while (q < end) {
        struct tlv e, inner;
        if ((why = tlv_next(&q, end, &e)))
            return why;
        if (++entries > TNAUTH_MAX_ENTRIES)
            return "too-many-entries";
        switch (e.tag) {
        case TAG_SPC:
            if ((why = tlv_only(e.v, e.v + e.len, TAG_IA5STRING, &inner)) ||
                (why = ia5(&inner, false, out->spc[out->n_spc++])))
                return why;
            break;
        case TAG_RANGE:
            if ((why = tlv_only(e.v, e.v + e.len, TAG_SEQUENCE, &inner)) ||
                (why = range(&inner, &out->range[out->n_range++])))
                return why;
            break;
        case TAG_ONE:
            if ((why = tlv_only(e.v, e.v + e.len, TAG_IA5STRING, &inner)) ||
                (why = ia5(&inner, true, out->tn[out->n_tn++])))
                return why;
            break;
        default:
            return "unexpected-tag";
        }
    }
    return entries ? NULL : "empty";
}

static bool all_digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return n > 0;
}

static bool in_range(const struct tnauth_range *r, const char *tn)
{
    size_t n = strlen(r->start);
    /* A range keeps the number of digits: 12025550100 + 100 never reaches 1202555020. */
    if (strlen(tn) != n || !all_digits(tn, n) || !all_digits(r->start, n))
        return false;
    uint64_t lo = 0, v = 0;
    for (size_t i = 0; i < n; i++) {
        lo = lo * 10 + (uint64_t)(r->start[i] - '0');
        v = v * 10 + (uint64_t)(tn[i] - '0');
    }
    return v >= lo && v - lo < r->count;
}

bool tnauth_covers(const struct tnauth *t, const char *tn)
{
    if (!tn || !*tn)
        return false;
    for (size_t i = 0; i < t->n_tn; i++)
        if (strcmp(t->tn[i], tn) == 0)
            return true;
    for (size_t i = 0; i < t->n_range; i++)
        if (in_range(&t->range[i], tn))
            return true;
    return false;
}

void tnauth_str(const struct tnauth *t, char *buf, size_t cap)
{
    size_t used = 0;
    if (cap == 0)
        return;
    buf[0] = '\0';
#define PUT(...)                                                                 \
    do {                                                                         \
        int k = snprintf(buf + used, cap - used, __VA_ARGS__);                   \
        if (k < 0 || (size_t)k >= cap - used) {                                  \
            buf[used] = '\0'; /* cut at the last whole entry */                  \
            return;                                                              \
        }                                                                        \
        used += (size_t)k;                                                       \
    } while (0)
    for (size_t i = 0; i < t->n_spc; i++)
        PUT("%sspc:%s", used ? ";" : "", t->spc[i]);
    for (size_t i = 0; i < t->n_range; i++)
        PUT("%srange:%s+%llu", used ? ";" : "", t->range[i].start, (unsigned long long)t->range[i].count);
    for (size_t i = 0; i < t->n_tn; i++)
        PUT("%stn:%s", used ? ";" : "", t->tn[i]);
#undef PUT
}
