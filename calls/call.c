/* summary: copying a call's INVITE facts and Identity headers out of the packet. */
#include "calls/call.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decoders/identity.h"

static void uri_tn_of(const struct sip_hdr *h, char *out)
{
    struct slice uri, params, rest;
    out[0] = '\0';
    if (h && sip_addr_next(h->value, &uri, &params, &rest))
        sip_uri_tn(uri, out, TN_MAX);
}

void call_take_invite(struct call *c, const struct sip_msg *m, const struct pdu *pdu)
{
    c->first_seen = pdu->ts;
    c->flow = pdu->flow;
    sip_uri_tn(m->ruri, c->ruri_tn, sizeof c->ruri_tn);
    uri_tn_of(sip_find(m, SH_FROM), c->from_tn);
    uri_tn_of(sip_find(m, SH_TO), c->to_tn);

    /* PAI may hold several identities (sip and tel), possibly in several headers:
     * the first that is a telephone number wins. */
    c->pai_tn[0] = '\0';
    for (size_t i = 0; i < m->nhdrs && !c->pai_tn[0]; i++) {
        if (m->hdrs[i].id != SH_PAI)
            continue;
        struct slice v = m->hdrs[i].value, uri, params;
        while (v.n && !c->pai_tn[0] && sip_addr_next(v, &uri, &params, &v))
            sip_uri_tn(uri, c->pai_tn, sizeof c->pai_tn);
    }

    /* verstat is what the terminating network stamped: PAI first, then From. */
    struct slice vs;
    c->verstat[0] = '\0';
    c->verstat_source = NULL;
    for (size_t i = 0; i < m->nhdrs; i++) {
        if (m->hdrs[i].id == SH_PAI && sip_verstat(m->hdrs[i].value, &vs)) {
            c->verstat_source = "PAI";
            break;
        }
    }
    if (!c->verstat_source) {
        const struct sip_hdr *from = sip_find(m, SH_FROM);
        if (from && sip_verstat(from->value, &vs))
            c->verstat_source = "From";
    }
    if (c->verstat_source && !slice_copy(vs, c->verstat, sizeof c->verstat)) {
        memcpy(c->verstat, vs.p, sizeof c->verstat - 1);
        c->verstat[sizeof c->verstat - 1] = '\0';
    }
    /* A C string ends at a NUL: what follows one is lost too, so it counts as cut. */
    c->verstat_cut = c->verstat_source && (vs.n >= sizeof c->verstat || memchr(vs.p, 0, vs.n));
}

static void copy_param(struct slice s, char *dst, size_t cap)
{
    if (!slice_copy(s, dst, cap))
        dst[0] = '\0';
}

static struct call_ident *ident_new(enum sip_hdr_id hdr, const struct ident_value *iv)
{
    /* The token's copy lives in the same block: one allocation per PASSporT. */
    struct call_ident *ci = calloc(1, sizeof *ci + iv->token.n + 1);
    if (!ci)
        return NULL;
    ci->jws = (char *)(ci + 1);
    if (iv->token.n)
        memcpy(ci->jws, iv->token.p, iv->token.n);
    ci->jws[iv->token.n] = '\0';
    ci->jws_len = iv->token.n;
    ci->hdr = hdr;
    ci->orig_in_cert = -1;
    ci->ident_flags = iv->flags;
    copy_param(iv->info, ci->info, sizeof ci->info);
    copy_param(iv->alg, ci->alg_param, sizeof ci->alg_param);
    copy_param(iv->ppt, ci->ppt_param, sizeof ci->ppt_param);

    /* Decode against the copy so the signing input outlives the packet. */
    struct ident_value local = *iv;
    local.token = slice_make(ci->jws, ci->jws_len);
    passport_decode(local.token, &local, &ci->pp);
    passport_fingerprint(local.token, ci->chain_id);
    return ci;
}

size_t call_take_identities(struct call *c, const struct sip_msg *m, struct stats *st)
{
    size_t before = c->n_idents;
    for (size_t i = 0; i < m->nhdrs; i++) {
        enum sip_hdr_id id = m->hdrs[i].id;
        if (id != SH_IDENTITY && id != SH_IDENTITY_Y && id != SH_X_IDENTITY)
            continue;
        struct ident_value vals[IDENT_MAX_VALUES];
        size_t dropped;
        size_t n = ident_parse(m->hdrs[i].value, vals, IDENT_MAX_VALUES, &dropped);
        stats_inc(st, ST_DROP_IDENTITY_OVER_CAP, dropped);
        for (size_t k = 0; k < n; k++) {
            stats_inc(st, ST_IDENTITY_HEADERS, 1);
            if (vals[k].flags & (IDENT_EMPTY_TOKEN | IDENT_BAD_PARAM | IDENT_NO_INFO))
                stats_inc(st, ST_ERR_IDENTITY_SYNTAX, 1);
            if (c->n_idents == CALL_MAX_IDENTS) {
                stats_inc(st, ST_DROP_IDENTITY_OVER_CAP, 1);
                continue;
            }
            struct call_ident *ci = ident_new(id, &vals[k]);
            if (!ci) {
                stats_inc(st, ST_DROP_IDENTITY_OVER_CAP, 1);
                continue;
            }
            static const enum stat_id by_result[] = { ST_PASSPORTS_OK, ST_PASSPORTS_BAD,
                                                      ST_PASSPORTS_UNSUPPORTED };
            stats_inc(st, by_result[ci->pp.result], 1);
            c->idents[c->n_idents++] = ci;
        }
    }
    /* The shaken PASSporT describes the call: the first whose JSON decodes, even when it
     * then fails a format or algorithm check — its claims are what was transmitted. */
    c->shaken = -1;
    for (size_t i = 0; i < c->n_idents; i++) {
        const struct passport *pp = &c->idents[i]->pp;
        if (pp->json_decoded && strcmp(pp->ppt, "shaken") == 0) {
            c->shaken = (int)i;
            break;
        }
    }
    if (c->n_idents)
        c->identities_recorded = true;
    return c->n_idents - before;
}

