//! Bulwark's shared domain vocabulary.
//!
//! Every other crate speaks these words: the Traffic Light Protocol marking a
//! record carries, the kinds of organization in the program, the roles users
//! hold, the principal a request acts as, the hash chain of the audit log,
//! CVE ids ([`CveId`]) and the content address documents are kept under
//! ([`ContentAddress`]).
//! Nothing here performs I/O, so the rules can be tested in isolation and the
//! store, the authorizer and the server cannot disagree about them.

pub mod audit;
pub mod clearinghouse;
pub mod clock;
pub mod content;
pub mod cve;
pub mod grant;
pub mod json;
pub mod marking;
pub mod obligation;
pub mod org;
pub mod principal;
pub mod remediation;
pub mod review;
pub mod role;
pub mod secret;

pub use audit::{AuditEntry, AuditEvent, ChainBreak, GENESIS_HASH};
pub use clearinghouse::{
    CaseState, ClaimOutcome, Quorum, Target, TargetError, TargetKind, Technique, Validation,
    ValidationKind, ValidationResult,
};
pub use clock::{Clock, FixedClock, SystemClock};
pub use content::{ContentAddress, ContentAddressError, ContentHasher, document_address};
pub use cve::{CveId, CveIdError};
pub use grant::{AttestationKind, GrantScope, GrantState, GrantStatus, Vetting, grant_status};
pub use marking::{Embargo, Tlp};
pub use obligation::{AgencyTrack, Answer, ObligationState, RequestKind, RequestState, Tri};
pub use org::{OrgKind, Sector};
pub use principal::{Principal, PrincipalKind};
pub use remediation::{
    PatchCheck, PatchCheckResult, PatchQuorum, PatchTally, PatchValidation, RemediationKind,
    RemediationState,
};
pub use review::{
    Conclusion, DocumentKind, FindingCategory, ReviewWindow, Severity, SubmissionState,
    WindowWarning,
};
pub use role::{Role, RoleSet};
pub use secret::{ApiToken, TokenHash};

/// A value given in text that is not one of the allowed spellings.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{what} {value:?} is not one of: {allowed}")]
pub struct ParseError {
    pub what: &'static str,
    pub value: String,
    pub allowed: &'static str,
}

/// Microseconds since the Unix epoch, UTC: how every instant is stored, so that
/// both back-ends compare and hash instants identically.
pub fn to_micros(t: time::OffsetDateTime) -> i64 {
    let nanos = t.unix_timestamp_nanos();
    (nanos / 1_000) as i64
}

/// The inverse of [`to_micros`]; out-of-range values clamp to the Unix epoch
/// rather than panic, since they can only come from a corrupted row.
pub fn from_micros(us: i64) -> time::OffsetDateTime {
    time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(us) * 1_000)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH)
}

/// Formats an instant as RFC 3339 in UTC, the form used on every interface.
pub fn rfc3339(t: time::OffsetDateTime) -> String {
    t.to_offset(time::UtcOffset::UTC)
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|_| t.unix_timestamp().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn micros_round_trip_keeps_microsecond_precision() {
        let t = time::macros::datetime!(2026-06-01 12:34:56.123456 UTC);
        assert_eq!(from_micros(to_micros(t)), t);
        assert_eq!(to_micros(t), 1_780_317_296_123_456);
    }

    #[test]
    fn rfc3339_is_utc() {
        let t = time::macros::datetime!(2026-06-01 14:00 +02:00);
        assert_eq!(rfc3339(t), "2026-06-01T12:00:00Z");
    }
}
