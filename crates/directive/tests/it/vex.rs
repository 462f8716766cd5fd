//! VEX documents: the three readers, their repairs and refusals, and
//! which components and vulnerabilities a statement names.
//!
//! Fixtures are excerpts of the shared data set (`fixtures/vex/README.md`
//! names each source); the last test reads every VEX file of
//! `../shared/data/vex`.

use std::path::{Path, PathBuf};

use bulwark_directive::vex::{Mode, same_vulnerability};
use bulwark_directive::{
    Justification, VexDocument, VexError, VexFormat, VexProduct, VexStatus, VexWarningKind,
};

fn fixture(name: &str) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/it/fixtures/vex")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn parse(name: &str) -> VexDocument {
    VexDocument::parse(&fixture(name), Mode::Repair).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn kinds(doc: &VexDocument) -> Vec<VexWarningKind> {
    doc.warnings.iter().map(|w| w.kind).collect()
}

fn purl(p: &str) -> VexProduct {
    VexProduct {
        purl: Some(p.to_owned()),
        ..VexProduct::default()
    }
}

/// A one-statement OpenVEX 0.2.0 document around `statement`.
fn openvex(statement: &str) -> String {
    format!(
        r#"{{"@context": "https://openvex.dev/ns/v0.2.0", "@id": "https://example.test/vex-1",
            "author": "Test", "timestamp": "2024-01-01T00:00:00Z", "version": 1,
            "statements": [{statement}]}}"#
    )
}

// ---------------------------------------------------------------- OpenVEX

#[test]
fn openvex_0_2_0_with_subcomponents() {
    let doc = parse("openvex-v0.2.0.json");
    assert_eq!(doc.format, VexFormat::OpenVex);
    assert_eq!(
        doc.author.as_deref(),
        Some("The OpenVEX Project <openvex@openssf.org>")
    );
    assert_eq!(
        doc.id.as_deref(),
        Some(
            "https://openvex.dev/docs/public/vex-d4e9020b6d0d26f131d535e055902dd6ccf3e2088bce3079a8cd3588a4b14c78"
        )
    );
    assert!(doc.warnings.is_empty(), "{:?}", doc.warnings);
    assert_eq!(doc.statements.len(), 5);
    let s = &doc.statements[3];
    assert_eq!(s.path, "statements[3]");
    assert_eq!(s.vulnerability, "CVE-2023-3446");
    assert_eq!(s.status, VexStatus::NotAffected);
    assert_eq!(
        s.justification,
        Some(Justification::VulnerableCodeNotPresent)
    );
    assert_eq!(
        s.impact_statement.as_deref(),
        Some("affected functions were removed before packaging")
    );
    // The document's timestamp, inherited.
    assert_eq!(
        s.timestamp.as_deref(),
        Some("2023-07-17T18:28:47.696004345-06:00")
    );
    let product = &s.products[0];
    assert!(
        product
            .purl
            .as_deref()
            .unwrap()
            .starts_with("pkg:oci/alpine@sha256")
    );
    let subs: Vec<_> = product
        .subcomponents
        .iter()
        .map(|p| p.purl.as_deref().unwrap())
        .collect();
    assert_eq!(
        subs,
        [
            "pkg:apk/alpine/libssl3@3.0.8-r3",
            "pkg:apk/alpine/libcrypto3@3.0.8-r3"
        ]
    );
    assert_eq!(doc.statements[0].status, VexStatus::Fixed);
    // The statement names the subcomponent and the image it is inside.
    assert!(s.matches_component("pkg:apk/alpine/libssl3@3.0.8-r3?arch=x86_64"));
    assert!(s.matches_component(
        "pkg:oci/alpine@sha256%3A124c7d2707904eea7431fffe91522a01e5a861a624ee31d03372cc1d138a3126?tag=3.18"
    ));
    assert!(!s.matches_component("pkg:apk/alpine/libssl3@3.0.9-r0"));
}

#[test]
fn openvex_0_0_1_plain_strings() {
    let doc = parse("openvex-v0.0.1.json");
    assert!(doc.warnings.is_empty(), "{:?}", doc.warnings);
    let s = &doc.statements[0];
    assert_eq!(s.vulnerability, "CVE-2023-12345");
    assert_eq!(s.status, VexStatus::Fixed);
    let ids: Vec<_> = s
        .products
        .iter()
        .map(|p| p.purl.as_deref().unwrap())
        .collect();
    assert_eq!(
        ids,
        [
            "pkg:apk/wolfi/git@2.39.0-r1?arch=armv7",
            "pkg:apk/wolfi/git@2.39.0-r1?arch=x86_64"
        ]
    );
}

#[test]
fn openvex_qualified_purls_without_versions() {
    let doc = parse("openvex-dhi-bash.json");
    assert!(doc.warnings.is_empty(), "{:?}", doc.warnings);
    let s = &doc.statements[0];
    assert_eq!(s.vulnerability, "CVE-2025-62813");
    assert_eq!(
        s.justification,
        Some(Justification::VulnerableCodeCannotBeControlledByAdversary)
    );
    assert!(s.matches_vulnerability("cve-2025-62813"));
    // `pkg:deb/debian/lz4@1.10.0-4?os_distro=trixie&…`: the qualifiers must
    // be on the component too.
    assert!(s.matches_component(
        "pkg:deb/debian/lz4@1.10.0-4?arch=amd64&os_distro=trixie&os_name=debian&os_version=13"
    ));
    assert!(!s.matches_component("pkg:deb/debian/lz4@1.10.0-4?os_distro=bookworm"));
    // `pkg:deb/debian/liblz4-1` has no version: every version.
    assert!(s.matches_component("pkg:deb/debian/liblz4-1@1.9.4-1"));
    // The statement's own timestamp.
    assert_eq!(s.timestamp.as_deref(), Some("2025-10-25T14:37:19.272Z"));
}

