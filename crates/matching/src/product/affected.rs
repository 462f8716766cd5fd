//! A CVE JSON 5 record's `affected` entries and the status they give a
//! product version.
//!
//! Entries are read from `containers.cna.affected[]` and from each
//! `containers.adp[].affected[]` (CISA's ADP adds entries with `cpes`),
//! each with its JSON path. The status of a version follows the CVE
//! schema's algorithm for `versions` (its description of a version entry):
//! entries are tried in order; one without `lessThan`/`lessThanOrEqual`
//! names a single version; a range runs from `version` (inclusive) to
//! `lessThan` (exclusive) or `lessThanOrEqual` (inclusive), a bound `*`
//! unbounded and `1.*` "any 1.x"; within a range the last `changes[]`
//! whose `at` is at or below the version sets the status; the first entry
//! that takes the version in decides; when none does, `defaultStatus`
//! (absent: `unknown`). Versions compare under the order the entry's
//! `versionType` names ([`super::order`]).
//!
//! Where an entry cannot be compared (its type has no known order, a
//! version is `n/a`), the answer is still given when it cannot change the
//! outcome: every entry that might have taken the version in would give
//! the same status. Otherwise the verdict is [`Verdict::Unknown`], with
//! the reason.

use std::cmp::Ordering;
use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use thiserror::Error;

use super::order::Order;

/// A version's status, as the CVE schema's `status` and `defaultStatus`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Affected,
    Unaffected,
    Unknown,
}

impl Status {
    fn parse(s: &str) -> Option<Status> {
        match s.trim().to_ascii_lowercase().as_str() {
            "affected" => Some(Status::Affected),
            "unaffected" => Some(Status::Unaffected),
            "unknown" => Some(Status::Unknown),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Affected => "affected",
            Status::Unaffected => "unaffected",
            Status::Unknown => "unknown",
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One `changes[]` item of a range.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change {
    pub at: String,
    pub status: Status,
}

/// One `versions[]` item: a single version, or a range from `version`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VersionEntry {
    pub version: String,
    pub status: Status,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub less_than: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub less_than_or_equal: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub changes: Vec<Change>,
}

/// A repair or a remark made while reading, at its JSON path.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReadWarning {
    pub path: String,
    pub message: String,
}

impl fmt::Display for ReadWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

/// One `affected[]` entry of a CVE record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AffectedEntry {
    /// Where it was read: `containers.cna.affected[0]`,
    /// `containers.adp[1].affected[3]`.
    pub path: String,
    /// The container's `providerMetadata.shortName` (`CISA-ADP`, a CNA's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vendor: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub product: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub package_name: Option<String>,
    /// As written; those that are not CPE 2.3 formatted strings are kept
    /// and named in `warnings`, but not used for matching.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cpes: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_status: Option<Status>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub versions: Vec<VersionEntry>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<ReadWarning>,
}

/// What a record says about one product version, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", content = "why", rename_all = "lowercase")]
pub enum Verdict {
    Affected(String),
    Unaffected(String),
    /// Cannot be decided (no version given, no known order, a version
    /// that is not one); callers treat it as possibly affected.
    Unknown(String),
}

impl Verdict {
    fn of(status: Status, why: String) -> Verdict {
        match status {
            Status::Affected => Verdict::Affected(why),
            Status::Unaffected => Verdict::Unaffected(why),
            Status::Unknown => Verdict::Unknown(why),
        }
    }

    pub fn status(&self) -> Status {
        match self {
            Verdict::Affected(_) => Status::Affected,
            Verdict::Unaffected(_) => Status::Unaffected,
            Verdict::Unknown(_) => Status::Unknown,
        }
    }

    pub fn why(&self) -> &str {
        match self {
            Verdict::Affected(w) | Verdict::Unaffected(w) | Verdict::Unknown(w) => w,
        }
    }

    /// The same verdict with `prefix` before its reason.
    pub(crate) fn prefixed(self, prefix: &str) -> Verdict {
        let status = self.status();
        Verdict::of(status, format!("{prefix}{}", self.why()))
    }
}

/// Range starts that mean "from the earliest version": `0` by the CVE
/// schema's convention, and the words CNAs write instead.
const EARLIEST: [&str; 5] = ["0", "*", "-", "n/a", "unspecified"];

