/* summary: frame → link → IP (→ tunnel → IP) → UDP/TCP → sink, every rejection counted. */
#include "probe/probe.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>

#include "probe/defrag.h"
#include "probe/ip.h"
#include "probe/l4.h"
#include "probe/link.h"

#define MAX_TUNNEL_DEPTH 3
#define IPPROTO_IPIP_ 4
#define IPPROTO_IPV6_ 41
#define IPPROTO_GRE_ 47
#define SIP_TLS_PORT 5061

struct probe {
    struct probe_sink sink;
    struct stats *st;
    struct tcp_reasm *tcp;
    struct defrag *defrag;
    struct ptime last_expire;
};

/* Dotted quad by hand: glibc's inet_ntop formats IPv4 through sprintf, and every
 * stored call formats two addresses. */
static bool ipv4_str(const uint8_t a[4], char *buf, size_t cap)
{
    if (cap < 16)
        return false;
    char *p = buf;
    for (int i = 0; i < 4; i++) {
        unsigned v = a[i];
        if (v >= 100)
            *p++ = (char)('0' + v / 100);
        if (v >= 10)
            *p++ = (char)('0' + v / 10 % 10);
        *p++ = (char)('0' + v % 10);
        *p++ = i < 3 ? '.' : '\0';
    }
    return true;
}

void ipaddr_str(const struct ipaddr *a, char *buf, size_t cap)
{
    if (a->version != 6 && ipv4_str(a->a, buf, cap))
        return;
    if (!inet_ntop(a->version == 6 ? AF_INET6 : AF_INET, a->a, buf, (socklen_t)cap))
        snprintf(buf, cap, "?");
}

void probe_default_cfg(struct probe_cfg *cfg)
{
    cfg->tcp.max_streams = 65536;
    cfg->tcp.max_stream_bytes = 1u << 20; /* one SIP message with a large body fits */
    /* A retransmission comes within one RTO; meanwhile a sender fills at most its window:
     * 64 kB unscaled is ~45 full segments, 256 kB leaves room for a scaled window. */
    cfg->tcp.max_ooo_bytes = 256u << 10;
    cfg->tcp.max_ooo_segments = 128;
    cfg->tcp.max_total_bytes = 64u << 20;
    cfg->tcp.idle_sec = 300;
    cfg->defrag.max_datagrams = 4096;
    cfg->defrag.max_fragments = 64; /* 64 kB in 1 kB pieces; real INVITEs need 2-5 */
    cfg->defrag.max_total_bytes = 32u << 20;
    cfg->defrag.timeout_sec = 30;
}

static size_t tcp_to_sink(void *ctx, const struct pdu *pdu, bool *need_sync)
{
    struct probe *p = ctx;
    return p->sink.payload(p->sink.ctx, pdu, need_sync);
}

struct probe *probe_new(const struct probe_cfg *cfg, struct probe_sink sink, struct stats *st)
{
    struct probe *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->sink = sink;
    p->st = st;
    p->tcp = tcp_reasm_new(&cfg->tcp, tcp_to_sink, p, st);
    p->defrag = defrag_new(&cfg->defrag, st);
    if (!p->tcp || !p->defrag) {
        probe_free(p);
        return NULL;
    }
    return p;
}

void probe_free(struct probe *p)
{
    if (!p)
        return;
    tcp_reasm_free(p->tcp);
    defrag_free(p->defrag);
    free(p);
}

void probe_finish(struct probe *p)
{
    tcp_reasm_flush(p->tcp);
}

/* GRE (RFC 2784/2890): only version 0; returns the encapsulated ethertype and payload. */
static bool gre_decode(struct slice s, uint16_t *type, struct slice *inner)
{
    if (s.n < 4)
        return false;
    uint16_t fl = (uint16_t)(s.p[0] << 8 | s.p[1]);
    if ((fl & 7) != 0) /* version */
        return false;
    size_t off = 4;
    if (fl & 0x8000) /* checksum present */
        off += 4;
    if (fl & 0x2000) /* key */
        off += 4;
    if (fl & 0x1000) /* sequence */
        off += 4;
    if (off > s.n)
        return false;
    *type = (uint16_t)(s.p[2] << 8 | s.p[3]);
    *inner = slice_from(s, off);
    return true;
}

