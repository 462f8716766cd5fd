//! The OSV record (<https://ossf.github.io/osv-schema/>) and its readers
//! for JSON and YAML.
//!
//! The model keeps every field the matching engine or a report needs and
//! holds the free-form `ecosystem_specific` / `database_specific` objects as
//! JSON values. Version strings stay exactly as written: they are parsed
//! later under the ecosystem's own rules ([`crate::eval`]).
//!
//! A document is first checked to be an OSV record at all (an object with a
//! string `id` and at least one of `modified`, `published`, `affected`,
//! `schema_version`), so that lockfiles, scanner configurations and result
//! files found in the same trees are told apart ([`OsvError::NotOsv`]) from
//! records that are broken ([`OsvError::Invalid`], naming the path).

use std::collections::BTreeMap;
use std::fmt;

use serde::de::{Deserializer, IgnoredAny};
use serde::{Deserialize, Serialize};
use thiserror::Error;

/// The serialisation an OSV record is read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    Json,
    Yaml,
}

impl Format {
    /// The format a file name's extension names: `.json`, `.yaml`, `.yml`.
    pub fn from_file_name(name: &str) -> Option<Format> {
        let lower = name.to_ascii_lowercase();
        if lower.ends_with(".json") {
            Some(Format::Json)
        } else if lower.ends_with(".yaml") || lower.ends_with(".yml") {
            Some(Format::Yaml)
        } else {
            None
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Format::Json => "JSON",
            Format::Yaml => "YAML",
        })
    }
}

/// Why bytes are not a usable OSV record.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum OsvError {
    /// Not well-formed JSON or YAML.
    #[error("{format} syntax: {message}")]
    Syntax { format: Format, message: String },
    /// Well formed, but not an OSV record (a lockfile, a configuration, a
    /// list of results): skipped, not a defect of the advisory source.
    #[error("not an OSV record: {0}")]
    NotOsv(String),
    /// An OSV record that breaks the schema at `path`.
    #[error("invalid OSV record at {path}: {message}")]
    Invalid { path: String, message: String },
}

/// One OSV record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Advisory {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schema_version: Option<String>,
    pub id: String,
    /// RFC 3339, as written. Required by the schema, yet absent from some
    /// published test data; an index then treats the record as oldest.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub modified: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub published: Option<String>,
    /// Set when the record was withdrawn: it then matches nothing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub withdrawn: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    pub aliases: Vec<String>,
    #[serde(default, deserialize_with = "nullable")]
    pub related: Vec<String>,
    #[serde(default, deserialize_with = "nullable")]
    pub upstream: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub details: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    pub severity: Vec<Severity>,
    #[serde(default, deserialize_with = "nullable")]
    pub affected: Vec<Affected>,
    #[serde(default, deserialize_with = "nullable")]
    pub references: Vec<Reference>,
    #[serde(default, deserialize_with = "nullable")]
    pub credits: Vec<Credit>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub database_specific: Option<serde_json::Value>,
}

impl Advisory {
    pub fn is_withdrawn(&self) -> bool {
        self.withdrawn.is_some()
    }

    /// The id followed by the aliases: every name the record answers to.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.id.as_str()).chain(self.aliases.iter().map(String::as_str))
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Severity {
    #[serde(rename = "type")]
    pub kind: String,
    pub score: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reference {
    #[serde(rename = "type")]
    pub kind: String,
    pub url: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Credit {
    pub name: String,
    #[serde(default, deserialize_with = "nullable")]
    pub contact: Vec<String>,
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
}

/// One package (or, without `package`, one repository) the record affects.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Affected {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub package: Option<Package>,
    #[serde(default, deserialize_with = "nullable")]
    pub severity: Vec<Severity>,
    #[serde(default, deserialize_with = "nullable")]
    pub ranges: Vec<Range>,
    /// Versions listed one by one; compared after the ecosystem's
    /// normalisation, never as text only.
    #[serde(default, deserialize_with = "nullable")]
    pub versions: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ecosystem_specific: Option<serde_json::Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub database_specific: Option<serde_json::Value>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Package {
    /// As written, release suffix included (`Debian:12`, `Alpine:v3.20`).
    pub ecosystem: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purl: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Range {
    #[serde(rename = "type")]
    pub kind: RangeType,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repo: Option<String>,
    pub events: Vec<Event>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub database_specific: Option<serde_json::Value>,
}

/// How a range's versions are ordered.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(from = "String", into = "String")]
pub enum RangeType {
    /// SemVer 2.0 order, whatever the package's ecosystem.
    Semver,
    /// The package ecosystem's own order.
    Ecosystem,
    /// Commits of `repo`; answered from `versions` only.
    Git,
    /// A type this schema version does not define; it decides nothing.
    Other(String),
}

impl From<String> for RangeType {
    fn from(s: String) -> RangeType {
        match s.as_str() {
            "SEMVER" => RangeType::Semver,
            "ECOSYSTEM" => RangeType::Ecosystem,
            "GIT" => RangeType::Git,
            _ => RangeType::Other(s),
        }
    }
}

impl From<RangeType> for String {
    fn from(t: RangeType) -> String {
        t.to_string()
    }
}

impl fmt::Display for RangeType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            RangeType::Semver => "SEMVER",
            RangeType::Ecosystem => "ECOSYSTEM",
            RangeType::Git => "GIT",
            RangeType::Other(s) => s,
        })
    }
}

