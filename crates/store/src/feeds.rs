//! Prioritisation feeds as stored: CISA's KEV catalog, FIRST's EPSS scores
//! and CVE JSON 5 records with CISA's ADP enrichment.
//!
//! The domain crate (`bulwark-scoring`) reads the feeds; the caller copies
//! what it read into the plain structs here, and the store keeps it without
//! interpreting it: KEV dates are text as CISA publishes them (never
//! recomputed), EPSS scores are kept per model version (never compared
//! across versions), SSVC decision points are the domain crate's normalised
//! words.
//!
//! Each import is one transaction with one audit entry that counts what it
//! added, updated and left unchanged. Rows are written in multi-row
//! statements of at most [`FEED_CHUNK`] rows, and a row is rewritten only
//! when one of its fields differs. **An import that changes nothing writes
//! nothing, not even an audit entry** (there is no state change to audit):
//! a KEV catalog version already imported, an EPSS file or CVE records
//! imported before. Its receipt says so (`added` and `updated` both 0).

use std::collections::{HashMap, HashSet};

use bulwark_core::{AuditEvent, ContentAddress, from_micros, to_micros};
use serde::Serialize;
use serde_json::json;
use time::OffsetDateTime;

use crate::audit::append_audit;
use crate::tx::Tx;
use crate::{Actor, Result, Store, StoreError, with_pool, write_tx};

/// Rows per multi-row statement (14 parameters a KEV row: 7,000 at most,
/// under SQLite's 32,766 and PostgreSQL's 65,535).
pub const FEED_CHUNK: usize = 500;

/// What an import did: rows new to the store, rows whose fields changed,
/// rows that were already as given.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ImportReceipt {
    pub added: u64,
    pub updated: u64,
    pub unchanged: u64,
}

impl ImportReceipt {
    /// Whether the import changed anything.
    pub fn changed(&self) -> bool {
        self.added + self.updated > 0
    }
}

/// A KEV catalog's heading.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KevCatalogInfo {
    /// `2026.08.07`.
    pub catalog_version: String,
    /// As published: `2026-08-07T16:45:47.0648Z`.
    pub date_released: String,
    /// The count CISA states.
    pub count: u64,
}

/// One KEV entry as published; dates are text (`YYYY-MM-DD`), kept as
/// written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NewKevEntry {
    pub cve_id: String,
    pub vendor_project: String,
    pub product: String,
    pub vulnerability_name: String,
    pub date_added: String,
    pub due_date: String,
    pub known_ransomware_campaign_use: String,
    pub required_action: String,
    pub short_description: String,
    pub notes: String,
    pub cwes: Vec<String>,
}

/// A stored KEV entry, with the first catalog version that listed it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StoredKevEntry {
    pub entry: NewKevEntry,
    pub first_catalog_version: String,
    #[serde(with = "time::serde::rfc3339")]
    pub imported_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

/// One EPSS row.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NewEpssScore {
    pub cve: String,
    pub epss: f64,
    pub percentile: f64,
}

/// A stored EPSS score with the model version and day it comes from.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StoredEpss {
    pub cve: String,
    pub model_version: String,
    pub epss: f64,
    pub percentile: f64,
    /// As published.
    pub score_date: String,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

/// What Bulwark keeps of a CVE record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NewCveRecord {
    pub id: String,
    /// `PUBLISHED` or `REJECTED`.
    pub state: String,
    /// `cveMetadata.dateUpdated`, as published.
    pub date_updated: Option<String>,
    /// The CNA's first English description (a rejected record's reason).
    pub description: Option<String>,
    /// The CNA's CVSS metrics, as a JSON array (the domain crate's
    /// `CvssMetric`s).
    pub cna_cvss: String,
    /// CISA's ADP CVSS metrics, as a JSON array.
    pub adp_cvss: String,
    /// CISA's SSVC decision points, normalised (`none`, `public poc`,
    /// `active`; `no`, `yes`; `partial`, `total`).
    pub ssvc_exploitation: Option<String>,
    pub ssvc_automatable: Option<String>,
    pub ssvc_technical_impact: Option<String>,
    pub ssvc_version: Option<String>,
    /// The ADP's KEV note: `dateAdded` as published.
    pub adp_kev_date_added: Option<String>,
    /// SHA-256 of the record's bytes as read ([`crate::document_address`]): an unchanged
    /// record is not rewritten.
    pub raw_sha256: String,
    /// The record's `affected` entries, one row per key pair each is
    /// found under; replaced with the record. Written by
    /// [`Store::import_cves`] but not read back into a [`StoredCveRecord`]
    /// (always empty there, and left out of its JSON): read them with
    /// [`Store::cve_affected_of`].
    #[serde(skip)]
    pub affected: Vec<NewCveAffected>,
}

