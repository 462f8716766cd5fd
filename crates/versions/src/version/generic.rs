//! The generic fallback, used only when a caller names `Generic`: for
//! ecosystems without rules here, never silently for an unknown one.
//!
//! The order: the string is split into runs of ASCII digits and runs of
//! ASCII letters; anything else separates. Runs compare left to right:
//! numbers numerically, letters case-insensitively, a number above
//! letters. When one side runs out, a remaining number makes the longer
//! side greater (`1.0 < 1.0.1`) and remaining letters make it smaller, as
//! a pre-release (`1.0beta < 1.0`). Refused: strings with no digit, white
//! space or control characters.

use std::cmp::Ordering;

use super::Refusal;
use super::num::{self, Num};

#[derive(Debug, Clone)]
pub struct GenericVersion {
    runs: Box<[Run]>,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Run {
    // Letters first: a number is above letters.
    Alpha(Box<str>),
    Num(Num),
}

impl GenericVersion {
    pub fn parse(s: &str) -> Result<GenericVersion, Refusal> {
        if !s.bytes().any(|b| b.is_ascii_digit()) {
            return Err("a version has at least one digit");
        }
        if s.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err("white space or control characters");
        }
        let runs = num::runs(s)
            .filter_map(|run| match run {
                num::Run::Digits(d) => Some(Run::Num(Num::from_digits(d))),
                num::Run::Letters(l) => Some(Run::Alpha(l.to_ascii_lowercase().into())),
                num::Run::Other(_) => None,
            })
            .collect();
        Ok(GenericVersion { runs })
    }
}

impl Ord for GenericVersion {
    fn cmp(&self, other: &GenericVersion) -> Ordering {
        // A leftover number makes the longer side greater, leftover
        // letters (a pre-release) make it smaller.
        num::cmp_then_leftover(&self.runs, &other.runs, Run::cmp, |r| match r {
            Run::Num(_) => Ordering::Greater,
            Run::Alpha(_) => Ordering::Less,
        })
    }
}

super::num::ord_via_cmp!(GenericVersion);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::version::testing::assert_chain;

    fn g(s: &str) -> GenericVersion {
        GenericVersion::parse(s).unwrap()
    }

    #[test]
    fn documented_order() {
        let chain = ["1.0beta", "1.0", "1.0.1", "1.2", "1.10", "2"];
        assert_chain(GenericVersion::parse, &chain);
        assert_eq!(g("1.0-RC1"), g("1.0.rc.1"));
        assert!(GenericVersion::parse("latest").is_err());
    }
}
