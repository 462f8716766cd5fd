//! Bulwark's store: one interface over two back-ends.
//!
//! SQLite is the embedded default (a single file, nothing to install);
//! PostgreSQL is for production and scale-out. Both are driven through the
//! same [`Store`] methods, and one test suite runs against both.
//!
//! Each query is written once and compiled once per back-end by the
//! [`with_pool!`] / [`write_tx!`] macros: the body is type-checked against the
//! SQLite pool and again against the PostgreSQL pool. That gives each back-end
//! its native types (no `Any` driver, which loses UUID and boolean types)
//! without writing the SQL twice. Where the dialects differ (`FOR UPDATE SKIP
//! LOCKED`, `BEGIN IMMEDIATE`) the macros' arms or an explicit `match` say so.
//! Helpers that run inside such a transaction are ordinary generic functions
//! over the `Tx` trait (`tx.rs`), which both back-ends' connections
//! implement; the few statements that must differ per back-end are
//! `bulk.rs`'s.
//!
//! Every method that changes state takes an [`Actor`] and appends to the
//! hash-chained audit log in the same transaction as the change, so a change
//! and its audit entry commit together or not at all.

use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{PgPool, SqlitePool};
use uuid::Uuid;

mod activity;
mod advisories;
mod aixcc;
mod assessments;
mod audit;
mod bulk;
mod case_advisories;
mod cases;
mod claims;
mod csaf_sources;
mod documents;
mod feeds;
mod frontier;
mod identity;
mod intake;
mod inventory;
mod lease;
mod notices;
mod obligations;
mod partners;
mod patches;
mod priorities;
mod programs;
mod reliability;
mod reminders;
mod reviews;
mod sboms;
mod scan_evidence;
mod sealing;
mod signing;
#[doc(hidden)]
pub mod testing;
mod tool_evidence;
mod tools;
mod triage;
mod tx;
mod validations;
mod webhooks;

pub use advisories::{
    ADVISORY_CHUNK, AdvisoryPackage, AdvisoryReceipt, CompiledAdvisory, MAX_ADVISORY_PAGE,
    MAX_COMPILED_PAGE, NewAdvisory, StoredAdvisory,
};
pub use aixcc::{AixccSubmission, AixccTool, NewAixccBundle, NewAixccPart};
pub use assessments::{
    AUTOMATABLE, Assessment, CaseAssessment, EXPLOITATION, MISSION_WELLBEING, TECHNICAL_IMPACT,
};
pub use audit::{AuditQuery, AuditVerification};
/// The content address of every document the store keeps; defined in
/// `bulwark-core` (with [`bulwark_core::ContentAddress`]) and re-exported for
/// the store's callers.
pub use bulwark_core::document_address;
pub use case_advisories::{
    AdvisoryChange, AdvisoryDocuments, AdvisoryRevision, NewAdvisoryRevision, NewCaseAdvisory,
    PublishedAdvisory, StoredCaseAdvisory, tracking_id,
};
pub use cases::{AwaitingTask, Case, Report};
pub use claims::{ClaimAttempt, DEFAULT_CLAIM_LEASE, MAX_CLAIM_LEASE, NewClaim, ScanClaim};
pub use csaf_sources::{
    CsafRunCounts, CsafSourceDocument, CsafSourceRun, CsafSourceUpdate, MIN_CSAF_INTERVAL_SECS,
    NewCsafSource, StoredCsafSource,
};
pub use documents::{DOCUMENT_CHUNK, RawDocument, RawDocumentInfo, SentDocument};
pub use feeds::{
    FACTS_CHUNK, FEED_CHUNK, FeedCounts, ImportReceipt, KevCatalogInfo, NewCveAffected,
    NewCveRecord, NewEpssScore, NewKevEntry, StoredCveAffected, StoredCveRecord, StoredEpss,
    StoredKevEntry, VulnerabilityFacts,
};
pub use frontier::{
    NewDetermination, NewModel, StoredBenchmarkSet, StoredDetermination, StoredModel,
};
pub use identity::{
    Bootstrap, NewOrganization, NewUser, Organization, Session, TokenInfo, User, UserUpdate,
};
pub use intake::{IntakeItem, IntakeReceipt, NewReport, RECEIPT_CASES};
pub use inventory::{
    MAX_KEY_SYSTEMS, NewDirective, NewProduct, NewSystem, StoredDirective, StoredProduct,
    StoredSystem, SystemSbomRow, SystemUpdate,
};
pub use lease::{Job, LeaseGrant, LeaseOutcome};
pub use notices::{
    HeldComponent, NOTICE_EVENT, NewNotice, NoticeAdvisory, NoticeComponent, NoticesWritten,
    StoredNotice,
};
pub use obligations::{
    Applied, CountBy, NewObligation, ObligationChange, ObligationCounts, ObligationEvent,
    ObligationFilter, ObligationRequest, Revision, StoredObligation, SystemCounts, TrendPoint,
    TrendRow,
};
pub use partners::{AccessAnswer, Attestation, Grant, NewGrant, PartnerStanding};
pub use patches::{
    MAX_PATCH_BYTES, NewPatchFile, NewPatchValidation, NewRemediation, PatchSourceReliability,
    PatchTask, StoredPatchValidation, StoredRemediation,
};
pub use priorities::{MAX_KNOWN_CVES, PriorityKey, RankedAt};
pub use programs::{
    AccessApproval, GrantProposal, NewAccessRequest, ProgramFields, StoredAccessRequest,
    StoredProgram,
};
pub use reliability::SourceReliability;
pub use reminders::{
    ACCESS_RENEWAL_DAYS, GRANT_EXPIRING_DAYS, Reminder, WINDOW_REMINDER_DAYS, window_threshold,
};
pub use reviews::{
    DateChange, DossierDocument, Finding, FindingResponse, NewFinding, NewSubmission, Submission,
};
pub use sboms::{
    MAX_PACKAGE_COMPONENTS, MAX_SBOM_COMPONENTS, NewSbom, NewSbomComponent, NewSbomPurl,
    SBOM_COMPONENT_CHUNK, SbomComponent, StoredSbom,
};
pub use scan_evidence::ReleasedScan;
pub use sealing::derive_key;
pub use signing::{
    ActiveSigningKey, NewSigningKey, PublicSigningKey, SIGNING_KEY_PURPOSE, SecretKeyText,
};
pub use tool_evidence::{
    ClaimToValidation, MAX_TOOL_NAMES, ToolCounts, ToolVersionEvidence, ToolWeek,
};
pub use tools::{NewTool, StoredTool, ToolFields, ToolVersion};
pub use triage::{CaseTask, MAX_TRIAGE_PAGE, TriageBasis, TriageEntry};
pub use validations::{CaseValidation, NewValidation};
pub use webhooks::{
    AttemptOutcome, DeliveryRef, DeliveryState, DeliveryTarget, NewWebhookSubscription,
    PublishedEvent, WEBHOOK_KEY_PURPOSE, WEBHOOK_QUEUE, WebhookAttempt, WebhookDelivery,
    WebhookSecret, WebhookSubscription, event_matches,
};

