//! What every handler shares: the store, the policy, the clock, the metrics.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use bulwark_authz::{Action, Authorizer, Request as AuthzRequest, Resource};
use bulwark_core::{ApiToken, Clock, Principal};
use bulwark_store::Store;
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use crate::metrics::Metrics;
use crate::problem::{ApiError, ApiResult};

/// Settings the operator chooses at start.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Mark cookies `Secure` (off only for plain-HTTP development).
    pub secure_cookies: bool,
    /// Largest accepted request body, in bytes.
    pub body_limit: usize,
    /// How long a web session lasts.
    pub session_ttl: Duration,
    /// The master key for secrets at rest (`BULWARK_DOSSIER_KEY`); webhook
    /// secrets are sealed under a sub-key of it. Without it, subscriptions
    /// cannot be made (503) and the webhook worker sends nothing.
    pub master_key: Option<MasterKey>,
    /// Let webhooks reach private, loopback, link-local and other reserved
    /// addresses, over plain `http` too (`BULWARK_WEBHOOK_ALLOW_PRIVATE=1`).
    /// Off in production: a subscriber could otherwise make the server POST
    /// into the network it runs in. For development and tests.
    pub webhook_allow_private: bool,
    /// Largest intake document, in bytes (`BULWARK_INTAKE_LIMIT`). Intake is
    /// spooled to the temporary directory, not held in memory, so this
    /// bounds disk, not memory.
    pub intake_limit: u64,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            secure_cookies: true,
            body_limit: 1024 * 1024,
            session_ttl: Duration::hours(8),
            master_key: None,
            webhook_allow_private: false,
            intake_limit: crate::api::cases::INTAKE_LIMIT,
        }
    }
}

/// The environment variable that sets the largest intake document.
pub const INTAKE_LIMIT_VAR: &str = "BULWARK_INTAKE_LIMIT";

/// The environment variable that allows private webhook targets.
pub const WEBHOOK_ALLOW_PRIVATE_VAR: &str = "BULWARK_WEBHOOK_ALLOW_PRIVATE";

impl Settings {
    /// Fills the settings that come from the environment: the master key from
    /// `BULWARK_DOSSIER_KEY` (64 hex digits; anything else counts as absent,
    /// with a warning, as the dossier endpoints treat it) and
    /// `BULWARK_WEBHOOK_ALLOW_PRIVATE=1`.
    pub fn with_env(mut self) -> Self {
        if let Ok(hex_key) = std::env::var(crate::api::reviews::DOSSIER_KEY_VAR) {
            self.master_key = MasterKey::from_hex(&hex_key);
            if self.master_key.is_none() {
                tracing::warn!(
                    var = crate::api::reviews::DOSSIER_KEY_VAR,
                    "not 64 hex digits; secrets at rest are unavailable"
                );
            }
        }
        self.webhook_allow_private =
            std::env::var(WEBHOOK_ALLOW_PRIVATE_VAR).is_ok_and(|v| v.trim() == "1");
        if let Ok(v) = std::env::var(INTAKE_LIMIT_VAR) {
            match v.trim().parse::<u64>() {
                Ok(n) if n > 0 => self.intake_limit = n,
                _ => tracing::warn!(
                    var = INTAKE_LIMIT_VAR,
                    "not a positive number of bytes; ignored"
                ),
            }
        }
        self
    }
}

/// 32 bytes of key; `Debug` redacts it, so `Settings` can be logged.
#[derive(Clone, PartialEq, Eq)]
pub struct MasterKey([u8; 32]);

impl MasterKey {
    pub fn new(bytes: [u8; 32]) -> Self {
        MasterKey(bytes)
    }

    /// 64 hex digits, surrounding white space ignored.
    pub fn from_hex(s: &str) -> Option<Self> {
        let bytes = hex::decode(s.trim()).ok()?;
        bytes.try_into().ok().map(MasterKey)
    }

    pub fn expose(&self) -> &[u8; 32] {
        &self.0
    }
}

impl std::fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MasterKey(<redacted>)")
    }
}

