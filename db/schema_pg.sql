-- stirprobe database schema, PostgreSQL variant (stirprobe read/capture/hep --db postgresql://...).
-- The same tables, columns and views as db/schema.sql, plus:
--   probe_id  on captures, calls, passports and stats: many probes write one database;
--   calls and passports are partitioned by day (RANGE on first_seen_ns, epoch ns, UTC):
--             partitions calls_pYYYYMMDD / passports_pYYYYMMDD are created by the writer
--             when a batch needs them and dropped whole by --retention-days;
--   keys      a call is (probe_id, call_id, first_seen_ns); its PASSporTs are
--             (probe_id, call_id, first_seen_ns, position) — no foreign key across
--             partitions; passports.call_row_id is still the calls.id of the call.
-- Integers are BIGINT, text TEXT, times as in schema.sql (ISO text twins + *_ns).
-- Every statement is idempotent; the writer runs this under an advisory lock.

CREATE TABLE IF NOT EXISTS schema_version (
    version     INTEGER NOT NULL,
    applied_at  TEXT NOT NULL
);

CREATE TABLE IF NOT EXISTS captures (
    id           BIGSERIAL PRIMARY KEY,
    source       TEXT NOT NULL,
    source_key   TEXT,
    kind         TEXT NOT NULL,
    link_type    TEXT,
    started_at   TEXT NOT NULL,
    finished_at  TEXT,
    first_packet TEXT,
    last_packet  TEXT,
    packets      BIGINT NOT NULL DEFAULT 0,
    status       TEXT NOT NULL,
    message      TEXT,
    probe_id     TEXT NOT NULL,
    UNIQUE (probe_id, source_key)
);

CREATE SEQUENCE IF NOT EXISTS calls_id_seq;
CREATE TABLE IF NOT EXISTS calls (
    id              BIGINT NOT NULL DEFAULT nextval('calls_id_seq'),
    call_id         TEXT NOT NULL,
    first_seen      TEXT NOT NULL,
    first_seen_ns   BIGINT NOT NULL,
    last_seen       TEXT NOT NULL,
    last_seen_ns    BIGINT NOT NULL,
    src_ip          TEXT NOT NULL,
    src_port        BIGINT NOT NULL,
    dst_ip          TEXT NOT NULL,
    dst_port        BIGINT NOT NULL,
    transport       TEXT NOT NULL,
    ip_version      BIGINT NOT NULL,
    ruri_tn         TEXT,
    from_tn         TEXT,
    to_tn           TEXT,
    pai_tn          TEXT,
    final_status    BIGINT,
    sip_messages    BIGINT NOT NULL,
    identity_header TEXT,
    identity_count  BIGINT NOT NULL DEFAULT 0,
    ppt             TEXT,
    attest          TEXT,
    origid          TEXT,
    orig_tn         TEXT,
    dest_tn         TEXT,
    iat             BIGINT,
    x5u             TEXT,
    verstat         TEXT,
    verstat_source  TEXT,
    verify_result   TEXT NOT NULL DEFAULT 'not-verified',
    verify_detail   TEXT,
    chain_id        TEXT,
    capture_id      BIGINT,
    stir_error      BIGINT,
    stir_error_via  TEXT,
    stir_error_in   TEXT,
    stir_error_text TEXT,
    orig_in_cert    BIGINT,
    probe_id        TEXT NOT NULL,
    UNIQUE (probe_id, call_id, first_seen_ns)
) PARTITION BY RANGE (first_seen_ns);
ALTER SEQUENCE calls_id_seq OWNED BY calls.id;
CREATE INDEX IF NOT EXISTS calls_by_time   ON calls(first_seen_ns);
CREATE INDEX IF NOT EXISTS calls_by_id     ON calls(id);
CREATE INDEX IF NOT EXISTS calls_by_chain  ON calls(chain_id) WHERE chain_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS calls_by_origid ON calls(origid) WHERE origid IS NOT NULL;

CREATE SEQUENCE IF NOT EXISTS passports_id_seq;
CREATE TABLE IF NOT EXISTS passports (
    id            BIGINT NOT NULL DEFAULT nextval('passports_id_seq'),
    call_row_id   BIGINT NOT NULL,
    position      BIGINT NOT NULL,
    header_name   TEXT NOT NULL,
    ppt           TEXT,
    alg           TEXT,
    typ           TEXT,
    x5u           TEXT,
    info          TEXT,
    alg_param     TEXT,
    ppt_param     TEXT,
    attest        TEXT,
    origid        TEXT,
    orig_tn       TEXT,
    dest_tn       TEXT,
    iat           BIGINT,
    div_tn        TEXT,
    rcd_nam       TEXT,
    compact       BIGINT NOT NULL DEFAULT 0,
    decode_result TEXT NOT NULL,
    decode_detail TEXT,
    warnings      TEXT,
    raw_jws       TEXT NOT NULL,
    chain_id      TEXT,
    verify_result TEXT NOT NULL DEFAULT 'not-verified',
    verify_detail TEXT,
    probe_id      TEXT NOT NULL,
    call_id       TEXT NOT NULL,
    first_seen_ns BIGINT NOT NULL,
    PRIMARY KEY (probe_id, call_id, first_seen_ns, position)
) PARTITION BY RANGE (first_seen_ns);
ALTER SEQUENCE passports_id_seq OWNED BY passports.id;
CREATE INDEX IF NOT EXISTS passports_by_call ON passports(call_row_id);

CREATE TABLE IF NOT EXISTS certificates (
    id          BIGSERIAL NOT NULL UNIQUE,
    x5u         TEXT PRIMARY KEY,
    fetched_at  TEXT,
    status      TEXT,
    http_status BIGINT,
    error       TEXT,
    subject     TEXT,
    issuer      TEXT,
    spc         TEXT,
    tnauthlist  TEXT,
    not_before  TEXT,
    not_after   TEXT,
    sha256      TEXT,
    cache_until TEXT,
    pem         BYTEA                      -- the body as fetched (PEM text or DER)
);

CREATE TABLE IF NOT EXISTS stats (
    capture_id BIGINT NOT NULL REFERENCES captures(id) ON DELETE CASCADE,
    name       TEXT NOT NULL,
    kind       TEXT NOT NULL,
    value      BIGINT NOT NULL,
    probe_id   TEXT NOT NULL,
    PRIMARY KEY (capture_id, name)
);

CREATE TABLE IF NOT EXISTS report_settings (
    name  TEXT PRIMARY KEY,
    value BIGINT NOT NULL
);
INSERT INTO report_settings VALUES
    ('campaign_min_tns', 10), ('anomaly_window_s', 10), ('max_iat_age_s', 60), ('cert_warn_days', 30)
ON CONFLICT DO NOTHING;

CREATE TABLE IF NOT EXISTS risk_prefixes (
    prefix TEXT PRIMARY KEY,
    label  TEXT NOT NULL
);
INSERT INTO risk_prefixes VALUES
    ('881', 'international premium / satellite'), ('882', 'international networks'),
    ('883', 'international networks'), ('1900', 'premium rate'),
    ('1242', 'one-ring (Bahamas)'), ('1246', 'one-ring (Barbados)'), ('1473', 'one-ring (Grenada)'),
    ('1809', 'one-ring (Dominican Republic)'), ('1829', 'one-ring (Dominican Republic)'),
    ('1849', 'one-ring (Dominican Republic)'), ('1876', 'one-ring (Jamaica)')
ON CONFLICT DO NOTHING;

-- ---- views: the rules of db/schema.sql in PostgreSQL's dialect (same names and columns).
-- Booleans are counted as integers, GROUP_CONCAT is string_agg, julianday differences are
-- interval arithmetic; text times compare in the "C" collation, as SQLite compares them.

CREATE OR REPLACE VIEW attestation_report AS
SELECT COALESCE(attest, 'none') AS attest,
       COUNT(*) AS calls,
       SUM((verify_result = 'pass')::int) AS passed,
       SUM((verify_result NOT IN ('pass', 'not-verified', 'no-identity'))::int) AS failed,
       SUM((verify_result = 'not-verified')::int) AS not_verified,
       ROUND(100.0 * COUNT(*) / (SELECT COUNT(*) FROM calls), 2) AS share_pct
FROM calls
GROUP BY COALESCE(attest, 'none')
ORDER BY CASE COALESCE(attest, 'none') WHEN 'A' THEN 1 WHEN 'B' THEN 2 WHEN 'C' THEN 3 ELSE 4 END;

CREATE OR REPLACE VIEW origid_report AS
SELECT origid,
       COUNT(*) AS calls,
       COUNT(DISTINCT orig_tn) AS orig_tns,
       COUNT(DISTINCT dest_tn) AS dest_tns,
       string_agg(DISTINCT attest, ',') AS attest_levels,
       MIN(first_seen COLLATE "C") AS first_seen,
       MAX(first_seen COLLATE "C") AS last_seen,
       ROUND(100.0 * SUM((verify_result NOT IN ('pass', 'not-verified', 'no-identity'))::int) / COUNT(*), 2)
           AS failed_pct
FROM calls
WHERE origid IS NOT NULL
GROUP BY origid
ORDER BY calls DESC, origid COLLATE "C";

CREATE OR REPLACE VIEW traceback_chains AS
SELECT chain_id,
       COUNT(*) AS legs,
       MIN(first_seen COLLATE "C") AS first_seen,
       MAX(first_seen COLLATE "C") AS last_seen,
       ((MAX(first_seen_ns) - MIN(first_seen_ns)) / 1000000.0)::float8 AS span_ms,
       MIN(origid COLLATE "C") AS origid,
       MIN(attest COLLATE "C") AS attest,
       MIN(orig_tn COLLATE "C") AS orig_tn,
       (SELECT string_agg(c2.src_ip, '>' ORDER BY c2.first_seen_ns, c2.id) FROM calls c2
        WHERE c2.chain_id = c.chain_id) || '>' ||
       (SELECT c3.dst_ip FROM calls c3 WHERE c3.chain_id = c.chain_id
        ORDER BY c3.first_seen_ns DESC, c3.id DESC LIMIT 1) AS path
FROM calls c
WHERE chain_id IS NOT NULL
GROUP BY chain_id
ORDER BY MIN(first_seen COLLATE "C");

CREATE OR REPLACE VIEW verification_failures AS
SELECT call_id, first_seen, src_ip, dst_ip, verify_result, verify_detail, attest, origid,
       orig_tn, dest_tn, x5u, identity_header
FROM calls
WHERE verify_result NOT IN ('pass', 'not-verified')
ORDER BY first_seen COLLATE "C";

CREATE OR REPLACE VIEW anomalies AS
WITH s AS (SELECT (SELECT value FROM report_settings WHERE name = 'anomaly_window_s') * 1000000000 AS window_ns,
                  (SELECT value FROM report_settings WHERE name = 'max_iat_age_s') AS iat_age),
multi AS (SELECT chain_id FROM calls WHERE chain_id IS NOT NULL GROUP BY chain_id HAVING COUNT(*) > 1)
SELECT 'replay' AS anomaly, c.chain_id, c.id AS call_row_id, c.call_id, c.first_seen, c.first_seen_ns,
       c.src_ip, c.dst_ip, c.orig_tn, c.dest_tn,
       CASE WHEN COALESCE(c.pai_tn, c.from_tn, '') <> COALESCE(c.orig_tn, '')
                 THEN 'caller ' || COALESCE(c.pai_tn, c.from_tn, '-') || ' is not orig ' || COALESCE(c.orig_tn, '-')
            WHEN c.to_tn IS NULL OR ';' || c.dest_tn || ';' NOT LIKE '%;' || c.to_tn || ';%'
                 THEN 'called ' || COALESCE(c.to_tn, '-') || ' is not dest ' || COALESCE(c.dest_tn, '-')
            ELSE 'seen ' || (c.first_seen_ns / 1000000000 - c.iat) || ' s after iat' END AS detail
FROM calls c CROSS JOIN s
WHERE c.chain_id IN (SELECT chain_id FROM multi)
  AND (COALESCE(c.pai_tn, c.from_tn, '') <> COALESCE(c.orig_tn, '')
       OR c.to_tn IS NULL OR ';' || c.dest_tn || ';' NOT LIKE '%;' || c.to_tn || ';%'
       OR ABS(c.first_seen_ns / 1000000000 - c.iat) > s.iat_age)
UNION ALL
SELECT 'stripping', m.chain_id, u.id, u.call_id, u.first_seen, u.first_seen_ns, u.src_ip, u.dst_ip,
       COALESCE(u.pai_tn, u.from_tn), u.to_tn,
       'no Identity; signed leg ' || m.call_id || ' (' || COALESCE(m.attest, '-') || ') '
           || ((u.first_seen_ns - m.first_seen_ns) / 1000000) || ' ms before'
FROM calls u CROSS JOIN s
JOIN calls m ON m.id = (SELECT c.id FROM calls c
                        WHERE c.chain_id IS NOT NULL AND c.first_seen_ns <= u.first_seen_ns
                          AND c.first_seen_ns >= u.first_seen_ns - s.window_ns
                          AND c.orig_tn = COALESCE(u.pai_tn, u.from_tn)
                          AND ';' || c.dest_tn || ';' LIKE '%;' || u.to_tn || ';%'
                        ORDER BY c.first_seen_ns DESC, c.id DESC LIMIT 1)
WHERE u.identity_count = 0
UNION ALL
SELECT 're-signing', d.chain_id, d.id, d.call_id, d.first_seen, d.first_seen_ns, d.src_ip, d.dst_ip,
       d.orig_tn, d.dest_tn,
       'was ' || m.chain_id || ' on ' || m.call_id || ' ' || ((d.first_seen_ns - m.first_seen_ns) / 1000000)
           || ' ms before' || CASE WHEN COALESCE(m.attest, '') <> COALESCE(d.attest, '')
                                   THEN '; attest ' || COALESCE(m.attest, '-') || '>' || COALESCE(d.attest, '-') ELSE '' END
           || CASE WHEN COALESCE(m.x5u, '') <> COALESCE(d.x5u, '') THEN '; signer ' || COALESCE(m.x5u, '-') || '>' || COALESCE(d.x5u, '-') ELSE '' END
           || CASE WHEN COALESCE(m.origid, '') <> COALESCE(d.origid, '') THEN '; origid changed' ELSE '' END
FROM calls d CROSS JOIN s
JOIN calls m ON m.id = (SELECT c.id FROM calls c
                        WHERE c.chain_id IS NOT NULL AND c.chain_id <> d.chain_id
                          AND c.first_seen_ns <= d.first_seen_ns AND c.first_seen_ns >= d.first_seen_ns - s.window_ns
                          AND c.orig_tn = d.orig_tn AND c.dest_tn = d.dest_tn AND c.id <> d.id
                        ORDER BY c.first_seen_ns DESC, c.id DESC LIMIT 1)
WHERE d.chain_id IS NOT NULL;

CREATE OR REPLACE VIEW call_flags AS
WITH c AS (SELECT id, call_id, first_seen, first_seen_ns, src_ip, attest, origid, x5u, verify_result, orig_in_cert,
                  COALESCE(orig_tn, pai_tn, from_tn) AS tn
           FROM calls),
campaigns AS (SELECT origid, COUNT(DISTINCT orig_tn) AS tns FROM calls WHERE origid IS NOT NULL
              GROUP BY origid
              HAVING COUNT(DISTINCT orig_tn) >= (SELECT value FROM report_settings WHERE name = 'campaign_min_tns'))
SELECT c.id AS call_row_id, c.call_id, c.first_seen, c.first_seen_ns, 'high-risk-orig' AS flag,
       c.tn || ' in ' || r.prefix || ' (' || r.label || ')' AS detail,
       c.src_ip, c.tn AS orig_tn, c.attest, c.origid, c.verify_result
FROM c JOIN risk_prefixes r
     ON substr(CASE WHEN length(c.tn) = 10 THEN '1' || c.tn ELSE c.tn END, 1, length(r.prefix)) = r.prefix
UNION ALL
SELECT c.id, c.call_id, c.first_seen, c.first_seen_ns, 'a-outside-tnauthlist',
       'A-attested orig ' || c.tn || ' not in ' || COALESCE(k.tnauthlist, 'the certificate'),
       c.src_ip, c.tn, c.attest, c.origid, c.verify_result
FROM c LEFT JOIN certificates k ON k.x5u = c.x5u
WHERE c.attest = 'A' AND c.orig_in_cert = 0
UNION ALL
SELECT c.id, c.call_id, c.first_seen, c.first_seen_ns, 'origid-many-tns',
       'origid on ' || g.tns || ' orig TNs', c.src_ip, c.tn, c.attest, c.origid, c.verify_result
FROM c JOIN campaigns g ON g.origid = c.origid
UNION ALL
SELECT c.id, c.call_id, c.first_seen, c.first_seen_ns, 'cert-expired-at-call',
       'certificate expired ' || k.not_after, c.src_ip, c.tn, c.attest, c.origid, c.verify_result
FROM c JOIN certificates k ON k.x5u = c.x5u
WHERE k.not_after IS NOT NULL AND k.not_after COLLATE "C" < c.first_seen COLLATE "C";

CREATE OR REPLACE VIEW signer_report AS
WITH w AS (SELECT c.*, k.spc,
                  lower(substr(substr(c.x5u, strpos(c.x5u, '://') + 3), 1,
                               strpos(substr(c.x5u, strpos(c.x5u, '://') + 3) || '/', '/') - 1)) AS host,
                  c.verify_result NOT IN ('pass', 'not-verified', 'no-identity') AS failed
           FROM calls c LEFT JOIN certificates k ON k.x5u = c.x5u
           WHERE c.x5u IS NOT NULL),
g AS (SELECT 'spc' AS signer_kind, spc AS signer, * FROM w WHERE spc IS NOT NULL
      UNION ALL SELECT 'x5u-host', host, * FROM w)
SELECT signer_kind, signer, COUNT(*) AS calls,
       SUM((attest = 'A')::int) AS attest_a, SUM((attest = 'B')::int) AS attest_b,
       SUM((attest = 'C')::int) AS attest_c,
       SUM((verify_result = 'pass')::int) AS passed, SUM(failed::int) AS failed,
       (SELECT string_agg(f.r || ':' || f.n, ';' ORDER BY f.n DESC, f.r COLLATE "C") FROM
           (SELECT g2.verify_result AS r, COUNT(*) AS n FROM g g2
            WHERE g2.signer_kind = g.signer_kind AND g2.signer = g.signer AND g2.failed
            GROUP BY g2.verify_result) f) AS failures,
       SUM((attest = 'A' AND (failed OR final_status IS NULL OR final_status >= 300))::int) AS a_failed_or_rejected,
       COUNT(DISTINCT x5u) AS certificates
FROM g
GROUP BY signer_kind, signer
ORDER BY signer_kind COLLATE "C" DESC, calls DESC, signer COLLATE "C";

CREATE OR REPLACE VIEW certificate_report AS
SELECT k.x5u, k.status, k.subject, k.spc, k.issuer, k.not_before, k.not_after,
       MAX(c.first_seen COLLATE "C") AS last_call,
       floor(EXTRACT(EPOCH FROM (k.not_after::timestamptz - MAX(c.first_seen COLLATE "C")::timestamptz))
             / 86400)::bigint AS days_left,
       COUNT(c.id) AS calls,
       COALESCE(SUM((c.verify_result NOT IN ('pass', 'not-verified', 'no-identity'))::int), 0) AS failures,
       (EXTRACT(EPOCH FROM (k.not_after::timestamptz - MAX(c.first_seen COLLATE "C")::timestamptz)) / 86400
           < (SELECT value FROM report_settings WHERE name = 'cert_warn_days'))::int AS expiring
FROM certificates k LEFT JOIN calls c ON c.x5u = k.x5u
GROUP BY k.x5u
ORDER BY k.not_after COLLATE "C", k.x5u COLLATE "C";

CREATE OR REPLACE VIEW stir_feedback AS
SELECT id AS call_row_id, call_id, first_seen, first_seen_ns, src_ip, dst_ip, stir_error, stir_error_via,
       stir_error_in, stir_error_text, verify_result,
       CASE verify_result WHEN 'no-identity' THEN 428 WHEN 'bad-format' THEN 438 WHEN 'unsupported-alg' THEN 437
            WHEN 'cert-fetch-failed' THEN 436 WHEN 'cert-invalid' THEN 437 WHEN 'cert-expired' THEN 437
            WHEN 'cert-untrusted' THEN 437 WHEN 'bad-signature' THEN 438 WHEN 'tn-mismatch' THEN 438
            WHEN 'stale' THEN 403 END AS our_code,
       CASE WHEN verify_result = 'not-verified' THEN 'n/a'
            WHEN stir_error = CASE verify_result WHEN 'no-identity' THEN 428 WHEN 'bad-format' THEN 438
                 WHEN 'unsupported-alg' THEN 437 WHEN 'cert-fetch-failed' THEN 436 WHEN 'cert-invalid' THEN 437
                 WHEN 'cert-expired' THEN 437 WHEN 'cert-untrusted' THEN 437 WHEN 'bad-signature' THEN 438
                 WHEN 'tn-mismatch' THEN 438 WHEN 'stale' THEN 403 END THEN 'agree'
            ELSE 'disagree' END AS agreement
FROM calls
WHERE stir_error IS NOT NULL;
