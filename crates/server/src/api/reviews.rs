//! Voluntary reviews: submissions of a registered model, their dossier
//! documents, triage, findings, responses, conclusion and withdrawal.
//!
//! Who may do what is the policy's (`submission.*`, `finding.issue`,
//! `finding.read`, `response.post`, `dossier.read`, `dossier.upload`). A
//! submission the caller may not read is a 404: other developers and
//! unassigned agencies cannot learn that it exists; so is a finding whose
//! marking keeps it from the caller. Dossier documents are sealed under the key in
//! `BULWARK_DOSSIER_KEY` (64 hex digits); without it, document endpoints
//! answer 503.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::http::header::CONTENT_TYPE;
use axum::response::IntoResponse;
use bulwark_app::resources::{
    finding_resource, model_resource, readable_model, readable_submission, submission_resource,
};
use bulwark_authz::Action;
use bulwark_core::{
    Conclusion, DocumentKind, FindingCategory, ParseError, Principal, Severity, SubmissionState,
    Tlp,
};
use bulwark_store::{
    DateChange, DossierDocument, Finding, FindingResponse, NewFinding, NewSubmission, Submission,
};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;

use super::ts;
use crate::extract::{ApiJson, ApiPath, ApiQuery, Caller};
use crate::problem::{ApiError, ApiResult, Kind, Problem, not_found_as};
use crate::state::AppState;

/// The environment variable holding the dossier key: 32 bytes as 64 hex digits.
pub use bulwark_app::DOSSIER_KEY_VAR;

/// Largest upload accepted on the documents endpoint (the limit, plus room
/// to answer "too large" with a problem document rather than a cut connection).
pub const DOCUMENT_BODY_LIMIT: usize = bulwark_core::review::MAX_DOCUMENT_BYTES + 1024;

pub(crate) fn dossier_key(state: &AppState) -> ApiResult<[u8; 32]> {
    state
        .settings
        .master_key
        .as_ref()
        .map(|k| *k.expose())
        .ok_or_else(|| {
            ApiError::new(
                Kind::Unavailable,
                format!(
                    "dossier storage is not configured: set {DOSSIER_KEY_VAR} to 64 hex digits"
                ),
            )
        })
}

fn parse<T: std::str::FromStr<Err = ParseError>>(s: &str) -> ApiResult<T> {
    s.parse()
        .map_err(|e: ParseError| ApiError::validation(e.to_string()))
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
pub(crate) async fn submission_out(
    state: &AppState,
    who: &Principal,
    s: Submission,
    now: OffsetDateTime,
) -> ApiResult<SubmissionOut> {
    let documents = state.store.documents(s.id).await?;
    let findings: Vec<Finding> = state
        .store
        .findings(s.id)
        .await?
        .into_iter()
        .filter(|f| state.permits(who, Action::FindingRead, &finding_resource(&s, f)))
        .collect();
    let mut responses = state.store.responses(s.id).await?;
    let date_changes = state.store.date_changes(s.id).await?;
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
                FindingOut {
                    id: f.id,
                    severity: f.severity.as_str().to_owned(),
                    category: f.category.as_str().to_owned(),
                    text: f.text,
                    recommendation: f.recommendation,
                    tlp: f.tlp.as_str().to_owned(),
                    issued_by: f.issued_by,
                    at: ts(f.at),
                    responses: mine.into_iter().map(response_out).collect(),
                }
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

/// Start a submission (in `draft`) of one of your models for voluntary review.
#[utoipa::path(post, path = "/api/v1/submissions", tag = "reviews", request_body = SubmissionIn,
    responses((status = 201, body = SubmissionOut), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<SubmissionIn>,
) -> ApiResult<(StatusCode, Json<SubmissionOut>)> {
    let model = readable_model(&state, &caller.principal, body.model).await?;
    state.authorize(
        &caller.principal,
        Action::SubmissionCreate,
        &model_resource(&model),
    )?;
    let now = state.now();
    let s = state
        .store
        .create_submission(
            &caller.actor,
            &NewSubmission {
                model_id: model.id,
                planned_partner_release: body.planned_partner_release,
                planned_public_release: body.planned_public_release,
                requested_partners: body.requested_partners,
            },
            now,
        )
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(submission_out(&state, &caller.principal, s, now).await?),
    ))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SubmissionList {
    pub items: Vec<SubmissionOut>,
}

/// The submissions you may see.
#[utoipa::path(get, path = "/api/v1/submissions", tag = "reviews",
    responses((status = 200, body = SubmissionList)))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
) -> ApiResult<Json<SubmissionList>> {
    let now = state.now();
    let mut items = Vec::new();
    for s in state.store.submissions().await? {
        if state.permits(
            &caller.principal,
            Action::SubmissionRead,
            &submission_resource(&s),
        ) {
            items.push(submission_out(&state, &caller.principal, s, now).await?);
        }
    }
    Ok(Json(SubmissionList { items }))
}

