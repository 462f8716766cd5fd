//! The prioritisation feeds' use cases: what the store knows about
//! one CVE (KEV entry, EPSS score, CVE record with CISA's ADP decision
//! points), the SSVC decision and BOD 26-04 timeline Bulwark derives from
//! it, and the known CVEs ranked by the one priority order
//! (`bulwark_scoring::priority`), each with its reasons.
//!
//! The feeds are public data: reading them is the policy's
//! `vulnerability.read` decision on the program, which every principal in
//! the program is given. Nothing here changes state.
//!
//! Bulwark computes; it never takes a stated number on trust: CVSS scores
//! are computed from the vectors (the stated score is shown next to it,
//! with whether the two differ), and the SSVC decision is the CISA tree's
//! for the ADP's decision points, with Exploitation forced to active when
//! the CVE is in KEV (and the answer says so).
//!
//! The store keeps KEV entries, EPSS scores and CVE records as rows; the
//! conversions here turn them back into `bulwark_scoring`'s types, so that
//! one CVE's priority is computed the same way by the ranked list, a
//! vulnerability's page and a case's priority.

use std::str::FromStr;

use bulwark_authz::{Action, Resource};
use bulwark_core::Principal;
use bulwark_scoring::bod2604;
use bulwark_scoring::cvss;
use bulwark_scoring::feeds::cve::{AdpKev, AdpSsvc, CisaAdp, CveRecord, CvssMetric};
use bulwark_scoring::feeds::kev::KevEntry;
use bulwark_scoring::priority::{Epss, Priority};
use bulwark_scoring::ssvc::{
    Automatable, Decision, DecisionPoints, MissionWellbeing, TechnicalImpact,
};
use bulwark_store::{PriorityKey, RankedAt, StoredKevEntry, VulnerabilityFacts};
use serde::Serialize;
use utoipa::ToSchema;

use crate::{App, AppError, AppResult, ts};

/// The CVSS metrics of a stored JSON array (the scoring crate's
/// `CvssMetric`s as the import wrote them); entries that are not metrics
/// are skipped.
pub fn metrics(json: &str) -> Vec<CvssMetric> {
    let Ok(serde_json::Value::Array(items)) = serde_json::from_str::<serde_json::Value>(json)
    else {
        return Vec::new();
    };
    items
        .iter()
        .filter_map(|m| {
            Some(CvssMetric {
                version: m.get("version")?.as_str()?.to_owned(),
                vector: m.get("vector")?.as_str()?.to_owned(),
                base_score: m.get("base_score").and_then(serde_json::Value::as_f64),
            })
        })
        .collect()
}

/// The scoring crate's record, rebuilt from what the store kept of it (a
/// CVE known only from KEV has an empty one).
pub fn record_of(facts: &VulnerabilityFacts) -> CveRecord {
    let Some(stored) = &facts.record else {
        return CveRecord {
            id: facts.cve.clone(),
            state: String::new(),
            descriptions: Vec::new(),
            cna_cvss: Vec::new(),
            cisa_adp: None,
        };
    };
    let r = &stored.record;
    let has_ssvc = r.ssvc_exploitation.is_some()
        || r.ssvc_automatable.is_some()
        || r.ssvc_technical_impact.is_some();
    let adp = CisaAdp {
        ssvc: has_ssvc.then(|| AdpSsvc {
            exploitation: r.ssvc_exploitation.clone(),
            automatable: r.ssvc_automatable.clone(),
            technical_impact: r.ssvc_technical_impact.clone(),
            version: r.ssvc_version.clone(),
            role: None,
            timestamp: None,
        }),
        kev: r.adp_kev_date_added.clone().map(|date_added| AdpKev {
            date_added,
            reference: None,
        }),
        cvss: metrics(&r.adp_cvss),
    };
    let any_adp = adp.ssvc.is_some() || adp.kev.is_some() || !adp.cvss.is_empty();
    CveRecord {
        id: r.id.clone(),
        state: r.state.clone(),
        descriptions: Vec::new(),
        cna_cvss: metrics(&r.cna_cvss),
        cisa_adp: any_adp.then_some(adp),
    }
}

