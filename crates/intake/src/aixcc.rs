//! Submissions shaped as DARPA's AI Cyber Challenge competition API v0.4
//! defines them (`AIxCyberChallenge/example-crs-architecture`,
//! `docs/api/competition-swagger-v0.4.yaml` and `api-v0.4-readme.md`), so
//! that the cyber-reasoning systems built for the challenge submit to
//! Bulwark unchanged.
//!
//! Four bodies are read, each strictly (unknown keys and wrong types
//! refused with their JSON path, an array never taken for an object):
//!
//! - a proof of vulnerability ([`Pov`]): `testcase` (base64, at most
//!   [`MAX_TESTCASE`] bytes decoded), `fuzzer_name` and `sanitizer` (the
//!   OSS-Fuzz harness and sanitizer, at most [`MAX_NAME`] bytes each),
//!   `architecture` (`x86_64`, the only value), and `engine`, which v1.0
//!   made required: taken when given so a newer CRS is not refused;
//! - a patch ([`PatchSubmission`]): `patch`, base64 of a unified diff of at
//!   most [`MAX_PATCH`] bytes, read by [`crate::patch`] (strict: a patch
//!   the competition would apply must not need repairs);
//! - a submitted SARIF ([`SubmittedSarif`]): `sarif`, a SARIF 2.1.0 log as
//!   a JSON object, read by [`crate::sarif`]; v0.4 requires a `ruleId` on
//!   every result, so a result without a rule is refused;
//! - a bundle ([`Bundle`]): the ids of earlier submissions of the same task
//!   (`pov_id`, `patch_id`, `submitted_sarif_id`, `broadcast_sarif_id`) and
//!   a `description`; at least two ids, as the API requires. Whether the
//!   parts exist and belong together is [`check_bundle`]'s, a pure function
//!   over what the caller already knows of them.
//!
//! Sizes are the API's, checked on the encoded length before anything is
//! decoded. The description has no limit in v0.4; ours is
//! [`MAX_DESCRIPTION`].

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use base64::Engine as _;
use serde::de::{self, Deserializer};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::finding::Finding;
use crate::patch::{self, Patch};
use crate::sarif::{self, Component, Kind, Level, NormalizedResult, ToolProvenance};
use crate::warning::{Mode, ReadOptions, Warnings};

/// A testcase's largest size, decoded (the API's 2 MiB before encoding).
pub const MAX_TESTCASE: usize = 2 * 1024 * 1024;
/// A patch's largest size, decoded (the API's 100 KiB before encoding).
pub const MAX_PATCH: usize = 100 * 1024;
/// `fuzzer_name`, `sanitizer` and `engine`: the API's 4 KiB.
pub const MAX_NAME: usize = 4096;
/// A bundle's description: the API sets none; ours, as its SARIF
/// assessments' reasoning.
pub const MAX_DESCRIPTION: usize = 128 * 1024;

/// A refused submission: where (the JSON path, `(body)` for the whole) and
/// why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{path}: {message}")]
pub struct AixccError {
    pub path: String,
    pub message: String,
}

/// The path shown for the body as a whole.
pub const BODY: &str = "(body)";

impl AixccError {
    fn at(path: impl Into<String>, message: impl Into<String>) -> Self {
        AixccError {
            path: path.into(),
            message: message.into(),
        }
    }
}

/// The four kinds of submission a bundle can name, as the API spells them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PartKind {
    Pov,
    Patch,
    SubmittedSarif,
    Bundle,
}

impl PartKind {
    pub const ALL: [PartKind; 4] = [
        PartKind::Pov,
        PartKind::Patch,
        PartKind::SubmittedSarif,
        PartKind::Bundle,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            PartKind::Pov => "pov",
            PartKind::Patch => "patch",
            PartKind::SubmittedSarif => "submitted_sarif",
            PartKind::Bundle => "bundle",
        }
    }

    pub fn parse(s: &str) -> Option<PartKind> {
        PartKind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

impl fmt::Display for PartKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A submission's status, as the API answers it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Received whole and in time.
    Accepted,
    /// Tested, every test passed.
    Passed,
    /// Tested, a test failed.
    Failed,
    /// After the task's deadline.
    DeadlineExceeded,
    /// Testing failed on the server's side; the CRS should submit again.
    Errored,
}

