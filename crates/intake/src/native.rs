//! Bulwark's own findings format (`application/vnd.bulwark.findings+json`),
//! for reporters that have no SARIF: an interface, versioned by its marker.
//!
//! ```json
//! {
//!   "bulwark_findings": "1",
//!   "tool": {"name": "hunter", "version": "2.3",
//!            "ai_model": {"name": "model-x", "version": "2026-01"}},
//!   "target": "pkg:npm/left-pad@1.3.0",
//!   "findings": [
//!     {"rule_id": "sql-injection", "cwe": "CWE-89", "message": "…",
//!      "path": "src/db.js", "line": 12, "column": 5, "snippet": "…",
//!      "fingerprints": {"k": "v"}, "partial_fingerprints": {"k": "v"},
//!      "properties": {"anything": "kept"}}
//!   ]
//! }
//! ```
//!
//! - `bulwark_findings` (required): the format version, `"1"`.
//! - `tool` (required): `name`; optional `version` and `ai_model` (`name`,
//!   optional `version`) when an AI model produced the findings.
//! - `target` (optional): what the findings are about, a package URL or any
//!   string the server accepts as a target; given to every finding.
//! - `findings` (required, may be empty): each has a `message` (required)
//!   and optionally `rule_id`, `cwe` (`"CWE-89"`, `"89"` or `89`), `path`
//!   (as a SARIF `uri`), `line`, `column` (1-based), `snippet`,
//!   `fingerprints`, `partial_fingerprints` (string maps, as SARIF's) and
//!   `properties` (any object, kept as written).
//!
//! Unknown keys are refused everywhere but inside `properties`, with their
//! path: this is our own format, and a misspelt key must not pass silently.
//! Each finding gets the fingerprint a SARIF 2.1.0 result with the same rule
//! (else CWE), path, snippet, message and fingerprints gets (it is built as
//! one and fingerprinted by [`crate::fingerprint::fingerprint`]), so the
//! same bug reported in either format folds into one case.
//!
//! Streaming: findings are read one at a time and handed over at once when
//! `bulwark_findings` and `tool` came before `findings` (write them first);
//! otherwise they are held until the end. A `target` after `findings` is
//! refused (findings already handed over would lack it).

use std::collections::BTreeMap;
use std::fmt;
use std::io::Read;
use std::sync::Arc;

use serde::Deserialize;
use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

use crate::error::{Ctx, ErrorKind, drive, settle};
use crate::finding::{Finding, ReadError, Summary};
use crate::sarif::{
    AiModel, Component, Kind, Level, Location, NormalizedResult, ToolProvenance, normalize_path,
};

/// The only version of the format.
pub const NATIVE_VERSION: &str = "1";

pub(crate) fn read<R: Read, E>(
    reader: R,
    sink: &mut dyn FnMut(Finding) -> Result<(), E>,
) -> Result<Summary, ReadError<E>> {
    let mut ctx = Ctx::new(sink);
    let mut state = State::default();
    let outcome = drive(
        reader,
        DocSeed {
            ctx: &mut ctx,
            state: &mut state,
        },
    );
    settle(&mut ctx, outcome).map(|()| state.summary)
}

type NativeCtx<'f, E> = Ctx<'f, Finding, E>;

#[derive(Default)]
struct State {
    summary: Summary,
    marker: bool,
    tool: Option<Arc<ToolProvenance>>,
    target: Option<String>,
    saw_findings: bool,
    held: Vec<(usize, Item)>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Tool {
    name: String,
    version: Option<String>,
    ai_model: Option<Model>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Model {
    name: String,
    version: Option<String>,
}

/// One finding as written.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Item {
    rule_id: Option<String>,
    #[serde(default, deserialize_with = "cwe")]
    cwe: Option<String>,
    message: String,
    path: Option<String>,
    line: Option<u64>,
    column: Option<u64>,
    snippet: Option<String>,
    fingerprints: Option<BTreeMap<String, String>>,
    partial_fingerprints: Option<BTreeMap<String, String>>,
    properties: Option<Map<String, Value>>,
}

/// `"CWE-89"`, `"89"` or `89` as `CWE-89`.
fn cwe<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Raw {
        N(u64),
        S(String),
    }
    let bad = || de::Error::custom("expected a CWE id: \"CWE-89\", \"89\" or 89");
    match Option::<Raw>::deserialize(d)? {
        None => Ok(None),
        Some(Raw::N(n)) => Ok(Some(format!("CWE-{n}"))),
        Some(Raw::S(s)) => {
            let t = s.trim();
            let digits = match t.get(..4) {
                Some(p) if p.eq_ignore_ascii_case("cwe-") => &t[4..],
                _ => t,
            };
            let n: u64 = digits.parse().map_err(|_| bad())?;
            Ok(Some(format!("CWE-{n}")))
        }
    }
}

