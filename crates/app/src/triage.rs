//! A case's priority and the triage queue ordered by it, for the API
//! (`GET /api/v1/cases/{id}`, `GET /api/v1/triage`) and the web pages alike.
//!
//! # A case's priority
//!
//! A case is ranked like a vulnerability (`bulwark_scoring::priority`),
//! from its assessment (set by the clearinghouse's analysts, `PUT
//! /api/v1/cases/{id}/assessment`) and the feeds' facts about the CVE the
//! assessment links, if any. Each SSVC decision point is, in this order:
//!
//! 1. the analyst's value, where set;
//! 2. else the linked CVE's CISA ADP value (Vulnrichment, from the stored
//!    CVE record; Mission & Well-being is never in a CVE record);
//! 3. else the default: Exploitation `none`, Automatable `no`, Technical
//!    Impact `partial` (the tree's lowest: nothing claimed without
//!    evidence), Mission & Well-being `high` (as `GET
//!    /api/v1/vulnerabilities` assumes: the clearinghouse answers for
//!    federal and critical-infrastructure deployments).
//!
//! The linked CVE's KEV listing then forces Exploitation to `active` (an
//! analyst's lower value included: a listing is evidence of exploitation in
//! the wild), and says so. KEV, EPSS and CVSS are the linked CVE's, from
//! the feeds, exactly as `GET /api/v1/vulnerabilities/{cve}` computes them.
//! A case nobody assessed has an unknown SSVC decision and no CVE.
//!
//! # The queue's order
//!
//! The pending cases (`new` or `triaged`, not merged away) in two parts:
//!
//! 1. The assessed cases, ordered by `bulwark_scoring::priority::sort`
//!    (SSVC decision Act, Attend, Track*, Track; then KEV; then EPSS, of
//!    one model version; then CVSS; then federal exposure when known), ties
//!    by the source-reliability score (`bulwark_store`'s triage rule), then
//!    the earliest first report, then the case id.
//! 2. Then every unassessed case (its SSVC decision is unknown, which the
//!    priority order ranks last), in the store's source-reliability order.
//!
//! The assessed part is computed in full for each request (analysts assess
//! cases by hand, so it stays small; the facts of its CVEs are read together, 500 to a statement);
//! the unassessed part is the store's walk, which skips the assessed cases
//! and so still costs about its offset plus its length
//! ([`bulwark_store::Store::triage_page_excluding`]).

use std::collections::{HashMap, HashSet};

use bulwark_scoring::priority::{self, Priority};
use bulwark_scoring::ssvc::{
    Automatable, DecisionPoints, Exploitation, MissionWellbeing, TechnicalImpact,
};
use bulwark_store::{Assessment, CaseAssessment, TriageEntry, VulnerabilityFacts};
use uuid::Uuid;

use crate::App;
use crate::AppResult;
use crate::priorities::priority_of;

/// Exploitation when neither the analyst nor the CVE says.
pub const DEFAULT_EXPLOITATION: Exploitation = Exploitation::None;
/// Automatable when neither the analyst nor the CVE says.
pub const DEFAULT_AUTOMATABLE: Automatable = Automatable::No;
/// Technical Impact when neither the analyst nor the CVE says.
pub const DEFAULT_TECHNICAL_IMPACT: TechnicalImpact = TechnicalImpact::Partial;
/// Mission & Well-being when the analyst does not say.
pub const DEFAULT_MISSION_WELLBEING: MissionWellbeing = MissionWellbeing::High;

/// The store's word for an Exploitation value (`public_poc`, not the
/// scoring crate's display `public poc`).
pub fn exploitation_word(e: Exploitation) -> &'static str {
    match e {
        Exploitation::None => "none",
        Exploitation::PublicPoc => "public_poc",
        Exploitation::Active => "active",
    }
}

/// One decision point as the decision used it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PointUsed {
    /// `exploitation`, `automatable`, `technical_impact` or
    /// `mission_wellbeing`.
    pub point: &'static str,
    /// The normalised value used.
    pub value: String,
    /// `analyst`, `cve` (CISA's ADP), `kev` (the KEV override) or `default`.
    pub source: &'static str,
}

