//! What the clearinghouse has seen of each AI-enabled defensive tool, per
//! version, as the catalogue's scorecards show it: counts, and rates each
//! with its sample size and 95% Wilson interval (`bulwark_tools::scorecard`),
//! read from the store's counters (`Store::tool_evidence`), never recounted.
//!
//! **Authorization is the caller's.** These functions take no principal:
//! the catalogue's use cases call them for entries the reader was found
//! allowed to read (`tools` in the catalogue's policy). What they return
//! is aggregates only — counts over every case, embargoed ones included,
//! with no case ids, organizations or targets — which is how the policy
//! lets counts derived from embargoed cases be shown.

use bulwark_store::{ToolCounts, ToolVersionEvidence};
use bulwark_tools::scorecard::{Evidence, Rate, Scorecard, median};
use serde::Serialize;
use time::OffsetDateTime;
use utoipa::ToSchema;

use crate::{App, AppError, AppResult, ts};

/// A rate: `k` of `n`, with its 95% Wilson interval.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct RateOut {
    pub k: i64,
    pub n: i64,
    /// k ÷ n; absent without trials.
    pub rate: Option<f64>,
    /// The interval's lower end, 0 to 1.
    pub lower: f64,
    /// The interval's upper end, 0 to 1.
    pub upper: f64,
    /// Fewer than 10 trials: shown with its interval, but not to be read
    /// as a measure.
    pub too_few: bool,
}

impl From<Rate> for RateOut {
    fn from(r: Rate) -> Self {
        RateOut {
            k: r.k,
            n: r.n,
            rate: r.point(),
            lower: r.lower,
            upper: r.upper,
            too_few: r.too_few(),
        }
    }
}

/// One tool version's counts.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct ToolCountsOut {
    /// Reports sent with this version.
    pub reports: i64,
    /// Distinct cases they are in.
    pub cases: i64,
    pub validated: i64,
    pub rejected: i64,
    /// Cases someone had reported before this version did.
    pub duplicate: i64,
    /// Cases this version reported first.
    pub found_first: i64,
    /// Patches submitted with this version.
    pub patches: i64,
    pub patches_accepted: i64,
    /// Scan claims made with this version.
    pub claims: i64,
    pub claims_findings: i64,
    pub claims_nothing_found: i64,
    pub claims_abandoned: i64,
    /// Distinct targets covered (scanned, "nothing found" included).
    pub targets: i64,
}

/// One tool version's scorecard.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct ToolScorecardOut {
    pub name: String,
    /// As reports and claims give it; empty when they gave none.
    pub version: String,
    pub counts: ToolCountsOut,
    /// Validated of the cases decided (validated or rejected).
    pub validation: RateOut,
    /// Cases someone had reported first, of the cases behind it.
    pub duplicate: RateOut,
    /// Cases it reported first, of the cases behind it.
    pub found_first: RateOut,
    /// Patches accepted of those submitted.
    pub patch_acceptance: RateOut,
    /// Claims released with nothing found, of those released.
    pub nothing_found: RateOut,
}

fn evidence(c: ToolCounts) -> Evidence {
    Evidence {
        reports: c.reports,
        cases: c.cases,
        validated: c.validated,
        rejected: c.rejected,
        duplicate: c.duplicate,
        patches: c.patches,
        patches_accepted: c.patches_accepted,
        claims: c.claims,
        claims_findings: c.claims_findings,
        claims_nothing_found: c.claims_nothing_found,
        claims_abandoned: c.claims_abandoned,
        targets: c.targets,
    }
}

