-- Foundation: identity, sessions, the audit chain, leases and jobs.
-- Instants are BIGINT microseconds since the Unix epoch (UTC) on both back-ends,
-- so they compare and hash identically. UUIDs are stored as 16-byte BLOBs.

CREATE TABLE organizations (
    id          BLOB PRIMARY KEY NOT NULL,
    name        TEXT NOT NULL UNIQUE,
    kind        TEXT NOT NULL CHECK (kind IN ('agency','developer','partner','vendor','researcher','operator')),
    sector      TEXT,
    created_at  INTEGER NOT NULL
);

CREATE TABLE users (
    id             BLOB PRIMARY KEY NOT NULL,
    org_id         BLOB NOT NULL REFERENCES organizations(id),
    username       TEXT NOT NULL UNIQUE,
    display_name   TEXT NOT NULL,
    kind           TEXT NOT NULL CHECK (kind IN ('human','service')),
    roles          TEXT NOT NULL,
    password_hash  TEXT,
    disabled       INTEGER NOT NULL DEFAULT 0,
    created_at     INTEGER NOT NULL
);
CREATE INDEX users_org ON users(org_id, id);

CREATE TABLE api_tokens (
    id            BLOB PRIMARY KEY NOT NULL,
    user_id       BLOB NOT NULL REFERENCES users(id),
    name          TEXT NOT NULL,
    token_hash    TEXT NOT NULL UNIQUE,
    created_at    INTEGER NOT NULL,
    expires_at    INTEGER,
    revoked_at    INTEGER,
    last_used_at  INTEGER
);
CREATE INDEX api_tokens_user ON api_tokens(user_id, id);

CREATE TABLE web_sessions (
    id_hash     TEXT PRIMARY KEY NOT NULL,
    user_id     BLOB NOT NULL REFERENCES users(id),
    csrf_token  TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL
);

CREATE TABLE audit_log (
    seq            INTEGER PRIMARY KEY NOT NULL,
    at_us          INTEGER NOT NULL,
    actor_user     BLOB,
    actor_org      BLOB,
    action         TEXT NOT NULL,
    resource_type  TEXT NOT NULL,
    resource_id    TEXT NOT NULL,
    request_id     TEXT,
    detail         TEXT NOT NULL,
    prev_hash      TEXT NOT NULL,
    hash           TEXT NOT NULL
);

-- The end of the chain, updated in the same transaction as each append. It
-- serialises appenders and lets a verifier notice entries cut off the tail.
CREATE TABLE audit_head (
    id    INTEGER PRIMARY KEY CHECK (id = 1),
    seq   INTEGER NOT NULL,
    hash  TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash)
VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

-- Append-only: the application never changes or removes an entry.
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;

CREATE TABLE leases (
    lease_key    TEXT PRIMARY KEY NOT NULL,
    holder       TEXT NOT NULL,
    acquired_at  INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL,
    fence        INTEGER NOT NULL
);

CREATE TABLE jobs (
    id            BLOB PRIMARY KEY NOT NULL,
    queue         TEXT NOT NULL,
    payload       TEXT NOT NULL,
    run_at        INTEGER NOT NULL,
    attempts      INTEGER NOT NULL DEFAULT 0,
    lease_holder  TEXT,
    lease_until   INTEGER,
    done_at       INTEGER,
    dead          INTEGER NOT NULL DEFAULT 0,
    last_error    TEXT,
    created_at    INTEGER NOT NULL
);
CREATE INDEX jobs_ready ON jobs(queue, run_at) WHERE done_at IS NULL;
