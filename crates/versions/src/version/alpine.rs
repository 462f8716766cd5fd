//! Alpine: apk-tools' order (`src/version.c`, `apk version -t`), for
//! versions of the Gentoo-like form
//! `{number}{.number}...{letter}{_suffix{number}}...{-r{number}}`.
//!
//! Suffixes `_alpha` < `_beta` < `_pre` < `_rc` sort before the release,
//! `_cvs` < `_svn` < `_git` < `_hg` < `_p` after it; `-rN` is the package
//! revision. A component after a `.` that starts with zeros is compared by
//! the number of zeros first (`1.01 < 1.1`, `1.001 < 1.01`). The
//! tokenizer and comparison below mirror apk's `get_token`,
//! `next_token` and `apk_version_compare_blob` step for step, over tokens
//! read once at parse time. A string `apk_version_validate` rejects (an
//! upper-case letter, an unknown suffix, `-` not followed by `r`, a part
//! out of order) is refused; numbers too large for 64 bits saturate.

use std::cmp::Ordering;

use super::Refusal;

const INVALID: i8 = -1;
const DIGIT_OR_ZERO: i8 = 0;
const DIGIT: i8 = 1;
const LETTER: i8 = 2;
const SUFFIX: i8 = 3;
const SUFFIX_NO: i8 = 4;
const REVISION_NO: i8 = 5;
const END: i8 = 6;

const PRE_SUFFIXES: [&str; 4] = ["alpha", "beta", "pre", "rc"];
const POST_SUFFIXES: [&str; 5] = ["cvs", "svn", "git", "hg", "p"];

/// One `get_token` result: the token's value and the type of the next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Tok {
    value: i64,
    next: i8,
}

#[derive(Debug, Clone)]
pub struct ApkVersion {
    toks: Box<[Tok]>,
}

fn next_token(ty: &mut i8, b: &[u8], pos: &mut usize) {
    let mut n = INVALID;
    match b.get(*pos) {
        None | Some(0) => n = END,
        Some(c) if (*ty == DIGIT || *ty == DIGIT_OR_ZERO) && c.is_ascii_lowercase() => n = LETTER,
        Some(c) if *ty == LETTER && c.is_ascii_digit() => n = DIGIT,
        Some(c) if *ty == SUFFIX && c.is_ascii_digit() => n = SUFFIX_NO,
        Some(c) => {
            match c {
                b'.' => n = DIGIT_OR_ZERO,
                b'_' => n = SUFFIX,
                b'-' if b.get(*pos + 1) == Some(&b'r') => {
                    n = REVISION_NO;
                    *pos += 1;
                }
                _ => {}
            }
            *pos += 1;
        }
    }
    if n < *ty
        && !((n == DIGIT_OR_ZERO && *ty == DIGIT)
            || (n == SUFFIX && *ty == SUFFIX_NO)
            || (n == DIGIT && *ty == LETTER))
    {
        n = INVALID;
    }
    *ty = n;
}

