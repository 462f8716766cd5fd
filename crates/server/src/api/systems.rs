//! Agencies' inventories over HTTP: systems, the SBOMs attached to them and
//! the products without a package URL. The use cases are
//! [`bulwark_app::directives::systems`]'s; a system the caller may not
//! read is "not found", so nobody learns what another agency runs.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use bulwark_app::directives::systems::{
    self, ChangeOut, ProductIn, SystemIn, SystemOut, SystemPatch, SystemView,
};
use serde::Deserialize;
use uuid::Uuid;

use super::List;
use crate::extract::{ApiJson, ApiPath, ApiQuery, Caller, PageParams, parse_json};
use crate::problem::{ApiError, ApiResult, Kind, Problem};
use crate::state::AppState;

/// The systems the caller may read: its agency's, or for the directives'
/// issuer every system its directives bind.
#[utoipa::path(get, path = "/api/v1/systems",
    operation_id = "systems_list", tag = "directives", params(PageParams),
    responses((status = 200, body = List<SystemOut>), (status = 400, body = Problem)))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(p): ApiQuery<PageParams>,
) -> ApiResult<Json<List<SystemOut>>> {
    let page = systems::list(&state, &caller.principal, p.to_request()?).await?;
    Ok(Json(List::from_page(page, |s| s)))
}

/// Register a system in the caller's agency (its writers).
#[utoipa::path(post, path = "/api/v1/systems",
    operation_id = "systems_create", tag = "directives", request_body = SystemIn,
    responses((status = 201, body = SystemOut), (status = 400, body = Problem),
        (status = 403, body = Problem), (status = 409, body = Problem),
        (status = 422, body = Problem)))]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<SystemIn>,
) -> ApiResult<(StatusCode, Json<SystemOut>)> {
    Ok((
        StatusCode::CREATED,
        Json(systems::create(&state, &caller, body).await?),
    ))
}

/// One system with its SBOMs and products, and what the caller may do.
#[utoipa::path(get, path = "/api/v1/systems/{id}",
    operation_id = "systems_get_one", tag = "directives",
    params(("id" = Uuid, Path, description = "The system's id")),
    responses((status = 200, body = SystemView), (status = 404, body = Problem)))]
pub async fn get_one(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<SystemView>> {
    Ok(Json(systems::get(&state, &caller.principal, id).await?))
}

/// Change a system's name, flags or owners; a flag the directives read
/// re-evaluates its obligations.
#[utoipa::path(patch, path = "/api/v1/systems/{id}",
    operation_id = "systems_update", tag = "directives",
    params(("id" = Uuid, Path, description = "The system's id")), request_body = SystemPatch,
    responses((status = 200, body = ChangeOut), (status = 400, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 422, body = Problem)))]
pub async fn update(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<SystemPatch>,
) -> ApiResult<Json<ChangeOut>> {
    Ok(Json(systems::update(&state, &caller, id, body).await?))
}

/// Which attached SBOM an upload replaces.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AttachIn {
    /// An SBOM attached now that this one replaces (a new version of the
    /// same software): detached in the same change.
    pub replaces: Option<Uuid>,
}

/// The optional JSON body of an attachment: none at all (or `null`) is
/// "replaces nothing", so `curl -X PUT` needs no body.
fn attach_body(headers: &HeaderMap, body: &[u8]) -> ApiResult<AttachIn> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(AttachIn::default());
    }
    let is_json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|m| m.trim().eq_ignore_ascii_case("application/json"));
    if !is_json {
        return Err(ApiError::new(
            Kind::UnsupportedMediaType,
            "expected Content-Type: application/json (or no body)",
        ));
    }
    parse_json::<Option<AttachIn>>(body).map(Option::unwrap_or_default)
}

/// Attach an SBOM the agency uploaded (`POST /api/v1/sboms`) to the
/// system, optionally replacing another, and re-evaluate the system.
#[utoipa::path(put, path = "/api/v1/systems/{id}/sboms/{sbom}",
    operation_id = "systems_attach_sbom", tag = "directives",
    params(("id" = Uuid, Path, description = "The system's id"),
        ("sbom" = Uuid, Path, description = "The SBOM's id")),
    request_body(content = Option<AttachIn>, description = "Optional: without a body nothing is replaced."),
    responses((status = 200, body = ChangeOut), (status = 400, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 415, body = Problem),
        (status = 422, body = Problem)))]
pub async fn attach_sbom(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath((id, sbom)): ApiPath<(Uuid, Uuid)>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Json<ChangeOut>> {
    let body = attach_body(&headers, &body)?;
    Ok(Json(
        systems::attach_sbom(&state, &caller, id, sbom, body.replaces).await?,
    ))
}

/// Detach an SBOM from the system and re-evaluate it.
#[utoipa::path(delete, path = "/api/v1/systems/{id}/sboms/{sbom}",
    operation_id = "systems_detach_sbom", tag = "directives",
    params(("id" = Uuid, Path, description = "The system's id"),
        ("sbom" = Uuid, Path, description = "The SBOM's id")),
    responses((status = 200, body = ChangeOut), (status = 403, body = Problem),
        (status = 404, body = Problem)))]
pub async fn detach_sbom(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath((id, sbom)): ApiPath<(Uuid, Uuid)>,
) -> ApiResult<Json<ChangeOut>> {
    Ok(Json(systems::detach_sbom(&state, &caller, id, sbom).await?))
}

/// Add a product without a package URL (vendor and product as KEV names
/// them, or a CPE) and re-evaluate the system.
#[utoipa::path(post, path = "/api/v1/systems/{id}/products",
    operation_id = "systems_add_product", tag = "directives",
    params(("id" = Uuid, Path, description = "The system's id")), request_body = ProductIn,
    responses((status = 201, body = ChangeOut), (status = 400, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 422, body = Problem)))]
pub async fn add_product(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<ProductIn>,
) -> ApiResult<(StatusCode, Json<ChangeOut>)> {
    Ok((
        StatusCode::CREATED,
        Json(systems::add_product(&state, &caller, id, body).await?),
    ))
}

/// Remove a product from the system and re-evaluate it.
#[utoipa::path(delete, path = "/api/v1/systems/{id}/products/{product}",
    operation_id = "systems_remove_product", tag = "directives",
    params(("id" = Uuid, Path, description = "The system's id"),
        ("product" = Uuid, Path, description = "The product's id")),
    responses((status = 200, body = ChangeOut), (status = 403, body = Problem),
        (status = 404, body = Problem)))]
pub async fn remove_product(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath((id, product)): ApiPath<(Uuid, Uuid)>,
) -> ApiResult<Json<ChangeOut>> {
    Ok(Json(
        systems::remove_product(&state, &caller, id, product).await?,
    ))
}
