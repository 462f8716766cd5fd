//! Subscribed CSAF providers: the HTTP face of
//! [`bulwark_app::csaf_sources`]. The clearinghouse's writers subscribe to
//! other providers' provider-metadata.json or ROLIE feeds, which the
//! scheduler then reads on each source's interval; they list, show,
//! change, remove and run the sources. A run by hand reads the provider
//! during the request (over HTTPS, [`crate::fetch::plain`]) and answers how
//! it went.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use bulwark_app::csaf_sources::{
    self, CsafSourceDetail, CsafSourceIn, CsafSourceList, CsafSourceOut, CsafSourcePatch,
};
use uuid::Uuid;

use crate::extract::{ApiJson, ApiPath, Caller};
use crate::problem::{ApiResult, Problem};
use crate::state::AppState;

/// Subscribe to a CSAF provider: its provider-metadata.json or one ROLIE
/// feed, read every `interval` seconds (6 hours by default), the first
/// time at the scheduler's next pass.
#[utoipa::path(post, path = "/api/v1/csaf/sources",
    operation_id = "csaf_sources_create", tag = "clearinghouse", request_body = CsafSourceIn,
    responses((status = 201, body = CsafSourceOut), (status = 403, body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<CsafSourceIn>,
) -> ApiResult<(StatusCode, Json<CsafSourceOut>)> {
    Ok((
        StatusCode::CREATED,
        Json(csaf_sources::add(&state, &caller, body).await?),
    ))
}

/// The subscribed CSAF providers, oldest first, with their last runs.
#[utoipa::path(get, path = "/api/v1/csaf/sources",
    operation_id = "csaf_sources_list", tag = "clearinghouse",
    responses((status = 200, body = CsafSourceList), (status = 403, body = Problem)))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
) -> ApiResult<Json<CsafSourceList>> {
    Ok(Json(csaf_sources::list(&state, &caller.principal).await?))
}

/// One source, with the documents its last run refused and why.
#[utoipa::path(get, path = "/api/v1/csaf/sources/{id}",
    operation_id = "csaf_sources_get_one", tag = "clearinghouse",
    params(("id" = Uuid, Path)),
    responses((status = 200, body = CsafSourceDetail), (status = 403, body = Problem),
        (status = 404, body = Problem)))]
pub async fn get_one(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<CsafSourceDetail>> {
    Ok(Json(
        csaf_sources::get(&state, &caller.principal, id).await?,
    ))
}

/// Turn a source on or off, or change its interval (the next run is one
/// interval after the last).
#[utoipa::path(patch, path = "/api/v1/csaf/sources/{id}",
    operation_id = "csaf_sources_update", tag = "clearinghouse", request_body = CsafSourcePatch,
    params(("id" = Uuid, Path)),
    responses((status = 200, body = CsafSourceOut), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn update(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<CsafSourcePatch>,
) -> ApiResult<Json<CsafSourceOut>> {
    Ok(Json(csaf_sources::update(&state, &caller, id, body).await?))
}

/// Unsubscribe. The documents the source brought in stay.
#[utoipa::path(delete, path = "/api/v1/csaf/sources/{id}",
    operation_id = "csaf_sources_remove", tag = "clearinghouse",
    params(("id" = Uuid, Path)),
    responses((status = 204), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn remove(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<StatusCode> {
    csaf_sources::remove(&state, &caller, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Run a source now, enabled or not: the provider is read during the
/// request, and the answer is how the run went. 409 while another run of
/// it is under way.
#[utoipa::path(post, path = "/api/v1/csaf/sources/{id}/run",
    operation_id = "csaf_sources_run", tag = "clearinghouse",
    params(("id" = Uuid, Path)),
    responses((status = 200, body = CsafSourceDetail), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn run(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<CsafSourceDetail>> {
    Ok(Json(
        csaf_sources::run(&state, &caller, id, &crate::fetch::plain).await?,
    ))
}
