//! A catalogue entry's evidence: its scorecards (every version together and
//! each version), its history, and, for a frontier model, the evaluation
//! scores its registry profile holds, marked as benchmarks rather than
//! evidence.
//!
//! The counts are aggregates over every case, claim and patch that names
//! the tool (by the name it reports as): no case, organization or target is
//! named, so a reader learns no more of an embargoed case than that some
//! case exists. "Targets" summed over versions counts a target once per
//! version that covered it.

use bulwark_authz::Action;
use bulwark_core::Principal;
use bulwark_store::{ToolCounts, ToolVersionEvidence};
use serde::Serialize;
use time::Duration;
use utoipa::ToSchema;
use uuid::Uuid;

use super::readable_tool;
use crate::resources::model_resource;
use crate::tool_evidence::{ToolHistoryOut, ToolScorecardOut, scorecard, tool_history};
use crate::{App, AppResult};

/// The version label of the row that sums every version.
pub const ALL_VERSIONS: &str = "all versions";

/// How far back a tool page's history goes.
pub const HISTORY_WEEKS: i64 = 26;

/// An evaluation score from the model registry: what a benchmark measured,
/// not what the clearinghouse saw.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ToolBenchmarkOut {
    pub name: String,
    /// In [0, 1].
    pub score: f64,
}

/// An entry's evidence.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ToolEvidenceOut {
    pub tool: Uuid,
    pub reports_as: String,
    /// Every version together (version `all versions`); absent when nothing
    /// was seen of the tool.
    pub all: Option<ToolScorecardOut>,
    /// Each version seen, by version.
    pub versions: Vec<ToolScorecardOut>,
    pub history: ToolHistoryOut,
    /// For a frontier model whose profile the reader may read: its
    /// evaluation scores (imported from evaluation logs or given by its
    /// developer), beside the evidence and not part of it.
    pub benchmarks: Vec<ToolBenchmarkOut>,
}

fn add(a: ToolCounts, b: &ToolCounts) -> ToolCounts {
    ToolCounts {
        reports: a.reports + b.reports,
        cases: a.cases + b.cases,
        validated: a.validated + b.validated,
        rejected: a.rejected + b.rejected,
        duplicate: a.duplicate + b.duplicate,
        patches: a.patches + b.patches,
        patches_accepted: a.patches_accepted + b.patches_accepted,
        claims: a.claims + b.claims,
        claims_findings: a.claims_findings + b.claims_findings,
        claims_nothing_found: a.claims_nothing_found + b.claims_nothing_found,
        claims_abandoned: a.claims_abandoned + b.claims_abandoned,
        targets: a.targets + b.targets,
    }
}

/// Every version of one tool summed into one scorecard. A case reported
/// by two versions counts once per version: the rates stay rates of
/// (version, case) pairs.
pub fn combined(
    name: &str,
    versions: &[ToolVersionEvidence],
) -> AppResult<Option<ToolScorecardOut>> {
    if versions.is_empty() {
        return Ok(None);
    }
    let counts = versions
        .iter()
        .fold(ToolCounts::default(), |acc, v| add(acc, &v.counts));
    scorecard(ToolVersionEvidence {
        tool_name: name.to_owned(),
        tool_version: ALL_VERSIONS.to_owned(),
        counts,
    })
    .map(Some)
}

/// The combined scorecards of many entries by the name they report as,
/// in one read: for the catalogue's list.
pub async fn combined_by_name(
    app: &App,
    names: &[String],
) -> AppResult<std::collections::HashMap<String, ToolScorecardOut>> {
    let mut by_name: std::collections::BTreeMap<String, Vec<ToolVersionEvidence>> =
        Default::default();
    for chunk in names.chunks(bulwark_store::MAX_TOOL_NAMES) {
        for e in app.store.tool_evidence(chunk).await? {
            by_name.entry(e.tool_name.clone()).or_default().push(e);
        }
    }
    let mut out = std::collections::HashMap::new();
    for (name, versions) in by_name {
        if let Some(s) = combined(&name, &versions)? {
            out.insert(name, s);
        }
    }
    Ok(out)
}

/// An entry's evidence, for its page and `GET /api/v1/tools/{id}/evidence`.
pub async fn evidence(app: &App, who: &Principal, id: Uuid) -> AppResult<ToolEvidenceOut> {
    let t = readable_tool(app, who, id).await?;
    let name = t.fields.reports_as.clone();
    let seen = app.store.tool_evidence(std::slice::from_ref(&name)).await?;
    let all = combined(&name, &seen)?;
    let versions = seen
        .into_iter()
        .map(scorecard)
        .collect::<AppResult<Vec<_>>>()?;
    // Weeks from a Monday, 00:00 UTC, so that the chart's weeks are
    // calendar weeks.
    let since = app.now() - Duration::weeks(HISTORY_WEEKS);
    let since = since.replace_time(time::Time::MIDNIGHT)
        - Duration::days(i64::from(since.weekday().number_days_from_monday()));
    let history = tool_history(app, &name, since).await?;
    let mut benchmarks = Vec::new();
    if let Some(model) = t.fields.model_id
        && let Ok(m) = app.store.model(model).await
        && app.permits(who, Action::ModelRead, &model_resource(&m))
        && let Ok(profile) = serde_json::from_str::<serde_json::Value>(&m.profile)
        && let Some(evals) = profile.get("evals").and_then(|e| e.as_object())
    {
        for (name, score) in evals {
            if let Some(score) = score.as_f64() {
                benchmarks.push(ToolBenchmarkOut {
                    name: name.clone(),
                    score,
                });
            }
        }
    }
    Ok(ToolEvidenceOut {
        tool: t.id,
        reports_as: name,
        all,
        versions,
        history,
        benchmarks,
    })
}
