/* summary: stirgen scenarios — SIP dialogs (RFC 3261) with STIR/SHAKEN
 * Identity headers (RFC 8224, 8588, 8946, 9795) laid out as packets, and
 * the truth about each call that the expected CSV is computed from.
 *
 * Times are planned in microseconds after T0; after sorting, each packet
 * gets a sub-microsecond part (500..999 ns) so that a reader that rounds
 * nanoseconds to microseconds instead of truncating shows up in first_seen. */
#include "stirgen.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/bn.h>
#include <openssl/ec.h>

#define T0 1740830400ull /* 2025-03-01T12:00:00Z */

#define IP(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (uint32_t)(d))

/* Hosts, all in the RFC 5737 documentation ranges.  The capture is taken
 * on the SBC; the others are its peers. */
#define H_SBC IP(198, 51, 100, 7)    /* our SBC: terminates calls 1-5, 7-12 */
#define H_ORIG IP(203, 0, 113, 5)    /* originating carrier's SBC */
#define H_GW IP(203, 0, 113, 9)      /* a gateway (call 3) */
#define H_SIPPY IP(203, 0, 113, 20)  /* a vendor SBC using X-Identity (call 8) */
#define H_EVIL IP(203, 0, 113, 66)   /* call 12 */
#define H_JUNK IP(203, 0, 113, 77)   /* non-SIP datagram sender */
#define H_NEXT IP(192, 0, 2, 10)     /* next hop of call 1 (traceback leg) */
#define H_PBX IP(192, 0, 2, 44)      /* an enterprise PBX, unsigned */
#define H_DNS IP(192, 0, 2, 53)

#define X5U_A "https://certs.stirprobe.test/sp-a.pem"
#define X5U_B "https://certs.stirprobe.test/sp-b.pem"

struct ep {
    uint32_t ip;
    uint16_t port;
};

/* A message as built: its text and what it is. */
struct msg {
    struct buf text;
    struct msgref ref;
};

/* One SIP dialog between a UAC and a UAS, with everything needed to build
 * its messages. */
struct dlg {
    struct scen *s;
    const char *call_id; /* a string literal: outlives the scenario */
    int no;              /* call number, for tags and branches */
    bool tcp, compact;
    struct ep uac, uas;
    char ruri[192];
    char from[256];      /* From value including ;tag= */
    char to[192];        /* To value without a tag */
    char to_tag[32];
    char pai[192];       /* "" = no P-Asserted-Identity */
    char date[40];       /* "" = no Date header */
    struct buf ident;    /* Identity header lines (with CRLF) for the INVITE */
    unsigned cseq;       /* CSeq of the INVITE */
    char branch[40];     /* the INVITE transaction's branch */
    char last_branch[40]; /* branch of the last new non-INVITE transaction */
    unsigned nbranch;
    uint16_t media_uac, media_uas;
    struct msg invite;   /* kept for retransmission */
    const char *final_extra; /* header lines added to final responses to the INVITE */
    const char *bye_extra;   /* header lines added to the BYE */
};

/* ---- packets -------------------------------------------------------------- */

static struct pkt *new_pkt(struct scen *s, uint64_t t_us, uint8_t proto, struct ep src, struct ep dst)
{
    if (s->npkts == s->capp) {
        s->capp = s->capp ? s->capp * 2 : 128;
        s->pkts = xrealloc(s->pkts, s->capp * sizeof *s->pkts);
    }
    struct pkt *p = &s->pkts[s->npkts++];
    memset(p, 0, sizeof *p);
    p->ts_ns = (T0 * 1000000u + t_us) * 1000u;
    p->proto = proto;
    p->src = src.ip, p->sport = src.port;
    p->dst = dst.ip, p->dport = dst.port;
    return p;
}

static void pkt_attach(struct pkt *p, const struct msgref *r)
{
    if (p->nmsgs == PKT_MAX_MSGS)
        die("scenario bug: too many messages in one packet");
    p->msgs[p->nmsgs++] = *r;
}

static void udp_send(struct scen *s, uint64_t t_us, struct ep src, struct ep dst, const void *d, size_t n,
                     const struct msgref *r)
{
    struct pkt *p = new_pkt(s, t_us, IPPROTO_UDP_, src, dst);
    buf_put(&p->payload, d, n);
    if (r)
        pkt_attach(p, r);
}

/* ---- text helpers ----------------------------------------------------------- */

/* Host part of a SIP URI or SDP address for an endpoint. */
static const char *host(const struct scen *s, uint32_t ip, char out[64])
{
    char a[64];
    ip_str(ip, s->ipv6, a);
    snprintf(out, 64, s->ipv6 ? "[%s]" : "%s", a);
    return out;
}

static const char *hn(const struct dlg *d, const char *name)
{
    /* RFC 3261 §7.3.3 compact forms, plus y for Identity (RFC 8224 §4). */
    static const char *const C[][2] = {
        {"Via", "v"},     {"From", "f"},           {"To", "t"},          {"Call-ID", "i"},
        {"Contact", "m"}, {"Content-Length", "l"}, {"Content-Type", "c"}, {"Identity", "y"},
    };
    if (d->compact)
        for (size_t i = 0; i < ARRAY_LEN(C); i++)
            if (!strcmp(C[i][0], name))
                return C[i][1];
    return name;
}

static void new_branch(struct dlg *d, char out[40])
{
    snprintf(out, 40, "z9hG4bK%02x%04x%s", d->no, 0x5a17 + d->nbranch++, d->tcp ? "t" : "u");
}

static void sdp(struct buf *b, const struct dlg *d, bool offer)
{
    char a[64];
    const struct ep *e = offer ? &d->uac : &d->uas;
    ip_str(e->ip, d->s->ipv6, a);
    const char *fam = d->s->ipv6 ? "IP6" : "IP4";
    buf_printf(b,
               "v=0\r\n"
               "o=- %u 1 IN %s %s\r\n"
               "s=-\r\n"
               "c=IN %s %s\r\n"
               "t=0 0\r\n"
               "m=audio %u RTP/AVP 0 101\r\n"
               "a=rtpmap:0 PCMU/8000\r\n"
               "a=rtpmap:101 telephone-event/8000\r\n"
               "a=sendrecv\r\n",
               4000u + (unsigned)d->no * 10 + (offer ? 0 : 1), fam, a, fam, a,
               offer ? d->media_uac : d->media_uas);
}

static void via(struct buf *b, const struct dlg *d, const char *branch)
{
    char h[64];
    buf_printf(b, "%s: SIP/2.0/%s %s:%u;branch=%s\r\n", hn(d, "Via"), d->tcp ? "TCP" : "UDP",
               host(d->s, d->uac.ip, h), d->uac.port, branch);
}

static void to_hdr(struct buf *b, const struct dlg *d, bool tag)
{
    buf_printf(b, "%s: %s%s%s\r\n", hn(d, "To"), d->to, tag ? ";tag=" : "", tag ? d->to_tag : "");
}

static void contact_uri(char out[192], const struct dlg *d, bool uac)
{
    char h[64];
    const struct ep *e = uac ? &d->uac : &d->uas;
    snprintf(out, 192, "sip:%s%s:%u%s", uac ? "caller@" : "", host(d->s, e->ip, h), e->port,
             d->tcp ? ";transport=tcp" : "");
}

/* Finishes a message: optional body with its Content-Type, then the
 * Content-Length that must match it byte for byte. */
static void finish(struct buf *b, const struct dlg *d, const struct buf *body)
{
    if (body && body->n)
        buf_printf(b, "%s: application/sdp\r\n", hn(d, "Content-Type"));
    buf_printf(b, "%s: %zu\r\n\r\n", hn(d, "Content-Length"), body ? body->n : 0);
    if (body)
        buf_put(b, body->p, body->n);
}

static void ref_request(struct msgref *r, const struct dlg *d, const char *method, unsigned cseq,
                        const char *cseq_method)
{
    memset(r, 0, sizeof *r);
    r->call_id = d->call_id;
    r->request = true;
    snprintf(r->method, sizeof r->method, "%s", method);
    r->cseq = cseq;
    snprintf(r->cseq_method, sizeof r->cseq_method, "%s", cseq_method);
}

/* ---- SIP messages ------------------------------------------------------------ */

static void build_invite(struct msg *m, struct dlg *d)
{
    struct buf body = {0};
    char c[192];
    if (!d->branch[0])
        new_branch(d, d->branch);
    sdp(&body, d, true);
    contact_uri(c, d, true);
    buf_printf(&m->text, "INVITE %s SIP/2.0\r\n", d->ruri);
    via(&m->text, d, d->branch);
    buf_printf(&m->text, "Max-Forwards: 70\r\n");
    buf_printf(&m->text, "%s: %s\r\n", hn(d, "From"), d->from);
    to_hdr(&m->text, d, false);
    buf_printf(&m->text, "%s: %s\r\n", hn(d, "Call-ID"), d->call_id);
    buf_printf(&m->text, "CSeq: %u INVITE\r\n", d->cseq);
    if (d->date[0])
        buf_printf(&m->text, "Date: %s\r\n", d->date);
    buf_printf(&m->text, "%s: <%s>\r\n", hn(d, "Contact"), c);
    if (d->pai[0])
        buf_printf(&m->text, "P-Asserted-Identity: %s\r\n", d->pai);
    buf_put(&m->text, d->ident.p, d->ident.n);
    buf_printf(&m->text, "Allow: INVITE, ACK, CANCEL, BYE, OPTIONS\r\n");
    finish(&m->text, d, &body);
    ref_request(&m->ref, d, "INVITE", d->cseq, "INVITE");
    buf_free(&body);
}

/* A request other than INVITE from the UAC.  ACK for a non-2xx final
 * response, and CANCEL, reuse the INVITE's branch and Request-URI (RFC 3261
 * §17.1.1.3, §9.1); ACK for 2xx and BYE are new transactions sent to the
 * UAS's Contact. */
static void build_request(struct msg *m, struct dlg *d, const char *method, bool in_invite_txn)
{
    char br[40], uri[192];
    bool to_tag = strcmp(method, "CANCEL") != 0;
    unsigned cseq = d->cseq;
    if (in_invite_txn) {
        snprintf(br, sizeof br, "%s", d->branch);
        snprintf(uri, sizeof uri, "%s", d->ruri);
    } else {
        new_branch(d, br);
        memcpy(d->last_branch, br, sizeof br);
        contact_uri(uri, d, false);
        if (!strcmp(method, "BYE"))
            cseq = d->cseq + 1;
    }
    buf_printf(&m->text, "%s %s SIP/2.0\r\n", method, uri);
    via(&m->text, d, br);
    buf_printf(&m->text, "Max-Forwards: 70\r\n");
    buf_printf(&m->text, "%s: %s\r\n", hn(d, "From"), d->from);
    to_hdr(&m->text, d, to_tag);
    buf_printf(&m->text, "%s: %s\r\n", hn(d, "Call-ID"), d->call_id);
    buf_printf(&m->text, "CSeq: %u %s\r\n", cseq, method);
    if (!strcmp(method, "BYE") && d->bye_extra)
        buf_str(&m->text, d->bye_extra);
    finish(&m->text, d, NULL);
    ref_request(&m->ref, d, method, cseq, method);
}

/* A response from the UAS to the request (cseq, method, branch). */
static void build_response(struct msg *m, struct dlg *d, int code, const char *reason, unsigned cseq,
                           const char *method, const char *branch)
{
    bool invite = !strcmp(method, "INVITE");
    struct buf body = {0};
    char c[192];
    buf_printf(&m->text, "SIP/2.0 %d %s\r\n", code, reason);
    via(&m->text, d, branch);
    buf_printf(&m->text, "%s: %s\r\n", hn(d, "From"), d->from);
    to_hdr(&m->text, d, code != 100); /* 100 Trying is hop-by-hop: no To tag */
    buf_printf(&m->text, "%s: %s\r\n", hn(d, "Call-ID"), d->call_id);
    buf_printf(&m->text, "CSeq: %u %s\r\n", cseq, method);
    if (invite && code > 100 && code < 300) {
        contact_uri(c, d, false);
        buf_printf(&m->text, "%s: <%s>\r\n", hn(d, "Contact"), c);
    }
    if (invite && code >= 200 && d->final_extra)
        buf_str(&m->text, d->final_extra);
    if (invite && code >= 200 && code < 300)
        sdp(&body, d, false);
    finish(&m->text, d, &body);
    memset(&m->ref, 0, sizeof m->ref);
    m->ref.call_id = d->call_id;
    m->ref.code = code;
    m->ref.cseq = cseq;
    snprintf(m->ref.cseq_method, sizeof m->ref.cseq_method, "%s", method);
    buf_free(&body);
}

/* ---- UDP call flows ------------------------------------------------------------ */

enum stepkind {
    S_INVITE,
    S_INVITE_RETX, /* the same INVITE bytes again (UDP retransmission) */
    S_RESP,        /* a response to the INVITE: code + reason */
    S_ACK,         /* ACK: for a 2xx a new transaction, else in the INVITE's */
    S_CANCEL,
    S_RESP_CANCEL, /* 200 to the CANCEL */
    S_BYE,
    S_RESP_BYE,    /* 200 to the BYE */
};

struct step {
    unsigned ms;   /* after the call's start */
    enum stepkind kind;
    int code;
    const char *reason;
};

static void run_flow(struct dlg *d, uint64_t start_us, const struct step *st, size_t n)
{
    int final = 0;
    char bye_branch[40] = "", cancel_branch[40] = "";
    unsigned bye_cseq = 0;
    for (size_t i = 0; i < n; i++) {
        uint64_t t = start_us + (uint64_t)st[i].ms * 1000u;
        struct msg m = {0};
        bool from_uac = true;
        switch (st[i].kind) {
        case S_INVITE:
            build_invite(&d->invite, d);
            udp_send(d->s, t, d->uac, d->uas, d->invite.text.p, d->invite.text.n, &d->invite.ref);
            continue;
        case S_INVITE_RETX:
            udp_send(d->s, t, d->uac, d->uas, d->invite.text.p, d->invite.text.n, &d->invite.ref);
            continue;
        case S_RESP:
            build_response(&m, d, st[i].code, st[i].reason, d->cseq, "INVITE", d->branch);
            if (st[i].code >= 200)
                final = st[i].code;
            from_uac = false;
            break;
        case S_ACK:
            if (!final)
                die("scenario bug: ACK before a final response in %s", d->call_id);
            build_request(&m, d, "ACK", final >= 300);
            break;
        case S_CANCEL:
            build_request(&m, d, "CANCEL", true);
            snprintf(cancel_branch, sizeof cancel_branch, "%s", d->branch);
            break;
        case S_RESP_CANCEL:
            build_response(&m, d, 200, "OK", d->cseq, "CANCEL", cancel_branch);
            from_uac = false;
            break;
        case S_BYE:
            build_request(&m, d, "BYE", false);
            memcpy(bye_branch, d->last_branch, sizeof bye_branch);
            bye_cseq = m.ref.cseq;
            break;
        case S_RESP_BYE:
            build_response(&m, d, 200, "OK", bye_cseq, "BYE", bye_branch);
            from_uac = false;
            break;
        }
        if (from_uac)
            udp_send(d->s, t, d->uac, d->uas, m.text.p, m.text.n, &m.ref);
        else
            udp_send(d->s, t, d->uas, d->uac, m.text.p, m.text.n, &m.ref);
        buf_free(&m.text);
    }
}

/* INVITE, 100, 180, 200, ACK, BYE, 200 */
static const struct step FLOW_RINGING[] = {
    {0, S_INVITE, 0, NULL},        {2, S_RESP, 100, "Trying"}, {30, S_RESP, 180, "Ringing"},
    {1500, S_RESP, 200, "OK"},     {1506, S_ACK, 0, NULL},     {3000, S_BYE, 0, NULL},
    {3004, S_RESP_BYE, 0, NULL},
};

/* INVITE, 100, 200, ACK, BYE, 200 */
static const struct step FLOW_ANSWER[] = {
    {0, S_INVITE, 0, NULL},    {2, S_RESP, 100, "Trying"}, {500, S_RESP, 200, "OK"},
    {505, S_ACK, 0, NULL},     {3000, S_BYE, 0, NULL},     {3003, S_RESP_BYE, 0, NULL},
};

static void dlg_init(struct dlg *d, struct scen *s, int no, const char *call_id, struct ep uac, struct ep uas)
{
    memset(d, 0, sizeof *d);
    d->s = s;
    d->no = no;
    d->call_id = call_id;
    d->uac = uac;
    d->uas = uas;
    d->cseq = 100u + (unsigned)no;
    snprintf(d->to_tag, sizeof d->to_tag, "b7%02x9e31", no);
    d->media_uac = 20000;
    d->media_uas = 30000;
    /* the INVITE's branch is drawn when it is built, once d->tcp is final */
}

static void dlg_free(struct dlg *d)
{
    buf_free(&d->ident);
    buf_free(&d->invite.text);
}

static void set_date(struct dlg *d, long long epoch)
{
    time_t t = (time_t)epoch;
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(d->date, sizeof d->date, "%a, %d %b %Y %H:%M:%S GMT", &tm); /* RFC 3261 §20.17 */
}

/* ---- truth helpers ------------------------------------------------------------- */

/* Sets a TN column from the URI actually sent, and cross-checks it against
 * the value the scenario author expects: two independent statements of
 * the truth must agree. */
static void set_tn(char *dst, size_t n, const char *uri, const char *expect)
{
    tn_canon(uri, dst, n);
    if (strcmp(dst, expect) != 0)
        die("scenario bug: TN of '%s' is '%s', expected '%s'", uri, dst, expect);
}

static void add_truth(struct scen *s, const struct call_truth *t)
{
    for (size_t i = 0; i < s->ncalls; i++)
        if (!strcmp(s->calls[i].call_id, t->call_id))
            die("scenario bug: Call-ID %s used twice", t->call_id);
    if (s->ncalls == s->capc) {
        s->capc = s->capc ? s->capc * 2 : 16;
        s->calls = xrealloc(s->calls, s->capc * sizeof *s->calls);
    }
    s->calls[s->ncalls++] = *t;
}

