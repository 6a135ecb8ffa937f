/* summary: Identity header value splitting and parameter extraction (RFC 8224 §4). */
#include "decoders/identity.h"

/* Parameter value: a <URI> (may hold ',' and ';'), a quoted string, or a token. */
static size_t param_end(struct slice s, size_t i, bool *unterminated)
{
    if (i < s.n && s.p[i] == '<') {
        while (i < s.n && s.p[i] != '>')
            i++;
        if (i == s.n) {
            *unterminated = true;
            return i;
        }
        return i + 1;
    }
    if (i < s.n && s.p[i] == '"') {
        for (i++; i < s.n && s.p[i] != '"'; i++)
            if (s.p[i] == '\\')
                i++;
        if (i >= s.n) {
            *unterminated = true;
            return s.n;
        }
        return i + 1;
    }
    while (i < s.n && s.p[i] != ';' && s.p[i] != ',' && !is_lws(s.p[i]))
        i++;
    return i;
}

static size_t skip_lws(struct slice s, size_t i)
{
    while (i < s.n && is_lws(s.p[i]))
        i++;
    return i;
}

size_t ident_parse(struct slice s, struct ident_value *out, size_t cap, size_t *dropped)
{
    size_t count = 0, i = 0;
    *dropped = 0;
    for (;;) {
        while (i < s.n && (is_lws(s.p[i]) || s.p[i] == ','))
            i++;
        if (i >= s.n)
            break;
        struct ident_value v = { 0 };
        size_t t = i;
        while (i < s.n && s.p[i] != ';' && s.p[i] != ',' && !is_lws(s.p[i]))
            i++;
        v.token = slice_make(s.p + t, i - t);
        if (v.token.n == 0)
            v.flags |= IDENT_EMPTY_TOKEN;
        v.info = v.alg = v.ppt = slice_make(s.p + i, 0);
        bool have_info = false;
        for (;;) {
            i = skip_lws(s, i);
            if (i >= s.n || s.p[i] == ',')
                break;
            if (s.p[i] != ';') {
                /* Junk after the token (e.g. a space inside it): skip to the next separator. */
                v.flags |= IDENT_BAD_PARAM;
                while (i < s.n && s.p[i] != ';' && s.p[i] != ',')
                    i++;
                continue;
            }
            i = skip_lws(s, i + 1);
            size_t n0 = i;
            while (i < s.n && s.p[i] != '=' && s.p[i] != ';' && s.p[i] != ',' && !is_lws(s.p[i]))
                i++;
            struct slice name = slice_make(s.p + n0, i - n0);
            i = skip_lws(s, i);
            struct slice val = slice_make(s.p + i, 0);
            if (i < s.n && s.p[i] == '=') {
                i = skip_lws(s, i + 1);
                bool unterminated = false;
                size_t v0 = i;
                i = param_end(s, i, &unterminated);
                val = slice_make(s.p + v0, i - v0);
                if (unterminated)
                    v.flags |= IDENT_BAD_PARAM;
            }
            if (name.n == 0) {
                v.flags |= IDENT_BAD_PARAM;
            } else if (slice_eq_ci(name, "info")) {
                have_info = true;
                if (val.n >= 2 && val.p[0] == '<' && val.p[val.n - 1] == '>') {
                    v.info = slice_trim(slice_make(val.p + 1, val.n - 2));
                } else {
                    v.info = val;
                    v.flags |= IDENT_INFO_UNBRACKETED;
                }
            } else if (slice_eq_ci(name, "alg")) {
                v.alg = val;
            } else if (slice_eq_ci(name, "ppt")) {
                v.ppt = val;
                if (val.n >= 2 && val.p[0] == '"' && val.p[val.n - 1] == '"')
                    v.ppt = slice_make(val.p + 1, val.n - 2);
            }
        }
        if (!have_info)
            v.flags |= IDENT_NO_INFO;
        if (count < cap)
            out[count++] = v;
        else
            (*dropped)++;
    }
    return count;
}
