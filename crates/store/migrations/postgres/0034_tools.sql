-- Identifier columns use COLLATE "C" (see 0016_identifier_collation.sql).
-- The catalogue of AI-enabled defensive tools (issue 20): entries written
-- by their providers and approved by the program office, their versions.
--
-- `reports_as` is the name the tool writes in what it submits (SARIF's
-- tool.driver.name, a claim's tool): the key of its evidence, so one entry
-- per name. Lists of words (deployment, consumes, produces) and the FedRAMP
-- authorization are JSON the application writes and reads.
CREATE TABLE tools (
    id            UUID PRIMARY KEY NOT NULL,
    provider_org  UUID NOT NULL REFERENCES organizations(id),
    name          TEXT NOT NULL,
    kind          TEXT NOT NULL,
    reports_as    TEXT COLLATE "C" NOT NULL UNIQUE,
    ai_enabled    BOOLEAN NOT NULL,
    summary       TEXT NOT NULL,
    deployment    TEXT NOT NULL,
    consumes      TEXT NOT NULL,
    produces      TEXT NOT NULL,
    max_tlp       TEXT NOT NULL,
    embargoed     BOOLEAN NOT NULL,
    fedramp       TEXT,
    model_id      UUID REFERENCES model_profiles(id),
    state         TEXT NOT NULL CHECK (state IN ('draft','submitted','approved','rejected','withdrawn')),
    state_reason  TEXT,
    decided_by    UUID REFERENCES users(id),
    decided_at    BIGINT,
    created_by    UUID REFERENCES users(id),
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL,
    UNIQUE (provider_org, name)
);
CREATE INDEX tools_state ON tools(state, name);

CREATE TABLE tool_versions (
    tool_id      UUID NOT NULL REFERENCES tools(id),
    version      TEXT COLLATE "C" NOT NULL,
    released_on  TEXT,
    note         TEXT,
    added_by     UUID REFERENCES users(id),
    added_at     BIGINT NOT NULL,
    PRIMARY KEY (tool_id, version)
);