/// One version's scorecard from its kept counters.
pub fn scorecard(e: ToolVersionEvidence) -> AppResult<ToolScorecardOut> {
    let s = Scorecard::from_evidence(evidence(e.counts)).map_err(|err| {
        tracing::error!(tool = %e.tool_name, version = %e.tool_version, error = %err,
            "tool_version_stats contradict each other");
        AppError::internal()
    })?;
    let c = s.evidence;
    Ok(ToolScorecardOut {
        name: e.tool_name,
        version: e.tool_version,
        counts: ToolCountsOut {
            reports: c.reports,
            cases: c.cases,
            validated: c.validated,
            rejected: c.rejected,
            duplicate: c.duplicate,
            found_first: c.found_first(),
            patches: c.patches,
            patches_accepted: c.patches_accepted,
            claims: c.claims,
            claims_findings: c.claims_findings,
            claims_nothing_found: c.claims_nothing_found,
            claims_abandoned: c.claims_abandoned,
            targets: c.targets,
        },
        validation: s.validation.into(),
        duplicate: s.duplicate.into(),
        found_first: s.found_first.into(),
        patch_acceptance: s.patch_acceptance.into(),
        nothing_found: s.nothing_found.into(),
    })
}

/// The scorecards of every version seen of the named tools (names as
/// reports, claims and patches carry them), by name then version; a name
/// nothing was seen of has none. One indexed read however many reports
/// there are. The caller has checked that the reader may read each named
/// catalogue entry (see the module's doc).
pub async fn scorecards(app: &App, names: &[String]) -> AppResult<Vec<ToolScorecardOut>> {
    app.store
        .tool_evidence(names)
        .await?
        .into_iter()
        .map(scorecard)
        .collect()
}

/// The median time from a claim to a validated finding over some samples.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct ClaimToValidationOut {
    /// The version; absent for all versions together.
    pub version: Option<String>,
    /// Validated cases with a claim to measure from.
    pub samples: i64,
    /// In whole seconds; absent without samples.
    pub median_seconds: Option<i64>,
}

/// One week of a tool's history.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct ToolWeekOut {
    /// The week's start (RFC 3339).
    pub start: String,
    /// Reports sent with the tool that week.
    pub reports: i64,
    /// Cases behind the tool validated that week.
    pub validated: i64,
}

/// A tool page's history: weeks since `since` and the time from claim to
/// validated finding.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct ToolHistoryOut {
    pub name: String,
    pub weeks: Vec<ToolWeekOut>,
    /// All versions first, then each version in order.
    pub claim_to_validation: Vec<ClaimToValidationOut>,
}

/// One tool's history for its page: reports and validations per week from
/// `since` to now, and the median time from a claim to a validated
/// finding (defined at `Store::tool_claim_to_validation`), over all
/// versions and per version. Aggregates only; the caller has checked that
/// the reader may read the tool's catalogue entry.
pub async fn tool_history(
    app: &App,
    name: &str,
    since: OffsetDateTime,
) -> AppResult<ToolHistoryOut> {
    let weeks = app.store.tool_history(name, since, app.now()).await?;
    let samples = app.store.tool_claim_to_validation(name).await?;
    let seconds = |v: &mut Vec<i64>| median(v).map(|m| m / 1_000_000);
    let mut all: Vec<i64> = samples.iter().map(|s| s.micros).collect();
    let mut per_version: std::collections::BTreeMap<String, Vec<i64>> = Default::default();
    for s in samples {
        per_version
            .entry(s.tool_version)
            .or_default()
            .push(s.micros);
    }
    let mut timing = vec![ClaimToValidationOut {
        version: None,
        samples: all.len() as i64,
        median_seconds: seconds(&mut all),
    }];
    for (version, mut v) in per_version {
        timing.push(ClaimToValidationOut {
            version: Some(version),
            samples: v.len() as i64,
            median_seconds: seconds(&mut v),
        });
    }
    Ok(ToolHistoryOut {
        name: name.to_owned(),
        weeks: weeks
            .into_iter()
            .map(|w| ToolWeekOut {
                start: ts(w.start),
                reports: w.reports,
                validated: w.validated,
            })
            .collect(),
        claim_to_validation: timing,
    })
}
