/* summary: tests for common/lhash — find, insert, remove, LRU order and oldest. */
#include <string.h>

#include "common/lhash.h"
#include "tests/unit/harness.h"

struct item {
    int key;
    struct lh_node node; /* deliberately not first: LH_ENTRY must undo the offset */
};

static int item_eq(const struct lh_node *n, const void *key)
{
    return LH_ENTRY(n, struct item, node)->key == *(const int *)key;
}

static uint64_t item_hash(int key)
{
    return lh_hash_bytes(&key, sizeof key);
}

static struct item *find(struct lhash *t, int key)
{
    struct lh_node *n = lh_find(t, item_hash(key), item_eq, &key);
    return n ? LH_ENTRY(n, struct item, node) : NULL;
}

static int oldest_key(const struct lhash *t)
{
    struct lh_node *n = lh_oldest(t);
    return n ? LH_ENTRY(n, struct item, node)->key : -1;
}

static void lhash_init_sizes(void)
{
    struct lhash t;
    CHECK_EQ_INT(lh_init(&t, 0), 0);
    CHECK_EQ_INT(t.mask, 15); /* at least 16 buckets */
    CHECK_EQ_INT(t.count, 0);
    CHECK(lh_oldest(&t) == NULL);
    lh_free(&t);
    CHECK(t.buckets == NULL);

    CHECK_EQ_INT(lh_init(&t, 100), 0);
    CHECK_EQ_INT(t.mask, 127); /* rounded up to a power of two */
    lh_free(&t);
}

static void lhash_hash(void)
{
    CHECK(lh_hash_bytes("abc", 3) == lh_hash_bytes("abc", 3));
    CHECK(lh_hash_bytes("abc", 3) != lh_hash_bytes("abd", 3));
    CHECK(lh_hash_bytes("abc", 3) != lh_hash_bytes("abc", 2));
    CHECK(lh_hash_bytes("", 0) == lh_hash_bytes(NULL, 0));
}

static void lhash_insert_find_remove(void)
{
    enum { N = 200 };
    static struct item items[N];
    struct lhash t;
    if (!CHECK_EQ_INT(lh_init(&t, 8), 0))
        return;
    for (int i = 0; i < N; i++) {
        items[i].key = i * 7;
        lh_insert(&t, &items[i].node, item_hash(items[i].key));
    }
    CHECK_EQ_INT(t.count, N);
    int found = 0;
    for (int i = 0; i < N; i++)
        found += find(&t, i * 7) == &items[i];
    CHECK_EQ_INT(found, N);
    CHECK(find(&t, 3) == NULL);

    /* Remove every other one: the rest stay findable. */
    for (int i = 0; i < N; i += 2)
        lh_remove(&t, &items[i].node);
    CHECK_EQ_INT(t.count, N / 2);
    int gone = 0, kept = 0;
    for (int i = 0; i < N; i++) {
        if (i % 2 == 0)
            gone += find(&t, i * 7) == NULL;
        else
            kept += find(&t, i * 7) == &items[i];
    }
    CHECK_EQ_INT(gone, N / 2);
    CHECK_EQ_INT(kept, N / 2);
    lh_free(&t);
}

static void lhash_collisions(void)
{
    /* Same hash for every key: the eq callback alone tells them apart. */
    struct item a = { .key = 1 }, b = { .key = 2 }, c = { .key = 3 };
    struct lhash t;
    if (!CHECK_EQ_INT(lh_init(&t, 16), 0))
        return;
    lh_insert(&t, &a.node, 42);
    lh_insert(&t, &b.node, 42);
    lh_insert(&t, &c.node, 42);
    int k = 2;
    CHECK(lh_find(&t, 42, item_eq, &k) == &b.node);
    lh_remove(&t, &b.node); /* middle of the bucket chain */
    CHECK(lh_find(&t, 42, item_eq, &k) == NULL);
    k = 1;
    CHECK(lh_find(&t, 42, item_eq, &k) == &a.node);
    k = 3;
    CHECK(lh_find(&t, 42, item_eq, &k) == &c.node);
    CHECK(lh_find(&t, 43, item_eq, &k) == NULL); /* same key, other hash */
    CHECK_EQ_INT(t.count, 2);
    lh_free(&t);
}

static void lhash_lru(void)
{
    struct item it[4] = { { .key = 0 }, { .key = 1 }, { .key = 2 }, { .key = 3 } };
    struct lhash t;
    if (!CHECK_EQ_INT(lh_init(&t, 16), 0))
        return;
    for (int i = 0; i < 4; i++)
        lh_insert(&t, &it[i].node, item_hash(i));
    CHECK_EQ_INT(oldest_key(&t), 0);
    lh_touch(&t, &it[0].node);
    CHECK_EQ_INT(oldest_key(&t), 1);
    lh_touch(&t, &it[2].node);
    lh_remove(&t, &it[1].node);
    CHECK_EQ_INT(oldest_key(&t), 3);

    /* Full order, oldest to newest: 3, 0, 2. */
    int order[4], n = 0;
    for (struct lh_node *p = t.lru.newer; p != &t.lru && n < 4; p = p->newer)
        order[n++] = LH_ENTRY(p, struct item, node)->key;
    CHECK_EQ_INT(n, 3);
    CHECK(n == 3 && order[0] == 3 && order[1] == 0 && order[2] == 2);

    /* Draining by oldest empties the table. */
    int drained = 0;
    struct lh_node *o;
    while ((o = lh_oldest(&t)) != NULL && drained < 10) {
        lh_remove(&t, o);
        drained++;
    }
    CHECK_EQ_INT(drained, 3);
    CHECK_EQ_INT(t.count, 0);
    CHECK(lh_oldest(&t) == NULL);
    lh_free(&t);
}

/* The table starts at 1 024 buckets and doubles as it fills, up to what lh_init was
 * given: every entry is found after each growth, removal and LRU order still hold. */
static void lhash_growth(void)
{
    enum { N = 5000 };
    static struct item items[N];
    struct lhash t;
    CHECK_EQ_INT(lh_init(&t, 4096), 0);
    CHECK_EQ_INT(t.mask, 1023);
    for (int i = 0; i < N; i++) {
        items[i].key = i;
        lh_insert(&t, &items[i].node, item_hash(i));
    }
    CHECK_EQ_INT(t.mask, 4095); /* grew twice, then stopped at the cap */
    CHECK_EQ_INT(t.count, N);
    int found = 0;
    for (int i = 0; i < N; i++)
        found += find(&t, i) == &items[i];
    CHECK_EQ_INT(found, N);
    CHECK_EQ_INT(oldest_key(&t), 0);
    for (int i = 0; i < N; i += 2)
        lh_remove(&t, &items[i].node);
    CHECK(find(&t, 0) == NULL);
    CHECK(find(&t, 1) == &items[1]);
    CHECK_EQ_INT(oldest_key(&t), 1);
    CHECK_EQ_INT(t.count, N / 2);
    lh_free(&t);
}

void test_lhash(void)
{
    RUN(lhash_growth);
    RUN(lhash_init_sizes);
    RUN(lhash_hash);
    RUN(lhash_insert_find_remove);
    RUN(lhash_collisions);
    RUN(lhash_lru);
}
