//! OSV advisories and the matching engine: which components (package URLs)
//! an advisory database says are affected, and why.
//!
//! Pure: no files, sockets or SQL. Parsers take bytes; walking directories
//! or archives is the caller's job ([`load`] helps it count what it read).
//!
//! - [`osv`]: the OSV record and its JSON and YAML readers; errors name
//!   the path inside the record.
//! - [`eval`]: one version against one `affected[]` entry, exactly as the
//!   OSV schema's evaluation algorithm says, with the range and events that
//!   decided ([`Why`]); undecidable is [`Outcome::Indeterminate`], never
//!   unaffected.
//! - [`ecosystem`]: ecosystem keys, per-ecosystem name normalisation,
//!   distribution releases, and package URL → OSV ecosystem and name.
//! - [`compiled`]: the compiled form of records and index files, read
//!   without parsing JSON or YAML.
//! - [`index`]: advisories in memory (in their compiled form) by package
//!   and by id or alias; entries compiled for evaluation on first use.
//! - [`engine`]: components deduplicated to distinct targets, each
//!   evaluated once and fanned out; and a new advisory against known
//!   targets ([`advisory_affects`]).
//! - [`inventory`]: known targets with instance counts, by package, so a
//!   new advisory is evaluated only against the packages it names.
//! - [`parallel`]: work shared out over the cores, results in order.
//! - [`product`]: products without a package URL (vendor, product, version
//!   or a CPE 2.3 name) against CVE records' `affected` entries and KEV.

pub mod compiled;
pub mod ecosystem;
pub mod engine;
pub mod eval;
mod hash;
pub mod index;
pub mod inventory;
pub mod load;
pub mod osv;
pub mod parallel;
pub mod product;

pub use ecosystem::{PackageKey, Target, UnsupportedPurl, target_of};
pub use engine::{
    Component, Engine, Finding, Hit, Indeterminate, MatchReport, Unsupported, advisory_affects,
};
pub use eval::{Evaluator, Outcome, Subject, Why};
pub use index::{Index, Inserted};
pub use inventory::Inventory;
pub use osv::{Advisory, Affected, Event, Format, OsvError, Package, Range, RangeType};
