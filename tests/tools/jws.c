/* summary: PASSporT building and ES256 JWS signing/verification for stirgen
 * (RFC 8225 §9 canonical JSON, RFC 7515 compact form, RFC 7518 §3.4 ES256),
 * plus the `sign` and `check` subcommands. */
#include "stirgen.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/pem.h>

EVP_PKEY *load_private_key(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        die("%s: %s", path, strerror(errno));
    EVP_PKEY *k = PEM_read_PrivateKey(f, NULL, NULL, NULL);
    fclose(f);
    if (!k)
        die_ssl("%s: not a PEM private key", path);
    /* ES256 means P-256 and nothing else (RFC 7518 §3.4); a wrong key would
     * give tokens that no conforming verifier accepts. */
    char group[64] = "";
    if (!EVP_PKEY_is_a(k, "EC") ||
        !EVP_PKEY_get_utf8_string_param(k, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group, NULL) ||
        strcmp(group, "prime256v1") != 0)
        die("%s: not a P-256 EC key (group '%s')", path, group);
    return k;
}

X509 *load_first_cert(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        die("%s: %s", path, strerror(errno));
    X509 *x = PEM_read_X509(f, NULL, NULL, NULL);
    fclose(f);
    if (!x)
        die_ssl("%s: no PEM certificate", path);
    return x;
}

/* RFC 8225 §9: the JSON is serialised with lexicographically sorted keys and
 * no whitespace.  The JOSE header keys alg, ppt, typ, x5u happen to be in
 * sorted order already, so one jansson mode serves both parts. */
static char *canon_json(json_t *j)
{
    char *s = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENSURE_ASCII);
    if (!s)
        die("json_dumps failed");
    return s;
}

static json_t *tn_obj(const char *tn)
{
    return json_pack("{s:s}", "tn", tn);
}

/* ECDSA over SHA-256 (P-256, ES256) or SHA-384 (P-384, ES384) of `in`,
 * returned as the raw r||s JWS wants (RFC 7518 §3.4: 64 or 96 bytes), not
 * the DER SEQUENCE OpenSSL produces.  Returns the length written to raw. */
static size_t es_sign_raw(EVP_PKEY *key, const char *in, size_t inlen, uint8_t raw[96])
{
    int bits = EVP_PKEY_get_bits(key);
    size_t half = bits == 384 ? 48 : 32;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    unsigned char *der = NULL;
    size_t derlen = 0;
    if (!ctx || EVP_DigestSignInit(ctx, NULL, half == 48 ? EVP_sha384() : EVP_sha256(), NULL, key) != 1 ||
        EVP_DigestSign(ctx, NULL, &derlen, (const unsigned char *)in, inlen) != 1)
        die_ssl("ECDSA sign init failed");
    der = xmalloc(derlen);
    if (EVP_DigestSign(ctx, der, &derlen, (const unsigned char *)in, inlen) != 1)
        die_ssl("ECDSA sign failed");
    const unsigned char *p = der;
    ECDSA_SIG *sig = d2i_ECDSA_SIG(NULL, &p, (long)derlen);
    if (!sig)
        die_ssl("cannot parse OpenSSL's DER signature");
    const BIGNUM *r = NULL, *s = NULL;
    ECDSA_SIG_get0(sig, &r, &s);
    /* Left-pad each to its full width: a short r or s is common (1 in 256)
     * and must not shorten the signature. */
    if (BN_bn2binpad(r, raw, (int)half) != (int)half || BN_bn2binpad(s, raw + half, (int)half) != (int)half)
        die("ECDSA r or s longer than %zu bytes", half);
    ECDSA_SIG_free(sig);
    free(der);
    EVP_MD_CTX_free(ctx);
    return 2 * half;
}

char *jws_sign_json(EVP_PKEY *key, const char *header_json, const char *claims_json)
{
    char *h64 = b64url_encode((const uint8_t *)header_json, strlen(header_json));
    char *c64 = b64url_encode((const uint8_t *)claims_json, strlen(claims_json));
    /* The signing input is the two encoded parts as they will be sent. */
    char *input = xasprintf("%s.%s", h64, c64);
    uint8_t raw[96];
    size_t n = es_sign_raw(key, input, strlen(input), raw);
    char *s64 = b64url_encode(raw, n);
    char *tok = xasprintf("%s.%s", input, s64);
    free(h64), free(c64), free(input), free(s64);
    return tok;
}

