//! Deconflicted scanning over the API: claims on scan targets and the
//! coverage of a target, the use cases of [`bulwark_app::claims`].
//!
//! A claim on a target somebody else holds is a 409 whose problem document
//! names the holder (organization, technique, expiry) in a `holder`
//! extension member.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use bulwark_app::claims::{ClaimIn, ClaimOut, ClaimedOut, CoverageOut, ReleaseIn, RenewIn};
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::extract::{ApiJson, ApiPath, ApiQuery, Caller};
use crate::problem::{ApiResult, Problem};
use crate::state::AppState;

/// Claim a scan target for your organization, under a lease.
#[utoipa::path(post, path = "/api/v1/claims",
    operation_id = "claims_create", tag = "clearinghouse", request_body = ClaimIn,
    responses((status = 201, body = ClaimedOut),
        (status = 409, body = Problem, description = "held by another claim, named in `holder`"),
        (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<ClaimIn>,
) -> ApiResult<(StatusCode, Json<ClaimedOut>)> {
    let claimed = bulwark_app::claims::create(&state, &caller, body).await?;
    Ok((StatusCode::CREATED, Json(claimed)))
}

/// One claim.
#[utoipa::path(get, path = "/api/v1/claims/{id}",
    operation_id = "claims_get_one",
    params(("id" = Uuid, Path, description = "The id")), tag = "clearinghouse",
    responses((status = 200, body = ClaimOut), (status = 404, body = Problem)))]
pub async fn get_one(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<ClaimOut>> {
    Ok(Json(
        bulwark_app::claims::get(&state, &caller.principal, id).await?,
    ))
}

/// Renew an active claim's lease.
#[utoipa::path(post, path = "/api/v1/claims/{id}/renew",
    params(("id" = Uuid, Path, description = "The id")), tag = "clearinghouse", request_body = RenewIn,
    responses((status = 200, body = ClaimOut), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn renew(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<RenewIn>,
) -> ApiResult<Json<ClaimOut>> {
    Ok(Json(
        bulwark_app::claims::renew(&state, &caller, id, body).await?,
    ))
}

/// Release a claim with what came of it; the target is free at once.
#[utoipa::path(post, path = "/api/v1/claims/{id}/release",
    params(("id" = Uuid, Path, description = "The id")), tag = "clearinghouse", request_body = ReleaseIn,
    responses((status = 200, body = ClaimOut), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn release(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<ReleaseIn>,
) -> ApiResult<Json<ClaimOut>> {
    Ok(Json(
        bulwark_app::claims::release(&state, &caller, id, body).await?,
    ))
}

#[derive(Debug, Deserialize, ToSchema, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct CoverageQuery {
    /// The target, as for a claim.
    pub target: String,
    /// `purl`, `repo` or `cpe`; read from the prefix when absent.
    pub kind: Option<String>,
}

/// Who scanned a target, when, with what.
#[utoipa::path(get, path = "/api/v1/coverage", tag = "clearinghouse", params(CoverageQuery),
    responses((status = 200, body = CoverageOut), (status = 422, body = Problem)))]
pub async fn coverage(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<CoverageQuery>,
) -> ApiResult<Json<CoverageOut>> {
    Ok(Json(
        bulwark_app::claims::coverage(&state, &caller.principal, q.kind.as_deref(), &q.target)
            .await?,
    ))
}
