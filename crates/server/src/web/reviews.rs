//! The voluntary-review dashboards: `/reviews` (a developer's submissions,
//! deadlines, findings to answer and grants; a reviewing agency's queue in
//! deadline order), a submission's page with the findings editor and the
//! response forms, `/grants` (the early-access grants one may read) and
//! `/partners` (the registry of trusted partners, with those grants).
//!
//! What a visitor sees and may do is the policy's, through the use cases of
//! [`bulwark_app::reviews`] and [`bulwark_app::partners`]: these pages only
//! draw what they decide. The organization's kind chooses the headings a
//! dashboard shows, never what is in them.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect};
use bulwark_app::partners::{self, grant_out};
use bulwark_app::resources::{readable_model, readable_submission, submission_resource};
use bulwark_app::reviews::{self, FindingIn, ResponseIn, SubmissionOut};
use bulwark_app::{AppError, ErrorKind};
use bulwark_authz::Action;
use bulwark_core::{FindingCategory, GrantStatus, OrgKind, Severity, SubmissionState, Tlp};
use bulwark_store::{Grant, Submission};
use serde::Deserialize;
use time::OffsetDateTime;
use uuid::Uuid;

use super::session::{CsrfField, Posted, SignedIn};
use super::{Nav, PageError, PageResult, Stamp, render, words};
use crate::state::AppState;

const REVIEWS: &str = "/reviews";
const GRANTS: &str = "/grants";
const PARTNERS: &str = "/partners";

/// A failed read as a page: "not found" and "not configured" are worth
/// telling apart; anything else is the server's fault.
fn page_error(e: AppError) -> PageError {
    match e.kind {
        ErrorKind::NotFound => PageError::not_found("submission"),
        ErrorKind::Unavailable => no_dossier_key(),
        _ => PageError::internal(),
    }
}

fn no_dossier_key() -> PageError {
    PageError::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "Dossier storage is not configured",
        "The server has no key for dossier documents, so they cannot be read now. Nothing was changed.",
    )
}

/// A path segment that must be an id: anything else is a 404 page.
fn parse_id(s: &str, what: &str) -> PageResult<Uuid> {
    Uuid::parse_str(s).map_err(|_| PageError::not_found(what))
}

/// Names of organizations and models, looked up once each. A model the
/// visitor may not read is shown by its id only.
#[derive(Default)]
struct Names {
    orgs: super::OrgNames,
    models: HashMap<Uuid, String>,
}

impl Names {
    async fn org(&mut self, state: &AppState, id: Uuid) -> PageResult<String> {
        self.orgs.name(state, id).await
    }

    async fn model(&mut self, state: &AppState, who: &SignedIn, id: Uuid) -> PageResult<String> {
        if let Some(n) = self.models.get(&id) {
            return Ok(n.clone());
        }
        let name = match readable_model(state, &who.principal, id).await {
            Ok(m) => m.name,
            Err(e) if e.kind == ErrorKind::NotFound || e.kind == ErrorKind::Forbidden => {
                format!("model {id}")
            }
            Err(e) => return Err(page_error(e)),
        };
        self.models.insert(id, name.clone());
        Ok(name)
    }
}

/// Whole days as people read them: "12 days", "1 day", "ended 3 days ago".
fn days_text(days: Option<i64>) -> String {
    match days {
        None => "not submitted yet".to_owned(),
        Some(1) => "1 day".to_owned(),
        Some(d) if d >= 0 => format!("{d} days"),
        Some(-1) => "ended 1 day ago".to_owned(),
        Some(d) => format!("ended {} days ago", -d),
    }
}

// ---------------------------------------------------------------------------
// Views
// ---------------------------------------------------------------------------

/// One submission in a dashboard's table.
struct SubmissionRow {
    id: Uuid,
    model: String,
    developer: String,
    state: String,
    deadline: Stamp,
    days: String,
    warning: Option<String>,
    unanswered: usize,
}

/// A finding the developer has not answered yet.
struct OpenFinding {
    submission: Uuid,
    model: String,
    severity: String,
    category: String,
    text: String,
}

struct GrantRow {
    model: String,
    developer: String,
    partner: String,
    scope: String,
    starts: Stamp,
    ends: Stamp,
    status: String,
    days_left: String,
    conditions: String,
}