#[test]
fn openvex_aliases_and_identifiers() {
    let doc = parse("openvex-vexhub-trivy.json");
    assert!(doc.warnings.is_empty(), "{:?}", doc.warnings);
    let s = &doc.statements[0];
    assert_eq!(s.vulnerability, "GO-2024-2575");
    assert_eq!(s.aliases, ["CVE-2024-26147", "GHSA-r53h-jv2g-vpx6"]);
    assert!(s.matches_vulnerability("CVE-2024-26147"));
    assert!(s.matches_vulnerability("ghsa-r53h-jv2g-vpx6"));
    assert!(!s.matches_vulnerability("go-2024-2575"));
    let p = &s.products[0];
    assert_eq!(
        p.purl.as_deref(),
        Some("pkg:golang/github.com/aquasecurity/trivy")
    );
    assert_eq!(
        p.subcomponents[0].purl.as_deref(),
        Some("pkg:golang/helm.sh/helm/v3")
    );
    assert!(s.matches_component("pkg:golang/helm.sh/helm/v3@v3.14.0"));
    assert!(!s.matches_component("pkg:golang/helm.sh/helm@v2.17.0"));
}

#[test]
fn openvex_status_words_are_repaired_or_refused_in_strict_mode() {
    let text = openvex(
        r#"{"vulnerability": {"name": "CVE-2024-1"}, "products": [{"@id": "pkg:npm/a@1"}],
            "status": "Not-Affected", "justification": "Component_Not_Present"}"#,
    );
    let doc = VexDocument::parse(text.as_bytes(), Mode::Repair).unwrap();
    let s = &doc.statements[0];
    assert_eq!(s.status, VexStatus::NotAffected);
    assert_eq!(s.justification, Some(Justification::ComponentNotPresent));
    assert_eq!(
        kinds(&doc),
        [
            VexWarningKind::MisspelledStatus,
            VexWarningKind::MisspelledJustification
        ]
    );
    assert_eq!(doc.warnings[0].path, "statements[0].status");
    assert_eq!(doc.warnings[1].path, "statements[0].justification");
    // The justification as the document wrote it.
    assert_eq!(
        s.justification_as_written.as_deref(),
        Some("Component_Not_Present")
    );

    let err = VexDocument::parse(text.as_bytes(), Mode::Strict).unwrap_err();
    assert!(matches!(&err, VexError::Strict(w) if w.kind == VexWarningKind::MisspelledStatus));
    assert_eq!(err.path(), "statements[0].status");
}

#[test]
fn openvex_not_affected_without_reason_is_kept_with_a_warning() {
    let text = openvex(
        r#"{"vulnerability": {"name": "CVE-2024-1"}, "products": [{"@id": "pkg:npm/a@1"}],
            "status": "not_affected"}"#,
    );
    let doc = VexDocument::parse(text.as_bytes(), Mode::Repair).unwrap();
    assert_eq!(doc.statements.len(), 1);
    assert_eq!(doc.statements[0].status, VexStatus::NotAffected);
    assert_eq!(kinds(&doc), [VexWarningKind::MissingJustification]);
    assert_eq!(doc.warnings[0].path, "statements[0]");
    let err = VexDocument::parse(text.as_bytes(), Mode::Strict).unwrap_err();
    assert_eq!(err.path(), "statements[0]");

    // An impact statement alone is enough.
    let text = openvex(
        r#"{"vulnerability": {"name": "CVE-2024-1"}, "products": [{"@id": "pkg:npm/a@1"}],
            "status": "not_affected", "impact_statement": "not reachable"}"#,
    );
    let doc = VexDocument::parse(text.as_bytes(), Mode::Strict).unwrap();
    assert!(doc.warnings.is_empty());
}

#[test]
fn openvex_affected_without_action_statement_is_kept_with_a_warning() {
    let text = openvex(
        r#"{"vulnerability": "CVE-2024-1", "products": ["pkg:npm/a@1"], "status": "affected"}"#,
    );
    let doc = VexDocument::parse(text.as_bytes(), Mode::Repair).unwrap();
    assert_eq!(kinds(&doc), [VexWarningKind::MissingActionStatement]);
    assert!(VexDocument::parse(text.as_bytes(), Mode::Strict).is_err());
}

#[test]
fn openvex_unknown_justification_is_left_out_and_kept_as_written() {
    let text = openvex(
        r#"{"vulnerability": "CVE-2024-1", "products": ["pkg:npm/a@1"], "status": "not_affected",
            "justification": "code_not_reachable", "impact_statement": "x"}"#,
    );
    let doc = VexDocument::parse(text.as_bytes(), Mode::Repair).unwrap();
    let s = &doc.statements[0];
    assert_eq!(s.justification, None);
    assert_eq!(
        s.justification_as_written.as_deref(),
        Some("code_not_reachable")
    );
    assert_eq!(kinds(&doc), [VexWarningKind::UnknownJustification]);
}

#[test]
fn openvex_statement_without_products_is_kept() {
    // vexctl's test.vex.json has statements like this one.
    let text = openvex(r#"{"vulnerability": "CVE-2021-44228", "status": "fixed"}"#);
    let doc = VexDocument::parse(text.as_bytes(), Mode::Repair).unwrap();
    assert_eq!(doc.statements.len(), 1);
    assert!(doc.statements[0].products.is_empty());
    assert!(
        !doc.statements[0]
            .matches_component("pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1")
    );
    assert_eq!(kinds(&doc), [VexWarningKind::NoProducts]);
    assert_eq!(doc.warnings[0].path, "statements[0].products");
}

#[test]
fn openvex_vulnerability_from_id_and_unknown_context_are_repaired() {
    // As trivy's VEX repository test data and guac's merged documents write them.
    let text = r#"{"@context": "", "statements": [
        {"vulnerability": {"@id": "https://nvd.nist.gov/vuln/detail/CVE-2022-3715"},
         "products": [{"@id": "pkg:deb/debian/bash@5.2"}], "status": "fixed"}]}"#;
    let doc = VexDocument::parse(text.as_bytes(), Mode::Repair).unwrap();
    assert_eq!(doc.statements[0].vulnerability, "CVE-2022-3715");
    assert_eq!(
        kinds(&doc),
        [
            VexWarningKind::UnknownContext,
            VexWarningKind::VulnerabilityFromId
        ]
    );
    assert_eq!(doc.warnings[1].path, "statements[0].vulnerability.name");
    let err = VexDocument::parse(text.as_bytes(), Mode::Strict).unwrap_err();
    assert_eq!(err.path(), "@context");
}

