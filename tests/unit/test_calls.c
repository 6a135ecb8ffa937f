/* summary: tests for calls/ — Call-ID correlation, final status, linger/expiry, eviction and
 * what a finished call carries (call_row_fill), fed with messages parsed by sip_parse. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calls/call.h"
#include "calls/calls.h"
#include "decoders/passport.h"
#include "decoders/sip.h"
#include "tests/unit/harness.h"

#define T0 1740830400 /* 2025-03-01T12:00:00Z */
#define X5U "https://cert.example.org/passport.cer"

/* What the done-callback saw of one finished call (the call is freed after it). */
struct rec {
    char call_id[CALL_ID_MAX + 1];
    uint32_t sip_messages;
    int final_status;
    size_t n_idents;
    int shaken;
    char ruri_tn[TN_MAX], from_tn[TN_MAX], to_tn[TN_MAX], pai_tn[TN_MAX];
    char verstat[VERSTAT_MAX];
    char verstat_source[8];
    char first_seen[PTIME_ISO_LEN], last_seen[PTIME_ISO_LEN];
    char src_ip[64], dst_ip[64], transport[8];
    char identity_header[16]; /* "(null)" when NULL */
    char ppt[CALL_MAX_IDENTS * 17];
    bool has_shaken;
    int shaken_result;
    char attest[4], origid[PPT_STR], orig_tn[PPT_STR], chain_id[20], verify_result[32];
    char dest_tn[PPT_MAX_DEST * (PPT_STR + 1) + 1];
    int64_t iat;
    int stir_error;
    char stir_via[16], stir_in[16], stir_text[64];
};

struct done_log {
    struct rec recs[8];
    int n;
};

static void copy_or_null(char *dst, size_t cap, const char *s)
{
    snprintf(dst, cap, "%s", s ? s : "(null)");
}

static void on_done(void *ctx, struct call *c)
{
    struct done_log *log = ctx;
    if (log->n == (int)(sizeof log->recs / sizeof log->recs[0])) {
        CHECK(!"more finished calls than the test expects");
        call_free(c);
        return;
    }
    struct rec *r = &log->recs[log->n++];
    memset(r, 0, sizeof *r);
    memcpy(r->call_id, c->call_id, c->call_id_len);
    r->sip_messages = c->sip_messages;
    r->final_status = c->final_status;
    r->n_idents = c->n_idents;
    r->shaken = c->shaken;
    memcpy(r->ruri_tn, c->ruri_tn, TN_MAX);
    memcpy(r->from_tn, c->from_tn, TN_MAX);
    memcpy(r->to_tn, c->to_tn, TN_MAX);
    memcpy(r->pai_tn, c->pai_tn, TN_MAX);
    memcpy(r->verstat, c->verstat, VERSTAT_MAX);
    copy_or_null(r->verstat_source, sizeof r->verstat_source, c->verstat_source);

    struct call_row row;
    call_row_fill(c, &row);
    memcpy(r->first_seen, row.first_seen, PTIME_ISO_LEN);
    memcpy(r->last_seen, row.last_seen, PTIME_ISO_LEN);
    memcpy(r->src_ip, row.src_ip, sizeof r->src_ip);
    memcpy(r->dst_ip, row.dst_ip, sizeof r->dst_ip);
    copy_or_null(r->transport, sizeof r->transport, row.transport);
    copy_or_null(r->identity_header, sizeof r->identity_header, row.identity_header);
    memcpy(r->ppt, row.ppt, sizeof r->ppt);
    memcpy(r->dest_tn, row.dest_tn, sizeof r->dest_tn);
    r->has_shaken = row.shaken != NULL;
    if (row.shaken) {
        r->shaken_result = row.shaken->result;
        memcpy(r->attest, row.shaken->attest, sizeof r->attest);
        memcpy(r->origid, row.shaken->origid, sizeof r->origid);
        r->iat = row.shaken->iat;
    }
    copy_or_null(r->orig_tn, sizeof r->orig_tn, row.orig_tn);
    copy_or_null(r->chain_id, sizeof r->chain_id, row.chain_id);
    copy_or_null(r->verify_result, sizeof r->verify_result, row.verify_result);
    r->stir_error = c->stir_error;
    copy_or_null(r->stir_via, sizeof r->stir_via, c->stir_error_via);
    memcpy(r->stir_in, c->stir_error_in, sizeof r->stir_in);
    memcpy(r->stir_text, c->stir_error_text, sizeof r->stir_text);
    call_free(c);
}

