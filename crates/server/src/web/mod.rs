//! Server-rendered web pages (askama templates in `crates/server/templates`,
//! checked at compile time and HTML-escaped).
//!
//! Signing in opens a session: a `bws_` secret in an `HttpOnly`,
//! `SameSite=Strict` cookie, of which the store keeps only the hash. Every
//! form that changes something carries the session's CSRF token and is
//! refused with 403 when it does not match; the sign-in form itself carries a
//! double-submit token. Every page asks the one policy
//! ([`AppState::permits`]) before it shows or does anything.
//!
//! The pages need no JavaScript and load nothing from elsewhere: the one
//! stylesheet is compiled into the binary, so the program works on a closed
//! network.

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use bulwark_store::StoreError;
use time::OffsetDateTime;
use tower_http::set_header::SetResponseHeaderLayer;

use crate::state::AppState;

mod access;
mod case_actions;
mod charts;
mod claim_actions;
mod clearinghouse;
mod directives;
pub(crate) mod filters;
mod frontier;
mod login;
mod markdown;
mod matching;
pub mod negotiate;
mod notices;
mod pages;
mod partner_actions;
mod publications;
mod remediation;
mod review_actions;
mod reviews;
mod session;
mod tools;

pub use session::SignedIn;

/// The page a browser gets for a path no route takes (`status` 404) or a
/// method the path does not accept (405): a title, the language, the
/// navigation when signed in and a way back, under the pages' CSP. API
/// clients get the problem document instead ([`negotiate::prefers_html`]).
pub async fn missing_page(
    state: &AppState,
    parts: &axum::http::request::Parts,
    status: StatusCode,
) -> Response {
    let message = if status == StatusCode::METHOD_NOT_ALLOWED {
        "This address does not accept that kind of request.".to_owned()
    } else {
        format!(
            "There is no page at {}. The link may be old or mistyped.",
            parts.uri.path()
        )
    };
    let title = if status == StatusCode::METHOD_NOT_ALLOWED {
        "Not allowed here"
    } else {
        "Page not found"
    };
    let mut error = PageError::new(status, title, message);
    if let Ok(Some(who)) = session::current_session(parts, state).await {
        error = error.for_user(&who, state);
    }
    let mut response = error.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    response
}

/// `Content-Security-Policy` of every page: nothing from elsewhere, no
/// framing, forms post only here.
pub const CSP: &str =
    "default-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'";

const STYLESHEET: &str = include_str!("../../static/bulwark.css");