pub fn kev_of(stored: &StoredKevEntry) -> KevEntry {
    let e = &stored.entry;
    KevEntry {
        cve_id: e.cve_id.clone(),
        vendor_project: e.vendor_project.clone(),
        product: e.product.clone(),
        vulnerability_name: e.vulnerability_name.clone(),
        date_added: e.date_added.clone(),
        short_description: e.short_description.clone(),
        required_action: e.required_action.clone(),
        due_date: e.due_date.clone(),
        known_ransomware_campaign_use: e.known_ransomware_campaign_use.clone(),
        notes: e.notes.clone(),
        cwes: e.cwes.clone(),
    }
}

/// The priority of one CVE from its stored facts, at `mw`. KEV is the
/// catalog's (the ADP's KEV note is not evidence on its own).
pub fn priority_of(facts: &VulnerabilityFacts, mw: MissionWellbeing) -> Priority {
    let record = record_of(facts);
    let kev = facts.kev.as_ref().map(kev_of);
    let epss = facts.epss.as_ref().map(|e| Epss {
        score: e.epss,
        model_version: e.model_version.clone(),
    });
    Priority::from_feeds(&record, kev.as_ref(), epss, mw)
}

/// What the feeds say about one CVE, for a page that shows it beside
/// something else (an SBOM's hit, an advisory, a ranked row): the same
/// [`priority_of`] as the ranking, so no page joins KEV, EPSS and CVSS a
/// second way, plus the KEV and EPSS details the priority leaves out.
#[derive(Debug, Clone)]
pub struct CveFacts {
    pub priority: Priority,
    /// KEV's vendor, product, `dateAdded` and `dueDate`, as CISA published them.
    pub kev: Option<KevBrief>,
    /// EPSS score and percentile of the newest model version.
    pub epss: Option<(f64, f64)>,
}

/// A KEV entry in brief.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct KevBrief {
    pub vendor_project: String,
    pub product: String,
    pub date_added: String,
    pub due_date: String,
}

fn kev_brief(k: &StoredKevEntry) -> KevBrief {
    KevBrief {
        vendor_project: k.entry.vendor_project.clone(),
        product: k.entry.product.clone(),
        date_added: k.entry.date_added.clone(),
        due_date: k.entry.due_date.clone(),
    }
}

fn cve_facts_of(facts: &VulnerabilityFacts, mw: MissionWellbeing) -> CveFacts {
    CveFacts {
        priority: priority_of(facts, mw),
        kev: facts.kev.as_ref().map(kev_brief),
        epss: facts.epss.as_ref().map(|e| (e.epss, e.percentile)),
    }
}

/// The feeds' facts about `cves` (ids as written; duplicates are read
/// once), at Mission & Well-being high as the ranking assumes. Only CVEs
/// some feed knows are in the answer. The caller has asked the policy.
pub async fn cve_facts(
    app: &App,
    cves: &[String],
) -> AppResult<std::collections::HashMap<String, CveFacts>> {
    let mut ids: Vec<String> = cves.to_vec();
    ids.sort();
    ids.dedup();
    Ok(app
        .store
        .vulnerability_facts_of(&ids)
        .await?
        .iter()
        .filter(|f| f.kev.is_some() || f.epss.is_some() || f.record.is_some())
        .map(|f| (f.cve.clone(), cve_facts_of(f, MissionWellbeing::High)))
        .collect())
}

/// Entries per page when the caller names no limit.
pub const DEFAULT_RANKING_LIMIT: u32 = 50;
/// The most entries one page may have.
pub const MAX_RANKING_LIMIT: u32 = 500;

/// Mission & Well-being as asked, `high` when not asked (see
/// [`vulnerability`]).
fn mission_wellbeing(raw: Option<&str>) -> AppResult<MissionWellbeing> {
    match raw {
        None => Ok(MissionWellbeing::High),
        Some(raw) => MissionWellbeing::from_str(raw).map_err(|_| {
            AppError::malformed(format!(
                "mission_wellbeing must be low, medium or high, not {raw:?}"
            ))
        }),
    }
}

/// A page of the known CVEs ranked, most urgent first.
pub struct Ranking {
    pub items: Vec<Priority>,
    /// How many CVEs are known (and ranked).
    pub total: u64,
    /// KEV's vendor and product of the ranked CVEs in KEV, by CVE id.
    pub kev: std::collections::HashMap<String, KevBrief>,
    /// EPSS was left out of the order: the set mixes model versions.
    pub epss_skipped: bool,
}

