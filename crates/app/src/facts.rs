//! Facts joined where they are read (issue 19): an SBOM's hits grouped by
//! component, each with its severity, KEV, EPSS and SSVC, and per component
//! the smallest version that fixes every advisory it has; each SBOM's
//! counts by severity; an advisory's severity, KEV entries, aliases and
//! ranges per package.
//!
//! Nothing here is stored: the matching engine answers as for
//! [`crate::sboms::sbom_out`], and the feeds' facts come from
//! [`priorities::cve_facts`], the join the ranking uses. Reading an SBOM
//! is the policy's `record.read` on it ([`crate::sboms::readable`]); the
//! advisories and feeds are its `vulnerability.read` on the program.

use std::cmp::Ordering;
use std::collections::{BTreeMap, HashMap};

use bulwark_authz::{Action, Resource};
use bulwark_core::Principal;
use bulwark_matching::engine::{Component, Finding, advisory_affects};
use bulwark_matching::osv::{Advisory, Event, RangeType, Severity as OsvSeverity};
use bulwark_matching::{Index, Target, target_of};
use bulwark_scoring::cvss;
use bulwark_store::{PageRequest, StoredSbom};
use bulwark_versions::Ecosystem;
use serde::Serialize;
use uuid::Uuid;

use crate::advisories::{
    self, AdvisoryView, HitOut, IndeterminateOut, SbomResults, UnmatchableOut, WhyOut, sbom_results,
};
use crate::priorities::{self, CveFacts, KevBrief};
use crate::{App, AppError, AppResult};

/// A severity band. `none` (a CVSS score of 0.0) is counted as low: the
/// lists count five bands, and a scored "none" is still a finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Band {
    Unknown,
    Low,
    Medium,
    High,
    Critical,
}

impl Band {
    /// Most severe first, as lists show them.
    pub const ALL: [Band; 5] = [
        Band::Critical,
        Band::High,
        Band::Medium,
        Band::Low,
        Band::Unknown,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Band::Critical => "critical",
            Band::High => "high",
            Band::Medium => "medium",
            Band::Low => "low",
            Band::Unknown => "unknown",
        }
    }

    /// A band by its name; `None` for anything else.
    pub fn parse(s: &str) -> Option<Band> {
        Band::ALL.into_iter().find(|b| b.as_str() == s)
    }

    fn of(s: cvss::Severity) -> Band {
        match s {
            cvss::Severity::Critical => Band::Critical,
            cvss::Severity::High => Band::High,
            cvss::Severity::Medium => Band::Medium,
            cvss::Severity::Low | cvss::Severity::None => Band::Low,
        }
    }
}

/// A hit's severity and where it comes from.
#[derive(Debug, Clone, Serialize)]
pub struct SeverityOut {
    pub band: Band,
    /// Computed from `vector` by the scoring crate, never taken as stated.
    pub score: Option<f64>,
    pub vector: Option<String>,
    /// `advisory` (its `severity` vector), `CVE record` (the CVE's CVSS,
    /// as the priority order computes it) or `none`.
    pub source: &'static str,
}

impl SeverityOut {
    const UNKNOWN: SeverityOut = SeverityOut {
        band: Band::Unknown,
        score: None,
        vector: None,
        source: "none",
    };
}

/// The newest CVSS vector among `severity` that scores (v4.0 before v3.x).
fn scored(severity: &[OsvSeverity]) -> Option<cvss::Score> {
    let mut scores: Vec<cvss::Score> = severity
        .iter()
        .filter(|s| s.kind.starts_with("CVSS_V"))
        .filter_map(|s| cvss::score(&s.score).ok())
        .collect();
    scores.sort_by(|a, b| b.vector.cmp(&a.vector));
    scores.into_iter().next()
}

/// An advisory's severity: its own vector (the record's, else the first
/// affected entry's that has one), else its CVE's CVSS from the feeds.
fn severity_of(advisory: Option<&Advisory>, cve: Option<&CveFacts>) -> SeverityOut {
    let own = advisory.and_then(|a| {
        scored(&a.severity).or_else(|| a.affected.iter().find_map(|x| scored(&x.severity)))
    });
    if let Some(s) = own {
        return SeverityOut {
            band: Band::of(s.severity),
            score: Some(s.score),
            vector: Some(s.vector),
            source: "advisory",
        };
    }
    match cve.and_then(|c| c.priority.cvss) {
        Some((score, _)) => SeverityOut {
            band: Band::of(cvss::Severity::of(score)),
            score: Some(score),
            vector: None,
            source: "CVE record",
        },
        None => SeverityOut::UNKNOWN,
    }
}

