/* summary: intrusive hash table + LRU list (see lhash.h). */
#include "common/lhash.h"

#include <stdlib.h>

int lh_init(struct lhash *t, size_t buckets)
{
    size_t n = 16;
    while (n < buckets && n < ((size_t)1 << 30))
        n <<= 1;
    t->buckets = calloc(n, sizeof(*t->buckets));
    if (!t->buckets)
        return -1;
    t->mask = n - 1;
    t->count = 0;
    t->lru.older = t->lru.newer = &t->lru;
    return 0;
}

void lh_free(struct lhash *t)
{
    free(t->buckets);
    t->buckets = NULL;
    t->count = 0;
}

/* FNV-1a, then a final avalanche: keys are short (addresses, Call-IDs) and
 * attacker-chosen, so the mix matters more than raw speed. */
uint64_t lh_hash_bytes(const void *p, size_t n)
{
    const uint8_t *b = p;
    uint64_t h = 0xcbf29ce484222325ULL;
    for (size_t i = 0; i < n; i++) {
        h ^= b[i];
        h *= 0x100000001b3ULL;
    }
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
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
