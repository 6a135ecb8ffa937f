/* summary: report kinds as SQL over the store, printed as table, CSV or NDJSON. */
#include "reports/report.h"

#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/jsonw.h"
#include "common/ptime.h"
#include "db/store.h"
#include "reports/csv.h"

/* Named parameters bound to every statement that names them: :since/:until are the
 * [since, until) bounds in epoch nanoseconds (text twins :since_iso/:until_iso), the
 * thresholds come from the options (defaults as in report_settings). */
#define WINDOW "first_seen_ns >= :since AND first_seen_ns < :until"
#define FAILED(r) r " NOT IN ('pass', 'not-verified', 'no-identity')"

static const char sql_calls[] =
    "SELECT call_id, first_seen, src_ip, src_port, dst_ip, dst_port, transport, ip_version, ruri_tn,"
    " from_tn, to_tn, pai_tn, final_status, sip_messages, identity_header, ppt, attest, origid,"
    " orig_tn, dest_tn, iat, x5u, verstat, verify_result, chain_id"
    " FROM calls WHERE " WINDOW " ORDER BY first_seen_ns, call_id";

/* Attestation mix; GROUP_KEY is the extra grouping column of --by (or a constant). */
#define SQL_ATTEST(KEY_EXPR, KEY_NAME)                                                                    \
    "WITH levels(attest, ord) AS (VALUES ('A', 1), ('B', 2), ('C', 3), ('none', 4)),"                    \
    " w AS (SELECT " KEY_EXPR " AS k, COALESCE(attest, 'none') AS attest, verify_result"                 \
    "       FROM calls WHERE " WINDOW "),"                                                                \
    " keys AS (SELECT DISTINCT k FROM w UNION SELECT NULL WHERE NOT EXISTS (SELECT 1 FROM w)),"          \
    " total AS (SELECT COUNT(*) AS n FROM w)"                                                            \
    " SELECT " KEY_NAME " l.attest, COUNT(w.attest) AS calls,"                                            \
    " COALESCE(SUM(w.verify_result = 'pass'), 0) AS passed,"                                             \
    " COALESCE(SUM(" FAILED("w.verify_result") "), 0) AS failed,"                                         \
    " COALESCE(SUM(w.verify_result = 'not-verified'), 0) AS not_verified,"                               \
    " CASE WHEN total.n = 0 THEN 0.0 ELSE ROUND(100.0 * COUNT(w.attest) / total.n, 2) END AS share_pct" \
    " FROM keys CROSS JOIN levels l CROSS JOIN total"                                                    \
    " LEFT JOIN w ON w.attest = l.attest AND w.k IS keys.k"                                              \
    " GROUP BY keys.k, l.attest HAVING keys.k IS NULL OR COUNT(w.attest) > 0 ORDER BY keys.k, l.ord"

static const char sql_attest[] = SQL_ATTEST("NULL", "");
static const char sql_attest_peer[] = SQL_ATTEST("src_ip", "keys.k AS peer,");
static const char sql_attest_hour[] = SQL_ATTEST("substr(first_seen, 1, 13) || ':00:00Z'", "keys.k AS hour,");

static const char sql_failures[] =
    "WITH w AS (SELECT * FROM calls WHERE " WINDOW ")"
    " SELECT verify_result, COUNT(*) AS calls,"
    " ROUND(100.0 * COUNT(*) / (SELECT COUNT(*) FROM w), 2) AS share_pct,"
    " MIN(first_seen) AS first_seen, MAX(first_seen) AS last_seen, MIN(call_id) AS example_call_id,"
    " CASE verify_result WHEN 'no-identity' THEN 428 WHEN 'bad-format' THEN 438 WHEN 'unsupported-alg' THEN 437"
    "  WHEN 'cert-fetch-failed' THEN 436 WHEN 'cert-invalid' THEN 437 WHEN 'cert-expired' THEN 437"
    "  WHEN 'cert-untrusted' THEN 437 WHEN 'bad-signature' THEN 438 WHEN 'tn-mismatch' THEN 438"
    "  WHEN 'stale' THEN 403 END AS sip_code"
    " FROM w WHERE verify_result NOT IN ('pass', 'not-verified')"
    " GROUP BY verify_result ORDER BY calls DESC, verify_result";

