//! The HTTP API over real HTTP, on SQLite and on PostgreSQL.

use crate::common::{Srv, start};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

async fn sqlite() -> Srv {
    start(bulwark_store::testing::sqlite().await.expect("SQLite")).await
}

async fn postgres() -> Srv {
    start(
        bulwark_store::testing::postgres()
            .await
            .expect("PostgreSQL"),
    )
    .await
}

macro_rules! both_backends {
    ($($name:ident),* $(,)?) => {
        mod on_sqlite {
            $( #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
               async fn $name() { super::$name(super::sqlite().await).await } )*
        }
        mod on_postgres {
            $( #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
               #[ignore = "needs PostgreSQL: set BULWARK_TEST_DATABASE_URL (.ci/run does)"]
               async fn $name() { super::$name(super::postgres().await).await } )*
        }
    };
}

both_backends!(
    unauthenticated_requests_are_refused,
    bootstrap_token_works_and_revocation_is_immediate,
    bad_input_is_a_4xx_problem_and_changes_nothing,
    policy_governs_every_endpoint,
    lists_are_paginated_with_cursors,
    request_id_reaches_the_audit_log,
    audit_endpoints,
    health_readiness_and_metrics,
);

fn assert_problem(status: StatusCode, ctype: &str, body: &Value, want: StatusCode, slug: &str) {
    assert_eq!(status, want, "{body}");
    assert_eq!(ctype, "application/problem+json", "{body}");
    assert_eq!(body["type"], format!("/problems/{slug}"), "{body}");
    assert_eq!(body["status"], want.as_u16(), "{body}");
    assert!(
        body["detail"].as_str().is_some_and(|d| !d.is_empty()),
        "{body}"
    );
}

async fn unauthenticated_requests_are_refused(srv: Srv) {
    for path in [
        "/api/v1/me",
        "/api/v1/organizations",
        "/api/v1/audit",
        &format!("/api/v1/users/{}", srv.root_user),
    ] {
        let (s, ct, body) = srv.call(Method::GET, path, None, None).await;
        assert_problem(s, &ct, &body, StatusCode::UNAUTHORIZED, "unauthorized");
    }
    // Malformed, unknown and wrongly-prefixed tokens are all refused the same way.
    let fake = format!("bwk_{}", "A".repeat(43));
    for t in [
        "nonsense",
        fake.as_str(),
        &srv.root_token.replace("bwk_", "bws_"),
    ] {
        let (s, ct, body) = srv.call(Method::GET, "/api/v1/me", Some(t), None).await;
        assert_problem(s, &ct, &body, StatusCode::UNAUTHORIZED, "unauthorized");
    }
    let resp = srv
        .http
        .get(format!("{}/api/v1/me", srv.base))
        .send()
        .await
        .unwrap();
    assert_eq!(
        resp.headers()["www-authenticate"],
        "Bearer realm=\"bulwark\""
    );
}

