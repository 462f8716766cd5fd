//! Advisories the clearinghouse writes from its cases, over the API: the
//! use cases of [`bulwark_app::publications`]. Under `/api/v1/publications`
//! because `/api/v1/advisories` are the imported OSV advisories.
//!
//! An advisory the caller may not read is a 404, as its case is: before it
//! is public it is read as its case (the parties only while embargoed).

use axum::Json;
use axum::extract::State;
use axum::http::header::CONTENT_TYPE;
use axum::response::{IntoResponse, Response};
use bulwark_app::publications::{
    self, DraftIn, EditIn, Form, ListQuery, PreviewOut, PublicationOut, PublicationSummary,
    PublishIn, QueueCounts, RevisionOut, TransitionIn,
};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::bodies::RawBytes;
use crate::extract::{ApiJson, ApiPath, ApiQuery, Caller};
use crate::problem::{ApiResult, Problem};
use crate::state::AppState;

/// The publication queue's advisories and how many are in each stage.
#[derive(Debug, Serialize, ToSchema)]
pub struct PublicationList {
    pub items: Vec<PublicationSummary>,
    /// Over every advisory the caller may read, whatever the filters.
    pub counts: QueueCounts,
}

/// Draft the advisory of a validated case (the clearinghouse's writers):
/// content from the case, its reports, the assessment's CVE and its stored
/// record, crediting the first reporter; status draft, revision 1. A 409
/// when the case is not validated or has an advisory.
#[utoipa::path(post, path = "/api/v1/cases/{id}/advisory",
    params(("id" = Uuid, Path, description = "The case")), tag = "clearinghouse", request_body = DraftIn,
    responses((status = 201, body = PublicationOut), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn draft(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<DraftIn>,
) -> ApiResult<(axum::http::StatusCode, Json<PublicationOut>)> {
    let out = publications::draft(&state, &caller, id, body).await?;
    Ok((axum::http::StatusCode::CREATED, Json(out)))
}

/// The publication queue: the advisories the caller may read, newest
/// first, of one stage (`draft`, `ready`, `embargoed`, `published`) or
/// case when asked.
#[utoipa::path(get, path = "/api/v1/publications", params(ListQuery), tag = "clearinghouse",
    responses((status = 200, body = PublicationList), (status = 422, body = Problem)))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> ApiResult<Json<PublicationList>> {
    let items = publications::list(&state, &caller.principal, &q).await?;
    let counts = publications::counts(&state, &caller.principal).await?;
    Ok(Json(PublicationList { items, counts }))
}

/// One advisory with its content and tracking.
#[utoipa::path(get, path = "/api/v1/publications/{id}",
    params(("id" = Uuid, Path, description = "The id")), tag = "clearinghouse",
    responses((status = 200, body = PublicationOut), (status = 404, body = Problem)))]
pub async fn get_one(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<PublicationOut>> {
    Ok(Json(
        publications::get(&state, &caller.principal, id).await?,
    ))
}

/// Replace an advisory's content (the clearinghouse's writers). Every form
/// it would be published as is written and validated first: a 422 names
/// each problem's JSON path (also in `problems`), and nothing is written.
/// Once released, an edit is a new revision, published at once, and needs
/// a `summary`.
#[utoipa::path(put, path = "/api/v1/publications/{id}",
    params(("id" = Uuid, Path, description = "The id")), tag = "clearinghouse", request_body = EditIn,
    responses((status = 200, body = PublicationOut), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn edit(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<EditIn>,
) -> ApiResult<Json<PublicationOut>> {
    Ok(Json(publications::edit(&state, &caller, id, body).await?))
}

/// Move an advisory's status forward: draft → interim → final, never back
/// (409). Once released, the move is a new revision, published at once.
#[utoipa::path(post, path = "/api/v1/publications/{id}/transition",
    params(("id" = Uuid, Path, description = "The id")), tag = "clearinghouse", request_body = TransitionIn,
    responses((status = 200, body = PublicationOut), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn transition(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<TransitionIn>,
) -> ApiResult<Json<PublicationOut>> {
    Ok(Json(
        publications::transition(&state, &caller, id, body).await?,
    ))
}

/// Publish an interim or final advisory (a draft is a 409). While its case
/// is embargoed it goes to the case's parties only and becomes public when
/// the embargo ends; otherwise it is public now, at `tlp`.
#[utoipa::path(post, path = "/api/v1/publications/{id}/publish",
    params(("id" = Uuid, Path, description = "The id")), tag = "clearinghouse", request_body = PublishIn,
    responses((status = 200, body = PublicationOut), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn publish(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<PublishIn>,
) -> ApiResult<Json<PublicationOut>> {
    Ok(Json(
        publications::publish(&state, &caller, id, body).await?,
    ))
}

/// What publishing the advisory now would publish (CSAF, OSV, and the VEX
/// forms when a product is known not affected), with its problems.
#[utoipa::path(get, path = "/api/v1/publications/{id}/preview",
    params(("id" = Uuid, Path, description = "The id")), tag = "clearinghouse",
    responses((status = 200, body = PreviewOut), (status = 404, body = Problem)))]
pub async fn preview(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<PreviewOut>> {
    Ok(Json(
        publications::preview(&state, &caller.principal, id).await?,
    ))
}

/// An advisory's revisions, oldest first.
#[utoipa::path(get, path = "/api/v1/publications/{id}/revisions",
    params(("id" = Uuid, Path, description = "The id")), tag = "clearinghouse",
    responses((status = 200, body = Vec<RevisionOut>), (status = 404, body = Problem)))]
pub async fn revisions(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<Vec<RevisionOut>>> {
    Ok(Json(
        publications::revisions(&state, &caller.principal, id).await?,
    ))
}

async fn form(state: &AppState, caller: &Caller, id: Uuid, form: Form) -> ApiResult<Response> {
    let body = publications::document(state, &caller.principal, id, form).await?;
    Ok(([(CONTENT_TYPE, "application/json")], body).into_response())
}

/// The CSAF 2.0 document of the last released revision, byte for byte as
/// published; 404 before release.
#[utoipa::path(get, path = "/api/v1/publications/{id}/csaf",
    params(("id" = Uuid, Path, description = "The id")), tag = "clearinghouse",
    responses((status = 200, body = RawBytes, content_type = "application/json"), (status = 404, body = Problem)))]
pub async fn csaf(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Response> {
    form(&state, &caller, id, Form::Csaf).await
}

/// The OSV record of the last released revision, as published.
#[utoipa::path(get, path = "/api/v1/publications/{id}/osv",
    params(("id" = Uuid, Path, description = "The id")), tag = "clearinghouse",
    responses((status = 200, body = RawBytes, content_type = "application/json"), (status = 404, body = Problem)))]
pub async fn osv(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Response> {
    form(&state, &caller, id, Form::Osv).await
}

/// The CSAF VEX document, when a product is known not affected.
#[utoipa::path(get, path = "/api/v1/publications/{id}/vex",
    params(("id" = Uuid, Path, description = "The id")), tag = "clearinghouse",
    responses((status = 200, body = RawBytes, content_type = "application/json"), (status = 404, body = Problem)))]
pub async fn vex(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Response> {
    form(&state, &caller, id, Form::Vex).await
}

/// The OpenVEX document, when a product is known not affected.
#[utoipa::path(get, path = "/api/v1/publications/{id}/openvex",
    params(("id" = Uuid, Path, description = "The id")), tag = "clearinghouse",
    responses((status = 200, body = RawBytes, content_type = "application/json"), (status = 404, body = Problem)))]
pub async fn openvex(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Response> {
    form(&state, &caller, id, Form::OpenVex).await
}
