//! Secrets at rest: ChaCha20-Poly1305 with a random nonce, bound to the row
//! they belong to by associated data, under keys the caller supplies (the
//! server's configuration, never the database).
//!
//! One master key serves several purposes; each purpose other than dossiers
//! uses its own sub-key from [`derive_key`], so that no two purposes share a
//! key: a ciphertext moved from one table to another does not open, and a
//! leaked sub-key reveals neither the master key nor another purpose's key
//! (SHA-256 is one-way). Dossiers predate the derivation and use the master
//! key as it is; it is still distinct from every derived key.

use chacha20poly1305::aead::{Aead, AeadCore, KeyInit, OsRng, Payload};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};
use sha2::{Digest, Sha256};

use crate::{Result, StoreError};

/// Length of a ChaCha20-Poly1305 nonce, stored in front of the ciphertext.
const NONCE_LEN: usize = 12;

/// The sub-key for `purpose`: SHA-256 over a fixed label, the purpose, a
/// separator that cannot occur in a purpose, and the master key. A purpose
/// is a constant of the code (e.g. `"webhook-secret"`), never user input.
pub fn derive_key(master: &[u8; 32], purpose: &str) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(b"bulwark sub-key v1\0");
    h.update(purpose.as_bytes());
    h.update([0u8]);
    h.update(master);
    h.finalize().into()
}

/// Encrypts `plain` under `key`, authenticated together with `aad`; returns
/// nonce ‖ ciphertext.
pub(crate) fn seal(key: &[u8; 32], aad: &[u8], plain: &[u8]) -> Result<Vec<u8>> {
    let cipher = ChaCha20Poly1305::new(Key::from_slice(key));
    let nonce = ChaCha20Poly1305::generate_nonce(&mut OsRng);
    let ct = cipher
        .encrypt(&nonce, Payload { msg: plain, aad })
        .map_err(|_| StoreError::Invalid("the secret could not be encrypted".into()))?;
    let mut out = nonce.to_vec();
    out.extend_from_slice(&ct);
    Ok(out)
}

/// Decrypts what [`seal`] produced. `what` names the sealed thing in the
/// `Corrupt` error when the bytes are too short, the key is wrong or the row
/// (or its associated data) was altered.
pub(crate) fn open(key: &[u8; 32], aad: &[u8], sealed: &[u8], what: &str) -> Result<Vec<u8>> {
    if sealed.len() < NONCE_LEN {
        return Err(StoreError::Corrupt(format!("{what} is too short")));
    }
    let (nonce, ct) = sealed.split_at(NONCE_LEN);
    let cipher = ChaCha20Poly1305::new(Key::from_slice(key));
    cipher
        .decrypt(Nonce::from_slice(nonce), Payload { msg: ct, aad })
        .map_err(|_| {
            StoreError::Corrupt(format!("{what} does not decrypt: wrong key or altered row"))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_tamper() {
        let key = [7u8; 32];
        let sealed = seal(&key, b"row-1", b"hello").expect("seal");
        assert_ne!(&sealed[NONCE_LEN..], b"hello");
        assert_eq!(open(&key, b"row-1", &sealed, "x").expect("open"), b"hello");
        // Another row, another key, a flipped bit, a stub: all refused.
        assert!(open(&key, b"row-2", &sealed, "x").is_err());
        assert!(open(&[8u8; 32], b"row-1", &sealed, "x").is_err());
        let mut bad = sealed.clone();
        bad[NONCE_LEN] ^= 1;
        assert!(open(&key, b"row-1", &bad, "x").is_err());
        assert!(open(&key, b"row-1", &sealed[..5], "x").is_err());
        // Fresh nonce each time.
        assert_ne!(sealed, seal(&key, b"row-1", b"hello").expect("seal"));
    }

    #[test]
    fn sub_keys_differ_by_purpose_and_from_the_master() {
        let master = [1u8; 32];
        let a = derive_key(&master, "webhook-secret");
        assert_eq!(a, derive_key(&master, "webhook-secret"));
        assert_ne!(a, derive_key(&master, "something-else"));
        assert_ne!(a, master);
        assert_ne!(a, derive_key(&[2u8; 32], "webhook-secret"));
    }
}
