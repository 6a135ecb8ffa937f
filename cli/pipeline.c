/* summary: capture → probe → SIP → calls → store, with per-capture counters. */
#include "cli/pipeline.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "calls/calls.h"
#include "common/jsonw.h"
#include "common/stats.h"
#include "db/store.h"
#include "db/store_writer.h"
#include "decoders/sip.h"
#include "probe/capture.h"
#include "probe/hep.h"
#include "probe/hep_out.h"
#include "probe/ip.h"
#include "probe/link.h"
#include "probe/pcapng_write.h"
#include "probe/probe.h"
#include "verifier/verifier.h"

struct pipeline {
    struct pipeline_cfg cfg;
    struct stats st;          /* counters of the current capture */
    struct probe *probe;
    struct calls *calls;
    struct verifier *verifier;     /* NULL without --verify */
    struct verifier_counters vbase; /* verifier counters when the current capture began */
    struct store *store;      /* used on this thread only when the writer is idle: db() */
    struct store_writer *writer; /* stores finished calls on its own thread */
    int64_t capture_id;       /* 0 until the first capture starts */
    bool have_capture;
    struct capture_end cend;  /* of the current capture */
    char cend_message[512];
    bool store_failed;
    uint64_t calls_stored, calls_signed;
    struct ptime last_expire;
    struct sip_msg msg;       /* scratch: ~6 kB, kept off the stack */

    struct stats base;        /* counters of the sources before the current one */
    struct pipeline_source src; /* the current source (kept for SIGHUP reopen) */
    int64_t last_commit_sec;  /* live: wall second of the last periodic commit */

    /* -w evidence file, and whether the packet being decoded carried SIP */
    struct pcapng_w *ev;
    bool ev_failed;
    const struct capture_pkt *cur; /* the packet being decoded, NULL outside pipeline_packet */
    bool cur_sip;
    const char *const *ev_call_ids; /* evidence only of these Call-IDs (NULL: every SIP frame) */
    size_t ev_n_call_ids;
    uint8_t *synth;           /* EVIDENCE_SYNTH_MAX bytes: a rebuilt IP datagram */

    /* --hep-out: the sender, its counters already added to stats, an encoding buffer */
    struct hep_out *hep;
    struct hep_out_counters hep_done;
    uint8_t *hep_buf;         /* HEP3_MAX_LEN bytes */
};

/* ---- evidence (-w) ---------------------------------------------------------------------
 *
 * Policy: a frame is written when decoding it parsed at least one SIP message or left
 * the beginning of one waiting for more TCP segments, so every segment of a message
 * split over TCP segments is written. A UDP datagram rebuilt from IP fragments is
 * written as one unfragmented packet behind the link header of the frame that
 * completed it (same link type, so the file keeps one interface), with a comment; the
 * earlier fragments are no longer at hand. When the fragments travelled inside a
 * tunnel the completing frame is written as it is. */

#define HEP_FLUSH_MS 5000 /* at the end, how long queued HEP messages may take to leave */

#define LINK_PREFIX_MAX 256
#define EVIDENCE_SYNTH_MAX (LINK_PREFIX_MAX + 65535 + 48)

static void evidence_put(struct pipeline *p, int linktype, struct ptime ts, const uint8_t *d,
                         size_t caplen, size_t wirelen, const char *comment)
{
    if (!p->ev || p->ev_failed)
        return;
    const char *ifname = p->src.kind && strcmp(p->src.kind, "live") == 0 ? p->src.name : NULL;
    if (pcapng_w_packet(p->ev, linktype, ifname, ts, d, caplen, wirelen, comment) != 0) {
        fprintf(stderr, "stirprobe: %s; no more evidence is written\n", pcapng_w_error(p->ev));
        p->ev_failed = true;
        return;
    }
    stats_inc(&p->st, ST_EVIDENCE_PACKETS, 1);
}

static uint64_t csum_add(uint64_t sum, const uint8_t *d, size_t n)
{
    for (size_t i = 0; i + 1 < n; i += 2)
        sum += (uint64_t)(d[i] << 8 | d[i + 1]);
    if (n & 1)
        sum += (uint64_t)d[n - 1] << 8;
    return sum;
}

static uint16_t csum_fold(uint64_t sum)
{
    while (sum >> 16)
        sum = (sum & 0xFFFF) + (sum >> 16);
    return (uint16_t)~sum;
}

static void put_be16(uint8_t *d, size_t v)
{
    d[0] = (uint8_t)(v >> 8);
    d[1] = (uint8_t)v;
}

/* IPv4 or IPv6 + UDP around a datagram's payload, checksums computed (RFC 768, 8200 §8.1).
 * Returns the packet length, 0 when it cannot be represented. */
