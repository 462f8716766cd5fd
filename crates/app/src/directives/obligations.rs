//! Obligations: evaluating the directives in force against systems, and
//! the agency's answers and the issuer's decisions on them.
//!
//! Evaluation of a system:
//! 1. what runs on it: each attached SBOM's components matched by the
//!    matching engine (the OSV advisories; a vulnerability is named by the
//!    advisory's CVE aliases, else its own id), and each product without a
//!    package URL matched by KEV's vendor and product and by CVE records'
//!    `affected` entries;
//! 2. for each (subject, vulnerability) and directive in force whose scope
//!    holds the system (civilian agency, not a national security system):
//!    the facts (KEV, CISA's ADP SSVC points, EPSS, the system's flags),
//!    each with its source, evaluated by `bulwark-directive`;
//! 3. diffed against the stored obligations of the system: new ones are
//!    created, changed ones revised (rule or due date, with the reason),
//!    ones whose subject is gone or no longer affected closed by
//!    themselves, ones closed that way and met again reopened. An
//!    obligation the agency answered (remediated, mitigated, not affected)
//!    is never reopened by a recomputation.
//!
//! A directive's requirements on systems give one obligation per bound
//! system besides (`requirements`): subject the system, due the last
//! qualifying scan + N days. An evaluation with `only` naming requirement
//! keys (`requirement:<id>`) looks at those alone.
//!
//! The same facts give the same obligations: recomputing changes nothing.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::Arc;

use bulwark_authz::Action;
use bulwark_core::{AgencyTrack, Answer, ObligationState, Principal, RequestKind, Tri};
use bulwark_directive::Evaluation;
use bulwark_matching::product::{AffectedEntry, Cpe, ProductQuery, Verdict, matches, query_keys};
use bulwark_store::{
    Actor, Applied, CountBy, NewObligation, NewProduct, ObligationChange, ObligationCounts,
    ObligationEvent, ObligationFilter, ObligationRequest, Organization, Page, PageRequest,
    Revision, SbomComponent, StoredObligation, StoredProduct, StoredSystem, SystemSbomRow,
};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;

use super::requirements::{self, Components, Evidence, is_requirement_key};
use super::{Loaded, all_loaded, in_force};
use crate::advisories::sbom_results;
use crate::resources::{SystemGate, readable_system, system_resource};
use crate::{Acting, App, AppError, AppResult, parse_word, ts};

/// The key KEV entries, CVE records and inventories name a vendor or
/// product under (`bulwark_matching::product::name_key`).
pub use bulwark_matching::product::name_key;

/// What one evaluation did, for the caller and the audit log.
#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct EvaluationOut {
    /// Systems evaluated.
    pub systems: u64,
    pub created: u64,
    pub revised: u64,
    pub closed: u64,
    pub reopened: u64,
    /// What moved, one line each (the first 100): obligation id, what
    /// changed and why.
    pub moved: Vec<String>,
}

impl EvaluationOut {
    fn add(&mut self, applied: &Applied, lines: Vec<String>) {
        self.created += applied.created.len() as u64;
        self.revised += applied.revised.len() as u64;
        self.closed += applied.closed.len() as u64;
        self.reopened += applied.reopened.len() as u64;
        for l in lines {
            if self.moved.len() < 100 {
                self.moved.push(l);
            }
        }
    }
}

/// What is vulnerable on a system, and to what.
#[derive(Debug, Clone)]
struct Exposure {
    subject: String,
    kind: &'static str,
    name: String,
    version: Option<String>,
    vulnerability: String,
    /// When the subject came onto the system.
    since: OffsetDateTime,
    /// How it was matched, for the explanation.
    how: String,
}

/// The stored facts of one vulnerability.
#[derive(Debug, Clone, Default)]
struct VulnFacts {
    in_kev: Option<bool>,
    kev_added: Option<OffsetDateTime>,
    automatable: Option<String>,
    technical_impact: Option<String>,
    exploitation: Option<String>,
    epss: Option<f64>,
}

/// The product row for a product the agency named, vendor and product
/// taken from the CPE when not given.
pub fn new_product(body: super::systems::ProductIn) -> AppResult<NewProduct> {
    let cpe = body
        .cpe
        .map(|c| c.trim().to_owned())
        .filter(|c| !c.is_empty());
    let from_cpe = match &cpe {
        Some(c) => Some(cpe_parts(c).ok_or_else(|| {
            AppError::validation(format!(
                "cpe: {c:?} is not a CPE 2.3 formatted string (cpe:2.3:part:vendor:product:version:…, 13 parts)"
            ))
        })?),
        None => None,
    };
    let pick = |given: Option<String>, at: usize| {
        given
            .map(|g| g.trim().to_owned())
            .filter(|g| !g.is_empty())
            .or_else(|| {
                from_cpe
                    .as_ref()
                    .and_then(|p| p.get(at).cloned())
                    .filter(|v| v != "*" && v != "-")
            })
    };
    let vendor = pick(body.vendor, 0).ok_or_else(|| {
        AppError::validation("a product needs a vendor (or a CPE that names one)")
    })?;
    let product = pick(body.product, 1).ok_or_else(|| {
        AppError::validation("a product needs a product name (or a CPE that names one)")
    })?;
    let version = pick(body.version, 2);
    Ok(super::systems::product_row(vendor, product, version, cpe))
}

/// Vendor, product and version of a CPE 2.3 formatted string (unescaped),
/// `None` when it is not one.
fn cpe_parts(cpe: &str) -> Option<Vec<String>> {
    let rest = cpe.strip_prefix("cpe:2.3:")?;
    let mut parts = Vec::new();
    let mut cur = String::new();
    let mut chars = rest.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => cur.push(chars.next()?),
            ':' => parts.push(std::mem::take(&mut cur)),
            c => cur.push(c),
        }
    }
    parts.push(cur);
    (parts.len() == 11 && ["a", "o", "h", "*"].contains(&parts[0].as_str()))
        .then(|| parts[1..4].to_vec())
}

/// Whether a directive binds this system: CISA's directives bind civilian
/// agencies' systems that are not national security systems.
pub(super) fn in_scope(org: &Organization, s: &StoredSystem) -> bool {
    org.agency_track == Some(AgencyTrack::Civilian) && !s.national_security
}

/// What one evaluation reads once, whatever the number of systems: the
/// directives in force, whether a KEV catalog was ever imported, KEV's
/// entries by folded vendor and product, the matching engine.
struct Context {
    force: Vec<Loaded>,
    kev_known: bool,
    kev_by_name: HashMap<(String, String), Vec<bulwark_store::StoredKevEntry>>,
    snapshot: Option<Arc<crate::advisories::Snapshot>>,
    /// The facts of each vulnerability met so far: thousands of systems
    /// share a few thousand vulnerabilities.
    facts: HashMap<String, VulnFacts>,
    /// The engine's answer for each component met so far: the same package
    /// URLs recur on thousands of SBOMs and get the same answer.
    matched: HashMap<MatchKey, Vec<Matched>>,
    /// CVE records' `affected` entries by key pair, read once each.
    affected: HashMap<(String, String), Vec<(String, AffectedEntry)>>,
    /// The catalogue entries and released scans requirements count, read
    /// at the first system a requirement is evaluated for.
    evidence: Option<Evidence>,
}

impl Context {
    /// Whether this evaluation looks at requirements: some directive in
    /// force has one, and `only` (if given) names one.
    fn requirements_wanted(&self, only: Option<&BTreeSet<String>>) -> bool {
        self.force
            .iter()
            .any(|l| !l.directive.requirements().is_empty())
            && only.is_none_or(|o| o.iter().any(|v| is_requirement_key(v)))
    }
}

/// The vulnerabilities among `only` (requirement keys left out); `None`:
/// every one.
fn vulnerabilities_only(only: Option<&BTreeSet<String>>) -> Option<BTreeSet<String>> {
    only.map(|o| {
        o.iter()
            .filter(|v| !is_requirement_key(v))
            .cloned()
            .collect()
    })
}

