//! OpenPGP for CSAF: the detached, ASCII-armoured signatures (`.asc`) that
//! CSAF 2.0 §7.1.19 requires beside every document, made with the
//! clearinghouse's own key and checked against other providers' keys.
//!
//! Built on rPGP (`pgp`), pure Rust, so the domain crate needs no GnuPG at
//! run time. Keys we generate are v4 Ed25519 in the "legacy" EdDSA encoding
//! (a primary key that both certifies and signs), because that is what
//! GnuPG 2.2 — still what many consumers run — can verify; RFC 9580's v6
//! Ed25519 it cannot.
//!
//! No I/O: keys and signatures go in and out as text or bytes.

use std::fmt;

use pgp::composed::{
    ArmorOptions, Deserializable, DetachedSignature, KeyType, SecretKeyParamsBuilder,
    SignedPublicKey, SignedSecretKey,
};
use pgp::crypto::hash::HashAlgorithm;
use pgp::packet::Signature;
use pgp::types::{Fingerprint, KeyDetails, Password};

/// What went wrong with a key or a signature. The messages are for an
/// operator; none contains secret material.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum OpenPgpError {
    #[error("could not generate an OpenPGP key: {0}")]
    Generate(String),
    #[error("not a usable OpenPGP secret key: {0}")]
    SecretKey(String),
    #[error("not a usable OpenPGP public key: {0}")]
    PublicKey(String),
    #[error("no OpenPGP public key in the text")]
    NoPublicKey,
    #[error("could not sign: {0}")]
    Sign(String),
    #[error("could not encode: {0}")]
    Encode(String),
    #[error("not an OpenPGP signature: {0}")]
    Signature(String),
    /// None of the given keys (or their signing subkeys) made the signature.
    #[error("the signature was not made by any of the keys {0:?}")]
    UnknownSigner(Vec<String>),
    /// A key that the signature names did not verify it: the data or the
    /// signature was changed.
    #[error("the signature of {signer} does not match the data: {reason}")]
    BadSignature { signer: String, reason: String },
    #[error("the key {0} is revoked")]
    Revoked(String),
}

/// The clearinghouse's signing key (secret). `Debug` shows the fingerprint
/// only, so that a key never ends up in a log line.
#[derive(Clone)]
pub struct SigningKey {
    key: SignedSecretKey,
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningKey")
            .field("fingerprint", &self.fingerprint())
            .field("secret", &"[redacted]")
            .finish()
    }
}

impl SigningKey {
    /// A new v4 Ed25519 (legacy EdDSA) key whose primary key certifies and
    /// signs, with `user_id` (e.g. `"Example PSIRT <psirt@example.com>"`).
    /// No passphrase: the caller seals [`SigningKey::to_armored`]'s text.
    pub fn generate(user_id: &str) -> Result<SigningKey, OpenPgpError> {
        let params = SecretKeyParamsBuilder::default()
            .key_type(KeyType::Ed25519Legacy)
            .can_certify(true)
            .can_sign(true)
            .primary_user_id(user_id.to_owned())
            .preferred_hash_algorithms(vec![HashAlgorithm::Sha512, HashAlgorithm::Sha256].into())
            .build()
            .map_err(|e| OpenPgpError::Generate(e.to_string()))?;
        let key = params
            .generate(rand_core::OsRng)
            .map_err(|e| OpenPgpError::Generate(e.to_string()))?;
        Ok(SigningKey { key })
    }

    /// Reads an ASCII-armoured secret key (unprotected), as written by
    /// [`SigningKey::to_armored`] or `gpg --export-secret-keys --armor` of a
    /// key without passphrase. The key's self-signatures must verify.
    pub fn from_armored(secret: &str) -> Result<SigningKey, OpenPgpError> {
        let (key, _) = SignedSecretKey::from_string(secret)
            .map_err(|e| OpenPgpError::SecretKey(e.to_string()))?;
        key.verify_bindings()
            .map_err(|e| OpenPgpError::SecretKey(format!("self-signature: {e}")))?;
        Ok(SigningKey { key })
    }

    /// The secret key, ASCII-armoured and unprotected: the caller encrypts
    /// it before storing it.
    pub fn to_armored(&self) -> Result<String, OpenPgpError> {
        self.key
            .to_armored_string(ArmorOptions::default())
            .map_err(|e| OpenPgpError::Encode(e.to_string()))
    }

    /// The public key (the certificate), ASCII-armoured: what a provider
    /// publishes under `public_openpgp_keys`.
    pub fn public_key_armored(&self) -> Result<String, OpenPgpError> {
        self.key
            .to_public_key()
            .to_armored_string(ArmorOptions::default())
            .map_err(|e| OpenPgpError::Encode(e.to_string()))
    }

    /// The primary key's fingerprint: 40 upper-case hex digits, as
    /// provider-metadata.json's `public_openpgp_keys[].fingerprint` wants.
    pub fn fingerprint(&self) -> String {
        hex_fingerprint(&self.key.fingerprint())
    }

