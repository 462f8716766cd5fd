//! Cases, one finding however many reported it: reading them and their
//! reports, and what analysts do to them besides validating them.
//!
//! Analysts merge cases (the absorbed one becomes `duplicate`, the credit
//! goes to whichever was reported first) and split fingerprints off into a
//! new case (kept as a pair that may never be merged again); they mark a
//! case and embargo it, record the vendor they notified and name
//! participants. A case's parties are its reporters, the organizations
//! asked to validate it or one of its patches (`patches.rs`), its notified
//! vendor and its named participants.
//!
//! The other writers of cases have their own files: intake opens them
//! (`intake.rs`), validations move them through their workflow
//! (`validations.rs`), and every change that moves reports between cases
//! keeps the per-source counters in step (`reliability.rs`).

use bulwark_core::{
    AuditEvent, CaseState, Embargo, Quorum, Target, TargetKind, Tlp, from_micros, to_micros,
};
use serde_json::json;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::audit::append_audit;
use crate::reliability::{apply_sources, unapply_sources};
use crate::tx::Tx;
use crate::{Actor, Result, Store, StoreError, parse_col, with_pool, write_tx};

/// A case: one finding however many reported it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Case {
    pub id: Uuid,
    pub state: CaseState,
    pub title: String,
    pub rule_id: Option<String>,
    pub target: Option<Target>,
    pub first_reporter_org: Uuid,
    pub first_reported_at: OffsetDateTime,
    /// Set when merged into another case (then `duplicate`).
    pub merged_into: Option<Uuid>,
    /// What validates it.
    pub quorum: Quorum,
    /// TLP:AMBER+STRICT unless the clearinghouse re-marked it.
    pub tlp: Tlp,
    /// While it runs, only the case's parties may know the case.
    pub embargo: Option<Embargo>,
    /// The affected vendor, once notified (then a party), and when.
    pub vendor: Option<(Uuid, OffsetDateTime)>,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

/// A task an organization has not answered yet ([`Store::tasks_awaiting`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AwaitingTask {
    pub case_id: Uuid,
    /// `reproduction`, `vendor_confirmation`, or a patch check:
    /// `patch_applies`, `patch_fixes`, `patch_tests_pass`.
    pub task: String,
    /// When it was asked.
    pub since: OffsetDateTime,
}

/// A report as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    pub id: Uuid,
    pub case_id: Uuid,
    pub org_id: Uuid,
    pub submitted_by: Option<Uuid>,
    pub fingerprint: String,
    pub document: String,
    pub rule_id: Option<String>,
    pub title: String,
    pub location: Option<String>,
    pub tool_name: Option<String>,
    pub tool_version: Option<String>,
    pub ai_model: Option<String>,
    pub ai_model_version: Option<String>,
    pub detail: serde_json::Value,
    pub reported_at: OffsetDateTime,
}

#[derive(sqlx::FromRow)]
struct CaseRow {
    id: Uuid,
    state: String,
    title: String,
    rule_id: Option<String>,
    kind: Option<String>,
    locator: Option<String>,
    first_reporter_org: Uuid,
    first_reported_at: i64,
    merged_into: Option<Uuid>,
    quorum_reproductions: i64,
    quorum_vendor: bool,
    tlp: String,
    embargo_until: Option<i64>,
    embargo_offset_minutes: Option<i32>,
    vendor_org: Option<Uuid>,
    vendor_notified_at: Option<i64>,
    created_at: i64,
    updated_at: i64,
}