impl Context {
    /// With `only`, just those vulnerabilities' KEV entries are read: the
    /// others' exposures are left out anyway. (A catalog is always stored
    /// with its entries, so "no catalog" is "no entry".)
    async fn new(app: &App, only: Option<&BTreeSet<String>>) -> AppResult<Context> {
        let all = all_loaded(app).await?;
        let force = in_force(&all);
        let (kev, kev_known) = match only {
            Some(vulns) => {
                let mut kev = Vec::new();
                for v in vulns {
                    kev.extend(app.store.kev_entry(v).await?);
                }
                let known = !kev.is_empty() || !app.store.kev_catalogs().await?.is_empty();
                (kev, known)
            }
            None => {
                let kev = app.store.kev_entries_all().await?;
                let known = !kev.is_empty() || !app.store.kev_catalogs().await?.is_empty();
                (kev, known)
            }
        };
        let mut kev_by_name: HashMap<(String, String), Vec<_>> = HashMap::new();
        for k in kev {
            kev_by_name
                .entry((
                    name_key(&k.entry.vendor_project),
                    name_key(&k.entry.product),
                ))
                .or_default()
                .push(k);
        }
        Ok(Context {
            force,
            kev_known,
            kev_by_name,
            snapshot: None,
            facts: HashMap::new(),
            matched: HashMap::new(),
            affected: HashMap::new(),
            evidence: None,
        })
    }

    /// The CVE records' entries filed under a key pair (each entry once).
    async fn affected(
        &mut self,
        app: &App,
        key: &(String, String),
    ) -> AppResult<&[(String, AffectedEntry)]> {
        if !self.affected.contains_key(key) {
            let mut seen = HashSet::new();
            let mut entries = Vec::new();
            for row in app.store.cve_affected_for(&key.0, &key.1).await? {
                if !seen.insert((row.cve_id.clone(), row.entry.clone())) {
                    continue;
                }
                match serde_json::from_str::<AffectedEntry>(&row.entry) {
                    Ok(e) => entries.push((row.cve_id, e)),
                    Err(e) => {
                        tracing::warn!(cve = %row.cve_id, error = %e, "a stored affected entry does not read; left out")
                    }
                }
            }
            self.affected.insert(key.clone(), entries);
        }
        Ok(self.affected.get(key).map_or(&[], Vec::as_slice))
    }

    async fn engine(&mut self, app: &App) -> AppResult<Arc<crate::advisories::Snapshot>> {
        if let Some(s) = &self.snapshot {
            return Ok(s.clone());
        }
        let s = app.matching.current(&app.store).await?;
        self.snapshot = Some(s.clone());
        Ok(s)
    }
}

/// Reads every stored fact of these vulnerabilities not read yet into
/// `cx.facts`.
async fn facts_of(app: &App, cx: &mut Context, vulns: &BTreeSet<String>) -> AppResult<()> {
    let kev_known = cx.kev_known;
    let out = &mut cx.facts;
    let cves: Vec<String> = vulns
        .iter()
        .filter(|v| v.starts_with("CVE-") && !out.contains_key(*v))
        .cloned()
        .collect();
    for chunk in cves.chunks(bulwark_store::FACTS_CHUNK) {
        for f in app.store.vulnerability_facts_of(chunk).await? {
            let record = f.record.as_ref().map(|r| &r.record);
            out.insert(
                f.cve.clone(),
                VulnFacts {
                    in_kev: kev_known.then_some(f.kev.is_some()),
                    kev_added: f.kev.as_ref().and_then(|k| date_start(&k.entry.date_added)),
                    automatable: record.and_then(|r| r.ssvc_automatable.clone()),
                    technical_impact: record.and_then(|r| r.ssvc_technical_impact.clone()),
                    exploitation: record.and_then(|r| r.ssvc_exploitation.clone()),
                    epss: f.epss.as_ref().map(|e| e.epss),
                },
            );
        }
    }
    // A vulnerability without a CVE id is in no KEV entry: KEV lists CVEs.
    for v in vulns {
        out.entry(v.clone()).or_insert_with(|| VulnFacts {
            in_kev: kev_known.then_some(false),
            ..VulnFacts::default()
        });
    }
    Ok(())
}

/// `YYYY-MM-DD` as the start of that day, UTC.
fn date_start(d: &str) -> Option<OffsetDateTime> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    time::Date::parse(d.trim(), &format)
        .ok()
        .map(|d| d.midnight().assume_utc())
}

/// The facts object `bulwark-directive` reads, for the facts the directive
/// declares, each with its source; the trigger is the latest of the
/// directive's effective date, the subject's arrival on the system and
/// (for a KEV entry) the day CISA added it.
fn facts_json(
    d: &bulwark_directive::Directive,
    e: &Exposure,
    f: &VulnFacts,
    s: &StoredSystem,
) -> (Value, OffsetDateTime) {
    let effective = d.effective().midnight().assume_utc();
    let mut trigger = effective.max(e.since);
    if f.in_kev == Some(true)
        && let Some(added) = f.kev_added
    {
        trigger = trigger.max(added);
    }
    let mut m = serde_json::Map::new();
    m.insert("trigger".into(), json!(bulwark_core::rfc3339(trigger)));
    if e.vulnerability.starts_with("CVE-") {
        m.insert("cve".into(), json!(e.vulnerability));
    }
    let tri = |t: Tri| match t {
        Tri::Yes => json!("yes"),
        Tri::No => json!("no"),
        Tri::Unknown => Value::Null,
    };
    let mut give = |name: &str, value: Value, source: &str| {
        if let Some(fact) = d.fact(name) {
            // A value the directive does not know is given as unknown, so
            // its default applies, with the value kept in the source.
            let value = match &value {
                Value::String(v) if fact.number.is_none() && !fact.values.contains(v) => {
                    m.insert(
                        name.into(),
                        json!({"value": null, "source": format!("{source} said {v:?}, not a value of the directive")}),
                    );
                    return;
                }
                _ => value,
            };
            m.insert(name.into(), json!({"value": value, "source": source}));
        }
    };
    give(
        "in_kev",
        match f.in_kev {
            Some(true) => json!("yes"),
            Some(false) => json!("no"),
            None => Value::Null,
        },
        if f.in_kev.is_some() {
            "KEV"
        } else {
            "KEV (no catalog imported)"
        },
    );
    give(
        "publicly_exposed",
        tri(s.publicly_exposed),
        "the agency's exposure flag",
    );
    give(
        "high_value_asset",
        tri(s.high_value_asset),
        "the agency's high-value-asset flag",
    );
    give(
        "national_security_system",
        json!(if s.national_security { "yes" } else { "no" }),
        "the agency's system record",
    );
    let text = |v: &Option<String>| {
        v.as_ref()
            .map_or(Value::Null, |v| json!(v.to_ascii_lowercase()))
    };
    give("automatable", text(&f.automatable), "CISA ADP");
    give("technical_impact", text(&f.technical_impact), "CISA ADP");
    give("exploitation", text(&f.exploitation), "CISA ADP");
    give(
        "epss",
        f.epss.map_or(Value::Null, |x| json!(x)),
        "FIRST EPSS",
    );
    (Value::Object(m), trigger)
}

/// What decides the engine's answer for a component: its package URLs
/// (and whether the first maps onto an OSV ecosystem).
type MatchKey = (Option<String>, bool, Vec<String>);

fn match_key(c: &SbomComponent) -> MatchKey {
    (c.purl.clone(), c.ecosystem.is_some(), c.other_purls.clone())
}

/// An advisory affecting a component, under the purl that hit.
#[derive(Debug, Clone)]
struct Matched {
    purl: String,
    advisory: String,
    aliases: Vec<String>,
}

/// An advisory affecting a component of an SBOM.
#[derive(Debug, Clone)]
struct ComponentHit {
    purl: String,
    name: String,
    version: Option<String>,
    advisory: String,
    aliases: Vec<String>,
}

