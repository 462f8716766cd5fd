//! Evidence per tool version (issue 20): what Bulwark has seen of each
//! (tool name, tool version) as reports, claims and patches carry them, for
//! the tool catalogue's scorecards.
//!
//! Counters, kept like the per-source reliability counters
//! (`reliability.rs`) and in the same transactions, so that a catalogue
//! page of a thousand tools reads a row per version rather than recounting
//! ten million reports:
//!
//! - `case_tool_versions` records the tool versions behind each case, each
//!   with whether it was a *duplicate* there (its earliest report on the case
//!   arrived after the case's first report: someone else found it first).
//!   Recorded by the intake and by [`crate::reliability::apply_sources`],
//!   taken away by [`crate::reliability::unapply_sources`], exactly where the
//!   `case_sources` pairs are.
//! - `tool_version_stats` counts per version: reports sent; cases behind it,
//!   validated, rejected, duplicate; patches submitted and accepted
//!   (`patches.rs`); claims made with it, how each released claim ended, and
//!   the distinct targets it covered, "nothing found" included
//!   (`claims.rs`, with `tool_claim_targets`).
//!
//! Rows are kept apart from `source_stats` rather than as another kind of
//! source there: the key is two strings, the counters are more, and the
//! triage queue and the sources' page read `source_stats` by kind.
//!
//! The median time from a claim to a validated finding and the weekly series
//! are read on demand for one tool, from indexes (`reports_tool`,
//! `scan_claims_tool`, `case_tool_versions_tool`).
//!
//! These are aggregates over every case, embargoed ones included, and carry
//! no case ids; whoever shows them decides whether a reader may see them.

use std::collections::{BTreeMap, HashMap};
use std::ops::{AddAssign, Neg};

use bulwark_core::{CaseState, to_micros};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::bulk::CaseStateRow;
use crate::tx::Tx;
use crate::{Result, Store, StoreError, with_pool};

/// Longest list of names [`Store::tool_evidence`] takes at once.
pub const MAX_TOOL_NAMES: usize = 5_000;

/// What Bulwark has seen of one tool version. Every count is of events the
/// store keeps; none is a rate.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ToolCounts {
    /// Reports sent with this tool version.
    pub reports: i64,
    /// Distinct cases these reports are in (merged-away duplicates count
    /// with the case they were folded into).
    pub cases: i64,
    /// Of `cases`, validated.
    pub validated: i64,
    /// Of `cases`, rejected.
    pub rejected: i64,
    /// Of `cases`, those where this version's earliest report arrived after
    /// the case's first report (someone, or something, found it first).
    /// `cases - duplicate` is how often it found something first.
    pub duplicate: i64,
    /// Patches submitted with this tool version.
    pub patches: i64,
    /// Of `patches`, accepted under the patch quorum.
    pub patches_accepted: i64,
    /// Scan claims made with this tool version (claims that name no version
    /// count under the empty version).
    pub claims: i64,
    /// Claims released with findings.
    pub claims_findings: i64,
    /// Claims released with nothing found.
    pub claims_nothing_found: i64,
    /// Claims released as abandoned.
    pub claims_abandoned: i64,
    /// Distinct targets covered: claimed and released with findings or with
    /// nothing found.
    pub targets: i64,
}

impl ToolCounts {
    fn is_zero(&self) -> bool {
        *self == ToolCounts::default()
    }
}

impl AddAssign for ToolCounts {
    fn add_assign(&mut self, o: ToolCounts) {
        self.reports += o.reports;
        self.cases += o.cases;
        self.validated += o.validated;
        self.rejected += o.rejected;
        self.duplicate += o.duplicate;
        self.patches += o.patches;
        self.patches_accepted += o.patches_accepted;
        self.claims += o.claims;
        self.claims_findings += o.claims_findings;
        self.claims_nothing_found += o.claims_nothing_found;
        self.claims_abandoned += o.claims_abandoned;
        self.targets += o.targets;
    }
}

impl Neg for ToolCounts {
    type Output = ToolCounts;
    fn neg(self) -> ToolCounts {
        ToolCounts {
            reports: -self.reports,
            cases: -self.cases,
            validated: -self.validated,
            rejected: -self.rejected,
            duplicate: -self.duplicate,
            patches: -self.patches,
            patches_accepted: -self.patches_accepted,
            claims: -self.claims,
            claims_findings: -self.claims_findings,
            claims_nothing_found: -self.claims_nothing_found,
            claims_abandoned: -self.claims_abandoned,
            targets: -self.targets,
        }
    }
}

