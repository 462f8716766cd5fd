-- SBOMs an organization uploaded, and their components as `bulwark-sbom`
-- read them. The document itself is kept content-addressed among the raw
-- documents (in pieces, as intake keeps its documents); a component is kept
-- with its package URL as written and, when one maps onto an OSV ecosystem,
-- the ecosystem, release and normalised name it is looked up under, so that
-- "which SBOMs hold package X" is an index read. Matching results are not
-- stored: they are recomputed against the current advisories.

CREATE TABLE sboms (
    id            BLOB PRIMARY KEY NOT NULL,
    org_id        BLOB NOT NULL REFERENCES organizations(id),
    uploaded_by   BLOB REFERENCES users(id),
    name          TEXT NOT NULL,
    format        TEXT NOT NULL,
    spec_version  TEXT NOT NULL,
    document      TEXT NOT NULL REFERENCES raw_documents(sha256),
    tlp           TEXT NOT NULL DEFAULT 'AMBER'
                  CHECK (tlp IN ('CLEAR','GREEN','AMBER','AMBER+STRICT','RED')),
    components    BIGINT NOT NULL,
    unmatchable   BIGINT NOT NULL,
    created_at    BIGINT NOT NULL
);
CREATE INDEX sboms_org ON sboms(org_id, id);

-- One row per component, in document order (`seq`). `ecosystem` and
-- `package` (the normalised name) are NULL when the component cannot be
-- looked up (`unmatchable` says why); `source_package` is the second name an
-- rpm is looked up under (its source rpm's).
CREATE TABLE sbom_components (
    sbom_id         BLOB NOT NULL REFERENCES sboms(id),
    seq             BIGINT NOT NULL,
    name            TEXT NOT NULL,
    purl            TEXT,
    ecosystem       TEXT,
    release         TEXT,
    package         TEXT,
    source_package  TEXT,
    version         TEXT,
    unmatchable     TEXT,
    PRIMARY KEY (sbom_id, seq)
);
CREATE INDEX sbom_components_package ON sbom_components(ecosystem, package);
CREATE INDEX sbom_components_source ON sbom_components(ecosystem, source_package)
    WHERE source_package IS NOT NULL;
