//! Compiled advisory records and index files from arbitrary bytes: no
//! panic in reading them, nor in looking up, decoding and matching what
//! was filed. An index file's checksum turns most mutations away, so the
//! bytes are also offered as one compiled record (as the store keeps them)
//! with the checksum bypassed, and as a file with a correct checksum.
//!
//! `RUSTC_BOOTSTRAP=1 cargo fuzz run compiled_index -- -max_total_time=60`

#![no_main]

use bulwark_matching::{Engine, Index, Target, compiled};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = Index::from_file(data.to_vec());
    let _ = compiled::decode(data);
    let mut index = Index::new();
    if index.insert_compiled(data).is_err() {
        // The same bytes as the only record of a well-formed file.
        let file = compiled::write_file([data].into_iter());
        if let Ok(i) = Index::from_file(file) {
            index = i;
        }
    }
    let advisories: Vec<_> = index.advisories().cloned().collect();
    let mut targets = Vec::new();
    for a in &advisories {
        let _ = index.lookup(&a.id);
        for p in a.affected.iter().filter_map(|x| x.package.as_ref()) {
            let key = bulwark_matching::PackageKey::new(&p.ecosystem, &p.name);
            for v in [None, Some("0"), Some("1.0.0")] {
                targets.push(Target {
                    ecosystem: key.ecosystem.clone(),
                    release: None,
                    names: vec![key.name.clone()],
                    version: v.map(str::to_owned),
                });
            }
        }
    }
    let _ = index.to_file();
    let _ = Engine::new(index).match_targets(&targets);
});
