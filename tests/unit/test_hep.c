/* summary: tests for probe/hep (codec) and probe/hep_out (sender).
 *
 * The HEP3 example packet of the specification (sipcapture HEP3 rev 37: IPv4/UDP
 * 212.202.0.1:12010 → 82.116.0.211:5060, time 1313440459.123456, SIP, capture id
 * 228, payload "INVITE sip:bob") is decoded field by field and re-encoded byte for
 * byte; then every damage path, HEP1/HEP2 layouts, compressed payloads, framing, and
 * the sender over loopback UDP and to a closed TCP port. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <zlib.h>

#include "probe/hep.h"
#include "probe/hep_out.h"
#include "tests/unit/harness.h"

/* The specification's example, 113 bytes. */
static const uint8_t spec_example[] = {
    0x48, 0x45, 0x50, 0x33, 0x00, 0x71,                                     /* "HEP3", total 113 */
    0x00, 0x00, 0x00, 0x01, 0x00, 0x07, 0x02,                               /* family AF_INET */
    0x00, 0x00, 0x00, 0x02, 0x00, 0x07, 0x11,                               /* protocol UDP */
    0x00, 0x00, 0x00, 0x03, 0x00, 0x0a, 0xd4, 0xca, 0x00, 0x01,             /* 212.202.0.1 */
    0x00, 0x00, 0x00, 0x04, 0x00, 0x0a, 0x52, 0x74, 0x00, 0xd3,             /* 82.116.0.211 */
    0x00, 0x00, 0x00, 0x07, 0x00, 0x08, 0x2e, 0xea,                         /* source port 12010 */
    0x00, 0x00, 0x00, 0x08, 0x00, 0x08, 0x13, 0xc4,                         /* destination port 5060 */
    0x00, 0x00, 0x00, 0x09, 0x00, 0x0a, 0x4e, 0x49, 0x82, 0xcb,             /* 1313440459 s */
    0x00, 0x00, 0x00, 0x0a, 0x00, 0x0a, 0x00, 0x01, 0xe2, 0x40,             /* 123456 µs */
    0x00, 0x00, 0x00, 0x0b, 0x00, 0x07, 0x01,                               /* payload type SIP */
    0x00, 0x00, 0x00, 0x0c, 0x00, 0x0a, 0x00, 0x00, 0x00, 0xe4,             /* capture id 228 */
    0x00, 0x00, 0x00, 0x0f, 0x00, 0x14, 'I', 'N', 'V', 'I', 'T', 'E', ' ', 's', 'i', 'p', ':', 'b', 'o', 'b',
};

static void test_spec_decode(void)
{
    struct hep_msg m;
    const char *why;
    if (!CHECK_EQ_INT(hep_decode(spec_example, sizeof spec_example, &m, &why), HEP_OK))
        return;
    CHECK_EQ_INT(m.version, 3);
    CHECK_EQ_INT(m.len, 113);
    CHECK(m.has_ip);
    CHECK_EQ_INT(m.src.version, 4);
    CHECK_EQ_MEM(m.src.a, 4, "\xd4\xca\x00\x01", 4);
    CHECK_EQ_MEM(m.dst.a, 4, "\x52\x74\x00\xd3", 4);
    CHECK(m.has_proto && m.ip_proto == 17);
    CHECK(m.has_ports);
    CHECK_EQ_INT(m.sport, 12010);
    CHECK_EQ_INT(m.dport, 5060);
    CHECK(m.has_ts);
    CHECK_EQ_INT(m.ts_sec, 1313440459);
    CHECK_EQ_INT(m.ts_usec, 123456);
    CHECK(m.has_proto_type && m.proto_type == HEP_PROTO_SIP);
    CHECK(m.has_capture_id && m.capture_id == 228);
    CHECK_SLICE_STR(m.payload, "INVITE sip:bob");
    CHECK(!m.payload_compressed);
    CHECK_EQ_INT(m.auth_key.n, 0);
    CHECK_EQ_INT(m.correlation_id.n, 0);
    /* zero-copy: the payload points into the input */
    CHECK(m.payload.p == spec_example + 113 - 14);
}