static const char sql_origid[] =
    "SELECT origid, COUNT(*) AS calls, COUNT(DISTINCT orig_tn) AS orig_tns,"
    " COUNT(DISTINCT dest_tn) AS dest_tns,"
    /* Sorted, not in row order: rows are stored in the order verifications finish. */
    " (SELECT GROUP_CONCAT(a) FROM (SELECT DISTINCT c2.attest AS a FROM calls c2 WHERE c2.origid = calls.origid"
    "   AND c2.attest IS NOT NULL AND c2.first_seen_ns >= :since AND c2.first_seen_ns < :until ORDER BY a))"
    "  AS attest_levels,"
    " MIN(first_seen) AS first_seen, MAX(first_seen) AS last_seen,"
    " ROUND(100.0 * SUM(" FAILED("verify_result") ") / COUNT(*), 2) AS failed_pct,"
    " COUNT(DISTINCT orig_tn) >= :campaign_tns AS campaign"
    " FROM calls WHERE origid IS NOT NULL AND " WINDOW
    " GROUP BY origid ORDER BY calls DESC, origid";

/* Anomalies with the thresholds as parameters: the same rules as the `anomalies` view. */
#define SQL_ANOMALIES                                                                                       \
    "WITH multi AS (SELECT chain_id FROM calls WHERE chain_id IS NOT NULL GROUP BY chain_id HAVING COUNT(*) > 1)" \
    " SELECT 'replay' AS anomaly, c.chain_id, c.id AS call_row_id, c.call_id, c.first_seen, c.first_seen_ns,"  \
    " c.src_ip, c.dst_ip, c.orig_tn, c.dest_tn,"                                                            \
    " CASE WHEN COALESCE(c.pai_tn, c.from_tn, '') <> COALESCE(c.orig_tn, '')"                               \
    "  THEN 'caller ' || COALESCE(c.pai_tn, c.from_tn, '-') || ' is not orig ' || COALESCE(c.orig_tn, '-')" \
    "  WHEN c.to_tn IS NULL OR ';' || c.dest_tn || ';' NOT LIKE '%;' || c.to_tn || ';%'"                    \
    "  THEN 'called ' || COALESCE(c.to_tn, '-') || ' is not dest ' || COALESCE(c.dest_tn, '-')"            \
    "  ELSE 'seen ' || (c.first_seen_ns / 1000000000 - c.iat) || ' s after iat' END AS detail"             \
    " FROM calls c WHERE c.chain_id IN (SELECT chain_id FROM multi)"                                        \
    "  AND (COALESCE(c.pai_tn, c.from_tn, '') <> COALESCE(c.orig_tn, '')"                                   \
    "   OR c.to_tn IS NULL OR ';' || c.dest_tn || ';' NOT LIKE '%;' || c.to_tn || ';%'"                     \
    "   OR ABS(c.first_seen_ns / 1000000000 - c.iat) > :iat_age)"                                           \
    " UNION ALL"                                                                                            \
    " SELECT 'stripping', m.chain_id, u.id, u.call_id, u.first_seen, u.first_seen_ns, u.src_ip, u.dst_ip,"  \
    " COALESCE(u.pai_tn, u.from_tn), u.to_tn,"                                                              \
    " 'no Identity; signed leg ' || m.call_id || ' (' || COALESCE(m.attest, '-') || ') '"                  \
    " || ((u.first_seen_ns - m.first_seen_ns) / 1000000) || ' ms before'"                                   \
    " FROM calls u JOIN calls m ON m.id = (SELECT c.id FROM calls c"                                        \
    "  WHERE c.chain_id IS NOT NULL AND c.first_seen_ns <= u.first_seen_ns"                                 \
    "  AND c.first_seen_ns >= u.first_seen_ns - :window_ns AND c.orig_tn = COALESCE(u.pai_tn, u.from_tn)"    \
    "  AND ';' || c.dest_tn || ';' LIKE '%;' || u.to_tn || ';%'"                                            \
    "  ORDER BY c.first_seen_ns DESC, c.id DESC LIMIT 1)"                                                   \
    " WHERE u.identity_count = 0"                                                                           \
    " UNION ALL"                                                                                            \
    " SELECT 're-signing', d.chain_id, d.id, d.call_id, d.first_seen, d.first_seen_ns, d.src_ip, d.dst_ip," \
    " d.orig_tn, d.dest_tn,"                                                                                \
    " 'was ' || m.chain_id || ' on ' || m.call_id || ' ' || ((d.first_seen_ns - m.first_seen_ns) / 1000000)" \
    " || ' ms before' || CASE WHEN COALESCE(m.attest, '') <> COALESCE(d.attest, '')"                        \
    "  THEN '; attest ' || COALESCE(m.attest, '-') || '>' || COALESCE(d.attest, '-') ELSE '' END"           \
    " || CASE WHEN COALESCE(m.x5u, '') <> COALESCE(d.x5u, '')"                                              \
    "  THEN '; signer ' || COALESCE(m.x5u, '-') || '>' || COALESCE(d.x5u, '-') ELSE '' END"                 \
    " || CASE WHEN COALESCE(m.origid, '') <> COALESCE(d.origid, '') THEN '; origid changed' ELSE '' END"    \
    " FROM calls d JOIN calls m ON m.id = (SELECT c.id FROM calls c"                                        \
    "  WHERE c.chain_id IS NOT NULL AND c.chain_id <> d.chain_id AND c.first_seen_ns <= d.first_seen_ns"    \
    "  AND c.first_seen_ns >= d.first_seen_ns - :window_ns AND c.orig_tn = d.orig_tn"                       \
    "  AND c.dest_tn = d.dest_tn AND c.id <> d.id ORDER BY c.first_seen_ns DESC, c.id DESC LIMIT 1)"        \
    " WHERE d.chain_id IS NOT NULL"

