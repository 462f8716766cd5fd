//! AI Cyber Challenge submissions (competition API v0.4): proofs of
//! vulnerability, patches, submitted SARIF logs and bundles, each made
//! under a scan claim (the API's task), kept so that a bundle can name
//! earlier ones and the API's status answers can be given.
//!
//! Each submission is one transaction: its document, its row, what it
//! files in Bulwark and one audit entry. A pov made while its claim is
//! active is filed at once as a report (into the case of its fingerprint,
//! about the claim's target); one made after is kept with the status
//! `deadline_exceeded` and filed nowhere. A bundle files what its parts
//! carry into one case: the pov's, else the case of its SARIF's first
//! finding; the SARIF's findings become reports on that case and the patch
//! a proposed patch remediation of it. Whether the parts belong together
//! is the caller's rule (the intake crate's); the store refuses a part of
//! another claim or organization all the same.

use std::collections::{BTreeSet, HashMap};

use bulwark_core::{AuditEvent, CaseState, from_micros, to_micros};
use serde_json::json;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::audit::append_audit;
use crate::bulk::Bulk as _;
use crate::bulk::{Batch, NewCaseRow, NewReportRow};
use crate::documents::{DocumentRow, keep_in_pieces};
use crate::intake::NewReport;
use crate::patches::{check_new, insert_remediation};
use crate::reliability::{
    SourceDeltas, add_source_stats, record_case_sources_with_tools, report_sources,
};
use crate::tool_evidence::{
    ToolCounts, ToolDeltas, ToolPairs, add_delta, add_tool_stats, resettle_tool_versions, tool_key,
};
use crate::tx::Tx as _;
use crate::{Actor, NewRemediation, Result, Store, StoreError, parse_col, with_pool, write_tx};

/// The tool that made a submission.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AixccTool {
    pub name: String,
    pub version: Option<String>,
    pub model: Option<String>,
    pub model_version: Option<String>,
}

/// A pov, patch or submitted SARIF to keep.
#[derive(Debug, Clone)]
pub struct NewAixccPart {
    /// `pov`, `patch` or `submitted_sarif`.
    pub kind: String,
    pub claim: Uuid,
    pub org: Uuid,
    pub tool: AixccTool,
    /// The document it carried: media type and bytes.
    pub media_type: String,
    pub document: Vec<u8>,
    pub detail: serde_json::Value,
    /// A pov's report, filed when its claim is active.
    pub report: Option<NewReport>,
}

/// A bundle to file.
#[derive(Debug, Clone)]
pub struct NewAixccBundle {
    pub claim: Uuid,
    pub org: Uuid,
    pub tool: AixccTool,
    pub pov: Option<Uuid>,
    pub patch: Option<Uuid>,
    pub submitted_sarif: Option<Uuid>,
    pub broadcast_sarif_id: Option<String>,
    pub description: Option<String>,
    /// The submitted SARIF's findings as reports.
    pub sarif_reports: Vec<NewReport>,
    /// The patch as a remediation of the bundle's case.
    pub remediation: Option<NewRemediation>,
}

/// A submission as kept.
#[derive(Debug, Clone, PartialEq)]
pub struct AixccSubmission {
    pub id: Uuid,
    pub kind: String,
    pub claim_id: Uuid,
    pub org_id: Uuid,
    pub submitted_by: Option<Uuid>,
    pub tool: AixccTool,
    /// The status the API answers as first given: `accepted` or
    /// `deadline_exceeded` (the later ones are read from the case).
    pub status: String,
    pub document: Option<String>,
    pub detail: serde_json::Value,
    pub case_id: Option<Uuid>,
    pub remediation_id: Option<Uuid>,
    pub pov_id: Option<Uuid>,
    pub patch_id: Option<Uuid>,
    pub submitted_sarif_id: Option<Uuid>,
    pub broadcast_sarif_id: Option<String>,
    pub description: Option<String>,
    pub created_at: OffsetDateTime,
}

#[derive(sqlx::FromRow)]
struct Row {
    id: Uuid,
    kind: String,
    claim_id: Uuid,
    org_id: Uuid,
    submitted_by: Option<Uuid>,
    tool_name: String,
    tool_version: Option<String>,
    ai_model: Option<String>,
    ai_model_version: Option<String>,
    status: String,
    document: Option<String>,
    detail: String,
    case_id: Option<Uuid>,
    remediation_id: Option<Uuid>,
    pov_id: Option<Uuid>,
    patch_id: Option<Uuid>,
    submitted_sarif_id: Option<Uuid>,
    broadcast_sarif_id: Option<String>,
    description: Option<String>,
    created_at: i64,
}