static struct hep_msg spec_fields(void)
{
    struct hep_msg m = { .has_ip = true, .has_proto = true, .ip_proto = 17, .has_ports = true, .sport = 12010,
                         .dport = 5060, .has_ts = true, .ts_sec = 1313440459, .ts_usec = 123456,
                         .has_proto_type = true, .proto_type = HEP_PROTO_SIP, .has_capture_id = true,
                         .capture_id = 228, .payload = slice_cstr("INVITE sip:bob") };
    m.src.version = m.dst.version = 4;
    memcpy(m.src.a, "\xd4\xca\x00\x01", 4);
    memcpy(m.dst.a, "\x52\x74\x00\xd3", 4);
    return m;
}

static void test_spec_encode(void)
{
    struct hep_msg m = spec_fields();
    uint8_t out[256];
    size_t n = hep3_encode(&m, out, sizeof out);
    CHECK_EQ_MEM(out, n, spec_example, sizeof spec_example);
    /* exactly enough room, and one byte less */
    CHECK_EQ_INT(hep3_encode(&m, out, sizeof spec_example), sizeof spec_example);
    CHECK_EQ_INT(hep3_encode(&m, out, sizeof spec_example - 1), 0);
}

static void test_roundtrip_v6_key_correlation(void)
{
    struct hep_msg m = spec_fields(), d;
    m.src.version = m.dst.version = 6;
    inet_pton(AF_INET6, "2001:db8::1", m.src.a);
    inet_pton(AF_INET6, "2001:db8::2", m.dst.a);
    m.ip_proto = 6;
    m.auth_key = slice_cstr("s3cret");
    m.correlation_id = slice_cstr("abc@example.net");
    m.proto_type = HEP_PROTO_LOG;
    m.payload = slice_cstr("{\"call_id\":\"abc@example.net\"}");
    uint8_t out[512];
    size_t n = hep3_encode(&m, out, sizeof out);
    const char *why;
    if (!CHECK(n > 0) || !CHECK_EQ_INT(hep_decode(out, n, &d, &why), HEP_OK))
        return;
    CHECK_EQ_INT(d.len, n);
    CHECK(d.has_ip && d.src.version == 6 && memcmp(d.src.a, m.src.a, 16) == 0 && memcmp(d.dst.a, m.dst.a, 16) == 0);
    CHECK_EQ_INT(d.ip_proto, 6);
    CHECK_EQ_INT(d.proto_type, HEP_PROTO_LOG);
    CHECK_SLICE_STR(d.auth_key, "s3cret");
    CHECK_SLICE_STR(d.correlation_id, "abc@example.net");
    CHECK_SLICE_STR(d.payload, "{\"call_id\":\"abc@example.net\"}");
    /* an empty payload is still a payload chunk */
    m.payload = slice_make("", 0);
    n = hep3_encode(&m, out, sizeof out);
    CHECK(n > 0 && hep_decode(out, n, &d, &why) == HEP_OK && d.payload.p && d.payload.n == 0);
}

static void test_encode_limits(void)
{
    static uint8_t big[70000], out[HEP3_MAX_LEN + 100];
    struct hep_msg m = spec_fields();
    m.payload = slice_make(big, HEP3_MAX_LEN); /* cannot fit next to the other chunks */
    CHECK_EQ_INT(hep3_encode(&m, out, sizeof out), 0);
    m.payload = slice_make(big, HEP3_MAX_LEN - 113 + 14); /* exactly 65535 in all */
    CHECK_EQ_INT(hep3_encode(&m, out, sizeof out), HEP3_MAX_LEN);
    m.payload_compressed = true;
    CHECK_EQ_INT(hep3_encode(&m, out, sizeof out), 0);
}

