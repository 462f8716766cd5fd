//! Clearinghouse intake and cases over the API: the use cases of
//! [`bulwark_app::cases`] (intake, triage, validation, assessment,
//! marking, documents, sources).
//!
//! A case the caller may not read is a 404: an unpatched vulnerability
//! must not be learnt from its case's existence.
//!
//! The body of an intake is spooled to a temporary file up to
//! [`INTAKE_LIMIT`] (hashed on the way) before the use case parses it from
//! there as a stream, so memory stays flat whatever the document's size; a
//! kept document is streamed back piece by piece.

use axum::Json;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::http::StatusCode;
use bulwark_app::cases::{
    AssessmentIn, CaseOut, CaseStateIn, CaseSummary, IntakeOut, MarkingIn, MergeIn, OrgIn,
    QuorumIn, ReceivedDocument, SourcesOut, SplitIn, TaskIn, ValidationIn,
};
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::List;
use super::bodies::{RawBytes, SarifLog};
use crate::extract::{ApiJson, ApiPath, ApiQuery, Caller, PageParams};
use crate::problem::{ApiResult, Problem};
use crate::spool::{self, Spool};
use crate::state::AppState;

pub use crate::state::INTAKE_LIMIT;

#[derive(Debug, Deserialize, ToSchema, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct IntakeQuery {
    /// What the findings are about (a package URL, a repository at a commit,
    /// or a CPE 2.3 name); registered when nobody had. Without it, an
    /// advisory's own package URL is used.
    pub target: Option<String>,
    /// Refuse a document that bends its standard (a SARIF fingerprint that
    /// is not a string, a result without a message, a tool without a name)
    /// instead of repairing it with warnings in the receipt.
    #[serde(default)]
    pub strict: bool,
}

/// A spooled body as the intake use case reads it.
fn received(doc: &Spool) -> ReceivedDocument<'_> {
    ReceivedDocument {
        path: doc.path(),
        sha256: &doc.sha256,
        size: doc.size,
    }
}

/// Submit findings: a SARIF 2.1.0 log, OSV records, a CSAF document or
/// Bulwark's findings JSON, as the raw body (format by `Content-Type`, or by
/// content for `application/json`). Each finding becomes a report, folded
/// into the case of its fingerprint. The body is spooled to disk and parsed
/// as a stream; all or nothing. What tools bend is repaired and listed in
/// the receipt's `warnings` (refused with `strict=true`); SARIF results
/// that are not findings (`pass`, `notApplicable`, `informational`) are
/// counted in `skipped`, not filed.
#[utoipa::path(post, path = "/api/v1/reports", tag = "clearinghouse", params(IntakeQuery),
    request_body(description = "A SARIF log as JSON; or any of the four formats as the bytes of \
        the file, as `application/octet-stream` (the format judged by its content) or under its own \
        media type (`application/osv+json`, `application/csaf+json`, \
        `application/vnd.bulwark.findings+json`).",
        content((SarifLog = "application/sarif+json"), (inline(RawBytes) = "application/octet-stream"))),
    responses((status = 201, body = IntakeOut),
        (status = 400, body = Problem, description = "not a document of its format, or (strict) one that needs a repair; `detail` names the JSON path"),
        (status = 403, body = Problem), (status = 413, body = Problem), (status = 415, body = Problem),
        (status = 422, body = Problem)))]
pub async fn submit(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<IntakeQuery>,
    headers: HeaderMap,
    body: axum::body::Body,
) -> ApiResult<(StatusCode, Json<IntakeOut>)> {
    let ticket = bulwark_app::cases::open_intake(&state, &caller.principal, q.target.as_deref())?
        .strict(q.strict);
    let doc = spool::spool(&state.spool, body, state.settings.intake_limit).await?;
    let media = headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok());
    let out = bulwark_app::cases::ingest(&state, &caller, ticket, media, received(&doc)).await?;
    Ok((StatusCode::CREATED, Json(out)))
}

/// One case with its reports.
#[utoipa::path(get, path = "/api/v1/cases/{id}",
    operation_id = "cases_get_one",
    params(("id" = Uuid, Path, description = "The id")), tag = "clearinghouse",
    responses((status = 200, body = CaseOut), (status = 404, body = Problem)))]
