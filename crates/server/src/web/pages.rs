//! The pages behind sign-in: the dashboard, the directory, the account's
//! API tokens and the audit log. What they show and change is decided by
//! the use cases of [`bulwark_app::identity`] and [`bulwark_app::audit`];
//! these pages only draw it.

use askama::Template;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use bulwark_app::ErrorKind;
use bulwark_app::audit::{self, AuditVerifyOut, NamedEntry};
use bulwark_app::identity::{self, NewTokenIn, OrganizationOut, TokenOut, UserOut};
use bulwark_authz::Action;
use bulwark_core::RoleSet;
use bulwark_store::PageRequest;
use serde::Deserialize;
use time::OffsetDateTime;
use uuid::Uuid;

use super::session::{CsrfField, CsrfOnly, Posted, SignedIn};
use super::{JOBS, Job, Nav, PageError, PageResult, Stamp, render};
use crate::extract::{PageParams, encode_cursor};
use crate::state::AppState;

/// How many audit entries the audit page shows.
const AUDIT_LATEST: u32 = 100;

/// An instant a use case wrote (RFC 3339).
fn instant(s: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339).ok()
}

fn roles_text(roles: &RoleSet) -> String {
    roles
        .iter()
        .map(|r| r.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// `?cursor=` of a paginated page, with an HTML 400 for one that does not parse.
pub(super) fn page_request(
    query: Result<Query<PageParams>, QueryRejection>,
) -> PageResult<(PageRequest, bool)> {
    let Query(params) = query.map_err(|e| PageError::bad_request(e.body_text()))?;
    let continuation = params.cursor.is_some();
    let request = params
        .to_request()
        .map_err(|e| PageError::bad_request(e.detail))?;
    Ok((request, continuation))
}

// ---------------------------------------------------------------------------
// Dashboard and the six jobs
// ---------------------------------------------------------------------------

/// One number of the dashboard: what it counts, and the list it opens
/// (filtered to exactly the items counted).
pub(super) struct Tile {
    pub n: u64,
    pub label: String,
    pub href: String,
    /// Something is late: drawn in the alarm colour (the label says so too).
    pub alarm: bool,
}

impl Tile {
    pub(crate) fn new(n: u64, label: impl Into<String>, href: impl Into<String>) -> Tile {
        Tile {
            n,
            label: label.into(),
            href: href.into(),
            alarm: false,
        }
    }
}

/// A group of numbers under a heading.
struct TileGroup {
    id: &'static str,
    heading: &'static str,
    tiles: Vec<Tile>,
    /// A sentence under the numbers (what they count over).
    note: Option<String>,
}

#[derive(Template)]
#[template(path = "dashboard.html")]
struct DashboardPage {
    title: &'static str,
    nav: Option<Nav>,
    username: String,
    org_id: Uuid,
    org_name: String,
    org_kind: &'static str,
    roles: String,
    groups: Vec<TileGroup>,
    jobs: &'static [Job],
    show_audit: bool,
}

/// A state word as a label: `in_review` → "In review".
fn label(word: &str) -> String {
    let w = super::words(word);
    let mut c = w.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => w,
    }
}

fn plural(n: u64, one: &str, many: &str) -> String {
    if n == 1 {
        one.to_owned()
    } else {
        many.to_owned()
    }
}

/// The dashboard's groups of numbers, from the use case's counts.
fn groups(o: bulwark_app::dashboard::Overview) -> Vec<TileGroup> {
    let mut out = Vec::new();
    if let Some(n) = o.unread_notices.filter(|n| *n > 0) {
        let mut t = Tile::new(n, plural(n, "unread notice", "unread notices"), "/notices");
        t.alarm = true;
        out.push(TileGroup {
            id: "notices",
            heading: "Advisories that affect you",
            tiles: vec![t],
            note: Some(
                "Advisories the program released affect components your organization's SBOMs hold."
                    .to_owned(),
            ),
        });
    }
    if let Some(ob) = o.obligations {
        let mut overdue = Tile::new(ob.overdue, "Overdue", "/obligations?overdue=true");
        overdue.alarm = ob.overdue > 0;
        out.push(TileGroup {
            id: "obligations",
            heading: "Obligations",
            tiles: vec![
                Tile::new(ob.open, "Open", "/obligations?state=open"),
                Tile::new(
                    ob.due_soon,
                    format!("Due within {} days", ob.due_soon_days),
                    format!("/obligations?due_within_days={}", ob.due_soon_days),
                ),
                overdue,
            ],
            note: None,
        });
    }
    let submissions = |id, heading, s: bulwark_app::dashboard::Submissions| {
        let mut tiles = vec![Tile::new(s.total, "All", "/reviews")];
        tiles.extend(
            s.by_state
                .iter()
                .map(|c| Tile::new(c.n, label(&c.key), format!("/reviews?state={}", c.key))),
        );
        TileGroup {
            id,
            heading,
            tiles,
            note: s.fewest_days_left.map(|d| {
                if d >= 0 {
                    format!(
                        "{d} {} left to the nearest release to trusted partners.",
                        plural(d.unsigned_abs(), "day", "days")
                    )
                } else {
                    format!(
                        "The nearest release to trusted partners was {} {} ago.",
                        -d,
                        plural(d.unsigned_abs(), "day", "days")
                    )
                }
            }),
        }
    };
    if let Some(s) = o.own_submissions {
        out.push(submissions("own", "Your submissions", s));
    }
    if let Some(s) = o.review_queue {
        out.push(submissions("review", "Review queue", s));
    }
    if let Some(g) = o.grants {
        out.push(TileGroup {
            id: "grants",
            heading: "Early-access grants",
            tiles: g
                .iter()
                .map(|c| Tile::new(c.n, label(&c.key), format!("/grants?status={}", c.key)))
                .collect(),
            note: None,
        });
    }
    if let Some(a) = o.access {
        out.push(TileGroup {
            id: "access",
            heading: "Access to defensive tools",
            tiles: a
                .iter()
                .map(|c| {
                    Tile::new(
                        c.n,
                        label(&c.key),
                        format!("/tools/access?status={}", c.key),
                    )
                })
                .collect(),
            note: None,
        });
    }
    if let Some(n) = o.awaiting {
        let mut t = Tile::new(
            n,
            plural(
                n,
                "case awaits your organization",
                "cases await your organization",
            ),
            "/clearinghouse/awaiting",
        );
        t.alarm = true;
        out.push(TileGroup {
            id: "awaiting",
            heading: "Asked of your organization",
            tiles: vec![t],
            note: Some(
                "Validations and patch checks the clearinghouse asked for and your organization has not given yet."
                    .to_owned(),
            ),
        });
    }
    if let Some(q) = o.queue {
        let mut tiles = vec![Tile::new(q.total, "In the queue", "/clearinghouse")];
        tiles.extend(q.by_priority.iter().map(|c| {
            let mut t = Tile::new(
                c.n,
                if c.key == "unknown" {
                    "Not assessed".to_owned()
                } else {
                    format!("SSVC {}", label(&c.key))
                },
                format!("/clearinghouse?priority={}", super::directives::enc(&c.key)),
            );
            t.alarm = c.key == "act";
            t
        }));
        tiles.extend(q.by_state.iter().map(|c| {
            Tile::new(
                c.n,
                label(&c.key),
                format!("/clearinghouse?state={}", c.key),
            )
        }));
        out.push(TileGroup {
            id: "queue",
            heading: "Clearinghouse triage queue",
            tiles,
            note: (!q.complete).then(|| {
                format!(
                    "Counted over the first {} cases of the queue you may see.",
                    q.total
                )
            }),
        });
    }
    if let Some(m) = o.models {
        out.push(TileGroup {
            id: "models",
            heading: "Frontier model registry",
            tiles: m
                .iter()
                .map(|c| {
                    let mut t = Tile::new(
                        c.n,
                        label(&c.key),
                        format!("/frontier?determination={}", c.key),
                    );
                    t.alarm = c.key == "covered" && c.n > 0;
                    t
                })
                .collect(),
            note: Some(
                "By each model's latest determination under the first benchmark set in force."
                    .to_owned(),
            ),
        });
    }
    out
}

/// `GET /`: the caller's work as numbers, each opening the list it counts.
pub async fn dashboard(State(state): State<AppState>, who: SignedIn) -> PageResult {
    let nav = who.nav(&state, "/");
    let me = identity::me(&who.principal);
    let overview = bulwark_app::dashboard::overview(&state, &who.principal)
        .await
        .map_err(|e| PageError::refused(e, "record").for_user(&who, &state))?;
    render(
        StatusCode::OK,
        &DashboardPage {
            title: "Dashboard",
            show_audit: who.may_read_audit(&state),
            nav: Some(nav),
            username: me.username,
            org_id: me.org_id,
            org_name: me.org_name,
            org_kind: me.org_kind.as_str(),
            roles: roles_text(&me.roles),
            groups: groups(overview),
            jobs: &JOBS,
        },
    )
}

#[derive(Template)]
#[template(path = "job.html")]
struct JobPage {
    title: &'static str,
    nav: Option<Nav>,
    summary: &'static str,
}

/// The page of one of the six jobs.
pub fn job_page(state: &AppState, who: &SignedIn, job: &'static Job) -> PageResult {
    render(
        StatusCode::OK,
        &JobPage {
            title: job.title,
            nav: Some(who.nav(state, job.path)),
            summary: job.summary,
        },
    )
}

// ---------------------------------------------------------------------------
// Organizations
// ---------------------------------------------------------------------------

struct OrgView {
    id: Uuid,
    name: String,
    kind: &'static str,
    sector: String,
    created: Stamp,
}

impl From<OrganizationOut> for OrgView {
    fn from(o: OrganizationOut) -> Self {
        OrgView {
            id: o.id,
            name: o.name,
            kind: o.kind.as_str(),
            sector: o
                .sector
                .map_or_else(|| "—".to_owned(), |s| s.as_str().replace('_', " ")),
            created: Stamp::parse(&o.created_at),
        }
    }
}

#[derive(Template)]
#[template(path = "organizations.html")]
struct OrganizationsPage {
    title: &'static str,
    nav: Option<Nav>,
    orgs: Vec<OrgView>,
    next_cursor: Option<String>,
    is_continuation: bool,
}

/// `GET /organizations`: the directory, a page at a time.
pub async fn organizations(
    State(state): State<AppState>,
    who: SignedIn,
    query: Result<Query<PageParams>, QueryRejection>,
) -> PageResult {
    let (request, is_continuation) = page_request(query).map_err(|e| e.for_user(&who, &state))?;
    let page = identity::list_organizations(&state, &who.principal, request)
        .await
        .map_err(|e| PageError::refused(e, "organization").for_user(&who, &state))?;
    render(
        StatusCode::OK,
        &OrganizationsPage {
            title: "Organizations",
            nav: Some(who.nav(&state, "/organizations")),
            orgs: page.items.into_iter().map(OrgView::from).collect(),
            next_cursor: page.next.map(encode_cursor),
            is_continuation,
        },
    )
}

struct UserView {
    username: String,
    display_name: String,
    kind: &'static str,
    roles: String,
    status: &'static str,
}

impl From<UserOut> for UserView {
    fn from(u: UserOut) -> Self {
        UserView {
            roles: if u.roles.is_empty() {
                "none".to_owned()
            } else {
                roles_text(&u.roles)
            },
            username: u.username,
            display_name: u.display_name,
            kind: u.kind.as_str(),
            status: if u.disabled { "disabled" } else { "active" },
        }
    }
}

#[derive(Template)]
#[template(path = "organization.html")]
struct OrganizationPage {
    title: String,
    nav: Option<Nav>,
    org: OrgView,
    /// `None` when the policy does not permit listing the users.
    users: Option<Vec<UserView>>,
    next_cursor: Option<String>,
    is_continuation: bool,
}

/// `GET /organizations/{id}`: its details, and its users when the policy permits.
pub async fn organization(
    State(state): State<AppState>,
    who: SignedIn,
    Path(id): Path<String>,
    query: Result<Query<PageParams>, QueryRejection>,
) -> PageResult {
    let missing = || PageError::not_found("organization").for_user(&who, &state);
    let id = Uuid::parse_str(&id).map_err(|_| missing())?;
    // Whether an organization exists is not disclosed to those who may not read it.
    let org = identity::get_organization(&state, &who.principal, id)
        .await
        .map_err(|e| PageError::refused(e, "organization").for_user(&who, &state))?;
    let (request, is_continuation) = page_request(query).map_err(|e| e.for_user(&who, &state))?;
    let (users, next_cursor) =
        match identity::list_users(&state, &who.principal, org.id, request).await {
            Ok(page) => (
                Some(page.items.into_iter().map(UserView::from).collect()),
                page.next.map(encode_cursor),
            ),
            Err(e) if e.kind == ErrorKind::Forbidden => (None, None),
            Err(e) => return Err(PageError::refused(e, "organization").for_user(&who, &state)),
        };
    render(
        StatusCode::OK,
        &OrganizationPage {
            title: org.name.clone(),
            nav: Some(who.nav(&state, "/organizations")),
            org: org.into(),
            users,
            next_cursor,
            is_continuation,
        },
    )
}

// ---------------------------------------------------------------------------
// Account: API tokens
// ---------------------------------------------------------------------------

struct TokenView {
    id: Uuid,
    name: String,
    created: Stamp,
    expires: Option<Stamp>,
    expired: bool,
    last_used: Option<Stamp>,
    revoked: Option<Stamp>,
    /// Neither revoked nor expired: can be revoked.
    active: bool,
}

impl TokenView {
    fn new(t: TokenOut, now: OffsetDateTime) -> Self {
        let expired = t
            .expires_at
            .as_deref()
            .and_then(instant)
            .is_some_and(|e| e <= now);
        TokenView {
            id: t.id,
            name: t.name,
            created: Stamp::parse(&t.created_at),
            expires: t.expires_at.as_deref().map(Stamp::parse),
            expired,
            last_used: t.last_used_at.as_deref().map(Stamp::parse),
            active: t.revoked_at.is_none() && !expired,
            revoked: t.revoked_at.as_deref().map(Stamp::parse),
        }
    }
}

/// A token just issued: its secret, shown on this one response only.
struct Issued {
    name: String,
    secret: String,
}

#[derive(Template)]
#[template(path = "account.html")]
struct AccountPage {
    title: &'static str,
    nav: Option<Nav>,
    username: String,
    org_name: String,
    csrf: String,
    issued: Option<Issued>,
    /// `None` when the policy does not permit listing them.
    tokens: Option<Vec<TokenView>>,
    next_cursor: Option<String>,
    is_continuation: bool,
    may_issue: bool,
    error: Option<String>,
    form_name: String,
    form_expires: String,
}

/// What the account page shows besides the token list.
#[derive(Default)]
struct AccountExtras {
    issued: Option<Issued>,
    error: Option<String>,
    form_name: String,
    form_expires: String,
}

async fn account_page(
    state: &AppState,
    who: &SignedIn,
    status: StatusCode,
    request: PageRequest,
    is_continuation: bool,
    extras: AccountExtras,
) -> PageResult {
    let now = state.now();
    let (tokens, next_cursor) = match identity::own_tokens(state, &who.principal, request).await {
        Ok(page) => (
            Some(
                page.items
                    .into_iter()
                    .map(|t| TokenView::new(t, now))
                    .collect(),
            ),
            page.next.map(encode_cursor),
        ),
        Err(e) if e.kind == ErrorKind::Forbidden => (None, None),
        Err(e) => return Err(PageError::refused(e, "token").for_user(who, state)),
    };
    render(
        status,
        &AccountPage {
            title: "Account",
            nav: Some(who.nav(state, "/account")),
            username: who.principal.username.clone(),
            org_name: who.principal.org_name.clone(),
            csrf: who.csrf.clone(),
            issued: extras.issued,
            tokens,
            next_cursor,
            is_continuation,
            // Whether to offer the form: the policy decides, as it will on submit.
            may_issue: state.permits(&who.principal, Action::TokenIssue, &who.user_resource()),
            error: extras.error,
            form_name: extras.form_name,
            form_expires: extras.form_expires,
        },
    )
}

/// `GET /account`: my API tokens and the form to issue one.
pub async fn account(
    State(state): State<AppState>,
    who: SignedIn,
    query: Result<Query<PageParams>, QueryRejection>,
) -> PageResult {
    let (request, is_continuation) = page_request(query).map_err(|e| e.for_user(&who, &state))?;
    account_page(
        &state,
        &who,
        StatusCode::OK,
        request,
        is_continuation,
        AccountExtras::default(),
    )
    .await
}

#[derive(Deserialize)]
pub struct IssueForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    name: String,
    /// `YYYY-MM-DD`, or empty for no expiry.
    #[serde(default)]
    expires: String,
}