struct rig {
    struct calls *t;
    struct stats st;
    struct done_log log;
};

static bool rig_init(struct rig *g, size_t max_calls)
{
    memset(g, 0, sizeof *g);
    struct calls_cfg cfg;
    calls_default_cfg(&cfg);
    CHECK_EQ_INT(cfg.linger_sec, 32);
    if (max_calls)
        cfg.max_calls = max_calls;
    g->t = calls_new(&cfg, on_done, &g->log, &g->st);
    return CHECK(g->t != NULL);
}

static struct sip_msg msg;

/* Parse text as a UDP datagram at capture time sec and account it. */
static struct call *feed(struct rig *g, int64_t sec, const char *text)
{
    if (!th_check(sip_parse((const uint8_t *)text, strlen(text), false, &msg) == SIP_OK, __FILE__, __LINE__,
                  "test message parses: %.40s", text))
        return NULL;
    struct pdu p;
    memset(&p, 0, sizeof p);
    p.ts.sec = sec;
    p.ts.nsec = 250000000;
    p.flow.src.version = p.flow.dst.version = 4;
    const uint8_t src[4] = { 192, 0, 2, 1 }, dst[4] = { 198, 51, 100, 2 };
    memcpy(p.flow.src.a, src, 4);
    memcpy(p.flow.dst.a, dst, 4);
    p.flow.sport = p.flow.dport = 5060;
    p.flow.proto = IPPROTO_UDP_;
    p.data = (const uint8_t *)text;
    p.len = strlen(text);
    return calls_on_message(g->t, &msg, &p);
}

static char text[16384];

static struct call *req(struct rig *g, int64_t sec, const char *method, const char *cid, unsigned cseq,
                        const char *extra)
{
    snprintf(text, sizeof text,
             "%s sip:+12155550131@example.com;user=phone SIP/2.0\r\n"
             "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK%s%u%s\r\n"
             "Max-Forwards: 70\r\n"
             "From: \"Alice\" <sip:+1-215-555-0121@example.com;user=phone>;tag=a1\r\n"
             "To: <sip:+12155550131@example.com;user=phone>\r\n"
             "Call-ID: %s\r\n"
             "CSeq: %u %s\r\n"
             "%s"
             "Content-Length: 0\r\n"
             "\r\n",
             method, cid, cseq, method, cid, cseq, method, extra ? extra : "");
    return feed(g, sec, text);
}

static struct call *resp(struct rig *g, int64_t sec, int code, const char *cid, unsigned cseq, const char *method)
{
    snprintf(text, sizeof text,
             "SIP/2.0 %d Whatever\r\n"
             "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK%s%u%s\r\n"
             "From: \"Alice\" <sip:+12155550121@example.com;user=phone>;tag=a1\r\n"
             "To: <sip:+12155550131@example.com;user=phone>;tag=b2\r\n"
             "Call-ID: %s\r\n"
             "CSeq: %u %s\r\n"
             "Content-Length: 0\r\n"
             "\r\n",
             code, cid, cseq, method, cid, cseq, method);
    return feed(g, sec, text);
}

/* A response with its own reason phrase and extra header lines. */
static struct call *resp_x(struct rig *g, int64_t sec, int code, const char *phrase, const char *cid, unsigned cseq,
                           const char *method, const char *extra)
{
    snprintf(text, sizeof text,
             "SIP/2.0 %d %s\r\n"
             "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK%s%u%s\r\n"
             "From: <sip:+12155550121@example.com;user=phone>;tag=a1\r\n"
             "To: <sip:+12155550131@example.com;user=phone>;tag=b2\r\n"
             "Call-ID: %s\r\n"
             "CSeq: %u %s\r\n"
             "%s"
             "Content-Length: 0\r\n"
             "\r\n",
             code, phrase, cid, cseq, method, cid, cseq, method, extra ? extra : "");
    return feed(g, sec, text);
}

/* STIR error feedback: a 43x (or 403 Stale Date) answer to the INVITE, or a Reason
 * header with protocol STIR, or SIP with a STIR cause, on any message; first one wins. */
