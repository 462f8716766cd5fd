//! Frontier benchmarks over HTTP: benchmark sets, the model registry,
//! determinations and the "does my model qualify?" pre-check.
//!
//! The use cases, and the rules on who sees a restricted set's criteria, are
//! [`bulwark_app::frontier`]'s; these handlers hand over the body with its
//! declared media type, the path and the query, and answer with the status
//! code and the list's cursor.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use bulwark_app::frontier::{
    self as uc, BenchmarkOut, EvalOut, ImportOut, LoadOut, ModelOut, ModelSummaryOut, NewModelIn,
    PrecheckIn, PrecheckOut, RedeterminationOut,
};
use serde::Deserialize;
use uuid::Uuid;

use super::List;
use super::bodies::{InspectLog, RawBytes};
use crate::extract::{ApiJson, ApiPath, ApiQuery, Caller, PageParams};
use crate::problem::{ApiResult, Problem};
use crate::state::AppState;

/// The request's `Content-Type`, as the use cases judge a document by it.
fn media_type(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
}

/// Load a new version of a benchmark set (TOML, as documented in docs/benchmarks.md).
#[utoipa::path(post, path = "/api/v1/benchmarks", tag = "frontier",
    request_body(content = inline(RawBytes), content_type = "application/toml"),
    responses((status = 201, body = LoadOut), (status = 403, body = Problem), (status = 409, body = Problem),
              (status = 415, body = Problem), (status = 422, body = Problem)))]
pub async fn load_benchmark(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<(StatusCode, Json<LoadOut>)> {
    let out = uc::load_benchmark(&state, &caller, media_type(&headers), &body).await?;
    Ok((StatusCode::CREATED, Json(out)))
}

/// Every version of every benchmark set (criteria left out; see one version for them).
#[utoipa::path(get, path = "/api/v1/benchmarks", tag = "frontier",
    responses((status = 200, body = Vec<BenchmarkOut>), (status = 401, body = Problem)))]
pub async fn list_benchmarks(
    State(state): State<AppState>,
    caller: Caller,
) -> ApiResult<Json<Vec<BenchmarkOut>>> {
    Ok(Json(uc::list_benchmarks(&state, &caller.principal).await?))
}

/// One version of a benchmark set, with its criteria when the policy lets you read them.
#[utoipa::path(get, path = "/api/v1/benchmarks/{id}/{version}",
    params(("id" = String, Path, description = "The id"), ("version" = String, Path, description = "The set's version")), tag = "frontier",
    responses((status = 200, body = BenchmarkOut), (status = 404, body = Problem)))]
pub async fn get_benchmark(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath((id, version)): ApiPath<(String, String)>,
) -> ApiResult<Json<BenchmarkOut>> {
    Ok(Json(
        uc::get_benchmark(&state, &caller.principal, &id, &version).await?,
    ))
}

/// Re-determine the registry under the version of a set in force now.
#[utoipa::path(post, path = "/api/v1/benchmarks/{id}/redetermine", tag = "frontier",
    params(("id" = String, Path, description = "The benchmark set's id")),
    responses((status = 200, body = RedeterminationOut), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn redetermine_set(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<RedeterminationOut>> {
    Ok(Json(uc::redetermine_set(&state, &caller, &id).await?))
}

/// Register (or replace, by name) a model profile; it is determined under every set in force.
#[utoipa::path(post, path = "/api/v1/models", tag = "frontier", request_body = NewModelIn,
    responses((status = 201, body = ModelOut), (status = 400, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn create_model(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<NewModelIn>,
) -> ApiResult<(StatusCode, Json<ModelOut>)> {
    Ok((
        StatusCode::CREATED,
        Json(uc::create_model(&state, &caller, body).await?),
    ))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ImportParams {
    /// The owning organization; defaults to yours.
    pub owner_org: Option<Uuid>,
    /// TLP marking of every imported profile; defaults to AMBER+STRICT.
    pub tlp: Option<String>,
    /// Refuse the whole import at the first row that is not a model,
    /// instead of skipping it and listing it in the answer.
    #[serde(default)]
    pub strict: bool,
}

/// Import profiles: Epoch AI's CSV layout (`text/csv`) or a JSON array of profiles. Rows that are not models are skipped and listed with why (all refused with `strict=true`); a file with no model in it is refused.
#[utoipa::path(post, path = "/api/v1/models/import", tag = "frontier", params(ImportParams),
    request_body(content = inline(RawBytes), content_type = "text/csv"),
    responses((status = 201, body = ImportOut), (status = 403, body = Problem), (status = 415, body = Problem), (status = 422, body = Problem)))]
pub async fn import_models(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<ImportParams>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<(StatusCode, Json<ImportOut>)> {
    let out = uc::import_models(
        &state,
        &caller,
        q.owner_org,
        q.tlp.as_deref(),
        media_type(&headers),
        &body,
        q.strict,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(out)))
}

/// The registry: the profiles you may read.
#[utoipa::path(get, path = "/api/v1/models", tag = "frontier", params(PageParams),
    responses((status = 200, body = List<ModelSummaryOut>), (status = 401, body = Problem)))]
pub async fn list_models(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(page): ApiQuery<PageParams>,
) -> ApiResult<Json<List<ModelSummaryOut>>> {
    let page = uc::list_models(&state, &caller.principal, page.to_request()?).await?;
    Ok(Json(List::from_page(page, |m| m)))
}

/// A model, its profile and its determination history, explained as far as the policy lets you see.
#[utoipa::path(get, path = "/api/v1/models/{id}",
    params(("id" = Uuid, Path, description = "The id")), tag = "frontier",
    responses((status = 200, body = ModelOut), (status = 404, body = Problem)))]
pub async fn get_model(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<ModelOut>> {
    Ok(Json(uc::get_model(&state, &caller.principal, id).await?))
}

/// Does my model qualify? Determines a profile under every set in force without storing it.
#[utoipa::path(post, path = "/api/v1/precheck", tag = "frontier", request_body = PrecheckIn,
    responses((status = 200, body = PrecheckOut), (status = 400, body = Problem)))]
pub async fn precheck(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<PrecheckIn>,
) -> ApiResult<Json<PrecheckOut>> {
    Ok(Json(uc::precheck(&state, &caller.principal, body).await?))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct EvalParams {
    /// The name the score gets in the profile's `evals`, e.g. `cybench`.
    pub name: String,
}

/// Attach an evaluation score from an Inspect AI log (`.json`, or the zipped
/// `.eval` as `application/zip`) to a model; the model is re-determined.
#[utoipa::path(post, path = "/api/v1/models/{id}/evals", tag = "frontier", params(("id" = Uuid, Path, description = "The id"), EvalParams),
    request_body(content((InspectLog = "application/json"), (inline(RawBytes) = "application/zip"))),
    responses((status = 200, body = EvalOut), (status = 404, body = Problem), (status = 415, body = Problem), (status = 422, body = Problem)))]
pub async fn attach_eval(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
    ApiQuery(q): ApiQuery<EvalParams>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Json<EvalOut>> {
    let out = uc::attach_eval(&state, &caller, id, &q.name, media_type(&headers), &body).await?;
    Ok(Json(out))
}
