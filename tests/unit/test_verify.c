/* summary: tests for decoders/verify (claim checks: TNs, div retargeting, TNAuthList
 * coverage, freshness edges; the label → SIP code table) and for the network-free
 * parts of verifier/fetch (the private-address policy and the URL precheck). */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "decoders/tnauth.h"
#include "decoders/verify.h"
#include "tests/unit/harness.h"
#include "verifier/fetch.h"

#define PKT 1740830400 /* packet time */
#define AGE 60

static struct passport shaken, div1, div2; /* large: keep them off the stack */

/* A decoded PASSporT as passport_decode would leave it; dests end with NULL. */
static void mk(struct passport *p, const char *ppt, const char *orig, int64_t iat, ...)
{
    memset(p, 0, sizeof *p);
    p->detail = "";
    p->json_decoded = true;
    p->has_iat = true;
    p->iat = iat;
    snprintf(p->ppt, sizeof p->ppt, "%s", ppt);
    snprintf(p->alg, sizeof p->alg, "ES256");
    snprintf(p->orig_tn, sizeof p->orig_tn, "%s", orig);
    va_list ap;
    va_start(ap, iat);
    const char *d;
    while ((d = va_arg(ap, const char *)) != NULL && p->n_dest_tn < PPT_MAX_DEST)
        snprintf(p->dest_tn[p->n_dest_tn++], PPT_STR, "%s", d);
    va_end(ap);
}

static const struct verify_peers no_peers = { 0 };

/* verify_claims → label ("pass" for NULL) and detail, in one string "label/detail". */
static const char *run(const struct passport *p, const struct verify_peers *peers, const struct tnauth *tn,
                       const struct verify_sip *sip)
{
    static char out[128];
    const char *detail = "(unset)";
    const char *label = verify_claims(p, peers, tn, sip, AGE, &detail);
    snprintf(out, sizeof out, "%s/%s", label ? label : "pass", detail ? detail : "(null)");
    return out;
}

static void vf_orig(void)
{
    struct verify_sip sip = { .pai_tn = "12155551212", .from_tn = "12155550000", .to_tn = "12155551213",
                              .ruri_tn = "12155551213", .packet_sec = PKT };
    mk(&shaken, "shaken", "12155551212", PKT, "12155551213", NULL);
    CHECK_EQ_STR(run(&shaken, &no_peers, NULL, &sip), "pass/");
    /* PAI wins over From: orig = From is not enough when PAI carries a number. */
    mk(&shaken, "shaken", "12155550000", PKT, "12155551213", NULL);
    CHECK_EQ_STR(run(&shaken, &no_peers, NULL, &sip), "tn-mismatch/orig-not-pai");
    /* No PAI number: From stands in. */
    sip.pai_tn = "";
    CHECK_EQ_STR(run(&shaken, &no_peers, NULL, &sip), "pass/");
    sip.pai_tn = NULL;
    CHECK_EQ_STR(run(&shaken, &no_peers, NULL, &sip), "pass/");
    mk(&shaken, "shaken", "12155559999", PKT, "12155551213", NULL);
    CHECK_EQ_STR(run(&shaken, &no_peers, NULL, &sip), "tn-mismatch/orig-not-from");
    /* No caller number at all. */
    sip.from_tn = "";
    CHECK_EQ_STR(run(&shaken, &no_peers, NULL, &sip), "tn-mismatch/no-caller-tn");
    sip.from_tn = NULL;
    CHECK_EQ_STR(run(&shaken, &no_peers, NULL, &sip), "tn-mismatch/no-caller-tn");
    /* orig as a URI (not a TN), or absent. */
    sip.pai_tn = "12155551212";
    mk(&shaken, "shaken", "", PKT, "12155551213", NULL);
    snprintf(shaken.orig_uri, sizeof shaken.orig_uri, "sip:alice@example.com");
    CHECK_EQ_STR(run(&shaken, &no_peers, NULL, &sip), "tn-mismatch/orig-not-tn");
    mk(&shaken, "shaken", "", PKT, "12155551213", NULL);
    CHECK_EQ_STR(run(&shaken, &no_peers, NULL, &sip), "tn-mismatch/orig-not-tn");
    /* Prefix and suffix are different numbers. */
    mk(&shaken, "shaken", "2155551212", PKT, "12155551213", NULL);
    CHECK_EQ_STR(run(&shaken, &no_peers, NULL, &sip), "tn-mismatch/orig-not-pai");
    mk(&shaken, "shaken", "121555512120", PKT, "12155551213", NULL);
    CHECK_EQ_STR(run(&shaken, &no_peers, NULL, &sip), "tn-mismatch/orig-not-pai");
}

