/* summary: tests for decoders/sip_fields — CSeq, Via branch, name-addr lists, TNs, verstat. */
#include <string.h>

#include "decoders/sip_fields.h"
#include "tests/unit/harness.h"

static void fields_cseq(void)
{
    uint32_t n = 0;
    struct slice m = SLICE_NULL;
    CHECK(sip_cseq(slice_cstr("314159 INVITE"), &n, &m));
    CHECK_EQ_INT(n, 314159);
    CHECK_SLICE_STR(m, "INVITE");
    CHECK(sip_cseq(slice_cstr("  1   ACK \r\n"), &n, &m));
    CHECK_EQ_INT(n, 1);
    CHECK_SLICE_STR(m, "ACK");
    CHECK(sip_cseq(slice_cstr("4294967295 BYE"), &n, &m));
    CHECK_EQ_INT(n, 4294967295u);

    n = 9;
    CHECK(!sip_cseq(slice_cstr("4294967296 BYE"), &n, &m));
    CHECK(!sip_cseq(slice_cstr("INVITE"), &n, &m));
    CHECK(!sip_cseq(slice_cstr("123"), &n, &m));
    CHECK(!sip_cseq(slice_cstr("123   "), &n, &m));
    CHECK(!sip_cseq(SLICE_NULL, &n, &m));
    CHECK_EQ_INT(n, 9); /* untouched on failure */
}

static void fields_via_branch(void)
{
    CHECK_SLICE_STR(sip_via_branch(slice_cstr("SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK776;rport")), "z9hG4bK776");
    CHECK_SLICE_STR(sip_via_branch(slice_cstr("SIP/2.0/TCP h;rport=5;received=1.2.3.4;branch=abc")), "abc");
    CHECK_SLICE_STR(sip_via_branch(slice_cstr("SIP/2.0/UDP h ; branch = spaced ;x")), "spaced");
    CHECK_SLICE_STR(sip_via_branch(slice_cstr("SIP/2.0/UDP h;BRANCH=Upper")), "Upper");
    /* Only the first Via of a comma-joined value. */
    CHECK_SLICE_STR(sip_via_branch(slice_cstr("SIP/2.0/UDP a;branch=one, SIP/2.0/UDP b;branch=two")), "one");
    CHECK_EQ_INT(sip_via_branch(slice_cstr("SIP/2.0/UDP a;rport, SIP/2.0/UDP b;branch=two")).n, 0);
    CHECK_EQ_INT(sip_via_branch(slice_cstr("SIP/2.0/UDP a;branchx=1")).n, 0);
    CHECK_EQ_INT(sip_via_branch(slice_cstr("SIP/2.0/UDP a")).n, 0);
    CHECK_EQ_INT(sip_via_branch(slice_make("", 0)).n, 0);
}

static void fields_addr_next(void)
{
    struct slice v = slice_cstr("\"Doe, John\" <sip:+1-202-555-0101@x;user=phone>;tag=1, <tel:+12025550102>");
    struct slice uri, params, rest;
    if (!CHECK(sip_addr_next(v, &uri, &params, &rest)))
        return;
    CHECK_SLICE_STR(uri, "sip:+1-202-555-0101@x;user=phone");
    CHECK_SLICE_STR(params, ";tag=1");
    CHECK_SLICE_STR(slice_trim(rest), "<tel:+12025550102>");
    if (!CHECK(sip_addr_next(rest, &uri, &params, &rest)))
        return;
    CHECK_SLICE_STR(uri, "tel:+12025550102");
    CHECK_EQ_INT(params.n, 0);
    CHECK_EQ_INT(rest.n, 0);

    /* addr-spec without brackets: parameters after ';' are header parameters. */
    CHECK(sip_addr_next(slice_cstr("sip:bob@h;tag=5"), &uri, &params, &rest));
    CHECK_SLICE_STR(uri, "sip:bob@h");
    CHECK_SLICE_STR(params, ";tag=5");

    /* Quoted display name holding '<' and an escaped quote. */
    CHECK(sip_addr_next(slice_cstr("\"a<b \\\" c\" <sip:c@d>"), &uri, &params, &rest));
    CHECK_SLICE_STR(uri, "sip:c@d");

    /* Quoted header parameter holding a comma does not split. */
    CHECK(sip_addr_next(slice_cstr("<sip:a@b>;x=\"1,2\", <sip:c@d>"), &uri, &params, &rest));
    CHECK_SLICE_STR(params, ";x=\"1,2\"");
    CHECK_SLICE_STR(slice_trim(rest), "<sip:c@d>");

    CHECK(!sip_addr_next(slice_cstr("Alice"), &uri, &params, &rest));
    CHECK(!sip_addr_next(slice_cstr("<sip:unterminated@x"), &uri, &params, &rest));
    CHECK(!sip_addr_next(slice_cstr("<>"), &uri, &params, &rest));
    CHECK(!sip_addr_next(slice_make("", 0), &uri, &params, &rest));
}

