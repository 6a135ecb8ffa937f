-- stirprobe database schema: the public contract users write SQL against.
-- Names here are stable; additions are fine, renames need a migration note in README.md.
-- Times: *_ns columns are epoch nanoseconds (exact), the text twins are ISO 8601 UTC
-- with microseconds ('2025-03-01T12:00:00.500000Z'), sortable as text.

CREATE TABLE IF NOT EXISTS schema_version (
    version     INTEGER NOT NULL,
    applied_at  TEXT NOT NULL              -- wall clock, ISO 8601 UTC
);

-- One row per input read (a capture file, stdin, or a live interface run).
CREATE TABLE IF NOT EXISTS captures (
    id           INTEGER PRIMARY KEY,
    source       TEXT NOT NULL,            -- path, '-' for stdin, or interface name
    source_key   TEXT UNIQUE,              -- path+size+mtime: re-reading a file replaces its row
    kind         TEXT NOT NULL,            -- 'file' | 'live'
    link_type    TEXT,                     -- libpcap name of the link type (EN10MB, LINUX_SLL2, ...)
    started_at   TEXT NOT NULL,            -- wall clock
    finished_at  TEXT,
    first_packet TEXT,                     -- capture time of the first and last packet
    last_packet  TEXT,
    packets      INTEGER NOT NULL DEFAULT 0,
    status       TEXT NOT NULL,            -- 'running' | 'complete' | 'truncated'
    message      TEXT,                     -- where and why reading stopped early
    probe_id     TEXT                      -- schema version 3: --probe-id of the probe that read it
);

-- One row per call leg: one Call-ID whose first request was an INVITE, at this capture point.
CREATE TABLE IF NOT EXISTS calls (
    id              INTEGER PRIMARY KEY,
    call_id         TEXT NOT NULL,
    first_seen      TEXT NOT NULL,         -- time of the first INVITE
    first_seen_ns   INTEGER NOT NULL,
    last_seen       TEXT NOT NULL,         -- time of the last message of the Call-ID
    last_seen_ns    INTEGER NOT NULL,
    src_ip          TEXT NOT NULL,         -- of the first INVITE
    src_port        INTEGER NOT NULL,
    dst_ip          TEXT NOT NULL,
    dst_port        INTEGER NOT NULL,
    transport       TEXT NOT NULL,         -- 'udp' | 'tcp'
    ip_version      INTEGER NOT NULL,      -- 4 | 6
    ruri_tn         TEXT,                  -- canonical TNs (RFC 8224 §8.3: digits only)
    from_tn         TEXT,
    to_tn           TEXT,
    pai_tn          TEXT,
    final_status    INTEGER,               -- final response to the INVITE (NULL: none seen)
    sip_messages    INTEGER NOT NULL,      -- every SIP message of the Call-ID (UDP retransmissions too)
    identity_header TEXT,                  -- 'Identity' | 'y' | 'X-Identity' of the PASSporT that describes the call
    identity_count  INTEGER NOT NULL DEFAULT 0, -- Identity values on the INVITE
    ppt             TEXT,                  -- ppt of every Identity value, ';'-separated, header order
    attest          TEXT,                  -- from the shaken PASSporT as transmitted
    origid          TEXT,
    orig_tn         TEXT,
    dest_tn         TEXT,                  -- ';'-separated
    iat             INTEGER,
    x5u             TEXT,
    verstat         TEXT,                  -- as observed on the wire (PAI, else From)
    verstat_source  TEXT,                  -- 'PAI' | 'From'
    verify_result   TEXT NOT NULL DEFAULT 'not-verified', -- labels of interface.md
    verify_detail   TEXT,                  -- finer cause (e.g. 'info-x5u-mismatch', 'payload-b64')
    chain_id        TEXT,                  -- same for every leg carrying the same shaken PASSporT
    capture_id      INTEGER REFERENCES captures(id),
    -- schema version 2 (added by ALTER TABLE on older databases, so they come last):
    stir_error      INTEGER,               -- STIR error fed back by the far end: 403/428/436/437/438
    stir_error_via  TEXT,                  -- 'response' (status line) | 'STIR' | 'SIP' (Reason protocol)
    stir_error_in   TEXT,                  -- status code or method of the message that carried it
    stir_error_text TEXT,                  -- reason phrase or Reason text=
    orig_in_cert    INTEGER,               -- certificate lists TNs: 1 covers orig_tn, 0 not; NULL n/a
    -- Time first: calls arrive roughly in time order, so new keys land on the last
    -- pages of this index; it also serves every time-window query.
    UNIQUE (first_seen_ns, call_id)
);
CREATE INDEX IF NOT EXISTS calls_by_call_id ON calls(call_id);
CREATE INDEX IF NOT EXISTS calls_by_chain  ON calls(chain_id) WHERE chain_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS calls_by_origid ON calls(origid) WHERE origid IS NOT NULL;