void passport_json(const struct passport_spec *ps, const char *alg, char **header_json, char **claims_json)
{
    json_t *hdr = json_pack("{s:s,s:s,s:s,s:s}", "alg", alg, "ppt", ps->ppt, "typ", "passport",
                            "x5u", ps->x5u);
    json_t *cl = json_object();
    json_t *dest = json_array();
    if (!hdr || !cl || !dest)
        die("jansson: cannot build PASSporT");
    for (size_t i = 0; i < ARRAY_LEN(ps->dest) && ps->dest[i]; i++)
        json_array_append_new(dest, json_string(ps->dest[i]));
    json_object_set_new(cl, "dest", json_pack("{s:o}", "tn", dest));
    json_object_set_new(cl, "iat", json_integer(ps->iat));
    json_object_set_new(cl, "orig", tn_obj(ps->orig));
    if (ps->attest)
        json_object_set_new(cl, "attest", json_string(ps->attest));
    if (ps->origid)
        json_object_set_new(cl, "origid", json_string(ps->origid));
    if (ps->div)
        json_object_set_new(cl, "div", tn_obj(ps->div));
    if (ps->rcd_nam)
        json_object_set_new(cl, "rcd", json_pack("{s:s}", "nam", ps->rcd_nam));
    *header_json = canon_json(hdr);
    *claims_json = canon_json(cl);
    json_decref(hdr);
    json_decref(cl);
}

char *passport_sign(EVP_PKEY *key, const struct passport_spec *ps)
{
    char *hj, *cj;
    passport_json(ps, "ES256", &hj, &cj);
    char *tok = jws_sign_json(key, hj, cj);
    free(hj), free(cj);
    return tok;
}

char *identity_value(const char *token, const char *x5u, const char *ppt)
{
    return xasprintf("%s;info=<%s>;alg=ES256;ppt=%s", token, x5u, ppt);
}

bool jws_verify(EVP_PKEY *pub, const char *token, size_t len, const char **why)
{
    bool ok = false;
    struct buf sigb = {0};
    ECDSA_SIG *sig = NULL;
    BIGNUM *r = NULL, *s = NULL;
    unsigned char *der = NULL;
    EVP_MD_CTX *ctx = NULL;
    const char *d1 = memchr(token, '.', len);
    const char *d2 = d1 ? memchr(d1 + 1, '.', len - (size_t)(d1 + 1 - token)) : NULL;
    *why = "not three dot-separated parts";
    if (!d2 || memchr(d2 + 1, '.', len - (size_t)(d2 + 1 - token)))
        goto out;
    *why = "signature is not base64url";
    if (!b64url_decode(d2 + 1, len - (size_t)(d2 + 1 - token), &sigb))
        goto out;
    *why = "signature is not 64 bytes";
    if (sigb.n != 64)
        goto out;
    *why = "OpenSSL failure";
    r = BN_bin2bn(sigb.p, 32, NULL);
    s = BN_bin2bn(sigb.p + 32, 32, NULL);
    sig = ECDSA_SIG_new();
    if (!r || !s || !sig || !ECDSA_SIG_set0(sig, r, s))
        goto out;
    r = s = NULL; /* ownership transferred to sig */
    int derlen = i2d_ECDSA_SIG(sig, &der);
    if (derlen <= 0)
        goto out;
    ctx = EVP_MD_CTX_new();
    if (!ctx || EVP_DigestVerifyInit(ctx, NULL, EVP_sha256(), NULL, pub) != 1)
        goto out;
    *why = "bad signature";
    if (EVP_DigestVerify(ctx, der, (size_t)derlen, (const unsigned char *)token,
                         (size_t)(d2 - token)) != 1)
        goto out;
    *why = NULL;
    ok = true;
out:
    ERR_clear_error();
    EVP_MD_CTX_free(ctx);
    OPENSSL_free(der);
    ECDSA_SIG_free(sig);
    BN_free(r);
    BN_free(s);
    buf_free(&sigb);
    return ok;
}

