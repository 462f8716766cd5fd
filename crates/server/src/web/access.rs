//! Programs and agencies' access to the catalogue's tools as pages: the
//! programs with the requests under them and the form an agency asks with;
//! the requests the visitor may read, numbers first, with filters; one
//! request with its facts and the decisions the policy allows the visitor
//! (approve or deny for the program office, accept or decline for the
//! developer of a covered frontier model, revoke for any side). The use
//! cases are `bulwark_app::tools::{programs, access}`; these handlers only
//! translate.

use std::collections::BTreeMap;

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use bulwark_app::directives::systems;
use bulwark_app::tools::access::{
    self, AccessAnswerIn, AccessDecisionIn, AccessFilter, AccessRequestIn, AccessRequestView,
    DataIn, RevokeIn,
};
use bulwark_app::tools::{self, programs};
use bulwark_core::Tlp;
use bulwark_store::PageRequest;
use bulwark_tools::program::AccessStatus;
use serde::Deserialize;
use uuid::Uuid;

use super::pages::Tile;
use super::session::{CsrfField, Posted, SignedIn};
use super::{Nav, PageError, PageResult, Stamp, form_instant, render, words};
use crate::state::AppState;

const REQUESTS: &str = "/tools/access";
/// The catalogue's place in the navigation.
const NAV: &str = "/tools";

fn uuid(raw: &str, what: &str) -> Result<Uuid, PageError> {
    Uuid::parse_str(raw).map_err(|_| PageError::not_found(what))
}

/// One request as a row of a list.
struct RequestRow {
    id: Uuid,
    agency: String,
    tool: String,
    tool_id: Uuid,
    program: String,
    program_id: Uuid,
    use_case: String,
    systems: usize,
    data: String,
    window: String,
    status: String,
    decided: Option<Stamp>,
}

fn day(iso: &str) -> String {
    iso.chars().take(10).collect()
}

fn data_text(tlp: &str, embargoed: bool) -> String {
    format!(
        "TLP:{tlp}{}",
        if embargoed { ", embargoed cases" } else { "" }
    )
}

fn request_row(v: &AccessRequestView) -> RequestRow {
    let r = &v.request;
    RequestRow {
        id: r.id,
        agency: v.agency_name.clone(),
        tool: v.tool_name.clone(),
        tool_id: r.tool,
        program: v.program_name.clone(),
        program_id: r.program,
        use_case: r.use_case_id.clone(),
        systems: r.systems.len(),
        data: data_text(&r.data_tlp, r.embargoed),
        window: format!("{} to {}", day(&r.starts_at), day(&r.ends_at)),
        status: r.status.clone(),
        decided: r.decided_at.as_deref().map(Stamp::parse),
    }
}

/// A tool a program offers, as its page lists it.
struct OfferedTool {
    id: Uuid,
    name: String,
    kind: String,
    receives: String,
    validation: String,
}

/// One of the visitor's agency's systems, for the request form.
struct SystemChoice {
    id: Uuid,
    name: String,
    hva: bool,
}

struct ProgramRow {
    id: Uuid,
    name: String,
    eligibility: String,
    tools: usize,
    max_days: u32,
    requests: usize,
}

#[derive(Template)]
#[template(path = "programs.html")]
struct ProgramsPage {
    title: &'static str,
    nav: Option<Nav>,
    counts: Vec<Tile>,
    rows: Vec<ProgramRow>,
}

fn eligibility_text(p: &programs::ProgramOut) -> String {
    match p.eligibility.kind.as_str() {
        "agencies" => format!("{} named agencies", p.eligibility.agencies.len()),
        other => words(other),
    }
}

/// Requests by status, each a link to the filtered list.
fn status_tiles(views: &[AccessRequestView], extra: &str) -> Vec<Tile> {
    let mut by: BTreeMap<&str, u64> = BTreeMap::new();
    for v in views {
        *by.entry(v.request.status.as_str()).or_default() += 1;
    }
    AccessStatus::ALL
        .iter()
        .filter_map(|s| {
            by.get(s.as_str()).map(|n| {
                let mut t = Tile::new(
                    *n,
                    words(s.as_str()),
                    format!("{REQUESTS}?status={}{extra}", s.as_str()),
                );
                // Waiting on someone: drawn to the eye.
                t.alarm = matches!(s, AccessStatus::Requested | AccessStatus::Approved);
                t
            })
        })
        .collect()
}

