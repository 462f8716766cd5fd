//! Remediation artefacts on a case: the vendor's fix, patch files, workarounds
//! and mitigations; a patch's validation tasks and results under the case's
//! patch quorum; and per-source patch acceptance.
//!
//! Kept apart from the finding's validations (`validations.rs`) because a
//! patch is judged on its own checks (applies, fixes, tests pass) by its own
//! quorum, and its acceptance, not the case's state, is what the patch
//! counters measure. A patch is taken only from what the domain's patch
//! reader accepted (the caller hands over the file and the reader's answer
//! as JSON, kept as it is); it is `proposed` until its quorum is met, which
//! makes it `accepted` in the same transaction as the validation (or the
//! quorum change) that met it, with an audit entry of its own. The other
//! kinds are advice or the vendor's word and are `accepted` when submitted.
//! `patch_source_stats` counts per source (organization, tool, AI model
//! with its version) the patches submitted and accepted, in step with those
//! transactions; [`Store::recount_patch_reliability`] recounts for the suite.
//! The same transactions count them per tool version (`tool_evidence.rs`).

use std::collections::BTreeMap;

use bulwark_core::{
    AuditEvent, PatchCheck, PatchCheckResult, PatchQuorum, PatchValidation, RemediationKind,
    RemediationState, from_micros, to_micros,
};
use serde_json::json;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::audit::append_audit;
use crate::cases::known_org;
use crate::documents::DocumentRow;
use crate::reliability::report_sources;
use crate::tool_evidence::{ToolCounts, tool_key};
use crate::tx::Tx;
use crate::{Actor, Result, Store, StoreError, parse_col, with_pool, write_tx};

/// The largest patch file kept (in its row, like evidence).
pub const MAX_PATCH_BYTES: usize = 8 * 1024 * 1024;

/// A patch file to keep with its remediation.
#[derive(Debug, Clone)]
pub struct NewPatchFile {
    /// `text/x-diff` or `text/x-patch`.
    pub media_type: String,
    pub bytes: Vec<u8>,
    /// The patch reader's answer, kept as it is.
    pub diffstat: serde_json::Value,
}

/// A remediation artefact to submit.
#[derive(Debug, Clone)]
pub struct NewRemediation {
    pub kind: RemediationKind,
    pub summary: String,
    pub details: Option<String>,
    pub fixed_versions: Vec<String>,
    pub url: Option<String>,
    /// Required for, and only for, a patch.
    pub patch: Option<NewPatchFile>,
    pub author: Option<String>,
    /// The submitting organization.
    pub org_id: Uuid,
    pub tool_name: Option<String>,
    pub tool_version: Option<String>,
    pub ai_model: Option<String>,
    pub ai_model_version: Option<String>,
}

/// A remediation artefact as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredRemediation {
    pub id: Uuid,
    pub case_id: Uuid,
    pub kind: RemediationKind,
    pub summary: String,
    pub details: Option<String>,
    pub fixed_versions: Vec<String>,
    pub url: Option<String>,
    /// The patch file's SHA-256.
    pub document: Option<String>,
    pub diffstat: Option<serde_json::Value>,
    pub author: Option<String>,
    pub submitted_by: Option<Uuid>,
    pub org_id: Uuid,
    pub tool_name: Option<String>,
    pub tool_version: Option<String>,
    pub ai_model: Option<String>,
    pub ai_model_version: Option<String>,
    pub state: RemediationState,
    pub accepted_at: Option<OffsetDateTime>,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

#[derive(sqlx::FromRow)]
struct RemediationRow {
    id: Uuid,
    case_id: Uuid,
    kind: String,
    summary: String,
    details: Option<String>,
    fixed_versions: String,
    url: Option<String>,
    document: Option<String>,
    diffstat: Option<String>,
    author: Option<String>,
    submitted_by: Option<Uuid>,
    org_id: Uuid,
    tool_name: Option<String>,
    tool_version: Option<String>,
    ai_model: Option<String>,
    ai_model_version: Option<String>,
    state: String,
    accepted_at: Option<i64>,
    created_at: i64,
    updated_at: i64,
}

