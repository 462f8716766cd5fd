//! A write transaction's connection, on either back-end, with the
//! statements several write paths share.
//!
//! The helpers that run inside a write transaction (keeping a raw document,
//! refusing an unknown organization, reading a case's quorum, the per-source
//! bookkeeping) are ordinary generic functions over [`Tx`]:
//! `async fn f(tx: &mut impl Tx, …)`, called inside a `write_tx!` body with
//! `&mut *tx`. That body is compiled once per back-end, and so is each
//! helper, as rustfmt, the IDE and rustdoc see it.
//!
//! Statements that differ per back-end are [`Bulk`]'s (arrays on
//! PostgreSQL, `VALUES` lists on SQLite), implemented once per back-end.
//! The ones here are the same SQL on both, so they are written once, in one
//! generic impl whose where clause says what they need of a back-end (an
//! executor, the column types), and that impl holds for SQLite's and
//! PostgreSQL's connection alike.

use std::future::Future;

use sqlx::{ColumnIndex, Database, Decode, Encode, Executor, IntoArguments, Type};
use uuid::Uuid;

use crate::Result;
use crate::bulk::{Bulk, CHUNK};
use crate::documents::DocumentRow;
use crate::reliability::SourceDelta;
use crate::tool_evidence::{ToolCounts, ToolKey};

/// The sources behind one case's reports: (case, organization, tool, AI
/// model, model version).
pub(crate) type ReportSourceRow = (Uuid, Uuid, Option<String>, Option<String>, Option<String>);

/// What cases count for per tool version: (tool name, tool version, cases,
/// of which validated, rejected, duplicate).
pub(crate) type ToolCountRow = (String, String, i64, i64, i64, i64);

/// A tool version behind a case: (case, tool name, tool version, and either
/// its earliest report's arrival or whether it is a duplicate there).
pub(crate) type CaseToolRow = (Uuid, String, String, i64);

/// The connection of a write transaction on either back-end: [`Bulk`]'s
/// per-back-end statements and the shared ones below.
pub(crate) trait Tx: Bulk + Send {
    /// Keeps a raw document's row (with `content`, empty for a document kept
    /// in pieces) unless one with its address is kept already; true when
    /// this call kept it.
    fn insert_raw_document(
        &mut self,
        row: &DocumentRow<'_>,
        content: &[u8],
    ) -> impl Future<Output = Result<bool>> + Send;

    /// Keeps piece `seq` of a document kept in pieces.
    fn insert_document_piece(
        &mut self,
        sha256: &str,
        seq: i64,
        bytes: &[u8],
    ) -> impl Future<Output = Result<()>> + Send;

    /// Whether an organization with this id is registered.
    fn org_exists(&mut self, org: Uuid) -> impl Future<Output = Result<bool>> + Send;

    /// The organizations that reported a case: none of them reproduces it
    /// independently.
    fn case_reporters(&mut self, case: Uuid) -> impl Future<Output = Result<Vec<Uuid>>> + Send;

    /// A case's quorum as stored: (reproductions, vendor confirms).
    fn case_quorum(&mut self, case: Uuid) -> impl Future<Output = Result<(i64, bool)>> + Send;

    /// A case's validations as stored: (kind, result, organization).
    fn case_validation_results(
        &mut self,
        case: Uuid,
    ) -> impl Future<Output = Result<Vec<(String, String, Uuid)>>> + Send;

    /// Adds each row's (submitted, validated) to its source's counters in
    /// `source_stats` (a missing row starts at 0), in the order given.
    fn add_source_counts(
        &mut self,
        rows: &[SourceDelta],
    ) -> impl Future<Output = Result<()>> + Send;

    /// Marks the priority keys of `cves` stale (`priorities.rs`), so the
    /// application computes them again; `add` also adds the CVEs that have
    /// no key yet (a new record or KEV entry makes a CVE known; a new EPSS
    /// score alone does not). Any CVE at all moves the feeds' generation
    /// on ([`crate::Store::feed_generation`]).
    fn mark_priority(
        &mut self,
        cves: &[String],
        add: bool,
    ) -> impl Future<Output = Result<()>> + Send;

    /// What `cases` count for per source: (kind, source, cases, of which
    /// validated).
    fn case_source_counts(
        &mut self,
        cases: &[Uuid],
    ) -> impl Future<Output = Result<Vec<(String, String, i64, i64)>>> + Send;

