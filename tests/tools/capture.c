/* summary: stirgen's capture writer — pcap (µs/ns, either byte order) and
 * pcapng files, the link layers stirprobe must read, and IPv4/IPv6 + UDP/TCP
 * headers with correct checksums.
 *
 * References: pcap and pcapng file formats (IETF draft-ietf-opsawg-pcap,
 * draft-ietf-opsawg-pcapng), tcpdump.org LINKTYPE_ list, RFC 791 (IPv4),
 * RFC 8200 (IPv6, §4.5 fragmentation), RFC 768 (UDP), RFC 9293 (TCP),
 * RFC 1071 (checksum), RFC 815/RFC 791 §3.2 (IPv4 fragmentation),
 * IEEE 802.1Q / 802.1ad (VLAN tags). */
#include "stirgen.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

static const struct {
    const char *name;
    enum linktype link;
    uint32_t linktype; /* the LINKTYPE_ value written to the file */
} LINKS[] = {
    {"eth", LINK_ETH, 1},     {"vlan", LINK_VLAN, 1},   {"qinq", LINK_QINQ, 1},
    {"sll", LINK_SLL, 113},   {"sll2", LINK_SLL2, 276}, {"raw", LINK_RAW, 101},
    {"null", LINK_NULL, 0},   {"loop", LINK_LOOP, 108},
};

bool link_parse(const char *name, enum linktype *out)
{
    for (size_t i = 0; i < ARRAY_LEN(LINKS); i++)
        if (strcmp(LINKS[i].name, name) == 0) {
            *out = LINKS[i].link;
            return true;
        }
    return false;
}

const char *link_name(enum linktype l)
{
    for (size_t i = 0; i < ARRAY_LEN(LINKS); i++)
        if (LINKS[i].link == l)
            return LINKS[i].name;
    return "?";
}

static uint32_t linktype_value(enum linktype l)
{
    for (size_t i = 0; i < ARRAY_LEN(LINKS); i++)
        if (LINKS[i].link == l)
            return LINKS[i].linktype;
    die("unknown link type %d", (int)l);
}

/* Read the decimal digits of n as a hex number: 113 -> 0x113. */
static uint16_t dec_as_hex(unsigned n)
{
    uint16_t v = 0;
    unsigned shift = 0;
    do {
        v = (uint16_t)(v | (n % 10) << shift);
        shift += 4;
        n /= 10;
    } while (n);
    return v;
}

void ip_map_v6(uint32_t v4, uint8_t out[16])
{
    memset(out, 0, 16);
    out[0] = 0x20, out[1] = 0x01, out[2] = 0x0d, out[3] = 0xb8; /* 2001:db8::/32, RFC 3849 */
    uint16_t c = dec_as_hex(v4 >> 8 & 0xff), d = dec_as_hex(v4 & 0xff);
    out[6] = (uint8_t)(c >> 8), out[7] = (uint8_t)c;
    out[14] = (uint8_t)(d >> 8), out[15] = (uint8_t)d;
}

const char *ip_str(uint32_t v4, bool v6, char out[64])
{
    if (v6) {
        uint8_t a[16];
        ip_map_v6(v4, a);
        inet_ntop(AF_INET6, a, out, 64);
    } else {
        uint32_t be = htonl(v4);
        inet_ntop(AF_INET, &be, out, 64);
    }
    return out;
}

/* ---- RFC 1071 Internet checksum ------------------------------------------ */

static uint32_t csum_add(uint32_t acc, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i + 1 < n; i += 2)
        acc += (uint32_t)p[i] << 8 | p[i + 1];
    if (n & 1)
        acc += (uint32_t)p[n - 1] << 8; /* odd tail padded with a zero byte */
    return acc;
}

static uint16_t csum_fold(uint32_t acc)
{
    while (acc >> 16)
        acc = (acc & 0xffff) + (acc >> 16);
    return (uint16_t)~acc;
}

/* ---- IP / UDP / TCP ------------------------------------------------------ */

/* Builds the UDP or TCP segment of p, checksummed over the pseudo-header of
 * the IP version in use (RFC 768, RFC 9293 §3.1, RFC 8200 §8.1). */