static const char sql_anomalies[] =
    "SELECT anomaly, chain_id, call_id, first_seen, src_ip, dst_ip, orig_tn, dest_tn, detail"
    " FROM (" SQL_ANOMALIES ") WHERE " WINDOW " ORDER BY first_seen_ns, anomaly, call_id";

static const char sql_chains[] =
    "WITH a AS (" SQL_ANOMALIES ")"
    " SELECT t.chain_id, t.legs, t.first_seen, t.last_seen, t.span_ms, t.origid, t.attest, t.orig_tn, t.path,"
    " (SELECT COUNT(*) FROM a WHERE a.chain_id = t.chain_id AND a.anomaly = 'replay') AS replay,"
    " (SELECT COUNT(*) FROM a WHERE a.chain_id = t.chain_id AND a.anomaly = 'stripping') AS stripped,"
    " (SELECT COUNT(*) FROM a WHERE a.chain_id = t.chain_id AND a.anomaly = 're-signing') AS resigned"
    " FROM traceback_chains t WHERE t.chain_id IN (SELECT chain_id FROM calls WHERE " WINDOW ")";

/* --origid X: every leg of that originating point, in time order. */
static const char sql_chains_origid[] =
    "SELECT call_id, first_seen, src_ip, dst_ip, transport, attest, orig_tn, dest_tn, chain_id, verify_result"
    " FROM calls WHERE origid = :origid AND " WINDOW " ORDER BY first_seen_ns, id";

static const char sql_verstat[] =
    "SELECT verstat, verstat_source AS seen_in, src_ip, COUNT(*) AS calls,"
    " SUM(verify_result = 'pass') AS our_pass,"
    " SUM(" FAILED("verify_result") ") AS our_fail"
    " FROM calls WHERE verstat IS NOT NULL AND " WINDOW
    " GROUP BY verstat, verstat_source, src_ip ORDER BY calls DESC, verstat";

/* --by verify: our verdict on the chain (its first signed leg; for an unsigned leg, the
 * signed leg it was stripped from) against the verstat another network stamped. */
