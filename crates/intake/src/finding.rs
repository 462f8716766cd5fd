//! One finding, whatever format it came in, and the dispatcher [`read`].
//!
//! A [`Finding`] is what the server turns into a stored report: the
//! fingerprint its case is keyed by, the few columns shown in lists, and the
//! normalized item (`detail`, unknown properties kept). Every format is read
//! as a stream: items are handed to the caller one at a time, and **on any
//! error the caller must discard every finding it was given** (intake commits
//! nothing from a file that fails).

use std::io::Read;

use serde_json::Value;

use crate::error::IntakeError;
use crate::fingerprint::{Fingerprint, fingerprint};
use crate::sarif::{self, NormalizedResult, Skipped};
use crate::warning::{ReadOptions, Warnings};
use crate::{csaf, native, osv};

/// A document format intake understands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// SARIF 2.1.0 (`application/sarif+json`).
    Sarif,
    /// OSV: one record or an array of records (`application/osv+json`).
    Osv,
    /// CSAF 2.0 (`application/csaf+json`).
    Csaf,
    /// Bulwark's own findings (`application/vnd.bulwark.findings+json`),
    /// see [`crate::native`].
    Native,
}

impl Format {
    /// Every format, in sniffing order.
    pub const ALL: [Format; 4] = [Format::Sarif, Format::Osv, Format::Csaf, Format::Native];

    /// The format of a `Content-Type`; parameters (`; charset=utf-8`) and case
    /// are ignored. Besides each format's own type, `application/sarif`,
    /// `application/vnd.osv+json` (OSV registers no media type and both
    /// spellings are in use) and `application/vnd.bulwark.findings.v1+json`
    /// are taken. `application/json` is not: it names no format (sniff
    /// instead).
    pub fn from_media_type(media_type: &str) -> Option<Format> {
        let essence = media_type.split(';').next().unwrap_or("").trim();
        let essence = essence.to_ascii_lowercase();
        match essence.as_str() {
            "application/sarif+json" | "application/sarif" => Some(Format::Sarif),
            "application/osv+json" | "application/vnd.osv+json" => Some(Format::Osv),
            "application/csaf+json" => Some(Format::Csaf),
            "application/vnd.bulwark.findings+json"
            | "application/vnd.bulwark.findings.v1+json" => Some(Format::Native),
            _ => None,
        }
    }

    /// The format's media type.
    pub fn media_type(self) -> &'static str {
        match self {
            Format::Sarif => "application/sarif+json",
            Format::Osv => "application/osv+json",
            Format::Csaf => "application/csaf+json",
            Format::Native => "application/vnd.bulwark.findings+json",
        }
    }

    /// Best-effort guess from the first bytes of a document (a few KiB are
    /// plenty), by the property names it has, for a caller that got no usable
    /// media type. Decides, in this order: a top-level `bulwark_findings` →
    /// native; `runs` (with or without `version` yet) → SARIF; `document` with
    /// a `csaf_version` inside it, or `document` with `product_tree` or
    /// `vulnerabilities` → CSAF; `schema_version`, or `id` with `modified` or
    /// `affected`, at the top level or in the first element of a top-level
    /// array → OSV. Keys are found by a small scanner that tolerates the cut
    /// at the end; a key beyond the bytes given is not seen, so `None` may
    /// mean "look further". Never a substitute for the media type: a document
    /// can be made to look like anything.
    pub fn sniff(first_bytes: &[u8]) -> Option<Format> {
        let keys = sniff_keys(first_bytes);
        let top = |k: &str| keys.iter().any(|(d, key, _)| *d == 1 && key == k);
        if keys.first().is_some_and(|(_, _, array)| *array) {
            // `[ {record}, … ]`: OSV is the only format that is an array.
            let el = |k: &str| keys.iter().any(|(d, key, _)| *d == 2 && key == k);
            return (el("schema_version") || (el("id") && (el("modified") || el("affected"))))
                .then_some(Format::Osv);
        }
        if top("bulwark_findings") {
            Some(Format::Native)
        } else if top("runs") {
            Some(Format::Sarif)
        } else if top("document")
            && (keys.iter().any(|(d, k, _)| *d == 2 && k == "csaf_version")
                || top("product_tree")
                || top("vulnerabilities"))
        {
            Some(Format::Csaf)
        } else if top("schema_version") || (top("id") && (top("modified") || top("affected"))) {
            Some(Format::Osv)
        } else {
            None
        }
    }
}

