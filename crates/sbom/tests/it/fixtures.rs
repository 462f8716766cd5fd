//! The committed fixtures (excerpts of the shared collection, see
//! `fixtures/README.md`) and hand-written edge cases.

use bulwark_sbom::{Format, MAX_DEPTH, Sbom, SbomError, UnmatchableReason};

fn fixture(name: &str) -> Sbom {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    Sbom::parse(&bytes).unwrap_or_else(|e| panic!("{name}: {e}"))
}

#[test]
fn cyclonedx_json_with_nesting() {
    let sbom = fixture("cyclonedx-1.4-nested.json");
    assert_eq!(sbom.format, Format::CycloneDxJson);
    assert_eq!(sbom.spec_version, "1.4");
    let names: Vec<&str> = sbom.components.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "Test",
            "app",
            "criusm_ssl-pinning",
            "react-native",
            "infer-annotation",
            "jsr305",
            "Acme Commerce Suite",
            "Acme Storefront Server",
            "Acme Payment Processor",
        ]
    );
    let subject = &sbom.components[0];
    assert!(subject.subject);
    assert_eq!(subject.path, "metadata.component");
    assert_eq!(subject.group.as_deref(), Some("test"));
    assert_eq!(
        subject.purl.as_deref(),
        Some("pkg:maven/test/Test@latest?type=jar")
    );
    let child = &sbom.components[1];
    assert_eq!(child.parent, Some(0));
    assert_eq!(child.path, "metadata.component.components[0]");
    assert_eq!(
        child.id.as_deref(),
        Some("pkg:maven/Test/app@latest?type=jar")
    );
    let parsed = child.parsed.as_ref().expect("parsed purl");
    assert_eq!(
        (parsed.ty(), parsed.namespace(), parsed.name()),
        ("maven", Some("Test"), "app")
    );

    // The assembly: two components inside the suite, none with a purl.
    let suite = sbom
        .components
        .iter()
        .position(|c| c.name == "Acme Commerce Suite")
        .expect("suite");
    let inner: Vec<_> = sbom
        .components
        .iter()
        .filter(|c| c.parent == Some(suite))
        .collect();
    assert_eq!(inner.len(), 2);
    assert_eq!(
        inner[1].path,
        format!("{}.components[1]", sbom.components[suite].path)
    );
    let unmatchable: Vec<&str> = sbom.unmatchable.iter().map(|u| u.name.as_str()).collect();
    assert_eq!(
        unmatchable,
        [
            "Acme Commerce Suite",
            "Acme Storefront Server",
            "Acme Payment Processor"
        ]
    );
    assert_eq!(sbom.unmatchable[0].reason, UnmatchableReason::NoPurl);
    assert_eq!(sbom.unmatchable[0].version.as_deref(), Some("2.0.0"));
}

#[test]
fn cyclonedx_xml_1_3() {
    let sbom = fixture("cyclonedx-1.3-laravel.xml");
    assert_eq!(sbom.format, Format::CycloneDxXml);
    assert_eq!(sbom.spec_version, "1.3");
    assert_eq!(sbom.components.len(), 4);
    let subject = &sbom.components[0];
    assert!(subject.subject);
    assert_eq!(subject.name, "cyclonedx-php-composer-demo");
    assert_eq!(subject.group.as_deref(), Some("cyclonedx"));
    let first = &sbom.components[1];
    assert_eq!(first.path, "components[0]");
    assert_eq!(first.name, "stack-cors");
    assert_eq!(first.version.as_deref(), Some("1.3.0"));
    assert_eq!(
        first.id.as_deref(),
        Some("pkg:composer/asm89/stack-cors@1.3.0")
    );
    assert_eq!(
        first.parsed.as_ref().map(ToString::to_string).as_deref(),
        Some("pkg:composer/asm89/stack-cors@1.3.0")
    );
    assert!(sbom.unmatchable.is_empty());
}

