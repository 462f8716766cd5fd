//! The voluntary review pipeline: submissions of a registered model, their
//! dossier documents, triage, findings and responses, conclusions,
//! withdrawals, date changes, and the reminders of review windows and grants.
//!
//! Who may do what is the policy's (`submission.*`, `finding.issue`,
//! `finding.read`, `response.post`, `dossier.read`, `dossier.upload`). A
//! submission the caller may not read is "not found": other developers and
//! unassigned agencies cannot learn that it exists; so is a finding whose
//! marking keeps it from the caller. Dossier documents are sealed under the
//! master key ([`crate::DOSSIER_KEY_VAR`], 64 hex digits); without it, the
//! document use cases answer "unavailable".

use bulwark_authz::Action;
use bulwark_core::{
    Conclusion, DocumentKind, FindingCategory, Principal, Severity, SubmissionState, Tlp,
};
use bulwark_store::{
    Actor, DateChange, DossierDocument, Finding, FindingResponse, NewFinding, NewSubmission,
    Reminder, Submission,
};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::resources::{
    finding_resource, model_resource, readable_model, readable_submission, submission_resource,
};
use crate::{
    Acting, App, AppError, AppResult, DOSSIER_KEY_VAR, ErrorKind, not_found_as, parse_word, ts,
};

