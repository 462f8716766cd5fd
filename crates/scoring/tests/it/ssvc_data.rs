//! CISA's SSVC table, row by row.

use std::path::PathBuf;

use crate::common::{csv, fixture, shared};
use bulwark_scoring::ssvc::{self, Decision};

fn check(path: PathBuf) {
    let rows = csv(&path);
    assert_eq!(rows.len(), 36, "3 × 2 × 2 × 3 rows");
    for (line, r) in rows {
        let want: Decision = r["decision"].parse().unwrap();
        let got = ssvc::decide(
            r["exploitation"].parse().unwrap(),
            r["automatable"].parse().unwrap(),
            r["technical_impact"].parse().unwrap(),
            r["mission_wellbeing"].parse().unwrap(),
        );
        assert_eq!(got, want, "line {line}: {r:?}");
    }
}

#[test]
fn fixture_table_matches() {
    check(fixture("ssvc_cisa.csv"));
}

#[test]
#[ignore = "needs the shared data set"]
fn shared_table_matches() {
    check(shared("ssvc_cisa.csv"));
}
