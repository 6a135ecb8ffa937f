/* summary: capture → probe → SIP → calls → store, with per-capture counters. */
#include "cli/pipeline.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "calls/calls.h"
#include "common/jsonw.h"
#include "common/stats.h"
#include "db/store.h"
#include "decoders/sip.h"
#include "probe/capture.h"
#include "probe/probe.h"
#include "verifier/verifier.h"

struct pipeline {
    struct pipeline_cfg cfg;
    struct stats st;          /* counters of the current capture */
    struct probe *probe;
    struct calls *calls;
    struct verifier *verifier;     /* NULL without --verify */
    struct verifier_counters vbase; /* verifier counters when the current capture began */
    struct store *store;
    int64_t capture_id;       /* 0 until the first capture starts */
    bool have_capture;
    struct capture_end cend;  /* of the current capture */
    char cend_message[512];
    bool store_failed;
    uint64_t calls_stored, calls_signed;
    struct ptime last_expire;
    struct sip_msg msg;       /* scratch: ~6 kB, kept off the stack */
};

/* ---- SIP message handling ---------------------------------------------------------- */

static const struct {
    const char *method;
    enum stat_id id;
} method_stats[] = {
    { "INVITE", ST_REQ_INVITE },   { "ACK", ST_REQ_ACK },         { "BYE", ST_REQ_BYE },
    { "CANCEL", ST_REQ_CANCEL },   { "OPTIONS", ST_REQ_OPTIONS }, { "REGISTER", ST_REQ_REGISTER },
    { "PRACK", ST_REQ_PRACK },     { "UPDATE", ST_REQ_UPDATE },   { "INFO", ST_REQ_INFO },
    { "SUBSCRIBE", ST_REQ_SUBSCRIBE }, { "NOTIFY", ST_REQ_NOTIFY }, { "MESSAGE", ST_REQ_MESSAGE },
    { "REFER", ST_REQ_REFER },
};

static void count_message(struct pipeline *p, const struct sip_msg *m)
{
    stats_inc(&p->st, ST_SIP_MESSAGES, 1);
    if (m->is_request) {
        enum stat_id id = ST_REQ_OTHER;
        for (size_t i = 0; i < sizeof method_stats / sizeof method_stats[0]; i++)
            if (slice_eq(m->method, method_stats[i].method))
                id = method_stats[i].id;
        stats_inc(&p->st, id, 1);
    } else {
        stats_inc(&p->st, (enum stat_id)(ST_RESP_1XX + (m->status / 100 - 1)), 1);
    }
    if (m->body_truncated)
        stats_inc(&p->st, ST_ERR_SIP_TRUNCATED_BODY, 1);
    if (m->hdrs_dropped)
        stats_inc(&p->st, ST_ERR_SIP_TOO_MANY_HEADERS, 1);
}

static void handle_message(struct pipeline *p, const struct pdu *pdu)
{
    count_message(p, &p->msg);
    calls_on_message(p->calls, &p->msg, pdu);
}

static bool only_crlf(const uint8_t *d, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (d[i] != '\r' && d[i] != '\n')
            return false;
    return true;
}

static void datagram(struct pipeline *p, const struct pdu *pdu)
{
    /* RFC 5626 §4.4.1 CRLF keep-alives (and RFC 3261 §7.5 stray CRLFs). */
    if (only_crlf(pdu->data, pdu->len)) {
        stats_inc(&p->st, ST_KEEPALIVES, 1);
        return;
    }
    switch (sip_parse(pdu->data, pdu->len, false, &p->msg)) {
    case SIP_OK:
        handle_message(p, pdu);
        break;
    case SIP_NOT_SIP:
    case SIP_NEED_MORE:
        stats_inc(&p->st, ST_NON_SIP_PAYLOADS, 1);
        break;
    case SIP_MALFORMED:
        stats_inc(&p->st, ST_ERR_SIP_PARSE, 1);
        break;
    }
}

#define MAX_PARTIAL_LINE 8192