pub fn router() -> Router<AppState> {
    let mut router = Router::new();
    for job in JOBS.iter().filter(|j| !BUILT.contains(&j.path)) {
        router = router.route(
            job.path,
            get(
                move |State(state): State<AppState>, who: session::SignedIn| async move {
                    pages::job_page(&state, &who, job)
                },
            ),
        );
    }
    router
        .route("/", get(pages::dashboard))
        .route("/login", get(login::form).post(login::submit))
        .route("/logout", post(login::logout))
        .route("/frontier", get(frontier::overview))
        .route("/frontier/models/{id}", get(frontier::model))
        .route(
            "/frontier/precheck",
            get(frontier::precheck_form).post(frontier::precheck),
        )
        .route(
            "/reviews",
            get(reviews::dashboard).post(review_actions::create),
        )
        .route("/reviews/{id}", get(reviews::submission))
        .route("/reviews/{id}/documents/{sha256}", get(reviews::document))
        .route("/reviews/{id}/findings", post(reviews::issue_finding))
        .route(
            "/reviews/{id}/findings/{fid}/responses",
            post(reviews::respond),
        )
        .route("/grants", get(reviews::grants))
        .route("/tools", get(tools::catalogue))
        .route("/tools/{id}", get(tools::tool))
        .route("/tools/{id}/{action}", post(tools::act))
        .route("/tools/programs", get(access::list_programs))
        .route("/tools/programs/{id}", get(access::program))
        .route("/tools/programs/{id}/request", post(access::request))
        .route("/tools/access", get(access::list_requests))
        .route("/tools/access/{id}", get(access::view))
        .route("/tools/access/{id}/{action}", post(access::act))
        .route("/partners", get(reviews::partners))
        .route("/clearinghouse", get(clearinghouse::dashboard))
        .route("/clearinghouse/cases/{id}", get(clearinghouse::case))
        .route(
            "/clearinghouse/cases/{id}/assessment",
            post(clearinghouse::assess),
        )
        .route(
            "/clearinghouse/cases/{id}/remediations",
            post(remediation::offer),
        )
        .route(
            "/clearinghouse/cases/{id}/remediations/patch",
            post(remediation::upload).layer(axum::extract::DefaultBodyLimit::max(
                bulwark_store::MAX_PATCH_BYTES + 64 * 1024,
            )),
        )
        .route(
            "/clearinghouse/cases/{id}/remediations/{remediation}/tasks",
            post(remediation::assign),
        )
        .route(
            "/clearinghouse/cases/{id}/remediations/{remediation}/validations",
            post(remediation::validate),
        )
        .route(
            "/clearinghouse/cases/{id}/remediations/{remediation}/patch",
            get(remediation::patch_file),
        )
        .route(
            "/clearinghouse/cases/{id}/advisory",
            post(publications::draft),
        )
        .route("/clearinghouse/advisories", get(publications::queue))
        .route(
            "/clearinghouse/advisories/{id}",
            get(publications::advisory).post(publications::edit),
        )
        .route(
            "/clearinghouse/advisories/{id}/transition",
            post(publications::transition),
        )
        .route(
            "/clearinghouse/advisories/{id}/publish",
            post(publications::publish),
        )
        .route("/clearinghouse/sources", get(clearinghouse::sources))
        .route("/clearinghouse/coverage", get(clearinghouse::coverage))
        .route("/clearinghouse/priorities", get(clearinghouse::priorities))
        .route("/clearinghouse/awaiting", get(clearinghouse::awaiting))
        .route(
            "/clearinghouse/intake",
            get(clearinghouse::intake)
                .post(clearinghouse::intake_submit)
                // Read as a stream and counted against the intake limit.
                .layer(axum::extract::DefaultBodyLimit::disable()),
        )
        .route(
            "/sboms",
            get(matching::list)
                .post(matching::upload)
                // Spooled and counted against the SBOM limit.
                .layer(axum::extract::DefaultBodyLimit::disable()),
        )
        .route("/sboms/{id}", get(matching::sbom))
        .route("/advisories/{id}", get(matching::advisory))
        .route("/notices", get(notices::list))
        .route("/notices/{id}/read", post(notices::mark_read))
        .route(
            "/directives",
            get(directives::directive_list).post(directives::load),
        )
        .route("/obligations", get(directives::obligation_list))
        .route("/obligations/{id}", get(directives::obligation))
        .route("/obligations/{id}/answers", post(directives::answer))
        .route("/obligations/{id}/requests", post(directives::request))
        .route(
            "/obligation-requests/{id}/decision",
            post(directives::decide),
        )
        .route(
            "/systems",
            get(directives::system_list).post(directives::create_system),
        )
        .route(
            "/systems/{id}",
            get(directives::system).post(directives::update_system),
        )
        .route("/systems/{id}/sboms", post(directives::attach_sbom))
        .route(
            "/systems/{id}/sboms/{sbom}/detach",
            post(directives::detach_sbom),
        )
        .route("/systems/{id}/products", post(directives::add_product))
        .route(
            "/systems/{id}/products/{product}/remove",
            post(directives::remove_product),
        )
        .route("/compliance", get(directives::compliance))
        .route(
            "/compliance/vulnerabilities",
            get(directives::exposed_lookup),
        )
        .route("/compliance/vulnerabilities/{id}", get(directives::exposed))
        .route(
            "/compliance/agencies/{org}",
            get(directives::compliance_agency),
        )
        .route("/organizations", get(pages::organizations))
        .route("/organizations/{id}", get(pages::organization))
        .route("/account", get(pages::account))
        .route("/account/tokens", post(pages::issue_token))
        .route("/account/tokens/{id}/revoke", post(pages::revoke_token))
        .route("/audit", get(pages::audit))
        // Actions beside the facts: the forms of the case, submission,
        // coverage, partners and grants pages (`*_actions.rs`).
        .route(
            "/clearinghouse/cases/{id}/transition",
            post(case_actions::transition),
        )
        .route(
            "/clearinghouse/cases/{id}/quorum",
            post(case_actions::quorum),
        )
        .route(
            "/clearinghouse/cases/{id}/marking",
            post(case_actions::marking),
        )
        .route("/clearinghouse/cases/{id}/merge", post(case_actions::merge))
        .route("/clearinghouse/cases/{id}/split", post(case_actions::split))
        .route(
            "/clearinghouse/cases/{id}/tasks",
            post(case_actions::assign),
        )
        .route(
            "/clearinghouse/cases/{id}/vendor",
            post(case_actions::notify_vendor),
        )
        .route(
            "/clearinghouse/cases/{id}/participants",
            post(case_actions::add_participant),
        )
        .route(
            "/clearinghouse/cases/{id}/validations",
            post(case_actions::validate),
        )
        .route("/reviews/{id}/transition", post(review_actions::transition))
        .route("/reviews/{id}/triage", post(review_actions::triage))
        .route("/reviews/{id}/conclusion", post(review_actions::conclude))
        .route("/reviews/{id}/schedule", post(review_actions::reschedule))
        .route("/reviews/{id}/withdraw", post(review_actions::withdraw))
        .route(
            "/reviews/{id}/documents",
            post(review_actions::upload).layer(axum::extract::DefaultBodyLimit::max(
                bulwark_core::review::MAX_DOCUMENT_BYTES + 64 * 1024,
            )),
        )
        .route(
            "/clearinghouse/coverage/claims",
            post(claim_actions::create),
        )
        .route(
            "/clearinghouse/coverage/claims/{id}/renew",
            post(claim_actions::renew),
        )
        .route(
            "/clearinghouse/coverage/claims/{id}/release",
            post(claim_actions::release),
        )
        .route("/partners/{org}/vetting", post(partner_actions::vet))
        .route(
            "/partners/{org}/attestations",
            post(partner_actions::attest),
        )
        .route("/grants", post(partner_actions::propose))
        .route("/grants/{id}/{decision}", post(partner_actions::decide))
        .route("/static/bulwark.css", get(stylesheet))
        .layer(SetResponseHeaderLayer::overriding(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CSP),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("DENY"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        ))
}

