//! Advisories, SBOMs and matching over HTTP: an uploaded SBOM's hits with
//! the range and event that decided, osv.dev's querybatch (order, the
//! 1,000 limit, bad queries), an advisory imported after an upload showing
//! up on the SBOM and on the advisory's "who is affected" list, another
//! organization seeing neither, refused documents writing nothing, and the
//! pages.
//!
//! Fixtures are the ones committed for the domain crates: OSV records from
//! `crates/matching/tests/fixtures` (RustSec's RUSTSEC-2021-0003, PyPA's
//! PYSEC-2023-100; see its README for sources) and an SBOM from
//! `crates/sbom/tests/fixtures` (GUAC's Laravel CycloneDX XML excerpt).

use crate::common;

use bulwark_app::advisories::advisory_row;
use bulwark_store::{Actor, Store};
use reqwest::StatusCode;
use serde_json::{Value, json};
use time::macros::datetime;

use crate::common::visitor::Visitor;

const T0: time::OffsetDateTime = datetime!(2026-11-27 12:00 UTC);

const RUSTSEC: &[u8] = include_bytes!("../../../matching/tests/fixtures/RUSTSEC-2021-0003.json");
const PYSEC: &[u8] = include_bytes!("../../../matching/tests/fixtures/PYSEC-2023-100.yaml");
const LARAVEL: &[u8] = include_bytes!("../../../sbom/tests/fixtures/cyclonedx-1.3-laravel.xml");

/// Imports OSV records into the store as `bulwark import osv` does.
async fn import(store: &Store, files: &[(&str, &[u8])], at: time::OffsetDateTime) {
    let records: Vec<_> = files
        .iter()
        .map(|(name, bytes)| {
            let a = match bulwark_matching::load::read(name, bytes) {
                bulwark_matching::load::Read::Advisory(a) => a,
                _ => panic!("{name} is not an OSV record"),
            };
            advisory_row(*a, name.ends_with(".json").then_some(*bytes)).expect("row")
        })
        .collect();
    store
        .import_advisories(&Actor::cli(), records, at)
        .await
        .expect("import");
}

/// A CycloneDX 1.4 SBOM: (name, purl) components; an empty purl is none.
fn cyclonedx(components: &[(&str, &str)]) -> Vec<u8> {
    let components: Vec<Value> = components
        .iter()
        .map(|(n, p)| {
            if p.is_empty() {
                json!({"type": "library", "name": n, "version": "1.0"})
            } else {
                json!({"type": "library", "name": n, "purl": p})
            }
        })
        .collect();
    json!({"bomFormat": "CycloneDX", "specVersion": "1.4", "version": 1, "components": components})
        .to_string()
        .into_bytes()
}

async fn upload(srv: &common::Srv, token: &str, query: &str, body: &[u8]) -> (StatusCode, Value) {
    let resp = srv
        .http
        .post(format!("{}/api/v1/sboms{query}", srv.base))
        .bearer_auth(token)
        .body(body.to_vec())
        .send()
        .await
        .expect("send");
    let status = resp.status();
    (status, resp.json().await.unwrap_or(Value::Null))
}

