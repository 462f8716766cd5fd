//! Durable leases and a job queue.
//!
//! A *lease* gives one holder a named key until a deadline: scan claims and
//! singleton background work use it. A *job* is a queued unit of work that a
//! worker claims for a while; if the worker dies, the claim runs out and
//! another worker takes the job. Both are correct under concurrency on both
//! back-ends: a lease is one atomic upsert; a job claim uses `FOR UPDATE SKIP
//! LOCKED` on PostgreSQL (so concurrent workers pass over each other's rows
//! instead of queueing on them) and the database-wide write lock on SQLite.
//!
//! These are mechanisms, not domain changes: the domain operation that uses a
//! lease (a scan claim, a webhook delivery) writes its own audit entry.

use bulwark_core::{from_micros, to_micros};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::{Backend, Result, Store, StoreError, with_pool, write_tx};

/// A lease held: who, until when, and a fencing token that grows with every
/// grant, so a holder whose lease lapsed can be told apart from the new one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeaseGrant {
    pub key: String,
    pub holder: String,
    pub expires_at: OffsetDateTime,
    pub fence: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LeaseOutcome {
    Acquired(LeaseGrant),
    /// Someone else holds it.
    Held(LeaseGrant),
}

/// A claimed job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Job {
    pub id: Uuid,
    pub queue: String,
    pub payload: String,
    /// Including this claim.
    pub attempts: i32,
    pub lease_until: OffsetDateTime,
}

#[derive(sqlx::FromRow)]
struct LeaseRow {
    lease_key: String,
    holder: String,
    expires_at: i64,
    fence: i64,
}

impl From<LeaseRow> for LeaseGrant {
    fn from(r: LeaseRow) -> Self {
        LeaseGrant {
            key: r.lease_key,
            holder: r.holder,
            expires_at: from_micros(r.expires_at),
            fence: r.fence,
        }
    }
}

#[derive(sqlx::FromRow)]
struct JobRow {
    id: Uuid,
    queue: String,
    payload: String,
    attempts: i32,
    lease_until: Option<i64>,
}

/// Takes a lease if it is free, lapsed or already the holder's, in one
/// statement: binds key, holder, now, until; returns the row when taken.
/// Shared with the store modules that take a lease inside their own
/// transaction (scan claims).
pub(crate) const LEASE_UPSERT: &str = "INSERT INTO leases (lease_key, holder, acquired_at, expires_at, fence) \
     VALUES ($1, $2, $3, $4, 1) \
     ON CONFLICT (lease_key) DO UPDATE SET holder = excluded.holder, \
     acquired_at = excluded.acquired_at, expires_at = excluded.expires_at, fence = leases.fence + 1 \
     WHERE leases.expires_at <= $3 OR leases.holder = excluded.holder \
     RETURNING lease_key, holder, expires_at, fence";

fn check_key(what: &str, s: &str) -> Result<()> {
    if s.is_empty() || s.len() > 512 {
        return Err(StoreError::Invalid(format!(
            "{what} must be 1 to 512 bytes"
        )));
    }
    Ok(())
}

impl Store {
    /// Takes `key` for `holder` until `until`, if it is free, expired, or
    /// already `holder`'s (then the deadline moves). One statement, so two
    /// concurrent callers cannot both win.
    pub async fn lease_acquire(
        &self,
        key: &str,
        holder: &str,
        until: OffsetDateTime,
        now: OffsetDateTime,
    ) -> Result<LeaseOutcome> {
        check_key("lease key", key)?;
        check_key("lease holder", holder)?;
        if until <= now {
            return Err(StoreError::Invalid("a lease must end in the future".into()));
        }
        let (now_us, until_us) = (to_micros(now), to_micros(until));
        let won: Option<LeaseRow> = with_pool!(self, pool => {
            sqlx::query_as(LEASE_UPSERT)
            .bind(key).bind(holder).bind(now_us).bind(until_us)
            .fetch_optional(pool).await?
        });
        if let Some(row) = won {
            return Ok(LeaseOutcome::Acquired(row.into()));
        }
        let row: Option<LeaseRow> = with_pool!(self, pool => {
            sqlx::query_as("SELECT lease_key, holder, expires_at, fence FROM leases WHERE lease_key = $1")
                .bind(key).fetch_optional(pool).await?
        });
        match row {
            Some(r) => Ok(LeaseOutcome::Held(r.into())),
            // Released between our two statements: try once more.
            None => Box::pin(self.lease_acquire(key, holder, until, now)).await,
        }
    }

    /// Moves the deadline of a lease `holder` still holds; false if it lapsed
    /// or was taken over.
    pub async fn lease_renew(
        &self,
        key: &str,
        holder: &str,
        until: OffsetDateTime,
        now: OffsetDateTime,
    ) -> Result<bool> {
        let _turn = self.write_turn().await?;
        let n = with_pool!(self, pool => {
            sqlx::query("UPDATE leases SET expires_at = $1 WHERE lease_key = $2 AND holder = $3 AND expires_at > $4")
                .bind(to_micros(until)).bind(key).bind(holder).bind(to_micros(now))
                .execute(pool).await?.rows_affected()
        });
        Ok(n == 1)
    }

    /// Gives a lease up early; false if `holder` did not hold it.
    pub async fn lease_release(&self, key: &str, holder: &str) -> Result<bool> {
        let _turn = self.write_turn().await?;
        let n = with_pool!(self, pool => {
            sqlx::query("DELETE FROM leases WHERE lease_key = $1 AND holder = $2")
                .bind(key).bind(holder).execute(pool).await?.rows_affected()
        });
        Ok(n == 1)
    }