#[test]
fn openvex_malformed_optional_fields_are_ignored() {
    let text = openvex(
        r#"{"vulnerability": {"name": "CVE-2024-1", "aliases": ["GHSA-aaaa-bbbb-cccc", 7]},
            "products": [{"@id": "pkg:npm/a@1"}, 5, {"hashes": {}}], "status": "fixed",
            "status_notes": {"x": 1}}"#,
    );
    let doc = VexDocument::parse(text.as_bytes(), Mode::Repair).unwrap();
    let s = &doc.statements[0];
    assert_eq!(s.aliases, ["GHSA-aaaa-bbbb-cccc"]);
    assert_eq!(s.products.len(), 1);
    assert_eq!(s.status_notes, None);
    let paths: Vec<_> = doc.warnings.iter().map(|w| w.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "statements[0].vulnerability.aliases[1]",
            "statements[0].products[1]",
            "statements[0].products[2]",
            "statements[0].status_notes"
        ]
    );
}

#[test]
fn openvex_refusals_name_the_path() {
    let cases = [
        (
            openvex(r#"{"products": ["pkg:npm/a@1"], "status": "fixed"}"#),
            "statements[0].vulnerability",
        ),
        (
            openvex(r#"{"vulnerability": {"aliases": []}, "status": "fixed"}"#),
            "statements[0].vulnerability",
        ),
        (
            openvex(r#"{"vulnerability": "CVE-2024-1", "status": "patched"}"#),
            "statements[0].status",
        ),
        (
            openvex(r#"{"vulnerability": "CVE-2024-1"}"#),
            "statements[0].status",
        ),
        (openvex(r#""CVE-2024-1""#), "statements[0]"),
        (
            r#"{"@context": "https://openvex.dev/ns/v0.2.0", "statements": {}}"#.to_owned(),
            "statements",
        ),
    ];
    for (text, path) in cases {
        for mode in [Mode::Repair, Mode::Strict] {
            match VexDocument::parse(text.as_bytes(), mode) {
                Err(e @ VexError::Invalid { .. }) => assert_eq!(e.path(), path, "{text}"),
                other => panic!("{text}: {other:?}"),
            }
        }
    }
}

// -------------------------------------------------------------- CycloneDX

#[test]
fn cyclonedx_refs_resolve_through_metadata_component() {
    let doc = parse("cyclonedx-cisa-case1-not-affected.json");
    assert_eq!(doc.format, VexFormat::CycloneDx);
    assert_eq!(doc.timestamp.as_deref(), Some("2022-03-03T00:00:00Z"));
    let s = &doc.statements[0];
    assert_eq!(s.path, "vulnerabilities[0]");
    assert_eq!(s.vulnerability, "CVE-2021-44228");
    assert_eq!(s.status, VexStatus::NotAffected);
    // CycloneDX's `code_not_present`, mapped and kept.
    assert_eq!(
        s.justification,
        Some(Justification::VulnerableCodeNotPresent)
    );
    assert_eq!(
        s.justification_as_written.as_deref(),
        Some("code_not_present")
    );
    assert!(
        s.impact_statement
            .as_deref()
            .unwrap()
            .starts_with("This version of Product ABC")
    );
    assert_eq!(s.action_statement.as_deref(), Some("will_not_fix"));
    let p = &s.products[0];
    assert_eq!(p.id.as_deref(), Some("product-ABC"));
    assert_eq!(p.name.as_deref(), Some("ABC"));
    assert_eq!(p.version.as_deref(), Some("4.2"));
    assert!(doc.warnings.is_empty(), "{:?}", doc.warnings);
}

#[test]
fn cyclonedx_bom_links_keep_the_ref_and_the_purl_inside() {
    let doc = parse("cyclonedx-trivy-bom-links.json");
    let s = &doc.statements[0];
    assert_eq!(
        s.justification,
        Some(Justification::VulnerableCodeNotInExecutePath)
    );
    let p = &s.products[0];
    assert_eq!(
        p.id.as_deref(),
        Some(
            "urn:cdx:3e671687-395b-41f5-a30f-a58921a69b79/1#pkg:maven/org.springframework.boot/spring-boot@2.6.0"
        )
    );
    assert_eq!(
        p.purl.as_deref(),
        Some("pkg:maven/org.springframework.boot/spring-boot@2.6.0")
    );
    assert!(s.matches_component("pkg:maven/org.springframework.boot/spring-boot@2.6.0?type=jar"));
    assert!(!s.matches_component("pkg:maven/org.springframework.boot/spring-boot@2.6.1"));
    // `libstdc%2B%2B6` in the link: the purl's own encoding of `+`.
    let second = &doc.statements[1];
    assert!(second.matches_component(
        "pkg:deb/ubuntu/libstdc++6@12.3.0-1ubuntu1~22.04?arch=amd64&distro=ubuntu-22.04"
    ));
    // Not affected without a justification or detail: CycloneDX allows
    // it, so it is only noted, in either mode.
    assert_eq!(kinds(&doc), [VexWarningKind::MissingJustification]);
    assert!(VexDocument::parse(&fixture("cyclonedx-trivy-bom-links.json"), Mode::Strict).is_ok());
}

#[test]
fn cyclonedx_states_map_to_the_four_statuses() {
    let cases = [
        ("not_affected", VexStatus::NotAffected),
        ("false_positive", VexStatus::NotAffected),
        ("exploitable", VexStatus::Affected),
        ("resolved", VexStatus::Fixed),
        ("resolved_with_pedigree", VexStatus::Fixed),
        ("in_triage", VexStatus::UnderInvestigation),
    ];
    for (state, status) in cases {
        let text = format!(
            r#"{{"bomFormat": "CycloneDX", "specVersion": "1.5",
                "vulnerabilities": [{{"id": "CVE-2024-1", "analysis": {{"state": "{state}"}},
                "affects": [{{"ref": "pkg:npm/a@1"}}]}}]}}"#
        );
        let doc = VexDocument::parse(text.as_bytes(), Mode::Repair).unwrap();
        assert_eq!(doc.statements[0].status, status, "{state}");
    }
}

#[test]
fn cyclonedx_justifications_map_onto_the_five() {
    let cases = [
        ("code_not_present", Justification::VulnerableCodeNotPresent),
        (
            "code_not_reachable",
            Justification::VulnerableCodeNotInExecutePath,
        ),
        (
            "requires_configuration",
            Justification::VulnerableCodeCannotBeControlledByAdversary,
        ),
        ("requires_dependency", Justification::ComponentNotPresent),
        (
            "requires_environment",
            Justification::VulnerableCodeCannotBeControlledByAdversary,
        ),
        (
            "protected_by_compiler",
            Justification::InlineMitigationsAlreadyExist,
        ),
        (
            "protected_at_runtime",
            Justification::InlineMitigationsAlreadyExist,
        ),
        (
            "protected_at_perimeter",
            Justification::InlineMitigationsAlreadyExist,
        ),
        (
            "protected_by_mitigating_control",
            Justification::InlineMitigationsAlreadyExist,
        ),
    ];
    for (word, j) in cases {
        assert_eq!(Justification::from_cyclonedx(word), Some(j), "{word}");
    }
    // OpenVEX's words are not CycloneDX's.
    assert_eq!(Justification::from_cyclonedx("component_not_present"), None);
}

#[test]
fn cyclonedx_nested_components_missing_analysis_and_unknown_refs() {
    let text = r#"{"bomFormat": "CycloneDX", "specVersion": "1.6",
        "serialNumber": "urn:uuid:11111111-2222-3333-4444-555555555555",
        "components": [{"bom-ref": "app", "name": "app", "components": [
            {"bom-ref": "lib", "name": "lib", "version": "2.0", "purl": "pkg:pypi/Some_Lib@2.0"}]}],
        "vulnerabilities": [
          {"id": "CVE-2024-1", "affects": [{"ref": "lib"}, {"ref": "nowhere"}]},
          {"id": "CVE-2024-2", "analysis": {"state": "not_affected", "justification": "requires_environment"},
           "affects": [{"ref": "urn:cdx:11111111-2222-3333-4444-555555555555/1#lib"}]},
          {"id": "CVE-2024-3", "analysis": {"state": "not_affected", "justification": "code_not_reachable"},
           "affects": [{"ref": "urn:uuid:11111111-2222-3333-4444-555555555555/1#lib"}]},
          {"id": "CVE-2024-4", "analysis": {"state": "in_triage"}, "affects": [{"ref": "nowhere"}]}
        ]}"#;
    let doc = VexDocument::parse(text.as_bytes(), Mode::Repair).unwrap();
    let [first, second, third, fourth] = &doc.statements[..] else {
        panic!("{:?}", doc.statements)
    };
    // No analysis: affected, as `affects` says.
    assert_eq!(first.status, VexStatus::Affected);
    assert_eq!(first.products.len(), 1);
    assert_eq!(first.products[0].version.as_deref(), Some("2.0"));
    // PEP 503 normalisation through the purl type's rules.
    assert!(first.matches_component("pkg:pypi/some-lib@2.0"));
    // A BOM-Link into this same BOM resolves locally.
    assert_eq!(second.products[0].id.as_deref(), Some("lib"));
    assert_eq!(
        second.justification,
        Some(Justification::VulnerableCodeCannotBeControlledByAdversary)
    );
    assert_eq!(third.products[0].id.as_deref(), Some("lib"));
    // An unknown ref: the statement stays, about nothing.
    assert!(fourth.products.is_empty());
    let found: Vec<_> = doc
        .warnings
        .iter()
        .map(|w| (w.kind, w.path.as_str()))
        .collect();
    assert_eq!(
        found,
        [
            (VexWarningKind::NoAnalysis, "vulnerabilities[0].analysis"),
            (
                VexWarningKind::UnknownProduct,
                "vulnerabilities[0].affects[1].ref"
            ),
            (
                VexWarningKind::MalformedBomLink,
                "vulnerabilities[2].affects[0].ref"
            ),
            (
                VexWarningKind::UnknownProduct,
                "vulnerabilities[3].affects[0].ref"
            ),
        ]
    );
    let err = VexDocument::parse(text.as_bytes(), Mode::Strict).unwrap_err();
    assert_eq!(err.path(), "vulnerabilities[0].affects[1].ref");
}

#[test]
fn cyclonedx_refusals() {
    let no_id =
        r#"{"bomFormat": "CycloneDX", "vulnerabilities": [{"analysis": {"state": "resolved"}}]}"#;
    let err = VexDocument::parse(no_id.as_bytes(), Mode::Repair).unwrap_err();
    assert_eq!(err.path(), "vulnerabilities[0].id");
    let bad_state = r#"{"bomFormat": "CycloneDX", "vulnerabilities": [{"id": "CVE-2024-1", "analysis": {"state": "fine"}}]}"#;
    let err = VexDocument::parse(bad_state.as_bytes(), Mode::Repair).unwrap_err();
    assert_eq!(err.path(), "vulnerabilities[0].analysis.state");
    let sbom = r#"{"bomFormat": "CycloneDX", "specVersion": "1.5", "components": []}"#;
    assert!(matches!(
        VexDocument::parse(sbom.as_bytes(), Mode::Repair),
        Err(VexError::NotVex { .. })
    ));
}

// ------------------------------------------------------------------- CSAF

#[test]
fn csaf_relationships_flags_and_impact() {
    let doc = parse("csaf-trivy-relationships.json");
    assert_eq!(doc.format, VexFormat::Csaf);
    assert_eq!(
        doc.id.as_deref(),
        Some("fcf5bd33-41c3-45f9-885a-c2ee812f49c9")
    );
    assert_eq!(doc.author.as_deref(), Some("VMWare, Inc."));
    assert!(doc.warnings.is_empty(), "{:?}", doc.warnings);
    let s = &doc.statements[0];
    assert_eq!(
        s.path,
        "vulnerabilities[0].product_status.known_not_affected"
    );
    assert_eq!(s.vulnerability, "CVE-2024-0001");
    assert_eq!(s.status, VexStatus::NotAffected);
    assert_eq!(
        s.justification,
        Some(Justification::VulnerableCodeCannotBeControlledByAdversary)
    );
    assert_eq!(
        s.impact_statement.as_deref(),
        Some("vulnerable_code_not_in_execute_path")
    );
    // The relationship: go-transitive inside go-direct1.
    let p = &s.products[0];
    assert_eq!(
        p.id.as_deref(),
        Some("go-direct1-v2.0.0-go-transitive-v4.0.0")
    );
    assert_eq!(
        p.purl.as_deref(),
        Some("pkg:golang/github.com/aquasecurity/go-direct1@v2.0.0")
    );
    assert_eq!(p.version.as_deref(), Some("2.0.0"));
    assert_eq!(
        p.subcomponents[0].purl.as_deref(),
        Some("pkg:golang/github.com/aquasecurity/go-transitive@v4.0.0")
    );
    assert!(s.matches_component("pkg:golang/github.com/aquasecurity/go-transitive@v4.0.0"));
    assert!(!s.matches_component("pkg:golang/github.com/aquasecurity/go-transitive@v4.0.1"));
}

#[test]
fn csaf_statuses_per_list_and_reasons_per_product() {
    let text = r#"{
      "document": {"category": "csaf_vex", "csaf_version": "2.0",
        "publisher": {"name": "Example"}, "tracking": {"id": "EX-1", "current_release_date": "2024-02-01T00:00:00Z"}},
      "product_tree": {
        "branches": [{"category": "vendor", "name": "ex", "branches": [
          {"category": "product_name", "name": "a", "branches": [
            {"category": "product_version", "name": "1.0", "product": {"product_id": "A1", "name": "a 1.0",
              "product_identification_helper": {"purl": "pkg:npm/a@1.0"}}},
            {"category": "product_version", "name": "2.0", "product": {"product_id": "A2", "name": "a 2.0",
              "product_identification_helper": {"purl": "pkg:npm/a@2.0"}}}]}]}],
        "full_product_names": [{"product_id": "B", "name": "b", "product_identification_helper": {"cpe": "cpe:2.3:a:ex:b:*:*:*:*:*:*:*:*"}}],
        "product_groups": [{"group_id": "G", "product_ids": ["A2", "B"]}]
      },
      "vulnerabilities": [{
        "cve": "CVE-2024-9",
        "ids": [{"system_name": "GHSA", "text": "GHSA-xxxx-yyyy-zzzz"}],
        "product_status": {"known_not_affected": ["A1", "A2", "B"], "fixed": ["Z"], "known_affected": ["A1"]},
        "flags": [{"label": "component_not_present", "product_ids": ["A1"]},
                  {"label": "vulnerable_code_not_present", "group_ids": ["G"]}],
        "remediations": [{"category": "vendor_fix", "details": "upgrade to 3.0", "product_ids": ["A1"]}]
      }]}"#;
    let doc = VexDocument::parse(text.as_bytes(), Mode::Repair).unwrap();
    let summary: Vec<_> = doc
        .statements
        .iter()
        .map(|s| {
            (
                s.status,
                s.justification,
                s.products
                    .iter()
                    .map(|p| p.id.clone().unwrap())
                    .collect::<Vec<_>>(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            (
                VexStatus::NotAffected,
                Some(Justification::ComponentNotPresent),
                vec!["A1".to_owned()]
            ),
            (
                VexStatus::NotAffected,
                Some(Justification::VulnerableCodeNotPresent),
                vec!["A2".to_owned(), "B".to_owned()]
            ),
            (VexStatus::Affected, None, vec!["A1".to_owned()]),
            (VexStatus::Fixed, None, vec![]),
        ]
    );
    let affected = &doc.statements[2];
    assert_eq!(
        affected.action_statement.as_deref(),
        Some("vendor_fix: upgrade to 3.0")
    );
    assert_eq!(affected.aliases, ["GHSA-xxxx-yyyy-zzzz"]);
    assert_eq!(affected.products[0].version.as_deref(), Some("1.0"));
    assert_eq!(affected.timestamp.as_deref(), Some("2024-02-01T00:00:00Z"));
    assert!(doc.statements[1].matches_component("pkg:npm/a@2.0"));
    assert!(!doc.statements[1].matches_component("pkg:npm/a@1.0"));
    // The unknown product `Z`: warned, its statement kept about nothing.
    assert_eq!(kinds(&doc), [VexWarningKind::UnknownProduct]);
    assert_eq!(
        doc.warnings[0].path,
        "vulnerabilities[0].product_status.fixed[0]"
    );
}

#[test]
fn csaf_profile_requirements_and_refusals() {
    let doc = |category: &str, vuln: &str| {
        format!(
            r#"{{"document": {{"category": "{category}", "tracking": {{"id": "X"}}}},
                "product_tree": {{"full_product_names": [{{"product_id": "P", "name": "p"}}]}},
                "vulnerabilities": [{vuln}]}}"#
        )
    };
    // known_not_affected without a flag or impact threat; known_affected
    // without a remediation.
    let text = doc(
        "csaf_vex",
        r#"{"cve": "CVE-2024-1", "product_status": {"known_not_affected": ["P"], "known_affected": ["P"]}}"#,
    );
    let read = VexDocument::parse(text.as_bytes(), Mode::Repair).unwrap();
    assert_eq!(
        kinds(&read),
        [
            VexWarningKind::MissingJustification,
            VexWarningKind::MissingActionStatement
        ]
    );
    assert!(VexDocument::parse(text.as_bytes(), Mode::Strict).is_err());

    // Another category with product statuses: read, with a warning.
    let text = doc(
        "csaf_security_advisory",
        r#"{"cve": "CVE-2024-1", "product_status": {"fixed": ["P"]}}"#,
    );
    let read = VexDocument::parse(text.as_bytes(), Mode::Repair).unwrap();
    assert_eq!(kinds(&read), [VexWarningKind::NotVexProfile]);
    assert_eq!(read.statements[0].status, VexStatus::Fixed);
    let err = VexDocument::parse(text.as_bytes(), Mode::Strict).unwrap_err();
    assert_eq!(err.path(), "document.category");

    // A vulnerability without `cve` or `ids`.
    let text = doc("csaf_vex", r#"{"product_status": {"fixed": ["P"]}}"#);
    let err = VexDocument::parse(text.as_bytes(), Mode::Repair).unwrap_err();
    assert_eq!(err.path(), "vulnerabilities[0]");

    // A CSAF advisory that states no product status is not VEX.
    let text =
        r#"{"document": {"category": "csaf_base"}, "vulnerabilities": [{"cve": "CVE-2024-1"}]}"#;
    assert!(matches!(
        VexDocument::parse(text.as_bytes(), Mode::Repair),
        Err(VexError::NotVex { .. })
    ));
}

// ---------------------------------------------------------- the document

#[test]
fn refusals_of_what_is_not_vex() {
    let err = VexDocument::parse(b"{\"statements\": [\n  1,\n", Mode::Repair).unwrap_err();
    assert!(matches!(err, VexError::NotJson { line: 3, .. }), "{err:?}");
    for text in [
        "[]",
        "{}",
        r#"{"updated_at": "2024-01-01", "packages": []}"#,
        r#""CVE-2024-1""#,
    ] {
        assert!(
            matches!(
                VexDocument::parse(text.as_bytes(), Mode::Repair),
                Err(VexError::NotVex { .. })
            ),
            "{text}"
        );
    }
    // Asked for one format, given another.
    let err =
        VexDocument::parse_cyclonedx(&fixture("openvex-v0.0.1.json"), Mode::Repair).unwrap_err();
    assert!(matches!(err, VexError::NotVex { .. }), "{err:?}");
    assert!(VexDocument::parse_openvex(&fixture("openvex-v0.0.1.json"), Mode::Repair).is_ok());
    assert!(
        VexDocument::parse_csaf(&fixture("csaf-trivy-relationships.json"), Mode::Repair).is_ok()
    );
}

#[test]
fn a_byte_order_mark_is_skipped() {
    let mut bytes = "\u{feff}".as_bytes().to_vec();
    bytes.extend(fixture("openvex-v0.0.1.json"));
    let doc = VexDocument::parse(&bytes, Mode::Repair).unwrap();
    assert_eq!(kinds(&doc), [VexWarningKind::ByteOrderMark]);
    assert!(VexDocument::parse(&bytes, Mode::Strict).is_err());
}

#[test]
fn documents_serialize_with_the_formats_words() {
    let doc = parse("openvex-v0.2.0.json");
    let json = serde_json::to_value(&doc).unwrap();
    assert_eq!(json["format"], "openvex");
    assert_eq!(json["statements"][3]["status"], "not_affected");
    assert_eq!(
        json["statements"][3]["justification"],
        "vulnerable_code_not_present"
    );
    let back: VexDocument = serde_json::from_value(json).unwrap();
    assert_eq!(back, doc);
}

// --------------------------------------------------------------- matching

#[test]
fn purl_matching_rules() {
    let cases: [(&str, &str, bool); 16] = [
        // No version: every version.
        ("pkg:npm/lodash", "pkg:npm/lodash@4.17.21", true),
        ("pkg:npm/lodash", "pkg:npm/lodash", true),
        // A version: only that one.
        ("pkg:npm/lodash@4.17.21", "pkg:npm/lodash@4.17.21", true),
        ("pkg:npm/lodash@4.17.21", "pkg:npm/lodash@4.17.20", false),
        ("pkg:npm/lodash@4.17.21", "pkg:npm/lodash", false),
        // Namespaces must agree, absent included.
        (
            "pkg:npm/%40babel/core@7.0.0",
            "pkg:npm/@babel/core@7.0.0",
            true,
        ),
        ("pkg:npm/%40babel/core@7.0.0", "pkg:npm/core@7.0.0", false),
        (
            "pkg:maven/org.apache/log4j",
            "pkg:maven/org.apache.logging/log4j@2",
            false,
        ),
        // Type and the type's normalisation.
        (
            "pkg:pypi/Django_Utils@1.0",
            "pkg:pypi/django-utils@1.0",
            true,
        ),
        ("pkg:npm/lodash", "pkg:pypi/lodash", false),
        // Qualifiers in the statement must all be on the component.
        (
            "pkg:deb/debian/curl@8?arch=amd64",
            "pkg:deb/debian/curl@8?arch=amd64&distro=trixie",
            true,
        ),
        (
            "pkg:deb/debian/curl@8?arch=amd64",
            "pkg:deb/debian/curl@8?arch=arm64",
            false,
        ),
        (
            "pkg:deb/debian/curl@8?arch=amd64",
            "pkg:deb/debian/curl@8",
            false,
        ),
        // None in the statement: any.
        (
            "pkg:deb/debian/curl@8",
            "pkg:deb/debian/curl@8?arch=arm64",
            true,
        ),
        // The subpath is ignored.
        (
            "pkg:golang/github.com/a/b@v1",
            "pkg:golang/github.com/a/b@v1#sub/dir",
            true,
        ),
        // What does not parse names nothing.
        ("pkg:npm/lodash", "not a purl", false),
    ];
    for (statement, component, expected) in cases {
        assert_eq!(
            purl(statement).matches_purl(component),
            expected,
            "{statement} vs {component}"
        );
    }
    assert!(!VexProduct::default().matches_purl("pkg:npm/lodash"));
    assert!(!purl("pkg:").matches_purl("pkg:npm/lodash"));
}

#[test]
fn vulnerability_matching_over_id_and_aliases() {
    let text = openvex(
        r#"{"vulnerability": {"name": "CVE-2019-17571", "aliases": ["GHSA-2qrg-x229-3v8q", "DSA-4686-1"]},
            "products": ["pkg:maven/log4j/log4j@1.2.17"], "status": "fixed"}"#,
    );
    let doc = VexDocument::parse(text.as_bytes(), Mode::Strict).unwrap();
    let s = &doc.statements[0];
    assert!(s.matches_vulnerability("CVE-2019-17571"));
    assert!(s.matches_vulnerability("cve-2019-17571"));
    assert!(s.matches_vulnerability("ghsa-2qrg-x229-3v8q"));
    assert!(s.matches_vulnerability("DSA-4686-1"));
    // Other ids are compared exactly.
    assert!(!s.matches_vulnerability("dsa-4686-1"));
    assert!(!s.matches_vulnerability("CVE-2019-1757"));
    assert!(same_vulnerability(" CVE-2024-1 ", "cve-2024-1"));
    assert!(!same_vulnerability("CVE-2024-1", "GHSA-2024-1"));
}

// --------------------------------------------------------- the shared data

fn shared_vex() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/vex")
}

fn json_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            json_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "json") {
            out.push(p);
        }
    }
}

