//! Obligations: what a directive requires of an agency's system, by when,
//! and everything that happened to each (events), with the agency's
//! answers and the issuer's decisions on requests for more time.
//!
//! The store never decides an obligation: the application evaluates the
//! directive and hands over changes ([`ObligationChange`]); each change is
//! written with its event in the same transaction, and a batch with one
//! audit entry naming its reason and counts, so a due date never moves
//! without a recorded reason.

use bulwark_core::{
    Answer, AuditEvent, ObligationState, RequestKind, RequestState, from_micros, to_micros,
};
use serde::Serialize;
use serde_json::{Value, json};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::audit::append_audit;
use crate::webhooks::publish_in_tx;
use crate::{
    Actor, MIN_ID, Page, PageRequest, Result, Store, StoreError, paginate, parse_col, with_pool,
    write_tx,
};

/// Rows per multi-row insert.
const CHUNK: usize = 200;

/// An obligation to create.
#[derive(Debug, Clone, PartialEq)]
pub struct NewObligation {
    pub org_id: Uuid,
    pub system_id: Uuid,
    /// `purl:<purl>` for an SBOM component, `product:<id>` for a product,
    /// `system:<id>` for a directive's requirement on the system itself.
    pub subject: String,
    /// `component`, `product` or `system`.
    pub subject_kind: String,
    pub subject_name: String,
    pub subject_version: Option<String>,
    pub vulnerability: String,
    pub directive_id: String,
    pub directive_version: String,
    pub rule: String,
    pub action: String,
    pub timeline: String,
    pub trigger_at: OffsetDateTime,
    pub due_at: Option<OffsetDateTime>,
    pub forensic: bool,
    /// The directive's evaluation as JSON: rule, deadlines, report and the
    /// explanation of every input.
    pub evaluation: Value,
}

/// What the directive now says of an existing obligation.
#[derive(Debug, Clone, PartialEq)]
pub struct Revision {
    pub directive_version: String,
    pub rule: String,
    pub action: String,
    pub timeline: String,
    pub trigger_at: OffsetDateTime,
    pub due_at: Option<OffsetDateTime>,
    pub forensic: bool,
    pub evaluation: Value,
}

/// One change the application decided.
#[derive(Debug, Clone, PartialEq)]
pub enum ObligationChange {
    Create(NewObligation),
    /// The facts or the directive changed: a new rule or due date. An
    /// approved extension's date stays in force if it is later.
    Revise {
        id: Uuid,
        revision: Revision,
        reason: String,
    },
    /// The obligation ended by itself (the component is gone or fixed, the
    /// directive was revoked, the system left its scope).
    Close {
        id: Uuid,
        reason: String,
    },
    /// A closed obligation binds again (the component came back).
    Reopen {
        id: Uuid,
        revision: Revision,
        reason: String,
    },
}

/// What a batch did, by obligation id.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Applied {
    pub created: Vec<Uuid>,
    pub revised: Vec<Uuid>,
    pub closed: Vec<Uuid>,
    pub reopened: Vec<Uuid>,
}

impl Applied {
    pub fn is_empty(&self) -> bool {
        self.created.is_empty()
            && self.revised.is_empty()
            && self.closed.is_empty()
            && self.reopened.is_empty()
    }
}

/// An obligation as kept.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StoredObligation {
    pub id: Uuid,
    pub org_id: Uuid,
    pub system_id: Uuid,
    pub subject: String,
    pub subject_kind: String,
    pub subject_name: String,
    pub subject_version: Option<String>,
    pub vulnerability: String,
    pub directive_id: String,
    pub directive_version: String,
    pub rule: String,
    pub action: String,
    pub timeline: String,
    #[serde(with = "time::serde::rfc3339")]
    pub trigger_at: OffsetDateTime,
    /// In force: the directive's date or an approved extension.
    #[serde(with = "time::serde::rfc3339::option")]
    pub due_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub directive_due_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub extended_due_at: Option<OffsetDateTime>,
    pub forensic: bool,
    pub evaluation: Value,
    pub state: ObligationState,
    pub answer: Option<Answer>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub closed_at: Option<OffsetDateTime>,
    pub closed_reason: Option<String>,
    /// The due-date notices sent, e.g. `["7d", "3d"]`.
    pub notified: Vec<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

impl StoredObligation {
    /// Open and past its date in force.
    pub fn overdue(&self, now: OffsetDateTime) -> bool {
        self.state == ObligationState::Open && self.due_at.is_some_and(|d| d < now)
    }
}

#[derive(sqlx::FromRow)]
struct ObligationRow {
    id: Uuid,
    org_id: Uuid,
    system_id: Uuid,
    subject: String,
    subject_kind: String,
    subject_name: String,
    subject_version: Option<String>,
    vulnerability: String,
    directive_id: String,
    directive_version: String,
    rule: String,
    action: String,
    timeline: String,
    trigger_at: i64,
    due_at: Option<i64>,
    directive_due_at: Option<i64>,
    extended_due_at: Option<i64>,
    forensic: bool,
    evaluation: String,
    state: String,
    answer: Option<String>,
    closed_at: Option<i64>,
    closed_reason: Option<String>,
    notified: String,
    created_at: i64,
    updated_at: i64,
}

impl TryFrom<ObligationRow> for StoredObligation {
    type Error = StoreError;
    fn try_from(r: ObligationRow) -> Result<Self> {
        Ok(StoredObligation {
            id: r.id,
            org_id: r.org_id,
            system_id: r.system_id,
            subject: r.subject,
            subject_kind: r.subject_kind,
            subject_name: r.subject_name,
            subject_version: r.subject_version,
            vulnerability: r.vulnerability,
            directive_id: r.directive_id,
            directive_version: r.directive_version,
            rule: r.rule,
            action: r.action,
            timeline: r.timeline,
            trigger_at: from_micros(r.trigger_at),
            due_at: r.due_at.map(from_micros),
            directive_due_at: r.directive_due_at.map(from_micros),
            extended_due_at: r.extended_due_at.map(from_micros),
            forensic: r.forensic,
            evaluation: serde_json::from_str(&r.evaluation)
                .map_err(|_| StoreError::Corrupt(format!("obligations.evaluation of {}", r.id)))?,
            state: parse_col("obligations.state", &r.state)?,
            answer: r
                .answer
                .as_deref()
                .map(|a| parse_col("obligations.answer", a))
                .transpose()?,
            closed_at: r.closed_at.map(from_micros),
            closed_reason: r.closed_reason,
            notified: r
                .notified
                .split(',')
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect(),
            created_at: from_micros(r.created_at),
            updated_at: from_micros(r.updated_at),
        })
    }
}

