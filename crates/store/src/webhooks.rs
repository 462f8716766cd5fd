//! Notifications: a durable outbox and webhook subscriptions.
//!
//! An event is published by writing it to `outbox_events` and queuing one
//! delivery per matching active subscription, in the same transaction as the
//! change that caused it (see [`publish_in_tx!`] for other store modules, and
//! [`Store::publish_event`] for callers outside the store). Nothing is sent
//! here: a delivery is a job on the [`WEBHOOK_QUEUE`] queue, and the server's
//! worker claims it, sends it, and reports back with
//! [`Store::webhook_attempt_finish`]. Because the outbox and the jobs live in
//! the database, a restart loses no event.
//!
//! A delivery's id is its job's id, so the job's retry state (attempts, next
//! run, dead) is the delivery's state and nothing is kept twice.
//!
//! A subscription's HMAC key is stored sealed ([`crate::sealing`]) under the
//! [`WEBHOOK_KEY_PURPOSE`] sub-key of the master key the caller passes in;
//! the store never sees the master key otherwise. A subscription records the
//! user it was made by: the server delivers an event to it only if that user
//! may read what the event is about, and drops the delivery otherwise.
//!
//! Subscriptions are audited like every change; a published event is audited
//! once; of the deliveries, only the end of each (delivered or dead-lettered)
//! is audited, since every retry in the log would drown it. Each attempt is
//! kept in `webhook_attempts` so it can be shown.

use bulwark_core::{AuditEvent, from_micros, to_micros};
use serde::Serialize;
use serde_json::json;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::audit::append_audit;
use crate::lease::Job;
use crate::sealing::{derive_key, open, seal};
use crate::{Actor, Result, Store, StoreError, with_pool, write_tx};

/// The job queue that carries webhook deliveries.
pub const WEBHOOK_QUEUE: &str = "webhook";

/// The purpose under which webhook secrets are sealed: see
/// [`crate::sealing::derive_key`].
pub const WEBHOOK_KEY_PURPOSE: &str = "webhook-secret";

/// A subscription's HMAC key. It cannot be stored hashed (the worker needs it
/// to sign), so it is stored sealed and only the worker ever reads it back;
/// `Debug` redacts it so that it cannot reach a log by accident.
#[derive(Clone, PartialEq, Eq)]
pub struct WebhookSecret(String);

impl WebhookSecret {
    /// At least 16 bytes, so a signature cannot be forged by guessing the key.
    pub fn new(secret: impl Into<String>) -> Result<Self> {
        let secret = secret.into();
        if secret.len() < 16 || secret.len() > 512 {
            return Err(StoreError::Invalid(
                "a webhook secret must be 16 to 512 bytes".into(),
            ));
        }
        Ok(WebhookSecret(secret))
    }

    pub fn expose(&self) -> &[u8] {
        self.0.as_bytes()
    }
}

impl std::fmt::Debug for WebhookSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("WebhookSecret(<redacted>)")
    }
}

/// A subscription to create.
#[derive(Debug, Clone)]
pub struct NewWebhookSubscription {
    pub owner_org: Uuid,
    /// The user the subscription acts for: an enabled member of `owner_org`.
    pub created_by: Uuid,
    /// `http://` or `https://`.
    pub url: String,
    pub secret: WebhookSecret,
    /// Event types to receive: an exact type (`review.concluded`), a prefix
    /// (`review.*`) or everything (`*`). At least one.
    pub event_types: Vec<String>,
}

/// A subscription as shown: never with its secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WebhookSubscription {
    pub id: Uuid,
    pub owner_org: Uuid,
    /// The user events are delivered on behalf of; none for subscriptions
    /// from before this was recorded (they receive nothing).
    pub created_by: Option<Uuid>,
    pub url: String,
    pub event_types: Vec<String>,
    pub active: bool,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