impl TryFrom<CaseRow> for Case {
    type Error = StoreError;
    fn try_from(r: CaseRow) -> Result<Self> {
        let target = match (r.kind, r.locator) {
            (Some(k), Some(l)) => {
                let kind: TargetKind = parse_col("scan_targets.kind", &k)?;
                Some(
                    Target::parse(kind, &l)
                        .map_err(|e| StoreError::Corrupt(format!("scan_targets.locator: {e}")))?,
                )
            }
            _ => None,
        };
        Ok(Case {
            id: r.id,
            state: parse_col("cases.state", &r.state)?,
            title: r.title,
            rule_id: r.rule_id,
            target,
            first_reporter_org: r.first_reporter_org,
            first_reported_at: from_micros(r.first_reported_at),
            merged_into: r.merged_into,
            quorum: Quorum {
                reproductions: u32::try_from(r.quorum_reproductions).map_err(|_| {
                    StoreError::Corrupt(format!(
                        "cases.quorum_reproductions = {}",
                        r.quorum_reproductions
                    ))
                })?,
                vendor_confirms: r.quorum_vendor,
            },
            tlp: parse_col("cases.tlp", &r.tlp)?,
            embargo: match r.embargo_until {
                None => None,
                Some(until) => Some(
                    Embargo::from_parts(from_micros(until), r.embargo_offset_minutes.unwrap_or(0))
                        .ok_or_else(|| {
                            StoreError::Corrupt(format!(
                                "cases.embargo_offset_minutes = {:?}",
                                r.embargo_offset_minutes
                            ))
                        })?,
                ),
            },
            vendor: match (r.vendor_org, r.vendor_notified_at) {
                (Some(org), Some(at)) => Some((org, from_micros(at))),
                _ => None,
            },
            created_at: from_micros(r.created_at),
            updated_at: from_micros(r.updated_at),
        })
    }
}

#[derive(sqlx::FromRow)]
struct ReportRow {
    id: Uuid,
    case_id: Uuid,
    org_id: Uuid,
    submitted_by: Option<Uuid>,
    fingerprint: String,
    document: String,
    rule_id: Option<String>,
    title: String,
    location: Option<String>,
    tool_name: Option<String>,
    tool_version: Option<String>,
    ai_model: Option<String>,
    ai_model_version: Option<String>,
    detail: String,
    reported_at: i64,
}

impl TryFrom<ReportRow> for Report {
    type Error = StoreError;
    fn try_from(r: ReportRow) -> Result<Self> {
        Ok(Report {
            detail: serde_json::from_str(&r.detail)
                .map_err(|_| StoreError::Corrupt(format!("reports.detail of {}", r.id)))?,
            id: r.id,
            case_id: r.case_id,
            org_id: r.org_id,
            submitted_by: r.submitted_by,
            fingerprint: r.fingerprint,
            document: r.document,
            rule_id: r.rule_id,
            title: r.title,
            location: r.location,
            tool_name: r.tool_name,
            tool_version: r.tool_version,
            ai_model: r.ai_model,
            ai_model_version: r.ai_model_version,
            reported_at: from_micros(r.reported_at),
        })
    }
}

const CASE_SELECT: &str = "SELECT c.id, c.state, c.title, c.rule_id, t.kind, t.locator, \
     c.first_reporter_org, c.first_reported_at, c.merged_into, c.quorum_reproductions, \
     c.quorum_vendor, c.tlp, c.embargo_until, c.embargo_offset_minutes, c.vendor_org, \
     c.vendor_notified_at, c.created_at, c.updated_at \
     FROM cases c LEFT JOIN scan_targets t ON t.id = c.target_id";
/// Ids per query of [`Store::cases_with_parties`]: the parties' query binds
/// each five times, well under SQLite's 32,766 parameters.
const CASE_CHUNK: usize = 500;
const REPORT_SELECT: &str = "SELECT id, case_id, org_id, submitted_by, fingerprint, document, \
     rule_id, title, location, tool_name, tool_version, ai_model, ai_model_version, detail, \
     reported_at FROM reports";

/// Refuses an organization id nobody registered (before a foreign key
/// would, with a message that says which).
pub(crate) async fn known_org(tx: &mut impl Tx, org: Uuid) -> Result<()> {
    if tx.org_exists(org).await? {
        Ok(())
    } else {
        Err(StoreError::Invalid(format!("no organization {org}")))
    }
}