async fn submission_row(
    state: &AppState,
    who: &SignedIn,
    names: &mut Names,
    out: &SubmissionOut,
) -> PageResult<SubmissionRow> {
    Ok(SubmissionRow {
        id: out.id,
        model: names.model(state, who, out.model).await?,
        developer: names.org(state, out.developer_org).await?,
        state: words(&out.state),
        deadline: Stamp::parse(&out.planned_partner_release),
        days: days_text(out.days_remaining),
        warning: out.window_warning.clone(),
        unanswered: out
            .findings
            .iter()
            .filter(|f| f.responses.is_empty())
            .count(),
    })
}

/// The grants the visitor may read, soonest end first, as table rows.
async fn grant_rows(
    state: &AppState,
    who: &SignedIn,
    now: OffsetDateTime,
) -> PageResult<Vec<GrantRow>> {
    let mut list = partners::readable_grants(state, &who.principal)
        .await
        .map_err(page_error)?;
    list.sort_by_key(|g| (g.ends_at, g.id));
    let mut names = Names::default();
    let mut rows = Vec::with_capacity(list.len());
    for g in list {
        rows.push(grant_row(state, who, &mut names, g, now).await?);
    }
    Ok(rows)
}

async fn grant_row(
    state: &AppState,
    who: &SignedIn,
    names: &mut Names,
    g: Grant,
    now: OffsetDateTime,
) -> PageResult<GrantRow> {
    let ends_at = g.ends_at;
    let out = grant_out(g, now);
    let left = (ends_at - now).whole_days();
    Ok(GrantRow {
        model: names.model(state, who, out.model).await?,
        developer: names.org(state, out.developer_org).await?,
        partner: names.org(state, out.partner_org).await?,
        scope: words(&out.scope),
        starts: Stamp::parse(&out.starts_at),
        ends: Stamp::parse(&out.ends_at),
        days_left: if ends_at > now {
            days_text(Some(left))
        } else {
            "ended".to_owned()
        },
        status: out.status,
        conditions: out.conditions,
    })
}

// ---------------------------------------------------------------------------
// GET /reviews
// ---------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "reviews_dashboard.html")]
struct DashboardPage {
    title: &'static str,
    nav: Option<Nav>,
    /// The visitor belongs to a developer organization: its own submissions
    /// come first, then what it must answer.
    developer: bool,
    mine: Vec<SubmissionRow>,
    to_answer: Vec<OpenFinding>,
    /// The others' submissions the policy shows, soonest deadline first.
    queue: Vec<SubmissionRow>,
    grants: Vec<GrantRow>,
    /// Submissions by state, each opening the list of that state.
    counts: Vec<super::pages::Tile>,
    /// The state the lists are filtered to, in words.
    showing: Option<String>,
    prev_href: Option<String>,
    next_href: Option<String>,
    /// The models the visitor may submit for review (the new submission
    /// form shows when there is one), and the form's CSRF token.
    submittable: Vec<(Uuid, String)>,
    csrf: String,
}

/// `GET /reviews`' and `GET /grants`' query: a state (or a status) to show.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StateParams {
    state: Option<String>,
    status: Option<String>,
    page: Option<String>,
}

/// `v` when it is one of `words` (blank is none); else a 400 page naming it.
fn one_of(name: &str, v: &Option<String>, words: &[&str]) -> PageResult<Option<String>> {
    match v.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(w) if words.contains(&w) => Ok(Some(w.to_owned())),
        Some(w) => Err(PageError::bad_request(format!(
            "{name}: {w:?} is not one of {}",
            words.join(", ")
        ))),
    }
}

