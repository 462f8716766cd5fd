//! The streaming SARIF reader and the fingerprint on arbitrary bytes: neither
//! may panic, whatever the document, in either mode; a document the reader
//! accepts is JSON by serde_json's judgement too (the reader's own scanner
//! finds where values end, so it must never let malformed JSON through); and
//! what strict mode accepts, the default mode accepts alike: the same
//! findings and fingerprints, and only repairs that strict mode makes too.
//!
//! `RUSTC_BOOTSTRAP=1 cargo fuzz run intake_sarif -- -max_total_time=60`

#![no_main]

use bulwark_intake::sarif::{ReadOptions, read_with};
use bulwark_intake::{Fingerprint, fingerprint, read};
use libfuzzer_sys::fuzz_target;

fn fingerprints(data: &[u8], options: ReadOptions) -> Option<(Vec<Fingerprint>, usize)> {
    let mut out = Vec::new();
    let summary = read_with(data, options, |r| {
        out.push(fingerprint(&r));
        Ok::<(), ()>(())
    })
    .ok()?;
    assert_eq!(summary.findings, out.len());
    assert_eq!(summary.results, summary.findings + summary.skipped.total());
    assert!(summary.warnings.first.len() <= summary.warnings.total());
    Some((out, summary.warnings.total()))
}

fuzz_target!(|data: &[u8]| {
    let repaired = fingerprints(data, ReadOptions::default());
    if repaired.is_some() {
        let json = data.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(data);
        assert!(serde_json::from_slice::<serde::de::IgnoredAny>(json).is_ok());
    }
    if let Some(strict) = fingerprints(data, ReadOptions::strict()) {
        assert_eq!(Some(&strict), repaired.as_ref(), "strict and default disagree");
    }
    let mut n = 0usize;
    let _ = read(data, |r| {
        let _ = fingerprint(&r);
        n += 1;
        // a handler that refuses after a few results must stop the read cleanly
        if n > 64 { Err(()) } else { Ok(()) }
    });
});