/* A copy of the example with one byte changed. */
static enum hep_rc damaged(size_t at, uint8_t v, size_t len, const char **why)
{
    uint8_t b[sizeof spec_example];
    memcpy(b, spec_example, sizeof b);
    if (at < sizeof b)
        b[at] = v;
    struct hep_msg m;
    return hep_decode(b, len, &m, why);
}

static void test_damage(void)
{
    const char *why;
    size_t n = sizeof spec_example;
    CHECK_EQ_INT(damaged(0, 'X', n, &why), HEP_NOT_HEP);
    CHECK_EQ_INT(damaged(3, '2', n, &why), HEP_NOT_HEP);            /* "HEP2" is not a magic */
    CHECK_EQ_INT(damaged(0, 0x47, n, &why), HEP_NOT_HEP);
    CHECK_EQ_INT(damaged(5, 0x05, n, &why), HEP_MALFORMED);         /* total below the header */
    CHECK_EQ_INT(damaged(5, 0x72, n, &why), HEP_TRUNCATED);         /* total past the input */
    CHECK_EQ_INT(damaged(99, 0, n - 1, &why), HEP_TRUNCATED);       /* input one byte short */
    CHECK_EQ_INT(damaged(5, 0x70, n, &why), HEP_MALFORMED);         /* payload runs past the total */
    CHECK_EQ_INT(damaged(5, 0x0a, n, &why), HEP_MALFORMED);         /* chunk header cut by the total */
    CHECK_EQ_INT(damaged(11, 0x05, n, &why), HEP_MALFORMED);        /* chunk length below 6 */
    CHECK_EQ_INT(damaged(11, 0x00, n, &why), HEP_MALFORMED);        /* zero chunk length (no endless loop) */
    CHECK_EQ_INT(damaged(11, 0x08, n, &why), HEP_MALFORMED);        /* u8 chunk of 8 bytes */
    CHECK_EQ_INT(damaged(72, 0x0f, n, &why), HEP_MALFORMED);        /* µs = 0x0f01e240 ≥ 10^6 */
    CHECK_EQ_INT(damaged(16, 0x01, n, &why), HEP_MALFORMED);        /* family chunk twice */
    CHECK(why && strstr(why, "repeated"));
    /* partial magic, empty input */
    struct hep_msg m;
    CHECK_EQ_INT(hep_decode((const uint8_t *)"HEP", 3, &m, &why), HEP_TRUNCATED);
    CHECK_EQ_INT(hep_decode((const uint8_t *)"HEP3\x00", 5, &m, &why), HEP_TRUNCATED);
    CHECK_EQ_INT(hep_decode((const uint8_t *)"", 0, &m, &why), HEP_NOT_HEP);
    /* header only: valid, nothing in it */
    CHECK_EQ_INT(hep_decode((const uint8_t *)"HEP3\x00\x06", 6, &m, &why), HEP_OK);
    CHECK(!m.has_ip && !m.payload.p);
}

static void test_skipped_and_inferred(void)
{
    /* vendor chunk reusing type 0x000f, an unknown generic type, then the real payload;
     * no family chunk, one IPv4 pair: the family is inferred */
    uint8_t b[] = {
        'H', 'E', 'P', '3', 0x00, 0x00, /* total set below */
        0x00, 0x00, 0x00, 0x03, 0x00, 0x0a, 10, 0, 0, 1,
        0x00, 0x00, 0x00, 0x04, 0x00, 0x0a, 10, 0, 0, 2,
        0x00, 0x24, 0x00, 0x0f, 0x00, 0x08, 'x', 'x',          /* vendor 0x0024 */
        0x00, 0x00, 0x00, 0x99, 0x00, 0x07, 0x01,              /* generic 0x0099 */
        0x00, 0x00, 0x00, 0x0f, 0x00, 0x0a, 'S', 'I', 'P', '!',
        0x00, 0x00, 0x00, 0x0d, 0x00, 0x08, 0x00, 0x05,        /* keep-alive timer */
    };
    b[5] = (uint8_t)sizeof b;
    struct hep_msg m;
    const char *why;
    if (!CHECK_EQ_INT(hep_decode(b, sizeof b, &m, &why), HEP_OK))
        return;
    CHECK_SLICE_STR(m.payload, "SIP!");
    CHECK(m.has_ip && m.src.version == 4 && m.src.a[3] == 1 && m.dst.a[3] == 2);
    CHECK(!m.has_ports && !m.has_ts && !m.has_proto_type);
    /* with an IPv6 family chunk the IPv4 pair is not taken */
    uint8_t c[sizeof b + 7];
    memcpy(c, b, sizeof b);
    memcpy(c + sizeof b, "\x00\x00\x00\x01\x00\x07\x0a", 7);
    c[5] = (uint8_t)sizeof c;
    CHECK(hep_decode(c, sizeof c, &m, &why) == HEP_OK && !m.has_ip);
}

