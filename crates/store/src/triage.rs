//! The clearinghouse's triage queue, ordered by how reliable the sources
//! behind each case have been, and the small reads the clearinghouse pages
//! need (a case's tasks, an organization's recent claims).
//!
//! # The ordering rule
//!
//! A case waiting for triage (`new` or `triaged`, not merged away) ranks as
//! high as the most reliable source behind it. A source's reliability is
//! its record on *other* cases, Laplace-smoothed: `(validated + 1) ÷
//! (submitted + 2)`, so a source with no record at all ranks 0.5, one whose
//! other cases were all validated tends to 1, one whose reports were never
//! borne out tends to 0. The case itself is left out of its sources' record
//! (it is pending, so it would only count against them) and a source is
//! judged the same for each of its pending cases.
//!
//! The sources considered are every organization that reported the case
//! (they are authenticated, created by the operator), and the tools and AI
//! models named in its reports once they have a record on at least one other
//! case. Tool and model names are self-declared in the SARIF: a reporter
//! with a poor record must not lift its cases by naming a new tool, so a
//! name with no record counts for nothing rather than for 0.5.
//!
//! Ties go to the earliest first report, then to the case id. Everything is
//! one SQL statement, the same on both back-ends: grouped counts per source
//! over all reports, the sources of the pending cases, the best one per case
//! by a window function, and only `limit` rows back.

use bulwark_core::{CaseState, ValidationKind, from_micros};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::{Result, Store, StoreError, parse_col, with_pool};

/// The longest triage page one call returns.
pub const MAX_TRIAGE_PAGE: u32 = 1000;

/// What a triage entry's score rests on: the best source behind the case
/// and its record on the other cases it reported.
#[derive(Debug, Clone, PartialEq)]
pub struct TriageBasis {
    /// `org`, `tool` or `model`.
    pub kind: &'static str,
    /// The organization, for `org`.
    pub org: Option<Uuid>,
    /// The organization's name, the tool's name, or `model version`.
    pub source: String,
    /// Its other cases (this one left out) that were validated.
    pub validated: i64,
    /// Its other cases (this one left out).
    pub submitted: i64,
}

/// One case of the triage queue, with why it ranks where it does.
#[derive(Debug, Clone, PartialEq)]
pub struct TriageEntry {
    pub case_id: Uuid,
    pub state: CaseState,
    pub title: String,
    pub first_reporter_org: Uuid,
    pub first_reporter_name: String,
    pub first_reported_at: OffsetDateTime,
    /// Reports folded into the case.
    pub reports: i64,
    /// Distinct organizations that reported it.
    pub reporting_orgs: i64,
    /// `(validated + 1) ÷ (submitted + 2)` of the basis; 0.5 without one.
    pub score: f64,
    /// The source that gave the score; `None` when no source has a record
    /// (then the score is the prior, 0.5).
    pub basis: Option<TriageBasis>,
}

/// A validation task on a case: who was asked for what, and when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseTask {
    pub kind: ValidationKind,
    pub org_id: Uuid,
    pub assigned_by: Option<Uuid>,
    pub at: OffsetDateTime,
}

/// Per source kind: the distinct (case, source) pairs (`pairs_*`), its
/// record over all cases (`stats_*`, hash aggregates over the pairs rather
/// than `COUNT(DISTINCT …)`, which sorts), the pending cases it is behind
/// (`cand`). Org rows first, so that the `UNION ALL`
/// column of organization ids takes its type from them on PostgreSQL.
const TRIAGE_SQL: &str = "\
WITH queue AS (
    SELECT id, state, title, first_reporter_org, first_reported_at FROM cases
    WHERE state IN ('new', 'triaged') AND merged_into IS NULL
),
pairs_org AS (SELECT DISTINCT case_id, org_id FROM reports),
counts AS (
    SELECT r.case_id, COUNT(*) AS reports FROM reports r JOIN queue q ON q.id = r.case_id
    GROUP BY r.case_id
),
org_counts AS (
    SELECT p.case_id, COUNT(*) AS orgs FROM pairs_org p JOIN queue q ON q.id = p.case_id
    GROUP BY p.case_id
),
pairs_tool AS (SELECT DISTINCT case_id, tool_name FROM reports WHERE tool_name IS NOT NULL),
pairs_model AS (
    SELECT DISTINCT case_id, ai_model, COALESCE(ai_model_version, '') AS version
    FROM reports WHERE ai_model IS NOT NULL
),
stats_org AS (
    SELECT p.org_id, COUNT(*) AS submitted,
        SUM(CASE WHEN c.state = 'validated' THEN 1 ELSE 0 END) AS validated
    FROM pairs_org p JOIN cases c ON c.id = p.case_id GROUP BY p.org_id
),
stats_tool AS (
    SELECT p.tool_name, COUNT(*) AS submitted,
        SUM(CASE WHEN c.state = 'validated' THEN 1 ELSE 0 END) AS validated
    FROM pairs_tool p JOIN cases c ON c.id = p.case_id GROUP BY p.tool_name
),
stats_model AS (
    SELECT p.ai_model, p.version, COUNT(*) AS submitted,
        SUM(CASE WHEN c.state = 'validated' THEN 1 ELSE 0 END) AS validated
    FROM pairs_model p JOIN cases c ON c.id = p.case_id GROUP BY p.ai_model, p.version
),
cand AS (
    SELECT p.case_id, CAST(0 AS BIGINT) AS kind_rank, p.org_id, NULL AS label,
        s.validated, s.submitted - 1 AS other
    FROM pairs_org p JOIN queue q ON q.id = p.case_id JOIN stats_org s ON s.org_id = p.org_id
    UNION ALL
    SELECT p.case_id, CAST(1 AS BIGINT), NULL, p.tool_name, s.validated, s.submitted - 1
    FROM pairs_tool p JOIN queue q ON q.id = p.case_id JOIN stats_tool s ON s.tool_name = p.tool_name
    WHERE s.submitted > 1
    UNION ALL
    SELECT p.case_id, CAST(2 AS BIGINT), NULL, TRIM(p.ai_model || ' ' || p.version), s.validated, s.submitted - 1
    FROM pairs_model p JOIN queue q ON q.id = p.case_id
    JOIN stats_model s ON s.ai_model = p.ai_model AND s.version = p.version
    WHERE s.submitted > 1
),
scored AS (
    SELECT case_id, kind_rank, org_id, label, validated, other,
        CAST(validated + 1 AS DOUBLE PRECISION) / CAST(other + 2 AS DOUBLE PRECISION) AS score
    FROM cand
),
best AS (
    SELECT case_id, kind_rank, org_id, label, validated, other, score,
        ROW_NUMBER() OVER (PARTITION BY case_id ORDER BY score DESC, kind_rank, org_id, label) AS rn
    FROM scored
)
SELECT q.id, q.state, q.title, q.first_reporter_org, o.name AS first_reporter_name,
    q.first_reported_at, COALESCE(n.reports, 0) AS reports, COALESCE(m.orgs, 0) AS orgs,
    COALESCE(b.score, 0.5) AS score, b.kind_rank, b.org_id AS basis_org, bo.name AS basis_org_name,
    b.label AS basis_label, b.validated AS basis_validated, b.other AS basis_submitted