static size_t build_udp_packet(const struct flow *f, const uint8_t *data, size_t len, uint8_t *out)
{
    size_t iphl = f->src.version == 4 ? 20 : 40, udplen = 8 + len;
    if (udplen + (f->src.version == 4 ? iphl : 0) > 65535)
        return 0;
    uint8_t *ip = out, *udp = out + iphl;
    memset(out, 0, iphl + 8);
    uint64_t sum = 0;
    if (f->src.version == 4) {
        ip[0] = 0x45;
        put_be16(ip + 2, iphl + udplen);
        ip[8] = 64;
        ip[9] = IPPROTO_UDP_;
        memcpy(ip + 12, f->src.a, 4);
        memcpy(ip + 16, f->dst.a, 4);
        put_be16(ip + 10, csum_fold(csum_add(0, ip, 20)));
        sum = csum_add(sum, ip + 12, 8);
    } else {
        ip[0] = 0x60;
        put_be16(ip + 4, udplen);
        ip[6] = IPPROTO_UDP_;
        ip[7] = 64;
        memcpy(ip + 8, f->src.a, 16);
        memcpy(ip + 24, f->dst.a, 16);
        sum = csum_add(sum, ip + 8, 32);
    }
    put_be16(udp, f->sport);
    put_be16(udp + 2, f->dport);
    put_be16(udp + 4, udplen);
    memcpy(udp + 8, data, len);
    sum += IPPROTO_UDP_ + udplen;
    uint16_t ck = csum_fold(csum_add(sum, udp, udplen));
    put_be16(udp + 6, ck ? ck : 0xFFFF); /* 0 means "no checksum" in UDP */
    return iphl + udplen;
}

static bool same_addr(const struct ipaddr *a, const struct ipaddr *b)
{
    return a->version == b->version && memcmp(a->a, b->a, a->version == 4 ? 4 : 16) == 0;
}

static void evidence_reassembled(struct pipeline *p, const struct pdu *pdu)
{
    const struct capture_pkt *pkt = p->cur;
    if (!p->ev || p->ev_failed || !p->synth || !pkt)
        return;
    /* Only when the outermost IP header is the fragment of this very datagram can
     * the link header be reused in front of the rebuilt packet. */
    struct link_out lo;
    struct ip_out ip;
    size_t prefix = 0, n = 0;
    if (link_decode(pkt->dlt, pkt->data, pkt->caplen, &lo) == LINK_OK &&
        ip_decode(lo.ip_version, lo.ip.p, lo.ip.n, &ip) == IP_FRAGMENT && same_addr(&ip.src, &pdu->flow.src) &&
        same_addr(&ip.dst, &pdu->flow.dst) && lo.ip_version == pdu->flow.src.version) {
        prefix = (size_t)(lo.ip.p - pkt->data);
        if (prefix <= LINK_PREFIX_MAX) {
            memcpy(p->synth, pkt->data, prefix);
            n = build_udp_packet(&pdu->flow, pdu->data, pdu->len, p->synth + prefix);
        }
    }
    if (!n) {
        evidence_put(p, capture_linktype(pkt->dlt), pkt->ts, pkt->data, pkt->caplen, pkt->wirelen, NULL);
        return;
    }
    char comment[112];
    snprintf(comment, sizeof comment,
             "stirprobe: UDP datagram rebuilt from IP fragments; the last one was frame %llu",
             (unsigned long long)pdu->frame);
    evidence_put(p, capture_linktype(pkt->dlt), pkt->ts, p->synth, prefix + n, prefix + n, comment);
}

/* ---- HEP output (--hep-out) -----------------------------------------------------------
 *
 * Each SIP message goes out as HEP3 payload type SIP with the addresses, ports,
 * transport and capture time of the packet that completed it, and the Call-ID as
 * correlation id; each stored call goes out as its --json object with payload type
 * LOG (100) and the same correlation id, which Homer shows beside the dialog. Only
 * generic chunks are used. A message too big for HEP3's 16-bit length is counted. */

static void hep_emit(struct pipeline *p, const struct flow *f, struct ptime ts, uint8_t proto_type,
                     struct slice payload, struct slice correlation)
{
    struct hep_msg m = {
        .has_ip = true, .src = f->src, .dst = f->dst,
        .has_proto = true, .ip_proto = f->proto,
        .has_ports = true, .sport = f->sport, .dport = f->dport,
        .has_ts = true, .ts_sec = (uint32_t)ts.sec, .ts_usec = ts.nsec / 1000,
        .has_proto_type = true, .proto_type = proto_type,
        .has_capture_id = true, .capture_id = p->cfg.hep_id,
        .auth_key = p->cfg.hep_pass ? slice_cstr(p->cfg.hep_pass) : SLICE_NULL,
        .payload = payload,
        .correlation_id = correlation,
    };
    size_t n = hep3_encode(&m, p->hep_buf, HEP3_MAX_LEN);
    if (n == 0)
        stats_inc(&p->st, ST_DROP_HEP_TOO_BIG, 1);
    else
        hep_out_send(p->hep, p->hep_buf, n); /* a full queue is counted by the sender */
}