/// Keys computed per round of [`refresh_keys`].
const REFRESH_CHUNK: u32 = 2_000;

/// The SSVC decision as the store's rank (most urgent highest).
fn decision_rank(d: Decision) -> u8 {
    match d {
        Decision::Track => 0,
        Decision::TrackStar => 1,
        Decision::Attend => 2,
        Decision::Act => 3,
    }
}

/// One CVE's keys in the priority order at every Mission & Well-being,
/// from the same [`Priority::from_feeds`] the ranked list shows.
fn key_of(facts: &VulnerabilityFacts, mark: i64) -> PriorityKey {
    let record = record_of(facts);
    let kev = facts.kev.as_ref().map(kev_of);
    let epss = facts.epss.as_ref().map(|e| Epss {
        score: e.epss,
        model_version: e.model_version.clone(),
    });
    let high = Priority::from_feeds(&record, kev.as_ref(), epss, MissionWellbeing::High);
    let points = match record.ssvc_points() {
        Some(Ok(mut points)) => {
            points.apply_kev(kev.is_some());
            Some(points)
        }
        _ => None,
    };
    let at = |mw| points.as_ref().map(|p| decision_rank(p.decide(mw)));
    PriorityKey {
        cve: facts.cve.clone(),
        mark,
        in_kev: high.in_kev,
        ssvc: [
            at(MissionWellbeing::Low),
            at(MissionWellbeing::Medium),
            high.ssvc.map(decision_rank),
        ],
        epss: high.epss.map(|e| (e.score, e.model_version)),
        cvss: high.cvss.map(|(score, _)| score),
    }
}

/// Computes the priority keys that feed imports marked stale (see
/// `bulwark_store`'s `priorities.rs`), a chunk at a time; returns how many
/// were written. The ranking calls it first; an import calls it after, so
/// that the first ranking does not pay for a large import.
pub async fn refresh_keys(store: &bulwark_store::Store) -> AppResult<u64> {
    let mut written = 0;
    loop {
        let stale = store.stale_priority_keys(REFRESH_CHUNK).await?;
        if stale.is_empty() {
            break;
        }
        let ids: Vec<String> = stale.iter().map(|(id, _)| id.clone()).collect();
        let facts = store.vulnerability_facts_of(&ids).await?;
        // Scoring vectors is CPU work: off the async threads.
        let keys = tokio::task::spawn_blocking(move || {
            facts
                .iter()
                .zip(&stale)
                .map(|(f, (_, mark))| key_of(f, *mark))
                .collect::<Vec<_>>()
        })
        .await
        .map_err(|_| AppError::internal())?;
        let kept = store.set_priority_keys(&keys).await?;
        written += kept;
        // None kept: every one was marked again meanwhile, by an import
        // that computes them after it; do not race it.
        if kept == 0 || keys.len() < REFRESH_CHUNK as usize {
            break;
        }
    }
    Ok(written)
}

/// A page of every CVE the store knows (a record or a KEV entry) in the
/// priority order, after asking the policy: `limit` from `offset`.
pub async fn ranking(
    app: &App,
    who: &Principal,
    mw: MissionWellbeing,
    offset: u64,
    limit: u32,
) -> AppResult<Ranking> {
    app.authorize(who, Action::VulnerabilityRead, &Resource::Program)?;
    refresh_keys(&app.store).await?;
    let (total, mixed) = app.store.ranked_cves_summary().await?;
    let at = match mw {
        MissionWellbeing::Low => RankedAt::Low,
        MissionWellbeing::Medium => RankedAt::Medium,
        MissionWellbeing::High => RankedAt::High,
    };
    let ids = app.store.ranked_cves(at, !mixed, offset, limit).await?;
    let facts = app.store.vulnerability_facts_of(&ids).await?;
    let kev = facts
        .iter()
        .filter_map(|f| Some((f.cve.clone(), kev_brief(f.kev.as_ref()?))))
        .collect();
    let items: Vec<Priority> = facts.iter().map(|f| priority_of(f, mw)).collect();
    Ok(Ranking {
        items,
        total,
        kev,
        epss_skipped: mixed,
    })
}

// ---------------------------------------------------------------------------
// Shapes
// ---------------------------------------------------------------------------

