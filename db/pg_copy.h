/* summary: PostgreSQL COPY text format — escaping our values into rows, parsing rows back.
 *
 * No libpq here: pure functions over bytes, so the unit tests can check them. A field is
 * written with backslash, tab, newline and CR escaped (the column separator, the row
 * terminator and the escape character); NULL is \N. Values come off the wire and may
 * hold any byte: NUL cannot be stored in a PostgreSQL text value and becomes '?', and
 * for a UTF8 database a byte that does not belong to valid UTF-8 becomes U+FFFD (the
 * server would reject the whole batch otherwise). */
#ifndef STIRPROBE_PG_COPY_H
#define STIRPROBE_PG_COPY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A growable byte buffer; ok turns false for good after an allocation failure. */
struct sbuf {
    char *p;
    size_t n, cap;
    bool failed;
};

void sbuf_put(struct sbuf *b, const void *p, size_t n);
void sbuf_free(struct sbuf *b);

/* Field separators: copy_sep() before every field but the first, copy_eol() after the last. */
void copy_sep(struct sbuf *b);
void copy_eol(struct sbuf *b);
void copy_null(struct sbuf *b);
/* s[0..n) escaped; utf8: the database is UTF8 (replace bytes that are not UTF-8). */
void copy_text(struct sbuf *b, const char *s, size_t n, bool utf8);
/* NULL or "" as \N (the stores keep "no value" as NULL), else the escaped string. */
void copy_str(struct sbuf *b, const char *s, bool utf8);
void copy_int(struct sbuf *b, int64_t v);
/* A bytea value in hex form (\\x...), as COPY text wants it. */
void copy_bytea(struct sbuf *b, const uint8_t *p, size_t n);

/* Splits one COPY text row (without its '\n') into fields, unescaping in place.
 * fields[i] points into line, lens[i] its length; a NULL (\N) gives fields[i] == NULL.
 * Returns the number of fields (at most max), or -1 when there are more than max. */
int copy_parse_row(char *line, size_t len, char **fields, size_t *lens, int max);

/* Decodes a bytea field in hex form ("\x0a1b...") in place; returns its length, or
 * -1 when it is not hex form. */
long copy_unhex(char *s, size_t n);

#endif
