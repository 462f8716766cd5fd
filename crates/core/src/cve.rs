//! CVE ids, parsed by one rule everywhere: intake's advisory fingerprint,
//! the feeds' API and the case assessments the store keeps must agree on
//! which strings name a CVE and how that CVE is spelt, or one CVE becomes
//! two.

use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A CVE id: `CVE-YYYY-NNNN…`.
///
/// The rule: `CVE` (in any case), `-`, a four-digit year, `-`, a sequence
/// of 4 to 19 digits (the CVE JSON 5 schema's pattern, which the store's
/// CHECK constraint repeats; 19 digits also fit a `u64`). Nothing else:
/// surrounding white space is refused, not trimmed, so that a reader of
/// documents decides itself whether to trim (intake does) and an id in a
/// URL path is taken exactly as given.
///
/// The canonical form, shown by `Display` and serialized, has `CVE` in
/// upper case and the digits as written: leading zeros are part of the id
/// (`CVE-2014-0160`).
///
/// Ordered by year, then sequence, as numbers (`CVE-2021-9999` before
/// `CVE-2021-10000`); ids equal as numbers but written with other leading
/// zeros are ordered by their text.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct CveId {
    text: String,
    year: u16,
    sequence: u64,
}

/// A string that is not a CVE id under [`CveId`]'s rule.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a CVE id (CVE-YYYY-NNNN: a four-digit year, four to nineteen digits)")]
pub struct CveIdError;

impl CveId {
    /// Parses `s` under the rule above; the result is canonical.
    pub fn parse(s: &str) -> Result<CveId, CveIdError> {
        let prefix = s.get(..4).ok_or(CveIdError)?;
        if !prefix.eq_ignore_ascii_case("CVE-") {
            return Err(CveIdError);
        }
        let (year, sequence) = s
            .get(4..)
            .and_then(|r| r.split_once('-'))
            .ok_or(CveIdError)?;
        let digits = |d: &str| d.bytes().all(|b| b.is_ascii_digit());
        if year.len() != 4
            || !digits(year)
            || !(4..=19).contains(&sequence.len())
            || !digits(sequence)
        {
            return Err(CveIdError);
        }
        Ok(CveId {
            text: format!("CVE-{year}-{sequence}"),
            year: year.parse().map_err(|_| CveIdError)?,
            sequence: sequence.parse().map_err(|_| CveIdError)?,
        })
    }

    /// Whether `s` is a CVE id already in canonical form: what a store that
    /// keeps canonical ids accepts.
    pub fn is_canonical(s: &str) -> bool {
        CveId::parse(s).is_ok_and(|id| id.text == s)
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }

    pub fn year(&self) -> u16 {
        self.year
    }

    /// The sequence number, leading zeros gone.
    pub fn sequence(&self) -> u64 {
        self.sequence
    }
}

impl Ord for CveId {
    fn cmp(&self, other: &Self) -> Ordering {
        (self.year, self.sequence, &self.text).cmp(&(other.year, other.sequence, &other.text))
    }
}

impl PartialOrd for CveId {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Display for CveId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl fmt::Debug for CveId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CveId({})", self.text)
    }
}

impl FromStr for CveId {
    type Err = CveIdError;
    fn from_str(s: &str) -> Result<CveId, CveIdError> {
        CveId::parse(s)
    }
}

impl AsRef<str> for CveId {
    fn as_ref(&self) -> &str {
        &self.text
    }
}

impl From<CveId> for String {
    fn from(id: CveId) -> String {
        id.text
    }
}

impl Serialize for CveId {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.text)
    }
}

impl<'de> Deserialize<'de> for CveId {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<CveId, D::Error> {
        let s = String::deserialize(d)?;
        CveId::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_cve_id(raw: &str) -> Option<String> {
        CveId::parse(raw).ok().map(String::from)
    }

    // Moved from the server's `api::vulnerabilities` (its `parse_cve_id`).
    #[test]
    fn cve_ids() {
        assert_eq!(
            parse_cve_id("CVE-2024-1708").as_deref(),
            Some("CVE-2024-1708")
        );
        assert_eq!(
            parse_cve_id("cve-2024-12345").as_deref(),
            Some("CVE-2024-12345")
        );
        for bad in [
            "CVE-24-1708",
            "CVE-2024-170",
            "CVE-2024-17x8",
            "GHSA-1",
            "CVE-2024",
            "",
        ] {
            assert_eq!(parse_cve_id(bad), None, "{bad}");
        }
    }

    // Moved from the store's `assessments` (its `is_cve_id`, which checked
    // what the store keeps: canonical ids).
    #[test]
    fn canonical_cve_ids() {
        let is_cve_id = CveId::is_canonical;
        assert!(is_cve_id("CVE-2024-1708"));
        assert!(is_cve_id("CVE-2024-1234567890123456789"));
        for bad in [
            "cve-2024-1708",
            "CVE-24-1708",
            "CVE-2024-170",
            "CVE-2024-17x8",
            "CVE-2024-12345678901234567890",
            "CVE-2024",
        ] {
            assert!(!is_cve_id(bad), "{bad}");
        }
    }

    // Moved from intake's `advisory` (its `parse_cve`).
    #[test]
    fn short_years_and_sequences_are_not_cve_ids() {
        assert!(CveId::parse("CVE-21-1234").is_err());
        assert!(CveId::parse("CVE-2021-12").is_err());
    }

    #[test]
    fn white_space_and_other_characters_are_refused() {
        for bad in [
            " CVE-2021-44228",
            "CVE-2021-44228\n",
            "CVE-2021- 4422",
            "CVE_2021_44228",
            "CVE-2021-44228-1",
            "CVE-２０２１-44228",
            "ĆVE-2021-44228",
            "CVE-+021-44228",
        ] {
            assert_eq!(CveId::parse(bad), Err(CveIdError), "{bad:?}");
        }
        assert_eq!(
            CveId::parse("Cve-2021-44228").map(String::from),
            Ok("CVE-2021-44228".to_owned())
        );
    }

    #[test]
    fn numbers_order_and_leading_zeros_stay() {
        let id = |s: &str| CveId::parse(s).unwrap();
        assert!(id("CVE-2021-9999") < id("CVE-2021-10000"));
        assert!(id("CVE-2020-99999") < id("CVE-2021-0001"));
        assert_eq!(id("CVE-2014-0160").to_string(), "CVE-2014-0160");
        assert_eq!(id("CVE-2014-0160").sequence(), 160);
        assert_eq!(id("CVE-2014-0160").year(), 2014);
        let (a, b) = (id("CVE-2021-01234"), id("CVE-2021-1234"));
        assert_ne!(a, b);
        assert_eq!((a.year(), a.sequence()), (b.year(), b.sequence()));
        assert!(a < b);
        assert_eq!(
            id("CVE-2021-9999999999999999999").sequence(),
            9_999_999_999_999_999_999
        );
    }

    #[test]
    fn serde_is_the_canonical_string() {
        let id = CveId::parse("cve-2021-44228").unwrap();
        assert_eq!(serde_json::to_string(&id).unwrap(), "\"CVE-2021-44228\"");
        let back: CveId = serde_json::from_str("\"cve-2021-44228\"").unwrap();
        assert_eq!(back, id);
        assert!(serde_json::from_str::<CveId>("\"GHSA-1\"").is_err());
        assert_eq!("CVE-2021-44228".parse::<CveId>(), Ok(id));
    }
}
