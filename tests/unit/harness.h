/* summary: a tiny unit-test harness — checks that record the test name and file:line.
 *
 * Every CHECK* macro is an expression that counts one check and yields true when it
 * passed, so a test can stop early: `if (!CHECK(p)) return;`. A failure prints one
 * line "FAIL group/test file:line: what (details)". Groups are listed in main.c;
 * inside a group each test function is run through RUN(fn), which names it. */
#ifndef STIRPROBE_TEST_HARNESS_H
#define STIRPROBE_TEST_HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/slice.h"

/* The group and test currently running (for failure lines). */
extern const char *th_group;
extern const char *th_test;

bool th_check(bool ok, const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
bool th_check_int(long long got, long long want, const char *file, int line, const char *expr);
bool th_check_str(const char *got, const char *want, const char *file, int line, const char *expr);
bool th_check_mem(const void *got, size_t got_n, const void *want, size_t want_n, const char *file,
                  int line, const char *expr);

#define CHECK(cond) th_check(!!(cond), __FILE__, __LINE__, "CHECK(%s)", #cond)
/* Integers of any signedness that fit in long long. */
#define CHECK_EQ_INT(got, want) \
    th_check_int((long long)(got), (long long)(want), __FILE__, __LINE__, #got " == " #want)
/* NUL-terminated strings; NULL equals only NULL. */
#define CHECK_EQ_STR(got, want) th_check_str((got), (want), __FILE__, __LINE__, #got " == " #want)
/* A struct slice against a C string (exact bytes). */
#define CHECK_SLICE_STR(sl, want)                                                                    \
    th_check_mem((sl).p, (sl).n, (want), strlen(want), __FILE__, __LINE__, #sl " == " #want)
/* Byte ranges. */
#define CHECK_EQ_MEM(got, got_n, want, want_n)                                                       \
    th_check_mem((got), (got_n), (want), (want_n), __FILE__, __LINE__, #got " == " #want)

#define RUN(fn)                                                                                      \
    do {                                                                                             \
        th_test = #fn;                                                                               \
        fn();                                                                                        \
    } while (0)

/* Whole file as a NUL-terminated buffer (caller frees), trailing CR/LF removed; the path
 * is relative to the repository root, where the tests run. NULL (and a failed check)
 * when unreadable. */
char *th_read_file(const char *path, size_t *len);

/* A compact JWS "b64(hdr).b64(claims).b64(sig)" built from JSON texts and siglen bytes
 * of a fixed pattern; returns its length (NUL-terminated in out), 0 when cap is short. */
size_t th_make_jws(const char *hdr_json, const char *claims_json, size_t siglen, char *out, size_t cap);

/* Test groups (one per file), registered in main.c. */
void test_slice(void);
void test_lhash(void);
void test_link(void);
void test_ip(void);
void test_l4(void);
void test_tcp_reasm(void);
void test_sip(void);
void test_sip_fields(void);
void test_identity(void);
void test_b64url(void);
void test_json(void);
void test_passport(void);
void test_calls(void);
void test_csv(void);
void test_tnauth(void);
void test_cert(void);
void test_es256(void);
void test_modinv(void);
void test_p256key(void);
void test_verify(void);
void test_verifier(void);
void test_pktq(void);
void test_pcapng_write(void);
void test_pcapng_read(void);
void test_hep(void);
void test_pg_copy(void);
void test_regressions(void);

#endif
