/* summary: `stirprobe verify` — decode and verify Identity header values given on the
 * command line, as a verifier would have on a given day, and say why.
 *
 * The values are wrapped in a minimal INVITE and go through the same SIP parser,
 * call model and verifier as captured traffic, so the answer is the one `read
 * --verify` would store. */
#include "cli/verify_cmd.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "calls/call.h"
#include "common/jsonw.h"
#include "decoders/sip.h"
#include "decoders/verify.h"
#include "verifier/verifier.h"

#define MAX_VALUE 16384

/* "Identity: v", "y: v" or just v; trailing CR/LF dropped. */
static const char *strip_name(const char *s, const char **name)
{
    static const char *const names[] = { "Identity", "y", "X-Identity" };
    *name = "Identity";
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        size_t n = strlen(names[i]);
        if (strncasecmp(s, names[i], n) == 0 && s[n] == ':') {
            *name = names[i];
            s += n + 1;
            while (*s == ' ' || *s == '\t')
                s++;
            break;
        }
    }
    return s;
}

static bool tn_ok(const char *s)
{
    if (!s)
        return true;
    for (const char *p = s; *p; p++)
        if (!strchr("0123456789+-.() ", *p))
            return false;
    return true;
}

static void party(char *buf, size_t cap, const char *tn, const char *fallback)
{
    snprintf(buf, cap, "sip:%.64s@verify.invalid;user=phone", tn && *tn ? tn : fallback);
}

/* The INVITE the value would have arrived in. With no --from/--pai/--to, the request
 * carries the PASSporT's own orig and dest: the TN check then passes by construction,
 * as in a signature-only check, and the output says so. */
static int build_invite(char *out, size_t cap, const char *hname, const char *value, const struct verify_opts *o,
                        const struct passport *pp)
{
    char from[160], to[160], ruri[160], pai[200] = "";
    const char *orig = pp && pp->orig_tn[0] ? pp->orig_tn : "0";
    const char *dest = pp && pp->n_dest_tn ? pp->dest_tn[0] : "0";
    party(from, sizeof from, o->from ? o->from : o->pai ? NULL : orig, "anonymous");
    party(to, sizeof to, o->to ? o->to : dest, "0");
    party(ruri, sizeof ruri, o->ruri ? o->ruri : o->to ? o->to : dest, "0");
    if (o->pai)
        snprintf(pai, sizeof pai, "P-Asserted-Identity: <sip:%.64s@verify.invalid;user=phone>\r\n", o->pai);
    int n = snprintf(out, cap,
                     "INVITE %s SIP/2.0\r\n"
                     "Via: SIP/2.0/UDP verify.invalid;branch=z9hG4bK-stirprobe-verify\r\n"
                     "From: <%s>;tag=verify\r\n"
                     "To: <%s>\r\n"
                     "%s"
                     "Call-ID: stirprobe-verify\r\n"
                     "CSeq: 1 INVITE\r\n"
                     "%s: %s\r\n"
                     "Content-Length: 0\r\n\r\n",
                     ruri, from, to, pai, hname, value);
    return n > 0 && (size_t)n < cap ? n : -1;
}

static void show_time(const char *label, int64_t t)
{
    char iso[PTIME_ISO_LEN];
    ptime_iso((struct ptime){ t, 0 }, iso);
    printf("%-13s %lld (%s)\n", label, (long long)t, iso);
}

static void show_cert(void *ctx, const struct verifier_cert_record *r)
{
    (void)ctx;
    printf("certificate   %s: %s%s%s\n", r->x5u, r->status, r->error ? " " : "", r->error ? r->error : "");
    if (!r->info)
        return;
    printf("  subject     %s\n  issuer      %s\n", r->info->subject, r->info->issuer);
    printf("  tnauthlist  %s\n", r->info->has_tnauth ? (r->info->tnauth_error ? "invalid" : r->info->tnauth_text)
                                                     : "(none)");
    show_time("  notBefore", r->info->not_before);
    show_time("  notAfter", r->info->not_after);
    printf("  sha256      %s\n", r->info->sha256);
}

static void show_passport(const struct call_ident *id)
{
    const struct passport *pp = &id->pp;
    printf("ppt           %s\n", pp->ppt[0] ? pp->ppt : id->ppt_param);
    printf("decode        %s%s%s\n", pp->result == PPT_OK ? "ok" : passport_result_label(pp->result),
           pp->detail && *pp->detail ? " " : "", pp->detail ? pp->detail : "");
    if (!pp->json_decoded)
        return;
    printf("alg           %s\ntyp           %s\nx5u           %s\n", pp->alg, pp->typ, pp->x5u);
    if (pp->attest[0])
        printf("attest        %s\n", pp->attest);
    if (pp->origid[0])
        printf("origid        %s\n", pp->origid);
    printf("orig          %s\n", pp->orig_tn[0] ? pp->orig_tn : pp->orig_uri);
    printf("dest         ");
    for (size_t i = 0; i < pp->n_dest_tn; i++)
        printf(" %s", pp->dest_tn[i]);
    printf("\n");
    if (pp->div_tn[0])
        printf("div           %s\n", pp->div_tn);
    if (pp->rcd_nam[0])
        printf("rcd nam       %s\n", pp->rcd_nam);
    if (pp->has_iat)
        show_time("iat", pp->iat);
    char w[256];
    passport_warnings_str(pp->warnings, w, sizeof w);
    if (*w)
        printf("warnings      %s\n", w);
}

