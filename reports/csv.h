/* summary: RFC 4180 CSV fields, safe to open in a spreadsheet.
 *
 * A text cell that starts with '=', '+', '-' or '@' would be run as a formula by
 * Excel/LibreOffice/Sheets (CSV injection); it gets a leading apostrophe. Numeric
 * columns are written as numbers and never prefixed. */
#ifndef STIRPROBE_CSV_H
#define STIRPROBE_CSV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* Write one field (no separator). text=false for numeric columns. */
void csv_field(FILE *out, const char *s, size_t n, bool text);

/* Field separator and record terminator (CRLF, RFC 4180 §2). */
static inline void csv_sep(FILE *out) { fputc(',', out); }
static inline void csv_eol(FILE *out) { fputs("\r\n", out); }

#endif