#[test]
#[ignore = "needs the shared data set"]
fn every_vex_document_of_the_shared_data_set_parses() {
    let root = shared_vex();
    assert!(
        root.is_dir(),
        "{} missing: this test needs ../shared/data",
        root.display()
    );
    let mut files = Vec::new();
    json_files(&root, &mut files);
    let (mut docs, mut statements, mut warnings, mut strict_refusals) = (0, 0, 0, 0);
    let mut not_vex = Vec::new();
    let mut failed = Vec::new();
    let mut per_format = std::collections::BTreeMap::new();
    let mut per_kind = std::collections::BTreeMap::new();
    for path in &files {
        let rel = path.strip_prefix(&root).unwrap().display().to_string();
        let bytes = std::fs::read(path).unwrap();
        match VexDocument::parse(&bytes, Mode::Repair) {
            Ok(doc) => {
                docs += 1;
                statements += doc.statements.len();
                warnings += doc.warnings.len();
                for w in &doc.warnings {
                    *per_kind.entry(w.kind.as_str()).or_insert(0) += 1;
                }
                *per_format.entry(doc.format.as_str()).or_insert(0) += 1;
                if let Err(e) = VexDocument::parse(&bytes, Mode::Strict) {
                    println!("  strict mode refuses {rel}: {e}");
                    strict_refusals += 1;
                }
            }
            Err(VexError::NotVex { reason }) => not_vex.push((rel, reason)),
            Err(e) => failed.push(format!("{rel}: {e}")),
        }
    }
    println!(
        "{} JSON files: {docs} VEX documents {per_format:?}, {statements} statements, \
         {warnings} warnings {per_kind:?}, {strict_refusals} refused in strict mode; {} not VEX",
        files.len(),
        not_vex.len()
    );
    for (rel, reason) in &not_vex {
        println!("  not VEX: {rel}: {reason}");
    }
    assert!(
        failed.is_empty(),
        "VEX documents refused:\n{}",
        failed.join("\n")
    );
    // What is not VEX: VEX Hub indexes and manifests, repository
    // descriptions, the OpenVEX JSON schema and JSON-LD context, SARIF
    // logs, an SPDX SBOM, trivy's empty `unknown.json`, and CycloneDX SBOMs
    // without vulnerabilities (the bom-examples' `bom*.json`; sbom-utility's
    // `cdx-1-3-bom-example2-bom-vex.json` is, despite its name, a 1.3 BOM
    // of components only).
    for (rel, _) in &not_vex {
        let name = rel.rsplit('/').next().unwrap();
        let expected = matches!(
            name,
            "index.json"
                | "manifest.json"
                | "vex-repository.json"
                | "unknown.json"
                | "openvex_json_schema.json"
                | "context.json"
                | "sbom.spdx.json"
                | "cdx-1-3-bom-example2-bom-vex.json"
                | "cdx-1-3-example1-bom.json"
        ) || name.ends_with(".sarif.json")
            || (name.starts_with("bom") && rel.starts_with("cyclonedx-bom-examples/"));
        assert!(expected, "{rel} refused as not VEX");
    }
    assert!(docs >= 150, "only {docs} VEX documents read");
}

