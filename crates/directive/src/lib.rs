//! Binding Operational Directives as versioned data.
//!
//! A directive (CISA's BOD 26-04, an Emergency Directive …) is a TOML
//! document (`docs/directives.md`): who issued it, what it revokes, whom it
//! binds, the facts it reads with what it does when a fact is unknown, and
//! rules from a combination of facts to a required action and timeline.
//! Loading checks the rules against the whole, finite fact space, so a
//! directive that leaves a combination uncovered or answers one twice is
//! refused before anyone is held to it. Evaluation explains every input,
//! its value and where the value came from. Requirements ask something of
//! a system itself, periodically (scanned by a class of approved tool every
//! N days), decided by the system's own facts ([`requirement`]). An
//! agency's answers, VEX
//! documents in three formats, are read into one statement model by
//! [`vex`]. No I/O here.

mod evaluate;
mod load;
pub mod requirement;
pub mod vex;

pub use evaluate::{Evaluation, Facts, FactsError, SubDeadlineDue};
pub use load::DirectiveError;
pub(crate) use load::Val;
pub use requirement::{Applicability, Requirement, SYSTEM_FACTS, SystemFacts, ToolClass};
pub use vex::{
    Justification, VexDocument, VexError, VexFormat, VexProduct, VexStatement, VexStatus,
    VexWarning, VexWarningKind,
};

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use time::{Date, Duration, OffsetDateTime};

/// A checked directive: every combination of its facts meets exactly one
/// outcome.
#[derive(Debug, Clone)]
pub struct Directive {
    id: String,
    version: String,
    title: String,
    issuer: String,
    effective: Date,
    revokes: Vec<String>,
    scope: Scope,
    facts: Vec<Fact>,
    rules: Vec<Rule>,
    /// What the directive asks of systems themselves, periodically
    /// (`requirement`).
    requirements: Vec<Requirement>,
    /// Every CVE some rule names: those CVEs are decided by the rules naming
    /// them, all others by the rules naming none.
    named_cves: BTreeSet<String>,
}

impl Directive {
    pub fn id(&self) -> &str {
        &self.id
    }
    pub fn version(&self) -> &str {
        &self.version
    }
    /// `ID@VERSION`, as evaluations and obligations cite it.
    pub fn citation(&self) -> String {
        format!("{}@{}", self.id, self.version)
    }
    pub fn title(&self) -> &str {
        &self.title
    }
    pub fn issuer(&self) -> &str {
        &self.issuer
    }
    pub fn effective(&self) -> Date {
        self.effective
    }
    /// The directives this one replaces.
    pub fn revokes(&self) -> &[String] {
        &self.revokes
    }
    pub fn scope(&self) -> &Scope {
        &self.scope
    }
    pub fn facts(&self) -> &[Fact] {
        &self.facts
    }
    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }
    pub fn fact(&self, name: &str) -> Option<&Fact> {
        self.facts.iter().find(|f| f.name == name)
    }
}

/// Whom a directive binds. Explicit because national security systems and
/// DoD systems are outside CISA's directives and follow their own track.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scope {
    pub applies_to: Vec<String>,
    pub excludes: Vec<String>,
    pub note: String,
}

/// A fact a directive reads: its allowed values (or, for a number, its
/// range) and what the directive assumes when it is unknown.
#[derive(Debug, Clone, PartialEq)]
pub struct Fact {
    pub name: String,
    pub description: String,
    /// Where the value ordinarily comes from ("KEV", "CISA ADP", "the
    /// agency's exposure flag"), cited when the facts give no source.
    pub source: String,
    /// The fact's values; empty for a number.
    pub values: Vec<String>,
    /// The value taken when the fact is unknown or not given (for a number,
    /// as text; the number itself is in `number`).
    pub unknown: String,
    /// `Some` for a numeric fact (`kind = "number"`).
    pub number: Option<NumberFact>,
    /// Why: the directive's words, or the conservative choice and its
    /// citation when the directive says nothing.
    pub unknown_basis: String,
}

/// A numeric fact's inclusive range and its value when unknown.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NumberFact {
    pub min: f64,
    pub max: f64,
    pub unknown: f64,
}

/// What a rule requires of one fact.
#[derive(Debug, Clone, PartialEq)]
pub enum Condition {
    /// One of these values.
    Values(BTreeSet<String>),
    /// A number in `[at_least, below)`; a bound not given: unbounded.
    Range {
        at_least: Option<f64>,
        below: Option<f64>,
    },
}

