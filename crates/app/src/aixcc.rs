//! Submissions from the cyber-reasoning systems built for DARPA's AI Cyber
//! Challenge, taken as the challenge's competition API v0.4 shapes them
//! (proof of vulnerability, patch, submitted SARIF, bundle), so that those
//! systems submit to Bulwark unchanged (issue 20).
//!
//! The API's task is a scan claim: a CRS claims its target (a repository
//! at a commit, a package) and submits under the claim's id, so the case's
//! target is the claim's and the claim links its findings to coverage.
//! Each submission is read by the intake crate's [`bulwark_intake::aixcc`]
//! first (refused with the JSON path of the problem, nothing kept) and
//! then kept in one transaction with its document and audit entry:
//!
//! - a pov becomes a report about the claim's target, in the case of its
//!   fingerprint, its testcase kept as a document and named in the
//!   report's reproduction (harness, sanitizer, architecture, engine);
//! - a patch (a unified diff) and a submitted SARIF are kept until a bundle
//!   says where they belong;
//! - a bundle files them into one case: the pov's (else the case of the
//!   SARIF's first finding), the SARIF's findings as its reports, the patch
//!   as a proposed patch remediation, as [`crate::cases::patches`] files one.
//!
//! Who may: `report.submit` for the caller's organization, and for a
//! bundle's patch `remediation.submit` on the case (a case the bundle opens
//! is reported by the caller's organization, a party to it). A claim of
//! another organization is "not found", as is a submission under it.
//!
//! The status answered is the API's: `accepted` when kept in time,
//! `deadline_exceeded` after the claim's lease ended (kept, filed
//! nowhere), then `passed` or `failed` as Bulwark's own validation
//! decides: a pov's case validated or rejected, a patch remediation
//! accepted or rejected.

use bulwark_authz::Action;
use bulwark_core::{CaseState, PatchCheck, PatchCheckResult, Principal, RemediationState};
use bulwark_intake::aixcc::{self, KnownPart, PartKind, Status, ToolInfo};
use bulwark_intake::finding::{self, Finding, Format};
use bulwark_store::{
    AixccSubmission, AixccTool, NewAixccBundle, NewAixccPart, NewPatchFile, NewRemediation,
    NewReport, ScanClaim,
};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::resources::{own_org_resource, readable_case};
use crate::{Acting, App, AppError, AppResult, ErrorKind, not_found_as};

/// The tool a submission comes from, as the catalogue will know it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubmittingTool {
    pub name: String,
    pub version: Option<String>,
    pub model: Option<String>,
    pub model_version: Option<String>,
}

/// The tool named in a submission's URL: a catalogue entry, by its id or
/// the name it reports as. A tool submits as its provider: the caller must
/// be allowed to act for it (`tool.update`: its provider's writers, a CRS's
/// service account included), and a withdrawn entry submits nothing.
/// Anyone else learns only that no such tool exists. The version is the
/// one the request gives (tools version themselves in every scheme; an
/// unlisted version is still evidence); a frontier model's reports carry
/// its registry name.
pub async fn resolve_tool(
    app: &App,
    who: &bulwark_core::Principal,
    tool: &str,
    version: Option<String>,
) -> AppResult<SubmittingTool> {
    use bulwark_authz::Action;
    let found = match Uuid::parse_str(tool) {
        Ok(id) => app.store.tool(id).await,
        Err(_) => app.store.tool_reporting_as(tool).await,
    };
    let t = found.map_err(crate::not_found_as("tool"))?;
    let resource = crate::tools::tool_resource(&t)?;
    if !app.permits(who, Action::ToolRead, &resource) {
        return Err(AppError::not_found("tool"));
    }
    app.authorize(who, Action::ToolUpdate, &resource)?;
    if crate::tools::state_of(&t)? == bulwark_tools::EntryState::Withdrawn {
        return Err(AppError::new(
            crate::ErrorKind::Conflict,
            "the tool is withdrawn from the catalogue; reopen it to submit again",
        ));
    }
    let model = match t.fields.model_id {
        Some(id) => app.store.model(id).await.ok().map(|m| m.name),
        None => None,
    };
    if let Some(v) = &version {
        bulwark_tools::catalogue::check_version(v)
            .map_err(|e| AppError::validation(format!("Bulwark-Tool-Version: {}", e.message)))?;
    }
    Ok(SubmittingTool {
        name: t.fields.reports_as,
        version: version.filter(|v| !v.is_empty()),
        model_version: None,
        model,
    })
}

