//! AI Cyber Challenge submission bodies (pov, patch, submitted SARIF,
//! bundle) from arbitrary bytes: no panic in any reader; what is accepted
//! keeps the competition API's limits, and a pov's finding can always be
//! made.
//!
//! `RUSTC_BOOTSTRAP=1 cargo fuzz run intake_aixcc -- -max_total_time=60`

#![no_main]

use bulwark_intake::aixcc::{self, KnownPart, PartKind, ToolInfo};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(p) = aixcc::parse_pov(data) {
        assert!(!p.testcase.is_empty() && p.testcase.len() <= aixcc::MAX_TESTCASE);
        assert!(p.fuzzer_name.len() <= aixcc::MAX_NAME && p.sanitizer.len() <= aixcc::MAX_NAME);
        let _ = p.finding(&ToolInfo::default(), Some("t"));
    }
    if let Ok(p) = aixcc::parse_patch(data) {
        assert!(p.diff.len() <= aixcc::MAX_PATCH);
        assert!(!p.patch.files.is_empty());
    }
    if let Ok(s) = aixcc::parse_sarif(data) {
        assert!(s.findings.iter().all(|f| f.rule_id.is_some()));
    }
    if let Ok(b) = aixcc::parse_bundle(data) {
        // Every id names a pov of task "t": the rules then refuse only
        // a bundle of fewer than two, a misfiled kind or no finding.
        let _ = aixcc::check_bundle(&b, "t", "o", |_| {
            Some(KnownPart {
                kind: PartKind::Pov,
                task: "t".into(),
                org: "o".into(),
            })
        });
    }
});
