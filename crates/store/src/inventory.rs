//! Directives as loaded, and agencies' inventories: systems, the SBOMs
//! attached to them and the products without a package URL that run on
//! them. The store keeps a directive's TOML as text and never reads it;
//! names are folded into keys by the caller.

use bulwark_core::{AuditEvent, Tri, from_micros, to_micros};
use serde::Serialize;
use serde_json::json;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::audit::append_audit;
use crate::{
    Actor, MIN_ID, Page, PageRequest, Result, Store, StoreError, paginate, parse_col, with_pool,
    write_tx,
};

/// A directive version to keep.
#[derive(Debug, Clone)]
pub struct NewDirective {
    pub id: String,
    pub version: String,
    pub title: String,
    pub issuer: String,
    /// `YYYY-MM-DD`.
    pub effective: String,
    /// The TOML as loaded.
    pub source: String,
}

/// A directive version as kept.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StoredDirective {
    pub id: String,
    pub version: String,
    pub title: String,
    pub issuer: String,
    pub effective: String,
    pub source: String,
    pub sha256: String,
    pub loaded_by: Option<Uuid>,
    #[serde(with = "time::serde::rfc3339")]
    pub loaded_at: OffsetDateTime,
}

#[derive(sqlx::FromRow)]
struct DirectiveRow {
    id: String,
    version: String,
    title: String,
    issuer: String,
    effective: String,
    source: String,
    sha256: String,
    loaded_by: Option<Uuid>,
    loaded_at: i64,
}

impl From<DirectiveRow> for StoredDirective {
    fn from(r: DirectiveRow) -> Self {
        StoredDirective {
            id: r.id,
            version: r.version,
            title: r.title,
            issuer: r.issuer,
            effective: r.effective,
            source: r.source,
            sha256: r.sha256,
            loaded_by: r.loaded_by,
            loaded_at: from_micros(r.loaded_at),
        }
    }
}

const DIRECTIVE_COLUMNS: &str =
    "id, version, title, issuer, effective, source, sha256, loaded_by, loaded_at";

/// A system to register.
#[derive(Debug, Clone)]
pub struct NewSystem {
    pub org_id: Uuid,
    pub name: String,
    pub fisma_id: Option<String>,
    pub high_value_asset: Tri,
    pub publicly_exposed: Tri,
    pub national_security: bool,
    pub owners: Vec<String>,
}

/// Changes to a system; `None` leaves a field as it is (`fisma_id:
/// Some(None)` clears it).
#[derive(Debug, Clone, Default)]
pub struct SystemUpdate {
    pub name: Option<String>,
    pub fisma_id: Option<Option<String>>,
    pub high_value_asset: Option<Tri>,
    pub publicly_exposed: Option<Tri>,
    pub national_security: Option<bool>,
    pub owners: Option<Vec<String>>,
}

/// A system as kept.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StoredSystem {
    pub id: Uuid,
    pub org_id: Uuid,
    pub name: String,
    pub fisma_id: Option<String>,
    pub high_value_asset: Tri,
    pub publicly_exposed: Tri,
    pub national_security: bool,
    pub owners: Vec<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

#[derive(sqlx::FromRow)]
struct SystemRow {
    id: Uuid,
    org_id: Uuid,
    name: String,
    fisma_id: Option<String>,
    high_value_asset: String,
    publicly_exposed: String,
    national_security: bool,
    owners: String,
    created_at: i64,
    updated_at: i64,
}

impl TryFrom<SystemRow> for StoredSystem {
    type Error = StoreError;
    fn try_from(r: SystemRow) -> Result<Self> {
        Ok(StoredSystem {
            id: r.id,
            org_id: r.org_id,
            name: r.name,
            fisma_id: r.fisma_id,
            high_value_asset: parse_col("systems.high_value_asset", &r.high_value_asset)?,
            publicly_exposed: parse_col("systems.publicly_exposed", &r.publicly_exposed)?,
            national_security: r.national_security,
            owners: serde_json::from_str(&r.owners)
                .map_err(|_| StoreError::Corrupt(format!("systems.owners = {:?}", r.owners)))?,
            created_at: from_micros(r.created_at),
            updated_at: from_micros(r.updated_at),
        })
    }
}

const SYSTEM_COLUMNS: &str = "id, org_id, name, fisma_id, high_value_asset, publicly_exposed, \
     national_security, owners, created_at, updated_at";

