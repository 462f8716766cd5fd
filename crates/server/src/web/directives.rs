//! The pages of Binding Operational Directives: `/obligations` (an
//! agency's, or for the issuer every civilian agency's, with counts and
//! filters), one obligation with its explanation, history, requests and the
//! forms the policy allows, `/systems` (the inventory), `/compliance` (the
//! issuer's government-wide view, an agency's own, who is exposed to one
//! vulnerability) and `/directives` (the directives kept, their rules and
//! facts, and the load form).
//!
//! Every decision is the use cases' of [`bulwark_app::directives`], the
//! same the API calls: an obligation or system the visitor may not read is
//! the same 404, and each form is offered where the use case's view (or
//! the policy, through `AppState::permits`) says it would be accepted.
//! Dates are shown in the owning agency's time zone
//! ([`bulwark_app::local_time`]). These pages only draw.

use std::collections::HashMap;

use askama::Template;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use bulwark_app::directives::obligations::{
    self, AgencyCompliance, AnswerIn, CountsOut, DecisionIn, JUSTIFICATIONS, ListQuery,
    ObligationOut, RequestIn,
};
use bulwark_app::directives::systems::{self, ProductIn, SystemIn, SystemPatch};
use bulwark_app::directives::{self as directives_app, DirectiveOut};
use bulwark_app::{AppError, ErrorKind, local_time, sboms};
use bulwark_authz::{Action, Resource};
use bulwark_store::PageRequest;
use serde::Deserialize;
use time::OffsetDateTime;
use uuid::Uuid;

use super::filters;
use super::session::{CsrfField, CsrfOnly, Posted, SignedIn};
use super::{Nav, PageError, PageResult, render, words};
use crate::extract::{PageParams, encode_cursor};
use crate::state::AppState;

const OBLIGATIONS: &str = "/obligations";
const SYSTEMS: &str = "/systems";
const COMPLIANCE: &str = "/compliance";
const DIRECTIVES: &str = "/directives";

/// Obligations on a page of the list.
const OBLIGATION_ROWS: u32 = 50;
/// Systems on a page of the list.
const SYSTEM_ROWS: u32 = 100;
/// Obligations of one system shown on its page.
const SYSTEM_OBLIGATION_ROWS: u32 = 25;
/// The largest directive a form may load (the shipped one is 8 KB).
const DIRECTIVE_LIMIT: usize = 1024 * 1024;

/// A use case's refusal as a page, naming what was not found.
fn refused(e: AppError, what: &str) -> PageError {
    match e.kind {
        ErrorKind::MalformedRequest => PageError::bad_request(e.detail),
        _ => PageError::refused(e, what),
    }
}

/// Letters, digits and `-._~` as they are; everything else percent-encoded
/// (a query value).
pub(super) fn enc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// An instant a use case wrote (RFC 3339).
fn instant(s: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339).ok()
}

/// An instant in an agency's time zone, machine-readable and for people.
pub struct Local {
    pub iso: String,
    pub text: String,
}

impl Local {
    fn new(s: &str, zone: Option<&str>) -> Local {
        match instant(s) {
            Some(t) => Local {
                iso: bulwark_core::rfc3339(t),
                text: local_time(t, zone),
            },
            None => Local {
                iso: s.to_owned(),
                text: s.to_owned(),
            },
        }
    }
}

fn plural(n: i64, one: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {one}s")
    }
}

/// How far a due date is from now, in whole days, as an analyst reads it.
fn due_words(due: OffsetDateTime, now: OffsetDateTime) -> String {
    if due <= now {
        match (now - due).whole_days() {
            0 => "overdue by less than a day".to_owned(),
            n => format!("overdue by {}", plural(n, "day")),
        }
    } else {
        match (due - now).whole_days() {
            0 => "due within a day".to_owned(),
            n => format!("due in {}", plural(n, "day")),
        }
    }
}

/// The end of the day a date field names (`YYYY-MM-DD`), in the agency's
/// time zone (UTC when it names none), as RFC 3339: what "by this date"
/// means to the agency.
fn end_of_day(date: &str, zone: Option<&str>) -> Result<String, String> {
    let date = date.trim();
    let d: jiff::civil::Date = date
        .parse()
        .map_err(|_| format!("{date:?} is not a date (YYYY-MM-DD)"))?;
    let tz = zone
        .and_then(|z| jiff::tz::TimeZone::get(z).ok())
        .unwrap_or(jiff::tz::TimeZone::UTC);
    let zoned = d
        .at(23, 59, 59, 0)
        .to_zoned(tz)
        .map_err(|_| format!("{date} has no end of day in the agency's time zone"))?;
    let utc = OffsetDateTime::from_unix_timestamp(zoned.timestamp().as_second())
        .map_err(|_| format!("{date} is out of range"))?;
    Ok(bulwark_core::rfc3339(utc))
}

/// Agencies and systems named on a page, each read once.
#[derive(Default)]
struct Names {
    agencies: HashMap<Uuid, (String, Option<String>)>,
    systems: HashMap<Uuid, String>,
}

impl Names {
    /// An agency's name and time zone; one that no longer exists shows as
    /// its id, in UTC.
    async fn agency(&mut self, state: &AppState, id: Uuid) -> PageResult<(String, Option<String>)> {
        if let Some(a) = self.agencies.get(&id) {
            return Ok(a.clone());
        }
        let a = match state.store.organization(id).await {
            Ok(o) => (o.name, o.time_zone),
            Err(bulwark_store::StoreError::NotFound) => (id.to_string(), None),
            Err(e) => return Err(e.into()),
        };
        self.agencies.insert(id, a.clone());
        Ok(a)
    }

    /// The name of a system the use case already let the visitor read.
    async fn system(&mut self, state: &AppState, id: Uuid) -> PageResult<String> {
        if let Some(n) = self.systems.get(&id) {
            return Ok(n.clone());
        }
        let name = match state.store.system(id).await {
            Ok(s) => s.name,
            Err(bulwark_store::StoreError::NotFound) => id.to_string(),
            Err(e) => return Err(e.into()),
        };
        self.systems.insert(id, name.clone());
        Ok(name)
    }
}

/// What the evaluation says of KEV: `Some("KEV")` when KEV lists the
/// vulnerability, `Some("KEV?")` when KEV could not say and the directive's
/// default for unknown (yes) applied, `None` otherwise.
fn kev_badge(evaluation: &serde_json::Value) -> Option<&'static str> {
    let lines = evaluation.get("explanation")?.as_array()?;
    lines.iter().filter_map(|l| l.as_str()).find_map(|l| {
        match l.strip_prefix("in_kev = yes (source: ") {
            Some(rest) if rest.starts_with("KEV") && !rest.starts_with("KEV (no catalog") => {
                Some("KEV")
            }
            Some(_) => Some("KEV?"),
            None => None,
        }
    })
}

// ---------------------------------------------------------------------------
// GET /obligations
// ---------------------------------------------------------------------------

/// The list's filters as GET parameters, every one optional; values are
/// read here so that a bad one is a page naming it, not a bare 400.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ObligationParams {
    org: Option<String>,
    system: Option<String>,
    state: Option<String>,
    vulnerability: Option<String>,
    directive: Option<String>,
    overdue: Option<String>,
    due_within_days: Option<String>,
    /// Rows a page, 1 to 500 (default 50).
    limit: Option<String>,
    cursor: Option<String>,
}

/// The filters as read, and as the query string that repeats them.
#[derive(Default, Clone)]
struct Filters {
    org: Option<Uuid>,
    system: Option<Uuid>,
    state: String,
    vulnerability: String,
    directive: String,
    overdue: bool,
    due_within_days: Option<u32>,
    /// Rows a page when not the default.
    limit: Option<u32>,
}

