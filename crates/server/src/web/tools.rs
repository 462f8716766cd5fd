//! The catalogue of AI-enabled defensive tools as pages: the catalogue
//! with its numbers, filters, evidence and a chart of validation rates with
//! their intervals; a tool's page with its facts, versions, scorecards per
//! version, weekly history and the actions the policy allows the visitor
//! (submit, approve, reject, withdraw, reopen). The use cases are
//! `bulwark_app::tools`; these handlers only translate.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use bulwark_app::tool_evidence::{RateOut, ToolScorecardOut};
use bulwark_app::tools::{self, ToolDecisionIn, ToolFilter, ToolOut, ToolWithdrawIn};
use bulwark_app::{AppError, ErrorKind};
use bulwark_authz::Action;
use bulwark_core::Tlp;
use bulwark_tools::{Deployment, EntryState, FedRampStatus, ToolKind};
use serde::Deserialize;
use uuid::Uuid;

use super::pages::Tile;
use super::session::{CsrfField, Posted, SignedIn};
use super::{Nav, PageError, PageResult, Stamp, render, words};
use crate::state::AppState;

const TOOLS: &str = "/tools";

/// Tools the catalogue's chart draws at most (the table lists them all).
const CHART_TOOLS: usize = 20;

fn page_error(e: AppError) -> PageError {
    match e.kind {
        ErrorKind::NotFound => PageError::not_found("tool"),
        ErrorKind::Validation | ErrorKind::MalformedRequest => PageError::bad_request(e.detail),
        _ => PageError::internal(),
    }
}

/// The catalogue's query: the API's filters and a page.
#[derive(Debug, Default, Deserialize)]
pub struct CatalogueParams {
    state: Option<String>,
    kind: Option<String>,
    deployment: Option<String>,
    receives: Option<String>,
    embargoed: Option<String>,
    fedramp: Option<String>,
    q: Option<String>,
    sort: Option<String>,
    page: Option<String>,
}

fn blank(v: &Option<String>) -> Option<String> {
    v.as_deref()
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_owned)
}

/// A rate as a page shows it: `k/n (p%)` and its interval, or a dash.
struct RateText {
    text: String,
    interval: String,
    too_few: bool,
}

fn rate(r: &RateOut) -> RateText {
    match r.rate {
        None => RateText {
            text: "–".into(),
            interval: String::new(),
            too_few: true,
        },
        Some(p) => RateText {
            text: format!("{}/{} ({:.0}%)", r.k, r.n, p * 100.0),
            interval: format!("{:.0}% to {:.0}%", r.lower * 100.0, r.upper * 100.0),
            too_few: r.too_few,
        },
    }
}

/// One tool as a row of the catalogue.
struct ToolRow {
    id: Uuid,
    name: String,
    provider: String,
    kind: String,
    deployment: String,
    receives: String,
    fedramp: String,
    state: String,
    reports: i64,
    validation: RateText,
    patches: String,
    claims: String,
}

fn fedramp_text(t: &ToolOut) -> String {
    match &t.fedramp {
        None => "none".into(),
        Some(f) => format!("{} ({})", words(&f.status), words(&f.impact)),
    }
}

fn receives_text(t: &ToolOut) -> String {
    format!(
        "TLP:{}{}",
        t.limits.max_tlp,
        if t.limits.embargoed {
            ", embargoed"
        } else {
            ""
        }
    )
}

