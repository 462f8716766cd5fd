//! OSV, CSAF and native findings: fixtures (excerpts of the shared data set,
//! see `fixtures/osv/README.md` and `fixtures/csaf/README.md`) and, ignored by
//! default, every OSV and CSAF JSON file of `../shared/data/advisories`.
//!
//! `cargo test -p bulwark-intake --test advisories -- --ignored --nocapture`

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::path::{Path, PathBuf};

use bulwark_intake::finding::{self, Finding, Format, ReadError, Summary};
use bulwark_intake::{ErrorKind, IntakeError, NormalizedResult, fingerprint};
use serde_json::Value;

fn fixture(rel: &str) -> Vec<u8> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(rel);
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn all(format: Format, doc: &[u8]) -> Result<(Vec<Finding>, Summary), IntakeError> {
    let mut out = Vec::new();
    let s = finding::read(format, doc, |f| {
        out.push(f);
        Ok::<(), Infallible>(())
    })
    .map_err(|e| match e {
        ReadError::Document(e) => e,
        ReadError::Handler(never) => match never {},
    })?;
    Ok((out, s))
}

fn ok(format: Format, doc: &[u8]) -> (Vec<Finding>, Summary) {
    all(format, doc).unwrap_or_else(|e| panic!("refused: {e}"))
}

fn err(format: Format, doc: &str) -> IntakeError {
    match all(format, doc.as_bytes()) {
        Ok((f, _)) => panic!("accepted, {} findings", f.len()),
        Err(e) => e,
    }
}

fn locations(f: &[Finding]) -> Vec<&str> {
    f.iter().filter_map(|f| f.location.as_deref()).collect()
}

fn distinct(f: &[Finding]) -> usize {
    f.iter()
        .map(|f| f.fingerprint)
        .collect::<std::collections::BTreeSet<_>>()
        .len()
}

// ---------------------------------------------------------------- OSV

#[test]
fn osv_one_finding_per_affected_package() {
    let (f, s) = ok(Format::Osv, &fixture("osv/GO-2024-2631.json"));
    assert_eq!((s.items, s.findings, s.withdrawn), (1, 4, 0));
    assert_eq!(
        locations(&f),
        [
            "pkg:golang/github.com/go-jose/go-jose/v4",
            "pkg:golang/github.com/go-jose/go-jose/v3",
            "pkg:golang/gopkg.in/go-jose/go-jose.v2",
            "pkg:golang/gopkg.in/square/go-jose.v2",
        ]
    );
    for x in &f {
        // The CVE among the aliases, not the GO- id.
        assert_eq!(x.rule_id.as_deref(), Some("CVE-2024-28180"));
        assert_eq!(
            x.title,
            "Decompression bomb vulnerability in github.com/go-jose/go-jose"
        );
        // No purl in the record: the target is the package key.
        assert_eq!(x.target, x.location);
        assert_eq!(x.tool_name, None);
        assert_eq!(x.detail["id"], "GO-2024-2631");
        assert_eq!(x.detail["aliases"][1], "GHSA-c5q2-7r4c-mv6g");
        assert_eq!(x.detail["affected"].as_array().map(Vec::len), Some(1));
        assert!(x.detail["affected"][0]["ranges"].is_array());
    }
    assert_eq!(
        distinct(&f),
        4,
        "different packages, different fingerprints"
    );
    assert_eq!(
        f[0].fingerprint,
        fingerprint::advisory("CVE-2024-28180", "pkg:golang/github.com/go-jose/go-jose/v4")
    );
    assert_eq!(
        f[0].fingerprint.to_string(),
        format!(
            "{}",
            fingerprint::advisory("CVE-2024-28180", "pkg:golang/github.com/go-jose/go-jose/v4")
        )
    );
}

