/* summary: pcapng reader of our own — block framing checked before anything inside a
 * block is believed, per-interface link type and timestamp resolution, exact
 * conversion of 64-bit tick counts to nanoseconds, bounded allocation.
 *
 * Reference: draft-ietf-opsawg-pcapng (block layouts, if_tsresol, if_tsoffset). Every
 * length in the file is checked against the bytes actually present before it is used;
 * the only allocation that grows with the input is the block buffer, capped at
 * PCAPNG_MAX_BLOCK, and the interface table, capped at PCAPNG_MAX_IFACES. */
#include "probe/pcapng_read.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

enum {
    BT_IDB = 1,
    BT_PB = 2, /* obsolete Packet Block */
    BT_SPB = 3,
    BT_EPB = 6,
};

#define OPT_ENDOFOPT 0
#define IF_TSRESOL 9
#define IF_TSOFFSET 14

/* Seconds a timestamp may reach: beyond this, nanosecond arithmetic on struct ptime
 * (ptime_ns) could overflow, and no real capture is dated after the year 2514. */
#define MAX_SEC (INT64_C(1) << 34)

struct iface {
    uint32_t linktype, snaplen;
    bool pow2;      /* resolution 2^-exp seconds, else 10^-exp */
    uint8_t exp;
    int64_t offset; /* if_tsoffset, seconds */
};

struct pcapng_r {
    FILE *fp;
    bool be; /* byte order of the current section */
    uint8_t *buf; /* the whole current block, header and trailer included */
    size_t cap;
    uint32_t type, len;
    uint64_t off;  /* file offset of the current block (for messages) */
    uint64_t next_off;
    bool have;     /* buf holds a block read at open and not handled yet */
    bool done;     /* EOF or damage reached: final says which, final_err why */
    enum pcapng_rc final;
    char final_err[200];
    struct iface *ifs;
    size_t nifs, capifs;
    struct ptime last_ts; /* for Simple Packet Blocks, which carry no time */
};

static uint16_t rd16(const struct pcapng_r *r, const uint8_t *p)
{
    return r->be ? (uint16_t)(p[0] << 8 | p[1]) : (uint16_t)(p[1] << 8 | p[0]);
}

