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
    case_id       BLOB NOT NULL REFERENCES cases(id),
    tool_name     TEXT NOT NULL,
    tool_version  TEXT NOT NULL,
    duplicate     INTEGER NOT NULL CHECK (duplicate IN (0, 1)),
    PRIMARY KEY (case_id, tool_name, tool_version)
);
CREATE INDEX case_tool_versions_tool ON case_tool_versions (tool_name, tool_version, case_id);

CREATE TABLE tool_version_stats (
    tool_name             TEXT NOT NULL,
    tool_version          TEXT NOT NULL,
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
    tool_name     TEXT NOT NULL,
    tool_version  TEXT NOT NULL,
    target_id     BLOB NOT NULL REFERENCES scan_targets(id),
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
INSERT INTO tool_version_stats (tool_name, tool_version, reports)
    SELECT tool_name, COALESCE(tool_version, ''), COUNT(*) FROM reports
    WHERE tool_name IS NOT NULL GROUP BY tool_name, COALESCE(tool_version, '');
INSERT INTO tool_claim_targets (tool_name, tool_version, target_id)
    SELECT DISTINCT tool, '', target_id FROM scan_claims
    WHERE tool IS NOT NULL AND outcome IN ('findings', 'nothing_found');
INSERT INTO tool_version_stats (tool_name, tool_version)
    SELECT DISTINCT tool_name, COALESCE(tool_version, '') FROM case_remediations
    WHERE kind = 'patch' AND tool_name IS NOT NULL
    UNION SELECT DISTINCT tool, '' FROM scan_claims WHERE tool IS NOT NULL
    ON CONFLICT (tool_name, tool_version) DO NOTHING;
UPDATE tool_version_stats SET
    cases = (SELECT COUNT(*) FROM case_tool_versions t
        WHERE t.tool_name = tool_version_stats.tool_name AND t.tool_version = tool_version_stats.tool_version),
    validated = (SELECT COUNT(*) FROM case_tool_versions t JOIN cases c ON c.id = t.case_id
        WHERE t.tool_name = tool_version_stats.tool_name AND t.tool_version = tool_version_stats.tool_version
        AND c.state = 'validated'),
    rejected = (SELECT COUNT(*) FROM case_tool_versions t JOIN cases c ON c.id = t.case_id
        WHERE t.tool_name = tool_version_stats.tool_name AND t.tool_version = tool_version_stats.tool_version
        AND c.state = 'rejected'),
    duplicate = (SELECT COUNT(*) FROM case_tool_versions t
        WHERE t.tool_name = tool_version_stats.tool_name AND t.tool_version = tool_version_stats.tool_version
        AND t.duplicate = 1),
    patches = (SELECT COUNT(*) FROM case_remediations p
        WHERE p.kind = 'patch' AND p.tool_name = tool_version_stats.tool_name
        AND COALESCE(p.tool_version, '') = tool_version_stats.tool_version),
    patches_accepted = (SELECT COUNT(*) FROM case_remediations p
        WHERE p.kind = 'patch' AND p.state = 'accepted' AND p.tool_name = tool_version_stats.tool_name
        AND COALESCE(p.tool_version, '') = tool_version_stats.tool_version),
    claims = (SELECT COUNT(*) FROM scan_claims k
        WHERE k.tool = tool_version_stats.tool_name AND tool_version_stats.tool_version = ''),
    claims_findings = (SELECT COUNT(*) FROM scan_claims k
        WHERE k.tool = tool_version_stats.tool_name AND tool_version_stats.tool_version = ''
        AND k.outcome = 'findings'),
    claims_nothing_found = (SELECT COUNT(*) FROM scan_claims k
        WHERE k.tool = tool_version_stats.tool_name AND tool_version_stats.tool_version = ''
        AND k.outcome = 'nothing_found'),
    claims_abandoned = (SELECT COUNT(*) FROM scan_claims k
        WHERE k.tool = tool_version_stats.tool_name AND tool_version_stats.tool_version = ''
        AND k.outcome = 'abandoned'),
    targets = (SELECT COUNT(*) FROM tool_claim_targets g
        WHERE g.tool_name = tool_version_stats.tool_name AND g.tool_version = tool_version_stats.tool_version);