/// A case's priority with what it rests on.
#[derive(Debug, Clone, PartialEq)]
pub struct CasePriority {
    /// An analyst assessed the case.
    pub assessed: bool,
    /// The CVE the assessment links.
    pub cve: Option<String>,
    /// The decision points used, in tree order; empty when not assessed.
    pub points: Vec<PointUsed>,
    /// For the order; its `id` is the linked CVE, else the case id.
    pub priority: Priority,
}

impl CasePriority {
    /// A case nobody assessed: SSVC unknown, no CVE.
    pub fn unassessed(case: Uuid) -> CasePriority {
        CasePriority {
            assessed: false,
            cve: None,
            points: Vec::new(),
            priority: Priority {
                id: case.to_string(),
                ..Priority::default()
            },
        }
    }

    /// The priority's reasons, one per key of the order
    /// (`Priority::explain`).
    pub fn reasons(&self) -> Vec<String> {
        self.priority.explain()
    }
}

/// The first of the analyst's value, the CVE's value and the default,
/// with where it came from.
fn pick<T: Copy>(analyst: Option<T>, cve: Option<T>, default: T) -> (T, &'static str) {
    match (analyst, cve) {
        (Some(v), _) => (v, "analyst"),
        (None, Some(v)) => (v, "cve"),
        (None, None) => (default, "default"),
    }
}

fn parsed<T: std::str::FromStr>(raw: &Option<String>) -> Option<T> {
    raw.as_deref().and_then(|v| v.parse().ok())
}

/// The priority of a case assessed as `a`, with `facts` the feeds' facts
/// about its linked CVE (if it links one). See the module's doc.
pub fn assessed_priority(
    case: Uuid,
    a: &Assessment,
    facts: Option<&VulnerabilityFacts>,
) -> CasePriority {
    let mw = parsed::<MissionWellbeing>(&a.mission_wellbeing);
    let (mw, mw_source) = pick(mw, None, DEFAULT_MISSION_WELLBEING);
    let base = facts.map(|f| priority_of(f, mw)).unwrap_or_default();
    let adp = facts.and_then(|f| f.record.as_ref()).map(|r| &r.record);
    let adp_point = |raw: Option<&Option<String>>| raw.cloned().flatten();
    let (exploitation, e_source) = pick(
        parsed(&a.exploitation),
        parsed(&adp_point(adp.map(|r| &r.ssvc_exploitation))),
        DEFAULT_EXPLOITATION,
    );
    let (automatable, a_source) = pick(
        parsed(&a.automatable),
        parsed(&adp_point(adp.map(|r| &r.ssvc_automatable))),
        DEFAULT_AUTOMATABLE,
    );
    let (technical_impact, t_source) = pick(
        parsed(&a.technical_impact),
        parsed(&adp_point(adp.map(|r| &r.ssvc_technical_impact))),
        DEFAULT_TECHNICAL_IMPACT,
    );
    let mut points = DecisionPoints {
        exploitation,
        automatable,
        technical_impact,
    };
    let forced = points.apply_kev(base.in_kev);
    let decision = points.decide(mw);
    let used = vec![
        PointUsed {
            point: "exploitation",
            value: exploitation_word(points.exploitation).to_owned(),
            source: if forced { "kev" } else { e_source },
        },
        PointUsed {
            point: "automatable",
            value: automatable.to_string(),
            source: a_source,
        },
        PointUsed {
            point: "technical_impact",
            value: technical_impact.to_string(),
            source: t_source,
        },
        PointUsed {
            point: "mission_wellbeing",
            value: mw.to_string(),
            source: mw_source,
        },
    ];
    CasePriority {
        assessed: true,
        cve: a.cve.clone(),
        points: used,
        priority: Priority {
            id: a.cve.clone().unwrap_or_else(|| case.to_string()),
            ssvc: Some(decision),
            ssvc_from_kev: forced,
            ..base
        },
    }
}

/// The priority of `case`, from its assessment (if any) and the feeds.
pub async fn case_priority(
    app: &App,
    case: Uuid,
    assessment: Option<&CaseAssessment>,
) -> AppResult<CasePriority> {
    let Some(a) = assessment else {
        return Ok(CasePriority::unassessed(case));
    };
    let facts = match &a.assessment.cve {
        Some(cve) => Some(app.store.vulnerability_facts(cve).await?),
        None => None,
    };
    Ok(assessed_priority(case, &a.assessment, facts.as_ref()))
}