#[test]
fn spdx_json_2_3() {
    let sbom = fixture("spdx-2.3-ubi9-micro.spdx.json");
    assert_eq!(sbom.format, Format::SpdxJson);
    assert_eq!(sbom.spec_version, "2.3");
    assert_eq!(sbom.components.len(), 4);
    let image = &sbom.components[0];
    assert!(image.subject, "DESCRIBES makes the image the subject");
    assert!(
        image
            .purl
            .as_deref()
            .is_some_and(|p| p.starts_with("pkg:oci/ubi-micro@"))
    );
    assert!(
        !image.other_purls.is_empty(),
        "the image lists several purls"
    );
    let bash = sbom
        .components
        .iter()
        .find(|c| c.name == "bash")
        .expect("bash");
    assert!(!bash.subject);
    assert_eq!(bash.id.as_deref(), Some("SPDXRef-x86-64-bash"));
    assert_eq!(bash.version.as_deref(), Some("5.1.8"));
    assert_eq!(
        bash.purl.as_deref(),
        Some(
            "pkg:rpm/redhat/bash@5.1.8-9.el9?arch=x86_64&repository_id=rhel-9-for-x86_64-baseos-rpms"
        )
    );
    assert_eq!(bash.path, "packages[2]");
}

#[test]
fn spdx_tag_value() {
    let sbom = fixture("example6-bin-with-purl.spdx");
    assert_eq!(sbom.format, Format::SpdxTagValue);
    assert_eq!(sbom.spec_version, "2.2");
    assert_eq!(sbom.components.len(), 2);
    let bin = &sbom.components[0];
    assert_eq!(bin.name, "hello-go-bin");
    assert_eq!(bin.id.as_deref(), Some("SPDXRef-Package-hello-go-bin"));
    assert!(bin.subject);
    assert_eq!(sbom.unmatchable.len(), 1);
    assert_eq!(sbom.unmatchable[0].name, "hello-go-bin");
    let libc = &sbom.components[1];
    assert_eq!(libc.version.as_deref(), Some("2.31-13+deb11u6"));
    assert_eq!(libc.id.as_deref(), Some("SPDXRef-Package-libc6"));
    assert!(libc.path.starts_with("line "));
    assert_eq!(
        libc.source_package().map(|p| p.to_string()).as_deref(),
        Some("pkg:deb/debian/glibc@2.31-13%2Bdeb11u6?arch=source&distro=debian-11")
    );
}

fn refused(doc: &str) -> SbomError {
    match Sbom::parse(doc.as_bytes()) {
        Ok(sbom) => panic!("parsed: {sbom:?}"),
        Err(e) => e,
    }
}

