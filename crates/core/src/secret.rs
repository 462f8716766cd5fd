//! Bearer secrets: API tokens and web session identifiers.
//!
//! A secret is 256 random bits shown to its holder once; the store keeps only
//! its SHA-256. A fast hash is right here (unlike passwords): the input has
//! full entropy, so there is nothing to brute-force, and the hash doubles as
//! the lookup key, so no timing-sensitive comparison of secrets happens at all.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};
use std::fmt;

/// A bearer secret in the clear. Its `Debug` never shows the value, so it
/// cannot leak through a log line or an error message.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiToken(String);

/// Prefix of API tokens: lets secret scanners recognise a leaked one.
pub const TOKEN_PREFIX: &str = "bwk_";
/// Prefix of web session identifiers.
pub const SESSION_PREFIX: &str = "bws_";

impl ApiToken {
    /// Builds a token from 32 bytes the caller drew from the operating
    /// system's generator (this crate performs no I/O).
    pub fn from_random(prefix: &str, bytes: [u8; 32]) -> Self {
        ApiToken(format!("{prefix}{}", URL_SAFE_NO_PAD.encode(bytes)))
    }

    /// Wraps a secret presented by a client. Returns `None` when it cannot be
    /// one of ours, so obviously wrong input is refused before any lookup.
    pub fn parse(prefix: &str, presented: &str) -> Option<Self> {
        let body = presented.strip_prefix(prefix)?;
        let ok = body.len() == 43
            && body
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        ok.then(|| ApiToken(presented.to_owned()))
    }

    /// The clear text, to show once to its holder.
    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn hash(&self) -> TokenHash {
        TokenHash(hex::encode(Sha256::digest(self.0.as_bytes())))
    }
}

impl fmt::Debug for ApiToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApiToken(<redacted>)")
    }
}

/// The stored form of a secret: lowercase hex SHA-256.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TokenHash(pub String);

impl TokenHash {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_has_prefix_and_256_bits() {
        let t = ApiToken::from_random(TOKEN_PREFIX, [7u8; 32]);
        assert!(t.expose().starts_with("bwk_"));
        assert_eq!(t.expose().len(), 4 + 43);
        assert_eq!(ApiToken::parse(TOKEN_PREFIX, t.expose()), Some(t.clone()));
        assert_ne!(
            t.hash(),
            ApiToken::from_random(TOKEN_PREFIX, [8u8; 32]).hash()
        );
    }

    #[test]
    fn hash_is_sha256_of_the_clear_text() {
        // SHA-256("abc") from FIPS 180-2, appendix B.1.
        let t = ApiToken("abc".into());
        assert_eq!(
            t.hash().as_str(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn malformed_tokens_are_refused_before_lookup() {
        assert!(ApiToken::parse(TOKEN_PREFIX, "bwk_short").is_none());
        assert!(ApiToken::parse(TOKEN_PREFIX, &format!("xyz_{}", "a".repeat(43))).is_none());
        assert!(ApiToken::parse(TOKEN_PREFIX, &format!("bwk_{}!", "a".repeat(42))).is_none());
    }

    #[test]
    fn debug_never_shows_the_secret() {
        let t = ApiToken::from_random(TOKEN_PREFIX, [1u8; 32]);
        assert!(!format!("{t:?}").contains(&t.expose()[4..]));
    }
}