/// The key dossier documents are sealed under; without one configured,
/// "unavailable" naming the setting.
fn dossier_key(app: &App) -> AppResult<[u8; 32]> {
    app.config
        .master_key
        .as_ref()
        .map(|k| *k.expose())
        .ok_or_else(|| {
            AppError::new(
                ErrorKind::Unavailable,
                format!(
                    "dossier storage is not configured: set {DOSSIER_KEY_VAR} to 64 hex digits"
                ),
            )
        })
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DocumentOut {
    pub sha256: String,
    pub kind: String,
    pub size: i64,
    pub uploaded_by: Option<Uuid>,
    pub at: String,
}

fn document_out(d: DossierDocument) -> DocumentOut {
    DocumentOut {
        sha256: d.sha256,
        kind: d.kind.as_str().to_owned(),
        size: d.size,
        uploaded_by: d.uploaded_by,
        at: ts(d.at),
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ResponseOut {
    pub id: Uuid,
    pub finding: Uuid,
    pub text: String,
    pub posted_by: Option<Uuid>,
    pub at: String,
}

fn response_out(r: FindingResponse) -> ResponseOut {
    ResponseOut {
        id: r.id,
        finding: r.finding_id,
        text: r.text,
        posted_by: r.posted_by,
        at: ts(r.at),
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FindingOut {
    pub id: Uuid,
    pub severity: String,
    pub category: String,
    pub text: String,
    pub recommendation: String,
    pub tlp: String,
    pub issued_by: Option<Uuid>,
    pub at: String,
    pub responses: Vec<ResponseOut>,
}

fn finding_out(f: Finding, responses: Vec<ResponseOut>) -> FindingOut {
    FindingOut {
        id: f.id,
        severity: f.severity.as_str().to_owned(),
        category: f.category.as_str().to_owned(),
        text: f.text,
        recommendation: f.recommendation,
        tlp: f.tlp.as_str().to_owned(),
        issued_by: f.issued_by,
        at: ts(f.at),
        responses,
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DateChangeOut {
    pub at: String,
    pub changed_by: Option<Uuid>,
    pub old_partner_release: String,
    pub new_partner_release: String,
    pub old_public_release: Option<String>,
    pub new_public_release: Option<String>,
    pub reason: String,
}

fn date_change_out(c: DateChange) -> DateChangeOut {
    DateChangeOut {
        at: ts(c.at),
        changed_by: c.changed_by,
        old_partner_release: ts(c.old_partner_release),
        new_partner_release: ts(c.new_partner_release),
        old_public_release: c.old_public_release.map(ts),
        new_public_release: c.new_public_release.map(ts),
        reason: c.reason,
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SubmissionOut {
    pub id: Uuid,
    pub model: Uuid,
    pub developer_org: Uuid,
    /// `draft`, `submitted`, `triage`, `in_review`, `findings_issued`, `concluded` or `withdrawn`.
    pub state: String,
    /// The states it may move to next.
    pub next: Vec<String>,
    pub planned_partner_release: String,
    pub planned_public_release: Option<String>,
    pub lead_agency: Option<Uuid>,
    pub supporting_agencies: Vec<Uuid>,
    pub reviewers: Vec<Uuid>,
    /// Trusted partner organizations the developer asks early access for.
    pub requested_partners: Vec<Uuid>,
    /// Whole days to the release to trusted partners, once submitted.
    pub days_remaining: Option<i64>,
    /// When the window is longer than 30 days or very short.
    pub window_warning: Option<String>,
    pub conclusion: Option<String>,
    pub summary: Option<String>,
    pub concluded_in_time: Option<bool>,
    pub withdrawn_reason: Option<String>,
    pub created_at: String,
    pub submitted_at: Option<String>,
    pub concluded_at: Option<String>,
    pub updated_at: String,
    pub documents: Vec<DocumentOut>,
    /// The findings the caller may read (a TLP:RED finding is for its issuer
    /// and the named reviewers only).
    pub findings: Vec<FindingOut>,
    /// Changes of the planned dates, oldest first, each with its reason.
    pub date_changes: Vec<DateChangeOut>,
}

/// A submission as `who` may see it: findings whose marking the policy keeps
/// from `who` are left out.
pub async fn submission_out(
    app: &App,
    who: &Principal,
    s: Submission,
    now: OffsetDateTime,
) -> AppResult<SubmissionOut> {
    let documents = app.store.documents(s.id).await?;
    let findings: Vec<Finding> = app
        .store
        .findings(s.id)
        .await?
        .into_iter()
        .filter(|f| app.permits(who, Action::FindingRead, &finding_resource(&s, f)))
        .collect();
    let mut responses = app.store.responses(s.id).await?;
    let date_changes = app.store.date_changes(s.id).await?;
    let window = s.window();
    Ok(SubmissionOut {
        id: s.id,
        model: s.model_id,
        developer_org: s.developer_org,
        state: s.state.as_str().to_owned(),
        next: s
            .state
            .next()
            .iter()
            .map(|x| x.as_str().to_owned())
            .collect(),
        planned_partner_release: ts(s.planned_partner_release),
        planned_public_release: s.planned_public_release.map(ts),
        lead_agency: s.lead_agency,
        supporting_agencies: s.supporting_agencies,
        reviewers: s.reviewers,
        requested_partners: s.requested_partners,
        days_remaining: window.map(|w| w.days_remaining(now)),
        window_warning: window.and_then(|w| w.warning()).map(|w| w.to_string()),
        conclusion: s.conclusion.map(|c| c.as_str().to_owned()),
        summary: s.summary,
        concluded_in_time: s.concluded_in_time,
        withdrawn_reason: s.withdrawn_reason,
        created_at: ts(s.created_at),
        submitted_at: s.submitted_at.map(ts),
        concluded_at: s.concluded_at.map(ts),
        updated_at: ts(s.updated_at),
        documents: documents.into_iter().map(document_out).collect(),
        findings: findings
            .into_iter()
            .map(|f: Finding| {
                let (mine, rest): (Vec<_>, Vec<_>) = std::mem::take(&mut responses)
                    .into_iter()
                    .partition(|r| r.finding_id == f.id);
                responses = rest;
                finding_out(f, mine.into_iter().map(response_out).collect())
            })
            .collect(),
        date_changes: date_changes.into_iter().map(date_change_out).collect(),
    })
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SubmissionIn {
    pub model: Uuid,
    /// The release to trusted partners: the end of the review window. In the future.
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, example = "2027-01-01T00:00:00Z")]
    pub planned_partner_release: OffsetDateTime,
    /// Not before the release to trusted partners.
    #[serde(default, with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, example = "2027-03-01T00:00:00Z")]
    pub planned_public_release: Option<OffsetDateTime>,
    /// Trusted partner organizations to give early access to (each a
    /// registered partner organization).
    #[serde(default)]
    pub requested_partners: Vec<Uuid>,
}

/// Starts a submission (in `draft`) of a model `who` may submit.
pub async fn create(app: &App, who: &Acting, body: SubmissionIn) -> AppResult<SubmissionOut> {
    let model = readable_model(app, &who.principal, body.model).await?;
    app.authorize(
        &who.principal,
        Action::SubmissionCreate,
        &model_resource(&model),
    )?;
    let now = app.now();
    let s = app
        .store
        .create_submission(
            &who.actor,
            &NewSubmission {
                model_id: model.id,
                planned_partner_release: body.planned_partner_release,
                planned_public_release: body.planned_public_release,
                requested_partners: body.requested_partners,
            },
            now,
        )
        .await?;
    submission_out(app, &who.principal, s, now).await
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SubmissionList {
    pub items: Vec<SubmissionOut>,
}

/// The submissions `who` may read, as stored (in id order).
pub async fn visible(app: &App, who: &Principal) -> AppResult<Vec<Submission>> {
    Ok(app
        .store
        .submissions()
        .await?
        .into_iter()
        .filter(|s| app.permits(who, Action::SubmissionRead, &submission_resource(s)))
        .collect())
}

/// The submissions `who` may read, each as `who` may see it.
pub async fn list(app: &App, who: &Principal) -> AppResult<Vec<SubmissionOut>> {
    let now = app.now();
    let mut items = Vec::new();
    for s in visible(app, who).await? {
        items.push(submission_out(app, who, s, now).await?);
    }
    Ok(items)
}

/// One submission, with its documents (descriptions), findings and responses.
pub async fn get(app: &App, who: &Principal, id: Uuid) -> AppResult<SubmissionOut> {
    let s = readable_submission(app, who, id).await?;
    submission_out(app, who, s, app.now()).await
}

/// Seals and keeps a dossier document of `kind` (a [`DocumentKind`] word).
/// The bytes are the document whole; the store refuses one over the limit.
pub async fn upload(
    app: &App,
    who: &Acting,
    id: Uuid,
    kind: &str,
    bytes: &[u8],
) -> AppResult<DocumentOut> {
    let s = readable_submission(app, &who.principal, id).await?;
    app.authorize(
        &who.principal,
        Action::DossierUpload,
        &submission_resource(&s),
    )?;
    let kind: DocumentKind = parse_word(kind)?;
    let key = dossier_key(app)?;
    let d = app
        .store
        .put_document(&who.actor, id, kind, bytes, &key, app.now())
        .await?;
    Ok(document_out(d))
}

/// A dossier document's description and plaintext. Every read is audited.
pub async fn download(
    app: &App,
    who: &Acting,
    id: Uuid,
    sha256: &str,
) -> AppResult<(DossierDocument, Vec<u8>)> {
    let s = readable_submission(app, &who.principal, id).await?;
    app.authorize(
        &who.principal,
        Action::DossierRead,
        &submission_resource(&s),
    )?;
    let key = dossier_key(app)?;
    app.store
        .read_document(&who.actor, id, sha256, &key, app.now())
        .await
        .map_err(not_found_as("document"))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TransitionIn {
    /// The state to move to.
    pub to: String,
    /// Required to withdraw.
    pub reason: Option<String>,
}

/// Moves a submission through the workflow; a move the workflow does not
/// allow is a conflict naming the allowed ones.
pub async fn transition(
    app: &App,
    who: &Acting,
    id: Uuid,
    body: TransitionIn,
) -> AppResult<SubmissionOut> {
    let to: SubmissionState = parse_word(&body.to)?;
    move_to(app, who, id, to, body.reason).await
}

async fn move_to(
    app: &App,
    who: &Acting,
    id: Uuid,
    to: SubmissionState,
    reason: Option<String>,
) -> AppResult<SubmissionOut> {
    let s = readable_submission(app, &who.principal, id).await?;
    // Submitting and withdrawing are the developer's; the agencies move the review.
    let action = match to {
        SubmissionState::Withdrawn => Action::SubmissionWithdraw,
        SubmissionState::Submitted => Action::SubmissionSubmit,
        SubmissionState::Concluded => Action::SubmissionConclude,
        _ => Action::SubmissionTransition,
    };
    // A move the workflow does not allow is a conflict naming the allowed
    // ones, whoever asks: a reader of the submission already sees its state
    // and next states, so this tells nothing the policy would keep back.
    if let Err(e @ bulwark_core::review::TransitionError::NotAllowed { .. }) =
        s.state.check_transition(to, Some("-"))
    {
        return Err(AppError::new(ErrorKind::Conflict, e.to_string()));
    }
    app.authorize(&who.principal, action, &submission_resource(&s))?;
    let now = app.now();
    let s = app
        .store
        .transition_submission(&who.actor, id, to, reason.as_deref(), now)
        .await?;
    submission_out(app, &who.principal, s, now).await
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WithdrawIn {
    pub reason: String,
}

/// Withdraws a submission (the developer, at any time before it is concluded).
pub async fn withdraw(
    app: &App,
    who: &Acting,
    id: Uuid,
    body: WithdrawIn,
) -> AppResult<SubmissionOut> {
    move_to(app, who, id, SubmissionState::Withdrawn, Some(body.reason)).await
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TriageIn {
    pub lead_agency: Uuid,
    #[serde(default)]
    pub supporting_agencies: Vec<Uuid>,
    #[serde(default)]
    pub reviewers: Vec<Uuid>,
}

/// Assigns the lead and supporting agencies and the named reviewers.
pub async fn triage(app: &App, who: &Acting, id: Uuid, body: TriageIn) -> AppResult<SubmissionOut> {
    let s = readable_submission(app, &who.principal, id).await?;
    app.authorize(
        &who.principal,
        Action::SubmissionTriage,
        &submission_resource(&s),
    )?;
    let now = app.now();
    let s = app
        .store
        .assign_submission(
            &who.actor,
            id,
            body.lead_agency,
            &body.supporting_agencies,
            &body.reviewers,
            now,
        )
        .await?;
    submission_out(app, &who.principal, s, now).await
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FindingIn {
    /// `low`, `medium`, `high` or `critical`.
    pub severity: String,
    /// `offensive_cyber_uplift`, `deployment_vulnerability`, `protection_weakness` or `other`.
    pub category: String,
    pub text: String,
    #[serde(default)]
    pub recommendation: String,
    /// TLP 2.0 label; `AMBER` when absent.
    pub tlp: Option<String>,
}

/// Issues a finding (writers of the assigned agencies).
pub async fn issue_finding(
    app: &App,
    who: &Acting,
    id: Uuid,
    body: FindingIn,
) -> AppResult<FindingOut> {
    let s = readable_submission(app, &who.principal, id).await?;
    app.authorize(
        &who.principal,
        Action::FindingIssue,
        &submission_resource(&s),
    )?;
    let severity: Severity = parse_word(&body.severity)?;
    let category: FindingCategory = parse_word(&body.category)?;
    let tlp: Tlp = match body.tlp.as_deref() {
        None => Tlp::Amber,
        Some(t) => t
            .parse()
            .map_err(|_| AppError::validation(format!("tlp {t:?} is not a TLP 2.0 label")))?,
    };
    let f = app
        .store
        .issue_finding(
            &who.actor,
            id,
            &NewFinding {
                severity,
                category,
                text: body.text,
                recommendation: body.recommendation,
                tlp,
            },
            app.now(),
        )
        .await?;
    Ok(finding_out(f, vec![]))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResponseIn {
    pub text: String,
}

/// Responds to a finding (writers of the developer). Only a finding `who`
/// may read can be answered; any other is unknown.
pub async fn respond(
    app: &App,
    who: &Acting,
    id: Uuid,
    finding: Uuid,
    body: ResponseIn,
) -> AppResult<ResponseOut> {
    let s = readable_submission(app, &who.principal, id).await?;
    app.authorize(
        &who.principal,
        Action::ResponsePost,
        &submission_resource(&s),
    )?;
    let finding = app
        .store
        .findings(id)
        .await?
        .into_iter()
        .find(|f| f.id == finding)
        .filter(|f| {
            app.permits(
                &who.principal,
                Action::FindingRead,
                &finding_resource(&s, f),
            )
        })
        .ok_or_else(|| AppError::not_found("finding"))?;
    let r = app
        .store
        .post_response(&who.actor, id, finding.id, &body.text, app.now())
        .await
        .map_err(not_found_as("finding"))?;
    Ok(response_out(r))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConcludeIn {
    /// `no_significant_concerns`, `mitigations_recommended` or `significant_concerns`.
    pub conclusion: String,
    pub summary: String,
}

/// Concludes the review (writers of the assigned agencies). Records whether
/// it concluded in time; never blocks a release.
pub async fn conclude(
    app: &App,
    who: &Acting,
    id: Uuid,
    body: ConcludeIn,
) -> AppResult<SubmissionOut> {
    let s = readable_submission(app, &who.principal, id).await?;
    app.authorize(
        &who.principal,
        Action::SubmissionConclude,
        &submission_resource(&s),
    )?;
    let conclusion: Conclusion = parse_word(&body.conclusion)?;
    let now = app.now();
    let s = app
        .store
        .conclude_submission(&who.actor, id, conclusion, &body.summary, now)
        .await?;
    submission_out(app, &who.principal, s, now).await
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RescheduleIn {
    /// The new release to trusted partners (the end of the window). In the future.
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, example = "2027-01-15T00:00:00Z")]
    pub planned_partner_release: OffsetDateTime,
    /// Not before the release to trusted partners; absent clears it.
    #[serde(default, with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, example = "2027-03-01T00:00:00Z")]
    pub planned_public_release: Option<OffsetDateTime>,
    /// Why the plan changed; kept with the change and sent to the agencies.
    pub reason: String,
}

/// Changes the planned dates (the developer's writers, while the review is
/// open). The change is kept with its reason and published as
/// `submission.rescheduled`; the window and its reminders follow the new date.
pub async fn reschedule(
    app: &App,
    who: &Acting,
    id: Uuid,
    body: RescheduleIn,
) -> AppResult<SubmissionOut> {
    let s = readable_submission(app, &who.principal, id).await?;
    app.authorize(
        &who.principal,
        Action::SubmissionReschedule,
        &submission_resource(&s),
    )?;
    let now = app.now();
    let s = app
        .store
        .reschedule_submission(
            &who.actor,
            id,
            body.planned_partner_release,
            body.planned_public_release,
            &body.reason,
            now,
        )
        .await?;
    submission_out(app, &who.principal, s, now).await
}

/// One sweep of the reminders (review windows, grants) due at the app's
/// clock, by the scheduler `holder`. Each is sent once, however many
/// servers sweep (the store keys them), so no lease is needed.
pub async fn send_reminders(app: &App, holder: &str) -> AppResult<Vec<Reminder>> {
    let actor = Actor {
        user: None,
        org: None,
        request_id: Some(format!("scheduler:{holder}")),
    };
    let sent = app.store.send_due_reminders(&actor, app.now()).await?;
    if !sent.is_empty() {
        tracing::info!(count = sent.len(), "reminders sent");
    }
    Ok(sent)
}