/// What publishing produced: the event and the deliveries queued for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublishedEvent {
    pub event_id: Uuid,
    /// One per matching active subscription; each is also a job id.
    pub deliveries: Vec<Uuid>,
}

/// The job payload of a delivery. The ids only: the worker reads the rest
/// when it runs, so a job never carries the secret.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct DeliveryRef {
    pub delivery: Uuid,
    pub event: Uuid,
    pub subscription: Uuid,
}

/// Everything the worker needs to send one delivery.
#[derive(Debug, Clone)]
pub struct DeliveryTarget {
    pub delivery_id: Uuid,
    pub event_id: Uuid,
    pub event_type: String,
    /// The event's JSON, as published.
    pub payload: String,
    pub event_created_at: OffsetDateTime,
    pub subscription_id: Uuid,
    pub owner_org: Uuid,
    /// The user the delivery is made on behalf of.
    pub created_by: Option<Uuid>,
    pub url: String,
    /// `None` when the stored secret cannot be opened (another key, or a
    /// subscription from before secrets were sealed): nothing can be signed.
    pub secret: Option<WebhookSecret>,
    pub active: bool,
}

/// Where a delivery stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryState {
    /// Waiting for its first or next attempt.
    Pending,
    Delivered,
    /// Gave up after the attempt limit; [`Store::webhook_redeliver`] revives it.
    Dead,
    /// Not sent: the subscriber may not read what the event is about.
    Dropped,
}

/// A delivery as shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WebhookDelivery {
    pub id: Uuid,
    pub event_id: Uuid,
    pub subscription_id: Uuid,
    pub state: DeliveryState,
    /// Attempts in the current round (a redelivery starts a new round).
    pub attempts: i32,
    #[serde(with = "time::serde::rfc3339")]
    pub next_attempt_at: OffsetDateTime,
    pub last_error: Option<String>,
}

/// How an attempt ended, as the worker decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttemptOutcome {
    Delivered,
    /// Try again from this instant.
    Retry(OffsetDateTime),
    /// Give up: dead-letter the delivery.
    Dead,
    /// Not for this subscriber (the policy says it may not read the
    /// event's subject, or its user is gone): done, never retried.
    Dropped,
}

impl AttemptOutcome {
    fn word(self) -> &'static str {
        match self {
            AttemptOutcome::Delivered => "delivered",
            AttemptOutcome::Retry(_) => "retry",
            AttemptOutcome::Dead => "dead",
            AttemptOutcome::Dropped => "dropped",
        }
    }
}

/// One recorded attempt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WebhookAttempt {
    pub attempt: i32,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    /// The receiver's HTTP status, when it answered.
    pub status_code: Option<i32>,
    /// Why the attempt failed, when it did.
    pub error: Option<String>,
    /// `delivered`, `retry`, `dead` or `dropped`.
    pub outcome: String,
}

/// Checks an event type: 1 to 128 bytes of `a-z 0-9 . _ -`, so patterns and
/// the `Bulwark-Event` header stay unambiguous.
pub(crate) fn check_event_type(event_type: &str) -> Result<()> {
    let ok = !event_type.is_empty()
        && event_type.len() <= 128
        && event_type
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b));
    if ok {
        Ok(())
    } else {
        Err(StoreError::Invalid(format!(
            "event type {event_type:?} must be 1 to 128 characters of a-z, 0-9, '.', '_', '-'"
        )))
    }
}

fn check_pattern(pattern: &str) -> Result<()> {
    if pattern == "*" {
        return Ok(());
    }
    check_event_type(pattern.strip_suffix(".*").unwrap_or(pattern))
}

/// Whether a subscription's patterns take `event_type`.
pub fn event_matches(patterns: &[String], event_type: &str) -> bool {
    patterns.iter().any(|p| {
        p == "*"
            || p == event_type
            || p.strip_suffix('*')
                .is_some_and(|prefix| prefix.ends_with('.') && event_type.starts_with(prefix))
    })
}

