-- Per-source reliability kept as counters, so that the triage queue and the
-- sources' page do not recount every report on each request.
--
-- case_sources: the distinct sources behind each case — the reporting
-- organization (its id as 32 lowercase hex digits), the tool's name, the AI
-- model with its version ('name version', trailing spaces trimmed).
-- source_stats: per source, the cases it is behind (submitted) and how many
-- of those are validated. The store keeps both in step with reports and case
-- states in the transaction that changes them (intake, state changes,
-- merges, splits); the suite checks them against a recount.

CREATE TABLE case_sources (
    case_id  BLOB NOT NULL REFERENCES cases(id),
    kind     TEXT NOT NULL CHECK (kind IN ('org','tool','model')),
    source   TEXT NOT NULL,
    PRIMARY KEY (case_id, kind, source)
);

CREATE TABLE source_stats (
    kind       TEXT NOT NULL CHECK (kind IN ('org','tool','model')),
    source     TEXT NOT NULL,
    submitted  BIGINT NOT NULL,
    validated  BIGINT NOT NULL,
    PRIMARY KEY (kind, source)
);

INSERT INTO case_sources (case_id, kind, source)
    SELECT DISTINCT case_id, 'org', lower(hex(org_id)) FROM reports;
INSERT INTO case_sources (case_id, kind, source)
    SELECT DISTINCT case_id, 'tool', tool_name FROM reports WHERE tool_name IS NOT NULL;
INSERT INTO case_sources (case_id, kind, source)
    SELECT DISTINCT case_id, 'model', rtrim(ai_model || ' ' || COALESCE(ai_model_version, ''))
    FROM reports WHERE ai_model IS NOT NULL;
INSERT INTO source_stats (kind, source, submitted, validated)
    SELECT cs.kind, cs.source, COUNT(*), SUM(CASE WHEN c.state = 'validated' THEN 1 ELSE 0 END)
    FROM case_sources cs JOIN cases c ON c.id = cs.case_id
    GROUP BY cs.kind, cs.source;