static void truth_shaken(struct call_truth *t, const char *token, const struct passport_spec *ps)
{
    snprintf(t->attest, sizeof t->attest, "%s", ps->attest ? ps->attest : "");
    snprintf(t->origid, sizeof t->origid, "%s", ps->origid ? ps->origid : "");
    snprintf(t->orig_tn, sizeof t->orig_tn, "%s", ps->orig);
    t->dest_tn[0] = 0;
    for (size_t i = 0; i < ARRAY_LEN(ps->dest) && ps->dest[i]; i++)
        snprintf(t->dest_tn + strlen(t->dest_tn), sizeof t->dest_tn - strlen(t->dest_tn), "%s%s",
                 i ? ";" : "", ps->dest[i]);
    t->iat = ps->iat;
    snprintf(t->x5u, sizeof t->x5u, "%s", ps->x5u);
    chain_id(token, strlen(token), t->chain_id);
    t->has_shaken = true;
}

/* Signs and immediately verifies with the certificate: a key/cert mix-up
 * in tests/pki must fail here, not later in the probe's tests. */
static char *sign_checked(struct scen *s, bool use_b, const struct passport_spec *ps)
{
    char *tok = passport_sign(use_b ? s->key_b : s->key_a, ps);
    const char *why;
    if (!jws_verify(X509_get0_pubkey(use_b ? s->cert_b : s->cert_a), tok, strlen(tok), &why))
        die("self-check of a fresh signature failed: %s", why);
    return tok;
}

static long long iat_of(uint64_t t_us) { return (long long)(T0 + t_us / 1000000u); }

/* Appends "NAME: TOKEN;info=<X5U>;alg=ES256;ppt=PPT\r\n" to d->ident and
 * returns the header value (malloc'd). */
static char *add_identity(struct dlg *d, const char *name, const char *token, const struct passport_spec *ps)
{
    char *v = identity_value(token, ps->x5u, ps->ppt);
    buf_printf(&d->ident, "%s: %s\r\n", name, v);
    return v;
}

/* ---- the demo scenario ------------------------------------------------------------ */

#define START(ms, us) ((uint64_t)(ms) * 1000u + (us))

/* Call 1: a plain signed call; its Identity reappears on call 6. */
static char *call_a_udp(struct scen *s, uint64_t start)
{
    struct dlg d;
    struct call_truth t = {.call_id = "call-a-udp@orig.example.net"};
    char h[64];
    dlg_init(&d, s, 1, t.call_id, (struct ep){H_ORIG, 5060}, (struct ep){H_SBC, 5060});
    snprintf(d.ruri, sizeof d.ruri, "sip:+12025550199@%s;user=phone", host(s, H_SBC, h));
    snprintf(d.from, sizeof d.from, "\"Alice\" <sip:+12025550101@orig.example.net;user=phone>;tag=a1f3c2-1");
    snprintf(d.to, sizeof d.to, "<sip:+1-202-555-0199@term.example.net;user=phone>");
    snprintf(d.pai, sizeof d.pai, "<sip:+12025550101@orig.example.net;user=phone>");
    struct passport_spec ps = {
        .ppt = "shaken", .x5u = X5U_A, .attest = "A", .origid = "8f2c1a9e-0b7d-4c3e-9a51-2d6f7e8a9b01",
        .orig = "12025550101", .dest = {"12025550199"}, .iat = iat_of(start)};
    set_date(&d, ps.iat);
    char *tok = sign_checked(s, false, &ps);
    char *val = add_identity(&d, "Identity", tok, &ps);
    truth_shaken(&t, tok, &ps);
    snprintf(t.identity_header, sizeof t.identity_header, "Identity");
    snprintf(t.ppt, sizeof t.ppt, "shaken");
    set_tn(t.ruri_tn, sizeof t.ruri_tn, d.ruri, "12025550199");
    set_tn(t.from_tn, sizeof t.from_tn, d.from, "12025550101");
    set_tn(t.to_tn, sizeof t.to_tn, d.to, "12025550199");
    set_tn(t.pai_tn, sizeof t.pai_tn, d.pai, "12025550101");
    run_flow(&d, start, FLOW_RINGING, ARRAY_LEN(FLOW_RINGING));

    /* The media the SDP announced: 20 ms of PCMU per packet while the call
     * is up.  Not SIP, so it must not disturb the call table. */
    uint16_t seq = (uint16_t)rng_next(&s->rng);
    uint32_t ts = (uint32_t)rng_next(&s->rng), ssrc = (uint32_t)rng_next(&s->rng);
    for (int i = 0; i < 20; i++) {
        struct buf rtp = {0};
        buf_u8(&rtp, 0x80);               /* RTP version 2 */
        buf_u8(&rtp, i == 0 ? 0x80 : 0);  /* marker on the first packet, PT 0 (PCMU) */
        buf_be16(&rtp, (uint16_t)(seq + i));
        buf_be32(&rtp, ts + 160u * (uint32_t)i);
        buf_be32(&rtp, ssrc);
        for (int k = 0; k < 160; k++)
            buf_u8(&rtp, (uint8_t)rng_next(&s->rng));
        udp_send(s, start + START(1516, 0) + (uint64_t)i * 20000u, (struct ep){H_ORIG, d.media_uac},
                 (struct ep){H_SBC, d.media_uas}, rtp.p, rtp.n, NULL);
        buf_free(&rtp);
    }
    add_truth(s, &t);
    dlg_free(&d);
    free(tok);
    return val;
}

/* Call 6: the SBC relays call 1 to the next hop with a new Call-ID and the
 * byte-identical Identity header: one traceback chain, two legs. */
static void call_a_hop2(struct scen *s, uint64_t start, const char *c1_identity, const struct call_truth *c1)
{
    static const struct step flow[] = {
        {0, S_INVITE, 0, NULL},     {2, S_RESP, 100, "Trying"}, {1450, S_RESP, 200, "OK"},
        {1472, S_ACK, 0, NULL},     {2966, S_BYE, 0, NULL},     {2970, S_RESP_BYE, 0, NULL},
    };
    struct dlg d;
    struct call_truth t = *c1;
    char h[64];
    t.call_id = "call-a-hop2@term.example.net";
    dlg_init(&d, s, 6, t.call_id, (struct ep){H_SBC, 5060}, (struct ep){H_NEXT, 5060});
    snprintf(d.ruri, sizeof d.ruri, "sip:+12025550199@%s;user=phone", host(s, H_NEXT, h));
    snprintf(d.from, sizeof d.from, "\"Alice\" <sip:+12025550101@term.example.net;user=phone>;tag=77c0e4-6");
    snprintf(d.to, sizeof d.to, "<sip:+12025550199@next.example.net;user=phone>");
    snprintf(d.pai, sizeof d.pai, "<sip:+12025550101;verstat=TN-Validation-Passed@term.example.net;user=phone>");
    set_date(&d, c1->iat); /* a proxy passes Date through with Identity */
    buf_printf(&d.ident, "Identity: %s\r\n", c1_identity);
    set_tn(t.ruri_tn, sizeof t.ruri_tn, d.ruri, "12025550199");
    set_tn(t.from_tn, sizeof t.from_tn, d.from, "12025550101");
    set_tn(t.to_tn, sizeof t.to_tn, d.to, "12025550199");
    set_tn(t.pai_tn, sizeof t.pai_tn, d.pai, "12025550101");
    snprintf(t.verstat, sizeof t.verstat, "TN-Validation-Passed");
    run_flow(&d, start, flow, ARRAY_LEN(flow));
    add_truth(s, &t);
    dlg_free(&d);
}

/* Call 2: attest B, tel: URIs, the INVITE retransmitted once over UDP. */
static void call_b_retx(struct scen *s, uint64_t start)
{
    static const struct step flow[] = {
        {0, S_INVITE, 0, NULL},           {500, S_INVITE_RETX, 0, NULL}, {503, S_RESP, 100, "Trying"},
        {700, S_RESP, 486, "Busy Here"},  {702, S_ACK, 0, NULL},
    };
    struct dlg d;
    struct call_truth t = {.call_id = "call-b-retx@orig.example.net"};
    dlg_init(&d, s, 2, t.call_id, (struct ep){H_ORIG, 5060}, (struct ep){H_SBC, 5060});
    snprintf(d.ruri, sizeof d.ruri, "tel:+12025550188");
    snprintf(d.from, sizeof d.from, "<tel:+1-202-555-0102>;tag=c0ffee-2");
    snprintf(d.to, sizeof d.to, "<tel:+12025550188>");
    struct passport_spec ps = {
        .ppt = "shaken", .x5u = X5U_A, .attest = "B", .origid = "4d1e6b7a-2c3f-4a5b-8c9d-0e1f2a3b4c02",
        .orig = "12025550102", .dest = {"12025550188"}, .iat = iat_of(start)};
    set_date(&d, ps.iat);
    char *tok = sign_checked(s, false, &ps);
    free(add_identity(&d, "Identity", tok, &ps));
    truth_shaken(&t, tok, &ps);
    snprintf(t.identity_header, sizeof t.identity_header, "Identity");
    snprintf(t.ppt, sizeof t.ppt, "shaken");
    set_tn(t.ruri_tn, sizeof t.ruri_tn, d.ruri, "12025550188");
    set_tn(t.from_tn, sizeof t.from_tn, d.from, "12025550102");
    set_tn(t.to_tn, sizeof t.to_tn, d.to, "12025550188");
    run_flow(&d, start, flow, ARRAY_LEN(flow));
    add_truth(s, &t);
    dlg_free(&d);
    free(tok);
}

/* Call 3: attest C from a gateway, cancelled while ringing (final 487). */
static void call_c_cancel(struct scen *s, uint64_t start)
{
    static const struct step flow[] = {
        {0, S_INVITE, 0, NULL},        {2, S_RESP, 100, "Trying"},
        {30, S_RESP, 180, "Ringing"},  {2000, S_CANCEL, 0, NULL},
        {2002, S_RESP_CANCEL, 0, NULL}, {2004, S_RESP, 487, "Request Terminated"},
        {2006, S_ACK, 0, NULL},
    };
    struct dlg d;
    struct call_truth t = {.call_id = "call-c-cancel@gw.example.net"};
    char h[64];
    dlg_init(&d, s, 3, t.call_id, (struct ep){H_GW, 5060}, (struct ep){H_SBC, 5060});
    snprintf(d.ruri, sizeof d.ruri, "sip:+12025550199@%s;user=phone", host(s, H_SBC, h));
    snprintf(d.from, sizeof d.from, "<sip:+12025550103@gw.example.net;user=phone>;tag=9d2b-3");
    snprintf(d.to, sizeof d.to, "<sip:+12025550199@term.example.net;user=phone>");
    snprintf(d.pai, sizeof d.pai, "<sip:+12025550103@gw.example.net;user=phone>");
    struct passport_spec ps = {
        .ppt = "shaken", .x5u = X5U_A, .attest = "C", .origid = "5e2f7c8b-3d4a-4b6c-9dae-1f2a3b4c5d03",
        .orig = "12025550103", .dest = {"12025550199"}, .iat = iat_of(start)};
    set_date(&d, ps.iat);
    char *tok = sign_checked(s, false, &ps);
    free(add_identity(&d, "Identity", tok, &ps));
    truth_shaken(&t, tok, &ps);
    snprintf(t.identity_header, sizeof t.identity_header, "Identity");
    snprintf(t.ppt, sizeof t.ppt, "shaken");
    set_tn(t.ruri_tn, sizeof t.ruri_tn, d.ruri, "12025550199");
    set_tn(t.from_tn, sizeof t.from_tn, d.from, "12025550103");
    set_tn(t.to_tn, sizeof t.to_tn, d.to, "12025550199");
    set_tn(t.pai_tn, sizeof t.pai_tn, d.pai, "12025550103");
    run_flow(&d, start, flow, ARRAY_LEN(flow));
    add_truth(s, &t);
    dlg_free(&d);
    free(tok);
}

/* Call 4: no Identity at all; a digits-only user part without user=phone
 * still counts as a TN by local policy, a name does not. */
static void call_unsigned(struct scen *s, uint64_t start)
{
    static const struct step flow[] = {
        {0, S_INVITE, 0, NULL},  {2, S_RESP, 100, "Trying"}, {800, S_RESP, 200, "OK"},
        {805, S_ACK, 0, NULL},   {4000, S_BYE, 0, NULL},     {4003, S_RESP_BYE, 0, NULL},
    };
    struct dlg d;
    struct call_truth t = {.call_id = "call-unsigned@pbx.example.org"};
    dlg_init(&d, s, 4, t.call_id, (struct ep){H_PBX, 5060}, (struct ep){H_SBC, 5060});
    snprintf(d.ruri, sizeof d.ruri, "sip:alice@example.com");
    snprintf(d.from, sizeof d.from, "<sip:2025550144@pbx.example.org>;tag=pbx-4411");
    snprintf(d.to, sizeof d.to, "<sip:alice@example.com>");
    set_tn(t.ruri_tn, sizeof t.ruri_tn, d.ruri, "");
    set_tn(t.from_tn, sizeof t.from_tn, d.from, "2025550144");
    set_tn(t.to_tn, sizeof t.to_tn, d.to, "");
    run_flow(&d, start, flow, ARRAY_LEN(flow));
    add_truth(s, &t);
    dlg_free(&d);
}

/* ---- call 5: SIP over TCP ----------------------------------------------------------- */

struct tcpconn {
    struct scen *s;
    struct ep cli, srv;
    uint32_t cli_next, srv_next; /* next sequence number each side sends */
};

static struct pkt *tcp_seg(struct tcpconn *c, uint64_t t, bool from_cli, uint8_t flags, const void *d, size_t n)
{
    struct pkt *p = new_pkt(c->s, t, IPPROTO_TCP_, from_cli ? c->cli : c->srv, from_cli ? c->srv : c->cli);
    uint32_t *mine = from_cli ? &c->cli_next : &c->srv_next;
    p->seq = *mine;
    p->ack = from_cli ? c->srv_next : c->cli_next;
    p->tcp_flags = flags;
    buf_put(&p->payload, d, n);
    /* SYN and FIN occupy one sequence number each (RFC 9293 §3.4). */
    *mine += (uint32_t)n + ((flags & TCPF_SYN) ? 1u : 0u) + ((flags & TCPF_FIN) ? 1u : 0u);
    return p;
}

static void call_tcp(struct scen *s, uint64_t start)
{
    struct dlg d;
    struct call_truth t = {.call_id = "call-tcp@orig.example.net"};
    char h[64];
    dlg_init(&d, s, 5, t.call_id, (struct ep){H_ORIG, 40001}, (struct ep){H_SBC, 5060});
    d.tcp = true;
    snprintf(d.ruri, sizeof d.ruri, "sip:+12025550199@%s:5060;user=phone;transport=tcp", host(s, H_SBC, h));
    snprintf(d.from, sizeof d.from, "\"Bob\" <sip:+12025550105@orig.example.net;user=phone>;tag=tcp-55a1");
    snprintf(d.to, sizeof d.to, "<sip:+12025550199@term.example.net;user=phone>");
    snprintf(d.pai, sizeof d.pai, "<sip:+12025550105@orig.example.net;user=phone>");
    struct passport_spec ps = {
        .ppt = "shaken", .x5u = X5U_A, .attest = "A", .origid = "6f3a8d9c-4e5b-4c7d-8ebf-2a3b4c5d6e05",
        .orig = "12025550105", .dest = {"12025550199"}, .iat = iat_of(start)};
    set_date(&d, ps.iat);
    char *tok = sign_checked(s, false, &ps);
    free(add_identity(&d, "Identity", tok, &ps));
    truth_shaken(&t, tok, &ps);
    snprintf(t.identity_header, sizeof t.identity_header, "Identity");
    snprintf(t.ppt, sizeof t.ppt, "shaken");
    set_tn(t.ruri_tn, sizeof t.ruri_tn, d.ruri, "12025550199");
    set_tn(t.from_tn, sizeof t.from_tn, d.from, "12025550105");
    set_tn(t.to_tn, sizeof t.to_tn, d.to, "12025550199");
    set_tn(t.pai_tn, sizeof t.pai_tn, d.pai, "12025550105");

    struct tcpconn c = {.s = s, .cli = d.uac, .srv = d.uas, .cli_next = 0x3c1a0000u, .srv_next = 0x7e550000u};
    const uint8_t PA = TCPF_PSH | TCPF_ACK;
    tcp_seg(&c, start, true, TCPF_SYN, NULL, 0);
    tcp_seg(&c, start + 1000, false, TCPF_SYN | TCPF_ACK, NULL, 0);
    tcp_seg(&c, start + 2000, true, TCPF_ACK, NULL, 0);

    /* The INVITE in three segments: the first cut falls inside the
     * Identity token, the second inside the SDP body.  The message is
     * complete (and counted) with the third. */
    build_invite(&d.invite, &d);
    const char *txt = (const char *)d.invite.text.p;
    size_t len = d.invite.text.n;
    const char *id = strstr(txt, "\r\nIdentity: ");
    if (!id)
        die("scenario bug: no Identity in the TCP INVITE");
    size_t cut1 = (size_t)(id - txt) + 2 + 10 + 97, cut2 = len - 61;
    tcp_seg(&c, start + 3000, true, PA, txt, cut1);
    struct pkt *seg2 = tcp_seg(&c, start + 4000, true, PA, txt + cut1, cut2 - cut1);
    uint32_t seg2_seq = seg2->seq, seg2_ack = seg2->ack; /* new_pkt may move seg2 */
    struct pkt *seg3 = tcp_seg(&c, start + 5000, true, PA, txt + cut2, len - cut2);
    pkt_attach(seg3, &d.invite.ref);
    tcp_seg(&c, start + 6000, false, TCPF_ACK, NULL, 0);

    /* 100 Trying and 180 Ringing coalesced into one segment. */
    struct msg m100 = {0}, m180 = {0};
    build_response(&m100, &d, 100, "Trying", d.cseq, "INVITE", d.branch);
    build_response(&m180, &d, 180, "Ringing", d.cseq, "INVITE", d.branch);
    struct buf both = {0};
    buf_put(&both, m100.text.p, m100.text.n);
    buf_put(&both, m180.text.p, m180.text.n);
    struct pkt *p = tcp_seg(&c, start + 10000, false, PA, both.p, both.n);
    pkt_attach(p, &m100.ref);
    pkt_attach(p, &m180.ref);

    /* The second INVITE segment again, same sequence number, same bytes
     * (its ACK was lost): a duplicate, not a second INVITE. */
    p = new_pkt(s, start + 11000, IPPROTO_TCP_, c.cli, c.srv);
    p->seq = seg2_seq;
    p->ack = seg2_ack;
    p->tcp_flags = PA;
    buf_put(&p->payload, txt + cut1, cut2 - cut1);
    tcp_seg(&c, start + 12000, true, TCPF_ACK, NULL, 0);

    struct msg m;
    memset(&m, 0, sizeof m);
    build_response(&m, &d, 200, "OK", d.cseq, "INVITE", d.branch);
    p = tcp_seg(&c, start + 1200000, false, PA, m.text.p, m.text.n);
    pkt_attach(p, &m.ref);
    buf_free(&m.text);

    memset(&m, 0, sizeof m);
    build_request(&m, &d, "ACK", false);
    p = tcp_seg(&c, start + 1202000, true, PA, m.text.p, m.text.n);
    pkt_attach(p, &m.ref);
    buf_free(&m.text);
    tcp_seg(&c, start + 1203000, false, TCPF_ACK, NULL, 0);

    memset(&m, 0, sizeof m);
    build_request(&m, &d, "BYE", false);
    char bye_branch[40];
    memcpy(bye_branch, d.last_branch, sizeof bye_branch);
    unsigned bye_cseq = m.ref.cseq;
    p = tcp_seg(&c, start + 2700000, true, PA, m.text.p, m.text.n);
    pkt_attach(p, &m.ref);
    buf_free(&m.text);

    memset(&m, 0, sizeof m);
    build_response(&m, &d, 200, "OK", bye_cseq, "BYE", bye_branch);
    p = tcp_seg(&c, start + 2702000, false, PA, m.text.p, m.text.n);
    pkt_attach(p, &m.ref);
    buf_free(&m.text);
    tcp_seg(&c, start + 2703000, true, TCPF_ACK, NULL, 0);

    buf_free(&m100.text), buf_free(&m180.text), buf_free(&both);
    add_truth(s, &t);
    dlg_free(&d);
    free(tok);
}