    /// A detached binary-mode signature over `data` (SHA-512), armoured —
    /// the content of the document's `.asc` file. Binary mode, because the
    /// published bytes are what is hashed, not a canonicalised text.
    pub fn sign_detached(&self, data: &[u8]) -> Result<String, OpenPgpError> {
        let signature = DetachedSignature::sign_binary_data(
            rand_core::OsRng,
            &self.key.primary_key,
            &Password::empty(),
            HashAlgorithm::Sha512,
            data,
        )
        .map_err(|e| OpenPgpError::Sign(e.to_string()))?;
        signature
            .to_armored_string(ArmorOptions::default())
            .map_err(|e| OpenPgpError::Encode(e.to_string()))
    }
}

/// One or more public keys (certificates) whose signatures we accept.
#[derive(Debug, Clone)]
pub struct PublicKeys {
    keys: Vec<SignedPublicKey>,
}

impl PublicKeys {
    /// Reads one or more ASCII-armoured public keys (several armour blocks
    /// one after another, or several keys in one block). Every key's
    /// self-signatures must verify: a certificate whose binding is broken
    /// was tampered with, and is refused rather than skipped.
    pub fn from_armored(text: &str) -> Result<PublicKeys, OpenPgpError> {
        let mut keys = Vec::new();
        let mut rest = text;
        // rPGP reads the keys of one armour block; a file may hold several.
        while let Some(start) = rest.find("-----BEGIN PGP PUBLIC KEY BLOCK-----") {
            let block = &rest[start..];
            let end = block
                .find("-----END PGP PUBLIC KEY BLOCK-----")
                .map(|i| i + "-----END PGP PUBLIC KEY BLOCK-----".len())
                .ok_or_else(|| OpenPgpError::PublicKey("armour block has no END line".into()))?;
            let (parsed, _) = SignedPublicKey::from_string_many(&block[..end])
                .map_err(|e| OpenPgpError::PublicKey(e.to_string()))?;
            for key in parsed {
                let key = key.map_err(|e| OpenPgpError::PublicKey(e.to_string()))?;
                key.verify_bindings().map_err(|e| {
                    OpenPgpError::PublicKey(format!(
                        "{}: self-signature does not verify: {e}",
                        hex_fingerprint(&key.fingerprint())
                    ))
                })?;
                keys.push(key);
            }
            rest = &block[end..];
        }
        if keys.is_empty() {
            return Err(OpenPgpError::NoPublicKey);
        }
        Ok(PublicKeys { keys })
    }

    /// The primary keys' fingerprints, 40 upper-case hex digits each.
    pub fn fingerprints(&self) -> Vec<String> {
        self.keys
            .iter()
            .map(|k| hex_fingerprint(&k.fingerprint()))
            .collect()
    }

    /// Those of `self`'s keys whose primary fingerprint is in `wanted`
    /// (compared case-insensitively, spaces ignored), or `None` if none is:
    /// how a reader keeps only the keys provider-metadata.json vouches for.
    pub fn only(&self, wanted: &[String]) -> Option<PublicKeys> {
        let norm = |s: &str| {
            s.chars()
                .filter(|c| !c.is_whitespace())
                .collect::<String>()
                .to_ascii_uppercase()
        };
        let wanted: Vec<String> = wanted.iter().map(|w| norm(w)).collect();
        let keys: Vec<SignedPublicKey> = self
            .keys
            .iter()
            .filter(|k| wanted.contains(&hex_fingerprint(&k.fingerprint())))
            .cloned()
            .collect();
        (!keys.is_empty()).then_some(PublicKeys { keys })
    }

    /// Adds `other`'s keys (a provider's and the operator's own, say).
    pub fn merge(&mut self, other: PublicKeys) {
        for key in other.keys {
            if !self
                .keys
                .iter()
                .any(|k| k.fingerprint() == key.fingerprint())
            {
                self.keys.push(key);
            }
        }
    }
}

/// Checks a detached signature (armoured, as in a `.asc` file, or binary)
/// over `data` against `keys`; returns the signer's primary fingerprint.
///
/// The signature must be made by a primary key or a signing-capable,
/// validly bound subkey of one of `keys`, and that key must not be revoked.
/// Key expiry is not judged: a CSAF document stays valid after the key
/// that signed it expired. Only the signature's issuer keys are tried when
/// it names any, so a wrong key gives [`OpenPgpError::UnknownSigner`] and a
/// changed byte [`OpenPgpError::BadSignature`].
pub fn verify_detached(
    keys: &PublicKeys,
    data: &[u8],
    signature: &[u8],
) -> Result<String, OpenPgpError> {
    let signatures = parse_signatures(signature)?;
    let mut last_bad: Option<OpenPgpError> = None;
    for sig in &signatures {
        let sig_ref = &sig.signature;
        for key in &keys.keys {
            let primary_fp = hex_fingerprint(&key.fingerprint());
            for candidate in signing_candidates(key) {
                if !issuer_matches(sig_ref, &candidate) {
                    continue;
                }
                match candidate.verify(sig_ref, data) {
                    Ok(()) => {
                        if is_revoked(key) {
                            return Err(OpenPgpError::Revoked(primary_fp));
                        }
                        return Ok(primary_fp);
                    }
                    Err(e) => {
                        last_bad = Some(OpenPgpError::BadSignature {
                            signer: primary_fp.clone(),
                            reason: e.to_string(),
                        });
                    }
                }
            }
        }
    }
    Err(last_bad.unwrap_or_else(|| OpenPgpError::UnknownSigner(keys.fingerprints())))
}