impl TryFrom<Row> for AixccSubmission {
    type Error = StoreError;
    fn try_from(r: Row) -> Result<Self> {
        Ok(AixccSubmission {
            id: r.id,
            kind: r.kind,
            claim_id: r.claim_id,
            org_id: r.org_id,
            submitted_by: r.submitted_by,
            tool: AixccTool {
                name: r.tool_name,
                version: r.tool_version,
                model: r.ai_model,
                model_version: r.ai_model_version,
            },
            status: r.status,
            document: r.document,
            detail: serde_json::from_str(&r.detail)
                .map_err(|e| StoreError::Corrupt(format!("aixcc_submissions.detail: {e}")))?,
            case_id: r.case_id,
            remediation_id: r.remediation_id,
            pov_id: r.pov_id,
            patch_id: r.patch_id,
            submitted_sarif_id: r.submitted_sarif_id,
            broadcast_sarif_id: r.broadcast_sarif_id,
            description: r.description,
            created_at: from_micros(r.created_at),
        })
    }
}

/// A bundle's part as the bundle checks it: claim, organization,
/// status, case, document.
type PartRow = (Uuid, Uuid, String, Option<Uuid>, Option<String>);

const SELECT: &str = "SELECT id, kind, claim_id, org_id, submitted_by, tool_name, tool_version, ai_model, \
     ai_model_version, status, document, detail, case_id, remediation_id, pov_id, patch_id, \
     submitted_sarif_id, broadcast_sarif_id, description, created_at FROM aixcc_submissions";

fn check_tool(t: &AixccTool) -> Result<()> {
    let label = |what: &str, v: Option<&str>| match v {
        Some(s) if s.trim().is_empty() || s.len() > 200 || s.chars().any(char::is_control) => Err(
            StoreError::Invalid(format!("{what}: 1 to 200 bytes without control characters")),
        ),
        _ => Ok(()),
    };
    label("tool name", Some(&t.name))?;
    label("tool version", t.version.as_deref())?;
    label("AI model", t.model.as_deref())?;
    label("AI model version", t.model_version.as_deref())
}

/// The claim a submission is made under, read in the transaction: its
/// target, and whether it was active at `at`. `NotFound` for a claim of
/// another organization (a task the caller does not hold).
macro_rules! claim_of {
    ($tx:ident, $claim:expr, $org:expr, $at:expr) => {{
        let (claim, org, at): (Uuid, Uuid, i64) = ($claim, $org, $at);
        let row: Option<(Uuid, Uuid, i64, Option<i64>)> = sqlx::query_as(
            "SELECT target_id, org_id, expires_at, released_at FROM scan_claims WHERE id = $1",
        )
        .bind(claim)
        .fetch_optional(&mut *$tx)
        .await?;
        match row {
            Some((target, o, expires, released)) if o == org => {
                (target, released.is_none() && expires > at)
            }
            _ => return Err(StoreError::NotFound),
        }
    }};
}

