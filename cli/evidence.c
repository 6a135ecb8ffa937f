/* summary: `stirprobe evidence CALL-ID -o DIR` — a traceback/regulator evidence pack.
 *
 * The pack holds what a carrier answering a traceback request, or a regulator, asks
 * for: every leg of the call and of its chain (legs carrying the same PASSporT) as
 * stored, each PASSporT as transmitted and decoded, the certificates, the
 * verification re-run step by step at the packet time, the anomalies, flags and STIR
 * feedback on those legs, and the SIP messages as pcapng when the capture is at hand.
 * Everything comes from the database except the pcapng, which is cut from the
 * capture file named in the database (or given with --pcap). */
#include "cli/evidence.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli/verify_cmd.h"
#include "common/ptime.h"
#include "db/store.h"
#include "decoders/b64url.h"

#define MAX_LEGS 64
#define MAX_ITEMS 32

struct pack {
    const struct evidence_opts *o;
    sqlite3 *db;
    FILE *sum; /* summary.txt */
    char *call_ids[MAX_LEGS];
    size_t n_call_ids;
    char *files[3 * MAX_ITEMS + 8];
    size_t n_files;
};

static char *path_in(const struct pack *k, const char *name)
{
    size_t n = strlen(k->o->out_dir) + strlen(name) + 2;
    char *p = malloc(n);
    if (p)
        snprintf(p, n, "%s/%s", k->o->out_dir, name);
    return p;
}

static FILE *create_in(struct pack *k, const char *name)
{
    char *p = path_in(k, name);
    FILE *f = p ? fopen(p, "w") : NULL;
    if (!f)
        fprintf(stderr, "stirprobe: evidence: %s: %s\n", p ? p : name, strerror(errno));
    free(p);
    if (f && k->n_files < sizeof k->files / sizeof k->files[0])
        k->files[k->n_files++] = strdup(name);
    return f;
}

static const char *col(sqlite3_stmt *st, int i)
{
    const unsigned char *v = sqlite3_column_text(st, i);
    return v ? (const char *)v : "";
}

/* Prints every column of every row of sql (bound to the evidence legs) as "name: value". */
static void dump_rows(struct pack *k, const char *title, const char *sql)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(k->db, sql, -1, &st, NULL) != SQLITE_OK) {
        fprintf(k->sum, "\n== %s: not available (%s)\n", title, sqlite3_errmsg(k->db));
        return;
    }
    sqlite3_bind_text(st, 1, k->o->call_id, -1, SQLITE_STATIC);
    fprintf(k->sum, "\n== %s\n", title);
    int rows = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        fprintf(k->sum, "\n");
        for (int i = 0; i < sqlite3_column_count(st); i++)
            if (sqlite3_column_type(st, i) != SQLITE_NULL)
                fprintf(k->sum, "  %-16s %s\n", sqlite3_column_name(st, i), col(st, i));
        rows++;
    }
    if (!rows)
        fprintf(k->sum, "  (none)\n");
    sqlite3_finalize(st);
}

/* The legs: every row of the Call-ID, and every leg sharing a chain with one of them. */
#define LEGS                                                                                            \
    "(SELECT id FROM calls WHERE call_id = ?1 OR chain_id IN"                                           \
    " (SELECT chain_id FROM calls WHERE call_id = ?1 AND chain_id IS NOT NULL))"

static int collect_legs(struct pack *k)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(k->db, "SELECT DISTINCT call_id FROM calls WHERE id IN " LEGS, -1, &st, NULL) != SQLITE_OK)
        return -1;
    sqlite3_bind_text(st, 1, k->o->call_id, -1, SQLITE_STATIC);
    while (sqlite3_step(st) == SQLITE_ROW && k->n_call_ids < MAX_LEGS)
        k->call_ids[k->n_call_ids++] = strdup(col(st, 0));
    sqlite3_finalize(st);
    return 0;
}