/// A pair of cases in a fixed order, so (a, b) and (b, a) are one row.
fn ordered(a: Uuid, b: Uuid) -> (Uuid, Uuid) {
    if a < b { (a, b) } else { (b, a) }
}

impl Store {
    /// One case. `NotFound` when there is none.
    pub async fn case(&self, id: Uuid) -> Result<Case> {
        let sql = sqlx::AssertSqlSafe(format!("{CASE_SELECT} WHERE c.id = $1"));
        let row: CaseRow = with_pool!(self, pool => {
            sqlx::query_as(sql).bind(id).fetch_one(pool).await?
        });
        row.try_into()
    }

    /// Cases in id order after `page.after`, merged-away duplicates left out
    /// (callers filter by the policy).
    pub async fn cases(&self, page: crate::PageRequest) -> Result<crate::Page<Case>> {
        let limit = page.effective_limit();
        let sql = sqlx::AssertSqlSafe(format!(
            "{CASE_SELECT} WHERE c.id > $1 AND c.merged_into IS NULL ORDER BY c.id LIMIT $2"
        ));
        let rows: Vec<CaseRow> = with_pool!(self, pool => {
            sqlx::query_as(sql).bind(page.after.unwrap_or(crate::MIN_ID)).bind(limit + 1).fetch_all(pool).await?
        });
        let rows = rows
            .into_iter()
            .map(Case::try_from)
            .collect::<Result<Vec<_>>>()?;
        Ok(crate::paginate(rows, limit, |c| c.id))
    }

    /// A case's reports, earliest first.
    pub async fn case_reports(&self, id: Uuid) -> Result<Vec<Report>> {
        let sql = sqlx::AssertSqlSafe(format!(
            "{REPORT_SELECT} WHERE case_id = $1 ORDER BY reported_at, id"
        ));
        let rows: Vec<ReportRow> = with_pool!(self, pool => {
            sqlx::query_as(sql).bind(id).fetch_all(pool).await?
        });
        rows.into_iter().map(Report::try_from).collect()
    }

    /// The fingerprints that fold into a case, sorted.
    pub async fn case_fingerprints(&self, id: Uuid) -> Result<Vec<String>> {
        Ok(with_pool!(self, pool => {
            sqlx::query_scalar("SELECT fingerprint FROM case_fingerprints WHERE case_id = $1 ORDER BY fingerprint")
                .bind(id).fetch_all(pool).await?
        }))
    }

