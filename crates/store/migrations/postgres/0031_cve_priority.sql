-- The priority order's keys of every known CVE (a record or a KEV entry),
-- kept so that the ranking reads its first page from an index instead of
-- ranking every CVE on each request. The store does not compute a key (the
-- SSVC decision and the CVSS score are the scoring crate's): a feed import
-- that changes a CVE's facts bumps `marked`; the application computes the
-- key from the stored facts and records the mark it computed at in `done`.
-- A row with done < marked is stale and is computed before the next ranking.
-- Unknown values are -1 so that descending order puts them last on both
-- back-ends without NULLS LAST (which SQLite's indexes do not take).
CREATE TABLE cve_priority (
    cve_id      TEXT PRIMARY KEY,
    marked      BIGINT NOT NULL DEFAULT 1,
    done        BIGINT NOT NULL DEFAULT 0,
    in_kev      SMALLINT NOT NULL DEFAULT 0,
    -- SSVC decision (3 Act, 2 Attend, 1 Track*, 0 Track, -1 unknown) at
    -- Mission & Well-being high, medium and low; KEV's override applied.
    ssvc_high   SMALLINT NOT NULL DEFAULT -1,
    ssvc_medium SMALLINT NOT NULL DEFAULT -1,
    ssvc_low    SMALLINT NOT NULL DEFAULT -1,
    -- The newest model version's score, and that version.
    epss        DOUBLE PRECISION NOT NULL DEFAULT -1,
    epss_model  TEXT,
    cvss        DOUBLE PRECISION NOT NULL DEFAULT -1
);

-- The order at high (the default and the page's): SSVC, KEV, EPSS, CVSS, id.
CREATE INDEX cve_priority_high ON cve_priority (ssvc_high DESC, in_kev DESC, epss DESC, cvss DESC, cve_id);
-- Whether the scores mix model versions (then EPSS is left out of the order).
CREATE INDEX cve_priority_epss_model ON cve_priority (epss_model);
CREATE INDEX cve_priority_stale ON cve_priority (cve_id) WHERE done < marked;

-- Databases that already hold feeds: every known CVE, stale.
INSERT INTO cve_priority (cve_id)
    SELECT id FROM cve_records UNION SELECT cve_id FROM kev_entries;
