//! Streaming SARIF 2.1.0 reader.
//!
//! [`read`] walks a log's outer structure (the log object, `runs[]`, a run's
//! members, `results[]`) with a byte scanner (the `scan` module) over the
//! caller's reader, never holding the log whole. Each result's bytes are cut
//! out as they are and parsed by serde_json from a slice — several times
//! faster than serde_json's reader-based parser — in batches of up to 256
//! results, on worker threads once a log has more than one batch (one per
//! core, at most four). The caller's handler still sees every result in
//! document order, on the calling thread; [`read_map`] also runs the
//! caller's per-result work (fingerprints, conversions) on the workers. What
//! is kept per run is small: the tool (driver, extensions, their rules),
//! `originalUriBaseIds` and the artifacts' locations; in flight at most a few
//! batches.
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
//! `resolved_uri` of results already read; fingerprints never depend on it
//! (they use the base-relative `path`).
//!
//! Errors name the JSON path of the first problem in document order
//! (`runs[0].results[3].locations`), with its line and column.
//!
//! Results are findings only when their `kind` says so (§3.27.9: `fail`, the
//! default, `review` and `open`); `pass`, `notApplicable` and
//! `informational` results are counted in [`Summary::skipped`] and never
//! handed over. In the default [`Mode::Repair`] the bends real tools make
//! are repaired, each with a [`Warning`] naming its path: fingerprint values
//! that are not strings are left out of the fingerprint (the result falls
//! back to the next basis) and kept in the result's properties; a result
//! with no message, or an empty one, takes its rule's `shortDescription`,
//! else `fullDescription`, else the rule id; a run without a tool, or a tool
//! without a name, is recorded with an unnamed tool; a malformed `stacks`
//! entry (stacks are not kept) is ignored. [`Mode::Strict`] refuses those
//! documents instead (an empty message conforms, and is repaired in both).

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;
use std::io::Read;
use std::sync::Arc;
use std::sync::{Mutex, mpsc};

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, Visitor};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::DOCUMENT;
use crate::scan::{Pos, ScanError, Scanner};
pub use crate::warning::{Mode, ReadOptions, Warning, WarningKind, Warnings};

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

impl Kind {
    /// Whether a result of this kind is a finding (§3.27.9): `fail` (a
    /// problem was found), `review` (a person must decide) and `open` (the
    /// tool could not decide). `pass`, `notApplicable` and `informational`
    /// say there is no problem to report.
    pub fn is_finding(self) -> bool {
        matches!(self, Kind::Fail | Kind::Review | Kind::Open)
    }
}

/// Results that are not findings, by kind: counted, never filed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Skipped {
    pub pass: usize,
    pub not_applicable: usize,
    pub informational: usize,
}

impl Skipped {
    fn count(&mut self, kind: Kind) {
        match kind {
            Kind::Pass => self.pass += 1,
            Kind::NotApplicable => self.not_applicable += 1,
            Kind::Informational => self.informational += 1,
            Kind::Fail | Kind::Review | Kind::Open => {}
        }
    }

    pub fn total(&self) -> usize {
        self.pass + self.not_applicable + self.informational
    }
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
    /// `{n}` arguments filled in; empty when the result has none. The
    /// fingerprint's message.
    pub message: String,
    /// What stands in for an empty or missing message (with a warning): the
    /// rule's short or full description, else the rule id. Shown, never
    /// fingerprinted, so a result's fingerprint is the same whether or not
    /// a stand-in was found.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message_stand_in: Option<String>,
    pub locations: Vec<Location>,
    /// The tool's fingerprints with string values; the others are in
    /// `properties["bulwark/ignoredFingerprints"]`.
    pub fingerprints: BTreeMap<String, String>,
    /// Likewise, others in `properties["bulwark/ignoredPartialFingerprints"]`.
    pub partial_fingerprints: BTreeMap<String, String>,
    /// `codeFlows` as written.
    pub code_flows: Option<Value>,
    pub tool: Arc<ToolProvenance>,
    /// The result's `properties` bag, unknown keys included.
    pub properties: Option<Value>,
    /// The repairs made to this result (see the module documentation).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<Warning>,
}

impl NormalizedResult {
    /// The message to show: the result's own, else its stand-in.
    pub fn title(&self) -> &str {
        self.message_stand_in.as_deref().unwrap_or(&self.message)
    }

    /// The first location, which SARIF makes the primary one.
    pub fn primary_location(&self) -> Option<&Location> {
        self.locations.first()
    }
}

/// What a successful read saw.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Summary {
    pub runs: usize,
    /// Every result read, findings or not.
    pub results: usize,
    /// Results handed over: those whose kind makes them findings.
    pub findings: usize,
    pub skipped: Skipped,
    pub warnings: Warnings,
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

/// Reads a SARIF 2.1.0 log from `reader`, handing each normalized finding
/// to `on_result` in document order, on the calling thread, repairing what
/// can be ([`Mode::Repair`]). An `Err` from the handler stops the read and
/// is returned as [`ReadError::Handler`]. See the module documentation for
/// the memory bound, the results that are not findings, and what to do with
/// results already handed over when an error comes.
pub fn read<R, F, E>(reader: R, on_result: F) -> Result<Summary, ReadError<E>>
where
    R: Read,
    F: FnMut(NormalizedResult) -> Result<(), E>,
{
    read_map_with(reader, ReadOptions::default(), |r| r, on_result)
}

/// [`read`] with `options` (strict mode, warnings kept).
pub fn read_with<R, F, E>(
    reader: R,
    options: ReadOptions,
    on_result: F,
) -> Result<Summary, ReadError<E>>
where
    R: Read,
    F: FnMut(NormalizedResult) -> Result<(), E>,
{
    read_map_with(reader, options, |r| r, on_result)
}

