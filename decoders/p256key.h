/* summary: a P-256 public key prepared for many ECDSA verifications — OpenSSL's
 * fixed-base table built for the key itself, so both scalar multiplications of a
 * verification use precomputed points (about three times openssl speed's verify). */
#ifndef STIRPROBE_P256KEY_H
#define STIRPROBE_P256KEY_H

#include <stddef.h>
#include <stdint.h>

struct p256key;         /* immutable once built: share it between threads */
struct p256key_scratch; /* one per thread */

enum p256key_result {
    P256KEY_VALID = 0,
    P256KEY_INVALID,
    P256KEY_ERROR, /* out of memory or an OpenSSL failure: verify some other way */
};

/* point: the uncompressed SEC1 point (0x04 || X || Y). NULL when it is not a point of
 * P-256, when memory runs out, or when this OpenSSL has no per-point precomputation.
 * Building takes tens of milliseconds and ~150 kB: worth it for a key that verifies
 * hundreds of signatures. */
struct p256key *p256key_new(const uint8_t *point, size_t len);
void p256key_free(struct p256key *k);

struct p256key_scratch *p256key_scratch_new(void);
void p256key_scratch_free(struct p256key_scratch *s);

/* ECDSA verification (SEC 1 §4.1.4) of a 32-byte digest and the JWS r||s. */
enum p256key_result p256key_verify(const struct p256key *k, struct p256key_scratch *s, const uint8_t digest[32],
                                   const uint8_t sig[64]);

#endif