async fn stylesheet() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        STYLESHEET,
    )
        .into_response()
}

/// One of the six jobs of the program (DESIGN.md), as the navigation and
/// the dashboard name it.
pub struct Job {
    pub path: &'static str,
    pub title: &'static str,
    /// What it will do, in one sentence.
    pub summary: &'static str,
}

/// The jobs whose pages are built; the others show a placeholder.
const BUILT: [&str; 6] = [
    "/frontier",
    "/reviews",
    "/partners",
    "/clearinghouse",
    "/directives",
    "/tools",
];

pub const JOBS: [Job; 6] = [
    Job {
        path: "/frontier",
        title: "Frontier benchmarks",
        summary: "the reviewing agencies write versioned benchmark sets that decide which AI models count as covered frontier models, and Bulwark evaluates a model profile against a set and explains, criterion by criterion, why the model is or is not covered.",
    },
    Job {
        path: "/reviews",
        title: "Reviews",
        summary: "a developer submits a covered model's dossier up to 30 days before its release to trusted partners, and Bulwark tracks the review window, the agencies, the findings, the developer's responses and whether the review concluded in time.",
    },
    Job {
        path: "/partners",
        title: "Trusted partners",
        summary: "Bulwark keeps the registry of trusted partners (vetting, attestations, expiry) and their early-access grants to covered models, proposed by the developer, concurred by an agency, then active, expired or revoked.",
    },
    Job {
        path: "/clearinghouse",
        title: "Clearinghouse",
        summary: "participants claim scan targets on time-boxed leases, submit findings that are folded into validated cases, and follow them through prioritised remediation to signed CSAF and OSV advisories and patches.",
    },
    Job {
        path: "/directives",
        title: "Directives",
        summary: "CISA issues Binding Operational Directives whose required actions become dated obligations per agency, system and vulnerability, matched against the agencies' SBOMs, with compliance and what is overdue shown.",
    },
    Job {
        path: "/tools",
        title: "Defensive tools",
        summary: "a catalogue of AI-enabled defensive tools, frontier models among them, that agencies may use: agencies request access, CISA approves, and directives can require a tool.",
    },
];

