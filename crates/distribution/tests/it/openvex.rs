//! The OpenVEX writer, read back by the directive crate's OpenVEX reader.

use bulwark_directive::vex::{Mode, VexDocument, VexStatus};
use bulwark_distribution::openvex;
use time::macros::datetime;

use crate::common::Owned;

#[test]
fn document_reads_back_with_its_statements() {
    let o = Owned::new();
    let doc = openvex::document(&o.advisory(), datetime!(2026-02-04 08:30 UTC));
    assert_eq!(doc["@context"], "https://openvex.dev/ns/v0.2.0");
    assert_eq!(
        doc["@id"],
        "https://bulwark.example.gov/openvex/BWK-2026-0001"
    );
    assert_eq!(doc["version"], 2);
    assert_eq!(doc["timestamp"], "2026-02-04T08:30:00Z");

    let bytes = serde_json::to_vec(&doc).unwrap();
    let read = VexDocument::parse_openvex(&bytes, Mode::Strict).unwrap();
    assert!(read.warnings.is_empty(), "{:?}", read.warnings);
    assert_eq!(read.author.as_deref(), Some("Bulwark Clearinghouse (test)"));
    let statements: Vec<(String, VexStatus, Vec<String>, Vec<String>)> = read
        .statements
        .iter()
        .map(|s| {
            (
                s.vulnerability.clone(),
                s.status,
                s.aliases.clone(),
                s.products
                    .iter()
                    .map(|p| p.id.clone().unwrap_or_default())
                    .collect(),
            )
        })
        .collect();
    let aliases = vec!["GHSA-abcd-efgh-ijkl".to_owned(), "CASE-42".to_owned()];
    assert_eq!(
        statements,
        [
            (
                "CVE-2026-10001".to_owned(),
                VexStatus::NotAffected,
                aliases.clone(),
                vec![
                    "pkg:npm/%40foo/libfoo@0.9.0".to_owned(),
                    "pkg:pypi/pyfoo@3.0".to_owned()
                ]
            ),
            (
                "CVE-2026-10001".to_owned(),
                VexStatus::Fixed,
                aliases.clone(),
                vec!["pkg:npm/%40foo/libfoo@1.4.2".to_owned()]
            ),
            (
                "CVE-2026-10001".to_owned(),
                VexStatus::Affected,
                aliases,
                vec!["pkg:pypi/pyfoo@2.1".to_owned()]
            ),
            (
                "CVE-2026-10002".to_owned(),
                VexStatus::NotAffected,
                vec![],
                vec!["pkg:pypi/pyfoo@3.0".to_owned()]
            ),
            (
                "CVE-2026-10002".to_owned(),
                VexStatus::Affected,
                vec![],
                vec!["pkg:pypi/pyfoo@2.1".to_owned()]
            ),
        ]
    );
    let not_affected = &read.statements[0];
    assert!(not_affected.impact_statement.is_some());
    assert!(
        not_affected.justification.is_none(),
        "no reason is claimed that nobody gave"
    );
    let affected = &read.statements[2];
    assert!(
        affected
            .action_statement
            .as_deref()
            .unwrap()
            .contains("Upgrade libfoo to 1.4.2.")
    );
    // A statement names a component by its versioned purl.
    assert!(read.statements[1].products[0].purl.as_deref() == Some("pkg:npm/%40foo/libfoo@1.4.2"));
}

#[test]
fn products_without_purl_are_named_by_their_cpe_at_the_version() {
    let mut o = Owned::new();
    o.content.products[2].not_affected_versions = vec!["5.1".into()];
    let doc = openvex::document(&o.advisory(), datetime!(2026-02-04 08:30 UTC));
    let ids: Vec<&str> = doc["statements"][0]["products"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["@id"].as_str().unwrap())
        .collect();
    assert!(
        ids.contains(&"cpe:2.3:h:acme:foo_appliance:5.1:*:*:*:*:*:*:*"),
        "{ids:?}"
    );
}

/// The OpenVEX JSON schema of the shared data set's copy of the spec
/// (openvex/spec, `openvex_json_schema.json`, v0.2.0), with Python's
/// `jsonschema`.
#[test]
#[ignore = "needs python3 jsonschema and the shared data set"]
fn documents_conform_to_the_openvex_schema() {
    let schema = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/data/vex/openvex-spec/openvex_json_schema.json");
    let mut o = Owned::new();
    let mut docs = vec![openvex::document(
        &o.advisory(),
        datetime!(2026-02-04 08:30 UTC),
    )];
    o.content.products[2].not_affected_versions = vec!["5.1".into()];
    o.content.vulnerabilities[0].remediations.clear();
    docs.push(openvex::document(
        &o.advisory(),
        datetime!(2026-02-04 08:30 UTC),
    ));
    crate::common::python_jsonschema(&schema, &docs);
}
