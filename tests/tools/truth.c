/* summary: the expected `stirprobe report calls --csv` of a generated
 * capture, computed from what the generator put into it (never by running
 * stirprobe).  Rules: /work/shared/docs/interface.md "CSV" and the stirgen
 * brief; RFC 4180 for quoting; RFC 8224 §8.3 for TN canonicalisation. */
#include "stirgen.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

/* RFC 8224 §8.3: a tel: URI's number, or a sip:/sips: user part (its own
 * ;params dropped); visual separators - . ( ) and spaces removed, a leading
 * + dropped; a TN only if the rest is 1+ ASCII digits.  Local policy here:
 * any all-digit user part is a TN, with or without user=phone. */
void tn_canon(const char *in, char *out, size_t outsz)
{
    out[0] = 0;
    const char *p = in;
    while (*p == ' ' || *p == '\t')
        p++;
    if (*p == '"') { /* skip a quoted display name, \-escapes included */
        for (p++; *p && *p != '"'; p++)
            if (*p == '\\' && p[1])
                p++;
        if (*p)
            p++;
    }
    const char *uri = p, *end;
    const char *lt = strchr(p, '<');
    if (lt) {
        uri = lt + 1;
        end = strchr(uri, '>');
        if (!end)
            return;
    } else {
        end = uri + strlen(uri);
    }
    const char *num, *numend;
    if (end - uri >= 4 && !strncasecmp(uri, "tel:", 4)) {
        num = uri + 4;
        numend = memchr(num, ';', (size_t)(end - num));
        if (!numend)
            numend = end;
    } else if ((end - uri >= 4 && !strncasecmp(uri, "sip:", 4)) ||
               (end - uri >= 5 && !strncasecmp(uri, "sips:", 5))) {
        num = uri + (uri[3] == ':' ? 4 : 5);
        numend = memchr(num, '@', (size_t)(end - num));
        if (!numend)
            return; /* no user part */
        for (const char *q = num; q < numend; q++)
            if (*q == ';' || *q == ':') { /* user-part params, password */
                numend = q;
                break;
            }
    } else {
        return;
    }
    size_t o = 0;
    for (const char *q = num; q < numend; q++) {
        if (strchr("-.() ", *q))
            continue;
        if (o + 1 >= outsz) {
            out[0] = 0;
            return;
        }
        out[o++] = *q;
    }
    out[o] = 0;
    if (out[0] == '+')
        memmove(out, out + 1, o--);
    if (!o) {
        out[0] = 0;
        return;
    }
    for (size_t i = 0; i < o; i++)
        if (out[i] < '0' || out[i] > '9') {
            out[0] = 0;
            return;
        }
}

/* ---- CSV ------------------------------------------------------------------ */

/* One RFC 4180 field.  Text fields starting with = + - @ get a leading '
 * first, so spreadsheets do not run them as formulas. */
static void csv_field(FILE *f, const char *v, bool numeric, bool last)
{
    char *tmp = NULL;
    if (!numeric && v[0] && strchr("=+-@", v[0]))
        v = tmp = xasprintf("'%s", v);
    if (strpbrk(v, ",\"\r\n")) {
        fputc('"', f);
        for (const char *p = v; *p; p++) {
            if (*p == '"')
                fputc('"', f);
            fputc(*p, f);
        }
        fputc('"', f);
    } else {
        fputs(v, f);
    }
    fputs(last ? "\r\n" : ",", f);
    free(tmp);
}

static const char *const COLUMNS[] = {
    "call_id", "first_seen", "src_ip", "src_port", "dst_ip", "dst_port", "transport", "ip_version",
    "ruri_tn", "from_tn", "to_tn", "pai_tn", "final_status", "sip_messages", "identity_header", "ppt",
    "attest", "origid", "orig_tn", "dest_tn", "iat", "x5u", "verstat", "verify_result", "chain_id",
};

/* What the packets say about one Call-ID. */
struct grp {
    const char *call_id;
    bool saw_request;
    bool invite_dialog;        /* its first request is an INVITE */
    const struct pkt *invite;  /* packet that completed the first INVITE */
    unsigned inv_cseq;         /* CSeq of the latest INVITE */
    int final;                 /* final response to that INVITE, 0 = none */
    unsigned messages;
};

static int cmp_grp(const void *a, const void *b)
{
    const struct grp *x = a, *y = b;
    /* first_seen has µs precision; compare what is printed. */
    uint64_t tx = x->invite->ts_ns / 1000u, ty = y->invite->ts_ns / 1000u;
    if (tx != ty)
        return tx < ty ? -1 : 1;
    return strcmp(x->call_id, y->call_id);
}

