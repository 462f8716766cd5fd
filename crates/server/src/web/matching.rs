//! The matching pages: `/sboms` (the SBOMs the visitor may read and the
//! upload form), `/sboms/{id}` (what affects an SBOM now, what could
//! not be decided, what could not be looked up) and `/advisories/{id}` (an
//! advisory and whom it affects among the SBOMs the visitor may see).
//!
//! Every decision is the application's, as for the API: an SBOM is read
//! through [`sboms::readable`] (so one the visitor may not read is the same
//! 404), matched by [`sboms::sbom_out`], uploaded by [`sboms::store_upload`]
//! under `report.submit`; an advisory and whom it affects is
//! [`advisories::read`]'s, under `vulnerability.read`. These pages only
//! draw.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use bulwark_app::advisories::{self, Affected, SbomResults};
use bulwark_app::sboms;
use uuid::Uuid;

use super::session::SignedIn;
use super::{Nav, OrgNames, PageError, PageResult, Stamp, render};
use crate::problem::{ApiError, HttpStatus, Kind};
use crate::state::AppState;

const SBOMS: &str = "/sboms";
/// SBOMs listed on the page.
const SBOM_ROWS: u32 = 200;

fn page_error(e: impl Into<ApiError>, what: &str) -> PageError {
    let e: ApiError = e.into();
    match e.kind {
        Kind::NotFound => PageError::not_found(what),
        Kind::Forbidden => PageError::forbidden_because(e.detail),
        _ => PageError::internal(),
    }
}

/// A record's date as written, or "unknown": absent, empty, or year 1 (Go's
/// vulnerability database writes `0001-01-01T00:00:00Z` for "no date").
fn known_date(date: Option<&str>) -> String {
    match date.map(str::trim) {
        Some(d) if !d.is_empty() && !d.starts_with("0001-01-01") => d.to_owned(),
        _ => "unknown".to_owned(),
    }
}

struct SbomRow {
    id: Uuid,
    name: String,
    format: String,
    components: u64,
    unmatchable: u64,
    tlp: String,
    at: Stamp,
}

#[derive(Template)]
#[template(path = "sboms.html")]
struct SbomsPage {
    title: &'static str,
    nav: Option<Nav>,
    csrf: String,
    may_upload: bool,
    error: Option<String>,
    sboms: Vec<SbomRow>,
}

async fn sboms_page(
    state: &AppState,
    who: &SignedIn,
    status: StatusCode,
    error: Option<String>,
) -> PageResult {
    let page = sboms::list_stored(
        state,
        &who.principal,
        bulwark_store::PageRequest {
            after: None,
            limit: SBOM_ROWS,
        },
    )
    .await
    .map_err(|e| page_error(e, "SBOM").for_user(who, state))?;
    let sboms = page
        .items
        .into_iter()
        .rev()
        .map(|s| SbomRow {
            id: s.id,
            name: s.name,
            format: format!("{} {}", s.format, s.spec_version),
            components: s.components,
            unmatchable: s.unmatchable,
            tlp: s.tlp.as_str().to_owned(),
            at: Stamp::new(s.created_at),
        })
        .collect();
    render(
        status,
        &SbomsPage {
            title: "SBOMs",
            nav: Some(who.nav(state, SBOMS)),
            csrf: who.csrf.clone(),
            may_upload: super::clearinghouse::may_submit(state, who),
            error,
            sboms,
        },
    )
}

/// `GET /sboms`: the SBOMs the visitor may read, newest first, and the form.
pub async fn list(State(state): State<AppState>, who: SignedIn) -> PageResult {
    sboms_page(&state, &who, StatusCode::OK, None).await
}

/// `POST /sboms` (multipart: `csrf`, then `name`, then `file`): the same
/// upload as `POST /api/v1/sboms`; on success, to the SBOM's page. The
/// CSRF token must come before the file, so that nothing is read from a
/// forged form.
pub async fn upload(
    State(state): State<AppState>,
    who: SignedIn,
    mut form: axum::extract::Multipart,
) -> PageResult {
    let fail = |e: PageError| e.for_user(&who, &state);
    let uploaded = super::upload_form(&mut form, &who, &["name"], async |field, texts| {
        if !super::clearinghouse::may_submit(&state, &who) {
            return Err(fail(PageError::forbidden()));
        }
        let outcome = async {
            let doc = crate::spool::spool_stream(
                &state.spool,
                std::pin::pin!(field),
                crate::state::SBOM_LIMIT.min(state.settings.intake_limit),
            )
            .await?;
            let bytes = tokio::fs::read(doc.path())
                .await
                .map_err(|_| ApiError::internal())?;
            drop(doc);
            let name = texts.into_iter().next().unwrap_or_default();
            Ok::<_, ApiError>(sboms::store_upload(&state, &who, Some(name), bytes).await?)
        }
        .await;
        match outcome {
            Ok(s) => Ok(Redirect::to(&format!("/sboms/{}", s.id)).into_response()),
            Err(e) if e.kind == Kind::Internal => Err(fail(PageError::internal())),
            Err(e) => {
                let status = e.kind.status();
                sboms_page(&state, &who, status, Some(e.detail)).await
            }
        }
    })
    .await
    .map_err(fail)?;
    match uploaded {
        Some(page) => page,
        None => {
            sboms_page(
                &state,
                &who,
                StatusCode::UNPROCESSABLE_ENTITY,
                Some("choose an SBOM to upload".into()),
            )
            .await
        }
    }
}