/// `GET /reviews`: a developer's submissions, deadlines, findings to answer
/// and grants; a reviewing agency's queue, soonest deadline first.
pub async fn dashboard(
    State(state): State<AppState>,
    who: SignedIn,
    query: Result<axum::extract::Query<StateParams>, axum::extract::rejection::QueryRejection>,
) -> PageResult {
    let fail = |e: PageError| e.for_user(&who, &state);
    let axum::extract::Query(params) =
        query.map_err(|e| fail(PageError::bad_request(e.body_text())))?;
    let states: Vec<&str> = SubmissionState::ALL.iter().map(|s| s.as_str()).collect();
    let only = one_of("state", &params.state, &states).map_err(fail)?;
    let page = super::page_number(&params.page).map_err(|e| fail(PageError::bad_request(e)))?;
    let now = state.now();
    let mut visible: Vec<Submission> = reviews::visible(&state, &who.principal)
        .await
        .map_err(|e| fail(page_error(e)))?;
    let mut by_state: std::collections::BTreeMap<&str, u64> = std::collections::BTreeMap::new();
    for s in &visible {
        *by_state.entry(s.state.as_str()).or_default() += 1;
    }
    let counts = states
        .iter()
        .filter_map(|w| {
            by_state.get(w).map(|n| super::pages::Tile {
                n: *n,
                label: words(w),
                href: format!("{REVIEWS}?state={w}"),
                alarm: false,
            })
        })
        .collect();
    visible.retain(|s| only.as_deref().is_none_or(|w| s.state.as_str() == w));
    visible.sort_by_key(|s| (s.planned_partner_release, s.id));
    let (visible, prev_href, next_href) =
        super::page_of(visible, page, super::LIST_ROWS, |n| match &only {
            Some(w) => format!("{REVIEWS}?state={w}&page={n}"),
            None => format!("{REVIEWS}?page={n}"),
        });
    let mut names = Names::default();
    let (mut mine, mut to_answer, mut queue) = (Vec::new(), Vec::new(), Vec::new());
    for s in visible {
        let own = s.developer_org == who.principal.org_id;
        let out = reviews::submission_out(&state, &who.principal, s, now)
            .await
            .map_err(|e| fail(page_error(e)))?;
        let row = submission_row(&state, &who, &mut names, &out)
            .await
            .map_err(fail)?;
        if own {
            for f in out.findings.iter().filter(|f| f.responses.is_empty()) {
                to_answer.push(OpenFinding {
                    submission: out.id,
                    model: row.model.clone(),
                    severity: f.severity.clone(),
                    category: words(&f.category),
                    text: f.text.clone(),
                });
            }
            mine.push(row);
        } else {
            queue.push(row);
        }
    }
    let developer = who.principal.org_kind == OrgKind::Developer;
    let submittable = bulwark_app::resources::models_permitting(
        &state,
        &who.principal,
        bulwark_authz::Action::SubmissionCreate,
    )
    .await
    .map_err(|e| fail(page_error(e)))?;
    let mut grants = Vec::new();
    if developer {
        for g in partners::readable_grants(&state, &who.principal)
            .await
            .map_err(|e| fail(page_error(e)))?
        {
            if g.developer_org == who.principal.org_id {
                grants.push(
                    grant_row(&state, &who, &mut names, g, now)
                        .await
                        .map_err(fail)?,
                );
            }
        }
    }
    render(
        StatusCode::OK,
        &DashboardPage {
            title: "Reviews",
            nav: Some(who.nav(&state, REVIEWS)),
            developer,
            mine,
            to_answer,
            queue,
            grants,
            counts,
            showing: only.map(|w| words(&w)),
            prev_href,
            next_href,
            submittable,
            csrf: who.csrf.clone(),
        },
    )
}

// ---------------------------------------------------------------------------
// GET /reviews/{id}
// ---------------------------------------------------------------------------

struct DocumentView {
    sha256: String,
    kind: String,
    size: i64,
    at: Stamp,
}

struct ResponseView {
    text: String,
    at: Stamp,
}

struct FindingView {
    id: Uuid,
    severity: String,
    category: String,
    text: String,
    recommendation: String,
    tlp: String,
    at: Stamp,
    responses: Vec<ResponseView>,
}

