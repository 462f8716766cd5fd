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
use bulwark_app::frontier::{self as uc, Determined};
use bulwark_app::resources::set_resource;
use bulwark_app::{AppError, ErrorKind};
use bulwark_authz::{Action, Resource};
use bulwark_frontier::{BenchmarkSet, CriterionOutcome, ModelProfile, Outcome, Tri, Visibility};
use serde::Deserialize;
use uuid::Uuid;

use super::pages::page_request;
use super::session::{CsrfField, Posted, SignedIn};
use super::{Nav, OrgNames, PageError, PageResult, Stamp, render};
use crate::extract::{PageParams, encode_cursor};
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
    benchmark: String,
    /// Made under an older version than the one in force.
    older: bool,
}

struct RegistryRow {
    id: Uuid,
    name: String,
    owner: String,
    tlp: &'static str,
    /// One per set in force, in the order of the table's columns.
    latest: Vec<Option<LatestView>>,
}

#[derive(Template)]
#[template(path = "frontier.html")]
struct FrontierPage {
    title: &'static str,
    nav: Option<Nav>,
    sets: Vec<SetView>,
    models: Vec<RegistryRow>,
    next_cursor: Option<String>,
    is_continuation: bool,
    may_precheck: bool,
}

/// `GET /frontier`: the sets in force and the registry, a page at a time.
pub async fn overview(
    State(state): State<AppState>,
    who: SignedIn,
    query: Result<Query<PageParams>, QueryRejection>,
) -> PageResult {
    let (request, is_continuation) = page_request(query).map_err(|e| e.for_user(&who, &state))?;
    let fail = |e: PageError| e.for_user(&who, &state);
    let registry = uc::registry(&state, &who.principal, request)
        .await
        .map_err(|e| fail(page_error(e)))?;
    let sets = registry
        .sets
        .into_iter()
        .map(|out| SetView {
            label: format!("{}@{}", out.id, out.version),
            title: out.title,
            effective: out.effective,
            visibility: out.visibility,
        })
        .collect();
    let next_cursor = registry.models.next.map(encode_cursor);
    let mut orgs = OrgNames::default();
    let mut models = Vec::new();
    for entry in registry.models.items {
        let m = entry.model;
        models.push(RegistryRow {
            owner: orgs.name(&state, m.owner_org).await.map_err(fail)?,
            id: m.id,
            name: m.name,
            tlp: m.tlp.as_str(),
            latest: entry
                .latest
                .into_iter()
                .map(|l| {
                    l.map(|l| LatestView {
                        outcome: stored_outcome_text(&l.outcome),
                        benchmark: l.benchmark,
                        older: l.older,
                    })
                })
                .collect(),
        });
    }
    render(
        StatusCode::OK,
        &FrontierPage {
            title: "Frontier benchmarks",
            nav: Some(who.nav(&state, HERE)),
            sets,
            models,
            next_cursor,
            is_continuation,
            may_precheck: state.permits(&who.principal, Action::ModelPrecheck, &Resource::Program),
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