impl CsrfField for IssueForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

/// The instant a token given "valid until `date`" stops working: the end of
/// that day, UTC.
fn end_of_day(date: &str) -> Option<OffsetDateTime> {
    let fmt = time::macros::format_description!("[year]-[month]-[day]");
    let day = time::Date::parse(date, &fmt).ok()?;
    Some(day.next_day()?.midnight().assume_utc())
}

/// `POST /account/tokens`: issue a token for myself; the secret is shown once.
pub async fn issue_token(
    State(state): State<AppState>,
    Posted { who, form }: Posted<IssueForm>,
) -> PageResult {
    let name = form.name.trim().to_owned();
    let expires_text = form.expires.trim().to_owned();
    let refuse = |message: String| AccountExtras {
        error: Some(message),
        form_name: name.clone(),
        form_expires: expires_text.clone(),
        ..AccountExtras::default()
    };
    let unprocessable = StatusCode::UNPROCESSABLE_ENTITY;
    if name.is_empty() {
        let extras = refuse("Give the token a name.".into());
        return account_page(
            &state,
            &who,
            unprocessable,
            PageRequest::default(),
            false,
            extras,
        )
        .await;
    }
    let expires_at = if expires_text.is_empty() {
        None
    } else {
        match end_of_day(&expires_text) {
            Some(t) => Some(t),
            None => {
                let extras = refuse("Give the date as YYYY-MM-DD.".into());
                return account_page(
                    &state,
                    &who,
                    unprocessable,
                    PageRequest::default(),
                    false,
                    extras,
                )
                .await;
            }
        }
    };
    let body = NewTokenIn {
        name: name.clone(),
        expires_at,
    };
    let extras = match identity::issue_own_token(&state, &who, body).await {
        Ok(issued) => AccountExtras {
            issued: Some(Issued {
                name: issued.info.name,
                secret: issued.token,
            }),
            ..AccountExtras::default()
        },
        Err(e) if e.kind == ErrorKind::Validation => {
            let extras = refuse(format!("The token was not issued: {}.", e.detail));
            return account_page(
                &state,
                &who,
                unprocessable,
                PageRequest::default(),
                false,
                extras,
            )
            .await;
        }
        Err(e) => return Err(PageError::refused(e, "token").for_user(&who, &state)),
    };
    account_page(
        &state,
        &who,
        StatusCode::CREATED,
        PageRequest::default(),
        false,
        extras,
    )
    .await
}

