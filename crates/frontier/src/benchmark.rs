//! Benchmark sets: the agencies' versioned criteria, read from TOML.
//!
//! The TOML format is a public interface (`docs/benchmarks.md`): unknown keys
//! are refused and every error names the line, so an agency sees at once
//! what is wrong with the file it wrote.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};
use toml::Spanned;

use crate::criteria::{CelError, Program, Verdict};
use crate::determination::{CriterionResult, Determination, Outcome, Tri};
use crate::profile::ModelProfile;

/// Who may read a set's criteria.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Visibility {
    Public,
    /// Developers see outcomes, never thresholds or criteria.
    Restricted,
}

/// What a criterion that holds makes of the model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CriterionOutcome {
    Covered,
    Notify,
}

impl CriterionOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            CriterionOutcome::Covered => "covered",
            CriterionOutcome::Notify => "notify",
        }
    }
}

/// One criterion: a condition over the profile and what it means when it holds.
#[derive(Debug, Clone)]
pub struct Criterion {
    id: String,
    description: String,
    source: String,
    when: String,
    outcome: CriterionOutcome,
    program: Program,
}

impl Criterion {
    pub fn id(&self) -> &str {
        &self.id
    }
    pub fn description(&self) -> &str {
        &self.description
    }
    /// The legal or policy source of the criterion and its numbers.
    pub fn source(&self) -> &str {
        &self.source
    }
    /// The CEL expression, as written.
    pub fn when(&self) -> &str {
        &self.when
    }
    pub fn outcome(&self) -> CriterionOutcome {
        self.outcome
    }
    /// The profile facts the expression reads (`training_compute_flop`,
    /// `evals.cybench`), presence tests excluded.
    pub fn reads(&self) -> Vec<String> {
        self.program.reads().iter().map(|r| r.path()).collect()
    }
}

/// A versioned, checked benchmark set.
#[derive(Debug, Clone)]
pub struct BenchmarkSet {
    id: String,
    version: String,
    effective: Date,
    title: String,
    issued_by: Vec<String>,
    visibility: Visibility,
    criteria: Vec<Criterion>,
}

/// Why a benchmark set file was refused. Every variant names a line of the
/// TOML file (1-based).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BenchmarkError {
    /// Not TOML, or not the shape of a benchmark set (unknown or missing key,
    /// wrong type).
    #[error("line {line}, column {column}: {message}")]
    Toml {
        line: usize,
        column: usize,
        message: String,
    },
    /// TOML of the right shape with a value the rules refuse.
    #[error("line {line}: {message}")]
    Invalid { line: usize, message: String },
    /// A criterion's `when` does not parse or does not type-check. `line` is
    /// where the `when` value starts in the TOML file; the error's own line
    /// and column are within the expression.
    #[error("line {line}: criterion {criterion:?}: {error}")]
    Cel {
        line: usize,
        criterion: String,
        error: CelError,
    },
    /// Two versions of one set take effect on the same day, so which one is
    /// in force cannot be told.
    #[error("benchmark {id:?}: versions {first:?} and {second:?} both take effect on {effective}")]
    SameEffectiveDate {
        id: String,
        first: String,
        second: String,
        effective: Date,
    },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSet {
    id: Spanned<String>,
    version: Spanned<String>,
    effective: Spanned<toml::Value>,
    title: Spanned<String>,
    issued_by: Spanned<Vec<Spanned<String>>>,
    visibility: Spanned<String>,
    #[serde(default)]
    criterion: Vec<Spanned<RawCriterion>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCriterion {
    id: Spanned<String>,
    description: Spanned<String>,
    source: Spanned<String>,
    when: Spanned<String>,
    outcome: Spanned<String>,
}

/// 1-based line and column of a byte offset.
fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = text.get(..offset.min(text.len())).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

/// Identifiers appear in `ID@VERSION` strings, URLs and file names.
fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphanumeric())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
        && s.len() <= 64
}

