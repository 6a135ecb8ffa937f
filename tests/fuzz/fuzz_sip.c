/* summary: libFuzzer target for the SIP parser and every header helper, then the calls table.
 *
 * The input is parsed as a datagram and as a byte stream (message after message). For
 * each header the field helpers that apply run on its value: name-addr lists, TN
 * canonicalisation, verstat, CSeq, Via branch, Identity splitting and PASSporT decoding.
 * A parsed datagram is also fed to a small calls table and the finished call is turned
 * into a row. Results are checked against the input bounds and their documented shape. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calls/call.h"
#include "calls/calls.h"
#include "decoders/identity.h"
#include "decoders/passport.h"
#include "decoders/sip.h"
#include "decoders/sip_fields.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define REQUIRE(c)                                                                                   \
    do {                                                                                             \
        if (!(c)) {                                                                                  \
            fprintf(stderr, "invariant failed: %s (%s:%d)\n", #c, __FILE__, __LINE__);               \
            abort();                                                                                 \
        }                                                                                            \
    } while (0)

static const uint8_t *in_p;
static size_t in_n;

static bool inside(struct slice s)
{
    return s.n == 0 || (s.p >= in_p && s.n <= in_n && s.p - in_p <= (ptrdiff_t)(in_n - s.n));
}

static void check_tn(const char *tn, size_t n)
{
    if (n == 0)
        return;
    REQUIRE(n < TN_MAX && strlen(tn) == n);
    for (size_t i = 0; i < n; i++)
        REQUIRE(tn[i] >= '0' && tn[i] <= '9');
}

static struct passport pp;

static void identity(struct slice v)
{
    struct ident_value iv[IDENT_MAX_VALUES];
    size_t dropped;
    size_t n = ident_parse(v, iv, IDENT_MAX_VALUES, &dropped);
    REQUIRE(n <= IDENT_MAX_VALUES);
    for (size_t i = 0; i < n; i++) {
        REQUIRE(inside(iv[i].token) && inside(iv[i].info) && inside(iv[i].alg) && inside(iv[i].ppt));
        enum ppt_result r = passport_decode(iv[i].token, &iv[i], &pp);
        REQUIRE(r == PPT_OK || r == PPT_BAD_FORMAT || r == PPT_UNSUPPORTED_ALG);
        REQUIRE(pp.detail != NULL && (r == PPT_OK) == (pp.detail[0] == '\0'));
        REQUIRE(inside(pp.signing_input));
        char hex[17];
        passport_fingerprint(iv[i].token, hex);
        REQUIRE(strlen(hex) == 16);
    }
}

static void fields(const struct sip_msg *m)
{
    char tn[TN_MAX];
    if (m->is_request) {
        REQUIRE(inside(m->method) && inside(m->ruri) && m->method.n > 0);
        check_tn(tn, sip_uri_tn(m->ruri, tn, sizeof tn));
    } else {
        REQUIRE(m->status >= 100 && m->status <= 699 && inside(m->reason));
    }
    REQUIRE(m->nhdrs <= SIP_MAX_HEADERS);
    REQUIRE(inside(m->body));
    for (size_t i = 0; i < m->nhdrs; i++) {
        const struct sip_hdr *h = &m->hdrs[i];
        REQUIRE(inside(h->name) && inside(h->value) && h->name.n > 0);
        struct slice v = h->value, uri, params, vs;
        switch (h->id) {
        case SH_FROM:
        case SH_TO:
        case SH_PAI:
        case SH_CONTACT:
            for (int k = 0; k < 16 && v.n; k++) {
                struct slice rest;
                if (!sip_addr_next(v, &uri, &params, &rest))
                    break;
                REQUIRE(inside(uri) && inside(params) && inside(rest));
                REQUIRE(rest.n < v.n);
                check_tn(tn, sip_uri_tn(uri, tn, sizeof tn));
                v = rest;
            }
            if (sip_verstat(h->value, &vs))
                REQUIRE(vs.n > 0 && inside(vs));
            break;
        case SH_CSEQ: {
            uint32_t num;
            struct slice method;
            if (sip_cseq(v, &num, &method))
                REQUIRE(method.n > 0 && inside(method));
            break;
        }
        case SH_VIA:
            REQUIRE(inside(sip_via_branch(v)));
            break;
        case SH_IDENTITY:
        case SH_IDENTITY_Y:
        case SH_X_IDENTITY:
            identity(v);
            break;
        default:
            break;
        }
        check_tn(tn, tn_canon(v, tn, sizeof tn));
    }
}

static void on_done(void *ctx, struct call *c)
{
    (void)ctx;
    struct call_row row;
    call_row_fill(c, &row);
    REQUIRE(strlen(row.ppt) < sizeof row.ppt && strlen(row.dest_tn) < sizeof row.dest_tn);
    call_free(c);
}

static struct sip_msg msg;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    in_p = data;
    in_n = size;

    size_t start = sip_find_start(data, size);
    REQUIRE(start <= size);
    if (start < size)
        REQUIRE(sip_is_start_line(data + start, size - start));

    /* Datagram. */
    enum sip_status rc = sip_parse(data, size, false, &msg);
    if (rc == SIP_OK) {
        REQUIRE(msg.len <= size);
        fields(&msg);
        struct calls_cfg cfg;
        calls_default_cfg(&cfg);
        cfg.max_calls = 2;
        struct stats st;
        memset(&st, 0, sizeof st);
        struct calls *t = calls_new(&cfg, on_done, NULL, &st);
        if (t) {
            struct pdu pdu;
            memset(&pdu, 0, sizeof pdu);
            pdu.ts.sec = 1700000000;
            pdu.flow.proto = IPPROTO_UDP_;
            pdu.flow.src.version = pdu.flow.dst.version = 4;
            pdu.data = data;
            pdu.len = size;
            calls_on_message(t, &msg, &pdu);
            pdu.ts.sec += 1;
            calls_on_message(t, &msg, &pdu); /* a retransmission */
            calls_expire(t, (struct ptime){ pdu.ts.sec + 100000, 0 });
            calls_free(t);
        }
    }

    /* Stream: message after message. */
    size_t off = 0;
    for (int guard = 0; off < size && guard < 64; guard++) {
        rc = sip_parse(data + off, size - off, true, &msg);
        if (rc != SIP_OK)
            break;
        REQUIRE(msg.len > 0 && msg.len <= size - off);
        REQUIRE(!msg.body_truncated);
        fields(&msg);
        off += msg.len;
    }
    return 0;
}
