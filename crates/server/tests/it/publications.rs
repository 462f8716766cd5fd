//! Advisories from cases over the API (issue 18, item 2): drafted from a
//! validated case, an invalid edit refused with the JSON paths as a 422
//! problem, published under embargo to the case's parties only (404 to an
//! outsider, in the advisory, its CSAF and the queue), made public by the
//! scheduler's pass when the embargo ends, and served byte for byte.

use crate::common;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use time::Duration;
use time::macros::datetime;

/// The first 3 of 114 results of `microsoft-sarif-sdk/.../Fortify/bannedAPIs_m0.xml.sarif`.
const FORTIFY: &[u8] = include_bytes!("../../../intake/tests/fixtures/fortify-excerpt.sarif");

async fn put(srv: &common::Srv, path: &str, token: &str, body: Value) -> (StatusCode, Value) {
    let (s, _, v) = srv.call(Method::PUT, path, Some(token), Some(body)).await;
    (s, v)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_advisory_is_drafted_published_under_embargo_and_then_public() {
    let t0 = datetime!(2026-11-26 12:00 UTC);
    let (srv, clock) = common::start_at(t0, &[]).await;
    let root = srv.root_token.clone();
    let (_, _, reporter) = srv.member("Uni A", "researcher", "ua", &["analyst"]).await;
    let (repro_org, _, repro) = srv.member("Lab R", "researcher", "lr", &["analyst"]).await;
    let (_, _, outsider) = srv.member("Vendor W", "vendor", "vw", &["admin"]).await;

    let resp = srv
        .http
        .post(format!(
            "{}/api/v1/reports?target=pkg:npm/left-pad@1.3.0",
            srv.base
        ))
        .bearer_auth(&reporter)
        .header("content-type", "application/sarif+json")
        .body(FORTIFY.to_vec())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::CREATED);
    let receipt: Value = resp.json().await.unwrap();
    let case = receipt["cases"][0].as_str().unwrap().to_owned();
    let draft_path = format!("/api/v1/cases/{case}/advisory");

    let (s, p) = srv.post(&draft_path, &root, json!({})).await;
    assert_eq!(s, StatusCode::CONFLICT, "not validated: {p}");
    for to in ["triaged", "validating"] {
        let (s, v) = srv
            .post(
                &format!("/api/v1/cases/{case}/transition"),
                &root,
                json!({"to": to}),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
    }
    let (s, v) = put(
        &srv,
        &format!("/api/v1/cases/{case}/quorum"),
        &root,
        json!({"reproductions": 1, "vendor_confirms": false}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (s, v) = srv
        .post(
            &format!("/api/v1/cases/{case}/tasks"),
            &root,
            json!({"kind": "reproduction", "org": repro_org}),
        )
        .await;
    assert!(s.is_success(), "{s} {v}");
    let (s, v) = srv
        .post(
            &format!("/api/v1/cases/{case}/validations"),
            &repro,
            json!({"kind": "reproduction", "result": "reproduced"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(v["state"], "validated");

    let (s, p) = srv.post(&draft_path, &reporter, json!({})).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{p}");
    let (s, d) = srv.post(&draft_path, &root, json!({})).await;
    assert_eq!(s, StatusCode::CREATED, "{d}");
    assert_eq!(d["tracking_id"], "BWK-2026-0001");
    assert_eq!(d["content"]["products"][0]["purl"], "pkg:npm/left-pad");
    let id = d["id"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/publications/{id}");

    // An invalid edit: 422, the paths named, nothing written.
    let mut bad = d["content"].clone();
    bad["title"] = json!("");
    let (s, ct, p) = srv
        .call(
            Method::PUT,
            &path,
            Some(&root),
            Some(json!({"content": bad})),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{p}");
    assert_eq!(ct, "application/problem+json");
    assert!(
        p["problems"]
            .as_array()
            .unwrap()
            .iter()
            .any(|x| x["path"] == "/document/title"),
        "{p}"
    );
    let (_, now) = srv.get(&path, &root).await;
    assert_eq!(now["content"], d["content"]);

    let (s, preview) = srv.get(&format!("{path}/preview"), &root).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(preview["problems"], json!([]), "{preview}");
    assert_eq!(
        preview["csaf"]["document"]["tracking"]["id"],
        "BWK-2026-0001"
    );

    let (s, v) = srv
        .post(&format!("{path}/transition"), &root, json!({"to": "final"}))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let until = t0 + Duration::days(3);
    let (s, v) = put(
        &srv,
        &format!("/api/v1/cases/{case}/marking"),
        &root,
        json!({"tlp": "AMBER+STRICT", "embargo_until": bulwark_core::rfc3339(until)}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (s, v) = srv
        .post(
            &format!("{path}/publish"),
            &root,
            json!({"tlp": "CLEAR", "summary": "Initial release"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["stage"], "embargoed");

    // Parties read it; the outsider does not know it exists.
    let (s, _) = srv.get(&format!("{path}/csaf"), &repro).await;
    assert_eq!(s, StatusCode::OK);
    for p in [
        path.clone(),
        format!("{path}/csaf"),
        format!("{path}/osv"),
        format!("{path}/revisions"),
    ] {
        let (s, _) = srv.get(&p, &outsider).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{p}");
    }
    let (_, q) = srv.get("/api/v1/publications", &outsider).await;
    assert_eq!(q["items"], json!([]));

    clock.set(until + Duration::minutes(1));
    let done = bulwark_app::publications::release_due(&srv.state, "test")
        .await
        .unwrap();
    assert_eq!(done, vec!["BWK-2026-0001".to_owned()]);
    let resp = srv
        .http
        .get(format!("{}{path}/csaf", srv.base))
        .bearer_auth(&outsider)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(resp.headers()["content-type"], "application/json");
    let bytes = resp.bytes().await.unwrap();
    let stored = srv.store.published_advisories().await.unwrap();
    assert_eq!(
        bytes.as_ref(),
        stored[0].csaf.as_bytes(),
        "served as published"
    );
    let (_, q) = srv
        .get("/api/v1/publications?stage=published", &outsider)
        .await;
    assert_eq!(q["items"][0]["tracking_id"], "BWK-2026-0001");
    assert_eq!(q["counts"]["published"], 1);
    let (s, p) = srv.get("/api/v1/publications?stage=nonsense", &root).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{p}");
}
