//! Remediation on a case over the API: the use cases of
//! [`bulwark_app::cases::patches`]. A vendor fix, a workaround or a
//! mitigation is sent as JSON; a patch as the file itself (`text/x-diff`
//! or `text/x-patch`) with what comes with it in the query. A patch that
//! is not a diff is a 422 naming its line (`line`), and nothing is kept.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::IntoResponse;
use bulwark_app::ErrorKind as Kind;
use bulwark_app::cases::patches::{
    self, PatchIn, PatchQuorumIn, PatchTaskIn, PatchValidationIn, RemediationIn, RemediationOut,
    RemediationsOut,
};
use uuid::Uuid;

use super::bodies::RawBytes;
use crate::extract::{ApiJson, ApiPath, ApiQuery, Caller, parse_json};
use crate::problem::{ApiError, ApiResult, Problem};
use crate::state::AppState;

/// The largest body the submission reads: a patch file at its limit.
pub const REMEDIATION_BODY_LIMIT: usize = bulwark_store::MAX_PATCH_BYTES;

/// Submit a remediation artefact to a case: a vendor fix, workaround or
/// mitigation as JSON (`RemediationIn`), or a patch as the bytes of the
/// file (a unified diff or a `git format-patch` mail) under `text/x-diff`
/// or `text/x-patch`, with the query parameters for its summary, author and
/// the tool and AI model that wrote it (ignored for JSON). A patch is read
/// before it is kept: one that is not a diff is refused naming the line.
#[utoipa::path(post, path = "/api/v1/cases/{id}/remediations",
    operation_id = "remediations_submit", tag = "clearinghouse",
    params(("id" = Uuid, Path, description = "The case"), PatchIn),
    request_body(description = "A vendor fix, workaround or mitigation as JSON; or a patch file \
        as its bytes.",
        content((RemediationIn = "application/json"), (inline(RawBytes) = "text/x-diff"),
            (inline(RawBytes) = "text/x-patch"))),
    responses((status = 201, body = RemediationOut),
        (status = 400, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 409, body = Problem),
        (status = 413, body = Problem), (status = 415, body = Problem),
        (status = 422, body = Problem, description = "not a diff (`line` names where), or a field out of bounds")))]
pub async fn submit(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
    ApiQuery(meta): ApiQuery<PatchIn>,
    headers: HeaderMap,
    body: axum::body::Body,
) -> ApiResult<(StatusCode, Json<RemediationOut>)> {
    let media = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|m| m.trim().to_ascii_lowercase())
        .unwrap_or_default();
    let is_json = media == "application/json";
    if !is_json && !patches::PATCH_MEDIA_TYPES.contains(&media.as_str()) {
        return Err(ApiError::new(
            Kind::UnsupportedMediaType,
            "expected Content-Type: application/json (a vendor fix, workaround or mitigation), text/x-diff or text/x-patch (a patch file)",
        ));
    }
    let bytes = axum::body::to_bytes(body, REMEDIATION_BODY_LIMIT)
        .await
        .map_err(|_| {
            ApiError::new(
                Kind::PayloadTooLarge,
                format!("a remediation is at most {REMEDIATION_BODY_LIMIT} bytes"),
            )
        })?;
    let out = if is_json {
        let body: RemediationIn = parse_json(&bytes)?;
        patches::submit(&state, &caller, id, body).await?
    } else {
        patches::submit_patch(&state, &caller, id, meta, &media, bytes.to_vec()).await?
    };
    Ok((StatusCode::CREATED, Json(out)))
}

/// A case's remediation artefacts, with each patch's tasks, validations
/// and standing against the case's patch quorum.
#[utoipa::path(get, path = "/api/v1/cases/{id}/remediations",
    operation_id = "remediations_list", tag = "clearinghouse",
    params(("id" = Uuid, Path, description = "The case")),
    responses((status = 200, body = RemediationsOut), (status = 404, body = Problem)))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<RemediationsOut>> {
    Ok(Json(patches::list(&state, &caller.principal, id).await?))
}