pub async fn get_one(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<CaseOut>> {
    Ok(Json(
        bulwark_app::cases::get(&state, &caller.principal, id).await?,
    ))
}

/// The cases you may read (merged-away duplicates left out).
#[utoipa::path(get, path = "/api/v1/cases",
    operation_id = "cases_list", tag = "clearinghouse", params(PageParams),
    responses((status = 200, body = List<CaseSummary>)))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(page): ApiQuery<PageParams>,
) -> ApiResult<Json<List<CaseSummary>>> {
    let page = bulwark_app::cases::list(&state, &caller.principal, page.to_request()?).await?;
    Ok(Json(List::from_page(page, |c| c)))
}

/// Move a case (the clearinghouse's writers); a move the workflow does not
/// allow is a 409 naming the allowed ones.
#[utoipa::path(post, path = "/api/v1/cases/{id}/transition",
    operation_id = "cases_transition",
    params(("id" = Uuid, Path, description = "The id")), tag = "clearinghouse", request_body = CaseStateIn,
    responses((status = 200, body = CaseOut), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn transition(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<CaseStateIn>,
) -> ApiResult<Json<CaseOut>> {
    Ok(Json(
        bulwark_app::cases::transition(&state, &caller, id, body).await?,
    ))
}

/// Merge another case into this one (the clearinghouse's writers). Refused
/// for two cases once split apart.
#[utoipa::path(post, path = "/api/v1/cases/{id}/merge",
    params(("id" = Uuid, Path, description = "The id")), tag = "clearinghouse", request_body = MergeIn,
    responses((status = 200, body = CaseOut), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn merge(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<MergeIn>,
) -> ApiResult<Json<CaseOut>> {
    Ok(Json(
        bulwark_app::cases::merge(&state, &caller, id, body).await?,
    ))
}

/// Split fingerprints off into a new case (the clearinghouse's writers); the
/// two are never merged again. Answers the new case.
#[utoipa::path(post, path = "/api/v1/cases/{id}/split",
    params(("id" = Uuid, Path, description = "The id")), tag = "clearinghouse", request_body = SplitIn,
    responses((status = 201, body = CaseOut), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn split(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<SplitIn>,
) -> ApiResult<(StatusCode, Json<CaseOut>)> {
    let c = bulwark_app::cases::split(&state, &caller, id, body).await?;
    Ok((StatusCode::CREATED, Json(c)))
}

/// Ask an organization to validate a case (the clearinghouse's writers).
#[utoipa::path(post, path = "/api/v1/cases/{id}/tasks",
    params(("id" = Uuid, Path, description = "The id")), tag = "clearinghouse", request_body = TaskIn,
    responses((status = 204), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn assign(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<TaskIn>,
) -> ApiResult<StatusCode> {
    bulwark_app::cases::assign(&state, &caller, id, body).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Record what your organization found for one of its tasks on a case; the
/// case is validated when its quorum is met.
#[utoipa::path(post, path = "/api/v1/cases/{id}/validations",
    params(("id" = Uuid, Path, description = "The id")), tag = "clearinghouse", request_body = ValidationIn,
    responses((status = 201, body = CaseOut), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn validate(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<ValidationIn>,
) -> ApiResult<(StatusCode, Json<CaseOut>)> {
    let c = bulwark_app::cases::validate(&state, &caller, id, body).await?;
    Ok((StatusCode::CREATED, Json(c)))
}

/// Set what validates a case (the clearinghouse's writers).
#[utoipa::path(put, path = "/api/v1/cases/{id}/quorum",
    params(("id" = Uuid, Path, description = "The id")), tag = "clearinghouse", request_body = QuorumIn,
    responses((status = 200, body = CaseOut), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 422, body = Problem)))]
pub async fn quorum(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<QuorumIn>,
) -> ApiResult<Json<CaseOut>> {
    Ok(Json(
        bulwark_app::cases::quorum(&state, &caller, id, body).await?,
    ))
}

/// Set a case's SSVC assessment (the clearinghouse's writers): the decision
/// points an analyst judged and the CVE the case is about, each optional;
/// it replaces the one the case had (an empty body removes it). Raw values
/// are normalised (`poc` and `Public PoC` are `public_poc`; any case); a
/// value that is not one of the point's is a 400 naming the field (also in
/// the problem's `field` member). Setting the assessment the case already
/// has changes nothing. Answers the case with its assessment and priority.
#[utoipa::path(put, path = "/api/v1/cases/{id}/assessment",
    params(("id" = Uuid, Path, description = "The id")), tag = "clearinghouse", request_body = AssessmentIn,
    responses((status = 200, body = CaseOut),
        (status = 400, body = Problem, description = "a value that is not one of its point's; `field` names it"),
        (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn assess(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<AssessmentIn>,
) -> ApiResult<Json<CaseOut>> {
    Ok(Json(
        bulwark_app::cases::assess(&state, &caller, id, body).await?,
    ))
}

/// How often each source's reports were borne out (the clearinghouse).
#[utoipa::path(get, path = "/api/v1/sources", tag = "clearinghouse",
    responses((status = 200, body = SourcesOut), (status = 403, body = Problem)))]
pub async fn sources(State(state): State<AppState>, caller: Caller) -> ApiResult<Json<SourcesOut>> {
    Ok(Json(
        bulwark_app::cases::sources(&state, &caller.principal).await?,
    ))
}

/// Re-mark a case and set or lift its embargo (the clearinghouse's writers).
/// While an embargo runs only the case's parties may know of it, whatever
/// its marking.
#[utoipa::path(put, path = "/api/v1/cases/{id}/marking",
    params(("id" = Uuid, Path, description = "The id")), tag = "clearinghouse", request_body = MarkingIn,
    responses((status = 200, body = CaseOut), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 422, body = Problem)))]