static void build_l4(struct buf *l4, const struct pkt *p, bool v6)
{
    size_t csum_off;
    if (p->proto == IPPROTO_UDP_) {
        buf_be16(l4, p->sport);
        buf_be16(l4, p->dport);
        buf_be16(l4, (uint16_t)(8 + p->payload.n));
        buf_be16(l4, 0);
        csum_off = 6;
    } else {
        /* SYNs carry an MSS option, as every real stack sends one. */
        bool mss = p->tcp_flags & TCPF_SYN;
        buf_be16(l4, p->sport);
        buf_be16(l4, p->dport);
        buf_be32(l4, p->seq);
        buf_be32(l4, p->tcp_flags & TCPF_ACK ? p->ack : 0);
        buf_u8(l4, (uint8_t)((mss ? 6 : 5) << 4)); /* data offset in 32-bit words */
        buf_u8(l4, p->tcp_flags);
        buf_be16(l4, 64240); /* window */
        buf_be16(l4, 0);     /* checksum, patched below */
        buf_be16(l4, 0);     /* urgent pointer */
        if (mss) {
            static const uint8_t opt[4] = {2, 4, 0x05, 0xb4}; /* MSS 1460 */
            buf_put(l4, opt, 4);
        }
        csum_off = 16;
    }
    buf_put(l4, p->payload.p, p->payload.n);

    struct buf ph = {0};
    if (v6) {
        uint8_t a[16];
        ip_map_v6(p->src, a);
        buf_put(&ph, a, 16);
        ip_map_v6(p->dst, a);
        buf_put(&ph, a, 16);
        buf_be32(&ph, (uint32_t)l4->n);
        buf_zero(&ph, 3);
        buf_u8(&ph, p->proto);
    } else {
        buf_be32(&ph, p->src);
        buf_be32(&ph, p->dst);
        buf_u8(&ph, 0);
        buf_u8(&ph, p->proto);
        buf_be16(&ph, (uint16_t)l4->n);
    }
    uint16_t c = csum_fold(csum_add(csum_add(0, ph.p, ph.n), l4->p, l4->n));
    /* UDP sends a computed 0 as 0xffff: 0 means "no checksum" (and is
     * forbidden over IPv6). */
    if (p->proto == IPPROTO_UDP_ && c == 0)
        c = 0xffff;
    l4->p[csum_off] = (uint8_t)(c >> 8);
    l4->p[csum_off + 1] = (uint8_t)c;
    buf_free(&ph);
}

static void build_ip(struct buf *ip, const struct pkt *p, bool v6, uint16_t ip_id)
{
    struct buf l4 = {0};
    build_l4(&l4, p, v6);
    if (l4.n > 65535 - 40)
        die("packet too large for one IP datagram (%zu bytes)", l4.n);
    if (v6) {
        uint8_t a[16];
        buf_be32(ip, 6u << 28); /* version 6, traffic class 0, flow label 0 */
        buf_be16(ip, (uint16_t)l4.n);
        buf_u8(ip, p->proto); /* next header */
        buf_u8(ip, 64);       /* hop limit */
        ip_map_v6(p->src, a);
        buf_put(ip, a, 16);
        ip_map_v6(p->dst, a);
        buf_put(ip, a, 16);
    } else {
        size_t h = ip->n;
        buf_u8(ip, 0x45); /* version 4, 5-word header */
        buf_u8(ip, 0);    /* DSCP/ECN */
        buf_be16(ip, (uint16_t)(20 + l4.n));
        buf_be16(ip, ip_id);
        /* DF on TCP as Linux sets it; UDP SIP leaves it clear so an
         * oversized datagram may be fragmented (--mtu, fragment_ip). */
        buf_be16(ip, p->proto == IPPROTO_TCP_ ? 0x4000 : 0);
        buf_u8(ip, 64);
        buf_u8(ip, p->proto);
        buf_be16(ip, 0);
        buf_be32(ip, p->src);
        buf_be32(ip, p->dst);
        uint16_t c = csum_fold(csum_add(0, ip->p + h, 20));
        ip->p[h + 10] = (uint8_t)(c >> 8);
        ip->p[h + 11] = (uint8_t)c;
    }
    buf_put(ip, l4.p, l4.n);
    buf_free(&l4);
}

/* ---- IP fragmentation (--mtu) ------------------------------------------- */