static void calls_stir_feedback(void)
{
    struct rig g;
    if (!rig_init(&g, 0))
        return;
    req(&g, T0, "INVITE", "fb-438", 1, NULL);
    resp_x(&g, T0, 438, "Invalid Identity Header", "fb-438", 1, "INVITE", NULL);
    req(&g, T0 + 1, "INVITE", "fb-403", 1, NULL);
    resp_x(&g, T0 + 1, 403, "Forbidden", "fb-403", 1, "INVITE", NULL);
    req(&g, T0 + 2, "INVITE", "fb-stale", 1, NULL);
    resp_x(&g, T0 + 2, 403, "Stale Date", "fb-stale", 1, "INVITE", NULL);
    req(&g, T0 + 3, "INVITE", "fb-200", 1, NULL);
    resp_x(&g, T0 + 3, 200, "OK", "fb-200", 1, "INVITE",
           "Reason: Q.850;cause=16, STIR;cause=437;text=\"Unsupported Credential\"\r\n");
    resp_x(&g, T0 + 3, 200, "OK", "fb-200", 1, "INVITE", "Reason: STIR;cause=438\r\n"); /* first wins */
    req(&g, T0 + 4, "INVITE", "fb-bye", 1, NULL);
    resp_x(&g, T0 + 4, 200, "OK", "fb-bye", 1, "INVITE", NULL);
    req(&g, T0 + 5, "BYE", "fb-bye", 2, "Reason: SIP;cause=436;text=\"Bad Identity Info\"\r\n");
    req(&g, T0 + 6, "INVITE", "fb-sip200", 1, NULL);
    resp_x(&g, T0 + 6, 200, "OK", "fb-sip200", 1, "INVITE", "Reason: SIP;cause=200\r\n"); /* not STIR */
    resp_x(&g, T0 + 6, 438, "Invalid Identity Header", "fb-sip200", 1, "BYE", NULL); /* not the INVITE's */
    calls_finish_all(g.t);
    if (!CHECK_EQ_INT(g.log.n, 6))
        goto out;
    for (int i = 0; i < g.log.n; i++) {
        const struct rec *r = &g.log.recs[i];
        if (!strcmp(r->call_id, "fb-438")) {
            CHECK_EQ_INT(r->stir_error, 438);
            CHECK_EQ_STR(r->stir_via, "response");
            CHECK_EQ_STR(r->stir_in, "438");
            CHECK_EQ_STR(r->stir_text, "Invalid Identity Header");
        } else if (!strcmp(r->call_id, "fb-403") || !strcmp(r->call_id, "fb-sip200")) {
            CHECK_EQ_INT(r->stir_error, 0);
            CHECK_EQ_STR(r->stir_via, "(null)");
        } else if (!strcmp(r->call_id, "fb-stale")) {
            CHECK_EQ_INT(r->stir_error, 403);
            CHECK_EQ_STR(r->stir_text, "Stale Date");
        } else if (!strcmp(r->call_id, "fb-200")) {
            CHECK_EQ_INT(r->stir_error, 437);
            CHECK_EQ_STR(r->stir_via, "STIR");
            CHECK_EQ_STR(r->stir_in, "200");
            CHECK_EQ_STR(r->stir_text, "Unsupported Credential");
        } else if (CHECK_EQ_STR(r->call_id, "fb-bye")) {
            CHECK_EQ_INT(r->stir_error, 436);
            CHECK_EQ_STR(r->stir_via, "SIP");
            CHECK_EQ_STR(r->stir_in, "BYE");
        }
    }
out:
    calls_free(g.t);
}

