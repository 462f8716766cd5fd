//! The clearinghouse's advisory pages: the publication queue (counts by
//! stage that open the filtered list) and the advisory editor (the content's
//! fields, beside a preview of the CSAF and OSV documents it would publish
//! and their problems, each with its JSON path), over the use cases of
//! [`bulwark_app::publications`] and the same decisions as the API.
//!
//! The editor takes the lists (products, vulnerabilities, references,
//! acknowledgments) as JSON arrays in labelled text areas: their items are
//! nested (a product's ranges, a vulnerability's remediations), and the
//! problems name JSON paths into them, which the analyst then finds as
//! written.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use bulwark_app::publications::{
    self, DocumentProblem, DraftIn, EditIn, ListQuery, PublishIn, Stage, TransitionIn,
};
use bulwark_app::{AppError, ErrorKind};
use serde::Deserialize;
use serde_json::{Value, json};
use uuid::Uuid;

use super::session::{CsrfField, Posted, SignedIn};
use super::{Nav, PageError, PageResult, Stamp, render};
use crate::state::AppState;

const CLEARINGHOUSE: &str = "/clearinghouse";

fn page_error(e: AppError) -> PageError {
    match e.kind {
        ErrorKind::NotFound => PageError::not_found("advisory"),
        ErrorKind::Forbidden => PageError::forbidden_because(e.detail),
        ErrorKind::MalformedRequest => PageError::bad_request(e.detail),
        ErrorKind::Validation => {
            PageError::new(StatusCode::UNPROCESSABLE_ENTITY, "Not acceptable", e.detail)
        }
        ErrorKind::Conflict => PageError::new(StatusCode::CONFLICT, "Conflict", e.detail),
        _ => PageError::internal(),
    }
}

fn stage_label(s: Stage) -> &'static str {
    match s {
        Stage::Draft => "Drafts",
        Stage::Ready => "Ready to publish",
        Stage::Embargoed => "Released under embargo",
        Stage::Published => "Published",
    }
}

// ---------------------------------------------------------------------------
// GET /clearinghouse/advisories
// ---------------------------------------------------------------------------

struct CountLink {
    n: usize,
    label: &'static str,
    href: String,
    current: bool,
}

struct QueueRow {
    id: Uuid,
    tracking_id: String,
    title: String,
    status: String,
    stage: &'static str,
    tlp: String,
    version: u32,
    case_id: Uuid,
    /// Whether the reader may open the case: a published advisory is
    /// public, its case need not be, and a link to a 404 helps nobody.
    case_readable: bool,
    updated: Stamp,
}

#[derive(Template)]
#[template(path = "publications.html")]
struct QueuePage {
    title: String,
    nav: Option<Nav>,
    counts: Vec<CountLink>,
    showing: String,
    rows: Vec<QueueRow>,
}

#[derive(Debug, Default, Deserialize)]
pub struct QueueParams {
    #[serde(default)]
    stage: String,
}

/// `GET /clearinghouse/advisories`: the publication queue.
pub async fn queue(
    State(state): State<AppState>,
    who: SignedIn,
    Query(q): Query<QueueParams>,
) -> PageResult {
    let fail = |e: PageError| e.for_user(&who, &state);
    let stage = Some(q.stage.trim().to_owned()).filter(|s| !s.is_empty());
    let query = ListQuery {
        stage: stage.clone(),
        case: None,
    };
    let items = publications::list(&state, &who.principal, &query)
        .await
        .map_err(|e| fail(page_error(e)))?;
    let counts = publications::counts(&state, &who.principal)
        .await
        .map_err(|e| fail(page_error(e)))?;
    let case_ids: Vec<Uuid> = items.iter().map(|a| a.case_id).collect();
    let readable = bulwark_app::resources::readable_cases(&state, &who.principal, &case_ids)
        .await
        .map_err(|e| fail(page_error(e)))?;
    let n = |s: Stage| match s {
        Stage::Draft => counts.draft,
        Stage::Ready => counts.ready,
        Stage::Embargoed => counts.embargoed,
        Stage::Published => counts.published,
    };
    let counts = Stage::ALL
        .into_iter()
        .map(|s| CountLink {
            n: n(s),
            label: stage_label(s),
            href: format!("/clearinghouse/advisories?stage={}", s.as_str()),
            current: stage.as_deref() == Some(s.as_str()),
        })
        .collect();
    let showing = match stage.as_deref().and_then(|s| s.parse::<Stage>().ok()) {
        Some(s) => stage_label(s).to_owned(),
        None => "Every advisory".to_owned(),
    };
    render(
        StatusCode::OK,
        &QueuePage {
            title: "Advisories".into(),
            nav: Some(who.nav(&state, CLEARINGHOUSE)),
            counts,
            showing,
            rows: items
                .into_iter()
                .map(|a| QueueRow {
                    id: a.id,
                    tracking_id: a.tracking_id,
                    title: a.title,
                    status: a.status,
                    stage: stage_label(a.stage),
                    tlp: a.tlp,
                    version: a.version,
                    case_id: a.case_id,
                    case_readable: readable.contains_key(&a.case_id),
                    updated: Stamp::parse(&a.updated_at),
                })
                .collect(),
        },
    )
}

