//! Facts joined where they are read (issue 19), on the pages: an SBOM's
//! hits grouped by component with severity, KEV, EPSS and SSVC badges and
//! the smallest fixing version; the SBOM list's counts by severity, each a
//! link to the page filtered to it; an advisory's severity, KEV entry,
//! ranges, alias links and sanitised Markdown.
//!
//! The advisories and feeds are real records (`tests/fixtures/facts`, see
//! its README, and the OSV fixtures of `crates/matching` and
//! `crates/intake`), imported as `bulwark import osv|kev|epss|cve` writes
//! them; the SBOM is written here, naming versions those records affect.

use bulwark_app::advisories::advisory_row;
use bulwark_store::{Actor, Store};
use reqwest::StatusCode;
use serde_json::{Value, json};
use time::macros::datetime;

use crate::common;
use crate::common::visitor::Visitor;

const T0: time::OffsetDateTime = datetime!(2026-11-27 12:00 UTC);

const OSV: [(&str, &[u8]); 5] = [
    (
        "GO-2025-4116.json",
        include_bytes!("../fixtures/facts/GO-2025-4116.json"),
    ),
    (
        "GO-2025-4135.json",
        include_bytes!("../fixtures/facts/GO-2025-4135.json"),
    ),
    (
        "GHSA-6f9g-cxwr-q5jr.json",
        include_bytes!("../fixtures/facts/GHSA-6f9g-cxwr-q5jr.json"),
    ),
    (
        "RUSTSEC-2021-0003.json",
        include_bytes!("../../../matching/tests/fixtures/RUSTSEC-2021-0003.json"),
    ),
    (
        "GHSA-p6mc-m468-83gw.json",
        include_bytes!("../../../intake/tests/fixtures/osv/GHSA-p6mc-m468-83gw.json"),
    ),
];
const KEV: &[u8] = include_bytes!("../fixtures/facts/kev_excerpt.json");
const EPSS: &[u8] = include_bytes!("../fixtures/facts/epss_excerpt.csv");
const CVE: &[u8] = include_bytes!("../fixtures/facts/CVE-2024-23897.json");

/// Imports OSV records as `bulwark import osv` does; `edit` may change a
/// record's JSON first.
async fn import_osv(store: &Store, edit: impl Fn(&str, &mut Value)) {
    let records: Vec<_> = OSV
        .iter()
        .map(|(name, bytes)| {
            let mut v: Value = serde_json::from_slice(bytes).expect("JSON");
            edit(name, &mut v);
            let bytes = serde_json::to_vec(&v).expect("JSON");
            let a = match bulwark_matching::load::read(name, &bytes) {
                bulwark_matching::load::Read::Advisory(a) => a,
                _ => panic!("{name} is not an OSV record"),
            };
            advisory_row(*a, Some(&bytes)).expect("row")
        })
        .collect();
    store
        .import_advisories(&Actor::cli(), records, T0)
        .await
        .expect("import OSV");
}

/// The KEV, EPSS and CVE fixtures, as `bulwark import kev|epss|cve`.
async fn import_feeds(store: &Store) {
    common::import_feeds(store, KEV, EPSS, &[CVE], T0).await;
}

/// A CycloneDX 1.4 SBOM of versions the records affect.
fn sbom() -> Vec<u8> {
    let components: Vec<Value> = [
        ("smallvec", "pkg:cargo/smallvec@1.6.0"),
        (
            "jenkins-core",
            "pkg:maven/org.jenkins-ci.main/jenkins-core@2.426.2",
        ),
        (
            "golang.org/x/crypto",
            "pkg:golang/golang.org/x/crypto@v0.40.0",
        ),
        ("lodash", "pkg:npm/lodash@4.17.15"),
        ("serde", "pkg:cargo/serde@1.0.0"),
    ]
    .iter()
    .map(|(n, p)| json!({"type": "library", "name": n, "purl": p}))
    .collect();
    json!({"bomFormat": "CycloneDX", "specVersion": "1.4", "version": 1, "components": components})
        .to_string()
        .into_bytes()
}

/// A server holding the fixtures, a signed-in analyst of Acme, the id
/// of Acme's SBOM `web-frontend 3.2` and the analyst's API token. `details` is appended to the Jenkins
/// advisory's details.
pub async fn seeded(details: &str) -> (common::Srv, Visitor, String, String) {
    let (srv, _) = common::start_at(T0, &[]).await;
    import_osv(&srv.store, |name, v| {
        if name.starts_with("GHSA-6f9g") {
            let d = v["details"].as_str().unwrap_or_default().to_owned();
            v["details"] = Value::String(format!("{d}{details}"));
        }
    })
    .await;
    import_feeds(&srv.store).await;
    let (_, user, token) = srv
        .member("Acme", "researcher", "alice", &["analyst"])
        .await;
    let resp = srv
        .http
        .post(format!("{}/api/v1/sboms?name=web-frontend%203.2", srv.base))
        .bearer_auth(&token)
        .body(sbom())
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status(), StatusCode::CREATED);
    let out: Value = resp.json().await.expect("JSON");
    let id = out["sbom"]["id"].as_str().expect("id").to_owned();
    common::visitor::set_password(&srv, user.parse().expect("uuid")).await;
    let visitor = Visitor::sign_in(&srv, "alice").await;
    (srv, visitor, id, token)
}