const REMEDIATION_SELECT: &str = "SELECT id, case_id, kind, summary, details, fixed_versions, url, document, diffstat, \
     author, submitted_by, org_id, tool_name, tool_version, ai_model, ai_model_version, state, \
     accepted_at, created_at, updated_at FROM case_remediations";

impl TryFrom<RemediationRow> for StoredRemediation {
    type Error = StoreError;
    fn try_from(r: RemediationRow) -> Result<Self> {
        let fixed_versions = serde_json::from_str(&r.fixed_versions).map_err(|_| {
            StoreError::Corrupt(format!(
                "case_remediations.fixed_versions = {:?}",
                r.fixed_versions
            ))
        })?;
        let diffstat = r
            .diffstat
            .as_deref()
            .map(serde_json::from_str)
            .transpose()
            .map_err(|_| StoreError::Corrupt("case_remediations.diffstat".into()))?;
        Ok(StoredRemediation {
            id: r.id,
            case_id: r.case_id,
            kind: parse_col("case_remediations.kind", &r.kind)?,
            summary: r.summary,
            details: r.details,
            fixed_versions,
            url: r.url,
            document: r.document,
            diffstat,
            author: r.author,
            submitted_by: r.submitted_by,
            org_id: r.org_id,
            tool_name: r.tool_name,
            tool_version: r.tool_version,
            ai_model: r.ai_model,
            ai_model_version: r.ai_model_version,
            state: parse_col("case_remediations.state", &r.state)?,
            accepted_at: r.accepted_at.map(from_micros),
            created_at: from_micros(r.created_at),
            updated_at: from_micros(r.updated_at),
        })
    }
}

/// An organization asked to check a patch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatchTask {
    pub remediation_id: Uuid,
    pub case_id: Uuid,
    pub check: PatchCheck,
    pub org_id: Uuid,
    pub assigned_by: Option<Uuid>,
    pub at: OffsetDateTime,
}

/// What an asked organization found for one check of a patch.
#[derive(Debug, Clone)]
pub struct NewPatchValidation {
    pub check: PatchCheck,
    pub result: PatchCheckResult,
    pub org_id: Uuid,
    /// Evidence (a build log, the reproduction's output): media type and
    /// bytes, kept content-addressed.
    pub evidence: Option<(String, Vec<u8>)>,
    pub note: Option<String>,
}

/// A patch validation as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredPatchValidation {
    pub id: Uuid,
    pub remediation_id: Uuid,
    pub case_id: Uuid,
    pub check: PatchCheck,
    pub result: PatchCheckResult,
    pub org_id: Uuid,
    pub validated_by: Option<Uuid>,
    pub evidence: Option<String>,
    pub note: Option<String>,
    pub at: OffsetDateTime,
}

type ValidationTuple = (
    Uuid,
    Uuid,
    Uuid,
    String,
    String,
    Uuid,
    Option<Uuid>,
    Option<String>,
    Option<String>,
    i64,
);

fn validation_from(t: ValidationTuple) -> Result<StoredPatchValidation> {
    Ok(StoredPatchValidation {
        id: t.0,
        remediation_id: t.1,
        case_id: t.2,
        check: parse_col("patch_validations.kind", &t.3)?,
        result: parse_col("patch_validations.result", &t.4)?,
        org_id: t.5,
        validated_by: t.6,
        evidence: t.7,
        note: t.8,
        at: from_micros(t.9),
    })
}

/// How often a source's patches were accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatchSourceReliability {
    /// `org`, `tool` or `model`.
    pub kind: String,
    /// The organization id (hyphenated), the tool's name, or `model version`.
    pub source: String,
    pub submitted: i64,
    pub accepted: i64,
}

