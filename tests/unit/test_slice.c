/* summary: tests for common/slice.h helpers and common/ptime.h ISO 8601 formatting/parsing. */
#include <string.h>

#include "common/ptime.h"
#include "common/slice.h"
#include "tests/unit/harness.h"

static void slice_basics(void)
{
    struct slice s = slice_cstr("Call-ID");
    CHECK_EQ_INT(s.n, 7);
    CHECK(slice_eq(s, "Call-ID"));
    CHECK(!slice_eq(s, "call-id"));
    CHECK(slice_eq_ci(s, "CALL-id"));
    CHECK(!slice_eq_ci(s, "Call-I"));
    CHECK(!slice_eq_ci(s, "Call-IDs"));
    CHECK(slice_eq(SLICE_NULL, ""));
    CHECK(slice_eq_ci(SLICE_NULL, ""));
    CHECK(slice_starts_ci(s, "call"));
    CHECK(slice_starts_ci(s, ""));
    CHECK(!slice_starts_ci(s, "Call-ID-x"));
    CHECK(!slice_starts_ci(slice_cstr("Ca"), "Call"));
    CHECK_EQ_INT(ascii_lower('A'), 'a');
    CHECK_EQ_INT(ascii_lower('z'), 'z');
    CHECK_EQ_INT(ascii_lower('@'), '@');
    CHECK_EQ_INT(ascii_lower(0xC9), 0xC9); /* ASCII only */
}

static void slice_find_sub_from(void)
{
    struct slice s = slice_cstr("a;b;c");
    CHECK_EQ_INT(slice_find(s, ';'), 1);
    CHECK_EQ_INT(slice_find(s, 'c'), 4);
    CHECK_EQ_INT(slice_find(s, 'x'), 5);
    CHECK_EQ_INT(slice_find(SLICE_NULL, ';'), 0);

    CHECK_SLICE_STR(slice_sub(s, 2, 1), "b");
    CHECK_SLICE_STR(slice_sub(s, 2, 100), "b;c"); /* n clamped */
    CHECK_EQ_INT(slice_sub(s, 9, 3).n, 0);       /* off clamped */
    CHECK(slice_sub(s, 9, 3).p == s.p + s.n);

    CHECK_SLICE_STR(slice_from(s, 2), "b;c");
    CHECK_EQ_INT(slice_from(s, 5).n, 0);
    CHECK(slice_from(s, 5).p == s.p + 5);
    CHECK_EQ_INT(slice_from(s, 50).n, 0);
    CHECK(slice_from(s, 50).p == s.p + 5); /* never past the end */
}

static void slice_trim_cases(void)
{
    CHECK_SLICE_STR(slice_trim(slice_cstr(" \t\r\nabc d\r\n \t")), "abc d");
    CHECK_SLICE_STR(slice_trim(slice_cstr("abc")), "abc");
    CHECK_EQ_INT(slice_trim(slice_cstr(" \r\n\t ")).n, 0);
    CHECK_EQ_INT(slice_trim(SLICE_NULL).n, 0);
    CHECK(is_sp(' ') && is_sp('\t') && !is_sp('\r'));
    CHECK(is_lws('\n') && !is_lws('x'));
    CHECK(is_digit('0') && is_digit('9') && !is_digit('a') && !is_digit('/'));
}

static void slice_to_u64_cases(void)
{
    uint64_t v = 7;
    CHECK(!slice_to_u64(SLICE_NULL, 100, &v));
    CHECK_EQ_INT(v, 7); /* untouched on failure */
    CHECK(slice_to_u64(slice_cstr("0"), 100, &v) && v == 0);
    CHECK(slice_to_u64(slice_cstr("123"), 1000, &v) && v == 123);
    CHECK(slice_to_u64(slice_cstr("007"), 1000, &v) && v == 7);
    CHECK(!slice_to_u64(slice_cstr("12a"), 1000, &v));
    CHECK(!slice_to_u64(slice_cstr(" 12"), 1000, &v));
    CHECK(!slice_to_u64(slice_cstr("-1"), 1000, &v));
    CHECK(slice_to_u64(slice_cstr("4294967295"), UINT32_MAX, &v) && v == UINT32_MAX);
    CHECK(!slice_to_u64(slice_cstr("4294967296"), UINT32_MAX, &v));
    CHECK(slice_to_u64(slice_cstr("100"), 100, &v) && v == 100);
    CHECK(!slice_to_u64(slice_cstr("101"), 100, &v));
    CHECK(slice_to_u64(slice_cstr("18446744073709551615"), UINT64_MAX, &v) && v == UINT64_MAX);
    CHECK(!slice_to_u64(slice_cstr("18446744073709551616"), UINT64_MAX, &v));
    CHECK(!slice_to_u64(slice_cstr("99999999999999999999999"), UINT64_MAX, &v));
}

static void slice_copy_cases(void)
{
    char buf[4] = "zzz";
    CHECK(slice_copy(slice_cstr("abc"), buf, sizeof buf));
    CHECK_EQ_STR(buf, "abc");
    CHECK(!slice_copy(slice_cstr("abcd"), buf, sizeof buf)); /* needs room for the NUL */
    CHECK_EQ_STR(buf, "abc");                                /* nothing copied */
    CHECK(slice_copy(SLICE_NULL, buf, sizeof buf));
    CHECK_EQ_STR(buf, "");
    CHECK(!slice_copy(slice_cstr(""), buf, 0));
}

