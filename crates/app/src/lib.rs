//! Bulwark's use cases: the one place where a request, whatever interface
//! it came through, is authorized, checked against the domain's rules and
//! written through the store with its audit entry.
//!
//! A use case takes the acting principal ([`Acting`]), never an HTTP
//! request, and answers with a domain result or an [`AppError`] of a stable
//! [`ErrorKind`]. The interfaces (`bulwark-server`'s API, pages and
//! workers; `bulwark-cli`'s direct-to-database commands) only translate:
//! input into a call here, the answer or the error into their own words.
//!
//! One module per domain area. The policy's resource facts (what Cedar is
//! told about a record) are built in [`resources`] and nowhere else.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use bulwark_authz::{Action, Authorizer, Request as AuthzRequest, Resource};
use bulwark_core::{Clock, Principal};
use bulwark_store::{Actor, Store};
use time::OffsetDateTime;

pub mod advisories;
pub mod aixcc;
pub mod audit;
pub mod cases;
pub mod claims;
pub mod csaf_sources;
pub mod dashboard;
pub mod demo;
pub mod directives;
pub mod error;
pub mod facts;
pub mod feeds;
pub mod frontier;
pub mod identity;
pub mod notices;
pub mod partners;
pub mod priorities;
pub mod provider;
pub mod publications;
pub mod resources;
pub mod reviews;
pub mod sboms;
pub mod tool_evidence;
pub mod tools;
pub mod triage;
pub mod webhooks;

pub use error::{AppError, AppResult, ErrorKind, not_found_as};

/// One of the domain's words given as text (`fuzzing`, `amber+strict`, …);
/// an unknown spelling is a validation error naming the allowed ones.
pub fn parse_word<T: std::str::FromStr<Err = bulwark_core::ParseError>>(s: &str) -> AppResult<T> {
    s.parse()
        .map_err(|e: bulwark_core::ParseError| AppError::validation(e.to_string()))
}

/// An IANA time zone by name, or a validation error naming it.
pub fn time_zone(name: &str) -> AppResult<jiff::tz::TimeZone> {
    jiff::tz::TimeZone::get(name).map_err(|_| {
        AppError::validation(format!(
            "time zone {name:?} is not an IANA time zone such as America/New_York"
        ))
    })
}

/// An instant as an agency reads it: in its time zone (UTC when it names
/// none or an unknown one), with the offset, e.g. `2026-12-09 19:00 EST`.
pub fn local_time(t: OffsetDateTime, zone: Option<&str>) -> String {
    let utc = || {
        t.to_offset(time::UtcOffset::UTC)
            .format(time::macros::format_description!(
                "[year]-[month]-[day] [hour]:[minute] UTC"
            ))
            .unwrap_or_else(|_| ts(t))
    };
    let Some(tz) = zone.and_then(|z| jiff::tz::TimeZone::get(z).ok()) else {
        return utc();
    };
    match jiff::Timestamp::from_second(t.unix_timestamp()) {
        Ok(stamp) => stamp.to_zoned(tz).strftime("%Y-%m-%d %H:%M %Z").to_string(),
        Err(_) => utc(),
    }
}

/// RFC 3339, UTC: how every answer writes an instant.
pub fn ts(t: OffsetDateTime) -> String {
    bulwark_core::rfc3339(t)
}

/// Who acts: the principal the policy judges and the actor the audit log
/// names (with the request id that lets an operator find the log line).
#[derive(Debug, Clone)]
pub struct Acting {
    pub principal: Principal,
    pub actor: Actor,
}

impl Acting {
    /// A principal acting through an interface that has a request id (or
    /// none, for the CLI's direct commands).
    pub fn new(principal: Principal, request_id: Option<String>) -> Acting {
        let actor = Actor {
            user: Some(principal.user_id),
            org: Some(principal.org_id),
            request_id,
        };
        Acting { principal, actor }
    }
}

/// What the operator chooses at start that the use cases need.
#[derive(Debug, Clone, Default)]
pub struct Config {
    /// The master key for secrets at rest (`BULWARK_DOSSIER_KEY`): dossier
    /// documents and webhook secrets are sealed under sub-keys of it.
    /// Without it those use cases answer "unavailable".
    pub master_key: Option<MasterKey>,
    /// Let webhooks reach private, loopback, link-local and other reserved
    /// addresses, over plain `http` too. For development and tests only.
    pub webhook_allow_private: bool,
    /// The CSAF trusted provider's public base URL, publisher and contact.
    pub provider: provider::ProviderSettings,
}

