//! Patches (unified diffs, `git format-patch` mails) from arbitrary bytes:
//! no panic in `patch::parse`, in either mode; strict mode never accepts
//! what the default mode refuses, and when both accept they count the same
//! files and lines.
//!
//! `RUSTC_BOOTSTRAP=1 cargo fuzz run patch_parse -- -max_total_time=60`

#![no_main]

use bulwark_intake::Mode;
use bulwark_intake::patch::parse;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let repaired = parse(data, Mode::Repair);
    let strict = parse(data, Mode::Strict);
    match (&repaired, &strict) {
        (Err(_), Ok(_)) => panic!("strict mode accepted what the default mode refused"),
        (Ok(r), Ok(s)) => {
            assert_eq!(r.files, s.files);
            assert!(s.warnings.is_empty());
        }
        _ => {}
    }
    if let Ok(p) = repaired {
        let _ = (p.hunks(), p.added(), p.removed(), p.shortstat());
        for f in &p.files {
            let _ = f.path();
        }
    }
});
