//! Streaming SARIF 2.1.0 reader.
//!
//! [`read`] walks a SARIF log with serde's `DeserializeSeed`/`Visitor` over
//! `serde_json::Deserializer::from_reader`: `runs[]` and `runs[].results[]`
//! are visited one element at a time and each result is normalized and handed
//! to the caller's handler, so a log of any size is never held whole. What is
//! kept per run is small: the tool (driver, extensions, their rules),
//! `originalUriBaseIds` and the artifacts' locations.
//!
//! JSON key order is not fixed (`tool` may follow `results`, `version` may
//! follow `runs`). A run's results are streamed when its `tool` came before
//! them (CodeQL's order); otherwise, and from the first result whose location
//! names an artifact by index before `artifacts` was seen, the run's remaining
//! results are held in their raw form and normalized when the run object
//! ends, keeping document order. Memory is then proportional to that run's
//! results: Semgrep and the SARIF SDK's converters write `tool` last. A `version`
//! after `runs` is checked at the end: results already handed over then
//! belong to a refused log. **On any error the caller must discard every
//! result it was given** (intake commits nothing from a file that fails).
//!
//! `originalUriBaseIds` declared after a run's results cannot resolve the
//! `resolved_uri` of results already streamed; fingerprints never depend on
//! it (they use the base-relative `path`).
//!
//! Errors name the JSON path of the first problem (`runs[0].results[3].locations`)
//! and serde_json's line and column.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;
use std::io::{BufReader, Read};
use std::sync::Arc;

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::{DOCUMENT, skip_bom};

/// The only SARIF version accepted.
pub const SARIF_VERSION: &str = "2.1.0";

/// How far nested `uriBaseId`s are followed (cycles end here).
const MAX_BASE_DEPTH: usize = 16;

/// `result.kind` (SARIF §3.27.9).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Kind {
    NotApplicable,
    Pass,
    Fail,
    Review,
    Open,
    Informational,
}

/// `result.level` (SARIF §3.27.10).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    None,
    Note,
    Warning,
    Error,
}

/// One tool component (the driver or an extension).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Component {
    pub name: String,
    pub version: Option<String>,
    pub semantic_version: Option<String>,
    pub organization: Option<String>,
}

/// The AI model that produced a run's results, when the log says so.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AiModel {
    pub name: String,
    pub version: Option<String>,
}

/// Who produced a run: shared by all of its results.
///
/// SARIF has no standard field for an AI model. It is taken from
/// `tool.extensions[]`: the first extension whose `properties.tags` contains
/// `ai-model`, `ai/model` or `llm`, or whose `properties["ai/kind"]` is
/// `"model"` (name and version are the extension's); failing that, a
/// `properties["ai/model"]` on the driver or an extension, either a string
/// (the name) or an object with `name` and `version`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ToolProvenance {
    pub driver: Component,
    pub extensions: Vec<Component>,
    pub ai_model: Option<AiModel>,
}

/// One location of a result (`physicalLocation` only).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct Location {
    /// `artifactLocation.uri` as written (or from `run.artifacts[index]`).
    pub uri: Option<String>,
    pub uri_base_id: Option<String>,
    /// `artifactLocation.index` when the location names an artifact by index.
    pub artifact_index: Option<u64>,
    /// `uri` resolved against `originalUriBaseIds`, when the bases are known.
    pub resolved_uri: Option<String>,
    /// `uri` normalized: percent-decoded, forward slashes, no `.` segments or
    /// leading `./`, case preserved, relative to its `uriBaseId`. The
    /// fingerprint's path.
    pub path: Option<String>,
    pub start_line: Option<u64>,
    pub start_column: Option<u64>,
    pub end_line: Option<u64>,
    pub end_column: Option<u64>,
    /// `region.snippet.text`.
    pub snippet: Option<String>,
}

/// One SARIF result, normalized against its run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NormalizedResult {
    /// Index of the run in `runs`.
    pub run: usize,
    /// Index of the result in its run's `results`.
    pub index: usize,
    /// `ruleId`, else `rule.id`, else the id of the rule `ruleIndex` names.
    pub rule_id: Option<String>,
    /// `CWE-<n>` from the rule id, the rule's and the result's `tags` and
    /// `cwe` properties, the rule's relationships to the CWE taxonomy and the
    /// result's `taxa`.
    pub cwes: Vec<String>,
    pub kind: Kind,
    /// Effective level: the result's, else the rule's default, else `warning`
    /// for `fail` results and `none` for others (§3.27.10).
    pub level: Level,
    /// `message.text` (or markdown, or the rule's message string), with its
    /// `{n}` arguments filled in.
    pub message: String,
    pub locations: Vec<Location>,
    pub fingerprints: BTreeMap<String, String>,
    pub partial_fingerprints: BTreeMap<String, String>,
    /// `codeFlows` as written.
    pub code_flows: Option<Value>,
    pub tool: Arc<ToolProvenance>,
    /// The result's `properties` bag, unknown keys included.
    pub properties: Option<Value>,
}

impl NormalizedResult {
    /// The first location, which SARIF makes the primary one.
    pub fn primary_location(&self) -> Option<&Location> {
        self.locations.first()
    }
}

/// What a successful read saw.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Summary {
    pub runs: usize,
    pub results: usize,
}

pub use crate::error::ErrorKind;

/// A refused SARIF log: the format-neutral [`IntakeError`](crate::error::IntakeError)
/// under its original name.
pub type SarifError = crate::error::IntakeError;