#[derive(Template)]
#[template(path = "reviews_submission.html")]
struct SubmissionPage {
    title: String,
    nav: Option<Nav>,
    csrf: String,
    id: Uuid,
    developer: String,
    state: String,
    deadline: Stamp,
    public_release: Option<Stamp>,
    submitted: Option<Stamp>,
    days: String,
    warning: Option<String>,
    lead_agency: Option<String>,
    supporting: Vec<String>,
    conclusion: Option<String>,
    summary: Option<String>,
    concluded_in_time: Option<bool>,
    may_read_dossier: bool,
    documents: Vec<DocumentView>,
    findings: Vec<FindingView>,
    may_issue: bool,
    may_respond: bool,
    severities: Vec<&'static str>,
    categories: Vec<(&'static str, String)>,
    tlps: Vec<&'static str>,
    /// The "Actions" beside the facts (`review_actions.rs`).
    actions: super::review_actions::ReviewActions,
    /// Why the developer withdrew it, once withdrawn.
    withdrawn_reason: Option<String>,
}

/// A submission the visitor may read, else the 404 page.
async fn readable(state: &AppState, who: &SignedIn, id: &str) -> PageResult<Submission> {
    let id = parse_id(id, "submission").map_err(|e| e.for_user(who, state))?;
    readable_submission(state, &who.principal, id)
        .await
        .map_err(|e| page_error(e).for_user(who, state))
}

/// `GET /reviews/{id}`: state, window, dossier, findings and responses, and
/// the forms the policy lets the visitor use.
pub async fn submission(
    State(state): State<AppState>,
    who: SignedIn,
    Path(id): Path<String>,
) -> PageResult {
    let fail = |e: PageError| e.for_user(&who, &state);
    let s = readable(&state, &who, &id).await?;
    let resource = submission_resource(&s);
    let may = |a: Action| state.permits(&who.principal, a, &resource);
    let (may_read_dossier, may_issue, may_respond) = (
        may(Action::DossierRead),
        may(Action::FindingIssue),
        may(Action::ResponsePost),
    );
    let actions = super::review_actions::view(&state, &who, &s)
        .await
        .map_err(fail)?;
    let out = reviews::submission_out(&state, &who.principal, s, state.now())
        .await
        .map_err(|e| fail(page_error(e)))?;
    let mut names = Names::default();
    let model = names.model(&state, &who, out.model).await.map_err(fail)?;
    let developer = names.org(&state, out.developer_org).await.map_err(fail)?;
    let lead_agency = match out.lead_agency {
        Some(a) => Some(names.org(&state, a).await.map_err(fail)?),
        None => None,
    };
    let mut supporting = Vec::new();
    for a in &out.supporting_agencies {
        supporting.push(names.org(&state, *a).await.map_err(fail)?);
    }
    render(
        StatusCode::OK,
        &SubmissionPage {
            title: format!("Review of {model}"),
            nav: Some(who.nav(&state, REVIEWS)),
            csrf: who.csrf.clone(),
            id: out.id,
            developer,
            state: words(&out.state),
            deadline: Stamp::parse(&out.planned_partner_release),
            public_release: out.planned_public_release.as_deref().map(Stamp::parse),
            submitted: out.submitted_at.as_deref().map(Stamp::parse),
            days: days_text(out.days_remaining),
            warning: out.window_warning,
            lead_agency,
            supporting,
            conclusion: out.conclusion.as_deref().map(words),
            summary: out.summary,
            concluded_in_time: out.concluded_in_time,
            may_read_dossier,
            documents: out
                .documents
                .into_iter()
                .map(|d| DocumentView {
                    kind: words(&d.kind),
                    size: d.size,
                    at: Stamp::parse(&d.at),
                    sha256: d.sha256,
                })
                .collect(),
            findings: out
                .findings
                .into_iter()
                .map(|f| FindingView {
                    id: f.id,
                    severity: f.severity,
                    category: words(&f.category),
                    text: f.text,
                    recommendation: f.recommendation,
                    tlp: f.tlp,
                    at: Stamp::parse(&f.at),
                    responses: f
                        .responses
                        .into_iter()
                        .map(|r| ResponseView {
                            text: r.text,
                            at: Stamp::parse(&r.at),
                        })
                        .collect(),
                })
                .collect(),
            may_issue,
            may_respond,
            severities: Severity::ALL.iter().map(|s| s.as_str()).collect(),
            categories: FindingCategory::ALL
                .iter()
                .map(|c| (c.as_str(), words(c.as_str())))
                .collect(),
            tlps: Tlp::ALL.iter().map(|t| t.as_str()).collect(),
            actions,
            withdrawn_reason: out.withdrawn_reason,
        },
    )
}

// ---------------------------------------------------------------------------
// GET /reviews/{id}/documents/{sha256}
// ---------------------------------------------------------------------------

/// `GET /reviews/{id}/documents/{sha256}`: the decrypted document, read
/// through the store's audited read (every read leaves an audit entry).
pub async fn document(
    State(state): State<AppState>,
    who: SignedIn,
    Path((id, sha256)): Path<(String, String)>,
) -> PageResult {
    let fail = |e: PageError| e.for_user(&who, &state);
    // The submission first, so that "not found" after it is the document's.
    let s = readable(&state, &who, &id).await?;
    let (doc, bytes) = reviews::download(&state, &who, s.id, &sha256)
        .await
        .map_err(|e| {
            fail(match e.kind {
                // Only a missing key says "not configured"; a contended
                // audit write is the server's fault, as any other.
                ErrorKind::Unavailable if state.config.master_key.is_none() => no_dossier_key(),
                _ => PageError::refused(e, "document"),
            })
        })?;
    // The address is hex, so the file name needs no quoting beyond this check.
    let short: String = doc
        .sha256
        .chars()
        .filter(char::is_ascii_hexdigit)
        .take(12)
        .collect();
    let disposition = HeaderValue::from_str(&format!(
        "attachment; filename=\"{}-{short}.bin\"",
        doc.kind.as_str()
    ))
    .map_err(|_| fail(PageError::internal()))?;
    Ok((
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/octet-stream"),
            ),
            (header::CONTENT_DISPOSITION, disposition),
            (
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            ),
        ],
        bytes,
    )
        .into_response())
}