const OBLIGATION_COLUMNS: &str = "id, org_id, system_id, subject, subject_kind, subject_name, \
     subject_version, vulnerability, directive_id, directive_version, rule, action, timeline, \
     trigger_at, due_at, directive_due_at, extended_due_at, forensic, evaluation, state, answer, \
     closed_at, closed_reason, notified, created_at, updated_at";

/// One event in an obligation's history.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ObligationEvent {
    pub obligation_id: Uuid,
    pub seq: u64,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    /// `created`, `revised`, `closed`, `reopened`, `answered`,
    /// `requested`, `decided`, `notice`.
    pub kind: String,
    pub actor_user: Option<Uuid>,
    pub detail: Value,
}

#[derive(sqlx::FromRow)]
struct EventRow {
    obligation_id: Uuid,
    seq: i64,
    at: i64,
    kind: String,
    actor_user: Option<Uuid>,
    detail: String,
}

/// An extension or exception request and its decision.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ObligationRequest {
    pub id: Uuid,
    pub obligation_id: Uuid,
    pub kind: RequestKind,
    pub requested_by: Option<Uuid>,
    #[serde(with = "time::serde::rfc3339")]
    pub requested_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub requested_due: Option<OffsetDateTime>,
    pub justification: String,
    pub state: RequestState,
    pub decided_by: Option<Uuid>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub decided_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub decided_due: Option<OffsetDateTime>,
    pub conditions: Option<String>,
    pub decision_note: Option<String>,
}

#[derive(sqlx::FromRow)]
struct RequestRow {
    id: Uuid,
    obligation_id: Uuid,
    kind: String,
    requested_by: Option<Uuid>,
    requested_at: i64,
    requested_due: Option<i64>,
    justification: String,
    state: String,
    decided_by: Option<Uuid>,
    decided_at: Option<i64>,
    decided_due: Option<i64>,
    conditions: Option<String>,
    decision_note: Option<String>,
}

impl TryFrom<RequestRow> for ObligationRequest {
    type Error = StoreError;
    fn try_from(r: RequestRow) -> Result<Self> {
        Ok(ObligationRequest {
            id: r.id,
            obligation_id: r.obligation_id,
            kind: parse_col("obligation_requests.kind", &r.kind)?,
            requested_by: r.requested_by,
            requested_at: from_micros(r.requested_at),
            requested_due: r.requested_due.map(from_micros),
            justification: r.justification,
            state: parse_col("obligation_requests.state", &r.state)?,
            decided_by: r.decided_by,
            decided_at: r.decided_at.map(from_micros),
            decided_due: r.decided_due.map(from_micros),
            conditions: r.conditions,
            decision_note: r.decision_note,
        })
    }
}

const REQUEST_COLUMNS: &str = "id, obligation_id, kind, requested_by, requested_at, requested_due, \
     justification, state, decided_by, decided_at, decided_due, conditions, decision_note";

/// Which obligations a list holds. Every field narrows.
#[derive(Debug, Clone, Default)]
pub struct ObligationFilter {
    pub org: Option<Uuid>,
    pub system: Option<Uuid>,
    pub state: Option<ObligationState>,
    pub vulnerability: Option<String>,
    pub directive: Option<String>,
    /// Open with a date in force before this instant.
    pub overdue_at: Option<OffsetDateTime>,
    /// Open with a date in force in `[from, until)`.
    pub due_between: Option<(OffsetDateTime, OffsetDateTime)>,
}

/// Counts of obligations under one key (an agency, a system, a directive,
/// a vulnerability).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ObligationCounts {
    /// The key's value: an organization or system id, a directive id, a
    /// vulnerability id.
    pub key: String,
    pub open: u64,
    /// Open, due within the window asked for (and not yet overdue).
    pub due_soon: u64,
    pub overdue: u64,
    pub closed: u64,
    /// Closed on or before the date in force.
    pub closed_on_time: u64,
    /// The date in force of the oldest overdue obligation.
    #[serde(with = "time::serde::rfc3339::option")]
    pub oldest_overdue: Option<OffsetDateTime>,
    /// Mean time from trigger to closing, in hours, over closed ones.
    pub mean_hours_to_close: Option<f64>,
}

/// One system's counts, with what the policy reads of the system.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SystemCounts {
    pub system: Uuid,
    pub org: Uuid,
    pub national_security: bool,
    pub counts: ObligationCounts,
}

/// One period of a trend.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct TrendPoint {
    /// Created in the period.
    pub created: u64,
    /// Closed in the period.
    pub closed: u64,
    /// Open at its end.
    pub open: u64,
    /// Open and past the date in force (as it stands now) at its end.
    pub overdue: u64,
}

/// A trend of one agency's systems of one kind (national security or not).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TrendRow {
    pub org_id: Uuid,
    pub national_security: bool,
    pub points: Vec<TrendPoint>,
}

/// What counts are grouped by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CountBy {
    Org,
    System,
    Directive,
    Vulnerability,
}

impl CountBy {
    fn column(self) -> &'static str {
        match self {
            CountBy::Org => "org_id",
            CountBy::System => "system_id",
            CountBy::Directive => "directive_id",
            CountBy::Vulnerability => "vulnerability",
        }
    }
}

#[derive(sqlx::FromRow)]
struct CountRow {
    open: Option<i64>,
    due_soon: Option<i64>,
    overdue: Option<i64>,
    closed: Option<i64>,
    closed_on_time: Option<i64>,
    oldest_overdue: Option<i64>,
    mean_us_to_close: Option<f64>,
}

