//! Reading and checking a directive file. Unknown keys are refused and
//! every error names a line, so an issuer sees at once what is wrong.

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;

use bulwark_tools::ToolKind;
use serde::Deserialize;
use time::Date;
use time::macros::format_description;
use toml::Spanned;

use crate::requirement::{Requirement, SYSTEM_FACTS, ToolClass};
use crate::{Condition, Directive, Fact, NumberFact, Outcome, Rule, Scope, SubDeadline, Timeline};

/// One fact's value in a combination: a listed value or a number.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Val<'a> {
    Str(&'a str),
    Num(f64),
}

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
    #[serde(default)]
    rule: Vec<Spanned<RawRule>>,
    #[serde(default)]
    requirement: Vec<Spanned<RawRequirement>>,
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
    /// `"values"` (the default) or `"number"`.
    kind: Option<Spanned<String>>,
    values: Option<Spanned<Vec<String>>>,
    min: Option<f64>,
    max: Option<f64>,
    unknown: Spanned<toml::Value>,
    unknown_basis: String,
}

/// A TOML integer or float as a number.
fn as_number(v: &toml::Value) -> Option<f64> {
    match v {
        toml::Value::Float(f) if f.is_finite() => Some(*f),
        #[allow(clippy::cast_precision_loss)]
        toml::Value::Integer(i) => Some(*i as f64),
        _ => None,
    }
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
struct RawRequirement {
    id: Spanned<String>,
    #[serde(default)]
    source: String,
    when: Option<Spanned<BTreeMap<String, toml::Value>>>,
    action: String,
    every: Spanned<String>,
    tool: Spanned<RawToolClass>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawToolClass {
    #[serde(default)]
    ai_enabled: bool,
    kinds: Option<Vec<String>>,
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
            let fact_span = f.name.span();
            let kind = f.kind.as_ref().map_or("values", |k| k.get_ref().as_str());
            if kind == "number" {
                let (Some(min), Some(max)) = (f.min, f.max) else {
                    return Err(invalid(
                        fact_span,
                        format!("fact {name:?}: a number needs `min` and `max`"),
                    ));
                };
                if f.values.is_some() || !min.is_finite() || !max.is_finite() || min > max {
                    return Err(invalid(
                        fact_span,
                        format!(
                            "fact {name:?}: a number has `min` <= `max` and no `values` (min = {min:?}, max = {max:?})"
                        ),
                    ));
                }
                let unknown = as_number(f.unknown.get_ref())
                    .filter(|u| (min..=max).contains(u))
                    .ok_or_else(|| {
                        invalid(
                            f.unknown.span(),
                            format!(
                                "fact {name:?}: `unknown` must be a number from {min:?} to {max:?}, the value to assume"
                            ),
                        )
                    })?;
                facts.push(Fact {
                    name,
                    description: f.description.clone(),
                    source: f.source.clone(),
                    values: Vec::new(),
                    unknown: unknown.to_string(),
                    number: Some(NumberFact { min, max, unknown }),
                    unknown_basis: f.unknown_basis.clone(),
                });
                continue;
            }
            if kind != "values" || f.min.is_some() || f.max.is_some() {
                return Err(invalid(
                    fact_span,
                    format!(
                        "fact {name:?}: `kind` is \"values\" (the default) or \"number\"; `min`/`max` are for a number"
                    ),
                ));
            }
            let Some(listed) = &f.values else {
                return Err(invalid(
                    fact_span,
                    format!("fact {name:?} has no `values` (or `kind = \"number\"`)"),
                ));
            };
            let mut values: Vec<String> = Vec::new();
            for v in listed.get_ref() {
                let v = v.trim().to_ascii_lowercase();
                if v.is_empty() || v == UNKNOWN || values.contains(&v) {
                    return Err(invalid(
                        listed.span(),
                        format!("fact {name:?}: value {v:?} is empty, reserved or repeated"),
                    ));
                }
                values.push(v);
            }
            if values.is_empty() {
                return Err(invalid(
                    listed.span(),
                    format!("fact {name:?} has no values"),
                ));
            }
            let Some(unknown) = f.unknown.get_ref().as_str() else {
                return Err(invalid(
                    f.unknown.span(),
                    format!("fact {name:?}: `unknown` must be one of its values {values:?}"),
                ));
            };
            let unknown = unknown.trim().to_ascii_lowercase();
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
                number: None,
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
                if let Some(n) = fact.number {
                    when.insert(
                        name.clone(),
                        number_condition(name, n, value).map_err(refuse)?,
                    );
                    continue;
                }
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
                when.insert(name.clone(), Condition::Values(allowed));
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
                        "rule {id:?}: timeline {:?} is not `N days`, `N hours`, `on upgrade` or `none`",
                        r.timeline.get_ref()
                    ),
                )
            })?;
            let mut deadlines = Vec::new();
            for d in &r.deadline {
                let t = Timeline::parse(&d.timeline).ok_or_else(|| {
                    refuse(format!(
                        "deadline {:?}: timeline {:?} is not `N days`, `N hours`, `on upgrade` or `none`",
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
        let requirements = read_requirements(&raw.requirement, &facts, &rules, text)?;
        if rules.is_empty() && requirements.is_empty() {
            return Err(DirectiveError::Invalid {
                line: 1,
                message: "the directive has no [[rule]] and no [[requirement]]".into(),
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
            requirements,
            named_cves,
        };
        // A directive of requirements only decides no vulnerability.
        if !directive.rules.is_empty() {
            directive.check_space()?;
        }
        Ok(directive)
    }

    /// Every combination of fact values (and of CVE: each named one, and
    /// "any other") meets at least one rule, and all rules it meets agree.
    /// A numeric fact's range is split at every bound a rule uses; each
    /// piece is one value, as no rule tells its numbers apart.
    fn check_space(&self) -> Result<(), DirectiveError> {
        let cves: Vec<Option<&str>> = std::iter::once(None)
            .chain(self.named_cves.iter().map(|c| Some(c.as_str())))
            .collect();
        let choices: Vec<Vec<(Val<'_>, String)>> =
            self.facts.iter().map(|f| self.choices(f)).collect();
        let size = choices
            .iter()
            .try_fold(cves.len(), |n, c| n.checked_mul(c.len()))
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
            let values: BTreeMap<&str, Val<'_>> = self
                .facts
                .iter()
                .zip(&index)
                .zip(&choices)
                .map(|((f, i), c)| (f.name.as_str(), c[*i].0))
                .collect();
            let labels: Vec<&str> = index
                .iter()
                .zip(&choices)
                .map(|(i, c)| c[*i].1.as_str())
                .collect();
            for cve in &cves {
                self.check_combination(&values, &labels, *cve)?;
            }
            // Next combination, odometer-style; done when it wraps.
            let mut k = 0;
            loop {
                if k == index.len() {
                    return Ok(());
                }
                index[k] += 1;
                if index[k] < choices[k].len() {
                    break;
                }
                index[k] = 0;
                k += 1;
            }
        }
    }

    /// One fact's values for the check, each with how to name it: a listed
    /// value, or a piece of a number's range (`[7.0, 9.0)`, or `10.0` for the
    /// maximum on its own).
    fn choices<'a>(&'a self, fact: &'a Fact) -> Vec<(Val<'a>, String)> {
        let Some(n) = fact.number else {
            return fact
                .values
                .iter()
                .map(|v| (Val::Str(v), format!("{}={v}", fact.name)))
                .collect();
        };
        let mut cuts: Vec<f64> = vec![n.min];
        for r in &self.rules {
            if let Some(Condition::Range { at_least, below }) = r.when.get(&fact.name) {
                cuts.extend(at_least.iter().chain(below.iter()).copied());
            }
        }
        cuts.retain(|c| *c >= n.min && *c < n.max);
        cuts.sort_by(f64::total_cmp);
        cuts.dedup();
        let mut out: Vec<(Val<'a>, String)> = cuts
            .iter()
            .enumerate()
            .map(|(i, lo)| {
                let hi = cuts.get(i + 1).copied().unwrap_or(n.max);
                (Val::Num(*lo), format!("{} in [{lo:?}, {hi:?})", fact.name))
            })
            .collect();
        out.push((Val::Num(n.max), format!("{}={:?}", fact.name, n.max)));
        out
    }

    fn check_combination(
        &self,
        values: &BTreeMap<&str, Val<'_>>,
        labels: &[&str],
        cve: Option<&str>,
    ) -> Result<(), DirectiveError> {
        let describe = || {
            let mut parts: Vec<String> = labels.iter().map(|l| (*l).to_owned()).collect();
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
                .filter(|(f, allowed)| !allowed.admits(values[f.as_str()]))
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

/// Reads and checks the `[[requirement]]` tables: unique ids (among rules'
/// too, as both name an obligation), `when` on declared system facts with
/// their listed values only, a period of days or hours, known tool kinds.
fn read_requirements(
    raw: &[Spanned<RawRequirement>],
    facts: &[Fact],
    rules: &[Rule],
    text: &str,
) -> Result<Vec<Requirement>, DirectiveError> {
    let line_of = |span: Range<usize>| line_col(text, span.start).0;
    let mut out: Vec<Requirement> = Vec::new();
    for r in raw {
        let r = r.get_ref();
        let id = r.id.get_ref().trim().to_owned();
        let line = line_of(r.id.span());
        let refuse_at = |line: usize, message: String| DirectiveError::Invalid {
            line,
            message: format!("requirement {id:?}: {message}"),
        };
        let refuse = |message: String| refuse_at(line, message);
        if id.is_empty()
            || !id
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        {
            return Err(refuse(
                "the id is lowercase letters, digits and '-' (it names the obligations)".into(),
            ));
        }
        if let Some(other) = out.iter().find(|o| o.id == id) {
            return Err(refuse(format!(
                "the id is already used on line {}",
                other.line
            )));
        }
        if let Some(other) = rules.iter().find(|o| o.id == id) {
            return Err(refuse(format!(
                "the id is already a rule's, on line {}",
                other.line
            )));
        }
        let when_line = r.when.as_ref().map_or(line, |w| line_of(w.span()));
        let mut when = BTreeMap::new();
        for (name, value) in r.when.iter().flat_map(|w| w.get_ref()) {
            if !SYSTEM_FACTS.contains(&name.as_str()) {
                return Err(refuse_at(
                    when_line,
                    format!(
                        "`when` reads the system's own facts only ({}), not `{name}`",
                        SYSTEM_FACTS.join(", ")
                    ),
                ));
            }
            let Some(fact) = facts.iter().find(|f| &f.name == name) else {
                return Err(refuse_at(
                    when_line,
                    format!(
                        "unknown fact `{name}`: declare it as a [[fact]] (its values and its default for unknown)"
                    ),
                ));
            };
            if fact.number.is_some() {
                return Err(refuse_at(
                    when_line,
                    format!("`{name}` is a number; a system fact has values"),
                ));
            }
            let listed: Vec<&toml::Value> = match value {
                toml::Value::Array(a) => a.iter().collect(),
                v => vec![v],
            };
            let mut allowed = BTreeSet::new();
            for v in listed {
                let Some(v) = v.as_str() else {
                    return Err(refuse_at(
                        when_line,
                        format!("`{name}`: values are strings, not {}", v.type_str()),
                    ));
                };
                let v = v.trim().to_ascii_lowercase();
                if !fact.values.contains(&v) {
                    return Err(refuse_at(
                        when_line,
                        format!(
                            "unknown value {v:?} of fact `{name}` (allowed: {})",
                            fact.values.join(", ")
                        ),
                    ));
                }
                allowed.insert(v);
            }
            if allowed.is_empty() {
                return Err(refuse_at(when_line, format!("`{name}` lists no value")));
            }
            when.insert(name.clone(), Condition::Values(allowed));
        }
        let every = match Timeline::parse(r.every.get_ref()) {
            Some(t @ (Timeline::Days(n) | Timeline::Hours(n))) if n > 0 => t,
            _ => {
                return Err(refuse_at(
                    line_of(r.every.span()),
                    format!(
                        "`every = {:?}` is not `N days` or `N hours` (N at least 1): the longest gap allowed between scans",
                        r.every.get_ref()
                    ),
                ));
            }
        };
        let tool_line = line_of(r.tool.span());
        let t = r.tool.get_ref();
        let kinds = match &t.kinds {
            None => ToolKind::ALL.iter().copied().collect(),
            Some(list) if list.is_empty() => {
                return Err(refuse_at(
                    tool_line,
                    "`tool.kinds` is empty: leave it out for every kind".into(),
                ));
            }
            Some(list) => list
                .iter()
                .map(|k| {
                    k.trim()
                        .parse::<ToolKind>()
                        .map_err(|e| refuse_at(tool_line, format!("`tool.kinds`: {e}")))
                })
                .collect::<Result<BTreeSet<_>, _>>()?,
        };
        if r.action.trim().is_empty() {
            return Err(refuse("`action` is empty".into()));
        }
        out.push(Requirement {
            id,
            line,
            source: r.source.clone(),
            when,
            action: r.action.trim().to_owned(),
            every,
            tool: ToolClass {
                ai_enabled: t.ai_enabled,
                kinds,
            },
        });
    }
    Ok(out)
}

/// A rule's condition on a numeric fact: `{ at_least = 9.0 }`,
/// `{ at_least = 0.1, below = 0.5 }`, `{ below = 7.0 }`: the half-open
/// interval `[at_least, below)`, bounds within the fact's range.
fn number_condition(name: &str, n: NumberFact, value: &toml::Value) -> Result<Condition, String> {
    let usage = || {
        format!(
            "`{name}` is a number from {:?} to {:?}: write {{ at_least = A }}, {{ below = B }} or {{ at_least = A, below = B }}",
            n.min, n.max
        )
    };
    let toml::Value::Table(t) = value else {
        return Err(usage());
    };
    let mut at_least = None;
    let mut below = None;
    for (k, v) in t {
        let slot = match k.as_str() {
            "at_least" => &mut at_least,
            "below" => &mut below,
            _ => return Err(format!("unknown key `{k}`: {}", usage())),
        };
        let x = as_number(v).ok_or_else(|| format!("`{name}.{k}` is not a number"))?;
        if x < n.min || x > n.max {
            return Err(format!(
                "`{name}.{k} = {x:?}` is outside the fact's range {:?} to {:?}",
                n.min, n.max
            ));
        }
        *slot = Some(x);
    }
    match (at_least, below) {
        (None, None) => Err(usage()),
        (Some(a), Some(b)) if a >= b => Err(format!(
            "`{name}`: at_least = {a:?} is not below below = {b:?}, so no number meets it"
        )),
        (None, Some(b)) if b <= n.min => Err(format!(
            "`{name}`: below = {b:?} leaves no number of its range {:?} to {:?}",
            n.min, n.max
        )),
        _ => Ok(Condition::Range { at_least, below }),
    }
}
