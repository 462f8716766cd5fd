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
//! Ties go to the earliest first report, then to the case id. The records
//! are the counters the store keeps with every intake, state change, merge
//! and split (`case_sources`, `source_stats`), so a page costs one statement
//! over the pending cases and their sources — not a recount of every report
//! — plus counts and names for the rows of the page.

use std::collections::HashMap;

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

/// The pending cases (`queue`), the sources behind them with their kept
/// counters (`cand`: every organization; a tool or model only with a record
/// on another case), the best per case by a window function, and one page
/// back. The organization's id comes back as the 32 hex digits
/// `case_sources` keeps.
const TRIAGE_SQL: &str = "\
WITH queue AS (
    SELECT id, state, title, first_reporter_org, first_reported_at FROM cases
    WHERE state IN ('new', 'triaged') AND merged_into IS NULL
),
cand AS (
    SELECT cs.case_id,
        CAST(CASE cs.kind WHEN 'org' THEN 0 WHEN 'tool' THEN 1 ELSE 2 END AS BIGINT) AS kind_rank,
        cs.source, s.validated, s.submitted - 1 AS other,
        CAST(s.validated + 1 AS DOUBLE PRECISION) / CAST(s.submitted + 1 AS DOUBLE PRECISION) AS score
    FROM queue q
    JOIN case_sources cs ON cs.case_id = q.id
    JOIN source_stats s ON s.kind = cs.kind AND s.source = cs.source
    WHERE cs.kind = 'org' OR s.submitted > 1
),
best AS (
    SELECT case_id, kind_rank, source, validated, other, score,
        ROW_NUMBER() OVER (PARTITION BY case_id ORDER BY score DESC, kind_rank, source) AS rn
    FROM cand
)
SELECT q.id, q.state, q.title, q.first_reporter_org, o.name AS first_reporter_name,
    q.first_reported_at, COALESCE(b.score, 0.5) AS score, b.kind_rank,
    b.source AS basis_source, b.validated AS basis_validated, b.other AS basis_submitted
FROM queue q
JOIN organizations o ON o.id = q.first_reporter_org
LEFT JOIN best b ON b.case_id = q.id AND b.rn = 1
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
    score: f64,
    kind_rank: Option<i64>,
    basis_source: Option<String>,
    basis_validated: Option<i64>,
    basis_submitted: Option<i64>,
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
        if rows.is_empty() {
            return Ok(Vec::new());
        }
        // Counts and names for the page's rows only.
        let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
        let basis_orgs: Vec<Uuid> = rows
            .iter()
            .filter(|r| r.kind_rank == Some(0))
            .filter_map(|r| r.basis_source.as_deref())
            .filter_map(|s| Uuid::parse_str(s).ok())
            .collect();
        let in_list = |head: &str, tail: &str, n: usize| {
            let marks: Vec<String> = (1..=n).map(|i| format!("${i}")).collect();
            sqlx::AssertSqlSafe(format!("{head}{}{tail}", marks.join(", ")))
        };
        let reports_sql = in_list(
            "SELECT case_id, COUNT(*) FROM reports WHERE case_id IN (",
            ") GROUP BY case_id",
            ids.len(),
        );
        let orgs_sql = in_list(
            "SELECT case_id, COUNT(*) FROM case_sources WHERE kind = 'org' AND case_id IN (",
            ") GROUP BY case_id",
            ids.len(),
        );
        let names_sql = in_list(
            "SELECT id, name FROM organizations WHERE id IN (",
            ")",
            basis_orgs.len().max(1),
        );
        type Counts = Vec<(Uuid, i64)>;
        let (reports, orgs, names): (Counts, Counts, Vec<(Uuid, String)>) = with_pool!(self, pool => {
            let mut q = sqlx::query_as(reports_sql);
            for id in &ids {
                q = q.bind(*id);
            }
            let reports = q.fetch_all(pool).await?;
            let mut q = sqlx::query_as(orgs_sql);
            for id in &ids {
                q = q.bind(*id);
            }
            let orgs = q.fetch_all(pool).await?;
            let mut q = sqlx::query_as(names_sql);
            for id in &basis_orgs {
                q = q.bind(*id);
            }
            if basis_orgs.is_empty() {
                q = q.bind(Uuid::nil());
            }
            (reports, orgs, q.fetch_all(pool).await?)
        });
        let reports: HashMap<Uuid, i64> = reports.into_iter().collect();
        let orgs: HashMap<Uuid, i64> = orgs.into_iter().collect();
        let names: HashMap<Uuid, String> = names.into_iter().collect();
        rows.into_iter()
            .map(|r| {
                let basis = match r.kind_rank {
                    None => None,
                    Some(rank) => {
                        let label = r.basis_source.unwrap_or_default();
                        let (kind, org, source) = match rank {
                            0 => {
                                let org = Uuid::parse_str(&label).map_err(|_| {
                                    StoreError::Corrupt(format!("case_sources org {label:?}"))
                                })?;
                                let name =
                                    names.get(&org).cloned().unwrap_or_else(|| org.to_string());
                                ("org", Some(org), name)
                            }
                            1 => ("tool", None, label),
                            2 => ("model", None, label),
                            other => {
                                return Err(StoreError::Corrupt(format!(
                                    "triage kind rank {other}"
                                )));
                            }
                        };
                        Some(TriageBasis {
                            kind,
                            org,
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
                    reports: reports.get(&r.id).copied().unwrap_or(0),
                    reporting_orgs: orgs.get(&r.id).copied().unwrap_or(0),
                    score: r.score,
                    basis,
                })
            })
            .collect()
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
