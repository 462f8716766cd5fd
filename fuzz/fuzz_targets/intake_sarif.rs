//! The streaming SARIF reader and the fingerprint on arbitrary bytes: neither
//! may panic, whatever the document; and a document the reader accepts is
//! JSON by serde_json's judgement too (the reader's own scanner finds where
//! values end, so it must never let malformed JSON through).
//!
//! `RUSTC_BOOTSTRAP=1 cargo fuzz run intake_sarif -- -max_total_time=60`

#![no_main]

use bulwark_intake::{fingerprint, read};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if read(data, |r| {
        let _ = fingerprint(&r);
        Ok::<(), ()>(())
    })
    .is_ok()
    {
        let json = data.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(data);
        assert!(serde_json::from_slice::<serde::de::IgnoredAny>(json).is_ok());
    }
    let mut n = 0usize;
    let _ = read(data, |r| {
        let _ = fingerprint(&r);
        n += 1;
        // a handler that refuses after a few results must stop the read cleanly
        if n > 64 { Err(()) } else { Ok(()) }
    });
});