fn some_text(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

impl Filters {
    fn read(p: &ObligationParams) -> Result<Filters, String> {
        let id = |name: &str, v: &Option<String>| {
            some_text(v)
                .map(|v| {
                    v.parse::<Uuid>()
                        .map_err(|_| format!("{name}: {v:?} is not an id"))
                })
                .transpose()
        };
        let state = some_text(&p.state).unwrap_or_default().to_owned();
        if !["", "open", "closed"].contains(&state.as_str()) {
            return Err(format!("state: {state:?} is not open or closed"));
        }
        let overdue = match some_text(&p.overdue) {
            None | Some("false") => false,
            Some("true" | "on") => true,
            Some(v) => return Err(format!("overdue: {v:?} is not true or false")),
        };
        let due_within_days = some_text(&p.due_within_days)
            .map(|v| {
                v.parse::<u32>()
                    .map_err(|_| format!("due_within_days: {v:?} is not a number of days"))
            })
            .transpose()?;
        let limit = some_text(&p.limit)
            .map(|v| match v.parse::<u32>() {
                Ok(n) if (1..=PageRequest::MAX_LIMIT).contains(&n) => Ok(n),
                _ => Err(format!(
                    "limit: {v:?} is not a number from 1 to {}",
                    PageRequest::MAX_LIMIT
                )),
            })
            .transpose()?;
        Ok(Filters {
            org: id("org", &p.org)?,
            system: id("system", &p.system)?,
            state,
            vulnerability: some_text(&p.vulnerability)
                .unwrap_or_default()
                .to_ascii_uppercase(),
            directive: some_text(&p.directive).unwrap_or_default().to_owned(),
            overdue,
            due_within_days,
            limit,
        })
    }

    fn query(&self) -> ListQuery {
        let text = |s: &str| Some(s.to_owned()).filter(|s| !s.is_empty());
        ListQuery {
            org: self.org,
            system: self.system,
            state: text(&self.state),
            vulnerability: text(&self.vulnerability),
            directive: text(&self.directive),
            overdue: self.overdue,
            due_within_days: self.due_within_days,
        }
    }

    /// The query string of these filters (without a cursor).
    fn href(&self) -> String {
        let mut parts = Vec::new();
        if let Some(o) = self.org {
            parts.push(format!("org={o}"));
        }
        if let Some(s) = self.system {
            parts.push(format!("system={s}"));
        }
        if !self.state.is_empty() {
            parts.push(format!("state={}", enc(&self.state)));
        }
        if !self.vulnerability.is_empty() {
            parts.push(format!("vulnerability={}", enc(&self.vulnerability)));
        }
        if !self.directive.is_empty() {
            parts.push(format!("directive={}", enc(&self.directive)));
        }
        if self.overdue {
            parts.push("overdue=true".to_owned());
        }
        if let Some(d) = self.due_within_days {
            parts.push(format!("due_within_days={d}"));
        }
        if let Some(n) = self.limit {
            parts.push(format!("limit={n}"));
        }
        format!("{OBLIGATIONS}?{}", parts.join("&"))
    }

    /// The list of the same scope (agency, system) with one count's filter.
    fn scoped(&self) -> Filters {
        Filters {
            org: self.org,
            system: self.system,
            ..Filters::default()
        }
    }
}

/// A count at the top of a list, linking to the list it counts.
struct CountLink {
    label: &'static str,
    n: u64,
    href: String,
    /// Counts that call for action are drawn as such.
    alarm: bool,
}

fn count_links(c: Option<&CountsOut>, base: &Filters) -> Vec<CountLink> {
    let n = |f: fn(&CountsOut) -> u64| c.map_or(0, f);
    let with = |f: &dyn Fn(&mut Filters)| {
        let mut x = base.scoped();
        f(&mut x);
        x.href()
    };
    vec![
        CountLink {
            label: "Open",
            n: n(|c| c.open),
            href: with(&|f| f.state = "open".into()),
            alarm: false,
        },
        CountLink {
            label: "Due within 7 days",
            n: n(|c| c.due_soon),
            href: with(&|f| {
                f.due_within_days = Some(obligations::DUE_SOON_DAYS as u32);
            }),
            alarm: false,
        },
        CountLink {
            label: "Overdue",
            n: n(|c| c.overdue),
            href: with(&|f| f.overdue = true),
            alarm: c.is_some_and(|c| c.overdue > 0),
        },
        CountLink {
            label: "Closed",
            n: n(|c| c.closed),
            href: with(&|f| f.state = "closed".into()),
            alarm: false,
        },
    ]
}

struct ObligationRow {
    id: Uuid,
    vulnerability: String,
    kev: Option<&'static str>,
    /// KEV lists it (not the directive's default for unknown).
    kev_listed: bool,
    agency: String,
    org: Uuid,
    system: Uuid,
    system_name: String,
    subject_kind: String,
    subject: String,
    /// A component's package URL (a product has none).
    purl: Option<String>,
    version: String,
    directive: String,
    rule: String,
    action: String,
    due: Option<Local>,
    /// "overdue by 3 days", "due in 2 days", "at the next upgrade", "closed".
    due_words: String,
    overdue: bool,
    state: String,
    answer: String,
}

async fn obligation_row(
    state: &AppState,
    names: &mut Names,
    o: ObligationOut,
    now: OffsetDateTime,
) -> PageResult<ObligationRow> {
    let (agency, zone) = names.agency(state, o.org).await?;
    let system_name = names.system(state, o.system).await?;
    // The list's rows carry no evaluation: the KEV badge reads it.
    let kev = match state.store.obligation(o.id).await {
        Ok(stored) => kev_badge(&stored.evaluation),
        Err(_) => None,
    };
    let due_at = o.due_at.as_deref().and_then(instant);
    let due_words = match (o.state.as_str(), due_at) {
        ("open", Some(d)) => due_words(d, now),
        ("open", None) => "at the system's next upgrade".to_owned(),
        _ => "closed".to_owned(),
    };
    Ok(ObligationRow {
        id: o.id,
        vulnerability: o.vulnerability,
        kev_listed: kev == Some("KEV"),
        kev,
        agency,
        org: o.org,
        system: o.system,
        system_name,
        purl: o.subject.strip_prefix("purl:").map(str::to_owned),
        subject_kind: o.subject_kind,
        subject: o.subject_name,
        version: o.subject_version.unwrap_or_default(),
        directive: o.directive,
        rule: o.rule,
        action: words(&o.action),
        due: o.due_at.as_deref().map(|d| Local::new(d, zone.as_deref())),
        due_words,
        overdue: o.overdue,
        state: o.state,
        answer: o.answer.as_deref().map(words).unwrap_or_default(),
    })
}

/// A choice of a filter's select.
struct Choice {
    value: String,
    label: String,
}

#[derive(Template)]
#[template(path = "obligations.html")]
struct ObligationsPage {
    title: String,
    nav: Option<Nav>,
    counts: Vec<CountLink>,
    counts_of: String,
    error: Option<String>,
    filters: Filters,
    filtered: bool,
    agencies: Vec<Choice>,
    systems: Vec<Choice>,
    directives: Vec<Choice>,
    rows: Vec<ObligationRow>,
    /// Several agencies' rows: the agency column is shown.
    many_agencies: bool,
    first_href: Option<String>,
    next_href: Option<String>,
}

/// The counts the list's top shows: the agency's (one named, or the
/// visitor's own), else, for the issuer, every agency's together.
async fn top_counts(
    state: &AppState,
    who: &SignedIn,
    f: &Filters,
) -> PageResult<(Option<CountsOut>, String)> {
    let all = who.may_read_all_compliance(state);
    let org = match f.org {
        Some(o) => Some(o),
        None if all => None,
        None => Some(who.principal.org_id),
    };
    let Some(org) = org else {
        let rows = obligations::government_wide(state, &who.principal)
            .await
            .map_err(|e| refused(e, "obligation"))?;
        let mut t = CountsOut {
            key: String::new(),
            name: None,
            open: 0,
            due_soon: 0,
            overdue: 0,
            closed: 0,
            closed_on_time: 0,
            oldest_overdue: None,
            oldest_overdue_days: None,
            mean_hours_to_close: None,
        };
        for r in &rows {
            t.open += r.open;
            t.due_soon += r.due_soon;
            t.overdue += r.overdue;
            t.closed += r.closed;
        }
        return Ok((Some(t), "every agency you oversee".to_owned()));
    };
    let c: AgencyCompliance = match obligations::agency_compliance(state, &who.principal, org).await
    {
        Ok(c) => c,
        Err(e) if e.kind == ErrorKind::NotFound => return Ok((None, String::new())),
        Err(e) => return Err(refused(e, "agency")),
    };
    if let Some(system) = f.system {
        let key = system.to_string();
        let row = c.systems.into_iter().find(|s| s.key == key);
        let name = row
            .as_ref()
            .and_then(|r| r.name.clone())
            .unwrap_or_default();
        return Ok((row, format!("system {name}")));
    }
    Ok((c.total, c.org_name))
}

/// `GET /obligations`: the obligations the visitor may read, filtered.
pub async fn obligation_list(
    State(state): State<AppState>,
    who: SignedIn,
    query: Result<Query<ObligationParams>, QueryRejection>,
) -> PageResult {
    let fail = |e: PageError| e.for_user(&who, &state);
    let Query(params) = query.map_err(|e| fail(PageError::bad_request(e.body_text())))?;
    let after = params
        .cursor
        .as_deref()
        .map(|c| {
            PageParams {
                cursor: Some(c.to_owned()),
                limit: None,
            }
            .to_request()
            .map(|r| r.after)
        })
        .transpose()
        .map_err(|e| fail(PageError::bad_request(e.detail)))?
        .flatten();
    let now = state.now();
    let (filters, error) = match Filters::read(&params) {
        Ok(f) => (f, None),
        Err(e) => (Filters::default(), Some(e)),
    };
    let page = obligations::list(
        &state,
        &who.principal,
        &filters.query(),
        PageRequest {
            after,
            limit: filters.limit.unwrap_or(OBLIGATION_ROWS),
        },
    )
    .await
    .map_err(|e| fail(refused(e, "obligation")))?;
    let mut names = Names::default();
    let mut rows = Vec::new();
    for o in page.items {
        rows.push(
            obligation_row(&state, &mut names, o, now)
                .await
                .map_err(fail)?,
        );
    }
    let (counts, counts_of) = top_counts(&state, &who, &filters).await.map_err(fail)?;
    let all = who.may_read_all_compliance(&state);
    let agencies = if all {
        obligations::government_wide(&state, &who.principal)
            .await
            .map_err(|e| fail(refused(e, "agency")))?
            .into_iter()
            .map(|c| Choice {
                label: c.name.clone().unwrap_or_else(|| c.key.clone()),
                value: c.key,
            })
            .collect()
    } else {
        Vec::new()
    };
    let systems = systems::list(
        &state,
        &who.principal,
        PageRequest {
            after: None,
            limit: PageRequest::MAX_LIMIT,
        },
    )
    .await
    .map_err(|e| fail(refused(e, "system")))?
    .items
    .into_iter()
    .filter(|s| filters.org.is_none_or(|o| o == s.org))
    .map(|s| Choice {
        value: s.id.to_string(),
        label: if all {
            format!("{} ({})", s.name, s.org_name)
        } else {
            s.name
        },
    })
    .collect();
    let directives = directives_app::list(&state, &who.principal)
        .await
        .map_err(|e| fail(refused(e, "directive")))?
        .into_iter()
        .filter(|d| d.in_force)
        .map(|d| Choice {
            value: d.id.clone(),
            label: d.id.clone(),
        })
        .collect();
    let base = filters.href();
    let many_agencies = all && filters.org.is_none();
    let status = if error.is_some() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    render(
        status,
        &ObligationsPage {
            title: "Obligations".to_owned(),
            nav: Some(who.nav(&state, OBLIGATIONS)),
            counts: count_links(counts.as_ref(), &filters),
            counts_of,
            error,
            filtered: base != format!("{OBLIGATIONS}?"),
            first_href: after.is_some().then(|| base.clone()),
            next_href: page
                .next
                .map(|n| format!("{base}&cursor={}", encode_cursor(n))),
            filters,
            agencies,
            systems,
            directives,
            rows,
            many_agencies,
        },
    )
}

// ---------------------------------------------------------------------------
// GET /obligations/{id}
// ---------------------------------------------------------------------------

/// One input of the evaluation: the fact, its value and where it came from.
struct Input {
    name: String,
    value: String,
    source: String,
}

/// Splits the evaluation's explanation into inputs (`name = value
/// (source: …)`) and the other lines (the rule that decided, the due date).
fn explanation(evaluation: &serde_json::Value) -> (Vec<Input>, Vec<String>) {
    let mut inputs = Vec::new();
    let mut other = Vec::new();
    let lines = evaluation
        .get("explanation")
        .and_then(|e| e.as_array())
        .map(|a| a.iter().filter_map(|l| l.as_str()).collect::<Vec<_>>())
        .unwrap_or_default();
    for line in lines {
        let parsed = line.split_once(" = ").and_then(|(name, rest)| {
            if name.contains(' ') {
                return None;
            }
            let (value, source) = match rest.split_once(" (") {
                Some((v, s)) => (v, s.strip_suffix(')').unwrap_or(s)),
                None => (rest, ""),
            };
            Some(Input {
                name: name.to_owned(),
                value: value.to_owned(),
                source: source.strip_prefix("source: ").unwrap_or(source).to_owned(),
            })
        });
        match parsed {
            Some(i) if i.name != "due" => inputs.push(i),
            _ => other.push(line.to_owned()),
        }
    }
    (inputs, other)
}

struct EventRow {
    seq: u64,
    at: Local,
    kind: String,
    who: String,
    /// The detail's fields, `key: value`.
    detail: Vec<String>,
}

/// A JSON detail's fields as `key: value` lines, nulls left out.
fn detail_lines(v: &serde_json::Value) -> Vec<String> {
    match v {
        serde_json::Value::Object(m) => m
            .iter()
            .filter(|(_, v)| !v.is_null())
            .map(|(k, v)| match v {
                serde_json::Value::String(s) => format!("{}: {s}", words(k)),
                other => format!("{}: {other}", words(k)),
            })
            .collect(),
        serde_json::Value::Null => Vec::new(),
        other => vec![other.to_string()],
    }
}

struct RequestRow {
    id: Uuid,
    kind: String,
    requested_at: Local,
    requested_due: Option<Local>,
    /// The date asked for, as the decision form's default (`YYYY-MM-DD`).
    requested_day: String,
    justification: String,
    state: String,
    pending: bool,
    decided_at: Option<Local>,
    decided_due: Option<Local>,
    conditions: String,
    note: String,
}

#[derive(Template)]
#[template(path = "obligation.html")]
struct ObligationPage {
    title: String,
    nav: Option<Nav>,
    csrf: String,
    done: Option<&'static str>,
    error: Option<String>,
    o: ObligationRow,
    timeline: String,
    forensic: bool,
    trigger: Local,
    directive_due: Option<Local>,
    extended_due: Option<Local>,
    closed_at: Option<Local>,
    closed_reason: String,
    zone: String,
    inputs: Vec<Input>,
    reasoning: Vec<String>,
    report: Vec<String>,
    deadlines: Vec<String>,
    history: Vec<EventRow>,
    requests: Vec<RequestRow>,
    may_answer: bool,
    may_request: bool,
    may_decide: bool,
    justifications: Vec<Choice>,
}

/// What a form just did, from the `done` parameter of the redirect after it.
fn done_text(done: Option<&str>) -> Option<&'static str> {
    Some(match done? {
        "answered" => "Your answer is recorded in the history.",
        "requested" => "Your request is filed; CISA decides it.",
        "decided" => "The decision is recorded.",
        "created" => "The system is registered.",
        "updated" => "The system is changed; its obligations were re-evaluated.",
        "attached" => "The SBOM is attached; the system's obligations were re-evaluated.",
        "detached" => "The SBOM is detached; the system's obligations were re-evaluated.",
        "product-added" => "The product is added; the system's obligations were re-evaluated.",
        "product-removed" => "The product is removed; the system's obligations were re-evaluated.",
        _ => return None,
    })
}