#[derive(Template)]
#[template(path = "sbom.html")]
struct SbomPage {
    title: String,
    nav: Option<Nav>,
    id: Uuid,
    org: String,
    format: String,
    document: String,
    tlp: String,
    components: u64,
    at: Stamp,
    advisories: u64,
    results: SbomResults,
}

/// `GET /sboms/{id}`: what affects the SBOM now.
pub async fn sbom(
    State(state): State<AppState>,
    who: SignedIn,
    Path(id): Path<String>,
) -> PageResult {
    let fail = |e: PageError| e.for_user(&who, &state);
    let id: Uuid = id.parse().map_err(|_| fail(PageError::not_found("SBOM")))?;
    let s = sboms::readable(&state, &who.principal, id)
        .await
        .map_err(|e| fail(page_error(e, "SBOM")))?;
    let out = sboms::sbom_out(&state, &s)
        .await
        .map_err(|e| fail(page_error(e, "SBOM")))?;
    let org = OrgNames::default()
        .name(&state, s.org_id)
        .await
        .map_err(fail)?;
    render(
        StatusCode::OK,
        &SbomPage {
            title: format!("SBOM {}", s.name),
            nav: Some(who.nav(&state, SBOMS)),
            id: s.id,
            org,
            format: format!("{} {}", s.format, s.spec_version),
            document: s.document.clone(),
            tlp: s.tlp.as_str().to_owned(),
            components: s.components,
            at: Stamp::new(s.created_at),
            advisories: out.advisories,
            results: out.results,
        },
    )
}

#[derive(Template)]
#[template(path = "advisory.html")]
struct AdvisoryPage {
    title: String,
    nav: Option<Nav>,
    id: String,
    also: Vec<String>,
    aliases: Vec<String>,
    summary: String,
    details: String,
    modified: String,
    published: String,
    withdrawn: Option<String>,
    /// (ecosystem, name) of each `affected[]` entry.
    packages: Vec<(String, String)>,
    references: Vec<String>,
    affected: Affected,
}

/// `GET /advisories/{id}`: the advisory and whom it affects among the
/// SBOMs the visitor may read.
pub async fn advisory(
    State(state): State<AppState>,
    who: SignedIn,
    Path(id): Path<String>,
) -> PageResult {
    let fail = |e: PageError| e.for_user(&who, &state);
    let advisories::AdvisoryView {
        found,
        advisory: a,
        affected,
    } = advisories::read(&state, &who.principal, &id)
        .await
        .map_err(|e| fail(page_error(e, "advisory")))?;
    let mut packages: Vec<(String, String)> = a
        .affected
        .iter()
        .filter_map(|x| x.package.as_ref())
        .map(|p| (p.ecosystem.clone(), p.name.clone()))
        .collect();
    packages.dedup();
    let references: Vec<String> = serde_json::from_str::<serde_json::Value>(&found[0].raw_json)
        .ok()
        .and_then(|v| {
            v.get("references")?.as_array().map(|r| {
                r.iter()
                    .filter_map(|x| x.get("url")?.as_str().map(str::to_owned))
                    .filter(|u| u.starts_with("https://") || u.starts_with("http://"))
                    .take(20)
                    .collect()
            })
        })
        .unwrap_or_default();
    render(
        StatusCode::OK,
        &AdvisoryPage {
            title: format!("Advisory {}", a.id),
            nav: Some(who.nav(&state, SBOMS)),
            id: a.id.clone(),
            also: found[1..].iter().map(|x| x.id.clone()).collect(),
            aliases: a.aliases.clone(),
            summary: a.summary.clone().unwrap_or_default(),
            details: a.details.clone().unwrap_or_default(),
            modified: known_date(a.modified.as_deref()),
            published: known_date(a.published.as_deref()),
            withdrawn: a.withdrawn.clone(),
            packages,
            references,
            affected,
        },
    )
}
