//! The clearinghouse over plain HTTP: SARIF logs from several
//! organizations, cases validated and rejected, then the triage queue's
//! order (API and page), what each organization sees of it, a case's page
//! and its 404, the sources' ratios, a target's coverage, and escaping.

use crate::common;

use std::collections::BTreeMap;
use std::sync::Arc;

use bulwark_core::FixedClock;

use reqwest::StatusCode;
use serde_json::{Value, json};
use time::Duration;
use time::macros::datetime;

use crate::common::visitor::Visitor;

/// One result, from the shared data set.
const SEMGREP: &[u8] = include_bytes!("../../../intake/tests/fixtures/semgrep-dataflow.sarif");
/// Two results (CodeQL).
const CODEQL: &[u8] = include_bytes!("../../../intake/tests/fixtures/codeql-fingerprinting.sarif");
/// Three results (Fortify).
const FORTIFY: &[u8] = include_bytes!("../../../intake/tests/fixtures/fortify-excerpt.sarif");
/// A hand-written log whose message is markup: it must come out escaped.
const MARKUP: &str = r#"{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"TinyScan","version":"0.1"}},
 "results":[{"ruleId":"T1","level":"error","message":{"text":"<script>alert(\"x\")</script> & overflow"},
 "locations":[{"physicalLocation":{"artifactLocation":{"uri":"src/a.c"},"region":{"startLine":3}}}]}]}]}"#;

/// A visitor signed in as `user` (`username`), given the test password first.
async fn signed_in(srv: &common::Srv, user: uuid::Uuid, username: &str) -> Visitor {
    common::visitor::set_password(srv, user).await;
    Visitor::sign_in(srv, username).await
}

async fn submit(srv: &common::Srv, token: &str, query: &str, body: &[u8]) -> Vec<String> {
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
    let v: Value = resp.json().await.unwrap_or(Value::Null);
    assert_eq!(s, StatusCode::CREATED, "{v}");
    v["cases"]
        .as_array()
        .expect("cases")
        .iter()
        .map(|c| c.as_str().expect("id").to_owned())
        .collect()
}

async fn ok(srv: &common::Srv, path: &str, token: &str, body: Value) -> Value {
    let (s, _, v) = srv
        .call(reqwest::Method::POST, path, Some(token), Some(body))
        .await;
    assert!(s.is_success(), "{path}: {s} {v}");
    v
}

/// Validates `case` through the clearinghouse: triage, a reproduction task
/// for the validator, its reproduction.
async fn validate(srv: &common::Srv, case: &str, validator: (&str, &str)) {
    let path = format!("/api/v1/cases/{case}");
    ok(
        srv,
        &format!("{path}/transition"),
        &srv.root_token,
        json!({"to": "triaged"}),
    )
    .await;
    ok(
        srv,
        &format!("{path}/tasks"),
        &srv.root_token,
        json!({"kind": "reproduction", "org": validator.0}),
    )
    .await;
    let v = ok(
        srv,
        &format!("{path}/validations"),
        validator.1,
        json!({"kind": "reproduction", "result": "reproduced", "note": "reproduced on 2.0.0"}),
    )
    .await;
    assert_eq!(v["state"], "validated");
}

