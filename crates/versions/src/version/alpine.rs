//! Alpine, Wolfi, Chainguard: apk-tools' order (`src/version.c` of
//! apk-tools 3, `apk_version_compare` and `apk_version_validate`), for
//! versions of the form
//! `{number}{.number}...{letter}{_suffix{number}}...{~hash}{-r{number}}`.
//!
//! The rules, each with vectors in `tests/fixtures/ecosystem-rules/alpine.txt`:
//! - the parts must come in that order: one lower-case letter only right
//!   after a number, `.` only between numbers, suffixes (`_` and a known
//!   word, then an optional number) after the letter, at most one `~hash`
//!   (lower-case hex digits) and one `-rN` revision, in that order; any
//!   other string is refused, as `apk_version_validate` refuses it;
//! - two versions are read part by part; parts of the same kind compare
//!   by value: numbers as numbers, except that a part after a `.` with a
//!   leading zero compares as text on either side (`1.01 < 1.1`,
//!   `8.2.0 < 8.2.001`); letters by letter; suffixes in the order
//!   `_alpha < _beta < _pre < _rc < _cvs < _svn < _git < _hg < _p`; a
//!   hash as text;
//! - where the parts stop being of the same kind, the version that goes on
//!   is newer (`1.2 < 1.2.1 < 1.2.1-r0`), unless what follows is a
//!   pre-release suffix (`_alpha`, `_beta`, `_pre`, `_rc`), which sorts
//!   before the release it qualifies (`6.0_pre1 < 6.0`, `1.2_rc1-r9 <
//!   1.2-r0`); between two different kinds of part, the one that comes
//!   earlier in the form is newer (`1.2a > 1.2_p1 > 1.2-r1`).
//!
//! Numbers are compared at any size, where apk's 64-bit integers would
//! wrap. One rule of apk-tools 2 is kept although apk-tools 3 refuses it:
//! a number right after the letter (`5.1p1-r0`, `1.9.5p2-r1`), since
//! Alpine's security database names such versions of packages built with
//! apk-tools 2; it compares as a number part, which agrees with apk-tools 2
//! and with apk-tools 3 wherever the latter gives an answer (it calls
//! `1.9.5p1` and `1.9.5p2` equal). Otherwise apk-tools 2 (before Alpine
//! 3.23) differs for strings both accept only in a part with leading
//! zeros, which it compared by the count of zeros; it also accepted `-r`
//! without a number and `.` before a letter, which apk-tools 3 refuses.

use std::cmp::Ordering;

use super::Refusal;
use super::num::Num;

/// What a part is; declared in the order of the form, which is also the
/// order that decides between parts of different kinds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    InitialDigit,
    Digit,
    Letter,
    Suffix,
    SuffixNo,
    CommitHash,
    RevisionNo,
    End,
}

/// A suffix's place: the pre-release suffixes below [`RELEASE`], the
/// post-release ones above.
const SUFFIXES: [(&str, i8); 9] = [
    ("alpha", -4),
    ("beta", -3),
    ("pre", -2),
    ("rc", -1),
    ("cvs", 1),
    ("svn", 2),
    ("git", 3),
    ("hg", 4),
    ("p", 5),
];
const RELEASE: i8 = 0;

#[derive(Debug, Clone)]
enum Part {
    /// A number (its digits kept for the leading-zero rule).
    Number {
        digits: Box<str>,
        value: Num,
    },
    Letter(u8),
    Suffix(i8),
    Hash(Box<str>),
    End,
}

#[derive(Debug, Clone)]
pub struct ApkVersion {
    /// Every part with its kind, ending with [`Kind::End`].
    parts: Box<[(Kind, Part)]>,
}

const FORM: &str =
    "not an apk version: {number}{.number}...{letter}{_suffix{number}}...{~hash}{-r{number}}";

/// Splits off the leading run of bytes for which `keep` holds.
fn take_while(s: &[u8], keep: impl Fn(u8) -> bool) -> (&[u8], &[u8]) {
    let n = s.iter().take_while(|&&c| keep(c)).count();
    s.split_at(n)
}

/// A number part, refused when there are no digits.
fn number(s: &[u8]) -> Result<(Part, &[u8]), Refusal> {
    let (digits, rest) = take_while(s, |c| c.is_ascii_digit());
    if digits.is_empty() {
        return Err(FORM);
    }
    // Only ASCII digits, so this is valid UTF-8.
    let digits = String::from_utf8_lossy(digits);
    let value = Num::from_digits(&digits);
    Ok((
        Part::Number {
            digits: digits.into(),
            value,
        },
        rest,
    ))
}

