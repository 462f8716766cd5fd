//! The notices page: `/notices`, the visitor's organization's advisory
//! notices (numbers first: how many are unread; then each notice: the
//! advisory, the organization's own affected components, the fix), and
//! `POST /notices/{id}/read` to mark one read. Every decision is
//! [`notices`]'s, as for the API: another organization's notice is a 404.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use bulwark_app::notices::{self, NoticeOut};
use bulwark_authz::Action;
use uuid::Uuid;

use super::filters;
use super::session::{CsrfOnly, Posted, SignedIn};
use super::{Nav, PageError, PageResult, Stamp, render};
use crate::state::AppState;

const NOTICES: &str = "/notices";
/// Notices shown on the page, newest first.
const NOTICE_ROWS: u32 = 200;

struct NoticeView {
    notice: NoticeOut,
    at: Stamp,
    read: Option<Stamp>,
}

#[derive(Template)]
#[template(path = "notices.html")]
struct NoticesPage {
    title: &'static str,
    nav: Option<Nav>,
    csrf: String,
    unread: u64,
    total: usize,
    more: bool,
    may_mark: bool,
    notices: Vec<NoticeView>,
}

/// `GET /notices`: the organization's notices, unread count first.
pub async fn list(State(state): State<AppState>, who: SignedIn) -> PageResult {
    let fail = |e| PageError::refused(e, "notice").for_user(&who, &state);
    let page = notices::list(
        &state,
        &who.principal,
        bulwark_store::PageRequest {
            after: None,
            limit: NOTICE_ROWS,
        },
    )
    .await
    .map_err(fail)?;
    let unread = notices::unread(&state, &who.principal)
        .await
        .map_err(fail)?
        .unwrap_or(0);
    let may_mark = state.permits(
        &who.principal,
        Action::NoticeAcknowledge,
        &bulwark_app::resources::own_org_resource(&who.principal),
    );
    let notices: Vec<NoticeView> = page
        .items
        .into_iter()
        .map(|n| NoticeView {
            at: Stamp::parse(&n.updated_at),
            read: n.read_at.as_deref().map(Stamp::parse),
            notice: n,
        })
        .collect();
    render(
        StatusCode::OK,
        &NoticesPage {
            title: "Notices",
            nav: Some(who.nav(&state, NOTICES)),
            csrf: who.csrf.clone(),
            unread,
            total: notices.len(),
            more: page.next.is_some(),
            may_mark,
            notices,
        },
    )
}

/// `POST /notices/{id}/read`: as `POST /api/v1/notices/{id}/read`; back
/// to the list.
pub async fn mark_read(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Posted { who, form: _ }: Posted<CsrfOnly>,
) -> PageResult {
    let missing = || PageError::not_found("notice").for_user(&who, &state);
    let id = Uuid::parse_str(&id).map_err(|_| missing())?;
    match notices::mark_read(&state, &who, id).await {
        Ok(_) => Ok(Redirect::to(NOTICES).into_response()),
        Err(e) => Err(PageError::refused(e, "notice").for_user(&who, &state)),
    }
}
