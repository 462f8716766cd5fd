//! The dashboard's numbers: what waits for the caller, counted, each count
//! the size of a list the pages can show filtered to exactly those items.
//!
//! Every count is taken over what the caller may read, through the same
//! use cases the lists use (and so the same policy decisions): a record's
//! marking, embargo and parties decide per record whether it counts, so the
//! counts are made over readable records rather than by a store `COUNT`
//! that could not ask the policy (a TLP:RED case is not even the
//! operator's to count). Each part is `None` when the caller has nothing
//! of that kind to see.

use std::collections::BTreeMap;

use bulwark_core::{GrantStatus, Principal, SubmissionState};

use crate::directives::obligations;
use crate::{App, AppResult, frontier, notices, partners, reviews, triage};

/// A count under a key (a state, a status, a decision), in the key's order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Count {
    /// As stored: the value a list's filter takes.
    pub key: String,
    pub n: u64,
}

/// Submissions by state, in workflow order, without the empty ones.
#[derive(Debug, Clone, Default)]
pub struct Submissions {
    pub by_state: Vec<Count>,
    pub total: u64,
    /// The fewest whole days left to a release to trusted partners among
    /// the open ones (submitted, not concluded or withdrawn).
    pub fewest_days_left: Option<i64>,
}

/// The triage queue the caller may read, by SSVC decision and by state.
#[derive(Debug, Clone, Default)]
pub struct Queue {
    /// `act`, `attend`, `track*`, `track`, then `unknown` (not assessed).
    pub by_priority: Vec<Count>,
    /// `new`, `triaged`.
    pub by_state: Vec<Count>,
    pub total: u64,
    /// Every readable entry was counted (else the counts are "at least").
    pub complete: bool,
}

/// Open obligations: due soon and overdue.
#[derive(Debug, Clone, Default)]
pub struct Obligations {
    pub open: u64,
    pub due_soon: u64,
    pub overdue: u64,
    /// Days within which "due soon" falls.
    pub due_soon_days: i64,
}

/// What the dashboard shows the caller.
#[derive(Debug, Clone, Default)]
pub struct Overview {
    /// The caller's organization's own submissions.
    pub own_submissions: Option<Submissions>,
    /// Others' submissions the caller may read: a reviewer's queue.
    pub review_queue: Option<Submissions>,
    /// Grants the caller may read, by status.
    pub grants: Option<Vec<Count>>,
    /// Requests for access to the catalogue's tools the caller may read,
    /// by status.
    pub access: Option<Vec<Count>>,
    pub queue: Option<Queue>,
    /// Models of the registry the caller may read, by their latest
    /// determination under the first set in force.
    pub models: Option<Vec<Count>>,
    pub obligations: Option<Obligations>,
    pub unread_notices: Option<u64>,
    /// Cases that wait for the caller's organization (a validation or a
    /// patch check it was asked for).
    pub awaiting: Option<u64>,
}

/// How many entries of the queue are counted at most (the queue's own
/// scan limit applies too: [`triage::TRIAGE_SCAN`]).
const QUEUE_COUNTED: u32 = bulwark_store::MAX_TRIAGE_PAGE;

/// The SSVC decisions as a filter names them (lower case), most urgent
/// first, `unknown` for a case nobody assessed.
pub const DECISIONS: [&str; 5] = ["act", "attend", "track*", "track", "unknown"];

/// A queue entry's decision as [`DECISIONS`] names it.
pub fn decision_key(e: &triage::QueueEntry) -> String {
    e.priority
        .priority
        .ssvc
        .map_or_else(|| "unknown".to_owned(), |d| d.as_str().to_ascii_lowercase())
}

fn counted<'a>(
    order: impl IntoIterator<Item = &'a str>,
    tally: &BTreeMap<String, u64>,
) -> Vec<Count> {
    order
        .into_iter()
        .filter_map(|k| {
            tally.get(k).filter(|n| **n > 0).map(|n| Count {
                key: k.to_owned(),
                n: *n,
            })
        })
        .collect()
}

