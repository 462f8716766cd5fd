//! The frontier-benchmark pages: the sets in force and the registry, a
//! model's determination history, and the "does my model qualify?"
//! pre-check.
//!
//! The rules and the withholding of a restricted set's criteria are the use
//! cases' ([`bulwark_app::frontier`]): these pages only draw what they decide.

use std::collections::BTreeMap;

use askama::Template;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use bulwark_app::frontier::{self as uc, Determined, OUTCOMES, RegistryQuery, Sort};
use bulwark_app::resources::set_resource;
use bulwark_app::{AppError, ErrorKind};
use bulwark_authz::{Action, Resource};
use bulwark_frontier::{BenchmarkSet, CriterionOutcome, ModelProfile, Outcome, Tri, Visibility};
use serde::Deserialize;
use uuid::Uuid;

use super::charts;
use super::session::{CsrfField, Posted, SignedIn};
use super::{Nav, OrgNames, PageError, PageResult, Stamp, render};
use crate::state::AppState;

const HERE: &str = "/frontier";

/// A use case's failure as a page: only "not found" is worth telling apart.
fn page_error(e: AppError) -> PageError {
    if e.kind == ErrorKind::NotFound {
        PageError::not_found("record")
    } else {
        PageError::internal()
    }
}

/// A quantity for people: large ones in scientific notation (`2e26`).
fn quantity(v: f64) -> String {
    if v.abs() >= 1e6 {
        format!("{v:e}")
    } else {
        format!("{v}")
    }
}

fn outcome_text(o: Outcome) -> &'static str {
    match o {
        Outcome::Covered => "covered",
        Outcome::Notify => "notify",
        Outcome::NotCovered => "not covered",
        Outcome::Indeterminate => "indeterminate",
    }
}

fn outcome_explanation(o: Outcome) -> &'static str {
    match o {
        Outcome::Covered => "A criterion that makes a model a covered frontier model holds.",
        Outcome::Notify => {
            "No covering criterion holds, but a criterion that calls for notification does."
        }
        Outcome::NotCovered => "Every criterion is known and none holds.",
        Outcome::Indeterminate => {
            "No criterion holds, and facts are missing for a definite answer."
        }
    }
}

/// The outcome as stored (`not_covered`) for people (`not covered`).
fn stored_outcome_text(s: &str) -> String {
    s.replace('_', " ")
}

// ---------------------------------------------------------------------------
// Views shared by the pages
// ---------------------------------------------------------------------------

struct SetView {
    label: String,
    title: String,
    effective: String,
    visibility: String,
}

struct CriterionView {
    id: String,
    description: String,
    /// What the criterion decides when it holds: covered or notify.
    decides: &'static str,
    result: &'static str,
    missing: String,
    error: Option<String>,
}

struct DeterminationView {
    benchmark: String,
    /// The set's title, when the policy lets the visitor read the set.
    title: Option<String>,
    outcome: &'static str,
    /// The outcome as a CSS class suffix.
    outcome_class: &'static str,
    explanation: &'static str,
    missing: Vec<String>,
    /// `None` when the policy withholds the set's criteria.
    criteria: Option<Vec<CriterionView>>,
    made_at: Stamp,
}

impl DeterminationView {
    /// `d` as `who` may see it; its set (when known) gives the criteria their
    /// descriptions. Whether the criteria are shown is the use case's
    /// decision ([`uc::determination_out`]).
    fn new(state: &AppState, who: &SignedIn, d: &Determined) -> Self {
        let set: Option<&BenchmarkSet> = d.set.as_deref();
        let d = &d.determination;
        let out = uc::determination_out(state, &who.principal, d);
        let restricted = d.visibility == Visibility::Restricted;
        let may_read_set = state.permits(
            &who.principal,
            Action::BenchmarkRead,
            &set_resource(&d.benchmark_id, restricted),
        );
        let criteria = out.criteria.is_some().then(|| {
            d.criteria
                .iter()
                .map(|c| CriterionView {
                    description: set
                        .and_then(|s| s.criteria().iter().find(|k| k.id() == c.id))
                        .map(|k| k.description().to_owned())
                        .unwrap_or_default(),
                    id: c.id.clone(),
                    decides: match c.outcome {
                        CriterionOutcome::Covered => "covered",
                        CriterionOutcome::Notify => "notify",
                    },
                    result: match c.result {
                        Tri::True => "holds",
                        Tri::False => "does not hold",
                        Tri::Unknown => "unknown",
                    },
                    missing: c.missing.join(", "),
                    error: c.error.clone(),
                })
                .collect()
        });
        DeterminationView {
            benchmark: out.benchmark,
            title: may_read_set
                .then(|| set.map(|s| s.title().to_owned()))
                .flatten(),
            outcome: outcome_text(d.outcome),
            outcome_class: d.outcome.as_str(),
            explanation: outcome_explanation(d.outcome),
            missing: out.missing,
            criteria,
            made_at: Stamp::new(d.made_at),
        }
    }
}

