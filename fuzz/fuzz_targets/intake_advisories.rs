//! Every intake format (SARIF, OSV, CSAF, native) and the format sniffer on
//! arbitrary bytes: none may panic, whatever the document.
//!
//! `RUSTC_BOOTSTRAP=1 cargo fuzz run intake_advisories -- -max_total_time=60`

#![no_main]

use bulwark_intake::finding::{Format, read};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = Format::sniff(data);
    for format in Format::ALL {
        let mut n = 0usize;
        let _ = read(format, data, |f| {
            let _ = f.fingerprint.to_string();
            n += 1;
            // a handler that refuses after a few findings must stop the read cleanly
            if n > 64 { Err(()) } else { Ok(()) }
        });
    }
});