-- One row per Identity header value seen on a call's INVITE.
CREATE TABLE IF NOT EXISTS passports (
    id            INTEGER PRIMARY KEY,
    call_row_id   INTEGER NOT NULL REFERENCES calls(id) ON DELETE CASCADE,
    position      INTEGER NOT NULL,        -- 0-based order on the INVITE
    header_name   TEXT NOT NULL,           -- 'Identity' | 'y' | 'X-Identity'
    ppt           TEXT,                    -- JOSE ppt (else the Identity ppt parameter)
    alg           TEXT,                    -- JOSE alg
    typ           TEXT,
    x5u           TEXT,
    info          TEXT,                    -- Identity ;info=<...>
    alg_param     TEXT,
    ppt_param     TEXT,
    attest        TEXT,
    origid        TEXT,
    orig_tn       TEXT,
    dest_tn       TEXT,                    -- JSON array text, e.g. ["12025550199"]
    iat           INTEGER,
    div_tn        TEXT,                    -- div PASSporT (RFC 8946)
    rcd_nam       TEXT,                    -- rcd PASSporT (RFC 9795)
    compact       INTEGER NOT NULL DEFAULT 0,
    decode_result TEXT NOT NULL,           -- 'ok' | 'bad-format' | 'unsupported-alg'
    decode_detail TEXT,
    warnings      TEXT,                    -- tolerated oddities, ';'-separated
    raw_jws       TEXT NOT NULL,           -- the compact JWS exactly as on the wire
    chain_id      TEXT,
    verify_result TEXT NOT NULL DEFAULT 'not-verified',
    verify_detail TEXT
);
CREATE INDEX IF NOT EXISTS passports_by_call ON passports(call_row_id);

-- x5u certificates (filled by --verify).
CREATE TABLE IF NOT EXISTS certificates (
    id          INTEGER PRIMARY KEY,
    x5u         TEXT NOT NULL UNIQUE,
    fetched_at  TEXT,
    status      TEXT,                      -- 'ok' or the failure label
    http_status INTEGER,
    error       TEXT,
    subject     TEXT,
    issuer      TEXT,
    spc         TEXT,                      -- service provider code from TNAuthList
    tnauthlist  TEXT,                      -- every TNAuthList entry, readable
    not_before  TEXT,
    not_after   TEXT,
    sha256      TEXT,                      -- of the leaf certificate (DER)
    cache_until TEXT,
    pem         TEXT
);

-- Counters per capture (names in README, "report stats").
CREATE TABLE IF NOT EXISTS stats (
    capture_id INTEGER NOT NULL REFERENCES captures(id) ON DELETE CASCADE,
    name       TEXT NOT NULL,
    kind       TEXT NOT NULL,              -- 'traffic' | 'sip' | 'drop' | 'error'
    value      INTEGER NOT NULL,
    PRIMARY KEY (capture_id, name)
);

-- Attestation mix (SIP3 style): one row per level A, B, C and 'none' (unsigned).
CREATE VIEW IF NOT EXISTS attestation_report AS
SELECT COALESCE(attest, 'none') AS attest,
       COUNT(*) AS calls,
       SUM(verify_result = 'pass') AS passed,
       SUM(verify_result NOT IN ('pass', 'not-verified', 'no-identity')) AS failed,
       SUM(verify_result = 'not-verified') AS not_verified,
       ROUND(100.0 * COUNT(*) / (SELECT COUNT(*) FROM calls), 2) AS share_pct