/* Skip to the next SIP start line. Returns bytes consumed; clears *need_sync when found. */
static size_t resync(struct pipeline *p, const uint8_t *d, size_t len, bool eof, bool *need_sync)
{
    size_t s = sip_find_start(d, len);
    if (s < len) {
        stats_inc(&p->st, ST_DROP_TCP_RESYNC_BYTES, s);
        *need_sync = false;
        return s;
    }
    /* Not found: drop complete lines, keep a partial last line that may become a start line. */
    size_t keep = len;
    if (!eof) {
        const uint8_t *lf = memrchr(d, '\n', len);
        keep = lf ? (size_t)(lf - d) + 1 : 0;
        if (len - keep > MAX_PARTIAL_LINE)
            keep = len - MAX_PARTIAL_LINE;
    }
    stats_inc(&p->st, ST_DROP_TCP_RESYNC_BYTES, keep);
    return keep;
}

static size_t skip_line(const uint8_t *d, size_t len)
{
    const uint8_t *lf = memchr(d, '\n', len);
    return lf ? (size_t)(lf - d) + 1 : len;
}

static size_t stream(struct pipeline *p, const struct pdu *pdu, bool *need_sync)
{
    const uint8_t *d = pdu->data;
    size_t len = pdu->len, off = 0;
    bool eof = (pdu->flags & PDU_EOF) != 0;
    while (off < len) {
        if (*need_sync) {
            size_t used = resync(p, d + off, len - off, eof, need_sync);
            off += used;
            if (*need_sync)
                break;
        }
        size_t crlf = off;
        while (off < len && (d[off] == '\r' || d[off] == '\n'))
            off++;
        if (off - crlf >= 2)
            stats_inc(&p->st, ST_KEEPALIVES, 1);
        if (off == len)
            break;
        enum sip_status rc = sip_parse(d + off, len - off, true, &p->msg);
        if (rc == SIP_OK) {
            handle_message(p, pdu);
            off += p->msg.len;
        } else if (rc == SIP_NEED_MORE) {
            if (eof) {
                stats_inc(&p->st, ST_ERR_SIP_PARSE, 1);
                off = len;
            }
            break;
        } else {
            stats_inc(&p->st, rc == SIP_NOT_SIP ? ST_NON_SIP_PAYLOADS : ST_ERR_SIP_PARSE, 1);
            *need_sync = true;
            off += skip_line(d + off, len - off);
        }
    }
    return off;
}

static size_t on_payload(void *ctx, const struct pdu *pdu, bool *need_sync)
{
    struct pipeline *p = ctx;
    if (!(pdu->flags & PDU_STREAM)) {
        datagram(p, pdu);
        return pdu->len;
    }
    return stream(p, pdu, need_sync);
}

/* ---- finished calls ----------------------------------------------------------------- */

static void json_field(FILE *out, const char *name, const char *v, bool *first)
{
    fprintf(out, "%s\"%s\":", *first ? "" : ",", name);
    *first = false;
    if (v && *v)
        json_write_str(out, v, strlen(v));
    else
        fputs("null", out);
}

static void json_int(FILE *out, const char *name, long long v, bool present, bool *first)
{
    fprintf(out, "%s\"%s\":", *first ? "" : ",", name);
    *first = false;
    if (present)
        fprintf(out, "%lld", v);
    else
        fputs("null", out);
}

