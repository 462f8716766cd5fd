//! Frontier benchmarks: benchmark sets, the model registry, determinations,
//! their re-determination when a version takes effect, and the "does my
//! model qualify?" pre-check.
//!
//! The rules are the domain crate's (`bulwark-frontier`); who may see what is
//! the policy's: a restricted set's criteria reach only those the policy lets
//! read them (`benchmark.read_criteria`), everyone else gets the outcome and
//! the missing evidence.
//!
//! `sets` loads, lists and re-determines benchmark sets (the scheduler's
//! [`redetermine_due`] among them); `models` keeps the registry and answers
//! the pre-check. The conversions both share, and that the pages draw from,
//! are here.

use std::sync::Arc;

use bulwark_authz::Action;
use bulwark_core::Principal;
use bulwark_frontier::{BenchmarkSet, Determination, ModelProfile, Visibility};
use bulwark_store::{Actor, NewDetermination, StoredBenchmarkSet, StoredModel};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::resources::set_resource;
use crate::{App, AppError, AppResult, ts};

mod models;
mod registry;
mod sets;

pub use models::{
    Determined, EvalOut, ImportOut, LatestDetermination, ModelHistory, ModelOut, ModelSummaryOut,
    NewModelIn, PrecheckIn, PrecheckOut, Registry, RegistryEntry, SKIPPED_ROWS_LISTED, SkippedRow,
    attach_eval, create_model, determine_in_force, get_model, import_models, list_models,
    model_history, precheck, registry,
};
pub use registry::{
    OUTCOMES, RegistryItem, RegistryQuery, RegistryView, Sort, Threshold, outcome_counts,
    registry_view,
};
pub use sets::{
    LoadOut, ModelChangeOut, RedeterminationOut, benchmarks_in_force, get_benchmark,
    list_benchmarks, load_benchmark, redetermine, redetermine_due, redetermine_set,
};

/// A stored set, compiled; compiled sets are cached by (id, version), since a
/// version never changes once loaded.
pub fn compiled(app: &App, stored: &StoredBenchmarkSet) -> AppResult<Arc<BenchmarkSet>> {
    let key = (stored.set_id.clone(), stored.version.clone());
    if let Some(set) = app
        .benchmark_cache
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .get(&key)
    {
        return Ok(set.clone());
    }
    let set = BenchmarkSet::from_toml(&stored.source).map_err(|e| {
        tracing::error!(set = %stored.set_id, version = %stored.version, error = %e, "stored benchmark set no longer compiles");
        AppError::internal()
    })?;
    let set = Arc::new(set);
    app.benchmark_cache
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .insert(key, set.clone());
    Ok(set)
}

/// The compiled sets in force now.
pub async fn sets_in_force(app: &App) -> AppResult<Vec<Arc<BenchmarkSet>>> {
    app.store
        .benchmark_sets_in_force(app.now())
        .await?
        .iter()
        .map(|s| compiled(app, s))
        .collect()
}

/// A profile's own rules (non-negative quantities, scores in [0, 1], …),
/// as a validation error naming the field.
fn checked(p: &ModelProfile) -> AppResult<()> {
    p.validate()
        .map_err(|e| AppError::validation(format!("profile: {e}")))
}

/// A stored model's profile; one that no longer parses is the server's
/// failure, not the caller's.
pub fn parse_profile(m: &StoredModel) -> AppResult<ModelProfile> {
    serde_json::from_str(&m.profile).map_err(|e| {
        tracing::error!(model = %m.id, error = %e, "stored profile does not parse");
        AppError::internal()
    })
}

fn detail_json(d: &Determination) -> AppResult<String> {
    serde_json::to_string(d).map_err(|_| AppError::internal())
}

/// Whether a document's declared media type (`text/csv; charset=utf-8`, as
/// the interface received it) is one of `allowed`; parameters are ignored.
fn declared_as(media_type: Option<&str>, allowed: &[&str]) -> bool {
    media_type
        .and_then(|v| v.split(';').next())
        .is_some_and(|m| allowed.iter().any(|a| m.trim().eq_ignore_ascii_case(a)))
}

/// Determines `models` under `sets` and records every determination.
async fn determine_and_record(
    app: &App,
    actor: &Actor,
    sets: &[Arc<BenchmarkSet>],
    models: &[(Uuid, ModelProfile)],
) -> AppResult<Vec<(Uuid, Determination)>> {
    let now = app.now();
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
        app.store.record_determinations(actor, &batch, now).await?;
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

/// `d` as `who` may see it: the criteria only where the policy lets `who`
/// read the set's criteria.
pub fn determination_out(app: &App, who: &Principal, d: &Determination) -> DeterminationOut {
    let restricted = d.visibility == Visibility::Restricted;
    let see_criteria = app.permits(
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

/// A stored set as `who` may see it; its criteria only when asked for
/// (`with_criteria`) and the policy lets `who` read them.
pub fn benchmark_out(
    app: &App,
    who: &Principal,
    stored: &StoredBenchmarkSet,
    with_criteria: bool,
) -> AppResult<BenchmarkOut> {
    let criteria = if with_criteria
        && app.permits(
            who,
            Action::BenchmarkReadCriteria,
            &set_resource(&stored.set_id, stored.restricted),
        ) {
        let set = compiled(app, stored)?;
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