impl BenchmarkSet {
    /// Reads and checks a benchmark set. Every criterion is parsed and
    /// type-checked here, so a set that loads cannot fail at evaluation.
    pub fn from_toml(text: &str) -> Result<BenchmarkSet, BenchmarkError> {
        let raw: RawSet = toml::from_str(text).map_err(|e| {
            let (line, column) = e.span().map_or((1, 1), |span| line_col(text, span.start));
            BenchmarkError::Toml {
                line,
                column,
                message: e.message().trim().to_owned(),
            }
        })?;
        let line_of = |start: usize| line_col(text, start).0;
        let invalid = |span: std::ops::Range<usize>, message: String| BenchmarkError::Invalid {
            line: line_of(span.start),
            message,
        };
        let non_blank = |v: &Spanned<String>, what: &str| {
            if v.get_ref().trim().is_empty() {
                Err(invalid(v.span(), format!("{what} must not be blank")))
            } else {
                Ok(v.get_ref().clone())
            }
        };

        let id = raw.id.get_ref().clone();
        if !is_identifier(&id) {
            return Err(invalid(
                raw.id.span(),
                format!(
                    "id {id:?} must be 1–64 letters, digits, '.', '_' or '-', starting with a letter or digit"
                ),
            ));
        }
        let version = raw.version.get_ref().clone();
        if !is_identifier(&version) {
            return Err(invalid(
                raw.version.span(),
                format!("version {version:?} must be 1–64 letters, digits, '.', '_' or '-'"),
            ));
        }
        let effective = parse_effective(raw.effective.get_ref()).ok_or_else(|| {
            invalid(
                raw.effective.span(),
                "effective must be a date, YYYY-MM-DD".into(),
            )
        })?;
        let title = non_blank(&raw.title, "title")?;
        if raw.issued_by.get_ref().is_empty() {
            return Err(invalid(
                raw.issued_by.span(),
                "issued_by must name at least one agency".into(),
            ));
        }
        let issued_by = raw
            .issued_by
            .get_ref()
            .iter()
            .map(|a| non_blank(a, "an issued_by entry"))
            .collect::<Result<Vec<_>, _>>()?;
        let visibility = match raw.visibility.get_ref().as_str() {
            "public" => Visibility::Public,
            "restricted" => Visibility::Restricted,
            other => {
                return Err(invalid(
                    raw.visibility.span(),
                    format!("visibility {other:?} must be \"public\" or \"restricted\""),
                ));
            }
        };
        if raw.criterion.is_empty() {
            return Err(BenchmarkError::Invalid {
                line: 1,
                message: "a benchmark set needs at least one [[criterion]]".into(),
            });
        }

        let mut seen = BTreeSet::new();
        let mut criteria = Vec::with_capacity(raw.criterion.len());
        for spanned in &raw.criterion {
            let c = spanned.get_ref();
            let cid = c.id.get_ref().clone();
            if !is_identifier(&cid) {
                return Err(invalid(
                    c.id.span(),
                    format!(
                        "criterion id {cid:?} must be 1–64 letters, digits, '.', '_' or '-', starting with a letter or digit"
                    ),
                ));
            }
            if !seen.insert(cid.clone()) {
                return Err(invalid(
                    c.id.span(),
                    format!("criterion id {cid:?} is used twice"),
                ));
            }
            let description = non_blank(&c.description, "description")?;
            let source = non_blank(&c.source, "source")?;
            let outcome = match c.outcome.get_ref().as_str() {
                "covered" => CriterionOutcome::Covered,
                "notify" => CriterionOutcome::Notify,
                other => {
                    return Err(invalid(
                        c.outcome.span(),
                        format!("outcome {other:?} must be \"covered\" or \"notify\""),
                    ));
                }
            };
            let when = c.when.get_ref().clone();
            let program = Program::compile(&when).map_err(|error| BenchmarkError::Cel {
                line: line_of(c.when.span().start),
                criterion: cid.clone(),
                error,
            })?;
            criteria.push(Criterion {
                id: cid,
                description,
                source,
                when,
                outcome,
                program,
            });
        }
        Ok(BenchmarkSet {
            id,
            version,
            effective,
            title,
            issued_by,
            visibility,
            criteria,
        })
    }

    pub fn id(&self) -> &str {
        &self.id
    }
    pub fn version(&self) -> &str {
        &self.version
    }
    /// The day from which this version supersedes earlier ones.
    pub fn effective(&self) -> Date {
        self.effective
    }
    pub fn title(&self) -> &str {
        &self.title
    }
    pub fn issued_by(&self) -> &[String] {
        &self.issued_by
    }
    pub fn visibility(&self) -> Visibility {
        self.visibility
    }
    pub fn criteria(&self) -> &[Criterion] {
        &self.criteria
    }
    /// `ID@VERSION`, as determinations name the set they used.
    pub fn label(&self) -> String {
        format!("{}@{}", self.id, self.version)
    }

