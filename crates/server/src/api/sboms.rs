//! SBOMs over the API: upload (any format `bulwark-sbom` reads, gzip
//! too), list the caller's organization's, and read one with what affects
//! it now. The use cases are [`bulwark_app::sboms`]'s; this module reads
//! the body (spooled, under [`SBOM_LIMIT`]) and shapes the answer.
//!
//! An upload is the organization's writers' `report.submit` (they submit
//! what their organization runs, as they submit findings); the SBOM is then
//! a marked record (kind `sbom`, owned by the uploading organization,
//! TLP:AMBER), read under the policy's `record.read`. A denied read is a
//! 404: others must not learn which software an organization runs.
//!
//! Matching results are never stored: each read matches the stored
//! components against the advisories stored at that moment, so an advisory
//! imported after the upload shows up on the next read.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use bulwark_app::sboms::{self, SbomOut, SbomSummary};
use serde::Deserialize;
use uuid::Uuid;

use super::List;
use super::bodies::{CycloneDxBom, RawBytes};
use crate::extract::{ApiPath, ApiQuery, Caller, PageParams};
use crate::problem::{ApiError, ApiResult, Problem};
use crate::spool;
use crate::state::AppState;

pub use crate::state::SBOM_LIMIT;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct UploadQuery {
    /// A name for the SBOM (default: the product it describes, else its
    /// format and digest).
    pub name: Option<String>,
}

#[utoipa::path(post, path = "/api/v1/sboms",
    operation_id = "sboms_upload", tag = "advisories", params(UploadQuery),
    request_body(description = "The SBOM: CycloneDX JSON as JSON; or the bytes of any SBOM Bulwark \
        reads (CycloneDX JSON or XML, SPDX JSON or tag-value, gzipped or not), its format judged by \
        its content.",
        content((CycloneDxBom = "application/vnd.cyclonedx+json"), (inline(RawBytes) = "application/octet-stream"))),
    responses((status = 201, body = SbomOut),
        (status = 400, body = Problem, description = "not an SBOM Bulwark reads; `reason` says why"),
        (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 413, body = Problem), (status = 422, body = Problem)))]
pub async fn upload(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<UploadQuery>,
    body: axum::body::Body,
) -> ApiResult<(StatusCode, Json<SbomOut>)> {
    sboms::may_upload(&state, &caller.principal)?;
    let doc = spool::spool(
        &state.spool,
        body,
        SBOM_LIMIT.min(state.settings.intake_limit),
    )
    .await?;
    let bytes = tokio::fs::read(doc.path())
        .await
        .map_err(|_| ApiError::internal())?;
    drop(doc);
    let out = sboms::upload(&state, &caller, q.name, bytes).await?;
    Ok((StatusCode::CREATED, Json(out)))
}

#[utoipa::path(get, path = "/api/v1/sboms",
    operation_id = "sboms_list", tag = "advisories", params(PageParams),
    responses((status = 200, body = List<SbomSummary>), (status = 400, body = Problem),
        (status = 401, body = Problem)))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(p): ApiQuery<PageParams>,
) -> ApiResult<Json<List<SbomSummary>>> {
    let page = sboms::list(&state, &caller.principal, p.to_request()?).await?;
    Ok(Json(List::from_page(page, |s| s)))
}

#[utoipa::path(get, path = "/api/v1/sboms/{id}",
    operation_id = "sboms_get_one",
    params(("id" = Uuid, Path, description = "The id")), tag = "advisories",
    responses((status = 200, body = SbomOut), (status = 401, body = Problem),
        (status = 404, body = Problem)))]
pub async fn get_one(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<SbomOut>> {
    Ok(Json(sboms::get(&state, &caller.principal, id).await?))
}
