//! The advisory store as the matching engine sees it, and what the API and
//! the pages share about matching.
//!
//! [`Matching`] holds a `bulwark_matching::Engine` over every stored OSV
//! record, built from the store when first asked for (and at start by
//! `serve`). Before each use the store's generation (record count and the
//! latest instant a record was added or replaced, one cheap read) is
//! compared with the one the engine was built at; when they differ, a new
//! engine is built and swapped in, so that `bulwark import osv` run against
//! the same database while the server runs is seen on the next request.
//! The build happens outside the lock readers take: they keep using the old
//! engine (an `Arc`) until the new one is swapped in; one build runs at a
//! time, and requests that arrive while it runs are answered from the old
//! engine rather than made to wait.
//!
//! The rest turns the matching crate's words into what the store keeps
//! ([`advisory_row`], used by `bulwark import osv` as well, and
//! [`sbom_rows`]) and what clients see ([`WhyOut`], [`SbomResults`],
//! [`affected_by`]).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Arc, RwLock};

use bulwark_authz::{Action, Resource};
use bulwark_core::Principal;
use bulwark_matching::ecosystem::{normalize_name, split_ecosystem};
use bulwark_matching::engine::{Component, Engine, Finding, advisory_affects};
use bulwark_matching::index::Index;
use bulwark_matching::osv::Advisory;
use bulwark_matching::{Target, Why, target_of};
use bulwark_sbom::Sbom;
use bulwark_store::{
    AdvisoryPackage, MAX_COMPILED_PAGE, MAX_PACKAGE_COMPONENTS, NewAdvisory, NewSbomComponent,
    NewSbomPurl, SbomComponent, Store, StoreError, StoredAdvisory, StoredSbom,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::resources::sbom_resource;
use crate::{App, AppError, AppResult};

/// The engine over the advisories as stored at one generation.
#[derive(Debug, Default)]
pub struct Snapshot {
    /// `Store::advisory_generation` when the engine was built.
    pub generation: (u64, i64),
    pub engine: Engine,
    /// Stored records that did not parse as OSV (changed outside Bulwark).
    pub unreadable: usize,
}

/// The current engine, rebuilt when the advisory store changes.
#[derive(Debug, Default)]
pub struct Matching {
    current: RwLock<Option<Arc<Snapshot>>>,
    rebuild: tokio::sync::Mutex<()>,
}

impl Matching {
    pub fn new() -> Matching {
        Matching::default()
    }

    fn held(&self) -> Option<Arc<Snapshot>> {
        self.current
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// The engine over the advisories stored now: the one held when the
    /// store has not changed since it was built, else a new one.
    pub async fn current(&self, store: &Store) -> Result<Arc<Snapshot>, StoreError> {
        let generation = store.advisory_generation().await?;
        if let Some(s) = self.held()
            && s.generation == generation
        {
            return Ok(s);
        }
        // One build at a time. While one runs, other requests keep using
        // the engine held (only the request that started it, or one that
        // has none to use, waits for it).
        let _one_build = match self.rebuild.try_lock() {
            Ok(guard) => guard,
            Err(_) => match self.held() {
                Some(s) => return Ok(s),
                None => self.rebuild.lock().await,
            },
        };
        // Built by another request meanwhile?
        let generation = store.advisory_generation().await?;
        if let Some(s) = self.held()
            && s.generation == generation
        {
            return Ok(s);
        }
        let started = std::time::Instant::now();
        let snapshot = Arc::new(build(store, generation).await?);
        tracing::info!(
            advisories = snapshot.engine.index().len(),
            unreadable = snapshot.unreadable,
            took_ms = started.elapsed().as_millis() as u64,
            "advisory index built"
        );
        *self.current.write().unwrap_or_else(|e| e.into_inner()) = Some(Arc::clone(&snapshot));
        Ok(snapshot)
    }
}

/// Reads every stored record, a page at a time, into a new index; see
/// [`index_from_store`].
async fn build(store: &Store, generation: (u64, i64)) -> Result<Snapshot, StoreError> {
    let (index, unreadable) = index_from_store(store).await?;
    Ok(Snapshot {
        generation,
        engine: Engine::new(index),
        unreadable,
    })
}

/// The matching index over every stored record, from their compiled forms
/// (no JSON is parsed; records stored before records were compiled, when
/// the store counts any, are parsed from their JSON after the others),
/// filed on a blocking thread a page at a time.
/// Records written while it reads are picked up by the next build (the
/// caller reads the generation first). Also the index `bulwark match
/// --database` matches against. Returns the index and the number of
/// stored records that could not be read (changed outside Bulwark).
pub async fn index_from_store(store: &Store) -> Result<(Index, usize), StoreError> {
    let legacy = store.uncompiled_advisory_count().await? > 0;
    let mut index = Index::new();
    // About 500 compiled bytes a record (OSV.dev's records and the shared
    // ones alike).
    let records = usize::try_from(store.advisory_generation().await?.0).unwrap_or(0);
    index.reserve(records, records.saturating_mul(512));
    let mut unreadable = 0usize;
    for compiled in [true, false] {
        if !compiled && !legacy {
            break;
        }
        // The next page is read while the last one is filed.
        let mut filing: Option<tokio::task::JoinHandle<(Index, usize)>> = None;
        let mut after: Option<String> = None;
        loop {
            let page = if compiled {
                store
                    .compiled_advisories(after.as_deref(), MAX_COMPILED_PAGE)
                    .await
            } else {
                store
                    .uncompiled_advisories(after.as_deref(), MAX_COMPILED_PAGE)
                    .await
            };
            if let Some(task) = filing.take() {
                let (i, bad) = task.await.map_err(|e| {
                    StoreError::Invalid(format!("building the advisory index: {e}"))
                })?;
                index = i;
                unreadable += bad;
            }
            let page = page?;
            let Some(last) = page.last() else {
                break;
            };
            after = Some(last.id.clone());
            let mut held = std::mem::take(&mut index);
            filing = Some(tokio::task::spawn_blocking(move || {
                let bad = file_stored(&mut held, page);
                (held, bad)
            }));
        }
    }
    Ok((index, unreadable))
}

/// Files stored records into `index`; the number that do not read.
fn file_stored(index: &mut Index, page: Vec<bulwark_store::CompiledAdvisory>) -> usize {
    let mut bad = 0usize;
    for stored in page {
        let filed = match (&stored.compiled, &stored.raw_json) {
            (Some(bytes), _) => index.insert_compiled(bytes).map_err(|e| e.to_string()),
            (None, Some(json)) => bulwark_matching::osv::parse_json(json.as_bytes())
                .map(|a| index.insert(a))
                .map_err(|e| e.to_string()),
            (None, None) => Err("neither compiled nor JSON".to_owned()),
        };
        if let Err(e) = filed {
            tracing::warn!(id = %stored.id, error = %e, "stored advisory does not read; left out");
            bad += 1;
        }
    }
    bad
}

/// The store's copy of a parsed OSV record: its names, the packages it
/// names (the ecosystem without its release, the release, the name
/// normalised as the matching index files it), and the record as JSON: a
/// JSON file's text as read, else the record written out as JSON. Used by
/// `bulwark import osv`.
pub fn advisory_row(
    a: Advisory,
    json_bytes: Option<&[u8]>,
) -> Result<NewAdvisory, serde_json::Error> {
    let compiled = bulwark_matching::compiled::to_bytes(&a);
    let raw_json = match json_bytes.map(std::str::from_utf8) {
        Some(Ok(text)) => text.to_owned(),
        _ => serde_json::to_string(&a)?,
    };
    let mut packages: Vec<AdvisoryPackage> = a
        .affected
        .iter()
        .filter_map(|x| x.package.as_ref())
        .filter_map(|p| {
            let (ecosystem, release) = split_ecosystem(&p.ecosystem);
            let name = normalize_name(&ecosystem, &p.name);
            (!ecosystem.is_empty() && !name.is_empty()).then_some(AdvisoryPackage {
                ecosystem,
                release,
                name,
            })
        })
        .collect();
    packages.sort();
    packages.dedup();
    Ok(NewAdvisory {
        id: a.id,
        modified: a.modified,
        published: a.published,
        withdrawn: a.withdrawn,
        summary: a.summary,
        aliases: a.aliases,
        packages,
        raw_json,
        compiled,
    })
}

/// An SBOM's components as the store keeps them, in document order: each
/// with its package URL as written (or as parsed, when only another one
/// parsed), and either the OSV ecosystem, release, names and version it is
/// looked up under, or why it cannot be; and its further distinct purls
/// that map onto an OSV ecosystem, each looked up too.
pub fn sbom_rows(sbom: &Sbom) -> Vec<NewSbomComponent> {
    let reasons: HashMap<usize, String> = sbom
        .unmatchable
        .iter()
        .map(|u| (u.index, u.reason.to_string()))
        .collect();
    sbom.components
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let mut row = NewSbomComponent {
                name: match &c.group {
                    Some(g) if !g.is_empty() => format!("{g}/{}", c.name),
                    _ => c.name.clone(),
                },
                purl: c
                    .purl
                    .clone()
                    .or_else(|| c.parsed.as_ref().map(ToString::to_string)),
                version: c.version.clone(),
                other_purls: c
                    .other_parsed
                    .iter()
                    .filter_map(|p| {
                        let t = target_of(p).ok()?;
                        let mut names = t.names.into_iter();
                        Some(NewSbomPurl {
                            purl: p.to_string(),
                            ecosystem: t.ecosystem,
                            package: names.next()?,
                            source_package: names.next(),
                        })
                    })
                    .collect(),
                ..Default::default()
            };
            match c.parsed.as_ref().map(target_of) {
                Some(Ok(t)) => {
                    let mut names = t.names.into_iter();
                    row.ecosystem = Some(t.ecosystem);
                    row.release = t.release;
                    row.package = names.next();
                    row.source_package = names.next();
                    row.version = t.version;
                    if row.package.is_none() {
                        row.ecosystem = None;
                        row.unmatchable = Some("no package name".into());
                    }
                }
                Some(Err(e)) => row.unmatchable = Some(e.to_string()),
                None => {
                    row.unmatchable = Some(
                        reasons
                            .get(&i)
                            .cloned()
                            .unwrap_or_else(|| "no package URL".into()),
                    );
                }
            }
            row
        })
        .collect()
}