impl VersionEntry {
    /// The upper bounds, each with whether it is inclusive.
    fn bounds(&self) -> Vec<(&str, bool)> {
        let lt = self.less_than.as_deref().map(|b| (b, false));
        let le = self.less_than_or_equal.as_deref().map(|b| (b, true));
        lt.into_iter().chain(le).collect()
    }

    /// Every status this entry can give.
    fn statuses(&self) -> impl Iterator<Item = Status> + '_ {
        std::iter::once(self.status).chain(self.changes.iter().map(|c| c.status))
    }

    /// The status this entry gives `v`, `None` when it does not take `v`
    /// in, or why that cannot be told.
    fn status_of(&self, v: &str) -> Result<Option<(Status, String)>, String> {
        let order = Order::of(self.version_type.as_deref());
        let bounds = self.bounds();
        if bounds.is_empty() {
            if self.version.trim().eq_ignore_ascii_case(v) {
                return Ok(Some((
                    self.status,
                    format!("{v} is listed as {}", self.status),
                )));
            }
            let order = order?;
            return Ok((order.cmp(v, &self.version)? == Ordering::Equal).then(|| {
                (
                    self.status,
                    format!(
                        "{v} equals {} ({}): {}",
                        self.version,
                        order.describe(),
                        self.status
                    ),
                )
            }));
        }
        let order = order?;
        let start = self.version.trim();
        let from_earliest = EARLIEST.iter().any(|e| start.eq_ignore_ascii_case(e));
        if !from_earliest && order.cmp(start, v)? == Ordering::Greater {
            return Ok(None);
        }
        let mut inside = None;
        for (bound, inclusive) in bounds {
            if order.below(v, bound, inclusive)? {
                inside = Some((bound, inclusive));
                break;
            }
        }
        let Some((bound, inclusive)) = inside else {
            return Ok(None);
        };
        let mut status = self.status;
        let mut why = format!(
            "{v} is in the range from {} to {} {bound} ({}): {status}",
            if from_earliest {
                "the earliest version"
            } else {
                start
            },
            if inclusive { "at most" } else { "below" },
            order.describe()
        );
        for c in &self.changes {
            if order.cmp(&c.at, v)? != Ordering::Greater {
                status = c.status;
                why.push_str(&format!("; {status} from {}", c.at));
            }
        }
        Ok(Some((status, why)))
    }
}

impl AffectedEntry {
    /// The status the entry gives `version` (see the module's rules).
    pub fn verdict(&self, version: Option<&str>) -> Verdict {
        let default = self.default_status.unwrap_or(Status::Unknown);
        let Some(v) = version.map(str::trim).filter(|v| !v.is_empty()) else {
            return self.verdict_without_version(default);
        };
        // Entries that could not be compared, with what they might give.
        let mut undecided: Vec<(Vec<Status>, String)> = Vec::new();
        let differing = |undecided: &[(Vec<Status>, String)], status: Status| {
            undecided
                .iter()
                .find(|(s, _)| s.iter().any(|s| *s != status))
                .map(|(_, why)| why.clone())
        };
        for (i, e) in self.versions.iter().enumerate() {
            match e.status_of(v) {
                Ok(None) => {}
                Ok(Some((status, why))) => {
                    let why = format!("versions[{i}]: {why}");
                    return match differing(&undecided, status) {
                        Some(u) => Verdict::Unknown(format!(
                            "{why}, but an earlier entry could not be compared ({u})"
                        )),
                        None => Verdict::of(status, why),
                    };
                }
                Err(reason) => {
                    undecided.push((e.statuses().collect(), format!("versions[{i}]: {reason}")))
                }
            }
        }
        let why = match self.default_status {
            Some(d) => format!("no entry of versions takes {v} in; defaultStatus is {d}"),
            None => format!("no entry of versions takes {v} in, and there is no defaultStatus"),
        };
        match differing(&undecided, default) {
            Some(u) => Verdict::Unknown(format!("{why}, but {u}")),
            None => Verdict::of(default, why),
        }
    }

    /// Without a version, the answer is known only when every version has
    /// the same status.
    fn verdict_without_version(&self, default: Status) -> Verdict {
        let mut all = self.versions.iter().flat_map(VersionEntry::statuses);
        if all.all(|s| s == default) {
            let why = if self.versions.is_empty() {
                format!("no versions listed; defaultStatus is {default}")
            } else {
                format!("every listed version and defaultStatus say {default}")
            };
            return Verdict::of(default, why);
        }
        Verdict::Unknown(
            "the product's version is not given, and the entry's statuses differ by version".into(),
        )
    }
}

