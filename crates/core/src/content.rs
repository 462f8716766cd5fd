//! Content addresses: a document is named by the SHA-256 of its bytes, in
//! lowercase hex. Dossier documents, intake documents, SBOMs, advisories'
//! records and raw feed records are all stored and fetched under this one
//! name, so the server that hashes an upload as it arrives, the store that
//! checks a document against its address and the command line that checks
//! a download must compute and spell it alike.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use sha2::{Digest, Sha256};

/// The SHA-256 of a document's bytes. Shown (and serialized) as 64
/// lowercase hex digits; parsed from 64 hex digits in either case, since
/// people copy addresses from tools that print upper case.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ContentAddress([u8; 32]);

/// A string that is not 64 hex digits.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a SHA-256 (64 hex digits)")]
pub struct ContentAddressError;

impl ContentAddress {
    /// The address of `bytes` held whole.
    pub fn of(bytes: &[u8]) -> ContentAddress {
        ContentAddress(Sha256::digest(bytes).into())
    }

    /// Checks a presented address; the result prints in lowercase.
    pub fn parse(s: &str) -> Result<ContentAddress, ContentAddressError> {
        let mut out = [0u8; 32];
        hex::decode_to_slice(s, &mut out).map_err(|_| ContentAddressError)?;
        Ok(ContentAddress(out))
    }

    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

/// The address of a document read in chunks (a request body spooled to
/// disk), without holding it whole.
#[derive(Clone, Default)]
pub struct ContentHasher(Sha256);

impl ContentHasher {
    pub fn new() -> ContentHasher {
        ContentHasher::default()
    }

    pub fn update(&mut self, chunk: &[u8]) {
        self.0.update(chunk);
    }

    pub fn finish(self) -> ContentAddress {
        ContentAddress(self.0.finalize().into())
    }
}

/// [`ContentAddress::of`] as its lowercase hex string: the form the store
/// keeps in its `sha256` columns.
pub fn document_address(bytes: &[u8]) -> String {
    ContentAddress::of(bytes).to_string()
}

impl fmt::Display for ContentAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&hex::encode(self.0))
    }
}

impl fmt::Debug for ContentAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ContentAddress({self})")
    }
}

impl FromStr for ContentAddress {
    type Err = ContentAddressError;
    fn from_str(s: &str) -> Result<ContentAddress, ContentAddressError> {
        ContentAddress::parse(s)
    }
}

impl Serialize for ContentAddress {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for ContentAddress {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<ContentAddress, D::Error> {
        let s = String::deserialize(d)?;
        ContentAddress::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// SHA-256 of the empty string and of "abc" (FIPS 180-2 examples).
    const EMPTY: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
    const ABC: &str = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

    #[test]
    fn whole_and_chunked_agree() {
        assert_eq!(document_address(b""), EMPTY);
        assert_eq!(document_address(b"abc"), ABC);
        let mut h = ContentHasher::new();
        for chunk in [&b"a"[..], b"", b"bc"] {
            h.update(chunk);
        }
        assert_eq!(h.finish(), ContentAddress::of(b"abc"));
        assert_eq!(ContentHasher::new().finish().to_string(), EMPTY);
    }

    #[test]
    fn presented_addresses() {
        let a = ContentAddress::parse(ABC).unwrap();
        assert_eq!(a, ContentAddress::of(b"abc"));
        assert_eq!(ContentAddress::parse(&ABC.to_uppercase()), Ok(a));
        assert_eq!(a.to_string(), ABC);
        for bad in [
            "",
            &ABC[..63],
            &format!("{ABC}0"),
            &format!("{}g", &ABC[..63]),
            &format!(" {}", &ABC[..63]),
            "é".repeat(32).as_str(),
        ] {
            assert_eq!(
                ContentAddress::parse(bad),
                Err(ContentAddressError),
                "{bad:?}"
            );
        }
        assert_eq!(serde_json::to_string(&a).unwrap(), format!("\"{ABC}\""));
        let back: ContentAddress = serde_json::from_str(&format!("\"{ABC}\"")).unwrap();
        assert_eq!(back, a);
    }
}