/// The part of `body` from `from` up to the next `until`.
fn slice<'a>(body: &'a str, from: &str, until: &str) -> &'a str {
    let start = body
        .find(from)
        .unwrap_or_else(|| panic!("{from:?} not in:\n{body}"));
    let rest = &body[start..];
    &rest[..rest.find(until).unwrap_or(rest.len())]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_sboms_hits_are_grouped_by_component_with_their_facts_and_fix() {
    let (srv, mut alice, id, _) = seeded("").await;
    let page = alice.get(&format!("/sboms/{id}")).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let body = &page.body;

    // One group per component, the most severe first; x/crypto's two
    // advisories under one heading row, not one row per pair.
    assert_eq!(
        body.matches(r#"<tr class="component">"#).count(),
        4,
        "{body}"
    );
    assert_eq!(
        body.matches("golang.org/x/crypto v0.40.0").count(),
        1,
        "{body}"
    );
    let (jenkins, smallvec, lodash, crypto) = (
        page.at("jenkins-core 2.426.2"),
        page.at("smallvec 1.6.0"),
        page.at("lodash 4.17.15"),
        page.at("golang.org/x/crypto v0.40.0"),
    );
    assert!(smallvec < jenkins || jenkins < smallvec);
    assert!(jenkins.max(smallvec) < lodash && lodash < crypto, "{body}");
    assert!(
        !body.contains("serde 1.0.0"),
        "unaffected components are not listed"
    );

    // The fix: the smallest version above 0.40.0 that fixes both (0.43.0
    // fixes GO-2025-4116 only).
    let group = slice(body, "golang.org/x/crypto v0.40.0", "</tbody>");
    assert!(group.contains("Upgrade to 0.45.0: fixes all 2"), "{group}");
    assert!(group.contains("GO-2025-4116") && group.contains("GO-2025-4135"));
    // EPSS of each CVE; no severity known (Go's records have no vector and
    // no CVE record is held for them).
    assert!(group.contains("EPSS 0.62% (47th percentile)"), "{group}");
    assert!(group.contains("EPSS 0.51% (41st percentile)"), "{group}");
    assert_eq!(group.matches(">Unknown</span>").count(), 2, "{group}");
    // The purl breaks only after '/' and '@'.
    assert!(
        group.contains(r#"<code class="purl">pkg:golang/<wbr>golang.org/<wbr>x/<wbr>crypto@<wbr>v0.40.0</code>"#),
        "{group}"
    );

    // Jenkins: critical from the advisory's vector, in KEV with its due
    // date, SSVC Act from CISA's points.
    let group = slice(body, "jenkins-core 2.426.2", "</tbody>");
    assert!(group.contains("Upgrade to 2.426.3: fixes it"), "{group}");
    assert!(group.contains(r#"sev-critical" title="CVSS CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H">Critical 9.8</span>"#), "{group}");
    assert!(
        group.contains(
            r#"<span class="badge badge-kev">KEV</span> <span class="hint">due 2024-09-09</span>"#
        ),
        "{group}"
    );
    assert!(group.contains("SSVC Act"), "{group}");

    let group = slice(body, "lodash 4.17.15", "</tbody>");
    assert!(group.contains(">High 7.4</span>"), "{group}");
    assert!(group.contains("Upgrade to 4.17.20: fixes it"), "{group}");
    assert!(group.contains("not in KEV"), "{group}");
    let group = slice(body, "smallvec 1.6.0", "</tbody>");
    assert!(group.contains(">Critical 9.8</span>"), "{group}");
    assert!(group.contains("Upgrade to 1.6.1: fixes it"), "{group}");

    // Counts by severity, each a link to the page showing only those.
    for (band, n) in [
        ("critical", 2),
        ("high", 1),
        ("medium", 0),
        ("low", 0),
        ("unknown", 2),
    ] {
        page.at(&format!(
            r#"<a href="/sboms/{id}?severity={band}"><span class="n">{n}</span> <span class="label">{band}</span></a>"#
        ));
    }
    let high = alice.get(&format!("/sboms/{id}?severity=high")).await;
    assert_eq!(high.status, StatusCode::OK);
    assert_eq!(
        high.body.matches(r#"<tr class="component">"#).count(),
        1,
        "{}",
        high.body
    );
    high.at("lodash 4.17.15");
    high.at(r#"?severity=high" aria-current="page""#);
    assert!(!high.body.contains("jenkins-core 2.426.2"));
    let bad = alice.get(&format!("/sboms/{id}?severity=severe")).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST, "{}", bad.body);

    // The list: each SBOM's counts, each a link to the filtered page.
    let list = alice.get("/sboms").await;
    assert_eq!(list.status, StatusCode::OK);
    for (band, n) in [
        ("critical", 2),
        ("high", 1),
        ("medium", 0),
        ("low", 0),
        ("unknown", 2),
    ] {
        list.at(&format!(
            r#"<a href="/sboms/{id}?severity={band}"><span class="badge sev sev-{band}">{n} {band}</span></a>"#
        ));
    }

    // The counts are kept between requests, and not past a feed import
    // that changes them: a CVE record for GO-2025-4116's alias (the Jenkins
    // record renamed, CVSS 9.8) makes one unknown hit critical.
    let renamed = String::from_utf8(CVE.to_vec())
        .expect("UTF-8")
        .replace("CVE-2024-23897", "CVE-2025-47913");
    let record = bulwark_app::feeds::cve_row(renamed.as_bytes()).expect("record");
    srv.store
        .import_cves(&Actor::cli(), vec![record], T0)
        .await
        .expect("import");
    let list = alice.get("/sboms").await;
    for (band, n) in [("critical", 3), ("unknown", 1)] {
        list.at(&format!(
            r#"<a href="/sboms/{id}?severity={band}"><span class="badge sev sev-{band}">{n} {band}</span></a>"#
        ));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_advisory_page_shows_severity_kev_ranges_aliases_and_safe_details() {
    let (_srv, mut alice, id, _) = seeded(
        "\n\n**Added by the test:** <script>alert(1)</script> [a link](javascript:alert(2)) and `code`.\n",
    )
    .await;
    let page = alice.get("/advisories/GHSA-6f9g-cxwr-q5jr").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let body = &page.body;
    page.at(r#"<span class="badge sev sev-critical">Critical 9.8</span>"#);
    page.at("CVSS_V3 <code>CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H</code>");
    page.at(
        r#"<span class="badge badge-kev">KEV</span> CVE-2024-23897: Jenkins Jenkins Command Line Interface (CLI), added 2024-08-19, due 2024-09-09"#,
    );
    page.at("SSVC Act");
    // The CVE alias: no other record here answers to it, so it links to
    // cve.org.
    page.at(r#"<a href="https://www.cve.org/CVERecord?id=CVE-2024-23897" rel="noreferrer">CVE-2024-23897</a>"#);
    // Ranges per package: two entries of jenkins-core.
    let ranges = slice(body, r#"<h2 id="ranges">"#, "</section>");
    assert_eq!(
        ranges
            .matches("Maven: org.jenkins-ci.main:jenkins-core</th>")
            .count(),
        2,
        "{ranges}"
    );
    assert!(
        ranges.contains("<code>1.606</code></td><td>fixed in 2.426.3"),
        "{ranges}"
    );
    assert!(
        ranges.contains("<code>2.427</code></td><td>fixed in 2.442"),
        "{ranges}"
    );
    // Markdown rendered, raw HTML escaped, a javascript: link dropped.
    let details = slice(body, r#"<div class="details">"#, "</section>");
    assert!(
        details.contains("<strong>Added by the test:</strong>"),
        "{details}"
    );
    assert!(
        details.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "{details}"
    );
    assert!(!body.contains("<script>alert"), "{details}");
    assert!(!body.contains("javascript:"), "{details}");
    assert!(details.contains("<code>code</code>"), "{details}");
    // Whom it affects among the visitor's SBOMs.
    page.at(&format!("/sboms/{id}"));

    // A Go record: no vector of its own, aliases to cve.org and GitHub.
    let go = alice.get("/advisories/GO-2025-4135").await;
    assert_eq!(go.status, StatusCode::OK, "{}", go.body);
    go.at(r#"<a href="https://www.cve.org/CVERecord?id=CVE-2025-47914" rel="noreferrer">CVE-2025-47914</a>"#);
    go.at(r#"<a href="https://github.com/advisories/GHSA-f6x5-jh6r-wrfv" rel="noreferrer">GHSA-f6x5-jh6r-wrfv</a>"#);
    go.at(r#"<span class="badge sev sev-unknown">Unknown</span>"#);
    go.at("not in CISA's Known Exploited Vulnerabilities catalog");
    go.at("EPSS 0.51% (41st percentile)");
    go.at("<code>0</code></td><td>fixed in 0.45.0");
}
