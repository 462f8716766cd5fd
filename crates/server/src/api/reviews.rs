//! Voluntary reviews over HTTP: submissions of a registered model, their
//! dossier documents, triage, findings, responses, conclusion and withdrawal.
//! The use cases are `bulwark_app::reviews`; these handlers only translate.
//!
//! A submission the caller may not read is a 404: other developers and
//! unassigned agencies cannot learn that it exists; so is a finding whose
//! marking keeps it from the caller. Dossier documents are sealed under the
//! key in `BULWARK_DOSSIER_KEY` (64 hex digits); without it, document
//! endpoints answer 503.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::http::header::CONTENT_TYPE;
use axum::response::IntoResponse;
use bulwark_app::reviews::{
    self as app, ConcludeIn, DocumentOut, FindingIn, FindingOut, RescheduleIn, ResponseIn,
    ResponseOut, SubmissionIn, SubmissionList, SubmissionOut, TransitionIn, TriageIn, WithdrawIn,
};
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::bodies::RawBytes;
use crate::extract::{ApiJson, ApiPath, ApiQuery, Caller};
use crate::problem::{ApiResult, Problem};
use crate::state::AppState;

/// Largest upload accepted on the documents endpoint (the limit, plus room
/// to answer "too large" with a problem document rather than a cut connection).
pub const DOCUMENT_BODY_LIMIT: usize = bulwark_core::review::MAX_DOCUMENT_BYTES + 1024;

/// Start a submission (in `draft`) of one of your models for voluntary review.
#[utoipa::path(post, path = "/api/v1/submissions",
    operation_id = "reviews_create", tag = "reviews", request_body = SubmissionIn,
    responses((status = 201, body = SubmissionOut), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<SubmissionIn>,
) -> ApiResult<(StatusCode, Json<SubmissionOut>)> {
    Ok((
        StatusCode::CREATED,
        Json(app::create(&state, &caller, body).await?),
    ))
}

/// The submissions you may see.
#[utoipa::path(get, path = "/api/v1/submissions",
    operation_id = "reviews_list", tag = "reviews",
    responses((status = 200, body = SubmissionList)))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
) -> ApiResult<Json<SubmissionList>> {
    let items = app::list(&state, &caller.principal).await?;
    Ok(Json(SubmissionList { items }))
}

/// One submission, with its documents (descriptions), findings and responses.
#[utoipa::path(get, path = "/api/v1/submissions/{id}",
    operation_id = "reviews_get_one",
    params(("id" = Uuid, Path, description = "The id")), tag = "reviews",
    responses((status = 200, body = SubmissionOut), (status = 404, body = Problem)))]
pub async fn get_one(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<SubmissionOut>> {
    Ok(Json(app::get(&state, &caller.principal, id).await?))
}

#[derive(Debug, Deserialize, ToSchema, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct KindQuery {
    /// `model_card`, `compute_attestation`, `evaluation_results`, `system_card` or `security_controls`.
    pub kind: String,
}

/// Upload a dossier document (the raw bytes as the body, at most 16 MiB).
#[utoipa::path(post, path = "/api/v1/submissions/{id}/documents",
    operation_id = "reviews_upload", tag = "reviews",
    params(("id" = Uuid, Path, description = "The id"), KindQuery), request_body(content = inline(RawBytes), content_type = "application/octet-stream"),
    responses((status = 201, body = DocumentOut), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem), (status = 503, body = Problem)))]
pub async fn upload(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
    ApiQuery(q): ApiQuery<KindQuery>,
    body: Bytes,
) -> ApiResult<(StatusCode, Json<DocumentOut>)> {
    Ok((
        StatusCode::CREATED,
        Json(app::upload(&state, &caller, id, &q.kind, &body).await?),
    ))
}

/// Read a dossier document (the plaintext bytes). Every read is audited.
#[utoipa::path(get, path = "/api/v1/submissions/{id}/documents/{sha256}",
    params(("id" = Uuid, Path, description = "The id"), ("sha256" = String, Path, description = "The document's SHA-256 (hex)")), tag = "reviews",
    responses((status = 200, content_type = "application/octet-stream", body = inline(RawBytes)),
        (status = 404, body = Problem), (status = 503, body = Problem)))]