/// One `affected` entry of a CVE record under one (vendor, product) key
/// pair. The caller computes the keys and the entry's JSON (the matching
/// crate's `name_key` and `AffectedEntry`); the store keeps them as given.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NewCveAffected {
    pub vendor_key: String,
    pub product_key: String,
    /// A JSON object.
    pub entry: String,
}

/// A stored `affected` row: `n` numbers a record's rows in the order given.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct StoredCveAffected {
    pub cve_id: String,
    pub n: i64,
    pub vendor_key: String,
    pub product_key: String,
    pub entry: String,
}

/// A stored CVE record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StoredCveRecord {
    pub record: NewCveRecord,
    #[serde(with = "time::serde::rfc3339")]
    pub imported_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

/// Everything stored about one vulnerability, for the priority order.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VulnerabilityFacts {
    pub cve: String,
    pub kev: Option<StoredKevEntry>,
    /// The score of the newest model version.
    pub epss: Option<StoredEpss>,
    pub record: Option<StoredCveRecord>,
}

/// Rows in the feed tables.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct FeedCounts {
    pub kev_catalogs: u64,
    pub kev_entries: u64,
    pub epss_scores: u64,
    pub cve_records: u64,
}

pub(crate) fn invalid(msg: impl Into<String>) -> StoreError {
    StoreError::Invalid(msg.into())
}

fn check_id(kind: &str, id: &str) -> Result<()> {
    if id.is_empty() || id.len() > 64 || id.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(invalid(format!("{kind} {id:?} is not an identifier")));
    }
    Ok(())
}

fn check_unique<'a>(seen: &mut HashSet<String>, kind: &str, id: &'a str) -> Result<&'a str> {
    if !seen.insert(id.to_owned()) {
        return Err(invalid(format!("{kind} {id} appears twice in one import")));
    }
    Ok(id)
}

fn check_json_array(what: &str, id: &str, text: &str) -> Result<()> {
    match serde_json::from_str::<serde_json::Value>(text) {
        Ok(serde_json::Value::Array(_)) => Ok(()),
        _ => Err(invalid(format!("{what} of {id} is not a JSON array"))),
    }
}

fn check_affected(id: &str, rows: &[NewCveAffected]) -> Result<()> {
    for (i, a) in rows.iter().enumerate() {
        if a.vendor_key.is_empty() || a.product_key.is_empty() {
            return Err(invalid(format!(
                "affected row {i} of {id} has an empty key"
            )));
        }
        if !matches!(
            serde_json::from_str::<serde_json::Value>(&a.entry),
            Ok(serde_json::Value::Object(_))
        ) {
            return Err(invalid(format!(
                "affected row {i} of {id} is not a JSON object"
            )));
        }
    }
    Ok(())
}

