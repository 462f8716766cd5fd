//! OSV records from arbitrary bytes, as JSON and as YAML: no panic in the
//! readers, nor in indexing and evaluating whatever parses. The first byte
//! picks the format; when a record parses, every `affected[]` entry is
//! evaluated against each of its own event and listed versions and a few
//! fixed ones, and the record is matched through the engine.
//!
//! `RUSTC_BOOTSTRAP=1 cargo fuzz run osv_parse -- -max_total_time=60`

#![no_main]

use bulwark_matching::{
    Format, Index, Target, advisory_affects, ecosystem::PackageKey, eval::evaluate, osv,
};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&which, rest)) = data.split_first() else {
        return;
    };
    let format = if which & 1 == 0 {
        Format::Json
    } else {
        Format::Yaml
    };
    let Ok(advisory) = osv::parse(rest, format) else {
        return;
    };
    let mut targets = Vec::new();
    for affected in &advisory.affected {
        let mut probes: Vec<Option<&str>> = vec![None, Some("0"), Some("1.0.0"), Some("v1.2")];
        probes.extend(
            affected
                .ranges
                .iter()
                .flat_map(|r| r.events.iter().map(|e| Some(e.version()))),
        );
        probes.extend(affected.versions.iter().map(|v| Some(v.as_str())));
        for p in &probes {
            let _ = evaluate(affected, *p).clone();
        }
        if let Some(pkg) = &affected.package {
            let key = PackageKey::new(&pkg.ecosystem, &pkg.name);
            for p in probes.iter().take(8) {
                targets.push(Target {
                    ecosystem: key.ecosystem.clone(),
                    release: None,
                    names: vec![key.name.clone()],
                    version: p.map(str::to_owned),
                });
            }
        }
    }
    let _ = advisory_affects(&advisory, &targets);
    let index = Index::from_advisories([advisory.clone()]);
    let _ = index.lookup(&advisory.id);
    let engine = bulwark_matching::Engine::new(index);
    let _ = engine.match_targets(&targets);
});
