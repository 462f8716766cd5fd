//! The intake's multi-row statements, written once per back-end.
//!
//! PostgreSQL takes one array per column (`UNNEST`, `= ANY`): the statement
//! text never changes, so it is parsed and planned once per connection, and
//! a batch of any size is one statement with a handful of parameters rather
//! than a `VALUES` list of 15 parameters a row with a new text for every
//! batch size. (Measured with `benches/intake_http.rs`, this alone saved
//! little CPU: PostgreSQL's time goes to index upkeep, foreign-key checks and
//! WAL; it is kept because it bounds a statement by nothing but memory.)
//! SQLite has no arrays: it takes `VALUES` lists of [`CHUNK`] rows.
//!
//! Each method is implemented on the back-end's connection type, so inside
//! `write_tx!` (whose body is compiled once per back-end) `tx.insert_reports(…)`
//! picks the right one.

use std::future::Future;

use sqlx::{PgConnection, SqliteConnection};
use uuid::Uuid;

use crate::Result;

/// Rows per multi-row statement on SQLite: 15 binds a report row stay well
/// under SQLite's 32,766 parameters.
pub(crate) const CHUNK: usize = 500;

/// A case to open for a fingerprint nobody had reported.
pub(crate) struct NewCaseRow<'a> {
    pub id: Uuid,
    pub title: String,
    pub rule_id: Option<&'a str>,
    pub target_id: Option<Uuid>,
}

/// What every case or report of one intake batch shares.
#[derive(Clone, Copy)]
pub(crate) struct Batch<'a> {
    pub org: Uuid,
    pub submitted_by: Option<Uuid>,
    pub document: &'a str,
    pub at: i64,
}

/// One report row, its case decided.
pub(crate) struct NewReportRow<'a> {
    pub id: Uuid,
    pub case_id: Uuid,
    pub fingerprint: &'a str,
    pub rule_id: Option<&'a str>,
    pub title: String,
    pub location: Option<&'a str>,
    pub tool_name: Option<&'a str>,
    pub tool_version: Option<&'a str>,
    pub ai_model: Option<&'a str>,
    pub ai_model_version: Option<&'a str>,
    pub detail: String,
}

/// A case's row as the source bookkeeping needs it.
pub(crate) type CaseStateRow = (Uuid, String, Option<Uuid>, i64);

/// A (case, kind, source) pair with the case's `pending_at`.
pub(crate) type SourceRow<'a> = (Uuid, &'a str, &'a str, Option<i64>);

pub(crate) trait Bulk {
    /// The cases the given fingerprints already belong to.
    fn known_fingerprints(
        &mut self,
        fps: &[&str],
    ) -> impl Future<Output = Result<Vec<(String, Uuid)>>> + Send;