pub async fn marking(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<MarkingIn>,
) -> ApiResult<Json<CaseOut>> {
    Ok(Json(
        bulwark_app::cases::marking(&state, &caller, id, body).await?,
    ))
}

/// Record that the affected vendor (an organization of kind `vendor`) was
/// notified: it becomes a party to the case (the clearinghouse's writers).
#[utoipa::path(post, path = "/api/v1/cases/{id}/vendor",
    params(("id" = Uuid, Path, description = "The id")), tag = "clearinghouse", request_body = OrgIn,
    responses((status = 200, body = CaseOut), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 422, body = Problem)))]
pub async fn notify_vendor(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<OrgIn>,
) -> ApiResult<Json<CaseOut>> {
    Ok(Json(
        bulwark_app::cases::notify_vendor(&state, &caller, id, body).await?,
    ))
}

/// Name an organization participant in a case, so that it may read it (the
/// clearinghouse's writers).
#[utoipa::path(post, path = "/api/v1/cases/{id}/participants",
    params(("id" = Uuid, Path, description = "The id")), tag = "clearinghouse", request_body = OrgIn,
    responses((status = 204), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 422, body = Problem)))]
pub async fn add_participant(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<OrgIn>,
) -> ApiResult<StatusCode> {
    bulwark_app::cases::add_participant(&state, &caller, id, body).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A kept intake document (or validation evidence), as it was sent, streamed
/// piece by piece. Its senders and the clearinghouse may read it; every read
/// is audited.
#[utoipa::path(get, path = "/api/v1/documents/{sha256}",
    params(("sha256" = String, Path, description = "The document's SHA-256 (hex)")), tag = "clearinghouse",
    responses((status = 200, content_type = "application/octet-stream", body = inline(RawBytes),
            description = "The document's bytes as they were sent, with the media type they were sent as"),
        (status = 404, body = Problem)))]
pub async fn document(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(sha256): ApiPath<String>,
) -> ApiResult<axum::response::Response> {
    use axum::response::IntoResponse;
    let doc = bulwark_app::cases::document(&state, &caller, &sha256).await?;
    let (media_type, size, pieces) = (doc.info.media_type.clone(), doc.info.size, doc.pieces());
    let stream = futures_util::stream::unfold(0u64, move |seq| {
        let doc = doc.clone();
        async move {
            if seq >= pieces {
                return None;
            }
            let piece = doc
                .piece(seq)
                .await
                .map_err(|e| std::io::Error::other(e.to_string()));
            Some((piece, seq + 1))
        }
    });
    Ok((
        [
            (axum::http::header::CONTENT_TYPE, media_type),
            (axum::http::header::CONTENT_LENGTH, size.to_string()),
        ],
        axum::body::Body::from_stream(stream),
    )
        .into_response())
}
