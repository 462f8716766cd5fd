//! VEX documents as data: an agency's "not affected" answers to its
//! obligations.
//!
//! Three formats say the same thing in different words: OpenVEX (0.0.1 to
//! 0.2.0), CycloneDX VEX (1.4 to 1.6, JSON) and CSAF 2.0's VEX profile.
//! Each reader turns its format into one [`VexStatement`] model: a
//! vulnerability, the products it is about, a [`VexStatus`] and why. The
//! mappings between the formats' words are documented where they are made
//! ([`VexStatus::from_cyclonedx`], [`Justification::from_cyclonedx`],
//! [`csaf`]) and in `docs/directives.md`, "VEX answers".
//!
//! Documents as tools write them are repaired where their meaning is
//! recoverable ([`Mode::Repair`], each repair a [`VexWarning`] with its
//! JSON path); [`Mode::Strict`] refuses them instead. What cannot be read
//! is refused in either mode with the JSON path ([`VexError`]). No I/O.

pub mod csaf;
pub mod cyclonedx;
mod json;
mod locate;
mod matching;
pub mod openvex;

use serde::{Deserialize, Serialize};
use thiserror::Error;

pub use matching::same_vulnerability;

/// How a reader treats a document that bends its standard.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Mode {
    /// Repair what can be recovered, with a [`VexWarning`] for each repair.
    #[default]
    Repair,
    /// Refuse a document that does not conform, naming the first problem.
    Strict,
}

/// The format a document was read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum VexFormat {
    #[serde(rename = "openvex")]
    OpenVex,
    #[serde(rename = "cyclonedx")]
    CycloneDx,
    #[serde(rename = "csaf")]
    Csaf,
}

impl VexFormat {
    pub fn as_str(self) -> &'static str {
        match self {
            VexFormat::OpenVex => "openvex",
            VexFormat::CycloneDx => "cyclonedx",
            VexFormat::Csaf => "csaf",
        }
    }
}

/// One VEX document, whatever its format.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VexDocument {
    pub format: VexFormat,
    /// OpenVEX `@id`, CycloneDX `serialNumber`, CSAF `tracking.id`.
    pub id: Option<String>,
    /// OpenVEX `author`, CycloneDX `metadata.authors` (else the supplier or
    /// manufacturer), CSAF `publisher.name`.
    pub author: Option<String>,
    /// When the document was issued, as written.
    pub timestamp: Option<String>,
    pub statements: Vec<VexStatement>,
    /// The repairs made, in document order.
    pub warnings: Vec<VexWarning>,
}

/// What the author says about one vulnerability in some products.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VexStatement {
    /// JSON path of the statement in the document (`statements[3]`,
    /// `vulnerabilities[0]`, `vulnerabilities[1].product_status.fixed`):
    /// how an answer names the statement that matched nothing.
    pub path: String,
    /// As written: `CVE-2023-1234`, `GHSA-…`, a vendor's id.
    pub vulnerability: String,
    /// The other names the document gives the vulnerability.
    pub aliases: Vec<String>,
    /// Empty when no product could be read: such a statement matches
    /// nothing and is reported as unmatched.
    pub products: Vec<VexProduct>,
    pub status: VexStatus,
    pub justification: Option<Justification>,
    /// The justification word as the document wrote it (CycloneDX's own
    /// words, a CSAF flag label), also when it maps to none of the five.
    pub justification_as_written: Option<String>,
    /// Why the products are not affected, in the author's words.
    pub impact_statement: Option<String>,
    /// What to do about an affected product.
    pub action_statement: Option<String>,
    /// How the status was determined: OpenVEX `status_notes`, CycloneDX
    /// `analysis.detail` when it is not the impact statement.
    pub status_notes: Option<String>,
    /// The statement's own time, else the document's.
    pub timestamp: Option<String>,
}

/// A product a statement is about.
///
/// OpenVEX products may list subcomponents: the statement is then about
/// the vulnerability in those subcomponents inside this product, and the
/// status is the product's. CSAF relationships (`default_component_of`,
/// `installed_on` …) read the same way: the product is the one related
/// to, the subcomponent the one referenced.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct VexProduct {
    /// The reference as written: OpenVEX `@id`, CycloneDX `affects[].ref`
    /// or `bom-ref`, CSAF `product_id`.
    pub id: Option<String>,
    pub purl: Option<String>,
    pub cpe: Option<String>,
    pub name: Option<String>,
    pub version: Option<String>,
    pub subcomponents: Vec<VexProduct>,
}

/// The four VEX statuses (CISA's minimum requirements).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VexStatus {
    NotAffected,
    Affected,
    Fixed,
    UnderInvestigation,
}

