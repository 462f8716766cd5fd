//! CVSS v3.0, v3.1 and v4.0 scores.
//!
//! v3.x parsing and the base and environmental equations come from
//! RustSec's `cvss` crate; it scores every vector of the shared reference
//! sets exactly. v4.0 is scored by our own [`v4`] module (the crate's v4.0
//! path allocated and split strings per vector and was ~5× slower than
//! v3.x; see there), checked against the crate and the shared vectors.
//! Ours besides:
//!
//! - a strict syntax check first: the crate upper-cases what it reads and
//!   gives a v3 vector without, say, `AV` a score computed as if `AV` were
//!   0, where the specification says such a string is not a vector;
//! - the v3 temporal score, which the crate does not compute;
//! - the v4.0 nomenclature, where a metric set to `X` (Not Defined) does not
//!   count as used (the crate counts `E:X` as a threat metric), following
//!   the specification: the label tells which metrics produced the score.

use std::fmt;
use std::str::FromStr;

use serde::Serialize;

#[cfg(test)]
mod crate_parity;
pub mod v4;

/// A vector that is not CVSS v3.0, v3.1 or v4.0, or not well formed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CvssError {
    #[error("empty vector")]
    Empty,
    #[error("CVSS v2 vectors are not supported (no `CVSS:3.x/` or `CVSS:4.0/` prefix)")]
    V2,
    #[error("unsupported CVSS version `{0}` (3.0, 3.1 and 4.0 are)")]
    UnsupportedVersion(String),
    #[error("not a CVSS vector: it must start with `CVSS:3.0/`, `CVSS:3.1/` or `CVSS:4.0/`")]
    Prefix,
    #[error("malformed component `{0}` (expected METRIC:VALUE in capitals)")]
    Component(String),
    #[error("metric `{0}` appears twice")]
    Duplicate(String),
    #[error("mandatory base metric `{0}` is missing")]
    Missing(&'static str),
    #[error("{0}")]
    Invalid(String),
}

/// The CVSS version a vector states.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum Version {
    #[serde(rename = "3.0")]
    V3_0,
    #[serde(rename = "3.1")]
    V3_1,
    #[serde(rename = "4.0")]
    V4_0,
}

impl Version {
    pub fn as_str(self) -> &'static str {
        match self {
            Version::V3_0 => "3.0",
            Version::V3_1 => "3.1",
            Version::V4_0 => "4.0",
        }
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Qualitative severity; the bands are the same in v3.x and v4.0.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    None,
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    /// The band a score (0.0–10.0, one decimal) falls in.
    pub fn of(score: f64) -> Severity {
        if score < 0.1 {
            Severity::None
        } else if score < 4.0 {
            Severity::Low
        } else if score < 7.0 {
            Severity::Medium
        } else if score < 9.0 {
            Severity::High
        } else {
            Severity::Critical
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::None => "none",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a score measures. v3.x scores here are always base scores; a v4.0
/// score is labelled by the metric groups its vector uses (CVSS v4.0 §1.3),
/// because a CVSS-BTE 6.1 and a CVSS-B 6.1 do not mean the same thing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum Kind {
    #[serde(rename = "base")]
    Base,
    #[serde(rename = "CVSS-B")]
    CvssB,
    #[serde(rename = "CVSS-BT")]
    CvssBT,
    #[serde(rename = "CVSS-BE")]
    CvssBE,
    #[serde(rename = "CVSS-BTE")]
    CvssBTE,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Base => "base",
            Kind::CvssB => "CVSS-B",
            Kind::CvssBT => "CVSS-BT",
            Kind::CvssBE => "CVSS-BE",
            Kind::CvssBTE => "CVSS-BTE",
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A scored vector.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Score {
    /// The vector as written (surrounding whitespace removed, nothing else
    /// changed), so that it can be matched against the source.
    pub vector: String,
    pub version: Version,
    /// 0.0–10.0, one decimal.
    pub score: f64,
    pub severity: Severity,
    pub kind: Kind,
}

/// The three v3.x scores. Absent temporal or environmental metrics count as
/// Not Defined, as in the specification's equations, so `temporal` equals
/// `base` for a vector without temporal metrics.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct V3Scores {
    pub base: f64,
    pub temporal: f64,
    pub environmental: f64,
}

/// A score stated by a source next to its vector, checked against the
/// vector. Sources often state a temporal or environmental score, or a score
/// from an older calculator, as the "base score"; this says so.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ScoreCheck {
    pub computed: f64,
    pub stated: f64,
    pub mismatch: bool,
}

const V3_BASE: [&str; 8] = ["AV", "AC", "PR", "UI", "S", "C", "I", "A"];
const V3_TEMPORAL: [&str; 3] = ["E", "RL", "RC"];

/// `(metric, value)` pairs, in vector order.
type Components<'a> = Vec<(&'a str, &'a str)>;

/// Splits `CVSS:x.y/...` into its version and components, checking the
/// syntax the `cvss` crate lets through.
fn split(vector: &str) -> Result<(Version, Components<'_>), CvssError> {
    let (version, rest) = head(vector)?;
    let mut components: Components<'_> = Vec::with_capacity(12);
    for c in rest.split('/') {
        let (name, value) = component(c)?;
        if components.iter().any(|(n, _)| *n == name) {
            return Err(CvssError::Duplicate(name.to_owned()));
        }
        components.push((name, value));
    }
    if matches!(version, Version::V3_0 | Version::V3_1) {
        for m in V3_BASE {
            if !components.iter().any(|(n, _)| *n == m) {
                return Err(CvssError::Missing(m));
            }
        }
    }
    Ok((version, components))
}

/// The version of `CVSS:x.y/...` and what follows its first `/`.
fn head(vector: &str) -> Result<(Version, &str), CvssError> {
    if vector.is_empty() {
        return Err(CvssError::Empty);
    }
    let (head, rest) = match vector.split_once('/') {
        Some(parts) => parts,
        None => (vector, ""),
    };
    let version = match head.strip_prefix("CVSS:") {
        Some("3.0") => Version::V3_0,
        Some("3.1") => Version::V3_1,
        Some("4.0") => Version::V4_0,
        Some(other) => return Err(CvssError::UnsupportedVersion(other.to_owned())),
        // v2 vectors have no prefix and start with `AV:`.
        None if head.starts_with("AV:") => return Err(CvssError::V2),
        None => return Err(CvssError::Prefix),
    };
    Ok((version, rest))
}

/// One `METRIC:VALUE` component, in capitals.
fn component(c: &str) -> Result<(&str, &str), CvssError> {
    c.split_once(':')
        .filter(|(n, v)| upper(n) && (upper(v) || provider_urgency(n, v)))
        .ok_or_else(|| CvssError::Component(c.to_owned()))
}

/// v4.0's supplemental Provider Urgency is the one metric whose values are
/// words, not capitals.
fn provider_urgency(name: &str, value: &str) -> bool {
    name == "U" && matches!(value, "Clear" | "Green" | "Amber" | "Red")
}

fn upper(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_uppercase())
}