/// A key that may have made a data signature: the primary key, or a
/// subkey whose binding verifies and whose flags allow signing.
enum Candidate<'a> {
    Primary(&'a SignedPublicKey),
    Sub(&'a pgp::composed::SignedPublicSubKey),
}

impl Candidate<'_> {
    fn fingerprint(&self) -> Fingerprint {
        match self {
            Candidate::Primary(k) => k.fingerprint(),
            Candidate::Sub(k) => k.key.fingerprint(),
        }
    }

    fn key_id(&self) -> pgp::types::KeyId {
        match self {
            Candidate::Primary(k) => k.legacy_key_id(),
            Candidate::Sub(k) => k.key.legacy_key_id(),
        }
    }

    fn verify(&self, sig: &Signature, data: &[u8]) -> pgp::errors::Result<()> {
        match self {
            Candidate::Primary(k) => sig.verify(&k.primary_key, data),
            Candidate::Sub(k) => sig.verify(&k.key, data),
        }
    }
}

fn signing_candidates(key: &SignedPublicKey) -> Vec<Candidate<'_>> {
    let mut out = Vec::new();
    if primary_may_sign(key) {
        out.push(Candidate::Primary(key));
    }
    for sub in &key.public_subkeys {
        let may_sign = sub.signatures.iter().any(|s| s.key_flags().sign());
        if may_sign && sub.verify_bindings(&key.primary_key).is_ok() {
            out.push(Candidate::Sub(sub));
        }
    }
    out
}

/// The primary key signs data if a self-signature says so, or if no
/// self-signature carries key flags at all (older keys).
fn primary_may_sign(key: &SignedPublicKey) -> bool {
    let self_sigs = key
        .details
        .users
        .iter()
        .flat_map(|u| u.signatures.iter())
        .chain(key.details.direct_signatures.iter());
    let mut any_flags = false;
    for sig in self_sigs {
        let flags = sig.key_flags();
        if flags.sign() {
            return true;
        }
        if flags.certify() || flags.encrypt_comms() || flags.encrypt_storage() {
            any_flags = true;
        }
    }
    !any_flags
}

fn issuer_matches(sig: &Signature, candidate: &Candidate<'_>) -> bool {
    let fps = sig.issuer_fingerprint();
    let ids = sig.issuer_key_id();
    if fps.is_empty() && ids.is_empty() {
        return true;
    }
    let fp = candidate.fingerprint();
    let id = candidate.key_id();
    fps.iter().any(|f| **f == fp) || ids.iter().any(|i| **i == id)
}

fn is_revoked(key: &SignedPublicKey) -> bool {
    key.details
        .revocation_signatures
        .iter()
        .any(|s| s.verify_key(&key.primary_key).is_ok())
}

fn parse_signatures(signature: &[u8]) -> Result<Vec<DetachedSignature>, OpenPgpError> {
    let text_armoured = signature
        .iter()
        .skip_while(|b| b.is_ascii_whitespace())
        .take(5)
        .eq(b"-----".iter());
    let parsed: Vec<_> = if text_armoured {
        let (iter, _) = DetachedSignature::from_armor_many(signature)
            .map_err(|e| OpenPgpError::Signature(e.to_string()))?;
        iter.collect()
    } else {
        DetachedSignature::from_bytes_many(signature)
            .map_err(|e| OpenPgpError::Signature(e.to_string()))?
            .collect()
    };
    let signatures = parsed
        .into_iter()
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| OpenPgpError::Signature(e.to_string()))?;
    if signatures.is_empty() {
        return Err(OpenPgpError::Signature("no signature packet".into()));
    }
    Ok(signatures)
}

fn hex_fingerprint(fp: &Fingerprint) -> String {
    format!("{fp:X}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_redacts_the_secret() {
        let key = SigningKey::generate("Test <test@example.com>").unwrap();
        let shown = format!("{key:?}");
        assert!(shown.contains(&key.fingerprint()));
        assert!(shown.contains("[redacted]"));
        let armored = key.to_armored().unwrap();
        // No line of the armoured secret appears in the debug text.
        for line in armored.lines().filter(|l| l.len() > 20) {
            assert!(!shown.contains(line));
        }
    }

    #[test]
    fn fingerprint_is_forty_upper_hex() {
        let key = SigningKey::generate("Test <test@example.com>").unwrap();
        let fp = key.fingerprint();
        assert_eq!(fp.len(), 40);
        assert!(
            fp.chars()
                .all(|c| c.is_ascii_digit() || c.is_ascii_uppercase())
        );
    }
}