    /// Folds case `from` into case `into`: its reports and fingerprints move,
    /// `from` becomes `duplicate`, and the credit goes to whichever was
    /// reported first. Refused for a pair once split apart.
    pub async fn merge_cases(
        &self,
        actor: &Actor,
        into: Uuid,
        from: Uuid,
        now: OffsetDateTime,
    ) -> Result<Case> {
        if into == from {
            return Err(StoreError::Invalid(
                "a case cannot be merged into itself".into(),
            ));
        }
        let at = to_micros(now);
        let (a, b) = ordered(into, from);
        write_tx!(self, tx => {
            let rows: Vec<(Uuid, String, Uuid, i64)> = sqlx::query_as(
                "SELECT id, state, first_reporter_org, first_reported_at FROM cases WHERE id = $1 OR id = $2",
            ).bind(into).bind(from).fetch_all(&mut *tx).await?;
            if rows.len() != 2 {
                return Err(StoreError::NotFound);
            }
            for (id, state, _, _) in &rows {
                if state == CaseState::Duplicate.as_str() {
                    return Err(StoreError::Conflict(format!(
                        "case {id} was already merged into another"
                    )));
                }
            }
            let split: Option<i64> = sqlx::query_scalar(
                "SELECT at FROM case_never_merge WHERE case_a = $1 AND case_b = $2",
            ).bind(a).bind(b).fetch_optional(&mut *tx).await?;
            if split.is_some() {
                return Err(StoreError::Conflict(
                    "these cases were split apart: they are never merged again".into(),
                ));
            }
            unapply_sources(&mut *tx, &[into, from]).await?;
            let earliest = rows.iter().min_by_key(|r| (r.3, r.0 != into)).map(|r| (r.2, r.3));
            if let Some((org, first_at)) = earliest {
                sqlx::query("UPDATE cases SET first_reporter_org = $1, first_reported_at = $2, updated_at = $3 WHERE id = $4")
                    .bind(org).bind(first_at).bind(at).bind(into).execute(&mut *tx).await?;
            }
            sqlx::query("UPDATE reports SET case_id = $1 WHERE case_id = $2")
                .bind(into).bind(from).execute(&mut *tx).await?;
            sqlx::query("UPDATE case_fingerprints SET case_id = $1 WHERE case_id = $2")
                .bind(into).bind(from).execute(&mut *tx).await?;
            // Validations and tasks count for the surviving case.
            sqlx::query("UPDATE case_validations SET case_id = $1 WHERE case_id = $2")
                .bind(into).bind(from).execute(&mut *tx).await?;
            sqlx::query(
                "INSERT INTO case_tasks (case_id, kind, org_id, assigned_by, at) \
                 SELECT $1, kind, org_id, assigned_by, at FROM case_tasks WHERE case_id = $2 \
                 ON CONFLICT DO NOTHING",
            ).bind(into).bind(from).execute(&mut *tx).await?;
            sqlx::query("DELETE FROM case_tasks WHERE case_id = $1")
                .bind(from).execute(&mut *tx).await?;
            sqlx::query("UPDATE cases SET state = $1, merged_into = $2, updated_at = $3 WHERE id = $4")
                .bind(CaseState::Duplicate.as_str()).bind(into).bind(at).bind(from)
                .execute(&mut *tx).await?;
            apply_sources(&mut *tx, &[into, from]).await?;
            append_audit!(tx, actor, AuditEvent::new("case.merge", "case", into.to_string())
                .with_detail(json!({"from": from})), at);
        });
        self.case(into).await
    }