/// The CVE an advisory is about: its id when it is one, else its first CVE
/// alias.
fn cve_of<'a>(id: &'a str, aliases: &'a [String]) -> Option<&'a str> {
    std::iter::once(id)
        .chain(aliases.iter().map(String::as_str))
        .find(|a| bulwark_core::CveId::parse(a).is_ok())
}

/// One advisory that affects a component, with the feeds' facts.
#[derive(Debug, Clone, Serialize)]
pub struct HitFacts {
    pub advisory: String,
    pub aliases: Vec<String>,
    pub why: WhyOut,
    pub severity: SeverityOut,
    pub cve: Option<String>,
    pub kev: Option<KevBrief>,
    /// EPSS score and percentile.
    pub epss: Option<(f64, f64)>,
    /// The SSVC decision (Mission & Well-being high, Exploitation active
    /// when in KEV), as the priority order has it.
    pub ssvc: Option<String>,
}

/// What upgrading a component fixes.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Fix {
    /// `version` fixes every advisory the component has.
    All { version: String, fixes: usize },
    /// No single version fixes all: `version` fixes the most, and `open`
    /// stay open there.
    Some {
        version: String,
        fixes: usize,
        open: Vec<String>,
    },
    /// No advisory names a fixed version above the component's.
    None,
}

/// A component and the advisories that affect it.
#[derive(Debug, Clone, Serialize)]
pub struct ComponentFacts {
    pub component: u64,
    pub name: String,
    pub purl: String,
    pub version: Option<String>,
    /// Most severe first.
    pub hits: Vec<HitFacts>,
    pub fix: Fix,
    /// The most severe band among its hits.
    pub worst: Band,
}

/// Hits (component, advisory pairs) per band.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct SeverityCounts {
    pub critical: u64,
    pub high: u64,
    pub medium: u64,
    pub low: u64,
    pub unknown: u64,
}

impl SeverityCounts {
    fn add(&mut self, b: Band) {
        *match b {
            Band::Critical => &mut self.critical,
            Band::High => &mut self.high,
            Band::Medium => &mut self.medium,
            Band::Low => &mut self.low,
            Band::Unknown => &mut self.unknown,
        } += 1;
    }

    pub fn get(&self, b: Band) -> u64 {
        match b {
            Band::Critical => self.critical,
            Band::High => self.high,
            Band::Medium => self.medium,
            Band::Low => self.low,
            Band::Unknown => self.unknown,
        }
    }

    pub fn total(&self) -> u64 {
        Band::ALL.iter().map(|&b| self.get(b)).sum()
    }
}

/// An SBOM's hits grouped by component, with the facts.
#[derive(Debug, Clone, Serialize)]
pub struct SbomFacts {
    /// Live advisories matched against.
    pub advisories: u64,
    pub matchable: u64,
    pub distinct_targets: u64,
    /// Hits of every band, whatever `shown` is.
    pub counts: SeverityCounts,
    /// The band asked for; only its hits (and their components) are listed.
    pub shown: Option<Band>,
    /// Components with at least one hit (of `shown`), worst first, then in
    /// document order.
    pub components: Vec<ComponentFacts>,
    pub indeterminate: Vec<IndeterminateOut>,
    pub unmatchable: Vec<UnmatchableOut>,
}

/// The component's target with `version` in place of its own.
fn at_version(t: &Target, version: &str) -> Target {
    Target {
        version: Some(version.to_owned()),
        ..t.clone()
    }
}