FROM queue q
JOIN organizations o ON o.id = q.first_reporter_org
LEFT JOIN counts n ON n.case_id = q.id
LEFT JOIN org_counts m ON m.case_id = q.id
LEFT JOIN best b ON b.case_id = q.id AND b.rn = 1
LEFT JOIN organizations bo ON bo.id = b.org_id
ORDER BY COALESCE(b.score, 0.5) DESC, q.first_reported_at, q.id
LIMIT $1 OFFSET $2";

#[derive(sqlx::FromRow)]
struct TriageRow {
    id: Uuid,
    state: String,
    title: String,
    first_reporter_org: Uuid,
    first_reporter_name: String,
    first_reported_at: i64,
    reports: i64,
    orgs: i64,
    score: f64,
    kind_rank: Option<i64>,
    basis_org: Option<Uuid>,
    basis_org_name: Option<String>,
    basis_label: Option<String>,
    basis_validated: Option<i64>,
    basis_submitted: Option<i64>,
}

impl TryFrom<TriageRow> for TriageEntry {
    type Error = StoreError;
    fn try_from(r: TriageRow) -> Result<Self> {
        let basis = match r.kind_rank {
            None => None,
            Some(rank) => {
                let (kind, source) = match rank {
                    0 => (
                        "org",
                        r.basis_org_name
                            .or_else(|| r.basis_org.map(|o| o.to_string()))
                            .unwrap_or_default(),
                    ),
                    1 => ("tool", r.basis_label.unwrap_or_default()),
                    2 => ("model", r.basis_label.unwrap_or_default()),
                    other => {
                        return Err(StoreError::Corrupt(format!("triage kind rank {other}")));
                    }
                };
                Some(TriageBasis {
                    kind,
                    org: r.basis_org,
                    source,
                    validated: r.basis_validated.unwrap_or(0),
                    submitted: r.basis_submitted.unwrap_or(0),
                })
            }
        };
        Ok(TriageEntry {
            case_id: r.id,
            state: parse_col("cases.state", &r.state)?,
            title: r.title,
            first_reporter_org: r.first_reporter_org,
            first_reporter_name: r.first_reporter_name,
            first_reported_at: from_micros(r.first_reported_at),
            reports: r.reports,
            reporting_orgs: r.orgs,
            score: r.score,
            basis,
        })
    }
}

impl Store {
    /// The first `limit` (at most [`MAX_TRIAGE_PAGE`]) cases of the triage
    /// queue, in the order of the module's rule. Callers filter by the
    /// policy.
    pub async fn triage_queue(&self, limit: u32) -> Result<Vec<TriageEntry>> {
        self.triage_page(0, limit).await
    }

    /// The triage queue from position `offset` on, `limit` (at most
    /// [`MAX_TRIAGE_PAGE`]) entries: for callers who filter and need more.
    pub async fn triage_page(&self, offset: u32, limit: u32) -> Result<Vec<TriageEntry>> {
        let limit = i64::from(limit.clamp(1, MAX_TRIAGE_PAGE));
        let offset = i64::from(offset);
        let rows: Vec<TriageRow> = with_pool!(self, pool => {
            sqlx::query_as(TRIAGE_SQL).bind(limit).bind(offset).fetch_all(pool).await?
        });
        rows.into_iter().map(TriageEntry::try_from).collect()
    }

    /// The validation tasks on a case, oldest first.
    pub async fn case_tasks(&self, case: Uuid) -> Result<Vec<CaseTask>> {
        let rows: Vec<(String, Uuid, Option<Uuid>, i64)> = with_pool!(self, pool => {
            sqlx::query_as(
                "SELECT kind, org_id, assigned_by, at FROM case_tasks WHERE case_id = $1 ORDER BY at, kind, org_id",
            ).bind(case).fetch_all(pool).await?
        });
        rows.into_iter()
            .map(|(kind, org_id, assigned_by, at)| {
                Ok(CaseTask {
                    kind: parse_col("case_tasks.kind", &kind)?,
                    org_id,
                    assigned_by,
                    at: from_micros(at),
                })
            })
            .collect()
    }
}
