/* summary: intrusive hash table with an LRU list, for every bounded table in the probe.
 *
 * TCP streams, calls (and later fragments and certificates) all need the same
 * three things: find by key, touch on use, and evict the least recently used
 * entry when a cap is hit or an idle timeout passes. Nodes are embedded in the
 * caller's struct, so the table itself never allocates per entry. */
#ifndef STIRPROBE_LHASH_H
#define STIRPROBE_LHASH_H

#include <stddef.h>
#include <stdint.h>

struct lh_node {
    struct lh_node *hnext;          /* bucket chain */
    struct lh_node *older, *newer;  /* LRU list: head.newer is the oldest */
    uint64_t hash;
};

struct lhash {
    struct lh_node **buckets;
    size_t mask;     /* bucket count - 1 (power of two) */
    size_t max_mask; /* the count it may grow to, - 1 */
    size_t count;
    struct lh_node lru; /* sentinel */
};

#define LH_ENTRY(node, type, member) ((type *)(void *)((char *)(node)-offsetof(type, member)))

/* buckets (rounded up to a power of two) is the most the table grows to: it starts
 * with at most 1 024 and doubles whenever it holds as many entries as buckets.
 * Returns 0, or -1 when out of memory. */
int lh_init(struct lhash *t, size_t buckets);
void lh_free(struct lhash *t); /* frees the bucket array only; entries belong to the caller */

uint64_t lh_hash_bytes(const void *p, size_t n);

/* First node with this hash for which eq(node, key) is true, or NULL. */
struct lh_node *lh_find(struct lhash *t, uint64_t hash, int (*eq)(const struct lh_node *, const void *),
                        const void *key);
void lh_insert(struct lhash *t, struct lh_node *n, uint64_t hash); /* as newest */
void lh_remove(struct lhash *t, struct lh_node *n);
void lh_touch(struct lhash *t, struct lh_node *n); /* mark as newest */

/* Oldest node (least recently touched), or NULL when empty. */
static inline struct lh_node *lh_oldest(const struct lhash *t)
{
    return t->lru.newer == &t->lru ? NULL : t->lru.newer;
}

#endif