fn label(what: &str, v: &Option<String>, max: usize) -> Result<()> {
    if let Some(s) = v
        && (s.trim().is_empty() || s.len() > max || s.chars().any(char::is_control))
    {
        return Err(StoreError::Invalid(format!(
            "{what}: 1 to {max} bytes without control characters"
        )));
    }
    Ok(())
}

pub(crate) fn check_new(new: &NewRemediation) -> Result<()> {
    label("summary", &Some(new.summary.clone()), 300)?;
    if let Some(d) = &new.details
        && (d.len() > 16 * 1024 || d.chars().any(|c| c.is_control() && c != '\n' && c != '\t'))
    {
        return Err(StoreError::Invalid(
            "details: at most 16 KiB without control characters".into(),
        ));
    }
    if new.fixed_versions.len() > 100 {
        return Err(StoreError::Invalid("fixed_versions: at most 100".into()));
    }
    for (i, v) in new.fixed_versions.iter().enumerate() {
        label(&format!("fixed_versions[{i}]"), &Some(v.clone()), 100)?;
    }
    if let Some(u) = &new.url {
        label("url", &new.url, 2000)?;
        if !(u.starts_with("https://") || u.starts_with("http://"))
            || u.contains(char::is_whitespace)
        {
            return Err(StoreError::Invalid(format!(
                "url: an http(s) URL without spaces, not {u:?}"
            )));
        }
    }
    label("author", &new.author, 300)?;
    label("tool_name", &new.tool_name, 200)?;
    label("tool_version", &new.tool_version, 200)?;
    label("ai_model", &new.ai_model, 200)?;
    label("ai_model_version", &new.ai_model_version, 200)?;
    if new.ai_model.is_none() && new.ai_model_version.is_some() {
        return Err(StoreError::Invalid(
            "ai_model_version: needs ai_model".into(),
        ));
    }
    if new.tool_name.is_none() && new.tool_version.is_some() {
        return Err(StoreError::Invalid("tool_version: needs tool_name".into()));
    }
    match (&new.kind, &new.patch) {
        (RemediationKind::Patch, None) => {
            return Err(StoreError::Invalid("a patch needs its file".into()));
        }
        (RemediationKind::Patch, Some(p)) => {
            if p.bytes.is_empty() || p.bytes.len() > MAX_PATCH_BYTES {
                return Err(StoreError::Invalid(format!(
                    "a patch file is 1 byte to {MAX_PATCH_BYTES} bytes"
                )));
            }
            if !matches!(p.media_type.as_str(), "text/x-diff" | "text/x-patch") {
                return Err(StoreError::Invalid(
                    "a patch file is text/x-diff or text/x-patch".into(),
                ));
            }
        }
        (k, Some(_)) => {
            return Err(StoreError::Invalid(format!("a {k} carries no patch file")));
        }
        (RemediationKind::VendorFix, None)
            if new.fixed_versions.is_empty() && new.url.is_none() =>
        {
            return Err(StoreError::Invalid(
                "a vendor fix names its fixed versions or a commit or release URL".into(),
            ));
        }
        _ => {}
    }
    Ok(())
}

/// Adds (submitted, accepted) to each of a patch's sources' counters.
macro_rules! add_patch_stats {
    ($tx:ident, $r:expr, $submitted:expr, $accepted:expr) => {{
        let r = $r;
        for (kind, source) in $crate::reliability::report_sources(
            r.0,
            r.1.as_deref(),
            r.2.as_deref(),
            r.3.as_deref(),
        ) {
            sqlx::query(
                "INSERT INTO patch_source_stats (kind, source, submitted, accepted) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (kind, source) DO UPDATE SET submitted = patch_source_stats.submitted + excluded.submitted, \
                 accepted = patch_source_stats.accepted + excluded.accepted",
            )
            .bind(kind).bind(source).bind($submitted as i64).bind($accepted as i64)
            .execute(&mut *$tx).await?;
        }
    }};
}

pub(crate) use add_patch_stats;