    /// Forgets the sources recorded for `cases` in `case_sources`.
    fn delete_case_sources(&mut self, cases: &[Uuid]) -> impl Future<Output = Result<()>> + Send;

    /// The distinct sources behind the reports of `cases`.
    fn case_report_sources(
        &mut self,
        cases: &[Uuid],
    ) -> impl Future<Output = Result<Vec<ReportSourceRow>>> + Send;

    /// Adds each row's counts to its tool version's counters in
    /// `tool_version_stats` (a missing row starts at 0), in the order given.
    fn add_tool_counts(
        &mut self,
        rows: &[(ToolKey, ToolCounts)],
    ) -> impl Future<Output = Result<()>> + Send;

    /// What `cases` count for per tool version in `case_tool_versions`.
    fn case_tool_version_counts(
        &mut self,
        cases: &[Uuid],
    ) -> impl Future<Output = Result<Vec<ToolCountRow>>> + Send;

    /// Forgets the tool versions recorded for `cases`.
    fn delete_case_tool_versions(
        &mut self,
        cases: &[Uuid],
    ) -> impl Future<Output = Result<()>> + Send;

    /// The tool versions behind the reports of `cases`, each with its
    /// earliest report's arrival.
    fn case_report_tool_versions(
        &mut self,
        cases: &[Uuid],
    ) -> impl Future<Output = Result<Vec<CaseToolRow>>> + Send;

    /// Records (case, tool name, tool version, duplicate) rows not recorded
    /// before; returns those it recorded.
    fn insert_case_tool_versions(
        &mut self,
        rows: &[(Uuid, &str, &str, i64)],
    ) -> impl Future<Output = Result<Vec<CaseToolRow>>> + Send;

    /// Settles the first report of `cases` (sorted, distinct) for an
    /// intake by `org` that arrived at `at`, just before it commits: those
    /// first reported after `at` are credited to `org` at `at`, and the
    /// triage queue's copy of each case's first report time
    /// (`case_sources.pending_at`) is brought in step. Returns how many
    /// cases were credited. The cases are locked in id order first
    /// ([`Bulk::lock_first_reports`]): concurrent intakes settling the same
    /// cases take turns, each seeing what the other committed, and cannot
    /// deadlock on them, as no intake holds a case's lock before its end.
    fn settle_first_reports(
        &mut self,
        cases: &[Uuid],
        org: Uuid,
        at: i64,
    ) -> impl Future<Output = Result<u64>> + Send;
}

/// The number of rows a statement changed, which each back-end's query
/// result has but no sqlx trait names.
pub(crate) trait RowsAffected {
    fn rows_affected(&self) -> u64;
}

impl RowsAffected for sqlx::sqlite::SqliteQueryResult {
    fn rows_affected(&self) -> u64 {
        sqlx::sqlite::SqliteQueryResult::rows_affected(self)
    }
}

impl RowsAffected for sqlx::postgres::PgQueryResult {
    fn rows_affected(&self) -> u64 {
        sqlx::postgres::PgQueryResult::rows_affected(self)
    }
}

