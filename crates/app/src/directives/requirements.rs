//! Obligations from a directive's requirements on systems (issue 20): "every
//! high-value asset scanned by an approved AI-enabled tool at least every
//! 30 days", met by the clearinghouse's own records, never by a checkbox.
//!
//! For each system in scope whose own facts meet a requirement's `when`
//! there is one obligation: subject `system:<id>` (kind `system`),
//! vulnerability `requirement:<id>`, timeline `every N days`. Its due date
//! is the last qualifying scan + N, or, before one, the trigger + N. The
//! trigger is the directive's effective date or, when later, the last
//! change of the system when the obligation was created or reopened (a
//! system flagged a high-value asset today is not overdue today); while
//! the obligation is open its trigger stands.
//!
//! A qualifying scan is a scan claim released with `findings` or
//! `nothing_found` at or after the trigger (abandoned is no scan), whose
//! `tool` is exactly the `reports_as` of a catalogue entry that is
//! approved *now* and of the requirement's class (kind, AI-enabled), on a
//! target that names one of the system's components: a purl target and a
//! component purl of a live attached SBOM that are the same package (after
//! the type's normalisation, without version, qualifiers or subpath: a
//! scan of the package counts whatever version the system runs), or a CPE
//! target with the part, vendor and product of one of the system's
//! products. Approval is judged now because the catalogue's judgment is of
//! the tool, not of a date: a tool approved later makes its earlier scans
//! count, a withdrawn one stops counting, and either re-evaluates the
//! systems bound (`on_catalogue_changed`), so the due date moves with an
//! event naming why. Repository targets count for nothing yet: an
//! inventory names no repositories.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use bulwark_core::{ClaimOutcome, ObligationState, TargetKind, Tri};
use bulwark_directive::{Directive, Requirement, SystemFacts};
use bulwark_store::{
    Actor, NewObligation, ObligationFilter, ReleasedScan, ScanClaim, StoredObligation,
    StoredProduct, StoredSystem, StoredTool,
};
use bulwark_tools::ToolKind;
use bulwark_versions::Purl;
use serde_json::{Value, json};
use time::OffsetDateTime;
use uuid::Uuid;

use super::Loaded;
use super::obligations::{EvaluationOut, evaluate_systems};
use crate::{App, AppResult, ts};

/// The prefix of a requirement obligation's `vulnerability`.
pub const REQUIREMENT_PREFIX: &str = "requirement:";

/// The `vulnerability` key of a requirement's obligations.
pub fn requirement_key(id: &str) -> String {
    format!("{REQUIREMENT_PREFIX}{id}")
}

/// Whether an obligation's `vulnerability` names a requirement.
pub fn is_requirement_key(v: &str) -> bool {
    v.starts_with(REQUIREMENT_PREFIX)
}

/// The subject of a requirement obligation: the system itself.
pub fn system_subject(system: Uuid) -> String {
    format!("system:{system}")
}

/// The key two purls of one package share: the purl without version,
/// qualifiers and subpath, after the type's normalisation. `None` for
/// what is not a purl.
pub fn package_key(purl: &str) -> Option<String> {
    Purl::parse_lenient(purl)
        .ok()
        .map(|p| p.package().to_string())
}

/// `cpe:2.3:part:vendor:product`, lowercased: what a CPE target and a
/// product's CPE must share.
fn cpe_key(cpe: &str) -> Option<String> {
    let fields: Vec<&str> = cpe.split(':').collect();
    (fields.len() >= 5 && fields[0].eq_ignore_ascii_case("cpe") && fields[1] == "2.3")
        .then(|| fields[..5].join(":").to_ascii_lowercase())
}

/// The key a scan's target is filed under, `None` for a target no
/// system's component can be (a repository).
fn target_key(scan: &ReleasedScan) -> Option<String> {
    match scan.target.kind() {
        TargetKind::Purl => package_key(scan.target.locator()),
        TargetKind::Cpe => cpe_key(scan.target.locator()),
        TargetKind::Repo => None,
    }
}

/// The catalogue entries each requirement counts, and every released scan
/// by one of them, read once per evaluation.
pub(super) struct Evidence {
    /// (directive id, requirement id) → the entries of its class.
    tools: HashMap<(String, String), Vec<StoredTool>>,
    /// Target key → scans on it, newest first.
    by_key: HashMap<String, Vec<ReleasedScan>>,
}

/// Whether an approved entry is of a requirement's class.
fn admitted(req: &Requirement, t: &StoredTool) -> bool {
    t.state == "approved"
        && t.fields
            .kind
            .parse::<ToolKind>()
            .is_ok_and(|k| req.tool.admits(k, t.fields.ai_enabled))
}