/// Accepts each proposed patch of `$case` (all of them, or the one given)
/// whose quorum is met, with its audit entry and its sources' counters.
/// A macro rather than a function over `Tx`, as its statements are this
/// file's own; it expands once per back-end inside `write_tx!`.
macro_rules! settle_patches {
    ($tx:ident, $actor:expr, $case:expr, $only:expr, $at:expr) => {{
        let case: Uuid = $case;
        let only: Option<Uuid> = $only;
        let at: i64 = $at;
        let q: Option<i64> = sqlx::query_scalar("SELECT organizations FROM case_patch_quorums WHERE case_id = $1")
            .bind(case).fetch_optional(&mut *$tx).await?;
        let quorum = q.map_or_else(PatchQuorum::default, |n| PatchQuorum {
            organizations: u32::try_from(n).unwrap_or(u32::MAX),
        });
        let proposed: Vec<(Uuid, Uuid, Option<String>, Option<String>, Option<String>, Option<String>)> = sqlx::query_as(
            "SELECT id, org_id, tool_name, ai_model, ai_model_version, tool_version FROM case_remediations \
             WHERE case_id = $1 AND kind = 'patch' AND state = 'proposed' ORDER BY id",
        ).bind(case).fetch_all(&mut *$tx).await?;
        for (id, org, tool, model, version, tool_version) in proposed {
            if only.is_some_and(|o| o != id) {
                continue;
            }
            let rows: Vec<(String, String, Uuid)> = sqlx::query_as(
                "SELECT kind, result, org_id FROM patch_validations WHERE remediation_id = $1 ORDER BY at, id",
            ).bind(id).fetch_all(&mut *$tx).await?;
            let mut vs = Vec::with_capacity(rows.len());
            for (k, r, o) in rows {
                vs.push(PatchValidation {
                    check: parse_col("patch_validations.kind", &k)?,
                    result: parse_col("patch_validations.result", &r)?,
                    org: o,
                });
            }
            if quorum.is_met(org, &vs) {
                let tally = quorum.tally(org, &vs);
                sqlx::query("UPDATE case_remediations SET state = 'accepted', accepted_at = $1, updated_at = $1 WHERE id = $2")
                    .bind(at).bind(id).execute(&mut *$tx).await?;
                if let Some(key) = tool_key(tool.as_deref(), tool_version.as_deref()) {
                    $tx.add_tool_counts(&[(key, ToolCounts { patches_accepted: 1, ..ToolCounts::default() })]).await?;
                }
                add_patch_stats!($tx, (org, tool, model, version), 0, 1);
                append_audit!($tx, $actor, AuditEvent::new("case.patch_accepted", "case", case.to_string())
                    .with_detail(json!({"remediation": id, "by": "quorum", "organizations": tally.passed})), at);
            }
        }
    }};
}