static const char sql_verstat_verify[] =
    "WITH v AS (SELECT u.*, COALESCE("
    "  (SELECT c.verify_result FROM calls c WHERE c.chain_id = u.chain_id ORDER BY c.first_seen_ns, c.id LIMIT 1),"
    "  (SELECT c.verify_result FROM calls c WHERE u.identity_count = 0 AND c.chain_id IS NOT NULL"
    "   AND c.first_seen_ns <= u.first_seen_ns AND c.first_seen_ns >= u.first_seen_ns - :window_ns"
    "   AND c.orig_tn = COALESCE(u.pai_tn, u.from_tn) AND ';' || c.dest_tn || ';' LIKE '%;' || u.to_tn || ';%'"
    "   ORDER BY c.first_seen_ns DESC, c.id DESC LIMIT 1),"
    "  u.verify_result) AS ours"
    "  FROM calls u WHERE u.verstat IS NOT NULL AND " WINDOW "),"
    " x AS (SELECT ours, verstat, CASE"
    "  WHEN ours = 'not-verified' THEN 'n/a'"
    "  WHEN verstat = 'TN-Validation-Passed' THEN CASE WHEN ours = 'pass' THEN 'agree' ELSE 'disagree' END"
    "  WHEN verstat = 'TN-Validation-Failed' THEN CASE WHEN " FAILED("ours") " THEN 'agree' ELSE 'disagree' END"
    "  WHEN verstat = 'No-TN-Validation' THEN CASE WHEN ours = 'no-identity' THEN 'agree' ELSE 'disagree' END"
    "  ELSE 'n/a' END AS agreement, call_id, first_seen FROM v)"
    " SELECT ours AS verify_result, verstat, agreement, COUNT(*) AS calls, MIN(first_seen) AS first_seen,"
    " MIN(call_id) AS example_call_id FROM x GROUP BY ours, verstat, agreement"
    " ORDER BY CASE agreement WHEN 'disagree' THEN 1 WHEN 'agree' THEN 2 ELSE 3 END, calls DESC, ours, verstat";

static const char sql_certs[] =
    "SELECT k.x5u, k.status, k.subject, k.spc, k.issuer, k.not_before, k.not_after,"
    " MAX(c.first_seen) AS last_call,"
    " CAST(floor(julianday(k.not_after) - julianday(MAX(c.first_seen))) AS INTEGER) AS days_left,"
    " COUNT(c.id) AS calls,"
    " COALESCE(SUM(" FAILED("c.verify_result") "), 0) AS failures,"
    " julianday(k.not_after) - julianday(MAX(c.first_seen)) < :warn_days AS expiring"
    " FROM certificates k LEFT JOIN calls c ON c.x5u = k.x5u AND c." WINDOW
    " GROUP BY k.x5u ORDER BY k.not_after, k.x5u";

static const char sql_signers[] =
    "WITH w AS (SELECT c.attest, c.verify_result, c.final_status, c.x5u, k.spc,"
    "  lower(substr(substr(c.x5u, instr(c.x5u, '://') + 3), 1,"
    "   instr(substr(c.x5u, instr(c.x5u, '://') + 3) || '/', '/') - 1)) AS host,"
    "  " FAILED("c.verify_result") " AS failed"
    "  FROM calls c LEFT JOIN certificates k ON k.x5u = c.x5u WHERE c.x5u IS NOT NULL AND c." WINDOW "),"
    " g AS (SELECT 'spc' AS signer_kind, spc AS signer, * FROM w WHERE spc IS NOT NULL"
    "  UNION ALL SELECT 'x5u-host', host, * FROM w)"
    " SELECT signer_kind, signer, COUNT(*) AS calls,"
    " SUM(attest = 'A') AS attest_a, SUM(attest = 'B') AS attest_b, SUM(attest = 'C') AS attest_c,"
    " SUM(verify_result = 'pass') AS passed, SUM(failed) AS failed,"
    " (SELECT group_concat(r || ':' || n, ';') FROM (SELECT g2.verify_result AS r, COUNT(*) AS n FROM g g2"
    "  WHERE g2.signer_kind = g.signer_kind AND g2.signer = g.signer AND g2.failed"
    "  GROUP BY g2.verify_result ORDER BY n DESC, r)) AS failures,"
    " SUM(attest = 'A' AND (failed OR final_status IS NULL OR final_status >= 300)) AS a_failed_or_rejected,"
    " COUNT(DISTINCT x5u) AS certificates"
    " FROM g GROUP BY signer_kind, signer ORDER BY signer_kind DESC, calls DESC, signer";

