/* summary: fragment reassembly keyed by (version, src, dst, proto, id), coverage kept as
 * sorted byte ranges, first copy of overlapping bytes wins. */
#include "probe/defrag.h"

#include <stdlib.h>
#include <string.h>

#include "common/lhash.h"

#define MAX_IP_PAYLOAD 65535

struct range {
    uint32_t start, end; /* [start, end) */
};

struct datagram {
    struct lh_node node;
    struct {
        uint8_t version, proto;
        struct ipaddr src, dst;
        uint32_t id;
    } key;
    struct ptime first;
    uint8_t upper_proto; /* IPv6: from the first fragment (offset 0) only */
    uint8_t *buf;
    size_t cap;
    uint32_t total;      /* payload length once the last fragment was seen, else 0 */
    struct range *ranges; /* sorted, disjoint, merged */
    size_t nranges;
    size_t nfrags;
};

struct defrag {
    struct defrag_cfg cfg;
    struct stats *st;
    struct lhash table;
    size_t bytes;
    uint8_t *done;    /* payload of the last completed datagram */
    size_t done_cap;
};

struct defrag *defrag_new(const struct defrag_cfg *cfg, struct stats *st)
{
    struct defrag *d = calloc(1, sizeof *d);
    if (!d)
        return NULL;
    d->cfg = *cfg;
    d->st = st;
    if (lh_init(&d->table, cfg->max_datagrams / 2 + 16) != 0) {
        free(d);
        return NULL;
    }
    return d;
}

static void drop(struct defrag *d, struct datagram *g)
{
    lh_remove(&d->table, &g->node);
    d->bytes -= g->cap;
    free(g->buf);
    free(g->ranges);
    free(g);
}

void defrag_free(struct defrag *d)
{
    if (!d)
        return;
    struct lh_node *n;
    while ((n = lh_oldest(&d->table)) != NULL)
        drop(d, LH_ENTRY(n, struct datagram, node));
    lh_free(&d->table);
    free(d->done);
    free(d);
}

static int key_eq(const struct lh_node *n, const void *k)
{
    const struct datagram *g = LH_ENTRY(n, struct datagram, node);
    return memcmp(&g->key, k, sizeof g->key) == 0;
}

void defrag_expire(struct defrag *d, struct ptime now)
{
    /* Oldest-created first: entries are never touched, so LRU order is creation order. */
    struct lh_node *n;
    while ((n = lh_oldest(&d->table)) != NULL) {
        struct datagram *g = LH_ENTRY(n, struct datagram, node);
        if (now.sec - g->first.sec <= (int64_t)d->cfg.timeout_sec)
            break;
        stats_inc(d->st, ST_DROP_FRAG_TIMEOUT, 1);
        drop(d, g);
    }
}

/* Copies the parts of [off, off+len) not yet covered; returns bytes that overlapped. */
static size_t fill(struct datagram *g, uint32_t off, const uint8_t *p, uint32_t len)
{
    uint32_t end = off + len, cur = off;
    size_t overlap = 0;
    for (size_t i = 0; i < g->nranges && cur < end; i++) {
        struct range r = g->ranges[i];
        if (r.end <= cur)
            continue;
        if (r.start >= end)
            break;
        if (r.start > cur)
            memcpy(g->buf + cur, p + (cur - off), r.start - cur);
        uint32_t skip_to = r.end < end ? r.end : end;
        overlap += skip_to - (r.start > cur ? r.start : cur);
        cur = skip_to;
    }
    if (cur < end)
        memcpy(g->buf + cur, p + (cur - off), end - cur);
    return overlap;
}

/* Adds [start, end) to the sorted range list, merging neighbours. */
static int cover(struct datagram *g, uint32_t start, uint32_t end, size_t max)
{
    size_t i = 0;
    while (i < g->nranges && g->ranges[i].end < start)
        i++;
    size_t j = i;
    while (j < g->nranges && g->ranges[j].start <= end) {
        if (g->ranges[j].start < start)
            start = g->ranges[j].start;
        if (g->ranges[j].end > end)
            end = g->ranges[j].end;
        j++;
    }
    size_t n = g->nranges - (j - i) + 1;
    if (n > max)
        return -1;
    /* Never shrink before the memmove: when the new range swallows several old ones the
     * tail still has to be read from past the new count (fuzz_defrag found this). */
    struct range *nr = n > g->nranges ? realloc(g->ranges, n * sizeof *nr) : g->ranges;
    if (!nr)
        return -1;
    g->ranges = nr;
    memmove(&nr[i + 1], &nr[j], (g->nranges - j) * sizeof *nr);
    nr[i] = (struct range){ start, end };
    g->nranges = n;
    return 0;
}