fn row(t: &ToolOut) -> ToolRow {
    let e = t.evidence.as_ref();
    ToolRow {
        id: t.id,
        name: t.name.clone(),
        provider: t.provider_name.clone(),
        kind: words(&t.kind),
        deployment: t
            .deployment
            .iter()
            .map(|d| words(d))
            .collect::<Vec<_>>()
            .join(", "),
        receives: receives_text(t),
        fedramp: fedramp_text(t),
        state: t.state.clone(),
        reports: e.map_or(0, |e| e.counts.reports),
        validation: e.map_or(
            RateText {
                text: "–".into(),
                interval: String::new(),
                too_few: true,
            },
            |e| rate(&e.validation),
        ),
        patches: e.map_or("–".into(), |e| {
            format!("{} of {}", e.counts.patches_accepted, e.counts.patches)
        }),
        claims: e.map_or("–".into(), |e| {
            format!(
                "{} ({} nothing found)",
                e.counts.claims, e.counts.claims_nothing_found
            )
        }),
    }
}

/// An option of a filter's select.
struct Choice {
    value: String,
    label: String,
    selected: bool,
}

fn choices(words_of: &[&str], chosen: &Option<String>) -> Vec<Choice> {
    words_of
        .iter()
        .map(|w| Choice {
            value: (*w).to_owned(),
            label: words(w),
            selected: chosen.as_deref() == Some(*w),
        })
        .collect()
}

struct Filters {
    states: Vec<Choice>,
    kinds: Vec<Choice>,
    deployments: Vec<Choice>,
    receives: Vec<Choice>,
    fedramp: Vec<Choice>,
    sorts: Vec<Choice>,
    embargoed: bool,
    q: String,
}

#[derive(Template)]
#[template(path = "tools.html")]
struct CataloguePage {
    title: &'static str,
    nav: Option<Nav>,
    /// Approved tools by kind; entries by state (when the visitor sees any
    /// that are not approved).
    counts: Vec<Tile>,
    state_counts: Vec<Tile>,
    filters: Filters,
    filtered: bool,
    total: usize,
    rows: Vec<ToolRow>,
    chart: Option<String>,
    may_provide: bool,
    prev_href: Option<String>,
    next_href: Option<String>,
}

/// The query string of a filter, for links that keep it.
fn query_of(f: &ToolFilter) -> String {
    let pairs = [
        ("state", f.state.clone()),
        ("kind", f.kind.clone()),
        ("deployment", f.deployment.clone()),
        ("receives", f.receives.clone()),
        ("embargoed", f.embargoed.map(|b| b.to_string())),
        ("fedramp", f.fedramp.clone()),
        ("q", f.q.clone()),
        ("sort", f.sort.clone()),
    ];
    let mut out = String::new();
    for (k, v) in pairs {
        if let Some(v) = v {
            out.push_str(if out.is_empty() { "?" } else { "&" });
            out.push_str(k);
            out.push('=');
            out.push_str(&super::directives::enc(&v));
        }
    }
    out
}