static void test_two_messages_and_framing(void)
{
    uint8_t two[2 * sizeof spec_example];
    memcpy(two, spec_example, sizeof spec_example);
    memcpy(two + sizeof spec_example, spec_example, sizeof spec_example);
    struct hep_msg m;
    const char *why;
    CHECK(hep_decode(two, sizeof two, &m, &why) == HEP_OK && m.len == sizeof spec_example);
    CHECK(hep_decode(two + m.len, sizeof two - m.len, &m, &why) == HEP_OK && m.len == sizeof spec_example);
    CHECK_EQ_INT(hep3_frame_len(two, 0), 0);
    CHECK_EQ_INT(hep3_frame_len(two, 3), 0);
    CHECK_EQ_INT(hep3_frame_len(two, 5), 0);
    CHECK_EQ_INT(hep3_frame_len(two, 6), 113);
    CHECK_EQ_INT(hep3_frame_len((const uint8_t *)"HXP", 3), -1);
    CHECK_EQ_INT(hep3_frame_len((const uint8_t *)"GET / HTTP/1.1", 14), -1);
    CHECK_EQ_INT(hep3_frame_len((const uint8_t *)"HEP3\x00\x02", 6), -1);
}

/* HEP2: 8-byte header, addresses, 12-byte little-endian time header, payload. */
static void test_hep2_hep1(void)
{
    uint8_t b[64] = { 2, 16, HEP_AF_INET, 17, 0x13, 0xc4, 0x2e, 0xea, 192, 0, 2, 1, 198, 51, 100, 7,
                      0xcb, 0x82, 0x49, 0x4e, 0x40, 0xe2, 0x01, 0x00, 0xe4, 0x00, 0xaa, 0xbb };
    memcpy(b + 28, "OPTIONS sip:x SIP/2.0\r\n", 23);
    struct hep_msg m;
    const char *why;
    if (!CHECK_EQ_INT(hep_decode(b, 51, &m, &why), HEP_OK))
        return;
    CHECK_EQ_INT(m.version, 2);
    CHECK_EQ_INT(m.len, 51);
    CHECK(m.has_ip && m.src.a[0] == 192 && m.dst.a[3] == 7);
    CHECK_EQ_INT(m.sport, 5060);
    CHECK_EQ_INT(m.dport, 12010);
    CHECK(m.has_ts && m.ts_sec == 1313440459 && m.ts_usec == 123456);
    CHECK(m.has_capture_id && m.capture_id == 228);
    CHECK(m.proto_type == HEP_PROTO_SIP);
    CHECK_EQ_INT(m.payload.n, 23);
    b[1] = 0x77; /* the header length byte is not used (sngrep fills it wrongly) */
    CHECK_EQ_INT(hep_decode(b, 51, &m, &why), HEP_OK);
    CHECK_EQ_INT(hep_decode(b, 27, &m, &why), HEP_TRUNCATED);
    b[20] = 0x40, b[21] = 0x42, b[22] = 0x0f; /* 1 000 000 µs */
    CHECK_EQ_INT(hep_decode(b, 51, &m, &why), HEP_MALFORMED);
    b[2] = 7;
    CHECK_EQ_INT(hep_decode(b, 51, &m, &why), HEP_MALFORMED);
    /* HEP1 over IPv6: no time header */
    uint8_t v1[48] = { 1, 40, HEP_AF_INET6, 6, 0x13, 0xc4, 0x13, 0xc5 };
    v1[8 + 15] = 1;
    v1[24 + 15] = 2;
    memcpy(v1 + 40, "BYE sip:", 8);
    CHECK(hep_decode(v1, 48, &m, &why) == HEP_OK && m.version == 1 && !m.has_ts && m.src.version == 6 &&
          m.src.a[15] == 1 && m.dst.a[15] == 2 && m.ip_proto == 6 && m.payload.n == 8);
    CHECK_EQ_INT(hep_decode(v1, 39, &m, &why), HEP_TRUNCATED);
}