// ---------------------------------------------------------------------------
// GET /frontier
// ---------------------------------------------------------------------------

struct LatestView {
    outcome: String,
    /// The outcome as stored, for its badge's class.
    class: String,
    benchmark: String,
    /// Made under an older version than the one in force.
    older: bool,
}

struct RegistryRow {
    id: Uuid,
    name: String,
    owner: String,
    tlp: &'static str,
    published: String,
    compute: String,
    /// One per set in force, in the order of the table's columns.
    latest: Vec<Option<LatestView>>,
}

/// A choice of a filter's `<select>`.
struct Choice {
    value: String,
    label: String,
    selected: bool,
}

/// Rows of the registry a page.
const REGISTRY_ROWS: usize = 50;

/// `GET /frontier`'s query: filters, order and page, all optional.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegistryParams {
    determination: Option<String>,
    developer: Option<String>,
    sort: Option<String>,
    page: Option<String>,
}

/// A filter's value, blank being none.
fn given(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

#[derive(Template)]
#[template(path = "frontier.html")]
struct FrontierPage {
    title: &'static str,
    nav: Option<Nav>,
    sets: Vec<SetView>,
    /// The first set in force, which the counts and filter are under.
    first_set: String,
    counts: Vec<super::pages::Tile>,
    outcomes: Vec<Choice>,
    developers: Vec<Choice>,
    sorts: Vec<Choice>,
    /// Whether a filter is on.
    filtered: bool,
    matching: usize,
    first_row: usize,
    last_row: usize,
    models: Vec<RegistryRow>,
    prev_href: Option<String>,
    next_href: Option<String>,
    may_precheck: bool,
    /// The chart (SVG markup from [`super::charts`], escaped there).
    chart: Option<String>,
    chart_points: usize,
    thresholds: Vec<(String, String)>,
}

/// The query string of a registry view.
fn registry_href(
    determination: Option<&str>,
    developer: Option<Uuid>,
    sort: Sort,
    page: usize,
) -> String {
    let mut parts = Vec::new();
    if let Some(d) = determination {
        parts.push(format!("determination={d}"));
    }
    if let Some(d) = developer {
        parts.push(format!("developer={d}"));
    }
    if sort != Sort::Newest {
        parts.push(format!("sort={}", sort.as_str()));
    }
    if page > 1 {
        parts.push(format!("page={page}"));
    }
    if parts.is_empty() {
        HERE.to_owned()
    } else {
        format!("{HERE}?{}", parts.join("&"))
    }
}

/// `GET /frontier`: the sets in force, the registry counted by
/// determination, filtered, sorted and a page at a time, and its chart.
pub async fn overview(
    State(state): State<AppState>,
    who: SignedIn,
    query: Result<Query<RegistryParams>, QueryRejection>,
) -> PageResult {
    let fail = |e: PageError| e.for_user(&who, &state);
    let Query(params) = query.map_err(|e| fail(PageError::bad_request(e.body_text())))?;
    let bad = |m: String| fail(PageError::bad_request(m));
    let developer = given(&params.developer)
        .map(|d| {
            d.parse::<Uuid>()
                .map_err(|_| format!("developer: {d:?} is not an organization's id"))
        })
        .transpose()
        .map_err(bad)?;
    let sort = given(&params.sort)
        .map(Sort::parse)
        .transpose()
        .map_err(|e| bad(e.detail))?
        .unwrap_or_default();
    let page = super::page_number(&params.page).map_err(bad)?;
    let determination = given(&params.determination).map(str::to_owned);
    let q = RegistryQuery {
        outcome: determination.clone(),
        developer,
        sort,
        offset: (page - 1).saturating_mul(REGISTRY_ROWS),
        limit: REGISTRY_ROWS,
    };
    let view = uc::registry_view(&state, &who.principal, &q)
        .await
        .map_err(|e| match e.kind {
            ErrorKind::Validation => bad(e.detail),
            _ => fail(page_error(e)),
        })?;
    let first_set = view
        .sets
        .first()
        .map(|s| format!("{}@{}", s.id, s.version))
        .unwrap_or_default();
    let sets = view
        .sets
        .into_iter()
        .map(|out| SetView {
            label: format!("{}@{}", out.id, out.version),
            title: out.title,
            effective: out.effective,
            visibility: out.visibility,
        })
        .collect();
    let mut orgs = OrgNames::default();
    let mut developers = Vec::new();
    for (org, n) in &view.developers {
        developers.push(Choice {
            value: org.to_string(),
            label: format!("{} ({n})", orgs.name(&state, *org).await.map_err(fail)?),
            selected: developer == Some(*org),
        });
    }
    let counts = view
        .counts
        .iter()
        .map(|c| {
            let mut t = super::pages::Tile {
                n: c.n,
                label: stored_outcome_text(&c.key),
                href: registry_href(Some(&c.key), developer, sort, 1),
                alarm: c.key == "covered" && c.n > 0,
            };
            if determination.as_deref() == Some(c.key.as_str()) {
                t.label = format!("{} (shown)", t.label);
            }
            t
        })
        .collect();
    let outcomes = OUTCOMES
        .iter()
        .map(|o| Choice {
            value: (*o).to_owned(),
            label: stored_outcome_text(o),
            selected: determination.as_deref() == Some(*o),
        })
        .collect();
    let sorts = Sort::ALL
        .iter()
        .map(|(s, w)| Choice {
            value: (*w).to_owned(),
            label: match s {
                Sort::Newest => "Newest first",
                Sort::Oldest => "Oldest first",
                Sort::Name => "Name",
                Sort::Compute => "Most training compute first",
            }
            .to_owned(),
            selected: *s == sort,
        })
        .collect();
    let mut models = Vec::new();
    for item in view.page {
        let m = item.model;
        models.push(RegistryRow {
            owner: orgs.name(&state, m.owner_org).await.map_err(fail)?,
            id: m.id,
            name: m.name,
            tlp: m.tlp.as_str(),
            published: item.published.map_or_else(String::new, |d| d.to_string()),
            compute: item.compute.map_or_else(String::new, quantity),
            latest: item
                .latest
                .into_iter()
                .map(|l| {
                    l.map(|l| LatestView {
                        outcome: stored_outcome_text(&l.outcome),
                        class: l.outcome.clone(),
                        benchmark: l.benchmark,
                        older: l.older,
                    })
                })
                .collect(),
        });
    }
    let points: Vec<charts::Point> = view
        .points
        .iter()
        .map(|(_, name, date, flop, outcome)| charts::Point {
            x: charts::year_fraction(*date),
            y: *flop,
            label: format!(
                "{name}: {} FLOP, published {date}, {}",
                quantity(*flop),
                stored_outcome_text(outcome)
            ),
            class: format!("outcome-{outcome}"),
        })
        .collect();
    let rules: Vec<charts::Rule> = view
        .thresholds
        .iter()
        .map(|t| charts::Rule {
            y: t.flop,
            label: format!("{} ({})", t.criterion, quantity(t.flop)),
        })
        .collect();
    let chart = (!points.is_empty()).then(|| {
        charts::Scatter {
            id: "compute-chart",
            title: "Training compute against publication date",
            desc: &format!(
                "{} models with a training compute figure and a publication date, compute on a logarithmic scale; horizontal lines are the compute thresholds of the benchmark sets in force. The table of the registry below gives the same figures.",
                points.len()
            ),
            x_name: "publication date",
            y_name: "training compute (FLOP)",
            points: &points,
            rules: &rules,
        }
        .svg()
    });
    let filtered = determination.is_some() || developer.is_some();
    let matching = view.matching;
    let first_row = if matching == 0 { 0 } else { q.offset + 1 };
    let last_row = (q.offset + models.len()).min(matching);
    let pages = matching.div_ceil(REGISTRY_ROWS).max(1);
    render(
        StatusCode::OK,
        &FrontierPage {
            title: "Frontier benchmarks",
            nav: Some(who.nav(&state, HERE)),
            sets,
            first_set,
            counts,
            outcomes,
            developers,
            sorts,
            filtered,
            matching,
            first_row,
            last_row,
            models,
            prev_href: (page > 1)
                .then(|| registry_href(determination.as_deref(), developer, sort, page - 1)),
            next_href: (page < pages)
                .then(|| registry_href(determination.as_deref(), developer, sort, page + 1)),
            may_precheck: state.permits(&who.principal, Action::ModelPrecheck, &Resource::Program),
            chart_points: points.len(),
            chart,
            thresholds: view
                .thresholds
                .iter()
                .map(|t| (t.criterion.clone(), quantity(t.flop)))
                .collect(),
        },
    )
}

// ---------------------------------------------------------------------------
// GET /frontier/models/{id}
// ---------------------------------------------------------------------------

struct Fact {
    label: &'static str,
    value: String,
}

/// A profile's facts for people; an absent fact reads "not given".
fn facts(p: &ModelProfile) -> Vec<Fact> {
    let given = |v: Option<String>| v.unwrap_or_else(|| "not given".to_owned());
    let map = |m: &BTreeMap<String, String>| {
        if m.is_empty() {
            "none given".to_owned()
        } else {
            m.iter()
                .map(|(k, v)| format!("{k} = {v}"))
                .collect::<Vec<_>>()
                .join("; ")
        }
    };
    let evals: BTreeMap<String, String> = p
        .evals
        .iter()
        .map(|(k, v)| (k.clone(), v.to_string()))
        .collect();
    let flags: BTreeMap<String, String> = p
        .dual_use
        .iter()
        .map(|(k, v)| (k.clone(), if *v { "yes" } else { "no" }.to_owned()))
        .collect();
    vec![
        Fact {
            label: "Name",
            value: p.name.clone(),
        },
        Fact {
            label: "Organization",
            value: given(p.organization.clone()),
        },
        Fact {
            label: "Published",
            value: given(p.published.map(|d| d.to_string())),
        },
        Fact {
            label: "Parameters",
            value: given(p.parameters.map(quantity)),
        },
        Fact {
            label: "Active parameters",
            value: given(p.active_parameters.map(quantity)),
        },
        Fact {
            label: "Training tokens",
            value: given(p.training_tokens.map(quantity)),
        },
        Fact {
            label: "Training compute (FLOP)",
            value: given(p.training_compute_flop.map(quantity)),
        },
        Fact {
            label: "Training compute cost (USD)",
            value: given(p.compute_cost_usd.map(quantity)),
        },
        Fact {
            label: "Mostly biological sequence data",
            value: given(
                p.bio_sequence_data
                    .map(|b| if b { "yes" } else { "no" }.to_owned()),
            ),
        },
        Fact {
            label: "Evaluation scores",
            value: map(&evals),
        },
        Fact {
            label: "Dual-use flags",
            value: map(&flags),
        },
    ]
}

#[derive(Template)]
#[template(path = "frontier_model.html")]
struct ModelPage {
    title: String,
    nav: Option<Nav>,
    id: Uuid,
    owner: String,
    tlp: &'static str,
    updated: Stamp,
    facts: Vec<Fact>,
    determinations: Vec<DeterminationView>,
}

/// `GET /frontier/models/{id}`: a model's facts and its determinations,
/// newest first, explained as far as the policy lets the visitor see.
pub async fn model(
    State(state): State<AppState>,
    who: SignedIn,
    Path(id): Path<String>,
) -> PageResult {
    let missing = || PageError::not_found("model").for_user(&who, &state);
    let fail = |e: PageError| e.for_user(&who, &state);
    let id = Uuid::parse_str(&id).map_err(|_| missing())?;
    // Whether a model exists is not disclosed to those who may not read it.
    let history = match uc::model_history(&state, &who.principal, id).await {
        Ok(h) => h,
        Err(e) if e.kind == ErrorKind::NotFound => return Err(missing()),
        Err(e) => return Err(fail(page_error(e))),
    };
    let m = history.model;
    let determinations = history
        .determinations
        .iter()
        .map(|d| DeterminationView::new(&state, &who, d))
        .collect();
    let owner = OrgNames::default()
        .name(&state, m.owner_org)
        .await
        .map_err(fail)?;
    render(
        StatusCode::OK,
        &ModelPage {
            title: m.name,
            nav: Some(who.nav(&state, HERE)),
            id: m.id,
            owner,
            tlp: m.tlp.as_str(),
            updated: Stamp::new(m.updated_at),
            facts: facts(&history.profile),
            determinations,
        },
    )
}

// ---------------------------------------------------------------------------
// GET and POST /frontier/precheck
// ---------------------------------------------------------------------------

/// The pre-check form as typed, so that it can be shown again.
#[derive(Debug, Default, Deserialize)]
pub struct PrecheckForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    organization: String,
    #[serde(default)]
    parameters: String,
    #[serde(default)]
    active_parameters: String,
    #[serde(default)]
    training_tokens: String,
    #[serde(default)]
    training_compute_flop: String,
    /// Lines of `name = score`.
    #[serde(default)]
    evals: String,
}