impl Status {
    pub const ALL: [Status; 5] = [
        Status::Accepted,
        Status::Passed,
        Status::Failed,
        Status::DeadlineExceeded,
        Status::Errored,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Accepted => "accepted",
            Status::Passed => "passed",
            Status::Failed => "failed",
            Status::DeadlineExceeded => "deadline_exceeded",
            Status::Errored => "errored",
        }
    }

    pub fn parse(s: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The architecture a proof of vulnerability runs on: v0.4 knows one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Architecture {
    #[serde(rename = "x86_64")]
    X86_64,
}

/// A proof of vulnerability: the input that makes the harness crash under
/// the sanitizer.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Pov {
    pub architecture: Architecture,
    /// The fuzzing engine (`libfuzzer`, `afl` …), required from v1.0 on.
    #[serde(default, deserialize_with = "opt_name")]
    pub engine: Option<String>,
    #[serde(deserialize_with = "name")]
    pub fuzzer_name: String,
    #[serde(deserialize_with = "name")]
    pub sanitizer: String,
    /// The decoded bytes.
    #[serde(deserialize_with = "testcase")]
    pub testcase: Vec<u8>,
}

/// Who made a submission, for the findings made from it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ToolInfo {
    pub name: String,
    pub version: Option<String>,
    pub model: Option<String>,
    pub model_version: Option<String>,
}

/// The fingerprint key a proof of vulnerability is filed under (its
/// [`Finding`]'s tool fingerprint; the version says how the value is made).
pub const POV_FINGERPRINT_KEY: &str = "aixcc/pov/v1";

impl Pov {
    /// The testcase's SHA-256, lowercase hex.
    pub fn testcase_sha256(&self) -> String {
        hex::encode(Sha256::digest(&self.testcase))
    }

    /// The finding a proof of vulnerability is: rule `aixcc-pov/<sanitizer>`,
    /// its fingerprint over the target, harness, sanitizer and testcase (the
    /// same input on the same harness and target is the same finding,
    /// whoever sends it; another input is another finding until a bundle or
    /// an analyst says otherwise), and the reproduction (harness,
    /// sanitizer, architecture, engine, the testcase's address) in its
    /// properties.
    pub fn finding(&self, tool: &ToolInfo, target: Option<&str>) -> Finding {
        let testcase = self.testcase_sha256();
        let mut key = Sha256::new();
        for part in [
            target.unwrap_or(""),
            &self.fuzzer_name,
            &self.sanitizer,
            &testcase,
        ] {
            key.update((part.len() as u64).to_be_bytes());
            key.update(part.as_bytes());
        }
        let mut fingerprints = BTreeMap::new();
        fingerprints.insert(POV_FINGERPRINT_KEY.to_owned(), hex::encode(key.finalize()));
        let reproduction = serde_json::json!({
            "aixcc_pov": {
                "architecture": "x86_64",
                "engine": self.engine,
                "fuzzer_name": self.fuzzer_name,
                "sanitizer": self.sanitizer,
                "testcase_sha256": testcase,
                "testcase_size": self.testcase.len(),
            }
        });
        let r = NormalizedResult {
            run: 0,
            index: 0,
            rule_id: Some(format!("aixcc-pov/{}", self.sanitizer)),
            cwes: Vec::new(),
            kind: Kind::Fail,
            level: Level::Error,
            message: format!(
                "Proof of vulnerability: harness {} crashes under the {} sanitizer",
                self.fuzzer_name, self.sanitizer
            ),
            message_stand_in: None,
            locations: Vec::new(),
            fingerprints,
            partial_fingerprints: BTreeMap::new(),
            code_flows: None,
            tool: Arc::new(provenance(tool)),
            properties: Some(reproduction),
            warnings: Vec::new(),
        };
        let mut f = Finding::from_result(&r);
        f.target = target.map(str::to_owned);
        f
    }
}

fn provenance(tool: &ToolInfo) -> ToolProvenance {
    ToolProvenance {
        driver: Component {
            name: tool.name.clone(),
            version: tool.version.clone(),
            semantic_version: None,
            organization: None,
        },
        extensions: Vec::new(),
        ai_model: tool.model.as_ref().map(|m| sarif::AiModel {
            name: m.clone(),
            version: tool.model_version.clone(),
        }),
    }
}

/// A patch: the diff as sent, and what the patch reader found in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatchSubmission {
    pub diff: Vec<u8>,
    pub patch: Patch,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PatchBody {
    #[serde(deserialize_with = "patch_bytes")]
    patch: Vec<u8>,
}