// ---------------------------------------------------------------------------
// POST /reviews/{id}/findings and /reviews/{id}/findings/{fid}/responses
// ---------------------------------------------------------------------------

/// The findings editor. Every field has a default, so a missing CSRF token is
/// a 403 and a missing field a 422 page, never a parse error.
#[derive(Debug, Default, Deserialize)]
pub struct FindingForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    severity: String,
    #[serde(default)]
    category: String,
    #[serde(default)]
    text: String,
    #[serde(default)]
    recommendation: String,
    #[serde(default)]
    tlp: String,
}

impl CsrfField for FindingForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

/// `POST /reviews/{id}/findings`: issue a finding (the assigned agencies'
/// writers), then back to the submission's page.
pub async fn issue_finding(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Posted { who, form }: Posted<FindingForm>,
) -> PageResult {
    let fail = |e: PageError| e.for_user(&who, &state);
    let id = parse_id(&id, "submission").map_err(fail)?;
    reviews::issue_finding(
        &state,
        &who,
        id,
        FindingIn {
            severity: form.severity,
            category: form.category,
            text: form.text,
            recommendation: form.recommendation,
            // The form always names a marking; none is not a default here.
            tlp: Some(form.tlp),
        },
    )
    .await
    .map_err(|e| fail(PageError::refused(e, "submission")))?;
    Ok(Redirect::to(&format!("/reviews/{id}#findings")).into_response())
}

/// A response to a finding.
#[derive(Debug, Default, Deserialize)]
pub struct ResponseForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    text: String,
}

impl CsrfField for ResponseForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

/// `POST /reviews/{id}/findings/{fid}/responses`: answer a finding (the
/// developer's writers), then back to the submission's page.
pub async fn respond(
    State(state): State<AppState>,
    Path((id, fid)): Path<(String, String)>,
    Posted { who, form }: Posted<ResponseForm>,
) -> PageResult {
    let fail = |e: PageError| e.for_user(&who, &state);
    // The submission first, so that "not found" after it is the finding's.
    let sid = readable(&state, &who, &id).await?.id;
    // An id that does not parse names no finding: the use case answers "not
    // found" for it after the policy's check, as for any unknown finding.
    let fid = Uuid::parse_str(&fid).unwrap_or(Uuid::nil());
    reviews::respond(&state, &who, sid, fid, ResponseIn { text: form.text })
        .await
        .map_err(|e| fail(PageError::refused(e, "finding")))?;
    Ok(Redirect::to(&format!("/reviews/{sid}#finding-{fid}")).into_response())
}

// ---------------------------------------------------------------------------
// GET /grants
// ---------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "grants.html")]
struct GrantsPage {
    title: &'static str,
    nav: Option<Nav>,
    grants: Vec<GrantRow>,
    /// Propose, concur, object, revoke (`partner_actions.rs`).
    actions: super::partner_actions::GrantActions,
    csrf: String,
    /// Grants by status, each opening the list of that status.
    counts: Vec<super::pages::Tile>,
    showing: Option<String>,
    prev_href: Option<String>,
    next_href: Option<String>,
}

