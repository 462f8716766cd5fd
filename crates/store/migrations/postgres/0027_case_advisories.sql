-- Advisories the clearinghouse writes from its cases (issue 18): one per
-- case, its content and tracking as JSON (bulwark-distribution's model; the
-- store never interprets them), the marking it is published at, when it was
-- released to the case's parties (under embargo) and when it became public,
-- and the exact documents of its last published revision, so that serving
-- never regenerates them. Tracking ids (BWK-<year>-<sequence>) come from one
-- counter row per year, moved in the transaction that takes a number: no
-- two advisories share one and a rolled-back draft leaves no gap.

CREATE TABLE advisory_counters (
    year INTEGER PRIMARY KEY NOT NULL,
    last BIGINT NOT NULL CHECK (last > 0)
);

CREATE TABLE case_advisories (
    id              UUID PRIMARY KEY NOT NULL,
    case_id         UUID NOT NULL UNIQUE REFERENCES cases(id),
    tracking_id     TEXT COLLATE "C" NOT NULL UNIQUE,
    status          TEXT NOT NULL CHECK (status IN ('draft','interim','final')),
    content         TEXT NOT NULL,
    tracking        TEXT NOT NULL,
    publication_tlp TEXT NOT NULL CHECK (publication_tlp IN ('CLEAR','GREEN','AMBER','AMBER+STRICT')),
    owner_org       UUID NOT NULL REFERENCES organizations(id),
    released_at     BIGINT,
    published_at    BIGINT,
    csaf            TEXT,
    osv             TEXT,
    vex             TEXT,
    openvex         TEXT,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL,
    CHECK (published_at IS NULL OR released_at IS NOT NULL),
    CHECK (released_at IS NULL OR (csaf IS NOT NULL AND osv IS NOT NULL))
);
-- The scheduler's question: released under embargo, not yet public.
CREATE INDEX case_advisories_pending ON case_advisories(released_at)
    WHERE released_at IS NOT NULL AND published_at IS NULL;

CREATE TABLE case_advisory_revisions (
    advisory_id UUID NOT NULL REFERENCES case_advisories(id),
    number      INTEGER NOT NULL CHECK (number > 0),
    at          BIGINT NOT NULL,
    summary     TEXT NOT NULL,
    status      TEXT NOT NULL CHECK (status IN ('draft','interim','final')),
    content     TEXT NOT NULL,
    csaf        TEXT,
    osv         TEXT,
    by_user     UUID REFERENCES users(id),
    PRIMARY KEY (advisory_id, number)
);