    /// Splits `fingerprints` (and all their reports) off `case` into a new
    /// case, remembered as never to be merged with it again. Returns the new
    /// case.
    pub async fn split_case(
        &self,
        actor: &Actor,
        case: Uuid,
        fingerprints: &[String],
        now: OffsetDateTime,
    ) -> Result<Case> {
        let mut fps = fingerprints.to_vec();
        fps.sort();
        fps.dedup();
        if fps.is_empty() {
            return Err(StoreError::Invalid(
                "name the fingerprints to split off".into(),
            ));
        }
        let held = self.case_fingerprints(case).await?;
        if let Some(stray) = fps.iter().find(|f| !held.contains(f)) {
            return Err(StoreError::Invalid(format!(
                "fingerprint {stray} is not in case {case}"
            )));
        }
        if fps.len() == held.len() {
            return Err(StoreError::Invalid(
                "a split leaves at least one fingerprint in the case".into(),
            ));
        }
        let id = Uuid::now_v7();
        let at = to_micros(now);
        write_tx!(self, tx => {
            let state: Option<String> = sqlx::query_scalar("SELECT state FROM cases WHERE id = $1")
                .bind(case).fetch_optional(&mut *tx).await?;
            match state.as_deref() {
                None => return Err(StoreError::NotFound),
                Some(s) if s == CaseState::Duplicate.as_str() => {
                    return Err(StoreError::Conflict(format!("case {case} was merged into another")));
                }
                Some(_) => {}
            }
            unapply_sources(&mut *tx, &[case]).await?;
            // The new case is credited to the earliest of its own reports.
            let mut first: Option<(i64, Uuid, String, Option<String>)> = None;
            for fp in &fps {
                let row: Option<(i64, Uuid, String, Option<String>)> = sqlx::query_as(
                    "SELECT reported_at, org_id, title, rule_id FROM reports WHERE case_id = $1 AND fingerprint = $2 \
                     ORDER BY reported_at, id LIMIT 1",
                ).bind(case).bind(fp).fetch_optional(&mut *tx).await?;
                if let Some((t, o, ti, r)) = row
                    && first.as_ref().is_none_or(|f| t < f.0)
                {
                    first = Some((t, o, ti, r));
                }
            }
            let (first_at, first_org, first_title, rule) = first.ok_or_else(|| {
                StoreError::Invalid("the fingerprints to split off have no reports".into())
            })?;
            let target: Option<Uuid> = sqlx::query_scalar("SELECT target_id FROM cases WHERE id = $1")
                .bind(case).fetch_one(&mut *tx).await?;
            sqlx::query(
                "INSERT INTO cases (id, state, title, rule_id, target_id, first_reporter_org, \
                 first_reported_at, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)",
            )
            .bind(id).bind(CaseState::New.as_str()).bind(&first_title).bind(&rule).bind(target)
            .bind(first_org).bind(first_at).bind(at)
            .execute(&mut *tx).await?;
            for fp in &fps {
                sqlx::query("UPDATE case_fingerprints SET case_id = $1 WHERE fingerprint = $2")
                    .bind(id).bind(fp).execute(&mut *tx).await?;
                sqlx::query("UPDATE reports SET case_id = $1 WHERE case_id = $2 AND fingerprint = $3")
                    .bind(id).bind(case).bind(fp).execute(&mut *tx).await?;
            }
            // What stays keeps the credit of its own earliest report.
            let stays: Option<(i64, Uuid)> = sqlx::query_as(
                "SELECT reported_at, org_id FROM reports WHERE case_id = $1 ORDER BY reported_at, id LIMIT 1",
            ).bind(case).fetch_optional(&mut *tx).await?;
            if let Some((t, o)) = stays {
                sqlx::query("UPDATE cases SET first_reporter_org = $1, first_reported_at = $2, updated_at = $3 WHERE id = $4")
                    .bind(o).bind(t).bind(at).bind(case).execute(&mut *tx).await?;
            }
            apply_sources(&mut *tx, &[case, id]).await?;
            let (a, b) = ordered(case, id);
            sqlx::query("INSERT INTO case_never_merge (case_a, case_b, at) VALUES ($1, $2, $3)")
                .bind(a).bind(b).bind(at).execute(&mut *tx).await?;
            append_audit!(tx, actor, AuditEvent::new("case.split", "case", case.to_string())
                .with_detail(json!({"new_case": id, "fingerprints": fps})), at);
        });
        self.case(id).await
    }

    /// The organizations party to a case: its reporters, the organizations
    /// asked to validate it, the vendor once notified and the participants
    /// the clearinghouse named.
    pub async fn case_parties(&self, case: Uuid) -> Result<Vec<Uuid>> {
        Ok(with_pool!(self, pool => {
            sqlx::query_scalar(
                "SELECT org_id FROM reports WHERE case_id = $1 \
                 UNION SELECT org_id FROM case_tasks WHERE case_id = $1 \
                 UNION SELECT vendor_org FROM cases WHERE id = $1 AND vendor_notified_at IS NOT NULL \
                 UNION SELECT org_id FROM case_participants WHERE case_id = $1 \
                 UNION SELECT org_id FROM patch_tasks WHERE case_id = $1 ORDER BY 1",
            ).bind(case).fetch_all(pool).await?
        }))
    }

