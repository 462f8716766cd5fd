//! What a use case can fail with: a stable [`ErrorKind`] that interfaces map
//! to their own words (an RFC 9457 problem type and HTTP status in the
//! server, an exit code in the CLI), a detail for people, and extension
//! facts a client acts on.

use bulwark_authz::Action;
use bulwark_store::StoreError;

/// The kinds of failure, each with a stable slug.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
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

impl ErrorKind {
    pub const ALL: [ErrorKind; 11] = [
        ErrorKind::MalformedRequest,
        ErrorKind::Validation,
        ErrorKind::Unauthorized,
        ErrorKind::Forbidden,
        ErrorKind::NotFound,
        ErrorKind::MethodNotAllowed,
        ErrorKind::Conflict,
        ErrorKind::PayloadTooLarge,
        ErrorKind::UnsupportedMediaType,
        ErrorKind::Internal,
        ErrorKind::Unavailable,
    ];

    pub fn slug(self) -> &'static str {
        match self {
            ErrorKind::MalformedRequest => "malformed-request",
            ErrorKind::Validation => "validation",
            ErrorKind::Unauthorized => "unauthorized",
            ErrorKind::Forbidden => "forbidden",
            ErrorKind::NotFound => "not-found",
            ErrorKind::MethodNotAllowed => "method-not-allowed",
            ErrorKind::Conflict => "conflict",
            ErrorKind::PayloadTooLarge => "payload-too-large",
            ErrorKind::UnsupportedMediaType => "unsupported-media-type",
            ErrorKind::Internal => "internal",
            ErrorKind::Unavailable => "unavailable",
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            ErrorKind::MalformedRequest => "The request could not be read",
            ErrorKind::Validation => "The request was read but is not acceptable",
            ErrorKind::Unauthorized => "Authentication is required",
            ErrorKind::Forbidden => "The policy does not allow this",
            ErrorKind::NotFound => "No such resource",
            ErrorKind::MethodNotAllowed => "Method not allowed here",
            ErrorKind::Conflict => "The request conflicts with the current state",
            ErrorKind::PayloadTooLarge => "The request body is too large",
            ErrorKind::UnsupportedMediaType => "Unsupported media type",
            ErrorKind::Internal => "Internal error",
            ErrorKind::Unavailable => "Service unavailable",
        }
    }

    /// What a client should do about it; the server serves it at
    /// `/problems/<slug>`.
    pub fn explanation(self) -> &'static str {
        match self {
            ErrorKind::MalformedRequest => {
                "The body is not valid JSON, a field has the wrong type, a field is unknown, or a path or query parameter does not parse. `detail` names the place (a JSON path such as `.roles[1]`). Fix the request; repeating it unchanged will fail again."
            }
            ErrorKind::Validation => {
                "The request is well-formed but breaks a rule (an empty name, an expiry in the past, an unknown organization). `detail` says which."
            }
            ErrorKind::Unauthorized => {
                "Send `Authorization: Bearer <token>` with a token that is neither expired nor revoked. Tokens are issued by an administrator or by `bulwark admin bootstrap`."
            }
            ErrorKind::Forbidden => {
                "You are authenticated, but the authorization policy does not permit this action on this resource for your organization, roles or the resource's TLP marking. `detail` says who may take the action (never why this resource is out of reach); the `action` member names it."
            }
            ErrorKind::NotFound => {
                "The resource does not exist, or exists but may not be disclosed to you."
            }
            ErrorKind::MethodNotAllowed => "The path exists but not with this HTTP method.",
            ErrorKind::Conflict => {
                "The change cannot be made in the current state, e.g. a name already taken or a token already revoked."
            }
            ErrorKind::PayloadTooLarge => "The body exceeds the server's limit for this endpoint.",
            ErrorKind::UnsupportedMediaType => {
                "Send JSON bodies with `Content-Type: application/json`."
            }
            ErrorKind::Internal => {
                "The server failed. Nothing was changed. The `request_id` lets an operator find the log entry."
            }
            ErrorKind::Unavailable => {
                "A dependency (the database) is not reachable, or gave the change up for a concurrent one; nothing was changed. Retry later (the Retry-After header says when)."
            }
        }
    }

    pub fn from_slug(slug: &str) -> Option<ErrorKind> {
        ErrorKind::ALL.into_iter().find(|k| k.slug() == slug)
    }
}