/// Each SBOM's hits in component order (each component's by advisory), as
/// `sbom_results` gives them SBOM by SBOM; only components no earlier SBOM
/// had are put to the engine, in one call.
fn match_sboms(
    engine: &bulwark_matching::Engine,
    cache: &mut HashMap<MatchKey, Vec<Matched>>,
    components: &HashMap<Uuid, Vec<SbomComponent>>,
    sboms: &[Uuid],
) -> HashMap<Uuid, Vec<ComponentHit>> {
    let mut fresh: Vec<SbomComponent> = Vec::new();
    let mut keys: Vec<MatchKey> = Vec::new();
    let mut queued: HashSet<MatchKey> = HashSet::new();
    for c in sboms.iter().filter_map(|id| components.get(id)).flatten() {
        let k = match_key(c);
        if !cache.contains_key(&k) && queued.insert(k.clone()) {
            let mut c = c.clone();
            // Numbered afresh: `sbom_results` tells components by seq.
            c.seq = fresh.len() as u64;
            fresh.push(c);
            keys.push(k);
        }
    }
    if !fresh.is_empty() {
        let mut by: Vec<Vec<Matched>> = vec![Vec::new(); fresh.len()];
        for h in sbom_results(engine, &fresh).hits {
            if let Some(v) = usize::try_from(h.component)
                .ok()
                .and_then(|i| by.get_mut(i))
            {
                v.push(Matched {
                    purl: h.purl,
                    advisory: h.advisory,
                    aliases: h.aliases,
                });
            }
        }
        cache.extend(keys.into_iter().zip(by));
    }
    sboms
        .iter()
        .map(|id| {
            let mut hits = Vec::new();
            for c in components.get(id).into_iter().flatten() {
                for m in cache.get(&match_key(c)).into_iter().flatten() {
                    hits.push(ComponentHit {
                        purl: m.purl.clone(),
                        name: c.name.clone(),
                        version: c.version.clone(),
                        advisory: m.advisory.clone(),
                        aliases: m.aliases.clone(),
                    });
                }
            }
            (*id, hits)
        })
        .collect()
}

/// What a batch of systems holds, read in a few statements rather than a
/// few per system: SBOMs attached, each live SBOM's hits, products.
#[derive(Default)]
struct Holdings {
    sboms: HashMap<Uuid, Vec<SystemSbomRow>>,
    hits: HashMap<Uuid, Vec<ComponentHit>>,
    products: HashMap<Uuid, Vec<StoredProduct>>,
    /// Each live SBOM's package keys, when requirements are evaluated.
    packages: HashMap<Uuid, BTreeSet<String>>,
}

impl Holdings {
    /// What of system `s` a scan may name.
    fn components(&self, s: Uuid) -> Components {
        let mut c = Components::default();
        for a in self.sboms.get(&s).into_iter().flatten() {
            if a.detached_at.is_none() {
                c.sboms += 1;
                c.packages
                    .extend(self.packages.get(&a.sbom_id).into_iter().flatten().cloned());
            }
        }
        c.add_products(self.products.get(&s).map_or(&[][..], Vec::as_slice));
        c
    }
}

impl Holdings {
    /// With `only`, SBOMs are read only when an advisory names one of
    /// those vulnerabilities (by id or alias): else no component can be
    /// affected by them.
    async fn read(
        app: &App,
        cx: &mut Context,
        systems: &[Uuid],
        only: Option<&BTreeSet<String>>,
    ) -> AppResult<Holdings> {
        let mut h = Holdings::default();
        for a in app.store.system_sboms_of(systems).await? {
            h.sboms.entry(a.system_id).or_default().push(a);
        }
        let live: Vec<Uuid> = h
            .sboms
            .values()
            .flatten()
            .filter(|a| a.detached_at.is_none())
            .map(|a| a.sbom_id)
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let requirements = cx.requirements_wanted(only);
        let only = vulnerabilities_only(only);
        if !live.is_empty() {
            let snapshot = cx.engine(app).await?;
            let named = only.as_ref().is_none_or(|vulns| {
                vulns
                    .iter()
                    .any(|v| !snapshot.engine.index().lookup(v).is_empty())
            });
            if requirements && !named {
                let components = app.store.sbom_components_of(&live).await?;
                h.packages = package_keys(&components);
            }
            if named {
                let components = app.store.sbom_components_of(&live).await?;
                if requirements {
                    h.packages = package_keys(&components);
                }
                let mut cache = std::mem::take(&mut cx.matched);
                let (cache, hits) = tokio::task::spawn_blocking(move || {
                    let hits = match_sboms(&snapshot.engine, &mut cache, &components, &live);
                    (cache, hits)
                })
                .await
                .map_err(|_| AppError::internal())?;
                cx.matched = cache;
                h.hits = hits;
            }
        }
        for p in app.store.products_of_systems(systems).await? {
            h.products.entry(p.system_id).or_default().push(p);
        }
        Ok(h)
    }
}

/// Each SBOM's package keys (every purl of every component).
fn package_keys(components: &HashMap<Uuid, Vec<SbomComponent>>) -> HashMap<Uuid, BTreeSet<String>> {
    components
        .iter()
        .map(|(sbom, cs)| {
            let keys = cs
                .iter()
                .flat_map(|c| c.purl.iter().chain(&c.other_purls))
                .filter_map(|p| requirements::package_key(p))
                .collect();
            (*sbom, keys)
        })
        .collect()
}

/// What the system holds that is vulnerable: SBOM components through the
/// matching engine, products through KEV and CVE records.
async fn exposures(
    app: &App,
    cx: &mut Context,
    held: &Holdings,
    s: &StoredSystem,
) -> AppResult<Vec<Exposure>> {
    let mut out = Vec::new();
    let attached = held.sboms.get(&s.id).map_or(&[][..], Vec::as_slice);
    for a in attached.iter().filter(|a| a.detached_at.is_none()) {
        let Some(hits) = held.hits.get(&a.sbom_id) else {
            continue;
        };
        for h in hits {
            let cves: Vec<&String> = h.aliases.iter().filter(|a| a.starts_with("CVE-")).collect();
            let vulns: Vec<String> = if h.advisory.starts_with("CVE-") || cves.is_empty() {
                vec![h.advisory.clone()]
            } else {
                cves.into_iter().cloned().collect()
            };
            for v in vulns {
                out.push(Exposure {
                    subject: format!("purl:{}", h.purl),
                    kind: "component",
                    name: h.name.clone(),
                    version: h.version.clone(),
                    vulnerability: v,
                    since: a.attached(),
                    how: format!(
                        "{} is affected by {} (SBOM {}, OSV)",
                        h.purl, h.advisory, a.sbom_id
                    ),
                });
            }
        }
    }
    let products = held.products.get(&s.id).map_or(&[][..], Vec::as_slice);
    for p in products {
        if p.removed_at.is_some() {
            continue;
        }
        for (cve, how) in product_vulnerabilities(app, cx, p).await? {
            out.push(Exposure {
                subject: format!("product:{}", p.id),
                kind: "product",
                name: format!("{} {}", p.vendor, p.product),
                version: p.version.clone(),
                vulnerability: cve,
                since: bulwark_core::from_micros(p.added_at),
                how,
            });
        }
    }
    // One exposure per (subject, vulnerability): the first found.
    let mut seen = HashSet::new();
    out.retain(|e| seen.insert((e.subject.clone(), e.vulnerability.clone())));
    Ok(out)
}