/// Rounds away float noise (`7.300000000000001`) to the one decimal every
/// CVSS score has.
fn one_decimal(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

/// CVSS v3.1 Appendix A "Roundup": the smallest one-decimal number not
/// below `x`, computed on integers so that 4.000000000000001 stays 4.0.
/// v3.0 defined it as a plain ceiling to one decimal.
fn roundup(x: f64, version: Version) -> f64 {
    if version == Version::V3_0 {
        return (x * 10.0).ceil() / 10.0;
    }
    let i = (x * 100_000.0).round() as i64;
    if i % 10_000 == 0 {
        i as f64 / 100_000.0
    } else {
        ((i / 10_000) + 1) as f64 / 10.0
    }
}

fn parse_v3(vector: &str) -> Result<cvss::v3::Vector, CvssError> {
    cvss::v3::Vector::from_str(vector).map_err(|e| CvssError::Invalid(e.to_string()))
}

/// Parses and scores a v3.0, v3.1 or v4.0 vector (the base score for v3.x,
/// the score the vector's metrics imply for v4.0).
pub fn score(vector: &str) -> Result<Score, CvssError> {
    let vector = vector.trim();
    let (value, kind, version) = match head(vector)? {
        (Version::V4_0, rest) => {
            let s = v4::score_components(rest)?;
            (s.score, s.kind, Version::V4_0)
        }
        _ => {
            let (version, _) = split(vector)?;
            let value = one_decimal(parse_v3(vector)?.base_score().value());
            (value, Kind::Base, version)
        }
    };
    Ok(Score {
        vector: vector.to_owned(),
        version,
        score: value,
        severity: Severity::of(value),
        kind,
    })
}

/// Base, temporal and environmental scores of a v3.0 or v3.1 vector.
pub fn v3_scores(vector: &str) -> Result<V3Scores, CvssError> {
    let vector = vector.trim();
    let (version, components) = split(vector)?;
    if version == Version::V4_0 {
        return Err(CvssError::UnsupportedVersion(
            "4.0 (v3 scores asked for)".into(),
        ));
    }
    let v = parse_v3(vector)?;
    let base = one_decimal(v.base_score().value());
    // CVSS v3.1 §7.2: Roundup(Base × E × RL × RC); X weighs 1.
    let mut factor = 1.0;
    for (name, value) in components.iter().filter(|(n, _)| V3_TEMPORAL.contains(n)) {
        factor *= match (*name, *value) {
            ("E", "U") => 0.91,
            ("E", "P") => 0.94,
            ("E", "F") => 0.97,
            ("RL", "O") => 0.95,
            ("RL", "T") => 0.96,
            ("RL", "W") => 0.97,
            ("RC", "U") => 0.92,
            ("RC", "R") => 0.96,
            _ => 1.0,
        };
    }
    let temporal = one_decimal(roundup(base * factor, version));
    let environmental = one_decimal(v.environmental_score().value());
    Ok(V3Scores {
        base,
        temporal,
        environmental,
    })
}

/// Compares a source's stated score with the vector's computed score (the
/// one [`score`] gives), to one decimal.
pub fn check(vector: &str, stated: f64) -> Result<ScoreCheck, CvssError> {
    let computed = score(vector)?.score;
    Ok(ScoreCheck {
        computed,
        stated,
        mismatch: (computed - one_decimal(stated)).abs() > 1e-9,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scores_each_version() {
        let s = score("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H").unwrap();
        assert_eq!(
            (s.version, s.score, s.severity),
            (Version::V3_1, 9.8, Severity::Critical)
        );
        assert_eq!(s.kind, Kind::Base);
        let s = score("CVSS:3.0/AV:L/AC:L/PR:L/UI:N/S:U/C:N/I:N/A:N").unwrap();
        assert_eq!((s.score, s.severity), (0.0, Severity::None));
        let s = score("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N").unwrap();
        assert_eq!(
            (s.version, s.score, s.kind),
            (Version::V4_0, 9.3, Kind::CvssB)
        );
    }

    #[test]
    fn v4_kind_follows_the_metrics_used() {
        let b = "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N";
        assert_eq!(score(&format!("{b}/E:A")).unwrap().kind, Kind::CvssBT);
        assert_eq!(score(&format!("{b}/CR:H")).unwrap().kind, Kind::CvssBE);
        assert_eq!(
            score(&format!("{b}/E:P/MAV:L")).unwrap().kind,
            Kind::CvssBTE
        );
        // Not Defined is not a metric used; supplemental metrics don't count.
        assert_eq!(
            score(&format!("{b}/E:X/CR:X/AU:Y")).unwrap().kind,
            Kind::CvssB
        );
    }

    #[test]
    fn refuses_what_is_not_a_vector() {
        assert_eq!(score(""), Err(CvssError::Empty));
        assert_eq!(score("AV:N/AC:L/Au:N/C:P/I:P/A:P"), Err(CvssError::V2));
        assert!(matches!(
            score("CVSS:2.0/AV:N"),
            Err(CvssError::UnsupportedVersion(_))
        ));
        assert_eq!(score("hello"), Err(CvssError::Prefix));
        // The crate alone would score these.
        assert_eq!(
            score("CVSS:3.1/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"),
            Err(CvssError::Missing("AV"))
        );
        assert!(matches!(
            score("CVSS:3.1/av:n/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"),
            Err(CvssError::Component(_))
        ));
        assert!(matches!(
            score("CVSS:3.1/AV:N/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"),
            Err(CvssError::Duplicate(_))
        ));
        assert!(matches!(
            score("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/"),
            Err(CvssError::Component(_))
        ));
        assert!(matches!(
            score("CVSS:3.1/AV:Q/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"),
            Err(CvssError::Invalid(_))
        ));
        assert!(score("CVSS:4.0/AV:N/AC:L").is_err());
    }

    #[test]
    fn roundup_follows_appendix_a() {
        assert_eq!(roundup(4.000_000_000_000_001, Version::V3_1), 4.0);
        assert_eq!(roundup(4.02, Version::V3_1), 4.1);
        assert_eq!(roundup(4.0, Version::V3_0), 4.0);
        assert_eq!(roundup(4.01, Version::V3_0), 4.1);
    }

    #[test]
    fn temporal_score() {
        // NVD's CVE-2022-35849: base 7.8, temporal 7.4.
        let s = v3_scores("CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H/E:P/RL:U/RC:C").unwrap();
        assert_eq!((s.base, s.temporal), (7.8, 7.4));
    }

    #[test]
    fn check_reports_a_mismatch() {
        let v = "CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H/E:P/RL:U/RC:C";
        assert_eq!(
            check(v, 7.4).unwrap(),
            ScoreCheck {
                computed: 7.8,
                stated: 7.4,
                mismatch: true
            }
        );
        assert!(!check(v, 7.8).unwrap().mismatch);
    }
}
