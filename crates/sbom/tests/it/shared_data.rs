//! Every file of the shared SBOM collection either parses or is refused
//! with a named reason; the ones that are clearly SBOMs parse.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use bulwark_sbom::{Format, Sbom};

fn root() -> PathBuf {
    PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/data/sbom"
    ))
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("directory entry").path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            walk(&p, out);
        } else {
            out.push(p);
        }
    }
}

/// By file name, a CycloneDX or SPDX 2.x document.
fn clearly_sbom(rel: &str) -> bool {
    let name = rel.rsplit('/').next().unwrap_or(rel);
    name.ends_with(".cdx.json")
        || name.ends_with(".bom.json")
        || name.ends_with(".spdx.json")
        || name.ends_with(".spdx")
        || (name.starts_with("bom") && (name.ends_with(".json") || name.ends_with(".xml")))
        || name.contains("cyclonedx") && (name.ends_with(".json") || name.ends_with(".xml"))
}

/// Clearly SBOMs by name that are refused on purpose, each with why.
const EXPECTED_REFUSALS: &[(&str, &str)] = &[
    (
        "cyclonedx-bom-examples/SBOM/laravel-7.12.0/bom.1.1.xml",
        "CycloneDX 1.1: read are 1.2 to 1.6",
    ),
    (
        "guac-exampledata/internal/testing/testdata/exampledata/cyclonedx-1.7.json",
        "CycloneDX 1.7: read are 1.2 to 1.6",
    ),
    (
        "sbomqs/spdx3/perl-Mojolicious.spdx.json",
        "SPDX 3.0 JSON-LD despite its name",
    ),
];

#[test]
#[ignore = "needs the shared data set"]
fn shared_sboms_parse_or_are_refused_with_a_reason() {
    let root = root();
    let mut files = Vec::new();
    walk(&root, &mut files);
    assert!(
        files.len() > 100,
        "shared data set not found at {}",
        root.display()
    );

    let mut parsed: BTreeMap<Format, usize> = BTreeMap::new();
    let mut refused: BTreeMap<&'static str, usize> = BTreeMap::new();
    let mut components = 0usize;
    let mut unmatchable = 0usize;
    let mut failures = Vec::new();
    for path in &files {
        let rel = path
            .strip_prefix(&root)
            .expect("under the root")
            .to_string_lossy()
            .replace('\\', "/");
        let bytes = std::fs::read(path).expect("readable");
        let outcome = std::panic::catch_unwind(|| Sbom::parse(&bytes));
        let Ok(outcome) = outcome else {
            failures.push(format!("{rel}: PANIC"));
            continue;
        };
        match outcome {
            Ok(sbom) => {
                *parsed.entry(sbom.format).or_default() += 1;
                components += sbom.components.len();
                unmatchable += sbom.unmatchable.len();
                println!(
                    "parsed  {rel}: {} {}, {} components, {} unmatchable",
                    sbom.format,
                    sbom.spec_version,
                    sbom.components.len(),
                    sbom.unmatchable.len()
                );
            }
            Err(e) => {
                *refused.entry(e.kind()).or_default() += 1;
                let expected = EXPECTED_REFUSALS.iter().any(|(p, _)| *p == rel);
                println!("refused {rel}: {e}");
                if clearly_sbom(&rel) && !expected {
                    failures.push(format!("{rel}: {e}"));
                }
                if expected {
                    continue;
                }
            }
        }
    }
    println!("files: {}", files.len());
    for (format, n) in &parsed {
        println!("parsed as {format}: {n}");
    }
    for (kind, n) in &refused {
        println!("refused, {kind}: {n}");
    }
    println!("components: {components}, unmatchable: {unmatchable}");
    assert!(failures.is_empty(), "{failures:#?}");
    let total: usize = parsed.values().sum();
    assert!(total >= 150, "only {total} parsed");
}

