//! The clearinghouse's pages: `/clearinghouse` (the triage queue and the
//! visitor's organization's recent claims), a case's page, the sources'
//! reliability and a target's coverage.
//!
//! Every decision is the use cases' that the API calls too: the queue is
//! the one of `GET /api/v1/triage` ([`bulwark_app::triage::readable_queue`],
//! scores shown by the same decision), a case is read through
//! [`bulwark_app::cases::case_file`] (so a case the visitor may not read is
//! the same 404), the sources table is [`bulwark_app::cases::sources`] and
//! coverage [`bulwark_app::claims::coverage_of`], with each claim's outcome
//! shown by the policy's `claim.read_outcome` decision; intake is
//! [`bulwark_app::cases::ingest`]. These pages only draw.

use askama::Template;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use bulwark_app::cases::{AssessmentIn, IntakeOut, ReceivedDocument};
use bulwark_app::{AppError, ErrorKind, claims, triage};
use bulwark_store::{Assessment, ScanClaim};
use serde::Deserialize;
use uuid::Uuid;

use super::session::{CsrfField, Posted, SignedIn};
use super::{Nav, OrgNames, PageError, PageResult, Stamp, render, words};
use crate::problem::{ApiError, HttpStatus, Kind};
use crate::state::AppState;

const CLEARINGHOUSE: &str = "/clearinghouse";

/// Entries of the queue on the page.
const QUEUE_ROWS: u32 = 100;
/// The visitor's organization's claims on the page.
const CLAIM_ROWS: u32 = 20;

/// A use case's failure as a page (what is not found on these pages is a
/// case).
pub(super) fn page_error(e: AppError) -> PageError {
    match e.kind {
        ErrorKind::NotFound => PageError::not_found("case"),
        ErrorKind::Forbidden => PageError::forbidden_because(e.detail),
        ErrorKind::MalformedRequest => PageError::bad_request(e.detail),
        ErrorKind::Validation => {
            PageError::new(StatusCode::UNPROCESSABLE_ENTITY, "Not acceptable", e.detail)
        }
        ErrorKind::Conflict => PageError::new(StatusCode::CONFLICT, "Conflict", e.detail),
        _ => PageError::internal(),
    }
}

/// A name and its version, as one label.
fn versioned(name: &Option<String>, version: &Option<String>) -> String {
    match (name, version) {
        (Some(n), Some(v)) => format!("{n} {v}"),
        (Some(n), None) => n.clone(),
        _ => String::new(),
    }
}

/// One claim as the pages show it; the outcome only where the policy lets
/// the visitor read it (the use cases hand claims out so).
struct ClaimRow {
    target: String,
    org: String,
    technique: String,
    tool: String,
    model: String,
    started: Stamp,
    until: Stamp,
    status: &'static str,
    outcome: Option<String>,
    note: Option<String>,
}

async fn claim_row(state: &AppState, names: &mut OrgNames, c: ScanClaim) -> PageResult<ClaimRow> {
    let active = c.is_active(state.now());
    let status = match (active, c.released_at.is_some(), c.exclusive) {
        (true, _, true) => "holds the target",
        (true, _, false) => "active, beside the holder",
        (false, true, _) => "released",
        (false, false, _) => "lapsed",
    };
    let outcome = c.outcome.map(|o| {
        let text = words(o.as_str());
        match c.findings {
            Some(n) => format!("{text} ({n})"),
            None => text,
        }
    });
    Ok(ClaimRow {
        target: c.target.locator().to_owned(),
        org: names.name(state, c.org_id).await?,
        technique: words(c.technique.as_str()),
        tool: c.tool.clone().unwrap_or_default(),
        model: versioned(&c.model_name, &c.model_version),
        started: Stamp::new(c.created_at),
        until: Stamp::new(c.released_at.unwrap_or(c.expires_at)),
        status,
        outcome,
        note: c.note,
    })
}

// ---------------------------------------------------------------------------
// GET /clearinghouse
// ---------------------------------------------------------------------------

struct QueueRow {
    position: usize,
    id: Uuid,
    title: String,
    state: String,
    first_reporter: String,
    first_reported: Stamp,
    reports: i64,
    reporting_orgs: i64,
    /// Score and reason, for visitors who may read sources' records.
    score: Option<String>,
    reason: Option<String>,
    /// The SSVC decision, `unknown` when not assessed.
    decision: String,
    /// The decision as a CSS class suffix (`track*` → `track-star`).
    decision_class: String,
    assessed: bool,
    /// The priority's reasons, one per key of the order.
    priority: Vec<String>,
}

#[derive(Template)]
#[template(path = "clearinghouse_queue.html")]
struct QueuePage {
    title: &'static str,
    nav: Option<Nav>,
    scores_shown: bool,
    queue: Vec<QueueRow>,
    claims_shown: bool,
    claims: Vec<ClaimRow>,
    /// The queue by SSVC decision, then by state; each opens its list.
    counts: Vec<super::pages::Tile>,
    /// What the queue is filtered to, in words.
    showing: Option<String>,
    /// Entries counted, and whether that was every readable one.
    counted: usize,
    counted_all: bool,
    /// Cases opened and validations recorded per week (SVG from
    /// [`super::charts`]), and the same numbers for the table.
    activity_chart: Option<String>,
    activity: Vec<(String, u64, u64)>,
    activity_complete: bool,
    prev_href: Option<String>,
    next_href: Option<String>,
}