/// A use case's failure.
#[derive(Debug)]
pub struct AppError {
    pub kind: ErrorKind,
    pub detail: String,
    /// Facts a client acts on (RFC 9457 extension members in the API), e.g.
    /// who holds a claimed target and until when.
    pub extensions: serde_json::Map<String, serde_json::Value>,
}

impl std::fmt::Display for AppError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.kind.slug(), self.detail)
    }
}

impl std::error::Error for AppError {}

impl AppError {
    pub fn new(kind: ErrorKind, detail: impl Into<String>) -> Self {
        AppError {
            kind,
            detail: detail.into(),
            extensions: serde_json::Map::new(),
        }
    }

    /// Adds an extension member. The problem document's own members cannot
    /// be overridden.
    pub fn with_extension(mut self, name: &str, value: serde_json::Value) -> Self {
        if !matches!(name, "type" | "title" | "status" | "detail" | "instance") {
            self.extensions.insert(name.to_owned(), value);
        }
        self
    }
    pub fn malformed(detail: impl Into<String>) -> Self {
        Self::new(ErrorKind::MalformedRequest, detail)
    }
    pub fn validation(detail: impl Into<String>) -> Self {
        Self::new(ErrorKind::Validation, detail)
    }
    pub fn unauthorized() -> Self {
        Self::new(
            ErrorKind::Unauthorized,
            "missing, malformed, expired or revoked credentials",
        )
    }
    /// A refusal of `action` that says who may take it (never why this
    /// resource is out of reach), with the action's id as `action`.
    pub fn forbidden(action: Action) -> Self {
        Self::new(
            ErrorKind::Forbidden,
            format!("not permitted: {}", action.who_may()),
        )
        .with_extension("action", action.as_str().into())
    }

    /// The refusal of everything but self-service to a user with no roles.
    pub fn forbidden_without_roles(action: Action) -> Self {
        Self::new(
            ErrorKind::Forbidden,
            "not permitted: a user with no roles may only look after its own account and tokens; an admin of its organization gives roles",
        )
        .with_extension("action", action.as_str().into())
    }
    pub fn not_found(what: &str) -> Self {
        Self::new(ErrorKind::NotFound, format!("no such {what}"))
    }
    pub fn internal() -> Self {
        Self::new(
            ErrorKind::Internal,
            "the server failed; nothing was changed",
        )
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => AppError::new(ErrorKind::NotFound, "no such resource"),
            StoreError::Conflict(m) => AppError::new(ErrorKind::Conflict, m),
            StoreError::Invalid(m) => AppError::validation(m),
            StoreError::AlreadyBootstrapped => AppError::new(ErrorKind::Conflict, e.to_string()),
            StoreError::Contention(m) => {
                tracing::warn!(error = %m, "change given up for a concurrent one");
                AppError::new(
                    ErrorKind::Unavailable,
                    "a concurrent change got in the way; nothing was changed, retry",
                )
            }
            other => {
                tracing::error!(error = %other, "store failure");
                AppError::internal()
            }
        }
    }
}

pub type AppResult<T> = Result<T, AppError>;

/// Maps the store's "not found" to one naming `what`, every other store
/// error as usual: `store.model(id).await.map_err(not_found_as("model"))`.
pub fn not_found_as(what: &'static str) -> impl Fn(StoreError) -> AppError {
    move |e| match e {
        StoreError::NotFound => AppError::not_found(what),
        other => other.into(),
    }
}
