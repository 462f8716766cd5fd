//! The CSAF providers the clearinghouse subscribes to, and what the last
//! runs saw of each of their documents (migration 0029).
//!
//! The store keeps what the application decided: a source's URL, interval
//! and pinned keys (armoured text it does not read), when it runs next, the
//! counts and error of its last run, and per document the SHA-256 taken
//! (what `bulwark_distribution::provider::sync::Options::previous` maps) or
//! why it was refused. Adding, changing, removing a source and each run are
//! audited; the imports a run makes are audited by the intake itself.

use bulwark_core::{AuditEvent, from_micros, to_micros};
use serde_json::json;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::audit::append_audit;
use crate::{Actor, Result, Store, StoreError, with_pool, write_tx};

/// The shortest interval the store accepts (the table's CHECK too): a
/// provider is not polled more often than every 15 minutes.
pub const MIN_CSAF_INTERVAL_SECS: i64 = 15 * 60;

/// A source to add.
#[derive(Debug, Clone)]
pub struct NewCsafSource {
    /// provider-metadata.json or a ROLIE feed.
    pub url: String,
    pub added_by: Option<Uuid>,
    pub interval_secs: i64,
    /// ASCII-armoured public keys accepted besides the provider's own.
    pub keys: Option<String>,
}

/// A source as kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredCsafSource {
    pub id: Uuid,
    pub url: String,
    pub added_by: Option<Uuid>,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
    pub enabled: bool,
    pub interval_secs: i64,
    pub keys: Option<String>,
    pub last_run_at: Option<OffsetDateTime>,
    pub next_run_at: OffsetDateTime,
    /// The last run's counts; `None` before the first run.
    pub last_counts: Option<CsafRunCounts>,
    /// Why the last run could not read the provider, if it could not.
    pub last_error: Option<String>,
}

/// How many documents a run imported, found unchanged and refused.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CsafRunCounts {
    pub imported: i64,
    pub unchanged: i64,
    pub refused: i64,
}

/// A change to a source; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct CsafSourceUpdate {
    pub enabled: Option<bool>,
    pub interval_secs: Option<i64>,
}

/// What the runs saw of one document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsafSourceDocument {
    pub url: String,
    /// The SHA-256 (lower-case hex) of the bytes last taken.
    pub sha256: Option<String>,
    /// Why the last run refused it, if it did.
    pub refused: Option<String>,
    pub checked_at: OffsetDateTime,
}

/// One run's result, to record: its counts and error, the documents whose
/// state changed (added or replaced) and those no longer listed.
#[derive(Debug, Clone)]
pub struct CsafSourceRun {
    pub ran_at: OffsetDateTime,
    pub next_run_at: OffsetDateTime,
    pub counts: CsafRunCounts,
    pub error: Option<String>,
    pub changed: Vec<CsafSourceDocument>,
    pub removed: Vec<String>,
}

#[derive(sqlx::FromRow)]
struct SourceRow {
    id: Uuid,
    url: String,
    added_by: Option<Uuid>,
    created_at: i64,
    updated_at: i64,
    enabled: bool,
    interval_secs: i64,
    keys: Option<String>,
    last_run_at: Option<i64>,
    next_run_at: i64,
    last_imported: Option<i64>,
    last_unchanged: Option<i64>,
    last_refused: Option<i64>,
    last_error: Option<String>,
}

impl From<SourceRow> for StoredCsafSource {
    fn from(r: SourceRow) -> Self {
        let last_counts = match (r.last_imported, r.last_unchanged, r.last_refused) {
            (Some(imported), Some(unchanged), Some(refused)) => Some(CsafRunCounts {
                imported,
                unchanged,
                refused,
            }),
            _ => None,
        };
        StoredCsafSource {
            id: r.id,
            url: r.url,
            added_by: r.added_by,
            created_at: from_micros(r.created_at),
            updated_at: from_micros(r.updated_at),
            enabled: r.enabled,
            interval_secs: r.interval_secs,
            keys: r.keys,
            last_run_at: r.last_run_at.map(from_micros),
            next_run_at: from_micros(r.next_run_at),
            last_counts,
            last_error: r.last_error,
        }
    }
}

const SOURCE_COLUMNS: &str = "id, url, added_by, created_at, updated_at, enabled, interval_secs, \
     keys, last_run_at, next_run_at, last_imported, last_unchanged, last_refused, last_error";