/// [`read`]'s error: the document's, or the handler's own.
#[derive(Debug, thiserror::Error)]
pub enum ReadError<E> {
    #[error(transparent)]
    Sarif(#[from] SarifError),
    #[error("result handler failed: {0}")]
    Handler(E),
}

/// Reads a SARIF 2.1.0 log from `reader`, handing each normalized result to
/// `on_result` in document order. An `Err` from the handler stops the read and
/// is returned as [`ReadError::Handler`]. See the module documentation for the
/// memory bound and for what to do with results already handed over when an
/// error comes.
pub fn read<R, F, E>(reader: R, mut on_result: F) -> Result<Summary, ReadError<E>>
where
    R: Read,
    F: FnMut(NormalizedResult) -> Result<(), E>,
{
    let mut reader = BufReader::with_capacity(64 * 1024, reader);
    skip_bom(&mut reader).map_err(|e| SarifError {
        kind: ErrorKind::Io,
        path: DOCUMENT.into(),
        message: e.to_string(),
        line: 1,
        column: 0,
    })?;
    let mut ctx = Ctx {
        path: Vec::new(),
        sink: &mut on_result,
        handler_error: None,
        refusal: None,
        summary: Summary::default(),
    };
    let mut de = serde_json::Deserializer::from_reader(reader);
    let outcome = LogSeed { ctx: &mut ctx }
        .deserialize(&mut de)
        .and_then(|()| de.end());
    match outcome {
        Ok(()) => Ok(ctx.summary),
        Err(e) => {
            if let Some(h) = ctx.handler_error.take() {
                return Err(ReadError::Handler(h));
            }
            Err(ReadError::Sarif(ctx.to_error(&e)))
        }
    }
}

enum Seg {
    Key(Cow<'static, str>),
    Index(usize),
}

type Sink<'f, E> = &'f mut dyn FnMut(NormalizedResult) -> Result<(), E>;

/// State shared by the visitors. `path` is pushed on the way down and popped
/// only on success, so after an error it names where the error happened.
struct Ctx<'f, E> {
    path: Vec<Seg>,
    sink: Sink<'f, E>,
    handler_error: Option<E>,
    /// Our own refusal (schema or version), classified apart from serde's.
    refusal: Option<ErrorKind>,
    summary: Summary,
}

impl<E> Ctx<'_, E> {
    fn path_string(&self) -> String {
        if self.path.is_empty() {
            return DOCUMENT.into();
        }
        let mut s = String::new();
        for seg in &self.path {
            match seg {
                Seg::Key(k) => {
                    if !s.is_empty() {
                        s.push('.');
                    }
                    s.push_str(k);
                }
                Seg::Index(i) => {
                    s.push('[');
                    s.push_str(&i.to_string());
                    s.push(']');
                }
            }
        }
        s
    }

    fn to_error(&self, e: &serde_json::Error) -> SarifError {
        use serde_json::error::Category;
        let kind = match e.classify() {
            Category::Io => ErrorKind::Io,
            Category::Syntax => ErrorKind::Syntax,
            Category::Eof => ErrorKind::Eof,
            Category::Data => self.refusal.unwrap_or(ErrorKind::Schema),
        };
        let full = e.to_string();
        let suffix = format!(" at line {} column {}", e.line(), e.column());
        let message = full.strip_suffix(&suffix).unwrap_or(&full).to_owned();
        SarifError {
            kind,
            path: self.path_string(),
            message,
            line: e.line(),
            column: e.column(),
        }
    }

    fn emit<Er: de::Error>(&mut self, result: NormalizedResult) -> Result<(), Er> {
        self.summary.results += 1;
        match (self.sink)(result) {
            Ok(()) => Ok(()),
            Err(e) => {
                self.handler_error = Some(e);
                Err(Er::custom("result handler failed"))
            }
        }
    }

    /// Deserializes the value under `key`, tracking the path.
    fn value<'de, A: MapAccess<'de>, T: Deserialize<'de>>(
        &mut self,
        map: &mut A,
        key: &'static str,
    ) -> Result<T, A::Error> {
        self.path.push(Seg::Key(Cow::Borrowed(key)));
        let v = map.next_value()?;
        self.path.pop();
        Ok(v)
    }

    fn skip<'de, A: MapAccess<'de>>(&mut self, map: &mut A, key: Key) -> Result<(), A::Error> {
        self.path.push(Seg::Key(match key {
            Key::Known(k) => Cow::Borrowed(k),
            Key::Other(k) => Cow::Owned(k),
        }));
        map.next_value::<IgnoredAny>()?;
        self.path.pop();
        Ok(())
    }
}

/// A map key: one of the names a visitor handles, or another one (kept for
/// the error path only).
enum Key {
    Known(&'static str),
    Other(String),
}

struct KeySeed(&'static [&'static str]);

impl<'de> DeserializeSeed<'de> for KeySeed {
    type Value = Key;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Key, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for KeySeed {
    type Value = Key;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a property name")
    }
    fn visit_str<Er: de::Error>(self, v: &str) -> Result<Key, Er> {
        Ok(match self.0.iter().find(|k| **k == v) {
            Some(k) => Key::Known(k),
            None => Key::Other(v.to_owned()),
        })
    }
}

fn refuse<Er: de::Error, E>(ctx: &mut Ctx<'_, E>, kind: ErrorKind, msg: impl fmt::Display) -> Er {
    ctx.refusal = Some(kind);
    Er::custom(msg)
}

// ---------------------------------------------------------------- the log

