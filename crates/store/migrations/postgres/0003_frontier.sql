-- Frontier benchmarks: versioned benchmark sets, the model registry, and
-- every determination made (kept, never overwritten: the history is the record).

CREATE TABLE benchmark_sets (
    set_id        TEXT NOT NULL,
    version       TEXT NOT NULL,
    effective_at  BIGINT NOT NULL,
    title         TEXT NOT NULL,
    restricted    BOOLEAN NOT NULL,
    source        TEXT NOT NULL,
    loaded_by     UUID,
    loaded_at     BIGINT NOT NULL,
    PRIMARY KEY (set_id, version)
);

CREATE TABLE model_profiles (
    id          UUID PRIMARY KEY,
    owner_org   UUID NOT NULL REFERENCES organizations(id),
    name        TEXT NOT NULL,
    tlp         TEXT NOT NULL,
    profile     TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL,
    UNIQUE (owner_org, name)
);

CREATE TABLE determinations (
    id         UUID PRIMARY KEY,
    model_id   UUID NOT NULL REFERENCES model_profiles(id),
    set_id     TEXT NOT NULL,
    version    TEXT NOT NULL,
    outcome    TEXT NOT NULL,
    detail     TEXT NOT NULL,
    made_at    BIGINT NOT NULL
);
CREATE INDEX determinations_model ON determinations(model_id, set_id, made_at);
