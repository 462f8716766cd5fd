//! Clearinghouse cases: intake of findings into reports and cases
//! ([`intake`]: SARIF logs, OSV records, CSAF documents and Bulwark's
//! findings JSON, reports folded into cases by fingerprint), and the
//! operator's triage: state, merges and splits, validation under a quorum,
//! the analysts' SSVC assessment that sets a case's priority
//! ([`assessment`], see [`crate::triage`]), markings and embargoes,
//! vendors and participants; the kept documents ([`documents`]), the
//! sources' reliability ([`sources`]) and remediation: vendor fixes,
//! patches validated under a patch quorum, workarounds ([`patches`]).
//!
//! A case is a marked record to the policy (`record.read`): TLP:AMBER, owned
//! by its first reporter, with every reporting organization a party and the
//! operator (the clearinghouse) party to all. Anyone else gets "not found":
//! an unpatched vulnerability must not be learnt from its case's existence.
//! Every change of a case is the clearinghouse's writers' (`case.manage` on
//! the program), except a validation, which the organization asked records
//! (`validation.record` on the case).

use bulwark_authz::{Action, Resource};
use bulwark_core::{CaseState, Embargo, OrgKind, Principal, Quorum, ValidationKind};
use bulwark_store::{
    Case, CaseAssessment, CaseTask, CaseValidation, NewValidation, Page, PageRequest, Report,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::resources::readable_case;
use crate::triage::{CasePriority, CasePriorityOut, case_priority, case_priority_out};
use crate::{Acting, App, AppError, AppResult, parse_word, ts};

pub mod assessment;
pub mod documents;
pub mod intake;
pub mod patches;
pub mod sources;

pub use assessment::{AssessmentIn, AssessmentOut, assess, set_assessment};
pub use documents::{document, own_documents};
pub use intake::{
    IntakeOut, IntakeTicket, IntakeWarning, IntakeWarnings, ReceivedDocument, SkippedResults,
    ingest, may_submit, open_intake,
};
pub use sources::{SourceOut, SourcesOut, sources};

#[derive(Debug, Serialize, ToSchema)]
pub struct ReportOut {
    pub id: Uuid,
    pub org: Uuid,
    pub fingerprint: String,
    /// The raw document it came from (SHA-256).
    pub document: String,
    pub rule_id: Option<String>,
    pub title: String,
    pub location: Option<String>,
    pub tool_name: Option<String>,
    pub tool_version: Option<String>,
    pub ai_model: Option<String>,
    pub ai_model_version: Option<String>,
    pub reported_at: String,
}

fn report_out(r: Report) -> ReportOut {
    ReportOut {
        id: r.id,
        org: r.org_id,
        fingerprint: r.fingerprint,
        document: r.document,
        rule_id: r.rule_id,
        title: r.title,
        location: r.location,
        tool_name: r.tool_name,
        tool_version: r.tool_version,
        ai_model: r.ai_model,
        ai_model_version: r.ai_model_version,
        reported_at: ts(r.reported_at),
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CaseOut {
    pub id: Uuid,
    /// `new`, `triaged`, `validating`, `validated`, `rejected` or `duplicate`.
    pub state: String,
    pub title: String,
    pub rule_id: Option<String>,
    pub target: Option<String>,
    /// Credited: the organization of the earliest report, and when.
    pub first_reporter: Uuid,
    pub first_reported_at: String,
    pub merged_into: Option<Uuid>,
    /// TLP 2.0 label, `AMBER+STRICT` unless re-marked.
    pub tlp: String,
    /// The embargo end in UTC (RFC 3339, `Z`), while one is set.
    pub embargo_until: Option<String>,
    /// The same instant in the UTC offset it was set in.
    pub embargo_as_set: Option<String>,
    /// The affected vendor, once notified, and when.
    pub vendor: Option<Uuid>,
    pub vendor_notified_at: Option<String>,
    pub fingerprints: Vec<String>,
    /// Earliest first.
    pub reports: Vec<ReportOut>,
    /// Independent reproductions needed (or the vendor's confirmation, when
    /// `quorum_vendor_confirms`).
    pub quorum_reproductions: u32,
    pub quorum_vendor_confirms: bool,
    /// Oldest first.
    pub validations: Vec<ValidationOut>,
    /// What the clearinghouse's analysts judged (`PUT
    /// /api/v1/cases/{id}/assessment`); absent until one is set.
    pub assessment: Option<AssessmentOut>,
    /// The case's priority: the SSVC decision from the assessment, the
    /// linked CVE's CISA ADP decision points and the defaults, with the KEV
    /// override; KEV, EPSS and CVSS of the linked CVE; the reasons.
    pub priority: CasePriorityOut,
    pub created_at: String,
    pub updated_at: String,
}

/// A case the caller may read, with what it holds, as the API answers it.
async fn case_out(app: &App, c: Case) -> AppResult<CaseOut> {
    let reports = app.store.case_reports(c.id).await?;
    let fingerprints = app.store.case_fingerprints(c.id).await?;
    let validations = app.store.case_validations(c.id).await?;
    let assessment = app.store.case_assessment(c.id).await?;
    let priority = case_priority(app, c.id, assessment.as_ref()).await?;
    Ok(CaseOut {
        id: c.id,
        state: c.state.as_str().to_owned(),
        title: c.title,
        rule_id: c.rule_id,
        target: c.target.map(|t| t.locator().to_owned()),
        first_reporter: c.first_reporter_org,
        first_reported_at: ts(c.first_reported_at),
        merged_into: c.merged_into,
        tlp: c.tlp.as_str().to_owned(),
        embargo_until: c.embargo.map(|e| e.utc()),
        embargo_as_set: c.embargo.map(|e| e.as_set()),
        vendor: c.vendor.map(|v| v.0),
        vendor_notified_at: c.vendor.map(|v| ts(v.1)),
        fingerprints,
        reports: reports.into_iter().map(report_out).collect(),
        quorum_reproductions: c.quorum.reproductions,
        quorum_vendor_confirms: c.quorum.vendor_confirms,
        validations: validations.into_iter().map(validation_out).collect(),
        assessment: assessment.map(assessment::assessment_out),
        priority: case_priority_out(&priority),
        created_at: ts(c.created_at),
        updated_at: ts(c.updated_at),
    })
}

/// One case with its reports, validations, assessment and priority; "not
/// found" when `who` may not read it.
pub async fn get(app: &App, who: &Principal, id: Uuid) -> AppResult<CaseOut> {
    let (c, _) = readable_case(app, who, id).await?;
    case_out(app, c).await
}

/// Everything about one case that its page shows: what [`get`] answers,
/// as the store keeps it, and the validation tasks.
pub struct CaseFile {
    pub case: Case,
    /// Earliest first.
    pub reports: Vec<Report>,
    /// Oldest first.
    pub validations: Vec<CaseValidation>,
    pub tasks: Vec<CaseTask>,
    pub assessment: Option<CaseAssessment>,
    pub priority: CasePriority,
    /// The organizations party to it: reporters, those asked to validate,
    /// the notified vendor, the named participants.
    pub parties: Vec<Uuid>,
}

/// One case as [`get`] reads it (same decision, same "not found"), with
/// its tasks, for interfaces that draw it themselves.
pub async fn case_file(app: &App, who: &Principal, id: Uuid) -> AppResult<CaseFile> {
    let (case, _) = readable_case(app, who, id).await?;
    let parties = app.store.case_parties(id).await?;
    let reports = app.store.case_reports(id).await?;
    let validations = app.store.case_validations(id).await?;
    let tasks = app.store.case_tasks(id).await?;
    let assessment = app.store.case_assessment(id).await?;
    let priority = case_priority(app, id, assessment.as_ref()).await?;
    Ok(CaseFile {
        case,
        reports,
        validations,
        tasks,
        assessment,
        priority,
        parties,
    })
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CaseSummary {
    pub id: Uuid,
    pub state: String,
    pub title: String,
    pub target: Option<String>,
    pub first_reporter: Uuid,
    pub first_reported_at: String,
}

/// One page of the cases (merged-away duplicates left out), keeping those
/// `who` may read; the next page starts after the last case of this one,
/// whether or not it was kept.
pub async fn list(app: &App, who: &Principal, page: PageRequest) -> AppResult<Page<CaseSummary>> {
    let page = app.store.cases(page).await?;
    let ids: Vec<Uuid> = page.items.iter().map(|c| c.id).collect();
    let readable = crate::resources::readable_cases(app, who, &ids).await?;
    let mut items = Vec::new();
    for c in page.items {
        if readable.contains_key(&c.id) {
            items.push(CaseSummary {
                id: c.id,
                state: c.state.as_str().to_owned(),
                title: c.title,
                target: c.target.map(|t| t.locator().to_owned()),
                first_reporter: c.first_reporter_org,
                first_reported_at: ts(c.first_reported_at),
            });
        }
    }
    Ok(Page {
        items,
        next: page.next,
    })
}

/// A case that waits for the caller's organization, and what for.
#[derive(Debug, Clone)]
pub struct AwaitingCase {
    pub case: Case,
    /// `reproduction`, `vendor_confirmation`, `patch_applies`,
    /// `patch_fixes`, `patch_tests_pass`, each with when it was asked;
    /// oldest first.
    pub tasks: Vec<(String, time::OffsetDateTime)>,
}

/// The cases that wait for `who`'s organization (a validation or a patch
/// check it was asked for and has not given), of those it may read; the
/// longest waiting first.
pub async fn awaiting(app: &App, who: &Principal) -> AppResult<Vec<AwaitingCase>> {
    let tasks = app.store.tasks_awaiting(who.org_id).await?;
    let mut ids: Vec<Uuid> = tasks.iter().map(|t| t.case_id).collect();
    ids.sort_unstable();
    ids.dedup();
    let mut readable = crate::resources::readable_cases(app, who, &ids).await?;
    let mut out: Vec<AwaitingCase> = Vec::new();
    for t in tasks {
        if let Some(i) = out.iter().position(|a| a.case.id == t.case_id) {
            out[i].tasks.push((t.task, t.since));
        } else if let Some(case) = readable.remove(&t.case_id) {
            out.push(AwaitingCase {
                case,
                tasks: vec![(t.task, t.since)],
            });
        }
    }
    Ok(out)
}

/// Whether `who` may change cases (the clearinghouse's writers), for
/// showing or hiding the forms that do.
pub fn may_manage(app: &App, who: &Principal) -> bool {
    app.permits(who, Action::CaseManage, &Resource::Program)
}

/// A case `who` may read and change (the clearinghouse's writers): "not
/// found" before "forbidden", so that a writer learns nothing either.
async fn managed(app: &App, who: &Principal, id: Uuid) -> AppResult<Case> {
    let (c, _) = readable_case(app, who, id).await?;
    app.authorize(who, Action::CaseManage, &Resource::Program)?;
    Ok(c)
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CaseStateIn {
    /// `triaged`, `validating`, `validated` (needs the quorum met) or `rejected`.
    pub to: String,
}

/// Moves a case; a move the workflow does not allow is a conflict naming
/// the allowed ones.
pub async fn transition(
    app: &App,
    who: &Acting,
    id: Uuid,
    body: CaseStateIn,
) -> AppResult<CaseOut> {
    managed(app, &who.principal, id).await?;
    let to: CaseState = parse_word(&body.to)?;
    let c = app
        .store
        .set_case_state(&who.actor, id, to, app.now())
        .await?;
    case_out(app, c).await
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MergeIn {
    /// The case to fold into this one (it becomes `duplicate`).
    pub from: Uuid,
}

/// Merges another case into this one; refused for two cases once split
/// apart.
pub async fn merge(app: &App, who: &Acting, id: Uuid, body: MergeIn) -> AppResult<CaseOut> {
    let p = &who.principal;
    readable_case(app, p, id).await?;
    readable_case(app, p, body.from).await?;
    app.authorize(p, Action::CaseManage, &Resource::Program)?;
    let c = app
        .store
        .merge_cases(&who.actor, id, body.from, app.now())
        .await?;
    case_out(app, c).await
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SplitIn {
    /// Fingerprints to move, with all their reports, into a new case.
    pub fingerprints: Vec<String>,
}

/// Splits fingerprints off into a new case, which it answers; the two are
/// never merged again.
pub async fn split(app: &App, who: &Acting, id: Uuid, body: SplitIn) -> AppResult<CaseOut> {
    managed(app, &who.principal, id).await?;
    let c = app
        .store
        .split_case(&who.actor, id, &body.fingerprints, app.now())
        .await?;
    case_out(app, c).await
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ValidationOut {
    pub id: Uuid,
    /// `reproduction` or `vendor_confirmation`.
    pub kind: String,
    /// `reproduced`, `not_reproduced`, `confirmed` or `disputed`.
    pub result: String,
    pub org: Uuid,
    /// The evidence document's SHA-256, when one was given.
    pub evidence: Option<String>,
    pub note: Option<String>,
    pub at: String,
}

fn validation_out(v: CaseValidation) -> ValidationOut {
    ValidationOut {
        id: v.id,
        kind: v.kind.as_str().to_owned(),
        result: v.result.as_str().to_owned(),
        org: v.org_id,
        evidence: v.evidence,
        note: v.note,
        at: ts(v.at),
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TaskIn {
    /// `reproduction` (never of a reporter) or `vendor_confirmation`.
    pub kind: String,
    /// The organization asked; it becomes a party to the case.
    pub org: Uuid,
}

/// Asks an organization to validate a case.
pub async fn assign(app: &App, who: &Acting, id: Uuid, body: TaskIn) -> AppResult<()> {
    managed(app, &who.principal, id).await?;
    let kind: ValidationKind = parse_word(&body.kind)?;
    app.store
        .assign_validation(&who.actor, id, kind, body.org, app.now())
        .await?;
    Ok(())
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ValidationIn {
    /// `reproduction` or `vendor_confirmation`: one of your tasks.
    pub kind: String,
    /// `reproduced` / `not_reproduced`, or `confirmed` / `disputed`.
    pub result: String,
    pub note: Option<String>,
    /// Evidence as text (a log, a proof of concept), kept content-addressed.
    pub evidence: Option<String>,
    /// Its media type; `text/plain` when absent.
    pub evidence_media_type: Option<String>,
}

/// Records what `who`'s organization found for one of its tasks on a case;
/// the case is validated when its quorum is met.
pub async fn validate(app: &App, who: &Acting, id: Uuid, body: ValidationIn) -> AppResult<CaseOut> {
    let (_, resource) = readable_case(app, &who.principal, id).await?;
    app.authorize(&who.principal, Action::ValidationRecord, &resource)?;
    let new = NewValidation {
        kind: parse_word(&body.kind)?,
        result: parse_word(&body.result)?,
        org_id: who.principal.org_id,
        evidence: body.evidence.map(|e| {
            (
                body.evidence_media_type
                    .unwrap_or_else(|| "text/plain".to_owned()),
                e.into_bytes(),
            )
        }),
        note: body.note,
    };
    let (_, c) = app
        .store
        .record_validation(&who.actor, id, &new, app.now())
        .await?;
    case_out(app, c).await
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct QuorumIn {
    /// Independent reproductions needed (0 to 10).
    pub reproductions: u32,
    /// Whether the vendor's confirmation alone validates.
    pub vendor_confirms: bool,
}

/// Sets what validates a case.
pub async fn quorum(app: &App, who: &Acting, id: Uuid, body: QuorumIn) -> AppResult<CaseOut> {
    managed(app, &who.principal, id).await?;
    let c = app
        .store
        .set_case_quorum(
            &who.actor,
            id,
            Quorum {
                reproductions: body.reproductions,
                vendor_confirms: body.vendor_confirms,
            },
            app.now(),
        )
        .await?;
    case_out(app, c).await
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MarkingIn {
    /// `CLEAR`, `GREEN`, `AMBER` or `AMBER+STRICT` (RED is refused: a case
    /// has no individual creator).
    pub tlp: String,
    /// The embargo end, RFC 3339 with its offset (e.g.
    /// `2026-12-01T09:00:00-05:00`); null lifts the embargo.
    pub embargo_until: Option<String>,
}

/// Re-marks a case and sets or lifts its embargo, which must end in the
/// future. While an embargo runs only the case's parties may know of it,
/// whatever its marking.
pub async fn marking(app: &App, who: &Acting, id: Uuid, body: MarkingIn) -> AppResult<CaseOut> {
    managed(app, &who.principal, id).await?;
    let tlp = parse_word(&body.tlp)?;
    let embargo = body
        .embargo_until
        .as_deref()
        .map(Embargo::parse)
        .transpose()
        .map_err(|e| AppError::validation(format!("embargo_until: {e}")))?;
    if let Some(e) = embargo
        && e.until <= app.now()
    {
        return Err(AppError::validation(format!(
            "embargo_until: {} is not in the future",
            e.utc()
        )));
    }
    let c = app
        .store
        .set_case_marking(&who.actor, id, tlp, embargo, app.now())
        .await?;
    case_out(app, c).await
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrgIn {
    pub org: Uuid,
}

/// Records that the affected vendor (an organization of kind `vendor`) was
/// notified: it becomes a party to the case.
pub async fn notify_vendor(app: &App, who: &Acting, id: Uuid, body: OrgIn) -> AppResult<CaseOut> {
    managed(app, &who.principal, id).await?;
    let org = app
        .store
        .organization(body.org)
        .await
        .map_err(|_| AppError::validation(format!("org: no organization {}", body.org)))?;
    if org.kind != OrgKind::Vendor {
        return Err(AppError::validation(format!(
            "org: {} is a {} organization, not a vendor",
            org.name,
            org.kind.as_str()
        )));
    }
    let c = app
        .store
        .notify_vendor(&who.actor, id, body.org, app.now())
        .await?;
    case_out(app, c).await
}

/// Names an organization participant in a case, so that it may read it.
pub async fn add_participant(app: &App, who: &Acting, id: Uuid, body: OrgIn) -> AppResult<()> {
    managed(app, &who.principal, id).await?;
    app.store
        .add_case_participant(&who.actor, id, body.org, app.now())
        .await?;
    Ok(())
}
