//! OSV advisories as stored.
//!
//! `bulwark-matching` reads the records; the caller copies what the store
//! needs to find them into [`NewAdvisory`]: the id, `modified`,
//! `published`, `withdrawn` and `summary` as written, every alias, the
//! packages the `affected[]` entries name (ecosystem without its release,
//! the release, the name normalised under the ecosystem's rules), and the
//! record itself as JSON text. The store keeps that text without
//! interpreting it (it checks only that it is a JSON object) and hands it
//! back for the caller to parse again, as `frontier.rs` keeps the frontier
//! crate's data: the store does not depend on `bulwark-matching`.
//!
//! An import is one transaction with at most one audit entry, written in
//! multi-row statements of at most [`ADVISORY_CHUNK`] rows. A record is
//! added when its id is new, and replaced (with its names and packages)
//! only when its SHA-256 differs **and** its `modified` is not older than
//! the stored one's (see [`Store::import_advisories`]). **An import that
//! changes nothing writes nothing, not even an audit entry.**

use std::collections::{BTreeSet, HashMap, HashSet};

use bulwark_core::{AuditEvent, from_micros, to_micros};
use serde::Serialize;
use serde_json::json;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::audit::append_audit;
use crate::document_address;
use crate::feeds::invalid;
use crate::{Actor, Result, Store, with_pool, write_tx};

/// Rows per multi-row statement (10 parameters an advisory row: 5,000 at
/// most, under SQLite's 32,766 and PostgreSQL's 65,535).
pub const ADVISORY_CHUNK: usize = 500;

/// The most records [`Store::all_advisories`] hands over at once.
pub const MAX_ADVISORY_PAGE: u32 = 2_000;

/// The most compiled records [`Store::compiled_advisories`] returns at
/// once (a few hundred bytes each: the whole OSV database in some fifty
/// round trips).
pub const MAX_COMPILED_PAGE: u32 = 10_000;

/// A package an advisory names, as the caller normalised it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct AdvisoryPackage {
    /// The OSV ecosystem without its release (`Debian`, `PyPI`).
    pub ecosystem: String,
    /// The release part of the ecosystem (`12` of `Debian:12`).
    pub release: Option<String>,
    /// The name normalised under the ecosystem's rules.
    pub name: String,
}

/// One OSV record to import.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NewAdvisory {
    pub id: String,
    /// As written (RFC 3339 in a well-formed record).
    pub modified: Option<String>,
    pub published: Option<String>,
    pub withdrawn: Option<String>,
    pub summary: Option<String>,
    /// The record's aliases, as written; the store files them, and the id,
    /// upper-cased.
    pub aliases: Vec<String>,
    /// Duplicates are stored once.
    pub packages: Vec<AdvisoryPackage>,
    /// The record as a JSON object, kept as given; its SHA-256 decides
    /// whether a re-import changes anything.
    pub raw_json: String,
    /// The record's compiled form (`bulwark_matching::compiled`), kept
    /// beside the JSON so that the matching index loads without parsing.
    /// Derived from `raw_json`: not part of the record's SHA-256. Empty:
    /// none (the index then parses the JSON).
    pub compiled: Vec<u8>,
}

/// A stored record as the matching index is built from it: its compiled
/// form, or (stored before there was one) its JSON.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompiledAdvisory {
    pub id: String,
    pub compiled: Option<Vec<u8>>,
    /// Only when `compiled` is absent.
    pub raw_json: Option<String>,
}

/// A stored OSV record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StoredAdvisory {
    pub id: String,
    pub modified: Option<String>,
    pub published: Option<String>,
    pub withdrawn: Option<String>,
    pub summary: Option<String>,
    pub raw_json: String,
    /// Lower-case hex SHA-256 of `raw_json`.
    pub raw_sha256: String,
    #[serde(with = "time::serde::rfc3339")]
    pub imported_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

/// What an advisory import did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct AdvisoryReceipt {
    /// Ids new to the store.
    pub added: u64,
    /// Records replaced by a different copy, modified no earlier.
    pub updated: u64,
    /// Records stored already, byte for byte.
    pub unchanged: u64,
    /// Different copies older than the stored record, not written.
    pub older: u64,
}