/// `GET /tools/programs`: every program, with the requests the visitor may
/// read counted.
pub async fn list_programs(State(state): State<AppState>, who: SignedIn) -> PageResult {
    let fail = |e: PageError| e.for_user(&who, &state);
    let all = programs::list(&state, &who.principal)
        .await
        .map_err(|e| fail(PageError::refused(e, "program")))?;
    let views = access::views(&state, &who.principal, &AccessFilter::default())
        .await
        .map_err(|e| fail(PageError::refused(e, "access request")))?;
    let rows = all
        .iter()
        .map(|p| ProgramRow {
            id: p.id,
            name: p.name.clone(),
            eligibility: eligibility_text(p),
            tools: p.tools.len(),
            max_days: p.max_days,
            requests: views.iter().filter(|v| v.request.program == p.id).count(),
        })
        .collect();
    render(
        StatusCode::OK,
        &ProgramsPage {
            title: "Programs",
            nav: Some(who.nav(&state, NAV)),
            counts: status_tiles(&views, ""),
            rows,
        },
    )
}

#[derive(Template)]
#[template(path = "program.html")]
struct ProgramPage {
    title: String,
    nav: Option<Nav>,
    program: programs::ProgramOut,
    eligibility: String,
    offered: Vec<OfferedTool>,
    counts: Vec<Tile>,
    requests: Vec<RequestRow>,
    /// The form, for an agency's writers; its choices.
    may_request: bool,
    systems: Vec<SystemChoice>,
    markings: Vec<&'static str>,
    today: String,
    csrf: String,
}

/// `GET /tools/programs/{id}`: a program's terms, the tools it offers with
/// their evidence, the requests under it the visitor may read, and the
/// form an agency asks with.
pub async fn program(
    State(state): State<AppState>,
    who: SignedIn,
    Path(id): Path<String>,
) -> PageResult {
    let fail = |e: PageError| e.for_user(&who, &state);
    let id = uuid(&id, "program").map_err(fail)?;
    let p = programs::get(&state, &who.principal, id)
        .await
        .map_err(|e| fail(PageError::refused(e, "program")))?;
    let mut offered = Vec::new();
    for t in &p.tools {
        // A tool the visitor may not read (withdrawn since) is left out.
        let Ok(t) = tools::get(&state, &who.principal, *t).await else {
            continue;
        };
        offered.push(OfferedTool {
            id: t.id,
            kind: words(&t.kind),
            receives: data_text(&t.limits.max_tlp, t.limits.embargoed),
            validation: t
                .evidence
                .as_ref()
                .and_then(|e| {
                    e.validation.rate.map(|r| {
                        format!(
                            "{}/{} ({:.0}%, 95% interval {:.0}% to {:.0}%)",
                            e.validation.k,
                            e.validation.n,
                            r * 100.0,
                            e.validation.lower * 100.0,
                            e.validation.upper * 100.0
                        )
                    })
                })
                .unwrap_or_else(|| "no decided case yet".into()),
            name: t.name,
        });
    }
    let filter = AccessFilter {
        program: Some(id),
        ..AccessFilter::default()
    };
    let views = access::views(&state, &who.principal, &filter)
        .await
        .map_err(|e| fail(PageError::refused(e, "access request")))?;
    let may_request = access::may_request(&state, &who.principal);
    let mut choices = Vec::new();
    if may_request {
        let page = PageRequest {
            after: None,
            limit: PageRequest::MAX_LIMIT,
        };
        let own = systems::list(&state, &who.principal, page)
            .await
            .map_err(|e| fail(PageError::refused(e, "system")))?;
        choices = own
            .items
            .into_iter()
            .filter(|s| s.org == who.principal.org_id)
            .map(|s| SystemChoice {
                id: s.id,
                hva: s.high_value_asset == "yes",
                name: s.name,
            })
            .collect();
    }
    render(
        StatusCode::OK,
        &ProgramPage {
            title: p.name.clone(),
            nav: Some(who.nav(&state, NAV)),
            eligibility: eligibility_text(&p),
            offered,
            counts: status_tiles(&views, &format!("&program={id}")),
            requests: views.iter().map(request_row).collect(),
            may_request,
            systems: choices,
            markings: Tlp::ALL
                .iter()
                .filter(|t| **t != Tlp::Red)
                .map(|t| t.as_str())
                .collect(),
            today: day(&bulwark_core::rfc3339(state.now())),
            csrf: who.csrf.clone(),
            program: p,
        },
    )
}

/// A form as the pairs it was posted with, so that a field may repeat
/// (the systems' checkboxes).
#[derive(Debug, Default, Deserialize)]
#[serde(transparent)]
pub struct Pairs(Vec<(String, String)>);

impl Pairs {
    fn one(&self, name: &str) -> String {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.trim().to_owned())
            .unwrap_or_default()
    }

    fn all(&self, name: &str) -> Vec<&str> {
        self.0
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }
}

impl CsrfField for Pairs {
    fn csrf(&self) -> &str {
        self.0
            .iter()
            .find(|(k, _)| k == "csrf")
            .map_or("", |(_, v)| v.as_str())
    }
}

