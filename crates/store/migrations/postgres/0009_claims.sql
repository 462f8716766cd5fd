-- Deconflicted scanning: targets, and the claims participants make on them.
-- The exclusive claim on a target is the holder of the lease
-- "scan:<kind>:<locator>" (the foundation's lease primitive); a claim made
-- as an overlap on purpose holds no lease and stands beside it. A claim's
-- row outlives its lease: with its outcome it is the target's coverage.

CREATE TABLE scan_targets (
    id          UUID PRIMARY KEY NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('purl','repo','cpe')),
    locator     TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    UNIQUE (kind, locator)
);

CREATE TABLE scan_claims (
    id             UUID PRIMARY KEY NOT NULL,
    target_id      UUID NOT NULL REFERENCES scan_targets(id),
    org_id         UUID NOT NULL REFERENCES organizations(id),
    claimed_by     UUID REFERENCES users(id),
    technique      TEXT NOT NULL,
    tool           TEXT,
    model_name     TEXT,
    model_version  TEXT,
    -- true: holds the target's lease; false: an overlap on purpose.
    exclusive      BOOLEAN NOT NULL,
    -- The lease's fencing token when granted (exclusive claims).
    fence          BIGINT,
    created_at     BIGINT NOT NULL,
    expires_at     BIGINT NOT NULL,
    released_at    BIGINT,
    outcome        TEXT CHECK (outcome IN ('findings','nothing_found','abandoned')),
    findings       BIGINT,
    note           TEXT
);
CREATE INDEX scan_claims_target ON scan_claims(target_id, expires_at);
CREATE INDEX scan_claims_org ON scan_claims(org_id, created_at);
