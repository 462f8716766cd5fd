//! `bulwark match` as a script would use it: the pairs it prints, what goes
//! to standard error, exit codes; and, with the shared data set, every OSV
//! advisory against every SBOM with well-known CVEs checked by hand.

use crate::common::*;

use std::path::{Path, PathBuf};

use serde_json::Value;

/// The OSV records committed for bulwark-matching's tests (their README
/// names the sources).
fn osv_fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../matching/tests/fixtures")
}

/// `bulwark match` of the OSV fixtures against `sbom`, with `extra` flags.
fn match_fixtures(sbom: &Path, extra: &[&str]) -> std::process::Output {
    let fixtures = osv_fixtures();
    let mut args = vec![
        "match",
        "--advisories",
        fixtures.to_str().unwrap(),
        "--sbom",
        sbom.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    bulwark(&args)
}

fn temp_dir() -> PathBuf {
    let d = std::env::temp_dir().join(format!("bulwark-match-{}", uuid::Uuid::now_v7()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// A CycloneDX 1.4 SBOM of the given (purl) components.
fn cyclonedx(purls: &[&str]) -> String {
    let components: Vec<Value> = purls
        .iter()
        .enumerate()
        .map(|(i, p)| serde_json::json!({"type": "library", "name": format!("c{i}"), "purl": p}))
        .collect();
    serde_json::json!({"bomFormat": "CycloneDX", "specVersion": "1.4", "version": 1, "components": components})
        .to_string()
}

#[test]
fn affected_components_are_printed_with_the_range_that_decided() {
    let dir = temp_dir();
    // RUSTSEC-2021-0003 (smallvec): introduced 0.6.3 fixed 0.6.14, and
    // introduced 1.0.0 fixed 1.6.1, in one range.
    let sbom = dir.join("app.cdx.json");
    std::fs::write(
        &sbom,
        cyclonedx(&[
            "pkg:cargo/smallvec@1.6.0",
            "pkg:cargo/smallvec@1.6.1",
            "pkg:cargo/smallvec@0.6.13",
            "pkg:cargo/smallvec@0.6.2",
            "pkg:cargo/smallvec",
            "pkg:cargo/serde@1.0.0",
        ]),
    )
    .unwrap();
    let out = match_fixtures(&sbom, &["--format", "json"]);
    assert!(out.status.success(), "{out:?}");
    let got = json_lines(&out);
    let pairs: Vec<(&str, &str, &str)> = got
        .iter()
        .map(|v| {
            (
                v["purl"].as_str().unwrap(),
                v["advisory"].as_str().unwrap(),
                v["why"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        pairs,
        [
            (
                "pkg:cargo/smallvec@1.6.0",
                "RUSTSEC-2021-0003",
                "introduced 1.0.0, fixed 1.6.1"
            ),
            (
                "pkg:cargo/smallvec@0.6.13",
                "RUSTSEC-2021-0003",
                "introduced 0.6.3, fixed 0.6.14"
            ),
        ]
    );
    assert_eq!(got[0]["sbom"], sbom.to_str().unwrap());
    assert_eq!(
        got[0]["aliases"],
        serde_json::json!(["CVE-2021-25900", "GHSA-43w2-9j62-hq99"])
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("1 indeterminate"), "{err}");

    // --indeterminate prints the component without a version too.
    let out = match_fixtures(&dir, &["--format", "json", "--indeterminate"]);
    assert!(out.status.success(), "{out:?}");
    let undecided: Vec<Value> = json_lines(&out)
        .into_iter()
        .filter(|v| v.get("indeterminate").is_some())
        .collect();
    assert_eq!(undecided.len(), 1, "{undecided:?}");
    assert_eq!(undecided[0]["purl"], "pkg:cargo/smallvec");
    std::fs::remove_dir_all(&dir).ok();
}

/// An SPDX tag-value SBOM (CR line ends, as some generators write) whose
/// packages carry several purl references in both SPDX spellings.
fn spdx_several_purls() -> String {
    [
        "SPDXVersion: SPDX-2.3",
        "DataLicense: CC0-1.0",
        "SPDXID: SPDXRef-DOCUMENT",
        "DocumentName: several-purls",
        "PackageName: smallvec",
        "SPDXID: SPDXRef-a",
        "PackageVersion: 1.6.0",
        // A wrong first reference (no such crate version is affected) …
        "ExternalRef: PACKAGE-MANAGER purl pkg:cargo/smallvec-wrong@1.6.0",
        // … must not hide the right one; two spellings of it count once.
        "ExternalRef: PACKAGE_MANAGER purl pkg:cargo/smallvec@1.6.0",
        "ExternalRef: PACKAGE-MANAGER purl pkg:cargo/smallvec@1.6.0?repository_url=x",
        "PackageName: serde",
        "SPDXID: SPDXRef-b",
        "PackageVersion: 1.0.0",
        "ExternalRef: PACKAGE_MANAGER purl pkg:cargo/serde@1.0.0",
    ]
    .join("\r")
}

#[test]
fn every_purl_of_a_package_is_looked_up_and_each_hit_reported_once() {
    let dir = temp_dir();
    let sbom = dir.join("several.spdx");
    std::fs::write(&sbom, spdx_several_purls()).unwrap();
    let out = match_fixtures(&sbom, &["--format", "json"]);
    assert!(out.status.success(), "{out:?}");
    let got = json_lines(&out);
    let pairs: Vec<(&str, &str)> = got
        .iter()
        .map(|v| (v["purl"].as_str().unwrap(), v["advisory"].as_str().unwrap()))
        .collect();
    assert_eq!(
        pairs,
        [("pkg:cargo/smallvec@1.6.0", "RUSTSEC-2021-0003")],
        "one line for the package, under the purl that matched"
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("2 components"), "{err}");
    assert!(err.contains("1 affected"), "{err}");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn a_named_file_that_is_no_sbom_is_exit_2_and_a_walk_skips_it() {
    let dir = temp_dir();
    let notes = dir.join("notes.txt");
    std::fs::write(&notes, "not an SBOM").unwrap();
    std::fs::write(
        dir.join("app.cdx.json"),
        cyclonedx(&["pkg:cargo/smallvec@1.6.0"]),
    )
    .unwrap();
    let named = match_fixtures(&notes, &[]);
    assert_eq!(named.status.code(), Some(2), "{named:?}");
    let err = String::from_utf8_lossy(&named.stderr);
    assert!(err.contains("notes.txt: refused"), "{err}");

    let walked = match_fixtures(&dir, &["--format", "json"]);
    assert!(walked.status.success(), "{walked:?}");
    assert_eq!(json_lines(&walked).len(), 1);
    let err = String::from_utf8_lossy(&walked.stderr);
    assert!(err.contains("notes.txt: skipped"), "{err}");

    // A broken SBOM met in a walk is an error, not a skip.
    std::fs::write(
        dir.join("broken.cdx.json"),
        r#"{"bomFormat": "CycloneDX", "specVersion": "1.4", "components": [{"name": 7}]}"#,
    )
    .unwrap();
    let walked = match_fixtures(&dir, &[]);
    assert_eq!(walked.status.code(), Some(2), "{walked:?}");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn missing_advisories_are_exit_2() {
    let out = bulwark(&[
        "match",
        "--advisories",
        "/nonexistent/osv",
        "--sbom",
        "/nonexistent/sbom.json",
    ]);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
}

/// `bulwark match` of `source` (`--advisories DIR`, `--index FILE` or
/// `--database URL`) against `sbom`, every indeterminate component
/// included, as JSON lines; the run must succeed.
fn match_from(source: &[&str], sbom: &Path) -> String {
    let mut args = vec!["match"];
    args.extend_from_slice(source);
    args.extend_from_slice(&[
        "--sbom",
        sbom.to_str().unwrap(),
        "--indeterminate",
        "--format",
        "json",
    ]);
    let out = bulwark(&args);
    assert!(out.status.success(), "{source:?}: {}", stderr(&out));
    stdout(&out)
}

/// The same pairs from the records, from their compiled index and from a
/// database they were imported into; `source` is a directory of records.
fn compiled_matches_records(source: &Path, sbom: &Path) -> usize {
    let dir = temp_dir();
    let index = dir.join("osv.idx");
    let out = bulwark(&[
        "advisories",
        "compile",
        source.to_str().unwrap(),
        "-o",
        index.to_str().unwrap(),
    ]);
    // Exit 2: broken records (the shared data holds a few) are named and
    // left out, by both.
    assert!(matches!(out.status.code(), Some(0 | 2)), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("records compiled"),
        "{}",
        stderr(&out)
    );
    let db = temp_db();
    let out = bulwark(&["import", "osv", source.to_str().unwrap(), "--database", &db]);
    assert!(matches!(out.status.code(), Some(0 | 2)), "{}", stderr(&out));
    let records = match_from(&["--advisories", source.to_str().unwrap()], sbom);
    let compiled = match_from(&["--index", index.to_str().unwrap()], sbom);
    let stored = match_from(&["--database", &db], sbom);
    assert_eq!(compiled, records, "--index against --advisories");
    assert_eq!(stored, records, "--database against --advisories");
    records.lines().count()
}

#[test]
fn the_compiled_index_matches_as_the_records_do() {
    let dir = temp_dir();
    // Components the fixtures' advisories name, affected or not, and one
    // without a version (indeterminate).
    let sbom = dir.join("app.cdx.json");
    std::fs::write(
        &sbom,
        cyclonedx(&[
            "pkg:cargo/smallvec@1.6.0",
            "pkg:cargo/smallvec@1.6.1",
            "pkg:cargo/smallvec",
            "pkg:golang/stdlib@1.20.0",
            "pkg:pypi/django@4.2.1",
            "pkg:pypi/django@4.2.3",
            "pkg:julia/HTTP@1.10.0",
            "pkg:julia/URIs@1.6.0",
        ]),
    )
    .unwrap();
    // smallvec 1.6.0, stdlib 1.20.0, django 4.2.1 and the smallvec
    // without a version (Julia purls need the package's uuid: unusable).
    let pairs = compiled_matches_records(&osv_fixtures(), &sbom);
    assert_eq!(pairs, 4, "{pairs} pairs");
}

#[test]
fn a_damaged_index_is_refused_by_name() {
    let dir = temp_dir();
    let index = dir.join("osv.idx");
    let fixtures = osv_fixtures();
    let out = bulwark(&[
        "advisories",
        "compile",
        fixtures.to_str().unwrap(),
        "-o",
        index.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let sbom = dir.join("app.cdx.json");
    std::fs::write(&sbom, cyclonedx(&["pkg:cargo/smallvec@1.6.0"])).unwrap();
    let mut bytes = std::fs::read(&index).unwrap();
    let cut = dir.join("cut.idx");
    std::fs::write(&cut, &bytes[..bytes.len() / 2]).unwrap();
    let last = bytes.len() - 20;
    bytes[last] ^= 0x40;
    let flipped = dir.join("flipped.idx");
    std::fs::write(&flipped, &bytes).unwrap();
    for (file, says) in [
        (&cut, "damaged"),
        (&flipped, "damaged"),
        (&sbom, "not a compiled advisory index"),
    ] {
        let out = bulwark(&[
            "match",
            "--index",
            file.to_str().unwrap(),
            "--sbom",
            sbom.to_str().unwrap(),
        ]);
        assert_eq!(out.status.code(), Some(2), "{file:?}");
        let err = stderr(&out);
        assert!(
            err.contains(file.to_str().unwrap()) && err.contains(says),
            "{err}"
        );
        assert!(stdout(&out).is_empty());
    }
    // Nothing written where compiling fails, and no file left half made.
    let nowhere = dir.join("missing-dir/osv.idx");
    let out = bulwark(&[
        "advisories",
        "compile",
        fixtures.to_str().unwrap(),
        "-o",
        nowhere.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(!nowhere.exists());
}

/// Every shared OSV record, from the records, their compiled index and a
/// database, against every shared SBOM: the same pairs, indeterminate
/// ones included (issue 21).
#[test]
#[ignore = "needs the shared data set"]
fn the_compiled_index_matches_every_shared_sbom_as_the_records_do() {
    let pairs = compiled_matches_records(&shared("advisories/osv"), &shared("sbom"));
    assert!(pairs > 1000, "{pairs} pairs");
}

/// Every shared OSV advisory against every shared SBOM, with hits checked
/// by hand against the advisories' own ranges.
#[test]
#[ignore = "needs the shared data set"]
fn all_shared_advisories_against_all_shared_sboms() {
    let osv = shared("advisories/osv");
    let sbom = shared("sbom");
    let out = bulwark(&[
        "match",
        "--advisories",
        osv.to_str().unwrap(),
        "--sbom",
        sbom.to_str().unwrap(),
        "--format",
        "json",
    ]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    let got = json_lines(&out);
    eprintln!("{} pairs; {}", got.len(), err.lines().last().unwrap_or(""));
    assert!(got.len() > 1000, "{} pairs", got.len());
    let has = |sbom: &str, purl: &str, advisory: &str, why: &str| {
        got.iter().any(|v| {
            v["sbom"].as_str().is_some_and(|s| s.ends_with(sbom))
                && v["purl"] == purl
                && v["advisory"] == advisory
                && v["why"] == why
        })
    };
    // CVE-2020-8203 (lodash prototype pollution), fixed in 4.17.20.
    assert!(has(
        "juice-shop/v11.1.2/bom.json",
        "pkg:npm/lodash@4.17.19",
        "GHSA-p6mc-m468-83gw",
        "introduced 0, fixed 4.17.20"
    ));
    // CVE-2022-32149 (golang.org/x/text), fixed in 0.3.8: a pseudo-version
    // of 0.3.5 is before it.
    assert!(has(
        "proton-bridge/proton-bridge-v1.6.3.bom.json",
        "pkg:golang/golang.org/x/text@v0.3.5-0.20201125200606-c27b9fd57aec",
        "GO-2022-1059",
        "introduced 0, fixed 0.3.8"
    ));
    // Fixed versions are not reported: lodash 4.17.21 (in juice-shop's
    // npm BOM) against CVE-2020-8203.
    assert!(
        !got.iter().any(
            |v| v["purl"] == "pkg:npm/lodash@4.17.21" && v["advisory"] == "GHSA-p6mc-m468-83gw"
        )
    );
    // Every line names a readable range or list entry.
    assert!(got.iter().all(|v| {
        let why = v["why"].as_str().unwrap_or("");
        why.starts_with("introduced ") || why.starts_with("listed in versions")
    }));
}