/// The counts `who` may see, for the dashboard.
pub async fn overview(app: &App, who: &Principal) -> AppResult<Overview> {
    let now = app.now();
    let mut out = Overview::default();

    // Submissions: the organization's own, and the others' it may read.
    let (mut own, mut others) = (BTreeMap::new(), BTreeMap::new());
    let (mut own_days, mut other_days): (Option<i64>, Option<i64>) = (None, None);
    for s in reviews::visible(app, who).await? {
        let mine = s.developer_org == who.org_id;
        let (tally, days) = if mine {
            (&mut own, &mut own_days)
        } else {
            (&mut others, &mut other_days)
        };
        *tally.entry(s.state.as_str().to_owned()).or_insert(0u64) += 1;
        if !s.state.is_final()
            && let Some(w) = s.window()
        {
            let left = w.days_remaining(now);
            *days = Some(days.map_or(left, |d| d.min(left)));
        }
    }
    let order = || SubmissionState::ALL.iter().map(|s| s.as_str());
    let submissions = |tally: &BTreeMap<String, u64>, days| {
        (!tally.is_empty()).then(|| Submissions {
            by_state: counted(order(), tally),
            total: tally.values().sum(),
            fewest_days_left: days,
        })
    };
    out.own_submissions = submissions(&own, own_days);
    out.review_queue = submissions(&others, other_days);

    // Grants, by their status now.
    let mut grants = BTreeMap::new();
    for g in partners::readable_grants(app, who).await? {
        *grants
            .entry(g.status(now).as_str().to_owned())
            .or_insert(0u64) += 1;
    }
    if !grants.is_empty() {
        out.grants = Some(counted(
            GrantStatus::ALL.iter().map(|s| s.as_str()),
            &grants,
        ));
    }

    // Access to the catalogue's tools, by status now.
    let mut access = BTreeMap::new();
    for r in crate::tools::access::list(app, who, &Default::default()).await? {
        *access.entry(r.status).or_insert(0u64) += 1;
    }
    if !access.is_empty() {
        out.access = Some(counted(
            bulwark_tools::program::AccessStatus::ALL
                .iter()
                .map(|s| s.as_str()),
            &access,
        ));
    }

    // The triage queue.
    let entries = triage::readable_queue(app, who, QUEUE_COUNTED).await?;
    if !entries.is_empty() {
        let complete = entries.len() < QUEUE_COUNTED as usize;
        let (mut by_priority, mut by_state) = (BTreeMap::new(), BTreeMap::new());
        for e in &entries {
            *by_priority.entry(decision_key(e)).or_insert(0u64) += 1;
            *by_state
                .entry(e.entry.state.as_str().to_owned())
                .or_insert(0u64) += 1;
        }
        out.queue = Some(Queue {
            by_priority: counted(DECISIONS, &by_priority),
            by_state: counted(["new", "triaged"], &by_state),
            total: entries.len() as u64,
            complete,
        });
    }

    // Cases waiting for the organization.
    let awaiting = crate::cases::awaiting(app, who).await?.len() as u64;
    out.awaiting = (awaiting > 0).then_some(awaiting);

    // The frontier registry.
    let counts = frontier::outcome_counts(app, who).await?;
    if counts.iter().any(|c| c.n > 0) {
        out.models = Some(counts);
    }

    // Obligations: the agency's own (an agency member), else every agency's
    // the caller may see (the issuer); neither for anyone else.
    let totals = if app.permits(
        who,
        bulwark_authz::Action::ComplianceReadAll,
        &bulwark_authz::Resource::Program,
    ) {
        obligations::government_wide(app, who).await?
    } else {
        obligations::agency_compliance(app, who, who.org_id)
            .await?
            .total
            .into_iter()
            .collect()
    };
    if !totals.is_empty() {
        out.obligations = Some(Obligations {
            open: totals.iter().map(|c| c.open).sum(),
            due_soon: totals.iter().map(|c| c.due_soon).sum(),
            overdue: totals.iter().map(|c| c.overdue).sum(),
            due_soon_days: obligations::DUE_SOON_DAYS,
        });
    }

    out.unread_notices = notices::unread(app, who).await?;
    Ok(out)
}

/// Weeks the clearinghouse's activity chart covers.
pub const ACTIVITY_WEEKS: usize = 12;

/// Cases (and validations) read at most for the activity chart, newest
/// first: each is judged by the policy on its own.
const ACTIVITY_ROWS: u32 = 1_000;

/// One week of the clearinghouse's activity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Week {
    /// The week's last day (the last week ends today).
    pub until: time::Date,
    /// Cases opened in the week.
    pub opened: u64,
    /// Validations recorded in the week.
    pub validations: u64,
}

/// The clearinghouse's last [`ACTIVITY_WEEKS`] weeks as `who` may see them.
#[derive(Debug, Clone)]
pub struct Activity {
    /// Oldest first; the last ends now.
    pub weeks: Vec<Week>,
    /// Every case and validation of the window was read (else only the
    /// latest [`ACTIVITY_ROWS`] of each).
    pub complete: bool,
}

/// Cases opened and validations recorded per week over the last
/// [`ACTIVITY_WEEKS`] weeks, counting only the cases `who` may read (a
/// validation counts when its case does).
pub async fn clearinghouse_activity(app: &App, who: &Principal) -> AppResult<Activity> {
    let now = app.now();
    let span = time::Duration::weeks(ACTIVITY_WEEKS as i64);
    let since = now - span;
    let opened = app.store.cases_opened_since(since, ACTIVITY_ROWS).await?;
    let validations = app.store.validations_since(since, ACTIVITY_ROWS).await?;
    let complete =
        opened.len() < ACTIVITY_ROWS as usize && validations.len() < ACTIVITY_ROWS as usize;
    let ids: Vec<uuid::Uuid> = {
        let mut ids: Vec<uuid::Uuid> = opened
            .iter()
            .chain(validations.iter())
            .map(|(case, _)| *case)
            .collect();
        ids.sort_unstable();
        ids.dedup();
        ids
    };
    let readable = crate::resources::readable_cases(app, who, &ids).await?;
    let mut weeks: Vec<Week> = (0..ACTIVITY_WEEKS)
        .map(|i| Week {
            until: (since + time::Duration::weeks(i as i64 + 1)).date(),
            opened: 0,
            validations: 0,
        })
        .collect();
    let week_of = |at: time::OffsetDateTime| {
        usize::try_from((at - since).whole_weeks())
            .unwrap_or(0)
            .min(ACTIVITY_WEEKS - 1)
    };
    for (rows, opened_side) in [(opened, true), (validations, false)] {
        for (case, at) in rows {
            let may = readable.contains_key(&case);
            if may {
                let w = &mut weeks[week_of(at)];
                if opened_side {
                    w.opened += 1;
                } else {
                    w.validations += 1;
                }
            }
        }
    }
    Ok(Activity { weeks, complete })
}
