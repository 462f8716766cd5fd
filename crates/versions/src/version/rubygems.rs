//! RubyGems: `Gem::Version` (<https://guides.rubygems.org/patterns/#semantic-versioning>,
//! `lib/rubygems/version.rb`).
//!
//! Valid strings match `Gem::Version::ANCHORED_VERSION_PATTERN`:
//! `\A\s*([0-9]+(?>\.[0-9a-zA-Z]+)*(-[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?)?\s*\z`
//! (a blank string is version 0). A `-` reads as `.pre.`. The segments are
//! the runs of digits and of letters; any letter makes a pre-release.
//! Order: the "canonical segments" (trailing zeros dropped from the
//! numeric part and from the part after the first letter), compared one
//! by one, a missing segment counting as 0; a number is above a string,
//! strings compare case-sensitively.

use std::cmp::Ordering;

use super::Refusal;
use super::num::Num;

#[derive(Debug, Clone)]
pub struct GemVersion {
    segments: Box<[Seg]>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Seg {
    Num(Num),
    Str(Box<str>),
}

impl GemVersion {
    pub fn parse(s: &str) -> Result<GemVersion, Refusal> {
        let t = s.trim_matches(|c: char| c.is_ascii_whitespace());
        if !t.is_empty() && !valid(t) {
            return Err("not a Gem::Version (digits, then .-separated alphanumerics)");
        }
        let t = t.replace('-', ".pre.");
        let mut segs = Vec::new();
        let b = t.as_bytes();
        let mut i = 0;
        while i < b.len() {
            let start = i;
            if b[i].is_ascii_digit() {
                while i < b.len() && b[i].is_ascii_digit() {
                    i += 1;
                }
                segs.push(Seg::Num(Num::from_digits(&t[start..i])));
            } else if b[i].is_ascii_alphabetic() {
                while i < b.len() && b[i].is_ascii_alphabetic() {
                    i += 1;
                }
                segs.push(Seg::Str(t[start..i].into()));
            } else {
                i += 1;
            }
        }
        // canonical_segments: split at the first string, drop trailing
        // zeros from each half, join.
        let split = segs
            .iter()
            .position(|s| matches!(s, Seg::Str(_)))
            .unwrap_or(segs.len());
        let mut tail = segs.split_off(split);
        let zero = |s: &Seg| matches!(s, Seg::Num(n) if n.is_zero());
        while segs.last().is_some_and(zero) {
            segs.pop();
        }
        while tail.last().is_some_and(zero) {
            tail.pop();
        }
        segs.extend(tail);
        Ok(GemVersion {
            segments: segs.into_boxed_slice(),
        })
    }
}

/// `ANCHORED_VERSION_PATTERN` without the surrounding white space.
fn valid(t: &str) -> bool {
    let (main, pre) = match t.split_once('-') {
        Some((m, p)) => (m, Some(p)),
        None => (t, None),
    };
    let mut parts = main.split('.');
    let first_ok = parts
        .next()
        .is_some_and(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
    first_ok
        && parts.all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_alphanumeric()))
        && pre.is_none_or(|p| {
            p.split('.')
                .all(|q| !q.is_empty() && q.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'))
        })
}

impl Ord for GemVersion {
    fn cmp(&self, other: &GemVersion) -> Ordering {
        let zero = Seg::Num(Num::ZERO);
        for i in 0..self.segments.len().max(other.segments.len()) {
            let a = self.segments.get(i).unwrap_or(&zero);
            let b = other.segments.get(i).unwrap_or(&zero);
            let o = match (a, b) {
                (Seg::Num(x), Seg::Num(y)) => x.cmp(y),
                (Seg::Str(x), Seg::Str(y)) => x.cmp(y),
                (Seg::Str(_), Seg::Num(_)) => Ordering::Less,
                (Seg::Num(_), Seg::Str(_)) => Ordering::Greater,
            };
            if o != Ordering::Equal {
                return o;
            }
        }
        Ordering::Equal
    }
}

super::num::ord_via_cmp!(GemVersion);

#[cfg(test)]
mod tests {
    use super::*;

    fn g(s: &str) -> GemVersion {
        GemVersion::parse(s).unwrap()
    }

    #[test]
    fn gem_version_docs() {
        // Gem::Version's documentation: pre-releases sort before releases.
        let chain = [
            "1.0.a",
            "1.0.a2",
            "1.0.b1",
            "1.0",
            "1.0.1",
            "1.1",
            "2.0.0.rc1",
            "2.0.0",
        ];
        for w in chain.windows(2) {
            assert!(g(w[0]) < g(w[1]), "{} < {}", w[0], w[1]);
        }
        assert_eq!(g("1.0"), g("1"));
        assert_eq!(g("1.0.a.2"), g("1.0.a2"));
        assert_eq!(g("1.0-1"), g("1.0.pre.1"));
        assert_eq!(g(""), g("0"));
        for bad in ["junk", "1..2", "1.2 3", "v1.0", "1.0-"] {
            assert!(GemVersion::parse(bad).is_err(), "{bad}");
        }
    }
}
