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

use crate::common::visitor::Visitor;

/// The first 3 of 114 results of `microsoft-sarif-sdk/.../Fortify/bannedAPIs_m0.xml.sarif`.
const FORTIFY: &[u8] = include_bytes!("../../../intake/tests/fixtures/fortify-excerpt.sarif");

async fn put(srv: &common::Srv, path: &str, token: &str, body: Value) -> (StatusCode, Value) {
    let (s, _, v) = srv.call(Method::PUT, path, Some(token), Some(body)).await;
    (s, v)
}

/// A validated case over the API: (case id, reporter's token, reproducing
/// organization's token).
async fn validated_case(srv: &common::Srv) -> (String, String, String) {
    let root = srv.root_token.clone();
    let (_, _, reporter) = srv.member("Uni A", "researcher", "ua", &["analyst"]).await;
    let (repro_org, _, repro) = srv.member("Lab R", "researcher", "lr", &["analyst"]).await;
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
    let (s, p) = srv
        .post(&format!("/api/v1/cases/{case}/advisory"), &root, json!({}))
        .await;
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
    common::validate_by_one_reproduction(srv, &case, &root, &repro_org, &repro).await;
    (case, reporter, repro)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_advisory_is_drafted_published_under_embargo_and_then_public() {
    let t0 = datetime!(2026-11-26 12:00 UTC);
    let (srv, clock) = common::start_at(t0, &[]).await;
    let root = srv.root_token.clone();
    let (_, _, outsider) = srv.member("Vendor W", "vendor", "vw", &["admin"]).await;
    let (case, reporter, repro) = validated_case(&srv).await;
    let draft_path = format!("/api/v1/cases/{case}/advisory");

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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_editor_drafts_refuses_with_paths_and_the_queue_counts() {
    let t0 = datetime!(2026-11-26 12:00 UTC);
    let (srv, _clock) = common::start_at(t0, &[]).await;
    let (case, _, _) = validated_case(&srv).await;
    let (_, outsider_user, _) = srv.member("Vendor W", "vendor", "vw", &["admin"]).await;
    common::visitor::set_password(&srv, srv.root_user).await;
    let mut v = Visitor::sign_in(&srv, "root").await;

    let page = v.get(&format!("/clearinghouse/cases/{case}")).await;
    assert_eq!(page.status, StatusCode::OK);
    page.at("Draft the advisory");
    let csrf = page.csrf();
    let drafted = v
        .post(
            &format!("/clearinghouse/cases/{case}/advisory"),
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(drafted.status, StatusCode::SEE_OTHER, "{}", drafted.body);
    let editor_path = drafted.location.clone();
    assert!(
        editor_path.starts_with("/clearinghouse/advisories/"),
        "{editor_path}"
    );

    let editor = v.get(&editor_path).await;
    assert_eq!(editor.status, StatusCode::OK);
    for needle in [
        "<label for=\"title\">Title</label>",
        "<label for=\"products\">Products</label>",
        "What would be published",
        "BWK-2026-0001",
        "pkg:npm/left-pad",
        "The saved content makes valid documents",
    ] {
        editor.at(needle);
    }
    // The case's page now links the advisory.
    v.get(&format!("/clearinghouse/cases/{case}"))
        .await
        .at(&editor_path);

    // A list that is not JSON, then an empty title: refused, the posted
    // fields kept, each problem's path shown.
    let base = [
        ("csrf", csrf.as_str()),
        ("title", "Null dereference in left-pad"),
        ("summary", "Crash on a null pointer."),
        ("details", ""),
        (
            "products",
            "[{\"key\": \"left-pad\", \"vendor\": \"npm\", \"name\": \"left-pad\", \"purl\": \"pkg:npm/left-pad\"}]",
        ),
        ("vulnerabilities", "[{\"title\": \"Null dereference\"}]"),
        ("references", "[]"),
        ("acknowledgments", "[]"),
    ];
    let mut broken = base.to_vec();
    broken[4] = ("products", "[{oops");
    let refused = v.post(&editor_path, &broken).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    refused.at("Not saved");
    refused.at("form /products");
    refused.at("[{oops");
    let mut untitled = base.to_vec();
    untitled[1] = ("title", "");
    let refused = v.post(&editor_path, &untitled).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    refused.at("csaf /document/title");
    let saved = v.post(&editor_path, &base).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    v.get(&editor_path).await.at("Null dereference in left-pad");
    // A missing CSRF token changes nothing.
    let forged = v.post(&editor_path, &base[1..]).await;
    assert!(forged.status.is_client_error(), "{}", forged.status);

    let queue = v.get("/clearinghouse/advisories").await;
    assert_eq!(queue.status, StatusCode::OK);
    queue.at("<span class=\"n\">1</span> <span class=\"label\">Drafts</span>");
    queue.at("href=\"/clearinghouse/advisories?stage=draft\"");
    let published = v.get("/clearinghouse/advisories?stage=published").await;
    published.at("None.");

    // Someone else's visitor does not learn it exists.
    common::visitor::set_password(&srv, outsider_user.parse().unwrap()).await;
    let mut w = Visitor::sign_in(&srv, "vw").await;
    assert_eq!(w.get(&editor_path).await.status, StatusCode::NOT_FOUND);
    w.get("/clearinghouse/advisories").await.at("None.");
}
