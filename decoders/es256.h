/* summary: ES256 (RFC 7518 §3.4) — ECDSA P-256 / SHA-256 over the JWS signing input,
 * with the signature in JWS form: raw r||s, 32 bytes each. */
#ifndef STIRPROBE_ES256_H
#define STIRPROBE_ES256_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

enum es256_result {
    ES256_VALID = 0,
    ES256_INVALID,      /* the signature does not verify */
    ES256_BAD_LENGTH,   /* not 64 bytes: JWS ES256 has no other form (a DER signature is 70-72) */
    ES256_BAD_KEY,      /* the key is not an EC P-256 key */
};

/* Safe to call from several threads with the same key. Each thread keeps a verify
 * context (and a reference) for up to 32 recent keys, released when the thread exits.
 * A key that keeps verifying gets a precomputed table (decoders/p256key.h), shared by
 * all threads until the process ends; the verdicts are the same either way. */
enum es256_result es256_verify(EVP_PKEY *pub, const uint8_t *msg, size_t msg_len, const uint8_t *sig,
                               size_t sig_len);

/* The same, for a signing input already hashed with SHA-256. */
enum es256_result es256_verify_digest(EVP_PKEY *pub, const uint8_t digest[32], const uint8_t *sig, size_t sig_len);

/* The DER ECDSA-Sig-Value of a JWS r||s (minimal positive INTEGERs); returns its length. */
size_t es256_sig_der(const uint8_t sig[64], uint8_t out[72]);

/* Keys that have a table so far (at most 64). */
size_t es256_table_count(void);

const char *es256_result_str(enum es256_result r);

#endif