/// Inserts a checked remediation (`check_new`) into `$case` inside a write
/// transaction, with its patch file, its sources' counters and its audit
/// entry: shared by [`Store::submit_remediation`] and the AI Cyber
/// Challenge bundles (`aixcc.rs`), which file a patch in the transaction
/// that files the rest of the bundle.
macro_rules! insert_remediation {
    ($tx:ident, $actor:expr, $case:expr, $new:expr, $id:expr, $at:expr) => {{
        let (actor, case, new, id, at): (&$crate::Actor, uuid::Uuid, &$crate::NewRemediation, uuid::Uuid, i64) = ($actor, $case, $new, $id, $at);
        let state = if new.kind == bulwark_core::RemediationKind::Patch {
            bulwark_core::RemediationState::Proposed
        } else {
            bulwark_core::RemediationState::Accepted
        };
        let sha = new.patch.as_ref().map(|p| crate::document_address(&p.bytes));
        let versions = serde_json::to_string(&new.fixed_versions)
            .map_err(|e| $crate::StoreError::Invalid(format!("fixed_versions: {e}")))?;
        let diffstat = new.patch.as_ref().map(|p| p.diffstat.to_string());
        let s: Option<String> = sqlx::query_scalar("SELECT state FROM cases WHERE id = $1")
            .bind(case).fetch_optional(&mut *$tx).await?;
        let s: bulwark_core::CaseState = match s {
            None => return Err($crate::StoreError::NotFound),
            Some(s) => $crate::parse_col("cases.state", &s)?,
        };
        if matches!(s, bulwark_core::CaseState::Duplicate | bulwark_core::CaseState::Rejected) {
            return Err($crate::StoreError::Conflict(format!(
                "a {s} case takes no remediation{}",
                if s == bulwark_core::CaseState::Duplicate { ": submit it to the case it was merged into" } else { "" }
            )));
        }
        $crate::cases::known_org(&mut *$tx, new.org_id).await?;
        if let (Some(p), Some(sha)) = (&new.patch, &sha) {
            let size = i64::try_from(p.bytes.len()).unwrap_or(i64::MAX);
            let row = $crate::documents::DocumentRow { sha256: sha, media_type: &p.media_type, size, first_org: new.org_id, at };
            // Patches are small (MAX_PATCH_BYTES): kept whole in the row.
            $tx.insert_raw_document(&row, &p.bytes).await?;
        }
        sqlx::query(
            "INSERT INTO case_remediations (id, case_id, kind, summary, details, fixed_versions, url, document, \
             diffstat, author, submitted_by, org_id, tool_name, tool_version, ai_model, ai_model_version, state, \
             accepted_at, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $19)",
        )
        .bind(id).bind(case).bind(new.kind.as_str()).bind(&new.summary).bind(&new.details)
        .bind(&versions).bind(&new.url).bind(&sha).bind(&diffstat).bind(&new.author)
        .bind(actor.user).bind(new.org_id).bind(&new.tool_name).bind(&new.tool_version)
        .bind(&new.ai_model).bind(&new.ai_model_version).bind(state.as_str())
        .bind((state == bulwark_core::RemediationState::Accepted).then_some(at)).bind(at)
        .execute(&mut *$tx).await?;
        if new.kind == bulwark_core::RemediationKind::Patch {
            $crate::patches::add_patch_stats!($tx, (new.org_id, new.tool_name.clone(), new.ai_model.clone(), new.ai_model_version.clone()), 1, 0);
            if let Some(key) = $crate::tool_evidence::tool_key(new.tool_name.as_deref(), new.tool_version.as_deref()) {
                $tx.add_tool_counts(&[(key, $crate::tool_evidence::ToolCounts { patches: 1, ..Default::default() })]).await?;
            }
        }
        $crate::audit::append_audit!($tx, actor, bulwark_core::AuditEvent::new("case.remediation", "case", case.to_string())
            .with_detail(serde_json::json!({"remediation": id, "kind": new.kind.as_str(), "org": new.org_id, "document": sha})), at);
    }};
}
pub(crate) use insert_remediation;

impl Store {
    /// Submits a remediation artefact to a case (neither a duplicate nor
    /// rejected). A patch keeps its file content-addressed and starts
    /// `proposed`, counted as submitted for its sources; the other kinds are
    /// `accepted`.
    pub async fn submit_remediation(
        &self,
        actor: &Actor,
        case: Uuid,
        new: &NewRemediation,
        now: OffsetDateTime,
    ) -> Result<StoredRemediation> {
        check_new(new)?;
        let id = Uuid::now_v7();
        let at = to_micros(now);
        write_tx!(self, tx => {
            insert_remediation!(tx, actor, case, new, id, at);
        });
        self.remediation(id).await
    }

    /// One remediation artefact.
    pub async fn remediation(&self, id: Uuid) -> Result<StoredRemediation> {
        let sql = sqlx::AssertSqlSafe(format!("{REMEDIATION_SELECT} WHERE id = $1"));
        let row: RemediationRow = with_pool!(self, pool => {
            sqlx::query_as(sql).bind(id).fetch_one(pool).await?
        });
        row.try_into()
    }