/// A link of the main navigation.
pub struct NavLink {
    pub href: &'static str,
    pub label: &'static str,
    pub current: bool,
}

/// The signed-in part of the layout: who, the sign-out form, the navigation.
pub struct Nav {
    pub username: String,
    pub org_name: String,
    pub csrf: String,
    pub links: Vec<NavLink>,
}

/// Words as stored (`not_reproduced`, `in_review`) for people.
pub(crate) fn words(s: &str) -> String {
    s.replace('_', " ")
}

/// A date a form names (`YYYY-MM-DD`, the start of that day in UTC) or an
/// RFC 3339 instant; else a 422 naming the field.
pub(crate) fn form_instant(field: &str, value: &str) -> Result<OffsetDateTime, PageError> {
    let v = value.trim();
    if let Ok(t) = OffsetDateTime::parse(v, &time::format_description::well_known::Rfc3339) {
        return Ok(t);
    }
    let fmt = time::macros::format_description!("[year]-[month]-[day]");
    time::Date::parse(v, &fmt)
        .map(|d| d.midnight().assume_utc())
        .map_err(|_| PageError::bad_field(field, "a date (YYYY-MM-DD)"))
}

/// A list's `?page=` (1 when not given), or why it is not a page number.
pub(crate) fn page_number(raw: &Option<String>) -> Result<usize, String> {
    match raw.as_deref().map(str::trim).filter(|p| !p.is_empty()) {
        None => Ok(1),
        Some(p) => match p.parse::<usize>() {
            Ok(n) if n >= 1 => Ok(n),
            _ => Err(format!("page: {p:?} is not a page number")),
        },
    }
}

/// Rows per page of the lists that read every row the visitor may see and
/// show a page of them (submissions, grants).
pub(crate) const LIST_ROWS: usize = 100;

/// Page `page` (from 1) of `rows`, `per` to a page, and the links to the
/// pages before and after it (`href` makes a page's address).
pub(crate) fn page_of<T>(
    rows: Vec<T>,
    page: usize,
    per: usize,
    href: impl Fn(usize) -> String,
) -> (Vec<T>, Option<String>, Option<String>) {
    let skip = (page - 1).saturating_mul(per);
    let more = rows.len() > skip.saturating_add(per);
    let rows = rows.into_iter().skip(skip).take(per).collect();
    (
        rows,
        (page > 1).then(|| href(page - 1)),
        more.then(|| href(page + 1)),
    )
}

/// Where a vulnerability's name leads: its advisory when Bulwark holds one
/// answering to it, else the CVE record at cve.org, else nowhere (a link to
/// a page that would answer 404 helps nobody).
pub(crate) fn vulnerability_href(id: &str, held: bool) -> Option<String> {
    if held {
        Some(format!("/advisories/{id}"))
    } else if id.starts_with("CVE-") {
        Some(format!("https://www.cve.org/CVERecord?id={id}"))
    } else {
        None
    }
}

