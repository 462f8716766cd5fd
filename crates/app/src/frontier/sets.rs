//! Benchmark sets: loading a version, reading them, and re-determining the
//! registry when a version is, or comes, in force.

use std::collections::BTreeMap;

use bulwark_authz::{Action, Resource};
use bulwark_core::Principal;
use bulwark_frontier::{BenchmarkSet, Determination, RegistryChange, Visibility};
use bulwark_store::{Actor, PageRequest, StoredBenchmarkSet, StoredModel};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::{
    BenchmarkOut, benchmark_out, compiled, declared_as, determine_and_record, parse_profile,
};
use crate::resources::{model_resource, set_resource};
use crate::{Acting, App, AppError, AppResult, ErrorKind, not_found_as};

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
/// `None` when no version of `set_id` is in force.
pub async fn redetermine(
    app: &App,
    actor: &Actor,
    reader: Option<&Principal>,
    set_id: &str,
) -> AppResult<Option<RedeterminationOut>> {
    let Some(stored) = app
        .store
        .benchmark_sets_in_force(app.now())
        .await?
        .into_iter()
        .find(|s| s.set_id == set_id)
    else {
        return Ok(None);
    };
    let set = compiled(app, &stored)?;
    let mut before = BTreeMap::new();
    for d in app.store.latest_determinations(set_id).await? {
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
        let p = app.store.models(page).await?;
        models.extend(p.items);
        match p.next {
            Some(n) => page.after = Some(n),
            None => break,
        }
    }
    let profiles = models
        .iter()
        .map(|m| Ok((m.id, parse_profile(m)?)))
        .collect::<AppResult<Vec<_>>>()?;
    let after: BTreeMap<Uuid, Determination> = determine_and_record(app, actor, &[set], &profiles)
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
                .is_none_or(|r| app.permits(r, Action::ModelRead, &model_resource(m)))
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

/// Loads a new version of a benchmark set: `source` is its TOML (as
/// documented in docs/benchmarks.md), `media_type` what the interface was
/// told it is. Two versions of a set may not take effect on the same day.
/// A version already in force re-determines the registry at once; one that
/// takes effect later is left to [`redetermine_due`].
pub async fn load_benchmark(
    app: &App,
    who: &Acting,
    media_type: Option<&str>,
    source: &[u8],
) -> AppResult<LoadOut> {
    app.authorize(&who.principal, Action::BenchmarkLoad, &Resource::Program)?;
    if !declared_as(
        media_type,
        &["application/toml", "text/x-toml", "text/plain"],
    ) {
        return Err(AppError::new(
            ErrorKind::UnsupportedMediaType,
            "send the benchmark set as Content-Type: application/toml",
        ));
    }
    let source = std::str::from_utf8(source).map_err(|e| {
        AppError::malformed(format!("body is not UTF-8 (byte {})", e.valid_up_to()))
    })?;
    let set = BenchmarkSet::from_toml(source)
        .map_err(|e| AppError::validation(format!("benchmark set: {e}")))?;
    let effective_at = set.effective().midnight().assume_utc();
    let stored = StoredBenchmarkSet {
        set_id: set.id().to_owned(),
        version: set.version().to_owned(),
        effective_at,
        title: set.title().to_owned(),
        restricted: set.visibility() == Visibility::Restricted,
        source: source.to_owned(),
        loaded_by: who.actor.user,
        loaded_at: app.now(),
    };
    if app.store.benchmark_sets().await?.iter().any(|s| {
        s.set_id == stored.set_id
            && s.effective_at == stored.effective_at
            && s.version != stored.version
    }) {
        return Err(AppError::new(
            ErrorKind::Conflict,
            format!(
                "another version of {} already takes effect on {}",
                stored.set_id,
                set.effective()
            ),
        ));
    }
    let stored = app
        .store
        .load_benchmark_set(&who.actor, &stored, app.now())
        .await?;
    let redetermination = if stored.effective_at <= app.now() {
        redetermine(app, &who.actor, Some(&who.principal), &stored.set_id).await?
    } else {
        None
    };
    Ok(LoadOut {
        benchmark: benchmark_out(app, &who.principal, &stored, true)?,
        redetermination,
    })
}

/// Every version of every benchmark set `who` may read, criteria left out.
pub async fn list_benchmarks(app: &App, who: &Principal) -> AppResult<Vec<BenchmarkOut>> {
    readable(app, who, app.store.benchmark_sets().await?)
}

/// The versions in force now of the sets `who` may read, criteria left out.
pub async fn benchmarks_in_force(app: &App, who: &Principal) -> AppResult<Vec<BenchmarkOut>> {
    readable(
        app,
        who,
        app.store.benchmark_sets_in_force(app.now()).await?,
    )
}

/// `sets` without those the policy does not let `who` read.
fn readable(
    app: &App,
    who: &Principal,
    sets: Vec<StoredBenchmarkSet>,
) -> AppResult<Vec<BenchmarkOut>> {
    let mut out = Vec::new();
    for s in sets {
        if app.permits(
            who,
            Action::BenchmarkRead,
            &set_resource(&s.set_id, s.restricted),
        ) {
            out.push(benchmark_out(app, who, &s, false)?);
        }
    }
    Ok(out)
}

/// One version of a set, with its criteria when the policy lets `who` read
/// them; a set `who` may not read is not found.
pub async fn get_benchmark(
    app: &App,
    who: &Principal,
    id: &str,
    version: &str,
) -> AppResult<BenchmarkOut> {
    let s = app
        .store
        .benchmark_set(id, version)
        .await
        .map_err(not_found_as("benchmark set version"))?;
    if !app.permits(
        who,
        Action::BenchmarkRead,
        &set_resource(&s.set_id, s.restricted),
    ) {
        return Err(AppError::not_found("benchmark set version"));
    }
    benchmark_out(app, who, &s, true)
}

/// Re-determines the registry under the version of set `id` in force now.
pub async fn redetermine_set(app: &App, who: &Acting, id: &str) -> AppResult<RedeterminationOut> {
    app.authorize(&who.principal, Action::BenchmarkLoad, &Resource::Program)?;
    redetermine(app, &who.actor, Some(&who.principal), id)
        .await?
        .ok_or_else(|| AppError::not_found("benchmark set in force"))
}

/// Whether the registry's determinations under `set` lag behind it: some
/// model has none under this version yet. True right after a version loaded
/// ahead of time takes effect.
async fn is_stale(app: &App, set: &StoredBenchmarkSet) -> AppResult<bool> {
    let latest = app.store.latest_determinations(&set.set_id).await?;
    let current = latest.iter().filter(|d| d.version == set.version).count();
    Ok(current < app.store.model_count().await? as usize)
}

/// One pass of the scheduler: re-determines the registry under every set
/// whose version in force the registry has not been determined under yet.
/// A lease per set keeps two servers on one database from doing it twice.
/// Returns the `id@version`s it re-determined.
pub async fn redetermine_due(app: &App, holder: &str) -> AppResult<Vec<String>> {
    let now = app.now();
    let mut done = Vec::new();
    for set in app.store.benchmark_sets_in_force(now).await? {
        if !is_stale(app, &set).await? {
            continue;
        }
        let key = format!("redetermine:{}", set.set_id);
        let until = now + time::Duration::minutes(30);
        if let bulwark_store::LeaseOutcome::Held(_) =
            app.store.lease_acquire(&key, holder, until, now).await?
        {
            continue;
        }
        let actor = Actor {
            user: None,
            org: None,
            request_id: Some(format!("scheduler:{holder}")),
        };
        let result = redetermine(app, &actor, None, &set.set_id).await;
        app.store.lease_release(&key, holder).await?;
        if let Some(r) = result? {
            tracing::info!(benchmark = %r.benchmark, models = r.models, moved = r.moved, "registry re-determined: a new version took effect");
            done.push(r.benchmark);
        }
    }
    Ok(done)
}
