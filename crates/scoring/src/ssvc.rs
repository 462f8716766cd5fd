//! CISA's SSVC decision tree (the "CISA Coordinator" tree, v2.0.3), as a
//! table: 3 × 2 × 2 × 3 = 36 rows, each written out, so that the code reads
//! like CISA's published table and can be checked against it row by row.

use std::fmt;
use std::str::FromStr;

use serde::Serialize;

/// A raw decision-point value Bulwark does not recognise.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {point} value `{value}` (expected {expected})")]
pub struct SsvcError {
    pub point: &'static str,
    pub value: String,
    pub expected: &'static str,
}

/// Lower-cases and folds `_`, `-` and runs of spaces to one space, so that
/// `Public PoC`, `public_poc` and ` public  poc ` read alike.
fn normalise(raw: &str) -> String {
    raw.split(|c: char| c.is_whitespace() || c == '_' || c == '-')
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
        .to_ascii_lowercase()
}

/// The present state of exploitation (SSVC Exploitation 1.1.0).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Exploitation {
    None,
    /// A public proof of concept, or a well-known method of exploitation.
    #[serde(rename = "poc")]
    PublicPoc,
    Active,
}

impl FromStr for Exploitation {
    type Err = SsvcError;
    fn from_str(raw: &str) -> Result<Self, SsvcError> {
        match normalise(raw).as_str() {
            "none" | "n" => Ok(Self::None),
            "poc" | "public poc" | "publicpoc" | "p" => Ok(Self::PublicPoc),
            "active" | "a" => Ok(Self::Active),
            _ => Err(SsvcError {
                point: "Exploitation",
                value: raw.to_owned(),
                expected: "none, poc or active",
            }),
        }
    }
}

impl fmt::Display for Exploitation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::None => "none",
            Self::PublicPoc => "public poc",
            Self::Active => "active",
        })
    }
}

/// Whether steps 1–4 of the kill chain can be automated (Automatable 2.0.0).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Automatable {
    No,
    Yes,
}

impl FromStr for Automatable {
    type Err = SsvcError;
    fn from_str(raw: &str) -> Result<Self, SsvcError> {
        match normalise(raw).as_str() {
            "no" | "n" => Ok(Self::No),
            "yes" | "y" => Ok(Self::Yes),
            _ => Err(SsvcError {
                point: "Automatable",
                value: raw.to_owned(),
                expected: "yes or no",
            }),
        }
    }
}

impl fmt::Display for Automatable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::No => "no",
            Self::Yes => "yes",
        })
    }
}

/// How much control exploitation gives (Technical Impact 1.0.0).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum TechnicalImpact {
    Partial,
    Total,
}

impl FromStr for TechnicalImpact {
    type Err = SsvcError;
    fn from_str(raw: &str) -> Result<Self, SsvcError> {
        match normalise(raw).as_str() {
            "partial" | "p" => Ok(Self::Partial),
            "total" | "t" => Ok(Self::Total),
            _ => Err(SsvcError {
                point: "Technical Impact",
                value: raw.to_owned(),
                expected: "partial or total",
            }),
        }
    }
}

impl fmt::Display for TechnicalImpact {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Partial => "partial",
            Self::Total => "total",
        })
    }
}

/// Mission & Well-being impact: the deployer's side, which a CVE record
/// cannot say; the caller assumes one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum MissionWellbeing {
    Low,
    Medium,
    High,
}

impl MissionWellbeing {
    pub const ALL: [MissionWellbeing; 3] = [Self::Low, Self::Medium, Self::High];
}

impl FromStr for MissionWellbeing {
    type Err = SsvcError;
    fn from_str(raw: &str) -> Result<Self, SsvcError> {
        match normalise(raw).as_str() {
            "low" | "l" => Ok(Self::Low),
            "medium" | "m" => Ok(Self::Medium),
            "high" | "h" => Ok(Self::High),
            _ => Err(SsvcError {
                point: "Mission & Well-being",
                value: raw.to_owned(),
                expected: "low, medium or high",
            }),
        }
    }
}

impl fmt::Display for MissionWellbeing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Low => "low",
            Self::Medium => "medium",
            Self::High => "high",
        })
    }
}

/// The outcome. Declared from least to most urgent, so `Ord` gives
/// Act > Attend > Track* > Track.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Decision {
    Track,
    /// "Track*": track, with closer monitoring for changes.
    TrackStar,
    Attend,
    Act,
}