/* Splits the unfragmented IP packet ip (header + UDP datagram, no IPv6
 * extension headers) into fragments of at most mtu bytes each, written to
 * frags[0..return), in offset order.  IPv4: same header with MF and the
 * offset in 8-byte units, header checksum recomputed, ip_id kept (it is the
 * datagram's).  IPv6: the base header with next header 44 and a Fragment
 * header (RFC 8200 §4.5) carrying the original next header and the 32-bit
 * identification.  Every fragment's data but the last is a multiple of 8. */
static size_t fragment_ip(const struct buf *ip, bool v6, unsigned mtu, uint32_t ident6,
                          struct buf **frags)
{
    size_t hl = v6 ? 40 : 20, fh = v6 ? 8 : 0;
    if (mtu < hl + fh + 8)
        die("--mtu %u: too small for one 8-byte fragment of an IPv%d packet", mtu, v6 ? 6 : 4);
    size_t per = (mtu - hl - fh) / 8 * 8, data = ip->n - hl;
    size_t n = (data + per - 1) / per;
    *frags = xmalloc(n * sizeof **frags);
    for (size_t k = 0; k < n; k++) {
        struct buf *f = &(*frags)[k];
        size_t off = k * per, len = data - off < per ? data - off : per;
        bool more = k + 1 < n;
        *f = (struct buf){0};
        buf_put(f, ip->p, hl);
        if (v6) {
            f->p[4] = (uint8_t)((fh + len) >> 8), f->p[5] = (uint8_t)(fh + len);
            uint8_t nh = f->p[6];
            f->p[6] = 44; /* Fragment header */
            buf_u8(f, nh);
            buf_u8(f, 0); /* reserved */
            buf_be16(f, (uint16_t)(off | more)); /* offset in 8-byte units << 3, M flag */
            buf_be32(f, ident6);
        } else {
            uint16_t tot = (uint16_t)(hl + len), fo = (uint16_t)(off / 8 | (more ? 0x2000 : 0));
            f->p[2] = (uint8_t)(tot >> 8), f->p[3] = (uint8_t)tot;
            f->p[6] = (uint8_t)(fo >> 8), f->p[7] = (uint8_t)fo;
            f->p[10] = f->p[11] = 0;
            uint16_t c = csum_fold(csum_add(0, f->p, 20));
            f->p[10] = (uint8_t)(c >> 8), f->p[11] = (uint8_t)c;
        }
        buf_put(f, ip->p + hl + off, len);
    }
    return n;
}

bool fragorder_parse(const char *name, enum fragorder *out)
{
    static const char *const names[] = {"inorder", "reverse", "shuffle"};
    for (size_t i = 0; i < ARRAY_LEN(names); i++)
        if (strcmp(names[i], name) == 0) {
            *out = (enum fragorder)i;
            return true;
        }
    return false;
}

/* Permutes frags[0..n) into the write order of o->frag_order. */
static void order_frags(struct buf *frags, size_t n, enum fragorder order, uint64_t *rng)
{
    for (size_t i = 0; order == FRAG_REVERSE && i < n / 2; i++) {
        struct buf t = frags[i];
        frags[i] = frags[n - 1 - i], frags[n - 1 - i] = t;
    }
    for (size_t i = n; order == FRAG_SHUFFLE && i > 1; i--) { /* Fisher-Yates */
        size_t j = (size_t)(rng_next(rng) % i);
        struct buf t = frags[i - 1];
        frags[i - 1] = frags[j], frags[j] = t;
    }
}

/* ---- link layers ----------------------------------------------------------- */

/* Locally administered MAC derived from the host's IPv4 address, so every
 * host has its own stable address. */
static void mac_of(uint32_t v4, uint8_t mac[6])
{
    mac[0] = 0x02, mac[1] = 0x00;
    mac[2] = (uint8_t)(v4 >> 24), mac[3] = (uint8_t)(v4 >> 16);
    mac[4] = (uint8_t)(v4 >> 8), mac[5] = (uint8_t)v4;
}

static void put16(struct buf *b, uint16_t v, bool be)
{
    uint8_t x[2];
    if (be)
        x[0] = (uint8_t)(v >> 8), x[1] = (uint8_t)v;
    else
        x[0] = (uint8_t)v, x[1] = (uint8_t)(v >> 8);
    buf_put(b, x, 2);
}

static void put32(struct buf *b, uint32_t v, bool be)
{
    if (be) {
        put16(b, (uint16_t)(v >> 16), true);
        put16(b, (uint16_t)v, true);
    } else {
        put16(b, (uint16_t)v, false);
        put16(b, (uint16_t)(v >> 16), false);
    }
}