#[derive(Debug, Default, Deserialize)]
pub struct DoneParams {
    done: Option<String>,
}

async fn obligation_page(
    state: &AppState,
    who: &SignedIn,
    id: Uuid,
    status: StatusCode,
    done: Option<&'static str>,
    error: Option<String>,
) -> PageResult {
    let v = obligations::get(state, &who.principal, id)
        .await
        .map_err(|e| refused(e, "obligation"))?;
    let now = state.now();
    let mut names = Names::default();
    let (_, zone) = names.agency(state, v.obligation.org).await?;
    let z = zone.as_deref();
    let o = &v.obligation;
    let (inputs, reasoning) = explanation(&v.evaluation);
    let strings = |key: &str| -> Vec<String> {
        v.evaluation
            .get(key)
            .and_then(|r| r.as_array())
            .map(|a| {
                a.iter()
                    .filter_map(|x| match x {
                        serde_json::Value::String(s) => Some(s.clone()),
                        serde_json::Value::Object(m) => {
                            let what = m.get("what")?.as_str()?;
                            let due = m
                                .get("due")
                                .and_then(|d| d.as_str())
                                .map(|d| Local::new(d, z).text)
                                .unwrap_or_else(|| "at the next upgrade".to_owned());
                            Some(format!("{what}: by {due}"))
                        }
                        _ => None,
                    })
                    .collect()
            })
            .unwrap_or_default()
    };
    let mut users: HashMap<Uuid, String> = HashMap::new();
    let mut history = Vec::new();
    for e in &v.history {
        let by = match e.actor_user {
            None => "Bulwark (re-evaluation)".to_owned(),
            Some(u) => match users.get(&u) {
                Some(n) => n.clone(),
                None => {
                    // A user is named where the policy lets the visitor read them.
                    let n = match state.store.user(u).await {
                        Ok(user)
                            if state.permits(
                                &who.principal,
                                Action::UserRead,
                                &bulwark_app::resources::user_resource(&user),
                            ) =>
                        {
                            user.username
                        }
                        _ => format!("user {u}"),
                    };
                    users.insert(u, n.clone());
                    n
                }
            },
        };
        history.push(EventRow {
            seq: e.seq,
            at: Local::new(&e.at, z),
            kind: words(&e.kind),
            who: by,
            detail: detail_lines(&e.detail),
        });
    }
    let requests = v
        .requests
        .iter()
        .map(|r| RequestRow {
            id: r.id,
            kind: r.kind.clone(),
            requested_at: Local::new(&r.requested_at, z),
            requested_due: r.requested_due.as_deref().map(|d| Local::new(d, z)),
            requested_day: r
                .requested_due
                .as_deref()
                .map(|d| Local::new(d, z).text.chars().take(10).collect())
                .unwrap_or_default(),
            justification: r.justification.clone(),
            pending: r.state == "pending",
            state: r.state.clone(),
            decided_at: r.decided_at.as_deref().map(|d| Local::new(d, z)),
            decided_due: r.decided_due.as_deref().map(|d| Local::new(d, z)),
            conditions: r.conditions.clone().unwrap_or_default(),
            note: r.decision_note.clone().unwrap_or_default(),
        })
        .collect();
    let row = obligation_row(state, &mut names, o.clone(), now).await?;
    render(
        status,
        &ObligationPage {
            title: format!("{} on {}", o.vulnerability, v.system_name),
            nav: Some(who.nav(state, OBLIGATIONS)),
            csrf: who.csrf.clone(),
            done,
            error,
            timeline: o.timeline.clone(),
            forensic: o.forensic,
            trigger: Local::new(&o.trigger_at, z),
            directive_due: o.directive_due_at.as_deref().map(|d| Local::new(d, z)),
            extended_due: o.extended_due_at.as_deref().map(|d| Local::new(d, z)),
            closed_at: o.closed_at.as_deref().map(|d| Local::new(d, z)),
            closed_reason: o.closed_reason.clone().unwrap_or_default(),
            zone: zone.clone().unwrap_or_else(|| "UTC".to_owned()),
            inputs,
            reasoning,
            report: strings("report"),
            deadlines: strings("deadlines"),
            history,
            requests,
            may_answer: v.may_answer,
            may_request: v.may_request,
            may_decide: v.may_decide,
            justifications: JUSTIFICATIONS
                .iter()
                .map(|j| Choice {
                    value: (*j).to_owned(),
                    label: words(j),
                })
                .collect(),
            o: row,
        },
    )
}