/// Organizations' names, looked up once each per page; one that no longer
/// exists shows as its id.
#[derive(Default)]
pub(crate) struct OrgNames(std::collections::HashMap<uuid::Uuid, String>);

impl OrgNames {
    pub(crate) async fn name(&mut self, state: &AppState, id: uuid::Uuid) -> PageResult<String> {
        if let Some(n) = self.0.get(&id) {
            return Ok(n.clone());
        }
        let name = match state.store.organization(id).await {
            Ok(org) => org.name,
            Err(bulwark_store::StoreError::NotFound) => id.to_string(),
            Err(e) => return Err(e.into()),
        };
        self.0.insert(id, name.clone());
        Ok(name)
    }
}

/// An instant as a page shows it: machine-readable and for people.
pub struct Stamp {
    pub iso: String,
    pub text: String,
}

impl Stamp {
    pub fn new(t: OffsetDateTime) -> Stamp {
        let utc = t.to_offset(time::UtcOffset::UTC);
        let fmt = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute] UTC");
        let iso = bulwark_core::rfc3339(t);
        let text = utc.format(&fmt).unwrap_or_else(|_| iso.clone());
        Stamp { iso, text }
    }

    /// An instant a use case wrote (RFC 3339), as a page shows it; text
    /// that is not one is shown as written.
    pub fn parse(s: &str) -> Stamp {
        match OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339) {
            Ok(t) => Stamp::new(t),
            Err(_) => Stamp {
                iso: s.to_owned(),
                text: s.to_owned(),
            },
        }
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    title: &'a str,
    nav: Option<Nav>,
    message: &'a str,
    back_href: &'a str,
    back_label: &'a str,
}

/// A page that could not be shown, as an HTML page with its status.
#[derive(Debug)]
pub struct PageError {
    pub status: StatusCode,
    pub title: &'static str,
    pub message: String,
    /// The navigation, when the visitor is signed in.
    nav: Option<Box<NavFor>>,
}

/// What it takes to draw the navigation on an error page.
#[derive(Debug, Clone)]
struct NavFor {
    username: String,
    org_name: String,
    csrf: String,
    shows: Shows,
}

/// The links of the navigation the policy decides on.
#[derive(Debug, Clone, Copy, Default)]
pub struct Shows {
    pub audit: bool,
    /// The agency's own inventory and obligations (an agency's members).
    pub inventory: bool,
    /// Compliance: an agency's own, or every agency's (the issuer).
    pub compliance: bool,
}

impl PageError {
    pub fn new(status: StatusCode, title: &'static str, message: impl Into<String>) -> Self {
        PageError {
            status,
            title,
            message: message.into(),
            nav: None,
        }
    }

    /// A form's field that cannot be taken: 422 naming it; nothing was
    /// changed.
    pub fn bad_field(field: &str, problem: impl std::fmt::Display) -> Self {
        Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Not acceptable",
            format!("{field}: {problem}. Nothing was changed."),
        )
    }

    pub fn forbidden() -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            "Not permitted",
            "The authorization policy does not permit you to do this.",
        )
    }

    /// A use case's refusal, with its detail (who may take the action).
    pub fn forbidden_because(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "Not permitted", detail)
    }

    pub fn not_found(what: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "Not found",
            format!("There is no such {what}, or you may not see it."),
        )
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "The request could not be read",
            message,
        )
    }

    pub fn internal() -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Something went wrong",
            "The server failed; nothing was changed. Please try again later.",
        )
    }

    pub fn csrf() -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            "Form refused",
            "This form did not come from your current session (it may be from an old page or another site). Nothing was changed. Reload the page and try again.",
        )
    }

    /// Shows the signed-in navigation on the error page.
    pub fn for_user(mut self, who: &SignedIn, state: &AppState) -> Self {
        self.nav = Some(Box::new(NavFor {
            username: who.principal.username.clone(),
            org_name: who.principal.org_name.clone(),
            csrf: who.csrf.clone(),
            shows: who.shows(state),
        }));
        self
    }
}