impl Condition {
    pub(crate) fn admits(&self, v: Val<'_>) -> bool {
        match (self, v) {
            (Condition::Values(set), Val::Str(s)) => set.contains(s),
            (Condition::Range { at_least, below }, Val::Num(n)) => {
                at_least.is_none_or(|a| n >= a) && below.is_none_or(|b| n < b)
            }
            _ => false,
        }
    }
}

impl fmt::Display for Condition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Condition::Values(set) => {
                let v: Vec<&str> = set.iter().map(String::as_str).collect();
                f.write_str(&v.join("|"))
            }
            Condition::Range { at_least, below } => {
                let lo = at_least.map_or("-inf".to_owned(), |a| format!("{a:?}"));
                let hi = below.map_or("inf".to_owned(), |b| format!("{b:?}"));
                write!(f, "[{lo}, {hi})")
            }
        }
    }
}

/// One rule: a condition over facts and what it requires.
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    pub id: String,
    /// The line of the rule's `id` in the TOML file.
    pub line: usize,
    /// Fact → the values (or range) the rule holds for; a fact not named:
    /// any value.
    pub when: BTreeMap<String, Condition>,
    /// The CVEs an emergency directive's rule is limited to.
    pub cves: Option<BTreeSet<String>>,
    pub outcome: Outcome,
}

impl Rule {
    /// Whether the rule holds for a full combination of fact values and a
    /// CVE (`None`: a CVE no rule names).
    fn holds(&self, values: &BTreeMap<&str, Val<'_>>, named_cve: Option<&str>) -> bool {
        let cve_ok = match (&self.cves, named_cve) {
            (None, None) => true,
            (Some(list), Some(cve)) => list.contains(cve),
            _ => false,
        };
        cve_ok
            && self.when.iter().all(|(fact, allowed)| {
                values
                    .get(fact.as_str())
                    .is_some_and(|v| allowed.admits(*v))
            })
    }
}

/// What a rule requires; two rules meeting on one combination must agree
/// on all of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub action: String,
    pub timeline: Timeline,
    /// Also triage the asset for compromise (BOD 26-04's forensic rows).
    pub forensic: bool,
    pub deadlines: Vec<SubDeadline>,
    /// What the agency must report.
    pub report: Vec<String>,
    /// The directive's own words or table row the rule encodes.
    pub source: String,
}

/// A further dated step inside a rule (a forensic triage, a first report).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubDeadline {
    pub what: String,
    pub timeline: Timeline,
}

/// How long the agency has, counted from the trigger in UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Timeline {
    Days(u32),
    Hours(u32),
    /// At the system's next scheduled major upgrade or rebuild: no date.
    OnUpgrade,
    /// The directive requires nothing for these facts (`none`): how an
    /// emergency directive about named CVEs leaves every other CVE to the
    /// directives that cover it. No obligation comes of it.
    NotRequired,
}

impl Timeline {
    /// The due time, `None` for a fix on upgrade (or past the calendar's end).
    pub fn due(self, trigger: OffsetDateTime) -> Option<OffsetDateTime> {
        let span = match self {
            Timeline::Days(d) => Duration::days(i64::from(d)),
            Timeline::Hours(h) => Duration::hours(i64::from(h)),
            Timeline::OnUpgrade | Timeline::NotRequired => return None,
        };
        trigger.to_offset(time::UtcOffset::UTC).checked_add(span)
    }

    /// `3 days`, `1 day`, `48 hours`, `on upgrade`, `none`.
    pub fn parse(s: &str) -> Option<Timeline> {
        let s = s.trim().to_ascii_lowercase();
        if s == "on upgrade" {
            return Some(Timeline::OnUpgrade);
        }
        if s == "none" {
            return Some(Timeline::NotRequired);
        }
        let (n, unit) = s.split_once(' ')?;
        let n: u32 = n.parse().ok()?;
        match unit.trim() {
            "day" | "days" => Some(Timeline::Days(n)),
            "hour" | "hours" => Some(Timeline::Hours(n)),
            _ => None,
        }
    }
}

impl fmt::Display for Timeline {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Timeline::Days(1) => f.write_str("1 day"),
            Timeline::Days(d) => write!(f, "{d} days"),
            Timeline::Hours(1) => f.write_str("1 hour"),
            Timeline::Hours(h) => write!(f, "{h} hours"),
            Timeline::OnUpgrade => f.write_str("on upgrade"),
            Timeline::NotRequired => f.write_str("none"),
        }
    }
}
