//! The words of Binding Operational Directives: which track an agency is on,
//! the three-valued facts an agency gives about a system, and an
//! obligation's state, answer and requests.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

use crate::ParseError;

/// Declares a closed vocabulary: the enum, its machine spelling, `Display`
/// and `FromStr` (case-insensitive, the allowed spellings in the error).
macro_rules! words {
    ($(#[$m:meta])* $name:ident, $what:literal, { $($(#[$vm:meta])* $v:ident => $s:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($(#[$vm])* $v),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$v),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$v => $s),+ }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl FromStr for $name {
            type Err = ParseError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                let t = s.trim();
                $name::ALL
                    .iter()
                    .copied()
                    .find(|w| w.as_str().eq_ignore_ascii_case(t))
                    .ok_or_else(|| ParseError {
                        what: $what,
                        value: s.to_owned(),
                        allowed: concat!($($s, " "),+),
                    })
            }
        }
    };
}

words!(
    /// Whose directives bind an agency: CISA's bind federal civilian
    /// executive branch agencies; national security agencies (DoD, the
    /// intelligence community) follow CNSS's and DoD's own track.
    AgencyTrack, "agency track", {
        Civilian => "civilian",
        NationalSecurity => "national_security",
    }
);

words!(
    /// What an agency says of a system's flag: the directive decides what
    /// `unknown` means, so it is kept as said.
    Tri, "value", {
        Yes => "yes",
        No => "no",
        Unknown => "unknown",
    }
);

words!(
    /// Whether an obligation still binds.
    ObligationState, "obligation state", {
        Open => "open",
        Closed => "closed",
    }
);

words!(
    /// The agency's answer to an obligation. Remediated, mitigated and not
    /// affected close it; in progress keeps it open.
    Answer, "answer", {
        InProgress => "in_progress",
        Remediated => "remediated",
        Mitigated => "mitigated",
        NotAffected => "not_affected",
    }
);

impl Answer {
    /// Whether this answer ends the obligation.
    pub fn closes(self) -> bool {
        !matches!(self, Answer::InProgress)
    }
}

words!(
    /// What an agency asks of the issuer: more time (a new due date) or an
    /// exception from the obligation.
    RequestKind, "request kind", {
        Extension => "extension",
        Exception => "exception",
    }
);

words!(
    /// Where a request stands.
    RequestState, "request state", {
        Pending => "pending",
        Approved => "approved",
        Denied => "denied",
    }
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_round_trip_and_refuse_others() {
        for w in Answer::ALL {
            assert_eq!(w.as_str().parse::<Answer>().ok(), Some(*w));
        }
        assert_eq!(
            "NOT_AFFECTED".parse::<Answer>().ok(),
            Some(Answer::NotAffected)
        );
        let e = "fixed".parse::<Answer>().unwrap_err();
        assert!(e.to_string().contains("in_progress"), "{e}");
        assert!(!Answer::InProgress.closes());
        assert!(Answer::Remediated.closes());
        assert_eq!("Unknown".parse::<Tri>().ok(), Some(Tri::Unknown));
        assert!("maybe".parse::<Tri>().is_err());
    }
}
