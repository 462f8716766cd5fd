-- The triage queue without scoring every pending case: each (case, source)
-- pair carries its case's first report time while the case is pending
-- (new or triaged, not merged away) and NULL otherwise, so that a source's
-- pending cases can be read in queue order (first report, then case id)
-- from one index. Pairs are written after their case's state and first
-- report are settled and rewritten whenever those change (the store's
-- unapply/apply of a case's sources), so the copy stays in step.

ALTER TABLE case_sources ADD COLUMN pending_at BIGINT;

UPDATE case_sources cs SET pending_at = c.first_reported_at
    FROM cases c
    WHERE c.id = cs.case_id AND c.state IN ('new', 'triaged') AND c.merged_into IS NULL;

CREATE INDEX case_sources_pending ON case_sources (kind, source, pending_at, case_id)
    WHERE pending_at IS NOT NULL;
