-- Remediation artefacts on a case (issue 18): the vendor's fix, a patch
-- file, a workaround or a mitigation; a patch's validation tasks and
-- results (applies, fixes, tests_pass) under a per-case patch quorum; and
-- per-source patch acceptance counters.

CREATE TABLE case_remediations (
    id                UUID PRIMARY KEY NOT NULL,
    case_id           UUID NOT NULL REFERENCES cases(id),
    kind              TEXT NOT NULL CHECK (kind IN ('vendor_fix','patch','workaround','mitigation')),
    summary           TEXT NOT NULL,
    details           TEXT,
    -- JSON array of version strings (a vendor fix's fixed versions).
    fixed_versions    TEXT NOT NULL DEFAULT '[]',
    url               TEXT,
    -- The patch file (kind patch only), content-addressed.
    document          TEXT REFERENCES raw_documents(sha256),
    -- The patch reader's answer (files touched, lines, hunks, mail
    -- header) as JSON, so that lists need not re-read the file.
    diffstat          TEXT,
    -- Who wrote it: the patch mail's `From:`, else what the submitter said.
    author            TEXT,
    submitted_by      UUID REFERENCES users(id),
    org_id            UUID NOT NULL REFERENCES organizations(id),
    tool_name         TEXT,
    tool_version      TEXT,
    ai_model          TEXT,
    ai_model_version  TEXT,
    state             TEXT NOT NULL CHECK (state IN ('proposed','accepted','rejected','withdrawn')),
    accepted_at       BIGINT,
    created_at        BIGINT NOT NULL,
    updated_at        BIGINT NOT NULL,
    CHECK ((kind = 'patch') = (document IS NOT NULL))
);
CREATE INDEX case_remediations_case ON case_remediations(case_id, created_at);
CREATE INDEX case_remediations_document ON case_remediations(document);

-- The clearinghouse asks an organization to check a patch; it becomes a
-- party to the case (see `Store::case_parties`).
CREATE TABLE patch_tasks (
    remediation_id  UUID NOT NULL REFERENCES case_remediations(id),
    case_id         UUID NOT NULL REFERENCES cases(id),
    kind            TEXT NOT NULL CHECK (kind IN ('applies','fixes','tests_pass')),
    org_id          UUID NOT NULL REFERENCES organizations(id),
    assigned_by     UUID REFERENCES users(id),
    at              BIGINT NOT NULL,
    PRIMARY KEY (remediation_id, kind, org_id)
);
CREATE INDEX patch_tasks_case ON patch_tasks(case_id);

CREATE TABLE patch_validations (
    id              UUID PRIMARY KEY NOT NULL,
    remediation_id  UUID NOT NULL REFERENCES case_remediations(id),
    case_id         UUID NOT NULL REFERENCES cases(id),
    kind            TEXT NOT NULL CHECK (kind IN ('applies','fixes','tests_pass')),
    result          TEXT NOT NULL CHECK (result IN ('passed','failed')),
    org_id          UUID NOT NULL REFERENCES organizations(id),
    validated_by    UUID REFERENCES users(id),
    evidence        TEXT REFERENCES raw_documents(sha256),
    note            TEXT,
    at              BIGINT NOT NULL
);
CREATE INDEX patch_validations_remediation ON patch_validations(remediation_id, at);
CREATE INDEX patch_validations_case ON patch_validations(case_id, at);

-- The per-case patch quorum; a case without a row takes the default (2).
CREATE TABLE case_patch_quorums (
    case_id        UUID PRIMARY KEY NOT NULL REFERENCES cases(id),
    organizations  BIGINT NOT NULL CHECK (organizations BETWEEN 1 AND 10),
    updated_at     BIGINT NOT NULL
);

-- Per source (org as 32 lowercase hex digits, tool, 'model version'): the
-- patches it is behind and how many were accepted. Kept in step in the
-- transactions that submit and accept patches; the suite recounts.
CREATE TABLE patch_source_stats (
    kind       TEXT NOT NULL CHECK (kind IN ('org','tool','model')),
    source     TEXT NOT NULL,
    submitted  BIGINT NOT NULL,
    accepted   BIGINT NOT NULL,
    PRIMARY KEY (kind, source)
);
