/* summary: tests for db/pg_copy — COPY text escaping of captured bytes and row parsing. */
#include <stdlib.h>
#include <string.h>

#include "db/pg_copy.h"
#include "tests/unit/harness.h"

static void esc(const char *in, size_t n, bool utf8, const char *want)
{
    struct sbuf b = { 0 };
    copy_text(&b, in, n, utf8);
    CHECK(!b.failed);
    CHECK_EQ_MEM(b.p, b.n, want, strlen(want));
    sbuf_free(&b);
}

static void copy_escapes_separators(void)
{
    esc("plain", 5, false, "plain");
    esc("a\\b", 3, false, "a\\\\b");
    esc("tab\there", 8, false, "tab\\there");
    esc("l1\nl2\r", 6, false, "l1\\nl2\\r");
    esc("\\N", 2, false, "\\\\N"); /* a value that spells NULL stays a value */
    esc("\\.", 2, false, "\\\\.");  /* and cannot end the data */
    esc("", 0, false, "");
    esc("nul\0x", 5, false, "nul?x"); /* PostgreSQL text holds no NUL */
}

static void copy_bytes_and_utf8(void)
{
    /* SQL_ASCII database: every other byte goes as it is. */
    esc("caf\xc3\xa9 \xff\x80", 8, false, "caf\xc3\xa9 \xff\x80");
    /* UTF8 database: valid sequences kept, each stray byte becomes U+FFFD. */
    esc("caf\xc3\xa9 \xff\x80", 8, true, "caf\xc3\xa9 \xef\xbf\xbd\xef\xbf\xbd");
    esc("\xe2\x82", 2, true, "\xef\xbf\xbd\xef\xbf\xbd"); /* truncated sequence */
    esc("\xf0\x9f\x98\x80\t", 5, true, "\xf0\x9f\x98\x80\\t");
    esc("\xc0\xaf", 2, true, "\xef\xbf\xbd\xef\xbf\xbd"); /* overlong '/' */
}

static void copy_fields(void)
{
    struct sbuf b = { 0 };
    copy_int(&b, -42), copy_sep(&b), copy_str(&b, NULL, false), copy_sep(&b), copy_str(&b, "", false),
        copy_sep(&b), copy_str(&b, "x\ty", false), copy_sep(&b);
    const uint8_t bin[] = { 0x00, 0xff, 0x0a };
    copy_bytea(&b, bin, 3), copy_eol(&b);
    const char want[] = "-42\t\\N\t\\N\tx\\ty\t\\\\x00ff0a\n";
    CHECK_EQ_MEM(b.p, b.n, want, sizeof want - 1);
    sbuf_free(&b);
}

/* Round trip: what copy_text writes, copy_parse_row reads back (as the server would). */
static void copy_round_trip(void)
{
    const char *vals[] = { "a\\b\tc\nd\re", "", "\xff\xfe", "\\N", "end" };
    struct sbuf b = { 0 };
    for (size_t i = 0; i < 5; i++) {
        if (i)
            copy_sep(&b);
        copy_text(&b, vals[i], strlen(vals[i]), false);
    }
    copy_sep(&b), copy_null(&b);
    char *f[8];
    size_t fl[8];
    int n = copy_parse_row(b.p, b.n, f, fl, 8);
    if (!CHECK_EQ_INT(n, 6))
        goto out;
    for (size_t i = 0; i < 5; i++)
        CHECK_EQ_MEM(f[i], fl[i], vals[i], strlen(vals[i]));
    CHECK(f[5] == NULL);
    CHECK_EQ_INT(copy_parse_row(b.p, b.n, f, fl, 3), -1); /* more fields than room: refused */
out:
    sbuf_free(&b);
}

static void copy_parses_server_escapes(void)
{
    /* What a server may send: \b \f \v, octal and hex escapes, an escaped backslash. */
    char line[] = "\\b\\f\\v\\101\\x42\\\\\t\\N\t";
    char *f[4];
    size_t fl[4];
    if (!CHECK_EQ_INT(copy_parse_row(line, strlen(line), f, fl, 4), 3))
        return;
    CHECK_EQ_MEM(f[0], fl[0], "\b\f\vAB\\", 6);
    CHECK(f[1] == NULL);
    CHECK_EQ_INT(fl[2], 0);
    char hex[] = "\\x00ff41";
    CHECK_EQ_INT(copy_unhex(hex, strlen(hex)), 3);
    CHECK_EQ_MEM(hex, 3, "\x00\xff" "A", 3);
    char bad[] = "00ff";
    CHECK_EQ_INT(copy_unhex(bad, strlen(bad)), -1);
    char odd[] = "\\x0";
    CHECK_EQ_INT(copy_unhex(odd, strlen(odd)), -1);
}

void test_pg_copy(void)
{
    RUN(copy_escapes_separators);
    RUN(copy_bytes_and_utf8);
    RUN(copy_fields);
    RUN(copy_round_trip);
    RUN(copy_parses_server_escapes);
}