/// The CVEs that name a product without a package URL: KEV entries of the
/// same vendor and product (KEV carries no versions: named is affected).
async fn product_vulnerabilities(
    app: &App,
    cx: &mut Context,
    p: &bulwark_store::StoredProduct,
) -> AppResult<Vec<(String, String)>> {
    let q = ProductQuery {
        vendor: p.vendor.clone(),
        product: p.product.clone(),
        version: p.version.clone(),
        cpe: p.cpe.as_deref().and_then(|c| Cpe::parse(c).ok()),
    };
    let mut out: Vec<(String, String)> = Vec::new();
    // CVE records decide by version where they can; a record that says
    // this version is unaffected overrides KEV, which names no versions.
    let mut unaffected: HashSet<String> = HashSet::new();
    for key in query_keys(&q) {
        let entries = cx.affected(app, &key).await?.to_vec();
        for (cve, entry) in entries {
            let provider = entry.provider.as_deref().unwrap_or("CNA");
            match matches(&entry, &q) {
                Some(Verdict::Affected(why)) => out.push((
                    cve.clone(),
                    format!("the CVE record of {cve} ({provider}, {}): {why}", entry.path),
                )),
                Some(Verdict::Unknown(why)) => out.push((
                    cve.clone(),
                    format!(
                        "the CVE record of {cve} ({provider}, {}) names the product but cannot tell for this version ({why}): taken as affected",
                        entry.path
                    ),
                )),
                Some(Verdict::Unaffected(_)) => {
                    unaffected.insert(cve);
                }
                None => {}
            }
        }
    }
    // An affected answer of any record stands over another's unaffected.
    let affected: HashSet<String> = out.iter().map(|(c, _)| c.clone()).collect();
    unaffected.retain(|c| !affected.contains(c));
    let named = cx
        .kev_by_name
        .get(&(p.vendor_key.clone(), p.product_key.clone()))
        .into_iter()
        .flatten();
    for k in named {
        if unaffected.contains(&k.entry.cve_id) {
            continue;
        }
        out.push((
            k.entry.cve_id.clone(),
            format!(
                "KEV names {} {} for {} (KEV gives no versions: every version is taken as affected)",
                k.entry.vendor_project, k.entry.product, k.entry.cve_id
            ),
        ));
    }
    Ok(out)
}

/// The obligations these facts give `s`, keyed by (subject,
/// vulnerability, directive id).
type Key = (String, String, String);

struct Wanted {
    new: NewObligation,
    /// Appended to a revision's reason (what met a requirement).
    note: String,
}

fn evaluation_json(ev: &Evaluation, how: &str) -> Value {
    let mut v = serde_json::to_value(ev).unwrap_or(Value::Null);
    if let Value::Object(m) = &mut v
        && let Some(Value::Array(lines)) = m.get_mut("explanation")
    {
        lines.insert(0, json!(format!("matched: {how}")));
    }
    v
}

async fn wanted(
    app: &App,
    cx: &mut Context,
    held: &Holdings,
    s: &StoredSystem,
    org: &Organization,
    only: Option<&BTreeSet<String>>,
    stored: &[StoredObligation],
) -> AppResult<BTreeMap<Key, Wanted>> {
    let mut out = BTreeMap::new();
    if !in_scope(org, s) || cx.force.is_empty() {
        return Ok(out);
    }
    if cx.requirements_wanted(only) && requirements::any_applies(&cx.force, s) {
        if cx.evidence.is_none() {
            cx.evidence = Some(Evidence::load(app, &cx.force).await?);
        }
        if let Some(evidence) = &cx.evidence {
            let components = held.components(s.id);
            for (key, w) in requirements::wanted(&cx.force, evidence, s, &components, stored) {
                if only.is_none_or(|o| o.contains(&key.1)) {
                    out.insert(
                        key,
                        Wanted {
                            new: w.new,
                            note: w.note,
                        },
                    );
                }
            }
        }
    }
    let only = vulnerabilities_only(only);
    if only.as_ref().is_some_and(BTreeSet::is_empty) {
        return Ok(out);
    }
    let mut ex = exposures(app, cx, held, s).await?;
    if let Some(only) = &only {
        ex.retain(|e| only.contains(&e.vulnerability));
    }
    let vulns: BTreeSet<String> = ex.iter().map(|e| e.vulnerability.clone()).collect();
    facts_of(app, cx, &vulns).await?;
    let facts = &cx.facts;
    for l in &cx.force {
        let d = &l.directive;
        for e in &ex {
            let f = facts.get(&e.vulnerability).cloned().unwrap_or_default();
            let (json, trigger) = facts_json(d, e, &f, s);
            let given = match d.facts_from_json(&json, "$") {
                Ok(g) => g,
                Err(err) => {
                    tracing::warn!(system = %s.id, vulnerability = %e.vulnerability, error = %err.message, "facts refused by the directive; left out");
                    continue;
                }
            };
            let ev = d.evaluate(&given);
            // A rule that requires nothing (an emergency directive's
            // "every other CVE") gives no obligation.
            if ev.timeline == bulwark_directive::Timeline::NotRequired.to_string() {
                continue;
            }
            let new = NewObligation {
                org_id: s.org_id,
                system_id: s.id,
                subject: e.subject.clone(),
                subject_kind: e.kind.to_owned(),
                subject_name: e.name.clone(),
                subject_version: e.version.clone(),
                vulnerability: e.vulnerability.clone(),
                directive_id: d.id().to_owned(),
                directive_version: d.version().to_owned(),
                rule: ev.rule.clone(),
                action: ev.action.clone(),
                timeline: ev.timeline.clone(),
                trigger_at: trigger,
                due_at: ev.due,
                forensic: ev.forensic,
                evaluation: evaluation_json(&ev, &e.how),
            };
            out.insert(
                (
                    e.subject.clone(),
                    e.vulnerability.clone(),
                    d.id().to_owned(),
                ),
                Wanted {
                    new,
                    note: String::new(),
                },
            );
        }
    }
    Ok(out)
}

fn revision(n: &NewObligation) -> Revision {
    Revision {
        directive_version: n.directive_version.clone(),
        rule: n.rule.clone(),
        action: n.action.clone(),
        timeline: n.timeline.clone(),
        trigger_at: n.trigger_at,
        due_at: n.due_at,
        forensic: n.forensic,
        evaluation: n.evaluation.clone(),
    }
}

/// Why a stored obligation and a wanted one differ, or `None`.
fn difference(o: &StoredObligation, n: &NewObligation) -> Option<String> {
    let mut what = Vec::new();
    if o.directive_version != n.directive_version {
        what.push(format!(
            "directive {}@{} → {}",
            o.directive_id, o.directive_version, n.directive_version
        ));
    }
    if o.rule != n.rule {
        what.push(format!("rule {} → {}", o.rule, n.rule));
    }
    if o.directive_due_at != n.due_at {
        let show = |d: Option<OffsetDateTime>| d.map_or("on upgrade".to_owned(), ts);
        what.push(format!(
            "due {} → {}",
            show(o.directive_due_at),
            show(n.due_at)
        ));
    }
    (!what.is_empty()).then(|| what.join(", "))
}

