//! Early-access grants of a covered model to a trusted partner: the words
//! (scope, stored state, vetting, attestation kinds) and the one rule that
//! turns a stored grant into its status at an instant. No I/O.

use std::fmt;
use std::str::FromStr;

use time::OffsetDateTime;

use crate::ParseError;

macro_rules! word_enum {
    ($(#[$m:meta])* $name:ident, $what:literal, $allowed:literal, { $($variant:ident => $s:literal),* $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name { $($variant),* }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),*];
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $s),* }
            }
        }

        impl FromStr for $name {
            type Err = ParseError;
            fn from_str(s: &str) -> Result<Self, ParseError> {
                match s {
                    $($s => Ok($name::$variant),)*
                    _ => Err(ParseError { what: $what, value: s.to_owned(), allowed: $allowed }),
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

pub(crate) use word_enum;

word_enum!(
    /// What a grant lets the partner do with the model.
    GrantScope, "grant scope", "api, weights, evaluation_only", {
        Api => "api",
        Weights => "weights",
        EvaluationOnly => "evaluation_only",
    }
);

word_enum!(
    /// A grant's state as stored: what the parties have decided.
    GrantState, "grant state", "proposed, concurred, objected, revoked", {
        Proposed => "proposed",
        Concurred => "concurred",
        Objected => "objected",
        Revoked => "revoked",
    }
);

word_enum!(
    /// A grant's status at an instant: the stored state, with a concurred
    /// grant resolved against its window.
    GrantStatus, "grant status", "proposed, objected, revoked, pending, active, expired", {
        Proposed => "proposed",
        Objected => "objected",
        Revoked => "revoked",
        Pending => "pending",
        Active => "active",
        Expired => "expired",
    }
);

word_enum!(
    /// A trusted partner's vetting by the agencies.
    Vetting, "vetting status", "pending, vetted, suspended", {
        Pending => "pending",
        Vetted => "vetted",
        Suspended => "suspended",
    }
);

word_enum!(
    /// The protections a trusted partner attests to (EO 14409: confidentiality,
    /// insider risk, cybersecurity). Early access needs all of them, unexpired.
    AttestationKind, "attestation kind", "confidentiality, insider_risk, security_controls", {
        Confidentiality => "confidentiality",
        InsiderRisk => "insider_risk",
        SecurityControls => "security_controls",
    }
);

impl GrantState {
    /// The states a grant in this state may move to.
    pub fn next(self) -> &'static [GrantState] {
        match self {
            GrantState::Proposed => &[
                GrantState::Concurred,
                GrantState::Objected,
                GrantState::Revoked,
            ],
            GrantState::Concurred => &[GrantState::Revoked],
            GrantState::Objected | GrantState::Revoked => &[],
        }
    }
}

/// A grant's status at `now`: proposed, objected and revoked as stored; a
/// concurred grant is pending before `starts_at`, active in
/// `[starts_at, ends_at)`, expired from `ends_at` on.
pub fn grant_status(
    state: GrantState,
    starts_at: OffsetDateTime,
    ends_at: OffsetDateTime,
    now: OffsetDateTime,
) -> GrantStatus {
    match state {
        GrantState::Proposed => GrantStatus::Proposed,
        GrantState::Objected => GrantStatus::Objected,
        GrantState::Revoked => GrantStatus::Revoked,
        GrantState::Concurred if now < starts_at => GrantStatus::Pending,
        GrantState::Concurred if now < ends_at => GrantStatus::Active,
        GrantState::Concurred => GrantStatus::Expired,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    const START: OffsetDateTime = datetime!(2026-08-01 00:00 UTC);
    const END: OffsetDateTime = datetime!(2026-09-01 00:00 UTC);

    #[test]
    fn a_concurred_grant_follows_its_window() {
        let at = |now| grant_status(GrantState::Concurred, START, END, now);
        assert_eq!(
            at(START - time::Duration::microseconds(1)),
            GrantStatus::Pending
        );
        assert_eq!(at(START), GrantStatus::Active);
        assert_eq!(
            at(END - time::Duration::microseconds(1)),
            GrantStatus::Active
        );
        assert_eq!(at(END), GrantStatus::Expired);
        assert_eq!(at(END + time::Duration::days(400)), GrantStatus::Expired);
    }

    #[test]
    fn other_states_ignore_the_window() {
        for now in [START - time::Duration::days(1), START, END] {
            assert_eq!(
                grant_status(GrantState::Proposed, START, END, now),
                GrantStatus::Proposed
            );
            assert_eq!(
                grant_status(GrantState::Objected, START, END, now),
                GrantStatus::Objected
            );
            assert_eq!(
                grant_status(GrantState::Revoked, START, END, now),
                GrantStatus::Revoked
            );
        }
    }

    #[test]
    fn words_round_trip_and_bad_ones_name_the_allowed() {
        for s in GrantScope::ALL {
            assert_eq!(s.as_str().parse::<GrantScope>().unwrap(), *s);
        }
        for s in GrantStatus::ALL {
            assert_eq!(s.as_str().parse::<GrantStatus>().unwrap(), *s);
        }
        let e = "root".parse::<GrantScope>().unwrap_err();
        assert!(e.to_string().contains("evaluation_only"), "{e}");
        assert_eq!(GrantState::Concurred.next(), &[GrantState::Revoked]);
        assert!(GrantState::Revoked.next().is_empty());
    }
}
