//! The demo's sample data, compiled in so that `bulwark demo` works from
//! any folder. Each file's source and licence: `crates/app/demo/PROVENANCE.md`.

/// CycloneDX 1.5 SBOM of the `nats-io/nats-box` container (Go modules and
/// Alpine packages); its `vulnerabilities` section left out.
pub const NATS_BOX: &[u8] = include_bytes!("../../demo/sbom/nats-box.cdx.json");
/// SPDX 2.3 SBOM of Red Hat's UBI 9 micro image (an excerpt).
pub const UBI9_MICRO: &[u8] = include_bytes!("../../demo/sbom/spdx-2.3-ubi9-micro.spdx.json");
/// CycloneDX 1.3 XML SBOM of a Laravel application (an excerpt).
pub const LARAVEL: &[u8] = include_bytes!("../../demo/sbom/cyclonedx-1.3-laravel.xml");

/// The Go vulnerability database's OSV records about nats-box's modules,
/// as one JSON array.
pub const GO_VULNDB: &[u8] = include_bytes!("../../demo/golang-vulndb.json");
/// CISA's KEV catalog, the entries of the products the agencies run.
pub const KEV: &[u8] = include_bytes!("../../demo/kev.json");
/// FIRST's EPSS scores of the CVEs above that the excerpt holds.
pub const EPSS: &[u8] = include_bytes!("../../demo/epss.csv");
/// CVE JSON 5 records with CISA's ADP points (vulnrichment).
pub const CVES: [&[u8]; 4] = [
    include_bytes!("../../demo/cve/CVE-2019-7256.json"),
    include_bytes!("../../demo/cve/CVE-2022-0028.json"),
    include_bytes!("../../demo/cve/CVE-2024-1708.json"),
    include_bytes!("../../demo/cve/CVE-2024-23897.json"),
];

/// SARIF logs: (file name, bytes).
pub const SARIF: [(&str, &[u8]); 4] = [
    (
        "fortify-excerpt.sarif",
        include_bytes!("../../demo/sarif/fortify-excerpt.sarif"),
    ),
    (
        "rules-extensions.sarif",
        include_bytes!("../../demo/sarif/rules-extensions.sarif"),
    ),
    (
        "codeql-fingerprinting.sarif",
        include_bytes!("../../demo/sarif/codeql-fingerprinting.sarif"),
    ),
    (
        "semgrep-dataflow.sarif",
        include_bytes!("../../demo/sarif/semgrep-dataflow.sarif"),
    ),
];

/// A `git format-patch` mail: the patch proposed for a case.
pub const PATCH: &[u8] = include_bytes!("../../demo/git-format-patch.patch");

/// Rows of Epoch AI's notable AI models (CSV, Epoch's layout).
pub const EPOCH_MODELS: &[u8] = include_bytes!("../../demo/epoch-notable-models.csv");

/// The benchmark set the repository ships.
pub const BENCHMARKS: &str = include_str!("../../../../benchmarks/frontier-cyber.toml");

/// BOD 26-04 as the repository ships it.
pub const BOD_26_04: &str = include_str!("../../../../directives/bod-26-04.toml");