/// Property names with their nesting depth (1 = the top-level object or the
/// top-level array), and whether the document is an array.
fn sniff_keys(bytes: &[u8]) -> Vec<(usize, String, bool)> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut out = Vec::new();
    let mut depth = 0usize;
    let mut array = false;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'{' | b'[' => {
                if depth == 0 && bytes[i] == b'[' {
                    array = true;
                }
                depth += 1;
                i += 1;
            }
            b'}' | b']' => {
                depth = depth.saturating_sub(1);
                i += 1;
            }
            b'"' => {
                let start = i + 1;
                let mut j = start;
                while j < bytes.len() && bytes[j] != b'"' {
                    j += if bytes[j] == b'\\' { 2 } else { 1 };
                }
                let end = j.min(bytes.len());
                i = j + 1;
                let mut k = i;
                while k < bytes.len() && bytes[k].is_ascii_whitespace() {
                    k += 1;
                }
                if bytes.get(k) == Some(&b':')
                    && let Ok(key) = std::str::from_utf8(&bytes[start..end])
                {
                    out.push((depth, key.to_owned(), array));
                }
            }
            _ => i += 1,
        }
    }
    out
}

/// A finding, format-neutral: what the server stores as a report.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    pub fingerprint: Fingerprint,
    /// The SARIF rule, or the advisory's vulnerability id (the CVE when it
    /// has one, see [`crate::advisory::vulnerability_id`]).
    pub rule_id: Option<String>,
    /// The message, or the advisory's summary/title.
    pub title: String,
    /// `path:line` for code; the package key (versionless purl) for
    /// advisories.
    pub location: Option<String>,
    /// What the finding is about when the document says: the OSV affected
    /// package's or CSAF product's purl (with its version when it has one),
    /// a native document's `target`. SARIF: `None` (the caller says).
    pub target: Option<String>,
    pub tool_name: Option<String>,
    pub tool_version: Option<String>,
    pub ai_model: Option<String>,
    pub ai_model_version: Option<String>,
    /// The normalized item, unknown properties kept.
    pub detail: Value,
}

impl Finding {
    /// A SARIF result as the server has always stored it (and a native
    /// finding, which is built as one).
    pub fn from_result(r: &NormalizedResult) -> Finding {
        let location = r.primary_location().and_then(|l| {
            l.path.as_ref().map(|p| match l.start_line {
                Some(line) => format!("{p}:{line}"),
                None => p.clone(),
            })
        });
        let driver = &r.tool.driver;
        Finding {
            fingerprint: fingerprint(r),
            rule_id: r.rule_id.clone(),
            title: r.title().to_owned(),
            location,
            target: None,
            tool_name: Some(driver.name.clone()).filter(|n| !n.is_empty()),
            tool_version: driver
                .version
                .clone()
                .or_else(|| driver.semantic_version.clone()),
            ai_model: r.tool.ai_model.as_ref().map(|m| m.name.clone()),
            ai_model_version: r.tool.ai_model.as_ref().and_then(|m| m.version.clone()),
            // Serializing these types cannot fail (string keys, no floats).
            detail: serde_json::to_value(r).unwrap_or(Value::Null),
        }
    }
}

/// What a successful read saw.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Summary {
    /// Items read: SARIF results, OSV records, CSAF vulnerabilities, native
    /// findings.
    pub items: usize,
    /// Findings handed over.
    pub findings: usize,
    /// OSV records skipped because they are withdrawn.
    pub withdrawn: usize,
    /// SARIF results that are not findings (`pass`, `notApplicable`,
    /// `informational`).
    pub skipped: Skipped,
    /// The repairs made (SARIF; see [`crate::warning`]).
    pub warnings: Warnings,
}

