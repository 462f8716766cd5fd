//! The CSAF writers: what they write, and that it validates.

use bulwark_core::Tlp;
use bulwark_directive::vex::{Mode, VexDocument, VexStatus};
use bulwark_distribution::csaf;
use bulwark_distribution::model::{Status, Tracking};
use serde_json::{Value, json};

use crate::common::Owned;

fn problems(doc: &Value) -> Vec<String> {
    csaf::validate(doc)
        .iter()
        .map(ToString::to_string)
        .collect()
}

#[test]
fn security_advisory_is_valid_and_says_what_the_model_says() {
    let o = Owned::new();
    let doc = csaf::security_advisory(&o.advisory());
    assert_eq!(problems(&doc), Vec::<String>::new());
    let d = &doc["document"];
    assert_eq!(d["category"], "csaf_security_advisory");
    assert_eq!(d["csaf_version"], "2.0");
    assert_eq!(d["lang"], "en");
    assert_eq!(d["tracking"]["id"], "BWK-2026-0001");
    assert_eq!(d["tracking"]["version"], "2");
    assert_eq!(d["tracking"]["status"], "final");
    assert_eq!(d["tracking"]["revision_history"][1]["number"], "2");
    assert_eq!(
        d["tracking"]["initial_release_date"],
        "2026-02-02T12:00:00Z"
    );
    assert_eq!(d["tracking"]["generator"]["engine"]["name"], "Bulwark");
    assert_eq!(d["distribution"]["tlp"]["label"], "WHITE");
    let notes: Vec<&str> = d["notes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["category"].as_str().unwrap())
        .collect();
    assert_eq!(notes, ["summary", "details", "legal_disclaimer"]);
    assert_eq!(d["acknowledgments"][0]["names"][0], "Ada Reporter");
    assert_eq!(d["references"][0]["category"], "external");

    // Product tree: vendor → product name → versions and ranges.
    let foo = &doc["product_tree"]["branches"][0];
    assert_eq!(foo["category"], "vendor");
    assert_eq!(foo["name"], "Foo Project");
    let libfoo = &foo["branches"][0];
    assert_eq!(libfoo["category"], "product_name");
    assert_eq!(libfoo["branches"][0]["category"], "product_version_range");
    assert_eq!(libfoo["branches"][0]["name"], "vers:npm/>=1.0.0|<1.4.2");
    assert_eq!(
        libfoo["branches"][0]["product"]["product_id"],
        "libfoo:range-1"
    );
    assert_eq!(
        libfoo["branches"][0]["product"]["product_identification_helper"]["purl"],
        "pkg:npm/%40foo/libfoo"
    );
    assert_eq!(libfoo["branches"][1]["category"], "product_version");
    assert_eq!(libfoo["branches"][1]["name"], "1.4.2");
    assert_eq!(
        libfoo["branches"][1]["product"]["product_identification_helper"]["purl"],
        "pkg:npm/%40foo/libfoo@1.4.2"
    );
    let pyfoo = &foo["branches"][1];
    assert_eq!(pyfoo["branches"][0]["name"], "vers:pypi/<=2.1");
    let acme = &doc["product_tree"]["branches"][1];
    assert_eq!(acme["name"], "Acme");
    assert_eq!(acme["branches"][0]["product"]["product_id"], "appliance");
    assert_eq!(
        acme["branches"][0]["product"]["product_identification_helper"]["cpe"],
        "cpe:2.3:h:acme:foo_appliance:*:*:*:*:*:*:*:*"
    );

    // Vulnerabilities: status, scores computed, remediations' products.
    let v0 = &doc["vulnerabilities"][0];
    assert_eq!(v0["cve"], "CVE-2026-10001");
    assert_eq!(v0["cwe"]["id"], "CWE-94");
    assert_eq!(v0["ids"][0]["text"], "GHSA-abcd-efgh-ijkl");
    assert_eq!(v0["discovery_date"], "2026-01-05T09:00:00Z");
    assert_eq!(
        v0["product_status"]["known_affected"],
        json!(["libfoo:range-1", "pyfoo:range-1", "pyfoo@2.1", "appliance"])
    );
    assert_eq!(v0["product_status"]["fixed"], json!(["libfoo@1.4.2"]));
    assert_eq!(
        v0["product_status"]["known_not_affected"],
        json!(["libfoo@0.9.0", "pyfoo@3.0"])
    );
    assert_eq!(v0["scores"][0]["cvss_v3"]["baseScore"], 9.8);
    assert_eq!(v0["scores"][0]["cvss_v3"]["baseSeverity"], "CRITICAL");
    assert_eq!(v0["scores"][0]["cvss_v3"]["version"], "3.1");
    assert_eq!(v0["remediations"][0]["category"], "vendor_fix");
    assert_eq!(
        v0["remediations"][0]["product_ids"],
        json!(["libfoo:range-1"])
    );
    assert_eq!(
        v0["remediations"][1]["product_ids"],
        v0["product_status"]["known_affected"]
    );
    let v1 = &doc["vulnerabilities"][1];
    assert_eq!(
        v1["product_status"]["known_affected"],
        json!(["pyfoo:range-1", "pyfoo@2.1"])
    );
    assert_eq!(v1["scores"][0]["cvss_v3"]["baseScore"], 6.1);
    assert_eq!(v1["scores"][0]["cvss_v3"]["baseSeverity"], "MEDIUM");
    assert!(v1.get("remediations").is_none());
}

#[test]
fn tlp_labels_map_onto_csaf_2_0() {
    let mut o = Owned::new();
    for (tlp, label) in [
        (Tlp::Clear, "WHITE"),
        (Tlp::Green, "GREEN"),
        (Tlp::Amber, "AMBER"),
        (Tlp::AmberStrict, "AMBER"),
        (Tlp::Red, "RED"),
    ] {
        o.tlp = tlp;
        let doc = csaf::security_advisory(&o.advisory());
        assert_eq!(
            doc["document"]["distribution"]["tlp"]["label"], label,
            "{tlp}"
        );
        let text = doc["document"]["distribution"]["text"].as_str().unwrap();
        assert_eq!(
            text.contains("AMBER+STRICT"),
            tlp == Tlp::AmberStrict,
            "{text}"
        );
        assert!(csaf::validate(&doc).is_empty());
    }
}

#[test]
fn drafts_and_interim_documents_are_valid() {
    let mut o = Owned::new();
    o.tracking = crate::common::tracking(Status::Draft, 0);
    let doc = csaf::security_advisory(&o.advisory());
    assert_eq!(doc["document"]["tracking"]["version"], "0");
    assert_eq!(
        doc["document"]["tracking"]["revision_history"][0]["number"],
        "0"
    );
    assert_eq!(problems(&doc), Vec::<String>::new());

    o.tracking = crate::common::tracking(Status::Interim, 1);
    let doc = csaf::security_advisory(&o.advisory());
    assert_eq!(doc["document"]["tracking"]["status"], "interim");
    assert_eq!(problems(&doc), Vec::<String>::new());

    // A final document without a revision is the writer's caller's
    // mistake: written as revision 0, which the validator names.
    o.tracking = Tracking {
        status: Status::Final,
        ..crate::common::tracking(Status::Final, 0)
    };
    let doc = csaf::security_advisory(&o.advisory());
    let found = problems(&doc);
    assert!(found.iter().any(|p| p.starts_with("6.1.17")), "{found:?}");
    assert!(found.iter().any(|p| p.starts_with("6.1.18")), "{found:?}");
}

#[test]
fn writer_mistakes_are_named_by_the_validator() {
    let mut o = Owned::new();
    o.content.vulnerabilities[1].products = vec!["nonexistent".into()];
    o.content.vulnerabilities[0].cvss_v3 = Some("CVSS:3.1/AV:N".into());
    o.content.products[0].purl = Some("npm/libfoo".into());
    let found = problems(&csaf::security_advisory(&o.advisory()));
    assert!(
        found
            .iter()
            .any(|p| p.starts_with("6.1.1 at /vulnerabilities/1/product_status/known_affected/0")),
        "{found:?}"
    );
    assert!(
        found
            .iter()
            .any(|p| p.starts_with("6.1.8 at /vulnerabilities/0/scores/0/cvss_v3")),
        "{found:?}"
    );
    assert!(found.iter().any(|p| p.starts_with("6.1.13 at /product_tree/branches/0/branches/0/branches/0/product/product_identification_helper/purl")), "{found:?}");
}

#[test]
fn vex_is_valid_and_reads_back_as_vex() {
    let o = Owned::new();
    let doc = csaf::vex(&o.advisory());
    assert_eq!(problems(&doc), Vec::<String>::new());
    assert_eq!(doc["document"]["category"], "csaf_vex");
    let v0 = &doc["vulnerabilities"][0];
    assert_eq!(v0["threats"][0]["category"], "impact");
    assert_eq!(
        v0["threats"][0]["product_ids"],
        v0["product_status"]["known_not_affected"]
    );
    // The second vulnerability has no remediation: the VEX profile needs an
    // action statement for each affected product, so one is written.
    let v1 = &doc["vulnerabilities"][1];
    assert_eq!(v1["remediations"][0]["category"], "none_available");
    assert_eq!(
        v1["remediations"][0]["product_ids"],
        v1["product_status"]["known_affected"]
    );

    let read = VexDocument::parse_csaf(&csaf::to_bytes(&doc), Mode::Strict).unwrap();
    assert_eq!(read.id.as_deref(), Some("BWK-2026-0001"));
    let not_affected: Vec<(String, Option<String>)> = read
        .statements
        .iter()
        .filter(|s| s.status == VexStatus::NotAffected && s.vulnerability == "CVE-2026-10001")
        .flat_map(|s| {
            s.products
                .iter()
                .map(|p| (p.purl.clone().unwrap_or_default(), p.version.clone()))
        })
        .collect();
    assert_eq!(
        not_affected,
        [
            (
                "pkg:npm/%40foo/libfoo@0.9.0".to_owned(),
                Some("0.9.0".to_owned())
            ),
            ("pkg:pypi/pyfoo@3.0".to_owned(), Some("3.0".to_owned()))
        ]
    );
    let fixed: Vec<&str> = read
        .statements
        .iter()
        .filter(|s| s.status == VexStatus::Fixed)
        .flat_map(|s| s.products.iter().filter_map(|p| p.purl.as_deref()))
        .collect();
    assert_eq!(fixed, ["pkg:npm/%40foo/libfoo@1.4.2"]);
}

#[test]
fn published_bytes_are_the_document() {
    let o = Owned::new();
    let doc = csaf::security_advisory(&o.advisory());
    let bytes = csaf::to_bytes(&doc);
    let back: Value = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(back, doc);
    assert_eq!(
        bytes,
        csaf::to_bytes(&back),
        "the same document gives the same bytes"
    );
    assert_eq!(csaf::filename(&o.tracking.id), "bwk-2026-0001.json");
}

#[test]
fn fixed_versions_without_ranges() {
    let mut o = Owned::new();
    o.content.products[0].affected.clear();
    o.content.products[0].not_affected_versions.clear();
    o.content.vulnerabilities.truncate(1);
    // One fixed version: affected before it, as the OSV record says.
    let doc = csaf::security_advisory(&o.advisory());
    assert_eq!(problems(&doc), Vec::<String>::new());
    let libfoo = &doc["product_tree"]["branches"][0]["branches"][0];
    assert_eq!(libfoo["branches"][0]["name"], "vers:npm/<1.4.2");
    assert_eq!(
        doc["vulnerabilities"][0]["product_status"]["known_affected"][0],
        "libfoo:range-1"
    );
    // Two: the product without versions is affected, its fixed versions
    // fixed; no `*` range claims the fixed versions are affected.
    o.content.products[0].fixed_versions.push("2.0.1".into());
    let doc = csaf::security_advisory(&o.advisory());
    assert_eq!(problems(&doc), Vec::<String>::new());
    assert_eq!(
        doc["product_tree"]["full_product_names"],
        json!([{"name": "Foo Project libfoo", "product_id": "libfoo",
                "product_identification_helper": {"purl": "pkg:npm/%40foo/libfoo"}}])
    );
    let names: Vec<&str> = doc["product_tree"]["branches"][0]["branches"][0]["branches"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["1.4.2", "2.0.1"]);
    let status = &doc["vulnerabilities"][0]["product_status"];
    assert_eq!(status["fixed"], json!(["libfoo@1.4.2", "libfoo@2.0.1"]));
    assert_eq!(status["known_affected"][0], "libfoo");
}