static void hep_sip(struct pipeline *p, const struct pdu *pdu, const uint8_t *raw, size_t len)
{
    const struct sip_hdr *cid = sip_find(&p->msg, SH_CALL_ID);
    hep_emit(p, &pdu->flow, pdu->ts, HEP_PROTO_SIP, slice_make(raw, len), cid ? cid->value : SLICE_NULL);
}

static void print_json(FILE *o, const struct call *c);

static void hep_verdict(struct pipeline *p, const struct call *c)
{
    char *buf = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&buf, &n);
    if (!f)
        return;
    print_json(f, c);
    if (fclose(f) == 0 && n > 0)
        hep_emit(p, &c->flow, c->last_seen, HEP_PROTO_LOG, slice_make(buf, n - 1 /* no newline */),
                 slice_make(c->call_id, c->call_id_len));
    free(buf);
}

/* The sender counts on its own thread: add what is new to the current capture's counters. */
static void hep_sync(struct pipeline *p)
{
    if (!p->hep)
        return;
    struct hep_out_counters n;
    hep_out_get_counters(p->hep, &n);
    stats_inc(&p->st, ST_HEP_SENT, n.sent - p->hep_done.sent);
    stats_inc(&p->st, ST_DROP_HEP_QUEUE_FULL, n.queue_full - p->hep_done.queue_full);
    stats_inc(&p->st, ST_DROP_HEP_SEND_FAILED, n.send_failed - p->hep_done.send_failed);
    p->hep_done = n;
}

/* ---- SIP message handling ---------------------------------------------------------- */

#define METHOD(name, id) { name, sizeof name - 1, id }
static const struct {
    const char *method;
    size_t len;
    enum stat_id id;
} method_stats[] = {
    METHOD("INVITE", ST_REQ_INVITE),     METHOD("ACK", ST_REQ_ACK),         METHOD("BYE", ST_REQ_BYE),
    METHOD("CANCEL", ST_REQ_CANCEL),     METHOD("OPTIONS", ST_REQ_OPTIONS), METHOD("REGISTER", ST_REQ_REGISTER),
    METHOD("PRACK", ST_REQ_PRACK),       METHOD("UPDATE", ST_REQ_UPDATE),   METHOD("INFO", ST_REQ_INFO),
    METHOD("SUBSCRIBE", ST_REQ_SUBSCRIBE), METHOD("NOTIFY", ST_REQ_NOTIFY), METHOD("MESSAGE", ST_REQ_MESSAGE),
    METHOD("REFER", ST_REQ_REFER),
};
#undef METHOD

static void count_message(struct pipeline *p, const struct sip_msg *m)
{
    stats_inc(&p->st, ST_SIP_MESSAGES, 1);
    if (m->is_request) {
        enum stat_id id = ST_REQ_OTHER;
        for (size_t i = 0; i < sizeof method_stats / sizeof method_stats[0]; i++)
            if (m->method.n == method_stats[i].len && memcmp(m->method.p, method_stats[i].method, m->method.n) == 0) {
                id = method_stats[i].id;
                break;
            }
        stats_inc(&p->st, id, 1);
    } else {
        stats_inc(&p->st, (enum stat_id)(ST_RESP_1XX + (m->status / 100 - 1)), 1);
    }
    if (m->body_truncated)
        stats_inc(&p->st, ST_ERR_SIP_TRUNCATED_BODY, 1);
    if (m->hdrs_dropped)
        stats_inc(&p->st, ST_ERR_SIP_TOO_MANY_HEADERS, 1);
}

/* Accounts a parsed message (raw, len: as it was on the wire, a UDP datagram whole);
 * true when its frame belongs in the evidence file. */
static bool handle_message(struct pipeline *p, const struct pdu *pdu, const uint8_t *raw, size_t len)
{
    count_message(p, &p->msg);
    calls_on_message(p->calls, &p->msg, pdu);
    if (p->hep)
        hep_sip(p, pdu, raw, len);
    if (!p->ev_call_ids)
        return true;
    const struct sip_hdr *cid = sip_find(&p->msg, SH_CALL_ID);
    for (size_t i = 0; cid && i < p->ev_n_call_ids; i++)
        if (slice_eq(cid->value, p->ev_call_ids[i]))
            return true;
    return false;
}

static bool only_crlf(const uint8_t *d, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (d[i] != '\r' && d[i] != '\n')
            return false;
    return true;
}

static void datagram(struct pipeline *p, const struct pdu *pdu)
{
    /* RFC 5626 §4.4.1 CRLF keep-alives (and RFC 3261 §7.5 stray CRLFs). */
    if (only_crlf(pdu->data, pdu->len)) {
        stats_inc(&p->st, ST_KEEPALIVES, 1);
        return;
    }
    switch (sip_parse(pdu->data, pdu->len, false, &p->msg)) {
    case SIP_OK:
        if (!handle_message(p, pdu, pdu->data, pdu->len))
            break;
        if (pdu->flags & PDU_IP_REASSEMBLED)
            evidence_reassembled(p, pdu);
        else
            p->cur_sip = true;
        break;
    case SIP_NOT_SIP:
    case SIP_NEED_MORE:
        stats_inc(&p->st, ST_NON_SIP_PAYLOADS, 1);
        break;
    case SIP_MALFORMED:
        stats_inc(&p->st, ST_ERR_SIP_PARSE, 1);
        break;
    }
}