/// How strictly an `affected` list is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Mode {
    /// Repair what can be read unambiguously (a number where a string
    /// belongs, a status in capitals, both bounds given) with a warning;
    /// skip what cannot (an entry that is not an object).
    #[default]
    Lenient,
    /// Refuse everything the lenient reading repairs or skips.
    Strict,
}

/// An `affected` list refused in [`Mode::Strict`].
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{path}: {message}")]
pub struct AffectedError {
    pub path: String,
    pub message: String,
}

/// The entries of a record and what reading them skipped.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Affected {
    pub entries: Vec<AffectedEntry>,
    /// Things that are not entries (their path and why); an entry's own
    /// repairs are on the entry.
    pub skipped: Vec<ReadWarning>,
}

/// Every `affected` entry of a CVE JSON 5 record, read leniently.
pub fn affected_entries(record: &Value) -> Vec<AffectedEntry> {
    read_affected(record, Mode::Lenient)
        .map(|a| a.entries)
        .unwrap_or_default()
}

/// Every `affected` entry of a CVE JSON 5 record: the CNA's, then each
/// ADP container's in order.
pub fn read_affected(record: &Value, mode: Mode) -> Result<Affected, AffectedError> {
    let mut out = Affected::default();
    let Some(containers) = record.get("containers") else {
        return Ok(out);
    };
    let mut lists: Vec<(String, &Value, Option<String>)> = Vec::new();
    if let Some(cna) = containers.get("cna")
        && let Some(list) = cna.get("affected")
    {
        lists.push(("containers.cna.affected".into(), list, short_name(cna)));
    }
    match containers.get("adp") {
        None | Some(Value::Null) => {}
        Some(Value::Array(adps)) => {
            for (j, adp) in adps.iter().enumerate() {
                if let Some(list) = adp.get("affected").filter(|l| !l.is_null()) {
                    lists.push((
                        format!("containers.adp[{j}].affected"),
                        list,
                        short_name(adp),
                    ));
                }
            }
        }
        Some(_) => skip(&mut out, mode, "containers.adp", "not an array")?,
    }
    for (path, list, provider) in lists {
        let Value::Array(items) = list else {
            skip(&mut out, mode, &path, "not an array")?;
            continue;
        };
        for (i, item) in items.iter().enumerate() {
            let at = format!("{path}[{i}]");
            let Value::Object(_) = item else {
                skip(&mut out, mode, &at, "not an object")?;
                continue;
            };
            let mut r = EntryReader {
                mode,
                warnings: Vec::new(),
            };
            let entry = r.entry(item, at, provider.clone())?;
            out.entries.push(entry);
        }
    }
    Ok(out)
}

fn short_name(container: &Value) -> Option<String> {
    container
        .pointer("/providerMetadata/shortName")
        .and_then(Value::as_str)
        .map(str::to_owned)
}

fn skip(out: &mut Affected, mode: Mode, path: &str, message: &str) -> Result<(), AffectedError> {
    if mode == Mode::Strict {
        return Err(AffectedError {
            path: path.into(),
            message: message.into(),
        });
    }
    out.skipped.push(ReadWarning {
        path: path.into(),
        message: message.into(),
    });
    Ok(())
}

struct EntryReader {
    mode: Mode,
    warnings: Vec<ReadWarning>,
}

impl EntryReader {
    /// A repair: refused in strict mode.
    fn repair(&mut self, path: &str, message: String) -> Result<(), AffectedError> {
        if self.mode == Mode::Strict {
            return Err(AffectedError {
                path: path.into(),
                message,
            });
        }
        self.warnings.push(ReadWarning {
            path: path.into(),
            message,
        });
        Ok(())
    }

    /// A string field; a number or boolean is taken as its text.
    fn text(&mut self, v: &Value, path: &str) -> Result<Option<String>, AffectedError> {
        match v {
            Value::Null => Ok(None),
            Value::String(s) => Ok(Some(s.clone())),
            Value::Number(n) => {
                self.repair(path, format!("the number {n} read as the string \"{n}\""))?;
                Ok(Some(n.to_string()))
            }
            other => {
                self.repair(path, format!("{} ignored: not a string", kind(other)))?;
                Ok(None)
            }
        }
    }

    fn field(&mut self, obj: &Value, key: &str, at: &str) -> Result<Option<String>, AffectedError> {
        match obj.get(key) {
            None => Ok(None),
            Some(v) => self.text(v, &format!("{at}.{key}")),
        }
    }