impl SubmittingTool {
    fn store(&self) -> AixccTool {
        AixccTool {
            name: self.name.clone(),
            version: self.version.clone(),
            model: self.model.clone(),
            model_version: self.model_version.clone(),
        }
    }

    fn info(&self) -> ToolInfo {
        ToolInfo {
            name: self.name.clone(),
            version: self.version.clone(),
            model: self.model.clone(),
            model_version: self.model_version.clone(),
        }
    }
}

/// The answer to a pov, as the API gives it.
#[derive(Debug, Serialize, ToSchema)]
pub struct PovOut {
    pub pov_id: Uuid,
    /// `accepted`, `passed`, `failed`, `deadline_exceeded` or `errored`.
    pub status: String,
}

/// The answer to a patch.
#[derive(Debug, Serialize, ToSchema)]
pub struct PatchOut {
    pub patch_id: Uuid,
    pub status: String,
    /// Whether the organizations asked found its tests pass; null until
    /// one said.
    pub functionality_tests_passing: Option<bool>,
}

/// The answer to a submitted SARIF.
#[derive(Debug, Serialize, ToSchema)]
pub struct SarifOut {
    pub submitted_sarif_id: Uuid,
    pub status: String,
}

/// The answer to a new bundle.
#[derive(Debug, Serialize, ToSchema)]
pub struct BundleOut {
    pub bundle_id: Uuid,
    pub status: String,
}

/// A bundle as the API shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct BundleVerboseOut {
    pub bundle_id: Uuid,
    pub status: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pov_id: Option<Uuid>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub patch_id: Option<Uuid>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub submitted_sarif_id: Option<Uuid>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub broadcast_sarif_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Bulwark's own: the case the bundle was filed into.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub case_id: Option<Uuid>,
}

/// The caller's claim `task`: "not found" for a claim of another
/// organization (a task it does not hold) and for none.
async fn own_claim(app: &App, who: &Principal, task: Uuid) -> AppResult<ScanClaim> {
    let c = app
        .store
        .scan_claim(task)
        .await
        .map_err(not_found_as("task"))?;
    if c.org_id != who.org_id {
        return Err(AppError::not_found("task"));
    }
    Ok(c)
}

fn refused(e: aixcc::AixccError) -> AppError {
    AppError::validation(e.to_string()).with_extension("path", serde_json::json!(e.path))
}

/// CPU work (base64, diff and SARIF readers) off the async workers.
async fn blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> AppResult<T> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|_| AppError::internal())
}

fn new_report(f: Finding, target: &bulwark_core::Target, tool: &SubmittingTool) -> NewReport {
    NewReport {
        fingerprint: f.fingerprint.to_string(),
        target: Some(target.clone()),
        rule_id: f.rule_id,
        title: f.title,
        location: f.location,
        tool_name: Some(tool.name.clone()),
        tool_version: tool.version.clone(),
        ai_model: tool.model.clone().or(f.ai_model),
        ai_model_version: if tool.model.is_some() {
            tool.model_version.clone()
        } else {
            f.ai_model_version
        },
        detail: f.detail,
    }
}

