-- A directive's requirement on a system itself ("every high-value asset
-- scanned by an approved AI-enabled tool every 30 days", issue 20) gives an
-- obligation whose subject is the system (`system:<id>`, subject_kind
-- 'system') and whose vulnerability is `requirement:<id>`, so the
-- compliance counts, pages and notices read it like any other.
ALTER TABLE obligations DROP CONSTRAINT obligations_subject_kind_check;
ALTER TABLE obligations ADD CONSTRAINT obligations_subject_kind_check
    CHECK (subject_kind IN ('component','product','system'));

-- The scans a requirement is met by are read by tool and release time.
CREATE INDEX scan_claims_tool_released ON scan_claims(tool, released_at);
