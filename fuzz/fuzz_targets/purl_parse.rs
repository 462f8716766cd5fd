//! The package-URL parser on arbitrary text: no panic, and whatever parses
//! prints a canonical form that parses back to the same purl and prints
//! identically.
//!
//! `RUSTC_BOOTSTRAP=1 cargo fuzz run purl_parse -- -max_total_time=60`

#![no_main]

use bulwark_versions::Purl;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    for purl in [Purl::parse(text), Purl::parse_lenient(text)]
        .into_iter()
        .flatten()
    {
        let printed = purl.to_string();
        let again = Purl::parse(&printed).unwrap_or_else(|e| {
            panic!("{text:?} printed as {printed:?}, which does not parse: {e}")
        });
        assert_eq!(again, purl, "{text:?} -> {printed:?}");
        assert_eq!(again.to_string(), printed);
    }
});