/// Takes a proof of vulnerability under task `task`: filed as a report
/// about the claim's target when the claim is active.
pub async fn submit_pov(
    app: &App,
    who: &Acting,
    tool: &SubmittingTool,
    task: Uuid,
    body: Vec<u8>,
) -> AppResult<PovOut> {
    let p = &who.principal;
    app.authorize(p, Action::ReportSubmit, &own_org_resource(p))?;
    let claim = own_claim(app, p, task).await?;
    let pov = blocking(move || aixcc::parse_pov(&body))
        .await?
        .map_err(refused)?;
    let finding = pov.finding(&tool.info(), Some(&claim.target.key()));
    let detail = finding.detail["properties"]["aixcc_pov"].clone();
    let new = NewAixccPart {
        kind: PartKind::Pov.as_str().to_owned(),
        claim: task,
        org: p.org_id,
        tool: tool.store(),
        media_type: "application/octet-stream".to_owned(),
        document: pov.testcase,
        detail,
        report: Some(new_report(finding, &claim.target, tool)),
    };
    let s = app.store.aixcc_submit(&who.actor, &new, app.now()).await?;
    Ok(PovOut {
        pov_id: s.id,
        status: s.status,
    })
}

/// Takes a patch (base64 of a unified diff) under task `task`, kept until
/// a bundle files it.
pub async fn submit_patch(
    app: &App,
    who: &Acting,
    tool: &SubmittingTool,
    task: Uuid,
    body: Vec<u8>,
) -> AppResult<PatchOut> {
    let p = &who.principal;
    app.authorize(p, Action::ReportSubmit, &own_org_resource(p))?;
    own_claim(app, p, task).await?;
    let patch = blocking(move || aixcc::parse_patch(&body))
        .await?
        .map_err(refused)?;
    let detail = serde_json::json!({
        "files": patch.patch.files.len(),
        "added": patch.patch.added(),
        "removed": patch.patch.removed(),
        "shortstat": patch.patch.shortstat(),
    });
    let new = NewAixccPart {
        kind: PartKind::Patch.as_str().to_owned(),
        claim: task,
        org: p.org_id,
        tool: tool.store(),
        media_type: "text/x-diff".to_owned(),
        document: patch.diff,
        detail,
        report: None,
    };
    let s = app.store.aixcc_submit(&who.actor, &new, app.now()).await?;
    Ok(PatchOut {
        patch_id: s.id,
        status: s.status,
        functionality_tests_passing: None,
    })
}

/// Takes a CRS's SARIF log under task `task`, kept until a bundle files
/// its findings.
pub async fn submit_sarif(
    app: &App,
    who: &Acting,
    tool: &SubmittingTool,
    task: Uuid,
    body: Vec<u8>,
) -> AppResult<SarifOut> {
    let p = &who.principal;
    app.authorize(p, Action::ReportSubmit, &own_org_resource(p))?;
    own_claim(app, p, task).await?;
    let sarif = blocking(move || aixcc::parse_sarif(&body))
        .await?
        .map_err(refused)?;
    let detail = serde_json::json!({
        "results": sarif.summary.items,
        "findings": sarif.findings.len(),
        "warnings": sarif.summary.warnings.total(),
    });
    let new = NewAixccPart {
        kind: PartKind::SubmittedSarif.as_str().to_owned(),
        claim: task,
        org: p.org_id,
        tool: tool.store(),
        media_type: Format::Sarif.media_type().to_owned(),
        document: sarif.log,
        detail,
        report: None,
    };
    let s = app.store.aixcc_submit(&who.actor, &new, app.now()).await?;
    Ok(SarifOut {
        submitted_sarif_id: s.id,
        status: s.status,
    })
}

fn uuid_of(s: &Option<String>) -> AppResult<Option<Uuid>> {
    s.as_deref()
        .map(|s| Uuid::parse_str(s).map_err(|_| AppError::validation(format!("{s:?}: not a UUID"))))
        .transpose()
}

