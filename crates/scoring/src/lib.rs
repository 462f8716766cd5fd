//! Prioritisation: which vulnerability to fix first, and by when.
//!
//! Pure: no files, sockets or databases; parsers take bytes or readers.
//!
//! - [`cvss`]: CVSS v3.0, v3.1 and v4.0 scores (RustSec's `cvss` crate for
//!   v3.x, our allocation-free [`cvss::v4`] scorer for v4.0, with a strict
//!   syntax check, the v3 temporal score and the v4.0 nomenclature added),
//!   and a check of a stated score against its vector.
//! - [`ssvc`]: CISA's SSVC decision tree as a table, and the KEV override.
//! - [`bod2604`]: BOD 26-04 remediation timelines and due dates.
//! - [`feeds`]: readers for the KEV catalog, EPSS CSV and CVE JSON 5
//!   records with CISA's ADP enrichment.
//! - [`priority`]: one documented order over all of that, which explains
//!   itself.

pub mod bod2604;
pub mod cvss;
pub mod feeds;
pub mod priority;
pub mod ssvc;