FROM calls
GROUP BY COALESCE(attest, 'none')
ORDER BY CASE COALESCE(attest, 'none') WHEN 'A' THEN 1 WHEN 'B' THEN 2 WHEN 'C' THEN 3 ELSE 4 END;

-- One row per origid (originating point): campaigns show as many distinct orig TNs.
CREATE VIEW IF NOT EXISTS origid_report AS
SELECT origid,
       COUNT(*) AS calls,
       COUNT(DISTINCT orig_tn) AS orig_tns,
       COUNT(DISTINCT dest_tn) AS dest_tns,
       (SELECT GROUP_CONCAT(a) FROM (SELECT DISTINCT c2.attest AS a FROM calls c2
        WHERE c2.origid = calls.origid AND c2.attest IS NOT NULL ORDER BY a)) AS attest_levels,
       MIN(first_seen) AS first_seen,
       MAX(first_seen) AS last_seen,
       ROUND(100.0 * SUM(verify_result NOT IN ('pass', 'not-verified', 'no-identity')) / COUNT(*), 2)
           AS failed_pct
FROM calls
WHERE origid IS NOT NULL
GROUP BY origid
ORDER BY calls DESC, origid;

-- Traceback: legs carrying the same shaken PASSporT, with the IP path in time order.
CREATE VIEW IF NOT EXISTS traceback_chains AS
SELECT chain_id,
       COUNT(*) AS legs,
       MIN(first_seen) AS first_seen,
       MAX(first_seen) AS last_seen,
       (MAX(first_seen_ns) - MIN(first_seen_ns)) / 1000000.0 AS span_ms,
       MIN(origid) AS origid,
       MIN(attest) AS attest,
       MIN(orig_tn) AS orig_tn,
       (SELECT GROUP_CONCAT(hop, '>') FROM
           (SELECT c2.src_ip AS hop FROM calls c2 WHERE c2.chain_id = c.chain_id
            ORDER BY c2.first_seen_ns, c2.id)) || '>' ||
       (SELECT c3.dst_ip FROM calls c3 WHERE c3.chain_id = c.chain_id
        ORDER BY c3.first_seen_ns DESC, c3.id DESC LIMIT 1) AS path
FROM calls c
WHERE chain_id IS NOT NULL
GROUP BY chain_id
ORDER BY first_seen;

-- Calls whose verification failed, with the finer cause.
CREATE VIEW IF NOT EXISTS verification_failures AS
SELECT call_id, first_seen, src_ip, dst_ip, verify_result, verify_detail, attest, origid,
       orig_tn, dest_tn, x5u, identity_header
FROM calls
WHERE verify_result NOT IN ('pass', 'not-verified')
ORDER BY first_seen;


-- ---- analytics (schema version 2) -------------------------------------------------------
-- Views below use the thresholds in report_settings; `stirprobe report` takes the same
-- thresholds as options (--campaign-tns, --window, --max-iat-age, --warn-days).

CREATE TABLE IF NOT EXISTS report_settings (
    name  TEXT PRIMARY KEY,
    value INTEGER NOT NULL
);
INSERT OR IGNORE INTO report_settings VALUES
    ('campaign_min_tns', 10),   -- an origid on at least this many orig TNs is a campaign
    ('anomaly_window_s', 10),   -- stripping / re-signing: downstream leg within this many seconds
    ('max_iat_age_s', 60),      -- replay: a leg this far from the PASSporT's iat
    ('cert_warn_days', 30);     -- certificates expiring within this many days of the last call

