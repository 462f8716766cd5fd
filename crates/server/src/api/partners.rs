//! Trusted partners and early-access grants over HTTP: the use cases are
//! `bulwark_app::partners`; these handlers only translate.
//!
//! Who may do what is the policy's (`partner.*`, `grant.*`, `access.check`);
//! a grant the caller may not read is a 404, so other developers cannot learn
//! that it exists.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use bulwark_app::partners::{
    self as app, AccessOut, AttestationIn, DecisionIn, GrantIn, GrantOut, PartnerOut, VettingIn,
};
use serde::Deserialize;
use uuid::Uuid;

use super::List;
use crate::extract::{ApiJson, ApiPath, ApiQuery, Caller, PageParams};
use crate::problem::{ApiResult, Problem};
use crate::state::AppState;

/// A partner organization's vetting and attestations.
#[utoipa::path(get, path = "/api/v1/partners/{org}",
    params(("org" = Uuid, Path, description = "The organization's id")), tag = "partners",
    responses((status = 200, body = PartnerOut), (status = 404, body = Problem)))]
pub async fn get_partner(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(org): ApiPath<Uuid>,
) -> ApiResult<Json<PartnerOut>> {
    Ok(Json(app::partner(&state, &caller.principal, org).await?))
}

/// Set a partner's vetting status (reviewing agencies, operator admins).
#[utoipa::path(put, path = "/api/v1/partners/{org}/vetting",
    params(("org" = Uuid, Path, description = "The organization's id")), tag = "partners", request_body = VettingIn,
    responses((status = 200, body = PartnerOut), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn set_vetting(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(org): ApiPath<Uuid>,
    ApiJson(body): ApiJson<VettingIn>,
) -> ApiResult<Json<PartnerOut>> {
    Ok(Json(app::set_vetting(&state, &caller, org, body).await?))
}

/// Record an attestation for a partner organization (its admins).
#[utoipa::path(post, path = "/api/v1/partners/{org}/attestations",
    params(("org" = Uuid, Path, description = "The organization's id")), tag = "partners", request_body = AttestationIn,
    responses((status = 201, body = PartnerOut), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn attest(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(org): ApiPath<Uuid>,
    ApiJson(body): ApiJson<AttestationIn>,
) -> ApiResult<(StatusCode, Json<PartnerOut>)> {
    Ok((
        StatusCode::CREATED,
        Json(app::attest(&state, &caller, org, body).await?),
    ))
}

/// Propose early access to one of your models for a trusted partner.
#[utoipa::path(post, path = "/api/v1/grants", tag = "partners", request_body = GrantIn,
    responses((status = 201, body = GrantOut), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn propose(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<GrantIn>,
) -> ApiResult<(StatusCode, Json<GrantOut>)> {
    Ok((
        StatusCode::CREATED,
        Json(app::propose(&state, &caller, body).await?),
    ))
}

/// Concur with a proposed grant (reviewing agencies).
#[utoipa::path(post, path = "/api/v1/grants/{id}/concur",
    params(("id" = Uuid, Path, description = "The id")), tag = "partners", request_body = DecisionIn,
    responses((status = 200, body = GrantOut), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn concur(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<DecisionIn>,
) -> ApiResult<Json<GrantOut>> {
    Ok(Json(app::concur(&state, &caller, id, body).await?))
}

/// Object to a proposed grant, with a reason (reviewing agencies).
#[utoipa::path(post, path = "/api/v1/grants/{id}/object",
    params(("id" = Uuid, Path, description = "The id")), tag = "partners", request_body = DecisionIn,
    responses((status = 200, body = GrantOut), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn object(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<DecisionIn>,
) -> ApiResult<Json<GrantOut>> {
    Ok(Json(app::object(&state, &caller, id, body).await?))
}

/// Revoke a grant, with a reason (the developer or a reviewing agency).
#[utoipa::path(post, path = "/api/v1/grants/{id}/revoke",
    params(("id" = Uuid, Path, description = "The id")), tag = "partners", request_body = DecisionIn,
    responses((status = 200, body = GrantOut), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn revoke(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<DecisionIn>,
) -> ApiResult<Json<GrantOut>> {
    Ok(Json(app::revoke(&state, &caller, id, body).await?))
}

/// A grant, with its status now.
#[utoipa::path(get, path = "/api/v1/grants/{id}",
    params(("id" = Uuid, Path, description = "The id")), tag = "partners",
    responses((status = 200, body = GrantOut), (status = 404, body = Problem)))]
pub async fn get_grant(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<GrantOut>> {
    Ok(Json(app::grant(&state, &caller.principal, id).await?))
}

/// The grants you may read.
#[utoipa::path(get, path = "/api/v1/grants", tag = "partners", params(PageParams),
    responses((status = 200, body = List<GrantOut>), (status = 401, body = Problem)))]
pub async fn list_grants(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(page): ApiQuery<PageParams>,
) -> ApiResult<Json<List<GrantOut>>> {
    let page = app::list_grants(&state, &caller.principal, page.to_request()?).await?;
    Ok(Json(List::from_page(page, |g| g)))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AccessParams {
    /// The partner organization's id.
    pub partner: Uuid,
    /// The model's id.
    pub model: Uuid,
    /// `api`, `weights` or `evaluation_only`.
    pub scope: String,
}

/// May partner P use model M now, for scope S? For the model owner's
/// gateways; every call is audit-logged with its answer.
#[utoipa::path(get, path = "/api/v1/access-check", tag = "partners", params(AccessParams),
    responses((status = 200, body = AccessOut), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn access_check(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<AccessParams>,
) -> ApiResult<Json<AccessOut>> {
    Ok(Json(
        app::access_check(&state, &caller, q.partner, q.model, &q.scope).await?,
    ))
}