impl VexStatus {
    pub const ALL: [VexStatus; 4] = [
        VexStatus::NotAffected,
        VexStatus::Affected,
        VexStatus::Fixed,
        VexStatus::UnderInvestigation,
    ];

    /// The OpenVEX word.
    pub fn as_str(self) -> &'static str {
        match self {
            VexStatus::NotAffected => "not_affected",
            VexStatus::Affected => "affected",
            VexStatus::Fixed => "fixed",
            VexStatus::UnderInvestigation => "under_investigation",
        }
    }

    /// The OpenVEX word, exactly.
    pub fn from_openvex(word: &str) -> Option<VexStatus> {
        VexStatus::ALL.into_iter().find(|s| s.as_str() == word)
    }

    /// CycloneDX's `analysis.state`:
    ///
    /// | CycloneDX | status |
    /// |---|---|
    /// | `not_affected` | not affected |
    /// | `false_positive` | not affected: the vulnerability was wrongly reported, so the product is not affected by it |
    /// | `exploitable` | affected |
    /// | `resolved`, `resolved_with_pedigree` | fixed |
    /// | `in_triage` | under investigation |
    pub fn from_cyclonedx(state: &str) -> Option<VexStatus> {
        Some(match state {
            "not_affected" | "false_positive" => VexStatus::NotAffected,
            "exploitable" => VexStatus::Affected,
            "resolved" | "resolved_with_pedigree" => VexStatus::Fixed,
            "in_triage" => VexStatus::UnderInvestigation,
            _ => return None,
        })
    }
}

impl std::fmt::Display for VexStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a product is not affected: the five labels of CISA's "Vulnerability
/// Exploitability eXchange (VEX) – Status Justifications", as OpenVEX and
/// CSAF's flags write them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Justification {
    ComponentNotPresent,
    VulnerableCodeNotPresent,
    VulnerableCodeNotInExecutePath,
    VulnerableCodeCannotBeControlledByAdversary,
    InlineMitigationsAlreadyExist,
}

impl Justification {
    pub const ALL: [Justification; 5] = [
        Justification::ComponentNotPresent,
        Justification::VulnerableCodeNotPresent,
        Justification::VulnerableCodeNotInExecutePath,
        Justification::VulnerableCodeCannotBeControlledByAdversary,
        Justification::InlineMitigationsAlreadyExist,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Justification::ComponentNotPresent => "component_not_present",
            Justification::VulnerableCodeNotPresent => "vulnerable_code_not_present",
            Justification::VulnerableCodeNotInExecutePath => "vulnerable_code_not_in_execute_path",
            Justification::VulnerableCodeCannotBeControlledByAdversary => {
                "vulnerable_code_cannot_be_controlled_by_adversary"
            }
            Justification::InlineMitigationsAlreadyExist => "inline_mitigations_already_exist",
        }
    }

    /// The OpenVEX / CSAF label, exactly.
    pub fn from_label(word: &str) -> Option<Justification> {
        Justification::ALL.into_iter().find(|j| j.as_str() == word)
    }

    /// CycloneDX's `analysis.justification`, onto the five:
    ///
    /// | CycloneDX | justification |
    /// |---|---|
    /// | `code_not_present` | vulnerable_code_not_present |
    /// | `code_not_reachable` | vulnerable_code_not_in_execute_path |
    /// | `requires_configuration` | vulnerable_code_cannot_be_controlled_by_adversary |
    /// | `requires_dependency` | component_not_present |
    /// | `requires_environment` | vulnerable_code_cannot_be_controlled_by_adversary |
    /// | `protected_by_compiler` | inline_mitigations_already_exist |
    /// | `protected_at_runtime` | inline_mitigations_already_exist |
    /// | `protected_at_perimeter` | inline_mitigations_already_exist |
    /// | `protected_by_mitigating_control` | inline_mitigations_already_exist |
    ///
    /// The `requires_*` words say the exploit needs something the product
    /// lacks (a configuration, an environment: the attacker cannot bring
    /// it; a dependency: the component is absent); the `protected_*` words
    /// name a protection already in place. The word itself is kept in
    /// [`VexStatement::justification_as_written`].
    pub fn from_cyclonedx(word: &str) -> Option<Justification> {
        Some(match word {
            "code_not_present" => Justification::VulnerableCodeNotPresent,
            "code_not_reachable" => Justification::VulnerableCodeNotInExecutePath,
            "requires_configuration" | "requires_environment" => {
                Justification::VulnerableCodeCannotBeControlledByAdversary
            }
            "requires_dependency" => Justification::ComponentNotPresent,
            "protected_by_compiler"
            | "protected_at_runtime"
            | "protected_at_perimeter"
            | "protected_by_mitigating_control" => Justification::InlineMitigationsAlreadyExist,
            _ => return None,
        })
    }
}