/// `GET /tools`: the catalogue the visitor may read, numbers first.
pub async fn catalogue(
    State(state): State<AppState>,
    who: SignedIn,
    query: Result<axum::extract::Query<CatalogueParams>, axum::extract::rejection::QueryRejection>,
) -> PageResult {
    let fail = |e: PageError| e.for_user(&who, &state);
    let axum::extract::Query(p) = query.map_err(|e| fail(PageError::bad_request(e.body_text())))?;
    let page = super::page_number(&p.page).map_err(|e| fail(PageError::bad_request(e)))?;
    let embargoed = match blank(&p.embargoed).as_deref() {
        None | Some("false") => None,
        Some("true") => Some(true),
        Some(other) => {
            return Err(fail(PageError::bad_request(format!(
                "embargoed: {other:?} is neither true nor false"
            ))));
        }
    };
    let filter = ToolFilter {
        state: blank(&p.state),
        kind: blank(&p.kind),
        deployment: blank(&p.deployment),
        receives: blank(&p.receives),
        embargoed,
        fedramp: blank(&p.fedramp),
        provider: None,
        q: blank(&p.q),
        sort: blank(&p.sort),
    };
    let found = tools::list(&state, &who.principal, &filter)
        .await
        .map_err(|e| fail(page_error(e)))?;
    let counts = found
        .approved_by_kind
        .iter()
        .map(|(k, n)| {
            Tile::new(
                *n as u64,
                words(k),
                format!("{TOOLS}?state=approved&kind={k}"),
            )
        })
        .collect();
    let state_counts = if found.by_state.keys().any(|s| s != "approved") {
        found
            .by_state
            .iter()
            .map(|(s, n)| Tile::new(*n as u64, words(s), format!("{TOOLS}?state={s}")))
            .collect()
    } else {
        Vec::new()
    };
    // The chart: the tools with the most decided cases, their validation
    // rate and its interval.
    let mut charted: Vec<&ToolOut> = found
        .items
        .iter()
        .filter(|t| t.evidence.as_ref().is_some_and(|e| e.validation.n > 0))
        .collect();
    charted.sort_by_key(|t| std::cmp::Reverse(t.evidence.as_ref().map_or(0, |e| e.validation.n)));
    charted.truncate(CHART_TOOLS);
    let chart = (!charted.is_empty()).then(|| {
        let rows: Vec<super::charts::Interval> = charted
            .iter()
            .filter_map(|t| {
                let v = &t.evidence.as_ref()?.validation;
                Some(super::charts::Interval {
                    label: t.name.clone(),
                    estimate: v.rate.unwrap_or(0.0),
                    low: v.lower,
                    high: v.upper,
                })
            })
            .collect();
        super::charts::Intervals {
            id: "tools-validation",
            title: "Share of decided cases validated, per tool, with 95% intervals",
            desc: &format!(
                "For the {} tools with the most decided cases: validated ÷ (validated + rejected) as a dot and its 95% Wilson interval as a bar; the table gives the same numbers.",
                rows.len()
            ),
            x_name: "validated ÷ decided",
            rows: &rows,
        }
        .svg()
    });
    let total = found.total;
    let rows: Vec<ToolRow> = found.items.iter().map(row).collect();
    let base = query_of(&filter);
    let (rows, prev_href, next_href) = super::page_of(rows, page, super::LIST_ROWS, |n| {
        if base.is_empty() {
            format!("{TOOLS}?page={n}")
        } else {
            format!("{TOOLS}{base}&page={n}")
        }
    });
    let state_words: Vec<&str> = EntryState::ALL.iter().map(|s| s.as_str()).collect();
    let kind_words: Vec<&str> = ToolKind::ALL.iter().map(|s| s.as_str()).collect();
    let deployment_words: Vec<&str> = Deployment::ALL.iter().map(|s| s.as_str()).collect();
    let tlp_words: Vec<&str> = Tlp::ALL
        .iter()
        .filter(|t| **t != Tlp::Red)
        .map(|s| s.as_str())
        .collect();
    let mut fedramp_words: Vec<&str> = FedRampStatus::ALL.iter().map(|s| s.as_str()).collect();
    fedramp_words.push("none");
    let filtered = !base.is_empty();
    render(
        StatusCode::OK,
        &CataloguePage {
            title: "Defensive tools",
            nav: Some(who.nav(&state, TOOLS)),
            counts,
            state_counts,
            filters: Filters {
                states: choices(&state_words, &filter.state),
                kinds: choices(&kind_words, &filter.kind),
                deployments: choices(&deployment_words, &filter.deployment),
                receives: choices(&tlp_words, &filter.receives),
                fedramp: choices(&fedramp_words, &filter.fedramp),
                sorts: choices(&["name", "validated", "validation"], &filter.sort),
                embargoed: filter.embargoed == Some(true),
                q: filter.q.clone().unwrap_or_default(),
            },
            filtered,
            total,
            rows,
            chart,
            may_provide: tools::may_provide(&state, &who.principal),
            prev_href,
            next_href,
        },
    )
}

/// One scorecard row of a tool's page.
struct ScoreRow {
    version: String,
    reports: i64,
    cases: i64,
    validation: RateText,
    found_first: RateText,
    patches: RateText,
    claims: i64,
    nothing_found: RateText,
    targets: i64,
}

