//! SBOMs over the API: upload (any format `bulwark-sbom` reads, gzip
//! too), list the caller's organization's, and read one with what affects
//! it now.
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
use bulwark_app::resources::{readable_sbom, sbom_resource};
use bulwark_authz::Action;
use bulwark_core::Tlp;
use bulwark_sbom::Sbom;
use bulwark_store::{NewSbom, StoredSbom};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::{List, ts};
use crate::extract::{ApiPath, ApiQuery, Caller, PageParams};
use crate::problem::{ApiError, ApiResult, Problem};
use crate::spool;
use crate::state::AppState;
use bulwark_app::advisories::{SbomResults, sbom_results, sbom_rows};

/// Largest SBOM accepted (it is parsed in memory); the intake limit
/// applies too, whichever is smaller.
pub const SBOM_LIMIT: u64 = 128 * 1024 * 1024;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct UploadQuery {
    /// A name for the SBOM (default: the product it describes, else its
    /// format and digest).
    pub name: Option<String>,
}

/// An SBOM, in brief.
#[derive(Debug, Serialize, ToSchema)]
pub struct SbomSummary {
    pub id: Uuid,
    pub name: String,
    /// The owning (uploading) organization.
    pub org: Uuid,
    pub uploaded_by: Option<Uuid>,
    /// `CycloneDX JSON`, `CycloneDX XML`, `SPDX JSON` or `SPDX tag-value`.
    pub format: String,
    pub spec_version: String,
    /// The document's SHA-256.
    pub document: String,
    pub tlp: String,
    /// Components, unmatchable ones included.
    pub components: u64,
    /// Components without a package URL that maps onto OSV data.
    pub unmatchable: u64,
    pub created_at: String,
}

/// An SBOM and what affects it now.
#[derive(Debug, Serialize, ToSchema)]
pub struct SbomOut {
    pub sbom: SbomSummary,
    /// Live advisories matched against.
    pub advisories: u64,
    pub results: SbomResults,
}

pub(crate) fn summary(s: &StoredSbom) -> SbomSummary {
    SbomSummary {
        id: s.id,
        name: s.name.clone(),
        org: s.org_id,
        uploaded_by: s.uploaded_by,
        format: s.format.clone(),
        spec_version: s.spec_version.clone(),
        document: s.document.clone(),
        tlp: s.tlp.as_str().to_owned(),
        components: s.components,
        unmatchable: s.unmatchable,
        created_at: ts(s.created_at),
    }
}

/// The media type an SBOM document is kept under.
fn media_type(format: bulwark_sbom::Format, bytes: &[u8]) -> &'static str {
    if bytes.starts_with(&[0x1f, 0x8b]) {
        return "application/gzip";
    }
    match format {
        bulwark_sbom::Format::CycloneDxJson => "application/vnd.cyclonedx+json",
        bulwark_sbom::Format::CycloneDxXml => "application/vnd.cyclonedx+xml",
        bulwark_sbom::Format::SpdxJson => "application/spdx+json",
        bulwark_sbom::Format::SpdxTagValue => "text/spdx",
    }
}

/// An SBOM with its components matched against the current advisories.
pub(crate) async fn sbom_out(state: &AppState, s: &StoredSbom) -> ApiResult<SbomOut> {
    let components = state.store.sbom_components(s.id).await?;
    let snapshot = state.matching.current(&state.store).await?;
    let advisories = snapshot.engine.index().len() as u64;
    let results = tokio::task::spawn_blocking(move || sbom_results(&snapshot.engine, &components))
        .await
        .map_err(|_| ApiError::internal())?;
    Ok(SbomOut {
        sbom: summary(s),
        advisories,
        results,
    })
}

/// Parses, stores and matches an uploaded SBOM as the caller's
/// organization. The caller has checked `report.submit`. A document
/// `bulwark-sbom` refuses is a 400 naming the reason; nothing is written.
pub(crate) async fn store_upload(
    state: &AppState,
    caller: &Caller,
    name: Option<String>,
    bytes: Vec<u8>,
) -> ApiResult<StoredSbom> {
    let (bytes, parsed) = tokio::task::spawn_blocking(move || {
        let parsed = Sbom::parse(&bytes);
        (bytes, parsed)
    })
    .await
    .map_err(|_| ApiError::internal())?;
    let sbom = parsed.map_err(|e| {
        ApiError::malformed(format!("not an SBOM Bulwark reads: {e}"))
            .with_extension("reason", serde_json::json!(e.to_string()))
    })?;
    let components = sbom_rows(&sbom);
    let sha = bulwark_store::document_address(&bytes);
    let name = name
        .map(|n| n.trim().to_owned())
        .filter(|n| !n.is_empty())
        .or_else(|| {
            sbom.components
                .iter()
                .find(|c| c.subject)
                .map(|c| match &c.version {
                    Some(v) => format!("{} {v}", c.name),
                    None => c.name.clone(),
                })
                .filter(|n| !n.trim().is_empty())
        })
        .unwrap_or_else(|| format!("{} {}", sbom.format, &sha[..12]));
    // At most 200 bytes, without control characters (the store's rule).
    let mut kept = String::new();
    for c in name.chars().filter(|c| !c.is_control()) {
        if kept.len() + c.len_utf8() > 200 {
            break;
        }
        kept.push(c);
    }
    let name = kept;
    let new = NewSbom {
        org_id: caller.principal.org_id,
        name,
        format: sbom.format.as_str().to_owned(),
        spec_version: sbom.spec_version.chars().take(50).collect(),
        media_type: media_type(sbom.format, &bytes).to_owned(),
        document: bytes,
        tlp: Tlp::Amber,
        components,
    };
    Ok(state
        .store
        .create_sbom(&caller.actor, &new, state.now())
        .await?)
}

#[utoipa::path(post, path = "/api/v1/sboms", tag = "advisories", params(UploadQuery),
    request_body(content = Vec<u8>, content_type = "application/vnd.cyclonedx+json"),
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
    let who = &caller.principal;
    state.authorize(
        who,
        Action::ReportSubmit,
        &crate::state::own_org_resource(who),
    )?;
    let doc = spool::spool(body, SBOM_LIMIT.min(state.settings.intake_limit)).await?;
    let bytes = tokio::fs::read(doc.path())
        .await
        .map_err(|_| ApiError::internal())?;
    drop(doc);
    let stored = store_upload(&state, &caller, q.name, bytes).await?;
    Ok((StatusCode::CREATED, Json(sbom_out(&state, &stored).await?)))
}

#[utoipa::path(get, path = "/api/v1/sboms", tag = "advisories", params(PageParams),
    responses((status = 200, body = List<SbomSummary>), (status = 400, body = Problem),
        (status = 401, body = Problem)))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(p): ApiQuery<PageParams>,
) -> ApiResult<Json<List<SbomSummary>>> {
    let who = &caller.principal;
    let page = state.store.org_sboms(who.org_id, p.to_request()?).await?;
    let next = page.next;
    let items = page
        .items
        .iter()
        .filter(|s| state.permits(who, Action::RecordRead, &sbom_resource(s)))
        .map(summary)
        .collect();
    Ok(Json(List {
        items,
        next_cursor: next.map(crate::extract::encode_cursor),
    }))
}

#[utoipa::path(get, path = "/api/v1/sboms/{id}", tag = "advisories",
    responses((status = 200, body = SbomOut), (status = 401, body = Problem),
        (status = 404, body = Problem)))]
pub async fn get_one(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<SbomOut>> {
    let s = readable_sbom(&state, &caller.principal, id).await?;
    Ok(Json(sbom_out(&state, &s).await?))
}