/// Files `reports` from `org`: into `into` when given (a bundle's case),
/// else each into the case of its fingerprint (opened when new, about the
/// claim's `target`). Unknown fingerprints are mapped to the case they went
/// into, so a later report of the same finding folds there. Returns each
/// report's case.
macro_rules! file_reports {
    ($tx:ident, $batch:expr, $target:expr, $reports:expr, $into:expr) => {{
        let (batch, target, reports, into): (Batch<'_>, Uuid, &[NewReport], Option<Uuid>) =
            ($batch, $target, $reports, $into);
        let fps: Vec<&str> = reports.iter().map(|r| r.fingerprint.as_str()).collect();
        let mut case_of: HashMap<String, Uuid> =
            $tx.known_fingerprints(&fps).await?.into_iter().collect();
        let mut ids = Vec::with_capacity(reports.len());
        for r in reports {
            if r.fingerprint.is_empty() || r.fingerprint.len() > 200 {
                return Err(StoreError::Invalid(
                    "a fingerprint is 1 to 200 bytes".into(),
                ));
            }
            let case = match (into, case_of.get(&r.fingerprint)) {
                (Some(c), _) => c,
                (None, Some(c)) => *c,
                (None, None) => {
                    let id = Uuid::now_v7();
                    let title: String = r
                        .title
                        .split_whitespace()
                        .collect::<Vec<_>>()
                        .join(" ")
                        .chars()
                        .take(300)
                        .collect();
                    $tx.insert_cases(
                        batch,
                        &[NewCaseRow {
                            id,
                            title,
                            rule_id: r.rule_id.as_deref(),
                            target_id: Some(target),
                        }],
                    )
                    .await?;
                    id
                }
            };
            if !case_of.contains_key(&r.fingerprint) {
                let won = $tx
                    .insert_case_fingerprints(&[(r.fingerprint.as_str(), case)])
                    .await?;
                if won.is_empty() && into.is_none() {
                    // A concurrent intake mapped it first: its case wins.
                    let winner: Uuid = sqlx::query_scalar(
                        "SELECT case_id FROM case_fingerprints WHERE fingerprint = $1",
                    )
                    .bind(&r.fingerprint)
                    .fetch_one(&mut *$tx)
                    .await?;
                    sqlx::query("DELETE FROM cases WHERE id = $1")
                        .bind(case)
                        .execute(&mut *$tx)
                        .await?;
                    case_of.insert(r.fingerprint.clone(), winner);
                    ids.push(winner);
                    continue;
                }
                case_of.insert(r.fingerprint.clone(), case);
            }
            ids.push(case);
        }
        let rows: Vec<NewReportRow<'_>> = reports
            .iter()
            .zip(&ids)
            .map(|(r, case)| NewReportRow {
                id: Uuid::now_v7(),
                case_id: *case,
                fingerprint: &r.fingerprint,
                rule_id: r.rule_id.as_deref(),
                title: r
                    .title
                    .split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" ")
                    .chars()
                    .take(300)
                    .collect(),
                location: r.location.as_deref(),
                tool_name: r.tool_name.as_deref(),
                tool_version: r.tool_version.as_deref(),
                ai_model: r.ai_model.as_deref(),
                ai_model_version: r.ai_model_version.as_deref(),
                detail: r.detail.to_string(),
            })
            .collect();
        $tx.insert_reports(batch, &rows).await?;
        let mut pairs = BTreeSet::new();
        for (r, case) in reports.iter().zip(&ids) {
            for (kind, source) in report_sources(
                batch.org,
                r.tool_name.as_deref(),
                r.ai_model.as_deref(),
                r.ai_model_version.as_deref(),
            ) {
                pairs.insert((*case, kind, source));
            }
        }
        // Per tool version too, as the intake counts them (reports, the
        // cases behind, duplicates once the first report is settled).
        let mut tool_stats = ToolDeltas::new();
        let mut tools = ToolPairs::new();
        for (r, case) in reports.iter().zip(&ids) {
            if let Some((name, version)) =
                tool_key(r.tool_name.as_deref(), r.tool_version.as_deref())
            {
                add_delta(
                    &mut tool_stats,
                    (name.clone(), version.clone()),
                    ToolCounts {
                        reports: 1,
                        ..ToolCounts::default()
                    },
                );
                tools.insert((*case, name, version), batch.at);
            }
        }
        let recorded =
            record_case_sources_with_tools(&mut *$tx, &pairs, &tools, Some(batch.at)).await?;
        let mut stats = SourceDeltas::new();
        for (source, (n, v)) in recorded.deltas {
            let d = stats.entry(source).or_insert((0, 0));
            d.0 += n;
            d.1 += v;
        }
        for (key, d) in recorded.tool_deltas {
            add_delta(&mut tool_stats, key, d);
        }
        $tx.settle_first_reports(&recorded.unsettled, batch.org, batch.at)
            .await?;
        add_source_stats(&mut *$tx, stats).await?;
        for (key, d) in resettle_tool_versions(&mut *$tx, &recorded.tools_unsettled).await? {
            add_delta(&mut tool_stats, key, d);
        }
        add_tool_stats(&mut *$tx, tool_stats).await?;
        ids
    }};
}

/// The case a report goes to when `case` was merged: the one it was merged
/// into.
macro_rules! live_case {
    ($tx:ident, $case:expr) => {{
        let case: Uuid = $case;
        let (state, merged): (String, Option<Uuid>) =
            sqlx::query_as("SELECT state, merged_into FROM cases WHERE id = $1")
                .bind(case)
                .fetch_one(&mut *$tx)
                .await?;
        let state: CaseState = parse_col("cases.state", &state)?;
        match (state, merged) {
            (CaseState::Duplicate, Some(m)) => m,
            _ => case,
        }
    }};
}

