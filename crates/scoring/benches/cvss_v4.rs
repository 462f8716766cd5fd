//! CVSS v4.0 vectors per second on one core: our scorer, `cvss::score`
//! (which adds the copy of the vector a `Score` carries) and, for
//! comparison, RustSec's `cvss` crate that scored v4.0 before.
//!
//!     cargo bench -p bulwark-scoring --bench cvss_v4
//!
//! The vectors are the shared reference set
//! (`shared/data/prioritization/cvss40_vectors.csv` beside the repository)
//! when it is there, else the committed excerpt and edge vectors. Target:
//! 500,000 vectors/s or more through `cvss::score`.

use std::hint::black_box;
use std::path::PathBuf;
use std::str::FromStr;
use std::time::{Duration, Instant};

use bulwark_scoring::cvss;

fn vectors() -> (String, Vec<String>) {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let shared = dir.join("../../../shared/data/prioritization/cvss40_vectors.csv");
    let shared = shared.canonicalize().unwrap_or(shared);
    let files = if shared.exists() {
        vec![shared]
    } else {
        vec![
            dir.join("tests/fixtures/cvss40_vectors_excerpt.csv"),
            dir.join("tests/fixtures/cvss40_edge_vectors.csv"),
        ]
    };
    let mut out = Vec::new();
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap_or_else(|e| panic!("{}: {e}", f.display()));
        out.extend(
            text.lines()
                .skip(1)
                .filter_map(|l| l.split(',').next())
                .filter(|v| !v.is_empty())
                .map(str::to_owned),
        );
    }
    let names: Vec<String> = files.iter().map(|f| f.display().to_string()).collect();
    (names.join(", "), out)
}

/// Runs `f` over all vectors, again until at least `budget` has passed;
/// returns vectors per second.
fn rate(vectors: &[String], budget: Duration, mut f: impl FnMut(&str) -> f64) -> f64 {
    let start = Instant::now();
    let mut n = 0u64;
    let mut sum = 0.0;
    loop {
        for v in vectors {
            sum += f(v);
        }
        n += vectors.len() as u64;
        if start.elapsed() >= budget {
            break;
        }
    }
    black_box(sum);
    n as f64 / start.elapsed().as_secs_f64()
}

fn main() {
    let (source, vectors) = vectors();
    assert!(!vectors.is_empty(), "no vectors in {source}");
    println!("{} CVSS v4.0 vectors from {source}", vectors.len());
    // `cargo bench` passes --bench; under `cargo test --benches` one pass
    // is enough to show it runs.
    let budget = if std::env::args().any(|a| a == "--bench") {
        Duration::from_secs(2)
    } else {
        Duration::ZERO
    };

    let ours = rate(&vectors, budget, |v| {
        cvss::v4::score(black_box(v)).map_or(-1.0, |s| s.score)
    });
    let score = rate(&vectors, budget, |v| {
        cvss::score(black_box(v)).map_or(-1.0, |s| s.score)
    });
    let crate_v4 = rate(&vectors, budget, |v| {
        ::cvss::v4::Vector::from_str(black_box(v)).map_or(-1.0, |x| x.score().value())
    });
    for (what, r) in [
        ("cvss::v4::score (ours, no allocation)", ours),
        ("cvss::score (ours + the vector's copy)", score),
        ("cvss crate v4 parse + score (before)", crate_v4),
    ] {
        println!("{what:<42} {r:>12.0} vectors/s");
    }
}