/// `GET /clearinghouse`'s filters.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QueueParams {
    /// An SSVC decision (`act`, `attend`, `track*`, `track`) or `unknown`.
    priority: Option<String>,
    /// `new` or `triaged`.
    state: Option<String>,
    /// The page of the (filtered) queue, from 1.
    page: Option<String>,
}

/// An SSVC decision as a filter names it (`track*`), for people (`SSVC
/// Track*`); `unknown` is a case nobody assessed.
fn decision_label(key: &str) -> String {
    match key {
        "act" => "SSVC Act".to_owned(),
        "attend" => "SSVC Attend".to_owned(),
        "track*" => "SSVC Track*".to_owned(),
        "track" => "SSVC Track".to_owned(),
        _ => "not assessed".to_owned(),
    }
}

/// Entries of the queue counted for the numbers above it.
const QUEUE_COUNTED: u32 = bulwark_store::MAX_TRIAGE_PAGE;

/// `GET /clearinghouse`: the triage queue the visitor may read, counted by
/// decision and state, filtered by them, in the queue's order; and its
/// organization's recent claims.
pub async fn dashboard(
    State(state): State<AppState>,
    who: SignedIn,
    query: Result<Query<QueueParams>, QueryRejection>,
) -> PageResult {
    let fail = |e: PageError| e.for_user(&who, &state);
    let Query(params) = query.map_err(|e| fail(PageError::bad_request(e.body_text())))?;
    let pick = |name: &str, v: &Option<String>, allowed: &[&str]| -> PageResult<Option<String>> {
        match v.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
            None => Ok(None),
            Some(w) if allowed.contains(&w) => Ok(Some(w.to_owned())),
            Some(w) => Err(PageError::bad_request(format!(
                "{name}: {w:?} is not one of {}",
                allowed.join(", ")
            ))),
        }
    };
    let priority = pick(
        "priority",
        &params.priority,
        &bulwark_app::dashboard::DECISIONS,
    )
    .map_err(fail)?;
    let only_state = pick("state", &params.state, &["new", "triaged"]).map_err(fail)?;
    let page = super::page_number(&params.page).map_err(|e| fail(PageError::bad_request(e)))?;
    let scores_shown = triage::may_see_reliability(&state, &who.principal);
    let entries = triage::readable_queue(&state, &who.principal, QUEUE_COUNTED)
        .await
        .map_err(|e| fail(page_error(e)))?;
    let counted = entries.len();
    let counted_all = counted < QUEUE_COUNTED as usize;
    let decision_of = bulwark_app::dashboard::decision_key;
    let mut counts = Vec::new();
    for d in bulwark_app::dashboard::DECISIONS {
        let n = entries.iter().filter(|q| decision_of(q) == d).count() as u64;
        if n > 0 {
            counts.push(super::pages::Tile {
                n,
                label: decision_label(d),
                href: format!("{CLEARINGHOUSE}?priority={}", super::directives::enc(d)),
                alarm: d == "act",
            });
        }
    }
    for st in ["new", "triaged"] {
        let n = entries
            .iter()
            .filter(|q| q.entry.state.as_str() == st)
            .count() as u64;
        if n > 0 {
            counts.push(super::pages::Tile {
                n,
                label: st.to_owned(),
                href: format!("{CLEARINGHOUSE}?state={st}"),
                alarm: false,
            });
        }
    }
    let showing = match (&priority, &only_state) {
        (None, None) => None,
        (p, s) => Some(
            [p.as_deref().map(decision_label), s.clone()]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(", "),
        ),
    };
    let act = bulwark_app::dashboard::clearinghouse_activity(&state, &who.principal)
        .await
        .map_err(|e| fail(page_error(e)))?;
    let activity: Vec<(String, u64, u64)> = act
        .weeks
        .iter()
        .map(|w| (w.until.to_string(), w.opened, w.validations))
        .collect();
    let activity_chart = activity.iter().any(|(_, o, v)| o + v > 0).then(|| {
        let categories: Vec<String> = act
            .weeks
            .iter()
            .map(|w| format!("{}/{}", w.until.month() as u8, w.until.day()))
            .collect();
        let series = [
            super::charts::Series {
                name: "cases opened".to_owned(),
                class: "chart-a".to_owned(),
                values: act.weeks.iter().map(|w| w.opened as f64).collect(),
            },
            super::charts::Series {
                name: "validations".to_owned(),
                class: "chart-b".to_owned(),
                values: act.weeks.iter().map(|w| w.validations as f64).collect(),
            },
        ];
        super::charts::Lines {
            id: "activity-chart",
            title: "Cases opened and validations recorded per week",
            desc: &format!(
                "The last {} weeks, each ending on the day named: {}.",
                act.weeks.len(),
                act.weeks
                    .iter()
                    .map(|w| format!(
                        "to {}: {} opened, {} validations",
                        w.until, w.opened, w.validations
                    ))
                    .collect::<Vec<_>>()
                    .join("; ")
            ),
            y_name: "per week",
            categories: &categories,
            series: &series,
        }
        .svg()
    });
    let skip = (page - 1).saturating_mul(QUEUE_ROWS as usize);
    let chosen: Vec<_> = entries
        .into_iter()
        .filter(|q| priority.as_deref().is_none_or(|p| decision_of(q) == p))
        .filter(|q| {
            only_state
                .as_deref()
                .is_none_or(|s| q.entry.state.as_str() == s)
        })
        .collect();
    let more = chosen.len() > skip + QUEUE_ROWS as usize;
    let page_href = |n: usize| {
        let mut q: Vec<String> = Vec::new();
        if let Some(p) = &priority {
            q.push(format!("priority={}", super::directives::enc(p)));
        }
        if let Some(s) = &only_state {
            q.push(format!("state={s}"));
        }
        q.push(format!("page={n}"));
        format!("{CLEARINGHOUSE}?{}", q.join("&"))
    };
    let prev_href = (page > 1).then(|| page_href(page - 1));
    let next_href = more.then(|| page_href(page + 1));
    let queue = chosen
        .into_iter()
        .skip(skip)
        .take(QUEUE_ROWS as usize)
        .enumerate()
        .map(|(i, q)| (skip + i, q.entry, q.priority))
        .map(|(i, e, p)| QueueRow {
            position: i + 1,
            id: e.case_id,
            score: scores_shown.then(|| format!("{:.2}", e.score)),
            reason: scores_shown.then(|| triage::reason(&e)),
            decision: p.priority.ssvc.map_or("unknown", |d| d.as_str()).to_owned(),
            decision_class: p
                .priority
                .ssvc
                .map_or("unknown", |d| d.as_str())
                .to_ascii_lowercase()
                .replace('*', "-star"),
            assessed: p.assessed,
            priority: p.reasons(),
            title: e.title,
            state: e.state.as_str().to_owned(),
            first_reporter: e.first_reporter_name,
            first_reported: Stamp::new(e.first_reported_at),
            reports: e.reports,
            reporting_orgs: e.reporting_orgs,
        })
        .collect();
    // Visitors who may not read coverage do without the section.
    let (claims_shown, own) = match claims::own_org_claims(&state, &who.principal, CLAIM_ROWS).await
    {
        Ok(own) => (true, own),
        Err(e) if e.kind == ErrorKind::Forbidden => (false, Vec::new()),
        Err(e) => return Err(fail(page_error(e))),
    };
    let mut claims = Vec::new();
    let mut names = OrgNames::default();
    for c in own {
        claims.push(claim_row(&state, &mut names, c).await.map_err(fail)?);
    }
    render(
        StatusCode::OK,
        &QueuePage {
            title: "Clearinghouse",
            nav: Some(who.nav(&state, CLEARINGHOUSE)),
            scores_shown,
            queue,
            claims_shown,
            claims,
            counts,
            showing,
            counted,
            counted_all,
            activity_chart,
            activity,
            activity_complete: act.complete,
            prev_href,
            next_href,
        },
    )
}

