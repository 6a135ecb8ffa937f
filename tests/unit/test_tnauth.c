/* summary: tests for decoders/tnauth — hand-built DER for every accepted form and every
 * error path of the strict parser, tnauth_covers at range edges, tnauth_str truncation,
 * and the extension as found in the test PKI's certificates (tests/pki). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decoders/cert.h"
#include "decoders/tnauth.h"
#include "tests/unit/harness.h"

static struct tnauth ta; /* large: keep it off the stack */

/* A small DER builder: tlv() appends tag, minimal length and value. */
struct der {
    uint8_t b[4096];
    size_t n;
};

static void put(struct der *d, const void *p, size_t n)
{
    if (d->n + n <= sizeof d->b) {
        memcpy(d->b + d->n, p, n);
        d->n += n;
    }
}

static void put_len(struct der *d, size_t len)
{
    uint8_t l[4];
    if (len < 0x80) {
        l[0] = (uint8_t)len;
        put(d, l, 1);
    } else if (len < 0x100) {
        l[0] = 0x81;
        l[1] = (uint8_t)len;
        put(d, l, 2);
    } else {
        l[0] = 0x82;
        l[1] = (uint8_t)(len >> 8);
        l[2] = (uint8_t)len;
        put(d, l, 3);
    }
}

static void tlv(struct der *d, uint8_t tag, const void *v, size_t n)
{
    put(d, &tag, 1);
    put_len(d, n);
    put(d, v, n);
}

static void ia5_in(struct der *d, uint8_t outer, const char *s)
{
    struct der in = { .n = 0 };
    tlv(&in, 0x16, s, strlen(s));
    tlv(d, outer, in.b, in.n);
}

static void spc(struct der *d, const char *s) { ia5_in(d, 0xa0, s); }
static void one(struct der *d, const char *s) { ia5_in(d, 0xa2, s); }

/* [1] { SEQUENCE { IA5String start, INTEGER count } } with count given as content bytes. */
static void range_raw(struct der *d, const char *start, const uint8_t *cnt, size_t cn)
{
    struct der seq = { .n = 0 }, in = { .n = 0 };
    tlv(&seq, 0x16, start, strlen(start));
    tlv(&seq, 0x02, cnt, cn);
    tlv(&in, 0x30, seq.b, seq.n);
    tlv(d, 0xa1, in.b, in.n);
}

static void range(struct der *d, const char *start, unsigned count)
{
    uint8_t c[5];
    size_t n = 0;
    /* minimal two's-complement, positive */
    uint8_t tmp[4] = { (uint8_t)(count >> 24), (uint8_t)(count >> 16), (uint8_t)(count >> 8), (uint8_t)count };
    size_t i = 0;
    while (i < 3 && tmp[i] == 0 && !(tmp[i + 1] & 0x80))
        i++;
    if (tmp[i] & 0x80)
        c[n++] = 0;
    for (; i < 4; i++)
        c[n++] = tmp[i];
    range_raw(d, start, c, n);
}

/* The outer SEQUENCE around entries. */
static const char *parse_seq(const struct der *entries)
{
    struct der d = { .n = 0 };
    tlv(&d, 0x30, entries->b, entries->n);
    return tnauth_parse(d.b, d.n, &ta);
}

static void tna_spc(void)
{
    /* Exactly the bytes in tests/pki/sp-a.pem: 30 08 a0 06 16 04 "1001". */
    static const uint8_t der[] = { 0x30, 0x08, 0xa0, 0x06, 0x16, 0x04, '1', '0', '0', '1' };
    CHECK_EQ_STR(tnauth_parse(der, sizeof der, &ta), NULL);
    CHECK_EQ_INT(ta.n_spc, 1);
    CHECK_EQ_INT(ta.n_range, 0);
    CHECK_EQ_INT(ta.n_tn, 0);
    CHECK_EQ_STR(ta.spc[0], "1001");
    char buf[64];
    tnauth_str(&ta, buf, sizeof buf);
    CHECK_EQ_STR(buf, "spc:1001");
    /* An SPC list covers no number by itself. */
    CHECK(!tnauth_covers(&ta, "1001"));
    CHECK(!tnauth_covers(&ta, "12025550100"));
    /* SPCs are printable, not only digits. */
    struct der e = { .n = 0 };
    spc(&e, "AB12-x");
    CHECK_EQ_STR(parse_seq(&e), NULL);
    CHECK_EQ_STR(ta.spc[0], "AB12-x");
}