/// The CSAF advisories of the shared data set that are VEX documents
/// (`csaf_vex`): the CSAF reader on more than the VEX directory holds.
#[test]
#[ignore = "needs the shared data set"]
fn every_csaf_vex_advisory_of_the_shared_data_set_parses() {
    let root = shared_vex().join("../advisories/csaf");
    assert!(
        root.is_dir(),
        "{} missing: this test needs ../shared/data",
        root.display()
    );
    let mut files = Vec::new();
    json_files(&root, &mut files);
    let (mut docs, mut statements, mut warnings, mut refused_on_purpose) = (0, 0, 0, 0);
    let mut failed = Vec::new();
    for path in &files {
        let bytes = std::fs::read(path).unwrap();
        let Ok(value) = serde_json::from_slice::<serde_json::Value>(&bytes) else {
            continue;
        };
        if value["document"]["category"] != "csaf_vex" {
            continue;
        }
        match VexDocument::parse_csaf(&bytes, Mode::Repair) {
            Ok(doc) => {
                docs += 1;
                statements += doc.statements.len();
                warnings += doc.warnings.len();
            }
            Err(e) => {
                // Validators' test cases of CSAF's mandatory tests (6.1.27.7,
                // 6.1.27.8) and csaf-walker's test copy of RHSA-2023:1441
                // stripped of its `cve` state no vulnerability on purpose.
                let p = path.display().to_string();
                let on_purpose = (p.contains("/mandatory/") || p.ends_with("rhsa-2023_1441.json"))
                    && e.to_string().contains("without `cve` or `ids`");
                if on_purpose {
                    refused_on_purpose += 1;
                } else {
                    failed.push(format!("{p}: {e}"));
                }
            }
        }
    }
    println!(
        "{docs} CSAF VEX documents: {statements} statements, {warnings} warnings; \
         {refused_on_purpose} without a vulnerability id refused"
    );
    assert!(failed.is_empty(), "refused:\n{}", failed.join("\n"));
    assert!(docs > 0);
}