fn load(rel: &str) -> Sbom {
    let path = root().join(rel);
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    Sbom::parse(&bytes).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

#[test]
#[ignore = "needs the shared data set"]
fn shared_sboms_spot_checks() {
    // Syft SPDX of a Debian image: binary packages name their source.
    let sbom = load(
        "guac-exampledata/internal/testing/testdata/exampledata/oci-kubectl-linux-arm-v7-spdx.json",
    );
    assert_eq!(
        (sbom.format, sbom.spec_version.as_str()),
        (Format::SpdxJson, "2.2")
    );
    let libc = sbom
        .components
        .iter()
        .find(|c| c.name == "libc6")
        .expect("libc6");
    assert_eq!(
        libc.purl.as_deref(),
        Some("pkg:deb/debian/libc6@2.31-13+deb11u6?arch=armhf&upstream=glibc&distro=debian-11")
    );
    assert_eq!(
        libc.source_package().map(|p| p.to_string()).as_deref(),
        Some("pkg:deb/debian/glibc@2.31-13%2Bdeb11u6?arch=source&distro=debian-11")
    );

    // Red Hat CycloneDX 1.6: the source RPM is the subject.
    let sbom =
        load("trustify-test-data/etc/test-data/cyclonedx/openssl-3.0.7-18.el9_2.cdx_1.6.sbom.json");
    let subject = &sbom.components[0];
    assert!(subject.subject);
    assert_eq!(
        subject.purl.as_deref(),
        Some("pkg:rpm/redhat/openssl@3.0.7-18.el9_2?arch=src")
    );
    assert!(
        sbom.components.iter().any(|c| c.purl.as_deref()
            == Some("pkg:rpm/redhat/openssl-libs@3.0.7-18.el9_2?arch=aarch64"))
    );

    // CycloneDX XML 1.5, 2 MB: every component element outside pedigree.
    let sbom = load("dependency-track/apiserver/src/test/resources/unit/bom-issue2519.xml");
    assert_eq!(
        (sbom.format, sbom.components.len()),
        (Format::CycloneDxXml, 2185)
    );
    assert!(sbom.unmatchable.is_empty());

    // CycloneDX JSON 1.3 of Laravel.
    let sbom = load("cyclonedx-bom-examples/SBOM/laravel-7.12.0/bom.1.3.json");
    assert!(sbom.components.iter().any(|c| c.name == "framework"
        && c.group.as_deref() == Some("laravel")
        && c.parsed.as_ref().is_some_and(|p| p.ty() == "composer")));

    // An intentionally invalid purl is unmatchable with the reason.
    let sbom = load("trustify-test-data/etc/test-data/cyclonedx/invalid-purl.json");
    let bad = sbom
        .unmatchable
        .iter()
        .find(|u| u.name == "A")
        .expect("component A");
    assert!(
        bad.reason.to_string().contains("\"invalid purl\""),
        "{}",
        bad.reason
    );

    // gzip is read; bzip2 and xz are refused by name.
    let gz = load("trustify-test-data/etc/test-data/cyclonedx/decompress/simple.json.gz");
    assert_eq!(
        gz,
        load("trustify-test-data/etc/test-data/cyclonedx/decompress/simple.json")
    );
    for (rel, kind) in [
        (
            "trustify-test-data/etc/test-data/cyclonedx/decompress/simple.json.bz2",
            "bzip2",
        ),
        (
            "trustify-test-data/etc/test-data/cyclonedx/decompress/simple.json.xz",
            "xz",
        ),
    ] {
        let bytes = std::fs::read(root().join(rel)).expect("readable");
        assert_eq!(
            Sbom::parse(&bytes),
            Err(bulwark_sbom::SbomError::Compressed(kind))
        );
    }

    // Tag-value SPDX 2.2 with multi-line licence texts.
    let sbom = load("spdx-examples/software/example6/spdx2.2/example6-lib.spdx");
    assert_eq!(sbom.format, Format::SpdxTagValue);
    assert!(!sbom.components.is_empty());
}
