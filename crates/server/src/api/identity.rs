//! Organizations, users and API tokens.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use bulwark_app::resources::readable_user;
use bulwark_authz::{Action, Resource};
use bulwark_core::{OrgKind, PrincipalKind, Role, RoleSet, Sector};
use bulwark_store::{NewOrganization, NewUser, Organization, TokenInfo, User, UserUpdate};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;

use super::{List, ts};
use crate::extract::{ApiJson, ApiPath, ApiQuery, Caller, PageParams};
use crate::problem::{ApiError, ApiResult, Problem, not_found_as};
use crate::state::{AppState, hash_password, new_token, org_resource, user_resource};

#[derive(Debug, Serialize, ToSchema)]
pub struct OrganizationOut {
    pub id: Uuid,
    pub name: String,
    /// agency, developer, partner, vendor, researcher or operator.
    #[schema(value_type = String, example = "vendor")]
    pub kind: OrgKind,
    /// One of the 16 CISA critical-infrastructure sectors, snake_case.
    #[schema(value_type = Option<String>, example = "energy")]
    pub sector: Option<Sector>,
    /// A reviewing agency (Treasury, NSA, CISA): writes benchmark sets, reviews models.
    pub reviewing: bool,
    pub created_at: String,
}

impl From<Organization> for OrganizationOut {
    fn from(o: Organization) -> Self {
        OrganizationOut {
            id: o.id,
            name: o.name,
            kind: o.kind,
            sector: o.sector,
            reviewing: o.reviewing,
            created_at: ts(o.created_at),
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewOrganizationIn {
    pub name: String,
    #[schema(value_type = String, example = "partner")]
    pub kind: OrgKind,
    /// Required for partners.
    #[schema(value_type = Option<String>, example = "water_and_wastewater_systems")]
    #[serde(default)]
    pub sector: Option<Sector>,
    /// Mark an agency as a reviewing agency (default false).
    #[serde(default)]
    pub reviewing: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UserOut {
    pub id: Uuid,
    pub org_id: Uuid,
    pub username: String,
    pub display_name: String,
    /// human or service.
    #[schema(value_type = String, example = "human")]
    pub kind: PrincipalKind,
    #[schema(value_type = Vec<String>, example = json!(["analyst"]))]
    pub roles: RoleSet,
    pub disabled: bool,
    pub has_password: bool,
    pub created_at: String,
}

impl From<User> for UserOut {
    fn from(u: User) -> Self {
        UserOut {
            id: u.id,
            org_id: u.org_id,
            username: u.username,
            display_name: u.display_name,
            kind: u.kind,
            roles: u.roles,
            disabled: u.disabled,
            has_password: u.has_password,
            created_at: ts(u.created_at),
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUserIn {
    pub username: String,
    pub display_name: String,
    /// human (default) or service.
    #[schema(value_type = Option<String>, example = "service")]
    #[serde(default = "human")]
    pub kind: PrincipalKind,
    #[schema(value_type = Vec<String>, example = json!(["analyst"]))]
    #[serde(default)]
    pub roles: Vec<Role>,
}

fn human() -> PrincipalKind {
    PrincipalKind::Human
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserPatchIn {
    pub display_name: Option<String>,
    #[schema(value_type = Option<Vec<String>>)]
    pub roles: Option<Vec<Role>>,
    pub disabled: Option<bool>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordIn {
    pub password: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TokenOut {
    pub id: Uuid,
    pub user_id: Uuid,
    pub name: String,
    pub created_at: String,
    pub expires_at: Option<String>,
    pub revoked_at: Option<String>,
    pub last_used_at: Option<String>,
}

impl From<TokenInfo> for TokenOut {
    fn from(t: TokenInfo) -> Self {
        TokenOut {
            id: t.id,
            user_id: t.user_id,
            name: t.name,
            created_at: ts(t.created_at),
            expires_at: t.expires_at.map(ts),
            revoked_at: t.revoked_at.map(ts),
            last_used_at: t.last_used_at.map(ts),
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewTokenIn {
    pub name: String,
    /// RFC 3339; absent means the token does not expire.
    #[serde(default, with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, example = "2027-01-01T00:00:00Z")]
    pub expires_at: Option<OffsetDateTime>,
}

/// A new token: the secret is shown here once and never again.
#[derive(Serialize, ToSchema)]
pub struct IssuedTokenOut {
    pub token: String,
    #[serde(flatten)]
    pub info: TokenOut,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MeOut {
    pub user_id: Uuid,
    pub username: String,
    #[schema(value_type = String)]
    pub kind: PrincipalKind,
    #[schema(value_type = Vec<String>)]
    pub roles: RoleSet,
    pub org_id: Uuid,
    pub org_name: String,
    #[schema(value_type = String)]
    pub org_kind: OrgKind,
    pub org_reviewing: bool,
}

async fn known_org(state: &AppState, id: Uuid) -> ApiResult<Organization> {
    state
        .store
        .organization(id)
        .await
        .map_err(not_found_as("organization"))
}

/// Who am I?
#[utoipa::path(get, path = "/api/v1/me", tag = "identity",
    responses((status = 200, body = MeOut), (status = 401, body = Problem)))]
pub async fn me(caller: Caller) -> Json<MeOut> {
    let p = caller.0.principal;
    Json(MeOut {
        user_id: p.user_id,
        username: p.username,
        kind: p.kind,
        roles: p.roles,
        org_id: p.org_id,
        org_name: p.org_name,
        org_kind: p.org_kind,
        org_reviewing: p.org_reviewing,
    })
}

/// The directory of organizations in the program.
#[utoipa::path(get, path = "/api/v1/organizations", tag = "identity", params(PageParams),
    responses((status = 200, body = List<OrganizationOut>), (status = 401, body = Problem)))]
pub async fn list_organizations(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(page): ApiQuery<PageParams>,
) -> ApiResult<Json<List<OrganizationOut>>> {
    state.authorize(
        &caller.principal,
        Action::OrganizationList,
        &Resource::Program,
    )?;
    let page = state.store.organizations(page.to_request()?).await?;
    Ok(Json(List::from_page(page, OrganizationOut::from)))
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
    state.authorize(
        &caller.principal,
        Action::OrganizationCreate,
        &Resource::Program,
    )?;
    let org = state
        .store
        .create_organization(
            &caller.actor,
            &NewOrganization {
                name: body.name,
                kind: body.kind,
                sector: body.sector,
                reviewing: body.reviewing,
            },
            state.now(),
        )
        .await?;
    Ok((StatusCode::CREATED, Json(org.into())))
}

#[utoipa::path(get, path = "/api/v1/organizations/{id}", tag = "identity",
    responses((status = 200, body = OrganizationOut), (status = 404, body = Problem)))]
pub async fn get_organization(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<OrganizationOut>> {
    let org = known_org(&state, id).await?;
    if !state.permits(
        &caller.principal,
        Action::OrganizationRead,
        &org_resource(&org),
    ) {
        return Err(ApiError::not_found("organization"));
    }
    Ok(Json(org.into()))
}

#[utoipa::path(get, path = "/api/v1/organizations/{id}/users", tag = "identity", params(PageParams),
    responses((status = 200, body = List<UserOut>), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn list_users(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
    ApiQuery(page): ApiQuery<PageParams>,
) -> ApiResult<Json<List<UserOut>>> {
    let org = known_org(&state, id).await?;
    state.authorize(&caller.principal, Action::UserList, &org_resource(&org))?;
    let page = state.store.users(org.id, page.to_request()?).await?;
    Ok(Json(List::from_page(page, UserOut::from)))
}

#[utoipa::path(post, path = "/api/v1/organizations/{id}/users", tag = "identity", request_body = NewUserIn,
    responses((status = 201, body = UserOut), (status = 403, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn create_user(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<NewUserIn>,
) -> ApiResult<(StatusCode, Json<UserOut>)> {
    let org = known_org(&state, id).await?;
    state.authorize(&caller.principal, Action::UserCreate, &org_resource(&org))?;
    let user = state
        .store
        .create_user(
            &caller.actor,
            &NewUser {
                org_id: org.id,
                username: body.username,
                display_name: body.display_name,
                kind: body.kind,
                roles: RoleSet::new(body.roles),
            },
            state.now(),
        )
        .await?;
    Ok((StatusCode::CREATED, Json(user.into())))
}

#[utoipa::path(get, path = "/api/v1/users/{id}", tag = "identity",
    responses((status = 200, body = UserOut), (status = 404, body = Problem)))]
pub async fn get_user(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<UserOut>> {
    Ok(Json(
        readable_user(&state, &caller.principal, id).await?.into(),
    ))
}

/// Change a user's display name, roles, or disable it (its tokens stop working at once).
#[utoipa::path(patch, path = "/api/v1/users/{id}", tag = "identity", request_body = UserPatchIn,
    responses((status = 200, body = UserOut), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn update_user(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<UserPatchIn>,
) -> ApiResult<Json<UserOut>> {
    let user = readable_user(&state, &caller.principal, id).await?;
    state.authorize(&caller.principal, Action::UserUpdate, &user_resource(&user))?;
    let change = UserUpdate {
        display_name: body.display_name,
        roles: body.roles.map(RoleSet::new),
        disabled: body.disabled,
    };
    Ok(Json(
        state
            .store
            .update_user(&caller.actor, id, &change, state.now())
            .await?
            .into(),
    ))
}

/// Set the password used to sign in to the web pages.
#[utoipa::path(put, path = "/api/v1/users/{id}/password", tag = "identity", request_body = PasswordIn,
    responses((status = 204), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn set_password(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<PasswordIn>,
) -> ApiResult<StatusCode> {
    let user = readable_user(&state, &caller.principal, id).await?;
    state.authorize(
        &caller.principal,
        Action::UserSetPassword,
        &user_resource(&user),
    )?;
    let hash = hash_password(body.password).await?;
    state
        .store
        .set_password_hash(&caller.actor, id, &hash, state.now())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(get, path = "/api/v1/users/{id}/tokens", tag = "identity", params(PageParams),
    responses((status = 200, body = List<TokenOut>), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn list_tokens(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
    ApiQuery(page): ApiQuery<PageParams>,
) -> ApiResult<Json<List<TokenOut>>> {
    let user = readable_user(&state, &caller.principal, id).await?;
    state.authorize(&caller.principal, Action::TokenList, &user_resource(&user))?;
    let page = state.store.tokens(id, page.to_request()?).await?;
    Ok(Json(List::from_page(page, TokenOut::from)))
}

/// Issue an API token. The response carries the secret; it is not stored and cannot be shown again.
#[utoipa::path(post, path = "/api/v1/users/{id}/tokens", tag = "identity", request_body = NewTokenIn,
    responses((status = 201, body = IssuedTokenOut), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn issue_token(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<NewTokenIn>,
) -> ApiResult<(StatusCode, Json<IssuedTokenOut>)> {
    let user = readable_user(&state, &caller.principal, id).await?;
    state.authorize(&caller.principal, Action::TokenIssue, &user_resource(&user))?;
    let token = new_token()?;
    let info = state
        .store
        .issue_token(
            &caller.actor,
            id,
            &body.name,
            &token.hash(),
            body.expires_at,
            state.now(),
        )
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(IssuedTokenOut {
            token: token.expose().to_owned(),
            info: info.into(),
        }),
    ))
}

/// Revoke a token: it is refused from the next request on.
#[utoipa::path(delete, path = "/api/v1/tokens/{id}", tag = "identity",
    responses((status = 200, body = TokenOut), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn revoke_token(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<TokenOut>> {
    let token = state.store.token(id).await.map_err(not_found_as("token"))?;
    let resource = bulwark_app::resources::token_resource(&token);
    if !state.permits(&caller.principal, Action::TokenRevoke, &resource) {
        return Err(ApiError::not_found("token"));
    }
    Ok(Json(
        state
            .store
            .revoke_token(&caller.actor, id, state.now())
            .await?
            .into(),
    ))
}