/// [`read`], with `map` applied to each result on the thread that parsed it,
/// and only what it returns handed to `on_item` (in document order, on the
/// calling thread). The work per result that does not need the caller's
/// state (fingerprints, conversions) belongs in `map`: it runs in parallel,
/// and a result's memory never moves between threads, which on a small
/// machine costs as much as parsing it.
pub fn read_map<R, M, T, F, E>(reader: R, map: M, on_item: F) -> Result<Summary, ReadError<E>>
where
    R: Read,
    M: Fn(NormalizedResult) -> T + Sync,
    T: Send,
    F: FnMut(T) -> Result<(), E>,
{
    read_map_with(reader, ReadOptions::default(), map, on_item)
}

/// [`read_map`] with `options` (strict mode, warnings kept).
pub fn read_map_with<R, M, T, F, E>(
    reader: R,
    options: ReadOptions,
    map: M,
    mut on_item: F,
) -> Result<Summary, ReadError<E>>
where
    R: Read,
    M: Fn(NormalizedResult) -> T + Sync,
    T: Send,
    F: FnMut(T) -> Result<(), E>,
{
    let workers = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(MAX_WORKERS);
    let map: &(dyn Fn(NormalizedResult) -> T + Sync) = &map;
    std::thread::scope(|scope| {
        let mut log = LogReader {
            scanner: Scanner::new(reader),
            trail: Trail::default(),
            sink: &mut on_item,
            summary: Summary {
                warnings: Warnings::keeping(options.keep_warnings),
                ..Summary::default()
            },
            mode: options.mode,
            pool: Pool {
                scope,
                map,
                mode: options.mode,
                workers,
                jobs: None,
                done: None,
                next_seq: 0,
                taken: 0,
                ready: BTreeMap::new(),
                spare: Vec::new(),
            },
            run: 0,
            meta: Arc::new(RunMeta::default()),
            batch_at: Pos { line: 1, column: 1 },
            batch_bytes: Vec::new(),
            batch_items: Vec::new(),
            deferred: Vec::new(),
            defer_rest: false,
        };
        match log.log() {
            Ok(()) => Ok(log.summary),
            Err(Stop::Handler(h)) => Err(ReadError::Handler(h)),
            Err(Stop::Document(e)) => Err(ReadError::Sarif(log.first_error(e))),
        }
    })
}

/// Threads that parse results besides the reading one: more than two rarely
/// helps, the reading thread and the handler become the limit.
const MAX_WORKERS: usize = 4;
/// Results per batch handed to a parsing thread, and the batch's byte cap.
const BATCH_RESULTS: usize = 256;
const BATCH_BYTES: usize = 256 * 1024;

#[derive(Clone)]
enum Seg {
    Key(Cow<'static, str>),
    Index(usize),
}

/// Where the reader is (pushed on the way down, popped on success, so after
/// an error it names where the error happened) and our own refusal, which
/// serde would otherwise classify as a data error like any other.
#[derive(Default)]
struct Trail {
    path: Vec<Seg>,
    refusal: Option<ErrorKind>,
}

impl Trail {
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

    fn key(&mut self, k: &'static str) {
        self.path.push(Seg::Key(Cow::Borrowed(k)));
    }

    /// serde_json's error on a slice that starts at `at`.
    fn serde_error(&self, e: &serde_json::Error, at: Pos) -> SarifError {
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
        let (line, column) = at.offset(e.line(), e.column());
        SarifError {
            kind,
            path: self.path_string(),
            message,
            line,
            column,
        }
    }

    fn scan_error(&self, e: ScanError) -> SarifError {
        SarifError {
            kind: e.kind,
            path: self.path_string(),
            message: e.message,
            line: e.line,
            column: e.column,
        }
    }

    fn refusal_at(&self, kind: ErrorKind, message: impl Into<String>, at: Pos) -> SarifError {
        SarifError {
            kind,
            path: self.path_string(),
            message: message.into(),
            line: at.line,
            column: at.column,
        }
    }

