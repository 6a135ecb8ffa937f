/* summary: Call-ID correlation (RFC 3261 §12, §17) and call expiry. */
#include "calls/calls.h"

#include <stdlib.h>
#include <string.h>

#include "common/lhash.h"

#define AGE_SCAN_SEC 60

struct calls {
    struct calls_cfg cfg;
    call_done_fn done;
    void *ctx;
    struct stats *st;
    struct lhash table;
    struct call *ended_head, *ended_tail; /* oldest first */
    int64_t last_age_scan;                /* capture second of the last max-age sweep */
};

void calls_default_cfg(struct calls_cfg *cfg)
{
    cfg->max_calls = 200000;
    cfg->linger_sec = 32;
    cfg->idle_sec = 3600;
    cfg->max_age_sec = 6 * 3600;
}

struct calls *calls_new(const struct calls_cfg *cfg, call_done_fn done, void *ctx, struct stats *st)
{
    struct calls *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    t->cfg = *cfg;
    t->done = done;
    t->ctx = ctx;
    t->st = st;
    if (lh_init(&t->table, cfg->max_calls / 2 + 16) != 0) {
        free(t);
        return NULL;
    }
    return t;
}

struct key {
    const uint8_t *p;
    size_t n;
};

static int key_eq(const struct lh_node *node, const void *k)
{
    const struct call *c = LH_ENTRY(node, struct call, node);
    const struct key *key = k;
    return c->call_id_len == key->n && memcmp(c->call_id, key->p, key->n) == 0;
}

static void ended_unlink(struct calls *t, struct call *c)
{
    if (!c->in_ended)
        return;
    if (c->ended_prev)
        c->ended_prev->ended_next = c->ended_next;
    else
        t->ended_head = c->ended_next;
    if (c->ended_next)
        c->ended_next->ended_prev = c->ended_prev;
    else
        t->ended_tail = c->ended_prev;
    c->ended_prev = c->ended_next = NULL;
    c->in_ended = false;
}

static void ended_append(struct calls *t, struct call *c)
{
    ended_unlink(t, c);
    c->ended_prev = t->ended_tail;
    c->ended_next = NULL;
    if (t->ended_tail)
        t->ended_tail->ended_next = c;
    else
        t->ended_head = c;
    t->ended_tail = c;
    c->in_ended = true;
}

static void finish(struct calls *t, struct call *c)
{
    ended_unlink(t, c);
    lh_remove(&t->table, &c->node);
    t->done(t->ctx, c); /* ownership passes: the receiver may keep it (verification) */
}

static struct call *create(struct calls *t, struct key k, uint64_t h)
{
    if (t->table.count >= t->cfg.max_calls) {
        struct call *old = LH_ENTRY(lh_oldest(&t->table), struct call, node);
        stats_inc(t->st, ST_DROP_CALLS_EVICTED, 1);
        finish(t, old);
    }
    struct call *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    /* Call-IDs are short; an absurd one is cut (and flagged), never allowed to grow memory. */
    size_t n = k.n < CALL_ID_MAX ? k.n : CALL_ID_MAX;
    memcpy(c->call_id, k.p, n);
    c->call_id_len = n;
    c->call_id_truncated = n < k.n;
    c->shaken = -1;
    c->orig_in_cert = -1;
    lh_insert(&t->table, &c->node, h);
    stats_inc(t->st, ST_CALLS, 1);
    return c;
}

static bool is_method(struct slice m, const char *name)
{
    return slice_eq(m, name);
}

struct call *calls_on_message(struct calls *t, const struct sip_msg *m, const struct pdu *pdu)
{
    const struct sip_hdr *cid = sip_find(m, SH_CALL_ID);
    if (!cid || cid->value.n == 0) {
        stats_inc(t->st, ST_ERR_SIP_NO_CALL_ID, 1);
        return NULL;
    }
    uint32_t cseq = 0;
    struct slice cseq_method = SLICE_NULL;
    const struct sip_hdr *cs = sip_find(m, SH_CSEQ);
    if (cs)
        sip_cseq(cs->value, &cseq, &cseq_method);

    struct key k = { cid->value.p, cid->value.n < CALL_ID_MAX ? cid->value.n : CALL_ID_MAX };
    uint64_t h = lh_hash_bytes(k.p, k.n);
    struct lh_node *n = lh_find(&t->table, h, key_eq, &k);
    struct call *c = n ? LH_ENTRY(n, struct call, node) : NULL;
    bool invite = m->is_request && is_method(m->method, "INVITE");