/* Flags with the campaign threshold as a parameter: the same rules as the call_flags view. */
static const char sql_flags[] =
    "WITH c AS (SELECT id, call_id, first_seen, first_seen_ns, src_ip, attest, origid, x5u, verify_result,"
    "  orig_in_cert, COALESCE(orig_tn, pai_tn, from_tn) AS tn FROM calls WHERE " WINDOW "),"
    " campaigns AS (SELECT origid, COUNT(DISTINCT orig_tn) AS tns FROM calls WHERE origid IS NOT NULL"
    "  GROUP BY origid HAVING COUNT(DISTINCT orig_tn) >= :campaign_tns),"
    " f AS (SELECT c.*, 'high-risk-orig' AS flag, c.tn || ' in ' || r.prefix || ' (' || r.label || ')' AS detail"
    "  FROM c JOIN risk_prefixes r"
    "  ON substr(CASE WHEN length(c.tn) = 10 THEN '1' || c.tn ELSE c.tn END, 1, length(r.prefix)) = r.prefix"
    "  UNION ALL SELECT c.*, 'a-outside-tnauthlist',"
    "  'A-attested orig ' || c.tn || ' not in ' || COALESCE(k.tnauthlist, 'the certificate')"
    "  FROM c LEFT JOIN certificates k ON k.x5u = c.x5u WHERE c.attest = 'A' AND c.orig_in_cert = 0"
    "  UNION ALL SELECT c.*, 'origid-many-tns', 'origid on ' || g.tns || ' orig TNs'"
    "  FROM c JOIN campaigns g ON g.origid = c.origid"
    "  UNION ALL SELECT c.*, 'cert-expired-at-call', 'certificate expired ' || k.not_after"
    "  FROM c JOIN certificates k ON k.x5u = c.x5u WHERE k.not_after IS NOT NULL AND k.not_after < c.first_seen)"
    " SELECT call_id, first_seen, flag, detail, src_ip, tn AS orig_tn, attest, origid, verify_result"
    " FROM f ORDER BY first_seen_ns, call_id, flag";

static const char sql_feedback[] =
    "SELECT call_id, first_seen, src_ip, dst_ip, stir_error, stir_error_via AS via, stir_error_in AS carried_in,"
    " stir_error_text AS text, verify_result, our_code, agreement"
    " FROM stir_feedback WHERE " WINDOW " ORDER BY first_seen_ns, call_id";

/* Counters of the captures whose packets fall in the window. */
static const char sql_stats[] =
    "SELECT s.kind, s.name, SUM(s.value) AS value FROM stats s JOIN captures c ON c.id = s.capture_id"
    " WHERE (c.last_packet IS NULL OR c.last_packet >= :since_iso) AND (c.first_packet IS NULL OR c.first_packet < :until_iso)"
    " GROUP BY s.kind, s.name"
    " ORDER BY CASE s.kind WHEN 'traffic' THEN 1 WHEN 'sip' THEN 2 WHEN 'verify' THEN 3 WHEN 'drop' THEN 4 ELSE 5 END, s.name";

static const struct {
    const char *kind;
    const char *by; /* --by value, NULL: the plain report */
    const char *sql;
} kinds[] = {
    { "calls", NULL, sql_calls },
    { "stats", NULL, sql_stats },
    { "attest", NULL, sql_attest },
    { "attest", "peer", sql_attest_peer },
    { "attest", "hour", sql_attest_hour },
    { "failures", NULL, sql_failures },
    { "origid", NULL, sql_origid },
    { "chains", NULL, sql_chains },
    { "verstat", NULL, sql_verstat },
    { "verstat", "verify", sql_verstat_verify },
    { "signers", NULL, sql_signers },
    { "certs", NULL, sql_certs },
    { "anomalies", NULL, sql_anomalies },
    { "flags", NULL, sql_flags },
    { "feedback", NULL, sql_feedback },
};

const char *const report_kinds[] = { "calls", "stats", "attest", "failures", "origid", "chains", "verstat",
                                     "signers", "certs", "anomalies", "flags", "feedback", NULL };

struct table {
    int ncol;
    char **cells; /* row-major, ncol per row, first row = names */
    size_t nrows, cap;
};

static int table_add(struct table *t, sqlite3_stmt *st, bool header)
{
    if (t->nrows == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 64;
        char **nc = realloc(t->cells, cap * (size_t)t->ncol * sizeof *nc);
        if (!nc)
            return -1;
        t->cells = nc;
        t->cap = cap;
    }
    for (int i = 0; i < t->ncol; i++) {
        const char *v = header ? sqlite3_column_name(st, i) : (const char *)sqlite3_column_text(st, i);
        char *cell = strdup(v ? v : "");
        /* Captured text goes to a terminal: control bytes (ESC sequences, CR, BS) and
         * bytes that are not UTF-8 (C1 controls on 8-bit terminals) are shown as '?', so
         * a Call-ID cannot rewrite the screen or the table. */
        for (unsigned char *q = (unsigned char *)cell; q && *q;) {
            size_t u = *q >= 0x80 ? utf8_seq(q, strlen((char *)q)) : 1;
            if (*q < 0x20 || *q == 0x7f || u == 0) {
                *q++ = '?';
                continue;
            }
            q += u;
        }
        t->cells[t->nrows * (size_t)t->ncol + (size_t)i] = cell;
    }
    t->nrows++;
    return 0;
}

