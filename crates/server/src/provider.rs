//! The published advisories' public routes, outside `/api` and the OpenAPI
//! document (their shapes are CSAF's and OSV's, not ours):
//!
//! - `/.well-known/csaf/{path}`: the CSAF 2.0 trusted provider's tree
//!   (`bulwark_app::provider::csaf_file`): `provider-metadata.json`,
//!   `service.json`, `openpgp/<FINGERPRINT>.asc`, and per label directory
//!   (`clear`, `green`, `amber`) the ROLIE feed, category document,
//!   `index.txt`, `changes.csv` and `<year>/<file>.json[.sha256|.sha512|.asc]`.
//!   `clear/` needs no credential; `green/` and `amber/` take a bearer token
//!   (401 without one) and show only what the caller may read (404 else).
//!   `/.well-known/csaf/` and each directory answer an HTML listing.
//! - `/.well-known/security.txt` (RFC 9116, with the `CSAF:` field).
//! - `https://csaf.data.security.<domain>/` (requirement 10, the "DNS
//!   path"): when a request's host starts with `csaf.data.security.`, `/`
//!   answers provider-metadata.json, whatever else the server serves.
//! - `/osv/{path}`: the OSV feed of TLP:CLEAR advisories.
//!
//! Handlers only translate; what may be read is the use cases' decision.

use axum::Router;
use axum::extract::{FromRequestParts, Path, State};
use axum::http::{HeaderValue, header, request::Parts};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use bulwark_app::provider::{self, Served};

use crate::extract::Caller;
use crate::problem::ApiError;
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/.well-known/csaf/", get(csaf_root))
        .route("/.well-known/csaf/{*path}", get(csaf))
        .route("/.well-known/security.txt", get(security_txt))
        .route("/osv/{*path}", get(osv))
}

/// The caller if it presented a credential, else nobody. A credential that
/// does not authenticate is refused (401), not ignored: a client that meant
/// to sign in should learn that it did not.
pub struct MaybeCaller(pub Option<Caller>);

impl FromRequestParts<AppState> for MaybeCaller {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        if parts.headers.contains_key(header::AUTHORIZATION) {
            Ok(MaybeCaller(Some(
                Caller::from_request_parts(parts, state).await?,
            )))
        } else {
            Ok(MaybeCaller(None))
        }
    }
}

fn respond(served: Served) -> Response {
    let mut resp = served.bytes.to_vec().into_response();
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(served.content_type),
    );
    resp
}

async fn csaf(
    State(state): State<AppState>,
    MaybeCaller(caller): MaybeCaller,
    Path(path): Path<String>,
) -> Result<Response, ApiError> {
    let who = caller.as_ref().map(|c| &c.principal);
    Ok(respond(provider::csaf_file(&state, who, &path).await?))
}

async fn csaf_root(
    State(state): State<AppState>,
    MaybeCaller(caller): MaybeCaller,
) -> Result<Response, ApiError> {
    let who = caller.as_ref().map(|c| &c.principal);
    Ok(respond(provider::csaf_file(&state, who, "").await?))
}

/// Requirement 10: a host named `csaf.data.security.<domain>` answers `/`
/// with the provider metadata (a deployment points that name at this
/// server; nothing else about the request changes).
pub async fn dns_path(
    State(state): State<AppState>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let host = request
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .or_else(|| request.uri().host())
        .unwrap_or("");
    let is_dns_path = host
        .get(..DNS_PATH_PREFIX.len())
        .is_some_and(|p| p.eq_ignore_ascii_case(DNS_PATH_PREFIX));
    if is_dns_path && request.uri().path() == "/" && request.method() == axum::http::Method::GET {
        return match provider::csaf_file(&state, None, "provider-metadata.json").await {
            Ok(served) => respond(served),
            Err(e) => ApiError::from(e).into_response(),
        };
    }
    next.run(request).await
}

/// The host prefix of requirement 10's DNS path.
const DNS_PATH_PREFIX: &str = "csaf.data.security.";

async fn security_txt(State(state): State<AppState>) -> Result<Response, ApiError> {
    Ok(respond(provider::security_txt(&state).await?))
}

async fn osv(
    State(state): State<AppState>,
    Path(path): Path<String>,
) -> Result<Response, ApiError> {
    Ok(respond(provider::osv_file(&state, &path).await?))
}
