/* summary: libFuzzer target for the HEP codec (probe/hep) — decode, stream framing, inflate, re-encode.
 *
 * The input is decoded as one datagram (HEP1/2/3), then walked as a TCP stream of
 * HEP3 messages framed by their total length. Every slice must lie inside the
 * input, the length used must not exceed it, and a decoded HEP3 message encoded
 * again must decode to the same fields (the encoder and decoder agree). */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "probe/hep.h"

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

static uint8_t enc[HEP3_MAX_LEN], inflated[1 << 16];

static bool same_addr(const struct ipaddr *a, const struct ipaddr *b)
{
    return a->version == b->version && memcmp(a->a, b->a, a->version == 4 ? 4 : 16) == 0;
}

static void check(const uint8_t *p, size_t n, const struct hep_msg *m)
{
    REQUIRE(m->len > 0 && m->len <= n);
    REQUIRE(m->version >= 1 && m->version <= 3);
    REQUIRE(inside(m->payload) && inside(m->auth_key) && inside(m->correlation_id));
    REQUIRE(!m->has_ts || m->ts_usec < 1000000);
    REQUIRE(!m->has_ip || (m->src.version == m->dst.version && (m->src.version == 4 || m->src.version == 6)));
    if (m->payload.n)
        REQUIRE(m->payload.p >= p && m->payload.p + m->payload.n <= p + m->len);
    if (m->payload_compressed) {
        long z = hep_inflate(m->payload, inflated, sizeof inflated);
        REQUIRE(z >= -1 && z <= (long)sizeof inflated);
        return;
    }
    if (m->version != 3)
        return;
    /* Re-encode: chunks we do not model (vendor, unknown, keep-alive) are dropped and
     * implied ones (an inferred family, microseconds 0) added, at most 17 bytes; the
     * result decodes to the same fields. */
    size_t e = hep3_encode(m, enc, sizeof enc);
    if (e == 0) {
        REQUIRE(m->len > HEP3_MAX_LEN - 17);
        return;
    }
    struct hep_msg d;
    const char *why;
    REQUIRE(hep_decode(enc, e, &d, &why) == HEP_OK && d.len == e);
    REQUIRE(d.has_ip == m->has_ip && (!m->has_ip || (same_addr(&d.src, &m->src) && same_addr(&d.dst, &m->dst))));
    /* (a field is only meaningful when its has_* flag is set) */
    REQUIRE(d.has_ports == m->has_ports && (!m->has_ports || (d.sport == m->sport && d.dport == m->dport)));
    REQUIRE(d.has_ts == m->has_ts && (!m->has_ts || (d.ts_sec == m->ts_sec && d.ts_usec == m->ts_usec)));
    REQUIRE(d.has_proto == m->has_proto && (!m->has_proto || d.ip_proto == m->ip_proto));
    REQUIRE(d.has_proto_type == m->has_proto_type && (!m->has_proto_type || d.proto_type == m->proto_type));
    REQUIRE(d.has_capture_id == m->has_capture_id && (!m->has_capture_id || d.capture_id == m->capture_id));
    REQUIRE(d.payload.n == m->payload.n && (!m->payload.n || memcmp(d.payload.p, m->payload.p, m->payload.n) == 0));
    REQUIRE(d.auth_key.n == m->auth_key.n && d.correlation_id.n == m->correlation_id.n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    in_p = data;
    in_n = size;
    struct hep_msg m;
    const char *why = NULL;
    enum hep_rc rc = hep_decode(data, size, &m, &why);
    REQUIRE(why != NULL);
    if (rc == HEP_OK)
        check(data, size, &m);

    /* As a TCP stream: message after message until the framing fails or data runs out. */
    size_t off = 0;
    for (int guard = 0; off < size && guard < 4096; guard++) {
        long f = hep3_frame_len(data + off, size - off);
        REQUIRE(f >= -1 && f <= HEP3_MAX_LEN);
        if (f <= 0 || (size_t)f > size - off)
            break;
        REQUIRE(f >= HEP3_HEADER_LEN);
        if (hep_decode(data + off, (size_t)f, &m, &why) == HEP_OK) {
            REQUIRE(m.len == (uint32_t)f);
            check(data + off, (size_t)f, &m);
        }
        off += (size_t)f;
    }
    return 0;
}