#define MAX_PARTIAL_LINE 8192

/* Skip to the next SIP start line. Returns bytes consumed; clears *need_sync when found. */
static size_t resync(struct pipeline *p, const uint8_t *d, size_t len, bool eof, bool *need_sync)
{
    size_t s = sip_find_start(d, len);
    if (s < len) {
        stats_inc(&p->st, ST_DROP_TCP_RESYNC_BYTES, s);
        *need_sync = false;
        return s;
    }
    /* Not found: drop complete lines, keep a partial last line that may become a start line. */
    size_t keep = len;
    if (!eof) {
        const uint8_t *lf = memrchr(d, '\n', len);
        keep = lf ? (size_t)(lf - d) + 1 : 0;
        if (len - keep > MAX_PARTIAL_LINE)
            keep = len - MAX_PARTIAL_LINE;
    }
    stats_inc(&p->st, ST_DROP_TCP_RESYNC_BYTES, keep);
    return keep;
}

static size_t skip_line(const uint8_t *d, size_t len)
{
    const uint8_t *lf = memchr(d, '\n', len);
    return lf ? (size_t)(lf - d) + 1 : len;
}

static size_t stream(struct pipeline *p, const struct pdu *pdu, bool *need_sync)
{
    const uint8_t *d = pdu->data;
    size_t len = pdu->len, off = 0;
    bool eof = (pdu->flags & PDU_EOF) != 0;
    while (off < len) {
        if (*need_sync) {
            size_t used = resync(p, d + off, len - off, eof, need_sync);
            off += used;
            if (*need_sync)
                break;
        }
        size_t crlf = off;
        while (off < len && (d[off] == '\r' || d[off] == '\n'))
            off++;
        if (off - crlf >= 2)
            stats_inc(&p->st, ST_KEEPALIVES, 1);
        if (off == len)
            break;
        enum sip_status rc = sip_parse(d + off, len - off, true, &p->msg);
        if (rc == SIP_OK) {
            if (handle_message(p, pdu, d + off, p->msg.len))
                p->cur_sip = true;
            off += p->msg.len;
        } else if (rc == SIP_NEED_MORE) {
            /* The start of a message is in this segment; its Call-ID may not be yet. */
            if (!p->ev_call_ids)
                p->cur_sip = true;
            if (eof) {
                stats_inc(&p->st, ST_ERR_SIP_PARSE, 1);
                off = len;
            }
            break;
        } else {
            stats_inc(&p->st, rc == SIP_NOT_SIP ? ST_NON_SIP_PAYLOADS : ST_ERR_SIP_PARSE, 1);
            *need_sync = true;
            off += skip_line(d + off, len - off);
        }
    }
    return off;
}

static size_t on_payload(void *ctx, const struct pdu *pdu, bool *need_sync)
{
    struct pipeline *p = ctx;
    if (!(pdu->flags & PDU_STREAM)) {
        datagram(p, pdu);
        return pdu->len;
    }
    return stream(p, pdu, need_sync);
}

/* ---- finished calls ----------------------------------------------------------------- */

static void json_field(FILE *out, const char *name, const char *v, bool *first)
{
    fprintf(out, "%s\"%s\":", *first ? "" : ",", name);
    *first = false;
    if (v && *v)
        json_write_str(out, v, strlen(v));
    else
        fputs("null", out);
}

static void json_int(FILE *out, const char *name, long long v, bool present, bool *first)
{
    fprintf(out, "%s\"%s\":", *first ? "" : ",", name);
    *first = false;
    if (present)
        fprintf(out, "%lld", v);
    else
        fputs("null", out);
}

/* One NDJSON object with the CSV columns of interface.md. */
static void print_json(FILE *o, const struct call *c)
{
    struct call_row r;
    call_row_fill(c, &r);
    const struct passport *pp = r.shaken;
    bool first = true;
    fputc('{', o);
    fputs("\"call_id\":", o);
    json_write_str(o, c->call_id, c->call_id_len);
    first = false;
    json_field(o, "first_seen", r.first_seen, &first);
    json_field(o, "src_ip", r.src_ip, &first);
    json_int(o, "src_port", c->flow.sport, true, &first);
    json_field(o, "dst_ip", r.dst_ip, &first);
    json_int(o, "dst_port", c->flow.dport, true, &first);
    json_field(o, "transport", r.transport, &first);
    json_int(o, "ip_version", c->flow.src.version, true, &first);
    json_field(o, "ruri_tn", c->ruri_tn, &first);
    json_field(o, "from_tn", c->from_tn, &first);
    json_field(o, "to_tn", c->to_tn, &first);
    json_field(o, "pai_tn", c->pai_tn, &first);
    json_int(o, "final_status", c->final_status, c->final_status != 0, &first);
    json_int(o, "sip_messages", c->sip_messages, true, &first);
    json_field(o, "identity_header", r.identity_header, &first);
    json_field(o, "ppt", r.ppt, &first);
    json_field(o, "attest", pp ? pp->attest : NULL, &first);
    json_field(o, "origid", pp ? pp->origid : NULL, &first);
    json_field(o, "orig_tn", r.orig_tn, &first);
    json_field(o, "dest_tn", r.dest_tn, &first);
    json_int(o, "iat", pp ? pp->iat : 0, pp && pp->has_iat, &first);
    json_field(o, "x5u", pp ? pp->x5u : NULL, &first);
    json_field(o, "verstat", c->verstat, &first);
    json_field(o, "verify_result", r.verify_result, &first);
    json_field(o, "chain_id", r.chain_id, &first);
    fputs("}\n", o);
}

