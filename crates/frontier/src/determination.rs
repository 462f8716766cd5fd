//! Determinations: what a benchmark set made of a profile, criterion by
//! criterion, and how two determinations of one model differ.

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use time::OffsetDateTime;

use crate::benchmark::{CriterionOutcome, Visibility};
use crate::profile::ModelProfile;

/// The classification of a model under one benchmark set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// A covered-criterion holds.
    Covered,
    /// No covered-criterion holds, a notify-criterion does.
    Notify,
    /// Every criterion is known and none holds.
    NotCovered,
    /// Nothing holds and some criterion is unknown: facts are missing.
    Indeterminate,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Covered => "covered",
            Outcome::Notify => "notify",
            Outcome::NotCovered => "not_covered",
            Outcome::Indeterminate => "indeterminate",
        }
    }
}

impl std::fmt::Display for Outcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A three-valued truth: serialized as `true`, `false` or `"unknown"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Tri {
    True,
    False,
    Unknown,
}

impl Serialize for Tri {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Tri::True => s.serialize_bool(true),
            Tri::False => s.serialize_bool(false),
            Tri::Unknown => s.serialize_str("unknown"),
        }
    }
}

impl<'de> Deserialize<'de> for Tri {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Tri, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = Tri;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("true, false or \"unknown\"")
            }
            fn visit_bool<E: serde::de::Error>(self, v: bool) -> Result<Tri, E> {
                Ok(if v { Tri::True } else { Tri::False })
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Tri, E> {
                if v == "unknown" {
                    Ok(Tri::Unknown)
                } else {
                    Err(E::invalid_value(serde::de::Unexpected::Str(v), &self))
                }
            }
        }
        d.deserialize_any(Visitor)
    }
}

/// One criterion's result for one profile.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CriterionResult {
    pub id: String,
    pub outcome: CriterionOutcome,
    pub result: Tri,
    /// Facts this criterion reads that the profile lacks (when unknown).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub missing: Vec<String>,
    /// A runtime error (integer overflow, division by zero) that made the
    /// criterion unknown.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// What a benchmark set made of a profile, and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Determination {
    pub benchmark_id: String,
    pub benchmark_version: String,
    pub visibility: Visibility,
    pub outcome: Outcome,
    /// In the set's order.
    pub criteria: Vec<CriterionResult>,
    /// Facts read by the unknown criteria that the profile lacks, sorted:
    /// what a developer must supply for a definite answer.
    pub missing: Vec<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub made_at: OffsetDateTime,
}

impl Determination {
    /// `ID@VERSION` of the set used.
    pub fn benchmark(&self) -> String {
        format!("{}@{}", self.benchmark_id, self.benchmark_version)
    }

    /// What a developer may see: for a restricted set, the outcome and the
    /// missing facts, but no criteria (their ids and results would reveal
    /// the thresholds). A public set's determination is returned whole.
    pub fn redacted(&self) -> Determination {
        let mut d = self.clone();
        if d.visibility == Visibility::Restricted {
            d.criteria.clear();
        }
        d
    }

    /// The record `bulwark frontier classify --format json` prints for a
    /// profile: `{"model", "organization", "outcome", "criteria":
    /// [{"id", "result"}], "missing", "benchmark": "ID@VERSION"}`, in that
    /// order.
    pub fn record<'a>(&'a self, profile: &'a ModelProfile) -> ClassifyRecord<'a> {
        ClassifyRecord {
            model: &profile.name,
            organization: profile.organization.as_deref(),
            outcome: self.outcome,
            criteria: self
                .criteria
                .iter()
                .map(|c| RecordCriterion {
                    id: &c.id,
                    result: c.result,
                })
                .collect(),
            missing: &self.missing,
            benchmark: self.benchmark(),
        }
    }
}

/// One line of `classify` output; serialize it with `serde_json`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClassifyRecord<'a> {
    pub model: &'a str,
    pub organization: Option<&'a str>,
    pub outcome: Outcome,
    pub criteria: Vec<RecordCriterion<'a>>,
    pub missing: &'a [String],
    pub benchmark: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RecordCriterion<'a> {
    pub id: &'a str,
    pub result: Tri,
}

/// How one criterion's result differs between two determinations.
/// `None` on a side means the criterion is not in that version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CriterionChange {
    pub id: String,
    pub before: Option<Tri>,
    pub after: Option<Tri>,
    pub outcome_before: Option<CriterionOutcome>,
    pub outcome_after: Option<CriterionOutcome>,
}

/// How a model's determination changed, e.g. on a new benchmark version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change {
    pub benchmark_before: String,
    pub benchmark_after: String,
    pub outcome_before: Outcome,
    pub outcome_after: Outcome,
    /// Criteria added, removed, with a different result, or holding with a
    /// different outcome; in the order of the later determination, removed
    /// ones last.
    pub criteria: Vec<CriterionChange>,
}

impl Change {
    /// The model moved to another outcome.
    pub fn moved(&self) -> bool {
        self.outcome_before != self.outcome_after
    }

    /// Nothing a reader would care about changed.
    pub fn is_unchanged(&self) -> bool {
        !self.moved() && self.criteria.is_empty()
    }
}

/// Compares two determinations of one model (a pure function of the two).
pub fn compare(before: &Determination, after: &Determination) -> Change {
    let mut criteria = Vec::new();
    for a in &after.criteria {
        let b = before.criteria.iter().find(|b| b.id == a.id);
        // An outcome change matters only where the criterion holds: a false
        // or unknown criterion weighs the same whatever it would make of a
        // model.
        let changed = b.is_none_or(|b| {
            b.result != a.result || (b.outcome != a.outcome && a.result == Tri::True)
        });
        if changed {
            criteria.push(CriterionChange {
                id: a.id.clone(),
                before: b.map(|b| b.result),
                after: Some(a.result),
                outcome_before: b.map(|b| b.outcome),
                outcome_after: Some(a.outcome),
            });
        }
    }
    for b in &before.criteria {
        if !after.criteria.iter().any(|a| a.id == b.id) {
            criteria.push(CriterionChange {
                id: b.id.clone(),
                before: Some(b.result),
                after: None,
                outcome_before: Some(b.outcome),
                outcome_after: None,
            });
        }
    }
    Change {
        benchmark_before: before.benchmark(),
        benchmark_after: after.benchmark(),
        outcome_before: before.outcome,
        outcome_after: after.outcome,
        criteria,
    }
}

/// A model's entry in a re-determination of a registry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "change", rename_all = "snake_case")]
pub enum RegistryChange {
    /// Only in the later run.
    Added { outcome: Outcome },
    /// Only in the earlier run.
    Removed { outcome: Outcome },
    /// In both, and something changed.
    Changed(Change),
}

/// Re-determination of a registry: every model (by the caller's key, e.g.
/// name and organization) whose determination changed, in key order.
/// Unchanged models are left out.
pub fn compare_registry<K: Ord + Clone>(
    before: &BTreeMap<K, Determination>,
    after: &BTreeMap<K, Determination>,
) -> Vec<(K, RegistryChange)> {
    let mut out = Vec::new();
    for (k, a) in after {
        match before.get(k) {
            None => out.push((k.clone(), RegistryChange::Added { outcome: a.outcome })),
            Some(b) => {
                let change = compare(b, a);
                if !change.is_unchanged() {
                    out.push((k.clone(), RegistryChange::Changed(change)));
                }
            }
        }
    }
    for (k, b) in before {
        if !after.contains_key(k) {
            out.push((k.clone(), RegistryChange::Removed { outcome: b.outcome }));
        }
    }
    out.sort_by(|x, y| x.0.cmp(&y.0));
    out
}
