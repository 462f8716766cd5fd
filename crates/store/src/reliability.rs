//! Per-source reliability: how often the cases each reporting organization,
//! tool and AI model (with its version) reported were validated.
//!
//! Kept as counters in the same transactions as the changes that move them,
//! so that reading them (here, and the triage queue's order) is a row per
//! source rather than a recount of every report: `case_sources` records the sources
//! behind each case (with the case's first report time while it is pending,
//! the triage queue's index) and `source_stats` counts per source the cases
//! submitted and validated. An intake records its batches' sources as it
//! goes and applies their counts once, just before it commits; a change that
//! may move reports or change states takes its cases' sources away first
//! ([`unapply_sources`]) and puts them back as they are after
//! ([`apply_sources`]). [`Store::recount_source_reliability`] recounts from
//! the reports, for the suite to check the counters against.
//!
//! The same steps keep the counters per tool version (`tool_evidence.rs`):
//! the tool versions behind each case in `case_tool_versions`, and their
//! cases, validated, rejected and duplicate in `tool_version_stats`.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use bulwark_core::CaseState;
use uuid::Uuid;

use crate::bulk::SourceRow;
use crate::tool_evidence::{
    ToolDeltas, ToolPairs, add_tool_stats, put_tool_versions, record_tool_pairs, take_tool_versions,
};
use crate::tx::Tx;
use crate::{Result, Store, StoreError, with_pool};

/// How often a source's reports were borne out: `validated` of the
/// `submitted` cases it reported.
#[derive(Debug, Clone, PartialEq)]
pub struct SourceReliability {
    /// `org`, `tool` or `model`.
    pub kind: &'static str,
    /// The organization id, the tool's name, or `model version`.
    pub source: String,
    pub submitted: i64,
    pub validated: i64,
}

impl SourceReliability {
    /// validated ÷ submitted; 0 for a source with nothing submitted.
    pub fn ratio(&self) -> f64 {
        if self.submitted == 0 {
            0.0
        } else {
            self.validated as f64 / self.submitted as f64
        }
    }
}

/// The sources behind a report, as `case_sources` names them: its
/// organization (32 lowercase hex digits), its tool, its AI model with the
/// model's version.
pub(crate) fn report_sources(
    org: Uuid,
    tool: Option<&str>,
    model: Option<&str>,
    version: Option<&str>,
) -> Vec<(&'static str, String)> {
    let mut out = vec![("org", org.simple().to_string())];
    if let Some(t) = tool {
        out.push(("tool", t.to_owned()));
    }
    if let Some(m) = model {
        out.push((
            "model",
            format!("{m} {}", version.unwrap_or(""))
                .trim_end_matches(' ')
                .to_owned(),
        ));
    }
    out
}

fn source_kind(k: &str) -> Result<&'static str> {
    match k {
        "org" => Ok("org"),
        "tool" => Ok("tool"),
        "model" => Ok("model"),
        other => Err(StoreError::Corrupt(format!(
            "case_sources.kind = {other:?}"
        ))),
    }
}