static void fields_tn_canon(void)
{
    char out[TN_MAX];
    CHECK_EQ_INT(tn_canon(slice_cstr("+1 (202) 555-0101"), out, sizeof out), 11);
    CHECK_EQ_STR(out, "12025550101");
    CHECK_EQ_INT(tn_canon(slice_cstr("+1.202.555.0101"), out, sizeof out), 11);
    CHECK_EQ_STR(out, "12025550101");
    CHECK_EQ_INT(tn_canon(slice_cstr("2025550101"), out, sizeof out), 10);
    CHECK_EQ_STR(out, "2025550101");
    CHECK_EQ_INT(tn_canon(slice_cstr("Alice"), out, sizeof out), 0);
    CHECK_EQ_INT(tn_canon(slice_cstr("+"), out, sizeof out), 0);
    CHECK_EQ_INT(tn_canon(slice_cstr("12+3"), out, sizeof out), 0);
    CHECK_EQ_INT(tn_canon(slice_cstr("++1"), out, sizeof out), 0);
    CHECK_EQ_INT(tn_canon(slice_cstr("1-800-FLOWERS"), out, sizeof out), 0);
    CHECK_EQ_INT(tn_canon(slice_cstr(""), out, sizeof out), 0);
    CHECK_EQ_INT(tn_canon(slice_cstr("--"), out, sizeof out), 0);
    /* cap counts the NUL. */
    CHECK_EQ_INT(tn_canon(slice_cstr("12345"), out, 5), 0);
    CHECK_EQ_INT(tn_canon(slice_cstr("12345"), out, 6), 5);
    CHECK_EQ_STR(out, "12345");
}

static size_t uri_tn(const char *uri, char *out)
{
    out[0] = 'X', out[1] = '\0';
    return sip_uri_tn(slice_cstr(uri), out, TN_MAX);
}

static void fields_uri_tn(void)
{
    char out[TN_MAX];
    CHECK_EQ_INT(uri_tn("tel:+1-202-555-0101;npdi", out), 11);
    CHECK_EQ_STR(out, "12025550101");
    CHECK_EQ_INT(uri_tn("sip:+12025550101;verstat=TN-Validation-Passed@h;user=phone", out), 11);
    CHECK_EQ_STR(out, "12025550101");
    CHECK_EQ_INT(uri_tn("sips:2025550101@h", out), 10);
    CHECK_EQ_STR(out, "2025550101");
    CHECK_EQ_INT(uri_tn("sip:%2B12025550101@h", out), 11);
    CHECK_EQ_STR(out, "12025550101");
    CHECK_EQ_INT(uri_tn("sip:%2b1202@h", out), 4);
    CHECK_EQ_STR(out, "1202");
    CHECK_EQ_INT(uri_tn("SIP:+1-202-555-0101@example.com;user=phone", out), 11);
    CHECK_EQ_STR(out, "12025550101");
    CHECK_EQ_INT(uri_tn("TEL:+12025550101;phone-context=example.com", out), 11);
    CHECK_EQ_INT(uri_tn("sip:+1-(215)-555-1212@example.com;user=phone", out), 11);
    CHECK_EQ_STR(out, "12155551212");

    CHECK_EQ_INT(uri_tn("sip:alice@h", out), 0);
    CHECK_EQ_INT(uri_tn("sip:h", out), 0);
    CHECK_EQ_INT(uri_tn("sip:h;user=phone", out), 0);
    CHECK_EQ_INT(uri_tn("urn:service:sos", out), 0);
    CHECK_EQ_INT(uri_tn("mailto:+1@h", out), 0);
    CHECK_EQ_INT(uri_tn("tel:", out), 0);
    CHECK_EQ_INT(uri_tn("no-scheme", out), 0);
    CHECK_EQ_INT(uri_tn("sip:%2@h", out), 0);  /* bad escape stays '%' */
    CHECK_EQ_INT(uri_tn("sip:%2G1@h", out), 0);
    CHECK_EQ_INT(uri_tn("sip:@h", out), 0);
    /* A user part longer than any TN. */
    CHECK_EQ_INT(uri_tn("sip:1234567890123456789012345678901234567890@h", out), 0);
}

