//! BOD 26-04 timelines, row by row.

use std::collections::HashMap;
use std::path::PathBuf;

use crate::common::{csv, fixture, shared};
use bulwark_scoring::bod2604::{self, Timeline};

fn yes(s: &str) -> bool {
    match s {
        "yes" => true,
        "no" => false,
        other => panic!("not yes/no: {other}"),
    }
}

/// Columns: in KEV, publicly exposed, automatable, technical impact, timeline.
fn check(path: PathBuf, cols: [&str; 5]) {
    let rows = csv(&path);
    assert_eq!(rows.len(), 16);
    let mut seen = HashMap::new();
    for (line, r) in rows {
        let want: Timeline = r[cols[4]].parse().unwrap();
        let got = bod2604::timeline(
            yes(&r[cols[0]]),
            yes(&r[cols[1]]),
            r[cols[2]].parse().unwrap(),
            r[cols[3]].parse().unwrap(),
        );
        assert_eq!(got, want, "line {line}: {r:?}");
        assert_eq!(got.to_string(), r[cols[4]], "CISA's name");
        *seen.entry(got.to_string()).or_insert(0) += 1;
    }
    assert_eq!(seen["3 days & forensic investigation"], 3);
}

const COLS: [&str; 5] = [
    "in_kev",
    "publicly_exposed",
    "automatable",
    "technical_impact",
    "remediation_timeline",
];

#[test]
fn fixture_table_matches() {
    check(fixture("bod2604_timelines.csv"), COLS);
}

#[test]
#[ignore = "needs the shared data set"]
fn shared_tables_match() {
    check(shared("bod2604_timelines.csv"), COLS);
    // CISA's own export of the decision table, in its own column names.
    check(
        shared("ssvc_src/cisa_bod_26_04_1_0_0.csv"),
        [
            "In KEV v1.0.0 (cisa)",
            "Publicly Exposed v1.0.0 (cisa)",
            "Automatable v2.0.0",
            "Technical Impact v1.0.0",
            "CISA BOD 26-04 Remediation Timelines v1.0.0 (cisa)",
        ],
    );
}