fn path_id(id: &str, what: &str) -> PageResult<Uuid> {
    id.parse().map_err(|_| PageError::not_found(what))
}

/// `GET /obligations/{id}`: one obligation, its explanation and history.
pub async fn obligation(
    State(state): State<AppState>,
    who: SignedIn,
    Path(id): Path<String>,
    Query(done): Query<DoneParams>,
) -> PageResult {
    let fail = |e: PageError| e.for_user(&who, &state);
    let id = path_id(&id, "obligation").map_err(fail)?;
    obligation_page(
        &state,
        &who,
        id,
        StatusCode::OK,
        done_text(done.done.as_deref()),
        None,
    )
    .await
    .map_err(fail)
}

/// After a form: the page again with what went wrong (422), or a 404/403
/// page when the use case refused outright.
/// After a change made from a system's page: back to the page, saying
/// `done` at `anchor`, or the page again with what was wrong in the form.
async fn system_form_done<T>(
    state: &AppState,
    who: &SignedIn,
    id: Uuid,
    result: bulwark_app::AppResult<T>,
    done: &str,
    anchor: &str,
    what: &str,
) -> PageResult {
    match result {
        Ok(_) => back_to_system(id, done, anchor),
        Err(e) => {
            let again = async |status: StatusCode, m: String| {
                system_page(state, who, id, status, None, Some(m)).await
            };
            form_failed(state, who, e, again, what).await
        }
    }
}

async fn form_failed(
    state: &AppState,
    who: &SignedIn,
    e: AppError,
    again: impl AsyncFnOnce(StatusCode, String) -> PageResult,
    what: &str,
) -> PageResult {
    match e.kind {
        ErrorKind::Validation | ErrorKind::Conflict | ErrorKind::MalformedRequest => {
            again(StatusCode::UNPROCESSABLE_ENTITY, e.detail)
                .await
                .map_err(|p| p.for_user(who, state))
        }
        _ => Err(refused(e, what).for_user(who, state)),
    }
}

fn opt(v: &str) -> Option<String> {
    Some(v.trim().to_owned()).filter(|v| !v.is_empty())
}

#[derive(Debug, Default, Deserialize)]
pub struct AnswerForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    answer: String,
    #[serde(default)]
    note: String,
    #[serde(default)]
    evidence: String,
    #[serde(default)]
    justification: String,
}

impl CsrfField for AnswerForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

