-- Foundation: identity, sessions, the audit chain, leases and jobs.
-- Instants are BIGINT microseconds since the Unix epoch (UTC) on both back-ends,
-- so they compare and hash identically.

CREATE TABLE organizations (
    id          UUID PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    kind        TEXT NOT NULL CHECK (kind IN ('agency','developer','partner','vendor','researcher','operator')),
    sector      TEXT,
    created_at  BIGINT NOT NULL
);

CREATE TABLE users (
    id             UUID PRIMARY KEY,
    org_id         UUID NOT NULL REFERENCES organizations(id),
    username       TEXT NOT NULL UNIQUE,
    display_name   TEXT NOT NULL,
    kind           TEXT NOT NULL CHECK (kind IN ('human','service')),
    roles          TEXT NOT NULL,
    password_hash  TEXT,
    disabled       BOOLEAN NOT NULL DEFAULT FALSE,
    created_at     BIGINT NOT NULL
);
CREATE INDEX users_org ON users(org_id, id);

CREATE TABLE api_tokens (
    id            UUID PRIMARY KEY,
    user_id       UUID NOT NULL REFERENCES users(id),
    name          TEXT NOT NULL,
    token_hash    TEXT NOT NULL UNIQUE,
    created_at    BIGINT NOT NULL,
    expires_at    BIGINT,
    revoked_at    BIGINT,
    last_used_at  BIGINT
);
CREATE INDEX api_tokens_user ON api_tokens(user_id, id);

CREATE TABLE web_sessions (
    id_hash     TEXT PRIMARY KEY,
    user_id     UUID NOT NULL REFERENCES users(id),
    csrf_token  TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL
);

CREATE TABLE audit_log (
    seq            BIGINT PRIMARY KEY,
    at_us          BIGINT NOT NULL,
    actor_user     UUID,
    actor_org      UUID,
    action         TEXT NOT NULL,
    resource_type  TEXT NOT NULL,
    resource_id    TEXT NOT NULL,
    request_id     TEXT,
    detail         TEXT NOT NULL,
    prev_hash      TEXT NOT NULL,
    hash           TEXT NOT NULL
);

-- The end of the chain, updated in the same transaction as each append. Its
-- row lock serialises appenders; it lets a verifier notice a cut-off tail.
CREATE TABLE audit_head (
    id    INTEGER PRIMARY KEY CHECK (id = 1),
    seq   BIGINT NOT NULL,
    hash  TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash)
VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

-- Append-only: the application never changes or removes an entry.
CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only';
END;
$$;
CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log
FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();

CREATE TABLE leases (
    lease_key    TEXT PRIMARY KEY,
    holder       TEXT NOT NULL,
    acquired_at  BIGINT NOT NULL,
    expires_at   BIGINT NOT NULL,
    fence        BIGINT NOT NULL
);

CREATE TABLE jobs (
    id            UUID PRIMARY KEY,
    queue         TEXT NOT NULL,
    payload       TEXT NOT NULL,
    run_at        BIGINT NOT NULL,
    attempts      INTEGER NOT NULL DEFAULT 0,
    lease_holder  TEXT,
    lease_until   BIGINT,
    done_at       BIGINT,
    dead          BOOLEAN NOT NULL DEFAULT FALSE,
    last_error    TEXT,
    created_at    BIGINT NOT NULL
);
CREATE INDEX jobs_ready ON jobs(queue, run_at) WHERE done_at IS NULL;