    /// Deserializes the value under `key`, tracking the path.
    fn value<'de, A: MapAccess<'de>, T: Deserialize<'de>>(
        &mut self,
        map: &mut A,
        key: &'static str,
    ) -> Result<T, A::Error> {
        self.key(key);
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

    /// Our own refusal, inside a visitor.
    fn refuse<Er: de::Error>(&mut self, kind: ErrorKind, msg: impl fmt::Display) -> Er {
        self.refusal = Some(kind);
        Er::custom(msg)
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

// ---------------------------------------------------------------- the log

/// Why a read stopped.
enum Stop<E> {
    Document(SarifError),
    Handler(E),
}

impl<E> From<SarifError> for Stop<E> {
    fn from(e: SarifError) -> Self {
        Stop::Document(e)
    }
}

type Sink<'f, T, E> = &'f mut dyn FnMut(T) -> Result<(), E>;
type Map<'m, T> = &'m (dyn Fn(NormalizedResult) -> T + Sync);

/// The log's outer structure, walked by the scanner on the reading thread;
/// each result's bytes go to the [`Pool`] in batches, and what comes back is
/// handed to the sink in document order.
struct LogReader<'f, 's, 'e, 'm, R, T, E> {
    scanner: Scanner<R>,
    trail: Trail,
    sink: Sink<'f, T, E>,
    summary: Summary,
    mode: Mode,
    pool: Pool<'s, 'e, 'm, T>,
    /// The run being read and what is known of it so far. Batches share the
    /// snapshot they were made with; a change copies it.
    run: usize,
    meta: Arc<RunMeta>,
    batch_at: Pos,
    batch_bytes: Vec<u8>,
    batch_items: Vec<Item>,
    /// Results held until the run ends (see the module documentation).
    deferred: Vec<Parsed<T>>,
    defer_rest: bool,
}

/// One result's place in a batch: its index in the run, and where its bytes
/// are in the batch's.
struct Item {
    index: usize,
    start: usize,
    end: usize,
}

/// Results of one run with what separates them, as they stand in the
/// document from `at` on, so that a position in them can be found when a
/// result is refused (and need not be kept for every result).
struct Batch {
    seq: u64,
    run: usize,
    meta: Arc<RunMeta>,
    at: Pos,
    bytes: Vec<u8>,
    items: Vec<Item>,
}

/// A result parsed by a worker: normalized (and mapped, when a finding), or
/// held raw because the run's tool or artifacts are not known yet.
enum Parsed<T> {
    Ready(Out<T>),
    Raw(usize, Box<RawResult>),
}

/// A normalized result as the reading thread needs it: the mapped finding
/// (none for a result that is not one), its kind and its repairs.
struct Out<T> {
    item: Option<T>,
    kind: Kind,
    warnings: Vec<Warning>,
}

/// Maps `r` when it is a finding.
fn finish<T>(r: NormalizedResult, map: Map<'_, T>) -> Out<T> {
    let kind = r.kind;
    let warnings = r.warnings.clone();
    Out {
        item: kind.is_finding().then(|| map(r)),
        kind,
        warnings,
    }
}

type Done<T> = Result<Vec<Parsed<T>>, SarifError>;
/// A batch back from a worker: its number, outcome and buffer.
type Returned<T> = (u64, Done<T>, Vec<u8>);

macro_rules! scan {
    ($self:ident, $e:expr) => {
        $e.map_err(|e| $self.trail.scan_error(*e))?
    };
}

impl<'s, 'm: 's, R: Read, T: Send + 's, E> LogReader<'_, 's, '_, 'm, R, T, E> {
    fn log(&mut self) -> Result<(), Stop<E>> {
        scan!(self, self.scanner.skip_bom());
        let b = scan!(self, self.scanner.token("a value"));
        if b != b'{' {
            return Err(self.wrong_type("a SARIF log object").into());
        }
        self.scanner.bump();
        let mut version = false;
        let mut runs = false;
        let mut external = false;
        if scan!(self, self.scanner.token("an object")) == b'}' {
            self.scanner.bump();
        } else {
            loop {
                let key = scan!(self, self.scanner.key());
                match key.as_str() {
                    "version" => {
                        self.trail.key("version");
                        let at = self.value_pos()?;
                        let v: String = self.parse()?;
                        if v != SARIF_VERSION {
                            return Err(self
                                .trail
                                .refusal_at(
                                    ErrorKind::Version,
                                    format!(
                                        "unsupported SARIF version {v:?}: only {SARIF_VERSION} is accepted"
                                    ),
                                    at,
                                )
                                .into());
                        }
                        self.trail.path.pop();
                        version = true;
                    }
                    "runs" => {
                        runs = true;
                        self.trail.key("runs");
                        self.runs()?;
                        self.trail.path.pop();
                    }
                    _ => {
                        external |= matches!(key.as_str(), "runGuid" | "externalizedProperties");
                        self.skip(key)?
                    }
                }
                if !scan!(self, self.scanner.next_in(b'}')) {
                    break;
                }
            }
        }
        let at = self.scanner.pos();
        if !version {
            return Err(self
                .trail
                .refusal_at(
                    ErrorKind::Schema,
                    "missing field `version`: not a SARIF log",
                    at,
                )
                .into());
        }
        if !runs {
            let message = if external {
                "missing field `runs`: an external property file (§4), not a SARIF log"
            } else {
                "missing field `runs`"
            };
            return Err(self.trail.refusal_at(ErrorKind::Schema, message, at).into());
        }
        scan!(self, self.scanner.end());
        Ok(())
    }

    /// `runs`: an array, or null (a tool that failed to start, §3.13.4).
    fn runs(&mut self) -> Result<(), Stop<E>> {
        match scan!(self, self.scanner.token("a value")) {
            b'n' => {
                scan!(self, self.scanner.skip(self.trail.path.len()));
                return Ok(());
            }
            b'[' => self.scanner.bump(),
            _ => return Err(self.wrong_type("an array of runs or null").into()),
        }
        let mut i = 0;
        loop {
            self.trail.path.push(Seg::Index(i));
            if i == 0 && scan!(self, self.scanner.token("a list")) == b']' {
                self.scanner.bump();
                self.trail.path.pop();
                return Ok(());
            }
            self.run(i)?;
            self.trail.path.pop();
            self.summary.runs += 1;
            i += 1;
            if !scan!(self, self.scanner.next_in(b']')) {
                return Ok(());
            }
        }
    }

    fn run(&mut self, index: usize) -> Result<(), Stop<E>> {
        if scan!(self, self.scanner.token("a value")) != b'{' {
            return Err(self.wrong_type("a run object").into());
        }
        self.scanner.bump();
        self.run = index;
        self.meta = Arc::new(RunMeta::default());
        if scan!(self, self.scanner.token("an object")) == b'}' {
            self.scanner.bump();
        } else {
            loop {
                let key = scan!(self, self.scanner.key());
                match key.as_str() {
                    "tool" => {
                        self.trail.key("tool");
                        let at = self.value_pos()?;
                        let tool: Option<RawTool> = self.parse()?;
                        if let Some(tool) = &tool {
                            self.check_tool_names(tool, at)?;
                        }
                        self.trail.path.pop();
                        self.submit()?;
                        if let Some(tool) = tool {
                            Arc::make_mut(&mut self.meta).set_tool(tool);
                        }
                    }
                    "originalUriBaseIds" => {
                        let bases = self.member("originalUriBaseIds")?;
                        self.submit()?;
                        Arc::make_mut(&mut self.meta).bases = Some(bases);
                    }
                    "artifacts" => {
                        let artifacts: Option<Vec<RawArtifact>> = self.member("artifacts")?;
                        self.submit()?;
                        Arc::make_mut(&mut self.meta).artifacts = Some(
                            artifacts
                                .unwrap_or_default()
                                .into_iter()
                                .map(|a| a.location)
                                .collect(),
                        );
                    }
                    "results" => {
                        self.trail.key("results");
                        self.results()?;
                        self.trail.path.pop();
                    }
                    _ => self.skip(key)?,
                }
                if !scan!(self, self.scanner.next_in(b'}')) {
                    break;
                }
            }
        }
        // Every result of the run is back before the run is judged.
        self.submit()?;
        while let Some(done) = self.pool.next(true) {
            self.take(done?)?;
        }
        if self.meta.tool.is_none() {
            let at = self.scanner.pos();
            if self.mode == Mode::Strict {
                return Err(self
                    .trail
                    .refusal_at(ErrorKind::Schema, "missing field `tool`", at)
                    .into());
            }
            self.summary.warnings.push(Warning {
                kind: WarningKind::MissingToolName,
                path: self.trail.path_string(),
                message: "the run has no `tool`: its results are recorded with an unnamed tool"
                    .into(),
            });
            Arc::make_mut(&mut self.meta).set_tool(RawTool {
                driver: None,
                extensions: None,
            });
        }
        for parsed in std::mem::take(&mut self.deferred) {
            let result = match parsed {
                Parsed::Ready(r) => r,
                Parsed::Raw(i, raw) => finish(self.meta.normalize(index, i, *raw), self.pool.map),
            };
            self.emit(result)?;
        }
        self.defer_rest = false;
        Ok(())
    }

    /// `results`: an array, or null (§3.14.23). Each result's bytes join
    /// the batch; full batches go to the pool.
    fn results(&mut self) -> Result<(), Stop<E>> {
        match scan!(self, self.scanner.token("a value")) {
            b'n' => {
                scan!(self, self.scanner.skip(self.trail.path.len()));
                return Ok(());
            }
            b'[' => self.scanner.bump(),
            _ => return Err(self.wrong_type("an array of results or null").into()),
        }
        if scan!(self, self.scanner.token("a list")) == b']' {
            self.scanner.bump();
            return Ok(());
        }
        let mut i = 0;
        loop {
            self.trail.path.push(Seg::Index(i));
            if self.batch_items.is_empty() {
                self.batch_at = self.value_pos()?;
                let buffer = self.pool.spare.pop().unwrap_or_default();
                self.scanner.start_capture_into(buffer);
            } else {
                scan!(self, self.scanner.token("a value"));
            }
            let start = self.scanner.captured();
            scan!(self, self.scanner.skip(self.trail.path.len()));
            self.trail.path.pop();
            let end = self.scanner.captured();
            self.batch_items.push(Item {
                index: i,
                start,
                end,
            });
            if self.batch_items.len() >= BATCH_RESULTS || end >= BATCH_BYTES {
                self.batch_bytes = self.scanner.finish_capture();
                self.submit()?;
            }
            i += 1;
            if !scan!(self, self.scanner.next_in(b']')) {
                if !self.batch_items.is_empty() {
                    self.batch_bytes = self.scanner.finish_capture();
                }
                return Ok(());
            }
        }
    }

    /// Hands the batch being filled to the pool, then takes whatever is
    /// back, waiting when too much is in flight (the memory bound).
    fn submit(&mut self) -> Result<(), Stop<E>> {
        if !self.batch_items.is_empty() {
            let batch = Batch {
                seq: 0,
                run: self.run,
                meta: Arc::clone(&self.meta),
                at: self.batch_at,
                bytes: std::mem::take(&mut self.batch_bytes),
                items: std::mem::take(&mut self.batch_items),
            };
            self.pool.submit(batch);
        }
        let limit = 2 * self.pool.workers as u64 + 1;
        while let Some(done) = self.pool.next(self.pool.in_flight() > limit) {
            self.take(done?)?;
        }
        Ok(())
    }

    /// Parsed results in document order: to the sink, or held once the
    /// run's results have to wait for its end.
    fn take(&mut self, parsed: Vec<Parsed<T>>) -> Result<(), Stop<E>> {
        for p in parsed {
            match p {
                Parsed::Ready(r) if !self.defer_rest => self.emit(r)?,
                Parsed::Raw(..) => {
                    self.defer_rest = true;
                    self.deferred.push(p);
                }
                Parsed::Ready(_) => self.deferred.push(p),
            }
        }
        Ok(())
    }

    /// A result in document order: its repairs counted, and handed to the
    /// sink when it is a finding.
    fn emit(&mut self, result: Out<T>) -> Result<(), Stop<E>> {
        self.summary.results += 1;
        for w in result.warnings {
            self.summary.warnings.push(w);
        }
        match result.item {
            Some(item) => {
                self.summary.findings += 1;
                (self.sink)(item).map_err(Stop::Handler)
            }
            None => {
                self.summary.skipped.count(result.kind);
                Ok(())
            }
        }
    }

    /// Every tool component must have a name: in strict mode a missing one
    /// refuses the log (as serde would), otherwise it is a warning and the
    /// component is recorded unnamed.
    fn check_tool_names(&mut self, tool: &RawTool, at: Pos) -> Result<(), SarifError> {
        let base = self.trail.path_string();
        let mut problems = Vec::new();
        match &tool.driver {
            None => problems.push((
                format!("{base}.driver"),
                "missing field `driver`".to_owned(),
            )),
            Some(d) => {
                if let Some(what) = name_problem(d.name.as_ref()) {
                    problems.push((format!("{base}.driver.name"), what));
                }
            }
        }
        for (i, e) in tool.extensions.iter().flatten().enumerate() {
            if let Some(what) = name_problem(e.name.as_ref()) {
                problems.push((format!("{base}.extensions[{i}].name"), what));
            }
        }
        for (path, what) in problems {
            if self.mode == Mode::Strict {
                return Err(SarifError {
                    kind: ErrorKind::Schema,
                    path,
                    message: what,
                    line: at.line,
                    column: at.column,
                });
            }
            self.summary.warnings.push(Warning {
                kind: WarningKind::MissingToolName,
                path,
                message: format!("{what}: the tool component is recorded unnamed"),
            });
        }
        Ok(())
    }

    /// The position of the next value (whitespace skipped).
    fn value_pos(&mut self) -> Result<Pos, SarifError> {
        scan!(self, self.scanner.token("a value"));
        Ok(self.scanner.pos())
    }

    /// The value of the member `key`, parsed; errors under its path.
    fn member<V: de::DeserializeOwned>(&mut self, key: &'static str) -> Result<V, SarifError> {
        self.trail.key(key);
        self.value_pos()?;
        let v = self.parse()?;
        self.trail.path.pop();
        Ok(v)
    }

    /// The next value, parsed from its bytes; errors under the trail's path.
    fn parse<V: de::DeserializeOwned>(&mut self) -> Result<V, SarifError> {
        let at = self.scanner.pos();
        let bytes = scan!(self, self.scanner.capture(self.trail.path.len()));
        serde_json::from_slice(&bytes).map_err(|e| self.trail.serde_error(&e, at))
    }

    fn skip(&mut self, key: String) -> Result<(), SarifError> {
        self.trail.path.push(Seg::Key(Cow::Owned(key)));
        scan!(self, self.scanner.skip(self.trail.path.len()));
        self.trail.path.pop();
        Ok(())
    }

    /// The refusal of a value of the wrong type, worded as serde's.
    fn wrong_type(&mut self, expected: &str) -> SarifError {
        let at = self.scanner.pos();
        let found = match self.scanner.peek_token() {
            Ok(Some(b'{')) => "map".to_owned(),
            Ok(Some(b'[')) => "sequence".to_owned(),
            _ => match self.scanner.capture(self.trail.path.len()) {
                Err(e) => return self.trail.scan_error(*e),
                Ok(bytes) => match serde_json::from_slice::<Value>(&bytes) {
                    Err(e) => return self.trail.serde_error(&e, at),
                    Ok(v) => unexpected(&v),
                },
            },
        };
        self.trail.refusal_at(
            ErrorKind::Schema,
            format!("invalid type: {found}, expected {expected}"),
            at,
        )
    }

    /// The error to report once `e` stopped the read: a result before it in
    /// the document that failed to parse comes first.
    fn first_error(&mut self, e: SarifError) -> SarifError {
        self.batch_items.clear();
        while let Some(done) = self.pool.next(true) {
            if let Err(earlier) = done {
                return earlier;
            }
        }
        e
    }
}

/// Why a tool component's `name` is not a name, if it is not.
fn name_problem(name: Option<&Value>) -> Option<String> {
    match name {
        Some(Value::String(_)) => None,
        None => Some("missing field `name`".to_owned()),
        Some(v) => Some(format!(
            "invalid type: {}, expected a string",
            unexpected(v)
        )),
    }
}

/// A scalar as serde's `invalid type` messages name it.
fn unexpected(v: &Value) -> String {
    use de::Unexpected;
    match v {
        Value::Null => "null".to_owned(),
        Value::Bool(b) => Unexpected::Bool(*b).to_string(),
        Value::Number(n) => match (n.as_u64(), n.as_i64(), n.as_f64()) {
            (Some(u), _, _) => Unexpected::Unsigned(u).to_string(),
            (_, Some(i), _) => Unexpected::Signed(i).to_string(),
            (_, _, Some(f)) => Unexpected::Float(f).to_string(),
            _ => "number".to_owned(),
        },
        Value::String(s) => Unexpected::Str(s).to_string(),
        Value::Array(_) => "sequence".to_owned(),
        Value::Object(_) => "map".to_owned(),
    }
}

// ---------------------------------------------------------------- the pool

/// Threads that parse and normalize batches of results. Started with the
/// second batch, so a small log never starts a thread; with one core, every
/// batch is parsed on the reading thread.
struct Pool<'s, 'e, 'm, T> {
    scope: &'s std::thread::Scope<'s, 'e>,
    map: Map<'m, T>,
    mode: Mode,
    workers: usize,
    jobs: Option<mpsc::SyncSender<Batch>>,
    done: Option<mpsc::Receiver<Returned<T>>>,
    next_seq: u64,
    /// The next batch to hand back, in order.
    taken: u64,
    ready: BTreeMap<u64, Done<T>>,
    /// Batch buffers back from the workers, for the next batches.
    spare: Vec<Vec<u8>>,
}

impl<'s, 'm: 's, T: Send + 's> Pool<'s, '_, 'm, T> {
    fn submit(&mut self, mut batch: Batch) {
        batch.seq = self.next_seq;
        self.next_seq += 1;
        if self.workers > 1 && batch.seq > 0 && self.jobs.is_none() {
            self.start();
        }
        let batch = match &self.jobs {
            Some(jobs) => match jobs.send(batch) {
                Ok(()) => return,
                Err(mpsc::SendError(b)) => b,
            },
            None => batch,
        };
        let done = parse_batch(&batch, self.map, self.mode);
        self.ready.insert(batch.seq, done);
        self.spare.push(batch.bytes);
    }

    fn start(&mut self) {
        let (jobs, queue) = mpsc::sync_channel::<Batch>(self.workers * 2);
        let queue = Arc::new(Mutex::new(queue));
        let (done_tx, done) = mpsc::channel();
        for _ in 0..self.workers {
            let queue = Arc::clone(&queue);
            let done_tx = done_tx.clone();
            let map = self.map;
            let mode = self.mode;
            self.scope.spawn(move || {
                loop {
                    let job = match queue.lock() {
                        Ok(q) => q.recv(),
                        Err(_) => return,
                    };
                    let Ok(batch) = job else { return };
                    let out = parse_batch(&batch, map, mode);
                    if done_tx.send((batch.seq, out, batch.bytes)).is_err() {
                        return;
                    }
                }
            });
        }
        self.jobs = Some(jobs);
        self.done = Some(done);
    }

    fn in_flight(&self) -> u64 {
        self.next_seq - self.taken
    }

    /// The next batch's outcome in document order; waits for it when `wait`.
    fn next(&mut self, wait: bool) -> Option<Done<T>> {
        while self.taken < self.next_seq {
            if let Some(done) = self.ready.remove(&self.taken) {
                self.taken += 1;
                return Some(done);
            }
            let rx = self.done.as_ref()?;
            let got = if wait {
                rx.recv().ok()
            } else {
                rx.try_recv().ok()
            };
            let (seq, done, buffer) = got?;
            self.ready.insert(seq, done);
            if self.spare.len() < 2 * self.workers {
                self.spare.push(buffer);
            }
        }
        None
    }
}

/// Parses, normalizes and maps a batch's results (on any thread).
fn parse_batch<T>(batch: &Batch, map: Map<'_, T>, mode: Mode) -> Done<T> {
    let mut out = Vec::with_capacity(batch.items.len());
    for item in &batch.items {
        let bytes = batch.bytes.get(item.start..item.end).unwrap_or_default();
        let mut trail = Trail {
            path: vec![
                Seg::Key(Cow::Borrowed("runs")),
                Seg::Index(batch.run),
                Seg::Key(Cow::Borrowed("results")),
                Seg::Index(item.index),
            ],
            refusal: None,
        };
        let mut de = serde_json::Deserializer::from_slice(bytes);
        let raw = ResultSeed {
            trail: &mut trail,
            mode,
        }
        .deserialize(&mut de)
        .map_err(|e| {
            let at = batch
                .at
                .advance(&batch.bytes[..item.start.min(batch.bytes.len())]);
            trail.serde_error(&e, at)
        })?;
        let meta = &batch.meta;
        out.push(if meta.tool.is_none() || meta.lacks_artifacts(&raw) {
            Parsed::Raw(item.index, Box::new(raw))
        } else {
            Parsed::Ready(finish(meta.normalize(batch.run, item.index, raw), map))
        });
    }
    Ok(out)
}

// ---------------------------------------------------------------- a run

/// What a run knows so far for normalizing its results.
#[derive(Default, Clone)]
struct RunMeta {
    tool: Option<Arc<ToolProvenance>>,
    /// Rules per component: 0 is the driver, 1.. the extensions.
    rules: Vec<Vec<Rule>>,
    /// The extensions' (name, guid), to resolve `toolComponent` references.
    extension_keys: Vec<(String, Option<String>)>,
    bases: Option<BTreeMap<String, RawArtifactLocation>>,
    artifacts: Option<Vec<Option<RawArtifactLocation>>>,
}

#[derive(Clone)]
struct Rule {
    id: String,
    default_level: Option<Level>,
    message_strings: BTreeMap<String, String>,
    cwes: Vec<String>,
    /// The first non-blank of `shortDescription.text` and
    /// `fullDescription.text`, with the member's name: what stands in for a
    /// result's missing message.
    description: Option<(&'static str, String)>,
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
    /// Fingerprint values that are not strings, kept for the properties.
    ignored_fingerprints: Option<Value>,
    ignored_partial_fingerprints: Option<Value>,
    code_flows: Option<Value>,
    taxa: Vec<RawDescriptorRef>,
    properties: Option<Value>,
    /// What was wrong with `message`, when it was not a message object.
    message_problem: Option<(WarningKind, String)>,
    /// Repairs made while parsing.
    warnings: Vec<Warning>,
}

struct ResultSeed<'t> {
    trail: &'t mut Trail,
    mode: Mode,
}

impl<'de> DeserializeSeed<'de> for ResultSeed<'_> {
    type Value = RawResult;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<RawResult, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for ResultSeed<'_> {
    type Value = RawResult;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a result object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawResult, A::Error> {
        let trail = self.trail;
        let strict = self.mode == Mode::Strict;
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
                trail.skip(&mut map, key)?;
                continue;
            };
            match k {
                "ruleId" => r.rule_id = trail.value(&mut map, k)?,
                "ruleIndex" => r.rule_index = trail.value(&mut map, k)?,
                "rule" => r.rule = trail.value(&mut map, k)?,
                "kind" => r.kind = trail.value(&mut map, k)?,
                "level" => r.level = trail.value(&mut map, k)?,
                "message" => {
                    saw_message = true;
                    match trail.value::<_, MessageSlot>(&mut map, k)? {
                        MessageSlot::Object(m) => r.message = m,
                        MessageSlot::Null => {
                            if strict {
                                trail.key(k);
                                return Err(trail.refuse(
                                    ErrorKind::Schema,
                                    "invalid type: null, expected a message object",
                                ));
                            }
                            r.message_problem =
                                Some((WarningKind::MissingMessage, "`message` is null".into()));
                        }
                        MessageSlot::Text(text) => {
                            if strict {
                                trail.key(k);
                                return Err(trail.refuse(
                                    ErrorKind::Schema,
                                    format!(
                                        "invalid type: {}, expected a message object",
                                        de::Unexpected::Str(&text)
                                    ),
                                ));
                            }
                            r.warnings.push(Warning {
                                kind: WarningKind::MalformedMessage,
                                path: format!("{}.message", trail.path_string()),
                                message:
                                    "`message` is a string, not a message object: taken as its text"
                                        .into(),
                            });
                            r.message.text = Some(text);
                        }
                        MessageSlot::Other(found) => {
                            if strict {
                                trail.key(k);
                                return Err(trail.refuse(
                                    ErrorKind::Schema,
                                    format!("invalid type: {found}, expected a message object"),
                                ));
                            }
                            r.message_problem = Some((
                                WarningKind::MalformedMessage,
                                format!("`message` is a {found}, not a message object"),
                            ));
                        }
                    }
                }
                "locations" => {
                    r.locations = trail
                        .value::<_, Option<Vec<RawLocation>>>(&mut map, k)?
                        .unwrap_or_default()
                }
                "fingerprints" | "partialFingerprints" => {
                    let v: Option<Value> = trail.value(&mut map, k)?;
                    let (strings, ignored) = split_fingerprints(v);
                    if let Some(ignored) = &ignored {
                        for (entry, found) in ignored_members(ignored) {
                            let depth = trail.path.len();
                            trail.key(k);
                            let expected = match entry {
                                Some(entry) => {
                                    trail.path.push(Seg::Key(Cow::Owned(entry)));
                                    "a string"
                                }
                                None => "an object of strings",
                            };
                            if strict {
                                return Err(trail.refuse(
                                    ErrorKind::Schema,
                                    format!("invalid type: {found}, expected {expected}"),
                                ));
                            }
                            let path = trail.path_string();
                            trail.path.truncate(depth);
                            r.warnings.push(Warning {
                                kind: WarningKind::NonStringFingerprint,
                                path,
                                message: format!(
                                    "a {found}, not a string: left out of the fingerprint, \
                                     kept in the result's properties"
                                ),
                            });
                        }
                    }
                    if k == "fingerprints" {
                        r.fingerprints = strings;
                        r.ignored_fingerprints = ignored;
                    } else {
                        r.partial_fingerprints = strings;
                        r.ignored_partial_fingerprints = ignored;
                    }
                }
                "codeFlows" => r.code_flows = trail.value(&mut map, k)?,
                "taxa" => {
                    r.taxa = trail
                        .value::<_, Option<Vec<RawDescriptorRef>>>(&mut map, k)?
                        .unwrap_or_default()
                }
                // Not kept, but checked: a stack without `frames` is not SARIF.
                "stacks" => {
                    let v: Option<Value> = trail.value(&mut map, k)?;
                    for (index, what) in malformed_stacks(v.as_ref()) {
                        let depth = trail.path.len();
                        trail.key(k);
                        if let Some(i) = index {
                            trail.path.push(Seg::Index(i));
                        }
                        if strict {
                            return Err(trail.refuse(ErrorKind::Schema, what));
                        }
                        let path = trail.path_string();
                        trail.path.truncate(depth);
                        r.warnings.push(Warning {
                            kind: WarningKind::MalformedStack,
                            path,
                            message: format!("{what}: ignored (stacks are not kept)"),
                        });
                    }
                }
                _ => r.properties = trail.value(&mut map, k)?,
            }
        }
        if !saw_message {
            if strict {
                return Err(trail.refuse(ErrorKind::Schema, "missing field `message`"));
            }
            r.message_problem = Some((
                WarningKind::MissingMessage,
                "the result has no `message`".into(),
            ));
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

/// A result's `message` as written: a message object, or one of the bends
/// tools make (null, a plain string, something else).
enum MessageSlot {
    Object(RawMessage),
    Null,
    Text(String),
    /// Another type, named as serde names it.
    Other(String),
}

impl<'de> Deserialize<'de> for MessageSlot {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(MessageSlotVisitor)
    }
}

