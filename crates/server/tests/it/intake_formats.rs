//! Intake over HTTP in every format (issue 5, item 2): OSV records, CSAF
//! documents and Bulwark's findings JSON beside SARIF, told by media type or
//! by content; the same bug in two formats folds into one case; large
//! documents are spooled and kept in pieces and come back byte for byte;
//! bad documents are refused with a 4xx that says why, writing nothing.

use crate::common;

use reqwest::StatusCode;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use time::macros::datetime;

/// Fixtures of the intake crate, copied from the shared data set (their
/// READMEs name each file's source).
const GO_JOSE: &[u8] = include_bytes!("../../../intake/tests/fixtures/osv/GO-2024-2631.json");
const LODASH: &[u8] = include_bytes!("../../../intake/tests/fixtures/osv/GHSA-p6mc-m468-83gw.json");
const WITHDRAWN: &[u8] = include_bytes!("../../../intake/tests/fixtures/osv/withdrawn.osv.json");
const STACKABLE: &[u8] =
    include_bytes!("../../../intake/tests/fixtures/csaf/stacksa_2024_0101_0001.json");
/// The first 3 of 114 results of `microsoft-sarif-sdk/.../Fortify/bannedAPIs_m0.xml.sarif`.
const FORTIFY: &[u8] = include_bytes!("../../../intake/tests/fixtures/fortify-excerpt.sarif");