/// An SBOM attached to a system, now or before.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct SystemSbomRow {
    pub system_id: Uuid,
    pub sbom_id: Uuid,
    pub attached_at: i64,
    pub detached_at: Option<i64>,
    pub replaced_by: Option<Uuid>,
}

impl SystemSbomRow {
    pub fn attached(&self) -> OffsetDateTime {
        from_micros(self.attached_at)
    }
    pub fn detached(&self) -> Option<OffsetDateTime> {
        self.detached_at.map(from_micros)
    }
}

/// A product without a package URL to add to a system.
#[derive(Debug, Clone)]
pub struct NewProduct {
    pub vendor: String,
    pub product: String,
    pub version: Option<String>,
    pub cpe: Option<String>,
    /// The caller's folded names, the keys KEV and CVE records are read under.
    pub vendor_key: String,
    pub product_key: String,
}

/// A product on a system, now or before.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct StoredProduct {
    pub id: Uuid,
    pub system_id: Uuid,
    pub vendor: String,
    pub product: String,
    pub version: Option<String>,
    pub cpe: Option<String>,
    pub vendor_key: String,
    pub product_key: String,
    pub added_at: i64,
    pub removed_at: Option<i64>,
}

const PRODUCT_COLUMNS: &str =
    "id, system_id, vendor, product, version, cpe, vendor_key, product_key, added_at, removed_at";

/// The most systems one call attaches to one key lookup returns.
pub const MAX_KEY_SYSTEMS: u32 = 100_000;

fn check_text(what: &str, s: &str, max: usize) -> Result<()> {
    let t = s.trim();
    if t.is_empty() {
        return Err(StoreError::Invalid(format!("{what} must not be empty")));
    }
    if t.chars().count() > max {
        return Err(StoreError::Invalid(format!(
            "{what} is longer than {max} characters"
        )));
    }
    if t.chars().any(char::is_control) {
        return Err(StoreError::Invalid(format!(
            "{what} contains control characters"
        )));
    }
    Ok(())
}

fn check_owners(owners: &[String]) -> Result<()> {
    if owners.len() > 50 {
        return Err(StoreError::Invalid("at most 50 owners".into()));
    }
    owners
        .iter()
        .try_for_each(|o| check_text("an owner", o, 200))
}

fn unique_system(e: StoreError) -> StoreError {
    match e {
        StoreError::Conflict(_) => {
            StoreError::Conflict("the agency has a system of that name or FISMA id".into())
        }
        other => other,
    }
}