// ---------------------------------------------------------------------------
// GET /clearinghouse/awaiting
// ---------------------------------------------------------------------------

struct AwaitingRow {
    id: Uuid,
    title: String,
    state: &'static str,
    tasks: Vec<&'static str>,
    since: Stamp,
    reported: Stamp,
}

#[derive(Template)]
#[template(path = "clearinghouse_awaiting.html")]
struct AwaitingPage {
    title: &'static str,
    nav: Option<Nav>,
    org_name: String,
    rows: Vec<AwaitingRow>,
}

/// A task as the page names it.
fn task_label(task: &str) -> &'static str {
    match task {
        "reproduction" => "Reproduce it",
        "vendor_confirmation" => "Confirm or dispute it (vendor)",
        "patch_applies" => "Check that the patch applies",
        "patch_fixes" => "Check that the patch fixes it",
        "patch_tests_pass" => "Check that the tests pass with the patch",
        _ => "A task",
    }
}

/// `GET /clearinghouse/awaiting`: the cases that wait for the visitor's
/// organization (the dashboard's count opens it).
pub async fn awaiting(State(state): State<AppState>, who: SignedIn) -> PageResult {
    let fail = |e: PageError| e.for_user(&who, &state);
    let found = bulwark_app::cases::awaiting(&state, &who.principal)
        .await
        .map_err(|e| fail(page_error(e)))?;
    let rows = found
        .into_iter()
        .map(|a| AwaitingRow {
            id: a.case.id,
            title: a.case.title,
            state: a.case.state.as_str(),
            since: Stamp::new(a.tasks.first().map_or(a.case.created_at, |t| t.1)),
            tasks: a.tasks.iter().map(|(t, _)| task_label(t)).collect(),
            reported: Stamp::new(a.case.first_reported_at),
        })
        .collect();
    render(
        StatusCode::OK,
        &AwaitingPage {
            title: "Cases awaiting your organization",
            org_name: who.principal.org_name.clone(),
            nav: Some(who.nav(&state, CLEARINGHOUSE)),
            rows,
        },
    )
}

// ---------------------------------------------------------------------------
// GET /clearinghouse/priorities
// ---------------------------------------------------------------------------

/// Rows of the ranking per page.
const PRIORITY_ROWS: u32 = 100;

