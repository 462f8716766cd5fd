//! Traffic Light Protocol 2.0 markings (FIRST, 2022).
//!
//! The marking says who a record may be shared with; the authorization policy
//! decides what that means for each principal. This module only knows the five
//! labels, their spelling and their order of restriction.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

use crate::ParseError;

/// A TLP 2.0 label. Ordered from least to most restrictive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Tlp {
    /// Disclosure is not limited.
    #[serde(rename = "CLEAR")]
    Clear,
    /// Limited to the community: every organization in the program.
    #[serde(rename = "GREEN")]
    Green,
    /// Limited to the recipients' organizations and, on need to know, their clients.
    #[serde(rename = "AMBER")]
    Amber,
    /// Limited to the recipients' organizations only.
    #[serde(rename = "AMBER+STRICT")]
    AmberStrict,
    /// For the eyes and ears of the named individual recipients only.
    #[serde(rename = "RED")]
    Red,
}

impl Tlp {
    pub const ALL: [Tlp; 5] = [
        Tlp::Clear,
        Tlp::Green,
        Tlp::Amber,
        Tlp::AmberStrict,
        Tlp::Red,
    ];

    /// The label as TLP 2.0 spells it, without the `TLP:` prefix.
    pub fn as_str(self) -> &'static str {
        match self {
            Tlp::Clear => "CLEAR",
            Tlp::Green => "GREEN",
            Tlp::Amber => "AMBER",
            Tlp::AmberStrict => "AMBER+STRICT",
            Tlp::Red => "RED",
        }
    }
}

impl fmt::Display for Tlp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TLP:{}", self.as_str())
    }
}

impl FromStr for Tlp {
    type Err = ParseError;

    /// Accepts the label with or without the `TLP:` prefix, in any case.
    /// TLP 1.0's WHITE is refused: TLP 2.0 replaced it with CLEAR, and a
    /// silent mapping would hide a document that was never re-marked.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let upper = s.trim().to_ascii_uppercase();
        let label = upper.strip_prefix("TLP:").unwrap_or(&upper);
        Tlp::ALL
            .into_iter()
            .find(|t| t.as_str() == label)
            .ok_or_else(|| ParseError {
                what: "TLP marking",
                value: s.to_owned(),
                allowed: "CLEAR, GREEN, AMBER, AMBER+STRICT, RED",
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_with_and_without_prefix() {
        assert_eq!("TLP:AMBER+STRICT".parse::<Tlp>(), Ok(Tlp::AmberStrict));
        assert_eq!("amber+strict".parse::<Tlp>(), Ok(Tlp::AmberStrict));
        assert_eq!("clear".parse::<Tlp>(), Ok(Tlp::Clear));
        assert!("WHITE".parse::<Tlp>().is_err());
        assert!("TLP:AMBER STRICT".parse::<Tlp>().is_err());
    }

    #[test]
    fn orders_by_restriction() {
        assert!(Tlp::Clear < Tlp::Green && Tlp::Green < Tlp::Amber);
        assert!(Tlp::Amber < Tlp::AmberStrict && Tlp::AmberStrict < Tlp::Red);
    }

    #[test]
    fn serializes_as_tlp_spells_it() {
        assert_eq!(
            serde_json::to_string(&Tlp::AmberStrict).unwrap(),
            "\"AMBER+STRICT\""
        );
        assert_eq!(Tlp::Red.to_string(), "TLP:RED");
    }
}
