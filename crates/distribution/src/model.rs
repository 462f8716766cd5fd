//! What the clearinghouse says in an advisory about one case, from which
//! every published form is written: CSAF 2.0 (`csaf_security_advisory`,
//! `csaf_vex`), OpenVEX and OSV.
//!
//! One model rather than an editable CSAF document, so that the CSAF and the
//! OSV output of one revision can never disagree, and so that an analyst
//! edits facts (a product, a fixed version) rather than JSON. The
//! application keeps it as JSON (serde, unknown fields refused) beside the
//! tracking information it manages; the writers take both.
//!
//! Nothing here is checked on construction: the writers' validation
//! (`csaf::validate` and friends) names what is wrong with a JSON path, since
//! a draft may be incomplete while it is edited.

use bulwark_core::Tlp;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// The advisory's content: everything but its tracking.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct AdvisoryContent {
    pub title: String,
    /// One paragraph: what is vulnerable and what to do (CSAF `summary`
    /// note, OSV `summary` when short enough).
    pub summary: String,
    /// The full description, Markdown (CSAF `details` note, OSV `details`).
    #[serde(default)]
    pub details: Option<String>,
    /// The affected products, each once.
    #[serde(default)]
    pub products: Vec<Product>,
    #[serde(default)]
    pub vulnerabilities: Vec<Vulnerability>,
    #[serde(default)]
    pub references: Vec<Reference>,
    /// Who is credited; the case's first reporter comes first in a draft.
    #[serde(default)]
    pub acknowledgments: Vec<Acknowledgment>,
}

/// One affected product: a package (by its versionless purl) or a product
/// without one (vendor and name, optionally a CPE 2.3 name).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Product {
    /// Unique within the advisory; what vulnerabilities and remediations
    /// refer to (e.g. `"p1"`, `"libfoo"`). The writers derive CSAF product
    /// ids from it.
    pub key: String,
    pub vendor: String,
    pub name: String,
    /// `pkg:type/namespace/name`, without version: the package the OSV
    /// record and the matching engine are keyed by.
    #[serde(default)]
    pub purl: Option<String>,
    /// A CPE 2.3 formatted string, for a product without a purl.
    #[serde(default)]
    pub cpe: Option<String>,
    /// Affected version ranges, in the package's ecosystem's order.
    #[serde(default)]
    pub affected: Vec<VersionRange>,
    /// Individually listed affected versions (besides the ranges).
    #[serde(default)]
    pub affected_versions: Vec<String>,
    /// Versions that fix every vulnerability of the advisory for this
    /// product (the remediation names them too).
    #[serde(default)]
    pub fixed_versions: Vec<String>,
    /// Versions known not to be affected (what a VEX document states).
    #[serde(default)]
    pub not_affected_versions: Vec<String>,
}

/// `[introduced, fixed)`, or `[introduced, last_affected]`; `introduced`
/// absent means "from the first version".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct VersionRange {
    #[serde(default)]
    pub introduced: Option<String>,
    #[serde(default)]
    pub fixed: Option<String>,
    #[serde(default)]
    pub last_affected: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Vulnerability {
    /// `CVE-YYYY-NNNN…`, when one is assigned.
    #[serde(default)]
    pub cve: Option<String>,
    /// Other identifiers (GHSA, the case's id): CSAF `ids`, OSV `aliases`.
    #[serde(default)]
    pub ids: Vec<VulnerabilityId>,
    #[serde(default)]
    pub cwe: Option<Cwe>,
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    /// A CVSS v3.1 vector (`CVSS:3.1/AV:N/…`); the writers compute its
    /// base score and severity.
    #[serde(default)]
    pub cvss_v3: Option<String>,
    /// The products (by [`Product::key`]) it affects; empty means all.
    #[serde(default)]
    pub products: Vec<String>,
    #[serde(default)]
    pub remediations: Vec<Remediation>,
    /// When it was discovered or first reported.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub discovery_date: Option<OffsetDateTime>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VulnerabilityId {
    /// E.g. `GHSA`, `Bulwark case`.
    pub system_name: String,
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Cwe {
    /// `CWE-79`.
    pub id: String,
    pub name: String,
}

/// CSAF 2.0's remediation categories.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RemediationCategory {
    VendorFix,
    Workaround,
    Mitigation,
    NoFixPlanned,
    NoneAvailable,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Remediation {
    pub category: RemediationCategory,
    pub details: String,
    /// A release page, a commit, or the patch as the clearinghouse
    /// distributes it.
    #[serde(default)]
    pub url: Option<String>,
    /// The products (by key) it applies to; empty means all the
    /// vulnerability's.
    #[serde(default)]
    pub products: Vec<String>,
}

/// CSAF 2.0 reference categories.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum ReferenceCategory {
    #[default]
    External,
    /// The advisory itself, in another form or place.
    #[serde(rename = "self")]
    SelfRef,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Reference {
    pub url: String,
    pub summary: String,
    #[serde(default)]
    pub category: ReferenceCategory,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Acknowledgment {
    #[serde(default)]
    pub names: Vec<String>,
    #[serde(default)]
    pub organization: Option<String>,
    #[serde(default)]
    pub summary: Option<String>,
}

/// Who publishes: the program's clearinghouse, from the server's settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Publisher {
    /// CSAF `publisher.category`: `coordinator` for the clearinghouse.
    pub category: String,
    pub name: String,
    /// A URL of the publisher's own (e.g. `https://bulwark.example.gov`).
    pub namespace: String,
    #[serde(default)]
    pub contact_details: Option<String>,
    #[serde(default)]
    pub issuing_authority: Option<String>,
}

/// CSAF `document.tracking.status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Draft,
    Interim,
    Final,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Draft => "draft",
            Status::Interim => "interim",
            Status::Final => "final",
        }
    }
}

/// One entry of the revision history. Versions are integers ("1", "2", …):
/// CSAF's integer versioning, which needs no pre-release rules.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Revision {
    pub number: u32,
    #[serde(with = "time::serde::rfc3339")]
    pub date: OffsetDateTime,
    pub summary: String,
}

/// What the application manages about an advisory's life: its id, status,
/// dates and history. `version` is the last revision's number.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tracking {
    /// The program's own id, e.g. `BWK-2026-0001`; the CSAF file name and
    /// the OSV id derive from it.
    pub id: String,
    pub status: Status,
    #[serde(with = "time::serde::rfc3339")]
    pub initial_release_date: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub current_release_date: OffsetDateTime,
    /// Oldest first; never empty once published.
    pub revision_history: Vec<Revision>,
}

/// Everything a writer needs: content, tracking, marking, publisher.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Advisory<'a> {
    pub content: &'a AdvisoryContent,
    pub tracking: &'a Tracking,
    /// The marking it is distributed at (TLP 2.0; the CSAF 2.0 writer maps
    /// it onto CSAF's TLP 1.0 labels).
    pub tlp: Tlp,
    pub publisher: &'a Publisher,
}