async fn bootstrap_token_works_and_revocation_is_immediate(srv: Srv) {
    let (s, me) = srv.get("/api/v1/me", &srv.root_token).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        (me["username"].as_str(), me["org_kind"].as_str()),
        (Some("root"), Some("operator"))
    );

    let (_, user_id, token) = srv
        .member("Lab One", "developer", "dev1", &["analyst"])
        .await;
    assert_eq!(srv.get("/api/v1/me", &token).await.0, StatusCode::OK);
    let (_, tokens) = srv
        .get(&format!("/api/v1/users/{user_id}/tokens"), &token)
        .await;
    let items = tokens["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert!(
        items[0].get("token").is_none(),
        "a listed token never shows its secret"
    );
    assert!(
        !items[0].to_string().contains(&token[4..]),
        "nor any part of it"
    );
    let id = items[0]["id"].as_str().unwrap();

    // The holder revokes its own token; the very next request with it fails.
    let (s, _, revoked) = srv
        .call(
            Method::DELETE,
            &format!("/api/v1/tokens/{id}"),
            Some(&token),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{revoked}");
    assert!(revoked["revoked_at"].is_string());
    let (s, ct, body) = srv
        .call(Method::GET, "/api/v1/me", Some(&token), None)
        .await;
    assert_problem(s, &ct, &body, StatusCode::UNAUTHORIZED, "unauthorized");
    // Revoking again is a conflict, by whoever may.
    let (s, ct, body) = srv
        .call(
            Method::DELETE,
            &format!("/api/v1/tokens/{id}"),
            Some(&srv.root_token),
            None,
        )
        .await;
    assert_problem(s, &ct, &body, StatusCode::CONFLICT, "conflict");

    // An expired token is refused; an expiry in the past is refused at issue.
    let (s, ct, body) = srv
        .call(
            Method::POST,
            &format!("/api/v1/users/{user_id}/tokens"),
            Some(&srv.root_token),
            Some(json!({"name": "old", "expires_at": "2020-01-01T00:00:00Z"})),
        )
        .await;
    assert_problem(
        s,
        &ct,
        &body,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation",
    );
    // Disabling the user stops its other tokens at once.
    let (s, t2) = srv
        .post(
            &format!("/api/v1/users/{user_id}/tokens"),
            &srv.root_token,
            json!({"name": "second"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let t2 = t2["token"].as_str().unwrap().to_owned();
    assert_eq!(srv.get("/api/v1/me", &t2).await.0, StatusCode::OK);
    let (s, _, _) = srv
        .call(
            Method::PATCH,
            &format!("/api/v1/users/{user_id}"),
            Some(&srv.root_token),
            Some(json!({"disabled": true})),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(srv.get("/api/v1/me", &t2).await.0, StatusCode::UNAUTHORIZED);
}

async fn bad_input_is_a_4xx_problem_and_changes_nothing(srv: Srv) {
    let before = srv.audit_len().await;
    let url = format!("{}/api/v1/organizations", srv.base);
    let send = |body: Vec<u8>, ctype: &'static str| {
        srv.http
            .post(&url)
            .bearer_auth(&srv.root_token)
            .header("content-type", ctype)
            .body(body)
            .send()
    };
    let cases: Vec<(Vec<u8>, &str, StatusCode, &str, &str)> = vec![
        (
            b"{not json".to_vec(),
            "application/json",
            StatusCode::BAD_REQUEST,
            "malformed-request",
            "line 1",
        ),
        (
            br#"{"name": "X", "kind": "vendor", "colour": "red"}"#.to_vec(),
            "application/json",
            StatusCode::BAD_REQUEST,
            "malformed-request",
            "colour",
        ),
        (
            br#"{"name": 5, "kind": "vendor"}"#.to_vec(),
            "application/json",
            StatusCode::BAD_REQUEST,
            "malformed-request",
            "name",
        ),
        (
            br#"{"name": "X", "kind": "lab"}"#.to_vec(),
            "application/json",
            StatusCode::BAD_REQUEST,
            "malformed-request",
            "kind",
        ),
        (
            br#"{"name": "X", "kind": "partner", "sector": "space"}"#.to_vec(),
            "application/json",
            StatusCode::BAD_REQUEST,
            "malformed-request",
            "sector",
        ),
        (
            br#"{"name": "X", "kind": "vendor"}"#.to_vec(),
            "text/plain",
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported-media-type",
            "application/json",
        ),
        (
            br#"{"name": "   ", "kind": "vendor"}"#.to_vec(),
            "application/json",
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation",
            "empty",
        ),
        (
            br#"{"name": "Grid", "kind": "partner"}"#.to_vec(),
            "application/json",
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation",
            "sector",
        ),
        (
            format!(
                r#"{{"name": "{}", "kind": "vendor"}}"#,
                "x".repeat(100 * 1024)
            )
            .into_bytes(),
            "application/json",
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload-too-large",
            "",
        ),
        (
            br#"[]"#.to_vec(),
            "application/json",
            StatusCode::BAD_REQUEST,
            "malformed-request",
            "",
        ),
        (
            // serde alone reads a struct's fields from an array, in order.
            br#"["Array Co", "vendor"]"#.to_vec(),
            "application/json",
            StatusCode::BAD_REQUEST,
            "malformed-request",
            "expected a JSON object",
        ),
        (
            br#"{"name": "Program Office", "kind": "vendor"}"#.to_vec(),
            "application/json",
            StatusCode::CONFLICT,
            "conflict",
            // The domain's words, never the database's.
            r#"an organization named "Program Office" exists"#,
        ),
    ];
    for (body, ctype, want, slug, mention) in cases {
        let resp = send(body, ctype).await.expect("send");
        let status = resp.status();
        let ct = resp
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned();
        let v: Value = resp.json().await.expect("problem JSON");
        assert_problem(status, &ct, &v, want, slug);
        assert!(
            v["detail"].as_str().unwrap().contains(mention),
            "{mention:?} in {v}"
        );
    }
    for (method, path, want, slug) in [
        (
            Method::GET,
            "/api/v1/organizations/not-a-uuid".to_owned(),
            StatusCode::BAD_REQUEST,
            "malformed-request",
        ),
        (
            Method::GET,
            "/api/v1/organizations?limit=0".to_owned(),
            StatusCode::BAD_REQUEST,
            "malformed-request",
        ),
        (
            Method::GET,
            "/api/v1/organizations?cursor=%%%".to_owned(),
            StatusCode::BAD_REQUEST,
            "malformed-request",
        ),
        (
            Method::GET,
            "/api/v1/organizations?cursor=AAAA".to_owned(),
            StatusCode::BAD_REQUEST,
            "malformed-request",
        ),
        (
            Method::GET,
            "/api/v1/organizations?colour=red".to_owned(),
            StatusCode::BAD_REQUEST,
            "malformed-request",
        ),
        (
            Method::GET,
            "/api/v1/audit?after=abc".to_owned(),
            StatusCode::BAD_REQUEST,
            "malformed-request",
        ),
        (
            Method::GET,
            "/api/v1/nowhere".to_owned(),
            StatusCode::NOT_FOUND,
            "not-found",
        ),
        (
            Method::GET,
            format!("/api/v1/users/{}", uuid::Uuid::now_v7()),
            StatusCode::NOT_FOUND,
            "not-found",
        ),
        (
            Method::PUT,
            "/api/v1/organizations".to_owned(),
            StatusCode::METHOD_NOT_ALLOWED,
            "method-not-allowed",
        ),
        (
            Method::DELETE,
            format!("/api/v1/tokens/{}", uuid::Uuid::now_v7()),
            StatusCode::NOT_FOUND,
            "not-found",
        ),
    ] {
        let (s, ct, body) = srv.call(method, &path, Some(&srv.root_token), None).await;
        assert_problem(s, &ct, &body, want, slug);
    }
    // A short password is refused and nothing is written.
    let (s, ct, body) = srv
        .call(
            Method::PUT,
            &format!("/api/v1/users/{}/password", srv.root_user),
            Some(&srv.root_token),
            Some(json!({"password": "short"})),
        )
        .await;
    assert_problem(
        s,
        &ct,
        &body,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation",
    );
    assert_eq!(
        srv.audit_len().await,
        before,
        "failed requests wrote to the audit log"
    );
    let (_, orgs) = srv.get("/api/v1/organizations", &srv.root_token).await;
    assert_eq!(
        orgs["items"].as_array().unwrap().len(),
        1,
        "failed requests created organizations: {orgs}"
    );
}

async fn policy_governs_every_endpoint(srv: Srv) {
    let (lab, dev_user, dev) = srv
        .member("Lab One", "developer", "dev1", &["analyst"])
        .await;
    let (_, _, lab_admin) = srv
        .member("Lab One", "developer", "labadmin", &["admin"])
        .await;
    let (grid, grid_user, partner) = srv.member("Grid Co", "partner", "ops1", &["viewer"]).await;

    // Only operator administrators admit organizations.
    let (s, ct, b) = srv
        .call(
            Method::POST,
            "/api/v1/organizations",
            Some(&dev),
            Some(json!({"name": "Mine", "kind": "developer"})),
        )
        .await;
    assert_problem(s, &ct, &b, StatusCode::FORBIDDEN, "forbidden");
    // Everyone sees the directory.
    let (s, dir) = srv.get("/api/v1/organizations", &partner).await;
    assert_eq!(
        (s, dir["items"].as_array().unwrap().len()),
        (StatusCode::OK, 3)
    );
    // Members list their own org's users, not another's.
    assert_eq!(
        srv.get(&format!("/api/v1/organizations/{lab}/users"), &dev)
            .await
            .0,
        StatusCode::OK
    );
    let (s, ct, b) = srv
        .call(
            Method::GET,
            &format!("/api/v1/organizations/{grid}/users"),
            Some(&dev),
            None,
        )
        .await;
    assert_problem(s, &ct, &b, StatusCode::FORBIDDEN, "forbidden");
    // Another org's user is not even disclosed.
    let (s, ct, b) = srv
        .call(
            Method::GET,
            &format!("/api/v1/users/{grid_user}"),
            Some(&dev),
            None,
        )
        .await;
    assert_problem(s, &ct, &b, StatusCode::NOT_FOUND, "not-found");
    let (s, _, _) = srv
        .call(
            Method::GET,
            &format!("/api/v1/users/{grid_user}/tokens"),
            Some(&dev),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    // An org admin creates users in its own org only; an analyst cannot.
    let (s, _) = srv
        .post(
            &format!("/api/v1/organizations/{lab}/users"),
            &lab_admin,
            json!({"username": "dev2", "display_name": "Dev Two", "roles": ["viewer"]}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let (s, _) = srv
        .post(
            &format!("/api/v1/organizations/{grid}/users"),
            &lab_admin,
            json!({"username": "spy", "display_name": "Spy"}),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _) = srv
        .post(
            &format!("/api/v1/organizations/{lab}/users"),
            &dev,
            json!({"username": "dev3", "display_name": "Dev Three"}),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    // An analyst cannot raise its own roles.
    let (s, _, _) = srv
        .call(
            Method::PATCH,
            &format!("/api/v1/users/{dev_user}"),
            Some(&dev),
            Some(json!({"roles": ["admin"]})),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    // Issuing a token for someone else in another org is refused (not disclosed).
    let (s, _) = srv
        .post(
            &format!("/api/v1/users/{grid_user}/tokens"),
            &lab_admin,
            json!({"name": "x"}),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    // Users set their own password.
    let (s, _, b) = srv
        .call(
            Method::PUT,
            &format!("/api/v1/users/{dev_user}/password"),
            Some(&dev),
            Some(json!({"password": "correct horse battery staple"})),
        )
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT, "{b}");
    // The audit log is for the operator's administrators and auditors.
    for t in [&dev, &lab_admin, &partner] {
        assert_eq!(srv.get("/api/v1/audit", t).await.0, StatusCode::FORBIDDEN);
        assert_eq!(
            srv.get("/api/v1/audit/verify", t).await.0,
            StatusCode::FORBIDDEN
        );
    }
    let (_, _, auditor) = srv
        .member("Program Office", "operator", "aud1", &["auditor"])
        .await;
    assert_eq!(srv.get("/api/v1/audit", &auditor).await.0, StatusCode::OK);
    let (s, ct, b) = srv
        .call(
            Method::POST,
            "/api/v1/organizations",
            Some(&auditor),
            Some(json!({"name": "Nope", "kind": "vendor"})),
        )
        .await;
    assert_problem(s, &ct, &b, StatusCode::FORBIDDEN, "forbidden");
}

async fn lists_are_paginated_with_cursors(srv: Srv) {
    for i in 0..7 {
        let (s, _) = srv
            .post(
                "/api/v1/organizations",
                &srv.root_token,
                json!({"name": format!("Vendor {i}"), "kind": "vendor"}),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED);
    }
    let mut names = Vec::new();
    let mut path = "/api/v1/organizations?limit=3".to_owned();
    let mut pages = 0;
    loop {
        let (s, page) = srv.get(&path, &srv.root_token).await;
        assert_eq!(s, StatusCode::OK);
        pages += 1;
        names.extend(
            page["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|o| o["name"].as_str().unwrap().to_owned()),
        );
        match page["next_cursor"].as_str() {
            Some(c) => path = format!("/api/v1/organizations?limit=3&cursor={c}"),
            None => break,
        }
    }
    assert_eq!(pages, 3);
    let mut expected = vec!["Program Office".to_owned()];
    expected.extend((0..7).map(|i| format!("Vendor {i}")));
    assert_eq!(names, expected);
}

async fn request_id_reaches_the_audit_log(srv: Srv) {
    let resp = srv
        .http
        .post(format!("{}/api/v1/organizations", srv.base))
        .bearer_auth(&srv.root_token)
        .header("x-request-id", "trace-me-42")
        .json(&json!({"name": "Treasury", "kind": "agency"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::CREATED);
    assert_eq!(resp.headers()["x-request-id"], "trace-me-42");
    let (_, page) = srv.get("/api/v1/audit?limit=1000", &srv.root_token).await;
    let last = page["items"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["action"], "organization.create");
    assert_eq!(last["request_id"], "trace-me-42");
    assert_eq!(last["actor_user"], srv.root_user.to_string());
    // A request without an id gets one generated.
    let resp = srv
        .http
        .get(format!("{}/healthz", srv.base))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.headers()["x-request-id"].len(), 36);
}

async fn audit_endpoints(srv: Srv) {
    srv.member("Lab", "developer", "dev", &["analyst"]).await;
    let (s, v) = srv.get("/api/v1/audit/verify", &srv.root_token).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["ok"], true);
    let n = v["entries"].as_i64().unwrap();
    assert_eq!(n, 3 + 3, "bootstrap (3) + organization, user, token");
    let (_, p1) = srv.get("/api/v1/audit?limit=4", &srv.root_token).await;
    assert_eq!(p1["items"].as_array().unwrap().len(), 4);
    assert_eq!(p1["next_after"], 4);
    let (_, p2) = srv
        .get("/api/v1/audit?limit=4&after=4", &srv.root_token)
        .await;
    let seqs: Vec<i64> = p2["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["seq"].as_i64().unwrap())
        .collect();
    assert_eq!(seqs, [5, 6]);
    assert!(p2["next_after"].is_null());
    // No audit entry carries a secret.
    let (_, all) = srv.get("/api/v1/audit?limit=1000", &srv.root_token).await;
    assert!(!all.to_string().contains("bwk_"));
}

async fn health_readiness_and_metrics(srv: Srv) {
    let r = srv
        .http
        .get(format!("{}/healthz", srv.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let r = srv
        .http
        .get(format!("{}/readyz", srv.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    srv.get("/api/v1/me", &srv.root_token).await;
    srv.get("/api/v1/organizations", &srv.root_token).await;
    srv.get("/api/v1/me", "bwk_bad").await;
    let text = srv
        .http
        .get(format!("{}/metrics", srv.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        text.contains(
            r#"bulwark_http_requests_total{method="GET",route="/api/v1/me",status="200"} 1"#
        ),
        "{text}"
    );
    assert!(
        text.contains(r#"bulwark_authz_decisions_total{decision="allow"} 1"#),
        "{text}"
    );
    assert!(text.contains("bulwark_auth_failures_total 1"), "{text}");
    assert!(text.trim_end().ends_with("# EOF"));
    // Problem types resolve to documentation.
    let r = srv
        .http
        .get(format!("{}/problems/forbidden", srv.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.text().await.unwrap().contains("policy"));
    // Closing the store makes the server not ready, but still alive.
    srv.store.close().await;
    let r = srv
        .http
        .get(format!("{}/readyz", srv.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(
        srv.http
            .get(format!("{}/healthz", srv.base))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );
}

#[test]
fn openapi_document_matches_the_committed_copy() {
    let generated = bulwark_server::openapi::document_json();
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/openapi.json");
    let committed = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        generated == committed,
        "docs/openapi.json is out of date: run `cargo run -q -- openapi > docs/openapi.json`"
    );
    let doc: Value = serde_json::from_str(&generated).unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
    for p in [
        "/api/v1/me",
        "/api/v1/organizations",
        "/api/v1/tokens/{id}",
        "/api/v1/audit/verify",
    ] {
        assert!(doc["paths"].get(p).is_some(), "{p} is documented");
    }
}

/// What a generated client needs of the document (issue 16, item 3): every
/// `{name}` of a path declared as a path parameter of each of its
/// operations, no query parameter declared `in: path`, and operation ids
/// unique. `.ci/run` also checks the document with openapi-spec-validator.
#[test]
fn openapi_document_is_usable_by_generated_clients() {
    let doc: Value = serde_json::from_str(&bulwark_server::openapi::document_json()).unwrap();
    let mut ids = std::collections::HashSet::new();
    let mut problems = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        let names: Vec<&str> = path
            .split('{')
            .skip(1)
            .filter_map(|s| s.split('}').next())
            .collect();
        for (method, op) in item.as_object().unwrap() {
            let declared: Vec<&str> = op["parameters"]
                .as_array()
                .map(|ps| {
                    ps.iter()
                        .filter(|p| p["in"] == "path")
                        .filter_map(|p| p["name"].as_str())
                        .collect()
                })
                .unwrap_or_default();
            for n in &names {
                if !declared.contains(n) {
                    problems.push(format!("{method} {path}: path parameter {n} not declared"));
                }
            }
            for d in &declared {
                if !names.contains(d) {
                    problems.push(format!(
                        "{method} {path}: {d} declared in: path but not in the path"
                    ));
                }
            }
            let id = op["operationId"].as_str().unwrap_or_default().to_owned();
            if !ids.insert(id.clone()) {
                problems.push(format!("{method} {path}: operationId {id} used twice"));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// Every operation needs a bearer token, so every one may answer 401: a
/// generated client meets no status its document did not declare.
#[test]
fn openapi_document_declares_401_on_every_operation() {
    let doc: Value = serde_json::from_str(&bulwark_server::openapi::document_json()).unwrap();
    let mut missing = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let content = &op["responses"]["401"]["content"]["application/problem+json"];
            if content["schema"]["$ref"] != "#/components/schemas/Problem" {
                missing.push(format!("{method} {path}"));
            }
        }
    }
    assert!(missing.is_empty(), "no 401 problem: {}", missing.join(", "));
}

/// How each body travels, as a generated client must know it (issue 16,
/// item 3): a document sent or answered as it is (SARIF, an SBOM, a zip, a
/// dossier file) is bytes, a string of format `binary`, never a JSON array
/// of integers (which a generated client sends as JSON); a JSON media type
/// never carries such an array; and every problem is declared as the
/// `application/problem+json` the server sends. `scripts/generated-client.sh`
/// (run by `.ci/run`) has a generated client call the server.
#[test]
fn openapi_document_declares_raw_bodies_as_bytes_and_problems_as_problem_json() {
    let doc: Value = serde_json::from_str(&bulwark_server::openapi::document_json()).unwrap();
    let json_type = |m: &str| m == "application/json" || m.ends_with("+json");
    let byte_array = |s: &Value| s["type"] == "array" && s["items"]["type"] == "integer";
    let mut problems = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let mut contents = vec![("request".to_owned(), &op["requestBody"]["content"])];
            for (status, r) in op["responses"].as_object().unwrap() {
                contents.push((format!("response {status}"), &r["content"]));
            }
            for (what, content) in contents {
                let Some(content) = content.as_object() else {
                    continue;
                };
                for (media, m) in content {
                    let schema = &m["schema"];
                    let at = format!("{method} {path} {what} {media}");
                    let problem = schema["$ref"] == "#/components/schemas/Problem";
                    if problem != (media == "application/problem+json") {
                        problems.push(format!("{at}: a problem is application/problem+json"));
                    }
                    if json_type(media) {
                        if byte_array(schema) {
                            problems.push(format!("{at}: bytes declared as a JSON array"));
                        }
                    } else if !(schema["type"] == "string" && schema["format"] == "binary") {
                        problems.push(format!("{at}: raw bytes are a string of format binary"));
                    }
                }
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