/// The smallest version above the component's that fixes every advisory
/// in `hits` (candidates: the `fixed` events of the entries naming its
/// package, in the ecosystem's order; each candidate evaluated against
/// every advisory as the engine evaluates a component). A version the
/// ecosystem cannot order, or an undecided answer, fixes nothing.
fn fix_of(index: &Index, purl: &str, hits: &[&HitOut]) -> Fix {
    let Some(target) = Component::parse(purl)
        .ok()
        .and_then(|c| target_of(&c.parsed).ok())
    else {
        return Fix::None;
    };
    let (Ok(eco), Some(current)) = (Ecosystem::from_osv(&target.ecosystem), &target.version) else {
        return Fix::None;
    };
    let advisories: Vec<(&str, Option<&Advisory>)> = hits
        .iter()
        .map(|h| {
            let a = index
                .lookup(&h.advisory)
                .into_iter()
                .find(|a| a.id == h.advisory);
            (h.advisory.as_str(), a)
        })
        .collect();
    let mut candidates: Vec<&str> = Vec::new();
    for a in advisories.iter().filter_map(|(_, a)| *a) {
        for x in &a.affected {
            let Some(p) = &x.package else { continue };
            let (key, _) = bulwark_matching::ecosystem::split_ecosystem(&p.ecosystem);
            let name = bulwark_matching::ecosystem::normalize_name(&key, &p.name);
            if key != target.ecosystem || !target.names.contains(&name) {
                continue;
            }
            for r in x.ranges.iter().filter(|r| r.kind != RangeType::Git) {
                for e in &r.events {
                    if let Event::Fixed(v) = e
                        && bulwark_versions::compare(eco, v, current) == Ok(Ordering::Greater)
                    {
                        candidates.push(v);
                    }
                }
            }
        }
    }
    candidates.sort_by(|a, b| bulwark_versions::compare(eco, a, b).unwrap_or(Ordering::Equal));
    candidates.dedup_by(|a, b| bulwark_versions::compare(eco, a, b) == Ok(Ordering::Equal));
    let mut best: Option<(&str, Vec<&str>)> = None;
    for c in candidates {
        let t = [at_version(&target, c)];
        let open: Vec<&str> = advisories
            .iter()
            .filter(|(_, a)| match a {
                // An advisory no longer held cannot be said to be fixed.
                None => true,
                Some(a) => advisory_affects(a, &t)
                    .iter()
                    .any(|f| matches!(f, Finding::Hit { .. } | Finding::Indeterminate { .. })),
            })
            .map(|(id, _)| *id)
            .collect();
        if open.is_empty() {
            return Fix::All {
                version: c.to_owned(),
                fixes: advisories.len(),
            };
        }
        if best.as_ref().is_none_or(|(_, o)| open.len() < o.len()) {
            best = Some((c, open));
        }
    }
    match best {
        Some((version, open)) if open.len() < advisories.len() => Fix::Some {
            version: version.to_owned(),
            fixes: advisories.len() - open.len(),
            open: open.into_iter().map(str::to_owned).collect(),
        },
        _ => Fix::None,
    }
}

/// Joins the engine's answers for `s` with the feeds: what both the page
/// and the list's counts read. The list needs no fix (`with_fix` false):
/// evaluating every candidate version is the dearest part.
async fn facts_of(
    app: &App,
    s: &StoredSbom,
    shown: Option<Band>,
    with_fix: bool,
) -> AppResult<SbomFacts> {
    let components = app.store.sbom_components(s.id).await?;
    let snapshot = app.matching.current(&app.store).await?;
    let advisories = snapshot.engine.index().len() as u64;
    let engine = std::sync::Arc::clone(&snapshot);
    let results = tokio::task::spawn_blocking(move || sbom_results(&engine.engine, &components))
        .await
        .map_err(|_| AppError::internal())?;
    let cves: Vec<String> = results
        .hits
        .iter()
        .filter_map(|h| cve_of(&h.advisory, &h.aliases).map(str::to_owned))
        .collect();
    let feeds = priorities::cve_facts(app, &cves).await?;
    // Evaluating candidate fixes is CPU work: off the async threads.
    tokio::task::spawn_blocking(move || {
        join(
            snapshot.engine.index(),
            results,
            &feeds,
            shown,
            with_fix,
            advisories,
        )
    })
    .await
    .map_err(|_| AppError::internal())
}

