-- Programs of the program office (CISA) and agencies' access requests to
-- the catalogue's tools (issue 20, item 3).
--
-- A program's eligibility is JSON the application writes and reads (every
-- federal civilian agency, or a list). An access request names the tool,
-- the program it is asked under, the AI use case of the agency's
-- inventory, its systems (access_request_systems), the highest marking of
-- the data it will send and the window. The program office's approval adds
-- the conditions, the authorising official and the expiry; for a covered
-- frontier model it also proposes an early-access grant to the agency
-- (grant_id), which the model's developer accepts through the request.
CREATE TABLE programs (
    id          BLOB PRIMARY KEY NOT NULL,
    name        TEXT NOT NULL UNIQUE,
    summary     TEXT NOT NULL,
    eligibility TEXT NOT NULL,
    max_days    BIGINT NOT NULL CHECK (max_days > 0),
    conditions  TEXT NOT NULL,
    created_by  BLOB REFERENCES users(id),
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);

CREATE TABLE program_tools (
    program_id  BLOB NOT NULL REFERENCES programs(id),
    tool_id     BLOB NOT NULL REFERENCES tools(id),
    PRIMARY KEY (program_id, tool_id)
);

CREATE TABLE access_requests (
    id                    BLOB PRIMARY KEY NOT NULL,
    agency_org            BLOB NOT NULL REFERENCES organizations(id),
    program_id            BLOB NOT NULL REFERENCES programs(id),
    tool_id               BLOB NOT NULL REFERENCES tools(id),
    use_case_id           TEXT NOT NULL,
    data_tlp              TEXT NOT NULL,
    embargoed             INTEGER NOT NULL,
    starts_at             BIGINT NOT NULL,
    ends_at               BIGINT NOT NULL,
    state                 TEXT NOT NULL CHECK (state IN ('requested','approved','active','denied','revoked')),
    developer_org         BLOB REFERENCES organizations(id),
    conditions            TEXT,
    authorising_official  TEXT,
    reason                TEXT,
    decided_by            BLOB REFERENCES users(id),
    decided_at            BIGINT,
    expires_at            BIGINT,
    grant_id              BLOB UNIQUE REFERENCES grants(id),
    requested_by          BLOB REFERENCES users(id),
    created_at            BIGINT NOT NULL,
    updated_at            BIGINT NOT NULL
);
CREATE INDEX access_requests_agency ON access_requests(agency_org, id);
CREATE INDEX access_requests_expiry ON access_requests(state, expires_at);

CREATE TABLE access_request_systems (
    request_id  BLOB NOT NULL REFERENCES access_requests(id),
    system_id   BLOB NOT NULL REFERENCES systems(id),
    PRIMARY KEY (request_id, system_id)
);
