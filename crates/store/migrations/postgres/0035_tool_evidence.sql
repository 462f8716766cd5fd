-- Evidence per tool version (issue 20): what Bulwark has seen of each
-- (tool name, tool version) as reports, claims and patches carry them (a
-- missing version is the empty string), so that a scorecard for a
-- thousand tools is a read of a thousand-odd rows, not of every report.
--
-- case_tool_versions: the distinct tool versions behind each case, each
-- with whether it was a duplicate there: its earliest report on the case
-- came after the case's first report (another source found it first).
-- tool_version_stats: per tool version, the reports it sent, the cases it
-- is behind (validated, rejected, duplicate among them), the patches it
-- submitted and how many were accepted, the claims made with it and how
-- each released claim ended, and the distinct targets it covered (a claim
-- released with findings or with nothing found). Kept in step by the
-- transactions that keep source_stats (intake, state changes, merges,
-- splits), submit and accept patches, and make and release claims; the
-- suite checks them against a recount.
-- tool_claim_targets: the targets each tool version covered, so that a
-- target scanned twice counts once.

CREATE TABLE case_tool_versions (
    case_id       UUID NOT NULL REFERENCES cases(id),
    tool_name     TEXT COLLATE "C" NOT NULL,
    tool_version  TEXT COLLATE "C" NOT NULL,
    duplicate     INTEGER NOT NULL CHECK (duplicate IN (0, 1)),
    PRIMARY KEY (case_id, tool_name, tool_version)
);
CREATE INDEX case_tool_versions_tool ON case_tool_versions (tool_name, tool_version, case_id);

CREATE TABLE tool_version_stats (
    tool_name             TEXT COLLATE "C" NOT NULL,
    tool_version          TEXT COLLATE "C" NOT NULL,
    reports               BIGINT NOT NULL DEFAULT 0,
    cases                 BIGINT NOT NULL DEFAULT 0,
    validated             BIGINT NOT NULL DEFAULT 0,
    rejected              BIGINT NOT NULL DEFAULT 0,
    duplicate             BIGINT NOT NULL DEFAULT 0,
    patches               BIGINT NOT NULL DEFAULT 0,
    patches_accepted      BIGINT NOT NULL DEFAULT 0,
    claims                BIGINT NOT NULL DEFAULT 0,
    claims_findings       BIGINT NOT NULL DEFAULT 0,
    claims_nothing_found  BIGINT NOT NULL DEFAULT 0,
    claims_abandoned      BIGINT NOT NULL DEFAULT 0,
    targets               BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (tool_name, tool_version)
);

CREATE TABLE tool_claim_targets (
    tool_name     TEXT COLLATE "C" NOT NULL,
    tool_version  TEXT COLLATE "C" NOT NULL,
    target_id     UUID NOT NULL REFERENCES scan_targets(id),
    PRIMARY KEY (tool_name, tool_version, target_id)
);

-- A claim names its tool's version when the claimant gives it.
ALTER TABLE scan_claims ADD COLUMN tool_version TEXT;
-- The claims of one tool on one target by one organization, in time: the
-- claim a report was found under (the median time to a validated finding).
CREATE INDEX scan_claims_tool ON scan_claims (tool, target_id, org_id, created_at);
-- One tool's reports in time: its page's weekly series and median.
CREATE INDEX reports_tool ON reports (tool_name, reported_at);

-- When a case became validated. Cases validated before this migration
-- take their last change, the best instant kept.
ALTER TABLE cases ADD COLUMN validated_at BIGINT;
UPDATE cases SET validated_at = updated_at WHERE state = 'validated';

INSERT INTO case_tool_versions (case_id, tool_name, tool_version, duplicate)
    SELECT r.case_id, r.tool_name, COALESCE(r.tool_version, ''),
        CASE WHEN MIN(r.reported_at) > c.first_reported_at THEN 1 ELSE 0 END
    FROM reports r JOIN cases c ON c.id = r.case_id
    WHERE r.tool_name IS NOT NULL
    GROUP BY r.case_id, r.tool_name, COALESCE(r.tool_version, ''), c.first_reported_at;
INSERT INTO tool_claim_targets (tool_name, tool_version, target_id)
    SELECT DISTINCT tool, COALESCE(tool_version, ''), target_id FROM scan_claims
    WHERE tool IS NOT NULL AND outcome IN ('findings', 'nothing_found');
-- One pass over each source, summed per version.
INSERT INTO tool_version_stats (tool_name, tool_version, reports, cases, validated, rejected,
        duplicate, patches, patches_accepted, claims, claims_findings, claims_nothing_found,
        claims_abandoned, targets)
    SELECT n, v, SUM(reports), SUM(cases), SUM(validated), SUM(rejected), SUM(duplicate),
        SUM(patches), SUM(patches_accepted), SUM(claims), SUM(claims_findings),
        SUM(claims_nothing_found), SUM(claims_abandoned), SUM(targets)
    FROM (
        SELECT tool_name AS n, COALESCE(tool_version, '') AS v, COUNT(*) AS reports,
            0 AS cases, 0 AS validated, 0 AS rejected, 0 AS duplicate, 0 AS patches,
            0 AS patches_accepted, 0 AS claims, 0 AS claims_findings, 0 AS claims_nothing_found,
            0 AS claims_abandoned, 0 AS targets
        FROM reports WHERE tool_name IS NOT NULL GROUP BY tool_name, COALESCE(tool_version, '')
        UNION ALL
        SELECT t.tool_name, t.tool_version, 0, COUNT(*),
            SUM(CASE WHEN c.state = 'validated' THEN 1 ELSE 0 END),
            SUM(CASE WHEN c.state = 'rejected' THEN 1 ELSE 0 END), SUM(t.duplicate),
            0, 0, 0, 0, 0, 0, 0
        FROM case_tool_versions t JOIN cases c ON c.id = t.case_id
        GROUP BY t.tool_name, t.tool_version
        UNION ALL
        SELECT tool_name, COALESCE(tool_version, ''), 0, 0, 0, 0, 0, COUNT(*),
            SUM(CASE WHEN state = 'accepted' THEN 1 ELSE 0 END), 0, 0, 0, 0, 0
        FROM case_remediations WHERE kind = 'patch' AND tool_name IS NOT NULL
        GROUP BY tool_name, COALESCE(tool_version, '')
        UNION ALL
        SELECT tool, COALESCE(tool_version, ''), 0, 0, 0, 0, 0, 0, 0, COUNT(*),
            SUM(CASE WHEN outcome = 'findings' THEN 1 ELSE 0 END),
            SUM(CASE WHEN outcome = 'nothing_found' THEN 1 ELSE 0 END),
            SUM(CASE WHEN outcome = 'abandoned' THEN 1 ELSE 0 END), 0
        FROM scan_claims WHERE tool IS NOT NULL GROUP BY tool, COALESCE(tool_version, '')
        UNION ALL
        SELECT tool_name, tool_version, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, COUNT(*)
        FROM tool_claim_targets GROUP BY tool_name, tool_version
    ) AS per_source
    GROUP BY n, v;
