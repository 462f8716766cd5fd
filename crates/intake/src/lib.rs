//! Clearinghouse intake (issue 5): reading findings and giving each one a
//! stable identity, so that many parties reporting the same bug fold into one
//! case.
//!
//! Pure: no I/O beyond the `std::io::Read` the caller hands in; no store, no
//! server. Two parts:
//!
//! - [`sarif`]: a streaming SARIF 2.1.0 reader. Logs from scanners and AI
//!   hunters can be gigabytes, so the document is never held whole: serde
//!   visitors walk `runs[].results[]` one result at a time and hand each,
//!   normalized against its run (rule, CWEs, level, message, locations,
//!   fingerprints, code flows, tool and AI-model provenance, unknown
//!   properties), to a callback. Only small per-run data is kept; key order is
//!   handled (see the module). Refusals name the JSON path and line/column of
//!   the first problem.
//! - [`mod@fingerprint`]: the versioned fingerprint (`bwk1:` + SHA-256 hex) over a
//!   length-prefixed, tagged encoding of the tool's fingerprints, else its
//!   partial fingerprints and rule, else rule, path and normalized snippet or
//!   message, never line numbers, tool versions or reporters. The encoding
//!   is documented in the module and is an interface: changing it means a new
//!   version.

pub mod fingerprint;
pub mod sarif;

pub use fingerprint::{Fingerprint, fingerprint};
pub use sarif::{NormalizedResult, ReadError, SarifError, read};