impl AdvisoryReceipt {
    /// Whether the import changed anything.
    pub fn changed(&self) -> bool {
        self.added + self.updated > 0
    }
}

const ADVISORY_COLUMNS: &str = "id, modified, modified_at, published, withdrawn, summary, \
     raw_json, raw_sha256, imported_at, updated_at";

/// Every column but `imported_at` is replaced on an update.
const ADVISORY_UPSERT_TAIL: &str = " ON CONFLICT (id) DO UPDATE SET \
     modified = excluded.modified, modified_at = excluded.modified_at, \
     published = excluded.published, withdrawn = excluded.withdrawn, \
     summary = excluded.summary, raw_json = excluded.raw_json, \
     raw_sha256 = excluded.raw_sha256, updated_at = excluded.updated_at";

#[derive(sqlx::FromRow)]
struct AdvisoryRow {
    id: String,
    modified: Option<String>,
    published: Option<String>,
    withdrawn: Option<String>,
    summary: Option<String>,
    raw_json: String,
    raw_sha256: String,
    imported_at: i64,
    updated_at: i64,
}

impl From<AdvisoryRow> for StoredAdvisory {
    fn from(r: AdvisoryRow) -> Self {
        StoredAdvisory {
            id: r.id,
            modified: r.modified,
            published: r.published,
            withdrawn: r.withdrawn,
            summary: r.summary,
            raw_json: r.raw_json,
            raw_sha256: r.raw_sha256,
            imported_at: from_micros(r.imported_at),
            updated_at: from_micros(r.updated_at),
        }
    }
}

/// An OSV id or alias: 1 to 255 bytes, no white space or control
/// characters.
fn check_name(kind: &str, name: &str) -> Result<()> {
    if name.is_empty()
        || name.len() > 255
        || name.chars().any(|c| c.is_whitespace() || c.is_control())
    {
        return Err(invalid(format!("{kind} {name:?} is not an OSV identifier")));
    }
    Ok(())
}

/// `modified` in UTC microseconds, when it is an RFC 3339 instant.
fn modified_micros(modified: Option<&str>) -> Option<i64> {
    modified
        .and_then(|m| OffsetDateTime::parse(m.trim(), &Rfc3339).ok())
        .map(to_micros)
}

/// Whether a copy modified at `new` is older than one modified at
/// `stored`: by instant when both parse, else as text (RFC 3339 instants
/// written in one form compare as text); a copy without `modified` is
/// older than any copy with one (as `bulwark-matching`'s index decides).
fn is_older(new: (Option<&str>, Option<i64>), stored: (Option<&str>, Option<i64>)) -> bool {
    match (new, stored) {
        ((_, Some(a)), (_, Some(b))) => a < b,
        ((Some(a), _), (Some(b), _)) => a < b,
        ((None, _), (Some(_), _)) => true,
        _ => false,
    }
}

/// A record checked and prepared for writing.
struct Prepared {
    advisory: NewAdvisory,
    sha: String,
    modified_at: Option<i64>,
    names: BTreeSet<String>,
    packages: BTreeSet<AdvisoryPackage>,
}

fn prepare(a: NewAdvisory) -> Result<Prepared> {
    check_name("advisory id", &a.id)?;
    let names: BTreeSet<String> = std::iter::once(a.id.as_str())
        .chain(a.aliases.iter().map(String::as_str))
        .map(|n| {
            check_name(&format!("alias of {}", a.id), n)?;
            Ok(n.to_uppercase())
        })
        .collect::<Result<_>>()?;
    for p in &a.packages {
        if p.ecosystem.is_empty() || p.name.is_empty() {
            return Err(invalid(format!(
                "a package of {} has no ecosystem or no name",
                a.id
            )));
        }
    }
    if !matches!(
        serde_json::from_str::<serde_json::Value>(&a.raw_json),
        Ok(serde_json::Value::Object(_))
    ) {
        return Err(invalid(format!(
            "the record of {} is not a JSON object",
            a.id
        )));
    }
    Ok(Prepared {
        sha: document_address(a.raw_json.as_bytes()),
        modified_at: modified_micros(a.modified.as_deref()),
        names,
        packages: a.packages.iter().cloned().collect(),
        advisory: a,
    })
}

