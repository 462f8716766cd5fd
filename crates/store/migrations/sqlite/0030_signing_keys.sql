-- The keys the server signs what it publishes with (issue 18: the CSAF
-- trusted provider's detached OpenPGP signatures, requirement 19), and the
-- signatures it made, so that a document is signed once at publication (or
-- at its first download) and never per request.
--
-- The secret key is sealed (ChaCha20-Poly1305 under the "signing-key"
-- sub-key of the server's master key, bound to the row's id); the public
-- key and fingerprint are public. One active key per purpose; a rotation
-- (later) retires the old one, whose public key stays published so that
-- older signatures still verify.
CREATE TABLE signing_keys (
    id             BLOB PRIMARY KEY NOT NULL,
    -- What the key signs: "csaf" for the provider's documents.
    purpose        TEXT NOT NULL,
    -- 40 upper-case hex digits (OpenPGP v4).
    fingerprint    TEXT NOT NULL UNIQUE,
    public_key     TEXT NOT NULL,
    secret_sealed  BLOB NOT NULL,
    created_at     BIGINT NOT NULL,
    retired_at     BIGINT
);
CREATE UNIQUE INDEX signing_keys_one_active ON signing_keys(purpose) WHERE retired_at IS NULL;

-- A detached signature over exactly the bytes whose SHA-256 is `sha256`
-- (what is served), by the key with `key_fingerprint`. Keyed by the bytes,
-- not the revision: a new revision has new bytes and gets a new signature,
-- and the same bytes are never signed twice by one key. `advisory_id`
-- says which advisory the bytes were (no foreign key: the advisories'
-- table is another migration's).
CREATE TABLE document_signatures (
    sha256           TEXT NOT NULL,
    key_fingerprint  TEXT NOT NULL REFERENCES signing_keys(fingerprint),
    advisory_id      BLOB NOT NULL,
    signature        TEXT NOT NULL,
    created_at       BIGINT NOT NULL,
    PRIMARY KEY (sha256, key_fingerprint)
);
CREATE INDEX document_signatures_advisory ON document_signatures(advisory_id);
