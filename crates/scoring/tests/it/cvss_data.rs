//! Every vector of the reference sets scores exactly as listed.

use std::path::PathBuf;
use std::str::FromStr;

use crate::common::{csv, fixture, shared};
use bulwark_scoring::cvss::{self, Severity, Version};

/// `vector,score` files: the score, and the severity band it falls in.
fn check_scores(path: PathBuf, version: Version) -> usize {
    let rows = csv(&path);
    let mut wrong = Vec::new();
    for (line, row) in &rows {
        let want: f64 = row["score"].parse().unwrap();
        match cvss::score(&row["vector"]) {
            Ok(s) => {
                assert_eq!(s.version, version, "line {line}");
                assert_eq!(s.vector, row["vector"], "vector kept as written");
                if s.score != want || s.severity != Severity::of(want) {
                    wrong.push(format!(
                        "line {line}: {} → {} ({}), listed {want}",
                        row["vector"], s.score, s.severity
                    ));
                }
            }
            Err(e) => wrong.push(format!("line {line}: {}: {e}", row["vector"])),
        }
    }
    assert!(
        wrong.is_empty(),
        "{}:\n{}",
        path.display(),
        wrong.join("\n")
    );
    rows.len()
}

/// `vector,base,temporal,environmental` (v3.0).
fn check_full(path: PathBuf) -> usize {
    let rows = csv(&path);
    for (line, row) in &rows {
        let v = &row["vector"];
        let s = cvss::v3_scores(v).unwrap_or_else(|e| panic!("line {line}: {v}: {e}"));
        let want = |k: &str| row[k].parse::<f64>().unwrap();
        assert_eq!(
            (s.base, s.temporal, s.environmental),
            (want("base"), want("temporal"), want("environmental")),
            "line {line}: {v}"
        );
        assert_eq!(cvss::score(v).unwrap().score, s.base, "line {line}");
    }
    rows.len()
}

#[test]
fn fixtures_score_as_listed() {
    assert_eq!(
        check_scores(fixture("cvss30_vectors_excerpt.csv"), Version::V3_0),
        44
    );
    assert_eq!(
        check_scores(fixture("cvss31_vectors_excerpt.csv"), Version::V3_1),
        44
    );
    assert!(check_scores(fixture("cvss40_vectors_excerpt.csv"), Version::V4_0) > 80);
    assert_eq!(
        check_scores(fixture("cvss40_edge_vectors.csv"), Version::V4_0),
        112
    );
    assert_eq!(check_full(fixture("cvss30_full_vectors.csv")), 31);
}

#[test]
#[ignore = "needs the shared data set"]
fn shared_data_scores_as_listed() {
    assert_eq!(
        check_scores(shared("cvss30_vectors.csv"), Version::V3_0),
        2592
    );
    assert_eq!(
        check_scores(shared("cvss31_vectors.csv"), Version::V3_1),
        2592
    );
    assert_eq!(
        check_scores(shared("cvss40_vectors.csv"), Version::V4_0),
        1694
    );
    assert_eq!(check_full(shared("cvss30_full_vectors.csv")), 31);
}

/// Our v4.0 scorer (`cvss::score` and the allocation-free `cvss::v4::score`)
/// against every listed score of the shared set and against RustSec's
/// `cvss` crate, which scored v4.0 before.
fn check_v4_against_the_crate(path: PathBuf) -> usize {
    let rows = csv(&path);
    let mut wrong = Vec::new();
    for (line, row) in &rows {
        let v = &row["vector"];
        let listed: f64 = row["score"].parse().unwrap();
        let ours = cvss::score(v).map(|s| s.score);
        let lean = cvss::v4::score(v).map(|s| s.score);
        let theirs = ::cvss::v4::Vector::from_str(v)
            .map(|x| (x.score().value() * 10.0).round() / 10.0)
            .map_err(|e| e.to_string());
        if ours != Ok(listed) || lean != Ok(listed) || theirs != Ok(listed) {
            wrong.push(format!(
                "line {line}: {v}: ours {ours:?} / {lean:?}, crate {theirs:?}, listed {listed}"
            ));
        }
    }
    assert!(
        wrong.is_empty(),
        "{}:\n{}",
        path.display(),
        wrong.join("\n")
    );
    rows.len()
}

#[test]
fn v4_fixtures_score_as_listed_and_as_the_crate() {
    assert!(check_v4_against_the_crate(fixture("cvss40_vectors_excerpt.csv")) > 80);
    assert_eq!(
        check_v4_against_the_crate(fixture("cvss40_edge_vectors.csv")),
        112
    );
}

#[test]
#[ignore = "needs the shared data set"]
fn shared_v4_scores_as_listed_and_as_the_crate() {
    assert_eq!(
        check_v4_against_the_crate(shared("cvss40_vectors.csv")),
        1694
    );
}
