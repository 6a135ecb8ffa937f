/* summary: RFC 4180 quoting with spreadsheet formula neutralisation. */
#include "reports/csv.h"

#include <string.h>

void csv_field(FILE *out, const char *s, size_t n, bool text)
{
    if (!s || n == 0)
        return;
    bool formula = text && (s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@');
    bool quote = false;
    for (size_t i = 0; i < n && !quote; i++)
        quote = s[i] == ',' || s[i] == '"' || s[i] == '\r' || s[i] == '\n';
    if (quote)
        fputc('"', out);
    if (formula)
        fputc('\'', out);
    if (!quote) {
        fwrite(s, 1, n, out);
    } else {
        for (size_t i = 0; i < n; i++) {
            if (s[i] == '"')
                fputc('"', out);
            fputc(s[i], out);
        }
        fputc('"', out);
    }
}
