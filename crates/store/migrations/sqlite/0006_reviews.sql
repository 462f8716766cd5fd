-- Voluntary reviews: a developer's submission of a registered model, its
-- dossier documents (content-addressed by the SHA-256 of the plaintext,
-- stored encrypted: nonce || ciphertext, the key never in the database), the
-- reviewers' findings and the developer's responses.

CREATE TABLE submissions (
    id                       BLOB PRIMARY KEY NOT NULL,
    model_id                 BLOB NOT NULL REFERENCES model_profiles(id),
    developer_org            BLOB NOT NULL REFERENCES organizations(id),
    state                    TEXT NOT NULL,
    planned_partner_release  INTEGER NOT NULL,
    planned_public_release   INTEGER,
    lead_agency              BLOB REFERENCES organizations(id),
    supporting_agencies      TEXT NOT NULL,
    reviewers                TEXT NOT NULL,
    conclusion               TEXT,
    summary                  TEXT,
    concluded_in_time        BOOLEAN,
    withdrawn_reason         TEXT,
    created_by               BLOB,
    created_at               INTEGER NOT NULL,
    submitted_at             INTEGER,
    concluded_at             INTEGER,
    updated_at               INTEGER NOT NULL
);
CREATE INDEX submissions_developer ON submissions(developer_org);

CREATE TABLE dossier_documents (
    submission_id  BLOB NOT NULL REFERENCES submissions(id),
    sha256         TEXT NOT NULL,
    kind           TEXT NOT NULL,
    size           INTEGER NOT NULL,
    sealed         BLOB NOT NULL,
    uploaded_by    BLOB,
    at             INTEGER NOT NULL,
    PRIMARY KEY (submission_id, sha256)
);

CREATE TABLE review_findings (
    id              BLOB PRIMARY KEY NOT NULL,
    submission_id   BLOB NOT NULL REFERENCES submissions(id),
    severity        TEXT NOT NULL,
    category        TEXT NOT NULL,
    text            TEXT NOT NULL,
    recommendation  TEXT NOT NULL,
    tlp             TEXT NOT NULL,
    issued_by       BLOB,
    at              INTEGER NOT NULL
);
CREATE INDEX review_findings_submission ON review_findings(submission_id);

CREATE TABLE review_responses (
    id             BLOB PRIMARY KEY NOT NULL,
    finding_id     BLOB NOT NULL REFERENCES review_findings(id),
    submission_id  BLOB NOT NULL REFERENCES submissions(id),
    text           TEXT NOT NULL,
    posted_by      BLOB,
    at             INTEGER NOT NULL
);
CREATE INDEX review_responses_finding ON review_responses(finding_id);