/// Appends the next event of `$id` inside transaction `$tx`.
macro_rules! push_event {
    ($tx:expr, $id:expr, $kind:expr, $actor:expr, $detail:expr, $at:expr) => {{
        let (next,): (i64,) = sqlx::query_as(
            "SELECT COALESCE(MAX(seq), 0) + 1 FROM obligation_events WHERE obligation_id = $1",
        )
        .bind($id)
        .fetch_one(&mut *$tx)
        .await?;
        sqlx::query(
            "INSERT INTO obligation_events (obligation_id, seq, at, kind, actor_user, detail) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind($id)
        .bind(next)
        .bind($at)
        .bind($kind)
        .bind($actor.user)
        .bind(($detail as &Value).to_string())
        .execute(&mut *$tx)
        .await?;
    }};
}

/// Publishes `$events` (type, payload) inside `$tx` as `publish_in_tx!`
/// publishes each, in order: an outbox row, a delivery job per matching
/// active subscription, an `event.publish` audit entry (chained as one
/// `append_audit!` after another would chain them); in a few multi-row
/// statements instead of five per event, since an evaluation publishes one
/// event per system and kind, thousands at a time.
macro_rules! publish_all {
    ($tx:expr, $actor:expr, $events:expr, $now:expr) => {{
        let events: &[(&str, Value)] = $events;
        let actor: &Actor = $actor;
        let now_us = to_micros($now);
        let ids: Vec<Uuid> = events.iter().map(|_| Uuid::now_v7()).collect();
        for (chunk, ids) in events.chunks(CHUNK).zip(ids.chunks(CHUNK)) {
            let mut q = sqlx::QueryBuilder::new(
                "INSERT INTO outbox_events (id, event_type, payload, created_at) ",
            );
            q.push_values(chunk.iter().zip(ids), |mut row, ((kind, payload), id)| {
                row.push_bind(*id)
                    .push_bind(*kind)
                    .push_bind(payload.to_string())
                    .push_bind(now_us);
            });
            q.build().execute(&mut *$tx).await?;
        }
        let subs: Vec<(Uuid, String)> = sqlx::query_as(
            "SELECT id, event_types FROM webhook_subscriptions WHERE active = $1 ORDER BY id",
        )
        .bind(true)
        .fetch_all(&mut *$tx)
        .await?;
        let mut patterns = Vec::with_capacity(subs.len());
        for (id, text) in subs {
            patterns.push((id, crate::webhooks::parse_patterns(&text)?));
        }
        // (delivery, job payload, event, subscription)
        let mut jobs: Vec<(Uuid, String, Uuid, Uuid)> = Vec::new();
        let mut audit = Vec::with_capacity(events.len());
        for ((kind, _), id) in events.iter().zip(&ids) {
            let mut deliveries = 0usize;
            for (sub, pats) in &patterns {
                if !crate::webhooks::event_matches(pats, kind) {
                    continue;
                }
                let delivery = Uuid::now_v7();
                let job = serde_json::to_string(&crate::webhooks::DeliveryRef {
                    delivery,
                    event: *id,
                    subscription: *sub,
                })
                .map_err(|e| StoreError::Invalid(e.to_string()))?;
                jobs.push((delivery, job, *id, *sub));
                deliveries += 1;
            }
            let mut event = AuditEvent::new("event.publish", "outbox_event", *id)
                .with_detail(json!({"type": kind, "deliveries": deliveries}));
            event.actor_user = actor.user;
            event.actor_org = actor.org;
            event.request_id = actor.request_id.clone();
            audit.push(event);
        }
        for chunk in jobs.chunks(CHUNK) {
            let mut q = sqlx::QueryBuilder::new(
                "INSERT INTO jobs (id, queue, payload, run_at, created_at) ",
            );
            q.push_values(chunk, |mut row, (delivery, job, _, _)| {
                row.push_bind(*delivery)
                    .push_bind(crate::webhooks::WEBHOOK_QUEUE)
                    .push_bind(job.as_str())
                    .push_bind(now_us)
                    .push_bind(now_us);
            });
            q.build().execute(&mut *$tx).await?;
            let mut q = sqlx::QueryBuilder::new(
                "INSERT INTO webhook_deliveries (id, event_id, subscription_id, created_at) ",
            );
            q.push_values(chunk, |mut row, (delivery, _, event, sub)| {
                row.push_bind(*delivery)
                    .push_bind(*event)
                    .push_bind(*sub)
                    .push_bind(now_us);
            });
            q.build().execute(&mut *$tx).await?;
        }
        if !audit.is_empty() {
            let n = i64::try_from(audit.len()).unwrap_or(i64::MAX);
            let (last, mut prev_hash): (i64, String) = sqlx::query_as(
                "UPDATE audit_head SET seq = seq + $1 WHERE id = 1 RETURNING seq, hash",
            )
            .bind(n)
            .fetch_one(&mut *$tx)
            .await?;
            let mut entries = Vec::with_capacity(audit.len());
            for (i, event) in (0..).zip(&audit) {
                let entry = bulwark_core::AuditEntry::seal(event, last - n + i, &prev_hash, now_us);
                prev_hash = entry.hash.clone();
                entries.push(entry);
            }
            for chunk in entries.chunks(CHUNK) {
                let mut q = sqlx::QueryBuilder::new(
                    "INSERT INTO audit_log (seq, at_us, actor_user, actor_org, action, resource_type, \
                     resource_id, request_id, detail, prev_hash, hash) ",
                );
                q.push_values(chunk, |mut row, e| {
                    row.push_bind(e.seq)
                        .push_bind(e.at_us)
                        .push_bind(e.actor_user)
                        .push_bind(e.actor_org)
                        .push_bind(e.action.as_str())
                        .push_bind(e.resource_type.as_str())
                        .push_bind(e.resource_id.as_str())
                        .push_bind(e.request_id.as_deref())
                        .push_bind(e.detail.as_str())
                        .push_bind(e.prev_hash.as_str())
                        .push_bind(e.hash.as_str());
                });
                q.build().execute(&mut *$tx).await?;
            }
            sqlx::query("UPDATE audit_head SET hash = $1 WHERE id = 1")
                .bind(prev_hash)
                .execute(&mut *$tx)
                .await?;
        }
    }};
}
// Advisory notices (`notices.rs`) publish their events the same way.
pub(crate) use publish_all;

/// The event detail of a revision.
fn revision_detail(r: &Revision, reason: &str, before: Option<&StoredObligation>) -> Value {
    json!({
        "reason": reason,
        "directive_version": r.directive_version,
        "rule": r.rule,
        "timeline": r.timeline,
        "trigger_at": bulwark_core::rfc3339(r.trigger_at),
        "due_at": r.due_at.map(bulwark_core::rfc3339),
        "before": before.map(|b| json!({
            "directive_version": b.directive_version,
            "rule": b.rule,
            "timeline": b.timeline,
            "due_at": b.due_at.map(bulwark_core::rfc3339),
        })),
    })
}

impl Store {
    /// Writes a batch of changes, each with its event, in one transaction
    /// with one audit entry (`obligation.evaluate`, naming `reason` and the
    /// counts). A create that meets an existing obligation of the same
    /// (system, subject, vulnerability, directive) changes nothing: the
    /// application diffs before it asks, so this only absorbs a race. Each
    /// system's new, revised and closed obligations are published as one
    /// event per kind (`obligation.created`, `obligation.revised`,
    /// `obligation.closed`).
    pub async fn apply_obligation_changes(
        &self,
        actor: &Actor,
        changes: &[ObligationChange],
        reason: &str,
        now: OffsetDateTime,
    ) -> Result<Applied> {
        let mut applied = Applied::default();
        if changes.is_empty() {
            return Ok(applied);
        }
        let at = to_micros(now);
        let creates: Vec<&NewObligation> = changes
            .iter()
            .filter_map(|c| match c {
                ObligationChange::Create(n) => Some(n),
                _ => None,
            })
            .collect();
        // Existing rows revised, closed or reopened, read before the write.
        let mut before = std::collections::HashMap::new();
        for c in changes {
            let id = match c {
                ObligationChange::Revise { id, .. }
                | ObligationChange::Close { id, .. }
                | ObligationChange::Reopen { id, .. } => *id,
                ObligationChange::Create(_) => continue,
            };
            before.insert(id, self.obligation(id).await?);
        }
        // (system, org) → (kind → ids), for the published events.
        let mut published: std::collections::BTreeMap<(Uuid, Uuid), [Vec<Uuid>; 3]> =
            std::collections::BTreeMap::new();
        write_tx!(self, tx => {
            for chunk in creates.chunks(CHUNK) {
                let ids: Vec<Uuid> = chunk.iter().map(|_| Uuid::now_v7()).collect();
                let mut q = sqlx::QueryBuilder::new(
                    "INSERT INTO obligations (id, org_id, system_id, subject, subject_kind, subject_name, \
                     subject_version, vulnerability, directive_id, directive_version, rule, action, timeline, \
                     trigger_at, due_at, directive_due_at, forensic, evaluation, state, created_at, updated_at) ",
                );
                q.push_values(chunk.iter().zip(&ids), |mut row, (n, id)| {
                    let due = n.due_at.map(to_micros);
                    row.push_bind(*id)
                        .push_bind(n.org_id)
                        .push_bind(n.system_id)
                        .push_bind(n.subject.as_str())
                        .push_bind(n.subject_kind.as_str())
                        .push_bind(n.subject_name.as_str())
                        .push_bind(n.subject_version.as_deref())
                        .push_bind(n.vulnerability.as_str())
                        .push_bind(n.directive_id.as_str())
                        .push_bind(n.directive_version.as_str())
                        .push_bind(n.rule.as_str())
                        .push_bind(n.action.as_str())
                        .push_bind(n.timeline.as_str())
                        .push_bind(to_micros(n.trigger_at))
                        .push_bind(due)
                        .push_bind(due)
                        .push_bind(n.forensic)
                        .push_bind(n.evaluation.to_string())
                        .push_bind("open")
                        .push_bind(at)
                        .push_bind(at);
                });
                q.push(" ON CONFLICT (system_id, subject, vulnerability, directive_id) DO NOTHING RETURNING id");
                let made: Vec<(Uuid,)> = q.build_query_as().fetch_all(&mut *tx).await?;
                let made: std::collections::HashSet<Uuid> = made.into_iter().map(|(id,)| id).collect();
                let mut events = Vec::new();
                for (n, id) in chunk.iter().zip(&ids) {
                    if made.contains(id) {
                        events.push((*id, json!({
                            "reason": reason,
                            "directive": format!("{}@{}", n.directive_id, n.directive_version),
                            "rule": n.rule,
                            "due_at": n.due_at.map(bulwark_core::rfc3339),
                        })));
                        applied.created.push(*id);
                        published.entry((n.system_id, n.org_id)).or_default()[0].push(*id);
                    }
                }
                if !events.is_empty() {
                    let mut q = sqlx::QueryBuilder::new(
                        "INSERT INTO obligation_events (obligation_id, seq, at, kind, actor_user, detail) ",
                    );
                    q.push_values(&events, |mut row, (id, detail)| {
                        row.push_bind(*id).push_bind(1_i64).push_bind(at).push_bind("created")
                            .push_bind(actor.user).push_bind(detail.to_string());
                    });
                    q.build().execute(&mut *tx).await?;
                }
            }
            for c in changes {
                match c {
                    ObligationChange::Create(_) => {}
                    ObligationChange::Revise { id, revision: r, reason: why }
                    | ObligationChange::Reopen { id, revision: r, reason: why } => {
                        let reopen = matches!(c, ObligationChange::Reopen { .. });
                        let old = before.get(id).ok_or(StoreError::NotFound)?;
                        let directive_due = r.due_at.map(to_micros);
                        // An approved extension stays in force when later
                        // than the directive's new date.
                        let in_force = match (old.extended_due_at.map(to_micros), directive_due) {
                            (Some(ext), Some(d)) if ext > d && !reopen => Some(ext),
                            _ => directive_due,
                        };
                        sqlx::query(
                            "UPDATE obligations SET directive_version = $2, rule = $3, action = $4, timeline = $5, \
                             trigger_at = $6, due_at = $7, directive_due_at = $8, forensic = $9, evaluation = $10, \
                             updated_at = $11, state = 'open', \
                             closed_at = CASE WHEN $12 THEN NULL ELSE closed_at END, \
                             closed_reason = CASE WHEN $12 THEN NULL ELSE closed_reason END, \
                             answer = CASE WHEN $12 THEN NULL ELSE answer END, \
                             extended_due_at = CASE WHEN $12 THEN NULL ELSE extended_due_at END, \
                             notified = CASE WHEN $13 THEN '' ELSE notified END \
                             WHERE id = $1",
                        )
                        .bind(id).bind(&r.directive_version).bind(&r.rule).bind(&r.action).bind(&r.timeline)
                        .bind(to_micros(r.trigger_at)).bind(in_force).bind(directive_due).bind(r.forensic)
                        .bind(r.evaluation.to_string()).bind(at).bind(reopen)
                        .bind(reopen || in_force != old.due_at.map(to_micros))
                        .execute(&mut *tx).await?;
                        let kind = if reopen { "reopened" } else { "revised" };
                        push_event!(tx, *id, kind, actor, &revision_detail(r, why, Some(old)), at);
                        if reopen {
                            applied.reopened.push(*id);
                            published.entry((old.system_id, old.org_id)).or_default()[0].push(*id);
                        } else {
                            applied.revised.push(*id);
                            published.entry((old.system_id, old.org_id)).or_default()[1].push(*id);
                        }
                    }
                    ObligationChange::Close { id, reason: why } => {
                        let old = before.get(id).ok_or(StoreError::NotFound)?;
                        if old.state == ObligationState::Closed {
                            continue;
                        }
                        sqlx::query("UPDATE obligations SET state = 'closed', closed_at = $2, closed_reason = $3, \
                                     updated_at = $2 WHERE id = $1")
                            .bind(id).bind(at).bind(why).execute(&mut *tx).await?;
                        push_event!(tx, *id, "closed", actor, &json!({"reason": why}), at);
                        applied.closed.push(*id);
                        published.entry((old.system_id, old.org_id)).or_default()[2].push(*id);
                    }
                }
            }
            if !applied.is_empty() {
                append_audit!(tx, actor, AuditEvent::new("obligation.evaluate", "obligations", reason.chars().take(200).collect::<String>())
                    .with_detail(json!({
                        "reason": reason,
                        "created": applied.created.len(),
                        "revised": applied.revised.len(),
                        "closed": applied.closed.len(),
                        "reopened": applied.reopened.len(),
                    })), at);
            }
            let mut events: Vec<(&str, Value)> = Vec::new();
            for ((system, org), kinds) in &published {
                for (kind, ids) in ["obligation.created", "obligation.revised", "obligation.closed"].iter().zip(kinds) {
                    if ids.is_empty() {
                        continue;
                    }
                    events.push((kind, json!({"system": system, "org": org, "reason": reason, "obligations": ids})));
                }
            }
            publish_all!(tx, actor, &events, now);
        });
        Ok(applied)
    }

    pub async fn obligation(&self, id: Uuid) -> Result<StoredObligation> {
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT {OBLIGATION_COLUMNS} FROM obligations WHERE id = $1"
        ));
        let row: ObligationRow = with_pool!(self, pool => {
            sqlx::query_as(sql).bind(id).fetch_one(pool).await?
        });
        row.try_into()
    }

    /// Every obligation of these systems, open and closed (for diffing).
    pub async fn obligations_of_systems(&self, systems: &[Uuid]) -> Result<Vec<StoredObligation>> {
        self.obligations_of_systems_on(systems, None).await
    }

    /// Every obligation of these systems, open and closed, on these
    /// vulnerabilities only when given (an evaluation for a new KEV entry
    /// reads just the obligations it may change, not every evaluation).
    pub async fn obligations_of_systems_on(
        &self,
        systems: &[Uuid],
        vulnerabilities: Option<&[String]>,
    ) -> Result<Vec<StoredObligation>> {
        let mut out = Vec::new();
        if vulnerabilities.is_some_and(<[String]>::is_empty) {
            return Ok(out);
        }
        for chunk in systems.chunks(500) {
            let rows: Vec<ObligationRow> = with_pool!(self, pool => {
                let mut q = sqlx::QueryBuilder::new(format!(
                    "SELECT {OBLIGATION_COLUMNS} FROM obligations WHERE system_id IN ("
                ));
                let mut list = q.separated(", ");
                for id in chunk {
                    list.push_bind(*id);
                }
                if let Some(vulns) = vulnerabilities {
                    q.push(") AND vulnerability IN (");
                    let mut list = q.separated(", ");
                    for v in vulns {
                        list.push_bind(v.as_str());
                    }
                }
                q.push(") ORDER BY id");
                q.build_query_as().fetch_all(pool).await?
            });
            for r in rows {
                out.push(StoredObligation::try_from(r)?);
            }
        }
        Ok(out)
    }

    /// Obligations by id after `page.after`, narrowed by `filter`.
    pub async fn obligations(
        &self,
        filter: &ObligationFilter,
        page: PageRequest,
    ) -> Result<Page<StoredObligation>> {
        let limit = page.effective_limit();
        let rows: Vec<ObligationRow> = with_pool!(self, pool => {
            let mut q = sqlx::QueryBuilder::new(format!(
                "SELECT {OBLIGATION_COLUMNS} FROM obligations WHERE id > "
            ));
            q.push_bind(page.after.unwrap_or(MIN_ID));
            push_filter(&mut q, filter);
            q.push(" ORDER BY id LIMIT ").push_bind(limit + 1);
            q.build_query_as().fetch_all(pool).await?
        });
        let rows = rows
            .into_iter()
            .map(StoredObligation::try_from)
            .collect::<Result<Vec<_>>>()?;
        Ok(paginate(rows, limit, |o| o.id))
    }

    /// Counts of the obligations `filter` selects, grouped by `by`; due
    /// soon means a date in force in `[now, soon)`.
    pub async fn obligation_counts(
        &self,
        by: CountBy,
        filter: &ObligationFilter,
        now: OffsetDateTime,
        soon: OffsetDateTime,
    ) -> Result<Vec<ObligationCounts>> {
        let now = to_micros(now);
        let soon = to_micros(soon);
        let col = by.column();
        let rows: Vec<(String, CountRow)> = with_pool!(self, pool => {
            let mut q = sqlx::QueryBuilder::new("");
            push_counts(&mut q, col, filter, now, soon);
            q.push(" ORDER BY ");
            q.push(col);
            if matches!(by, CountBy::Org | CountBy::System) {
                let raw: Vec<CountKeyRow<Uuid>> = q.build_query_as().fetch_all(pool).await?;
                raw.into_iter().map(CountKeyRow::split).collect()
            } else {
                let raw: Vec<CountKeyRow<String>> = q.build_query_as().fetch_all(pool).await?;
                raw.into_iter().map(CountKeyRow::split).collect()
            }
        });
        Ok(rows.into_iter().map(|(key, r)| counts_of(key, r)).collect())
    }

    /// [`Store::obligation_counts`] by system, each with the system's
    /// agency and national-security flag (what the policy reads of a
    /// system), in one statement: a view over every system needs no
    /// second read of them.
    pub async fn obligation_counts_by_system(
        &self,
        filter: &ObligationFilter,
        now: OffsetDateTime,
        soon: OffsetDateTime,
    ) -> Result<Vec<SystemCounts>> {
        let (now, soon) = (to_micros(now), to_micros(soon));
        let rows: Vec<SystemCountRow> = with_pool!(self, pool => {
            let mut q = sqlx::QueryBuilder::new(
                "SELECT c.*, s.org_id AS org, s.national_security AS national_security FROM (",
            );
            push_counts(&mut q, "system_id", filter, now, soon);
            q.push(") c JOIN systems s ON s.id = c.k ORDER BY c.k");
            q.build_query_as().fetch_all(pool).await?
        });
        Ok(rows
            .into_iter()
            .map(|r| {
                let system = r.counts.k;
                let (key, counts) = r.counts.split();
                SystemCounts {
                    system,
                    org: r.org,
                    national_security: r.national_security,
                    counts: counts_of(key, counts),
                }
            })
            .collect())
    }

    /// Obligations over time, per agency and national-security flag of the
    /// system (what the policy reads, so the caller can filter): for each
    /// period ending at `bounds[i]` (ascending; the first period starts at
    /// `start`), how many were created and closed in it, and how many were
    /// open and overdue (by the date in force now) at its end. One scan.
    pub async fn obligation_trend(
        &self,
        org: Option<Uuid>,
        start: OffsetDateTime,
        bounds: &[OffsetDateTime],
    ) -> Result<Vec<TrendRow>> {
        if bounds.is_empty() || bounds.len() > 104 {
            return Err(StoreError::Invalid("a trend has 1 to 104 periods".into()));
        }
        let mut ends: Vec<i64> = vec![to_micros(start)];
        ends.extend(bounds.iter().map(|b| to_micros(*b)));
        let periods = bounds.len();
        let out: Vec<TrendRow> = with_pool!(self, pool => {
            let mut q = sqlx::QueryBuilder::new(
                "SELECT o.org_id, CAST(CASE WHEN s.national_security THEN 1 ELSE 0 END AS BIGINT)",
            );
            for w in ends.windows(2) {
                let (from, to) = (w[0], w[1]);
                q.push(", CAST(SUM(CASE WHEN o.created_at > ").push_bind(from)
                    .push(" AND o.created_at <= ").push_bind(to).push(" THEN 1 ELSE 0 END) AS BIGINT)");
                q.push(", CAST(SUM(CASE WHEN o.closed_at > ").push_bind(from)
                    .push(" AND o.closed_at <= ").push_bind(to).push(" THEN 1 ELSE 0 END) AS BIGINT)");
                q.push(", CAST(SUM(CASE WHEN o.created_at <= ").push_bind(to)
                    .push(" AND (o.closed_at IS NULL OR o.closed_at > ").push_bind(to)
                    .push(") THEN 1 ELSE 0 END) AS BIGINT)");
                q.push(", CAST(SUM(CASE WHEN o.created_at <= ").push_bind(to)
                    .push(" AND (o.closed_at IS NULL OR o.closed_at > ").push_bind(to)
                    .push(") AND o.due_at < ").push_bind(to).push(" THEN 1 ELSE 0 END) AS BIGINT)");
            }
            q.push(" FROM obligations o JOIN systems s ON s.id = o.system_id WHERE 1 = 1");
            if let Some(org) = org {
                q.push(" AND o.org_id = ").push_bind(org);
            }
            q.push(" GROUP BY o.org_id, s.national_security ORDER BY o.org_id");
            let raw = q.build().fetch_all(pool).await?;
            let mut out = Vec::with_capacity(raw.len());
            for r in raw {
                use sqlx::Row;
                let n = |i: usize| -> Result<u64> {
                    let v: Option<i64> = r.try_get(i)?;
                    Ok(u64::try_from(v.unwrap_or(0)).unwrap_or(0))
                };
                let mut points = Vec::with_capacity(periods);
                for p in 0..periods {
                    let at = 2 + p * 4;
                    points.push(TrendPoint {
                        created: n(at)?,
                        closed: n(at + 1)?,
                        open: n(at + 2)?,
                        overdue: n(at + 3)?,
                    });
                }
                out.push(TrendRow {
                    org_id: r.try_get(0)?,
                    national_security: n(1)? == 1,
                    points,
                });
            }
            out
        });
        Ok(out)
    }

    /// An obligation's history, in order.
    pub async fn obligation_events(&self, id: Uuid) -> Result<Vec<ObligationEvent>> {
        let rows: Vec<EventRow> = with_pool!(self, pool => {
            sqlx::query_as(
                "SELECT obligation_id, seq, at, kind, actor_user, detail FROM obligation_events \
                 WHERE obligation_id = $1 ORDER BY seq",
            )
            .bind(id).fetch_all(pool).await?
        });
        rows.into_iter()
            .map(|r| {
                Ok(ObligationEvent {
                    obligation_id: r.obligation_id,
                    seq: u64::try_from(r.seq).unwrap_or(0),
                    at: from_micros(r.at),
                    kind: r.kind,
                    actor_user: r.actor_user,
                    detail: serde_json::from_str(&r.detail).map_err(|_| {
                        StoreError::Corrupt(format!(
                            "obligation_events.detail of {}",
                            r.obligation_id
                        ))
                    })?,
                })
            })
            .collect()
    }

    /// The agency's answer. An answer that closes (remediated, mitigated,
    /// not affected) closes the obligation; in progress reopens nothing and
    /// keeps it open. Answering a closed obligation is refused unless it
    /// was closed by an answer (the agency may correct itself).
    pub async fn answer_obligation(
        &self,
        actor: &Actor,
        id: Uuid,
        answer: Answer,
        detail: &Value,
        now: OffsetDateTime,
    ) -> Result<StoredObligation> {
        let old = self.obligation(id).await?;
        if old.state == ObligationState::Closed && old.answer.is_none() {
            return Err(StoreError::Invalid(format!(
                "the obligation was closed ({}); it takes no answer",
                old.closed_reason.as_deref().unwrap_or("no reason kept")
            )));
        }
        let at = to_micros(now);
        let closes = answer.closes();
        let reason = format!("answered {}", answer.as_str());
        write_tx!(self, tx => {
            sqlx::query(
                "UPDATE obligations SET answer = $2, updated_at = $3, \
                 state = CASE WHEN $4 THEN 'closed' ELSE 'open' END, \
                 closed_at = CASE WHEN $4 THEN $3 ELSE NULL END, \
                 closed_reason = CASE WHEN $4 THEN $5 ELSE NULL END WHERE id = $1",
            )
            .bind(id).bind(answer.as_str()).bind(at).bind(closes).bind(&reason)
            .execute(&mut *tx).await?;
            let mut d = detail.clone();
            if let Value::Object(m) = &mut d {
                m.insert("answer".into(), json!(answer.as_str()));
            }
            push_event!(tx, id, "answered", actor, &d, at);
            append_audit!(tx, actor, AuditEvent::new("obligation.answer", "obligation", id)
                .with_detail(d.clone()), at);
            if closes {
                let payload = json!({"system": old.system_id, "org": old.org_id, "reason": reason, "obligations": [id]});
                publish_in_tx!(tx, actor, "obligation.closed", &payload, now);
            }
        });
        self.obligation(id).await
    }

    /// Files an extension or exception request on an open obligation.
    pub async fn request_on_obligation(
        &self,
        actor: &Actor,
        id: Uuid,
        kind: RequestKind,
        requested_due: Option<OffsetDateTime>,
        justification: &str,
        now: OffsetDateTime,
    ) -> Result<ObligationRequest> {
        let old = self.obligation(id).await?;
        if old.state == ObligationState::Closed {
            return Err(StoreError::Invalid(
                "the obligation is closed; there is nothing to extend".into(),
            ));
        }
        let j = justification.trim();
        if j.is_empty() || j.chars().count() > 4000 {
            return Err(StoreError::Invalid(
                "a request needs a justification of 1 to 4000 characters".into(),
            ));
        }
        if kind == RequestKind::Extension && requested_due.is_none() {
            return Err(StoreError::Invalid(
                "an extension request names the due date asked for".into(),
            ));
        }
        if self
            .obligation_requests(id)
            .await?
            .iter()
            .any(|r| r.state == RequestState::Pending)
        {
            return Err(StoreError::Conflict(
                "a request on this obligation awaits the issuer's decision".into(),
            ));
        }
        let rid = Uuid::now_v7();
        let at = to_micros(now);
        write_tx!(self, tx => {
            sqlx::query(
                "INSERT INTO obligation_requests (id, obligation_id, kind, requested_by, requested_at, \
                 requested_due, justification, state) VALUES ($1, $2, $3, $4, $5, $6, $7, 'pending')",
            )
            .bind(rid).bind(id).bind(kind.as_str()).bind(actor.user).bind(at)
            .bind(requested_due.map(to_micros)).bind(j)
            .execute(&mut *tx).await?;
            let d = json!({"request": rid, "kind": kind.as_str(),
                "requested_due": requested_due.map(bulwark_core::rfc3339), "justification": j});
            push_event!(tx, id, "requested", actor, &d, at);
            append_audit!(tx, actor, AuditEvent::new("obligation.request", "obligation", id).with_detail(d.clone()), at);
            let payload = json!({"system": old.system_id, "org": old.org_id, "obligation": id, "request": rid, "kind": kind.as_str()});
            publish_in_tx!(tx, actor, "obligation.requested", &payload, now);
        });
        self.obligation_request(rid).await
    }

    /// The issuer's decision. An approved extension puts its date in force
    /// (`decided_due`, else the date asked for); an approved exception
    /// closes the obligation. A decided request is not decided again.
    #[allow(clippy::too_many_arguments)]
    pub async fn decide_request(
        &self,
        actor: &Actor,
        request: Uuid,
        approve: bool,
        decided_due: Option<OffsetDateTime>,
        conditions: Option<&str>,
        note: Option<&str>,
        now: OffsetDateTime,
    ) -> Result<ObligationRequest> {
        let r = self.obligation_request(request).await?;
        if r.state != RequestState::Pending {
            return Err(StoreError::Conflict(format!(
                "the request was already {}",
                r.state.as_str()
            )));
        }
        let o = self.obligation(r.obligation_id).await?;
        let due = if approve && r.kind == RequestKind::Extension {
            Some(decided_due.or(r.requested_due).ok_or_else(|| {
                StoreError::Invalid("an approved extension needs a due date".into())
            })?)
        } else {
            None
        };
        let at = to_micros(now);
        let state = if approve { "approved" } else { "denied" };
        write_tx!(self, tx => {
            sqlx::query(
                "UPDATE obligation_requests SET state = $2, decided_by = $3, decided_at = $4, \
                 decided_due = $5, conditions = $6, decision_note = $7 WHERE id = $1",
            )
            .bind(request).bind(state).bind(actor.user).bind(at).bind(due.map(to_micros))
            .bind(conditions).bind(note)
            .execute(&mut *tx).await?;
            if let Some(d) = due {
                sqlx::query("UPDATE obligations SET due_at = $2, extended_due_at = $2, notified = '', updated_at = $3 WHERE id = $1")
                    .bind(o.id).bind(to_micros(d)).bind(at).execute(&mut *tx).await?;
            }
            let exception = approve && r.kind == RequestKind::Exception;
            if exception {
                sqlx::query("UPDATE obligations SET state = 'closed', closed_at = $2, closed_reason = $3, updated_at = $2 WHERE id = $1")
                    .bind(o.id).bind(at).bind("exception approved").execute(&mut *tx).await?;
            }
            let d = json!({"request": request, "kind": r.kind.as_str(), "decision": state,
                "due_at": due.map(bulwark_core::rfc3339), "before": o.due_at.map(bulwark_core::rfc3339),
                "conditions": conditions, "note": note});
            push_event!(tx, o.id, "decided", actor, &d, at);
            append_audit!(tx, actor, AuditEvent::new("obligation.decide", "obligation", o.id).with_detail(d.clone()), at);
            let payload = json!({"system": o.system_id, "org": o.org_id, "obligation": o.id, "request": request, "decision": state});
            publish_in_tx!(tx, actor, "obligation.decided", &payload, now);
            if exception {
                let payload = json!({"system": o.system_id, "org": o.org_id, "reason": "exception approved", "obligations": [o.id]});
                publish_in_tx!(tx, actor, "obligation.closed", &payload, now);
            }
        });
        self.obligation_request(request).await
    }

    pub async fn obligation_request(&self, id: Uuid) -> Result<ObligationRequest> {
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT {REQUEST_COLUMNS} FROM obligation_requests WHERE id = $1"
        ));
        let row: RequestRow = with_pool!(self, pool => {
            sqlx::query_as(sql).bind(id).fetch_one(pool).await?
        });
        row.try_into()
    }

    /// An obligation's requests, oldest first.
    pub async fn obligation_requests(&self, obligation: Uuid) -> Result<Vec<ObligationRequest>> {
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT {REQUEST_COLUMNS} FROM obligation_requests WHERE obligation_id = $1 ORDER BY requested_at, id"
        ));
        let rows: Vec<RequestRow> = with_pool!(self, pool => {
            sqlx::query_as(sql).bind(obligation).fetch_all(pool).await?
        });
        rows.into_iter().map(TryInto::try_into).collect()
    }

    /// Pending requests, oldest first, at most `limit`.
    pub async fn pending_requests(&self, limit: u32) -> Result<Vec<ObligationRequest>> {
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT {REQUEST_COLUMNS} FROM obligation_requests WHERE state = 'pending' \
             ORDER BY requested_at, id LIMIT $1"
        ));
        let rows: Vec<RequestRow> = with_pool!(self, pool => {
            sqlx::query_as(sql).bind(i64::from(limit.clamp(1, 10_000))).fetch_all(pool).await?
        });
        rows.into_iter().map(TryInto::try_into).collect()
    }

    /// Open obligations with a date in force before `until`, whose notice
    /// `stage` (e.g. `7d`, `overdue`) was not sent yet, by due date; at most
    /// `limit`.
    pub async fn obligations_for_notice(
        &self,
        until: OffsetDateTime,
        stage: &str,
        limit: u32,
    ) -> Result<Vec<StoredObligation>> {
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT {OBLIGATION_COLUMNS} FROM obligations WHERE state = 'open' AND due_at < $1 \
             AND (',' || notified || ',') NOT LIKE $2 ORDER BY due_at, id LIMIT $3"
        ));
        let pattern = format!("%,{stage},%");
        let rows: Vec<ObligationRow> = with_pool!(self, pool => {
            sqlx::query_as(sql).bind(to_micros(until)).bind(&pattern).bind(i64::from(limit.clamp(1, 10_000)))
                .fetch_all(pool).await?
        });
        rows.into_iter().map(TryInto::try_into).collect()
    }

    /// Records that notice `stage` went out for these obligations (and
    /// that the less urgent notices in `also` are passed) and publishes it
    /// (`event_type`, e.g. `obligation.due_soon`), one event per
    /// obligation, with each obligation's history event. An obligation
    /// another server marked meanwhile is skipped: a notice goes out once.
    pub async fn mark_notices(
        &self,
        actor: &Actor,
        obligations: &[StoredObligation],
        stage: &str,
        also: &[&str],
        event_type: &str,
        now: OffsetDateTime,
    ) -> Result<()> {
        if obligations.is_empty() {
            return Ok(());
        }
        let at = to_micros(now);
        write_tx!(self, tx => {
            for o in obligations {
                let marks = with_marks(&o.notified, stage, also);
                let done = sqlx::query(
                    "UPDATE obligations SET notified = $2 \
                     WHERE id = $1 AND (',' || notified || ',') NOT LIKE $3",
                )
                .bind(o.id).bind(&marks).bind(format!("%,{stage},%"))
                .execute(&mut *tx).await?;
                if done.rows_affected() == 0 {
                    continue;
                }
                let d = json!({"stage": stage, "due_at": o.due_at.map(bulwark_core::rfc3339)});
                push_event!(tx, o.id, "notice", actor, &d, at);
                let payload = json!({"system": o.system_id, "org": o.org_id, "obligation": o.id,
                    "vulnerability": o.vulnerability, "stage": stage, "due_at": o.due_at.map(bulwark_core::rfc3339)});
                publish_in_tx!(tx, actor, event_type, &payload, now);
            }
        });
        Ok(())
    }

    /// Marks notice `stage` as passed without sending it (a more urgent
    /// one went out, or it is for hour timelines only): bookkeeping, so
    /// the obligation is not looked at again for it.
    pub async fn mark_passed(&self, obligations: &[StoredObligation], stage: &str) -> Result<()> {
        if obligations.is_empty() {
            return Ok(());
        }
        write_tx!(self, tx => {
            for o in obligations {
                sqlx::query("UPDATE obligations SET notified = $2 WHERE id = $1 AND notified = $3")
                    .bind(o.id).bind(with_marks(&o.notified, stage, &[])).bind(o.notified.join(","))
                    .execute(&mut *tx).await?;
            }
        });
        Ok(())
    }
}