impl std::fmt::Display for Justification {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What was repaired (or, for the conforming kinds, noted).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VexWarningKind {
    /// A byte order mark before the JSON (RFC 8259 forbids writing one):
    /// skipped.
    ByteOrderMark,
    /// An OpenVEX `@context` that is not an `https://openvex.dev/ns`
    /// namespace (empty in some tools' output): read as OpenVEX anyway.
    UnknownContext,
    /// A CSAF document whose category is not `csaf_vex`: its
    /// `product_status` means the same, so it is read.
    NotVexProfile,
    /// A status word in the wrong case or with `-` or spaces for `_`: read
    /// as the word it spells.
    MisspelledStatus,
    /// A justification label in the wrong case or with `-` or spaces for
    /// `_`: read as the label it spells.
    MisspelledJustification,
    /// A justification that is none of the format's words: left out, kept
    /// as written.
    UnknownJustification,
    /// `not_affected` without a justification or an impact statement: the
    /// statement is kept.
    MissingJustification,
    /// `affected` without an action statement: the statement is kept.
    MissingActionStatement,
    /// A vulnerability object without `name`: its `@id` (the last path
    /// segment of an IRI) is taken as the name.
    VulnerabilityFromId,
    /// A product reference that names nothing in the document (or a
    /// product with no identifier): left out of the statement.
    UnknownProduct,
    /// A statement about no product: kept, it matches nothing.
    NoProducts,
    /// A CycloneDX BOM-Link written `urn:uuid:serial/version#ref`: read as
    /// `urn:cdx:serial/version#ref`.
    MalformedBomLink,
    /// An optional field of the wrong type: ignored.
    MalformedField,
    /// A CycloneDX vulnerability without `analysis.state`: CycloneDX lists
    /// it in `affects`, so it is read as affected. Conforming.
    NoAnalysis,
}

impl VexWarningKind {
    pub fn as_str(self) -> &'static str {
        match self {
            VexWarningKind::ByteOrderMark => "byte_order_mark",
            VexWarningKind::UnknownContext => "unknown_context",
            VexWarningKind::NotVexProfile => "not_vex_profile",
            VexWarningKind::MisspelledStatus => "misspelled_status",
            VexWarningKind::MisspelledJustification => "misspelled_justification",
            VexWarningKind::UnknownJustification => "unknown_justification",
            VexWarningKind::MissingJustification => "missing_justification",
            VexWarningKind::MissingActionStatement => "missing_action_statement",
            VexWarningKind::VulnerabilityFromId => "vulnerability_from_id",
            VexWarningKind::UnknownProduct => "unknown_product",
            VexWarningKind::NoProducts => "no_products",
            VexWarningKind::MalformedBomLink => "malformed_bom_link",
            VexWarningKind::MalformedField => "malformed_field",
            VexWarningKind::NoAnalysis => "no_analysis",
        }
    }
}

impl std::fmt::Display for VexWarningKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One repair: what, where (JSON path and line) and what was done.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VexWarning {
    pub kind: VexWarningKind,
    pub path: String,
    /// The line the path's value starts on (its parent's, for a missing
    /// field).
    #[serde(default)]
    pub line: Option<usize>,
    pub message: String,
}

impl std::fmt::Display for VexWarning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}{}: {} ({})",
            self.path,
            at_line(self.line),
            self.message,
            self.kind
        )
    }
}

fn at_line(line: Option<usize>) -> String {
    line.map(|l| format!(" (line {l})")).unwrap_or_default()
}

/// Why a document was refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum VexError {
    #[error("not JSON: {message} at line {line}, column {column}")]
    NotJson {
        line: usize,
        column: usize,
        message: String,
    },
    /// JSON, but none of the three formats (or not the one asked for).
    #[error("not a VEX document: {reason}")]
    NotVex { reason: String },
    /// The format, but something in it cannot be read.
    #[error("{path}{}: {message}", at_line(*.line))]
    Invalid {
        path: String,
        line: Option<usize>,
        message: String,
    },
    /// Strict mode: a repair the default mode would have made.
    #[error("{}{}: {} (strict mode refuses: {})", .0.path, at_line(.0.line), .0.message, .0.kind)]
    Strict(VexWarning),
}

impl VexError {
    /// The JSON path of the problem; empty for the whole document.
    pub fn path(&self) -> &str {
        match self {
            VexError::Invalid { path, .. } => path,
            VexError::Strict(w) => &w.path,
            VexError::NotJson { .. } | VexError::NotVex { .. } => "",
        }
    }

