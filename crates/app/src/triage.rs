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
//!
//! # What a caller sees
//!
//! Each entry is shown only if the caller may read the case, by the same
//! decision as `GET /api/v1/cases/{id}`, which shows the same priority. A
//! source's record is reliability data, which `GET /api/v1/sources` shows
//! to the clearinghouse only: the score and its basis are given to callers
//! who may read that, and left out for others, who still see their cases
//! in queue order.

use std::collections::{HashMap, HashSet};

use bulwark_authz::{Action, Resource};
use bulwark_core::Principal;
use bulwark_scoring::priority::{self, Priority};
use bulwark_scoring::ssvc::{
    Automatable, DecisionPoints, Exploitation, MissionWellbeing, TechnicalImpact,
};
use bulwark_store::{Assessment, CaseAssessment, TriageEntry, VulnerabilityFacts};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::priorities::{PriorityOut, priority_of, priority_out};
use crate::resources::readable_cases;
use crate::{App, AppError, AppResult, ts};

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

/// How far down the queue a caller's readable entries are looked for: the
/// policy filters after the ranking, case by case, and an organization
/// party to few cases must not make the server read the whole queue.
pub const TRIAGE_SCAN: u32 = 2_000;

/// Entries per answer when the caller names no limit.
pub const DEFAULT_TRIAGE_LIMIT: u32 = 50;

/// Whether `who` may see sources' records (the decision of `GET
/// /api/v1/sources`), and so the scores and their bases.
pub fn may_see_reliability(app: &App, who: &Principal) -> bool {
    app.permits(who, Action::CaseManage, &Resource::Program)
}

/// The first `limit` entries of the queue that `who` may read, in queue
/// order (see the module's doc), looked for among the first
/// [`TRIAGE_SCAN`].
pub async fn readable_queue(app: &App, who: &Principal, limit: u32) -> AppResult<Vec<QueueEntry>> {
    let limit = limit.clamp(1, bulwark_store::MAX_TRIAGE_PAGE);
    // Ranking costs the same whatever the page's length: take long pages.
    let size = bulwark_store::MAX_TRIAGE_PAGE;
    let queue = Queue::load(app).await?;
    let mut out = Vec::new();
    let mut offset = 0u32;
    while offset < TRIAGE_SCAN {
        let page = queue.page(app, offset, size).await?;
        let fetched = u32::try_from(page.len()).unwrap_or(u32::MAX);
        // Asked of the policy a chunk at a time, a little more than is still
        // wanted, so a short answer does not read a thousand cases.
        let mut page = page.into_iter().peekable();
        while page.peek().is_some() {
            let wanted = (limit as usize).saturating_sub(out.len());
            let chunk: Vec<QueueEntry> = page.by_ref().take(wanted.clamp(16, 500)).collect();
            let ids: Vec<Uuid> = chunk.iter().map(|e| e.entry.case_id).collect();
            // The very decision of `GET /api/v1/cases/{id}`; a case merged
            // away since the ranking is not found either.
            let readable = readable_cases(app, who, &ids).await?;
            for e in chunk {
                if readable.contains_key(&e.entry.case_id) {
                    out.push(e);
                    if out.len() >= limit as usize {
                        return Ok(out);
                    }
                }
            }
        }
        if fetched < size {
            break;
        }
        offset = offset.saturating_add(fetched);
    }
    Ok(out)
}