/* base64url part → parsed JSON (NULL with *why when it is not). */
static json_t *part_json(const char *p, size_t n, const char **why)
{
    size_t cap = b64url_decoded_len(n) + 1, got = 0;
    uint8_t *buf = malloc(cap);
    if (!buf) {
        *why = "out of memory";
        return NULL;
    }
    enum b64_status bs = b64url_decode((const uint8_t *)p, n, buf, cap, &got);
    json_t *j = NULL;
    if (bs != B64_OK) {
        *why = b64url_strerror(bs);
    } else {
        json_error_t e;
        j = json_loadb((const char *)buf, got, JSON_REJECT_DUPLICATES, &e);
        if (!j)
            *why = "not JSON";
    }
    free(buf);
    return j;
}

static void write_passport_json(FILE *f, const char *jws)
{
    const char *d1 = strchr(jws, '.'), *d2 = d1 ? strchr(d1 + 1, '.') : NULL;
    json_t *o = json_object();
    if (!d1 || !d2) {
        json_object_set_new(o, "error", json_string("not a three-part compact JWS"));
    } else {
        const char *why = NULL;
        json_t *h = part_json(jws, (size_t)(d1 - jws), &why);
        json_object_set_new(o, "header", h ? h : json_sprintf("undecodable: %s", why));
        json_t *pl = part_json(d1 + 1, (size_t)(d2 - d1 - 1), &why);
        json_object_set_new(o, "payload", pl ? pl : json_sprintf("undecodable: %s", why));
        json_object_set_new(o, "signature_b64url", json_string(d2 + 1));
    }
    json_object_set_new(o, "jws", json_string(jws));
    json_dumpf(o, f, JSON_INDENT(2) | JSON_ENSURE_ASCII);
    fputc('\n', f);
    json_decref(o);
}

/* Runs the `verify` command on one Identity value, its output going to f. */
static void verify_into(struct pack *k, FILE *f, const char *value, sqlite3_stmt *leg, const char *certmap)
{
    struct pipeline_cfg cfg = { .db_path = ":memory:", .quiet = true, .verify = true, .trust = k->o->trust,
                                .cert_map = certmap, .max_iat_age = k->o->max_iat_age, .threads = 1 };
    struct verify_opts vo = { .at = col(leg, 0) };
    const char *from = col(leg, 1), *pai = col(leg, 2), *to = col(leg, 3), *ruri = col(leg, 4);
    vo.pai = *pai ? pai : NULL;
    vo.from = *from ? from : NULL;
    vo.to = *to ? to : NULL;
    vo.ruri = *ruri ? ruri : NULL;
    fflush(stdout);
    fflush(f);
    int saved = dup(STDOUT_FILENO);
    if (saved < 0 || dup2(fileno(f), STDOUT_FILENO) < 0) {
        fprintf(f, "(could not run the verification: %s)\n", strerror(errno));
        if (saved >= 0)
            close(saved);
        return;
    }
    char *values[1] = { (char *)value };
    verify_cmd_run(&cfg, &vo, values, 1);
    fflush(stdout);
    dup2(saved, STDOUT_FILENO);
    close(saved);
}

