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
    message      TEXT                      -- where and why reading stopped early
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
    UNIQUE (call_id, first_seen_ns)
);
CREATE INDEX IF NOT EXISTS calls_by_time   ON calls(first_seen_ns);
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
       GROUP_CONCAT(DISTINCT attest) AS attest_levels,
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
