//! Reading and checking a directive file. Unknown keys are refused and
//! every error names a line, so an issuer sees at once what is wrong.

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;

use serde::Deserialize;
use time::Date;
use time::macros::format_description;
use toml::Spanned;

use crate::{Directive, Fact, Outcome, Rule, Scope, SubDeadline, Timeline};

/// The value that stands for "not known"; no fact may use it as a value.
pub(crate) const UNKNOWN: &str = "unknown";

/// Past this many combinations the space is not checked but refused: a
/// directive is a table people read, not a search problem.
const MAX_COMBINATIONS: usize = 1_000_000;

/// Why a directive file was refused. Every variant names a line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DirectiveError {
    /// Not TOML, or not the directive format (missing or unknown key).
    #[error("line {line}, column {column}: {message}")]
    Toml {
        line: usize,
        column: usize,
        message: String,
    },
    #[error("line {line}: {message}")]
    Invalid { line: usize, message: String },
    /// Two rules meet on one combination and require different things.
    #[error(
        "line {line}: rule {rule:?} overlaps rule {other:?} (line {other_line}) on {combination} with a different outcome"
    )]
    Overlap {
        line: usize,
        rule: String,
        other: String,
        other_line: usize,
        combination: String,
    },
    /// A combination of facts no rule decides.
    #[error(
        "line {line}: no rule covers {combination} (closest: rule {closest:?}, which differs on {differs})"
    )]
    Uncovered {
        /// The closest rule's line.
        line: usize,
        combination: String,
        closest: String,
        differs: String,
    },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDirective {
    id: Spanned<String>,
    version: Spanned<String>,
    title: String,
    issuer: String,
    effective: Spanned<toml::Value>,
    #[serde(default)]
    revokes: Vec<String>,
    scope: RawScope,
    fact: Vec<Spanned<RawFact>>,
    rule: Vec<Spanned<RawRule>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawScope {
    applies_to: Vec<String>,
    #[serde(default)]
    excludes: Vec<String>,
    #[serde(default)]
    note: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFact {
    name: Spanned<String>,
    description: String,
    source: String,
    values: Spanned<Vec<String>>,
    unknown: Spanned<String>,
    unknown_basis: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    id: Spanned<String>,
    #[serde(default)]
    when: BTreeMap<String, toml::Value>,
    cves: Option<Vec<String>>,
    action: String,
    timeline: Spanned<String>,
    #[serde(default)]
    forensic: bool,
    #[serde(default)]
    deadline: Vec<RawDeadline>,
    #[serde(default)]
    report: Vec<String>,
    #[serde(default)]
    source: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDeadline {
    what: String,
    timeline: String,
}

/// A TOML date (`2026-09-01`) or the same as a string.
fn parse_effective(v: &toml::Value) -> Option<Date> {
    match v {
        toml::Value::String(s) => Date::parse(s, format_description!("[year]-[month]-[day]")).ok(),
        toml::Value::Datetime(dt) if dt.time.is_none() && dt.offset.is_none() => {
            let d = dt.date?;
            let month = time::Month::try_from(d.month).ok()?;
            Date::from_calendar_date(i32::from(d.year), month, d.day).ok()
        }
        _ => None,
    }
}

/// 1-based line and column of a byte offset.
fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let column = before.len() - before.rfind('\n').map_or(0, |i| i + 1) + 1;
    (line, column)
}

impl Directive {
    /// Reads and checks a directive file.
    pub fn from_toml(text: &str) -> Result<Directive, DirectiveError> {
        let raw: RawDirective = toml::from_str(text).map_err(|e| {
            let (line, column) = e.span().map_or((1, 1), |s| line_col(text, s.start));
            DirectiveError::Toml {
                line,
                column,
                message: e.message().to_owned(),
            }
        })?;
        let line_of = |span: Range<usize>| line_col(text, span.start).0;
        let invalid = |span: Range<usize>, message: String| DirectiveError::Invalid {
            line: line_of(span),
            message,
        };

        for (v, what) in [(&raw.id, "id"), (&raw.version, "version")] {
            if v.get_ref().trim().is_empty() {
                return Err(invalid(v.span(), format!("`{what}` is empty")));
            }
        }
        let effective = parse_effective(raw.effective.get_ref()).ok_or_else(|| {
            invalid(
                raw.effective.span(),
                "`effective` must be a date, e.g. 2026-09-01".into(),
            )
        })?;
        if raw.scope.applies_to.is_empty() {
            return Err(DirectiveError::Invalid {
                line: 1,
                message: "`scope.applies_to` is empty: a directive says whom it binds".into(),
            });
        }

        let mut facts: Vec<Fact> = Vec::new();
        for f in &raw.fact {
            let f = f.get_ref();
            let name = f.name.get_ref().trim().to_owned();
            if name.is_empty() || matches!(name.as_str(), "cve" | "trigger") {
                return Err(invalid(
                    f.name.span(),
                    format!("fact name {name:?} is empty or reserved"),
                ));
            }
            if facts.iter().any(|g| g.name == name) {
                return Err(invalid(
                    f.name.span(),
                    format!("fact {name:?} is declared twice"),
                ));
            }
            let mut values: Vec<String> = Vec::new();
            for v in f.values.get_ref() {
                let v = v.trim().to_ascii_lowercase();
                if v.is_empty() || v == UNKNOWN || values.contains(&v) {
                    return Err(invalid(
                        f.values.span(),
                        format!("fact {name:?}: value {v:?} is empty, reserved or repeated"),
                    ));
                }
                values.push(v);
            }
            if values.is_empty() {
                return Err(invalid(
                    f.values.span(),
                    format!("fact {name:?} has no values"),
                ));
            }
            let unknown = f.unknown.get_ref().trim().to_ascii_lowercase();
            if !values.contains(&unknown) {
                return Err(invalid(
                    f.unknown.span(),
                    format!(
                        "fact {name:?}: `unknown = {unknown:?}` is not one of its values {values:?}"
                    ),
                ));
            }
            facts.push(Fact {
                name,
                description: f.description.clone(),
                source: f.source.clone(),
                values,
                unknown,
                unknown_basis: f.unknown_basis.clone(),
            });
        }

        let mut rules: Vec<Rule> = Vec::new();
        for r in &raw.rule {
            let r = r.get_ref();
            let id = r.id.get_ref().trim().to_owned();
            let line = line_of(r.id.span());
            let refuse = |message: String| DirectiveError::Invalid {
                line,
                message: format!("rule {id:?}: {message}"),
            };
            if id.is_empty() {
                return Err(refuse("the id is empty".into()));
            }
            if let Some(other) = rules.iter().find(|o| o.id == id) {
                return Err(refuse(format!(
                    "the id is already used on line {}",
                    other.line
                )));
            }
            let mut when = BTreeMap::new();
            for (name, value) in &r.when {
                let Some(fact) = facts.iter().find(|f| &f.name == name) else {
                    let known: Vec<&str> = facts.iter().map(|f| f.name.as_str()).collect();
                    return Err(refuse(format!(
                        "unknown fact `{name}` (the directive's facts: {})",
                        known.join(", ")
                    )));
                };
                let listed: Vec<&toml::Value> = match value {
                    toml::Value::Array(a) => a.iter().collect(),
                    v => vec![v],
                };
                let mut allowed = BTreeSet::new();
                for v in listed {
                    let Some(v) = v.as_str() else {
                        return Err(refuse(format!(
                            "`{name}`: values are strings, not {}",
                            v.type_str()
                        )));
                    };
                    let v = v.trim().to_ascii_lowercase();
                    if !fact.values.contains(&v) {
                        return Err(refuse(format!(
                            "unknown value {v:?} of fact `{name}` (allowed: {})",
                            fact.values.join(", ")
                        )));
                    }
                    allowed.insert(v);
                }
                if allowed.is_empty() {
                    return Err(refuse(format!("`{name}` lists no value")));
                }
                when.insert(name.clone(), allowed);
            }
            let cves = match &r.cves {
                None => None,
                Some(list) if list.is_empty() => return Err(refuse("`cves` is empty".into())),
                Some(list) => Some(
                    list.iter()
                        .map(|c| {
                            let c = c.trim().to_ascii_uppercase();
                            if c.starts_with("CVE-") {
                                Ok(c)
                            } else {
                                Err(refuse(format!("{c:?} is not a CVE id")))
                            }
                        })
                        .collect::<Result<BTreeSet<_>, _>>()?,
                ),
            };
            let timeline = Timeline::parse(r.timeline.get_ref()).ok_or_else(|| {
                invalid(
                    r.timeline.span(),
                    format!(
                        "rule {id:?}: timeline {:?} is not `N days`, `N hours` or `on upgrade`",
                        r.timeline.get_ref()
                    ),
                )
            })?;
            let mut deadlines = Vec::new();
            for d in &r.deadline {
                let t = Timeline::parse(&d.timeline).ok_or_else(|| {
                    refuse(format!(
                        "deadline {:?}: timeline {:?} is not `N days`, `N hours` or `on upgrade`",
                        d.what, d.timeline
                    ))
                })?;
                deadlines.push(SubDeadline {
                    what: d.what.clone(),
                    timeline: t,
                });
            }
            rules.push(Rule {
                id,
                line,
                when,
                cves,
                outcome: Outcome {
                    action: r.action.clone(),
                    timeline,
                    forensic: r.forensic,
                    deadlines,
                    report: r.report.clone(),
                    source: r.source.clone(),
                },
            });
        }
        if rules.is_empty() {
            return Err(DirectiveError::Invalid {
                line: 1,
                message: "the directive has no [[rule]]".into(),
            });
        }

        let named_cves: BTreeSet<String> = rules
            .iter()
            .filter_map(|r| r.cves.as_ref())
            .flatten()
            .cloned()
            .collect();
        let directive = Directive {
            id: raw.id.into_inner().trim().to_owned(),
            version: raw.version.into_inner().trim().to_owned(),
            title: raw.title,
            issuer: raw.issuer,
            effective,
            revokes: raw.revokes,
            scope: Scope {
                applies_to: raw.scope.applies_to,
                excludes: raw.scope.excludes,
                note: raw.scope.note,
            },
            facts,
            rules,
            named_cves,
        };
        directive.check_space()?;
        Ok(directive)
    }

    /// Every combination of fact values (and of CVE: each named one, and
    /// "any other") meets at least one rule, and all rules it meets agree.
    fn check_space(&self) -> Result<(), DirectiveError> {
        let cves: Vec<Option<&str>> = std::iter::once(None)
            .chain(self.named_cves.iter().map(|c| Some(c.as_str())))
            .collect();
        let size = self
            .facts
            .iter()
            .try_fold(cves.len(), |n, f| n.checked_mul(f.values.len()))
            .filter(|n| *n <= MAX_COMBINATIONS);
        if size.is_none() {
            return Err(DirectiveError::Invalid {
                line: 1,
                message: format!(
                    "more than {MAX_COMBINATIONS} combinations of facts: too many to check"
                ),
            });
        }
        let mut index = vec![0usize; self.facts.len()];
        loop {
            let values: BTreeMap<&str, &str> = self
                .facts
                .iter()
                .zip(&index)
                .map(|(f, i)| (f.name.as_str(), f.values[*i].as_str()))
                .collect();
            for cve in &cves {
                self.check_combination(&values, *cve)?;
            }
            // Next combination, odometer-style; done when it wraps.
            let mut k = 0;
            loop {
                if k == index.len() {
                    return Ok(());
                }
                index[k] += 1;
                if index[k] < self.facts[k].values.len() {
                    break;
                }
                index[k] = 0;
                k += 1;
            }
        }
    }

    fn check_combination(
        &self,
        values: &BTreeMap<&str, &str>,
        cve: Option<&str>,
    ) -> Result<(), DirectiveError> {
        let describe = || {
            let mut parts: Vec<String> = self
                .facts
                .iter()
                .map(|f| format!("{}={}", f.name, values[f.name.as_str()]))
                .collect();
            parts.push(match cve {
                Some(c) => format!("cve={c}"),
                None if self.named_cves.is_empty() => return parts.join(", "),
                None => "cve=any other".to_owned(),
            });
            parts.join(", ")
        };
        let mut first: Option<&Rule> = None;
        for rule in self.rules.iter().filter(|r| r.holds(values, cve)) {
            match first {
                None => first = Some(rule),
                Some(f) if f.outcome != rule.outcome => {
                    return Err(DirectiveError::Overlap {
                        line: rule.line,
                        rule: rule.id.clone(),
                        other: f.id.clone(),
                        other_line: f.line,
                        combination: describe(),
                    });
                }
                Some(_) => {}
            }
        }
        if first.is_some() {
            return Ok(());
        }
        // Name the rule that comes closest (fewest facts off, then the most
        // specific), so the issuer knows where to look.
        let differs = |r: &Rule| -> Vec<String> {
            let mut d: Vec<String> = r
                .when
                .iter()
                .filter(|(f, allowed)| !allowed.contains(values[f.as_str()]))
                .map(|(f, _)| f.clone())
                .collect();
            let cve_ok = match (&r.cves, cve) {
                (None, None) => true,
                (Some(l), Some(c)) => l.contains(c),
                _ => false,
            };
            if !cve_ok {
                d.push("cve".into());
            }
            d
        };
        let closest = self
            .rules
            .iter()
            .min_by_key(|r| (differs(r).len(), std::cmp::Reverse(r.when.len())))
            .unwrap_or(&self.rules[0]);
        Err(DirectiveError::Uncovered {
            line: closest.line,
            combination: describe(),
            closest: closest.id.clone(),
            differs: differs(closest).join(", "),
        })
    }
}