impl<C> Tx for C
where
    C: sqlx::Connection + Bulk + Send,
    for<'c> &'c mut C: Executor<'c, Database = C::Database>,
    <C::Database as Database>::Arguments: IntoArguments<C::Database>,
    <C::Database as Database>::QueryResult: RowsAffected,
    usize: ColumnIndex<<C::Database as Database>::Row>,
    Uuid: Type<C::Database> + for<'q> Encode<'q, C::Database> + for<'r> Decode<'r, C::Database>,
    i64: Type<C::Database> + for<'q> Encode<'q, C::Database> + for<'r> Decode<'r, C::Database>,
    bool: Type<C::Database> + for<'r> Decode<'r, C::Database>,
    String: Type<C::Database> + for<'r> Decode<'r, C::Database>,
    str: Type<C::Database>,
    [u8]: Type<C::Database>,
    for<'q> &'q str: Encode<'q, C::Database>,
    for<'q> &'q [u8]: Encode<'q, C::Database>,
{
    async fn insert_raw_document(&mut self, row: &DocumentRow<'_>, content: &[u8]) -> Result<bool> {
        let done = sqlx::query(
            "INSERT INTO raw_documents (sha256, media_type, size, content, first_org, at) \
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (sha256) DO NOTHING",
        )
        .bind(row.sha256)
        .bind(row.media_type)
        .bind(row.size)
        .bind(content)
        .bind(row.first_org)
        .bind(row.at)
        .execute(&mut *self)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn insert_document_piece(&mut self, sha256: &str, seq: i64, bytes: &[u8]) -> Result<()> {
        sqlx::query("INSERT INTO raw_document_chunks (sha256, seq, bytes) VALUES ($1, $2, $3)")
            .bind(sha256)
            .bind(seq)
            .bind(bytes)
            .execute(&mut *self)
            .await?;
        Ok(())
    }

    async fn org_exists(&mut self, org: Uuid) -> Result<bool> {
        let known: Option<Uuid> = sqlx::query_scalar("SELECT id FROM organizations WHERE id = $1")
            .bind(org)
            .fetch_optional(&mut *self)
            .await?;
        Ok(known.is_some())
    }

    async fn case_reporters(&mut self, case: Uuid) -> Result<Vec<Uuid>> {
        Ok(
            sqlx::query_scalar("SELECT DISTINCT org_id FROM reports WHERE case_id = $1")
                .bind(case)
                .fetch_all(&mut *self)
                .await?,
        )
    }

    async fn case_quorum(&mut self, case: Uuid) -> Result<(i64, bool)> {
        Ok(
            sqlx::query_as("SELECT quorum_reproductions, quorum_vendor FROM cases WHERE id = $1")
                .bind(case)
                .fetch_one(&mut *self)
                .await?,
        )
    }

    async fn case_validation_results(&mut self, case: Uuid) -> Result<Vec<(String, String, Uuid)>> {
        Ok(
            sqlx::query_as("SELECT kind, result, org_id FROM case_validations WHERE case_id = $1")
                .bind(case)
                .fetch_all(&mut *self)
                .await?,
        )
    }

    async fn add_source_counts(&mut self, rows: &[SourceDelta]) -> Result<()> {
        for chunk in rows.chunks(CHUNK) {
            let mut q = sqlx::QueryBuilder::<C::Database>::new(
                "INSERT INTO source_stats (kind, source, submitted, validated) ",
            );
            q.push_values(chunk, |mut row, ((kind, source), (n, v))| {
                row.push_bind(*kind)
                    .push_bind(source.as_str())
                    .push_bind(*n)
                    .push_bind(*v);
            });
            q.push(
                " ON CONFLICT (kind, source) DO UPDATE SET \
                 submitted = source_stats.submitted + excluded.submitted, \
                 validated = source_stats.validated + excluded.validated",
            );
            q.build().execute(&mut *self).await?;
        }
        Ok(())
    }

    async fn mark_priority(&mut self, cves: &[String], add: bool) -> Result<()> {
        if cves.is_empty() {
            return Ok(());
        }
        let mut added = 0i64;
        for chunk in cves.chunks(CHUNK) {
            // New CVEs are inserted (a concurrent import's insert of the
            // same CVE waits, then conflicts: each is counted once); the
            // others are marked.
            let inserted: std::collections::HashSet<String> = if add {
                let mut q =
                    sqlx::QueryBuilder::<C::Database>::new("INSERT INTO cve_priority (cve_id) ");
                q.push_values(chunk, |mut row, id| {
                    row.push_bind(id.as_str());
                });
                q.push(" ON CONFLICT (cve_id) DO NOTHING RETURNING cve_id");
                q.build_query_scalar::<String>()
                    .fetch_all(&mut *self)
                    .await?
                    .into_iter()
                    .collect()
            } else {
                std::collections::HashSet::new()
            };
            added += inserted.len() as i64;
            let known: Vec<&String> = chunk.iter().filter(|c| !inserted.contains(*c)).collect();
            if !known.is_empty() {
                let mut q = sqlx::QueryBuilder::<C::Database>::new(
                    "UPDATE cve_priority SET marked = marked + 1 WHERE cve_id IN (",
                );
                let mut list = q.separated(", ");
                for id in known {
                    list.push_bind(id.as_str());
                }
                q.push(")");
                q.build().execute(&mut *self).await?;
            }
        }
        sqlx::query(
            "UPDATE feed_generation SET n = n + 1, known_cves = known_cves + $1 WHERE id = 1",
        )
        .bind(added)
        .execute(&mut *self)
        .await?;
        Ok(())
    }

    async fn case_source_counts(
        &mut self,
        cases: &[Uuid],
    ) -> Result<Vec<(String, String, i64, i64)>> {
        let mut q = sqlx::QueryBuilder::<C::Database>::new(
            "SELECT cs.kind, cs.source, COUNT(*), \
             SUM(CASE WHEN c.state = 'validated' THEN 1 ELSE 0 END) \
             FROM case_sources cs JOIN cases c ON c.id = cs.case_id WHERE cs.case_id IN (",
        );
        let mut list = q.separated(", ");
        for c in cases {
            list.push_bind(*c);
        }
        q.push(") GROUP BY cs.kind, cs.source");
        Ok(q.build_query_as().fetch_all(&mut *self).await?)
    }

    async fn delete_case_sources(&mut self, cases: &[Uuid]) -> Result<()> {
        let mut q =
            sqlx::QueryBuilder::<C::Database>::new("DELETE FROM case_sources WHERE case_id IN (");
        let mut list = q.separated(", ");
        for c in cases {
            list.push_bind(*c);
        }
        q.push(")");
        q.build().execute(&mut *self).await?;
        Ok(())
    }

    async fn case_report_sources(&mut self, cases: &[Uuid]) -> Result<Vec<ReportSourceRow>> {
        let mut q = sqlx::QueryBuilder::<C::Database>::new(
            "SELECT DISTINCT case_id, org_id, tool_name, ai_model, ai_model_version \
             FROM reports WHERE case_id IN (",
        );
        let mut list = q.separated(", ");
        for c in cases {
            list.push_bind(*c);
        }
        q.push(")");
        Ok(q.build_query_as().fetch_all(&mut *self).await?)
    }

    async fn add_tool_counts(&mut self, rows: &[(ToolKey, ToolCounts)]) -> Result<()> {
        // 14 binds a row.
        for chunk in rows.chunks(CHUNK) {
            let mut q = sqlx::QueryBuilder::<C::Database>::new(
                "INSERT INTO tool_version_stats (tool_name, tool_version, reports, cases, validated, \
                 rejected, duplicate, patches, patches_accepted, claims, claims_findings, \
                 claims_nothing_found, claims_abandoned, targets) ",
            );
            q.push_values(chunk, |mut row, ((name, version), c)| {
                row.push_bind(name.as_str())
                    .push_bind(version.as_str())
                    .push_bind(c.reports)
                    .push_bind(c.cases)
                    .push_bind(c.validated)
                    .push_bind(c.rejected)
                    .push_bind(c.duplicate)
                    .push_bind(c.patches)
                    .push_bind(c.patches_accepted)
                    .push_bind(c.claims)
                    .push_bind(c.claims_findings)
                    .push_bind(c.claims_nothing_found)
                    .push_bind(c.claims_abandoned)
                    .push_bind(c.targets);
            });
            q.push(" ON CONFLICT (tool_name, tool_version) DO UPDATE SET ");
            let mut set = q.separated(", ");
            for col in [
                "reports",
                "cases",
                "validated",
                "rejected",
                "duplicate",
                "patches",
                "patches_accepted",
                "claims",
                "claims_findings",
                "claims_nothing_found",
                "claims_abandoned",
                "targets",
            ] {
                set.push(format_args!(
                    "{col} = tool_version_stats.{col} + excluded.{col}"
                ));
            }
            q.build().execute(&mut *self).await?;
        }
        Ok(())
    }

    async fn case_tool_version_counts(&mut self, cases: &[Uuid]) -> Result<Vec<ToolCountRow>> {
        let mut out = Vec::new();
        for chunk in cases.chunks(CHUNK) {
            let mut q = sqlx::QueryBuilder::<C::Database>::new(
                "SELECT t.tool_name, t.tool_version, COUNT(*), \
                 SUM(CASE WHEN c.state = 'validated' THEN 1 ELSE 0 END), \
                 SUM(CASE WHEN c.state = 'rejected' THEN 1 ELSE 0 END), \
                 SUM(CASE WHEN t.duplicate = 1 THEN 1 ELSE 0 END) \
                 FROM case_tool_versions t JOIN cases c ON c.id = t.case_id WHERE t.case_id IN (",
            );
            let mut list = q.separated(", ");
            for c in chunk {
                list.push_bind(*c);
            }
            q.push(") GROUP BY t.tool_name, t.tool_version");
            out.extend(
                q.build_query_as::<ToolCountRow>()
                    .fetch_all(&mut *self)
                    .await?,
            );
        }
        Ok(out)
    }

    async fn delete_case_tool_versions(&mut self, cases: &[Uuid]) -> Result<()> {
        for chunk in cases.chunks(CHUNK) {
            let mut q = sqlx::QueryBuilder::<C::Database>::new(
                "DELETE FROM case_tool_versions WHERE case_id IN (",
            );
            let mut list = q.separated(", ");
            for c in chunk {
                list.push_bind(*c);
            }
            q.push(")");
            q.build().execute(&mut *self).await?;
        }
        Ok(())
    }

    async fn case_report_tool_versions(&mut self, cases: &[Uuid]) -> Result<Vec<CaseToolRow>> {
        let mut out = Vec::new();
        for chunk in cases.chunks(CHUNK) {
            let mut q = sqlx::QueryBuilder::<C::Database>::new(
                "SELECT case_id, tool_name, COALESCE(tool_version, ''), MIN(reported_at) \
                 FROM reports WHERE tool_name IS NOT NULL AND case_id IN (",
            );
            let mut list = q.separated(", ");
            for c in chunk {
                list.push_bind(*c);
            }
            q.push(") GROUP BY case_id, tool_name, COALESCE(tool_version, '')");
            out.extend(
                q.build_query_as::<CaseToolRow>()
                    .fetch_all(&mut *self)
                    .await?,
            );
        }
        Ok(out)
    }

    async fn insert_case_tool_versions(
        &mut self,
        rows: &[(Uuid, &str, &str, i64)],
    ) -> Result<Vec<CaseToolRow>> {
        let mut out = Vec::new();
        for chunk in rows.chunks(CHUNK) {
            let mut q = sqlx::QueryBuilder::<C::Database>::new(
                "INSERT INTO case_tool_versions (case_id, tool_name, tool_version, duplicate) ",
            );
            q.push_values(chunk, |mut row, (case, name, version, dup)| {
                row.push_bind(*case)
                    .push_bind(*name)
                    .push_bind(*version)
                    .push_bind(*dup);
            });
            q.push(
                " ON CONFLICT DO NOTHING RETURNING case_id, tool_name, tool_version, \
                 CAST(duplicate AS BIGINT)",
            );
            out.extend(
                q.build_query_as::<CaseToolRow>()
                    .fetch_all(&mut *self)
                    .await?,
            );
        }
        Ok(out)
    }

    async fn settle_first_reports(&mut self, cases: &[Uuid], org: Uuid, at: i64) -> Result<u64> {
        let mut credited = 0;
        for chunk in cases.chunks(CHUNK) {
            let later: Vec<Uuid> = self
                .lock_first_reports(chunk)
                .await?
                .into_iter()
                .filter(|(_, first)| *first > at)
                .map(|(id, _)| id)
                .collect();
            if !later.is_empty() {
                let mut q = sqlx::QueryBuilder::<C::Database>::new(
                    "UPDATE cases SET first_reporter_org = ",
                );
                q.push_bind(org)
                    .push(", first_reported_at = ")
                    .push_bind(at)
                    .push(" WHERE id IN (");
                let mut list = q.separated(", ");
                for c in &later {
                    list.push_bind(*c);
                }
                q.push(")");
                q.build().execute(&mut *self).await?;
                credited += later.len() as u64;
            }
            let mut q = sqlx::QueryBuilder::<C::Database>::new(
                "UPDATE case_sources SET pending_at = \
                 (SELECT c.first_reported_at FROM cases c WHERE c.id = case_sources.case_id) \
                 WHERE pending_at IS NOT NULL AND pending_at <> \
                 (SELECT c.first_reported_at FROM cases c WHERE c.id = case_sources.case_id) \
                 AND case_id IN (",
            );
            let mut list = q.separated(", ");
            for c in chunk {
                list.push_bind(*c);
            }
            q.push(")");
            q.build().execute(&mut *self).await?;
        }
        Ok(credited)
    }
}