impl Store {
    /// Keeps a pov, patch or submitted SARIF made under `new.claim`, in one
    /// transaction with its document and audit entry; a pov in time is
    /// filed as a report. `NotFound` when the claim is not `new.org`'s.
    pub async fn aixcc_submit(
        &self,
        actor: &Actor,
        new: &NewAixccPart,
        now: OffsetDateTime,
    ) -> Result<AixccSubmission> {
        if !matches!(new.kind.as_str(), "pov" | "patch" | "submitted_sarif") {
            return Err(StoreError::Invalid(format!(
                "{:?} is not a part kind",
                new.kind
            )));
        }
        check_tool(&new.tool)?;
        if new.document.is_empty() || new.media_type.is_empty() || new.media_type.len() > 100 {
            return Err(StoreError::Invalid(
                "a submission carries a document and its media type".into(),
            ));
        }
        let action = match new.kind.as_str() {
            "pov" => "aixcc.pov",
            "patch" => "aixcc.patch",
            _ => "aixcc.submitted_sarif",
        };
        let id = Uuid::now_v7();
        let at = to_micros(now);
        let sha = crate::document_address(&new.document);
        let size = i64::try_from(new.document.len()).unwrap_or(i64::MAX);
        write_tx!(self, tx => {
            let (target, active) = claim_of!(tx, new.claim, new.org, at);
            let row = DocumentRow { sha256: &sha, media_type: &new.media_type, size, first_org: new.org, at };
            keep_in_pieces(&mut *tx, &row, &mut &new.document[..]).await?;
            let mut case = None;
            if let (Some(report), true) = (&new.report, active) {
                let batch = Batch { org: new.org, submitted_by: actor.user, document: &sha, at };
                case = file_reports!(tx, batch, target, std::slice::from_ref(report), None).first().copied();
            }
            let status = if active { "accepted" } else { "deadline_exceeded" };
            sqlx::query(
                "INSERT INTO aixcc_submissions (id, kind, claim_id, org_id, submitted_by, tool_name, tool_version, \
                 ai_model, ai_model_version, status, document, detail, case_id, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
            )
            .bind(id).bind(&new.kind).bind(new.claim).bind(new.org).bind(actor.user)
            .bind(&new.tool.name).bind(&new.tool.version).bind(&new.tool.model).bind(&new.tool.model_version)
            .bind(status).bind(&sha).bind(new.detail.to_string()).bind(case).bind(at)
            .execute(&mut *tx).await?;
            append_audit!(tx, actor, AuditEvent::new(action, "aixcc_submission", id.to_string())
                .with_detail(json!({"claim": new.claim, "status": status, "document": sha, "case": case, "tool": new.tool.name})), at);
        });
        self.aixcc_submission(id).await
    }