fn check_interval(secs: i64) -> Result<()> {
    if secs < MIN_CSAF_INTERVAL_SECS {
        return Err(StoreError::Invalid(format!(
            "a CSAF source's interval is at least {MIN_CSAF_INTERVAL_SECS} seconds"
        )));
    }
    Ok(())
}

fn micros_after(t: i64, secs: i64) -> i64 {
    t.saturating_add(secs.saturating_mul(1_000_000))
}

impl Store {
    /// Adds a source, due at once (the scheduler's next pass reads it).
    /// A `Conflict` when a source with that URL exists.
    pub async fn create_csaf_source(
        &self,
        actor: &Actor,
        new: &NewCsafSource,
        now: OffsetDateTime,
    ) -> Result<StoredCsafSource> {
        check_interval(new.interval_secs)?;
        if new.url.is_empty() {
            return Err(StoreError::Invalid("a CSAF source has a URL".into()));
        }
        let id = Uuid::now_v7();
        let at = to_micros(now);
        write_tx!(self, tx => {
            sqlx::query(
                "INSERT INTO csaf_sources (id, url, added_by, created_at, updated_at, enabled, \
                 interval_secs, keys, next_run_at) VALUES ($1, $2, $3, $4, $4, $5, $6, $7, $4)")
                .bind(id).bind(&new.url).bind(new.added_by).bind(at).bind(true)
                .bind(new.interval_secs).bind(&new.keys)
                .execute(&mut *tx).await?;
            append_audit!(tx, actor, AuditEvent::new("csaf_source.add", "csaf_source", id)
                .with_detail(json!({"url": new.url, "interval_secs": new.interval_secs,
                                    "keys": new.keys.is_some()})), at);
        });
        self.csaf_source(id).await
    }