/// A CRS's own SARIF log: the log (as a JSON document) and its findings.
#[derive(Debug, Clone)]
pub struct SubmittedSarif {
    /// The log, written out again from the object sent.
    pub log: Vec<u8>,
    /// Its findings in document order, each result's `ruleId` present.
    pub findings: Vec<Finding>,
    /// Results that are not findings (`pass` …) and repairs made.
    pub summary: crate::finding::Summary,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SarifBody {
    sarif: serde_json::Map<String, Value>,
}

/// A bundle: which earlier submissions of the task belong together.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Bundle {
    #[serde(default, deserialize_with = "opt_uuid")]
    pub pov_id: Option<String>,
    #[serde(default, deserialize_with = "opt_uuid")]
    pub patch_id: Option<String>,
    #[serde(default, deserialize_with = "opt_uuid")]
    pub submitted_sarif_id: Option<String>,
    /// A SARIF the competition broadcast to the CRS; Bulwark broadcasts
    /// none, so it is kept as a reference only.
    #[serde(default, deserialize_with = "opt_uuid")]
    pub broadcast_sarif_id: Option<String>,
    #[serde(default, deserialize_with = "opt_description")]
    pub description: Option<String>,
}

impl Bundle {
    /// The parts it names, with their ids, broadcast SARIF left out (it
    /// names nothing Bulwark keeps).
    pub fn parts(&self) -> Vec<(PartKind, &str)> {
        [
            (PartKind::Pov, &self.pov_id),
            (PartKind::Patch, &self.patch_id),
            (PartKind::SubmittedSarif, &self.submitted_sarif_id),
        ]
        .into_iter()
        .filter_map(|(k, id)| id.as_deref().map(|id| (k, id)))
        .collect()
    }

    /// How many ids it names, broadcast SARIF included.
    pub fn items(&self) -> usize {
        self.parts().len() + usize::from(self.broadcast_sarif_id.is_some())
    }
}

/// A part a bundle names, as the caller knows it (from its store).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KnownPart {
    pub kind: PartKind,
    /// The task it was submitted to.
    pub task: String,
    /// The organization that submitted it.
    pub org: String,
}

/// Why a bundle's parts do not belong together.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BundleError {
    #[error("a bundle names at least two submissions; this one names {0}")]
    TooFew(usize),
    #[error("{field}: no {kind} {id} was submitted")]
    Unknown {
        field: &'static str,
        kind: PartKind,
        id: String,
    },
    #[error("{field}: {id} is a {found}, not a {expected}")]
    WrongKind {
        field: &'static str,
        id: String,
        found: PartKind,
        expected: PartKind,
    },
    #[error("{field}: {id} was submitted to task {task}, not to this bundle's task")]
    OtherTask {
        field: &'static str,
        id: String,
        task: String,
    },
    #[error("{field}: {id} was submitted by another organization")]
    OtherOrganization { field: &'static str, id: String },
    #[error(
        "a bundle needs a pov_id or a submitted_sarif_id: it becomes a case, and a case is a finding"
    )]
    NoFinding,
}

fn field_of(kind: PartKind) -> &'static str {
    match kind {
        PartKind::Pov => "pov_id",
        PartKind::Patch => "patch_id",
        PartKind::SubmittedSarif => "submitted_sarif_id",
        PartKind::Bundle => "bundle_id",
    }
}

/// Whether a bundle's parts belong together: at least two ids (broadcast
/// SARIF counted, as the API counts it); each part submitted, of the kind
/// its field says, to `task`, by `org`; and a proof of vulnerability or a
/// submitted SARIF among them, since the bundle becomes a case. `known`
/// answers what the caller knows of an id (`None`: nothing).
pub fn check_bundle(
    bundle: &Bundle,
    task: &str,
    org: &str,
    known: impl Fn(&str) -> Option<KnownPart>,
) -> Result<(), BundleError> {
    let items = bundle.items();
    if items < 2 {
        return Err(BundleError::TooFew(items));
    }
    for (kind, id) in bundle.parts() {
        let field = field_of(kind);
        let Some(part) = known(id) else {
            return Err(BundleError::Unknown {
                field,
                kind,
                id: id.to_owned(),
            });
        };
        if part.kind != kind {
            return Err(BundleError::WrongKind {
                field,
                id: id.to_owned(),
                found: part.kind,
                expected: kind,
            });
        }
        if part.task != task {
            return Err(BundleError::OtherTask {
                field,
                id: id.to_owned(),
                task: part.task,
            });
        }
        if part.org != org {
            return Err(BundleError::OtherOrganization {
                field,
                id: id.to_owned(),
            });
        }
    }
    if bundle.pov_id.is_none() && bundle.submitted_sarif_id.is_none() {
        return Err(BundleError::NoFinding);
    }
    Ok(())
}