fn score_row(s: &ToolScorecardOut) -> ScoreRow {
    ScoreRow {
        version: if s.version.is_empty() {
            "no version given".into()
        } else {
            s.version.clone()
        },
        reports: s.counts.reports,
        cases: s.counts.cases,
        validation: rate(&s.validation),
        found_first: rate(&s.found_first),
        patches: rate(&s.patch_acceptance),
        claims: s.counts.claims,
        nothing_found: rate(&s.nothing_found),
        targets: s.counts.targets,
    }
}

struct VersionRow {
    version: String,
    released_on: String,
    note: String,
    added: Stamp,
}

/// What the visitor may do to the entry, as the policy says.
struct ToolActions {
    submit: bool,
    decide: bool,
    withdraw: bool,
    reopen: bool,
}

impl ToolActions {
    fn any(&self) -> bool {
        self.submit || self.decide || self.withdraw || self.reopen
    }
}

#[derive(Template)]
#[template(path = "tool.html")]
struct ToolPage {
    title: String,
    nav: Option<Nav>,
    tool: ToolOut,
    kind: String,
    deployment: String,
    consumes: String,
    produces: String,
    receives: String,
    decided: Option<Stamp>,
    versions: Vec<VersionRow>,
    scores: Vec<ScoreRow>,
    chart: Option<String>,
    weeks: Vec<(String, i64, i64)>,
    timing: Vec<(String, i64, String)>,
    benchmarks: Vec<(String, String)>,
    actions: ToolActions,
    csrf: String,
}

fn duration_text(secs: i64) -> String {
    let hours = secs as f64 / 3600.0;
    if hours < 48.0 {
        format!("{hours:.1} hours")
    } else {
        format!("{:.1} days", hours / 24.0)
    }
}