static uint32_t rd32(const struct pcapng_r *r, const uint8_t *p)
{
    return r->be ? (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]
                 : (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

static uint64_t rd64(const struct pcapng_r *r, const uint8_t *p)
{
    /* A 64-bit option value is one number in the section's byte order. */
    return r->be ? (uint64_t)rd32(r, p) << 32 | rd32(r, p + 4)
                 : (uint64_t)rd32(r, p + 4) << 32 | rd32(r, p);
}

/* Sticky end: once damaged or finished, the reader says so again on every call. */
static enum pcapng_rc finish(struct pcapng_r *r, enum pcapng_rc rc)
{
    r->done = true;
    r->final = rc;
    return rc;
}

__attribute__((format(printf, 2, 3))) static enum pcapng_rc damaged(struct pcapng_r *r, const char *fmt, ...);

static enum pcapng_rc damaged(struct pcapng_r *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->final_err, sizeof r->final_err, fmt, ap);
    va_end(ap);
    return finish(r, PCAPNG_DAMAGED);
}

static size_t read_exact(struct pcapng_r *r, void *dst, size_t n)
{
    size_t got = fread(dst, 1, n, r->fp);
    r->next_off += got;
    return got;
}

static enum pcapng_rc short_read(struct pcapng_r *r, const char *what)
{
    if (ferror(r->fp))
        return damaged(r, "read error in the %s at offset %llu: %s", what, (unsigned long long)r->off,
                       strerror(errno ? errno : EIO));
    return damaged(r, "truncated %s at offset %llu", what, (unsigned long long)r->off);
}

/* Reads one whole block into r->buf and checks its framing: length a multiple of 4,
 * at least 12, at most PCAPNG_MAX_BLOCK, all of it present, trailing length equal to
 * the leading one. An SHB sets the byte order first, since its length is written in
 * the order its byte-order magic announces. PCAPNG_PACKET here means "a block". */
static enum pcapng_rc read_block(struct pcapng_r *r)
{
    uint8_t hdr[12];
    r->off = r->next_off;
    size_t got = read_exact(r, hdr, 8);
    if (got == 0 && !ferror(r->fp))
        return finish(r, PCAPNG_EOF);
    if (got < 8)
        return short_read(r, "block header");
    size_t hlen = 8;
    /* The SHB type reads the same in both byte orders: that is what it is made for. */
    if (memcmp(hdr, "\x0a\x0d\x0d\x0a", 4) == 0) {
        if (read_exact(r, hdr + 8, 4) < 4)
            return short_read(r, "section header");
        if (memcmp(hdr + 8, "\x1a\x2b\x3c\x4d", 4) == 0)
            r->be = true;
        else if (memcmp(hdr + 8, "\x4d\x3c\x2b\x1a", 4) == 0)
            r->be = false;
        else
            return damaged(r, "section header at offset %llu: bad byte-order magic",
                           (unsigned long long)r->off);
        hlen = 12;
    }
    r->type = rd32(r, hdr);
    r->len = rd32(r, hdr + 4);
    if (r->len % 4 || r->len < 12 || r->len > PCAPNG_MAX_BLOCK || r->len < hlen + 4)
        return damaged(r, "block at offset %llu: bad block length %u", (unsigned long long)r->off, r->len);
    if (r->cap < r->len) {
        /* Grow geometrically so a file of ever larger blocks costs few reallocations. */
        size_t cap = r->cap ? r->cap : 4096;
        while (cap < r->len)
            cap *= 2;
        uint8_t *nb = realloc(r->buf, cap);
        if (!nb)
            return damaged(r, "block at offset %llu: out of memory (%u bytes)", (unsigned long long)r->off,
                           r->len);
        r->buf = nb;
        r->cap = cap;
    }
    memcpy(r->buf, hdr, hlen);
    if (read_exact(r, r->buf + hlen, r->len - hlen) < r->len - hlen)
        return short_read(r, "block");
    uint32_t trail = rd32(r, r->buf + r->len - 4);
    if (trail != r->len)
        return damaged(r, "block at offset %llu: trailing length %u differs from leading length %u",
                       (unsigned long long)r->off, trail, r->len);
    return PCAPNG_PACKET;
}

static const uint64_t POW10[20] = {
    1ULL, 10ULL, 100ULL, 1000ULL, 10000ULL, 100000ULL, 1000000ULL, 10000000ULL, 100000000ULL,
    1000000000ULL, 10000000000ULL, 100000000000ULL, 1000000000000ULL, 10000000000000ULL,
    100000000000000ULL, 1000000000000000ULL, 10000000000000000ULL, 100000000000000000ULL,
    1000000000000000000ULL, 10000000000000000000ULL,
};

/* floor(frac * 10^9 / 2^e) for frac < 2^e, e <= 63, without a 128-bit type:
 * frac * 10^9 needs up to 93 bits, so it is multiplied in two 32-bit halves. The low
 * 32 bits of the product cannot change the quotient once e >= 32. */
static uint32_t pow2_frac_to_ns(uint64_t frac, unsigned e)
{
    if (e < 32)
        return (uint32_t)((frac * 1000000000ULL) >> e);
    uint64_t hi = (frac >> 32) * 1000000000ULL, lo = (frac & 0xffffffffULL) * 1000000000ULL;
    return (uint32_t)((hi + (lo >> 32)) >> (e - 32));
}

/* Ticks of interface i to a time, exactly (sub-nanosecond parts truncated). */
static bool ticks_to_time(const struct iface *i, uint64_t ticks, struct ptime *out)
{
    uint64_t sec;
    uint32_t nsec;
    if (i->pow2) {
        sec = ticks >> i->exp;
        nsec = pow2_frac_to_ns(ticks & ((1ULL << i->exp) - 1), i->exp);
    } else {
        uint64_t unit = POW10[i->exp];
        sec = ticks / unit;
        uint64_t frac = ticks % unit;
        nsec = (uint32_t)(i->exp <= 9 ? frac * POW10[9 - i->exp] : frac / POW10[i->exp - 9]);
    }
    if (sec >= (uint64_t)MAX_SEC)
        return false;
    /* |offset| and sec are both checked against MAX_SEC, so the sum cannot overflow. */
    if (i->offset >= MAX_SEC || i->offset <= -MAX_SEC)
        return false;
    int64_t s = (int64_t)sec + i->offset;
    if (s < 0 || s >= MAX_SEC)
        return false;
    out->sec = s;
    out->nsec = nsec;
    return true;
}

static enum pcapng_rc handle_shb(struct pcapng_r *r)
{
    const uint8_t *b = r->buf + 12; /* after type, length and byte-order magic */
    if (r->len < 28)
        return damaged(r, "section header at offset %llu: too short (%u bytes)", (unsigned long long)r->off,
                       r->len);
    uint16_t major = rd16(r, b), minor = rd16(r, b + 2);
    if (major != 1)
        return damaged(r, "section header at offset %llu: unsupported pcapng version %u.%u",
                       (unsigned long long)r->off, major, minor);
    /* Interface ids are per section. */
    r->nifs = 0;
    return PCAPNG_PACKET;
}

static enum pcapng_rc handle_idb(struct pcapng_r *r)
{
    const uint8_t *b = r->buf + 8, *end = r->buf + r->len - 4;
    unsigned long long at = (unsigned long long)r->off;
    if (end - b < 8)
        return damaged(r, "interface description at offset %llu: too short", at);
    if (r->nifs >= PCAPNG_MAX_IFACES)
        return damaged(r, "interface description at offset %llu: more than %u interfaces in one section", at,
                       PCAPNG_MAX_IFACES);
    struct iface ifc = { .linktype = rd16(r, b), .snaplen = rd32(r, b + 4), .exp = 6 };
    for (const uint8_t *p = b + 8; end - p >= 4;) {
        uint16_t code = rd16(r, p), olen = rd16(r, p + 2);
        p += 4;
        if (code == OPT_ENDOFOPT)
            break;
        size_t padded = ((size_t)olen + 3) & ~(size_t)3;
        if (padded > (size_t)(end - p))
            return damaged(r, "interface description at offset %llu: option %u overruns the block", at, code);
        if (code == IF_TSRESOL) {
            if (olen != 1)
                return damaged(r, "interface description at offset %llu: if_tsresol of %u bytes", at, olen);
            ifc.pow2 = p[0] & 0x80;
            ifc.exp = p[0] & 0x7f;
            /* 10^-19 and 2^-63 are the finest units whose tick counts per second fit
             * in 64 bits; anything finer cannot be converted exactly. */
            if (ifc.exp > (ifc.pow2 ? 63 : 19))
                return damaged(r, "interface description at offset %llu: if_tsresol %s-%u not supported", at,
                               ifc.pow2 ? "2^" : "10^", ifc.exp);
        } else if (code == IF_TSOFFSET) {
            if (olen != 8)
                return damaged(r, "interface description at offset %llu: if_tsoffset of %u bytes", at, olen);
            ifc.offset = (int64_t)rd64(r, p);
        }
        p += padded;
    }
    if (r->nifs == r->capifs) {
        size_t cap = r->capifs ? r->capifs * 2 : 8;
        struct iface *n = realloc(r->ifs, cap * sizeof *n);
        if (!n)
            return damaged(r, "interface description at offset %llu: out of memory", at);
        r->ifs = n;
        r->capifs = cap;
    }
    r->ifs[r->nifs++] = ifc;
    return PCAPNG_PACKET;
}

static const struct iface *iface_of(struct pcapng_r *r, uint32_t id, const char *what)
{
    if (id < r->nifs)
        return &r->ifs[id];
    damaged(r, "%s at offset %llu: interface id %u out of range (%zu interfaces described)", what,
            (unsigned long long)r->off, id, r->nifs);
    return NULL;
}

/* EPB and obsolete PB share their layout after the interface id. */
static enum pcapng_rc handle_epb(struct pcapng_r *r, struct pcapng_pkt *pkt)
{
    const char *what = r->type == BT_EPB ? "enhanced packet" : "packet block";
    const uint8_t *b = r->buf + 8;
    uint32_t body = r->len - 12;
    if (body < 20)
        return damaged(r, "%s at offset %llu: too short", what, (unsigned long long)r->off);
    uint32_t id = r->type == BT_EPB ? rd32(r, b) : rd16(r, b);
    const struct iface *ifc = iface_of(r, id, what);
    if (!ifc)
        return PCAPNG_DAMAGED;
    uint64_t ticks = (uint64_t)rd32(r, b + 4) << 32 | rd32(r, b + 8);
    uint32_t caplen = rd32(r, b + 12);
    if (caplen > body - 20)
        return damaged(r, "%s at offset %llu: captured length %u exceeds the block", what,
                       (unsigned long long)r->off, caplen);
    if (!ticks_to_time(ifc, ticks, &pkt->ts))
        return damaged(r, "%s at offset %llu: timestamp out of range", what, (unsigned long long)r->off);
    pkt->data = b + 20;
    pkt->caplen = caplen;
    pkt->wirelen = rd32(r, b + 16);
    pkt->linktype = ifc->linktype;
    pkt->iface = id;
    return PCAPNG_PACKET;
}

/* A Simple Packet Block belongs to interface 0 and has no time of its own: it gets the
 * previous packet's. Its captured length is implied: min(original length, snaplen). */
static enum pcapng_rc handle_spb(struct pcapng_r *r, struct pcapng_pkt *pkt)
{
    uint32_t body = r->len - 12;
    if (body < 4)
        return damaged(r, "simple packet at offset %llu: too short", (unsigned long long)r->off);
    const struct iface *ifc = iface_of(r, 0, "simple packet");
    if (!ifc)
        return PCAPNG_DAMAGED;
    uint32_t wirelen = rd32(r, r->buf + 8);
    uint32_t caplen = ifc->snaplen && ifc->snaplen < wirelen ? ifc->snaplen : wirelen;
    if (caplen > body - 4)
        return damaged(r, "simple packet at offset %llu: captured length %u exceeds the block",
                       (unsigned long long)r->off, caplen);
    pkt->ts = r->last_ts;
    pkt->data = r->buf + 12;
    pkt->caplen = caplen;
    pkt->wirelen = wirelen;
    pkt->linktype = ifc->linktype;
    pkt->iface = 0;
    return PCAPNG_PACKET;
}

static bool is_packet_block(uint32_t type)
{
    return type == BT_EPB || type == BT_SPB || type == BT_PB;
}

/* PCAPNG_PACKET with pkt filled, PCAPNG_EOF meaning "no packet in this block", or
 * PCAPNG_DAMAGED. */
static enum pcapng_rc handle_block(struct pcapng_r *r, struct pcapng_pkt *pkt)
{
    enum pcapng_rc rc;
    switch (r->type) {
    case PCAPNG_SHB_TYPE:
        rc = handle_shb(r);
        break;
    case BT_IDB:
        rc = handle_idb(r);
        break;
    case BT_EPB:
    case BT_PB:
        rc = handle_epb(r, pkt);
        if (rc == PCAPNG_PACKET)
            r->last_ts = pkt->ts;
        return rc;
    case BT_SPB:
        return handle_spb(r, pkt);
    default:
        /* NRB, ISB, DSB, custom and unknown blocks: framing checked, content unused. */
        return PCAPNG_EOF;
    }
    return rc == PCAPNG_PACKET ? PCAPNG_EOF : rc;
}

struct pcapng_r *pcapng_r_open(FILE *fp, char *err, size_t errlen)
{
    struct pcapng_r *r = calloc(1, sizeof *r);
    if (!r) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    r->fp = fp;
    enum pcapng_rc rc = read_block(r);
    if (rc == PCAPNG_PACKET && r->type != PCAPNG_SHB_TYPE)
        rc = damaged(r, "does not start with a section header block");
    if (rc == PCAPNG_PACKET)
        rc = handle_shb(r);
    if (rc != PCAPNG_PACKET) {
        snprintf(err, errlen, "%s", rc == PCAPNG_EOF ? "empty file" : r->final_err);
        pcapng_r_close(r);
        return NULL;
    }
    /* Describe the interfaces before the first packet is asked for (the link name is
     * taken at open). Damage here is the first pcapng_r_next()'s to report. */
    struct pcapng_pkt unused;
    while (read_block(r) == PCAPNG_PACKET) {
        if (is_packet_block(r->type) || r->type == PCAPNG_SHB_TYPE) {
            r->have = true;
            break;
        }
        if (handle_block(r, &unused) == PCAPNG_DAMAGED)
            break;
    }
    return r;
}

enum pcapng_rc pcapng_r_next(struct pcapng_r *r, struct pcapng_pkt *pkt, char *err, size_t errlen)
{
    for (;;) {
        if (!r->have && !r->done)
            read_block(r);
        if (r->done && !r->have) {
            if (r->final == PCAPNG_DAMAGED)
                snprintf(err, errlen, "%s", r->final_err);
            return r->final;
        }
        r->have = false;
        enum pcapng_rc rc = handle_block(r, pkt);
        if (rc == PCAPNG_PACKET)
            return rc;
        if (rc == PCAPNG_DAMAGED) {
            snprintf(err, errlen, "%s", r->final_err);
            return rc;
        }
    }
}

size_t pcapng_r_ifaces(const struct pcapng_r *r)
{
    return r->nifs;
}

uint32_t pcapng_r_linktype(const struct pcapng_r *r, size_t i)
{
    return i < r->nifs ? r->ifs[i].linktype : 0;
}

void pcapng_r_close(struct pcapng_r *r)
{
    if (!r)
        return;
    free(r->buf);
    free(r->ifs);
    free(r);
}