/// The database behind a [`Store`].
#[derive(Clone, Debug)]
enum Backend {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// Runs `$body` with `$pool` bound to the back-end's pool; the body is
/// compiled once for each back-end.
macro_rules! with_pool {
    ($store:expr, $pool:ident => $body:expr) => {
        match &$store.backend {
            $crate::Backend::Sqlite($pool) => $body,
            $crate::Backend::Postgres($pool) => $body,
        }
    };
}

/// Runs `$body` inside a write transaction bound to `$tx` and commits it when
/// the body returns normally; an early `?` return rolls it back. On SQLite the
/// transaction waits for the store's turn to write ([`Store::write_turn`])
/// and then takes the write lock up front (`BEGIN IMMEDIATE`), so a
/// read-then-write body cannot fail half-way with `SQLITE_BUSY`.
macro_rules! write_tx {
    ($store:expr, $tx:ident => $body:expr) => {
        match &$store.backend {
            $crate::Backend::Sqlite(pool) => {
                let _turn = $store.write_turn().await?;
                let mut $tx = pool.begin_with("BEGIN IMMEDIATE").await?;
                let out = $body;
                $tx.commit().await?;
                out
            }
            $crate::Backend::Postgres(pool) => {
                let mut $tx = pool.begin().await?;
                let out = $body;
                $tx.commit().await?;
                out
            }
        }
    };
}
pub(crate) use {with_pool, write_tx};

/// What went wrong in the store. Callers map these to user-facing errors;
/// [`StoreError::Database`] is the only one that is the server's fault.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("not found")]
    NotFound,
    /// A uniqueness rule was broken, e.g. a name already taken.
    #[error("conflict: {0}")]
    Conflict(String),
    /// The request cannot be carried out as asked.
    #[error("invalid: {0}")]
    Invalid(String),
    #[error("Bulwark has already been bootstrapped: an operator organization exists")]
    AlreadyBootstrapped,
    /// A stored value does not parse: the database was changed outside Bulwark.
    #[error("corrupt row: {0}")]
    Corrupt(String),
    #[error(
        "unsupported database URL {0:?}: use a SQLite file path, sqlite://PATH or postgres://…"
    )]
    UnsupportedUrl(String),
    /// The database gave this change up for a concurrent one (a deadlock
    /// between two intakes that reached the same fingerprints in opposite
    /// orders, a serialization failure, SQLite busy past its timeout).
    /// Nothing was changed; the same request may succeed when retried.
    #[error("a concurrent change got in the way; nothing was changed, retry: {0}")]
    Contention(String),
    #[error("database error: {0}")]
    Database(#[source] sqlx::Error),
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        if let sqlx::Error::Database(db) = &e
            && db.is_unique_violation()
        {
            return StoreError::Conflict(unique_rule(db.as_ref()).to_owned());
        }
        if let sqlx::Error::Database(db) = &e
            && db.code().is_some_and(|c| {
                // PostgreSQL: deadlock_detected, serialization_failure,
                // lock_not_available. SQLite: SQLITE_BUSY, SQLITE_LOCKED
                // and their extended codes (the low byte is the primary).
                matches!(&*c, "40P01" | "40001" | "55P03")
                    || c.parse::<u32>().is_ok_and(|n| matches!(n & 0xff, 5 | 6))
            })
        {
            return StoreError::Contention(db.message().to_owned());
        }
        if let sqlx::Error::RowNotFound = e {
            return StoreError::NotFound;
        }
        StoreError::Database(e)
    }
}