// ---------------------------------------------------------------------------
// GET /clearinghouse/advisories/{id}: the editor
// ---------------------------------------------------------------------------

struct RevisionRow {
    number: u32,
    at: Stamp,
    summary: String,
    status: String,
    published: bool,
}

/// The editor's fields, as shown (from the advisory, or as posted).
#[derive(Debug, Default, Deserialize)]
pub struct EditForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    summary: String,
    #[serde(default)]
    details: String,
    #[serde(default)]
    products: String,
    #[serde(default)]
    vulnerabilities: String,
    #[serde(default)]
    references: String,
    #[serde(default)]
    acknowledgments: String,
    #[serde(default)]
    revision_summary: String,
}

impl CsrfField for EditForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

fn pretty(v: &Value) -> String {
    serde_json::to_string_pretty(v).unwrap_or_default()
}

impl EditForm {
    fn of(content: &Value) -> EditForm {
        let list = |k: &str| pretty(content.get(k).unwrap_or(&json!([])));
        EditForm {
            csrf: String::new(),
            title: content["title"].as_str().unwrap_or_default().to_owned(),
            summary: content["summary"].as_str().unwrap_or_default().to_owned(),
            details: content["details"].as_str().unwrap_or_default().to_owned(),
            products: list("products"),
            vulnerabilities: list("vulnerabilities"),
            references: list("references"),
            acknowledgments: list("acknowledgments"),
            revision_summary: String::new(),
        }
    }

    /// The content the fields give, or the field that is not a JSON array.
    fn content(&self) -> Result<Value, DocumentProblem> {
        let list = |field: &str, text: &str| -> Result<Value, DocumentProblem> {
            if text.trim().is_empty() {
                return Ok(json!([]));
            }
            match serde_json::from_str::<Value>(text) {
                Ok(v @ Value::Array(_)) => Ok(v),
                Ok(_) => Err(field_problem(field, "must be a JSON array: [ … ]".into())),
                Err(e) => Err(field_problem(
                    field,
                    format!("not JSON at line {}, column {}: {e}", e.line(), e.column()),
                )),
            }
        };
        let details = Some(self.details.trim()).filter(|d| !d.is_empty());
        Ok(json!({
            "title": self.title.trim(),
            "summary": self.summary.trim(),
            "details": details,
            "products": list("products", &self.products)?,
            "vulnerabilities": list("vulnerabilities", &self.vulnerabilities)?,
            "references": list("references", &self.references)?,
            "acknowledgments": list("acknowledgments", &self.acknowledgments)?,
        }))
    }
}

fn field_problem(field: &str, message: String) -> DocumentProblem {
    DocumentProblem {
        document: "form".into(),
        test: "json".into(),
        path: format!("/{field}"),
        message,
    }
}