/// The range and event that made a version affected.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct WhyOut {
    /// In words: `introduced 1.0.0, fixed 1.2.3`, `listed in versions (1.0)`.
    pub text: String,
    /// `range` (inside a range of `ranges[]`) or `listed` (in `versions`).
    pub basis: &'static str,
    /// Index of the `affected[]` entry that decided.
    pub affected: usize,
    /// Index into the entry's `ranges[]` (basis `range`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub range: Option<usize>,
    /// `SEMVER`, `ECOSYSTEM` or `GIT` (basis `range`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub range_type: Option<String>,
    /// The `introduced` event that opened the range.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub introduced: Option<String>,
    /// The event that closes the range: `fixed` or `last_affected`, with its
    /// version; absent when there is no fix.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end: Option<EventOut>,
    /// The smallest `limit` above the version, when the range has any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit: Option<String>,
    /// The entry of `versions` that equals the version (basis `listed`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub listed: Option<String>,
}

/// An OSV range event.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EventOut {
    /// `fixed`, `last_affected`, `introduced` or `limit`.
    pub kind: &'static str,
    pub version: String,
}

impl WhyOut {
    pub fn of(affected: usize, why: &Why) -> WhyOut {
        let mut out = WhyOut {
            text: why.to_string(),
            basis: "range",
            affected,
            range: None,
            range_type: None,
            introduced: None,
            end: None,
            limit: None,
            listed: None,
        };
        match why {
            Why::Range {
                range,
                kind,
                introduced,
                end,
                limit,
            } => {
                out.range = Some(*range);
                out.range_type = Some(String::from(kind.clone()));
                out.introduced = Some(introduced.to_string());
                out.end = end.as_ref().map(|e| EventOut {
                    kind: e.kind(),
                    version: e.version().to_owned(),
                });
                out.limit = limit.as_ref().map(ToString::to_string);
            }
            Why::Listed { version } => {
                out.basis = "listed";
                out.listed = Some(version.to_string());
            }
        }
        out
    }
}

