//! Repairs made while reading, and the mode that allows them.
//!
//! Real tools bend the standards: fingerprint values that are objects,
//! results without a message, a tool without a name. Refusing the whole
//! document loses every finding in it, so by default ([`Mode::Repair`]) a
//! reader repairs what it can without guessing at a finding's identity and
//! says so in a [`Warning`] with the JSON path of what it repaired. What
//! cannot be recovered (not JSON, not the format, results that are not
//! objects) is refused in either mode. [`Mode::Strict`] refuses every
//! document that does not conform, as readers did before repairs existed.

use std::collections::BTreeMap;

use serde::Serialize;

/// How a reader treats a document that bends its standard.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Mode {
    /// Repair what can be recovered, with a [`Warning`] for each repair.
    #[default]
    Repair,
    /// Refuse a document that does not conform, naming the first problem.
    Strict,
}

/// What was repaired.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum WarningKind {
    /// A `fingerprints` or `partialFingerprints` value that is not a string
    /// (or a member that is not an object): left out of the fingerprint and
    /// kept in the result's properties.
    NonStringFingerprint,
    /// A result without a `message` (or with a null one): the rule's
    /// description, else its id, stands in.
    MissingMessage,
    /// A `message` that is not a message object: a string is taken as its
    /// text; for anything else the rule's description, else its id, stands
    /// in.
    MalformedMessage,
    /// A message whose text is empty: the rule's description, else its id,
    /// stands in. SARIF allows it, so strict mode repairs it too.
    EmptyMessage,
    /// A run without `tool`, or a tool component whose `name` is not a
    /// string: the tool is recorded as unnamed.
    MissingToolName,
    /// A `stacks` entry that is not a stack (no `frames`): stacks are not
    /// kept, so it is ignored.
    MalformedStack,
}

impl WarningKind {
    /// Every kind, in order.
    pub const ALL: [WarningKind; 6] = [
        WarningKind::NonStringFingerprint,
        WarningKind::MissingMessage,
        WarningKind::MalformedMessage,
        WarningKind::EmptyMessage,
        WarningKind::MissingToolName,
        WarningKind::MalformedStack,
    ];

    /// The kind's name in receipts and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            WarningKind::NonStringFingerprint => "non_string_fingerprint",
            WarningKind::MissingMessage => "missing_message",
            WarningKind::MalformedMessage => "malformed_message",
            WarningKind::EmptyMessage => "empty_message",
            WarningKind::MissingToolName => "missing_tool_name",
            WarningKind::MalformedStack => "malformed_stack",
        }
    }

    /// Whether the repaired document still conformed to its standard (then
    /// strict mode makes the repair as well instead of refusing).
    pub fn conforming(self) -> bool {
        matches!(self, WarningKind::EmptyMessage)
    }
}

impl std::fmt::Display for WarningKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One repair: what kind, where (the JSON path, as errors give it, e.g.
/// `runs[0].results[3].message`) and what was done.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Warning {
    pub kind: WarningKind,
    pub path: String,
    pub message: String,
}

impl std::fmt::Display for Warning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {} ({})", self.path, self.message, self.kind)
    }
}

/// How many warnings of each kind a read gave, the first ones kept whole:
/// a log of a million results may need a million repairs, and a receipt
/// lists a few.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warnings {
    pub counts: BTreeMap<WarningKind, usize>,
    /// The first warnings in document order (results' in document order;
    /// a run's own, such as a missing tool, when the run ends).
    pub first: Vec<Warning>,
    keep: usize,
}

/// Warnings a receipt keeps whole unless told otherwise.
pub const FIRST_WARNINGS: usize = 20;

impl Default for Warnings {
    fn default() -> Self {
        Warnings::keeping(FIRST_WARNINGS)
    }
}

impl Warnings {
    /// Counts every warning and keeps the first `keep`.
    pub fn keeping(keep: usize) -> Self {
        Warnings {
            counts: BTreeMap::new(),
            first: Vec::new(),
            keep,
        }
    }

    pub fn push(&mut self, w: Warning) {
        *self.counts.entry(w.kind).or_default() += 1;
        if self.first.len() < self.keep {
            self.first.push(w);
        }
    }

    /// Every warning counted.
    pub fn total(&self) -> usize {
        self.counts.values().sum()
    }

    pub fn is_empty(&self) -> bool {
        self.counts.is_empty()
    }
}

/// How a read is made: its [`Mode`] and how many warnings it keeps whole.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReadOptions {
    pub mode: Mode,
    pub keep_warnings: usize,
}

impl Default for ReadOptions {
    fn default() -> Self {
        ReadOptions {
            mode: Mode::Repair,
            keep_warnings: FIRST_WARNINGS,
        }
    }
}

impl ReadOptions {
    pub fn strict() -> Self {
        ReadOptions {
            mode: Mode::Strict,
            ..ReadOptions::default()
        }
    }

    pub fn is_strict(&self) -> bool {
        self.mode == Mode::Strict
    }
}