/* Linux "cooked" packet types (packet(7)): what `tcpdump -i any` on the
 * capture host would record for this packet. */
static uint8_t sll_pkttype(const struct pkt *p, uint32_t local)
{
    if (p->dst == local)
        return 0; /* PACKET_HOST */
    if (p->src == local)
        return 4; /* PACKET_OUTGOING */
    return 3;     /* PACKET_OTHERHOST */
}

static void build_frame(struct buf *f, const struct capopts *o, uint32_t local, const struct pkt *p,
                        const struct buf *ip)
{
    uint16_t ethertype = o->ipv6 ? 0x86dd : 0x0800;
    uint8_t src[6], dst[6];
    mac_of(p->src, src);
    mac_of(p->dst, dst);
    switch (o->link) {
    case LINK_ETH:
    case LINK_VLAN:
    case LINK_QINQ:
        buf_put(f, dst, 6);
        buf_put(f, src, 6);
        if (o->link == LINK_QINQ) {
            buf_be16(f, 0x88a8); /* 802.1ad service tag */
            buf_be16(f, 200);    /* PCP 0, DEI 0, VID 200 */
        }
        if (o->link != LINK_ETH) {
            buf_be16(f, 0x8100); /* 802.1Q customer tag */
            buf_be16(f, 100);    /* VID 100 */
        }
        buf_be16(f, ethertype);
        break;
    case LINK_SLL:
        /* LINKTYPE_LINUX_SLL: fields are big-endian whatever the file's order. */
        buf_be16(f, sll_pkttype(p, local));
        buf_be16(f, 1); /* ARPHRD_ETHER */
        buf_be16(f, 6);
        buf_put(f, src, 6);
        buf_zero(f, 2);
        buf_be16(f, ethertype);
        break;
    case LINK_SLL2:
        buf_be16(f, ethertype);
        buf_be16(f, 0); /* reserved */
        buf_be32(f, 2); /* interface index */
        buf_be16(f, 1); /* ARPHRD_ETHER */
        buf_u8(f, sll_pkttype(p, local));
        buf_u8(f, 6);
        buf_put(f, src, 6);
        buf_zero(f, 2);
        break;
    case LINK_RAW:
        break;
    case LINK_NULL:
        /* The address family in the writing host's byte order; a file we
         * write big-endian stands for a big-endian host.  BSDs disagree on
         * AF_INET6; 24 is NetBSD/OpenBSD's and the common choice. */
        put32(f, o->ipv6 ? 24 : 2, o->be);
        break;
    case LINK_LOOP:
        buf_be32(f, o->ipv6 ? 24 : 2); /* LOOP: always network order */
        break;
    }
    buf_put(f, ip->p, ip->n);
}

/* ---- file formats ---------------------------------------------------------- */

#define SNAPLEN 262144u

static void pcap_header(struct buf *out, const struct capopts *o)
{
    put32(out, o->ns ? 0xa1b23c4du : 0xa1b2c3d4u, o->be);
    put16(out, 2, o->be);
    put16(out, 4, o->be);
    put32(out, 0, o->be); /* thiszone */
    put32(out, 0, o->be); /* sigfigs */
    put32(out, SNAPLEN, o->be);
    put32(out, linktype_value(o->link), o->be);
}

static void pcap_record(struct buf *out, const struct capopts *o, uint64_t ts_ns, const struct buf *fr)
{
    uint64_t sec = ts_ns / 1000000000u, frac = ts_ns % 1000000000u;
    put32(out, (uint32_t)sec, o->be);
    /* µs files truncate: the sub-µs part the scenario adds is lost here,
     * exactly as the probe must lose it. */
    put32(out, (uint32_t)(o->ns ? frac : frac / 1000u), o->be);
    put32(out, (uint32_t)fr->n, o->be);
    put32(out, (uint32_t)fr->n, o->be);
    buf_put(out, fr->p, fr->n);
}

static void pcapng_option(struct buf *b, uint16_t code, const void *v, uint16_t len, bool be)
{
    put16(b, code, be);
    put16(b, len, be);
    buf_put(b, v, len);
    buf_zero(b, (size_t)((4 - len % 4) % 4));
}

