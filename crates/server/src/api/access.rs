//! Programs and agencies' access to the catalogue's tools over HTTP
//! (issue 20, item 3): the use cases are `bulwark_app::tools::programs`
//! and `bulwark_app::tools::access`; these handlers only translate.
//!
//! A request the caller may not read is a 404: an agency cannot learn that
//! another agency asked for anything.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use bulwark_app::tools::access::{
    self, AccessAnswerIn, AccessDecisionIn, AccessFilter, AccessRequestIn, AccessRequestOut,
    RevokeIn,
};
use bulwark_app::tools::programs::{self, ProgramIn, ProgramOut};
use serde::Deserialize;
use uuid::Uuid;

use super::List;
use crate::extract::{ApiJson, ApiPath, ApiQuery, Caller};
use crate::problem::{ApiResult, Problem};
use crate::state::AppState;

/// Every program, by name.
#[utoipa::path(get, path = "/api/v1/programs", tag = "tools",
    operation_id = "programs_list",
    responses((status = 200, body = List<ProgramOut>), (status = 403, body = Problem)))]
pub async fn list_programs(
    State(state): State<AppState>,
    caller: Caller,
) -> ApiResult<Json<List<ProgramOut>>> {
    // A handful of programs: one page, no cursor.
    Ok(Json(List {
        items: programs::list(&state, &caller.principal).await?,
        next_cursor: None,
    }))
}

/// Create a program (the program office, CISA).
#[utoipa::path(post, path = "/api/v1/programs", tag = "tools", request_body = ProgramIn,
    operation_id = "programs_create",
    responses((status = 201, body = ProgramOut), (status = 403, body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn create_program(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<ProgramIn>,
) -> ApiResult<(StatusCode, Json<ProgramOut>)> {
    Ok((
        StatusCode::CREATED,
        Json(programs::create(&state, &caller, &body).await?),
    ))
}

/// A program.
#[utoipa::path(get, path = "/api/v1/programs/{id}", tag = "tools",
    operation_id = "programs_get",
    params(("id" = Uuid, Path, description = "The program's id")),
    responses((status = 200, body = ProgramOut), (status = 404, body = Problem)))]
pub async fn get_program(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<ProgramOut>> {
    Ok(Json(programs::get(&state, &caller.principal, id).await?))
}

/// Rewrite a program's terms (the program office).
#[utoipa::path(put, path = "/api/v1/programs/{id}", tag = "tools", request_body = ProgramIn,
    operation_id = "programs_update",
    params(("id" = Uuid, Path, description = "The program's id")),
    responses((status = 200, body = ProgramOut), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn update_program(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<ProgramIn>,
) -> ApiResult<Json<ProgramOut>> {
    Ok(Json(programs::update(&state, &caller, id, &body).await?))
}

/// The filters of the list of access requests.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AccessParams {
    /// The requesting agency.
    pub agency: Option<Uuid>,
    pub program: Option<Uuid>,
    pub tool: Option<Uuid>,
    /// `requested`, `approved`, `active`, `denied`, `revoked` or `expired`.
    pub status: Option<String>,
}

/// The access requests you may read: an agency its own, the program office
/// and the operator all, a provider or developer those for its tools.
#[utoipa::path(get, path = "/api/v1/access-requests", tag = "tools",
    operation_id = "access_requests_list", params(AccessParams),
    responses((status = 200, body = List<AccessRequestOut>), (status = 422, body = Problem)))]
pub async fn list_requests(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<AccessParams>,
) -> ApiResult<Json<List<AccessRequestOut>>> {
    let filter = AccessFilter {
        agency: q.agency,
        program: q.program,
        tool: q.tool,
        status: q.status,
    };
    // Every request the caller may read, one page: an agency's requests
    // number in the tens.
    Ok(Json(List {
        items: access::list(&state, &caller.principal, &filter).await?,
        next_cursor: None,
    }))
}

/// Ask for a tool under a program (an agency's writers). Every check runs
/// first: a refusal names the field and writes nothing.
#[utoipa::path(post, path = "/api/v1/access-requests", tag = "tools",
    operation_id = "access_requests_create", request_body = AccessRequestIn,
    responses((status = 201, body = AccessRequestOut), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn create_request(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<AccessRequestIn>,
) -> ApiResult<(StatusCode, Json<AccessRequestOut>)> {
    Ok((
        StatusCode::CREATED,
        Json(access::request(&state, &caller, &body).await?),
    ))
}

/// An access request.
#[utoipa::path(get, path = "/api/v1/access-requests/{id}", tag = "tools",
    operation_id = "access_requests_get",
    params(("id" = Uuid, Path, description = "The request's id")),
    responses((status = 200, body = AccessRequestOut), (status = 404, body = Problem)))]
pub async fn get_request(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<AccessRequestOut>> {
    Ok(Json(access::get(&state, &caller.principal, id).await?))
}

/// Approve or deny a request (the program office). For a covered frontier
/// model the approval proposes the early-access grant and waits for the
/// developer.
#[utoipa::path(post, path = "/api/v1/access-requests/{id}/decision", tag = "tools",
    operation_id = "access_requests_decide", request_body = AccessDecisionIn,
    params(("id" = Uuid, Path, description = "The request's id")),
    responses((status = 200, body = AccessRequestOut), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn decide(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<AccessDecisionIn>,
) -> ApiResult<Json<AccessRequestOut>> {
    Ok(Json(access::decide(&state, &caller, id, &body).await?))
}

/// Accept or decline an approved request for a covered frontier model (its
/// developer): decides the early-access grant with it.
#[utoipa::path(post, path = "/api/v1/access-requests/{id}/answer", tag = "tools",
    operation_id = "access_requests_answer", request_body = AccessAnswerIn,
    params(("id" = Uuid, Path, description = "The request's id")),
    responses((status = 200, body = AccessRequestOut), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn answer(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<AccessAnswerIn>,
) -> ApiResult<Json<AccessRequestOut>> {
    Ok(Json(access::answer(&state, &caller, id, &body).await?))
}

/// End access at once, with its early-access grant (the agency, the program
/// office or the developer).
#[utoipa::path(post, path = "/api/v1/access-requests/{id}/revoke", tag = "tools",
    operation_id = "access_requests_revoke", request_body = RevokeIn,
    params(("id" = Uuid, Path, description = "The request's id")),
    responses((status = 200, body = AccessRequestOut), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn revoke(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<RevokeIn>,
) -> ApiResult<Json<AccessRequestOut>> {
    Ok(Json(access::revoke(&state, &caller, id, &body).await?))
}