/* One NDJSON object with the CSV columns of interface.md. */
static void print_json(const struct call *c)
{
    struct call_row r;
    call_row_fill(c, &r);
    const struct passport *pp = r.shaken;
    bool first = true;
    FILE *o = stdout;
    fputc('{', o);
    fputs("\"call_id\":", o);
    json_write_str(o, c->call_id, c->call_id_len);
    first = false;
    json_field(o, "first_seen", r.first_seen, &first);
    json_field(o, "src_ip", r.src_ip, &first);
    json_int(o, "src_port", c->flow.sport, true, &first);
    json_field(o, "dst_ip", r.dst_ip, &first);
    json_int(o, "dst_port", c->flow.dport, true, &first);
    json_field(o, "transport", r.transport, &first);
    json_int(o, "ip_version", c->flow.src.version, true, &first);
    json_field(o, "ruri_tn", c->ruri_tn, &first);
    json_field(o, "from_tn", c->from_tn, &first);
    json_field(o, "to_tn", c->to_tn, &first);
    json_field(o, "pai_tn", c->pai_tn, &first);
    json_int(o, "final_status", c->final_status, c->final_status != 0, &first);
    json_int(o, "sip_messages", c->sip_messages, true, &first);
    json_field(o, "identity_header", r.identity_header, &first);
    json_field(o, "ppt", r.ppt, &first);
    json_field(o, "attest", pp ? pp->attest : NULL, &first);
    json_field(o, "origid", pp ? pp->origid : NULL, &first);
    json_field(o, "orig_tn", r.orig_tn, &first);
    json_field(o, "dest_tn", r.dest_tn, &first);
    json_int(o, "iat", pp ? pp->iat : 0, pp && pp->has_iat, &first);
    json_field(o, "x5u", pp ? pp->x5u : NULL, &first);
    json_field(o, "verstat", c->verstat, &first);
    json_field(o, "verify_result", r.verify_result, &first);
    json_field(o, "chain_id", r.chain_id, &first);
    fputs("}\n", o);
}

static void store_failed(struct pipeline *p)
{
    if (!p->store_failed)
        fprintf(stderr, "stirprobe: %s: %s\n", p->cfg.db_path, store_errmsg(p->store));
    p->store_failed = true;
}

static void store_call(void *ctx, struct call *c)
{
    struct pipeline *p = ctx;
    if (!p->store_failed) {
        if (store_put_call(p->store, p->capture_id, c) != 0) {
            store_failed(p);
        } else {
            p->calls_stored++;
            if (c->n_idents)
                p->calls_signed++;
            if (p->cfg.json)
                print_json(c);
        }
    }
    call_free(c);
}

static void store_cert(void *ctx, const struct verifier_cert_record *r)
{
    struct pipeline *p = ctx;
    if (!p->store_failed && store_put_cert(p->store, r) != 0)
        store_failed(p);
}

/* Verified calls and fetched certificates go to the database on this thread only. */
static void collect(struct pipeline *p, bool wait)
{
    verifier_collect(p->verifier, wait, store_call, p);
    verifier_take_certs(p->verifier, store_cert, p);
}

static void on_call_done(void *ctx, struct call *c)
{
    struct pipeline *p = ctx;
    if (!p->verifier) {
        store_call(p, c);
        return;
    }
    verifier_submit(p->verifier, c);
    collect(p, false);
}

static void seed_cert(void *ctx, const char *x5u, const uint8_t *body, size_t len, int64_t fetched_at,
                      int64_t cache_until)
{
    verifier_seed(ctx, x5u, body, len, fetched_at, cache_until);
}

void pipeline_verifier_cfg(const struct pipeline_cfg *c, struct verifier_cfg *vc)
{
    *vc = (struct verifier_cfg){
        .trust = c->trust,
        .cert_map = c->cert_map,
        .fetch = { .ca_bundle = c->ca_bundle, .allow_private = c->x5u_allow_private },
        .max_iat_age = c->max_iat_age,
        .threads = c->threads,
    };
    for (size_t i = 0; i < c->n_x5u_connect_to && i < FETCH_MAX_CONNECT_TO; i++)
        vc->fetch.connect_to[vc->fetch.n_connect_to++] = c->x5u_connect_to[i];
}

static int start_verifier(struct pipeline *p, char *err, size_t errlen)
{
    const struct pipeline_cfg *c = &p->cfg;
    struct verifier_cfg vc;
    pipeline_verifier_cfg(c, &vc);
    if (!(p->verifier = verifier_new(&vc, err, errlen)))
        return -1;
    /* Certificates fetched by earlier runs and still fresh are not fetched again. */
    if (store_load_certs(p->store, seed_cert, p->verifier) != 0) {
        snprintf(err, errlen, "%s: %s", c->db_path, store_errmsg(p->store));
        return -1;
    }
    return 0;
}

