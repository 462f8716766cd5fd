//! Notice to exactly those affected (issue 18, item 6).
//!
//! When an advisory of the program is released to its parties or published,
//! [`notify_affected`] asks the store which stored components are a package
//! the advisory's OSV record names (an index read per package), evaluates
//! each distinct target once with the matching engine's [`Inventory`] (the
//! same evaluation as every other match in Bulwark), groups the affected
//! components by the organization that owns the SBOM, and writes one notice
//! per organization naming its own components and the fix, with one
//! `advisory.affects_you` webhook event each (see
//! [`crate::webhooks::event_subject`]: only members of that organization
//! may receive it). Running it again for the same advisory (a new revision)
//! adds only what is new. A component the advisory names but cannot be
//! decided for (no version, a version the ecosystem refuses) gets no notice:
//! a notice says "you are affected", and that was not established.
//!
//! The advisory and its OSV record are kept among the advisories that
//! notify, so that an SBOM uploaded later is checked against each of them
//! ([`check_new_sbom`], called by the upload) and its organization notified.
//!
//! Reading: an organization's members read its notices
//! (`notice.read` on their organization), its writers mark them read
//! (`notice.acknowledge`); per advisory, the operator and the directives'
//! issuer see how many organizations and components are affected
//! (`notice.read_counts`), and which organizations only those
//! `notice.read_names` permits (no one, as the policy stands).

use std::collections::{BTreeMap, HashMap, HashSet};

use bulwark_authz::{Action, Resource};
use bulwark_core::Principal;
use bulwark_matching::ecosystem::{normalize_name, split_ecosystem};
use bulwark_matching::engine::Component;
use bulwark_matching::osv::Advisory;
use bulwark_matching::{Finding, Inventory, target_of};
use bulwark_store::{
    Actor, NewNotice, NoticeAdvisory, NoticeComponent, Page, PageRequest, StoredNotice, StoredSbom,
};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::resources::own_org_resource;
use crate::{Acting, App, AppError, AppResult, ts};

/// An advisory released to its parties or published, as the notices need
/// it (the agreed hand-over from the advisories' publication).
#[derive(Debug, Clone)]
pub struct AffectedAdvisory {
    /// The program's advisory (part D's `case_advisories.id`).
    pub advisory_id: Uuid,
    pub tracking_id: String,
    pub title: String,
    /// The OSV record, as the OSV writer produced it.
    pub osv: serde_json::Value,
    /// What fixes it, in words.
    pub fix: String,
}

/// What one run of the notices did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct NoticeSummary {
    /// Organizations the advisory affects now.
    pub organizations: u64,
    /// Their affected components, in all.
    pub components: u64,
    /// Notices created by this run.
    pub new_notices: u64,
    /// Existing notices that gained components in this run.
    pub grown_notices: u64,
}

/// The actor of notices written on the program's behalf (a publication
/// or the scheduler): no user, no organization.
fn program_actor(what: &str) -> Actor {
    Actor {
        user: None,
        org: None,
        request_id: Some(format!("notices:{what}")),
    }
}

/// Parses an OSV record, naming the JSON path of what is wrong.
fn parse_osv(osv: &[u8]) -> AppResult<Advisory> {
    bulwark_matching::osv::parse_json(osv)
        .map_err(|e| AppError::validation(format!("the advisory's OSV record does not read: {e}")))
}

/// Components held by the organizations, filed as the matching engine's
/// distinct targets: the target's id → the components that are it.
#[derive(Default)]
struct Holdings {
    inventory: Inventory,
    holders: Vec<Vec<(Uuid, NoticeComponent)>>,
}

impl Holdings {
    /// Adds `component` of organization `org`, found under `purl`; a purl
    /// that does not parse or maps onto no OSV ecosystem is left out (it
    /// cannot be matched, as everywhere else).
    fn add(&mut self, org: Uuid, purl: &str, component: NoticeComponent) {
        let Some(target) = Component::parse(purl)
            .ok()
            .and_then(|c| target_of(&c.parsed).ok())
        else {
            return;
        };
        let id = self.inventory.add(target, 1);
        if id == self.holders.len() {
            self.holders.push(Vec::new());
        }
        if let Some(h) = self.holders.get_mut(id) {
            h.push((org, component));
        }
    }

