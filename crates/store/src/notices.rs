//! Advisory notices: each organization an advisory affects gets one notice
//! naming its own affected components and the fix (issue 18, item 6).
//!
//! The store does not match anything: the application asks which stored
//! components are a package ([`Store::package_holdings`]), decides with the
//! matching engine which of them are affected, and hands over one
//! [`NewNotice`] per organization. [`Store::record_notices`] writes them in
//! one transaction: the advisory among those that notify
//! (`notice_advisories`, with its OSV record, so a later SBOM upload is
//! checked against it), each new notice, the components new to an existing
//! one, one `advisory.affects_you` event per organization whose notice is
//! new or grew (its payload names the notice and that organization only),
//! and one audit entry for the batch. Running it again with what is already
//! recorded changes nothing, so a re-publication notifies only what is new.

use std::collections::{BTreeSet, HashMap};

use bulwark_core::{AuditEvent, from_micros, to_micros};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::audit::append_audit;
use crate::obligations::publish_all;
use crate::{Actor, Page, PageRequest, Result, Store, StoreError, with_pool, write_tx};

/// Rows per multi-row statement (`publish_all!` reads it too).
const CHUNK: usize = 200;

/// The event each organization's new (or grown) notice is published as.
pub const NOTICE_EVENT: &str = "advisory.affects_you";

/// An advisory that notifies: as released or published, with its OSV record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NoticeAdvisory {
    pub advisory_id: Uuid,
    pub tracking_id: String,
    pub title: String,
    /// The OSV record, as JSON text.
    pub osv: String,
    /// What fixes it, in words.
    pub fix: String,
}

/// One affected component of an organization, as its notice names it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct NoticeComponent {
    pub sbom: Uuid,
    pub sbom_name: String,
    /// Position of the component in the SBOM.
    pub component: u64,
    pub name: String,
    /// The package URL under which it is affected.
    pub purl: String,
    pub version: Option<String>,
    /// The organization's systems the SBOM is attached to (names), if any.
    #[serde(default)]
    pub systems: Vec<String>,
}

impl NoticeComponent {
    /// What makes two entries the same component (its systems may change).
    fn key(&self) -> (Uuid, u64, &str) {
        (self.sbom, self.component, self.purl.as_str())
    }
}

/// One organization's affected components, to notify.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewNotice {
    pub org_id: Uuid,
    pub components: Vec<NoticeComponent>,
}

/// A notice as kept.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StoredNotice {
    pub id: Uuid,
    pub advisory_id: Uuid,
    pub tracking_id: String,
    pub org_id: Uuid,
    pub title: String,
    pub components: Vec<NoticeComponent>,
    pub fix: String,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub read_at: Option<OffsetDateTime>,
}

/// What [`Store::record_notices`] wrote.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NoticesWritten {
    /// Notices created, by organization.
    pub created: Vec<(Uuid, Uuid)>,
    /// Existing notices that gained components, by organization.
    pub grown: Vec<(Uuid, Uuid)>,
    /// Components added across all notices.
    pub new_components: usize,
}

/// A stored component of some organization's SBOM, found by package.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct HeldComponent {
    pub org_id: Uuid,
    pub sbom_id: Uuid,
    pub sbom_name: String,
    pub seq: i64,
    pub name: String,
    /// The purl under which the component is that package.
    pub purl: String,
    pub version: Option<String>,
}

#[derive(sqlx::FromRow)]
struct NoticeRow {
    id: Uuid,
    advisory_id: Uuid,
    tracking_id: String,
    org_id: Uuid,
    title: String,
    components: String,
    fix: String,
    created_at: i64,
    updated_at: i64,
    read_at: Option<i64>,
}

impl TryFrom<NoticeRow> for StoredNotice {
    type Error = StoreError;
    fn try_from(r: NoticeRow) -> Result<Self> {
        Ok(StoredNotice {
            components: serde_json::from_str(&r.components).map_err(|_| {
                StoreError::Corrupt(format!("advisory_notices.components of {}", r.id))
            })?,
            id: r.id,
            advisory_id: r.advisory_id,
            tracking_id: r.tracking_id,
            org_id: r.org_id,
            title: r.title,
            fix: r.fix,
            created_at: from_micros(r.created_at),
            updated_at: from_micros(r.updated_at),
            read_at: r.read_at.map(from_micros),
        })
    }
}

#[derive(sqlx::FromRow)]
struct AdvisoryRow {
    advisory_id: Uuid,
    tracking_id: String,
    title: String,
    osv: String,
    fix: String,
}

