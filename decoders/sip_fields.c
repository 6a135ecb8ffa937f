/* summary: CSeq, Via branch, name-addr, TN canonicalisation (RFC 8224 §8.3) and verstat. */
#include "decoders/sip_fields.h"

bool sip_cseq(struct slice v, uint32_t *num, struct slice *method)
{
    v = slice_trim(v);
    size_t i = 0;
    while (i < v.n && is_digit(v.p[i]))
        i++;
    uint64_t n;
    if (!slice_to_u64(slice_make(v.p, i), UINT32_MAX, &n))
        return false;
    struct slice m = slice_trim(slice_from(v, i));
    if (m.n == 0)
        return false;
    *num = (uint32_t)n;
    *method = m;
    return true;
}

/* Value of parameter `name` in a ";a=b;c=d" list that ends at end-of-slice, ',' or '>'. */
static struct slice param_value(struct slice s, const char *name)
{
    size_t nlen = strlen(name);
    for (size_t i = 0; i < s.n; i++) {
        if (s.p[i] != ';')
            continue;
        struct slice rest = slice_trim(slice_from(s, i + 1));
        if (rest.n > nlen && slice_eq_ci(slice_make(rest.p, nlen), name)) {
            struct slice after = slice_from(rest, nlen);
            while (after.n && is_lws(after.p[0]))
                after = slice_from(after, 1);
            if (after.n && after.p[0] == '=') {
                after = slice_trim(slice_from(after, 1));
                size_t j = 0;
                while (j < after.n && after.p[j] != ';' && after.p[j] != ',' && after.p[j] != '>' &&
                       after.p[j] != '@' && !is_lws(after.p[j]))
                    j++;
                return slice_make(after.p, j);
            }
        }
    }
    return slice_make(s.p + s.n, 0);
}

struct slice sip_via_branch(struct slice value)
{
    if (value.n == 0)
        return SLICE_NULL;
    /* Only the first Via value of a comma-joined header is ours to read. */
    size_t comma = slice_find(value, ',');
    return param_value(slice_make(value.p, comma), "branch");
}

/* Index just past a quoted string starting at s.p[i] == '"' (backslash escapes honoured). */
static size_t skip_quoted(struct slice s, size_t i)
{
    for (i++; i < s.n; i++) {
        if (s.p[i] == '\\')
            i++;
        else if (s.p[i] == '"')
            return i + 1;
    }
    return s.n;
}

bool sip_addr_next(struct slice v, struct slice *uri, struct slice *params, struct slice *rest)
{
    v = slice_trim(v);
    if (v.n == 0)
        return false;
    size_t i = 0, lt = v.n;
    bool quotes = true;
    /* Find '<' outside a quoted display name. */
    while (i < v.n) {
        if (v.p[i] == '"' && quotes) {
            size_t end = skip_quoted(v, i);
            if (end == v.n) {
                /* Unterminated quote (seen with hand-escaped \"name\"): read it as plain text. */
                quotes = false;
                i++;
            } else {
                i = end;
            }
            continue;
        }
        if (v.p[i] == '<') {
            lt = i;
            break;
        }
        if (v.p[i] == ',')
            break;
        i++;
    }
    size_t end; /* offset after the URI (and '>') */
    if (lt < v.n) {
        size_t gt = lt + 1;
        while (gt < v.n && v.p[gt] != '>')
            gt++;
        if (gt >= v.n)
            return false;
        *uri = slice_trim(slice_make(v.p + lt + 1, gt - lt - 1));
        end = gt + 1;
    } else {
        /* addr-spec: the URI ends at ';' or ',' (RFC 3261 §20.10). */
        size_t j = 0;
        while (j < v.n && v.p[j] != ';' && v.p[j] != ',' && !is_lws(v.p[j]))
            j++;
        *uri = slice_make(v.p, j);
        end = j;
    }
    /* Header parameters run to the next top-level comma. */
    size_t k = end;
    while (k < v.n && v.p[k] != ',') {
        if (v.p[k] == '"')
            k = skip_quoted(v, k);
        else
            k++;
    }
    *params = slice_make(v.p + end, k - end);
    *rest = k < v.n ? slice_from(v, k + 1) : slice_make(v.p + v.n, 0);
    return uri->n > 0 && slice_find(*uri, ':') < uri->n;
}

size_t tn_canon(struct slice s, char *out, size_t cap)
{
    size_t n = 0;
    bool seen_plus = false, seen_digit = false;
    for (size_t i = 0; i < s.n; i++) {
        uint8_t c = s.p[i];
        if (c == '-' || c == '.' || c == '(' || c == ')' || c == ' ')
            continue;
        if (c == '+' && !seen_plus && !seen_digit) {
            seen_plus = true;
            continue;
        }
        if (!is_digit(c))
            return 0;
        if (n + 1 >= cap)
            return 0;
        out[n++] = (char)c;
        seen_digit = true;
    }
    if (n == 0)
        return 0;
    out[n] = '\0';
    return n;
}

