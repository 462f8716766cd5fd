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
use super::num::{self, Num};

#[derive(Debug, Clone)]
pub struct GemVersion {
    segments: Box<[Seg]>,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Seg {
    // Declared first: a string is below a number. Strings compare
    // case-sensitively (bytewise), numbers numerically.
    Str(Box<str>),
    Num(Num),
}

impl GemVersion {
    pub fn parse(s: &str) -> Result<GemVersion, Refusal> {
        let t = s.trim_matches(|c: char| c.is_ascii_whitespace());
        if !t.is_empty() && !valid(t) {
            return Err("not a Gem::Version (digits, then .-separated alphanumerics)");
        }
        let t = t.replace('-', ".pre.");
        let mut segs: Vec<Seg> = num::runs(&t)
            .filter_map(|run| match run {
                num::Run::Digits(d) => Some(Seg::Num(Num::from_digits(d))),
                num::Run::Letters(l) => Some(Seg::Str(l.into())),
                num::Run::Other(_) => None,
            })
            .collect();
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
        // A missing segment counts as 0.
        num::cmp_padded(&self.segments, &other.segments, &Seg::Num(Num::ZERO))
    }
}

super::num::ord_via_cmp!(GemVersion);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::version::testing::{assert_chain, assert_refused};

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
        assert_chain(GemVersion::parse, &chain);
        assert_eq!(g("1.0"), g("1"));
        assert_eq!(g("1.0.a.2"), g("1.0.a2"));
        assert_eq!(g("1.0-1"), g("1.0.pre.1"));
        assert_eq!(g(""), g("0"));
        assert_refused(
            GemVersion::parse,
            &["junk", "1..2", "1.2 3", "v1.0", "1.0-"],
        );
    }
}