impl PageError {
    /// A use case's refusal as a page: "not found" naming `what`,
    /// forbidden, a conflict or an unacceptable value with its detail,
    /// anything else the internal-error page.
    pub fn refused(e: bulwark_app::AppError, what: &str) -> Self {
        use bulwark_app::ErrorKind;
        match e.kind {
            ErrorKind::NotFound => PageError::not_found(what),
            ErrorKind::Forbidden => PageError::forbidden_because(e.detail),
            ErrorKind::Conflict => PageError::new(StatusCode::CONFLICT, "Conflict", e.detail),
            ErrorKind::Validation => {
                PageError::new(StatusCode::UNPROCESSABLE_ENTITY, "Not acceptable", e.detail)
            }
            _ => PageError::internal(),
        }
    }
}

impl From<StoreError> for PageError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => PageError::not_found("record"),
            StoreError::Conflict(m) => PageError::new(StatusCode::CONFLICT, "Conflict", m),
            StoreError::Invalid(m) => {
                PageError::new(StatusCode::UNPROCESSABLE_ENTITY, "Not acceptable", m)
            }
            other => {
                tracing::error!(error = %other, "store failure");
                PageError::internal()
            }
        }
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let nav = self.nav.map(|n| {
            let n = *n;
            nav(n.username, n.org_name, n.csrf, n.shows, "")
        });
        let (back_href, back_label) = if nav.is_some() {
            ("/", "Back to the dashboard")
        } else {
            ("/login", "Sign in")
        };
        let page = ErrorPage {
            title: self.title,
            nav,
            message: &self.message,
            back_href,
            back_label,
        };
        match page.render() {
            Ok(body) => (self.status, Html(body)).into_response(),
            Err(e) => {
                tracing::error!(error = %e, "error page did not render");
                (self.status, Html(FALLBACK_ERROR)).into_response()
            }
        }
    }
}

const FALLBACK_ERROR: &str = "<!doctype html><html lang=\"en\"><meta charset=\"utf-8\">\
<title>Error · Bulwark</title><h1>Something went wrong</h1><p>Nothing was changed.</p></html>";

pub type PageResult<T = Response> = Result<T, PageError>;

/// Renders a template as an HTML response with `status`.
pub fn render(status: StatusCode, page: &impl Template) -> PageResult {
    match page.render() {
        Ok(body) => Ok((status, Html(body)).into_response()),
        Err(e) => {
            tracing::error!(error = %e, "page did not render");
            Err(PageError::internal())
        }
    }
}

/// The navigation, with `current` (a path) marked as the current page.
fn nav(username: String, org_name: String, csrf: String, shows: Shows, current: &str) -> Nav {
    let mut links = vec![NavLink {
        href: "/",
        label: "Dashboard",
        current: current == "/",
    }];
    for j in &JOBS {
        links.push(NavLink {
            href: j.path,
            label: j.title,
            current: current == j.path,
        });
        // A directive's work is read where it lands: beside the directives.
        if j.path == "/directives" {
            let extra = [
                ("/obligations", "Obligations", shows.inventory),
                ("/systems", "Systems", shows.inventory),
                ("/compliance", "Compliance", shows.compliance),
            ];
            for (href, label, shown) in extra {
                if shown {
                    links.push(NavLink {
                        href,
                        label,
                        current: current == href,
                    });
                }
            }
        }
    }
    links.push(NavLink {
        href: "/grants",
        label: "Grants",
        current: current == "/grants",
    });
    links.push(NavLink {
        href: "/sboms",
        label: "SBOMs",
        current: current == "/sboms",
    });
    links.push(NavLink {
        href: "/notices",
        label: "Notices",
        current: current == "/notices",
    });
    links.push(NavLink {
        href: "/organizations",
        label: "Organizations",
        current: current == "/organizations",
    });
    links.push(NavLink {
        href: "/account",
        label: "Account",
        current: current == "/account",
    });
    if shows.audit {
        links.push(NavLink {
            href: "/audit",
            label: "Audit",
            current: current == "/audit",
        });
    }
    Nav {
        username,
        org_name,
        csrf,
        links,
    }
}