impl Decision {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Track => "Track",
            Self::TrackStar => "Track*",
            Self::Attend => "Attend",
            Self::Act => "Act",
        }
    }
}

impl fmt::Display for Decision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Decision {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl FromStr for Decision {
    type Err = SsvcError;
    fn from_str(raw: &str) -> Result<Self, SsvcError> {
        match normalise(raw).as_str() {
            "track" => Ok(Self::Track),
            "track*" => Ok(Self::TrackStar),
            "attend" => Ok(Self::Attend),
            "act" => Ok(Self::Act),
            _ => Err(SsvcError {
                point: "decision",
                value: raw.to_owned(),
                expected: "Track, Track*, Attend or Act",
            }),
        }
    }
}

/// The vulnerability's side of the tree: what CISA's ADP publishes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct DecisionPoints {
    pub exploitation: Exploitation,
    pub automatable: Automatable,
    pub technical_impact: TechnicalImpact,
}

impl DecisionPoints {
    /// A KEV listing is evidence of exploitation in the wild, so it forces
    /// Exploitation to active. Returns whether that changed anything, so the
    /// caller can say the decision came from KEV and not from the ADP.
    pub fn apply_kev(&mut self, in_kev: bool) -> bool {
        if in_kev && self.exploitation != Exploitation::Active {
            self.exploitation = Exploitation::Active;
            true
        } else {
            false
        }
    }

    pub fn decide(&self, mission_wellbeing: MissionWellbeing) -> Decision {
        decide(
            self.exploitation,
            self.automatable,
            self.technical_impact,
            mission_wellbeing,
        )
    }
}

use Automatable as Au;
use Decision as D;
use Exploitation as Ex;
use MissionWellbeing as Mw;
use TechnicalImpact as Ti;

/// CISA Coordinator v2.0.3, row for row as CISA publishes it.
#[rustfmt::skip]
const TABLE: [(Ex, Au, Ti, Mw, D); 36] = [
    (Ex::None,      Au::No,  Ti::Partial, Mw::Low,    D::Track),
    (Ex::None,      Au::No,  Ti::Partial, Mw::Medium, D::Track),
    (Ex::None,      Au::No,  Ti::Partial, Mw::High,   D::Track),
    (Ex::None,      Au::No,  Ti::Total,   Mw::Low,    D::Track),
    (Ex::None,      Au::No,  Ti::Total,   Mw::Medium, D::Track),
    (Ex::None,      Au::No,  Ti::Total,   Mw::High,   D::TrackStar),
    (Ex::None,      Au::Yes, Ti::Partial, Mw::Low,    D::Track),
    (Ex::None,      Au::Yes, Ti::Partial, Mw::Medium, D::Track),
    (Ex::None,      Au::Yes, Ti::Partial, Mw::High,   D::Attend),
    (Ex::None,      Au::Yes, Ti::Total,   Mw::Low,    D::Track),
    (Ex::None,      Au::Yes, Ti::Total,   Mw::Medium, D::Track),
    (Ex::None,      Au::Yes, Ti::Total,   Mw::High,   D::Attend),
    (Ex::PublicPoc, Au::No,  Ti::Partial, Mw::Low,    D::Track),
    (Ex::PublicPoc, Au::No,  Ti::Partial, Mw::Medium, D::Track),
    (Ex::PublicPoc, Au::No,  Ti::Partial, Mw::High,   D::TrackStar),
    (Ex::PublicPoc, Au::No,  Ti::Total,   Mw::Low,    D::Track),
    (Ex::PublicPoc, Au::No,  Ti::Total,   Mw::Medium, D::TrackStar),
    (Ex::PublicPoc, Au::No,  Ti::Total,   Mw::High,   D::Attend),
    (Ex::PublicPoc, Au::Yes, Ti::Partial, Mw::Low,    D::Track),
    (Ex::PublicPoc, Au::Yes, Ti::Partial, Mw::Medium, D::Track),
    (Ex::PublicPoc, Au::Yes, Ti::Partial, Mw::High,   D::Attend),
    (Ex::PublicPoc, Au::Yes, Ti::Total,   Mw::Low,    D::Track),
    (Ex::PublicPoc, Au::Yes, Ti::Total,   Mw::Medium, D::TrackStar),
    (Ex::PublicPoc, Au::Yes, Ti::Total,   Mw::High,   D::Attend),
    (Ex::Active,    Au::No,  Ti::Partial, Mw::Low,    D::Track),
    (Ex::Active,    Au::No,  Ti::Partial, Mw::Medium, D::Track),
    (Ex::Active,    Au::No,  Ti::Partial, Mw::High,   D::Attend),
    (Ex::Active,    Au::No,  Ti::Total,   Mw::Low,    D::Track),
    (Ex::Active,    Au::No,  Ti::Total,   Mw::Medium, D::Attend),
    (Ex::Active,    Au::No,  Ti::Total,   Mw::High,   D::Act),
    (Ex::Active,    Au::Yes, Ti::Partial, Mw::Low,    D::Attend),
    (Ex::Active,    Au::Yes, Ti::Partial, Mw::Medium, D::Attend),
    (Ex::Active,    Au::Yes, Ti::Partial, Mw::High,   D::Act),
    (Ex::Active,    Au::Yes, Ti::Total,   Mw::Low,    D::Attend),
    (Ex::Active,    Au::Yes, Ti::Total,   Mw::Medium, D::Act),
    (Ex::Active,    Au::Yes, Ti::Total,   Mw::High,   D::Act),
];