static void vf_dest(void)
{
    struct verify_sip sip = { .pai_tn = "12155551212", .to_tn = "12155551213", .ruri_tn = "12155551213",
                              .packet_sec = PKT };
    mk(&shaken, "shaken", "12155551212", PKT, "19995550000", NULL);
    CHECK_EQ_STR(run(&shaken, &no_peers, NULL, &sip), "tn-mismatch/dest-not-to");
    /* dest matches the Request-URI only while To names another number: interface.md
     * compares with To. */
    sip.ruri_tn = "19995550000";
    CHECK_EQ_STR(run(&shaken, &no_peers, NULL, &sip), "tn-mismatch/dest-not-to");
    /* The Request-URI stands in only when To carries no number. */
    sip.to_tn = "";
    CHECK_EQ_STR(run(&shaken, &no_peers, NULL, &sip), "pass/");
    /* ... To alone. */
    sip.ruri_tn = "";
    sip.to_tn = "19995550000";
    CHECK_EQ_STR(run(&shaken, &no_peers, NULL, &sip), "pass/");
    /* Neither carries a number. */
    sip.to_tn = "";
    CHECK_EQ_STR(run(&shaken, &no_peers, NULL, &sip), "tn-mismatch/no-called-tn");
    sip.to_tn = NULL;
    sip.ruri_tn = NULL;
    CHECK_EQ_STR(run(&shaken, &no_peers, NULL, &sip), "tn-mismatch/no-called-tn");
    /* Several dests: any one of them. */
    sip.to_tn = "12155551213";
    sip.ruri_tn = "12155551213";
    mk(&shaken, "shaken", "12155551212", PKT, "1", "19995550000", "12155551213", NULL);
    CHECK_EQ_STR(run(&shaken, &no_peers, NULL, &sip), "pass/");
    mk(&shaken, "shaken", "12155551212", PKT, "1", "19995550000", "12155551214", NULL);
    CHECK_EQ_STR(run(&shaken, &no_peers, NULL, &sip), "tn-mismatch/dest-not-to");
    /* No dest TN (e.g. only a dest URI). */
    mk(&shaken, "shaken", "12155551212", PKT, NULL);
    CHECK_EQ_STR(run(&shaken, &no_peers, NULL, &sip), "tn-mismatch/dest-not-to");
    /* Both orig and dest wrong: orig is reported. */
    mk(&shaken, "shaken", "1", PKT, "2", NULL);
    CHECK_EQ_STR(run(&shaken, &no_peers, NULL, &sip), "tn-mismatch/orig-not-pai");
}