/* Verifier counters since the capture began, into the capture's stats. */
static void add_verify_counters(struct pipeline *p)
{
    if (!p->verifier)
        return;
    struct verifier_counters n;
    verifier_get_counters(p->verifier, &n);
    const struct verifier_counters *b = &p->vbase;
    stats_inc(&p->st, ST_VERIFY_CALLS, n.calls_verified - b->calls_verified);
    stats_inc(&p->st, ST_VERIFY_PASSPORTS, n.passports_verified - b->passports_verified);
    stats_inc(&p->st, ST_X5U_FETCHES, n.x5u_fetches - b->x5u_fetches);
    stats_inc(&p->st, ST_X5U_FETCH_FAILURES, n.x5u_fetch_failures - b->x5u_fetch_failures);
    stats_inc(&p->st, ST_X5U_CACHE_HITS, n.x5u_cache_hits - b->x5u_cache_hits);
    stats_inc(&p->st, ST_SIG_CHECKS, n.signature_checks - b->signature_checks);
    stats_inc(&p->st, ST_SIG_CACHE_HITS, n.signature_cache_hits - b->signature_cache_hits);
    stats_inc(&p->st, ST_CHAIN_CHECKS, n.chain_checks - b->chain_checks);
    stats_inc(&p->st, ST_CHAIN_CACHE_HITS, n.chain_cache_hits - b->chain_cache_hits);
    stats_inc(&p->st, ST_DROP_X5U_CACHE_EVICTED, n.certs_evicted - b->certs_evicted);
    p->vbase = n;
}

/* ---- inputs ------------------------------------------------------------------------- */

struct pipeline *pipeline_new(const struct pipeline_cfg *cfg, char *err, size_t errlen)
{
    struct pipeline *p = calloc(1, sizeof *p);
    if (!p) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    p->cfg = *cfg;
    p->store = store_open(cfg->db_path, err, errlen);
    if (!p->store)
        goto bad;
    if (cfg->verify && start_verifier(p, err, errlen) != 0)
        goto bad;
    struct probe_cfg pc;
    probe_default_cfg(&pc);
    p->probe = probe_new(&pc, (struct probe_sink){ .ctx = p, .payload = on_payload }, &p->st);
    struct calls_cfg cc;
    calls_default_cfg(&cc);
    p->calls = calls_new(&cc, on_call_done, p, &p->st);
    if (!p->probe || !p->calls) {
        snprintf(err, errlen, "out of memory");
        goto bad;
    }
    return p;
bad:
    pipeline_free(p);
    return NULL;
}

/* Closes the record of the current capture with its counters. */
static int end_capture(struct pipeline *p)
{
    if (!p->have_capture)
        return 0;
    p->have_capture = false;
    add_verify_counters(p);
    if (p->store_failed)
        return 1;
    if (store_capture_end(p->store, p->capture_id, &p->cend, &p->st) != 0) {
        fprintf(stderr, "stirprobe: %s: %s\n", p->cfg.db_path, store_errmsg(p->store));
        p->store_failed = true;
        return 1;
    }
    return 0;
}

/* Path, size and mtime identify a file across runs; stdin has no identity. */
static void source_key(const char *path, char *key, size_t cap, bool *have)
{
    struct stat sb;
    char real[PATH_MAX];
    *have = false;
    if (strcmp(path, "-") == 0 || stat(path, &sb) != 0 || !realpath(path, real))
        return;
    snprintf(key, cap, "%s|%lld|%lld", real, (long long)sb.st_size, (long long)sb.st_mtime);
    *have = true;
}