#[test]
fn osv_package_purl_and_ecosystems() {
    let (f, _) = ok(Format::Osv, &fixture("osv/RUSTSEC-2023-0006.json"));
    assert_eq!(locations(&f), ["pkg:cargo/openssl-src"]);
    assert_eq!(f[0].rule_id.as_deref(), Some("CVE-2023-0286"));
    assert_eq!(f[0].target.as_deref(), Some("pkg:cargo/openssl-src"));
    assert_eq!(f[0].detail["id"], "RUSTSEC-2023-0006");

    let (f, _) = ok(Format::Osv, &fixture("osv/GHSA-3f63-hfp8-52jq.json"));
    assert_eq!(locations(&f), ["pkg:pypi/pillow"], "PEP 503 name");
    assert_eq!(f[0].rule_id.as_deref(), Some("CVE-2023-50447"));

    let (f, _) = ok(Format::Osv, &fixture("osv/GHSA-p6mc-m468-83gw.json"));
    assert_eq!(locations(&f), ["pkg:npm/lodash", "pkg:npm/lodash-es"]);
    assert_eq!(distinct(&f), 2);
}

#[test]
fn osv_withdrawn_gives_nothing() {
    let (f, s) = ok(Format::Osv, &fixture("osv/withdrawn.osv.json"));
    assert!(f.is_empty());
    assert_eq!((s.items, s.findings, s.withdrawn), (1, 0, 1));
}

#[test]
fn osv_same_advisory_same_fingerprint() {
    let doc = fixture("osv/GHSA-p6mc-m468-83gw.json");
    let (a, _) = ok(Format::Osv, &doc);
    let (b, _) = ok(Format::Osv, &doc);
    assert_eq!(a, b);
    // A later revision (new modified date, other ranges and severity, another
    // alias) is the same advisory.
    let mut v: Value = serde_json::from_slice(&doc).unwrap();
    v["modified"] = "2030-01-01T00:00:00Z".into();
    v["severity"] = serde_json::json!([]);
    v["affected"][0]["ranges"] =
        serde_json::json!([{"type": "SEMVER", "events": [{"introduced": "0"}]}]);
    v["aliases"] = serde_json::json!(["CVE-2020-8203", "GHSA-zzzz"]);
    let (c, _) = ok(Format::Osv, &serde_json::to_vec(&v).unwrap());
    assert_eq!(
        a.iter().map(|f| f.fingerprint).collect::<Vec<_>>(),
        c.iter().map(|f| f.fingerprint).collect::<Vec<_>>()
    );
    // Another CVE is another finding.
    v["aliases"] = serde_json::json!(["CVE-2021-23337"]);
    let (d, _) = ok(Format::Osv, &serde_json::to_vec(&v).unwrap());
    assert_ne!(a[0].fingerprint, d[0].fingerprint);
}

#[test]
fn osv_array_of_records() {
    let mut doc = b"[".to_vec();
    for (i, f) in [
        "osv/GO-2024-2631.json",
        "osv/withdrawn.osv.json",
        "osv/RUSTSEC-2023-0006.json",
    ]
    .iter()
    .enumerate()
    {
        if i > 0 {
            doc.push(b',');
        }
        doc.extend(fixture(f));
    }
    doc.push(b']');
    let (f, s) = ok(Format::Osv, &doc);
    assert_eq!((s.items, s.findings, s.withdrawn), (3, 5, 1));
    assert_eq!(f[4].location.as_deref(), Some("pkg:cargo/openssl-src"));
    assert_eq!(ok(Format::Osv, b"[]").1, Summary::default());
}

#[test]
fn osv_record_without_affected() {
    let (f, _) = ok(
        Format::Osv,
        br#"{"id":"OSV-1","modified":"2024-01-01T00:00:00Z","details":"\n  first line\nmore"}"#,
    );
    assert_eq!(f.len(), 1);
    assert_eq!(
        (f[0].location.as_deref(), f[0].target.as_deref()),
        (None, None)
    );
    assert_eq!(f[0].title, "first line");
    assert_eq!(f[0].fingerprint, fingerprint::advisory("OSV-1", ""));
}

