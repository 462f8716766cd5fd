//! AI-enabled defensive tools (issue 20): what the program office's
//! catalogue holds about a tool and the rules it keeps, and how a tool is
//! judged by what the clearinghouse has seen of it rather than by what its
//! provider says.
//!
//! - `catalogue`: kinds of tool, where a tool runs, the highest marking and
//!   embargo it may receive, FedRAMP authorizations, an entry's checks and
//!   its approval states.
//! - `scorecard`: per-version rates with their sample sizes and 95% Wilson
//!   intervals.
//! - `program`: the program office's programs (eligibility, tools offered,
//!   terms) and agencies' access requests: their checks and states.
//!
//! **Architecture Invariant:** no I/O; depends on `core` only.

pub mod catalogue;
pub mod program;
pub mod scorecard;

pub use catalogue::{
    Artefact, DataLimits, Deployment, Entry, EntryError, EntryState, FedRamp, FedRampStatus,
    ImpactLevel, ToolKind,
};
pub use program::{
    AccessState, AccessStatus, Applicant, Approval, Eligibility, Offered, Request, Terms,
};