/// One entry of the queue with its priority.
#[derive(Debug, Clone)]
pub struct QueueEntry {
    pub entry: TriageEntry,
    pub priority: CasePriority,
}

/// The queue of one request: the assessed pending cases ranked (see the
/// module's doc), the rest read from the store page by page.
pub struct Queue {
    assessed: Vec<QueueEntry>,
    excluded: HashSet<Uuid>,
    /// EPSS was left out of the assessed cases' order: their scores come
    /// from more than one model version.
    pub epss_skipped: bool,
}

impl Queue {
    /// Ranks the assessed pending cases.
    pub async fn load(app: &App) -> AppResult<Queue> {
        let assessments = app.store.pending_case_assessments().await?;
        let ids: Vec<Uuid> = assessments.iter().map(|a| a.case_id).collect();
        let mut entries = app.store.triage_entries(&ids).await?;
        let by_case: HashMap<Uuid, &CaseAssessment> =
            assessments.iter().map(|a| (a.case_id, a)).collect();
        // The tie-break first (reliability, first report, id); the sort
        // below is stable on it through the priorities' ids.
        entries.sort_by(|a, b| {
            b.score
                .total_cmp(&a.score)
                .then(a.first_reported_at.cmp(&b.first_reported_at))
                .then(a.case_id.cmp(&b.case_id))
        });
        // The linked CVEs' facts, read together, each once.
        let mut cves: Vec<String> = assessments
            .iter()
            .filter_map(|a| a.assessment.cve.clone())
            .collect();
        cves.sort();
        cves.dedup();
        let facts: HashMap<String, VulnerabilityFacts> = app
            .store
            .vulnerability_facts_of(&cves)
            .await?
            .into_iter()
            .map(|f| (f.cve.clone(), f))
            .collect();
        let mut priorities = Vec::with_capacity(entries.len());
        for e in &entries {
            let Some(a) = by_case.get(&e.case_id) else {
                continue; // `triage_entries` answers only the cases asked
            };
            let facts = a.assessment.cve.as_ref().and_then(|cve| facts.get(cve));
            priorities.push(assessed_priority(e.case_id, &a.assessment, facts));
        }
        // The order's last key is the id: make it the tie-break's position,
        // so that equal priorities keep the tie-break's order.
        let mut keyed: Vec<Priority> = priorities
            .iter()
            .enumerate()
            .map(|(i, p)| Priority {
                id: format!("{i:010}"),
                ..p.priority.clone()
            })
            .collect();
        let epss_skipped = priority::sort(&mut keyed);
        let mut slots: Vec<Option<(TriageEntry, CasePriority)>> =
            entries.into_iter().zip(priorities).map(Some).collect();
        let assessed: Vec<QueueEntry> = keyed
            .iter()
            .filter_map(|k| k.id.parse::<usize>().ok())
            .filter_map(|i| slots.get_mut(i).and_then(Option::take))
            .map(|(entry, priority)| QueueEntry { entry, priority })
            .collect();
        // Every assessed pending case leaves the unassessed part, even one
        // whose entry could not be read (it left the queue meanwhile).
        let excluded = ids.into_iter().collect();
        Ok(Queue {
            assessed,
            excluded,
            epss_skipped,
        })
    }

    /// The assessed cases ranked first.
    pub fn assessed_len(&self) -> usize {
        self.assessed.len()
    }

    /// The queue from position `offset` on, `limit` entries (at most
    /// [`bulwark_store::MAX_TRIAGE_PAGE`] from the unassessed part).
    pub async fn page(&self, app: &App, offset: u32, limit: u32) -> AppResult<Vec<QueueEntry>> {
        let (offset, limit) = (offset as usize, limit as usize);
        let mut out: Vec<QueueEntry> = self
            .assessed
            .iter()
            .skip(offset)
            .take(limit)
            .cloned()
            .collect();
        let rest = limit - out.len();
        if rest > 0 {
            let after = offset.saturating_sub(self.assessed.len());
            let page = app
                .store
                .triage_page_excluding(
                    &self.excluded,
                    u32::try_from(after).unwrap_or(u32::MAX),
                    u32::try_from(rest).unwrap_or(u32::MAX),
                )
                .await?;
            out.extend(page.into_iter().map(|entry| QueueEntry {
                priority: CasePriority::unassessed(entry.case_id),
                entry,
            }));
        }
        Ok(out)
    }
}