    /// The current holder of `key`, if the lease has not lapsed.
    pub async fn lease_holder(&self, key: &str, now: OffsetDateTime) -> Result<Option<LeaseGrant>> {
        let row: Option<LeaseRow> = with_pool!(self, pool => {
            sqlx::query_as("SELECT lease_key, holder, expires_at, fence FROM leases WHERE lease_key = $1 AND expires_at > $2")
                .bind(key).bind(to_micros(now)).fetch_optional(pool).await?
        });
        Ok(row.map(Into::into))
    }

    /// Queues a job to run from `run_at` on.
    pub async fn job_enqueue(
        &self,
        queue: &str,
        payload: &str,
        run_at: OffsetDateTime,
        now: OffsetDateTime,
    ) -> Result<Uuid> {
        check_key("queue", queue)?;
        let id = Uuid::now_v7();
        let _turn = self.write_turn().await?;
        with_pool!(self, pool => {
            sqlx::query("INSERT INTO jobs (id, queue, payload, run_at, created_at) VALUES ($1, $2, $3, $4, $5)")
                .bind(id).bind(queue).bind(payload).bind(to_micros(run_at)).bind(to_micros(now))
                .execute(pool).await?;
        });
        Ok(id)
    }

    /// Claims the oldest due job of `queue` for `worker` until `until`. A job
    /// whose previous claim lapsed is due again.
    pub async fn job_claim(
        &self,
        queue: &str,
        worker: &str,
        until: OffsetDateTime,
        now: OffsetDateTime,
    ) -> Result<Option<Job>> {
        const SQLITE: &str = "UPDATE jobs SET lease_holder = $2, lease_until = $3, attempts = attempts + 1 \
             WHERE id = (SELECT id FROM jobs WHERE queue = $1 AND done_at IS NULL AND run_at <= $4 \
             AND (lease_until IS NULL OR lease_until <= $4) ORDER BY run_at, id LIMIT 1) \
             RETURNING id, queue, payload, attempts, lease_until";
        const POSTGRES: &str = "UPDATE jobs SET lease_holder = $2, lease_until = $3, attempts = attempts + 1 \
             WHERE id = (SELECT id FROM jobs WHERE queue = $1 AND done_at IS NULL AND run_at <= $4 \
             AND (lease_until IS NULL OR lease_until <= $4) ORDER BY run_at, id LIMIT 1 FOR UPDATE SKIP LOCKED) \
             RETURNING id, queue, payload, attempts, lease_until";
        let (until_us, now_us) = (to_micros(until), to_micros(now));
        let row: Option<JobRow> = match &self.backend {
            Backend::Sqlite(pool) => {
                sqlx::query_as(SQLITE)
                    .bind(queue)
                    .bind(worker)
                    .bind(until_us)
                    .bind(now_us)
                    .fetch_optional(pool)
                    .await?
            }
            Backend::Postgres(pool) => {
                sqlx::query_as(POSTGRES)
                    .bind(queue)
                    .bind(worker)
                    .bind(until_us)
                    .bind(now_us)
                    .fetch_optional(pool)
                    .await?
            }
        };
        Ok(row.map(|r| Job {
            id: r.id,
            queue: r.queue,
            payload: r.payload,
            attempts: r.attempts,
            lease_until: r.lease_until.map(from_micros).unwrap_or(until),
        }))
    }

    /// Marks a claimed job done; false if `worker` no longer holds it.
    pub async fn job_complete(&self, id: Uuid, worker: &str, now: OffsetDateTime) -> Result<bool> {
        let _turn = self.write_turn().await?;
        let n = with_pool!(self, pool => {
            sqlx::query("UPDATE jobs SET done_at = $1, lease_holder = NULL, lease_until = NULL \
                         WHERE id = $2 AND lease_holder = $3 AND done_at IS NULL")
                .bind(to_micros(now)).bind(id).bind(worker).execute(pool).await?.rows_affected()
        });
        Ok(n == 1)
    }

    /// Records a failed attempt: the job runs again at `retry_at`, or, with
    /// `None`, is set aside as dead (kept, for redelivery on demand).
    pub async fn job_fail(
        &self,
        id: Uuid,
        worker: &str,
        error: &str,
        retry_at: Option<OffsetDateTime>,
        now: OffsetDateTime,
    ) -> Result<bool> {
        let n = write_tx!(self, tx => {
            match retry_at {
                Some(at) => sqlx::query("UPDATE jobs SET run_at = $1, lease_holder = NULL, lease_until = NULL, last_error = $2 \
                                         WHERE id = $3 AND lease_holder = $4 AND done_at IS NULL")
                    .bind(to_micros(at)).bind(error).bind(id).bind(worker)
                    .execute(&mut *tx).await?.rows_affected(),
                None => sqlx::query("UPDATE jobs SET done_at = $1, dead = TRUE, lease_holder = NULL, lease_until = NULL, last_error = $2 \
                                     WHERE id = $3 AND lease_holder = $4 AND done_at IS NULL")
                    .bind(to_micros(now)).bind(error).bind(id).bind(worker)
                    .execute(&mut *tx).await?.rows_affected(),
            }
        });
        Ok(n == 1)
    }
}