struct MessageSlotVisitor;

impl<'de> Visitor<'de> for MessageSlotVisitor {
    type Value = MessageSlot;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a message object")
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<MessageSlot, A::Error> {
        RawMessage::deserialize(de::value::MapAccessDeserializer::new(map)).map(MessageSlot::Object)
    }
    fn visit_unit<Er: de::Error>(self) -> Result<MessageSlot, Er> {
        Ok(MessageSlot::Null)
    }
    fn visit_none<Er: de::Error>(self) -> Result<MessageSlot, Er> {
        Ok(MessageSlot::Null)
    }
    fn visit_str<Er: de::Error>(self, v: &str) -> Result<MessageSlot, Er> {
        Ok(MessageSlot::Text(v.to_owned()))
    }
    fn visit_string<Er: de::Error>(self, v: String) -> Result<MessageSlot, Er> {
        Ok(MessageSlot::Text(v))
    }
    fn visit_bool<Er: de::Error>(self, v: bool) -> Result<MessageSlot, Er> {
        Ok(MessageSlot::Other(de::Unexpected::Bool(v).to_string()))
    }
    fn visit_i64<Er: de::Error>(self, v: i64) -> Result<MessageSlot, Er> {
        Ok(MessageSlot::Other(de::Unexpected::Signed(v).to_string()))
    }
    fn visit_u64<Er: de::Error>(self, v: u64) -> Result<MessageSlot, Er> {
        Ok(MessageSlot::Other(de::Unexpected::Unsigned(v).to_string()))
    }
    fn visit_f64<Er: de::Error>(self, v: f64) -> Result<MessageSlot, Er> {
        Ok(MessageSlot::Other(de::Unexpected::Float(v).to_string()))
    }
    fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<MessageSlot, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(MessageSlot::Other("sequence".to_owned()))
    }
}

