//! Web sessions: the cookie, the signed-in extractor and the CSRF checks.

use bulwark_app::Acting;
use std::convert::Infallible;

use axum::extract::{Form, FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{AppendHeaders, IntoResponse, Redirect, Response};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use bulwark_authz::{Action, Resource};
use bulwark_core::secret::SESSION_PREFIX;
use bulwark_core::{ApiToken, TokenHash};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use subtle::ConstantTimeEq;

use super::{Nav, PageError, PageResult, Shows, nav};
use crate::extract::request_id;
use crate::state::{AppState, random_bytes};

/// How long a sign-in form may be left open before it must be reloaded.
pub const LOGIN_CSRF_SECONDS: i64 = 600;

/// The session cookie's name. With `Secure` cookies the `__Host-` prefix
/// makes browsers refuse one set by another host or for another path.
pub fn session_cookie(state: &AppState) -> &'static str {
    if state.settings.secure_cookies {
        "__Host-bulwark_session"
    } else {
        "bulwark_session"
    }
}

/// The cookie half of the sign-in form's double-submit token.
pub fn login_csrf_cookie(state: &AppState) -> &'static str {
    if state.settings.secure_cookies {
        "__Host-bulwark_login_csrf"
    } else {
        "bulwark_login_csrf"
    }
}

/// The value of the first cookie called `name`, if any.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.trim())
}

/// A `Set-Cookie` value: `HttpOnly`, `SameSite=Strict`, the whole site, and
/// `Secure` unless the operator turned that off for plain-HTTP development.
pub fn set_cookie(
    state: &AppState,
    name: &str,
    value: &str,
    max_age_seconds: i64,
) -> PageResult<HeaderValue> {
    let secure = if state.settings.secure_cookies {
        "; Secure"
    } else {
        ""
    };
    HeaderValue::from_str(&format!(
        "{name}={value}; Max-Age={}; Path=/; HttpOnly; SameSite=Strict{secure}",
        max_age_seconds.max(0)
    ))
    .map_err(|_| PageError::internal())
}

/// A `Set-Cookie` value that makes the browser forget a cookie.
pub fn clear_cookie(state: &AppState, name: &str) -> PageResult<HeaderValue> {
    set_cookie(state, name, "", 0)
}

/// Whether a presented secret equals the expected one, in time that does not
/// depend on where they differ. Empty never matches.
pub fn same_secret(expected: &str, presented: &str) -> bool {
    !expected.is_empty() && bool::from(expected.as_bytes().ct_eq(presented.as_bytes()))
}

/// 256 random bits, base64url: a CSRF token.
pub fn random_token() -> PageResult<String> {
    let bytes = random_bytes().map_err(|_| PageError::internal())?;
    Ok(URL_SAFE_NO_PAD.encode(bytes))
}

/// A signed-in visitor: who, the session's CSRF token, and the audit actor.
pub struct SignedIn {
    /// Who acts, for the use cases; `SignedIn` dereferences to it.
    pub acting: Acting,
    pub csrf: String,
    pub session_hash: TokenHash,
}

impl std::ops::Deref for SignedIn {
    type Target = Acting;
    fn deref(&self) -> &Acting {
        &self.acting
    }
}

impl SignedIn {
    /// Whether the navigation shows the audit log: the policy decides.
    pub fn may_read_audit(&self, state: &AppState) -> bool {
        state.permits(&self.principal, Action::AuditRead, &Resource::Program)
    }

    /// Whether the visitor's agency keeps an inventory the policy lets it
    /// read: asked of a system of its own (the policy's `system.read`).
    pub fn may_read_own_inventory(&self, state: &AppState) -> bool {
        let own = Resource::System {
            id: uuid::Uuid::nil(),
            org: self.principal.org_id,
            civilian: false,
            national_security: false,
        };
        state.permits(&self.principal, Action::SystemRead, &own)
    }

    /// Whether the visitor sees every agency's compliance (the issuer).
    pub fn may_read_all_compliance(&self, state: &AppState) -> bool {
        state.permits(
            &self.principal,
            Action::ComplianceReadAll,
            &Resource::Program,
        )
    }

    /// The links of the navigation the policy decides on.
    pub fn shows(&self, state: &AppState) -> Shows {
        let inventory = self.may_read_own_inventory(state);
        Shows {
            audit: self.may_read_audit(state),
            inventory,
            compliance: inventory || self.may_read_all_compliance(state),
        }
    }