/// `POST /account/tokens/{id}/revoke`: revoke a token the policy lets me revoke.
pub async fn revoke_token(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Posted { who, form: _ }: Posted<CsrfOnly>,
) -> PageResult {
    let missing = || PageError::not_found("token").for_user(&who, &state);
    let id = Uuid::parse_str(&id).map_err(|_| missing())?;
    // Whether a token exists is not disclosed to those who may not revoke it.
    match identity::revoke_token(&state, &who, id).await {
        Ok(_) => Ok(Redirect::to("/account").into_response()),
        Err(e) => Err(PageError::refused(e, "token").for_user(&who, &state)),
    }
}

// ---------------------------------------------------------------------------
// Audit
// ---------------------------------------------------------------------------

struct EntryView {
    seq: i64,
    at: Stamp,
    actor: String,
    action: String,
    resource_type: String,
    resource_id: String,
}

impl From<NamedEntry> for EntryView {
    fn from(named: NamedEntry) -> Self {
        let e = named.entry;
        // Actors by username where the policy lets this reader see the user, else by id.
        let actor = match (e.actor_user, named.actor_username) {
            (None, _) => "command line".to_owned(),
            (Some(_), Some(name)) => name,
            (Some(id), None) => id.to_string(),
        };
        EntryView {
            seq: e.seq,
            at: Stamp::parse(&e.at),
            actor,
            action: e.action,
            resource_type: e.resource_type,
            resource_id: e.resource_id,
        }
    }
}

