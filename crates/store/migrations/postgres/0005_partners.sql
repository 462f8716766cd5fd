-- Trusted partners and early-access grants: a partner organization's vetting
-- and its attestations (which expire), and the grants of a model to a partner
-- that a developer proposes and a reviewing agency decides. Access checks are
-- answered from these and recorded in the audit log.

CREATE TABLE partner_vetting (
    org_id      UUID PRIMARY KEY REFERENCES organizations(id),
    status      TEXT NOT NULL,
    reason      TEXT,
    decided_by  UUID,
    updated_at  BIGINT NOT NULL
);

CREATE TABLE partner_attestations (
    id           UUID PRIMARY KEY,
    org_id       UUID NOT NULL REFERENCES organizations(id),
    kind         TEXT NOT NULL,
    expires_at   BIGINT NOT NULL,
    attested_by  UUID,
    at           BIGINT NOT NULL
);
CREATE INDEX partner_attestations_org ON partner_attestations(org_id, kind);

CREATE TABLE grants (
    id             UUID PRIMARY KEY,
    model_id       UUID NOT NULL REFERENCES model_profiles(id),
    partner_org    UUID NOT NULL REFERENCES organizations(id),
    developer_org  UUID NOT NULL REFERENCES organizations(id),
    scope          TEXT NOT NULL,
    starts_at      BIGINT NOT NULL,
    ends_at        BIGINT NOT NULL,
    conditions     TEXT NOT NULL,
    state          TEXT NOT NULL,
    reason         TEXT,
    proposed_by    UUID,
    decided_by     UUID,
    created_at     BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL
);
CREATE INDEX grants_check ON grants(model_id, partner_org, scope);