    /// The navigation for a page at `current`.
    pub fn nav(&self, state: &AppState, current: &str) -> Nav {
        nav(
            self.principal.username.clone(),
            self.principal.org_name.clone(),
            self.csrf.clone(),
            self.shows(state),
            current,
        )
    }

    /// This visitor's own user, as the policy sees it.
    pub fn user_resource(&self) -> Resource {
        bulwark_app::resources::own_user_resource(&self.principal)
    }
}

/// What the request's session cookie says: `Ok(None)` when there is no
/// cookie, it is malformed, or the session is unknown, expired or its user
/// disabled.
pub async fn current_session(parts: &Parts, state: &AppState) -> PageResult<Option<SignedIn>> {
    let Some(value) = cookie(&parts.headers, session_cookie(state)) else {
        return Ok(None);
    };
    let Some(secret) = ApiToken::parse(SESSION_PREFIX, value) else {
        return Ok(None);
    };
    let hash = secret.hash();
    let Some(session) = state.store.session(&hash, state.now()).await? else {
        return Ok(None);
    };
    Ok(Some(SignedIn {
        acting: Acting::new(session.principal, request_id(parts)),
        csrf: session.csrf_token,
        session_hash: hash,
    }))
}

/// Pages require a session; without one they send the visitor to sign in
/// (and drop a stale cookie).
impl FromRequestParts<AppState> for SignedIn {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        match current_session(parts, state).await {
            Ok(Some(s)) => Ok(s),
            Ok(None) => {
                let stale = cookie(&parts.headers, session_cookie(state)).is_some();
                let clear = if stale {
                    clear_cookie(state, session_cookie(state)).ok()
                } else {
                    None
                };
                Err((
                    AppendHeaders(clear.map(|v| (header::SET_COOKIE, v))),
                    Redirect::to("/login"),
                )
                    .into_response())
            }
            Err(e) => Err(e.into_response()),
        }
    }
}

/// The request id, for the audit log.
pub struct ReqId(pub Option<String>);

impl<S: Send + Sync> FromRequestParts<S> for ReqId {
    type Rejection = Infallible;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(ReqId(request_id(parts)))
    }
}

/// A form that carries a CSRF token in its `csrf` field.
pub trait CsrfField {
    fn csrf(&self) -> &str;
}

/// A form with nothing but the CSRF token (sign out, revoke).
#[derive(Debug, Default, Deserialize)]
pub struct CsrfOnly {
    #[serde(default)]
    pub csrf: String,
}

impl CsrfField for CsrfOnly {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

/// A form posted by a signed-in visitor whose `csrf` field matches the
/// session's token. Without a session: 303 to `/login`. With a missing or
/// wrong token: a 403 page, and the handler never runs. Form types give every
/// field a default, so a missing `csrf` is a 403, not a parse error.
pub struct Posted<T> {
    pub who: SignedIn,
    pub form: T,
}

impl<T> FromRequest<AppState> for Posted<T>
where
    T: DeserializeOwned + CsrfField + Send,
{
    type Rejection = Response;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let (mut parts, body) = req.into_parts();
        let who = SignedIn::from_request_parts(&mut parts, state).await?;
        let req = Request::from_parts(parts, body);
        let form = match Form::<T>::from_request(req, state).await {
            Ok(Form(form)) => form,
            Err(e) => {
                return Err(PageError::bad_request(e.body_text())
                    .for_user(&who, state)
                    .into_response());
            }
        };
        if !same_secret(&who.csrf, form.csrf()) {
            tracing::warn!(user = %who.principal.user_id, "refused a form whose CSRF token does not match the session");
            return Err(PageError::csrf().for_user(&who, state).into_response());
        }
        Ok(Posted { who, form })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_cookies_among_several_headers() {
        let mut h = HeaderMap::new();
        h.append(
            header::COOKIE,
            HeaderValue::from_static("a=1; bulwark_session=x"),
        );
        h.append(header::COOKIE, HeaderValue::from_static("b=2"));
        assert_eq!(cookie(&h, "bulwark_session"), Some("x"));
        assert_eq!(cookie(&h, "b"), Some("2"));
        assert_eq!(cookie(&h, "bulwark"), None);
    }

    #[test]
    fn empty_secrets_never_match() {
        assert!(!same_secret("", ""));
        assert!(!same_secret("abc", ""));
        assert!(!same_secret("abc", "abd"));
        assert!(!same_secret("abc", "abcd"));
        assert!(same_secret("abc", "abc"));
    }
}
