//! Fingerprint v1: the identity under which reports of one finding fold into
//! one case.
//!
//! This is an interface: stored fingerprints are compared across reporters and
//! over time, so the encoding below never changes. A different encoding gets
//! a new version tag and a new display prefix.
//!
//! # Encoding (v1)
//!
//! The fingerprint is SHA-256 over a sequence of records, shown as `bwk1:`
//! followed by the 64 lowercase hex digits of the digest. A record is
//!
//! ```text
//! record(tag, bytes) = tag: 1 ASCII byte ‖ len(bytes): u64 big-endian ‖ bytes (UTF-8)
//! ```
//!
//! so no two different field lists encode alike (never plain concatenation).
//! The sequence is `record('V', "bulwark-fingerprint/1")`, then the first
//! basis the result supports:
//!
//! Only string values count as the tool's fingerprints: a value of another
//! type (some tools write objects or numbers) is left out by the reader and
//! kept in the result's properties, so a result whose fingerprints are all
//! of other types falls back to the next basis (logs with such values were
//! refused before, so no stored fingerprint changes).
//!
//! 1. tool `fingerprints` (non-empty): `record('B', "fingerprints")`, then for
//!    every entry in byte order of its key `record('K', key) ‖ record('F', value)`,
//!    then the rule record (so a tool whose fingerprints hash only the location
//!    still gives different rules at one place different fingerprints);
//! 2. `partialFingerprints` (non-empty): `record('B', "partialFingerprints")`,
//!    the entries as above, then the rule record;
//! 3. otherwise `record('B', "location")`, the rule record, `record('P', path)`
//!    and either `record('S', snippet)` or, when there is no snippet (or it is
//!    blank), `record('M', message)`.
//!
//! The rule record is `record('R', rule id)`, else `record('C', first CWE)`,
//! else `record('N', "")`. `path` is the primary location's
//! [`Location::path`](crate::sarif::Location::path) (percent-decoded, forward
//! slashes, no leading `./`, relative to its `uriBaseId`, case preserved;
//! empty without a location). `snippet` is the primary region's snippet and
//! `message` the message text as the result has it (empty when it has none:
//! what stands in for it on display is never fingerprinted), both normalized: each line trimmed, runs of
//! whitespace inside a line collapsed to one space, empty lines dropped,
//! lines joined with `\n`. Numbers in the message are left in.
//!
//! Advisories (OSV records, CSAF documents) have no rule, path or snippet;
//! they name a vulnerability in a package. Their basis, also v1 (no stored
//! fingerprint used it before it was added):
//!
//! 4. `record('B', "advisory") ‖ record('I', vulnerability id) ‖ record('P', package key)`,
//!    where the vulnerability id is the smallest CVE id among the advisory's
//!    ids (OSV: `id` and `aliases`; CSAF: `cve`), else its own id, and the
//!    package key a versionless canonical package URL, else `ecosystem:name`
//!    (OSV) or the product name (CSAF), empty when the advisory names no
//!    package; both are defined in [`crate::advisory`]. An OSV record and a
//!    CSAF document about one CVE in one package thus fold into one case,
//!    whatever their versions, ranges, scores or publishers.
//!
//! Never included: line or column numbers, the tool's name or version, the
//! AI model, the reporter. Hence the same finding from two reporters or two
//! tool versions folds together, and a result that moved down the file keeps
//! its fingerprint when it carries a snippet or partial fingerprints.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use sha2::{Digest, Sha256};

use crate::sarif::NormalizedResult;

/// The version tag, the first record of every v1 encoding.
pub const VERSION_TAG: &str = "bulwark-fingerprint/1";
/// Display prefix of v1 fingerprints.
pub const PREFIX: &str = "bwk1:";

/// A v1 fingerprint: the SHA-256 digest of [`encode`]'s output.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Fingerprint(pub [u8; 32]);

impl fmt::Display for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(PREFIX)?;
        f.write_str(&hex::encode(self.0))
    }
}

impl fmt::Debug for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// A string that is not `bwk1:` and 64 hex digits.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a v1 fingerprint (expected `bwk1:` and 64 hex digits)")]
pub struct ParseFingerprintError;

impl FromStr for Fingerprint {
    type Err = ParseFingerprintError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let hex = s.strip_prefix(PREFIX).ok_or(ParseFingerprintError)?;
        let mut out = [0u8; 32];
        hex::decode_to_slice(hex, &mut out).map_err(|_| ParseFingerprintError)?;
        Ok(Fingerprint(out))
    }
}

