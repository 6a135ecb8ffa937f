/* summary: ES256 verification — SHA-256 of the JWS signing input, then the signature
 * checked with the key's precomputed table once the key has proven busy
 * (decoders/p256key), else through EVP with the JWS raw r||s written as the DER
 * ECDSA-Sig-Value OpenSSL expects and a verify context per key and thread, built once. */
#include "decoders/es256.h"

#include <pthread.h>
#include <stdbool.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/err.h>

#include "decoders/digest.h"
#include "decoders/p256key.h"

static bool is_p256(EVP_PKEY *pub)
{
    char group[32];
    size_t n = 0;
    return EVP_PKEY_is_a(pub, "EC") &&
           EVP_PKEY_get_utf8_string_param(pub, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group, &n) &&
           (strcmp(group, "prime256v1") == 0 || strcmp(group, "P-256") == 0);
}

/* ---- verify contexts, per thread ------------------------------------------------------------
 *
 * Building an EVP_PKEY_CTX fetches the algorithm from OpenSSL 3's provider store and
 * asks the key for its group: more than a tenth of a verification's CPU, and a lock the
 * worker threads share. A signer's key verifies thousands of calls, so each thread
 * keeps a context per recent key. A context holds a reference to its key, so a cached
 * key's address cannot be reused for another while it is here. */
#define CTX_SLOTS 32

/* A thread asks for the key's table each time it has verified this many signatures
 * with the key and has none yet: building one costs about what a few hundred
 * verifications save. */
#define TABLE_AFTER 128

struct ctx_slot {
    EVP_PKEY *key;
    EVP_PKEY_CTX *ctx;           /* NULL: the key is not P-256 */
    const struct p256key *table; /* shared, lives until the process ends */
    unsigned uses;
};

struct ctx_cache {
    struct ctx_slot slot[CTX_SLOTS];
    unsigned next; /* round-robin victim */
    bool registered;
    struct p256key_scratch *scratch;
};

static _Thread_local struct ctx_cache cache;
static pthread_key_t cache_key;
static pthread_once_t cache_key_once = PTHREAD_ONCE_INIT;

static void slot_clear(struct ctx_slot *s)
{
    EVP_PKEY_CTX_free(s->ctx);
    EVP_PKEY_free(s->key);
    s->ctx = NULL;
    s->key = NULL;
    s->table = NULL;
    s->uses = 0;
}

/* At thread exit (worker threads): release the keys and contexts. */
static void cache_release(void *p)
{
    struct ctx_cache *c = p;
    for (size_t i = 0; i < CTX_SLOTS; i++)
        slot_clear(&c->slot[i]);
    p256key_scratch_free(c->scratch);
    c->scratch = NULL;
    c->registered = false;
}

static void cache_key_init(void)
{
    pthread_key_create(&cache_key, cache_release);
}

static EVP_PKEY_CTX *new_verify_ctx(EVP_PKEY *pub)
{
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, pub, NULL);
    if (ctx && EVP_PKEY_verify_init(ctx) == 1 && EVP_PKEY_CTX_set_signature_md(ctx, digest_sha256()) == 1)
        return ctx;
    EVP_PKEY_CTX_free(ctx);
    return NULL;
}

/* The slot for pub, filled on first use; NULL when out of memory. */
static struct ctx_slot *slot_for(EVP_PKEY *pub)
{
    for (size_t i = 0; i < CTX_SLOTS; i++)
        if (cache.slot[i].key == pub)
            return &cache.slot[i];
    if (!cache.registered) {
        pthread_once(&cache_key_once, cache_key_init);
        pthread_setspecific(cache_key, &cache);
        cache.registered = true;
    }
    struct ctx_slot *s = &cache.slot[cache.next++ % CTX_SLOTS];
    slot_clear(s);
    if (is_p256(pub)) {
        s->ctx = new_verify_ctx(pub);
        if (!s->ctx)
            return NULL;
    }
    if (!EVP_PKEY_up_ref(pub)) {
        slot_clear(s);
        return NULL;
    }
    s->key = pub;
    return s;
}

/* ---- precomputed tables, shared by the threads ----------------------------------------------
 *
 * Keyed by the public point, not the EVP_PKEY: a certificate fetched again after the
 * verifier's cache let it go still finds its table. At most TABLES_MAX tables (~150 kB
 * each); keys beyond verify through EVP. A table is never freed before the process
 * ends, so a slot may keep a plain pointer to it. */
#define TABLES_MAX 64

struct table_entry {
    uint8_t point[65];
    struct p256key *table; /* NULL while a thread builds it, or when it cannot be built */
};

static struct table_entry tables[TABLES_MAX];
static size_t n_tables;
static pthread_mutex_t tables_lock = PTHREAD_MUTEX_INITIALIZER;

