//! The SBOM reader on arbitrary bytes (CycloneDX JSON and XML, SPDX JSON
//! and tag-value, gzip): no panic, and what parses is consistent: every
//! parent comes before its child, every unmatchable entry points at a
//! component without a parsed purl, and source packages derive without
//! panicking.
//!
//! `RUSTC_BOOTSTRAP=1 cargo fuzz run sbom_parse -- -max_total_time=60`

#![no_main]

use bulwark_sbom::Sbom;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(sbom) = Sbom::parse(data) else {
        return;
    };
    for (i, c) in sbom.components.iter().enumerate() {
        if let Some(parent) = c.parent {
            assert!(parent < i, "component {i} has parent {parent}");
        }
        let _ = c.source_package();
    }
    for u in &sbom.unmatchable {
        let c = &sbom.components[u.index];
        assert!(c.parsed.is_none());
        assert_eq!(u.name, c.name);
    }
    assert_eq!(
        sbom.matchable().count() + sbom.unmatchable.len(),
        sbom.components.len()
    );
});
