//! The "Remediation" section of a case's page and its forms: vendor fixes,
//! workarounds and mitigations; patches with their diffstat, checks and
//! standing against the case's patch quorum; the patch file itself.
//!
//! Every decision is the use cases' that the API calls too
//! ([`bulwark_app::cases::patches`]): the section lists what `GET
//! /api/v1/cases/{id}/remediations` answers; a form is shown when the
//! policy would take it (submitting: `remediation.submit`; tasks:
//! `case.manage`; a check: the visitor's organization was asked for it),
//! and each posts to the same use case as its API route.

use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect};
use bulwark_app::cases::patches::{
    self, PatchIn, PatchTaskIn, PatchValidationIn, RemediationIn, RemediationsOut,
};
use serde::Deserialize;
use uuid::Uuid;

use super::clearinghouse::page_error;
use super::session::{CsrfField, Posted, SignedIn};
use super::{OrgNames, PageError, PageResult, Stamp, words};
use crate::state::AppState;

pub(super) struct CheckRow {
    pub org: String,
    pub check: String,
    pub result: String,
    pub note: String,
    pub evidence: bool,
    pub at: Stamp,
}

pub(super) struct FileRow {
    pub path: String,
    pub change: String,
    pub added: u64,
    pub removed: u64,
}

pub(super) struct Item {
    pub id: Uuid,
    pub kind: String,
    pub state: String,
    pub summary: String,
    pub details: String,
    pub fixed_versions: String,
    pub url: String,
    pub by: String,
    pub author: String,
    pub tool: String,
    pub model: String,
    pub created: Stamp,
    pub is_patch: bool,
    pub shortstat: String,
    pub files: Vec<FileRow>,
    pub warnings: Vec<String>,
    pub tasks: Vec<(String, String)>,
    pub checks: Vec<CheckRow>,
    /// "2 of 2 independent organizations passed every check" …
    pub standing: String,
    /// The checks the visitor's organization was asked for and may record.
    pub my_checks: Vec<String>,
    pub proposed: bool,
}

/// The section as the case page draws it.
pub(super) struct RemediationView {
    pub items: Vec<Item>,
    pub quorum: u32,
    pub may_submit: bool,
    pub may_manage: bool,
}

/// An answer's RFC 3339 instant as the pages show instants.
fn stamp(at: &str) -> PageResult<Stamp> {
    time::OffsetDateTime::parse(at, &time::format_description::well_known::Rfc3339)
        .map(Stamp::new)
        .map_err(|_| PageError::internal())
}

fn label(name: &Option<String>, version: &Option<String>) -> String {
    match (name, version) {
        (Some(n), Some(v)) => format!("{n} {v}"),
        (Some(n), None) => n.clone(),
        _ => String::new(),
    }
}

