//! The catalogue of AI-enabled defensive tools over HTTP: the use cases are
//! `bulwark_app::tools`; these handlers only translate.
//!
//! Providers describe their tools and submit them; the program office
//! (CISA) approves or rejects them; everyone in the program lists what is
//! approved. An entry the caller may not read is a 404.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use bulwark_app::tools::scorecards::{self, ToolEvidenceOut};
use bulwark_app::tools::{
    self as app, Catalogue, SendCheckOut, ToolDecisionIn, ToolFilter, ToolIn, ToolOut,
    ToolWithdrawIn, VersionIn,
};
use uuid::Uuid;

use crate::extract::{ApiJson, ApiPath, ApiQuery, Caller};
use crate::problem::{ApiResult, Problem};
use crate::state::AppState;

/// Describe a tool your organization provides; it starts as a draft.
#[utoipa::path(post, path = "/api/v1/tools", operation_id = "tools_create", tag = "tools", request_body = ToolIn,
    responses((status = 201, body = ToolOut), (status = 403, body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<ToolIn>,
) -> ApiResult<(StatusCode, Json<ToolOut>)> {
    Ok((
        StatusCode::CREATED,
        Json(app::create(&state, &caller, &body).await?),
    ))
}

/// The catalogue: every entry you may read (approved ones for everyone;
/// drafts and submissions for their provider and the program office),
/// filtered, by name, with counts by state and kind.
#[utoipa::path(get, path = "/api/v1/tools", operation_id = "tools_list", tag = "tools", params(ToolFilter),
    responses((status = 200, body = Catalogue), (status = 400, body = Problem),
        (status = 422, body = Problem)))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(filter): ApiQuery<ToolFilter>,
) -> ApiResult<Json<Catalogue>> {
    Ok(Json(app::list(&state, &caller.principal, &filter).await?))
}

/// One entry with its versions.
#[utoipa::path(get, path = "/api/v1/tools/{id}", operation_id = "tools_get_one", tag = "tools",
    params(("id" = Uuid, Path)),
    responses((status = 200, body = ToolOut), (status = 404, body = Problem)))]
pub async fn get_one(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<ToolOut>> {
    Ok(Json(app::get(&state, &caller.principal, id).await?))
}

/// Rewrite an entry (its provider's writers). A change to what an approved
/// tool may receive, where it runs or how it reports sends it back to the
/// program office.
#[utoipa::path(put, path = "/api/v1/tools/{id}", operation_id = "tools_update", tag = "tools", request_body = ToolIn,
    params(("id" = Uuid, Path)),
    responses((status = 200, body = ToolOut), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 409, body = Problem),
        (status = 422, body = Problem)))]
pub async fn update(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<ToolIn>,
) -> ApiResult<Json<ToolOut>> {
    Ok(Json(app::update(&state, &caller, id, &body).await?))
}

/// Send a draft or a rejected entry to the program office.
#[utoipa::path(post, path = "/api/v1/tools/{id}/submit", operation_id = "tools_submit", tag = "tools",
    params(("id" = Uuid, Path)),
    responses((status = 200, body = ToolOut), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn submit(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<ToolOut>> {
    Ok(Json(app::submit(&state, &caller, id).await?))
}

/// Approve or reject a submitted entry (the program office's writers).
#[utoipa::path(post, path = "/api/v1/tools/{id}/decision", operation_id = "tools_decide", tag = "tools",
    request_body = ToolDecisionIn, params(("id" = Uuid, Path)),
    responses((status = 200, body = ToolOut), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 409, body = Problem),
        (status = 422, body = Problem)))]
pub async fn decide(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<ToolDecisionIn>,
) -> ApiResult<Json<ToolOut>> {
    Ok(Json(app::decide(&state, &caller, id, &body).await?))
}

/// Take an entry out of the catalogue (its provider or the program office).
#[utoipa::path(post, path = "/api/v1/tools/{id}/withdraw", operation_id = "tools_withdraw", tag = "tools",
    request_body = ToolWithdrawIn, params(("id" = Uuid, Path)),
    responses((status = 200, body = ToolOut), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn withdraw(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<ToolWithdrawIn>,
) -> ApiResult<Json<ToolOut>> {
    Ok(Json(app::withdraw(&state, &caller, id, &body).await?))
}

/// Reopen a withdrawn entry as a draft (its provider).
#[utoipa::path(post, path = "/api/v1/tools/{id}/reopen", operation_id = "tools_reopen", tag = "tools",
    params(("id" = Uuid, Path)),
    responses((status = 200, body = ToolOut), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn reopen(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<ToolOut>> {
    Ok(Json(app::reopen(&state, &caller, id).await?))
}

/// List a version of the tool (its provider); the entry's state stays.
#[utoipa::path(post, path = "/api/v1/tools/{id}/versions", operation_id = "tools_add_version", tag = "tools",
    request_body = VersionIn, params(("id" = Uuid, Path)),
    responses((status = 201, body = ToolOut), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 409, body = Problem),
        (status = 422, body = Problem)))]
pub async fn add_version(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<VersionIn>,
) -> ApiResult<(StatusCode, Json<ToolOut>)> {
    Ok((
        StatusCode::CREATED,
        Json(app::add_version(&state, &caller, id, &body).await?),
    ))
}

/// May this case be sent to this tool? The policy decides from the tool's
/// approved limits and the case's marking and embargo, whatever else the
/// caller knows. Both must be readable by the caller (else 404).
#[utoipa::path(get, path = "/api/v1/tools/{id}/may-receive/{case}", operation_id = "tools_may_receive", tag = "tools",
    params(("id" = Uuid, Path), ("case" = Uuid, Path)),
    responses((status = 200, body = SendCheckOut), (status = 404, body = Problem)))]
pub async fn may_receive(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath((id, case)): ApiPath<(Uuid, Uuid)>,
) -> ApiResult<Json<SendCheckOut>> {
    Ok(Json(
        app::may_receive_case(&state, &caller.principal, id, case).await?,
    ))
}

/// What the clearinghouse has seen of a tool: its scorecards (every version
/// together, each version: findings sent, validated, rejected, duplicates,
/// found first, patches accepted, claims and what came of them, each rate
/// with its 95% Wilson interval), its weekly history and the median time
/// from claim to validated finding; for a frontier model, its evaluation
/// scores beside them. Aggregates only.
#[utoipa::path(get, path = "/api/v1/tools/{id}/evidence", operation_id = "tools_evidence", tag = "tools",
    params(("id" = Uuid, Path)),
    responses((status = 200, body = ToolEvidenceOut), (status = 404, body = Problem)))]
pub async fn evidence(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<ToolEvidenceOut>> {
    Ok(Json(
        scorecards::evidence(&state, &caller.principal, id).await?,
    ))
}