/// `POST /obligations/{id}/answers`: the same answer as `POST
/// /api/v1/obligations/{id}/answers`.
pub async fn answer(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Posted { who, form }: Posted<AnswerForm>,
) -> PageResult {
    let id = path_id(&id, "obligation").map_err(|e| e.for_user(&who, &state))?;
    let body = AnswerIn {
        answer: form.answer.trim().to_owned(),
        note: opt(&form.note),
        evidence: opt(&form.evidence),
        // The justification is read for "not affected" only: the select
        // keeps a value when another answer is chosen.
        justification: (form.answer.trim() == "not_affected")
            .then(|| opt(&form.justification))
            .flatten(),
    };
    match obligations::answer(&state, &who, id, body).await {
        Ok(_) => {
            Ok(Redirect::to(&format!("/obligations/{id}?done=answered#answer")).into_response())
        }
        Err(e) => {
            form_failed(
                &state,
                &who,
                e,
                async |status: StatusCode, m: String| {
                    obligation_page(&state, &who, id, status, None, Some(m)).await
                },
                "obligation",
            )
            .await
        }
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct RequestForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    kind: String,
    /// `YYYY-MM-DD`: the end of that day in the agency's time zone.
    #[serde(default)]
    due: String,
    #[serde(default)]
    justification: String,
}

impl CsrfField for RequestForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

/// The time zone of the agency that owns an obligation the visitor may read.
async fn zone_of(state: &AppState, who: &SignedIn, obligation: Uuid) -> PageResult<Option<String>> {
    let v = obligations::get(state, &who.principal, obligation)
        .await
        .map_err(|e| refused(e, "obligation"))?;
    Ok(Names::default().agency(state, v.obligation.org).await?.1)
}

/// `POST /obligations/{id}/requests`: an extension (with the date asked
/// for) or an exception, as `POST /api/v1/obligations/{id}/requests`.
pub async fn request(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Posted { who, form }: Posted<RequestForm>,
) -> PageResult {
    let fail = |e: PageError| e.for_user(&who, &state);
    let id = path_id(&id, "obligation").map_err(fail)?;
    let zone = zone_of(&state, &who, id).await.map_err(fail)?;
    let again = async |status: StatusCode, m: String| {
        obligation_page(&state, &who, id, status, None, Some(m)).await
    };
    let due = match opt(&form.due) {
        Some(d) if form.kind == "extension" => match end_of_day(&d, zone.as_deref()) {
            Ok(t) => Some(t),
            Err(m) => {
                return again(StatusCode::UNPROCESSABLE_ENTITY, format!("due: {m}"))
                    .await
                    .map_err(fail);
            }
        },
        None if form.kind == "extension" => {
            return again(
                StatusCode::UNPROCESSABLE_ENTITY,
                "An extension needs the date asked for.".to_owned(),
            )
            .await
            .map_err(fail);
        }
        _ => None,
    };
    if form.justification.trim().is_empty() {
        return again(
            StatusCode::UNPROCESSABLE_ENTITY,
            "A request needs a justification.".to_owned(),
        )
        .await
        .map_err(fail);
    }
    let body = RequestIn {
        kind: form.kind.trim().to_owned(),
        due,
        justification: form.justification.trim().to_owned(),
    };
    match obligations::request(&state, &who, id, body).await {
        Ok(_) => {
            Ok(Redirect::to(&format!("/obligations/{id}?done=requested#requests")).into_response())
        }
        Err(e) => form_failed(&state, &who, e, again, "obligation").await,
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct DecisionForm {
    #[serde(default)]
    csrf: String,
    /// The obligation the request is on: where to go back to.
    #[serde(default)]
    obligation: String,
    #[serde(default)]
    decision: String,
    #[serde(default)]
    due: String,
    #[serde(default)]
    conditions: String,
    #[serde(default)]
    note: String,
}

impl CsrfField for DecisionForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

/// `POST /obligation-requests/{id}/decision`: CISA approves (with a date
/// and conditions) or denies, as `POST
/// /api/v1/obligation-requests/{id}/decision`.
pub async fn decide(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Posted { who, form }: Posted<DecisionForm>,
) -> PageResult {
    let fail = |e: PageError| e.for_user(&who, &state);
    let id = path_id(&id, "request").map_err(fail)?;
    let obligation = path_id(&form.obligation, "request").map_err(fail)?;
    let zone = zone_of(&state, &who, obligation).await.map_err(fail)?;
    let again = async |status: StatusCode, m: String| {
        obligation_page(&state, &who, obligation, status, None, Some(m)).await
    };
    let due = match opt(&form.due) {
        Some(d) if form.decision == "approve" => match end_of_day(&d, zone.as_deref()) {
            Ok(t) => Some(t),
            Err(m) => {
                return again(StatusCode::UNPROCESSABLE_ENTITY, format!("due: {m}"))
                    .await
                    .map_err(fail);
            }
        },
        _ => None,
    };
    let body = DecisionIn {
        decision: form.decision.trim().to_owned(),
        due,
        conditions: opt(&form.conditions),
        note: opt(&form.note),
    };
    match obligations::decide(&state, &who, id, body).await {
        Ok(r) => Ok(Redirect::to(&format!(
            "/obligations/{}?done=decided#requests",
            r.obligation
        ))
        .into_response()),
        Err(e) => form_failed(&state, &who, e, again, "request").await,
    }
}

// ---------------------------------------------------------------------------
// Systems
// ---------------------------------------------------------------------------

struct SystemRow {
    id: Uuid,
    name: String,
    agency: String,
    fisma_id: String,
    high_value_asset: String,
    publicly_exposed: String,
    national_security: bool,
    owners: String,
}

fn system_row(s: systems::SystemOut) -> SystemRow {
    SystemRow {
        id: s.id,
        name: s.name,
        agency: s.org_name,
        fisma_id: s.fisma_id.unwrap_or_default(),
        high_value_asset: s.high_value_asset,
        publicly_exposed: s.publicly_exposed,
        national_security: s.national_security,
        owners: s.owners.join(", "),
    }
}

/// What a system form held, to show it again after a refusal.
#[derive(Debug, Default, Deserialize, Clone)]
pub struct SystemForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    fisma_id: String,
    #[serde(default)]
    high_value_asset: String,
    #[serde(default)]
    publicly_exposed: String,
    /// A checkbox: present when ticked.
    #[serde(default)]
    national_security: Option<String>,
    /// One owner a line (or comma-separated).
    #[serde(default)]
    owners: String,
}

impl CsrfField for SystemForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

fn owners(text: &str) -> Vec<String> {
    text.split(['\n', ','])
        .map(str::trim)
        .filter(|o| !o.is_empty())
        .map(str::to_owned)
        .collect()
}

#[derive(Template)]
#[template(path = "systems.html")]
struct SystemsPage {
    title: &'static str,
    nav: Option<Nav>,
    csrf: String,
    done: Option<&'static str>,
    error: Option<String>,
    may_create: bool,
    form: SystemForm,
    rows: Vec<SystemRow>,
    many_agencies: bool,
    first_href: Option<String>,
    next_href: Option<String>,
}

async fn systems_page(
    state: &AppState,
    who: &SignedIn,
    status: StatusCode,
    request: PageRequest,
    done: Option<&'static str>,
    error: Option<String>,
    form: SystemForm,
) -> PageResult {
    let page = systems::list(state, &who.principal, request)
        .await
        .map_err(|e| refused(e, "system"))?;
    render(
        status,
        &SystemsPage {
            title: "Systems",
            nav: Some(who.nav(state, SYSTEMS)),
            csrf: who.csrf.clone(),
            done,
            error,
            may_create: state.permits(
                &who.principal,
                Action::SystemCreate,
                &bulwark_app::resources::own_org_resource(&who.principal),
            ),
            form,
            many_agencies: who.may_read_all_compliance(state),
            first_href: request.after.map(|_| SYSTEMS.to_owned()),
            next_href: page
                .next
                .map(|n| format!("{SYSTEMS}?cursor={}", encode_cursor(n))),
            rows: page.items.into_iter().map(system_row).collect(),
        },
    )
}

/// `GET /systems`: the systems the visitor may read and the form to
/// register one.
pub async fn system_list(
    State(state): State<AppState>,
    who: SignedIn,
    query: Result<Query<PageParams>, QueryRejection>,
) -> PageResult {
    let fail = |e: PageError| e.for_user(&who, &state);
    let (mut request, _) = super::pages::page_request(query).map_err(fail)?;
    request.limit = SYSTEM_ROWS;
    let form = SystemForm {
        high_value_asset: "unknown".into(),
        publicly_exposed: "unknown".into(),
        ..SystemForm::default()
    };
    systems_page(&state, &who, StatusCode::OK, request, None, None, form)
        .await
        .map_err(fail)
}

/// `POST /systems`: registers a system in the visitor's agency, as `POST
/// /api/v1/systems`.
pub async fn create_system(
    State(state): State<AppState>,
    Posted { who, form }: Posted<SystemForm>,
) -> PageResult {
    let body = SystemIn {
        name: form.name.trim().to_owned(),
        fisma_id: opt(&form.fisma_id),
        high_value_asset: opt(&form.high_value_asset),
        publicly_exposed: opt(&form.publicly_exposed),
        national_security: form.national_security.is_some(),
        owners: owners(&form.owners),
    };
    match systems::create(&state, &who, body).await {
        Ok(s) => Ok(Redirect::to(&format!("/systems/{}?done=created", s.id)).into_response()),
        Err(e) => {
            let first = PageRequest {
                after: None,
                limit: SYSTEM_ROWS,
            };
            form_failed(
                &state,
                &who,
                e,
                async |status: StatusCode, m: String| {
                    systems_page(&state, &who, status, first, None, Some(m), form.clone()).await
                },
                "system",
            )
            .await
        }
    }
}

struct SbomChoice {
    id: Uuid,
    label: String,
}

#[derive(Template)]
#[template(path = "system.html")]
struct SystemPage {
    title: String,
    nav: Option<Nav>,
    csrf: String,
    done: Option<&'static str>,
    error: Option<String>,
    s: SystemRow,
    /// The agency's time zone, which the dates are in.
    zone: String,
    form: SystemForm,
    may_update: bool,
    attached: Vec<AttachedRow>,
    earlier: Vec<AttachedRow>,
    choices: Vec<SbomChoice>,
    products: Vec<ProductRow>,
    counts: Vec<CountLink>,
    /// The obligations' table: one agency here.
    rows: Vec<ObligationRow>,
    many_agencies: bool,
    all_href: String,
}

struct AttachedRow {
    id: Uuid,
    name: String,
    components: u64,
    attached: Local,
    detached: Option<Local>,
}

struct ProductRow {
    id: Uuid,
    vendor: String,
    product: String,
    version: String,
    cpe: String,
    added: Local,
}

async fn system_page(
    state: &AppState,
    who: &SignedIn,
    id: Uuid,
    status: StatusCode,
    done: Option<&'static str>,
    error: Option<String>,
) -> PageResult {
    let v = systems::get(state, &who.principal, id)
        .await
        .map_err(|e| refused(e, "system"))?;
    let mut names = Names::default();
    let (_, zone) = names.agency(state, v.system.org).await?;
    let z = zone.as_deref();
    let s = &v.system;
    let form = SystemForm {
        csrf: String::new(),
        name: s.name.clone(),
        fisma_id: s.fisma_id.clone().unwrap_or_default(),
        high_value_asset: s.high_value_asset.clone(),
        publicly_exposed: s.publicly_exposed.clone(),
        national_security: s.national_security.then(|| "on".to_owned()),
        owners: s.owners.join("\n"),
    };
    let (mut attached, mut earlier) = (Vec::new(), Vec::new());
    for a in &v.sboms {
        let row = AttachedRow {
            id: a.sbom,
            name: a.name.clone(),
            components: a.components,
            attached: Local::new(&a.attached_at, z),
            detached: a.detached_at.as_deref().map(|d| Local::new(d, z)),
        };
        if a.detached_at.is_none() {
            attached.push(row);
        } else {
            earlier.push(row);
        }
    }
    // The agency's own SBOMs (as the visitor may read them) not attached yet.
    let choices = if v.may_update {
        sboms::list_stored(
            state,
            &who.principal,
            PageRequest {
                after: None,
                limit: PageRequest::MAX_LIMIT,
            },
        )
        .await
        .map_err(|e| refused(e, "SBOM"))?
        .items
        .into_iter()
        .filter(|b| b.org_id == s.org && !attached.iter().any(|a| a.id == b.id))
        .rev()
        .map(|b| SbomChoice {
            id: b.id,
            label: format!("{} ({} components)", b.name, b.components),
        })
        .collect()
    } else {
        Vec::new()
    };
    let products = v
        .products
        .iter()
        .filter(|p| p.removed_at.is_none())
        .map(|p| ProductRow {
            id: p.id,
            vendor: p.vendor.clone(),
            product: p.product.clone(),
            version: p.version.clone().unwrap_or_default(),
            cpe: p.cpe.clone().unwrap_or_default(),
            added: Local::new(&p.added_at, z),
        })
        .collect();
    let scope = Filters {
        org: Some(s.org),
        system: Some(id),
        ..Filters::default()
    };
    let counts = match obligations::agency_compliance(state, &who.principal, s.org).await {
        Ok(c) => {
            let key = id.to_string();
            c.systems.into_iter().find(|r| r.key == key)
        }
        Err(e) if e.kind == ErrorKind::NotFound => None,
        Err(e) => return Err(refused(e, "system")),
    };
    let now = state.now();
    let listed = obligations::list(
        state,
        &who.principal,
        &ListQuery {
            system: Some(id),
            state: Some("open".into()),
            ..ListQuery::default()
        },
        PageRequest {
            after: None,
            limit: SYSTEM_OBLIGATION_ROWS,
        },
    )
    .await
    .map_err(|e| refused(e, "system"))?;
    let mut rows = Vec::new();
    for o in listed.items {
        rows.push(obligation_row(state, &mut names, o, now).await?);
    }
    render(
        status,
        &SystemPage {
            title: format!("System {}", s.name),
            nav: Some(who.nav(state, SYSTEMS)),
            csrf: who.csrf.clone(),
            done,
            error,
            zone: zone.clone().unwrap_or_else(|| "UTC".to_owned()),
            form,
            may_update: v.may_update,
            attached,
            earlier,
            choices,
            products,
            counts: count_links(counts.as_ref(), &scope),
            rows,
            many_agencies: false,
            all_href: scope.href(),
            s: system_row(v.system),
        },
    )
}

/// `GET /systems/{id}`: a system's flags, SBOMs, products and obligations.
pub async fn system(
    State(state): State<AppState>,
    who: SignedIn,
    Path(id): Path<String>,
    Query(done): Query<DoneParams>,
) -> PageResult {
    let fail = |e: PageError| e.for_user(&who, &state);
    let id = path_id(&id, "system").map_err(fail)?;
    system_page(
        &state,
        &who,
        id,
        StatusCode::OK,
        done_text(done.done.as_deref()),
        None,
    )
    .await
    .map_err(fail)
}

/// Where a system form goes after it worked.
fn back_to_system(id: Uuid, done: &str, anchor: &str) -> PageResult {
    Ok(Redirect::to(&format!("/systems/{id}?done={done}#{anchor}")).into_response())
}

/// `POST /systems/{id}`: changes the system's name, flags and owners, as
/// `PATCH /api/v1/systems/{id}`.
pub async fn update_system(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Posted { who, form }: Posted<SystemForm>,
) -> PageResult {
    let id = path_id(&id, "system").map_err(|e| e.for_user(&who, &state))?;
    let body = SystemPatch {
        name: opt(&form.name),
        fisma_id: Some(form.fisma_id.trim().to_owned()),
        high_value_asset: opt(&form.high_value_asset),
        publicly_exposed: opt(&form.publicly_exposed),
        national_security: Some(form.national_security.is_some()),
        owners: Some(owners(&form.owners)),
    };
    let result = systems::update(&state, &who, id, body).await;
    system_form_done(&state, &who, id, result, "updated", "flags", "system").await
}

#[derive(Debug, Default, Deserialize)]
pub struct AttachForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    sbom: String,
    /// An attached SBOM the new one replaces; empty for none.
    #[serde(default)]
    replaces: String,
}

impl CsrfField for AttachForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

/// `POST /systems/{id}/sboms`: attaches one of the agency's SBOMs (in
/// place of another when `replaces` names one), as `PUT
/// /api/v1/systems/{id}/sboms/{sbom}`.
pub async fn attach_sbom(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Posted { who, form }: Posted<AttachForm>,
) -> PageResult {
    let fail = |e: PageError| e.for_user(&who, &state);
    let id = path_id(&id, "system").map_err(fail)?;
    let again = async |status: StatusCode, m: String| {
        system_page(&state, &who, id, status, None, Some(m)).await
    };
    let Ok(sbom) = form.sbom.trim().parse::<Uuid>() else {
        return again(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Choose an SBOM to attach.".to_owned(),
        )
        .await
        .map_err(fail);
    };
    let replaces = match opt(&form.replaces) {
        None => None,
        Some(r) => Some(
            r.parse::<Uuid>()
                .map_err(|_| fail(PageError::bad_request("replaces: not an SBOM id")))?,
        ),
    };
    match systems::attach_sbom(&state, &who, id, sbom, replaces).await {
        Ok(_) => back_to_system(id, "attached", "sboms"),
        Err(e) => form_failed(&state, &who, e, again, "system").await,
    }
}

/// `POST /systems/{id}/sboms/{sbom}/detach`, as `DELETE
/// /api/v1/systems/{id}/sboms/{sbom}`.
pub async fn detach_sbom(
    State(state): State<AppState>,
    Path((id, sbom)): Path<(String, String)>,
    Posted { who, form: _ }: Posted<CsrfOnly>,
) -> PageResult {
    let fail = |e: PageError| e.for_user(&who, &state);
    let id = path_id(&id, "system").map_err(fail)?;
    let sbom = path_id(&sbom, "attached SBOM").map_err(fail)?;
    let result = systems::detach_sbom(&state, &who, id, sbom).await;
    system_form_done(
        &state,
        &who,
        id,
        result,
        "detached",
        "sboms",
        "attached SBOM",
    )
    .await
}

#[derive(Debug, Default, Deserialize)]
pub struct ProductForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    vendor: String,
    #[serde(default)]
    product: String,
    #[serde(default)]
    version: String,
    #[serde(default)]
    cpe: String,
}