/// The engine's answers grouped by component with the feeds' facts.
fn join(
    index: &Index,
    results: SbomResults,
    feeds: &HashMap<String, CveFacts>,
    shown: Option<Band>,
    with_fix: bool,
    advisories: u64,
) -> SbomFacts {
    let mut counts = SeverityCounts::default();
    // Component position → its hits, in document order.
    let mut by_component: BTreeMap<u64, Vec<&HitOut>> = BTreeMap::new();
    for h in &results.hits {
        by_component.entry(h.component).or_default().push(h);
    }
    let mut out: Vec<ComponentFacts> = Vec::new();
    for (seq, hits) in by_component {
        let first = hits[0];
        let mut facts: Vec<HitFacts> = hits
            .iter()
            .map(|h| {
                let cve = cve_of(&h.advisory, &h.aliases);
                let f = cve.and_then(|c| feeds.get(c));
                let advisory = index
                    .lookup(&h.advisory)
                    .into_iter()
                    .find(|a| a.id == h.advisory);
                HitFacts {
                    advisory: h.advisory.clone(),
                    aliases: h.aliases.clone(),
                    why: h.why.clone(),
                    severity: severity_of(advisory, f),
                    cve: cve.map(str::to_owned),
                    kev: f.and_then(|f| f.kev.clone()),
                    epss: f.and_then(|f| f.epss),
                    ssvc: f.and_then(|f| f.priority.ssvc.map(|d| d.as_str().to_owned())),
                }
            })
            .collect();
        for h in &facts {
            counts.add(h.severity.band);
        }
        // Hits found under another of the component's purls are weighed
        // against that purl's package only; the fix is the first purl's.
        let same: Vec<&HitOut> = hits
            .iter()
            .copied()
            .filter(|h| h.purl == first.purl)
            .collect();
        let mut fix = if with_fix {
            fix_of(index, &first.purl, &same)
        } else {
            Fix::None
        };
        if same.len() < hits.len() {
            let others = hits.iter().filter(|h| h.purl != first.purl);
            fix = match fix {
                Fix::All { version, fixes } | Fix::Some { version, fixes, .. } => Fix::Some {
                    version,
                    fixes,
                    open: others.map(|h| h.advisory.clone()).collect(),
                },
                Fix::None => Fix::None,
            };
        }
        if let Some(b) = shown {
            facts.retain(|h| h.severity.band == b);
            if facts.is_empty() {
                continue;
            }
        }
        facts.sort_by_key(|h| std::cmp::Reverse(h.severity.band));
        out.push(ComponentFacts {
            component: seq,
            name: first.name.clone(),
            purl: first.purl.clone(),
            version: first.version.clone(),
            worst: facts.first().map_or(Band::Unknown, |h| h.severity.band),
            hits: facts,
            fix,
        });
    }
    out.sort_by(|a, b| b.worst.cmp(&a.worst).then(a.component.cmp(&b.component)));
    SbomFacts {
        advisories,
        matchable: results.matchable,
        distinct_targets: results.distinct_targets,
        counts,
        shown,
        components: out,
        indeterminate: results.indeterminate,
        unmatchable: results.unmatchable,
    }
}

/// An SBOM the caller may read (`record.read`; else not found), its hits
/// grouped by component with the feeds' facts (`vulnerability.read`),
/// only those of band `severity` when one is named.
pub async fn sbom(
    app: &App,
    who: &Principal,
    id: Uuid,
    severity: Option<&str>,
) -> AppResult<(StoredSbom, SbomFacts)> {
    let shown = match severity {
        None | Some("") => None,
        Some(s) => Some(Band::parse(s).ok_or_else(|| {
            AppError::malformed(format!(
                "severity must be critical, high, medium, low or unknown, not {s:?}"
            ))
        })?),
    };
    let s = crate::sboms::readable(app, who, id).await?;
    app.authorize(who, Action::VulnerabilityRead, &Resource::Program)?;
    let facts = facts_of(app, &s, shown, true).await?;
    Ok((s, facts))
}

/// The SBOMs the caller may read (as [`crate::sboms::list_stored`]), each
/// with its hits counted by severity.
pub async fn sbom_counts(
    app: &App,
    who: &Principal,
    page: PageRequest,
) -> AppResult<Vec<(StoredSbom, SeverityCounts)>> {
    let listed = crate::sboms::list_stored(app, who, page).await?;
    if listed.items.is_empty() {
        return Ok(Vec::new());
    }
    app.authorize(who, Action::VulnerabilityRead, &Resource::Program)?;
    // An SBOM's components never change: its counts are still true while
    // neither the advisories nor the feeds have moved on.
    let advisories = app.matching.current(&app.store).await?.generation;
    let feeds = app.store.feed_generation().await?;
    let cached = |id: &Uuid| {
        app.severity_counts
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(id)
            .filter(|c| c.advisories == advisories && c.feeds == feeds)
            .map(|c| c.counts)
    };
    let mut out = Vec::with_capacity(listed.items.len());
    for s in listed.items {
        let counts = match cached(&s.id) {
            Some(c) => c,
            None => {
                let counts = facts_of(app, &s, None, false).await?.counts;
                app.severity_counts
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .insert(
                        s.id,
                        CachedCounts {
                            advisories,
                            feeds,
                            counts,
                        },
                    );
                counts
            }
        };
        out.push((s, counts));
    }
    Ok(out)
}

