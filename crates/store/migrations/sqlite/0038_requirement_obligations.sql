-- A directive's requirement on a system itself ("every high-value asset
-- scanned by an approved AI-enabled tool every 30 days", issue 20) gives an
-- obligation whose subject is the system (`system:<id>`, subject_kind
-- 'system') and whose vulnerability is `requirement:<id>`, so the
-- compliance counts, pages and notices read it like any other.
--
-- SQLite changes a CHECK only by rebuilding the table, and events and
-- requests reference obligations. The rows are set aside, the table
-- dropped and made anew, and the rows put back into it: dropping leaves
-- the children without a parent (checked at commit, as deferred) and
-- putting the parents back gives every child its parent again, so the
-- commit's check finds nothing wrong. (Renaming a new table into place
-- would not: SQLite counts the children orphaned by the drop and only an
-- insert into the parent table counts them back.)
PRAGMA defer_foreign_keys = ON;

CREATE TEMP TABLE obligations_kept AS SELECT * FROM obligations;
DROP TABLE obligations;
CREATE TABLE obligations (
    id                 BLOB PRIMARY KEY NOT NULL,
    org_id             BLOB NOT NULL REFERENCES organizations(id),
    system_id          BLOB NOT NULL REFERENCES systems(id),
    subject            TEXT NOT NULL,
    subject_kind       TEXT NOT NULL CHECK (subject_kind IN ('component','product','system')),
    subject_name       TEXT NOT NULL,
    subject_version    TEXT,
    vulnerability      TEXT NOT NULL,
    directive_id       TEXT NOT NULL,
    directive_version  TEXT NOT NULL,
    rule               TEXT NOT NULL,
    action             TEXT NOT NULL,
    timeline           TEXT NOT NULL,
    trigger_at         BIGINT NOT NULL,
    due_at             BIGINT,
    directive_due_at   BIGINT,
    extended_due_at    BIGINT,
    forensic           INTEGER NOT NULL,
    evaluation         TEXT NOT NULL,
    state              TEXT NOT NULL CHECK (state IN ('open','closed')),
    answer             TEXT CHECK (answer IN ('in_progress','remediated','mitigated','not_affected')),
    closed_at          BIGINT,
    closed_reason      TEXT,
    notified           TEXT NOT NULL DEFAULT '',
    created_at         BIGINT NOT NULL,
    updated_at         BIGINT NOT NULL,
    UNIQUE (system_id, subject, vulnerability, directive_id)
);
INSERT INTO obligations (id, org_id, system_id, subject, subject_kind, subject_name,
    subject_version, vulnerability, directive_id, directive_version, rule, action, timeline,
    trigger_at, due_at, directive_due_at, extended_due_at, forensic, evaluation, state, answer,
    closed_at, closed_reason, notified, created_at, updated_at)
    SELECT id, org_id, system_id, subject, subject_kind, subject_name,
    subject_version, vulnerability, directive_id, directive_version, rule, action, timeline,
    trigger_at, due_at, directive_due_at, extended_due_at, forensic, evaluation, state, answer,
    closed_at, closed_reason, notified, created_at, updated_at FROM obligations_kept;
DROP TABLE obligations_kept;
CREATE INDEX obligations_org_due ON obligations(org_id, state, due_at);
CREATE INDEX obligations_due ON obligations(state, due_at);
CREATE INDEX obligations_vulnerability ON obligations(vulnerability, state);
CREATE INDEX obligations_system ON obligations(system_id, state, due_at, closed_at, trigger_at);

-- The scans a requirement is met by are read by tool and release time.
CREATE INDEX scan_claims_tool_released ON scan_claims(tool, released_at);