static int hexval(uint8_t c)
{
    if (is_digit(c))
        return c - '0';
    c = ascii_lower(c);
    return (c >= 'a' && c <= 'f') ? c - 'a' + 10 : -1;
}

size_t sip_uri_tn(struct slice uri, char *out, size_t cap)
{
    size_t colon = slice_find(uri, ':');
    if (colon >= uri.n)
        return 0;
    struct slice scheme = slice_make(uri.p, colon);
    struct slice after = slice_from(uri, colon + 1);
    struct slice user;
    if (slice_eq_ci(scheme, "tel")) {
        user = after;
    } else if (slice_eq_ci(scheme, "sip") || slice_eq_ci(scheme, "sips")) {
        size_t at = slice_find(after, '@');
        if (at >= after.n)
            return 0;
        user = slice_make(after.p, at);
    } else {
        return 0;
    }
    user = slice_make(user.p, slice_find(user, ';')); /* drop ;verstat, ;npdi, ;rn, ;phone-context */

    /* Undo %-escapes (a "+" is often sent as %2B) into a small local copy. */
    uint8_t buf[64];
    size_t n = 0;
    for (size_t i = 0; i < user.n; i++) {
        if (n == sizeof buf)
            return 0;
        if (user.p[i] == '%' && i + 2 < user.n && hexval(user.p[i + 1]) >= 0 &&
            hexval(user.p[i + 2]) >= 0) {
            buf[n++] = (uint8_t)(hexval(user.p[i + 1]) * 16 + hexval(user.p[i + 2]));
            i += 2;
        } else {
            buf[n++] = user.p[i];
        }
    }
    return tn_canon(slice_make(buf, n), out, cap);
}

bool sip_verstat(struct slice value, struct slice *verstat)
{
    static const char key[] = "verstat";
    const size_t klen = sizeof key - 1;
    for (size_t i = 0; i + klen < value.n; i++) {
        if (value.p[i] != ';')
            continue;
        struct slice rest = slice_from(value, i + 1);
        if (rest.n > klen && slice_eq_ci(slice_make(rest.p, klen), key) && rest.p[klen] == '=') {
            struct slice v = slice_from(rest, klen + 1);
            size_t j = 0;
            while (j < v.n && v.p[j] != ';' && v.p[j] != '@' && v.p[j] != '>' && v.p[j] != ',' &&
                   v.p[j] != '?' && v.p[j] != '&' && !is_lws(v.p[j]))
                j++;
            if (j == 0)
                continue;
            *verstat = slice_make(v.p, j);
            return true;
        }
    }
    return false;
}

/* End of a quoted-string starting at v.p[i] == '"' (index after the closing quote,
 * or v.n when it never closes); backslash escapes the next byte (RFC 3261 §25.1). */
static size_t quoted_end(struct slice v, size_t i)
{
    for (i++; i < v.n; i++) {
        if (v.p[i] == '\\')
            i++;
        else if (v.p[i] == '"')
            return i + 1;
    }
    return v.n;
}

bool sip_reason_next(struct slice value, struct sip_reason *r, struct slice *rest)
{
    /* The reason-value ends at the first comma outside quotes. */
    size_t end = 0;
    while (end < value.n && value.p[end] != ',')
        end = value.p[end] == '"' ? quoted_end(value, end) : end + 1;
    *rest = end < value.n ? slice_from(value, end + 1) : slice_make(value.p + value.n, 0);
    struct slice v = slice_trim(slice_make(value.p, end));

    size_t semi = 0;
    while (semi < v.n && v.p[semi] != ';')
        semi++;
    r->protocol = slice_trim(slice_make(v.p, semi));
    r->cause = -1;
    r->text = SLICE_NULL;
    if (r->protocol.n == 0)
        return false;

    size_t i = semi;
    while (i < v.n) {
        i++; /* past ';' */
        size_t start = i;
        while (i < v.n && v.p[i] != ';')
            i = v.p[i] == '"' ? quoted_end(v, i) : i + 1;
        struct slice param = slice_trim(slice_make(v.p + start, i - start));
        size_t eq = slice_find(param, '=');
        if (eq >= param.n)
            continue;
        struct slice name = slice_trim(slice_make(param.p, eq));
        struct slice val = slice_trim(slice_from(param, eq + 1));
        uint64_t n;
        if (slice_eq_ci(name, "cause") && r->cause < 0 && slice_to_u64(val, 999, &n)) {
            r->cause = (int)n;
        } else if (slice_eq_ci(name, "text") && !r->text.p) {
            if (val.n >= 2 && val.p[0] == '"' && val.p[val.n - 1] == '"')
                val = slice_sub(val, 1, val.n - 2);
            r->text = val;
        }
    }
    return true;
}
