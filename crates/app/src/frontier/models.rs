//! The model registry: profiles registered, imported or given evaluation
//! scores, each determined under every set in force as it changes; reading
//! them as the policy allows; and the pre-check, which determines a profile
//! without storing anything.

use std::collections::HashMap;
use std::sync::Arc;

use bulwark_authz::{Action, Resource};
use bulwark_core::{Principal, Tlp};
use bulwark_frontier::{BenchmarkSet, Determination, ModelProfile};
use bulwark_store::{NewModel, Page, PageRequest, StoreError, StoredModel};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::{
    BenchmarkOut, DeterminationOut, benchmarks_in_force, checked, compiled, declared_as,
    determination_out, determine_and_record, parse_profile, sets_in_force,
};
use crate::resources::{model_resource, org_resource, readable_model};
use crate::{Acting, App, AppError, AppResult, ErrorKind, ts};

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewModelIn {
    /// The owning (developer) organization; defaults to yours.
    pub owner_org: Option<Uuid>,
    /// TLP marking; defaults to AMBER+STRICT (proprietary model facts).
    #[schema(value_type = Option<String>, example = "AMBER+STRICT")]
    pub tlp: Option<Tlp>,
    /// The profile (field names as in docs/benchmarks.md).
    #[schema(value_type = Object)]
    pub profile: ModelProfile,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ModelOut {
    pub id: Uuid,
    pub owner_org: Uuid,
    pub name: String,
    #[schema(value_type = String)]
    pub tlp: Tlp,
    #[schema(value_type = Object)]
    pub profile: serde_json::Value,
    pub updated_at: String,
    /// Newest first.
    pub determinations: Vec<DeterminationOut>,
}

async fn model_out(app: &App, who: &Principal, m: StoredModel) -> AppResult<ModelOut> {
    let mut determinations = Vec::new();
    for d in app.store.determinations(m.id).await? {
        if let Ok(det) = serde_json::from_str::<Determination>(&d.detail) {
            determinations.push(determination_out(app, who, &det));
        }
    }
    Ok(ModelOut {
        id: m.id,
        owner_org: m.owner_org,
        name: m.name,
        tlp: m.tlp,
        profile: serde_json::from_str(&m.profile).unwrap_or_default(),
        updated_at: ts(m.updated_at),
        determinations,
    })
}

/// The organization new models go to (`owner`, else the caller's own),
/// once the policy lets the caller create models for it.
async fn owner_for(app: &App, who: &Acting, owner: Option<Uuid>) -> AppResult<Uuid> {
    let owner = owner.unwrap_or(who.principal.org_id);
    let org = app.store.organization(owner).await.map_err(|e| match e {
        StoreError::NotFound => {
            AppError::validation(format!("organization {owner} does not exist"))
        }
        other => other.into(),
    })?;
    app.authorize(&who.principal, Action::ModelCreate, &org_resource(&org))?;
    Ok(owner)
}

/// Registers (or replaces, by name) a model profile and determines it under
/// every set in force.
pub async fn create_model(app: &App, who: &Acting, body: NewModelIn) -> AppResult<ModelOut> {
    let owner = owner_for(app, who, body.owner_org).await?;
    checked(&body.profile)?;
    let profile_json = serde_json::to_string(&body.profile).map_err(|_| AppError::internal())?;
    let new = NewModel {
        name: body.profile.name.clone(),
        tlp: body.tlp.unwrap_or(Tlp::AmberStrict),
        profile: profile_json,
    };
    let ids = app
        .store
        .upsert_models(&who.actor, owner, &[new], app.now())
        .await?;
    let id = ids.first().copied().ok_or_else(AppError::internal)?;
    let sets = sets_in_force(app).await?;
    determine_and_record(app, &who.actor, &sets, &[(id, body.profile)]).await?;
    let m = app.store.model(id).await?;
    model_out(app, &who.principal, m).await
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ImportOut {
    pub imported: usize,
    /// The imported models' ids, in the order of their rows.
    pub ids: Vec<Uuid>,
    /// How many rows were not models and were skipped.
    pub skipped: usize,
    /// The skipped rows, in order (the first 1,000).
    pub skipped_rows: Vec<SkippedRow>,
}

/// A row an import skipped, and why.
#[derive(Debug, Serialize, ToSchema)]
pub struct SkippedRow {
    /// 1-based data row: the first row after a CSV's header, or the first
    /// element of a JSON array, is row 1.
    pub row: usize,
    /// Why it is not a model, with its CSV line and column or JSON path.
    pub error: String,
}

/// Most skipped rows an import answer lists; the count says the rest, so
/// a file of a million blank rows does not make an answer larger than it.
pub const SKIPPED_ROWS_LISTED: usize = 1000;

/// Imports profiles: Epoch AI's CSV layout (`text/csv`) or a JSON array of
/// profiles (`application/json`), as `media_type` declares. `owner_org`
/// defaults to the caller's organization, `tlp` (a marking's name) to
/// AMBER+STRICT. A row that is not a model (Epoch's exports hold rows blank
/// apart from bookkeeping columns) is skipped and listed with why, and the
/// rest imported, so that one odd row does not lose the file; `strict`
/// refuses the whole import at the first such row instead. A file in
/// which no row is a model, or that is not the format at all, is refused
/// whole either way: nothing is half-imported.
pub async fn import_models(
    app: &App,
    who: &Acting,
    owner_org: Option<Uuid>,
    tlp: Option<&str>,
    media_type: Option<&str>,
    body: &[u8],
    strict: bool,
) -> AppResult<ImportOut> {
    let owner = owner_for(app, who, owner_org).await?;
    let tlp: Tlp = match tlp {
        None => Tlp::AmberStrict,
        Some(t) => t
            .parse()
            .map_err(|e: bulwark_core::ParseError| AppError::malformed(e.to_string()))?,
    };
    let (format, rows) = if declared_as(media_type, &["text/csv"]) {
        ("CSV", bulwark_frontier::import::epoch_csv_rows(body))
    } else if declared_as(media_type, &["application/json"]) {
        ("JSON", bulwark_frontier::import::profiles_json_rows(body))
    } else {
        return Err(AppError::new(
            ErrorKind::UnsupportedMediaType,
            "send text/csv (Epoch AI layout) or application/json (an array of profiles)",
        ));
    };
    let rows = rows.map_err(|e| AppError::validation(format!("{format} {e}")))?;
    let total = rows.len();
    let mut profiles = Vec::with_capacity(total);
    let mut skipped = Vec::new();
    for row in rows {
        let checked = row
            .profile
            .map_err(|e| e.to_string())
            .and_then(|p| p.validate().map(|()| p).map_err(|e| e.to_string()));
        match checked {
            Ok(p) => profiles.push(p),
            Err(error) if strict => {
                return Err(AppError::validation(format!(
                    "{format} row {}: {error}",
                    row.row
                )));
            }
            Err(error) => skipped.push(SkippedRow {
                row: row.row,
                error,
            }),
        }
    }
    if profiles.is_empty() && !skipped.is_empty() {
        let first: Vec<String> = skipped
            .iter()
            .take(3)
            .map(|s| format!("row {}: {}", s.row, s.error))
            .collect();
        return Err(AppError::validation(format!(
            "{format}: none of the {total} rows is a model ({}{})",
            first.join("; "),
            if skipped.len() > first.len() {
                "; …"
            } else {
                ""
            }
        )));
    }
    let news = profiles
        .iter()
        .map(|p| {
            Ok(NewModel {
                name: p.name.clone(),
                tlp,
                profile: serde_json::to_string(p).map_err(|_| AppError::internal())?,
            })
        })
        .collect::<AppResult<Vec<_>>>()?;
    let ids = app
        .store
        .upsert_models(&who.actor, owner, &news, app.now())
        .await?;
    let sets = sets_in_force(app).await?;
    let pairs: Vec<(Uuid, ModelProfile)> = ids.iter().copied().zip(profiles).collect();
    determine_and_record(app, &who.actor, &sets, &pairs).await?;
    let skipped_count = skipped.len();
    skipped.truncate(SKIPPED_ROWS_LISTED);
    Ok(ImportOut {
        imported: ids.len(),
        ids,
        skipped: skipped_count,
        skipped_rows: skipped,
    })
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ModelSummaryOut {
    pub id: Uuid,
    pub owner_org: Uuid,
    pub name: String,
    #[schema(value_type = String)]
    pub tlp: Tlp,
    pub updated_at: String,
}

/// A page of the registry: the profiles on it that `who` may read. The
/// next page follows the page as stored, so a page may hold fewer than
/// asked for.
pub async fn list_models(
    app: &App,
    who: &Principal,
    page: PageRequest,
) -> AppResult<Page<ModelSummaryOut>> {
    let page = app.store.models(page).await?;
    let items = page
        .items
        .into_iter()
        .filter(|m| app.permits(who, Action::ModelRead, &model_resource(m)))
        .map(|m| ModelSummaryOut {
            id: m.id,
            owner_org: m.owner_org,
            name: m.name,
            tlp: m.tlp,
            updated_at: ts(m.updated_at),
        })
        .collect();
    Ok(Page {
        items,
        next: page.next,
    })
}

/// A model, its profile and its determination history, explained as far as
/// the policy lets `who` see; a model `who` may not read is not found.
pub async fn get_model(app: &App, who: &Principal, id: Uuid) -> AppResult<ModelOut> {
    let m = readable_model(app, who, id).await?;
    model_out(app, who, m).await
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PrecheckIn {
    #[schema(value_type = Object)]
    pub profile: ModelProfile,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PrecheckOut {
    /// One per benchmark set in force; nothing is stored.
    pub determinations: Vec<DeterminationOut>,
}

/// A determination with the set that made it (`None` when that version is
/// no longer stored), for explaining its criteria.
pub struct Determined {
    pub determination: Determination,
    pub set: Option<Arc<BenchmarkSet>>,
}

/// Does this model qualify? Determines `profile` under every set in force
/// without storing anything; each answer comes with its set.
pub async fn determine_in_force(
    app: &App,
    who: &Principal,
    profile: &ModelProfile,
) -> AppResult<Vec<Determined>> {
    app.authorize(who, Action::ModelPrecheck, &Resource::Program)?;
    checked(profile)?;
    let now = app.now();
    Ok(sets_in_force(app)
        .await?
        .into_iter()
        .map(|set| Determined {
            determination: set.determine(profile, now),
            set: Some(set),
        })
        .collect())
}

/// The pre-check as the API answers it: each determination as `who` may see it.
pub async fn precheck(app: &App, who: &Principal, body: PrecheckIn) -> AppResult<PrecheckOut> {
    let determinations = determine_in_force(app, who, &body.profile)
        .await?
        .iter()
        .map(|d| determination_out(app, who, &d.determination))
        .collect();
    Ok(PrecheckOut { determinations })
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EvalOut {
    /// The evaluation name in the profile.
    pub name: String,
    /// The headline score taken from the log, in [0, 1].
    pub score: f64,
    /// Task and model as the log names them.
    pub task: String,
    pub log_model: String,
    pub model: ModelOut,
}

/// Attaches the headline score of an Inspect AI log (`.json`, or the zipped
/// `.eval`, as `media_type` declares) to model `id` as `evals.NAME`, and
/// re-determines the model under every set in force.
pub async fn attach_eval(
    app: &App,
    who: &Acting,
    id: Uuid,
    name: &str,
    media_type: Option<&str>,
    log: &[u8],
) -> AppResult<EvalOut> {
    let m = readable_model(app, &who.principal, id).await?;
    app.authorize(&who.principal, Action::ModelUpdate, &model_resource(&m))?;
    if !declared_as(
        media_type,
        &[
            "application/json",
            "application/zip",
            "application/octet-stream",
        ],
    ) {
        return Err(AppError::new(
            ErrorKind::UnsupportedMediaType,
            "send an Inspect log: application/json (.json) or application/zip (.eval)",
        ));
    }
    let name = name.trim();
    if name.is_empty()
        || name.len() > 64
        || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
    {
        return Err(AppError::validation(
            "name must be 1 to 64 letters, digits or '_' (it is read as evals.NAME in criteria)",
        ));
    }
    let log = bulwark_frontier::inspect::parse(log)
        .map_err(|e| AppError::validation(format!("Inspect log: {e}")))?;
    let mut profile = parse_profile(&m)?;
    let score = log
        .attach(&mut profile, name)
        .map_err(|e| AppError::validation(format!("Inspect log: {e}")))?;
    let new = NewModel {
        name: m.name.clone(),
        tlp: m.tlp,
        profile: serde_json::to_string(&profile).map_err(|_| AppError::internal())?,
    };
    app.store
        .upsert_models(&who.actor, m.owner_org, &[new], app.now())
        .await?;
    let sets = sets_in_force(app).await?;
    determine_and_record(app, &who.actor, &sets, &[(id, profile)]).await?;
    let m = app.store.model(id).await?;
    Ok(EvalOut {
        name: name.to_owned(),
        score,
        task: log.task.clone(),
        log_model: log.model.clone(),
        model: model_out(app, &who.principal, m).await?,
    })
}

/// A model's latest determination under one set in force.
pub struct LatestDetermination {
    /// `ID@VERSION` it was made under.
    pub benchmark: String,
    /// As stored: covered, notify, not_covered or indeterminate.
    pub outcome: String,
    /// Made under an older version than the one in force.
    pub older: bool,
}

/// A model of the registry with its latest determination under each set
/// in force.
pub struct RegistryEntry {
    pub model: ModelSummaryOut,
    /// One per set of [`Registry::sets`], in that order; `None` where the
    /// model has no determination under the set.
    pub latest: Vec<Option<LatestDetermination>>,
}

/// The overview: the sets in force `who` may read, and a page of the
/// registry against them.
pub struct Registry {
    pub sets: Vec<BenchmarkOut>,
    pub models: Page<RegistryEntry>,
}

/// The sets in force `who` may read and a page of the models `who` may read,
/// each with its latest determination under each of those sets.
pub async fn registry(app: &App, who: &Principal, page: PageRequest) -> AppResult<Registry> {
    let sets = benchmarks_in_force(app, who).await?;
    let page = list_models(app, who, page).await?;
    let mut items = Vec::with_capacity(page.items.len());
    for model in page.items {
        let history = app.store.determinations(model.id).await?;
        // Newest first: the first under a set is its latest.
        let latest = sets
            .iter()
            .map(|s| {
                history
                    .iter()
                    .find(|d| d.set_id == s.id)
                    .map(|d| LatestDetermination {
                        benchmark: format!("{}@{}", d.set_id, d.version),
                        outcome: d.outcome.clone(),
                        older: d.version != s.version,
                    })
            })
            .collect();
        items.push(RegistryEntry { model, latest });
    }
    Ok(Registry {
        sets,
        models: Page {
            items,
            next: page.next,
        },
    })
}

/// A model with its profile and its determinations, newest first, each with
/// the set version that made it.
pub struct ModelHistory {
    pub model: StoredModel,
    pub profile: ModelProfile,
    pub determinations: Vec<Determined>,
}

/// Model `id` as `who` may read it (else not found), with its history. A
/// stored determination that no longer parses is logged and left out.
pub async fn model_history(app: &App, who: &Principal, id: Uuid) -> AppResult<ModelHistory> {
    let model = readable_model(app, who, id).await?;
    let profile = parse_profile(&model)?;
    let mut sets: HashMap<(String, String), Option<Arc<BenchmarkSet>>> = HashMap::new();
    let mut determinations = Vec::new();
    for stored in app.store.determinations(model.id).await? {
        let Ok(d) = serde_json::from_str::<Determination>(&stored.detail) else {
            tracing::error!(determination = %stored.id, "stored determination does not parse");
            continue;
        };
        let key = (d.benchmark_id.clone(), d.benchmark_version.clone());
        let set = match sets.get(&key) {
            Some(set) => set.clone(),
            None => {
                let set = match app.store.benchmark_set(&key.0, &key.1).await {
                    Ok(stored) => Some(compiled(app, &stored)?),
                    Err(StoreError::NotFound) => None,
                    Err(e) => return Err(e.into()),
                };
                sets.insert(key, set.clone());
                set
            }
        };
        determinations.push(Determined {
            determination: d,
            set,
        });
    }
    Ok(ModelHistory {
        model,
        profile,
        determinations,
    })
}