/// An advisory that affects a component of an SBOM.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct HitOut {
    /// The component's position in the SBOM.
    pub component: u64,
    pub name: String,
    pub purl: String,
    pub version: Option<String>,
    pub advisory: String,
    pub aliases: Vec<String>,
    pub why: WhyOut,
}

/// An advisory names the component's package, but whether it applies
/// cannot be told (no version, a version the ecosystem refuses, …).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct IndeterminateOut {
    pub component: u64,
    pub name: String,
    pub purl: String,
    pub version: Option<String>,
    pub advisory: String,
    pub aliases: Vec<String>,
    pub reason: String,
}

/// A component that cannot be looked up in OSV data.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct UnmatchableOut {
    pub component: u64,
    pub name: String,
    pub purl: Option<String>,
    pub version: Option<String>,
    pub reason: String,
}

/// What affects an SBOM, against one engine.
#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct SbomResults {
    /// Components looked up.
    pub matchable: u64,
    /// Distinct (ecosystem, release, name, version) among them, each
    /// evaluated once.
    pub distinct_targets: u64,
    /// (component, advisory) pairs, in component order.
    pub hits: Vec<HitOut>,
    pub indeterminate: Vec<IndeterminateOut>,
    pub unmatchable: Vec<UnmatchableOut>,
}