/// Evaluates these systems against the directives in force and writes
/// what changed. With `only`, just those vulnerabilities are looked at (a
/// KEV entry added, a CVE record changed): other obligations stay as they
/// are.
pub async fn evaluate_systems(
    app: &App,
    actor: &Actor,
    systems: &[Uuid],
    only: Option<&BTreeSet<String>>,
    reason: &str,
) -> AppResult<EvaluationOut> {
    let mut cx = Context::new(app, only).await?;
    let mut out = EvaluationOut::default();
    let only_list: Option<Vec<String>> = only.map(|v| v.iter().cloned().collect());
    let mut orgs: HashMap<Uuid, Organization> = HashMap::new();
    // One batch is written while the next is evaluated (the database and
    // the evaluation each keep a core busy); batches are written in order.
    let mut writing: Option<(Writing, Vec<String>)> = None;
    for chunk in systems.chunks(100) {
        let stored = app
            .store
            .obligations_of_systems_on(chunk, only_list.as_deref())
            .await?;
        let mut by_system: HashMap<Uuid, Vec<StoredObligation>> = HashMap::new();
        for o in stored {
            by_system.entry(o.system_id).or_default().push(o);
        }
        let mut changes = Vec::new();
        let mut lines = Vec::new();
        let stored_systems = app.store.systems_by_id(chunk).await?;
        let unknown: BTreeSet<Uuid> = stored_systems
            .iter()
            .map(|s| s.org_id)
            .filter(|o| !orgs.contains_key(o))
            .collect();
        // Many agencies at once: every organization in a few pages rather
        // than one read each.
        if unknown.len() > 8 {
            let mut after = None;
            loop {
                let page = app
                    .store
                    .organizations(PageRequest {
                        after,
                        limit: PageRequest::MAX_LIMIT,
                    })
                    .await?;
                orgs.extend(page.items.into_iter().map(|o| (o.id, o)));
                match page.next {
                    Some(n) => after = Some(n),
                    None => break,
                }
            }
        }
        for o in unknown {
            if let std::collections::hash_map::Entry::Vacant(e) = orgs.entry(o) {
                e.insert(app.store.organization(o).await?);
            }
        }
        // Only what systems the directives bind hold is read.
        let bound: Vec<Uuid> = stored_systems
            .iter()
            .filter(|s| !cx.force.is_empty() && orgs.get(&s.org_id).is_some_and(|o| in_scope(o, s)))
            .map(|s| s.id)
            .collect();
        let held = Holdings::read(app, &mut cx, &bound, only).await?;
        for s in stored_systems {
            let Some(org) = orgs.get(&s.org_id).cloned() else {
                continue;
            };
            out.systems += 1;
            let stored_of = by_system.get(&s.id).map_or(&[][..], Vec::as_slice);
            let mut want = wanted(app, &mut cx, &held, &s, &org, only, stored_of).await?;
            for o in by_system.remove(&s.id).unwrap_or_default() {
                if only.is_some_and(|v| !v.contains(&o.vulnerability)) {
                    continue;
                }
                let key = (
                    o.subject.clone(),
                    o.vulnerability.clone(),
                    o.directive_id.clone(),
                );
                match (want.remove(&key), o.state) {
                    (Some(w), ObligationState::Open) => {
                        if let Some(why) = difference(&o, &w.new) {
                            lines.push(format!("{}: {why}{} ({reason})", o.id, w.note));
                            changes.push(ObligationChange::Revise {
                                id: o.id,
                                revision: revision(&w.new),
                                reason: format!("{reason}: {why}{}", w.note),
                            });
                        }
                    }
                    // Closed by itself and met again: it binds again. A
                    // closing answer or an approved exception stands.
                    (Some(w), ObligationState::Closed) => {
                        let by_itself = o.answer.is_none()
                            && o.closed_reason.as_deref() != Some("exception approved");
                        if by_itself {
                            lines.push(format!("{}: reopened ({reason})", o.id));
                            changes.push(ObligationChange::Reopen {
                                id: o.id,
                                revision: revision(&w.new),
                                reason: format!("{reason}: {} affected again", o.subject_name),
                            });
                        }
                    }
                    (None, ObligationState::Open) => {
                        let why = if !in_scope(&org, &s) {
                            "the system is outside the directives' scope".to_owned()
                        } else if !cx.force.iter().any(|l| l.stored.id == o.directive_id) {
                            format!("{} is no longer in force", o.directive_id)
                        } else if is_requirement_key(&o.vulnerability) {
                            format!(
                                "{} no longer applies to the system (its facts no longer meet it, or the directive dropped it)",
                                o.vulnerability
                            )
                        } else {
                            format!(
                                "{} is no longer on the system or no longer affected by {}",
                                o.subject_name, o.vulnerability
                            )
                        };
                        lines.push(format!("{}: closed, {why} ({reason})", o.id));
                        changes.push(ObligationChange::Close {
                            id: o.id,
                            reason: format!("{reason}: {why}"),
                        });
                    }
                    (None, ObligationState::Closed) => {}
                }
            }
            for (_, w) in want {
                changes.push(ObligationChange::Create(w.new));
            }
        }
        if let Some((w, l)) = writing.take() {
            out.add(&written(w).await?, l);
        }
        let (store, actor, why, now) = (
            app.store.clone(),
            actor.clone(),
            reason.to_owned(),
            app.now(),
        );
        writing = Some((
            tokio::spawn(async move {
                store
                    .apply_obligation_changes(&actor, &changes, &why, now)
                    .await
            }),
            lines,
        ));
    }
    if let Some((w, l)) = writing.take() {
        out.add(&written(w).await?, l);
    }
    Ok(out)
}

/// A batch of changes being written.
type Writing = tokio::task::JoinHandle<Result<Applied, bulwark_store::StoreError>>;

async fn written(w: Writing) -> AppResult<Applied> {
    Ok(w.await.map_err(|_| AppError::internal())??)
}

/// Evaluates every system (a directive loaded or revoked).
pub async fn evaluate_all(app: &App, actor: &Actor, reason: &str) -> AppResult<EvaluationOut> {
    let mut ids = Vec::new();
    let mut after = None;
    loop {
        let page = app
            .store
            .systems(PageRequest {
                after,
                limit: PageRequest::MAX_LIMIT,
            })
            .await?;
        ids.extend(page.items.iter().map(|s| s.id));
        match page.next {
            Some(n) => after = Some(n),
            None => break,
        }
    }
    evaluate_systems(app, actor, &ids, None, reason).await
}

/// The systems that hold something these vulnerabilities may affect: SBOM
/// components of the packages the advisories naming them name, products
/// KEV names for them, and systems with an obligation on them already.
pub async fn systems_for(app: &App, vulns: &BTreeSet<String>) -> AppResult<Vec<Uuid>> {
    let mut systems: BTreeSet<Uuid> = BTreeSet::new();
    let snapshot = app.matching.current(&app.store).await?;
    let mut packages: BTreeSet<(String, String)> = BTreeSet::new();
    for v in vulns {
        for a in snapshot.engine.index().lookup(v) {
            for p in a.affected.iter().filter_map(|x| x.package.as_ref()) {
                let (eco, _) = bulwark_matching::ecosystem::split_ecosystem(&p.ecosystem);
                let name = bulwark_matching::ecosystem::normalize_name(&eco, &p.name);
                packages.insert((eco, name));
            }
        }
        let mut keys: BTreeSet<(String, String)> = BTreeSet::new();
        for row in app.store.cve_affected_of(v).await? {
            keys.insert((row.vendor_key, row.product_key));
        }
        for (vendor, product) in &keys {
            for p in app.store.products_by_key(vendor, product).await? {
                systems.insert(p.system_id);
            }
        }
        if let Some(k) = app.store.kev_entry(v).await? {
            for p in app
                .store
                .products_by_key(
                    &name_key(&k.entry.vendor_project),
                    &name_key(&k.entry.product),
                )
                .await?
            {
                systems.insert(p.system_id);
            }
        }
        systems.extend(
            systems_with(
                app,
                &ObligationFilter {
                    vulnerability: Some(v.clone()),
                    ..ObligationFilter::default()
                },
            )
            .await?,
        );
    }
    let mut sboms: BTreeSet<Uuid> = BTreeSet::new();
    for (eco, name) in &packages {
        for (s, _) in app
            .store
            .package_components(eco, name, bulwark_store::MAX_PACKAGE_COMPONENTS)
            .await?
        {
            sboms.insert(s.id);
        }
    }
    let sboms: Vec<Uuid> = sboms.into_iter().collect();
    for (system, _) in app.store.systems_of_sboms(&sboms).await? {
        systems.insert(system);
    }
    Ok(systems.into_iter().collect())
}

/// After the feeds changed for these vulnerabilities (KEV entries added,
/// CVE records with new SSVC points, advisories imported): evaluates only
/// the systems that may hold them, only for them.
pub async fn on_vulnerabilities(
    app: &App,
    actor: &Actor,
    vulns: &BTreeSet<String>,
    reason: &str,
) -> AppResult<EvaluationOut> {
    if vulns.is_empty() || app.store.directives().await?.is_empty() {
        return Ok(EvaluationOut::default());
    }
    let systems = systems_for(app, vulns).await?;
    evaluate_systems(app, actor, &systems, Some(vulns), reason).await
}

// ---------------------------------------------------------------------------
// Reading obligations.
// ---------------------------------------------------------------------------

/// An obligation as the interfaces show it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ObligationOut {
    pub id: Uuid,
    pub org: Uuid,
    pub system: Uuid,
    pub subject: String,
    /// `component`, `product` or `system` (a requirement on the system itself).
    pub subject_kind: String,
    pub subject_name: String,
    pub subject_version: Option<String>,
    pub vulnerability: String,
    /// `ID@VERSION`.
    pub directive: String,
    pub rule: String,
    pub action: String,
    pub timeline: String,
    pub trigger_at: String,
    /// The date in force (an approved extension's, else the directive's);
    /// null: at the next upgrade.
    pub due_at: Option<String>,
    pub directive_due_at: Option<String>,
    pub extended_due_at: Option<String>,
    pub forensic: bool,
    /// `open` or `closed`.
    pub state: String,
    /// Open and past its date in force.
    pub overdue: bool,
    pub answer: Option<String>,
    pub closed_at: Option<String>,
    pub closed_reason: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