    /// The components `advisory` affects, by organization, each component
    /// once (a component found under several purls is named under the
    /// first that hit).
    fn affected(&self, advisory: &Advisory) -> BTreeMap<Uuid, Vec<NoticeComponent>> {
        let mut out: BTreeMap<Uuid, Vec<NoticeComponent>> = BTreeMap::new();
        let mut seen: HashSet<(Uuid, u64)> = HashSet::new();
        let mut hits: Vec<usize> = self
            .inventory
            .affected_by(advisory)
            .into_iter()
            .filter_map(|f| match f {
                Finding::Hit { target, .. } => Some(target),
                Finding::Indeterminate { .. } => None,
            })
            .collect();
        hits.sort_unstable();
        let mut all: Vec<&(Uuid, NoticeComponent)> = hits
            .iter()
            .filter_map(|&t| self.holders.get(t))
            .flatten()
            .collect();
        all.sort_by(|a, b| {
            (&a.1.sbom, a.1.component, &a.1.purl).cmp(&(&b.1.sbom, b.1.component, &b.1.purl))
        });
        for (org, c) in all {
            if seen.insert((c.sbom, c.component)) {
                out.entry(*org).or_default().push(c.clone());
            }
        }
        out
    }
}

/// The packages an advisory names: (ecosystem key, normalised name).
fn packages_of(advisory: &Advisory) -> Vec<(String, String)> {
    let mut packages: Vec<(String, String)> = advisory
        .affected
        .iter()
        .filter_map(|a| a.package.as_ref())
        .map(|p| {
            let (eco, _) = split_ecosystem(&p.ecosystem);
            let name = normalize_name(&eco, &p.name);
            (eco, name)
        })
        .filter(|(eco, name)| !eco.is_empty() && !name.is_empty())
        .collect();
    packages.sort();
    packages.dedup();
    packages
}

/// Names each component's systems: the organization's systems its SBOM is
/// attached to now.
async fn with_systems(
    app: &App,
    affected: &mut BTreeMap<Uuid, Vec<NoticeComponent>>,
) -> AppResult<()> {
    let mut sboms: Vec<Uuid> = affected.values().flatten().map(|c| c.sbom).collect();
    sboms.sort();
    sboms.dedup();
    let pairs = app.store.systems_of_sboms(&sboms).await?;
    if pairs.is_empty() {
        return Ok(());
    }
    let mut ids: Vec<Uuid> = pairs.iter().map(|(system, _)| *system).collect();
    ids.sort();
    ids.dedup();
    let names: HashMap<Uuid, String> = app
        .store
        .systems_by_id(&ids)
        .await?
        .into_iter()
        .map(|s| (s.id, s.name))
        .collect();
    let mut of: HashMap<Uuid, Vec<String>> = HashMap::new();
    for (system, sbom) in pairs {
        if let Some(name) = names.get(&system) {
            of.entry(sbom).or_default().push(name.clone());
        }
    }
    for c in affected.values_mut().flatten() {
        if let Some(names) = of.get(&c.sbom) {
            c.systems = names.clone();
            c.systems.sort();
        }
    }
    Ok(())
}

/// Writes the notices for `affected` and sums up the run.
async fn record(
    app: &App,
    actor: &Actor,
    advisory: &NoticeAdvisory,
    affected: BTreeMap<Uuid, Vec<NoticeComponent>>,
    reason: &str,
) -> AppResult<NoticeSummary> {
    let mut summary = NoticeSummary {
        organizations: affected.len() as u64,
        components: affected.values().map(|c| c.len() as u64).sum(),
        ..NoticeSummary::default()
    };
    let notices: Vec<NewNotice> = affected
        .into_iter()
        .map(|(org_id, components)| NewNotice { org_id, components })
        .collect();
    let written = app
        .store
        .record_notices(actor, advisory, &notices, reason, app.now())
        .await?;
    summary.new_notices = written.created.len() as u64;
    summary.grown_notices = written.grown.len() as u64;
    Ok(summary)
}