static void vf_div(void)
{
    /* Alice (…1212) called Bob (…1213), Bob's network forwarded to Carol (…1214): the
     * request now goes to Carol, the shaken PASSporT still names Bob. */
    struct verify_sip sip = { .pai_tn = "12155551212", .to_tn = "12155551214", .ruri_tn = "12155551214",
                              .packet_sec = PKT };
    mk(&shaken, "shaken", "12155551212", PKT, "12155551213", NULL);
    mk(&div1, "div", "12155551212", PKT, "12155551214", NULL);
    snprintf(div1.div_tn, sizeof div1.div_tn, "12155551213");
    const struct passport *divs[2] = { &div1, NULL };
    struct verify_peers peers = { .shaken = &shaken, .divs = divs, .n_divs = 1 };
    struct verify_peers only_shaken = { .shaken = &shaken };

    /* The div PASSporT itself: dest = new target, div = shaken dest. */
    CHECK_EQ_STR(run(&div1, &only_shaken, NULL, &sip), "pass/");
    /* The shaken PASSporT passes only with the div vouching for the change. */
    CHECK_EQ_STR(run(&shaken, &only_shaken, NULL, &sip), "tn-mismatch/dest-not-to");
    CHECK_EQ_STR(run(&shaken, &no_peers, NULL, &sip), "tn-mismatch/dest-not-to");
    CHECK_EQ_STR(run(&shaken, &peers, NULL, &sip), "pass/");
    /* A div PASSporT listed among the peers does not vouch for itself. */
    CHECK_EQ_STR(run(&div1, &peers, NULL, &sip), "pass/");

    /* A div whose div is not in the shaken dest vouches for nothing, and fails itself. */
    mk(&div2, "div", "12155551212", PKT, "12155551214", NULL);
    snprintf(div2.div_tn, sizeof div2.div_tn, "12155559999");
    divs[0] = &div2;
    CHECK_EQ_STR(run(&div2, &only_shaken, NULL, &sip), "tn-mismatch/div-not-shaken-dest");
    CHECK_EQ_STR(run(&shaken, &peers, NULL, &sip), "tn-mismatch/dest-not-to");
    /* A div to somewhere else than the request's target vouches for nothing either. */
    mk(&div2, "div", "12155551212", PKT, "12155557777", NULL);
    snprintf(div2.div_tn, sizeof div2.div_tn, "12155551213");
    CHECK_EQ_STR(run(&div2, &only_shaken, NULL, &sip), "tn-mismatch/dest-not-ruri");
    CHECK_EQ_STR(run(&shaken, &peers, NULL, &sip), "tn-mismatch/dest-not-to");
    /* Two divs, the second one good. */
    divs[1] = &div1;
    peers.n_divs = 2;
    CHECK_EQ_STR(run(&shaken, &peers, NULL, &sip), "pass/");
    /* A div without a div TN. */
    mk(&div2, "div", "12155551212", PKT, "12155551214", NULL);
    CHECK_EQ_STR(run(&div2, &only_shaken, NULL, &sip), "tn-mismatch/no-div-tn");
    /* A div on its own (no shaken PASSporT): its div is checked against To. */
    struct verify_sip sip2 = { .pai_tn = "12155551212", .to_tn = "12155551213", .ruri_tn = "12155551214",
                               .packet_sec = PKT };
    CHECK_EQ_STR(run(&div1, &no_peers, NULL, &sip2), "pass/");
    CHECK_EQ_STR(run(&div1, &no_peers, NULL, &sip), "tn-mismatch/div-not-shaken-dest");
    /* The div's orig is checked like any other. */
    mk(&div2, "div", "12155550000", PKT, "12155551214", NULL);
    snprintf(div2.div_tn, sizeof div2.div_tn, "12155551213");
    CHECK_EQ_STR(run(&div2, &only_shaken, NULL, &sip), "tn-mismatch/orig-not-pai");
}

static void vf_tnauth(void)
{
    struct verify_sip sip = { .pai_tn = "12025550150", .to_tn = "12155551213", .ruri_tn = "12155551213",
                              .packet_sec = PKT };
    static struct tnauth tn;
    memset(&tn, 0, sizeof tn);
    snprintf(tn.range[0].start, sizeof tn.range[0].start, "12025550100");
    tn.range[0].count = 100;
    tn.n_range = 1;
    snprintf(tn.tn[0], sizeof tn.tn[0], "12025550999");
    tn.n_tn = 1;
    mk(&shaken, "shaken", "12025550150", PKT, "12155551213", NULL);
    CHECK_EQ_STR(run(&shaken, &no_peers, &tn, &sip), "pass/");
    const char *in[] = { "12025550100", "12025550199", "12025550999" };
    const char *out[] = { "12025550200", "12025550099", "1202555015", "12025550998" };
    for (size_t i = 0; i < 3; i++) {
        sip.pai_tn = in[i];
        snprintf(shaken.orig_tn, sizeof shaken.orig_tn, "%s", in[i]);
        th_check_str(run(&shaken, &no_peers, &tn, &sip), "pass/", __FILE__, __LINE__, in[i]);
    }
    for (size_t i = 0; i < 4; i++) {
        sip.pai_tn = out[i];
        snprintf(shaken.orig_tn, sizeof shaken.orig_tn, "%s", out[i]);
        th_check_str(run(&shaken, &no_peers, &tn, &sip), "tn-mismatch/orig-not-in-tnauthlist", __FILE__,
                     __LINE__, out[i]);
        /* No TNAuthList given: nothing to cover. */
        th_check_str(run(&shaken, &no_peers, NULL, &sip), "pass/", __FILE__, __LINE__, out[i]);
    }
    /* With an SPC the list says nothing about numbers: no coverage check. */
    snprintf(tn.spc[0], sizeof tn.spc[0], "1001");
    tn.n_spc = 1;
    CHECK_EQ_STR(run(&shaken, &no_peers, &tn, &sip), "pass/");
    /* An SPC-only list, and an empty one. */
    tn.n_range = tn.n_tn = 0;
    CHECK_EQ_STR(run(&shaken, &no_peers, &tn, &sip), "pass/");
    memset(&tn, 0, sizeof tn);
    CHECK_EQ_STR(run(&shaken, &no_peers, &tn, &sip), "pass/");
    /* Coverage comes after the TN match: a mismatch is reported as such. */
    snprintf(tn.tn[0], sizeof tn.tn[0], "1");
    tn.n_tn = 1;
    sip.pai_tn = "12025550150";
    CHECK_EQ_STR(run(&shaken, &no_peers, &tn, &sip), "tn-mismatch/orig-not-pai");
}