/// Matches stored components against `engine`: each under every purl it
/// has, each (component, advisory) reported once, under the first of its
/// purls that hit (a hit over an undecided answer).
pub fn sbom_results(engine: &Engine, stored: &[SbomComponent]) -> SbomResults {
    let mut out = SbomResults::default();
    let mut components: Vec<Component> = Vec::new();
    let mut of: Vec<&SbomComponent> = Vec::new();
    for c in stored {
        let mut looked_up = false;
        let first = match (&c.ecosystem, c.purl.as_deref()) {
            (Some(_), Some(purl)) => Component::parse(purl).map_err(|e| e.to_string()),
            _ => Err(c
                .unmatchable
                .clone()
                .unwrap_or_else(|| "no package URL".into())),
        };
        let others: Vec<Component> = c
            .other_purls
            .iter()
            .filter_map(|p| Component::parse(p).ok())
            .collect();
        let first = match first {
            Ok(p) => Some(p),
            // Not worth a line when another purl is looked up.
            Err(_) if !others.is_empty() => None,
            Err(reason) => {
                out.unmatchable.push(UnmatchableOut {
                    component: c.seq,
                    name: c.name.clone(),
                    purl: c.purl.clone(),
                    version: c.version.clone(),
                    reason,
                });
                None
            }
        };
        for p in first.into_iter().chain(others) {
            components.push(p);
            of.push(c);
            looked_up = true;
        }
        out.matchable += u64::from(looked_up);
    }
    let report = engine.match_components(&components);
    out.distinct_targets = report.targets.len() as u64;
    let mut unsupported: HashSet<u64> = HashSet::new();
    for u in &report.unsupported {
        if let Some(c) = of.get(u.component).filter(|c| unsupported.insert(c.seq)) {
            out.unmatchable.push(UnmatchableOut {
                component: c.seq,
                name: c.name.clone(),
                purl: c.purl.clone(),
                version: c.version.clone(),
                reason: u.reason.to_string(),
            });
        }
    }
    // (component, advisory) pairs already reported.
    let mut reported: HashSet<(u64, &str)> = HashSet::new();
    let hits = once(
        report
            .hits
            .iter()
            .map(|h| (&h.components[..], &*h.advisory_id, h)),
        &of,
        &mut reported,
    );
    for (i, c, h) in hits {
        out.hits.push(HitOut {
            component: c.seq,
            name: c.name.clone(),
            purl: components[i].purl.clone(),
            version: c.version.clone(),
            advisory: h.advisory_id.to_string(),
            aliases: h.aliases.to_vec(),
            why: WhyOut::of(h.affected, &h.why),
        });
    }
    let undecided = once(
        report
            .indeterminate
            .iter()
            .map(|x| (&x.components[..], &*x.advisory_id, x)),
        &of,
        &mut reported,
    );
    for (i, c, x) in undecided {
        out.indeterminate.push(IndeterminateOut {
            component: c.seq,
            name: c.name.clone(),
            purl: components[i].purl.clone(),
            version: c.version.clone(),
            advisory: x.advisory_id.to_string(),
            aliases: x.aliases.to_vec(),
            reason: x.reason.clone(),
        });
    }
    out.hits
        .sort_by(|a, b| (a.component, &a.advisory).cmp(&(b.component, &b.advisory)));
    out.indeterminate
        .sort_by(|a, b| (a.component, &a.advisory).cmp(&(b.component, &b.advisory)));
    out.unmatchable.sort_by_key(|u| u.component);
    out
}