static void calls_basic_dialog(void)
{
    struct rig g;
    if (!rig_init(&g, 0))
        return;
    const char *cid = "dialog-1@192.0.2.1";
    struct call *c = req(&g, T0, "INVITE", cid, 1, NULL);
    CHECK(c != NULL);
    CHECK(resp(&g, T0, 100, cid, 1, "INVITE") == c);
    CHECK(resp(&g, T0 + 1, 180, cid, 1, "INVITE") == c);
    CHECK(resp(&g, T0 + 2, 200, cid, 1, "INVITE") == c);
    CHECK(req(&g, T0 + 2, "ACK", cid, 1, NULL) == c);
    CHECK(req(&g, T0 + 10, "BYE", cid, 2, NULL) == c);
    CHECK(resp(&g, T0 + 10, 200, cid, 2, "BYE") == c);
    CHECK_EQ_INT(calls_open(g.t), 1);
    CHECK_EQ_INT(g.st.v[ST_CALLS], 1);

    calls_expire(g.t, (struct ptime){ T0 + 11, 0 });
    CHECK_EQ_INT(g.log.n, 0);
    calls_expire(g.t, (struct ptime){ T0 + 10 + 32, 0 }); /* linger not over yet */
    CHECK_EQ_INT(g.log.n, 0);
    CHECK_EQ_INT(calls_open(g.t), 1);
    calls_expire(g.t, (struct ptime){ T0 + 10 + 33, 0 });
    if (!CHECK_EQ_INT(g.log.n, 1))
        goto out;
    CHECK_EQ_INT(calls_open(g.t), 0);
    struct rec *r = &g.log.recs[0];
    CHECK_EQ_STR(r->call_id, cid);
    CHECK_EQ_INT(r->sip_messages, 7);
    CHECK_EQ_INT(r->final_status, 200);
    CHECK_EQ_STR(r->ruri_tn, "12155550131");
    CHECK_EQ_STR(r->from_tn, "12155550121");
    CHECK_EQ_STR(r->to_tn, "12155550131");
    CHECK_EQ_STR(r->pai_tn, "");
    CHECK_EQ_STR(r->verstat, "");
    CHECK_EQ_STR(r->verstat_source, "(null)");
    CHECK_EQ_STR(r->first_seen, "2025-03-01T12:00:00.250000Z");
    CHECK_EQ_STR(r->last_seen, "2025-03-01T12:00:10.250000Z");
    CHECK_EQ_STR(r->src_ip, "192.0.2.1");
    CHECK_EQ_STR(r->dst_ip, "198.51.100.2");
    CHECK_EQ_STR(r->transport, "udp");
    CHECK_EQ_STR(r->identity_header, "(null)");
    CHECK_EQ_STR(r->ppt, "");
    CHECK(!r->has_shaken);
    CHECK_EQ_STR(r->chain_id, "(null)");
    CHECK_EQ_STR(r->orig_tn, "(null)");
    CHECK_EQ_STR(r->dest_tn, "");
    CHECK_EQ_STR(r->verify_result, "not-verified");
out:
    calls_free(g.t);
}

static void calls_retransmission(void)
{
    struct rig g;
    if (!rig_init(&g, 0))
        return;
    const char *cid = "retrans-1";
    struct call *c = req(&g, T0, "INVITE", cid, 1, NULL);
    CHECK(req(&g, T0 + 1, "INVITE", cid, 1, NULL) == c); /* timer A retransmission */
    CHECK(resp(&g, T0 + 1, 100, cid, 1, "INVITE") == c);
    CHECK(resp(&g, T0 + 2, 200, cid, 1, "INVITE") == c);
    CHECK(resp(&g, T0 + 3, 200, cid, 1, "INVITE") == c); /* 2xx retransmission */
    CHECK(req(&g, T0 + 3, "ACK", cid, 1, NULL) == c);
    CHECK_EQ_INT(g.st.v[ST_CALLS], 1);
    calls_finish_all(g.t);
    if (CHECK_EQ_INT(g.log.n, 1)) {
        CHECK_EQ_INT(g.log.recs[0].sip_messages, 6);
        CHECK_EQ_INT(g.log.recs[0].final_status, 200);
    }
    calls_free(g.t);
}

static void calls_auth_challenge(void)
{
    struct rig g;
    if (!rig_init(&g, 0))
        return;
    const char *cid = "auth-1";
    struct call *c = req(&g, T0, "INVITE", cid, 1, NULL);
    resp(&g, T0, 407, cid, 1, "INVITE");
    if (CHECK(c != NULL)) {
        CHECK_EQ_INT(c->final_status, 407);
        CHECK(!c->ended); /* a challenge does not end the call */
    }
    req(&g, T0, "ACK", cid, 1, NULL);
    req(&g, T0 + 1, "INVITE", cid, 2, NULL);
    resp(&g, T0 + 1, 100, cid, 2, "INVITE");
    resp(&g, T0 + 2, 200, cid, 2, "INVITE");
    req(&g, T0 + 2, "ACK", cid, 2, NULL);
    calls_expire(g.t, (struct ptime){ T0 + 100, 0 }); /* not ended: no linger expiry */
    CHECK_EQ_INT(g.log.n, 0);
    calls_finish_all(g.t);
    if (CHECK_EQ_INT(g.log.n, 1)) {
        CHECK_EQ_INT(g.log.recs[0].final_status, 200);
        CHECK_EQ_INT(g.log.recs[0].sip_messages, 7);
    }
    calls_free(g.t);
}

