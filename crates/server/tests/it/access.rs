//! Programs and access requests over HTTP: who may write a program, bad
//! requests answered with a problem naming the field and nothing kept, an
//! agency's requests hidden from everyone else (404). The whole flow, with
//! a covered frontier model and its developer, is
//! `crates/app/tests/access.rs`.

use crate::common;

use reqwest::{Method, StatusCode};
use serde_json::json;
use uuid::Uuid;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn programs_and_requests_over_http() {
    let srv = common::start(bulwark_store::testing::sqlite().await.expect("store")).await;
    let (cisa_org, _, cisa) = srv.member("CISA", "agency", "cisa", &["analyst"]).await;
    let (s, _, v) = srv
        .call(
            Method::PUT,
            &format!("/api/v1/organizations/{cisa_org}/directive-profile"),
            Some(&srv.root_token),
            Some(json!({"agency_track": "civilian", "issues_directives": true})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (_, _, energy) = srv.member("Energy", "agency", "doe", &["analyst"]).await;

    let program = |tools: Vec<Uuid>| {
        json!({"name": "AI-assisted code scanning for high-value assets",
               "eligibility": {"kind": "federal_civilian"},
               "tools": tools, "max_days": 90})
    };
    let (s, v) = srv.post("/api/v1/programs", &energy, program(vec![])).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{v}");
    let (s, v) = srv
        .post("/api/v1/programs", &cisa, program(vec![Uuid::now_v7()]))
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(v["field"], "tools[0]", "{v}");
    let (s, p) = srv.post("/api/v1/programs", &cisa, program(vec![])).await;
    assert_eq!(s, StatusCode::CREATED, "{p}");
    let (s, list) = srv.get("/api/v1/programs", &energy).await;
    assert_eq!(s, StatusCode::OK, "{list}");
    assert_eq!(list["items"].as_array().map(Vec::len), Some(1), "{list}");

    // A tool outside the program: refused naming it, nothing kept.
    let ask = json!({"program": p["id"], "tool": Uuid::now_v7(), "use_case_id": "DOE-0042",
                     "systems": [Uuid::now_v7()], "data": {"tlp": "GREEN"},
                     "starts_at": "2030-01-01T00:00:00Z", "ends_at": "2030-02-01T00:00:00Z"});
    let (s, v) = srv
        .post("/api/v1/access-requests", &energy, ask.clone())
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(v["field"], "tool", "{v}");
    let mut unknown = ask;
    unknown["priority"] = json!("high");
    let (s, v) = srv.post("/api/v1/access-requests", &energy, unknown).await;
    assert!(s.is_client_error(), "{s} {v}");
    let (s, list) = srv.get("/api/v1/access-requests", &cisa).await;
    assert_eq!(
        (s, list),
        (StatusCode::OK, json!({"items": [], "next_cursor": null}))
    );
    let (s, _) = srv
        .get(
            &format!("/api/v1/access-requests/{}", Uuid::now_v7()),
            &energy,
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, v) = srv
        .get("/api/v1/access-requests?status=pending", &energy)
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
}
