/* summary: libFuzzer target for IP defragmentation — a sequence of IPv4/IPv6 fragments
 * built from the input, each through ip_decode and then defrag_add, with small caps so
 * eviction, the fragment cap, the byte cap and the timeout all run.
 *
 * Input: a series of records.
 *   byte 0  bit 0 IPv6; bits 1-2 which of four datagram ids; bit 3 MF (more fragments);
 *           bit 4 advance capture time by 16 s and expire; bit 5 protocol TCP instead of
 *           UDP; bit 6 raw record (below); bit 7 add 3 bytes to the length (a length
 *           that is not a multiple of 8)
 *   bytes 1-2  fragment offset in 8-byte units (big-endian, 13 bits)
 *   byte 3  payload length in 8-byte units
 * A raw record (bit 6) is instead bytes 1-2 = length N (big-endian) and N bytes given to
 * ip_decode as they are (any header, any damage).
 *
 * The payload byte at datagram offset o is a function of (version, id, o) only, so every
 * copy of a byte is the same and a reassembled datagram must equal that pattern however
 * the fragments overlapped, repeated or came out of order (checked until the first raw
 * record, which may reuse a key with other bytes). */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "probe/defrag.h"
#include "probe/ip.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define REQUIRE(c)                                                                                   \
    do {                                                                                             \
        if (!(c)) {                                                                                  \
            fprintf(stderr, "invariant failed: %s (%s:%d)\n", #c, __FILE__, __LINE__);               \
            abort();                                                                                 \
        }                                                                                            \
    } while (0)

static uint8_t pattern(bool v6, unsigned id, uint32_t off)
{
    return (uint8_t)(off * 7u + id * 31u + (v6 ? 101u : 0u) + (off >> 8));
}

static void put16(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

/* One fragment as it is on the wire; returns its length. */
static size_t build(uint8_t *pkt, bool v6, unsigned id, bool mf, uint8_t proto, uint32_t off, uint32_t len)
{
    size_t h = v6 ? 48 : 20;
    memset(pkt, 0, h);
    if (v6) {
        pkt[0] = 0x60;
        put16(pkt + 4, 8 + len);
        pkt[6] = 44; /* Fragment header */
        pkt[7] = 64;
        pkt[8] = 0x20, pkt[9] = 0x01, pkt[10] = 0x0d, pkt[11] = 0xb8, pkt[23] = 1; /* 2001:db8::1 */
        pkt[24] = 0x20, pkt[25] = 0x01, pkt[26] = 0x0d, pkt[27] = 0xb8, pkt[39] = 2;
        pkt[40] = proto;
        put16(pkt + 42, (off & 0x1fff) << 3 | (mf ? 1u : 0u));
        pkt[47] = (uint8_t)(0x80 + id); /* identification 0x000000.. with the id in the low byte */
    } else {
        pkt[0] = 0x45;
        put16(pkt + 2, 20 + len);
        put16(pkt + 4, 0x1234 + id);
        put16(pkt + 6, (mf ? 0x2000u : 0u) | (off & 0x1fff));
        pkt[8] = 64;
        pkt[9] = proto;
        pkt[12] = 10, pkt[15] = 1;
        pkt[16] = 10, pkt[19] = 2;
    }
    for (uint32_t i = 0; i < len; i++)
        pkt[h + i] = pattern(v6, id, (off & 0x1fff) * 8 + i);
    return h + len;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct stats st;
    memset(&st, 0, sizeof st);
    struct defrag_cfg cfg = { .max_datagrams = 3, .max_fragments = 12, .max_total_bytes = 24576,
                              .timeout_sec = 30 };
    struct defrag *d = defrag_new(&cfg, &st);
    if (!d)
        return 0;
    static uint8_t pkt[48 + 255 * 8 + 3];
    struct ptime ts = { 1000, 0 };
    bool tainted = false;
    uint64_t completed = 0;
    size_t off = 0;
    while (off < size) {
        uint8_t fl = data[off++];
        if (fl & 0x10) {
            ts.sec += 16;
            defrag_expire(d, ts);
        }
        const uint8_t *p;
        size_t n;
        bool v6 = fl & 1;
        unsigned id = (fl >> 1) & 3;
        if (fl & 0x40) {
            if (size - off < 2)
                break;
            n = (size_t)data[off] << 8 | data[off + 1];
            off += 2;
            if (n > size - off)
                n = size - off;
            p = data + off; /* exactly sized: ASan sees a read past the record */
            off += n;
            tainted = true;
        } else {
            if (size - off < 3)
                break;
            uint32_t fo = ((uint32_t)data[off] << 8 | data[off + 1]) & 0x1fff;
            uint32_t len = (uint32_t)data[off + 2] * 8 + ((fl & 0x80) ? 3 : 0);
            off += 3;
            n = build(pkt, v6, id, fl & 8, (fl & 0x20) ? 6 : 17, fo, len);
            p = pkt;
        }
        struct ip_out ip;
        memset(&ip, 0, sizeof ip);
        /* A raw record names its own version in its first byte, as a link layer would. */
        int version = (fl & 0x40) ? (n && (p[0] >> 4) == 6 ? 6 : 4) : (v6 ? 6 : 4);
        if (ip_decode(version, p, n, &ip) != IP_FRAGMENT)
            continue;
        REQUIRE(ip.payload.n <= n && (ip.payload.n == 0 || (ip.payload.p >= p && ip.payload.p + ip.payload.n <= p + n)));
        struct ip_out whole;
        memset(&whole, 0, sizeof whole);
        if (defrag_add(d, ts, &ip, &whole) == 1) {
            completed++;
            REQUIRE(whole.payload.n <= 65535);
            REQUIRE(!whole.frag_more && whole.frag_offset == 0);
            REQUIRE(whole.src.version == ip.src.version);
            volatile uint8_t sink = 0;
            for (size_t i = 0; i < whole.payload.n; i++)
                sink ^= whole.payload.p[i];
            (void)sink;
            if (!tainted) {
                bool w6 = ip.src.version == 6;
                unsigned wid = w6 ? (unsigned)(ip.frag_id & 0xff) - 0x80 : (unsigned)(ip.frag_id - 0x1234);
                for (size_t i = 0; i < whole.payload.n; i++)
                    REQUIRE(whole.payload.p[i] == pattern(w6, wid, (uint32_t)i));
                if (!w6)
                    REQUIRE(whole.proto == ip.proto);
            }
        }
        REQUIRE(st.v[ST_IP_REASSEMBLED] == completed);
    }
    /* Whatever is left times out: the table empties. */
    ts.sec += 31;
    defrag_expire(d, ts);
    defrag_free(d);
    return 0;
}
