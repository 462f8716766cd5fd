//! OSV advisories over the API: search by id or alias and by package, one
//! advisory with the components it affects among the SBOMs the caller may
//! see (each with the range and event that decided), and osv.dev's
//! `querybatch`: up to [`MAX_BATCH`] package queries answered in one call,
//! in query order.
//!
//! Advisories are public data: reading them is the policy's
//! `vulnerability.read` decision on the program. Which SBOMs' components
//! are listed as affected is the policy's `record.read` on each SBOM.
//! Nothing here changes state.

use std::collections::HashMap;

use axum::Json;
use axum::extract::State;
use bulwark_authz::{Action, Resource};
use bulwark_matching::ecosystem::{normalize_name, split_ecosystem};
use bulwark_matching::engine::{Component, Finding};
use bulwark_matching::{Target, target_of};
use bulwark_store::StoredAdvisory;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::extract::{ApiJson, ApiPath, ApiQuery, Caller};
use crate::problem::{ApiError, ApiResult, Problem};
use crate::state::AppState;
use bulwark_app::advisories::{Affected, affected_by};

/// The most queries one `querybatch` call may carry (as osv.dev).
pub const MAX_BATCH: usize = 1_000;
/// Largest `querybatch` body: a thousand long package URLs fit easily.
pub const BATCH_BODY_LIMIT: usize = 4 * 1024 * 1024;
/// Search results when the caller names no limit.
pub const DEFAULT_SEARCH_LIMIT: u32 = 50;
/// The most search results one call returns.
pub const MAX_SEARCH_LIMIT: u32 = 500;

/// `?q=…` (an id or alias) or `?ecosystem=…&package=…`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct SearchQuery {
    /// An advisory id or alias (`GHSA-…`, `CVE-…`), any case.
    pub q: Option<String>,
    /// An OSV ecosystem (`npm`, `PyPI`, `Debian:12`); with `package`.
    pub ecosystem: Option<String>,
    /// A package name in `ecosystem` (normalised as OSV files it).
    pub package: Option<String>,
    /// 1 to 500 (default 50).
    pub limit: Option<u32>,
}