#[test]
fn csaf_relationship_chains_stay_one_level_deep() {
    // Each relationship names the one before: a product inside a product
    // inside a product …
    let mut rels = Vec::new();
    for i in 1..200 {
        rels.push(format!(
            r#"{{"category": "default_component_of", "product_reference": "R{}",
                "relates_to_product_reference": "P", "full_product_name": {{"product_id": "R{i}", "name": "r{i}"}}}}"#,
            i - 1
        ));
    }
    let text = format!(
        r#"{{"document": {{"category": "csaf_vex"}},
            "product_tree": {{"full_product_names": [
                {{"product_id": "R0", "name": "lib", "product_identification_helper": {{"purl": "pkg:npm/lib@1"}}}},
                {{"product_id": "P", "name": "app", "product_identification_helper": {{"purl": "pkg:npm/app@2"}}}}],
              "relationships": [{}]}},
            "vulnerabilities": [{{"cve": "CVE-2024-1", "product_status": {{"fixed": ["R199", "R1"]}}}}]}}"#,
        rels.join(",")
    );
    let doc = VexDocument::parse(text.as_bytes(), Mode::Strict).unwrap();
    let products = &doc.statements[0].products;
    for p in products {
        assert!(p.subcomponents.len() <= 64, "{}", p.subcomponents.len());
        assert!(p.subcomponents.iter().all(|s| s.subcomponents.is_empty()));
    }
    // The first link: lib inside app.
    assert_eq!(products[1].subcomponents.len(), 1);
    assert!(doc.statements[0].matches_component("pkg:npm/lib@1"));
    assert!(doc.statements[0].matches_component("pkg:npm/app@2"));
}