/// [`read`]'s error: the document's, or the handler's own.
#[derive(Debug, thiserror::Error)]
pub enum ReadError<E> {
    #[error(transparent)]
    Document(#[from] IntakeError),
    #[error("finding handler failed: {0}")]
    Handler(E),
}

/// Reads a document of `format` from `reader`, handing each finding to
/// `on_finding` in document order, repairing what can be (see
/// [`read_with`]). An `Err` from the handler stops the read and is returned
/// as [`ReadError::Handler`]. Each format's module says what it holds in
/// memory.
pub fn read<R, F, E>(format: Format, reader: R, on_finding: F) -> Result<Summary, ReadError<E>>
where
    R: Read,
    F: FnMut(Finding) -> Result<(), E>,
{
    read_with(format, reader, ReadOptions::default(), on_finding)
}

/// [`read`] with `options`: in strict mode a document that needs a repair
/// is refused (SARIF; the other formats' readers make no repairs).
pub fn read_with<R, F, E>(
    format: Format,
    reader: R,
    options: ReadOptions,
    mut on_finding: F,
) -> Result<Summary, ReadError<E>>
where
    R: Read,
    F: FnMut(Finding) -> Result<(), E>,
{
    match format {
        Format::Sarif => {
            let mut findings = 0;
            // The conversion runs on the parsing threads (see `read_map`).
            let s = sarif::read_map_with(
                reader,
                options,
                |r| Finding::from_result(&r),
                |f| {
                    findings += 1;
                    on_finding(f)
                },
            )
            .map_err(|e| match e {
                sarif::ReadError::Sarif(e) => ReadError::Document(e),
                sarif::ReadError::Handler(e) => ReadError::Handler(e),
            })?;
            Ok(Summary {
                items: s.results,
                findings,
                withdrawn: 0,
                skipped: s.skipped,
                warnings: s.warnings,
            })
        }
        Format::Osv => osv::read(reader, &mut on_finding),
        Format::Csaf => csaf::read(reader, &mut on_finding),
        Format::Native => native::read(reader, &mut on_finding),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn media_types_round_trip() {
        for f in Format::ALL {
            assert_eq!(Format::from_media_type(f.media_type()), Some(f));
        }
        assert_eq!(
            Format::from_media_type("Application/OSV+JSON; charset=utf-8"),
            Some(Format::Osv)
        );
        assert_eq!(
            Format::from_media_type("application/vnd.osv+json"),
            Some(Format::Osv)
        );
        assert_eq!(Format::from_media_type("application/json"), None);
    }

    #[test]
    fn sniffing() {
        let s = |d: &str| Format::sniff(d.as_bytes());
        assert_eq!(s(r#"{"version":"2.1.0","runs":[{"#), Some(Format::Sarif));
        assert_eq!(s(r#"{"$schema":"x","version":"2.1.0","ru"#), None);
        assert_eq!(
            s(r#"{"document":{"category":"csaf_vex","csaf_version":"2.0"}"#),
            Some(Format::Csaf)
        );
        assert_eq!(
            s(r#"{"schema_version":"1.6.0","id":"GHSA-x"}"#),
            Some(Format::Osv)
        );
        assert_eq!(s(r#"{"id":"GO-1","modified":"2024"}"#), Some(Format::Osv));
        assert_eq!(
            s(r#" [ {"id":"GO-1", "summary":"a\"b:", "modified":"x"}, {"#),
            Some(Format::Osv)
        );
        assert_eq!(s(r#"[1,2]"#), None);
        assert_eq!(
            s(r#"{"bulwark_findings":"1","tool":{}}"#),
            Some(Format::Native)
        );
        assert_eq!(s("\u{feff}{\"runs\":[]}"), Some(Format::Sarif));
        assert_eq!(s(r#"{"a":{"runs":1}}"#), None);
        assert_eq!(s("\"\\"), None);
    }
}