static void calls_busy(void)
{
    struct rig g;
    if (!rig_init(&g, 0))
        return;
    const char *cid = "busy-1";
    req(&g, T0, "INVITE", cid, 1, NULL);
    resp(&g, T0, 100, cid, 1, "INVITE");
    resp(&g, T0 + 1, 486, cid, 1, "INVITE");
    req(&g, T0 + 1, "ACK", cid, 1, NULL);
    calls_expire(g.t, (struct ptime){ T0 + 1 + 32, 0 });
    CHECK_EQ_INT(g.log.n, 0);
    calls_expire(g.t, (struct ptime){ T0 + 1 + 33, 0 });
    if (CHECK_EQ_INT(g.log.n, 1)) {
        CHECK_EQ_INT(g.log.recs[0].final_status, 486);
        CHECK_EQ_INT(g.log.recs[0].sip_messages, 4);
    }
    calls_free(g.t);
}

static void calls_cancel(void)
{
    struct rig g;
    if (!rig_init(&g, 0))
        return;
    const char *cid = "cancel-1";
    req(&g, T0, "INVITE", cid, 1, NULL);
    resp(&g, T0, 100, cid, 1, "INVITE");
    resp(&g, T0 + 1, 180, cid, 1, "INVITE");
    req(&g, T0 + 3, "CANCEL", cid, 1, NULL);
    resp(&g, T0 + 3, 200, cid, 1, "CANCEL"); /* answers the CANCEL, not the INVITE */
    resp(&g, T0 + 3, 487, cid, 1, "INVITE");
    req(&g, T0 + 3, "ACK", cid, 1, NULL);
    calls_expire(g.t, (struct ptime){ T0 + 3 + 33, 0 });
    if (CHECK_EQ_INT(g.log.n, 1)) {
        CHECK_EQ_INT(g.log.recs[0].final_status, 487);
        CHECK_EQ_INT(g.log.recs[0].sip_messages, 7);
    }
    calls_free(g.t);
}

static void calls_reinvite_491(void)
{
    struct rig g;
    if (!rig_init(&g, 0))
        return;
    const char *cid = "reinvite-1";
    req(&g, T0, "INVITE", cid, 1, NULL);
    resp(&g, T0 + 1, 200, cid, 1, "INVITE");
    req(&g, T0 + 1, "ACK", cid, 1, NULL);
    req(&g, T0 + 20, "INVITE", cid, 2, NULL); /* re-INVITE */
    struct call *c = resp(&g, T0 + 20, 491, cid, 2, "INVITE");
    if (CHECK(c != NULL)) {
        CHECK_EQ_INT(c->final_status, 200);
        CHECK(!c->ended);
    }
    calls_finish_all(g.t);
    if (CHECK_EQ_INT(g.log.n, 1)) {
        CHECK_EQ_INT(g.log.recs[0].final_status, 200);
        CHECK_EQ_INT(g.log.recs[0].sip_messages, 5);
    }
    calls_free(g.t);
}

static void calls_orphans(void)
{
    struct rig g;
    if (!rig_init(&g, 0))
        return;
    CHECK(req(&g, T0, "REGISTER", "reg-1", 1, NULL) == NULL);
    CHECK_EQ_INT(g.st.v[ST_DROP_SIP_ORPHAN], 1);
    CHECK(req(&g, T0, "OPTIONS", "opt-1", 1, NULL) == NULL);
    CHECK(req(&g, T0, "BYE", "unknown-1", 5, NULL) == NULL);
    CHECK(resp(&g, T0, 200, "unknown-2", 1, "INVITE") == NULL);
    CHECK_EQ_INT(g.st.v[ST_DROP_SIP_ORPHAN], 4);
    CHECK_EQ_INT(g.st.v[ST_CALLS], 0);
    CHECK_EQ_INT(calls_open(g.t), 0);

    /* No Call-ID at all. */
    CHECK(feed(&g, T0, "INVITE sip:a@b SIP/2.0\r\nCSeq: 1 INVITE\r\n\r\n") == NULL);
    CHECK_EQ_INT(g.st.v[ST_ERR_SIP_NO_CALL_ID], 1);
    CHECK(feed(&g, T0, "INVITE sip:a@b SIP/2.0\r\nCall-ID:\r\n\r\n") == NULL);
    CHECK_EQ_INT(g.st.v[ST_ERR_SIP_NO_CALL_ID], 2);
    calls_finish_all(g.t);
    CHECK_EQ_INT(g.log.n, 0);
    calls_free(g.t);
}