static void tna_range(void)
{
    /* Exactly the bytes in tests/pki/tnrange.pem. */
    static const uint8_t der[] = { 0x30, 0x23, 0xa1, 0x12, 0x30, 0x10, 0x16, 0x0b, '1', '2', '0', '2', '5', '5',
                                   '5', '0', '1', '0', '0', 0x02, 0x01, 0x64, 0xa2, 0x0d, 0x16, 0x0b, '1', '2',
                                   '0', '2', '5', '5', '5', '0', '9', '9', '9' };
    CHECK_EQ_STR(tnauth_parse(der, sizeof der, &ta), NULL);
    CHECK_EQ_INT(ta.n_spc, 0);
    CHECK_EQ_INT(ta.n_range, 1);
    CHECK_EQ_INT(ta.n_tn, 1);
    CHECK_EQ_STR(ta.range[0].start, "12025550100");
    CHECK_EQ_INT(ta.range[0].count, 100);
    CHECK_EQ_STR(ta.tn[0], "12025550999");
    char buf[128];
    tnauth_str(&ta, buf, sizeof buf);
    CHECK_EQ_STR(buf, "range:12025550100+100;tn:12025550999");

    /* Range edges: start and start+count-1 are in, start-1 and start+count are out. */
    CHECK(tnauth_covers(&ta, "12025550100"));
    CHECK(tnauth_covers(&ta, "12025550150"));
    CHECK(tnauth_covers(&ta, "12025550199"));
    CHECK(!tnauth_covers(&ta, "12025550200"));
    CHECK(!tnauth_covers(&ta, "12025550099"));
    /* The single TN, and its neighbours. */
    CHECK(tnauth_covers(&ta, "12025550999"));
    CHECK(!tnauth_covers(&ta, "12025550998"));
    CHECK(!tnauth_covers(&ta, "12025551000"));
    /* Different digit counts never match, whatever the value. */
    CHECK(!tnauth_covers(&ta, "1202555010"));   /* 10 digits */
    CHECK(!tnauth_covers(&ta, "120255501000")); /* 12 digits */
    CHECK(!tnauth_covers(&ta, "012025550100")); /* leading zero: a different number */
    CHECK(!tnauth_covers(&ta, "2025550100"));
    CHECK(!tnauth_covers(&ta, ""));
    CHECK(!tnauth_covers(&ta, NULL));
    CHECK(!tnauth_covers(&ta, "1202555015x"));
    CHECK(!tnauth_covers(&ta, "+12025550150"));
}