pub fn obligation_out(o: &StoredObligation, now: OffsetDateTime) -> ObligationOut {
    ObligationOut {
        id: o.id,
        org: o.org_id,
        system: o.system_id,
        subject: o.subject.clone(),
        subject_kind: o.subject_kind.clone(),
        subject_name: o.subject_name.clone(),
        subject_version: o.subject_version.clone(),
        vulnerability: o.vulnerability.clone(),
        directive: format!("{}@{}", o.directive_id, o.directive_version),
        rule: o.rule.clone(),
        action: o.action.clone(),
        timeline: o.timeline.clone(),
        trigger_at: ts(o.trigger_at),
        due_at: o.due_at.map(ts),
        directive_due_at: o.directive_due_at.map(ts),
        extended_due_at: o.extended_due_at.map(ts),
        forensic: o.forensic,
        state: o.state.as_str().to_owned(),
        overdue: o.overdue(now),
        answer: o.answer.map(|a| a.as_str().to_owned()),
        closed_at: o.closed_at.map(ts),
        closed_reason: o.closed_reason.clone(),
        created_at: ts(o.created_at),
        updated_at: ts(o.updated_at),
    }
}

/// One event in an obligation's history.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(as = ObligationEventOut)]
pub struct EventOut {
    pub seq: u64,
    pub at: String,
    pub kind: String,
    pub actor_user: Option<Uuid>,
    #[schema(value_type = Object)]
    pub detail: Value,
}

/// A request and its decision.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RequestOut {
    pub id: Uuid,
    pub obligation: Uuid,
    /// `extension` or `exception`.
    pub kind: String,
    pub requested_at: String,
    pub requested_due: Option<String>,
    pub justification: String,
    /// `pending`, `approved` or `denied`.
    pub state: String,
    pub decided_at: Option<String>,
    pub decided_due: Option<String>,
    pub conditions: Option<String>,
    pub decision_note: Option<String>,
}

pub fn request_out(r: &ObligationRequest) -> RequestOut {
    RequestOut {
        id: r.id,
        obligation: r.obligation_id,
        kind: r.kind.as_str().to_owned(),
        requested_at: ts(r.requested_at),
        requested_due: r.requested_due.map(ts),
        justification: r.justification.clone(),
        state: r.state.as_str().to_owned(),
        decided_at: r.decided_at.map(ts),
        decided_due: r.decided_due.map(ts),
        conditions: r.conditions.clone(),
        decision_note: r.decision_note.clone(),
    }
}

/// An obligation with its explanation, history and requests.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ObligationView {
    pub obligation: ObligationOut,
    pub system_name: String,
    pub org_name: String,
    /// The directive's evaluation: rule, deadlines, what to report and the
    /// explanation of every input with its source.
    #[schema(value_type = Object)]
    pub evaluation: Value,
    pub history: Vec<EventOut>,
    pub requests: Vec<RequestOut>,
    /// Whether the caller may answer it (never a requirement's: scans meet
    /// those).
    pub may_answer: bool,
    /// Whether the caller may ask for an extension or an exception.
    pub may_request: bool,
    pub may_decide: bool,
}

/// An obligation the caller may read (through its system), else 404.
async fn readable(
    app: &App,
    who: &Principal,
    id: Uuid,
) -> AppResult<(
    StoredObligation,
    StoredSystem,
    Organization,
    bulwark_authz::Resource,
)> {
    let o = app
        .store
        .obligation(id)
        .await
        .map_err(crate::not_found_as("obligation"))?;
    let (s, org, r) = readable_system(app, who, o.system_id)
        .await
        .map_err(|_| AppError::not_found("obligation"))?;
    Ok((o, s, org, r))
}

pub async fn get(app: &App, who: &Principal, id: Uuid) -> AppResult<ObligationView> {
    let (o, s, org, r) = readable(app, who, id).await?;
    let history = app
        .store
        .obligation_events(id)
        .await?
        .into_iter()
        .map(|e: ObligationEvent| EventOut {
            seq: e.seq,
            at: ts(e.at),
            kind: e.kind,
            actor_user: e.actor_user,
            detail: e.detail,
        })
        .collect();
    let requests = app
        .store
        .obligation_requests(id)
        .await?
        .iter()
        .map(request_out)
        .collect();
    Ok(ObligationView {
        obligation: obligation_out(&o, app.now()),
        system_name: s.name,
        org_name: org.name,
        evaluation: o.evaluation.clone(),
        history,
        requests,
        // A requirement is met by scans, never by an answer: no form for one.
        may_answer: !is_requirement_key(&o.vulnerability)
            && app.permits(who, Action::ObligationAnswer, &r),
        may_request: app.permits(who, Action::ObligationAnswer, &r),
        may_decide: app.permits(who, Action::ObligationDecide, &r),
    })
}

/// Which obligations a list asks for.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct ListQuery {
    /// An agency (the issuer may name any; an agency only itself).
    pub org: Option<Uuid>,
    pub system: Option<Uuid>,
    /// `open` or `closed`.
    pub state: Option<String>,
    pub vulnerability: Option<String>,
    pub directive: Option<String>,
    /// Only open ones past their date in force.
    #[serde(default)]
    pub overdue: bool,
    /// Only open ones due within this many days (not yet overdue).
    pub due_within_days: Option<u32>,
}

/// Obligations the caller may read, by id: an agency's own, or for the
/// issuer those of the systems it may see. Each system is judged once by
/// the policy.
pub async fn list(
    app: &App,
    who: &Principal,
    q: &ListQuery,
    page: PageRequest,
) -> AppResult<Page<ObligationOut>> {
    let now = app.now();
    let mut filter = ObligationFilter {
        org: q.org,
        system: q.system,
        state: q
            .state
            .as_deref()
            .map(parse_word::<ObligationState>)
            .transpose()?,
        vulnerability: q.vulnerability.as_deref().map(vulnerability_key),
        directive: q.directive.clone(),
        overdue_at: q.overdue.then_some(now),
        due_between: q
            .due_within_days
            .map(|d| (now, now + time::Duration::days(i64::from(d.min(3650))))),
    };
    if !who.org_issues_directives {
        // An agency reads its own; others read none.
        if q.org.is_some_and(|o| o != who.org_id) {
            return Ok(Page {
                items: Vec::new(),
                next: None,
            });
        }
        filter.org = Some(who.org_id);
    }
    let want = match page.limit {
        0 => PageRequest::DEFAULT_LIMIT,
        n => n.min(PageRequest::MAX_LIMIT),
    } as usize;
    let mut seen: HashMap<Uuid, bool> = HashMap::new();
    let mut gate = SystemGate::new(app, who, Action::SystemRead);
    let mut items = Vec::new();
    let mut after = page.after;
    loop {
        let found = app
            .store
            .obligations(
                &filter,
                PageRequest {
                    after,
                    limit: page.limit,
                },
            )
            .await?;
        for o in found.items {
            let ok = match seen.get(&o.system_id) {
                Some(ok) => *ok,
                None => {
                    let s = app.store.system(o.system_id).await?;
                    let ok = gate.allows(&s).await?;
                    seen.insert(o.system_id, ok);
                    ok
                }
            };
            if ok {
                items.push(obligation_out(&o, now));
                if items.len() == want {
                    let next = items.last().map(|o| o.id);
                    return Ok(Page { items, next });
                }
            }
        }
        match found.next {
            Some(n) => after = Some(n),
            None => return Ok(Page { items, next: None }),
        }
    }
}

// ---------------------------------------------------------------------------
// Answers and requests.
// ---------------------------------------------------------------------------