static void calls_eviction(void)
{
    struct rig g;
    if (!rig_init(&g, 2))
        return;
    req(&g, T0, "INVITE", "ev-a", 1, NULL);
    req(&g, T0 + 1, "INVITE", "ev-b", 1, NULL);
    resp(&g, T0 + 2, 180, "ev-a", 1, "INVITE"); /* a is now more recent than b */
    req(&g, T0 + 3, "INVITE", "ev-c", 1, NULL); /* evicts b */
    CHECK_EQ_INT(g.st.v[ST_DROP_CALLS_EVICTED], 1);
    CHECK_EQ_INT(calls_open(g.t), 2);
    if (CHECK_EQ_INT(g.log.n, 1))
        CHECK_EQ_STR(g.log.recs[0].call_id, "ev-b");
    calls_finish_all(g.t); /* oldest first by first_seen: a, c */
    if (CHECK_EQ_INT(g.log.n, 3)) {
        CHECK_EQ_STR(g.log.recs[1].call_id, "ev-a");
        CHECK_EQ_STR(g.log.recs[2].call_id, "ev-c");
        CHECK_EQ_INT(g.log.recs[1].sip_messages, 2);
    }
    CHECK_EQ_INT(g.st.v[ST_DROP_CALLS_EVICTED], 1); /* finishing at the end is not eviction */
    calls_free(g.t);
}

static void calls_idle(void)
{
    struct rig g;
    if (!rig_init(&g, 0))
        return;
    req(&g, T0, "INVITE", "idle-1", 1, NULL);
    calls_expire(g.t, (struct ptime){ T0 + 3600, 0 });
    CHECK_EQ_INT(g.log.n, 0);
    calls_expire(g.t, (struct ptime){ T0 + 3601, 0 });
    CHECK_EQ_INT(g.log.n, 1);
    CHECK_EQ_INT(g.log.recs[0].final_status, 0);
    calls_free(g.t);
}

/* A call kept alive (re-INVITEs every 30 minutes) is still stored after 6 h, once,
 * with the max-age counter; a younger one in the same table stays open. */
static void calls_max_age(void)
{
    struct rig g;
    if (!rig_init(&g, 0))
        return;
    const int64_t H = 3600;
    req(&g, T0, "INVITE", "long-1", 1, NULL);
    resp(&g, T0, 200, "long-1", 1, "INVITE");
    req(&g, T0 + 3 * H, "INVITE", "young-1", 1, NULL);
    uint32_t cseq = 2;
    for (int64_t t = T0 + 1800; t <= T0 + 6 * H; t += 1800) {
        req(&g, t, "INVITE", "long-1", cseq, NULL);
        req(&g, t, "INVITE", "young-1", cseq++, NULL);
        calls_expire(g.t, (struct ptime){ t, 0 });
    }
    CHECK_EQ_INT(g.log.n, 0); /* exactly 6 h old: not yet */
    calls_expire(g.t, (struct ptime){ T0 + 6 * H + 61, 0 });
    if (CHECK_EQ_INT(g.log.n, 1))
        CHECK_EQ_STR(g.log.recs[0].call_id, "long-1");
    CHECK_EQ_INT(g.st.v[ST_CALLS_MAX_AGE], 1);
    CHECK_EQ_INT(calls_open(g.t), 1);
    calls_free(g.t);
}

/* ---- Identity headers ------------------------------------------------------------------ */

static char shaken_tok[2048], div_tok[2048], fp_shaken[17];

static bool make_tokens(void)
{
    size_t a = th_make_jws("{\"alg\":\"ES256\",\"ppt\":\"shaken\",\"typ\":\"passport\",\"x5u\":\"" X5U "\"}",
                           "{\"attest\":\"B\",\"dest\":{\"tn\":[\"12155550131\",\"12155550132\"]},\"iat\":1740830399,"
                           "\"orig\":{\"tn\":\"12155550121\"},\"origid\":\"123e4567-e89b-12d3-a456-426655440000\"}",
                           64, shaken_tok, sizeof shaken_tok);
    size_t b = th_make_jws("{\"alg\":\"ES256\",\"ppt\":\"div\",\"typ\":\"passport\",\"x5u\":\"" X5U "\"}",
                           "{\"dest\":{\"tn\":[\"12155550131\"]},\"div\":{\"tn\":\"12155550199\"},\"iat\":1740830399,"
                           "\"orig\":{\"tn\":\"12155550121\"}}",
                           64, div_tok, sizeof div_tok);
    passport_fingerprint(slice_cstr(shaken_tok), fp_shaken);
    return CHECK(a > 0 && b > 0);
}