/// Reads a body into `T` strictly, naming the path of the first problem.
fn body<T: de::DeserializeOwned>(bytes: &[u8]) -> Result<T, AixccError> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value =
        serde_path_to_error::deserialize(bulwark_core::json::Strict(&mut de)).map_err(|e| {
            let path = e.path().to_string();
            let path = if path == "." { BODY.to_owned() } else { path };
            AixccError::at(path, e.into_inner().to_string())
        })?;
    de.end()
        .map_err(|e| AixccError::at(BODY, format!("text after the JSON object: {e}")))?;
    Ok(value)
}

/// Reads a proof of vulnerability's body.
pub fn parse_pov(bytes: &[u8]) -> Result<Pov, AixccError> {
    body(bytes)
}

/// Reads a patch's body; the diff must be one the patch reader takes
/// without repairs.
pub fn parse_patch(bytes: &[u8]) -> Result<PatchSubmission, AixccError> {
    let b: PatchBody = body(bytes)?;
    let patch = patch::parse(&b.patch, Mode::Strict)
        .map_err(|e| AixccError::at("patch", format!("not a unified diff: {e}")))?;
    if patch.files.is_empty() {
        return Err(AixccError::at(
            "patch",
            "not a unified diff: it changes no file",
        ));
    }
    Ok(PatchSubmission {
        diff: b.patch,
        patch,
    })
}

/// Reads a submitted SARIF's body: the log is read by the SARIF reader
/// (repairing what it repairs for any intake, each repair a warning), its
/// errors' paths under `sarif`; a result without a `ruleId` is refused.
pub fn parse_sarif(bytes: &[u8]) -> Result<SubmittedSarif, AixccError> {
    let b: SarifBody = body(bytes)?;
    let log = serde_json::to_vec(&b.sarif)
        .map_err(|e| AixccError::at("sarif", format!("not writable as JSON: {e}")))?;
    let mut results = Vec::new();
    let read = sarif::read_with(&log[..], ReadOptions::default(), |r| {
        if r.rule_id.is_none() {
            return Err(AixccError::at(
                format!("sarif.runs[{}].results[{}]", r.run, r.index),
                "a submitted SARIF's results name their rule (ruleId)",
            ));
        }
        results.push(Finding::from_result(&r));
        Ok(())
    });
    let s = match read {
        Ok(s) => s,
        Err(sarif::ReadError::Handler(e)) => return Err(e),
        Err(sarif::ReadError::Sarif(e)) => {
            let path = if e.path == crate::error::DOCUMENT {
                "sarif".to_owned()
            } else {
                format!("sarif.{}", e.path)
            };
            return Err(AixccError::at(path, e.message));
        }
    };
    let summary = crate::finding::Summary {
        items: s.results,
        findings: results.len(),
        withdrawn: 0,
        skipped: s.skipped,
        warnings: s.warnings,
    };
    Ok(SubmittedSarif {
        log,
        findings: results,
        summary,
    })
}

/// Reads a bundle's body (its consistency is [`check_bundle`]'s).
pub fn parse_bundle(bytes: &[u8]) -> Result<Bundle, AixccError> {
    body(bytes)
}

/// The repairs a SARIF read made, for a caller that lists them.
pub fn warnings(s: &SubmittedSarif) -> &Warnings {
    &s.summary.warnings
}

// Field readers: each refuses with a message serde_path_to_error places at
// the field's path.

fn limited<'de, D: Deserializer<'de>>(d: D, max: usize, what: &str) -> Result<String, D::Error> {
    let s = String::deserialize(d)?;
    if s.is_empty() || s.len() > max || s.chars().any(char::is_control) {
        return Err(de::Error::custom(format!(
            "{what} is 1 to {max} bytes without control characters"
        )));
    }
    Ok(s)
}

fn name<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    limited(d, MAX_NAME, "a name")
}

fn opt_name<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    name(d).map(Some)
}

fn opt_description<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    let s = Option::<String>::deserialize(d)?;
    if let Some(s) = &s
        && (s.len() > MAX_DESCRIPTION
            || s.chars()
                .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t')))
    {
        return Err(de::Error::custom(format!(
            "a description is at most {MAX_DESCRIPTION} bytes without control characters"
        )));
    }
    Ok(s)
}

/// A UUID in its hyphenated form, kept lowercase.
fn opt_uuid<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    let s = Option::<String>::deserialize(d)?;
    match s {
        None => Ok(None),
        Some(s) => parse_uuid(&s).map(Some).map_err(de::Error::custom),
    }
}