/* Call 7: compact header names, y: for Identity, odd ports, attest B by
 * the second signer, verstat as a From URI parameter. */
static void call_compact_y(struct scen *s, uint64_t start)
{
    static const struct step flow[] = {
        {0, S_INVITE, 0, NULL},
        {2, S_RESP, 100, "Trying"},
        {300, S_RESP, 603, "Decline"},
        {302, S_ACK, 0, NULL},
    };
    struct dlg d;
    struct call_truth t = {.call_id = "call-compact-y@orig.example.net"};
    char h[64];
    dlg_init(&d, s, 7, t.call_id, (struct ep){H_ORIG, 5080}, (struct ep){H_SBC, 15060});
    d.compact = true;
    snprintf(d.ruri, sizeof d.ruri, "sip:+12025550199@%s:15060;user=phone", host(s, H_SBC, h));
    snprintf(d.from, sizeof d.from,
             "<sip:+12025550107@orig.example.net;user=phone;verstat=TN-Validation-Failed>;tag=cmp-7");
    snprintf(d.to, sizeof d.to, "<sip:+12025550199@term.example.net;user=phone>");
    struct passport_spec ps = {
        .ppt = "shaken", .x5u = X5U_B, .attest = "B", .origid = "7a4b9eac-5f6c-4d8e-9fca-3b4c5d6e7f07",
        .orig = "12025550107", .dest = {"12025550199"}, .iat = iat_of(start)};
    char *tok = sign_checked(s, true, &ps);
    free(add_identity(&d, "y", tok, &ps));
    truth_shaken(&t, tok, &ps);
    snprintf(t.identity_header, sizeof t.identity_header, "y");
    snprintf(t.ppt, sizeof t.ppt, "shaken");
    snprintf(t.verstat, sizeof t.verstat, "TN-Validation-Failed");
    set_tn(t.ruri_tn, sizeof t.ruri_tn, d.ruri, "12025550199");
    set_tn(t.from_tn, sizeof t.from_tn, d.from, "12025550107");
    set_tn(t.to_tn, sizeof t.to_tn, d.to, "12025550199");
    run_flow(&d, start, flow, ARRAY_LEN(flow));
    add_truth(s, &t);
    dlg_free(&d);
    free(tok);
}

/* Call 8: a vendor's X-Identity header with the same value syntax. */
static void call_xidentity(struct scen *s, uint64_t start)
{
    struct dlg d;
    struct call_truth t = {.call_id = "call-xidentity@sippy.example.com"};
    char h[64];
    dlg_init(&d, s, 8, t.call_id, (struct ep){H_SIPPY, 5060}, (struct ep){H_SBC, 5060});
    snprintf(d.ruri, sizeof d.ruri, "sip:+12025550199@%s;user=phone", host(s, H_SBC, h));
    snprintf(d.from, sizeof d.from, "<sip:+12025550108@sippy.example.com;user=phone>;tag=sippy-8");
    snprintf(d.to, sizeof d.to, "<sip:+12025550199@term.example.net;user=phone>");
    snprintf(d.pai, sizeof d.pai, "<sip:+12025550108@sippy.example.com;user=phone>");
    struct passport_spec ps = {
        .ppt = "shaken", .x5u = X5U_A, .attest = "A", .origid = "8b5cafbd-6a7d-4e9f-8adb-4c5d6e7f8a08",
        .orig = "12025550108", .dest = {"12025550199"}, .iat = iat_of(start)};
    set_date(&d, ps.iat);
    char *tok = sign_checked(s, false, &ps);
    free(add_identity(&d, "X-Identity", tok, &ps));
    truth_shaken(&t, tok, &ps);
    snprintf(t.identity_header, sizeof t.identity_header, "X-Identity");
    snprintf(t.ppt, sizeof t.ppt, "shaken");
    set_tn(t.ruri_tn, sizeof t.ruri_tn, d.ruri, "12025550199");
    set_tn(t.from_tn, sizeof t.from_tn, d.from, "12025550108");
    set_tn(t.to_tn, sizeof t.to_tn, d.to, "12025550199");
    set_tn(t.pai_tn, sizeof t.pai_tn, d.pai, "12025550108");
    run_flow(&d, start, FLOW_ANSWER, ARRAY_LEN(FLOW_ANSWER));
    add_truth(s, &t);
    dlg_free(&d);
    free(tok);
}

/* Call 9: a diverted call, div PASSporT (RFC 8946) first, then shaken. */
static void call_div(struct scen *s, uint64_t start)
{
    struct dlg d;
    struct call_truth t = {.call_id = "call-div@orig.example.net"};
    char h[64];
    dlg_init(&d, s, 9, t.call_id, (struct ep){H_ORIG, 5060}, (struct ep){H_SBC, 5060});
    snprintf(d.ruri, sizeof d.ruri, "sip:+12025550177@%s;user=phone", host(s, H_SBC, h));
    snprintf(d.from, sizeof d.from, "\"Alice\" <sip:+12025550101@orig.example.net;user=phone>;tag=dv-9");
    snprintf(d.to, sizeof d.to, "<sip:+12025550177@term.example.net;user=phone>");
    snprintf(d.pai, sizeof d.pai, "<sip:+12025550101@orig.example.net;user=phone>");
    struct passport_spec div = {
        .ppt = "div", .x5u = X5U_A, .orig = "12025550101", .dest = {"12025550177"}, .div = "12025550199",
        .iat = iat_of(start)};
    struct passport_spec ps = {
        .ppt = "shaken", .x5u = X5U_A, .attest = "A", .origid = "9c6db0ce-7b8e-4fa0-9bec-5d6e7f8a9b09",
        .orig = "12025550101", .dest = {"12025550199"}, .iat = iat_of(start)};
    set_date(&d, ps.iat);
    char *dtok = sign_checked(s, false, &div);
    char *tok = sign_checked(s, false, &ps);
    free(add_identity(&d, "Identity", dtok, &div));
    free(add_identity(&d, "Identity", tok, &ps));
    truth_shaken(&t, tok, &ps);
    snprintf(t.identity_header, sizeof t.identity_header, "Identity");
    snprintf(t.ppt, sizeof t.ppt, "div;shaken");
    set_tn(t.ruri_tn, sizeof t.ruri_tn, d.ruri, "12025550177");
    set_tn(t.from_tn, sizeof t.from_tn, d.from, "12025550101");
    set_tn(t.to_tn, sizeof t.to_tn, d.to, "12025550177");
    set_tn(t.pai_tn, sizeof t.pai_tn, d.pai, "12025550101");
    run_flow(&d, start, FLOW_ANSWER, ARRAY_LEN(FLOW_ANSWER));
    add_truth(s, &t);
    dlg_free(&d);
    free(tok), free(dtok);
}

/* Call 10: rcd and shaken comma-joined in ONE Identity header, folded
 * before the shaken value's ;info (RFC 3261 §7.3.1 line folding). */
static void call_folded(struct scen *s, uint64_t start)
{
    struct dlg d;
    struct call_truth t = {.call_id = "call-folded@orig.example.net"};
    char h[64];
    dlg_init(&d, s, 10, t.call_id, (struct ep){H_ORIG, 5060}, (struct ep){H_SBC, 5060});
    snprintf(d.ruri, sizeof d.ruri, "sip:+12025550199@%s;user=phone", host(s, H_SBC, h));
    snprintf(d.from, sizeof d.from, "\"Example Bank\" <sip:+12025550110@orig.example.net;user=phone>;tag=fld-10");
    snprintf(d.to, sizeof d.to, "<sip:+12025550199@term.example.net;user=phone>");
    snprintf(d.pai, sizeof d.pai, "<sip:+12025550110@orig.example.net;user=phone>");
    struct passport_spec rcd = {
        .ppt = "rcd", .x5u = X5U_A, .orig = "12025550110", .dest = {"12025550199"}, .rcd_nam = "Example Bank",
        .iat = iat_of(start)};
    struct passport_spec ps = {
        .ppt = "shaken", .x5u = X5U_A, .attest = "A", .origid = "ad7ec1df-8c9f-40b1-8cfd-6e7f8a9b0c10",
        .orig = "12025550110", .dest = {"12025550199"}, .iat = iat_of(start)};
    set_date(&d, ps.iat);
    char *rtok = sign_checked(s, false, &rcd);
    char *tok = sign_checked(s, false, &ps);
    char *rval = identity_value(rtok, rcd.x5u, rcd.ppt);
    buf_printf(&d.ident, "Identity: %s,%s\r\n ;info=<%s>;alg=ES256;ppt=shaken\r\n", rval, tok, ps.x5u);
    truth_shaken(&t, tok, &ps);
    snprintf(t.identity_header, sizeof t.identity_header, "Identity");
    snprintf(t.ppt, sizeof t.ppt, "rcd;shaken");
    set_tn(t.ruri_tn, sizeof t.ruri_tn, d.ruri, "12025550199");
    set_tn(t.from_tn, sizeof t.from_tn, d.from, "12025550110");
    set_tn(t.to_tn, sizeof t.to_tn, d.to, "12025550199");
    set_tn(t.pai_tn, sizeof t.pai_tn, d.pai, "12025550110");
    run_flow(&d, start, FLOW_ANSWER, ARRAY_LEN(FLOW_ANSWER));
    add_truth(s, &t);
    dlg_free(&d);
    free(tok), free(rtok), free(rval);
}

/* Call 11: a shaken token with an illegal base64url character ('*') in
 * its payload part: undecodable, so only the ppt= parameter is known. */
static void call_badb64(struct scen *s, uint64_t start)
{
    struct dlg d;
    struct call_truth t = {.call_id = "call-badb64@orig.example.net"};
    char h[64];
    dlg_init(&d, s, 11, t.call_id, (struct ep){H_ORIG, 5060}, (struct ep){H_SBC, 5060});
    snprintf(d.ruri, sizeof d.ruri, "sip:+12025550199@%s;user=phone", host(s, H_SBC, h));
    snprintf(d.from, sizeof d.from, "<sip:+12025550111@orig.example.net;user=phone>;tag=bad-11");
    snprintf(d.to, sizeof d.to, "<sip:+12025550199@term.example.net;user=phone>");
    snprintf(d.pai, sizeof d.pai, "<sip:+12025550111@orig.example.net;user=phone>");
    struct passport_spec ps = {
        .ppt = "shaken", .x5u = X5U_A, .attest = "A", .origid = "be8fd2e0-9da0-41c2-9d0e-7f8a9b0c1d11",
        .orig = "12025550111", .dest = {"12025550199"}, .iat = iat_of(start)};
    set_date(&d, ps.iat);
    char *tok = sign_checked(s, false, &ps);
    char *payload = strchr(tok, '.') + 1;
    payload[20] = '*';
    struct buf junk = {0};
    if (b64url_decode(payload, (size_t)(strchr(payload, '.') - payload), &junk))
        die("scenario bug: corrupted payload still decodes");
    buf_free(&junk);
    free(add_identity(&d, "Identity", tok, &ps));
    snprintf(t.identity_header, sizeof t.identity_header, "Identity");
    snprintf(t.ppt, sizeof t.ppt, "shaken");
    set_tn(t.ruri_tn, sizeof t.ruri_tn, d.ruri, "12025550199");
    set_tn(t.from_tn, sizeof t.from_tn, d.from, "12025550111");
    set_tn(t.to_tn, sizeof t.to_tn, d.to, "12025550199");
    set_tn(t.pai_tn, sizeof t.pai_tn, d.pai, "12025550111");
    run_flow(&d, start, FLOW_ANSWER, ARRAY_LEN(FLOW_ANSWER));
    add_truth(s, &t);
    dlg_free(&d);
    free(tok);
}

/* Call 12: a Call-ID built to be a spreadsheet formula, and a display name
 * with a comma and quotes: CSV quoting and injection defence. */
static void call_formula(struct scen *s, uint64_t start)
{
    static const struct step flow[] = {
        {0, S_INVITE, 0, NULL},
        {2, S_RESP, 100, "Trying"},
        {50, S_RESP, 404, "Not Found"},
        {52, S_ACK, 0, NULL},
    };
    struct dlg d;
    struct call_truth t = {.call_id = "=HYPERLINK(\"http://evil\")@attacker.example"};
    char h[64];
    dlg_init(&d, s, 12, t.call_id, (struct ep){H_EVIL, 5060}, (struct ep){H_SBC, 5060});
    snprintf(d.ruri, sizeof d.ruri, "sip:+12025550404@%s;user=phone", host(s, H_SBC, h));
    snprintf(d.from, sizeof d.from, "\"Evil, \\\"Corp\\\"\" <sip:+12025550166@attacker.example;user=phone>;tag=ev-12");
    snprintf(d.to, sizeof d.to, "<sip:+12025550404@term.example.net;user=phone>");
    struct passport_spec ps = {
        .ppt = "shaken", .x5u = X5U_A, .attest = "C", .origid = "cf90e3f1-aeb1-42d3-8e1f-8a9b0c1d2e12",
        .orig = "12025550166", .dest = {"12025550404"}, .iat = iat_of(start)};
    set_date(&d, ps.iat);
    char *tok = sign_checked(s, false, &ps);
    free(add_identity(&d, "Identity", tok, &ps));
    truth_shaken(&t, tok, &ps);
    snprintf(t.identity_header, sizeof t.identity_header, "Identity");
    snprintf(t.ppt, sizeof t.ppt, "shaken");
    set_tn(t.ruri_tn, sizeof t.ruri_tn, d.ruri, "12025550404");
    set_tn(t.from_tn, sizeof t.from_tn, d.from, "12025550166");
    set_tn(t.to_tn, sizeof t.to_tn, d.to, "12025550404");
    run_flow(&d, start, flow, ARRAY_LEN(flow));
    add_truth(s, &t);
    dlg_free(&d);
    free(tok);
}

/* ---- non-call traffic --------------------------------------------------------------- */

static void register_and_options(struct scen *s, uint64_t t_reg, uint64_t t_opt)
{
    char hp[64], hs[64], ho[64];
    struct ep pbx = {H_PBX, 5060}, sbc = {H_SBC, 5060}, orig = {H_ORIG, 5060};
    host(s, H_PBX, hp);
    host(s, H_SBC, hs);
    host(s, H_ORIG, ho);
    struct buf b = {0};
    struct msgref r = {.call_id = "reg-1@ua", .request = true, .method = "REGISTER", .cseq = 1,
                       .cseq_method = "REGISTER"};
    buf_printf(&b,
               "REGISTER sip:%s SIP/2.0\r\n"
               "Via: SIP/2.0/UDP %s:5060;branch=z9hG4bKreg0001\r\n"
               "Max-Forwards: 70\r\n"
               "From: <sip:2025550144@pbx.example.org>;tag=reg-77\r\n"
               "To: <sip:2025550144@pbx.example.org>\r\n"
               "Call-ID: reg-1@ua\r\n"
               "CSeq: 1 REGISTER\r\n"
               "Contact: <sip:2025550144@%s:5060>\r\n"
               "Expires: 3600\r\n"
               "Content-Length: 0\r\n\r\n",
               hs, hp, hp);
    udp_send(s, t_reg, pbx, sbc, b.p, b.n, &r);
    b.n = 0;
    r = (struct msgref){.call_id = "reg-1@ua", .code = 200, .cseq = 1, .cseq_method = "REGISTER"};
    buf_printf(&b,
               "SIP/2.0 200 OK\r\n"
               "Via: SIP/2.0/UDP %s:5060;branch=z9hG4bKreg0001\r\n"
               "From: <sip:2025550144@pbx.example.org>;tag=reg-77\r\n"
               "To: <sip:2025550144@pbx.example.org>;tag=sbc-reg1\r\n"
               "Call-ID: reg-1@ua\r\n"
               "CSeq: 1 REGISTER\r\n"
               "Contact: <sip:2025550144@%s:5060>;expires=3600\r\n"
               "Content-Length: 0\r\n\r\n",
               hp, hp);
    udp_send(s, t_reg + 2000, sbc, pbx, b.p, b.n, &r);

    /* An OPTIONS keepalive from our SBC to a peer. */
    b.n = 0;
    r = (struct msgref){.call_id = "opt-1@sbc.term.example.net", .request = true, .method = "OPTIONS",
                        .cseq = 1, .cseq_method = "OPTIONS"};
    buf_printf(&b,
               "OPTIONS sip:%s:5060 SIP/2.0\r\n"
               "Via: SIP/2.0/UDP %s:5060;branch=z9hG4bKopt0001\r\n"
               "Max-Forwards: 70\r\n"
               "From: <sip:ping@term.example.net>;tag=ka-1\r\n"
               "To: <sip:%s:5060>\r\n"
               "Call-ID: opt-1@sbc.term.example.net\r\n"
               "CSeq: 1 OPTIONS\r\n"
               "Accept: application/sdp\r\n"
               "Content-Length: 0\r\n\r\n",
               ho, hs, ho);
    udp_send(s, t_opt, sbc, orig, b.p, b.n, &r);
    b.n = 0;
    r = (struct msgref){.call_id = "opt-1@sbc.term.example.net", .code = 200, .cseq = 1,
                        .cseq_method = "OPTIONS"};
    buf_printf(&b,
               "SIP/2.0 200 OK\r\n"
               "Via: SIP/2.0/UDP %s:5060;branch=z9hG4bKopt0001\r\n"
               "From: <sip:ping@term.example.net>;tag=ka-1\r\n"
               "To: <sip:%s:5060>;tag=orig-ka\r\n"
               "Call-ID: opt-1@sbc.term.example.net\r\n"
               "CSeq: 1 OPTIONS\r\n"
               "Allow: INVITE, ACK, CANCEL, BYE, OPTIONS\r\n"
               "Accept: application/sdp\r\n"
               "Content-Length: 0\r\n\r\n",
               hs, ho);
    udp_send(s, t_opt + 10000, orig, sbc, b.p, b.n, &r);
    buf_free(&b);
}