/// One tool version's counters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ToolVersionEvidence {
    pub tool_name: String,
    /// As reports carry it; the empty string when they carry none.
    pub tool_version: String,
    pub counts: ToolCounts,
}

/// The time from a claim to a validated finding: one sample, of one case
/// and one tool version (see [`Store::tool_claim_to_validation`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimToValidation {
    pub tool_version: String,
    /// Microseconds from the claim's creation to the case's validation.
    pub micros: i64,
}

/// One week of a tool's history (see [`Store::tool_history`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ToolWeek {
    /// The week's start: `since` plus whole weeks.
    pub start: OffsetDateTime,
    /// Reports sent with the tool that week.
    pub reports: i64,
    /// Cases behind the tool validated that week.
    pub validated: i64,
}

/// A (tool name, tool version) key.
pub(crate) type ToolKey = (String, String);

/// Per-version changes to `tool_version_stats`.
pub(crate) type ToolDeltas = BTreeMap<ToolKey, ToolCounts>;

/// The tool version of a report, claim or patch: `None` without a tool.
pub(crate) fn tool_key(name: Option<&str>, version: Option<&str>) -> Option<ToolKey> {
    name.map(|n| (n.to_owned(), version.unwrap_or("").to_owned()))
}

/// Adds `delta` to `key`'s entry of `deltas`.
pub(crate) fn add_delta(deltas: &mut ToolDeltas, key: ToolKey, delta: ToolCounts) {
    *deltas.entry(key).or_default() += delta;
}

/// Adds per-version deltas to `tool_version_stats`, in key order so that
/// concurrent writers take the rows' locks in one order.
pub(crate) async fn add_tool_stats(tx: &mut impl Tx, deltas: ToolDeltas) -> Result<()> {
    let rows: Vec<(ToolKey, ToolCounts)> =
        deltas.into_iter().filter(|(_, d)| !d.is_zero()).collect();
    if rows.is_empty() {
        return Ok(());
    }
    tx.add_tool_counts(&rows).await
}

/// The tool versions behind cases, each with its earliest report's arrival:
/// (case, tool name, tool version) → earliest `reported_at`.
pub(crate) type ToolPairs = BTreeMap<(Uuid, String, String), i64>;

/// Records tool versions behind cases in `case_tool_versions` (a pair is a
/// duplicate when its earliest report arrived after the case's first
/// report, `states`' last field) and returns what the pairs not recorded
/// before add to `tool_version_stats`, with the cases whose first report
/// arrived after `arrived` (an intake's: whose duplicates it must settle
/// once it has settled their first report, see [`resettle_tool_versions`]).
pub(crate) async fn record_tool_pairs(
    tx: &mut impl Tx,
    pairs: &ToolPairs,
    states: &[CaseStateRow],
    arrived: Option<i64>,
) -> Result<(ToolDeltas, Vec<Uuid>)> {
    let mut deltas = ToolDeltas::new();
    if pairs.is_empty() {
        return Ok((deltas, Vec::new()));
    }
    let by_case: HashMap<Uuid, (&str, i64)> = states
        .iter()
        .map(|(id, state, _, at)| (*id, (state.as_str(), *at)))
        .collect();
    let mut rows = Vec::with_capacity(pairs.len());
    for ((case, name, version), earliest) in pairs {
        let (_, first) = by_case.get(case).ok_or(StoreError::NotFound)?;
        rows.push((
            *case,
            name.as_str(),
            version.as_str(),
            i64::from(*earliest > *first),
        ));
    }
    for (case, name, version, duplicate) in tx.insert_case_tool_versions(&rows).await? {
        let state = by_case.get(&case).map_or("", |s| s.0);
        add_delta(
            &mut deltas,
            (name, version),
            ToolCounts {
                cases: 1,
                validated: i64::from(state == CaseState::Validated.as_str()),
                rejected: i64::from(state == CaseState::Rejected.as_str()),
                duplicate,
                ..ToolCounts::default()
            },
        );
    }
    let later = match arrived {
        Some(arrived) => {
            let mut c: Vec<Uuid> = pairs
                .keys()
                .map(|(c, _, _)| *c)
                .filter(|c| by_case.get(c).is_some_and(|(_, first)| *first > arrived))
                .collect();
            c.dedup();
            c
        }
        None => Vec::new(),
    };
    Ok((deltas, later))
}