static void store_failed(struct pipeline *p)
{
    if (!p->store_failed)
        fprintf(stderr, "stirprobe: %s: %s\n", p->cfg.db_path, store_errmsg(p->store));
    p->store_failed = true;
}

/* The store, once the writer thread has stored every call handed to it: the one way
 * this thread reaches the database, so the two never use it at once. */
static struct store *db(struct pipeline *p)
{
    if (p->writer && store_writer_sync(p->writer) != 0)
        store_failed(p);
    return p->store;
}

static void store_call(void *ctx, struct call *c)
{
    struct pipeline *p = ctx;
    if (p->store_failed || (p->writer && store_writer_failed(p->writer))) {
        call_free(c);
        return;
    }
    p->calls_stored++;
    if (c->n_idents)
        p->calls_signed++;
    if (p->cfg.json)
        print_json(stdout, c);
    if (p->hep)
        hep_verdict(p, c);
    store_writer_put(p->writer, p->capture_id, c);
}

static void store_cert(void *ctx, const struct verifier_cert_record *r)
{
    struct pipeline *p = ctx;
    if (!p->store_failed && store_put_cert(db(p), r) != 0)
        store_failed(p);
}

/* Verified calls and fetched certificates go to the database on this thread only. */
static void collect(struct pipeline *p, bool wait)
{
    verifier_collect(p->verifier, wait, store_call, p);
    verifier_take_certs(p->verifier, store_cert, p);
}

static void on_call_done(void *ctx, struct call *c)
{
    struct pipeline *p = ctx;
    if (!p->verifier) {
        store_call(p, c);
        return;
    }
    verifier_submit(p->verifier, c);
    collect(p, false);
}

static void seed_cert(void *ctx, const char *x5u, const uint8_t *body, size_t len, int64_t fetched_at,
                      int64_t cache_until)
{
    verifier_seed(ctx, x5u, body, len, fetched_at, cache_until);
}

void pipeline_verifier_cfg(const struct pipeline_cfg *c, struct verifier_cfg *vc)
{
    *vc = (struct verifier_cfg){
        .trust = c->trust,
        .cert_map = c->cert_map,
        .fetch = { .ca_bundle = c->ca_bundle, .allow_private = c->x5u_allow_private },
        .max_iat_age = c->max_iat_age,
        .threads = c->threads,
        .max_pending = c->max_pending,
    };
    for (size_t i = 0; i < c->n_x5u_connect_to && i < FETCH_MAX_CONNECT_TO; i++)
        vc->fetch.connect_to[vc->fetch.n_connect_to++] = c->x5u_connect_to[i];
}

static int start_verifier(struct pipeline *p, char *err, size_t errlen)
{
    const struct pipeline_cfg *c = &p->cfg;
    struct verifier_cfg vc;
    pipeline_verifier_cfg(c, &vc);
    if (!(p->verifier = verifier_new(&vc, err, errlen)))
        return -1;
    /* Certificates fetched by earlier runs and still fresh are not fetched again. */
    if (store_load_certs(p->store, seed_cert, p->verifier) != 0) {
        snprintf(err, errlen, "%s: %s", c->db_path, store_errmsg(p->store));
        return -1;
    }
    return 0;
}

/* Verifier counters since the capture began, into the capture's stats. */
static void add_verify_counters(struct pipeline *p)
{
    if (!p->verifier)
        return;
    struct verifier_counters n;
    verifier_get_counters(p->verifier, &n);
    const struct verifier_counters *b = &p->vbase;
    stats_inc(&p->st, ST_VERIFY_CALLS, n.calls_verified - b->calls_verified);
    stats_inc(&p->st, ST_VERIFY_PASSPORTS, n.passports_verified - b->passports_verified);
    stats_inc(&p->st, ST_X5U_FETCHES, n.x5u_fetches - b->x5u_fetches);
    stats_inc(&p->st, ST_X5U_FETCH_FAILURES, n.x5u_fetch_failures - b->x5u_fetch_failures);
    stats_inc(&p->st, ST_X5U_CACHE_HITS, n.x5u_cache_hits - b->x5u_cache_hits);
    stats_inc(&p->st, ST_SIG_CHECKS, n.signature_checks - b->signature_checks);
    stats_inc(&p->st, ST_SIG_CACHE_HITS, n.signature_cache_hits - b->signature_cache_hits);
    stats_inc(&p->st, ST_CHAIN_CHECKS, n.chain_checks - b->chain_checks);
    stats_inc(&p->st, ST_CHAIN_CACHE_HITS, n.chain_cache_hits - b->chain_cache_hits);
    stats_inc(&p->st, ST_DROP_X5U_CACHE_EVICTED, n.certs_evicted - b->certs_evicted);
    p->vbase = n;
}

