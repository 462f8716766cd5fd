//! Maps keyed by a hash that was already computed.
//!
//! The engine and the inventory hash each target once with a keyed
//! SipHash (`RandomState`: components come from users' SBOMs, so the keys
//! must not be guessable) and file it under that `u64`. Hashing the `u64`
//! again with SipHash for the map is wasted work; [`PreHashed`] hands it
//! through as it is. It is for `u64` keys that are themselves keyed
//! hashes, and nothing else.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// A `HashMap` whose `u64` keys are already keyed hashes.
pub(crate) type ByHash<V> = HashMap<u64, V, BuildHasherDefault<PreHashed>>;

/// Passes a `u64` key through as its own hash.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct PreHashed(u64);

impl Hasher for PreHashed {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        // Only `u64` keys are hashed with this; fold anything else in so it
        // still works, if slowly.
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(b);
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_is_its_own_hash() {
        let mut m: ByHash<&str> = ByHash::default();
        m.insert(7, "seven");
        m.insert(u64::MAX, "max");
        assert_eq!(m.get(&7), Some(&"seven"));
        assert_eq!(m.get(&u64::MAX), Some(&"max"));
        assert_eq!(m.get(&8), None);
        let mut h = PreHashed::default();
        h.write_u64(42);
        assert_eq!(h.finish(), 42);
    }
}