/// Appends the counts of the obligations `filter` selects grouped by
/// `col` (as `k`); due soon means a date in force in `[now, soon)`.
/// FILTER rather than SUM(CASE …): rows a count does not want are skipped,
/// not added as 0 (a tenth faster over a million).
fn push_counts<DB: sqlx::Database>(
    q: &mut sqlx::QueryBuilder<DB>,
    col: &str,
    filter: &ObligationFilter,
    now: i64,
    soon: i64,
) where
    Uuid: for<'t> sqlx::Encode<'t, DB> + sqlx::Type<DB>,
    String: for<'t> sqlx::Encode<'t, DB> + sqlx::Type<DB>,
    i64: for<'t> sqlx::Encode<'t, DB> + sqlx::Type<DB>,
{
    q.push("SELECT ");
    q.push(col);
    q.push(
        " AS k, COUNT(*) FILTER (WHERE state = 'open') AS open, \
         COUNT(*) FILTER (WHERE state = 'open' AND due_at >= ",
    );
    q.push_bind(now);
    q.push(" AND due_at < ");
    q.push_bind(soon);
    q.push(") AS due_soon, COUNT(*) FILTER (WHERE state = 'open' AND due_at < ");
    q.push_bind(now);
    q.push(
        ") AS overdue, \
         COUNT(*) FILTER (WHERE state = 'closed') AS closed, \
         COUNT(*) FILTER (WHERE state = 'closed' AND (due_at IS NULL OR closed_at <= due_at)) AS closed_on_time, \
         MIN(due_at) FILTER (WHERE state = 'open' AND due_at < ",
    );
    q.push_bind(now);
    q.push(
        ") AS oldest_overdue, \
         AVG(CAST(closed_at - trigger_at AS DOUBLE PRECISION)) FILTER (WHERE state = 'closed') AS mean_us_to_close \
         FROM obligations WHERE 1 = 1",
    );
    push_filter(q, filter);
    q.push(" GROUP BY ");
    q.push(col);
}

