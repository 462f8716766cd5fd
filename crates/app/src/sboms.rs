//! SBOMs: upload (any format `bulwark-sbom` reads, gzip too), the
//! organization's list, and one SBOM with what affects it now.
//!
//! An upload is the organization's writers' `report.submit` (they submit
//! what their organization runs, as they submit findings); the SBOM is then
//! a marked record (kind `sbom`, owned by the uploading organization,
//! TLP:AMBER), read under the policy's `record.read`. A denied read is "not
//! found": others must not learn which software an organization runs.
//!
//! Matching results are never stored: each read matches the stored
//! components against the advisories stored at that moment, so an advisory
//! imported after the upload shows up on the next read.

use bulwark_authz::Action;
use bulwark_core::{Principal, Tlp};
use bulwark_sbom::Sbom;
use bulwark_store::{NewSbom, Page, PageRequest, StoredSbom};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::advisories::{SbomResults, sbom_results, sbom_rows};
pub use crate::resources::readable_sbom as readable;
use crate::resources::{own_org_resource, sbom_resource};
use crate::{Acting, App, AppError, AppResult, ts};

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

pub fn summary(s: &StoredSbom) -> SbomSummary {
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
pub async fn sbom_out(app: &App, s: &StoredSbom) -> AppResult<SbomOut> {
    let components = app.store.sbom_components(s.id).await?;
    let snapshot = app.matching.current(&app.store).await?;
    let advisories = snapshot.engine.index().len() as u64;
    let results = tokio::task::spawn_blocking(move || sbom_results(&snapshot.engine, &components))
        .await
        .map_err(|_| AppError::internal())?;
    Ok(SbomOut {
        sbom: summary(s),
        advisories,
        results,
    })
}

/// Whether `who` may upload an SBOM: its organization's writers'
/// `report.submit`. Interfaces ask before they read a large body.
pub fn may_upload(app: &App, who: &Principal) -> AppResult<()> {
    app.authorize(who, Action::ReportSubmit, &own_org_resource(who))
}

/// Parses, stores and matches an uploaded SBOM as the caller's
/// organization, under `report.submit`. A document `bulwark-sbom` refuses
/// is malformed, naming the reason (`reason`); nothing is written.
pub async fn upload(
    app: &App,
    who: &Acting,
    name: Option<String>,
    bytes: Vec<u8>,
) -> AppResult<SbomOut> {
    let stored = store_upload(app, who, name, bytes).await?;
    sbom_out(app, &stored).await
}

/// [`upload`] without the matching, for pages that show the SBOM next.
pub async fn store_upload(
    app: &App,
    who: &Acting,
    name: Option<String>,
    bytes: Vec<u8>,
) -> AppResult<StoredSbom> {
    may_upload(app, &who.principal)?;
    let (bytes, parsed) = tokio::task::spawn_blocking(move || {
        let parsed = Sbom::parse(&bytes);
        (bytes, parsed)
    })
    .await
    .map_err(|_| AppError::internal())?;
    let sbom = parsed.map_err(|e| {
        AppError::malformed(format!("not an SBOM Bulwark reads: {e}"))
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
        org_id: who.principal.org_id,
        name,
        format: sbom.format.as_str().to_owned(),
        spec_version: sbom.spec_version.chars().take(50).collect(),
        media_type: media_type(sbom.format, &bytes).to_owned(),
        document: bytes,
        tlp: Tlp::Amber,
        components,
    };
    let stored = app.store.create_sbom(&who.actor, &new, app.now()).await?;
    // An SBOM that holds a version an advisory already released or
    // published affects gets its organization the notice too. The SBOM is
    // stored whatever happens here: a failure is logged, not answered, so
    // a retried upload does not store it twice.
    if let Err(e) = crate::notices::check_new_sbom(app, who, &stored).await {
        tracing::error!(sbom = %stored.id, error = %e, "the new SBOM was not checked against the released advisories");
    }
    Ok(stored)
}

/// The SBOMs the caller may read, oldest first: the same policy decision
/// as opening one ([`readable`]), so a list never says "none" of what the
/// caller may open (the operator's: every organization's). The store's
/// pages are read on until this page is full or the SBOMs end, so what the
/// caller may not read never makes a page look empty.
pub async fn list_stored(
    app: &App,
    who: &Principal,
    page: PageRequest,
) -> AppResult<Page<StoredSbom>> {
    let want = match page.limit {
        0 => PageRequest::DEFAULT_LIMIT,
        n => n.min(PageRequest::MAX_LIMIT),
    } as usize;
    let mut items = Vec::new();
    let mut after = page.after;
    loop {
        let found = app
            .store
            .sboms(PageRequest {
                after,
                limit: page.limit,
            })
            .await?;
        for s in found.items {
            if app.permits(who, Action::RecordRead, &sbom_resource(&s)) {
                items.push(s);
                if items.len() == want {
                    let next = items.last().map(|s| s.id);
                    return Ok(Page { items, next });
                }
            }
        }
        match found.next {
            Some(next) => after = Some(next),
            None => return Ok(Page { items, next: None }),
        }
    }
}

/// [`list_stored`], in brief.
pub async fn list(app: &App, who: &Principal, page: PageRequest) -> AppResult<Page<SbomSummary>> {
    let page = list_stored(app, who, page).await?;
    Ok(Page {
        items: page.items.iter().map(summary).collect(),
        next: page.next,
    })
}

/// One SBOM the caller may read, with what affects it now.
pub async fn get(app: &App, who: &Principal, id: Uuid) -> AppResult<SbomOut> {
    let s = readable(app, who, id).await?;
    sbom_out(app, &s).await
}
