//! Profiles classified per second with the default benchmark set, on one
//! core. Target: 100,000 profiles in under a second (release build).
//!
//! `cargo bench -p bulwark-frontier` prints the figures; nothing is asserted.

use std::hint::black_box;
use std::time::Instant;

use bulwark_frontier::{BenchmarkSet, DEFAULT_BENCHMARKS, ModelProfile, Outcome};

const PROFILES: usize = 100_000;
const RUNS: usize = 5;

/// A deterministic mix like a registry's: a third without compute, some
/// with evaluation scores, most without.
fn profiles() -> Vec<ModelProfile> {
    let mut state: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state >> 11) as f64 / (1u64 << 53) as f64
    };
    (0..PROFILES)
        .map(|i| {
            let mut p = ModelProfile::named(format!("model-{i}"));
            p.organization = Some(format!("org-{}", i % 97));
            if next() > 0.33 {
                p.training_compute_flop = Some(10f64.powf(18.0 + 9.0 * next()));
            }
            if next() > 0.5 {
                p.parameters = Some(10f64.powf(6.0 + 7.0 * next()));
            }
            if next() > 0.8 {
                p.bio_sequence_data = Some(next() > 0.9);
            }
            if next() > 0.7 {
                for name in [
                    "cybench",
                    "intercode_ctf",
                    "cyberseceval_exploit",
                    "nyu_ctf",
                ] {
                    if next() > 0.3 {
                        p.evals.insert(name.to_owned(), next());
                    }
                }
            }
            p
        })
        .collect()
}

fn main() {
    let set = match BenchmarkSet::from_toml(DEFAULT_BENCHMARKS) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("default set: {e}");
            std::process::exit(1);
        }
    };
    let profiles = profiles();
    let now = time::OffsetDateTime::UNIX_EPOCH;

    let mut counts = [0usize; 4];
    for p in &profiles {
        let i = match set.determine(p, now).outcome {
            Outcome::Covered => 0,
            Outcome::Notify => 1,
            Outcome::NotCovered => 2,
            Outcome::Indeterminate => 3,
        };
        counts[i] += 1;
    }

    let mut rates = Vec::with_capacity(RUNS);
    for _ in 0..RUNS {
        let start = Instant::now();
        for p in &profiles {
            black_box(set.determine(black_box(p), now));
        }
        let secs = start.elapsed().as_secs_f64();
        rates.push((secs, PROFILES as f64 / secs));
    }
    rates.sort_by(|a, b| a.0.total_cmp(&b.0));
    let (best, median) = (rates[0], rates[RUNS / 2]);
    println!(
        "classify: {PROFILES} profiles × {} criteria (frontier-cyber); outcomes covered/notify/not_covered/indeterminate = {counts:?}",
        set.criteria().len()
    );
    println!(
        "classify: median {:.3} s = {:.0} profiles/s; best {:.3} s = {:.0} profiles/s (one core)",
        median.0, median.1, best.0, best.1
    );

    // Records as the CLI prints them (one JSON line per profile).
    let start = Instant::now();
    let mut bytes = 0usize;
    for p in &profiles {
        let d = set.determine(p, now);
        bytes += serde_json::to_string(&d.record(p)).map_or(0, |s| s.len());
    }
    let secs = start.elapsed().as_secs_f64();
    println!(
        "classify + JSON line: {:.3} s = {:.0} profiles/s ({bytes} bytes)",
        secs,
        PROFILES as f64 / secs
    );
}
