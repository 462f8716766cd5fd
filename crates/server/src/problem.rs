//! Errors as RFC 9457 problem documents.
//!
//! Every error the API returns is `application/problem+json` with a stable
//! `type` (a relative URI, `/problems/<slug>`, that the server itself documents),
//! so clients branch on `type`, never on the wording of `detail`.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use bulwark_app::AppError;
use bulwark_store::StoreError;
use serde::Serialize;

/// The kinds of problem: the use cases' stable kinds, each with its slug.
pub use bulwark_app::ErrorKind as Kind;

/// The HTTP status of each kind of problem.
pub trait HttpStatus {
    fn status(self) -> StatusCode;
}

impl HttpStatus for Kind {
    fn status(self) -> StatusCode {
        match self {
            Kind::MalformedRequest => StatusCode::BAD_REQUEST,
            Kind::Validation => StatusCode::UNPROCESSABLE_ENTITY,
            Kind::Unauthorized => StatusCode::UNAUTHORIZED,
            Kind::Forbidden => StatusCode::FORBIDDEN,
            Kind::NotFound => StatusCode::NOT_FOUND,
            Kind::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Kind::Conflict => StatusCode::CONFLICT,
            Kind::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Kind::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Kind::Internal => StatusCode::INTERNAL_SERVER_ERROR,
            Kind::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
        }
    }
}

/// An error a handler returns; becomes a problem document.
#[derive(Debug)]
pub struct ApiError {
    pub kind: Kind,
    pub detail: String,
    /// Extension members (RFC 9457 section 3.2): facts a client acts on,
    /// e.g. who holds a claimed target and until when.
    pub extensions: serde_json::Map<String, serde_json::Value>,
}

/// The constructors are the use cases' ([`AppError`]'s), so a problem
/// says the same whether a handler or a use case raised it.
impl ApiError {
    pub fn new(kind: Kind, detail: impl Into<String>) -> Self {
        AppError::new(kind, detail).into()
    }
    /// Adds an extension member. The standard members cannot be overridden.
    pub fn with_extension(self, name: &str, value: serde_json::Value) -> Self {
        AppError::from(self).with_extension(name, value).into()
    }
    pub fn malformed(detail: impl Into<String>) -> Self {
        AppError::malformed(detail).into()
    }
    pub fn validation(detail: impl Into<String>) -> Self {
        AppError::validation(detail).into()
    }
    pub fn unauthorized() -> Self {
        AppError::unauthorized().into()
    }
    pub fn forbidden(action: bulwark_authz::Action) -> Self {
        AppError::forbidden(action).into()
    }
    pub fn not_found(what: &str) -> Self {
        AppError::not_found(what).into()
    }
    pub fn internal() -> Self {
        AppError::internal().into()
    }
}

impl From<ApiError> for AppError {
    fn from(e: ApiError) -> Self {
        AppError {
            kind: e.kind,
            detail: e.detail,
            extensions: e.extensions,
        }
    }
}

impl From<AppError> for ApiError {
    fn from(e: AppError) -> Self {
        ApiError {
            kind: e.kind,
            detail: e.detail,
            extensions: e.extensions,
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        AppError::from(e).into()
    }
}

/// The wire form (RFC 9457 section 3).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Problem {
    /// Stable identifier of the kind of problem, e.g. `/problems/not-found`.
    #[serde(rename = "type")]
    pub type_: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    /// Extension members, when the kind of problem has any.
    #[serde(flatten)]
    #[schema(value_type = Object)]
    pub extensions: serde_json::Map<String, serde_json::Value>,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = Problem {
            type_: format!("/problems/{}", self.kind.slug()),
            title: self.kind.title().to_owned(),
            status: self.kind.status().as_u16(),
            detail: self.detail,
            extensions: self.extensions,
        };
        let mut resp = (self.kind.status(), axum::Json(body)).into_response();
        resp.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        if self.kind == Kind::Unavailable {
            resp.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        }
        if self.kind == Kind::Unauthorized {
            resp.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"bulwark\""),
            );
        }
        resp
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

/// Maps the store's "not found" to a 404 naming `what`, every other store
/// error as usual: `store.model(id).await.map_err(not_found_as("model"))`.
pub fn not_found_as(what: &'static str) -> impl Fn(StoreError) -> ApiError {
    move |e| match e {
        StoreError::NotFound => ApiError::not_found(what),
        other => other.into(),
    }
}
