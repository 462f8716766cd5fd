//! SBOMs as stored: who uploaded which document, and its components.
//!
//! `bulwark-sbom` reads the document and `bulwark-matching` maps each
//! component's package URL onto an OSV ecosystem; the caller copies what
//! the store needs into [`NewSbom`] and [`NewSbomComponent`], as
//! `advisories.rs` takes its records: the store depends on neither crate.
//! The document is kept content-addressed among the raw documents, in
//! pieces of [`crate::DOCUMENT_CHUNK`] bytes as intake keeps its documents,
//! so one document uploaded twice is stored once.
//!
//! An upload is one transaction with one audit entry. Components are
//! written in multi-row statements of at most [`SBOM_COMPONENT_CHUNK`]
//! rows. Matching results are not kept: they depend on the advisories of
//! the moment and are recomputed by the caller; the store answers "which
//! components of which SBOMs are package X" from an index
//! ([`Store::package_components`]).

use std::collections::HashMap;

use bulwark_core::{AuditEvent, Tlp, from_micros, to_micros};
use serde::Serialize;
use serde_json::json;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::audit::append_audit;
use crate::documents::{DocumentRow, keep_in_pieces};
use crate::{
    Actor, Page, PageRequest, Result, Store, StoreError, document_address, paginate, parse_col,
    with_pool, write_tx,
};

/// Rows per multi-row component statement (10 parameters a row: 5,000 at
/// most, under SQLite's 32,766 and PostgreSQL's 65,535).
pub const SBOM_COMPONENT_CHUNK: usize = 500;

/// The most components one SBOM may have.
pub const MAX_SBOM_COMPONENTS: usize = 1_000_000;

/// The most rows [`Store::package_components`] hands over.
pub const MAX_PACKAGE_COMPONENTS: u32 = 10_000;

/// One component of an SBOM to store.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct NewSbomComponent {
    /// The component's name as the SBOM writes it.
    pub name: String,
    /// Its package URL as written, if any.
    pub purl: Option<String>,
    /// The OSV ecosystem key it is looked up under (`npm`, `Debian`);
    /// `None` when it cannot be looked up (then `unmatchable` says why).
    pub ecosystem: Option<String>,
    /// The distribution release (`12` of `Debian:12`).
    pub release: Option<String>,
    /// The name normalised under the ecosystem's rules.
    pub package: Option<String>,
    /// A second name it is looked up under (an rpm's source rpm).
    pub source_package: Option<String>,
    /// The version to evaluate, if the component has one.
    pub version: Option<String>,
    /// Why it cannot be looked up in OSV data.
    pub unmatchable: Option<String>,
    /// Its further distinct package URLs that map onto an OSV ecosystem
    /// (an SPDX package may list several, naming different packages), each
    /// looked up too.
    pub other_purls: Vec<NewSbomPurl>,
}

/// A further package URL of a component, with what it is looked up as.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct NewSbomPurl {
    /// In canonical form.
    pub purl: String,
    /// The OSV ecosystem key (`npm`, `Debian`).
    pub ecosystem: String,
    /// The name normalised under the ecosystem's rules.
    pub package: String,
    /// A second name it is looked up under (an rpm's source rpm).
    pub source_package: Option<String>,
}

/// An SBOM to store.
#[derive(Debug, Clone)]
pub struct NewSbom {
    /// The uploading organization, which owns it.
    pub org_id: Uuid,
    /// As given (a file name, a product); 1 to 200 bytes.
    pub name: String,
    /// `bulwark-sbom`'s name of the format (`cyclonedx-json`, …).
    pub format: String,
    pub spec_version: String,
    /// The media type the document is kept under.
    pub media_type: String,
    /// The document as uploaded.
    pub document: Vec<u8>,
    pub tlp: Tlp,
    pub components: Vec<NewSbomComponent>,
}

/// A stored SBOM.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StoredSbom {
    pub id: Uuid,
    pub org_id: Uuid,
    /// `None` when uploaded at the command line.
    pub uploaded_by: Option<Uuid>,
    pub name: String,
    pub format: String,
    pub spec_version: String,
    /// The document's SHA-256, its address among the raw documents.
    pub document: String,
    pub tlp: Tlp,
    /// Components stored, unmatchable ones included.
    pub components: u64,
    /// Components that cannot be looked up in OSV data.
    pub unmatchable: u64,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

