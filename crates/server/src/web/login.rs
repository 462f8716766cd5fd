//! Signing in and out.

use askama::Template;
use axum::extract::rejection::FormRejection;
use axum::extract::{Form, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{AppendHeaders, IntoResponse, Redirect};
use bulwark_core::{AuditEvent, PrincipalKind, to_micros};
use bulwark_store::{Actor, StoreError};
use serde::Deserialize;

use super::session::{
    CsrfOnly, LOGIN_CSRF_SECONDS, Posted, ReqId, clear_cookie, cookie, current_session,
    login_csrf_cookie, new_session_secret, random_token, same_secret, session_cookie, set_cookie,
};
use super::{Nav, PageError, PageResult, render};
use crate::state::{AppState, MAX_PASSWORD_BYTES, verify_password};

/// The one message for every failed sign-in: it never says whether the
/// username exists, the password was wrong or the account is disabled.
pub const WRONG_CREDENTIALS: &str = "Wrong username or password.";

const THROTTLED: &str = "Too many failed sign-ins for this username. Try again in 15 minutes.";

const STALE_FORM: &str = "This sign-in form has expired or did not come from this site. Nothing was sent; please try again.";

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage<'a> {
    title: &'a str,
    nav: Option<Nav>,
    error: Option<&'a str>,
    csrf: &'a str,
    username: &'a str,
}

/// The sign-in form. Every field defaults, so a field left out is a refusal
/// rather than a parse error.
#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
}

/// Renders the sign-in form with a fresh double-submit token (also set as a
/// short-lived cookie).
fn login_page(
    state: &AppState,
    status: StatusCode,
    error: Option<&str>,
    username: &str,
) -> PageResult {
    let csrf = random_token()?;
    let cookie = set_cookie(state, login_csrf_cookie(state), &csrf, LOGIN_CSRF_SECONDS)?;
    let page = render(
        status,
        &LoginPage {
            title: "Sign in",
            nav: None,
            error,
            csrf: &csrf,
            username,
        },
    )?;
    Ok((AppendHeaders([(header::SET_COOKIE, cookie)]), page).into_response())
}

/// `GET /login`: the form, or the dashboard for someone already signed in.
pub async fn form(State(state): State<AppState>, parts: Parts) -> PageResult {
    if current_session(&parts, &state).await?.is_some() {
        return Ok(Redirect::to("/").into_response());
    }
    login_page(&state, StatusCode::OK, None, "")
}

/// `POST /login`.
pub async fn submit(
    State(state): State<AppState>,
    headers: HeaderMap,
    ReqId(request_id): ReqId,
    form: Result<Form<LoginForm>, FormRejection>,
) -> PageResult {
    let Form(form) = form.map_err(|e| PageError::bad_request(e.body_text()))?;
    let expected = cookie(&headers, login_csrf_cookie(&state)).unwrap_or("");
    if !same_secret(expected, &form.csrf) {
        return login_page(&state, StatusCode::FORBIDDEN, Some(STALE_FORM), "");
    }

    let username = form.username.trim().to_ascii_lowercase();
    let (user, hash) = if username.is_empty() || username.len() > 64 {
        (None, None)
    } else {
        match state.store.user_by_username(&username).await {
            Ok((user, hash)) => (Some(user), hash),
            Err(StoreError::NotFound) => (None, None),
            Err(e) => return Err(e.into()),
        }
    };
    let now = state.now();
    if state.login_throttle.blocked(&username, now) {
        state.metrics.auth_failures.inc();
        return login_page(&state, StatusCode::TOO_MANY_REQUESTS, Some(THROTTLED), "");
    }
    // Verify even when there is no such user (against a dummy hash inside
    // verify_password), so the time taken does not tell.
    let password_ok =
        form.password.len() <= MAX_PASSWORD_BYTES && verify_password(form.password, hash).await;
    let user = user.filter(|u| password_ok && !u.disabled && u.kind == PrincipalKind::Human);

    let Some(user) = user else {
        state.metrics.auth_failures.inc();
        state.login_throttle.record_failure(&username, now);
        let attempted: String = username
            .chars()
            .map(|c| if c.is_control() { '\u{fffd}' } else { c })
            .take(64)
            .collect();
        let actor = Actor {
            user: None,
            org: None,
            request_id,
        };
        let event = AuditEvent::new("session.refused", "user", &attempted);
        if let Err(e) = state
            .store
            .audit(&actor, event, to_micros(state.now()))
            .await
        {
            tracing::error!(error = %e, "could not record a refused sign-in");
        }
        return login_page(
            &state,
            StatusCode::UNAUTHORIZED,
            Some(WRONG_CREDENTIALS),
            &attempted,
        );
    };

    state.login_throttle.clear(&username);
    let secret = new_session_secret()?;
    let csrf = random_token()?;
    let actor = Actor {
        user: Some(user.id),
        org: Some(user.org_id),
        request_id,
    };
    state
        .store
        .create_session(
            &actor,
            user.id,
            &secret.hash(),
            &csrf,
            now + state.settings.session_ttl,
            now,
        )
        .await?;
    let session = set_cookie(
        &state,
        session_cookie(&state),
        secret.expose(),
        state.settings.session_ttl.whole_seconds(),
    )?;
    let spent = clear_cookie(&state, login_csrf_cookie(&state))?;
    Ok((
        AppendHeaders([(header::SET_COOKIE, session), (header::SET_COOKIE, spent)]),
        Redirect::to("/"),
    )
        .into_response())
}

/// `POST /logout`: ends the session and forgets the cookie.
pub async fn logout(State(state): State<AppState>, posted: Posted<CsrfOnly>) -> PageResult {
    let who = posted.who;
    state
        .store
        .delete_session(&who.actor, &who.session_hash, state.now())
        .await?;
    let clear = clear_cookie(&state, session_cookie(&state))?;
    Ok((
        AppendHeaders([(header::SET_COOKIE, clear)]),
        Redirect::to("/login"),
    )
        .into_response())
}