    /// The line of the problem, when known.
    pub fn line(&self) -> Option<usize> {
        match self {
            VexError::NotJson { line, .. } => Some(*line),
            VexError::Invalid { line, .. } => *line,
            VexError::Strict(w) => w.line,
            VexError::NotVex { .. } => None,
        }
    }

    /// Fills in the line from the document's text.
    fn located(mut self, text: &[u8]) -> VexError {
        let (path, line) = match &mut self {
            VexError::Invalid { path, line, .. } => (path.clone(), line),
            VexError::Strict(w) => (w.path.clone(), &mut w.line),
            _ => return self,
        };
        *line = locate::lines(text, [path.as_str()]).get(&path).copied();
        self
    }
}

impl VexDocument {
    /// Reads an OpenVEX, CycloneDX or CSAF VEX document, telling them apart
    /// by their top-level keys (`bomFormat`, `document`, `statements` or an
    /// OpenVEX `@context`).
    pub fn parse(bytes: &[u8], mode: Mode) -> Result<VexDocument, VexError> {
        Self::read(bytes, mode, None)
    }

    /// Reads an OpenVEX document; refuses any other.
    pub fn parse_openvex(bytes: &[u8], mode: Mode) -> Result<VexDocument, VexError> {
        Self::read(bytes, mode, Some(VexFormat::OpenVex))
    }

    /// Reads a CycloneDX BOM's vulnerabilities; refuses any other document.
    pub fn parse_cyclonedx(bytes: &[u8], mode: Mode) -> Result<VexDocument, VexError> {
        Self::read(bytes, mode, Some(VexFormat::CycloneDx))
    }

    /// Reads a CSAF 2.0 document; refuses any other.
    pub fn parse_csaf(bytes: &[u8], mode: Mode) -> Result<VexDocument, VexError> {
        Self::read(bytes, mode, Some(VexFormat::Csaf))
    }

    /// Reads the document (as `only`, when given), then finds the lines of
    /// what it reports.
    fn read(bytes: &[u8], mode: Mode, only: Option<VexFormat>) -> Result<VexDocument, VexError> {
        let mut ctx = json::Ctx::new(mode);
        let text = ctx.text(bytes)?;
        let root = json::parse(text)?;
        let found = sniff(&root);
        let format = match (found, only) {
            (Some(f), None) => f,
            (Some(f), Some(want)) if f == want => f,
            (Some(f), Some(want)) => {
                return Err(VexError::NotVex {
                    reason: format!("a {} document, not {}", f.as_str(), want.as_str()),
                });
            }
            (None, _) => {
                return Err(VexError::NotVex {
                    reason: not_vex_reason(&root),
                });
            }
        };
        let read = match format {
            VexFormat::OpenVex => openvex::read(&root, ctx),
            VexFormat::CycloneDx => cyclonedx::read(&root, ctx),
            VexFormat::Csaf => csaf::read(&root, ctx),
        };
        let mut doc = read.map_err(|e| e.located(text))?;
        if !doc.warnings.is_empty() {
            let lines = locate::lines(text, doc.warnings.iter().map(|w| w.path.as_str()));
            for w in &mut doc.warnings {
                w.line = lines.get(&w.path).copied();
            }
        }
        Ok(doc)
    }
}

/// The format a parsed document claims to be, from its top-level keys.
fn sniff(root: &serde_json::Value) -> Option<VexFormat> {
    let obj = root.as_object()?;
    if obj.contains_key("bomFormat") {
        return obj
            .get("vulnerabilities")
            .is_some_and(|v| !v.is_null())
            .then_some(VexFormat::CycloneDx);
    }
    if obj
        .get("document")
        .is_some_and(serde_json::Value::is_object)
    {
        return csaf::is_vex(obj).then_some(VexFormat::Csaf);
    }
    let context_is_openvex = obj
        .get("@context")
        .and_then(serde_json::Value::as_str)
        .is_some_and(|c| c.contains("openvex"));
    let has_statements = obj
        .get("statements")
        .is_some_and(serde_json::Value::is_array);
    (has_statements || context_is_openvex).then_some(VexFormat::OpenVex)
}

fn not_vex_reason(root: &serde_json::Value) -> String {
    let Some(obj) = root.as_object() else {
        return format!("the top level is {}, not an object", json::kind(root));
    };
    if obj.contains_key("bomFormat") {
        return "a CycloneDX BOM without `vulnerabilities`".to_owned();
    }
    if obj
        .get("document")
        .is_some_and(serde_json::Value::is_object)
    {
        return "a CSAF document that is not of category `csaf_vex` and states no product status"
            .to_owned();
    }
    "no `statements` (OpenVEX), `bomFormat` (CycloneDX) or `document` (CSAF)".to_owned()
}