type StoredKey = (String, String, Option<String>, Option<i64>, bool);

impl Store {
    /// Imports OSV records, in one transaction with one audit entry (none
    /// when nothing changed). An id the store does not hold is added. A
    /// stored record is replaced, with its names and packages, only when
    /// the new copy's SHA-256 differs **and** its `modified` is not older
    /// than the stored copy's (compared as instants, else as text; a copy
    /// without `modified` is the oldest): advisory databases are read from
    /// mirrors, archives and caches that may deliver an older copy of a
    /// record after a newer one was imported, and importing it must not
    /// roll the record back. An id given twice in one import is refused
    /// ([`StoreError::Invalid`]; the caller picks one copy), as is a bad id
    /// or alias or a record that is not a JSON object; then nothing is
    /// written. The audit entry counts what the import did and names up to
    /// 100 of the records it added or replaced.
    pub async fn import_advisories<I>(
        &self,
        actor: &Actor,
        advisories: I,
        now: OffsetDateTime,
    ) -> Result<AdvisoryReceipt>
    where
        I: IntoIterator<Item = NewAdvisory>,
        I::IntoIter: Send,
    {
        let at = to_micros(now);
        let mut advisories = advisories.into_iter();
        let mut seen: HashSet<String> = HashSet::new();
        let mut receipt = AdvisoryReceipt::default();
        let receipt = write_tx!(self, tx => {
            let mut changed: Vec<String> = Vec::new();
            // Records without a compiled form, after less before.
            let mut uncompiled_delta: i64 = 0;
            loop {
                let mut chunk: Vec<Prepared> = Vec::with_capacity(ADVISORY_CHUNK);
                for a in advisories.by_ref().take(ADVISORY_CHUNK) {
                    if !seen.insert(a.id.clone()) {
                        return Err(invalid(format!("advisory {} appears twice in one import", a.id)));
                    }
                    chunk.push(prepare(a)?);
                }
                if chunk.is_empty() {
                    break;
                }
                let mut q = sqlx::QueryBuilder::new(
                    "SELECT a.id, a.raw_sha256, a.modified, a.modified_at, c.advisory_id IS NULL \
                     FROM advisories a LEFT JOIN advisory_compiled c ON c.advisory_id = a.id \
                     WHERE a.id IN (",
                );
                let mut ids = q.separated(", ");
                for p in &chunk {
                    ids.push_bind(p.advisory.id.as_str());
                }
                q.push(")");
                let stored: HashMap<String, (String, Option<String>, Option<i64>, bool)> = q
                    .build_query_as::<StoredKey>()
                    .fetch_all(&mut *tx)
                    .await?
                    .into_iter()
                    .map(|(id, sha, m, m_at, uncompiled)| (id, (sha, m, m_at, uncompiled)))
                    .collect();
                let mut write: Vec<&Prepared> = Vec::new();
                let mut replaced: Vec<&str> = Vec::new();
                for p in &chunk {
                    match stored.get(&p.advisory.id) {
                        None => {
                            receipt.added += 1;
                            write.push(p);
                        }
                        Some((sha, _, _, uncompiled)) if *sha == p.sha => {
                            receipt.unchanged += 1;
                            // Stored before records were compiled: the
                            // compiled form is derived data, filled in
                            // without changing the record.
                            if *uncompiled && !p.advisory.compiled.is_empty() {
                                sqlx::query("INSERT INTO advisory_compiled (advisory_id, compiled) VALUES ($1, $2)")
                                    .bind(p.advisory.id.as_str())
                                    .bind(p.advisory.compiled.as_slice())
                                    .execute(&mut *tx)
                                    .await?;
                                uncompiled_delta -= 1;
                            }
                        }
                        Some((_, m, m_at, was_uncompiled)) => {
                            if is_older((p.advisory.modified.as_deref(), p.modified_at), (m.as_deref(), *m_at)) {
                                receipt.older += 1;
                            } else {
                                receipt.updated += 1;
                                replaced.push(&p.advisory.id);
                                write.push(p);
                                if *was_uncompiled {
                                    uncompiled_delta -= 1;
                                }
                            }
                        }
                    }
                }
                if write.is_empty() {
                    continue;
                }
                if !replaced.is_empty() {
                    for table in ["advisory_aliases", "advisory_packages", "advisory_compiled"] {
                        let mut q = sqlx::QueryBuilder::new(format!(
                            "DELETE FROM {table} WHERE advisory_id IN ("
                        ));
                        let mut ids = q.separated(", ");
                        for id in &replaced {
                            ids.push_bind(*id);
                        }
                        q.push(")");
                        q.build().execute(&mut *tx).await?;
                    }
                }
                let mut q = sqlx::QueryBuilder::new(format!(
                    "INSERT INTO advisories ({ADVISORY_COLUMNS}) "
                ));
                q.push_values(&write, |mut row, p| {
                    let a = &p.advisory;
                    row.push_bind(a.id.as_str())
                        .push_bind(a.modified.as_deref())
                        .push_bind(p.modified_at)
                        .push_bind(a.published.as_deref())
                        .push_bind(a.withdrawn.as_deref())
                        .push_bind(a.summary.as_deref())
                        .push_bind(a.raw_json.as_str())
                        .push_bind(p.sha.as_str())
                        .push_bind(at)
                        .push_bind(at);
                });
                q.push(ADVISORY_UPSERT_TAIL);
                q.build().execute(&mut *tx).await?;
                let compiled: Vec<&NewAdvisory> = write
                    .iter()
                    .map(|p| &p.advisory)
                    .filter(|a| !a.compiled.is_empty())
                    .collect();
                uncompiled_delta += (write.len() - compiled.len()) as i64;
                if !compiled.is_empty() {
                    let mut q = sqlx::QueryBuilder::new("INSERT INTO advisory_compiled (advisory_id, compiled) ");
                    q.push_values(&compiled, |mut row, a| {
                        row.push_bind(a.id.as_str()).push_bind(a.compiled.as_slice());
                    });
                    q.build().execute(&mut *tx).await?;
                }

                let names: Vec<(&str, &str)> = write
                    .iter()
                    .flat_map(|p| p.names.iter().map(|n| (n.as_str(), p.advisory.id.as_str())))
                    .collect();
                for rows in names.chunks(ADVISORY_CHUNK) {
                    let mut q = sqlx::QueryBuilder::new("INSERT INTO advisory_aliases (alias, advisory_id) ");
                    q.push_values(rows, |mut row, (alias, id)| {
                        row.push_bind(*alias).push_bind(*id);
                    });
                    q.build().execute(&mut *tx).await?;
                }
                let packages: Vec<(&str, &AdvisoryPackage)> = write
                    .iter()
                    .flat_map(|p| p.packages.iter().map(|k| (p.advisory.id.as_str(), k)))
                    .collect();
                for rows in packages.chunks(ADVISORY_CHUNK) {
                    let mut q = sqlx::QueryBuilder::new(
                        "INSERT INTO advisory_packages (advisory_id, ecosystem, release, name) ",
                    );
                    q.push_values(rows, |mut row, (id, k)| {
                        row.push_bind(*id)
                            .push_bind(k.ecosystem.as_str())
                            .push_bind(k.release.as_deref())
                            .push_bind(k.name.as_str());
                    });
                    q.build().execute(&mut *tx).await?;
                }
                changed.extend(write.iter().take(100usize.saturating_sub(changed.len())).map(|p| p.advisory.id.clone()));
            }
            if receipt.changed() || uncompiled_delta != 0 {
                sqlx::query(
                    "UPDATE advisory_generation SET records = records + $1, \
                     uncompiled = uncompiled + $2, generation = generation + $3 WHERE id = 1",
                )
                .bind(i64::try_from(receipt.added).unwrap_or(i64::MAX))
                .bind(uncompiled_delta)
                .bind(i64::from(receipt.changed()))
                .execute(&mut *tx)
                .await?;
            }
            if receipt.changed() {
                let total = receipt.added + receipt.updated + receipt.unchanged + receipt.older;
                append_audit!(tx, actor, AuditEvent::new("advisories.import", "advisories", format!("{total} records"))
                    .with_detail(json!({
                        "records": total,
                        "added": receipt.added,
                        "updated": receipt.updated,
                        "unchanged": receipt.unchanged,
                        "older": receipt.older,
                        "changed": changed,
                    })), at);
            }
            receipt
        });
        Ok(receipt)
    }

