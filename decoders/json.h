/* summary: strict zero-copy JSON reader — one validating pass over (p, len) into a
 * caller-supplied token array, plus accessors; accepts exactly what jansson 2.14's
 * json_loadb(JSON_REJECT_DUPLICATES) accepts.
 *
 * The decoders parse ~200 k small objects per capture; jansson allocated per value.
 * Here nothing is allocated and the input is never copied: a token holds an offset and
 * a length into it. Matching jansson (not RFC 8259 alone) keeps decoding results
 * unchanged; the rules and the one quirk kept on purpose are listed in json.c.
 *
 * Tokens are in document order. A container is followed by its children; an object's
 * member is its key (a JT_STRING token) followed by the value's subtree. tok[i].next is
 * the index after the subtree of value i, so skipping a value is one step. */
#ifndef STIRPROBE_JSON_H
#define STIRPROBE_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* jansson's default JSON_PARSER_MAX_DEPTH: every value counts, scalars too, so "[1]"
 * nested 2048 deep is rejected while "[]" nested 2048 deep is accepted. */
#define JSON_MAX_DEPTH 2048

/* Index meaning "no such token" (absent member, end of an array). */
#define JSON_NONE ((size_t)-1)

/* Token array large enough for any input of len bytes (each value or key takes at
 * least two bytes of text, counting its separator, but the first). */
#define JSON_TOKENS_FOR(len) ((len) / 2 + 1)

enum json_tok_type {
    JT_NONE = 0, /* what json_tok_type() says of JSON_NONE */
    JT_NULL,
    JT_FALSE,
    JT_TRUE,
    JT_INTEGER, /* no fraction, no exponent; fits int64_t */
    JT_REAL,
    JT_STRING,
    JT_ARRAY,
    JT_OBJECT,
};

#define JSON_TOK_ESCAPED 0x01 /* string with a backslash escape: raw bytes != value */

struct json_tok {
    uint32_t off;  /* first byte in the input; for a string, after the opening quote */
    uint32_t len;  /* bytes of text; for a string, up to the closing quote */
    uint32_t size; /* array: elements; object: members; else 0 */
    uint32_t next; /* index of the token after this value's subtree */
    uint8_t type;  /* enum json_tok_type */
    uint8_t flags; /* JSON_TOK_ESCAPED */
};

enum json_err {
    JSON_OK = 0,
    JSON_ERR_SYNTAX,          /* grammar, empty input, top level not an object or array */
    JSON_ERR_DEPTH,           /* a value nested deeper than JSON_MAX_DEPTH */
    JSON_ERR_TOO_MANY_TOKENS, /* the caller's token array is full */
    JSON_ERR_DUPLICATE_KEY,   /* two equal keys (after unescaping) in one object */
    JSON_ERR_UTF8,            /* invalid UTF-8 in a string */
    JSON_ERR_ESCAPE,          /* unknown escape or \u without four hex digits */
    JSON_ERR_SURROGATE,       /* lone or unpaired UTF-16 surrogate escape */
    JSON_ERR_NUL,             /* \u0000 in a string or key */
    JSON_ERR_CONTROL,         /* raw byte below 0x20 in a string */
    JSON_ERR_NUMBER_RANGE,    /* integer outside int64_t, or real overflowing a double */
    JSON_ERR_TOO_LONG,        /* input of 4 GiB or more (offsets are 32-bit) */
};

/* Validate p[0..len) and fill tok[0..*ntok). On error *ntok is 0 and the tokens are
 * unspecified. cap >= JSON_TOKENS_FOR(len) never runs out. */
enum json_err json_parse(const uint8_t *p, size_t len, struct json_tok *tok, size_t cap, size_t *ntok);

/* Short stable label of an error ("syntax", "duplicate-key", ...). */
const char *json_err_label(enum json_err e);

/* A parsed document for the accessors: the input it was parsed from and its tokens. */
struct json_doc {
    const uint8_t *p;
    const struct json_tok *tok;
    size_t ntok;
};

/* Type of token i; JT_NONE for JSON_NONE. */
static inline enum json_tok_type json_tok_type(const struct json_doc *d, size_t i)
{
    return i < d->ntok ? (enum json_tok_type)d->tok[i].type : JT_NONE;
}

/* Value of member key (keylen bytes, compared with the unescaped key) of object obj;
 * JSON_NONE when absent or obj is not an object. */
size_t json_tok_getn(const struct json_doc *d, size_t obj, const char *key, size_t keylen);
size_t json_tok_get(const struct json_doc *d, size_t obj, const char *key); /* NUL-terminated key */

/* Array elements: for (i = json_tok_first(d, a); i != JSON_NONE; i = json_tok_next(d, a, i)).
 * json_tok_first gives JSON_NONE for an empty array or a non-array. */
size_t json_tok_first(const struct json_doc *d, size_t arr);
size_t json_tok_next(const struct json_doc *d, size_t arr, size_t elem);

/* Unescaped bytes of string i into buf (not NUL-terminated), their count in *n; false,
 * with buf untouched, when i is not a string or the value is longer than cap. */
bool json_tok_str(const struct json_doc *d, size_t i, char *buf, size_t cap, size_t *n);

/* Value of a JT_INTEGER token; false for any other type. */
bool json_tok_int(const struct json_doc *d, size_t i, int64_t *v);

/* Value of a JT_REAL token, the double strtod gives for its text; false otherwise. */
bool json_tok_real(const struct json_doc *d, size_t i, double *v);

#endif
