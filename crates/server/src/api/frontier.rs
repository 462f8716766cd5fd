//! Frontier benchmarks: benchmark sets, the model registry, determinations
//! and the "does my model qualify?" pre-check.
//!
//! The rules are the domain crate's (`bulwark-frontier`); who may see what is
//! the policy's: a restricted set's criteria reach only those the policy lets
//! read them (`benchmark.read_criteria`), everyone else gets the outcome and
//! the missing evidence.

use bulwark_app::resources::{model_resource, readable_model, set_resource};
use std::collections::BTreeMap;
use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use bulwark_authz::{Action, Resource};
use bulwark_core::{Principal, Tlp};
use bulwark_frontier::{BenchmarkSet, Determination, ModelProfile, RegistryChange, Visibility};
use bulwark_store::{
    Actor, NewDetermination, NewModel, PageRequest, StoreError, StoredBenchmarkSet, StoredModel,
};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;

use super::{List, ts};
use crate::extract::{ApiJson, ApiPath, ApiQuery, Caller, PageParams, parse_json};
use crate::problem::{ApiError, ApiResult, Kind, Problem, not_found_as};
use crate::state::{AppState, org_resource};

/// A stored set, compiled; compiled sets are cached by (id, version), since a
/// version never changes once loaded.
pub fn compiled(state: &AppState, stored: &StoredBenchmarkSet) -> ApiResult<Arc<BenchmarkSet>> {
    let key = (stored.set_id.clone(), stored.version.clone());
    if let Some(set) = state
        .benchmark_cache
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .get(&key)
    {
        return Ok(set.clone());
    }
    let set = BenchmarkSet::from_toml(&stored.source).map_err(|e| {
        tracing::error!(set = %stored.set_id, version = %stored.version, error = %e, "stored benchmark set no longer compiles");
        ApiError::internal()
    })?;
    let set = Arc::new(set);
    state
        .benchmark_cache
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .insert(key, set.clone());
    Ok(set)
}

/// The compiled sets in force now.
pub(crate) async fn sets_in_force(state: &AppState) -> ApiResult<Vec<Arc<BenchmarkSet>>> {
    state
        .store
        .benchmark_sets_in_force(state.now())
        .await?
        .iter()
        .map(|s| compiled(state, s))
        .collect()
}

/// A profile's own rules (non-negative quantities, scores in [0, 1], …),
/// as a 422 naming the field.
fn checked(p: &ModelProfile) -> ApiResult<()> {
    p.validate()
        .map_err(|e| ApiError::validation(format!("profile: {e}")))
}

pub(crate) fn parse_profile(m: &StoredModel) -> ApiResult<ModelProfile> {
    serde_json::from_str(&m.profile).map_err(|e| {
        tracing::error!(model = %m.id, error = %e, "stored profile does not parse");
        ApiError::internal()
    })
}

fn detail_json(d: &Determination) -> ApiResult<String> {
    serde_json::to_string(d).map_err(|_| ApiError::internal())
}

/// Determines `models` under `sets` and records every determination.
async fn determine_and_record(
    state: &AppState,
    actor: &Actor,
    sets: &[Arc<BenchmarkSet>],
    models: &[(Uuid, ModelProfile)],
) -> ApiResult<Vec<(Uuid, Determination)>> {
    let now = state.now();
    let mut out = Vec::with_capacity(models.len() * sets.len());
    for set in sets {
        let mut batch = Vec::with_capacity(models.len());
        for (id, profile) in models {
            let d = set.determine(profile, now);
            batch.push(NewDetermination {
                model_id: *id,
                set_id: d.benchmark_id.clone(),
                version: d.benchmark_version.clone(),
                outcome: d.outcome.as_str().to_owned(),
                detail: detail_json(&d)?,
            });
            out.push((*id, d));
        }
        state
            .store
            .record_determinations(actor, &batch, now)
            .await?;
    }
    Ok(out)
}

/// A determination as the caller may see it: whole, or without its criteria
/// when the policy withholds the set's criteria from the caller.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeterminationOut {
    /// `ID@VERSION` of the benchmark set used.
    pub benchmark: String,
    /// covered, notify, not_covered or indeterminate.
    pub outcome: String,
    /// Facts the profile lacks that a definite answer needs.
    pub missing: Vec<String>,
    /// Each criterion's result; absent when the set's criteria are withheld from you.
    #[schema(value_type = Option<Vec<Object>>)]
    pub criteria: Option<serde_json::Value>,
    pub made_at: String,
}

