//! Unbounded non-negative integers for version components: most fit a
//! `u64`, but dates, timestamps and the odd thirty-digit number occur, and
//! ecosystems such as Go, PEP 440, RubyGems, dpkg and rpm compare digit
//! runs of any length.

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
    let n = a.len().max(b.len());
    for i in 0..n {
        let x = a.get(i).unwrap_or(pad);
        let y = b.get(i).unwrap_or(pad);
        match x.cmp(y) {
            Ordering::Equal => {}
            o => return o,
        }
    }
    Ordering::Equal
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