/* passport-N.json/.jws per distinct token, cert-N.pem per certificate, verification.txt. */
static void write_passports(struct pack *k)
{
    sqlite3_stmt *st, *cert, *leg;
    /* The first leg is the earliest by time, not the lowest row id, and legs are listed
     * in time order: with --verify, rows are stored in the order verifications finish,
     * which threads make vary. */
    const char *sql = "SELECT p.raw_jws,"
                      " (SELECT c2.id FROM calls c2 JOIN passports p2 ON p2.call_row_id = c2.id"
                      "  WHERE p2.raw_jws = p.raw_jws AND c2.id IN " LEGS
                      "  ORDER BY c2.first_seen_ns, c2.id LIMIT 1),"
                      " COUNT(*),"
                      " (SELECT GROUP_CONCAT(cid, ' ') FROM (SELECT c3.call_id AS cid FROM calls c3"
                      "   JOIN passports p3 ON p3.call_row_id = c3.id WHERE p3.raw_jws = p.raw_jws"
                      "   AND c3.id IN " LEGS " ORDER BY c3.first_seen_ns, c3.id)),"
                      " p.x5u, p.info,"
                      " p.alg_param, p.ppt_param, p.verify_result, p.verify_detail"
                      " FROM passports p JOIN calls c ON c.id = p.call_row_id WHERE c.id IN " LEGS
                      " GROUP BY p.raw_jws ORDER BY MIN(c.first_seen_ns), MIN(p.position)";
    if (sqlite3_prepare_v2(k->db, sql, -1, &st, NULL) != SQLITE_OK)
        return;
    sqlite3_prepare_v2(k->db, "SELECT pem, status, subject, issuer, spc, tnauthlist, not_before, not_after, sha256,"
                              " fetched_at, error FROM certificates WHERE x5u = ?1", -1, &cert, NULL);
    sqlite3_prepare_v2(k->db, "SELECT first_seen, from_tn, pai_tn, to_tn, ruri_tn"
                              " FROM calls WHERE id = ?1", -1, &leg, NULL);
    sqlite3_bind_text(st, 1, k->o->call_id, -1, SQLITE_STATIC);

    char *certmap = path_in(k, "certmap.tsv");
    FILE *map = certmap ? fopen(certmap, "w") : NULL;
    FILE *ver = create_in(k, "verification.txt");
    if (ver && !k->o->trust)
        fprintf(ver, "Not re-run: give --trust ROOTS (the STI-PA trust anchors) to re-run the verification.\n"
                     "The results stored at capture time are in summary.txt.\n");
    int n = 0, ncert = 0;
    fprintf(k->sum, "\n== PASSporTs\n");
    while (sqlite3_step(st) == SQLITE_ROW && n < MAX_ITEMS) {
        n++;
        const char *jws = col(st, 0), *x5u = col(st, 4);
        char name[40];
        snprintf(name, sizeof name, "passport-%d.jws", n);
        FILE *f = create_in(k, name);
        if (f) {
            fprintf(f, "%s\n", jws);
            fclose(f);
        }
        snprintf(name, sizeof name, "passport-%d.json", n);
        f = create_in(k, name);
        if (f) {
            write_passport_json(f, jws);
            fclose(f);
        }
        fprintf(k->sum, "\n  passport-%d  on %d leg(s): %s\n  x5u          %s\n  result       %s%s%s%s\n", n,
                sqlite3_column_int(st, 2), col(st, 3), x5u, col(st, 8), *col(st, 9) ? " (" : "", col(st, 9),
                *col(st, 9) ? ")" : "");

        sqlite3_reset(cert);
        sqlite3_bind_text(cert, 1, x5u, -1, SQLITE_TRANSIENT);
        if (*x5u && sqlite3_step(cert) == SQLITE_ROW) {
            const char *pem = col(cert, 0);
            fprintf(k->sum, "  certificate  %s %s, SPC %s, valid %s .. %s\n", col(cert, 1), col(cert, 2),
                    col(cert, 4), col(cert, 6), col(cert, 7));
            if (*pem) {
                snprintf(name, sizeof name, "cert-%d.pem", ++ncert);
                f = create_in(k, name);
                if (f) {
                    fputs(pem, f);
                    fclose(f);
                    if (map)
                        fprintf(map, "%s\t%s/%s\n", x5u, k->o->out_dir, name);
                }
                fprintf(k->sum, "  certificate  file %s\n", name);
            }
        } else {
            fprintf(k->sum, "  certificate  not in the database (the capture was read without --verify)\n");
        }

        if (ver && k->o->trust) {
            char value[16384];
            snprintf(value, sizeof value, "%s%s%s%s%s%s%s%s", jws, *col(st, 5) ? ";info=<" : "", col(st, 5),
                     *col(st, 5) ? ">" : "", *col(st, 6) ? ";alg=" : "", col(st, 6), *col(st, 7) ? ";ppt=" : "",
                     col(st, 7));
            sqlite3_reset(leg);
            sqlite3_bind_int64(leg, 1, sqlite3_column_int64(st, 1));
            if (sqlite3_step(leg) == SQLITE_ROW) {
                if (map)
                    fflush(map);
                fprintf(ver, "== passport-%d on its first leg (%s), checked as of %s\n", n, col(st, 3),
                        col(leg, 0));
                verify_into(k, ver, value, leg, certmap);
                fprintf(ver, "\n");
            }
        }
    }
    if (!n)
        fprintf(k->sum, "  (none: no leg carried an Identity header)\n");
    if (map)
        fclose(map);
    if (ver)
        fclose(ver);
    free(certmap);
    sqlite3_finalize(st);
    sqlite3_finalize(cert);
    sqlite3_finalize(leg);
}