/* A DNS A query for the x5u host (RFC 1035 §4): the kind of UDP a probe on
 * an SBC's port sees all day. */
static void dns_query(struct scen *s, uint64_t t)
{
    struct buf b = {0};
    buf_be16(&b, (uint16_t)rng_next(&s->rng)); /* id */
    buf_be16(&b, 0x0100);                      /* standard query, RD */
    buf_be16(&b, 1), buf_be16(&b, 0), buf_be16(&b, 0), buf_be16(&b, 0);
    static const char *const labels[] = {"certs", "stirprobe", "test"};
    for (size_t i = 0; i < ARRAY_LEN(labels); i++) {
        buf_u8(&b, (uint8_t)strlen(labels[i]));
        buf_str(&b, labels[i]);
    }
    buf_u8(&b, 0);
    buf_be16(&b, 1); /* A */
    buf_be16(&b, 1); /* IN */
    udp_send(s, t, (struct ep){H_SBC, 53001}, (struct ep){H_DNS, 53}, b.p, b.n, NULL);
    buf_free(&b);
}

/* Binary junk to port 5060: must be skipped, not parsed as SIP. */
static void junk_5060(struct scen *s, uint64_t t)
{
    struct buf b = {0};
    buf_u8(&b, 0x00);
    buf_u8(&b, 0xff);
    for (int i = 0; i < 46; i++)
        buf_u8(&b, (uint8_t)(rng_next(&s->rng) | 0x80)); /* no ASCII: cannot look like SIP */
    udp_send(s, t, (struct ep){H_JUNK, 5060}, (struct ep){H_SBC, 5060}, b.p, b.n, NULL);
    buf_free(&b);
}

/* ---- the tcp scenario: SIP over TCP as a passive probe sees it ---------------------------
 *
 * Each call runs on its own connection (call 26 shares one with a second dialog),
 * and each one stresses a different part of stream reassembly.  A message's truth
 * is attached to the packet whose arrival completes it *in sequence order*: for
 * reordered segments that is the late one that fills the hole, and data held
 * behind a hole that is never filled is completed by the packet that makes the
 * reader give the hole up (the FIN). */

/* A segment at an explicit sequence number (retransmission, overlap, reordering);
 * the connection's next sequence numbers are left alone. */
static struct pkt *tcp_seg_at(struct tcpconn *c, uint64_t t, bool from_cli, uint8_t flags, uint32_t seq,
                              const void *d, size_t n)
{
    struct pkt *p = new_pkt(c->s, t, IPPROTO_TCP_, from_cli ? c->cli : c->srv, from_cli ? c->srv : c->cli);
    p->seq = seq;
    p->ack = from_cli ? c->srv_next : c->cli_next;
    p->tcp_flags = flags;
    buf_put(&p->payload, d, n);
    return p;
}

static void tcp_open(struct tcpconn *c, uint64_t t)
{
    tcp_seg(c, t, true, TCPF_SYN, NULL, 0);
    tcp_seg(c, t + 300, false, TCPF_SYN | TCPF_ACK, NULL, 0);
    tcp_seg(c, t + 600, true, TCPF_ACK, NULL, 0);
}

/* Orderly release (RFC 9293 §3.6): FIN from one side, FIN back, last ACK. */
static void tcp_fin(struct tcpconn *c, uint64_t t, bool cli_first)
{
    tcp_seg(c, t, cli_first, TCPF_FIN | TCPF_ACK, NULL, 0);
    tcp_seg(c, t + 400, !cli_first, TCPF_FIN | TCPF_ACK, NULL, 0);
    tcp_seg(c, t + 800, cli_first, TCPF_ACK, NULL, 0);
}

/* One whole message in one segment; its truth goes with it. */
static void tcp_msg(struct tcpconn *c, uint64_t t, bool from_cli, struct msg *m)
{
    pkt_attach(tcp_seg(c, t, from_cli, TCPF_PSH | TCPF_ACK, m->text.p, m->text.n), &m->ref);
    buf_free(&m->text);
}

static size_t find_cut(const struct buf *b, const char *needle, size_t plus)
{
    const char *hit = strstr((const char *)b->p, needle);
    if (!hit || (size_t)(hit - (const char *)b->p) + plus >= b->n)
        die("scenario bug: no '%s' to cut at", needle);
    return (size_t)(hit - (const char *)b->p) + plus;
}

/* What differs between the signed TCP calls. */
struct tcp_call {
    int no;
    const char *call_id;
    struct ep uac;
    const char *orig, *dest; /* TNs */
    const char *attest, *origid;
    bool key_b, compact, no_pai, div;
    const char *pai_verstat; /* NULL: none */
};

/* Sets up a signed dialog over TCP and its truth record. Returns the token. */
static char *tcp_call_setup(struct scen *s, struct dlg *d, struct call_truth *t, const struct tcp_call *tc,
                            uint64_t start)
{
    char h[64];
    memset(t, 0, sizeof *t);
    t->call_id = tc->call_id;
    dlg_init(d, s, tc->no, tc->call_id, tc->uac, (struct ep){H_SBC, 5060});
    d->tcp = true;
    d->compact = tc->compact;
    snprintf(d->ruri, sizeof d->ruri, "sip:+%s@%s:5060;user=phone;transport=tcp", tc->dest, host(s, H_SBC, h));
    snprintf(d->from, sizeof d->from, "<sip:+%s@orig.example.net;user=phone>;tag=tcp-%d", tc->orig, tc->no);
    snprintf(d->to, sizeof d->to, "<sip:+%s@term.example.net;user=phone>", tc->dest);
    if (!tc->no_pai)
        snprintf(d->pai, sizeof d->pai, "<sip:+%s%s%s@orig.example.net;user=phone>", tc->orig,
                 tc->pai_verstat ? ";verstat=" : "", tc->pai_verstat ? tc->pai_verstat : "");
    struct passport_spec ps = {
        .ppt = "shaken", .x5u = tc->key_b ? X5U_B : X5U_A, .attest = tc->attest, .origid = tc->origid,
        .orig = tc->orig, .dest = {tc->dest}, .iat = iat_of(start)};
    set_date(d, ps.iat);
    if (tc->div) {
        struct passport_spec dv = {
            .ppt = "div", .x5u = ps.x5u, .orig = tc->orig, .dest = {tc->dest}, .div = "12025550100",
            .iat = ps.iat};
        char *dtok = sign_checked(s, tc->key_b, &dv);
        free(add_identity(d, "Identity", dtok, &dv));
        free(dtok);
    }
    char *tok = sign_checked(s, tc->key_b, &ps);
    free(add_identity(d, tc->compact ? "y" : "Identity", tok, &ps));
    truth_shaken(t, tok, &ps);
    snprintf(t->identity_header, sizeof t->identity_header, "%s", tc->compact ? "y" : "Identity");
    snprintf(t->ppt, sizeof t->ppt, "%s", tc->div ? "div;shaken" : "shaken");
    if (tc->pai_verstat)
        snprintf(t->verstat, sizeof t->verstat, "%s", tc->pai_verstat);
    set_tn(t->ruri_tn, sizeof t->ruri_tn, d->ruri, tc->dest);
    set_tn(t->from_tn, sizeof t->from_tn, d->from, tc->orig);
    set_tn(t->to_tn, sizeof t->to_tn, d->to, tc->dest);
    if (!tc->no_pai)
        set_tn(t->pai_tn, sizeof t->pai_tn, d->pai, tc->orig);
    return tok;
}

/* ACK for the 2xx, BYE and its 200: the end of an answered call. */
static void tcp_hangup(struct tcpconn *c, struct dlg *d, uint64_t t_ack, uint64_t t_bye)
{
    struct msg m = {0};
    build_request(&m, d, "ACK", false);
    tcp_msg(c, t_ack, true, &m);
    memset(&m, 0, sizeof m);
    build_request(&m, d, "BYE", false);
    char br[40];
    memcpy(br, d->last_branch, sizeof br);
    unsigned cseq = m.ref.cseq;
    tcp_msg(c, t_bye, true, &m);
    memset(&m, 0, sizeof m);
    build_response(&m, d, 200, "OK", cseq, "BYE", br);
    tcp_msg(c, t_bye + 3000, false, &m);
}

/* Call 21: the INVITE in four segments (cut inside From, inside the Identity token,
 * inside the SDP body), the 200 OK in two (cut in its body), RFC 5626 CRLF
 * keep-alive ping/pong while ringing, FIN close. */
static void tcp_split(struct scen *s, uint64_t start)
{
    static const struct tcp_call tc = {
        .no = 21, .call_id = "tcp-split@orig.example.net", .uac = {H_ORIG, 40021}, .orig = "12025550121",
        .dest = "12025550199", .attest = "A", .origid = "1a2b3c4d-0021-4e5f-8a9b-0c1d2e3f4a21"};
    struct dlg d;
    struct call_truth t;
    char *tok = tcp_call_setup(s, &d, &t, &tc, start);
    struct tcpconn c = {.s = s, .cli = d.uac, .srv = d.uas, .cli_next = 0x11110000u, .srv_next = 0x99990000u};
    tcp_open(&c, start);
    build_invite(&d.invite, &d);
    const struct buf *inv = &d.invite.text;
    size_t cut[5] = {0, find_cut(inv, "\r\nFrom: ", 12), find_cut(inv, "\r\nIdentity: ", 2 + 10 + 60),
                     inv->n - 40, inv->n};
    struct pkt *p = NULL;
    for (int i = 0; i < 4; i++)
        p = tcp_seg(&c, start + 1000 + (uint64_t)i * 700, true, TCPF_PSH | TCPF_ACK, inv->p + cut[i],
                    cut[i + 1] - cut[i]);
    pkt_attach(p, &d.invite.ref);

    struct msg m = {0};
    build_response(&m, &d, 100, "Trying", d.cseq, "INVITE", d.branch);
    tcp_msg(&c, start + 5000, false, &m);
    memset(&m, 0, sizeof m);
    build_response(&m, &d, 180, "Ringing", d.cseq, "INVITE", d.branch);
    tcp_msg(&c, start + 30000, false, &m);
    tcp_seg(&c, start + 900000, true, TCPF_PSH | TCPF_ACK, "\r\n\r\n", 4); /* ping */
    tcp_seg(&c, start + 901000, false, TCPF_PSH | TCPF_ACK, "\r\n", 2);    /* pong */
    memset(&m, 0, sizeof m);
    build_response(&m, &d, 200, "OK", d.cseq, "INVITE", d.branch);
    size_t half = m.text.n - 30;
    tcp_seg(&c, start + 1500000, false, TCPF_PSH | TCPF_ACK, m.text.p, half);
    pkt_attach(tcp_seg(&c, start + 1500400, false, TCPF_PSH | TCPF_ACK, m.text.p + half, m.text.n - half),
               &m.ref);
    buf_free(&m.text);
    tcp_hangup(&c, &d, start + 1506000, start + 3000000);
    tcp_fin(&c, start + 3100000, true);
    add_truth(s, &t);
    dlg_free(&d);
    free(tok);
}

/* Call 22: several messages per segment. A keep-alive and the INVITE in one
 * segment; 100, 180 and 200 in one; ACK and BYE in one; the server resets. */
static void tcp_coalesced(struct scen *s, uint64_t start)
{
    static const struct tcp_call tc = {
        .no = 22, .call_id = "tcp-coalesced@gw.example.net", .uac = {H_GW, 40022}, .orig = "12025550122",
        .dest = "12025550188", .attest = "C", .origid = "2b3c4d5e-0022-4f60-9bac-1d2e3f4a5b22", .no_pai = true};
    struct dlg d;
    struct call_truth t;
    char *tok = tcp_call_setup(s, &d, &t, &tc, start);
    struct tcpconn c = {.s = s, .cli = d.uac, .srv = d.uas, .cli_next = 0xfffffe00u, .srv_next = 0x22220000u};
    tcp_open(&c, start); /* the client's sequence numbers wrap past 2^32 in the INVITE */
    build_invite(&d.invite, &d);
    struct buf b = {0};
    buf_put(&b, "\r\n\r\n", 4);
    buf_put(&b, d.invite.text.p, d.invite.text.n);
    pkt_attach(tcp_seg(&c, start + 1000, true, TCPF_PSH | TCPF_ACK, b.p, b.n), &d.invite.ref);

    struct msg r1 = {0}, r2 = {0}, r3 = {0};
    build_response(&r1, &d, 100, "Trying", d.cseq, "INVITE", d.branch);
    build_response(&r2, &d, 180, "Ringing", d.cseq, "INVITE", d.branch);
    build_response(&r3, &d, 200, "OK", d.cseq, "INVITE", d.branch);
    b.n = 0;
    buf_put(&b, r1.text.p, r1.text.n);
    buf_put(&b, r2.text.p, r2.text.n);
    buf_put(&b, r3.text.p, r3.text.n);
    struct pkt *p = tcp_seg(&c, start + 400000, false, TCPF_PSH | TCPF_ACK, b.p, b.n);
    pkt_attach(p, &r1.ref), pkt_attach(p, &r2.ref), pkt_attach(p, &r3.ref);

    struct msg ack = {0}, bye = {0}, ok = {0};
    build_request(&ack, &d, "ACK", false);
    build_request(&bye, &d, "BYE", false);
    build_response(&ok, &d, 200, "OK", bye.ref.cseq, "BYE", d.last_branch);
    b.n = 0;
    buf_put(&b, ack.text.p, ack.text.n);
    buf_put(&b, bye.text.p, bye.text.n);
    p = tcp_seg(&c, start + 402000, true, TCPF_PSH | TCPF_ACK, b.p, b.n);
    pkt_attach(p, &ack.ref), pkt_attach(p, &bye.ref);
    b.n = 0;
    buf_put(&b, ok.text.p, ok.text.n);
    buf_put(&b, "\r\n\r\n", 4); /* a keep-alive after the last message */
    pkt_attach(tcp_seg(&c, start + 405000, false, TCPF_PSH | TCPF_ACK, b.p, b.n), &ok.ref);
    tcp_seg(&c, start + 406000, false, TCPF_RST | TCPF_ACK, NULL, 0);
    buf_free(&b);
    buf_free(&r1.text), buf_free(&r2.text), buf_free(&r3.text);
    buf_free(&ack.text), buf_free(&bye.text), buf_free(&ok.text);
    add_truth(s, &t);
    dlg_free(&d);
    free(tok);
}

/* Call 23: retransmissions. The INVITE's second segment sent twice; the whole
 * 180 segment again; the 200 OK re-segmented so that its second segment repeats
 * the last 25 bytes of the first (overlap). Compact headers, y: Identity. */
static void tcp_retransmit(struct scen *s, uint64_t start)
{
    static const struct tcp_call tc = {
        .no = 23, .call_id = "tcp-retransmit@sippy.example.com", .uac = {H_SIPPY, 40023},
        .orig = "12025550123", .dest = "12025550199", .attest = "B",
        .origid = "3c4d5e6f-0023-4071-8cbd-2e3f4a5b6c23", .key_b = true, .compact = true};
    struct dlg d;
    struct call_truth t;
    char *tok = tcp_call_setup(s, &d, &t, &tc, start);
    struct tcpconn c = {.s = s, .cli = d.uac, .srv = d.uas, .cli_next = 0x33330000u, .srv_next = 0x7ffffff0u};
    tcp_open(&c, start);
    build_invite(&d.invite, &d);
    const struct buf *inv = &d.invite.text;
    size_t cut = find_cut(inv, "\r\ny: ", 2 + 3 + 80);
    tcp_seg(&c, start + 1000, true, TCPF_PSH | TCPF_ACK, inv->p, cut);
    struct pkt *p = tcp_seg(&c, start + 1400, true, TCPF_PSH | TCPF_ACK, inv->p + cut, inv->n - cut);
    uint32_t seq2 = p->seq;
    pkt_attach(p, &d.invite.ref);
    tcp_seg_at(&c, start + 201400, true, TCPF_PSH | TCPF_ACK, seq2, inv->p + cut, inv->n - cut);

    struct msg m = {0};
    build_response(&m, &d, 100, "Trying", d.cseq, "INVITE", d.branch);
    tcp_msg(&c, start + 202000, false, &m);
    memset(&m, 0, sizeof m);
    build_response(&m, &d, 180, "Ringing", d.cseq, "INVITE", d.branch);
    p = tcp_seg(&c, start + 230000, false, TCPF_PSH | TCPF_ACK, m.text.p, m.text.n);
    pkt_attach(p, &m.ref);
    tcp_seg_at(&c, start + 530000, false, TCPF_PSH | TCPF_ACK, p->seq, m.text.p, m.text.n);
    buf_free(&m.text);

    memset(&m, 0, sizeof m);
    build_response(&m, &d, 200, "OK", d.cseq, "INVITE", d.branch);
    size_t a = m.text.n - 60, back = 25;
    uint32_t s200 = c.srv_next;
    tcp_seg_at(&c, start + 1200000, false, TCPF_PSH | TCPF_ACK, s200, m.text.p, a);
    p = tcp_seg_at(&c, start + 1200500, false, TCPF_PSH | TCPF_ACK, s200 + (uint32_t)(a - back),
                   m.text.p + a - back, m.text.n - a + back);
    pkt_attach(p, &m.ref);
    c.srv_next = s200 + (uint32_t)m.text.n;
    buf_free(&m.text);
    tcp_hangup(&c, &d, start + 1203000, start + 2500000);
    tcp_fin(&c, start + 2600000, false);
    add_truth(s, &t);
    dlg_free(&d);
    free(tok);
}