pub(crate) fn determination_out(
    state: &AppState,
    who: &Principal,
    d: &Determination,
) -> DeterminationOut {
    let restricted = d.visibility == Visibility::Restricted;
    let see_criteria = state.permits(
        who,
        Action::BenchmarkReadCriteria,
        &set_resource(&d.benchmark_id, restricted),
    );
    DeterminationOut {
        benchmark: d.benchmark(),
        outcome: d.outcome.as_str().to_owned(),
        missing: d.missing.clone(),
        criteria: see_criteria.then(|| serde_json::to_value(&d.criteria).unwrap_or_default()),
        made_at: ts(d.made_at),
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CriterionOut {
    pub id: String,
    pub description: String,
    pub source: String,
    /// The CEL expression.
    pub when: String,
    /// covered or notify.
    pub outcome: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BenchmarkOut {
    pub id: String,
    pub version: String,
    pub effective: String,
    pub title: String,
    /// public or restricted.
    pub visibility: String,
    pub loaded_at: String,
    /// Absent when the policy withholds the criteria from you.
    pub criteria: Option<Vec<CriterionOut>>,
}

pub(crate) fn benchmark_out(
    state: &AppState,
    who: &Principal,
    stored: &StoredBenchmarkSet,
    with_criteria: bool,
) -> ApiResult<BenchmarkOut> {
    let criteria = if with_criteria
        && state.permits(
            who,
            Action::BenchmarkReadCriteria,
            &set_resource(&stored.set_id, stored.restricted),
        ) {
        let set = compiled(state, stored)?;
        Some(
            set.criteria()
                .iter()
                .map(|c| CriterionOut {
                    id: c.id().to_owned(),
                    description: c.description().to_owned(),
                    source: c.source().to_owned(),
                    when: c.when().to_owned(),
                    outcome: c.outcome().as_str().to_owned(),
                })
                .collect(),
        )
    } else {
        None
    };
    Ok(BenchmarkOut {
        id: stored.set_id.clone(),
        version: stored.version.clone(),
        effective: stored.effective_at.date().to_string(),
        title: stored.title.clone(),
        visibility: if stored.restricted {
            "restricted"
        } else {
            "public"
        }
        .to_owned(),
        loaded_at: ts(stored.loaded_at),
        criteria,
    })
}

/// One model whose determination changed on re-determination.
#[derive(Debug, Serialize, ToSchema)]
pub struct ModelChangeOut {
    pub model_id: Uuid,
    pub name: String,
    /// The change: added, or changed with before/after outcomes and criteria.
    #[schema(value_type = Object)]
    pub change: serde_json::Value,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RedeterminationOut {
    /// `ID@VERSION` now in force.
    pub benchmark: String,
    /// Models determined.
    pub models: usize,
    /// Models whose outcome moved.
    pub moved: usize,
    /// Every model whose determination changed (outcome or criteria) and that you may read.
    pub changes: Vec<ModelChangeOut>,
}

/// Re-determines the whole registry under the version of `set_id` in force,
/// records every determination, and lists what changed against each model's
/// previous determination under that set.
/// `reader` is whom the change list is for: it lists only models the reader
/// may read (`None`: the scheduler, whose result goes only to the log).
pub async fn redetermine(
    state: &AppState,
    actor: &Actor,
    reader: Option<&Principal>,
    set_id: &str,
) -> ApiResult<Option<RedeterminationOut>> {
    let Some(stored) = state
        .store
        .benchmark_sets_in_force(state.now())
        .await?
        .into_iter()
        .find(|s| s.set_id == set_id)
    else {
        return Ok(None);
    };
    let set = compiled(state, &stored)?;
    let mut before = BTreeMap::new();
    for d in state.store.latest_determinations(set_id).await? {
        if let Ok(det) = serde_json::from_str::<Determination>(&d.detail) {
            before.insert(d.model_id, det);
        }
    }
    let mut models: Vec<StoredModel> = Vec::new();
    let mut page = PageRequest {
        after: None,
        limit: PageRequest::MAX_LIMIT,
    };
    loop {
        let p = state.store.models(page).await?;
        models.extend(p.items);
        match p.next {
            Some(n) => page.after = Some(n),
            None => break,
        }
    }
    let profiles = models
        .iter()
        .map(|m| Ok((m.id, parse_profile(m)?)))
        .collect::<ApiResult<Vec<_>>>()?;
    let after: BTreeMap<Uuid, Determination> =
        determine_and_record(state, actor, &[set], &profiles)
            .await?
            .into_iter()
            .collect();
    let by_id: BTreeMap<Uuid, &StoredModel> = models.iter().map(|m| (m.id, m)).collect();
    let before: BTreeMap<Uuid, Determination> = before
        .into_iter()
        .filter(|(k, _)| after.contains_key(k))
        .collect();
    let changes = bulwark_frontier::compare_registry(&before, &after);
    let moved = changes
        .iter()
        .filter(|(_, c)| matches!(c, RegistryChange::Changed(ch) if ch.moved()))
        .count();
    let changes = changes
        .into_iter()
        .filter_map(|(id, change)| {
            let m = by_id.get(&id)?;
            reader
                .is_none_or(|r| state.permits(r, Action::ModelRead, &model_resource(m)))
                .then(|| ModelChangeOut {
                    model_id: id,
                    name: m.name.clone(),
                    change: serde_json::to_value(&change).unwrap_or_default(),
                })
        })
        .collect();
    Ok(Some(RedeterminationOut {
        benchmark: format!("{}@{}", stored.set_id, stored.version),
        models: models.len(),
        moved,
        changes,
    }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LoadOut {
    pub benchmark: BenchmarkOut,
    /// Present when the loaded version is already in force: the registry was re-determined.
    pub redetermination: Option<RedeterminationOut>,
}

fn is_text(headers: &HeaderMap, allowed: &[&str]) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|m| allowed.iter().any(|a| m.trim().eq_ignore_ascii_case(a)))
}

fn utf8(body: &Bytes) -> ApiResult<&str> {
    std::str::from_utf8(body)
        .map_err(|e| ApiError::malformed(format!("body is not UTF-8 (byte {})", e.valid_up_to())))
}

/// Load a new version of a benchmark set (TOML, as documented in docs/benchmarks.md).
#[utoipa::path(post, path = "/api/v1/benchmarks", tag = "frontier",
    request_body(content = String, content_type = "application/toml"),
    responses((status = 201, body = LoadOut), (status = 403, body = Problem), (status = 409, body = Problem),
              (status = 415, body = Problem), (status = 422, body = Problem)))]
pub async fn load_benchmark(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<(StatusCode, Json<LoadOut>)> {
    state.authorize(&caller.principal, Action::BenchmarkLoad, &Resource::Program)?;
    if !is_text(&headers, &["application/toml", "text/x-toml", "text/plain"]) {
        return Err(ApiError::new(
            Kind::UnsupportedMediaType,
            "send the benchmark set as Content-Type: application/toml",
        ));
    }
    let source = utf8(&body)?;
    let set = BenchmarkSet::from_toml(source)
        .map_err(|e| ApiError::validation(format!("benchmark set: {e}")))?;
    let effective_at = set.effective().midnight().assume_utc();
    let stored = StoredBenchmarkSet {
        set_id: set.id().to_owned(),
        version: set.version().to_owned(),
        effective_at,
        title: set.title().to_owned(),
        restricted: set.visibility() == Visibility::Restricted,
        source: source.to_owned(),
        loaded_by: caller.actor.user,
        loaded_at: state.now(),
    };
    if state.store.benchmark_sets().await?.iter().any(|s| {
        s.set_id == stored.set_id
            && s.effective_at == stored.effective_at
            && s.version != stored.version
    }) {
        return Err(ApiError::new(
            Kind::Conflict,
            format!(
                "another version of {} already takes effect on {}",
                stored.set_id,
                set.effective()
            ),
        ));
    }
    let stored = state
        .store
        .load_benchmark_set(&caller.actor, &stored, state.now())
        .await?;
    let redetermination = if stored.effective_at <= state.now() {
        redetermine(
            &state,
            &caller.actor,
            Some(&caller.principal),
            &stored.set_id,
        )
        .await?
    } else {
        None
    };
    Ok((
        StatusCode::CREATED,
        Json(LoadOut {
            benchmark: benchmark_out(&state, &caller.principal, &stored, true)?,
            redetermination,
        }),
    ))
}

/// Every version of every benchmark set (criteria left out; see one version for them).
#[utoipa::path(get, path = "/api/v1/benchmarks", tag = "frontier",
    responses((status = 200, body = Vec<BenchmarkOut>), (status = 401, body = Problem)))]
pub async fn list_benchmarks(
    State(state): State<AppState>,
    caller: Caller,
) -> ApiResult<Json<Vec<BenchmarkOut>>> {
    let mut out = Vec::new();
    for s in state.store.benchmark_sets().await? {
        if state.permits(
            &caller.principal,
            Action::BenchmarkRead,
            &set_resource(&s.set_id, s.restricted),
        ) {
            out.push(benchmark_out(&state, &caller.principal, &s, false)?);
        }
    }
    Ok(Json(out))
}

/// One version of a benchmark set, with its criteria when the policy lets you read them.
#[utoipa::path(get, path = "/api/v1/benchmarks/{id}/{version}", tag = "frontier",
    responses((status = 200, body = BenchmarkOut), (status = 404, body = Problem)))]