/// A `fingerprints` or `partialFingerprints` member split into its string
/// values (the fingerprint's) and the rest: an object of the other
/// entries, or the whole member when it is not an object.
fn split_fingerprints(v: Option<Value>) -> (BTreeMap<String, String>, Option<Value>) {
    match v {
        None | Some(Value::Null) => (BTreeMap::new(), None),
        Some(Value::Object(entries)) => {
            let mut strings = BTreeMap::new();
            let mut others = serde_json::Map::new();
            for (k, v) in entries {
                match v {
                    Value::String(s) => {
                        strings.insert(k, s);
                    }
                    other => {
                        others.insert(k, other);
                    }
                }
            }
            (
                strings,
                (!others.is_empty()).then_some(Value::Object(others)),
            )
        }
        Some(other) => (BTreeMap::new(), Some(other)),
    }
}

/// What [`split_fingerprints`] left out: each entry's key (none when the
/// whole member was not an object) and type.
fn ignored_members(ignored: &Value) -> Vec<(Option<String>, String)> {
    match ignored {
        Value::Object(entries) => entries
            .iter()
            .map(|(k, v)| (Some(k.clone()), unexpected(v)))
            .collect(),
        other => vec![(None, unexpected(other))],
    }
}

/// `stacks` entries that are not stacks (§3.44: an object with an array of
/// `frames`), with their indexes (none when `stacks` is not an array) and
/// what is wrong.
fn malformed_stacks(v: Option<&Value>) -> Vec<(Option<usize>, String)> {
    match v {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(stacks)) => stacks
            .iter()
            .enumerate()
            .filter_map(|(i, s)| {
                let what = match s {
                    Value::Object(o) => match o.get("frames") {
                        Some(Value::Array(_)) => return None,
                        None => "missing field `frames`".to_owned(),
                        Some(f) => format!(
                            "invalid type: {}, expected an array of frames",
                            unexpected(f)
                        ),
                    },
                    other => format!(
                        "invalid type: {}, expected a stack object",
                        unexpected(other)
                    ),
                };
                Some((Some(i), what))
            })
            .collect(),
        Some(other) => vec![(
            None,
            format!(
                "invalid type: {}, expected an array of stacks",
                unexpected(other)
            ),
        )],
    }
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
    driver: Option<RawComponent>,
    extensions: Option<Vec<RawComponent>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawComponent {
    /// Anything, checked by `check_tool_names`: tools write null here.
    #[serde(default, deserialize_with = "present")]
    name: Option<Value>,
    guid: Option<String>,
    version: Option<String>,
    semantic_version: Option<String>,
    organization: Option<String>,
    rules: Option<Vec<RawRule>>,
    properties: Option<Value>,
}

