/* summary: SIP start line, header and Content-Length framing (RFC 3261 §7, §7.3.1, §18.3). */
#include "decoders/sip.h"

#include <string.h>

#define MAX_START_LINE 8192
#define MAX_CONTENT_LENGTH (16u << 20)

/* Name lengths computed by the compiler: hdr_id() compares them before any letter. */
#define HDR(name, id) { name, sizeof name - 1, id }
static const struct {
    const char *name;
    size_t len;
    enum sip_hdr_id id;
} known[] = {
    HDR("Call-ID", SH_CALL_ID),
    HDR("i", SH_CALL_ID),
    HDR("CSeq", SH_CSEQ),
    HDR("Via", SH_VIA),
    HDR("v", SH_VIA),
    HDR("From", SH_FROM),
    HDR("f", SH_FROM),
    HDR("To", SH_TO),
    HDR("t", SH_TO),
    HDR("P-Asserted-Identity", SH_PAI),
    HDR("Content-Length", SH_CONTENT_LENGTH),
    HDR("l", SH_CONTENT_LENGTH),
    HDR("Content-Type", SH_CONTENT_TYPE),
    HDR("c", SH_CONTENT_TYPE),
    HDR("Contact", SH_CONTACT),
    HDR("m", SH_CONTACT),
    HDR("Identity", SH_IDENTITY),
    HDR("y", SH_IDENTITY_Y),
    HDR("X-Identity", SH_X_IDENTITY),
    HDR("Date", SH_DATE),
    HDR("Reason", SH_REASON),
};
#undef HDR

const char *sip_hdr_name(enum sip_hdr_id id)
{
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
        if (known[i].id == id)
            return known[i].name;
    return "";
}

/* Every header line of every message comes through here: compare lengths before
 * letters (slice_eq_ci would strlen() each name per line). */
static enum sip_hdr_id hdr_id(struct slice name)
{
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++) {
        if (name.n != known[i].len)
            continue;
        size_t k = 0;
        while (k < name.n && ascii_lower(name.p[k]) == ascii_lower((uint8_t)known[i].name[k]))
            k++;
        if (k == name.n)
            return known[i].id;
    }
    return SH_OTHER;
}

/* RFC 3261 token characters: alphanumerics and -.!%*_+`'~, as a bit per ASCII code
 * (every byte of every method and header name is tested). */
static inline bool is_token(uint8_t c)
{
    static const uint64_t below_64 = 0x3ff6ca200000000ULL, from_64 = 0x47ffffff87fffffeULL;
    return c < 64 ? (below_64 >> c) & 1 : c < 128 ? (from_64 >> (c - 64)) & 1 : false;
}

/* Length of the line at p excluding its terminator; *next is the offset after CRLF/LF.
 * Returns false when no LF occurs within len. */
static bool line_at(const uint8_t *p, size_t len, size_t *linelen, size_t *next)
{
    const uint8_t *lf = memchr(p, '\n', len);
    if (!lf)
        return false;
    size_t n = (size_t)(lf - p);
    *next = n + 1;
    if (n && p[n - 1] == '\r')
        n--;
    *linelen = n;
    return true;
}

static bool is_sip_version(struct slice s)
{
    return slice_eq_ci(s, "SIP/2.0");
}

/* Fills method/ruri or status/reason from one line (without terminator). */
static bool parse_start_line(struct slice line, struct sip_msg *m)
{
    if (slice_starts_ci(line, "SIP/2.0 ")) {
        struct slice rest = slice_from(line, 8);
        if (rest.n < 3 || !is_digit(rest.p[0]) || !is_digit(rest.p[1]) || !is_digit(rest.p[2]))
            return false;
        if (rest.n > 3 && rest.p[3] != ' ')
            return false;
        int code = (rest.p[0] - '0') * 100 + (rest.p[1] - '0') * 10 + (rest.p[2] - '0');
        if (code < 100 || code > 699)
            return false;
        m->is_request = false;
        m->status = code;
        m->reason = slice_trim(slice_from(rest, 3));
        return true;
    }
    size_t i = 0;
    while (i < line.n && is_token(line.p[i]))
        i++;
    if (i == 0 || i >= line.n || line.p[i] != ' ')
        return false;
    struct slice method = slice_make(line.p, i);
    struct slice rest = slice_from(line, i + 1);
    size_t sp = slice_find(rest, ' ');
    if (sp == 0 || sp >= rest.n)
        return false;
    struct slice uri = slice_make(rest.p, sp);
    if (!is_sip_version(slice_from(rest, sp + 1)))
        return false;
    /* A URI has a scheme: "sip:", "sips:", "tel:", "urn:"... */
    size_t colon = slice_find(uri, ':');
    if (colon == 0 || colon >= uri.n)
        return false;
    m->is_request = true;
    m->method = method;
    m->ruri = uri;
    m->status = 0;
    return true;
}

bool sip_is_start_line(const uint8_t *p, size_t len)
{
    size_t ll, next;
    struct sip_msg m;
    if (len > MAX_START_LINE)
        len = MAX_START_LINE;
    if (!line_at(p, len, &ll, &next))
        return false;
    return parse_start_line(slice_make(p, ll), &m);
}