/// A UUID as the API writes them (`8-4-4-4-12` hex digits), lowercased.
pub fn parse_uuid(s: &str) -> Result<String, String> {
    let groups: Vec<&str> = s.split('-').collect();
    let ok = groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(g, n)| g.len() == n && g.bytes().all(|b| b.is_ascii_hexdigit()));
    if ok {
        Ok(s.to_ascii_lowercase())
    } else {
        Err(format!("{s:?} is not a UUID"))
    }
}

/// Base64 of at most `max` bytes, refused by its encoded length before it
/// is decoded.
fn base64_of<'de, D: Deserializer<'de>>(d: D, max: usize, what: &str) -> Result<Vec<u8>, D::Error> {
    let s = String::deserialize(d)?;
    if s.len() > max.div_ceil(3) * 4 {
        return Err(de::Error::custom(format!(
            "{what} is at most {max} bytes before base64 encoding"
        )));
    }
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(s.as_bytes())
        .map_err(|e| {
            de::Error::custom(format!(
                "not base64 (RFC 4648, standard alphabet, padded): {e}"
            ))
        })?;
    if bytes.len() > max {
        return Err(de::Error::custom(format!(
            "{what} is at most {max} bytes before base64 encoding"
        )));
    }
    if bytes.is_empty() {
        return Err(de::Error::custom(format!("{what} is empty")));
    }
    Ok(bytes)
}

fn testcase<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
    base64_of(d, MAX_TESTCASE, "a testcase")
}

fn patch_bytes<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
    base64_of(d, MAX_PATCH, "a patch")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn known(parts: &[(&str, PartKind, &str, &str)]) -> impl Fn(&str) -> Option<KnownPart> {
        let parts: Vec<(String, KnownPart)> = parts
            .iter()
            .map(|(id, kind, task, org)| {
                (
                    (*id).to_owned(),
                    KnownPart {
                        kind: *kind,
                        task: (*task).to_owned(),
                        org: (*org).to_owned(),
                    },
                )
            })
            .collect();
        move |id| parts.iter().find(|(i, _)| i == id).map(|(_, p)| p.clone())
    }

    const P: &str = "00000000-0000-4000-8000-000000000001";
    const Q: &str = "00000000-0000-4000-8000-000000000002";

    #[test]
    fn bundle_rules() {
        let b = Bundle {
            pov_id: Some(P.into()),
            patch_id: Some(Q.into()),
            ..Bundle::default()
        };
        let ok = known(&[(P, PartKind::Pov, "t", "o"), (Q, PartKind::Patch, "t", "o")]);
        assert_eq!(check_bundle(&b, "t", "o", &ok), Ok(()));
        assert!(matches!(
            check_bundle(&b, "u", "o", &ok),
            Err(BundleError::OtherTask {
                field: "pov_id",
                ..
            })
        ));
        assert!(matches!(
            check_bundle(&b, "t", "x", &ok),
            Err(BundleError::OtherOrganization { .. })
        ));
        let swapped = known(&[
            (P, PartKind::Patch, "t", "o"),
            (Q, PartKind::Patch, "t", "o"),
        ]);
        assert!(matches!(
            check_bundle(&b, "t", "o", swapped),
            Err(BundleError::WrongKind {
                expected: PartKind::Pov,
                ..
            })
        ));
        let half = known(&[(P, PartKind::Pov, "t", "o")]);
        assert!(matches!(
            check_bundle(&b, "t", "o", half),
            Err(BundleError::Unknown {
                field: "patch_id",
                ..
            })
        ));
        let one = Bundle {
            pov_id: Some(P.into()),
            ..Bundle::default()
        };
        assert_eq!(
            check_bundle(&one, "t", "o", &ok),
            Err(BundleError::TooFew(1))
        );
        let no_finding = Bundle {
            patch_id: Some(Q.into()),
            broadcast_sarif_id: Some(P.into()),
            ..Bundle::default()
        };
        assert_eq!(
            check_bundle(&no_finding, "t", "o", &ok),
            Err(BundleError::NoFinding)
        );
    }

    #[test]
    fn uuids() {
        assert_eq!(parse_uuid(&P.to_uppercase()), Ok(P.to_owned()));
        assert!(parse_uuid("0000000000004000800000000000001").is_err());
        assert!(parse_uuid("00000000-0000-4000-8000-00000000000g").is_err());
    }

    #[test]
    fn sizes_are_checked_before_decoding() {
        let big = "A".repeat(MAX_PATCH.div_ceil(3) * 4 + 4);
        let e = parse_patch(format!(r#"{{"patch":"{big}"}}"#).as_bytes()).unwrap_err();
        assert_eq!(e.path, "patch");
        assert!(e.message.contains("at most 102400 bytes"), "{e}");
    }
}
