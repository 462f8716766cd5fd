//! Subscribed CSAF providers over HTTP: the status codes and RFC 9457
//! problems of `/api/v1/csaf/sources` (a 422 naming the field, 403 for
//! anyone but the operator's writers, 404, 409 for a URL subscribed twice),
//! a change and a removal. Runs against a provider are the CLI's test
//! (`crates/cli/tests/it/csaf.rs`) and the app's.

use crate::common;

use reqwest::{Method, StatusCode};
use serde_json::json;

const URL: &str = "https://advisories.example/.well-known/csaf/provider-metadata.json";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sources_over_the_api() {
    let srv = common::start(bulwark_store::testing::sqlite().await.expect("store")).await;
    let (_, _, vendor) = srv.member("Vendor", "vendor", "ven", &["admin"]).await;
    let (_, _, op) = srv
        .member("Program Office", "operator", "analyst", &["analyst"])
        .await;
    let path = "/api/v1/csaf/sources";

    let (s, ct, p) = srv
        .call(Method::POST, path, Some(&vendor), Some(json!({"url": URL})))
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    assert!(ct.starts_with("application/problem+json"), "{ct}");
    assert_eq!(p["action"], "csaf_source.manage");
    assert_eq!(srv.get(path, &vendor).await.0, StatusCode::FORBIDDEN);

    let (s, _, p) = srv
        .call(
            Method::POST,
            path,
            Some(&op),
            Some(json!({"url": "http://advisories.example/feed.json"})),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{p}");
    assert_eq!(p["field"], "url");
    let (s, _, p) = srv
        .call(
            Method::POST,
            path,
            Some(&op),
            Some(json!({"url": URL, "interval": 60})),
        )
        .await;
    assert_eq!(
        (s, p["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("interval"))
    );
    let (s, _, p) = srv
        .call(
            Method::POST,
            path,
            Some(&op),
            Some(json!({"url": URL, "bogus": 1})),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{p}");

    let (s, created) = srv.post(path, &op, json!({"url": URL})).await;
    assert_eq!(s, StatusCode::CREATED, "{created}");
    assert_eq!(created["interval"], 21600);
    assert_eq!(created["enabled"], true);
    let id = created["id"].as_str().expect("id").to_owned();
    let (s, _) = srv.post(path, &op, json!({"url": URL})).await;
    assert_eq!(s, StatusCode::CONFLICT);

    let (s, list) = srv.get(path, &op).await;
    assert_eq!(
        (s, list["items"].as_array().map(Vec::len)),
        (StatusCode::OK, Some(1))
    );
    let (s, one) = srv.get(&format!("{path}/{id}"), &op).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        (one["url"].as_str(), one["documents"].as_u64()),
        (Some(URL), Some(0))
    );

    let (s, _, changed) = srv
        .call(
            Method::PATCH,
            &format!("{path}/{id}"),
            Some(&op),
            Some(json!({"enabled": false, "interval": 3600})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{changed}");
    assert_eq!(
        (changed["enabled"].as_bool(), changed["interval"].as_i64()),
        (Some(false), Some(3600))
    );

    let (s, _, _) = srv
        .call(Method::DELETE, &format!("{path}/{id}"), Some(&vendor), None)
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _, _) = srv
        .call(Method::DELETE, &format!("{path}/{id}"), Some(&op), None)
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (s, _) = srv.get(&format!("{path}/{id}"), &op).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = srv.post(&format!("{path}/{id}/run"), &op, json!({})).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}
