//! The committed fixtures (see `fixtures/README.md`), in a plain test run.

use bulwark_matching::load::{self, Read};
use bulwark_matching::{Advisory, Component, Engine, Index, Inserted};

fn fixture(name: &str) -> Advisory {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    let bytes = std::fs::read(&path).unwrap();
    match load::read(name, &bytes) {
        Read::Advisory(a) => *a,
        other => panic!("{name}: {other:?}"),
    }
}

fn engine() -> Engine {
    let mut index = Index::new();
    for f in [
        "RUSTSEC-2021-0003.json",
        "GO-2023-1568.json",
        "PYSEC-2023-100.yaml",
        "JLSEC-2025-1.json",
    ] {
        assert_eq!(index.insert(fixture(f)), Inserted::Added, "{f}");
    }
    assert_eq!(
        index.insert(fixture("withdrawn.osv.json")),
        Inserted::Withdrawn
    );
    Engine::new(index)
}

/// `(purl, advisory id, why)` for every hit.
fn hits(engine: &Engine, purls: &[&str]) -> Vec<(String, String, String)> {
    let components: Vec<Component> = purls.iter().map(|p| Component::parse(p).unwrap()).collect();
    let report = engine.match_components(&components);
    let mut out = Vec::new();
    for h in &report.hits {
        for &c in h.components.iter() {
            out.push((
                purls[c].to_owned(),
                h.advisory_id.to_string(),
                h.why.to_string(),
            ));
        }
    }
    out.sort();
    out
}

fn hit(purl: &str, id: &str, why: &str) -> (String, String, String) {
    (purl.to_owned(), id.to_owned(), why.to_owned())
}

#[test]
fn rustsec_two_pairs() {
    let e = engine();
    assert_eq!(
        hits(
            &e,
            &[
                "pkg:cargo/smallvec@0.6.2",
                "pkg:cargo/smallvec@0.6.13",
                "pkg:cargo/smallvec@0.6.14",
                "pkg:cargo/smallvec@1.6.0",
                "pkg:cargo/smallvec@1.6.1",
            ]
        ),
        [
            hit(
                "pkg:cargo/smallvec@0.6.13",
                "RUSTSEC-2021-0003",
                "introduced 0.6.3, fixed 0.6.14"
            ),
            hit(
                "pkg:cargo/smallvec@1.6.0",
                "RUSTSEC-2021-0003",
                "introduced 1.0.0, fixed 1.6.1"
            ),
        ]
    );
    let a = &e.index().lookup("CVE-2021-25900")[0];
    assert_eq!(a.id, "RUSTSEC-2021-0003");
}

#[test]
fn go_stdlib_with_prerelease_bound() {
    let e = engine();
    assert_eq!(
        hits(
            &e,
            &[
                "pkg:golang/stdlib@v1.19.5",
                "pkg:golang/stdlib@v1.19.6",
                "pkg:golang/stdlib@v1.20.0-rc.1",
                "pkg:golang/stdlib@v1.20.1",
            ]
        ),
        [
            hit(
                "pkg:golang/stdlib@v1.19.5",
                "GO-2023-1568",
                "introduced 0, fixed 1.19.6"
            ),
            hit(
                "pkg:golang/stdlib@v1.20.0-rc.1",
                "GO-2023-1568",
                "introduced 1.20.0-0, fixed 1.20.1"
            ),
        ]
    );
}

#[test]
fn pypa_yaml_out_of_order_pairs_and_normalised_names() {
    let e = engine();
    let found = hits(
        &e,
        &[
            "pkg:pypi/Django@3.2.0",
            "pkg:pypi/django@3.2.20",
            "pkg:pypi/django@4.1.9",
            "pkg:pypi/django@4.2.3",
        ],
    );
    assert_eq!(
        found,
        [
            hit(
                "pkg:pypi/Django@3.2.0",
                "PYSEC-2023-100",
                "introduced 3.2, fixed 3.2.20"
            ),
            hit(
                "pkg:pypi/django@4.1.9",
                "PYSEC-2023-100",
                "introduced 4.0, fixed 4.1.10"
            ),
        ]
    );
    // The YAML's unquoted `fixed: 4.2.3` and quoted `"4.2"` both stay text.
    let a = fixture("PYSEC-2023-100.yaml");
    assert_eq!(a.affected[0].ranges[0].events[0].version(), "4.2");
    assert_eq!(a.modified.as_deref(), Some("2023-07-11T16:37:11.407533Z"));
}

#[test]
fn julia_semver_and_withdrawn() {
    let e = engine();
    assert_eq!(
        hits(
            &e,
            &[
                "pkg:julia/HTTP@1.10.16?uuid=cd3eb016-35fb-5094-929b-558a96fad6f3",
                "pkg:julia/HTTP@1.10.17?uuid=cd3eb016-35fb-5094-929b-558a96fad6f3"
            ]
        ),
        [hit(
            "pkg:julia/HTTP@1.10.16?uuid=cd3eb016-35fb-5094-929b-558a96fad6f3",
            "JLSEC-2025-1",
            "introduced 0, fixed 1.10.17"
        )]
    );
    // The withdrawn GHSA names activesupport; nothing matches it.
    assert!(e.index().lookup("GHSA-35c4-f3rq-f9g3").is_empty());
    assert!(hits(&e, &["pkg:gem/activesupport@4.2.0"]).is_empty());
}

/// Every prefix and a spread of one-byte corruptions of each fixture: the
/// readers and the engine refuse or answer, never panic.
#[test]
fn damaged_fixtures_never_panic() {
    let dir = format!("{}/tests/fixtures", env!("CARGO_MANIFEST_DIR"));
    for name in [
        "RUSTSEC-2021-0003.json",
        "GO-2023-1568.json",
        "PYSEC-2023-100.yaml",
        "JLSEC-2025-1.json",
        "withdrawn.osv.json",
    ] {
        let bytes = std::fs::read(format!("{dir}/{name}")).unwrap();
        let mut variants: Vec<Vec<u8>> = (0..bytes.len())
            .step_by(7)
            .map(|n| bytes[..n].to_vec())
            .collect();
        for (i, b) in [b'"', b'{', b']', b':', b'\n', b'-', b'0', 0xff]
            .into_iter()
            .enumerate()
        {
            for at in (i..bytes.len()).step_by(53) {
                let mut v = bytes.clone();
                v[at] = b;
                variants.push(v);
            }
        }
        for v in variants {
            if let Read::Advisory(a) = load::read(name, &v) {
                let index = Index::from_advisories([(*a).clone()]);
                let engine = Engine::new(index);
                let components: Vec<Component> = [
                    "pkg:cargo/smallvec@1.0.0",
                    "pkg:golang/stdlib@v1.20.0",
                    "pkg:pypi/django@4.2",
                    "pkg:pypi/django",
                ]
                .iter()
                .map(|p| Component::parse(p).unwrap())
                .collect();
                let _ = engine.match_components(&components);
            }
        }
    }
}