impl Item {
    fn normalize(self, index: usize, tool: Arc<ToolProvenance>) -> NormalizedResult {
        let has_location = self.path.is_some() || self.line.is_some() || self.snippet.is_some();
        let locations = if has_location {
            vec![Location {
                path: self.path.as_deref().map(normalize_path),
                uri: self.path,
                start_line: self.line,
                start_column: self.column,
                snippet: self.snippet,
                ..Location::default()
            }]
        } else {
            Vec::new()
        };
        NormalizedResult {
            run: 0,
            index,
            rule_id: self.rule_id,
            cwes: self.cwe.into_iter().collect(),
            kind: Kind::Fail,
            level: Level::Warning,
            message: self.message,
            message_stand_in: None,
            locations,
            fingerprints: self.fingerprints.unwrap_or_default(),
            partial_fingerprints: self.partial_fingerprints.unwrap_or_default(),
            code_flows: None,
            tool,
            properties: self.properties.map(Value::Object),
            warnings: Vec::new(),
        }
    }
}

struct DocSeed<'c, 'f, E> {
    ctx: &'c mut NativeCtx<'f, E>,
    state: &'c mut State,
}

impl<'de, E> DeserializeSeed<'de> for DocSeed<'_, '_, E> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

/// A value under a key the format does not have: refused, its path named.
struct Unknown(String);

impl<'de> DeserializeSeed<'de> for Unknown {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, _: D) -> Result<(), D::Error> {
        Err(de::Error::custom(format_args!(
            "unknown field `{}`: expected `bulwark_findings`, `tool`, `target` or `findings`",
            self.0
        )))
    }
}

impl<'de, E> Visitor<'de> for DocSeed<'_, '_, E> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a Bulwark findings object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let (ctx, state) = (self.ctx, self.state);
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "bulwark_findings" => {
                    let v: String = map.next_value()?;
                    if v != NATIVE_VERSION {
                        ctx.inner_path = Some("bulwark_findings".into());
                        return Err(ctx.refuse(
                            ErrorKind::Version,
                            format!("unsupported Bulwark findings version {v:?}: only {NATIVE_VERSION:?} is accepted"),
                        ));
                    }
                    state.marker = true;
                }
                "tool" => {
                    let t: Tool = map.next_value()?;
                    state.tool = Some(Arc::new(ToolProvenance {
                        driver: Component {
                            name: t.name,
                            version: t.version,
                            semantic_version: None,
                            organization: None,
                        },
                        extensions: Vec::new(),
                        ai_model: t.ai_model.map(|m| AiModel {
                            name: m.name,
                            version: m.version,
                        }),
                    }));
                }
                "target" => {
                    let t: Option<String> = map.next_value()?;
                    if state.saw_findings {
                        ctx.inner_path = Some("target".into());
                        return Err(
                            ctx.refuse(ErrorKind::Schema, "`target` must come before `findings`")
                        );
                    }
                    state.target = t;
                }
                "findings" => {
                    state.saw_findings = true;
                    map.next_value_seed(FindingsSeed {
                        ctx: &mut *ctx,
                        state: &mut *state,
                    })?;
                }
                _ => map.next_value_seed(Unknown(key))?,
            }
        }
        let missing = if !state.marker {
            Some("missing field `bulwark_findings`: not a Bulwark findings document")
        } else if state.tool.is_none() {
            Some("missing field `tool`")
        } else if !state.saw_findings {
            Some("missing field `findings`")
        } else {
            None
        };
        if let Some(m) = missing {
            return Err(ctx.refuse(ErrorKind::Schema, m));
        }
        for (i, item) in std::mem::take(&mut state.held) {
            emit(ctx, state, i, item)?;
        }
        Ok(())
    }
}

fn emit<Er: de::Error, E>(
    ctx: &mut NativeCtx<'_, E>,
    state: &mut State,
    index: usize,
    item: Item,
) -> Result<(), Er> {
    let Some(tool) = state.tool.clone() else {
        return Err(ctx.refuse(ErrorKind::Schema, "missing field `tool`"));
    };
    let mut f = Finding::from_result(&item.normalize(index, tool));
    f.target.clone_from(&state.target);
    state.summary.findings += 1;
    ctx.emit(f)
}

struct FindingsSeed<'c, 'f, E> {
    ctx: &'c mut NativeCtx<'f, E>,
    state: &'c mut State,
}

impl<'de, E> DeserializeSeed<'de> for FindingsSeed<'_, '_, E> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de, E> Visitor<'de> for FindingsSeed<'_, '_, E> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an array of findings")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let mut i = 0;
        while let Some(item) = seq.next_element::<Item>()? {
            self.state.summary.items += 1;
            if self.state.marker && self.state.tool.is_some() {
                emit(self.ctx, self.state, i, item)?;
            } else {
                self.state.held.push((i, item));
            }
            i += 1;
        }
        Ok(())
    }
}
