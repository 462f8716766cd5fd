//! The audit log: appended to inside every state-changing transaction, read
//! in pages, verified end to end.

use bulwark_core::audit::{AuditEntry, AuditEvent, ChainBreak, GENESIS_HASH, verify_segment};
use serde::Serialize;
use uuid::Uuid;

use crate::{Actor, Result, Store, with_pool};

/// Appends `$event` (an [`AuditEvent`]) by `$actor` at `$at_us` on the
/// transaction `$tx`. A macro rather than a function so that it compiles
/// against whichever back-end's transaction it is given.
///
/// Bumping the head's sequence number first takes the head row's write lock,
/// so concurrent appenders queue behind each other and the chain stays linear;
/// the returned `hash` is still the previous entry's, as the update has not
/// touched it yet.
macro_rules! append_audit {
    ($tx:expr, $actor:expr, $event:expr, $at_us:expr) => {{
        let actor: &$crate::Actor = $actor;
        let mut event: bulwark_core::AuditEvent = $event;
        event.actor_user = actor.user;
        event.actor_org = actor.org;
        event.request_id = actor.request_id.clone();
        let (seq, prev_hash): (i64, String) =
            sqlx::query_as("UPDATE audit_head SET seq = seq + 1 WHERE id = 1 RETURNING seq, hash")
                .fetch_one(&mut *$tx)
                .await?;
        let entry = bulwark_core::AuditEntry::seal(&event, seq - 1, &prev_hash, $at_us);
        sqlx::query(
            "INSERT INTO audit_log (seq, at_us, actor_user, actor_org, action, resource_type, \
             resource_id, request_id, detail, prev_hash, hash) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        )
        .bind(entry.seq)
        .bind(entry.at_us)
        .bind(entry.actor_user)
        .bind(entry.actor_org)
        .bind(&entry.action)
        .bind(&entry.resource_type)
        .bind(&entry.resource_id)
        .bind(&entry.request_id)
        .bind(&entry.detail)
        .bind(&entry.prev_hash)
        .bind(&entry.hash)
        .execute(&mut *$tx)
        .await?;
        sqlx::query("UPDATE audit_head SET hash = $1 WHERE id = 1")
            .bind(&entry.hash)
            .execute(&mut *$tx)
            .await?;
        entry
    }};
}
pub(crate) use append_audit;

#[derive(sqlx::FromRow)]
struct EntryRow {
    seq: i64,
    at_us: i64,
    actor_user: Option<Uuid>,
    actor_org: Option<Uuid>,
    action: String,
    resource_type: String,
    resource_id: String,
    request_id: Option<String>,
    detail: String,
    prev_hash: String,
    hash: String,
}

impl From<EntryRow> for AuditEntry {
    fn from(r: EntryRow) -> Self {
        AuditEntry {
            seq: r.seq,
            at_us: r.at_us,
            actor_user: r.actor_user,
            actor_org: r.actor_org,
            action: r.action,
            resource_type: r.resource_type,
            resource_id: r.resource_id,
            request_id: r.request_id,
            detail: r.detail,
            prev_hash: r.prev_hash,
            hash: r.hash,
        }
    }
}

/// Which entries to list: those after `after_seq`, oldest first.
#[derive(Debug, Clone, Copy, Default)]
pub struct AuditQuery {
    pub after_seq: i64,
    pub limit: u32,
}

/// The outcome of checking the whole chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditVerification {
    /// Entries checked.
    pub entries: i64,
    /// Hash of the last entry, to compare with an earlier published value.
    pub head_hash: String,
    /// The first entry that does not fit, if any.
    pub first_break: Option<ChainBreak>,
}

impl AuditVerification {
    pub fn ok(&self) -> bool {
        self.first_break.is_none()
    }
}

const SELECT_ENTRIES: &str = "SELECT seq, at_us, actor_user, actor_org, action, resource_type, \
     resource_id, request_id, detail, prev_hash, hash FROM audit_log \
     WHERE seq > $1 ORDER BY seq LIMIT $2";

impl Store {
    /// Appends an event outside any other change (e.g. a refused login).
    pub async fn audit(&self, actor: &Actor, event: AuditEvent, at_us: i64) -> Result<AuditEntry> {
        Ok(crate::write_tx!(self, tx => append_audit!(tx, actor, event, at_us)))
    }

    /// Entries after `q.after_seq`, oldest first; `limit` clamps to 1..=1000.
    pub async fn audit_entries(&self, q: AuditQuery) -> Result<Vec<AuditEntry>> {
        let limit = i64::from(q.limit.clamp(1, 1000));
        let rows: Vec<EntryRow> = with_pool!(self, pool => {
            sqlx::query_as(SELECT_ENTRIES)
                .bind(q.after_seq)
                .bind(limit)
                .fetch_all(pool)
                .await?
        });
        Ok(rows.into_iter().map(AuditEntry::from).collect())
    }

    /// The newest `limit` entries (clamped to 1..=1000), newest first.
    pub async fn audit_latest(&self, limit: u32) -> Result<Vec<AuditEntry>> {
        let limit = i64::from(limit.clamp(1, 1000));
        let rows: Vec<EntryRow> = with_pool!(self, pool => {
            sqlx::query_as(
                "SELECT seq, at_us, actor_user, actor_org, action, resource_type, resource_id, \
                 request_id, detail, prev_hash, hash FROM audit_log ORDER BY seq DESC LIMIT $1",
            )
            .bind(limit)
            .fetch_all(pool)
            .await?
        });
        Ok(rows.into_iter().map(AuditEntry::from).collect())
    }

    /// Checks every entry against its predecessor and the recorded head, in
    /// batches so memory stays flat however long the log is.
    pub async fn audit_verify(&self) -> Result<AuditVerification> {
        const BATCH: u32 = 1000;
        let mut prev_seq = 0i64;
        let mut prev_hash = GENESIS_HASH.to_owned();
        loop {
            let batch = self
                .audit_entries(AuditQuery {
                    after_seq: prev_seq,
                    limit: BATCH,
                })
                .await?;
            if batch.is_empty() {
                break;
            }
            let done = batch.len() < BATCH as usize;
            match verify_segment(&batch, prev_seq, prev_hash.clone()) {
                Ok((s, h)) => {
                    prev_seq = s;
                    prev_hash = h;
                }
                Err(b) => {
                    return Ok(AuditVerification {
                        entries: prev_seq,
                        head_hash: prev_hash,
                        first_break: Some(b),
                    });
                }
            }
            if done {
                break;
            }
        }
        let (head_seq, head_hash): (i64, String) = with_pool!(self, pool => {
            sqlx::query_as("SELECT seq, hash FROM audit_head WHERE id = 1")
                .fetch_one(pool)
                .await?
        });
        let first_break = (head_seq != prev_seq || head_hash != prev_hash).then(|| ChainBreak {
            seq: prev_seq + 1,
            reason: format!(
                "the log ends at entry {prev_seq} but its recorded head is entry {head_seq}: \
                 entries were removed from the end"
            ),
        });
        Ok(AuditVerification {
            entries: prev_seq,
            head_hash: prev_hash,
            first_break,
        })
    }
}