/* The STIR error codes of RFC 8224 §6.2.2 / ATIS-1000074's five scenarios; 403 is
 * one of them only as "Stale Date", otherwise it is any refusal. */
static bool stir_code(int code, struct slice phrase)
{
    if (code == 428 || code == 436 || code == 437 || code == 438)
        return true;
    if (code != 403)
        return false;
    for (size_t i = 0; i + 5 <= phrase.n; i++)
        if (slice_eq_ci(slice_make(phrase.p + i, 5), "stale"))
            return true;
    return false;
}

static void stir_note(struct call *c, int code, const char *via, struct slice in, struct slice text)
{
    c->stir_error = code;
    c->stir_error_via = via;
    if (!slice_copy(in, c->stir_error_in, sizeof c->stir_error_in))
        c->stir_error_in[0] = '\0';
    size_t n = text.n < sizeof c->stir_error_text ? text.n : sizeof c->stir_error_text - 1;
    memcpy(c->stir_error_text, text.p, n);
    c->stir_error_text[n] = '\0';
}

void call_take_stir_feedback(struct call *c, const struct sip_msg *m, bool invite_response)
{
    if (c->stir_error)
        return;
    char code_buf[3]; /* sip_parse gives every status three digits (100-699) */
    struct slice in = m->method;
    if (!m->is_request) {
        code_buf[0] = (char)('0' + m->status / 100 % 10);
        code_buf[1] = (char)('0' + m->status / 10 % 10);
        code_buf[2] = (char)('0' + m->status % 10);
        in = slice_make(code_buf, 3);
    }
    if (invite_response && stir_code(m->status, m->reason)) {
        stir_note(c, m->status, "response", in, m->reason);
        return;
    }
    for (size_t i = 0; i < m->nhdrs; i++) {
        if (m->hdrs[i].id != SH_REASON)
            continue;
        struct slice v = m->hdrs[i].value, rest;
        struct sip_reason r;
        for (; v.n && sip_reason_next(v, &r, &rest); v = rest) {
            bool stir = slice_eq_ci(r.protocol, "STIR"), sip = slice_eq_ci(r.protocol, "SIP");
            if ((stir && r.cause >= 400 && r.cause < 500) || (sip && stir_code(r.cause, r.text))) {
                stir_note(c, r.cause, stir ? "STIR" : "SIP", in, r.text);
                return;
            }
        }
    }
}

const struct call_ident *call_main_ident(const struct call *c)
{
    if (c->shaken >= 0)
        return c->idents[c->shaken];
    return c->n_idents ? c->idents[0] : NULL;
}

void call_free(struct call *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->n_idents; i++)
        free(c->idents[i]);
    free(c);
}

/* "a;b;c" from a list of strings (empties skipped); whole items only. */
static void join(char *buf, size_t cap, const char *const *items, size_t n)
{
    size_t off = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        if (!items[i] || !items[i][0])
            continue;
        size_t len = strlen(items[i]), sep = off ? 1 : 0;
        if (sep + len >= cap - off)
            break;
        if (sep)
            buf[off] = ';';
        memcpy(buf + off + sep, items[i], len + 1);
        off += sep + len;
    }
}

void call_row_fill(const struct call *c, struct call_row *r)
{
    ptime_iso(c->first_seen, r->first_seen);
    ptime_iso(c->last_seen, r->last_seen);
    ipaddr_str(&c->flow.src, r->src_ip, sizeof r->src_ip);
    ipaddr_str(&c->flow.dst, r->dst_ip, sizeof r->dst_ip);
    r->transport = c->flow.proto == IPPROTO_TCP_ ? "tcp" : "udp";
    const struct call_ident *main = call_main_ident(c);
    r->identity_header = main ? sip_hdr_name(main->hdr) : NULL;

    const char *items[CALL_MAX_IDENTS > PPT_MAX_DEST ? CALL_MAX_IDENTS : PPT_MAX_DEST];
    for (size_t i = 0; i < c->n_idents; i++)
        items[i] = c->idents[i]->pp.ppt[0] ? c->idents[i]->pp.ppt : c->idents[i]->ppt_param;
    join(r->ppt, sizeof r->ppt, items, c->n_idents);

    const struct call_ident *sh = c->shaken >= 0 ? c->idents[c->shaken] : NULL;
    r->shaken = sh ? &sh->pp : NULL;
    r->chain_id = sh ? sh->chain_id : NULL;
    r->orig_tn = sh ? (sh->pp.orig_tn[0] ? sh->pp.orig_tn : sh->pp.orig_uri) : NULL;
    r->dest_tn[0] = '\0';
    if (sh) {
        for (size_t i = 0; i < sh->pp.n_dest_tn; i++)
            items[i] = sh->pp.dest_tn[i];
        join(r->dest_tn, sizeof r->dest_tn, items, sh->pp.n_dest_tn);
    }
    r->verify_result = c->verify_result ? c->verify_result : "not-verified";
}