static void vf_stale(void)
{
    struct verify_sip sip = { .pai_tn = "12155551212", .to_tn = "12155551213", .ruri_tn = "12155551213",
                              .packet_sec = PKT };
    mk(&shaken, "shaken", "12155551212", PKT - AGE, "12155551213", NULL);
    CHECK_EQ_STR(run(&shaken, &no_peers, NULL, &sip), "pass/");     /* exactly max age: passes */
    shaken.iat = PKT - AGE - 1;
    CHECK_EQ_STR(run(&shaken, &no_peers, NULL, &sip), "stale/iat-too-old");
    shaken.iat = PKT + AGE;
    CHECK_EQ_STR(run(&shaken, &no_peers, NULL, &sip), "pass/");
    shaken.iat = PKT + AGE + 1;
    CHECK_EQ_STR(run(&shaken, &no_peers, NULL, &sip), "stale/iat-in-future");
    shaken.iat = 0;
    CHECK_EQ_STR(run(&shaken, &no_peers, NULL, &sip), "stale/iat-too-old");
    /* Extreme iat values (any JSON integer decodes) must not overflow the arithmetic. */
    shaken.iat = INT64_MIN;
    CHECK_EQ_STR(run(&shaken, &no_peers, NULL, &sip), "stale/iat-too-old");
    shaken.iat = INT64_MIN + 1;
    CHECK_EQ_STR(run(&shaken, &no_peers, NULL, &sip), "stale/iat-too-old");
    shaken.iat = INT64_MAX;
    CHECK_EQ_STR(run(&shaken, &no_peers, NULL, &sip), "stale/iat-in-future");
    shaken.iat = -PKT;
    CHECK_EQ_STR(run(&shaken, &no_peers, NULL, &sip), "stale/iat-too-old");
    /* A TN mismatch outranks staleness. */
    shaken.iat = 0;
    snprintf(shaken.orig_tn, sizeof shaken.orig_tn, "1");
    CHECK_EQ_STR(run(&shaken, &no_peers, NULL, &sip), "tn-mismatch/orig-not-pai");
    /* Max age 0: only the same second. */
    mk(&shaken, "shaken", "12155551212", PKT, "12155551213", NULL);
    const char *d;
    CHECK_EQ_STR(verify_claims(&shaken, &no_peers, NULL, &sip, 0, &d), NULL);
    shaken.iat = PKT + 1;
    CHECK_EQ_STR(verify_claims(&shaken, &no_peers, NULL, &sip, 0, &d), "stale");
    shaken.iat = PKT - 1;
    CHECK_EQ_STR(verify_claims(&shaken, &no_peers, NULL, &sip, 0, &d), "stale");
}

static void vf_sip_codes(void)
{
    static const struct {
        const char *label;
        int code;
    } codes[] = {
        { "no-identity", 428 },   { "bad-format", 438 },   { "unsupported-alg", 437 },
        { "cert-fetch-failed", 436 }, { "cert-invalid", 437 }, { "cert-expired", 437 },
        { "cert-untrusted", 437 }, { "bad-signature", 438 }, { "tn-mismatch", 438 },
        { "stale", 403 },         { "pass", 0 },           { "not-verified", 0 },
        { "no-such-label", 0 },   { "", 0 },               { "STALE", 0 },
    };
    for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++)
        th_check_int(verify_label_sip_code(codes[i].label), codes[i].code, __FILE__, __LINE__, codes[i].label);
    CHECK_EQ_INT(verify_label_sip_code(NULL), 0);
}

/* ---- fetch.c without the network ------------------------------------------------------- */

static bool priv(const char *text)
{
    uint8_t a[16];
    if (inet_pton(AF_INET, text, a) == 1)
        return fetch_addr_is_private(AF_INET, a);
    if (inet_pton(AF_INET6, text, a) == 1)
        return fetch_addr_is_private(AF_INET6, a);
    th_check(false, __FILE__, __LINE__, "bad address in test: %s", text);
    return false;
}