/* Call 24: reordering. The INVITE's third segment is captured before its second
 * (the INVITE completes with the late one); the 200 OK before the 180. div and
 * shaken PASSporTs. */
static void tcp_reorder(struct scen *s, uint64_t start)
{
    static const struct tcp_call tc = {
        .no = 24, .call_id = "tcp-reorder@orig.example.net", .uac = {H_ORIG, 40024}, .orig = "12025550124",
        .dest = "12025550177", .attest = "A", .origid = "4d5e6f70-0024-4182-9dce-3f4a5b6c7d24", .div = true};
    struct dlg d;
    struct call_truth t;
    char *tok = tcp_call_setup(s, &d, &t, &tc, start);
    struct tcpconn c = {.s = s, .cli = d.uac, .srv = d.uas, .cli_next = 0x44440000u, .srv_next = 0x55550000u};
    tcp_open(&c, start);
    build_invite(&d.invite, &d);
    const struct buf *inv = &d.invite.text;
    size_t c1 = find_cut(inv, "\r\nCall-ID: ", 5), c2 = inv->n - 100;
    uint32_t q = c.cli_next;
    tcp_seg_at(&c, start + 1000, true, TCPF_PSH | TCPF_ACK, q, inv->p, c1);
    tcp_seg_at(&c, start + 1300, true, TCPF_PSH | TCPF_ACK, q + (uint32_t)c2, inv->p + c2, inv->n - c2);
    pkt_attach(tcp_seg_at(&c, start + 1600, true, TCPF_PSH | TCPF_ACK, q + (uint32_t)c1, inv->p + c1, c2 - c1),
               &d.invite.ref);
    c.cli_next = q + (uint32_t)inv->n;

    struct msg m = {0}, r180 = {0}, r200 = {0};
    build_response(&m, &d, 100, "Trying", d.cseq, "INVITE", d.branch);
    tcp_msg(&c, start + 3000, false, &m);
    build_response(&r180, &d, 180, "Ringing", d.cseq, "INVITE", d.branch);
    build_response(&r200, &d, 200, "OK", d.cseq, "INVITE", d.branch);
    uint32_t r = c.srv_next;
    tcp_seg_at(&c, start + 700000, false, TCPF_PSH | TCPF_ACK, r + (uint32_t)r180.text.n, r200.text.p, r200.text.n);
    struct pkt *p = tcp_seg_at(&c, start + 700300, false, TCPF_PSH | TCPF_ACK, r, r180.text.p, r180.text.n);
    pkt_attach(p, &r180.ref), pkt_attach(p, &r200.ref); /* both complete when the hole fills */
    c.srv_next = r + (uint32_t)(r180.text.n + r200.text.n);
    buf_free(&r180.text), buf_free(&r200.text);
    tcp_hangup(&c, &d, start + 705000, start + 2000000);
    tcp_fin(&c, start + 2100000, true);
    add_truth(s, &t);
    dlg_free(&d);
    free(tok);
}

/* Call 25: a connection already up when the capture started: no SYN either way,
 * the first client segment starts inside an earlier message (its tail must be
 * skipped) and carries the whole INVITE after it. Never closed in the capture. */
static void tcp_midstream(struct scen *s, uint64_t start)
{
    static const struct tcp_call tc = {
        .no = 25, .call_id = "tcp-midstream@orig.example.net", .uac = {H_ORIG, 40025}, .orig = "12025550125",
        .dest = "12025550199", .attest = "B", .origid = "5e6f7081-0025-4293-8edf-4a5b6c7d8e25", .key_b = true,
        .pai_verstat = "TN-Validation-Passed"};
    struct dlg d;
    struct call_truth t;
    char *tok = tcp_call_setup(s, &d, &t, &tc, start);
    struct tcpconn c = {.s = s, .cli = d.uac, .srv = d.uas, .cli_next = 0x66660000u, .srv_next = 0x77770000u};
    build_invite(&d.invite, &d);
    struct buf b = {0};
    /* The end of an OPTIONS we did not see the start of, cut inside a header value. */
    buf_str(&b, "ample.net>;tag=ka-77\r\nCall-ID: ka-77@orig.example.net\r\nCSeq: 9 OPTIONS\r\n"
                "Content-Length: 0\r\n\r\n");
    buf_put(&b, d.invite.text.p, d.invite.text.n);
    pkt_attach(tcp_seg(&c, start + 1000, true, TCPF_PSH | TCPF_ACK, b.p, b.n), &d.invite.ref);
    buf_free(&b);
    struct msg m = {0};
    build_response(&m, &d, 100, "Trying", d.cseq, "INVITE", d.branch);
    tcp_msg(&c, start + 3000, false, &m);
    memset(&m, 0, sizeof m);
    build_response(&m, &d, 200, "OK", d.cseq, "INVITE", d.branch);
    tcp_msg(&c, start + 600000, false, &m);
    tcp_hangup(&c, &d, start + 602000, start + 2200000);
    add_truth(s, &t);
    dlg_free(&d);
    free(tok);
}

/* Calls 26 and 27 on one trunk connection. The middle segment of call 27's
 * INVITE is never captured: that INVITE is lost (call 27 is not a call; its
 * responses and ACK are orphans). Everything the client sends after the hole is
 * held until its FIN makes the reader give the hole up; then the INVITE's tail is
 * skipped (resync) and call 27's ACK and call 26's BYE decode. */
static void tcp_gap(struct scen *s, uint64_t start)
{
    static const struct tcp_call tc = {
        .no = 26, .call_id = "tcp-gap-kept@orig.example.net", .uac = {H_ORIG, 40026}, .orig = "12025550126",
        .dest = "12025550199", .attest = "A", .origid = "6f708192-0026-43a4-9fe0-5b6c7d8e9f26"};
    static const struct tcp_call lost = {
        .no = 27, .call_id = "tcp-gap-lost@orig.example.net", .uac = {H_ORIG, 40026}, .orig = "12025550127",
        .dest = "12025550199", .attest = "A", .origid = "708192a3-0027-44b5-a0f1-6c7d8e9fa027"};
    struct dlg d, d2;
    struct call_truth t, t2;
    char *tok = tcp_call_setup(s, &d, &t, &tc, start);
    char *tok2 = tcp_call_setup(s, &d2, &t2, &lost, start + 1000000);
    struct tcpconn c = {.s = s, .cli = d.uac, .srv = d.uas, .cli_next = 0x88880000u, .srv_next = 0x12340000u};
    tcp_open(&c, start);
    build_invite(&d.invite, &d);
    pkt_attach(tcp_seg(&c, start + 1000, true, TCPF_PSH | TCPF_ACK, d.invite.text.p, d.invite.text.n),
               &d.invite.ref);
    struct msg m = {0};
    build_response(&m, &d, 100, "Trying", d.cseq, "INVITE", d.branch);
    tcp_msg(&c, start + 3000, false, &m);
    memset(&m, 0, sizeof m);
    build_response(&m, &d, 200, "OK", d.cseq, "INVITE", d.branch);
    tcp_msg(&c, start + 500000, false, &m);
    memset(&m, 0, sizeof m);
    build_request(&m, &d, "ACK", false);
    tcp_msg(&c, start + 502000, true, &m);

    /* Call 27's INVITE in three segments; the middle one (Contact to inside the
     * SDP) is sent but never captured. */
    uint64_t s2 = start + 1000000;
    build_invite(&d2.invite, &d2);
    const struct buf *inv = &d2.invite.text;
    size_t cut1 = find_cut(inv, "\r\nContact: ", 2), cut2 = inv->n - 80;
    tcp_seg(&c, s2, true, TCPF_PSH | TCPF_ACK, inv->p, cut1);
    c.cli_next += (uint32_t)(cut2 - cut1);
    tcp_seg(&c, s2 + 600, true, TCPF_PSH | TCPF_ACK, inv->p + cut2, inv->n - cut2);
    memset(&m, 0, sizeof m);
    build_response(&m, &d2, 100, "Trying", d2.cseq, "INVITE", d2.branch);
    tcp_msg(&c, s2 + 3000, false, &m);
    memset(&m, 0, sizeof m);
    build_response(&m, &d2, 486, "Busy Here", d2.cseq, "INVITE", d2.branch);
    tcp_msg(&c, s2 + 200000, false, &m);
    struct msg ack2 = {0}, bye = {0}, ok = {0};
    build_request(&ack2, &d2, "ACK", true);
    tcp_seg(&c, s2 + 202000, true, TCPF_PSH | TCPF_ACK, ack2.text.p, ack2.text.n);

    build_request(&bye, &d, "BYE", false);
    build_response(&ok, &d, 200, "OK", bye.ref.cseq, "BYE", d.last_branch);
    tcp_seg(&c, s2 + 250000, true, TCPF_PSH | TCPF_ACK, bye.text.p, bye.text.n);
    pkt_attach(tcp_seg(&c, s2 + 253000, false, TCPF_PSH | TCPF_ACK, ok.text.p, ok.text.n), &ok.ref);
    /* The client closes: the reader gives the hole up and decodes what it held. */
    struct pkt *fin = tcp_seg(&c, s2 + 300000, true, TCPF_FIN | TCPF_ACK, NULL, 0);
    pkt_attach(fin, &ack2.ref), pkt_attach(fin, &bye.ref);
    tcp_seg(&c, s2 + 300400, false, TCPF_FIN | TCPF_ACK, NULL, 0);
    tcp_seg(&c, s2 + 300800, true, TCPF_ACK, NULL, 0);
    buf_free(&ack2.text), buf_free(&bye.text), buf_free(&ok.text);
    add_truth(s, &t); /* call 27 never shows an INVITE: no truth record */
    dlg_free(&d), dlg_free(&d2);
    free(tok), free(tok2);
}

static void tcp_scenario(struct scen *s)
{
    tcp_split(s, START(100, 11));
    tcp_coalesced(s, START(10000, 22));
    tcp_retransmit(s, START(20000, 33));
    tcp_reorder(s, START(30000, 44));
    tcp_midstream(s, START(40000, 55));
    tcp_gap(s, START(50000, 66));
}

/* ---- the flood scenario: hostile traffic around three signed calls ---------------------
 *
 * Between 5 s and 15 s: IP first-fragments whose datagrams never complete (distinct
 * sources, so distinct reassembly keys), half-open TCP connections that send data
 * beyond a hole that is never filled, bare SYNs (more directions than the reader
 * tracks), and connections that send more out-of-order segments than a direction
 * may hold. A signed UDP call before, a signed TCP call with reordered INVITE
 * segments in the middle, and a signed UDP call 35 s after the flood (the
 * fragments have timed out by then) must all still be stored. Each kind of packet
 * has its own time grid (steps that are multiples of 5 µs, offset 0..3 µs) and the
 * calls' packets fall on 4 mod 5 µs, so no two packets share a time. */

#define FLOOD_START START(5000, 0)
#define FLOOD_FRAGS 100000         /* lone first fragments, one per datagram */
#define FLOOD_DATA_STREAMS 20000   /* half-open, 3 x 1200 bytes held each */
#define FLOOD_DATA_SEGS 3
#define FLOOD_DATA_LEN 1200
#define FLOOD_SYNS 50000           /* bare SYNs */
#define FLOOD_OOO_STREAMS 100      /* more held segments than a direction may keep */
#define FLOOD_OOO_SEGS 130
#define FLOOD_SRC IP(198, 18, 0, 0) /* RFC 2544 benchmarking range, 198.18.0.0/15 */

static void flood(struct scen *s)
{
    struct ep sbc = {H_SBC, 5060};
    static uint8_t junk[FLOOD_DATA_LEN];
    memset(junk, 'Z', sizeof junk);
    for (size_t k = 0; k < sizeof junk; k += 80)
        junk[k] = '\n'; /* lines, so a reader resyncing over them has work to do */

    for (uint32_t k = 0; k < FLOOD_FRAGS; k++) {
        struct pkt *p = new_pkt(s, FLOOD_START + (uint64_t)k * 100u, IPPROTO_UDP_,
                                (struct ep){FLOOD_SRC + k, 5060}, sbc);
        buf_put(&p->payload, junk, 100);
        p->lone_frag_mtu = 68; /* 20-byte header + 48 bytes of the 108-byte datagram */
    }
    for (uint32_t j = 0; j < FLOOD_DATA_STREAMS; j++) {
        struct tcpconn c = {.s = s, .cli = {FLOOD_SRC + j, 30000}, .srv = sbc,
                            .cli_next = (uint32_t)rng_next(&s->rng)};
        uint64_t t = FLOOD_START + (uint64_t)j * (FLOOD_DATA_SEGS + 1) * 125u + 1u;
        tcp_seg(&c, t, true, TCPF_SYN, NULL, 0);
        c.cli_next += 100; /* the first 100 bytes never come */
        for (uint32_t m = 0; m < FLOOD_DATA_SEGS; m++)
            tcp_seg(&c, t + (m + 1u) * 125u, true, TCPF_PSH | TCPF_ACK, junk, sizeof junk);
    }
    for (uint32_t j = 0; j < FLOOD_SYNS; j++) {
        struct tcpconn c = {.s = s, .cli = {FLOOD_SRC + j, 31000}, .srv = sbc,
                            .cli_next = (uint32_t)rng_next(&s->rng)};
        tcp_seg(&c, FLOOD_START + (uint64_t)j * 200u + 2u, true, TCPF_SYN, NULL, 0);
    }
    for (uint32_t j = 0; j < FLOOD_OOO_STREAMS; j++) {
        struct tcpconn c = {.s = s, .cli = {FLOOD_SRC + j, 32000}, .srv = sbc,
                            .cli_next = (uint32_t)rng_next(&s->rng)};
        uint64_t slot = (uint64_t)j;
        tcp_seg(&c, FLOOD_START + slot * 760u + 3u, true, TCPF_SYN, NULL, 0);
        for (uint32_t m = 0; m < FLOOD_OOO_SEGS; m++) {
            c.cli_next += 10; /* a 10-byte hole before every segment */
            slot += FLOOD_OOO_STREAMS;
            tcp_seg(&c, FLOOD_START + slot * 760u + 3u, true, TCPF_PSH | TCPF_ACK, junk + 1, 10);
        }
    }

    call_b_retx(s, START(100, 4));
    tcp_reorder(s, START(9000, 4));
    call_xidentity(s, START(50000, 4));
}

static int cmp_pkt(const void *a, const void *b)
{
    const struct pkt *x = a, *y = b;
    return x->ts_ns < y->ts_ns ? -1 : x->ts_ns > y->ts_ns;
}

static void load_signers(struct scen *s)
{
    char *p;
    s->key_a = load_private_key(p = xasprintf("%s/sp-a.key", s->pki_dir)), free(p);
    s->key_b = load_private_key(p = xasprintf("%s/sp-b.key", s->pki_dir)), free(p);
    s->cert_a = load_first_cert(p = xasprintf("%s/sp-a.pem", s->pki_dir)), free(p);
    s->cert_b = load_first_cert(p = xasprintf("%s/sp-b.pem", s->pki_dir)), free(p);
}

static void demo(struct scen *s)
{
    uint64_t c1 = START(4, 0);
    register_and_options(s, START(1, 250), START(2500, 777));
    char *c1_ident = call_a_udp(s, c1);
    struct call_truth c1_truth = s->calls[s->ncalls - 1];
    call_a_hop2(s, c1 + START(40, 0), c1_ident, &c1_truth);
    free(c1_ident);
    dns_query(s, START(150, 321));
    call_b_retx(s, START(200, 111));
    call_c_cancel(s, START(400, 222));
    call_unsigned(s, START(600, 333));
    call_tcp(s, START(800, 444));
    call_compact_y(s, START(1000, 555));
    call_xidentity(s, START(1200, 666));
    call_div(s, START(1400, 777));
    call_folded(s, START(1600, 888));
    call_badb64(s, START(1800, 999));
    call_formula(s, START(2000, 123));
    junk_5060(s, START(2600, 456));
}

/* ---- the verify scenario (issue 5) ------------------------------------------------
 *
 * One SIP/UDP call per verification case, each Call-ID named after its case,
 * each with the verify_result its author expects (interface.md labels, checks
 * in the order of domain.md "Verifying").  The labels are stated here, never
 * computed; the self-checks below only refuse a case whose own data
 * contradicts its label (a signature that should verify and does not, TNs
 * that should match and do not, an iat outside the window of a "pass"). */

#define CERTS "https://certs.stirprobe.test/"
#define HOSTILE "https://hostile.stirprobe.test/"

static struct signer *signer_get(struct scen *s, const char *name)
{
    for (size_t i = 0; i < s->nsigners; i++)
        if (!strcmp(s->signers[i].name, name))
            return &s->signers[i];
    if (s->nsigners == ARRAY_LEN(s->signers))
        die("scenario bug: too many signers");
    struct signer *g = &s->signers[s->nsigners++];
    char *p;
    snprintf(g->name, sizeof g->name, "%s", name);
    g->key = load_private_key(p = xasprintf("%s/%s.key", s->pki_dir, name)), free(p);
    g->cert = load_first_cert(p = xasprintf("%s/%s.pem", s->pki_dir, name)), free(p);
    if (X509_check_private_key(g->cert, g->key) != 1)
        die("%s/%s: key and certificate do not match", s->pki_dir, name);
    return g;
}