/// A stored component.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SbomComponent {
    pub sbom_id: Uuid,
    /// Position in the SBOM (document order, from 0).
    pub seq: u64,
    pub name: String,
    pub purl: Option<String>,
    pub ecosystem: Option<String>,
    pub release: Option<String>,
    pub package: Option<String>,
    pub source_package: Option<String>,
    pub version: Option<String>,
    pub unmatchable: Option<String>,
    /// Its further package URLs (see [`NewSbomComponent::other_purls`]), in
    /// document order. Empty in [`Store::package_components`]'s
    /// answer, whose `purl` is the one under which the component is that
    /// package.
    pub other_purls: Vec<String>,
}

const SBOM_COLUMNS: &str = "s.id, s.org_id, s.uploaded_by, s.name, s.format, s.spec_version, \
     s.document, s.tlp, s.components, s.unmatchable, s.created_at";

const COMPONENT_COLUMNS: &str = "c.sbom_id, c.seq, c.name, c.purl, c.ecosystem, c.release, \
     c.package, c.source_package, c.version, c.unmatchable";

#[derive(sqlx::FromRow)]
struct SbomRow {
    id: Uuid,
    org_id: Uuid,
    uploaded_by: Option<Uuid>,
    name: String,
    format: String,
    spec_version: String,
    document: String,
    tlp: String,
    components: i64,
    unmatchable: i64,
    created_at: i64,
}

impl TryFrom<SbomRow> for StoredSbom {
    type Error = StoreError;
    fn try_from(r: SbomRow) -> Result<Self> {
        Ok(StoredSbom {
            id: r.id,
            org_id: r.org_id,
            uploaded_by: r.uploaded_by,
            name: r.name,
            format: r.format,
            spec_version: r.spec_version,
            document: r.document,
            tlp: parse_col("sboms.tlp", &r.tlp)?,
            components: u64::try_from(r.components).unwrap_or(0),
            unmatchable: u64::try_from(r.unmatchable).unwrap_or(0),
            created_at: from_micros(r.created_at),
        })
    }
}

#[derive(sqlx::FromRow)]
struct ComponentRow {
    sbom_id: Uuid,
    seq: i64,
    name: String,
    purl: Option<String>,
    ecosystem: Option<String>,
    release: Option<String>,
    package: Option<String>,
    source_package: Option<String>,
    version: Option<String>,
    unmatchable: Option<String>,
}

impl From<ComponentRow> for SbomComponent {
    fn from(r: ComponentRow) -> Self {
        SbomComponent {
            sbom_id: r.sbom_id,
            seq: u64::try_from(r.seq).unwrap_or(0),
            name: r.name,
            purl: r.purl,
            ecosystem: r.ecosystem,
            release: r.release,
            package: r.package,
            source_package: r.source_package,
            version: r.version,
            unmatchable: r.unmatchable,
            other_purls: Vec::new(),
        }
    }
}

fn invalid(m: impl Into<String>) -> StoreError {
    StoreError::Invalid(m.into())
}

/// Text of at most `max` bytes without control characters (`None` passes).
fn check_text(what: &str, s: Option<&str>, max: usize) -> Result<()> {
    if let Some(s) = s
        && (s.len() > max || s.chars().any(char::is_control))
    {
        return Err(invalid(format!(
            "{what} must be at most {max} bytes without control characters"
        )));
    }
    Ok(())
}

fn check(new: &NewSbom) -> Result<()> {
    if new.name.trim().is_empty() {
        return Err(invalid("an SBOM needs a name"));
    }
    check_text("an SBOM's name", Some(&new.name), 200)?;
    if new.format.is_empty() || new.spec_version.is_empty() {
        return Err(invalid("an SBOM needs a format and a spec version"));
    }
    check_text("an SBOM's format", Some(&new.format), 50)?;
    check_text("an SBOM's spec version", Some(&new.spec_version), 50)?;
    if new.media_type.is_empty() || new.media_type.len() > 100 {
        return Err(invalid("media type must be 1 to 100 bytes"));
    }
    if new.document.is_empty() {
        return Err(invalid("an SBOM document cannot be empty"));
    }
    let purls: usize = new.components.iter().map(|c| c.other_purls.len()).sum();
    if new.components.len() > MAX_SBOM_COMPONENTS || purls > MAX_SBOM_COMPONENTS {
        return Err(invalid(format!(
            "an SBOM may have at most {MAX_SBOM_COMPONENTS} components"
        )));
    }
    for c in &new.components {
        // Names and versions are free text in SBOMs; only their size is
        // bounded, and control characters (which no tool writes) refused.
        check_text("a component's name", Some(&c.name), 4096)?;
        check_text("a component's package URL", c.purl.as_deref(), 8192)?;
        for (what, v) in [
            ("ecosystem", &c.ecosystem),
            ("release", &c.release),
            ("package", &c.package),
            ("source package", &c.source_package),
            ("version", &c.version),
        ] {
            check_text(&format!("a component's {what}"), v.as_deref(), 4096)?;
        }
        check_text("an unmatchable reason", c.unmatchable.as_deref(), 4096)?;
        for p in &c.other_purls {
            check_text("a component's package URL", Some(&p.purl), 8192)?;
            for (what, v) in [
                ("ecosystem", Some(&p.ecosystem)),
                ("package", Some(&p.package)),
                ("source package", p.source_package.as_ref()),
            ] {
                check_text(
                    &format!("a component's {what}"),
                    v.map(String::as_str),
                    4096,
                )?;
            }
            if p.purl.is_empty() || p.ecosystem.is_empty() || p.package.is_empty() {
                return Err(invalid(
                    "a further package URL needs its ecosystem and package name",
                ));
            }
        }
        if c.ecosystem.is_some() != c.package.is_some() {
            return Err(invalid(
                "a component has an ecosystem and a package name, or neither",
            ));
        }
        if c.ecosystem.is_none() && c.unmatchable.is_none() {
            return Err(invalid(format!(
                "component {:?} has no ecosystem and no reason why",
                c.name
            )));
        }
    }
    Ok(())
}

