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

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, RwLock};

use bulwark_authz::Action;
use bulwark_core::Principal;
use bulwark_matching::ecosystem::{normalize_name, split_ecosystem};
use bulwark_matching::engine::{Component, Engine, Finding, advisory_affects};
use bulwark_matching::index::Index;
use bulwark_matching::osv::Advisory;
use bulwark_matching::{Target, Why, target_of};
use bulwark_sbom::Sbom;
use bulwark_store::{
    AdvisoryPackage, MAX_ADVISORY_PAGE, MAX_PACKAGE_COMPONENTS, NewAdvisory, NewSbomComponent,
    SbomComponent, Store, StoreError, StoredSbom,
};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::App;
use crate::resources::sbom_resource;

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

/// Reads every stored record, a page at a time, into a new index; parsing
/// happens on the blocking threads. Records written while it reads are
/// picked up by the next build (the generation was read first).
async fn build(store: &Store, generation: (u64, i64)) -> Result<Snapshot, StoreError> {
    let mut index = Index::new();
    let mut unreadable = 0usize;
    let mut after: Option<String> = None;
    loop {
        let page = store
            .all_advisories(after.as_deref(), MAX_ADVISORY_PAGE)
            .await?;
        let Some(last) = page.last() else {
            break;
        };
        after = Some(last.id.clone());
        let (i, bad) = tokio::task::spawn_blocking(move || {
            let mut bad = 0usize;
            for stored in page {
                match bulwark_matching::osv::parse_json(stored.raw_json.as_bytes()) {
                    Ok(a) => {
                        index.insert(a);
                    }
                    Err(e) => {
                        tracing::warn!(id = %stored.id, error = %e, "stored advisory does not parse; left out");
                        bad += 1;
                    }
                }
            }
            (index, bad)
        })
        .await
        .map_err(|e| StoreError::Invalid(format!("building the advisory index: {e}")))?;
        index = i;
        unreadable += bad;
    }
    Ok(Snapshot {
        generation,
        engine: Engine::new(index),
        unreadable,
    })
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
    })
}

/// An SBOM's components as the store keeps them, in document order: each
/// with its package URL as written (or as parsed, when only another one
/// parsed), and either the OSV ecosystem, release, names and version it is
/// looked up under, or why it cannot be.
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

/// Matches stored components against `engine`.
pub fn sbom_results(engine: &Engine, stored: &[SbomComponent]) -> SbomResults {
    let mut out = SbomResults::default();
    let mut components: Vec<Component> = Vec::new();
    let mut of: Vec<&SbomComponent> = Vec::new();
    for c in stored {
        let parsed = match (&c.ecosystem, c.purl.as_deref()) {
            (Some(_), Some(purl)) => Component::parse(purl).map_err(|e| e.to_string()),
            _ => Err(c
                .unmatchable
                .clone()
                .unwrap_or_else(|| "no package URL".into())),
        };
        match parsed {
            Ok(p) => {
                components.push(p);
                of.push(c);
            }
            Err(reason) => out.unmatchable.push(UnmatchableOut {
                component: c.seq,
                name: c.name.clone(),
                purl: c.purl.clone(),
                version: c.version.clone(),
                reason,
            }),
        }
    }
    let report = engine.match_components(&components);
    out.matchable = components.len() as u64;
    out.distinct_targets = report.targets.len() as u64;
    for u in &report.unsupported {
        if let Some(c) = of.get(u.component) {
            out.unmatchable.push(UnmatchableOut {
                component: c.seq,
                name: c.name.clone(),
                purl: c.purl.clone(),
                version: c.version.clone(),
                reason: u.reason.to_string(),
            });
        }
    }
    for h in &report.hits {
        for &i in h.components.iter() {
            let Some(c) = of.get(i) else { continue };
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
    }
    for x in &report.indeterminate {
        for &i in x.components.iter() {
            let Some(c) = of.get(i) else { continue };
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
    }
    out.hits
        .sort_by(|a, b| (a.component, &a.advisory).cmp(&(b.component, &b.advisory)));
    out.indeterminate
        .sort_by(|a, b| (a.component, &a.advisory).cmp(&(b.component, &b.advisory)));
    out.unmatchable.sort_by_key(|u| u.component);
    out
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
    // Component key (sbom, seq) → the SBOM and the component, once.
    let mut held: BTreeMap<(Uuid, u64), (StoredSbom, SbomComponent)> = BTreeMap::new();
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
                held.insert((s.id, c.seq), (s, c));
            }
        }
    }
    // Distinct targets, each evaluated once.
    let mut targets: Vec<Target> = Vec::new();
    let mut target_at: HashMap<Target, usize> = HashMap::new();
    let mut holders: Vec<Vec<(Uuid, u64)>> = Vec::new();
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
        holders[at].push(*key);
    }
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
    }
    out.affected.sort_by_key(|a| (a.sbom, a.component));
    out.indeterminate.sort_by_key(|a| (a.sbom, a.component));
    Ok(out)
}
