-- Identifier columns use COLLATE "C" (see 0016_identifier_collation.sql).
-- Binding Operational Directives: the directives loaded (as TOML, never
-- interpreted here), agencies' inventories (systems, the SBOMs attached to
-- them, products without a package URL) and the obligations the
-- application derives from them, with every change to an obligation kept
-- as an event (nothing is updated without one).

-- Which track an agency's directives come from: CISA's directives bind
-- federal civilian executive branch agencies; national security agencies
-- (DoD, the intelligence community) follow CNSS's and DoD's own track.
-- NULL for organizations that are not agencies. `issues_directives` marks
-- the directives' issuer (CISA): it loads directives, sees civilian
-- agencies' inventories and decides extension requests. `time_zone` is the
-- IANA zone an agency's dates are shown in (UTC when NULL).
ALTER TABLE organizations ADD COLUMN agency_track TEXT
    CHECK (agency_track IN ('civilian','national_security'));
ALTER TABLE organizations ADD COLUMN issues_directives BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE organizations ADD COLUMN time_zone TEXT;
UPDATE organizations SET agency_track = 'civilian' WHERE kind = 'agency';

-- Each version of a directive loaded, once; the newest loaded version of an
-- id is the one in force.
CREATE TABLE directives (
    id          TEXT NOT NULL,
    version     TEXT NOT NULL,
    title       TEXT NOT NULL,
    issuer      TEXT NOT NULL,
    effective   TEXT NOT NULL,
    source      TEXT NOT NULL,
    sha256      TEXT NOT NULL,
    loaded_by   UUID REFERENCES users(id),
    loaded_at   BIGINT NOT NULL,
    PRIMARY KEY (id, version)
);

-- An agency's system. The exposure and high-value-asset flags keep
-- "unknown" as the agency said it: the directive decides what unknown means.
CREATE TABLE systems (
    id                UUID PRIMARY KEY NOT NULL,
    org_id            UUID NOT NULL REFERENCES organizations(id),
    name              TEXT NOT NULL,
    fisma_id          TEXT,
    high_value_asset  TEXT NOT NULL DEFAULT 'unknown' CHECK (high_value_asset IN ('yes','no','unknown')),
    publicly_exposed  TEXT NOT NULL DEFAULT 'unknown' CHECK (publicly_exposed IN ('yes','no','unknown')),
    national_security BOOLEAN NOT NULL DEFAULT FALSE,
    owners            TEXT NOT NULL DEFAULT '[]',
    created_at        BIGINT NOT NULL,
    updated_at        BIGINT NOT NULL,
    UNIQUE (org_id, name)
);
CREATE UNIQUE INDEX systems_fisma ON systems(org_id, fisma_id) WHERE fisma_id IS NOT NULL;

-- The SBOMs that describe what runs on a system. Replacing one detaches it
-- (`detached_at`, `replaced_by`): the history stays.
CREATE TABLE system_sboms (
    system_id    UUID NOT NULL REFERENCES systems(id),
    sbom_id      UUID NOT NULL REFERENCES sboms(id),
    attached_at  BIGINT NOT NULL,
    detached_at  BIGINT,
    replaced_by  UUID REFERENCES sboms(id),
    PRIMARY KEY (system_id, sbom_id)
);
CREATE INDEX system_sboms_sbom ON system_sboms(sbom_id);

-- Products without a package URL (appliances, commercial software), as KEV
-- and CVE records name them, or by a CPE 2.3 name. `vendor_key` and
-- `product_key` are the caller's folded names, for index reads.
CREATE TABLE system_products (
    id           UUID PRIMARY KEY NOT NULL,
    system_id    UUID NOT NULL REFERENCES systems(id),
    vendor       TEXT NOT NULL,
    product      TEXT NOT NULL,
    version      TEXT,
    cpe          TEXT,
    vendor_key   TEXT COLLATE "C" NOT NULL,
    product_key  TEXT COLLATE "C" NOT NULL,
    added_at     BIGINT NOT NULL,
    removed_at   BIGINT
);
CREATE INDEX system_products_system ON system_products(system_id);
CREATE INDEX system_products_key ON system_products(vendor_key, product_key);