/// Every prefix of each fixture, and each with bytes replaced, is read or
/// refused without a panic; strict mode never accepts what the default
/// mode refuses. (The fuzz target `vex_parse` does the same on any bytes.)
#[test]
fn cut_and_damaged_documents_are_refused_not_panicked_on() {
    for name in [
        "openvex-v0.2.0.json",
        "openvex-v0.0.1.json",
        "openvex-vexhub-trivy.json",
        "cyclonedx-cisa-case1-not-affected.json",
        "cyclonedx-trivy-bom-links.json",
        "csaf-trivy-relationships.json",
    ] {
        let bytes = fixture(name);
        let mut variants: Vec<Vec<u8>> = (0..bytes.len()).map(|n| bytes[..n].to_vec()).collect();
        for (i, b) in bytes.iter().enumerate().step_by(7) {
            for with in [b'"', b'0', b'[', b'{', b'}', b'n'] {
                if *b != with {
                    let mut v = bytes.clone();
                    v[i] = with;
                    variants.push(v);
                }
            }
        }
        for v in &variants {
            let repaired = VexDocument::parse(v, Mode::Repair);
            let strict = VexDocument::parse(v, Mode::Strict);
            assert!(
                repaired.is_ok() || strict.is_err(),
                "{name}: strict mode accepted what the default mode refused"
            );
        }
        // The whole document reads.
        assert!(VexDocument::parse(&bytes, Mode::Repair).is_ok(), "{name}");
    }
}