/* How a header's token departs from a correctly signed PASSporT. */
enum mangle {
    MG_NONE,
    MG_BAD_B64,       /* '*' inside the payload part: not base64url */
    MG_TAMPER_ATTEST, /* payload re-encoded with attest B, original signature kept */
    MG_SIG_TRUNC,     /* signature cut to 63 bytes */
    MG_SIG_DER,       /* signature as OpenSSL's DER SEQUENCE instead of r||s */
    MG_JSON_ARRAY,    /* payload is a JSON array, correctly signed */
    MG_ES384,         /* JOSE alg ES384, really signed with a P-384 key (96-byte r||s) */
};

struct vhdr {
    const char *signer;       /* tests/pki/NAME.key signs it */
    struct passport_spec ps;  /* what is signed (x5u, ppt, claims) */
    enum mangle mg;
    const char *expect;       /* this header's verify_result */
};

struct vcase {
    const char *call_id;
    const char *expect;       /* the call's verify_result: its shaken header's */
    const char *ruri_user;    /* user part of the Request-URI (user=phone) */
    const char *from;         /* From name-addr, without the tag */
    const char *to;           /* To name-addr */
    const char *pai;          /* P-Asserted-Identity, NULL: none */
    int iat_delta;            /* iat minus the INVITE's second */
    struct vhdr h[3];
    int nh;
};

static const struct step FLOW_VERIFY[] = {
    {0, S_INVITE, 0, NULL},
    {2, S_RESP, 100, "Trying"},
    {300, S_RESP, 200, "OK"},
    {305, S_ACK, 0, NULL},
};

/* Replaces part `which` (0 header, 1 payload, 2 signature) of a compact JWS. */
static char *jws_replace_part(const char *tok, int which, const char *part)
{
    const char *d1 = strchr(tok, '.'), *d2 = strchr(d1 + 1, '.');
    if (which == 1)
        return xasprintf("%.*s.%s.%s", (int)(d1 - tok), tok, part, d2 + 1);
    if (which == 2)
        return xasprintf("%.*s.%s", (int)(d2 - tok), tok, part);
    return xasprintf("%s.%s", part, d1 + 1);
}

static char *mangled_token(struct scen *s, const struct vhdr *h, struct passport_spec *sent)
{
    struct signer *g = signer_get(s, h->signer);
    char *hj, *cj, *tok, *out;
    *sent = h->ps;
    switch (h->mg) {
    case MG_NONE:
        return passport_sign(g->key, &h->ps);
    case MG_BAD_B64:
        tok = passport_sign(g->key, &h->ps);
        strchr(tok, '.')[21] = '*'; /* payload[20], as in the demo's call 11 */
        return tok;
    case MG_TAMPER_ATTEST: {
        tok = passport_sign(g->key, &h->ps);
        sent->attest = "B";
        passport_json(sent, "ES256", &hj, &cj);
        char *c64 = b64url_encode((const uint8_t *)cj, strlen(cj));
        out = jws_replace_part(tok, 1, c64);
        free(c64), free(hj), free(cj), free(tok);
        return out;
    }
    case MG_SIG_TRUNC:
    case MG_SIG_DER: {
        tok = passport_sign(g->key, &h->ps);
        const char *sig = strrchr(tok, '.') + 1;
        struct buf raw = {0};
        if (!b64url_decode(sig, strlen(sig), &raw) || raw.n != 64)
            die("scenario bug: fresh signature is not 64 bytes");
        char *s64;
        if (h->mg == MG_SIG_TRUNC) {
            s64 = b64url_encode(raw.p, 63);
        } else {
            ECDSA_SIG *es = ECDSA_SIG_new();
            BIGNUM *r = BN_bin2bn(raw.p, 32, NULL), *sv = BN_bin2bn(raw.p + 32, 32, NULL);
            unsigned char *der = NULL;
            int n;
            if (!es || !r || !sv || !ECDSA_SIG_set0(es, r, sv) || (n = i2d_ECDSA_SIG(es, &der)) <= 0)
                die_ssl("cannot DER-encode a signature");
            if (n == 64)
                die("scenario bug: DER signature happens to be 64 bytes");
            s64 = b64url_encode(der, (size_t)n);
            OPENSSL_free(der);
            ECDSA_SIG_free(es);
        }
        out = jws_replace_part(tok, 2, s64);
        free(s64), free(tok), buf_free(&raw);
        return out;
    }
    case MG_JSON_ARRAY:
        passport_json(&h->ps, "ES256", &hj, &cj);
        out = jws_sign_json(g->key, hj, "[\"not\",\"an\",\"object\"]");
        free(hj), free(cj);
        return out;
    case MG_ES384: {
        EVP_PKEY *k384 = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384");
        if (!k384)
            die_ssl("P-384 key generation failed");
        passport_json(&h->ps, "ES384", &hj, &cj);
        out = jws_sign_json(k384, hj, cj);
        const char *sig = strrchr(out, '.') + 1;
        struct buf raw = {0};
        if (!b64url_decode(sig, strlen(sig), &raw) || raw.n != 96)
            die("scenario bug: ES384 signature is not 96 bytes");
        buf_free(&raw);
        EVP_PKEY_free(k384);
        free(hj), free(cj);
        return out;
    }
    }
    die("scenario bug: mangle %d", (int)h->mg);
}

static bool dest_has(const struct passport_spec *ps, const char *tn)
{
    for (size_t i = 0; i < ARRAY_LEN(ps->dest) && ps->dest[i]; i++)
        if (!strcmp(ps->dest[i], tn))
            return true;
    return false;
}

/* The cert behind a certs.stirprobe.test x5u, if it is one of ours. */
static X509 *x5u_cert(struct scen *s, const char *x5u)
{
    size_t n = strlen(CERTS);
    if (strncmp(x5u, CERTS, n))
        return NULL;
    char name[64];
    snprintf(name, sizeof name, "%.*s", (int)strcspn(x5u + n, "."), x5u + n);
    char *p = xasprintf("%s/%s.pem", s->pki_dir, name);
    FILE *f = fopen(p, "r");
    free(p);
    if (!f)
        return NULL; /* unpublished */
    fclose(f);
    return signer_get(s, name)->cert;
}

static bool is_label(const char *l, const char *a, const char *b, const char *c)
{
    return !strcmp(l, a) || (b && !strcmp(l, b)) || (c && !strcmp(l, c));
}

/* Refuses a header whose data contradicts its stated label. */
static void vhdr_selfcheck(struct scen *s, const struct vcase *c, const struct vhdr *h, const char *tok,
                           const struct dlg *d, long long inv_sec)
{
    const char *e = h->expect;
    X509 *cert = x5u_cert(s, h->ps.x5u);
    if (cert && (is_label(e, "bad-signature", "tn-mismatch", "stale") || !strcmp(e, "pass"))) {
        const char *why = "verifies";
        bool ok = jws_verify(X509_get0_pubkey(cert), tok, strlen(tok), &why);
        bool want = strcmp(e, "bad-signature") != 0;
        if (ok != want)
            die("scenario bug: %s: signature: %s, but the label is %s", c->call_id, ok ? "verifies" : why, e);
    }
    if (!is_label(e, "tn-mismatch", "stale", "pass"))
        return;
    char orig[32], to[32], ruri[64], r[32];
    tn_canon(d->pai[0] ? d->pai : d->from, orig, sizeof orig);
    tn_canon(d->to, to, sizeof to);
    snprintf(ruri, sizeof ruri, "sip:%s@x", c->ruri_user);
    tn_canon(ruri, r, sizeof r);
    bool div = !strcmp(h->ps.ppt, "div");
    bool match = !strcmp(h->ps.orig, orig) && dest_has(&h->ps, div ? r : to);
    if (div) {
        const struct vhdr *sh = NULL;
        for (int k = 0; k < c->nh; k++)
            if (!strcmp(c->h[k].ps.ppt, "shaken"))
                sh = &c->h[k];
        match = match && sh && dest_has(&sh->ps, h->ps.div);
    }
    bool outside_range = !strcmp(h->signer, "tnrange") && strcmp(h->ps.orig, "12025550999") &&
                         !(strncmp(h->ps.orig, "120255501", 9) == 0 && strlen(h->ps.orig) == 11);
    if (strcmp(e, "tn-mismatch") ? !match || outside_range : match && !outside_range)
        die("scenario bug: %s: TNs (orig %s, PAI/From %s, To %s, R-URI %s) contradict label %s", c->call_id,
            h->ps.orig, orig, to, r, e);
    long long skew = h->ps.iat - inv_sec;
    if (skew < 0)
        skew = -skew;
    /* the INVITE is up to 1 s past inv_sec: keep clear of the 60 s edge */
    if ((!strcmp(e, "stale") && skew < 62) || (!strcmp(e, "pass") && skew > 58))
        die("scenario bug: %s: iat skew %lld contradicts label %s", c->call_id, skew, e);
}

/* What a call may do beyond a verify case (analytics scenario). */
struct vext {
    const struct step *flow;          /* NULL: FLOW_VERIFY */
    size_t nflow;
    const char *reuse_ident;          /* send this Identity value instead of c->h ... */
    const struct call_truth *reuse;   /* ... whose PASSporT truth is this call's */
    const char *final_extra, *bye_extra;
};

static char *vcall_ex(struct scen *s, int no, uint64_t start, const struct vcase *c, struct ep uac, struct ep uas,
                      const struct vext *x);

/* Builds one case's call; returns its first Identity header value (malloc'd). */
static char *vcall(struct scen *s, int no, uint64_t start, const struct vcase *c, struct ep uac, struct ep uas)
{
    return vcall_ex(s, no, start, c, uac, uas, NULL);
}

static char *vcall_ex(struct scen *s, int no, uint64_t start, const struct vcase *c, struct ep uac, struct ep uas,
                      const struct vext *x)
{
    static const struct vext none;
    if (!x)
        x = &none;
    struct dlg d;
    struct call_truth t = {.call_id = c->call_id};
    char h[64];
    char *first = NULL;
    dlg_init(&d, s, no, c->call_id, uac, uas);
    snprintf(d.ruri, sizeof d.ruri, "sip:%s@%s;user=phone", c->ruri_user, host(s, uas.ip, h));
    snprintf(d.from, sizeof d.from, "%s;tag=v%02x-%d", c->from, no, 7 * no);
    snprintf(d.to, sizeof d.to, "%s", c->to);
    if (c->pai)
        snprintf(d.pai, sizeof d.pai, "%s", c->pai);
    long long inv_sec = iat_of(start);
    set_date(&d, inv_sec + c->iat_delta);
    snprintf(t.verify_result, sizeof t.verify_result, "%s", c->expect);
    for (int k = 0; k < c->nh; k++) {
        struct vhdr hk = c->h[k];
        hk.ps.iat = inv_sec + c->iat_delta;
        struct passport_spec sent;
        char *tok = mangled_token(s, &hk, &sent);
        char *val = hk.mg == MG_ES384 ? xasprintf("%s;info=<%s>;alg=ES384;ppt=%s", tok, hk.ps.x5u, hk.ps.ppt)
                                      : identity_value(tok, hk.ps.x5u, hk.ps.ppt);
        buf_printf(&d.ident, "Identity: %s\r\n", val);
        vhdr_selfcheck(s, c, &hk, tok, &d, inv_sec);
        bool decodes = hk.mg != MG_BAD_B64 && hk.mg != MG_JSON_ARRAY;
        if (!t.has_shaken && decodes && !strcmp(hk.ps.ppt, "shaken"))
            truth_shaken(&t, tok, &sent);
        snprintf(t.ppt + strlen(t.ppt), sizeof t.ppt - strlen(t.ppt), "%s%s", k ? ";" : "", hk.ps.ppt);
        snprintf(t.hdr[k].ppt, sizeof t.hdr[k].ppt, "%s", hk.ps.ppt);
        snprintf(t.hdr[k].result, sizeof t.hdr[k].result, "%s", hk.expect);
        if (!first)
            first = val;
        else
            free(val);
        free(tok);
    }
    t.nhdr = c->nh;
    if (x->reuse_ident) {
        buf_printf(&d.ident, "Identity: %s\r\n", x->reuse_ident);
        first = xstrdup(x->reuse_ident);
        snprintf(t.attest, sizeof t.attest, "%s", x->reuse->attest);
        snprintf(t.origid, sizeof t.origid, "%s", x->reuse->origid);
        snprintf(t.orig_tn, sizeof t.orig_tn, "%s", x->reuse->orig_tn);
        snprintf(t.dest_tn, sizeof t.dest_tn, "%s", x->reuse->dest_tn);
        snprintf(t.x5u, sizeof t.x5u, "%s", x->reuse->x5u);
        snprintf(t.ppt, sizeof t.ppt, "%s", x->reuse->ppt);
        memcpy(t.chain_id, x->reuse->chain_id, sizeof t.chain_id);
        t.iat = x->reuse->iat;
        t.has_shaken = x->reuse->has_shaken;
        t.nhdr = 1;
        snprintf(t.hdr[0].ppt, sizeof t.hdr[0].ppt, "%s", "shaken");
        snprintf(t.hdr[0].result, sizeof t.hdr[0].result, "%s", c->expect);
    }
    if (c->nh || x->reuse_ident)
        snprintf(t.identity_header, sizeof t.identity_header, "Identity");
    tn_canon(d.ruri, t.ruri_tn, sizeof t.ruri_tn);
    tn_canon(d.from, t.from_tn, sizeof t.from_tn);
    tn_canon(d.to, t.to_tn, sizeof t.to_tn);
    tn_canon(d.pai, t.pai_tn, sizeof t.pai_tn);
    const char *vs = d.pai[0] ? strstr(d.pai, ";verstat=") : NULL;
    if (vs) {
        vs += strlen(";verstat=");
        snprintf(t.verstat, sizeof t.verstat, "%.*s", (int)strcspn(vs, ";@>"), vs);
    }
    d.final_extra = x->final_extra;
    d.bye_extra = x->bye_extra;
    const struct step *flow = x->flow ? x->flow : FLOW_VERIFY;
    size_t nflow = x->flow ? x->nflow : ARRAY_LEN(FLOW_VERIFY);
    for (size_t k = 0; k < nflow; k++)
        if (flow[k].kind == S_RESP && flow[k].code >= 200 && !t.final_status)
            t.final_status = flow[k].code;
    t.start_us = start;
    run_flow(&d, start, flow, nflow);
    add_truth(s, &t);
    dlg_free(&d);
    return first;
}

/* Shorthands for the case table. */
#define PAI_(tn) "<sip:+" tn "@orig.example.net;user=phone>"
#define FROM_(tn) "\"Caller\" <sip:+" tn "@orig.example.net;user=phone>"
#define TO_(tn) "<sip:+" tn "@term.example.net;user=phone>"
#define SH(signer_, x5u_, orig_, dest_, mg_, expect_)                                                     \
    {signer_, {.ppt = "shaken", .x5u = x5u_, .attest = "A", .origid = "0c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f", \
               .orig = orig_, .dest = {dest_}}, mg_, expect_}
/* A one-header call: R-URI and To are dest_, PAI and From are orig_. */
#define SIMPLE(id_, expect_, signer_, x5u_, orig_, dest_, mg_)                                            \
    {id_, expect_, "+" dest_, FROM_(orig_), TO_(dest_), PAI_(orig_), 0,                                 \
     {SH(signer_, x5u_, orig_, dest_, mg_, expect_)}, 1}

#define O "12025550101"
#define D "12025550199"