void chain_id(const char *token, size_t len, char out[17])
{
    uint8_t md[32];
    unsigned int mdlen = 0;
    if (EVP_Digest(token, len, md, &mdlen, EVP_sha256(), NULL) != 1 || mdlen != 32)
        die_ssl("SHA-256 failed");
    hex_lower(md, 8, out);
}

/* ---- stirgen sign ------------------------------------------------------ */

static void usage_sign(void)
{
    fputs("usage: stirgen sign --key K.key --x5u URL --orig TN --dest TN[,TN...] --iat N\n"
          "                    [--ppt shaken|div|rcd] [--attest A|B|C --origid UUID]\n"
          "                    [--div TN] [--rcd-nam NAME]\n"
          "Prints one Identity header value: TOKEN;info=<URL>;alg=ES256;ppt=PPT\n",
          stderr);
}

int cmd_sign(int argc, char **argv)
{
    static const struct option opts[] = {
        {"key", required_argument, NULL, 'k'},   {"x5u", required_argument, NULL, 'x'},
        {"attest", required_argument, NULL, 'a'}, {"orig", required_argument, NULL, 'o'},
        {"dest", required_argument, NULL, 'd'},  {"iat", required_argument, NULL, 'i'},
        {"origid", required_argument, NULL, 'u'}, {"ppt", required_argument, NULL, 'p'},
        {"div", required_argument, NULL, 'v'},   {"rcd-nam", required_argument, NULL, 'n'},
        {"help", no_argument, NULL, 'h'},        {NULL, 0, NULL, 0},
    };
    struct passport_spec ps = {.ppt = "shaken"};
    const char *keypath = NULL;
    char *dests = NULL;
    bool have_iat = false;
    int c;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'k': keypath = optarg; break;
        case 'x': ps.x5u = optarg; break;
        case 'a': ps.attest = optarg; break;
        case 'o': ps.orig = optarg; break;
        case 'd': dests = xstrdup(optarg); break;
        case 'u': ps.origid = optarg; break;
        case 'p': ps.ppt = optarg; break;
        case 'v': ps.div = optarg; break;
        case 'n': ps.rcd_nam = optarg; break;
        case 'i': {
            char *end;
            errno = 0;
            ps.iat = strtoll(optarg, &end, 10);
            if (errno || *end || end == optarg)
                die("sign: --iat wants an integer, got '%s'", optarg);
            have_iat = true;
            break;
        }
        case 'h': usage_sign(); return 0;
        default: usage_sign(); return 1;
        }
    }
    if (optind != argc || !keypath || !ps.x5u || !ps.orig || !dests || !have_iat) {
        usage_sign();
        return 1;
    }
    size_t nd = 0;
    for (char *save = NULL, *t = strtok_r(dests, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        if (nd == ARRAY_LEN(ps.dest) - 1)
            die("sign: at most %zu --dest numbers", ARRAY_LEN(ps.dest) - 1);
        ps.dest[nd++] = t;
    }
    if (!nd)
        die("sign: --dest is empty");
    if (strcmp(ps.ppt, "shaken") == 0) {
        if (!ps.attest || !ps.origid)
            die("sign: ppt shaken needs --attest and --origid");
        if (strcmp(ps.attest, "A") && strcmp(ps.attest, "B") && strcmp(ps.attest, "C"))
            warnx_("attest '%s' is not A, B or C (signing anyway)", ps.attest);
        if (ps.div || ps.rcd_nam)
            die("sign: --div/--rcd-nam do not belong in a shaken PASSporT");
    } else if (strcmp(ps.ppt, "div") == 0) {
        if (!ps.div)
            die("sign: ppt div needs --div");
        if (ps.attest || ps.origid || ps.rcd_nam)
            die("sign: --attest/--origid/--rcd-nam do not belong in a div PASSporT");
    } else if (strcmp(ps.ppt, "rcd") == 0) {
        if (!ps.rcd_nam)
            die("sign: ppt rcd needs --rcd-nam");
    } else {
        die("sign: unknown --ppt '%s' (shaken, div or rcd)", ps.ppt);
    }
    EVP_PKEY *key = load_private_key(keypath);
    char *tok = passport_sign(key, &ps);
    char *val = identity_value(tok, ps.x5u, ps.ppt);
    puts(val);
    free(val), free(tok), free(dests);
    EVP_PKEY_free(key);
    return 0;
}

