/* summary: SHA-256 through one message digest fetched once per process.
 *
 * OpenSSL 3 looks EVP_sha256() up in its provider store at every digest init (a lock
 * and a property query): on the verify path that is per PASSporT, twice. */
#ifndef STIRPROBE_DIGEST_H
#define STIRPROBE_DIGEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#define DIGEST_SHA256_LEN 32

/* The fetched SHA-256 (NULL only when OpenSSL has none); lives until the process ends. */
const EVP_MD *digest_sha256(void);

/* SHA-256 of a then b (b may be NULL with bn 0). False only when OpenSSL fails. */
bool digest_sha256_2(const void *a, size_t an, const void *b, size_t bn, uint8_t out[DIGEST_SHA256_LEN]);

#endif