fn check_url(url: &str) -> Result<()> {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"));
    match rest {
        Some(r) if !r.is_empty() && url.len() <= 2048 && !url.chars().any(char::is_whitespace) => {
            Ok(())
        }
        _ => Err(StoreError::Invalid(
            "a webhook URL must be http:// or https://, at most 2048 bytes, without spaces".into(),
        )),
    }
}

/// Reads a subscription's stored patterns; `pub(crate)` for [`publish_in_tx!`].
pub(crate) fn parse_patterns(text: &str) -> Result<Vec<String>> {
    serde_json::from_str(text).map_err(|_| StoreError::Corrupt(format!("event_types = {text:?}")))
}

/// Publishes an event inside the write transaction `$tx`: writes the outbox
/// row, queues a delivery per matching active subscription, and appends the
/// audit entry, all committed with the caller's change. Evaluates to a
/// [`PublishedEvent`]. The event type must have been checked with
/// `check_event_type` first. A macro, like `append_audit!`, so it compiles
/// against either back-end's transaction.
macro_rules! publish_in_tx {
    ($tx:expr, $actor:expr, $event_type:expr, $payload:expr, $now:expr) => {{
        let event_type: &str = $event_type;
        let payload: &serde_json::Value = $payload;
        let now_us: i64 = bulwark_core::to_micros($now);
        let event_id = uuid::Uuid::now_v7();
        sqlx::query(
            "INSERT INTO outbox_events (id, event_type, payload, created_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(event_id)
        .bind(event_type)
        .bind(payload.to_string())
        .bind(now_us)
        .execute(&mut *$tx)
        .await?;
        let subs: Vec<(uuid::Uuid, String)> = sqlx::query_as(
            "SELECT id, event_types FROM webhook_subscriptions WHERE active = $1 ORDER BY id",
        )
        .bind(true)
        .fetch_all(&mut *$tx)
        .await?;
        let mut deliveries = Vec::new();
        for (sub_id, patterns) in subs {
            if !$crate::webhooks::event_matches(
                &$crate::webhooks::parse_patterns(&patterns)?,
                event_type,
            ) {
                continue;
            }
            let delivery = uuid::Uuid::now_v7();
            let job_payload = serde_json::to_string(&$crate::webhooks::DeliveryRef {
                delivery,
                event: event_id,
                subscription: sub_id,
            })
            .map_err(|e| $crate::StoreError::Invalid(e.to_string()))?;
            sqlx::query(
                "INSERT INTO jobs (id, queue, payload, run_at, created_at) VALUES ($1, $2, $3, $4, $4)",
            )
            .bind(delivery)
            .bind($crate::webhooks::WEBHOOK_QUEUE)
            .bind(job_payload)
            .bind(now_us)
            .execute(&mut *$tx)
            .await?;
            sqlx::query(
                "INSERT INTO webhook_deliveries (id, event_id, subscription_id, created_at) \
                 VALUES ($1, $2, $3, $4)",
            )
            .bind(delivery)
            .bind(event_id)
            .bind(sub_id)
            .bind(now_us)
            .execute(&mut *$tx)
            .await?;
            deliveries.push(delivery);
        }
        $crate::audit::append_audit!(
            $tx,
            $actor,
            bulwark_core::AuditEvent::new("event.publish", "outbox_event", event_id)
                .with_detail(serde_json::json!({"type": event_type, "deliveries": deliveries.len()})),
            now_us
        );
        $crate::webhooks::PublishedEvent {
            event_id,
            deliveries,
        }
    }};
}
#[allow(unused_imports)]
pub(crate) use publish_in_tx;

#[derive(sqlx::FromRow)]
struct SubscriptionRow {
    id: Uuid,
    owner_org: Uuid,
    created_by: Option<Uuid>,
    url: String,
    event_types: String,
    active: bool,
    created_at: i64,
}

impl SubscriptionRow {
    fn into_subscription(self) -> Result<WebhookSubscription> {
        Ok(WebhookSubscription {
            id: self.id,
            owner_org: self.owner_org,
            created_by: self.created_by,
            url: self.url,
            event_types: parse_patterns(&self.event_types)?,
            active: self.active,
            created_at: from_micros(self.created_at),
        })
    }
}

#[derive(sqlx::FromRow)]
struct TargetRow {
    delivery_id: Uuid,
    event_id: Uuid,
    event_type: String,
    payload: String,
    event_created_at: i64,
    subscription_id: Uuid,
    owner_org: Uuid,
    created_by: Option<Uuid>,
    url: String,
    secret_sealed: Option<Vec<u8>>,
    active: bool,
}

#[derive(sqlx::FromRow)]
struct DeliveryRow {
    id: Uuid,
    event_id: Uuid,
    subscription_id: Uuid,
    attempts: i32,
    run_at: i64,
    done_at: Option<i64>,
    dead: bool,
    dropped_at: Option<i64>,
    last_error: Option<String>,
}

impl From<DeliveryRow> for WebhookDelivery {
    fn from(r: DeliveryRow) -> Self {
        let state = match (r.done_at, r.dead, r.dropped_at) {
            (_, true, _) => DeliveryState::Dead,
            (Some(_), false, Some(_)) => DeliveryState::Dropped,
            (Some(_), false, None) => DeliveryState::Delivered,
            (None, false, _) => DeliveryState::Pending,
        };
        WebhookDelivery {
            id: r.id,
            event_id: r.event_id,
            subscription_id: r.subscription_id,
            state,
            attempts: r.attempts,
            next_attempt_at: from_micros(r.run_at),
            last_error: r.last_error,
        }
    }
}

#[derive(sqlx::FromRow)]
struct AttemptRow {
    attempt: i32,
    at: i64,
    status_code: Option<i32>,
    error: Option<String>,
    outcome: String,
}

const SUBSCRIPTION_COLUMNS: &str =
    "id, owner_org, created_by, url, event_types, active, created_at";
const DELIVERY_SELECT: &str = "SELECT d.id, d.event_id, d.subscription_id, j.attempts, j.run_at, \
     j.done_at, j.dead, d.dropped_at, j.last_error FROM webhook_deliveries d JOIN jobs j ON j.id = d.id";

/// Associated data binding a sealed secret to its subscription.
fn secret_aad(subscription: Uuid) -> Vec<u8> {
    let mut v = b"webhook_subscriptions.secret_sealed:".to_vec();
    v.extend_from_slice(subscription.as_bytes());
    v
}

impl Store {
    /// Adds a subscription. The secret is sealed under the
    /// [`WEBHOOK_KEY_PURPOSE`] sub-key of `master_key`, written once and
    /// never returned. `created_by` must be an enabled user of the owner.
    pub async fn create_webhook_subscription(
        &self,
        actor: &Actor,
        new: &NewWebhookSubscription,
        master_key: &[u8; 32],
        now: OffsetDateTime,
    ) -> Result<WebhookSubscription> {
        check_url(&new.url)?;
        if new.event_types.is_empty() || new.event_types.len() > 64 {
            return Err(StoreError::Invalid(
                "a subscription names 1 to 64 event types (\"*\" for all)".into(),
            ));
        }
        for p in &new.event_types {
            check_pattern(p)?;
        }
        let patterns = serde_json::to_string(&new.event_types)
            .map_err(|e| StoreError::Invalid(e.to_string()))?;
        let id = Uuid::now_v7();
        let key = derive_key(master_key, WEBHOOK_KEY_PURPOSE);
        let sealed = seal(&key, &secret_aad(id), new.secret.expose())?;
        let at = to_micros(now);
        write_tx!(self, tx => {
            let org: Option<(Uuid,)> = sqlx::query_as("SELECT id FROM organizations WHERE id = $1")
                .bind(new.owner_org).fetch_optional(&mut *tx).await?;
            if org.is_none() {
                return Err(StoreError::Invalid("the owner organization does not exist".into()));
            }
            let member: Option<(Uuid,)> = sqlx::query_as(
                "SELECT id FROM users WHERE id = $1 AND org_id = $2 AND disabled = FALSE")
                .bind(new.created_by).bind(new.owner_org).fetch_optional(&mut *tx).await?;
            if member.is_none() {
                return Err(StoreError::Invalid(
                    "a subscription is made by an enabled user of its organization".into()));
            }
            sqlx::query("INSERT INTO webhook_subscriptions \
                         (id, owner_org, created_by, url, secret_sealed, event_types, active, created_at) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)")
                .bind(id).bind(new.owner_org).bind(new.created_by).bind(&new.url).bind(&sealed)
                .bind(&patterns).bind(true).bind(at)
                .execute(&mut *tx).await?;
            // Not the URL: it may carry a token in its query.
            append_audit!(tx, actor, AuditEvent::new("webhook.subscribe", "webhook_subscription", id)
                .with_detail(json!({"owner_org": new.owner_org, "created_by": new.created_by,
                                    "event_types": new.event_types})), at);
        });
        self.webhook_subscription(id).await
    }

    /// One subscription, without its secret.
    pub async fn webhook_subscription(&self, id: Uuid) -> Result<WebhookSubscription> {
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT {SUBSCRIPTION_COLUMNS} FROM webhook_subscriptions WHERE id = $1"
        ));
        let row: Option<SubscriptionRow> = with_pool!(self, pool => {
            sqlx::query_as(sql).bind(id).fetch_optional(pool).await?
        });
        row.ok_or(StoreError::NotFound)?.into_subscription()
    }

    /// An organization's subscriptions, oldest first, without secrets.
    pub async fn webhook_subscriptions(&self, owner_org: Uuid) -> Result<Vec<WebhookSubscription>> {
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT {SUBSCRIPTION_COLUMNS} FROM webhook_subscriptions WHERE owner_org = $1 ORDER BY id"
        ));
        let rows: Vec<SubscriptionRow> = with_pool!(self, pool => {
            sqlx::query_as(sql).bind(owner_org).fetch_all(pool).await?
        });
        rows.into_iter()
            .map(SubscriptionRow::into_subscription)
            .collect()
    }

    /// Turns a subscription on or off. An inactive subscription gets no new
    /// deliveries; those already queued are dead-lettered when they come up,
    /// so they can be redelivered once it is on again.
    pub async fn set_webhook_subscription_active(
        &self,
        actor: &Actor,
        id: Uuid,
        active: bool,
        now: OffsetDateTime,
    ) -> Result<WebhookSubscription> {
        let at = to_micros(now);
        write_tx!(self, tx => {
            let n = sqlx::query("UPDATE webhook_subscriptions SET active = $1 WHERE id = $2")
                .bind(active).bind(id).execute(&mut *tx).await?.rows_affected();
            if n == 0 {
                return Err(StoreError::NotFound);
            }
            let action = if active { "webhook.activate" } else { "webhook.deactivate" };
            append_audit!(tx, actor, AuditEvent::new(action, "webhook_subscription", id), at);
        });
        self.webhook_subscription(id).await
    }

    /// Writes `payload` to the outbox as an event of `event_type` and queues
    /// a delivery to every active subscription that takes it, with its audit
    /// entry, in one transaction. Store methods that change domain state
    /// publish inside their own transaction with `publish_in_tx!` instead.
    ///
    /// Every matching subscription gets a delivery, whoever owns it; the
    /// server's worker then drops those whose user may not read what the
    /// event is about (its `submission`, `grant` or `finding`), and sends an
    /// event that names no known subject to the operator's subscriptions only.
    pub async fn publish_event(
        &self,
        actor: &Actor,
        event_type: &str,
        payload: &serde_json::Value,
        now: OffsetDateTime,
    ) -> Result<PublishedEvent> {
        check_event_type(event_type)?;
        Ok(write_tx!(self, tx => publish_in_tx!(tx, actor, event_type, payload, now)))
    }

    /// What the worker needs to send delivery `delivery_id`, with the
    /// secret opened under the [`WEBHOOK_KEY_PURPOSE`] sub-key of `master_key`.
    pub async fn webhook_delivery_target(
        &self,
        delivery_id: Uuid,
        master_key: &[u8; 32],
    ) -> Result<DeliveryTarget> {
        let row: Option<TargetRow> = with_pool!(self, pool => {
            sqlx::query_as(
                "SELECT d.id AS delivery_id, e.id AS event_id, e.event_type, e.payload, \
                 e.created_at AS event_created_at, s.id AS subscription_id, s.owner_org, s.created_by, \
                 s.url, s.secret_sealed, s.active \
                 FROM webhook_deliveries d JOIN outbox_events e ON e.id = d.event_id \
                 JOIN webhook_subscriptions s ON s.id = d.subscription_id WHERE d.id = $1",
            )
            .bind(delivery_id).fetch_optional(pool).await?
        });
        let r = row.ok_or(StoreError::NotFound)?;
        let key = derive_key(master_key, WEBHOOK_KEY_PURPOSE);
        let secret = r.secret_sealed.as_deref().and_then(|sealed| {
            open(
                &key,
                &secret_aad(r.subscription_id),
                sealed,
                "webhook secret",
            )
            .ok()
            .and_then(|plain| String::from_utf8(plain).ok())
            .map(WebhookSecret)
        });
        Ok(DeliveryTarget {
            delivery_id: r.delivery_id,
            event_id: r.event_id,
            event_type: r.event_type,
            payload: r.payload,
            event_created_at: from_micros(r.event_created_at),
            subscription_id: r.subscription_id,
            owner_org: r.owner_org,
            created_by: r.created_by,
            url: r.url,
            secret,
            active: r.active,
        })
    }

    /// Records how an attempt at the claimed delivery `job` ended and moves
    /// the job on (done, retry at, or dead), in one transaction, so an
    /// attempt is never shown without its effect. False, and nothing
    /// written, if `worker` no longer holds the job (its lease lapsed and
    /// another worker took it).
    pub async fn webhook_attempt_finish(
        &self,
        job: &Job,
        worker: &str,
        status_code: Option<u16>,
        error: Option<&str>,
        outcome: AttemptOutcome,
        now: OffsetDateTime,
    ) -> Result<bool> {
        let at = to_micros(now);
        // Receivers' error texts are bounded so one cannot fill the table.
        let error: Option<String> = error.map(|e| e.chars().take(1000).collect());
        let last_error = error.clone().unwrap_or_default();
        let moved = write_tx!(self, tx => {
            let n = match outcome {
                AttemptOutcome::Delivered => sqlx::query(
                    "UPDATE jobs SET done_at = $1, lease_holder = NULL, lease_until = NULL, last_error = NULL \
                     WHERE id = $2 AND lease_holder = $3 AND done_at IS NULL")
                    .bind(at).bind(job.id).bind(worker).execute(&mut *tx).await?.rows_affected(),
                AttemptOutcome::Retry(retry_at) => sqlx::query(
                    "UPDATE jobs SET run_at = $1, lease_holder = NULL, lease_until = NULL, last_error = $2 \
                     WHERE id = $3 AND lease_holder = $4 AND done_at IS NULL")
                    .bind(to_micros(retry_at)).bind(&last_error).bind(job.id).bind(worker)
                    .execute(&mut *tx).await?.rows_affected(),
                AttemptOutcome::Dead => sqlx::query(
                    "UPDATE jobs SET done_at = $1, dead = TRUE, lease_holder = NULL, lease_until = NULL, last_error = $2 \
                     WHERE id = $3 AND lease_holder = $4 AND done_at IS NULL")
                    .bind(at).bind(&last_error).bind(job.id).bind(worker)
                    .execute(&mut *tx).await?.rows_affected(),
                AttemptOutcome::Dropped => {
                    let n = sqlx::query(
                        "UPDATE jobs SET done_at = $1, lease_holder = NULL, lease_until = NULL, last_error = $2 \
                         WHERE id = $3 AND lease_holder = $4 AND done_at IS NULL")
                        .bind(at).bind(&last_error).bind(job.id).bind(worker)
                        .execute(&mut *tx).await?.rows_affected();
                    if n == 1 {
                        sqlx::query("UPDATE webhook_deliveries SET dropped_at = $1 WHERE id = $2")
                            .bind(at).bind(job.id).execute(&mut *tx).await?;
                    }
                    n
                }
            };
            if n == 1 {
                sqlx::query("INSERT INTO webhook_attempts (id, delivery_id, attempt, at, status_code, error, outcome) \
                             VALUES ($1, $2, $3, $4, $5, $6, $7)")
                    .bind(Uuid::now_v7()).bind(job.id).bind(job.attempts).bind(at)
                    .bind(status_code.map(i32::from)).bind(&error).bind(outcome.word())
                    .execute(&mut *tx).await?;
                if !matches!(outcome, AttemptOutcome::Retry(_)) {
                    let action = match outcome {
                        AttemptOutcome::Delivered => "webhook.delivered",
                        AttemptOutcome::Dropped => "webhook.dropped",
                        _ => "webhook.dead_letter",
                    };
                    append_audit!(tx, &Actor::default(), AuditEvent::new(action, "webhook_delivery", job.id)
                        .with_detail(json!({"attempts": job.attempts, "status": status_code})), at);
                }
            }
            n == 1
        });
        Ok(moved)
    }

    /// Queues a dead-lettered delivery again, due at once, with a fresh
    /// attempt count; its earlier attempts stay on record. `Conflict` if the
    /// delivery is not dead (pending or already delivered).
    pub async fn webhook_redeliver(
        &self,
        actor: &Actor,
        delivery_id: Uuid,
        now: OffsetDateTime,
    ) -> Result<WebhookDelivery> {
        let at = to_micros(now);
        write_tx!(self, tx => {
            let known: Option<(Uuid,)> = sqlx::query_as("SELECT id FROM webhook_deliveries WHERE id = $1")
                .bind(delivery_id).fetch_optional(&mut *tx).await?;
            if known.is_none() {
                return Err(StoreError::NotFound);
            }
            let n = sqlx::query("UPDATE jobs SET done_at = NULL, dead = FALSE, attempts = 0, run_at = $1, \
                                 lease_holder = NULL, lease_until = NULL WHERE id = $2 AND queue = $3 AND dead = TRUE")
                .bind(at).bind(delivery_id).bind(WEBHOOK_QUEUE)
                .execute(&mut *tx).await?.rows_affected();
            if n == 0 {
                return Err(StoreError::Conflict("only a dead-lettered delivery can be redelivered".into()));
            }
            append_audit!(tx, actor, AuditEvent::new("webhook.redeliver", "webhook_delivery", delivery_id), at);
        });
        self.webhook_delivery(delivery_id).await
    }

    /// One delivery and where it stands.
    pub async fn webhook_delivery(&self, id: Uuid) -> Result<WebhookDelivery> {
        let sql = sqlx::AssertSqlSafe(format!("{DELIVERY_SELECT} WHERE d.id = $1"));
        let row: Option<DeliveryRow> = with_pool!(self, pool => {
            sqlx::query_as(sql).bind(id).fetch_optional(pool).await?
        });
        Ok(row.ok_or(StoreError::NotFound)?.into())
    }

    /// The deliveries of one event, oldest first.
    pub async fn webhook_deliveries_for_event(
        &self,
        event_id: Uuid,
    ) -> Result<Vec<WebhookDelivery>> {
        let sql = sqlx::AssertSqlSafe(format!(
            "{DELIVERY_SELECT} WHERE d.event_id = $1 ORDER BY d.id"
        ));
        let rows: Vec<DeliveryRow> = with_pool!(self, pool => {
            sqlx::query_as(sql).bind(event_id).fetch_all(pool).await?
        });
        Ok(rows.into_iter().map(Into::into).collect())
    }

    /// A subscription's deliveries, newest first, at most `limit`, older
    /// than the delivery `before` when given (ids are time-ordered), so a
    /// caller that filters what it shows can read on.
    pub async fn webhook_deliveries_for_subscription(
        &self,
        subscription_id: Uuid,
        before: Option<Uuid>,
        limit: i64,
    ) -> Result<Vec<WebhookDelivery>> {
        let limit = limit.clamp(1, 1000);
        let rows: Vec<DeliveryRow> = match before {
            None => {
                let sql = sqlx::AssertSqlSafe(format!(
                    "{DELIVERY_SELECT} WHERE d.subscription_id = $1 ORDER BY d.id DESC LIMIT $2"
                ));
                with_pool!(self, pool => {
                    sqlx::query_as(sql).bind(subscription_id).bind(limit).fetch_all(pool).await?
                })
            }
            Some(before) => {
                let sql = sqlx::AssertSqlSafe(format!(
                    "{DELIVERY_SELECT} WHERE d.subscription_id = $1 AND d.id < $2 ORDER BY d.id DESC LIMIT $3"
                ));
                with_pool!(self, pool => {
                    sqlx::query_as(sql).bind(subscription_id).bind(before).bind(limit).fetch_all(pool).await?
                })
            }
        };
        Ok(rows.into_iter().map(Into::into).collect())
    }

    /// Every attempt at one delivery, oldest first.
    pub async fn webhook_attempts(&self, delivery_id: Uuid) -> Result<Vec<WebhookAttempt>> {
        let rows: Vec<AttemptRow> = with_pool!(self, pool => {
            sqlx::query_as("SELECT attempt, at, status_code, error, outcome FROM webhook_attempts \
                            WHERE delivery_id = $1 ORDER BY at, id")
                .bind(delivery_id).fetch_all(pool).await?
        });
        Ok(rows
            .into_iter()
            .map(|r| WebhookAttempt {
                attempt: r.attempt,
                at: from_micros(r.at),
                status_code: r.status_code,
                error: r.error,
                outcome: r.outcome,
            })
            .collect())
    }

    /// An event from the outbox: its type, JSON and when it was published.
    pub async fn outbox_event(&self, id: Uuid) -> Result<(String, String, OffsetDateTime)> {
        let row: Option<(String, String, i64)> = with_pool!(self, pool => {
            sqlx::query_as("SELECT event_type, payload, created_at FROM outbox_events WHERE id = $1")
                .bind(id).fetch_optional(pool).await?
        });
        let (t, p, c) = row.ok_or(StoreError::NotFound)?;
        Ok((t, p, from_micros(c)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns() {
        let p = |v: &[&str]| v.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        assert!(event_matches(&p(&["*"]), "review.concluded"));
        assert!(event_matches(&p(&["review.*"]), "review.concluded"));
        assert!(!event_matches(&p(&["review.*"]), "reviewer.added"));
        assert!(event_matches(
            &p(&["case.opened", "review.concluded"]),
            "review.concluded"
        ));
        assert!(!event_matches(&p(&["case.opened"]), "case.opened.late"));
        assert!(check_pattern("review.*").is_ok());
        assert!(check_pattern("Review").is_err());
        assert!(check_event_type("").is_err());
        assert!(check_url("ftp://x").is_err());
        assert!(check_url("https://").is_err());
        assert!(check_url("https://example.org/hook").is_ok());
        assert!(WebhookSecret::new("short").is_err());
        let s = WebhookSecret::new("0123456789abcdef").expect("secret");
        assert!(!format!("{s:?}").contains("0123"));
    }
}