/// The engine's answers per looked-up purl, in component order, each
/// (stored component, advisory) pair once: a component looked up under
/// several purls may meet one advisory under each, and the first answer
/// (hits are taken before undecided ones) is the one reported.
fn once<'r, 'c, T>(
    answers: impl Iterator<Item = (&'r [usize], &'r str, T)>,
    of: &[&'c SbomComponent],
    reported: &mut HashSet<(u64, &'r str)>,
) -> Vec<(usize, &'c SbomComponent, T)>
where
    T: Copy,
{
    let mut each: Vec<(usize, &'r str, T)> = answers
        .flat_map(|(components, advisory, t)| components.iter().map(move |&i| (i, advisory, t)))
        .collect();
    each.sort_by_key(|(i, _, _)| *i);
    each.into_iter()
        .filter_map(|(i, advisory, t)| {
            let c = *of.get(i)?;
            reported.insert((c.seq, advisory)).then_some((i, c, t))
        })
        .collect()
}

/// A component of a visible SBOM that an advisory affects.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AffectedOut {
    pub sbom: Uuid,
    pub sbom_name: String,
    pub org: Uuid,
    pub component: u64,
    pub name: String,
    pub purl: String,
    pub version: Option<String>,
    pub why: WhyOut,
}

/// A component of a visible SBOM the advisory names, undecided.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AffectedUndecidedOut {
    pub sbom: Uuid,
    pub sbom_name: String,
    pub org: Uuid,
    pub component: u64,
    pub name: String,
    pub purl: String,
    pub version: Option<String>,
    pub reason: String,
}

/// Who an advisory affects among what the principal may see.
#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct Affected {
    pub affected: Vec<AffectedOut>,
    pub indeterminate: Vec<AffectedUndecidedOut>,
    /// Whether a package had more stored components than were read (at most
    /// `MAX_PACKAGE_COMPONENTS` a package).
    pub truncated: bool,
}

/// A component of an SBOM under one of its purls: (SBOM, position, purl).
type HeldKey = (Uuid, u64, String);

/// The components of the SBOMs `who` may read that `advisory` affects or
/// may affect: the store's components of each package the advisory names
/// (an index read), the SBOMs filtered by the policy's `record.read`, each
/// distinct target evaluated once.
pub async fn affected_by(
    app: &App,
    who: &Principal,
    advisory: &Advisory,
) -> Result<Affected, StoreError> {
    let mut out = Affected::default();
    let mut packages: Vec<(String, String)> = advisory
        .affected
        .iter()
        .filter_map(|a| a.package.as_ref())
        .map(|p| {
            let (eco, _) = split_ecosystem(&p.ecosystem);
            let name = normalize_name(&eco, &p.name);
            (eco, name)
        })
        .collect();
    packages.sort();
    packages.dedup();
    let mut visible: HashMap<Uuid, bool> = HashMap::new();
    // (sbom, seq, the purl it was found under) → the SBOM and the
    // component, once: a component may be found under several purls.
    let mut held: BTreeMap<HeldKey, (StoredSbom, SbomComponent)> = BTreeMap::new();
    for (eco, name) in &packages {
        let rows = app
            .store
            .package_components(eco, name, MAX_PACKAGE_COMPONENTS)
            .await?;
        out.truncated |= rows.len() >= MAX_PACKAGE_COMPONENTS as usize;
        for (s, c) in rows {
            let ok = *visible
                .entry(s.id)
                .or_insert_with(|| app.permits(who, Action::RecordRead, &sbom_resource(&s)));
            if ok {
                let purl = c.purl.clone().unwrap_or_default();
                held.insert((s.id, c.seq, purl), (s, c));
            }
        }
    }
    // Distinct targets, each evaluated once.
    let mut targets: Vec<Target> = Vec::new();
    let mut target_at: HashMap<Target, usize> = HashMap::new();
    let mut holders: Vec<Vec<HeldKey>> = Vec::new();
    for (key, (_, c)) in &held {
        let Some(purl) = c.purl.as_deref() else {
            continue;
        };
        let Some(t) = Component::parse(purl)
            .ok()
            .and_then(|p| target_of(&p.parsed).ok())
        else {
            continue;
        };
        let at = *target_at.entry(t.clone()).or_insert_with(|| {
            targets.push(t);
            holders.push(Vec::new());
            targets.len() - 1
        });
        holders[at].push(key.clone());
    }
    // Each component once: under a purl that hit (the first in text order),
    // else one that is undecided.
    let mut findings: Vec<(&HeldKey, Result<WhyOut, String>)> = Vec::new();
    for f in advisory_affects(advisory, &targets) {
        let (target, hit) = match &f {
            Finding::Hit {
                target,
                affected,
                why,
                ..
            } => (*target, Ok(WhyOut::of(*affected, why))),
            Finding::Indeterminate { target, reason, .. } => (*target, Err(reason.clone())),
        };
        for key in holders.get(target).into_iter().flatten() {
            findings.push((key, hit.clone()));
        }
    }
    findings.sort_by_key(|(key, hit)| (key.0, key.1, hit.is_err(), key.2.clone()));
    let mut reported: HashSet<(Uuid, u64)> = HashSet::new();
    for (key, hit) in findings {
        if !reported.insert((key.0, key.1)) {
            continue;
        }
        let Some((s, c)) = held.get(key) else {
            continue;
        };
        let purl = c.purl.clone().unwrap_or_default();
        match &hit {
            Ok(why) => out.affected.push(AffectedOut {
                sbom: s.id,
                sbom_name: s.name.clone(),
                org: s.org_id,
                component: c.seq,
                name: c.name.clone(),
                purl,
                version: c.version.clone(),
                why: why.clone(),
            }),
            Err(reason) => out.indeterminate.push(AffectedUndecidedOut {
                sbom: s.id,
                sbom_name: s.name.clone(),
                org: s.org_id,
                component: c.seq,
                name: c.name.clone(),
                purl,
                version: c.version.clone(),
                reason: reason.clone(),
            }),
        }
    }
    out.affected.sort_by_key(|a| (a.sbom, a.component));
    out.indeterminate.sort_by_key(|a| (a.sbom, a.component));
    Ok(out)
}

// The advisories' use cases: search, one advisory with whom it affects,
// and osv.dev's querybatch. Advisories are public data: reading them is the
// policy's `vulnerability.read` on the program; which SBOMs' components are
// listed as affected is its `record.read` on each SBOM. Nothing here
// changes state.

/// The most queries one `querybatch` call may carry (as osv.dev).
pub const MAX_BATCH: usize = 1_000;
/// Search results when the caller names no limit.
pub const DEFAULT_SEARCH_LIMIT: u32 = 50;
/// The most search results one call returns.
pub const MAX_SEARCH_LIMIT: u32 = 500;

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

pub fn summary_of(a: &StoredAdvisory) -> AdvisorySummary {
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

/// Advisories by id or alias (`q`), or by package (`ecosystem` and
/// `package`, the name normalised as OSV files it), under
/// `vulnerability.read`.
pub async fn search(
    app: &App,
    who: &Principal,
    q: Option<&str>,
    ecosystem: Option<&str>,
    package: Option<&str>,
    limit: Option<u32>,
) -> AppResult<SearchOut> {
    app.authorize(who, Action::VulnerabilityRead, &Resource::Program)?;
    let limit = limit.unwrap_or(DEFAULT_SEARCH_LIMIT);
    if !(1..=MAX_SEARCH_LIMIT).contains(&limit) {
        return Err(AppError::malformed(format!(
            "limit must be between 1 and {MAX_SEARCH_LIMIT}"
        )));
    }
    let found = match (q, ecosystem, package) {
        (Some(name), None, None) if !name.trim().is_empty() => app.store.advisory(name).await?,
        (None, Some(eco), Some(package))
            if !eco.trim().is_empty() && !package.trim().is_empty() =>
        {
            let (key, _) = split_ecosystem(eco);
            let name = normalize_name(&key, package.trim());
            app.store.advisories_for_package(&key, &name).await?
        }
        _ => {
            return Err(AppError::malformed(
                "give q (an advisory id or alias), or ecosystem and package",
            ));
        }
    };
    let truncated = found.len() > limit as usize;
    Ok(SearchOut {
        items: found.iter().take(limit as usize).map(summary_of).collect(),
        truncated,
    })
}

/// One advisory as a reader sees it: the stored records answering to the
/// name (the one with that id first), the first one parsed, and whom it
/// affects among the SBOMs the reader may see.
pub struct AdvisoryView {
    pub found: Vec<StoredAdvisory>,
    pub advisory: bulwark_matching::Advisory,
    pub affected: Affected,
}

/// One advisory by id or alias, under `vulnerability.read`; not found when
/// no stored record answers to `name`.
pub async fn read(app: &App, who: &Principal, name: &str) -> AppResult<AdvisoryView> {
    app.authorize(who, Action::VulnerabilityRead, &Resource::Program)?;
    let Some((found, advisory)) = lookup(app, name).await? else {
        return Err(AppError::not_found("advisory"));
    };
    let affected = affected_by(app, who, &advisory).await?;
    Ok(AdvisoryView {
        found,
        advisory,
        affected,
    })
}

/// [`read`], as the API answers it.
pub async fn get(app: &App, who: &Principal, name: &str) -> AppResult<AdvisoryOut> {
    let view = read(app, who, name).await?;
    let record = serde_json::from_str(&view.found[0].raw_json).unwrap_or_default();
    Ok(AdvisoryOut {
        id: view.found[0].id.clone(),
        also: view.found[1..].iter().map(|a| a.id.clone()).collect(),
        record,
        affected: view.affected,
    })
}

/// The stored records answering to `name` (the record with that id first)
/// and the first one parsed; `None` when there is none.
pub async fn lookup(
    app: &App,
    name: &str,
) -> AppResult<Option<(Vec<StoredAdvisory>, bulwark_matching::Advisory)>> {
    let found = app.store.advisory(name).await?;
    let Some(first) = found.first() else {
        return Ok(None);
    };
    let parsed = bulwark_matching::osv::parse_json(first.raw_json.as_bytes()).map_err(|e| {
        tracing::error!(id = %first.id, error = %e, "stored advisory does not parse");
        AppError::internal()
    })?;
    Ok(Some((found, parsed)))
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

/// osv.dev's `querybatch`: up to [`MAX_BATCH`] package queries answered
/// in query order; a query that cannot be answered gets an `explanation`
/// instead of failing the batch.
pub async fn querybatch(app: &App, who: &Principal, batch: QueryBatch) -> AppResult<QueryBatchOut> {
    app.authorize(who, Action::VulnerabilityRead, &Resource::Program)?;
    if batch.queries.len() > MAX_BATCH {
        return Err(AppError::malformed(format!(
            "{} queries; a batch holds at most {MAX_BATCH}",
            batch.queries.len()
        ))
        .with_extension("limit", serde_json::json!(MAX_BATCH)));
    }
    let snapshot = app.matching.current(&app.store).await?;
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
            .map_err(|_| AppError::internal())?
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
    Ok(QueryBatchOut { results })
}
