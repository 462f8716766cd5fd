//! Over the whole shared data set (`../shared/data`, beside the project).

use std::path::PathBuf;

use bulwark_frontier::inspect::{self, EvalStatus};
use bulwark_frontier::{BenchmarkSet, DEFAULT_BENCHMARKS, Outcome, import::epoch_csv};
use time::macros::datetime;

fn frontier_dir() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data")).join("frontier")
}

/// `cell > 10^power`, decided on the decimal text itself, with no floating
/// point, so the expectation does not share the importer's number parsing.
fn decimal_exceeds(cell: &str, power: i64) -> bool {
    let (mantissa, exp) = match cell.split_once(['e', 'E']) {
        Some((m, e)) => (m, e.parse::<i64>().expect("exponent")),
        None => (cell, 0),
    };
    assert!(!mantissa.starts_with('-'), "negative compute {cell}");
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let digits: String = format!("{int}{frac}");
    let lead = digits.len() - digits.trim_start_matches('0').len();
    let significant = digits.trim_start_matches('0').trim_end_matches('0');
    if significant.is_empty() {
        return false; // zero
    }
    // value = 0.<significant> × 10^k; 10^power = 0.1 × 10^(power + 1)
    let k = int.len() as i64 - lead as i64 + exp;
    k > power + 1 || (k == power + 1 && significant != "1")
}

fn decimal_exceeds_1e26(cell: &str) -> bool {
    decimal_exceeds(cell, 26)
}

/// The compute floor of the default set's capability criteria.
const FLOOR_POWER: i64 = 23;

#[test]
#[ignore = "needs the shared data set (../shared/data)"]
fn classify_every_epoch_csv_with_the_default_set() {
    let set = BenchmarkSet::from_toml(DEFAULT_BENCHMARKS).unwrap();
    let now = datetime!(2026-09-01 0:00 UTC);
    let mut files: Vec<PathBuf> = std::fs::read_dir(frontier_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "csv"))
        .collect();
    files.sort();
    assert_eq!(files.len(), 4, "{files:?}");
    for file in files {
        let bytes = std::fs::read(&file).unwrap();
        let profiles = epoch_csv(&bytes[..]).unwrap_or_else(|e| panic!("{}: {e}", file.display()));

        let mut raw = csv::Reader::from_reader(&bytes[..]);
        let col = raw
            .headers()
            .unwrap()
            .iter()
            .position(|h| h == "Training compute (FLOP)")
            .unwrap();
        let cells: Vec<String> = raw
            .records()
            .map(|r| r.unwrap()[col].trim().to_owned())
            .collect();
        assert_eq!(cells.len(), profiles.len(), "{}", file.display());

        let (mut covered, mut blank, mut below) = (0, 0, 0);
        for (p, cell) in profiles.iter().zip(&cells) {
            let d = set.determine(p, now);
            let what = format!("{}: {:?} ({cell:?})", file.display(), p.name);
            if cell.is_empty() {
                blank += 1;
                assert_eq!(d.outcome, Outcome::Indeterminate, "{what}");
                assert!(
                    d.missing.iter().any(|m| m == "training_compute_flop"),
                    "{what}"
                );
            } else if decimal_exceeds_1e26(cell) {
                covered += 1;
                assert_eq!(d.outcome, Outcome::Covered, "{what}");
                assert!(d.missing.is_empty(), "{what}: {:?}", d.missing);
            } else {
                assert_ne!(d.outcome, Outcome::Covered, "{what}");
            }
            // No Epoch row has evaluation scores: not covered exactly when
            // the compute is known and not above the floor.
            let not_covered = !cell.is_empty() && !decimal_exceeds(cell, FLOOR_POWER);
            assert_eq!(d.outcome == Outcome::NotCovered, not_covered, "{what}");
            if not_covered {
                below += 1;
                assert!(d.missing.is_empty(), "{what}: {:?}", d.missing);
            }
            assert!(
                !d.missing.iter().any(|m| m == "training_compute_flop") || cell.is_empty(),
                "{what}: a known fact is never missing"
            );
        }
        eprintln!(
            "{}: {} models, {covered} covered, {below} at or below the floor, {blank} with blank compute",
            file.display(),
            profiles.len()
        );
    }
}