    /// Files a bundle into one case, in one transaction: its SARIF's
    /// reports, its patch as a proposed remediation, its row and audit
    /// entry. `NotFound` when the claim is not `new.org`'s; `Invalid` when
    /// a part is not of this claim and organization, was made after the
    /// deadline, or names no case.
    pub async fn aixcc_bundle(
        &self,
        actor: &Actor,
        new: &NewAixccBundle,
        now: OffsetDateTime,
    ) -> Result<AixccSubmission> {
        check_tool(&new.tool)?;
        if let Some(r) = &new.remediation {
            check_new(r)?;
        }
        let id = Uuid::now_v7();
        let remediation_id = Uuid::now_v7();
        let at = to_micros(now);
        write_tx!(self, tx => {
            let (target, active) = claim_of!(tx, new.claim, new.org, at);
            let mut parts: HashMap<Uuid, (Option<Uuid>, Option<String>)> = HashMap::new();
            for (field, part) in [("pov_id", new.pov), ("patch_id", new.patch), ("submitted_sarif_id", new.submitted_sarif)] {
                let Some(part) = part else { continue };
                let row: Option<PartRow> = sqlx::query_as(
                    "SELECT claim_id, org_id, status, case_id, document FROM aixcc_submissions WHERE id = $1",
                ).bind(part).fetch_optional(&mut *tx).await?;
                match row {
                    Some((c, o, s, case, doc)) if c == new.claim && o == new.org => {
                        if s == "deadline_exceeded" {
                            return Err(StoreError::Invalid(format!("{field}: {part} was submitted after its task's deadline")));
                        }
                        parts.insert(part, (case, doc));
                    }
                    _ => return Err(StoreError::Invalid(format!("{field}: no submission {part} under this task"))),
                }
            }
            let status = if active { "accepted" } else { "deadline_exceeded" };
            let mut case = match new.pov.and_then(|p| parts.get(&p)).and_then(|(c, _)| *c) {
                Some(c) => Some(live_case!(tx, c)),
                None => None,
            };
            let mut reports = 0usize;
            if active {
                if !new.sarif_reports.is_empty() {
                    let doc = new.submitted_sarif.and_then(|s| parts.get(&s)).and_then(|(_, d)| d.clone())
                        .ok_or_else(|| StoreError::Invalid("SARIF reports come with their submitted_sarif_id".into()))?;
                    let batch = Batch { org: new.org, submitted_by: actor.user, document: &doc, at };
                    let (first, rest) = new.sarif_reports.split_at(1);
                    let into = match case {
                        Some(c) => c,
                        None => file_reports!(tx, batch, target, first, None)[0],
                    };
                    let forced = if case.is_some() { &new.sarif_reports[..] } else { rest };
                    if !forced.is_empty() {
                        file_reports!(tx, batch, target, forced, Some(into));
                    }
                    reports = new.sarif_reports.len();
                    case = Some(into);
                }
                let Some(c) = case else {
                    return Err(StoreError::Invalid(
                        "the bundle names no finding to file it under: a pov_id made in time, or a submitted SARIF with results".into(),
                    ));
                };
                if let Some(r) = &new.remediation {
                    insert_remediation!(tx, actor, c, r, remediation_id, at);
                }
            }
            let remediation = (active && new.remediation.is_some()).then_some(remediation_id);
            // The parts filed now say where they went (their status is read from there).
            if active {
                if let Some(sarif) = new.submitted_sarif {
                    sqlx::query("UPDATE aixcc_submissions SET case_id = $1 WHERE id = $2")
                        .bind(case).bind(sarif).execute(&mut *tx).await?;
                }
                if let Some(patch) = new.patch {
                    sqlx::query("UPDATE aixcc_submissions SET case_id = $1, remediation_id = $2 WHERE id = $3")
                        .bind(case).bind(remediation).bind(patch).execute(&mut *tx).await?;
                }
            }
            sqlx::query(
                "INSERT INTO aixcc_submissions (id, kind, claim_id, org_id, submitted_by, tool_name, tool_version, \
                 ai_model, ai_model_version, status, detail, case_id, remediation_id, pov_id, patch_id, \
                 submitted_sarif_id, broadcast_sarif_id, description, created_at) \
                 VALUES ($1, 'bundle', $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)",
            )
            .bind(id).bind(new.claim).bind(new.org).bind(actor.user)
            .bind(&new.tool.name).bind(&new.tool.version).bind(&new.tool.model).bind(&new.tool.model_version)
            .bind(status).bind(json!({"reports": reports}).to_string()).bind(case).bind(remediation)
            .bind(new.pov).bind(new.patch).bind(new.submitted_sarif).bind(&new.broadcast_sarif_id)
            .bind(&new.description).bind(at)
            .execute(&mut *tx).await?;
            append_audit!(tx, actor, AuditEvent::new("aixcc.bundle", "aixcc_submission", id.to_string())
                .with_detail(json!({"claim": new.claim, "status": status, "case": case, "remediation": remediation,
                    "reports": reports, "pov": new.pov, "patch": new.patch, "submitted_sarif": new.submitted_sarif})), at);
        });
        self.aixcc_submission(id).await
    }

    /// The case a fingerprint is filed under, if any.
    pub async fn aixcc_fingerprint_case(&self, fingerprint: &str) -> Result<Option<Uuid>> {
        Ok(with_pool!(self, pool => {
            sqlx::query_scalar("SELECT case_id FROM case_fingerprints WHERE fingerprint = $1")
                .bind(fingerprint).fetch_optional(pool).await?
        }))
    }

    /// One submission. `NotFound` when there is none.
    pub async fn aixcc_submission(&self, id: Uuid) -> Result<AixccSubmission> {
        let sql = sqlx::AssertSqlSafe(format!("{SELECT} WHERE id = $1"));
        let row: Row = with_pool!(self, pool => {
            sqlx::query_as(sql).bind(id).fetch_one(pool).await?
        });
        row.try_into()
    }
}