/// `GET /tools/{id}`: one entry with its evidence.
pub async fn tool(
    State(state): State<AppState>,
    who: SignedIn,
    Path(id): Path<String>,
) -> PageResult {
    let fail = |e: PageError| e.for_user(&who, &state);
    let id = Uuid::parse_str(&id).map_err(|_| fail(PageError::not_found("tool")))?;
    let t = tools::get(&state, &who.principal, id)
        .await
        .map_err(|e| fail(page_error(e)))?;
    let ev = tools::scorecards::evidence(&state, &who.principal, id)
        .await
        .map_err(|e| fail(page_error(e)))?;
    let stored = tools::readable_tool(&state, &who.principal, id)
        .await
        .map_err(|e| fail(page_error(e)))?;
    let resource = tools::tool_resource(&stored).map_err(|e| fail(page_error(e)))?;
    let entry_state = tools::state_of(&stored).map_err(|e| fail(page_error(e)))?;
    let may_update = state.permits(&who.principal, Action::ToolUpdate, &resource);
    let may_approve = state.permits(&who.principal, Action::ToolApprove, &resource);
    let actions = ToolActions {
        submit: may_update && entry_state.may_become(EntryState::Submitted),
        decide: may_approve && entry_state == EntryState::Submitted,
        withdraw: (may_update || may_approve) && entry_state.may_become(EntryState::Withdrawn),
        reopen: may_update && entry_state == EntryState::Withdrawn,
    };
    let mut scores: Vec<ScoreRow> = ev.all.iter().map(score_row).collect();
    scores.extend(ev.versions.iter().map(score_row));
    let weeks: Vec<(String, i64, i64)> = ev
        .history
        .weeks
        .iter()
        .map(|w| {
            (
                Stamp::parse(&w.start).text.chars().take(10).collect(),
                w.reports,
                w.validated,
            )
        })
        .collect();
    let chart = weeks.iter().any(|(_, r, v)| r + v > 0).then(|| {
        let categories: Vec<String> = weeks.iter().map(|(d, _, _)| d[5..].to_owned()).collect();
        let series = [
            super::charts::Series {
                name: "reports".to_owned(),
                class: "chart-a".to_owned(),
                values: weeks.iter().map(|w| w.1 as f64).collect(),
            },
            super::charts::Series {
                name: "validated".to_owned(),
                class: "chart-b".to_owned(),
                values: weeks.iter().map(|w| w.2 as f64).collect(),
            },
        ];
        super::charts::Lines {
            id: "tool-history",
            title: "Reports sent and cases validated per week",
            desc: &format!(
                "The last {} weeks, each starting on the Monday named: {}.",
                weeks.len(),
                weeks
                    .iter()
                    .map(|(d, r, v)| format!("from {d}: {r} reports, {v} validated"))
                    .collect::<Vec<_>>()
                    .join("; ")
            ),
            y_name: "per week",
            categories: &categories,
            series: &series,
        }
        .svg()
    });
    let timing = ev
        .history
        .claim_to_validation
        .iter()
        .map(|c| {
            (
                c.version.clone().map_or("all versions".to_owned(), |v| {
                    if v.is_empty() {
                        "no version given".into()
                    } else {
                        v
                    }
                }),
                c.samples,
                c.median_seconds.map_or("–".into(), duration_text),
            )
        })
        .collect();
    let benchmarks = ev
        .benchmarks
        .iter()
        .map(|b| (b.name.clone(), format!("{:.2}", b.score)))
        .collect();
    let versions = t
        .versions
        .iter()
        .map(|v| VersionRow {
            version: v.version.clone(),
            released_on: v.released_on.clone().unwrap_or_default(),
            note: v.note.clone().unwrap_or_default(),
            added: Stamp::parse(&v.added_at),
        })
        .collect();
    let join = |v: &[String]| v.iter().map(|w| words(w)).collect::<Vec<_>>().join(", ");
    render(
        StatusCode::OK,
        &ToolPage {
            title: t.name.clone(),
            nav: Some(who.nav(&state, TOOLS)),
            kind: words(&t.kind),
            deployment: join(&t.deployment),
            consumes: join(&t.consumes),
            produces: join(&t.produces),
            receives: receives_text(&t),
            decided: t.decided_at.as_deref().map(Stamp::parse),
            versions,
            scores,
            chart,
            weeks,
            timing,
            benchmarks,
            actions,
            csrf: who.csrf.clone(),
            tool: t,
        },
    )
}

/// A decision or withdrawal from a tool's page.
#[derive(Debug, Default, Deserialize)]
pub struct ToolForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    reason: String,
}

impl CsrfField for ToolForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

/// `POST /tools/{id}/{action}` (`submit`, `approve`, `reject`, `withdraw`,
/// `reopen`): as the API's, then back to the tool's page.
pub async fn act(
    State(state): State<AppState>,
    Path((id, action)): Path<(String, String)>,
    Posted { who, form }: Posted<ToolForm>,
) -> PageResult {
    let fail = |e: PageError| e.for_user(&who, &state);
    let id = Uuid::parse_str(&id).map_err(|_| fail(PageError::not_found("tool")))?;
    let reason = Some(form.reason.trim().to_owned()).filter(|r| !r.is_empty());
    let done = match action.as_str() {
        "submit" => tools::submit(&state, &who, id).await,
        "approve" | "reject" => {
            let body = ToolDecisionIn {
                decision: action.clone(),
                reason,
            };
            tools::decide(&state, &who, id, &body).await
        }
        "withdraw" => tools::withdraw(&state, &who, id, &ToolWithdrawIn { reason }).await,
        "reopen" => tools::reopen(&state, &who, id).await,
        _ => return Err(fail(PageError::not_found("page"))),
    };
    done.map_err(|e| fail(PageError::refused(e, "tool")))?;
    Ok(Redirect::to(&format!("{TOOLS}/{id}")).into_response())
}