#[test]
fn refusals_name_the_reason() {
    assert_eq!(
        refused(r#"{"hello": 1}"#).to_string(),
        "not an SBOM: JSON without bomFormat or spdxVersion"
    );
    assert_eq!(refused("").kind(), "not an SBOM");
    assert_eq!(refused("[1, 2]").kind(), "not an SBOM");
    assert_eq!(
        refused("int main(void) { return 0; }").kind(),
        "not an SBOM"
    );
    assert_eq!(
        refused("<project><name>x</name></project>").kind(),
        "not an SBOM"
    );
    assert_eq!(
        refused(r#"{"bomFormat": "CycloneDX", "specVersion": "1.7"}"#).to_string(),
        "unsupported SBOM: CycloneDX JSON spec version \"1.7\" (read: 1.2 to 1.6)"
    );
    assert_eq!(
        refused(r#"{"spdxVersion": "SPDX-3.0"}"#).kind(),
        "unsupported"
    );
    assert_eq!(
        refused(r#"{"@context": "https://spdx.org/rdf/3.0.1/spdx-context.jsonld", "@graph": []}"#)
            .kind(),
        "unsupported"
    );
    assert_eq!(
        Sbom::parse(&[0x1f, 0x8b, 8, 0]).unwrap_err().kind(),
        "bad gzip"
    );
    assert_eq!(
        Sbom::parse(b"BZh91AY&SY").unwrap_err().to_string(),
        "compressed (bzip2): decompress before parsing"
    );
    assert_eq!(
        refused(r#"<bom xmlns="http://cyclonedx.org/schema/bom/1.1"/>"#).kind(),
        "unsupported"
    );
    assert_eq!(refused("<bom/>").kind(), "not an SBOM");
    let empty = Sbom::parse(br#"<bom xmlns="http://cyclonedx.org/schema/bom/1.6" version="1"/>"#)
        .expect("an empty BOM is a BOM");
    assert!(empty.components.is_empty());
}

#[test]
fn json_errors_name_the_path() {
    let e = refused(
        r#"{"bomFormat": "CycloneDX", "specVersion": "1.5",
            "components": [{"name": "a"}, {"name": "b", "components": [{"name": 7}]}]}"#,
    );
    match e {
        SbomError::Json { path, line, .. } => {
            assert_eq!(path, "components[1].components[0].name");
            assert_eq!(line, 2);
        }
        other => panic!("{other:?}"),
    }
    let e = refused(r#"{"spdxVersion": "SPDX-2.3", "packages": [{"name": "a"}, {"name": []}]}"#);
    assert!(e.to_string().contains("`packages[1].name`"), "{e}");
    let e = refused(r#"{"spdxVersion": "SPDX-2.3"} trailing"#);
    assert_eq!(e.kind(), "invalid JSON");
}

#[test]
fn xml_errors_name_the_element() {
    let e = refused(
        r#"<bom xmlns="http://cyclonedx.org/schema/bom/1.4"><components>
           <component><name>a</name><purl>pkg:npm/a@1</purl></component>
           <component><name>b</wrong></component></components></bom>"#,
    );
    match &e {
        SbomError::Xml { element, .. } => {
            assert_eq!(element, "/bom/components/component[2]", "{e}");
        }
        other => panic!("{other:?}"),
    }
    let e = refused(r#"<bom xmlns="http://cyclonedx.org/schema/bom/1.4"><components>"#);
    assert_eq!(e.kind(), "invalid XML");
}

#[test]
fn xml_entities_cdata_and_skipped_subtrees() {
    let sbom = Sbom::parse(
        br#"<?xml version="1.0"?>
<bom xmlns="http://cyclonedx.org/schema/bom/1.2" version="1">
  <components>
    <component type="library" bom-ref="a&amp;b">
      <name>a&lt;b&#x3e;</name>
      <version><![CDATA[1.0]]></version>
      <pedigree><ancestors><component><name>not me</name></component></ancestors></pedigree>
      <purl>pkg:deb/debian/libc6@2.31?arch=amd64&amp;upstream=glibc</purl>
      <components><component><name>inner</name><purl>not a purl</purl></component></components>
    </component>
  </components>
  <services><service><name>svc</name></service></services>
</bom>"#,
    )
    .expect("parses");
    assert_eq!(sbom.components.len(), 2);
    let c = &sbom.components[0];
    assert_eq!(c.name, "a<b>");
    assert_eq!(c.id.as_deref(), Some("a&b"));
    assert_eq!(c.version.as_deref(), Some("1.0"));
    assert_eq!(
        c.source_package().map(|p| p.to_string()).as_deref(),
        Some("pkg:deb/debian/glibc@2.31?arch=source")
    );
    let inner = &sbom.components[1];
    assert_eq!(inner.parent, Some(0));
    assert_eq!(inner.path, "components[0].components[0]");
    assert!(matches!(
        &sbom.unmatchable[0].reason,
        UnmatchableReason::BadPurl { purl, .. } if purl == "not a purl"
    ));
    assert!(
        sbom.unmatchable[0]
            .reason
            .to_string()
            .contains("does not parse"),
        "{}",
        sbom.unmatchable[0].reason
    );
}

#[test]
fn deep_nesting_is_refused_with_a_clear_error() {
    for depth in [MAX_DEPTH + 1, 10_000] {
        let mut xml =
            String::from(r#"<bom xmlns="http://cyclonedx.org/schema/bom/1.6"><components>"#);
        for _ in 0..depth {
            xml.push_str("<component><name>x</name><components>");
        }
        for _ in 0..depth {
            xml.push_str("</components></component>");
        }
        xml.push_str("</components></bom>");
        assert_eq!(refused(&xml).kind(), "too deep");

        let mut json =
            String::from(r#"{"bomFormat":"CycloneDX","specVersion":"1.6","components":["#);
        for _ in 0..depth {
            json.push_str(r#"{"name":"x","components":["#);
        }
        for _ in 0..depth {
            json.push_str("]}");
        }
        json.push_str("]}");
        let e = refused(&json);
        assert!(matches!(e.kind(), "too deep" | "invalid JSON"), "{e}");
        assert!(
            e.to_string().contains("deeper") || e.to_string().contains("recursion"),
            "{e}"
        );
    }
    // Within the limit is fine.
    let mut json = String::from(r#"{"bomFormat":"CycloneDX","specVersion":"1.6","components":["#);
    for _ in 0..MAX_DEPTH {
        json.push_str(r#"{"name":"x","components":["#);
    }
    for _ in 0..MAX_DEPTH {
        json.push_str("]}");
    }
    json.push_str("]}");
    assert_eq!(
        Sbom::parse(json.as_bytes())
            .expect("parses")
            .components
            .len(),
        MAX_DEPTH
    );
}

#[test]
fn tag_value_errors_name_the_line() {
    let e = refused("SPDXVersion: SPDX-2.3\nPackageName: a\nExternalRef: PACKAGE-MANAGER purl\n");
    assert_eq!(
        e.to_string(),
        "SPDX tag-value line 3: ExternalRef needs `CATEGORY TYPE LOCATOR`"
    );
    let e = refused("SPDXVersion: SPDX-2.3\nPackageName: a\nPackageComment: <text>never\nclosed\n");
    assert!(matches!(e, SbomError::TagValue { line: 3, .. }), "{e}");
    let e = refused("SPDXVersion: SPDX-2.3\nno colon here\n");
    assert!(matches!(e, SbomError::TagValue { line: 2, .. }), "{e}");
}

#[test]
fn spdx_purl_refs_of_both_category_spellings() {
    let sbom = Sbom::parse(
        br#"{"spdxVersion": "SPDX-2.2", "documentDescribes": ["SPDXRef-b"], "packages": [
            {"SPDXID": "SPDXRef-a", "name": "a", "versionInfo": "1",
             "externalRefs": [{"referenceCategory": "PACKAGE_MANAGER", "referenceType": "purl", "referenceLocator": "pkg:npm/a@1"}]},
            {"SPDXID": "SPDXRef-b", "name": "b",
             "externalRefs": [{"referenceCategory": "SECURITY", "referenceType": "cpe23Type", "referenceLocator": "cpe:2.3:a:b:b:1:*:*:*:*:*:*:*"},
                              {"referenceCategory": "PACKAGE-MANAGER", "referenceType": "purl", "referenceLocator": "pkg:npm/b@2"}]},
            {"SPDXID": "SPDXRef-c", "name": "c", "versionInfo": "",
             "externalRefs": [{"referenceCategory": "SECURITY", "referenceType": "cpe23Type", "referenceLocator": "cpe:2.3:a:c:c:1:*:*:*:*:*:*:*"}]}
        ]}"#,
    )
    .expect("parses");
    let purls: Vec<_> = sbom.components.iter().map(|c| c.purl.as_deref()).collect();
    assert_eq!(purls, [Some("pkg:npm/a@1"), Some("pkg:npm/b@2"), None]);
    assert!(sbom.components[1].subject && !sbom.components[0].subject);
    assert_eq!(sbom.matchable().count(), 2);
    assert_eq!(sbom.unmatchable.len(), 1);
    assert_eq!(
        sbom.unmatchable[0].version, None,
        "an empty version is no version"
    );
}

#[test]
fn gzip_is_decompressed() {
    use std::io::Write;
    let path = format!(
        "{}/tests/fixtures/cyclonedx-1.4-nested.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let plain = std::fs::read(path).expect("fixture");
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(&plain).expect("compress");
    let gz = gz.finish().expect("compress");
    assert_eq!(
        Sbom::parse(&gz).expect("parses"),
        Sbom::parse(&plain).expect("parses")
    );

    let mut twice = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    twice.write_all(&gz).expect("compress");
    let twice = twice.finish().expect("compress");
    assert_eq!(Sbom::parse(&twice).unwrap_err().kind(), "compressed");
}

/// A small SPDX tag-value document: one package with two purl references
/// (SPDX 2.2's `PACKAGE-MANAGER` and 2.3's `PACKAGE_MANAGER`, naming
/// different packages), one with the same purl twice.
const TWO_PURLS: &str = "SPDXVersion: SPDX-2.3\nDataLicense: CC0-1.0\nSPDXID: SPDXRef-DOCUMENT\n\
DocumentName: two-purls\n\nPackageName: lodash\nSPDXID: SPDXRef-lodash\nPackageVersion: 4.17.20\n\
ExternalRef: PACKAGE-MANAGER purl pkg:npm/lodash-es@4.17.20\n\
ExternalRef: PACKAGE_MANAGER purl pkg:npm/lodash@4.17.20\n\nPackageName: left-pad\n\
SPDXID: SPDXRef-left-pad\nPackageVersion: 1.3.0\n\
ExternalRef: PACKAGE_MANAGER purl pkg:npm/left-pad@1.3.0\n\
ExternalRef: PACKAGE-MANAGER purl  pkg:npm/left-pad@1.3.0\n";

#[test]
fn spdx_tag_value_with_every_line_ending() {
    for (ending, text) in [
        ("LF", TWO_PURLS.to_owned()),
        ("CRLF", TWO_PURLS.replace('\n', "\r\n")),
        ("CR", TWO_PURLS.replace('\n', "\r")),
    ] {
        let sbom = Sbom::parse(text.as_bytes()).unwrap_or_else(|e| panic!("{ending}: {e}"));
        assert_eq!(sbom.spec_version, "2.3", "{ending}");
        let names: Vec<_> = sbom.components.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["lodash", "left-pad"], "{ending}");
        assert_eq!(sbom.components[0].path, "line 6", "{ending}");
        assert_eq!(
            sbom.components[0].version.as_deref(),
            Some("4.17.20"),
            "{ending}"
        );
    }
    // A `<text>` value across CR-only lines is read whole.
    let text = "SPDXVersion: SPDX-2.3\rPackageName: a\rPackageComment: <text>one\rtwo</text>\r\
                ExternalRef: PACKAGE-MANAGER purl pkg:npm/a@1.0.0\r";
    let sbom = Sbom::parse(text.as_bytes()).unwrap();
    assert_eq!(sbom.components[0].purl.as_deref(), Some("pkg:npm/a@1.0.0"));
}

#[test]
fn every_distinct_purl_of_a_package_is_kept() {
    let json = r#"{"spdxVersion": "SPDX-2.2", "SPDXID": "SPDXRef-DOCUMENT", "packages": [
        {"name": "lodash", "SPDXID": "SPDXRef-lodash", "versionInfo": "4.17.20", "externalRefs": [
            {"referenceCategory": "PACKAGE-MANAGER", "referenceType": "purl", "referenceLocator": "pkg:npm/lodash-es@4.17.20"},
            {"referenceCategory": "PACKAGE_MANAGER", "referenceType": "purl", "referenceLocator": "pkg:npm/lodash@4.17.20"}]},
        {"name": "left-pad", "SPDXID": "SPDXRef-left-pad", "versionInfo": "1.3.0", "externalRefs": [
            {"referenceCategory": "PACKAGE_MANAGER", "referenceType": "purl", "referenceLocator": "pkg:npm/left-pad@1.3.0"},
            {"referenceCategory": "PACKAGE-MANAGER", "referenceType": "purl", "referenceLocator": " pkg:npm/left-pad@1.3.0"}]}]}"#;
    for (what, bytes) in [
        ("tag-value", TWO_PURLS.as_bytes()),
        ("JSON", json.as_bytes()),
    ] {
        let sbom = Sbom::parse(bytes).unwrap_or_else(|e| panic!("{what}: {e}"));
        let lodash = &sbom.components[0];
        let looked_up: Vec<String> = lodash.purls().map(|p| p.to_string()).collect();
        assert_eq!(
            looked_up,
            ["pkg:npm/lodash-es@4.17.20", "pkg:npm/lodash@4.17.20"],
            "{what}: both references, the 2.2 and the 2.3 spelling"
        );
        let left_pad = &sbom.components[1];
        assert_eq!(left_pad.purls().count(), 1, "{what}: the same purl once");
        assert!(left_pad.other_purls.is_empty(), "{what}");
        assert_eq!(sbom.matchable().count(), 3, "{what}: one per distinct purl");
    }

    // A broken first reference does not make the package unmatchable.
    let text = "SPDXVersion: SPDX-2.3\nPackageName: a\n\
                ExternalRef: PACKAGE-MANAGER purl not-a-purl\n\
                ExternalRef: PACKAGE_MANAGER purl pkg:npm/a@1.0.0\n";
    let sbom = Sbom::parse(text.as_bytes()).unwrap();
    assert!(sbom.unmatchable.is_empty(), "{:?}", sbom.unmatchable);
    assert_eq!(sbom.components[0].purl.as_deref(), Some("pkg:npm/a@1.0.0"));
    assert_eq!(sbom.components[0].other_purls, ["not-a-purl"]);
}
