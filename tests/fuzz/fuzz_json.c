/* summary: differential libFuzzer target — decoders/json against jansson's
 * json_loadb(JSON_REJECT_DUPLICATES), the parser it replaces in the PASSporT decoder.
 *
 * Aborts when one accepts and the other rejects. When both accept, a json_t rebuilt
 * from our tokens (through the public accessors) must be json_equal() to jansson's, and
 * a parallel walk checks what json_equal lets pass: integer vs real type, reals bit for
 * bit (strtod's value, -0.0 included), member lookup by key, the subtree skips. Parsing
 * again with one token too few must fail with JSON_ERR_TOO_MANY_TOKENS inside the
 * exactly sized array (ASan guards its end). */
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decoders/json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define REQUIRE(c)                                                                                   \
    do {                                                                                             \
        if (!(c)) {                                                                                  \
            fprintf(stderr, "invariant failed: %s (%s:%d)\n", #c, __FILE__, __LINE__);               \
            abort();                                                                                 \
        }                                                                                            \
    } while (0)

/* Unescaped string token into a fresh buffer (caller frees). */
static char *str_of(const struct json_doc *d, size_t i, size_t *n)
{
    size_t cap = d->tok[i].len;
    char *s = malloc(cap ? cap : 1);
    REQUIRE(s != NULL);
    REQUIRE(json_tok_str(d, i, s, cap, n));
    REQUIRE(*n <= cap);
    if (*n) /* one byte short must not fit */
        REQUIRE(!json_tok_str(d, i, s, *n - 1, &(size_t){ 0 }));
    return s;
}

/* json_t of the value at token i (test-only: recursion bounded by the depth limit). */
static json_t *build(const struct json_doc *d, size_t i)
{
    const struct json_tok *t = &d->tok[i];
    switch ((enum json_tok_type)t->type) {
    case JT_NULL: return json_null();
    case JT_TRUE: return json_true();
    case JT_FALSE: return json_false();
    case JT_INTEGER: {
        int64_t v;
        REQUIRE(json_tok_int(d, i, &v));
        return json_integer((json_int_t)v);
    }
    case JT_REAL: {
        double v;
        REQUIRE(json_tok_real(d, i, &v));
        return json_real(v);
    }
    case JT_STRING: {
        size_t n;
        char *s = str_of(d, i, &n);
        json_t *j = json_stringn(s, n); /* NULL when not UTF-8: caught by the caller */
        free(s);
        return j;
    }
    case JT_ARRAY: {
        json_t *a = json_array();
        size_t count = 0;
        for (size_t e = json_tok_first(d, i); e != JSON_NONE; e = json_tok_next(d, i, e)) {
            json_t *v = build(d, e);
            REQUIRE(v != NULL);
            json_array_append_new(a, v);
            count++;
        }
        REQUIRE(count == t->size);
        return a;
    }
    case JT_OBJECT: {
        json_t *o = json_object();
        size_t k = i + 1;
        for (uint32_t m = 0; m < t->size; m++) {
            REQUIRE(d->tok[k].type == JT_STRING);
            size_t n;
            char *key = str_of(d, k, &n);
            REQUIRE(json_tok_getn(d, i, key, n) == k + 1);
            json_t *v = build(d, k + 1);
            REQUIRE(v != NULL);
            REQUIRE(json_object_getn(o, key, n) == NULL); /* no duplicate slipped through */
            json_object_setn_new(o, key, n, v);
            free(key);
            k = d->tok[k + 1].next;
        }
        REQUIRE(k == t->next);
        return o;
    }
    case JT_NONE: break;
    }
    REQUIRE(!"token type");
    return NULL;
}

/* What json_equal does not look at: number types and real bits, walked in parallel. */
static void walk(const struct json_doc *d, size_t i, json_t *j)
{
    const struct json_tok *t = &d->tok[i];
    switch ((enum json_tok_type)t->type) {
    case JT_INTEGER: REQUIRE(json_is_integer(j)); break;
    case JT_REAL: {
        double v, w = json_real_value(j);
        REQUIRE(json_is_real(j) && json_tok_real(d, i, &v));
        REQUIRE(memcmp(&v, &w, sizeof v) == 0);
        break;
    }
    case JT_ARRAY: {
        size_t x = 0;
        for (size_t e = json_tok_first(d, i); e != JSON_NONE; e = json_tok_next(d, i, e))
            walk(d, e, json_array_get(j, x++));
        break;
    }
    case JT_OBJECT: {
        size_t k = i + 1;
        for (uint32_t m = 0; m < t->size; m++) {
            size_t n;
            char *key = str_of(d, k, &n);
            json_t *v = json_object_getn(j, key, n);
            REQUIRE(v != NULL);
            walk(d, k + 1, v);
            free(key);
            k = d->tok[k + 1].next;
        }
        break;
    }
    default: break;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t cap = JSON_TOKENS_FOR(size), n = 0;
    struct json_tok *tok = malloc(cap * sizeof *tok);
    REQUIRE(tok != NULL);
    enum json_err e = json_parse(data, size, tok, cap, &n);
    json_error_t jerr;
    json_t *jj = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, &jerr);
    if ((e == JSON_OK) != (jj != NULL)) {
        fprintf(stderr, "json: ours %s, jansson %s (%s)\n", json_err_label(e), jj ? "accepts" : "rejects",
                jj ? "" : jerr.text);
        abort();
    }
    REQUIRE(json_err_label(e)[0] != '\0');
    if (e == JSON_OK) {
        REQUIRE(n >= 1 && n <= cap && tok[0].next == n);
        REQUIRE(tok[0].type == JT_ARRAY || tok[0].type == JT_OBJECT);
        struct json_doc d = { data, tok, n };
        json_t *mine = build(&d, 0);
        REQUIRE(mine != NULL);
        if (!json_equal(mine, jj)) {
            char *a = json_dumps(mine, JSON_ENCODE_ANY), *b = json_dumps(jj, JSON_ENCODE_ANY);
            fprintf(stderr, "json: trees differ\nours:    %.500s\njansson: %.500s\n", a ? a : "?", b ? b : "?");
            abort();
        }
        walk(&d, 0, jj);
        json_decref(mine);

        struct json_tok *few = malloc(n == 1 ? 1 : (n - 1) * sizeof *few);
        REQUIRE(few != NULL);
        size_t m = 7;
        REQUIRE(json_parse(data, size, few, n - 1, &m) == JSON_ERR_TOO_MANY_TOKENS && m == 0);
        free(few);
    }
    json_decref(jj);
    free(tok);
    return 0;
}
