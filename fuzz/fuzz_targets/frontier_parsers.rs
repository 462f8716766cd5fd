//! Every parser of `bulwark-frontier` on arbitrary bytes: none may panic.
//! The first byte picks the parser, so one corpus covers all of them.
//!
//! `RUSTC_BOOTSTRAP=1 cargo fuzz run frontier_parsers -- -max_total_time=60`

#![no_main]

use bulwark_frontier::{BenchmarkSet, ModelProfile, import, inspect};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&which, rest)) = data.split_first() else {
        return;
    };
    match which % 4 {
        0 => {
            let _ = import::epoch_csv(rest);
        }
        1 => {
            let _ = import::profiles_json(rest);
        }
        2 => {
            if let Ok(text) = std::str::from_utf8(rest)
                && let Ok(set) = BenchmarkSet::from_toml(text)
            {
                // a set that loads must classify anything without failing
                let mut p = ModelProfile::named("fuzz");
                p.training_compute_flop = Some(1e25);
                p.evals.insert("cybench".into(), 0.5);
                for profile in [ModelProfile::named("bare"), p] {
                    let _ = set.determine(&profile, time::OffsetDateTime::UNIX_EPOCH);
                }
            }
        }
        _ => {
            let _ = inspect::parse(rest);
        }
    }
});