impl CsrfField for ProductForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

/// `POST /systems/{id}/products`: a product without a package URL, by
/// vendor, product and version or by CPE, as `POST
/// /api/v1/systems/{id}/products`.
pub async fn add_product(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Posted { who, form }: Posted<ProductForm>,
) -> PageResult {
    let id = path_id(&id, "system").map_err(|e| e.for_user(&who, &state))?;
    let body = ProductIn {
        vendor: opt(&form.vendor),
        product: opt(&form.product),
        version: opt(&form.version),
        cpe: opt(&form.cpe),
    };
    let result = systems::add_product(&state, &who, id, body).await;
    system_form_done(
        &state,
        &who,
        id,
        result,
        "product-added",
        "products",
        "system",
    )
    .await
}

/// `POST /systems/{id}/products/{product}/remove`, as `DELETE
/// /api/v1/systems/{id}/products/{product}`.
pub async fn remove_product(
    State(state): State<AppState>,
    Path((id, product)): Path<(String, String)>,
    Posted { who, form: _ }: Posted<CsrfOnly>,
) -> PageResult {
    let fail = |e: PageError| e.for_user(&who, &state);
    let id = path_id(&id, "system").map_err(fail)?;
    let product = path_id(&product, "product").map_err(fail)?;
    let result = systems::remove_product(&state, &who, id, product).await;
    system_form_done(
        &state,
        &who,
        id,
        result,
        "product-removed",
        "products",
        "product",
    )
    .await
}

// ---------------------------------------------------------------------------
// Compliance
// ---------------------------------------------------------------------------

/// One row of a compliance table, each number with the list it counts.
struct CountsRow {
    name: String,
    href: Option<String>,
    open: u64,
    open_href: String,
    due_soon: u64,
    due_soon_href: String,
    overdue: u64,
    overdue_href: String,
    oldest_overdue_days: String,
    closed: u64,
    closed_href: String,
    closed_on_time: String,
    mean_to_close: String,
}

fn counts_row(c: CountsOut, scope: Filters, href: Option<String>) -> CountsRow {
    let with = |f: &dyn Fn(&mut Filters)| {
        let mut x = scope.clone();
        f(&mut x);
        x.href()
    };
    CountsRow {
        name: c.name.clone().unwrap_or_else(|| c.key.clone()),
        href,
        open: c.open,
        open_href: with(&|f| f.state = "open".into()),
        due_soon: c.due_soon,
        due_soon_href: with(&|f| f.due_within_days = Some(obligations::DUE_SOON_DAYS as u32)),
        overdue: c.overdue,
        overdue_href: with(&|f| f.overdue = true),
        oldest_overdue_days: c
            .oldest_overdue_days
            .map_or_else(|| "—".to_owned(), |d| plural(d, "day")),
        closed: c.closed,
        closed_href: with(&|f| f.state = "closed".into()),
        closed_on_time: if c.closed == 0 {
            "—".to_owned()
        } else {
            format!(
                "{} of {} ({:.0}%)",
                c.closed_on_time,
                c.closed,
                c.closed_on_time as f64 * 100.0 / c.closed as f64
            )
        },
        mean_to_close: c.mean_hours_to_close.map_or_else(
            || "—".to_owned(),
            |h| {
                if h < 48.0 {
                    format!("{h:.0} hours")
                } else {
                    format!("{:.1} days", h / 24.0)
                }
            },
        ),
    }
}

/// One bar of the overdue chart.
struct Bar {
    label: String,
    n: u64,
    y: u32,
    text_y: u32,
    width: u32,
}

/// The chart's geometry, in the SVG's own units.
const CHART_LABEL_W: u32 = 260;
const CHART_BAR_W: u32 = 600;
const CHART_ROW_H: u32 = 28;

fn bars(rows: &[CountsRow]) -> Vec<Bar> {
    let most = rows.iter().map(|r| r.overdue).max().unwrap_or(0).max(1);
    rows.iter()
        .enumerate()
        .map(|(i, r)| {
            let y = i as u32 * CHART_ROW_H;
            Bar {
                label: r.name.clone(),
                n: r.overdue,
                y: y + 4,
                text_y: y + 19,
                width: ((r.overdue as f64 / most as f64) * f64::from(CHART_BAR_W)).round() as u32,
            }
        })
        .collect()
}

/// One week of the trend chart: open at the week's end (the whole
/// column) and overdue among them (the darker part), in SVG units.
struct Week {
    label: String,
    until: String,
    created: u64,
    closed: u64,
    open: u64,
    overdue: u64,
    x: u32,
    open_y: u32,
    open_h: u32,
    overdue_y: u32,
    overdue_h: u32,
}

/// The trend chart's geometry.
const TREND_COL_W: u32 = 44;
const TREND_H: u32 = 160;
const TREND_TOP: u32 = 10;

fn weeks(points: &[bulwark_app::directives::trend::TrendPointOut]) -> Vec<Week> {
    let most = points.iter().map(|p| p.open).max().unwrap_or(0).max(1);
    let h = |n: u64| ((n as f64 / most as f64) * f64::from(TREND_H)).round() as u32;
    points
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let (open_h, overdue_h) = (h(p.open), h(p.overdue));
            Week {
                label: p.until.get(5..10).unwrap_or(&p.until).to_owned(),
                until: p.until.get(..10).unwrap_or(&p.until).to_owned(),
                created: p.created,
                closed: p.closed,
                open: p.open,
                overdue: p.overdue,
                x: i as u32 * TREND_COL_W,
                open_y: TREND_TOP + TREND_H - open_h,
                open_h,
                overdue_y: TREND_TOP + TREND_H - overdue_h,
                overdue_h,
            }
        })
        .collect()
}