impl From<AdvisoryRow> for NoticeAdvisory {
    fn from(r: AdvisoryRow) -> Self {
        NoticeAdvisory {
            advisory_id: r.advisory_id,
            tracking_id: r.tracking_id,
            title: r.title,
            osv: r.osv,
            fix: r.fix,
        }
    }
}

const NOTICE_COLUMNS: &str = "id, advisory_id, tracking_id, org_id, title, components, fix, \
     created_at, updated_at, read_at";

fn check(advisory: &NoticeAdvisory) -> Result<()> {
    let bad = |m: &str| Err(StoreError::Invalid(m.to_owned()));
    if advisory.tracking_id.trim().is_empty() || advisory.tracking_id.len() > 200 {
        return bad("an advisory's tracking id must be 1 to 200 bytes");
    }
    if advisory.title.len() > 1000 {
        return bad("an advisory's title must be at most 1000 bytes");
    }
    if advisory.fix.len() > 10_000 {
        return bad("an advisory's fix must be at most 10000 bytes");
    }
    if serde_json::from_str::<Value>(&advisory.osv).is_err() {
        return bad("an advisory's OSV record must be JSON");
    }
    Ok(())
}

/// `existing` with the entries of `more` it lacks, in a stable order; and
/// how many were added. A component already named keeps its entry.
fn merged(existing: &[NoticeComponent], more: &[NoticeComponent]) -> (Vec<NoticeComponent>, usize) {
    let known: BTreeSet<(Uuid, u64, &str)> = existing.iter().map(NoticeComponent::key).collect();
    let mut out = existing.to_vec();
    let mut added = 0;
    let mut seen = BTreeSet::new();
    for c in more {
        if !known.contains(&c.key()) && seen.insert(c.key()) {
            out.push(c.clone());
            added += 1;
        }
    }
    out.sort();
    (out, added)
}

impl Store {
    /// Records `advisory` among those that notify and writes `notices`
    /// (one per organization; an organization named twice is merged): a
    /// new notice for an organization without one, the components new to
    /// an existing notice (which is then unread again), nothing for one
    /// already naming them all. Publishes one [`NOTICE_EVENT`] per notice
    /// created or grown, whose payload names the notice, its organization
    /// and that organization's components only, and appends one
    /// `advisory.notify` audit entry (counts, no names) for the batch; all
    /// in one transaction.
    pub async fn record_notices(
        &self,
        actor: &Actor,
        advisory: &NoticeAdvisory,
        notices: &[NewNotice],
        reason: &str,
        now: OffsetDateTime,
    ) -> Result<NoticesWritten> {
        check(advisory)?;
        let at = to_micros(now);
        let mut wanted: HashMap<Uuid, Vec<NoticeComponent>> = HashMap::new();
        for n in notices {
            wanted
                .entry(n.org_id)
                .or_default()
                .extend(n.components.iter().cloned());
        }
        wanted.retain(|_, c| !c.is_empty());
        let mut written = NoticesWritten::default();
        write_tx!(self, tx => {
            sqlx::query(
                "INSERT INTO notice_advisories (advisory_id, tracking_id, title, osv, fix, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $6) \
                 ON CONFLICT (advisory_id) DO UPDATE SET tracking_id = $2, title = $3, osv = $4, fix = $5, updated_at = $6",
            )
            .bind(advisory.advisory_id).bind(&advisory.tracking_id).bind(&advisory.title)
            .bind(&advisory.osv).bind(&advisory.fix).bind(at)
            .execute(&mut *tx).await?;
            let sql = sqlx::AssertSqlSafe(format!(
                "SELECT {NOTICE_COLUMNS} FROM advisory_notices WHERE advisory_id = $1"
            ));
            let rows: Vec<NoticeRow> = sqlx::query_as(sql)
                .bind(advisory.advisory_id).fetch_all(&mut *tx).await?;
            let mut existing: HashMap<Uuid, StoredNotice> = HashMap::new();
            for r in rows {
                let n = StoredNotice::try_from(r)?;
                existing.insert(n.org_id, n);
            }
            let mut orgs: Vec<Uuid> = wanted.keys().copied().collect();
            orgs.sort();
            // (notice id, org, components as kept, components new to it)
            let mut creates: Vec<(Uuid, Uuid, String, usize)> = Vec::new();
            let mut grows: Vec<(Uuid, Uuid, String, usize)> = Vec::new();
            let mut events: Vec<(&str, Value)> = Vec::new();
            for org in orgs {
                let more = &wanted[&org];
                let (all, added, id, new) = match existing.get(&org) {
                    Some(n) => {
                        let (all, added) = merged(&n.components, more);
                        (all, added, n.id, false)
                    }
                    None => {
                        let (all, added) = merged(&[], more);
                        (all, added, Uuid::now_v7(), true)
                    }
                };
                if added == 0 {
                    continue;
                }
                let text = serde_json::to_string(&all).map_err(|e| StoreError::Invalid(e.to_string()))?;
                events.push((NOTICE_EVENT, json!({
                    "notice": id,
                    "org": org,
                    "advisory": advisory.advisory_id,
                    "tracking_id": advisory.tracking_id,
                    "title": advisory.title,
                    "fix": advisory.fix,
                    "components": all,
                    "new_components": added,
                })));
                written.new_components += added;
                if new {
                    written.created.push((org, id));
                    creates.push((id, org, text, added));
                } else {
                    written.grown.push((org, id));
                    grows.push((id, org, text, added));
                }
            }
            for chunk in creates.chunks(CHUNK) {
                let mut q = sqlx::QueryBuilder::new(
                    "INSERT INTO advisory_notices (id, advisory_id, tracking_id, org_id, title, components, fix, \
                     created_at, updated_at) ",
                );
                q.push_values(chunk, |mut row, (id, org, text, _)| {
                    row.push_bind(*id)
                        .push_bind(advisory.advisory_id)
                        .push_bind(advisory.tracking_id.as_str())
                        .push_bind(*org)
                        .push_bind(advisory.title.as_str())
                        .push_bind(text.as_str())
                        .push_bind(advisory.fix.as_str())
                        .push_bind(at)
                        .push_bind(at);
                });
                q.build().execute(&mut *tx).await?;
            }
            for (id, _, text, _) in &grows {
                sqlx::query(
                    "UPDATE advisory_notices SET components = $2, title = $3, fix = $4, tracking_id = $5, \
                     updated_at = $6, read_at = NULL WHERE id = $1",
                )
                .bind(*id).bind(text).bind(&advisory.title).bind(&advisory.fix)
                .bind(&advisory.tracking_id).bind(at)
                .execute(&mut *tx).await?;
            }
            append_audit!(tx, actor, AuditEvent::new("advisory.notify", "advisory", advisory.advisory_id)
                .with_detail(json!({
                    "tracking_id": advisory.tracking_id,
                    "reason": reason,
                    "notices_created": creates.len(),
                    "notices_grown": grows.len(),
                    "components_added": written.new_components,
                })), at);
            publish_all!(tx, actor, &events, now);
        });
        Ok(written)
    }

