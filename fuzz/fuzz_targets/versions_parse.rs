//! Every ecosystem's version parser on arbitrary text: no panic, and the
//! order of whatever parses is consistent (reflexive, antisymmetric).
//! The first byte picks the ecosystem; the rest, split at the first
//! newline, gives two versions.
//!
//! `RUSTC_BOOTSTRAP=1 cargo fuzz run versions_parse -- -max_total_time=60`

#![no_main]

use bulwark_versions::{Ecosystem, Version};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&which, rest)) = data.split_first() else {
        return;
    };
    let eco = Ecosystem::ALL[usize::from(which) % Ecosystem::ALL.len()];
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    let (a, b) = text.split_once('\n').unwrap_or((text, text));
    let (Ok(va), Ok(vb)) = (Version::parse(eco, a), Version::parse(eco, b)) else {
        return;
    };
    assert_eq!(va.cmp(&va), std::cmp::Ordering::Equal, "{eco} {a:?}");
    assert_eq!(va.cmp(&vb), vb.cmp(&va).reverse(), "{eco} {a:?} {b:?}");
});
