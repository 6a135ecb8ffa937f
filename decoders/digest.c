/* summary: SHA-256 with a once-fetched EVP_MD (see digest.h). */
#include "decoders/digest.h"

#include <pthread.h>

static EVP_MD *sha256;
static pthread_once_t sha256_once = PTHREAD_ONCE_INIT;

static void fetch_sha256(void)
{
    sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
}

const EVP_MD *digest_sha256(void)
{
    pthread_once(&sha256_once, fetch_sha256);
    return sha256;
}

bool digest_sha256_2(const void *a, size_t an, const void *b, size_t bn, uint8_t out[DIGEST_SHA256_LEN])
{
    const EVP_MD *md = digest_sha256();
    EVP_MD_CTX *ctx = md ? EVP_MD_CTX_new() : NULL;
    unsigned n = 0;
    bool ok = ctx && EVP_DigestInit_ex2(ctx, md, NULL) && EVP_DigestUpdate(ctx, a, an) &&
              (bn == 0 || EVP_DigestUpdate(ctx, b, bn)) && EVP_DigestFinal_ex(ctx, out, &n) &&
              n == DIGEST_SHA256_LEN;
    EVP_MD_CTX_free(ctx);
    return ok;
}
