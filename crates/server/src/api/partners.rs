//! Trusted partners and early-access grants: vetting and attestations of
//! partner organizations, grants proposed by developers and decided by the
//! reviewing agencies, and the access check that developers' gateways call.
//!
//! Who may do what is the policy's (`partner.*`, `grant.*`, `access.check`);
//! a grant the caller may not read is a 404, so other developers cannot learn
//! that it exists.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use bulwark_app::resources::{
    grant_resource, model_resource, partner_resource, readable_grant, readable_model,
};
use bulwark_authz::Action;
use bulwark_core::{AttestationKind, GrantScope, GrantState, ParseError, Vetting};
use bulwark_store::{Grant, NewGrant, PartnerStanding};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;

use super::{List, ts};
use crate::extract::{ApiJson, ApiPath, ApiQuery, Caller, PageParams};
use crate::problem::{ApiError, ApiResult, Problem, not_found_as};
use crate::state::AppState;

fn parse<T: std::str::FromStr<Err = ParseError>>(s: &str) -> ApiResult<T> {
    s.parse()
        .map_err(|e: ParseError| ApiError::validation(e.to_string()))
}

async fn standing(state: &AppState, org: Uuid) -> ApiResult<PartnerStanding> {
    state
        .store
        .partner(org)
        .await
        .map_err(not_found_as("partner organization"))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AttestationOut {
    pub id: Uuid,
    /// `confidentiality`, `insider_risk` or `security_controls`.
    pub kind: String,
    pub expires_at: String,
    /// Unexpired now.
    pub valid: bool,
    pub attested_by: Option<Uuid>,
    pub at: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PartnerOut {
    pub org: Uuid,
    /// `pending`, `vetted` or `suspended`.
    pub vetting: String,
    pub vetting_reason: Option<String>,
    pub vetted_by: Option<Uuid>,
    pub updated_at: Option<String>,
    /// Attestation kinds with no unexpired attestation now.
    pub missing_attestations: Vec<String>,
    pub attestations: Vec<AttestationOut>,
}

fn partner_out(p: PartnerStanding, now: OffsetDateTime) -> PartnerOut {
    PartnerOut {
        org: p.org_id,
        vetting: p.vetting.as_str().to_owned(),
        missing_attestations: p
            .missing_attestations(now)
            .iter()
            .map(|k| k.as_str().to_owned())
            .collect(),
        vetting_reason: p.vetting_reason,
        vetted_by: p.vetted_by,
        updated_at: p.updated_at.map(ts),
        attestations: p
            .attestations
            .into_iter()
            .map(|a| AttestationOut {
                id: a.id,
                kind: a.kind.as_str().to_owned(),
                expires_at: ts(a.expires_at),
                valid: a.expires_at > now,
                attested_by: a.attested_by,
                at: ts(a.at),
            })
            .collect(),
    }
}

/// A partner organization's vetting and attestations.
#[utoipa::path(get, path = "/api/v1/partners/{org}", tag = "partners",
    responses((status = 200, body = PartnerOut), (status = 404, body = Problem)))]