-- One obligation: (system, subject, vulnerability, directive). `subject` is
-- the stable key of what is vulnerable (`purl:…` for an SBOM component,
-- `product:<id>` for a product). Dates are UTC microseconds. `due_at` is
-- the date in force (NULL: "at the next upgrade"): the directive's
-- (`directive_due_at`) unless the issuer approved an extension
-- (`extended_due_at`). `state` is open or closed; `answer` is the agency's
-- latest word; `notified` lists the due-date notices sent (7d,3d,1d,…).
CREATE TABLE obligations (
    id                 UUID PRIMARY KEY NOT NULL,
    org_id             UUID NOT NULL REFERENCES organizations(id),
    system_id          UUID NOT NULL REFERENCES systems(id),
    subject            TEXT COLLATE "C" NOT NULL,
    subject_kind       TEXT NOT NULL CHECK (subject_kind IN ('component','product')),
    subject_name       TEXT NOT NULL,
    subject_version    TEXT,
    vulnerability      TEXT COLLATE "C" NOT NULL,
    directive_id       TEXT COLLATE "C" NOT NULL,
    directive_version  TEXT NOT NULL,
    rule               TEXT NOT NULL,
    action             TEXT NOT NULL,
    timeline           TEXT NOT NULL,
    trigger_at         BIGINT NOT NULL,
    due_at             BIGINT,
    directive_due_at   BIGINT,
    extended_due_at    BIGINT,
    forensic           BOOLEAN NOT NULL,
    evaluation         TEXT NOT NULL,
    state              TEXT NOT NULL CHECK (state IN ('open','closed')),
    answer             TEXT CHECK (answer IN ('in_progress','remediated','mitigated','not_affected')),
    closed_at          BIGINT,
    closed_reason      TEXT,
    notified           TEXT NOT NULL DEFAULT '',
    created_at         BIGINT NOT NULL,
    updated_at         BIGINT NOT NULL,
    UNIQUE (system_id, subject, vulnerability, directive_id)
);
-- The agency's lists (open and overdue first) and CISA's government-wide
-- view (by due date across agencies); one vulnerability across agencies.
CREATE INDEX obligations_org_due ON obligations(org_id, state, due_at);
CREATE INDEX obligations_due ON obligations(state, due_at);
CREATE INDEX obligations_vulnerability ON obligations(vulnerability, state);
CREATE INDEX obligations_system ON obligations(system_id, state);

-- Everything that happened to an obligation, in order: created, due date
-- moved (with the reason), answered, extension requested / decided,
-- closed, reopened, notices sent.
CREATE TABLE obligation_events (
    obligation_id  UUID NOT NULL REFERENCES obligations(id),
    seq            BIGINT NOT NULL,
    at             BIGINT NOT NULL,
    kind           TEXT NOT NULL,
    actor_user     UUID,
    detail         TEXT NOT NULL,
    PRIMARY KEY (obligation_id, seq)
);

-- Extension and exception requests and CISA's decisions.
CREATE TABLE obligation_requests (
    id              UUID PRIMARY KEY NOT NULL,
    obligation_id   UUID NOT NULL REFERENCES obligations(id),
    kind            TEXT NOT NULL CHECK (kind IN ('extension','exception')),
    requested_by    UUID,
    requested_at    BIGINT NOT NULL,
    requested_due   BIGINT,
    justification   TEXT NOT NULL,
    state           TEXT NOT NULL CHECK (state IN ('pending','approved','denied')),
    decided_by      UUID,
    decided_at      BIGINT,
    decided_due     BIGINT,
    conditions      TEXT,
    decision_note   TEXT
);
CREATE INDEX obligation_requests_obligation ON obligation_requests(obligation_id);
CREATE INDEX obligation_requests_pending ON obligation_requests(state, requested_at);
