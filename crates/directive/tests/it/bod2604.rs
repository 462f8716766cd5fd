//! The shipped BOD 26-04 file against CISA's table (the CERT/CC CSV) and
//! against the independent hand-written table in `bulwark-scoring`.

use std::path::{Path, PathBuf};

use bulwark_directive::{Directive, Evaluation};
use bulwark_scoring::bod2604;
use bulwark_scoring::ssvc::{Automatable, TechnicalImpact};
use serde_json::json;

use crate::common::*;

fn evaluate(d: &Directive, facts: serde_json::Value) -> Evaluation {
    d.evaluate(&d.facts_from_json(&facts, "$").unwrap())
}

fn row_facts(kev: &str, pe: &str, a: &str, ti: &str) -> serde_json::Value {
    json!({
        "in_kev": kev, "publicly_exposed": pe, "automatable": a,
        "technical_impact": ti, "trigger": "2026-08-07T16:45:00Z"
    })
}

/// CISA's outcome name as the file's (timeline, forensic).
fn outcome(csv_name: &str) -> (String, bool) {
    match csv_name {
        "fix on system upgrade" => ("on upgrade".into(), false),
        s => match s.strip_suffix(" & forensic investigation") {
            Some(t) => (t.into(), true),
            None => (s.into(), false),
        },
    }
}

/// Every row of the CSV at `path` is what the shipped file says.
fn check_against_csv(path: &Path) -> usize {
    let d = bod_26_04();
    let mut rows = 0;
    let mut reader = csv::Reader::from_path(path).unwrap();
    for row in reader.records() {
        let row = row.unwrap();
        let e = evaluate(&d, row_facts(&row[0], &row[1], &row[2], &row[3]));
        assert_eq!(
            (e.timeline.clone(), e.forensic),
            outcome(&row[4]),
            "row {row:?}: rule {}",
            e.rule
        );
        rows += 1;
    }
    rows
}

#[test]
fn the_shipped_file_loads_with_its_scope_and_revocations() {
    let d = bod_26_04();
    assert_eq!(d.citation(), "BOD-26-04@1.0.0");
    assert_eq!(d.rules().len(), 16);
    assert_eq!(d.revokes(), ["BOD-19-02", "BOD-22-01"]);
    assert_eq!(
        d.scope().applies_to,
        ["federal civilian executive branch agencies"]
    );
    assert_eq!(
        d.scope().excludes,
        ["national security systems", "Department of Defense systems"]
    );
    assert_eq!(d.rules().iter().filter(|r| r.outcome.forensic).count(), 3);
}

#[test]
fn the_shipped_file_matches_the_committed_table() {
    let path = PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/it/fixtures/bod2604_timelines.csv"
    ));
    assert_eq!(check_against_csv(&path), 16);
}

#[test]
#[ignore = "needs the shared data set"]
fn the_shipped_file_matches_the_shared_table() {
    let path = PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/data/prioritization/bod2604_timelines.csv"
    ));
    assert_eq!(check_against_csv(&path), 16);
}

#[test]
fn the_shipped_file_matches_the_scoring_table() {
    let d = bod_26_04();
    let yn = |b: bool| if b { "yes" } else { "no" };
    for kev in [false, true] {
        for pe in [false, true] {
            for (a, an) in [(Automatable::No, "no"), (Automatable::Yes, "yes")] {
                for (ti, tn) in [
                    (TechnicalImpact::Partial, "partial"),
                    (TechnicalImpact::Total, "total"),
                ] {
                    let t = bod2604::timeline(kev, pe, a, ti);
                    let e = evaluate(&d, row_facts(yn(kev), yn(pe), an, tn));
                    let expected = match t.days {
                        None => "on upgrade".to_owned(),
                        Some(n) => format!("{n} days"),
                    };
                    assert_eq!(e.timeline, expected, "{kev} {pe} {an} {tn}");
                    assert_eq!(e.forensic, t.forensic_investigation);
                }
            }
        }
    }
}

/// The defaults for unknown are conservative: for every combination,
/// making any one fact unknown never gives a later due date.
#[test]
fn defaults_for_unknown_never_give_a_later_timeline() {
    let d = bod_26_04();
    let rank = |e: &Evaluation| e.due.map_or(i128::MAX, |t| t.unix_timestamp_nanos());
    let facts = [
        "in_kev",
        "publicly_exposed",
        "automatable",
        "technical_impact",
    ];
    for kev in ["yes", "no"] {
        for pe in ["yes", "no"] {
            for a in ["yes", "no"] {
                for ti in ["partial", "total"] {
                    let known = row_facts(kev, pe, a, ti);
                    let base = evaluate(&d, known.clone());
                    for f in facts {
                        let mut unknown = known.clone();
                        unknown[f] = json!("unknown");
                        let e = evaluate(&d, unknown);
                        assert!(rank(&e) <= rank(&base), "{known} with {f} unknown");
                    }
                }
            }
        }
    }
}
