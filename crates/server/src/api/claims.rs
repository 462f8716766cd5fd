//! Deconflicted scanning: claims on scan targets and the coverage of a
//! target.
//!
//! A claim on a target somebody else holds is a 409 whose problem document
//! names the holder (organization, technique, expiry) in a `holder`
//! extension member, unless the claimant asks for `overlap`: then both
//! claims stand and the answer lists the others as `alongside`. Who may
//! claim, renew, release and see outcomes is the policy's (`claim.*`,
//! `coverage.read`).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use bulwark_app::resources::claim_resource;
use bulwark_authz::{Action, Resource};
use bulwark_core::{ClaimOutcome, ParseError, Principal, Target, TargetKind};
use bulwark_store::{ClaimAttempt, DEFAULT_CLAIM_LEASE, NewClaim, ScanClaim};
use serde::{Deserialize, Serialize};
use time::Duration;
use utoipa::ToSchema;
use uuid::Uuid;

use super::ts;
use crate::extract::{ApiJson, ApiPath, ApiQuery, Caller};
use crate::problem::{ApiError, ApiResult, Kind, Problem, not_found_as};
use crate::state::AppState;

fn parse<T: std::str::FromStr<Err = ParseError>>(s: &str) -> ApiResult<T> {
    s.parse()
        .map_err(|e: ParseError| ApiError::validation(e.to_string()))
}

/// A target given as `kind` and `target`, or as `target` alone with the
/// kind read from its prefix (`pkg:`, `cpe:`, else a repository).
fn target(kind: Option<&str>, locator: &str) -> ApiResult<Target> {
    let parsed = match kind {
        Some(k) => Target::parse(parse::<TargetKind>(k)?, locator),
        None => locator.parse(),
    };
    parsed.map_err(|e| ApiError::validation(e.to_string()))
}