/// `POST /tools/programs/{id}/request`: as `POST /api/v1/access-requests`
/// for the visitor's agency, then the new request's page.
pub async fn request(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Posted { who, form }: Posted<Pairs>,
) -> PageResult {
    let fail = |e: PageError| e.for_user(&who, &state);
    let program = uuid(&id, "program").map_err(fail)?;
    let tool = Uuid::parse_str(&form.one("tool")).map_err(|_| {
        fail(PageError::bad_field(
            "tool",
            "choose one of the program's tools",
        ))
    })?;
    let mut chosen = Vec::new();
    for s in form.all("systems") {
        chosen.push(
            Uuid::parse_str(s)
                .map_err(|_| fail(PageError::bad_field("systems", "not a system of yours")))?,
        );
    }
    let input = AccessRequestIn {
        program,
        tool,
        use_case_id: form.one("use_case_id"),
        systems: chosen,
        data: DataIn {
            tlp: form.one("tlp"),
            embargoed: form.one("embargoed") == "yes",
        },
        starts_at: form_instant("starts_at", &form.one("starts_at")).map_err(fail)?,
        ends_at: form_instant("ends_at", &form.one("ends_at")).map_err(fail)?,
        agency: None,
    };
    let r = access::request(&state, &who, &input)
        .await
        .map_err(|e| fail(PageError::refused(e, "program")))?;
    Ok(Redirect::to(&format!("{REQUESTS}/{}", r.id)).into_response())
}

/// The list's query.
#[derive(Debug, Default, Deserialize)]
pub struct RequestParams {
    status: Option<String>,
    program: Option<String>,
    tool: Option<String>,
    page: Option<String>,
}

struct Choice {
    value: String,
    label: String,
    selected: bool,
}

#[derive(Template)]
#[template(path = "access_requests.html")]
struct RequestsPage {
    title: &'static str,
    nav: Option<Nav>,
    counts: Vec<Tile>,
    statuses: Vec<Choice>,
    programs: Vec<Choice>,
    tools: Vec<Choice>,
    filtered: bool,
    total: usize,
    rows: Vec<RequestRow>,
    prev_href: Option<String>,
    next_href: Option<String>,
}

fn id_param(raw: &Option<String>, field: &str) -> Result<Option<Uuid>, PageError> {
    match raw.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(v) => Uuid::parse_str(v)
            .map(Some)
            .map_err(|_| PageError::bad_request(format!("{field}: {v:?} is not an id"))),
    }
}

/// `GET /tools/access`: the requests the visitor may read — an agency its
/// own, the program office all, a provider those for its tools — numbers
/// first, with filters.
pub async fn list_requests(
    State(state): State<AppState>,
    who: SignedIn,
    query: Result<axum::extract::Query<RequestParams>, axum::extract::rejection::QueryRejection>,
) -> PageResult {
    let fail = |e: PageError| e.for_user(&who, &state);
    let axum::extract::Query(p) = query.map_err(|e| fail(PageError::bad_request(e.body_text())))?;
    let page = super::page_number(&p.page).map_err(|e| fail(PageError::bad_request(e)))?;
    let status = p
        .status
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned);
    let filter = AccessFilter {
        agency: None,
        program: id_param(&p.program, "program").map_err(fail)?,
        tool: id_param(&p.tool, "tool").map_err(fail)?,
        status: status.clone(),
    };
    // The numbers count every status under the other filters.
    let unfiltered = AccessFilter {
        status: None,
        ..filter.clone()
    };
    let all = access::views(&state, &who.principal, &unfiltered)
        .await
        .map_err(|e| fail(PageError::refused(e, "access request")))?;
    let mut keep = String::new();
    for (k, v) in [("program", filter.program), ("tool", filter.tool)] {
        if let Some(v) = v {
            keep.push_str(&format!("&{k}={v}"));
        }
    }
    let counts = status_tiles(&all, &keep);
    let mut programs_seen: BTreeMap<String, Uuid> = BTreeMap::new();
    let mut tools_seen: BTreeMap<String, Uuid> = BTreeMap::new();
    for v in &all {
        programs_seen.insert(v.program_name.clone(), v.request.program);
        tools_seen.insert(v.tool_name.clone(), v.request.tool);
    }
    let choice = |name: &String, id: &Uuid, chosen: Option<Uuid>| Choice {
        value: id.to_string(),
        label: name.clone(),
        selected: chosen == Some(*id),
    };
    let rows: Vec<RequestRow> = all
        .iter()
        .filter(|v| status.as_deref().is_none_or(|s| s == v.request.status))
        .map(request_row)
        .collect();
    if let Some(s) = &status
        && s.parse::<AccessStatus>().is_err()
    {
        return Err(fail(PageError::bad_request(format!(
            "status: {s:?} is not one of {}",
            AccessStatus::ALL
                .iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ))));
    }
    let total = rows.len();
    let base = format!(
        "{REQUESTS}?status={}{keep}",
        status.as_deref().unwrap_or("")
    );
    let (rows, prev_href, next_href) =
        super::page_of(rows, page, super::LIST_ROWS, |n| format!("{base}&page={n}"));
    render(
        StatusCode::OK,
        &RequestsPage {
            title: "Access requests",
            nav: Some(who.nav(&state, NAV)),
            counts,
            statuses: AccessStatus::ALL
                .iter()
                .map(|s| Choice {
                    value: s.as_str().to_owned(),
                    label: words(s.as_str()),
                    selected: status.as_deref() == Some(s.as_str()),
                })
                .collect(),
            programs: programs_seen
                .iter()
                .map(|(n, i)| choice(n, i, filter.program))
                .collect(),
            tools: tools_seen
                .iter()
                .map(|(n, i)| choice(n, i, filter.tool))
                .collect(),
            filtered: status.is_some() || !keep.is_empty(),
            total,
            rows,
            prev_href,
            next_href,
        },
    )
}

