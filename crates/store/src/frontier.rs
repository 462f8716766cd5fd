//! Benchmark sets, the model registry and determinations, as stored.
//!
//! The store keeps what the domain crate (`bulwark-frontier`) produces — a
//! benchmark set's TOML source, a profile's JSON, a determination's JSON — and
//! never interprets it: the rules live in the domain crate, so the store cannot
//! drift from them.

use bulwark_core::{AuditEvent, Tlp, from_micros, to_micros};
use serde_json::json;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::audit::append_audit;
use crate::{
    Actor, MIN_ID, Page, PageRequest, Result, Store, StoreError, paginate, parse_col, with_pool,
    write_tx,
};

/// A benchmark set version as loaded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredBenchmarkSet {
    pub set_id: String,
    pub version: String,
    pub effective_at: OffsetDateTime,
    pub title: String,
    pub restricted: bool,
    /// The TOML document as the agency wrote it.
    pub source: String,
    pub loaded_by: Option<Uuid>,
    pub loaded_at: OffsetDateTime,
}

/// A profile in the registry; `profile` is the profile's JSON.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredModel {
    pub id: Uuid,
    pub owner_org: Uuid,
    pub name: String,
    pub tlp: Tlp,
    pub profile: String,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

/// A profile to add or replace (by owner and name).
#[derive(Debug, Clone)]
pub struct NewModel {
    pub name: String,
    pub tlp: Tlp,
    pub profile: String,
}

/// One determination: which set version, what outcome, and the explanation
/// (the domain crate's JSON).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredDetermination {
    pub id: Uuid,
    pub model_id: Uuid,
    pub set_id: String,
    pub version: String,
    pub outcome: String,
    pub detail: String,
    pub made_at: OffsetDateTime,
}

/// A determination to record.
#[derive(Debug, Clone)]
pub struct NewDetermination {
    pub model_id: Uuid,
    pub set_id: String,
    pub version: String,
    pub outcome: String,
    pub detail: String,
}

#[derive(sqlx::FromRow)]
struct SetRow {
    set_id: String,
    version: String,
    effective_at: i64,
    title: String,
    restricted: bool,
    source: String,
    loaded_by: Option<Uuid>,
    loaded_at: i64,
}

impl From<SetRow> for StoredBenchmarkSet {
    fn from(r: SetRow) -> Self {
        StoredBenchmarkSet {
            set_id: r.set_id,
            version: r.version,
            effective_at: from_micros(r.effective_at),
            title: r.title,
            restricted: r.restricted,
            source: r.source,
            loaded_by: r.loaded_by,
            loaded_at: from_micros(r.loaded_at),
        }
    }
}

#[derive(sqlx::FromRow)]
struct ModelRow {
    id: Uuid,
    owner_org: Uuid,
    name: String,
    tlp: String,
    profile: String,
    created_at: i64,
    updated_at: i64,
}

impl TryFrom<ModelRow> for StoredModel {
    type Error = StoreError;
    fn try_from(r: ModelRow) -> Result<Self> {
        Ok(StoredModel {
            id: r.id,
            owner_org: r.owner_org,
            name: r.name,
            tlp: parse_col("model_profiles.tlp", &r.tlp)?,
            profile: r.profile,
            created_at: from_micros(r.created_at),
            updated_at: from_micros(r.updated_at),
        })
    }
}

#[derive(sqlx::FromRow)]
struct DeterminationRow {
    id: Uuid,
    model_id: Uuid,
    set_id: String,
    version: String,
    outcome: String,
    detail: String,
    made_at: i64,
}

impl From<DeterminationRow> for StoredDetermination {
    fn from(r: DeterminationRow) -> Self {
        StoredDetermination {
            id: r.id,
            model_id: r.model_id,
            set_id: r.set_id,
            version: r.version,
            outcome: r.outcome,
            detail: r.detail,
            made_at: from_micros(r.made_at),
        }
    }
}

const SET_COLUMNS: &str =
    "set_id, version, effective_at, title, restricted, source, loaded_by, loaded_at";
const MODEL_COLUMNS: &str = "id, owner_org, name, tlp, profile, created_at, updated_at";
const DETERMINATION_COLUMNS: &str = "id, model_id, set_id, version, outcome, detail, made_at";