static void table_print(struct table *t, FILE *out)
{
    size_t *w = calloc((size_t)t->ncol, sizeof *w);
    if (!w)
        return;
    for (size_t r = 0; r < t->nrows; r++)
        for (int c = 0; c < t->ncol; c++) {
            const char *v = t->cells[r * (size_t)t->ncol + (size_t)c];
            size_t n = v ? strlen(v) : 0;
            if (n > w[c])
                w[c] = n;
        }
    for (size_t r = 0; r < t->nrows; r++) {
        for (int c = 0; c < t->ncol; c++) {
            const char *v = t->cells[r * (size_t)t->ncol + (size_t)c];
            fprintf(out, "%s%-*s", c ? "  " : "", c == t->ncol - 1 ? 0 : (int)w[c], v ? v : "");
        }
        fputc('\n', out);
        if (r == 0) {
            for (int c = 0; c < t->ncol; c++) {
                fprintf(out, "%s", c ? "  " : "");
                for (size_t k = 0; k < w[c]; k++)
                    fputc('-', out);
            }
            fputc('\n', out);
        }
    }
    for (size_t i = 0; i < t->nrows * (size_t)t->ncol; i++)
        free(t->cells[i]);
    free(t->cells);
    free(w);
}

static void csv_row(sqlite3_stmt *st, int ncol, FILE *out, bool header)
{
    for (int i = 0; i < ncol; i++) {
        if (i)
            csv_sep(out);
        if (header) {
            const char *n = sqlite3_column_name(st, i);
            csv_field(out, n, strlen(n), true);
            continue;
        }
        int type = sqlite3_column_type(st, i);
        if (type == SQLITE_NULL)
            continue;
        const char *v = (const char *)sqlite3_column_text(st, i);
        csv_field(out, v, (size_t)sqlite3_column_bytes(st, i), type == SQLITE_TEXT || type == SQLITE_BLOB);
    }
    csv_eol(out);
}

static void json_row(sqlite3_stmt *st, int ncol, FILE *out)
{
    fputc('{', out);
    for (int i = 0; i < ncol; i++) {
        const char *n = sqlite3_column_name(st, i);
        if (i)
            fputc(',', out);
        json_write_str(out, n, strlen(n));
        fputc(':', out);
        switch (sqlite3_column_type(st, i)) {
        case SQLITE_NULL:
            fputs("null", out);
            break;
        case SQLITE_INTEGER:
            fprintf(out, "%lld", (long long)sqlite3_column_int64(st, i));
            break;
        case SQLITE_FLOAT:
            fprintf(out, "%.17g", sqlite3_column_double(st, i));
            break;
        default:
            json_write_str(out, (const char *)sqlite3_column_text(st, i), (size_t)sqlite3_column_bytes(st, i));
        }
    }
    fputs("}\n", out);
}

static int parse_bound(const char *s, int64_t dflt, int64_t *ns, char *iso)
{
    struct ptime t;
    if (!s) {
        *ns = dflt;
        strcpy(iso, dflt < 0 ? "0000" : "9999");
        return 0;
    }
    if (ptime_parse_iso(s, &t) != 0) {
        fprintf(stderr, "stirprobe: report: bad time '%s' (want ISO 8601, e.g. 2025-03-01T12:00:00Z)\n", s);
        return -1;
    }
    *ns = ptime_ns(t);
    ptime_iso(t, iso);
    return 0;
}

static const char *pick_sql(const char *kind, const struct rpt_opts *o)
{
    if (strcmp(kind, "chains") == 0 && o->origid)
        return sql_chains_origid;
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
        if (strcmp(kinds[i].kind, kind) == 0 &&
            (o->by ? kinds[i].by && strcmp(kinds[i].by, o->by) == 0 : !kinds[i].by))
            return kinds[i].sql;
    return NULL;
}