#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub authz: Arc<Authorizer>,
    pub clock: Arc<dyn Clock>,
    pub metrics: Arc<Metrics>,
    pub settings: Arc<Settings>,
    /// When each token's use was last written to the store: `last_used_at`
    /// is kept to the minute, so that reads do not turn into writes.
    touched: Arc<Mutex<HashMap<Uuid, OffsetDateTime>>>,
    /// Failed sign-ins per username, to slow password guessing.
    pub login_throttle: Arc<LoginThrottle>,
    /// Compiled benchmark sets by (id, version): a loaded version never changes.
    pub benchmark_cache: Arc<Mutex<BenchmarkCache>>,
    /// The matching engine over the stored advisories, rebuilt when they change.
    pub matching: Arc<crate::advisories::Matching>,
}

/// Refuses sign-ins for a username after [`LoginThrottle::MAX_FAILURES`]
/// failures within [`LoginThrottle::WINDOW`], until the window has passed. It
/// bounds guessing per account and, since a refused attempt skips the
/// password hash, the CPU an attacker can make the server spend on it.
/// In memory: a restart forgets it, which costs a guesser no more than a
/// window's worth of attempts per restart.
#[derive(Debug, Default)]
pub struct LoginThrottle {
    failures: Mutex<HashMap<String, (u32, OffsetDateTime)>>,
}

impl LoginThrottle {
    pub const MAX_FAILURES: u32 = 5;
    pub const WINDOW: Duration = Duration::minutes(15);

    pub fn blocked(&self, username: &str, now: OffsetDateTime) -> bool {
        let failures = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        failures
            .get(username)
            .is_some_and(|(n, since)| *n >= Self::MAX_FAILURES && now - *since < Self::WINDOW)
    }

    pub fn record_failure(&self, username: &str, now: OffsetDateTime) {
        let mut failures = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        if failures.len() > 100_000 {
            failures.retain(|_, (_, since)| now - *since < Self::WINDOW);
        }
        let entry = failures.entry(username.to_owned()).or_insert((0, now));
        if now - entry.1 >= Self::WINDOW {
            *entry = (0, now);
        }
        entry.0 += 1;
    }

    pub fn clear(&self, username: &str) {
        self.failures
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(username);
    }
}

/// Compiled benchmark sets by (set id, version).
pub type BenchmarkCache = HashMap<(String, String), Arc<bulwark_frontier::BenchmarkSet>>;

/// How stale a token's `last_used_at` may get.
const TOUCH_EVERY: Duration = Duration::minutes(1);

impl AppState {
    pub fn new(store: Store, authz: Authorizer, clock: Arc<dyn Clock>, settings: Settings) -> Self {
        AppState {
            store,
            authz: Arc::new(authz),
            clock,
            metrics: Arc::new(Metrics::new()),
            settings: Arc::new(settings),
            touched: Arc::default(),
            login_throttle: Arc::default(),
            benchmark_cache: Arc::default(),
            matching: Arc::default(),
        }
    }

    pub fn now(&self) -> OffsetDateTime {
        self.clock.now()
    }

    /// The principal behind a presented API token. Looked up on every
    /// request, so a revocation takes effect on the next one.
    pub async fn authenticate(&self, token: &ApiToken) -> ApiResult<Principal> {
        let now = self.now();
        let (principal, token_id, last_used) = self
            .store
            .authenticate_token(&token.hash(), now)
            .await?
            .ok_or_else(|| {
                self.metrics.auth_failures.inc();
                ApiError::unauthorized()
            })?;
        let due = {
            let mut touched = self.touched.lock().unwrap_or_else(|e| e.into_inner());
            let last = touched.get(&token_id).copied().or(last_used);
            let due = last.is_none_or(|t| now - t >= TOUCH_EVERY);
            if due {
                if touched.len() > 100_000 {
                    touched.clear();
                }
                touched.insert(token_id, now);
            }
            due
        };
        if due && let Err(e) = self.store.touch_token(token_id, now).await {
            tracing::warn!(error = %e, "could not record token use");
        }
        Ok(principal)
    }