    /// Opens `new` cases reported first by `batch.org` at `batch.at`.
    fn insert_cases(
        &mut self,
        batch: Batch<'_>,
        rows: &[NewCaseRow<'_>],
    ) -> impl Future<Output = Result<()>> + Send;

    /// Maps fingerprints to cases unless already mapped (a concurrent
    /// intake got there first); returns the fingerprints this call mapped.
    fn insert_case_fingerprints(
        &mut self,
        rows: &[(&str, Uuid)],
    ) -> impl Future<Output = Result<Vec<String>>> + Send;

    fn insert_reports(
        &mut self,
        batch: Batch<'_>,
        rows: &[NewReportRow<'_>],
    ) -> impl Future<Output = Result<()>> + Send;

    /// State, merge target and first report time of the given cases.
    fn case_states(
        &mut self,
        ids: &[Uuid],
    ) -> impl Future<Output = Result<Vec<CaseStateRow>>> + Send;

    /// Records (case, kind, source) pairs not recorded before; returns
    /// those it recorded.
    fn insert_case_sources(
        &mut self,
        rows: &[SourceRow<'_>],
    ) -> impl Future<Output = Result<Vec<(Uuid, String, String)>>> + Send;

    /// Each of `ids`' first report time, the rows locked for update in id
    /// order on PostgreSQL (`FOR NO KEY UPDATE`: reports that refer to the
    /// case still go in). SQLite's writer holds the database's write lock.
    fn lock_first_reports(
        &mut self,
        ids: &[Uuid],
    ) -> impl Future<Output = Result<Vec<(Uuid, i64)>>> + Send;
}

const INSERT_CASES: &str = "INSERT INTO cases (id, state, title, rule_id, target_id, \
     first_reporter_org, first_reported_at, created_at, updated_at) ";
const INSERT_REPORTS: &str = "INSERT INTO reports (id, case_id, org_id, submitted_by, \
     fingerprint, document, rule_id, title, location, tool_name, tool_version, ai_model, \
     ai_model_version, detail, reported_at) ";

impl Bulk for SqliteConnection {
    async fn known_fingerprints(&mut self, fps: &[&str]) -> Result<Vec<(String, Uuid)>> {
        let mut out = Vec::with_capacity(fps.len());
        for chunk in fps.chunks(CHUNK) {
            let mut q = sqlx::QueryBuilder::new(
                "SELECT fingerprint, case_id FROM case_fingerprints WHERE fingerprint IN (",
            );
            let mut list = q.separated(", ");
            for fp in chunk {
                list.push_bind(*fp);
            }
            q.push(")");
            out.extend(
                q.build_query_as::<(String, Uuid)>()
                    .fetch_all(&mut *self)
                    .await?,
            );
        }
        Ok(out)
    }

    async fn insert_cases(&mut self, batch: Batch<'_>, rows: &[NewCaseRow<'_>]) -> Result<()> {
        for chunk in rows.chunks(CHUNK) {
            let mut q = sqlx::QueryBuilder::new(INSERT_CASES);
            q.push_values(chunk, |mut row, c| {
                row.push_bind(c.id)
                    .push_bind(bulwark_core::CaseState::New.as_str())
                    .push_bind(c.title.as_str())
                    .push_bind(c.rule_id)
                    .push_bind(c.target_id)
                    .push_bind(batch.org)
                    .push_bind(batch.at)
                    .push_bind(batch.at)
                    .push_bind(batch.at);
            });
            q.build().execute(&mut *self).await?;
        }
        Ok(())
    }

    async fn insert_case_fingerprints(&mut self, rows: &[(&str, Uuid)]) -> Result<Vec<String>> {
        let mut won = Vec::with_capacity(rows.len());
        for chunk in rows.chunks(CHUNK) {
            let mut q =
                sqlx::QueryBuilder::new("INSERT INTO case_fingerprints (fingerprint, case_id) ");
            q.push_values(chunk, |mut row, (fp, id)| {
                row.push_bind(*fp).push_bind(*id);
            });
            q.push(" ON CONFLICT DO NOTHING RETURNING fingerprint");
            won.extend(
                q.build_query_scalar::<String>()
                    .fetch_all(&mut *self)
                    .await?,
            );
        }
        Ok(won)
    }

    async fn insert_reports(&mut self, batch: Batch<'_>, rows: &[NewReportRow<'_>]) -> Result<()> {
        for chunk in rows.chunks(CHUNK) {
            let mut q = sqlx::QueryBuilder::new(INSERT_REPORTS);
            q.push_values(chunk, |mut row, r| {
                row.push_bind(r.id)
                    .push_bind(r.case_id)
                    .push_bind(batch.org)
                    .push_bind(batch.submitted_by)
                    .push_bind(r.fingerprint)
                    .push_bind(batch.document)
                    .push_bind(r.rule_id)
                    .push_bind(r.title.as_str())
                    .push_bind(r.location)
                    .push_bind(r.tool_name)
                    .push_bind(r.tool_version)
                    .push_bind(r.ai_model)
                    .push_bind(r.ai_model_version)
                    .push_bind(r.detail.as_str())
                    .push_bind(batch.at);
            });
            q.build().execute(&mut *self).await?;
        }
        Ok(())
    }

    async fn case_states(&mut self, ids: &[Uuid]) -> Result<Vec<CaseStateRow>> {
        let mut out = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(CHUNK) {
            let mut q = sqlx::QueryBuilder::new(
                "SELECT id, state, merged_into, first_reported_at FROM cases WHERE id IN (",
            );
            let mut list = q.separated(", ");
            for c in chunk {
                list.push_bind(*c);
            }
            q.push(")");
            out.extend(
                q.build_query_as::<CaseStateRow>()
                    .fetch_all(&mut *self)
                    .await?,
            );
        }
        Ok(out)
    }

    async fn insert_case_sources(
        &mut self,
        rows: &[SourceRow<'_>],
    ) -> Result<Vec<(Uuid, String, String)>> {
        let mut out = Vec::new();
        for chunk in rows.chunks(CHUNK) {
            let mut q = sqlx::QueryBuilder::new(
                "INSERT INTO case_sources (case_id, kind, source, pending_at) ",
            );
            q.push_values(chunk, |mut row, (case, kind, source, pending_at)| {
                row.push_bind(*case)
                    .push_bind(*kind)
                    .push_bind(*source)
                    .push_bind(*pending_at);
            });
            q.push(" ON CONFLICT DO NOTHING RETURNING case_id, kind, source");
            out.extend(
                q.build_query_as::<(Uuid, String, String)>()
                    .fetch_all(&mut *self)
                    .await?,
            );
        }
        Ok(out)
    }

    async fn lock_first_reports(&mut self, ids: &[Uuid]) -> Result<Vec<(Uuid, i64)>> {
        let mut out = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(CHUNK) {
            let mut q =
                sqlx::QueryBuilder::new("SELECT id, first_reported_at FROM cases WHERE id IN (");
            let mut list = q.separated(", ");
            for c in chunk {
                list.push_bind(*c);
            }
            q.push(") ORDER BY id");
            out.extend(
                q.build_query_as::<(Uuid, i64)>()
                    .fetch_all(&mut *self)
                    .await?,
            );
        }
        Ok(out)
    }
}

impl Bulk for PgConnection {
    async fn known_fingerprints(&mut self, fps: &[&str]) -> Result<Vec<(String, Uuid)>> {
        Ok(sqlx::query_as(
            "SELECT fingerprint, case_id FROM case_fingerprints WHERE fingerprint = ANY($1)",
        )
        .bind(fps)
        .fetch_all(&mut *self)
        .await?)
    }

    async fn insert_cases(&mut self, batch: Batch<'_>, rows: &[NewCaseRow<'_>]) -> Result<()> {
        let sql = format!(
            "{INSERT_CASES} SELECT id, 'new', title, rule_id, target_id, $5, $6, $6, $6 \
             FROM UNNEST($1::uuid[], $2::text[], $3::text[], $4::uuid[]) \
             AS u(id, title, rule_id, target_id)"
        );
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(rows.iter().map(|c| c.id).collect::<Vec<_>>())
            .bind(rows.iter().map(|c| c.title.as_str()).collect::<Vec<_>>())
            .bind(rows.iter().map(|c| c.rule_id).collect::<Vec<_>>())
            .bind(rows.iter().map(|c| c.target_id).collect::<Vec<_>>())
            .bind(batch.org)
            .bind(batch.at)
            .execute(&mut *self)
            .await?;
        Ok(())
    }

    async fn insert_case_fingerprints(&mut self, rows: &[(&str, Uuid)]) -> Result<Vec<String>> {
        Ok(sqlx::query_scalar(
            "INSERT INTO case_fingerprints (fingerprint, case_id) \
             SELECT * FROM UNNEST($1::text[], $2::uuid[]) \
             ON CONFLICT DO NOTHING RETURNING fingerprint",
        )
        .bind(rows.iter().map(|(fp, _)| *fp).collect::<Vec<_>>())
        .bind(rows.iter().map(|(_, id)| *id).collect::<Vec<_>>())
        .fetch_all(&mut *self)
        .await?)
    }

    async fn insert_reports(&mut self, batch: Batch<'_>, rows: &[NewReportRow<'_>]) -> Result<()> {
        let sql = format!(
            "{INSERT_REPORTS} SELECT id, case_id, $12, $13, fingerprint, $14, rule_id, title, \
             location, tool_name, tool_version, ai_model, ai_model_version, detail, $15 \
             FROM UNNEST($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::text[], \
             $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[]) \
             AS u(id, case_id, fingerprint, rule_id, title, location, tool_name, tool_version, \
             ai_model, ai_model_version, detail)"
        );
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(rows.iter().map(|r| r.id).collect::<Vec<_>>())
            .bind(rows.iter().map(|r| r.case_id).collect::<Vec<_>>())
            .bind(rows.iter().map(|r| r.fingerprint).collect::<Vec<_>>())
            .bind(rows.iter().map(|r| r.rule_id).collect::<Vec<_>>())
            .bind(rows.iter().map(|r| r.title.as_str()).collect::<Vec<_>>())
            .bind(rows.iter().map(|r| r.location).collect::<Vec<_>>())
            .bind(rows.iter().map(|r| r.tool_name).collect::<Vec<_>>())
            .bind(rows.iter().map(|r| r.tool_version).collect::<Vec<_>>())
            .bind(rows.iter().map(|r| r.ai_model).collect::<Vec<_>>())
            .bind(rows.iter().map(|r| r.ai_model_version).collect::<Vec<_>>())
            .bind(rows.iter().map(|r| r.detail.as_str()).collect::<Vec<_>>())
            .bind(batch.org)
            .bind(batch.submitted_by)
            .bind(batch.document)
            .bind(batch.at)
            .execute(&mut *self)
            .await?;
        Ok(())
    }