/// Longest text field of a multipart form (the CSRF token, a name or a
/// target beside the uploaded file).
const FORM_TEXT_LIMIT: usize = 4096;

/// A small text field of a multipart form, refused past `FORM_TEXT_LIMIT`.
pub(crate) async fn small_text(
    field: axum::extract::multipart::Field<'_>,
) -> Result<String, PageError> {
    let mut field = std::pin::pin!(field);
    let mut out = Vec::new();
    while let Some(chunk) = futures_util::StreamExt::next(&mut field).await {
        let chunk = chunk.map_err(|e| PageError::bad_request(e.body_text()))?;
        out.extend_from_slice(&chunk);
        if out.len() > FORM_TEXT_LIMIT {
            return Err(PageError::bad_request("a form field is too long"));
        }
    }
    String::from_utf8(out).map_err(|_| PageError::bad_request("a form field is not UTF-8"))
}

/// Reads a multipart upload form up to its `file` field: the CSRF token,
/// which must come before the file (so that nothing is read from a forged
/// form), and the small text fields named in `names`; then hands the file
/// and those fields' values (in the order of `names`, empty when absent) to
/// `on_file`. `None` when the form has no file (but carried the token).
pub(crate) async fn upload_form<R>(
    form: &mut axum::extract::Multipart,
    who: &session::SignedIn,
    names: &[&str],
    on_file: impl AsyncFnOnce(axum::extract::multipart::Field<'_>, Vec<String>) -> R,
) -> Result<Option<R>, PageError> {
    let mut values = vec![String::new(); names.len()];
    let mut csrf_ok = false;
    loop {
        let field = match form.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) => return Err(PageError::bad_request(e.body_text())),
        };
        match field.name() {
            Some("csrf") => {
                let presented = small_text(field).await?;
                if !session::same_secret(&who.csrf, &presented) {
                    return Err(PageError::csrf());
                }
                csrf_ok = true;
            }
            Some("file") if csrf_ok => return Ok(Some(on_file(field, values).await)),
            Some("file") => return Err(PageError::csrf()),
            Some(name) => {
                if let Some(at) = names.iter().position(|n| *n == name) {
                    values[at] = small_text(field).await?;
                }
            }
            None => {}
        }
    }
    if csrf_ok {
        Ok(None)
    } else {
        Err(PageError::csrf())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_of_rows_and_its_neighbours() {
        let rows: Vec<u32> = (1..=250).collect();
        let href = |n: usize| format!("/x?page={n}");
        let (first, prev, next) = page_of(rows.clone(), 1, 100, href);
        assert_eq!((first[0], first.len()), (1, 100));
        assert_eq!((prev, next.as_deref()), (None, Some("/x?page=2")));
        let (last, prev, next) = page_of(rows.clone(), 3, 100, href);
        assert_eq!(last, (201..=250).collect::<Vec<_>>());
        assert_eq!((prev.as_deref(), next), (Some("/x?page=2"), None));
        // Exactly full: no next page.
        let (two, _, next) = page_of((1..=200).collect::<Vec<u32>>(), 2, 100, href);
        assert_eq!((two.len(), next), (100, None));
        // Past the end: empty, with the way back.
        let (none, prev, _) = page_of(rows, 9, 100, href);
        assert!(none.is_empty());
        assert_eq!(prev.as_deref(), Some("/x?page=8"));
    }

    #[test]
    fn page_numbers_start_at_one() {
        assert_eq!(page_number(&None), Ok(1));
        assert_eq!(page_number(&Some(" ".into())), Ok(1));
        assert_eq!(page_number(&Some("3".into())), Ok(3));
        for bad in ["0", "-1", "x", "1.5"] {
            assert!(page_number(&Some(bad.into())).is_err(), "{bad}");
        }
    }
}
