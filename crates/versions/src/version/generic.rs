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
use super::num::Num;

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
        let b = s.as_bytes();
        let mut runs = Vec::new();
        let mut i = 0;
        while i < b.len() {
            let start = i;
            if b[i].is_ascii_digit() {
                while i < b.len() && b[i].is_ascii_digit() {
                    i += 1;
                }
                runs.push(Run::Num(Num::from_digits(&s[start..i])));
            } else if b[i].is_ascii_alphabetic() {
                while i < b.len() && b[i].is_ascii_alphabetic() {
                    i += 1;
                }
                runs.push(Run::Alpha(s[start..i].to_ascii_lowercase().into()));
            } else {
                i += 1;
            }
        }
        Ok(GenericVersion {
            runs: runs.into_boxed_slice(),
        })
    }
}

impl Ord for GenericVersion {
    fn cmp(&self, other: &GenericVersion) -> Ordering {
        let (a, b) = (&self.runs, &other.runs);
        let n = a.len().min(b.len());
        for i in 0..n {
            let o = a[i].cmp(&b[i]);
            if o != Ordering::Equal {
                return o;
            }
        }
        let rest = |r: Option<&Run>| match r {
            None => Ordering::Equal,
            Some(Run::Num(_)) => Ordering::Greater,
            Some(Run::Alpha(_)) => Ordering::Less,
        };
        match (a.get(n), b.get(n)) {
            (Some(x), None) => rest(Some(x)),
            (None, Some(y)) => rest(Some(y)).reverse(),
            _ => Ordering::Equal,
        }
    }
}

super::num::ord_via_cmp!(GenericVersion);

#[cfg(test)]
mod tests {
    use super::*;

    fn g(s: &str) -> GenericVersion {
        GenericVersion::parse(s).unwrap()
    }

    #[test]
    fn documented_order() {
        let chain = ["1.0beta", "1.0", "1.0.1", "1.2", "1.10", "2"];
        for w in chain.windows(2) {
            assert!(g(w[0]) < g(w[1]), "{} < {}", w[0], w[1]);
        }
        assert_eq!(g("1.0-RC1"), g("1.0.rc.1"));
        assert!(GenericVersion::parse("latest").is_err());
    }
}
