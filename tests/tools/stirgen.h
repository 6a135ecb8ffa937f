/* summary: shared declarations of stirgen, the stirprobe test-data generator.
 *
 * stirgen is a test tool, not part of the probe: it deliberately shares no
 * code with probe/ or decoders/, so that a bug in the probe cannot hide
 * behind the same bug in the data it is tested with.  Every failure is
 * fatal (die()), because a half-written fixture is worse than none.
 */
#ifndef STIRGEN_H
#define STIRGEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

/* ---- util.c ------------------------------------------------------------ */

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

_Noreturn void die(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Like die(), and first prints OpenSSL's error queue. */
_Noreturn void die_ssl(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void warnx_(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

void *xmalloc(size_t n);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A growable byte buffer; always NUL-terminated past n so text can be
 * printed, but n never counts that NUL. */
struct buf {
    uint8_t *p;
    size_t n;
    size_t cap;
};
void buf_put(struct buf *b, const void *d, size_t n);
void buf_str(struct buf *b, const char *s);
void buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void buf_u8(struct buf *b, uint8_t v);
void buf_be16(struct buf *b, uint16_t v);
void buf_be32(struct buf *b, uint32_t v);
void buf_zero(struct buf *b, size_t n);
void buf_free(struct buf *b);

/* base64url without padding (RFC 4648 §5, as JWS compact form uses it). */
char *b64url_encode(const uint8_t *d, size_t n);
/* Strict decode: rejects padding, whitespace and any byte outside the
 * base64url alphabet, and non-zero trailing bits.  Returns false on error. */
bool b64url_decode(const char *s, size_t n, struct buf *out);

void hex_lower(const uint8_t *d, size_t n, char *out); /* out: 2n+1 bytes */

/* Small deterministic PRNG (splitmix64): the generator's own randomness
 * (RTP payload, junk datagram) must be reproducible from --seed. */
uint64_t rng_next(uint64_t *state);

bool write_file(const char *path, const void *d, size_t n);

/* ---- jws.c: PASSporT / ES256 ------------------------------------------- */

EVP_PKEY *load_private_key(const char *path);
X509 *load_first_cert(const char *path);

/* What to put into one PASSporT.  Unused members are NULL. */
struct passport_spec {
    const char *ppt;     /* "shaken", "div" or "rcd" */
    const char *x5u;
    const char *attest;  /* shaken only */
    const char *origid;  /* shaken only */
    const char *orig;    /* orig.tn */
    const char *dest[4]; /* dest.tn[], NULL-terminated */
    long long iat;
    const char *div;     /* div only: div.tn */
    const char *rcd_nam; /* rcd only: rcd.nam */
};

/* Returns the compact JWS (malloc'd).  The header and claims JSON are
 * canonical per RFC 8225 §9: keys sorted, no whitespace. */
char *passport_sign(EVP_PKEY *key, const struct passport_spec *ps);
/* The canonical header and claims JSON of ps with JOSE alg `alg` (both
 * malloc'd). */
void passport_json(const struct passport_spec *ps, const char *alg, char **header_json, char **claims_json);
/* Compact JWS of the given JSON texts (sent as they are, whatever they
 * hold): ES256 with a P-256 key, ES384 (96-byte r||s) with a P-384 key. */
char *jws_sign_json(EVP_PKEY *key, const char *header_json, const char *claims_json);
/* "TOKEN;info=<X5U>;alg=ES256;ppt=PPT" (malloc'd). */
char *identity_value(const char *token, const char *x5u, const char *ppt);
/* Verifies an ES256 compact JWS against pub; false on any decode or
 * signature failure (a message goes to stderr when why is non-NULL). */
bool jws_verify(EVP_PKEY *pub, const char *token, size_t len, const char **why);
/* First 8 bytes of SHA-256(token) as 16 lowercase hex digits (+NUL). */
void chain_id(const char *token, size_t len, char out[17]);

int cmd_sign(int argc, char **argv);
int cmd_check(int argc, char **argv);

/* ---- pki.c ------------------------------------------------------------- */

int cmd_pki(int argc, char **argv);

/* ---- capture.c: pcap / pcapng / link / IP / UDP / TCP ------------------ */

enum linktype {
    LINK_ETH,
    LINK_VLAN,
    LINK_QINQ,
    LINK_SLL,
    LINK_SLL2,
    LINK_RAW,
    LINK_NULL,
    LINK_LOOP,
};

/* Order in which the fragments of one datagram are written (--frag-order). */
enum fragorder {
    FRAG_INORDER,
    FRAG_REVERSE,
    FRAG_SHUFFLE, /* deterministic from capopts.seed */
};

struct capopts {
    enum linktype link;
    bool pcapng;
    bool multi;           /* pcapng-multi: interfaces of different link types and
                           * resolutions, packets in rotation over them */
    bool ns;              /* nanosecond timestamps */
    bool be;              /* big-endian file */
    bool ipv6;            /* map every address into 2001:db8::/32 */
    long truncate_after;  /* -1: write everything */
    unsigned mtu;         /* 0: never fragment; else fragment UDP datagrams whose
                           * IP packet exceeds mtu bytes (TCP never) */
    enum fragorder frag_order;
    uint64_t seed;        /* --seed, for FRAG_SHUFFLE */
};

bool link_parse(const char *name, enum linktype *out);
bool fragorder_parse(const char *name, enum fragorder *out);
const char *link_name(enum linktype l);

/* The scenario speaks IPv4 only; --ipv6 maps a.b.c.d to
 * 2001:db8:0:C::D where C and D are c and d's decimal digits read as hex,
 * so 203.0.113.5 becomes 2001:db8:0:113::5 and stays readable. */
void ip_map_v6(uint32_t v4, uint8_t out[16]);
/* Address as text: dotted quad, or RFC 5952 IPv6 (inet_ntop). */
const char *ip_str(uint32_t v4, bool v6, char out[64]);

#define IPPROTO_UDP_ 17
#define IPPROTO_TCP_ 6

#define TCPF_FIN 0x01
#define TCPF_SYN 0x02
#define TCPF_RST 0x04
#define TCPF_PSH 0x08
#define TCPF_ACK 0x10

/* What the generator knows about one SIP message: the truth that the
 * expected CSV is computed from.  A message is attached to the packet that
 * completes it (for TCP: the segment carrying its last byte). */
struct msgref {
    const char *call_id; /* points into scenario-owned storage */
    bool request;
    char method[16];     /* request method */
    int code;            /* response status */
    unsigned cseq;
    char cseq_method[16];
};

#define PKT_MAX_MSGS 4

struct pkt {
    uint64_t ts_ns;        /* absolute, nanoseconds since the epoch */
    uint8_t proto;         /* IPPROTO_UDP_ / IPPROTO_TCP_ */
    uint32_t src, dst;     /* logical IPv4 addresses */
    uint16_t sport, dport;
    uint32_t seq, ack;     /* TCP only */
    uint8_t tcp_flags;     /* TCP only */
    struct buf payload;
    unsigned lone_frag_mtu; /* UDP only: non-zero writes just the first fragment at this
                             * MTU, a datagram that never completes (flood scenario) */
    struct msgref msgs[PKT_MAX_MSGS];
    int nmsgs;
};

/* Writes pkts[0..n) to path in the format and link type of o.  local_ip is
 * the capture host (it decides the Linux cooked-capture packet type).
 * With o->mtu, an oversized UDP datagram becomes several records, all with
 * the packet's own timestamp; --truncate-after still counts packets (the
 * cut packet's first record is halved, its other fragments dropped). */
void capture_write(const char *path, const struct capopts *o, const struct pkt *pkts, size_t n,
                   uint32_t local_ip);

/* ---- scenario.c -------------------------------------------------------- */

/* Static truth of one INVITE dialog: what the scenario put into it. */
struct call_truth {
    const char *call_id;
    char ruri_tn[32], from_tn[32], to_tn[32], pai_tn[32];
    char identity_header[16];
    char ppt[64];
    char attest[4];
    char origid[64];
    char orig_tn[32];
    char dest_tn[128];
    long long iat;          /* valid when has_shaken */
    char x5u[128];
    char verstat[64];
    char chain_id[17];
    bool has_shaken;        /* a decodable shaken PASSporT was sent */
    uint64_t start_us;      /* the INVITE's planned time after T0 (analytics scenario) */
    int final_status;       /* final response to the INVITE the flow sends, 0: none */
    /* Expected under `read --verify` (interface.md labels), as the scenario
     * author states it; "" = not stated, the CSV then says not-verified. */
    char verify_result[24];
    /* Expected per-header results (passports table), header order. */
    struct {
        char ppt[16];
        char result[24];
    } hdr[4];
    int nhdr;
};

/* A signing key and its certificate, loaded once from the PKI dir. */
struct signer {
    char name[32];
    EVP_PKEY *key;
    X509 *cert;
};

struct scen {
    struct pkt *pkts;
    size_t npkts, capp;
    struct call_truth *calls;
    size_t ncalls, capc;
    bool ipv6;         /* SIP text uses IPv6 literals */
    uint64_t rng;
    const char *pki_dir;
    uint32_t local_ip; /* the host the capture is taken on */
    EVP_PKEY *key_a, *key_b;
    X509 *cert_a, *cert_b;
    struct signer signers[24];
    size_t nsigners;
    /* Report facts the scenario author states (analytics scenario): lines of
     * "REPORT ARGS<TAB>KEY<TAB>COLUMN<TAB>VALUE", written to NAME.expect.tsv. */
    struct buf expect;
};

void scenario_build(struct scen *s, const char *name);
void scenario_free(struct scen *s);

/* ---- truth.c ----------------------------------------------------------- */

/* Canonical TN of a URI or name-addr per RFC 8224 §8.3 ("" if not a TN). */
void tn_canon(const char *uri_or_header, char *out, size_t outsz);
/* Expected CSV computed from packets [0, limit) of s. */
void truth_write_csv(const char *path, const struct scen *s, size_t limit, bool ipv6);
/* Expected per-header results of the calls with several Identity values:
 * TSV call_id, position (0-based, header order), ppt, verify_result.
 * Returns false (and writes nothing) when no call has several. */
bool truth_write_passports(const char *path, const struct scen *s);

int cmd_pcap(int argc, char **argv);

#endif