impl CsrfField for PrecheckForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

/// A problem with one field of the form; `field` is the input's id.
struct FieldError {
    field: &'static str,
    message: String,
}

/// The form's fields, in order: (input id, label).
const FIELDS: [(&str, &str); 7] = [
    ("name", "Model name"),
    ("organization", "Organization"),
    ("parameters", "Parameters"),
    ("active_parameters", "Active parameters"),
    ("training_tokens", "Training tokens"),
    ("training_compute_flop", "Training compute (FLOP)"),
    ("evals", "Evaluation scores"),
];

fn label_of(field: &str) -> &'static str {
    FIELDS
        .iter()
        .find(|(id, _)| *id == field)
        .map_or("The profile", |(_, label)| label)
}

fn field_id(field: &str) -> &'static str {
    FIELDS
        .iter()
        .find(|(id, _)| *id == field)
        .map_or("name", |(id, _)| id)
}

/// An optional number: empty is "not known".
fn number(field: &'static str, text: &str, errors: &mut Vec<FieldError>) -> Option<f64> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    match text.replace('_', "").parse::<f64>() {
        Ok(v) if v.is_finite() && v >= 0.0 => Some(v),
        _ => {
            errors.push(FieldError {
                field,
                message: format!(
                    "{}: “{text}” is not a number of zero or more. Write it like 1.5e12 or 1500000000000, or leave it empty if it is not known.",
                    label_of(field)
                ),
            });
            None
        }
    }
}