    /// The cases with these ids and each one's parties (as
    /// [`Store::case_parties`]), unknown ids left out: what a list needs to
    /// ask the policy about many cases in two queries per chunk instead of
    /// two per case.
    pub async fn cases_with_parties(&self, ids: &[Uuid]) -> Result<Vec<(Case, Vec<Uuid>)>> {
        let mut out = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(CASE_CHUNK) {
            let (rows, parties): (Vec<CaseRow>, Vec<(Uuid, Uuid)>) = with_pool!(self, pool => {
                let mut q = sqlx::QueryBuilder::new(format!("{CASE_SELECT} WHERE c.id IN ("));
                let mut list = q.separated(", ");
                for id in chunk {
                    list.push_bind(*id);
                }
                q.push(")");
                let rows = q.build_query_as().fetch_all(pool).await?;
                let mut q = sqlx::QueryBuilder::new("");
                for (i, (table, col, extra)) in [
                    ("reports", "case_id", ""),
                    ("case_tasks", "case_id", ""),
                    ("cases", "id", " AND vendor_notified_at IS NOT NULL"),
                    ("case_participants", "case_id", ""),
                    ("patch_tasks", "case_id", ""),
                ]
                .into_iter()
                .enumerate()
                {
                    if i > 0 {
                        q.push(" UNION ");
                    }
                    let org = if table == "cases" { "vendor_org" } else { "org_id" };
                    q.push(format!("SELECT {col}, {org} FROM {table} WHERE {col} IN ("));
                    let mut list = q.separated(", ");
                    for id in chunk {
                        list.push_bind(*id);
                    }
                    q.push(format!("){extra}"));
                }
                let parties = q.build_query_as().fetch_all(pool).await?;
                (rows, parties)
            });
            let mut by_case: std::collections::HashMap<Uuid, Vec<Uuid>> =
                std::collections::HashMap::new();
            for (case, org) in parties {
                by_case.entry(case).or_default().push(org);
            }
            for r in rows {
                let c = Case::try_from(r)?;
                let mut p = by_case.remove(&c.id).unwrap_or_default();
                p.sort_unstable();
                p.dedup();
                out.push((c, p));
            }
        }
        Ok(out)
    }

    /// What the clearinghouse asked `org` to do and it has not answered
    /// yet: validation tasks of open cases (new, triaged, validating) with
    /// no validation of that kind from it, and checks of proposed patches
    /// with no result from it; oldest first. Callers keep the cases the
    /// reader may read.
    pub async fn tasks_awaiting(&self, org: Uuid) -> Result<Vec<AwaitingTask>> {
        let rows: Vec<(Uuid, String, i64)> = with_pool!(self, pool => {
            sqlx::query_as(
                "SELECT t.case_id, t.kind, t.at FROM case_tasks t JOIN cases c ON c.id = t.case_id \
                 WHERE t.org_id = $1 AND c.state IN ('new', 'triaged', 'validating') \
                 AND c.merged_into IS NULL AND NOT EXISTS (SELECT 1 FROM case_validations v \
                 WHERE v.case_id = t.case_id AND v.kind = t.kind AND v.org_id = t.org_id) \
                 UNION ALL \
                 SELECT p.case_id, 'patch_' || p.kind, p.at FROM patch_tasks p \
                 JOIN case_remediations r ON r.id = p.remediation_id \
                 WHERE p.org_id = $1 AND r.state = 'proposed' AND NOT EXISTS (SELECT 1 \
                 FROM patch_validations v WHERE v.remediation_id = p.remediation_id \
                 AND v.kind = p.kind AND v.org_id = p.org_id) \
                 ORDER BY 3, 1, 2",
            ).bind(org).fetch_all(pool).await?
        });
        Ok(rows
            .into_iter()
            .map(|(case_id, task, at)| AwaitingTask {
                case_id,
                task,
                since: from_micros(at),
            })
            .collect())
    }