impl Serialize for Fingerprint {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Fingerprint {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// Which basis a fingerprint was computed from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Basis {
    Fingerprints,
    PartialFingerprints,
    Location,
}

/// The result's v1 fingerprint.
pub fn fingerprint(r: &NormalizedResult) -> Fingerprint {
    let mut h = Sha256::new();
    encode_into(r, &mut |bytes| h.update(bytes));
    Fingerprint(h.finalize().into())
}

/// The basis [`fingerprint`] uses for `r`.
pub fn basis(r: &NormalizedResult) -> Basis {
    if !r.fingerprints.is_empty() {
        Basis::Fingerprints
    } else if !r.partial_fingerprints.is_empty() {
        Basis::PartialFingerprints
    } else {
        Basis::Location
    }
}

/// The exact bytes hashed by [`fingerprint`] (for inspection and tests).
pub fn encode(r: &NormalizedResult) -> Vec<u8> {
    let mut out = Vec::new();
    encode_into(r, &mut |bytes| out.extend_from_slice(bytes));
    out
}

fn encode_into(r: &NormalizedResult, out: &mut dyn FnMut(&[u8])) {
    let mut record = |tag: u8, bytes: &[u8]| {
        out(&[tag]);
        out(&(bytes.len() as u64).to_be_bytes());
        out(bytes);
    };
    record(b'V', VERSION_TAG.as_bytes());
    let rule_record = |record: &mut dyn FnMut(u8, &[u8])| match (&r.rule_id, r.cwes.first()) {
        (Some(id), _) => record(b'R', id.as_bytes()),
        (None, Some(cwe)) => record(b'C', cwe.as_bytes()),
        (None, None) => record(b'N', b""),
    };
    match basis(r) {
        Basis::Fingerprints => {
            record(b'B', b"fingerprints");
            // BTreeMap<String, _> iterates in byte order of the keys.
            for (k, v) in &r.fingerprints {
                record(b'K', k.as_bytes());
                record(b'F', v.as_bytes());
            }
            rule_record(&mut record);
        }
        Basis::PartialFingerprints => {
            record(b'B', b"partialFingerprints");
            for (k, v) in &r.partial_fingerprints {
                record(b'K', k.as_bytes());
                record(b'F', v.as_bytes());
            }
            rule_record(&mut record);
        }
        Basis::Location => {
            record(b'B', b"location");
            rule_record(&mut record);
            let primary = r.primary_location();
            let path = primary.and_then(|l| l.path.as_deref()).unwrap_or("");
            record(b'P', path.as_bytes());
            let snippet = primary
                .and_then(|l| l.snippet.as_deref())
                .map(normalize_text)
                .filter(|s| !s.is_empty());
            match snippet {
                Some(s) => record(b'S', s.as_bytes()),
                None => record(b'M', normalize_text(&r.message).as_bytes()),
            }
        }
    }
}

/// The advisory basis (4. above) for `vulnerability_id` in `package_key`
/// (empty when the advisory names no package).
pub fn advisory(vulnerability_id: &str, package_key: &str) -> Fingerprint {
    let mut h = Sha256::new();
    encode_advisory_into(vulnerability_id, package_key, &mut |bytes| h.update(bytes));
    Fingerprint(h.finalize().into())
}

/// The exact bytes hashed by [`advisory`].
pub fn encode_advisory(vulnerability_id: &str, package_key: &str) -> Vec<u8> {
    let mut out = Vec::new();
    encode_advisory_into(vulnerability_id, package_key, &mut |bytes| {
        out.extend_from_slice(bytes)
    });
    out
}

fn encode_advisory_into(id: &str, package: &str, out: &mut dyn FnMut(&[u8])) {
    let mut record = |tag: u8, bytes: &[u8]| {
        out(&[tag]);
        out(&(bytes.len() as u64).to_be_bytes());
        out(bytes);
    };
    record(b'V', VERSION_TAG.as_bytes());
    record(b'B', b"advisory");
    record(b'I', id.as_bytes());
    record(b'P', package.as_bytes());
}

/// Each line trimmed, inner whitespace runs collapsed to one space, empty
/// lines dropped, lines joined with `\n`.
pub fn normalize_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for line in s.lines() {
        let mut words = line.split_whitespace().peekable();
        if words.peek().is_none() {
            continue;
        }
        if !out.is_empty() {
            out.push('\n');
        }
        let mut first = true;
        for w in words {
            if !first {
                out.push(' ');
            }
            out.push_str(w);
            first = false;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_normalization() {
        assert_eq!(normalize_text("  a   b\t c \n\n   \r\n\td  "), "a b c\nd");
        assert_eq!(normalize_text(" \n "), "");
    }

    #[test]
    fn advisory_encoding() {
        let e = encode_advisory("CVE-2021-44228", "pkg:maven/a/b");
        let mut want = Vec::new();
        for (t, v) in [
            (b'V', VERSION_TAG),
            (b'B', "advisory"),
            (b'I', "CVE-2021-44228"),
            (b'P', "pkg:maven/a/b"),
        ] {
            want.push(t);
            want.extend_from_slice(&(v.len() as u64).to_be_bytes());
            want.extend_from_slice(v.as_bytes());
        }
        assert_eq!(e, want);
        assert_ne!(advisory("a", "bc"), advisory("ab", "c"));
    }

    #[test]
    fn display_round_trips() {
        let f = Fingerprint([0xab; 32]);
        let s = f.to_string();
        assert!(s.starts_with("bwk1:abab"));
        assert_eq!(s.len(), 5 + 64);
        assert_eq!(s.parse::<Fingerprint>(), Ok(f));
        assert!("bwk2:00".parse::<Fingerprint>().is_err());
        assert!(format!("{PREFIX}zz").parse::<Fingerprint>().is_err());
    }
}
