//! What every handler shares: the store, the policy, the clock, the metrics.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use bulwark_app::{App, Config};
use bulwark_authz::Authorizer;
use bulwark_core::{ApiToken, Clock, Principal};
use bulwark_store::Store;
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use crate::metrics::Metrics;
use crate::problem::{ApiError, ApiResult};
use crate::spool::SpoolDir;

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
    /// Where request bodies are spooled: this server takes a directory of
    /// its own under it and, at start, removes what servers no longer
    /// running left there (`crate::spool::SpoolDir`). `serve` names one
    /// per database (`SpoolDir::default_root`) unless told
    /// (`--spool-dir`, `BULWARK_SPOOL_DIR`).
    pub spool_root: std::path::PathBuf,
    /// The CSAF trusted provider and OSV feed: the public base URL
    /// (`BULWARK_PUBLIC_URL`; `serve` defaults it to `http://<listen
    /// address>`, which only suits loopback: CSAF requirement 3 wants
    /// `https` in production), the publisher, security.txt's contact.
    pub provider: bulwark_app::provider::ProviderSettings,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            secure_cookies: true,
            body_limit: 1024 * 1024,
            session_ttl: Duration::hours(8),
            master_key: None,
            webhook_allow_private: false,
            intake_limit: INTAKE_LIMIT,
            spool_root: std::env::temp_dir().join("bulwark-spool"),
            provider: Default::default(),
        }
    }
}

/// Largest intake document accepted over HTTP unless the operator sets
/// another (`Settings::intake_limit`): 4 GiB, spooled to disk.
pub const INTAKE_LIMIT: u64 = 4 * 1024 * 1024 * 1024;

/// Largest SBOM accepted (it is parsed in memory); the intake limit
/// applies too, whichever is smaller.
pub const SBOM_LIMIT: u64 = 128 * 1024 * 1024;

/// The environment variable that sets the largest intake document.
pub const INTAKE_LIMIT_VAR: &str = "BULWARK_INTAKE_LIMIT";

/// The environment variable that names the server's public base URL.
pub const PUBLIC_URL_VAR: &str = "BULWARK_PUBLIC_URL";

/// The environment variable that names security.txt's contact URI.
pub const SECURITY_CONTACT_VAR: &str = "BULWARK_SECURITY_CONTACT";

/// The environment variable that allows private webhook targets.
pub const WEBHOOK_ALLOW_PRIVATE_VAR: &str = "BULWARK_WEBHOOK_ALLOW_PRIVATE";

impl Settings {
    /// Fills the settings that come from the environment: the master key from
    /// `BULWARK_DOSSIER_KEY` (64 hex digits; anything else counts as absent,
    /// with a warning, as the dossier endpoints treat it) and
    /// `BULWARK_WEBHOOK_ALLOW_PRIVATE=1`.
    pub fn with_env(mut self) -> Self {
        if let Ok(hex_key) = std::env::var(bulwark_app::DOSSIER_KEY_VAR) {
            self.master_key = MasterKey::from_hex(&hex_key);
            if self.master_key.is_none() {
                tracing::warn!(
                    var = bulwark_app::DOSSIER_KEY_VAR,
                    "not 64 hex digits; secrets at rest are unavailable"
                );
            }
        }
        self.webhook_allow_private =
            std::env::var(WEBHOOK_ALLOW_PRIVATE_VAR).is_ok_and(|v| v.trim() == "1");
        if let Ok(v) = std::env::var(PUBLIC_URL_VAR) {
            let v = v.trim().trim_end_matches('/');
            if v.starts_with("https://") || v.starts_with("http://") {
                if v.starts_with("http://") {
                    tracing::warn!(
                        var = PUBLIC_URL_VAR,
                        "not https: CSAF trusted providers must serve over TLS (loopback tests only)"
                    );
                }
                self.provider.base_url = v.to_owned();
            } else {
                tracing::warn!(var = PUBLIC_URL_VAR, "not an http(s) URL; ignored");
            }
        }
        if let Ok(v) = std::env::var(SECURITY_CONTACT_VAR) {
            self.provider.contact = v.trim().to_owned();
        }
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

/// What every handler shares: the application (store, policy, clock and
/// what the use cases keep between calls) and what only HTTP needs.
#[derive(Clone)]
pub struct AppState {
    /// The use cases' context; `AppState` dereferences to it.
    pub app: App,
    pub metrics: Arc<Metrics>,
    pub settings: Arc<Settings>,
    /// When each token's use was last written to the store: `last_used_at`
    /// is kept to the minute, so that reads do not turn into writes.
    touched: Arc<Mutex<HashMap<Uuid, OffsetDateTime>>>,
    /// Failed sign-ins per username, to slow password guessing.
    pub login_throttle: Arc<LoginThrottle>,
    /// This server's own directory for spooled request bodies.
    pub spool: Arc<SpoolDir>,
}

impl std::ops::Deref for AppState {
    type Target = App;
    fn deref(&self) -> &App {
        &self.app
    }
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

/// How stale a token's `last_used_at` may get.
const TOUCH_EVERY: Duration = Duration::minutes(1);

impl AppState {
    pub fn new(
        store: Store,
        authz: Authorizer,
        clock: Arc<dyn Clock>,
        settings: Settings,
        spool: SpoolDir,
    ) -> Self {
        let metrics = Arc::new(Metrics::new());
        let config = Config {
            master_key: settings.master_key.clone(),
            webhook_allow_private: settings.webhook_allow_private,
            provider: settings.provider.clone(),
        };
        let app = App::new(store, authz, clock, config).with_decision_observer({
            let metrics = Arc::clone(&metrics);
            Arc::new(move |allowed| metrics.record_decision(allowed))
        });
        AppState {
            app,
            metrics,
            settings: Arc::new(settings),
            touched: Arc::default(),
            login_throttle: Arc::default(),
            spool: Arc::new(spool),
        }
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
}

pub use bulwark_app::MasterKey;
pub use bulwark_app::identity::{
    MAX_PASSWORD_BYTES, MIN_PASSWORD_CHARS, hash_password, new_token, random_bytes, verify_password,
};
pub use bulwark_app::resources::{org_resource, own_org_resource, user_resource};
