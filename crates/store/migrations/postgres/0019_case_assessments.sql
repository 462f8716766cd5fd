-- A case's SSVC assessment, set by the clearinghouse's analysts: the
-- decision points they judged (each optional; the server fills a missing
-- one from the linked CVE's CISA ADP container, else a documented default),
-- optionally the CVE the case is about (for KEV, EPSS, CVSS and the ADP's
-- points), and who set it and when. Values are stored normalised; one row
-- per case, replaced as a whole.
-- Identifier columns use COLLATE "C" (byte order, as SQLite's BINARY; see
-- 0016_identifier_collation.sql).

CREATE TABLE case_assessments (
    case_id           UUID PRIMARY KEY NOT NULL REFERENCES cases(id),
    exploitation      TEXT CHECK (exploitation IN ('none','public_poc','active')),
    automatable       TEXT CHECK (automatable IN ('yes','no')),
    technical_impact  TEXT CHECK (technical_impact IN ('partial','total')),
    mission_wellbeing TEXT CHECK (mission_wellbeing IN ('low','medium','high')),
    -- CVE-YYYY-NNNN…: four digits of year, then four to nineteen digits.
    cve               TEXT COLLATE "C" CHECK (cve ~ '^CVE-[0-9]{4}-[0-9]{4,19}$'),
    set_by            UUID REFERENCES users(id),
    set_by_org        UUID REFERENCES organizations(id),
    set_at            BIGINT NOT NULL
);
CREATE INDEX case_assessments_cve ON case_assessments(cve) WHERE cve IS NOT NULL;
