//! Packagist: Composer's order. Composer compares two versions with PHP's
//! `version_compare` (`Composer\Semver\Comparator`, `Constraint::versionCompare`),
//! after its version parser has stripped a leading `v` (any case).
//!
//! `version_compare` (php-src `ext/standard/versioning.c`): `-`, `_`, `+`
//! and any other non-alphanumeric character become `.`, and a `.` is put
//! between digits and letters; the parts then compare left to right,
//! numbers numerically, words by their "special form", matched by prefix
//! and case-sensitively: `dev` < `alpha` = `a` < `beta` = `b` < `RC` =
//! `rc` < (a number) < `pl` = `p`; any other word sorts below `dev`, and
//! all such words are equal to each other. When one side runs out, a
//! remaining number makes the longer one greater, a remaining word is
//! compared with the number's place (so `1.0 < 1.0.0`, `1.0rc1 < 1.0`).
//!
//! Refused: strings that do not start with a digit (after the `v`) or that
//! contain anything but ASCII letters, digits, `.`, `-`, `_` and `+`, or
//! end in a separator, and `dev-` branch names, which Composer does not
//! order at all. Deliberately accepted although Composer's own normaliser
//! would refuse them: free-form words after the number (`0.0.1-test1`),
//! since Packagist lists such tags and OSV records carry them. Numbers are
//! compared at any size, where PHP's `strtol` would saturate.

use std::cmp::Ordering;

use super::Refusal;
use super::num::{self, Num};

#[derive(Debug, Clone)]
pub struct ComposerVersion {
    parts: Box<[Part]>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    Num(Num),
    /// The special-form order of a word; -1 for an unknown word.
    Word(i8),
}

/// A number's place among the special forms (`#N#` in php-src).
const NUMBER: i8 = 4;

fn special_form(word: &str) -> i8 {
    const FORMS: [(&str, i8); 10] = [
        ("dev", 0),
        ("alpha", 1),
        ("a", 1),
        ("beta", 2),
        ("b", 2),
        ("RC", 3),
        ("rc", 3),
        ("#", 4),
        ("pl", 5),
        ("p", 5),
    ];
    FORMS
        .iter()
        .find(|(name, _)| word.starts_with(name))
        .map_or(-1, |&(_, order)| order)
}

impl ComposerVersion {
    pub fn parse(s: &str) -> Result<ComposerVersion, Refusal> {
        if s.starts_with("dev-") {
            return Err("a dev- branch has no order in Composer");
        }
        let body = s.strip_prefix(['v', 'V']).unwrap_or(s);
        if !body.starts_with(|c: char| c.is_ascii_digit()) {
            return Err("a version starts with a digit (after an optional v)");
        }
        if !body
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_' | b'+'))
        {
            return Err("only letters, digits, '.', '-', '_' and '+' are allowed");
        }
        if body.ends_with(['.', '-', '_', '+']) {
            return Err("a version does not end with a separator");
        }
        let parts = num::runs(body)
            .filter_map(|run| match run {
                num::Run::Digits(d) => Some(Part::Num(Num::from_digits(d))),
                num::Run::Letters(w) => Some(Part::Word(special_form(w))),
                num::Run::Other(_) => None,
            })
            .collect();
        Ok(ComposerVersion { parts })
    }
}

fn cmp_part(a: &Part, b: &Part) -> Ordering {
    match (a, b) {
        (Part::Num(x), Part::Num(y)) => x.cmp(y),
        (Part::Num(_), Part::Word(w)) => NUMBER.cmp(w),
        (Part::Word(w), Part::Num(_)) => w.cmp(&NUMBER),
        (Part::Word(x), Part::Word(y)) => x.cmp(y),
    }
}

/// What the first part left over on the longer side says.
fn leftover(p: &Part) -> Ordering {
    match p {
        Part::Num(_) => Ordering::Greater,
        Part::Word(w) => w.cmp(&NUMBER),
    }
}

impl Ord for ComposerVersion {
    fn cmp(&self, other: &ComposerVersion) -> Ordering {
        num::cmp_then_leftover(&self.parts, &other.parts, cmp_part, leftover)
    }
}

super::num::ord_via_cmp!(ComposerVersion);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::version::testing::{assert_chain, assert_refused};

    fn c(s: &str) -> ComposerVersion {
        ComposerVersion::parse(s).unwrap()
    }

    #[test]
    fn php_version_compare_examples() {
        // The PHP manual's version_compare page and php-src's tests.
        let chain = ["1.0-dev", "1.0a1", "1.0b1", "1.0RC1", "1.0", "1.0pl1"];
        assert_chain(ComposerVersion::parse, &chain);
        assert!(c("5.2") < c("5.2.0"));
        assert!(c("1.0rc1") < c("1.0"));
        assert_eq!(c("1.0RC1"), c("1.0rc1"));
        assert_eq!(c("v1.0.0"), c("1.0.0"));
        assert_eq!(c("1.25.0-beta2.1"), c("1.25.0-b.2.1"));
        assert_refused(
            ComposerVersion::parse,
            &["dev-main", "foo", "1.2.3.#", "1.0-", ""],
        );
    }
}