/* Wraps body into a pcapng block: type, total length, body, total length. */
static void pcapng_block(struct buf *out, uint32_t type, const struct buf *body, bool be)
{
    uint32_t total = (uint32_t)(12 + body->n);
    put32(out, type, be);
    put32(out, total, be);
    buf_put(out, body->p, body->n);
    put32(out, total, be);
}

/* --format pcapng-multi: what libpcap refuses to read (an interface whose link type
 * differs from the first one's), each with its own timestamp resolution. */
static const struct {
    enum linktype link;
    bool ns;
    const char *name;
} MULTI[] = {
    {LINK_ETH, false, "eth0"},
    {LINK_SLL2, true, "any"},
    {LINK_RAW, false, "tun0"},
};
#define NMULTI ARRAY_LEN(MULTI)

static void pcapng_idb(struct buf *out, const struct capopts *o, enum linktype link, bool ns, const char *ifname)
{
    struct buf idb = {0};
    put16(&idb, (uint16_t)linktype_value(link), o->be);
    put16(&idb, 0, o->be);
    put32(&idb, SNAPLEN, o->be);
    pcapng_option(&idb, 2, ifname, (uint16_t)strlen(ifname), o->be); /* if_name */
    /* if_tsresol: 10^-6 or 10^-9 seconds per timestamp unit. */
    uint8_t res = ns ? 9 : 6;
    pcapng_option(&idb, 9, &res, 1, o->be);
    pcapng_option(&idb, 0, NULL, 0, o->be);
    pcapng_block(out, 1, &idb, o->be);
    buf_free(&idb);
}

/* A Name Resolution Block (one IPv4 record) and later an Interface Statistics Block:
 * real captures have them, and a reader must step over them. */
static void pcapng_nrb(struct buf *out, const struct capopts *o)
{
    struct buf nrb = {0};
    static const char host[] = "sbc.stirprobe.test";
    put16(&nrb, 1, o->be); /* nrb_record_ipv4 */
    put16(&nrb, (uint16_t)(4 + sizeof host), o->be);
    buf_be32(&nrb, 0xc6336407); /* 198.51.100.7 */
    buf_put(&nrb, host, sizeof host);
    buf_zero(&nrb, (4 - (4 + sizeof host) % 4) % 4);
    put16(&nrb, 0, o->be); /* nrb_record_end */
    put16(&nrb, 0, o->be);
    pcapng_block(out, 4, &nrb, o->be);
    buf_free(&nrb);
}

static void pcapng_isb(struct buf *out, const struct capopts *o, uint32_t ifid)
{
    struct buf isb = {0};
    put32(&isb, ifid, o->be);
    put32(&isb, 0, o->be); /* timestamp: not given */
    put32(&isb, 0, o->be);
    pcapng_option(&isb, 0, NULL, 0, o->be);
    pcapng_block(out, 5, &isb, o->be);
    buf_free(&isb);
}

static void pcapng_header(struct buf *out, const struct capopts *o)
{
    struct buf shb = {0}, idb = {0};
    static const char app[] = "stirgen (stirprobe test generator)";
    put32(&shb, 0x1a2b3c4d, o->be); /* byte-order magic */
    put16(&shb, 1, o->be);
    put16(&shb, 0, o->be);
    put32(&shb, 0xffffffffu, o->be); /* section length -1: not given */
    put32(&shb, 0xffffffffu, o->be);
    pcapng_option(&shb, 4, app, (uint16_t)(sizeof app - 1), o->be); /* shb_userappl */
    pcapng_option(&shb, 0, NULL, 0, o->be);                        /* opt_endofopt */
    pcapng_block(out, 0x0a0d0d0a, &shb, o->be);
    if (o->multi) {
        pcapng_nrb(out, o);
        for (size_t i = 0; i < NMULTI; i++)
            pcapng_idb(out, o, MULTI[i].link, MULTI[i].ns, MULTI[i].name);
        buf_free(&shb);
        return;
    }

    put16(&idb, (uint16_t)linktype_value(o->link), o->be);
    put16(&idb, 0, o->be);
    put32(&idb, SNAPLEN, o->be);
    static const char ifname[] = "eth0";
    pcapng_option(&idb, 2, ifname, (uint16_t)(sizeof ifname - 1), o->be); /* if_name */
    /* if_tsresol: 10^-6 or 10^-9 seconds per timestamp unit. */
    uint8_t res = o->ns ? 9 : 6;
    pcapng_option(&idb, 9, &res, 1, o->be);
    pcapng_option(&idb, 0, NULL, 0, o->be);
    pcapng_block(out, 1, &idb, o->be);
    buf_free(&shb);
    buf_free(&idb);
}