/// A member that is there, null included (`Option<Value>` alone reads
/// null as absent).
fn present<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Value>, D::Error> {
    Value::deserialize(d).map(Some)
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawRule {
    id: String,
    /// Read leniently: only a stand-in for a missing message.
    short_description: Option<Value>,
    full_description: Option<Value>,
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
        let ai_model = ai_model(tool.driver.as_ref(), &extensions);
        let mut components = Vec::with_capacity(1 + extensions.len());
        let mut rules = Vec::with_capacity(1 + extensions.len());
        self.extension_keys = extensions
            .iter()
            .map(|e| (component_name(e), e.guid.clone()))
            .collect();
        let driver = tool.driver.unwrap_or(RawComponent {
            name: None,
            guid: None,
            version: None,
            semantic_version: None,
            organization: None,
            rules: None,
            properties: None,
        });
        for c in std::iter::once(driver).chain(extensions) {
            let name = component_name(&c);
            rules.push(
                c.rules
                    .unwrap_or_default()
                    .into_iter()
                    .map(Rule::from)
                    .collect(),
            );
            components.push(Component {
                name,
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

        let mut warnings = raw.warnings;
        let message = message_text(&raw.message, rule);
        let mut message_stand_in = None;
        if message.trim().is_empty() {
            let (kind, what) = raw
                .message_problem
                .unwrap_or((WarningKind::EmptyMessage, "the message is empty".to_owned()));
            let (stand_in, from) = match (rule.and_then(|r| r.description.as_ref()), &rule_id) {
                (Some((member, text)), _) => (Some(text.clone()), format!("the rule's {member}")),
                (None, Some(id)) => (Some(id.clone()), "the rule id".to_owned()),
                (None, None) => (None, "nothing (no rule describes it)".to_owned()),
            };
            message_stand_in = stand_in;
            warnings.push(Warning {
                kind,
                path: format!("runs[{run}].results[{index}].message"),
                message: format!("{what}: {from} stands in"),
            });
        }
        let mut properties = raw.properties;
        for (key, ignored) in [
            ("bulwark/ignoredFingerprints", raw.ignored_fingerprints),
            (
                "bulwark/ignoredPartialFingerprints",
                raw.ignored_partial_fingerprints,
            ),
        ] {
            let Some(ignored) = ignored else { continue };
            let bag = match properties.take() {
                Some(Value::Object(bag)) => bag,
                None => serde_json::Map::new(),
                // Not a property bag: kept whole beside what is added.
                Some(other) => {
                    serde_json::Map::from_iter([("bulwark/properties".to_owned(), other)])
                }
            };
            let mut bag = bag;
            bag.insert(key.to_owned(), ignored);
            properties = Some(Value::Object(bag));
        }
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
            message_stand_in,
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
            properties,
            warnings,
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
        let text = |d: &Option<Value>| {
            d.as_ref()
                .and_then(|d| d.get("text"))
                .and_then(Value::as_str)
                .filter(|t| !t.trim().is_empty())
                .map(str::to_owned)
        };
        let description = text(&r.short_description)
            .map(|t| ("shortDescription", t))
            .or_else(|| text(&r.full_description).map(|t| ("fullDescription", t)));
        Rule {
            description,
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

/// A component's name; empty when it has none (a warning says so).
fn component_name(c: &RawComponent) -> String {
    match &c.name {
        Some(Value::String(name)) => name.clone(),
        _ => String::new(),
    }
}

fn ai_model(driver: Option<&RawComponent>, extensions: &[RawComponent]) -> Option<AiModel> {
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
            name: component_name(e),
            version: e.version.clone().or_else(|| e.semantic_version.clone()),
        });
    }
    driver.into_iter().chain(extensions).find_map(|c| {
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

        // A run without a tool: repaired by default, refused when strict.
        let doc = r#"{"version":"2.1.0","runs":[{"results":[]}]}"#;
        assert!(all(doc).unwrap().is_empty());
        let e = read_with(doc.as_bytes(), ReadOptions::strict(), |_| {
            Ok::<(), std::convert::Infallible>(())
        })
        .unwrap_err();
        let ReadError::Sarif(e) = e;
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
