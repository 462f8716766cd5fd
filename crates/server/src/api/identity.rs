//! Organizations, users and API tokens: the HTTP face of
//! [`bulwark_app::identity`], which decides and writes.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use bulwark_app::identity::{
    self, IssuedTokenOut, MeOut, NewOrganizationIn, NewTokenIn, NewUserIn, OrganizationOut,
    PasswordIn, TokenOut, UserOut, UserPatchIn,
};
use uuid::Uuid;

use super::List;
use crate::extract::{ApiJson, ApiPath, ApiQuery, Caller, PageParams};
use crate::problem::{ApiResult, Problem};
use crate::state::AppState;

/// Who am I?
#[utoipa::path(get, path = "/api/v1/me", tag = "identity",
    responses((status = 200, body = MeOut), (status = 401, body = Problem)))]
pub async fn me(caller: Caller) -> Json<MeOut> {
    Json(identity::me(&caller.principal))
}

/// The directory of organizations in the program.
#[utoipa::path(get, path = "/api/v1/organizations", tag = "identity", params(PageParams),
    responses((status = 200, body = List<OrganizationOut>), (status = 401, body = Problem)))]
pub async fn list_organizations(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(page): ApiQuery<PageParams>,
) -> ApiResult<Json<List<OrganizationOut>>> {
    let page = identity::list_organizations(&state, &caller.principal, page.to_request()?).await?;
    Ok(Json(List::from_page(page, |o| o)))
}

/// Admit an organization to the program (operator administrators).
#[utoipa::path(post, path = "/api/v1/organizations", tag = "identity", request_body = NewOrganizationIn,
    responses((status = 201, body = OrganizationOut), (status = 400, body = Problem), (status = 403, body = Problem),
              (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn create_organization(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<NewOrganizationIn>,
) -> ApiResult<(StatusCode, Json<OrganizationOut>)> {
    Ok((
        StatusCode::CREATED,
        Json(identity::create_organization(&state, &caller, body).await?),
    ))
}

#[utoipa::path(get, path = "/api/v1/organizations/{id}",
    params(("id" = Uuid, Path, description = "The id")), tag = "identity",
    responses((status = 200, body = OrganizationOut), (status = 404, body = Problem)))]
pub async fn get_organization(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<OrganizationOut>> {
    Ok(Json(
        identity::get_organization(&state, &caller.principal, id).await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/organizations/{id}/users", tag = "identity", params(("id" = Uuid, Path, description = "The id"), PageParams),
    responses((status = 200, body = List<UserOut>), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn list_users(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
    ApiQuery(page): ApiQuery<PageParams>,
) -> ApiResult<Json<List<UserOut>>> {
    let page = identity::list_users(&state, &caller.principal, id, page.to_request()?).await?;
    Ok(Json(List::from_page(page, |u| u)))
}

#[utoipa::path(post, path = "/api/v1/organizations/{id}/users",
    params(("id" = Uuid, Path, description = "The id")), tag = "identity", request_body = NewUserIn,
    responses((status = 201, body = UserOut), (status = 403, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn create_user(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<NewUserIn>,
) -> ApiResult<(StatusCode, Json<UserOut>)> {
    Ok((
        StatusCode::CREATED,
        Json(identity::create_user(&state, &caller, id, body).await?),
    ))
}

#[utoipa::path(get, path = "/api/v1/users/{id}",
    params(("id" = Uuid, Path, description = "The id")), tag = "identity",
    responses((status = 200, body = UserOut), (status = 404, body = Problem)))]
pub async fn get_user(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<UserOut>> {
    Ok(Json(
        identity::get_user(&state, &caller.principal, id).await?,
    ))
}

/// Change a user's display name, roles, or disable it (its tokens stop working at once).
#[utoipa::path(patch, path = "/api/v1/users/{id}",
    params(("id" = Uuid, Path, description = "The id")), tag = "identity", request_body = UserPatchIn,
    responses((status = 200, body = UserOut), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn update_user(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<UserPatchIn>,
) -> ApiResult<Json<UserOut>> {
    Ok(Json(
        identity::update_user(&state, &caller, id, body).await?,
    ))
}

/// Set the password used to sign in to the web pages.
#[utoipa::path(put, path = "/api/v1/users/{id}/password",
    params(("id" = Uuid, Path, description = "The id")), tag = "identity", request_body = PasswordIn,
    responses((status = 204), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn set_password(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<PasswordIn>,
) -> ApiResult<StatusCode> {
    identity::set_password(&state, &caller, id, body).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(get, path = "/api/v1/users/{id}/tokens", tag = "identity", params(("id" = Uuid, Path, description = "The id"), PageParams),
    responses((status = 200, body = List<TokenOut>), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn list_tokens(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
    ApiQuery(page): ApiQuery<PageParams>,
) -> ApiResult<Json<List<TokenOut>>> {
    let page = identity::list_tokens(&state, &caller.principal, id, page.to_request()?).await?;
    Ok(Json(List::from_page(page, |t| t)))
}

/// Issue an API token. The response carries the secret; it is not stored and cannot be shown again.
#[utoipa::path(post, path = "/api/v1/users/{id}/tokens",
    params(("id" = Uuid, Path, description = "The id")), tag = "identity", request_body = NewTokenIn,
    responses((status = 201, body = IssuedTokenOut), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn issue_token(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<NewTokenIn>,
) -> ApiResult<(StatusCode, Json<IssuedTokenOut>)> {
    Ok((
        StatusCode::CREATED,
        Json(identity::issue_token(&state, &caller, id, body).await?),
    ))
}

/// Revoke a token: it is refused from the next request on.
#[utoipa::path(delete, path = "/api/v1/tokens/{id}",
    params(("id" = Uuid, Path, description = "The id")), tag = "identity",
    responses((status = 200, body = TokenOut), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn revoke_token(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<TokenOut>> {
    Ok(Json(identity::revoke_token(&state, &caller, id).await?))
}