    /// A case's remediation artefacts, oldest first.
    pub async fn case_remediations(&self, case: Uuid) -> Result<Vec<StoredRemediation>> {
        let sql = sqlx::AssertSqlSafe(format!(
            "{REMEDIATION_SELECT} WHERE case_id = $1 ORDER BY created_at, id"
        ));
        let rows: Vec<RemediationRow> = with_pool!(self, pool => {
            sqlx::query_as(sql).bind(case).fetch_all(pool).await?
        });
        rows.into_iter().map(StoredRemediation::try_from).collect()
    }

    /// Asks `org` to run `check` on a proposed patch of `case`: it becomes a
    /// party to the case. Never the submitter's organization (not
    /// independent). Asking again is harmless.
    pub async fn assign_patch_task(
        &self,
        actor: &Actor,
        case: Uuid,
        remediation: Uuid,
        check: PatchCheck,
        org: Uuid,
        now: OffsetDateTime,
    ) -> Result<()> {
        let at = to_micros(now);
        write_tx!(self, tx => {
            let r: Option<(String, String, Uuid)> = sqlx::query_as(
                "SELECT kind, state, org_id FROM case_remediations WHERE id = $1 AND case_id = $2",
            ).bind(remediation).bind(case).fetch_optional(&mut *tx).await?;
            let Some((kind, state, submitter)) = r else { return Err(StoreError::NotFound) };
            if kind != RemediationKind::Patch.as_str() {
                return Err(StoreError::Invalid(format!("a {kind} is not validated: only a patch is")));
            }
            if state != RemediationState::Proposed.as_str() {
                return Err(StoreError::Conflict(format!("the patch is {state}: it takes no more tasks")));
            }
            known_org(&mut *tx, org).await?;
            if org == submitter {
                return Err(StoreError::Invalid(
                    "a patch is checked by an organization other than the one that submitted it".into(),
                ));
            }
            let fresh = sqlx::query(
                "INSERT INTO patch_tasks (remediation_id, case_id, kind, org_id, assigned_by, at) \
                 VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING",
            )
            .bind(remediation).bind(case).bind(check.as_str()).bind(org).bind(actor.user).bind(at)
            .execute(&mut *tx).await?.rows_affected() == 1;
            if fresh {
                append_audit!(tx, actor, AuditEvent::new("case.patch_task", "case", case.to_string())
                    .with_detail(json!({"remediation": remediation, "check": check.as_str(), "org": org})), at);
            }
        });
        Ok(())
    }

    /// A case's patch tasks, oldest first.
    pub async fn patch_tasks(&self, case: Uuid) -> Result<Vec<PatchTask>> {
        let rows: Vec<(Uuid, Uuid, String, Uuid, Option<Uuid>, i64)> = with_pool!(self, pool => {
            sqlx::query_as(
                "SELECT remediation_id, case_id, kind, org_id, assigned_by, at FROM patch_tasks \
                 WHERE case_id = $1 ORDER BY at, remediation_id, kind, org_id",
            ).bind(case).fetch_all(pool).await?
        });
        rows.into_iter()
            .map(|(r, c, k, o, by, at)| {
                Ok(PatchTask {
                    remediation_id: r,
                    case_id: c,
                    check: parse_col("patch_tasks.kind", &k)?,
                    org_id: o,
                    assigned_by: by,
                    at: from_micros(at),
                })
            })
            .collect()
    }