    /// Asks the policy; a denial becomes a 403 problem document.
    pub fn authorize(
        &self,
        principal: &Principal,
        action: Action,
        resource: &Resource,
    ) -> ApiResult<()> {
        if self.permits(principal, action, resource) {
            Ok(())
        } else {
            Err(ApiError::forbidden(action.as_str()))
        }
    }

    /// Asks the policy, for filtering and for pages that show or hide controls.
    pub fn permits(&self, principal: &Principal, action: Action, resource: &Resource) -> bool {
        let decision = self.authz.decide(&AuthzRequest {
            principal,
            action,
            resource,
            now: self.now(),
        });
        if !decision.errors.is_empty() {
            tracing::warn!(action = action.as_str(), errors = ?decision.errors, "policy evaluation errors; denied");
        }
        self.metrics.record_decision(decision.allowed);
        decision.allowed
    }
}

/// 256 bits from the operating system's generator.
pub fn random_bytes() -> ApiResult<[u8; 32]> {
    let mut b = [0u8; 32];
    getrandom::fill(&mut b).map_err(|e| {
        tracing::error!(error = %e, "no randomness");
        ApiError::internal()
    })?;
    Ok(b)
}

/// A fresh API token.
pub fn new_token() -> ApiResult<ApiToken> {
    Ok(ApiToken::from_random(
        bulwark_core::secret::TOKEN_PREFIX,
        random_bytes()?,
    ))
}

/// Shortest password accepted (NIST SP 800-63B asks for at least 8; we ask more).
pub const MIN_PASSWORD_CHARS: usize = 12;
/// Longest password accepted, to bound the hashing work an attacker can demand.
pub const MAX_PASSWORD_BYTES: usize = 1024;

/// Hashes a password with argon2id (the crate's default parameters, the
/// OWASP-recommended 19 MiB, 2 passes) off the async threads.
pub async fn hash_password(password: String) -> ApiResult<String> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(ApiError::validation(format!(
            "password must be at least {MIN_PASSWORD_CHARS} characters"
        )));
    }
    if password.len() > MAX_PASSWORD_BYTES {
        return Err(ApiError::validation(format!(
            "password must be at most {MAX_PASSWORD_BYTES} bytes"
        )));
    }
    let salt_bytes = random_bytes()?;
    tokio::task::spawn_blocking(move || {
        use argon2::password_hash::{PasswordHasher, SaltString};
        let salt = SaltString::encode_b64(&salt_bytes[..16]).map_err(|_| ApiError::internal())?;
        argon2::Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|_| ApiError::internal())
    })
    .await
    .map_err(|_| ApiError::internal())?
}

/// Checks a password against a stored hash, off the async threads. Any
/// failure to parse the stored hash counts as a mismatch.
pub async fn verify_password(password: String, stored: Option<String>) -> bool {
    // Without a stored hash we still spend the time of a check, so that the
    // response time does not tell which usernames exist.
    const DUMMY: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$Ht6y1xZ0hNn9A4YtZcUuBl0y9wS5Dm7eYdGq3s7u0Xs";
    let has = stored.is_some();
    let stored = stored.unwrap_or_else(|| DUMMY.to_owned());
    tokio::task::spawn_blocking(move || {
        use argon2::password_hash::{PasswordHash, PasswordVerifier};
        let Ok(parsed) = PasswordHash::new(&stored) else {
            return false;
        };
        argon2::Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok()
            && has
    })
    .await
    .unwrap_or(false)
}

/// Resource facts for the caller's own organization (what it submits,
/// uploads or subscribes to on its own behalf), for the policy.
pub fn own_org_resource(who: &Principal) -> Resource {
    Resource::Organization {
        id: who.org_id,
        kind: who.org_kind,
    }
}

/// Resource facts for an organization, for the policy.
pub fn org_resource(org: &bulwark_store::Organization) -> Resource {
    Resource::Organization {
        id: org.id,
        kind: org.kind,
    }
}

/// Resource facts for a user, for the policy.
pub fn user_resource(user: &bulwark_store::User) -> Resource {
    Resource::User {
        id: user.id,
        org: user.org_id,
    }
}