pub async fn download(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath((id, sha256)): ApiPath<(Uuid, String)>,
) -> ApiResult<impl IntoResponse> {
    let (_, bytes) = app::download(&state, &caller, id, &sha256).await?;
    Ok(([(CONTENT_TYPE, "application/octet-stream")], bytes))
}

/// Move a submission through the workflow; an invalid move is a 409 naming the allowed ones.
#[utoipa::path(post, path = "/api/v1/submissions/{id}/transition",
    operation_id = "reviews_transition",
    params(("id" = Uuid, Path, description = "The id")), tag = "reviews", request_body = TransitionIn,
    responses((status = 200, body = SubmissionOut), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn transition(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<TransitionIn>,
) -> ApiResult<Json<SubmissionOut>> {
    Ok(Json(app::transition(&state, &caller, id, body).await?))
}

/// Withdraw a submission (the developer, at any time before it is concluded).
#[utoipa::path(post, path = "/api/v1/submissions/{id}/withdraw",
    params(("id" = Uuid, Path, description = "The id")), tag = "reviews", request_body = WithdrawIn,
    responses((status = 200, body = SubmissionOut), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn withdraw(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<WithdrawIn>,
) -> ApiResult<Json<SubmissionOut>> {
    Ok(Json(app::withdraw(&state, &caller, id, body).await?))
}

/// Assign the lead and supporting agencies and the named reviewers.
#[utoipa::path(post, path = "/api/v1/submissions/{id}/triage",
    params(("id" = Uuid, Path, description = "The id")), tag = "reviews", request_body = TriageIn,
    responses((status = 200, body = SubmissionOut), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn triage(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<TriageIn>,
) -> ApiResult<Json<SubmissionOut>> {
    Ok(Json(app::triage(&state, &caller, id, body).await?))
}

/// Issue a finding (writers of the assigned agencies).
#[utoipa::path(post, path = "/api/v1/submissions/{id}/findings",
    params(("id" = Uuid, Path, description = "The id")), tag = "reviews", request_body = FindingIn,
    responses((status = 201, body = FindingOut), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn issue_finding(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<FindingIn>,
) -> ApiResult<(StatusCode, Json<FindingOut>)> {
    Ok((
        StatusCode::CREATED,
        Json(app::issue_finding(&state, &caller, id, body).await?),
    ))
}

/// Respond to a finding (writers of the developer).
#[utoipa::path(post, path = "/api/v1/submissions/{id}/findings/{fid}/responses",
    params(("id" = Uuid, Path, description = "The id"), ("fid" = Uuid, Path, description = "The finding's id")), tag = "reviews",
    request_body = ResponseIn,
    responses((status = 201, body = ResponseOut), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn respond(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath((id, fid)): ApiPath<(Uuid, Uuid)>,
    ApiJson(body): ApiJson<ResponseIn>,
) -> ApiResult<(StatusCode, Json<ResponseOut>)> {
    Ok((
        StatusCode::CREATED,
        Json(app::respond(&state, &caller, id, fid, body).await?),
    ))
}

/// Conclude the review (writers of the assigned agencies). Records whether it
/// concluded in time; never blocks a release.
#[utoipa::path(post, path = "/api/v1/submissions/{id}/conclude",
    params(("id" = Uuid, Path, description = "The id")), tag = "reviews", request_body = ConcludeIn,
    responses((status = 200, body = SubmissionOut), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn conclude(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<ConcludeIn>,
) -> ApiResult<Json<SubmissionOut>> {
    Ok(Json(app::conclude(&state, &caller, id, body).await?))
}

/// Change the planned dates (the developer's writers, while the review is
/// open). The change is kept with its reason and published as
/// `submission.rescheduled`; the window and its reminders follow the new date.
#[utoipa::path(post, path = "/api/v1/submissions/{id}/dates",
    params(("id" = Uuid, Path, description = "The id")), tag = "reviews", request_body = RescheduleIn,
    responses((status = 200, body = SubmissionOut), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn reschedule(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<RescheduleIn>,
) -> ApiResult<Json<SubmissionOut>> {
    Ok(Json(app::reschedule(&state, &caller, id, body).await?))
}