    /// The advisory among those that notify, if it is one.
    pub async fn notice_advisory(&self, advisory_id: Uuid) -> Result<Option<NoticeAdvisory>> {
        let row: Option<AdvisoryRow> = with_pool!(self, pool => {
            sqlx::query_as(
                "SELECT advisory_id, tracking_id, title, osv, fix FROM notice_advisories WHERE advisory_id = $1",
            )
            .bind(advisory_id)
            .fetch_optional(pool)
            .await?
        });
        Ok(row.map(Into::into))
    }

    /// Every advisory that notifies (released to its parties or published,
    /// as recorded by [`Store::record_notices`]), with its OSV record: what
    /// a new SBOM is checked against. By advisory id.
    pub async fn advisory_osv_records_released(&self) -> Result<Vec<NoticeAdvisory>> {
        let rows: Vec<AdvisoryRow> = with_pool!(self, pool => {
            sqlx::query_as(
                "SELECT advisory_id, tracking_id, title, osv, fix FROM notice_advisories ORDER BY advisory_id",
            )
            .fetch_all(pool)
            .await?
        });
        Ok(rows.into_iter().map(Into::into).collect())
    }

    /// The components, across every SBOM, that are package `package`
    /// (normalised) in OSV ecosystem `ecosystem` (a key, without release),
    /// under their own name or their source package's, by any of their
    /// purls, with the SBOM and the organization that owns it. Every one:
    /// a notice must not miss an organization because a read stopped
    /// early (unlike [`Store::package_components`], which serves pages).
    /// Components without a purl are not among them (nothing to match).
    pub async fn package_holdings(
        &self,
        ecosystem: &str,
        package: &str,
    ) -> Result<Vec<HeldComponent>> {
        let rows: Vec<HeldComponent> = with_pool!(self, pool => {
            // One arm per index: with `package = $2 OR source_package = $2`
            // SQLite reads every component of the ecosystem through the
            // (ecosystem, package) index instead (measured: all 1,000,000
            // rows of the bench's npm estate for 3,000 wanted).
            sqlx::query_as(
                "SELECT s.org_id, s.id AS sbom_id, s.name AS sbom_name, c.seq, c.name, c.purl, c.version \
                 FROM sbom_components c JOIN sboms s ON s.id = c.sbom_id \
                 WHERE c.ecosystem = $1 AND c.package = $2 AND c.purl IS NOT NULL \
                 UNION \
                 SELECT s.org_id, s.id AS sbom_id, s.name AS sbom_name, c.seq, c.name, c.purl, c.version \
                 FROM sbom_components c JOIN sboms s ON s.id = c.sbom_id \
                 WHERE c.ecosystem = $1 AND c.source_package = $2 AND c.purl IS NOT NULL \
                 UNION \
                 SELECT s.org_id, s.id AS sbom_id, s.name AS sbom_name, c.seq, c.name, p.purl, c.version \
                 FROM sbom_component_purls p \
                 JOIN sbom_components c ON c.sbom_id = p.sbom_id AND c.seq = p.seq \
                 JOIN sboms s ON s.id = p.sbom_id \
                 WHERE p.ecosystem = $1 AND p.package = $2 \
                 UNION \
                 SELECT s.org_id, s.id AS sbom_id, s.name AS sbom_name, c.seq, c.name, p.purl, c.version \
                 FROM sbom_component_purls p \
                 JOIN sbom_components c ON c.sbom_id = p.sbom_id AND c.seq = p.seq \
                 JOIN sboms s ON s.id = p.sbom_id \
                 WHERE p.ecosystem = $1 AND p.source_package = $2",
            )
            .bind(ecosystem)
            .bind(package)
            .fetch_all(pool)
            .await?
        });
        Ok(rows)
    }