/// The environment variable that holds the master key for secrets at rest.
pub const DOSSIER_KEY_VAR: &str = "BULWARK_DOSSIER_KEY";

/// 32 bytes of key; `Debug` redacts it, so settings can be logged.
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

/// Compiled benchmark sets by (set id, version): a loaded version never
/// changes, so each is compiled once.
pub type BenchmarkCache = HashMap<(String, String), Arc<bulwark_frontier::BenchmarkSet>>;

/// Called with every policy decision (allowed or not), for the server's
/// metrics.
pub type DecisionObserver = Arc<dyn Fn(bool) + Send + Sync>;

/// Everything a use case needs: the store, the one policy, the clock, the
/// operator's configuration and what is kept between calls (compiled
/// benchmark sets, the matching engine). Cheap to clone.
#[derive(Clone)]
pub struct App {
    pub store: Store,
    pub authz: Arc<Authorizer>,
    pub clock: Arc<dyn Clock>,
    pub config: Arc<Config>,
    pub benchmark_cache: Arc<Mutex<BenchmarkCache>>,
    /// The matching engine over the stored advisories, rebuilt when they change.
    pub matching: Arc<advisories::Matching>,
    /// What serving the published advisories keeps between requests.
    pub provider: Arc<provider::ProviderCache>,
    /// SBOMs' hits counted by severity, for the list of SBOMs.
    pub severity_counts: Arc<facts::SeverityCache>,
    observer: Option<DecisionObserver>,
}

impl App {
    pub fn new(store: Store, authz: Authorizer, clock: Arc<dyn Clock>, config: Config) -> App {
        App {
            store,
            authz: Arc::new(authz),
            clock,
            config: Arc::new(config),
            benchmark_cache: Arc::default(),
            matching: Arc::default(),
            provider: Arc::default(),
            severity_counts: Arc::default(),
            observer: None,
        }
    }

    /// An application with the embedded policy, for the command line's
    /// direct-to-database work (the server builds its own, with metrics).
    pub fn with_policy(store: Store, clock: Arc<dyn Clock>, config: Config) -> AppResult<App> {
        let authz = Authorizer::new().map_err(|e| {
            tracing::error!(error = %e, "the policy does not load");
            AppError::internal()
        })?;
        Ok(App::new(store, authz, clock, config))
    }

    /// Reports every decision to `observer` (the server counts them).
    pub fn with_decision_observer(mut self, observer: DecisionObserver) -> App {
        self.observer = Some(observer);
        self
    }

    pub fn now(&self) -> OffsetDateTime {
        self.clock.now()
    }

    /// Asks the policy; a denial is [`ErrorKind::Forbidden`], whose detail
    /// says who may take the action ([`Action::who_may`]), or that the user
    /// has no roles.
    pub fn authorize(
        &self,
        principal: &Principal,
        action: Action,
        resource: &Resource,
    ) -> AppResult<()> {
        let decision = self.decide(principal, action, resource);
        if decision.allowed {
            Ok(())
        } else if decision.reasons.iter().any(|r| r == NO_ROLES_POLICY) {
            Err(AppError::forbidden_without_roles(action))
        } else {
            Err(AppError::forbidden(action))
        }
    }

    /// Asks the policy, for filtering and for showing or hiding controls.
    pub fn permits(&self, principal: &Principal, action: Action, resource: &Resource) -> bool {
        self.decide(principal, action, resource).allowed
    }

    fn decide(
        &self,
        principal: &Principal,
        action: Action,
        resource: &Resource,
    ) -> bulwark_authz::Decision {
        let decision = self.authz.decide(&AuthzRequest {
            principal,
            action,
            resource,
            now: self.now(),
        });
        if !decision.errors.is_empty() {
            tracing::warn!(action = action.as_str(), errors = ?decision.errors, "policy evaluation errors; denied");
        }
        if let Some(observe) = &self.observer {
            observe(decision.allowed);
        }
        decision
    }
}

/// The policy's guard rail that leaves a user with no roles self-service
/// only: a refusal it caused says so, rather than who may take the action.
const NO_ROLES_POLICY: &str = "no-roles.self-service-only";