#[derive(Debug, Serialize, ToSchema)]
pub struct KevOut {
    pub vendor_project: String,
    pub product: String,
    pub vulnerability_name: String,
    /// `dateAdded`, as CISA published it.
    pub date_added: String,
    /// `dueDate`, as CISA published it.
    pub due_date: String,
    /// `Known` or `Unknown`.
    pub known_ransomware_campaign_use: String,
    pub required_action: String,
    pub short_description: String,
    pub notes: String,
    pub cwes: Vec<String>,
    /// The first catalog version that listed it.
    pub first_catalog_version: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EpssOut {
    pub score: f64,
    pub percentile: f64,
    /// The model version that produced the score (scores of different
    /// versions are never compared).
    pub model_version: String,
    pub score_date: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CvssOut {
    /// `cna` or `cisa-adp`.
    pub source: String,
    /// `2.0`, `3.0`, `3.1` or `4.0`.
    pub version: String,
    pub vector: String,
    /// The base score the source states.
    pub stated: Option<f64>,
    /// The score Bulwark computes from the vector; absent when it does not
    /// parse (see `error`).
    pub computed: Option<f64>,
    /// The computed score's severity.
    pub severity: Option<String>,
    /// The stated score differs from the computed one (to one decimal).
    pub mismatch: Option<bool>,
    /// Why the vector could not be scored.
    pub error: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SsvcOut {
    /// The decision points as CISA's ADP published them (normalised).
    pub exploitation: String,
    pub automatable: String,
    pub technical_impact: String,
    /// The SSVC version of the ADP's tree.
    pub version: Option<String>,
    /// Exploitation used for the decision: `active` when the KEV override
    /// applied.
    pub exploitation_used: Option<String>,
    /// The CVE is in KEV and the ADP did not say exploitation was active:
    /// Bulwark decided with Exploitation active.
    pub kev_override: bool,
    /// The Mission & Well-being the decision assumes.
    pub mission_wellbeing: String,
    /// `Act`, `Attend`, `Track*` or `Track`; absent when the decision
    /// points do not parse (see `error`).
    pub decision: Option<String>,
    pub error: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Bod2604Out {
    /// The asset is exposed to the internet (as asked).
    pub exposed: bool,
    /// In the KEV catalog.
    pub kev: bool,
    /// From SSVC; absent when the record has no decision points.
    pub automatable: Option<String>,
    pub technical_impact: Option<String>,
    /// CISA's outcome name (`3 days & forensic investigation`, `3 days`,
    /// `14 days`, `60 days`, `fix on system upgrade`); absent when
    /// Automatable or Technical Impact is unknown.
    pub timeline: Option<String>,
    pub days: Option<u32>,
    pub forensic_investigation: bool,
    pub on_upgrade: bool,
    /// Why there is no timeline.
    pub note: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PriorityOut {
    /// The SSVC decision the order uses.
    pub decision: Option<String>,
    /// The decision used Exploitation active because of KEV.
    pub kev_override: bool,
    pub in_kev: bool,
    /// KEV `dateAdded`, as published.
    pub kev_date_added: Option<String>,
    pub epss: Option<f64>,
    pub epss_model_version: Option<String>,
    /// The CVSS score the order uses (computed; CNA's newest version that
    /// parses, else the ADP's).
    pub cvss: Option<f64>,
    pub cvss_version: Option<String>,
    /// One reason per key of the order, in key order.
    pub reasons: Vec<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct VulnerabilityOut {
    pub cve: String,
    /// The CVE record's state (`PUBLISHED`, `REJECTED`); absent without a
    /// stored record.
    pub state: Option<String>,
    pub description: Option<String>,
    /// `cveMetadata.dateUpdated`, as published.
    pub date_updated: Option<String>,
    /// When the record was last imported or changed.
    pub record_updated_at: Option<String>,
    pub kev: Option<KevOut>,
    /// The score of the newest model version.
    pub epss: Option<EpssOut>,
    /// Every CVSS metric of the record, CNA's then CISA ADP's.
    pub cvss: Vec<CvssOut>,
    pub ssvc: Option<SsvcOut>,
    pub priority: PriorityOut,
    /// Present when `exposed` was given.
    pub bod2604: Option<Bod2604Out>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RankedOut {
    /// 1 for the most urgent.
    pub rank: u64,
    pub cve: String,
    pub priority: PriorityOut,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RankingOut {
    pub mission_wellbeing: String,
    /// CVEs ranked.
    pub total: u64,
    /// Always false: every known CVE is ranked (the store keeps each one's
    /// keys). Kept so that clients reading it go on working.
    pub truncated: bool,
    /// EPSS was left out of the order because the scores come from more
    /// than one model version.
    pub epss_skipped: bool,
    pub offset: u32,
    pub limit: u32,
    pub items: Vec<RankedOut>,
}

pub fn priority_out(p: &Priority) -> PriorityOut {
    PriorityOut {
        decision: p.ssvc.map(|d| d.as_str().to_owned()),
        kev_override: p.ssvc_from_kev,
        in_kev: p.in_kev,
        kev_date_added: p.kev_date_added.clone(),
        epss: p.epss.as_ref().map(|e| e.score),
        epss_model_version: p.epss.as_ref().map(|e| e.model_version.clone()),
        cvss: p.cvss.map(|(s, _)| s),
        cvss_version: p.cvss.map(|(_, v)| v.as_str().to_owned()),
        reasons: p.explain(),
    }
}

fn cvss_out(source: &str, m: &CvssMetric) -> CvssOut {
    let mut out = CvssOut {
        source: source.to_owned(),
        version: m.version.clone(),
        vector: m.vector.clone(),
        stated: m.base_score,
        computed: None,
        severity: None,
        mismatch: None,
        error: None,
    };
    match cvss::score(&m.vector) {
        Ok(s) => {
            out.computed = Some(s.score);
            out.severity = Some(s.severity.as_str().to_owned());
            out.mismatch = m
                .base_score
                .and_then(|stated| cvss::check(&m.vector, stated).ok())
                .map(|c| c.mismatch);
        }
        Err(e) => out.error = Some(e.to_string()),
    }
    out
}

fn ssvc_out(record: &CveRecord, in_kev: bool, mw: MissionWellbeing) -> Option<SsvcOut> {
    let adp = record.cisa_adp.as_ref()?.ssvc.as_ref()?;
    let stated = |v: &Option<String>| v.clone().unwrap_or_default();
    let mut out = SsvcOut {
        exploitation: stated(&adp.exploitation),
        automatable: stated(&adp.automatable),
        technical_impact: stated(&adp.technical_impact),
        version: adp.version.clone(),
        exploitation_used: None,
        kev_override: false,
        mission_wellbeing: mw.to_string(),
        decision: None,
        error: None,
    };
    match adp.points() {
        Ok(mut points) => {
            out.kev_override = points.apply_kev(in_kev);
            out.exploitation_used = Some(points.exploitation.to_string());
            out.decision = Some(points.decide(mw).as_str().to_owned());
        }
        Err(e) => out.error = Some(e.to_string()),
    }
    Some(out)
}

fn bod_out(points: Option<DecisionPoints>, kev: bool, exposed: bool) -> Bod2604Out {
    let (automatable, impact): (Option<Automatable>, Option<TechnicalImpact>) = (
        points.map(|p| p.automatable),
        points.map(|p| p.technical_impact),
    );
    let mut out = Bod2604Out {
        exposed,
        kev,
        automatable: automatable.map(|a| a.to_string()),
        technical_impact: impact.map(|t| t.to_string()),
        timeline: None,
        days: None,
        forensic_investigation: false,
        on_upgrade: false,
        note: None,
    };
    match (automatable, impact) {
        (Some(a), Some(t)) => {
            let tl = bod2604::timeline(kev, exposed, a, t);
            out.timeline = Some(tl.to_string());
            out.days = tl.days;
            out.forensic_investigation = tl.forensic_investigation;
            out.on_upgrade = tl.on_upgrade;
        }
        _ => {
            out.note = Some(
                "no SSVC decision points (Automatable, Technical Impact) for this CVE".to_owned(),
            );
        }
    }
    out
}

// ---------------------------------------------------------------------------
// Use cases
// ---------------------------------------------------------------------------

/// What Bulwark knows about one CVE and the priority it derives, at
/// Mission & Well-being `mission_wellbeing` (default `high`: the
/// clearinghouse answers for federal and critical-infrastructure
/// deployments, where under-rating costs more than over-rating), with the
/// BOD 26-04 timeline when `exposed` (`yes` or `no`) is given. The inputs
/// are checked before the policy is asked; a CVE no feed knows is a 404.
pub async fn vulnerability(
    app: &App,
    who: &Principal,
    cve: &str,
    mission_wellbeing: Option<&str>,
    exposed: Option<&str>,
) -> AppResult<VulnerabilityOut> {
    let Ok(cve) = bulwark_core::CveId::parse(cve).map(String::from) else {
        return Err(AppError::malformed(format!(
            "{cve:?} is not a CVE id (CVE-YYYY-NNNN)"
        )));
    };
    let mw = self::mission_wellbeing(mission_wellbeing)?;
    let exposed = match exposed {
        None => None,
        Some("yes") => Some(true),
        Some("no") => Some(false),
        Some(other) => {
            return Err(AppError::malformed(format!(
                "exposed must be yes or no, not {other:?}"
            )));
        }
    };
    app.authorize(who, Action::VulnerabilityRead, &Resource::Program)?;
    let facts = app.store.vulnerability_facts(&cve).await?;
    if facts.kev.is_none() && facts.record.is_none() && facts.epss.is_none() {
        return Err(AppError::not_found("vulnerability"));
    }
    let record = record_of(&facts);
    let priority = priority_of(&facts, mw);
    let in_kev = facts.kev.is_some();
    let mut cvss: Vec<CvssOut> = record.cna_cvss.iter().map(|m| cvss_out("cna", m)).collect();
    if let Some(adp) = &record.cisa_adp {
        cvss.extend(adp.cvss.iter().map(|m| cvss_out("cisa-adp", m)));
    }
    let points = record.ssvc_points().and_then(Result::ok);
    let stored = facts.record.as_ref();
    Ok(VulnerabilityOut {
        state: stored.map(|r| r.record.state.clone()),
        description: stored.and_then(|r| r.record.description.clone()),
        date_updated: stored.and_then(|r| r.record.date_updated.clone()),
        record_updated_at: stored.map(|r| ts(r.updated_at)),
        kev: facts.kev.as_ref().map(|k| KevOut {
            vendor_project: k.entry.vendor_project.clone(),
            product: k.entry.product.clone(),
            vulnerability_name: k.entry.vulnerability_name.clone(),
            date_added: k.entry.date_added.clone(),
            due_date: k.entry.due_date.clone(),
            known_ransomware_campaign_use: k.entry.known_ransomware_campaign_use.clone(),
            required_action: k.entry.required_action.clone(),
            short_description: k.entry.short_description.clone(),
            notes: k.entry.notes.clone(),
            cwes: k.entry.cwes.clone(),
            first_catalog_version: k.first_catalog_version.clone(),
        }),
        epss: facts.epss.as_ref().map(|e| EpssOut {
            score: e.epss,
            percentile: e.percentile,
            model_version: e.model_version.clone(),
            score_date: e.score_date.clone(),
        }),
        cvss,
        ssvc: ssvc_out(&record, in_kev, mw),
        priority: priority_out(&priority),
        bod2604: exposed.map(|e| bod_out(points, in_kev, e)),
        cve: facts.cve,
    })
}

/// One page of the known CVEs ranked (see [`ranking`]): `limit` entries
/// (1 to [`MAX_RANKING_LIMIT`], default [`DEFAULT_RANKING_LIMIT`]) from
/// `offset`, at Mission & Well-being `mission_wellbeing` (default `high`).
pub async fn ranked(
    app: &App,
    who: &Principal,
    limit: Option<u32>,
    offset: Option<u32>,
    mission_wellbeing: Option<&str>,
) -> AppResult<RankingOut> {
    let limit = limit.unwrap_or(DEFAULT_RANKING_LIMIT);
    if !(1..=MAX_RANKING_LIMIT).contains(&limit) {
        return Err(AppError::malformed("limit must be between 1 and 500"));
    }
    let offset = offset.unwrap_or(0);
    let mw = self::mission_wellbeing(mission_wellbeing)?;
    let r = ranking(app, who, mw, u64::from(offset), limit).await?;
    let total = r.total;
    let items = r
        .items
        .iter()
        .zip(u64::from(offset) + 1..)
        .map(|(p, rank)| RankedOut {
            rank,
            cve: p.id.clone(),
            priority: priority_out(p),
        })
        .collect();
    Ok(RankingOut {
        mission_wellbeing: mw.to_string(),
        total,
        truncated: false,
        epss_skipped: r.epss_skipped,
        offset,
        limit,
        items,
    })
}
