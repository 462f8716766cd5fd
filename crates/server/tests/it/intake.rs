//! Clearinghouse intake over HTTP: the same real SARIF log from two
//! organizations gives one case per distinct finding, two reports each, the
//! first reporter credited; malformed logs are refused naming the JSON path
//! and write nothing; cases are for their reporters and the operator only.

use crate::common;

use reqwest::StatusCode;
use serde_json::{Value, json};
use time::Duration;
use time::macros::datetime;

/// `semgrep-e2e-snapshots/.../test_sarif_output_with_dataflow_traces/results.sarif`
/// from the shared data set, committed as a fixture of the intake crate.
const SEMGREP: &[u8] = include_bytes!("../../../intake/tests/fixtures/semgrep-dataflow.sarif");
/// The first 3 of 114 results of `microsoft-sarif-sdk/.../Fortify/bannedAPIs_m0.xml.sarif`.
const FORTIFY: &[u8] = include_bytes!("../../../intake/tests/fixtures/fortify-excerpt.sarif");
/// `github-codeql-action/src/testdata/invalid-sarif.sarif`: `results` is a number.
const INVALID: &[u8] = include_bytes!("../../../intake/tests/fixtures/invalid-results.sarif");

async fn submit(srv: &common::Srv, token: &str, query: &str, body: &[u8]) -> (StatusCode, Value) {
    let resp = srv
        .http
        .post(format!("{}/api/v1/reports{query}", srv.base))
        .bearer_auth(token)
        .header("content-type", "application/sarif+json")
        .body(body.to_vec())
        .send()
        .await
        .expect("send");
    let s = resp.status();
    (s, resp.json().await.unwrap_or(Value::Null))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_case_per_finding_whoever_reports_it() {
    let t0 = datetime!(2026-11-26 12:00 UTC);
    let (srv, clock) = common::start_at(t0, &[]).await;
    let (uni, _, uni_tok) = srv.member("Uni A", "researcher", "u1", &["analyst"]).await;
    let (vendor, _, vendor_tok) = srv.member("Vendor B", "vendor", "v1", &["analyst"]).await;
    let (lab_c, _, outsider) = srv.member("Lab C", "developer", "c1", &["admin"]).await;
    let (_, _, uni_viewer) = srv.member("Uni A", "researcher", "u2", &["viewer"]).await;

    // Refused: a viewer may not submit; a malformed log names where it broke.
    let (s, _) = submit(&srv, &uni_viewer, "", SEMGREP).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let before = srv.audit_len().await;
    let (s, v) = submit(&srv, &uni_tok, "", INVALID).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    assert!(
        v["detail"].as_str().unwrap().contains("runs[0].results"),
        "{v}"
    );
    let (s, v) = submit(&srv, &uni_tok, "", &SEMGREP[..SEMGREP.len() / 2]).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "a file cut half-way: {v}");
    let (s, v) = submit(&srv, &uni_tok, "?target=not%20a%20target", SEMGREP).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(srv.audit_len().await, before, "nothing written");

    let target = "?target=pkg:pypi/flask@2.0.0";
    let (s, first) = submit(&srv, &uni_tok, target, SEMGREP).await;
    assert_eq!(s, StatusCode::CREATED, "{first}");
    let reports = first["reports"].as_u64().unwrap();
    let cases: Vec<String> = first["cases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap().to_owned())
        .collect();
    assert!(reports >= 1);
    assert_eq!(first["new_cases"].as_u64().unwrap() as usize, cases.len());

    clock.advance(Duration::hours(2));
    let (s, second) = submit(&srv, &vendor_tok, target, SEMGREP).await;
    assert_eq!(s, StatusCode::CREATED, "{second}");
    assert_eq!(second["new_cases"], 0, "every finding was known");
    assert_eq!(second["cases"], first["cases"]);
    assert_eq!(second["document"], first["document"], "one raw document");

    for id in &cases {
        let (s, c) = srv.get(&format!("/api/v1/cases/{id}"), &vendor_tok).await;
        assert_eq!(s, StatusCode::OK, "{c}");
        assert_eq!(c["first_reporter"], uni.as_str(), "credited to the first");
        assert_eq!(c["first_reported_at"], "2026-11-26T12:00:00Z");
        assert_eq!(c["target"], "pkg:pypi/flask@2.0.0");
        let orgs: Vec<&str> = c["reports"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["org"].as_str().unwrap())
            .collect();
        // Each organization's reports of the finding, the first reporter's first.
        assert_eq!(orgs.first(), Some(&uni.as_str()));
        assert_eq!(orgs.last(), Some(&vendor.as_str()));
        assert_eq!(
            orgs.iter().filter(|o| **o == uni).count(),
            orgs.iter().filter(|o| **o == vendor).count()
        );
        assert!(c["reports"][0]["tool_name"].as_str().is_some());
        // Not a party: 404, not 403.
        let (s, _) = srv.get(&format!("/api/v1/cases/{id}"), &outsider).await;
        assert_eq!(s, StatusCode::NOT_FOUND);
    }
    let (_, list) = srv.get("/api/v1/cases", &outsider).await;
    assert_eq!(list["items"].as_array().unwrap().len(), 0);
    let (_, list) = srv.get("/api/v1/cases", &srv.root_token).await;
    assert_eq!(list["items"].as_array().unwrap().len(), cases.len());

    // Triage is the clearinghouse's: a reporter may not move the case.
    let id = &cases[0];
    let (s, _) = srv
        .post(
            &format!("/api/v1/cases/{id}/transition"),
            &uni_tok,
            json!({"to": "triaged"}),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, v) = srv
        .post(
            &format!("/api/v1/cases/{id}/transition"),
            &srv.root_token,
            json!({"to": "validated"}),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "{v}");
    let (s, v) = srv
        .post(
            &format!("/api/v1/cases/{id}/transition"),
            &srv.root_token,
            json!({"to": "triaged"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["state"], "triaged");

    // Validation: the clearinghouse asks Lab C to reproduce; Lab C becomes a
    // party and its reproduction meets the default quorum.
    let (s, _) = srv
        .post(
            &format!("/api/v1/cases/{id}/tasks"),
            &srv.root_token,
            json!({"kind": "reproduction", "org": uni}),
        )
        .await;
    assert_eq!(
        s,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a reporter is not independent"
    );
    let (s, _) = srv
        .post(
            &format!("/api/v1/cases/{id}/tasks"),
            &uni_tok,
            json!({"kind": "reproduction", "org": lab_c}),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "tasks are the clearinghouse's");
    let (s, _, _) = srv
        .call(
            reqwest::Method::POST,
            &format!("/api/v1/cases/{id}/tasks"),
            Some(&srv.root_token),
            Some(json!({"kind": "reproduction", "org": lab_c})),
        )
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (s, _) = srv.get(&format!("/api/v1/cases/{id}"), &outsider).await;
    assert_eq!(s, StatusCode::OK, "the validator is a party now");
    let reproduced = json!({"kind": "reproduction", "result": "reproduced",
        "evidence": "==1==ERROR: AddressSanitizer", "note": "on 2.0.0 and 2.0.1"});
    let (s, v) = srv
        .post(
            &format!("/api/v1/cases/{id}/validations"),
            &uni_tok,
            reproduced.clone(),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "no task for the reporter: {v}");
    let (s, v) = srv
        .post(
            &format!("/api/v1/cases/{id}/validations"),
            &outsider,
            reproduced,
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(v["state"], "validated");
    assert_eq!(v["validations"][0]["org"], lab_c.as_str());
    assert!(v["validations"][0]["evidence"].as_str().is_some());

    // Reliability: the clearinghouse's view.
    let (s, _) = srv.get("/api/v1/sources", &uni_tok).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, v) = srv.get("/api/v1/sources", &srv.root_token).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let uni_row = v["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["kind"] == "org" && r["source"] == uni.as_str())
        .cloned()
        .unwrap();
    assert_eq!(uni_row["submitted"].as_u64().unwrap() as usize, cases.len());
    assert_eq!(uni_row["validated"], 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn merge_and_split_over_http() {
    let (srv, _) = common::start_at(datetime!(2026-11-26 12:00 UTC), &[]).await;
    let (_, _, uni_tok) = srv.member("Uni A", "researcher", "u1", &["analyst"]).await;
    let (s, v) = submit(&srv, &uni_tok, "", FORTIFY).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let cases: Vec<String> = v["cases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap().to_owned())
        .collect();
    if cases.len() < 2 {
        // The fixture has several distinct findings; if it ever had one,
        // this test would prove nothing.
        panic!(
            "the fixture must give at least two cases, gave {}",
            cases.len()
        );
    }
    let (a, b) = (&cases[0], &cases[1]);
    let (s, merged) = srv
        .post(
            &format!("/api/v1/cases/{a}/merge"),
            &srv.root_token,
            json!({"from": b}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{merged}");
    let fps = merged["fingerprints"].as_array().unwrap().clone();
    assert!(fps.len() >= 2);
    let (_, gone) = srv.get(&format!("/api/v1/cases/{b}"), &uni_tok).await;
    assert_eq!(gone["state"], "duplicate");
    assert_eq!(gone["merged_into"], a.as_str());
    let (s, split) = srv
        .post(
            &format!("/api/v1/cases/{a}/split"),
            &srv.root_token,
            json!({"fingerprints": [fps[1]]}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{split}");
    let new_id = split["id"].as_str().unwrap();
    let (s, v) = srv
        .post(
            &format!("/api/v1/cases/{a}/merge"),
            &srv.root_token,
            json!({"from": new_id}),
        )
        .await;
    assert_eq!(
        s,
        StatusCode::CONFLICT,
        "split apart, never merged again: {v}"
    );
}

/// A SARIF log as tools really write it (fingerprint values that are not
/// strings, a result without a message, an empty message), bent by hand from
/// the Semgrep fixture; and Static Driver Verifier's `pass` result. Sources
/// in the intake crate's `tests/fixtures/README.md`.
const BENT: &[u8] = include_bytes!("../../../intake/tests/fixtures/repairs/semgrep-bent.sarif");
const PASS: &[u8] = include_bytes!("../../../intake/tests/fixtures/repairs/sdv-pass.sarif");

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bent_sarif_is_repaired_with_warnings_unless_strict() {
    let (srv, _) = common::start_at(datetime!(2026-11-26 12:00 UTC), &[]).await;
    let (_, _, tok) = srv.member("Uni A", "researcher", "u1", &["analyst"]).await;

    // Strict: refused as before, naming the first bend; nothing written.
    let before = srv.audit_len().await;
    let (s, v) = submit(&srv, &tok, "?strict=true", BENT).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    let detail = v["detail"].as_str().unwrap();
    assert!(
        detail.contains("runs[0].results[0].fingerprints.matchBasedId/v1"),
        "{v}"
    );
    assert_eq!(srv.audit_len().await, before, "nothing written");

    // Default: every finding filed, each repair a warning with its path.
    let (s, v) = submit(&srv, &tok, "", BENT).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(v["reports"], 4);
    let w = &v["warnings"];
    assert_eq!(w["total"], 4, "{v}");
    assert_eq!(
        w["counts"],
        json!({"non_string_fingerprint": 2, "missing_message": 1, "empty_message": 1})
    );
    let paths: Vec<&str> = w["first"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["path"].as_str().unwrap())
        .collect();
    assert_eq!(
        paths,
        [
            "runs[0].results[0].fingerprints.matchBasedId/v1",
            "runs[0].results[1].fingerprints.rank",
            "runs[0].results[2].message",
            "runs[0].results[3].message",
        ]
    );
    assert_eq!(w["first"][2]["kind"], "missing_message");
    assert_eq!(
        v["skipped"],
        json!({"pass": 0, "notApplicable": 0, "informational": 0})
    );
    // The message-less result is titled by its rule's short description.
    let mut titles = Vec::new();
    for id in v["cases"].as_array().unwrap() {
        let (_, c) = srv
            .get(&format!("/api/v1/cases/{}", id.as_str().unwrap()), &tok)
            .await;
        for r in c["reports"].as_array().unwrap() {
            titles.push(r["title"].as_str().unwrap().to_owned());
        }
    }
    assert!(
        titles.iter().any(|t| t == "Semgrep Finding: rules.classic"),
        "{titles:?}"
    );

    // A `pass` result is counted, not filed, in either mode.
    for query in ["", "?strict=true"] {
        let (s, v) = submit(&srv, &tok, query, PASS).await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        assert_eq!(v["reports"], 0, "{v}");
        assert_eq!(v["skipped"]["pass"], 1, "{v}");
        assert_eq!(v["warnings"]["total"], 0, "{v}");
    }
}

/// Two servers on one machine share a spool root: the second one's start
/// sweeps what a crashed server left (a directory whose lock nobody holds,
/// a stray file) but never the running first one's uploads; a server that
/// stops cleanly takes its directory with it.
#[test]
fn a_start_sweeps_dead_servers_spools_and_spares_a_running_ones() {
    use bulwark_server::spool::{SpoolDir, Swept};
    let root = std::env::temp_dir().join(format!("bulwark-spool-test-{}", uuid::Uuid::now_v7()));
    let (first, swept) = SpoolDir::open(&root).expect("first spool");
    assert_eq!(swept, Swept::default());
    assert_eq!(first.path().parent(), Some(root.as_path()));
    std::fs::write(first.path().join("intake-live"), b"being received").unwrap();
    // A crashed server's directory (its lock file unlocked) and a stray file.
    std::fs::create_dir(root.join("crashed")).unwrap();
    std::fs::write(root.join("crashed.lock"), b"").unwrap();
    std::fs::write(root.join("crashed/intake-cut-off"), b"half a document").unwrap();
    std::fs::write(root.join("stray"), b"").unwrap();

    let (second, swept) = SpoolDir::open(&root).expect("second spool");
    assert_eq!(
        swept,
        Swept {
            entries: 3,
            files: 2
        }
    );
    assert!(!root.join("crashed").exists() && !root.join("stray").exists());
    assert!(
        first.path().join("intake-live").exists(),
        "a running server's upload stays"
    );
    assert_ne!(first.path(), second.path());
    let first_dir = first.path().to_owned();
    drop(first);
    assert!(!first_dir.exists(), "a clean stop leaves nothing");
    drop(second);
    let _ = std::fs::remove_dir_all(&root);
}