impl Evidence {
    pub(super) async fn load(app: &App, force: &[Loaded]) -> AppResult<Evidence> {
        let approved = app.store.tools(Some("approved")).await?;
        let mut tools = HashMap::new();
        let mut names: BTreeSet<String> = BTreeSet::new();
        let mut since: Option<OffsetDateTime> = None;
        for l in force {
            let d = &l.directive;
            for r in d.requirements() {
                let class: Vec<StoredTool> = approved
                    .iter()
                    .filter(|t| admitted(r, t))
                    .cloned()
                    .collect();
                names.extend(class.iter().map(|t| t.fields.reports_as.clone()));
                tools.insert((d.id().to_owned(), r.id.clone()), class);
                let effective = d.effective().midnight().assume_utc();
                since = Some(since.map_or(effective, |s| s.min(effective)));
            }
        }
        let mut by_key: HashMap<String, Vec<ReleasedScan>> = HashMap::new();
        if let Some(since) = since
            && !names.is_empty()
        {
            let names: Vec<String> = names.into_iter().collect();
            for scan in app.store.scans_released_by(&names, since).await? {
                if let Some(k) = target_key(&scan) {
                    by_key.entry(k).or_default().push(scan);
                }
            }
        }
        Ok(Evidence { tools, by_key })
    }
}

/// What a system holds that a scan may name: package keys of its live
/// SBOMs' components and CPE keys of its products.
#[derive(Debug, Default)]
pub(super) struct Components {
    pub packages: BTreeSet<String>,
    pub sboms: usize,
    pub cpes: BTreeSet<String>,
}

impl Components {
    pub(super) fn add_products(&mut self, products: &[StoredProduct]) {
        for p in products.iter().filter(|p| p.removed_at.is_none()) {
            if let Some(k) = p.cpe.as_deref().and_then(cpe_key) {
                self.cpes.insert(k);
            }
        }
    }
}

/// A wanted requirement obligation and, for a revision, what met it.
pub(super) struct WantedRequirement {
    pub new: NewObligation,
    /// Appended to the reason of a moved due date: the scan that met it,
    /// or that none counts any more.
    pub note: String,
}

fn tri_word(t: Tri) -> Option<&'static str> {
    match t {
        Tri::Yes => Some("yes"),
        Tri::No => Some("no"),
        Tri::Unknown => None,
    }
}

/// The system's own facts as a requirement reads them.
fn system_facts(s: &StoredSystem) -> SystemFacts {
    SystemFacts::new()
        .with(
            "high_value_asset",
            tri_word(s.high_value_asset),
            "the agency's high-value-asset flag",
        )
        .with(
            "publicly_exposed",
            tri_word(s.publicly_exposed),
            "the agency's exposure flag",
        )
        .with(
            "national_security_system",
            Some(if s.national_security { "yes" } else { "no" }),
            "the agency's system record",
        )
}

/// Whether some requirement in force applies to `s`: the evidence is read
/// only for a system that needs it.
pub(super) fn any_applies(force: &[Loaded], s: &StoredSystem) -> bool {
    let facts = system_facts(s);
    force.iter().any(|l| {
        l.directive
            .requirements()
            .iter()
            .any(|r| l.directive.requirement_applies(r, &facts).applies)
    })
}