static void fields_verstat(void)
{
    struct slice vs;
    CHECK(sip_verstat(slice_cstr("<sip:+15551234567;verstat=TN-Validation-Passed@host;user=phone>;tag=x"), &vs));
    CHECK_SLICE_STR(vs, "TN-Validation-Passed");
    CHECK(sip_verstat(slice_cstr("<sip:+18885550100@sip.telnyx.com;verstat=TN-Validation-Passed-A>"), &vs));
    CHECK_SLICE_STR(vs, "TN-Validation-Passed-A");
    CHECK(sip_verstat(slice_cstr("\"Bob\" <sip:+12025550101@h>;tag=9;verstat=No-TN-Validation"), &vs));
    CHECK_SLICE_STR(vs, "No-TN-Validation");
    CHECK(sip_verstat(slice_cstr("<tel:+12025550101;verstat=TN-Validation-Failed>"), &vs));
    CHECK_SLICE_STR(vs, "TN-Validation-Failed");
    CHECK(sip_verstat(slice_cstr("<sip:+1@h;VERSTAT=TN-Validation-Passed;user=phone>"), &vs));
    CHECK_SLICE_STR(vs, "TN-Validation-Passed");

    CHECK(!sip_verstat(slice_cstr("<sip:+12025550101@h;user=phone>;tag=1"), &vs));
    CHECK(!sip_verstat(slice_cstr("<sip:+1@h;verstat=>"), &vs));
    CHECK(!sip_verstat(slice_cstr("<sip:+1@h;xverstat=a>"), &vs));
    CHECK(!sip_verstat(slice_cstr("<sip:+1@h;verstatus=a>"), &vs));
    CHECK(!sip_verstat(slice_cstr(";verstat"), &vs));
    CHECK(!sip_verstat(SLICE_NULL, &vs));
}

static void fields_reason(void)
{
    struct sip_reason r;
    struct slice rest;
    struct slice v = slice_cstr("STIR ;cause=436 ;text=\"Bad, \\\"Identity\\\" Info\", Q.850;cause=16, SIP;cause=abc");
    CHECK(sip_reason_next(v, &r, &rest));
    CHECK_SLICE_STR(r.protocol, "STIR");
    CHECK_EQ_INT(r.cause, 436);
    CHECK_SLICE_STR(r.text, "Bad, \\\"Identity\\\" Info");
    CHECK(sip_reason_next(rest, &r, &rest));
    CHECK_SLICE_STR(r.protocol, "Q.850");
    CHECK_EQ_INT(r.cause, 16);
    CHECK(r.text.p == NULL);
    CHECK(sip_reason_next(rest, &r, &rest));
    CHECK_SLICE_STR(r.protocol, "SIP");
    CHECK_EQ_INT(r.cause, -1); /* not a number */
    CHECK_EQ_INT(rest.n, 0);

    CHECK(sip_reason_next(slice_cstr("SIP;cause=438;text=\"Invalid Identity Header\""), &r, &rest));
    CHECK_EQ_INT(r.cause, 438);
    CHECK_SLICE_STR(r.text, "Invalid Identity Header");
    CHECK(sip_reason_next(slice_cstr("STIR;cause=4380000000000"), &r, &rest));
    CHECK_EQ_INT(r.cause, -1);
    CHECK(sip_reason_next(slice_cstr("STIR;text=\"never closed, cause=437"), &r, &rest));
    CHECK_EQ_INT(r.cause, -1);
    CHECK_EQ_INT(rest.n, 0);
    CHECK(!sip_reason_next(slice_cstr(" ;cause=436"), &r, &rest));
    CHECK(!sip_reason_next(SLICE_NULL, &r, &rest));
}

void test_sip_fields(void)
{
    RUN(fields_cseq);
    RUN(fields_via_branch);
    RUN(fields_addr_next);
    RUN(fields_tn_canon);
    RUN(fields_uri_tn);
    RUN(fields_verstat);
    RUN(fields_reason);
}
