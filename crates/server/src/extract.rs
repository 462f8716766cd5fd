//! Request extractors whose every failure is a problem document naming what
//! was wrong, and the bearer-token authentication of API requests.

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Path, Query, Request};
use axum::http::{header, request::Parts};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use bulwark_app::Acting;
use bulwark_core::ApiToken;
use bulwark_core::json::Strict;
use bulwark_core::secret::TOKEN_PREFIX;
use bulwark_store::PageRequest;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use tower_http::request_id::RequestId;
use uuid::Uuid;

use crate::problem::{ApiError, Kind};
use crate::state::AppState;

/// A JSON body: requires `Content-Type: application/json`, refuses unknown
/// fields (on types that say so) and names the JSON path of the first error.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let is_json = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .is_some_and(|m| {
                let m = m.trim();
                m.eq_ignore_ascii_case("application/json")
                    || (m.starts_with("application/") && m.ends_with("+json"))
            });
        if !is_json {
            return Err(ApiError::new(
                Kind::UnsupportedMediaType,
                "expected Content-Type: application/json",
            ));
        }
        let bytes = Bytes::from_request(req, state).await.map_err(|e| {
            if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::new(Kind::PayloadTooLarge, e.body_text())
            } else {
                ApiError::malformed(e.body_text())
            }
        })?;
        parse_json(&bytes).map(ApiJson)
    }
}

/// Parses JSON, naming the path and position of the first error. What a
/// body's types read as objects must be JSON objects: an array in their
/// place is refused ([`Strict`]), as is anything after the value.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let refused = |path: String, inner: serde_json::Error| {
        let place = if path == "." || path.is_empty() {
            format!("line {} column {}", inner.line(), inner.column())
        } else {
            format!("at {path}")
        };
        ApiError::malformed(format!("invalid JSON body {place}: {inner}"))
    };
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(Strict(&mut de)).map_err(|e| {
        let path = e.path().to_string();
        refused(path, e.into_inner())
    })?;
    de.end().map_err(|e| refused(String::new(), e))?;
    Ok(value)
}

/// Path parameters, with a problem document for ones that do not parse.
pub struct ApiPath<T>(pub T);

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for ApiPath<T> {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        Path::<T>::from_request_parts(parts, state)
            .await
            .map(|Path(v)| ApiPath(v))
            .map_err(|e| ApiError::malformed(format!("invalid path parameter: {}", e.body_text())))
    }
}

/// Query parameters, with a problem document for ones that do not parse.
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        Query::<T>::from_request_parts(parts, state)
            .await
            .map(|Query(v)| ApiQuery(v))
            .map_err(|e| ApiError::malformed(format!("invalid query: {}", e.body_text())))
    }
}

/// `?cursor=…&limit=…` of every list endpoint.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PageParams {
    /// Opaque cursor from a previous page's `next_cursor`.
    pub cursor: Option<String>,
    /// Items per page, 1 to 500 (default 50).
    pub limit: Option<u32>,
}

impl PageParams {
    pub fn to_request(&self) -> Result<PageRequest, ApiError> {
        let after = self.cursor.as_deref().map(decode_cursor).transpose()?;
        let limit = self.limit.unwrap_or(PageRequest::DEFAULT_LIMIT);
        if !(1..=PageRequest::MAX_LIMIT).contains(&limit) {
            return Err(ApiError::malformed(format!(
                "limit must be between 1 and {}",
                PageRequest::MAX_LIMIT
            )));
        }
        Ok(PageRequest { after, limit })
    }
}

/// Cursors are the last id seen, base64url-encoded: opaque to clients, so the
/// encoding may change without breaking them.
pub fn encode_cursor(id: Uuid) -> String {
    URL_SAFE_NO_PAD.encode(id.as_bytes())
}

fn decode_cursor(s: &str) -> Result<Uuid, ApiError> {
    URL_SAFE_NO_PAD
        .decode(s)
        .ok()
        .and_then(|b| Uuid::from_slice(&b).ok())
        .ok_or_else(|| ApiError::malformed("cursor is not one this server issued"))
}

/// The request id set by the request-id layer, for logs and the audit log.
pub fn request_id(parts: &Parts) -> Option<String> {
    parts
        .extensions
        .get::<RequestId>()
        .and_then(|r| r.header_value().to_str().ok())
        .map(str::to_owned)
}

/// An authenticated API caller: who acts, for the use cases (`Caller`
/// dereferences to [`Acting`]: the principal and the audit actor).
pub struct Caller(pub Acting);

impl std::ops::Deref for Caller {
    type Target = Acting;
    fn deref(&self) -> &Acting {
        &self.0
    }
}

/// A caller of the AI Cyber Challenge routes (`api::aixcc`): the
/// competition API authenticates with HTTP Basic, so a CRS sends its
/// Bulwark API token as the password. The username is not checked (the
/// token alone says who calls; a CRS keeps whatever key id it was
/// configured with). A bearer token is taken as well.
pub struct BasicOrBearer(pub Acting);

impl std::ops::Deref for BasicOrBearer {
    type Target = Acting;
    fn deref(&self) -> &Acting {
        &self.0
    }
}

impl FromRequestParts<AppState> for BasicOrBearer {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let presented = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| {
                let (scheme, rest) = v.split_once(' ')?;
                if scheme.eq_ignore_ascii_case("bearer") {
                    Some(rest.trim().to_owned())
                } else if scheme.eq_ignore_ascii_case("basic") {
                    let decoded = base64::engine::general_purpose::STANDARD
                        .decode(rest.trim())
                        .ok()?;
                    let decoded = String::from_utf8(decoded).ok()?;
                    decoded
                        .split_once(':')
                        .map(|(_, password)| password.to_owned())
                } else {
                    None
                }
            })
            .and_then(|t| ApiToken::parse(TOKEN_PREFIX, &t))
            .ok_or_else(|| {
                state.metrics.auth_failures.inc();
                ApiError::unauthorized()
            })?;
        let principal = state.authenticate(&presented).await?;
        Ok(BasicOrBearer(Acting::new(principal, request_id(parts))))
    }
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let presented = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| {
                let (scheme, rest) = v.split_once(' ')?;
                scheme.eq_ignore_ascii_case("bearer").then(|| rest.trim())
            })
            .and_then(|t| ApiToken::parse(TOKEN_PREFIX, t))
            .ok_or_else(|| {
                state.metrics.auth_failures.inc();
                ApiError::unauthorized()
            })?;
        let principal = state.authenticate(&presented).await?;
        Ok(Caller(Acting::new(principal, request_id(parts))))
    }
}