struct LogSeed<'c, 'f, E> {
    ctx: &'c mut Ctx<'f, E>,
}

impl<'de, E> DeserializeSeed<'de> for LogSeed<'_, '_, E> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de, E> Visitor<'de> for LogSeed<'_, '_, E> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a SARIF log object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let ctx = self.ctx;
        let mut version: Option<String> = None;
        let mut saw_runs = false;
        while let Some(key) = map.next_key_seed(KeySeed(&["version", "runs"]))? {
            match key {
                Key::Known("version") => {
                    let v: String = ctx.value(&mut map, "version")?;
                    if v != SARIF_VERSION {
                        ctx.path.push(Seg::Key(Cow::Borrowed("version")));
                        return Err(unsupported(ctx, &v));
                    }
                    version = Some(v);
                }
                Key::Known(_) => {
                    saw_runs = true;
                    ctx.path.push(Seg::Key(Cow::Borrowed("runs")));
                    map.next_value_seed(RunsSeed { ctx: &mut *ctx })?;
                    ctx.path.pop();
                }
                other => ctx.skip(&mut map, other)?,
            }
        }
        if version.is_none() {
            return Err(refuse(
                ctx,
                ErrorKind::Schema,
                "missing field `version`: not a SARIF log",
            ));
        }
        if !saw_runs {
            return Err(refuse(ctx, ErrorKind::Schema, "missing field `runs`"));
        }
        Ok(())
    }
}

fn unsupported<Er: de::Error, E>(ctx: &mut Ctx<'_, E>, v: &str) -> Er {
    refuse(
        ctx,
        ErrorKind::Version,
        format!("unsupported SARIF version {v:?}: only {SARIF_VERSION} is accepted"),
    )
}

/// `runs`: an array, or null (a tool that failed to start, §3.13.4).
struct RunsSeed<'c, 'f, E> {
    ctx: &'c mut Ctx<'f, E>,
}

impl<'de, E> DeserializeSeed<'de> for RunsSeed<'_, '_, E> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_option(self)
    }
}

impl<'de, E> Visitor<'de> for RunsSeed<'_, '_, E> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an array of runs or null")
    }
    fn visit_none<Er: de::Error>(self) -> Result<(), Er> {
        Ok(())
    }
    fn visit_unit<Er: de::Error>(self) -> Result<(), Er> {
        Ok(())
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let ctx = self.ctx;
        let mut i = 0;
        loop {
            ctx.path.push(Seg::Index(i));
            let seed = RunSeed {
                ctx: &mut *ctx,
                index: i,
            };
            if seq.next_element_seed(seed)?.is_none() {
                ctx.path.pop();
                return Ok(());
            }
            ctx.path.pop();
            ctx.summary.runs += 1;
            i += 1;
        }
    }
}

// ---------------------------------------------------------------- a run

/// What a run knows so far for normalizing its results.
#[derive(Default)]
struct RunMeta {
    tool: Option<Arc<ToolProvenance>>,
    /// Rules per component: 0 is the driver, 1.. the extensions.
    rules: Vec<Vec<Rule>>,
    /// The extensions' (name, guid), to resolve `toolComponent` references.
    extension_keys: Vec<(String, Option<String>)>,
    bases: Option<BTreeMap<String, RawArtifactLocation>>,
    artifacts: Option<Vec<Option<RawArtifactLocation>>>,
}

struct Rule {
    id: String,
    default_level: Option<Level>,
    message_strings: BTreeMap<String, String>,
    cwes: Vec<String>,
}

struct RunSeed<'c, 'f, E> {
    ctx: &'c mut Ctx<'f, E>,
    index: usize,
}

impl<'de, E> DeserializeSeed<'de> for RunSeed<'_, '_, E> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de, E> Visitor<'de> for RunSeed<'_, '_, E> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a run object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let ctx = self.ctx;
        let mut meta = RunMeta::default();
        let mut deferred: Vec<(usize, RawResult)> = Vec::new();
        let mut defer_rest = false;
        const KEYS: &[&str] = &["tool", "originalUriBaseIds", "artifacts", "results"];
        while let Some(key) = map.next_key_seed(KeySeed(KEYS))? {
            match key {
                Key::Known("tool") => {
                    let tool: RawTool = ctx.value(&mut map, "tool")?;
                    meta.set_tool(tool);
                }
                Key::Known("originalUriBaseIds") => {
                    meta.bases = Some(ctx.value(&mut map, "originalUriBaseIds")?);
                }
                Key::Known("artifacts") => {
                    let artifacts: Option<Vec<RawArtifact>> = ctx.value(&mut map, "artifacts")?;
                    meta.artifacts = Some(
                        artifacts
                            .unwrap_or_default()
                            .into_iter()
                            .map(|a| a.location)
                            .collect(),
                    );
                }
                Key::Known(_) => {
                    ctx.path.push(Seg::Key(Cow::Borrowed("results")));
                    map.next_value_seed(ResultsSeed {
                        ctx: &mut *ctx,
                        run: self.index,
                        meta: &meta,
                        deferred: &mut deferred,
                        defer_rest: &mut defer_rest,
                    })?;
                    ctx.path.pop();
                }
                other => ctx.skip(&mut map, other)?,
            }
        }
        if meta.tool.is_none() {
            return Err(refuse(ctx, ErrorKind::Schema, "missing field `tool`"));
        }
        for (index, raw) in deferred {
            ctx.path.push(Seg::Key(Cow::Borrowed("results")));
            ctx.path.push(Seg::Index(index));
            let result = meta.normalize(self.index, index, raw);
            ctx.emit::<A::Error>(result)?;
            ctx.path.pop();
            ctx.path.pop();
        }
        Ok(())
    }
}

