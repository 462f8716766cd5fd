//! Unbounded non-negative integers for version components: most fit a
//! `u64`, but dates, timestamps and the odd thirty-digit number occur, and
//! ecosystems such as Go, PEP 440, RubyGems, dpkg and rpm compare digit
//! runs of any length.
//!
//! Also the mechanics several ecosystems share: splitting a string into
//! digit and letter runs ([`runs`]) and walking two sequences
//! ([`cmp_padded`], [`cmp_then_leftover`], [`cmp_pre_release`]). The
//! rules (what a run means, what a missing item counts as) stay with each
//! ecosystem's module.

use std::cmp::Ordering;

/// A digit run's value: `u64` when it fits, else its digits without
/// leading zeros (so more digits means larger, and equal lengths compare
/// as text).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum Num {
    Small(u64),
    Big(Box<str>),
}

impl Num {
    pub(crate) const ZERO: Num = Num::Small(0);

    /// `digits` must be ASCII digits only (may be empty: zero).
    pub(crate) fn from_digits(digits: &str) -> Num {
        debug_assert!(digits.bytes().all(|b| b.is_ascii_digit()));
        let trimmed = digits.trim_start_matches('0');
        match trimmed.parse::<u64>() {
            Ok(n) => Num::Small(n),
            Err(_) if trimmed.is_empty() => Num::Small(0),
            Err(_) => Num::Big(trimmed.into()),
        }
    }

    pub(crate) fn is_zero(&self) -> bool {
        matches!(self, Num::Small(0))
    }

    /// The value if it fits a `u64`.
    pub(crate) fn small(&self) -> Option<u64> {
        match self {
            Num::Small(n) => Some(*n),
            Num::Big(_) => None,
        }
    }
}

impl Ord for Num {
    fn cmp(&self, other: &Num) -> Ordering {
        match (self, other) {
            (Num::Small(a), Num::Small(b)) => a.cmp(b),
            (Num::Small(_), Num::Big(_)) => Ordering::Less,
            (Num::Big(_), Num::Small(_)) => Ordering::Greater,
            (Num::Big(a), Num::Big(b)) => a.len().cmp(&b.len()).then_with(|| a.cmp(b)),
        }
    }
}

impl PartialOrd for Num {
    fn partial_cmp(&self, other: &Num) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// Compares two sequences, the shorter padded with `pad`.
pub(crate) fn cmp_padded<T: Ord>(a: &[T], b: &[T], pad: &T) -> Ordering {
    cmp_padded_by(a, b, pad, T::cmp)
}

/// [`cmp_padded`] with the items compared by `cmp`.
pub(crate) fn cmp_padded_by<T>(
    a: &[T],
    b: &[T],
    pad: &T,
    cmp: impl Fn(&T, &T) -> Ordering,
) -> Ordering {
    let n = a.len().max(b.len());
    for i in 0..n {
        let x = a.get(i).unwrap_or(pad);
        let y = b.get(i).unwrap_or(pad);
        match cmp(x, y) {
            Ordering::Equal => {}
            o => return o,
        }
    }
    Ordering::Equal
}

/// Compares two sequences item by item with `cmp`; when one runs out
/// first, the first item left over on the longer side decides alone:
/// `leftover` says how the longer side compares with the shorter.
pub(crate) fn cmp_then_leftover<T>(
    a: &[T],
    b: &[T],
    cmp: impl Fn(&T, &T) -> Ordering,
    leftover: impl Fn(&T) -> Ordering,
) -> Ordering {
    for (x, y) in a.iter().zip(b) {
        match cmp(x, y) {
            Ordering::Equal => {}
            o => return o,
        }
    }
    let n = a.len().min(b.len());
    match (a.get(n), b.get(n)) {
        (Some(x), None) => leftover(x),
        (None, Some(y)) => leftover(y).reverse(),
        _ => Ordering::Equal,
    }
}

/// Compares pre-release identifier lists where an empty list is a
/// release: a release sorts after any pre-release; two pre-releases
/// compare element-wise, then the shorter list first.
pub(crate) fn cmp_pre_release<T: Ord>(a: &[T], b: &[T]) -> Ordering {
    match (a.is_empty(), b.is_empty()) {
        (true, true) => Ordering::Equal,
        (true, false) => Ordering::Greater,
        (false, true) => Ordering::Less,
        (false, false) => a.cmp(b),
    }
}

/// One run of a version string, as [`runs`] splits it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Run<'a> {
    /// A maximal run of ASCII digits.
    Digits(&'a str),
    /// A maximal run of ASCII letters.
    Letters(&'a str),
    /// Any other single character.
    Other(char),
}

/// Splits `s` into runs of ASCII digits, runs of ASCII letters and single
/// other characters, left to right. What each ecosystem makes of the runs
/// (and of the other characters) is its own rule.
pub(crate) fn runs(s: &str) -> Runs<'_> {
    Runs { rest: s }
}

/// The iterator of [`runs`].
pub(crate) struct Runs<'a> {
    rest: &'a str,
}

impl<'a> Iterator for Runs<'a> {
    type Item = Run<'a>;

    fn next(&mut self) -> Option<Run<'a>> {
        let c = self.rest.chars().next()?;
        let run_len = |pred: fn(&u8) -> bool| self.rest.bytes().take_while(pred).count();
        let (run, len) = if c.is_ascii_digit() {
            let len = run_len(u8::is_ascii_digit);
            (Run::Digits(&self.rest[..len]), len)
        } else if c.is_ascii_alphabetic() {
            let len = run_len(u8::is_ascii_alphabetic);
            (Run::Letters(&self.rest[..len]), len)
        } else {
            (Run::Other(c), c.len_utf8())
        };
        self.rest = &self.rest[len..];
        Some(run)
    }
}

/// `PartialEq`, `Eq` and `PartialOrd` from a type's `Ord`, so that equality
/// is the ecosystem's (`1.0 == 1.0.0`) and never disagrees with the order.
macro_rules! ord_via_cmp {
    ($t:ty) => {
        impl PartialEq for $t {
            fn eq(&self, other: &$t) -> bool {
                self.cmp(other) == std::cmp::Ordering::Equal
            }
        }
        impl Eq for $t {}
        impl PartialOrd for $t {
            fn partial_cmp(&self, other: &$t) -> Option<std::cmp::Ordering> {
                Some(self.cmp(other))
            }
        }
    };
}
pub(crate) use ord_via_cmp;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn orders_beyond_u64() {
        let big = Num::from_digits("999999999999999999999999999991");
        let bigger = Num::from_digits("0999999999999999999999999999999");
        assert!(Num::from_digits("18446744073709551615") < big);
        assert!(big < bigger);
        assert_eq!(Num::from_digits("000"), Num::ZERO);
    }
}