static void iso_utc_us(uint64_t ts_ns, char out[40])
{
    time_t sec = (time_t)(ts_ns / 1000000000u);
    unsigned us = (unsigned)(ts_ns % 1000000000u / 1000u); /* truncated, never rounded */
    struct tm tm;
    gmtime_r(&sec, &tm);
    size_t n = strftime(out, 40, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(out + n, 40 - n, ".%06uZ", us);
}

void truth_write_csv(const char *path, const struct scen *s, size_t limit, bool ipv6)
{
    struct grp *g = xmalloc((s->ncalls + 16) * sizeof *g);
    size_t ng = 0, capg = s->ncalls + 16;

    for (size_t i = 0; i < limit && i < s->npkts; i++) {
        const struct pkt *p = &s->pkts[i];
        for (int k = 0; k < p->nmsgs; k++) {
            const struct msgref *m = &p->msgs[k];
            struct grp *x = NULL;
            for (size_t j = 0; j < ng; j++)
                if (!strcmp(g[j].call_id, m->call_id))
                    x = &g[j];
            if (!x) {
                if (ng == capg)
                    g = xrealloc(g, (capg *= 2) * sizeof *g);
                x = &g[ng++];
                memset(x, 0, sizeof *x);
                x->call_id = m->call_id;
            }
            x->messages++;
            if (m->request) {
                if (!x->saw_request)
                    x->invite_dialog = !strcmp(m->method, "INVITE");
                x->saw_request = true;
                if (!strcmp(m->method, "INVITE")) {
                    if (!x->invite)
                        x->invite = p;
                    x->inv_cseq = m->cseq; /* a new INVITE starts a new transaction */
                }
            } else if (m->code >= 200 && !strcmp(m->cseq_method, "INVITE") && x->invite &&
                       m->cseq == x->inv_cseq && !(x->final >= 200 && x->final < 300)) {
                x->final = m->code; /* a 2xx, once seen, stays */
            }
        }
    }

    /* Keep the INVITE dialogs only, in first_seen order. */
    size_t nrows = 0;
    for (size_t j = 0; j < ng; j++)
        if (g[j].invite_dialog)
            g[nrows++] = g[j];
    qsort(g, nrows, sizeof *g, cmp_grp);

    FILE *f = fopen(path, "wb");
    if (!f)
        die("%s: cannot create", path);
    for (size_t c = 0; c < ARRAY_LEN(COLUMNS); c++)
        csv_field(f, COLUMNS[c], false, c + 1 == ARRAY_LEN(COLUMNS));
    for (size_t r = 0; r < nrows; r++) {
        const struct grp *x = &g[r];
        const struct call_truth *t = NULL;
        for (size_t j = 0; j < s->ncalls; j++)
            if (!strcmp(s->calls[j].call_id, x->call_id))
                t = &s->calls[j];
        if (!t)
            die("scenario bug: INVITE dialog %s has no truth record", x->call_id);
        const struct pkt *p = x->invite;
        char first[40], src[64], dst[64], sport[8], dport[8], fin[8], cnt[16], iat[24];
        iso_utc_us(p->ts_ns, first);
        ip_str(p->src, ipv6, src);
        ip_str(p->dst, ipv6, dst);
        snprintf(sport, sizeof sport, "%u", p->sport);
        snprintf(dport, sizeof dport, "%u", p->dport);
        if (x->final)
            snprintf(fin, sizeof fin, "%d", x->final);
        else
            fin[0] = 0; /* no final response (yet) */
        snprintf(cnt, sizeof cnt, "%u", x->messages);
        snprintf(iat, sizeof iat, "%lld", t->iat);
        bool sh = t->has_shaken;
        csv_field(f, x->call_id, false, false);
        csv_field(f, first, false, false);
        csv_field(f, src, false, false);
        csv_field(f, sport, true, false);
        csv_field(f, dst, false, false);
        csv_field(f, dport, true, false);
        csv_field(f, p->proto == IPPROTO_TCP_ ? "tcp" : "udp", false, false);
        csv_field(f, ipv6 ? "6" : "4", true, false);
        csv_field(f, t->ruri_tn, false, false);
        csv_field(f, t->from_tn, false, false);
        csv_field(f, t->to_tn, false, false);
        csv_field(f, t->pai_tn, false, false);
        csv_field(f, fin, true, false);
        csv_field(f, cnt, true, false);
        csv_field(f, t->identity_header, false, false);
        csv_field(f, t->ppt, false, false);
        csv_field(f, sh ? t->attest : "", false, false);
        csv_field(f, sh ? t->origid : "", false, false);
        csv_field(f, sh ? t->orig_tn : "", false, false);
        csv_field(f, sh ? t->dest_tn : "", false, false);
        csv_field(f, sh ? iat : "", true, false);
        csv_field(f, sh ? t->x5u : "", false, false);
        csv_field(f, t->verstat, false, false);
        csv_field(f, t->verify_result[0] ? t->verify_result : "not-verified", false, false);
        csv_field(f, sh ? t->chain_id : "", false, true);
    }
    if (ferror(f) | fclose(f))
        die("%s: write failed", path);
    free(g);
}

bool truth_write_passports(const char *path, const struct scen *s)
{
    bool any = false;
    for (size_t i = 0; i < s->ncalls; i++)
        any |= s->calls[i].nhdr > 1;
    if (!any)
        return false;
    FILE *f = fopen(path, "wb");
    if (!f)
        die("%s: cannot create", path);
    fputs("call_id\tposition\tppt\tverify_result\n", f);
    for (size_t i = 0; i < s->ncalls; i++) {
        const struct call_truth *t = &s->calls[i];
        if (t->nhdr < 2)
            continue;
        for (int k = 0; k < t->nhdr; k++)
            fprintf(f, "%s\t%d\t%s\t%s\n", t->call_id, k, t->hdr[k].ppt, t->hdr[k].result);
    }
    if (ferror(f) | fclose(f))
        die("%s: write failed", path);
    return true;
}
