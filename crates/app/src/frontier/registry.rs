//! The registry as its page lists it: every model the caller may read,
//! counted by determination, filtered (determination, developer), sorted
//! and cut into pages, with what its chart draws (training compute against
//! publication date, and the compute thresholds of the sets in force whose
//! criteria the caller may read).
//!
//! The registry is read whole and filtered here because each model is
//! judged by the policy on its own marking: a store `COUNT` or `WHERE`
//! could not leave out the models the caller may not read.

use std::collections::{BTreeMap, HashMap};

use bulwark_authz::Action;
use bulwark_core::Principal;
use bulwark_store::{PageRequest, StoredDetermination, StoredModel};
use time::Date;
use uuid::Uuid;

use super::{BenchmarkOut, LatestDetermination, benchmarks_in_force, parse_profile, sets_in_force};
use crate::dashboard::Count;
use crate::resources::{model_resource, set_resource};
use crate::{App, AppError, AppResult};

/// The determinations a filter may name, in the order the page shows them;
/// `undetermined` is a model with no determination under the set.
pub const OUTCOMES: [&str; 5] = [
    "covered",
    "notify",
    "indeterminate",
    "not_covered",
    "undetermined",
];

/// How the registry is ordered.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Sort {
    /// Latest publication date first (models without one last), then name.
    #[default]
    Newest,
    Oldest,
    Name,
    /// Most training compute first (models without a figure last).
    Compute,
}

impl Sort {
    pub const ALL: [(Sort, &'static str); 4] = [
        (Sort::Newest, "newest"),
        (Sort::Oldest, "oldest"),
        (Sort::Name, "name"),
        (Sort::Compute, "compute"),
    ];

    pub fn parse(s: &str) -> AppResult<Sort> {
        Sort::ALL
            .iter()
            .find(|(_, w)| *w == s)
            .map(|(s, _)| *s)
            .ok_or_else(|| {
                AppError::validation(format!(
                    "sort: {s:?} is not one of newest, oldest, name, compute"
                ))
            })
    }

    pub fn as_str(self) -> &'static str {
        Sort::ALL
            .iter()
            .find(|(s, _)| *s == self)
            .map_or("newest", |(_, w)| w)
    }
}

/// What the registry page asks for.
#[derive(Debug, Clone, Default)]
pub struct RegistryQuery {
    /// One of [`OUTCOMES`], under the first set in force.
    pub outcome: Option<String>,
    /// The owning (developer) organization.
    pub developer: Option<Uuid>,
    pub sort: Sort,
    /// Rows skipped (page × limit).
    pub offset: usize,
    pub limit: usize,
}

/// One model as the registry lists it.
pub struct RegistryItem {
    pub model: StoredModel,
    pub published: Option<Date>,
    pub compute: Option<f64>,
    /// One per set of [`RegistryView::sets`], in that order.
    pub latest: Vec<Option<LatestDetermination>>,
    /// The latest outcome under the first set, as [`OUTCOMES`] word.
    pub outcome: &'static str,
}

/// A compute threshold of a set in force: a criterion that holds on
/// training compute alone.
pub struct Threshold {
    pub criterion: String,
    pub flop: f64,
}

/// The registry page's content.
pub struct RegistryView {
    pub sets: Vec<BenchmarkOut>,
    /// By outcome under the first set, over the models of the developer
    /// filter (the other filter left aside, so each count is what choosing
    /// it lists).
    pub counts: Vec<Count>,
    /// Developers with readable models, and how many each.
    pub developers: Vec<(Uuid, u64)>,
    /// Models matching both filters.
    pub matching: usize,
    /// The page of them.
    pub page: Vec<RegistryItem>,
    /// Every matching model with a compute figure and a publication date:
    /// (id, name, date, FLOP, outcome).
    pub points: Vec<(Uuid, String, Date, f64, &'static str)>,
    pub thresholds: Vec<Threshold>,
}

fn outcome_word(s: &str) -> &'static str {
    OUTCOMES
        .iter()
        .find(|o| **o == s)
        .copied()
        .unwrap_or("undetermined")
}

/// Every model `who` may read, a store page at a time.
async fn readable_models(app: &App, who: &Principal) -> AppResult<Vec<StoredModel>> {
    let mut out = Vec::new();
    let mut after = None;
    loop {
        let page = app
            .store
            .models(PageRequest {
                after,
                limit: PageRequest::MAX_LIMIT,
            })
            .await?;
        out.extend(
            page.items
                .into_iter()
                .filter(|m| app.permits(who, Action::ModelRead, &model_resource(m))),
        );
        match page.next {
            Some(n) => after = Some(n),
            None => return Ok(out),
        }
    }
}

/// Each set's latest determination per model.
async fn latest_by_set(
    app: &App,
    sets: &[BenchmarkOut],
) -> AppResult<Vec<HashMap<Uuid, StoredDetermination>>> {
    let mut out = Vec::with_capacity(sets.len());
    for s in sets {
        out.push(
            app.store
                .latest_determinations(&s.id)
                .await?
                .into_iter()
                .map(|d| (d.model_id, d))
                .collect(),
        );
    }
    Ok(out)
}

/// The models `who` may read by their latest determination under the
/// first set in force `who` may read (for the dashboard).
pub async fn outcome_counts(app: &App, who: &Principal) -> AppResult<Vec<Count>> {
    let view = registry_view(
        app,
        who,
        &RegistryQuery {
            limit: 1,
            ..RegistryQuery::default()
        },
    )
    .await?;
    Ok(view.counts)
}

