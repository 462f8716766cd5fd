//! Debian and Ubuntu: dpkg's order (Debian Policy 5.6.12, dpkg's
//! `lib/dpkg/version.c` and `parsehelp.c`).
//!
//! `[epoch:]upstream_version[-debian_revision]`: the epoch is the digits
//! before the first `:` (0 if absent), the revision what follows the last
//! `-` (none is the same as `0`). Refused, as `dpkg` refuses them: an empty
//! version, white space, a non-numeric or oversized epoch, nothing after
//! the colon, an empty revision, and characters outside `[A-Za-z0-9.+~-:]`
//! in the upstream version or `[A-Za-z0-9.+~]` in the revision. An upstream
//! version that does not start with a digit is taken, as dpkg only warns.
//!
//! Each part compares as alternating runs of non-digits and digits: the
//! non-digits character by character with `~` below everything (even the
//! end of the string), then letters, then other characters; the digits
//! numerically.

use std::cmp::Ordering;

use super::Refusal;
use super::num::{self, Num};

#[derive(Debug, Clone)]
pub struct DpkgVersion {
    epoch: u32,
    upstream: Segments,
    revision: Segments,
}

/// A string as (non-digit run, digit run) pairs.
#[derive(Debug, Clone)]
struct Segments(Box<[(Box<[i32]>, Num)]>);

/// dpkg's `order()`: the weight of one non-digit character.
fn order(c: u8) -> i32 {
    match c {
        b'~' => -1,
        c if c.is_ascii_alphabetic() => i32::from(c),
        c => i32::from(c) + 256,
    }
}

impl Segments {
    fn new(s: &str) -> Segments {
        let b = s.as_bytes();
        let mut out = Vec::new();
        let mut i = 0;
        while i < b.len() {
            let start = i;
            while i < b.len() && !b[i].is_ascii_digit() {
                i += 1;
            }
            let text: Box<[i32]> = b[start..i].iter().map(|&c| order(c)).collect();
            let dstart = i;
            while i < b.len() && b[i].is_ascii_digit() {
                i += 1;
            }
            out.push((text, Num::from_digits(&s[dstart..i])));
        }
        Segments(out.into_boxed_slice())
    }
}

fn cmp_text(a: &[i32], b: &[i32]) -> Ordering {
    // The end of a run weighs 0: below letters, above `~`.
    num::cmp_padded(a, b, &0)
}

impl Ord for Segments {
    fn cmp(&self, other: &Segments) -> Ordering {
        // A missing segment is an empty non-digit run and the number 0.
        let empty = (Box::default(), Num::ZERO);
        num::cmp_padded_by(&self.0, &other.0, &empty, |(at, an), (bt, bn)| {
            cmp_text(at, bt).then_with(|| an.cmp(bn))
        })
    }
}

super::num::ord_via_cmp!(Segments);

impl DpkgVersion {
    pub fn parse(s: &str) -> Result<DpkgVersion, Refusal> {
        let s = s.trim();
        if s.is_empty() {
            return Err("version string is empty");
        }
        if s.bytes().any(|b| b.is_ascii_whitespace()) {
            return Err("version string has embedded spaces");
        }
        let (epoch, rest) = match s.split_once(':') {
            Some((e, rest)) => {
                if e.is_empty() || !e.bytes().all(|b| b.is_ascii_digit()) {
                    return Err("epoch in version is not a number");
                }
                let e: u32 = e
                    .parse()
                    .ok()
                    .filter(|&e| e <= i32::MAX as u32)
                    .ok_or("epoch in version is too big")?;
                if rest.is_empty() {
                    return Err("nothing after colon in version number");
                }
                (e, rest)
            }
            None => (0, s),
        };
        let (upstream, revision) = match rest.rsplit_once('-') {
            Some((_, "")) => return Err("revision number is empty"),
            Some((u, r)) => (u, r),
            None => (rest, ""),
        };
        if upstream.is_empty() {
            return Err("version number is empty");
        }
        if !upstream
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b".-+~:".contains(&b))
        {
            return Err("invalid character in version number");
        }
        if !revision
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b".+~".contains(&b))
        {
            return Err("invalid character in revision number");
        }
        Ok(DpkgVersion {
            epoch,
            upstream: Segments::new(upstream),
            revision: Segments::new(revision),
        })
    }
}

impl Ord for DpkgVersion {
    fn cmp(&self, other: &DpkgVersion) -> Ordering {
        self.epoch
            .cmp(&other.epoch)
            .then_with(|| self.upstream.cmp(&other.upstream))
            .then_with(|| self.revision.cmp(&other.revision))
    }
}

super::num::ord_via_cmp!(DpkgVersion);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::version::testing::{assert_chain, assert_refused};

    fn d(s: &str) -> DpkgVersion {
        DpkgVersion::parse(s).unwrap()
    }

    #[test]
    fn policy_examples() {
        // Debian Policy 5.6.12: "~~ < ~~a < ~ < (empty) < a".
        let chain = ["1.0~~", "1.0~~a", "1.0~", "1.0", "1.0a"];
        assert_chain(DpkgVersion::parse, &chain);
        assert!(d("1.2.3-1~deb7u1") < d("1.2.3-1"));
        assert!(d("1:0.1") > d("9.9"));
        assert_eq!(d("1.0"), d("1.0-0"));
        assert_eq!(d("0:1.0"), d("1.0"));
        assert!(d("1.0-1+b1") > d("1.0-1"));
        assert!(d("1.10") > d("1.9"));
        assert_refused(
            DpkgVersion::parse,
            &[
                "",
                "a:1",
                "1:",
                "1.0-",
                "1 0",
                "1.0_1",
                "1.0-a:b",
                "99999999999:1",
            ],
        );
    }
}
