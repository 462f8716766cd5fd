//! Advisory notices over the API: the caller's organization's notices
//! (each names the advisory, the organization's own affected components and
//! the fix), marking one read, and per published advisory how far it
//! reaches (counts; names only where the policy allows). The use cases are
//! [`bulwark_app::notices`]'s. Another organization's notice is a 404.

use axum::Json;
use axum::extract::State;
use bulwark_app::notices::{self, ExposureOut, NoticeOut};
use uuid::Uuid;

use super::List;
use crate::extract::{ApiPath, ApiQuery, Caller, PageParams};
use crate::problem::{ApiResult, Problem};
use crate::state::AppState;

/// The caller's organization's notices, newest first.
#[utoipa::path(get, path = "/api/v1/notices",
    operation_id = "notices_list", tag = "advisories", params(PageParams),
    responses((status = 200, body = List<NoticeOut>), (status = 400, body = Problem),
        (status = 403, body = Problem)))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(p): ApiQuery<PageParams>,
) -> ApiResult<Json<List<NoticeOut>>> {
    let page = notices::list(&state, &caller.principal, p.to_request()?).await?;
    Ok(Json(List::from_page(page, |n| n)))
}

/// One notice of the caller's organization.
#[utoipa::path(get, path = "/api/v1/notices/{id}",
    operation_id = "notices_get_one", tag = "advisories",
    params(("id" = Uuid, Path, description = "The notice's id")),
    responses((status = 200, body = NoticeOut), (status = 404, body = Problem)))]
pub async fn get_one(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<NoticeOut>> {
    Ok(Json(notices::get(&state, &caller.principal, id).await?))
}

/// Marks a notice of the caller's organization read (its writers).
#[utoipa::path(post, path = "/api/v1/notices/{id}/read",
    operation_id = "notices_mark_read", tag = "advisories",
    params(("id" = Uuid, Path, description = "The notice's id")),
    responses((status = 200, body = NoticeOut), (status = 403, body = Problem),
        (status = 404, body = Problem)))]
pub async fn mark_read(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<NoticeOut>> {
    Ok(Json(notices::mark_read(&state, &caller, id).await?))
}

/// How many organizations and components a released or published advisory
/// affects (the operator and the directives' issuer); which organizations,
/// only where the policy's `notice.read_names` allows (no one by default).
#[utoipa::path(get, path = "/api/v1/publications/{advisory_id}/exposure",
    operation_id = "publications_exposure", tag = "advisories",
    params(("advisory_id" = Uuid, Path, description = "The advisory's id")),
    responses((status = 200, body = ExposureOut), (status = 403, body = Problem),
        (status = 404, body = Problem, description = "no such advisory has notified anyone")))]
pub async fn exposure(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(advisory_id): ApiPath<Uuid>,
) -> ApiResult<Json<ExposureOut>> {
    Ok(Json(
        notices::exposure(&state, &caller.principal, advisory_id).await?,
    ))
}