/// `results`: an array, or null (§3.14.23).
struct ResultsSeed<'c, 'f, 'm, E> {
    ctx: &'c mut Ctx<'f, E>,
    run: usize,
    meta: &'m RunMeta,
    deferred: &'m mut Vec<(usize, RawResult)>,
    defer_rest: &'m mut bool,
}

impl<'de, E> DeserializeSeed<'de> for ResultsSeed<'_, '_, '_, E> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_option(self)
    }
}

impl<'de, E> Visitor<'de> for ResultsSeed<'_, '_, '_, E> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an array of results or null")
    }
    fn visit_none<Er: de::Error>(self) -> Result<(), Er> {
        Ok(())
    }
    fn visit_unit<Er: de::Error>(self) -> Result<(), Er> {
        Ok(())
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let ctx = self.ctx;
        let mut i = 0;
        loop {
            ctx.path.push(Seg::Index(i));
            let Some(raw) = seq.next_element_seed(ResultSeed { ctx: &mut *ctx })? else {
                ctx.path.pop();
                return Ok(());
            };
            if !*self.defer_rest && (self.meta.tool.is_none() || self.meta.lacks_artifacts(&raw)) {
                *self.defer_rest = true;
            }
            if *self.defer_rest {
                self.deferred.push((i, raw));
            } else {
                let result = self.meta.normalize(self.run, i, raw);
                ctx.emit::<A::Error>(result)?;
            }
            ctx.path.pop();
            i += 1;
        }
    }
}

// ---------------------------------------------------------------- a result

#[derive(Default)]
struct RawResult {
    rule_id: Option<String>,
    rule_index: Option<i64>,
    rule: Option<RawDescriptorRef>,
    kind: Option<Kind>,
    level: Option<Level>,
    message: RawMessage,
    locations: Vec<RawLocation>,
    fingerprints: BTreeMap<String, String>,
    partial_fingerprints: BTreeMap<String, String>,
    code_flows: Option<Value>,
    taxa: Vec<RawDescriptorRef>,
    properties: Option<Value>,
}

struct ResultSeed<'c, 'f, E> {
    ctx: &'c mut Ctx<'f, E>,
}

impl<'de, E> DeserializeSeed<'de> for ResultSeed<'_, '_, E> {
    type Value = RawResult;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<RawResult, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de, E> Visitor<'de> for ResultSeed<'_, '_, E> {
    type Value = RawResult;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a result object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawResult, A::Error> {
        let ctx = self.ctx;
        const KEYS: &[&str] = &[
            "ruleId",
            "ruleIndex",
            "rule",
            "kind",
            "level",
            "message",
            "locations",
            "fingerprints",
            "partialFingerprints",
            "codeFlows",
            "taxa",
            "stacks",
            "properties",
        ];
        let mut r = RawResult::default();
        let mut saw_message = false;
        while let Some(key) = map.next_key_seed(KeySeed(KEYS))? {
            let Key::Known(k) = key else {
                ctx.skip(&mut map, key)?;
                continue;
            };
            match k {
                "ruleId" => r.rule_id = ctx.value(&mut map, k)?,
                "ruleIndex" => r.rule_index = ctx.value(&mut map, k)?,
                "rule" => r.rule = ctx.value(&mut map, k)?,
                "kind" => r.kind = ctx.value(&mut map, k)?,
                "level" => r.level = ctx.value(&mut map, k)?,
                "message" => {
                    r.message = ctx.value(&mut map, k)?;
                    saw_message = true;
                }
                "locations" => {
                    r.locations = ctx
                        .value::<_, Option<Vec<RawLocation>>>(&mut map, k)?
                        .unwrap_or_default()
                }
                "fingerprints" => {
                    r.fingerprints = ctx
                        .value::<_, Option<BTreeMap<String, String>>>(&mut map, k)?
                        .unwrap_or_default()
                }
                "partialFingerprints" => {
                    r.partial_fingerprints = ctx
                        .value::<_, Option<BTreeMap<String, String>>>(&mut map, k)?
                        .unwrap_or_default()
                }
                "codeFlows" => r.code_flows = ctx.value(&mut map, k)?,
                "taxa" => {
                    r.taxa = ctx
                        .value::<_, Option<Vec<RawDescriptorRef>>>(&mut map, k)?
                        .unwrap_or_default()
                }
                // Not kept, but checked: a stack without `frames` is not SARIF.
                "stacks" => {
                    ctx.value::<_, Option<Vec<RawStack>>>(&mut map, k)?;
                }
                _ => r.properties = ctx.value(&mut map, k)?,
            }
        }
        if !saw_message {
            return Err(refuse(ctx, ErrorKind::Schema, "missing field `message`"));
        }
        Ok(r)
    }
}

