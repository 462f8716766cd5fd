//! The streaming SARIF reader and the fingerprint on arbitrary bytes: neither
//! may panic, whatever the document.
//!
//! `RUSTC_BOOTSTRAP=1 cargo fuzz run intake_sarif -- -max_total_time=60`

#![no_main]

use bulwark_intake::{fingerprint, read};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut n = 0usize;
    let _ = read(data, |r| {
        let _ = fingerprint(&r);
        n += 1;
        // a handler that refuses after a few results must stop the read cleanly
        if n > 64 { Err(()) } else { Ok(()) }
    });
});