int pipeline_read_file(struct pipeline *p, const char *path, bool *fatal)
{
    char err[512];
    *fatal = false;
    struct capture *cap = capture_open_file(path, err, sizeof err);
    if (!cap) {
        fprintf(stderr, "stirprobe: %s\n", err);
        return 1;
    }
    if (end_capture(p) != 0) {
        capture_close(cap);
        *fatal = true;
        return 1;
    }
    memset(&p->st, 0, sizeof p->st);
    memset(&p->cend, 0, sizeof p->cend);
    char key[PATH_MAX + 64];
    bool have_key;
    source_key(path, key, sizeof key, &have_key);
    struct capture_info ci = { .source = path, .source_key = have_key ? key : NULL, .kind = "file",
                               .link_type = capture_link_name(cap) };
    if (store_capture_begin(p->store, &ci, &p->capture_id) != 0) {
        fprintf(stderr, "stirprobe: %s: %s\n", p->cfg.db_path, store_errmsg(p->store));
        capture_close(cap);
        p->store_failed = *fatal = true;
        return 1;
    }
    p->have_capture = true;
    uint64_t calls_before = p->calls_stored;

    struct capture_pkt pkt;
    enum capture_rc rc;
    int status = 0;
    while ((rc = capture_next(cap, &pkt, err, sizeof err)) == CAPTURE_PACKET) {
        if (p->cend.packets == 0)
            p->cend.first_packet = pkt.ts;
        p->cend.packets++;
        p->cend.last_packet = pkt.ts;
        /* Call timers run on capture time, checked once per captured second. */
        if (pkt.ts.sec != p->last_expire.sec) {
            calls_expire(p->calls, pkt.ts);
            p->last_expire = pkt.ts;
        }
        probe_frame(p->probe, pkt.dlt, pkt.ts, pkt.frame, pkt.data, pkt.caplen, pkt.wirelen);
        if (p->store_failed)
            break;
    }
    p->cend.status = "complete";
    if (rc == CAPTURE_DAMAGED) {
        fprintf(stderr, "stirprobe: %s: damaged capture, %s; the packets before it are kept\n", path, err);
        p->cend.status = "truncated";
        snprintf(p->cend_message, sizeof p->cend_message, "%s", err);
        p->cend.message = p->cend_message;
        status = 2;
    }
    capture_close(cap);
    if (store_commit(p->store) != 0 && !p->store_failed) {
        fprintf(stderr, "stirprobe: %s: %s\n", p->cfg.db_path, store_errmsg(p->store));
        p->store_failed = true;
    }
    if (p->store_failed) {
        *fatal = true;
        return 1;
    }
    if (!p->cfg.quiet)
        fprintf(stderr, "%s: %llu packets, %llu SIP messages, %llu new calls (%llu stored, %zu still open)\n",
                path, (unsigned long long)p->st.v[ST_PACKETS],
                (unsigned long long)p->st.v[ST_SIP_MESSAGES], (unsigned long long)p->st.v[ST_CALLS],
                (unsigned long long)(p->calls_stored - calls_before), calls_open(p->calls));
    return status;
}

int pipeline_finish(struct pipeline *p)
{
    probe_finish(p->probe);
    calls_finish_all(p->calls);
    if (p->verifier)
        collect(p, true);
    int rc = end_capture(p);
    if (!p->store_failed && store_commit(p->store) != 0) {
        fprintf(stderr, "stirprobe: %s: %s\n", p->cfg.db_path, store_errmsg(p->store));
        p->store_failed = true;
    }
    if (!p->cfg.quiet && !p->store_failed)
        fprintf(stderr, "stored %llu calls (%llu signed) in %s\n", (unsigned long long)p->calls_stored,
                (unsigned long long)p->calls_signed, p->cfg.db_path);
    fflush(stdout);
    return p->store_failed || rc ? 1 : 0;
}

static void drop_call(void *ctx, struct call *c)
{
    (void)ctx;
    call_free(c);
}

void pipeline_free(struct pipeline *p)
{
    if (!p)
        return;
    calls_free(p->calls);
    probe_free(p->probe);
    if (p->verifier) {
        /* Anything still in flight (an error path) is dropped, not stored half-verified. */
        verifier_collect(p->verifier, true, drop_call, NULL);
        verifier_free(p->verifier);
    }
    store_close(p->store);
    free(p);
}
