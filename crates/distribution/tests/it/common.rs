//! The advisories the tests write: made up for these tests (no source), in
//! the shapes a case's advisory takes.

use bulwark_core::Tlp;
use bulwark_distribution::model::{
    Acknowledgment, Advisory, AdvisoryContent, Cwe, Product, Publisher, Reference,
    ReferenceCategory, Remediation, RemediationCategory, Revision, Status, Tracking, VersionRange,
    Vulnerability, VulnerabilityId,
};
use time::macros::datetime;

pub fn publisher() -> Publisher {
    Publisher {
        category: "coordinator".into(),
        name: "Bulwark Clearinghouse (test)".into(),
        namespace: "https://bulwark.example.gov".into(),
        contact_details: Some("csirt@bulwark.example.gov".into()),
        issuing_authority: None,
    }
}

/// An npm package with a range and a fixed version, a PyPI package with a
/// listed affected version and a not-affected one, and an appliance
/// without a purl (CPE only): two vulnerabilities.
pub fn content() -> AdvisoryContent {
    AdvisoryContent {
        title: "Remote code execution in libfoo and its appliance".into(),
        summary: "libfoo before 1.4.2 evaluates attacker-controlled templates; upgrade to 1.4.2.".into(),
        details: Some("The template engine of libfoo passes user input to `eval`.\n\nUpgrade.".into()),
        products: vec![
            Product {
                key: "libfoo".into(),
                vendor: "Foo Project".into(),
                name: "libfoo".into(),
                purl: Some("pkg:npm/%40foo/libfoo".into()),
                affected: vec![VersionRange {
                    introduced: Some("1.0.0".into()),
                    fixed: Some("1.4.2".into()),
                    last_affected: None,
                }],
                fixed_versions: vec!["1.4.2".into()],
                not_affected_versions: vec!["0.9.0".into()],
                ..Product::default()
            },
            Product {
                key: "pyfoo".into(),
                vendor: "Foo Project".into(),
                name: "pyfoo".into(),
                purl: Some("pkg:pypi/pyfoo".into()),
                affected: vec![VersionRange {
                    introduced: None,
                    fixed: None,
                    last_affected: Some("2.1".into()),
                }],
                affected_versions: vec!["2.1".into()],
                not_affected_versions: vec!["3.0".into()],
                ..Product::default()
            },
            Product {
                key: "appliance".into(),
                vendor: "Acme".into(),
                name: "Foo Appliance".into(),
                cpe: Some("cpe:2.3:h:acme:foo_appliance:*:*:*:*:*:*:*:*".into()),
                ..Product::default()
            },
        ],
        vulnerabilities: vec![
            Vulnerability {
                cve: Some("CVE-2026-10001".into()),
                ids: vec![
                    VulnerabilityId { system_name: "GHSA".into(), text: "GHSA-abcd-efgh-ijkl".into() },
                    VulnerabilityId { system_name: "Bulwark case".into(), text: "CASE-42".into() },
                ],
                cwe: Some(Cwe { id: "CWE-94".into(), name: "Improper Control of Generation of Code ('Code Injection')".into() }),
                title: Some("Template injection".into()),
                description: Some("Templates are evaluated with user input.".into()),
                cvss_v3: Some("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H".into()),
                products: vec![],
                remediations: vec![
                    Remediation {
                        category: RemediationCategory::VendorFix,
                        details: "Upgrade libfoo to 1.4.2.".into(),
                        url: Some("https://github.com/foo/libfoo/releases/tag/v1.4.2".into()),
                        products: vec!["libfoo".into()],
                    },
                    Remediation {
                        category: RemediationCategory::Workaround,
                        details: "Disable templates.".into(),
                        url: None,
                        products: vec![],
                    },
                ],
                discovery_date: Some(datetime!(2026-01-05 09:00 UTC)),
            },
            Vulnerability {
                cve: Some("CVE-2026-10002".into()),
                cwe: Some(Cwe { id: "CWE-79".into(), name: "Improper Neutralization of Input During Web Page Generation ('Cross-site Scripting')".into() }),
                description: Some("The admin page reflects a parameter.".into()),
                cvss_v3: Some("CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N".into()),
                products: vec!["pyfoo".into()],
                ..Vulnerability::default()
            },
        ],
        references: vec![Reference {
            url: "https://foo.example.org/security/2026-1".into(),
            summary: "Vendor announcement".into(),
            category: ReferenceCategory::External,
        }],
        acknowledgments: vec![Acknowledgment {
            names: vec!["Ada Reporter".into()],
            organization: Some("Example University".into()),
            summary: None,
        }],
    }
}

pub fn tracking(status: Status, revisions: u32) -> Tracking {
    let history: Vec<Revision> = (1..=revisions)
        .map(|n| Revision {
            number: n,
            date: datetime!(2026-02-01 12:00 UTC) + time::Duration::days(i64::from(n)),
            summary: format!("Revision {n}."),
        })
        .collect();
    Tracking {
        id: "BWK-2026-0001".into(),
        status,
        initial_release_date: datetime!(2026-02-02 12:00 UTC),
        current_release_date: history
            .last()
            .map_or(datetime!(2026-02-02 12:00 UTC), |r| r.date),
        revision_history: history,
    }
}

pub struct Owned {
    pub content: AdvisoryContent,
    pub tracking: Tracking,
    pub publisher: Publisher,
    pub tlp: Tlp,
}

impl Owned {
    pub fn new() -> Owned {
        Owned {
            content: content(),
            tracking: tracking(Status::Final, 2),
            publisher: publisher(),
            tlp: Tlp::Clear,
        }
    }

    pub fn advisory(&self) -> Advisory<'_> {
        Advisory {
            content: &self.content,
            tracking: &self.tracking,
            tlp: self.tlp,
            publisher: &self.publisher,
        }
    }
}

/// Checks `docs` against the JSON schema file `schema` with Python's
/// `jsonschema` (Draft 2020-12, formats checked), failing with every error.
/// `BULWARK_PYTHON` names the interpreter (default `python3`).
pub fn python_jsonschema(schema: &std::path::Path, docs: &[serde_json::Value]) {
    let dir = std::env::temp_dir().join(format!(
        "bulwark-jsonschema-{}-{}",
        std::process::id(),
        schema
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("schema")
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let mut files = Vec::new();
    for (i, d) in docs.iter().enumerate() {
        let f = dir.join(format!("{i}.json"));
        std::fs::write(&f, serde_json::to_vec_pretty(d).unwrap()).unwrap();
        files.push(f);
    }
    let script = r#"
import json, sys, jsonschema
schema = json.load(open(sys.argv[1]))
v = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())
bad = 0
for f in sys.argv[2:]:
    for e in v.iter_errors(json.load(open(f))):
        bad += 1
        print(f, "/".join(map(str, e.absolute_path)), e.message)
sys.exit(1 if bad else 0)
"#;
    let python = std::env::var("BULWARK_PYTHON").unwrap_or_else(|_| "python3".to_owned());
    let out = std::process::Command::new(&python)
        .arg("-c")
        .arg(script)
        .arg(schema)
        .args(&files)
        .output()
        .unwrap_or_else(|e| panic!("{python}: {e}"));
    let _ = std::fs::remove_dir_all(&dir);
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}
