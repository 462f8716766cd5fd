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
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use bulwark_app::advisories::{Affected, IndeterminateOut, UnmatchableOut};
use bulwark_app::facts::{self, Band, Fix, SeverityOut};
use bulwark_app::sboms;
use uuid::Uuid;

use super::filters;
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
        Kind::MalformedRequest => PageError::bad_request(e.detail),
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
    /// (band, hits of that band), most severe first.
    counts: Vec<(&'static str, u64)>,
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
    let listed = facts::sbom_counts(
        state,
        &who.principal,
        bulwark_store::PageRequest {
            after: None,
            limit: SBOM_ROWS,
        },
    )
    .await
    .map_err(|e| page_error(e, "SBOM").for_user(who, state))?;
    let sboms = listed
        .into_iter()
        .rev()
        .map(|(s, counts)| SbomRow {
            counts: Band::ALL
                .iter()
                .map(|&b| (b.as_str(), counts.get(b)))
                .collect(),
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

/// A severity as a badge: the words carry the meaning, the colour repeats it.
struct SeverityBadge {
    /// `critical` … `unknown`, for the CSS class.
    band: &'static str,
    /// `Critical 9.8`, `Unknown`.
    text: String,
    /// Where it comes from, for the badge's title and the reader.
    source: String,
}

impl SeverityBadge {
    fn of(s: &SeverityOut) -> SeverityBadge {
        let band = s.band.as_str();
        let mut text = format!("{}{}", band[..1].to_uppercase(), &band[1..]);
        if let Some(score) = s.score {
            text.push_str(&format!(" {score:.1}"));
        }
        let source = match (&s.vector, s.source) {
            (Some(v), _) => format!("CVSS {v}"),
            (None, "none") => "no CVSS vector known".to_owned(),
            (None, src) => format!("CVSS of the {src}"),
        };
        SeverityBadge { band, text, source }
    }
}

struct HitRow {
    advisory: String,
    aliases: String,
    severity: SeverityBadge,
    /// KEV's due date, when in KEV.
    kev: Option<String>,
    /// `EPSS 0.51% (41st percentile)`.
    epss: Option<String>,
    ssvc: Option<String>,
    why: String,
}

struct ComponentRow {
    name: String,
    version: Option<String>,
    purl: String,
    /// `Upgrade to 0.45.0: fixes 2` and what stays open, or that no fix is known.
    fix: String,
    /// A version fixes every advisory of the component.
    fixed_by_one: bool,
    hits: Vec<HitRow>,
}

/// A count that links to the SBOM's page showing only that band.
struct CountLink {
    label: &'static str,
    n: u64,
    href: String,
    current: bool,
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
    matchable: u64,
    distinct_targets: u64,
    hits: u64,
    counts: Vec<CountLink>,
    shown: Option<&'static str>,
    /// The severity distribution as a bar chart (SVG from [`super::charts`]).
    chart: Option<String>,
    affected: Vec<ComponentRow>,
    indeterminate: Vec<IndeterminateOut>,
    unmatchable: Vec<UnmatchableOut>,
}

/// `0.0051` and `0.41148` as `EPSS 0.51% (41st percentile)`.
fn epss_text((score, percentile): (f64, f64)) -> String {
    let p = (percentile * 100.0).floor() as u32;
    let suffix = match (p % 10, p % 100) {
        (1, n) if n != 11 => "st",
        (2, n) if n != 12 => "nd",
        (3, n) if n != 13 => "rd",
        _ => "th",
    };
    format!("EPSS {:.2}% ({p}{suffix} percentile)", score * 100.0)
}

fn fix_text(fix: &Fix) -> String {
    match fix {
        Fix::All { version, fixes: 1 } => format!("Upgrade to {version}: fixes it"),
        Fix::All { version, fixes } => format!("Upgrade to {version}: fixes all {fixes}"),
        Fix::Some {
            version,
            fixes,
            open,
        } => format!(
            "No single version fixes all. Upgrade to {version}: fixes {fixes}; still open: {}",
            open.join(", ")
        ),
        Fix::None => "No fixed version known above this one".to_owned(),
    }
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SbomParams {
    severity: Option<String>,
}

/// `GET /sboms/{id}[?severity=critical|high|medium|low|unknown]`: what
/// affects the SBOM now, grouped by component, with the facts and the fix.
pub async fn sbom(
    State(state): State<AppState>,
    who: SignedIn,
    Path(id): Path<String>,
    query: Result<Query<SbomParams>, QueryRejection>,
) -> PageResult {
    let fail = |e: PageError| e.for_user(&who, &state);
    let Query(params) = query.map_err(|e| fail(PageError::bad_request(e.body_text())))?;
    let id: Uuid = id.parse().map_err(|_| fail(PageError::not_found("SBOM")))?;
    let (s, f) = facts::sbom(&state, &who.principal, id, params.severity.as_deref())
        .await
        .map_err(|e| fail(page_error(e, "SBOM")))?;
    let org = OrgNames::default()
        .name(&state, s.org_id)
        .await
        .map_err(fail)?;
    let counts = Band::ALL
        .iter()
        .map(|&b| CountLink {
            label: b.as_str(),
            n: f.counts.get(b),
            href: format!("/sboms/{}?severity={}", s.id, b.as_str()),
            current: f.shown == Some(b),
        })
        .collect();
    let bars: Vec<super::charts::Bar> = Band::ALL
        .iter()
        .map(|&b| super::charts::Bar {
            label: b.as_str().to_owned(),
            value: f.counts.get(b) as f64,
            class: format!(
                "sev-{}",
                if b.as_str() == "unknown" {
                    "none"
                } else {
                    b.as_str()
                }
            ),
        })
        .collect();
    let chart = bars.iter().any(|b| b.value > 0.0).then(|| {
        super::charts::Bars {
            id: "severity-chart",
            title: "Severity distribution",
            desc: &format!(
                "(component, advisory) pairs by severity: {}. The numbers above the chart are the same.",
                bars.iter()
                    .map(|b| format!("{} {}", super::charts::number(b.value), b.label))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            bars: &bars,
        }
        .svg()
    });
    let affected = f
        .components
        .iter()
        .map(|c| ComponentRow {
            name: c.name.clone(),
            version: c.version.clone(),
            purl: c.purl.clone(),
            fix: fix_text(&c.fix),
            fixed_by_one: matches!(c.fix, Fix::All { .. }),
            hits: c
                .hits
                .iter()
                .map(|h| HitRow {
                    advisory: h.advisory.clone(),
                    aliases: h.aliases.join(", "),
                    severity: SeverityBadge::of(&h.severity),
                    kev: h.kev.as_ref().map(|k| k.due_date.clone()),
                    epss: h.epss.map(epss_text),
                    ssvc: h.ssvc.clone(),
                    why: h.why.text.clone(),
                })
                .collect(),
        })
        .collect();
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
            advisories: f.advisories,
            matchable: f.matchable,
            distinct_targets: f.distinct_targets,
            hits: f.counts.total(),
            counts,
            shown: f.shown.map(Band::as_str),
            chart,
            affected,
            indeterminate: f.indeterminate,
            unmatchable: f.unmatchable,
        },
    )
}

/// An alias as a link: to its advisory here when Bulwark holds one, else
/// to its publisher (cve.org, GitHub's advisory database); other names
/// are not linked.
struct AliasLink {
    name: String,
    href: Option<String>,
    here: bool,
}

fn alias_link(name: &str, held: bool) -> AliasLink {
    let href = if held {
        Some(format!("/advisories/{name}"))
    } else if name.starts_with("CVE-") {
        Some(format!("https://www.cve.org/CVERecord?id={name}"))
    } else if name.starts_with("GHSA-") {
        Some(format!("https://github.com/advisories/{name}"))
    } else {
        None
    };
    AliasLink {
        name: name.to_owned(),
        href,
        here: held,
    }
}

/// What the feeds say about one CVE alias.
struct CveRow {
    cve: String,
    /// (vendor, product, added, due)
    kev: Option<(String, String, String, String)>,
    epss: Option<String>,
    ssvc: Option<String>,
}

struct RangeView {
    package: String,
    kind: String,
    introduced: String,
    end: String,
}

#[derive(Template)]
#[template(path = "advisory.html")]
struct AdvisoryPage {
    title: String,
    nav: Option<Nav>,
    id: String,
    also: Vec<String>,
    aliases: Vec<AliasLink>,
    summary: String,
    /// Rendered from Markdown and sanitised (`markdown::render`).
    details_html: String,
    modified: String,
    published: String,
    withdrawn: Option<String>,
    severity: SeverityBadge,
    vectors: Vec<(String, String)>,
    in_kev: bool,
    cves: Vec<CveRow>,
    ranges: Vec<RangeView>,
    /// Packages with versions listed one by one, and how many.
    listed: Vec<(String, usize)>,
    references: Vec<String>,
    affected: Affected,
}

/// `GET /advisories/{id}`: the advisory with its severity, KEV, ranges
/// and aliases, and whom it affects among the SBOMs the visitor may read.
pub async fn advisory(
    State(state): State<AppState>,
    who: SignedIn,
    Path(id): Path<String>,
) -> PageResult {
    let fail = |e: PageError| e.for_user(&who, &state);
    let f = facts::advisory(&state, &who.principal, &id)
        .await
        .map_err(|e| fail(page_error(e, "advisory")))?;
    let a = &f.view.advisory;
    let found = &f.view.found;
    let references: Vec<String> = found
        .first()
        .and_then(|r| serde_json::from_str::<serde_json::Value>(&r.raw_json).ok())
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
    let cves: Vec<CveRow> = f
        .cves
        .iter()
        .map(|(cve, c)| CveRow {
            cve: cve.clone(),
            kev: c.kev.as_ref().map(|k| {
                (
                    k.vendor_project.clone(),
                    k.product.clone(),
                    k.date_added.clone(),
                    k.due_date.clone(),
                )
            }),
            epss: c.epss.map(epss_text),
            ssvc: c.priority.ssvc.map(|d| d.as_str().to_owned()),
        })
        .collect();
    let mut ranges = Vec::new();
    let mut listed = Vec::new();
    for p in &f.packages {
        let package = format!("{}: {}", p.ecosystem, p.name);
        if p.listed > 0 {
            listed.push((package.clone(), p.listed));
        }
        for r in &p.ranges {
            ranges.push(RangeView {
                package: package.clone(),
                kind: r.kind.clone(),
                introduced: r.introduced.clone(),
                end: match &r.end {
                    Some((kind, v)) if kind == "fixed" => format!("fixed in {v}"),
                    Some((_, v)) => format!("last affected {v}"),
                    None => "no fix".to_owned(),
                },
            });
        }
    }
    render(
        StatusCode::OK,
        &AdvisoryPage {
            title: format!("Advisory {}", a.id),
            nav: Some(who.nav(&state, SBOMS)),
            id: a.id.clone(),
            also: found.iter().skip(1).map(|x| x.id.clone()).collect(),
            aliases: f
                .aliases
                .iter()
                .map(|x| alias_link(&x.name, x.held))
                .collect(),
            summary: a.summary.clone().unwrap_or_default(),
            details_html: super::markdown::render(a.details.as_deref().unwrap_or_default()),
            modified: known_date(a.modified.as_deref()),
            published: known_date(a.published.as_deref()),
            withdrawn: a.withdrawn.clone(),
            severity: SeverityBadge::of(&f.severity),
            vectors: f.vectors.clone(),
            in_kev: cves.iter().any(|c| c.kev.is_some()),
            cves,
            ranges,
            listed,
            references,
            affected: f.view.affected.clone(),
        },
    )
}