/// An SBOM's hits counted by severity, and the generations of the
/// advisories and the feeds they were counted at.
#[derive(Debug, Clone, Copy)]
pub struct CachedCounts {
    advisories: (u64, i64),
    feeds: u64,
    counts: SeverityCounts,
}

/// What [`sbom_counts`] keeps between requests, by SBOM.
pub type SeverityCache = std::sync::Mutex<HashMap<Uuid, CachedCounts>>;

/// One range of an `affected[]` entry, as a table row.
#[derive(Debug, Clone, Serialize)]
pub struct RangeRow {
    /// `SEMVER`, `ECOSYSTEM`, `GIT`, or `versions` for the listed versions.
    pub kind: String,
    /// From this version (`0`: from the first).
    pub introduced: String,
    /// `fixed` or `last_affected` with its version; absent: no fix.
    pub end: Option<(String, String)>,
}

/// The ranges of one package.
#[derive(Debug, Clone, Serialize)]
pub struct PackageRanges {
    pub ecosystem: String,
    pub name: String,
    pub ranges: Vec<RangeRow>,
    /// Versions listed in `versions` (affected whatever the ranges say).
    pub listed: usize,
}

/// An alias, and whether Bulwark holds another advisory answering to it.
#[derive(Debug, Clone, Serialize)]
pub struct AliasOut {
    pub name: String,
    pub held: bool,
}

/// An advisory with the facts joined.
pub struct AdvisoryFacts {
    pub view: AdvisoryView,
    pub severity: SeverityOut,
    /// Every CVSS vector the record gives, as written.
    pub vectors: Vec<(String, String)>,
    /// The feeds' facts of each CVE alias they know.
    pub cves: Vec<(String, CveFacts)>,
    pub aliases: Vec<AliasOut>,
    pub packages: Vec<PackageRanges>,
}

fn ranges_of(a: &Advisory) -> Vec<PackageRanges> {
    let mut out: Vec<PackageRanges> = Vec::new();
    for x in &a.affected {
        let Some(p) = &x.package else { continue };
        let at = match out
            .iter()
            .position(|o| o.ecosystem == p.ecosystem && o.name == p.name)
        {
            Some(i) => i,
            None => {
                out.push(PackageRanges {
                    ecosystem: p.ecosystem.clone(),
                    name: p.name.clone(),
                    ranges: Vec::new(),
                    listed: 0,
                });
                out.len() - 1
            }
        };
        let entry = &mut out[at];
        entry.listed += x.versions.len();
        for r in &x.ranges {
            // Events pair up in order: each `introduced` with the `fixed`
            // or `last_affected` after it, as the schema's walk reads them.
            let mut open: Option<String> = None;
            for e in &r.events {
                match e {
                    Event::Introduced(v) => {
                        if let Some(i) = open.replace(v.clone()) {
                            entry.ranges.push(RangeRow {
                                kind: r.kind.to_string(),
                                introduced: i,
                                end: None,
                            });
                        }
                    }
                    Event::Fixed(v) | Event::LastAffected(v) => {
                        entry.ranges.push(RangeRow {
                            kind: r.kind.to_string(),
                            introduced: open.take().unwrap_or_else(|| "0".to_owned()),
                            end: Some((e.kind().to_owned(), v.clone())),
                        });
                    }
                    Event::Limit(_) => {}
                }
            }
            if let Some(i) = open {
                entry.ranges.push(RangeRow {
                    kind: r.kind.to_string(),
                    introduced: i,
                    end: None,
                });
            }
        }
    }
    out
}