pub async fn get_partner(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(org): ApiPath<Uuid>,
) -> ApiResult<Json<PartnerOut>> {
    let p = standing(&state, org).await?;
    state.authorize(
        &caller.principal,
        Action::PartnerRead,
        &partner_resource(&p),
    )?;
    Ok(Json(partner_out(p, state.now())))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VettingIn {
    /// `pending`, `vetted` or `suspended`.
    pub status: String,
    pub reason: Option<String>,
}

/// Set a partner's vetting status (reviewing agencies, operator admins).
#[utoipa::path(put, path = "/api/v1/partners/{org}/vetting", tag = "partners", request_body = VettingIn,
    responses((status = 200, body = PartnerOut), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn set_vetting(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(org): ApiPath<Uuid>,
    ApiJson(body): ApiJson<VettingIn>,
) -> ApiResult<Json<PartnerOut>> {
    let p = standing(&state, org).await?;
    state.authorize(&caller.principal, Action::PartnerVet, &partner_resource(&p))?;
    let status: Vetting = parse(&body.status)?;
    let now = state.now();
    let p = state
        .store
        .set_partner_vetting(&caller.actor, org, status, body.reason.as_deref(), now)
        .await?;
    Ok(Json(partner_out(p, now)))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AttestationIn {
    /// `confidentiality`, `insider_risk` or `security_controls`.
    pub kind: String,
    /// RFC 3339, in the future.
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, example = "2027-01-01T00:00:00Z")]
    pub expires_at: OffsetDateTime,
}

/// Record an attestation for a partner organization (its admins).
#[utoipa::path(post, path = "/api/v1/partners/{org}/attestations", tag = "partners", request_body = AttestationIn,
    responses((status = 201, body = PartnerOut), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn attest(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(org): ApiPath<Uuid>,
    ApiJson(body): ApiJson<AttestationIn>,
) -> ApiResult<(StatusCode, Json<PartnerOut>)> {
    let p = standing(&state, org).await?;
    state.authorize(
        &caller.principal,
        Action::PartnerAttest,
        &partner_resource(&p),
    )?;
    let kind: AttestationKind = parse(&body.kind)?;
    let now = state.now();
    state
        .store
        .add_partner_attestation(&caller.actor, org, kind, body.expires_at, now)
        .await?;
    let p = standing(&state, org).await?;
    Ok((StatusCode::CREATED, Json(partner_out(p, now))))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct GrantOut {
    pub id: Uuid,
    pub model: Uuid,
    pub partner_org: Uuid,
    pub developer_org: Uuid,
    /// `api`, `weights` or `evaluation_only`.
    pub scope: String,
    pub starts_at: String,
    pub ends_at: String,
    pub conditions: String,
    /// What the parties decided: `proposed`, `concurred`, `objected`, `revoked`.
    pub state: String,
    /// Now: `proposed`, `objected`, `revoked`, or for a concurred grant
    /// `pending`, `active` or `expired` by its window.
    pub status: String,
    pub reason: Option<String>,
    pub proposed_by: Option<Uuid>,
    pub decided_by: Option<Uuid>,
    pub created_at: String,
    pub updated_at: String,
}

pub(crate) fn grant_out(g: Grant, now: OffsetDateTime) -> GrantOut {
    GrantOut {
        id: g.id,
        status: g.status(now).as_str().to_owned(),
        model: g.model_id,
        partner_org: g.partner_org,
        developer_org: g.developer_org,
        scope: g.scope.as_str().to_owned(),
        starts_at: ts(g.starts_at),
        ends_at: ts(g.ends_at),
        conditions: g.conditions,
        state: g.state.as_str().to_owned(),
        reason: g.reason,
        proposed_by: g.proposed_by,
        decided_by: g.decided_by,
        created_at: ts(g.created_at),
        updated_at: ts(g.updated_at),
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GrantIn {
    pub model: Uuid,
    pub partner_org: Uuid,
    /// `api`, `weights` or `evaluation_only`.
    pub scope: String,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, example = "2027-01-01T00:00:00Z")]
    pub starts_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, example = "2027-02-01T00:00:00Z")]
    pub ends_at: OffsetDateTime,
    #[serde(default)]
    pub conditions: String,
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
    let model = readable_model(&state, &caller.principal, body.model).await?;
    state.authorize(
        &caller.principal,
        Action::GrantPropose,
        &model_resource(&model),
    )?;
    let scope: GrantScope = parse(&body.scope)?;
    let now = state.now();
    let g = state
        .store
        .propose_grant(
            &caller.actor,
            &NewGrant {
                model_id: model.id,
                partner_org: body.partner_org,
                scope,
                starts_at: body.starts_at,
                ends_at: body.ends_at,
                conditions: body.conditions,
            },
            now,
        )
        .await?;
    Ok((StatusCode::CREATED, Json(grant_out(g, now))))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecisionIn {
    /// Required to object and to revoke.
    pub reason: Option<String>,
}

async fn decide(
    state: AppState,
    caller: Caller,
    id: Uuid,
    to: GrantState,
    body: DecisionIn,
) -> ApiResult<Json<GrantOut>> {
    let g = readable_grant(&state, &caller.principal, id).await?;
    let action = if to == GrantState::Revoked {
        Action::GrantRevoke
    } else {
        Action::GrantDecide
    };
    state.authorize(&caller.principal, action, &grant_resource(&g))?;
    let now = state.now();
    let g = state
        .store
        .decide_grant(&caller.actor, id, to, body.reason.as_deref(), now)
        .await?;
    Ok(Json(grant_out(g, now)))
}

/// Concur with a proposed grant (reviewing agencies).
#[utoipa::path(post, path = "/api/v1/grants/{id}/concur", tag = "partners", request_body = DecisionIn,
    responses((status = 200, body = GrantOut), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn concur(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<DecisionIn>,
) -> ApiResult<Json<GrantOut>> {
    decide(state, caller, id, GrantState::Concurred, body).await
}

/// Object to a proposed grant, with a reason (reviewing agencies).
#[utoipa::path(post, path = "/api/v1/grants/{id}/object", tag = "partners", request_body = DecisionIn,
    responses((status = 200, body = GrantOut), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn object(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<DecisionIn>,
) -> ApiResult<Json<GrantOut>> {
    decide(state, caller, id, GrantState::Objected, body).await
}

/// Revoke a grant, with a reason (the developer or a reviewing agency).
#[utoipa::path(post, path = "/api/v1/grants/{id}/revoke", tag = "partners", request_body = DecisionIn,
    responses((status = 200, body = GrantOut), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn revoke(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<DecisionIn>,
) -> ApiResult<Json<GrantOut>> {
    decide(state, caller, id, GrantState::Revoked, body).await
}

/// A grant, with its status now.
#[utoipa::path(get, path = "/api/v1/grants/{id}", tag = "partners",
    responses((status = 200, body = GrantOut), (status = 404, body = Problem)))]
pub async fn get_grant(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<GrantOut>> {
    let g = readable_grant(&state, &caller.principal, id).await?;
    Ok(Json(grant_out(g, state.now())))
}

/// The grants you may read.
#[utoipa::path(get, path = "/api/v1/grants", tag = "partners", params(PageParams),
    responses((status = 200, body = List<GrantOut>), (status = 401, body = Problem)))]
pub async fn list_grants(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(page): ApiQuery<PageParams>,
) -> ApiResult<Json<List<GrantOut>>> {
    let page = state.store.grants(page.to_request()?).await?;
    let next_cursor = page.next.map(crate::extract::encode_cursor);
    let now = state.now();
    let items = page
        .items
        .into_iter()
        .filter(|g| state.permits(&caller.principal, Action::GrantRead, &grant_resource(g)))
        .map(|g| grant_out(g, now))
        .collect();
    Ok(Json(List { items, next_cursor }))
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

#[derive(Debug, Serialize, ToSchema)]
pub struct AccessOut {
    pub allowed: bool,
    pub reason: String,
    /// The grant that allows it, when allowed.
    pub grant: Option<Uuid>,
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
    let model = readable_model(&state, &caller.principal, q.model).await?;
    state.authorize(
        &caller.principal,
        Action::AccessCheck,
        &model_resource(&model),
    )?;
    let scope: GrantScope = parse(&q.scope)?;
    let answer = state
        .store
        .check_access(&caller.actor, q.partner, model.id, scope, state.now())
        .await?;
    Ok(Json(AccessOut {
        allowed: answer.allowed,
        reason: answer.reason,
        grant: answer.grant,
    }))
}