fn ids(v: &Value) -> Vec<String> {
    v["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|e| e["case"].as_str().expect("case").to_owned())
        .collect()
}

const T0: time::OffsetDateTime = datetime!(2026-11-26 12:00 UTC);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_queue_follows_source_reliability_and_pages_follow_the_policy() {
    let (srv, clock) = common::start_at(T0, &[]).await;
    scenario(srv, clock).await;
}

/// The same on PostgreSQL: the queue's one statement on the other back-end.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL: set BULWARK_TEST_DATABASE_URL (.ci/run does)"]
async fn the_queue_follows_source_reliability_and_pages_follow_the_policy_on_postgres() {
    let clock = Arc::new(FixedClock::new(T0));
    let store = bulwark_store::testing::postgres()
        .await
        .expect("PostgreSQL test store");
    let srv = common::start_with_clock(store, clock.clone()).await;
    scenario(srv, clock).await;
}

async fn scenario(srv: common::Srv, clock: Arc<FixedClock>) {
    let (uni, uni_user, uni_tok) = srv.member("Uni A", "researcher", "u1", &["analyst"]).await;
    let (_, vendor_user, vendor_tok) = srv.member("Vendor B", "vendor", "v1", &["analyst"]).await;
    let (_, _, fresh_tok) = srv
        .member("Fresh Lab", "researcher", "f1", &["analyst"])
        .await;
    let (lab_c, _, lab_c_tok) = srv.member("Lab C", "developer", "c1", &["admin"]).await;

    // Uni A's first two findings are validated; one of Vendor B's is rejected.
    let codeql = submit(&srv, &uni_tok, "", CODEQL).await;
    assert_eq!(codeql.len(), 2, "{codeql:?}");
    for c in &codeql {
        validate(&srv, c, (&lab_c, &lab_c_tok)).await;
    }
    clock.advance(Duration::hours(1));
    let fortify = submit(&srv, &vendor_tok, "", FORTIFY).await;
    assert!(fortify.len() >= 2, "{fortify:?}");
    ok(
        &srv,
        &format!("/api/v1/cases/{}/transition", fortify[0]),
        &srv.root_token,
        json!({"to": "rejected"}),
    )
    .await;
    clock.advance(Duration::hours(1));
    let markup = submit(&srv, &fresh_tok, "", MARKUP.as_bytes()).await;
    clock.advance(Duration::hours(1));
    // Reported last, but by the organization with the best record.
    let semgrep = submit(&srv, &uni_tok, "?target=pkg:pypi/flask@2.0.0", SEMGREP).await;
    assert_eq!((markup.len(), semgrep.len()), (1, 1));
    let (best, fresh) = (&semgrep[0], &markup[0]);

    // The API: the clearinghouse sees every pending case with its reasons.
    let (s, q) = srv.get("/api/v1/triage", &srv.root_token).await;
    assert_eq!(s, StatusCode::OK, "{q}");
    let order = ids(&q);
    assert_eq!(order.len(), 2 + fortify.len() - 1, "{q}");
    assert_eq!(&order[0], best, "{q}");
    assert_eq!(&order[1], fresh, "{q}");
    assert_eq!(order[2..], fortify[1..], "{q}");
    for c in codeql.iter().chain(&fortify[..1]) {
        assert!(
            !order.contains(c),
            "validated and rejected cases are not queued"
        );
    }
    let top = &q["items"][0];
    assert_eq!(top["first_reporter"], uni.as_str());
    assert_eq!(top["first_reporter_name"], "Uni A");
    assert_eq!(top["state"], "new");
    assert_eq!(top["score"], 0.75, "(2 + 1) / (2 + 2)");
    assert_eq!(top["basis"]["kind"], "org");
    assert_eq!(top["basis"]["source"], "Uni A");
    assert_eq!(top["basis"]["validated"], 2);
    assert_eq!(top["basis"]["submitted"], 2);
    assert!(top["reason"].as_str().unwrap().contains("Uni A"), "{top}");
    let second = &q["items"][1];
    assert_eq!(second["score"], 0.5, "no record: the prior");
    assert_eq!(second["basis"]["submitted"], 0);
    let last = &q["items"][2];
    assert!(last["score"].as_f64().unwrap() < 0.5, "{last}");
    assert_eq!(last["basis"]["source"], "Vendor B");
    assert_eq!(last["basis"]["validated"], 0);

    let (_, one) = srv.get("/api/v1/triage?limit=1", &srv.root_token).await;
    assert_eq!(ids(&one), vec![best.clone()]);
    for bad in ["?limit=0", "?limit=501", "?limit=x", "?order=score"] {
        let (s, v) = srv
            .get(&format!("/api/v1/triage{bad}"), &srv.root_token)
            .await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{bad}: {v}");
    }
    // A reporter sees its own cases in queue order, without the records of
    // other sources (those are the clearinghouse's).
    let (_, mine) = srv.get("/api/v1/triage", &vendor_tok).await;
    assert_eq!(ids(&mine), fortify[1..].to_vec());
    assert!(mine["items"][0]["score"].is_null(), "{mine}");
    assert!(mine["items"][0]["basis"].is_null(), "{mine}");
    let (_, mine) = srv.get("/api/v1/triage", &uni_tok).await;
    assert_eq!(ids(&mine), vec![best.clone()]);

    // The pages.
    let mut root = signed_in(&srv, srv.root_user, "root").await;
    let page = root.get("/clearinghouse").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("aria-current=\"page\""));
    assert!(!page.body.contains("Not available yet"));
    let (at_best, at_fresh, at_vendor) = (
        page.at(&format!("/clearinghouse/cases/{best}")),
        page.at(&format!("/clearinghouse/cases/{fresh}")),
        page.at(&format!("/clearinghouse/cases/{}", fortify[1])),
    );
    assert!(at_best < at_fresh && at_fresh < at_vendor, "queue order");
    page.at("0.75");
    page.at("organization Uni A: 2 of 2 other cases validated");
    page.at("&#60;script&#62;alert(");
    assert!(!page.body.contains("<script>"), "titles are escaped");

    let mut vendor = signed_in(&srv, vendor_user.parse().unwrap(), "v1").await;
    let page = vendor.get("/clearinghouse").await;
    assert_eq!(page.status, StatusCode::OK);
    page.at(&format!("/clearinghouse/cases/{}", fortify[1]));
    assert!(!page.body.contains(best.as_str()), "not a party");
    assert!(!page.body.contains("Score"), "no scores for a reporter");

    // A case's page: the same decision as the API.
    let page = root.get(&format!("/clearinghouse/cases/{best}")).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    page.at("Uni A");
    page.at("Semgrep OSS");
    page.at("pkg:pypi/flask@2.0.0");
    page.at("2026-11-26 15:00 UTC");
    page.at("TLP:");
    assert!(!page.body.contains("TLP:TLP:"), "one TLP: prefix");
    let page = root
        .get(&format!("/clearinghouse/cases/{}", codeql[0]))
        .await;
    assert_eq!(page.status, StatusCode::OK);
    let (task, validation) = (page.at("Validation tasks"), page.at("reproduced on 2.0.0"));
    assert!(validation < task);
    page.at("Lab C");
    let page = root.get(&format!("/clearinghouse/cases/{fresh}")).await;
    page.at("<h1>&#60;script&#62;");
    for path in [
        format!("/clearinghouse/cases/{best}"),
        format!("/clearinghouse/cases/{}", uuid::Uuid::now_v7()),
        "/clearinghouse/cases/not-an-id".to_owned(),
    ] {
        let page = vendor.get(&path).await;
        assert_eq!(page.status, StatusCode::NOT_FOUND, "{path}");
        assert!(!page.body.contains("Semgrep"), "{path}");
    }

    // Sources: the clearinghouse's, with the ratios.
    let page = root.get("/clearinghouse/sources").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let uni_row = page.at("<th scope=\"row\">Uni A</th>");
    assert!(page.body[uni_row..].contains("2/3 (67%)"), "{}", page.body);
    let vendor_row = page.at("<th scope=\"row\">Vendor B</th>");
    assert!(
        page.body[vendor_row..].contains(&format!("0/{} (0%)", fortify.len())),
        "{}",
        page.body
    );
    assert!(uni_row < vendor_row, "most reliable first");
    page.at("CodeQL command-line toolchain");
    assert_eq!(
        vendor.get("/clearinghouse/sources").await.status,
        StatusCode::FORBIDDEN
    );

    // Coverage: who scanned a target, with what.
    let claim =
        json!({"target": "pkg:npm/lodash@4.17.21", "technique": "fuzzing", "tool": "AFL++ 4.21c"});
    ok(&srv, "/api/v1/claims", &uni_tok, claim).await;
    let page = vendor
        .get("/clearinghouse/coverage?target=pkg%3Anpm%2Flodash%404.17.21")
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    page.at("Uni A");
    page.at("AFL++ 4.21c");
    page.at("An active claim holds this target now.");
    let page = vendor.get("/clearinghouse/coverage").await;
    assert_eq!(page.status, StatusCode::OK);
    page.at("name=\"target\"");
    let page = vendor.get("/clearinghouse/coverage?target=%3Cb%3E").await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    page.at("value=\"&#60;b&#62;\"");
    let page = vendor.get("/clearinghouse/coverage?nonsense=1").await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    // The claimant's own recent claims on its dashboard.
    let mut uni_page = signed_in(&srv, uni_user.parse().unwrap(), "u1").await;
    let page = uni_page.get("/clearinghouse").await;
    let claims = page.at("Your organization's recent claims");
    assert!(page.body[claims..].contains("pkg:npm/lodash@4.17.21"));

    // Not signed in: to the sign-in page.
    let mut stranger = Visitor {
        base: srv.base.clone(),
        http: srv.http.clone(),
        cookies: BTreeMap::new(),
    };
    let page = stranger.get("/clearinghouse").await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(page.location, "/login");
}

