//! Frontier benchmarks: which AI models are covered frontier models.
//!
//! Agencies write versioned *benchmark sets* ([`BenchmarkSet`], TOML, see
//! `docs/benchmarks.md`): criteria in CEL over a [`ModelProfile`], each
//! making a model `covered` or `notify` when it holds.
//! [`BenchmarkSet::determine`] evaluates every criterion with three-valued
//! logic (a missing fact is unknown, never false) and records why, in a
//! [`Determination`]. [`compute`] estimates training compute from parameters
//! and tokens or from hardware; [`import`] reads model registries (Epoch AI's
//! CSV, JSON profiles) and [`inspect`] evaluation scores from Inspect logs.
//!
//! No I/O: everything reads from bytes or a reader the caller supplies.

pub mod benchmark;
pub mod compute;
mod criteria;
pub mod determination;
pub mod import;
pub mod inspect;
pub mod profile;

pub use benchmark::{
    BenchmarkError, BenchmarkSet, Criterion, CriterionDiff, CriterionOutcome, Visibility, diff_sets,
};
pub use criteria::{
    CelError, CelErrorKind, MAX_DEPTH, MAX_EXPRESSION_BYTES, MAX_NESTING, MAX_OPERATORS,
};
pub use determination::{
    Change, ClassifyRecord, CriterionChange, CriterionResult, Determination, Outcome,
    RecordCriterion, RegistryChange, Tri, compare, compare_registry,
};
pub use import::{ImportError, Row};
pub use inspect::{InspectError, InspectLog};
pub use profile::{Field, FieldType, InvalidProfile, ModelProfile};

/// The default benchmark set shipped with Bulwark (`benchmarks/frontier-cyber.toml`).
pub const DEFAULT_BENCHMARKS: &str = include_str!("../../../benchmarks/frontier-cyber.toml");