    /// The records that answer to `name`, ignoring case: the record whose
    /// id it is first, then those that list it as an alias, by id. An alias
    /// (a CVE id, say) may name several records.
    pub async fn advisory(&self, name: &str) -> Result<Vec<StoredAdvisory>> {
        let key = name.trim().to_uppercase();
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT {ADVISORY_COLUMNS} FROM advisories WHERE id IN \
             (SELECT advisory_id FROM advisory_aliases WHERE alias = $1) ORDER BY id"
        ));
        let rows: Vec<AdvisoryRow> = with_pool!(self, pool => {
            sqlx::query_as(sql).bind(&key).fetch_all(pool).await?
        });
        let mut out: Vec<StoredAdvisory> = rows.into_iter().map(Into::into).collect();
        if let Some(i) = out.iter().position(|a| a.id.to_uppercase() == key) {
            let own = out.remove(i);
            out.insert(0, own);
        }
        Ok(out)
    }

    /// The records naming the package `name` (normalised as at import) in
    /// the OSV ecosystem `ecosystem` (without release), in any release, by
    /// id. Withdrawn records are included: their `withdrawn` says so.
    pub async fn advisories_for_package(
        &self,
        ecosystem: &str,
        name: &str,
    ) -> Result<Vec<StoredAdvisory>> {
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT {ADVISORY_COLUMNS} FROM advisories WHERE id IN \
             (SELECT advisory_id FROM advisory_packages WHERE ecosystem = $1 AND name = $2) \
             ORDER BY id"
        ));
        let rows: Vec<AdvisoryRow> = with_pool!(self, pool => {
            sqlx::query_as(sql).bind(ecosystem).bind(name).fetch_all(pool).await?
        });
        Ok(rows.into_iter().map(Into::into).collect())
    }

    /// A cheap stamp of the advisory store's state: the number of records
    /// and a counter that every import adding or replacing a record moves
    /// on (both kept in one row by the import, read in one indexed read),
    /// so that a reader holding an index built from the store can tell
    /// when to rebuild it.
    pub async fn advisory_generation(&self) -> Result<(u64, i64)> {
        let row: Option<(i64, i64)> = with_pool!(self, pool => {
            sqlx::query_as("SELECT records, generation FROM advisory_generation WHERE id = 1")
                .fetch_optional(pool)
                .await?
        });
        let (n, generation) = row.unwrap_or((0, 0));
        Ok((u64::try_from(n).unwrap_or(0), generation))
    }

    /// Stored records without a compiled form (imported before records
    /// were compiled, or given none).
    pub async fn uncompiled_advisory_count(&self) -> Result<u64> {
        let n: Option<i64> = with_pool!(self, pool => {
            sqlx::query_scalar("SELECT uncompiled FROM advisory_generation WHERE id = 1")
                .fetch_optional(pool)
                .await?
        });
        Ok(u64::try_from(n.unwrap_or(0)).unwrap_or(0))
    }

    /// Records stored, withdrawn ones included.
    pub async fn advisory_count(&self) -> Result<u64> {
        let n: i64 = with_pool!(self, pool => {
            sqlx::query_scalar("SELECT COUNT(*) FROM advisories").fetch_one(pool).await?
        });
        Ok(u64::try_from(n).unwrap_or(0))
    }

    /// Every stored record in id order (byte order on both back-ends), a
    /// page at a time: up to `limit` records (clamped to
    /// 1..=[`MAX_ADVISORY_PAGE`]) with ids after `after`. An empty page is
    /// the end. For building `bulwark-matching`'s index at start.
    pub async fn all_advisories(
        &self,
        after: Option<&str>,
        limit: u32,
    ) -> Result<Vec<StoredAdvisory>> {
        let limit = i64::from(limit.clamp(1, MAX_ADVISORY_PAGE));
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT {ADVISORY_COLUMNS} FROM advisories WHERE id > $1 ORDER BY id LIMIT $2"
        ));
        let rows: Vec<AdvisoryRow> = with_pool!(self, pool => {
            sqlx::query_as(sql).bind(after.unwrap_or("")).bind(limit).fetch_all(pool).await?
        });
        Ok(rows.into_iter().map(Into::into).collect())
    }
}

