//! Evaluating a directive on one vulnerability on one asset: which rule,
//! what is due when, and an explanation naming every input, its value and
//! its source.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::load::UNKNOWN;
use crate::{Directive, Timeline, Val};

/// Why an input could not be evaluated; `path` is its JSON path.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{path}: {message}")]
pub struct FactsError {
    pub path: String,
    pub message: String,
}

/// One fact as given: its value (`None`: unknown) and who says so.
#[derive(Debug, Clone, PartialEq)]
struct Given {
    value: Option<GivenValue>,
    source: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
enum GivenValue {
    Text(String),
    Number(f64),
}

/// The facts of one vulnerability on one asset, checked against a directive.
#[derive(Debug, Clone, PartialEq)]
pub struct Facts {
    cve: Option<String>,
    /// When the facts met the directive (in UTC), and as it was written.
    trigger: OffsetDateTime,
    trigger_given: String,
    given: BTreeMap<String, Given>,
}

/// A sub-deadline with its date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SubDeadlineDue {
    pub what: String,
    pub timeline: String,
    #[serde(with = "time::serde::rfc3339::option")]
    pub due: Option<OffsetDateTime>,
}

/// What the directive requires, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Evaluation {
    /// `ID@VERSION`.
    pub directive: String,
    pub rule: String,
    pub action: String,
    pub timeline: String,
    /// In UTC; `None` for a fix on upgrade.
    #[serde(with = "time::serde::rfc3339::option")]
    pub due: Option<OffsetDateTime>,
    pub forensic: bool,
    pub deadlines: Vec<SubDeadlineDue>,
    pub report: Vec<String>,
    pub explanation: Vec<String>,
}

fn err(path: &str, message: impl Into<String>) -> FactsError {
    FactsError {
        path: path.to_owned(),
        message: message.into(),
    }
}

impl Directive {
    /// Reads one input object (`path` is its JSON path, e.g. `$[3]`): the
    /// directive's facts as `yes`/`no`/`unknown` (or `true`/`false`/`null`)
    /// or the decision point's value, optionally `{"value": …, "source": …}`;
    /// `trigger` in RFC 3339 with an offset; optionally `cve`.
    pub fn facts_from_json(&self, input: &Value, path: &str) -> Result<Facts, FactsError> {
        let Value::Object(map) = input else {
            return Err(err(path, "expected an object of facts"));
        };
        let mut cve = None;
        let mut trigger = None;
        let mut given = BTreeMap::new();
        for (key, value) in map {
            let at = format!("{path}.{key}");
            match key.as_str() {
                "cve" => {
                    let c = value
                        .as_str()
                        .map(|c| c.trim().to_ascii_uppercase())
                        .filter(|c| c.starts_with("CVE-"))
                        .ok_or_else(|| err(&at, "expected a CVE id, e.g. \"CVE-2024-3400\""))?;
                    cve = Some(c);
                }
                "trigger" => {
                    let s = value
                        .as_str()
                        .ok_or_else(|| err(&at, "expected an RFC 3339 time with an offset"))?;
                    let t = OffsetDateTime::parse(s, &Rfc3339).map_err(|e| {
                        err(
                            &at,
                            format!("{s:?} is not an RFC 3339 time with an offset: {e}"),
                        )
                    })?;
                    trigger = Some((t, s.to_owned()));
                }
                name => {
                    let Some(fact) = self.fact(name) else {
                        let known: Vec<&str> = self.facts.iter().map(|f| f.name.as_str()).collect();
                        return Err(err(
                            &at,
                            format!(
                                "unknown fact `{name}` ({} reads: cve, trigger, {})",
                                self.citation(),
                                known.join(", ")
                            ),
                        ));
                    };
                    let (raw, source) = match value {
                        Value::Object(o) => {
                            for k in o.keys() {
                                if k != "value" && k != "source" {
                                    return Err(err(
                                        &format!("{at}.{k}"),
                                        "unknown key (a fact object has `value` and `source`)",
                                    ));
                                }
                            }
                            let source = match o.get("source") {
                                None | Some(Value::Null) => None,
                                Some(Value::String(s)) if !s.trim().is_empty() => {
                                    Some(s.trim().to_owned())
                                }
                                Some(_) => {
                                    return Err(err(
                                        &format!("{at}.source"),
                                        "expected a non-empty string",
                                    ));
                                }
                            };
                            (o.get("value").unwrap_or(&Value::Null), source)
                        }
                        v => (v, None),
                    };
                    if let Some(n) = fact.number {
                        let value = match raw {
                            Value::Null => None,
                            Value::String(s) if s.trim().eq_ignore_ascii_case(UNKNOWN) => None,
                            Value::Number(x) => {
                                let x = x.as_f64().unwrap_or(f64::NAN);
                                if !(n.min..=n.max).contains(&x) {
                                    return Err(err(
                                        &at,
                                        format!(
                                            "{x} is out of the range of `{name}` ({} to {})",
                                            n.min, n.max
                                        ),
                                    ));
                                }
                                Some(GivenValue::Number(x))
                            }
                            _ => {
                                return Err(err(
                                    &at,
                                    format!(
                                        "expected a number from {} to {}, or unknown",
                                        n.min, n.max
                                    ),
                                ));
                            }
                        };
                        given.insert(name.to_owned(), Given { value, source });
                        continue;
                    }
                    let value = match raw {
                        Value::Null => None,
                        Value::Bool(true) => Some("yes".to_owned()),
                        Value::Bool(false) => Some("no".to_owned()),
                        Value::String(s) => {
                            let s = s.trim().to_ascii_lowercase();
                            (s != UNKNOWN).then_some(s)
                        }
                        _ => {
                            return Err(err(
                                &at,
                                format!("expected one of {}, or unknown", fact.values.join(", ")),
                            ));
                        }
                    };
                    if let Some(v) = &value
                        && !fact.values.contains(v)
                    {
                        return Err(err(
                            &at,
                            format!(
                                "{v:?} is not a value of `{name}` (allowed: {}, unknown)",
                                fact.values.join(", ")
                            ),
                        ));
                    }
                    given.insert(
                        name.to_owned(),
                        Given {
                            value: value.map(GivenValue::Text),
                            source,
                        },
                    );
                }
            }
        }
        let Some((trigger, trigger_given)) = trigger else {
            return Err(err(
                path,
                "`trigger` is missing: when the facts met the directive, RFC 3339 with an offset",
            ));
        };
        Ok(Facts {
            cve,
            trigger: trigger.to_offset(time::UtcOffset::UTC),
            trigger_given,
            given,
        })
    }