static void ptime_iso_format(void)
{
    char buf[PTIME_ISO_LEN];
    ptime_iso((struct ptime){ 1740830400, 500000000 }, buf);
    CHECK_EQ_STR(buf, "2025-03-01T12:00:00.500000Z");
    ptime_iso((struct ptime){ 0, 0 }, buf);
    CHECK_EQ_STR(buf, "1970-01-01T00:00:00.000000Z");
    /* Truncated, not rounded: never moves into the next second. */
    ptime_iso((struct ptime){ 1740830400, 999999999 }, buf);
    CHECK_EQ_STR(buf, "2025-03-01T12:00:00.999999Z");
    ptime_iso((struct ptime){ 1740830400, 1999 }, buf);
    CHECK_EQ_STR(buf, "2025-03-01T12:00:00.000001Z");
    ptime_iso((struct ptime){ 1740830400, 999 }, buf);
    CHECK_EQ_STR(buf, "2025-03-01T12:00:00.000000Z");
    ptime_iso((struct ptime){ 1740830399, 123456789 }, buf);
    CHECK_EQ_STR(buf, "2025-03-01T11:59:59.123456Z");
    ptime_iso((struct ptime){ 951782400, 0 }, buf); /* leap day 2000 */
    CHECK_EQ_STR(buf, "2000-02-29T00:00:00.000000Z");
}

static void ptime_helpers(void)
{
    struct ptime a = { 10, 5 }, b = { 10, 6 }, c = { 11, 0 };
    CHECK_EQ_INT(ptime_cmp(a, b), -1);
    CHECK_EQ_INT(ptime_cmp(b, a), 1);
    CHECK_EQ_INT(ptime_cmp(a, a), 0);
    CHECK_EQ_INT(ptime_cmp(c, b), 1);
    CHECK_EQ_INT(ptime_ns(a), 10000000005LL);
}

static void ptime_parse_good(void)
{
    struct ptime t = { -1, 1 };
    CHECK_EQ_INT(ptime_parse_iso("2025-03-01", &t), 0);
    CHECK_EQ_INT(t.sec, 1740787200);
    CHECK_EQ_INT(t.nsec, 0);

    CHECK_EQ_INT(ptime_parse_iso("2025-03-01T12:00:00", &t), 0);
    CHECK_EQ_INT(t.sec, 1740830400);

    CHECK_EQ_INT(ptime_parse_iso("2025-03-01T12:00:00Z", &t), 0);
    CHECK_EQ_INT(t.sec, 1740830400);

    CHECK_EQ_INT(ptime_parse_iso("2025-03-01T12:00:00.5Z", &t), 0);
    CHECK_EQ_INT(t.sec, 1740830400);
    CHECK_EQ_INT(t.nsec, 500000000);

    CHECK_EQ_INT(ptime_parse_iso("2025-03-01T12:00:00.123456789+00:00", &t), 0);
    CHECK_EQ_INT(t.nsec, 123456789);

    /* Digits past nanoseconds are ignored, not overflowed. */
    CHECK_EQ_INT(ptime_parse_iso("2025-03-01T12:00:00.1234567891234Z", &t), 0);
    CHECK_EQ_INT(t.nsec, 123456789);

    CHECK_EQ_INT(ptime_parse_iso("2025-03-01 12:30", &t), 0);
    CHECK_EQ_INT(t.sec, 1740830400 + 30 * 60);

    CHECK_EQ_INT(ptime_parse_iso("1970-01-01T00:00:00Z", &t), 0);
    CHECK_EQ_INT(t.sec, 0);

    CHECK_EQ_INT(ptime_parse_iso("1969-12-31T23:59:59Z", &t), 0);
    CHECK_EQ_INT(t.sec, -1);

    CHECK_EQ_INT(ptime_parse_iso("2000-02-29T00:00:00Z", &t), 0);
    CHECK_EQ_INT(t.sec, 951782400);

    /* ptime_iso output parses back to the same instant (µs precision). */
    char buf[PTIME_ISO_LEN];
    struct ptime in = { 1700000000, 654321000 };
    ptime_iso(in, buf);
    CHECK_EQ_INT(ptime_parse_iso(buf, &t), 0);
    CHECK_EQ_INT(t.sec, in.sec);
    CHECK_EQ_INT(t.nsec, in.nsec);
}

static void ptime_parse_bad(void)
{
    static const char *const bad[] = {
        "",
        "2025",
        "2025-3-01",
        "2025-03-1",
        "2025/03/01",
        "2025-00-01",
        "2025-13-01",
        "2025-03-00",
        "2025-03-32",
        "2025-03-01T",
        "2025-03-01T12",
        "2025-03-01T24:00:00",
        "2025-03-01T12:60:00",
        "2025-03-01T12:00:61",
        "2025-03-01T12:00:00.",
        "2025-03-01T12:00:00.Z",
        "2025-03-01T12:00:00+01:00",
        "2025-03-01T12:00:00-00:00",
        "2025-03-01T12:00:00Zjunk",
        "2025-03-01junk",
        "abcd-ef-gh",
        " 2025-03-01",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct ptime t = { 42, 42 };
        int rc = ptime_parse_iso(bad[i], &t);
        th_check(rc != 0, __FILE__, __LINE__, "ptime_parse_iso(\"%s\") must fail", bad[i]);
        th_check(t.sec == 42 && t.nsec == 42, __FILE__, __LINE__, "ptime_parse_iso(\"%s\") wrote out",
                 bad[i]);
    }
}

void test_slice(void)
{
    RUN(slice_basics);
    RUN(slice_find_sub_from);
    RUN(slice_trim_cases);
    RUN(slice_to_u64_cases);
    RUN(slice_copy_cases);
    RUN(ptime_iso_format);
    RUN(ptime_helpers);
    RUN(ptime_parse_good);
    RUN(ptime_parse_bad);
}