/// Notifies every organization whose stored SBOMs (its systems' attached
/// SBOMs among them) hold a version the advisory affects: one notice each,
/// naming its own components and the fix, and one `advisory.affects_you`
/// event each; records the advisory among those that notify. Idempotent:
/// a second call adds only components (and organizations) that are new.
///
/// No principal: this is a step of the release or publication that
/// called it, which the policy already allowed; the audit entry names the
/// program as actor.
pub async fn notify_affected(app: &App, advisory: &AffectedAdvisory) -> AppResult<NoticeSummary> {
    let osv = serde_json::to_vec(&advisory.osv).map_err(|_| AppError::internal())?;
    let parsed = parse_osv(&osv)?;
    let mut holdings = Holdings::default();
    for (eco, name) in packages_of(&parsed) {
        let rows = app.store.package_holdings(&eco, &name).await?;
        // Parsing the purls is CPU work: off the async threads.
        holdings = tokio::task::spawn_blocking(move || {
            for r in rows {
                let component = NoticeComponent {
                    sbom: r.sbom_id,
                    sbom_name: r.sbom_name,
                    component: u64::try_from(r.seq).unwrap_or(0),
                    name: r.name,
                    purl: r.purl.clone(),
                    version: r.version,
                    systems: Vec::new(),
                };
                holdings.add(r.org_id, &r.purl, component);
            }
            holdings
        })
        .await
        .map_err(|_| AppError::internal())?;
    }
    let mut affected = holdings.affected(&parsed);
    with_systems(app, &mut affected).await?;
    let kept = NoticeAdvisory {
        advisory_id: advisory.advisory_id,
        tracking_id: advisory.tracking_id.clone(),
        title: advisory.title.clone(),
        osv: String::from_utf8(osv).map_err(|_| AppError::internal())?,
        fix: advisory.fix.clone(),
    };
    let summary = record(
        app,
        &program_actor("release"),
        &kept,
        affected,
        "advisory released or published",
    )
    .await?;
    tracing::info!(
        tracking_id = %advisory.tracking_id,
        organizations = summary.organizations,
        components = summary.components,
        new_notices = summary.new_notices,
        "advisory notices written"
    );
    Ok(summary)
}

/// Checks a newly stored SBOM against every advisory that notifies, and
/// notifies its organization of each that affects it (as [`notify_affected`]
/// would have, had the SBOM been there). Called by the SBOM upload, after
/// the SBOM is stored, as the uploader.
pub async fn check_new_sbom(
    app: &App,
    who: &Acting,
    sbom: &StoredSbom,
) -> AppResult<NoticeSummary> {
    let advisories = app.store.advisory_osv_records_released().await?;
    let mut total = NoticeSummary::default();
    if advisories.is_empty() {
        return Ok(total);
    }
    let components = app.store.sbom_components(sbom.id).await?;
    let mut holdings = Holdings::default();
    for c in components {
        if c.ecosystem.is_none() && c.other_purls.is_empty() {
            continue;
        }
        let base = NoticeComponent {
            sbom: sbom.id,
            sbom_name: sbom.name.clone(),
            component: c.seq,
            name: c.name.clone(),
            purl: String::new(),
            version: c.version.clone(),
            systems: Vec::new(),
        };
        for purl in c
            .purl
            .iter()
            .filter(|_| c.ecosystem.is_some())
            .chain(&c.other_purls)
        {
            holdings.add(
                sbom.org_id,
                purl,
                NoticeComponent {
                    purl: purl.clone(),
                    ..base.clone()
                },
            );
        }
    }
    for a in advisories {
        let parsed = match parse_osv(a.osv.as_bytes()) {
            Ok(p) => p,
            Err(e) => {
                tracing::warn!(tracking_id = %a.tracking_id, error = %e.detail, "a kept OSV record does not read; skipped");
                continue;
            }
        };
        let mut affected = holdings.affected(&parsed);
        if affected.is_empty() {
            continue;
        }
        with_systems(app, &mut affected).await?;
        let s = record(app, &who.actor, &a, affected, "SBOM uploaded").await?;
        total.organizations = total.organizations.max(s.organizations);
        total.components += s.components;
        total.new_notices += s.new_notices;
        total.grown_notices += s.grown_notices;
    }
    Ok(total)
}

// ---------------------------------------------------------------------------
// Reading notices
// ---------------------------------------------------------------------------

/// One affected component, as a notice names it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct NoticeComponentOut {
    pub sbom: Uuid,
    pub sbom_name: String,
    /// Position of the component in the SBOM.
    pub component: u64,
    pub name: String,
    /// The package URL under which it is affected.
    pub purl: String,
    pub version: Option<String>,
    /// The organization's systems the SBOM is attached to (names).
    pub systems: Vec<String>,
}

/// A notice: an advisory affects the organization's components.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct NoticeOut {
    pub id: Uuid,
    pub advisory_id: Uuid,
    pub tracking_id: String,
    pub title: String,
    /// The organization's own affected components.
    pub components: Vec<NoticeComponentOut>,
    /// What fixes it.
    pub fix: String,
    pub created_at: String,
    /// When components were last added.
    pub updated_at: String,
    /// When a writer of the organization marked it read; absent while unread.
    pub read_at: Option<String>,
}

pub fn notice_out(n: StoredNotice) -> NoticeOut {
    NoticeOut {
        id: n.id,
        advisory_id: n.advisory_id,
        tracking_id: n.tracking_id,
        title: n.title,
        components: n
            .components
            .into_iter()
            .map(|c| NoticeComponentOut {
                sbom: c.sbom,
                sbom_name: c.sbom_name,
                component: c.component,
                name: c.name,
                purl: c.purl,
                version: c.version,
                systems: c.systems,
            })
            .collect(),
        fix: n.fix,
        created_at: ts(n.created_at),
        updated_at: ts(n.updated_at),
        read_at: n.read_at.map(ts),
    }
}

