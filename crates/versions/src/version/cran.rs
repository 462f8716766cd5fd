//! CRAN: R's `package_version`.
//!
//! "A sequence of at least two (and usually three) non-negative integers
//! separated by single `.` or `-` characters" (Writing R Extensions, "The
//! DESCRIPTION file"). Versions compare element by element as integers;
//! when one is a prefix of the other the shorter is smaller, as R's
//! `numeric_version` comparison has it (`1.0 < 1.0.0`). `.` and `-` are
//! the same separator (`1.2-3 == 1.2.3`).

use std::cmp::Ordering;

use super::Refusal;
use super::num::Num;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CranVersion {
    parts: Box<[Num]>,
}

impl CranVersion {
    pub fn parse(s: &str) -> Result<CranVersion, Refusal> {
        let mut parts = Vec::new();
        for part in s.split(['.', '-']) {
            if part.is_empty() || !part.bytes().all(|b| b.is_ascii_digit()) {
                return Err("integers separated by single '.' or '-' expected");
            }
            parts.push(Num::from_digits(part));
        }
        if parts.len() < 2 {
            return Err("a package version has at least two numbers");
        }
        Ok(CranVersion {
            parts: parts.into_boxed_slice(),
        })
    }
}

impl Ord for CranVersion {
    fn cmp(&self, other: &CranVersion) -> Ordering {
        // Slices compare element-wise, a prefix before the longer one.
        self.parts.cmp(&other.parts)
    }
}

impl PartialOrd for CranVersion {
    fn partial_cmp(&self, other: &CranVersion) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::version::testing::{assert_chain, assert_refused};

    #[test]
    fn r_package_versions() {
        assert_chain(
            CranVersion::parse,
            &[
                "0.9", "0.9-1", "0.10", "1.0", "1.0.0", "1.0-1", "1.2.10", "2.0",
            ],
        );
        assert_eq!(
            CranVersion::parse("1.2-3").unwrap(),
            CranVersion::parse("1.2.3").unwrap()
        );
        assert_eq!(
            CranVersion::parse("1.02").unwrap(),
            CranVersion::parse("1.2").unwrap()
        );
        assert_refused(
            CranVersion::parse,
            &["1", "", "1..2", "1.2-", "1.2a", "v1.2", "1.2.3-rc1", "1_2"],
        );
    }
}
