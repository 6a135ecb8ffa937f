/* summary: intrusive hash table + LRU list (see lhash.h). */
#include "common/lhash.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

/* Tables start small and double as they fill, up to the bucket count asked for: a
 * bucket array sized for the cap (1 MiB for 200 000 calls) would spill the L2 cache
 * on every lookup while a few thousand entries are live. */
#define LH_START_BUCKETS 1024

int lh_init(struct lhash *t, size_t buckets)
{
    size_t max = 16;
    while (max < buckets && max < ((size_t)1 << 30))
        max <<= 1;
    size_t n = max < LH_START_BUCKETS ? max : LH_START_BUCKETS;
    t->buckets = calloc(n, sizeof(*t->buckets));
    if (!t->buckets)
        return -1;
    t->mask = n - 1;
    t->max_mask = max - 1;
    t->count = 0;
    t->lru.older = t->lru.newer = &t->lru;
    return 0;
}

/* Doubles the bucket array; every node is on the LRU list, which is how they are
 * found again. Out of memory: the table keeps its size (longer chains, still right). */
static void grow(struct lhash *t)
{
    size_t n = (t->mask + 1) * 2;
    struct lh_node **b = calloc(n, sizeof *b);
    if (!b)
        return;
    for (struct lh_node *node = t->lru.newer; node != &t->lru; node = node->newer) {
        struct lh_node **slot = &b[node->hash & (n - 1)];
        node->hnext = *slot;
        *slot = node;
    }
    free(t->buckets);
    t->buckets = b;
    t->mask = n - 1;
}

void lh_free(struct lhash *t)
{
    free(t->buckets);
    t->buckets = NULL;
    t->count = 0;
}

/* Keys are attacker-chosen (Call-IDs, addresses), so the hash is keyed by a random
 * seed drawn once per process: flooding one bucket needs the seed. Eight bytes per
 * step (FNV-1a's byte at a time was 2 % of decoding a capture), then an avalanche. */
static uint64_t hash_seed;
static pthread_once_t seed_once = PTHREAD_ONCE_INIT;

static void seed_init(void)
{
    uint64_t s = 0;
    if (getrandom(&s, sizeof s, GRND_NONBLOCK) != (ssize_t)sizeof s) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        s = (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 32) ^ (uint64_t)(uintptr_t)&s;
    }
    hash_seed = s | 1;
}

static inline uint64_t mix(uint64_t h, uint64_t w)
{
    h = (h ^ w) * 0x9e3779b97f4a7c15ULL;
    return h ^ (h >> 29);
}

uint64_t lh_hash_bytes(const void *p, size_t n)
{
    pthread_once(&seed_once, seed_init);
    const uint8_t *b = p;
    uint64_t h = hash_seed ^ ((uint64_t)n * 0xff51afd7ed558ccdULL);
    for (; n >= 8; b += 8, n -= 8) {
        uint64_t w;
        memcpy(&w, b, 8);
        h = mix(h, w);
    }
    if (n) {
        uint64_t w = 0;
        memcpy(&w, b, n);
        h = mix(h, w ^ ((uint64_t)n << 56));
    }
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ULL;
    h ^= h >> 33;
    return h;
}

struct lh_node *lh_find(struct lhash *t, uint64_t hash, int (*eq)(const struct lh_node *, const void *),
                        const void *key)
{
    for (struct lh_node *n = t->buckets[hash & t->mask]; n; n = n->hnext)
        if (n->hash == hash && eq(n, key))
            return n;
    return NULL;
}

static void lru_unlink(struct lh_node *n)
{
    n->older->newer = n->newer;
    n->newer->older = n->older;
}

static void lru_append(struct lhash *t, struct lh_node *n)
{
    n->newer = &t->lru;
    n->older = t->lru.older;
    t->lru.older->newer = n;
    t->lru.older = n;
}

void lh_insert(struct lhash *t, struct lh_node *n, uint64_t hash)
{
    if (t->count >= t->mask + 1 && t->mask < t->max_mask)
        grow(t);
    struct lh_node **b = &t->buckets[hash & t->mask];
    n->hash = hash;
    n->hnext = *b;
    *b = n;
    lru_append(t, n);
    t->count++;
}

void lh_remove(struct lhash *t, struct lh_node *n)
{
    struct lh_node **pp = &t->buckets[n->hash & t->mask];
    while (*pp && *pp != n)
        pp = &(*pp)->hnext;
    if (*pp)
        *pp = n->hnext;
    lru_unlink(n);
    t->count--;
}

void lh_touch(struct lhash *t, struct lh_node *n)
{
    if (n->newer == &t->lru) /* already the newest: segments of one stream in a row */
        return;
    lru_unlink(n);
    lru_append(t, n);
}