/// The rule a unique violation broke, in the domain's words. The database's
/// own words (SQLite's `UNIQUE constraint failed: organizations.name`,
/// PostgreSQL's constraint names) describe the schema, not the request, so
/// they are never shown. The table is what tells the rules apart: each of
/// those a request can break has one unique rule beside its id. PostgreSQL
/// names the table; SQLite names `table.column` in its message.
fn unique_rule(db: &dyn sqlx::error::DatabaseError) -> &'static str {
    let sqlite_table = || {
        let (_, columns) = db.message().split_once("failed: ")?;
        Some(columns.split('.').next()?.trim())
    };
    match db.table().or_else(sqlite_table) {
        Some("organizations") => "an organization of that name exists",
        Some("users") => "a user with that username exists",
        Some("model_profiles") => "the organization has a model of that name",
        Some("benchmark_sets") => "that version of the benchmark set exists",
        Some("scan_targets") => "that scan target exists",
        Some("api_tokens" | "web_sessions") => "that credential exists",
        Some("csaf_sources") => "a CSAF source with that URL exists",
        _ => "a record with the same identity exists",
    }
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Who makes a change, for the audit log. `user` is `None` for changes made
/// by an administrator at the command line, with direct database access.
#[derive(Debug, Clone, Default)]
pub struct Actor {
    pub user: Option<Uuid>,
    pub org: Option<Uuid>,
    pub request_id: Option<String>,
}

impl Actor {
    /// An administrator at the command line of the machine that holds the database.
    pub fn cli() -> Self {
        Actor::default()
    }
}

/// A page of a list ordered by id; `next` is the id to continue after.
#[derive(Debug, Clone)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next: Option<Uuid>,
}

/// Where a page starts and how long it is. `limit` is clamped to 1..=500.
#[derive(Debug, Clone, Copy, Default)]
pub struct PageRequest {
    pub after: Option<Uuid>,
    pub limit: u32,
}

impl PageRequest {
    pub const DEFAULT_LIMIT: u32 = 50;
    pub const MAX_LIMIT: u32 = 500;

    fn effective_limit(self) -> i64 {
        let l = if self.limit == 0 {
            Self::DEFAULT_LIMIT
        } else {
            self.limit
        };
        i64::from(l.min(Self::MAX_LIMIT))
    }
}

/// Splits `limit + 1` fetched rows into a page and its continuation.
fn paginate<T>(mut rows: Vec<T>, limit: i64, id: impl Fn(&T) -> Uuid) -> Page<T> {
    let limit = usize::try_from(limit).unwrap_or(usize::MAX);
    let next = if rows.len() > limit {
        rows.truncate(limit);
        rows.last().map(id)
    } else {
        None
    };
    Page { items: rows, next }
}

/// The smallest UUID: the start of an id-ordered list.
const MIN_ID: Uuid = Uuid::nil();

/// Where a database URL points, read without opening anything: interfaces
/// say which database they open, and check a SQLite file's folder first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Location<'a> {
    /// A SQLite file at this path (as given, relative or absolute).
    Sqlite(&'a str),
    /// A PostgreSQL server.
    Postgres,
}

impl<'a> Location<'a> {
    /// Reads `url` as [`Store::connect`] does.
    pub fn of(url: &'a str) -> Result<Location<'a>> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(Location::Postgres);
        }
        let path = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
            .unwrap_or(url);
        if path.is_empty() || path.contains("://") {
            return Err(StoreError::UnsupportedUrl(url.to_owned()));
        }
        Ok(Location::Sqlite(path.split('?').next().unwrap_or(path)))
    }
}