/// One submission, with its documents (descriptions), findings and responses.
#[utoipa::path(get, path = "/api/v1/submissions/{id}", tag = "reviews",
    responses((status = 200, body = SubmissionOut), (status = 404, body = Problem)))]
pub async fn get_one(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<SubmissionOut>> {
    let s = readable_submission(&state, &caller.principal, id).await?;
    Ok(Json(
        submission_out(&state, &caller.principal, s, state.now()).await?,
    ))
}

#[derive(Debug, Deserialize, ToSchema, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct KindQuery {
    /// `model_card`, `compute_attestation`, `evaluation_results`, `system_card` or `security_controls`.
    pub kind: String,
}

/// Upload a dossier document (the raw bytes as the body, at most 16 MiB).
#[utoipa::path(post, path = "/api/v1/submissions/{id}/documents", tag = "reviews",
    params(KindQuery), request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses((status = 201, body = DocumentOut), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem), (status = 503, body = Problem)))]
pub async fn upload(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
    ApiQuery(q): ApiQuery<KindQuery>,
    body: Bytes,
) -> ApiResult<(StatusCode, Json<DocumentOut>)> {
    let s = readable_submission(&state, &caller.principal, id).await?;
    state.authorize(
        &caller.principal,
        Action::DossierUpload,
        &submission_resource(&s),
    )?;
    let kind: DocumentKind = parse(&q.kind)?;
    let key = dossier_key(&state)?;
    let d = state
        .store
        .put_document(&caller.actor, id, kind, &body, &key, state.now())
        .await?;
    Ok((StatusCode::CREATED, Json(document_out(d))))
}

/// Read a dossier document (the plaintext bytes). Every read is audited.
#[utoipa::path(get, path = "/api/v1/submissions/{id}/documents/{sha256}", tag = "reviews",
    responses((status = 200, content_type = "application/octet-stream", body = Vec<u8>),
        (status = 404, body = Problem), (status = 503, body = Problem)))]