struct PriorityRow {
    rank: u64,
    cve: String,
    /// Its advisory here when Bulwark holds one, else its record at cve.org.
    href: String,
    decision: String,
    kev_override: bool,
    kev_since: Option<String>,
    /// KEV's vendor and product.
    kev_product: Option<String>,
    epss: Option<String>,
    cvss: Option<String>,
}

#[derive(Template)]
#[template(path = "clearinghouse_priorities.html")]
struct PrioritiesPage {
    title: &'static str,
    nav: Option<Nav>,
    rows: Vec<PriorityRow>,
    total: u64,
    epss_skipped: bool,
    first_row: u64,
    last_row: u64,
    prev_href: Option<String>,
    next_href: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct PriorityParams {
    page: Option<String>,
}

/// `GET /clearinghouse/priorities[?page=N]`: the CVEs the store knows,
/// ranked by the one priority order at Mission & Well-being high, as `GET
/// /api/v1/vulnerabilities` ranks them (same decision, same order), a
/// hundred to a page.
pub async fn priorities(
    State(state): State<AppState>,
    who: SignedIn,
    query: Result<Query<PriorityParams>, QueryRejection>,
) -> PageResult {
    let fail = |e: PageError| e.for_user(&who, &state);
    let Query(params) = query.map_err(|e| fail(PageError::bad_request(e.body_text())))?;
    let page = super::page_number(&params.page).map_err(|e| fail(PageError::bad_request(e)))?;
    let offset = (page as u64 - 1).saturating_mul(u64::from(PRIORITY_ROWS));
    let ranking = bulwark_app::priorities::ranking(
        &state,
        &who.principal,
        bulwark_scoring::ssvc::MissionWellbeing::High,
        offset,
        PRIORITY_ROWS,
    )
    .await
    .map_err(|e| fail(page_error(e)))?;
    let total = ranking.total;
    let shown: Vec<&str> = ranking.items.iter().map(|p| p.id.as_str()).collect();
    let held = bulwark_app::facts::held(&state, &shown)
        .await
        .map_err(|e| fail(page_error(e)))?;
    let rows: Vec<PriorityRow> = ranking
        .items
        .iter()
        .zip(held)
        .zip(offset + 1..)
        .map(|((p, held), rank)| PriorityRow {
            rank,
            cve: p.id.clone(),
            href: super::vulnerability_href(&p.id, held)
                .unwrap_or_else(|| format!("https://www.cve.org/CVERecord?id={}", p.id)),
            kev_product: ranking
                .kev
                .get(&p.id)
                .map(|k| format!("{} {}", k.vendor_project, k.product)),
            decision: p.ssvc.map_or("unknown", |d| d.as_str()).to_owned(),
            kev_override: p.ssvc_from_kev,
            kev_since: match (p.in_kev, &p.kev_date_added) {
                (true, Some(d)) => Some(d.clone()),
                (true, None) => Some("listed".to_owned()),
                (false, _) => None,
            },
            epss: p
                .epss
                .as_ref()
                .map(|e| format!("{} ({})", e.score, e.model_version)),
            cvss: p.cvss.map(|(s, v)| format!("{s:.1} ({v})")),
        })
        .collect();
    let href = |n: usize| format!("/clearinghouse/priorities?page={n}");
    let last_row = offset + rows.len() as u64;
    render(
        StatusCode::OK,
        &PrioritiesPage {
            title: "Vulnerability priorities",
            nav: Some(who.nav(&state, CLEARINGHOUSE)),
            first_row: if rows.is_empty() { 0 } else { offset + 1 },
            last_row,
            prev_href: (page > 1).then(|| href(page - 1)),
            next_href: (last_row < total).then(|| href(page + 1)),
            rows,
            total,
            epss_skipped: ranking.epss_skipped,
        },
    )
}

// ---------------------------------------------------------------------------
// GET /clearinghouse/cases/{id}
// ---------------------------------------------------------------------------

struct ReportRow {
    org: String,
    tool: String,
    model: String,
    location: String,
    at: Stamp,
}

struct ValidationRow {
    kind: String,
    result: String,
    org: String,
    note: String,
    evidence: bool,
    at: Stamp,
}

struct TaskRow {
    kind: String,
    org: String,
    at: Stamp,
}

#[derive(Template)]
#[template(path = "clearinghouse_case.html")]
struct CasePage {
    title: String,
    nav: Option<Nav>,
    id: Uuid,
    state: String,
    rule: String,
    target: String,
    first_reporter: String,
    first_reported: Stamp,
    merged_into: Option<Uuid>,
    tlp: String,
    embargo_until: Option<String>,
    embargo_as_set: Option<String>,
    quorum: String,
    reports: Vec<ReportRow>,
    validations: Vec<ValidationRow>,
    tasks: Vec<TaskRow>,
    /// The analysts' assessment, once set.
    assessment: Option<AssessmentView>,
    priority: PriorityView,
    /// The visitor may set the assessment (the decision of `PUT
    /// /api/v1/cases/{id}/assessment`): the form is shown.
    may_assess: bool,
    csrf: String,
    /// The form's fields, preset to the assessment.
    fields: Vec<PointField>,
    cve: String,
    /// Vendor fixes, patches and their checks, workarounds, and the forms
    /// the policy allows (`remediation.rs`).
    remediation: super::remediation::RemediationView,
    /// The case's advisory, if it has one the visitor may read: (id,
    /// tracking id, stage).
    advisory: Option<(Uuid, String, &'static str)>,
    /// The visitor may draft the advisory (a validated case without one).
    may_draft: bool,
    /// The notified vendor and when, once notified.
    vendor: Option<(String, Stamp)>,
    /// The organizations party to the case, by name.
    parties: Vec<String>,
    /// The "Actions" beside the facts (`case_actions.rs`).
    actions: super::case_actions::CaseActions,
}

/// The assessment as set: each point, or `not judged`.
struct AssessmentView {
    points: Vec<(&'static str, String)>,
    cve: String,
    set_by: String,
    set_at: Stamp,
}

/// A case's priority as the page shows it.
struct PriorityView {
    assessed: bool,
    decision: String,
    kev_override: bool,
    cve: Option<String>,
    /// (point, value, where from).
    points: Vec<(String, String, &'static str)>,
    reasons: Vec<String>,
}

struct Choice {
    value: &'static str,
    label: &'static str,
    selected: bool,
}

/// One select of the assessment form.
struct PointField {
    name: &'static str,
    label: &'static str,
    choices: Vec<Choice>,
    /// Nothing judged: the empty choice is selected.
    unset: bool,
}

/// The form's selects, each preset to `a`'s value.
fn point_fields(a: Option<&Assessment>) -> Vec<PointField> {
    let field = |name, label, current: Option<&String>, words: &[(&'static str, &'static str)]| {
        PointField {
            name,
            label,
            choices: words
                .iter()
                .map(|(value, label)| Choice {
                    value,
                    label,
                    selected: current.is_some_and(|c| c == value),
                })
                .collect(),
            unset: current.is_none(),
        }
    };
    vec![
        field(
            "exploitation",
            "Exploitation",
            a.and_then(|a| a.exploitation.as_ref()),
            &[
                ("none", "none"),
                ("public_poc", "public proof of concept"),
                ("active", "active"),
            ],
        ),
        field(
            "automatable",
            "Automatable",
            a.and_then(|a| a.automatable.as_ref()),
            &[("no", "no"), ("yes", "yes")],
        ),
        field(
            "technical_impact",
            "Technical impact",
            a.and_then(|a| a.technical_impact.as_ref()),
            &[("partial", "partial"), ("total", "total")],
        ),
        field(
            "mission_wellbeing",
            "Mission & well-being",
            a.and_then(|a| a.mission_wellbeing.as_ref()),
            &[("low", "low"), ("medium", "medium"), ("high", "high")],
        ),
    ]
}

fn priority_view(p: &bulwark_app::triage::CasePriority) -> PriorityView {
    PriorityView {
        assessed: p.assessed,
        decision: p.priority.ssvc.map_or("unknown", |d| d.as_str()).to_owned(),
        kev_override: p.priority.ssvc_from_kev,
        cve: p.cve.clone(),
        points: p
            .points
            .iter()
            .map(|u| (words(u.point), words(&u.value), u.source))
            .collect(),
        reasons: p.reasons(),
    }
}

/// `GET /clearinghouse/cases/{id}`: a case with its reports, validations
/// and tasks; the 404 page when the visitor may not read it.
pub async fn case(
    State(state): State<AppState>,
    who: SignedIn,
    Path(id): Path<String>,
) -> PageResult {
    let fail = |e: PageError| e.for_user(&who, &state);
    let id = Uuid::parse_str(&id).map_err(|_| fail(PageError::not_found("case")))?;
    let file = bulwark_app::cases::case_file(&state, &who.principal, id)
        .await
        .map_err(|e| fail(page_error(e)))?;
    let actions = super::case_actions::view(&state, &who, &file)
        .await
        .map_err(fail)?;
    let mut names = OrgNames::default();
    let mut parties = Vec::with_capacity(file.parties.len());
    for p in &file.parties {
        parties.push(names.name(&state, *p).await.map_err(fail)?);
    }
    parties.sort();
    let (c, assessed, priority) = (file.case, file.assessment, file.priority);
    let vendor = match c.vendor {
        Some((org, at)) => Some((names.name(&state, org).await.map_err(fail)?, Stamp::new(at))),
        None => None,
    };
    let mut reports = Vec::with_capacity(file.reports.len());
    for r in file.reports {
        reports.push(ReportRow {
            org: names.name(&state, r.org_id).await.map_err(fail)?,
            tool: versioned(&r.tool_name, &r.tool_version),
            model: versioned(&r.ai_model, &r.ai_model_version),
            location: r.location.unwrap_or_default(),
            at: Stamp::new(r.reported_at),
        });
    }
    let mut validations = Vec::new();
    for v in file.validations {
        validations.push(ValidationRow {
            kind: words(v.kind.as_str()),
            result: words(v.result.as_str()),
            org: names.name(&state, v.org_id).await.map_err(fail)?,
            note: v.note.unwrap_or_default(),
            evidence: v.evidence.is_some(),
            at: Stamp::new(v.at),
        });
    }
    let mut tasks = Vec::new();
    for t in file.tasks {
        tasks.push(TaskRow {
            kind: words(t.kind.as_str()),
            org: names.name(&state, t.org_id).await.map_err(fail)?,
            at: Stamp::new(t.at),
        });
    }
    let fields = point_fields(assessed.as_ref().map(|a| &a.assessment));
    let cve = assessed
        .as_ref()
        .and_then(|a| a.assessment.cve.clone())
        .unwrap_or_default();
    let assessment = match assessed {
        None => None,
        Some(a) => {
            let shown = |v: &Option<String>| v.as_deref().map_or("not judged".to_owned(), words);
            Some(AssessmentView {
                points: vec![
                    ("Exploitation", shown(&a.assessment.exploitation)),
                    ("Automatable", shown(&a.assessment.automatable)),
                    ("Technical impact", shown(&a.assessment.technical_impact)),
                    (
                        "Mission & well-being",
                        shown(&a.assessment.mission_wellbeing),
                    ),
                ],
                cve: a.assessment.cve.clone().unwrap_or_default(),
                set_by: match a.set_by_org {
                    Some(org) => names.name(&state, org).await.map_err(fail)?,
                    None => "an administrator at the command line".to_owned(),
                },
                set_at: Stamp::new(a.set_at),
            })
        }
    };
    let may_assess = bulwark_app::cases::may_manage(&state, &who.principal);
    let remediation = super::remediation::view(&state, &who, c.id, &mut names)
        .await
        .map_err(fail)?;
    let advisory = bulwark_app::publications::of_case(&state, &who.principal, id)
        .await
        .map_err(|e| fail(page_error(e)))?
        .map(|a| (a.id, a.tracking_id, a.stage.as_str()));
    let may_draft =
        may_assess && advisory.is_none() && c.state == bulwark_core::CaseState::Validated;
    let quorum = match (c.quorum.reproductions, c.quorum.vendor_confirms) {
        (n, true) => format!(
            "{n} independent reproduction{} or the vendor's confirmation",
            if n == 1 { "" } else { "s" }
        ),
        (n, false) => format!(
            "{n} independent reproduction{}",
            if n == 1 { "" } else { "s" }
        ),
    };
    render(
        StatusCode::OK,
        &CasePage {
            title: c.title,
            nav: Some(who.nav(&state, CLEARINGHOUSE)),
            id: c.id,
            state: c.state.as_str().to_owned(),
            rule: c.rule_id.unwrap_or_default(),
            target: c.target.map(|t| t.locator().to_owned()).unwrap_or_default(),
            first_reporter: names
                .name(&state, c.first_reporter_org)
                .await
                .map_err(fail)?,
            first_reported: Stamp::new(c.first_reported_at),
            merged_into: c.merged_into,
            tlp: c.tlp.as_str().to_owned(),
            embargo_until: c.embargo.as_ref().map(|e| e.utc()),
            embargo_as_set: c.embargo.as_ref().map(|e| e.as_set()),
            quorum,
            reports,
            validations,
            tasks,
            assessment,
            priority: priority_view(&priority),
            may_assess,
            csrf: who.csrf.clone(),
            fields,
            cve,
            remediation,
            advisory,
            may_draft,
            vendor,
            parties,
            actions,
        },
    )
}

// ---------------------------------------------------------------------------
// POST /clearinghouse/cases/{id}/assessment
// ---------------------------------------------------------------------------

/// The assessment form: each point's normalised word, or empty for not
/// judged.
#[derive(Debug, Default, Deserialize)]
pub struct AssessmentForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    exploitation: String,
    #[serde(default)]
    automatable: String,
    #[serde(default)]
    technical_impact: String,
    #[serde(default)]
    mission_wellbeing: String,
    #[serde(default)]
    cve: String,
}

impl CsrfField for AssessmentForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

/// `POST /clearinghouse/cases/{id}/assessment`: the same change as `PUT
/// /api/v1/cases/{id}/assessment` (same decision, same parsing), then back
/// to the case's page.
pub async fn assess(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Posted { who, form }: Posted<AssessmentForm>,
) -> PageResult {
    let fail = |e: PageError| e.for_user(&who, &state);
    let id = Uuid::parse_str(&id).map_err(|_| fail(PageError::not_found("case")))?;
    let some = |v: String| Some(v).filter(|v| !v.trim().is_empty());
    let body = AssessmentIn {
        exploitation: some(form.exploitation),
        automatable: some(form.automatable),
        technical_impact: some(form.technical_impact),
        mission_wellbeing: some(form.mission_wellbeing),
        cve: some(form.cve),
    };
    bulwark_app::cases::set_assessment(&state, &who, id, &body)
        .await
        .map_err(|e| fail(page_error(e)))?;
    Ok(Redirect::to(&format!("/clearinghouse/cases/{id}#assessment")).into_response())
}

// ---------------------------------------------------------------------------
// GET /clearinghouse/sources
// ---------------------------------------------------------------------------

struct SourceRow {
    name: String,
    submitted: i64,
    validated: i64,
    ratio: String,
    /// The 95% Wilson interval of the ratio, as text.
    interval: String,
    /// Ratio and interval as numbers, for the chart.
    numbers: (f64, f64, f64),
}

#[derive(Template)]
#[template(path = "clearinghouse_sources.html")]
struct SourcesPage {
    title: &'static str,
    nav: Option<Nav>,
    sections: Vec<SourceSection>,
}

/// One kind of source: its heading, anchor and rows.
struct SourceSection {
    heading: &'static str,
    id: &'static str,
    rows: Vec<SourceRow>,
    /// Each source's ratio with its interval (SVG from [`super::charts`]).
    chart: Option<String>,
}

/// A section of the sources page, with its chart of at most
/// [`CHART_SOURCES`] sources (the table lists them all).
fn source_section(heading: &'static str, id: &'static str, rows: Vec<SourceRow>) -> SourceSection {
    let shown: Vec<super::charts::Interval> = rows
        .iter()
        .take(CHART_SOURCES)
        .map(|r| super::charts::Interval {
            label: r.name.clone(),
            estimate: r.numbers.0,
            low: r.numbers.1,
            high: r.numbers.2,
        })
        .collect();
    let chart = (!shown.is_empty()).then(|| {
        super::charts::Intervals {
            id: &format!("reliability-{id}"),
            title: &format!("{heading}: share of cases validated, with 95% intervals"),
            desc: &format!(
                "For each of {} sources, validated ÷ submitted as a dot and its 95% Wilson interval as a bar; the table gives the same numbers.",
                shown.len()
            ),
            x_name: "validated ÷ submitted",
            rows: &shown,
        }
        .svg()
    });
    SourceSection {
        heading,
        id,
        rows,
        chart,
    }
}

/// Sources a chart of the sources page draws at most.
const CHART_SOURCES: usize = 25;

/// `GET /clearinghouse/sources`: validated ÷ submitted per organization,
/// tool and AI model, for those who may read `GET /api/v1/sources`.
pub async fn sources(State(state): State<AppState>, who: SignedIn) -> PageResult {
    let fail = |e: PageError| e.for_user(&who, &state);
    let found = bulwark_app::cases::sources(&state, &who.principal)
        .await
        .map_err(|e| fail(page_error(e)))?;
    let mut names = OrgNames::default();
    let (mut orgs, mut tools, mut models) = (Vec::new(), Vec::new(), Vec::new());
    for s in found.items {
        let ratio = s.reliability;
        let (list, name) = match s.kind.as_str() {
            "org" => {
                let name = match Uuid::parse_str(&s.source) {
                    Ok(id) => names.name(&state, id).await.map_err(fail)?,
                    Err(_) => s.source.clone(),
                };
                (&mut orgs, name)
            }
            "tool" => (&mut tools, s.source.clone()),
            _ => (&mut models, s.source.clone()),
        };
        let share = if s.submitted > 0 {
            s.validated as f64 / s.submitted as f64
        } else {
            0.0
        };
        let (low, high) = bulwark_tools::scorecard::wilson(s.validated, s.submitted);
        list.push((
            ratio,
            SourceRow {
                name,
                submitted: s.submitted,
                validated: s.validated,
                ratio: format!("{:.0}%", ratio * 100.0),
                interval: format!("{:.0}% to {:.0}%", low * 100.0, high * 100.0),
                numbers: (share, low, high),
            },
        ));
    }
    let sorted = |mut v: Vec<(f64, SourceRow)>| {
        v.sort_by(|a, b| {
            b.0.total_cmp(&a.0)
                .then(b.1.submitted.cmp(&a.1.submitted))
                .then(a.1.name.cmp(&b.1.name))
        });
        v.into_iter().map(|(_, r)| r).collect::<Vec<_>>()
    };
    render(
        StatusCode::OK,
        &SourcesPage {
            title: "Sources",
            nav: Some(who.nav(&state, CLEARINGHOUSE)),
            sections: vec![
                source_section("Organizations", "orgs", sorted(orgs)),
                source_section("Tools", "tools", sorted(tools)),
                source_section("AI models", "models", sorted(models)),
            ],
        },
    )
}

// ---------------------------------------------------------------------------
// GET /clearinghouse/coverage?target=
// ---------------------------------------------------------------------------

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CoverageParams {
    target: Option<String>,
    /// Filters of the active claims (`claim_actions.rs`).
    org: Option<String>,
    technique: Option<String>,
    q: Option<String>,
}

#[derive(Template)]
#[template(path = "clearinghouse_coverage.html")]
struct CoveragePage {
    title: &'static str,
    nav: Option<Nav>,
    /// As entered, for the form.
    entered: String,
    error: Option<String>,
    /// The canonical target, once one was asked about.
    target: Option<String>,
    held: bool,
    claims: Vec<ClaimRow>,
    /// The active claims and the claim forms (`claim_actions.rs`).
    active: super::claim_actions::ActiveView,
    csrf: String,
}

/// `GET /clearinghouse/coverage?target=`: who scanned a target, when, with
/// what and (where the policy shows it) what came of it.
pub async fn coverage(
    State(state): State<AppState>,
    who: SignedIn,
    query: Result<Query<CoverageParams>, QueryRejection>,
) -> PageResult {
    let fail = |e: PageError| e.for_user(&who, &state);
    if !claims::may_read_coverage(&state, &who.principal) {
        return Err(fail(PageError::forbidden()));
    }
    let Query(params) = query.map_err(|e| fail(PageError::bad_request(e.body_text())))?;
    let entered = params.target.unwrap_or_default().trim().to_owned();
    let filters = super::claim_actions::Filters {
        org: params.org,
        technique: params.technique,
        q: params.q,
    };
    let active = super::claim_actions::active_view(&state, &who, filters)
        .await
        .map_err(fail)?;
    let mut page = CoveragePage {
        title: "Coverage",
        nav: Some(who.nav(&state, CLEARINGHOUSE)),
        entered: entered.clone(),
        error: None,
        target: None,
        held: false,
        claims: Vec::new(),
        active,
        csrf: who.csrf.clone(),
    };
    if entered.is_empty() {
        return render(StatusCode::OK, &page);
    }
    let target = match claims::target(None, &entered) {
        Ok(t) => t,
        Err(e) => {
            page.error = Some(e.detail);
            return render(StatusCode::UNPROCESSABLE_ENTITY, &page);
        }
    };
    let found = claims::coverage_of(&state, &who.principal, &target)
        .await
        .map_err(|e| fail(page_error(e)))?;
    page.held = found.held;
    let mut names = OrgNames::default();
    for c in found.claims {
        page.claims
            .push(claim_row(&state, &mut names, c).await.map_err(fail)?);
    }
    page.target = Some(target.locator().to_owned());
    render(StatusCode::OK, &page)
}

// ---------------------------------------------------------------------------
// GET and POST /clearinghouse/intake
// ---------------------------------------------------------------------------

/// Documents listed on the intake page.
const DOCUMENT_ROWS: u32 = 50;

struct DocumentRow {
    at: Stamp,
    media_type: String,
    size: u64,
    reports: u64,
    sha256: String,
}

#[derive(Template)]
#[template(path = "clearinghouse_intake.html")]
struct IntakePage {
    title: &'static str,
    nav: Option<Nav>,
    csrf: String,
    may_submit: bool,
    receipt: Option<IntakeOut>,
    error: Option<String>,
    documents: Vec<DocumentRow>,
}

/// Whether the signed-in user may submit documents (findings, SBOMs) for
/// their organization.
pub(super) fn may_submit(state: &AppState, who: &SignedIn) -> bool {
    bulwark_app::cases::may_submit(state, &who.principal)
}

async fn intake_page(
    state: &AppState,
    who: &SignedIn,
    status: StatusCode,
    receipt: Option<IntakeOut>,
    error: Option<String>,
) -> PageResult {
    let documents = bulwark_app::cases::own_documents(state, &who.principal, DOCUMENT_ROWS)
        .await
        .map_err(|e| page_error(e).for_user(who, state))?
        .into_iter()
        .map(|d| DocumentRow {
            at: Stamp::new(d.first_sent_at),
            media_type: d.media_type,
            size: d.size,
            reports: d.reports,
            sha256: d.sha256,
        })
        .collect();
    render(
        status,
        &IntakePage {
            title: "Submit findings",
            nav: Some(who.nav(state, CLEARINGHOUSE)),
            csrf: who.csrf.clone(),
            may_submit: may_submit(state, who),
            receipt,
            error,
            documents,
        },
    )
}

/// `GET /clearinghouse/intake`: the upload form and the documents the
/// visitor's organization sent.
pub async fn intake(State(state): State<AppState>, who: SignedIn) -> PageResult {
    intake_page(&state, &who, StatusCode::OK, None, None).await
}

/// `POST /clearinghouse/intake` (multipart): the same intake as `POST
/// /api/v1/reports`, the format told from the content. The CSRF token must
/// come before the file, so that nothing is read from a forged form.
pub async fn intake_submit(
    State(state): State<AppState>,
    who: SignedIn,
    mut form: axum::extract::Multipart,
) -> PageResult {
    let fail = |e: PageError| e.for_user(&who, &state);
    let submitted = super::upload_form(&mut form, &who, &["target"], async |field, texts| {
        let target = texts.first().map(|t| t.trim()).filter(|t| !t.is_empty());
        let ticket = match bulwark_app::cases::open_intake(&state, &who.principal, target) {
            Ok(ticket) => ticket,
            Err(e) if e.kind == ErrorKind::Validation => {
                let msg = format!("target: {}", e.detail);
                return intake_page(
                    &state,
                    &who,
                    StatusCode::UNPROCESSABLE_ENTITY,
                    None,
                    Some(msg),
                )
                .await;
            }
            Err(e) => return Err(fail(page_error(e))),
        };
        let outcome = async {
            let doc = crate::spool::spool_stream(
                &state.spool,
                std::pin::pin!(field),
                state.settings.intake_limit,
            )
            .await?;
            let received = ReceivedDocument {
                path: doc.path(),
                sha256: &doc.sha256,
                size: doc.size,
            };
            // The browser's guess at the media type is not trusted: the
            // content says.
            bulwark_app::cases::ingest(&state, &who, ticket, None, received)
                .await
                .map_err(ApiError::from)
        }
        .await;
        match outcome {
            Ok(receipt) => intake_page(&state, &who, StatusCode::OK, Some(receipt), None).await,
            Err(e) if e.kind == Kind::Internal => Err(fail(PageError::internal())),
            Err(e) => {
                let status = e.kind.status();
                intake_page(&state, &who, status, None, Some(e.detail)).await
            }
        }
    })
    .await
    .map_err(fail)?;
    match submitted {
        Some(page) => page,
        None => {
            intake_page(
                &state,
                &who,
                StatusCode::UNPROCESSABLE_ENTITY,
                None,
                Some("choose a document to submit".into()),
            )
            .await
        }
    }
}