/// One event of a range; the schema allows exactly one key per event.
///
/// Read through [`RawEvent`] rather than as an externally tagged enum,
/// because YAML readers take such enums as `!tag`s, not one-key maps.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", try_from = "RawEvent")]
pub enum Event {
    /// From this version on (`"0"`: from the very first).
    Introduced(String),
    /// Not from this version on (exclusive end).
    Fixed(String),
    /// Up to and including this version (inclusive end).
    LastAffected(String),
    /// Nothing at or after this version is in the range (`"*"`: no limit).
    Limit(String),
}

/// An event that is not an object is refused as "expected a map", not by
/// this private type's name.
#[derive(Deserialize)]
#[serde(expecting = "a map")]
struct RawEvent {
    introduced: Option<String>,
    fixed: Option<String>,
    last_affected: Option<String>,
    limit: Option<String>,
}

impl TryFrom<RawEvent> for Event {
    type Error = &'static str;
    fn try_from(r: RawEvent) -> Result<Event, &'static str> {
        match (r.introduced, r.fixed, r.last_affected, r.limit) {
            (Some(v), None, None, None) => Ok(Event::Introduced(v)),
            (None, Some(v), None, None) => Ok(Event::Fixed(v)),
            (None, None, Some(v), None) => Ok(Event::LastAffected(v)),
            (None, None, None, Some(v)) => Ok(Event::Limit(v)),
            (None, None, None, None) => {
                Err("an event needs one of introduced, fixed, last_affected, limit")
            }
            _ => Err("an event has exactly one of introduced, fixed, last_affected, limit"),
        }
    }
}

impl Event {
    pub fn version(&self) -> &str {
        match self {
            Event::Introduced(v) | Event::Fixed(v) | Event::LastAffected(v) | Event::Limit(v) => v,
        }
    }

    /// The key as the schema spells it.
    pub fn kind(&self) -> &'static str {
        match self {
            Event::Introduced(_) => "introduced",
            Event::Fixed(_) => "fixed",
            Event::LastAffected(_) => "last_affected",
            Event::Limit(_) => "limit",
        }
    }
}

impl fmt::Display for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.kind(), self.version())
    }
}

/// `null` read as the empty default: several databases write
/// `"aliases": null` where the schema says the field may be absent.
fn nullable<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

/// Reads an OSV record in `format`.
pub fn parse(bytes: &[u8], format: Format) -> Result<Advisory, OsvError> {
    match format {
        Format::Json => parse_json(bytes),
        Format::Yaml => parse_yaml(bytes),
    }
}

/// Reads an OSV record from JSON.
pub fn parse_json(bytes: &[u8]) -> Result<Advisory, OsvError> {
    let keys: TopLevel = serde_json::from_slice(bytes).map_err(|e| json_shape(&e))?;
    keys.check()?;
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let advisory: Advisory = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        invalid(path, e.into_inner().to_string())
    })?;
    validate(advisory)
}

/// Reads an OSV record from YAML (one document).
pub fn parse_yaml(bytes: &[u8]) -> Result<Advisory, OsvError> {
    let keys: TopLevel = yaml_serde::from_slice(bytes).map_err(|e| yaml_shape(&e))?;
    keys.check()?;
    let de = yaml_serde::Deserializer::from_slice(bytes);
    let advisory: Advisory = serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        invalid(path, e.into_inner().to_string())
    })?;
    validate(advisory)
}

/// The top level's keys only, to tell OSV records from other documents
/// before reading them in full.
struct TopLevel {
    /// `None` when the top level is not an object.
    keys: Option<Vec<String>>,
    /// `None` without an `id`, else whether it is a string.
    id_is_string: Option<bool>,
}

impl<'de> Deserialize<'de> for TopLevel {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<TopLevel, D::Error> {
        // Anything that is not a map is kept as "not a map" rather than an
        // error, so that a list or a scalar is reported as not OSV.
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Shape {
            Map(BTreeMap<String, serde_json::Value>),
            Other(IgnoredAny),
        }
        Ok(match Shape::deserialize(d)? {
            Shape::Map(m) => {
                let id_is_string = m.get("id").map(|v| v.is_string());
                TopLevel {
                    keys: Some(m.into_keys().collect()),
                    id_is_string,
                }
            }
            Shape::Other(_) => TopLevel {
                keys: None,
                id_is_string: None,
            },
        })
    }
}