int defrag_add(struct defrag *d, struct ptime ts, const struct ip_out *ip, struct ip_out *out)
{
    stats_inc(d->st, ST_IP_FRAGMENTS, 1);
    struct datagram probe_key;
    memset(&probe_key.key, 0, sizeof probe_key.key);
    probe_key.key.version = ip->src.version;
    probe_key.key.src = ip->src;
    probe_key.key.dst = ip->dst;
    probe_key.key.id = ip->frag_id;
    /* IPv4 keys on the protocol too; in IPv6 only the first fragment names it. */
    probe_key.key.proto = ip->src.version == 4 ? ip->proto : 0;
    uint64_t h = lh_hash_bytes(&probe_key.key, sizeof probe_key.key);
    struct lh_node *n = lh_find(&d->table, h, key_eq, &probe_key.key);
    struct datagram *g = n ? LH_ENTRY(n, struct datagram, node) : NULL;

    uint32_t off = ip->frag_offset, len = (uint32_t)ip->payload.n, end = off + len;
    if (end > MAX_IP_PAYLOAD || (ip->frag_more && len % 8 != 0)) {
        stats_inc(d->st, ST_DROP_FRAG_INVALID, 1);
        if (g)
            drop(d, g);
        return 0;
    }
    if (!g) {
        if (d->table.count >= d->cfg.max_datagrams) {
            stats_inc(d->st, ST_DROP_FRAG_EVICTED, 1);
            drop(d, LH_ENTRY(lh_oldest(&d->table), struct datagram, node));
        }
        g = calloc(1, sizeof *g);
        if (!g)
            return 0;
        g->key = probe_key.key;
        g->first = ts;
        lh_insert(&d->table, &g->node, h);
    }
    if (++g->nfrags > d->cfg.max_fragments) {
        stats_inc(d->st, ST_DROP_FRAG_INVALID, 1);
        drop(d, g);
        return 0;
    }
    if (!ip->frag_more) {
        if (g->total && g->total != end) {
            stats_inc(d->st, ST_DROP_FRAG_INVALID, 1); /* two different "last" fragments */
            drop(d, g);
            return 0;
        }
        g->total = end;
    }
    if (off == 0 || ip->src.version == 4)
        g->upper_proto = ip->proto;
    if (end > g->cap) {
        size_t cap = g->cap ? g->cap : 2048;
        while (cap < end)
            cap *= 2;
        if (cap > MAX_IP_PAYLOAD)
            cap = MAX_IP_PAYLOAD;
        while (d->bytes + cap - g->cap > d->cfg.max_total_bytes && lh_oldest(&d->table) &&
               LH_ENTRY(lh_oldest(&d->table), struct datagram, node) != g) {
            stats_inc(d->st, ST_DROP_FRAG_EVICTED, 1);
            drop(d, LH_ENTRY(lh_oldest(&d->table), struct datagram, node));
        }
        uint8_t *nb = d->bytes + cap - g->cap > d->cfg.max_total_bytes ? NULL : realloc(g->buf, cap);
        if (!nb) {
            stats_inc(d->st, ST_DROP_FRAG_EVICTED, 1);
            drop(d, g);
            return 0;
        }
        d->bytes += cap - g->cap;
        g->buf = nb;
        g->cap = cap;
    }
    if (len) {
        stats_inc(d->st, ST_FRAG_OVERLAP_BYTES, fill(g, off, ip->payload.p, len));
        if (cover(g, off, end, d->cfg.max_fragments) != 0) {
            stats_inc(d->st, ST_DROP_FRAG_INVALID, 1);
            drop(d, g);
            return 0;
        }
    }
    if (!g->total || g->nranges != 1 || g->ranges[0].start != 0 || g->ranges[0].end != g->total)
        return 0;

    /* Complete: hand out a copy that outlives the entry. */
    if (g->total > d->done_cap) {
        uint8_t *nb = realloc(d->done, MAX_IP_PAYLOAD);
        if (!nb) {
            drop(d, g);
            return 0;
        }
        d->done = nb;
        d->done_cap = MAX_IP_PAYLOAD;
    }
    memcpy(d->done, g->buf, g->total);
    *out = *ip;
    out->proto = g->upper_proto;
    out->payload = slice_make(d->done, g->total);
    out->frag_more = false;
    out->frag_offset = 0;
    stats_inc(d->st, ST_IP_REASSEMBLED, 1);
    drop(d, g);
    return 1;
}