/* ---- stirgen check ----------------------------------------------------- */

struct certmap {
    char **url, **path;
    size_t n;
};

static void certmap_load(struct certmap *m, const char *file)
{
    FILE *f = fopen(file, "r");
    if (!f)
        die("%s: %s", file, strerror(errno));
    char line[2048];
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\r\n")] = 0;
        char *tab = strchr(line, '\t');
        if (!line[0] || line[0] == '#')
            continue;
        if (!tab)
            die("%s: line without TAB: %s", file, line);
        *tab = 0;
        m->url = xrealloc(m->url, (m->n + 1) * sizeof *m->url);
        m->path = xrealloc(m->path, (m->n + 1) * sizeof *m->path);
        m->url[m->n] = xstrdup(line);
        m->path[m->n] = xstrdup(tab + 1);
        m->n++;
    }
    fclose(f);
}

static const char *certmap_find(const struct certmap *m, const char *url)
{
    for (size_t i = 0; i < m->n; i++)
        if (strcmp(m->url[i], url) == 0)
            return m->path[i];
    return NULL;
}

static json_t *decode_json_part(const char *p, size_t n, bool *canonical)
{
    struct buf raw = {0};
    json_t *j = NULL;
    if (b64url_decode(p, n, &raw)) {
        j = json_loadb((const char *)raw.p, raw.n, JSON_REJECT_DUPLICATES, NULL);
        if (j && json_is_object(j)) {
            char *c = canon_json(j);
            *canonical = strlen(c) == raw.n && memcmp(c, raw.p, raw.n) == 0;
            free(c);
        } else {
            json_decref(j);
            j = NULL;
        }
    }
    buf_free(&raw);
    return j;
}

static const char *jstr(json_t *o, const char *k)
{
    const char *s = json_string_value(json_object_get(o, k));
    return s ? s : "";
}

/* Checks one Identity value "TOKEN;params".  Returns true when the
 * PASSporT decodes, is canonical, and verifies. */
static bool check_one(const char *val, const struct certmap *map, EVP_PKEY *fixed)
{
    size_t toklen = strcspn(val, ";");
    while (toklen && (val[toklen - 1] == ' ' || val[toklen - 1] == '\t'))
        toklen--;
    const char *params = val + strcspn(val, ";");
    char pppt[32] = "", info[512] = "";
    const char *q = strstr(params, ";ppt=");
    if (q)
        sscanf(q + 5, "%31[^;, \t]", pppt);
    q = strstr(params, "info=<");
    if (q)
        sscanf(q + 6, "%511[^>]", info);

    const char *d1 = memchr(val, '.', toklen);
    const char *d2 = d1 ? memchr(d1 + 1, '.', toklen - (size_t)(d1 + 1 - val)) : NULL;
    if (!d2) {
        printf("FAIL bad-format (not 3 parts) ppt-param=%s\n", pppt);
        return false;
    }
    bool hcanon = false, ccanon = false;
    json_t *h = decode_json_part(val, (size_t)(d1 - val), &hcanon);
    json_t *cl = decode_json_part(d1 + 1, (size_t)(d2 - d1 - 1), &ccanon);
    if (!h || !cl) {
        printf("FAIL bad-format (%s does not decode) ppt-param=%s\n", h ? "payload" : "header", pppt);
        json_decref(h);
        json_decref(cl);
        return false;
    }
    bool ok = true;
    const char *ppt = jstr(h, "ppt"), *x5u = jstr(h, "x5u");
    struct buf note = {0};
    if (!hcanon || !ccanon)
        buf_str(&note, " non-canonical-json"), ok = false;
    if (strcmp(jstr(h, "alg"), "ES256") || strcmp(jstr(h, "typ"), "passport"))
        buf_str(&note, " bad-alg-or-typ"), ok = false;
    if (strcmp(ppt, pppt))
        buf_str(&note, " ppt-param-differs"), ok = false;
    if (strcmp(x5u, info))
        buf_str(&note, " info-differs-from-x5u"), ok = false;

    EVP_PKEY *pub = fixed;
    X509 *cert = NULL;
    if (!pub) {
        const char *path = certmap_find(map, x5u);
        if (!path) {
            buf_printf(&note, " x5u-not-in-certmap");
            ok = false;
        } else {
            cert = load_first_cert(path);
            pub = X509_get0_pubkey(cert);
        }
    }
    const char *why = "no key";
    if (pub && !jws_verify(pub, val, toklen, &why))
        ok = false;
    else if (pub)
        why = "signature ok";

    char cid[17];
    chain_id(val, toklen, cid);
    json_t *dest = json_object_get(json_object_get(cl, "dest"), "tn");
    struct buf dl = {0};
    for (size_t i = 0; i < json_array_size(dest); i++)
        buf_printf(&dl, "%s%s", i ? ";" : "", json_string_value(json_array_get(dest, i)));
    printf("%s ppt=%s attest=%s orig=%s dest=%s iat=%lld origid=%s x5u=%s chain_id=%s: %s%s\n",
           ok ? "OK  " : "FAIL", ppt, jstr(cl, "attest"),
           jstr(json_object_get(cl, "orig"), "tn"), dl.p ? (char *)dl.p : "",
           (long long)json_integer_value(json_object_get(cl, "iat")), jstr(cl, "origid"), x5u,
           cid, why, note.p ? (char *)note.p : "");
    buf_free(&dl);
    buf_free(&note);
    X509_free(cert);
    json_decref(h);
    json_decref(cl);
    return ok;
}