/// The `name = score` lines; blank lines are skipped.
fn eval_lines(text: &str, errors: &mut Vec<FieldError>) -> BTreeMap<String, f64> {
    let mut evals = BTreeMap::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let mut refuse = |message: String| {
            errors.push(FieldError {
                field: "evals",
                message: format!("Evaluation scores, line {}: {message}", n + 1),
            });
        };
        let Some((name, score)) = line.split_once('=') else {
            refuse(format!("“{line}” is not of the form name = score."));
            continue;
        };
        let (name, score) = (name.trim(), score.trim());
        if name.is_empty() {
            refuse("the evaluation has no name.".into());
            continue;
        }
        match score.parse::<f64>() {
            Ok(s) if s.is_finite() && (0.0..=1.0).contains(&s) => {
                if evals.insert(name.to_owned(), s).is_some() {
                    refuse(format!("“{name}” is given more than once."));
                }
            }
            _ => refuse(format!(
                "the score of “{name}”, “{score}”, is not a number from 0 to 1."
            )),
        }
    }
    evals
}

/// The profile the form describes, or every problem with it.
fn profile_from_form(form: &PrecheckForm) -> Result<ModelProfile, Vec<FieldError>> {
    let mut errors = Vec::new();
    let name = form.name.trim();
    if name.is_empty() {
        errors.push(FieldError {
            field: "name",
            message: "Model name: give the model a name.".into(),
        });
    }
    let organization = form.organization.trim();
    let profile = ModelProfile {
        name: name.to_owned(),
        organization: (!organization.is_empty()).then(|| organization.to_owned()),
        parameters: number("parameters", &form.parameters, &mut errors),
        active_parameters: number("active_parameters", &form.active_parameters, &mut errors),
        training_tokens: number("training_tokens", &form.training_tokens, &mut errors),
        training_compute_flop: number(
            "training_compute_flop",
            &form.training_compute_flop,
            &mut errors,
        ),
        evals: eval_lines(&form.evals, &mut errors),
        ..ModelProfile::default()
    };
    if errors.is_empty()
        && let Err(e) = profile.validate()
    {
        let field = e.field.split('.').next().unwrap_or_default();
        errors.push(FieldError {
            field: field_id(field),
            message: format!("{}: {}.", label_of(field), e.message),
        });
    }
    if errors.is_empty() {
        Ok(profile)
    } else {
        Err(errors)
    }
}