impl Store {
    /// Stores a new version of a benchmark set. A version, once loaded, is
    /// never replaced: determinations refer to it.
    pub async fn load_benchmark_set(
        &self,
        actor: &Actor,
        set: &StoredBenchmarkSet,
        now: OffsetDateTime,
    ) -> Result<StoredBenchmarkSet> {
        let at = to_micros(now);
        write_tx!(self, tx => {
            sqlx::query(
                "INSERT INTO benchmark_sets (set_id, version, effective_at, title, restricted, source, loaded_by, loaded_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(&set.set_id).bind(&set.version).bind(to_micros(set.effective_at)).bind(&set.title)
            .bind(set.restricted).bind(&set.source).bind(actor.user).bind(at)
            .execute(&mut *tx).await
            .map_err(|e| match StoreError::from(e) {
                StoreError::Conflict(_) => StoreError::Conflict(format!(
                    "benchmark set {}@{} is already loaded; a change needs a new version",
                    set.set_id, set.version
                )),
                other => other,
            })?;
            append_audit!(tx, actor, AuditEvent::new("benchmark.load", "benchmark_set", format!("{}@{}", set.set_id, set.version))
                .with_detail(json!({"effective": bulwark_core::rfc3339(set.effective_at), "restricted": set.restricted})), at);
        });
        self.benchmark_set(&set.set_id, &set.version).await
    }

    pub async fn benchmark_set(&self, set_id: &str, version: &str) -> Result<StoredBenchmarkSet> {
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT {SET_COLUMNS} FROM benchmark_sets WHERE set_id = $1 AND version = $2"
        ));
        let row: Option<SetRow> = with_pool!(self, pool => {
            sqlx::query_as(sql).bind(set_id).bind(version).fetch_optional(pool).await?
        });
        Ok(row.ok_or(StoreError::NotFound)?.into())
    }

    /// Every version of every set, by set id, then effective date.
    pub async fn benchmark_sets(&self) -> Result<Vec<StoredBenchmarkSet>> {
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT {SET_COLUMNS} FROM benchmark_sets ORDER BY set_id, effective_at, loaded_at"
        ));
        let rows: Vec<SetRow> = with_pool!(self, pool => {
            sqlx::query_as(sql).fetch_all(pool).await?
        });
        Ok(rows.into_iter().map(Into::into).collect())
    }

    /// The version of each set in force at `now`: the one with the latest
    /// effective date not after `now` (the later-loaded one on a tie).
    pub async fn benchmark_sets_in_force(
        &self,
        now: OffsetDateTime,
    ) -> Result<Vec<StoredBenchmarkSet>> {
        let all = self.benchmark_sets().await?;
        let mut current: Vec<StoredBenchmarkSet> = Vec::new();
        for set in all.into_iter().filter(|s| s.effective_at <= now) {
            match current.last_mut() {
                Some(last) if last.set_id == set.set_id => *last = set,
                _ => current.push(set),
            }
        }
        Ok(current)
    }

    /// Adds or replaces (by owner and name) profiles in one transaction: all
    /// of them or none. Returns their ids in input order.
    pub async fn upsert_models(
        &self,
        actor: &Actor,
        owner_org: Uuid,
        models: &[NewModel],
        now: OffsetDateTime,
    ) -> Result<Vec<Uuid>> {
        for m in models {
            if m.name.trim().is_empty() {
                return Err(StoreError::Invalid("a model profile needs a name".into()));
            }
        }
        let at = to_micros(now);
        let ids = write_tx!(self, tx => {
            let mut ids = Vec::with_capacity(models.len());
            for m in models {
                let (id,): (Uuid,) = sqlx::query_as(
                    "INSERT INTO model_profiles (id, owner_org, name, tlp, profile, created_at, updated_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $6) \
                     ON CONFLICT (owner_org, name) DO UPDATE SET tlp = excluded.tlp, \
                     profile = excluded.profile, updated_at = excluded.updated_at RETURNING id",
                )
                .bind(Uuid::now_v7()).bind(owner_org).bind(m.name.trim()).bind(m.tlp.as_str())
                .bind(&m.profile).bind(at)
                .fetch_one(&mut *tx).await
                .map_err(|e| match StoreError::from(e) {
                    StoreError::Database(sqlx::Error::Database(d)) if d.is_foreign_key_violation() => {
                        StoreError::Invalid(format!("organization {owner_org} does not exist"))
                    }
                    other => other,
                })?;
                ids.push(id);
            }
            let detail = if models.len() == 1 {
                json!({"owner_org": owner_org, "name": models[0].name.trim(), "tlp": models[0].tlp})
            } else {
                json!({"owner_org": owner_org, "count": models.len(), "first": ids.first(), "last": ids.last()})
            };
            let resource = if ids.len() == 1 { ids[0].to_string() } else { owner_org.to_string() };
            append_audit!(tx, actor, AuditEvent::new(
                if ids.len() == 1 { "model.upsert" } else { "model.import" },
                if ids.len() == 1 { "model" } else { "organization" },
                resource,
            ).with_detail(detail), at);
            ids
        });
        Ok(ids)
    }

    pub async fn model(&self, id: Uuid) -> Result<StoredModel> {
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT {MODEL_COLUMNS} FROM model_profiles WHERE id = $1"
        ));
        let row: Option<ModelRow> = with_pool!(self, pool => {
            sqlx::query_as(sql).bind(id).fetch_optional(pool).await?
        });
        row.ok_or(StoreError::NotFound)?.try_into()
    }

    /// The registry, ordered by id.
    pub async fn models(&self, page: PageRequest) -> Result<Page<StoredModel>> {
        let limit = page.effective_limit();
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT {MODEL_COLUMNS} FROM model_profiles WHERE id > $1 ORDER BY id LIMIT $2"
        ));
        let rows: Vec<ModelRow> = with_pool!(self, pool => {
            sqlx::query_as(sql).bind(page.after.unwrap_or(MIN_ID)).bind(limit + 1).fetch_all(pool).await?
        });
        let rows = rows
            .into_iter()
            .map(StoredModel::try_from)
            .collect::<Result<Vec<_>>>()?;
        Ok(paginate(rows, limit, |m| m.id))
    }

    /// How many profiles the registry holds.
    pub async fn model_count(&self) -> Result<i64> {
        let (n,): (i64,) = with_pool!(self, pool => {
            sqlx::query_as("SELECT COUNT(*) FROM model_profiles").fetch_one(pool).await?
        });
        Ok(n)
    }

    /// Records determinations in one transaction with one audit entry.
    pub async fn record_determinations(
        &self,
        actor: &Actor,
        batch: &[NewDetermination],
        now: OffsetDateTime,
    ) -> Result<Vec<Uuid>> {
        if batch.is_empty() {
            return Ok(Vec::new());
        }
        let at = to_micros(now);
        let ids = write_tx!(self, tx => {
            let mut ids = Vec::with_capacity(batch.len());
            for d in batch {
                let id = Uuid::now_v7();
                sqlx::query(
                    "INSERT INTO determinations (id, model_id, set_id, version, outcome, detail, made_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(id).bind(d.model_id).bind(&d.set_id).bind(&d.version).bind(&d.outcome)
                .bind(&d.detail).bind(at)
                .execute(&mut *tx).await?;
                ids.push(id);
            }
            let first = &batch[0];
            let detail = if batch.len() == 1 {
                json!({"model": first.model_id, "benchmark": format!("{}@{}", first.set_id, first.version), "outcome": first.outcome})
            } else {
                json!({"count": batch.len(), "benchmark": format!("{}@{}", first.set_id, first.version)})
            };
            append_audit!(tx, actor, AuditEvent::new("determination.record", "determination", ids[0]).with_detail(detail), at);
            ids
        });
        Ok(ids)
    }

    /// A model's determinations, newest first.
    pub async fn determinations(&self, model_id: Uuid) -> Result<Vec<StoredDetermination>> {
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT {DETERMINATION_COLUMNS} FROM determinations WHERE model_id = $1 ORDER BY made_at DESC, id DESC"
        ));
        let rows: Vec<DeterminationRow> = with_pool!(self, pool => {
            sqlx::query_as(sql).bind(model_id).fetch_all(pool).await?
        });
        Ok(rows.into_iter().map(Into::into).collect())
    }

    /// The latest determination of every model under one set (any version),
    /// keyed by model: the "before" side of a re-determination.
    pub async fn latest_determinations(&self, set_id: &str) -> Result<Vec<StoredDetermination>> {
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT {DETERMINATION_COLUMNS} FROM determinations d WHERE set_id = $1 AND NOT EXISTS \
             (SELECT 1 FROM determinations e WHERE e.model_id = d.model_id AND e.set_id = d.set_id \
              AND (e.made_at > d.made_at OR (e.made_at = d.made_at AND e.id > d.id))) ORDER BY model_id"
        ));
        let rows: Vec<DeterminationRow> = with_pool!(self, pool => {
            sqlx::query_as(sql).bind(set_id).fetch_all(pool).await?
        });
        Ok(rows.into_iter().map(Into::into).collect())
    }
}