#[derive(Template)]
#[template(path = "compliance.html")]
struct CompliancePage {
    title: &'static str,
    nav: Option<Nav>,
    rows: Vec<CountsRow>,
    bars: Vec<Bar>,
    chart_h: u32,
    chart_w: u32,
    label_w: u32,
    weeks: Vec<Week>,
    trend_w: u32,
    trend_h: u32,
    trend_base: u32,
}

/// `GET /compliance`: for the issuer every agency side by side, most
/// overdue first; for an agency its own page.
pub async fn compliance(State(state): State<AppState>, who: SignedIn) -> PageResult {
    let fail = |e: PageError| e.for_user(&who, &state);
    if !who.may_read_all_compliance(&state) {
        if !who.may_read_own_inventory(&state) {
            return Err(fail(PageError::not_found("compliance view")));
        }
        return Ok(
            Redirect::to(&format!("{COMPLIANCE}/agencies/{}", who.principal.org_id))
                .into_response(),
        );
    }
    let found = obligations::government_wide(&state, &who.principal)
        .await
        .map_err(|e| fail(refused(e, "agency")))?;
    let rows: Vec<CountsRow> = found
        .into_iter()
        .map(|c| {
            let org = c.key.parse::<Uuid>().ok();
            let href = org.map(|o| format!("{COMPLIANCE}/agencies/{o}"));
            counts_row(
                c,
                Filters {
                    org,
                    ..Filters::default()
                },
                href,
            )
        })
        .collect();
    let bars = bars(&rows);
    let trend = bulwark_app::directives::trend::trend(&state, &who.principal, None, 12)
        .await
        .map_err(|e| fail(refused(e, "agency")))?;
    let weeks = weeks(&trend);
    render(
        StatusCode::OK,
        &CompliancePage {
            title: "Compliance",
            nav: Some(who.nav(&state, COMPLIANCE)),
            trend_w: weeks.len() as u32 * TREND_COL_W + 10,
            trend_h: TREND_TOP + TREND_H + 24,
            trend_base: TREND_TOP + TREND_H,
            weeks,
            chart_h: (bars.len() as u32).max(1) * CHART_ROW_H + 8,
            chart_w: CHART_LABEL_W + CHART_BAR_W + 60,
            label_w: CHART_LABEL_W,
            bars,
            rows,
        },
    )
}

#[derive(Template)]
#[template(path = "compliance_agency.html")]
struct AgencyPage {
    title: String,
    nav: Option<Nav>,
    total: Option<CountsRow>,
    systems: Vec<CountsRow>,
    directives: Vec<CountsRow>,
    /// The issuer, who came from the government-wide view.
    from_all: bool,
}

/// `GET /compliance/agencies/{org}`: one agency per system and per
/// directive (its own members, or the issuer).
pub async fn compliance_agency(
    State(state): State<AppState>,
    who: SignedIn,
    Path(org): Path<String>,
) -> PageResult {
    let fail = |e: PageError| e.for_user(&who, &state);
    let org = path_id(&org, "agency").map_err(fail)?;
    let c = obligations::agency_compliance(&state, &who.principal, org)
        .await
        .map_err(|e| fail(refused(e, "agency")))?;
    let scope = Filters {
        org: Some(org),
        ..Filters::default()
    };
    let systems = c
        .systems
        .into_iter()
        .map(|r| {
            let system = r.key.parse::<Uuid>().ok();
            let href = system.map(|s| format!("{SYSTEMS}/{s}"));
            counts_row(
                r,
                Filters {
                    system,
                    ..scope.clone()
                },
                href,
            )
        })
        .collect();
    let directives = c
        .directives
        .into_iter()
        .map(|r| {
            let directive = r.key.clone();
            counts_row(
                r,
                Filters {
                    directive,
                    ..scope.clone()
                },
                Some(DIRECTIVES.to_owned()),
            )
        })
        .collect();
    render(
        StatusCode::OK,
        &AgencyPage {
            title: format!("Compliance of {}", c.org_name),
            nav: Some(who.nav(&state, COMPLIANCE)),
            total: c.total.map(|t| counts_row(t, scope.clone(), None)),
            systems,
            directives,
            from_all: who.may_read_all_compliance(&state),
        },
    )
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VulnerabilityParams {
    id: Option<String>,
}

/// `GET /compliance/vulnerabilities?id=`: the "who is exposed" form's
/// target, to the vulnerability's page.
pub async fn exposed_lookup(
    State(state): State<AppState>,
    who: SignedIn,
    query: Result<Query<VulnerabilityParams>, QueryRejection>,
) -> PageResult {
    let Query(p) =
        query.map_err(|e| PageError::bad_request(e.body_text()).for_user(&who, &state))?;
    match some_text(&p.id) {
        Some(id) => Ok(Redirect::to(&format!(
            "{COMPLIANCE}/vulnerabilities/{}",
            enc(&id.to_ascii_uppercase())
        ))
        .into_response()),
        None => Ok(Redirect::to(COMPLIANCE).into_response()),
    }
}

#[derive(Template)]
#[template(path = "compliance_vulnerability.html")]
struct VulnerabilityPage {
    title: String,
    nav: Option<Nav>,
    id: String,
    /// Where the name leads ([`super::vulnerability_href`]).
    href: Option<String>,
    rows: Vec<CountsRow>,
    all_href: String,
}

/// `GET /compliance/vulnerabilities/{id}`: agency by agency, who is still
/// exposed to one vulnerability (open, overdue, closed).
pub async fn exposed(
    State(state): State<AppState>,
    who: SignedIn,
    Path(id): Path<String>,
) -> PageResult {
    let fail = |e: PageError| e.for_user(&who, &state);
    let id = id.trim().to_ascii_uppercase();
    if id.is_empty() || id.len() > 100 || id.chars().any(|c| c.is_control()) {
        return Err(fail(PageError::not_found("vulnerability")));
    }
    let found = obligations::vulnerability_view(&state, &who.principal, &id)
        .await
        .map_err(|e| fail(refused(e, "vulnerability")))?;
    let held = state.permits(
        &who.principal,
        Action::VulnerabilityRead,
        &Resource::Program,
    ) && bulwark_app::facts::held(&state, &[id.as_str()])
        .await
        .map_err(|e| fail(refused(e, "vulnerability")))?
        .first()
        .copied()
        .unwrap_or(false);
    let scope = Filters {
        vulnerability: id.clone(),
        ..Filters::default()
    };
    let rows = found
        .into_iter()
        .map(|c| {
            let org = c.key.parse::<Uuid>().ok();
            counts_row(
                c,
                Filters {
                    org,
                    ..scope.clone()
                },
                org.map(|o| format!("{COMPLIANCE}/agencies/{o}")),
            )
        })
        .collect();
    render(
        StatusCode::OK,
        &VulnerabilityPage {
            title: format!("Who is exposed to {id}"),
            nav: Some(who.nav(&state, COMPLIANCE)),
            all_href: scope.href(),
            href: super::vulnerability_href(&id, held),
            id,
            rows,
        },
    )
}

// ---------------------------------------------------------------------------
// Directives
// ---------------------------------------------------------------------------

struct RuleRow {
    id: String,
    line: usize,
    conditions: Vec<String>,
    action: String,
    timeline: String,
    forensic: bool,
    deadlines: Vec<String>,
    report: Vec<String>,
    source: String,
}

struct FactRow {
    name: String,
    description: String,
    values: String,
    source: String,
    unknown: String,
    unknown_basis: String,
}

struct DirectiveView {
    d: DirectiveOut,
    loaded: super::Stamp,
    anchor: String,
    scope_note: String,
    rules: Vec<RuleRow>,
    facts: Vec<FactRow>,
}

fn directive_view(d: DirectiveOut, source: &str) -> DirectiveView {
    let anchor = format!("{}-{}", d.id, d.version)
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    // Kept directives loaded once already: one that no longer does shows
    // its summary only.
    let parsed = bulwark_directive::Directive::from_toml(source).ok();
    let (scope_note, rules, facts) = match parsed {
        None => (String::new(), Vec::new(), Vec::new()),
        Some(p) => {
            let rules = p
                .rules()
                .iter()
                .map(|r| {
                    let mut conditions: Vec<String> =
                        r.when.iter().map(|(f, c)| format!("{f} = {c}")).collect();
                    if let Some(cves) = &r.cves {
                        conditions.push(format!(
                            "cve = {}",
                            cves.iter().cloned().collect::<Vec<_>>().join("|")
                        ));
                    }
                    if conditions.is_empty() {
                        conditions.push("any".to_owned());
                    }
                    RuleRow {
                        id: r.id.clone(),
                        line: r.line,
                        conditions,
                        action: words(&r.outcome.action),
                        timeline: r.outcome.timeline.to_string(),
                        forensic: r.outcome.forensic,
                        deadlines: r
                            .outcome
                            .deadlines
                            .iter()
                            .map(|s| format!("{}: {}", s.what, s.timeline))
                            .collect(),
                        report: r.outcome.report.clone(),
                        source: r.outcome.source.clone(),
                    }
                })
                .collect();
            let facts = p
                .facts()
                .iter()
                .map(|f| FactRow {
                    name: f.name.clone(),
                    description: f.description.clone(),
                    values: match f.number {
                        Some(n) => format!("a number from {} to {}", n.min, n.max),
                        None => f.values.join(", "),
                    },
                    source: f.source.clone(),
                    unknown: match f.number {
                        Some(n) => n.unknown.to_string(),
                        None => f.unknown.clone(),
                    },
                    unknown_basis: f.unknown_basis.clone(),
                })
                .collect();
            (p.scope().note.clone(), rules, facts)
        }
    };
    DirectiveView {
        loaded: super::Stamp::parse(&d.loaded_at),
        d,
        anchor,
        scope_note,
        rules,
        facts,
    }
}

#[derive(Template)]
#[template(path = "directives.html")]
struct DirectivesPage {
    title: &'static str,
    nav: Option<Nav>,
    csrf: String,
    may_load: bool,
    loaded: Option<String>,
    error: Option<String>,
    pasted: String,
    directives: Vec<DirectiveView>,
}

async fn directives_page(
    state: &AppState,
    who: &SignedIn,
    status: StatusCode,
    loaded: Option<String>,
    error: Option<String>,
    pasted: String,
) -> PageResult {
    let list = directives_app::list(state, &who.principal)
        .await
        .map_err(|e| refused(e, "directive"))?;
    let mut directives = Vec::new();
    // In force first, then the newest loaded.
    for d in list.into_iter().rev() {
        let (d, source) =
            directives_app::get(state, &who.principal, &d.id, Some(d.version.as_str()))
                .await
                .map_err(|e| refused(e, "directive"))?;
        directives.push(directive_view(d, &source));
    }
    directives.sort_by_key(|v| !v.d.in_force);
    render(
        status,
        &DirectivesPage {
            title: "Directives",
            nav: Some(who.nav(state, DIRECTIVES)),
            csrf: who.csrf.clone(),
            may_load: state.permits(&who.principal, Action::DirectiveLoad, &Resource::Program),
            loaded,
            error,
            pasted,
            directives,
        },
    )
}

/// `GET /directives`: the directives kept, their rules and facts.
pub async fn directive_list(State(state): State<AppState>, who: SignedIn) -> PageResult {
    directives_page(&state, &who, StatusCode::OK, None, None, String::new())
        .await
        .map_err(|e| e.for_user(&who, &state))
}

/// Reads a multipart field whole, refused past [`DIRECTIVE_LIMIT`].
async fn field_text(field: axum::extract::multipart::Field<'_>) -> PageResult<String> {
    let mut field = std::pin::pin!(field);
    let mut out = Vec::new();
    while let Some(chunk) = futures_util::StreamExt::next(&mut field).await {
        let chunk = chunk.map_err(|e| PageError::bad_request(e.body_text()))?;
        out.extend_from_slice(&chunk);
        if out.len() > DIRECTIVE_LIMIT {
            return Err(PageError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "Too large",
                format!("A directive is at most {DIRECTIVE_LIMIT} bytes."),
            ));
        }
    }
    String::from_utf8(out).map_err(|_| PageError::bad_request("the directive is not UTF-8"))
}