    /// Re-marks a case and sets or lifts its embargo. RED is refused: a case
    /// has no individual creator, so a RED case would be readable by nobody.
    pub async fn set_case_marking(
        &self,
        actor: &Actor,
        case: Uuid,
        tlp: Tlp,
        embargo: Option<Embargo>,
        now: OffsetDateTime,
    ) -> Result<Case> {
        if tlp == Tlp::Red {
            return Err(StoreError::Invalid(
                "a case cannot be TLP:RED: it has no individual creator and would be readable by nobody; use AMBER+STRICT and name participants".into(),
            ));
        }
        let at = to_micros(now);
        let until = embargo.map(|e| to_micros(e.until));
        let offset = embargo.map(|e| e.offset_minutes());
        let detail = json!({
            "tlp": tlp.as_str(),
            "embargo_until": embargo.map(|e| e.utc()),
            "embargo_as_set": embargo.map(|e| e.as_set()),
        });
        write_tx!(self, tx => {
            let n = sqlx::query(
                "UPDATE cases SET tlp = $2, embargo_until = $3, embargo_offset_minutes = $4, updated_at = $5 \
                 WHERE id = $1",
            )
            .bind(case).bind(tlp.as_str()).bind(until).bind(offset).bind(at)
            .execute(&mut *tx).await?.rows_affected();
            if n == 0 {
                return Err(StoreError::NotFound);
            }
            append_audit!(tx, actor, AuditEvent::new("case.marking", "case", case.to_string())
                .with_detail(detail.clone()), at);
        });
        self.case(case).await
    }

    /// Records that the affected vendor was notified: from then on it is a
    /// party to the case. Notifying another vendor later replaces the first
    /// as "the vendor" but keeps it a participant (it has seen the case).
    pub async fn notify_vendor(
        &self,
        actor: &Actor,
        case: Uuid,
        vendor: Uuid,
        now: OffsetDateTime,
    ) -> Result<Case> {
        let at = to_micros(now);
        write_tx!(self, tx => {
            known_org(&mut *tx, vendor).await?;
            let previous: Option<Option<Uuid>> = sqlx::query_scalar(
                "SELECT vendor_org FROM cases WHERE id = $1 AND vendor_notified_at IS NOT NULL",
            ).bind(case).fetch_optional(&mut *tx).await?;
            if let Some(Some(prev)) = previous
                && prev != vendor
            {
                sqlx::query(
                    "INSERT INTO case_participants (case_id, org_id, added_by, at) VALUES ($1, $2, $3, $4) \
                     ON CONFLICT DO NOTHING",
                ).bind(case).bind(prev).bind(actor.user).bind(at).execute(&mut *tx).await?;
            }
            let n = sqlx::query(
                "UPDATE cases SET vendor_org = $2, vendor_notified_at = $3, updated_at = $3 WHERE id = $1",
            ).bind(case).bind(vendor).bind(at).execute(&mut *tx).await?.rows_affected();
            if n == 0 {
                return Err(StoreError::NotFound);
            }
            append_audit!(tx, actor, AuditEvent::new("case.vendor_notified", "case", case.to_string())
                .with_detail(json!({"vendor": vendor})), at);
        });
        self.case(case).await
    }

    /// Names an organization participant in a case (it may then read it).
    pub async fn add_case_participant(
        &self,
        actor: &Actor,
        case: Uuid,
        org: Uuid,
        now: OffsetDateTime,
    ) -> Result<()> {
        let at = to_micros(now);
        write_tx!(self, tx => {
            let exists: Option<Uuid> = sqlx::query_scalar("SELECT id FROM cases WHERE id = $1")
                .bind(case).fetch_optional(&mut *tx).await?;
            if exists.is_none() {
                return Err(StoreError::NotFound);
            }
            known_org(&mut *tx, org).await?;
            let fresh = sqlx::query(
                "INSERT INTO case_participants (case_id, org_id, added_by, at) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT DO NOTHING",
            ).bind(case).bind(org).bind(actor.user).bind(at)
            .execute(&mut *tx).await?.rows_affected() == 1;
            if fresh {
                append_audit!(tx, actor, AuditEvent::new("case.participant", "case", case.to_string())
                    .with_detail(json!({"org": org})), at);
            }
        });
        Ok(())
    }
}