impl ApkVersion {
    pub fn parse(s: &str) -> Result<ApkVersion, Refusal> {
        let (first, mut rest) = number(s.as_bytes())?;
        let mut parts = vec![(Kind::InitialDigit, first)];
        let mut last = Kind::InitialDigit;
        while let Some(&c) = rest.first() {
            let (kind, part, after) = match c {
                b'a'..=b'z' if last <= Kind::Digit => (Kind::Letter, Part::Letter(c), &rest[1..]),
                b'.' if last <= Kind::Digit => {
                    let (part, after) = number(&rest[1..])?;
                    (Kind::Digit, part, after)
                }
                b'0'..=b'9' if last == Kind::Suffix => {
                    let (part, after) = number(rest)?;
                    (Kind::SuffixNo, part, after)
                }
                // apk-tools 2's rule, which apk-tools 3 no longer has: a
                // number right after the letter (`5.1p1-r0`, OpenSSH's
                // versions in Alpine's security database).
                b'0'..=b'9' if last == Kind::Letter => {
                    let (part, after) = number(rest)?;
                    (Kind::Digit, part, after)
                }
                b'_' if last <= Kind::SuffixNo => {
                    let (word, after) = take_while(&rest[1..], |c| c.is_ascii_lowercase());
                    let place = SUFFIXES
                        .iter()
                        .find(|(name, _)| name.as_bytes() == word)
                        .map(|&(_, place)| place)
                        .ok_or(FORM)?;
                    (Kind::Suffix, Part::Suffix(place), after)
                }
                b'~' if last < Kind::CommitHash => {
                    let (hex, after) =
                        take_while(&rest[1..], |c| matches!(c, b'0'..=b'9' | b'a'..=b'f'));
                    if hex.is_empty() {
                        return Err(FORM);
                    }
                    let hex = String::from_utf8_lossy(hex).into();
                    (Kind::CommitHash, Part::Hash(hex), after)
                }
                b'-' if last < Kind::RevisionNo => {
                    let after = rest.strip_prefix(b"-r").ok_or(FORM)?;
                    let (part, after) = number(after)?;
                    (Kind::RevisionNo, part, after)
                }
                _ => return Err(FORM),
            };
            parts.push((kind, part));
            last = kind;
            rest = after;
        }
        parts.push((Kind::End, Part::End));
        Ok(ApkVersion {
            parts: parts.into_boxed_slice(),
        })
    }
}

/// Two parts of the same kind (`token_cmp`).
fn cmp_same_kind(kind: Kind, a: &Part, b: &Part) -> Ordering {
    match (a, b) {
        (
            Part::Number {
                digits: da,
                value: va,
            },
            Part::Number {
                digits: db,
                value: vb,
            },
        ) => {
            if kind == Kind::Digit && (da.starts_with('0') || db.starts_with('0')) {
                // Byte order, then the shorter first: `apk_blob_sort`.
                da.as_bytes().cmp(db.as_bytes())
            } else {
                va.cmp(vb)
            }
        }
        (Part::Letter(x), Part::Letter(y)) => x.cmp(y),
        (Part::Suffix(x), Part::Suffix(y)) => x.cmp(y),
        (Part::Hash(x), Part::Hash(y)) => x.as_bytes().cmp(y.as_bytes()),
        _ => Ordering::Equal,
    }
}

fn is_pre_release(part: &(Kind, Part)) -> bool {
    matches!(part, (Kind::Suffix, Part::Suffix(place)) if *place < RELEASE)
}

impl Ord for ApkVersion {
    fn cmp(&self, other: &ApkVersion) -> Ordering {
        for (a, b) in self.parts.iter().zip(other.parts.iter()) {
            if a.0 != b.0 {
                // Equal so far: the one that goes on is newer, unless it
                // goes on with a pre-release suffix.
                if is_pre_release(a) {
                    return Ordering::Less;
                }
                if is_pre_release(b) {
                    return Ordering::Greater;
                }
                return b.0.cmp(&a.0);
            }
            if a.0 == Kind::End {
                return Ordering::Equal;
            }
            match cmp_same_kind(a.0, &a.1, &b.1) {
                Ordering::Equal => {}
                o => return o,
            }
        }
        // Both lists end with `End`, so the loop returned.
        Ordering::Equal
    }
}

super::num::ord_via_cmp!(ApkVersion);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::version::testing::{assert_chain, assert_refused};

    fn a(s: &str) -> ApkVersion {
        ApkVersion::parse(s).unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    #[test]
    fn apk_order() {
        // apk-tools test/unit/version.data and the APKBUILD reference's
        // suffixes; every rule in tests/fixtures/ecosystem-rules/alpine.txt.
        let chain = [
            "1.0_alpha1",
            "1.0_beta2",
            "1.0_pre1",
            "1.0_rc1",
            "1.0",
            "1.0-r1",
            "1.0~beef",
            "1.0_cvs1",
            "1.0_svn1",
            "1.0_git1",
            "1.0_hg1",
            "1.0_p1",
            "1.0a",
            "1.0.1",
            "1.10",
        ];
        assert_chain(ApkVersion::parse, &chain);
        assert!(a("1.01") < a("1.1"));
        assert!(a("1.9.5p1-r1") < a("1.9.5p2-r1"));
        assert!(a("5.1_p1-r2") < a("5.1p1-r0"));
        assert!(a("8.2.0") < a("8.2.001"));
        assert_eq!(a("1-r01"), a("1-r1"));
        assert!(a("1.2_alpha") < a("1.2_alpha0"));
        assert!(
            a("99999999999999999999999999") < a("100000000000000000000000000"),
            "numbers of any size"
        );
        assert_refused(
            ApkVersion::parse,
            &[
                "", "1-ruff", "1.2_blah", "1.2.0A", "1-x", "1 2", "0.a1", "1-r", "1~", "1~g",
                "1-r1~ab", "1_", "é",
            ],
        );
    }
}
