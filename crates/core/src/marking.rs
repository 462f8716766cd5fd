//! Traffic Light Protocol 2.0 markings (FIRST, 2022).
//!
//! The marking says who a record may be shared with; the authorization policy
//! decides what that means for each principal. This module only knows the five
//! labels, their spelling and their order of restriction.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;
use time::format_description::well_known::Rfc3339;
use time::{OffsetDateTime, UtcOffset};

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

/// The end of an embargo: the instant, kept and compared in UTC, and the UTC
/// offset it was given in, so that people see it in the time they set it in
/// as well as in UTC (an embargo "until 9:00 in Washington" must not drift to
/// 9:00 UTC on the way through).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Embargo {
    pub until: OffsetDateTime,
    pub offset: UtcOffset,
}

impl Embargo {
    /// Reads an RFC 3339 date-time, which always carries its offset (`Z` or
    /// `±hh:mm`); a bare local time would be ambiguous and is refused.
    pub fn parse(s: &str) -> Result<Embargo, ParseError> {
        let t = OffsetDateTime::parse(s.trim(), &Rfc3339).map_err(|_| ParseError {
            what: "embargo end",
            value: s.to_owned(),
            allowed: "an RFC 3339 date-time with its offset, e.g. 2026-12-01T09:00:00-05:00",
        })?;
        Ok(Embargo {
            until: t.to_offset(UtcOffset::UTC),
            offset: t.offset(),
        })
    }

    /// The embargo end in UTC, RFC 3339 (`…Z`).
    pub fn utc(&self) -> String {
        rfc3339(self.until)
    }

    /// The embargo end in the offset it was set in, RFC 3339.
    pub fn as_set(&self) -> String {
        rfc3339(self.until.to_offset(self.offset))
    }

    /// Minutes east of UTC of the offset it was set in.
    pub fn offset_minutes(&self) -> i32 {
        i32::from(self.offset.whole_minutes())
    }

    /// The embargo from stored parts; `None` for an offset no clock uses.
    pub fn from_parts(until: OffsetDateTime, offset_minutes: i32) -> Option<Embargo> {
        let seconds = offset_minutes.checked_mul(60)?;
        let offset = UtcOffset::from_whole_seconds(seconds).ok()?;
        Some(Embargo { until, offset })
    }
}

fn rfc3339(t: OffsetDateTime) -> String {
    // Formatting a valid OffsetDateTime as RFC 3339 fails only for years
    // outside 0..=9999, which no parsed embargo has; fall back to Debug.
    t.format(&Rfc3339).unwrap_or_else(|_| format!("{t:?}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embargo_keeps_utc_and_the_offset_it_was_set_in() {
        let e = Embargo::parse("2026-12-01T09:00:00-05:00").unwrap();
        assert_eq!(e.utc(), "2026-12-01T14:00:00Z");
        assert_eq!(e.as_set(), "2026-12-01T09:00:00-05:00");
        assert_eq!(e.offset_minutes(), -300);
        assert_eq!(e.until.offset(), UtcOffset::UTC);
        let back = Embargo::from_parts(e.until, e.offset_minutes()).unwrap();
        assert_eq!(back, e);
        assert_eq!(
            Embargo::parse("2026-12-01T14:00:00Z").unwrap().as_set(),
            "2026-12-01T14:00:00Z"
        );
        assert!(Embargo::parse("2026-12-01T09:00:00").is_err(), "no offset");
        assert!(Embargo::parse("next tuesday").is_err());
        assert!(Embargo::from_parts(e.until, 100_000).is_none());
    }

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
