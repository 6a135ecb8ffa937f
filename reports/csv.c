/* summary: RFC 4180 quoting with spreadsheet formula neutralisation. */
#include "reports/csv.h"

#include <string.h>

#include "common/jsonw.h"

/* The file is UTF-8: a byte that is not part of a valid UTF-8 sequence, and NUL (which
 * ends the cell early in most readers), is written as U+FFFD. The database keeps the
 * exact bytes (SELECT hex(call_id) ...). */
static void put_bytes(FILE *out, const char *str, size_t n, bool double_quotes)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t i = 0;
    while (i < n) {
        size_t u = 1;
        if (s[i] == 0 || (s[i] >= 0x80 && (u = utf8_seq(s + i, n - i)) == 0)) {
            fputs("\xef\xbf\xbd", out);
            i++;
            continue;
        }
        if (double_quotes && s[i] == '"')
            fputc('"', out);
        fwrite(s + i, 1, u, out);
        i += u;
    }
}

void csv_field(FILE *out, const char *s, size_t n, bool text)
{
    if (!s || n == 0)
        return;
    /* OWASP's list: the four formula starters, and TAB / CR, which some spreadsheets
     * skip before looking for one. */
    bool formula = text && (s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@' || s[0] == '\t' ||
                            s[0] == '\r');
    bool quote = false;
    for (size_t i = 0; i < n && !quote; i++)
        quote = s[i] == ',' || s[i] == '"' || s[i] == '\r' || s[i] == '\n';
    if (quote)
        fputc('"', out);
    if (formula)
        fputc('\'', out);
    put_bytes(out, s, n, quote);
    if (quote)
        fputc('"', out);
}