impl Store {
    /// Stores an uploaded SBOM as the actor's upload for `new.org_id`: the
    /// document (once per content), the SBOM and its components, and one
    /// audit entry, in one transaction. Refuses ([`StoreError::Invalid`])
    /// a missing name, an empty document, a component with an ecosystem
    /// but no name (or neither and no reason why), oversized text.
    pub async fn create_sbom(
        &self,
        actor: &Actor,
        new: &NewSbom,
        now: OffsetDateTime,
    ) -> Result<StoredSbom> {
        check(new)?;
        let id = Uuid::now_v7();
        let at = to_micros(now);
        let sha = document_address(&new.document);
        let size = i64::try_from(new.document.len()).unwrap_or(i64::MAX);
        let components = i64::try_from(new.components.len()).unwrap_or(i64::MAX);
        let unmatchable = new
            .components
            .iter()
            .filter(|c| c.ecosystem.is_none())
            .count();
        let unmatchable = i64::try_from(unmatchable).unwrap_or(i64::MAX);
        let name = new.name.trim();
        write_tx!(self, tx => {
            let row = DocumentRow { sha256: &sha, media_type: &new.media_type, size, first_org: new.org_id, at };
            keep_in_pieces(&mut *tx, &row, &mut new.document.as_slice()).await?;
            sqlx::query(
                "INSERT INTO sboms (id, org_id, uploaded_by, name, format, spec_version, document, tlp, \
                 components, unmatchable, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
            )
            .bind(id).bind(new.org_id).bind(actor.user).bind(name).bind(&new.format)
            .bind(&new.spec_version).bind(&sha).bind(new.tlp.as_str()).bind(components)
            .bind(unmatchable).bind(at)
            .execute(&mut *tx).await?;
            for (n, rows) in new.components.chunks(SBOM_COMPONENT_CHUNK).enumerate() {
                let first = n * SBOM_COMPONENT_CHUNK;
                let mut q = sqlx::QueryBuilder::new(
                    "INSERT INTO sbom_components (sbom_id, seq, name, purl, ecosystem, release, \
                     package, source_package, version, unmatchable) ",
                );
                q.push_values(rows.iter().enumerate(), |mut row, (i, c)| {
                    row.push_bind(id)
                        .push_bind(i64::try_from(first + i).unwrap_or(i64::MAX))
                        .push_bind(c.name.as_str())
                        .push_bind(c.purl.as_deref())
                        .push_bind(c.ecosystem.as_deref())
                        .push_bind(c.release.as_deref())
                        .push_bind(c.package.as_deref())
                        .push_bind(c.source_package.as_deref())
                        .push_bind(c.version.as_deref())
                        .push_bind(c.unmatchable.as_deref());
                });
                q.build().execute(&mut *tx).await?;
            }
            let others: Vec<(i64, i64, &NewSbomPurl)> = new
                .components
                .iter()
                .enumerate()
                .flat_map(|(seq, c)| {
                    c.other_purls.iter().enumerate().map(move |(n, p)| {
                        let at = |x: usize| i64::try_from(x).unwrap_or(i64::MAX);
                        (at(seq), at(n + 1), p)
                    })
                })
                .collect();
            for rows in others.chunks(SBOM_COMPONENT_CHUNK) {
                let mut q = sqlx::QueryBuilder::new(
                    "INSERT INTO sbom_component_purls (sbom_id, seq, n, purl, ecosystem, package, \
                     source_package) ",
                );
                q.push_values(rows, |mut row, (seq, n, p)| {
                    row.push_bind(id)
                        .push_bind(*seq)
                        .push_bind(*n)
                        .push_bind(p.purl.as_str())
                        .push_bind(p.ecosystem.as_str())
                        .push_bind(p.package.as_str())
                        .push_bind(p.source_package.as_deref());
                });
                q.build().execute(&mut *tx).await?;
            }
            append_audit!(tx, actor, AuditEvent::new("sbom.upload", "sbom", id.to_string())
                .with_detail(json!({
                    "name": name,
                    "org": new.org_id,
                    "format": new.format,
                    "spec_version": new.spec_version,
                    "document": sha,
                    "tlp": new.tlp.as_str(),
                    "components": components,
                    "unmatchable": unmatchable,
                })), at);
        });
        self.sbom(id).await
    }