/// Takes what `cases` count for out of the tool versions' counters (as
/// negative deltas, not yet applied) and forgets their tool versions.
pub(crate) async fn take_tool_versions(tx: &mut impl Tx, cases: &[Uuid]) -> Result<ToolDeltas> {
    let mut deltas = ToolDeltas::new();
    for (name, version, n, v, r, d) in tx.case_tool_version_counts(cases).await? {
        add_delta(
            &mut deltas,
            (name, version),
            -ToolCounts {
                cases: n,
                validated: v,
                rejected: r,
                duplicate: d,
                ..ToolCounts::default()
            },
        );
    }
    tx.delete_case_tool_versions(cases).await?;
    Ok(deltas)
}

/// Records the tool versions of `cases` from their reports as they are now,
/// and returns what they add (not yet applied).
pub(crate) async fn put_tool_versions(tx: &mut impl Tx, cases: &[Uuid]) -> Result<ToolDeltas> {
    let pairs: ToolPairs = tx
        .case_report_tool_versions(cases)
        .await?
        .into_iter()
        .map(|(c, n, v, at)| ((c, n, v), at))
        .collect();
    if pairs.is_empty() {
        return Ok(ToolDeltas::new());
    }
    let states = tx.case_states(cases).await?;
    Ok(record_tool_pairs(tx, &pairs, &states, None).await?.0)
}

/// For an intake, after it settled the first report of `cases`: records
/// their tool versions again (an earlier arrival makes the versions that
/// were first there duplicates), returning the change (not yet applied).
pub(crate) async fn resettle_tool_versions(tx: &mut impl Tx, cases: &[Uuid]) -> Result<ToolDeltas> {
    let mut deltas = ToolDeltas::new();
    for chunk in cases.chunks(crate::bulk::CHUNK) {
        for (k, d) in take_tool_versions(tx, chunk).await? {
            add_delta(&mut deltas, k, d);
        }
        for (k, d) in put_tool_versions(tx, chunk).await? {
            add_delta(&mut deltas, k, d);
        }
    }
    Ok(deltas)
}

/// A row of `tool_version_stats`.
type StatsRow = (
    String,
    String,
    i64,
    i64,
    i64,
    i64,
    i64,
    i64,
    i64,
    i64,
    i64,
    i64,
    i64,
    i64,
);

fn evidence_of(r: StatsRow) -> ToolVersionEvidence {
    ToolVersionEvidence {
        tool_name: r.0,
        tool_version: r.1,
        counts: ToolCounts {
            reports: r.2,
            cases: r.3,
            validated: r.4,
            rejected: r.5,
            duplicate: r.6,
            patches: r.7,
            patches_accepted: r.8,
            claims: r.9,
            claims_findings: r.10,
            claims_nothing_found: r.11,
            claims_abandoned: r.12,
            targets: r.13,
        },
    }
}

const STATS_SELECT: &str = "SELECT tool_name, tool_version, reports, cases, validated, rejected, \
     duplicate, patches, patches_accepted, claims, claims_findings, claims_nothing_found, \
     claims_abandoned, targets FROM tool_version_stats";

/// A week in microseconds.
const WEEK: i64 = 7 * 24 * 3600 * 1_000_000;

impl Store {
    /// The kept counters of every version of the named tools (names as
    /// reports, claims and patches carry them), one row per (name, version)
    /// seen, ordered by name and version. An indexed read of
    /// `tool_version_stats` (its primary key), however many reports there
    /// are; at most [`MAX_TOOL_NAMES`] names at once.
    pub async fn tool_evidence(&self, names: &[String]) -> Result<Vec<ToolVersionEvidence>> {
        if names.len() > MAX_TOOL_NAMES {
            return Err(StoreError::Invalid(format!(
                "at most {MAX_TOOL_NAMES} tools at once"
            )));
        }
        let mut names: Vec<&str> = names.iter().map(String::as_str).collect();
        names.sort_unstable();
        names.dedup();
        let mut out = Vec::new();
        // 500 names per statement keep SQLite well under its bound
        // parameters and PostgreSQL's plans small.
        for chunk in names.chunks(crate::bulk::CHUNK) {
            let rows: Vec<StatsRow> = with_pool!(self, pool => {
                let mut q = sqlx::QueryBuilder::new(STATS_SELECT);
                q.push(" WHERE tool_name IN (");
                let mut list = q.separated(", ");
                for n in chunk {
                    list.push_bind(*n);
                }
                q.push(") ORDER BY tool_name, tool_version");
                q.build_query_as().fetch_all(pool).await?
            });
            out.extend(rows.into_iter().map(evidence_of));
        }
        Ok(out)
    }