/// Outcomes over Epoch's 137 frontier models, under the default set as it
/// was (2026.1: capability criteria without a compute floor) and as it is.
/// None has evaluation scores; 2026.1 left every model below 1e25 FLOP
/// indeterminate, even a 1950 model of 40 parameters.
#[test]
#[ignore = "needs the shared data set (../shared/data)"]
fn outcomes_over_the_frontier_models_before_and_after_the_compute_floor() {
    const BEFORE: &str = include_str!("../fixtures/frontier-cyber-2026.1.toml");
    let bytes = std::fs::read(frontier_dir().join("frontier_ai_models.csv")).unwrap();
    let profiles = epoch_csv(&bytes[..]).unwrap();
    assert_eq!(profiles.len(), 137);
    let now = datetime!(2026-12-01 0:00 UTC);
    let count = |toml: &str| {
        let set = BenchmarkSet::from_toml(toml).unwrap();
        let mut counts = [0usize; 4];
        for p in &profiles {
            let d = set.determine(p, now);
            counts[match d.outcome {
                Outcome::Covered => 0,
                Outcome::Notify => 1,
                Outcome::NotCovered => 2,
                Outcome::Indeterminate => 3,
            }] += 1;
        }
        eprintln!(
            "{}: covered {}, notify {}, not_covered {}, indeterminate {}",
            set.label(),
            counts[0],
            counts[1],
            counts[2],
            counts[3]
        );
        counts
    };
    // Counted with Python's csv module over the file: 3 models above 1e26
    // FLOP, 10 above 1e25, 91 at or below 1e23, 11 with no compute.
    assert_eq!(count(BEFORE), [3, 10, 0, 124]);
    assert_eq!(count(DEFAULT_BENCHMARKS), [3, 10, 91, 33]);
}

#[test]
fn the_decimal_comparison() {
    assert!(decimal_exceeds_1e26("5.0000000000001e+26"));
    assert!(decimal_exceeds_1e26("1.0000000000000001e26"));
    assert!(decimal_exceeds_1e26("100000000000000000000000001"));
    assert!(!decimal_exceeds_1e26("1e26"));
    assert!(!decimal_exceeds_1e26("1.000e+26"));
    assert!(!decimal_exceeds_1e26("100000000000000000000000000"));
    assert!(!decimal_exceeds_1e26("9.99e25"));
    assert!(!decimal_exceeds_1e26("0.5e27") || decimal_exceeds_1e26("0.5e27") == (0.5e27 > 1e26));
    assert!(decimal_exceeds_1e26("0.5e27"));
    assert!(!decimal_exceeds_1e26("0.0"));
    assert!(!decimal_exceeds_1e26("694894.9377361819"));
    assert!(!decimal_exceeds("1e23", 23));
    assert!(!decimal_exceeds("100000000000000000000000", 23));
    assert!(decimal_exceeds("1.0773400001e+23", 23));
    assert!(decimal_exceeds("1.12e23", 23));
    assert!(!decimal_exceeds("9.9e22", 23));
}

#[test]
#[ignore = "needs the shared data set (../shared/data)"]
fn the_shared_inspect_logs_parse_in_both_formats() {
    let dir = frontier_dir().join("inspect_logs");
    for name in ["log_formats.json", "log_formats.eval"] {
        let log = inspect::parse(&std::fs::read(dir.join(name)).unwrap())
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(
            (log.task.as_str(), log.model.as_str()),
            ("popularity", "ollama/llama3.1"),
            "{name}"
        );
        assert_eq!(log.status, EvalStatus::Success);
        assert_eq!(
            log.headline_metrics(),
            [("accuracy", Some(0.0)), ("stderr", Some(0.0))],
            "{name}"
        );
    }
    let log = inspect::from_json(
        &std::fs::read(dir.join("2025-05-12T20-28-13-04-00_popularity.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(log.task, "popularity");
    assert_eq!(log.model, "openai/gpt-4o-mini");
    assert_eq!(log.status, EvalStatus::Cancelled);
    assert_eq!(log.created, "2025-05-12T20:28:13-04:00");
    assert_eq!((log.total_samples, log.completed_samples), (3, 3));
    assert_eq!(
        log.headline_metrics(),
        [
            ("accuracy", Some(0.6666666666666666)),
            ("stderr", Some(0.33333333333333337))
        ]
    );
    // a cancelled run's scores are partial: not a profile score
    assert!(log.profile_score().is_err());
}