static void vf_private_addr(void)
{
    static const char *const yes[] = {
        "127.0.0.1", "127.255.255.254", "10.0.0.1", "10.255.255.255", "172.16.0.1", "172.20.1.1",
        "172.31.255.255", "192.168.0.1", "192.168.255.255", "169.254.169.254", "100.64.0.1",
        "100.127.255.255", "0.0.0.0", "0.1.2.3", "224.0.0.1", "239.255.255.250", "240.0.0.1",
        "255.255.255.255", "192.0.2.1", "198.51.100.7", "203.0.113.9", "198.18.0.1", "198.19.255.255",
        "::1", "::", "fe80::1", "febf::1", "fec0::1", "fc00::1", "fd12::1", "fdff:ffff::1", "ff02::1",
        "ff05::1:3", "::ffff:127.0.0.1", "::ffff:10.1.2.3", "::ffff:169.254.169.254", "64:ff9b::7f00:1",
        "64:ff9b::a00:1", "2001:db8::1",
        /* IPv4-compatible, 6to4, Teredo (server or inverted client), NAT64 local-use */
        "::127.0.0.1", "::10.1.2.3", "::169.254.169.254", "::0.0.0.2", "2002:7f00:1::1", "2002:a00:1::",
        "2002:c0a8:101::5", "2002:a9fe:a9fe::1", "2001:0:7f00:1::ffff:ffff", "2001:0:808:808::f5ff:fffe",
        "2001:0:808:808::3fff:fffe", "64:ff9b:1::808:808",
    };
    static const char *const no[] = {
        "8.8.8.8", "1.1.1.1", "172.15.255.255", "172.32.0.1", "100.63.255.255", "100.128.0.0",
        "169.253.0.1", "192.169.0.1", "11.0.0.1", "126.255.255.255", "128.0.0.1", "223.255.255.255",
        "198.20.0.1", "::ffff:8.8.8.8", "64:ff9b::808:808", "2001:4860::8888", "2606:4700::1111",
        "fe00::1", "2001:db9::1", "::8.8.8.8", "2002:808:808::1", "2001:0:808:808::f7f7:f7f7",
    };
    for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++)
        th_check(priv(yes[i]), __FILE__, __LINE__, "%s should be private", yes[i]);
    for (size_t i = 0; i < sizeof no / sizeof no[0]; i++)
        th_check(!priv(no[i]), __FILE__, __LINE__, "%s should be public", no[i]);
    /* Families other than IPv4 and IPv6 are never fetched from. */
    uint8_t z[16] = { 8, 8, 8, 8 };
    CHECK(fetch_addr_is_private(AF_UNIX, z));
    CHECK(fetch_addr_is_private(AF_UNSPEC, z));
}

static void vf_url_precheck(void)
{
    CHECK_EQ_STR(fetch_url_precheck("https://certs.example.com/sp.pem"), NULL);
    CHECK_EQ_STR(fetch_url_precheck("HTTPS://certs.example.com/sp.pem"), NULL);
    CHECK_EQ_STR(fetch_url_precheck("HtTpS://certs.example.com:8443/a/b.pem?x=1"), NULL);
    CHECK_EQ_STR(fetch_url_precheck("https://[2001:db8::1]/sp.pem"), NULL);
    CHECK_EQ_STR(fetch_url_precheck("http://certs.example.com/sp.pem"), "not-https");
    CHECK_EQ_STR(fetch_url_precheck("ftp://certs.example.com/sp.pem"), "not-https");
    CHECK_EQ_STR(fetch_url_precheck("file:///etc/passwd"), "not-https");
    CHECK_EQ_STR(fetch_url_precheck(""), "not-https");
    CHECK_EQ_STR(fetch_url_precheck("garbage"), "not-https");
    CHECK_EQ_STR(fetch_url_precheck(" https://certs.example.com/"), "not-https");
    CHECK_EQ_STR(fetch_url_precheck("https://"), "bad-url");
    CHECK_EQ_STR(fetch_url_precheck("https://[::1/sp.pem"), "bad-url");
    CHECK_EQ_STR(fetch_url_precheck("https://host:99999/sp.pem"), "bad-url");
    CHECK_EQ_STR(fetch_url_precheck("https://exa mple.com/sp.pem"), "bad-url");
}

void test_verify(void)
{
    RUN(vf_orig);
    RUN(vf_dest);
    RUN(vf_div);
    RUN(vf_tnauth);
    RUN(vf_stale);
    RUN(vf_sip_codes);
    RUN(vf_private_addr);
    RUN(vf_url_precheck);
}