    /// One notice. `NotFound` when there is none.
    pub async fn advisory_notice(&self, id: Uuid) -> Result<StoredNotice> {
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT {NOTICE_COLUMNS} FROM advisory_notices WHERE id = $1"
        ));
        let row: NoticeRow = with_pool!(self, pool => {
            sqlx::query_as(sql).bind(id).fetch_one(pool).await?
        });
        row.try_into()
    }

    /// An organization's notices, newest first, before `page.after` (the
    /// last id of the previous page).
    pub async fn org_advisory_notices(
        &self,
        org: Uuid,
        page: PageRequest,
    ) -> Result<Page<StoredNotice>> {
        let limit = page.effective_limit();
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT {NOTICE_COLUMNS} FROM advisory_notices WHERE org_id = $1 AND id < $2 \
             ORDER BY id DESC LIMIT $3"
        ));
        let rows: Vec<NoticeRow> = with_pool!(self, pool => {
            sqlx::query_as(sql).bind(org).bind(page.after.unwrap_or(Uuid::max())).bind(limit + 1)
                .fetch_all(pool).await?
        });
        let rows = rows
            .into_iter()
            .map(StoredNotice::try_from)
            .collect::<Result<Vec<_>>>()?;
        Ok(crate::paginate(rows, limit, |n| n.id))
    }

    /// How many of an organization's notices are unread.
    pub async fn unread_advisory_notices(&self, org: Uuid) -> Result<u64> {
        let (n,): (i64,) = with_pool!(self, pool => {
            sqlx::query_as("SELECT COUNT(*) FROM advisory_notices WHERE org_id = $1 AND read_at IS NULL")
                .bind(org).fetch_one(pool).await?
        });
        Ok(u64::try_from(n).unwrap_or(0))
    }

    /// Every notice of an advisory (for its counts), by organization.
    pub async fn notices_of_advisory(&self, advisory_id: Uuid) -> Result<Vec<StoredNotice>> {
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT {NOTICE_COLUMNS} FROM advisory_notices WHERE advisory_id = $1 ORDER BY org_id"
        ));
        let rows: Vec<NoticeRow> = with_pool!(self, pool => {
            sqlx::query_as(sql).bind(advisory_id).fetch_all(pool).await?
        });
        rows.into_iter().map(TryInto::try_into).collect()
    }

    /// Marks a notice read (once: a second call changes nothing and writes
    /// no audit entry). `NotFound` when there is none.
    pub async fn mark_advisory_notice_read(
        &self,
        actor: &Actor,
        id: Uuid,
        now: OffsetDateTime,
    ) -> Result<StoredNotice> {
        let at = to_micros(now);
        write_tx!(self, tx => {
            let done = sqlx::query("UPDATE advisory_notices SET read_at = $2 WHERE id = $1 AND read_at IS NULL")
                .bind(id).bind(at).execute(&mut *tx).await?;
            if done.rows_affected() == 1 {
                append_audit!(tx, actor, AuditEvent::new("notice.read", "advisory_notice", id), at);
            }
        });
        self.advisory_notice(id).await
    }
}
