-- Voluntary reviews: a developer's submission of a registered model, its
-- dossier documents (content-addressed by the SHA-256 of the plaintext,
-- stored encrypted: nonce || ciphertext, the key never in the database), the
-- reviewers' findings and the developer's responses.

CREATE TABLE submissions (
    id                       UUID PRIMARY KEY,
    model_id                 UUID NOT NULL REFERENCES model_profiles(id),
    developer_org            UUID NOT NULL REFERENCES organizations(id),
    state                    TEXT NOT NULL,
    planned_partner_release  BIGINT NOT NULL,
    planned_public_release   BIGINT,
    lead_agency              UUID REFERENCES organizations(id),
    supporting_agencies      TEXT NOT NULL,
    reviewers                TEXT NOT NULL,
    conclusion               TEXT,
    summary                  TEXT,
    concluded_in_time        BOOLEAN,
    withdrawn_reason         TEXT,
    created_by               UUID,
    created_at               BIGINT NOT NULL,
    submitted_at             BIGINT,
    concluded_at             BIGINT,
    updated_at               BIGINT NOT NULL
);
CREATE INDEX submissions_developer ON submissions(developer_org);

CREATE TABLE dossier_documents (
    submission_id  UUID NOT NULL REFERENCES submissions(id),
    sha256         TEXT NOT NULL,
    kind           TEXT NOT NULL,
    size           BIGINT NOT NULL,
    sealed         BYTEA NOT NULL,
    uploaded_by    UUID,
    at             BIGINT NOT NULL,
    PRIMARY KEY (submission_id, sha256)
);

CREATE TABLE review_findings (
    id              UUID PRIMARY KEY,
    submission_id   UUID NOT NULL REFERENCES submissions(id),
    severity        TEXT NOT NULL,
    category        TEXT NOT NULL,
    text            TEXT NOT NULL,
    recommendation  TEXT NOT NULL,
    tlp             TEXT NOT NULL,
    issued_by       UUID,
    at              BIGINT NOT NULL
);
CREATE INDEX review_findings_submission ON review_findings(submission_id);

CREATE TABLE review_responses (
    id             UUID PRIMARY KEY,
    finding_id     UUID NOT NULL REFERENCES review_findings(id),
    submission_id  UUID NOT NULL REFERENCES submissions(id),
    text           TEXT NOT NULL,
    posted_by      UUID,
    at             BIGINT NOT NULL
);
CREATE INDEX review_responses_finding ON review_responses(finding_id);