    /// One source.
    pub async fn csaf_source(&self, id: Uuid) -> Result<StoredCsafSource> {
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT {SOURCE_COLUMNS} FROM csaf_sources WHERE id = $1"
        ));
        let row: Option<SourceRow> = with_pool!(self, pool => {
            sqlx::query_as(sql).bind(id).fetch_optional(pool).await?
        });
        row.map(Into::into).ok_or(StoreError::NotFound)
    }

    /// Every source, oldest first (a clearinghouse subscribes to tens, not
    /// thousands).
    pub async fn csaf_sources(&self) -> Result<Vec<StoredCsafSource>> {
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT {SOURCE_COLUMNS} FROM csaf_sources ORDER BY id"
        ));
        let rows: Vec<SourceRow> = with_pool!(self, pool => {
            sqlx::query_as(sql).fetch_all(pool).await?
        });
        Ok(rows.into_iter().map(Into::into).collect())
    }

    /// The enabled sources whose next run is due at `now`, the longest
    /// waiting first.
    pub async fn csaf_sources_due(&self, now: OffsetDateTime) -> Result<Vec<StoredCsafSource>> {
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT {SOURCE_COLUMNS} FROM csaf_sources WHERE enabled = $1 AND next_run_at <= $2 \
             ORDER BY next_run_at, id"
        ));
        let rows: Vec<SourceRow> = with_pool!(self, pool => {
            sqlx::query_as(sql).bind(true).bind(to_micros(now)).fetch_all(pool).await?
        });
        Ok(rows.into_iter().map(Into::into).collect())
    }

    /// Turns a source on or off and changes its interval. Its next run
    /// follows from its last: one interval after it (due at once when that
    /// has passed); a source that never ran keeps the time it was due.
    pub async fn update_csaf_source(
        &self,
        actor: &Actor,
        id: Uuid,
        change: &CsafSourceUpdate,
        now: OffsetDateTime,
    ) -> Result<StoredCsafSource> {
        if let Some(secs) = change.interval_secs {
            check_interval(secs)?;
        }
        let at = to_micros(now);
        write_tx!(self, tx => {
            let row: Option<(bool, i64, Option<i64>, i64)> = sqlx::query_as(
                "SELECT enabled, interval_secs, last_run_at, next_run_at FROM csaf_sources WHERE id = $1")
                .bind(id).fetch_optional(&mut *tx).await?;
            let (enabled, interval, last_run, next_run) = row.ok_or(StoreError::NotFound)?;
            let enabled = change.enabled.unwrap_or(enabled);
            let interval = change.interval_secs.unwrap_or(interval);
            let next_run = last_run.map_or(next_run, |l| micros_after(l, interval));
            sqlx::query(
                "UPDATE csaf_sources SET enabled = $1, interval_secs = $2, next_run_at = $3, \
                 updated_at = $4 WHERE id = $5")
                .bind(enabled).bind(interval).bind(next_run).bind(at).bind(id)
                .execute(&mut *tx).await?;
            append_audit!(tx, actor, AuditEvent::new("csaf_source.update", "csaf_source", id)
                .with_detail(json!({"enabled": change.enabled, "interval_secs": change.interval_secs})), at);
        });
        self.csaf_source(id).await
    }

    /// Removes a source and what its runs saw (the documents it imported
    /// stay: they are the clearinghouse's now).
    pub async fn delete_csaf_source(
        &self,
        actor: &Actor,
        id: Uuid,
        now: OffsetDateTime,
    ) -> Result<()> {
        let at = to_micros(now);
        write_tx!(self, tx => {
            let row: Option<(String,)> = sqlx::query_as("SELECT url FROM csaf_sources WHERE id = $1")
                .bind(id).fetch_optional(&mut *tx).await?;
            let (url,) = row.ok_or(StoreError::NotFound)?;
            sqlx::query("DELETE FROM csaf_source_documents WHERE source_id = $1")
                .bind(id).execute(&mut *tx).await?;
            sqlx::query("DELETE FROM csaf_sources WHERE id = $1")
                .bind(id).execute(&mut *tx).await?;
            append_audit!(tx, actor, AuditEvent::new("csaf_source.remove", "csaf_source", id)
                .with_detail(json!({"url": url})), at);
        });
        Ok(())
    }

    /// What the runs saw of a source's documents, by URL.
    pub async fn csaf_source_documents(&self, id: Uuid) -> Result<Vec<CsafSourceDocument>> {
        let rows: Vec<(String, Option<String>, Option<String>, i64)> = with_pool!(self, pool => {
            sqlx::query_as(
                "SELECT url, sha256, refused, checked_at FROM csaf_source_documents \
                 WHERE source_id = $1 ORDER BY url")
                .bind(id).fetch_all(pool).await?
        });
        Ok(rows
            .into_iter()
            .map(|(url, sha256, refused, checked_at)| CsafSourceDocument {
                url,
                sha256,
                refused,
                checked_at: from_micros(checked_at),
            })
            .collect())
    }

    /// Records a run: its counts and error, when the source runs next, and
    /// the documents' changed state, in one transaction with its audit
    /// entry. `NotFound` when the source was removed meanwhile.
    pub async fn record_csaf_source_run(
        &self,
        actor: &Actor,
        id: Uuid,
        run: &CsafSourceRun,
        now: OffsetDateTime,
    ) -> Result<StoredCsafSource> {
        let ran = to_micros(run.ran_at);
        let at = to_micros(now);
        write_tx!(self, tx => {
            let n = sqlx::query(
                "UPDATE csaf_sources SET last_run_at = $1, next_run_at = $2, last_imported = $3, \
                 last_unchanged = $4, last_refused = $5, last_error = $6 WHERE id = $7")
                .bind(ran).bind(to_micros(run.next_run_at)).bind(run.counts.imported)
                .bind(run.counts.unchanged).bind(run.counts.refused).bind(&run.error).bind(id)
                .execute(&mut *tx).await?.rows_affected();
            if n == 0 {
                return Err(StoreError::NotFound);
            }
            for url in &run.removed {
                sqlx::query("DELETE FROM csaf_source_documents WHERE source_id = $1 AND url = $2")
                    .bind(id).bind(url).execute(&mut *tx).await?;
            }
            for d in &run.changed {
                sqlx::query(
                    "INSERT INTO csaf_source_documents (source_id, url, sha256, refused, checked_at) \
                     VALUES ($1, $2, $3, $4, $5) ON CONFLICT (source_id, url) DO UPDATE SET \
                     sha256 = excluded.sha256, refused = excluded.refused, checked_at = excluded.checked_at")
                    .bind(id).bind(&d.url).bind(&d.sha256).bind(&d.refused).bind(to_micros(d.checked_at))
                    .execute(&mut *tx).await?;
            }
            append_audit!(tx, actor, AuditEvent::new("csaf_source.run", "csaf_source", id)
                .with_detail(json!({"imported": run.counts.imported, "unchanged": run.counts.unchanged,
                                    "refused": run.counts.refused, "error": run.error})), at);
        });
        self.csaf_source(id).await
    }
}