/// The caller's organization's notices, newest first, under `notice.read`.
pub async fn list(app: &App, who: &Principal, page: PageRequest) -> AppResult<Page<NoticeOut>> {
    app.authorize(who, Action::NoticeRead, &own_org_resource(who))?;
    let page = app.store.org_advisory_notices(who.org_id, page).await?;
    Ok(Page {
        items: page.items.into_iter().map(notice_out).collect(),
        next: page.next,
    })
}

/// How many of the caller's organization's notices are unread; `None`
/// when the caller may not read them.
pub async fn unread(app: &App, who: &Principal) -> AppResult<Option<u64>> {
    if !app.permits(who, Action::NoticeRead, &own_org_resource(who)) {
        return Ok(None);
    }
    Ok(Some(app.store.unread_advisory_notices(who.org_id).await?))
}

/// A notice of the caller's organization; another organization's is as
/// unknown as one that does not exist (404, word for word).
async fn readable(app: &App, who: &Principal, id: Uuid) -> AppResult<StoredNotice> {
    let n = match app.store.advisory_notice(id).await {
        Ok(n) => n,
        Err(bulwark_store::StoreError::NotFound) => return Err(AppError::not_found("notice")),
        Err(e) => return Err(e.into()),
    };
    let org = app
        .store
        .organization(n.org_id)
        .await
        .map_err(crate::not_found_as("notice"))?;
    if !app.permits(
        who,
        Action::NoticeRead,
        &crate::resources::org_resource(&org),
    ) {
        return Err(AppError::not_found("notice"));
    }
    Ok(n)
}

/// One notice of the caller's organization.
pub async fn get(app: &App, who: &Principal, id: Uuid) -> AppResult<NoticeOut> {
    Ok(notice_out(readable(app, who, id).await?))
}

/// Marks a notice of the caller's organization read, under
/// `notice.acknowledge` (a second time changes nothing).
pub async fn mark_read(app: &App, who: &Acting, id: Uuid) -> AppResult<NoticeOut> {
    let n = readable(app, &who.principal, id).await?;
    app.authorize(
        &who.principal,
        Action::NoticeAcknowledge,
        &own_org_resource(&who.principal),
    )?;
    let n = app
        .store
        .mark_advisory_notice_read(&who.actor, n.id, app.now())
        .await?;
    Ok(notice_out(n))
}

/// An affected organization, for those the policy lets see names.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ExposedOrg {
    pub org: Uuid,
    pub name: String,
    pub components: u64,
}

/// How far an advisory reaches: counts, and names only where allowed.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ExposureOut {
    pub advisory_id: Uuid,
    pub tracking_id: String,
    pub title: String,
    /// Organizations notified.
    pub organizations: u64,
    /// Their affected components, in all.
    pub components: u64,
    /// Notices read so far.
    pub read: u64,
    /// The organizations, only when the policy's `notice.read_names`
    /// permits the caller (absent otherwise: no one, as the policy stands).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub names: Option<Vec<ExposedOrg>>,
}

/// Per advisory, how many organizations and components it affects, under
/// `notice.read_counts`; the organizations only under `notice.read_names`.
/// An advisory that notified no one yet (or is unknown) is not found.
pub async fn exposure(app: &App, who: &Principal, advisory_id: Uuid) -> AppResult<ExposureOut> {
    app.authorize(who, Action::NoticeReadCounts, &Resource::Program)?;
    let Some(a) = app.store.notice_advisory(advisory_id).await? else {
        return Err(AppError::not_found("publication"));
    };
    let notices = app.store.notices_of_advisory(advisory_id).await?;
    let names = if app.permits(who, Action::NoticeReadNames, &Resource::Program) {
        let mut out = Vec::with_capacity(notices.len());
        for n in &notices {
            let org = app.store.organization(n.org_id).await?;
            out.push(ExposedOrg {
                org: n.org_id,
                name: org.name,
                components: n.components.len() as u64,
            });
        }
        Some(out)
    } else {
        None
    };
    Ok(ExposureOut {
        advisory_id,
        tracking_id: a.tracking_id,
        title: a.title,
        organizations: notices.len() as u64,
        components: notices.iter().map(|n| n.components.len() as u64).sum(),
        read: notices.iter().filter(|n| n.read_at.is_some()).count() as u64,
        names,
    })
}