/* pub's table: built by the first thread to ask, found by the others; NULL for now. */
static const struct p256key *table_for(EVP_PKEY *pub)
{
    uint8_t point[65];
    size_t len = 0;
    if (!EVP_PKEY_get_octet_string_param(pub, OSSL_PKEY_PARAM_PUB_KEY, point, sizeof point, &len) ||
        len != sizeof point) {
        ERR_clear_error();
        return NULL;
    }
    pthread_mutex_lock(&tables_lock);
    for (size_t i = 0; i < n_tables; i++)
        if (memcmp(tables[i].point, point, sizeof point) == 0) {
            const struct p256key *t = tables[i].table;
            pthread_mutex_unlock(&tables_lock);
            return t;
        }
    if (n_tables == TABLES_MAX) {
        pthread_mutex_unlock(&tables_lock);
        return NULL;
    }
    struct table_entry *e = &tables[n_tables++];
    memcpy(e->point, point, sizeof point);
    pthread_mutex_unlock(&tables_lock);

    struct p256key *t = p256key_new(point, sizeof point);
    pthread_mutex_lock(&tables_lock);
    e->table = t;
    pthread_mutex_unlock(&tables_lock);
    return t;
}

size_t es256_table_count(void)
{
    size_t built = 0;
    pthread_mutex_lock(&tables_lock);
    for (size_t i = 0; i < n_tables; i++)
        built += tables[i].table != NULL;
    pthread_mutex_unlock(&tables_lock);
    return built;
}

/* The thread's scratch for table verifications; NULL when out of memory. */
static struct p256key_scratch *scratch(void)
{
    if (!cache.scratch)
        cache.scratch = p256key_scratch_new();
    return cache.scratch;
}

/* ---- the signature ---------------------------------------------------------------------- */

/* One DER INTEGER from a 32-byte big-endian value: minimal, positive. */
static size_t der_integer(const uint8_t v[32], uint8_t *out)
{
    size_t i = 0;
    while (i < 31 && v[i] == 0)
        i++;
    size_t pad = (v[i] & 0x80) ? 1 : 0, n = 32 - i;
    out[0] = 0x02;
    out[1] = (uint8_t)(n + pad);
    out[2] = 0;
    memcpy(out + 2 + pad, v + i, n);
    return 2 + pad + n;
}

/* SEQUENCE { r INTEGER, s INTEGER } of r||s: at most 2 + 2 * 35 = 72 bytes, so the
 * lengths always fit DER's short form. */
size_t es256_sig_der(const uint8_t sig[64], uint8_t out[72])
{
    size_t n = der_integer(sig, out + 2);
    n += der_integer(sig + 32, out + 2 + n);
    out[0] = 0x30;
    out[1] = (uint8_t)n;
    return 2 + n;
}

enum es256_result es256_verify_digest(EVP_PKEY *pub, const uint8_t digest[DIGEST_SHA256_LEN], const uint8_t *sig,
                                      size_t sig_len)
{
    if (sig_len != 64)
        return ES256_BAD_LENGTH;
    if (!pub)
        return ES256_BAD_KEY;
    struct ctx_slot *s = slot_for(pub);
    if (s && !s->ctx)
        return ES256_BAD_KEY;
    if (!s) {
        ERR_clear_error();
        return ES256_INVALID;
    }
    if (!s->table && ++s->uses % TABLE_AFTER == 0)
        s->table = table_for(pub);
    struct p256key_scratch *sc = s->table ? scratch() : NULL;
    if (sc) {
        enum p256key_result r = p256key_verify(s->table, sc, digest, sig);
        if (r != P256KEY_ERROR)
            return r == P256KEY_VALID ? ES256_VALID : ES256_INVALID;
    }
    uint8_t der[72];
    int rc = EVP_PKEY_verify(s->ctx, der, es256_sig_der(sig, der), digest, DIGEST_SHA256_LEN);
    ERR_clear_error();
    return rc == 1 ? ES256_VALID : ES256_INVALID;
}

enum es256_result es256_verify(EVP_PKEY *pub, const uint8_t *msg, size_t msg_len, const uint8_t *sig,
                               size_t sig_len)
{
    if (sig_len != 64)
        return ES256_BAD_LENGTH;
    if (!pub)
        return ES256_BAD_KEY;
    uint8_t digest[DIGEST_SHA256_LEN];
    if (!digest_sha256_2(msg, msg_len, NULL, 0, digest)) {
        ERR_clear_error();
        return ES256_INVALID;
    }
    return es256_verify_digest(pub, digest, sig, sig_len);
}

const char *es256_result_str(enum es256_result r)
{
    switch (r) {
    case ES256_VALID: return "valid";
    case ES256_INVALID: return "signature-invalid";
    case ES256_BAD_LENGTH: return "signature-length";
    case ES256_BAD_KEY: return "key-not-p256";
    }
    return "?";
}