fn counts_of(key: String, r: CountRow) -> ObligationCounts {
    let n = |v: Option<i64>| u64::try_from(v.unwrap_or(0)).unwrap_or(0);
    ObligationCounts {
        key,
        open: n(r.open),
        due_soon: n(r.due_soon),
        overdue: n(r.overdue),
        closed: n(r.closed),
        closed_on_time: n(r.closed_on_time),
        oldest_overdue: r.oldest_overdue.map(from_micros),
        mean_hours_to_close: r.mean_us_to_close.map(|us| us / 3_600_000_000.0),
    }
}

/// Counts of one system, with its agency and flag.
#[derive(sqlx::FromRow)]
struct SystemCountRow {
    #[sqlx(flatten)]
    counts: CountKeyRow<Uuid>,
    org: Uuid,
    national_security: bool,
}

#[derive(sqlx::FromRow)]
struct CountKeyRow<K> {
    k: K,
    open: Option<i64>,
    due_soon: Option<i64>,
    overdue: Option<i64>,
    closed: Option<i64>,
    closed_on_time: Option<i64>,
    oldest_overdue: Option<i64>,
    mean_us_to_close: Option<f64>,
}

impl<K: ToString> CountKeyRow<K> {
    fn split(self) -> (String, CountRow) {
        (
            self.k.to_string(),
            CountRow {
                open: self.open,
                due_soon: self.due_soon,
                overdue: self.overdue,
                closed: self.closed,
                closed_on_time: self.closed_on_time,
                oldest_overdue: self.oldest_overdue,
                mean_us_to_close: self.mean_us_to_close,
            },
        )
    }
}