/// Per-source changes to `source_stats`: (submitted, validated) deltas.
pub(crate) type SourceDeltas = BTreeMap<(&'static str, String), (i64, i64)>;

/// One source's entry of [`SourceDeltas`].
pub(crate) type SourceDelta = ((&'static str, String), (i64, i64));

/// Adds per-source deltas to `source_stats`, in (kind, source) order so
/// that concurrent writers take the rows' locks in one order.
pub(crate) async fn add_source_stats(tx: &mut impl Tx, deltas: SourceDeltas) -> Result<()> {
    let rows: Vec<SourceDelta> = deltas.into_iter().filter(|(_, d)| *d != (0, 0)).collect();
    tx.add_source_counts(&rows).await
}

/// Records (case, kind, source) pairs in `case_sources`; each pair not
/// recorded before counts once more for its source in `source_stats`, and
/// as validated when its case is. A pair of a pending case (new or
/// triaged, not merged away) carries the case's first report time
/// (`pending_at`, the triage queue's index); callers record pairs only
/// after the case's state and first report are settled, and every change
/// of those takes the case's pairs away first ([`unapply_sources`]).
async fn add_case_sources(
    tx: &mut impl Tx,
    pairs: &BTreeSet<(Uuid, &'static str, String)>,
) -> Result<()> {
    let recorded = record_case_sources(tx, pairs, None).await?;
    add_source_stats(tx, recorded.deltas).await
}

/// The first half of [`add_case_sources`]: records the pairs and returns
/// what they add to `source_stats` without applying it, so that an intake
/// can apply its batches' sum once, just before it commits. (Every intake
/// of one organization or tool updates the same `source_stats` rows; had
/// each batch updated them, a second intake would wait on those row locks
/// until the first one committed.)
///
/// Records no tool versions: a writer of reports that carry them calls
/// [`record_case_sources_with_tools`].
pub(crate) async fn record_case_sources(
    tx: &mut impl Tx,
    pairs: &BTreeSet<(Uuid, &'static str, String)>,
    arrived: Option<i64>,
) -> Result<Recorded> {
    record_case_sources_with_tools(tx, pairs, &ToolPairs::new(), arrived).await
}

/// [`record_case_sources`], and the tool versions behind the same cases
/// (`tools`, each with its earliest report's arrival), recorded in
/// `case_tool_versions` with the case states read once for both.
pub(crate) async fn record_case_sources_with_tools(
    tx: &mut impl Tx,
    pairs: &BTreeSet<(Uuid, &'static str, String)>,
    tools: &ToolPairs,
    arrived: Option<i64>,
) -> Result<Recorded> {
    let cases: BTreeSet<Uuid> = pairs
        .iter()
        .map(|(c, _, _)| *c)
        .chain(tools.keys().map(|(c, _, _)| *c))
        .collect();
    let cases: Vec<Uuid> = cases.into_iter().collect();
    let mut validated = HashSet::new();
    let mut pending_at: HashMap<Uuid, i64> = HashMap::new();
    let mut first_at: HashMap<Uuid, i64> = HashMap::new();
    let states = tx.case_states(&cases).await?;
    for (id, state, merged_into, at) in &states {
        let (id, at) = (*id, *at);
        first_at.insert(id, at);
        if state == CaseState::Validated.as_str() {
            validated.insert(id);
        } else if merged_into.is_none()
            && (state == CaseState::New.as_str() || state == CaseState::Triaged.as_str())
        {
            pending_at.insert(id, at);
        }
    }
    let rows: Vec<SourceRow<'_>> = pairs
        .iter()
        .map(|(case, kind, source)| (*case, *kind, source.as_str(), pending_at.get(case).copied()))
        .collect();
    let fresh = tx.insert_case_sources(&rows).await?;
    let mut recorded = Recorded::default();
    (recorded.tool_deltas, recorded.tools_unsettled) =
        record_tool_pairs(tx, tools, &states, arrived).await?;
    if let Some(arrived) = arrived {
        // Reported after this intake arrived: the credit may be its own.
        recorded.unsettled = first_at
            .iter()
            .filter(|(_, at)| **at > arrived)
            .map(|(id, _)| *id)
            .collect();
    }
    for (case, kind, source) in fresh {
        if let Some(arrived) = arrived
            && first_at.get(&case).is_some_and(|at| *at < arrived)
        {
            // Another intake, still open, may yet move this case's first
            // report earlier; the pair just written must follow.
            recorded.unsettled.push(case);
        }
        let d = recorded
            .deltas
            .entry((source_kind(&kind)?, source))
            .or_insert((0, 0));
        d.0 += 1;
        d.1 += i64::from(validated.contains(&case));
    }
    Ok(recorded)
}

/// What [`record_case_sources`] did.
#[derive(Default)]
pub(crate) struct Recorded {
    /// What the new pairs add to `source_stats`.
    pub deltas: SourceDeltas,
    /// For an intake (`arrived` given): the cases whose first report an
    /// intake must settle before it commits (see
    /// [`Tx::settle_first_reports`]): those first reported after it arrived,
    /// and those, reported before, to which it added a pair (whose
    /// `pending_at` must follow if another intake moves the credit).
    pub unsettled: Vec<Uuid>,
    /// What the new tool-version pairs add to `tool_version_stats`.
    pub tool_deltas: ToolDeltas,
    /// For an intake: the cases first reported after it arrived, whose tool
    /// versions' duplicates it settles once it has settled their first
    /// report (`tool_evidence::resettle_tool_versions`).
    pub tools_unsettled: Vec<Uuid>,
}

/// Before a change that may move reports or change states: takes what
/// `cases` count for out of `source_stats` and forgets their sources.
/// [`apply_sources`] puts them back as they are after the change.
pub(crate) async fn unapply_sources(tx: &mut impl Tx, cases: &[Uuid]) -> Result<()> {
    let mut deltas = SourceDeltas::new();
    for (kind, source, n, v) in tx.case_source_counts(cases).await? {
        deltas.insert((source_kind(&kind)?, source), (-n, -v));
    }
    add_source_stats(tx, deltas).await?;
    tx.delete_case_sources(cases).await?;
    let tools = take_tool_versions(tx, cases).await?;
    add_tool_stats(tx, tools).await
}

/// After the change: records the sources of `cases` from their reports and
/// adds what they count for to `source_stats`.
pub(crate) async fn apply_sources(tx: &mut impl Tx, cases: &[Uuid]) -> Result<()> {
    let mut pairs = BTreeSet::new();
    for (case, org, tool, model, version) in tx.case_report_sources(cases).await? {
        for (kind, source) in
            report_sources(org, tool.as_deref(), model.as_deref(), version.as_deref())
        {
            pairs.insert((case, kind, source));
        }
    }
    add_case_sources(tx, &pairs).await?;
    let tools = put_tool_versions(tx, cases).await?;
    add_tool_stats(tx, tools).await
}

impl Store {
    /// Reliability of every source: per reporting organization, per tool and
    /// per AI model (with its version), the cases it reported and how many
    /// of them were validated. Merged-away duplicates count with the case
    /// they were folded into. Read from the counters kept with every change
    /// (`source_stats`), not recounted.
    pub async fn source_reliability(&self) -> Result<Vec<SourceReliability>> {
        let rows: Vec<(String, String, i64, i64)> = with_pool!(self, pool => {
            sqlx::query_as(
                "SELECT kind, source, submitted, validated FROM source_stats WHERE submitted > 0 \
                 ORDER BY kind, source",
            ).fetch_all(pool).await?
        });
        rows.into_iter()
            .map(|(kind, source, submitted, validated)| {
                let kind = source_kind(&kind)?;
                let source = if kind == "org" {
                    Uuid::parse_str(&source)
                        .map_err(|_| StoreError::Corrupt(format!("source_stats org {source:?}")))?
                        .to_string()
                } else {
                    source
                };
                Ok(SourceReliability {
                    kind,
                    source,
                    submitted,
                    validated,
                })
            })
            .collect()
    }

    /// The reliability counters recounted from reports and case states, for
    /// checking that the kept ones are in step (tests and diagnostics).
    pub async fn recount_source_reliability(&self) -> Result<Vec<SourceReliability>> {
        /// A report's case, organization, tool, model and version, and the case's state.
        type Row = (
            Uuid,
            Uuid,
            Option<String>,
            Option<String>,
            Option<String>,
            String,
        );
        let rows: Vec<Row> = with_pool!(self, pool => {
            sqlx::query_as(
                "SELECT DISTINCT r.case_id, r.org_id, r.tool_name, r.ai_model, r.ai_model_version, c.state \
                 FROM reports r JOIN cases c ON c.id = r.case_id",
            ).fetch_all(pool).await?
        });
        let mut pairs = std::collections::BTreeMap::new();
        for (case, org, tool, model, version, state) in rows {
            for key in report_sources(org, tool.as_deref(), model.as_deref(), version.as_deref()) {
                pairs.insert((case, key), state == CaseState::Validated.as_str());
            }
        }
        let mut counts = SourceDeltas::new();
        for ((_, key), validated) in pairs {
            let c = counts.entry(key).or_insert((0, 0));
            c.0 += 1;
            c.1 += i64::from(validated);
        }
        Ok(counts
            .into_iter()
            .map(
                |((kind, source), (submitted, validated))| SourceReliability {
                    kind,
                    source: if kind == "org" {
                        Uuid::parse_str(&source)
                            .map(|u| u.to_string())
                            .unwrap_or(source)
                    } else {
                        source
                    },
                    submitted,
                    validated,
                },
            )
            .collect())
    }
}