/* sip.pcapng: the frames of the legs' Call-IDs, cut from the captures. */
static void write_pcapng(struct pack *k)
{
    const char *paths[16];
    size_t np = 0;
    sqlite3_stmt *st = NULL;
    for (size_t i = 0; i < k->o->n_pcaps && np < 16; i++)
        paths[np++] = k->o->pcaps[i];
    if (!np && sqlite3_prepare_v2(k->db, "SELECT DISTINCT source FROM captures WHERE kind = 'file' AND id IN"
                                         " (SELECT capture_id FROM calls WHERE id IN " LEGS ")",
                                  -1, &st, NULL) == SQLITE_OK) {
        sqlite3_bind_text(st, 1, k->o->call_id, -1, SQLITE_STATIC);
        while (sqlite3_step(st) == SQLITE_ROW && np < 16) {
            const char *src = col(st, 0);
            if (strcmp(src, "-") != 0 && access(src, R_OK) == 0)
                paths[np++] = strdup(src);
        }
    }
    fprintf(k->sum, "\n== SIP messages\n");
    if (!np) {
        fprintf(k->sum, "  no capture at hand: the database names none that is readable here; give the\n"
                        "  capture (or a file written with -w) with --pcap FILE\n");
        sqlite3_finalize(st);
        return;
    }
    struct pipeline_cfg cfg = { .db_path = ":memory:", .quiet = true };
    char err[512];
    struct pipeline *p = pipeline_new(&cfg, err, sizeof err);
    char *out = path_in(k, "sip.pcapng");
    if (!p || !out || pipeline_open_evidence(p, out, err, sizeof err) != 0) {
        fprintf(k->sum, "  sip.pcapng not written: %s\n", err);
    } else {
        pipeline_evidence_filter(p, (const char *const *)k->call_ids, k->n_call_ids);
        for (size_t i = 0; i < np; i++) {
            bool fatal = false;
            int rc = pipeline_read_file(p, paths[i], &fatal);
            fprintf(k->sum, "  read %s%s\n", paths[i], rc == 0 ? "" : rc == 2 ? " (damaged part-way)" : " (failed)");
        }
        pipeline_close_evidence(p);
        fprintf(k->sum, "  sip.pcapng: the frames carrying SIP messages of the legs' Call-IDs\n");
        if (k->n_files < sizeof k->files / sizeof k->files[0])
            k->files[k->n_files++] = strdup("sip.pcapng");
    }
    if (p) {
        pipeline_finish(p);
        pipeline_free(p);
    }
    free(out);
    if (st) {
        for (size_t i = 0; i < np; i++)
            free((char *)paths[i]);
        sqlite3_finalize(st);
    }
}