/// The section for a case the visitor may read (the caller read it).
pub(super) async fn view(
    state: &AppState,
    who: &SignedIn,
    case: Uuid,
    names: &mut OrgNames,
) -> PageResult<RemediationView> {
    let RemediationsOut {
        patch_quorum,
        items,
    } = patches::list(state, &who.principal, case)
        .await
        .map_err(page_error)?;
    let may_submit = patches::may_submit(state, &who.principal, case)
        .await
        .map_err(page_error)?;
    let may_manage = bulwark_app::cases::may_manage(state, &who.principal);
    let mut out = Vec::with_capacity(items.len());
    for r in items {
        // One entry per organization asked, with its checks.
        let mut tasks: Vec<(String, String)> = Vec::new();
        let mut my_checks = Vec::new();
        for t in &r.tasks {
            let org = names.name(state, t.org).await?;
            match tasks.iter_mut().find(|(o, _)| *o == org) {
                Some((_, checks)) => {
                    checks.push_str(", ");
                    checks.push_str(&words(&t.check));
                }
                None => tasks.push((org, words(&t.check))),
            }
            if t.org == who.principal.org_id {
                my_checks.push(t.check.clone());
            }
        }
        let mut checks = Vec::new();
        for v in &r.validations {
            checks.push(CheckRow {
                org: names.name(state, v.org).await?,
                check: words(&v.check),
                result: v.result.clone(),
                note: v.note.clone().unwrap_or_default(),
                evidence: v.evidence.is_some(),
                at: stamp(&v.at)?,
            });
        }
        let standing = match &r.quorum {
            None => String::new(),
            Some(q) => {
                let mut s = format!(
                    "{} of {} independent organization{} passed every check",
                    q.passed.len(),
                    q.needed,
                    if q.needed == 1 { "" } else { "s" }
                );
                if !q.failed.is_empty() {
                    let mut failed = Vec::new();
                    for o in &q.failed {
                        failed.push(names.name(state, *o).await?);
                    }
                    s.push_str(&format!(
                        "; held back: {} found it failing",
                        failed.join(", ")
                    ));
                }
                s
            }
        };
        let (shortstat, files, warnings) = match &r.patch {
            None => (String::new(), Vec::new(), Vec::new()),
            Some(p) => (
                p.shortstat.clone(),
                p.files
                    .iter()
                    .map(|f| FileRow {
                        path: f
                            .new_path
                            .clone()
                            .or(f.old_path.clone())
                            .unwrap_or_default(),
                        change: if f.change == "renamed" {
                            format!("renamed from {}", f.old_path.clone().unwrap_or_default())
                        } else if f.binary {
                            format!("{} (binary)", f.change)
                        } else {
                            f.change.clone()
                        },
                        added: f.added,
                        removed: f.removed,
                    })
                    .collect(),
                p.warnings
                    .iter()
                    .map(|w| format!("line {}: {}", w.line, w.message))
                    .collect(),
            ),
        };
        out.push(Item {
            id: r.id,
            kind: words(&r.kind),
            proposed: r.state == "proposed",
            state: r.state,
            summary: r.summary,
            details: r.details.unwrap_or_default(),
            fixed_versions: r.fixed_versions.join(", "),
            url: r.url.unwrap_or_default(),
            by: names.name(state, r.org).await?,
            author: r.author.unwrap_or_default(),
            tool: label(&r.tool_name, &r.tool_version),
            model: label(&r.ai_model, &r.ai_model_version),
            created: stamp(&r.created_at)?,
            is_patch: r.kind == "patch",
            shortstat,
            files,
            warnings,
            tasks,
            checks,
            standing,
            my_checks,
        });
    }
    Ok(RemediationView {
        items: out,
        quorum: patch_quorum,
        may_submit,
        may_manage,
    })
}

fn back(case: Uuid) -> axum::response::Response {
    Redirect::to(&format!("/clearinghouse/cases/{case}#remediation")).into_response()
}

fn case_id(id: &str) -> PageResult<Uuid> {
    Uuid::parse_str(id).map_err(|_| PageError::not_found("case"))
}

fn some(v: String) -> Option<String> {
    Some(v.trim().to_owned()).filter(|v| !v.is_empty())
}

/// The vendor fix / workaround / mitigation form.
#[derive(Debug, Default, Deserialize)]
pub struct OfferForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    summary: String,
    #[serde(default)]
    fixed_versions: String,
    #[serde(default)]
    url: String,
    #[serde(default)]
    details: String,
}

impl CsrfField for OfferForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

/// `POST /clearinghouse/cases/{id}/remediations`: as `POST
/// /api/v1/cases/{id}/remediations` with JSON.
pub async fn offer(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Posted { who, form }: Posted<OfferForm>,
) -> PageResult {
    let fail = |e: PageError| e.for_user(&who, &state);
    let id = case_id(&id).map_err(fail)?;
    let body = RemediationIn {
        kind: form.kind,
        summary: form.summary,
        details: some(form.details),
        fixed_versions: form
            .fixed_versions
            .split(',')
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
            .collect(),
        url: some(form.url),
    };
    patches::submit(&state, &who, id, body)
        .await
        .map_err(|e| fail(page_error(e)))?;
    Ok(back(id))
}