static void tna_range_big(void)
{
    /* A count wider than one byte, and a range crossing a decade boundary. */
    struct der e = { .n = 0 };
    range(&e, "4455500000", 70000);
    CHECK_EQ_STR(parse_seq(&e), NULL);
    CHECK_EQ_INT(ta.range[0].count, 70000);
    CHECK(tnauth_covers(&ta, "4455500000"));
    CHECK(tnauth_covers(&ta, "4455569999"));
    CHECK(!tnauth_covers(&ta, "4455570000"));
    /* count 128 needs a leading zero byte in DER: 02 02 00 80. */
    e.n = 0;
    range(&e, "100", 128);
    CHECK_EQ_STR(parse_seq(&e), NULL);
    CHECK_EQ_INT(ta.range[0].count, 128);
    CHECK(tnauth_covers(&ta, "227"));
    CHECK(!tnauth_covers(&ta, "228"));
    /* A range near the top of the digit count must not wrap. */
    e.n = 0;
    range(&e, "990", 20);
    CHECK_EQ_STR(parse_seq(&e), NULL);
    CHECK(tnauth_covers(&ta, "999"));
    CHECK(!tnauth_covers(&ta, "989"));
    /* count 2, the minimum. */
    e.n = 0;
    range(&e, "5550000", 2);
    CHECK_EQ_STR(parse_seq(&e), NULL);
    CHECK(tnauth_covers(&ta, "5550001"));
    CHECK(!tnauth_covers(&ta, "5550002"));
    /* Eight content bytes, high bit clear: the largest accepted count. */
    static const uint8_t c8[] = { 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
    e.n = 0;
    range_raw(&e, "1000", c8, sizeof c8);
    CHECK_EQ_STR(parse_seq(&e), NULL);
    CHECK(tnauth_covers(&ta, "9999"));
    /* Nine content bytes (00 then eight bytes with the high bit) do not fit a uint64 compare. */
    static const uint8_t c9[] = { 0x00, 0x80, 0, 0, 0, 0, 0, 0, 0 };
    e.n = 0;
    range_raw(&e, "1000", c9, sizeof c9);
    CHECK_EQ_STR(parse_seq(&e), "bad-count");
}

static void tna_single_and_mixed(void)
{
    struct der e = { .n = 0 };
    one(&e, "12155551212");
    CHECK_EQ_STR(parse_seq(&e), NULL);
    CHECK_EQ_INT(ta.n_tn, 1);
    CHECK(tnauth_covers(&ta, "12155551212"));
    CHECK(!tnauth_covers(&ta, "12155551213"));
    CHECK(!tnauth_covers(&ta, "1215555121"));
    /* '#' and '*' are TelephoneNumber characters. */
    e.n = 0;
    one(&e, "*67#");
    CHECK_EQ_STR(parse_seq(&e), NULL);
    CHECK_EQ_STR(ta.tn[0], "*67#");

    e.n = 0;
    spc(&e, "1001");
    range(&e, "12025550100", 100);
    one(&e, "12025550999");
    spc(&e, "1002");
    range(&e, "3335550000", 10);
    CHECK_EQ_STR(parse_seq(&e), NULL);
    CHECK_EQ_INT(ta.n_spc, 2);
    CHECK_EQ_INT(ta.n_range, 2);
    CHECK_EQ_INT(ta.n_tn, 1);
    CHECK(tnauth_covers(&ta, "3335550009"));
    CHECK(!tnauth_covers(&ta, "3335550010"));
    char buf[256];
    tnauth_str(&ta, buf, sizeof buf);
    CHECK_EQ_STR(buf, "spc:1001;spc:1002;range:12025550100+100;range:3335550000+10;tn:12025550999");

    /* Exactly TNAUTH_MAX_ENTRIES entries are fine, one more is not. */
    e.n = 0;
    for (int i = 0; i < TNAUTH_MAX_ENTRIES; i++)
        one(&e, "5551234");
    CHECK_EQ_STR(parse_seq(&e), NULL);
    CHECK_EQ_INT(ta.n_tn, TNAUTH_MAX_ENTRIES);
    one(&e, "5551234");
    CHECK_EQ_STR(parse_seq(&e), "too-many-entries");
    e.n = 0;
    for (int i = 0; i < TNAUTH_MAX_ENTRIES + 1; i++)
        spc(&e, "1");
    CHECK_EQ_STR(parse_seq(&e), "too-many-entries");
    e.n = 0;
    for (int i = 0; i < TNAUTH_MAX_ENTRIES + 1; i++)
        range(&e, "100", 2);
    CHECK_EQ_STR(parse_seq(&e), "too-many-entries");
}

static void tna_long_form(void)
{
    /* A long-form length that is minimal (>= 128) is valid DER: 16 SPCs of 12 chars make
     * a sequence body of 16 * 16 = 256 bytes (82 01 00). */
    struct der e = { .n = 0 };
    for (int i = 0; i < 16; i++)
        spc(&e, "ABCDEFGHIJKL");
    CHECK_EQ_INT(e.n, 256);
    struct der d = { .n = 0 };
    tlv(&d, 0x30, e.b, e.n);
    CHECK_EQ_INT(d.b[1], 0x82);
    CHECK_EQ_STR(tnauth_parse(d.b, d.n, &ta), NULL);
    CHECK_EQ_INT(ta.n_spc, 16);
    /* 81 xx form for 128..255. */
    e.n = 0;
    for (int i = 0; i < 10; i++)
        spc(&e, "ABCDEFGHIJKL"); /* 160 bytes */
    d.n = 0;
    tlv(&d, 0x30, e.b, e.n);
    CHECK_EQ_INT(d.b[1], 0x81);
    CHECK_EQ_STR(tnauth_parse(d.b, d.n, &ta), NULL);
    CHECK_EQ_INT(ta.n_spc, 10);
    /* A 32-character SPC (the longest kept) is fine; 33 is not. */
    e.n = 0;
    spc(&e, "0123456789abcdef0123456789abcdef");
    CHECK_EQ_STR(parse_seq(&e), NULL);
    CHECK_EQ_STR(ta.spc[0], "0123456789abcdef0123456789abcdef");
    e.n = 0;
    spc(&e, "0123456789abcdef0123456789abcdef0");
    CHECK_EQ_STR(parse_seq(&e), "bad-spc");
}

static void tna_errors(void)
{
    struct tnauth *t = &ta;
#define BAD(want, ...)                                                                             \
    do {                                                                                           \
        static const uint8_t b_[] = { __VA_ARGS__ };                                               \
        CHECK_EQ_STR(tnauth_parse(b_, sizeof b_, t), want);                                        \
    } while (0)
    /* Nothing, one byte, a header without its value. */
    CHECK_EQ_STR(tnauth_parse((const uint8_t *)"", 0, t), "truncated");
    BAD("truncated", 0x30);
    BAD("bad-length", 0x30, 0x08, 0xa0, 0x06, 0x16, 0x04, '1', '0', '0');    /* value cut */
    BAD("bad-length", 0x30, 0x08, 0xa0, 0x06, 0x16, 0x05, '1', '0', '0', '1'); /* inner overruns */
    BAD("truncated", 0x30, 0x01, 0xa0);                                       /* entry header cut */
    /* Indefinite length (BER only). */
    BAD("bad-length", 0x30, 0x80, 0xa0, 0x06, 0x16, 0x04, '1', '0', '0', '1', 0x00, 0x00);
    /* Non-minimal long form: 81 08 for a length below 128, and a leading zero byte. */
    BAD("bad-length", 0x30, 0x81, 0x08, 0xa0, 0x06, 0x16, 0x04, '1', '0', '0', '1');
    BAD("bad-length", 0x30, 0x82, 0x00, 0x08, 0xa0, 0x06, 0x16, 0x04, '1', '0', '0', '1');
    BAD("bad-length", 0x30, 0x09, 0xa0, 0x81, 0x06, 0x16, 0x04, '1', '0', '0', '1');
    /* Long-form length with more than three bytes, and long form cut short. */
    BAD("bad-length", 0x30, 0x84, 0x00, 0x00, 0x00, 0x08, 0xa0, 0x06, 0x16, 0x04, '1', '0', '0', '1');
    BAD("bad-length", 0x30, 0x82, 0x01);
    /* Long-form length larger than the buffer. */
    BAD("bad-length", 0x30, 0x82, 0x01, 0x00, 0xa0, 0x06, 0x16, 0x04, '1', '0', '0', '1');
    /* High tag number form. */
    BAD("high-tag", 0x1f, 0x08, 0xa0, 0x06, 0x16, 0x04, '1', '0', '0', '1');
    BAD("high-tag", 0x30, 0x03, 0xbf, 0x01, 0x00);
    /* Not a SEQUENCE: a bare IA5String (libstirshaken's test certificates), a SET. */
    BAD("not-a-sequence", 0x16, 0x04, '1', '0', '0', '1');
    BAD("not-a-sequence", 0x31, 0x08, 0xa0, 0x06, 0x16, 0x04, '1', '0', '0', '1');
    /* Trailing bytes after the SEQUENCE. */
    BAD("trailing-bytes", 0x30, 0x08, 0xa0, 0x06, 0x16, 0x04, '1', '0', '0', '1', 0x00);
    /* Empty sequence. */
    BAD("empty", 0x30, 0x00);
    /* IMPLICIT tags (primitive [0] holding the characters directly) are not the module. */
    BAD("unexpected-tag", 0x30, 0x06, 0x80, 0x04, '1', '0', '0', '1');
    BAD("unexpected-tag", 0x30, 0x06, 0x82, 0x04, '1', '2', '3', '4');
    /* IMPLICIT range: [1] constructed directly holding start and count, no SEQUENCE. */
    BAD("unexpected-tag", 0x30, 0x0a, 0xa1, 0x08, 0x16, 0x03, '1', '0', '0', 0x02, 0x01, 0x05);
    /* Unknown context tag [3], universal tags in place of an entry. */
    BAD("unexpected-tag", 0x30, 0x08, 0xa3, 0x06, 0x16, 0x04, '1', '0', '0', '1');
    BAD("unexpected-tag", 0x30, 0x06, 0x16, 0x04, '1', '0', '0', '1');
    /* Wrong inner tag: UTF8String / PrintableString in place of IA5String. */
    BAD("unexpected-tag", 0x30, 0x08, 0xa0, 0x06, 0x0c, 0x04, '1', '0', '0', '1');
    BAD("unexpected-tag", 0x30, 0x08, 0xa2, 0x06, 0x13, 0x04, '1', '0', '0', '1');
    /* Range: start not IA5String, count not INTEGER, count missing, extra element. */
    BAD("unexpected-tag", 0x30, 0x0c, 0xa1, 0x0a, 0x30, 0x08, 0x0c, 0x03, '1', '0', '0', 0x02, 0x01, 0x05);
    BAD("unexpected-tag", 0x30, 0x0c, 0xa1, 0x0a, 0x30, 0x08, 0x16, 0x03, '1', '0', '0', 0x04, 0x01, 0x05);
    BAD("truncated", 0x30, 0x09, 0xa1, 0x07, 0x30, 0x05, 0x16, 0x03, '1', '0', '0');
    BAD("trailing-bytes", 0x30, 0x0f, 0xa1, 0x0d, 0x30, 0x0b, 0x16, 0x03, '1', '0', '0', 0x02, 0x01, 0x05, 0x02,
        0x01, 0x05);
    /* Trailing bytes inside an EXPLICIT wrapper. */
    BAD("trailing-bytes", 0x30, 0x09, 0xa0, 0x07, 0x16, 0x04, '1', '0', '0', '1', 0x00);
    /* Counts: 1 and 0 are < 2, negative, empty, non-minimal. */
    BAD("bad-count", 0x30, 0x0c, 0xa1, 0x0a, 0x30, 0x08, 0x16, 0x03, '1', '0', '0', 0x02, 0x01, 0x01);
    BAD("bad-count", 0x30, 0x0c, 0xa1, 0x0a, 0x30, 0x08, 0x16, 0x03, '1', '0', '0', 0x02, 0x01, 0x00);
    BAD("bad-count", 0x30, 0x0c, 0xa1, 0x0a, 0x30, 0x08, 0x16, 0x03, '1', '0', '0', 0x02, 0x01, 0xff);
    BAD("bad-count", 0x30, 0x0c, 0xa1, 0x0a, 0x30, 0x08, 0x16, 0x03, '1', '0', '0', 0x02, 0x01, 0x9c);
    BAD("bad-count", 0x30, 0x0b, 0xa1, 0x09, 0x30, 0x07, 0x16, 0x03, '1', '0', '0', 0x02, 0x00);
    BAD("bad-count", 0x30, 0x0d, 0xa1, 0x0b, 0x30, 0x09, 0x16, 0x03, '1', '0', '0', 0x02, 0x02, 0x00, 0x05);
    /* TNs: letters, '+', separators, empty, longer than 15 digits. */
    BAD("bad-tn", 0x30, 0x08, 0xa2, 0x06, 0x16, 0x04, '1', '2', 'a', '4');
    BAD("bad-tn", 0x30, 0x08, 0xa2, 0x06, 0x16, 0x04, '+', '1', '2', '3');
    BAD("bad-tn", 0x30, 0x08, 0xa2, 0x06, 0x16, 0x04, '1', '2', '-', '3');
    BAD("bad-tn", 0x30, 0x04, 0xa2, 0x02, 0x16, 0x00);
    BAD("bad-tn", 0x30, 0x0c, 0xa1, 0x0a, 0x30, 0x08, 0x16, 0x03, '1', 'x', '0', 0x02, 0x01, 0x05);
    /* SPC: empty, a space, a control byte, a non-ASCII byte. */
    BAD("bad-spc", 0x30, 0x04, 0xa0, 0x02, 0x16, 0x00);
    BAD("bad-spc", 0x30, 0x08, 0xa0, 0x06, 0x16, 0x04, '1', ' ', '0', '1');
    BAD("bad-spc", 0x30, 0x08, 0xa0, 0x06, 0x16, 0x04, '1', 0x00, '0', '1');
    BAD("bad-spc", 0x30, 0x08, 0xa0, 0x06, 0x16, 0x04, '1', 0xc3, 0xa9, '1');
#undef BAD
    /* 15 digits is the longest TN; 16 is refused, in a single TN and as a range start. */
    struct der e = { .n = 0 };
    one(&e, "123456789012345");
    CHECK_EQ_STR(parse_seq(&e), NULL);
    e.n = 0;
    one(&e, "1234567890123456");
    CHECK_EQ_STR(parse_seq(&e), "bad-tn");
    e.n = 0;
    range(&e, "1234567890123456", 10);
    CHECK_EQ_STR(parse_seq(&e), "bad-tn");
    /* A failed parse leaves no half-filled entries visible as valid ones. */
    e.n = 0;
    one(&e, "5551234");
    one(&e, "555x234");
    CHECK_EQ_STR(parse_seq(&e), "bad-tn");
}

static void tna_str_truncation(void)
{
    struct der e = { .n = 0 };
    spc(&e, "1001");
    range(&e, "12025550100", 100);
    one(&e, "12025550999");
    if (!CHECK_EQ_STR(parse_seq(&e), NULL))
        return;
    const char *full = "spc:1001;range:12025550100+100;tn:12025550999";
    char buf[128];
    for (size_t cap = 1; cap <= strlen(full) + 1; cap++) {
        memset(buf, 'Z', sizeof buf);
        tnauth_str(&ta, buf, cap);
        size_t n = strnlen(buf, cap);
        if (!CHECK(n < cap))
            return;
        /* Always a prefix of the full text that ends on an entry boundary. */
        bool whole = n == 0 || n == strlen("spc:1001") || n == strlen("spc:1001;range:12025550100+100") ||
                     n == strlen(full);
        if (!th_check(whole && strncmp(buf, full, n) == 0, __FILE__, __LINE__, "cap %zu gave \"%s\"", cap, buf))
            return;
        if (cap == strlen(full) + 1)
            CHECK_EQ_STR(buf, full);
    }
    tnauth_str(&ta, buf, 9); /* exactly "spc:1001" + NUL */
    CHECK_EQ_STR(buf, "spc:1001");
    tnauth_str(&ta, buf, 8);
    CHECK_EQ_STR(buf, "");
    buf[0] = 'Q';
    tnauth_str(&ta, buf, 0); /* cap 0 writes nothing */
    CHECK_EQ_INT(buf[0], 'Q');
    struct tnauth empty;
    memset(&empty, 0, sizeof empty);
    tnauth_str(&empty, buf, sizeof buf);
    CHECK_EQ_STR(buf, "");
}

/* The extension as cert.c finds it in the real test certificates. */
static void tna_pki(void)
{
    static const struct {
        const char *name;
        bool has;
        const char *text;
    } leaves[] = {
        { "sp-a", true, "spc:1001" },        { "sp-b", true, "spc:1002" },
        { "expired", true, NULL },           { "notyet", true, NULL },
        { "no-tnauth", false, "" },          { "wrong-ku", true, NULL },
        { "ca-leaf", true, NULL },           { "untrusted", true, NULL },
        { "tnrange", true, "range:12025550100+100;tn:12025550999" },
    };
    for (size_t i = 0; i < sizeof leaves / sizeof leaves[0]; i++) {
        char path[128];
        snprintf(path, sizeof path, "tests/pki/%s.pem", leaves[i].name);
        size_t len;
        char *pem = th_read_file(path, &len);
        if (!pem)
            continue;
        const char *why;
        struct cert_chain *c = cert_chain_parse((const uint8_t *)pem, len, &why);
        free(pem);
        if (!th_check(c != NULL, __FILE__, __LINE__, "%s: %s", leaves[i].name, why ? why : "?"))
            continue;
        const struct cert_info *ci = cert_chain_info(c);
        CHECK_EQ_INT(ci->has_tnauth, leaves[i].has);
        CHECK_EQ_STR(ci->tnauth_error, NULL);
        if (leaves[i].text)
            CHECK_EQ_STR(ci->tnauth_text, leaves[i].text);
        else /* every other leaf names one SPC */
            CHECK(ci->tnauth.n_spc == 1 && strncmp(ci->tnauth_text, "spc:", 4) == 0);
        if (strcmp(leaves[i].name, "tnrange") == 0) {
            CHECK(tnauth_covers(&ci->tnauth, "12025550100"));
            CHECK(tnauth_covers(&ci->tnauth, "12025550199"));
            CHECK(!tnauth_covers(&ci->tnauth, "12025550200"));
            CHECK(tnauth_covers(&ci->tnauth, "12025550999"));
        }
        cert_chain_free(c);
    }
    /* libstirshaken's sp.pem carries the extension as a bare IA5String. */
    size_t len;
    char *pem = th_read_file("tests/unit/vectors/libstirshaken_sp.pem", &len);
    if (pem) {
        const char *why;
        struct cert_chain *c = cert_chain_parse((const uint8_t *)pem, len, &why);
        if (CHECK(c != NULL)) {
            CHECK(cert_chain_info(c)->has_tnauth);
            CHECK_EQ_STR(cert_chain_info(c)->tnauth_error, "not-a-sequence");
            CHECK_EQ_STR(cert_chain_info(c)->tnauth_text, "");
        }
        cert_chain_free(c);
        free(pem);
    }
}

void test_tnauth(void)
{
    RUN(tna_spc);
    RUN(tna_range);
    RUN(tna_range_big);
    RUN(tna_single_and_mixed);
    RUN(tna_long_form);
    RUN(tna_errors);
    RUN(tna_str_truncation);
    RUN(tna_pki);
}
