/* summary: STIR certificates (RFC 8226, ATIS-1000080) — parse what an x5u URL served,
 * describe the leaf, and judge the chain against the STI-PA trust anchors at a given
 * time (the packet's, not the wall clock's).
 *
 * Bytes in, verdicts out: no network and no database here. */
#ifndef STIRPROBE_CERT_H
#define STIRPROBE_CERT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "decoders/tnauth.h"

#define CERT_MAX_CHAIN 8       /* leaf + intermediates accepted from one x5u body */
#define CERT_BODY_MAX 65536    /* what an x5u may serve; more is not a certificate chain */

struct cert_info {
    char subject[256];
    char issuer[256];
    char sha256[65];           /* hex, of the leaf's DER */
    int64_t not_before, not_after; /* leaf, epoch seconds */
    bool has_tnauth;
    const char *tnauth_error;  /* NULL when the extension parsed */
    struct tnauth tnauth;
    char tnauth_text[256];     /* tnauth_str() */
    bool has_key_usage, digital_signature;
    bool is_ca;                /* basicConstraints CA:TRUE */
    bool shaken_policy;        /* certificatePolicies holds 2.16.840.1.114569.1.1.1 */
    char crl_dp[256];          /* first URI of the CRL distribution points, "" when none */
    size_t chain_len;
};

struct cert_chain;

/* PEM (one or more certificates, leaf first) or one DER certificate. NULL with a
 * stable reason in *why ("empty", "too-big", "not-a-certificate", "too-many-certs"). */
struct cert_chain *cert_chain_parse(const uint8_t *p, size_t len, const char **why);
void cert_chain_free(struct cert_chain *c);

const struct cert_info *cert_chain_info(const struct cert_chain *c);
/* The leaf's public key (owned by the chain; safe to use from several threads). */
EVP_PKEY *cert_chain_pubkey(const struct cert_chain *c);
/* Validity window of the whole chain: latest notBefore, earliest notAfter. */
void cert_chain_window(const struct cert_chain *c, int64_t *not_before, int64_t *not_after);

struct cert_trust;

/* Trust anchors from a PEM file or a directory of PEM files (*.pem, *.crt, *.cer).
 * NULL with a message in err when nothing usable was found. */
struct cert_trust *cert_trust_load(const char *path, char *err, size_t errlen);
void cert_trust_free(struct cert_trust *t);
size_t cert_trust_count(const struct cert_trust *t);

/* interface.md certificate checks at time `at` (epoch seconds). Returns NULL when the
 * certificate may sign, else "cert-invalid", "cert-expired" or "cert-untrusted" — when
 * several faults apply, the first of these — with a short cause in *detail
 * ("not-yet-valid", "no-tnauthlist", "no-digital-signature", "ca-leaf", "expired",
 * "unable to get local issuer certificate", ...). Safe to call from several threads. */
const char *cert_check(const struct cert_trust *t, const struct cert_chain *c, int64_t at,
                       const char **detail);

#endif
