//! The triage queue: the cases waiting for the clearinghouse (`new`,
//! `triaged`), most urgent first, each with its priority and its reasons,
//! and the reliability score that orders it among equals.
//!
//! The order is [`bulwark_app::triage`]'s: the cases an analyst assessed first,
//! by the one priority order (`bulwark_scoring::priority::sort`: SSVC
//! decision, KEV, EPSS, CVSS, federal exposure), ties by source
//! reliability, then first report, then case id; then the unassessed cases
//! (SSVC unknown, which ranks last) in the store's reliability order
//! (`bulwark_store::TriageEntry`: the best Laplace-smoothed record among
//! the case's reporting organizations and the tools and models that have a
//! record). Each entry is shown only if the caller may read the case, by
//! the same decision as `GET /api/v1/cases/{id}`, which shows the same
//! priority. A source's record is reliability data, which `GET
//! /api/v1/sources` shows to the clearinghouse only: the score and its
//! basis are given to callers who may read that, and left out for others,
//! who still see their cases in queue order.

use axum::Json;
use axum::extract::State;
use bulwark_app::resources::readable_case;
use bulwark_authz::{Action, Resource};
use bulwark_core::Principal;
use bulwark_store::TriageEntry;
use serde::{Deserialize, Serialize};

use super::vulnerabilities::{PriorityOut, priority_out};
use bulwark_app::triage::{CasePriority, Queue, QueueEntry};
use utoipa::ToSchema;
use uuid::Uuid;

use super::ts;
use crate::extract::{ApiQuery, Caller};
use crate::problem::{ApiError, ApiResult, Kind, Problem};
use crate::state::AppState;

/// How far down the queue a caller's readable entries are looked for: the
/// policy filters after the ranking, case by case, and an organization
/// party to few cases must not make the server read the whole queue.
pub const TRIAGE_SCAN: u32 = 2_000;

/// Entries per answer when the caller names no limit.
pub const DEFAULT_TRIAGE_LIMIT: u32 = 50;

/// Whether `who` may see sources' records (the decision of `GET
/// /api/v1/sources`), and so the scores and their bases.
pub(crate) fn may_see_reliability(state: &AppState, who: &Principal) -> bool {
    state.permits(who, Action::CaseManage, &Resource::Program)
}

/// The first `limit` entries of the queue that `who` may read, in queue
/// order (see [`bulwark_app::triage`]), looked for among the first
/// [`TRIAGE_SCAN`].
pub(crate) async fn readable_queue(
    state: &AppState,
    who: &Principal,
    limit: u32,
) -> ApiResult<Vec<QueueEntry>> {
    let limit = limit.clamp(1, bulwark_store::MAX_TRIAGE_PAGE);
    // Ranking costs the same whatever the page's length: take long pages.
    let size = bulwark_store::MAX_TRIAGE_PAGE;
    let queue = Queue::load(state).await?;
    let mut out = Vec::new();
    let mut offset = 0u32;
    while offset < TRIAGE_SCAN {
        let page = queue.page(state, offset, size).await?;
        let fetched = u32::try_from(page.len()).unwrap_or(u32::MAX);
        for e in page {
            // The very decision of `GET /api/v1/cases/{id}`; a case merged
            // away since the ranking is not found either.
            match readable_case(state, who, e.entry.case_id).await {
                Ok(_) => {
                    out.push(e);
                    if out.len() >= limit as usize {
                        return Ok(out);
                    }
                }
                Err(err) if err.kind == Kind::NotFound => {}
                Err(err) => return Err(err.into()),
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
pub(crate) fn reason(e: &TriageEntry) -> String {
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

#[derive(Debug, Deserialize, ToSchema, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct TriageQuery {
    /// Entries, 1 to 500 (default 50).
    pub limit: Option<u32>,
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

pub(crate) fn case_priority_out(p: &CasePriority) -> CasePriorityOut {
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

/// The triage queue: the pending cases you may read, most urgent first,
/// each with its priority and the priority's reasons, and (for the
/// clearinghouse) the reliability score and its reason.
///
/// The order: the cases an analyst assessed (`PUT
/// /api/v1/cases/{id}/assessment`) first, by the one priority order (SSVC
/// decision Act, Attend, Track*, Track; then KEV; then EPSS of one model
/// version; then CVSS; then federal exposure when known), ties by the
/// reliability score, then the earliest first report, then the case id;
/// then the unassessed cases (SSVC unknown ranks last), by the reliability
/// score, then the earliest first report, then the case id. A case's
/// decision points are the analyst's, else its linked CVE's CISA ADP
/// values, else the defaults (Exploitation none, Automatable no, Technical
/// Impact partial, Mission & Well-being high); the linked CVE's KEV
/// listing forces Exploitation to active.
#[utoipa::path(get, path = "/api/v1/triage", tag = "clearinghouse", params(TriageQuery),
    responses((status = 200, body = TriageOut), (status = 400, body = Problem)))]
pub async fn queue(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<TriageQuery>,
) -> ApiResult<Json<TriageOut>> {
    let limit = q.limit.unwrap_or(DEFAULT_TRIAGE_LIMIT);
    if !(1..=500).contains(&limit) {
        return Err(ApiError::malformed("limit must be between 1 and 500"));
    }
    let who = &caller.principal;
    let shown = may_see_reliability(&state, who);
    let items = readable_queue(&state, who, limit)
        .await?
        .into_iter()
        .map(|e| entry_out(e, shown))
        .collect();
    Ok(Json(TriageOut { items }))
}
