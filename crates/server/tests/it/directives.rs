//! Binding Operational Directives over HTTP (issue 17): the shipped
//! directive in force after start, loading a new version (and one that
//! does not load), who sees an agency's systems (the agency; CISA for
//! civilian systems outside national security; nobody else, the operator
//! included), obligations from an SBOM attached to a system with the
//! explanation of every input, answers, an extension CISA approves, the
//! CSV export and the metrics.
//!
//! Fixtures are the ones committed for the domain crates: OSV records from
//! `crates/matching/tests/fixtures` (RustSec's RUSTSEC-2021-0003, PyPA's
//! PYSEC-2023-100; see its README for sources) and the shipped directive
//! `directives/bod-26-04.toml`.

use crate::common::{self, Srv};

use bulwark_app::advisories::advisory_row;
use bulwark_store::Actor;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::sync::Arc;

use bulwark_core::FixedClock;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use time::macros::datetime;

const T0: OffsetDateTime = datetime!(2026-11-27 12:00 UTC);

const RUSTSEC: &[u8] = include_bytes!("../../../matching/tests/fixtures/RUSTSEC-2021-0003.json");
const PYSEC: &[u8] = include_bytes!("../../../matching/tests/fixtures/PYSEC-2023-100.yaml");
const BOD: &str = include_str!("../../../../directives/bod-26-04.toml");

/// A component name a spreadsheet would run as a formula.
const FORMULA: &str = "=HYPERLINK(\"http://example.invalid\",\"x\")";

/// Imports OSV records into the store as `bulwark import osv` does.
async fn import_osv(srv: &Srv, files: &[(&str, &[u8])]) {
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
    srv.store
        .import_advisories(&Actor::cli(), records, T0)
        .await
        .expect("import");
}

/// Sends a body with a content type as it is; returns status and JSON.
async fn send_raw(
    srv: &Srv,
    method: Method,
    path: &str,
    token: &str,
    content_type: &str,
    body: Vec<u8>,
) -> (StatusCode, Value) {
    let resp = srv
        .http
        .request(method, format!("{}{path}", srv.base))
        .bearer_auth(token)
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .expect("send");
    let status = resp.status();
    (status, resp.json().await.unwrap_or(Value::Null))
}

async fn load_directive(srv: &Srv, token: &str, toml: &str) -> (StatusCode, Value) {
    send_raw(
        srv,
        Method::POST,
        "/api/v1/directives",
        token,
        "application/toml",
        toml.as_bytes().to_vec(),
    )
    .await
}

async fn put(srv: &Srv, path: &str, token: &str, body: Value) -> (StatusCode, Value) {
    let (s, _, v) = srv.call(Method::PUT, path, Some(token), Some(body)).await;
    (s, v)
}

async fn metrics_text(srv: &Srv) -> String {
    srv.http
        .get(format!("{}/metrics", srv.base))
        .send()
        .await
        .expect("send")
        .text()
        .await
        .expect("body")
}

/// The value of `bulwark_obligations{state="STATE"}`, if it is there.
fn gauge(metrics: &str, state: &str) -> Option<u64> {
    metrics
        .lines()
        .find_map(|l| l.strip_prefix(&format!("bulwark_obligations{{state=\"{state}\"}} ")))
        .and_then(|n| n.trim().parse().ok())
}

fn time_of(v: &Value) -> OffsetDateTime {
    OffsetDateTime::parse(v.as_str().expect("a time"), &Rfc3339).expect("RFC 3339")
}