-- Numbers whose calls deserve a second look (orig TN, canonical, NANP 10-digit numbers
-- compared with a leading 1). Users add their own rows.
CREATE TABLE IF NOT EXISTS risk_prefixes (
    prefix TEXT PRIMARY KEY,               -- canonical digits
    label  TEXT NOT NULL
);
INSERT OR IGNORE INTO risk_prefixes VALUES
    ('881', 'international premium / satellite'), ('882', 'international networks'),
    ('883', 'international networks'), ('1900', 'premium rate'),
    ('1242', 'one-ring (Bahamas)'), ('1246', 'one-ring (Barbados)'), ('1473', 'one-ring (Grenada)'),
    ('1809', 'one-ring (Dominican Republic)'), ('1829', 'one-ring (Dominican Republic)'),
    ('1849', 'one-ring (Dominican Republic)'), ('1876', 'one-ring (Jamaica)');

-- Traceback anomalies, one row per suspicious leg:
--   replay      a PASSporT seen on several legs, on a leg whose From/PAI or To is not its
--               orig/dest, or more than max_iat_age_s away from its iat;
--   stripping   an unsigned leg with the orig/dest TNs of a signed leg seen up to
--               anomaly_window_s before it (the Identity was removed on the way);
--   re-signing  a signed leg with the orig/dest of another PASSporT seen up to
--               anomaly_window_s before it (a new PASSporT, attest or signer downstream).
CREATE VIEW IF NOT EXISTS anomalies AS
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

-- Fraud flags, one row per flagged call and flag.
CREATE VIEW IF NOT EXISTS call_flags AS
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
WHERE k.not_after IS NOT NULL AND k.not_after < c.first_seen;

-- Signer accountability: per service provider code (from the certificate) and per x5u host.
CREATE VIEW IF NOT EXISTS signer_report AS
WITH w AS (SELECT c.*, k.spc,
                  lower(substr(substr(c.x5u, instr(c.x5u, '://') + 3), 1,
                               instr(substr(c.x5u, instr(c.x5u, '://') + 3) || '/', '/') - 1)) AS host,
                  c.verify_result NOT IN ('pass', 'not-verified', 'no-identity') AS failed
           FROM calls c LEFT JOIN certificates k ON k.x5u = c.x5u
           WHERE c.x5u IS NOT NULL),
g AS (SELECT 'spc' AS signer_kind, spc AS signer, * FROM w WHERE spc IS NOT NULL
      UNION ALL SELECT 'x5u-host', host, * FROM w)
SELECT signer_kind, signer, COUNT(*) AS calls,
       SUM(attest = 'A') AS attest_a, SUM(attest = 'B') AS attest_b, SUM(attest = 'C') AS attest_c,
       SUM(verify_result = 'pass') AS passed, SUM(failed) AS failed,
       (SELECT group_concat(r || ':' || n, ';') FROM
           (SELECT g2.verify_result AS r, COUNT(*) AS n FROM g g2
            WHERE g2.signer_kind = g.signer_kind AND g2.signer = g.signer AND g2.failed
            GROUP BY g2.verify_result ORDER BY n DESC, r)) AS failures,
       SUM(attest = 'A' AND (failed OR final_status IS NULL OR final_status >= 300)) AS a_failed_or_rejected,
       COUNT(DISTINCT x5u) AS certificates
FROM g
GROUP BY signer_kind, signer
ORDER BY signer_kind DESC, calls DESC, signer;

-- Every certificate seen, with its use and how close it was to expiry at the last call.
CREATE VIEW IF NOT EXISTS certificate_report AS
SELECT k.x5u, k.status, k.subject, k.spc, k.issuer, k.not_before, k.not_after,
       MAX(c.first_seen) AS last_call,
       CAST(floor(julianday(k.not_after) - julianday(MAX(c.first_seen))) AS INTEGER) AS days_left,
       COUNT(c.id) AS calls,
       COALESCE(SUM(c.verify_result NOT IN ('pass', 'not-verified', 'no-identity')), 0) AS failures,
       julianday(k.not_after) - julianday(MAX(c.first_seen))
           < (SELECT value FROM report_settings WHERE name = 'cert_warn_days') AS expiring
FROM certificates k LEFT JOIN calls c ON c.x5u = k.x5u
GROUP BY k.x5u
ORDER BY k.not_after, k.x5u;

-- STIR error feedback seen on the wire against our own verdict (same SIP code: agree).
CREATE VIEW IF NOT EXISTS stir_feedback AS
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