static void calls_identity_order(void)
{
    struct rig g;
    if (!rig_init(&g, 0) || !make_tokens())
        return;
    char extra[8192];
    snprintf(extra, sizeof extra,
             "Identity: %s;info=<" X5U ">;ppt=div\r\n"
             "P-Asserted-Identity: <sip:+12155550121;verstat=TN-Validation-Passed@example.com;user=phone>\r\n"
             "Identity: %s;info=<" X5U ">;alg=ES256;ppt=shaken\r\n",
             div_tok, shaken_tok);
    struct call *c = req(&g, T0, "INVITE", "ident-1", 1, extra);
    if (CHECK(c != NULL)) {
        CHECK_EQ_INT(c->n_idents, 2);
        CHECK_EQ_INT(c->shaken, 1); /* the shaken PASSporT even though it is second */
        CHECK(call_main_ident(c) == c->idents[1]);
    }
    CHECK_EQ_INT(g.st.v[ST_IDENTITY_HEADERS], 2);
    CHECK_EQ_INT(g.st.v[ST_PASSPORTS_OK], 2);
    CHECK_EQ_INT(g.st.v[ST_ERR_IDENTITY_SYNTAX], 0);
    calls_finish_all(g.t);
    if (CHECK_EQ_INT(g.log.n, 1)) {
        struct rec *r = &g.log.recs[0];
        CHECK_EQ_STR(r->ppt, "div;shaken");
        CHECK_EQ_STR(r->identity_header, "Identity");
        CHECK(r->has_shaken);
        CHECK_EQ_INT(r->shaken_result, PPT_OK);
        CHECK_EQ_STR(r->attest, "B");
        CHECK_EQ_STR(r->origid, "123e4567-e89b-12d3-a456-426655440000");
        CHECK_EQ_STR(r->orig_tn, "12155550121");
        CHECK_EQ_STR(r->dest_tn, "12155550131;12155550132");
        CHECK_EQ_INT(r->iat, 1740830399);
        CHECK_EQ_STR(r->chain_id, fp_shaken);
        CHECK_EQ_INT(strlen(r->chain_id), 16);
        CHECK_EQ_INT(strspn(r->chain_id, "0123456789abcdef"), 16);
        CHECK_EQ_STR(r->pai_tn, "12155550121");
        CHECK_EQ_STR(r->verstat, "TN-Validation-Passed");
        CHECK_EQ_STR(r->verstat_source, "PAI");
    }
    calls_free(g.t);
}

static void calls_identity_header_names(void)
{
    if (!make_tokens())
        return;
    static const struct {
        const char *name, *want;
    } cases[] = { { "y", "y" }, { "X-Identity", "X-Identity" }, { "identity", "Identity" } };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct rig g;
        if (!rig_init(&g, 0))
            return;
        char extra[4096];
        snprintf(extra, sizeof extra, "%s: %s;info=<" X5U ">;ppt=shaken\r\n", cases[i].name, shaken_tok);
        req(&g, T0, "INVITE", "names-1", 1, extra);
        calls_finish_all(g.t);
        if (CHECK_EQ_INT(g.log.n, 1)) {
            CHECK_EQ_STR(g.log.recs[0].identity_header, cases[i].want);
            CHECK_EQ_STR(g.log.recs[0].ppt, "shaken");
            CHECK_EQ_STR(g.log.recs[0].chain_id, fp_shaken);
        }
        calls_free(g.t);
    }
}