/// A server after start, with CISA made the directives' issuer by the
/// operator's root; returns it, CISA's (org id, admin token) and the clock.
async fn started_at() -> (Srv, String, String, Arc<FixedClock>) {
    let (srv, clock) = common::start_at(T0, &[]).await;
    bulwark_server::prepare(&srv.state).await.expect("prepare");
    let (cisa, _, cisa_token) = srv.member("CISA", "agency", "cisa", &["admin"]).await;
    let (s, v) = put(
        &srv,
        &format!("/api/v1/organizations/{cisa}/directive-profile"),
        &srv.root_token,
        json!({"agency_track": "civilian", "issues_directives": true}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    (srv, cisa, cisa_token, clock)
}

async fn started() -> (Srv, String, String) {
    let (srv, cisa, token, _) = started_at().await;
    (srv, cisa, token)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_shipped_directive_is_in_force_after_start_and_cisa_loads_new_versions() {
    let (srv, _, cisa) = started().await;
    let (_, _, vendor) = srv.member("Vendor Co", "vendor", "vend", &["admin"]).await;

    let (s, list) = srv.get("/api/v1/directives", &vendor).await;
    assert_eq!(s, StatusCode::OK, "{list}");
    let bod: Vec<&Value> = list
        .as_array()
        .expect("array")
        .iter()
        .filter(|d| d["id"] == "BOD-26-04")
        .collect();
    assert_eq!(bod.len(), 1, "{list}");
    assert_eq!(bod[0]["in_force"], true, "{list}");
    // Starting again keeps what is there.
    bulwark_server::prepare(&srv.state).await.expect("prepare");
    let (_, again) = srv.get("/api/v1/directives", &vendor).await;
    assert_eq!(again.as_array().map(Vec::len), Some(1), "{again}");

    // One version with its TOML as loaded.
    let (s, one) = srv.get("/api/v1/directives/BOD-26-04", &vendor).await;
    assert_eq!(s, StatusCode::OK, "{one}");
    assert_eq!(one["source"], BOD);
    let (s, _) = srv
        .get("/api/v1/directives/BOD-26-04?version=9.9.9", &vendor)
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    // A new version, loaded by CISA, is in force; the old one no longer.
    let next = BOD.replacen("version = \"1.0.0\"", "version = \"1.1.0\"", 1);
    assert_ne!(next, BOD);
    let (s, loaded) = load_directive(&srv, &cisa, &next).await;
    assert_eq!(s, StatusCode::CREATED, "{loaded}");
    assert_eq!(loaded["new"], true, "{loaded}");
    assert_eq!(loaded["directive"]["version"], "1.1.0", "{loaded}");
    assert_eq!(loaded["directive"]["in_force"], true, "{loaded}");
    let (_, list) = srv.get("/api/v1/directives", &cisa).await;
    let in_force: Vec<(&Value, &Value)> = list
        .as_array()
        .expect("array")
        .iter()
        .map(|d| (&d["version"], &d["in_force"]))
        .collect();
    assert_eq!(
        in_force,
        vec![
            (&json!("1.0.0"), &json!(false)),
            (&json!("1.1.0"), &json!(true))
        ],
        "{list}"
    );
    // The same text again changes nothing: 200, not new.
    let (s, same) = load_directive(&srv, &cisa, &next).await;
    assert_eq!(s, StatusCode::OK, "{same}");
    assert_eq!(same["new"], false, "{same}");

    // Another text under a kept version: a version never changes.
    let altered = next.replacen("title = \"", "title = \"Amended: ", 1);
    assert_ne!(altered, next);
    let (s, problem) = load_directive(&srv, &cisa, &altered).await;
    assert_eq!(s, StatusCode::CONFLICT, "{problem}");

    // A directive that does not load: 422 naming the rule.
    let broken = next.replacen(
        "when = { in_kev = \"no\", publicly_exposed = \"no\", automatable = \"no\", technical_impact = \"partial\" }",
        "when = { in_kev = \"no\", publicly_exposed = \"no\", automatable = \"no\", technical_impact = \"negligible\" }",
        1,
    );
    assert_ne!(broken, next);
    let (s, problem) = load_directive(&srv, &cisa, &broken).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert!(
        problem["reason"]
            .as_str()
            .is_some_and(|r| r.contains("row-16")),
        "{problem}"
    );
    // Not TOML by its media type; not UTF-8.
    let (s, problem) = send_raw(
        &srv,
        Method::POST,
        "/api/v1/directives",
        &cisa,
        "application/json",
        next.clone().into_bytes(),
    )
    .await;
    assert_eq!(s, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{problem}");
    let (s, problem) = send_raw(
        &srv,
        Method::POST,
        "/api/v1/directives",
        &cisa,
        "text/plain",
        vec![b'i', b'd', 0xff],
    )
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{problem}");

    // A vendor cannot load one.
    let third = BOD.replacen("version = \"1.0.0\"", "version = \"1.2.0\"", 1);
    let (s, problem) = load_directive(&srv, &vendor, &third).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{problem}");
    let (_, list) = srv.get("/api/v1/directives", &cisa).await;
    assert_eq!(list.as_array().map(Vec::len), Some(2), "{list}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_agencys_systems_are_seen_by_it_and_by_cisa_outside_national_security_only() {
    let (srv, _, cisa) = started().await;
    let (_, _, doe) = srv.member("DOE", "agency", "doe", &["admin"]).await;
    let (_, _, dot) = srv.member("DOT", "agency", "dot", &["admin"]).await;
    let (_, _, vendor) = srv.member("Vendor Co", "vendor", "vend", &["admin"]).await;
    let (nsa_org, _, nsa) = srv.member("NSA", "agency", "nsa", &["admin"]).await;
    let (s, v) = put(
        &srv,
        &format!("/api/v1/organizations/{nsa_org}/directive-profile"),
        &srv.root_token,
        json!({"agency_track": "national_security"}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    // Only the operator's admins set a profile.
    let (s, v) = put(
        &srv,
        &format!("/api/v1/organizations/{nsa_org}/directive-profile"),
        &doe,
        json!({"agency_track": "civilian", "issues_directives": true}),
    )
    .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{v}");

    let (s, grid) = srv
        .post(
            "/api/v1/systems",
            &doe,
            json!({"name": "Grid telemetry", "publicly_exposed": "yes", "owners": ["ops@doe.example"]}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{grid}");
    assert_eq!(grid["publicly_exposed"], "yes", "{grid}");
    let grid = format!("/api/v1/systems/{}", grid["id"].as_str().expect("id"));
    let (s, weapons) = srv
        .post(
            "/api/v1/systems",
            &doe,
            json!({"name": "Stockpile", "national_security": true}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{weapons}");
    let weapons = format!("/api/v1/systems/{}", weapons["id"].as_str().expect("id"));
    let (s, sigint) = srv
        .post("/api/v1/systems", &nsa, json!({"name": "Collection"}))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{sigint}");
    let sigint = format!("/api/v1/systems/{}", sigint["id"].as_str().expect("id"));
    // A flag that is not a word of the API.
    let (s, v) = srv
        .post(
            "/api/v1/systems",
            &doe,
            json!({"name": "X", "publicly_exposed": "perhaps"}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    // A vendor registers no system.
    let (s, v) = srv
        .post("/api/v1/systems", &vendor, json!({"name": "X"}))
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{v}");

    let (s, v) = srv.get(&grid, &doe).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["may_update"], true, "{v}");
    let (s, v) = srv.get(&grid, &cisa).await;
    assert_eq!(s, StatusCode::OK, "CISA reads a civilian system: {v}");
    assert_eq!(v["may_update"], false, "{v}");
    for (who, token) in [
        ("another agency", &dot),
        ("a vendor", &vendor),
        ("the operator's root", &srv.root_token),
    ] {
        let (s, v) = srv.get(&grid, token).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{who}: {v}");
    }
    for (what, path) in [
        ("a national security system", &weapons),
        ("a national-security-track agency's system", &sigint),
    ] {
        let (s, v) = srv.get(path, &cisa).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "CISA on {what}: {v}");
    }
    let (s, v) = srv.get(&sigint, &nsa).await;
    assert_eq!(s, StatusCode::OK, "{v}");

    // Lists hold the same.
    let names = |v: &Value| -> Vec<String> {
        v["items"]
            .as_array()
            .expect("items")
            .iter()
            .map(|s| s["name"].as_str().expect("name").to_owned())
            .collect()
    };
    let (_, v) = srv.get("/api/v1/systems", &cisa).await;
    assert_eq!(names(&v), vec!["Grid telemetry"], "{v}");
    let (_, v) = srv.get("/api/v1/systems", &doe).await;
    assert_eq!(names(&v).len(), 2, "{v}");
    let (_, v) = srv.get("/api/v1/systems", &dot).await;
    assert!(names(&v).is_empty(), "{v}");

    // Another agency cannot change it either, and learns nothing.
    let (s, _, v) = srv
        .call(
            Method::PATCH,
            &grid,
            Some(&dot),
            Some(json!({"name": "mine"})),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{v}");
    let (s, _, v) = srv
        .call(
            Method::PATCH,
            &grid,
            Some(&doe),
            Some(json!({"owners": ["grid@doe.example"]})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["system"]["owners"], json!(["grid@doe.example"]), "{v}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_attached_sbom_gives_explained_obligations_that_are_answered_extended_and_exported() {
    let (srv, _, cisa, clock) = started_at().await;
    import_osv(
        &srv,
        &[
            ("RUSTSEC-2021-0003.json", RUSTSEC),
            ("PYSEC-2023-100.yaml", PYSEC),
        ],
    )
    .await;
    let (doe_org, _, doe) = srv.member("DOE", "agency", "doe", &["admin"]).await;
    let (_, _, dot) = srv.member("DOT", "agency", "dot", &["admin"]).await;

    let sbom = json!({"bomFormat": "CycloneDX", "specVersion": "1.4", "version": 1, "components": [
        {"type": "library", "name": "smallvec", "purl": "pkg:cargo/smallvec@1.6.0"},
        {"type": "library", "name": FORMULA, "purl": "pkg:pypi/Django@4.2.1"},
        {"type": "library", "name": "smallvec-fixed", "purl": "pkg:cargo/smallvec@1.6.1"},
    ]});
    let (s, up) = send_raw(
        &srv,
        Method::POST,
        "/api/v1/sboms",
        &doe,
        "application/vnd.cyclonedx+json",
        sbom.to_string().into_bytes(),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{up}");
    let sbom_id = up["sbom"]["id"].as_str().expect("id").to_owned();
    let (s, system) = srv
        .post(
            "/api/v1/systems",
            &doe,
            json!({"name": "Grid telemetry", "publicly_exposed": "yes"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{system}");
    let system_id = system["id"].as_str().expect("id").to_owned();

    // Another agency cannot attach to it; the agency can, without a body.
    let attach = format!("/api/v1/systems/{system_id}/sboms/{sbom_id}");
    let (s, _, v) = srv.call(Method::PUT, &attach, Some(&dot), None).await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{v}");
    let (s, _, change) = srv.call(Method::PUT, &attach, Some(&doe), None).await;
    assert_eq!(s, StatusCode::OK, "{change}");
    assert_eq!(change["obligations"]["created"], 2, "{change}");
    let (_, view) = srv.get(&format!("/api/v1/systems/{system_id}"), &doe).await;
    assert_eq!(view["sboms"][0]["sbom"], sbom_id.as_str(), "{view}");

    // The obligations: one per vulnerable component, under the directive
    // in force, each with a date.
    let (s, list) = srv.get("/api/v1/obligations", &doe).await;
    assert_eq!(s, StatusCode::OK, "{list}");
    let items = list["items"].as_array().expect("items").clone();
    let mut vulns: Vec<&str> = items
        .iter()
        .map(|o| o["vulnerability"].as_str().expect("vulnerability"))
        .collect();
    vulns.sort_unstable();
    assert_eq!(vulns, vec!["CVE-2021-25900", "CVE-2023-36053"], "{list}");
    for o in &items {
        assert_eq!(o["directive"], "BOD-26-04@1.0.0", "{o}");
        assert_eq!(o["system"], system_id.as_str(), "{o}");
        assert_eq!(o["state"], "open", "{o}");
        assert!(time_of(&o["due_at"]) > T0, "{o}");
    }
    let by_vuln = |v: &str| -> String {
        items
            .iter()
            .find(|o| o["vulnerability"] == v)
            .and_then(|o| o["id"].as_str())
            .expect("obligation")
            .to_owned()
    };
    let smallvec = by_vuln("CVE-2021-25900");
    let django = by_vuln("CVE-2023-36053");
    // Others see none of them; CISA sees them.
    let (_, v) = srv.get("/api/v1/obligations", &dot).await;
    assert_eq!(v["items"].as_array().map(Vec::len), Some(0), "{v}");
    let (s, v) = srv
        .get(&format!("/api/v1/obligations/{smallvec}"), &dot)
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{v}");
    let (_, v) = srv
        .get(&format!("/api/v1/obligations?org={doe_org}"), &cisa)
        .await;
    assert_eq!(v["items"].as_array().map(Vec::len), Some(2), "{v}");

    // The explanation names every input and where it came from.
    let (s, one) = srv
        .get(&format!("/api/v1/obligations/{smallvec}"), &doe)
        .await;
    assert_eq!(s, StatusCode::OK, "{one}");
    let lines: Vec<&str> = one["evaluation"]["explanation"]
        .as_array()
        .expect("explanation")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    let line = |fact: &str| -> &str {
        lines
            .iter()
            .find(|l| l.starts_with(&format!("{fact} = ")))
            .copied()
            .unwrap_or_else(|| panic!("no line for {fact} in {lines:?}"))
    };
    assert!(line("in_kev").contains("source:"), "{lines:?}");
    assert!(
        line("publicly_exposed").contains("the agency's exposure flag"),
        "{lines:?}"
    );
    for fact in ["automatable", "technical_impact"] {
        assert!(
            line(fact).contains("the directive's default for unknown"),
            "{lines:?}"
        );
    }
    assert_eq!(one["may_answer"], true, "{one}");
    assert_eq!(one["may_decide"], false, "{one}");

    // not_affected needs a VEX justification.
    let answers = format!("/api/v1/obligations/{django}/answers");
    let (s, v) = srv
        .post(&answers, &doe, json!({"answer": "not_affected"}))
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    let (s, v) = srv
        .post(
            &answers,
            &dot,
            json!({"answer": "not_affected", "justification": "vulnerable_code_not_in_execute_path"}),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{v}");
    let (s, v) = srv
        .post(
            &answers,
            &doe,
            json!({"answer": "not_affected", "justification": "vulnerable_code_not_in_execute_path",
                   "note": "EmailValidator is never called"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["state"], "closed", "{v}");
    assert_eq!(v["answer"], "not_affected", "{v}");

    // An extension: the agency asks, cannot decide, CISA approves.
    let before = time_of(&one["obligation"]["due_at"]);
    let asked = before + time::Duration::days(30);
    let granted = before + time::Duration::days(20);
    let (s, req) = srv
        .post(
            &format!("/api/v1/obligations/{smallvec}/requests"),
            &doe,
            json!({"kind": "extension", "due": asked.format(&Rfc3339).expect("format"),
                   "justification": "the vendor ships the fix next month"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{req}");
    assert_eq!(req["state"], "pending", "{req}");
    let decision = format!(
        "/api/v1/obligation-requests/{}/decision",
        req["id"].as_str().expect("id")
    );
    let (s, v) = srv
        .post(&decision, &doe, json!({"decision": "approve"}))
        .await;
    assert!(
        s == StatusCode::FORBIDDEN || s == StatusCode::NOT_FOUND,
        "{s} {v}"
    );
    let (s, v) = srv
        .post(
            &decision,
            &cisa,
            json!({"decision": "approve", "due": granted.format(&Rfc3339).expect("format"),
                   "conditions": "compensating firewall rule until then"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["state"], "approved", "{v}");
    let (_, one) = srv
        .get(&format!("/api/v1/obligations/{smallvec}"), &doe)
        .await;
    assert_eq!(time_of(&one["obligation"]["due_at"]), granted, "{one}");
    let kinds: Vec<&str> = one["history"]
        .as_array()
        .expect("history")
        .iter()
        .filter_map(|e| e["kind"].as_str())
        .collect();
    for kind in ["requested", "decided"] {
        assert!(kinds.contains(&kind), "{kind} in {kinds:?}");
    }

    // The CSV export: the header, one row per obligation, a formula-looking
    // name made text.
    let resp = srv
        .http
        .get(format!("{}/api/v1/obligations/export?format=csv", srv.base))
        .bearer_auth(&doe)
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status(), StatusCode::OK);
    let ctype = resp
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert!(ctype.starts_with("text/csv"), "{ctype}");
    let text = resp.text().await.expect("body");
    let rows: Vec<&str> = text.lines().collect();
    assert_eq!(
        rows.first().copied(),
        Some(bulwark_server::export::CSV_HEADER.join(",").as_str())
    );
    assert!(
        rows[0].starts_with("id,agency,system,subject_kind,subject,"),
        "{text}"
    );
    assert_eq!(rows.len(), 1 + items.len(), "{text}");
    let django_row = rows
        .iter()
        .find(|r| r.starts_with(&django))
        .expect("the django row");
    // RFC 4180 doubles the quotes inside a quoted cell.
    let escaped = format!("\"'{}\"", FORMULA.replace('"', "\"\""));
    assert!(django_row.contains(&escaped), "{django_row}");
    assert!(!text.contains(",=HYPERLINK"), "{text}");
    // Others export nothing of it; JSON holds what the list holds.
    let (s, v) = srv
        .get("/api/v1/obligations/export?format=json", &dot)
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v.as_array().map(Vec::len), Some(0), "{v}");
    let (_, v) = srv
        .get("/api/v1/obligations/export?format=json&state=open", &doe)
        .await;
    let open: Vec<&str> = v
        .as_array()
        .expect("array")
        .iter()
        .filter_map(|o| o["id"].as_str())
        .collect();
    assert_eq!(open, vec![smallvec.as_str()], "{v}");
    let (s, v) = srv
        .get("/api/v1/obligations/export?format=xlsx", &doe)
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");

    // Compliance: the agency's own counts, CISA's government-wide view.
    let (s, v) = srv
        .get(&format!("/api/v1/compliance/agencies/{doe_org}"), &doe)
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["total"]["open"], 1, "{v}");
    assert_eq!(v["total"]["closed"], 1, "{v}");
    let (s, v) = srv
        .get(&format!("/api/v1/compliance/agencies/{doe_org}"), &dot)
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{v}");
    let (s, v) = srv.get("/api/v1/compliance/agencies", &cisa).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v[0]["key"], doe_org.as_str(), "{v}");
    let (s, v) = srv.get("/api/v1/compliance/agencies", &doe).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{v}");
    let (s, v) = srv
        .get("/api/v1/compliance/vulnerabilities/CVE-2021-25900", &cisa)
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v[0]["open"], 1, "{v}");
    // The trend: weeks of points, the last with what is open now; an
    // agency names only itself; weeks are bounded.
    let (s, v) = srv.get("/api/v1/compliance/trend?weeks=3", &cisa).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v.as_array().map(Vec::len), Some(3), "{v}");
    assert_eq!(v[2]["open"], 1, "{v}");
    assert_eq!(
        v[2]["closed"].as_u64().unwrap_or(0)
            + v[1]["closed"].as_u64().unwrap_or(0)
            + v[0]["closed"].as_u64().unwrap_or(0),
        1,
        "{v}"
    );
    let (s, v) = srv
        .get(&format!("/api/v1/compliance/trend?org={doe_org}"), &dot)
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{v}");
    let (s, v) = srv.get("/api/v1/compliance/trend?weeks=0", &doe).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");

    // The metrics count them over every agency, without naming one.
    let metrics = metrics_text(&srv).await;
    assert_eq!(gauge(&metrics, "open"), Some(1), "{metrics}");
    assert_eq!(gauge(&metrics, "closed"), Some(1), "{metrics}");
    assert_eq!(gauge(&metrics, "overdue"), Some(0), "{metrics}");
    assert!(gauge(&metrics, "due_soon").is_some(), "{metrics}");
    assert!(!metrics.contains("DOE"), "{metrics}");

    // Past the date in force (the extension's): overdue, and still open.
    clock.set(granted + time::Duration::days(1));
    let metrics = metrics_text(&srv).await;
    assert_eq!(gauge(&metrics, "overdue"), Some(1), "{metrics}");
    assert_eq!(gauge(&metrics, "open"), Some(1), "{metrics}");
    let (_, v) = srv.get("/api/v1/obligations?overdue=true", &cisa).await;
    let overdue: Vec<&Value> = v["items"].as_array().expect("items").iter().collect();
    assert_eq!(overdue.len(), 1, "{v}");
    assert_eq!(overdue[0]["id"], smallvec.as_str(), "{v}");
    assert_eq!(overdue[0]["overdue"], true, "{v}");

    // Detaching the SBOM closes what it brought.
    let (s, _, v) = srv.call(Method::DELETE, &attach, Some(&doe), None).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (_, v) = srv.get("/api/v1/obligations?state=open", &doe).await;
    assert_eq!(v["items"].as_array().map(Vec::len), Some(0), "{v}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn products_without_a_purl_and_bad_bodies() {
    let (srv, _, _) = started().await;
    let (_, _, doe) = srv.member("DOE", "agency", "doe", &["admin"]).await;
    let (_, system) = srv
        .post("/api/v1/systems", &doe, json!({"name": "VPN"}))
        .await;
    let system_id = system["id"].as_str().expect("id").to_owned();
    let products = format!("/api/v1/systems/{system_id}/products");
    let (s, v) = srv
        .post(
            &products,
            &doe,
            json!({"cpe": "cpe:2.3:a:ivanti:connect_secure:22.7:r2.3:*:*:*:*:*:*"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let (_, view) = srv.get(&format!("/api/v1/systems/{system_id}"), &doe).await;
    let product = &view["products"][0];
    assert_eq!(product["vendor"], "ivanti", "{view}");
    assert_eq!(product["product"], "connect_secure", "{view}");
    let (s, v) = srv.post(&products, &doe, json!({"cpe": "not a cpe"})).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    let (s, _, v) = srv
        .call(
            Method::DELETE,
            &format!(
                "/api/v1/systems/{system_id}/products/{}",
                product["id"].as_str().expect("id")
            ),
            Some(&doe),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");

    // Bad JSON bodies are problems naming the field.
    let (s, v) = srv
        .post(
            "/api/v1/systems",
            &doe,
            json!({"name": "X", "colour": "red"}),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    assert!(
        v["detail"].as_str().is_some_and(|d| d.contains("colour")),
        "{v}"
    );
    let (s, v) = srv.post("/api/v1/systems", &doe, json!({"name": 7})).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    assert!(
        v["detail"].as_str().is_some_and(|d| d.contains("at name")),
        "{v}"
    );
    let (s, _, v) = srv
        .call(
            Method::PUT,
            &format!("/api/v1/systems/{system_id}/sboms/{system_id}"),
            Some(&doe),
            Some(json!({"replaces": "nope"})),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    assert!(
        v["detail"]
            .as_str()
            .is_some_and(|d| d.contains("at replaces")),
        "{v}"
    );
    // `null` is no body: read, then refused because the SBOM (here a
    // system's id) is not one the agency uploaded.
    let (s, _, v) = srv
        .call(
            Method::PUT,
            &format!("/api/v1/systems/{system_id}/sboms/{system_id}"),
            Some(&doe),
            Some(Value::Null),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    let (s, v) = srv.get("/api/v1/obligations?overdue=maybe", &doe).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    assert_eq!(
        v["type"], "/problems/malformed-request",
        "a problem document: {v}"
    );
}

/// The scoring crate's fixtures (a KEV excerpt, a Vulnrichment record with
/// CISA's ADP SSVC points; see its README for sources) give the facts.
const KEV: &[u8] = include_bytes!("../../../scoring/tests/fixtures/kev_excerpt.json");
const SCREENCONNECT: &[u8] =
    include_bytes!("../../../scoring/tests/fixtures/vulnrichment/2024/1xxx/CVE-2024-1708.json");

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_product_in_kev_is_explained_from_kev_and_cisas_adp_and_follows_the_exposure_flag() {
    let (srv, _, _) = started().await;
    let (info, entries) = bulwark_app::feeds::kev_rows(
        bulwark_scoring::feeds::kev::KevCatalog::parse(KEV).expect("KEV"),
    );
    srv.store
        .import_kev(&Actor::cli(), &info, &entries, T0)
        .await
        .expect("import KEV");
    srv.store
        .import_cves(
            &Actor::cli(),
            vec![bulwark_app::feeds::cve_row(SCREENCONNECT).expect("CVE record")],
            T0,
        )
        .await
        .expect("import CVE");
    let (_, _, doe) = srv.member("DOE", "agency", "doe", &["admin"]).await;
    let (_, system) = srv
        .post(
            "/api/v1/systems",
            &doe,
            json!({"name": "Help desk", "publicly_exposed": "no"}),
        )
        .await;
    let system_id = system["id"].as_str().expect("id").to_owned();
    // KEV names it "ConnectWise ScreenConnect"; names compare without case.
    let (s, change) = srv
        .post(
            &format!("/api/v1/systems/{system_id}/products"),
            &doe,
            json!({"vendor": "CONNECTWISE", "product": "screenconnect", "version": "23.9.7"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{change}");
    assert_eq!(change["obligations"]["created"], 1, "{change}");

    let (_, list) = srv
        .get("/api/v1/obligations?vulnerability=cve-2024-1708", &doe)
        .await;
    let items = list["items"].as_array().expect("items");
    assert_eq!(items.len(), 1, "{list}");
    let id = items[0]["id"].as_str().expect("id").to_owned();
    assert_eq!(items[0]["subject_kind"], "product", "{list}");
    // BOD 26-04 Table 1: in KEV, not exposed, not automatable, total → row 7.
    assert_eq!(items[0]["rule"], "row-07", "{list}");
    assert_eq!(items[0]["timeline"], "14 days", "{list}");

    let (_, one) = srv.get(&format!("/api/v1/obligations/{id}"), &doe).await;
    let lines: Vec<&str> = one["evaluation"]["explanation"]
        .as_array()
        .expect("explanation")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    for expected in [
        "in_kev = yes (source: KEV)",
        "publicly_exposed = no (source: the agency's exposure flag)",
        "automatable = no (source: CISA ADP)",
        "technical_impact = total (source: CISA ADP)",
    ] {
        assert!(lines.contains(&expected), "{expected} in {lines:?}");
    }

    // Exposed after all: the same obligation moves to row 3, with why.
    let (s, _, change) = srv
        .call(
            Method::PATCH,
            &format!("/api/v1/systems/{system_id}"),
            Some(&doe),
            Some(json!({"publicly_exposed": "yes"})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{change}");
    assert_eq!(change["obligations"]["revised"], 1, "{change}");
    let (_, one) = srv.get(&format!("/api/v1/obligations/{id}"), &doe).await;
    assert_eq!(one["obligation"]["rule"], "row-03", "{one}");
    assert_eq!(one["obligation"]["forensic"], true, "{one}");
    assert!(
        one["history"]
            .as_array()
            .expect("history")
            .iter()
            .any(|e| e["detail"].to_string().contains("publicly_exposed")),
        "{one}"
    );
}

/// The shared data set, beside the project.
fn shared_data() -> std::path::PathBuf {
    std::path::PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/data/prioritization"
    ))
}

/// Over the whole KEV catalog and the Vulnrichment sample: products named
/// as KEV names them get one obligation per KEV entry, and each one whose
/// record carries CISA's SSVC points has the timeline CERT/CC's encoding of
/// BOD 26-04 Table 1 (`bod2604_timelines.csv`) gives those facts.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs the shared data set (../shared/data)"]
async fn products_in_the_whole_kev_catalog_get_table_1s_timelines() {
    let dir = shared_data();
    let read = |p: &str| std::fs::read(dir.join(p)).unwrap_or_else(|e| panic!("{p}: {e}"));
    let (srv, _, _) = started().await;
    let kev_bytes = read("kev.json");
    let (info, entries) = bulwark_app::feeds::kev_rows(
        bulwark_scoring::feeds::kev::KevCatalog::parse(&kev_bytes).expect("KEV"),
    );
    srv.store
        .import_kev(&Actor::cli(), &info, &entries, T0)
        .await
        .expect("import KEV");
    let kev: Value = serde_json::from_slice(&kev_bytes).expect("KEV JSON");

    // The sample's records of CVEs in KEV with both SSVC points, by CVE:
    // (automatable, technical impact).
    let manifest = String::from_utf8(read("vulnrichment_sample_manifest.csv")).expect("UTF-8");
    let mut lines = manifest.lines();
    let head: Vec<&str> = lines.next().expect("header").split(',').collect();
    let col = |name: &str| head.iter().position(|h| *h == name).expect(name);
    let (path, cve, a, ti, in_kev) = (
        col("path"),
        col("cve"),
        col("ssvc_automatable_raw"),
        col("ssvc_technical_impact_raw"),
        col("in_kev_catalog_2026_08_07"),
    );
    let mut points = std::collections::HashMap::new();
    let mut records = Vec::new();
    for l in lines {
        let c: Vec<&str> = l.split(',').collect();
        if c[in_kev] != "yes" || c[a].is_empty() || c[ti].is_empty() {
            continue;
        }
        let bytes = read(&format!("vulnrichment_sample/{}", c[path]));
        records.push(bulwark_app::feeds::cve_row(&bytes).expect("CVE record"));
        // Records write the points in either case ("Total", "total").
        points.insert(
            c[cve].to_owned(),
            (c[a].to_ascii_lowercase(), c[ti].to_ascii_lowercase()),
        );
    }
    srv.store
        .import_cves(&Actor::cli(), records, T0)
        .await
        .expect("import CVEs");
    // Table 1 as CERT/CC encodes it: (in_kev, exposed, automatable, impact) → timeline.
    let table = String::from_utf8(read("bod2604_timelines.csv")).expect("UTF-8");
    let timeline: std::collections::HashMap<(String, String, String, String), String> = table
        .lines()
        .skip(1)
        .map(|l| {
            let c: Vec<&str> = l.split(',').collect();
            (
                (c[0].into(), c[1].into(), c[2].into(), c[3].into()),
                c[4].into(),
            )
        })
        .collect();

    // Six products of CVEs with SSVC points, as KEV names them.
    let vulns = kev["vulnerabilities"].as_array().expect("vulnerabilities");
    let mut products: Vec<(String, String)> = Vec::new();
    for v in vulns {
        let named = (
            v["vendorProject"].as_str().expect("vendor").to_owned(),
            v["product"].as_str().expect("product").to_owned(),
        );
        if points.contains_key(v["cveID"].as_str().expect("cve"))
            && named.1 != "Multiple Products"
            && !products.contains(&named)
        {
            products.push(named);
        }
        if products.len() == 6 {
            break;
        }
    }
    assert_eq!(products.len(), 6);
    let (_, _, doe) = srv.member("DOE", "agency", "doe", &["admin"]).await;
    let (_, system) = srv
        .post(
            "/api/v1/systems",
            &doe,
            json!({"name": "Data centre", "publicly_exposed": "no"}),
        )
        .await;
    let system_id = system["id"].as_str().expect("id").to_owned();
    for (vendor, product) in &products {
        let (s, v) = srv
            .post(
                &format!("/api/v1/systems/{system_id}/products"),
                &doe,
                json!({"vendor": vendor, "product": product}),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
    }

    let (s, all) = srv
        .get("/api/v1/obligations/export?format=json", &doe)
        .await;
    assert_eq!(s, StatusCode::OK, "{all}");
    let all = all.as_array().expect("array");
    let got: std::collections::HashSet<&str> = all
        .iter()
        .filter_map(|o| o["vulnerability"].as_str())
        .collect();
    let named: Vec<&str> = vulns
        .iter()
        .filter(|v| {
            products.iter().any(|(vendor, product)| {
                v["vendorProject"] == vendor.as_str() && v["product"] == product.as_str()
            })
        })
        .filter_map(|v| v["cveID"].as_str())
        .collect();
    for c in &named {
        assert!(got.contains(c), "{c}: no obligation");
    }
    let mut checked = 0;
    for o in all {
        let Some((a, ti)) = o["vulnerability"].as_str().and_then(|c| points.get(c)) else {
            continue;
        };
        let want = &timeline[&("yes".into(), "no".into(), a.clone(), ti.clone())];
        let (days, forensic) = match want.strip_suffix(" & forensic investigation") {
            Some(d) => (d, true),
            None => (want.as_str(), false),
        };
        let days = if days == "fix on system upgrade" {
            "on upgrade"
        } else {
            days
        };
        assert_eq!(o["timeline"], days, "{o}");
        assert_eq!(o["forensic"], forensic, "{o}");
        checked += 1;
    }
    assert!(checked >= products.len(), "{checked} checked");
}