#[derive(Template)]
#[template(path = "access_request.html")]
struct RequestPage {
    title: String,
    nav: Option<Nav>,
    v: AccessRequestView,
    data: String,
    starts: Stamp,
    ends: Stamp,
    decided: Option<Stamp>,
    expires: Option<Stamp>,
    requested: Stamp,
    csrf: String,
}

/// `GET /tools/access/{id}`: one request with its facts and the decisions
/// the visitor may take.
pub async fn view(
    State(state): State<AppState>,
    who: SignedIn,
    Path(id): Path<String>,
) -> PageResult {
    let fail = |e: PageError| e.for_user(&who, &state);
    let id = uuid(&id, "access request").map_err(fail)?;
    let v = access::view(&state, &who.principal, id)
        .await
        .map_err(|e| fail(PageError::refused(e, "access request")))?;
    let r = &v.request;
    render(
        StatusCode::OK,
        &RequestPage {
            title: format!("{} for {}", v.tool_name, v.agency_name),
            nav: Some(who.nav(&state, NAV)),
            data: data_text(&r.data_tlp, r.embargoed),
            starts: Stamp::parse(&r.starts_at),
            ends: Stamp::parse(&r.ends_at),
            decided: r.decided_at.as_deref().map(Stamp::parse),
            expires: r.expires_at.as_deref().map(Stamp::parse),
            requested: Stamp::parse(&r.created_at),
            csrf: who.csrf.clone(),
            v,
        },
    )
}

/// A decision from a request's page.
#[derive(Debug, Default, Deserialize)]
pub struct DecisionForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    authorising_official: String,
    #[serde(default)]
    conditions: String,
    #[serde(default)]
    expires_at: String,
}

impl CsrfField for DecisionForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

fn text(v: &str) -> Option<String> {
    Some(v.trim().to_owned()).filter(|v| !v.is_empty())
}

/// `POST /tools/access/{id}/{action}` (`approve`, `deny`, `accept`,
/// `decline`, `revoke`): as the API's, then back to the request's page.
pub async fn act(
    State(state): State<AppState>,
    Path((id, action)): Path<(String, String)>,
    Posted { who, form }: Posted<DecisionForm>,
) -> PageResult {
    let fail = |e: PageError| e.for_user(&who, &state);
    let id = uuid(&id, "access request").map_err(fail)?;
    let done = match action.as_str() {
        "approve" | "deny" => {
            let expires_at = match text(&form.expires_at) {
                Some(d) => Some(form_instant("expires_at", &d).map_err(fail)?),
                None => None,
            };
            let body = AccessDecisionIn {
                decision: action.clone(),
                reason: text(&form.reason),
                authorising_official: text(&form.authorising_official),
                conditions: form.conditions.trim().to_owned(),
                expires_at,
                scope: None,
            };
            access::decide(&state, &who, id, &body).await
        }
        "accept" | "decline" => {
            let body = AccessAnswerIn {
                accept: action == "accept",
                reason: text(&form.reason),
            };
            access::answer(&state, &who, id, &body).await
        }
        "revoke" => {
            let body = RevokeIn {
                reason: form.reason.trim().to_owned(),
            };
            access::revoke(&state, &who, id, &body).await
        }
        _ => return Err(fail(PageError::not_found("page"))),
    };
    done.map_err(|e| fail(PageError::refused(e, "access request")))?;
    Ok(Redirect::to(&format!("{REQUESTS}/{id}")).into_response())
}