struct VerificationView {
    ok: bool,
    entries: i64,
    head_hash: String,
    break_seq: i64,
    break_reason: String,
}

impl From<AuditVerifyOut> for VerificationView {
    fn from(v: AuditVerifyOut) -> Self {
        let (break_seq, break_reason) =
            v.first_break.map(|b| (b.seq, b.reason)).unwrap_or_default();
        VerificationView {
            ok: v.ok,
            entries: v.entries,
            head_hash: v.head_hash,
            break_seq,
            break_reason,
        }
    }
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    title: &'static str,
    nav: Option<Nav>,
    verification: Option<VerificationView>,
    entries: Vec<EntryView>,
}

/// `GET /audit`: the latest entries and the chain's verification, for those
/// the policy permits.
pub async fn audit(State(state): State<AppState>, who: SignedIn) -> PageResult {
    let entries = audit::latest(&state, &who.principal, AUDIT_LATEST)
        .await
        .map_err(|e| PageError::refused(e, "record").for_user(&who, &state))?;
    let verification = match audit::verify(&state, &who.principal).await {
        Ok(v) => Some(VerificationView::from(v)),
        Err(e) if e.kind == ErrorKind::Forbidden => None,
        Err(e) => return Err(PageError::refused(e, "record").for_user(&who, &state)),
    };
    render(
        StatusCode::OK,
        &AuditPage {
            title: "Audit log",
            nav: Some(who.nav(&state, "/audit")),
            verification,
            entries: entries.into_iter().map(EntryView::from).collect(),
        },
    )
}