/* ---- inputs ------------------------------------------------------------------------- */

struct pipeline *pipeline_new(const struct pipeline_cfg *cfg, char *err, size_t errlen)
{
    struct pipeline *p = calloc(1, sizeof *p);
    if (!p) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    p->cfg = *cfg;
    p->cfg.store.st = &p->st; /* db_reconnects, db_spool_dropped count with the current source */
    p->store = store_open(cfg->db_path, &p->cfg.store, err, errlen);
    if (!p->store)
        goto bad;
    if (!(p->writer = store_writer_new(p->store, STORE_WRITER_QUEUE))) {
        snprintf(err, errlen, "%s: cannot start the database writer", cfg->db_path);
        goto bad;
    }
    if (cfg->verify && start_verifier(p, err, errlen) != 0)
        goto bad;
    if (cfg->hep_out) {
        p->hep_buf = malloc(HEP3_MAX_LEN);
        if (!p->hep_buf) {
            snprintf(err, errlen, "out of memory");
            goto bad;
        }
        if (!(p->hep = hep_out_new(cfg->hep_out, HEP_OUT_QUEUE_BYTES, cfg->hep_rate, err, errlen)))
            goto bad;
    }
    struct probe_cfg pc;
    probe_default_cfg(&pc);
    p->probe = probe_new(&pc, (struct probe_sink){ .ctx = p, .payload = on_payload }, &p->st);
    struct calls_cfg cc;
    calls_default_cfg(&cc);
    p->calls = calls_new(&cc, on_call_done, p, &p->st);
    if (!p->probe || !p->calls) {
        snprintf(err, errlen, "out of memory");
        goto bad;
    }
    return p;
bad:
    pipeline_free(p);
    return NULL;
}

int pipeline_bulk_load(struct pipeline *p, uint64_t expected_calls)
{
    if (store_bulk_begin(db(p), expected_calls) != 0) {
        store_failed(p);
        return 1;
    }
    return 0;
}

/* Closes the record of the current capture with its counters. */
static int end_capture(struct pipeline *p)
{
    if (!p->have_capture)
        return 0;
    p->have_capture = false;
    add_verify_counters(p);
    hep_sync(p);
    struct store *s = db(p);
    if (p->store_failed)
        return 1;
    if (store_capture_end(s, p->capture_id, &p->cend, &p->st) != 0) {
        fprintf(stderr, "stirprobe: %s: %s\n", p->cfg.db_path, store_errmsg(p->store));
        p->store_failed = true;
        return 1;
    }
    return 0;
}

/* Path, size and mtime identify a file across runs; stdin has no identity. */
static void source_key(const char *path, char *key, size_t cap, bool *have)
{
    struct stat sb;
    char real[PATH_MAX];
    *have = false;
    if (strcmp(path, "-") == 0 || stat(path, &sb) != 0 || !realpath(path, real))
        return;
    snprintf(key, cap, "%s|%lld|%lld", real, (long long)sb.st_size, (long long)sb.st_mtime);
    *have = true;
}

int pipeline_begin_source(struct pipeline *p, const struct pipeline_source *src)
{
    if (end_capture(p) != 0)
        return 1;
    for (int i = 0; i < ST__COUNT; i++)
        p->base.v[i] += p->st.v[i];
    memset(&p->st, 0, sizeof p->st);
    memset(&p->cend, 0, sizeof p->cend);
    p->src = *src;
    struct capture_info ci = { .source = src->name, .source_key = src->key, .kind = src->kind,
                               .link_type = src->link_name };
    if (store_capture_begin(db(p), &ci, &p->capture_id) != 0) {
        fprintf(stderr, "stirprobe: %s: %s\n", p->cfg.db_path, store_errmsg(p->store));
        p->store_failed = true;
        return 1;
    }
    p->have_capture = true;
    p->cend.status = "complete";
    return 0;
}