/// One advisory by id or alias ([`advisories::read`], under
/// `vulnerability.read`), with its severity, the feeds' facts of its CVE
/// aliases, which aliases Bulwark holds, and its ranges per package.
pub async fn advisory(app: &App, who: &Principal, name: &str) -> AppResult<AdvisoryFacts> {
    let view = advisories::read(app, who, name).await?;
    let a = &view.advisory;
    let cve_ids: Vec<String> = std::iter::once(&a.id)
        .chain(&a.aliases)
        .filter(|x| bulwark_core::CveId::parse(x).is_ok())
        .cloned()
        .collect();
    let feeds: HashMap<String, CveFacts> = priorities::cve_facts(app, &cve_ids).await?;
    let cves: Vec<(String, CveFacts)> = cve_ids
        .iter()
        .filter_map(|c| Some((c.clone(), feeds.get(c)?.clone())))
        .collect();
    let snapshot = app.matching.current(&app.store).await?;
    let index = snapshot.engine.index();
    let aliases = a
        .aliases
        .iter()
        .map(|x| AliasOut {
            name: x.clone(),
            // Another record: a record answers to its own aliases.
            held: index.lookup(x).iter().any(|o| o.id != a.id),
        })
        .collect();
    let vectors = a
        .severity
        .iter()
        .map(|s| (s.kind.clone(), s.score.clone()))
        .collect();
    Ok(AdvisoryFacts {
        severity: severity_of(Some(a), cves.first().map(|(_, f)| f)),
        vectors,
        cves,
        aliases,
        packages: ranges_of(a),
        view,
    })
}

/// Which of `names` (CVE ids, advisory ids) Bulwark holds an advisory
/// answering to, for pages that link a name to its advisory when there is
/// one. The caller has asked the policy for `vulnerability.read`.
pub async fn held(app: &App, names: &[&str]) -> AppResult<Vec<bool>> {
    let snapshot = app.matching.current(&app.store).await?;
    let index = snapshot.engine.index();
    Ok(names.iter().map(|n| !index.lookup(n).is_empty()).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(json: &str) -> Advisory {
        match bulwark_matching::osv::parse_json(json.as_bytes()) {
            Ok(a) => a,
            Err(e) => panic!("fixture: {e}"),
        }
    }

    fn hit(id: &str, purl: &str) -> HitOut {
        HitOut {
            component: 0,
            name: "p".into(),
            purl: purl.into(),
            version: None,
            advisory: id.into(),
            aliases: Vec::new(),
            why: WhyOut {
                text: String::new(),
                basis: "range",
                affected: 0,
                range: None,
                range_type: None,
                introduced: None,
                end: None,
                limit: None,
                listed: None,
            },
        }
    }

    fn osv(id: &str, events: &str) -> String {
        format!(
            r#"{{"id":"{id}","modified":"2025-01-01T00:00:00Z","affected":[{{"package":{{"ecosystem":"Go","name":"golang.org/x/crypto"}},"ranges":[{{"type":"SEMVER","events":{events}}}]}}]}}"#
        )
    }

    #[test]
    fn the_smallest_version_fixing_all_or_what_stays_open() {
        let mut index = Index::new();
        index.insert(record(&osv(
            "A",
            r#"[{"introduced":"0"},{"fixed":"0.43.0"}]"#,
        )));
        index.insert(record(&osv(
            "B",
            r#"[{"introduced":"0"},{"fixed":"0.45.0"}]"#,
        )));
        index.insert(record(&osv("C", r#"[{"introduced":"0"}]"#)));
        let purl = "pkg:golang/golang.org/x/crypto@v0.40.0";
        let (a, b, c) = (hit("A", purl), hit("B", purl), hit("C", purl));
        match fix_of(&index, purl, &[&a, &b]) {
            Fix::All { version, fixes } => assert_eq!((version.as_str(), fixes), ("0.45.0", 2)),
            other => panic!("{other:?}"),
        }
        match fix_of(&index, purl, &[&a, &b, &c]) {
            Fix::Some {
                version,
                fixes,
                open,
            } => assert_eq!(
                (version.as_str(), fixes, open),
                ("0.45.0", 2, vec!["C".to_owned()])
            ),
            other => panic!("{other:?}"),
        }
        assert!(matches!(fix_of(&index, purl, &[&c]), Fix::None));
    }

    #[test]
    fn ranges_pair_each_introduced_with_its_end() {
        let a = record(&osv(
            "A",
            r#"[{"introduced":"0"},{"fixed":"1.19.6"},{"introduced":"1.20.0-0"},{"fixed":"1.20.1"},{"introduced":"1.21.0"}]"#,
        ));
        let p = ranges_of(&a);
        assert_eq!(p.len(), 1);
        let rows: Vec<(String, Option<String>)> = p[0]
            .ranges
            .iter()
            .map(|r| (r.introduced.clone(), r.end.as_ref().map(|e| e.1.clone())))
            .collect();
        assert_eq!(
            rows,
            vec![
                ("0".into(), Some("1.19.6".into())),
                ("1.20.0-0".into(), Some("1.20.1".into())),
                ("1.21.0".into(), None),
            ]
        );
    }
}