/// Files a bundle under task `task`: its parts must be the caller's
/// submissions to the same task (see [`aixcc::check_bundle`]); they go
/// into one case.
pub async fn submit_bundle(
    app: &App,
    who: &Acting,
    tool: &SubmittingTool,
    task: Uuid,
    body: Vec<u8>,
) -> AppResult<BundleOut> {
    let p = &who.principal;
    app.authorize(p, Action::ReportSubmit, &own_org_resource(p))?;
    let claim = own_claim(app, p, task).await?;
    let bundle = aixcc::parse_bundle(&body).map_err(refused)?;
    let mut known: Vec<(String, AixccSubmission)> = Vec::new();
    for (_, id) in bundle.parts() {
        let Ok(uuid) = Uuid::parse_str(id) else {
            continue;
        };
        match app.store.aixcc_submission(uuid).await {
            Ok(s) => known.push((id.to_owned(), s)),
            Err(bulwark_store::StoreError::NotFound) => {}
            Err(e) => return Err(e.into()),
        }
    }
    let org = p.org_id.to_string();
    aixcc::check_bundle(&bundle, &task.to_string(), &org, |id| {
        known.iter().find(|(i, _)| i == id).map(|(_, s)| KnownPart {
            kind: PartKind::parse(&s.kind).unwrap_or(PartKind::Bundle),
            task: s.claim_id.to_string(),
            org: s.org_id.to_string(),
        })
    })
    .map_err(|e| AppError::validation(e.to_string()))?;
    let part = |kind: PartKind| {
        known
            .iter()
            .map(|(_, s)| s)
            .find(|s| s.kind == kind.as_str())
    };
    for s in [part(PartKind::Patch), part(PartKind::SubmittedSarif)]
        .into_iter()
        .flatten()
    {
        if s.case_id.is_some() {
            return Err(AppError::new(
                ErrorKind::Conflict,
                format!("{} {} was filed by another bundle already", s.kind, s.id),
            ));
        }
    }

    // The SARIF's findings, read again from the log kept.
    let mut sarif_reports = Vec::new();
    if let Some(s) = part(PartKind::SubmittedSarif) {
        let sha = s.document.clone().ok_or_else(AppError::internal)?;
        let (_, log) = app.store.raw_document(&sha).await?;
        let findings = blocking(move || {
            let mut out = Vec::new();
            finding::read(Format::Sarif, &log[..], |f| {
                out.push(f);
                Ok::<(), ()>(())
            })
            .map(|_| out)
        })
        .await?
        .map_err(|_| AppError::internal())?;
        sarif_reports = findings
            .into_iter()
            .map(|f| new_report(f, &claim.target, tool))
            .collect();
    }

    // The case a patch goes to must take it from the caller.
    let pov_case = part(PartKind::Pov).and_then(|s| s.case_id);
    let mut remediation = None;
    if let Some(s) = part(PartKind::Patch) {
        let existing = match pov_case {
            Some(c) => Some(c),
            None => match sarif_reports.first() {
                Some(r) => app.store.aixcc_fingerprint_case(&r.fingerprint).await?,
                None => None,
            },
        };
        if let Some(case) = existing {
            let (_, resource) = readable_case(app, p, case).await?;
            app.authorize(p, Action::RemediationSubmit, &resource)?;
        }
        let sha = s.document.clone().ok_or_else(AppError::internal)?;
        let (media_type, bytes) = app.store.raw_document(&sha).await?;
        let (bytes, parsed) = crate::cases::patches::read_patch(bytes, true).await?;
        let summary = crate::cases::patches::summary_of(&parsed);
        remediation = Some(NewRemediation {
            kind: bulwark_core::RemediationKind::Patch,
            summary: bundle
                .description
                .as_deref()
                .and_then(|d| d.lines().find(|l| !l.trim().is_empty()))
                .map(|l| l.chars().take(300).collect::<String>())
                .unwrap_or_else(|| format!("Patch from {}", tool.name)),
            details: bundle.description.clone().filter(|d| d.len() <= 16 * 1024),
            fixed_versions: Vec::new(),
            url: None,
            patch: Some(NewPatchFile {
                media_type,
                bytes,
                diffstat: serde_json::to_value(&summary).map_err(|_| AppError::internal())?,
            }),
            author: None,
            org_id: p.org_id,
            tool_name: Some(tool.name.clone()),
            tool_version: tool.version.clone(),
            ai_model: tool.model.clone(),
            ai_model_version: tool.model_version.clone(),
        });
    }
    let new = NewAixccBundle {
        claim: task,
        org: p.org_id,
        tool: tool.store(),
        pov: uuid_of(&bundle.pov_id)?,
        patch: uuid_of(&bundle.patch_id)?,
        submitted_sarif: uuid_of(&bundle.submitted_sarif_id)?,
        broadcast_sarif_id: bundle.broadcast_sarif_id.clone(),
        description: bundle.description.clone(),
        sarif_reports,
        remediation,
    };
    let s = app.store.aixcc_bundle(&who.actor, &new, app.now()).await?;
    Ok(BundleOut {
        bundle_id: s.id,
        status: s.status,
    })
}

