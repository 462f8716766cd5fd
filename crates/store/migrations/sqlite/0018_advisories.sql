-- OSV advisories, as read by `bulwark-matching`: the record itself as JSON
-- text (the store never interprets it) with its SHA-256, and the few facts
-- the store looks records up by, which the caller computes: every name a
-- record answers to, and the packages it names.

-- One row per advisory id. `modified` is kept as written, and in UTC
-- microseconds when it is an RFC 3339 instant (`modified_at`), to tell an
-- older copy of a record from a newer one.
CREATE TABLE advisories (
    id          TEXT PRIMARY KEY,
    modified    TEXT,
    modified_at BIGINT,
    published   TEXT,
    withdrawn   TEXT,
    summary     TEXT,
    raw_json    TEXT NOT NULL,
    raw_sha256  TEXT NOT NULL,
    imported_at BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);

-- Every name an advisory answers to (its id and its aliases), upper-cased
-- so that a lookup ignores case as OSV ids do in practice.
CREATE TABLE advisory_aliases (
    alias       TEXT NOT NULL,
    advisory_id TEXT NOT NULL REFERENCES advisories (id) ON DELETE CASCADE,
    PRIMARY KEY (advisory_id, alias)
);
CREATE INDEX advisory_aliases_alias ON advisory_aliases (alias);

-- The packages an advisory's `affected[]` entries name: the OSV ecosystem
-- without its release, the release (`12` of `Debian:12`) and the name
-- normalised under the ecosystem's rules; one row per distinct triple.
CREATE TABLE advisory_packages (
    advisory_id TEXT NOT NULL REFERENCES advisories (id) ON DELETE CASCADE,
    ecosystem   TEXT NOT NULL,
    release     TEXT,
    name        TEXT NOT NULL
);
CREATE INDEX advisory_packages_name ON advisory_packages (ecosystem, name);
CREATE INDEX advisory_packages_advisory ON advisory_packages (advisory_id);
