-- Clearinghouse intake: raw documents (content-addressed), the normalized
-- reports taken from them, and the cases that reports with one fingerprint
-- fold into. A case may hold several fingerprints once analysts merge;
-- a split is remembered as a pair that must never be merged again.

CREATE TABLE raw_documents (
    sha256       TEXT PRIMARY KEY NOT NULL,
    media_type   TEXT NOT NULL,
    size         BIGINT NOT NULL,
    content      BLOB NOT NULL,
    first_org    BLOB REFERENCES organizations(id),
    at           INTEGER NOT NULL
);

CREATE TABLE cases (
    id                  BLOB PRIMARY KEY NOT NULL,
    state               TEXT NOT NULL CHECK (state IN ('new','triaged','validating','validated','rejected','duplicate')),
    title               TEXT NOT NULL,
    rule_id             TEXT,
    target_id           BLOB REFERENCES scan_targets(id),
    -- The first reporter, credited: the organization of the earliest report.
    first_reporter_org  BLOB NOT NULL REFERENCES organizations(id),
    first_reported_at   INTEGER NOT NULL,
    merged_into         BLOB REFERENCES cases(id),
    -- The quorum: this many independent reproductions, or (when set) the
    -- vendor's confirmation.
    quorum_reproductions  INTEGER NOT NULL DEFAULT 1,
    quorum_vendor         BOOLEAN NOT NULL DEFAULT TRUE,
    created_at          INTEGER NOT NULL,
    updated_at          INTEGER NOT NULL
);
CREATE INDEX cases_state ON cases(state, created_at);

-- Which case a fingerprint belongs to: the deduplication index.
CREATE TABLE case_fingerprints (
    fingerprint  TEXT PRIMARY KEY NOT NULL,
    case_id      BLOB NOT NULL REFERENCES cases(id)
);
CREATE INDEX case_fingerprints_case ON case_fingerprints(case_id);

CREATE TABLE reports (
    id              BLOB PRIMARY KEY NOT NULL,
    case_id         BLOB NOT NULL REFERENCES cases(id),
    org_id          BLOB NOT NULL REFERENCES organizations(id),
    submitted_by    BLOB REFERENCES users(id),
    fingerprint     TEXT NOT NULL,
    document        TEXT NOT NULL REFERENCES raw_documents(sha256),
    rule_id         TEXT,
    title           TEXT NOT NULL,
    location        TEXT,
    tool_name       TEXT,
    tool_version    TEXT,
    ai_model        TEXT,
    ai_model_version TEXT,
    -- The normalized result, as JSON (unknown properties kept).
    detail          TEXT NOT NULL,
    reported_at     INTEGER NOT NULL
);
CREATE INDEX reports_case ON reports(case_id, reported_at);
CREATE INDEX reports_fingerprint ON reports(fingerprint);
CREATE INDEX reports_org ON reports(org_id, reported_at);

CREATE TABLE case_never_merge (
    case_a  BLOB NOT NULL REFERENCES cases(id),
    case_b  BLOB NOT NULL REFERENCES cases(id),
    at      INTEGER NOT NULL,
    PRIMARY KEY (case_a, case_b)
);

-- Validation tasks: the clearinghouse asks an organization to reproduce a
-- case, or the vendor to confirm it. The assigned organization becomes a
-- party to the case, so that it can read what it is to validate.
CREATE TABLE case_tasks (
    case_id      BLOB NOT NULL REFERENCES cases(id),
    kind         TEXT NOT NULL CHECK (kind IN ('reproduction','vendor_confirmation')),
    org_id       BLOB NOT NULL REFERENCES organizations(id),
    assigned_by  BLOB REFERENCES users(id),
    at           INTEGER NOT NULL,
    PRIMARY KEY (case_id, kind, org_id)
);

-- Validation of a case: independent reproductions and vendor confirmations,
-- each with optional evidence (a raw document).
CREATE TABLE case_validations (
    id            BLOB PRIMARY KEY NOT NULL,
    case_id       BLOB NOT NULL REFERENCES cases(id),
    kind          TEXT NOT NULL CHECK (kind IN ('reproduction','vendor_confirmation')),
    result        TEXT NOT NULL CHECK (result IN ('reproduced','not_reproduced','confirmed','disputed')),
    org_id        BLOB NOT NULL REFERENCES organizations(id),
    validated_by  BLOB REFERENCES users(id),
    evidence      TEXT REFERENCES raw_documents(sha256),
    note          TEXT,
    at            INTEGER NOT NULL
);
CREATE INDEX case_validations_case ON case_validations(case_id, at);
