//! Errors as RFC 9457 problem documents.
//!
//! Every error the API returns is `application/problem+json` with a stable
//! `type` (a relative URI, `/problems/<slug>`, that the server itself documents),
//! so clients branch on `type`, never on the wording of `detail`.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use bulwark_store::StoreError;
use serde::Serialize;

/// The kinds of problem, each with its status and stable slug.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    MalformedRequest,
    Validation,
    Unauthorized,
    Forbidden,
    NotFound,
    MethodNotAllowed,
    Conflict,
    PayloadTooLarge,
    UnsupportedMediaType,
    Internal,
    Unavailable,
}

impl Kind {
    pub const ALL: [Kind; 11] = [
        Kind::MalformedRequest,
        Kind::Validation,
        Kind::Unauthorized,
        Kind::Forbidden,
        Kind::NotFound,
        Kind::MethodNotAllowed,
        Kind::Conflict,
        Kind::PayloadTooLarge,
        Kind::UnsupportedMediaType,
        Kind::Internal,
        Kind::Unavailable,
    ];

    pub fn status(self) -> StatusCode {
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

    pub fn slug(self) -> &'static str {
        match self {
            Kind::MalformedRequest => "malformed-request",
            Kind::Validation => "validation",
            Kind::Unauthorized => "unauthorized",
            Kind::Forbidden => "forbidden",
            Kind::NotFound => "not-found",
            Kind::MethodNotAllowed => "method-not-allowed",
            Kind::Conflict => "conflict",
            Kind::PayloadTooLarge => "payload-too-large",
            Kind::UnsupportedMediaType => "unsupported-media-type",
            Kind::Internal => "internal",
            Kind::Unavailable => "unavailable",
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            Kind::MalformedRequest => "The request could not be read",
            Kind::Validation => "The request was read but is not acceptable",
            Kind::Unauthorized => "Authentication is required",
            Kind::Forbidden => "The policy does not allow this",
            Kind::NotFound => "No such resource",
            Kind::MethodNotAllowed => "Method not allowed here",
            Kind::Conflict => "The request conflicts with the current state",
            Kind::PayloadTooLarge => "The request body is too large",
            Kind::UnsupportedMediaType => "Unsupported media type",
            Kind::Internal => "Internal error",
            Kind::Unavailable => "Service unavailable",
        }
    }

    /// What a client should do about it; served at `/problems/<slug>`.
    pub fn explanation(self) -> &'static str {
        match self {
            Kind::MalformedRequest => {
                "The body is not valid JSON, a field has the wrong type, a field is unknown, or a path or query parameter does not parse. `detail` names the place (a JSON path such as `.roles[1]`). Fix the request; repeating it unchanged will fail again."
            }
            Kind::Validation => {
                "The request is well-formed but breaks a rule (an empty name, an expiry in the past, an unknown organization). `detail` says which."
            }
            Kind::Unauthorized => {
                "Send `Authorization: Bearer <token>` with a token that is neither expired nor revoked. Tokens are issued by an administrator or by `bulwark admin bootstrap`."
            }
            Kind::Forbidden => {
                "You are authenticated, but the authorization policy does not permit this action on this resource for your organization, roles or the resource's TLP marking."
            }
            Kind::NotFound => {
                "The resource does not exist, or exists but may not be disclosed to you."
            }
            Kind::MethodNotAllowed => "The path exists but not with this HTTP method.",
            Kind::Conflict => {
                "The change cannot be made in the current state, e.g. a name already taken or a token already revoked."
            }
            Kind::PayloadTooLarge => "The body exceeds the server's limit for this endpoint.",
            Kind::UnsupportedMediaType => "Send JSON bodies with `Content-Type: application/json`.",
            Kind::Internal => {
                "The server failed. Nothing was changed. The `request_id` lets an operator find the log entry."
            }
            Kind::Unavailable => {
                "A dependency (the database) is not reachable, or gave the change up for a concurrent one; nothing was changed. Retry later (the Retry-After header says when)."
            }
        }
    }

    pub fn from_slug(slug: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.slug() == slug)
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

impl ApiError {
    pub fn new(kind: Kind, detail: impl Into<String>) -> Self {
        ApiError {
            kind,
            detail: detail.into(),
            extensions: serde_json::Map::new(),
        }
    }

    /// Adds an extension member. The standard members cannot be overridden.
    pub fn with_extension(mut self, name: &str, value: serde_json::Value) -> Self {
        if !matches!(name, "type" | "title" | "status" | "detail" | "instance") {
            self.extensions.insert(name.to_owned(), value);
        }
        self
    }
    pub fn malformed(detail: impl Into<String>) -> Self {
        Self::new(Kind::MalformedRequest, detail)
    }
    pub fn validation(detail: impl Into<String>) -> Self {
        Self::new(Kind::Validation, detail)
    }
    pub fn unauthorized() -> Self {
        Self::new(
            Kind::Unauthorized,
            "missing, malformed, expired or revoked credentials",
        )
    }
    pub fn forbidden(action: &str) -> Self {
        Self::new(
            Kind::Forbidden,
            format!("the policy does not permit {action} here"),
        )
    }
    pub fn not_found(what: &str) -> Self {
        Self::new(Kind::NotFound, format!("no such {what}"))
    }
    pub fn internal() -> Self {
        Self::new(Kind::Internal, "the server failed; nothing was changed")
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => ApiError::new(Kind::NotFound, "no such resource"),
            StoreError::Conflict(m) => ApiError::new(Kind::Conflict, m),
            StoreError::Invalid(m) => ApiError::validation(m),
            StoreError::AlreadyBootstrapped => ApiError::new(Kind::Conflict, e.to_string()),
            StoreError::Contention(m) => {
                tracing::warn!(error = %m, "change given up for a concurrent one");
                ApiError::new(
                    Kind::Unavailable,
                    "a concurrent change got in the way; nothing was changed, retry",
                )
            }
            other => {
                tracing::error!(error = %other, "store failure");
                ApiError::internal()
            }
        }
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