static void pcapng_record(struct buf *out, const struct capopts *o, uint32_t ifid, uint64_t ts_ns,
                          const struct buf *fr)
{
    struct buf epb = {0};
    bool ns = o->multi ? MULTI[ifid].ns : o->ns;
    uint64_t ts = ns ? ts_ns : ts_ns / 1000u;
    put32(&epb, ifid, o->be); /* interface id */
    put32(&epb, (uint32_t)(ts >> 32), o->be);
    put32(&epb, (uint32_t)ts, o->be);
    put32(&epb, (uint32_t)fr->n, o->be);
    put32(&epb, (uint32_t)fr->n, o->be);
    buf_put(&epb, fr->p, fr->n);
    buf_zero(&epb, (4 - fr->n % 4) % 4);
    pcapng_block(out, 6, &epb, o->be);
    buf_free(&epb);
}

void capture_write(const char *path, const struct capopts *o, const struct pkt *pkts, size_t n,
                   uint32_t local_ip)
{
    struct buf out = {0};
    size_t limit = n;
    if (o->truncate_after >= 0) {
        if ((size_t)o->truncate_after >= n)
            die("--truncate-after %ld: the scenario has only %zu packets", o->truncate_after, n);
        limit = (size_t)o->truncate_after + 1;
    }
    if (o->pcapng)
        pcapng_header(&out, o);
    else
        pcap_header(&out, o);
    /* The shuffle's own stream, so the scenario's (RTP, junk) is untouched. */
    uint64_t frng = o->seed ^ 0x6672616773687566ULL; /* "fragshuf" */
    for (size_t i = 0; i < limit; i++) {
        struct buf ip = {0}, *frags = NULL, one;
        build_ip(&ip, &pkts[i], o->ipv6, (uint16_t)(0x1000 + i));
        size_t nf = 1;
        unsigned mtu = pkts[i].lone_frag_mtu ? pkts[i].lone_frag_mtu : o->mtu;
        if (mtu && pkts[i].proto == IPPROTO_UDP_ && ip.n > mtu) {
            /* IPv6 identification: 32 bits, per datagram; the top bit set so
             * a reader that keeps only 16 bits of it is caught. */
            nf = fragment_ip(&ip, o->ipv6, mtu, 0x80000000u | (uint32_t)(0x1000 + i), &frags);
            if (pkts[i].lone_frag_mtu) {
                for (size_t k = 1; k < nf; k++) /* the rest never arrives */
                    buf_free(&frags[k]);
                nf = 1;
            } else {
                order_frags(frags, nf, o->frag_order, &frng);
            }
        } else {
            one = ip, frags = &one;
        }
        /* --truncate-after N: the (N+1)th packet's first record is cut in
         * half, as a capture killed mid-write leaves it. */
        bool cut = o->truncate_after >= 0 && i == (size_t)o->truncate_after;
        for (size_t k = 0; k < (cut ? 1 : nf); k++) {
            struct buf fr = {0}, rec = {0};
            /* pcapng-multi: packet i on interface i mod 3, all its fragments with it. */
            uint32_t ifid = o->multi ? (uint32_t)(i % NMULTI) : 0;
            struct capopts lo = *o;
            if (o->multi)
                lo.link = MULTI[ifid].link;
            build_frame(&fr, &lo, local_ip, &pkts[i], &frags[k]);
            /* Every fragment carries the datagram's timestamp. */
            if (o->pcapng)
                pcapng_record(&rec, o, ifid, pkts[i].ts_ns, &fr);
            else
                pcap_record(&rec, o, pkts[i].ts_ns, &fr);
            buf_put(&out, rec.p, cut ? rec.n / 2 : rec.n);
            buf_free(&fr), buf_free(&rec);
        }
        if (frags != &one) {
            for (size_t k = 0; k < nf; k++)
                buf_free(&frags[k]);
            free(frags);
        }
        buf_free(&ip);
    }
    if (o->multi && o->truncate_after < 0)
        pcapng_isb(&out, o, 1);
    if (!write_file(path, out.p, out.n))
        die("cannot write %s", path);
    buf_free(&out);
}