fn get_token(ty: &mut i8, b: &[u8], pos: &mut usize) -> i64 {
    if *pos >= b.len() {
        *ty = END;
        return 0;
    }
    let mut i = *pos;
    let mut v: i64 = 0;
    let mut nt = INVALID;
    let digits = |i: &mut usize, v: &mut i64| {
        while let Some(c) = b.get(*i).filter(|c| c.is_ascii_digit()) {
            *v = v.saturating_mul(10).saturating_add(i64::from(c - b'0'));
            *i += 1;
        }
    };
    match *ty {
        DIGIT_OR_ZERO if b[i] == b'0' => {
            // Leading zeros: the more of them, the smaller.
            while b.get(i) == Some(&b'0') {
                i += 1;
            }
            nt = DIGIT;
            v = -((i - *pos) as i64);
        }
        DIGIT_OR_ZERO | DIGIT | SUFFIX_NO | REVISION_NO => digits(&mut i, &mut v),
        LETTER => {
            v = i64::from(b[i]);
            i += 1;
        }
        SUFFIX => {
            let rest = &b[i..];
            if let Some(k) = PRE_SUFFIXES
                .iter()
                .position(|s| rest.starts_with(s.as_bytes()))
            {
                v = k as i64 - PRE_SUFFIXES.len() as i64;
                i += PRE_SUFFIXES[k].len();
            } else if let Some(k) = POST_SUFFIXES
                .iter()
                .position(|s| rest.starts_with(s.as_bytes()))
            {
                v = k as i64;
                i += POST_SUFFIXES[k].len();
            } else {
                *ty = INVALID;
                return -1;
            }
        }
        _ => {
            *ty = INVALID;
            return -1;
        }
    }
    *pos = i;
    if *pos >= b.len() {
        *ty = END;
    } else if nt != INVALID {
        *ty = nt;
    } else {
        next_token(ty, b, pos);
    }
    v
}

impl ApkVersion {
    pub fn parse(s: &str) -> Result<ApkVersion, Refusal> {
        if s.is_empty() {
            return Err("empty");
        }
        if !s.bytes().all(|c| c.is_ascii_graphic()) {
            return Err("only printable ASCII");
        }
        let b = s.as_bytes();
        let mut ty = DIGIT;
        let mut pos = 0;
        let mut toks = Vec::new();
        while ty != END {
            let value = get_token(&mut ty, b, &mut pos);
            if ty == INVALID {
                return Err(
                    "not an apk version: {number}{.number}...{letter}{_suffix{number}}...{-r{number}}",
                );
            }
            toks.push(Tok { value, next: ty });
        }
        Ok(ApkVersion {
            toks: toks.into_boxed_slice(),
        })
    }
}

impl Ord for ApkVersion {
    fn cmp(&self, other: &ApkVersion) -> Ordering {
        // apk_version_compare_blob_fuzzy(a, b, fuzzy = false).
        let (a, b) = (&self.toks, &other.toks);
        let (mut at, mut bt) = (DIGIT, DIGIT);
        let (mut av, mut bv) = (0i64, 0i64);
        let mut k = 0;
        while at == bt && at != END && av == bv {
            // Both lists end with a token whose `next` is END, so index k
            // exists on both sides while neither has reached END.
            let (Some(x), Some(y)) = (a.get(k), b.get(k)) else {
                break;
            };
            (av, at) = (x.value, x.next);
            (bv, bt) = (y.value, y.next);
            k += 1;
        }
        if av != bv {
            return av.cmp(&bv);
        }
        if at == bt {
            return Ordering::Equal;
        }
        // Equal so far: the longer one is newer unless what follows is a
        // pre-release suffix.
        if at == SUFFIX && a.get(k).is_some_and(|t| t.value < 0) {
            return Ordering::Less;
        }
        if bt == SUFFIX && b.get(k).is_some_and(|t| t.value < 0) {
            return Ordering::Greater;
        }
        if at > bt {
            return Ordering::Less;
        }
        Ordering::Greater
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
        // apk-tools test/version.data and the APKBUILD reference's suffixes.
        let chain = [
            "1.2_alpha1",
            "1.2_beta2",
            "1.2_pre1",
            "1.2_rc1",
            "1.2",
            "1.2-r1",
            "1.2_cvs1",
            "1.2_svn1",
            "1.2_git1",
            "1.2_hg1",
            "1.2_p1",
            "1.2a",
            "1.2.1",
            "1.10",
        ];
        assert_chain(ApkVersion::parse, &chain);
        assert!(a("1.01") < a("1.1"));
        assert_eq!(a("1-r01"), a("1-r1"));
        assert_refused(
            ApkVersion::parse,
            &["", "1-ruff", "1.2_blah", "1.2.0A", "1-x", "1 2"],
        );
    }
}
