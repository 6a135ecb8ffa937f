/* summary: verification throughput — ES256 alone, and the whole verifier (cert map,
 * certificate checks at packet time, signature, claims) on distinct PASSporTs, with 1
 * and N worker threads. Printed beside `openssl speed ecdsap256` by `make bench`. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "calls/call.h"
#include "decoders/es256.h"
#include "decoders/sip.h"
#include "verifier/verifier.h"

#define T0 1740830400LL /* 2025-03-01T12:00:00Z, inside the test PKI's validity */

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + t.tv_nsec / 1e9;
}

static void b64url(const unsigned char *d, size_t n, char *out)
{
    static const char a[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    size_t o = 0, i = 0;
    for (; i + 2 < n; i += 3) {
        unsigned v = (unsigned)d[i] << 16 | (unsigned)d[i + 1] << 8 | d[i + 2];
        out[o++] = a[v >> 18 & 63], out[o++] = a[v >> 12 & 63], out[o++] = a[v >> 6 & 63], out[o++] = a[v & 63];
    }
    if (n - i == 1) {
        unsigned v = (unsigned)d[i] << 16;
        out[o++] = a[v >> 18 & 63], out[o++] = a[v >> 12 & 63];
    } else if (n - i == 2) {
        unsigned v = (unsigned)d[i] << 16 | (unsigned)d[i + 1] << 8;
        out[o++] = a[v >> 18 & 63], out[o++] = a[v >> 12 & 63], out[o++] = a[v >> 6 & 63];
    }
    out[o] = '\0';
}

/* A shaken PASSporT for call i, signed with key. */
static char *sign(EVP_PKEY *key, int i)
{
    static const char x5u[] = "https://certs.stirprobe.test/sp-a.pem";
    char hdr[256], claims[256], h64[400], c64[400], input[900], s64[100];
    snprintf(hdr, sizeof hdr, "{\"alg\":\"ES256\",\"ppt\":\"shaken\",\"typ\":\"passport\",\"x5u\":\"%s\"}", x5u);
    snprintf(claims, sizeof claims,
             "{\"attest\":\"A\",\"dest\":{\"tn\":[\"12025550199\"]},\"iat\":%lld,\"orig\":{\"tn\":\"12025550101\"},"
             "\"origid\":\"00000000-0000-4000-8000-%012d\"}",
             T0, i);
    b64url((const unsigned char *)hdr, strlen(hdr), h64);
    b64url((const unsigned char *)claims, strlen(claims), c64);
    snprintf(input, sizeof input, "%s.%s", h64, c64);
    unsigned char der[80];
    size_t dlen = sizeof der;
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    if (EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, key) != 1 ||
        EVP_DigestSign(md, der, &dlen, (const unsigned char *)input, strlen(input)) != 1)
        abort();
    EVP_MD_CTX_free(md);
    const unsigned char *q = der;
    ECDSA_SIG *es = d2i_ECDSA_SIG(NULL, &q, (long)dlen);
    unsigned char raw[64];
    BN_bn2binpad(ECDSA_SIG_get0_r(es), raw, 32);
    BN_bn2binpad(ECDSA_SIG_get0_s(es), raw + 32, 32);
    ECDSA_SIG_free(es);
    b64url(raw, 64, s64);
    char *out = malloc(strlen(input) + 200);
    sprintf(out, "%s.%s;info=<%s>;alg=ES256;ppt=shaken", input, s64, x5u);
    return out;
}

static struct call *make_call(const char *identity, struct sip_msg *m)
{
    char buf[2048];
    int n = snprintf(buf, sizeof buf,
                     "INVITE sip:+12025550199@b.example;user=phone SIP/2.0\r\n"
                     "Via: SIP/2.0/UDP a.example;branch=z9hG4bK-1\r\n"
                     "From: <sip:+12025550101@a.example;user=phone>;tag=1\r\n"
                     "To: <sip:+12025550199@b.example;user=phone>\r\n"
                     "Call-ID: bench\r\nCSeq: 1 INVITE\r\nIdentity: %s\r\nContent-Length: 0\r\n\r\n",
                     identity);
    struct call *c = calloc(1, sizeof *c);
    if (n < 0 || (size_t)n >= sizeof buf || !c || sip_parse((const uint8_t *)buf, (size_t)n, false, m) != SIP_OK)
        abort();
    c->shaken = -1;
    struct pdu pdu = { .ts = { T0 + 1, 0 } };
    call_take_invite(c, m, &pdu);
    call_take_identities(c, m, NULL);
    return c;
}

static size_t passed;
static void done(void *ctx, struct call *c)
{
    (void)ctx;
    passed += strcmp(c->verify_result, "pass") == 0;
    call_free(c);
}

static double run_verifier(char **tokens, int n, int threads, struct sip_msg *m)
{
    struct verifier_cfg vc = { .trust = "tests/pki/root.pem", .cert_map = "tests/pki/certmap.tsv",
                               .max_iat_age = 60, .threads = threads };
    char err[256];
    struct verifier *v = verifier_new(&vc, err, sizeof err);
    if (!v) {
        fprintf(stderr, "bench: %s\n", err);
        exit(1);
    }
    struct call **calls = malloc((size_t)n * sizeof *calls);
    for (int i = 0; i < n; i++)
        calls[i] = make_call(tokens[i], m);
    passed = 0;
    double t = now_s();
    for (int i = 0; i < n; i++)
        verifier_submit(v, calls[i]);
    verifier_collect(v, true, done, NULL);
    t = now_s() - t;
    verifier_free(v);
    free(calls);
    if (passed != (size_t)n) {
        fprintf(stderr, "bench: only %zu of %d passed\n", passed, n);
        exit(1);
    }
    return n / t;
}

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 20000;
    if (n < 1)
        n = 1;
    int threads = argc > 2 ? atoi(argv[2]) : 2;
    FILE *f = fopen("tests/pki/sp-a.key", "r");
    EVP_PKEY *key = f ? PEM_read_PrivateKey(f, NULL, NULL, NULL) : NULL;
    if (f)
        fclose(f);
    if (!key) {
        fprintf(stderr, "bench: cannot read tests/pki/sp-a.key (run from the repository root)\n");
        return 1;
    }
    char **tokens = malloc((size_t)n * sizeof *tokens);
    for (int i = 0; i < n; i++)
        tokens[i] = sign(key, i);
    static struct sip_msg m;

    /* ES256 alone, on the same decoded tokens the verifier sees. */
    struct call *c = make_call(tokens[0], &m);
    const struct passport *pp = &c->idents[0]->pp;
    double t = now_s();
    int reps = n;
    for (int i = 0; i < reps; i++)
        if (es256_verify(key, pp->signing_input.p, pp->signing_input.n, pp->sig, pp->sig_len) != ES256_VALID)
            abort();
    double es = reps / (now_s() - t);
    call_free(c);

    double v1 = run_verifier(tokens, n, 1, &m);
    double vn = run_verifier(tokens, n, threads, &m);
    printf("stirprobe es256_verify (1 thread)             %10.0f verifies/s\n", es);
    printf("stirprobe verifier, %6d distinct PASSporTs, 1 thread  %10.0f calls/s\n", n, v1);
    printf("stirprobe verifier, %6d distinct PASSporTs, %d threads %10.0f calls/s\n", n, threads, vn);
    for (int i = 0; i < n; i++)
        free(tokens[i]);
    free(tokens);
    EVP_PKEY_free(key);
    return 0;
}
