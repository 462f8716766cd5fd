//! Which order a CVE record's `versionType` names, and comparisons under it.
//!
//! A `versionType` that names an ecosystem `bulwark-versions` knows
//! (`semver`, `maven`, `python`, `rpm`, …) is compared under that
//! ecosystem's rules. `custom`, or no `versionType` at all (the CVE schema
//! requires one for ranges, yet many records leave it out), is compared as
//! *dotted numbers* ([`Dotted`]), the numbering most appliance and
//! commercial software versions follow. Any other type (`git`, `patch`,
//! `original_commit_for_fix`, a version string written into the type) has
//! no order here: its ranges are not compared, the verdict is unknown.

use std::cmp::Ordering;

use bulwark_versions::{Ecosystem, Version};

/// The order a range is compared under.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Order {
    Ecosystem(Ecosystem),
    /// `custom` or unspecified: [`Dotted`].
    Dotted,
}

impl Order {
    /// The order `versionType` names, or why none.
    pub fn of(version_type: Option<&str>) -> Result<Order, String> {
        let Some(t) = version_type.map(str::trim) else {
            return Ok(Order::Dotted);
        };
        let lower = t.to_ascii_lowercase();
        let eco = match lower.as_str() {
            "" | "custom" => return Ok(Order::Dotted),
            // npm's reading of SemVer: a leading `v` is allowed, as
            // advisories write it.
            "semver" => Ecosystem::Npm,
            "python" | "pep440" | "pypi" => Ecosystem::PyPI,
            "maven" => Ecosystem::Maven,
            "rpm" => Ecosystem::Rpm,
            "deb" | "dpkg" | "debian" => Ecosystem::Debian,
            "apk" | "alpine" => Ecosystem::Alpine,
            "nuget" => Ecosystem::NuGet,
            "gem" | "rubygems" => Ecosystem::RubyGems,
            "composer" | "packagist" => Ecosystem::Packagist,
            "go" | "golang" => Ecosystem::Go,
            "npm" => Ecosystem::Npm,
            "cargo" | "crates.io" => Ecosystem::CratesIo,
            _ => match Ecosystem::from_osv(t) {
                // Generic is a fallback asked for by name, never a guess.
                Ok(e) if e != Ecosystem::Generic => e,
                _ => return Err(format!("versionType {t:?} has no version order known here")),
            },
        };
        Ok(Order::Ecosystem(eco))
    }

    /// Compares `a` with `b`, or says why they cannot be compared.
    pub fn cmp(self, a: &str, b: &str) -> Result<Ordering, String> {
        match self {
            Order::Ecosystem(e) => {
                let a = Version::parse(e, a.trim()).map_err(|err| err.to_string())?;
                let b = Version::parse(e, b.trim()).map_err(|err| err.to_string())?;
                Ok(a.cmp(&b))
            }
            Order::Dotted => Ok(Dotted::parse(a)?.cmp(&Dotted::parse(b)?)),
        }
    }

    /// `v < bound`, or `v <= bound` when `inclusive`. A bound `*` is
    /// unbounded; a bound ending in `*` (`1.*`, `1.2.*`) stands for an
    /// arbitrarily large number at that place (CVE schema, `lessThan`): `v`
    /// is below it when its leading dotted segments are at most the
    /// prefix's.
    pub fn below(self, v: &str, bound: &str, inclusive: bool) -> Result<bool, String> {
        let bound = bound.trim();
        if let Some(prefix) = bound.strip_suffix('*') {
            let prefix = prefix.trim_end_matches('.');
            if prefix.is_empty() {
                return Ok(true);
            }
            let p = Dotted::parse(prefix)?;
            let v = Dotted::parse(v)?;
            return Ok(v.cmp_prefix(&p) != Ordering::Greater);
        }
        let ord = self.cmp(v, bound)?;
        Ok(ord == Ordering::Less || (inclusive && ord == Ordering::Equal))
    }

    /// Words for an explanation.
    pub fn describe(self) -> String {
        match self {
            Order::Ecosystem(e) => format!("{e} order"),
            Order::Dotted => "dotted numbers".to_owned(),
        }
    }
}

/// A version compared as dotted numbers: split at `.`, segments of digits
/// compared as numbers, any other segment compared as lowercase text
/// (against a number too), a missing segment counting as `0`
/// (`1.0 == 1.0.0`). A leading `v` before a digit is dropped (`V7.2.60.0`).
/// Refused, rather than guessed at: text with no digit (`n/a`,
/// `unspecified`), white space (`before 2.3`, `2.3 SP1`) and comparison
/// signs or wildcards (`<2.3`, `2.x*`).
#[derive(Debug, Clone)]
pub struct Dotted {
    segments: Vec<Segment>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    /// Digits without leading zeros (so any length compares).
    Num(String),
    Text(String),
}

impl Dotted {
    pub fn parse(s: &str) -> Result<Dotted, String> {
        let s = s.trim();
        if !s.bytes().any(|b| b.is_ascii_digit()) {
            return Err(format!("{s:?} has no digit to compare"));
        }
        if let Some(c) = s
            .chars()
            .find(|c| c.is_whitespace() || c.is_control() || "<>=*,;".contains(*c))
        {
            return Err(format!("{s:?} contains {c:?}: not a single version"));
        }
        let s = match s.as_bytes() {
            [b'v' | b'V', d, ..] if d.is_ascii_digit() => &s[1..],
            _ => s,
        };
        let segments = s
            .split('.')
            .map(|seg| {
                if !seg.is_empty() && seg.bytes().all(|b| b.is_ascii_digit()) {
                    let digits = seg.trim_start_matches('0');
                    Segment::Num(if digits.is_empty() { "0" } else { digits }.to_owned())
                } else {
                    Segment::Text(seg.to_lowercase())
                }
            })
            .collect();
        Ok(Dotted { segments })
    }

    /// Compares only as many leading segments as `prefix` has.
    fn cmp_prefix(&self, prefix: &Dotted) -> Ordering {
        let n = prefix.segments.len();
        let head = Dotted {
            segments: self.segments.iter().take(n).cloned().collect(),
        };
        head.cmp(prefix)
    }
}

static ZERO: Segment = Segment::Num(String::new());

fn cmp_segment(a: &Segment, b: &Segment) -> Ordering {
    match (a, b) {
        (Segment::Num(x), Segment::Num(y)) => {
            let (x, y) = (x.trim_start_matches('0'), y.trim_start_matches('0'));
            x.len().cmp(&y.len()).then_with(|| x.cmp(y))
        }
        (Segment::Num(x), Segment::Text(y)) => x.as_str().cmp(y.as_str()),
        (Segment::Text(x), Segment::Num(y)) => x.as_str().cmp(y.as_str()),
        (Segment::Text(x), Segment::Text(y)) => x.cmp(y),
    }
}

impl Ord for Dotted {
    fn cmp(&self, other: &Dotted) -> Ordering {
        let n = self.segments.len().max(other.segments.len());
        for i in 0..n {
            let a = self.segments.get(i).unwrap_or(&ZERO);
            let b = other.segments.get(i).unwrap_or(&ZERO);
            let ord = cmp_segment(a, b);
            if ord != Ordering::Equal {
                return ord;
            }
        }
        Ordering::Equal
    }
}

// Equality is the order's (`1.0 == 1.0.0`), not the segments'.
impl PartialEq for Dotted {
    fn eq(&self, other: &Dotted) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Dotted {}

impl PartialOrd for Dotted {
    fn partial_cmp(&self, other: &Dotted) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
