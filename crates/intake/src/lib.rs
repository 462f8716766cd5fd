//! Clearinghouse intake (issue 5): reading findings and giving each one a
//! stable identity, so that many parties reporting the same bug fold into one
//! case.
//!
//! Pure: no I/O beyond the `std::io::Read` the caller hands in; no store, no
//! server. Every reader streams (items handed to a callback one at a time,
//! never the whole document held), refuses with the JSON path, line and
//! column of the first problem ([`IntakeError`]), and leaves keeping the raw
//! document to the caller. The parts:
//!
//! - [`finding`]: the format-neutral [`Finding`] the server stores as a
//!   report, [`Format`] (media types, best-effort sniffing) and the
//!   dispatcher [`finding::read`].
//! - [`sarif`]: a streaming SARIF 2.1.0 reader. Logs from scanners and AI
//!   hunters can be gigabytes, so serde visitors walk `runs[].results[]` one
//!   result at a time and hand each, normalized against its run (rule, CWEs,
//!   level, message, locations, fingerprints, code flows, tool and AI-model
//!   provenance, unknown properties), to a callback. Only small per-run data
//!   is kept; key order is handled (see the module).
//! - [`osv`]: OSV records (one, or an array streamed record by record); one
//!   finding per (record, affected package), withdrawn records skipped.
//! - [`csaf`]: CSAF 2.0 (and 2.1) documents; one finding per (vulnerability,
//!   affected product), products resolved to package URLs through the
//!   product tree.
//! - [`native`]: Bulwark's own findings JSON, documented there as an
//!   interface; fingerprinted exactly like the equivalent SARIF result.
//! - [`patch`]: unified diffs and `git format-patch` mails (a case's patch
//!   remediation): files touched, lines, hunks, the mail's author and
//!   subject; errors name the line.
//! - [`aixcc`]: submissions shaped as DARPA's AI Cyber Challenge
//!   competition API v0.4 (proof of vulnerability, patch, submitted SARIF,
//!   bundle) read strictly, base64 decoded within the API's sizes, the
//!   patch and SARIF through the readers above, and whether a bundle's
//!   parts belong together.
//! - [`mod@fingerprint`]: the versioned fingerprint (`bwk1:` + SHA-256 hex) over a
//!   length-prefixed, tagged encoding: for code, the tool's fingerprints,
//!   else its partial fingerprints and rule, else rule, path and normalized
//!   snippet or message, never line numbers, tool versions or reporters; for
//!   advisories, the vulnerability id (smallest CVE) and the versionless
//!   package URL ([`advisory`]), so OSV and CSAF about one CVE in one package
//!   agree. The encoding is documented in the module and is an interface:
//!   changing it means a new version.
//! - [`warning`]: the repairs a reader makes to documents as tools really
//!   write them ([`Mode::Repair`], the default), each a [`Warning`] with its
//!   JSON path, and [`Mode::Strict`], which refuses those documents.
//! - [`error`]: the refusal all readers share. The SARIF-era names
//!   ([`SarifError`], [`ReadError`], [`read`]) stay for existing callers.

pub mod advisory;
pub mod aixcc;
pub mod csaf;
pub mod error;
pub mod finding;
pub mod fingerprint;
pub mod native;
pub mod osv;
pub mod patch;
pub mod sarif;
mod scan;
pub mod warning;

pub use error::{ErrorKind, IntakeError};
pub use finding::{Finding, Format, Summary as FindingSummary, read as read_findings};
pub use fingerprint::{Fingerprint, fingerprint};
pub use sarif::{NormalizedResult, ReadError, SarifError, read};
pub use warning::{Mode, ReadOptions, Warning, WarningKind, Warnings};