    if (!c) {
        if (!invite) {
            stats_inc(t->st, ST_DROP_SIP_ORPHAN, 1);
            return NULL;
        }
        c = create(t, (struct key){ cid->value.p, cid->value.n }, h);
        if (!c)
            return NULL;
        call_take_invite(c, m, pdu);
        if (c->call_id_truncated)
            stats_inc(t->st, ST_ERR_CALL_ID_CUT, 1);
        if (c->verstat_cut)
            stats_inc(t->st, ST_ERR_VERSTAT_CUT, 1);
        c->invite_cseq = cseq;
    } else {
        lh_touch(&t->table, &c->node);
    }
    c->sip_messages++;
    c->last_seen = pdu->ts;

    if (m->is_request) {
        if (invite) {
            if (!c->identities_recorded)
                call_take_identities(c, m, t->st);
            if (cseq > c->invite_cseq)
                c->invite_cseq = cseq;
        } else if (is_method(m->method, "BYE")) {
            c->ended = true;
        }
    } else if (m->status >= 200 && slice_eq(cseq_method, "INVITE")) {
        /* A 2xx ends the question; before it, the latest INVITE transaction's answer
         * stands (a 407 challenge followed by a re-sent INVITE, say). */
        if (m->status < 300) {
            if (!c->answered) {
                c->final_status = m->status;
                c->answered = true;
            }
        } else if (!c->answered && cseq >= c->invite_cseq) {
            c->final_status = m->status;
            if (m->status != 401 && m->status != 407)
                c->ended = true;
        }
    }
    bool invite_response = !m->is_request && slice_eq(cseq_method, "INVITE");
    call_take_stir_feedback(c, m, invite_response);
    if (c->ended)
        ended_append(t, c);
    return c;
}

void calls_expire(struct calls *t, struct ptime now)
{
    while (t->ended_head && now.sec - t->ended_head->last_seen.sec > (int64_t)t->cfg.linger_sec)
        finish(t, t->ended_head);
    struct lh_node *n;
    while ((n = lh_oldest(&t->table)) != NULL) {
        struct call *c = LH_ENTRY(n, struct call, node);
        if (now.sec - c->last_seen.sec <= (int64_t)t->cfg.idle_sec)
            break;
        finish(t, c);
    }
    /* The LRU order is by last activity, so calls past their maximum age can sit
     * anywhere in it: sweep the whole table, but only once a minute of capture time
     * (a 200 000-call sweep costs about a millisecond). */
    if (t->cfg.max_age_sec && now.sec - t->last_age_scan >= AGE_SCAN_SEC) {
        t->last_age_scan = now.sec;
        struct lh_node *node = t->table.lru.newer;
        while (node != &t->table.lru) {
            struct call *c = LH_ENTRY(node, struct call, node);
            node = node->newer; /* finish() unlinks c */
            if (now.sec - c->first_seen.sec > (int64_t)t->cfg.max_age_sec) {
                stats_inc(t->st, ST_CALLS_MAX_AGE, 1);
                finish(t, c);
            }
        }
    }
}

static int by_first_seen(const void *a, const void *b)
{
    const struct call *x = *(struct call *const *)a, *y = *(struct call *const *)b;
    return ptime_cmp(x->first_seen, y->first_seen);
}

void calls_finish_all(struct calls *t)
{
    size_t n = t->table.count, i = 0;
    struct call **all = n ? malloc(n * sizeof *all) : NULL;
    if (!all) {
        struct lh_node *node;
        while ((node = lh_oldest(&t->table)) != NULL)
            finish(t, LH_ENTRY(node, struct call, node));
        return;
    }
    for (struct lh_node *node = t->table.lru.newer; node != &t->table.lru; node = node->newer)
        all[i++] = LH_ENTRY(node, struct call, node);
    qsort(all, i, sizeof *all, by_first_seen);
    for (size_t k = 0; k < i; k++)
        finish(t, all[k]);
    free(all);
}

size_t calls_open(const struct calls *t)
{
    return t->table.count;
}

void calls_free(struct calls *t)
{
    if (!t)
        return;
    calls_finish_all(t);
    lh_free(&t->table);
    free(t);
}