static void bind_named_int(sqlite3_stmt *st, const char *name, int64_t v)
{
    int i = sqlite3_bind_parameter_index(st, name);
    if (i)
        sqlite3_bind_int64(st, i, v);
}

static void bind_named_text(sqlite3_stmt *st, const char *name, const char *v)
{
    int i = sqlite3_bind_parameter_index(st, name);
    if (i)
        sqlite3_bind_text(st, i, v, -1, SQLITE_TRANSIENT);
}

int report_add_probes(struct rpt_opts *o, char *arg)
{
    for (char *save = NULL, *t = strtok_r(arg, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        if (o->n_probes == RPT_MAX_PROBES) {
            fprintf(stderr, "stirprobe: --probe: at most %d probe ids\n", RPT_MAX_PROBES);
            return 1;
        }
        o->probes[o->n_probes++] = t;
    }
    return 0;
}

int report_run(const char *kind, const struct rpt_opts *o, FILE *out)
{
    const char *sql = pick_sql(kind, o);
    if (!sql) {
        bool known = false;
        for (size_t i = 0; report_kinds[i]; i++)
            known |= strcmp(report_kinds[i], kind) == 0;
        if (known) {
            fprintf(stderr, "stirprobe: report %s: no such --by '%s' (attest: peer, hour; verstat: verify)\n", kind,
                    o->by);
            return 1;
        }
        fprintf(stderr, "stirprobe: report: unknown kind '%s' (have:", kind);
        for (size_t i = 0; report_kinds[i]; i++)
            fprintf(stderr, " %s", report_kinds[i]);
        fprintf(stderr, " html)\n");
        return 1;
    }
    int64_t since, until;
    char since_iso[PTIME_ISO_LEN], until_iso[PTIME_ISO_LEN];
    if (parse_bound(o->since, INT64_MIN, &since, since_iso) ||
        parse_bound(o->until, INT64_MAX, &until, until_iso))
        return 1;
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    int rc = 1;
    char err[600];
    /* Chains, anomalies and --by verify look up to the matching window before a leg. */
    struct read_filter f = { .probes = o->probes, .n_probes = o->n_probes, .since_ns = since, .until_ns = until,
                             .margin_ns = (int64_t)o->window_sec * 1000000000 };
    if (store_open_read(o->db_path, &f, &db, err, sizeof err) != 0) {
        fprintf(stderr, "stirprobe: report: %s\n", err);
        goto out;
    }
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
        fprintf(stderr, "stirprobe: report %s: %s: %s%s\n", kind, o->db_path, sqlite3_errmsg(db),
                strstr(sqlite3_errmsg(db), "no such") ? " (a database of an older stirprobe: run any"
                                                        " `stirprobe read` on it once to upgrade it)" : "");
        goto out;
    }
    bind_named_int(st, ":since", since);
    bind_named_int(st, ":until", until);
    bind_named_text(st, ":since_iso", since_iso);
    bind_named_text(st, ":until_iso", until_iso);
    bind_named_int(st, ":campaign_tns", o->campaign_tns);
    bind_named_int(st, ":warn_days", o->warn_days);
    bind_named_int(st, ":window_ns", (int64_t)o->window_sec * 1000000000);
    bind_named_int(st, ":iat_age", o->max_iat_age);
    bind_named_text(st, ":origid", o->origid);
    int ncol = sqlite3_column_count(st);
    struct table t = { .ncol = ncol };
    if (o->format == RPT_CSV)
        csv_row(st, ncol, out, true);
    else if (o->format == RPT_TABLE)
        table_add(&t, st, true);
    int step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        if (o->format == RPT_CSV)
            csv_row(st, ncol, out, false);
        else if (o->format == RPT_JSON)
            json_row(st, ncol, out);
        else if (table_add(&t, st, false) != 0)
            break;
    }
    if (o->format == RPT_TABLE)
        table_print(&t, out);
    if (step != SQLITE_DONE) {
        fprintf(stderr, "stirprobe: report %s: %s\n", kind, sqlite3_errmsg(db));
        goto out;
    }
    rc = fflush(out) == 0 ? 0 : 1;
out:
    sqlite3_finalize(st);
    sqlite3_close(db);
    return rc;
}