async fn submit(
    srv: &common::Srv,
    token: &str,
    ctype: Option<&str>,
    body: Vec<u8>,
) -> (StatusCode, Value) {
    let mut req = srv
        .http
        .post(format!("{}/api/v1/reports", srv.base))
        .bearer_auth(token);
    if let Some(c) = ctype {
        req = req.header("content-type", c);
    }
    let resp = req.body(body).send().await.expect("send");
    let s = resp.status();
    (s, resp.json().await.unwrap_or(Value::Null))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn advisories_and_native_findings_fold_into_cases_like_sarif() {
    let (srv, _) = common::start_at(datetime!(2026-11-26 12:00 UTC), &[]).await;
    let (uni, _, uni_tok) = srv.member("Uni A", "researcher", "u1", &["analyst"]).await;
    let (_, _, vendor_tok) = srv.member("Vendor B", "vendor", "v1", &["analyst"]).await;

    // OSV by its media type: one report per affected module.
    let (s, osv) = submit(
        &srv,
        &uni_tok,
        Some("application/osv+json"),
        GO_JOSE.to_vec(),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{osv}");
    assert_eq!(osv["format"], "OSV");
    assert_eq!(osv["reports"], 4, "four affected Go modules");
    assert_eq!(osv["new_cases"], 4);
    assert_eq!(osv["cases_complete"], true);
    // The same record from another organization, told by content.
    let (s, again) = submit(
        &srv,
        &vendor_tok,
        Some("application/json"),
        GO_JOSE.to_vec(),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{again}");
    assert_eq!(again["format"], "OSV");
    assert_eq!(again["new_cases"], 0);
    assert_eq!(again["cases"], osv["cases"]);
    let case = osv["cases"][0].as_str().unwrap();
    let (_, c) = srv.get(&format!("/api/v1/cases/{case}"), &vendor_tok).await;
    assert_eq!(c["first_reporter"], uni.as_str());
    assert_eq!(c["rule_id"], "CVE-2024-28180", "the CVE among the aliases");
    assert!(
        c["target"].as_str().unwrap().starts_with("pkg:golang/"),
        "the advisory's package is the target: {c}"
    );
    assert_eq!(c["reports"].as_array().unwrap().len(), 2);

    // An array of records, one withdrawn: it gives nothing.
    let mut both = Vec::new();
    both.extend_from_slice(b"[");
    both.extend_from_slice(LODASH);
    both.extend_from_slice(b",");
    both.extend_from_slice(WITHDRAWN);
    both.extend_from_slice(b"]");
    let (s, v) = submit(&srv, &uni_tok, Some("application/osv+json"), both).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(
        v["reports"], 2,
        "lodash and lodash-es; the withdrawn record none"
    );

    // CSAF.
    let (s, v) = submit(&srv, &uni_tok, None, STACKABLE.to_vec()).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(v["format"], "CSAF");
    assert!(v["reports"].as_u64().unwrap() >= 1, "{v}");
    let (_, c) = srv
        .get(
            &format!("/api/v1/cases/{}", v["cases"][0].as_str().unwrap()),
            &uni_tok,
        )
        .await;
    assert_eq!(c["rule_id"], "CVE-2023-51767");

    // SARIF, then the first of its results in Bulwark's own JSON from
    // another reporter: the same case.
    let (s, sarif) = submit(
        &srv,
        &uni_tok,
        Some("application/sarif+json"),
        FORTIFY.to_vec(),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{sarif}");
    let native = json!({
        "bulwark_findings": "1",
        "tool": {"name": "hunter", "version": "0.9", "ai_model": {"name": "model-x", "version": "2026-10"}},
        "findings": [{
            "rule_id": "Null Dereference",
            "message": "MiscTests() dereferences a null pointer",
            "path": "bannedAPIs.m",
            "line": 180,
            "partial_fingerprints": {"InstanceId": "30C5553B949CCCBFDA3AEF5D98E90CC4"},
            "properties": {"x-triage": "kept"}
        }]
    });
    let (s, v) = submit(
        &srv,
        &vendor_tok,
        Some("application/vnd.bulwark.findings+json"),
        serde_json::to_vec(&native).unwrap(),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(v["format"], "Bulwark findings");
    assert_eq!(v["new_cases"], 0, "{v}");
    assert_eq!(v["cases"][0], sarif["cases"][0]);
    let (_, c) = srv
        .get(
            &format!("/api/v1/cases/{}", v["cases"][0].as_str().unwrap()),
            &uni_tok,
        )
        .await;
    let models: Vec<&Value> = c["reports"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| &r["ai_model"])
        .collect();
    assert!(models.contains(&&json!("model-x")), "{c}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_documents_are_refused_and_write_nothing() {
    let (srv, _) = common::start_at(datetime!(2026-11-26 12:00 UTC), &[]).await;
    let (_, _, tok) = srv.member("Uni A", "researcher", "u1", &["analyst"]).await;
    let before = srv.audit_len().await;
    let cases = [
        (Some("text/plain"), GO_JOSE.to_vec(), StatusCode::UNSUPPORTED_MEDIA_TYPE, "not an intake format"),
        (Some("application/json"), b"{\"hello\": 1}".to_vec(), StatusCode::BAD_REQUEST, "not recognisably"),
        (Some("application/osv+json"), Vec::new(), StatusCode::UNPROCESSABLE_ENTITY, "empty"),
        (
            Some("application/osv+json"),
            br#"{"id": "X-1", "modified": "2024-01-01T00:00:00Z", "affected": [{"package": 7}]}"#.to_vec(),
            StatusCode::BAD_REQUEST,
            "affected[0].package",
        ),
        (
            Some("application/vnd.bulwark.findings+json"),
            br#"{"bulwark_findings": "1", "tool": {"name": "t"}, "findings": [{"message": "m", "colour": 1}]}"#.to_vec(),
            StatusCode::BAD_REQUEST,
            "findings[0]",
        ),
        (Some("application/csaf+json"), FORTIFY.to_vec(), StatusCode::BAD_REQUEST, "CSAF"),
        (
            Some("application/sarif+json"),
            FORTIFY[..FORTIFY.len() - 20].to_vec(),
            StatusCode::BAD_REQUEST,
            "SARIF",
        ),
    ];
    for (ctype, body, want, says) in cases {
        let (s, v) = submit(&srv, &tok, ctype, body).await;
        assert_eq!(s, want, "{ctype:?}: {v}");
        assert!(
            v["detail"].as_str().unwrap_or("").contains(says),
            "{ctype:?} should say {says:?}: {v}"
        );
        assert!(v["type"].as_str().unwrap().starts_with("/problems/"), "{v}");
    }
    assert_eq!(srv.audit_len().await, before, "nothing written");
    let (_, list) = srv.get("/api/v1/cases", &srv.root_token).await;
    assert_eq!(list["items"].as_array().unwrap().len(), 0);
}

/// A SARIF log of `n` results, each with its own partial fingerprint.
fn big_log(n: usize) -> Vec<u8> {
    let mut s = String::from(
        r#"{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"bulk","version":"1"}},"results":["#,
    );
    for i in 0..n {
        if i > 0 {
            s.push(',');
        }
        s.push_str(&format!(
            r#"{{"ruleId":"R{r}","message":{{"text":"finding {i} {pad}"}},"locations":[{{"physicalLocation":{{"artifactLocation":{{"uri":"src/f{f}.c"}},"region":{{"startLine":{l}}}}}}}],"partialFingerprints":{{"h":"{i:016x}"}}}}"#,
            r = i % 13,
            f = i % 97,
            l = 1 + i % 500,
            pad = "x".repeat(200),
        ));
    }
    s.push_str("]}]}");
    s.into_bytes()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_large_document_is_spooled_kept_in_pieces_and_read_back_whole() {
    let (srv, _) = common::start_at(datetime!(2026-11-26 12:00 UTC), &[]).await;
    let (_, _, uni_tok) = srv.member("Uni A", "researcher", "u1", &["analyst"]).await;
    let (_, _, other_tok) = srv.member("Lab C", "developer", "c1", &["admin"]).await;
    // Over 1 MiB pieces and over a batch of reports, under the test limit.
    let log = big_log(12_000);
    assert!(log.len() > 3 * 1024 * 1024 && (log.len() as u64) < common::INTAKE_LIMIT);
    let sha = hex::encode(Sha256::digest(&log));
    let (s, v) = submit(&srv, &uni_tok, Some("application/sarif+json"), log.clone()).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(v["reports"], 12_000);
    assert_eq!(v["new_cases"], 12_000);
    assert_eq!(v["document"], sha.as_str());
    assert_eq!(
        v["cases"].as_array().unwrap().len(),
        10_000,
        "a receipt stays small"
    );
    assert_eq!(v["cases_complete"], false);

    // The sender reads it back byte for byte; others learn nothing.
    let resp = srv
        .http
        .get(format!("{}/api/v1/documents/{sha}", srv.base))
        .bearer_auth(&uni_tok)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(
        resp.headers()["content-type"].to_str().unwrap(),
        "application/sarif+json"
    );
    let back = resp.bytes().await.unwrap();
    assert_eq!(back.len(), log.len());
    assert_eq!(hex::encode(Sha256::digest(&back)), sha);
    let (s, _) = srv
        .get(&format!("/api/v1/documents/{sha}"), &other_tok)
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = srv.get("/api/v1/documents/not-a-digest", &uni_tok).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (_, audit) = srv.get("/api/v1/audit?limit=500", &srv.root_token).await;
    assert!(
        audit["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["action"] == "document.read"),
        "reads are audited"
    );

    // Over the limit: 413, nothing kept.
    let before = srv.audit_len().await;
    let too_big = big_log((common::INTAKE_LIMIT as usize / 250) + 1000);
    assert!(too_big.len() as u64 > common::INTAKE_LIMIT);
    let (s, v) = submit(&srv, &uni_tok, Some("application/sarif+json"), too_big).await;
    assert_eq!(s, StatusCode::PAYLOAD_TOO_LARGE, "{v}");
    assert_eq!(srv.audit_len().await, before);
}