/// Why an entry ranks where it does, in one sentence.
pub fn reason(e: &TriageEntry) -> String {
    match &e.basis {
        None => "no source has a record yet: the prior, 0.5".to_owned(),
        Some(b) => {
            let what = match b.kind {
                "org" => "organization",
                "tool" => "tool",
                _ => "AI model",
            };
            format!(
                "{what} {}: {} of {} other case{} validated, (validated + 1) ÷ (cases + 2) = {:.2}",
                b.source,
                b.validated,
                b.submitted,
                if b.submitted == 1 { "" } else { "s" },
                e.score
            )
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TriageBasisOut {
    /// `org`, `tool` or `model`.
    pub kind: String,
    /// The organization, for `org`.
    pub org: Option<Uuid>,
    /// The organization's name, the tool's name, or the model and its version.
    pub source: String,
    /// Of its other cases (this one left out), how many were validated.
    pub validated: i64,
    /// Its other cases (this one left out).
    pub submitted: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DecisionPointOut {
    /// `exploitation`, `automatable`, `technical_impact` or
    /// `mission_wellbeing`.
    pub point: String,
    /// The normalised value the decision used.
    pub value: String,
    /// Where it came from: `analyst` (the assessment), `cve` (the linked
    /// CVE's CISA ADP container), `kev` (the linked CVE is in KEV, which
    /// forces Exploitation to active) or `default` (Exploitation none,
    /// Automatable no, Technical Impact partial, Mission & Well-being high).
    pub source: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CasePriorityOut {
    /// An analyst assessed the case; unassessed cases have no decision
    /// (SSVC unknown ranks last).
    pub assessed: bool,
    /// The CVE the assessment links, whose KEV listing, EPSS, CVSS and ADP
    /// decision points count.
    pub cve: Option<String>,
    /// The decision points used, in the tree's order; empty when not
    /// assessed.
    pub decision_points: Vec<DecisionPointOut>,
    /// The decision, whether KEV forced Exploitation to active (`kev_override`),
    /// KEV, EPSS, CVSS, and one reason per key of the order.
    #[serde(flatten)]
    pub priority: PriorityOut,
}

pub fn case_priority_out(p: &CasePriority) -> CasePriorityOut {
    CasePriorityOut {
        assessed: p.assessed,
        cve: p.cve.clone(),
        decision_points: p
            .points
            .iter()
            .map(|u| DecisionPointOut {
                point: u.point.to_owned(),
                value: u.value.clone(),
                source: u.source.to_owned(),
            })
            .collect(),
        priority: priority_out(&p.priority),
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TriageEntryOut {
    pub case: Uuid,
    /// `new` or `triaged`.
    pub state: String,
    pub title: String,
    /// Credited: the organization of the earliest report, and when.
    pub first_reporter: Uuid,
    pub first_reporter_name: String,
    pub first_reported_at: String,
    /// Reports folded into the case.
    pub reports: i64,
    /// Distinct organizations that reported it.
    pub reporting_orgs: i64,
    /// (validated + 1) ÷ (submitted + 2) of the basis, 0.5 without one;
    /// absent for callers who may not read sources' records.
    pub score: Option<f64>,
    /// The source the score rests on; absent when none has a record, or
    /// for callers who may not read sources' records.
    pub basis: Option<TriageBasisOut>,
    /// The score's reason in words; absent with the score.
    pub reason: Option<String>,
    /// The case's priority (as `GET /api/v1/cases/{id}` gives it), with its
    /// reasons: what placed an assessed case.
    pub priority: CasePriorityOut,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TriageOut {
    /// Assessed cases first, by priority (SSVC decision, KEV, EPSS, CVSS,
    /// federal exposure), ties by score, first report, case id; then the
    /// unassessed cases by score, first report, case id.
    pub items: Vec<TriageEntryOut>,
}

fn entry_out(q: QueueEntry, shown: bool) -> TriageEntryOut {
    let QueueEntry { entry: e, priority } = q;
    let reason = shown.then(|| reason(&e));
    TriageEntryOut {
        case: e.case_id,
        state: e.state.as_str().to_owned(),
        title: e.title,
        first_reporter: e.first_reporter_org,
        first_reporter_name: e.first_reporter_name,
        first_reported_at: ts(e.first_reported_at),
        reports: e.reports,
        reporting_orgs: e.reporting_orgs,
        score: shown.then_some(e.score),
        basis: e.basis.filter(|_| shown).map(|b| TriageBasisOut {
            kind: b.kind.to_owned(),
            org: b.org,
            source: b.source,
            validated: b.validated,
            submitted: b.submitted,
        }),
        reason,
        priority: case_priority_out(&priority),
    }
}

/// The triage queue of `who`: the first `limit` pending cases it may read
/// (1 to 500, default [`DEFAULT_TRIAGE_LIMIT`]), most urgent first, each
/// with its priority and the priority's reasons, and the reliability score
/// and its reason for callers who may read sources' records.
pub async fn queue(app: &App, who: &Principal, limit: Option<u32>) -> AppResult<TriageOut> {
    let limit = limit.unwrap_or(DEFAULT_TRIAGE_LIMIT);
    if !(1..=500).contains(&limit) {
        return Err(AppError::malformed("limit must be between 1 and 500"));
    }
    let shown = may_see_reliability(app, who);
    let items = readable_queue(app, who, limit)
        .await?
        .into_iter()
        .map(|e| entry_out(e, shown))
        .collect();
    Ok(TriageOut { items })
}