/// `GET /grants`: the early-access grants the policy lets the visitor read
/// (a partner's own, a developer's own), soonest end first.
pub async fn grants(
    State(state): State<AppState>,
    who: SignedIn,
    query: Result<axum::extract::Query<StateParams>, axum::extract::rejection::QueryRejection>,
) -> PageResult {
    let fail = |e: PageError| e.for_user(&who, &state);
    let axum::extract::Query(params) =
        query.map_err(|e| fail(PageError::bad_request(e.body_text())))?;
    let statuses: Vec<&str> = GrantStatus::ALL.iter().map(|s| s.as_str()).collect();
    let only = one_of("status", &params.status, &statuses).map_err(fail)?;
    let page = super::page_number(&params.page).map_err(|e| fail(PageError::bad_request(e)))?;
    let now = state.now();
    let actions = super::partner_actions::grant_actions(&state, &who)
        .await
        .map_err(fail)?;
    let mut rows = grant_rows(&state, &who, now).await.map_err(fail)?;
    let counts = statuses
        .iter()
        .filter_map(|w| {
            let n = rows.iter().filter(|g| g.status == *w).count() as u64;
            (n > 0).then(|| super::pages::Tile {
                n,
                label: words(w),
                href: format!("{GRANTS}?status={w}"),
                alarm: false,
            })
        })
        .collect();
    rows.retain(|g| only.as_deref().is_none_or(|w| g.status == w));
    let (rows, prev_href, next_href) =
        super::page_of(rows, page, super::LIST_ROWS, |n| match &only {
            Some(w) => format!("{GRANTS}?status={w}&page={n}"),
            None => format!("{GRANTS}?page={n}"),
        });
    render(
        StatusCode::OK,
        &GrantsPage {
            title: "Early-access grants",
            nav: Some(who.nav(&state, GRANTS)),
            grants: rows,
            actions,
            csrf: who.csrf.clone(),
            counts,
            showing: only.map(|w| words(&w)),
            prev_href,
            next_href,
        },
    )
}

// ---------------------------------------------------------------------------
// GET /partners
// ---------------------------------------------------------------------------

/// A partner of the registry as shown.
struct PartnerRow {
    org: Uuid,
    name: String,
    sector: String,
    vetting: String,
    vetting_reason: String,
    /// Unexpired attestations: kind and until when.
    attested: Vec<(String, Stamp)>,
    missing: String,
    may_vet: bool,
    may_attest: bool,
}

#[derive(Template)]
#[template(path = "partners.html")]
struct PartnersPage {
    title: &'static str,
    nav: Option<Nav>,
    partners: Vec<PartnerRow>,
    grants: Vec<GrantRow>,
    /// The vetting and attestation forms' choices (`partner_actions.rs`).
    csrf: String,
    vettings: Vec<(&'static str, String)>,
    attestations: Vec<(&'static str, String)>,
}

/// `GET /partners`: the registry of trusted partners (every visitor may
/// read it) with the controls the policy gives the visitor for each, and
/// the early-access grants the visitor may read.
pub async fn partners(State(state): State<AppState>, who: SignedIn) -> PageResult {
    let fail = |e: PageError| e.for_user(&who, &state);
    let now = state.now();
    let registry = partners::registry(&state, &who.principal)
        .await
        .map_err(|e| fail(page_error(e)))?;
    let partners = registry
        .into_iter()
        .map(|e| PartnerRow {
            org: e.partner.org,
            name: e.name,
            sector: e.sector.as_deref().map(words).unwrap_or_default(),
            vetting: e.partner.vetting,
            vetting_reason: e.partner.vetting_reason.unwrap_or_default(),
            attested: e
                .partner
                .attestations
                .iter()
                .filter(|a| a.valid)
                .map(|a| (words(&a.kind), Stamp::parse(&a.expires_at)))
                .collect(),
            missing: e
                .partner
                .missing_attestations
                .iter()
                .map(|k| words(k))
                .collect::<Vec<_>>()
                .join(", "),
            may_vet: e.may_vet,
            may_attest: e.may_attest,
        })
        .collect();
    let grants = grant_rows(&state, &who, now).await.map_err(fail)?;
    render(
        StatusCode::OK,
        &PartnersPage {
            title: "Trusted partners",
            nav: Some(who.nav(&state, PARTNERS)),
            partners,
            grants,
            csrf: who.csrf.clone(),
            vettings: super::partner_actions::vetting_choices(),
            attestations: super::partner_actions::attestation_choices(),
        },
    )
}
