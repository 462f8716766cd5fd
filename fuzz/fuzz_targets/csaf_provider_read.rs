//! Every reader of another CSAF provider's files (`bulwark-distribution`'s
//! `provider::read`, and OpenPGP keys and signatures) on arbitrary bytes,
//! leniently and strictly: none may panic. The first byte picks the
//! reader and the mode, so one corpus covers all of them.
//!
//! `RUSTC_BOOTSTRAP=1 cargo fuzz run csaf_provider_read -- -max_total_time=60`

#![no_main]

use bulwark_distribution::openpgp::{PublicKeys, verify_detached};
use bulwark_distribution::provider::read::{self, Mode};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&which, rest)) = data.split_first() else {
        return;
    };
    let mode = if which & 0x80 == 0 {
        Mode::Lenient
    } else {
        Mode::Strict
    };
    match which % 7 {
        0 => {
            let _ = read::provider_metadata(rest, mode);
        }
        1 => {
            let _ = read::rolie_feed(rest, mode);
        }
        2 => {
            let _ = read::changes_csv(rest, mode);
        }
        3 => {
            let _ = read::index_txt(rest, mode);
        }
        4 => {
            let _ = read::hash_file(rest, 64);
            let _ = read::hash_file(rest, 128);
        }
        5 => {
            if let Ok(text) = std::str::from_utf8(rest) {
                let _ = PublicKeys::from_armored(text);
            }
        }
        _ => {
            // The signature parser and verifier, against a real key (the
            // distribution crate's Stackable fixture).
            let key = include_str!(
                "../../crates/distribution/tests/fixtures/stackable/4005788070EAA8A5.txt"
            );
            if let Ok(keys) = PublicKeys::from_armored(key) {
                let _ = verify_detached(&keys, b"{}", rest);
            }
        }
    }
});