    /// Records what an asked organization found for one check of a
    /// proposed patch of `case` (a later result replaces its earlier one in
    /// the quorum). When the quorum is met the patch is accepted in the same
    /// transaction.
    pub async fn record_patch_validation(
        &self,
        actor: &Actor,
        case: Uuid,
        remediation: Uuid,
        new: &NewPatchValidation,
        now: OffsetDateTime,
    ) -> Result<(StoredPatchValidation, StoredRemediation)> {
        if let Some(n) = &new.note
            && (n.len() > 4096 || n.chars().any(|c| c.is_control() && c != '\n'))
        {
            return Err(StoreError::Invalid(
                "a note is at most 4096 bytes without control characters".into(),
            ));
        }
        let evidence = match &new.evidence {
            Some((media, bytes)) => {
                if bytes.is_empty()
                    || media.is_empty()
                    || media.len() > 100
                    || bytes.len() > MAX_PATCH_BYTES
                {
                    return Err(StoreError::Invalid(
                        "evidence needs a media type and 1 byte to 8 MiB".into(),
                    ));
                }
                Some((
                    media.as_str(),
                    bytes.as_slice(),
                    crate::document_address(bytes),
                ))
            }
            None => None,
        };
        let id = Uuid::now_v7();
        let at = to_micros(now);
        write_tx!(self, tx => {
            let r: Option<String> = sqlx::query_scalar(
                "SELECT state FROM case_remediations WHERE id = $1 AND case_id = $2 AND kind = 'patch'",
            ).bind(remediation).bind(case).fetch_optional(&mut *tx).await?;
            let Some(state) = r else { return Err(StoreError::NotFound) };
            if state != RemediationState::Proposed.as_str() {
                return Err(StoreError::Conflict(format!("the patch is {state}: it takes no more validations")));
            }
            let task: Option<i64> = sqlx::query_scalar(
                "SELECT at FROM patch_tasks WHERE remediation_id = $1 AND kind = $2 AND org_id = $3",
            ).bind(remediation).bind(new.check.as_str()).bind(new.org_id).fetch_optional(&mut *tx).await?;
            if task.is_none() {
                return Err(StoreError::Conflict(format!(
                    "the organization has no {} task for this patch: the clearinghouse assigns them",
                    new.check
                )));
            }
            if let Some((media, bytes, sha)) = &evidence {
                let size = i64::try_from(bytes.len()).unwrap_or(i64::MAX);
                let row = DocumentRow { sha256: sha, media_type: media, size, first_org: new.org_id, at };
                tx.insert_raw_document(&row, bytes).await?;
            }
            sqlx::query(
                "INSERT INTO patch_validations (id, remediation_id, case_id, kind, result, org_id, validated_by, evidence, note, at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
            )
            .bind(id).bind(remediation).bind(case).bind(new.check.as_str()).bind(new.result.as_str())
            .bind(new.org_id).bind(actor.user).bind(evidence.as_ref().map(|e| e.2.clone())).bind(&new.note).bind(at)
            .execute(&mut *tx).await?;
            append_audit!(tx, actor, AuditEvent::new("case.patch_validation", "case", case.to_string())
                .with_detail(json!({"remediation": remediation, "validation": id, "check": new.check.as_str(),
                    "result": new.result.as_str(), "org": new.org_id})), at);
            settle_patches!(tx, actor, case, Some(remediation), at);
        });
        let v = self
            .patch_validations(case)
            .await?
            .into_iter()
            .find(|v| v.id == id)
            .ok_or(StoreError::NotFound)?;
        Ok((v, self.remediation(remediation).await?))
    }

    /// A case's patch validations, oldest first.
    pub async fn patch_validations(&self, case: Uuid) -> Result<Vec<StoredPatchValidation>> {
        let rows: Vec<ValidationTuple> = with_pool!(self, pool => {
            sqlx::query_as(
                "SELECT id, remediation_id, case_id, kind, result, org_id, validated_by, evidence, note, at \
                 FROM patch_validations WHERE case_id = $1 ORDER BY at, id",
            ).bind(case).fetch_all(pool).await?
        });
        rows.into_iter().map(validation_from).collect()
    }

    /// A case's patch quorum (the default when none was set).
    pub async fn patch_quorum(&self, case: Uuid) -> Result<PatchQuorum> {
        let n: Option<i64> = with_pool!(self, pool => {
            sqlx::query_scalar("SELECT organizations FROM case_patch_quorums WHERE case_id = $1")
                .bind(case).fetch_optional(pool).await?
        });
        Ok(n.map_or_else(PatchQuorum::default, |n| PatchQuorum {
            organizations: u32::try_from(n).unwrap_or(u32::MAX),
        }))
    }