void pipeline_packet(struct pipeline *p, const struct capture_pkt *pkt)
{
    if (p->cend.packets == 0)
        p->cend.first_packet = pkt->ts;
    p->cend.packets++;
    p->cend.last_packet = pkt->ts;
    /* Call timers run on capture time, checked once per captured second. */
    if (pkt->ts.sec != p->last_expire.sec) {
        calls_expire(p->calls, pkt->ts);
        p->last_expire = pkt->ts;
    }
    p->cur = pkt;
    p->cur_sip = false;
    probe_frame(p->probe, pkt->dlt, pkt->ts, pkt->frame, pkt->data, pkt->caplen, pkt->wirelen);
    if (p->cur_sip)
        evidence_put(p, capture_linktype(pkt->dlt), pkt->ts, pkt->data, pkt->caplen, pkt->wirelen, NULL);
    p->cur = NULL;
}

void pipeline_message(struct pipeline *p, const struct flow *f, struct ptime ts, const uint8_t *data, size_t len)
{
    if (p->cend.packets == 0)
        p->cend.first_packet = ts;
    p->cend.packets++;
    p->cend.last_packet = ts;
    if (ts.sec != p->last_expire.sec) {
        calls_expire(p->calls, ts);
        p->last_expire = ts;
    }
    stats_inc(&p->st, ST_PACKETS, 1);
    stats_inc(&p->st, ST_BYTES, len);
    stats_inc(&p->st, f->src.version == 4 ? ST_IPV4 : ST_IPV6, 1);
    stats_inc(&p->st, f->proto == IPPROTO_TCP_ ? ST_TCP : ST_UDP, 1);
    struct pdu pdu = { .ts = ts, .frame = p->cend.packets, .flow = *f, .data = data, .len = len };
    datagram(p, &pdu);
}

int pipeline_tick(struct pipeline *p, struct ptime now)
{
    if (now.sec != p->last_expire.sec) {
        calls_expire(p->calls, now);
        p->last_expire = now;
    }
    /* Verified calls are stored as they come back, not only when another call finishes. */
    if (p->verifier)
        collect(p, false);
    hep_sync(p);
    /* Rows must reach the file (and readers) within a second, not after STORE_BATCH calls. */
    if (now.sec != p->last_commit_sec) {
        p->last_commit_sec = now.sec;
        if (!p->store_failed && store_commit(db(p)) != 0) {
            fprintf(stderr, "stirprobe: %s: %s\n", p->cfg.db_path, store_errmsg(p->store));
            p->store_failed = true;
        }
        pipeline_flush_evidence(p);
    }
    return p->store_failed ? 1 : 0;
}

void pipeline_source_status(struct pipeline *p, const char *status, const char *message)
{
    p->cend.status = status;
    if (message) {
        snprintf(p->cend_message, sizeof p->cend_message, "%s", message);
        p->cend.message = p->cend_message;
    } else {
        p->cend.message = NULL;
    }
}

void pipeline_count(struct pipeline *p, enum stat_id id, uint64_t by)
{
    stats_inc(&p->st, id, by);
}

uint64_t pipeline_total(const struct pipeline *p, enum stat_id id)
{
    return p->base.v[id] + p->st.v[id];
}

size_t pipeline_open_calls(const struct pipeline *p)
{
    return calls_open(p->calls);
}

bool pipeline_failed(const struct pipeline *p)
{
    return p->store_failed;
}

int pipeline_reopen_db(struct pipeline *p, char *err, size_t errlen)
{
    if (p->store_failed) {
        snprintf(err, errlen, "%s: database already failed", p->cfg.db_path);
        return 1;
    }
    bool had = p->have_capture;
    struct pipeline_source src = p->src;
    if (had) {
        pipeline_source_status(p, "complete", "continued in a new database file (SIGHUP)");
        if (end_capture(p) != 0) {
            snprintf(err, errlen, "%s: closing the capture record failed", p->cfg.db_path);
            return 1;
        }
    }
    if (store_checkpoint(db(p)) != 0) {
        snprintf(err, errlen, "%s: %s", p->cfg.db_path, store_errmsg(p->store));
        p->store_failed = true;
        return 1;
    }
    store_writer_free(p->writer);
    p->writer = NULL;
    store_close(p->store);
    p->store = store_open(p->cfg.db_path, &p->cfg.store, err, errlen);
    if (!p->store || !(p->writer = store_writer_new(p->store, STORE_WRITER_QUEUE))) {
        if (p->store)
            snprintf(err, errlen, "%s: cannot start the database writer", p->cfg.db_path);
        p->store_failed = true;
        return 1;
    }
    if (had && pipeline_begin_source(p, &src) != 0) {
        snprintf(err, errlen, "%s: %s", p->cfg.db_path, store_errmsg(p->store));
        return 1;
    }
    return 0;
}

int pipeline_open_evidence(struct pipeline *p, const char *path, char *err, size_t errlen)
{
    p->synth = malloc(EVIDENCE_SYNTH_MAX);
    if (!p->synth) {
        snprintf(err, errlen, "%s: out of memory", path);
        return 1;
    }
    p->ev = pcapng_w_open(path, "stirprobe " STIRPROBE_VERSION, err, errlen);
    return p->ev ? 0 : 1;
}

void pipeline_evidence_filter(struct pipeline *p, const char *const *call_ids, size_t n)
{
    p->ev_call_ids = call_ids;
    p->ev_n_call_ids = n;
}