/* An Identity header body may hold several comma-joined values and may be
 * folded (RFC 3261 §7.3.1).  Unfold, then split at commas outside <...>. */
static bool check_header_body(const char *body, const struct certmap *map, EVP_PKEY *fixed)
{
    struct buf u = {0};
    for (const char *p = body; *p; p++)
        if (*p != '\r' && *p != '\n')
            buf_put(&u, p, 1);
    buf_put(&u, "", 0);
    bool ok = true;
    char *s = (char *)u.p;
    int depth = 0;
    char *start = s;
    for (char *p = s;; p++) {
        if (*p == '<')
            depth++;
        else if (*p == '>' && depth)
            depth--;
        else if ((*p == ',' && !depth) || !*p) {
            char end = *p;
            *p = 0;
            while (*start == ' ' || *start == '\t')
                start++;
            if (*start)
                ok = check_one(start, map, fixed) && ok;
            if (!end)
                break;
            start = p + 1;
        }
    }
    buf_free(&u);
    return ok;
}

static void usage_check(void)
{
    fputs("usage: stirgen check (--certmap FILE | --cert PEM) [IDENTITY-VALUE...]\n"
          "Decodes each Identity header value (comma-joined values are split; with\n"
          "no arguments, one header body per line is read from stdin), checks the\n"
          "JSON is RFC 8225 canonical and verifies the ES256 signature with the\n"
          "certificate that --certmap maps the x5u to (or with --cert).\n"
          "Exit 0 if every value verifies, 1 otherwise.\n",
          stderr);
}

int cmd_check(int argc, char **argv)
{
    static const struct option opts[] = {
        {"certmap", required_argument, NULL, 'm'},
        {"cert", required_argument, NULL, 'c'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct certmap map = {0};
    X509 *fixed = NULL;
    int c;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'm': certmap_load(&map, optarg); break;
        case 'c': fixed = load_first_cert(optarg); break;
        case 'h': usage_check(); return 0;
        default: usage_check(); return 1;
        }
    }
    if (!map.n && !fixed) {
        usage_check();
        return 1;
    }
    EVP_PKEY *pub = fixed ? X509_get0_pubkey(fixed) : NULL;
    bool ok = true;
    if (optind < argc) {
        for (int i = optind; i < argc; i++)
            ok = check_header_body(argv[i], &map, pub) && ok;
    } else {
        char *line = NULL;
        size_t cap = 0;
        while (getline(&line, &cap, stdin) > 0) {
            line[strcspn(line, "\n")] = 0;
            if (line[0])
                ok = check_header_body(line, &map, pub) && ok;
        }
        free(line);
    }
    for (size_t i = 0; i < map.n; i++)
        free(map.url[i]), free(map.path[i]);
    free(map.url);
    free(map.path);
    X509_free(fixed);
    return ok ? 0 : 1;
}
