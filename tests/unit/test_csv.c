/* summary: tests for reports/csv — RFC 4180 quoting and spreadsheet formula neutralisation. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reports/csv.h"
#include "tests/unit/harness.h"

/* csv_field output for (s, n, text), as a malloc'd string. */
static char *field(const char *s, size_t n, bool text)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f)
        return NULL;
    csv_field(f, s, n, text);
    fclose(f);
    return buf;
}

static void expect(const char *s, bool text, const char *want, int line)
{
    char *got = field(s, s ? strlen(s) : 0, text);
    th_check_str(got, want, __FILE__, line, s ? s : "(null)");
    free(got);
}

static void csv_plain_and_quoted(void)
{
    expect("abc", true, "abc", __LINE__);
    expect("hello world", true, "hello world", __LINE__);
    expect("a,b", true, "\"a,b\"", __LINE__);
    expect("say \"hi\"", true, "\"say \"\"hi\"\"\"", __LINE__);
    expect("\"", true, "\"\"\"\"", __LINE__);
    expect("a\rb", true, "\"a\rb\"", __LINE__);
    expect("a\nb", true, "\"a\nb\"", __LINE__);
    expect("line1\r\nline2", true, "\"line1\r\nline2\"", __LINE__);
    expect("a=b", true, "a=b", __LINE__); /* only a leading formula character counts */
    expect("x-1", true, "x-1", __LINE__);
    expect("2025-03-01T12:00:00.500000Z", true, "2025-03-01T12:00:00.500000Z", __LINE__);
}

static void csv_formula(void)
{
    expect("=1+2", true, "'=1+2", __LINE__);
    expect("+12025550101", true, "'+12025550101", __LINE__);
    expect("-x", true, "'-x", __LINE__);
    expect("@SUM(A1)", true, "'@SUM(A1)", __LINE__);
    expect("=HYPERLINK(\"http://x\",\"y\")", true, "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\"", __LINE__);
    expect("=a,b", true, "\"'=a,b\"", __LINE__);
    /* Numeric columns are written as they are. */
    expect("-5", false, "-5", __LINE__);
    expect("+1", false, "+1", __LINE__);
    expect("1443208345", false, "1443208345", __LINE__);
}

/* Bytes that are not UTF-8, and NUL, become U+FFFD; valid UTF-8 stays as it is. */
static void csv_not_utf8(void)
{
    char *got = field("a\0b", 3, true);
    th_check_str(got, "a\xef\xbf\xbd" "b", __FILE__, __LINE__, "NUL");
    free(got);
    got = field("\xe9t\xe9", 3, true);
    th_check_str(got, "\xef\xbf\xbdt\xef\xbf\xbd", __FILE__, __LINE__, "latin-1");
    free(got);
    got = field("\xc3\x28,\"", 4, true);
    th_check_str(got, "\"\xef\xbf\xbd(,\"\"\"", __FILE__, __LINE__, "bad sequence, quoted");
    free(got);
    expect("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", true, "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", __LINE__);
    expect("\xed\xa0\x80", true, "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd", __LINE__); /* a surrogate */
    expect("\t=1+1", true, "'\t=1+1", __LINE__);
    expect("\r=1", true, "\"'\r=1\"", __LINE__);
}

static void csv_empty(void)
{
    expect("", true, "", __LINE__);
    expect(NULL, true, "", __LINE__);
    expect(NULL, false, "", __LINE__);
    /* n bounds the field: bytes after it are not written. */
    char *got = field("abcdef", 3, true);
    CHECK_EQ_STR(got, "abc");
    free(got);
    got = field("=x,y", 2, true);
    CHECK_EQ_STR(got, "'=x");
    free(got);
}

static void csv_row(void)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!CHECK(f != NULL))
        return;
    csv_field(f, "id,1", 4, true);
    csv_sep(f);
    csv_field(f, NULL, 0, true);
    csv_sep(f);
    csv_field(f, "200", 3, false);
    csv_eol(f);
    fclose(f);
    CHECK_EQ_STR(buf, "\"id,1\",,200\r\n");
    free(buf);

    /* fmemopen works too (fixed buffer). */
    char fixed[64] = { 0 };
    f = fmemopen(fixed, sizeof fixed, "w");
    if (!CHECK(f != NULL))
        return;
    csv_field(f, "@x", 2, true);
    csv_sep(f);
    csv_field(f, "-1", 2, false);
    fclose(f);
    CHECK_EQ_STR(fixed, "'@x,-1");
}

void test_csv(void)
{
    RUN(csv_plain_and_quoted);
    RUN(csv_formula);
    RUN(csv_empty);
    RUN(csv_not_utf8);
    RUN(csv_row);
}