    fn status(
        &mut self,
        obj: &Value,
        key: &str,
        at: &str,
    ) -> Result<Option<Status>, AffectedError> {
        let path = format!("{at}.{key}");
        let Some(s) = self.field(obj, key, at)? else {
            return Ok(None);
        };
        match Status::parse(&s) {
            Some(st) if st.as_str() == s => Ok(Some(st)),
            Some(st) => {
                self.repair(&path, format!("{s:?} read as {st}"))?;
                Ok(Some(st))
            }
            None => {
                self.repair(&path, format!("{s:?} is not a status; read as unknown"))?;
                Ok(Some(Status::Unknown))
            }
        }
    }

    fn entry(
        &mut self,
        item: &Value,
        at: String,
        provider: Option<String>,
    ) -> Result<AffectedEntry, AffectedError> {
        let vendor = self.field(item, "vendor", &at)?;
        let product = self.field(item, "product", &at)?;
        let package_name = self.field(item, "packageName", &at)?;
        let default_status = self.status(item, "defaultStatus", &at)?;
        let mut cpes = Vec::new();
        match item.get("cpes") {
            None | Some(Value::Null) => {}
            Some(Value::Array(list)) => {
                for (k, c) in list.iter().enumerate() {
                    let path = format!("{at}.cpes[{k}]");
                    let Some(s) = self.text(c, &path)? else {
                        continue;
                    };
                    if let Err(e) = super::Cpe::parse(&s) {
                        // The schema allows CPE 2.2 URIs here: a remark, not
                        // a defect, so strict mode keeps it too.
                        self.warnings.push(ReadWarning {
                            path,
                            message: format!("not used for matching: {e}"),
                        });
                    }
                    cpes.push(s);
                }
            }
            Some(other) => self.repair(
                &format!("{at}.cpes"),
                format!("{} ignored: not an array", kind(other)),
            )?,
        }
        let mut versions = Vec::new();
        match item.get("versions") {
            None | Some(Value::Null) => {}
            Some(Value::Array(list)) => {
                for (k, v) in list.iter().enumerate() {
                    if let Some(e) = self.version(v, &format!("{at}.versions[{k}]"))? {
                        versions.push(e);
                    }
                }
            }
            Some(other) => self.repair(
                &format!("{at}.versions"),
                format!("{} ignored: not an array", kind(other)),
            )?,
        }
        Ok(AffectedEntry {
            path: at,
            provider,
            vendor,
            product,
            package_name,
            cpes,
            default_status,
            versions,
            warnings: std::mem::take(&mut self.warnings),
        })
    }

    fn version(&mut self, v: &Value, at: &str) -> Result<Option<VersionEntry>, AffectedError> {
        if !v.is_object() {
            self.repair(at, format!("{} skipped: not an object", kind(v)))?;
            return Ok(None);
        }
        let Some(version) = self.field(v, "version", at)? else {
            self.repair(at, "skipped: no version".into())?;
            return Ok(None);
        };
        let status = match self.status(v, "status", at)? {
            Some(s) => s,
            None => {
                self.repair(at, "no status; read as unknown".into())?;
                Status::Unknown
            }
        };
        let version_type = self.field(v, "versionType", at)?;
        // Both bounds break the schema's "only one"; its algorithm then
        // takes a version in when either range does, and so do we.
        let less_than = self.field(v, "lessThan", at)?;
        let less_than_or_equal = self.field(v, "lessThanOrEqual", at)?;
        let mut changes = Vec::new();
        match v.get("changes") {
            None | Some(Value::Null) => {}
            Some(Value::Array(list)) => {
                for (k, c) in list.iter().enumerate() {
                    let path = format!("{at}.changes[{k}]");
                    let (Some(at_v), Some(st)) = (
                        self.field(c, "at", &path)?,
                        self.status(c, "status", &path)?,
                    ) else {
                        self.repair(&path, "skipped: needs at and status".into())?;
                        continue;
                    };
                    changes.push(Change {
                        at: at_v,
                        status: st,
                    });
                }
            }
            Some(other) => self.repair(
                &format!("{at}.changes"),
                format!("{} ignored: not an array", kind(other)),
            )?,
        }
        Ok(Some(VersionEntry {
            version,
            status,
            version_type,
            less_than,
            less_than_or_equal,
            changes,
        }))
    }
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}