fn lease(days: Option<u32>) -> Duration {
    days.map_or(DEFAULT_CLAIM_LEASE, |d| Duration::days(i64::from(d)))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ClaimOut {
    pub id: Uuid,
    /// `purl`, `repo` or `cpe`.
    pub target_kind: String,
    /// The canonical name of the target.
    pub target: String,
    pub org: Uuid,
    pub org_name: String,
    pub technique: String,
    pub tool: Option<String>,
    pub model_name: Option<String>,
    pub model_version: Option<String>,
    /// Holds the target; false for a claim made beside the holder on purpose.
    pub exclusive: bool,
    pub active: bool,
    pub created_at: String,
    pub expires_at: String,
    pub released_at: Option<String>,
    /// `findings`, `nothing_found` or `abandoned`; shown to the claimant
    /// organization and the operator only.
    pub outcome: Option<String>,
    pub findings: Option<i64>,
    pub note: Option<String>,
}

async fn claim_out(state: &AppState, who: &Principal, c: ScanClaim) -> ApiResult<ClaimOut> {
    let org_name = state.store.organization(c.org_id).await?.name;
    let outcome_shown = state.permits(who, Action::ClaimReadOutcome, &claim_resource(&c));
    let active = c.is_active(state.now());
    Ok(ClaimOut {
        id: c.id,
        target_kind: c.target.kind().as_str().to_owned(),
        target: c.target.locator().to_owned(),
        org: c.org_id,
        org_name,
        technique: c.technique.as_str().to_owned(),
        tool: c.tool,
        model_name: c.model_name,
        model_version: c.model_version,
        exclusive: c.exclusive,
        active,
        created_at: ts(c.created_at),
        expires_at: ts(c.expires_at),
        released_at: c.released_at.map(ts),
        outcome: c
            .outcome
            .filter(|_| outcome_shown)
            .map(|o| o.as_str().to_owned()),
        findings: c.findings.filter(|_| outcome_shown),
        note: c.note.filter(|_| outcome_shown),
    })
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClaimIn {
    /// `purl`, `repo` or `cpe`; read from the target's prefix when absent.
    pub target_kind: Option<String>,
    /// A package URL (`pkg:npm/lodash@4.17.21`), a repository at a commit
    /// (`https://host/repo@1a2b3c4`) or a CPE 2.3 name.
    pub target: String,
    /// `fuzzing`, `static_analysis`, `ai_agent` or `manual_review`.
    pub technique: String,
    pub tool: Option<String>,
    /// Required for `ai_agent`: the model that drives the agent.
    pub model_name: Option<String>,
    pub model_version: Option<String>,
    /// The lease, in days (default 7, at most 30); renew to keep it.
    pub lease_days: Option<u32>,
    /// Stand beside an active holder on purpose (e.g. another technique)
    /// instead of being refused.
    #[serde(default)]
    pub overlap: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ClaimedOut {
    pub claim: ClaimOut,
    /// The other active claims on the target.
    pub alongside: Vec<ClaimOut>,
}

/// Claim a scan target for your organization, under a lease.
#[utoipa::path(post, path = "/api/v1/claims", tag = "clearinghouse", request_body = ClaimIn,
    responses((status = 201, body = ClaimedOut),
        (status = 409, body = Problem, description = "held by another claim, named in `holder`"),
        (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<ClaimIn>,
) -> ApiResult<(StatusCode, Json<ClaimedOut>)> {
    let who = &caller.principal;
    state.authorize(
        who,
        Action::ClaimCreate,
        &crate::state::own_org_resource(who),
    )?;
    let new = NewClaim {
        org_id: who.org_id,
        target: target(body.target_kind.as_deref(), &body.target)?,
        technique: parse(&body.technique)?,
        tool: body.tool,
        model_name: body.model_name,
        model_version: body.model_version,
        lease: lease(body.lease_days),
        overlap: body.overlap,
    };
    match state
        .store
        .claim_target(&caller.actor, &new, state.now())
        .await?
    {
        ClaimAttempt::Claimed { claim, alongside } => {
            let claim = claim_out(&state, who, claim).await?;
            let mut others = Vec::new();
            for c in alongside {
                others.push(claim_out(&state, who, c).await?);
            }
            Ok((
                StatusCode::CREATED,
                Json(ClaimedOut {
                    claim,
                    alongside: others,
                }),
            ))
        }
        ClaimAttempt::Refused { holder } => {
            let holder = claim_out(&state, who, holder).await?;
            Err(ApiError::new(
                Kind::Conflict,
                format!(
                    "{} is claimed by {} ({}) until {}; ask for overlap to scan it beside them",
                    holder.target, holder.org_name, holder.technique, holder.expires_at
                ),
            )
            .with_extension(
                "holder",
                serde_json::to_value(&holder).map_err(|_| ApiError::internal())?,
            ))
        }
    }
}

/// One claim.
#[utoipa::path(get, path = "/api/v1/claims/{id}", tag = "clearinghouse",
    responses((status = 200, body = ClaimOut), (status = 404, body = Problem)))]
pub async fn get_one(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<ClaimOut>> {
    state.authorize(&caller.principal, Action::CoverageRead, &Resource::Program)?;
    let c = state
        .store
        .scan_claim(id)
        .await
        .map_err(not_found_as("claim"))?;
    Ok(Json(claim_out(&state, &caller.principal, c).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RenewIn {
    /// Days from now (default 7, at most 30).
    pub lease_days: Option<u32>,
}

/// Renew an active claim's lease.
#[utoipa::path(post, path = "/api/v1/claims/{id}/renew", tag = "clearinghouse", request_body = RenewIn,
    responses((status = 200, body = ClaimOut), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn renew(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<RenewIn>,
) -> ApiResult<Json<ClaimOut>> {
    let c = updatable(&state, &caller.principal, id).await?;
    let c = state
        .store
        .renew_claim(&caller.actor, c.id, lease(body.lease_days), state.now())
        .await?;
    Ok(Json(claim_out(&state, &caller.principal, c).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReleaseIn {
    /// `findings`, `nothing_found` or `abandoned`.
    pub outcome: String,
    /// How many findings, for `findings`.
    pub findings: Option<i64>,
    /// What was done (harnesses, hours, configuration).
    pub note: Option<String>,
}

/// Release a claim with what came of it; the target is free at once.
#[utoipa::path(post, path = "/api/v1/claims/{id}/release", tag = "clearinghouse", request_body = ReleaseIn,
    responses((status = 200, body = ClaimOut), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn release(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<ReleaseIn>,
) -> ApiResult<Json<ClaimOut>> {
    let c = updatable(&state, &caller.principal, id).await?;
    let outcome: ClaimOutcome = parse(&body.outcome)?;
    let c = state
        .store
        .release_claim(
            &caller.actor,
            c.id,
            outcome,
            body.findings,
            body.note.as_deref(),
            state.now(),
        )
        .await?;
    Ok(Json(claim_out(&state, &caller.principal, c).await?))
}

/// A claim the principal may renew or release.
async fn updatable(state: &AppState, who: &Principal, id: Uuid) -> ApiResult<ScanClaim> {
    state.authorize(who, Action::CoverageRead, &Resource::Program)?;
    let c = state
        .store
        .scan_claim(id)
        .await
        .map_err(not_found_as("claim"))?;
    state.authorize(who, Action::ClaimUpdate, &claim_resource(&c))?;
    Ok(c)
}

#[derive(Debug, Deserialize, ToSchema, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct CoverageQuery {
    /// The target, as for a claim.
    pub target: String,
    /// `purl`, `repo` or `cpe`; read from the prefix when absent.
    pub kind: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CoverageOut {
    pub target_kind: String,
    pub target: String,
    /// Whether an active claim holds the target now.
    pub held: bool,
    /// Every claim ever made on it, newest first: who scanned it, when, with
    /// what, and (for your own claims) what came of it.
    pub claims: Vec<ClaimOut>,
}

/// Who scanned a target, when, with what.
#[utoipa::path(get, path = "/api/v1/coverage", tag = "clearinghouse", params(CoverageQuery),
    responses((status = 200, body = CoverageOut), (status = 422, body = Problem)))]
pub async fn coverage(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<CoverageQuery>,
) -> ApiResult<Json<CoverageOut>> {
    state.authorize(&caller.principal, Action::CoverageRead, &Resource::Program)?;
    let t = target(q.kind.as_deref(), &q.target)?;
    let now = state.now();
    let mut claims = Vec::new();
    let mut held = false;
    for c in state.store.coverage(&t).await? {
        held |= c.exclusive && c.is_active(now);
        claims.push(claim_out(&state, &caller.principal, c).await?);
    }
    Ok(Json(CoverageOut {
        target_kind: t.kind().as_str().to_owned(),
        target: t.locator().to_owned(),
        held,
        claims,
    }))
}