impl Store {
    /// Keeps a directive version. Loading the same text again is a no-op
    /// (`false`); another text under a kept id and version is a conflict:
    /// a version never changes.
    pub async fn store_directive(
        &self,
        actor: &Actor,
        new: &NewDirective,
        now: OffsetDateTime,
    ) -> Result<(StoredDirective, bool)> {
        let sha = crate::document_address(new.source.as_bytes());
        if let Some(existing) = self.directive(&new.id, &new.version).await? {
            return if existing.sha256 == sha {
                Ok((existing, false))
            } else {
                Err(StoreError::Conflict(format!(
                    "{}@{} is loaded with other content; a directive's version never changes: give the new text a new version",
                    new.id, new.version
                )))
            };
        }
        let at = to_micros(now);
        write_tx!(self, tx => {
            sqlx::query(
                "INSERT INTO directives (id, version, title, issuer, effective, source, sha256, loaded_by, loaded_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            )
            .bind(&new.id).bind(&new.version).bind(&new.title).bind(&new.issuer)
            .bind(&new.effective).bind(&new.source).bind(&sha).bind(actor.user).bind(at)
            .execute(&mut *tx).await?;
            append_audit!(tx, actor, AuditEvent::new("directive.load", "directive", format!("{}@{}", new.id, new.version))
                .with_detail(json!({"title": new.title, "issuer": new.issuer, "effective": new.effective, "sha256": sha})), at);
        });
        let stored = self
            .directive(&new.id, &new.version)
            .await?
            .ok_or(StoreError::NotFound)?;
        Ok((stored, true))
    }

    pub async fn directive(&self, id: &str, version: &str) -> Result<Option<StoredDirective>> {
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT {DIRECTIVE_COLUMNS} FROM directives WHERE id = $1 AND version = $2"
        ));
        let row: Option<DirectiveRow> = with_pool!(self, pool => {
            sqlx::query_as(sql).bind(id).bind(version).fetch_optional(pool).await?
        });
        Ok(row.map(Into::into))
    }

    /// Every directive version kept, oldest load first.
    pub async fn directives(&self) -> Result<Vec<StoredDirective>> {
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT {DIRECTIVE_COLUMNS} FROM directives ORDER BY loaded_at, id, version"
        ));
        let rows: Vec<DirectiveRow> = with_pool!(self, pool => {
            sqlx::query_as(sql).fetch_all(pool).await?
        });
        Ok(rows.into_iter().map(Into::into).collect())
    }

    /// Registers a system in `new.org_id`'s inventory.
    pub async fn create_system(
        &self,
        actor: &Actor,
        new: &NewSystem,
        now: OffsetDateTime,
    ) -> Result<StoredSystem> {
        check_text("a system's name", &new.name, 200)?;
        if let Some(f) = &new.fisma_id {
            check_text("a FISMA id", f, 100)?;
        }
        check_owners(&new.owners)?;
        let id = Uuid::now_v7();
        let at = to_micros(now);
        let owners =
            serde_json::to_string(&new.owners).map_err(|e| StoreError::Invalid(e.to_string()))?;
        let fisma = new.fisma_id.as_deref().map(str::trim);
        write_tx!(self, tx => {
            sqlx::query(
                "INSERT INTO systems (id, org_id, name, fisma_id, high_value_asset, publicly_exposed, \
                 national_security, owners, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)",
            )
            .bind(id).bind(new.org_id).bind(new.name.trim()).bind(fisma)
            .bind(new.high_value_asset.as_str()).bind(new.publicly_exposed.as_str())
            .bind(new.national_security).bind(&owners).bind(at)
            .execute(&mut *tx).await.map_err(|e| unique_system(e.into()))?;
            append_audit!(tx, actor, AuditEvent::new("system.create", "system", id)
                .with_detail(json!({
                    "org": new.org_id, "name": new.name.trim(), "fisma_id": fisma,
                    "high_value_asset": new.high_value_asset, "publicly_exposed": new.publicly_exposed,
                    "national_security": new.national_security, "owners": new.owners,
                })), at);
        });
        self.system(id).await
    }

    /// Changes a system; answers the system before and after.
    pub async fn update_system(
        &self,
        actor: &Actor,
        id: Uuid,
        change: &SystemUpdate,
        now: OffsetDateTime,
    ) -> Result<(StoredSystem, StoredSystem)> {
        let before = self.system(id).await?;
        if let Some(n) = &change.name {
            check_text("a system's name", n, 200)?;
        }
        if let Some(Some(f)) = &change.fisma_id {
            check_text("a FISMA id", f, 100)?;
        }
        if let Some(o) = &change.owners {
            check_owners(o)?;
        }
        let name = change
            .name
            .as_deref()
            .map_or(before.name.clone(), |n| n.trim().to_owned());
        let fisma = match &change.fisma_id {
            Some(f) => f.as_deref().map(|f| f.trim().to_owned()),
            None => before.fisma_id.clone(),
        };
        let hva = change.high_value_asset.unwrap_or(before.high_value_asset);
        let exposed = change.publicly_exposed.unwrap_or(before.publicly_exposed);
        let nss = change.national_security.unwrap_or(before.national_security);
        let owners = change.owners.clone().unwrap_or(before.owners.clone());
        let owners_text =
            serde_json::to_string(&owners).map_err(|e| StoreError::Invalid(e.to_string()))?;
        let at = to_micros(now);
        write_tx!(self, tx => {
            sqlx::query(
                "UPDATE systems SET name = $2, fisma_id = $3, high_value_asset = $4, publicly_exposed = $5, \
                 national_security = $6, owners = $7, updated_at = $8 WHERE id = $1",
            )
            .bind(id).bind(&name).bind(&fisma).bind(hva.as_str()).bind(exposed.as_str())
            .bind(nss).bind(&owners_text).bind(at)
            .execute(&mut *tx).await.map_err(|e| unique_system(e.into()))?;
            append_audit!(tx, actor, AuditEvent::new("system.update", "system", id)
                .with_detail(json!({
                    "name": name, "fisma_id": fisma, "high_value_asset": hva,
                    "publicly_exposed": exposed, "national_security": nss, "owners": owners,
                })), at);
        });
        let after = self.system(id).await?;
        Ok((before, after))
    }

    pub async fn system(&self, id: Uuid) -> Result<StoredSystem> {
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT {SYSTEM_COLUMNS} FROM systems WHERE id = $1"
        ));
        let row: SystemRow = with_pool!(self, pool => {
            sqlx::query_as(sql).bind(id).fetch_one(pool).await?
        });
        row.try_into()
    }

    /// An agency's systems by id (registration order).
    pub async fn org_systems(&self, org: Uuid, page: PageRequest) -> Result<Page<StoredSystem>> {
        let limit = page.effective_limit();
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT {SYSTEM_COLUMNS} FROM systems WHERE org_id = $1 AND id > $2 ORDER BY id LIMIT $3"
        ));
        let rows: Vec<SystemRow> = with_pool!(self, pool => {
            sqlx::query_as(sql).bind(org).bind(page.after.unwrap_or(MIN_ID)).bind(limit + 1)
                .fetch_all(pool).await?
        });
        let rows = rows
            .into_iter()
            .map(StoredSystem::try_from)
            .collect::<Result<Vec<_>>>()?;
        Ok(paginate(rows, limit, |s| s.id))
    }

    /// Every system by id, whoever owns it; the caller filters by the policy.
    pub async fn systems(&self, page: PageRequest) -> Result<Page<StoredSystem>> {
        let limit = page.effective_limit();
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT {SYSTEM_COLUMNS} FROM systems WHERE id > $1 ORDER BY id LIMIT $2"
        ));
        let rows: Vec<SystemRow> = with_pool!(self, pool => {
            sqlx::query_as(sql).bind(page.after.unwrap_or(MIN_ID)).bind(limit + 1)
                .fetch_all(pool).await?
        });
        let rows = rows
            .into_iter()
            .map(StoredSystem::try_from)
            .collect::<Result<Vec<_>>>()?;
        Ok(paginate(rows, limit, |s| s.id))
    }

    /// The systems with these ids (unknown ids left out).
    pub async fn systems_by_id(&self, ids: &[Uuid]) -> Result<Vec<StoredSystem>> {
        let mut out = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(500) {
            let rows: Vec<SystemRow> = with_pool!(self, pool => {
                let mut q = sqlx::QueryBuilder::new(format!(
                    "SELECT {SYSTEM_COLUMNS} FROM systems WHERE id IN ("
                ));
                let mut list = q.separated(", ");
                for id in chunk {
                    list.push_bind(*id);
                }
                q.push(") ORDER BY id");
                q.build_query_as().fetch_all(pool).await?
            });
            for r in rows {
                out.push(StoredSystem::try_from(r)?);
            }
        }
        Ok(out)
    }

    /// Attaches an SBOM of the system's agency to the system; when
    /// `replaces` names an attached SBOM, that one is detached in the same
    /// transaction (its history stays). Attaching one already attached is
    /// a no-op.
    pub async fn attach_sbom(
        &self,
        actor: &Actor,
        system: Uuid,
        sbom: Uuid,
        replaces: Option<Uuid>,
        now: OffsetDateTime,
    ) -> Result<()> {
        let s = self.system(system).await?;
        // One answer for "no such SBOM" and "another organization's": the
        // difference would tell the caller which SBOM ids exist.
        let not_ours = || {
            StoreError::Invalid(format!(
                "SBOM {sbom} is not one the system's agency uploaded; only those can be attached"
            ))
        };
        let b = self.sbom(sbom).await.map_err(|e| match e {
            StoreError::NotFound => not_ours(),
            other => other,
        })?;
        if b.org_id != s.org_id {
            return Err(not_ours());
        }
        let attached = self.system_sboms(system).await?;
        if let Some(old) = replaces
            && !attached
                .iter()
                .any(|a| a.sbom_id == old && a.detached_at.is_none())
        {
            return Err(StoreError::Invalid(format!(
                "SBOM {old} is not attached to the system, so it cannot be replaced"
            )));
        }
        if replaces == Some(sbom) {
            return Err(StoreError::Invalid("an SBOM cannot replace itself".into()));
        }
        let at = to_micros(now);
        let current = attached.iter().find(|a| a.sbom_id == sbom);
        write_tx!(self, tx => {
            match current {
                Some(a) if a.detached_at.is_none() => {}
                Some(_) => {
                    sqlx::query("UPDATE system_sboms SET attached_at = $3, detached_at = NULL, replaced_by = NULL \
                                 WHERE system_id = $1 AND sbom_id = $2")
                        .bind(system).bind(sbom).bind(at).execute(&mut *tx).await?;
                }
                None => {
                    sqlx::query("INSERT INTO system_sboms (system_id, sbom_id, attached_at) VALUES ($1, $2, $3)")
                        .bind(system).bind(sbom).bind(at).execute(&mut *tx).await?;
                }
            }
            if let Some(old) = replaces {
                sqlx::query("UPDATE system_sboms SET detached_at = $3, replaced_by = $4 \
                             WHERE system_id = $1 AND sbom_id = $2")
                    .bind(system).bind(old).bind(at).bind(sbom).execute(&mut *tx).await?;
            }
            append_audit!(tx, actor, AuditEvent::new("system.attach_sbom", "system", system)
                .with_detail(json!({"sbom": sbom, "replaces": replaces})), at);
        });
        Ok(())
    }

    /// Detaches an attached SBOM from a system.
    pub async fn detach_sbom(
        &self,
        actor: &Actor,
        system: Uuid,
        sbom: Uuid,
        now: OffsetDateTime,
    ) -> Result<()> {
        let at = to_micros(now);
        write_tx!(self, tx => {
            let done = sqlx::query("UPDATE system_sboms SET detached_at = $3 \
                                    WHERE system_id = $1 AND sbom_id = $2 AND detached_at IS NULL")
                .bind(system).bind(sbom).bind(at).execute(&mut *tx).await?;
            if done.rows_affected() == 0 {
                return Err(StoreError::NotFound);
            }
            append_audit!(tx, actor, AuditEvent::new("system.detach_sbom", "system", system)
                .with_detail(json!({"sbom": sbom})), at);
        });
        Ok(())
    }

    /// The SBOMs attached to a system, now and before, by attachment time.
    pub async fn system_sboms(&self, system: Uuid) -> Result<Vec<SystemSbomRow>> {
        Ok(with_pool!(self, pool => {
            sqlx::query_as(
                "SELECT system_id, sbom_id, attached_at, detached_at, replaced_by FROM system_sboms \
                 WHERE system_id = $1 ORDER BY attached_at, sbom_id",
            )
            .bind(system).fetch_all(pool).await?
        }))
    }

    /// The SBOMs attached to these systems, now and before: each system's
    /// as [`Store::system_sboms`] gives them, by system.
    pub async fn system_sboms_of(&self, systems: &[Uuid]) -> Result<Vec<SystemSbomRow>> {
        let mut out = Vec::new();
        for chunk in systems.chunks(500) {
            let rows: Vec<SystemSbomRow> = with_pool!(self, pool => {
                let mut q = sqlx::QueryBuilder::new(
                    "SELECT system_id, sbom_id, attached_at, detached_at, replaced_by FROM system_sboms \
                     WHERE system_id IN (",
                );
                let mut list = q.separated(", ");
                for id in chunk {
                    list.push_bind(*id);
                }
                q.push(") ORDER BY system_id, attached_at, sbom_id");
                q.build_query_as().fetch_all(pool).await?
            });
            out.extend(rows);
        }
        Ok(out)
    }

    /// The systems an SBOM is attached to now.
    pub async fn sbom_systems(&self, sbom: Uuid) -> Result<Vec<Uuid>> {
        let rows: Vec<(Uuid,)> = with_pool!(self, pool => {
            sqlx::query_as(
                "SELECT system_id FROM system_sboms WHERE sbom_id = $1 AND detached_at IS NULL ORDER BY system_id",
            )
            .bind(sbom).fetch_all(pool).await?
        });
        Ok(rows.into_iter().map(|(s,)| s).collect())
    }

    /// The systems any of these SBOMs is attached to now, with the SBOM.
    pub async fn systems_of_sboms(&self, sboms: &[Uuid]) -> Result<Vec<(Uuid, Uuid)>> {
        let mut out = Vec::new();
        for chunk in sboms.chunks(500) {
            let rows: Vec<(Uuid, Uuid)> = with_pool!(self, pool => {
                let mut q = sqlx::QueryBuilder::new(
                    "SELECT system_id, sbom_id FROM system_sboms WHERE detached_at IS NULL AND sbom_id IN (",
                );
                let mut list = q.separated(", ");
                for id in chunk {
                    list.push_bind(*id);
                }
                q.push(") ORDER BY system_id, sbom_id");
                q.build_query_as().fetch_all(pool).await?
            });
            out.extend(rows);
        }
        Ok(out)
    }

    /// Adds a product without a package URL to a system.
    pub async fn add_product(
        &self,
        actor: &Actor,
        system: Uuid,
        new: &NewProduct,
        now: OffsetDateTime,
    ) -> Result<StoredProduct> {
        check_text("a product's vendor", &new.vendor, 200)?;
        check_text("a product's name", &new.product, 200)?;
        if let Some(v) = &new.version {
            check_text("a product's version", v, 100)?;
        }
        if let Some(c) = &new.cpe {
            check_text("a CPE name", c, 500)?;
        }
        if new.vendor_key.is_empty() || new.product_key.is_empty() {
            return Err(StoreError::Invalid(
                "a product's vendor and name must hold a letter or digit".into(),
            ));
        }
        self.system(system).await?;
        let id = Uuid::now_v7();
        let at = to_micros(now);
        write_tx!(self, tx => {
            sqlx::query(
                "INSERT INTO system_products (id, system_id, vendor, product, version, cpe, vendor_key, \
                 product_key, added_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            )
            .bind(id).bind(system).bind(new.vendor.trim()).bind(new.product.trim())
            .bind(new.version.as_deref().map(str::trim)).bind(new.cpe.as_deref().map(str::trim))
            .bind(&new.vendor_key).bind(&new.product_key).bind(at)
            .execute(&mut *tx).await?;
            append_audit!(tx, actor, AuditEvent::new("system.add_product", "system", system)
                .with_detail(json!({
                    "product_id": id, "vendor": new.vendor.trim(), "product": new.product.trim(),
                    "version": new.version, "cpe": new.cpe,
                })), at);
        });
        self.product(id).await
    }

    /// Marks a product as no longer on its system (its history stays).
    pub async fn remove_product(
        &self,
        actor: &Actor,
        product: Uuid,
        now: OffsetDateTime,
    ) -> Result<StoredProduct> {
        let p = self.product(product).await?;
        if p.removed_at.is_some() {
            return Err(StoreError::Invalid(
                "the product was already removed".into(),
            ));
        }
        let at = to_micros(now);
        write_tx!(self, tx => {
            sqlx::query("UPDATE system_products SET removed_at = $2 WHERE id = $1")
                .bind(product).bind(at).execute(&mut *tx).await?;
            append_audit!(tx, actor, AuditEvent::new("system.remove_product", "system", p.system_id)
                .with_detail(json!({"product_id": product})), at);
        });
        self.product(product).await
    }

    pub async fn product(&self, id: Uuid) -> Result<StoredProduct> {
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT {PRODUCT_COLUMNS} FROM system_products WHERE id = $1"
        ));
        Ok(with_pool!(self, pool => {
            sqlx::query_as(sql).bind(id).fetch_one(pool).await?
        }))
    }

    /// A system's products, present and removed, by id.
    pub async fn system_products(&self, system: Uuid) -> Result<Vec<StoredProduct>> {
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT {PRODUCT_COLUMNS} FROM system_products WHERE system_id = $1 ORDER BY id"
        ));
        Ok(with_pool!(self, pool => {
            sqlx::query_as(sql).bind(system).fetch_all(pool).await?
        }))
    }

    /// The products of these systems, present and removed: each system's
    /// as [`Store::system_products`] gives them, by system.
    pub async fn products_of_systems(&self, systems: &[Uuid]) -> Result<Vec<StoredProduct>> {
        let mut out = Vec::new();
        for chunk in systems.chunks(500) {
            let rows: Vec<StoredProduct> = with_pool!(self, pool => {
                let mut q = sqlx::QueryBuilder::new(format!(
                    "SELECT {PRODUCT_COLUMNS} FROM system_products WHERE system_id IN ("
                ));
                let mut list = q.separated(", ");
                for id in chunk {
                    list.push_bind(*id);
                }
                q.push(") ORDER BY system_id, id");
                q.build_query_as().fetch_all(pool).await?
            });
            out.extend(rows);
        }
        Ok(out)
    }

    /// The products present on any system under these folded names: an
    /// index read (KEV and CVE records name a vendor and a product).
    pub async fn products_by_key(
        &self,
        vendor_key: &str,
        product_key: &str,
    ) -> Result<Vec<StoredProduct>> {
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT {PRODUCT_COLUMNS} FROM system_products \
             WHERE vendor_key = $1 AND product_key = $2 AND removed_at IS NULL ORDER BY id LIMIT $3"
        ));
        Ok(with_pool!(self, pool => {
            sqlx::query_as(sql).bind(vendor_key).bind(product_key).bind(i64::from(MAX_KEY_SYSTEMS))
                .fetch_all(pool).await?
        }))
    }
}