/// The requirement obligations the directives in force give `s` (in scope:
/// the caller checked), keyed by (subject, vulnerability, directive id).
pub(super) fn wanted(
    force: &[Loaded],
    evidence: &Evidence,
    s: &StoredSystem,
    components: &Components,
    stored: &[StoredObligation],
) -> BTreeMap<(String, String, String), WantedRequirement> {
    let mut out = BTreeMap::new();
    let facts = system_facts(s);
    let subject = system_subject(s.id);
    for l in force {
        let d: &Directive = &l.directive;
        for r in d.requirements() {
            let applicability = d.requirement_applies(r, &facts);
            if !applicability.applies {
                continue;
            }
            let vulnerability = requirement_key(&r.id);
            let open = stored.iter().find(|o| {
                o.subject == subject
                    && o.vulnerability == vulnerability
                    && o.directive_id == d.id()
                    && o.state == ObligationState::Open
            });
            let effective = d.effective().midnight().assume_utc();
            let (trigger, trigger_why) = match open {
                Some(o) => (
                    o.trigger_at,
                    "kept from when the obligation began".to_owned(),
                ),
                None if s.updated_at > effective => (
                    s.updated_at,
                    "the system's last change, when it came under the requirement".to_owned(),
                ),
                None => (effective, "the directive's effective date".to_owned()),
            };
            let class = evidence
                .tools
                .get(&(d.id().to_owned(), r.id.clone()))
                .map_or(&[][..], Vec::as_slice);
            let names: BTreeSet<&str> =
                class.iter().map(|t| t.fields.reports_as.as_str()).collect();
            let met = components
                .packages
                .iter()
                .chain(&components.cpes)
                .filter_map(|k| evidence.by_key.get(k))
                .filter_map(|scans| scans.iter().find(|sc| names.contains(sc.tool.as_str())))
                .filter(|sc| sc.released_at >= trigger)
                .max_by(|a, b| {
                    a.released_at
                        .cmp(&b.released_at)
                        .then(a.claim.cmp(&b.claim))
                });

            let mut explanation = applicability.explanation;
            explanation.push(format!("trigger = {} ({trigger_why})", ts(trigger)));
            explanation.push(if class.is_empty() {
                format!(
                    "tools that count: {}: none is in the catalogue yet",
                    r.tool.describe()
                )
            } else {
                let listed: Vec<String> = class
                    .iter()
                    .map(|t| format!("{} (reports as {:?})", t.fields.name, t.fields.reports_as))
                    .collect();
                format!(
                    "tools that count: {}: {}",
                    r.tool.describe(),
                    listed.join(", ")
                )
            });
            explanation.push(if components.packages.is_empty() && components.cpes.is_empty() {
                "components a scan may name: none (no SBOM with package URLs and no product with a CPE attached)".to_owned()
            } else {
                format!(
                    "components a scan may name: {} package(s) of {} attached SBOM(s), {} product CPE(s)",
                    components.packages.len(),
                    components.sboms,
                    components.cpes.len()
                )
            });
            let (from, met_by, note) = match met {
                Some(sc) => {
                    explanation.push(format!(
                        "last qualifying scan: claim {} with {:?} on {} ({}), released {}",
                        sc.claim,
                        sc.tool,
                        sc.target,
                        sc.outcome,
                        ts(sc.released_at)
                    ));
                    (
                        sc.released_at,
                        json!({
                            "claim": sc.claim,
                            "org": sc.org_id,
                            "tool": sc.tool,
                            "target": sc.target.to_string(),
                            "outcome": sc.outcome.as_str(),
                            "released_at": ts(sc.released_at),
                        }),
                        format!(
                            "; met by claim {} ({:?} on {}, {}, released {})",
                            sc.claim,
                            sc.tool,
                            sc.target,
                            sc.outcome,
                            ts(sc.released_at)
                        ),
                    )
                }
                None => {
                    explanation.push("last qualifying scan: none since the trigger".to_owned());
                    (
                        trigger,
                        Value::Null,
                        "; no qualifying scan since the trigger counts (none made, or its tool no longer approved)"
                            .to_owned(),
                    )
                }
            };
            let due = r.due_after(from);
            explanation.push(match due {
                Some(due) if met_by.is_null() => {
                    format!("due = trigger + {} = {}", r.every, ts(due))
                }
                Some(due) => format!("due = last qualifying scan + {} = {}", r.every, ts(due)),
                None => "due = none: past the calendar's end".to_owned(),
            });
            let evaluation = json!({
                "directive": d.citation(),
                "rule": r.id,
                "requirement": r.id,
                "action": r.action,
                "timeline": r.timeline(),
                "due": due.map(ts),
                "forensic": false,
                "deadlines": [],
                "report": [],
                "tool_class": r.tool,
                "met_by": met_by,
                "explanation": explanation,
            });
            out.insert(
                (subject.clone(), vulnerability.clone(), d.id().to_owned()),
                WantedRequirement {
                    new: NewObligation {
                        org_id: s.org_id,
                        system_id: s.id,
                        subject: subject.clone(),
                        subject_kind: "system".into(),
                        subject_name: s.name.clone(),
                        subject_version: None,
                        vulnerability,
                        directive_id: d.id().to_owned(),
                        directive_version: d.version().to_owned(),
                        rule: r.id.clone(),
                        action: r.action.clone(),
                        timeline: r.timeline(),
                        trigger_at: trigger,
                        due_at: due,
                        forensic: false,
                        evaluation,
                    },
                    note,
                },
            );
        }
    }
    out
}

/// The `vulnerability` keys of every requirement of the directives in force.
async fn requirement_keys(app: &App) -> AppResult<BTreeSet<String>> {
    let all = super::all_loaded(app).await?;
    Ok(super::in_force(&all)
        .iter()
        .flat_map(|l| {
            l.directive
                .requirements()
                .iter()
                .map(|r| requirement_key(&r.id))
        })
        .collect())
}