#[test]
fn osv_errors_name_the_path() {
    let rec =
        r#"{"id":"A","modified":"m","affected":[{"package":{"ecosystem":"npm","name":"x"}}]}"#;
    let bad_pkg = r#"{"id":"B","modified":"m","affected":[{"package":{"ecosystem":"npm"}}]}"#;
    let e = err(Format::Osv, &format!("[{rec},{rec},{rec},\n{bad_pkg}]"));
    assert_eq!(
        (e.kind, e.path.as_str()),
        (ErrorKind::Schema, "[3].affected[0].package")
    );
    assert!(e.message.contains("name"), "{}", e.message);
    assert_eq!(e.line, 2);

    let e = err(Format::Osv, &format!("[{rec},{{\"modified\":\"m\"}}]"));
    assert_eq!((e.kind, e.path.as_str()), (ErrorKind::Schema, "[1]"));
    assert!(e.message.contains("`id`"), "{}", e.message);

    let e = err(Format::Osv, r#"{"id":"A","modified":"m","affected":{}}"#);
    assert_eq!(e.path, "affected");
    let e = err(
        Format::Osv,
        r#"{"id":"A","modified":"m","affected":[{"ranges":[{"type":"GIT","events":[1]}]}]}"#,
    );
    assert_eq!(e.path, "affected[0].ranges[0].events[0]");
    let e = err(Format::Osv, r#"[{"id":"A","modified":"m"}, {"id": trux}]"#);
    assert_eq!((e.kind, e.path.as_str()), (ErrorKind::Syntax, "[1].id"));
    let e = err(Format::Osv, r#"[{"id":"A","modified":"m"}"#);
    assert_eq!(e.kind, ErrorKind::Eof);
    let e = err(Format::Osv, r#""GHSA""#);
    assert_eq!((e.kind, e.path.as_str()), (ErrorKind::Schema, "(document)"));
    let e = err(Format::Osv, r#"{"id":"A","modified":"m"} {}"#);
    assert_eq!(e.kind, ErrorKind::Syntax);
}

#[test]
fn handler_error_stops_the_read() {
    let doc = fixture("osv/GO-2024-2631.json");
    let mut seen = 0;
    let e = finding::read(Format::Osv, &doc[..], |_| {
        seen += 1;
        if seen == 2 { Err("full") } else { Ok(()) }
    })
    .unwrap_err();
    assert!(matches!(e, ReadError::Handler("full")));
    assert_eq!(seen, 2);
}

// ---------------------------------------------------------------- CSAF

#[test]
fn csaf_relationship_product_takes_its_component_purl() {
    let (f, s) = ok(Format::Csaf, &fixture("csaf/CVE-2024-34502.json"));
    assert_eq!((s.items, s.findings), (1, 1));
    let x = &f[0];
    assert_eq!(x.rule_id.as_deref(), Some("CVE-2024-34502"));
    assert_eq!(
        x.title,
        "mediawiki: MergeLexemes makes edits on GET requests without edit tokens"
    );
    assert_eq!(x.location.as_deref(), Some("pkg:rpm/redhat/mediawiki"));
    assert_eq!(
        x.target.as_deref(),
        Some("pkg:rpm/redhat/mediawiki?arch=src")
    );
    assert_eq!(
        (x.tool_name.as_deref(), x.tool_version.as_deref()),
        (Some("Red Hat SDEngine"), Some("4.2.1"))
    );
    assert_eq!(
        x.detail["product"]["product_id"],
        "red_hat_openshift_container_platform_3.11:mediawiki"
    );
    assert_eq!(x.detail["document"]["tracking"]["id"], "CVE-2024-34502");
    assert!(x.detail["document"].get("notes").is_none());
    assert_eq!(
        x.detail["vulnerability"]["product_status"]["known_affected"][0],
        "red_hat_openshift_container_platform_3.11:mediawiki"
    );
    assert_eq!(
        x.fingerprint,
        fingerprint::advisory("CVE-2024-34502", "pkg:rpm/redhat/mediawiki")
    );
}

#[test]
fn csaf_many_products() {
    let (f, s) = ok(Format::Csaf, &fixture("csaf/stacksa_2024_0101_0001.json"));
    assert_eq!((s.items, s.findings), (1, 16));
    assert!(
        f.iter()
            .all(|x| x.rule_id.as_deref() == Some("CVE-2023-51767"))
    );
    assert!(
        f.iter()
            .all(|x| x.tool_name.as_deref() == Some("SecObserve"))
    );
    // The products are "openssh(-clients) as a component of <image>": the
    // component's purl is the package, its version dropped from the key, so
    // sixteen products are two packages, two fingerprints.
    let keys: std::collections::BTreeSet<&str> = locations(&f).into_iter().collect();
    assert_eq!(
        keys.into_iter().collect::<Vec<_>>(),
        ["pkg:rpm/rhel/openssh", "pkg:rpm/rhel/openssh-clients"]
    );
    assert_eq!(distinct(&f), 2);
    assert!(
        f.iter().all(|x| x
            .target
            .as_deref()
            .is_some_and(|t| t.starts_with("pkg:rpm/rhel/openssh") && t.contains('@'))),
        "{:?}",
        f[0].target
    );
}

#[test]
fn csaf_product_tree_after_vulnerabilities() {
    let doc = fixture("csaf/stacksa_2024_0101_0001.json");
    let v: Value = serde_json::from_slice(&doc).unwrap();
    let part = |k: &str| serde_json::to_string(&v[k]).unwrap();
    let reordered = format!(
        r#"{{"vulnerabilities":{},"product_tree":{},"document":{}}}"#,
        part("vulnerabilities"),
        part("product_tree"),
        part("document")
    );
    assert_eq!(
        ok(Format::Csaf, reordered.as_bytes()).0,
        ok(Format::Csaf, &doc).0
    );
}

#[test]
fn csaf_refusals_name_the_path() {
    // An OASIS test case, intentionally invalid: `ids` is a string.
    let bytes = fixture("csaf/csaf-rs_csaf-csaf_2_0-6-1-27-08-s11.json");
    let e = all(Format::Csaf, &bytes).unwrap_err();
    assert_eq!(
        (e.kind, e.path.as_str()),
        (ErrorKind::Schema, "vulnerabilities[1].ids")
    );

    let mut v: Value = serde_json::from_slice(&fixture("csaf/CVE-2024-34502.json")).unwrap();
    v["document"]["csaf_version"] = "1.2".into();
    let e = all(Format::Csaf, &serde_json::to_vec(&v).unwrap()).unwrap_err();
    assert_eq!(
        (e.kind, e.path.as_str()),
        (ErrorKind::Version, "document.csaf_version")
    );
    v["document"]["csaf_version"] = "2.0".into();
    v["product_tree"]["branches"][0]["branches"][0]["product"] = serde_json::json!({"name": "x"});
    let e = all(Format::Csaf, &serde_json::to_vec(&v).unwrap()).unwrap_err();
    assert_eq!(e.path, "product_tree.branches[0].branches[0].product");

    let e = err(Format::Csaf, r#"{"vulnerabilities":[]}"#);
    assert_eq!((e.kind, e.path.as_str()), (ErrorKind::Schema, "(document)"));
}

fn csaf_doc(cve: &str, purl: &str, status: &str) -> String {
    serde_json::json!({
        "document": {
            "category": "csaf_security_advisory", "csaf_version": "2.0",
            "title": "constructed", "publisher": {"category": "vendor", "name": "x", "namespace": "https://x"},
            "tracking": {"id": "X-1", "current_release_date": "2024-01-01T00:00:00Z",
                "initial_release_date": "2024-01-01T00:00:00Z", "status": "final", "version": "1",
                "revision_history": [{"date": "2024-01-01T00:00:00Z", "number": "1", "summary": "x"}]}
        },
        "product_tree": {"full_product_names": [
            {"product_id": "P1", "name": "the package", "product_identification_helper": {"purl": purl}}
        ]},
        "vulnerabilities": [{"cve": cve, "product_status": {status: ["P1"]}}]
    })
    .to_string()
}

#[test]
fn osv_and_csaf_on_one_cve_and_package_agree() {
    let pairs = [
        (
            "osv/RUSTSEC-2023-0006.json",
            "CVE-2023-0286",
            "pkg:cargo/openssl-src@111.24.0+1.1.1s",
        ),
        (
            "osv/GHSA-3f63-hfp8-52jq.json",
            "CVE-2023-50447",
            "pkg:pypi/Pillow@10.1.0?x=y",
        ),
        (
            "osv/GHSA-p6mc-m468-83gw.json",
            "CVE-2020-8203",
            "pkg:npm/lodash@4.17.15",
        ),
        (
            "osv/GO-2024-2631.json",
            "CVE-2024-28180",
            "pkg:golang/github.com/go-jose/go-jose/v3@v3.0.1",
        ),
    ];
    for (osv, cve, purl) in pairs {
        let (o, _) = ok(Format::Osv, &fixture(osv));
        let (c, _) = ok(
            Format::Csaf,
            csaf_doc(cve, purl, "known_affected").as_bytes(),
        );
        assert_eq!(c.len(), 1);
        assert!(
            o.iter()
                .any(|f| f.fingerprint == c[0].fingerprint && f.location == c[0].location),
            "{osv}: {:?} not among {:?}",
            c[0].location,
            locations(&o)
        );
        assert_eq!(c[0].target.as_deref(), Some(purl));
        // Another package, another fingerprint.
        let (d, _) = ok(
            Format::Csaf,
            csaf_doc(cve, "pkg:cargo/other@1", "first_affected").as_bytes(),
        );
        assert!(o.iter().all(|f| f.fingerprint != d[0].fingerprint));
    }
}

#[test]
fn csaf_statuses_that_are_not_findings() {
    for status in [
        "fixed",
        "first_fixed",
        "known_not_affected",
        "recommended",
        "under_investigation",
    ] {
        let (f, s) = ok(
            Format::Csaf,
            csaf_doc("CVE-2020-8203", "pkg:npm/lodash@1", status).as_bytes(),
        );
        assert!(f.is_empty(), "{status}");
        assert_eq!(s.items, 1);
    }
    for status in ["known_affected", "first_affected", "last_affected"] {
        let (f, _) = ok(
            Format::Csaf,
            csaf_doc("CVE-2020-8203", "pkg:npm/lodash@1", status).as_bytes(),
        );
        assert_eq!(f.len(), 1, "{status}");
    }
}

#[test]
fn csaf_vulnerability_ids() {
    let (f, _) = ok(
        Format::Csaf,
        csaf_doc("cve-2023-0286", "pkg:cargo/openssl-src@1", "known_affected").as_bytes(),
    );
    assert_eq!(f[0].rule_id.as_deref(), Some("CVE-2023-0286"));
    let mut v: Value =
        serde_json::from_str(&csaf_doc("x", "pkg:cargo/a@1", "known_affected")).unwrap();
    v["vulnerabilities"][0]["cve"] = Value::Null;
    v["vulnerabilities"][0]["ids"] = serde_json::json!([{"system_name": "GHSA", "text": "GHSA-1"}]);
    let (f, _) = ok(Format::Csaf, &serde_json::to_vec(&v).unwrap());
    assert_eq!(f[0].rule_id.as_deref(), Some("GHSA-1"));
    v["vulnerabilities"][0]["ids"] = Value::Null;
    let (f, _) = ok(Format::Csaf, &serde_json::to_vec(&v).unwrap());
    assert_eq!(f[0].rule_id.as_deref(), Some("X-1#0"));
    // A product the tree does not define is kept under its id.
    v["vulnerabilities"][0]["product_status"] = serde_json::json!({"known_affected": ["P9", "P9"]});
    let (f, _) = ok(Format::Csaf, &serde_json::to_vec(&v).unwrap());
    assert_eq!(
        (f.len(), f[0].location.as_deref(), f[0].target.as_deref()),
        (1, Some("P9"), None)
    );
}

// ---------------------------------------------------------------- native

fn sarif_results(rel: &str) -> Vec<NormalizedResult> {
    let mut out = Vec::new();
    bulwark_intake::read(&fixture(rel)[..], |r| {
        out.push(r);
        Ok::<(), Infallible>(())
    })
    .unwrap_or_else(|e| panic!("{rel}: {e}"));
    out
}

/// The native finding a reporter would write for `r`.
fn as_native(r: &NormalizedResult) -> Value {
    let mut f = serde_json::Map::new();
    f.insert("message".into(), r.message.clone().into());
    if let Some(id) = &r.rule_id {
        f.insert("rule_id".into(), id.clone().into());
    }
    if let Some(c) = r.cwes.first() {
        f.insert("cwe".into(), c.clone().into());
    }
    if let Some(l) = r.primary_location() {
        if let Some(u) = &l.uri {
            f.insert("path".into(), u.clone().into());
        }
        if let Some(n) = l.start_line {
            f.insert("line".into(), n.into());
        }
        if let Some(s) = &l.snippet {
            f.insert("snippet".into(), s.clone().into());
        }
    }
    if !r.fingerprints.is_empty() {
        f.insert(
            "fingerprints".into(),
            serde_json::to_value(&r.fingerprints).unwrap(),
        );
    }
    if !r.partial_fingerprints.is_empty() {
        f.insert(
            "partial_fingerprints".into(),
            serde_json::to_value(&r.partial_fingerprints).unwrap(),
        );
    }
    Value::Object(f)
}

#[test]
fn native_findings_fingerprint_like_sarif_results() {
    let mut compared = 0;
    for rel in [
        "semgrep-dataflow.sarif",
        "codeql-fingerprinting.sarif",
        "fortify-excerpt.sarif",
        "rules-extensions.sarif",
    ] {
        let results = sarif_results(rel);
        let doc = serde_json::json!({
            "bulwark_findings": "1",
            "tool": {"name": "someone else", "version": "9"},
            "findings": results.iter().map(as_native).collect::<Vec<_>>(),
        });
        let (f, s) = ok(Format::Native, &serde_json::to_vec(&doc).unwrap());
        assert_eq!(s.items, results.len());
        for (n, r) in f.iter().zip(&results) {
            assert_eq!(n.fingerprint, fingerprint(r), "{rel} result {}", r.index);
            compared += 1;
        }
    }
    assert!(compared >= 10, "{compared}");
}

#[test]
fn native_document() {
    let doc = br#"{"target":null,"findings":[{"message":"SQL built from input","rule_id":"sqli","cwe":89,"path":"./src\\db.js",
        "line":12,"column":5,"snippet":"  db.query( q )","properties":{"confidence":0.9,"x-y":[1]}},
        {"message":"no rule","cwe":"cwe-79"}],
        "bulwark_findings":"1",
        "tool":{"name":"hunter","version":"2.3","ai_model":{"name":"model-x","version":"2026-01"}}}"#;
    let (f, s) = ok(Format::Native, doc);
    assert_eq!((s.items, s.findings), (2, 2));
    let a = &f[0];
    assert_eq!(a.location.as_deref(), Some("src/db.js:12"));
    assert_eq!(a.rule_id.as_deref(), Some("sqli"));
    assert_eq!(
        (a.tool_name.as_deref(), a.tool_version.as_deref()),
        (Some("hunter"), Some("2.3"))
    );
    assert_eq!(
        (a.ai_model.as_deref(), a.ai_model_version.as_deref()),
        (Some("model-x"), Some("2026-01"))
    );
    assert_eq!(a.detail["properties"]["x-y"][0], 1);
    assert_eq!(a.detail["cwes"][0], "CWE-89");
    assert_eq!(f[1].detail["cwes"][0], "CWE-79");
    assert_eq!(f[1].location, None);

    let with_target = br#"{"bulwark_findings":"1","tool":{"name":"t"},"target":"pkg:npm/x@1","findings":[{"message":"m"}]}"#;
    assert_eq!(
        ok(Format::Native, with_target).0[0].target.as_deref(),
        Some("pkg:npm/x@1")
    );
}

#[test]
fn native_refusals_name_the_path() {
    let e = err(
        Format::Native,
        r#"{"bulwark_findings":"1","tool":{"name":"t"},"findings":[],"extra":1}"#,
    );
    assert_eq!((e.kind, e.path.as_str()), (ErrorKind::Schema, "extra"));
    let e = err(
        Format::Native,
        r#"{"bulwark_findings":"1","tool":{"name":"t"},"findings":[{"message":"a"},{"message":"b","severity":"high"}]}"#,
    );
    assert_eq!(e.path, "findings[1].severity");
    let e = err(
        Format::Native,
        r#"{"bulwark_findings":"1","tool":{"name":"t","model":"m"},"findings":[]}"#,
    );
    assert_eq!(e.path, "tool.model");
    let e = err(
        Format::Native,
        r#"{"bulwark_findings":"1","tool":{"name":"t"},"findings":[{"message":"a","cwe":"XSS"}]}"#,
    );
    assert_eq!(e.path, "findings[0].cwe");
    let e = err(
        Format::Native,
        r#"{"bulwark_findings":"2","tool":{"name":"t"},"findings":[]}"#,
    );
    assert_eq!(
        (e.kind, e.path.as_str()),
        (ErrorKind::Version, "bulwark_findings")
    );
    let e = err(Format::Native, r#"{"tool":{"name":"t"},"findings":[]}"#);
    assert_eq!((e.kind, e.path.as_str()), (ErrorKind::Schema, "(document)"));
    let e = err(
        Format::Native,
        r#"{"bulwark_findings":"1","tool":{"name":"t"},"findings":[],"target":"x"}"#,
    );
    assert_eq!(e.path, "target");
}

// ---------------------------------------------------------------- dispatch

#[test]
fn sniffing_the_fixtures() {
    for (rel, want) in [
        ("osv/GO-2024-2631.json", Format::Osv),
        ("osv/withdrawn.osv.json", Format::Osv),
        ("osv/GHSA-p6mc-m468-83gw.json", Format::Osv),
        ("csaf/CVE-2024-34502.json", Format::Csaf),
        ("csaf/stacksa_2024_0101_0001.json", Format::Csaf),
        ("semgrep-dataflow.sarif", Format::Sarif),
        ("codeql-fingerprinting.sarif", Format::Sarif),
    ] {
        let bytes = fixture(rel);
        assert_eq!(
            Format::sniff(&bytes[..bytes.len().min(4096)]),
            Some(want),
            "{rel}"
        );
    }
}

#[test]
fn sarif_through_the_dispatcher() {
    let bytes = fixture("codeql-fingerprinting.sarif");
    let results = sarif_results("codeql-fingerprinting.sarif");
    let (f, s) = ok(Format::Sarif, &bytes);
    assert_eq!((s.items, s.findings), (results.len(), results.len()));
    for (x, r) in f.iter().zip(&results) {
        assert_eq!(x.fingerprint, fingerprint(r));
        assert_eq!(x.title, r.message);
        assert_eq!(x.target, None);
        assert_eq!(x.tool_name.as_deref(), Some(r.tool.driver.name.as_str()));
        let l = r.primary_location().unwrap();
        let want = format!("{}:{}", l.path.as_deref().unwrap(), l.start_line.unwrap());
        assert_eq!(x.location.as_deref(), Some(want.as_str()));
        assert_eq!(x.detail, serde_json::to_value(r).unwrap());
    }
    let e = all(Format::Sarif, &fixture("invalid-results.sarif")).unwrap_err();
    assert_eq!(e.path, "runs[0].results");
}

// ---------------------------------------------------------------- shared data

fn shared(sub: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/data/advisories")
        .join(sub)
}

fn json_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            json_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "json") {
            out.push(p);
        }
    }
}

#[derive(Default, Debug)]
struct Counts {
    files: usize,
    skipped: usize,
    parsed: usize,
    items: usize,
    findings: usize,
    withdrawn: usize,
    /// Findings whose package key is a package URL (not a fallback name).
    purl_keyed: usize,
    refused: Vec<(String, IntakeError)>,
}

/// Reads every JSON file under `sub` that `looks_like` says is of `format`;
/// the others are counted as skipped. Checks on every finding: the
/// fingerprint does not depend on reading twice, and ids are set.
fn corpus(sub: &str, format: Format, looks_like: fn(&Value) -> bool) -> Counts {
    let root = shared(sub);
    assert!(
        root.is_dir(),
        "{} missing: this test needs ../shared/data",
        root.display()
    );
    let mut files = Vec::new();
    json_files(&root, &mut files);
    files.sort();
    let mut c = Counts::default();
    for p in files {
        c.files += 1;
        let bytes = std::fs::read(&p).unwrap_or_default();
        let looks = serde_json::from_slice::<Value>(&bytes)
            .map(|v| looks_like(&v))
            // Malformed JSON named like the format still counts as one of its files.
            .unwrap_or(true);
        if !looks {
            c.skipped += 1;
            continue;
        }
        let rel = p.strip_prefix(&root).unwrap_or(&p).display().to_string();
        match all(format, &bytes) {
            Ok((findings, s)) => {
                c.parsed += 1;
                c.items += s.items;
                c.findings += findings.len();
                c.withdrawn += s.withdrawn;
                assert_eq!(s.findings, findings.len(), "{rel}");
                c.purl_keyed += findings
                    .iter()
                    .filter(|f| f.location.as_deref().is_some_and(|l| l.starts_with("pkg:")))
                    .count();
                for f in &findings {
                    assert!(f.rule_id.as_deref().is_some_and(|r| !r.is_empty()), "{rel}");
                    assert!(!f.title.is_empty(), "{rel}: empty title");
                }
                let again = ok(format, &bytes).0;
                let fp = |v: &[Finding]| v.iter().map(|f| f.fingerprint).collect::<Vec<_>>();
                assert_eq!(fp(&findings), fp(&again), "{rel}");
            }
            Err(e) => c.refused.push((rel, e)),
        }
    }
    c
}

fn report(name: &str, c: &Counts) {
    println!(
        "{name}: {} JSON files, {} not of the format (skipped), {} parsed, {} items, {} findings ({} keyed by purl), {} withdrawn, {} refused",
        c.files,
        c.skipped,
        c.parsed,
        c.items,
        c.findings,
        c.purl_keyed,
        c.withdrawn,
        c.refused.len()
    );
    for (p, e) in &c.refused {
        println!("  refused {p}: {:?} at {}: {}", e.kind, e.path, e.message);
    }
}

fn osv_like(v: &Value) -> bool {
    let rec = |v: &Value| v.get("id").is_some() && v.get("modified").is_some();
    match v {
        Value::Array(items) => !items.is_empty() && items.iter().all(rec),
        _ => rec(v),
    }
}

/// The files refused are exactly the listed ones, each at its listed path.
fn assert_refusals(c: &Counts, expected: &[(&str, &str)], what: &str) {
    let expected: BTreeMap<&str, &str> = expected.iter().copied().collect();
    let refused: BTreeMap<&str, String> = c
        .refused
        .iter()
        .map(|(p, e)| (p.as_str(), e.path.clone()))
        .collect();
    assert_eq!(
        refused.keys().collect::<Vec<_>>(),
        expected.keys().collect::<Vec<_>>(),
        "refused {what} files differ from the list"
    );
    for (p, path) in expected {
        assert_eq!(refused.get(p).map(String::as_str), Some(path), "{p}");
    }
}

fn csaf_like(v: &Value) -> bool {
    v.get("document").is_some()
}

#[test]
#[ignore = "needs ../shared/data"]
fn every_shared_osv_record() {
    let c = corpus("osv", Format::Osv, osv_like);
    report("OSV", &c);
    assert!(c.parsed > 7000, "{c:?}");
    assert_refusals(&c, &EXPECTED_OSV_REFUSALS, "OSV");
}

#[test]
#[ignore = "needs ../shared/data"]
fn every_shared_csaf_document() {
    let c = corpus("csaf", Format::Csaf, csaf_like);
    report("CSAF", &c);
    assert!(c.parsed > 800, "{c:?}");
    assert_refusals(&c, &EXPECTED_CSAF_REFUSALS, "CSAF");
}

/// OSV files that are refused, with the error path: (file, path).
const EXPECTED_OSV_REFUSALS: [(&str, &str); 0] = [];

/// CSAF files that are refused, with the error path: (file, path).
const EXPECTED_CSAF_REFUSALS: [(&str, &str); 1] = [(
    // An OASIS test case, intentionally invalid: `ids` is a string, the
    // schema wants an array of objects.
    "csaf-rs-testcases/type-generator/assets/tests/csaf_2.0/mandatory/csaf-rs_csaf-csaf_2_0-6-1-27-08-s11.json",
    "vulnerabilities[1].ids",
)];
