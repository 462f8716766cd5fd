-- Prioritisation feeds, as published: CISA's KEV catalog, FIRST's EPSS
-- scores and CVE JSON 5 records with CISA's ADP enrichment. The domain crate
-- (`bulwark-scoring`) reads the feeds; the store keeps what it read and
-- never recomputes it (a KEV due date is CISA's decision, not a formula).
-- Identifier columns use COLLATE "C" (byte order, as SQLite's BINARY; see
-- 0016_identifier_collation.sql).

-- Each KEV catalog version imported, once.
CREATE TABLE kev_catalogs (
    catalog_version TEXT COLLATE "C" PRIMARY KEY,
    date_released   TEXT NOT NULL,
    entry_count     BIGINT NOT NULL,
    imported_at     BIGINT NOT NULL
);

-- One row per listed CVE, as the newest imported catalog lists it; dates as
-- published (text), never recomputed.
CREATE TABLE kev_entries (
    cve_id                        TEXT COLLATE "C" PRIMARY KEY,
    vendor_project                TEXT NOT NULL,
    product                       TEXT NOT NULL,
    vulnerability_name            TEXT NOT NULL,
    date_added                    TEXT NOT NULL,
    due_date                      TEXT NOT NULL,
    known_ransomware_campaign_use TEXT NOT NULL,
    required_action               TEXT NOT NULL,
    short_description             TEXT NOT NULL,
    notes                         TEXT NOT NULL,
    cwes                          TEXT NOT NULL,
    first_catalog_version         TEXT COLLATE "C" NOT NULL,
    imported_at                   BIGINT NOT NULL,
    updated_at                    BIGINT NOT NULL
);

-- EPSS scores, one row per CVE and model version: scores of different
-- model versions are kept apart and never compared.
CREATE TABLE epss_scores (
    cve           TEXT COLLATE "C" NOT NULL,
    model_version TEXT COLLATE "C" NOT NULL,
    epss          DOUBLE PRECISION NOT NULL,
    percentile    DOUBLE PRECISION NOT NULL,
    score_date    TEXT NOT NULL,
    updated_at    BIGINT NOT NULL,
    PRIMARY KEY (cve, model_version)
);

-- CVE records: what prioritisation needs, and the SHA-256 of the record as
-- read, so that re-importing an unchanged record changes nothing.
CREATE TABLE cve_records (
    id                    TEXT COLLATE "C" PRIMARY KEY,
    state                 TEXT NOT NULL,
    date_updated          TEXT,
    description           TEXT,
    cna_cvss              TEXT NOT NULL,
    adp_cvss              TEXT NOT NULL,
    ssvc_exploitation     TEXT,
    ssvc_automatable      TEXT,
    ssvc_technical_impact TEXT,
    ssvc_version          TEXT,
    adp_kev_date_added    TEXT,
    raw_sha256            TEXT COLLATE "C" NOT NULL,
    imported_at           BIGINT NOT NULL,
    updated_at            BIGINT NOT NULL
);