/// The systems with an open obligation under one of these requirement
/// keys: the only ones a scan or a catalogue decision can move (neither
/// makes a system bound; its facts do).
async fn bound_systems(app: &App, keys: &BTreeSet<String>) -> AppResult<Vec<Uuid>> {
    let mut systems = BTreeSet::new();
    for k in keys {
        let filter = ObligationFilter {
            vulnerability: Some(k.clone()),
            state: Some(ObligationState::Open),
            ..ObligationFilter::default()
        };
        systems.extend(super::obligations::systems_with(app, &filter).await?);
    }
    Ok(systems.into_iter().collect())
}

/// The systems with an SBOM holding the package a purl claim scanned, read
/// from the components' index; `None` when that cannot narrow them (not a
/// purl, no OSV ecosystem, a distribution package looked up under its
/// source name, or more components than one read gives): then every bound
/// system is evaluated, and the evaluation decides.
async fn systems_holding(app: &App, claim: &ScanClaim) -> AppResult<Option<BTreeSet<Uuid>>> {
    if claim.target.kind() != TargetKind::Purl {
        return Ok(None);
    }
    let Ok(purl) = Purl::parse_lenient(claim.target.locator()) else {
        return Ok(None);
    };
    if matches!(purl.ty(), "deb" | "apk" | "rpm") {
        return Ok(None);
    }
    let Ok(target) = bulwark_matching::ecosystem::target_of(&purl) else {
        return Ok(None);
    };
    let mut sboms = BTreeSet::new();
    for name in &target.names {
        let found = app
            .store
            .package_components(
                &target.ecosystem,
                name,
                bulwark_store::MAX_PACKAGE_COMPONENTS,
            )
            .await?;
        if found.len() >= bulwark_store::MAX_PACKAGE_COMPONENTS as usize {
            return Ok(None);
        }
        sboms.extend(found.into_iter().map(|(s, _)| s.id));
    }
    let sboms: Vec<Uuid> = sboms.into_iter().collect();
    Ok(Some(
        app.store
            .systems_of_sboms(&sboms)
            .await?
            .into_iter()
            .map(|(system, _)| system)
            .collect(),
    ))
}

/// Re-evaluates the requirement obligations of every system bound by one,
/// and nothing else. For the catalogue's use cases: call it after an entry
/// is approved, withdrawn, rejected or sent back for approval (its scans
/// start or stop counting).
pub async fn on_catalogue_changed(
    app: &App,
    actor: &Actor,
    reason: &str,
) -> AppResult<EvaluationOut> {
    let keys = requirement_keys(app).await?;
    if keys.is_empty() {
        return Ok(EvaluationOut::default());
    }
    let systems = bound_systems(app, &keys).await?;
    evaluate_systems(app, actor, &systems, Some(&keys), reason).await
}

/// After a claim was released: re-evaluates the requirement obligations it
/// may meet. Nothing is read unless it is a scan (findings or nothing
/// found) by an approved catalogue entry some requirement in force counts.
pub async fn on_claim_released(
    app: &App,
    actor: &Actor,
    claim: &ScanClaim,
) -> AppResult<EvaluationOut> {
    let scanned = matches!(
        claim.outcome,
        Some(ClaimOutcome::Findings | ClaimOutcome::NothingFound)
    );
    let Some(tool) = claim.tool.as_deref().filter(|_| scanned) else {
        return Ok(EvaluationOut::default());
    };
    let all = super::all_loaded(app).await?;
    let force = super::in_force(&all);
    let reqs: Vec<&Requirement> = force
        .iter()
        .flat_map(|l| l.directive.requirements())
        .collect();
    if reqs.is_empty() {
        return Ok(EvaluationOut::default());
    }
    let entry = match app.store.tool_reporting_as(tool).await {
        Ok(t) => t,
        Err(bulwark_store::StoreError::NotFound) => return Ok(EvaluationOut::default()),
        Err(e) => return Err(e.into()),
    };
    let keys: BTreeSet<String> = reqs
        .iter()
        .filter(|r| admitted(r, &entry))
        .map(|r| requirement_key(&r.id))
        .collect();
    if keys.is_empty() {
        return Ok(EvaluationOut::default());
    }
    let mut systems = bound_systems(app, &keys).await?;
    if let Some(holding) = systems_holding(app, claim).await? {
        systems.retain(|s| holding.contains(s));
    }
    evaluate_systems(
        app,
        actor,
        &systems,
        Some(&keys),
        &format!("claim {} released ({tool:?} on {})", claim.id, claim.target),
    )
    .await
}