/// The intake page: the form carries the session's CSRF token before the
/// file; a document sent from it is ingested as over the API and listed; a
/// forged form, a file before the token, a visitor who may not submit and a
/// broken document are refused, and none of them writes anything.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_intake_page_takes_a_document_from_a_form() {
    use reqwest::multipart::{Form, Part};
    let (srv, _) = common::start_at(T0, &[]).await;
    let (_, uni_user, _) = srv.member("Uni A", "researcher", "u1", &["analyst"]).await;
    let (_, viewer_user, _) = srv.member("Uni A", "researcher", "u2", &["viewer"]).await;
    let mut v = signed_in(&srv, uuid::Uuid::parse_str(&uni_user).unwrap(), "u1").await;
    let page = v.get("/clearinghouse/intake").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("enctype=\"multipart/form-data\""));
    assert!(
        page.at("name=\"csrf\"") < page.at("name=\"file\""),
        "the token first"
    );
    let csrf = page.csrf();
    let file = |bytes: &[u8]| {
        Part::bytes(bytes.to_vec())
            .file_name("results.sarif")
            .mime_str("application/octet-stream")
            .unwrap()
    };
    let post = |v: &Visitor, form: Form| {
        v.http
            .post(format!("{}/clearinghouse/intake", v.base))
            .multipart(form)
    };

    let before = srv.audit_len().await;
    let forged = Form::new()
        .text("csrf", "not-the-token")
        .part("file", file(FORTIFY));
    let req = post(&v, forged);
    assert_eq!(v.finish(req).await.status, StatusCode::FORBIDDEN);
    let file_first = Form::new()
        .part("file", file(FORTIFY))
        .text("csrf", csrf.clone());
    let req = post(&v, file_first);
    assert_eq!(v.finish(req).await.status, StatusCode::FORBIDDEN);
    let broken = Form::new()
        .text("csrf", csrf.clone())
        .part("file", file(&FORTIFY[..FORTIFY.len() / 2]));
    let req = post(&v, broken);
    let refused = v.finish(req).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.body);
    assert!(refused.body.contains("Not accepted"), "{}", refused.body);
    let bad_target = Form::new()
        .text("csrf", csrf.clone())
        .text("target", "not a target")
        .part("file", file(FORTIFY));
    let req = post(&v, bad_target);
    assert_eq!(v.finish(req).await.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(srv.audit_len().await, before, "nothing written");

    let good = Form::new()
        .text("csrf", csrf.clone())
        .text("target", "pkg:generic/fortify-sample@1.0")
        .part("file", file(FORTIFY));
    let req = post(&v, good);
    let done = v.finish(req).await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    assert!(
        done.body.contains("SARIF 2.1.0, 3 reports, 3 new cases"),
        "{}",
        done.body
    );
    assert_eq!(done.body.matches("href=\"/clearinghouse/cases/").count(), 3);
    let sha = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(FORTIFY));
    assert!(done.body.contains(&sha), "the document is listed");
    let (_, list) = srv.get("/api/v1/cases", &srv.root_token).await;
    assert_eq!(list["items"].as_array().unwrap().len(), 3);
    for c in list["items"].as_array().unwrap() {
        assert_eq!(c["target"], "pkg:generic/fortify-sample@1.0");
    }

    // A viewer sees no form and may not post one.
    let mut viewer = signed_in(&srv, uuid::Uuid::parse_str(&viewer_user).unwrap(), "u2").await;
    let page = viewer.get("/clearinghouse/intake").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(!page.body.contains("name=\"file\""));
    assert!(page.body.contains("do not let you submit"));
    let form = Form::new()
        .text("csrf", page.csrf())
        .part("file", file(SEMGREP));
    let req = post(&viewer, form);
    assert_eq!(viewer.finish(req).await.status, StatusCode::FORBIDDEN);
}
