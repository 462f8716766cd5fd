//! Signing in and out: the form, its CSRF token, the cookies and the login
//! throttle here; the password check, the session and the audit entries in
//! [`bulwark_app::identity::sign_in`].

use askama::Template;
use axum::extract::rejection::FormRejection;
use axum::extract::{Form, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{AppendHeaders, IntoResponse, Redirect};
use bulwark_app::identity::{self, SignIn, SignInRequest};
use serde::Deserialize;

use super::session::{
    CsrfOnly, LOGIN_CSRF_SECONDS, Posted, ReqId, clear_cookie, cookie, current_session,
    login_csrf_cookie, random_token, same_secret, session_cookie, set_cookie,
};
use super::{Nav, PageError, PageResult, render};
use crate::state::AppState;

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

    // The throttle counts per username as sign-in compares it; a blocked
    // attempt is refused before any password work.
    let username = identity::login_name(&form.username);
    let now = state.now();
    if state.login_throttle.blocked(&username, now) {
        state.metrics.auth_failures.inc();
        return login_page(&state, StatusCode::TOO_MANY_REQUESTS, Some(THROTTLED), "");
    }
    let attempt = SignInRequest {
        username: form.username,
        password: form.password,
        csrf_token: random_token()?,
        ttl: state.settings.session_ttl,
        request_id,
    };
    // What can fail here (the store, randomness) is the server's failure,
    // already logged where it happened.
    let signed_in = identity::sign_in(&state, attempt)
        .await
        .map_err(|_| PageError::internal())?;
    let secret = match signed_in {
        SignIn::Opened { secret } => secret,
        SignIn::Refused { attempted } => {
            state.metrics.auth_failures.inc();
            state.login_throttle.record_failure(&username, now);
            return login_page(
                &state,
                StatusCode::UNAUTHORIZED,
                Some(WRONG_CREDENTIALS),
                &attempted,
            );
        }
    };
    state.login_throttle.clear(&username);
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
    identity::sign_out(&state, &who, &who.session_hash)
        .await
        .map_err(|_| PageError::internal())?;
    let clear = clear_cookie(&state, session_cookie(&state))?;
    Ok((
        AppendHeaders([(header::SET_COOKIE, clear)]),
        Redirect::to("/login"),
    )
        .into_response())
}