impl Store {
    /// Every stored compiled form in id order, a page at a time (up to
    /// `limit`, clamped to 1..=[`MAX_COMPILED_PAGE`], with ids after
    /// `after`; an empty page is the end). For building the matching index
    /// without parsing JSON.
    pub async fn compiled_advisories(
        &self,
        after: Option<&str>,
        limit: u32,
    ) -> Result<Vec<CompiledAdvisory>> {
        let limit = i64::from(limit.clamp(1, MAX_COMPILED_PAGE));
        let rows: Vec<(String, Vec<u8>)> = with_pool!(self, pool => {
            sqlx::query_as(
                "SELECT advisory_id, compiled FROM advisory_compiled \
                 WHERE advisory_id > $1 ORDER BY advisory_id LIMIT $2",
            )
            .bind(after.unwrap_or(""))
            .bind(limit)
            .fetch_all(pool)
            .await?
        });
        Ok(rows
            .into_iter()
            .map(|(id, compiled)| CompiledAdvisory {
                id,
                compiled: Some(compiled),
                raw_json: None,
            })
            .collect())
    }

    /// The records without a compiled form, with their JSON, in id order a
    /// page at a time (as [`Store::compiled_advisories`]). Walks the table:
    /// ask only when [`Store::uncompiled_advisory_count`] is not 0.
    pub async fn uncompiled_advisories(
        &self,
        after: Option<&str>,
        limit: u32,
    ) -> Result<Vec<CompiledAdvisory>> {
        let limit = i64::from(limit.clamp(1, MAX_ADVISORY_PAGE));
        let rows: Vec<(String, String)> = with_pool!(self, pool => {
            sqlx::query_as(
                "SELECT a.id, a.raw_json FROM advisories a WHERE a.id > $1 AND NOT EXISTS \
                 (SELECT 1 FROM advisory_compiled c WHERE c.advisory_id = a.id) \
                 ORDER BY a.id LIMIT $2",
            )
            .bind(after.unwrap_or(""))
            .bind(limit)
            .fetch_all(pool)
            .await?
        });
        Ok(rows
            .into_iter()
            .map(|(id, raw_json)| CompiledAdvisory {
                id,
                compiled: None,
                raw_json: Some(raw_json),
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn older_copies() {
        let t = |s: &'static str| (Some(s), modified_micros(Some(s)));
        assert!(is_older(
            t("2024-01-01T00:00:00Z"),
            t("2024-01-02T00:00:00Z")
        ));
        assert!(!is_older(
            t("2024-01-02T00:00:00Z"),
            t("2024-01-01T00:00:00Z")
        ));
        assert!(!is_older(
            t("2024-01-01T00:00:00Z"),
            t("2024-01-01T00:00:00Z")
        ));
        // One instant, two forms.
        assert!(!is_older(
            t("2024-01-01T01:00:00+01:00"),
            t("2024-01-01T00:00:00.000Z")
        ));
        assert!(is_older((None, None), t("2024-01-01T00:00:00Z")));
        assert!(!is_older(t("2024-01-01T00:00:00Z"), (None, None)));
        assert!(!is_older((None, None), (None, None)));
        assert!(is_older(t("not a date 1"), t("not a date 2")));
    }
}
