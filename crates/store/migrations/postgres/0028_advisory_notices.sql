-- Identifier columns use COLLATE "C" (see 0016_identifier_collation.sql).
-- Notices to exactly the organizations an advisory affects (issue 18, item 6).
--
-- `notice_advisories` is the list of advisories that notify: each advisory
-- the program released to its parties or published, with the OSV record the
-- matching engine reads, so that a later SBOM upload is checked against it.
-- `advisory_id` has no foreign key: the program's own advisories
-- (`case_advisories`) come in another migration (0027), and notices must
-- not depend on the order the two are applied in.
CREATE TABLE notice_advisories (
    advisory_id  UUID PRIMARY KEY NOT NULL,
    tracking_id  TEXT COLLATE "C" NOT NULL,
    title        TEXT NOT NULL,
    osv          TEXT NOT NULL,
    fix          TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL
);

-- One notice per (advisory, organization): the organization's own affected
-- components (JSON array: SBOM, its systems, component, purl, version) and
-- the fix. A later run for the same advisory adds the components that are
-- new to the notice (and marks it unread again); it never adds a second
-- notice. `advisory_id` has no foreign key, as above.
CREATE TABLE advisory_notices (
    id           UUID PRIMARY KEY NOT NULL,
    advisory_id  UUID NOT NULL,
    tracking_id  TEXT COLLATE "C" NOT NULL,
    org_id       UUID NOT NULL REFERENCES organizations(id),
    title        TEXT NOT NULL,
    components   TEXT NOT NULL,
    fix          TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL,
    read_at      BIGINT,
    UNIQUE (advisory_id, org_id)
);
CREATE INDEX advisory_notices_org ON advisory_notices(org_id, id);