/// A criterion that reads training compute and nothing else
/// (`training_compute_flop > N`): its threshold.
fn threshold(when: &str) -> Option<f64> {
    let rest = when
        .trim()
        .strip_prefix("training_compute_flop")?
        .trim_start();
    let rest = rest
        .strip_prefix(">=")
        .or_else(|| rest.strip_prefix('>'))?
        .trim();
    rest.parse::<f64>()
        .ok()
        .filter(|v| v.is_finite() && *v > 0.0)
}

/// The registry as `q` asks for it.
pub async fn registry_view(
    app: &App,
    who: &Principal,
    q: &RegistryQuery,
) -> AppResult<RegistryView> {
    if let Some(o) = &q.outcome
        && !OUTCOMES.contains(&o.as_str())
    {
        return Err(AppError::validation(format!(
            "determination: {o:?} is not one of {}",
            OUTCOMES.join(", ")
        )));
    }
    let sets = benchmarks_in_force(app, who).await?;
    let latest = latest_by_set(app, &sets).await?;
    let mut items = Vec::new();
    for m in readable_models(app, who).await? {
        let profile = parse_profile(&m)?;
        let latest: Vec<Option<LatestDetermination>> = sets
            .iter()
            .zip(&latest)
            .map(|(s, by_model)| {
                by_model.get(&m.id).map(|d| LatestDetermination {
                    benchmark: format!("{}@{}", d.set_id, d.version),
                    outcome: d.outcome.clone(),
                    older: d.version != s.version,
                })
            })
            .collect();
        let outcome = latest
            .first()
            .and_then(|l| l.as_ref())
            .map_or("undetermined", |l| outcome_word(&l.outcome));
        items.push(RegistryItem {
            published: profile.published,
            compute: profile.training_compute_flop,
            model: m,
            latest,
            outcome,
        });
    }
    let mut developers: BTreeMap<Uuid, u64> = BTreeMap::new();
    for i in &items {
        *developers.entry(i.model.owner_org).or_default() += 1;
    }
    items.retain(|i| q.developer.is_none_or(|d| d == i.model.owner_org));
    let mut tally: BTreeMap<String, u64> = BTreeMap::new();
    for i in &items {
        *tally.entry(i.outcome.to_owned()).or_default() += 1;
    }
    let counts = OUTCOMES
        .iter()
        .map(|o| Count {
            key: (*o).to_owned(),
            n: tally.get(*o).copied().unwrap_or(0),
        })
        .filter(|c| c.n > 0 || c.key != "undetermined")
        .collect();
    items.retain(|i| q.outcome.as_deref().is_none_or(|o| o == i.outcome));
    match q.sort {
        Sort::Newest => items.sort_by(|a, b| {
            b.published
                .is_some()
                .cmp(&a.published.is_some())
                .then(b.published.cmp(&a.published))
                .then(a.model.name.cmp(&b.model.name))
        }),
        Sort::Oldest => items.sort_by(|a, b| {
            b.published
                .is_some()
                .cmp(&a.published.is_some())
                .then(a.published.cmp(&b.published))
                .then(a.model.name.cmp(&b.model.name))
        }),
        Sort::Name => items.sort_by(|a, b| {
            a.model
                .name
                .cmp(&b.model.name)
                .then(a.model.id.cmp(&b.model.id))
        }),
        Sort::Compute => items.sort_by(|a, b| {
            b.compute
                .unwrap_or(-1.0)
                .total_cmp(&a.compute.unwrap_or(-1.0))
                .then(a.model.name.cmp(&b.model.name))
        }),
    }
    let points = items
        .iter()
        .filter_map(|i| match (i.published, i.compute) {
            (Some(d), Some(c)) if c > 0.0 => {
                Some((i.model.id, i.model.name.clone(), d, c, i.outcome))
            }
            _ => None,
        })
        .collect();
    let mut thresholds: Vec<Threshold> = Vec::new();
    for set in sets_in_force(app).await? {
        let restricted = set.visibility() == bulwark_frontier::Visibility::Restricted;
        if !app.permits(
            who,
            Action::BenchmarkReadCriteria,
            &set_resource(set.id(), restricted),
        ) {
            continue;
        }
        for c in set.criteria() {
            if let Some(flop) = threshold(c.when()) {
                thresholds.push(Threshold {
                    criterion: c.id().to_owned(),
                    flop,
                });
            }
        }
    }
    let matching = items.len();
    let page = items
        .into_iter()
        .skip(q.offset)
        .take(q.limit.max(1))
        .collect();
    Ok(RegistryView {
        sets,
        counts,
        developers: developers.into_iter().collect(),
        matching,
        page,
        points,
        thresholds,
    })
}

#[cfg(test)]
mod tests {
    use super::threshold;

    #[test]
    fn only_a_criterion_on_compute_alone_is_a_threshold() {
        assert_eq!(threshold("training_compute_flop > 1e26"), Some(1e26));
        assert_eq!(threshold(" training_compute_flop >= 1e25 "), Some(1e25));
        assert_eq!(
            threshold("bio_sequence_data && training_compute_flop > 1e23"),
            None
        );
        assert_eq!(
            threshold("training_compute_flop > 1e23 && evals.x > 0.5"),
            None
        );
        assert_eq!(threshold("training_compute_flop < 1e23"), None);
    }
}
