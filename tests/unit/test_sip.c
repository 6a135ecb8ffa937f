/* summary: tests for decoders/sip — start lines, header names, folding, Content-Length framing. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decoders/sip.h"
#include "tests/unit/harness.h"

static const char invite[] =
    "INVITE sip:+12025550102@example.com;user=phone SIP/2.0\r\n"
    "Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK776asdhds\r\n"
    "Max-Forwards: 70\r\n"
    "From: \"Alice\" <sip:+12025550101@example.com;user=phone>;tag=1928301774\r\n"
    "To: <sip:+12025550102@example.com;user=phone>\r\n"
    "Call-ID: a84b4c76e66710@pc33.example.com\r\n"
    "CSeq: 314159 INVITE\r\n"
    "Contact: <sip:alice@10.0.0.1>\r\n"
    "Content-Type: application/sdp\r\n"
    "Content-Length: 4\r\n"
    "\r\n"
    "v=0\n";

static enum sip_status parse(const char *s, bool stream, struct sip_msg *m)
{
    return sip_parse((const uint8_t *)s, strlen(s), stream, m);
}

static struct sip_msg msg; /* large: keep it off the stack */

static void sip_request_line(void)
{
    for (int stream = 0; stream <= 1; stream++) {
        if (!CHECK_EQ_INT(parse(invite, stream, &msg), SIP_OK))
            continue;
        CHECK(msg.is_request);
        CHECK_SLICE_STR(msg.method, "INVITE");
        CHECK_SLICE_STR(msg.ruri, "sip:+12025550102@example.com;user=phone");
        CHECK_EQ_INT(msg.nhdrs, 9);
        CHECK_EQ_INT(msg.hdrs_dropped, 0);
        CHECK_SLICE_STR(msg.body, "v=0\n");
        CHECK_EQ_INT(msg.len, strlen(invite));
        CHECK(!msg.body_truncated);
        CHECK(!msg.no_content_length);
        CHECK_EQ_INT(msg.hdrs[0].id, SH_VIA);
        CHECK_SLICE_STR(msg.hdrs[0].name, "Via");
        CHECK_SLICE_STR(msg.hdrs[0].value, "SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK776asdhds");
        CHECK_EQ_INT(msg.hdrs[1].id, SH_OTHER);
        CHECK_EQ_INT(msg.hdrs[2].id, SH_FROM);
        CHECK_EQ_INT(msg.hdrs[3].id, SH_TO);
        CHECK_EQ_INT(msg.hdrs[4].id, SH_CALL_ID);
        CHECK_EQ_INT(msg.hdrs[5].id, SH_CSEQ);
        CHECK_EQ_INT(msg.hdrs[6].id, SH_CONTACT);
        CHECK_EQ_INT(msg.hdrs[7].id, SH_CONTENT_TYPE);
        CHECK_EQ_INT(msg.hdrs[8].id, SH_CONTENT_LENGTH);
        const struct sip_hdr *h = sip_find(&msg, SH_CALL_ID);
        if (CHECK(h != NULL))
            CHECK_SLICE_STR(h->value, "a84b4c76e66710@pc33.example.com");
        CHECK(sip_find(&msg, SH_IDENTITY) == NULL);
    }
    /* Other methods and URI schemes. */
    CHECK_EQ_INT(parse("OPTIONS tel:+12025550101 SIP/2.0\r\n\r\n", false, &msg), SIP_OK);
    CHECK_SLICE_STR(msg.method, "OPTIONS");
    CHECK_SLICE_STR(msg.ruri, "tel:+12025550101");
    CHECK_EQ_INT(parse("INVITE urn:service:sos SIP/2.0\r\n\r\n", false, &msg), SIP_OK);
    CHECK_EQ_INT(parse("invite sip:a@b sip/2.0\r\n\r\n", false, &msg), SIP_OK); /* version is case-insensitive */

    static const char *const bad[] = {
        "INVITE  sip:a@b SIP/2.0\r\n\r\n",     /* two spaces */
        "INVITE sip:a@b SIP/3.0\r\n\r\n",      /* version */
        "INVITE sip:a@b\r\n\r\n",              /* no version */
        "INVITE nocolon SIP/2.0\r\n\r\n",      /* URI without scheme */
        "INVITE :x SIP/2.0\r\n\r\n",           /* empty scheme */
        "IN(VITE sip:a@b SIP/2.0\r\n\r\n",     /* method not a token */
        " INVITE sip:a@b SIP/2.0\r\n\r\n",     /* leading space */
        "GET / HTTP/1.1\r\nHost: x\r\n\r\n",
        "HTTP/1.1 200 OK\r\n\r\n",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        th_check(parse(bad[i], false, &msg) == SIP_NOT_SIP, __FILE__, __LINE__, "NOT_SIP for bad[%zu]", i);
}

static void sip_status_line(void)
{
    CHECK_EQ_INT(parse("SIP/2.0 180 Ringing\r\nCall-ID: x\r\nContent-Length: 0\r\n\r\n", true, &msg), SIP_OK);
    CHECK(!msg.is_request);
    CHECK_EQ_INT(msg.status, 180);
    CHECK_SLICE_STR(msg.reason, "Ringing");
    CHECK_EQ_INT(msg.method.n, 0);

    CHECK_EQ_INT(parse("SIP/2.0 486 Busy Here\r\n\r\n", false, &msg), SIP_OK);
    CHECK_EQ_INT(msg.status, 486);
    CHECK_SLICE_STR(msg.reason, "Busy Here");

    CHECK_EQ_INT(parse("SIP/2.0 100\r\n\r\n", false, &msg), SIP_OK); /* empty reason */
    CHECK_EQ_INT(msg.status, 100);
    CHECK_EQ_INT(msg.reason.n, 0);

    CHECK_EQ_INT(parse("SIP/2.0 699 x\r\n\r\n", false, &msg), SIP_OK);
    CHECK_EQ_INT(parse("SIP/2.0 099 x\r\n\r\n", false, &msg), SIP_NOT_SIP);
    CHECK_EQ_INT(parse("SIP/2.0 700 x\r\n\r\n", false, &msg), SIP_NOT_SIP);
    CHECK_EQ_INT(parse("SIP/2.0 20 OK\r\n\r\n", false, &msg), SIP_NOT_SIP);
    CHECK_EQ_INT(parse("SIP/2.0 200OK\r\n\r\n", false, &msg), SIP_NOT_SIP);
    CHECK_EQ_INT(parse("SIP/2.0  200 OK\r\n\r\n", false, &msg), SIP_NOT_SIP);
}

static void sip_compact_and_case(void)
{
    static const char m[] =
        "MESSAGE sip:b@h SIP/2.0\r\n"
        "i: cid-1\r\n"
        "f: <sip:a@h>;tag=1\r\n"
        "t: <sip:b@h>\r\n"
        "m: <sip:a@1.2.3.4>\r\n"
        "v: SIP/2.0/TCP 1.2.3.4;branch=z9hG4bKx\r\n"
        "c: text/plain\r\n"
        "y: TOKEN;info=<https://x>\r\n"
        "cseq: 2 MESSAGE\r\n"
        "IDENTITY: T2;info=<https://y>\r\n"
        "x-identity: T3\r\n"
        "p-asserted-identity: <tel:+1>\r\n"
        "DATE: Sat, 13 Nov 2010 23:29:00 GMT\r\n"
        "reason: SIP;cause=200\r\n"
        "l: 2\r\n"
        "\r\n"
        "hi";
    if (!CHECK_EQ_INT(parse(m, true, &msg), SIP_OK))
        return;
    static const enum sip_hdr_id want[] = { SH_CALL_ID, SH_FROM,      SH_TO,       SH_CONTACT, SH_VIA,
                                            SH_CONTENT_TYPE, SH_IDENTITY_Y, SH_CSEQ, SH_IDENTITY,
                                            SH_X_IDENTITY, SH_PAI, SH_DATE, SH_REASON,
                                            SH_CONTENT_LENGTH };
    if (!CHECK_EQ_INT(msg.nhdrs, sizeof want / sizeof want[0]))
        return;
    for (size_t i = 0; i < msg.nhdrs; i++)
        th_check(msg.hdrs[i].id == want[i], __FILE__, __LINE__, "header %zu id %d, want %d", i,
                 (int)msg.hdrs[i].id, (int)want[i]);
    CHECK_SLICE_STR(msg.body, "hi");
    CHECK_SLICE_STR(msg.hdrs[0].name, "i"); /* names are kept as on the wire */
    CHECK_SLICE_STR(msg.hdrs[0].value, "cid-1");

    /* Mixed case of full names. */
    CHECK_EQ_INT(parse("BYE sip:a@b SIP/2.0\r\ncALL-iD: z\r\ncOnTeNt-LeNgTh: 0\r\n\r\n", true, &msg), SIP_OK);
    CHECK_EQ_INT(msg.hdrs[0].id, SH_CALL_ID);
    CHECK_EQ_INT(msg.hdrs[1].id, SH_CONTENT_LENGTH);
    /* Unknown single letters are not known headers. */
    CHECK_EQ_INT(parse("BYE sip:a@b SIP/2.0\r\nk: x\r\nY: z\r\n\r\n", false, &msg), SIP_OK);
    CHECK_EQ_INT(msg.hdrs[0].id, SH_OTHER);
    CHECK_EQ_INT(msg.hdrs[1].id, SH_IDENTITY_Y);

    CHECK_EQ_STR(sip_hdr_name(SH_IDENTITY), "Identity");
    CHECK_EQ_STR(sip_hdr_name(SH_IDENTITY_Y), "y");
    CHECK_EQ_STR(sip_hdr_name(SH_X_IDENTITY), "X-Identity");
    CHECK_EQ_STR(sip_hdr_name(SH_CALL_ID), "Call-ID");
    CHECK_EQ_STR(sip_hdr_name(SH_OTHER), "");
}

static void sip_values(void)
{
    static const char m[] =
        "INVITE sip:a@b SIP/2.0\r\n"
        "Subject: first\r\n"
        "   second\r\n"
        "\tthird\r\n"
        "Via: SIP/2.0/UDP a;branch=1, SIP/2.0/UDP b;branch=2\r\n"
        "Call-ID  :   spaced   \r\n"
        "Empty:\r\n"
        "Content-Length: 0\r\n"
        "\r\n";
    if (!CHECK_EQ_INT(parse(m, true, &msg), SIP_OK))
        return;
    CHECK_EQ_INT(msg.nhdrs, 5);
    /* Folding keeps CRLF+WSP inside the value; the outer white space is trimmed. */
    CHECK_SLICE_STR(msg.hdrs[0].value, "first\r\n   second\r\n\tthird");
    CHECK_SLICE_STR(msg.hdrs[1].value, "SIP/2.0/UDP a;branch=1, SIP/2.0/UDP b;branch=2");
    CHECK_SLICE_STR(msg.hdrs[2].name, "Call-ID");
    CHECK_SLICE_STR(msg.hdrs[2].value, "spaced");
    CHECK_EQ_INT(msg.hdrs[2].id, SH_CALL_ID);
    CHECK_SLICE_STR(msg.hdrs[3].name, "Empty");
    CHECK_EQ_INT(msg.hdrs[3].value.n, 0);

    /* A continuation line before any header cannot be attached to anything. */
    CHECK_EQ_INT(parse("INVITE sip:a@b SIP/2.0\r\n folded\r\n\r\n", false, &msg), SIP_MALFORMED);
}

static void sip_stream_framing(void)
{
    size_t n = strlen(invite);
    /* Every strict prefix (partial start line, partial headers, partial body) needs more. */
    int need_more = 0;
    for (size_t k = 1; k < n; k++)
        need_more += sip_parse((const uint8_t *)invite, k, true, &msg) == SIP_NEED_MORE;
    CHECK_EQ_INT(need_more, n - 1);
    CHECK_EQ_INT(sip_parse((const uint8_t *)invite, n - 2, true, &msg), SIP_NEED_MORE); /* body 2/4 */
    CHECK_EQ_INT(sip_parse((const uint8_t *)invite, n - 6, true, &msg), SIP_NEED_MORE); /* blank line cut */
    CHECK_EQ_INT(sip_parse((const uint8_t *)invite, 40, true, &msg), SIP_NEED_MORE);

    /* Two messages back to back: the first ends exactly where the second starts. */
    static const char second[] = "SIP/2.0 200 OK\r\nCall-ID: x\r\nl: 3\r\n\r\nabc";
    char buf[2048];
    snprintf(buf, sizeof buf, "%s%s", invite, second);
    if (CHECK_EQ_INT(parse(buf, true, &msg), SIP_OK)) {
        CHECK_EQ_INT(msg.len, n);
        CHECK_SLICE_STR(msg.body, "v=0\n");
        CHECK_EQ_INT(parse(buf + msg.len, true, &msg), SIP_OK);
        CHECK_EQ_INT(msg.status, 200);
        CHECK_SLICE_STR(msg.body, "abc");
        CHECK_EQ_INT(msg.len, strlen(second));
    }

    /* Stream mode without Content-Length: no body. */
    static const char nocl[] = "ACK sip:a@b SIP/2.0\r\nCall-ID: y\r\n\r\nSIP/2.0 100 Trying\r\n";
    CHECK_EQ_INT(parse(nocl, true, &msg), SIP_OK);
    CHECK_EQ_INT(msg.body.n, 0);
    CHECK(msg.no_content_length);
    CHECK_EQ_INT(msg.len, strlen("ACK sip:a@b SIP/2.0\r\nCall-ID: y\r\n\r\n"));

    /* A partial start line of plausible text waits; bytes that are not text do not. */
    CHECK_EQ_INT(parse("INVITE sip:a@b SIP/2", true, &msg), SIP_NEED_MORE);
    CHECK_EQ_INT(parse("\x16\x03\x01\x02\x00", true, &msg), SIP_NOT_SIP);
}

static void sip_datagram_bodies(void)
{
    /* Body shorter than Content-Length: kept and flagged. */
    static const char shortb[] = "MESSAGE sip:a@b SIP/2.0\r\nContent-Length: 10\r\n\r\nabc";
    CHECK_EQ_INT(parse(shortb, false, &msg), SIP_OK);
    CHECK(msg.body_truncated);
    CHECK_SLICE_STR(msg.body, "abc");
    CHECK_EQ_INT(msg.len, strlen(shortb));
    CHECK_EQ_INT(parse(shortb, true, &msg), SIP_NEED_MORE);

    /* No Content-Length: the body runs to the end of the datagram. */
    static const char nocl[] = "MESSAGE sip:a@b SIP/2.0\r\nCall-ID: q\r\n\r\nhello world";
    CHECK_EQ_INT(parse(nocl, false, &msg), SIP_OK);
    CHECK(msg.no_content_length);
    CHECK(!msg.body_truncated);
    CHECK_SLICE_STR(msg.body, "hello world");
    CHECK_EQ_INT(msg.len, strlen(nocl));

    /* Content-Length shorter than the datagram: extra bytes are not body. */
    static const char extra[] = "MESSAGE sip:a@b SIP/2.0\r\nl: 2\r\n\r\nhello";
    CHECK_EQ_INT(parse(extra, false, &msg), SIP_OK);
    CHECK_SLICE_STR(msg.body, "he");
    CHECK_EQ_INT(msg.len, strlen(extra) - 3);

    /* Headers not closed by an empty line: what is there is kept. */
    static const char open[] = "OPTIONS sip:a@b SIP/2.0\r\nCall-ID: x\r\nCSeq: 1 OPTIONS";
    CHECK_EQ_INT(parse(open, false, &msg), SIP_OK);
    CHECK_EQ_INT(msg.nhdrs, 2);
    CHECK_SLICE_STR(msg.hdrs[1].value, "1 OPTIONS");
    CHECK_EQ_INT(msg.len, strlen(open));
    CHECK_EQ_INT(parse(open, true, &msg), SIP_NEED_MORE);
}

static void sip_malformed(void)
{
    /* Conflicting duplicate Content-Length: a smuggling attempt. */
    CHECK_EQ_INT(parse("INVITE sip:a@b SIP/2.0\r\nContent-Length: 3\r\nl: 5\r\n\r\nabcde", false, &msg),
                 SIP_MALFORMED);
    CHECK_EQ_INT(parse("INVITE sip:a@b SIP/2.0\r\nContent-Length: 3\r\nl: 5\r\n\r\nabcde", true, &msg),
                 SIP_MALFORMED);
    /* Agreeing duplicates are fine. */
    CHECK_EQ_INT(parse("INVITE sip:a@b SIP/2.0\r\nContent-Length: 3\r\nl: 3\r\n\r\nabc", true, &msg), SIP_OK);
    CHECK_SLICE_STR(msg.body, "abc");

    CHECK_EQ_INT(parse("INVITE sip:a@b SIP/2.0\r\nContent-Length: x\r\n\r\n", false, &msg), SIP_MALFORMED);
    CHECK_EQ_INT(parse("INVITE sip:a@b SIP/2.0\r\nContent-Length: -1\r\n\r\n", false, &msg), SIP_MALFORMED);
    CHECK_EQ_INT(parse("INVITE sip:a@b SIP/2.0\r\nContent-Length: 99999999999\r\n\r\n", false, &msg),
                 SIP_MALFORMED);
    CHECK_EQ_INT(parse("INVITE sip:a@b SIP/2.0\r\nContent-Length:\r\n\r\n", false, &msg), SIP_MALFORMED);

    CHECK_EQ_INT(parse("INVITE sip:a@b SIP/2.0\r\nno colon here\r\n\r\n", false, &msg), SIP_MALFORMED);
    CHECK_EQ_INT(parse("INVITE sip:a@b SIP/2.0\r\nno colon here\r\n\r\n", true, &msg), SIP_MALFORMED);
    CHECK_EQ_INT(parse("INVITE sip:a@b SIP/2.0\r\n: empty name\r\n\r\n", false, &msg), SIP_MALFORMED);
    CHECK_EQ_INT(parse("INVITE sip:a@b SIP/2.0\r\nBad Name: x\r\n\r\n", false, &msg), SIP_MALFORMED);
    CHECK_EQ_INT(parse("INVITE sip:a@b SIP/2.0\r\nBad<Name>: x\r\n\r\n", false, &msg), SIP_MALFORMED);
}

static void sip_not_sip(void)
{
    static const uint8_t junk[] = { 0x00, 0x01, 0x02, 0xff, 0xfe, '\n', 0x80, 0x90 };
    CHECK_EQ_INT(sip_parse(junk, sizeof junk, false, &msg), SIP_NOT_SIP);
    CHECK_EQ_INT(sip_parse(junk, sizeof junk, true, &msg), SIP_NOT_SIP);
    CHECK_EQ_INT(sip_parse(junk, 3, false, &msg), SIP_NOT_SIP); /* no line end at all */
    CHECK_EQ_INT(sip_parse(junk, 3, true, &msg), SIP_NOT_SIP);
    /* RTP-looking datagram. */
    static const uint8_t rtp[] = { 0x80, 0x00, 0x12, 0x34, 0, 0, 0, 1, 0xde, 0xad, 0xbe, 0xef, '\r', '\n' };
    CHECK_EQ_INT(sip_parse(rtp, sizeof rtp, false, &msg), SIP_NOT_SIP);
    CHECK_EQ_INT(sip_parse((const uint8_t *)"", 0, false, &msg), SIP_NOT_SIP);
    CHECK_EQ_INT(sip_parse((const uint8_t *)"", 0, true, &msg), SIP_NEED_MORE);
    CHECK_EQ_INT(parse("\r\n\r\n", false, &msg), SIP_NOT_SIP);
}

static void sip_too_many_headers(void)
{
    size_t cap = 16384, n = 0;
    char *buf = malloc(cap);
    if (!CHECK(buf != NULL))
        return;
    n += (size_t)snprintf(buf + n, cap - n, "INVITE sip:a@b SIP/2.0\r\nCall-ID: many\r\n");
    for (int i = 0; i < SIP_MAX_HEADERS + 5; i++)
        n += (size_t)snprintf(buf + n, cap - n, "X-H%d: %d\r\n", i, i);
    n += (size_t)snprintf(buf + n, cap - n, "Content-Length: 2\r\n\r\nok");
    if (CHECK_EQ_INT(sip_parse((const uint8_t *)buf, n, true, &msg), SIP_OK)) {
        CHECK_EQ_INT(msg.nhdrs, SIP_MAX_HEADERS);
        /* Call-ID + (MAX+5) X-H + Content-Length; MAX kept */
        CHECK_EQ_INT(msg.hdrs_dropped, 1 + (SIP_MAX_HEADERS + 5) + 1 - SIP_MAX_HEADERS);
        CHECK_SLICE_STR(msg.hdrs[0].value, "many");
        /* Content-Length still frames the message even when its header is not indexed. */
        CHECK_SLICE_STR(msg.body, "ok");
        CHECK(!msg.no_content_length);
        CHECK_EQ_INT(msg.len, n);
    }
    free(buf);
}

static void sip_find_start_cases(void)
{
    static const char s[] = "garbage line\r\nmore junk INVITE sip:a@b SIP/2.0\r\n"
                            "INVITE sip:a@b SIP/2.0\r\nCall-ID: x\r\n\r\n";
    size_t want = strlen("garbage line\r\nmore junk INVITE sip:a@b SIP/2.0\r\n");
    CHECK_EQ_INT(sip_find_start((const uint8_t *)s, strlen(s)), want);
    CHECK_EQ_INT(sip_find_start((const uint8_t *)invite, strlen(invite)), 0);
    /* Tail of a body, then a status line. */
    static const char t[] = "a=rtpmap:0 PCMU/8000\r\n\r\nSIP/2.0 200 OK\r\n";
    CHECK_EQ_INT(sip_find_start((const uint8_t *)t, strlen(t)), strlen("a=rtpmap:0 PCMU/8000\r\n\r\n"));
    static const char none[] = "no sip here\nnor here\nINVITE sip:a@b SIP/2.0"; /* last line incomplete */
    CHECK_EQ_INT(sip_find_start((const uint8_t *)none, strlen(none)), strlen(none));
    CHECK_EQ_INT(sip_find_start((const uint8_t *)"", 0), 0);

    CHECK(sip_is_start_line((const uint8_t *)"OPTIONS sip:x SIP/2.0\r\n", 23));
    CHECK(sip_is_start_line((const uint8_t *)"SIP/2.0 200 OK\n", 15));
    CHECK(!sip_is_start_line((const uint8_t *)"OPTIONS sip:x SIP/2.0", 21)); /* whole line needed */
    CHECK(!sip_is_start_line((const uint8_t *)"HTTP/1.1 200 OK\r\n", 17));
}

static void sip_bare_lf(void)
{
    static const char m[] = "BYE sip:a@b SIP/2.0\nCall-ID: lf-only\nSubject: x\n y\nContent-Length: 3\n\nabc";
    for (int stream = 0; stream <= 1; stream++) {
        if (!CHECK_EQ_INT(parse(m, stream, &msg), SIP_OK))
            continue;
        CHECK_SLICE_STR(msg.method, "BYE");
        CHECK_EQ_INT(msg.nhdrs, 3);
        CHECK_SLICE_STR(msg.hdrs[0].value, "lf-only");
        CHECK_SLICE_STR(msg.hdrs[1].value, "x\n y");
        CHECK_SLICE_STR(msg.body, "abc");
        CHECK_EQ_INT(msg.len, strlen(m));
    }
}

void test_sip(void)
{
    RUN(sip_request_line);
    RUN(sip_status_line);
    RUN(sip_compact_and_case);
    RUN(sip_values);
    RUN(sip_stream_framing);
    RUN(sip_datagram_bodies);
    RUN(sip_malformed);
    RUN(sip_not_sip);
    RUN(sip_too_many_headers);
    RUN(sip_find_start_cases);
    RUN(sip_bare_lf);
}