impl TopLevel {
    fn check(&self) -> Result<(), OsvError> {
        let Some(keys) = &self.keys else {
            return Err(OsvError::NotOsv("the top level is not an object".into()));
        };
        match self.id_is_string {
            None => return Err(OsvError::NotOsv("no `id`".into())),
            Some(false) => return Err(OsvError::NotOsv("`id` is not a string".into())),
            Some(true) => {}
        }
        let osv_keys = ["modified", "published", "affected", "schema_version"];
        if !osv_keys.iter().any(|k| keys.iter().any(|key| key == k)) {
            return Err(OsvError::NotOsv(
                "none of `modified`, `published`, `affected`, `schema_version`".into(),
            ));
        }
        Ok(())
    }
}

fn json_shape(e: &serde_json::Error) -> OsvError {
    OsvError::Syntax {
        format: Format::Json,
        message: e.to_string(),
    }
}

fn yaml_shape(e: &yaml_serde::Error) -> OsvError {
    OsvError::Syntax {
        format: Format::Yaml,
        message: e.to_string(),
    }
}

fn invalid(path: String, message: String) -> OsvError {
    // YAML errors repeat the path; say it once.
    let message = match message.strip_prefix(path.as_str()) {
        Some(rest) => rest.trim_start_matches(':').trim_start().to_owned(),
        None => message,
    };
    let path = if path.is_empty() || path == "." {
        "the top level".to_owned()
    } else {
        path
    };
    OsvError::Invalid { path, message }
}

/// What serde cannot say: a non-empty id, non-empty package names, events
/// in every range.
fn validate(a: Advisory) -> Result<Advisory, OsvError> {
    if a.id.trim().is_empty() {
        return Err(invalid("id".into(), "empty".into()));
    }
    for (i, affected) in a.affected.iter().enumerate() {
        if let Some(p) = &affected.package {
            if p.ecosystem.trim().is_empty() {
                return Err(invalid(
                    format!("affected[{i}].package.ecosystem"),
                    "empty".into(),
                ));
            }
            if p.name.trim().is_empty() {
                return Err(invalid(
                    format!("affected[{i}].package.name"),
                    "empty".into(),
                ));
            }
        }
        for (j, r) in affected.ranges.iter().enumerate() {
            if r.events.is_empty() {
                return Err(invalid(
                    format!("affected[{i}].ranges[{j}].events"),
                    "a range needs at least one event".into(),
                ));
            }
        }
    }
    Ok(a)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_json_and_yaml_alike() {
        let json = br#"{"id":"X-1","modified":"2024-01-01T00:00:00Z","aliases":null,
            "affected":[{"package":{"ecosystem":"PyPI","name":"a"},
            "ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"1.10"}]}]}]}"#;
        let yaml = b"id: X-1\nmodified: '2024-01-01T00:00:00Z'\naffected:\n- package:\n    ecosystem: PyPI\n    name: a\n  ranges:\n  - type: ECOSYSTEM\n    events:\n    - introduced: 0\n    - fixed: 1.10\n";
        let a = parse_json(json).unwrap();
        let b = parse_yaml(yaml).unwrap();
        assert_eq!(a, b);
        assert_eq!(
            a.affected[0].ranges[0].events[1],
            Event::Fixed("1.10".into())
        );
    }

    #[test]
    fn errors_name_the_path() {
        let json = br#"{"id":"X-1","modified":"x","affected":[{"ranges":[{"type":"SEMVER",
            "events":[{"introduced":"0"},{"fixed":"1","limit":"2"}]}]}]}"#;
        let OsvError::Invalid { path, .. } = parse_json(json).unwrap_err() else {
            panic!("expected Invalid");
        };
        assert_eq!(path, "affected[0].ranges[0].events[1]");
        let yaml = b"id: X-1\nmodified: x\naffected:\n- package: {ecosystem: npm}\n";
        let OsvError::Invalid { path, .. } = parse_yaml(yaml).unwrap_err() else {
            panic!("expected Invalid");
        };
        assert_eq!(path, "affected[0].package");
    }

    #[test]
    fn tells_other_documents_apart() {
        for (doc, fmt) in [
            (&b"[1,2]"[..], Format::Json),
            (b"{\"lockfileVersion\": 3}", Format::Json),
            (b"{\"id\": 3, \"modified\": \"x\"}", Format::Json),
            (b"- a\n- b\n", Format::Yaml),
            (b"name: x\nversion: 1\n", Format::Yaml),
        ] {
            assert!(
                matches!(parse(doc, fmt), Err(OsvError::NotOsv(_))),
                "{doc:?}"
            );
        }
        assert!(matches!(
            parse(b"{\"id\": ", Format::Json),
            Err(OsvError::Syntax { .. })
        ));
        assert!(matches!(
            parse(b"id: [", Format::Yaml),
            Err(OsvError::Syntax { .. })
        ));
    }
}
