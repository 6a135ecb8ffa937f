/* summary: tests for decoders/identity — splitting Identity values and reading their parameters. */
#include <string.h>

#include "decoders/identity.h"
#include "tests/unit/harness.h"

static size_t parse(const char *s, struct ident_value *v, size_t cap, size_t *dropped)
{
    return ident_parse(slice_cstr(s), v, cap, dropped);
}

static void ident_one_value(void)
{
    static const char *const orders[] = {
        "eyJ.eyJ.sig;info=<https://cert.example.org/passport.cer>;alg=ES256;ppt=shaken",
        "eyJ.eyJ.sig;ppt=shaken;alg=ES256;info=<https://cert.example.org/passport.cer>",
        "eyJ.eyJ.sig;alg=ES256;info=<https://cert.example.org/passport.cer>;ppt=shaken",
        "eyJ.eyJ.sig;INFO=<https://cert.example.org/passport.cer>;Alg=ES256;PPT=shaken",
    };
    for (size_t i = 0; i < sizeof orders / sizeof orders[0]; i++) {
        struct ident_value v[4];
        size_t dropped = 99;
        if (!th_check(parse(orders[i], v, 4, &dropped) == 1, __FILE__, __LINE__, "one value in orders[%zu]", i))
            continue;
        CHECK_EQ_INT(dropped, 0);
        CHECK_SLICE_STR(v[0].token, "eyJ.eyJ.sig");
        CHECK_SLICE_STR(v[0].info, "https://cert.example.org/passport.cer");
        CHECK_SLICE_STR(v[0].alg, "ES256");
        CHECK_SLICE_STR(v[0].ppt, "shaken");
        CHECK_EQ_INT(v[0].flags, 0);
    }
}

static void ident_unknown_params(void)
{
    struct ident_value v[2];
    size_t d;
    CHECK_EQ_INT(parse("T;foo=bar;info=<https://a/b>;flag;x=\"q;uo,ted\";ppt=shaken", v, 2, &d), 1);
    CHECK_SLICE_STR(v[0].token, "T");
    CHECK_SLICE_STR(v[0].info, "https://a/b");
    CHECK_SLICE_STR(v[0].ppt, "shaken");
    CHECK_EQ_INT(v[0].alg.n, 0);
    CHECK_EQ_INT(v[0].flags, 0);
}

static void ident_two_values(void)
{
    struct ident_value v[4];
    size_t d;
    const char *s = "T1;info=<https://a.example/x,y;z=1>;ppt=shaken, T2;info=<https://b.example/c>;ppt=div";
    if (!CHECK_EQ_INT(parse(s, v, 4, &d), 2))
        return;
    CHECK_SLICE_STR(v[0].token, "T1");
    CHECK_SLICE_STR(v[0].info, "https://a.example/x,y;z=1");
    CHECK_SLICE_STR(v[0].ppt, "shaken");
    CHECK_EQ_INT(v[0].flags, 0);
    CHECK_SLICE_STR(v[1].token, "T2");
    CHECK_SLICE_STR(v[1].info, "https://b.example/c");
    CHECK_SLICE_STR(v[1].ppt, "div");
    CHECK_EQ_INT(v[1].flags, 0);
    CHECK_EQ_INT(d, 0);

    /* Comma-joined with folding and empty list elements. */
    CHECK_EQ_INT(parse(" , A;info=<u1>,\r\n\t,B;info=<u2> ,", v, 4, &d), 2);
    CHECK_SLICE_STR(v[0].token, "A");
    CHECK_SLICE_STR(v[1].token, "B");
    CHECK_SLICE_STR(v[1].info, "u2");
}

static void ident_folded(void)
{
    struct ident_value v[2];
    size_t d;
    if (!CHECK_EQ_INT(parse("TOKEN\r\n ;info=<https://x.example/c.pem>\r\n\t;ppt=shaken", v, 2, &d), 1))
        return;
    CHECK_SLICE_STR(v[0].token, "TOKEN");
    CHECK_SLICE_STR(v[0].info, "https://x.example/c.pem");
    CHECK_SLICE_STR(v[0].ppt, "shaken");
    CHECK_EQ_INT(v[0].flags, 0);
}

static void ident_info_flags(void)
{
    struct ident_value v[2];
    size_t d;
    CHECK_EQ_INT(parse("T;alg=ES256;ppt=shaken", v, 2, &d), 1);
    CHECK(v[0].flags & IDENT_NO_INFO);
    CHECK_EQ_INT(v[0].info.n, 0);

    CHECK_EQ_INT(parse("T;info=https://x/c.pem;ppt=shaken", v, 2, &d), 1);
    CHECK(v[0].flags & IDENT_INFO_UNBRACKETED);
    CHECK(!(v[0].flags & IDENT_NO_INFO));
    CHECK_SLICE_STR(v[0].info, "https://x/c.pem");
    CHECK_SLICE_STR(v[0].ppt, "shaken");

    CHECK_EQ_INT(parse("T;info=<https://x/c.pem", v, 2, &d), 1);
    CHECK(v[0].flags & IDENT_BAD_PARAM);

    CHECK_EQ_INT(parse(";info=<https://x>", v, 2, &d), 1);
    CHECK(v[0].flags & IDENT_EMPTY_TOKEN);
    CHECK_EQ_INT(v[0].token.n, 0);

    CHECK_EQ_INT(parse("T;=x;info=<u>", v, 2, &d), 1);
    CHECK(v[0].flags & IDENT_BAD_PARAM);

    CHECK_EQ_INT(parse("T junk;info=<u>", v, 2, &d), 1);
    CHECK(v[0].flags & IDENT_BAD_PARAM);
    CHECK_SLICE_STR(v[0].token, "T");
    CHECK_SLICE_STR(v[0].info, "u");
}

static void ident_whitespace(void)
{
    struct ident_value v[2];
    size_t d;
    if (!CHECK_EQ_INT(parse("TOK ; info = <https://a/b> ;alg= ES256 ; ppt =\"shaken\" ", v, 2, &d), 1))
        return;
    CHECK_SLICE_STR(v[0].token, "TOK");
    CHECK_SLICE_STR(v[0].info, "https://a/b");
    CHECK_SLICE_STR(v[0].alg, "ES256");
    CHECK_SLICE_STR(v[0].ppt, "shaken"); /* quotes removed */
    CHECK_EQ_INT(v[0].flags, 0);

    /* Blanks inside the angle brackets are trimmed. */
    CHECK_EQ_INT(parse("T;info=< https://a/b >", v, 2, &d), 1);
    CHECK_SLICE_STR(v[0].info, "https://a/b");
}

static void ident_cap(void)
{
    struct ident_value v[2];
    size_t d = 0;
    CHECK_EQ_INT(parse("A;info=<1>, B;info=<2>, C;info=<3>, D;info=<4>", v, 2, &d), 2);
    CHECK_EQ_INT(d, 2);
    CHECK_SLICE_STR(v[1].token, "B");
    CHECK_EQ_INT(parse("A;info=<1>", v, 0, &d), 0);
    CHECK_EQ_INT(d, 1);
    CHECK_EQ_INT(parse("", v, 2, &d), 0);
    CHECK_EQ_INT(d, 0);
    CHECK_EQ_INT(parse(" \r\n ,, ", v, 2, &d), 0);
}

void test_identity(void)
{
    RUN(ident_one_value);
    RUN(ident_unknown_params);
    RUN(ident_two_values);
    RUN(ident_folded);
    RUN(ident_info_flags);
    RUN(ident_whitespace);
    RUN(ident_cap);
}