/// The agency's answer to an obligation.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AnswerIn {
    /// `in_progress`, `remediated`, `mitigated` or `not_affected`.
    pub answer: String,
    /// What was done, or why the system is not affected.
    pub note: Option<String>,
    /// Evidence: a ticket, a scan, a document's address.
    pub evidence: Option<String>,
    /// For `not_affected`: the VEX justification
    /// (`component_not_present`, `vulnerable_code_not_present`,
    /// `vulnerable_code_not_in_execute_path`,
    /// `vulnerable_code_cannot_be_controlled_by_adversary`,
    /// `inline_mitigations_already_exist`).
    pub justification: Option<String>,
}

/// The VEX justifications (CISA's minimum requirements, OpenVEX's words).
pub const JUSTIFICATIONS: [&str; 5] = [
    "component_not_present",
    "vulnerable_code_not_present",
    "vulnerable_code_not_in_execute_path",
    "vulnerable_code_cannot_be_controlled_by_adversary",
    "inline_mitigations_already_exist",
];

fn check_text(field: &str, v: &Option<String>, max: usize) -> AppResult<()> {
    if let Some(t) = v
        && (t.chars().count() > max || t.chars().any(|c| c.is_control() && c != '\n'))
    {
        return Err(AppError::validation(format!(
            "{field}: at most {max} characters, without control characters"
        )));
    }
    Ok(())
}

/// Answers an obligation, under `obligation.answer` on its system.
/// `not_affected` needs a VEX justification; `remediated` and `mitigated`
/// need a note or evidence. The history keeps every answer.
pub async fn answer(app: &App, who: &Acting, id: Uuid, body: AnswerIn) -> AppResult<ObligationOut> {
    let (o, _, _, r) = readable(app, &who.principal, id).await?;
    app.authorize(&who.principal, Action::ObligationAnswer, &r)?;
    if is_requirement_key(&o.vulnerability) {
        return Err(AppError::validation(
            "a requirement is met by the clearinghouse's records of scans, not by an answer: \
             release a claim by a tool of its class on one of the system's components, \
             or request an extension or exception",
        ));
    }
    let answer: Answer = parse_word(&body.answer)?;
    check_text("note", &body.note, 4000)?;
    check_text("evidence", &body.evidence, 2000)?;
    let justification = body
        .justification
        .as_deref()
        .map(|j| j.trim().to_ascii_lowercase());
    if let Some(j) = &justification
        && !JUSTIFICATIONS.contains(&j.as_str())
    {
        return Err(AppError::validation(format!(
            "justification {j:?} is not one of: {}",
            JUSTIFICATIONS.join(", ")
        )));
    }
    match answer {
        Answer::NotAffected if justification.is_none() => {
            return Err(AppError::validation(
                "not_affected needs a justification, as a VEX statement does",
            ));
        }
        Answer::Remediated | Answer::Mitigated
            if body.note.as_deref().is_none_or(|n| n.trim().is_empty())
                && body.evidence.as_deref().is_none_or(|n| n.trim().is_empty()) =>
        {
            return Err(AppError::validation(format!(
                "{} needs a note or evidence of what was done",
                answer.as_str()
            )));
        }
        _ => {}
    }
    let detail = json!({
        "note": body.note,
        "evidence": body.evidence,
        "justification": justification,
    });
    let o = app
        .store
        .answer_obligation(&who.actor, id, answer, &detail, app.now())
        .await?;
    Ok(obligation_out(&o, app.now()))
}

/// An extension or exception request.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RequestIn {
    /// `extension` or `exception`.
    pub kind: String,
    /// For an extension: the due date asked for, RFC 3339 with an offset.
    pub due: Option<String>,
    pub justification: String,
}

fn rfc3339_in(field: &str, s: &str) -> AppResult<OffsetDateTime> {
    OffsetDateTime::parse(s.trim(), &time::format_description::well_known::Rfc3339)
        .map(|t| t.to_offset(time::UtcOffset::UTC))
        .map_err(|e| {
            AppError::validation(format!(
                "{field}: {s:?} is not an RFC 3339 time with an offset: {e}"
            ))
        })
}

/// Files a request, under `obligation.answer`.
pub async fn request(app: &App, who: &Acting, id: Uuid, body: RequestIn) -> AppResult<RequestOut> {
    let (o, _, _, r) = readable(app, &who.principal, id).await?;
    app.authorize(&who.principal, Action::ObligationAnswer, &r)?;
    let kind: RequestKind = parse_word(&body.kind)?;
    let due = body
        .due
        .as_deref()
        .map(|d| rfc3339_in("due", d))
        .transpose()?;
    if let (Some(d), Some(current)) = (due, o.due_at)
        && d <= current
    {
        return Err(AppError::validation(format!(
            "due: an extension asks for a date after the one in force ({})",
            ts(current)
        )));
    }
    let req = app
        .store
        .request_on_obligation(&who.actor, id, kind, due, &body.justification, app.now())
        .await?;
    Ok(request_out(&req))
}

/// The issuer's decision.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[schema(as = RequestDecisionIn)]
#[serde(deny_unknown_fields)]
pub struct DecisionIn {
    /// `approve` or `deny`.
    pub decision: String,
    /// For an approved extension: the new due date (default: the date asked
    /// for), RFC 3339 with an offset.
    pub due: Option<String>,
    pub conditions: Option<String>,
    pub note: Option<String>,
}

/// Decides a request, under `obligation.decide` on the obligation's system.
pub async fn decide(
    app: &App,
    who: &Acting,
    request_id: Uuid,
    body: DecisionIn,
) -> AppResult<RequestOut> {
    let req = app
        .store
        .obligation_request(request_id)
        .await
        .map_err(crate::not_found_as("request"))?;
    let (_, _, _, r) = readable(app, &who.principal, req.obligation_id)
        .await
        .map_err(|_| AppError::not_found("request"))?;
    app.authorize(&who.principal, Action::ObligationDecide, &r)?;
    let approve = match body.decision.trim().to_ascii_lowercase().as_str() {
        "approve" | "approved" => true,
        "deny" | "denied" => false,
        other => {
            return Err(AppError::validation(format!(
                "decision {other:?} is not one of: approve, deny"
            )));
        }
    };
    check_text("conditions", &body.conditions, 4000)?;
    check_text("note", &body.note, 4000)?;
    let due = body
        .due
        .as_deref()
        .map(|d| rfc3339_in("due", d))
        .transpose()?;
    let decided = app
        .store
        .decide_request(
            &who.actor,
            request_id,
            approve,
            due,
            body.conditions.as_deref(),
            body.note.as_deref(),
            app.now(),
        )
        .await?;
    Ok(request_out(&decided))
}

// ---------------------------------------------------------------------------
// Compliance.
// ---------------------------------------------------------------------------

/// Counts for one agency, system, directive or vulnerability.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CountsOut {
    /// The id counted under (an agency's or system's id, a directive id, a
    /// vulnerability id).
    pub key: String,
    /// A name for the key, where it has one (an agency's, a system's).
    pub name: Option<String>,
    pub open: u64,
    pub due_soon: u64,
    pub overdue: u64,
    pub closed: u64,
    pub closed_on_time: u64,
    pub oldest_overdue: Option<String>,
    /// Days the oldest overdue obligation is past its date.
    pub oldest_overdue_days: Option<i64>,
    pub mean_hours_to_close: Option<f64>,
}

fn counts_out(c: ObligationCounts, name: Option<String>, now: OffsetDateTime) -> CountsOut {
    CountsOut {
        key: c.key,
        name,
        open: c.open,
        due_soon: c.due_soon,
        overdue: c.overdue,
        closed: c.closed,
        closed_on_time: c.closed_on_time,
        oldest_overdue: c.oldest_overdue.map(ts),
        oldest_overdue_days: c.oldest_overdue.map(|d| (now - d).whole_days()),
        mean_hours_to_close: c.mean_hours_to_close,
    }
}

