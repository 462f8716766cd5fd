-- Submissions shaped as DARPA's AI Cyber Challenge competition API v0.4
-- (issue 20): proofs of vulnerability, patches, submitted SARIF logs and
-- the bundles that say which of them belong together. The API's task is a
-- scan claim, so each submission names the claim it was made under. The
-- row keeps what the API answers about it (its status) and where it went
-- in Bulwark: the document it carried (testcase, diff or SARIF log), the
-- case a pov or a bundle was filed into, the patch remediation a bundle
-- made. A bundle's parts are other rows of the same claim.
CREATE TABLE aixcc_submissions (
    id                  BLOB PRIMARY KEY NOT NULL,
    kind                TEXT NOT NULL CHECK (kind IN ('pov', 'patch', 'submitted_sarif', 'bundle')),
    claim_id            BLOB NOT NULL REFERENCES scan_claims(id),
    org_id              BLOB NOT NULL REFERENCES organizations(id),
    submitted_by        BLOB REFERENCES users(id),
    tool_name           TEXT NOT NULL,
    tool_version        TEXT,
    ai_model            TEXT,
    ai_model_version    TEXT,
    status              TEXT NOT NULL
        CHECK (status IN ('accepted', 'passed', 'failed', 'deadline_exceeded', 'errored')),
    document            TEXT REFERENCES raw_documents(sha256),
    -- JSON the store does not read: a pov's harness and sanitizer, a
    -- patch's diffstat, a SARIF's counts.
    detail              TEXT NOT NULL,
    case_id             BLOB REFERENCES cases(id),
    remediation_id      BLOB REFERENCES case_remediations(id),
    pov_id              BLOB REFERENCES aixcc_submissions(id),
    patch_id            BLOB REFERENCES aixcc_submissions(id),
    submitted_sarif_id  BLOB REFERENCES aixcc_submissions(id),
    -- A SARIF the competition broadcast: Bulwark keeps none, only the id.
    broadcast_sarif_id  TEXT,
    description         TEXT,
    created_at          BIGINT NOT NULL
);
CREATE INDEX aixcc_submissions_claim ON aixcc_submissions(claim_id, kind);