static const struct vcase VCASES[] = {
    /* --- pass ------------------------------------------------------------------------- */
    SIMPLE("v-pass-basic@orig.example.net", "pass", "sp-a", CERTS "sp-a.pem", O, D, MG_NONE),
    {"v-pass-separators@orig.example.net", "pass", "+1(202)555-0102", FROM_("12025550101"),
     "<sip:+1(202)555-0102@term.example.net;user=phone>", "<tel:+1-202-555-0101>", 0,
     {SH("sp-a", CERTS "sp-a.pem", "12025550101", "12025550102", MG_NONE, "pass")}, 1},
    SIMPLE("v-pass-past-cert@orig.example.net", "pass", "past", CERTS "past.pem", "12025550103", D, MG_NONE),
    SIMPLE("v-pass-der-x5u@orig.example.net", "pass", "direct", CERTS "direct.der", "12025550104", D, MG_NONE),
    SIMPLE("v-pass-tnrange@orig.example.net", "pass", "tnrange", CERTS "tnrange.pem", "12025550150", D, MG_NONE),
    SIMPLE("v-pass-tnrange-one@orig.example.net", "pass", "tnrange", CERTS "tnrange.pem", "12025550999", D,
           MG_NONE),
    {"v-pass-from-only@orig.example.net", "pass", "+" D, FROM_("12025550107"), TO_(D), NULL, 0,
     {{"sp-b", {.ppt = "shaken", .x5u = CERTS "sp-b.pem", .attest = "B",
                .origid = "1d2e3f4a-5b6c-4d7e-8f9a-0b1c2d3e4f50", .orig = "12025550107", .dest = {D}},
       MG_NONE, "pass"}}, 1},
    /* Retargeted call (RFC 8946): To is the original called party (shaken dest),
     * the Request-URI the new target (div dest); div.tn = the shaken dest. */
    {"v-pass-div@orig.example.net", "pass", "+12025550177", FROM_("12025550108"), TO_(D), PAI_("12025550108"), 0,
     {SH("sp-a", CERTS "sp-a.pem", "12025550108", D, MG_NONE, "pass"),
      {"sp-a", {.ppt = "div", .x5u = CERTS "sp-a.pem", .orig = "12025550108", .dest = {"12025550177"}, .div = D},
       MG_NONE, "pass"}}, 2},
    /* div first, and its div.tn is not the shaken dest: the call's result is the
     * shaken header's (pass), the div row is tn-mismatch. */
    {"v-div-mismatch@orig.example.net", "pass", "+12025550177", FROM_("12025550109"), TO_(D), PAI_("12025550109"), 0,
     {{"sp-a", {.ppt = "div", .x5u = CERTS "sp-a.pem", .orig = "12025550109", .dest = {"12025550177"},
                .div = "12025550198"}, MG_NONE, "tn-mismatch"},
      SH("sp-a", CERTS "sp-a.pem", "12025550109", D, MG_NONE, "pass")}, 2},
    {"v-pass-rcd@orig.example.net", "pass", "+" D, FROM_("12025550110"), TO_(D), PAI_("12025550110"), 0,
     {SH("sp-a", CERTS "sp-a.pem", "12025550110", D, MG_NONE, "pass"),
      {"sp-a", {.ppt = "rcd", .x5u = CERTS "sp-a.pem", .orig = "12025550110", .dest = {D},
                .rcd_nam = "Example Bank"}, MG_NONE, "pass"}}, 2},
    /* rcd first, signed with sp-b's key under sp-a's x5u: only that row fails. */
    {"v-rcd-bad-sig@orig.example.net", "pass", "+" D, FROM_("12025550111"), TO_(D), PAI_("12025550111"), 0,
     {{"sp-b", {.ppt = "rcd", .x5u = CERTS "sp-a.pem", .orig = "12025550111", .dest = {D},
                .rcd_nam = "Example Bank"}, MG_NONE, "bad-signature"},
      SH("sp-a", CERTS "sp-a.pem", "12025550111", D, MG_NONE, "pass")}, 2},
    /* --- no-identity, bad-format, unsupported-alg ---------------------------------------- */
    {"v-no-identity@orig.example.net", "no-identity", "+" D, FROM_("12025550112"), TO_(D), PAI_("12025550112"), 0,
     {{0}}, 0},
    SIMPLE("v-bad-b64@orig.example.net", "bad-format", "sp-a", CERTS "sp-a.pem", "12025550113", D, MG_BAD_B64),
    {"v-bad-no-attest@orig.example.net", "bad-format", "+" D, FROM_("12025550114"), TO_(D), PAI_("12025550114"), 0,
     {{"sp-a", {.ppt = "shaken", .x5u = CERTS "sp-a.pem", .origid = "2e3f4a5b-6c7d-4e8f-9a0b-1c2d3e4f5a61",
                .orig = "12025550114", .dest = {D}}, MG_NONE, "bad-format"}}, 1},
    SIMPLE("v-bad-json-array@orig.example.net", "bad-format", "sp-a", CERTS "sp-a.pem", "12025550115", D,
           MG_JSON_ARRAY),
    SIMPLE("v-alg-es384@orig.example.net", "unsupported-alg", "sp-a", CERTS "sp-a.pem", "12025550116", D, MG_ES384),
    {"v-alg-ppt-foo@orig.example.net", "unsupported-alg", "+" D, FROM_("12025550117"), TO_(D), PAI_("12025550117"), 0,
     {{"sp-a", {.ppt = "foo", .x5u = CERTS "sp-a.pem", .attest = "A",
                .origid = "3f4a5b6c-7d8e-4f9a-8b1c-2d3e4f5a6b72", .orig = "12025550117", .dest = {D}},
       MG_NONE, "unsupported-alg"}}, 1},
    /* --- cert-fetch-failed ------------------------------------------------------------------ */
    SIMPLE("v-fetch-unpublished@orig.example.net", "cert-fetch-failed", "sp-a", CERTS "unpublished.pem",
           "12025550118", D, MG_NONE),
    SIMPLE("v-fetch-http@orig.example.net", "cert-fetch-failed", "sp-a", "http://certs.stirprobe.test/sp-a.pem",
           "12025550119", D, MG_NONE),
    SIMPLE("v-fetch-redirect-other@orig.example.net", "cert-fetch-failed", "sp-a", HOSTILE "redirect-other.pem",
           "12025550120", D, MG_NONE),
    SIMPLE("v-fetch-redirect-cross@orig.example.net", "cert-fetch-failed", "sp-a", HOSTILE "redirect-cross.pem",
           "12025550121", D, MG_NONE),
    SIMPLE("v-fetch-big@orig.example.net", "cert-fetch-failed", "sp-a", HOSTILE "big.pem", "12025550122", D,
           MG_NONE),
    SIMPLE("v-fetch-slow@orig.example.net", "cert-fetch-failed", "sp-a", HOSTILE "slow.pem", "12025550123", D,
           MG_NONE),
    SIMPLE("v-fetch-not-a-cert@orig.example.net", "cert-fetch-failed", "sp-a", HOSTILE "not-a-cert.pem",
           "12025550124", D, MG_NONE),
    /* --- certificate faults --------------------------------------------------------------- */
    SIMPLE("v-cert-notyet@orig.example.net", "cert-invalid", "notyet", CERTS "notyet.pem", "12025550125", D, MG_NONE),
    SIMPLE("v-cert-no-tnauth@orig.example.net", "cert-invalid", "no-tnauth", CERTS "no-tnauth.pem", "12025550126", D,
           MG_NONE),
    SIMPLE("v-cert-wrong-ku@orig.example.net", "cert-invalid", "wrong-ku", CERTS "wrong-ku.pem", "12025550127", D,
           MG_NONE),
    SIMPLE("v-cert-ca-leaf@orig.example.net", "cert-invalid", "ca-leaf", CERTS "ca-leaf.pem", "12025550128", D,
           MG_NONE),
    SIMPLE("v-cert-expired@orig.example.net", "cert-expired", "expired", CERTS "expired.pem", "12025550129", D,
           MG_NONE),
    SIMPLE("v-cert-untrusted@orig.example.net", "cert-untrusted", "untrusted", CERTS "untrusted.pem", "12025550130",
           D, MG_NONE),
    SIMPLE("v-cert-expired-no-tnauth@orig.example.net", "cert-invalid", "expired-no-tnauth",
           CERTS "expired-no-tnauth.pem", "12025550131", D, MG_NONE),
    SIMPLE("v-cert-rogue-no-tnauth@orig.example.net", "cert-invalid", "rogue-no-tnauth", CERTS "rogue-no-tnauth.pem",
           "12025550132", D, MG_NONE),
    SIMPLE("v-cert-rogue-expired@orig.example.net", "cert-expired", "rogue-expired", CERTS "rogue-expired.pem",
           "12025550133", D, MG_NONE),
    /* --- bad-signature ---------------------------------------------------------------------- */
    SIMPLE("v-sig-tampered@orig.example.net", "bad-signature", "sp-a", CERTS "sp-a.pem", "12025550134", D,
           MG_TAMPER_ATTEST),
    SIMPLE("v-sig-truncated@orig.example.net", "bad-signature", "sp-a", CERTS "sp-a.pem", "12025550135", D,
           MG_SIG_TRUNC),
    SIMPLE("v-sig-der@orig.example.net", "bad-signature", "sp-a", CERTS "sp-a.pem", "12025550136", D, MG_SIG_DER),
    SIMPLE("v-sig-wrong-key@orig.example.net", "bad-signature", "sp-b", CERTS "sp-a.pem", "12025550137", D, MG_NONE),
    /* bad-signature comes before tn-mismatch: wrong key AND orig != PAI */
    {"v-order-sig-before-tn@orig.example.net", "bad-signature", "+" D, FROM_("12025550138"), TO_(D),
     PAI_("12025550138"), 0, {SH("sp-b", CERTS "sp-a.pem", "12025550238", D, MG_NONE, "bad-signature")}, 1},
    /* --- tn-mismatch ------------------------------------------------------------------------- */
    /* orig = From but != PAI: the PAI is what counts */
    {"v-tn-orig-pai@orig.example.net", "tn-mismatch", "+" D, FROM_("12025550139"), TO_(D), PAI_("12025550140"), 0,
     {SH("sp-a", CERTS "sp-a.pem", "12025550139", D, MG_NONE, "tn-mismatch")}, 1},
    {"v-tn-orig-from@orig.example.net", "tn-mismatch", "+" D, FROM_("12025550141"), TO_(D), NULL, 0,
     {SH("sp-a", CERTS "sp-a.pem", "12025550142", D, MG_NONE, "tn-mismatch")}, 1},
    /* dest = the Request-URI but != To: the To is what counts */
    {"v-tn-dest@orig.example.net", "tn-mismatch", "+12025550188", FROM_("12025550143"), TO_(D), PAI_("12025550143"),
     0, {SH("sp-a", CERTS "sp-a.pem", "12025550143", "12025550188", MG_NONE, "tn-mismatch")}, 1},
    SIMPLE("v-tn-outside-range@orig.example.net", "tn-mismatch", "tnrange", CERTS "tnrange.pem", "12025550300", D,
           MG_NONE),
    /* tn-mismatch comes before stale */
    {"v-order-tn-before-stale@orig.example.net", "tn-mismatch", "+" D, FROM_("12025550144"), TO_(D),
     PAI_("12025550144"), -120, {SH("sp-a", CERTS "sp-a.pem", "12025550244", D, MG_NONE, "tn-mismatch")}, 1},
    /* --- stale ------------------------------------------------------------------------------- */
    {"v-stale-past@orig.example.net", "stale", "+" D, FROM_("12025550145"), TO_(D), PAI_("12025550145"), -120,
     {SH("sp-a", CERTS "sp-a.pem", "12025550145", D, MG_NONE, "stale")}, 1},
    {"v-stale-future@orig.example.net", "stale", "+" D, FROM_("12025550146"), TO_(D), PAI_("12025550146"), 120,
     {SH("sp-a", CERTS "sp-a.pem", "12025550146", D, MG_NONE, "stale")}, 1},
};

static void verify_scenario(struct scen *s)
{
    struct ep orig = {H_ORIG, 5060}, sbc = {H_SBC, 5060}, next = {H_NEXT, 5060};
    size_t i;
    for (i = 0; i < ARRAY_LEN(VCASES); i++)
        free(vcall(s, 0x20 + (int)i, START(1000 + 2000 * i, 37 * i), &VCASES[i], orig, sbc));

    /* Traceback: the SBC relays leg 1 to the next hop 40 ms later with the
     * byte-identical Identity header; both pass, one chain_id, and the
     * certificate (sp-a, used by many calls) is fetched once in all. */
    static const struct vcase leg1 = SIMPLE("v-chain-leg1@orig.example.net", "pass", "sp-a", CERTS "sp-a.pem",
                                            "12025550147", D, MG_NONE);
    uint64_t t1 = START(1000 + 2000 * i, 37 * i);
    char *ident = vcall(s, 0x20 + (int)i, t1, &leg1, orig, sbc);
    struct call_truth c1 = s->calls[s->ncalls - 1];
    struct dlg d;
    struct call_truth t = c1;
    char h[64];
    t.call_id = "v-chain-leg2@term.example.net";
    dlg_init(&d, s, 0x20 + (int)i + 1, t.call_id, sbc, next);
    snprintf(d.ruri, sizeof d.ruri, "sip:+%s@%s;user=phone", D, host(s, H_NEXT, h));
    snprintf(d.from, sizeof d.from, "\"Caller\" <sip:+12025550147@term.example.net;user=phone>;tag=leg2-77");
    snprintf(d.to, sizeof d.to, "<sip:+%s@next.example.net;user=phone>", D);
    snprintf(d.pai, sizeof d.pai, "<sip:+12025550147@term.example.net;user=phone>");
    set_date(&d, c1.iat);
    buf_printf(&d.ident, "Identity: %s\r\n", ident);
    tn_canon(d.ruri, t.ruri_tn, sizeof t.ruri_tn);
    tn_canon(d.from, t.from_tn, sizeof t.from_tn);
    tn_canon(d.to, t.to_tn, sizeof t.to_tn);
    tn_canon(d.pai, t.pai_tn, sizeof t.pai_tn);
    run_flow(&d, t1 + START(40, 0), FLOW_VERIFY, ARRAY_LEN(FLOW_VERIFY));
    add_truth(s, &t);
    dlg_free(&d);
    free(ident);
}

#undef O
#undef D

/* ---- the analytics scenario (issue 6) ----------------------------------------------
 *
 * Calls over three hours built so that every report has something to find: a
 * three-hop traceback chain, an Identity stripped on the second leg, a call
 * re-signed downstream, one PASSporT replayed twice, a twelve-number robocall
 * campaign with high-risk prefixes, STIR error feedback in responses and Reason
 * headers, certificate faults, A-attested calls rejected or unanswered, and
 * verstat stamped downstream that agrees or disagrees with the verdict.  What the
 * reports must show is stated in NAME.expect.tsv: counts of the calls planned
 * here (attestation mix, signers, origids) and the anomalies, flags and feedback
 * rows the author put in. */

#define H_TERM IP(192, 0, 2, 20)   /* third hop of the traceback chain */

