-- Frontier benchmarks: versioned benchmark sets, the model registry, and
-- every determination made (kept, never overwritten: the history is the record).

CREATE TABLE benchmark_sets (
    set_id        TEXT NOT NULL,
    version       TEXT NOT NULL,
    effective_at  INTEGER NOT NULL,
    title         TEXT NOT NULL,
    restricted    INTEGER NOT NULL,
    source        TEXT NOT NULL,
    loaded_by     BLOB,
    loaded_at     INTEGER NOT NULL,
    PRIMARY KEY (set_id, version)
);

CREATE TABLE model_profiles (
    id          BLOB PRIMARY KEY NOT NULL,
    owner_org   BLOB NOT NULL REFERENCES organizations(id),
    name        TEXT NOT NULL,
    tlp         TEXT NOT NULL,
    profile     TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    UNIQUE (owner_org, name)
);

CREATE TABLE determinations (
    id         BLOB PRIMARY KEY NOT NULL,
    model_id   BLOB NOT NULL REFERENCES model_profiles(id),
    set_id     TEXT NOT NULL,
    version    TEXT NOT NULL,
    outcome    TEXT NOT NULL,
    detail     TEXT NOT NULL,
    made_at    INTEGER NOT NULL
);
CREATE INDEX determinations_model ON determinations(model_id, set_id, made_at);