/// Adds one group's counts to a total; `hours` sums the hours to close
/// (mean × closed), for the total's mean.
fn add_counts(total: &mut ObligationCounts, hours: &mut f64, c: &ObligationCounts) {
    total.open += c.open;
    total.due_soon += c.due_soon;
    total.overdue += c.overdue;
    total.closed += c.closed;
    total.closed_on_time += c.closed_on_time;
    total.oldest_overdue = match (total.oldest_overdue, c.oldest_overdue) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    };
    *hours += c.mean_hours_to_close.unwrap_or(0.0) * c.closed as f64;
}

/// How soon "due soon" is.
pub const DUE_SOON_DAYS: i64 = 7;

/// One agency's compliance: per system and per directive, under
/// `system.read` on each system (an agency for itself; the issuer for a
/// civilian agency).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AgencyCompliance {
    pub org: Uuid,
    pub org_name: String,
    pub total: Option<CountsOut>,
    pub systems: Vec<CountsOut>,
    pub directives: Vec<CountsOut>,
}

pub async fn agency_compliance(
    app: &App,
    who: &Principal,
    org: Uuid,
) -> AppResult<AgencyCompliance> {
    let o = app
        .store
        .organization(org)
        .await
        .map_err(crate::not_found_as("organization"))?;
    let now = app.now();
    let soon = now + time::Duration::days(DUE_SOON_DAYS);
    let filter = ObligationFilter {
        org: Some(org),
        ..ObligationFilter::default()
    };
    let by_system = app
        .store
        .obligation_counts(CountBy::System, &filter, now, soon)
        .await?;
    let ids: Vec<Uuid> = by_system
        .iter()
        .filter_map(|c| c.key.parse().ok())
        .collect();
    let systems: HashMap<Uuid, StoredSystem> = app
        .store
        .systems_by_id(&ids)
        .await?
        .into_iter()
        .map(|s| (s.id, s))
        .collect();
    let may = |id: &str| {
        id.parse::<Uuid>()
            .ok()
            .and_then(|id| systems.get(&id))
            .is_some_and(|s| app.permits(who, Action::SystemRead, &system_resource(s, &o)))
    };
    if who.org_id != org
        && !app.permits(
            who,
            Action::ComplianceReadAll,
            &bulwark_authz::Resource::Program,
        )
    {
        return Err(AppError::not_found("organization"));
    }
    let mut total = ObligationCounts {
        key: org.to_string(),
        ..ObligationCounts::default()
    };
    let mut closed_hours = 0.0;
    let mut out_systems = Vec::new();
    for c in by_system {
        if !may(&c.key) {
            continue;
        }
        add_counts(&mut total, &mut closed_hours, &c);
        let name = c
            .key
            .parse::<Uuid>()
            .ok()
            .and_then(|id| systems.get(&id))
            .map(|s| s.name.clone());
        out_systems.push(counts_out(c, name, now));
    }
    total.mean_hours_to_close = (total.closed > 0).then(|| closed_hours / total.closed as f64);
    let any = !out_systems.is_empty();
    // By directive: only when every system of the agency was readable,
    // else the counts would include what the caller may not see.
    let directives = if out_systems.len() == ids.len() {
        app.store
            .obligation_counts(CountBy::Directive, &filter, now, soon)
            .await?
            .into_iter()
            .map(|c| counts_out(c, None, now))
            .collect()
    } else {
        Vec::new()
    };
    Ok(AgencyCompliance {
        org,
        org_name: o.name,
        total: any.then(|| counts_out(total, None, now)),
        systems: out_systems,
        directives,
    })
}

/// Every agency side by side (the issuer's view, `compliance.read_all`):
/// counts over the systems the issuer may see, most overdue first.
pub async fn government_wide(app: &App, who: &Principal) -> AppResult<Vec<CountsOut>> {
    app.authorize(
        who,
        Action::ComplianceReadAll,
        &bulwark_authz::Resource::Program,
    )?;
    let now = app.now();
    let soon = now + time::Duration::days(DUE_SOON_DAYS);
    // Each system's counts come with its agency and flag: the 20,000
    // systems of a government need no second read.
    let by_system = app
        .store
        .obligation_counts_by_system(&ObligationFilter::default(), now, soon)
        .await?;
    let mut gate = SystemGate::new(app, who, Action::SystemRead);
    let mut names: HashMap<Uuid, String> = HashMap::new();
    let mut per_org: BTreeMap<Uuid, (ObligationCounts, f64)> = BTreeMap::new();
    for row in by_system {
        if !gate.allows_facts(row.org, row.national_security).await? {
            continue;
        }
        let (org, c) = (row.org, row.counts);
        if let std::collections::hash_map::Entry::Vacant(e) = names.entry(org) {
            e.insert(gate.org(org).await?.name.clone());
        }
        let (t, hours) = per_org.entry(org).or_insert_with(|| {
            (
                ObligationCounts {
                    key: org.to_string(),
                    ..ObligationCounts::default()
                },
                0.0,
            )
        });
        add_counts(t, hours, &c);
    }
    let mut out: Vec<CountsOut> = per_org
        .into_iter()
        .map(|(org, (mut c, hours))| {
            c.mean_hours_to_close = (c.closed > 0).then(|| hours / c.closed as f64);
            let name = names.get(&org).cloned();
            counts_out(c, name, now)
        })
        .collect();
    out.sort_by(|a, b| b.overdue.cmp(&a.overdue).then(a.key.cmp(&b.key)));
    Ok(out)
}

/// Who is still exposed to one vulnerability, agency by agency (the view
/// an emergency directive needs), over the systems the caller may see.
pub async fn vulnerability_view(
    app: &App,
    who: &Principal,
    vuln: &str,
) -> AppResult<Vec<CountsOut>> {
    let vuln = vulnerability_key(vuln);
    let mut rows: BTreeMap<Uuid, ObligationCounts> = BTreeMap::new();
    let mut names: HashMap<Uuid, String> = HashMap::new();
    let mut after = None;
    let now = app.now();
    loop {
        let page = list(
            app,
            who,
            &ListQuery {
                vulnerability: Some(vuln.clone()),
                ..ListQuery::default()
            },
            PageRequest {
                after,
                limit: PageRequest::MAX_LIMIT,
            },
        )
        .await?;
        for o in &page.items {
            let c = rows.entry(o.org).or_insert_with(|| ObligationCounts {
                key: o.org.to_string(),
                ..ObligationCounts::default()
            });
            if o.state == "open" {
                c.open += 1;
                if o.overdue {
                    c.overdue += 1;
                }
            } else {
                c.closed += 1;
            }
            if let std::collections::hash_map::Entry::Vacant(e) = names.entry(o.org) {
                e.insert(app.store.organization(o.org).await?.name);
            }
        }
        match page.next {
            Some(n) => after = Some(n),
            None => break,
        }
    }
    Ok(rows
        .into_iter()
        .map(|(org, c)| counts_out(c, names.get(&org).cloned(), now))
        .collect())
}

/// A vulnerability as obligations are keyed: an advisory id in upper case
/// (`cve-2024-1` is `CVE-2024-1`), a requirement (`requirement:<id>`) as
/// the directive writes its id, in lower case.
pub fn vulnerability_key(v: &str) -> String {
    let v = v.trim();
    match v.get(..requirements::REQUIREMENT_PREFIX.len()) {
        Some(p) if p.eq_ignore_ascii_case(requirements::REQUIREMENT_PREFIX) => {
            v.to_ascii_lowercase()
        }
        _ => v.to_ascii_uppercase(),
    }
}

/// Is the answer one that ends an obligation.
pub fn closing(answer: &str) -> bool {
    answer.parse::<Answer>().is_ok_and(Answer::closes)
}

/// The systems of every obligation `filter` passes, read page by page.
pub(super) async fn systems_with(
    app: &App,
    filter: &ObligationFilter,
) -> AppResult<BTreeSet<Uuid>> {
    let mut systems = BTreeSet::new();
    let mut after = None;
    loop {
        let page = app
            .store
            .obligations(
                filter,
                PageRequest {
                    after,
                    limit: PageRequest::MAX_LIMIT,
                },
            )
            .await?;
        systems.extend(page.items.iter().map(|o| o.system_id));
        match page.next {
            Some(n) => after = Some(n),
            None => return Ok(systems),
        }
    }
}