static void expect(struct scen *s, const char *report, const char *key, const char *col, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
static void expect(struct scen *s, const char *report, const char *key, const char *col, const char *fmt, ...)
{
    char v[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(v, sizeof v, fmt, ap);
    va_end(ap);
    buf_printf(&s->expect, "%s\t%s\t%s\t%s\n", report, key, col, v);
}

struct acase {
    const char *call_id;
    uint64_t start_us;
    struct ep uac, uas;
    const char *orig, *dest;      /* PAI/From and To/R-URI numbers */
    const char *verstat;          /* stamped on PAI, NULL: none */
    const char *signer, *x5u;     /* NULL signer: unsigned (or reuse) */
    const char *attest, *origid;
    enum mangle mg;
    int iat_delta;
    const char *expect;           /* verify_result */
};

static char *acall(struct scen *s, int no, const struct acase *a, const struct vext *x)
{
    static char from[8][160], to[8][160], pai[8][200], ruri[8][40];
    static int slot;
    slot = (slot + 1) % 8;
    snprintf(from[slot], sizeof from[slot], "\"Caller\" <sip:+%s@orig.example.net;user=phone>", a->orig);
    snprintf(to[slot], sizeof to[slot], "<sip:+%s@term.example.net;user=phone>", a->dest);
    snprintf(ruri[slot], sizeof ruri[slot], "+%s", a->dest);
    if (a->verstat)
        snprintf(pai[slot], sizeof pai[slot], "<sip:+%s;verstat=%s@orig.example.net;user=phone>", a->orig,
                 a->verstat);
    else
        snprintf(pai[slot], sizeof pai[slot], "<sip:+%s@orig.example.net;user=phone>", a->orig);
    struct vcase c = {a->call_id, a->expect, ruri[slot], from[slot], to[slot], pai[slot], a->iat_delta, {{0}}, 0};
    if (a->signer) {
        c.h[0] = (struct vhdr){a->signer,
                               {.ppt = "shaken", .x5u = a->x5u, .attest = a->attest, .origid = a->origid,
                                .orig = a->orig, .dest = {a->dest}},
                               a->mg, a->expect};
        c.nh = 1;
    }
    return vcall_ex(s, no, a->start_us, &c, a->uac, a->uas, x);
}

static const struct step FLOW_ANALYTICS_BYE[] = {
    {0, S_INVITE, 0, NULL}, {2, S_RESP, 100, "Trying"}, {300, S_RESP, 200, "OK"},
    {305, S_ACK, 0, NULL},  {2000, S_BYE, 0, NULL},     {2003, S_RESP_BYE, 0, NULL},
};
#define FLOW_REJECT(name, code, phrase)                                                                   \
    static const struct step name[] = {                                                                   \
        {0, S_INVITE, 0, NULL}, {2, S_RESP, 100, "Trying"}, {40, S_RESP, code, phrase}, {42, S_ACK, 0, NULL}, \
    }
FLOW_REJECT(FLOW_438, 438, "Invalid Identity Header");
FLOW_REJECT(FLOW_436, 436, "Bad Identity Info");
FLOW_REJECT(FLOW_403_STALE, 403, "Stale Date");
FLOW_REJECT(FLOW_603, 603, "Decline");
static const struct step FLOW_UNANSWERED[] = {
    {0, S_INVITE, 0, NULL}, {2, S_RESP, 100, "Trying"}, {30, S_RESP, 180, "Ringing"},
};
#define FLOW(f) .flow = f, .nflow = ARRAY_LEN(f)

#define SEC(x) ((uint64_t)(x) * 1000000u)
#define OG(n) "a0a0a0a0-0000-4000-8000-00000000000" #n /* one origid per group */

static void analytics_scenario(struct scen *s)
{
    struct ep orig = {H_ORIG, 5060}, sbc = {H_SBC, 5060}, next = {H_NEXT, 5060}, term = {H_TERM, 5060};
    struct ep evil = {H_EVIL, 5060}, pbx = {H_PBX, 5060};
    const char *A = CERTS "sp-a.pem", *B = CERTS "sp-b.pem";
    int no = 0x60;
    char *id;
    struct call_truth t1;

    /* G1: one PASSporT on three hops; the last network stamps verstat (agrees). */
    struct acase g1 = {"an-chain-leg1@orig.example.net", SEC(10), orig, sbc, "12025550111", "12025550222", NULL,
                       "sp-a", A, "A", OG(1), MG_NONE, 0, "pass"};
    id = acall(s, no++, &g1, NULL);
    t1 = s->calls[s->ncalls - 1];
    struct acase g1b = {"an-chain-leg2@sbc.example.net", SEC(10) + 40000, sbc, next, "12025550111", "12025550222",
                        NULL, NULL, NULL, NULL, NULL, MG_NONE, 0, "pass"};
    free(acall(s, no++, &g1b, &(struct vext){.reuse_ident = id, .reuse = &t1}));
    struct acase g1c = {"an-chain-leg3@next.example.net", SEC(10) + 80000, next, term, "12025550111", "12025550222",
                        "TN-Validation-Passed", NULL, NULL, NULL, NULL, MG_NONE, 0, "pass"};
    free(acall(s, no++, &g1c, &(struct vext){.reuse_ident = id, .reuse = &t1}));
    free(id);
    expect(s, "chains", t1.chain_id, "legs", "3");
    expect(s, "chains", t1.chain_id, "path", "203.0.113.5>198.51.100.7>192.0.2.10>192.0.2.20");
    expect(s, "chains", t1.chain_id, "span_ms", "80.0");
    expect(s, "chains", t1.chain_id, "replay", "0");

    /* G2: the second leg arrives without Identity; downstream can't validate. */
    struct acase g2 = {"an-strip-leg1@orig.example.net", SEC(30), orig, sbc, "12025550121", "12025550232", NULL,
                       "sp-a", A, "A", OG(2), MG_NONE, 0, "pass"};
    free(acall(s, no++, &g2, NULL));
    struct call_truth t2 = s->calls[s->ncalls - 1];
    struct acase g2b = {"an-strip-leg2@sbc.example.net", SEC(30) + 30000, sbc, next, "12025550121", "12025550232",
                        "No-TN-Validation", NULL, NULL, NULL, NULL, MG_NONE, 0, "no-identity"};
    free(acall(s, no++, &g2b, NULL));
    expect(s, "anomalies", "an-strip-leg2@sbc.example.net", "anomaly", "stripping");
    expect(s, "anomalies", "an-strip-leg2@sbc.example.net", "chain_id", "%s", t2.chain_id);
    expect(s, "chains", t2.chain_id, "stripped", "1");

    /* G3: re-signed downstream by another provider, attest lowered, new origid. */
    struct acase g3 = {"an-resign-leg1@orig.example.net", SEC(50), orig, sbc, "12025550131", "12025550242", NULL,
                       "sp-a", A, "A", OG(3), MG_NONE, 0, "pass"};
    free(acall(s, no++, &g3, NULL));
    struct acase g3b = {"an-resign-leg2@sbc.example.net", SEC(50) + 25000, sbc, next, "12025550131", "12025550242",
                        NULL, "sp-b", B, "B", OG(4), MG_NONE, 0, "pass"};
    free(acall(s, no++, &g3b, NULL));
    struct call_truth t3b = s->calls[s->ncalls - 1];
    expect(s, "anomalies", "an-resign-leg2@sbc.example.net", "anomaly", "re-signing");
    expect(s, "anomalies", "an-resign-leg2@sbc.example.net", "detail",
           "was %s on an-resign-leg1@orig.example.net 25 ms before; attest A>B; signer %s>%s; origid changed",
           s->calls[s->ncalls - 2].chain_id, A, B);
    expect(s, "chains", t3b.chain_id, "resigned", "1");

    /* G4: a PASSporT replayed from another source with another caller, then again
     * five minutes later with the original numbers. */
    struct acase g4 = {"an-replay-orig@orig.example.net", SEC(70), orig, sbc, "12025550141", "12025550252", NULL,
                       "sp-a", A, "A", OG(5), MG_NONE, 0, "pass"};
    id = acall(s, no++, &g4, NULL);
    struct call_truth t4 = s->calls[s->ncalls - 1];
    struct acase g4b = {"an-replay-1@evil.example.net", SEC(90), evil, sbc, "12025550199", "12025550252", NULL, NULL,
                        NULL, NULL, NULL, MG_NONE, -20, "tn-mismatch"};
    free(acall(s, no++, &g4b, &(struct vext){.reuse_ident = id, .reuse = &t4}));
    struct acase g4c = {"an-replay-2@evil.example.net", SEC(370), evil, sbc, "12025550141", "12025550252", NULL, NULL,
                        NULL, NULL, NULL, MG_NONE, -300, "stale"};
    free(acall(s, no++, &g4c, &(struct vext){.reuse_ident = id, .reuse = &t4}));
    free(id);
    expect(s, "anomalies", "an-replay-1@evil.example.net", "anomaly", "replay");
    expect(s, "anomalies", "an-replay-1@evil.example.net", "detail", "caller 12025550199 is not orig 12025550141");
    expect(s, "anomalies", "an-replay-2@evil.example.net", "anomaly", "replay");
    expect(s, "anomalies", "an-replay-2@evil.example.net", "detail", "seen 300 s after iat");
    expect(s, "chains", t4.chain_id, "legs", "3");
    expect(s, "chains", t4.chain_id, "replay", "2");
    expect(s, "chains", t4.chain_id, "path", "203.0.113.5>203.0.113.66>203.0.113.66>198.51.100.7");

    /* G6: STIR error feedback from the far end. */
    struct vext x438 = {FLOW(FLOW_438)}, x436 = {FLOW(FLOW_436)}, x403 = {FLOW(FLOW_403_STALE)};
    struct vext x200 = {.final_extra = "Reason: STIR;cause=437;text=\"Unsupported Credential\"\r\n"};
    struct vext xbye = {FLOW(FLOW_ANALYTICS_BYE), .bye_extra = "Reason: SIP;cause=438;text=\"Invalid Identity Header\"\r\n"};
    struct acase g6[] = {
        {"an-fb-438@orig.example.net", SEC(600), orig, sbc, "12025550161", "12025550262", NULL, "sp-a", A, "A", OG(6),
         MG_TAMPER_ATTEST, 0, "bad-signature"},
        {"an-fb-436@orig.example.net", SEC(620), orig, sbc, "12025550162", "12025550262", NULL, "sp-a",
         CERTS "unpublished.pem", "A", OG(6), MG_NONE, 0, "cert-fetch-failed"},
        {"an-fb-437-in-200@orig.example.net", SEC(640), orig, sbc, "12025550163", "12025550262", NULL, "sp-a", A, "A",
         OG(6), MG_NONE, 0, "pass"},
        {"an-fb-403@orig.example.net", SEC(660), orig, sbc, "12025550164", "12025550262", NULL, "sp-a", A, "A", OG(6),
         MG_NONE, -120, "stale"},
        {"an-fb-438-in-bye@orig.example.net", SEC(680), orig, sbc, "12025550165", "12025550262", NULL, "sp-a", A, "A",
         OG(6), MG_NONE, 0, "pass"},
    };
    const struct vext *g6x[] = {&x438, &x436, &x200, &x403, &xbye};
    static const char *const g6want[][5] = {
        {"438", "response", "438", "Invalid Identity Header", "agree"},
        {"436", "response", "436", "Bad Identity Info", "agree"},
        {"437", "STIR", "200", "Unsupported Credential", "disagree"},
        {"403", "response", "403", "Stale Date", "agree"},
        {"438", "SIP", "BYE", "Invalid Identity Header", "disagree"},
    };
    for (size_t i = 0; i < ARRAY_LEN(g6); i++) {
        free(acall(s, no++, &g6[i], g6x[i]));
        expect(s, "feedback", g6[i].call_id, "stir_error", "%s", g6want[i][0]);
        expect(s, "feedback", g6[i].call_id, "via", "%s", g6want[i][1]);
        expect(s, "feedback", g6[i].call_id, "carried_in", "%s", g6want[i][2]);
        expect(s, "feedback", g6[i].call_id, "text", "%s", g6want[i][3]);
        expect(s, "feedback", g6[i].call_id, "agreement", "%s", g6want[i][4]);
        expect(s, "feedback", g6[i].call_id, "verify_result", "%s", g6[i].expect);
    }

    /* G7: certificate faults the fraud view flags. */
    struct acase g7[] = {
        {"an-cert-outside@orig.example.net", SEC(900), orig, sbc, "12025550300", "12025550272", NULL, "tnrange",
         CERTS "tnrange.pem", "A", OG(7), MG_NONE, 0, "tn-mismatch"},
        {"an-cert-inside@orig.example.net", SEC(920), orig, sbc, "12025550150", "12025550272", NULL, "tnrange",
         CERTS "tnrange.pem", "A", OG(7), MG_NONE, 0, "pass"},
        {"an-cert-expired@orig.example.net", SEC(940), orig, sbc, "12025550173", "12025550272", NULL, "expired",
         CERTS "expired.pem", "A", OG(7), MG_NONE, 0, "cert-expired"},
        {"an-cert-past@orig.example.net", SEC(7500), orig, sbc, "12025550174", "12025550272", NULL, "past",
         CERTS "past.pem", "A", OG(7), MG_NONE, 0, "pass"},
    };
    for (size_t i = 0; i < ARRAY_LEN(g7); i++)
        free(acall(s, no++, &g7[i], NULL));
    expect(s, "flags", "an-cert-outside@orig.example.net", "flag", "a-outside-tnauthlist");
    expect(s, "flags", "an-cert-expired@orig.example.net", "flag", "cert-expired-at-call");
    expect(s, "certs", CERTS "past.pem", "days_left", "91");
    expect(s, "certs", CERTS "past.pem", "expiring", "0");
    expect(s, "certs --warn-days 100", CERTS "past.pem", "expiring", "1");
    expect(s, "certs", CERTS "expired.pem", "expiring", "1");
    expect(s, "certs", CERTS "expired.pem", "failures", "1");
    expect(s, "certs", CERTS "tnrange.pem", "calls", "2");

    /* G8: A-attested calls that passed but were declined, or never answered. */
    struct acase g8a = {"an-a-declined@orig.example.net", SEC(1100), orig, sbc, "12025550181", "12025550282", NULL,
                        "sp-a", A, "A", OG(8), MG_NONE, 0, "pass"};
    free(acall(s, no++, &g8a, &(struct vext){FLOW(FLOW_603)}));
    struct acase g8b = {"an-a-unanswered@orig.example.net", SEC(7200), orig, sbc, "12025550182", "12025550282", NULL,
                        "sp-a", A, "A", OG(8), MG_NONE, 0, "pass"};
    free(acall(s, no++, &g8b, &(struct vext){FLOW(FLOW_UNANSWERED)}));

    /* G9: verstat stamped on a second leg, against the verdict on the chain. */
    struct acase g9a = {"an-vs-disagree-leg1@orig.example.net", SEC(7700), orig, sbc, "12025550191", "12025550292",
                        NULL, "sp-a", A, "A", OG(9), MG_NONE, 0, "pass"};
    id = acall(s, no++, &g9a, NULL);
    struct call_truth t9 = s->calls[s->ncalls - 1];
    struct acase g9b = {"an-vs-disagree-leg2@sbc.example.net", SEC(7700) + 20000, sbc, next, "12025550191",
                        "12025550292", "TN-Validation-Failed", NULL, NULL, NULL, NULL, MG_NONE, 0, "pass"};
    free(acall(s, no++, &g9b, &(struct vext){.reuse_ident = id, .reuse = &t9}));
    free(id);
    struct acase g9c = {"an-vs-agree-leg1@orig.example.net", SEC(7720), orig, sbc, "12025550192", "12025550292",
                        NULL, "sp-a", A, "A", OG(9), MG_TAMPER_ATTEST, 0, "bad-signature"};
    id = acall(s, no++, &g9c, NULL);
    t9 = s->calls[s->ncalls - 1];
    struct acase g9d = {"an-vs-agree-leg2@sbc.example.net", SEC(7720) + 20000, sbc, next, "12025550192",
                        "12025550292", "TN-Validation-Failed", NULL, NULL, NULL, NULL, MG_NONE, 0, "bad-signature"};
    free(acall(s, no++, &g9d, &(struct vext){.reuse_ident = id, .reuse = &t9}));
    free(id);
    expect(s, "verstat --by verify", "pass/TN-Validation-Passed", "agreement", "agree");
    expect(s, "verstat --by verify", "pass/No-TN-Validation", "agreement", "disagree");
    expect(s, "verstat --by verify", "pass/TN-Validation-Failed", "agreement", "disagree");
    expect(s, "verstat --by verify", "bad-signature/TN-Validation-Failed", "agreement", "agree");
    expect(s, "verstat --by verify", "*", "rows", "4");

    /* G5: a campaign — one origid, twelve calling numbers, four in high-risk
     * prefixes, one call every four minutes in the second hour — and an unsigned
     * PBX call from a one-ring prefix. */
    static const char *const camp[] = {"18765550101", "18095550102", "12425550103", "881612345004",
                                       "12025550105", "12025550106", "12025550107", "12025550108",
                                       "12025550109", "12025550110", "12025550112", "12025550113"};
    static char camp_ids[ARRAY_LEN(camp)][48], camp_dest[ARRAY_LEN(camp)][16];
    for (size_t i = 0; i < ARRAY_LEN(camp); i++) {
        snprintf(camp_ids[i], sizeof camp_ids[i], "an-campaign-%02zu@evil.example.net", i + 1);
        snprintf(camp_dest[i], sizeof camp_dest[i], "120255590%02zu", i + 1);
        struct acase g5 = {camp_ids[i], SEC(3600 + 240 * i), evil, sbc, camp[i], camp_dest[i], NULL, "sp-b", B, "C",
                           "c0ffee00-dead-4bad-8bad-000000000bad", MG_NONE, 0, "pass"};
        free(acall(s, no++, &g5, NULL));
        expect(s, "flags", camp_ids[i], "flag", i < 4 ? "high-risk-orig" : "origid-many-tns");
    }
    struct acase g5b = {"an-pbx-onering@pbx.example.net", SEC(3700) + 500000, pbx, sbc, "14735550123", "12025550299",
                        NULL, NULL, NULL, NULL, NULL, MG_NONE, 0, "no-identity"};
    free(acall(s, no++, &g5b, NULL));
    expect(s, "flags", "an-pbx-onering@pbx.example.net", "flag", "high-risk-orig");
    expect(s, "flags", "an-pbx-onering@pbx.example.net", "detail", "14735550123 in 1473 (one-ring (Grenada))");
    expect(s, "flags", "*", "rows", "19");
    expect(s, "flags --campaign-tns 13", "*", "rows", "7");
    expect(s, "origid", "c0ffee00-dead-4bad-8bad-000000000bad", "orig_tns", "12");
    expect(s, "origid", "c0ffee00-dead-4bad-8bad-000000000bad", "campaign", "1");
    expect(s, "origid --campaign-tns 13", "c0ffee00-dead-4bad-8bad-000000000bad", "campaign", "0");
    expect(s, "anomalies", "*", "rows", "4");
    expect(s, "feedback", "*", "rows", "5");

    /* Counts over every call planned above. */
    static const char *const levels[] = {"A", "B", "C", "none"};
    for (int h = -1; h < 3; h++)
        for (size_t l = 0; l < ARRAY_LEN(levels); l++) {
            unsigned calls = 0, passed = 0, failed = 0;
            for (size_t i = 0; i < s->ncalls; i++) {
                const struct call_truth *c = &s->calls[i];
                const char *lv = c->has_shaken && c->attest[0] ? c->attest : "none";
                if (strcmp(lv, levels[l]) || (h >= 0 && c->start_us / SEC(3600) != (uint64_t)h))
                    continue;
                calls++;
                passed += !strcmp(c->verify_result, "pass");
                failed += strcmp(c->verify_result, "pass") && strcmp(c->verify_result, "no-identity");
            }
            char key[64];
            if (h < 0)
                snprintf(key, sizeof key, "%s", levels[l]);
            else if (!calls)
                continue;
            else
                snprintf(key, sizeof key, "2025-03-01T%02d:00:00Z/%s", 12 + h, levels[l]);
            const char *rep = h < 0 ? "attest" : "attest --by hour";
            expect(s, rep, key, "calls", "%u", calls);
            expect(s, rep, key, "passed", "%u", passed);
            expect(s, rep, key, "failed", "%u", failed);
        }
    /* Signers: per SPC of the certificates planned (unpublished has none). */
    static const struct { const char *x5u, *spc; } spcs[] = {
        {CERTS "sp-a.pem", "1001"}, {CERTS "sp-b.pem", "1002"}, {CERTS "expired.pem", "1003"},
        {CERTS "past.pem", "1011"},
    };
    for (size_t k = 0; k < ARRAY_LEN(spcs); k++) {
        unsigned calls = 0, a = 0, passed = 0, a_bad = 0;
        for (size_t i = 0; i < s->ncalls; i++) {
            const struct call_truth *c = &s->calls[i];
            if (!c->has_shaken || strcmp(c->x5u, spcs[k].x5u))
                continue;
            bool ok = !strcmp(c->verify_result, "pass");
            calls++;
            passed += ok;
            a += !strcmp(c->attest, "A");
            a_bad += !strcmp(c->attest, "A") && (!ok || c->final_status == 0 || c->final_status >= 300);
        }
        char key[32];
        snprintf(key, sizeof key, "spc/%s", spcs[k].spc);
        expect(s, "signers", key, "calls", "%u", calls);
        expect(s, "signers", key, "attest_a", "%u", a);
        expect(s, "signers", key, "passed", "%u", passed);
        expect(s, "signers", key, "a_failed_or_rejected", "%u", a_bad);
    }
}

#undef SEC
#undef OG
#undef FLOW

void scenario_build(struct scen *s, const char *name)
{
    s->local_ip = H_SBC;
    if (!strcmp(name, "demo")) {
        load_signers(s);
        demo(s);
    } else if (!strcmp(name, "verify")) {
        verify_scenario(s);
    } else if (!strcmp(name, "tcp")) {
        load_signers(s);
        tcp_scenario(s);
    } else if (!strcmp(name, "flood")) {
        load_signers(s);
        flood(s);
    } else if (!strcmp(name, "analytics")) {
        analytics_scenario(s);
    } else {
        die("unknown scenario '%s' (known: demo, verify, tcp, flood, analytics)", name);
    }
    /* Packets were emitted call by call; the capture is in time order.
     * Equal times would make the order (and the truth) ambiguous. */
    qsort(s->pkts, s->npkts, sizeof *s->pkts, cmp_pkt);
    for (size_t i = 1; i < s->npkts; i++)
        if (s->pkts[i].ts_ns == s->pkts[i - 1].ts_ns)
            die("scenario bug: two packets at the same time (%llu ns)", (unsigned long long)s->pkts[i].ts_ns);
    /* Sub-µs part of 500..999 ns: never reaches the next microsecond, and
     * a reader that rounds to µs instead of truncating is off by one µs on
     * every packet. */
    for (size_t i = 0; i < s->npkts; i++)
        s->pkts[i].ts_ns += 500u + (i * 137u) % 500u;
}

void scenario_free(struct scen *s)
{
    for (size_t i = 0; i < s->npkts; i++)
        buf_free(&s->pkts[i].payload);
    free(s->pkts);
    free(s->calls);
    buf_free(&s->expect);
    EVP_PKEY_free(s->key_a);
    EVP_PKEY_free(s->key_b);
    X509_free(s->cert_a);
    X509_free(s->cert_b);
    for (size_t i = 0; i < s->nsigners; i++) {
        EVP_PKEY_free(s->signers[i].key);
        X509_free(s->signers[i].cert);
    }
    memset(s, 0, sizeof *s);
}