/// One advisory, in brief.
#[derive(Debug, Serialize, ToSchema)]
pub struct AdvisorySummary {
    pub id: String,
    pub aliases: Vec<String>,
    pub summary: Option<String>,
    /// As the record writes them.
    pub modified: Option<String>,
    pub published: Option<String>,
    /// Set when the record was withdrawn: it then matches nothing.
    pub withdrawn: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SearchOut {
    pub items: Vec<AdvisorySummary>,
    /// More matched than `limit`.
    pub truncated: bool,
}

/// One advisory and who it affects.
#[derive(Debug, Serialize, ToSchema)]
pub struct AdvisoryOut {
    pub id: String,
    /// Other records answering to the name asked for (an alias such as a
    /// CVE id may name several).
    pub also: Vec<String>,
    /// The OSV record as stored.
    #[schema(value_type = Object)]
    pub record: serde_json::Value,
    /// Components of the SBOMs the caller may read that it affects, or
    /// may affect.
    pub affected: Affected,
}

fn aliases_of(raw: &serde_json::Value) -> Vec<String> {
    raw.get("aliases")
        .and_then(serde_json::Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

pub(crate) fn summary_of(a: &StoredAdvisory) -> AdvisorySummary {
    let raw: serde_json::Value = serde_json::from_str(&a.raw_json).unwrap_or_default();
    AdvisorySummary {
        id: a.id.clone(),
        aliases: aliases_of(&raw),
        summary: a.summary.clone(),
        modified: a.modified.clone(),
        published: a.published.clone(),
        withdrawn: a.withdrawn.clone(),
    }
}

#[utoipa::path(get, path = "/api/v1/advisories", tag = "advisories", params(SearchQuery),
    responses((status = 200, body = SearchOut), (status = 400, body = Problem),
        (status = 401, body = Problem), (status = 403, body = Problem)))]
pub async fn search(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<SearchQuery>,
) -> ApiResult<Json<SearchOut>> {
    state.authorize(
        &caller.principal,
        Action::VulnerabilityRead,
        &Resource::Program,
    )?;
    let limit = q.limit.unwrap_or(DEFAULT_SEARCH_LIMIT);
    if !(1..=MAX_SEARCH_LIMIT).contains(&limit) {
        return Err(ApiError::malformed(format!(
            "limit must be between 1 and {MAX_SEARCH_LIMIT}"
        )));
    }
    let found = match (q.q.as_deref(), q.ecosystem.as_deref(), q.package.as_deref()) {
        (Some(name), None, None) if !name.trim().is_empty() => state.store.advisory(name).await?,
        (None, Some(eco), Some(package))
            if !eco.trim().is_empty() && !package.trim().is_empty() =>
        {
            let (key, _) = split_ecosystem(eco);
            let name = normalize_name(&key, package.trim());
            state.store.advisories_for_package(&key, &name).await?
        }
        _ => {
            return Err(ApiError::malformed(
                "give q (an advisory id or alias), or ecosystem and package",
            ));
        }
    };
    let truncated = found.len() > limit as usize;
    Ok(Json(SearchOut {
        items: found.iter().take(limit as usize).map(summary_of).collect(),
        truncated,
    }))
}

/// The stored records answering to `name` (the record with that id first)
/// and the first one parsed; `None` when there is none.
pub(crate) async fn lookup(
    state: &AppState,
    name: &str,
) -> ApiResult<Option<(Vec<StoredAdvisory>, bulwark_matching::Advisory)>> {
    let found = state.store.advisory(name).await?;
    let Some(first) = found.first() else {
        return Ok(None);
    };
    let parsed = bulwark_matching::osv::parse_json(first.raw_json.as_bytes()).map_err(|e| {
        tracing::error!(id = %first.id, error = %e, "stored advisory does not parse");
        ApiError::internal()
    })?;
    Ok(Some((found, parsed)))
}

#[utoipa::path(get, path = "/api/v1/advisories/{id}", tag = "advisories",
    params(("id" = String, Path, description = "An advisory id or alias, any case")),
    responses((status = 200, body = AdvisoryOut), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn get_one(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<AdvisoryOut>> {
    state.authorize(
        &caller.principal,
        Action::VulnerabilityRead,
        &Resource::Program,
    )?;
    let Some((found, parsed)) = lookup(&state, &id).await? else {
        return Err(ApiError::not_found("advisory"));
    };
    let affected = affected_by(&state, &caller.principal, &parsed).await?;
    let record = serde_json::from_str(&found[0].raw_json).unwrap_or_default();
    Ok(Json(AdvisoryOut {
        id: found[0].id.clone(),
        also: found[1..].iter().map(|a| a.id.clone()).collect(),
        record,
        affected,
    }))
}

/// A package in a query: a package URL, or an ecosystem and a name.
#[derive(Debug, Deserialize, ToSchema)]
pub struct PackageQuery {
    /// `pkg:npm/lodash@4.17.20`; its version, if any, is the one asked about.
    pub purl: Option<String>,
    /// An OSV ecosystem (`npm`, `PyPI`, `Debian:12`).
    pub ecosystem: Option<String>,
    pub name: Option<String>,
}

/// One query of a batch, as osv.dev's.
#[derive(Debug, Deserialize, ToSchema)]
pub struct Query {
    pub package: Option<PackageQuery>,
    /// The version asked about, when the package is not a versioned purl.
    pub version: Option<String>,
    /// A commit hash: not answered here (Bulwark matches by package).
    pub commit: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct QueryBatch {
    /// At most 1,000.
    pub queries: Vec<Query>,
}

/// An advisory that affects the queried version.
#[derive(Debug, Serialize, ToSchema)]
pub struct VulnOut {
    pub id: String,
    /// The record's `modified`, as written.
    pub modified: Option<String>,
}

/// An advisory that names the package but cannot be decided for the query.
#[derive(Debug, Serialize, ToSchema)]
pub struct UndecidedOut {
    pub id: String,
    pub modified: Option<String>,
    pub reason: String,
}

/// The answer to one query.
#[derive(Debug, Serialize, ToSchema)]
pub struct QueryResult {
    /// The advisories that affect the queried version (empty when none do,
    /// or when the query could not be answered: then `explanation` says
    /// why).
    pub vulns: Vec<VulnOut>,
    /// Advisories naming the package whose applicability cannot be told
    /// (no version, a version the ecosystem refuses).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub indeterminate: Vec<UndecidedOut>,
    /// Why the answer is not a plain yes or no: the query was not usable,
    /// or some advisories could not be decided.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub explanation: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct QueryBatchOut {
    /// One result a query, in query order.
    pub results: Vec<QueryResult>,
}

/// What a query is looked up as, or why it cannot be.
fn target_of_query(q: &Query) -> Result<Target, String> {
    if q.commit.is_some() && q.package.is_none() {
        return Err("commit queries are not answered here; query by package".into());
    }
    let Some(p) = &q.package else {
        return Err("no package: give package.purl, or package.ecosystem and package.name".into());
    };
    let version = q
        .version
        .as_deref()
        .map(str::trim)
        .filter(|v| !v.is_empty());
    match (&p.purl, &p.ecosystem, &p.name) {
        (Some(purl), None, None) => {
            let c = Component::parse(purl.trim())
                .map_err(|e| format!("package URL {purl:?} does not parse: {e}"))?;
            let mut t = target_of(&c.parsed).map_err(|e| e.to_string())?;
            match (&t.version, version) {
                (Some(_), Some(_)) => {
                    return Err(
                        "the version is given twice: in the package URL and in `version`".into(),
                    );
                }
                (None, Some(v)) => t.version = Some(v.to_owned()),
                _ => {}
            }
            Ok(t)
        }
        (None, Some(eco), Some(name)) if !eco.trim().is_empty() && !name.trim().is_empty() => {
            let (key, release) = split_ecosystem(eco);
            let name = normalize_name(&key, name.trim());
            Ok(Target {
                ecosystem: key,
                release,
                names: vec![name],
                version: version.map(str::to_owned),
            })
        }
        _ => Err(
            "give package.purl, or package.ecosystem and package.name (not both, not neither)"
                .into(),
        ),
    }
}

#[utoipa::path(post, path = "/api/v1/querybatch", tag = "advisories",
    request_body = QueryBatch,
    responses((status = 200, body = QueryBatchOut),
        (status = 400, body = Problem, description = "not a batch, or more than 1,000 queries"),
        (status = 401, body = Problem), (status = 403, body = Problem)))]
pub async fn querybatch(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(batch): ApiJson<QueryBatch>,
) -> ApiResult<Json<QueryBatchOut>> {
    state.authorize(
        &caller.principal,
        Action::VulnerabilityRead,
        &Resource::Program,
    )?;
    if batch.queries.len() > MAX_BATCH {
        return Err(ApiError::malformed(format!(
            "{} queries; a batch holds at most {MAX_BATCH}",
            batch.queries.len()
        ))
        .with_extension("limit", serde_json::json!(MAX_BATCH)));
    }
    let snapshot = state.matching.current(&state.store).await?;
    let mut results: Vec<QueryResult> = Vec::with_capacity(batch.queries.len());
    let mut targets: Vec<Target> = Vec::new();
    let mut query_of: Vec<usize> = Vec::new();
    for (i, q) in batch.queries.iter().enumerate() {
        let explanation = match target_of_query(q) {
            Ok(t) => {
                let none = t.version.is_none();
                targets.push(t);
                query_of.push(i);
                none.then(|| {
                    "no version given: advisories naming the package are listed as indeterminate"
                        .to_owned()
                })
            }
            Err(e) => Some(e),
        };
        results.push(QueryResult {
            vulns: Vec::new(),
            indeterminate: Vec::new(),
            explanation,
        });
    }
    let engine = &snapshot.engine;
    let mut modified: HashMap<String, Option<String>> = HashMap::new();
    let mut modified_of = |id: &str| -> Option<String> {
        modified
            .entry(id.to_owned())
            .or_insert_with(|| {
                engine
                    .index()
                    .lookup(id)
                    .into_iter()
                    .find(|a| a.id == id)
                    .and_then(|a| a.modified.clone())
            })
            .clone()
    };
    let findings = {
        let snapshot = std::sync::Arc::clone(&snapshot);
        tokio::task::spawn_blocking(move || snapshot.engine.match_targets(&targets))
            .await
            .map_err(|_| ApiError::internal())?
    };
    for f in findings {
        match f {
            Finding::Hit {
                target,
                advisory_id,
                ..
            } => {
                if let Some(r) = query_of.get(target).and_then(|&q| results.get_mut(q)) {
                    r.vulns.push(VulnOut {
                        modified: modified_of(&advisory_id),
                        id: advisory_id.to_string(),
                    });
                }
            }
            Finding::Indeterminate {
                target,
                advisory_id,
                reason,
                ..
            } => {
                if let Some(r) = query_of.get(target).and_then(|&q| results.get_mut(q)) {
                    r.indeterminate.push(UndecidedOut {
                        modified: modified_of(&advisory_id),
                        id: advisory_id.to_string(),
                        reason,
                    });
                }
            }
        }
    }
    for r in &mut results {
        if r.explanation.is_none() && !r.indeterminate.is_empty() {
            r.explanation = Some(format!(
                "{} advisories name the package but cannot be decided for this version",
                r.indeterminate.len()
            ));
        }
    }
    Ok(Json(QueryBatchOut { results }))
}