static void calls_identity_later_invite(void)
{
    struct rig g;
    if (!rig_init(&g, 0) || !make_tokens())
        return;
    char extra[4096];
    /* First INVITE unsigned (challenged), the second one carries the Identity. */
    req(&g, T0, "INVITE", "later-1", 1, "From-Extra: none\r\n");
    resp(&g, T0, 407, "later-1", 1, "INVITE");
    snprintf(extra, sizeof extra, "Identity: %s;info=<" X5U ">;ppt=shaken\r\n", shaken_tok);
    struct call *c = req(&g, T0 + 1, "INVITE", "later-1", 2, extra);
    if (CHECK(c != NULL))
        CHECK_EQ_INT(c->n_idents, 1);
    /* A re-INVITE with another PASSporT does not replace what the call was set up with. */
    snprintf(extra, sizeof extra, "Identity: %s;info=<" X5U ">;ppt=div\r\n", div_tok);
    c = req(&g, T0 + 30, "INVITE", "later-1", 3, extra);
    if (CHECK(c != NULL)) {
        CHECK_EQ_INT(c->n_idents, 1);
        CHECK_EQ_INT(c->shaken, 0);
    }
    calls_free(g.t); /* finishes the call */
    if (CHECK_EQ_INT(g.log.n, 1))
        CHECK_EQ_STR(g.log.recs[0].ppt, "shaken");
}

static void calls_identity_no_shaken(void)
{
    struct rig g;
    if (!rig_init(&g, 0) || !make_tokens())
        return;
    char extra[4096];
    snprintf(extra, sizeof extra,
             "Identity: %s;info=<" X5U ">;ppt=div\r\n"
             "From-Verstat-Only: x\r\n",
             div_tok);
    req(&g, T0, "INVITE", "noshaken-1", 1, extra);
    calls_finish_all(g.t);
    if (CHECK_EQ_INT(g.log.n, 1)) {
        struct rec *r = &g.log.recs[0];
        CHECK_EQ_INT(r->shaken, -1);
        CHECK(!r->has_shaken);
        CHECK_EQ_STR(r->identity_header, "Identity"); /* the first PASSporT describes the call */
        CHECK_EQ_STR(r->ppt, "div");
        CHECK_EQ_STR(r->chain_id, "(null)");
        CHECK_EQ_STR(r->dest_tn, "");
    }
    calls_free(g.t);
}

static void calls_identity_bad_shaken(void)
{
    struct rig g;
    if (!rig_init(&g, 0) || !make_tokens())
        return;
    char extra[4096];
    /* info does not match x5u: bad-format, but the transmitted claims still describe the call. */
    snprintf(extra, sizeof extra, "Identity: %s;info=<https://elsewhere.example/c.pem>;ppt=shaken\r\n", shaken_tok);
    req(&g, T0, "INVITE", "badshaken-1", 1, extra);
    CHECK_EQ_INT(g.st.v[ST_PASSPORTS_BAD], 1);
    calls_finish_all(g.t);
    if (CHECK_EQ_INT(g.log.n, 1)) {
        struct rec *r = &g.log.recs[0];
        CHECK_EQ_INT(r->shaken, 0);
        CHECK_EQ_INT(r->shaken_result, PPT_BAD_FORMAT);
        CHECK_EQ_STR(r->attest, "B");
        CHECK_EQ_STR(r->chain_id, fp_shaken);
    }
    calls_free(g.t);
}

static void calls_identity_over_cap(void)
{
    struct rig g;
    if (!rig_init(&g, 0) || !make_tokens())
        return;
    char extra[12000];
    size_t n = 0;
    for (int i = 0; i < CALL_MAX_IDENTS + 2; i++)
        n += (size_t)snprintf(extra + n, sizeof extra - n, "Identity: %s;info=<" X5U ">;ppt=div\r\n", div_tok);
    if (!CHECK(n < sizeof extra))
        return;
    struct call *c = req(&g, T0, "INVITE", "cap-1", 1, extra);
    if (CHECK(c != NULL))
        CHECK_EQ_INT(c->n_idents, CALL_MAX_IDENTS);
    CHECK_EQ_INT(g.st.v[ST_IDENTITY_HEADERS], CALL_MAX_IDENTS + 2);
    CHECK_EQ_INT(g.st.v[ST_DROP_IDENTITY_OVER_CAP], 2);
    calls_free(g.t);
}

void test_calls(void)
{
    RUN(calls_basic_dialog);
    RUN(calls_stir_feedback);
    RUN(calls_retransmission);
    RUN(calls_auth_challenge);
    RUN(calls_busy);
    RUN(calls_cancel);
    RUN(calls_reinvite_491);
    RUN(calls_orphans);
    RUN(calls_eviction);
    RUN(calls_idle);
    RUN(calls_max_age);
    RUN(calls_identity_order);
    RUN(calls_identity_header_names);
    RUN(calls_identity_later_invite);
    RUN(calls_identity_no_shaken);
    RUN(calls_identity_bad_shaken);
    RUN(calls_identity_over_cap);
}
