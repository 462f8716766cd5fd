//! Deconflicted scanning over HTTP: claims, refusals naming the holder,
//! overlap on purpose, release with an outcome, and coverage, with separate
//! tokens for each participant and an injected clock.

use crate::common;

use reqwest::StatusCode;
use serde_json::{Value, json};
use time::Duration;
use time::macros::datetime;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn claims_deconflict_scanning_across_organizations() {
    let t0 = datetime!(2026-11-26 12:00 UTC);
    let (srv, clock) = common::start_at(t0, &[]).await;
    let (vendor, _, vendor_tok) = srv.member("Vendor Co", "vendor", "v1", &["analyst"]).await;
    let (_, _, vendor_viewer) = srv.member("Vendor Co", "vendor", "v2", &["viewer"]).await;
    let (lab, _, lab_tok) = srv.member("Lab A", "developer", "lab1", &["analyst"]).await;
    let (_, _, researcher) = srv
        .member("Uni Lab", "researcher", "r1", &["analyst"])
        .await;

    let claim = |target: &str, technique: &str| json!({"target": target, "technique": technique, "tool": "AFL++ 4.21c"});
    // Bad input: an unknown technique, a malformed target, an AI agent without its model.
    for bad in [
        claim("pkg:npm/lodash@4.17.21", "guessing"),
        claim("npm/lodash", "fuzzing"),
        json!({"target": "pkg:npm/lodash@4.17.21", "technique": "ai_agent"}),
        json!({"target": "pkg:npm/lodash@4.17.21", "technique": "fuzzing", "lease_days": 90}),
    ] {
        let (s, v) = srv.post("/api/v1/claims", &vendor_tok, bad).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    }
    let (s, _) = srv
        .post(
            "/api/v1/claims",
            &vendor_viewer,
            claim("pkg:npm/lodash@4.17.21", "fuzzing"),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "a viewer does not claim");

    let (s, first) = srv
        .post(
            "/api/v1/claims",
            &vendor_tok,
            claim("pkg:npm/lodash@4.17.21", "fuzzing"),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{first}");
    assert_eq!(first["claim"]["exclusive"], true);
    assert_eq!(first["claim"]["expires_at"], "2026-12-03T12:00:00Z");
    let first_id = first["claim"]["id"].as_str().unwrap().to_owned();

    // The same target, spelt with a qualifier: refused, naming the holder.
    let (s, v) = srv
        .post(
            "/api/v1/claims",
            &lab_tok,
            claim("PKG:npm/lodash@4.17.21?arch=x64", "fuzzing"),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "{v}");
    assert_eq!(v["type"], "/problems/conflict");
    assert_eq!(v["holder"]["id"], first_id.as_str());
    assert_eq!(v["holder"]["org"], vendor.as_str());
    assert_eq!(v["holder"]["expires_at"], "2026-12-03T12:00:00Z");
    assert!(v["detail"].as_str().unwrap().contains("Vendor Co"), "{v}");

    // Overlap on purpose, with another technique: both stand, both see each other.
    let (s, v) = srv
        .post(
            "/api/v1/claims",
            &lab_tok,
            json!({"target": "pkg:npm/lodash@4.17.21", "technique": "ai_agent",
                   "model_name": "hunter", "model_version": "2026-10", "overlap": true}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(v["claim"]["exclusive"], false);
    assert_eq!(v["alongside"][0]["id"], first_id.as_str());
    let lab_claim = v["claim"]["id"].as_str().unwrap().to_owned();

    // Only the claimant's writers (or the operator's admins) renew or release.
    let (s, _) = srv
        .post(
            &format!("/api/v1/claims/{first_id}/release"),
            &lab_tok,
            json!({"outcome": "abandoned"}),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, v) = srv
        .post(
            &format!("/api/v1/claims/{first_id}/renew"),
            &vendor_tok,
            json!({"lease_days": 14}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["expires_at"], "2026-12-10T12:00:00Z");
    clock.set(t0 + Duration::days(3));
    let (s, v) = srv
        .post(
            &format!("/api/v1/claims/{first_id}/release"),
            &vendor_tok,
            json!({"outcome": "findings", "findings": 2, "note": "two heap overflows"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["active"], false);
    let (s, v) = srv
        .post(
            &format!("/api/v1/claims/{lab_claim}/release"),
            &lab_tok,
            json!({"outcome": "nothing_found", "note": "400 agent-hours"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");

    // Coverage: everyone sees who scanned what and when; only the claimant
    // sees what came of its own claim.
    let coverage = |token: String| {
        let srv = &srv;
        async move {
            let (s, v) = srv
                .get("/api/v1/coverage?target=pkg:npm/lodash@4.17.21", &token)
                .await;
            assert_eq!(s, StatusCode::OK, "{v}");
            v
        }
    };
    let outcomes = |v: &Value| -> Vec<(String, Value)> {
        v["claims"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| {
                (
                    c["org_name"].as_str().unwrap().to_owned(),
                    c["outcome"].clone(),
                )
            })
            .collect()
    };
    let v = coverage(researcher.clone()).await;
    assert_eq!(v["held"], false);
    assert_eq!(
        outcomes(&v),
        [
            ("Lab A".to_owned(), Value::Null),
            ("Vendor Co".to_owned(), Value::Null)
        ]
    );
    let v = coverage(vendor_tok.clone()).await;
    assert_eq!(
        outcomes(&v),
        [
            ("Lab A".to_owned(), Value::Null),
            ("Vendor Co".to_owned(), json!("findings"))
        ]
    );
    assert_eq!(v["claims"][1]["findings"], 2);
    let v = coverage(srv.root_token.clone()).await;
    assert_eq!(
        outcomes(&v),
        [
            ("Lab A".to_owned(), json!("nothing_found")),
            ("Vendor Co".to_owned(), json!("findings"))
        ],
        "the operator sees every outcome"
    );
    let (s, v) = srv
        .get(
            "/api/v1/coverage?target=pkg:npm/never-claimed@1.0.0",
            &researcher,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["claims"].as_array().unwrap().len(), 0);

    // Released: the next claimant takes the target at once.
    let (s, v) = srv
        .post(
            "/api/v1/claims",
            &researcher,
            claim("pkg:npm/lodash@4.17.21", "static_analysis"),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(v["claim"]["exclusive"], true);
    assert_eq!(v["alongside"].as_array().unwrap().len(), 0);
    let _ = lab;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_claims_over_http_give_one_holder() {
    let (srv, _) = common::start_at(datetime!(2026-11-26 12:00 UTC), &[]).await;
    let mut tokens = Vec::new();
    for i in 0..8 {
        let (_, _, t) = srv
            .member(
                &format!("Scanner {i}"),
                "researcher",
                &format!("s{i}"),
                &["analyst"],
            )
            .await;
        tokens.push(t);
    }
    let tasks: Vec<_> = tokens
        .into_iter()
        .map(|t| {
            let http = srv.http.clone();
            let url = format!("{}/api/v1/claims", srv.base);
            tokio::spawn(async move {
                http.post(url)
                    .bearer_auth(t)
                    .json(&json!({"target": "https://example.org/openssl@0123abcd", "technique": "fuzzing"}))
                    .send()
                    .await
                    .expect("send")
                    .status()
            })
        })
        .collect();
    let mut created = 0;
    let mut conflicts = 0;
    for h in tasks {
        match h.await.expect("join") {
            StatusCode::CREATED => created += 1,
            StatusCode::CONFLICT => conflicts += 1,
            other => panic!("unexpected {other}"),
        }
    }
    assert_eq!((created, conflicts), (1, 7));
}