    /// Every version's counters as kept (tests, diagnostics and the
    /// benchmark's check).
    pub async fn all_tool_evidence(&self) -> Result<Vec<ToolVersionEvidence>> {
        let sql = sqlx::AssertSqlSafe(format!("{STATS_SELECT} ORDER BY tool_name, tool_version"));
        let rows: Vec<StatsRow> = with_pool!(self, pool => {
            sqlx::query_as(sql).fetch_all(pool).await?
        });
        Ok(rows
            .into_iter()
            .map(evidence_of)
            .filter(|e| !e.counts.is_zero())
            .collect())
    }

    /// The tool versions' counters recounted from reports, cases, patches
    /// and claims, for checking that the kept ones are in step (tests and
    /// diagnostics). Versions with nothing counted are left out, as in
    /// [`Store::all_tool_evidence`].
    pub async fn recount_tool_evidence(&self) -> Result<Vec<ToolVersionEvidence>> {
        let mut counts = ToolDeltas::new();
        let reports: Vec<(String, String, i64)> = with_pool!(self, pool => {
            sqlx::query_as(
                "SELECT tool_name, COALESCE(tool_version, ''), COUNT(*) FROM reports \
                 WHERE tool_name IS NOT NULL GROUP BY tool_name, COALESCE(tool_version, '')",
            ).fetch_all(pool).await?
        });
        for (n, v, c) in reports {
            add_delta(
                &mut counts,
                (n, v),
                ToolCounts {
                    reports: c,
                    ..ToolCounts::default()
                },
            );
        }
        // Per (case, version): the earliest report against the case's first.
        let pairs: Vec<(String, String, String, i64, i64)> = with_pool!(self, pool => {
            sqlx::query_as(
                "SELECT r.tool_name, COALESCE(r.tool_version, ''), c.state, MIN(r.reported_at), \
                 MIN(c.first_reported_at) FROM reports r JOIN cases c ON c.id = r.case_id \
                 WHERE r.tool_name IS NOT NULL GROUP BY r.case_id, r.tool_name, \
                 COALESCE(r.tool_version, ''), c.state",
            ).fetch_all(pool).await?
        });
        for (n, v, state, earliest, first) in pairs {
            add_delta(
                &mut counts,
                (n, v),
                ToolCounts {
                    cases: 1,
                    validated: i64::from(state == CaseState::Validated.as_str()),
                    rejected: i64::from(state == CaseState::Rejected.as_str()),
                    duplicate: i64::from(earliest > first),
                    ..ToolCounts::default()
                },
            );
        }
        let patches: Vec<(String, String, String)> = with_pool!(self, pool => {
            sqlx::query_as(
                "SELECT tool_name, COALESCE(tool_version, ''), state FROM case_remediations \
                 WHERE kind = 'patch' AND tool_name IS NOT NULL",
            ).fetch_all(pool).await?
        });
        for (n, v, state) in patches {
            add_delta(
                &mut counts,
                (n, v),
                ToolCounts {
                    patches: 1,
                    patches_accepted: i64::from(state == "accepted"),
                    ..ToolCounts::default()
                },
            );
        }
        let claims: Vec<(String, String, Option<String>, Uuid)> = with_pool!(self, pool => {
            sqlx::query_as(
                "SELECT tool, COALESCE(tool_version, ''), outcome, target_id FROM scan_claims \
                 WHERE tool IS NOT NULL",
            ).fetch_all(pool).await?
        });
        let mut covered = std::collections::BTreeSet::new();
        for (n, v, outcome, target) in claims {
            let o = outcome.as_deref();
            if matches!(o, Some("findings" | "nothing_found")) {
                covered.insert((n.clone(), v.clone(), target));
            }
            add_delta(
                &mut counts,
                (n, v),
                ToolCounts {
                    claims: 1,
                    claims_findings: i64::from(o == Some("findings")),
                    claims_nothing_found: i64::from(o == Some("nothing_found")),
                    claims_abandoned: i64::from(o == Some("abandoned")),
                    ..ToolCounts::default()
                },
            );
        }
        for (n, v, _) in covered {
            add_delta(
                &mut counts,
                (n, v),
                ToolCounts {
                    targets: 1,
                    ..ToolCounts::default()
                },
            );
        }
        Ok(counts
            .into_iter()
            .filter(|(_, c)| !c.is_zero())
            .map(|((tool_name, tool_version), counts)| ToolVersionEvidence {
                tool_name,
                tool_version,
                counts,
            })
            .collect())
    }

