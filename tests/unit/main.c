/* summary: unit-test runner — the check counters, the group registry and main().
 *
 *   build/release/unit_tests [FILTER]
 *
 * Runs every group (or those whose name contains FILTER; "!FILTER" runs those whose
 * name does not contain it, e.g. '!regressions'), prints one line per failed
 * check and ends with "N passed, N failed". Exit status 0 only when nothing failed.
 * Run from the repository root: vector files are read relative to it. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decoders/b64url.h"
#include "tests/unit/harness.h"

const char *th_group = "";
const char *th_test = "";
static unsigned long th_passed, th_failed;

static void fail_prefix(const char *file, int line)
{
    th_failed++;
    printf("FAIL %s/%s %s:%d: ", th_group, th_test, file, line);
}

bool th_check(bool ok, const char *file, int line, const char *fmt, ...)
{
    if (ok) {
        th_passed++;
        return true;
    }
    fail_prefix(file, line);
    va_list ap;
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    putchar('\n');
    return false;
}

bool th_check_int(long long got, long long want, const char *file, int line, const char *expr)
{
    if (got == want) {
        th_passed++;
        return true;
    }
    fail_prefix(file, line);
    printf("%s: got %lld, want %lld\n", expr, got, want);
    return false;
}

/* Printable rendering of bytes for failure lines (escapes, cut after 200 bytes). */
static void print_bytes(const void *p, size_t n)
{
    const unsigned char *s = p;
    putchar('"');
    for (size_t i = 0; i < n && i < 200; i++) {
        if (s[i] == '\\' || s[i] == '"')
            printf("\\%c", s[i]);
        else if (s[i] >= 0x20 && s[i] < 0x7f)
            putchar(s[i]);
        else
            printf("\\x%02x", s[i]);
    }
    putchar('"');
    if (n > 200)
        printf("...(%zu bytes)", n);
}

bool th_check_str(const char *got, const char *want, const char *file, int line, const char *expr)
{
    if ((!got && !want) || (got && want && strcmp(got, want) == 0)) {
        th_passed++;
        return true;
    }
    fail_prefix(file, line);
    printf("%s: got ", expr);
    if (got)
        print_bytes(got, strlen(got));
    else
        fputs("NULL", stdout);
    fputs(", want ", stdout);
    if (want)
        print_bytes(want, strlen(want));
    else
        fputs("NULL", stdout);
    putchar('\n');
    return false;
}

bool th_check_mem(const void *got, size_t got_n, const void *want, size_t want_n, const char *file,
                  int line, const char *expr)
{
    if (got_n == want_n && (got_n == 0 || (got && want && memcmp(got, want, got_n) == 0))) {
        th_passed++;
        return true;
    }
    fail_prefix(file, line);
    printf("%s: got ", expr);
    if (got)
        print_bytes(got, got_n);
    else
        printf("NULL(%zu)", got_n);
    fputs(", want ", stdout);
    print_bytes(want, want_n);
    putchar('\n');
    return false;
}

char *th_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!th_check(f != NULL, __FILE__, __LINE__, "cannot open %s (run from the repository root)", path))
        return NULL;
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    for (;;) {
        if (!buf)
            break;
        if (n + 1 >= cap) {
            char *nb = realloc(buf, cap * 2);
            if (!nb) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = nb;
            cap *= 2;
        }
        size_t got = fread(buf + n, 1, cap - n - 1, f);
        if (got == 0)
            break;
        n += got;
    }
    fclose(f);
    if (!buf)
        return NULL;
    while (n && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
        n--;
    buf[n] = '\0';
    if (len)
        *len = n;
    return buf;
}

size_t th_make_jws(const char *hdr_json, const char *claims_json, size_t siglen, char *out, size_t cap)
{
    uint8_t sig[512];
    if (siglen > sizeof sig)
        return 0;
    for (size_t i = 0; i < siglen; i++)
        sig[i] = (uint8_t)(i * 37 + 11);
    size_t hn = strlen(hdr_json), cn = strlen(claims_json);
    size_t need = (hn * 4 + 2) / 3 + 1 + (cn * 4 + 2) / 3 + 1 + (siglen * 4 + 2) / 3 + 1;
    if (need > cap)
        return 0;
    size_t o = b64url_encode((const uint8_t *)hdr_json, hn, out, cap);
    out[o++] = '.';
    o += b64url_encode((const uint8_t *)claims_json, cn, out + o, cap - o);
    out[o++] = '.';
    o += b64url_encode(sig, siglen, out + o, cap - o);
    out[o] = '\0';
    return o;
}

static const struct {
    const char *name;
    void (*fn)(void);
} groups[] = {
    { "slice", test_slice },
    { "lhash", test_lhash },
    { "link", test_link },
    { "ip", test_ip },
    { "l4", test_l4 },
    { "tcp_reasm", test_tcp_reasm },
    { "sip", test_sip },
    { "sip_fields", test_sip_fields },
    { "identity", test_identity },
    { "b64url", test_b64url },
    { "json", test_json },
    { "passport", test_passport },
    { "calls", test_calls },
    { "csv", test_csv },
    { "tnauth", test_tnauth },
    { "cert", test_cert },
    { "modinv", test_modinv },
    { "p256key", test_p256key },
    { "es256", test_es256 },
    { "verify", test_verify },
    { "verifier", test_verifier },
    { "pktq", test_pktq },
    { "pcapng_write", test_pcapng_write },
    { "pcapng_read", test_pcapng_read },
    { "hep", test_hep },
    { "pg_copy", test_pg_copy },
    /* Expected-correct behaviour the product does not have yet; see the file header. */
    { "regressions", test_regressions },
};

int main(int argc, char **argv)
{
    const char *filter = argc > 1 ? argv[1] : NULL;
    bool invert = filter && filter[0] == '!';
    if (invert)
        filter++;
    int ran = 0;
    for (size_t i = 0; i < sizeof groups / sizeof groups[0]; i++) {
        if (filter && (strstr(groups[i].name, filter) != NULL) == invert)
            continue;
        th_group = groups[i].name;
        th_test = "";
        groups[i].fn();
        ran++;
    }
    if (ran == 0)
        fprintf(stderr, "no test group matches '%s'\n", filter ? filter : "");
    printf("%lu passed, %lu failed\n", th_passed, th_failed);
    return th_failed == 0 && ran > 0 ? 0 : 1;
}