    /// Sets a case's patch quorum (1 to [`PatchQuorum::MAX`]); the case's
    /// proposed patches that now meet it are accepted in the same
    /// transaction.
    pub async fn set_patch_quorum(
        &self,
        actor: &Actor,
        case: Uuid,
        quorum: PatchQuorum,
        now: OffsetDateTime,
    ) -> Result<PatchQuorum> {
        if quorum.organizations == 0 || quorum.organizations > PatchQuorum::MAX {
            return Err(StoreError::Invalid(format!(
                "a patch quorum is 1 to {} organizations",
                PatchQuorum::MAX
            )));
        }
        let at = to_micros(now);
        write_tx!(self, tx => {
            let exists: Option<i64> = sqlx::query_scalar("SELECT created_at FROM cases WHERE id = $1")
                .bind(case).fetch_optional(&mut *tx).await?;
            if exists.is_none() {
                return Err(StoreError::NotFound);
            }
            sqlx::query(
                "INSERT INTO case_patch_quorums (case_id, organizations, updated_at) VALUES ($1, $2, $3) \
                 ON CONFLICT (case_id) DO UPDATE SET organizations = excluded.organizations, updated_at = excluded.updated_at",
            ).bind(case).bind(i64::from(quorum.organizations)).bind(at).execute(&mut *tx).await?;
            append_audit!(tx, actor, AuditEvent::new("case.patch_quorum", "case", case.to_string())
                .with_detail(json!({"organizations": quorum.organizations})), at);
            settle_patches!(tx, actor, case, None, at);
        });
        Ok(quorum)
    }

    /// Patch acceptance per source, as kept (sources with something submitted).
    pub async fn patch_source_reliability(&self) -> Result<Vec<PatchSourceReliability>> {
        let rows: Vec<(String, String, i64, i64)> = with_pool!(self, pool => {
            sqlx::query_as(
                "SELECT kind, source, submitted, accepted FROM patch_source_stats WHERE submitted > 0 \
                 ORDER BY kind, source",
            ).fetch_all(pool).await?
        });
        rows.into_iter().map(patch_source).collect()
    }

    /// Patch acceptance per source recounted from the patches, for the
    /// suite to check the kept counters against.
    pub async fn recount_patch_reliability(&self) -> Result<Vec<PatchSourceReliability>> {
        type Row = (Uuid, Option<String>, Option<String>, Option<String>, String);
        let rows: Vec<Row> = with_pool!(self, pool => {
            sqlx::query_as(
                "SELECT org_id, tool_name, ai_model, ai_model_version, state FROM case_remediations WHERE kind = 'patch'",
            ).fetch_all(pool).await?
        });
        let mut counts: BTreeMap<(&'static str, String), (i64, i64)> = BTreeMap::new();
        for (org, tool, model, version, state) in rows {
            for key in report_sources(org, tool.as_deref(), model.as_deref(), version.as_deref()) {
                let c = counts.entry(key).or_insert((0, 0));
                c.0 += 1;
                c.1 += i64::from(state == RemediationState::Accepted.as_str());
            }
        }
        counts
            .into_iter()
            .map(|((k, s), (n, a))| patch_source((k.to_owned(), s, n, a)))
            .collect()
    }
}

fn patch_source(
    (kind, source, submitted, accepted): (String, String, i64, i64),
) -> Result<PatchSourceReliability> {
    let source = if kind == "org" {
        Uuid::parse_str(&source)
            .map_err(|_| StoreError::Corrupt(format!("patch_source_stats org {source:?}")))?
            .to_string()
    } else {
        source
    };
    Ok(PatchSourceReliability {
        kind,
        source,
        submitted,
        accepted,
    })
}