int evidence_run(const struct evidence_opts *o)
{
    struct pack k = { .o = o };
    int rc = 1;
    if (!store_is_pg(o->db_path) && access(o->db_path, F_OK) != 0) {
        fprintf(stderr, "stirprobe: evidence: no database at %s\n", o->db_path);
        return 1;
    }
    char err[600];
    /* The legs of this call and its chain, and the calls around them its anomalies look at. */
    struct read_filter f = { .since_ns = INT64_MIN, .until_ns = INT64_MAX, .call_id = o->call_id,
                             .margin_ns = (int64_t)10 * 1000000000 };
    if (store_open_read(o->db_path, &f, &k.db, err, sizeof err) != 0) {
        fprintf(stderr, "stirprobe: evidence: %s\n", err);
        goto out;
    }
    if (collect_legs(&k) != 0) {
        fprintf(stderr, "stirprobe: evidence: %s: %s\n", o->db_path, sqlite3_errmsg(k.db));
        goto out;
    }
    if (!k.n_call_ids) {
        fprintf(stderr, "stirprobe: evidence: no call with Call-ID '%s' in %s\n", o->call_id, o->db_path);
        goto out;
    }
    if (mkdir(o->out_dir, 0755) != 0 && errno != EEXIST) {
        fprintf(stderr, "stirprobe: evidence: %s: %s\n", o->out_dir, strerror(errno));
        goto out;
    }
    k.sum = create_in(&k, "summary.txt");
    if (!k.sum)
        goto out;
    char now[PTIME_ISO_LEN], dbname[1024];
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ptime_iso((struct ptime){ ts.tv_sec, (uint32_t)ts.tv_nsec }, now);
    fprintf(k.sum, "stirprobe %s evidence pack\n\n  Call-ID      %s\n  database     %s\n  written      %s\n  legs         %zu"
                   " Call-ID(s) on the call and its traceback chain\n",
            STIRPROBE_VERSION, o->call_id, store_display_name(o->db_path, dbname, sizeof dbname), now, k.n_call_ids);

    dump_rows(&k, "legs (calls table, in time order)",
              "SELECT call_id, first_seen, last_seen, src_ip || ':' || src_port AS source,"
              " dst_ip || ':' || dst_port AS destination, transport, ruri_tn, from_tn, to_tn, pai_tn, final_status,"
              " sip_messages, identity_header, ppt, attest, origid, orig_tn, dest_tn, iat, x5u, verstat,"
              " verstat_source, verify_result, verify_detail, chain_id, stir_error, stir_error_via,"
              " stir_error_in, stir_error_text"
              " FROM calls WHERE id IN " LEGS " ORDER BY first_seen_ns, id");
    dump_rows(&k, "traceback chain",
              "SELECT chain_id, legs, first_seen, last_seen, span_ms, origid, attest, orig_tn, path"
              " FROM traceback_chains WHERE chain_id IN (SELECT chain_id FROM calls WHERE id IN " LEGS ")");
    dump_rows(&k, "anomalies (view anomalies)",
              "SELECT anomaly, call_id, first_seen, detail FROM anomalies"
              " WHERE call_row_id IN " LEGS " OR chain_id IN (SELECT chain_id FROM calls WHERE id IN " LEGS ")"
              " ORDER BY first_seen_ns");
    dump_rows(&k, "flags (view call_flags)",
              "SELECT flag, call_id, detail FROM call_flags WHERE call_row_id IN " LEGS " ORDER BY first_seen_ns, flag");
    write_passports(&k);
    write_pcapng(&k);

    fprintf(k.sum, "\n== files\n");
    for (size_t i = 0; i < k.n_files; i++)
        fprintf(k.sum, "  %s\n", k.files[i]);
    fprintf(k.sum, "  certmap.tsv (x5u -> certificate file, for `stirprobe verify --cert-map`)\n");
    rc = fclose(k.sum) == 0 ? 0 : 1;
    k.sum = NULL;
    if (rc == 0)
        fprintf(stderr, "stirprobe: evidence for %s (%zu Call-ID(s)) in %s/\n", o->call_id, k.n_call_ids, o->out_dir);
out:
    if (k.sum)
        fclose(k.sum);
    for (size_t i = 0; i < k.n_call_ids; i++)
        free(k.call_ids[i]);
    for (size_t i = 0; i < k.n_files; i++)
        free(k.files[i]);
    sqlite3_close(k.db);
    return rc;
}