    /// One SBOM. `NotFound` when there is none.
    pub async fn sbom(&self, id: Uuid) -> Result<StoredSbom> {
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT {SBOM_COLUMNS} FROM sboms s WHERE s.id = $1"
        ));
        let row: SbomRow = with_pool!(self, pool => {
            sqlx::query_as(sql).bind(id).fetch_one(pool).await?
        });
        row.try_into()
    }

    /// An organization's SBOMs in id (upload) order after `page.after`.
    pub async fn org_sboms(&self, org: Uuid, page: PageRequest) -> Result<Page<StoredSbom>> {
        let limit = page.effective_limit();
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT {SBOM_COLUMNS} FROM sboms s WHERE s.org_id = $1 AND s.id > $2 ORDER BY s.id LIMIT $3"
        ));
        let rows: Vec<SbomRow> = with_pool!(self, pool => {
            sqlx::query_as(sql).bind(org).bind(page.after.unwrap_or(crate::MIN_ID)).bind(limit + 1)
                .fetch_all(pool).await?
        });
        sbom_page(rows, limit)
    }

    /// Every SBOM, by id (upload order), whoever owns it; the caller filters
    /// what its reader may see.
    pub async fn sboms(&self, page: PageRequest) -> Result<Page<StoredSbom>> {
        let limit = page.effective_limit();
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT {SBOM_COLUMNS} FROM sboms s WHERE s.id > $1 ORDER BY s.id LIMIT $2"
        ));
        let rows: Vec<SbomRow> = with_pool!(self, pool => {
            sqlx::query_as(sql).bind(page.after.unwrap_or(crate::MIN_ID)).bind(limit + 1)
                .fetch_all(pool).await?
        });
        sbom_page(rows, limit)
    }

    /// An SBOM's components in document order (none for an unknown id).
    pub async fn sbom_components(&self, id: Uuid) -> Result<Vec<SbomComponent>> {
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT {COMPONENT_COLUMNS} FROM sbom_components c WHERE c.sbom_id = $1 ORDER BY c.seq"
        ));
        let rows: Vec<ComponentRow> = with_pool!(self, pool => {
            sqlx::query_as(sql).bind(id).fetch_all(pool).await?
        });
        let others: Vec<(i64, String)> = with_pool!(self, pool => {
            sqlx::query_as(
                "SELECT seq, purl FROM sbom_component_purls WHERE sbom_id = $1 ORDER BY seq, n",
            )
            .bind(id)
            .fetch_all(pool)
            .await?
        });
        let mut out: Vec<SbomComponent> = rows.into_iter().map(Into::into).collect();
        // Both in seq order: one pass.
        let mut at = 0;
        for (seq, purl) in others {
            let seq = u64::try_from(seq).unwrap_or(0);
            while out.get(at).is_some_and(|c| c.seq < seq) {
                at += 1;
            }
            if let Some(c) = out.get_mut(at).filter(|c| c.seq == seq) {
                c.other_purls.push(purl);
            }
        }
        Ok(out)
    }

    /// The components of these SBOMs, each SBOM's in document order, as
    /// [`Store::sbom_components`] gives them one by one: an evaluation of
    /// many systems reads them in a few statements.
    pub async fn sbom_components_of(
        &self,
        ids: &[Uuid],
    ) -> Result<HashMap<Uuid, Vec<SbomComponent>>> {
        let mut out: HashMap<Uuid, Vec<SbomComponent>> = HashMap::new();
        for chunk in ids.chunks(SBOM_COMPONENT_CHUNK) {
            let (rows, others): (Vec<ComponentRow>, Vec<(Uuid, i64, String)>) = with_pool!(self, pool => {
                let mut q = sqlx::QueryBuilder::new(format!(
                    "SELECT {COMPONENT_COLUMNS} FROM sbom_components c WHERE c.sbom_id IN ("
                ));
                let mut list = q.separated(", ");
                for id in chunk {
                    list.push_bind(*id);
                }
                q.push(") ORDER BY c.sbom_id, c.seq");
                let rows = q.build_query_as().fetch_all(pool).await?;
                let mut q = sqlx::QueryBuilder::new(
                    "SELECT sbom_id, seq, purl FROM sbom_component_purls WHERE sbom_id IN (",
                );
                let mut list = q.separated(", ");
                for id in chunk {
                    list.push_bind(*id);
                }
                q.push(") ORDER BY sbom_id, seq, n");
                (rows, q.build_query_as().fetch_all(pool).await?)
            });
            for r in rows {
                out.entry(r.sbom_id).or_default().push(r.into());
            }
            for (sbom, seq, purl) in others {
                let seq = u64::try_from(seq).unwrap_or(0);
                if let Some(list) = out.get_mut(&sbom)
                    && let Ok(at) = list.binary_search_by_key(&seq, |c| c.seq)
                {
                    list[at].other_purls.push(purl);
                }
            }
        }
        Ok(out)
    }

    /// The components, across every SBOM, looked up as package `package`
    /// (normalised) in the OSV ecosystem `ecosystem` (a key, without
    /// release), under their own name or their source package's, by any
    /// of their purls, with the SBOM each belongs to; each row's `purl` is
    /// the one under which the component is that package (a component found
    /// under two is two rows); by SBOM, then document order; at most `limit`
    /// (clamped to 1..=[`MAX_PACKAGE_COMPONENTS`]). Read from an index.
    /// Callers filter by the policy.
    pub async fn package_components(
        &self,
        ecosystem: &str,
        package: &str,
        limit: u32,
    ) -> Result<Vec<(StoredSbom, SbomComponent)>> {
        let limit = i64::from(limit.clamp(1, MAX_PACKAGE_COMPONENTS));
        // A component is found under its first purl (its own row) or a
        // further one (joined to its row); each index read.
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT {COMPONENT_COLUMNS} FROM sbom_components c \
             WHERE c.ecosystem = $1 AND (c.package = $2 OR c.source_package = $2) \
             UNION \
             SELECT c.sbom_id, c.seq, c.name, p.purl, p.ecosystem, c.release, p.package, \
             p.source_package, c.version, c.unmatchable \
             FROM sbom_component_purls p \
             JOIN sbom_components c ON c.sbom_id = p.sbom_id AND c.seq = p.seq \
             WHERE p.ecosystem = $1 AND (p.package = $2 OR p.source_package = $2) \
             ORDER BY sbom_id, seq, purl LIMIT $3"
        ));
        let rows: Vec<ComponentRow> = with_pool!(self, pool => {
            sqlx::query_as(sql).bind(ecosystem).bind(package).bind(limit).fetch_all(pool).await?
        });
        let mut ids: Vec<Uuid> = rows.iter().map(|r| r.sbom_id).collect();
        ids.dedup();
        let mut sboms: HashMap<Uuid, StoredSbom> = HashMap::new();
        for chunk in ids.chunks(SBOM_COMPONENT_CHUNK) {
            let found: Vec<SbomRow> = with_pool!(self, pool => {
                let mut q = sqlx::QueryBuilder::new(format!(
                    "SELECT {SBOM_COLUMNS} FROM sboms s WHERE s.id IN ("
                ));
                let mut list = q.separated(", ");
                for id in chunk {
                    list.push_bind(*id);
                }
                q.push(")");
                q.build_query_as().fetch_all(pool).await?
            });
            for r in found {
                let s = StoredSbom::try_from(r)?;
                sboms.insert(s.id, s);
            }
        }
        rows.into_iter()
            .map(|c| {
                let s = sboms.get(&c.sbom_id).cloned().ok_or(StoreError::NotFound)?;
                Ok((s, c.into()))
            })
            .collect()
    }
}

/// A page of SBOM rows (one more than `limit` fetched, to know whether
/// another page follows).
fn sbom_page(rows: Vec<SbomRow>, limit: i64) -> Result<Page<StoredSbom>> {
    let rows = rows
        .into_iter()
        .map(StoredSbom::try_from)
        .collect::<Result<Vec<_>>>()?;
    Ok(paginate(rows, limit, |s| s.id))
}