// ---------------------------------------------------------------- raw parts

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct RawMessage {
    text: Option<String>,
    markdown: Option<String>,
    id: Option<String>,
    arguments: Option<Vec<String>>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct RawDescriptorRef {
    id: Option<String>,
    index: Option<i64>,
    tool_component: Option<RawComponentRef>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct RawComponentRef {
    name: Option<String>,
    index: Option<i64>,
    guid: Option<String>,
}

#[derive(Deserialize)]
struct RawStack {
    #[allow(dead_code)]
    frames: Vec<IgnoredAny>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct RawLocation {
    physical_location: Option<RawPhysicalLocation>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct RawPhysicalLocation {
    artifact_location: Option<RawArtifactLocation>,
    region: Option<RawRegion>,
}

#[derive(Deserialize, Default, Clone)]
#[serde(rename_all = "camelCase")]
struct RawArtifactLocation {
    uri: Option<String>,
    uri_base_id: Option<String>,
    index: Option<i64>,
}

#[derive(Deserialize)]
struct RawArtifact {
    location: Option<RawArtifactLocation>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct RawRegion {
    start_line: Option<u64>,
    start_column: Option<u64>,
    end_line: Option<u64>,
    end_column: Option<u64>,
    snippet: Option<RawContent>,
}

#[derive(Deserialize, Default)]
struct RawContent {
    text: Option<String>,
}

#[derive(Deserialize)]
struct RawTool {
    driver: RawComponent,
    extensions: Option<Vec<RawComponent>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawComponent {
    name: String,
    guid: Option<String>,
    version: Option<String>,
    semantic_version: Option<String>,
    organization: Option<String>,
    rules: Option<Vec<RawRule>>,
    properties: Option<Value>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawRule {
    id: String,
    default_configuration: Option<RawConfiguration>,
    message_strings: Option<BTreeMap<String, RawMessageString>>,
    relationships: Option<Vec<RawRelationship>>,
    properties: Option<Value>,
}

#[derive(Deserialize)]
struct RawConfiguration {
    level: Option<Level>,
}

#[derive(Deserialize)]
struct RawMessageString {
    text: Option<String>,
}

#[derive(Deserialize)]
struct RawRelationship {
    target: RawDescriptorRef,
}

// ---------------------------------------------------------------- normalizing

impl RunMeta {
    fn set_tool(&mut self, tool: RawTool) {
        let extensions = tool.extensions.unwrap_or_default();
        let ai_model = ai_model(&tool.driver, &extensions);
        let mut components = Vec::with_capacity(1 + extensions.len());
        let mut rules = Vec::with_capacity(1 + extensions.len());
        self.extension_keys = extensions
            .iter()
            .map(|e| (e.name.clone(), e.guid.clone()))
            .collect();
        for c in std::iter::once(tool.driver).chain(extensions) {
            rules.push(
                c.rules
                    .unwrap_or_default()
                    .into_iter()
                    .map(Rule::from)
                    .collect(),
            );
            components.push(Component {
                name: c.name,
                version: c.version,
                semantic_version: c.semantic_version,
                organization: c.organization,
            });
        }
        let mut components = components.into_iter();
        let driver = components.next().unwrap_or_else(|| Component {
            name: String::new(),
            version: None,
            semantic_version: None,
            organization: None,
        });
        self.rules = rules;
        self.tool = Some(Arc::new(ToolProvenance {
            driver,
            extensions: components.collect(),
            ai_model,
        }));
    }

    /// Whether `raw` names an artifact by index only and `artifacts` has not
    /// been seen yet.
    fn lacks_artifacts(&self, raw: &RawResult) -> bool {
        self.artifacts.is_none()
            && raw.locations.iter().any(|l| {
                l.physical_location
                    .as_ref()
                    .and_then(|p| p.artifact_location.as_ref())
                    .is_some_and(|a| a.uri.is_none() && a.index.is_some())
            })
    }

    /// The rule a result refers to (§3.27.5-7, §3.52).
    fn rule(&self, raw: &RawResult) -> Option<&Rule> {
        let reference = raw.rule.as_ref();
        let component = match reference.and_then(|r| r.tool_component.as_ref()) {
            Some(c) => match (c.index, c.guid.as_deref(), c.name.as_deref()) {
                (Some(i), _, _) if i >= 0 => usize::try_from(i).ok()?.checked_add(1)?,
                (_, Some(guid), _) => {
                    let by_guid = |k: &(String, Option<String>)| k.1.as_deref() == Some(guid);
                    1 + self.extension_keys.iter().position(by_guid)?
                }
                (_, _, Some(name)) => 1 + self.extension_keys.iter().position(|k| k.0 == name)?,
                _ => 0,
            },
            None => 0,
        };
        let rules = self.rules.get(component)?;
        let index = reference.and_then(|r| r.index).or(raw.rule_index);
        if let Some(i) = index.filter(|i| *i >= 0) {
            return usize::try_from(i).ok().and_then(|i| rules.get(i));
        }
        let id = raw
            .rule_id
            .as_deref()
            .or(reference.and_then(|r| r.id.as_deref()))?;
        rules.iter().find(|r| r.id == id)
    }

    fn normalize(&self, run: usize, index: usize, raw: RawResult) -> NormalizedResult {
        let rule = self.rule(&raw);
        let rule_id = raw
            .rule_id
            .clone()
            .or_else(|| raw.rule.as_ref().and_then(|r| r.id.clone()))
            .or_else(|| rule.map(|r| r.id.clone()));

        let mut cwes = Vec::new();
        if let Some(id) = &rule_id {
            push_cwe_prefix(&mut cwes, id);
        }
        if let Some(r) = rule {
            for c in &r.cwes {
                push_unique(&mut cwes, c.clone());
            }
        }
        if let Some(props) = &raw.properties {
            push_cwe_properties(&mut cwes, props);
        }
        for t in &raw.taxa {
            if is_cwe_component(t.tool_component.as_ref())
                && let Some(id) = &t.id
            {
                push_cwe_numbers(&mut cwes, id);
            }
        }

        let kind = raw.kind.unwrap_or(Kind::Fail);
        let level = raw.level.unwrap_or(match kind {
            Kind::Fail => rule.and_then(|r| r.default_level).unwrap_or(Level::Warning),
            _ => Level::None,
        });

        let message = message_text(&raw.message, rule);
        let locations = raw
            .locations
            .into_iter()
            .filter_map(|l| l.physical_location)
            .map(|p| self.location(p))
            .collect();

        NormalizedResult {
            run,
            index,
            rule_id,
            cwes,
            kind,
            level,
            message,
            locations,
            fingerprints: raw.fingerprints,
            partial_fingerprints: raw.partial_fingerprints,
            code_flows: raw.code_flows,
            tool: self.tool.clone().unwrap_or_else(|| {
                Arc::new(ToolProvenance {
                    driver: Component {
                        name: String::new(),
                        version: None,
                        semantic_version: None,
                        organization: None,
                    },
                    extensions: Vec::new(),
                    ai_model: None,
                })
            }),
            properties: raw.properties,
        }
    }

    fn location(&self, p: RawPhysicalLocation) -> Location {
        let mut art = p.artifact_location.unwrap_or_default();
        let artifact_index = art.index.and_then(|i| u64::try_from(i).ok());
        if art.uri.is_none()
            && let Some(from) = artifact_index
                .and_then(|i| usize::try_from(i).ok())
                .and_then(|i| self.artifacts.as_ref()?.get(i)?.as_ref())
        {
            art.uri.clone_from(&from.uri);
            if art.uri_base_id.is_none() {
                art.uri_base_id.clone_from(&from.uri_base_id);
            }
        }
        let region = p.region.unwrap_or_default();
        Location {
            resolved_uri: art
                .uri
                .as_deref()
                .and_then(|u| self.resolve(u, art.uri_base_id.as_deref())),
            path: art.uri.as_deref().map(normalize_path),
            uri: art.uri,
            uri_base_id: art.uri_base_id,
            artifact_index,
            start_line: region.start_line,
            start_column: region.start_column,
            end_line: region.end_line,
            end_column: region.end_column,
            snippet: region.snippet.and_then(|s| s.text),
        }
    }

    /// `uri` against its base chain (§3.4.4); `None` when a base is unknown.
    fn resolve(&self, uri: &str, base: Option<&str>) -> Option<String> {
        if has_scheme(uri) {
            return Some(uri.to_owned());
        }
        let mut out = uri.to_owned();
        let mut base = base?;
        for _ in 0..MAX_BASE_DEPTH {
            let b = self.bases.as_ref()?.get(base)?;
            let prefix = b.uri.as_deref().unwrap_or("");
            let sep = if prefix.is_empty() || prefix.ends_with('/') {
                ""
            } else {
                "/"
            };
            out = format!("{prefix}{sep}{out}");
            if has_scheme(prefix) {
                return Some(out);
            }
            match b.uri_base_id.as_deref() {
                Some(next) => base = next,
                None => return Some(out),
            }
        }
        None
    }
}

impl From<RawRule> for Rule {
    fn from(r: RawRule) -> Self {
        let mut cwes = Vec::new();
        push_cwe_prefix(&mut cwes, &r.id);
        if let Some(props) = &r.properties {
            push_cwe_properties(&mut cwes, props);
        }
        for rel in r.relationships.iter().flatten() {
            if is_cwe_component(rel.target.tool_component.as_ref())
                && let Some(id) = &rel.target.id
            {
                push_cwe_numbers(&mut cwes, id);
            }
        }
        Rule {
            default_level: r.default_configuration.and_then(|c| c.level),
            message_strings: r
                .message_strings
                .unwrap_or_default()
                .into_iter()
                .filter_map(|(k, v)| Some((k, v.text?)))
                .collect(),
            cwes,
            id: r.id,
        }
    }
}

fn ai_model(driver: &RawComponent, extensions: &[RawComponent]) -> Option<AiModel> {
    let flagged = extensions.iter().find(|e| {
        let Some(Value::Object(p)) = &e.properties else {
            return false;
        };
        let tagged = p.get("tags").and_then(Value::as_array).is_some_and(|tags| {
            tags.iter().filter_map(Value::as_str).any(|t| {
                matches!(
                    t.to_ascii_lowercase().as_str(),
                    "ai-model" | "ai/model" | "llm"
                )
            })
        });
        tagged || p.get("ai/kind").and_then(Value::as_str) == Some("model")
    });
    if let Some(e) = flagged {
        return Some(AiModel {
            name: e.name.clone(),
            version: e.version.clone().or_else(|| e.semantic_version.clone()),
        });
    }
    std::iter::once(driver).chain(extensions).find_map(|c| {
        let Some(Value::Object(p)) = &c.properties else {
            return None;
        };
        match p.get("ai/model")? {
            Value::String(name) => Some(AiModel {
                name: name.clone(),
                version: None,
            }),
            Value::Object(m) => Some(AiModel {
                name: m.get("name")?.as_str()?.to_owned(),
                version: m.get("version").and_then(Value::as_str).map(str::to_owned),
            }),
            _ => None,
        }
    })
}

/// The message's text with `{n}` placeholders filled in (§3.11.5); `{{` and
/// `}}` are literal braces.
fn message_text(m: &RawMessage, rule: Option<&Rule>) -> String {
    let template = m
        .text
        .as_deref()
        .or(m.markdown.as_deref())
        .or_else(|| {
            rule?
                .message_strings
                .get(m.id.as_deref()?)
                .map(String::as_str)
        })
        .unwrap_or("");
    let Some(args) = m.arguments.as_ref().filter(|a| !a.is_empty()) else {
        return template.to_owned();
    };
    let mut out = String::with_capacity(template.len());
    let mut chars = template.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        match c {
            '{' if chars.peek().map(|p| p.1) == Some('{') => {
                chars.next();
                out.push('{');
            }
            '}' if chars.peek().map(|p| p.1) == Some('}') => {
                chars.next();
                out.push('}');
            }
            '{' => {
                let rest = &template[i + 1..];
                let filled = rest.find('}').and_then(|end| {
                    let n: usize = rest[..end].parse().ok()?;
                    Some((args.get(n)?, end))
                });
                match filled {
                    Some((arg, end)) => {
                        out.push_str(arg);
                        for _ in 0..=end {
                            chars.next();
                        }
                    }
                    None => out.push('{'),
                }
            }
            _ => out.push(c),
        }
    }
    out
}

fn is_cwe_component(c: Option<&RawComponentRef>) -> bool {
    c.and_then(|c| c.name.as_deref())
        .is_some_and(|n| n.eq_ignore_ascii_case("cwe"))
}

fn push_unique(cwes: &mut Vec<String>, cwe: String) {
    if !cwes.contains(&cwe) {
        cwes.push(cwe);
    }
}

fn cwe_from_digits(digits: &str) -> Option<String> {
    let n: u32 = digits.parse().ok()?;
    Some(format!("CWE-{n}"))
}

/// `CWE-79…` at the start of `s` (rule ids like `CWE-78/api-handler`).
fn push_cwe_prefix(cwes: &mut Vec<String>, s: &str) {
    if s.len() > 4 && s.is_char_boundary(4) && s[..4].eq_ignore_ascii_case("cwe-") {
        let digits: String = s[4..].chars().take_while(char::is_ascii_digit).collect();
        if let Some(c) = cwe_from_digits(&digits) {
            push_unique(cwes, c);
        }
    }
}

/// Tags: `CWE-79`, `CWE-79: Improper …` (Semgrep), `external/cwe/cwe-079`
/// (CodeQL).
fn push_cwe_tag(cwes: &mut Vec<String>, tag: &str) {
    let tag = tag.rsplit('/').next().unwrap_or(tag);
    push_cwe_prefix(cwes, tag);
}

/// Every number in `s`: `"79"`, `"CWE-79"`, `"134, 787"` (Fortify).
fn push_cwe_numbers(cwes: &mut Vec<String>, s: &str) {
    for digits in s
        .split(|c: char| !c.is_ascii_digit())
        .filter(|d| !d.is_empty())
    {
        if let Some(c) = cwe_from_digits(digits) {
            push_unique(cwes, c);
        }
    }
}

/// A property bag's `tags` and `cwe`/`cwes` entries.
fn push_cwe_properties(cwes: &mut Vec<String>, props: &Value) {
    let Value::Object(props) = props else {
        return;
    };
    for (k, v) in props {
        if k == "tags" {
            for tag in v.as_array().into_iter().flatten().filter_map(Value::as_str) {
                push_cwe_tag(cwes, tag);
            }
        } else if k.eq_ignore_ascii_case("cwe") || k.eq_ignore_ascii_case("cwes") {
            cwe_property(cwes, v);
        }
    }
}

fn cwe_property(cwes: &mut Vec<String>, v: &Value) {
    match v {
        Value::String(s) => push_cwe_numbers(cwes, s),
        Value::Number(n) => {
            if let Some(c) = n.as_u64().and_then(|n| cwe_from_digits(&n.to_string())) {
                push_unique(cwes, c);
            }
        }
        Value::Array(items) => items.iter().for_each(|i| cwe_property(cwes, i)),
        _ => {}
    }
}

/// `scheme:` with a scheme of two or more characters (so `C:\x` is a path).
fn has_scheme(uri: &str) -> bool {
    match uri.find(':') {
        Some(i) if i >= 2 => {
            let s = &uri[..i];
            s.starts_with(|c: char| c.is_ascii_alphabetic())
                && s.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
        }
        _ => false,
    }
}

/// The fingerprint's path: percent-decoded, `\` → `/`, empty and `.` segments
/// dropped (so no leading `./`), case preserved. A scheme and authority
/// (`file://host`) are kept as written.
pub fn normalize_path(uri: &str) -> String {
    let decoded = percent_decode(uri);
    let s = decoded.replace('\\', "/");
    let (prefix, rest) = if has_scheme(&s) {
        let colon = s.find(':').unwrap_or(0);
        let after = &s[colon + 1..];
        if let Some(auth) = after.strip_prefix("//") {
            let end = auth.find('/').unwrap_or(auth.len());
            s.split_at(colon + 3 + end)
        } else {
            s.split_at(colon + 1)
        }
    } else {
        ("", s.as_str())
    };
    let mut out = String::with_capacity(s.len());
    out.push_str(prefix);
    if rest.starts_with('/') {
        out.push('/');
    }
    let mut first = true;
    for seg in rest.split('/').filter(|g| !g.is_empty() && *g != ".") {
        if !first {
            out.push('/');
        }
        out.push_str(seg);
        first = false;
    }
    out
}

/// `%XX` decoding; a string whose decoding is not UTF-8 stays as written.
pub(crate) fn percent_decode(s: &str) -> Cow<'_, str> {
    if !s.contains('%') {
        return Cow::Borrowed(s);
    }
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(hex) = bytes.get(i + 1..i + 3)
            && let Ok(hex) = std::str::from_utf8(hex)
            && let Ok(b) = u8::from_str_radix(hex, 16)
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    match String::from_utf8(out) {
        Ok(d) => Cow::Owned(d),
        Err(_) => Cow::Borrowed(s),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(doc: &str) -> Result<Vec<NormalizedResult>, SarifError> {
        let mut out = Vec::new();
        read(doc.as_bytes(), |r| {
            out.push(r);
            Ok::<(), std::convert::Infallible>(())
        })
        .map_err(|e| match e {
            ReadError::Sarif(e) => e,
            ReadError::Handler(never) => match never {},
        })?;
        Ok(out)
    }

    #[test]
    fn paths_are_normalized() {
        assert_eq!(normalize_path("./src\\a.c"), "src/a.c");
        assert_eq!(normalize_path("src//./My%20File.C"), "src/My File.C");
        assert_eq!(normalize_path("file:///C:/src/a.c"), "file:///C:/src/a.c");
        assert_eq!(normalize_path("/abs/./x"), "/abs/x");
        assert_eq!(normalize_path("%ff%fe"), "%ff%fe");
    }

    #[test]
    fn cwe_forms() {
        let mut c = Vec::new();
        push_cwe_tag(&mut c, "external/cwe/cwe-079");
        push_cwe_tag(&mut c, "CWE-89: SQL injection");
        push_cwe_tag(&mut c, "security");
        push_cwe_numbers(&mut c, "134, 787");
        push_cwe_prefix(&mut c, "CWE-78/api-handler");
        push_cwe_prefix(&mut c, "cwe");
        assert_eq!(c, ["CWE-79", "CWE-89", "CWE-134", "CWE-787", "CWE-78"]);
    }

    #[test]
    fn message_arguments() {
        let m = RawMessage {
            text: Some("{0} calls {1} {{x}} {2}".into()),
            arguments: Some(vec!["a".into(), "b".into()]),
            ..RawMessage::default()
        };
        assert_eq!(message_text(&m, None), "a calls b {x} {2}");
    }

    #[test]
    fn tool_after_results_and_version_last() {
        let doc = r#"{"runs":[{"results":[{"ruleIndex":0,"message":{"id":"m","arguments":["x"]},
            "locations":[{"physicalLocation":{"artifactLocation":{"index":0}}}]}],
            "artifacts":[{"location":{"uri":"a/b.c","uriBaseId":"SRC"}}],
            "originalUriBaseIds":{"SRC":{"uri":"file:///repo/"}},
            "tool":{"driver":{"name":"T","rules":[{"id":"R1","messageStrings":{"m":{"text":"bad {0}"}},
            "defaultConfiguration":{"level":"error"},"properties":{"tags":["external/cwe/cwe-022"]}}]}}}],
            "version":"2.1.0"}"#;
        let r = all(doc).unwrap();
        assert_eq!(r.len(), 1);
        assert_eq!(r[0].rule_id.as_deref(), Some("R1"));
        assert_eq!(r[0].message, "bad x");
        assert_eq!(r[0].level, Level::Error);
        assert_eq!(r[0].cwes, ["CWE-22"]);
        let l = &r[0].locations[0];
        assert_eq!(l.path.as_deref(), Some("a/b.c"));
        assert_eq!(l.resolved_uri.as_deref(), Some("file:///repo/a/b.c"));
    }

    #[test]
    fn errors_name_the_path() {
        let doc = "{\"version\":\"2.1.0\",\"runs\":[{\"tool\":{\"driver\":{\"name\":\"T\"}},\n\"results\":[{\"message\":{\"text\":\"a\"}},{\"message\":{\"text\":\"b\"},\"locations\":{}}]}]}";
        let e = all(doc).unwrap_err();
        assert_eq!(e.path, "runs[0].results[1].locations");
        assert_eq!(e.kind, ErrorKind::Schema);
        assert_eq!(e.line, 2);

        let e = all(r#"{"version":"1.0.0","runs":[]}"#).unwrap_err();
        assert_eq!((e.kind, e.path.as_str()), (ErrorKind::Version, "version"));

        let e = all(r#"{"version":"2.1.0","runs":[{"results":[]}]}"#).unwrap_err();
        assert_eq!((e.kind, e.path.as_str()), (ErrorKind::Schema, "runs[0]"));

        let e = all(r#"{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"T"}},"results":[{"message":{"text":"a"}"#).unwrap_err();
        assert_eq!(e.kind, ErrorKind::Eof);
        assert!(e.path.starts_with("runs[0].results[0]"), "{}", e.path);

        let e = all(r#"{"version":"2.1.0","runs":[]} x"#).unwrap_err();
        assert_eq!(e.kind, ErrorKind::Syntax);

        let e = all("[1,2]").unwrap_err();
        assert_eq!((e.kind, e.path.as_str()), (ErrorKind::Schema, DOCUMENT));
    }

    #[test]
    fn handler_error_stops_the_read() {
        let doc = r#"{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"T"}},"results":[{"message":{"text":"a"}},{"message":{"text":"b"}}]}]}"#;
        let mut seen = 0;
        let e = read(doc.as_bytes(), |_| {
            seen += 1;
            Err("full")
        })
        .unwrap_err();
        assert!(matches!(e, ReadError::Handler("full")));
        assert_eq!(seen, 1);
    }
}
