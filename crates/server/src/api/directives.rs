//! Binding Operational Directives over HTTP: the directive versions kept
//! and loading a new one (its TOML as the body), and the operator's
//! setting of an agency's place under them. The use cases are
//! [`bulwark_app::directives`]'s and [`bulwark_app::identity`]'s.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use bulwark_app::directives::{self, DirectiveOut, LoadOut};
use bulwark_app::identity::{self, DirectiveProfileIn, OrganizationOut};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::bodies::RawBytes;
use crate::extract::{ApiJson, ApiPath, ApiQuery, Caller};
use crate::problem::{ApiError, ApiResult, Kind, Problem};
use crate::state::AppState;

/// The media types a directive's TOML may be sent as: TOML's own, and
/// plain text for clients (curl) that know no other.
const TOML_TYPES: [&str; 2] = ["application/toml", "text/plain"];

/// The directive's text, when it was declared as TOML or plain text and
/// is UTF-8.
fn toml_text<'a>(headers: &HeaderMap, body: &'a [u8]) -> ApiResult<&'a str> {
    let declared = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(str::trim);
    if !declared.is_some_and(|m| TOML_TYPES.iter().any(|t| m.eq_ignore_ascii_case(t))) {
        return Err(ApiError::new(
            Kind::UnsupportedMediaType,
            "send the directive's TOML as application/toml (or text/plain)",
        ));
    }
    std::str::from_utf8(body).map_err(|e| {
        ApiError::malformed(format!(
            "the directive is not UTF-8 (byte {})",
            e.valid_up_to()
        ))
    })
}

/// Every directive version kept, in load order, each saying whether it is
/// in force.
#[utoipa::path(get, path = "/api/v1/directives",
    operation_id = "directives_list", tag = "directives",
    responses((status = 200, body = Vec<DirectiveOut>), (status = 401, body = Problem)))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
) -> ApiResult<Json<Vec<DirectiveOut>>> {
    Ok(Json(directives::list(&state, &caller.principal).await?))
}

/// Load a directive version (TOML, as documented in docs/directives.md): the
/// issuer's writers and the operator's admins. Every system it binds is
/// re-evaluated. 201 when new, 200 when the same text was loaded before.
#[utoipa::path(post, path = "/api/v1/directives",
    operation_id = "directives_load", tag = "directives",
    request_body(description = "The directive's TOML (sent as application/toml; text/plain is \
        taken too, for clients that know no other).",
        content((inline(RawBytes) = "application/toml"))),
    responses((status = 201, body = LoadOut, description = "a new version, now kept"),
        (status = 200, body = LoadOut, description = "the same text was loaded before; nothing changed"),
        (status = 400, body = Problem, description = "not UTF-8"),
        (status = 403, body = Problem), (status = 409, body = Problem),
        (status = 413, body = Problem), (status = 415, body = Problem),
        (status = 422, body = Problem, description = "the directive does not load; `reason` names the rule, fact or line")))]
pub async fn load(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<(StatusCode, Json<LoadOut>)> {
    let text = toml_text(&headers, &body)?;
    let out = directives::load(&state, &caller, text).await?;
    let status = if out.new {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(out)))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct VersionQuery {
    /// A version kept (default: the one loaded last).
    pub version: Option<String>,
}

/// A directive version and its TOML as loaded.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct DirectiveSourceOut {
    pub directive: DirectiveOut,
    /// The TOML text exactly as it was loaded.
    pub source: String,
}

/// One directive version with its TOML.
#[utoipa::path(get, path = "/api/v1/directives/{id}",
    operation_id = "directives_get_one", tag = "directives",
    params(("id" = String, Path, description = "The directive's id, e.g. `BOD-26-04`"), VersionQuery),
    responses((status = 200, body = DirectiveSourceOut), (status = 400, body = Problem),
        (status = 404, body = Problem)))]
pub async fn get_one(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
    ApiQuery(q): ApiQuery<VersionQuery>,
) -> ApiResult<Json<DirectiveSourceOut>> {
    let (directive, source) =
        directives::get(&state, &caller.principal, &id, q.version.as_deref()).await?;
    Ok(Json(DirectiveSourceOut { directive, source }))
}

/// Set an agency's track, whether it issues the directives, and its time
/// zone (the operator's admins).
#[utoipa::path(put, path = "/api/v1/organizations/{id}/directive-profile",
    operation_id = "set_directive_profile", tag = "directives",
    params(("id" = Uuid, Path, description = "The organization's id")),
    request_body = DirectiveProfileIn,
    responses((status = 200, body = OrganizationOut), (status = 400, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 422, body = Problem)))]
pub async fn set_profile(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<DirectiveProfileIn>,
) -> ApiResult<Json<OrganizationOut>> {
    Ok(Json(
        identity::set_directive_profile(&state, &caller, id, body).await?,
    ))
}
