-- Other CSAF providers the clearinghouse subscribes to (issue 18, item 4):
-- the server reads each on its interval, verifies every document's hashes
-- and signature, and files what verified as the operator organization's
-- documents.
--
-- `url` is the provider's provider-metadata.json or one ROLIE feed.
-- `interval_secs` is at least 15 minutes (the use case also bounds it from
-- above). `keys` holds ASCII-armoured OpenPGP public keys accepted besides
-- the provider's own (a mirror, a feed without metadata). The last run's
-- counts and error are kept on the row; `next_run_at` is when the scheduler
-- takes it next.
CREATE TABLE csaf_sources (
    id              BLOB PRIMARY KEY NOT NULL,
    url             TEXT NOT NULL UNIQUE,
    added_by        BLOB REFERENCES users(id),
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL,
    enabled         INTEGER NOT NULL DEFAULT 1,
    interval_secs   BIGINT NOT NULL CHECK (interval_secs >= 900),
    keys            TEXT,
    last_run_at     BIGINT,
    next_run_at     BIGINT NOT NULL,
    last_imported   BIGINT,
    last_unchanged  BIGINT,
    last_refused    BIGINT,
    last_error      TEXT
);
CREATE INDEX csaf_sources_due ON csaf_sources(enabled, next_run_at);

-- What the last runs saw of each document of a source: the SHA-256 of the
-- bytes taken (a document whose published hash still says so is not
-- fetched again), and why it was refused when it was. A refused document
-- keeps the digest taken before it, if any.
CREATE TABLE csaf_source_documents (
    source_id   BLOB NOT NULL REFERENCES csaf_sources(id),
    url         TEXT NOT NULL,
    sha256      TEXT,
    refused     TEXT,
    checked_at  BIGINT NOT NULL,
    PRIMARY KEY (source_id, url)
);
