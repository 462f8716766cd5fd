//! Requirements: what a directive asks of a system itself, again and again,
//! rather than of one vulnerability on it. "Every high-value asset scanned
//! by an approved AI-enabled tool at least every 30 days" is one: a
//! condition on the system's own facts, an action, the longest gap allowed
//! and the class of tool whose scans count.
//!
//! Whether a requirement applies to a system is decided here, from the
//! system's facts with the directive's defaults for unknown; whether it is
//! met is the clearinghouse's records (scan claims and their outcomes), so
//! it is the application's: this module only says which tools count and
//! when the next scan is due after the last one.

use std::collections::{BTreeMap, BTreeSet};

use bulwark_tools::ToolKind;
use serde::Serialize;
use time::OffsetDateTime;

use crate::{Condition, Directive, Timeline, Val};

/// The facts a system carries by itself, which a requirement's `when` may
/// read: a requirement is about the system, not about a vulnerability on it.
pub const SYSTEM_FACTS: &[&str] = &[
    "high_value_asset",
    "publicly_exposed",
    "national_security_system",
];

/// One requirement of a directive.
#[derive(Debug, Clone, PartialEq)]
pub struct Requirement {
    pub id: String,
    /// The line of the requirement's `id` in the TOML file.
    pub line: usize,
    /// The directive's own words the requirement encodes.
    pub source: String,
    /// System fact → the values it holds for; a fact not named: any value.
    pub when: BTreeMap<String, Condition>,
    pub action: String,
    /// The longest gap allowed between two qualifying scans (days or hours).
    pub every: Timeline,
    pub tool: ToolClass,
}

/// Which catalogue entries' scans meet a requirement: approved ones (always:
/// a requirement never counts an entry the program office has not approved)
/// of these kinds, AI-enabled when asked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ToolClass {
    pub ai_enabled: bool,
    /// Every kind when the directive names none.
    pub kinds: BTreeSet<ToolKind>,
}

impl ToolClass {
    /// Whether an approved entry of this kind, AI-enabled or not, is of the
    /// class. The entry's approval is the caller's to check.
    pub fn admits(&self, kind: ToolKind, ai_enabled: bool) -> bool {
        self.kinds.contains(&kind) && (!self.ai_enabled || ai_enabled)
    }

    /// `approved AI-enabled entries of kind fuzzer or scanner`.
    pub fn describe(&self) -> String {
        let kinds: Vec<&str> = self.kinds.iter().map(|k| k.as_str()).collect();
        let kinds = if self.kinds.len() == ToolKind::ALL.len() {
            "of any kind".to_owned()
        } else {
            format!("of kind {}", kinds.join(", "))
        };
        format!(
            "approved {}catalogue entries {kinds}",
            if self.ai_enabled { "AI-enabled " } else { "" }
        )
    }
}

/// A system's own facts as the agency gave them: `None` is unknown (the
/// directive's default applies), with where the value comes from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SystemFacts {
    facts: BTreeMap<String, (Option<String>, String)>,
}

impl SystemFacts {
    pub fn new() -> SystemFacts {
        SystemFacts::default()
    }

    /// Adds one fact: its value (`None`: unknown, `yes`/`no` otherwise) and
    /// its source.
    pub fn with(mut self, name: &str, value: Option<&str>, source: &str) -> SystemFacts {
        self.facts.insert(
            name.to_owned(),
            (
                value.map(|v| v.trim().to_ascii_lowercase()),
                source.to_owned(),
            ),
        );
        self
    }
}

/// Whether a requirement applies to a system, and why: each fact it reads,
/// its value and source.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Applicability {
    pub applies: bool,
    pub explanation: Vec<String>,
}

impl Requirement {
    /// The due time when the last qualifying scan (or, before any, the
    /// trigger) was at `last`; `None` past the calendar's end.
    pub fn due_after(&self, last: OffsetDateTime) -> Option<OffsetDateTime> {
        self.every.due(last)
    }

    /// `every 30 days`: how the obligation's timeline reads.
    pub fn timeline(&self) -> String {
        format!("every {}", self.every)
    }
}

impl Directive {
    /// The directive's requirements on systems, in file order.
    pub fn requirements(&self) -> &[Requirement] {
        &self.requirements
    }

    /// Whether `req` applies to a system with these facts. A fact not given,
    /// or given with a value the directive does not list, takes the
    /// directive's default for unknown, and the explanation says so.
    pub fn requirement_applies(&self, req: &Requirement, system: &SystemFacts) -> Applicability {
        let mut explanation = Vec::new();
        let mut applies = true;
        for (name, cond) in &req.when {
            let Some(fact) = self.fact(name) else {
                // Loading refuses a `when` on an undeclared fact.
                applies = false;
                continue;
            };
            let given = system.facts.get(name);
            let (value, line) = match given {
                Some((Some(v), source)) if fact.values.contains(v) => {
                    (v.as_str(), format!("{name} = {v} (source: {source})"))
                }
                Some((v, source)) => {
                    let said = v
                        .as_ref()
                        .map_or(String::new(), |v| format!(" ({source} said {v:?})"));
                    (
                        fact.unknown.as_str(),
                        format!(
                            "{name} = {} (source: the directive's default for unknown; given as unknown by {source}{said}; {})",
                            fact.unknown, fact.unknown_basis
                        ),
                    )
                }
                None => (
                    fact.unknown.as_str(),
                    format!(
                        "{name} = {} (source: the directive's default for unknown; not given; {})",
                        fact.unknown, fact.unknown_basis
                    ),
                ),
            };
            explanation.push(line);
            applies &= cond.admits(Val::Str(value));
        }
        let source = if req.source.is_empty() {
            String::new()
        } else {
            format!(" ({})", req.source)
        };
        explanation.push(if applies {
            format!(
                "requirement {}{source} applies: {} {}, scans by {}",
                req.id,
                req.action,
                req.timeline(),
                req.tool.describe()
            )
        } else {
            format!(
                "requirement {}{source} does not apply: the system's facts do not meet its `when`",
                req.id
            )
        });
        Applicability {
            applies,
            explanation,
        }
    }
}
