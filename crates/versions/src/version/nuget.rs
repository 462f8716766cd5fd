//! NuGet: `NuGet.Versioning.NuGetVersion` and its default `VersionComparer`
//! (<https://learn.microsoft.com/nuget/concepts/package-versioning>).
//!
//! `Major[.Minor[.Patch[.Revision]]][-label(.label)*][+metadata]`: one to
//! four numeric parts, each a 32-bit integer (leading zeros allowed and
//! ignored; missing parts are 0); labels of `[0-9A-Za-z-]`. Order: the
//! numeric parts, then a release above any pre-release, then labels one by
//! one (numbers numerically and below text, text case-insensitively),
//! fewer labels first. Metadata is ignored.

use std::cmp::Ordering;

use super::Refusal;

#[derive(Debug, Clone)]
pub struct NuGetVersion {
    parts: [u32; 4],
    labels: Box<[Label]>,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Label {
    // Declared first: numeric labels sort below text ones.
    Num(u64),
    /// Kept lower-cased: NuGet compares labels ignoring case.
    Text(Box<str>),
}

fn ident_ok(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

impl NuGetVersion {
    pub fn parse(s: &str) -> Result<NuGetVersion, Refusal> {
        let s = s.trim();
        let (rest, meta) = match s.split_once('+') {
            Some((r, m)) => (r, Some(m)),
            None => (s, None),
        };
        if meta.is_some_and(|m| !m.split('.').all(ident_ok)) {
            return Err("metadata must be dot-separated [0-9A-Za-z-] identifiers");
        }
        let (core, pre) = match rest.split_once('-') {
            Some((c, p)) => (c, Some(p)),
            None => (rest, None),
        };
        let nums: Vec<&str> = core.split('.').collect();
        if nums.is_empty() || nums.len() > 4 {
            return Err("one to four numeric parts");
        }
        let mut parts = [0u32; 4];
        for (slot, n) in parts.iter_mut().zip(&nums) {
            if n.is_empty() || !n.bytes().all(|b| b.is_ascii_digit()) {
                return Err("numeric parts must be digits");
            }
            *slot = n
                .parse()
                .map_err(|_| "numeric part larger than a 32-bit integer")?;
        }
        let mut labels = Vec::new();
        if let Some(pre) = pre {
            for l in pre.split('.') {
                if !ident_ok(l) {
                    return Err("pre-release labels must be dot-separated [0-9A-Za-z-]");
                }
                labels.push(match l.parse::<u64>() {
                    Ok(n) if l.bytes().all(|b| b.is_ascii_digit()) => Label::Num(n),
                    _ => Label::Text(l.to_ascii_lowercase().into()),
                });
            }
        }
        Ok(NuGetVersion {
            parts,
            labels: labels.into_boxed_slice(),
        })
    }
}

impl Ord for NuGetVersion {
    fn cmp(&self, other: &NuGetVersion) -> Ordering {
        // A release above any pre-release; labels one by one, fewer first.
        self.parts
            .cmp(&other.parts)
            .then_with(|| super::num::cmp_pre_release(&self.labels, &other.labels))
    }
}

super::num::ord_via_cmp!(NuGetVersion);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::version::testing::{assert_chain, assert_refused};

    fn n(s: &str) -> NuGetVersion {
        NuGetVersion::parse(s).unwrap()
    }

    #[test]
    fn documented_precedence() {
        // Microsoft's "Package versioning" page: pre-release ordering example.
        let chain = [
            "1.0.0-alpha",
            "1.0.0-alpha.1",
            "1.0.0-alpha.beta",
            "1.0.0-beta",
            "1.0.0-beta.2",
            "1.0.0-beta.11",
            "1.0.0-rc.1",
            "1.0.0",
            "1.0.0.1",
        ];
        assert_chain(NuGetVersion::parse, &chain);
        assert_eq!(n("1.0"), n("1.0.0.0"));
        assert_eq!(n("1.0.01"), n("1.0.1"));
        assert_eq!(n("1.0.0-BETA"), n("1.0.0-beta+meta"));
        assert_refused(
            NuGetVersion::parse,
            &["", "1.0.0.0.0", "v1.0", "1.0-", "1..0", "4294967296.0"],
        );
    }
}
