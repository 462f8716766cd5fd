-- Trusted partners and early-access grants: a partner organization's vetting
-- and its attestations (which expire), and the grants of a model to a partner
-- that a developer proposes and a reviewing agency decides. Access checks are
-- answered from these and recorded in the audit log.

CREATE TABLE partner_vetting (
    org_id      BLOB PRIMARY KEY NOT NULL REFERENCES organizations(id),
    status      TEXT NOT NULL,
    reason      TEXT,
    decided_by  BLOB,
    updated_at  INTEGER NOT NULL
);

CREATE TABLE partner_attestations (
    id           BLOB PRIMARY KEY NOT NULL,
    org_id       BLOB NOT NULL REFERENCES organizations(id),
    kind         TEXT NOT NULL,
    expires_at   INTEGER NOT NULL,
    attested_by  BLOB,
    at           INTEGER NOT NULL
);
CREATE INDEX partner_attestations_org ON partner_attestations(org_id, kind);

CREATE TABLE grants (
    id             BLOB PRIMARY KEY NOT NULL,
    model_id       BLOB NOT NULL REFERENCES model_profiles(id),
    partner_org    BLOB NOT NULL REFERENCES organizations(id),
    developer_org  BLOB NOT NULL REFERENCES organizations(id),
    scope          TEXT NOT NULL,
    starts_at      INTEGER NOT NULL,
    ends_at        INTEGER NOT NULL,
    conditions     TEXT NOT NULL,
    state          TEXT NOT NULL,
    reason         TEXT,
    proposed_by    BLOB,
    decided_by     BLOB,
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL
);
CREATE INDEX grants_check ON grants(model_id, partner_org, scope);
