//! VEX documents from arbitrary bytes: no panic in `VexDocument::parse`,
//! in either mode, nor in matching what parses. Strict mode never accepts
//! what the default mode refuses.
//!
//! `RUSTC_BOOTSTRAP=1 cargo fuzz run vex_parse -- -max_total_time=60`

#![no_main]

use bulwark_directive::VexDocument;
use bulwark_directive::vex::Mode;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let repaired = VexDocument::parse(data, Mode::Repair);
    let strict = VexDocument::parse(data, Mode::Strict);
    assert!(
        !(repaired.is_err() && strict.is_ok()),
        "strict mode accepted what the default mode refused"
    );
    let Ok(doc) = repaired else {
        return;
    };
    for s in &doc.statements {
        let _ = s.matches_vulnerability("CVE-2024-1234");
        let _ = s.matches_component("pkg:npm/lodash@4.17.21?arch=x");
        for p in &s.products {
            if let Some(purl) = &p.purl {
                let _ = p.matches_purl(purl);
            }
        }
    }
    let _ = serde_json::to_string(&doc);
});