#[derive(Template)]
#[template(path = "frontier_precheck.html")]
struct PrecheckPage {
    title: &'static str,
    nav: Option<Nav>,
    csrf: String,
    form: PrecheckForm,
    errors: Vec<FieldError>,
    /// After a successful check: the model's name and its determinations.
    result: Option<(String, Vec<DeterminationView>)>,
}

impl PrecheckPage {
    /// Whether the input `field` has a problem (for `aria-invalid`).
    fn invalid(&self, field: &str) -> bool {
        self.errors.iter().any(|e| e.field == field)
    }
}

fn precheck_page(
    state: &AppState,
    who: &SignedIn,
    status: StatusCode,
    form: PrecheckForm,
    errors: Vec<FieldError>,
    result: Option<(String, Vec<DeterminationView>)>,
) -> PageResult {
    render(
        status,
        &PrecheckPage {
            title: "Does my model qualify?",
            nav: Some(who.nav(state, HERE)),
            csrf: who.csrf.clone(),
            form,
            errors,
            result,
        },
    )
}

fn may_precheck(state: &AppState, who: &SignedIn) -> PageResult<()> {
    if state.permits(&who.principal, Action::ModelPrecheck, &Resource::Program) {
        Ok(())
    } else {
        Err(PageError::forbidden().for_user(who, state))
    }
}

/// `GET /frontier/precheck`: the empty form.
pub async fn precheck_form(State(state): State<AppState>, who: SignedIn) -> PageResult {
    may_precheck(&state, &who)?;
    precheck_page(
        &state,
        &who,
        StatusCode::OK,
        PrecheckForm::default(),
        Vec::new(),
        None,
    )
}

/// `POST /frontier/precheck`: determine the described profile under every
/// set in force; nothing is stored.
pub async fn precheck(
    State(state): State<AppState>,
    Posted { who, form }: Posted<PrecheckForm>,
) -> PageResult {
    may_precheck(&state, &who)?;
    let profile = match profile_from_form(&form) {
        Ok(p) => p,
        Err(errors) => {
            return precheck_page(
                &state,
                &who,
                StatusCode::UNPROCESSABLE_ENTITY,
                form,
                errors,
                None,
            );
        }
    };
    let determinations = uc::determine_in_force(&state, &who.principal, &profile)
        .await
        .map_err(|e| page_error(e).for_user(&who, &state))?
        .iter()
        .map(|d| DeterminationView::new(&state, &who, d))
        .collect();
    precheck_page(
        &state,
        &who,
        StatusCode::OK,
        form,
        Vec::new(),
        Some((profile.name, determinations)),
    )
}