void pipeline_flush_evidence(struct pipeline *p)
{
    if (p->ev && !p->ev_failed && pcapng_w_flush(p->ev) != 0) {
        fprintf(stderr, "stirprobe: %s; no more evidence is written\n", pcapng_w_error(p->ev));
        p->ev_failed = true;
    }
}

int pipeline_close_evidence(struct pipeline *p)
{
    if (!p->ev)
        return 0;
    char err[512];
    uint64_t n = pcapng_w_packets(p->ev);
    int rc = pcapng_w_close(p->ev, err, sizeof err);
    p->ev = NULL;
    if (rc != 0) {
        if (!p->ev_failed)
            fprintf(stderr, "stirprobe: %s\n", err);
        return 1;
    }
    if (p->ev_failed)
        return 1;
    if (!p->cfg.quiet)
        fprintf(stderr, "wrote %llu SIP packets to the evidence file\n", (unsigned long long)n);
    return 0;
}

int pipeline_read_file(struct pipeline *p, const char *path, bool *fatal)
{
    char err[512];
    *fatal = false;
    struct capture *cap = capture_open_file(path, err, sizeof err);
    if (!cap) {
        fprintf(stderr, "stirprobe: %s\n", err);
        return 1;
    }
    char key[PATH_MAX + 64];
    bool have_key;
    source_key(path, key, sizeof key, &have_key);
    struct pipeline_source src = { .name = path, .key = have_key ? key : NULL, .kind = "file",
                                   .link_name = capture_link_name(cap) };
    if (pipeline_begin_source(p, &src) != 0) {
        capture_close(cap);
        *fatal = true;
        return 1;
    }
    /* key and the link name live only as long as this call. */
    p->src.key = NULL;
    p->src.link_name = NULL;
    uint64_t calls_before = p->calls_stored;

    struct capture_pkt pkt;
    enum capture_rc rc;
    int status = 0;
    while ((rc = capture_next(cap, &pkt, err, sizeof err)) == CAPTURE_PACKET) {
        pipeline_packet(p, &pkt);
        if (p->store_failed || store_writer_failed(p->writer))
            break;
    }
    if (rc == CAPTURE_DAMAGED) {
        fprintf(stderr, "stirprobe: %s: damaged capture, %s; the packets before it are kept\n", path, err);
        pipeline_source_status(p, "truncated", err);
        status = 2;
    }
    capture_close(cap);
    if (store_commit(db(p)) != 0 && !p->store_failed) {
        fprintf(stderr, "stirprobe: %s: %s\n", p->cfg.db_path, store_errmsg(p->store));
        p->store_failed = true;
    }
    if (p->store_failed) {
        *fatal = true;
        return 1;
    }
    if (!p->cfg.quiet)
        fprintf(stderr, "%s: %llu packets, %llu SIP messages, %llu new calls (%llu stored, %zu still open)\n",
                path, (unsigned long long)p->st.v[ST_PACKETS],
                (unsigned long long)p->st.v[ST_SIP_MESSAGES], (unsigned long long)p->st.v[ST_CALLS],
                (unsigned long long)(p->calls_stored - calls_before), calls_open(p->calls));
    return status;
}

int pipeline_finish(struct pipeline *p)
{
    probe_finish(p->probe);
    calls_finish_all(p->calls);
    if (p->verifier)
        collect(p, true);
    /* Everything is queued now: give the sender a bounded time to deliver it. */
    if (p->hep)
        hep_out_close(p->hep, HEP_FLUSH_MS);
    int rc = end_capture(p);
    /* store_finish: PostgreSQL gets --db-wait to take what is spooled (a restart). */
    if (!p->store_failed && (store_finish(db(p)) != 0 || store_bulk_end(p->store) != 0)) {
        fprintf(stderr, "stirprobe: %s: %s\n", p->cfg.db_path, store_errmsg(p->store));
        p->store_failed = true;
    }
    if (!p->cfg.quiet && !p->store_failed)
        fprintf(stderr, "stored %llu calls (%llu signed) in %s\n", (unsigned long long)p->calls_stored,
                (unsigned long long)p->calls_signed, p->cfg.db_path);
    fflush(stdout);
    return p->store_failed || rc ? 1 : 0;
}

static void drop_call(void *ctx, struct call *c)
{
    (void)ctx;
    call_free(c);
}

void pipeline_free(struct pipeline *p)
{
    if (!p)
        return;
    calls_free(p->calls);
    probe_free(p->probe);
    if (p->verifier) {
        /* Anything still in flight (an error path) is dropped, not stored half-verified. */
        verifier_collect(p->verifier, true, drop_call, NULL);
        verifier_free(p->verifier);
    }
    store_writer_free(p->writer);
    store_close(p->store);
    pipeline_close_evidence(p);
    free(p->synth);
    hep_out_free(p->hep);
    free(p->hep_buf);
    free(p);
}