static void test_inflate(void)
{
    const char *text = "INVITE sip:bob@example.net SIP/2.0\r\nCall-ID: z@x\r\n\r\n";
    uint8_t z[256], out[256];
    uLongf zn = sizeof z;
    if (!CHECK(compress(z, &zn, (const Bytef *)text, strlen(text)) == Z_OK))
        return;
    long n = hep_inflate(slice_make(z, zn), out, sizeof out);
    CHECK_EQ_MEM(out, n > 0 ? (size_t)n : 0, text, strlen(text));
    CHECK_EQ_INT(hep_inflate(slice_make(z, zn), out, 10), -1);      /* would overflow */
    CHECK_EQ_INT(hep_inflate(slice_make(z, zn - 1), out, sizeof out), -1); /* cut */
    CHECK_EQ_INT(hep_inflate(slice_cstr("not zlib at all"), out, sizeof out), -1);
    CHECK_EQ_INT(hep_inflate(SLICE_NULL, out, sizeof out), -1);
    /* decoded from chunk 0x0010 */
    uint8_t b[300];
    memcpy(b, "HEP3\0\0\x00\x00\x00\x10", 10);
    b[10] = (uint8_t)((6 + zn) >> 8);
    b[11] = (uint8_t)(6 + zn);
    memcpy(b + 12, z, zn);
    size_t total = 12 + zn;
    b[4] = (uint8_t)(total >> 8);
    b[5] = (uint8_t)total;
    struct hep_msg m;
    const char *why;
    CHECK(hep_decode(b, total, &m, &why) == HEP_OK && m.payload_compressed && m.payload.n == zn);
}

static void test_out_targets(void)
{
    char err[256];
    const char *bad[] = { "127.0.0.1", "127.0.0.1:", ":9060", "127.0.0.1:0", "127.0.0.1:65536", "127.0.0.1:90x",
                          "127.0.0.1:9060/sctp", "::1:9060", "[::1]9060", "[::1:9060" };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        err[0] = '\0';
        struct hep_out *h = hep_out_new(bad[i], 0, 0, err, sizeof err);
        CHECK(h == NULL && err[0] != '\0');
        hep_out_free(h);
    }
}

