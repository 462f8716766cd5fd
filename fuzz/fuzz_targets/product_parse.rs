//! Products without a package URL from arbitrary bytes: no panic reading a
//! CPE 2.3 name or a CVE record's `affected` entries (in either mode), nor
//! in judging a version or matching a product against what was read.
//!
//! `RUSTC_BOOTSTRAP=1 cargo fuzz run product_parse -- -max_total_time=60`

#![no_main]

use bulwark_matching::product::{
    Cpe, Mode, ProductQuery, affected_entries, matches, name_key, read_affected,
};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let cpe = Cpe::parse(&text).ok();
    if let Some(c) = &cpe {
        let _ = c.matches(c);
        let _ = c.to_string();
    }
    let _ = name_key(&text);
    let Ok(record) = serde_json::from_slice::<serde_json::Value>(data) else {
        return;
    };
    let _ = read_affected(&record, Mode::Strict);
    let _ = read_affected(&record, Mode::Lenient);
    let q = ProductQuery {
        vendor: "vendor".into(),
        product: "product".into(),
        version: Some("1.2.3".into()),
        cpe,
    };
    for e in affected_entries(&record) {
        let _ = e.verdict(Some("1.2.3"));
        let _ = e.verdict(None);
        let _ = matches(&e, &q);
    }
});