    async fn case_states(&mut self, ids: &[Uuid]) -> Result<Vec<CaseStateRow>> {
        Ok(sqlx::query_as(
            "SELECT id, state, merged_into, first_reported_at FROM cases WHERE id = ANY($1)",
        )
        .bind(ids)
        .fetch_all(&mut *self)
        .await?)
    }

    async fn insert_case_sources(
        &mut self,
        rows: &[SourceRow<'_>],
    ) -> Result<Vec<(Uuid, String, String)>> {
        Ok(sqlx::query_as(
            "INSERT INTO case_sources (case_id, kind, source, pending_at) \
             SELECT * FROM UNNEST($1::uuid[], $2::text[], $3::text[], $4::bigint[]) \
             ON CONFLICT DO NOTHING RETURNING case_id, kind, source",
        )
        .bind(rows.iter().map(|r| r.0).collect::<Vec<_>>())
        .bind(rows.iter().map(|r| r.1).collect::<Vec<_>>())
        .bind(rows.iter().map(|r| r.2).collect::<Vec<_>>())
        .bind(rows.iter().map(|r| r.3).collect::<Vec<_>>())
        .fetch_all(&mut *self)
        .await?)
    }

    async fn lock_first_reports(&mut self, ids: &[Uuid]) -> Result<Vec<(Uuid, i64)>> {
        Ok(sqlx::query_as(
            "SELECT id, first_reported_at FROM cases WHERE id = ANY($1) ORDER BY id FOR NO KEY UPDATE",
        )
        .bind(ids)
        .fetch_all(&mut *self)
        .await?)
    }
}