/// The notice marks `notified` holds after adding `stage` and `also`.
fn with_marks(notified: &[String], stage: &str, also: &[&str]) -> String {
    let mut marks: Vec<&str> = notified.iter().map(String::as_str).collect();
    for m in std::iter::once(stage).chain(also.iter().copied()) {
        if !marks.contains(&m) {
            marks.push(m);
        }
    }
    marks.join(",")
}

/// Appends `filter`'s conditions (each `AND …`).
fn push_filter<DB: sqlx::Database>(q: &mut sqlx::QueryBuilder<DB>, filter: &ObligationFilter)
where
    Uuid: for<'t> sqlx::Encode<'t, DB> + sqlx::Type<DB>,
    String: for<'t> sqlx::Encode<'t, DB> + sqlx::Type<DB>,
    i64: for<'t> sqlx::Encode<'t, DB> + sqlx::Type<DB>,
{
    if let Some(org) = filter.org {
        q.push(" AND org_id = ").push_bind(org);
    }
    if let Some(system) = filter.system {
        q.push(" AND system_id = ").push_bind(system);
    }
    if let Some(state) = filter.state {
        q.push(" AND state = ").push_bind(state.as_str().to_owned());
    }
    if let Some(v) = &filter.vulnerability {
        q.push(" AND vulnerability = ").push_bind(v.clone());
    }
    if let Some(d) = &filter.directive {
        q.push(" AND directive_id = ").push_bind(d.clone());
    }
    if let Some(now) = filter.overdue_at {
        q.push(" AND state = 'open' AND due_at < ")
            .push_bind(to_micros(now));
    }
    if let Some((from, until)) = filter.due_between {
        q.push(" AND state = 'open' AND due_at >= ")
            .push_bind(to_micros(from))
            .push(" AND due_at < ")
            .push_bind(to_micros(until));
    }
}