static void json_kv(const char *k, const char *v, bool *first)
{
    printf("%s\"%s\":", *first ? "" : ",", k);
    *first = false;
    if (v && *v)
        json_write_str(stdout, v, strlen(v));
    else
        fputs("null", stdout);
}

static void show_json(const struct call_ident *id, int64_t at)
{
    const struct passport *pp = &id->pp;
    bool first = true;
    putchar('{');
    json_kv("ppt", pp->ppt[0] ? pp->ppt : id->ppt_param, &first);
    json_kv("alg", pp->alg, &first);
    json_kv("x5u", pp->x5u, &first);
    json_kv("attest", pp->attest, &first);
    json_kv("origid", pp->origid, &first);
    json_kv("orig_tn", pp->orig_tn, &first);
    printf(",\"dest_tn\":[");
    for (size_t i = 0; i < pp->n_dest_tn; i++) {
        if (i)
            putchar(',');
        json_write_str(stdout, pp->dest_tn[i], strlen(pp->dest_tn[i]));
    }
    putchar(']');
    if (pp->has_iat)
        printf(",\"iat\":%lld", (long long)pp->iat);
    printf(",\"at\":%lld", (long long)at);
    json_kv("verify_result", id->verify_result, &first);
    json_kv("verify_detail", id->verify_detail, &first);
    printf(",\"sip_code\":%d}\n", verify_label_sip_code(id->verify_result));
}

/* One header value: parse, verify, print. Returns true on pass. */
static bool verify_one(struct verifier *v, const char *arg, int64_t at, const struct verify_opts *o)
{
    const char *hname;
    const char *value = strip_name(arg, &hname);
    size_t vlen = strcspn(value, "\r\n");
    char *val = strndup(value, vlen);
    char *msgbuf = malloc(MAX_VALUE + 2048);
    struct sip_msg *m = calloc(1, sizeof *m);
    struct call *c = NULL;
    bool ok = false;
    if (!val || !msgbuf || !m || vlen > MAX_VALUE) {
        fprintf(stderr, "stirprobe: verify: header value too long or out of memory\n");
        goto out;
    }
    /* Twice: the first pass only learns the PASSporT's own orig/dest for the defaults. */
    struct passport first;
    memset(&first, 0, sizeof first);
    for (int pass = 0; pass < 2; pass++) {
        int n = build_invite(msgbuf, MAX_VALUE + 2048, hname, val, o, pass ? &first : NULL);
        if (n < 0 || sip_parse((const uint8_t *)msgbuf, (size_t)n, false, m) != SIP_OK) {
            fprintf(stderr, "stirprobe: verify: cannot build a SIP request around this value\n");
            goto out;
        }
        call_free(c);
        if (!(c = calloc(1, sizeof *c))) {
            fprintf(stderr, "stirprobe: verify: out of memory\n");
            goto out;
        }
        c->shaken = -1;
        struct pdu pdu = { .ts = { at, 0 } };
        call_take_invite(c, m, &pdu);
        call_take_identities(c, m, NULL);
        if (c->n_idents == 0) {
            fprintf(stderr, "stirprobe: verify: no Identity value found in the argument\n");
            goto out;
        }
        first = c->idents[0]->pp;
    }
    verifier_verify_now(v, c);
    const struct call_ident *id = c->idents[0];
    if (o->json) {
        show_json(id, at);
    } else {
        printf("header        %s\n", hname);
        show_passport(id);
        verifier_take_certs(v, show_cert, NULL);
        show_time("verified at", at);
        if (!o->from && !o->pai && !o->to)
            printf("tn check      against the PASSporT's own orig/dest (give --from/--pai/--to to check a request)\n");
        int code = verify_label_sip_code(id->verify_result);
        printf("result        %s", id->verify_result);
        if (id->verify_detail)
            printf(" (%s)", id->verify_detail);
        if (code)
            printf("  [SIP %d]", code);
        printf("\n");
    }
    ok = strcmp(id->verify_result, "pass") == 0;
out:
    call_free(c);
    free(m);
    free(msgbuf);
    free(val);
    return ok;
}

int verify_cmd_run(const struct pipeline_cfg *cfg, const struct verify_opts *o, char **values, int n)
{
    int64_t at = (int64_t)time(NULL);
    if (o->at) {
        struct ptime t;
        if (ptime_parse_iso(o->at, &t) != 0) {
            fprintf(stderr, "stirprobe: verify: --at '%s' is not an ISO 8601 UTC time\n", o->at);
            return 1;
        }
        at = t.sec;
    }
    const char *tns[] = { o->from, o->pai, o->to, o->ruri };
    for (size_t i = 0; i < sizeof tns / sizeof tns[0]; i++)
        if (!tn_ok(tns[i])) {
            fprintf(stderr, "stirprobe: verify: '%s' is not a telephone number\n", tns[i]);
            return 1;
        }
    struct verifier_cfg vc;
    pipeline_verifier_cfg(cfg, &vc);
    vc.threads = 1;
    char err[512];
    struct verifier *v = verifier_new(&vc, err, sizeof err);
    if (!v) {
        fprintf(stderr, "stirprobe: verify: %s\n", err);
        return 1;
    }
    int failed = 0;
    for (int i = 0; i < n; i++) {
        if (i && !o->json)
            printf("\n");
        if (!verify_one(v, values[i], at, o))
            failed++;
    }
    verifier_free(v);
    return failed ? 3 : 0;
}