    /// What the directive requires for these facts. Total: loading checked
    /// that every combination meets a rule.
    pub fn evaluate(&self, facts: &Facts) -> Evaluation {
        let mut explanation = Vec::new();
        let mut values: BTreeMap<&str, Val<'_>> = BTreeMap::new();
        for fact in &self.facts {
            let given = facts.given.get(&fact.name);
            let unknown = match fact.number {
                Some(n) => Val::Num(n.unknown),
                None => Val::Str(&fact.unknown),
            };
            let line = match given {
                Some(Given {
                    value: Some(v),
                    source,
                }) => {
                    let v = match v {
                        GivenValue::Text(t) => {
                            values.insert(&fact.name, Val::Str(t));
                            t.clone()
                        }
                        GivenValue::Number(x) => {
                            values.insert(&fact.name, Val::Num(*x));
                            x.to_string()
                        }
                    };
                    let source = source.as_deref().unwrap_or(&fact.source);
                    format!("{} = {v} (source: {source})", fact.name)
                }
                Some(Given {
                    value: None,
                    source,
                }) => {
                    values.insert(&fact.name, unknown);
                    let said = source
                        .as_deref()
                        .map_or(String::new(), |s| format!(" according to {s}"));
                    format!(
                        "{} = {} (source: the directive's default for unknown; given as unknown{said}; {})",
                        fact.name, fact.unknown, fact.unknown_basis
                    )
                }
                None => {
                    values.insert(&fact.name, unknown);
                    format!(
                        "{} = {} (source: the directive's default for unknown; not given; {})",
                        fact.name, fact.unknown, fact.unknown_basis
                    )
                }
            };
            explanation.push(line);
        }
        let named = facts
            .cve
            .as_deref()
            .filter(|c| self.named_cves.contains(*c));
        match (&facts.cve, named) {
            (Some(c), Some(_)) => explanation.push(format!("cve = {c} (named by the directive)")),
            (Some(c), None) => {
                explanation.push(format!("cve = {c} (named by no rule of the directive)"))
            }
            (None, _) => explanation.push("cve = not given (treated as one no rule names)".into()),
        }
        explanation.push(format!(
            "trigger = {} (given as {})",
            rfc3339(facts.trigger),
            facts.trigger_given
        ));

        // Loading proved every combination meets a rule and that all rules
        // meeting it agree, so the first is the answer. A directive of
        // requirements only has no rule: it requires nothing here.
        let Some(rule) = self
            .rules
            .iter()
            .find(|r| r.holds(&values, named))
            .or(self.rules.first())
        else {
            explanation.push(
                "no rule: the directive requires nothing of vulnerabilities (only its requirements on systems)".into(),
            );
            return Evaluation {
                directive: self.citation(),
                rule: String::new(),
                action: "none".into(),
                timeline: Timeline::NotRequired.to_string(),
                due: None,
                forensic: false,
                deadlines: Vec::new(),
                report: Vec::new(),
                explanation,
            };
        };
        let o = &rule.outcome;
        let due = o.timeline.due(facts.trigger);
        let source = if o.source.is_empty() {
            String::new()
        } else {
            format!(" ({})", o.source)
        };
        explanation.push(format!(
            "rule {}{source}: {} within {}{}",
            rule.id,
            o.action,
            o.timeline,
            if o.forensic {
                ", with a forensic triage of the asset"
            } else {
                ""
            }
        ));
        explanation.push(match (due, o.timeline) {
            (Some(d), _) => format!("due = trigger + {} = {}", o.timeline, rfc3339(d)),
            (None, Timeline::NotRequired) => {
                "due = none: the directive requires nothing for these facts".into()
            }
            (None, _) => "due = none: at the system's next scheduled upgrade or rebuild".into(),
        });
        Evaluation {
            directive: self.citation(),
            rule: rule.id.clone(),
            action: o.action.clone(),
            timeline: o.timeline.to_string(),
            due,
            forensic: o.forensic,
            deadlines: o
                .deadlines
                .iter()
                .map(|d| SubDeadlineDue {
                    what: d.what.clone(),
                    timeline: d.timeline.to_string(),
                    due: d.timeline.due(facts.trigger),
                })
                .collect(),
            report: o.report.clone(),
            explanation,
        }
    }
}

fn rfc3339(t: OffsetDateTime) -> String {
    t.format(&Rfc3339).unwrap_or_else(|_| t.to_string())
}
