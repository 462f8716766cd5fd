//! Remediation on a case: the vendor's fix, patch files, workarounds and
//! mitigations, and the validation of patches under the case's patch
//! quorum.
//!
//! Who may do what is the policy's: a case's parties' writers and the
//! operator's submit (`remediation.submit` on the case); the clearinghouse
//! asks organizations to check a patch and sets the quorum (`case.manage`);
//! an asked organization records what it found (`validation.record` on the
//! case, which the task made it a party to). Whoever may read the case may
//! read its remediations and fetch a patch file (each fetch audited). A
//! patch is read by the domain's reader before anything is kept: a document
//! that is not a diff is refused naming its line, and nothing is stored.
//! The store accepts a patch when its quorum is met (see
//! [`bulwark_core::PatchQuorum`]). [`remediations`] hands what the case
//! offers to an advisory draft.

use bulwark_authz::{Action, Resource};
use bulwark_core::{
    AuditEvent, PatchCheck, PatchQuorum, PatchValidation, Principal, RemediationKind,
    RemediationState,
};
use bulwark_distribution::model::{Remediation, RemediationCategory};
use bulwark_intake::Mode;
use bulwark_intake::patch::{self, Patch};
use bulwark_store::{
    NewPatchFile, NewPatchValidation, NewRemediation, PatchTask, StoredPatchValidation,
    StoredRemediation,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::resources::readable_case;
use crate::{Acting, App, AppError, AppResult, not_found_as, parse_word, ts};

/// The media types a patch file is sent as.
pub const PATCH_MEDIA_TYPES: [&str; 2] = ["text/x-diff", "text/x-patch"];

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RemediationIn {
    /// `vendor_fix`, `workaround` or `mitigation` (a patch is sent as its
    /// file, `text/x-diff` or `text/x-patch`).
    pub kind: String,
    /// One line: what it is.
    pub summary: String,
    pub details: Option<String>,
    /// A vendor fix's fixed versions.
    #[serde(default)]
    pub fixed_versions: Vec<String>,
    /// A commit or release URL (http or https).
    pub url: Option<String>,
}

/// What comes with a patch file (query parameters of its upload).
#[derive(Debug, Default, Deserialize, IntoParams, ToSchema)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PatchIn {
    /// One line; the mail's subject when absent, else "Patch".
    pub summary: Option<String>,
    pub details: Option<String>,
    /// Who wrote it; the mail's `From:` when absent.
    pub author: Option<String>,
    /// The tool that wrote it (for an AI-generated patch, the agent).
    pub tool_name: Option<String>,
    pub tool_version: Option<String>,
    /// The AI model that wrote it, and its version.
    pub ai_model: Option<String>,
    pub ai_model_version: Option<String>,
    /// Refuse a patch the reader would repair (CRLF, a blank context
    /// line …) instead of keeping it with warnings.
    #[serde(default)]
    pub strict: bool,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct PatchFileOut {
    /// Absent for a new file.
    pub old_path: Option<String>,
    /// Absent for a deleted file.
    pub new_path: Option<String>,
    /// `modified`, `added`, `deleted`, `renamed` or `copied`.
    pub change: String,
    pub added: u64,
    pub removed: u64,
    pub hunks: u64,
    pub binary: bool,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct PatchMailOut {
    pub commit: Option<String>,
    pub from: Option<String>,
    pub date: Option<String>,
    pub subject: Option<String>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct PatchWarningOut {
    /// `crlf_line_ends`, `blank_context_line`, `signature`,
    /// `no_final_newline`, `trailing_text` or `diffstat_mismatch`.
    pub kind: String,
    pub line: usize,
    pub message: String,
    pub count: usize,
}

/// What the patch reader found in a patch file.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct PatchSummaryOut {
    pub files: Vec<PatchFileOut>,
    pub hunks: u64,
    pub added: u64,
    pub removed: u64,
    /// "3 files changed, 6 insertions(+), 1 deletion(-)".
    pub shortstat: String,
    /// A `git format-patch` mail's header.
    pub mail: Option<PatchMailOut>,
    /// What the reader repaired.
    pub warnings: Vec<PatchWarningOut>,
}

pub(crate) fn summary_of(p: &Patch) -> PatchSummaryOut {
    PatchSummaryOut {
        files: p
            .files
            .iter()
            .map(|f| PatchFileOut {
                old_path: f.old_path.clone(),
                new_path: f.new_path.clone(),
                change: f.change.to_string(),
                added: f.added,
                removed: f.removed,
                hunks: f.hunks,
                binary: f.binary,
            })
            .collect(),
        hunks: p.hunks(),
        added: p.added(),
        removed: p.removed(),
        shortstat: p.shortstat(),
        mail: p.mail.as_ref().map(|m| PatchMailOut {
            commit: m.commit.clone(),
            from: m.from.clone(),
            date: m.date.clone(),
            subject: m.subject.clone(),
        }),
        warnings: p
            .warnings
            .iter()
            .map(|w| PatchWarningOut {
                kind: w.kind.as_str().to_owned(),
                line: w.line,
                message: w.message.clone(),
                count: w.count,
            })
            .collect(),
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PatchTaskOut {
    /// `applies`, `fixes` or `tests_pass`.
    pub check: String,
    pub org: Uuid,
    pub at: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PatchValidationOut {
    pub id: Uuid,
    /// `applies`, `fixes` or `tests_pass`.
    pub check: String,
    /// `passed` or `failed`.
    pub result: String,
    pub org: Uuid,
    /// The evidence document's SHA-256, when one was given.
    pub evidence: Option<String>,
    pub note: Option<String>,
    pub at: String,
}

/// Where a patch stands against the case's patch quorum.
#[derive(Debug, Serialize, ToSchema)]
pub struct PatchQuorumOut {
    /// Independent organizations needed.
    pub needed: u32,
    /// Independent organizations whose latest result passed every check.
    pub passed: Vec<Uuid>,
    /// Independent organizations whose latest result on a check failed:
    /// any one holds the patch back.
    pub failed: Vec<Uuid>,
    pub met: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RemediationOut {
    pub id: Uuid,
    pub case_id: Uuid,
    /// `vendor_fix`, `patch`, `workaround` or `mitigation`.
    pub kind: String,
    /// `proposed` (a patch awaiting its quorum), `accepted`, `rejected` or
    /// `withdrawn`.
    pub state: String,
    pub summary: String,
    pub details: Option<String>,
    pub fixed_versions: Vec<String>,
    pub url: Option<String>,
    /// The patch file's SHA-256.
    pub document: Option<String>,
    /// Where to fetch the patch file.
    pub patch_path: Option<String>,
    /// What the patch touches.
    pub patch: Option<PatchSummaryOut>,
    pub author: Option<String>,
    /// The submitting organization.
    pub org: Uuid,
    pub tool_name: Option<String>,
    pub tool_version: Option<String>,
    pub ai_model: Option<String>,
    pub ai_model_version: Option<String>,
    /// A patch's validation tasks, oldest first.
    pub tasks: Vec<PatchTaskOut>,
    /// A patch's validations, oldest first.
    pub validations: Vec<PatchValidationOut>,
    /// A patch's standing against the quorum.
    pub quorum: Option<PatchQuorumOut>,
    pub accepted_at: Option<String>,
    pub created_at: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RemediationsOut {
    /// The case's patch quorum: independent organizations that must pass a
    /// patch on every check.
    pub patch_quorum: u32,
    /// Oldest first.
    pub items: Vec<RemediationOut>,
}

/// The API path of a patch file.
pub fn patch_path(case: Uuid, remediation: Uuid) -> String {
    format!("/api/v1/cases/{case}/remediations/{remediation}/patch")
}

fn remediation_out(
    r: StoredRemediation,
    quorum: PatchQuorum,
    tasks: &[PatchTask],
    validations: &[StoredPatchValidation],
) -> RemediationOut {
    let is_patch = r.kind == RemediationKind::Patch;
    let mine: Vec<&StoredPatchValidation> = validations
        .iter()
        .filter(|v| v.remediation_id == r.id)
        .collect();
    let quorum_out = is_patch.then(|| {
        let vs: Vec<PatchValidation<Uuid>> = mine
            .iter()
            .map(|v| PatchValidation {
                check: v.check,
                result: v.result,
                org: v.org_id,
            })
            .collect();
        let tally = quorum.tally(r.org_id, &vs);
        PatchQuorumOut {
            needed: quorum.organizations,
            met: quorum.is_met(r.org_id, &vs),
            passed: tally.passed,
            failed: tally.failed,
        }
    });
    RemediationOut {
        id: r.id,
        case_id: r.case_id,
        kind: r.kind.as_str().to_owned(),
        state: r.state.as_str().to_owned(),
        summary: r.summary,
        details: r.details,
        fixed_versions: r.fixed_versions,
        url: r.url,
        patch_path: r.document.as_ref().map(|_| patch_path(r.case_id, r.id)),
        document: r.document,
        patch: r
            .diffstat
            .and_then(|d| serde_json::from_value::<PatchSummaryOut>(d).ok()),
        author: r.author,
        org: r.org_id,
        tool_name: r.tool_name,
        tool_version: r.tool_version,
        ai_model: r.ai_model,
        ai_model_version: r.ai_model_version,
        tasks: tasks
            .iter()
            .filter(|t| t.remediation_id == r.id)
            .map(|t| PatchTaskOut {
                check: t.check.as_str().to_owned(),
                org: t.org_id,
                at: ts(t.at),
            })
            .collect(),
        validations: mine
            .into_iter()
            .map(|v| PatchValidationOut {
                id: v.id,
                check: v.check.as_str().to_owned(),
                result: v.result.as_str().to_owned(),
                org: v.org_id,
                evidence: v.evidence.clone(),
                note: v.note.clone(),
                at: ts(v.at),
            })
            .collect(),
        quorum: quorum_out,
        accepted_at: r.accepted_at.map(ts),
        created_at: ts(r.created_at),
    }
}

async fn all_of(app: &App, case: Uuid) -> AppResult<RemediationsOut> {
    let quorum = app.store.patch_quorum(case).await?;
    let tasks = app.store.patch_tasks(case).await?;
    let validations = app.store.patch_validations(case).await?;
    let items = app
        .store
        .case_remediations(case)
        .await?
        .into_iter()
        .map(|r| remediation_out(r, quorum, &tasks, &validations))
        .collect();
    Ok(RemediationsOut {
        patch_quorum: quorum.organizations,
        items,
    })
}

async fn one_of(app: &App, case: Uuid, id: Uuid) -> AppResult<RemediationOut> {
    all_of(app, case)
        .await?
        .items
        .into_iter()
        .find(|r| r.id == id)
        .ok_or_else(|| AppError::not_found("remediation"))
}

/// A case's remediation artefacts with their tasks, validations and
/// standing; "not found" when `who` may not read the case.
pub async fn list(app: &App, who: &Principal, case: Uuid) -> AppResult<RemediationsOut> {
    readable_case(app, who, case).await?;
    all_of(app, case).await
}

/// One remediation artefact of a case.
pub async fn get(app: &App, who: &Principal, case: Uuid, id: Uuid) -> AppResult<RemediationOut> {
    readable_case(app, who, case).await?;
    one_of(app, case, id).await
}

/// Whether `who` may submit remediations to a case it may read, for
/// showing or hiding the forms that do.
pub async fn may_submit(app: &App, who: &Principal, case: Uuid) -> AppResult<bool> {
    let (_, resource) = readable_case(app, who, case).await?;
    Ok(app.permits(who, Action::RemediationSubmit, &resource))
}

async fn submitter(app: &App, who: &Principal, case: Uuid) -> AppResult<()> {
    let (_, resource) = readable_case(app, who, case).await?;
    app.authorize(who, Action::RemediationSubmit, &resource)
}

/// Submits a vendor fix, a workaround or a mitigation (a patch comes as a
/// file: [`submit_patch`]).
pub async fn submit(
    app: &App,
    who: &Acting,
    case: Uuid,
    body: RemediationIn,
) -> AppResult<RemediationOut> {
    submitter(app, &who.principal, case).await?;
    let kind: RemediationKind = parse_word(&body.kind)?;
    if kind == RemediationKind::Patch {
        return Err(AppError::validation(
            "kind: a patch is sent as its file (Content-Type text/x-diff or text/x-patch), not as JSON",
        ));
    }
    let new = NewRemediation {
        kind,
        summary: body.summary,
        details: body.details,
        fixed_versions: body.fixed_versions,
        url: body.url,
        patch: None,
        author: None,
        org_id: who.principal.org_id,
        tool_name: None,
        tool_version: None,
        ai_model: None,
        ai_model_version: None,
    };
    let r = app
        .store
        .submit_remediation(&who.actor, case, &new, app.now())
        .await
        .map_err(not_found_as("case"))?;
    one_of(app, case, r.id).await
}

/// Reads a patch file as the submission would (for interfaces that show
/// what a file holds before sending it, and for [`submit_patch`]): a
/// validation error naming the line when it is not a diff.
pub async fn read_patch(bytes: Vec<u8>, strict: bool) -> AppResult<(Vec<u8>, Patch)> {
    let mode = if strict { Mode::Strict } else { Mode::Repair };
    tokio::task::spawn_blocking(move || {
        let p = patch::parse(&bytes, mode);
        (bytes, p)
    })
    .await
    .map_err(|_| AppError::internal())
    .and_then(|(bytes, p)| match p {
        Ok(p) => Ok((bytes, p)),
        Err(e) => Err(AppError::validation(format!("patch: {e}"))
            .with_extension("line", serde_json::json!(e.line))),
    })
}

/// Submits a patch file (`media_type` `text/x-diff` or `text/x-patch`):
/// read by the patch reader first (refused, naming the line, when it is not
/// a diff; nothing kept then), kept content-addressed, `proposed` until its
/// quorum is met. The author is the mail's `From:` unless given.
pub async fn submit_patch(
    app: &App,
    who: &Acting,
    case: Uuid,
    meta: PatchIn,
    media_type: &str,
    bytes: Vec<u8>,
) -> AppResult<RemediationOut> {
    submitter(app, &who.principal, case).await?;
    if !PATCH_MEDIA_TYPES.contains(&media_type) {
        return Err(AppError::validation(format!(
            "a patch is sent as text/x-diff or text/x-patch, not {media_type}"
        )));
    }
    if bytes.len() > bulwark_store::MAX_PATCH_BYTES {
        return Err(AppError::validation(format!(
            "a patch is at most {} bytes",
            bulwark_store::MAX_PATCH_BYTES
        )));
    }
    let (bytes, parsed) = read_patch(bytes, meta.strict).await?;
    let summary = summary_of(&parsed);
    let mail = parsed.mail.as_ref();
    let new = NewRemediation {
        kind: RemediationKind::Patch,
        summary: meta
            .summary
            .or_else(|| mail.and_then(|m| m.subject.clone()))
            .unwrap_or_else(|| "Patch".to_owned()),
        details: meta.details,
        fixed_versions: Vec::new(),
        url: None,
        patch: Some(NewPatchFile {
            media_type: media_type.to_owned(),
            bytes,
            diffstat: serde_json::to_value(&summary).map_err(|_| AppError::internal())?,
        }),
        author: meta.author.or_else(|| mail.and_then(|m| m.from.clone())),
        org_id: who.principal.org_id,
        tool_name: meta.tool_name,
        tool_version: meta.tool_version,
        ai_model: meta.ai_model,
        ai_model_version: meta.ai_model_version,
    };
    let r = app
        .store
        .submit_remediation(&who.actor, case, &new, app.now())
        .await
        .map_err(not_found_as("case"))?;
    one_of(app, case, r.id).await
}

/// A patch file as it was sent, with its media type, for `who` who may
/// read the case; the read is audited.
pub async fn patch_file(
    app: &App,
    who: &Acting,
    case: Uuid,
    id: Uuid,
) -> AppResult<(String, Vec<u8>)> {
    readable_case(app, &who.principal, case).await?;
    let r = app
        .store
        .remediation(id)
        .await
        .map_err(not_found_as("patch"))?;
    let Some(sha) = r.document.filter(|_| r.case_id == case) else {
        return Err(AppError::not_found("patch"));
    };
    app.store
        .audit(
            &who.actor,
            AuditEvent::new("document.read", "raw_document", sha.clone())
                .with_detail(serde_json::json!({"case": case, "remediation": id})),
            bulwark_core::to_micros(app.now()),
        )
        .await?;
    Ok(app.store.raw_document(&sha).await?)
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PatchTaskIn {
    /// The organization asked (never the patch's submitter's); it becomes a
    /// party to the case.
    pub org: Uuid,
    /// `applies`, `fixes`, `tests_pass`; all three when absent.
    pub checks: Option<Vec<String>>,
}

/// Asks an organization to check a proposed patch (the clearinghouse's
/// writers).
pub async fn assign(
    app: &App,
    who: &Acting,
    case: Uuid,
    id: Uuid,
    body: PatchTaskIn,
) -> AppResult<RemediationOut> {
    readable_case(app, &who.principal, case).await?;
    app.authorize(&who.principal, Action::CaseManage, &Resource::Program)?;
    let checks: Vec<PatchCheck> = match body.checks {
        None => PatchCheck::ALL.to_vec(),
        Some(c) if c.is_empty() => {
            return Err(AppError::validation(
                "checks: name at least one, or leave it out for all three",
            ));
        }
        Some(c) => c.iter().map(|w| parse_word(w)).collect::<AppResult<_>>()?,
    };
    for check in checks {
        app.store
            .assign_patch_task(&who.actor, case, id, check, body.org, app.now())
            .await
            .map_err(not_found_as("remediation"))?;
    }
    one_of(app, case, id).await
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PatchValidationIn {
    /// `applies`, `fixes` or `tests_pass`: one of your tasks.
    pub check: String,
    /// `passed` or `failed`.
    pub result: String,
    pub note: Option<String>,
    /// Evidence as text (a build log, the reproduction's output), kept
    /// content-addressed.
    pub evidence: Option<String>,
    /// Its media type; `text/plain` when absent.
    pub evidence_media_type: Option<String>,
}

/// Records what `who`'s organization found for one of its checks of a
/// patch; the patch is accepted when its quorum is met.
pub async fn validate(
    app: &App,
    who: &Acting,
    case: Uuid,
    id: Uuid,
    body: PatchValidationIn,
) -> AppResult<RemediationOut> {
    let (_, resource) = readable_case(app, &who.principal, case).await?;
    app.authorize(&who.principal, Action::ValidationRecord, &resource)?;
    let new = NewPatchValidation {
        check: parse_word(&body.check)?,
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
    app.store
        .record_patch_validation(&who.actor, case, id, &new, app.now())
        .await
        .map_err(not_found_as("patch"))?;
    one_of(app, case, id).await
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PatchQuorumIn {
    /// Independent organizations (not the submitter's) that must pass a
    /// patch on every check, 1 to 10.
    pub organizations: u32,
}

/// Sets a case's patch quorum (the clearinghouse's writers); proposed
/// patches that now meet it are accepted.
pub async fn set_quorum(
    app: &App,
    who: &Acting,
    case: Uuid,
    body: PatchQuorumIn,
) -> AppResult<RemediationsOut> {
    readable_case(app, &who.principal, case).await?;
    app.authorize(&who.principal, Action::CaseManage, &Resource::Program)?;
    app.store
        .set_patch_quorum(
            &who.actor,
            case,
            PatchQuorum {
                organizations: body.organizations,
            },
            app.now(),
        )
        .await?;
    all_of(app, case).await
}

/// What a case offers an advisory's remediations: the vendor's fixes
/// (`vendor_fix`, with the fixed versions in the details and the commit or
/// release URL), accepted patches (`vendor_fix` when the case's notified
/// vendor submitted it, else `mitigation`, since a third party's patch is
/// not the vendor's official fix; the URL is the patch file's API path),
/// workarounds and mitigations, oldest first. Proposed, rejected and
/// withdrawn artefacts are left out.
///
/// No principal: the caller (the advisory draft) has decided that its
/// principal may read the case.
pub async fn remediations(app: &App, case_id: Uuid) -> AppResult<Vec<Remediation>> {
    let case = app
        .store
        .case(case_id)
        .await
        .map_err(not_found_as("case"))?;
    let vendor = case.vendor.map(|v| v.0);
    let quorum = app.store.patch_quorum(case_id).await?;
    let mut out = Vec::new();
    for r in app.store.case_remediations(case_id).await? {
        if r.state != RemediationState::Accepted {
            continue;
        }
        let with_details = |lead: String| match &r.details {
            Some(d) => format!("{lead}\n\n{d}"),
            None => lead,
        };
        let (category, details, url) = match r.kind {
            RemediationKind::VendorFix => {
                let lead = if r.fixed_versions.is_empty() {
                    r.summary.clone()
                } else {
                    format!("{} Fixed in: {}.", r.summary, r.fixed_versions.join(", "))
                };
                (
                    RemediationCategory::VendorFix,
                    with_details(lead),
                    r.url.clone(),
                )
            }
            RemediationKind::Patch => {
                let official = vendor == Some(r.org_id);
                let lead = if official {
                    format!("{} (the vendor's patch).", r.summary)
                } else {
                    format!(
                        "{} (a patch validated by {} independent organization(s); not the vendor's official fix).",
                        r.summary, quorum.organizations
                    )
                };
                (
                    if official {
                        RemediationCategory::VendorFix
                    } else {
                        RemediationCategory::Mitigation
                    },
                    with_details(lead),
                    Some(patch_path(case_id, r.id)),
                )
            }
            RemediationKind::Workaround => (
                RemediationCategory::Workaround,
                with_details(r.summary.clone()),
                r.url.clone(),
            ),
            RemediationKind::Mitigation => (
                RemediationCategory::Mitigation,
                with_details(r.summary.clone()),
                r.url.clone(),
            ),
        };
        out.push(Remediation {
            category,
            details,
            url,
            products: Vec::new(),
        });
    }
    Ok(out)
}