#[test]
fn errors_and_warnings_give_the_line() {
    use crate::common::line_of;
    let text = r#"{
  "@context": "https://openvex.dev/ns/v0.2.0",
  "statements": [
    {
      "vulnerability": {"name": "CVE-2024-1"},
      "products": [{"@id": "pkg:npm/a@1"}],
      "status": "Fixed"
    },
    {
      "vulnerability": {"name": "CVE-2024-2"},
      "products": [{"@id": "pkg:npm/a@1"}],
      "status": "not_affected"
    },
    {
      "vulnerability": "CVE-2024-3",
      "products": ["pkg:npm/a@1"],
      "status": "broken"
    }
  ]
}"#;
    let err = VexDocument::parse(text.as_bytes(), Mode::Repair).unwrap_err();
    assert_eq!(err.path(), "statements[2].status");
    assert_eq!(err.line(), Some(line_of(text, r#""broken""#)));
    assert!(
        err.to_string()
            .contains(&format!("(line {})", line_of(text, r#""broken""#)))
    );

    let err = VexDocument::parse(text.as_bytes(), Mode::Strict).unwrap_err();
    assert_eq!(err.path(), "statements[0].status");
    assert_eq!(err.line(), Some(line_of(text, r#""Fixed""#)));

    let readable = text.replace(r#""broken""#, r#""fixed""#);
    let doc = VexDocument::parse(readable.as_bytes(), Mode::Repair).unwrap();
    let found: Vec<_> = doc
        .warnings
        .iter()
        .map(|w| (w.path.as_str(), w.line))
        .collect();
    // The missing justification is reported on its statement's line.
    let second_statement = line_of(&readable, r#"{"name": "CVE-2024-2"}"#) - 1;
    assert_eq!(
        found,
        [
            (
                "statements[0].status",
                Some(line_of(&readable, r#""Fixed""#))
            ),
            ("statements[1]", Some(second_statement)),
        ]
    );
}

#[test]
fn statements_about_an_obligation() {
    let doc = parse("openvex-v0.2.0.json");
    let found: Vec<_> = doc
        .statements_about(
            "cve-2023-3817",
            "pkg:apk/alpine/libcrypto3@3.0.8-r3?arch=aarch64",
        )
        .map(|s| s.path.as_str())
        .collect();
    assert_eq!(found, ["statements[4]"]);
    assert_eq!(
        doc.statements_about("CVE-2023-3817", "pkg:apk/alpine/libcrypto3@3.0.9-r0")
            .count(),
        0
    );
    assert_eq!(
        doc.statements_about("CVE-2023-3817", "not a purl").count(),
        0
    );
    // Every statement of the document is about the image.
    let image =
        "pkg:oci/alpine@sha256%3A124c7d2707904eea7431fffe91522a01e5a861a624ee31d03372cc1d138a3126";
    let all: usize = [
        "CVE-2023-1255",
        "CVE-2023-2650",
        "CVE-2023-2975",
        "CVE-2023-3446",
        "CVE-2023-3817",
    ]
    .iter()
    .map(|v| doc.statements_about(v, image).count())
    .sum();
    assert_eq!(all, 5);
}