/// `POST /directives` (multipart: `csrf`, then the TOML pasted in `toml`
/// or uploaded as `file`): loads a directive version, as `POST
/// /api/v1/directives`. The CSRF token must come first, so that nothing is
/// read from a forged form.
pub async fn load(State(state): State<AppState>, who: SignedIn, mut form: Multipart) -> PageResult {
    let fail = |e: PageError| e.for_user(&who, &state);
    let mut csrf_ok = false;
    let mut pasted = String::new();
    let mut uploaded = String::new();
    loop {
        let field = match form.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) => return Err(fail(PageError::bad_request(e.body_text()))),
        };
        match field.name() {
            Some("csrf") => {
                let presented = super::small_text(field).await.map_err(fail)?;
                if !super::session::same_secret(&who.csrf, &presented) {
                    return Err(fail(PageError::csrf()));
                }
                csrf_ok = true;
            }
            _ if !csrf_ok => return Err(fail(PageError::csrf())),
            Some("toml") => pasted = field_text(field).await.map_err(fail)?,
            Some("file") => uploaded = field_text(field).await.map_err(fail)?,
            _ => {}
        }
    }
    if !csrf_ok {
        return Err(fail(PageError::csrf()));
    }
    let text = if uploaded.trim().is_empty() {
        pasted.clone()
    } else {
        uploaded
    };
    if text.trim().is_empty() {
        return directives_page(
            &state,
            &who,
            StatusCode::UNPROCESSABLE_ENTITY,
            None,
            Some("Paste a directive's TOML or choose a file.".to_owned()),
            pasted,
        )
        .await
        .map_err(fail);
    }
    match directives_app::load(&state, &who, &text).await {
        Ok(out) => {
            let m = &out.moved;
            let message = if out.new {
                format!(
                    "{} is loaded{}. Re-evaluating {} systems: {} obligations created, {} revised, {} closed, {} reopened.",
                    out.directive.citation,
                    if out.directive.in_force {
                        " and in force"
                    } else {
                        ""
                    },
                    m.systems,
                    m.created,
                    m.revised,
                    m.closed,
                    m.reopened
                )
            } else {
                format!(
                    "{} was loaded before with the same text: nothing changed.",
                    out.directive.citation
                )
            };
            let status = if out.new {
                StatusCode::CREATED
            } else {
                StatusCode::OK
            };
            directives_page(&state, &who, status, Some(message), None, String::new())
                .await
                .map_err(fail)
        }
        Err(e) => {
            form_failed(
                &state,
                &who,
                e,
                async |status: StatusCode, m: String| {
                    directives_page(&state, &who, status, None, Some(m), pasted.clone()).await
                },
                "directive",
            )
            .await
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use time::macros::datetime;

    #[test]
    fn due_words_count_whole_days_both_ways() {
        let now = datetime!(2026-12-01 12:00 UTC);
        assert_eq!(
            due_words(datetime!(2026-11-28 11:00 UTC), now),
            "overdue by 3 days"
        );
        assert_eq!(
            due_words(datetime!(2026-11-30 11:00 UTC), now),
            "overdue by 1 day"
        );
        assert_eq!(
            due_words(datetime!(2026-12-01 11:00 UTC), now),
            "overdue by less than a day"
        );
        assert_eq!(
            due_words(datetime!(2026-12-01 13:00 UTC), now),
            "due within a day"
        );
        assert_eq!(
            due_words(datetime!(2026-12-04 13:00 UTC), now),
            "due in 3 days"
        );
    }

    #[test]
    fn end_of_day_is_in_the_agencys_zone() {
        // 23:59:59 in New York in December (EST, UTC-5) is 04:59:59 UTC the next day.
        assert_eq!(
            end_of_day("2026-12-09", Some("America/New_York")).as_deref(),
            Ok("2026-12-10T04:59:59Z")
        );
        assert_eq!(
            end_of_day("2026-12-09", None).as_deref(),
            Ok("2026-12-09T23:59:59Z")
        );
        assert!(end_of_day("9 Dec", None).is_err());
    }

    #[test]
    fn the_kev_badge_follows_the_explanation() {
        let kev = json!({"explanation": ["in_kev = yes (source: KEV)"]});
        let unknown = json!({"explanation": [
            "in_kev = yes (source: the directive's default for unknown; given as unknown according to KEV (no catalog imported); …)"
        ]});
        let not = json!({"explanation": ["in_kev = no (source: KEV)"]});
        assert_eq!(kev_badge(&kev), Some("KEV"));
        assert_eq!(kev_badge(&unknown), Some("KEV?"));
        assert_eq!(kev_badge(&not), None);
        assert_eq!(kev_badge(&json!({})), None);
    }

    #[test]
    fn explanation_lines_become_inputs_and_reasons() {
        let ev = json!({"explanation": [
            "matched: pkg:cargo/smallvec@1.6.0 is affected by RUSTSEC-2021-0003 (SBOM x, OSV)",
            "in_kev = no (source: KEV)",
            "epss = 0.2 (source: FIRST EPSS)",
            "rule row-16 (BOD 26-04 Table 1, row 16): remediate within on upgrade",
            "due = none: at the system's next scheduled upgrade or rebuild"
        ]});
        let (inputs, other) = explanation(&ev);
        let names: Vec<&str> = inputs.iter().map(|i| i.name.as_str()).collect();
        assert_eq!(names, ["in_kev", "epss"]);
        assert_eq!(inputs[1].value, "0.2");
        assert_eq!(inputs[1].source, "FIRST EPSS");
        assert_eq!(other.len(), 3, "{other:?}");
    }

    #[test]
    fn filters_repeat_themselves_in_the_query_string() {
        let p = ObligationParams {
            state: Some("open".into()),
            vulnerability: Some("cve-2024 1".into()),
            overdue: Some("on".into()),
            ..ObligationParams::default()
        };
        let f = Filters::read(&p).expect("filters");
        assert_eq!(
            f.href(),
            "/obligations?state=open&vulnerability=CVE-2024%201&overdue=true"
        );
        let bad = ObligationParams {
            state: Some("pending".into()),
            ..ObligationParams::default()
        };
        assert!(Filters::read(&bad).is_err());
    }
}