/// The decision for one combination of the four decision points.
pub fn decide(
    exploitation: Exploitation,
    automatable: Automatable,
    technical_impact: TechnicalImpact,
    mission_wellbeing: MissionWellbeing,
) -> Decision {
    // The table is complete (a test checks all 36 combinations are there
    // once), so the fallback is never taken; it keeps this function total.
    TABLE
        .iter()
        .find(|r| {
            r.0 == exploitation
                && r.1 == automatable
                && r.2 == technical_impact
                && r.3 == mission_wellbeing
        })
        .map_or(Decision::Act, |r| r.4)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_complete_and_unique() {
        for e in [Ex::None, Ex::PublicPoc, Ex::Active] {
            for a in [Au::No, Au::Yes] {
                for t in [Ti::Partial, Ti::Total] {
                    for m in Mw::ALL {
                        let n = TABLE
                            .iter()
                            .filter(|r| r.0 == e && r.1 == a && r.2 == t && r.3 == m)
                            .count();
                        assert_eq!(n, 1, "{e} {a} {t} {m}");
                    }
                }
            }
        }
    }

    #[test]
    fn parsing_is_normalised() {
        for raw in [
            "poc",
            "PoC",
            "public poc",
            "Public PoC",
            "public_poc",
            " public  PoC ",
        ] {
            assert_eq!(
                raw.parse::<Exploitation>(),
                Ok(Exploitation::PublicPoc),
                "{raw}"
            );
        }
        assert_eq!("Active".parse::<Exploitation>(), Ok(Exploitation::Active));
        assert_eq!("NONE".parse::<Exploitation>(), Ok(Exploitation::None));
        assert_eq!("Yes".parse::<Automatable>(), Ok(Automatable::Yes));
        assert_eq!(
            "Total".parse::<TechnicalImpact>(),
            Ok(TechnicalImpact::Total)
        );
        assert_eq!(
            "Medium".parse::<MissionWellbeing>(),
            Ok(MissionWellbeing::Medium)
        );
        assert_eq!("Track*".parse::<Decision>(), Ok(Decision::TrackStar));
        let e = "sometimes".parse::<Exploitation>().unwrap_err();
        assert_eq!(
            e.to_string(),
            "unknown Exploitation value `sometimes` (expected none, poc or active)"
        );
    }

    #[test]
    fn decisions_are_ordered() {
        assert!(D::Act > D::Attend && D::Attend > D::TrackStar && D::TrackStar > D::Track);
    }

    #[test]
    fn kev_forces_active_and_says_so() {
        let mut p = DecisionPoints {
            exploitation: Ex::PublicPoc,
            automatable: Au::No,
            technical_impact: Ti::Total,
        };
        assert_eq!(p.decide(Mw::High), D::Attend);
        let mut q = p;
        assert!(!q.apply_kev(false));
        assert!(p.apply_kev(true));
        assert_eq!(p.exploitation, Ex::Active);
        assert_eq!(p.decide(Mw::High), D::Act);
        assert!(!p.apply_kev(true), "already active: nothing changed");
    }
}