/// One remediation artefact of a case.
#[utoipa::path(get, path = "/api/v1/cases/{id}/remediations/{remediation}",
    operation_id = "remediations_get_one", tag = "clearinghouse",
    params(("id" = Uuid, Path, description = "The case"),
        ("remediation" = Uuid, Path, description = "The remediation")),
    responses((status = 200, body = RemediationOut), (status = 404, body = Problem)))]
pub async fn get_one(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath((id, remediation)): ApiPath<(Uuid, Uuid)>,
) -> ApiResult<Json<RemediationOut>> {
    Ok(Json(
        patches::get(&state, &caller.principal, id, remediation).await?,
    ))
}

/// A patch file as it was sent (the read is audited).
#[utoipa::path(get, path = "/api/v1/cases/{id}/remediations/{remediation}/patch",
    operation_id = "remediations_patch_file", tag = "clearinghouse",
    params(("id" = Uuid, Path, description = "The case"),
        ("remediation" = Uuid, Path, description = "The patch")),
    responses((status = 200, content_type = "text/x-diff", body = inline(RawBytes),
            description = "The patch's bytes as they were sent, under the media type they were sent as (text/x-diff or text/x-patch)"),
        (status = 404, body = Problem)))]
pub async fn patch_file(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath((id, remediation)): ApiPath<(Uuid, Uuid)>,
) -> ApiResult<axum::response::Response> {
    let (media, bytes) = patches::patch_file(&state, &caller, id, remediation).await?;
    Ok((
        [
            (header::CONTENT_TYPE, media),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_owned()),
        ],
        bytes,
    )
        .into_response())
}

/// Ask an organization (never the patch's submitter's) to check a patch:
/// all three checks unless `checks` names some. It becomes a party to the
/// case.
#[utoipa::path(post, path = "/api/v1/cases/{id}/remediations/{remediation}/tasks",
    operation_id = "remediations_assign", tag = "clearinghouse",
    params(("id" = Uuid, Path, description = "The case"),
        ("remediation" = Uuid, Path, description = "The patch")),
    request_body = PatchTaskIn,
    responses((status = 200, body = RemediationOut), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn assign(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath((id, remediation)): ApiPath<(Uuid, Uuid)>,
    ApiJson(body): ApiJson<PatchTaskIn>,
) -> ApiResult<Json<RemediationOut>> {
    Ok(Json(
        patches::assign(&state, &caller, id, remediation, body).await?,
    ))
}

/// Record what your organization found for one of its checks of a patch;
/// the patch is accepted when the case's patch quorum is met.
#[utoipa::path(post, path = "/api/v1/cases/{id}/remediations/{remediation}/validations",
    operation_id = "remediations_validate", tag = "clearinghouse",
    params(("id" = Uuid, Path, description = "The case"),
        ("remediation" = Uuid, Path, description = "The patch")),
    request_body = PatchValidationIn,
    responses((status = 200, body = RemediationOut), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn validate(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath((id, remediation)): ApiPath<(Uuid, Uuid)>,
    ApiJson(body): ApiJson<PatchValidationIn>,
) -> ApiResult<Json<RemediationOut>> {
    Ok(Json(
        patches::validate(&state, &caller, id, remediation, body).await?,
    ))
}

/// Set how many independent organizations must pass a patch on every
/// check; proposed patches that now meet it are accepted.
#[utoipa::path(put, path = "/api/v1/cases/{id}/patch-quorum",
    operation_id = "remediations_quorum", tag = "clearinghouse",
    params(("id" = Uuid, Path, description = "The case")),
    request_body = PatchQuorumIn,
    responses((status = 200, body = RemediationsOut), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn quorum(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<PatchQuorumIn>,
) -> ApiResult<Json<RemediationsOut>> {
    Ok(Json(patches::set_quorum(&state, &caller, id, body).await?))
}
