-- The further package URLs of an SBOM component: an SPDX package may list
-- several (SPDX 2.2's PACKAGE-MANAGER and 2.3's PACKAGE_MANAGER references,
-- one per repository), sometimes naming different packages, and a wrong
-- first one must not hide a match. The first stays in sbom_components; each
-- other distinct one that maps onto an OSV ecosystem is a row here (`n` from
-- 1, in document order), indexed like the components so that "which
-- components are package X" finds it too.
CREATE TABLE sbom_component_purls (
    sbom_id         BLOB NOT NULL,
    seq             BIGINT NOT NULL,
    n               BIGINT NOT NULL,
    purl            TEXT NOT NULL,
    ecosystem       TEXT NOT NULL,
    package         TEXT NOT NULL,
    source_package  TEXT,
    PRIMARY KEY (sbom_id, seq, n),
    FOREIGN KEY (sbom_id, seq) REFERENCES sbom_components(sbom_id, seq)
);
CREATE INDEX sbom_component_purls_package ON sbom_component_purls(ecosystem, package);
CREATE INDEX sbom_component_purls_source ON sbom_component_purls(ecosystem, source_package)
    WHERE source_package IS NOT NULL;