size_t sip_find_start(const uint8_t *p, size_t len)
{
    size_t off = 0;
    while (off < len) {
        if (sip_is_start_line(p + off, len - off))
            return off;
        const uint8_t *lf = memchr(p + off, '\n', len - off);
        if (!lf)
            break;
        off = (size_t)(lf - p) + 1;
    }
    return len;
}

/* Could p still become a start line once more bytes arrive? (stream mode only) */
static bool maybe_start_line(const uint8_t *p, size_t len)
{
    if (len >= MAX_START_LINE)
        return false;
    for (size_t i = 0; i < len; i++)
        if (p[i] < 0x20 && p[i] != '\r' && p[i] != '\t')
            return false;
    return true;
}

const struct sip_hdr *sip_find(const struct sip_msg *m, enum sip_hdr_id id)
{
    for (size_t i = 0; i < m->nhdrs; i++)
        if (m->hdrs[i].id == id)
            return &m->hdrs[i];
    return NULL;
}

enum sip_status sip_parse(const uint8_t *p, size_t len, bool stream, struct sip_msg *m)
{
    size_t ll, off;
    m->nhdrs = 0;
    m->hdrs_dropped = 0;
    m->body = SLICE_NULL;
    m->body_truncated = false;
    m->no_content_length = true;
    m->len = 0;
    m->method = m->ruri = m->reason = SLICE_NULL;

    if (!line_at(p, len < MAX_START_LINE ? len : MAX_START_LINE, &ll, &off))
        return stream && maybe_start_line(p, len) ? SIP_NEED_MORE : SIP_NOT_SIP;
    if (!parse_start_line(slice_make(p, ll), m))
        return SIP_NOT_SIP;

    uint64_t clen = 0;
    bool have_clen = false;
    struct sip_hdr *cur = NULL;
    bool last_line = false, seen_header = false;
    for (;;) {
        size_t next;
        if (last_line || off >= len) {
            /* A datagram without the empty line after its headers: keep what is there. */
            if (stream)
                return SIP_NEED_MORE;
            m->len = len;
            m->body_truncated = have_clen && clen > 0;
            return SIP_OK;
        }
        if (!line_at(p + off, len - off, &ll, &next)) {
            if (len - off > SIP_MAX_HEADER_BYTES)
                return SIP_MALFORMED;
            if (stream)
                return SIP_NEED_MORE;
            ll = next = len - off;
            last_line = true;
        }
        if (off > SIP_MAX_HEADER_BYTES)
            return SIP_MALFORMED;
        const uint8_t *line = p + off;
        off += next;
        if (ll == 0)
            break; /* end of headers */
        if (is_sp(line[0])) {
            /* Folded continuation (RFC 3261 §7.3.1): extends the previous value. */
            if (!seen_header)
                return SIP_MALFORMED;
            struct slice ext = slice_trim(slice_make(line, ll));
            if (!cur || ext.n == 0)
                continue; /* continuation of a header past the index cap */
            if (cur->value.n == 0)
                cur->value = ext; /* "Name:" with the value on the next line */
            else
                cur->value.n = (size_t)(ext.p + ext.n - cur->value.p);
            continue;
        }
        seen_header = true;
        struct slice l = slice_make(line, ll);
        size_t colon = slice_find(l, ':');
        if (colon == l.n || colon == 0)
            return SIP_MALFORMED;
        struct slice name = slice_trim(slice_make(l.p, colon));
        if (name.n == 0)
            return SIP_MALFORMED;
        for (size_t i = 0; i < name.n; i++)
            if (!is_token(name.p[i]))
                return SIP_MALFORMED;
        struct slice value = slice_trim(slice_from(l, colon + 1));
        if (value.n == 0)
            value = slice_make(l.p + l.n, 0);
        enum sip_hdr_id id = hdr_id(name);
        if (id == SH_CONTENT_LENGTH) {
            uint64_t v;
            if (!slice_to_u64(value, MAX_CONTENT_LENGTH, &v))
                return SIP_MALFORMED;
            if (have_clen && v != clen)
                return SIP_MALFORMED; /* conflicting framing: a smuggling attempt or garbage */
            clen = v;
            have_clen = true;
            m->no_content_length = false;
        }
        if (m->nhdrs == SIP_MAX_HEADERS) {
            m->hdrs_dropped++;
            cur = NULL;
            continue;
        }
        cur = &m->hdrs[m->nhdrs++];
        cur->name = name;
        cur->value = value;
        cur->id = id;
    }

    size_t avail = len - off;
    if (!have_clen && !stream)
        clen = avail; /* RFC 3261 §18.3: without Content-Length a datagram's body runs to its end */
    if (clen <= avail) {
        m->body = slice_make(p + off, (size_t)clen);
        m->len = off + (size_t)clen;
        return SIP_OK;
    }
    if (stream)
        return SIP_NEED_MORE;
    m->body = slice_make(p + off, avail);
    m->body_truncated = true;
    m->len = len;
    return SIP_OK;
}