pub async fn download(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath((id, sha256)): ApiPath<(Uuid, String)>,
) -> ApiResult<impl IntoResponse> {
    let s = readable_submission(&state, &caller.principal, id).await?;
    state.authorize(
        &caller.principal,
        Action::DossierRead,
        &submission_resource(&s),
    )?;
    let key = dossier_key(&state)?;
    let (_, bytes) = state
        .store
        .read_document(&caller.actor, id, &sha256, &key, state.now())
        .await
        .map_err(not_found_as("document"))?;
    Ok(([(CONTENT_TYPE, "application/octet-stream")], bytes))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TransitionIn {
    /// The state to move to.
    pub to: String,
    /// Required to withdraw.
    pub reason: Option<String>,
}

/// Move a submission through the workflow; an invalid move is a 409 naming the allowed ones.
#[utoipa::path(post, path = "/api/v1/submissions/{id}/transition", tag = "reviews", request_body = TransitionIn,
    responses((status = 200, body = SubmissionOut), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn transition(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<TransitionIn>,
) -> ApiResult<Json<SubmissionOut>> {
    let to: SubmissionState = parse(&body.to)?;
    move_to(state, caller, id, to, body.reason).await
}

async fn move_to(
    state: AppState,
    caller: Caller,
    id: Uuid,
    to: SubmissionState,
    reason: Option<String>,
) -> ApiResult<Json<SubmissionOut>> {
    let s = readable_submission(&state, &caller.principal, id).await?;
    // Submitting and withdrawing are the developer's; the agencies move the review.
    let action = match to {
        SubmissionState::Withdrawn => Action::SubmissionWithdraw,
        SubmissionState::Submitted => Action::SubmissionSubmit,
        SubmissionState::Concluded => Action::SubmissionConclude,
        _ => Action::SubmissionTransition,
    };
    // A move the workflow does not allow is a 409 naming the allowed ones,
    // whoever asks: a reader of the submission already sees its state and
    // next states, so this tells nothing the policy would keep back.
    if let Err(e @ bulwark_core::review::TransitionError::NotAllowed { .. }) =
        s.state.check_transition(to, Some("-"))
    {
        return Err(ApiError::new(Kind::Conflict, e.to_string()));
    }
    state.authorize(&caller.principal, action, &submission_resource(&s))?;
    let now = state.now();
    let s = state
        .store
        .transition_submission(&caller.actor, id, to, reason.as_deref(), now)
        .await?;
    Ok(Json(
        submission_out(&state, &caller.principal, s, now).await?,
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WithdrawIn {
    pub reason: String,
}

/// Withdraw a submission (the developer, at any time before it is concluded).
#[utoipa::path(post, path = "/api/v1/submissions/{id}/withdraw", tag = "reviews", request_body = WithdrawIn,
    responses((status = 200, body = SubmissionOut), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn withdraw(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<WithdrawIn>,
) -> ApiResult<Json<SubmissionOut>> {
    move_to(
        state,
        caller,
        id,
        SubmissionState::Withdrawn,
        Some(body.reason),
    )
    .await
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

/// Assign the lead and supporting agencies and the named reviewers.
#[utoipa::path(post, path = "/api/v1/submissions/{id}/triage", tag = "reviews", request_body = TriageIn,
    responses((status = 200, body = SubmissionOut), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn triage(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<TriageIn>,
) -> ApiResult<Json<SubmissionOut>> {
    let s = readable_submission(&state, &caller.principal, id).await?;
    state.authorize(
        &caller.principal,
        Action::SubmissionTriage,
        &submission_resource(&s),
    )?;
    let now = state.now();
    let s = state
        .store
        .assign_submission(
            &caller.actor,
            id,
            body.lead_agency,
            &body.supporting_agencies,
            &body.reviewers,
            now,
        )
        .await?;
    Ok(Json(
        submission_out(&state, &caller.principal, s, now).await?,
    ))
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

/// Issue a finding (writers of the assigned agencies).
#[utoipa::path(post, path = "/api/v1/submissions/{id}/findings", tag = "reviews", request_body = FindingIn,
    responses((status = 201, body = FindingOut), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn issue_finding(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<FindingIn>,
) -> ApiResult<(StatusCode, Json<FindingOut>)> {
    let s = readable_submission(&state, &caller.principal, id).await?;
    state.authorize(
        &caller.principal,
        Action::FindingIssue,
        &submission_resource(&s),
    )?;
    let severity: Severity = parse(&body.severity)?;
    let category: FindingCategory = parse(&body.category)?;
    let tlp: Tlp = match body.tlp.as_deref() {
        None => Tlp::Amber,
        Some(t) => t
            .parse()
            .map_err(|_| ApiError::validation(format!("tlp {t:?} is not a TLP 2.0 label")))?,
    };
    let f = state
        .store
        .issue_finding(
            &caller.actor,
            id,
            &NewFinding {
                severity,
                category,
                text: body.text,
                recommendation: body.recommendation,
                tlp,
            },
            state.now(),
        )
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(FindingOut {
            id: f.id,
            severity: f.severity.as_str().to_owned(),
            category: f.category.as_str().to_owned(),
            text: f.text,
            recommendation: f.recommendation,
            tlp: f.tlp.as_str().to_owned(),
            issued_by: f.issued_by,
            at: ts(f.at),
            responses: vec![],
        }),
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResponseIn {
    pub text: String,
}

/// Respond to a finding (writers of the developer).
#[utoipa::path(post, path = "/api/v1/submissions/{id}/findings/{fid}/responses", tag = "reviews",
    request_body = ResponseIn,
    responses((status = 201, body = ResponseOut), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn respond(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath((id, fid)): ApiPath<(Uuid, Uuid)>,
    ApiJson(body): ApiJson<ResponseIn>,
) -> ApiResult<(StatusCode, Json<ResponseOut>)> {
    let s = readable_submission(&state, &caller.principal, id).await?;
    state.authorize(
        &caller.principal,
        Action::ResponsePost,
        &submission_resource(&s),
    )?;
    // Only a finding the caller may read can be answered; any other is unknown.
    let finding = state
        .store
        .findings(id)
        .await?
        .into_iter()
        .find(|f| f.id == fid)
        .filter(|f| {
            state.permits(
                &caller.principal,
                Action::FindingRead,
                &finding_resource(&s, f),
            )
        })
        .ok_or_else(|| ApiError::not_found("finding"))?;
    let r = state
        .store
        .post_response(&caller.actor, id, finding.id, &body.text, state.now())
        .await
        .map_err(not_found_as("finding"))?;
    Ok((StatusCode::CREATED, Json(response_out(r))))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConcludeIn {
    /// `no_significant_concerns`, `mitigations_recommended` or `significant_concerns`.
    pub conclusion: String,
    pub summary: String,
}

/// Conclude the review (writers of the assigned agencies). Records whether it
/// concluded in time; never blocks a release.
#[utoipa::path(post, path = "/api/v1/submissions/{id}/conclude", tag = "reviews", request_body = ConcludeIn,
    responses((status = 200, body = SubmissionOut), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn conclude(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<ConcludeIn>,
) -> ApiResult<Json<SubmissionOut>> {
    let s = readable_submission(&state, &caller.principal, id).await?;
    state.authorize(
        &caller.principal,
        Action::SubmissionConclude,
        &submission_resource(&s),
    )?;
    let conclusion: Conclusion = parse(&body.conclusion)?;
    let now = state.now();
    let s = state
        .store
        .conclude_submission(&caller.actor, id, conclusion, &body.summary, now)
        .await?;
    Ok(Json(
        submission_out(&state, &caller.principal, s, now).await?,
    ))
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

/// Change the planned dates (the developer's writers, while the review is
/// open). The change is kept with its reason and published as
/// `submission.rescheduled`; the window and its reminders follow the new date.
#[utoipa::path(post, path = "/api/v1/submissions/{id}/dates", tag = "reviews", request_body = RescheduleIn,
    responses((status = 200, body = SubmissionOut), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn reschedule(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<RescheduleIn>,
) -> ApiResult<Json<SubmissionOut>> {
    let s = readable_submission(&state, &caller.principal, id).await?;
    state.authorize(
        &caller.principal,
        Action::SubmissionReschedule,
        &submission_resource(&s),
    )?;
    let now = state.now();
    let s = state
        .store
        .reschedule_submission(
            &caller.actor,
            id,
            body.planned_partner_release,
            body.planned_public_release,
            &body.reason,
            now,
        )
        .await?;
    Ok(Json(
        submission_out(&state, &caller.principal, s, now).await?,
    ))
}