#[derive(Template)]
#[template(path = "publication.html")]
struct EditorPage {
    title: String,
    nav: Option<Nav>,
    id: Uuid,
    tracking_id: String,
    case_id: Uuid,
    /// As [`QueueRow::case_readable`].
    case_readable: bool,
    status: String,
    stage: &'static str,
    tlp: String,
    version: u32,
    released: Option<Stamp>,
    published: Option<Stamp>,
    embargo_until: Option<String>,
    has_vex: bool,
    may_manage: bool,
    csrf: String,
    form: EditForm,
    /// Problems of what was posted (the change was not saved).
    refused: Vec<DocumentProblem>,
    refused_detail: String,
    preview_csaf: String,
    preview_osv: String,
    problems: Vec<DocumentProblem>,
    revisions: Vec<RevisionRow>,
    next_statuses: Vec<&'static str>,
    tlps: Vec<(&'static str, bool)>,
}

async fn editor(
    state: &AppState,
    who: &SignedIn,
    id: Uuid,
    posted: Option<(EditForm, Vec<DocumentProblem>, String)>,
) -> Result<EditorPage, PageError> {
    let fail = |e: AppError| page_error(e);
    let a = publications::get(state, &who.principal, id)
        .await
        .map_err(fail)?;
    let preview = publications::preview(state, &who.principal, id)
        .await
        .map_err(fail)?;
    let revisions = publications::revisions(state, &who.principal, id)
        .await
        .map_err(fail)?;
    let may_manage = bulwark_app::cases::may_manage(state, &who.principal);
    let case_readable =
        bulwark_app::resources::readable_cases(state, &who.principal, &[a.summary.case_id])
            .await
            .map_err(fail)?
            .contains_key(&a.summary.case_id);
    let s = a.summary;
    let next_statuses = match s.status.as_str() {
        "draft" => vec!["interim", "final"],
        "interim" => vec!["final"],
        _ => Vec::new(),
    };
    let (form, refused, refused_detail) = match posted {
        Some((form, refused, detail)) => (form, refused, detail),
        None => (EditForm::of(&a.content), Vec::new(), String::new()),
    };
    Ok(EditorPage {
        title: format!("{} {}", s.tracking_id, s.title),
        nav: Some(who.nav(state, CLEARINGHOUSE)),
        id: s.id,
        tracking_id: s.tracking_id,
        case_id: s.case_id,
        case_readable,
        status: s.status,
        stage: stage_label(s.stage),
        tlps: ["CLEAR", "GREEN", "AMBER", "AMBER+STRICT"]
            .into_iter()
            .map(|t| (t, t == s.tlp))
            .collect(),
        tlp: s.tlp,
        version: s.version,
        released: s.released_at.as_deref().map(Stamp::parse),
        published: s.published_at.as_deref().map(Stamp::parse),
        embargo_until: a.embargo_until,
        has_vex: a.has_vex,
        may_manage,
        csrf: who.csrf.clone(),
        form,
        refused,
        refused_detail,
        preview_csaf: pretty(&preview.csaf),
        preview_osv: preview.osv.as_ref().map(pretty).unwrap_or_default(),
        problems: preview.problems,
        revisions: revisions
            .into_iter()
            .map(|r| RevisionRow {
                number: r.number,
                at: Stamp::parse(&r.at),
                summary: r.summary,
                status: r.status,
                published: r.published,
            })
            .collect(),
        next_statuses,
    })
}

fn parse_id(s: &str) -> Result<Uuid, PageError> {
    Uuid::parse_str(s).map_err(|_| PageError::not_found("advisory"))
}

/// `GET /clearinghouse/advisories/{id}`: the advisory, its editor and preview.
pub async fn advisory(
    State(state): State<AppState>,
    who: SignedIn,
    Path(id): Path<String>,
) -> PageResult {
    let id = parse_id(&id).map_err(|e| e.for_user(&who, &state))?;
    let page = editor(&state, &who, id, None)
        .await
        .map_err(|e| e.for_user(&who, &state))?;
    render(StatusCode::OK, &page)
}

/// `POST /clearinghouse/advisories/{id}`: the edit of `PUT
/// /api/v1/publications/{id}`. Refused, the editor comes back with what was
/// posted and each problem's path (422); saved, back to the advisory.
pub async fn edit(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Posted { who, form }: Posted<EditForm>,
) -> PageResult {
    let id = parse_id(&id).map_err(|e| e.for_user(&who, &state))?;
    let refused = |problems: Vec<DocumentProblem>, detail: String, form: EditForm| async {
        let page = editor(&state, &who, id, Some((form, problems, detail)))
            .await
            .map_err(|e| e.for_user(&who, &state))?;
        render(StatusCode::UNPROCESSABLE_ENTITY, &page)
    };
    let content = match form.content() {
        Ok(c) => c,
        Err(p) => {
            let detail = format!("{}: {}", p.path, p.message);
            return refused(vec![p], detail, form).await;
        }
    };
    let body = EditIn {
        content,
        summary: Some(form.revision_summary.trim().to_owned()).filter(|s| !s.is_empty()),
    };
    match publications::edit(&state, &who, id, body).await {
        Ok(_) => Ok(Redirect::to(&format!("/clearinghouse/advisories/{id}")).into_response()),
        Err(e) if e.kind == ErrorKind::Validation => {
            let problems: Vec<DocumentProblem> = e
                .extensions
                .get("problems")
                .and_then(|p| p.as_array())
                .map(|ps| {
                    ps.iter()
                        .map(|p| DocumentProblem {
                            document: p["document"].as_str().unwrap_or_default().to_owned(),
                            test: p["test"].as_str().unwrap_or_default().to_owned(),
                            path: p["path"].as_str().unwrap_or_default().to_owned(),
                            message: p["message"].as_str().unwrap_or_default().to_owned(),
                        })
                        .collect()
                })
                .unwrap_or_default();
            refused(problems, e.detail, form).await
        }
        Err(e) => Err(page_error(e).for_user(&who, &state)),
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct TransitionForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    summary: String,
}

impl CsrfField for TransitionForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

/// `POST /clearinghouse/advisories/{id}/transition`.
pub async fn transition(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Posted { who, form }: Posted<TransitionForm>,
) -> PageResult {
    let fail = |e: PageError| e.for_user(&who, &state);
    let id = parse_id(&id).map_err(fail)?;
    let body = TransitionIn {
        to: form.to,
        summary: Some(form.summary.trim().to_owned()).filter(|s| !s.is_empty()),
    };
    publications::transition(&state, &who, id, body)
        .await
        .map_err(|e| fail(page_error(e)))?;
    Ok(Redirect::to(&format!("/clearinghouse/advisories/{id}")).into_response())
}

#[derive(Debug, Default, Deserialize)]
pub struct PublishForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    tlp: String,
    #[serde(default)]
    summary: String,
}

impl CsrfField for PublishForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

/// `POST /clearinghouse/advisories/{id}/publish`.
pub async fn publish(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Posted { who, form }: Posted<PublishForm>,
) -> PageResult {
    let fail = |e: PageError| e.for_user(&who, &state);
    let id = parse_id(&id).map_err(fail)?;
    let body = PublishIn {
        tlp: Some(form.tlp).filter(|t| !t.trim().is_empty()),
        summary: form.summary,
    };
    publications::publish(&state, &who, id, body)
        .await
        .map_err(|e| fail(page_error(e)))?;
    Ok(Redirect::to(&format!("/clearinghouse/advisories/{id}")).into_response())
}

#[derive(Debug, Default, Deserialize)]
pub struct DraftForm {
    #[serde(default)]
    csrf: String,
}

impl CsrfField for DraftForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

/// `POST /clearinghouse/cases/{id}/advisory`: drafts the case's advisory,
/// then opens it in the editor.
pub async fn draft(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Posted { who, form: _ }: Posted<DraftForm>,
) -> PageResult {
    let fail = |e: PageError| e.for_user(&who, &state);
    let id = Uuid::parse_str(&id).map_err(|_| fail(PageError::not_found("case")))?;
    let a = publications::draft(&state, &who, id, DraftIn::default())
        .await
        .map_err(|e| fail(page_error(e)))?;
    Ok(Redirect::to(&format!("/clearinghouse/advisories/{}", a.summary.id)).into_response())
}