fn count(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

/// Splits `returned` (rows written by an upsert) into added and updated,
/// from the table's row count before and after.
fn receipt(total: u64, before: i64, after: i64, returned: u64) -> ImportReceipt {
    let added = count(after - before);
    let updated = returned.saturating_sub(added);
    ImportReceipt {
        added,
        updated,
        unchanged: total.saturating_sub(added + updated),
    }
}

/// CVEs read per statement by [`Store::vulnerability_facts_of`].
pub const FACTS_CHUNK: usize = 500;

const EPSS_COLUMNS: &str = "cve, model_version, epss, percentile, score_date, updated_at";

const KEV_COLUMNS: &str = "cve_id, vendor_project, product, vulnerability_name, date_added, \
     due_date, known_ransomware_campaign_use, required_action, short_description, notes, cwes, \
     first_catalog_version, imported_at, updated_at";

/// Fields compared to decide whether a KEV entry changed.
const KEV_FIELDS: [&str; 10] = [
    "vendor_project",
    "product",
    "vulnerability_name",
    "date_added",
    "due_date",
    "known_ransomware_campaign_use",
    "required_action",
    "short_description",
    "notes",
    "cwes",
];

fn kev_upsert_tail() -> String {
    let set: Vec<String> = KEV_FIELDS
        .iter()
        .map(|f| format!("{f} = excluded.{f}"))
        .collect();
    let differs: Vec<String> = KEV_FIELDS
        .iter()
        .map(|f| format!("kev_entries.{f} <> excluded.{f}"))
        .collect();
    format!(
        " ON CONFLICT (cve_id) DO UPDATE SET {}, updated_at = excluded.updated_at WHERE {} \
         RETURNING cve_id",
        set.join(", "),
        differs.join(" OR ")
    )
}

const EPSS_UPSERT_TAIL: &str = " ON CONFLICT (cve, model_version) DO UPDATE SET \
     epss = excluded.epss, percentile = excluded.percentile, score_date = excluded.score_date, \
     updated_at = excluded.updated_at \
     WHERE epss_scores.epss <> excluded.epss OR epss_scores.percentile <> excluded.percentile \
     OR epss_scores.score_date <> excluded.score_date RETURNING cve";

const CVE_COLUMNS: &str = "id, state, date_updated, description, cna_cvss, adp_cvss, \
     ssvc_exploitation, ssvc_automatable, ssvc_technical_impact, ssvc_version, \
     adp_kev_date_added, raw_sha256, imported_at, updated_at";

const CVE_UPSERT_TAIL: &str = " ON CONFLICT (id) DO UPDATE SET state = excluded.state, \
     date_updated = excluded.date_updated, description = excluded.description, \
     cna_cvss = excluded.cna_cvss, adp_cvss = excluded.adp_cvss, \
     ssvc_exploitation = excluded.ssvc_exploitation, \
     ssvc_automatable = excluded.ssvc_automatable, \
     ssvc_technical_impact = excluded.ssvc_technical_impact, \
     ssvc_version = excluded.ssvc_version, adp_kev_date_added = excluded.adp_kev_date_added, \
     raw_sha256 = excluded.raw_sha256, updated_at = excluded.updated_at \
     WHERE cve_records.raw_sha256 <> excluded.raw_sha256 RETURNING id";

#[derive(sqlx::FromRow)]
struct KevRow {
    cve_id: String,
    vendor_project: String,
    product: String,
    vulnerability_name: String,
    date_added: String,
    due_date: String,
    known_ransomware_campaign_use: String,
    required_action: String,
    short_description: String,
    notes: String,
    cwes: String,
    first_catalog_version: String,
    imported_at: i64,
    updated_at: i64,
}

impl TryFrom<KevRow> for StoredKevEntry {
    type Error = StoreError;
    fn try_from(r: KevRow) -> Result<Self> {
        let cwes = serde_json::from_str(&r.cwes)
            .map_err(|_| StoreError::Corrupt(format!("kev_entries.cwes = {:?}", r.cwes)))?;
        Ok(StoredKevEntry {
            entry: NewKevEntry {
                cve_id: r.cve_id,
                vendor_project: r.vendor_project,
                product: r.product,
                vulnerability_name: r.vulnerability_name,
                date_added: r.date_added,
                due_date: r.due_date,
                known_ransomware_campaign_use: r.known_ransomware_campaign_use,
                required_action: r.required_action,
                short_description: r.short_description,
                notes: r.notes,
                cwes,
            },
            first_catalog_version: r.first_catalog_version,
            imported_at: from_micros(r.imported_at),
            updated_at: from_micros(r.updated_at),
        })
    }
}

#[derive(sqlx::FromRow)]
struct EpssRow {
    cve: String,
    model_version: String,
    epss: f64,
    percentile: f64,
    score_date: String,
    updated_at: i64,
}

impl From<EpssRow> for StoredEpss {
    fn from(r: EpssRow) -> Self {
        StoredEpss {
            cve: r.cve,
            model_version: r.model_version,
            epss: r.epss,
            percentile: r.percentile,
            score_date: r.score_date,
            updated_at: from_micros(r.updated_at),
        }
    }
}

#[derive(sqlx::FromRow)]
struct CveRow {
    id: String,
    state: String,
    date_updated: Option<String>,
    description: Option<String>,
    cna_cvss: String,
    adp_cvss: String,
    ssvc_exploitation: Option<String>,
    ssvc_automatable: Option<String>,
    ssvc_technical_impact: Option<String>,
    ssvc_version: Option<String>,
    adp_kev_date_added: Option<String>,
    raw_sha256: String,
    imported_at: i64,
    updated_at: i64,
}

impl From<CveRow> for StoredCveRecord {
    fn from(r: CveRow) -> Self {
        StoredCveRecord {
            record: NewCveRecord {
                id: r.id,
                state: r.state,
                date_updated: r.date_updated,
                description: r.description,
                cna_cvss: r.cna_cvss,
                adp_cvss: r.adp_cvss,
                ssvc_exploitation: r.ssvc_exploitation,
                ssvc_automatable: r.ssvc_automatable,
                ssvc_technical_impact: r.ssvc_technical_impact,
                ssvc_version: r.ssvc_version,
                adp_kev_date_added: r.adp_kev_date_added,
                raw_sha256: r.raw_sha256,
                affected: Vec::new(),
            },
            imported_at: from_micros(r.imported_at),
            updated_at: from_micros(r.updated_at),
        }
    }
}

impl Store {
    /// Imports a KEV catalog, incrementally by catalog version: a version
    /// already imported changes nothing (every entry counts as unchanged,
    /// no audit entry); a catalog released before the newest one imported
    /// is refused ([`StoreError::Invalid`]), so an old file cannot roll
    /// entries back. Entries are added, or rewritten only when a field
    /// differs; each keeps the first catalog version that listed it.
    /// Entries a newer catalog no longer lists are kept.
    pub async fn import_kev(
        &self,
        actor: &Actor,
        catalog: &KevCatalogInfo,
        entries: &[NewKevEntry],
        now: OffsetDateTime,
    ) -> Result<ImportReceipt> {
        check_id("catalog version", &catalog.catalog_version)?;
        let mut seen = HashSet::with_capacity(entries.len());
        for e in entries {
            check_id("CVE id", &e.cve_id)?;
            check_unique(&mut seen, "CVE", &e.cve_id)?;
        }
        let cwes: Vec<String> = entries
            .iter()
            .map(|e| serde_json::to_string(&e.cwes).unwrap_or_else(|_| "[]".into()))
            .collect();
        let total = entries.len() as u64;
        let at = to_micros(now);
        let tail = kev_upsert_tail();
        let receipt = write_tx!(self, tx => {
            let known: Option<i64> = sqlx::query_scalar(
                "SELECT entry_count FROM kev_catalogs WHERE catalog_version = $1",
            )
            .bind(&catalog.catalog_version)
            .fetch_optional(&mut *tx)
            .await?;
            if known.is_some() {
                ImportReceipt { added: 0, updated: 0, unchanged: total }
            } else {
                let newest: Option<(String, String)> = sqlx::query_as(
                    "SELECT catalog_version, date_released FROM kev_catalogs \
                     ORDER BY date_released DESC, catalog_version DESC LIMIT 1",
                )
                .fetch_optional(&mut *tx)
                .await?;
                if let Some((version, released)) = newest
                    && catalog.date_released < released
                {
                    return Err(invalid(format!(
                        "KEV catalog {} (released {}) is older than catalog {version} \
                         (released {released}), already imported",
                        catalog.catalog_version, catalog.date_released
                    )));
                }
                let before: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM kev_entries")
                    .fetch_one(&mut *tx)
                    .await?;
                let mut returned = 0u64;
                let mut changed: Vec<String> = Vec::new();
                for (chunk, cwes) in entries.chunks(FEED_CHUNK).zip(cwes.chunks(FEED_CHUNK)) {
                    let mut q = sqlx::QueryBuilder::new(format!("INSERT INTO kev_entries ({KEV_COLUMNS}) "));
                    q.push_values(chunk.iter().zip(cwes), |mut row, (e, cwes)| {
                        row.push_bind(e.cve_id.as_str())
                            .push_bind(e.vendor_project.as_str())
                            .push_bind(e.product.as_str())
                            .push_bind(e.vulnerability_name.as_str())
                            .push_bind(e.date_added.as_str())
                            .push_bind(e.due_date.as_str())
                            .push_bind(e.known_ransomware_campaign_use.as_str())
                            .push_bind(e.required_action.as_str())
                            .push_bind(e.short_description.as_str())
                            .push_bind(e.notes.as_str())
                            .push_bind(cwes.as_str())
                            .push_bind(catalog.catalog_version.as_str())
                            .push_bind(at)
                            .push_bind(at);
                    });
                    q.push(&tail);
                    let ids = q.build_query_scalar::<String>().fetch_all(&mut *tx).await?;
                    returned += ids.len() as u64;
                    changed.extend(ids);
                }
                Tx::mark_priority(&mut *tx, &changed, true).await?;
                let after: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM kev_entries")
                    .fetch_one(&mut *tx)
                    .await?;
                let receipt = receipt(total, before, after, returned);
                sqlx::query(
                    "INSERT INTO kev_catalogs (catalog_version, date_released, entry_count, imported_at) \
                     VALUES ($1, $2, $3, $4)",
                )
                .bind(&catalog.catalog_version)
                .bind(&catalog.date_released)
                .bind(i64::try_from(catalog.count).unwrap_or(i64::MAX))
                .bind(at)
                .execute(&mut *tx)
                .await?;
                append_audit!(tx, actor, AuditEvent::new("feeds.kev.import", "kev_catalog", &catalog.catalog_version)
                    .with_detail(json!({
                        "date_released": catalog.date_released,
                        "count": catalog.count,
                        "entries": total,
                        "added": receipt.added,
                        "updated": receipt.updated,
                        "unchanged": receipt.unchanged,
                    })), at);
                receipt
            }
        });
        Ok(receipt)
    }

    /// Imports EPSS scores of one model version and day. A score is added,
    /// or rewritten when its value, percentile or day differ; scores of
    /// other model versions are left alone. Nothing changed: no audit entry.
    pub async fn import_epss<I>(
        &self,
        actor: &Actor,
        model_version: &str,
        score_date: &str,
        rows: I,
        now: OffsetDateTime,
    ) -> Result<ImportReceipt>
    where
        I: IntoIterator<Item = NewEpssScore>,
        I::IntoIter: Send,
    {
        check_id("EPSS model version", model_version)?;
        if score_date.is_empty() {
            return Err(invalid("an EPSS import needs its score date"));
        }
        let at = to_micros(now);
        let mut rows = rows.into_iter();
        let mut seen = HashSet::new();
        let mut total = 0u64;
        let receipt = write_tx!(self, tx => {
            let before: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM epss_scores WHERE model_version = $1")
                .bind(model_version)
                .fetch_one(&mut *tx)
                .await?;
            let mut returned = 0u64;
            let mut chunk = Vec::with_capacity(FEED_CHUNK);
            loop {
                chunk.clear();
                chunk.extend(rows.by_ref().take(FEED_CHUNK));
                if chunk.is_empty() {
                    break;
                }
                for r in &chunk {
                    check_id("CVE id", &r.cve)?;
                    check_unique(&mut seen, "CVE", &r.cve)?;
                    for (name, v) in [("epss", r.epss), ("percentile", r.percentile)] {
                        if !(0.0..=1.0).contains(&v) {
                            return Err(invalid(format!("{name} of {} is {v}, not between 0 and 1", r.cve)));
                        }
                    }
                }
                total += chunk.len() as u64;
                let mut q = sqlx::QueryBuilder::new(
                    "INSERT INTO epss_scores (cve, model_version, epss, percentile, score_date, updated_at) ",
                );
                q.push_values(&chunk, |mut row, r| {
                    row.push_bind(r.cve.as_str())
                        .push_bind(model_version)
                        .push_bind(r.epss)
                        .push_bind(r.percentile)
                        .push_bind(score_date)
                        .push_bind(at);
                });
                q.push(EPSS_UPSERT_TAIL);
                let ids = q.build_query_scalar::<String>().fetch_all(&mut *tx).await?;
                returned += ids.len() as u64;
                Tx::mark_priority(&mut *tx, &ids, false).await?;
            }
            let after: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM epss_scores WHERE model_version = $1")
                .bind(model_version)
                .fetch_one(&mut *tx)
                .await?;
            let receipt = receipt(total, before, after, returned);
            if receipt.changed() {
                append_audit!(tx, actor, AuditEvent::new("feeds.epss.import", "epss_model", model_version)
                    .with_detail(json!({
                        "score_date": score_date,
                        "rows": total,
                        "added": receipt.added,
                        "updated": receipt.updated,
                        "unchanged": receipt.unchanged,
                    })), at);
            }
            receipt
        });
        Ok(receipt)
    }

    /// Imports CVE records. A record is added, or rewritten when its raw
    /// SHA-256 differs from the stored one; its `affected` rows are
    /// replaced with it. An unchanged record that has no `affected` rows
    /// yet (imported before they were kept) gets them: re-importing the
    /// same files fills a database imported by an older Bulwark. Nothing
    /// changed: no audit entry. The audit entry names up to 100 of the
    /// records it added or updated, and counts the records whose
    /// `affected` rows were filled in.
    pub async fn import_cves<I>(
        &self,
        actor: &Actor,
        records: I,
        now: OffsetDateTime,
    ) -> Result<ImportReceipt>
    where
        I: IntoIterator<Item = NewCveRecord>,
        I::IntoIter: Send,
    {
        let at = to_micros(now);
        let mut records = records.into_iter();
        let mut seen = HashSet::new();
        let mut total = 0u64;
        let receipt = write_tx!(self, tx => {
            let before: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM cve_records")
                .fetch_one(&mut *tx)
                .await?;
            let mut returned: Vec<String> = Vec::new();
            let mut backfilled = 0u64;
            let mut affected_rows = 0u64;
            let mut chunk = Vec::with_capacity(FEED_CHUNK);
            loop {
                chunk.clear();
                chunk.extend(records.by_ref().take(FEED_CHUNK));
                if chunk.is_empty() {
                    break;
                }
                for r in &chunk {
                    check_id("CVE id", &r.id)?;
                    check_unique(&mut seen, "CVE record", &r.id)?;
                    check_json_array("cna_cvss", &r.id, &r.cna_cvss)?;
                    check_json_array("adp_cvss", &r.id, &r.adp_cvss)?;
                    if ContentAddress::parse(&r.raw_sha256).is_err() {
                        return Err(invalid(format!("raw_sha256 of {} is not a SHA-256", r.id)));
                    }
                    check_affected(&r.id, &r.affected)?;
                }
                total += chunk.len() as u64;
                let mut q = sqlx::QueryBuilder::new(format!("INSERT INTO cve_records ({CVE_COLUMNS}) "));
                q.push_values(&chunk, |mut row, r| {
                    row.push_bind(r.id.as_str())
                        .push_bind(r.state.as_str())
                        .push_bind(r.date_updated.as_deref())
                        .push_bind(r.description.as_deref())
                        .push_bind(r.cna_cvss.as_str())
                        .push_bind(r.adp_cvss.as_str())
                        .push_bind(r.ssvc_exploitation.as_deref())
                        .push_bind(r.ssvc_automatable.as_deref())
                        .push_bind(r.ssvc_technical_impact.as_deref())
                        .push_bind(r.ssvc_version.as_deref())
                        .push_bind(r.adp_kev_date_added.as_deref())
                        .push_bind(r.raw_sha256.as_str())
                        .push_bind(at)
                        .push_bind(at);
                });
                q.push(CVE_UPSERT_TAIL);
                let written: Vec<String> = q.build_query_scalar::<String>().fetch_all(&mut *tx).await?;
                Tx::mark_priority(&mut *tx, &written, true).await?;
                // Rows of rewritten records go; rows of records that have
                // none yet (new, rewritten, or from before rows were kept)
                // are written.
                let written_set: HashSet<&str> = written.iter().map(String::as_str).collect();
                let mut q = sqlx::QueryBuilder::new("SELECT DISTINCT cve_id FROM cve_affected WHERE cve_id IN (");
                let mut ids = q.separated(", ");
                for r in &chunk {
                    ids.push_bind(r.id.as_str());
                }
                q.push(")");
                let with_rows: Vec<String> = q.build_query_scalar::<String>().fetch_all(&mut *tx).await?;
                let with_rows: HashSet<&str> = with_rows.iter().map(String::as_str).collect();
                let stale: Vec<&str> = written_set.intersection(&with_rows).copied().collect();
                if !stale.is_empty() {
                    let mut q = sqlx::QueryBuilder::new("DELETE FROM cve_affected WHERE cve_id IN (");
                    let mut ids = q.separated(", ");
                    for id in &stale {
                        ids.push_bind(*id);
                    }
                    q.push(")");
                    q.build().execute(&mut *tx).await?;
                }
                let mut rows: Vec<(&str, i64, &NewCveAffected)> = Vec::new();
                for r in &chunk {
                    let rewritten = written_set.contains(r.id.as_str());
                    if !rewritten && with_rows.contains(r.id.as_str()) {
                        continue;
                    }
                    if !rewritten && !r.affected.is_empty() {
                        backfilled += 1;
                    }
                    rows.extend(r.affected.iter().zip(0i64..).map(|(a, n)| (r.id.as_str(), n, a)));
                }
                affected_rows += rows.len() as u64;
                for part in rows.chunks(FEED_CHUNK) {
                    let mut q = sqlx::QueryBuilder::new(
                        "INSERT INTO cve_affected (cve_id, n, vendor_key, product_key, entry) ",
                    );
                    q.push_values(part, |mut row, (id, n, a)| {
                        row.push_bind(*id)
                            .push_bind(*n)
                            .push_bind(a.vendor_key.as_str())
                            .push_bind(a.product_key.as_str())
                            .push_bind(a.entry.as_str());
                    });
                    q.build().execute(&mut *tx).await?;
                }
                returned.extend(written);
            }
            let after: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM cve_records")
                .fetch_one(&mut *tx)
                .await?;
            let receipt = receipt(total, before, after, returned.len() as u64);
            if receipt.changed() || backfilled > 0 {
                returned.truncate(100);
                append_audit!(tx, actor, AuditEvent::new("feeds.cve.import", "cve_records", format!("{total} records"))
                    .with_detail(json!({
                        "records": total,
                        "added": receipt.added,
                        "updated": receipt.updated,
                        "unchanged": receipt.unchanged,
                        "changed": returned,
                        "affected_rows": affected_rows,
                        "affected_filled_in": backfilled,
                    })), at);
            }
            receipt
        });
        Ok(receipt)
    }

    /// The KEV entry of `cve`, if listed.
    pub async fn kev_entry(&self, cve: &str) -> Result<Option<StoredKevEntry>> {
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT {KEV_COLUMNS} FROM kev_entries WHERE cve_id = $1"
        ));
        let row: Option<KevRow> = with_pool!(self, pool => {
            sqlx::query_as(sql).bind(cve).fetch_optional(pool).await?
        });
        row.map(StoredKevEntry::try_from).transpose()
    }

    /// Every KEV entry, by CVE id (the catalog is about 1,500 entries): for
    /// matching products by the vendor and product KEV names.
    pub async fn kev_entries_all(&self) -> Result<Vec<StoredKevEntry>> {
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT {KEV_COLUMNS} FROM kev_entries ORDER BY cve_id"
        ));
        let rows: Vec<KevRow> = with_pool!(self, pool => {
            sqlx::query_as(sql).fetch_all(pool).await?
        });
        rows.into_iter().map(StoredKevEntry::try_from).collect()
    }

    /// The `affected` rows filed under a (vendor, product) key pair, by
    /// CVE id and row number: an index read.
    pub async fn cve_affected_for(
        &self,
        vendor_key: &str,
        product_key: &str,
    ) -> Result<Vec<StoredCveAffected>> {
        Ok(with_pool!(self, pool => {
            sqlx::query_as(
                "SELECT cve_id, n, vendor_key, product_key, entry FROM cve_affected \
                 WHERE vendor_key = $1 AND product_key = $2 ORDER BY cve_id, n",
            )
            .bind(vendor_key)
            .bind(product_key)
            .fetch_all(pool)
            .await?
        }))
    }

    /// The `affected` rows of one CVE record, in order (an entry found
    /// under several key pairs is in several rows).
    pub async fn cve_affected_of(&self, cve_id: &str) -> Result<Vec<StoredCveAffected>> {
        Ok(with_pool!(self, pool => {
            sqlx::query_as(
                "SELECT cve_id, n, vendor_key, product_key, entry FROM cve_affected \
                 WHERE cve_id = $1 ORDER BY n",
            )
            .bind(cve_id)
            .fetch_all(pool)
            .await?
        }))
    }

    /// The KEV catalog versions imported, newest release first.
    pub async fn kev_catalogs(&self) -> Result<Vec<KevCatalogInfo>> {
        let rows: Vec<(String, String, i64)> = with_pool!(self, pool => {
            sqlx::query_as(
                "SELECT catalog_version, date_released, entry_count FROM kev_catalogs \
                 ORDER BY date_released DESC, catalog_version DESC",
            )
            .fetch_all(pool)
            .await?
        });
        Ok(rows
            .into_iter()
            .map(|(catalog_version, date_released, n)| KevCatalogInfo {
                catalog_version,
                date_released,
                count: count(n),
            })
            .collect())
    }

    /// The EPSS score of `cve` from the newest model version that scored it
    /// (model versions, `vYYYY.MM.DD`, ordered as text).
    pub async fn epss(&self, cve: &str) -> Result<Option<StoredEpss>> {
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT {EPSS_COLUMNS} FROM epss_scores WHERE cve = $1 \
             ORDER BY model_version DESC LIMIT 1"
        ));
        let row: Option<EpssRow> = with_pool!(self, pool => {
            sqlx::query_as(sql)
            .bind(cve)
            .fetch_optional(pool)
            .await?
        });
        Ok(row.map(Into::into))
    }

    /// Every EPSS score of `cve`, one per model version, oldest version first.
    pub async fn epss_all(&self, cve: &str) -> Result<Vec<StoredEpss>> {
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT {EPSS_COLUMNS} FROM epss_scores WHERE cve = $1 ORDER BY model_version"
        ));
        let rows: Vec<EpssRow> = with_pool!(self, pool => {
            sqlx::query_as(sql)
            .bind(cve)
            .fetch_all(pool)
            .await?
        });
        Ok(rows.into_iter().map(Into::into).collect())
    }

    /// The stored CVE record `id`.
    pub async fn cve_record(&self, id: &str) -> Result<Option<StoredCveRecord>> {
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT {CVE_COLUMNS} FROM cve_records WHERE id = $1"
        ));
        let row: Option<CveRow> = with_pool!(self, pool => {
            sqlx::query_as(sql).bind(id).fetch_optional(pool).await?
        });
        Ok(row.map(Into::into))
    }

    /// What the feeds say about `cve`: its KEV entry, its EPSS score of the
    /// newest model version and its CVE record, each if stored.
    pub async fn vulnerability_facts(&self, cve: &str) -> Result<VulnerabilityFacts> {
        Ok(VulnerabilityFacts {
            cve: cve.to_owned(),
            kev: self.kev_entry(cve).await?,
            epss: self.epss(cve).await?,
            record: self.cve_record(cve).await?,
        })
    }

    /// [`Store::vulnerability_facts`] of many CVEs at once, in the order
    /// given: three statements per [`FACTS_CHUNK`] ids instead of three
    /// per CVE, for ranking thousands.
    pub async fn vulnerability_facts_of(&self, cves: &[String]) -> Result<Vec<VulnerabilityFacts>> {
        let mut kev: HashMap<String, StoredKevEntry> = HashMap::new();
        let mut epss: HashMap<String, StoredEpss> = HashMap::new();
        let mut records: HashMap<String, StoredCveRecord> = HashMap::new();
        for chunk in cves.chunks(FACTS_CHUNK) {
            let marks: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
            let list = marks.join(", ");
            let kev_sql = sqlx::AssertSqlSafe(format!(
                "SELECT {KEV_COLUMNS} FROM kev_entries WHERE cve_id IN ({list})"
            ));
            // Newest model version first, so the first row of a CVE is the
            // one `epss` would give.
            let epss_sql = sqlx::AssertSqlSafe(format!(
                "SELECT {EPSS_COLUMNS} FROM epss_scores WHERE cve IN ({list}) \
                 ORDER BY cve, model_version DESC"
            ));
            let cve_sql = sqlx::AssertSqlSafe(format!(
                "SELECT {CVE_COLUMNS} FROM cve_records WHERE id IN ({list})"
            ));
            let (kev_rows, epss_rows, cve_rows): (Vec<KevRow>, Vec<EpssRow>, Vec<CveRow>) = with_pool!(self, pool => {
                let mut q = sqlx::query_as(kev_sql);
                for id in chunk {
                    q = q.bind(id.as_str());
                }
                let k = q.fetch_all(pool).await?;
                let mut q = sqlx::query_as(epss_sql);
                for id in chunk {
                    q = q.bind(id.as_str());
                }
                let e = q.fetch_all(pool).await?;
                let mut q = sqlx::query_as(cve_sql);
                for id in chunk {
                    q = q.bind(id.as_str());
                }
                (k, e, q.fetch_all(pool).await?)
            });
            for row in kev_rows {
                let entry = StoredKevEntry::try_from(row)?;
                kev.insert(entry.entry.cve_id.clone(), entry);
            }
            for row in epss_rows {
                let e = StoredEpss::from(row);
                epss.entry(e.cve.clone()).or_insert(e);
            }
            for row in cve_rows {
                let r = StoredCveRecord::from(row);
                records.insert(r.record.id.clone(), r);
            }
        }
        Ok(cves
            .iter()
            .map(|cve| VulnerabilityFacts {
                cve: cve.clone(),
                kev: kev.get(cve).cloned(),
                epss: epss.get(cve).cloned(),
                record: records.get(cve).cloned(),
            })
            .collect())
    }

    /// Rows in each feed table.
    pub async fn feed_counts(&self) -> Result<FeedCounts> {
        let (a, b, c, d): (i64, i64, i64, i64) = with_pool!(self, pool => {
            sqlx::query_as(
                "SELECT (SELECT COUNT(*) FROM kev_catalogs), (SELECT COUNT(*) FROM kev_entries), \
                 (SELECT COUNT(*) FROM epss_scores), (SELECT COUNT(*) FROM cve_records)",
            )
            .fetch_one(pool)
            .await?
        });
        Ok(FeedCounts {
            kev_catalogs: count(a),
            kev_entries: count(b),
            epss_scores: count(c),
            cve_records: count(d),
        })
    }
}