/// `POST /clearinghouse/cases/{id}/remediations/patch` (multipart, the CSRF
/// token before the file): as `POST /api/v1/cases/{id}/remediations` with
/// the file. A file that is not a diff is refused naming its line.
pub async fn upload(
    State(state): State<AppState>,
    who: SignedIn,
    Path(id): Path<String>,
    mut form: axum::extract::Multipart,
) -> PageResult {
    let fail = |e: PageError| e.for_user(&who, &state);
    let id = case_id(&id).map_err(fail)?;
    let names = [
        "summary",
        "tool_name",
        "tool_version",
        "ai_model",
        "ai_model_version",
    ];
    let done = super::upload_form(&mut form, &who, &names, async |mut field, texts| {
        let mut bytes = Vec::new();
        loop {
            match field.chunk().await {
                Ok(Some(c)) => {
                    if bytes.len() + c.len() > bulwark_store::MAX_PATCH_BYTES {
                        return Err(PageError::new(
                            StatusCode::PAYLOAD_TOO_LARGE,
                            "Too large",
                            "a patch is at most 8 MiB",
                        ));
                    }
                    bytes.extend_from_slice(&c);
                }
                Ok(None) => break,
                Err(e) => return Err(PageError::bad_request(e.body_text())),
            }
        }
        if bytes.is_empty() {
            return Err(PageError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "Not acceptable",
                "choose a patch file",
            ));
        }
        let mut t = texts.into_iter().map(some);
        let meta = PatchIn {
            summary: t.next().flatten(),
            tool_name: t.next().flatten(),
            tool_version: t.next().flatten(),
            ai_model: t.next().flatten(),
            ai_model_version: t.next().flatten(),
            ..PatchIn::default()
        };
        // A mail is a format-patch; the browser's guess is not trusted.
        let media = if bytes.starts_with(b"From ") {
            "text/x-patch"
        } else {
            "text/x-diff"
        };
        patches::submit_patch(&state, &who, id, meta, media, bytes)
            .await
            .map_err(page_error)
    })
    .await
    .map_err(fail)?;
    match done {
        Some(Ok(_)) => Ok(back(id)),
        Some(Err(e)) => Err(fail(e)),
        None => Err(fail(PageError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Not acceptable",
            "choose a patch file",
        ))),
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct TaskForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    org: String,
}

impl CsrfField for TaskForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

/// `POST /clearinghouse/cases/{id}/remediations/{remediation}/tasks`: asks
/// an organization for all three checks.
pub async fn assign(
    State(state): State<AppState>,
    Path((id, rid)): Path<(String, String)>,
    Posted { who, form }: Posted<TaskForm>,
) -> PageResult {
    let fail = |e: PageError| e.for_user(&who, &state);
    let id = case_id(&id).map_err(fail)?;
    let rid = Uuid::parse_str(&rid).map_err(|_| fail(PageError::not_found("patch")))?;
    let org = Uuid::parse_str(form.org.trim()).map_err(|_| {
        fail(PageError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Not acceptable",
            "organization: an organization's id",
        ))
    })?;
    patches::assign(&state, &who, id, rid, PatchTaskIn { org, checks: None })
        .await
        .map_err(|e| fail(page_error(e)))?;
    Ok(back(id))
}

#[derive(Debug, Default, Deserialize)]
pub struct CheckForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    check: String,
    #[serde(default)]
    result: String,
    #[serde(default)]
    note: String,
    #[serde(default)]
    evidence: String,
}

impl CsrfField for CheckForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

/// `POST /clearinghouse/cases/{id}/remediations/{remediation}/validations`.
pub async fn validate(
    State(state): State<AppState>,
    Path((id, rid)): Path<(String, String)>,
    Posted { who, form }: Posted<CheckForm>,
) -> PageResult {
    let fail = |e: PageError| e.for_user(&who, &state);
    let id = case_id(&id).map_err(fail)?;
    let rid = Uuid::parse_str(&rid).map_err(|_| fail(PageError::not_found("patch")))?;
    let body = PatchValidationIn {
        check: form.check,
        result: form.result,
        note: some(form.note),
        evidence: some(form.evidence),
        evidence_media_type: None,
    };
    patches::validate(&state, &who, id, rid, body)
        .await
        .map_err(|e| fail(page_error(e)))?;
    Ok(back(id))
}

/// `GET /clearinghouse/cases/{id}/remediations/{remediation}/patch`: the
/// file as sent, as plain text to download (never rendered as HTML).
pub async fn patch_file(
    State(state): State<AppState>,
    who: SignedIn,
    Path((id, rid)): Path<(String, String)>,
) -> PageResult {
    let fail = |e: PageError| e.for_user(&who, &state);
    let id = case_id(&id).map_err(fail)?;
    let rid = Uuid::parse_str(&rid).map_err(|_| fail(PageError::not_found("patch")))?;
    let (_, bytes) = patches::patch_file(&state, &who, id, rid)
        .await
        .map_err(|e| fail(page_error(e)))?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/plain; charset=utf-8".to_owned()),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{rid}.patch\""),
            ),
        ],
        bytes,
    )
        .into_response())
}
