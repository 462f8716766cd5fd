//! The validator against the shared data set: the OASIS mandatory-test
//! fixtures as its oracle (`testcases.json` says which file must fail which
//! test and which must pass it), and real publishers' documents.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use bulwark_distribution::csaf;
use serde_json::Value;

fn csaf_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/advisories/csaf")
}

fn read(path: &Path) -> Value {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_slice(&bytes).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The OASIS fixtures (oasis-tcs/csaf, `csaf_2.0/test/validator/data`).
#[test]
#[ignore = "needs the shared data set"]
fn oasis_mandatory_fixtures_are_the_oracle() {
    oracle(
        &csaf_dir().join("oasis-tcs-csaf/csaf_2.0/test/validator/data"),
        100,
    );
}

/// The csaf-rs project's fixtures (`type-generator/assets/tests/csaf_2.0`),
/// in the same `testcases.json` format.
#[test]
#[ignore = "needs the shared data set"]
fn csaf_rs_mandatory_fixtures_are_the_oracle() {
    oracle(
        &csaf_dir().join("csaf-rs-testcases/type-generator/assets/tests/csaf_2.0"),
        50,
    );
}

/// For each mandatory test id in `base/testcases.json`: every "failures"
/// file gets a problem of that test, every "valid" file none of that test.
fn oracle(base: &Path, at_least: usize) {
    let cases = read(&base.join("testcases.json"));
    let mut wrong = Vec::new();
    let mut checked = 0;
    for test in cases["tests"].as_array().unwrap() {
        if test["group"] != "mandatory" {
            continue;
        }
        let id = test["id"].as_str().unwrap();
        for (list, must_fail) in [("failures", true), ("valid", false)] {
            for case in test[list].as_array().map(Vec::as_slice).unwrap_or(&[]) {
                let name = case["name"].as_str().unwrap();
                let problems = csaf::validate(&read(&base.join(name)));
                let hit = problems.iter().any(|p| p.test == id);
                checked += 1;
                if hit != must_fail {
                    let found: Vec<String> = problems.iter().map(ToString::to_string).collect();
                    wrong.push(format!(
                        "{id} {name}: expected {}, got {found:?}",
                        if must_fail { "a problem" } else { "none" }
                    ));
                }
            }
        }
    }
    assert!(checked > at_least, "only {checked} fixtures checked");
    assert!(
        wrong.is_empty(),
        "{} of {checked} wrong:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            walk(&p, out);
        } else if p.extension().is_some_and(|x| x == "json") {
            out.push(p);
        }
    }
}

/// Every CSAF 2.0 document of the shared data set (files whose
/// `document.csaf_version` is "2.0", outside the two validators' fixture
/// sets, which are wrong on purpose) is validated; the tally by test is
/// printed. Measured: 409 of 419 valid; the ten others are test data with
/// real mistakes (Red Hat documents edited for csaf-walker's and trustify's
/// tests: undefined and duplicate product ids, an empty title, a version
/// that is not the latest revision's). The BSI's csaf-validator-lib
/// (2.0.10, `scripts/csaf-validate.mjs`) finds the same ten documents
/// invalid and no other. The floor is 95%.
#[test]
#[ignore = "needs the shared data set"]
fn real_documents() {
    let mut files = Vec::new();
    walk(&csaf_dir(), &mut files);
    files.sort();
    let (mut docs, mut valid) = (0, 0);
    let mut by_test: BTreeMap<String, usize> = BTreeMap::new();
    for f in &files {
        let name = f.to_string_lossy();
        if name.contains("test/validator/data") || name.contains("csaf-rs-testcases") {
            continue;
        }
        let Ok(bytes) = std::fs::read(f) else {
            continue;
        };
        let Ok(doc) = serde_json::from_slice::<Value>(&bytes) else {
            continue;
        };
        if doc
            .pointer("/document/csaf_version")
            .and_then(Value::as_str)
            != Some("2.0")
        {
            continue;
        }
        docs += 1;
        let problems = csaf::validate(&doc);
        if problems.is_empty() {
            valid += 1;
        } else {
            let mut tests: Vec<&str> = problems.iter().map(|p| p.test.as_str()).collect();
            tests.dedup();
            for t in tests {
                *by_test.entry(t.to_owned()).or_default() += 1;
            }
            eprintln!("{}: {}", f.display(), problems[0]);
        }
    }
    eprintln!(
        "{valid} of {docs} CSAF 2.0 documents valid; documents failing each test: {by_test:?}"
    );
    assert!(docs > 100, "only {docs} CSAF 2.0 documents found");
    assert!(valid * 100 >= docs * 95, "{valid} of {docs} valid");
}