/// A handle on the database; cheap to clone.
#[derive(Clone, Debug)]
pub struct Store {
    backend: Backend,
    /// SQLite's writers, one at a time, first come first served (see
    /// [`Store::write_turn`]); unused on PostgreSQL.
    writer: std::sync::Arc<tokio::sync::Mutex<()>>,
}

/// How long a write waits for its turn on SQLite before it gives up
/// (`Contention`, nothing changed): the busy timeout's, for the same reason.
const WRITE_WAIT: Duration = Duration::from_secs(10);

impl Store {
    /// Opens the database named by `url`: `postgres://…` or `postgresql://…`
    /// for PostgreSQL; `sqlite://PATH`, `sqlite:PATH` or a plain file path for
    /// SQLite (the file is created when missing). Does not migrate.
    pub async fn connect(url: &str) -> Result<Store> {
        let path = match Location::of(url)? {
            Location::Postgres => {
                let opts = PgConnectOptions::from_str(url).map_err(StoreError::Database)?;
                return Self::connect_postgres(opts).await;
            }
            Location::Sqlite(path) => path,
        };
        let opts = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10))
            // A page cache of up to 32 MiB a connection (SQLite's default is
            // 2 MiB). An intake writes a whole document in one transaction;
            // with a small cache its pages spill to the WAL, and every later
            // read then searches a WAL that grows with the document
            // (`walFindFrame` dominated a 1 GB intake, which slowed as it went).
            .pragma("cache_size", "-32768");
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .min_connections(1)
            .connect_with(opts)
            .await?;
        Ok(Store {
            backend: Backend::Sqlite(pool),
            writer: Default::default(),
        })
    }

    /// Opens PostgreSQL with explicit options (tests use this to pick a schema).
    pub async fn connect_postgres(opts: PgConnectOptions) -> Result<Store> {
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(opts)
            .await?;
        Ok(Store {
            backend: Backend::Postgres(pool),
            writer: Default::default(),
        })
    }

    /// On SQLite, this store's turn to write, held until the guard drops;
    /// on PostgreSQL nothing (it locks rows, not the database).
    ///
    /// SQLite has one writer at a time. Left to itself, a writer that finds
    /// the database locked sleeps in SQLite's busy handler, in steps of up to
    /// 100 ms, and tries again: under eight concurrent intakes a few writers
    /// lost that draw again and again (p50 8 ms, p99 0.5 s, max 2.2 s in
    /// `scripts/bench-intake-load.sh`). Queued here instead, writers go in
    /// the order they came, each woken the moment the one before commits,
    /// and a waiting writer holds no connection, which stay free for reads.
    /// (The busy timeout still covers another process writing to the file.)
    pub(crate) async fn write_turn(&self) -> Result<Option<tokio::sync::MutexGuard<'_, ()>>> {
        match self.backend {
            Backend::Postgres(_) => Ok(None),
            Backend::Sqlite(_) => tokio::time::timeout(WRITE_WAIT, self.writer.lock())
                .await
                .map(Some)
                .map_err(|_| {
                    StoreError::Contention(format!(
                        "the database was busy with other writes for {} s",
                        WRITE_WAIT.as_secs()
                    ))
                }),
        }
    }

    /// `"sqlite"` or `"postgres"`.
    pub fn backend_name(&self) -> &'static str {
        match self.backend {
            Backend::Sqlite(_) => "sqlite",
            Backend::Postgres(_) => "postgres",
        }
    }

    /// Applies the back-end's migrations that have not run yet.
    pub async fn migrate(&self) -> Result<()> {
        match &self.backend {
            Backend::Sqlite(pool) => sqlx::migrate!("migrations/sqlite").run(pool).await?,
            Backend::Postgres(pool) => sqlx::migrate!("migrations/postgres").run(pool).await?,
        }
        Ok(())
    }

    /// A round trip to the database, for readiness checks.
    pub async fn ping(&self) -> Result<()> {
        with_pool!(self, pool => {
            sqlx::query("SELECT 1").execute(pool).await?;
        });
        Ok(())
    }

    /// Closes every connection; pending work finishes first.
    pub async fn close(&self) {
        with_pool!(self, pool => pool.close().await)
    }

    /// Runs raw SQL outside every rule of the store. Only tests use it, to play
    /// an attacker who edits the database behind Bulwark's back.
    #[doc(hidden)]
    pub async fn execute_unchecked(&self, sql: &str) -> Result<u64> {
        let sql = sqlx::AssertSqlSafe(sql.to_owned());
        with_pool!(self, pool => {
            Ok(sqlx::raw_sql(sql).execute(pool).await?.rows_affected())
        })
    }
}

/// Parses a stored enum value, naming the column when it does not parse.
fn parse_col<T: FromStr>(column: &str, value: &str) -> Result<T> {
    value
        .parse()
        .map_err(|_| StoreError::Corrupt(format!("{column} = {value:?}")))
}