fn advisory_ids(v: &Value) -> Vec<String> {
    v.as_array()
        .expect("array")
        .iter()
        .map(|h| h["advisory"].as_str().expect("advisory").to_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_uploaded_sbom_is_stored_and_matched_with_the_why() {
    let (srv, _) = common::start_at(T0, &[]).await;
    import(
        &srv.store,
        &[
            ("RUSTSEC-2021-0003.json", RUSTSEC),
            ("PYSEC-2023-100.yaml", PYSEC),
        ],
        T0,
    )
    .await;
    let (org, _, token) = srv
        .member("Acme", "researcher", "alice", &["analyst"])
        .await;
    let before = srv.audit_len().await;
    let sbom = cyclonedx(&[
        ("smallvec", "pkg:cargo/smallvec@1.6.0"),
        ("smallvec-fixed", "pkg:cargo/smallvec@1.6.1"),
        ("django", "pkg:pypi/Django@4.2.1"),
        ("smallvec-unversioned", "pkg:cargo/smallvec"),
        ("no-purl", ""),
        ("generic", "pkg:generic/thing@1.0"),
    ]);
    let (s, out) = upload(&srv, &token, "?name=app%20release%201", &sbom).await;
    assert_eq!(s, StatusCode::CREATED, "{out}");
    assert_eq!(srv.audit_len().await, before + 1, "one audit entry");
    let id = out["sbom"]["id"].as_str().expect("id").to_owned();
    assert_eq!(out["sbom"]["name"], "app release 1");
    assert_eq!(out["sbom"]["org"], org.as_str());
    assert_eq!(out["sbom"]["tlp"], "AMBER");
    assert_eq!(out["sbom"]["format"], "CycloneDX JSON");
    assert_eq!(out["sbom"]["components"], 6);
    assert_eq!(out["sbom"]["unmatchable"], 2);
    assert_eq!(out["advisories"], 2);

    let r = &out["results"];
    assert_eq!(r["matchable"], 4);
    let hits = r["hits"].as_array().expect("hits");
    assert_eq!(hits.len(), 2, "{r}");
    assert_eq!(hits[0]["component"], 0);
    assert_eq!(hits[0]["purl"], "pkg:cargo/smallvec@1.6.0");
    assert_eq!(hits[0]["advisory"], "RUSTSEC-2021-0003");
    assert_eq!(
        hits[0]["aliases"],
        json!(["CVE-2021-25900", "GHSA-43w2-9j62-hq99"])
    );
    let why = &hits[0]["why"];
    assert_eq!(why["text"], "introduced 1.0.0, fixed 1.6.1");
    assert_eq!(why["basis"], "range");
    assert_eq!(why["introduced"], "1.0.0");
    assert_eq!(why["end"], json!({"kind": "fixed", "version": "1.6.1"}));
    assert_eq!(why["range_type"], "SEMVER");
    assert_eq!(hits[1]["advisory"], "PYSEC-2023-100");
    assert_eq!(hits[1]["why"]["end"]["version"], "4.2.3");

    let undecided = r["indeterminate"].as_array().expect("indeterminate");
    assert_eq!(undecided.len(), 1, "{r}");
    assert_eq!(undecided[0]["purl"], "pkg:cargo/smallvec");
    assert!(!undecided[0]["reason"].as_str().unwrap_or("").is_empty());
    let unmatchable = r["unmatchable"].as_array().expect("unmatchable");
    let reasons: Vec<(&str, &str)> = unmatchable
        .iter()
        .map(|u| {
            (
                u["name"].as_str().unwrap_or(""),
                u["reason"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(reasons.len(), 2);
    assert_eq!(reasons[0], ("no-purl", "no package URL"));
    assert_eq!(reasons[1].0, "generic");
    assert!(reasons[1].1.contains("generic"), "{reasons:?}");

    // Read back: the list and the SBOM, matched again.
    let (s, list) = srv.get("/api/v1/sboms", &token).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(list["items"][0]["id"], id.as_str());
    assert_eq!(list["items"].as_array().map(Vec::len), Some(1));
    let (s, again) = srv.get(&format!("/api/v1/sboms/{id}"), &token).await;
    assert_eq!(s, StatusCode::OK, "{again}");
    assert_eq!(
        advisory_ids(&again["results"]["hits"]),
        advisory_ids(&r["hits"])
    );

    // Gzip-compressed, as `.json.gz`: read, and kept as sent.
    let gz = {
        use std::io::Write;
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(&sbom).expect("gzip");
        e.finish().expect("gzip")
    };
    let (s, out) = upload(&srv, &token, "?name=gz", &gz).await;
    assert_eq!(s, StatusCode::CREATED, "{out}");
    assert_eq!(
        advisory_ids(&out["results"]["hits"]),
        advisory_ids(&r["hits"])
    );
    let sha = out["sbom"]["document"].as_str().expect("sha");
    let (media, kept) = srv.store.raw_document(sha).await.expect("document");
    assert_eq!((media.as_str(), kept), ("application/gzip", gz));

    // A real document (an excerpt of GUAC's Laravel SBOM, CycloneDX XML),
    // named after the product it describes.
    let parsed = bulwark_sbom::Sbom::parse(LARAVEL).expect("fixture parses");
    let (s, out) = upload(&srv, &token, "", LARAVEL).await;
    assert_eq!(s, StatusCode::CREATED, "{out}");
    assert_eq!(out["sbom"]["format"], "CycloneDX XML");
    assert_eq!(out["sbom"]["components"], parsed.components.len());
    let subject = parsed
        .components
        .iter()
        .find(|c| c.subject)
        .expect("subject");
    assert!(
        out["sbom"]["name"]
            .as_str()
            .unwrap_or("")
            .starts_with(&subject.name),
        "{}",
        out["sbom"]["name"]
    );

    // A viewer may read but not upload.
    let (_, _, viewer) = srv.member("Acme", "researcher", "vic", &["viewer"]).await;
    let (s, _) = upload(&srv, &viewer, "", &sbom).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _) = srv.get(&format!("/api/v1/sboms/{id}"), &viewer).await;
    assert_eq!(s, StatusCode::OK);
}

/// An SPDX tag-value SBOM written with CR line ends (as some generators
/// do): `smallvec` carries three purl references in SPDX 2.2's and 2.3's
/// spellings, the first one wrong; `serde` one.
fn spdx_several_purls() -> Vec<u8> {
    [
        "SPDXVersion: SPDX-2.3",
        "DataLicense: CC0-1.0",
        "SPDXID: SPDXRef-DOCUMENT",
        "DocumentName: several-purls",
        "PackageName: smallvec",
        "SPDXID: SPDXRef-a",
        "PackageVersion: 1.6.0",
        "ExternalRef: PACKAGE-MANAGER purl pkg:cargo/smallvec-wrong@1.6.0",
        "ExternalRef: PACKAGE_MANAGER purl pkg:cargo/smallvec@1.6.0",
        "ExternalRef: PACKAGE-MANAGER purl pkg:cargo/smallvec@1.6.0?repository_url=x",
        "PackageName: serde",
        "SPDXID: SPDXRef-b",
        "PackageVersion: 1.0.0",
        "ExternalRef: PACKAGE_MANAGER purl pkg:cargo/serde@1.0.0",
    ]
    .join("\r")
    .into_bytes()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_purl_of_a_package_is_looked_up_and_each_hit_reported_once() {
    let (srv, _) = common::start_at(T0, &[]).await;
    import(&srv.store, &[("RUSTSEC-2021-0003.json", RUSTSEC)], T0).await;
    let (_, _, token) = srv
        .member("Acme", "researcher", "alice", &["analyst"])
        .await;
    let (s, out) = upload(&srv, &token, "?name=several", &spdx_several_purls()).await;
    assert_eq!(s, StatusCode::CREATED, "{out}");
    assert_eq!(out["sbom"]["format"], "SPDX tag-value");
    assert_eq!(out["sbom"]["components"], 2);
    let id = out["sbom"]["id"].as_str().expect("id").to_owned();
    let check = |r: &Value| {
        assert_eq!(r["matchable"], 2, "{r}");
        let hits = r["hits"].as_array().expect("hits");
        assert_eq!(hits.len(), 1, "one hit for the package: {r}");
        assert_eq!(hits[0]["component"], 0);
        assert_eq!(hits[0]["name"], "smallvec");
        assert_eq!(hits[0]["purl"], "pkg:cargo/smallvec@1.6.0");
        assert_eq!(hits[0]["advisory"], "RUSTSEC-2021-0003");
        assert!(
            r["indeterminate"]
                .as_array()
                .expect("indeterminate")
                .is_empty(),
            "{r}"
        );
    };
    check(&out["results"]);
    let (_, again) = srv.get(&format!("/api/v1/sboms/{id}"), &token).await;
    check(&again["results"]);

    // The advisory finds the package under its second purl, once.
    let (s, adv) = srv
        .get("/api/v1/advisories/RUSTSEC-2021-0003", &token)
        .await;
    assert_eq!(s, StatusCode::OK, "{adv}");
    let affected = adv["affected"]["affected"].as_array().expect("affected");
    assert_eq!(affected.len(), 1, "{adv}");
    assert_eq!(affected[0]["component"], 0);
    assert_eq!(affected[0]["purl"], "pkg:cargo/smallvec@1.6.0");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn querybatch_answers_each_query_in_order_within_its_limit() {
    let (srv, _) = common::start_at(T0, &[]).await;
    import(
        &srv.store,
        &[
            ("RUSTSEC-2021-0003.json", RUSTSEC),
            ("PYSEC-2023-100.yaml", PYSEC),
        ],
        T0,
    )
    .await;
    let (_, _, token) = srv.member("Acme", "researcher", "alice", &["viewer"]).await;
    let batch = json!({"queries": [
        {"package": {"purl": "pkg:pypi/django@3.2.5"}},
        {"package": {"ecosystem": "crates.io", "name": "smallvec"}, "version": "0.6.13"},
        {"package": {"purl": "pkg:cargo/smallvec@1.6.1"}},
        {"package": {"purl": "not a purl"}},
        {"package": {"purl": "pkg:generic/thing@1.0"}},
        {"package": {"purl": "pkg:cargo/smallvec"}},
        {"package": {"purl": "pkg:cargo/smallvec"}, "version": "1.6.0"},
        {"commit": "6879efc2c1596d11a6a6ad296f80063b558d5e0f"},
    ]});
    let (s, out) = srv.post("/api/v1/querybatch", &token, batch).await;
    assert_eq!(s, StatusCode::OK, "{out}");
    let results = out["results"].as_array().expect("results");
    assert_eq!(results.len(), 8);
    let ids = |i: usize| -> Vec<&str> {
        results[i]["vulns"]
            .as_array()
            .expect("vulns")
            .iter()
            .map(|v| v["id"].as_str().expect("id"))
            .collect()
    };
    assert_eq!(ids(0), ["PYSEC-2023-100"]);
    assert_eq!(
        results[0]["vulns"][0]["modified"],
        "2023-07-11T16:37:11.407533Z"
    );
    assert_eq!(ids(1), ["RUSTSEC-2021-0003"]);
    assert_eq!(results[1]["vulns"][0]["modified"], "2026-07-17T15:52:38Z");
    assert!(ids(2).is_empty(), "fixed in 1.6.1");
    assert!(results[2].get("explanation").is_none(), "{}", results[2]);
    let explanation = |i: usize| results[i]["explanation"].as_str().unwrap_or("").to_owned();
    assert!(ids(3).is_empty());
    assert!(explanation(3).contains("does not parse"), "{}", results[3]);
    assert!(
        explanation(4).contains("no OSV ecosystem"),
        "{}",
        results[4]
    );
    assert!(explanation(5).contains("no version"), "{}", results[5]);
    assert_eq!(results[5]["indeterminate"][0]["id"], "RUSTSEC-2021-0003");
    assert_eq!(ids(6), ["RUSTSEC-2021-0003"], "the version beside the purl");
    assert!(explanation(7).contains("commit"), "{}", results[7]);

    // 1,000 queries are one batch; 1,001 are refused, naming the limit.
    let query = json!({"package": {"purl": "pkg:cargo/smallvec@1.6.0"}});
    let (s, out) = srv
        .post(
            "/api/v1/querybatch",
            &token,
            json!({"queries": vec![query.clone(); 1000]}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{out}");
    assert_eq!(out["results"].as_array().map(Vec::len), Some(1000));
    assert_eq!(out["results"][999]["vulns"][0]["id"], "RUSTSEC-2021-0003");
    let (s, out) = srv
        .post(
            "/api/v1/querybatch",
            &token,
            json!({"queries": vec![query; 1001]}),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{out}");
    assert!(
        out["detail"].as_str().unwrap_or("").contains("1000"),
        "{out}"
    );
    assert_eq!(out["limit"], 1000);

    // Not a batch at all.
    let (s, out) = srv
        .post("/api/v1/querybatch", &token, json!({"query": []}))
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{out}");
    let (s, _, _) = srv
        .call(
            reqwest::Method::POST,
            "/api/v1/querybatch",
            None,
            Some(json!({"queries": []})),
        )
        .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);

    // Search by alias and by package.
    let (s, found) = srv.get("/api/v1/advisories?q=cve-2021-25900", &token).await;
    assert_eq!(s, StatusCode::OK, "{found}");
    assert_eq!(found["items"][0]["id"], "RUSTSEC-2021-0003");
    let (s, found) = srv
        .get("/api/v1/advisories?ecosystem=PyPI&package=Django", &token)
        .await;
    assert_eq!(s, StatusCode::OK, "{found}");
    assert_eq!(found["items"][0]["id"], "PYSEC-2023-100");
    assert_eq!(found["items"][0]["aliases"], json!(["CVE-2023-36053"]));
    let (s, _) = srv.get("/api/v1/advisories", &token).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let (s, _) = srv
        .get("/api/v1/advisories/GHSA-none-none-none", &token)
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_advisory_imported_later_shows_up_for_the_sboms_holding_it() {
    let (srv, clock) = common::start_at(T0, &[]).await;
    // The index is built (empty) before anything is imported.
    let (_, alice, token) = srv
        .member("Acme", "researcher", "alice", &["analyst"])
        .await;
    let (_, bob, other) = srv
        .member("Other Co", "researcher", "bob", &["analyst"])
        .await;
    let (s, out) = upload(
        &srv,
        &token,
        "?name=acme-app",
        &cyclonedx(&[
            ("serde", "pkg:cargo/serde@1.0.0"),
            ("smallvec", "pkg:cargo/smallvec@0.6.13"),
        ]),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{out}");
    let id = out["sbom"]["id"].as_str().expect("id").to_owned();
    assert!(out["results"]["hits"].as_array().expect("hits").is_empty());
    let (s, q) = srv
        .post(
            "/api/v1/querybatch",
            &token,
            json!({"queries": [{"package": {"purl": "pkg:cargo/smallvec@0.6.13"}}]}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        q["results"][0]["vulns"]
            .as_array()
            .expect("vulns")
            .is_empty()
    );

    // Imported while the server runs, straight into the store (as `bulwark
    // import osv` does): picked up on the next request.
    clock.advance(time::Duration::hours(1));
    import(
        &srv.store,
        &[("RUSTSEC-2021-0003.json", RUSTSEC)],
        T0 + time::Duration::hours(1),
    )
    .await;
    let (s, now) = srv.get(&format!("/api/v1/sboms/{id}"), &token).await;
    assert_eq!(s, StatusCode::OK, "{now}");
    let hits = now["results"]["hits"].as_array().expect("hits");
    assert_eq!(hits.len(), 1, "{now}");
    assert_eq!(hits[0]["purl"], "pkg:cargo/smallvec@0.6.13");
    assert_eq!(hits[0]["why"]["text"], "introduced 0.6.3, fixed 0.6.14");
    let (_, q) = srv
        .post(
            "/api/v1/querybatch",
            &token,
            json!({"queries": [{"package": {"purl": "pkg:cargo/smallvec@0.6.13"}}]}),
        )
        .await;
    assert_eq!(q["results"][0]["vulns"][0]["id"], "RUSTSEC-2021-0003");

    // The advisory lists who it affects, by id or alias.
    for name in ["RUSTSEC-2021-0003", "ghsa-43w2-9j62-hq99"] {
        let (s, adv) = srv.get(&format!("/api/v1/advisories/{name}"), &token).await;
        assert_eq!(s, StatusCode::OK, "{adv}");
        assert_eq!(adv["id"], "RUSTSEC-2021-0003");
        assert_eq!(
            adv["record"]["summary"],
            "Buffer overflow in SmallVec::insert_many"
        );
        let affected = adv["affected"]["affected"].as_array().expect("affected");
        assert_eq!(affected.len(), 1, "{adv}");
        assert_eq!(affected[0]["sbom"], id.as_str());
        assert_eq!(affected[0]["sbom_name"], "acme-app");
        assert_eq!(affected[0]["component"], 1);
        assert_eq!(affected[0]["why"]["end"]["version"], "0.6.14");
    }
    // The operator is a party to every AMBER record.
    let (_, adv) = srv
        .get("/api/v1/advisories/RUSTSEC-2021-0003", &srv.root_token)
        .await;
    assert_eq!(
        adv["affected"]["affected"].as_array().map(Vec::len),
        Some(1)
    );

    // Another organization: no such SBOM, and not on the affected list.
    let (s, _) = srv.get(&format!("/api/v1/sboms/{id}"), &other).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (_, theirs) = srv.get("/api/v1/sboms", &other).await;
    assert!(theirs["items"].as_array().expect("items").is_empty());
    let (s, adv) = srv
        .get("/api/v1/advisories/RUSTSEC-2021-0003", &other)
        .await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        adv["affected"]["affected"]
            .as_array()
            .expect("affected")
            .is_empty(),
        "{adv}"
    );
    let (s, _) = srv.get("/api/v1/sboms/not-a-uuid", &other).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);

    // The pages say the same.
    let mut a = signed_in(&srv, &alice, "alice").await;
    let page = a.get(&format!("/sboms/{id}")).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("RUSTSEC-2021-0003"));
    assert!(page.body.contains("introduced 0.6.3, fixed 0.6.14"));
    let page = a.get("/advisories/CVE-2021-25900").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains(&format!("/sboms/{id}")), "{}", page.body);
    let list = a.get("/sboms").await;
    assert!(list.body.contains("acme-app"));
    assert!(list.body.contains("href=\"/sboms\""), "in the navigation");

    let mut b = signed_in(&srv, &bob, "bob").await;
    assert_eq!(
        b.get(&format!("/sboms/{id}")).await.status,
        StatusCode::NOT_FOUND
    );
    let page = b.get("/advisories/RUSTSEC-2021-0003").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(!page.body.contains("acme-app"), "{}", page.body);
    assert!(!b.get("/sboms").await.body.contains("acme-app"));
    // The operator opens every SBOM, and its list says so: the list is the
    // same policy decision as the detail (issue 16, item 6).
    let (_, listed) = srv.get("/api/v1/sboms", &srv.root_token).await;
    assert!(
        listed["items"]
            .as_array()
            .expect("items")
            .iter()
            .any(|s| s["id"] == id.as_str()),
        "{listed}"
    );
    let mut op = signed_in(&srv, &srv.root_user.to_string(), "root").await;
    assert_eq!(op.get(&format!("/sboms/{id}")).await.status, StatusCode::OK);
    let list = op.get("/sboms").await;
    assert!(list.body.contains("acme-app"), "{}", list.body);
    assert!(!list.body.contains("None yet."), "{}", list.body);

    // A newer copy of the record replaces it (the same number of records):
    // seen on the next request too. Here it says 0.6.13 was the fix.
    let newer = String::from_utf8(RUSTSEC.to_vec())
        .expect("UTF-8")
        .replace("\"fixed\": \"0.6.14\"", "\"fixed\": \"0.6.13\"")
        .replace("2026-07-17T15:52:38Z", "2026-08-01T00:00:00Z");
    import(
        &srv.store,
        &[("RUSTSEC-2021-0003.json", newer.as_bytes())],
        T0 + time::Duration::hours(2),
    )
    .await;
    let (_, fixed) = srv.get(&format!("/api/v1/sboms/{id}"), &token).await;
    assert!(
        fixed["results"]["hits"]
            .as_array()
            .expect("hits")
            .is_empty(),
        "{fixed}"
    );
    import(
        &srv.store,
        &[("RUSTSEC-2021-0003.json", RUSTSEC)],
        T0 + time::Duration::hours(3),
    )
    .await;
    assert_eq!(
        srv.store.advisory_count().await.expect("count"),
        1,
        "the older copy is kept out"
    );
    let (_, still) = srv.get(&format!("/api/v1/sboms/{id}"), &token).await;
    assert!(
        still["results"]["hits"]
            .as_array()
            .expect("hits")
            .is_empty()
    );
}

async fn signed_in(srv: &common::Srv, user: &str, username: &str) -> Visitor {
    common::visitor::set_password(srv, uuid::Uuid::parse_str(user).expect("uuid")).await;
    Visitor::sign_in(srv, username).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_sbom_is_a_400_naming_why_and_nothing_is_stored() {
    let (srv, _) = common::start_at(T0, &[]).await;
    let (_, alice, token) = srv
        .member("Acme", "researcher", "alice", &["analyst"])
        .await;
    let before = srv.audit_len().await;
    let refused: [(&[u8], &str); 3] = [
        (b"just some notes", "not an SBOM"),
        (
            br#"{"bomFormat": "CycloneDX", "specVersion": "1.4", "components": [{"name": 7}]}"#,
            "components",
        ),
        (
            br#"{"bomFormat": "CycloneDX", "specVersion": "9.9"}"#,
            "unsupported",
        ),
    ];
    for (body, says) in refused {
        let (s, out) = upload(&srv, &token, "", body).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{out}");
        assert_eq!(out["type"], "/problems/malformed-request");
        let detail = out["detail"].as_str().unwrap_or("");
        assert!(detail.contains(says), "{detail}");
        assert!(out["reason"].is_string(), "{out}");
    }
    let (s, _) = upload(&srv, &token, "", b"").await;
    assert!(s.is_client_error());
    assert_eq!(srv.audit_len().await, before, "nothing written");
    let (_, list) = srv.get("/api/v1/sboms", &token).await;
    assert!(list["items"].as_array().expect("items").is_empty());

    // The form: the same refusal on the page, then an upload that works.
    use reqwest::multipart::{Form, Part};
    let mut v = signed_in(&srv, &alice, "alice").await;
    // Setting a password and signing in are audited too.
    let before = srv.audit_len().await;
    let page = v.get("/sboms").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.at("name=\"csrf\"") < page.at("name=\"file\""),
        "the token first"
    );
    let csrf = page.csrf();
    let file = |bytes: &[u8]| Part::bytes(bytes.to_vec()).file_name("bom.json");
    let req = v.http.post(format!("{}/sboms", v.base)).multipart(
        Form::new()
            .text("csrf", "forged")
            .part("file", file(LARAVEL)),
    );
    assert_eq!(v.finish(req).await.status, StatusCode::FORBIDDEN);
    let req = v.http.post(format!("{}/sboms", v.base)).multipart(
        Form::new()
            .text("csrf", csrf.clone())
            .part("file", file(b"just some notes")),
    );
    let page = v.finish(req).await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST, "{}", page.body);
    assert!(page.body.contains("not an SBOM"), "{}", page.body);
    assert_eq!(srv.audit_len().await, before, "nothing written");
    let req = v.http.post(format!("{}/sboms", v.base)).multipart(
        Form::new()
            .text("csrf", csrf)
            .text("name", "laravel from the form")
            .part("file", file(LARAVEL)),
    );
    let done = v.finish(req).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    assert!(done.location.starts_with("/sboms/"), "{}", done.location);
    let page = v.get(&done.location).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("laravel from the form"));
    assert_eq!(srv.audit_len().await, before + 1);
}

/// An absent date is "unknown", never year 1: Go's advisories write
/// `0001-01-01T00:00:00Z` for it (issue 16, item 6).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_advisory_without_a_date_says_unknown() {
    let (srv, _) = common::start_at(T0, &[]).await;
    let (_, alice, _) = srv
        .member("Acme", "researcher", "alice", &["analyst"])
        .await;
    let yearless = String::from_utf8(RUSTSEC.to_vec())
        .expect("UTF-8")
        .replace("2026-07-17T15:52:38Z", "0001-01-01T00:00:00Z")
        .replace("  \"published\": \"2021-01-08T12:00:00Z\",\n", "");
    assert!(!yearless.contains("published"));
    import(
        &srv.store,
        &[("RUSTSEC-2021-0003.json", yearless.as_bytes())],
        T0,
    )
    .await;
    let mut a = signed_in(&srv, &alice, "alice").await;
    let page = a.get("/advisories/RUSTSEC-2021-0003").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(!page.body.contains("0001-01-01"), "{}", page.body);
    assert!(
        page.body.contains("<dt>Modified</dt><dd>unknown</dd>"),
        "{}",
        page.body
    );
    assert!(page.body.contains("<dt>Published</dt><dd>unknown</dd>"));
}
