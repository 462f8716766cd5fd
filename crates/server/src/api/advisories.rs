//! OSV advisories over the API: search by id or alias and by package, one
//! advisory with the components it affects among the SBOMs the caller may
//! see (each with the range and event that decided), and osv.dev's
//! `querybatch`: up to [`bulwark_app::advisories::MAX_BATCH`] package
//! queries answered in one call, in query order. The use cases are
//! [`bulwark_app::advisories`]'s.
//!
//! Advisories are public data: reading them is the policy's
//! `vulnerability.read` decision on the program. Which SBOMs' components
//! are listed as affected is the policy's `record.read` on each SBOM.
//! Nothing here changes state.

use axum::Json;
use axum::extract::State;
use bulwark_app::advisories::{self, AdvisoryOut, QueryBatch, QueryBatchOut, SearchOut};
use serde::Deserialize;

use crate::extract::{ApiJson, ApiPath, ApiQuery, Caller};
use crate::problem::{ApiResult, Problem};
use crate::state::AppState;

/// Largest `querybatch` body: a thousand long package URLs fit easily.
pub const BATCH_BODY_LIMIT: usize = 4 * 1024 * 1024;

/// `?q=…` (an id or alias) or `?ecosystem=…&package=…`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct SearchQuery {
    /// An advisory id or alias (`GHSA-…`, `CVE-…`), any case.
    pub q: Option<String>,
    /// An OSV ecosystem (`npm`, `PyPI`, `Debian:12`); with `package`.
    pub ecosystem: Option<String>,
    /// A package name in `ecosystem` (normalised as OSV files it).
    pub package: Option<String>,
    /// 1 to 500 (default 50).
    pub limit: Option<u32>,
}

#[utoipa::path(get, path = "/api/v1/advisories", tag = "advisories", params(SearchQuery),
    responses((status = 200, body = SearchOut), (status = 400, body = Problem),
        (status = 401, body = Problem), (status = 403, body = Problem)))]
pub async fn search(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<SearchQuery>,
) -> ApiResult<Json<SearchOut>> {
    Ok(Json(
        advisories::search(
            &state,
            &caller.principal,
            q.q.as_deref(),
            q.ecosystem.as_deref(),
            q.package.as_deref(),
            q.limit,
        )
        .await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/advisories/{id}",
    operation_id = "advisories_get_one", tag = "advisories",
    params(("id" = String, Path, description = "An advisory id or alias, any case")),
    responses((status = 200, body = AdvisoryOut), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn get_one(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<AdvisoryOut>> {
    Ok(Json(advisories::get(&state, &caller.principal, &id).await?))
}

#[utoipa::path(post, path = "/api/v1/querybatch", tag = "advisories",
    request_body = QueryBatch,
    responses((status = 200, body = QueryBatchOut),
        (status = 400, body = Problem, description = "not a batch, or more than 1,000 queries"),
        (status = 401, body = Problem), (status = 403, body = Problem)))]
pub async fn querybatch(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(batch): ApiJson<QueryBatch>,
) -> ApiResult<Json<QueryBatchOut>> {
    Ok(Json(
        advisories::querybatch(&state, &caller.principal, batch).await?,
    ))
}