pub async fn get_benchmark(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath((id, version)): ApiPath<(String, String)>,
) -> ApiResult<Json<BenchmarkOut>> {
    let s = state
        .store
        .benchmark_set(&id, &version)
        .await
        .map_err(not_found_as("benchmark set version"))?;
    if !state.permits(
        &caller.principal,
        Action::BenchmarkRead,
        &set_resource(&s.set_id, s.restricted),
    ) {
        return Err(ApiError::not_found("benchmark set version"));
    }
    Ok(Json(benchmark_out(&state, &caller.principal, &s, true)?))
}

/// Re-determine the registry under the version of a set in force now.
#[utoipa::path(post, path = "/api/v1/benchmarks/{id}/redetermine", tag = "frontier",
    responses((status = 200, body = RedeterminationOut), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn redetermine_set(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<RedeterminationOut>> {
    state.authorize(&caller.principal, Action::BenchmarkLoad, &Resource::Program)?;
    redetermine(&state, &caller.actor, Some(&caller.principal), &id)
        .await?
        .map(Json)
        .ok_or_else(|| ApiError::not_found("benchmark set in force"))
}

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

async fn model_out(state: &AppState, who: &Principal, m: StoredModel) -> ApiResult<ModelOut> {
    let mut determinations = Vec::new();
    for d in state.store.determinations(m.id).await? {
        if let Ok(det) = serde_json::from_str::<Determination>(&d.detail) {
            determinations.push(determination_out(state, who, &det));
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

async fn owner_for(state: &AppState, caller: &Caller, owner: Option<Uuid>) -> ApiResult<Uuid> {
    let owner = owner.unwrap_or(caller.principal.org_id);
    let org = state.store.organization(owner).await.map_err(|e| match e {
        StoreError::NotFound => {
            ApiError::validation(format!("organization {owner} does not exist"))
        }
        other => other.into(),
    })?;
    state.authorize(&caller.principal, Action::ModelCreate, &org_resource(&org))?;
    Ok(owner)
}

/// Register (or replace, by name) a model profile; it is determined under every set in force.
#[utoipa::path(post, path = "/api/v1/models", tag = "frontier", request_body = NewModelIn,
    responses((status = 201, body = ModelOut), (status = 400, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn create_model(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<NewModelIn>,
) -> ApiResult<(StatusCode, Json<ModelOut>)> {
    let owner = owner_for(&state, &caller, body.owner_org).await?;
    checked(&body.profile)?;
    let profile_json = serde_json::to_string(&body.profile).map_err(|_| ApiError::internal())?;
    let new = NewModel {
        name: body.profile.name.clone(),
        tlp: body.tlp.unwrap_or(Tlp::AmberStrict),
        profile: profile_json,
    };
    let ids = state
        .store
        .upsert_models(&caller.actor, owner, &[new], state.now())
        .await?;
    let id = ids.first().copied().ok_or_else(ApiError::internal)?;
    let sets = sets_in_force(&state).await?;
    determine_and_record(&state, &caller.actor, &sets, &[(id, body.profile)]).await?;
    let m = state.store.model(id).await?;
    Ok((
        StatusCode::CREATED,
        Json(model_out(&state, &caller.principal, m).await?),
    ))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ImportParams {
    /// The owning organization; defaults to yours.
    pub owner_org: Option<Uuid>,
    /// TLP marking of every imported profile; defaults to AMBER+STRICT.
    pub tlp: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ImportOut {
    pub imported: usize,
    pub ids: Vec<Uuid>,
}

/// Import profiles: Epoch AI's CSV layout (`text/csv`) or a JSON array of profiles. All or nothing.
#[utoipa::path(post, path = "/api/v1/models/import", tag = "frontier", params(ImportParams),
    request_body(content = String, content_type = "text/csv"),
    responses((status = 201, body = ImportOut), (status = 403, body = Problem), (status = 415, body = Problem), (status = 422, body = Problem)))]
pub async fn import_models(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<ImportParams>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<(StatusCode, Json<ImportOut>)> {
    let owner = owner_for(&state, &caller, q.owner_org).await?;
    let tlp: Tlp = match q.tlp.as_deref() {
        None => Tlp::AmberStrict,
        Some(t) => t
            .parse()
            .map_err(|e: bulwark_core::ParseError| ApiError::malformed(e.to_string()))?,
    };
    let profiles = if is_text(&headers, &["text/csv"]) {
        bulwark_frontier::import::epoch_csv(&body[..])
            .map_err(|e| ApiError::validation(format!("CSV {e}")))?
    } else if is_text(&headers, &["application/json"]) {
        bulwark_frontier::import::profiles_json(&body)
            .map_err(|e| ApiError::validation(format!("JSON {e}")))?
    } else {
        return Err(ApiError::new(
            Kind::UnsupportedMediaType,
            "send text/csv (Epoch AI layout) or application/json (an array of profiles)",
        ));
    };
    for (i, p) in profiles.iter().enumerate() {
        p.validate()
            .map_err(|e| ApiError::validation(format!("profile {} ({:?}): {e}", i + 1, p.name)))?;
    }
    let news = profiles
        .iter()
        .map(|p| {
            Ok(NewModel {
                name: p.name.clone(),
                tlp,
                profile: serde_json::to_string(p).map_err(|_| ApiError::internal())?,
            })
        })
        .collect::<ApiResult<Vec<_>>>()?;
    let ids = state
        .store
        .upsert_models(&caller.actor, owner, &news, state.now())
        .await?;
    let sets = sets_in_force(&state).await?;
    let pairs: Vec<(Uuid, ModelProfile)> = ids.iter().copied().zip(profiles).collect();
    determine_and_record(&state, &caller.actor, &sets, &pairs).await?;
    Ok((
        StatusCode::CREATED,
        Json(ImportOut {
            imported: ids.len(),
            ids,
        }),
    ))
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

/// The registry: the profiles you may read.
#[utoipa::path(get, path = "/api/v1/models", tag = "frontier", params(PageParams),
    responses((status = 200, body = List<ModelSummaryOut>), (status = 401, body = Problem)))]
pub async fn list_models(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(page): ApiQuery<PageParams>,
) -> ApiResult<Json<List<ModelSummaryOut>>> {
    let page = state.store.models(page.to_request()?).await?;
    let next_cursor = page.next.map(crate::extract::encode_cursor);
    let items = page
        .items
        .into_iter()
        .filter(|m| state.permits(&caller.principal, Action::ModelRead, &model_resource(m)))
        .map(|m| ModelSummaryOut {
            id: m.id,
            owner_org: m.owner_org,
            name: m.name,
            tlp: m.tlp,
            updated_at: ts(m.updated_at),
        })
        .collect();
    Ok(Json(List { items, next_cursor }))
}

/// A model, its profile and its determination history, explained as far as the policy lets you see.
#[utoipa::path(get, path = "/api/v1/models/{id}", tag = "frontier",
    responses((status = 200, body = ModelOut), (status = 404, body = Problem)))]
pub async fn get_model(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<ModelOut>> {
    let m = readable_model(&state, &caller.principal, id).await?;
    Ok(Json(model_out(&state, &caller.principal, m).await?))
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

/// Does my model qualify? Determines a profile under every set in force without storing it.
#[utoipa::path(post, path = "/api/v1/precheck", tag = "frontier", request_body = PrecheckIn,
    responses((status = 200, body = PrecheckOut), (status = 400, body = Problem)))]
pub async fn precheck(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<PrecheckIn>,
) -> ApiResult<Json<PrecheckOut>> {
    state.authorize(&caller.principal, Action::ModelPrecheck, &Resource::Program)?;
    checked(&body.profile)?;
    let now: OffsetDateTime = state.now();
    let determinations = sets_in_force(&state)
        .await?
        .iter()
        .map(|set| {
            determination_out(
                &state,
                &caller.principal,
                &set.determine(&body.profile, now),
            )
        })
        .collect();
    Ok(Json(PrecheckOut { determinations }))
}

/// Parses a JSON body that is a bare profile, for the web pre-check form.
pub fn profile_from_json(text: &str) -> ApiResult<ModelProfile> {
    parse_json(text.as_bytes())
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct EvalParams {
    /// The name the score gets in the profile's `evals`, e.g. `cybench`.
    pub name: String,
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

/// Attach an evaluation score from an Inspect AI log (`.json`, or the zipped
/// `.eval` as `application/zip`) to a model; the model is re-determined.
#[utoipa::path(post, path = "/api/v1/models/{id}/evals", tag = "frontier", params(EvalParams),
    request_body(content = Vec<u8>, content_type = "application/zip"),
    responses((status = 200, body = EvalOut), (status = 404, body = Problem), (status = 415, body = Problem), (status = 422, body = Problem)))]
pub async fn attach_eval(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
    ApiQuery(q): ApiQuery<EvalParams>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Json<EvalOut>> {
    let m = readable_model(&state, &caller.principal, id).await?;
    state.authorize(&caller.principal, Action::ModelUpdate, &model_resource(&m))?;
    if !is_text(
        &headers,
        &[
            "application/json",
            "application/zip",
            "application/octet-stream",
        ],
    ) {
        return Err(ApiError::new(
            Kind::UnsupportedMediaType,
            "send an Inspect log: application/json (.json) or application/zip (.eval)",
        ));
    }
    let name = q.name.trim();
    if name.is_empty()
        || name.len() > 64
        || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
    {
        return Err(ApiError::validation(
            "name must be 1 to 64 letters, digits or '_' (it is read as evals.NAME in criteria)",
        ));
    }
    let log = bulwark_frontier::inspect::parse(&body)
        .map_err(|e| ApiError::validation(format!("Inspect log: {e}")))?;
    let mut profile = parse_profile(&m)?;
    let score = log
        .attach(&mut profile, name)
        .map_err(|e| ApiError::validation(format!("Inspect log: {e}")))?;
    let new = NewModel {
        name: m.name.clone(),
        tlp: m.tlp,
        profile: serde_json::to_string(&profile).map_err(|_| ApiError::internal())?,
    };
    state
        .store
        .upsert_models(&caller.actor, m.owner_org, &[new], state.now())
        .await?;
    let sets = sets_in_force(&state).await?;
    determine_and_record(&state, &caller.actor, &sets, &[(id, profile)]).await?;
    let m = state.store.model(id).await?;
    Ok(Json(EvalOut {
        name: name.to_owned(),
        score,
        task: log.task.clone(),
        log_model: log.model.clone(),
        model: model_out(&state, &caller.principal, m).await?,
    }))
}

/// Whether the registry's determinations under `set` lag behind it: some
/// model has none under this version yet. True right after a version loaded
/// ahead of time takes effect.
async fn is_stale(state: &AppState, set: &StoredBenchmarkSet) -> ApiResult<bool> {
    let latest = state.store.latest_determinations(&set.set_id).await?;
    let current = latest.iter().filter(|d| d.version == set.version).count();
    Ok(current < state.store.model_count().await? as usize)
}

/// One pass of the scheduler: re-determines the registry under every set
/// whose version in force the registry has not been determined under yet.
/// A lease per set keeps two servers on one database from doing it twice.
/// Returns the `id@version`s it re-determined.
pub async fn redetermine_due(state: &AppState, holder: &str) -> ApiResult<Vec<String>> {
    let now = state.now();
    let mut done = Vec::new();
    for set in state.store.benchmark_sets_in_force(now).await? {
        if !is_stale(state, &set).await? {
            continue;
        }
        let key = format!("redetermine:{}", set.set_id);
        let until = now + time::Duration::minutes(30);
        if let bulwark_store::LeaseOutcome::Held(_) =
            state.store.lease_acquire(&key, holder, until, now).await?
        {
            continue;
        }
        let actor = Actor {
            user: None,
            org: None,
            request_id: Some(format!("scheduler:{holder}")),
        };
        let result = redetermine(state, &actor, None, &set.set_id).await;
        state.store.lease_release(&key, holder).await?;
        if let Some(r) = result? {
            tracing::info!(benchmark = %r.benchmark, models = r.models, moved = r.moved, "registry re-determined: a new version took effect");
            done.push(r.benchmark);
        }
    }
    Ok(done)
}