static void transport(struct probe *p, const struct ip_out *ip, struct ptime ts, uint64_t frame,
                      bool reassembled)
{
    struct l4_out l4;
    struct pdu pdu = { .ts = ts, .frame = frame, .flags = reassembled ? PDU_IP_REASSEMBLED : 0 };
    pdu.flow.src = ip->src;
    pdu.flow.dst = ip->dst;
    pdu.flow.proto = ip->proto;

    if (ip->proto == IPPROTO_UDP_) {
        stats_inc(p->st, ST_UDP, 1);
        enum l4_status rc = udp_decode(ip->payload, &l4);
        if (rc != L4_OK) {
            stats_inc(p->st, rc == L4_TRUNCATED ? ST_DROP_SNAPLEN : ST_DROP_UDP_MALFORMED, 1);
            return;
        }
        pdu.flow.sport = l4.sport;
        pdu.flow.dport = l4.dport;
        pdu.data = l4.payload.p;
        pdu.len = l4.payload.n;
        if (pdu.len == 0)
            return;
        bool sync = false;
        p->sink.payload(p->sink.ctx, &pdu, &sync);
        return;
    }
    stats_inc(p->st, ST_TCP, 1);
    enum l4_status rc = tcp_decode(ip->payload, &l4);
    if (rc != L4_OK) {
        stats_inc(p->st, rc == L4_TRUNCATED ? ST_DROP_SNAPLEN : ST_DROP_TCP_MALFORMED, 1);
        return;
    }
    pdu.flow.sport = l4.sport;
    pdu.flow.dport = l4.dport;
    /* SIP over TLS is ciphertext to a passive probe: count it, never guess. */
    if (l4.sport == SIP_TLS_PORT || l4.dport == SIP_TLS_PORT) {
        if (l4.payload.n)
            stats_inc(p->st, ST_TLS_SIP, 1);
        return;
    }
    tcp_reasm_segment(p->tcp, &pdu, l4.seq, l4.flags, l4.payload.p, l4.payload.n);
}

void probe_frame(struct probe *p, int dlt, struct ptime ts, uint64_t frame, const uint8_t *data,
                 size_t caplen, size_t wirelen)
{
    stats_inc(p->st, ST_PACKETS, 1);
    stats_inc(p->st, ST_BYTES, wirelen);

    /* Expiry is driven by capture time, checked at most once per second of it. */
    if (ts.sec != p->last_expire.sec) {
        tcp_reasm_expire(p->tcp, ts);
        defrag_expire(p->defrag, ts);
        p->last_expire = ts;
    }

    struct link_out lo;
    enum link_status ls = link_decode(dlt, data, caplen, &lo);
    bool reassembled = false; /* at any tunnel level: this frame alone is not the datagram */
    for (int depth = 0;; depth++) {
        switch (ls) {
        case LINK_OK:
            break;
        case LINK_UNSUPPORTED:
            stats_inc(p->st, ST_DROP_LINK_UNSUPPORTED, 1);
            return;
        case LINK_TRUNCATED:
            stats_inc(p->st, ST_DROP_LINK_TRUNCATED, 1);
            return;
        case LINK_NOT_IP:
            stats_inc(p->st, ST_DROP_NOT_IP, 1);
            return;
        }
        if (depth == 0)
            stats_inc(p->st, lo.ip_version == 4 ? ST_IPV4 : ST_IPV6, 1);

        struct ip_out ip, whole;
        enum ip_status is = ip_decode(lo.ip_version, lo.ip.p, lo.ip.n, &ip);
        if (is == IP_FRAGMENT) {
            if (!defrag_add(p->defrag, ts, &ip, &whole))
                return;
            ip = whole;
            is = IP_OK;
            reassembled = true;
        }
        switch (is) {
        case IP_OK:
            break;
        case IP_TRUNCATED:
            stats_inc(p->st, caplen < wirelen ? ST_DROP_SNAPLEN : ST_DROP_IP_MALFORMED, 1);
            return;
        case IP_MALFORMED:
            stats_inc(p->st, ST_DROP_IP_MALFORMED, 1);
            return;
        case IP_FRAGMENT:
            return; /* handled above */
        case IP_NO_PAYLOAD:
            stats_inc(p->st, ST_DROP_L4_OTHER, 1);
            return;
        }
        if (ip.proto == IPPROTO_UDP_ || ip.proto == IPPROTO_TCP_) {
            transport(p, &ip, ts, frame, reassembled);
            return;
        }
        if (depth == MAX_TUNNEL_DEPTH &&
            (ip.proto == IPPROTO_IPIP_ || ip.proto == IPPROTO_IPV6_ || ip.proto == IPPROTO_GRE_)) {
            stats_inc(p->st, ST_DROP_TUNNEL_DEPTH, 1);
            return;
        }
        if (ip.proto == IPPROTO_IPIP_ || ip.proto == IPPROTO_IPV6_) {
            lo.ip_version = ip.proto == IPPROTO_IPIP_ ? 4 : 6;
            lo.ip = ip.payload;
            ls = LINK_OK;
            continue;
        }
        uint16_t type;
        struct slice inner;
        if (ip.proto == IPPROTO_GRE_ && gre_decode(ip.payload, &type, &inner)) {
            if (type == 0x6558) { /* transparent Ethernet bridging */
                ls = link_decode_ether(inner.p, inner.n, &lo);
            } else if (type == 0x0800 || type == 0x86DD) {
                lo.ip_version = type == 0x0800 ? 4 : 6;
                lo.ip = inner;
                ls = LINK_OK;
            } else {
                ls = LINK_NOT_IP;
            }
            continue;
        }
        stats_inc(p->st, ST_DROP_L4_OTHER, 1);
        return;
    }
}