/// One of the caller's submissions under `task`, of `kind`.
async fn own_submission(
    app: &App,
    who: &Principal,
    task: Uuid,
    id: Uuid,
    kind: PartKind,
) -> AppResult<AixccSubmission> {
    own_claim(app, who, task).await?;
    let s = app
        .store
        .aixcc_submission(id)
        .await
        .map_err(not_found_as(kind.as_str()))?;
    if s.claim_id != task || s.org_id != who.org_id || s.kind != kind.as_str() {
        return Err(AppError::not_found(kind.as_str()));
    }
    Ok(s)
}

/// The API's status of a kept submission, from what Bulwark decided since.
async fn status_of(app: &App, s: &AixccSubmission) -> AppResult<Status> {
    if let Some(st) = Status::parse(&s.status).filter(|st| *st != Status::Accepted) {
        return Ok(st);
    }
    if let Some(r) = s.remediation_id {
        let r = app.store.remediation(r).await?;
        return Ok(match r.state {
            RemediationState::Accepted => Status::Passed,
            RemediationState::Rejected => Status::Failed,
            _ => Status::Accepted,
        });
    }
    if s.kind == PartKind::Pov.as_str()
        && let Some(c) = s.case_id
    {
        let c = app.store.case(c).await?;
        return Ok(match c.state {
            CaseState::Validated => Status::Passed,
            CaseState::Rejected => Status::Failed,
            _ => Status::Accepted,
        });
    }
    Ok(Status::Accepted)
}

/// A pov's status, for the CRS that sent it.
pub async fn pov_status(app: &App, who: &Principal, task: Uuid, id: Uuid) -> AppResult<PovOut> {
    let s = own_submission(app, who, task, id, PartKind::Pov).await?;
    Ok(PovOut {
        pov_id: s.id,
        status: status_of(app, &s).await?.as_str().to_owned(),
    })
}

/// A patch's status, with whether its tests were found to pass.
pub async fn patch_status(app: &App, who: &Principal, task: Uuid, id: Uuid) -> AppResult<PatchOut> {
    let s = own_submission(app, who, task, id, PartKind::Patch).await?;
    let mut tests = None;
    if let (Some(r), Some(case)) = (s.remediation_id, s.case_id) {
        let results: Vec<PatchCheckResult> = app
            .store
            .patch_validations(case)
            .await?
            .into_iter()
            .filter(|v| v.remediation_id == r && v.check == PatchCheck::TestsPass)
            .map(|v| v.result)
            .collect();
        if !results.is_empty() {
            tests = Some(results.iter().all(|r| *r == PatchCheckResult::Passed));
        }
    }
    Ok(PatchOut {
        patch_id: s.id,
        status: status_of(app, &s).await?.as_str().to_owned(),
        functionality_tests_passing: tests,
    })
}

/// A bundle as the API shows it, with the case it was filed into.
pub async fn bundle(
    app: &App,
    who: &Principal,
    task: Uuid,
    id: Uuid,
) -> AppResult<BundleVerboseOut> {
    let s = own_submission(app, who, task, id, PartKind::Bundle).await?;
    Ok(BundleVerboseOut {
        bundle_id: s.id,
        status: s.status,
        pov_id: s.pov_id,
        patch_id: s.patch_id,
        submitted_sarif_id: s.submitted_sarif_id,
        broadcast_sarif_id: s.broadcast_sarif_id,
        description: s.description,
        case_id: s.case_id,
    })
}