    /// Classifies one profile. Never fails: a fact the profile lacks makes
    /// the criteria reading it unknown, and the outcome indeterminate unless
    /// another criterion decides.
    ///
    /// The determination's `missing` lists only the facts whose value could
    /// change the outcome, so that a reader knows what to supply: none for
    /// a covered model (a criterion that holds keeps holding whatever else
    /// is learnt); for a notify one, the facts of the unknown
    /// covered-criteria (those could make it covered, the notify ones could
    /// only make it notify again); for an indeterminate one, the facts of
    /// every unknown criterion. Each criterion's own `missing` still says
    /// what it lacked.
    pub fn determine(&self, profile: &ModelProfile, made_at: OffsetDateTime) -> Determination {
        let mut criteria = Vec::with_capacity(self.criteria.len());
        let (mut covered, mut notify, mut unknown) = (false, false, false);
        for c in &self.criteria {
            let (result, miss, error) = match c.program.evaluate(profile) {
                Verdict::True => {
                    match c.outcome {
                        CriterionOutcome::Covered => covered = true,
                        CriterionOutcome::Notify => notify = true,
                    }
                    (Tri::True, Vec::new(), None)
                }
                Verdict::False => (Tri::False, Vec::new(), None),
                Verdict::Unknown(miss) => {
                    unknown = true;
                    (Tri::Unknown, miss, None)
                }
                Verdict::Error(message) => {
                    unknown = true;
                    (Tri::Unknown, Vec::new(), Some(message))
                }
            };
            criteria.push(CriterionResult {
                id: c.id.clone(),
                outcome: c.outcome,
                result,
                missing: miss,
                error,
            });
        }
        let outcome = if covered {
            Outcome::Covered
        } else if notify {
            Outcome::Notify
        } else if unknown {
            Outcome::Indeterminate
        } else {
            Outcome::NotCovered
        };
        let could_change = |c: &CriterionResult| match outcome {
            Outcome::Covered | Outcome::NotCovered => false,
            Outcome::Notify => c.outcome == CriterionOutcome::Covered,
            Outcome::Indeterminate => true,
        };
        let missing: BTreeSet<&String> = criteria
            .iter()
            .filter(|c| c.result == Tri::Unknown && could_change(c))
            .flat_map(|c| &c.missing)
            .collect();
        let missing = missing.into_iter().cloned().collect();
        Determination {
            benchmark_id: self.id.clone(),
            benchmark_version: self.version.clone(),
            visibility: self.visibility,
            outcome,
            criteria,
            missing,
            made_at,
        }
    }

    /// The version of set `id` in force on `day`: the one with the latest
    /// `effective` date not after `day`. `None` before the first takes effect.
    pub fn in_force<'a>(
        sets: &'a [BenchmarkSet],
        id: &str,
        day: Date,
    ) -> Result<Option<&'a BenchmarkSet>, BenchmarkError> {
        let mut best: Option<&BenchmarkSet> = None;
        for s in sets.iter().filter(|s| s.id == id && s.effective <= day) {
            match best {
                Some(b) if b.effective == s.effective => {
                    return Err(BenchmarkError::SameEffectiveDate {
                        id: id.to_owned(),
                        first: b.version.clone(),
                        second: s.version.clone(),
                        effective: s.effective,
                    });
                }
                Some(b) if b.effective > s.effective => {}
                _ => best = Some(s),
            }
        }
        Ok(best)
    }
}

fn parse_effective(v: &toml::Value) -> Option<Date> {
    match v {
        toml::Value::String(s) => Date::parse(s, crate::profile::date_opt::FORMAT).ok(),
        toml::Value::Datetime(dt) if dt.time.is_none() && dt.offset.is_none() => {
            let d = dt.date?;
            let month = time::Month::try_from(d.month).ok()?;
            Date::from_calendar_date(i32::from(d.year), month, d.day).ok()
        }
        _ => None,
    }
}

/// How a criterion differs between two versions of a set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "change", rename_all = "snake_case")]
pub enum CriterionDiff {
    Added {
        id: String,
    },
    Removed {
        id: String,
    },
    Changed {
        id: String,
        /// The `when` expression changed (compared as written).
        when: bool,
        /// The outcome changed (covered ↔ notify).
        outcome: bool,
        /// Description or source changed.
        text: bool,
    },
}

/// Which criteria a new version of a set adds, removes or changes, in the
/// new version's order (removed ones last).
pub fn diff_sets(old: &BenchmarkSet, new: &BenchmarkSet) -> Vec<CriterionDiff> {
    let mut out = Vec::new();
    for n in &new.criteria {
        match old.criteria.iter().find(|o| o.id == n.id) {
            None => out.push(CriterionDiff::Added { id: n.id.clone() }),
            Some(o) => {
                let when = o.when.trim() != n.when.trim();
                let outcome = o.outcome != n.outcome;
                let text = o.description != n.description || o.source != n.source;
                if when || outcome || text {
                    out.push(CriterionDiff::Changed {
                        id: n.id.clone(),
                        when,
                        outcome,
                        text,
                    });
                }
            }
        }
    }
    for o in &old.criteria {
        if !new.criteria.iter().any(|n| n.id == o.id) {
            out.push(CriterionDiff::Removed { id: o.id.clone() });
        }
    }
    out
}