static void test_out_udp(void)
{
    int s = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t al = sizeof a;
    if (!CHECK(s >= 0 && bind(s, (struct sockaddr *)&a, sizeof a) == 0 &&
               getsockname(s, (struct sockaddr *)&a, &al) == 0))
        return;
    struct timeval tv = { .tv_sec = 2 };
    setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    char target[64], err[256];
    snprintf(target, sizeof target, "127.0.0.1:%u/udp", ntohs(a.sin_port));
    struct hep_out *h = hep_out_new(target, 0, 0, err, sizeof err);
    if (!CHECK(h != NULL)) {
        printf("    %s\n", err);
        close(s);
        return;
    }
    CHECK(hep_out_send(h, spec_example, sizeof spec_example));
    CHECK(hep_out_send(h, spec_example, 6));
    hep_out_close(h, 2000);
    uint8_t buf[512];
    ssize_t n = recv(s, buf, sizeof buf, 0);
    CHECK_EQ_MEM(buf, n > 0 ? (size_t)n : 0, spec_example, sizeof spec_example);
    CHECK_EQ_INT(recv(s, buf, sizeof buf, 0), 6);
    struct hep_out_counters c;
    hep_out_get_counters(h, &c);
    CHECK_EQ_INT(c.sent, 2);
    CHECK_EQ_INT(c.send_failed, 0);
    CHECK_EQ_INT(c.queue_full, 0);
    hep_out_free(h);
    close(s);
}

/* TCP to a port nobody listens on: messages wait, then count as failed at close. */
static void test_out_tcp_unreachable(void)
{
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t al = sizeof a;
    if (!CHECK(s >= 0 && bind(s, (struct sockaddr *)&a, sizeof a) == 0 &&
               getsockname(s, (struct sockaddr *)&a, &al) == 0))
        return;
    char target[64], err[256];
    snprintf(target, sizeof target, "127.0.0.1:%u/tcp", ntohs(a.sin_port)); /* bound, not listening */
    struct hep_out *h = hep_out_new(target, 0, 0, err, sizeof err);
    if (!CHECK(h != NULL))
        return;
    for (int i = 0; i < 5; i++)
        CHECK(hep_out_send(h, spec_example, sizeof spec_example));
    hep_out_close(h, 300);
    struct hep_out_counters c;
    hep_out_get_counters(h, &c);
    CHECK_EQ_INT(c.sent, 0);
    CHECK_EQ_INT(c.send_failed, 5);
    CHECK_EQ_INT(c.connects, 0);
    hep_out_free(h);
    close(s);
}

/* TCP: the stream is the messages back to back, framed by their own length. */
static void test_out_tcp(void)
{
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t al = sizeof a;
    if (!CHECK(s >= 0 && bind(s, (struct sockaddr *)&a, sizeof a) == 0 && listen(s, 1) == 0 &&
               getsockname(s, (struct sockaddr *)&a, &al) == 0))
        return;
    char target[64], err[256];
    snprintf(target, sizeof target, "127.0.0.1:%u/tcp", ntohs(a.sin_port));
    struct hep_out *h = hep_out_new(target, 0, 0, err, sizeof err);
    if (!CHECK(h != NULL))
        return;
    for (int i = 0; i < 3; i++)
        hep_out_send(h, spec_example, sizeof spec_example);
    hep_out_close(h, 2000);
    int c = accept(s, NULL, NULL);
    uint8_t buf[1024];
    size_t got = 0;
    struct timeval tv = { .tv_sec = 2 };
    setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    for (ssize_t r; got < sizeof buf && (r = recv(c, buf + got, sizeof buf - got, 0)) > 0;)
        got += (size_t)r;
    CHECK_EQ_INT(got, 3 * sizeof spec_example);
    CHECK(got >= sizeof spec_example && memcmp(buf + 2 * sizeof spec_example, spec_example, sizeof spec_example) == 0);
    struct hep_out_counters k;
    hep_out_get_counters(h, &k);
    CHECK(k.sent == 3 && k.connects == 1 && k.send_failed == 0);
    hep_out_free(h);
    close(c);
    close(s);
}

void test_hep(void)
{
    RUN(test_spec_decode);
    RUN(test_spec_encode);
    RUN(test_roundtrip_v6_key_correlation);
    RUN(test_encode_limits);
    RUN(test_damage);
    RUN(test_skipped_and_inferred);
    RUN(test_two_messages_and_framing);
    RUN(test_hep2_hep1);
    RUN(test_inflate);
    RUN(test_out_targets);
    RUN(test_out_udp);
    RUN(test_out_tcp_unreachable);
    RUN(test_out_tcp);
}