    /// The times from a claim to a validated finding of one tool, one
    /// sample per validated case and version of the tool that reported it:
    /// from the creation of the claim that version's earliest report on the
    /// case was found under — the latest claim, created at or before that
    /// report, by the report's organization with this tool (by name: claims
    /// made before claims named versions name none) on the case's target —
    /// to the instant the case became validated. The latest claim rather
    /// than the earliest, as a target is scanned again and again: the claim
    /// before the report is the scan that found it. Cases without a target,
    /// and reports made without a claim, give no sample; so do cases
    /// validated before validation instants were kept, unless their last
    /// change stands in for it (migration 0035). Negative spans (a claim
    /// after the validation) are left out.
    ///
    /// Read from the tool's reports (`reports_tool`) and, per report, one
    /// index probe into the claims (`scan_claims_tool`).
    pub async fn tool_claim_to_validation(&self, name: &str) -> Result<Vec<ClaimToValidation>> {
        type Row = (Uuid, String, i64, i64, Option<i64>);
        let rows: Vec<Row> = with_pool!(self, pool => {
            sqlx::query_as(
                "SELECT c.id, COALESCE(r.tool_version, ''), r.reported_at, c.validated_at, \
                 (SELECT MAX(k.created_at) FROM scan_claims k WHERE k.tool = r.tool_name \
                  AND k.target_id = c.target_id AND k.org_id = r.org_id AND k.created_at <= r.reported_at) \
                 FROM reports r JOIN cases c ON c.id = r.case_id \
                 WHERE r.tool_name = $1 AND c.state = 'validated' AND c.validated_at IS NOT NULL \
                 AND c.target_id IS NOT NULL",
            ).bind(name).fetch_all(pool).await?
        });
        // Per (case, version), the earliest report (ties: the one with the
        // latest claim, so that a sample is taken when one of them has one).
        let mut earliest: BTreeMap<(Uuid, String), (i64, Option<i64>, i64)> = BTreeMap::new();
        for (case, version, reported, validated, claimed) in rows {
            let e = earliest
                .entry((case, version))
                .or_insert((reported, claimed, validated));
            if (reported, std::cmp::Reverse(claimed)) < (e.0, std::cmp::Reverse(e.1)) {
                *e = (reported, claimed, validated);
            }
        }
        Ok(earliest
            .into_iter()
            .filter_map(|((_, tool_version), (_, claimed, validated))| {
                let micros = validated.checked_sub(claimed?)?;
                (micros >= 0).then_some(ClaimToValidation {
                    tool_version,
                    micros,
                })
            })
            .collect())
    }

    /// One tool's history, week by week from `since` to `now` (weeks start
    /// at `since`): reports sent with it (by arrival) and cases behind it
    /// validated (by validation instant). Every week in the range is listed,
    /// empty ones included; at most 520 weeks.
    pub async fn tool_history(
        &self,
        name: &str,
        since: OffsetDateTime,
        now: OffsetDateTime,
    ) -> Result<Vec<ToolWeek>> {
        let (from, to) = (to_micros(since), to_micros(now));
        if to < from {
            return Err(StoreError::Invalid(
                "the history starts after it ends".into(),
            ));
        }
        let weeks = (to - from) / WEEK + 1;
        if weeks > 520 {
            return Err(StoreError::Invalid("at most 520 weeks of history".into()));
        }
        let weeks = usize::try_from(weeks).unwrap_or(0);
        let reports: Vec<(i64, i64)> = with_pool!(self, pool => {
            sqlx::query_as(
                "SELECT (reported_at - $2) / $3, COUNT(*) FROM reports \
                 WHERE tool_name = $1 AND reported_at >= $2 AND reported_at <= $4 \
                 GROUP BY (reported_at - $2) / $3",
            ).bind(name).bind(from).bind(WEEK).bind(to).fetch_all(pool).await?
        });
        let validated: Vec<(Uuid, i64)> = with_pool!(self, pool => {
            sqlx::query_as(
                "SELECT DISTINCT c.id, c.validated_at FROM case_tool_versions t \
                 JOIN cases c ON c.id = t.case_id \
                 WHERE t.tool_name = $1 AND c.state = 'validated' \
                 AND c.validated_at >= $2 AND c.validated_at <= $3",
            ).bind(name).bind(from).bind(to).fetch_all(pool).await?
        });
        let mut out: Vec<ToolWeek> = (0..weeks)
            .map(|w| ToolWeek {
                start: since + time::Duration::weeks(w as i64),
                reports: 0,
                validated: 0,
            })
            .collect();
        for (w, n) in reports {
            if let Some(week) = usize::try_from(w).ok().and_then(|w| out.get_mut(w)) {
                week.reports += n;
            }
        }
        for (_, at) in validated {
            let w = (at - from) / WEEK;
            if let Some(week) = usize::try_from(w).ok().and_then(|w| out.get_mut(w)) {
                week.validated += 1;
            }
        }
        Ok(out)
    }
}
